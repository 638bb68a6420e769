//! A benchmark, not a test (it asserts only that the work was done): the IndexedDB adapter with years of heavy use,
//! in headless Chromium. Run by `scripts/bench --indexed-db` (release build); prints its figures.
//!
//! Heavy use is three check-ins a day with a note and tags and 1.6 activity sessions a day (the ten years:
//! 11,000 check-ins, 6,000 sessions). Five such years are seeded in `localStorage` as the previous version stored
//! them (ten do not fit there) and moved into the database, timed with its check; five earlier years are then
//! written straight to the database, and with all ten it times reading the 35 days Today and the week view need,
//! reading every check-in, a save-sized transaction (read one row, decide, write it back), and the bytes the browser
//! reports per record.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use waymark::browser::indexed_db::IndexedDb;
use waymark::browser::local_store::LocalStore;
use waymark_core::activity::{ActivityKind, Intensity, Session};
use waymark_core::calendar::{FixedOffset, local_date};
use waymark_core::database::{Database, Reads, Row, Write, row_key};
use waymark_core::kinds;
use waymark_core::layout_migration::{Moved, finish, migrate};
use waymark_core::mood::{CheckIn, MoodLevel};
use waymark_core::repository::{kind_of_key, record_key};
use waymark_core::{KeyValueStore, Record, RecordId, RecordKind, StoreError, Timestamp, schema};

wasm_bindgen_test_configure!(run_in_browser);

const YEARS: i64 = 5;
const DAY: i64 = 86_400_000;
const NOW: i64 = 1_764_000_000_000;
const NOTES: [&str; 4] = [
    "Slept badly, but the walk at lunch helped more than I expected it to.",
    "Busy day at work. Called Mum in the evening, which was good.",
    "Felt flat all morning. Went to the group session and it lifted a bit.",
    "",
];
const TAGS: [&str; 5] = ["sleep", "work", "family", "exercise", "money"];

/// `performance.now()` (read through `Reflect`: the app does not enable web-sys's `Performance` feature).
fn now_ms() -> f64 {
    let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).unwrap();
    let now: js_sys::Function = js_sys::Reflect::get(&performance, &"now".into())
        .unwrap()
        .unchecked_into();
    now.call0(&performance).unwrap().as_f64().unwrap()
}

fn id(n: u32, kind: u8) -> RecordId {
    let mut bytes = [kind; 16];
    bytes[..4].copy_from_slice(&n.to_be_bytes());
    RecordId::from_random_bytes(bytes)
}

/// Heavy use over `YEARS` years ending `years_before` years before `NOW`, as (key, stored text) in the old layout.
fn heavy_years(years_before: i64) -> Vec<(String, String)> {
    let days = YEARS * 365;
    let end = NOW - years_before * 365 * DAY;
    let first = (years_before * 365) as u32;
    let mut entries = Vec::new();
    let mut add = |key: String, text: String| entries.push((key, text));
    for day in 0..days {
        let day_number = first + day as u32;
        for slot in 0..3 {
            let n = day_number * 3 + slot;
            let at = Timestamp(end - (days - day) * DAY + i64::from(slot) * 5 * 3_600_000);
            let mut check_in = CheckIn::new(MoodLevel::Okay, at);
            check_in.note = NOTES[n as usize % NOTES.len()].to_owned();
            check_in.tags = vec![
                TAGS[n as usize % 5].to_owned(),
                TAGS[(n as usize + 2) % 5].to_owned(),
            ];
            let record = Record::new(id(n, 1), at, check_in);
            add(
                record_key(CheckIn::KIND, &record.id),
                schema::encode(&record),
            );
        }
        // Two sessions on four days of five: 1.6 a day.
        for slot in 0..2 {
            if (day_number * 2 + slot) % 5 == 4 {
                continue;
            }
            let at = Timestamp(end - (days - day) * DAY + i64::from(slot) * 8 * 3_600_000);
            let session = Session {
                kind: ActivityKind::Walking,
                custom_name: String::new(),
                minutes: 30,
                intensity: Intensity::Moderate,
                date: local_date(at, &FixedOffset(0)),
            };
            let record = Record::new(id(day_number * 2 + slot, 2), at, session);
            add(
                record_key(Session::KIND, &record.id),
                schema::encode(&record),
            );
        }
    }
    entries
}

/// Writes the most recent `YEARS` years to `localStorage` as the previous version left them; returns how many.
fn seed_old_layout() -> usize {
    let store = LocalStore;
    for key in store.keys().unwrap() {
        store.remove(&key).unwrap();
    }
    let entries = heavy_years(0);
    for (key, text) in &entries {
        store.set(key, text).unwrap();
    }
    entries.len()
}

/// The rows of the `YEARS` years before those moved, as the database holds them.
fn earlier_rows() -> Vec<Row> {
    heavy_years(YEARS)
        .into_iter()
        .map(|(key, text)| {
            let (kind, id) = kind_of_key(&key).zip(key.rsplit('.').next()).unwrap();
            let checked = kinds::find(kind).unwrap().validate(&text).unwrap();
            Row {
                kind: kind.to_owned(),
                id: id.to_owned(),
                time: checked.time.0,
                version: checked.stored_version,
                text,
            }
        })
        .collect()
}

async fn used_bytes() -> f64 {
    let estimate = JsFuture::from(
        web_sys::window()
            .unwrap()
            .navigator()
            .storage()
            .estimate()
            .unwrap(),
    )
    .await
    .unwrap();
    js_sys::Reflect::get(&estimate, &"usage".into())
        .unwrap()
        .as_f64()
        .unwrap_or(0.0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[wasm_bindgen_test]
async fn years_of_heavy_use() {
    let name = format!("waymark-bench-{}", js_sys::Date::now());
    IndexedDb::delete_named(&name).await.unwrap();
    let records = seed_old_layout();
    let before = used_bytes().await;
    let db = IndexedDb::open_named(&name).await.unwrap();

    let start = now_ms();
    let moved = migrate(&db, &LocalStore, Timestamp(NOW)).await.unwrap();
    let migrate_ms = now_ms() - start;
    assert!(matches!(moved, Moved::Moved { .. }));
    let start = now_ms();
    finish(&db, &LocalStore, Timestamp(NOW)).await.unwrap();
    let finish_ms = now_ms() - start;
    let earlier = earlier_rows();
    let total = records + earlier.len();
    db.transact(Reads::default(), move |_| {
        Ok::<_, StoreError>((earlier.into_iter().map(Write::Put).collect(), ()))
    })
    .await
    .unwrap();
    let after = used_bytes().await;

    let start = now_ms();
    let recent = db
        .rows_in_range(CheckIn::KIND, NOW - 35 * DAY, NOW + DAY)
        .await
        .unwrap();
    let recent_ms = now_ms() - start;
    let start = now_ms();
    let every = db.rows_in_range(CheckIn::KIND, 0, NOW + DAY).await.unwrap();
    let every_ms = now_ms() - start;

    let mut saves = Vec::new();
    for n in 0..40u32 {
        let key = row_key(CheckIn::KIND, id(n * 131, 1).as_str());
        let start = now_ms();
        db.transact(
            Reads {
                rows: vec![key],
                meta: Vec::new(),
            },
            |found| {
                let mut row = found.rows.into_iter().next().flatten().expect("seeded");
                row.text.push(' ');
                Ok::<_, StoreError>((vec![Write::Put(row)], ()))
            },
        )
        .await
        .unwrap();
        saves.push(now_ms() - start);
    }
    console_log!(
        "{YEARS} years moved from localStorage: {records} records, move {migrate_ms:.0} ms, check and clear old \
         keys {finish_ms:.0} ms. With {} years ({total} records, {} check-ins): 35 days of check-ins ({} rows) \
         {recent_ms:.1} ms; every check-in {every_ms:.0} ms; save (read, decide, write, strict commit) median \
         {:.1} ms, max {:.1} ms; storage used {:.0} bytes more, {:.0} bytes per record",
        2 * YEARS,
        every.len(),
        recent.len(),
        median(saves.clone()),
        saves.iter().cloned().fold(0.0, f64::max),
        after - before,
        (after - before) / total as f64,
    );
    db.close();
    IndexedDb::delete_named(&name).await.unwrap();
}
