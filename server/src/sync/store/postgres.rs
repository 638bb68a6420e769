//! The shared store: PostgreSQL, for deployments where several stateless server instances share one database.
//!
//! Transactions run at PostgreSQL's default READ COMMITTED isolation. A push locks its space's row
//! (`SELECT … FOR UPDATE`) before it looks for already-stored change ids and allocates seqs, and keeps the lock
//! until it commits, so pushes to one space, from any instance, take turns: seqs are gapless and commit in order,
//! and a retried change id is always found. Pushes to different spaces do not wait for each other. A join takes the
//! same lock to check the secret and count devices, so it cannot overlap a passphrase change or another join.

use std::collections::HashMap;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, QueryBuilder};

use super::sql::{
    COUNT_DEVICES, DELETE_DEVICE, DELETE_OTHER_DEVICES, DELETE_SPACE, INSERT_CHANGES,
    INSERT_DEVICE, INSERT_SPACE, SELECT_CHANGES, SELECT_DEVICES, SELECT_NEXT_SEQ, SELECT_RECEIPTS,
    SELECT_SECRETS, SELECT_STORED_BYTES, SELECT_TOKEN_HASH, SecretsRow, TOUCH_DEVICE,
    UPDATE_PASSPHRASE, allocate_seqs, change_from_row, device_from_row, secrets_from_row,
};
use super::{
    ByteLimits, DeviceRow, DeviceToken, Hash, JoinOutcome, JoinProof, NewChange, NewDevice,
    NewSpace, Outcome, PullOutcome, PushOutcome, Receipt, SEEN_GRANULARITY_MS, SpaceSecrets,
    StoreError, StoredKdf, SyncStore, migrations, proof_matches, push_plan, to_hash,
};

/// [`allocate_seqs`] with PostgreSQL's `GREATEST`.
const ALLOCATE_SEQS: &str = allocate_seqs!("GREATEST");

/// Connections per instance. Several instances share the database's own limit (100 by default).
const MAX_CONNECTIONS: u32 = 10;
/// How long a request waits for a free connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Locks a space's row for the rest of the transaction (pushes, joins and deletes take turns per space) and reads
/// its stored bytes.
const LOCK_SPACE: &str = "SELECT bytes_used FROM spaces WHERE space_id = $1 FOR UPDATE";
/// Locks a space's row and reads its secrets: a join checks the secret current when it inserts (a passphrase
/// change, an UPDATE of this row, waits for it or is seen by it) and counts devices with no other join between.
const LOCK_SECRETS: &str = "SELECT kdf_algorithm, kdf_memory_kib, kdf_iterations, \
     kdf_parallelism, kdf_salt, passphrase_hash, wrapped_key, recovery_hash, recovery_wrapped_key \
     FROM spaces WHERE space_id = $1 FOR UPDATE";
/// Keeps a device from being removed until this transaction (a push) commits; no row if it is gone.
const SHARE_DEVICE: &str =
    "SELECT joined_at FROM devices WHERE space_id = $1 AND device_id = $2 FOR SHARE";

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://…`) and migrates the database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(PgConnectOptions::from_str(url)?, MAX_CONNECTIONS).await
    }

    /// Connects with options already parsed, with at most `max_connections`.
    pub async fn connect_with(
        options: PgConnectOptions,
        max_connections: u32,
    ) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await?;
        migrations::postgres().await?.run(&pool).await?;
        Ok(Self { pool })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl SyncStore for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_space(
        &self,
        space: &NewSpace,
        device: &NewDevice,
        now: i64,
    ) -> Result<Outcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(INSERT_SPACE)
            .bind(&space.space_id)
            .bind(&space.secrets.kdf.algorithm)
            .bind(i64::from(space.secrets.kdf.memory_kib))
            .bind(i64::from(space.secrets.kdf.iterations))
            .bind(i64::from(space.secrets.kdf.parallelism))
            .bind(&space.secrets.kdf.salt)
            .bind(&space.secrets.passphrase_hash[..])
            .bind(&space.secrets.wrapped_key)
            .bind(&space.secrets.recovery_hash[..])
            .bind(&space.secrets.recovery_wrapped_key)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if inserted == 0 {
            return Ok(Outcome::Taken);
        }
        insert_device(&mut tx, &space.space_id, device, now).await?;
        tx.commit().await?;
        Ok(Outcome::Done)
    }

    async fn space_secrets(&self, space_id: &str) -> Result<Option<SpaceSecrets>, StoreError> {
        let row: Option<SecretsRow> = sqlx::query_as(SELECT_SECRETS)
            .bind(space_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(secrets_from_row).transpose()
    }

    async fn add_device(
        &self,
        space_id: &str,
        device: &NewDevice,
        proof: &JoinProof,
        max_devices: u32,
        now: i64,
    ) -> Result<JoinOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<SecretsRow> = sqlx::query_as(LOCK_SECRETS)
            .bind(space_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(secrets) = row.map(secrets_from_row).transpose()? else {
            return Ok(JoinOutcome::Missing);
        };
        if !proof_matches(&secrets, proof) {
            return Ok(JoinOutcome::Unauthorized);
        }
        let count: i64 = sqlx::query_scalar(COUNT_DEVICES)
            .bind(space_id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= i64::from(max_devices) {
            return Ok(JoinOutcome::TooManyDevices);
        }
        insert_device(&mut tx, space_id, device, now).await?;
        tx.commit().await?;
        Ok(JoinOutcome::Joined(secrets))
    }

    async fn device_token(
        &self,
        space_id: &str,
        device_id: &str,
    ) -> Result<Option<DeviceToken>, StoreError> {
        let row: Option<(Vec<u8>, i64)> = sqlx::query_as(SELECT_TOKEN_HASH)
            .bind(space_id)
            .bind(device_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|(hash, last_seen_at)| {
            Ok(DeviceToken {
                hash: to_hash(hash)?,
                last_seen_at,
            })
        })
        .transpose()
    }

    async fn devices(&self, space_id: &str) -> Result<Vec<DeviceRow>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(SELECT_DEVICES)
            .bind(space_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(device_from_row).collect())
    }

    async fn remove_device(&self, space_id: &str, device_id: &str) -> Result<Outcome, StoreError> {
        let removed = sqlx::query(DELETE_DEVICE)
            .bind(space_id)
            .bind(device_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(if removed == 0 {
            Outcome::Missing
        } else {
            Outcome::Done
        })
    }

    async fn push(
        &self,
        space_id: &str,
        device_id: &str,
        changes: &[NewChange],
        limits: ByteLimits,
        now: i64,
    ) -> Result<PushOutcome, StoreError> {
        // The space's row lock, held to commit: seqs are allocated and committed with no other push to this space
        // in between, and a concurrent retry of the same change ids waits and then finds them.
        let mut tx = self.pool.begin().await?;
        let bytes_used: Option<i64> = sqlx::query_scalar(LOCK_SPACE)
            .bind(space_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(bytes_used) = bytes_used else {
            return Ok(PushOutcome::Gone);
        };
        // A device removed since its token was checked pushes nothing (and cannot be removed until this commits).
        let device: Option<i64> = sqlx::query_scalar(SHARE_DEVICE)
            .bind(space_id)
            .bind(device_id)
            .fetch_optional(&mut *tx)
            .await?;
        if device.is_none() {
            return Ok(PushOutcome::Gone);
        }

        let stored = if changes.is_empty() {
            HashMap::new()
        } else {
            let mut query = QueryBuilder::<Postgres>::new(SELECT_RECEIPTS);
            query.push_bind(space_id).push(" AND change_id IN (");
            let mut ids = query.separated(", ");
            for change in changes {
                ids.push_bind(change.id.as_str());
            }
            query.push(")");
            let rows: Vec<(String, i64, i64)> = query.build_query_as().fetch_all(&mut *tx).await?;
            rows.into_iter()
                .map(|(id, seq, received_at)| (id, Receipt { seq, received_at }))
                .collect()
        };

        let new = push_plan::new_changes(changes, &stored);
        let mut first_seq = 0;
        let mut received_at = now;
        if !new.is_empty() {
            // Concurrent pushes to other spaces are not serialised with this one, so the store's cap may be
            // passed by what they add at the same time (each push is at most MAX_PUSH_BODY_BYTES).
            let stored = match limits.stored {
                Some(_) => Some(
                    sqlx::query_scalar::<_, i64>(SELECT_STORED_BYTES)
                        .fetch_one(&mut *tx)
                        .await?,
                ),
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
            let (after, at): (i64, i64) = sqlx::query_as(ALLOCATE_SEQS)
                .bind(space_id)
                .bind(count)
                .bind(now)
                .bind(bytes)
                .fetch_one(&mut *tx)
                .await?;
            first_seq = after - count;
            received_at = at;
            let mut insert = QueryBuilder::<Postgres>::new(INSERT_CHANGES);
            insert.push_values((first_seq..).zip(&new), |mut row, (seq, change)| {
                row.push_bind(space_id)
                    .push_bind(seq)
                    .push_bind(change.id.as_str())
                    .push_bind(device_id)
                    .push_bind(received_at)
                    .push_bind(change.ciphertext.as_slice());
            });
            insert.build().execute(&mut *tx).await?;
        }
        sqlx::query(TOUCH_DEVICE)
            .bind(space_id)
            .bind(device_id)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(PushOutcome::Stored(push_plan::receipts(
            changes,
            stored,
            &new,
            first_seq,
            received_at,
        )))
    }

    async fn pull(
        &self,
        space_id: &str,
        device_id: &str,
        after: i64,
        limit: u32,
        now: i64,
    ) -> Result<PullOutcome, StoreError> {
        // next_seq only grows, so reading it before the changes cannot call a cursor ahead that is not.
        let next: Option<i64> = sqlx::query_scalar(SELECT_NEXT_SEQ)
            .bind(space_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(next) = next else {
            return Ok(PullOutcome::Gone);
        };
        if after >= next {
            return Ok(PullOutcome::CursorAhead);
        }
        let mut rows: Vec<(String, i64, i64, String, Vec<u8>)> = sqlx::query_as(SELECT_CHANGES)
            .bind(space_id)
            .bind(after)
            .bind(i64::from(limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        // Only a write when the last note is older than a minute, so most pulls only read.
        sqlx::query(TOUCH_DEVICE)
            .bind(space_id)
            .bind(device_id)
            .bind(now)
            .bind(now - SEEN_GRANULARITY_MS)
            .execute(&self.pool)
            .await?;
        Ok(PullOutcome::Changes(
            rows.into_iter().map(change_from_row).collect(),
            more,
        ))
    }

    async fn change_passphrase(
        &self,
        space_id: &str,
        kdf: &StoredKdf,
        passphrase_hash: &Hash,
        wrapped_key: &[u8],
        keep_only: Option<&str>,
    ) -> Result<Outcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(UPDATE_PASSPHRASE)
            .bind(space_id)
            .bind(&kdf.algorithm)
            .bind(i64::from(kdf.memory_kib))
            .bind(i64::from(kdf.iterations))
            .bind(i64::from(kdf.parallelism))
            .bind(&kdf.salt)
            .bind(&passphrase_hash[..])
            .bind(wrapped_key)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed == 0 {
            return Ok(Outcome::Missing);
        }
        if let Some(keep) = keep_only {
            sqlx::query(DELETE_OTHER_DEVICES)
                .bind(space_id)
                .bind(keep)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Outcome::Done)
    }

    async fn delete_space(&self, space_id: &str) -> Result<Outcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Waits for a push in progress, so no change is inserted after its space's rows are gone.
        sqlx::query(LOCK_SPACE)
            .bind(space_id)
            .execute(&mut *tx)
            .await?;
        let [changes, devices, space] = DELETE_SPACE;
        for statement in [changes, devices] {
            sqlx::query(statement)
                .bind(space_id)
                .execute(&mut *tx)
                .await?;
        }
        let deleted = sqlx::query(space)
            .bind(space_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(if deleted == 0 {
            Outcome::Missing
        } else {
            Outcome::Done
        })
    }
}

async fn insert_device(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    space_id: &str,
    device: &NewDevice,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(INSERT_DEVICE)
        .bind(space_id)
        .bind(&device.device_id)
        .bind(&device.token_hash[..])
        .bind(&device.name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
