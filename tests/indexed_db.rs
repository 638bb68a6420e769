//! The IndexedDB adapter in real Chromium, held to the same contract as core's in-memory twin: a refused
//! transaction keeps none of its writes, reads see what is there, ranges come in time order, two connections (two tabs) changing
//! one record are serialised so the newest change is kept and no count is lost, and the move from the `localStorage` layout runs on it.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use wasm_bindgen_test::*;
use waymark::browser::indexed_db::IndexedDb;
use waymark::browser::local_store::LocalStore;
use waymark_core::database::{Database, Found, Reads, Row, Write, row_key};
use waymark_core::layout_migration::{Finished, Moved, finish, migrate};
use waymark_core::mood::{CheckIn, MoodLevel};
use waymark_core::record_table;
use waymark_core::{KeyValueStore, Record, RecordId, Repository, StoreError, Timestamp};

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

/// A fresh database of this test's own.
async fn fresh() -> (IndexedDb, String) {
    let name = NEXT.with(|n| {
        n.set(n.get() + 1);
        format!("waymark-test-{}-{}", js_sys::Date::now(), n.get())
    });
    IndexedDb::delete_named(&name).await.unwrap();
    (IndexedDb::open_named(&name).await.unwrap(), name)
}

fn row(id: &str, time: i64, text: &str) -> Row {
    Row {
        kind: "mood_check_in".into(),
        id: id.into(),
        time,
        version: 2,
        text: text.into(),
    }
}

async fn put(db: &IndexedDb, rows: Vec<Row>) -> Result<(), StoreError> {
    db.transact(Reads::default(), move |_| {
        Ok::<_, StoreError>((rows.into_iter().map(Write::Put).collect(), ()))
    })
    .await
}

fn reads(keys: &[&str]) -> Reads {
    Reads {
        rows: keys.iter().map(|id| row_key("mood_check_in", id)).collect(),
        meta: vec!["counter".into()],
    }
}

#[wasm_bindgen_test]
async fn reads_see_what_is_there_and_ranges_come_in_time_order() {
    let (db, _) = fresh().await;
    put(
        &db,
        vec![row("a", 30, "A"), row("b", 10, "B"), row("c", 20, "C")],
    )
    .await
    .unwrap();
    let found: Found = db
        .transact(reads(&["b", "z"]), |found| {
            Ok::<_, StoreError>((Vec::new(), found))
        })
        .await
        .unwrap();
    assert_eq!(found.rows, [Some(row("b", 10, "B")), None]);
    assert_eq!(found.meta, [None]);
    let ids: Vec<String> = db
        .rows_in_range("mood_check_in", 10, 30)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["b", "c"]);
    assert!(
        db.rows_in_range("activity_goal", 0, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(db.all_rows().await.unwrap().len(), 3);
}

#[wasm_bindgen_test]
async fn a_refusal_from_the_rules_keeps_nothing() {
    let (db, _) = fresh().await;
    put(&db, vec![row("a", 1, "A")]).await.unwrap();
    let refused: Result<(), StoreError> = db
        .transact(reads(&["a"]), |_| Err(StoreError::Failed("no".into())))
        .await;
    assert_eq!(refused, Err(StoreError::Failed("no".into())));
    assert_eq!(db.all_rows().await.unwrap(), [row("a", 1, "A")]);
}

#[wasm_bindgen_test]
async fn two_tabs_adding_to_one_value_at_once_lose_nothing() {
    let (first, name) = fresh().await;
    let second = IndexedDb::open_named(&name).await.unwrap();
    let add_one = |db: IndexedDb| async move {
        db.transact(reads(&[]), |found| {
            let count: u32 = found.meta[0].as_deref().unwrap_or("0").parse().unwrap();
            Ok::<_, StoreError>((
                vec![Write::PutMeta {
                    name: "counter".into(),
                    value: (count + 1).to_string(),
                }],
                (),
            ))
        })
        .await
    };
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            add_one(if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        result.unwrap();
    }
    let found = first
        .transact(reads(&[]), |found| Ok::<_, StoreError>((Vec::new(), found)))
        .await
        .unwrap();
    assert_eq!(found.meta[0].as_deref(), Some("20"));
}

#[wasm_bindgen_test]
async fn the_move_from_local_storage_runs_on_the_real_database() {
    let (db, _) = fresh().await;
    let legacy = LocalStore;
    for key in legacy.keys().unwrap() {
        legacy.remove(&key).unwrap();
    }
    let repo = Repository::new(LocalStore);
    let now = Timestamp(1_764_000_000_000);
    for n in 1..=30u8 {
        let at = Timestamp(now.0 - i64::from(n) * 3_600_000);
        repo.save(
            &Record::new(
                RecordId::from_random_bytes([n; 16]),
                at,
                CheckIn::new(MoodLevel::Good, at),
            ),
            now,
        )
        .unwrap();
    }
    legacy
        .set("waymark.rec.mood_check_in.broken", "{not json")
        .unwrap();
    assert_eq!(
        migrate(&db, &legacy, now).await,
        Ok(Moved::Moved {
            records: 30,
            aside: 1
        })
    );
    assert_eq!(migrate(&db, &legacy, now).await, Ok(Moved::AlreadyMoved));
    assert_eq!(db.all_rows().await.unwrap().len(), 30);
    assert_eq!(
        db.aside().await.unwrap()[0].key,
        "waymark.rec.mood_check_in.broken"
    );
    let last_day = db
        .rows_in_range("mood_check_in", now.0 - 24 * 3_600_000, now.0)
        .await
        .unwrap();
    assert_eq!(last_day.len(), 24);
    assert_eq!(
        finish(&db, &legacy, now).await,
        Ok(Finished::Removed {
            keys: 31,
            merged: 0
        })
    );
    assert!(legacy.keys_with_prefix("waymark.rec.").unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn two_tabs_saving_one_record_at_once_keep_the_newest_change() {
    let (first, name) = fresh().await;
    let second = IndexedDb::open_named(&name).await.unwrap();
    let now = Timestamp(1_764_000_000_000);
    let original = Record::new(
        RecordId::from_random_bytes([9; 16]),
        now,
        CheckIn::new(MoodLevel::Okay, now),
    );
    record_table::save(&first, original.clone(), now)
        .await
        .unwrap();
    // Twenty edits, each later than the last, sent through both connections at once, in reverse order.
    let edits: Vec<Record<CheckIn>> = (1..=20)
        .map(|n| {
            let mut edit = original.clone();
            edit.edit(Timestamp(now.0 + n), |c| c.note = format!("edit {n}"));
            edit
        })
        .collect();
    let saves: Vec<_> = edits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, edit)| {
            let db = if i % 2 == 0 {
                first.clone()
            } else {
                second.clone()
            };
            let edit = edit.clone();
            async move { record_table::save(&db, edit, now).await }
        })
        .collect();
    for saved in futures::future::join_all(saves).await {
        saved.unwrap();
    }
    let loaded = record_table::load_range::<CheckIn>(&second, 0, i64::MAX, now).await;
    assert_eq!(loaded.records, [edits[19].clone()]);
}
