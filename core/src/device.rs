//! Every write a person can cause on this device, in one place: save one record, bring in a backup (add or
//! replace), delete everything. Each says what it changed, and each tells sync in the same step, so nothing above
//! the core sequences storage and sync by hand.
//!
//! A [`Device`] holds the [`Repository`] (records) and the [`SyncEngine`] (sync's bookkeeping) over one store. The
//! app's state is its only caller for writes; the sync cycle uses [`Device::sync`] for its own (pulled changes,
//! receipts, joining and leaving), and pages read through [`Device::repository`].

use crate::backup::{self, ImportError, ImportPreview, MergeReport};
use crate::record::{Record, Timestamp};
use crate::repository::{Repository, SaveError, Saved};
use crate::schema::RecordKind;
use crate::store::{KeyValueStore, StoreError};
use crate::sync::engine::SyncEngine;

/// How a backup comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Keep everything here and bring in what is new; the newer copy of a record wins ([`backup::merge`]).
    Add,
    /// Make this device hold exactly the backup's records ([`backup::replace`]). The app saves a copy of what is
    /// here first, and asks the person to confirm.
    Replace,
}

/// What a save changed.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedRecord<K> {
    /// What storage now holds for this record: the record given, or a newer copy another tab had already stored.
    pub held: Record<K>,
    /// Whether `held` is the record given (false when a newer copy was kept and nothing was written).
    pub written: bool,
    /// Whether the change could be queued for sync (always `Ok` when sync is off or nothing was written). A change
    /// that could not be queued is remembered by the sync engine and queued by its next cycle; the record itself is
    /// saved either way.
    pub sync_queue: Result<(), StoreError>,
}

/// What bringing in a backup changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// What the import did record by record, or why it stopped (an interrupted import says what it had done).
    pub result: Result<MergeReport, ImportError>,
    /// How many records were queued for sync (0 with sync off), or why queuing failed (the next cycle tries again).
    /// Runs after an interrupted import too, so what was brought in before the stop syncs like the rest.
    pub sync_queue: Result<usize, StoreError>,
}

impl Imported {
    /// Whether anything may have been written, so what is shown must be read again.
    pub fn changed_anything(&self) -> bool {
        changed_anything(&self.result)
    }
}

/// Whether an import that ended so may have written anything (an interrupted one wrote part).
fn changed_anything(result: &Result<MergeReport, ImportError>) -> bool {
    match result {
        Ok(report) => report.added + report.updated + report.removed + report.kept_aside > 0,
        Err(ImportError::Interrupted { .. }) => true,
        Err(_) => false,
    }
}

/// The records and sync bookkeeping of this device, and every write a person can cause.
pub struct Device<S> {
    repository: Repository<S>,
    sync: SyncEngine<S>,
}

impl<S: KeyValueStore + Clone> Device<S> {
    /// A device over `store`. `random` returns 16 bytes from a secure source on each call (sync's change ids).
    pub fn new(store: S, random: impl FnMut() -> [u8; 16] + 'static) -> Self {
        Device {
            repository: Repository::new(store.clone()),
            sync: SyncEngine::new(store, random),
        }
    }
}

impl<S: KeyValueStore> Device<S> {
    /// Reads of records and of data kept aside.
    pub fn repository(&self) -> &Repository<S> {
        &self.repository
    }

    /// Sync's own bookkeeping, for the sync cycle.
    pub fn sync(&self) -> &SyncEngine<S> {
        &self.sync
    }

    /// Saves a new or changed record unless storage holds a newer copy (which is then kept and returned), and
    /// queues what changed for sync. On error nothing was written.
    pub fn save<K: RecordKind>(
        &self,
        record: Record<K>,
        now: Timestamp,
    ) -> Result<SavedRecord<K>, SaveError> {
        let (held, written) = match self.repository.save(&record, now)? {
            Saved::Written => (record, true),
            // Another tab's newer copy won; it queued that copy itself.
            Saved::KeptNewer(held) => (held, false),
        };
        let sync_queue = if written {
            self.sync.record_local_save(&held, now)
        } else {
            Ok(())
        };
        Ok(SavedRecord {
            held,
            written,
            sync_queue,
        })
    }

    /// Brings in a checked backup, then queues for sync whatever it wrote (when sync is on).
    pub fn import(&self, preview: &ImportPreview, mode: ImportMode, now: Timestamp) -> Imported {
        let result = match mode {
            ImportMode::Add => backup::merge(&self.repository, preview, now),
            ImportMode::Replace => backup::replace(&self.repository, preview, now),
        };
        let sync_queue = if changed_anything(&result) {
            self.sync.queue_unsynced(now)
        } else {
            Ok(0)
        };
        Imported { result, sync_queue }
    }

    /// Removes everything Waymark keeps on this device (records, data kept aside, and sync's bookkeeping, so sync
    /// is off here afterwards) and returns how many keys went. Other devices and the server copy are not touched.
    /// Stops at the first key storage refuses to remove; what was removed until then stays removed.
    pub fn delete_everything(&self) -> Result<usize, StoreError> {
        self.repository.delete_everything()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup;
    use crate::mood::{CheckIn, MoodLevel};
    use crate::record::RecordId;
    use crate::store::MemoryStore;
    use crate::sync::engine::Membership;
    use crate::sync::protocol::id_from_random_bytes;
    use std::cell::Cell;
    use std::rc::Rc;

    const NOW: Timestamp = Timestamp(1_750_000_000_000);

    fn device(store: &Rc<MemoryStore>) -> Device<Rc<MemoryStore>> {
        let count = Cell::new(0u8);
        Device::new(store.clone(), move || {
            count.set(count.get().wrapping_add(1));
            [count.get(); 16]
        })
    }

    fn membership() -> Membership {
        Membership {
            space_id: id_from_random_bytes([0xee; 16]),
            device_id: id_from_random_bytes([1; 16]),
            device_name: "phone".into(),
            token: "token".into(),
            data_key: "key".into(),
            cursor: 0,
            clock_offset_ms: 0,
            last_synced: None,
        }
    }

    fn check_in(n: u8, mood: MoodLevel, at: Timestamp) -> Record<CheckIn> {
        Record::new(
            RecordId::from_random_bytes([n; 16]),
            at,
            CheckIn::new(mood, at),
        )
    }

    /// Characters a store holds once a device has joined sync, and characters one record takes: for quotas that
    /// leave room for exactly so much.
    fn chars_after_joining() -> usize {
        let probe = Rc::new(MemoryStore::new());
        device(&probe).sync().join(membership(), NOW).unwrap();
        probe.used()
    }

    fn chars_of(record: &Record<CheckIn>) -> usize {
        crate::repository::record_key(CheckIn::KIND, &record.id).len()
            + crate::schema::encode(record).len()
    }

    fn outbox_len(device: &Device<Rc<MemoryStore>>) -> usize {
        device.sync().outbox_len().unwrap()
    }

    #[test]
    fn a_save_is_stored_and_queued_for_sync_in_one_step() {
        let store = Rc::new(MemoryStore::new());
        let device = device(&store);
        device.sync().join(membership(), NOW).unwrap();
        let record = check_in(1, MoodLevel::Good, NOW);
        let saved = device.save(record.clone(), NOW).unwrap();
        assert_eq!(saved.held, record);
        assert!(saved.written);
        assert_eq!(saved.sync_queue, Ok(()));
        assert_eq!(outbox_len(&device), 1);
        let loaded = device.repository().load_all::<CheckIn>(NOW);
        assert_eq!(loaded.records, [record]);
    }

    #[test]
    fn with_sync_off_a_save_queues_nothing() {
        let store = Rc::new(MemoryStore::new());
        let device = device(&store);
        let saved = device.save(check_in(1, MoodLevel::Low, NOW), NOW).unwrap();
        assert!(saved.written);
        assert_eq!(outbox_len(&device), 0);
        assert!(
            store
                .keys()
                .unwrap()
                .iter()
                .all(|k| !k.starts_with("waymark.sync."))
        );
    }

    #[test]
    fn a_newer_copy_from_another_tab_is_kept_and_not_queued_again() {
        let store = Rc::new(MemoryStore::new());
        let (this_tab, other_tab) = (device(&store), device(&store));
        this_tab.sync().join(membership(), NOW).unwrap();
        let older = check_in(1, MoodLevel::Low, NOW);
        let mut newer = older.clone();
        newer.edit(Timestamp(NOW.0 + 60_000), |c| c.mood = MoodLevel::Good);
        other_tab.save(newer.clone(), newer.updated).unwrap();
        let queued = outbox_len(&this_tab);
        let saved = this_tab.save(older, Timestamp(NOW.0 + 1)).unwrap();
        assert_eq!(saved.held, newer);
        assert!(!saved.written);
        assert_eq!(outbox_len(&this_tab), queued, "nothing more queued");
    }

    #[test]
    fn a_refused_save_writes_nothing_and_queues_nothing() {
        let store = Rc::new(MemoryStore::with_quota(600));
        let device = device(&store);
        let before = store.snapshot();
        let mut big = check_in(1, MoodLevel::Okay, NOW);
        big.data.note = "x".repeat(1_000);
        assert_eq!(
            device.save(big, NOW),
            Err(SaveError::Store(StoreError::QuotaExceeded))
        );
        assert_eq!(store.snapshot(), before);
    }

    #[test]
    fn a_save_that_cannot_be_queued_is_still_saved_and_says_why() {
        // Room for the record, not for sync's bookkeeping of it.
        let record = check_in(1, MoodLevel::Good, NOW);
        let store = Rc::new(MemoryStore::with_quota(
            chars_after_joining() + chars_of(&record) + 2,
        ));
        let device = device(&store);
        device.sync().join(membership(), NOW).unwrap();
        let saved = device.save(record.clone(), NOW).unwrap();
        assert!(saved.written);
        assert_eq!(saved.sync_queue, Err(StoreError::QuotaExceeded));
        assert_eq!(
            device.repository().load_all::<CheckIn>(NOW).records,
            [record]
        );
    }

    /// A backup holding `records`, as exported from another device.
    fn backup_of(records: &[Record<CheckIn>]) -> ImportPreview {
        let other = Rc::new(MemoryStore::new());
        let other_device = device(&other);
        for record in records {
            other_device.save(record.clone(), NOW).unwrap();
        }
        let text = backup::export(other_device.repository(), NOW).unwrap();
        backup::inspect(&text).unwrap()
    }

    #[test]
    fn an_import_is_queued_for_sync_with_it() {
        let store = Rc::new(MemoryStore::new());
        let device = device(&store);
        device.sync().join(membership(), NOW).unwrap();
        let preview = backup_of(&[
            check_in(1, MoodLevel::Good, NOW),
            check_in(2, MoodLevel::Low, NOW),
        ]);
        let imported = device.import(&preview, ImportMode::Add, NOW);
        assert_eq!(imported.result.as_ref().map(|r| r.added), Ok(2));
        assert_eq!(imported.sync_queue, Ok(2));
        assert!(imported.changed_anything());
        assert_eq!(outbox_len(&device), 2);
        // The same file again changes nothing and queues nothing.
        let again = device.import(&preview, ImportMode::Add, NOW);
        assert_eq!(again.result.as_ref().map(|r| r.unchanged), Ok(2));
        assert_eq!(again.sync_queue, Ok(0));
        assert!(!again.changed_anything());
        assert_eq!(outbox_len(&device), 2);
    }

    #[test]
    fn what_an_interrupted_import_brought_in_is_queued_for_sync_too() {
        let records: Vec<_> = (1..=6).map(|n| check_in(n, MoodLevel::Okay, NOW)).collect();
        let preview = backup_of(&records);
        // Room, after joining, for three of the records and sync's small "catch up later" mark, not for more.
        let store = Rc::new(MemoryStore::with_quota(
            chars_after_joining() + 3 * chars_of(&records[0]) + 30,
        ));
        let device = device(&store);
        device.sync().join(membership(), NOW).unwrap();
        let imported = device.import(&preview, ImportMode::Add, NOW);
        match &imported.result {
            Err(ImportError::Interrupted { done, .. }) => assert_eq!(done.added, 3),
            other => panic!("expected an interrupted import, got {other:?}"),
        }
        assert!(imported.changed_anything());
        // No room to queue them now: sync remembers, and its next cycle queues the three once there is room.
        assert_eq!(imported.sync_queue, Err(StoreError::QuotaExceeded));
        let roomier = Rc::new(MemoryStore::new());
        for (key, value) in store.snapshot() {
            roomier.set(&key, &value).unwrap();
        }
        assert_eq!(self::device(&roomier).sync().catch_up(NOW), Ok(3));
    }

    #[test]
    fn replace_then_delete_everything_leaves_nothing_of_waymark() {
        let store = Rc::new(MemoryStore::new());
        store.set("someone-else", "theirs").unwrap();
        let device = device(&store);
        device.sync().join(membership(), NOW).unwrap();
        device.save(check_in(9, MoodLevel::Low, NOW), NOW).unwrap();
        let preview = backup_of(&[check_in(1, MoodLevel::Good, NOW)]);
        let imported = device.import(&preview, ImportMode::Replace, NOW);
        let report = imported.result.unwrap();
        assert_eq!((report.added, report.removed), (1, 1));
        let ids: Vec<_> = device
            .repository()
            .load_all::<CheckIn>(NOW)
            .records
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, [RecordId::from_random_bytes([1; 16])]);
        assert!(device.delete_everything().unwrap() > 0);
        assert_eq!(store.keys().unwrap(), ["someone-else"]);
        assert_eq!(device.sync().membership(), Ok(None), "sync is off here");
    }
}
