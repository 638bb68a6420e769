//! The interface for a transactional, asynchronous database (IndexedDB in the browser), and its in-memory twin.
//!
//! Layout 1 of Waymark's storage: a `records` table of [`Row`]s keyed `<kind>/<id>` with an index on
//! `(kind, time)`, an `aside` table of data that could not be read, and a `meta` table of named values (the layout
//! marker among them).
//!
//! A change is one [`Database::transact`]: the database reads what the change names, core's rules decide
//! synchronously, and the writes they return are committed together or not at all. Nothing else is awaited inside
//! a transaction (IndexedDB commits one as soon as control returns to the event loop with nothing pending), so two
//! tabs' changes to one record are serialised by the database itself: a compare-and-swap, not a best effort.
//!
//! [`MemoryDatabase`] is the twin native tests use: every transaction is atomic, a byte quota can be set, and a
//! failure can be injected at any one write.

use crate::repository::AsideEntry;
use crate::store::StoreError;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// One record as the database holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub kind: String,
    pub id: String,
    /// When the record happened, in milliseconds since the epoch (a check-in's time, a session's day, otherwise
    /// when the record was created): pages ask for a kind within a range of it.
    pub time: i64,
    /// The schema version `text` was written with.
    pub version: u32,
    /// The stored text, exactly as [`crate::schema::encode`] writes it (or as an older or newer version did).
    pub text: String,
}

impl Row {
    /// The row's key in the records table.
    pub fn key(&self) -> String {
        row_key(&self.kind, &self.id)
    }

    fn bytes(&self) -> usize {
        self.kind.len() + self.id.len() + self.text.len() + 12
    }
}

/// The key of record `id` of `kind` in the records table.
pub fn row_key(kind: &str, id: &str) -> String {
    format!("{kind}/{id}")
}

/// What one transaction reads before deciding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    /// Row keys ([`row_key`]).
    pub rows: Vec<String>,
    /// Names in the meta table.
    pub meta: Vec<String>,
}

/// What a transaction read, in the order [`Reads`] named it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub rows: Vec<Option<Row>>,
    pub meta: Vec<Option<String>>,
}

/// One write of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    Put(Row),
    /// Removes the row with this key.
    Delete(String),
    /// Keeps unreadable data aside (a new entry; entries are never overwritten).
    SetAside(AsideEntry),
    PutMeta {
        name: String,
        value: String,
    },
    DeleteMeta(String),
}

/// A database with atomic read-decide-write transactions.
pub trait Database {
    /// Reads what `reads` names, hands it to `decide`, and commits the writes `decide` returns, all of them or none.
    /// `decide` runs synchronously inside the transaction; when it returns an error, nothing is written. It owns
    /// what it needs (`'static`): in the browser it runs later, in the database's own callback.
    fn transact<T: 'static, E: From<StoreError> + 'static>(
        &self,
        reads: Reads,
        decide: impl FnOnce(Found) -> Result<(Vec<Write>, T), E> + 'static,
    ) -> impl Future<Output = Result<T, E>>;

    /// The rows of one kind whose time is in `from..until`, ordered by time (then key).
    fn rows_in_range(
        &self,
        kind: &str,
        from: i64,
        until: i64,
    ) -> impl Future<Output = Result<Vec<Row>, StoreError>>;

    /// Every row, ordered by key (backups, and checking a migration).
    fn all_rows(&self) -> impl Future<Output = Result<Vec<Row>, StoreError>>;

    /// Everything kept aside, oldest first.
    fn aside(&self) -> impl Future<Output = Result<Vec<AsideEntry>, StoreError>>;
}

/// The tables of a [`MemoryDatabase`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tables {
    pub records: BTreeMap<String, Row>,
    pub aside: Vec<AsideEntry>,
    pub meta: BTreeMap<String, String>,
}

impl Tables {
    fn bytes(&self) -> usize {
        let records: usize = self.records.values().map(Row::bytes).sum();
        let aside: usize = self
            .aside
            .iter()
            .map(|a| a.key.len() + a.reason.len() + a.raw.len() + 8)
            .sum();
        let meta: usize = self.meta.iter().map(|(k, v)| k.len() + v.len()).sum();
        records + aside + meta
    }

    fn apply(&mut self, write: Write) {
        match write {
            Write::Put(row) => {
                self.records.insert(row.key(), row);
            }
            Write::Delete(key) => {
                self.records.remove(&key);
            }
            Write::SetAside(entry) => self.aside.push(entry),
            Write::PutMeta { name, value } => {
                self.meta.insert(name, value);
            }
            Write::DeleteMeta(name) => {
                self.meta.remove(&name);
            }
        }
    }
}

/// The in-memory twin: atomic transactions, an optional byte quota, and a failure injected at the n-th write.
#[derive(Debug, Default)]
pub struct MemoryDatabase {
    tables: RefCell<Tables>,
    quota: Option<usize>,
    /// Writes left before the injected failure (counted across transactions); `None`: no failure.
    fail_after: Cell<Option<usize>>,
    /// How many writes were committed, over the twin's life.
    committed: Cell<usize>,
}

impl MemoryDatabase {
    pub fn new() -> Self {
        Self::default()
    }

    /// A database that refuses a transaction that would take it past `bytes`.
    pub fn with_quota(bytes: usize) -> Self {
        MemoryDatabase {
            quota: Some(bytes),
            ..Self::default()
        }
    }

    /// Makes the transaction holding the `n`-th write from now (counting from 0) fail as a crash or a storage
    /// error would: none of its writes are kept. Later transactions work again.
    pub fn fail_at_write(&self, n: usize) {
        self.fail_after.set(Some(n));
    }

    /// How many writes have been committed so far.
    pub fn committed_writes(&self) -> usize {
        self.committed.get()
    }

    /// A copy of every table, for assertions.
    pub fn snapshot(&self) -> Tables {
        self.tables.borrow().clone()
    }
}

impl Database for MemoryDatabase {
    fn transact<T: 'static, E: From<StoreError> + 'static>(
        &self,
        reads: Reads,
        decide: impl FnOnce(Found) -> Result<(Vec<Write>, T), E> + 'static,
    ) -> impl Future<Output = Result<T, E>> {
        let result = (|| {
            let found = {
                let tables = self.tables.borrow();
                Found {
                    rows: reads
                        .rows
                        .iter()
                        .map(|key| tables.records.get(key).cloned())
                        .collect(),
                    meta: reads
                        .meta
                        .iter()
                        .map(|name| tables.meta.get(name).cloned())
                        .collect(),
                }
            };
            let (writes, value) = decide(found)?;
            if let Some(left) = self.fail_after.get() {
                if left < writes.len() {
                    self.fail_after.set(None);
                    return Err(StoreError::Failed("injected failure".into()).into());
                }
                self.fail_after.set(Some(left - writes.len()));
            }
            let mut next = self.tables.borrow().clone();
            let count = writes.len();
            for write in writes {
                next.apply(write);
            }
            if self.quota.is_some_and(|quota| next.bytes() > quota) {
                return Err(StoreError::QuotaExceeded.into());
            }
            *self.tables.borrow_mut() = next;
            self.committed.set(self.committed.get() + count);
            Ok(value)
        })();
        std::future::ready(result)
    }

    fn rows_in_range(
        &self,
        kind: &str,
        from: i64,
        until: i64,
    ) -> impl Future<Output = Result<Vec<Row>, StoreError>> {
        let mut rows: Vec<Row> = self
            .tables
            .borrow()
            .records
            .values()
            .filter(|row| row.kind == kind && (from..until).contains(&row.time))
            .cloned()
            .collect();
        rows.sort_by_key(|row| (row.time, row.key()));
        std::future::ready(Ok(rows))
    }

    fn all_rows(&self) -> impl Future<Output = Result<Vec<Row>, StoreError>> {
        std::future::ready(Ok(self.tables.borrow().records.values().cloned().collect()))
    }

    fn aside(&self) -> impl Future<Output = Result<Vec<AsideEntry>, StoreError>> {
        std::future::ready(Ok(self.tables.borrow().aside.clone()))
    }
}

/// The value of a future that is ready at once, as the memory twin's are (native tests and tools have no event
/// loop). Panics if it is not ready.
pub fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the future was not ready at once"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, time: i64) -> Row {
        Row {
            kind: "check_in".into(),
            id: id.into(),
            time,
            version: 1,
            text: format!("text of {id}"),
        }
    }

    fn put(db: &MemoryDatabase, rows: &[Row]) -> Result<(), StoreError> {
        let writes = rows.iter().cloned().map(Write::Put).collect();
        ready(db.transact(Reads::default(), |_| Ok::<_, StoreError>((writes, ()))))
    }

    #[test]
    fn a_transaction_keeps_all_its_writes_or_none() {
        let db = MemoryDatabase::new();
        put(&db, &[row("a", 1)]).unwrap();
        for k in 0..3 {
            db.fail_at_write(k);
            assert!(put(&db, &[row("b", 2), row("c", 3), row("d", 4)]).is_err());
            assert_eq!(db.snapshot().records.len(), 1, "failure at write {k}");
        }
        put(&db, &[row("b", 2), row("c", 3)]).unwrap();
        assert_eq!(db.snapshot().records.len(), 3);
    }

    #[test]
    fn a_refusal_from_the_rules_writes_nothing() {
        let db = MemoryDatabase::new();
        let result: Result<(), StoreError> = ready(db.transact(Reads::default(), |_| {
            Err(StoreError::Failed("the rules said no".into()))
        }));
        assert!(result.is_err());
        assert_eq!(db.committed_writes(), 0);
    }

    #[test]
    fn quota_refuses_the_whole_transaction() {
        let db = MemoryDatabase::with_quota(100);
        put(&db, &[row("a", 1)]).unwrap();
        let big = Row {
            text: "x".repeat(200),
            ..row("b", 2)
        };
        assert_eq!(
            put(&db, &[row("c", 3), big]),
            Err(StoreError::QuotaExceeded)
        );
        assert_eq!(db.snapshot().records.len(), 1);
    }

    #[test]
    fn reads_see_what_is_there_and_ranges_come_in_time_order() {
        let db = MemoryDatabase::new();
        put(&db, &[row("a", 30), row("b", 10), row("c", 20)]).unwrap();
        let found: Found = ready(db.transact(
            Reads {
                rows: vec![row_key("check_in", "b"), row_key("check_in", "z")],
                meta: vec!["layout".into()],
            },
            |found| Ok::<_, StoreError>((Vec::new(), found)),
        ))
        .unwrap();
        assert_eq!(found.rows, [Some(row("b", 10)), None]);
        assert_eq!(found.meta, [None]);
        let ids: Vec<String> = ready(db.rows_in_range("check_in", 10, 30))
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["b", "c"]);
        assert!(ready(db.rows_in_range("goal", 0, 100)).unwrap().is_empty());
    }
}
