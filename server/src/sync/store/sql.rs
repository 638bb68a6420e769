//! The SQL both backends share (`$n` parameters work in both: SQLite treats them as names, and the SQLite store
//! binds each by its name), and turning its rows into the store's types.

use super::{DeviceRow, SpaceSecrets, StoreError, StoredChange, StoredKdf, to_hash, to_u32};

pub const INSERT_SPACE: &str = "INSERT INTO spaces (space_id, kdf_algorithm, kdf_memory_kib, \
     kdf_iterations, kdf_parallelism, kdf_salt, passphrase_hash, wrapped_key, recovery_hash, recovery_wrapped_key, \
     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (space_id) DO NOTHING";
/// Whether a space exists (its `next_seq`, a BIGINT in both backends, unlike a literal `1`).
pub const SELECT_NEXT_SEQ: &str = "SELECT next_seq FROM spaces WHERE space_id = $1";
pub const SELECT_TOKEN_HASH: &str =
    "SELECT token_hash, last_seen_at FROM devices WHERE space_id = $1 AND device_id = $2";
pub const DELETE_DEVICE: &str = "DELETE FROM devices WHERE space_id = $1 AND device_id = $2";
/// A space's rows, children first (not left to `ON DELETE CASCADE`, which SQLite only honours with foreign keys
/// switched on).
pub const DELETE_SPACE: [&str; 3] = [
    "DELETE FROM changes WHERE space_id = $1",
    "DELETE FROM devices WHERE space_id = $1",
    "DELETE FROM spaces WHERE space_id = $1",
];
/// The start of the query for receipts of change ids a push carries (`IN (…)` is appended).
pub const SELECT_RECEIPTS: &str =
    "SELECT change_id, seq, received_at FROM changes WHERE space_id = ";
/// The receipt of one change id of space `$1` (SQLite looks them up one by one, a cached statement each time).
pub const SELECT_RECEIPT: &str =
    "SELECT seq, received_at FROM changes WHERE space_id = $1 AND change_id = $2";
/// A space's stored bytes (for its quota).
pub const SELECT_BYTES_USED: &str = "SELECT bytes_used FROM spaces WHERE space_id = $1";
/// The ciphertext bytes of every space together (for the store's cap).
pub const SELECT_STORED_BYTES: &str =
    "SELECT CAST(COALESCE(SUM(bytes_used), 0) AS BIGINT) FROM spaces";
/// Whether a device exists (its `joined_at`, a BIGINT in both backends).
pub const SELECT_DEVICE: &str =
    "SELECT joined_at FROM devices WHERE space_id = $1 AND device_id = $2";
pub const COUNT_DEVICES: &str = "SELECT COUNT(*) FROM devices WHERE space_id = $1";
/// Signs out every device of space `$1` but `$2`.
pub const DELETE_OTHER_DEVICES: &str =
    "DELETE FROM devices WHERE space_id = $1 AND device_id <> $2";
/// Moves a space's `next_seq` past `$2` new changes, its `last_received_at` up to at least `$3` and its
/// `bytes_used` up by `$4`; returns the new `next_seq` (the first new seq is that minus `$2`) and the
/// `received_at` the new changes get. `{max}` is the backend's two-argument maximum (`GREATEST` or `MAX`).
macro_rules! allocate_seqs {
    ($max:literal) => {
        concat!(
            "UPDATE spaces SET next_seq = next_seq + $2, last_received_at = ",
            $max,
            "(last_received_at, $3), bytes_used = bytes_used + $4 WHERE space_id = $1 \
             RETURNING next_seq, last_received_at"
        )
    };
}
pub(super) use allocate_seqs;
/// The start of a multi-row insert (`VALUES …` is appended).
pub const INSERT_CHANGES: &str =
    "INSERT INTO changes (space_id, seq, change_id, device_id, received_at, ciphertext) ";
/// One change (SQLite inserts them one by one, a cached statement each time).
pub const INSERT_CHANGE: &str = "INSERT INTO changes (space_id, seq, change_id, device_id, \
     received_at, ciphertext) VALUES ($1, $2, $3, $4, $5, $6)";
pub const INSERT_DEVICE: &str = "INSERT INTO devices \
     (space_id, device_id, token_hash, name, joined_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5)";
/// Notes that a device was seen at `$3` if it was last seen before `$4`.
pub const TOUCH_DEVICE: &str = "UPDATE devices SET last_seen_at = $3 \
     WHERE space_id = $1 AND device_id = $2 AND last_seen_at < $4";
/// When a device was last noted as seen (SQLite's pulls read it, and write only when it is old).
pub const SELECT_LAST_SEEN: &str =
    "SELECT last_seen_at FROM devices WHERE space_id = $1 AND device_id = $2";
pub const SELECT_SECRETS: &str = "SELECT kdf_algorithm, kdf_memory_kib, kdf_iterations, \
     kdf_parallelism, kdf_salt, passphrase_hash, wrapped_key, recovery_hash, recovery_wrapped_key \
     FROM spaces WHERE space_id = $1";
pub const SELECT_DEVICES: &str = "SELECT device_id, name, joined_at, last_seen_at FROM devices \
     WHERE space_id = $1 ORDER BY joined_at, device_id";
pub const SELECT_CHANGES: &str = "SELECT change_id, seq, received_at, device_id, ciphertext \
     FROM changes WHERE space_id = $1 AND seq > $2 ORDER BY seq LIMIT $3";
pub const UPDATE_PASSPHRASE: &str = "UPDATE spaces SET kdf_algorithm = $2, kdf_memory_kib = $3, \
     kdf_iterations = $4, kdf_parallelism = $5, kdf_salt = $6, passphrase_hash = $7, wrapped_key = $8 \
     WHERE space_id = $1";

/// A row of [`SELECT_SECRETS`].
pub type SecretsRow = (
    String,
    i64,
    i64,
    i64,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
    Vec<u8>,
);

pub fn secrets_from_row(row: SecretsRow) -> Result<SpaceSecrets, StoreError> {
    let (
        algorithm,
        memory_kib,
        iterations,
        parallelism,
        salt,
        passphrase,
        wrapped,
        recovery,
        recovery_wrapped,
    ) = row;
    Ok(SpaceSecrets {
        kdf: StoredKdf {
            algorithm,
            memory_kib: to_u32(memory_kib)?,
            iterations: to_u32(iterations)?,
            parallelism: to_u32(parallelism)?,
            salt,
        },
        passphrase_hash: to_hash(passphrase)?,
        wrapped_key: wrapped,
        recovery_hash: to_hash(recovery)?,
        recovery_wrapped_key: recovery_wrapped,
    })
}

pub fn device_from_row(
    (device_id, name, joined_at, last_seen_at): (String, String, i64, i64),
) -> DeviceRow {
    DeviceRow {
        device_id,
        name,
        joined_at,
        last_seen_at,
    }
}

pub fn change_from_row(
    (id, seq, received_at, device_id, ciphertext): (String, i64, i64, String, Vec<u8>),
) -> StoredChange {
    StoredChange {
        id,
        seq,
        received_at,
        device_id,
        ciphertext,
    }
}
