//! Moving from the `localStorage` layout to the database: every record and aside entry arrives, a failure at any
//! write leaves the old layout whole and the database empty, two tabs move once, the old keys go only after a check,
//! and what an old tab writes to them after the move is merged in, not lost.

use std::rc::Rc;
use waymark_core::database::{Database, MemoryDatabase, Row, ready, row_key};
use waymark_core::layout_migration::{Finished, LAYOUT_META, MoveError, Moved, finish, migrate};
use waymark_core::mood::{CheckIn, MoodLevel};
use waymark_core::repository::{AsideEntry, record_key};
use waymark_core::{
    KeyValueStore, MemoryStore, Record, RecordId, RecordKind, Repository, Timestamp,
};

const NOW: Timestamp = Timestamp(1_764_000_000_000);

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .trim()
    .to_owned()
}

fn check_in(n: u8, mood: MoodLevel, at: i64) -> Record<CheckIn> {
    Record::new(
        RecordId::from_random_bytes([n; 16]),
        Timestamp(at),
        CheckIn::new(mood, Timestamp(at)),
    )
}

/// A device as the previous version left it: records of every sort, data kept aside, sync's keys, someone else's.
fn old_layout() -> Rc<MemoryStore> {
    let store = Rc::new(MemoryStore::new());
    let repo = Repository::new(store.clone());
    for n in 1..=5 {
        repo.save(
            &check_in(n, MoodLevel::Okay, NOW.0 - i64::from(n) * 86_400_000),
            NOW,
        )
        .unwrap();
    }
    // Written by the first version (schema 1): carried as it is, read through the kind's migration later.
    let v1 = fixture("mood_check_in/v1.json");
    let v1_id = "6f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4";
    store
        .set(&format!("waymark.rec.mood_check_in.{v1_id}"), &v1)
        .unwrap();
    // Unreadable, from a newer version, of a kind this version does not know.
    store
        .set(
            "waymark.rec.mood_check_in.11111111-1111-4111-8111-111111111111",
            "{not json",
        )
        .unwrap();
    store
        .set(
            "waymark.rec.mood_check_in.22222222-2222-4222-8222-222222222222",
            r#"{"v":99,"record":{"id":"22222222-2222-4222-8222-222222222222","created":5,"future":true}}"#,
        )
        .unwrap();
    store
        .set(
            "waymark.rec.future_kind.33333333-3333-4333-8333-333333333333",
            r#"{"v":1,"record":{"created":7}}"#,
        )
        .unwrap();
    let aside = AsideEntry {
        key: "waymark.rec.goal.x".into(),
        reason: "damaged".into(),
        found: Timestamp(3),
        raw: "??".into(),
    };
    store
        .set(
            "waymark.aside.3.waymark.rec.goal.x",
            &serde_json::to_string(&aside).unwrap(),
        )
        .unwrap();
    store
        .set("waymark.sync.membership", "{\"sync\":\"stays\"}")
        .unwrap();
    store.set("another-app", "theirs").unwrap();
    store
}

fn old_record_keys(store: &MemoryStore) -> Vec<String> {
    store
        .keys()
        .unwrap()
        .into_iter()
        .filter(|k| k.starts_with("waymark.rec.") || k.starts_with("waymark.aside."))
        .collect()
}

#[test]
fn every_record_and_aside_entry_arrives_as_it_was() {
    let legacy = old_layout();
    let db = MemoryDatabase::new();
    assert_eq!(
        ready(migrate(&db, &legacy, NOW)),
        Ok(Moved::Moved {
            records: 8,
            aside: 2
        })
    );
    let tables = db.snapshot();
    assert_eq!(tables.records.len(), 8);
    // Text and schema version unchanged; the time index is the check-in's own time.
    let first = check_in(1, MoodLevel::Okay, NOW.0 - 86_400_000);
    let row = &tables.records[&row_key(CheckIn::KIND, first.id.as_str())];
    assert_eq!(
        row.text,
        legacy
            .get(&record_key(CheckIn::KIND, &first.id))
            .unwrap()
            .unwrap()
    );
    assert_eq!((row.version, row.time), (CheckIn::VERSION, first.data.at.0));
    let v1 = &tables.records[&row_key(CheckIn::KIND, "6f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4")];
    assert_eq!((v1.version, v1.time), (1, 1763712000000));
    let newer = &tables.records[&row_key(CheckIn::KIND, "22222222-2222-4222-8222-222222222222")];
    assert_eq!(newer.version, 99);
    assert!(tables.records.contains_key(&row_key(
        "future_kind",
        "33333333-3333-4333-8333-333333333333"
    )));
    // The unreadable record kept aside with its original key; the old aside entry carried over.
    let aside_keys: Vec<&str> = tables.aside.iter().map(|a| a.key.as_str()).collect();
    assert!(aside_keys.contains(&"waymark.rec.goal.x"));
    assert!(aside_keys.contains(&"waymark.rec.mood_check_in.11111111-1111-4111-8111-111111111111"));
    assert!(tables.meta.contains_key(LAYOUT_META));
    // Nothing of the old layout is removed by the move itself.
    assert_eq!(old_record_keys(&legacy).len(), 10);
}

#[test]
fn a_failure_at_any_write_leaves_the_old_layout_whole_and_the_next_start_finishes() {
    let total = {
        let db = MemoryDatabase::new();
        ready(migrate(&db, &old_layout(), NOW)).unwrap();
        db.committed_writes()
    };
    for k in 0..total {
        let legacy = old_layout();
        let before = legacy.snapshot();
        let db = MemoryDatabase::new();
        db.fail_at_write(k);
        assert!(ready(migrate(&db, &legacy, NOW)).is_err(), "write {k}");
        assert_eq!(
            db.snapshot(),
            Default::default(),
            "nothing half-moved at write {k}"
        );
        assert_eq!(legacy.snapshot(), before);
        // Not moved, so nothing to finish: the old keys stay.
        assert_eq!(ready(finish(&db, &legacy, NOW)), Ok(Finished::NotMoved));
        assert_eq!(legacy.snapshot(), before);
        // The next start moves everything.
        assert_eq!(
            ready(migrate(&db, &legacy, NOW)),
            Ok(Moved::Moved {
                records: 8,
                aside: 2
            })
        );
    }
}

#[test]
fn two_tabs_starting_at_once_move_once() {
    let legacy = old_layout();
    let db = MemoryDatabase::new();
    ready(migrate(&db, &legacy, NOW)).unwrap();
    let after_first = db.snapshot();
    assert_eq!(ready(migrate(&db, &legacy, NOW)), Ok(Moved::AlreadyMoved));
    assert_eq!(db.snapshot(), after_first, "nothing duplicated or dropped");
}

#[test]
fn the_old_keys_go_only_after_the_check_and_sync_and_others_stay() {
    let legacy = old_layout();
    let db = MemoryDatabase::new();
    ready(migrate(&db, &legacy, NOW)).unwrap();
    assert_eq!(
        ready(finish(&db, &legacy, NOW)),
        Ok(Finished::Removed {
            keys: 10,
            merged: 0
        })
    );
    assert!(old_record_keys(&legacy).is_empty());
    assert_eq!(
        legacy.get("waymark.sync.membership").unwrap().as_deref(),
        Some("{\"sync\":\"stays\"}")
    );
    assert_eq!(
        legacy.get("another-app").unwrap().as_deref(),
        Some("theirs")
    );
    assert_eq!(
        ready(finish(&db, &legacy, NOW)),
        Ok(Finished::AlreadyFinished)
    );
    assert_eq!(db.snapshot().records.len(), 8);
}

#[test]
fn a_database_that_lost_records_keeps_the_old_keys() {
    let legacy = old_layout();
    let db = MemoryDatabase::new();
    ready(migrate(&db, &legacy, NOW)).unwrap();
    // As if the browser had cleared part of the database: remove one row behind the migration's back.
    let key = row_key(CheckIn::KIND, check_in(1, MoodLevel::Okay, 0).id.as_str());
    ready(db.transact(Default::default(), |_| {
        Ok::<_, waymark_core::StoreError>((vec![waymark_core::database::Write::Delete(key)], ()))
    }))
    .unwrap();
    assert_eq!(
        ready(finish(&db, &legacy, NOW)),
        Ok(Finished::Missing { records: 1 })
    );
    assert_eq!(old_record_keys(&legacy).len(), 10);
}

#[test]
fn what_an_old_tab_saves_after_the_move_is_merged_in_newer_copy_winning() {
    let legacy = old_layout();
    let db = MemoryDatabase::new();
    ready(migrate(&db, &legacy, NOW)).unwrap();
    // The new version saved a change to record 2 in the database; an old tab then saved an older change to the
    // same record, a newer change to record 3 and a new record 9, all to the old keys.
    let at = |n: u8| NOW.0 - i64::from(n) * 86_400_000;
    let mut two_new = check_in(2, MoodLevel::Okay, at(2));
    two_new.edit(Timestamp(NOW.0 + 2_000), |c| c.mood = MoodLevel::Good);
    let encoded = |r: &Record<CheckIn>| waymark_core::schema::encode(r);
    let row = Row {
        kind: CheckIn::KIND.into(),
        id: two_new.id.to_string(),
        time: at(2),
        version: CheckIn::VERSION,
        text: encoded(&two_new),
    };
    ready(db.transact(Default::default(), move |_| {
        Ok::<_, waymark_core::StoreError>((vec![waymark_core::database::Write::Put(row)], ()))
    }))
    .unwrap();
    let repo = Repository::new(legacy.clone());
    let mut two_old = check_in(2, MoodLevel::Okay, at(2));
    two_old.edit(Timestamp(NOW.0 + 1_000), |c| c.mood = MoodLevel::Low);
    repo.save(&two_old, NOW).unwrap();
    let mut three = check_in(3, MoodLevel::Okay, at(3));
    three.edit(Timestamp(NOW.0 + 1_000), |c| c.mood = MoodLevel::VeryLow);
    repo.save(&three, NOW).unwrap();
    let nine = check_in(9, MoodLevel::Good, NOW.0);
    repo.save(&nine, NOW).unwrap();

    assert_eq!(
        ready(finish(&db, &legacy, NOW)),
        Ok(Finished::Removed {
            keys: 11,
            merged: 2
        })
    );
    let records = db.snapshot().records;
    let text_of =
        |r: &Record<CheckIn>| records[&row_key(CheckIn::KIND, r.id.as_str())].text.clone();
    assert_eq!(
        text_of(&two_new),
        encoded(&two_new),
        "the newer change in the database stays"
    );
    assert_eq!(text_of(&three), encoded(&three));
    assert_eq!(text_of(&nine), encoded(&nine));
    assert!(old_record_keys(&legacy).is_empty());
}

#[test]
fn a_database_from_a_newer_layout_is_left_alone() {
    let legacy = old_layout();
    let db = MemoryDatabase::new();
    ready(db.transact(Default::default(), |_| {
        Ok::<_, waymark_core::StoreError>((
            vec![waymark_core::database::Write::PutMeta {
                name: LAYOUT_META.into(),
                value: r#"{"layout":2,"records":0,"aside":0,"digest":"","old_keys_removed":true}"#
                    .into(),
            }],
            (),
        ))
    }))
    .unwrap();
    let before = db.snapshot();
    assert_eq!(
        ready(migrate(&db, &legacy, NOW)),
        Err(MoveError::NewerLayout { found: 2 })
    );
    assert_eq!(db.snapshot(), before);
    assert_eq!(old_record_keys(&legacy).len(), 10);
}
