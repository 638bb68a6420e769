//! The app's state: one signal per record kind plus what the person must be told, held in a small `Copy` handle.
//!
//! The app's only writer: every write a person can cause goes through core's [`Device`] here (which also tells sync),
//! and only then is shown; a failure is kept in `save_error` for the banner. Each write is announced on
//! [`AppState::local_write`], which the sync runner and the request for persistent storage watch, so nothing here
//! calls them. A `storage` event from another tab reloads just the key it names.
//!
//! [`AppState::new`] takes the store, the random source and the clock, so its rules run natively over an in-memory
//! store (tests at the end); [`provide_app_state`] gives it the browser's.

use crate::browser::{clock, local_store::LocalStore, persistence, service_worker};
use leptos::prelude::*;
use std::rc::Rc;
use waymark_core::activity::{Goal, Session};
use waymark_core::backup::{self, ImportPreview};
use waymark_core::mood::{CheckIn, CustomTag};
use waymark_core::mood_trends::{MoodDays, MoodPoint};
use waymark_core::plan::{PlanStep, StayingWellPlan, TherapyStatus};
use waymark_core::questionnaire::QuestionnaireResponse;
use waymark_core::repository::{self, AsideEntry};
use waymark_core::settings::Settings;
use waymark_core::{
    Collection, Device, ImportMode, Imported, KeyValueStore, Problem, ProblemKind, Record,
    RecordKind, Repository, SaveError, StoreError, Timestamp,
};

/// The store under the app's device: `localStorage` in the browser, an in-memory store in native tests.
pub type AppStore = Rc<dyn KeyValueStore>;

/// A write this tab made, as [`AppState::local_write`] announces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalWrite {
    /// One record was saved (and queued for sync, when sync is on).
    Saved,
    /// A backup was brought in.
    Imported,
    /// Everything was deleted, sync's bookkeeping too.
    DeletedEverything,
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// Every check-in, once `check_ins_loaded` says so: a page that shows them calls
    /// [`AppState::ensure_check_ins_loaded`] first.
    pub check_ins: RwSignal<Collection<CheckIn>>,
    /// False only between start-up drawing Today and loading the check-ins just after (years of them take tens of
    /// milliseconds on a phone, and Today shows just the latest).
    pub check_ins_loaded: RwSignal<bool>,
    /// Tags the person added to their own list.
    pub custom_tags: RwSignal<Collection<CustomTag>>,
    pub questionnaires: RwSignal<Collection<QuestionnaireResponse>>,
    pub goals: RwSignal<Collection<Goal>>,
    pub sessions: RwSignal<Collection<Session>>,
    pub settings: RwSignal<Collection<Settings>>,
    pub plan_steps: RwSignal<Collection<PlanStep>>,
    /// One record (singleton id), when the person has written any of it.
    pub staying_well: RwSignal<Collection<StayingWellPlan>>,
    /// One record (singleton id): when therapy ended.
    pub therapy: RwSignal<Collection<TherapyStatus>>,
    /// Data found in storage that could not be loaded (kept aside, or from a newer version).
    pub problems: RwSignal<Vec<Problem>>,
    /// The last save that failed, in words for the person.
    pub save_error: RwSignal<Option<SaveError>>,
    /// A new version of the app has installed and waits for the person to reload.
    pub update_ready: RwSignal<bool>,
    /// Whether the browser promised to keep the data (`None` until it has answered).
    pub persisted: RwSignal<Option<bool>>,
    /// The last saved change that could not be queued for sync (storage full); the record itself was saved.
    pub sync_queue_error: RwSignal<Option<StoreError>>,
    /// The last write this tab made, set after each one (sync starts soon after; the first asks the browser to keep
    /// the data). Changes from other tabs and from sync are not announced here.
    pub local_write: RwSignal<Option<LocalWrite>>,
    device: StoredValue<Device<AppStore>, LocalStorage>,
    now: fn() -> Timestamp,
}

/// The state provided by [`provide_app_state`].
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

/// Loads everything from storage, starts listening to other tabs and registers the service worker.
pub fn provide_app_state() -> AppState {
    let state = AppState::new(Rc::new(LocalStore), clock::random_bytes, clock::now);
    state.load_at_start();
    provide_context(state);
    listen_to_other_tabs(state);
    service_worker::register(state.update_ready);
    leptos::task::spawn_local(async move {
        state.persisted.set(Some(persistence::is_persisted().await))
    });
    ask_to_keep_data_after_first_write(state);
    state
}

impl AppState {
    /// State over `store`, empty until loaded; `random` gives sync's change ids, `now` the time of each write.
    pub fn new(store: AppStore, random: fn() -> [u8; 16], now: fn() -> Timestamp) -> AppState {
        AppState {
            check_ins: RwSignal::new(Collection::default()),
            check_ins_loaded: RwSignal::new(false),
            custom_tags: RwSignal::new(Collection::default()),
            questionnaires: RwSignal::new(Collection::default()),
            goals: RwSignal::new(Collection::default()),
            sessions: RwSignal::new(Collection::default()),
            settings: RwSignal::new(Collection::default()),
            plan_steps: RwSignal::new(Collection::default()),
            staying_well: RwSignal::new(Collection::default()),
            therapy: RwSignal::new(Collection::default()),
            problems: RwSignal::new(Vec::new()),
            save_error: RwSignal::new(None),
            update_ready: RwSignal::new(false),
            persisted: RwSignal::new(None),
            sync_queue_error: RwSignal::new(None),
            local_write: RwSignal::new(None),
            device: StoredValue::new_local(Device::new(store, random)),
            now,
        }
    }

    /// Reads through the device's repository (records, data kept aside).
    fn read<T>(&self, read: impl FnOnce(&Repository<AppStore>) -> T) -> T {
        self.device.with_value(|device| read(device.repository()))
    }

    /// Everything on this device as the text of a backup file.
    pub fn backup_text(&self) -> Result<String, StoreError> {
        self.read(|repo| backup::export(repo, (self.now)()))
    }

    /// Everything kept aside because it could not be read, oldest first.
    pub fn aside(&self) -> Result<Vec<AsideEntry>, StoreError> {
        self.read(Repository::aside)
    }

    /// The live check-ins grouped by local day, for trends, history and insights.
    pub fn mood_days(&self) -> MoodDays {
        self.mood_days_since(Timestamp(i64::MIN))
    }

    /// Like [`AppState::mood_days`], only for check-ins at or after `since`: a rule about the last few days need not
    /// sort and group years of history on every tap.
    pub fn mood_days_since(&self, since: Timestamp) -> MoodDays {
        self.check_ins.with(|c| {
            MoodDays::build(
                c.all(),
                |r| {
                    (!r.deleted && r.data.at >= since).then(|| MoodPoint {
                        at: r.data.at,
                        mood: r.data.mood,
                        tags: &r.data.tags,
                    })
                },
                &clock::BrowserZone,
            )
        })
    }

    /// How many live (not deleted) records of each kind this device holds, by kind name; every kind is here.
    pub fn live_counts(&self) -> Vec<(&'static str, usize)> {
        fn count<K: RecordKind + Send + Sync>(c: RwSignal<Collection<K>>) -> (&'static str, usize) {
            (K::KIND, c.with(|c| c.live().count()))
        }
        vec![
            count(self.check_ins),
            count(self.custom_tags),
            count(self.questionnaires),
            count(self.goals),
            count(self.sessions),
            count(self.settings),
            count(self.plan_steps),
            count(self.staying_well),
            count(self.therapy),
        ]
    }

    /// When the oldest live record of any kind was created (for the backup reminder).
    pub fn oldest_record(&self) -> Option<waymark_core::Timestamp> {
        fn oldest<K: RecordKind + Send + Sync>(
            c: RwSignal<Collection<K>>,
        ) -> Option<waymark_core::Timestamp> {
            c.with(|c| c.live().map(|r| r.created).min())
        }
        [
            oldest(self.check_ins),
            oldest(self.custom_tags),
            oldest(self.questionnaires),
            oldest(self.goals),
            oldest(self.sessions),
            oldest(self.plan_steps),
            oldest(self.staying_well),
            oldest(self.therapy),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Saves a new or changed check-in. Returns whether it was saved; if not, the banner says why.
    pub fn save_check_in(&self, record: Record<CheckIn>) -> bool {
        self.save(self.check_ins, record)
    }

    pub fn save_custom_tag(&self, record: Record<CustomTag>) -> bool {
        self.save(self.custom_tags, record)
    }

    pub fn save_questionnaire(&self, record: Record<QuestionnaireResponse>) -> bool {
        self.save(self.questionnaires, record)
    }

    pub fn save_goal(&self, record: Record<Goal>) -> bool {
        self.save(self.goals, record)
    }

    pub fn save_session(&self, record: Record<Session>) -> bool {
        self.save(self.sessions, record)
    }

    pub fn save_plan_step(&self, record: Record<PlanStep>) -> bool {
        self.save(self.plan_steps, record)
    }

    /// Changes the staying-well plan (creating it the first time).
    pub fn update_staying_well(&self, change: impl FnOnce(&mut StayingWellPlan)) -> bool {
        self.update_singleton(self.staying_well, StayingWellPlan::id(), change)
    }

    /// Changes the therapy record (creating it the first time).
    pub fn update_therapy(&self, change: impl FnOnce(&mut TherapyStatus)) -> bool {
        self.update_singleton(self.therapy, TherapyStatus::id(), change)
    }

    fn update_singleton<K: RecordKind + Default + Send + Sync>(
        &self,
        collection: RwSignal<Collection<K>>,
        id: waymark_core::RecordId,
        change: impl FnOnce(&mut K),
    ) -> bool {
        let now = (self.now)();
        let existing = collection.with_untracked(|c| c.get(&id).cloned());
        let mut record = existing.unwrap_or_else(|| Record::new(id, now, K::default()));
        record.deleted = false;
        record.edit(now, change);
        self.save(collection, record)
    }

    /// Changes the settings (creating the one settings record the first time).
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> bool {
        self.update_singleton(self.settings, Settings::id(), change)
    }

    fn save<K: RecordKind + Send + Sync>(
        &self,
        collection: RwSignal<Collection<K>>,
        record: Record<K>,
    ) -> bool {
        let now = (self.now)();
        match self.device.with_value(|device| device.save(record, now)) {
            Ok(saved) => {
                collection.update(|collection| {
                    collection.show(saved.held);
                });
                self.save_error.set(None);
                if saved.written {
                    // Saved here either way; a change that could not be queued is queued by the next sync.
                    if let Err(error) = saved.sync_queue {
                        self.sync_queue_error.set(Some(error));
                    }
                    self.local_write.set(Some(LocalWrite::Saved));
                }
                true
            }
            Err(error) => {
                self.save_error.set(Some(error));
                false
            }
        }
    }

    /// Brings in a checked backup (see [`ImportMode`]), then shows what storage holds.
    pub fn import(&self, preview: &ImportPreview, mode: ImportMode) -> Imported {
        let imported = self
            .device
            .with_value(|device| device.import(preview, mode, (self.now)()));
        if imported.changed_anything() {
            self.reload_everything();
            self.local_write.set(Some(LocalWrite::Imported));
        }
        imported
    }

    /// Removes everything Waymark keeps on this device, sync's bookkeeping too (sync is then off here), and returns
    /// how many stored items went.
    pub fn delete_everything(&self) -> Result<usize, StoreError> {
        let deleted = self.device.with_value(Device::delete_everything);
        self.reload_everything();
        self.save_error.set(None);
        self.local_write.set(Some(LocalWrite::DeletedEverything));
        deleted
    }

    /// Loads every kind of record from storage again (after an import, or "delete everything").
    pub fn reload_everything(&self) {
        let stored = self.read(Repository::stored_records);
        self.load_stored(stored, true);
    }

    /// Start-up: every kind but the check-ins now, and the check-ins just after the first page has been drawn (a page
    /// that needs them sooner asks for them with [`AppState::ensure_check_ins_loaded`]). In a hidden tab nothing is
    /// drawn, so everything loads now.
    fn load_at_start(&self) {
        let hidden = document().visibility_state() == web_sys::VisibilityState::Hidden;
        if hidden {
            self.reload_everything();
            return;
        }
        let stored = self.read(|repo| repo.stored_records_except(CheckIn::KIND));
        self.load_stored(stored, false);
        let state = *self;
        // The animation frame comes just before the first paint, and a task queued in it runs after that paint.
        request_animation_frame(move || {
            set_timeout(
                move || state.ensure_check_ins_loaded(),
                std::time::Duration::ZERO,
            )
        });
    }

    /// Loads the check-ins if start-up has not yet: call it before showing or exporting them.
    pub fn ensure_check_ins_loaded(&self) {
        if self.check_ins_loaded.get_untracked() {
            return;
        }
        let now = (self.now)();
        let mut problems = Vec::new();
        match self.read(|repo| repo.stored_records_of(CheckIn::KIND)) {
            Ok(stored) => {
                self.read(|repo| load_kind(self.check_ins, repo, &stored, now, &mut problems))
            }
            Err(error) => problems.push(Problem {
                key: format!("{}{}.", repository::RECORD_PREFIX, CheckIn::KIND),
                kind: ProblemKind::ReadFailed(error),
            }),
        }
        if !problems.is_empty() {
            self.problems.update(|found| found.extend(problems));
        }
        self.check_ins_loaded.set(true);
    }

    /// Puts what was read into every collection, the check-ins only `with_check_ins`; problems found replace the
    /// ones shown before.
    fn load_stored(
        &self,
        stored: Result<repository::StoredRecords, StoreError>,
        with_check_ins: bool,
    ) {
        let now = (self.now)();
        let mut problems = Vec::new();
        let stored = stored.unwrap_or_else(|error| {
            problems.push(Problem {
                key: repository::RECORD_PREFIX.into(),
                kind: ProblemKind::ReadFailed(error),
            });
            Default::default()
        });
        self.read(|repo| {
            if with_check_ins {
                load_kind(self.check_ins, repo, &stored, now, &mut problems);
            }
            load_kind(self.custom_tags, repo, &stored, now, &mut problems);
            load_kind(self.questionnaires, repo, &stored, now, &mut problems);
            load_kind(self.goals, repo, &stored, now, &mut problems);
            load_kind(self.sessions, repo, &stored, now, &mut problems);
            load_kind(self.settings, repo, &stored, now, &mut problems);
            load_kind(self.plan_steps, repo, &stored, now, &mut problems);
            load_kind(self.staying_well, repo, &stored, now, &mut problems);
            load_kind(self.therapy, repo, &stored, now, &mut problems);
        });
        self.problems.set(problems);
        if with_check_ins {
            self.check_ins_loaded.set(true);
        }
    }

    /// Re-reads one key another tab (or sync) changed, into the collection of its kind.
    pub fn reload_key(&self, key: &str) {
        let found = match repository::kind_of_key(key) {
            Some(CheckIn::KIND) => self.reload_into(self.check_ins, key),
            Some(CustomTag::KIND) => self.reload_into(self.custom_tags, key),
            Some(QuestionnaireResponse::KIND) => self.reload_into(self.questionnaires, key),
            Some(Goal::KIND) => self.reload_into(self.goals, key),
            Some(Session::KIND) => self.reload_into(self.sessions, key),
            Some(Settings::KIND) => self.reload_into(self.settings, key),
            Some(PlanStep::KIND) => self.reload_into(self.plan_steps, key),
            Some(StayingWellPlan::KIND) => self.reload_into(self.staying_well, key),
            Some(TherapyStatus::KIND) => self.reload_into(self.therapy, key),
            _ => return,
        };
        if !found.is_empty() {
            self.problems.update(|problems| problems.extend(found));
        }
    }

    fn reload_into<K: RecordKind + Send + Sync>(
        &self,
        collection: RwSignal<Collection<K>>,
        key: &str,
    ) -> Vec<Problem> {
        let now = (self.now)();
        let mut found = Vec::new();
        self.read(|repo| collection.update(|c| found = c.reload_key(repo, key, now)));
        found
    }
}

/// Loads kind `K` from what was read at once into its collection, noting what could not be loaded.
fn load_kind<K: RecordKind + Send + Sync>(
    into: RwSignal<Collection<K>>,
    repo: &Repository<AppStore>,
    stored: &repository::StoredRecords,
    now: waymark_core::Timestamp,
    problems: &mut Vec<Problem>,
) {
    let (collection, found) = Collection::load_from(repo, stored, now);
    problems.extend(found);
    into.set(collection);
}

/// After the first save or import (not after deleting everything), asks the browser not to clear Waymark's data when space runs low: at most
/// once a page (some browsers, Firefox, ask the person each time), and not when it already promised.
fn ask_to_keep_data_after_first_write(state: AppState) {
    let asked = StoredValue::new(false);
    Effect::watch(
        move || state.local_write.get(),
        move |write, _, _| {
            let kept_something = matches!(write, Some(LocalWrite::Saved | LocalWrite::Imported));
            if !kept_something || asked.get_value() || state.persisted.get_untracked() == Some(true)
            {
                return;
            }
            asked.set_value(true);
            let persisted = state.persisted;
            leptos::task::spawn_local(async move {
                persisted.set(Some(persistence::request_persistence().await))
            });
        },
        false,
    );
}

fn listen_to_other_tabs(state: AppState) {
    let handle = window_event_listener(leptos::ev::storage, move |event: web_sys::StorageEvent| {
        match event.key() {
            Some(key) => state.reload_key(&key),
            // Another tab cleared all of storage.
            None => state.reload_everything(),
        }
    });
    // The listener lives as long as the app.
    std::mem::forget(handle);
}
