//! Backups: every kind travels, imports keep the newer change, and a bad file never changes what is stored.

use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use waymark_core::activity::{ActivityKind, Goal, Intensity, Session, Target};
use waymark_core::backup::{self, ImportError, ImportPreview, MAX_BACKUP_BYTES, MergeReport};
use waymark_core::calendar::{EuropeLondon, LocalDate};
use waymark_core::kinds::{self, KINDS};
use waymark_core::mood::{CheckIn, CustomTag, MoodLevel};
use waymark_core::questionnaire::{Answers, Difficulty, QuestionnaireResponse};
use waymark_core::repository::{AsideEntry, kind_of_key, record_key};
use waymark_core::schema::encode;
use waymark_core::{
    KeyValueStore, MemoryStore, Record, RecordId, RecordKind, Repository, StoreError, Timestamp,
};

/// 2026-11-21T14:05:00Z.
const NOW: Timestamp = Timestamp(1_795_269_900_000);
/// A day later.
const LATER: Timestamp = Timestamp(NOW.0 + 86_400_000);

fn id(seed: u8) -> RecordId {
    RecordId::from_random_bytes([seed; 16])
}

fn date(text: &str) -> LocalDate {
    LocalDate::parse(text).unwrap()
}

fn check_in(seed: u8, at: i64, mood: MoodLevel) -> Record<CheckIn> {
    Record::new(id(seed), Timestamp(at), CheckIn::new(mood, Timestamp(at)))
}

fn session(seed: u8, minutes: u16, day: &str) -> Record<Session> {
    Record::new(
        id(seed),
        NOW,
        Session::new(
            ActivityKind::Walking,
            minutes,
            Intensity::Moderate,
            date(day),
        ),
    )
}

fn fixture(kind: &str, file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
        .join(file);
    std::fs::read_to_string(path).unwrap()
}

/// A device with records of every kind: tombstones, an older-version record, something kept aside, and a key that
/// belongs to someone else.
fn filled() -> MemoryStore {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);

    let mut noted = check_in(1, NOW.0 - 3_000_000, MoodLevel::Low);
    noted.edit(NOW, |c| {
        c.set_note("Rain, then \"tea\" with Sam;\nfelt better, 🌧→☀️");
        c.toggle_tag("saw people");
        c.toggle_tag("tired");
    });
    repo.save(&noted, NOW).unwrap();
    repo.save(&check_in(2, NOW.0 - 2_000_000, MoodLevel::Good), NOW)
        .unwrap();
    let mut gone = check_in(3, NOW.0 - 1_000_000, MoodLevel::Okay);
    gone.delete(NOW);
    repo.save(&gone, NOW).unwrap();
    // A check-in stored by schema v1, never rewritten since.
    let v1 = fixture("mood_check_in", "v1.json");
    let v1_id: Value = serde_json::from_str(&v1).unwrap();
    let v1_id = RecordId::parse(v1_id["record"]["id"].as_str().unwrap()).unwrap();
    store.set(&record_key(CheckIn::KIND, &v1_id), &v1).unwrap();

    repo.save(
        &Record::new(
            id(10),
            NOW,
            CustomTag {
                name: "allotment".into(),
            },
        ),
        NOW,
    )
    .unwrap();
    repo.save(
        &Record::new(
            id(20),
            NOW,
            QuestionnaireResponse {
                at: NOW,
                phq9: Some(Answers::new([1, 2, 0, 1, 3, 0, 1, 0, 0]).unwrap()),
                gad7: Some(Answers::new([2, 1, 1, 0, 0, 1, 2]).unwrap()),
                difficulty: Some(Difficulty::SomewhatDifficult),
            },
        ),
        NOW,
    )
    .unwrap();
    let mut goal = Goal::new(
        Some(ActivityKind::Walking),
        Target::MinutesPerWeek(60),
        date("2026-11-16"),
    );
    goal.set_why("To keep up with my grandchildren.");
    goal.review = Some(date("2026-12-14"));
    repo.save(&Record::new(id(30), NOW, goal), NOW).unwrap();
    repo.save(&session(40, 25, "2026-11-20"), NOW).unwrap();
    let mut deleted_session = session(41, 10, "2026-11-19");
    deleted_session.delete(NOW);
    repo.save(&deleted_session, NOW).unwrap();

    // Something unreadable, moved aside by loading.
    store
        .set(
            &record_key(CheckIn::KIND, &id(99)),
            "{\"v\":2,\"record\":{\"trunc",
        )
        .unwrap();
    let loaded = repo.load_all::<CheckIn>(Timestamp(NOW.0 - 5));
    assert_eq!(loaded.problems.len(), 1);

    store.set("other-app.setting", "keep me").unwrap();
    store
}

/// Everything a person has, as the app loads it.
#[derive(Debug, PartialEq)]
struct Contents {
    check_ins: Vec<Record<CheckIn>>,
    tags: Vec<Record<CustomTag>>,
    questionnaires: Vec<Record<QuestionnaireResponse>>,
    goals: Vec<Record<Goal>>,
    sessions: Vec<Record<Session>>,
    aside: Vec<AsideEntry>,
}

fn load<K: RecordKind, S: KeyValueStore>(repo: &Repository<S>) -> Vec<Record<K>> {
    let loaded = repo.load_all::<K>(LATER);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    loaded.records
}

fn contents(store: &MemoryStore) -> Contents {
    let repo = Repository::new(store);
    Contents {
        check_ins: load(&repo),
        tags: load(&repo),
        questionnaires: load(&repo),
        goals: load(&repo),
        sessions: load(&repo),
        aside: repo.aside().unwrap(),
    }
}

/// Every stored record, re-encoded at the current schema version, by key.
fn reencoded(store: &MemoryStore) -> BTreeMap<String, String> {
    store
        .snapshot()
        .into_iter()
        .filter_map(|(key, text)| {
            let kind = kinds::find(kind_of_key(&key)?)?;
            let current = kind.validate(&text).unwrap().current;
            Some((key, current))
        })
        .collect()
}

fn import(store: &MemoryStore, text: &str, now: Timestamp) -> Result<MergeReport, ImportError> {
    let preview = backup::inspect(text)?;
    backup::merge(&Repository::new(store), &preview, now)
}

fn backup_of(store: &MemoryStore) -> String {
    backup::export(&Repository::new(store), NOW).unwrap()
}

fn as_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn every_kind_survives_a_round_trip_through_delete_everything() {
    let store = filled();
    let repo = Repository::new(&store);
    let before = contents(&store);
    let before_texts = reencoded(&store);
    assert_eq!(before.check_ins.len(), 4);
    assert_eq!(before.aside.len(), 1);

    let text = backup::export(&repo, NOW).unwrap();
    assert_eq!(text, backup::export(&repo, NOW).unwrap(), "deterministic");
    let file = as_json(&text);
    assert_eq!(file["format"], "waymark-backup");
    assert_eq!(file["version"], 1);
    assert_eq!(file["exported_at"], "2026-11-21T14:05:00Z");
    assert_eq!(file["exported_at_ms"], NOW.0);
    for kind in KINDS {
        assert!(file["records"][kind.kind].is_array(), "{}", kind.kind);
    }
    // Stored exactly as it was, older schema version included.
    let versions: Vec<u64> = file["records"]["mood_check_in"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["v"].as_u64().unwrap())
        .collect();
    assert!(versions.contains(&1) && versions.contains(&2));

    let removed = repo.delete_everything().unwrap();
    assert_eq!(removed, before_texts.len() + 1);
    assert_eq!(
        store.snapshot().into_keys().collect::<Vec<_>>(),
        ["other-app.setting"]
    );

    let preview = backup::inspect(&text).unwrap();
    assert_eq!(
        preview.summary(),
        "3 check-ins, 1 own tag, 1 questionnaire, 1 activity goal and 1 activity session"
    );
    assert_eq!(preview.total_records(), 9);
    assert_eq!(preview.kept_aside_count(), 1);
    assert_eq!(preview.exported_at(), NOW);
    assert_eq!(preview.exported_on(&EuropeLondon), date("2026-11-21"));

    let report = backup::merge(&repo, &preview, LATER).unwrap();
    assert_eq!(
        report,
        MergeReport {
            added: 9,
            kept_aside: 1,
            ..MergeReport::default()
        }
    );
    assert_eq!(contents(&store), before);
    assert_eq!(reencoded(&store), before_texts);
    assert_eq!(
        store.get("other-app.setting").unwrap().as_deref(),
        Some("keep me")
    );
}

#[test]
fn importing_the_same_file_twice_adds_nothing_the_second_time() {
    let source = filled();
    let text = backup_of(&source);
    let store = MemoryStore::new();
    let first = import(&store, &text, LATER).unwrap();
    assert_eq!(first.added, 9);
    let after_first = store.snapshot();
    let second = import(&store, &text, LATER).unwrap();
    assert_eq!(
        second,
        MergeReport {
            unchanged: 9,
            ..MergeReport::default()
        }
    );
    assert_eq!(store.snapshot(), after_first);
    // Importing into the device the backup came from changes nothing either.
    let before = source.snapshot();
    let report = import(&source, &text, LATER).unwrap();
    assert_eq!(report.added + report.updated + report.kept_aside, 0);
    assert_eq!(source.snapshot(), before);
}

#[test]
fn the_newer_change_wins_both_ways() {
    let old_a = check_in(1, NOW.0, MoodLevel::Low);
    let mut new_a = old_a.clone();
    new_a.edit(Timestamp(NOW.0 + 100), |c| c.mood = MoodLevel::Good);
    let old_b = check_in(2, NOW.0, MoodLevel::Okay);
    let mut new_b = old_b.clone();
    new_b.delete(Timestamp(NOW.0 + 100));

    // The backup has the newer A and the older B.
    let backup_store = MemoryStore::new();
    let backup_repo = Repository::new(&backup_store);
    backup_repo.save(&new_a, NOW).unwrap();
    backup_repo.save(&old_b, NOW).unwrap();
    let text = backup_of(&backup_store);

    // The device has the older A and the newer (deleted) B.
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    repo.save(&old_a, NOW).unwrap();
    repo.save(&new_b, NOW).unwrap();

    let report = import(&store, &text, LATER).unwrap();
    assert_eq!((report.updated, report.unchanged), (1, 1));
    assert_eq!(load::<CheckIn, _>(&repo), vec![new_a, new_b]);
}

#[test]
fn a_deletion_in_the_backup_travels() {
    let live = check_in(1, NOW.0, MoodLevel::Low);
    let mut deleted = live.clone();
    deleted.delete(LATER);
    let source = MemoryStore::new();
    Repository::new(&source).save(&deleted, LATER).unwrap();
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    repo.save(&live, NOW).unwrap();
    let preview = backup::inspect(&backup_of(&source)).unwrap();
    assert_eq!(preview.summary(), "nothing");
    assert_eq!(backup::merge(&repo, &preview, LATER).unwrap().updated, 1);
    assert_eq!(load::<CheckIn, _>(&repo), vec![deleted]);
}

#[test]
fn replace_leaves_exactly_the_backups_records_and_keeps_unreadable_data_aside() {
    let in_both = check_in(1, NOW.0, MoodLevel::Low);
    let mut newer_on_device = in_both.clone();
    newer_on_device.edit(LATER, |c| c.mood = MoodLevel::VeryGood);
    let only_on_device = check_in(2, NOW.0, MoodLevel::Good);
    let source = MemoryStore::new();
    Repository::new(&source).save(&in_both, NOW).unwrap();
    Repository::new(&source)
        .save(&session(40, 30, "2026-11-20"), NOW)
        .unwrap();
    let text = backup_of(&source);

    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    repo.save(&newer_on_device, LATER).unwrap();
    repo.save(&only_on_device, NOW).unwrap();
    let broken_key = record_key(CheckIn::KIND, &id(7));
    store.set(&broken_key, "half a reco").unwrap();
    let future_key = record_key(Goal::KIND, &id(8));
    let future = format!(r#"{{"v":99,"record":{{"id":"{}"}}}}"#, id(8));
    store.set(&future_key, &future).unwrap();
    store.set("other-app.setting", "keep me").unwrap();

    let preview = backup::inspect(&text).unwrap();
    let report = backup::replace(&repo, &preview, LATER).unwrap();
    assert_eq!(
        report,
        MergeReport {
            added: 1,
            updated: 1,
            removed: 3,
            kept_aside: 2,
            ..MergeReport::default()
        }
    );
    assert_eq!(load::<CheckIn, _>(&repo), vec![in_both]);
    assert_eq!(
        load::<Session, _>(&repo),
        vec![session(40, 30, "2026-11-20")]
    );
    assert!(load::<Goal, _>(&repo).is_empty());
    let aside = repo.aside().unwrap();
    let raws: Vec<&str> = aside.iter().map(|a| a.raw.as_str()).collect();
    assert!(raws.contains(&"half a reco") && raws.contains(&future.as_str()));
    assert_eq!(
        store.get("other-app.setting").unwrap().as_deref(),
        Some("keep me")
    );
}

#[test]
fn unreadable_stored_data_is_exported_as_kept_aside_and_the_backup_still_imports() {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    repo.save(&check_in(1, NOW.0, MoodLevel::Good), NOW)
        .unwrap();
    let broken_key = record_key(CheckIn::KIND, &id(2));
    store.set(&broken_key, "{\"v\":2,\"rec").unwrap();
    let misfiled_key = record_key(CheckIn::KIND, &id(3));
    store
        .set(&misfiled_key, &encode(&check_in(4, NOW.0, MoodLevel::Low)))
        .unwrap();

    let text = backup_of(&store);
    let file = as_json(&text);
    assert_eq!(
        file["records"]["mood_check_in"].as_array().unwrap().len(),
        1
    );
    let kept: Vec<AsideEntry> = serde_json::from_value(file["kept_aside"].clone()).unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].key, broken_key);
    assert_eq!(kept[0].raw, "{\"v\":2,\"rec");
    assert_eq!(kept[1].key, misfiled_key);
    assert!(!kept[1].reason.is_empty());

    let fresh = MemoryStore::new();
    let report = import(&fresh, &text, LATER).unwrap();
    assert_eq!((report.added, report.kept_aside), (1, 2));
    assert_eq!(Repository::new(&fresh).aside().unwrap(), kept);
}

#[test]
fn a_full_store_stops_the_import_with_whole_records_and_a_second_try_finishes() {
    let source = MemoryStore::new();
    let source_repo = Repository::new(&source);
    for seed in 0..40 {
        source_repo
            .save(
                &check_in(seed, NOW.0 + i64::from(seed), MoodLevel::Okay),
                NOW,
            )
            .unwrap();
    }
    let text = backup_of(&source);
    let needed: usize = source
        .snapshot()
        .iter()
        .map(|(k, v)| k.chars().count() + v.chars().count())
        .sum();

    let quota = 100_000;
    let store = MemoryStore::with_quota(quota);
    let filler = "x".repeat(quota - needed / 2 - "filler".len());
    store.set("filler", &filler).unwrap();
    let error = import(&store, &text, LATER).unwrap_err();
    let ImportError::Interrupted { done, error: cause } = &error else {
        panic!("expected an interrupted import, got {error:?}");
    };
    assert_eq!(*cause, StoreError::QuotaExceeded);
    assert!(done.added > 0 && done.added < 40, "{done:?}");
    assert!(error.to_string().starts_with(
        "This device's storage for Waymark is full, so the last change was not saved. The import stopped part-way, \
         after saving"
    ));
    // Every record written is whole.
    let repo = Repository::new(&store);
    assert_eq!(load::<CheckIn, _>(&repo).len(), done.added);

    store.remove("filler").unwrap();
    let report = import(&store, &text, LATER).unwrap();
    assert_eq!(report.added, 40 - done.added);
    assert_eq!(report.unchanged, done.added);
    assert_eq!(reencoded(&store), reencoded(&source));
}

/// A valid backup, changed by `change`, for the bad-input cases.
fn altered(change: impl FnOnce(&mut Value)) -> String {
    let mut file = as_json(&backup_of(&filled()));
    change(&mut file);
    file.to_string()
}

fn check_in_list(file: &mut Value) -> &mut Vec<Value> {
    file["records"]["mood_check_in"].as_array_mut().unwrap()
}

#[test]
fn bad_files_are_refused_with_the_right_reason_and_change_nothing() {
    let valid = backup_of(&filled());
    let oversized = format!("{} {}", valid, " ".repeat(MAX_BACKUP_BYTES - valid.len()));
    assert!(backup::inspect(&oversized[..MAX_BACKUP_BYTES]).is_ok());

    type Check = fn(&ImportError) -> bool;
    let cases: Vec<(&str, String, Check)> = vec![
        ("empty", String::new(), |e| {
            matches!(e, ImportError::NotJson(_))
        }),
        ("truncated", valid[..valid.len() / 2].to_owned(), |e| {
            matches!(e, ImportError::NotJson(_))
        }),
        (
            "foreign object",
            r#"{"name":"a shopping list"}"#.into(),
            |e| *e == ImportError::NotWaymark,
        ),
        ("foreign array", "[1,2,3]".into(), |e| {
            *e == ImportError::NotWaymark
        }),
        (
            "another format",
            altered(|f| f["format"] = json!("waymark-settings")),
            |e| *e == ImportError::NotWaymark,
        ),
        (
            "future version",
            altered(|f| f["version"] = json!(2)),
            |e| *e == ImportError::NewerVersion,
        ),
        (
            "no version",
            altered(|f| f["version"] = json!("one")),
            |e| matches!(e, ImportError::DamagedFile(_)),
        ),
        (
            "unknown kind",
            altered(|f| f["records"]["sleep_diary"] = json!([])),
            |e| *e == ImportError::NewerVersion,
        ),
        (
            "newer record schema",
            altered(|f| check_in_list(f)[0]["v"] = json!(99)),
            |e| *e == ImportError::NewerVersion,
        ),
        (
            "damaged record",
            altered(|f| check_in_list(f)[1]["record"]["data"]["mood"] = json!("ecstatic")),
            |e| matches!(e, ImportError::Damaged { kind, index: 1, .. } if kind == "mood_check_in"),
        ),
        (
            "not a record",
            altered(|f| check_in_list(f)[2] = json!("hello")),
            |e| matches!(e, ImportError::Damaged { index: 2, .. }),
        ),
        (
            "duplicate id",
            altered(|f| {
                let first = check_in_list(f)[0].clone();
                check_in_list(f).push(first);
            }),
            |e| matches!(e, ImportError::Damaged { index: 4, .. }),
        ),
        (
            "wrong id",
            altered(|f| check_in_list(f)[0]["record"]["id"] = json!("../../etc/passwd")),
            |e| matches!(e, ImportError::Damaged { index: 0, .. }),
        ),
        (
            "records not a list",
            altered(|f| f["records"]["mood_tag"] = json!({})),
            |e| matches!(e, ImportError::DamagedFile(_)),
        ),
        ("no records", altered(|f| f["records"] = Value::Null), |e| {
            matches!(e, ImportError::DamagedFile(_))
        }),
        (
            "broken kept aside",
            altered(|f| f["kept_aside"] = json!([{"key": 1}])),
            |e| matches!(e, ImportError::DamagedFile(_)),
        ),
        ("over size", oversized, |e| {
            matches!(e, ImportError::TooLarge { .. })
        }),
    ];

    for (name, text, expected) in cases {
        let store = filled();
        // Something newer on the device that a successful import would not change, and something older it would.
        let before = store.snapshot();
        let error = import(&store, &text, LATER).expect_err(name);
        assert!(expected(&error), "{name}: got {error:?}");
        assert!(!error.to_string().is_empty());
        assert_eq!(store.snapshot(), before, "{name} changed the store");
    }
}

#[test]
fn errors_speak_plainly() {
    assert_eq!(
        ImportError::NotWaymark.to_string(),
        "This is not a Waymark backup."
    );
    assert_eq!(
        ImportError::NewerVersion.to_string(),
        "This backup was made by a newer version of Waymark. Update Waymark, then try again."
    );
    let duplicate = altered(|f| {
        let first = check_in_list(f)[0].clone();
        check_in_list(f).push(first);
    });
    assert_eq!(
        backup::inspect(&duplicate).unwrap_err().to_string(),
        "This backup is damaged: check-in number 5 could not be read (another check-in has the same id)."
    );
}

#[test]
fn an_empty_device_exports_an_empty_backup_that_imports() {
    let store = MemoryStore::new();
    let text = backup_of(&store);
    let preview: ImportPreview = backup::inspect(&text).unwrap();
    assert_eq!(preview.summary(), "nothing");
    assert_eq!(
        backup::merge(&Repository::new(&store), &preview, NOW).unwrap(),
        MergeReport::default()
    );
    assert!(store.snapshot().is_empty());
    // A backup without kept_aside (it is optional) imports too.
    let mut file = as_json(&text);
    file.as_object_mut().unwrap().remove("kept_aside");
    assert!(backup::inspect(&file.to_string()).is_ok());
}

/// A change to a valid backup's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    /// Removes the bytes from one point to another (as fractions of the length).
    Delete(u32, u32),
    /// XORs bytes at points with values.
    Flip(Vec<(u32, u8)>),
    /// Keeps only the start.
    Truncate(u32),
    /// Puts bytes in at a point.
    Insert(u32, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u32>(), 0u32..400).prop_map(|(at, len)| Mutation::Delete(at, len)),
        proptest::collection::vec((any::<u32>(), 1u8..=255), 1..8).prop_map(Mutation::Flip),
        any::<u32>().prop_map(Mutation::Truncate),
        (
            any::<u32>(),
            proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'{'), Just(b','), Just(b'9'), any::<u8>()],
                1..6
            )
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let point = |at: u32, len: usize| (at as usize) % (len + 1);
    match mutation {
        Mutation::Delete(at, len) => {
            let start = point(*at, bytes.len());
            let end = (start + *len as usize).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Flip(flips) => {
            for (at, value) in flips {
                if !bytes.is_empty() {
                    let index = (*at as usize) % bytes.len();
                    bytes[index] ^= value;
                }
            }
        }
        Mutation::Truncate(at) => bytes.truncate(point(*at, bytes.len())),
        Mutation::Insert(at, new) => {
            let at = point(*at, bytes.len());
            bytes.splice(at..at, new.iter().copied());
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A small device to import into: records that a backup also has (older and newer copies) and ones it lacks.
fn device() -> MemoryStore {
    let store = MemoryStore::new();
    let repo = Repository::new(&store);
    let mut newer = check_in(2, NOW.0 - 2_000_000, MoodLevel::Good);
    newer.edit(LATER, |c| {
        c.toggle_tag("calm");
    });
    repo.save(&newer, LATER).unwrap();
    repo.save(&check_in(77, NOW.0, MoodLevel::VeryLow), NOW)
        .unwrap();
    store
}

/// Imports `text` into [`device`]: it must either import cleanly, leaving every record readable, or change nothing.
fn import_or_nothing(text: &str) -> Result<(), TestCaseError> {
    let store = device();
    let before = store.snapshot();
    match import(&store, text, LATER) {
        Ok(_) => {
            let repo = Repository::new(&store);
            load::<CheckIn, _>(&repo);
            load::<CustomTag, _>(&repo);
            load::<QuestionnaireResponse, _>(&repo);
            load::<Goal, _>(&repo);
            load::<Session, _>(&repo);
        }
        Err(ImportError::Interrupted { .. } | ImportError::Store(_)) => {
            prop_assert!(false, "storage cannot fail here")
        }
        Err(_) => prop_assert_eq!(store.snapshot(), before),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_imports_cleanly_or_changes_nothing(text in any::<String>()) {
        import_or_nothing(&text)?;
    }

    #[test]
    fn a_mutated_backup_imports_cleanly_or_changes_nothing(
        mutations in proptest::collection::vec(mutation(), 1..4)
    ) {
        let mut text = backup_of(&filled());
        for mutation in &mutations {
            text = apply(&text, mutation);
        }
        import_or_nothing(&text)?;
    }
}
