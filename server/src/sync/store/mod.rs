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
//! never later find a change with a lower seq appear. The same lock makes receipt times monotonic per space (a
//! push's `received_at` is never below the space's `last_received_at`, whatever the instance's clock says) and
//! keeps the space's `bytes_used` exact for its quota.

mod migrations;
mod postgres;
mod push_plan;
mod sql;
mod sqlite;

use std::future::Future;
use std::path::PathBuf;

use thiserror::Error;
use waymark_core::sync::protocol::{Credential, Id, KdfParams};

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
    /// SQLite failed (shared: every write job of a group whose commit failed gets the same error).
    #[error("database error: {0}")]
    Sqlite(std::sync::Arc<rusqlite::Error>),
    /// The store was closed (the server is stopping).
    #[error("the store is closed")]
    Closed,
    /// A store operation panicked (a bug); the store goes on.
    #[error("a store operation failed unexpectedly")]
    Panicked,
    /// The store's writer thread could not be started.
    #[error("could not start the store's thread: {0}")]
    Thread(String),
    /// A stored value is not what the schema allows (a damaged row).
    #[error("a stored value is out of range: {0}")]
    Corrupt(&'static str),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Sqlite(std::sync::Arc::new(err))
    }
}

/// A new space, checked and hashed: its id and the secrets joining it is checked against.
#[derive(Debug, Clone)]
pub struct NewSpace {
    pub space_id: Id,
    pub secrets: SpaceSecrets,
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

/// What a joining device presented: which secret, and the hash of what it sent.
#[derive(Debug, Clone, Copy)]
pub struct JoinProof {
    pub credential: Credential,
    pub presented: Hash,
}

/// The outcome of joining.
#[derive(Debug, Clone)]
pub enum JoinOutcome {
    /// The device was added; the space's secrets as they were when it was added.
    Joined(SpaceSecrets),
    /// There is no such space.
    Missing,
    /// The presented secret does not match the space's current one.
    Unauthorized,
    /// The space already has its maximum number of devices.
    TooManyDevices,
}

/// What a request's token is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceToken {
    /// The hash of the token's secret.
    pub hash: Hash,
    /// When the device last pushed or pulled (to within [`SEEN_GRANULARITY_MS`]), or joined.
    pub last_seen_at: i64,
}

/// The outcome of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// A receipt for each change, in the order given.
    Stored(Vec<Receipt>),
    /// The space or the pushing device is gone (its token is no longer good).
    Gone,
    /// The new changes would take the space over its byte quota; nothing was stored.
    Full,
    /// The new changes would take the whole store over its byte cap; nothing was stored.
    StoreFull,
}

/// How many bytes of ciphertext a push may make its space, and the whole store, hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteLimits {
    /// The space's quota.
    pub space: u64,
    /// The whole store's cap, if there is one (reading the total costs a scan of the spaces).
    pub stored: Option<u64>,
}

impl ByteLimits {
    /// No limit at all (for tests of other things).
    pub const UNLIMITED: Self = Self {
        space: u64::MAX,
        stored: None,
    };
}

/// The outcome of a pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullOutcome {
    /// Changes after the cursor, oldest first, and whether more follow.
    Changes(Vec<StoredChange>, bool),
    /// The cursor is beyond the space's last seq (the device's cursor belongs to another space's history).
    CursorAhead,
    /// The space is gone.
    Gone,
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

    /// Adds a device to a space if `proof` matches the space's current secret (checked in the same transaction as
    /// the insert, so a join cannot slip past a passphrase change) and the space has fewer than `max_devices`.
    fn add_device(
        &self,
        space_id: &str,
        device: &NewDevice,
        proof: &JoinProof,
        max_devices: u32,
        now: i64,
    ) -> impl Future<Output = Result<JoinOutcome, StoreError>> + Send;

    /// A device's token (its secret's hash, and when the device was last seen); `None` if the space has no such
    /// device (never had, or removed).
    fn device_token(
        &self,
        space_id: &str,
        device_id: &str,
    ) -> impl Future<Output = Result<Option<DeviceToken>, StoreError>> + Send;

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
    /// New changes get the next seqs, in the order given, and one `received_at`: the larger of `now` and the
    /// space's last one. [`PushOutcome::Gone`] if the space or the device is gone; [`PushOutcome::Full`] (storing
    /// nothing) if the new changes' ciphertext would take the space over its quota, [`PushOutcome::StoreFull`] if
    /// it would take the whole store over its cap.
    fn push(
        &self,
        space_id: &str,
        device_id: &str,
        changes: &[NewChange],
        limits: ByteLimits,
        now: i64,
    ) -> impl Future<Output = Result<PushOutcome, StoreError>> + Send;

    /// Up to `limit` changes with `seq > after`, oldest first, and whether more follow; [`PullOutcome::CursorAhead`]
    /// if `after` is beyond the space's last seq. Also notes that the device was seen.
    fn pull(
        &self,
        space_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
        now: i64,
    ) -> impl Future<Output = Result<PullOutcome, StoreError>> + Send;

    /// Replaces the passphrase's kdf, hash and wrapped key; with `keep_only` set, also removes every device but
    /// that one, in the same transaction. [`Outcome::Missing`] if the space is gone.
    fn change_passphrase(
        &self,
        space_id: &str,
        kdf: &StoredKdf,
        passphrase_hash: &Hash,
        wrapped_key: &[u8],
        keep_only: Option<&str>,
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
        proof: &JoinProof,
        max_devices: u32,
        now: i64,
    ) -> Result<JoinOutcome, StoreError> {
        dispatch!(self.add_device(space_id, device, proof, max_devices, now))
    }
    async fn device_token(
        &self,
        space_id: &str,
        device_id: &str,
    ) -> Result<Option<DeviceToken>, StoreError> {
        dispatch!(self.device_token(space_id, device_id))
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
        limits: ByteLimits,
        now: i64,
    ) -> Result<PushOutcome, StoreError> {
        dispatch!(self.push(space_id, device_id, changes, limits, now))
    }
    async fn pull(
        &self,
        space_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
        now: i64,
    ) -> Result<PullOutcome, StoreError> {
        dispatch!(self.pull(space_id, device_id, after, limit, now))
    }
    async fn change_passphrase(
        &self,
        space_id: &str,
        kdf: &StoredKdf,
        passphrase_hash: &Hash,
        wrapped_key: &[u8],
        keep_only: Option<&str>,
    ) -> Result<Outcome, StoreError> {
        dispatch!(self.change_passphrase(space_id, kdf, passphrase_hash, wrapped_key, keep_only))
    }
    async fn delete_space(&self, space_id: &str) -> Result<Outcome, StoreError> {
        dispatch!(self.delete_space(space_id))
    }
}

/// How long after a device was last noted as seen before a pull notes it again: saves a write on every pull.
const SEEN_GRANULARITY_MS: i64 = 60_000;

/// Whether `proof` matches the space's current secret for its credential (in constant time).
fn proof_matches(secrets: &SpaceSecrets, proof: &JoinProof) -> bool {
    let expected = match proof.credential {
        Credential::Passphrase => &secrets.passphrase_hash,
        Credential::RecoveryCode => &secrets.recovery_hash,
    };
    super::secrets::same_hash(&proof.presented, expected)
}

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
