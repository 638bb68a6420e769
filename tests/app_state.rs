//! The app's state, natively: its writes go through core's device over an in-memory store, are shown only once
//! stored, and are announced for sync; failures reach the banner. Run inside a Leptos `Owner`, as the app does.

use leptos::prelude::*;
use std::cell::Cell;
use std::rc::Rc;
use waymark::state::{AppState, AppStore, LocalWrite};
use waymark_core::backup;
use waymark_core::mood::{CheckIn, MoodLevel};
use waymark_core::sync::engine::{Membership, SyncEngine};
use waymark_core::sync::protocol::id_from_random_bytes;
use waymark_core::{
    Device, ImportMode, KeyValueStore, MemoryStore, Record, RecordId, SaveError, StoreError,
    Timestamp,
};

const NOW: Timestamp = Timestamp(1_750_000_000_000);

fn now() -> Timestamp {
    NOW
}

/// Unique bytes on every call (sync's change ids).
fn counting_random() -> [u8; 16] {
    thread_local! {
        static COUNT: Cell<u64> = const { Cell::new(0) };
    }
    let count = COUNT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let mut bytes = [7u8; 16];
    bytes[8..].copy_from_slice(&count.to_be_bytes());
    bytes
}

/// Runs `test` with app state over `store`, inside an owner that is dropped afterwards.
fn with_state(store: Rc<MemoryStore>, test: impl FnOnce(AppState, &MemoryStore)) {
    let owner = Owner::new();
    owner.with(|| {
        let app_store: AppStore = store.clone();
        let state = AppState::new(app_store, counting_random, now);
        state.reload_everything();
        test(state, &store);
    });
}

fn check_in(n: u8, mood: MoodLevel) -> Record<CheckIn> {
    Record::new(
        RecordId::from_random_bytes([n; 16]),
        NOW,
        CheckIn::new(mood, NOW),
    )
}

fn shown(state: AppState) -> Vec<Record<CheckIn>> {
    state.check_ins.with_untracked(|c| c.all().to_vec())
}

fn join_sync(store: &Rc<MemoryStore>) -> SyncEngine<Rc<MemoryStore>> {
    let engine = SyncEngine::new(store.clone(), counting_random);
    let membership = Membership {
        space_id: id_from_random_bytes([0xee; 16]),
        device_id: id_from_random_bytes([1; 16]),
        device_name: "phone".into(),
        token: "token".into(),
        data_key: "key".into(),
        cursor: 0,
        clock_offset_ms: 0,
        last_synced: None,
    };
    engine.join(membership, NOW).unwrap();
    engine
}

#[test]
fn a_check_in_is_stored_then_shown_and_announced_for_sync() {
    let store = Rc::new(MemoryStore::new());
    let sync = join_sync(&store);
    with_state(store.clone(), |state, _| {
        let record = check_in(1, MoodLevel::Good);
        assert!(state.save_check_in(record.clone()));
        assert_eq!(shown(state), [record]);
        assert_eq!(state.local_write.get_untracked(), Some(LocalWrite::Saved));
        assert_eq!(state.save_error.get_untracked(), None);
        assert_eq!(sync.outbox_len(), Ok(1), "queued in the same step");
    });
    // A new page over the same storage shows it too.
    with_state(store, |state, _| assert_eq!(shown(state).len(), 1));
}

#[test]
fn a_refused_save_shows_nothing_announces_nothing_and_tells_the_banner() {
    with_state(Rc::new(MemoryStore::with_quota(100)), |state, store| {
        assert!(!state.save_check_in(check_in(1, MoodLevel::Low)));
        assert!(shown(state).is_empty());
        assert_eq!(state.local_write.get_untracked(), None);
        assert_eq!(
            state.save_error.get_untracked(),
            Some(SaveError::Store(StoreError::QuotaExceeded))
        );
        assert!(store.snapshot().is_empty());
    });
}

#[test]
fn a_newer_copy_from_another_tab_is_shown_instead_and_not_announced() {
    let store = Rc::new(MemoryStore::new());
    let older = check_in(1, MoodLevel::Low);
    let mut newer = older.clone();
    newer.edit(Timestamp(NOW.0 + 60_000), |c| c.mood = MoodLevel::Good);
    let other_tab = Device::new(store.clone(), counting_random);
    other_tab.save(newer.clone(), newer.updated).unwrap();
    with_state(store, |state, _| {
        assert!(state.save_check_in(older));
        assert_eq!(shown(state), [newer]);
        assert_eq!(state.local_write.get_untracked(), None);
    });
}

#[test]
fn a_change_that_cannot_be_queued_for_sync_is_saved_and_said() {
    // Room for the record, not for sync's bookkeeping of it.
    let probe = Rc::new(MemoryStore::new());
    join_sync(&probe);
    let joined = probe.used();
    Device::new(probe.clone(), counting_random)
        .repository()
        .save(&check_in(1, MoodLevel::Okay), NOW)
        .unwrap();
    let store = Rc::new(MemoryStore::with_quota(probe.used() + 2));
    join_sync(&store);
    assert_eq!(store.used(), joined);
    with_state(store, |state, _| {
        assert!(state.save_check_in(check_in(1, MoodLevel::Okay)));
        assert_eq!(shown(state).len(), 1);
        assert_eq!(
            state.sync_queue_error.get_untracked(),
            Some(StoreError::QuotaExceeded)
        );
        assert_eq!(state.local_write.get_untracked(), Some(LocalWrite::Saved));
    });
}

#[test]
fn an_import_is_shown_at_once_and_announced_only_when_it_changed_something() {
    let other = Rc::new(MemoryStore::new());
    let other_device = Device::new(other.clone(), counting_random);
    for n in 1..=3 {
        other_device
            .save(check_in(n, MoodLevel::Okay), NOW)
            .unwrap();
    }
    let preview =
        backup::inspect(&backup::export(other_device.repository(), NOW).unwrap()).unwrap();
    with_state(Rc::new(MemoryStore::new()), |state, _| {
        let imported = state.import(&preview, ImportMode::Add);
        assert_eq!(imported.result.map(|r| r.added), Ok(3));
        assert_eq!(shown(state).len(), 3);
        assert_eq!(
            state.local_write.get_untracked(),
            Some(LocalWrite::Imported)
        );
        state.local_write.set(None);
        let again = state.import(&preview, ImportMode::Add);
        assert_eq!(again.result.map(|r| r.unchanged), Ok(3));
        assert_eq!(state.local_write.get_untracked(), None);
    });
}

#[test]
fn delete_everything_empties_storage_and_the_screens_and_turns_sync_off() {
    let store = Rc::new(MemoryStore::new());
    let sync = join_sync(&store);
    store.set("another-app", "theirs").unwrap();
    with_state(store.clone(), |state, store| {
        state.save_check_in(check_in(1, MoodLevel::Good));
        state.update_settings(|s| s.last_backup_at = Some(NOW));
        state
            .save_error
            .set(Some(SaveError::Store(StoreError::QuotaExceeded)));
        assert!(state.delete_everything().unwrap() > 0);
        assert!(shown(state).is_empty());
        assert_eq!(state.settings.with_untracked(|s| s.all().len()), 0);
        assert_eq!(state.save_error.get_untracked(), None);
        assert_eq!(
            state.local_write.get_untracked(),
            Some(LocalWrite::DeletedEverything)
        );
        assert_eq!(store.keys().unwrap(), ["another-app"]);
    });
    assert_eq!(sync.membership(), Ok(None));
}
