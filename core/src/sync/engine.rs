//! The device's side of sync, over a [`KeyValueStore`]: membership, clock, outbox, field stamps, cursor and the
//! changes this version cannot apply yet.
//!
//! Storage keys (all under `waymark.sync.`, never `waymark.rec.`, so backups and record loading ignore them):
//!
//! | Key                                   | Holds                                                            |
//! |---------------------------------------|------------------------------------------------------------------|
//! | `waymark.sync.membership`             | [`Membership`] (JSON)                                            |
//! | `waymark.sync.clock`                  | [`HybridClock`] (JSON)                                           |
//! | `waymark.sync.out.<change id>`        | a [`Change`] waiting to be pushed (JSON)                         |
//! | `waymark.sync.fields.<kind>.<id>`     | the record's [`FieldStamps`] (JSON)                              |
//! | `waymark.sync.held.<change id>`       | a pulled [`Change`] from a newer version of Waymark, kept to apply after an update |
//! | `waymark.sync.quarantine.<change id>` | a pulled change that could not be decrypted or read (its ciphertext, verbatim) |
//!
//! Records themselves are read and written as the [`Repository`](crate::Repository) stores them, through the kinds
//! registry, so an applied change is visible to every tab like any other save.

use super::change::Change;
use super::clock::HybridClock;
use super::merge::FieldStamps;
use super::protocol::{Accepted, Id};
use crate::record::{Record, Timestamp};
use crate::schema::RecordKind;
use crate::store::{KeyValueStore, StoreError};
use serde::{Deserialize, Serialize};

/// This device's place in a sync space, kept until it leaves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub space_id: Id,
    pub device_id: Id,
    pub device_name: String,
    /// The bearer token the server issued to this device.
    pub token: String,
    /// The 32-byte data key, base64. (It sits beside the plaintext records it protects on the server; whoever can
    /// read this device's storage can read the records anyway.)
    pub data_key: String,
    /// Pull from after this server sequence number.
    pub cursor: u64,
    /// Server time minus this device's time, from the last answer (ms).
    pub clock_offset_ms: i64,
    /// When the last full sync (push and pull to the end) finished, by this device's clock.
    pub last_synced: Option<Timestamp>,
}

/// A pulled, decrypted change with the server's receipt.
#[derive(Clone, Debug, PartialEq)]
pub struct Pulled {
    pub change: Change,
    pub seq: u64,
    pub received_at: Timestamp,
}

/// What applying a page of pulled changes did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The storage keys of records that changed (the app reloads these).
    pub changed_keys: Vec<String>,
    /// Changes kept to apply after an update (from a newer version, or of a kind this version does not know).
    pub held: usize,
}

pub struct SyncEngine<S> {
    store: S,
}

impl<S: KeyValueStore> SyncEngine<S> {
    pub fn new(store: S) -> Self {
        SyncEngine { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// This device's membership, if sync is on.
    pub fn membership(&self) -> Result<Option<Membership>, StoreError> {
        todo!()
    }

    /// Starts syncing: stores the membership and the clock, then queues every record (see [`Self::queue_unsynced`]).
    pub fn join(&self, membership: Membership, now: Timestamp) -> Result<(), StoreError> {
        todo!("{membership:?} {now:?}")
    }

    /// Stops syncing on this device: removes every `waymark.sync.` key. Records stay as they are.
    pub fn leave(&self) -> Result<(), StoreError> {
        todo!()
    }

    /// Saves the membership after a sync (cursor, clock offset, last synced).
    pub fn update_membership(
        &self,
        change: impl FnOnce(&mut Membership),
    ) -> Result<(), StoreError> {
        todo!()
    }

    /// After a local save: queues a change with the fields that differ between `before` and `after`, stamped now by
    /// this device's clock (`local_now` corrected by the membership's clock offset), and records their stamps.
    /// Does nothing when sync is off or nothing differs.
    pub fn record_local_save<K: RecordKind>(
        &self,
        before: Option<&Record<K>>,
        after: &Record<K>,
        local_now: Timestamp,
    ) -> Result<(), StoreError> {
        todo!("{:?} {local_now:?}", before.is_some() && after.deleted)
    }

    /// Queues a whole-record change for every stored record that this device has not queued or received since it was
    /// last written (records imported from a backup, and every record when sync is first turned on). Each is stamped
    /// with the record's own `updated` time, so joining a space merges by when things were really changed.
    /// Returns how many were queued.
    pub fn queue_unsynced(&self, local_now: Timestamp) -> Result<usize, StoreError> {
        todo!("{local_now:?}")
    }

    /// The changes waiting to be pushed, oldest first.
    pub fn outbox(&self) -> Result<Vec<Change>, StoreError> {
        todo!()
    }

    /// How many changes wait to be pushed (cheap: counts keys).
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        todo!()
    }

    /// Removes pushed changes from the outbox and records their receipts in the field stamps they set.
    pub fn mark_pushed(&self, accepted: &[Accepted]) -> Result<(), StoreError> {
        todo!("{accepted:?}")
    }

    /// Applies a page of pulled changes in order, observes their stamps with the clock, and moves the cursor past
    /// them. A change from a newer version of Waymark, or of an unknown kind, is held (and re-applied by
    /// [`Self::retry_held`]). A local record that cannot be read is moved aside first, as the repository does.
    pub fn apply_pulled(
        &self,
        pulled: Vec<Pulled>,
        local_now: Timestamp,
    ) -> Result<Applied, StoreError> {
        todo!("{} {local_now:?}", pulled.len())
    }

    /// Keeps a pulled change that could not be decrypted or read, and moves the cursor past it.
    pub fn quarantine(&self, id: &Id, seq: u64, ciphertext: &str) -> Result<(), StoreError> {
        todo!("{id} {seq} {ciphertext}")
    }

    /// How many pulled changes are quarantined.
    pub fn quarantined(&self) -> Result<usize, StoreError> {
        todo!()
    }

    /// Applies held changes this version can now read (after an update). Returns what changed.
    pub fn retry_held(&self, local_now: Timestamp) -> Result<Applied, StoreError> {
        todo!("{local_now:?}")
    }

    /// The stamps of one record's fields (empty if it has none).
    pub fn field_stamps(
        &self,
        kind: &str,
        id: &crate::RecordId,
    ) -> Result<FieldStamps, StoreError> {
        todo!("{kind} {id:?}")
    }

    fn clock(&self) -> Result<Option<HybridClock>, StoreError> {
        todo!()
    }
}
