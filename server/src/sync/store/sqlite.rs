//! The embedded store: one SQLite file in WAL mode (readers never wait for the writer), or a private in-memory
//! database for tests.
//!
//! # One writer, group commit
//!
//! SQLite has one writer at a time, so one OS thread owns the only writing connection and takes write jobs from a
//! channel. It drains whatever is queued (at most [`MAX_GROUP`] jobs) and runs them as one group: one
//! `BEGIN IMMEDIATE` transaction (the write lock from the start, waiting up to [`BUSY_TIMEOUT`] for another
//! process), each job in its own `SAVEPOINT` so that a job that fails rolls back only its own work, then one
//! `COMMIT`, so one fsync for the whole group. Only after the commit is any job answered; if the commit fails,
//! every job of the group gets the error, so no device is ever told a change is stored when it is not.
//!
//! The jobs of a group run one after another on that connection and see each other's work, so every invariant of
//! one-transaction-per-operation still holds: a push allocates its seqs under the write lock after the pushes
//! before it (gapless, and committed in seq order since they commit together or not at all), finds a change id an
//! earlier job of the same group stored (one seq for it, the same receipt for both), sees the space's `bytes_used`
//! as the jobs before it left it, and finds its device gone if a job before it removed it. A job that finds
//! nothing to do (a missing space, a full one) returns before it writes.
//!
//! # Readers
//!
//! Reads of a file run on a small pool of reader connections, each on a blocking thread: in WAL mode they see the
//! last commit and never wait for the writer (a change is only answered as stored once committed, so a device
//! always reads its own pushes). An in-memory database lives in its one connection, so there the writer thread
//! also runs the reads, between groups and outside any transaction (they never see a group's uncommitted work).
//!
//! Statements are prepared once per connection and cached. The shared SQL numbers its parameters `$1`, `$2`…;
//! SQLite treats those as names, numbered in order of first appearance, so [`bind`] binds each by its name.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{CachedStatement, Connection, OpenFlags, Row};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Semaphore, oneshot};

use super::sql::{
    COUNT_DEVICES, DELETE_DEVICE, DELETE_OTHER_DEVICES, DELETE_SPACE, INSERT_CHANGE, INSERT_DEVICE,
    INSERT_SPACE, SELECT_BYTES_USED, SELECT_CHANGES, SELECT_DEVICE, SELECT_DEVICES,
    SELECT_LAST_SEEN, SELECT_NEXT_SEQ, SELECT_RECEIPT, SELECT_SECRETS, SELECT_STORED_BYTES,
    SELECT_TOKEN_HASH, SecretsRow, TOUCH_DEVICE, UPDATE_PASSPHRASE, allocate_seqs,
    secrets_from_row,
};
use super::{
    ByteLimits, DeviceRow, DeviceToken, Hash, JoinOutcome, JoinProof, NewChange, NewDevice,
    NewSpace, Outcome, PullOutcome, PushOutcome, Receipt, SEEN_GRANULARITY_MS, SpaceSecrets,
    StoreError, StoredChange, StoredKdf, SyncStore, migrations, proof_matches, push_plan, to_hash,
};

/// [`allocate_seqs`] with SQLite's scalar `MAX`.
const ALLOCATE_SEQS: &str = allocate_seqs!("MAX");

/// How long a write waits for another writer (another process: a backup, the `sqlite3` shell) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Reading connections to a file: several readers at once (WAL).
const READ_CONNECTIONS: usize = 4;
/// At most this many write jobs share one transaction (and one fsync).
const MAX_GROUP: usize = 256;
/// Prepared statements kept per connection (every statement the store runs fits).
const STATEMENT_CACHE: usize = 32;
/// A pull with at most this many changes waiting runs on the calling thread when a reader is idle: a few
/// kilobytes from the page cache take less time than handing the read to a blocking thread and back.
const INLINE_PULL_CHANGES: i64 = 32;

/// The SQLite store: a writer thread that commits write jobs in groups, and (for a file) a pool of readers.
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
}

struct Shared {
    /// The writer thread's queue; `None` once closed.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    /// The writer thread, joined on close.
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Reader connections to a file; `None` in memory (the writer thread reads).
    readers: Option<Arc<Readers>>,
    #[cfg(test)]
    hooks: Arc<Hooks>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("in_memory", &self.shared.readers.is_none())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and migrates it.
    ///
    /// The migrations are sqlx's (as they always were: existing files record them in `_sqlx_migrations`); its
    /// connection is closed before the store's own are opened.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // A receipt tells a device its change is stored: FULL makes that survive a power cut too.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let migrated = match migrations::sqlite().await {
            Ok(migrator) => migrator.run(&pool).await.map_err(StoreError::from),
            Err(err) => Err(err.into()),
        };
        pool.close().await;
        migrated?;

        let path = path.to_owned();
        let writer = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || open_connection(&path, false))
                .await
                .map_err(|_| StoreError::Panicked)??
        };
        let readers = Readers {
            path,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(READ_CONNECTIONS)),
        };
        Self::start(writer, Some(Arc::new(readers)))
    }

    /// A fresh in-memory database, in one connection that the writer thread keeps open until the store is closed.
    pub async fn memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        configure(&conn, false)?;
        // No `_sqlx_migrations` here: the database is new and gone when the store is.
        conn.execute_batch("BEGIN")?;
        for sql in migrations::sqlite_sql() {
            conn.execute_batch(sql)?;
        }
        conn.execute_batch("COMMIT")?;
        Self::start(conn, None)
    }

    fn start(writer: Connection, readers: Option<Arc<Readers>>) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel();
        let hooks = Arc::new(Hooks::default());
        let thread = {
            let hooks = Arc::clone(&hooks);
            std::thread::Builder::new()
                .name("sqlite-writer".to_owned())
                .spawn(move || write_loop(&writer, &queue, &hooks))
                .map_err(|err| StoreError::Thread(err.to_string()))?
        };
        Ok(Self {
            shared: Arc::new(Shared {
                jobs: Mutex::new(Some(jobs)),
                writer: Mutex::new(Some(thread)),
                readers,
                #[cfg(test)]
                hooks,
            }),
        })
    }

    /// Closes the store: new operations fail at once; the writer thread finishes the jobs already queued (each is
    /// answered) and closes its connection; reads in progress finish before the readers are closed.
    pub async fn close(&self) {
        drop(lock(&self.shared.jobs).take());
        let thread = lock(&self.shared.writer).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        if let Some(readers) = &self.shared.readers {
            readers.close().await;
        }
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        let jobs = lock(&self.shared.jobs);
        let sender = jobs.as_ref().ok_or(StoreError::Closed)?;
        #[cfg(test)]
        self.shared
            .hooks
            .sent
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        sender.send(job).map_err(|_| StoreError::Closed)
    }

    /// Runs `work` in the writer thread's next group; answers once that group has committed.
    async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Write(Box::new(Pending {
            work: Some(work),
            result: None,
            reply,
        })))?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `work` on the writer's connection between groups, outside any transaction (what a transaction must not
    /// hold: a checkpoint).
    async fn between_groups<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.send(Job::BetweenGroups(Box::new(Pending {
            work: Some(work),
            result: None,
            reply,
        })))?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// [`SqliteStore::read`] for a point lookup, which a file's store may run on the calling thread.
    async fn lookup<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        match &self.shared.readers {
            Some(readers) => readers.lookup(work).await,
            None => self.read(work).await,
        }
    }

    /// Runs `work` on a reader connection (in memory: on the writer thread, outside any transaction).
    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        if let Some(readers) = &self.shared.readers {
            return readers.read(work).await;
        }
        self.between_groups(work).await
    }
}

/// Copies every page of the WAL into the database file and truncates the WAL to nothing (waiting for readers up
/// to the busy timeout). A checkpoint that readers kept from finishing is logged; the next one finishes it.
fn truncate_wal(conn: &Connection) -> Result<(), StoreError> {
    let (busy, wal_pages, copied): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    if busy != 0 {
        tracing::warn!(
            wal_pages,
            copied,
            "the WAL checkpoint after deleting a space could not finish"
        );
    }
    Ok(())
}

/// Locks a mutex whose data stays consistent even if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens a connection to the file with the store's settings (`synchronous=FULL`, foreign keys, busy timeout).
fn open_connection(path: &Path, reader: bool) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn, reader)?;
    if !reader {
        // Persistent in the file (sqlx set it when it migrated); said again in case the file was replaced.
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    Ok(conn)
}

fn configure(conn: &Connection, reader: bool) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // A receipt tells a device its change is stored: FULL makes that survive a power cut too.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Deleted rows are overwritten with zeros, not just unlinked: "delete my data" leaves no ciphertext in free
    // pages (the WAL's old copies are removed by the checkpoint after a space is deleted).
    conn.pragma_update(None, "secure_delete", true)?;
    if reader {
        conn.pragma_update(None, "query_only", true)?;
    }
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// The reader connections to a file, opened as needed, at most [`READ_CONNECTIONS`] in use at once.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    async fn read<T, F>(self: &Arc<Self>, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Closed)?;
        let readers = Arc::clone(self);
        // The connection goes back to the pool from the blocking thread, even if this future is dropped meanwhile.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let idle = lock(&readers.idle).pop();
            let conn = match idle {
                Some(conn) => conn,
                None => open_connection(&readers.path, true)?,
            };
            let result = work(&conn);
            lock(&readers.idle).push(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Panicked)?
    }

    /// Runs a point lookup (a row or two by primary key, microseconds from the page cache) on the calling thread
    /// when a reader is idle, saving the hand-off to a blocking thread; otherwise as [`Readers::read`] does.
    async fn lookup<T, F>(self: &Arc<Self>, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let idle = match self.permits.try_acquire() {
            Ok(permit) => lock(&self.idle).pop().map(|conn| (permit, conn)),
            Err(tokio::sync::TryAcquireError::Closed) => return Err(StoreError::Closed),
            Err(tokio::sync::TryAcquireError::NoPermits) => None,
        };
        let Some((_permit, conn)) = idle else {
            return self.read(work).await;
        };
        let result = work(&conn);
        lock(&self.idle).push(conn);
        result
    }

    /// Waits for the reads in progress, then closes every reader; later reads fail.
    async fn close(&self) {
        let in_use = u32::try_from(READ_CONNECTIONS).expect("a few readers");
        if let Ok(all) = self.permits.acquire_many(in_use).await {
            all.forget();
        }
        self.permits.close();
        lock(&self.idle).clear();
    }
}

/// A job for the writer thread.
enum Job {
    /// Work outside any transaction, run between groups: reads (in memory only), checkpoints.
    BetweenGroups(Box<dyn Task>),
    /// A write: run in the next group.
    Write(Box<dyn Task>),
}

/// A job's work and whoever waits for its answer.
trait Task: Send {
    /// Whether nobody waits for the answer any more (the request gave up): the job is skipped.
    fn abandoned(&self) -> bool;
    /// Runs the work (once) and keeps its result; whether it succeeded.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers: the kept result if its group committed (`Ok`), else the group's error.
    fn answer(self: Box<Self>, group: Result<(), Arc<rusqlite::Error>>);
}

struct Pending<T, F> {
    work: Option<F>,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Task for Pending<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send,
{
    fn abandoned(&self) -> bool {
        self.reply.is_closed()
    }

    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // A panicking job fails alone (its savepoint is rolled back) instead of taking the writer thread down.
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or(Err(StoreError::Panicked));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, group: Result<(), Arc<rusqlite::Error>>) {
        let result = match group {
            Ok(()) => self.result.unwrap_or(Err(StoreError::Panicked)),
            Err(err) => Err(StoreError::Sqlite(err)),
        };
        // The request may have given up meanwhile: nobody to tell.
        let _ = self.reply.send(result);
    }
}

/// Test-only controls and records of the writer thread.
#[derive(Default)]
struct Hooks {
    /// Jobs sent to the writer thread.
    #[cfg(test)]
    sent: std::sync::atomic::AtomicUsize,
    /// The number of write jobs in each group committed (or not).
    #[cfg(test)]
    groups: Mutex<Vec<usize>>,
    /// Makes the COMMIT of the next group of this many write jobs fail (it is rolled back instead); 0: none.
    #[cfg(test)]
    fail_group_of: std::sync::atomic::AtomicUsize,
}

/// The writer thread: takes whatever is queued, runs its reads, then its writes as one group; until the store is
/// closed and the queue is empty.
fn write_loop(conn: &Connection, queue: &mpsc::Receiver<Job>, hooks: &Hooks) {
    let mut reads = Vec::new();
    let mut writes = Vec::with_capacity(MAX_GROUP);
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(job) = next {
            match job {
                Job::BetweenGroups(task) => reads.push(task),
                Job::Write(task) => writes.push(task),
            }
            next = if writes.len() < MAX_GROUP {
                queue.try_recv().ok()
            } else {
                None
            };
        }
        for mut task in reads.drain(..) {
            if !task.abandoned() {
                task.run(conn);
                task.answer(Ok(()));
            }
        }
        writes.retain(|task| !task.abandoned());
        if !writes.is_empty() {
            run_group(conn, writes.drain(..), hooks);
        }
    }
}

/// An error of our own making (for jobs whose group failed for another job's sake).
fn group_error(message: &str) -> Arc<rusqlite::Error> {
    Arc::new(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
        Some(message.to_owned()),
    ))
}

/// Runs write jobs in one transaction, a savepoint each, commits once and answers them all.
fn run_group(conn: &Connection, tasks: impl Iterator<Item = Box<dyn Task>>, hooks: &Hooks) {
    let mut done: Vec<Box<dyn Task>> = Vec::with_capacity(MAX_GROUP);
    for mut task in tasks {
        if conn.is_autocommit()
            && let Err(err) = conn.execute_batch("BEGIN IMMEDIATE")
        {
            task.answer(Err(Arc::new(err)));
            continue;
        }
        if let Err(err) = conn.execute_batch("SAVEPOINT job") {
            task.answer(Err(Arc::new(err)));
            continue;
        }
        let kept = if task.run(conn) {
            conn.execute_batch("RELEASE job").is_ok()
        } else {
            // SQLite rolls the whole transaction back on some errors (a full disk, an I/O error): then there is no
            // savepoint left to roll back to.
            !conn.is_autocommit() && conn.execute_batch("ROLLBACK TO job; RELEASE job").is_ok()
        };
        if !kept {
            // The transaction is gone or unusable: so is the work of every job before this one.
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            let lost = group_error("the transaction was rolled back; nothing of it was stored");
            for earlier in done.drain(..) {
                earlier.answer(Err(Arc::clone(&lost)));
            }
            task.answer(Err(lost));
            continue;
        }
        done.push(task);
    }
    #[cfg(test)]
    lock(&hooks.groups).push(done.len());
    #[cfg(not(test))]
    let _ = hooks;
    let committed = if conn.is_autocommit() {
        Ok(())
    } else {
        commit(conn, done.len(), hooks)
    };
    for task in done {
        task.answer(committed.clone());
    }
}

/// Commits the group's transaction; if that fails, rolls it back (when SQLite has not already).
fn commit(conn: &Connection, jobs: usize, hooks: &Hooks) -> Result<(), Arc<rusqlite::Error>> {
    #[cfg(test)]
    if hooks
        .fail_group_of
        .compare_exchange(
            jobs,
            0,
            std::sync::atomic::Ordering::SeqCst,
            std::sync::atomic::Ordering::SeqCst,
        )
        .is_ok()
    {
        conn.execute_batch("ROLLBACK").map_err(Arc::new)?;
        return Err(group_error("COMMIT failed (injected by a test)"));
    }
    #[cfg(not(test))]
    let _ = (hooks, jobs);
    conn.execute_batch("COMMIT").map_err(|err| {
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        Arc::new(err)
    })
}

/// A cached statement for `sql` with `params[n - 1]` bound to each `$n` (however often and in whatever order the
/// SQL names it).
fn bind<'c>(
    conn: &'c Connection,
    sql: &str,
    params: &[&dyn ToSql],
) -> rusqlite::Result<CachedStatement<'c>> {
    let mut statement = conn.prepare_cached(sql)?;
    let count = statement.parameter_count();
    if count != params.len() {
        return Err(rusqlite::Error::InvalidParameterCount(params.len(), count));
    }
    for index in 1..=count {
        let name = statement.parameter_name(index).unwrap_or_default();
        let number = name
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=params.len()).contains(n))
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_owned()))?;
        statement.raw_bind_parameter(index, params[number - 1])?;
    }
    Ok(statement)
}

/// Runs a statement that returns no rows; the number of rows it changed.
fn execute(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> rusqlite::Result<usize> {
    bind(conn, sql, params)?.raw_execute()
}

/// The first row's value, if any.
fn query_opt<T>(
    conn: &Connection,
    sql: &str,
    params: &[&dyn ToSql],
    from_row: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Option<T>> {
    let mut statement = bind(conn, sql, params)?;
    let mut rows = statement.raw_query();
    rows.next()?.map(from_row).transpose()
}

/// Every row's value.
fn query_all<T>(
    conn: &Connection,
    sql: &str,
    params: &[&dyn ToSql],
    mut from_row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut statement = bind(conn, sql, params)?;
    let mut rows = statement.raw_query();
    let mut all = Vec::new();
    while let Some(row) = rows.next()? {
        all.push(from_row(row)?);
    }
    Ok(all)
}

impl SyncStore for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| {
            query_opt(conn, "SELECT 1", &[], |row| row.get::<_, i64>(0))?;
            Ok(())
        })
        .await
    }

    async fn create_space(
        &self,
        space: &NewSpace,
        device: &NewDevice,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        let (space, device) = (space.clone(), device.clone());
        self.write(move |conn| {
            let inserted = execute(
                conn,
                INSERT_SPACE,
                &[
                    &space.space_id,
                    &space.secrets.kdf.algorithm,
                    &i64::from(space.secrets.kdf.memory_kib),
                    &i64::from(space.secrets.kdf.iterations),
                    &i64::from(space.secrets.kdf.parallelism),
                    &space.secrets.kdf.salt,
                    &space.secrets.passphrase_hash,
                    &space.secrets.wrapped_key,
                    &space.secrets.recovery_hash,
                    &space.secrets.recovery_wrapped_key,
                    &now,
                ],
            )?;
            if inserted == 0 {
                return Ok(Outcome::Taken);
            }
            insert_device(conn, &space.space_id, &device, now)?;
            Ok(Outcome::Done)
        })
        .await
    }

    async fn space_secrets(&self, space_id: &str) -> Result<Option<SpaceSecrets>, StoreError> {
        let space_id = space_id.to_owned();
        self.read(move |conn| secrets(conn, &space_id)).await
    }

    async fn add_device(
        &self,
        space_id: &str,
        device: &NewDevice,
        proof: &JoinProof,
        max_devices: u32,
        now: i64,
    ) -> Result<JoinOutcome, StoreError> {
        let (space_id, device, proof) = (space_id.to_owned(), device.clone(), *proof);
        // In a group, under the write lock: the secret checked is the one current when the device is inserted.
        self.write(move |conn| {
            let Some(secrets) = secrets(conn, &space_id)? else {
                return Ok(JoinOutcome::Missing);
            };
            if !proof_matches(&secrets, &proof) {
                return Ok(JoinOutcome::Unauthorized);
            }
            let count = query_opt(conn, COUNT_DEVICES, &[&space_id], |row| {
                row.get::<_, i64>(0)
            })?
            .unwrap_or(0);
            if count >= i64::from(max_devices) {
                return Ok(JoinOutcome::TooManyDevices);
            }
            insert_device(conn, &space_id, &device, now)?;
            Ok(JoinOutcome::Joined(secrets))
        })
        .await
    }

    async fn device_token(
        &self,
        space_id: &str,
        device_id: &str,
    ) -> Result<Option<DeviceToken>, StoreError> {
        let (space_id, device_id) = (space_id.to_owned(), device_id.to_owned());
        // Every authenticated request starts here: looked up without a hand-off when a reader is idle.
        self.lookup(move |conn| {
            query_opt(conn, SELECT_TOKEN_HASH, &[&space_id, &device_id], |row| {
                Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, i64>(1)?))
            })?
            .map(|(hash, last_seen_at)| {
                Ok(DeviceToken {
                    hash: to_hash(hash)?,
                    last_seen_at,
                })
            })
            .transpose()
        })
        .await
    }

    async fn devices(&self, space_id: &str) -> Result<Vec<DeviceRow>, StoreError> {
        let space_id = space_id.to_owned();
        self.read(move |conn| {
            Ok(query_all(conn, SELECT_DEVICES, &[&space_id], |row| {
                Ok(DeviceRow {
                    device_id: row.get(0)?,
                    name: row.get(1)?,
                    joined_at: row.get(2)?,
                    last_seen_at: row.get(3)?,
                })
            })?)
        })
        .await
    }

    async fn remove_device(&self, space_id: &str, device_id: &str) -> Result<Outcome, StoreError> {
        let (space_id, device_id) = (space_id.to_owned(), device_id.to_owned());
        self.write(move |conn| {
            let removed = execute(conn, DELETE_DEVICE, &[&space_id, &device_id])?;
            Ok(if removed == 0 {
                Outcome::Missing
            } else {
                Outcome::Done
            })
        })
        .await
    }

    async fn push(
        &self,
        space_id: &str,
        device_id: &str,
        changes: &[NewChange],
        limits: ByteLimits,
        now: i64,
    ) -> Result<PushOutcome, StoreError> {
        let (space_id, device_id) = (space_id.to_owned(), device_id.to_owned());
        let changes = changes.to_vec();
        self.write(move |conn| push(conn, &space_id, &device_id, &changes, limits, now))
            .await
    }

    async fn pull(
        &self,
        space_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
        now: i64,
    ) -> Result<PullOutcome, StoreError> {
        let (space, device) = (space_id.to_owned(), device_id.to_owned());
        // A few changes waiting (the usual case): read on the calling thread if a reader is idle. More: on a
        // blocking thread, as a page of hundreds of changes can take a while.
        let few = {
            let (space, device) = (space.clone(), device.clone());
            self.lookup(move |conn| {
                pull(
                    conn,
                    &space,
                    &device,
                    after,
                    limit,
                    Some(INLINE_PULL_CHANGES),
                )
            })
            .await?
        };
        let (outcome, last_seen) = match few {
            Some(read) => read,
            None => self
                .read(move |conn| pull(conn, &space, &device, after, limit, None))
                .await?
                .expect("a pull with no cap on the changes waiting always reads"),
        };
        // Pulls only read; a device is noted as seen (a write) only when its last note is over a minute old.
        if matches!(outcome, PullOutcome::Changes(..))
            && last_seen.is_some_and(|seen| seen < now - SEEN_GRANULARITY_MS)
        {
            let (space_id, device_id) = (space_id.to_owned(), device_id.to_owned());
            self.write(move |conn| {
                execute(
                    conn,
                    TOUCH_DEVICE,
                    &[&space_id, &device_id, &now, &(now - SEEN_GRANULARITY_MS)],
                )?;
                Ok(())
            })
            .await?;
        }
        Ok(outcome)
    }

    async fn change_passphrase(
        &self,
        space_id: &str,
        kdf: &StoredKdf,
        passphrase_hash: &Hash,
        wrapped_key: &[u8],
        keep_only: Option<&str>,
    ) -> Result<Outcome, StoreError> {
        let (space_id, kdf, passphrase_hash) = (space_id.to_owned(), kdf.clone(), *passphrase_hash);
        let (wrapped_key, keep_only) = (wrapped_key.to_vec(), keep_only.map(str::to_owned));
        self.write(move |conn| {
            let changed = execute(
                conn,
                UPDATE_PASSPHRASE,
                &[
                    &space_id,
                    &kdf.algorithm,
                    &i64::from(kdf.memory_kib),
                    &i64::from(kdf.iterations),
                    &i64::from(kdf.parallelism),
                    &kdf.salt,
                    &passphrase_hash,
                    &wrapped_key,
                ],
            )?;
            if changed == 0 {
                return Ok(Outcome::Missing);
            }
            if let Some(keep) = keep_only {
                execute(conn, DELETE_OTHER_DEVICES, &[&space_id, &keep])?;
            }
            Ok(Outcome::Done)
        })
        .await
    }

    /// Deletes the space's rows (overwritten, as `secure_delete` is on), then checkpoints the WAL into the file
    /// and truncates it, so no copy of the old pages is left in the WAL either.
    async fn delete_space(&self, space_id: &str) -> Result<Outcome, StoreError> {
        let space_id = space_id.to_owned();
        let outcome = self
            .write(move |conn| {
                let [changes, devices, space] = DELETE_SPACE;
                for statement in [changes, devices] {
                    execute(conn, statement, &[&space_id])?;
                }
                let deleted = execute(conn, space, &[&space_id])?;
                Ok(if deleted == 0 {
                    Outcome::Missing
                } else {
                    Outcome::Done
                })
            })
            .await?;
        if outcome == Outcome::Done {
            self.between_groups(truncate_wal).await?;
        }
        Ok(outcome)
    }
}

fn insert_device(
    conn: &Connection,
    space_id: &str,
    device: &NewDevice,
    now: i64,
) -> Result<(), StoreError> {
    execute(
        conn,
        INSERT_DEVICE,
        &[
            &space_id,
            &device.device_id,
            &device.token_hash,
            &device.name,
            &now,
        ],
    )?;
    Ok(())
}

fn secrets(conn: &Connection, space_id: &str) -> Result<Option<SpaceSecrets>, StoreError> {
    let row: Option<SecretsRow> = query_opt(conn, SELECT_SECRETS, &[&space_id], |row| {
        Ok((
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
        ))
    })?;
    row.map(secrets_from_row).transpose()
}

/// One push, inside its group's transaction (see [`SyncStore::push`]).
fn push(
    conn: &Connection,
    space_id: &str,
    device_id: &str,
    changes: &[NewChange],
    limits: ByteLimits,
    now: i64,
) -> Result<PushOutcome, StoreError> {
    let Some(bytes_used) = query_opt(conn, SELECT_BYTES_USED, &[&space_id], |row| {
        row.get::<_, i64>(0)
    })?
    else {
        return Ok(PushOutcome::Gone);
    };
    // A device removed since its token was checked (by a job before this one, too) pushes nothing.
    let device = query_opt(conn, SELECT_DEVICE, &[&space_id, &device_id], |row| {
        row.get::<_, i64>(0)
    })?;
    if device.is_none() {
        return Ok(PushOutcome::Gone);
    }

    // Change ids already stored, by an earlier push or an earlier job of this group.
    let mut stored = HashMap::new();
    for change in changes {
        let receipt = query_opt(conn, SELECT_RECEIPT, &[&space_id, &change.id], |row| {
            Ok(Receipt {
                seq: row.get(0)?,
                received_at: row.get(1)?,
            })
        })?;
        if let Some(receipt) = receipt {
            stored.insert(change.id.clone(), receipt);
        }
    }

    let new = push_plan::new_changes(changes, &stored);
    let mut first_seq = 0;
    let mut received_at = now;
    if !new.is_empty() {
        let stored = match limits.stored {
            Some(_) => query_opt(conn, SELECT_STORED_BYTES, &[], |row| row.get::<_, i64>(0))?,
            None => None,
        };
        let used = push_plan::BytesUsed {
            space: bytes_used,
            stored,
        };
        let (count, bytes) = match push_plan::allocation(&new, used, limits) {
            Ok(allocated) => allocated,
            Err(refused) => return Ok(refused),
        };
        let (after, at) = query_opt(
            conn,
            ALLOCATE_SEQS,
            &[&space_id, &count, &now, &bytes],
            |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
        )?
        .ok_or(StoreError::Corrupt(
            "the space vanished inside its transaction",
        ))?;
        first_seq = after - count;
        received_at = at;
        for (seq, change) in (first_seq..).zip(&new) {
            execute(
                conn,
                INSERT_CHANGE,
                &[
                    &space_id,
                    &seq,
                    &change.id,
                    &device_id,
                    &received_at,
                    &change.ciphertext,
                ],
            )?;
        }
    }
    execute(conn, TOUCH_DEVICE, &[&space_id, &device_id, &now, &now])?;
    Ok(PushOutcome::Stored(push_plan::receipts(
        changes,
        stored,
        &new,
        first_seq,
        received_at,
    )))
}

/// A pull's reads: the outcome, and when the device was last noted as seen (`None` if it is gone). With
/// `at_most`, only when no more than that many changes are waiting; `None` otherwise, and nothing else is read.
fn pull(
    conn: &Connection,
    space_id: &str,
    device_id: &str,
    after: i64,
    limit: u32,
    at_most: Option<i64>,
) -> Result<Option<(PullOutcome, Option<i64>)>, StoreError> {
    // next_seq only grows, so reading it before the changes cannot call a cursor ahead that is not.
    let next = query_opt(conn, SELECT_NEXT_SEQ, &[&space_id], |row| {
        row.get::<_, i64>(0)
    })?;
    let Some(next) = next else {
        return Ok(Some((PullOutcome::Gone, None)));
    };
    if after >= next {
        return Ok(Some((PullOutcome::CursorAhead, None)));
    }
    // Seqs are gapless, so this is how many changes are waiting (or will be read, at most `limit`).
    let waiting = (next - 1 - after).min(i64::from(limit));
    if at_most.is_some_and(|at_most| waiting > at_most) {
        return Ok(None);
    }
    let mut changes = query_all(
        conn,
        SELECT_CHANGES,
        &[&space_id, &after, &(i64::from(limit) + 1)],
        |row| {
            Ok(StoredChange {
                id: row.get(0)?,
                seq: row.get(1)?,
                received_at: row.get(2)?,
                device_id: row.get(3)?,
                ciphertext: row.get(4)?,
            })
        },
    )?;
    let more = changes.len() > limit as usize;
    changes.truncate(limit as usize);
    let last_seen = query_opt(conn, SELECT_LAST_SEEN, &[&space_id, &device_id], |row| {
        row.get::<_, i64>(0)
    })?;
    Ok(Some((PullOutcome::Changes(changes, more), last_seen)))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use waymark_core::sync::protocol::Credential;

    use super::*;

    /// Both kinds of SQLite store, each fresh (with the directory that holds the file).
    async fn stores() -> Vec<(SqliteStore, Option<tempfile::TempDir>)> {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SqliteStore::open(&dir.path().join("sync.db"))
            .await
            .expect("file store");
        let memory = SqliteStore::memory().await.expect("memory store");
        vec![(memory, None), (file, Some(dir))]
    }

    const T0: i64 = 1_000_000;

    fn id(n: u32) -> String {
        format!("{n:032x}")
    }

    /// A space with `devices` devices, `id(1)`, `id(2)`…
    async fn space(store: &SqliteStore, space_id: &str, devices: u32) {
        let space = NewSpace {
            space_id: space_id.to_owned(),
            secrets: SpaceSecrets {
                kdf: StoredKdf {
                    algorithm: "argon2id".to_owned(),
                    memory_kib: 19_456,
                    iterations: 2,
                    parallelism: 1,
                    salt: vec![7; 16],
                },
                passphrase_hash: [1; 32],
                wrapped_key: vec![2; 60],
                recovery_hash: [3; 32],
                recovery_wrapped_key: vec![4; 60],
            },
        };
        let device = |n| NewDevice {
            device_id: id(n),
            token_hash: [5; 32],
            name: format!("device {n}"),
        };
        let created = store.create_space(&space, &device(1), T0).await;
        assert_eq!(created.expect("create"), Outcome::Done);
        let proof = JoinProof {
            credential: Credential::Passphrase,
            presented: [1; 32],
        };
        for n in 2..=devices {
            let joined = store.add_device(space_id, &device(n), &proof, 20, T0).await;
            assert!(matches!(joined.expect("join"), JoinOutcome::Joined(_)));
        }
    }

    fn space_quota(bytes: u64) -> ByteLimits {
        ByteLimits {
            space: bytes,
            stored: None,
        }
    }

    fn changes(ids: &[&str]) -> Vec<NewChange> {
        ids.iter()
            .map(|id| NewChange {
                id: (*id).to_owned(),
                ciphertext: vec![9; 100],
            })
            .collect()
    }

    /// Holds the writer thread in a job of its own until the returned sender sends (or is dropped), so that the
    /// jobs sent meanwhile queue up and run as the next group. Also says how many jobs had been sent by then.
    async fn hold_writer(
        store: &SqliteStore,
    ) -> (
        std::sync::mpsc::Sender<()>,
        tokio::task::JoinHandle<()>,
        usize,
    ) {
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (started, running) = oneshot::channel();
        let holder = store.clone();
        let held = tokio::spawn(async move {
            holder
                .write(move |_| {
                    let _ = started.send(());
                    let _ = gate.recv();
                    Ok(())
                })
                .await
                .expect("the holding job");
        });
        running.await.expect("the writer runs the holding job");
        (
            release,
            held,
            store.shared.hooks.sent.load(Ordering::SeqCst),
        )
    }

    /// Pushes changes with these ids from `device` to space "s" on a task of its own, so that it can queue behind a
    /// held writer.
    fn spawn_push(
        store: &SqliteStore,
        device: u32,
        ids: &[&str],
        now: i64,
    ) -> tokio::task::JoinHandle<Result<PushOutcome, StoreError>> {
        let (store, changes) = (store.clone(), changes(ids));
        tokio::spawn(async move {
            store
                .push("s", &id(device), &changes, ByteLimits::UNLIMITED, now)
                .await
        })
    }

    /// Waits until `n` jobs in all have been sent to the writer thread.
    async fn sent(store: &SqliteStore, n: usize) {
        while store.shared.hooks.sent.load(Ordering::SeqCst) < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn last_group(store: &SqliteStore) -> usize {
        *lock(&store.shared.hooks.groups)
            .last()
            .expect("a group ran")
    }

    async fn pull_all(store: &SqliteStore, space_id: &str) -> Vec<StoredChange> {
        match store
            .pull(space_id, &id(1), 0, 500, T0)
            .await
            .expect("pull")
        {
            PullOutcome::Changes(changes, false) => changes,
            other => panic!("unexpected pull: {other:?}"),
        }
    }

    fn stored(outcome: Result<PushOutcome, StoreError>) -> Vec<Receipt> {
        match outcome.expect("push") {
            PushOutcome::Stored(receipts) => receipts,
            other => panic!("not stored: {other:?}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pushes_queued_together_commit_as_one_group_with_gapless_seqs() {
        for (store, _dir) in stores().await {
            space(&store, "s", 4).await;
            let (release, held, before) = hold_writer(&store).await;
            let pushes: Vec<_> = (0..40_u32)
                .map(|n| {
                    let ids = [format!("c{n}a"), format!("c{n}b"), format!("c{n}c")];
                    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                    spawn_push(&store, n % 4 + 1, &ids, T0 + 1)
                })
                .collect();
            sent(&store, before + 40).await;
            release.send(()).expect("release");
            held.await.expect("held");
            let mut seqs = Vec::new();
            for push in pushes {
                let receipts = stored(push.await.expect("task"));
                let first = receipts[0].seq;
                let own: Vec<i64> = receipts.iter().map(|r| r.seq).collect();
                assert_eq!(
                    own,
                    [first, first + 1, first + 2],
                    "one push's seqs are consecutive"
                );
                seqs.extend(own);
            }
            assert_eq!(
                last_group(&store),
                40,
                "the 40 pushes shared one transaction"
            );
            seqs.sort_unstable();
            assert_eq!(seqs, (1..=120).collect::<Vec<_>>());
            let pulled: Vec<i64> = pull_all(&store, "s").await.iter().map(|c| c.seq).collect();
            assert_eq!(pulled, (1..=120).collect::<Vec<_>>());
            store.close().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_id_pushed_twice_in_one_group_gets_one_seq() {
        for (store, _dir) in stores().await {
            space(&store, "s", 2).await;
            let (release, held, before) = hold_writer(&store).await;
            let first = spawn_push(&store, 1, &["x", "y"], T0);
            sent(&store, before + 1).await;
            let second = spawn_push(&store, 2, &["x", "z"], T0);
            sent(&store, before + 2).await;
            release.send(()).expect("release");
            held.await.expect("held");
            let first = stored(first.await.expect("task"));
            let second = stored(second.await.expect("task"));
            assert_eq!(last_group(&store), 2);
            assert_eq!(first.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
            assert_eq!(
                second[0], first[0],
                "the same receipt for the same change id"
            );
            assert_eq!(second[1].seq, 3);
            let pulled: Vec<(String, i64)> = pull_all(&store, "s")
                .await
                .into_iter()
                .map(|c| (c.id, c.seq))
                .collect();
            assert_eq!(pulled, [("x".into(), 1), ("y".into(), 2), ("z".into(), 3)]);
            // The quota counted the duplicate once.
            let full = store
                .push("s", &id(1), &changes(&["w"]), space_quota(399), T0)
                .await
                .expect("push");
            assert_eq!(full, PushOutcome::Full);
            assert!(matches!(
                store
                    .push("s", &id(1), &changes(&["w"]), space_quota(400), T0)
                    .await
                    .expect("push"),
                PushOutcome::Stored(_)
            ));
            store.close().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_job_that_fails_in_a_group_loses_only_its_own_work() {
        for (store, _dir) in stores().await {
            space(&store, "s", 2).await;
            let (release, held, before) = hold_writer(&store).await;
            let push = |device: u32, change: &str| spawn_push(&store, device, &[change], T0);
            let a = push(1, "a");
            sent(&store, before + 1).await;
            // Writes a change, then fails on a second insert of the same seq: a real SQLite error mid-job.
            let failing = {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .write(|conn| {
                            for _ in 0..2 {
                                execute(
                                    conn,
                                    INSERT_CHANGE,
                                    &[&"s", &500_i64, &"bad", &id(1), &T0, &vec![0_u8; 4]],
                                )?;
                            }
                            Ok(())
                        })
                        .await
                })
            };
            sent(&store, before + 2).await;
            let b = push(2, "b");
            sent(&store, before + 3).await;
            release.send(()).expect("release");
            held.await.expect("held");
            assert!(matches!(
                failing.await.expect("task"),
                Err(StoreError::Sqlite(_))
            ));
            assert_eq!(stored(a.await.expect("task"))[0].seq, 1);
            assert_eq!(stored(b.await.expect("task"))[0].seq, 2);
            assert_eq!(last_group(&store), 3);
            let pulled: Vec<String> = pull_all(&store, "s")
                .await
                .into_iter()
                .map(|c| c.id)
                .collect();
            assert_eq!(pulled, ["a", "b"], "nothing of the failed job was kept");
            store.close().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_commit_tells_no_one_stored() {
        for (store, _dir) in stores().await {
            space(&store, "s", 3).await;
            let (release, held, before) = hold_writer(&store).await;
            let pushes: Vec<_> = (1..=3_u32)
                .map(|n| spawn_push(&store, n, &[&format!("c{n}")], T0))
                .collect();
            sent(&store, before + 3).await;
            store.shared.hooks.fail_group_of.store(3, Ordering::SeqCst);
            release.send(()).expect("release");
            held.await.expect("held");
            for push in pushes {
                assert!(matches!(
                    push.await.expect("task"),
                    Err(StoreError::Sqlite(_))
                ));
            }
            assert!(pull_all(&store, "s").await.is_empty());
            // Nothing was allocated either: the next push gets seq 1.
            let receipts = stored(
                store
                    .push("s", &id(1), &changes(&["c1"]), ByteLimits::UNLIMITED, T0)
                    .await,
            );
            assert_eq!(receipts[0].seq, 1);
            store.close().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pulls_read_the_same_on_the_calling_thread_and_on_a_blocking_one() {
        for (store, _dir) in stores().await {
            space(&store, "s", 1).await;
            let ids: Vec<String> = (1..=40).map(id).collect();
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            stored(
                store
                    .push("s", &id(1), &changes(&ids), ByteLimits::UNLIMITED, T0)
                    .await,
            );
            let page = async |after: i64, limit: u32| match store
                .pull("s", &id(1), after, limit, T0)
                .await
                .expect("pull")
            {
                PullOutcome::Changes(changes, more) => {
                    (changes.iter().map(|c| c.seq).collect::<Vec<_>>(), more)
                }
                other => panic!("unexpected pull: {other:?}"),
            };
            // 40 waiting: more than run inline; 30 and a page of 5: inline; none waiting.
            const { assert!(40 > INLINE_PULL_CHANGES && 30 <= INLINE_PULL_CHANGES) };
            assert_eq!(page(0, 500).await, ((1..=40).collect(), false));
            assert_eq!(page(10, 500).await, ((11..=40).collect(), false));
            assert_eq!(page(0, 5).await, ((1..=5).collect(), true));
            assert_eq!(page(40, 500).await, (vec![], false));
            store.close().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pulls_write_only_when_the_device_was_last_seen_over_a_minute_ago() {
        for (store, _dir) in stores().await {
            space(&store, "s", 1).await;
            let groups = || lock(&store.shared.hooks.groups).len();
            let seen = async || store.devices("s").await.expect("devices")[0].last_seen_at;
            let before = groups();
            let pulled = store
                .pull("s", &id(1), 0, 10, T0 + SEEN_GRANULARITY_MS)
                .await;
            assert!(matches!(pulled.expect("pull"), PullOutcome::Changes(..)));
            assert_eq!(groups(), before, "a pull within the minute only reads");
            assert_eq!(seen().await, T0);
            let later = T0 + SEEN_GRANULARITY_MS + 1;
            store.pull("s", &id(1), 0, 10, later).await.expect("pull");
            assert_eq!(groups(), before + 1);
            assert_eq!(seen().await, later);
            store.close().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closing_answers_the_jobs_already_queued_and_refuses_new_ones() {
        for (store, _dir) in stores().await {
            space(&store, "s", 1).await;
            let (release, held, before) = hold_writer(&store).await;
            let queued = spawn_push(&store, 1, &["a"], T0);
            sent(&store, before + 1).await;
            let closing = {
                let store = store.clone();
                tokio::spawn(async move { store.close().await })
            };
            while lock(&store.shared.jobs).is_some() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            assert!(matches!(
                store
                    .push("s", &id(1), &changes(&["b"]), ByteLimits::UNLIMITED, T0)
                    .await,
                Err(StoreError::Closed)
            ));
            release.send(()).expect("release");
            held.await.expect("held");
            assert_eq!(stored(queued.await.expect("task"))[0].seq, 1);
            closing.await.expect("closed");
            assert!(matches!(store.ping().await, Err(StoreError::Closed)));
            assert!(matches!(store.devices("s").await, Err(StoreError::Closed)));
        }
    }

    #[test]
    fn parameters_bind_by_their_number_whatever_order_the_sql_names_them() {
        let conn = Connection::open_in_memory().expect("open");
        let row = query_opt(
            &conn,
            "SELECT $3, $1, $3, $2",
            &[&1_i64, &2_i64, &3_i64],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            },
        );
        assert_eq!(row.expect("query"), Some((3, 1, 3, 2)));
        // TOUCH_DEVICE names $3 first: each value still goes to its own number.
        conn.execute_batch(
            "CREATE TABLE devices (space_id TEXT, device_id TEXT, last_seen_at INTEGER);
             INSERT INTO devices VALUES ('s', 'd', 10), ('s', 'e', 10);",
        )
        .expect("schema");
        let touched = execute(&conn, TOUCH_DEVICE, &[&"s", &"d", &50_i64, &20_i64]).expect("touch");
        assert_eq!(touched, 1);
        let seen = query_all(
            &conn,
            "SELECT device_id, last_seen_at FROM devices ORDER BY device_id",
            &[],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
        );
        assert_eq!(
            seen.expect("read"),
            [("d".to_owned(), 50), ("e".to_owned(), 10)]
        );
        // Too few or too many values is an error, not a silent NULL.
        assert!(execute(&conn, TOUCH_DEVICE, &[&"s", &"d", &50_i64]).is_err());
    }
}
