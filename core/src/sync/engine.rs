//! The device's side of sync, over a [`KeyValueStore`]: membership, clock, outbox, field stamps, cursor and the
//! changes this version cannot apply yet.
//!
//! Storage keys (all under `waymark.sync.`, never `waymark.rec.`, so backups and record loading ignore them):
//!
//! | Key                                   | Holds                                                            |
//! |---------------------------------------|------------------------------------------------------------------|
//! | `waymark.sync.membership`             | [`Membership`] (JSON)                                            |
//! | `waymark.sync.clock`                  | [`HybridClock`] (JSON)                                           |
//! | `waymark.sync.out.<change id>`        | a [`Change`] waiting to be pushed, with its place in the queue (JSON) |
//! | `waymark.sync.out_seq`                | the place in the queue the last queued change took               |
//! | `waymark.sync.fields.<kind>.<id>`     | the record as sync last wrote or queued it, and its [`FieldStamps`] (JSON) |
//! | `waymark.sync.left`                   | the space this device last left (its id), so joining it again keeps what sync knows |
//! | `waymark.sync.held.<change id>`       | a pulled [`Change`] from a newer version of Waymark, kept to apply after an update |
//! | `waymark.sync.quarantine.<change id>` | a pulled change that could not be decrypted or read (its ciphertext, verbatim) |
//! | `waymark.sync.requeue`                | set when a save or import could not be queued; [`SyncEngine::catch_up`] queues it |
//! | `waymark.sync.too_big.<kind>.<id>`    | this device's change to that record that was too big to send, and whether the person chose to keep it on this device only (see [`SyncEngine::set_aside_too_big`]) |
//!
//! A change too big to send leaves the outbox and is kept aside, one per record: the record itself is saved as
//! usual, and the record's next change (once it is made smaller) also sets every field the kept one set, so what it
//! changed reaches the other devices then; until then [`SyncEngine::too_big`] lists it for the person.
//!
//! Records themselves are read and written as the [`Repository`](crate::Repository) stores them, through the kinds
//! registry, so an applied change is visible to every tab like any other save.
//!
//! Each change is stamped by this device's [`HybridClock`]; a local change is also stamped later than every change
//! the record's fields already hold, and never earlier than the record's own `updated` time, so an edit always wins
//! here over what the person saw when they made it.
//!
//! Field stamps describe the values of the record as sync last wrote or queued it, which is kept beside them. A
//! record that differs from it was written outside sync (imported from a backup, edited while sync was off, or
//! saved when sync's own bookkeeping failed): only the fields that differ are queued, and the other fields keep
//! their stamps, so nothing this device merely received is ever sent again as its own.
//!
//! Leaving keeps the field stamps and the outbox: joining the same space again carries on from them (and pulls
//! everything again from the start). Joining a different space starts afresh, with every record queued whole.
//!
//! The app feeds pulled changes to [`SyncEngine::apply_pulled`] in server order, page by page, as
//! [`Incoming`] items: `Incoming::Change(Pulled { change, seq, received_at })` for a change it decrypted and read,
//! `Incoming::Unreadable { id, seq, ciphertext }` for one it could not (kept verbatim in quarantine). Both move
//! the cursor, in order, and only once handled; a storage failure stops the page there.

use super::change::{Change, changed_fields, field_names, field_value, is_field_name};
use super::clock::{HybridClock, Stamp};
use super::merge::{self, Contender, FieldStamps, effective};
use super::protocol::{Accepted, Id, id_from_random_bytes};
use crate::kinds::{self, Stored};
use crate::record::{Record, RecordId, Timestamp};
use crate::repository::{RECORD_PREFIX, kind_of_key, record_key};
use crate::schema::{DecodeError, RecordKind};
use crate::store::{KeyValueStore, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

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

/// One item of a pulled page, as the app hands it to [`SyncEngine::apply_pulled`].
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// A change the app decrypted and read.
    Change(Pulled),
    /// A change that could not be decrypted or read: kept verbatim (its ciphertext) in quarantine.
    Unreadable {
        id: Id,
        seq: u64,
        ciphertext: String,
    },
}

impl Incoming {
    /// The server sequence number.
    pub fn seq(&self) -> u64 {
        match self {
            Incoming::Change(pulled) => pulled.seq,
            Incoming::Unreadable { seq, .. } => *seq,
        }
    }
}

impl From<Pulled> for Incoming {
    fn from(pulled: Pulled) -> Self {
        Incoming::Change(pulled)
    }
}

/// How many of sync's entries of each sort storage holds (see [`SyncEngine::counts`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Changes waiting to be pushed.
    pub waiting: usize,
    /// Pulled changes held for a newer version.
    pub held: usize,
    /// Pulled changes that could not be read.
    pub quarantined: usize,
    /// This device's changes set aside as too big to send (also those kept on this device only).
    pub too_big: usize,
}

/// What applying a page of pulled changes did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// The storage keys of records that changed (the app reloads these).
    pub changed_keys: Vec<String>,
    /// Changes kept to apply after an update (from a newer version, or of a kind this version does not know).
    pub held: usize,
}

const PREFIX: &str = "waymark.sync.";
const MEMBERSHIP_KEY: &str = "waymark.sync.membership";
const CLOCK_KEY: &str = "waymark.sync.clock";
const OUT_PREFIX: &str = "waymark.sync.out.";
const OUT_SEQ_KEY: &str = "waymark.sync.out_seq";
const FIELDS_PREFIX: &str = "waymark.sync.fields.";
const HELD_PREFIX: &str = "waymark.sync.held.";
const QUARANTINE_PREFIX: &str = "waymark.sync.quarantine.";
const LEFT_KEY: &str = "waymark.sync.left";
/// Set when a save or import could not be queued (storage full): [`SyncEngine::catch_up`] queues what was missed.
const CATCH_UP_KEY: &str = "waymark.sync.requeue";
const TOO_BIG_PREFIX: &str = "waymark.sync.too_big.";

/// What sync keeps for one record: the record as sync last wrote or queued it, and its field stamps (which describe
/// that record's values).
#[derive(Default, Serialize, Deserialize)]
struct RecordSync {
    /// `None`: sync has not written or queued this record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    synced: Option<Value>,
    /// The schema version `synced` is written in (migrated to the current one before it is compared).
    #[serde(default)]
    version: u32,
    #[serde(default)]
    fields: FieldStamps,
}

/// An outbox entry: the change and its place in the queue (so the order is kept whatever order keys come in).
#[derive(Serialize, Deserialize)]
struct Queued {
    seq: u64,
    change: Change,
}

/// A change too big to send, kept aside for its record (see [`SyncEngine::set_aside_too_big`]).
#[derive(Serialize, Deserialize)]
struct TooBig {
    change: Change,
    /// The person chose to keep it on this device only: it is no longer listed (its record's next change still
    /// carries it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    kept_here: bool,
}

/// A held entry: a pulled change with what is needed to apply it later.
#[derive(Serialize, Deserialize)]
struct Held {
    change: Change,
    seq: u64,
    received_at: Timestamp,
}

/// What applying one change did.
enum Outcome {
    /// Nothing new.
    Unchanged,
    /// The record under this key was written (and maybe its stamps).
    Written(String),
    /// Only the record's field stamps changed.
    Stamped,
    /// Not applied: kept to apply later.
    Held,
    /// Not applied, ever: the change itself cannot be read as its kind.
    Quarantined,
}

/// The device's side of sync. Every method reads and writes storage directly, so several engines (tabs) over the
/// same storage see each other's work.
pub struct SyncEngine<S> {
    store: S,
    random: RefCell<Box<dyn FnMut() -> [u8; 16]>>,
}

impl<S: fmt::Debug> fmt::Debug for SyncEngine<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncEngine")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl<S: KeyValueStore> SyncEngine<S> {
    /// An engine over `store`. `random` returns 16 bytes from a secure source each call (for change ids): the core
    /// has no random number generator of its own.
    pub fn new(store: S, random: impl FnMut() -> [u8; 16] + 'static) -> Self {
        SyncEngine {
            store,
            random: RefCell::new(Box::new(random)),
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// This device's membership, if sync is on.
    pub fn membership(&self) -> Result<Option<Membership>, StoreError> {
        match self.store.get(MEMBERSHIP_KEY)? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StoreError::Failed(format!("sync settings cannot be read: {e}"))),
        }
    }

    /// Starts syncing: stores the membership and the clock, then queues what sync does not know yet (see
    /// [`Self::queue_unsynced`]).
    ///
    /// Joining the space this device last left (or is in) keeps the field stamps and the outbox, so only records
    /// written outside sync since are queued, with only the fields that changed. Joining any other space removes them
    /// first (nothing there knows these records), so every record is queued whole. The clock carries on from its
    /// last stamp either way, even under a new device id.
    pub fn join(&self, membership: Membership, now: Timestamp) -> Result<(), StoreError> {
        let last = self.clock()?.and_then(|clock| clock.last);
        self.leave()?;
        if self.read_json::<Id>(LEFT_KEY)?.as_ref() != Some(&membership.space_id) {
            for key in self.keys_under(PREFIX)? {
                self.store.remove(&key)?;
            }
        }
        let mut clock = HybridClock::new(membership.device_id.clone());
        clock.last = last;
        self.write_json(CLOCK_KEY, &clock)?;
        self.write_json(MEMBERSHIP_KEY, &membership)?;
        self.queue_unsynced(now)?;
        Ok(())
    }

    /// Stops syncing on this device: removes the membership (and the cursor with it) and the changes held or
    /// quarantined (joining again pulls everything again). Keeps the field stamps, the outbox and the clock, and
    /// remembers which space it left, for joining it again (see [`Self::join`]). Records stay as they are.
    pub fn leave(&self) -> Result<(), StoreError> {
        if let Some(membership) = self.membership()? {
            self.write_json(LEFT_KEY, &membership.space_id)?;
        }
        self.store.remove(MEMBERSHIP_KEY)?;
        for prefix in [HELD_PREFIX, QUARANTINE_PREFIX] {
            for key in self.keys_under(prefix)? {
                self.store.remove(&key)?;
            }
        }
        Ok(())
    }

    /// Forgets sync entirely on this device: every `waymark.sync.` key goes (membership, clock, outbox, field stamps
    /// and the copies of records they keep). For when the space no longer exists (its data was deleted from the
    /// server), so there is nothing to join again. Records stay as they are.
    pub fn forget(&self) -> Result<(), StoreError> {
        for key in self.keys_under(PREFIX)? {
            self.store.remove(&key)?;
        }
        Ok(())
    }

    /// Saves the membership after a sync (cursor, clock offset, last synced). Does nothing when sync is off.
    pub fn update_membership(
        &self,
        change: impl FnOnce(&mut Membership),
    ) -> Result<(), StoreError> {
        if let Some(mut membership) = self.membership()? {
            change(&mut membership);
            self.write_json(MEMBERSHIP_KEY, &membership)?;
        }
        Ok(())
    }

    /// After a local save: queues a change with the fields of `after` that differ from the record as sync last wrote
    /// or queued it, stamped now by this device's clock (`local_now` corrected by the membership's clock offset), and
    /// records their stamps. Does nothing when sync is off or nothing differs.
    ///
    /// The stamp is also later than every change the record's fields hold, and not earlier than `after.updated`.
    /// The record the edit started from is not needed: comparing with what sync last saw also catches anything
    /// written outside sync since (see [`Self::queue_unsynced`]). A record sync has never seen is queued whole.
    /// When queuing fails (storage full), that is remembered, and [`Self::catch_up`] queues it later.
    pub fn record_local_save<K: RecordKind>(
        &self,
        after: &Record<K>,
        local_now: Timestamp,
    ) -> Result<(), StoreError> {
        let queued = self.queue_local_save(after, local_now);
        self.remember_if_missed(&queued);
        queued
    }

    fn queue_local_save<K: RecordKind>(
        &self,
        after: &Record<K>,
        local_now: Timestamp,
    ) -> Result<(), StoreError> {
        let Some(membership) = self.membership()? else {
            return Ok(());
        };
        let after_value = to_value(after)?;
        let sync = self.read_sync(K::KIND, &after.id)?;
        let (held, stamps, mut fields) = known_and_changed(sync, &after_value);
        if fields.is_empty() {
            return Ok(());
        }
        let too_big = self.take_in_too_big(K::KIND, &after.id, &mut fields)?;
        let mut clock = self.load_clock(&membership)?;
        let mut stamp = clock.tick(physical_now(&membership, local_now));
        if stamp.wall < after.updated {
            stamp.wall = after.updated;
            stamp.counter = 0;
        }
        let change = Change {
            id: self.new_id(),
            kind: K::KIND.to_owned(),
            record_id: after.id.clone(),
            version: K::VERSION,
            stamp: later_than_held(stamp, &stamps),
            fields,
            record: after_value,
        };
        self.queue_own(&change, &held, &stamps)?;
        self.forget_too_big(too_big)?;
        // Moved later than the tick for this record: the clock follows, unless that is far ahead.
        clock.observe(&change.stamp, physical_now(&membership, local_now));
        self.write_json(CLOCK_KEY, &clock)
    }

    /// Queues a change for every stored record written outside sync: one that differs from the record as sync last
    /// wrote or queued it (records imported from a backup or edited while sync was off, a save whose sync
    /// bookkeeping failed, and every record when sync is first turned on). Only the fields that differ are queued
    /// (every field of a record sync has never seen), stamped with the record's own `updated` time (moved later if
    /// needed, as a local change is, to win over what the fields hold), so joining a space merges by when things
    /// were really changed. Returns how many were queued.
    ///
    /// The clock observes each stamp (unless it is far ahead), and a later local edit of the record is stamped after
    /// it in any case (see [`Self::record_local_save`]). Unreadable records are moved aside as the repository does;
    /// records from a newer version are left alone, unqueued.
    pub fn queue_unsynced(&self, local_now: Timestamp) -> Result<usize, StoreError> {
        let queued = self.queue_every_unsynced(local_now);
        self.remember_if_missed(&queued);
        queued
    }

    /// Queues what a save or import could not queue earlier (see [`Self::record_local_save`]), if anything was
    /// missed; the app calls it before each sync. Returns how many records were queued.
    pub fn catch_up(&self, local_now: Timestamp) -> Result<usize, StoreError> {
        if self.store.get(CATCH_UP_KEY)?.is_none() {
            return Ok(0);
        }
        let queued = self.queue_unsynced(local_now)?;
        self.store.remove(CATCH_UP_KEY)?;
        Ok(queued)
    }

    /// Notes a failure to queue, so [`Self::catch_up`] tries again (a small key may fit where a change did not).
    /// Storage that cannot be used at all has nothing to catch up with.
    fn remember_if_missed<T>(&self, result: &Result<T, StoreError>) {
        if matches!(result, Err(error) if *error != StoreError::Unavailable) {
            let _ = self.store.set(CATCH_UP_KEY, "1");
        }
    }

    fn queue_every_unsynced(&self, local_now: Timestamp) -> Result<usize, StoreError> {
        let Some(membership) = self.membership()? else {
            return Ok(0);
        };
        let mut clock = self.load_clock(&membership)?;
        let physical = physical_now(&membership, local_now);
        let mut keys: Vec<String> = self
            .store
            .keys_with_prefix(RECORD_PREFIX)?
            .into_iter()
            .filter(|key| kind_of_key(key).is_some())
            .collect();
        keys.sort_unstable();
        let mut queued = 0;
        let mut failure = None;
        for key in keys {
            let Some((kind, id)) = kind_and_id_of_key(&key) else {
                continue;
            };
            let result = kind
                .read_stored(&self.store, &key, local_now)
                .and_then(|stored| match stored {
                    Stored::Current(text) => {
                        self.queue_written_outside(&clock.device, kind, &id, record_of(&text)?)
                    }
                    _ => Ok(None),
                });
            match result {
                Ok(Some(stamp)) => {
                    clock.observe(&stamp, physical);
                    queued += 1;
                }
                Ok(None) => {}
                Err(error) => {
                    failure = Some(error);
                    break;
                }
            }
        }
        let saved = self.write_json(CLOCK_KEY, &clock);
        match failure {
            Some(error) => Err(error),
            None => saved.map(|()| queued),
        }
    }

    /// Queues what `record` (as stored) changed since sync last wrote or queued it, if anything: see
    /// [`Self::queue_unsynced`]. Returns the change's stamp.
    fn queue_written_outside(
        &self,
        device: &str,
        kind: &'static kinds::Kind,
        id: &RecordId,
        record: Value,
    ) -> Result<Option<Stamp>, StoreError> {
        let sync = self.read_sync(kind.kind, id)?;
        if sync.synced.as_ref() == Some(&record) {
            return Ok(None);
        }
        let Some(updated) = record.get("updated").and_then(Value::as_i64).map(Timestamp) else {
            return Ok(None);
        };
        let (held, stamps, mut fields) = known_and_changed(sync, &record);
        if fields.is_empty() {
            return Ok(None);
        }
        let too_big = self.take_in_too_big(kind.kind, id, &mut fields)?;
        let stamp = Stamp {
            wall: updated,
            counter: 0,
            device: device.to_owned(),
        };
        let change = Change {
            id: self.new_id(),
            kind: kind.kind.to_owned(),
            record_id: id.clone(),
            version: kind.version,
            stamp: later_than_held(stamp, &stamps),
            fields,
            record,
        };
        self.queue_own(&change, &held, &stamps)?;
        self.forget_too_big(too_big)?;
        Ok(Some(change.stamp))
    }

    /// The changes waiting to be pushed, oldest first (read in one go).
    pub fn outbox(&self) -> Result<Vec<Change>, StoreError> {
        let mut queued: Vec<Queued> = self
            .store
            .entries_with_prefix(OUT_PREFIX)?
            .into_iter()
            .filter_map(|(_, text)| serde_json::from_str(&text).ok())
            .collect();
        queued.sort_by(|a, b| (a.seq, &a.change.id).cmp(&(b.seq, &b.change.id)));
        Ok(queued.into_iter().map(|q| q.change).collect())
    }

    /// How many entries of each sort sync holds, in one pass over its keys (each pass walks every key in storage:
    /// [`Self::outbox_len`] and [`Self::quarantined`] take one each).
    pub fn counts(&self) -> Result<Counts, StoreError> {
        let mut counts = Counts::default();
        for key in self.store.keys_with_prefix(PREFIX)? {
            if key.starts_with(OUT_PREFIX) {
                counts.waiting += 1;
            } else if key.starts_with(HELD_PREFIX) {
                counts.held += 1;
            } else if key.starts_with(QUARANTINE_PREFIX) {
                counts.quarantined += 1;
            } else if key.starts_with(TOO_BIG_PREFIX) {
                counts.too_big += 1;
            }
        }
        Ok(counts)
    }

    /// How many changes wait to be pushed (counts keys; changes set aside as too big are not waiting).
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        Ok(self.store.keys_with_prefix(OUT_PREFIX)?.len())
    }

    /// Takes a change out of the outbox because the server will not take it (too big to send), and keeps it aside
    /// for its record: the record stays saved here, and its next change (see [`Self::record_local_save`]) also sets
    /// every field this one set. A change kept aside for the same record before is folded into this one. Does
    /// nothing if the change is no longer in the outbox.
    pub fn set_aside_too_big(&self, change_id: &str) -> Result<(), StoreError> {
        let out_key = format!("{OUT_PREFIX}{change_id}");
        let Some(Queued { mut change, .. }) = self.read_json::<Queued>(&out_key)? else {
            return Ok(());
        };
        let key = too_big_key(&change.kind, &change.record_id);
        let mut kept_here = false;
        if let Some(earlier) = self.read_json::<TooBig>(&key)? {
            add_fields(&mut change.fields, earlier.change.fields);
            kept_here = earlier.kept_here;
        }
        self.write_json(&key, &TooBig { change, kept_here })?;
        self.store.remove(&out_key)
    }

    /// This device's changes kept aside as too big to send (one per record, the latest), oldest first; not those
    /// the person chose to keep on this device only.
    pub fn too_big(&self) -> Result<Vec<Change>, StoreError> {
        let mut changes: Vec<Change> = self
            .store
            .entries_with_prefix(TOO_BIG_PREFIX)?
            .into_iter()
            .filter_map(|(_, text)| serde_json::from_str::<TooBig>(&text).ok())
            .filter(|too_big| !too_big.kept_here)
            .map(|too_big| too_big.change)
            .collect();
        changes.sort_by(|a, b| (&a.stamp.wall, &a.id).cmp(&(&b.stamp.wall, &b.id)));
        Ok(changes)
    }

    /// The person chose to keep what is too big to send on this device only: [`Self::too_big`] no longer lists it.
    /// A later change to one of those records carries it (and is listed again if it is too big as well).
    pub fn keep_too_big_here(&self) -> Result<(), StoreError> {
        for (key, text) in self.store.entries_with_prefix(TOO_BIG_PREFIX)? {
            if let Ok(mut too_big) = serde_json::from_str::<TooBig>(&text)
                && !too_big.kept_here
            {
                too_big.kept_here = true;
                self.write_json(&key, &too_big)?;
            }
        }
        Ok(())
    }

    /// Removes pushed changes from the outbox and records their receipts in the field stamps they set.
    ///
    /// A receipt can lower a change's order (its stamp is capped at `received_at` +
    /// [`MAX_AHEAD_MS`](super::clock::MAX_AHEAD_MS)), so a field this device's own change held may go back to another
    /// change's value: returns the storage keys of the records that changed (the app reloads these). `local_now`
    /// dates anything unreadable that has to be moved aside meanwhile.
    pub fn mark_pushed(
        &self,
        accepted: &[Accepted],
        local_now: Timestamp,
    ) -> Result<Vec<String>, StoreError> {
        let Some(membership) = self.membership()? else {
            return Ok(Vec::new());
        };
        let mut clock = self.load_clock(&membership)?;
        let physical = physical_now(&membership, local_now);
        let mut changed = Vec::new();
        let mut failure = None;
        for receipt in accepted {
            let key = format!("{OUT_PREFIX}{}", receipt.id);
            let result = self.read_json::<Queued>(&key).and_then(|queued| {
                let Some(queued) = queued else {
                    return Ok(());
                };
                let received_at = Timestamp(receipt.received_at);
                let outcome = self.apply_one(
                    &queued.change,
                    Some(received_at),
                    local_now,
                    &mut clock,
                    physical,
                )?;
                match outcome {
                    Outcome::Written(record_key) => push_once(&mut changed, record_key),
                    Outcome::Held => self.hold(&queued.change, receipt.seq, received_at)?,
                    Outcome::Unchanged | Outcome::Stamped | Outcome::Quarantined => {}
                }
                self.store.remove(&key)
            });
            if let Err(error) = result {
                failure = Some(error);
                break;
            }
        }
        let saved = self.write_json(CLOCK_KEY, &clock);
        match failure {
            Some(error) => Err(error),
            None => saved.map(|()| changed),
        }
    }

    /// Applies a page of pulled changes, in order of sequence number: each item after the cursor is applied (a change) or
    /// quarantined (an unreadable one, its ciphertext kept verbatim), then the cursor moves to its sequence number.
    /// Items at or before the cursor are skipped. Applied changes' stamps are observed by the clock. A change from a
    /// newer version of Waymark, or of an unknown kind, is held (and re-applied by [`Self::retry_held`]). A local
    /// record that cannot be read is moved aside first, as the repository does.
    ///
    /// If storage fails part way, the error is returned and the cursor stays after the last item fully handled, so
    /// the rest is pulled again (applying a change twice changes nothing). Does nothing when sync is off.
    pub fn apply_pulled(
        &self,
        mut incoming: Vec<Incoming>,
        local_now: Timestamp,
    ) -> Result<Applied, StoreError> {
        let Some(membership) = self.membership()? else {
            return Ok(Applied::default());
        };
        incoming.sort_by_key(Incoming::seq);
        let mut clock = self.load_clock(&membership)?;
        let physical = physical_now(&membership, local_now);
        let mut applied = Applied::default();
        let mut cursor = membership.cursor;
        let mut failure = None;
        for item in incoming {
            let seq = item.seq();
            if seq <= cursor {
                continue;
            }
            let result = match &item {
                Incoming::Unreadable { id, ciphertext, .. } => self
                    .store
                    .set(&format!("{QUARANTINE_PREFIX}{id}"), ciphertext),
                // This device pulls back every change it pushed: one already applied with its receipt would change
                // nothing, and checking its stamps reads one key instead of the record, its stamps and more.
                Incoming::Change(one) => self
                    .already_applied(&one.change, one.received_at)
                    .and_then(|done| {
                        if !done {
                            let outcome = self.apply_one(
                                &one.change,
                                Some(one.received_at),
                                local_now,
                                &mut clock,
                                physical,
                            )?;
                            match outcome {
                                Outcome::Written(key) => push_once(&mut applied.changed_keys, key),
                                Outcome::Held => {
                                    self.hold(&one.change, one.seq, one.received_at)?;
                                    applied.held += 1;
                                }
                                Outcome::Unchanged | Outcome::Stamped | Outcome::Quarantined => {}
                            }
                        }
                        // This device's own change, pulled back before its push was answered: it is on the server.
                        self.store.remove(&format!("{OUT_PREFIX}{}", one.change.id))
                    }),
            };
            if let Err(error) = result {
                failure = Some(error);
                break;
            }
            if let Incoming::Change(one) = &item {
                clock.observe(&capped(&one.change.stamp, one.received_at), physical);
            }
            cursor = seq;
        }
        let saved = self.save_progress(cursor, &clock);
        match failure {
            Some(error) => Err(error),
            None => saved.map(|()| applied),
        }
    }

    /// How many pulled changes are quarantined.
    pub fn quarantined(&self) -> Result<usize, StoreError> {
        Ok(self.keys_under(QUARANTINE_PREFIX)?.len())
    }

    /// Whether `change` was applied here already with this receipt: every field it sets is stamped with it, settled
    /// (so applying it again would change nothing).
    fn already_applied(&self, change: &Change, received_at: Timestamp) -> Result<bool, StoreError> {
        if change.fields.is_empty() || kinds::find(&change.kind).is_none() {
            return Ok(false);
        }
        let stamps = self.read_sync(&change.kind, &change.record_id)?.fields;
        Ok(change.fields.iter().all(|field| {
            stamps.get(field).is_some_and(|held| {
                held.change == change.id
                    && held.received_at == Some(received_at)
                    && held.contenders.is_empty()
            })
        }))
    }

    /// Applies held changes this version can now read (after an update). Returns what changed; `held` counts the
    /// changes still held.
    pub fn retry_held(&self, local_now: Timestamp) -> Result<Applied, StoreError> {
        let Some(membership) = self.membership()? else {
            return Ok(Applied::default());
        };
        let mut clock = self.load_clock(&membership)?;
        let physical = physical_now(&membership, local_now);
        let mut applied = Applied::default();
        let mut failure = None;
        for key in self.keys_under(HELD_PREFIX)? {
            let Some(held) = self.read_json::<Held>(&key)? else {
                continue;
            };
            let result = self
                .apply_one(
                    &held.change,
                    Some(held.received_at),
                    local_now,
                    &mut clock,
                    physical,
                )
                .and_then(|outcome| match outcome {
                    Outcome::Held => {
                        applied.held += 1;
                        Ok(())
                    }
                    outcome => {
                        if let Outcome::Written(record_key) = outcome {
                            push_once(&mut applied.changed_keys, record_key);
                        }
                        self.store.remove(&key)
                    }
                });
            if let Err(error) = result {
                failure = Some(error);
                break;
            }
            clock.observe(&capped(&held.change.stamp, held.received_at), physical);
        }
        let saved = self.write_json(CLOCK_KEY, &clock);
        match failure {
            Some(error) => Err(error),
            None => saved.map(|()| applied),
        }
    }

    /// The stamps of one record's fields (empty if it has none).
    pub fn field_stamps(
        &self,
        kind: &str,
        id: &crate::RecordId,
    ) -> Result<FieldStamps, StoreError> {
        Ok(self.read_sync(kind, id)?.fields)
    }

    fn clock(&self) -> Result<Option<HybridClock>, StoreError> {
        self.read_json(CLOCK_KEY)
    }

    /// The stored clock, or a new one for this device (if the stored one is missing or unreadable).
    fn load_clock(&self, membership: &Membership) -> Result<HybridClock, StoreError> {
        Ok(self
            .clock()?
            .filter(|clock| clock.device == membership.device_id)
            .unwrap_or_else(|| HybridClock::new(membership.device_id.clone())))
    }

    fn new_id(&self) -> Id {
        id_from_random_bytes((self.random.borrow_mut())())
    }

    /// Queues this device's own change to a record sync held as `held` with `stamps` before the change, and
    /// records the change in the stamps (provisionally: its receipt is not known yet). The outbox entry is written
    /// first, so a full storage never leaves stamps naming a change that will not be pushed.
    fn queue_own(
        &self,
        change: &Change,
        held: &Value,
        stamps: &FieldStamps,
    ) -> Result<(), StoreError> {
        let Some((record, stamps)) = merge::apply(Some((held, stamps)), change, None) else {
            return Ok(());
        };
        debug_assert_eq!(
            record, change.record,
            "a local change wins every field it sets"
        );
        let seq = self.read_json::<u64>(OUT_SEQ_KEY)?.unwrap_or(0) + 1;
        self.write_json(
            &format!("{OUT_PREFIX}{}", change.id),
            &Queued {
                seq,
                change: change.clone(),
            },
        )?;
        self.write_json(OUT_SEQ_KEY, &seq)?;
        self.write_sync(
            &change.kind,
            &change.record_id,
            &RecordSync {
                synced: Some(record),
                version: change.version,
                fields: stamps,
            },
        )
    }

    /// Applies one change (pulled, or this device's own with its receipt) to storage. A record written outside sync
    /// has what it changed queued first (stamped as [`Self::queue_unsynced`] does; `clock` observes the stamp), so
    /// the change merges with values sync knows the stamps of.
    fn apply_one(
        &self,
        change: &Change,
        received_at: Option<Timestamp>,
        local_now: Timestamp,
        clock: &mut HybridClock,
        physical: Timestamp,
    ) -> Result<Outcome, StoreError> {
        let Some(kind) = kinds::find(&change.kind) else {
            return Ok(Outcome::Held);
        };
        if change.version > kind.version {
            return Ok(Outcome::Held);
        }
        // The change's record as this version stores it.
        let incoming = match kind.validate(&envelope(change.version, &change.record)) {
            Ok(checked) if checked.id == change.record_id => record_of(&checked.current)?,
            Err(DecodeError::Newer { .. }) => return Ok(Outcome::Held),
            Ok(_) | Err(_) => {
                self.write_json(&format!("{QUARANTINE_PREFIX}{}", change.id), change)?;
                return Ok(Outcome::Quarantined);
            }
        };
        let fields = if change.version < kind.version {
            fields_after_migration(&change.fields, &change.record, &incoming)
        } else {
            change.fields.clone()
        };
        let change = Change {
            version: kind.version,
            fields,
            record: incoming,
            ..change.clone()
        };
        let key = record_key(kind.kind, &change.record_id);
        let local = match kind.read_stored(&self.store, &key, local_now)? {
            Stored::Newer => return Ok(Outcome::Held),
            Stored::Current(text) => Some(record_of(&text)?),
            Stored::SetAside | Stored::Missing => None,
        };
        // Stamps describe the values of the record held: with no record, they describe nothing.
        let stamps = match &local {
            Some(local) => {
                let queued = self.queue_written_outside(
                    &clock.device,
                    kind,
                    &change.record_id,
                    local.clone(),
                )?;
                if let Some(stamp) = queued {
                    clock.observe(&stamp, physical);
                }
                self.read_sync(kind.kind, &change.record_id)?.fields
            }
            None => FieldStamps::new(),
        };
        let Some((merged, merged_stamps)) =
            merge::apply(local.as_ref().map(|l| (l, &stamps)), &change, received_at)
        else {
            return Ok(Outcome::Unchanged);
        };
        if local.as_ref() == Some(&merged) {
            self.write_sync(
                kind.kind,
                &change.record_id,
                &RecordSync {
                    synced: Some(merged),
                    version: kind.version,
                    fields: merged_stamps,
                },
            )?;
            return Ok(Outcome::Stamped);
        }
        // Never write anything the kind cannot read back.
        let text = match kind.validate(&envelope(kind.version, &merged)) {
            Ok(checked) if checked.id == change.record_id => checked.current,
            Ok(_) | Err(_) => return Ok(Outcome::Held),
        };
        let previous = self.store.get(&key)?;
        self.store.set(&key, &text)?;
        let synced = RecordSync {
            synced: Some(record_of(&text)?),
            version: kind.version,
            fields: merged_stamps,
        };
        if let Err(error) = self.write_sync(kind.kind, &change.record_id, &synced) {
            // The record must not differ from what sync holds, or it would pass for one written outside sync: put
            // it back (this fits in storage that held it before) and let the change be applied again later.
            let _ = match previous {
                Some(previous) => self.store.set(&key, &previous),
                None => self.store.remove(&key),
            };
            return Err(error);
        }
        Ok(Outcome::Written(key))
    }

    fn hold(&self, change: &Change, seq: u64, received_at: Timestamp) -> Result<(), StoreError> {
        self.write_json(
            &format!("{HELD_PREFIX}{}", change.id),
            &Held {
                change: change.clone(),
                seq,
                received_at,
            },
        )
    }

    /// Saves the cursor and the clock after applying pulled changes (also after a failure, for what was applied).
    fn save_progress(&self, cursor: u64, clock: &HybridClock) -> Result<(), StoreError> {
        self.update_membership(|m| m.cursor = cursor)?;
        self.write_json(CLOCK_KEY, clock)
    }

    /// What sync keeps for a record, its record migrated to the kind's current version (`synced` is `None` if
    /// that cannot be done). Unreadable stamps are as good as none: the record is then queued whole, and every
    /// change wins over the values held.
    fn read_sync(&self, kind: &str, id: &RecordId) -> Result<RecordSync, StoreError> {
        let mut sync: RecordSync = self.read_json(&stamps_key(kind, id))?.unwrap_or_default();
        if let (Some(synced), Some(kind)) = (&sync.synced, kinds::find(kind))
            && sync.version != kind.version
        {
            sync.synced = match kind.validate(&envelope(sync.version, synced)) {
                Ok(checked) if sync.version < kind.version => record_of(&checked.current).ok(),
                Ok(_) | Err(_) => None,
            };
            sync.version = kind.version;
        }
        Ok(sync)
    }

    /// Adds to `fields` those of the change kept aside as too big for this record, if there is one; returns its key,
    /// for [`Self::forget_too_big`] once the change that now carries them is queued.
    fn take_in_too_big(
        &self,
        kind: &str,
        id: &RecordId,
        fields: &mut Vec<String>,
    ) -> Result<Option<String>, StoreError> {
        let key = too_big_key(kind, id);
        Ok(self.read_json::<TooBig>(&key)?.map(|kept| {
            add_fields(fields, kept.change.fields);
            key
        }))
    }

    fn forget_too_big(&self, key: Option<String>) -> Result<(), StoreError> {
        match key {
            Some(key) => self.store.remove(&key),
            None => Ok(()),
        }
    }

    fn write_sync(&self, kind: &str, id: &RecordId, sync: &RecordSync) -> Result<(), StoreError> {
        self.write_json(&stamps_key(kind, id), sync)
    }

    /// Keys under `prefix`, sorted.
    fn keys_under(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = self.store.keys_with_prefix(prefix)?;
        keys.sort_unstable();
        Ok(keys)
    }

    /// Reads JSON stored under `key`; `None` if nothing is there or it cannot be read as `T`.
    fn read_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        Ok(self
            .store
            .get(key)?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    fn write_json<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let text = serde_json::to_string(value).map_err(|e| StoreError::Failed(e.to_string()))?;
        self.store.set(key, &text)
    }
}

/// The storage key of one record's field stamps.
pub fn stamps_key(kind: &str, id: &RecordId) -> String {
    format!("{FIELDS_PREFIX}{kind}.{id}")
}

/// The storage key of the change kept aside as too big for one record.
fn too_big_key(kind: &str, id: &RecordId) -> String {
    format!("{TOO_BIG_PREFIX}{kind}.{id}")
}

/// Adds the names in `more` that `fields` lacks.
fn add_fields(fields: &mut Vec<String>, more: Vec<String>) {
    for field in more {
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
}

/// Whether `key` is one of sync's own storage keys (`waymark.sync.…`).
pub fn is_sync_key(key: &str) -> bool {
    key.starts_with(PREFIX)
}

/// This device's time corrected by the server's (the clock's physical time).
fn physical_now(membership: &Membership, local_now: Timestamp) -> Timestamp {
    Timestamp(local_now.0.saturating_add(membership.clock_offset_ms))
}

/// A stamp with its wall time capped as [`effective`] caps it: what the clock may observe of a pulled change.
fn capped(stamp: &Stamp, received_at: Timestamp) -> Stamp {
    Stamp {
        wall: merge::order(stamp, Some(received_at), "").0,
        ..stamp.clone()
    }
}

/// What sync knows of a record (as it last wrote or queued it, and its stamps), and the fields of `record` that
/// differ from it. For a record sync has never seen: `record` itself, no stamps, and every field.
fn known_and_changed(sync: RecordSync, record: &Value) -> (Value, FieldStamps, Vec<String>) {
    match sync.synced {
        Some(synced) => {
            let fields = changed_fields(Some(&synced), record);
            (synced, sync.fields, fields)
        }
        None => (record.clone(), FieldStamps::new(), field_names(record)),
    }
}

/// `stamp`, moved later if needed so that, as a change without a receipt yet, it orders after every change the
/// record's fields hold (and so wins them all here).
fn later_than_held(stamp: Stamp, stamps: &FieldStamps) -> Stamp {
    let best = stamps
        .values()
        .flat_map(|held| {
            std::iter::once(effective(held)).chain(held.contenders.iter().map(Contender::order))
        })
        .max();
    let Some((wall, raw, _)) = best else {
        return stamp;
    };
    // The least (wall, counter) whose provisional order is above `best`.
    let floor = if wall < raw.wall {
        (Timestamp(wall.0.saturating_add(1)), 0)
    } else {
        match raw.counter.checked_add(1) {
            Some(counter) => (raw.wall, counter),
            None => (Timestamp(raw.wall.0.saturating_add(1)), 0),
        }
    };
    if (stamp.wall, stamp.counter) >= floor {
        stamp
    } else {
        Stamp {
            wall: floor.0,
            counter: floor.1,
            ..stamp
        }
    }
}

/// The field names a change from an older schema version sets, in the current version's terms.
///
/// Names that still exist after migration are kept. A field the migration added is set only if the change set a
/// field the migration removed, since an edit of an older version cannot have meant a field it did not have: a
/// field that appeared with the value of a removed field the change set is that field renamed; if none did (the
/// migration reshaped the fields), every field that appeared is set. A migration that only adds fields with
/// defaults never makes an old change set them.
///
/// (Field stamps a device stored before an update that renames fields keep the old names; a migration that renames
/// a field should move them too.)
fn fields_after_migration(fields: &[String], original: &Value, migrated: &Value) -> Vec<String> {
    let old: BTreeSet<String> = field_names(original).into_iter().collect();
    let new: BTreeSet<String> = field_names(migrated).into_iter().collect();
    let mut result: Vec<String> = fields
        .iter()
        .filter(|f| new.contains(*f) || (!old.contains(*f) && is_field_name(f)))
        .cloned()
        .collect();
    let removed: Vec<&String> = fields
        .iter()
        .filter(|f| old.contains(*f) && !new.contains(*f))
        .collect();
    if removed.is_empty() {
        return result;
    }
    let removed_values: Vec<&Value> = removed
        .iter()
        .filter_map(|f| field_value(original, f))
        .collect();
    let appeared: Vec<&String> = new.difference(&old).collect();
    let renamed: Vec<&String> = appeared
        .iter()
        .copied()
        .filter(|f| field_value(migrated, f).is_some_and(|v| removed_values.contains(&v)))
        .collect();
    let set = if renamed.is_empty() {
        appeared
    } else {
        renamed
    };
    for field in set {
        if !result.contains(field) {
            result.push(field.clone());
        }
    }
    result
}

/// `{"v":version,"record":record}`, the stored form of a record.
fn envelope(version: u32, record: &Value) -> String {
    format!(r#"{{"v":{version},"record":{record}}}"#)
}

/// The record inside a stored form.
fn record_of(text: &str) -> Result<Value, StoreError> {
    let mut stored: Value =
        serde_json::from_str(text).map_err(|e| StoreError::Failed(e.to_string()))?;
    match stored.get_mut("record") {
        Some(record) => Ok(record.take()),
        None => Err(StoreError::Failed(
            "a stored record without its record".into(),
        )),
    }
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, StoreError> {
    serde_json::to_value(value).map_err(|e| StoreError::Failed(e.to_string()))
}

/// The registered kind and the record id of a record key, if it is one this version knows.
fn kind_and_id_of_key(key: &str) -> Option<(&'static kinds::Kind, RecordId)> {
    let kind = kinds::find(kind_of_key(key)?)?;
    let (_, id) = key.strip_prefix("waymark.rec.")?.split_once('.')?;
    Some((kind, RecordId::parse(id).ok()?))
}

fn push_once(keys: &mut Vec<String>, key: String) {
    if !keys.contains(&key) {
        keys.push(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::clock::MAX_AHEAD_MS;
    use crate::sync::merge::FieldStamp;
    use serde_json::json;

    fn names(fields: &[&str]) -> Vec<String> {
        fields.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn an_old_change_sets_renamed_fields_but_not_added_ones() {
        let v1 =
            json!({"created": 1, "updated": 2, "deleted": false, "data": {"name": "x", "size": 3}});
        // v1 → v3: `name` renamed to `title`, `pinned` added.
        let v3 = json!({"created": 1, "updated": 2, "deleted": false,
                        "data": {"title": "x", "size": 3, "pinned": false}});
        assert_eq!(
            fields_after_migration(&names(&["updated", "data.name"]), &v1, &v3),
            ["updated", "data.title"]
        );
        assert_eq!(
            fields_after_migration(&names(&["updated", "data.size"]), &v1, &v3),
            ["updated", "data.size"]
        );
        // A reshaped field: every field that appeared.
        let reshaped = json!({"created": 1, "updated": 2, "deleted": false,
                              "data": {"title": {"text": "x"}, "size": 3, "pinned": false}});
        assert_eq!(
            fields_after_migration(&names(&["updated", "data.name"]), &v1, &reshaped),
            ["updated", "data.pinned", "data.title"]
        );
    }

    #[test]
    fn a_local_change_is_stamped_after_everything_the_record_holds() {
        let held = |wall: i64, counter: u32, received_at: Option<i64>| FieldStamp {
            stamp: Stamp {
                wall: Timestamp(wall),
                counter,
                device: "b".into(),
            },
            change: "c".into(),
            received_at: received_at.map(Timestamp),
            contenders: Vec::new(),
        };
        let now = Stamp {
            wall: Timestamp(100),
            counter: 0,
            device: "a".into(),
        };
        assert_eq!(later_than_held(now.clone(), &FieldStamps::new()), now);
        // Held uncapped at (500, 2): just after it.
        let stamps = FieldStamps::from([("updated".to_owned(), held(500, 2, Some(400)))]);
        let later = later_than_held(now.clone(), &stamps);
        assert_eq!((later.wall, later.counter), (Timestamp(500), 3));
        // Held capped (stamped far ahead): a millisecond after the capped time is enough.
        let stamps = FieldStamps::from([("updated".to_owned(), held(9_000_000, 2, Some(400)))]);
        let later = later_than_held(now.clone(), &stamps);
        assert_eq!(
            (later.wall, later.counter),
            (Timestamp(400 + MAX_AHEAD_MS + 1), 0)
        );
        // Already later: unchanged.
        let stamps = FieldStamps::from([("updated".to_owned(), held(50, 9, Some(50)))]);
        assert_eq!(later_than_held(now.clone(), &stamps), now);
    }
}
