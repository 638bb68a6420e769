-- The sync store (PostgreSQL). Mirrors ../sqlite/0001_sync.sql; only the column types differ.
-- Times are milliseconds since the Unix epoch; ids are 32 lowercase hex characters.

-- One row per space: the key-derivation parameters, SHA-256 hashes of the two auth secrets, the two wrapped data
-- keys, and the sequence number the next pushed change gets (allocated under this row's lock).
CREATE TABLE spaces (
    space_id TEXT PRIMARY KEY NOT NULL,
    kdf_algorithm TEXT NOT NULL,
    kdf_memory_kib BIGINT NOT NULL,
    kdf_iterations BIGINT NOT NULL,
    kdf_parallelism BIGINT NOT NULL,
    kdf_salt BYTEA NOT NULL,
    passphrase_hash BYTEA NOT NULL,
    wrapped_key BYTEA NOT NULL,
    recovery_hash BYTEA NOT NULL,
    recovery_wrapped_key BYTEA NOT NULL,
    next_seq BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL
);

-- A device of a space, with the SHA-256 hash of its token's secret. Removing a device deletes its row.
CREATE TABLE devices (
    space_id TEXT NOT NULL REFERENCES spaces (space_id) ON DELETE CASCADE,
    device_id TEXT NOT NULL,
    token_hash BYTEA NOT NULL,
    name TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (space_id, device_id)
);

-- Every change of a space, in seq order. (space_id, change_id) is unique so a retried push stores nothing twice.
CREATE TABLE changes (
    space_id TEXT NOT NULL REFERENCES spaces (space_id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    change_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    ciphertext BYTEA NOT NULL,
    PRIMARY KEY (space_id, seq),
    UNIQUE (space_id, change_id)
);
