//! IndexedDB behind core's [`Database`] interface (storage layout 1), through `web_sys` directly.
//!
//! Database `waymark`, version 1: object stores `records` (key path `k` = `<kind>/<id>`, index `by_kind_time` on
//! `[kind, t]`), `aside` (auto-numbered) and `meta` (keys are names). A row is stored as a plain object
//! `{k, kind, id, t, v, r}`, `r` being the record's text exactly as core encodes it.
//!
//! [`Database::transact`] is driven by request callbacks, never by `.await`: the reads are issued, and the last
//! one's success handler runs core's `decide` and issues the writes, all inside the same transaction (IndexedDB
//! commits a transaction once control returns to the event loop with nothing pending, so awaiting anything else
//! would commit it half-way). Only the transaction's end is awaited. Transactions ask for `strict` durability, so a
//! commit has reached the disk when it is reported.

use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use waymark_core::StoreError;
use waymark_core::Timestamp;
use waymark_core::database::{Database, Found, Reads, Row, Write};
use waymark_core::repository::AsideEntry;
use web_sys::{
    IdbDatabase, IdbKeyRange, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
};

const NAME: &str = "waymark";
const VERSION: u32 = 1;
const RECORDS: &str = "records";
const ASIDE: &str = "aside";
const META: &str = "meta";
const BY_KIND_TIME: &str = "by_kind_time";

/// An open IndexedDB database in layout 1. Cheap to clone: every clone shares the connection.
#[derive(Clone, Debug)]
pub struct IndexedDb {
    db: IdbDatabase,
}

/// The error storage reports, in the words the person is shown.
fn store_error(error: &JsValue) -> StoreError {
    let name = error
        .dyn_ref::<web_sys::DomException>()
        .map(|e| e.name())
        .unwrap_or_default();
    match name.as_str() {
        "QuotaExceededError" => StoreError::QuotaExceeded,
        "SecurityError" => StoreError::Unavailable,
        _ => StoreError::Failed(
            error
                .dyn_ref::<web_sys::DomException>()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .or_else(|| error.as_string())
                .unwrap_or_else(|| "the browser's database failed".into()),
        ),
    }
}

/// A promise settled by the callbacks `wire` attaches, awaited as a `Result`.
async fn settle(wire: impl FnOnce(Function, Function)) -> Result<JsValue, JsValue> {
    let mut wire = Some(wire);
    let promise = Promise::new(&mut |resolve, reject| {
        if let Some(wire) = wire.take() {
            wire(resolve, reject)
        }
    });
    JsFuture::from(promise).await
}

/// A handler that calls `f` once with the event; it stays alive as long as the object it is attached to.
fn handler(f: impl FnOnce(web_sys::Event) + 'static) -> Function {
    Closure::once_into_js(f).unchecked_into()
}

impl IndexedDb {
    /// Opens (creating or upgrading) the database. Fails with `Unavailable` where the browser offers no IndexedDB
    /// (some private modes, storage blocked) and says so when another tab holds an older version open.
    pub async fn open() -> Result<IndexedDb, StoreError> {
        Self::open_named(NAME).await
    }

    /// Opens the database called `name` (tests use a name of their own).
    pub async fn open_named(name: &str) -> Result<IndexedDb, StoreError> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or(StoreError::Unavailable)?;
        let request: IdbOpenDbRequest = factory
            .open_with_u32(name, VERSION)
            .map_err(|e| store_error(&e))?;
        let result = settle(|resolve, reject| {
            let upgrading = request.clone();
            request.set_onupgradeneeded(Some(&handler(move |_| {
                if let Ok(db) = upgrading.result().and_then(|db| db.dyn_into::<IdbDatabase>()) {
                    create_layout_1(&db);
                }
            })));
            let blocked = reject.clone();
            request.set_onblocked(Some(&handler(move |_| {
                let _ = blocked.call1(
                    &JsValue::NULL,
                    &JsValue::from_str(
                        "Waymark is open in another tab with an older version. Close it, then reload.",
                    ),
                );
            })));
            let failed = request.clone();
            request.set_onerror(Some(&handler(move |_| {
                let error = failed.error().ok().flatten().map(JsValue::from);
                let _ = reject.call1(&JsValue::NULL, &error.unwrap_or(JsValue::NULL));
            })));
            let done = request.clone();
            request.set_onsuccess(Some(&handler(move |_| {
                let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::NULL));
            })));
        })
        .await
        .map_err(|e| store_error(&e))?;
        let db: IdbDatabase = result
            .dyn_into()
            .map_err(|_| StoreError::Failed("the browser's database did not open".into()))?;
        // A newer version of Waymark wants to upgrade the database: let it, and stop writing here.
        let closing = db.clone();
        db.set_onversionchange(Some(
            &Closure::<dyn FnMut()>::new(move || closing.close())
                .into_js_value()
                .unchecked_into(),
        ));
        Ok(IndexedDb { db })
    }

    /// Deletes the database called `name` (tests).
    pub async fn delete_named(name: &str) -> Result<(), StoreError> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or(StoreError::Unavailable)?;
        let request = factory.delete_database(name).map_err(|e| store_error(&e))?;
        settle(|resolve, reject| {
            request.set_onsuccess(Some(&resolve));
            request.set_onerror(Some(&reject));
        })
        .await
        .map(|_| ())
        .map_err(|e| store_error(&e))
    }

    /// Closes the connection (tests, and before deleting the database).
    pub fn close(&self) {
        self.db.close();
    }

    fn transaction(&self, mode: &str) -> Result<IdbTransaction, StoreError> {
        let stores = Array::of3(&RECORDS.into(), &ASIDE.into(), &META.into());
        let options = Object::new();
        let _ = Reflect::set(&options, &"durability".into(), &"strict".into());
        // `transaction(stores, mode, options)`: web-sys keeps the options (durability) behind an unstable flag.
        let transaction: Function = Reflect::get(&self.db, &"transaction".into())
            .map_err(|e| store_error(&e))?
            .unchecked_into();
        transaction
            .call3(&self.db, &stores, &mode.into(), &options)
            .map_err(|e| store_error(&e))?
            .dyn_into()
            .map_err(|_| StoreError::Failed("the browser's database gave no transaction".into()))
    }

    /// Every value `request` yields (a `getAll`), once it succeeds.
    async fn all_of(request: Result<IdbRequest, JsValue>) -> Result<Array, StoreError> {
        let request = request.map_err(|e| store_error(&e))?;
        let value = settle(|resolve, reject| {
            let done = request.clone();
            request.set_onsuccess(Some(&handler(move |_| {
                let _ = resolve.call1(&JsValue::NULL, &done.result().unwrap_or(JsValue::NULL));
            })));
            let failed = request.clone();
            request.set_onerror(Some(&handler(move |_| {
                let error = failed.error().ok().flatten().map(JsValue::from);
                let _ = reject.call1(&JsValue::NULL, &error.unwrap_or(JsValue::NULL));
            })));
        })
        .await
        .map_err(|e| store_error(&e))?;
        Ok(value.unchecked_into())
    }

    fn store(&self, name: &str) -> Result<IdbObjectStore, StoreError> {
        self.transaction("readonly")?
            .object_store(name)
            .map_err(|e| store_error(&e))
    }
}

/// Layout 1's stores and index, in a new database.
fn create_layout_1(db: &IdbDatabase) {
    let names = db.object_store_names();
    if !names.contains(RECORDS) {
        let params = web_sys::IdbObjectStoreParameters::new();
        params.set_key_path(&JsValue::from_str("k"));
        if let Ok(records) = db.create_object_store_with_optional_parameters(RECORDS, &params) {
            let _ = records.create_index_with_str_sequence(
                BY_KIND_TIME,
                &Array::of2(&"kind".into(), &"t".into()),
            );
        }
    }
    if !names.contains(ASIDE) {
        let params = web_sys::IdbObjectStoreParameters::new();
        params.set_auto_increment(true);
        let _ = db.create_object_store_with_optional_parameters(ASIDE, &params);
    }
    if !names.contains(META) {
        let _ = db.create_object_store(META);
    }
}

fn row_to_js(row: &Row) -> JsValue {
    let object = Object::new();
    for (name, value) in [
        ("k", JsValue::from_str(&row.key())),
        ("kind", JsValue::from_str(&row.kind)),
        ("id", JsValue::from_str(&row.id)),
        ("t", JsValue::from_f64(row.time as f64)),
        ("v", JsValue::from_f64(f64::from(row.version))),
        ("r", JsValue::from_str(&row.text)),
    ] {
        let _ = Reflect::set(&object, &name.into(), &value);
    }
    object.into()
}

fn field(object: &JsValue, name: &str) -> JsValue {
    Reflect::get(object, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn row_from_js(value: &JsValue) -> Option<Row> {
    Some(Row {
        kind: field(value, "kind").as_string()?,
        id: field(value, "id").as_string()?,
        time: field(value, "t").as_f64()? as i64,
        version: field(value, "v").as_f64()? as u32,
        text: field(value, "r").as_string()?,
    })
}

fn aside_to_js(entry: &AsideEntry) -> JsValue {
    let object = Object::new();
    for (name, value) in [
        ("key", JsValue::from_str(&entry.key)),
        ("reason", JsValue::from_str(&entry.reason)),
        ("found", JsValue::from_f64(entry.found.0 as f64)),
        ("raw", JsValue::from_str(&entry.raw)),
    ] {
        let _ = Reflect::set(&object, &name.into(), &value);
    }
    object.into()
}

fn aside_from_js(value: &JsValue) -> Option<AsideEntry> {
    Some(AsideEntry {
        key: field(value, "key").as_string()?,
        reason: field(value, "reason").as_string()?,
        found: Timestamp(field(value, "found").as_f64()? as i64),
        raw: field(value, "raw").as_string()?,
    })
}

/// Issues one write in `transaction`.
fn issue(transaction: &IdbTransaction, write: &Write) -> Result<(), JsValue> {
    match write {
        Write::Put(row) => {
            transaction.object_store(RECORDS)?.put(&row_to_js(row))?;
        }
        Write::Delete(key) => {
            transaction
                .object_store(RECORDS)?
                .delete(&JsValue::from_str(key))?;
        }
        Write::SetAside(entry) => {
            transaction.object_store(ASIDE)?.add(&aside_to_js(entry))?;
        }
        Write::PutMeta { name, value } => {
            transaction
                .object_store(META)?
                .put_with_key(&JsValue::from_str(value), &JsValue::from_str(name))?;
        }
        Write::DeleteMeta(name) => {
            transaction
                .object_store(META)?
                .delete(&JsValue::from_str(name))?;
        }
    }
    Ok(())
}

/// A transaction in progress: what was read so far, and the rule that decides once everything is read.
struct Pending<T, E, D> {
    found: Found,
    left: usize,
    decide: Option<D>,
    /// What `decide` returned (its value, or its refusal).
    outcome: Option<Result<T, E>>,
}

/// Runs `decide` on what was read and issues its writes; a refusal or a failed write aborts the transaction.
fn decide_and_write<T, E: From<StoreError>, D>(
    transaction: &IdbTransaction,
    pending: &Rc<RefCell<Pending<T, E, D>>>,
) where
    D: FnOnce(Found) -> Result<(Vec<Write>, T), E>,
{
    // The rule runs with nothing borrowed, so whatever it does cannot find the transaction's state locked.
    let (decide, found) = {
        let mut pending = pending.borrow_mut();
        (pending.decide.take(), std::mem::take(&mut pending.found))
    };
    let Some(decide) = decide else {
        return;
    };
    let outcome = match decide(found) {
        Ok((writes, value)) => match writes
            .iter()
            .try_for_each(|write| issue(transaction, write))
        {
            Ok(()) => Ok(value),
            Err(error) => Err(store_error(&error).into()),
        },
        Err(refusal) => Err(refusal),
    };
    if outcome.is_err() {
        let _ = transaction.abort();
    }
    pending.borrow_mut().outcome = Some(outcome);
}

impl Database for IndexedDb {
    fn transact<T: 'static, E: From<StoreError> + 'static>(
        &self,
        reads: Reads,
        decide: impl FnOnce(Found) -> Result<(Vec<Write>, T), E> + 'static,
    ) -> impl Future<Output = Result<T, E>> {
        let started = self.transaction("readwrite");
        async move {
            let transaction = started?;
            let pending = Rc::new(RefCell::new(Pending {
                found: Found {
                    rows: vec![None; reads.rows.len()],
                    meta: vec![None; reads.meta.len()],
                },
                left: reads.rows.len() + reads.meta.len(),
                decide: Some(decide),
                outcome: None,
            }));
            // Everything from here to the writes runs in this transaction's own callbacks; only its end is awaited.
            let ended = settle(|resolve, reject| {
                transaction.set_oncomplete(Some(&resolve));
                transaction.set_onabort(Some(&reject));
                let read = |store: &str, key: &str| -> Result<IdbRequest, JsValue> {
                    transaction
                        .object_store(store)?
                        .get(&JsValue::from_str(key))
                };
                let requests: Vec<(bool, usize, Result<IdbRequest, JsValue>)> = reads
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(i, key)| (true, i, read(RECORDS, key)))
                    .chain(
                        reads
                            .meta
                            .iter()
                            .enumerate()
                            .map(|(i, name)| (false, i, read(META, name))),
                    )
                    .collect();
                if requests.is_empty() {
                    decide_and_write(&transaction, &pending);
                    return;
                }
                for (is_row, index, request) in requests {
                    let Ok(request) = request else {
                        let _ = transaction.abort();
                        return;
                    };
                    let (pending, transaction, done) =
                        (pending.clone(), transaction.clone(), request.clone());
                    request.set_onsuccess(Some(&handler(move |_| {
                        let value = done.result().unwrap_or(JsValue::UNDEFINED);
                        let last = {
                            let mut pending = pending.borrow_mut();
                            if is_row {
                                pending.found.rows[index] = row_from_js(&value);
                            } else {
                                pending.found.meta[index] = value.as_string();
                            }
                            pending.left -= 1;
                            pending.left == 0
                        };
                        if last {
                            decide_and_write(&transaction, &pending);
                        }
                    })));
                }
            })
            .await;
            let outcome = pending.borrow_mut().outcome.take();
            match (ended, outcome) {
                (Ok(_), Some(Ok(value))) => Ok(value),
                (_, Some(Err(refusal))) => Err(refusal),
                (Err(_), _) | (Ok(_), None) => Err(transaction
                    .error()
                    .map(|e| store_error(&e.into()))
                    .unwrap_or_else(|| StoreError::Failed("the change was not stored".into()))
                    .into()),
            }
        }
    }

    fn rows_in_range(
        &self,
        kind: &str,
        from: i64,
        until: i64,
    ) -> impl Future<Output = Result<Vec<Row>, StoreError>> {
        let request = (|| {
            let range = IdbKeyRange::bound_with_lower_open_and_upper_open(
                &Array::of2(&kind.into(), &JsValue::from_f64(from as f64)),
                &Array::of2(&kind.into(), &JsValue::from_f64(until as f64)),
                false,
                true,
            )?;
            self.store(RECORDS)
                .map_err(|e| JsValue::from_str(&e.to_string()))?
                .index(BY_KIND_TIME)?
                .get_all_with_key(&range)
        })();
        async move {
            let values = Self::all_of(request).await?;
            let mut rows: Vec<Row> = values.iter().filter_map(|v| row_from_js(&v)).collect();
            // The index orders by time; rows at the same time come by key, as the twin orders them.
            rows.sort_by_key(|row| (row.time, row.key()));
            Ok(rows)
        }
    }

    fn all_rows(&self) -> impl Future<Output = Result<Vec<Row>, StoreError>> {
        let request = self
            .store(RECORDS)
            .map_err(|e| JsValue::from_str(&e.to_string()))
            .and_then(|store| store.get_all());
        async move {
            let values = Self::all_of(request).await?;
            Ok(values.iter().filter_map(|v| row_from_js(&v)).collect())
        }
    }

    fn aside(&self) -> impl Future<Output = Result<Vec<AsideEntry>, StoreError>> {
        let request = self
            .store(ASIDE)
            .map_err(|e| JsValue::from_str(&e.to_string()))
            .and_then(|store| store.get_all());
        async move {
            let values = Self::all_of(request).await?;
            Ok(values.iter().filter_map(|v| aside_from_js(&v)).collect())
        }
    }
}
