//! The storage rules that protect a person's data, tested against the in-memory store.

use proptest::prelude::*;
use std::collections::BTreeMap;
use waymark_core::mood::{CheckIn, MoodLevel};
use waymark_core::repository::{ProblemKind, record_key};
use waymark_core::{
    KeyValueStore, MemoryStore, ReadLog, Record, RecordId, RecordKind, Repository, SaveError,
    Saved, StoreError, Timestamp,
};

fn check_in(seed: u8, mood: MoodLevel, now: i64) -> Record<CheckIn> {
    Record::new(
        RecordId::from_random_bytes([seed; 16]),
        Timestamp(now),
        CheckIn::new(mood, Timestamp(now)),
    )
}

fn key_of(record: &Record<CheckIn>) -> String {
    record_key(CheckIn::KIND, &record.id)
}

#[test]
fn a_saved_record_loads_back() {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    let record = check_in(1, MoodLevel::Good, 100);
    assert_eq!(repo.save(&record, Timestamp(100)), Ok(Saved::Written));
    let loaded = repo.load_all::<CheckIn>(Timestamp(200));
    assert_eq!(loaded.records, vec![record]);
    assert!(loaded.problems.is_empty());
}

#[test]
fn two_tabs_writing_at_once_keep_both_records() {
    let store = MemoryStore::new();
    let (tab_a, tab_b) = (Repository::new(&store), Repository::new(&store));
    let a = check_in(1, MoodLevel::Low, 100);
    let b = check_in(2, MoodLevel::VeryGood, 100);
    tab_a.save(&a, Timestamp(100)).unwrap();
    tab_b.save(&b, Timestamp(100)).unwrap();
    for tab in [&tab_a, &tab_b] {
        let ids: Vec<_> = tab
            .load_all::<CheckIn>(Timestamp(100))
            .records
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids.len(), 2);
        assert!(ids.contains(&a.id) && ids.contains(&b.id));
    }
}

#[test]
fn a_stale_save_keeps_the_newer_copy_another_tab_wrote() {
    let store = MemoryStore::new();
    let (tab_a, tab_b) = (Repository::new(&store), Repository::new(&store));
    let original = check_in(1, MoodLevel::Okay, 100);
    tab_a.save(&original, Timestamp(100)).unwrap();

    let mut newer = original.clone();
    newer.edit(Timestamp(300), |c| c.mood = MoodLevel::Good);
    tab_b.save(&newer, Timestamp(300)).unwrap();

    let mut stale = original.clone();
    stale.edit(Timestamp(200), |c| c.mood = MoodLevel::Low);
    assert_eq!(
        tab_a.save(&stale, Timestamp(200)),
        Ok(Saved::KeptNewer(newer.clone()))
    );
    assert_eq!(
        tab_a.load_all::<CheckIn>(Timestamp(400)).records,
        vec![newer]
    );
}

#[test]
fn unreadable_data_is_moved_aside_verbatim_and_reported() {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    let good = check_in(1, MoodLevel::Good, 100);
    repo.save(&good, Timestamp(100)).unwrap();
    let broken_key = record_key(CheckIn::KIND, &RecordId::from_random_bytes([9; 16]));
    store
        .set(&broken_key, "{\"v\":1,\"record\":{\"trunc")
        .unwrap();

    let loaded = repo.load_all::<CheckIn>(Timestamp(500));
    assert_eq!(loaded.records, vec![good]);
    assert_eq!(loaded.problems.len(), 1);
    let ProblemKind::SetAside { aside_key, .. } = &loaded.problems[0].kind else {
        panic!("expected set aside, got {:?}", loaded.problems)
    };
    assert_eq!(store.get(&broken_key).unwrap(), None);
    let aside = repo.aside().unwrap();
    assert_eq!(aside.len(), 1);
    assert_eq!(aside[0].key, broken_key);
    assert_eq!(aside[0].raw, "{\"v\":1,\"record\":{\"trunc");
    assert_eq!(aside[0].found, Timestamp(500));
    assert!(store.get(aside_key).unwrap().is_some());
}

#[test]
fn a_record_under_someone_elses_key_is_unreadable() {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    let record = check_in(1, MoodLevel::Good, 100);
    let wrong_key = record_key(CheckIn::KIND, &RecordId::from_random_bytes([2; 16]));
    store
        .set(&wrong_key, &waymark_core::schema::encode(&record))
        .unwrap();
    let loaded = repo.load_all::<CheckIn>(Timestamp(1));
    assert!(loaded.records.is_empty());
    assert!(matches!(
        loaded.problems[0].kind,
        ProblemKind::SetAside { .. }
    ));
}

#[test]
fn newer_version_data_is_left_in_place_and_never_overwritten() {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    let record = check_in(1, MoodLevel::Good, 100);
    let newer_text = format!(
        r#"{{"v":99,"record":{{"id":"{}","future":true}}}}"#,
        record.id
    );
    store.set(&key_of(&record), &newer_text).unwrap();

    let loaded = repo.load_all::<CheckIn>(Timestamp(200));
    assert!(loaded.records.is_empty());
    assert_eq!(
        loaded.problems[0].kind,
        ProblemKind::NewerVersion {
            found: 99,
            supported: CheckIn::VERSION
        }
    );
    assert_eq!(
        repo.save(&record, Timestamp(200)),
        Err(SaveError::NewerVersionStored {
            found: 99,
            supported: CheckIn::VERSION
        })
    );
    assert_eq!(store.get(&key_of(&record)).unwrap(), Some(newer_text));
    assert!(repo.aside().unwrap().is_empty());
}

#[test]
fn saving_over_unreadable_data_moves_it_aside_first() {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    let record = check_in(1, MoodLevel::Good, 100);
    store.set(&key_of(&record), "garbage").unwrap();
    assert_eq!(repo.save(&record, Timestamp(100)), Ok(Saved::Written));
    assert_eq!(repo.aside().unwrap()[0].raw, "garbage");
}

#[test]
fn a_full_store_refuses_the_save_and_changes_nothing() {
    let store = MemoryStore::with_quota(800);
    let repo = Repository::new(&store);
    let first = check_in(1, MoodLevel::Good, 100);
    repo.save(&first, Timestamp(100)).unwrap();
    let before = store.snapshot();
    let mut second = check_in(2, MoodLevel::Low, 200);
    let mut result = Ok(Saved::Written);
    for n in 0..10 {
        second.id = RecordId::from_random_bytes([n + 10; 16]);
        result = repo.save(&second, Timestamp(200));
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(SaveError::Store(StoreError::QuotaExceeded)));
    assert!(
        store.snapshot().len() > before.len(),
        "some saves fit before the store filled"
    );
    assert_eq!(
        store.get(&key_of(&first)).unwrap(),
        before.get(&key_of(&first)).cloned()
    );
}

#[test]
fn unreadable_data_that_cannot_be_moved_aside_stays_where_it_is() {
    let store = MemoryStore::with_quota(120);
    let repo = Repository::new(&store);
    let key = record_key(CheckIn::KIND, &RecordId::from_random_bytes([4; 16]));
    store.set(&key, "not json at all").unwrap();
    let loaded = repo.load_all::<CheckIn>(Timestamp(1));
    assert!(matches!(
        &loaded.problems[0].kind,
        ProblemKind::LeftInPlace {
            error: StoreError::QuotaExceeded,
            ..
        }
    ));
    assert_eq!(store.get(&key).unwrap().as_deref(), Some("not json at all"));
}

#[test]
fn storage_that_is_blocked_is_reported_not_hidden() {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    store.make_unavailable();
    let loaded = repo.load_all::<CheckIn>(Timestamp(1));
    assert_eq!(
        loaded.problems[0].kind,
        ProblemKind::ReadFailed(StoreError::Unavailable)
    );
    let result = repo.save(&check_in(1, MoodLevel::Good, 1), Timestamp(1));
    assert_eq!(result, Err(SaveError::Store(StoreError::Unavailable)));
}

#[test]
fn other_kinds_and_other_apps_keys_are_left_alone() {
    let store = MemoryStore::new();
    store.set("someone-else", "x").unwrap();
    store
        .set(
            "waymark.rec.future_kind.6f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4",
            "{}",
        )
        .unwrap();
    let repo = Repository::new(&store);
    let loaded = repo.load_all::<CheckIn>(Timestamp(1));
    assert!(loaded.records.is_empty() && loaded.problems.is_empty());
    assert_eq!(store.snapshot().len(), 2);
}

/// Start-up reads the small kinds first and the years of check-ins after the first page is drawn: the two partial
/// reads together hold exactly what one whole read holds, and the first never reads a check-in.
#[test]
fn reading_some_kinds_then_the_rest_reads_everything_once() {
    use waymark_core::plan::PlanStep;
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    for seed in 1..=3 {
        repo.save(&check_in(seed, MoodLevel::Good, 100), Timestamp(100))
            .unwrap();
    }
    let step = Record::new(
        RecordId::from_random_bytes([9; 16]),
        Timestamp(5),
        PlanStep::new("Ring the walking group", 1).unwrap(),
    );
    repo.save(&step, Timestamp(5)).unwrap();
    store
        .set(
            "waymark.rec.future_kind.6f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4",
            "{}",
        )
        .unwrap();
    store.set("waymark.settings-not-a-record", "x").unwrap();

    let whole = repo.stored_records().unwrap();
    let reads = ReadLog::new(&store);
    let first = Repository::new(&reads)
        .stored_records_except(CheckIn::KIND)
        .unwrap();
    let check_in_prefix = format!("waymark.rec.{}.", CheckIn::KIND);
    assert!(
        !reads
            .read_keys()
            .iter()
            .any(|key| key.starts_with(&check_in_prefix)),
        "the first read never reads a check-in: {:?}",
        reads.read_keys()
    );
    let rest = repo.stored_records_of(CheckIn::KIND).unwrap();
    assert!(first.of_kind(CheckIn::KIND).is_empty());
    assert_eq!(first.of_kind(PlanStep::KIND), whole.of_kind(PlanStep::KIND));
    assert_eq!(first.of_kind("future_kind"), whole.of_kind("future_kind"));
    assert_eq!(rest.of_kind(CheckIn::KIND).len(), 3);
    let sorted = |mut entries: Vec<(String, String)>| {
        entries.sort();
        entries
    };
    assert_eq!(
        sorted(rest.of_kind(CheckIn::KIND).to_vec()),
        sorted(whole.of_kind(CheckIn::KIND).to_vec())
    );
    assert!(rest.of_kind(PlanStep::KIND).is_empty());
    // Loading from the partial reads gives the same records as loading from the whole.
    assert_eq!(
        repo.load_from::<CheckIn>(&rest, Timestamp(200)).records,
        repo.load_from::<CheckIn>(&whole, Timestamp(200)).records
    );
    assert_eq!(
        repo.load_from::<PlanStep>(&first, Timestamp(200)).records,
        vec![step]
    );
}

/// One step a tab can take.
#[derive(Clone, Debug)]
enum Step {
    Add {
        tab: usize,
        seed: u8,
    },
    Edit {
        tab: usize,
        index: usize,
        mood: usize,
    },
    Delete {
        tab: usize,
        index: usize,
    },
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        (0..2usize, any::<u8>()).prop_map(|(tab, seed)| Step::Add { tab, seed }),
        (0..2usize, any::<usize>(), 0..5usize).prop_map(|(tab, index, mood)| Step::Edit {
            tab,
            index,
            mood
        }),
        (0..2usize, any::<usize>()).prop_map(|(tab, index)| Step::Delete { tab, index }),
    ];
    proptest::collection::vec(step, 1..40)
}

proptest! {
    /// Two tabs, each with its own (possibly stale) copy in memory, interleave adds, edits and deletes on one store.
    /// Every record either tab ever created is still stored, and each holds the newest change made to it.
    #[test]
    fn interleaved_tabs_never_lose_a_record_or_a_newer_change(steps in steps()) {
        let store = MemoryStore::new();
        let tabs = [Repository::new(&store), Repository::new(&store)];
        let mut views: [Vec<Record<CheckIn>>; 2] = [Vec::new(), Vec::new()];
        let mut newest: BTreeMap<RecordId, Record<CheckIn>> = BTreeMap::new();
        for (n, step) in steps.into_iter().enumerate() {
            let now = Timestamp(1_000 + n as i64);
            let (tab, record) = match step {
                Step::Add { tab, seed } => {
                    let mut bytes = [seed; 16];
                    bytes[0] = n as u8;
                    (tab, check_in(0, MoodLevel::Okay, now.0).with_id(RecordId::from_random_bytes(bytes)))
                }
                Step::Edit { tab, index, mood } if !views[tab].is_empty() => {
                    let mut record = views[tab][index % views[tab].len()].clone();
                    record.edit(now, |c| c.mood = MoodLevel::ALL[mood]);
                    (tab, record)
                }
                Step::Delete { tab, index } if !views[tab].is_empty() => {
                    let mut record = views[tab][index % views[tab].len()].clone();
                    record.delete(now);
                    (tab, record)
                }
                _ => continue,
            };
            let kept = match tabs[tab].save(&record, now).unwrap() {
                Saved::Written => record,
                Saved::KeptNewer(held) => held,
            };
            newest.insert(kept.id.clone(), kept.clone());
            match views[tab].iter_mut().find(|r| r.id == kept.id) {
                Some(slot) => *slot = kept,
                None => views[tab].push(kept),
            }
            // Sometimes the other tab hears about it (the `storage` event) and reloads.
            if n % 3 == 0 {
                views[1 - tab] = tabs[1 - tab].load_all::<CheckIn>(now).records;
            }
        }
        let stored = tabs[0].load_all::<CheckIn>(Timestamp(0));
        prop_assert!(stored.problems.is_empty());
        let stored: BTreeMap<_, _> = stored.records.into_iter().map(|r| (r.id.clone(), r)).collect();
        prop_assert_eq!(stored, newest);
    }
}

trait WithId {
    fn with_id(self, id: RecordId) -> Self;
}

impl WithId for Record<CheckIn> {
    fn with_id(mut self, id: RecordId) -> Self {
        self.id = id;
        self
    }
}
