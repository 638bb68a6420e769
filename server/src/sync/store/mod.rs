//! Where spaces, devices and changes are kept: the [`SyncStore`] trait and its two implementations.
//!
//! - [`SqliteStore`]: the embedded default, one file in WAL mode (or in memory, for tests);
//! - [`PostgresStore`]: for deployments that outgrow one machine, where several stateless server instances share
//!   one database.
//!
//! The store is handed values the API layer has already checked and hashed: it never sees an auth secret or a
//! token, only their SHA-256 hashes, and ciphertext is opaque bytes. Both implementations run the same migrations
//! (one SQL file per backend under `server/migrations/`) when they connect.
//!
//! Sequence numbers are allocated inside the push transaction while it holds the space's row lock (PostgreSQL) or
//! the database's write lock (SQLite), so changes commit in seq order: a device that has pulled up to seq N can
//! never later find a change with a lower seq appear.

mod migrations;
mod postgres;
mod push_plan;
mod sql;
mod sqlite;

use std::future::Future;
use std::path::PathBuf;

use thiserror::Error;
use waymark_core::sync::protocol::{Id, KdfParams};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A SHA-256 hash (of an auth secret or a token's secret).
pub type Hash = [u8; 32];

/// Where the store lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (created if missing).
    SqliteFile(PathBuf),
    /// A private in-memory SQLite database, gone when the server stops (tests).
    SqliteMemory,
    /// A PostgreSQL URL (`postgres://…`). Never logged: it may hold a password.
    Postgres(String),
}

/// Never shows a PostgreSQL URL (it may hold a password).
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SqliteFile(path) => f.debug_tuple("SqliteFile").field(path).finish(),
            Self::SqliteMemory => f.write_str("SqliteMemory"),
            Self::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

impl Database {
    /// A short description safe to log (no password).
    pub fn describe(&self) -> String {
        match self {
            Self::SqliteFile(path) => format!("SQLite at {}", path.display()),
            Self::SqliteMemory => "SQLite in memory".to_owned(),
            Self::Postgres(_) => "PostgreSQL".to_owned(),
        }
    }
}

/// A store operation that failed for a reason the caller cannot fix (the database is down, full or broken).
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value is not what the schema allows (a damaged row).
    #[error("a stored value is out of range: {0}")]
    Corrupt(&'static str),
}

/// A new space, checked and hashed.
#[derive(Debug, Clone)]
pub struct NewSpace {
    pub space_id: Id,
    pub kdf: StoredKdf,
    pub passphrase_hash: Hash,
    pub wrapped_key: Vec<u8>,
    pub recovery_hash: Hash,
    pub recovery_wrapped_key: Vec<u8>,
}

/// Key-derivation parameters with the salt decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKdf {
    pub algorithm: String,
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub salt: Vec<u8>,
}

impl StoredKdf {
    /// The parameters as the protocol sends them (salt in base64).
    pub fn to_protocol(&self) -> KdfParams {
        use base64::Engine as _;
        KdfParams {
            algorithm: self.algorithm.clone(),
            memory_kib: self.memory_kib,
            iterations: self.iterations,
            parallelism: self.parallelism,
            salt: base64::engine::general_purpose::STANDARD.encode(&self.salt),
        }
    }
}

/// A new device: its id, the hash of its token's secret and its name.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub device_id: Id,
    pub token_hash: Hash,
    pub name: String,
}

/// What joining a space is checked against.
#[derive(Debug, Clone)]
pub struct SpaceSecrets {
    pub kdf: StoredKdf,
    pub passphrase_hash: Hash,
    pub wrapped_key: Vec<u8>,
    pub recovery_hash: Hash,
    pub recovery_wrapped_key: Vec<u8>,
}

/// One device as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub device_id: Id,
    pub name: String,
    pub joined_at: i64,
    pub last_seen_at: i64,
}

/// One change to store.
#[derive(Debug, Clone)]
pub struct NewChange {
    pub id: Id,
    pub ciphertext: Vec<u8>,
}

/// The receipt for one pushed change: its seq and when it was first stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    pub seq: i64,
    pub received_at: i64,
}

/// One stored change, as pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    pub id: Id,
    pub seq: i64,
    pub received_at: i64,
    pub device_id: Id,
    pub ciphertext: Vec<u8>,
}

/// The outcome of a write that needs its space (or device) to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// The space (or, for removing a device, the device) does not exist.
    Missing,
    /// The space id is taken (creating a space).
    Taken,
}

/// The storage the sync API needs. Every method is one transaction.
///
/// `now` is the server's time in milliseconds since the Unix epoch, passed in so that every row written by one
/// request carries the same time as its answer.
pub trait SyncStore: Send + Sync {
    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Creates a space with its first device. [`Outcome::Taken`] if the id exists.
    fn create_space(
        &self,
        space: &NewSpace,
        device: &NewDevice,
        now: i64,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send;

    /// The space's key-derivation parameters, wrapped keys and secret hashes; `None` if there is no such space.
    fn space_secrets(
        &self,
        space_id: &str,
    ) -> impl Future<Output = Result<Option<SpaceSecrets>, StoreError>> + Send;

    /// Adds a device to a space. [`Outcome::Missing`] if the space is gone.
    fn add_device(
        &self,
        space_id: &str,
        device: &NewDevice,
        now: i64,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send;

    /// The hash of a device's token secret; `None` if the space has no such device (never had, or removed).
    fn device_token_hash(
        &self,
        space_id: &str,
        device_id: &str,
    ) -> impl Future<Output = Result<Option<Hash>, StoreError>> + Send;

    /// The space's devices, oldest first.
    fn devices(
        &self,
        space_id: &str,
    ) -> impl Future<Output = Result<Vec<DeviceRow>, StoreError>> + Send;

    /// Removes a device (its token stops working). [`Outcome::Missing`] if there is no such device.
    fn remove_device(
        &self,
        space_id: &str,
        device_id: &str,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send;

    /// Stores the changes a device pushed and returns a receipt for each, in the order given. A change id the
    /// space has seen before (in an earlier push or earlier in this one) gets its first receipt and stores nothing.
    /// New changes get the next seqs, in the order given. `None` if the space is gone.
    fn push(
        &self,
        space_id: &str,
        device_id: &str,
        changes: &[NewChange],
        now: i64,
    ) -> impl Future<Output = Result<Option<Vec<Receipt>>, StoreError>> + Send;

    /// Up to `limit` changes with `seq > after`, oldest first, and whether more follow. Also notes that the device
    /// was seen.
    fn pull(
        &self,
        space_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
        now: i64,
    ) -> impl Future<Output = Result<(Vec<StoredChange>, bool), StoreError>> + Send;

    /// Replaces the passphrase's kdf, hash and wrapped key. [`Outcome::Missing`] if the space is gone.
    fn change_passphrase(
        &self,
        space_id: &str,
        kdf: &StoredKdf,
        passphrase_hash: &Hash,
        wrapped_key: &[u8],
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send;

    /// Deletes the space with all its devices and changes. [`Outcome::Missing`] if it was already gone.
    fn delete_space(
        &self,
        space_id: &str,
    ) -> impl Future<Output = Result<Outcome, StoreError>> + Send;
}

/// The configured store: one of the two implementations, chosen at start.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store {
    /// Connects to (or creates) the database and brings its schema up to date. A SQLite file's directory must
    /// exist.
    pub async fn connect(database: &Database) -> Result<Self, StoreError> {
        Ok(match database {
            Database::SqliteFile(path) => Self::Sqlite(SqliteStore::open(path).await?),
            Database::SqliteMemory => Self::Sqlite(SqliteStore::memory().await?),
            Database::Postgres(url) => Self::Postgres(PostgresStore::connect(url).await?),
        })
    }

    /// Closes the connections (waits for those in use to be returned).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(store) => store.close().await,
            Self::Postgres(store) => store.close().await,
        }
    }
}

/// Forwards each method to the implementation in use.
macro_rules! dispatch {
    ($self:ident.$method:ident($($arg:expr),*)) => {
        match $self {
            Store::Sqlite(store) => store.$method($($arg),*).await,
            Store::Postgres(store) => store.$method($($arg),*).await,
        }
    };
}

impl SyncStore for Store {
    async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(self.ping())
    }
    async fn create_space(
        &self,
        space: &NewSpace,
        device: &NewDevice,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        dispatch!(self.create_space(space, device, now))
    }
    async fn space_secrets(&self, space_id: &str) -> Result<Option<SpaceSecrets>, StoreError> {
        dispatch!(self.space_secrets(space_id))
    }
    async fn add_device(
        &self,
        space_id: &str,
        device: &NewDevice,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        dispatch!(self.add_device(space_id, device, now))
    }
    async fn device_token_hash(
        &self,
        space_id: &str,
        device_id: &str,
    ) -> Result<Option<Hash>, StoreError> {
        dispatch!(self.device_token_hash(space_id, device_id))
    }
    async fn devices(&self, space_id: &str) -> Result<Vec<DeviceRow>, StoreError> {
        dispatch!(self.devices(space_id))
    }
    async fn remove_device(&self, space_id: &str, device_id: &str) -> Result<Outcome, StoreError> {
        dispatch!(self.remove_device(space_id, device_id))
    }
    async fn push(
        &self,
        space_id: &str,
        device_id: &str,
        changes: &[NewChange],
        now: i64,
    ) -> Result<Option<Vec<Receipt>>, StoreError> {
        dispatch!(self.push(space_id, device_id, changes, now))
    }
    async fn pull(
        &self,
        space_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
        now: i64,
    ) -> Result<(Vec<StoredChange>, bool), StoreError> {
        dispatch!(self.pull(space_id, device_id, after, limit, now))
    }
    async fn change_passphrase(
        &self,
        space_id: &str,
        kdf: &StoredKdf,
        passphrase_hash: &Hash,
        wrapped_key: &[u8],
    ) -> Result<Outcome, StoreError> {
        dispatch!(self.change_passphrase(space_id, kdf, passphrase_hash, wrapped_key))
    }
    async fn delete_space(&self, space_id: &str) -> Result<Outcome, StoreError> {
        dispatch!(self.delete_space(space_id))
    }
}

/// How long after a device was last noted as seen before a pull notes it again: saves a write on every pull.
const SEEN_GRANULARITY_MS: i64 = 60_000;

/// A stored hash as the fixed-size array it must be.
fn to_hash(bytes: Vec<u8>) -> Result<Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a hash is not 32 bytes"))
}

/// A stored u32 column (kdf costs) back from the i64 it is stored as.
fn to_u32(value: i64) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt("a kdf parameter is out of range"))
}
