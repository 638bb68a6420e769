//! Sync between a person's devices, the app's side: the HTTP client, the runner that pushes and pulls, and the
//! rules the screens share. The merging itself is `waymark_core::sync::engine`; the keys are `secure`.
//!
//! ## The runner
//!
//! One [`SyncRunner`] per page, in context. It follows [`AppState::local_write`] for this tab's own writes (which
//! core's device has already queued), so the state never calls sync. A sync cycle:
//!
//! 1. stops at once when sync is off, when the browser says it is offline, or when another tab holds the
//!    [`lease`] (that tab's results arrive here through `storage` events, like any other tab's saves);
//! 2. re-applies held changes (`retry_held`), and re-queues records if a queue once failed;
//! 3. pushes the outbox, each change sealed under the data key, in batches of at most `MAX_PUSH_CHANGES` and
//!    `MAX_PUSH_BODY_BYTES`, marking each batch pushed as the server accepts it. A change too big to send is set
//!    aside for its record (`SyncEngine::set_aside_too_big`) and named to the person until a smaller change to the
//!    record carries it; a batch refused as too large (a proxy may take less) is split, down to single changes;
//! 4. pulls page after page until `more` is false, opening each change; one that cannot be opened or read is
//!    quarantined and the rest go on; each page is applied and its changed keys reloaded into [`AppState`];
//! 5. records the last sync and the server's clock offset.
//!
//! Triggers: about two seconds after the last local change (debounced), on start, when the app becomes visible
//! again, on the `online` event, every few minutes while visible, and "Sync now". A trigger during a cycle runs
//! one more cycle afterwards. Failures that may pass (server busy or down, storage full, no connection) are
//! retried with a growing pause; a device the server no longer accepts waits for the person. Every request gives
//! up after 30 seconds, so "Syncing…" never stays.

pub mod client;
pub mod flows;
pub mod lease;
pub mod rules;
pub mod secure;

use crate::browser::{clock, local_store::LocalStore};
use crate::state::{AppState, LocalWrite};
use client::{ApiError, Auth, ServerTime};
use leptos::prelude::*;
use rules::{Batcher, Pending, Phase, Problem, Status};
use std::cell::RefCell;
use std::time::Duration;
use waymark_core::sync::engine::{Incoming, Membership, Pulled, SyncEngine};
use waymark_core::sync::protocol::{MAX_PULL_LIMIT, PushChange, PushRequest};
use waymark_core::{StoreError, Timestamp};

/// The engine over `localStorage` (stateless, like the repository), with the browser's random source for change ids.
pub fn engine() -> SyncEngine<LocalStore> {
    SyncEngine::new(LocalStore, clock::random_bytes)
}

const MEMBERSHIP_KEY: &str = "waymark.sync.membership";
const OUTBOX_PREFIX: &str = "waymark.sync.out.";
/// Set when a change could not be queued (storage full), so the next cycle queues what was missed.
/// How long after the last local change a sync starts.
const DEBOUNCE_MS: u64 = 2_000;
/// How often an open, visible app looks for changes from other devices.
const PERIODIC_MS: u64 = 5 * 60_000;
/// A focus or visibility trigger this soon after the last sync does nothing (switching apps is frequent).
const FOCUS_QUIET_MS: i64 = 30_000;
/// At most this many pages in one cycle (500 changes each): a server that keeps saying "more" cannot keep a
/// phone busy for ever.
const MAX_PAGES: usize = 400;
/// When more keys than this changed in one page, everything is reloaded at once instead of key by key.
const RELOAD_ALL_OVER: usize = 200;

/// The runner's handle: signals for the screens, and the way to ask for a sync.
#[derive(Clone, Copy)]
pub struct SyncRunner {
    pub status: RwSignal<Status>,
    /// This device's membership, when sync is on (for the screens: names, clock offset).
    pub membership: RwSignal<Option<Membership>>,
    /// Changes from other devices that could not be read (kept aside).
    pub quarantined: RwSignal<usize>,
    /// Whether changes from a newer version of Waymark are waiting for this one to update.
    pub held: RwSignal<bool>,
    /// Moves every half minute, so "Synced just now" becomes "Synced at 14:02".
    pub tick: RwSignal<u64>,
    state: AppState,
}

/// What the runner keeps between calls (not reactive; one per page).
#[derive(Default)]
struct Inner {
    /// This tab's name for the lease.
    tab: String,
    running: bool,
    /// Another trigger arrived during a cycle.
    again: bool,
    timer: Option<TimeoutHandle>,
    /// Moves on whenever sync is turned off or on, so a cycle that was under way stops writing.
    epoch: u64,
    /// Failures in a row, for the pause before the next try.
    failures: u32,
    /// When the last cycle ended (this device's clock).
    last_end: i64,
}

thread_local! {
    static INNER: RefCell<Inner> = RefCell::new(Inner::default());
}

fn inner<T>(f: impl FnOnce(&mut Inner) -> T) -> T {
    INNER.with(|inner| f(&mut inner.borrow_mut()))
}

/// The runner provided by [`provide_sync`].
pub fn use_sync() -> SyncRunner {
    expect_context::<SyncRunner>()
}

/// Why a cycle stopped early.
enum Stop {
    Off,
    /// Another tab is syncing.
    Busy,
    Offline,
    /// Sync was turned off (or on again) meanwhile: nothing more is written.
    Cancelled,
    Problem(Problem),
}

impl From<ApiError> for Stop {
    fn from(error: ApiError) -> Self {
        if error == ApiError::Offline && !window().navigator().on_line() {
            return Stop::Offline;
        }
        Stop::Problem(Problem::from_api(&error))
    }
}

impl From<StoreError> for Stop {
    fn from(error: StoreError) -> Self {
        Stop::Problem(Problem::from_store(&error))
    }
}

impl From<secure::KeyProblem> for Stop {
    fn from(problem: secure::KeyProblem) -> Self {
        match problem {
            secure::KeyProblem::NoCrypto => Stop::Problem(Problem::NoCrypto),
            // The browser failed for a moment (memory, most likely): try again later, as for a server problem.
            _ => Stop::Problem(Problem::Server),
        }
    }
}

/// Starts the runner: reads whether sync is on, listens for the triggers and other tabs, and syncs soon after start.
pub fn provide_sync(state: AppState) -> SyncRunner {
    let runner = SyncRunner {
        status: RwSignal::new(Status::default()),
        membership: RwSignal::new(None),
        quarantined: RwSignal::new(0),
        held: RwSignal::new(false),
        tick: RwSignal::new(0),
        state,
    };
    inner(|inner| inner.tab = clock::new_id().to_string());
    provide_context(runner);
    runner.read(false);
    runner.listen();
    runner.follow_local_writes();
    if runner.is_on() {
        runner.schedule(1_500);
    }
    runner
}

impl SyncRunner {
    /// Acts on this tab's own writes, as [`AppState::local_write`] announces them (the device already queued them):
    /// a save syncs about two seconds after the last one, an import at once; after "delete everything" (which removes
    /// sync's bookkeeping too) sync shows as off.
    fn follow_local_writes(&self) {
        let runner = *self;
        Effect::watch(
            move || runner.state.local_write.get(),
            move |write, _, _| match write {
                Some(LocalWrite::Saved) if runner.may_start() => runner.schedule(DEBOUNCE_MS),
                Some(LocalWrite::Imported) if runner.is_on() => {
                    runner.refresh();
                    runner.schedule(0);
                }
                Some(LocalWrite::DeletedEverything) => runner.refresh(),
                _ => {}
            },
            false,
        );
    }

    pub fn is_on(&self) -> bool {
        self.membership.with_untracked(Option::is_some)
    }

    /// Whether a trigger other than "Sync now" may start a cycle: sync is on, and the server has not already said
    /// this device is out (that waits for the person).
    fn may_start(&self) -> bool {
        self.is_on()
            && self.status.with_untracked(
                |s| !matches!(&s.phase, Phase::Problem(problem) if problem.needs_leave()),
            )
    }

    /// Reads the membership and the outbox again (after joining or leaving, or another tab's change).
    pub fn refresh(&self) {
        self.read(true);
    }

    /// Reads the membership, and (with `counts`) counts the outbox and quarantine, which walks every storage key
    /// once: left out at start, where the first sync counts them a moment later.
    fn read(&self, counts: bool) {
        let engine = engine();
        let membership = engine.membership().ok().flatten();
        let was_on = self.is_on();
        let now_on = membership.is_some();
        if was_on != now_on
            || membership.as_ref().map(|m| &m.space_id)
                != self
                    .membership
                    .with_untracked(|m| m.as_ref().map(|m| m.space_id.clone()))
                    .as_ref()
        {
            // Turned off or on (here, in another tab, or by "delete everything"): a cycle under way stops.
            inner(|inner| {
                inner.epoch += 1;
                inner.failures = 0;
            });
        }
        let last_synced = membership.as_ref().and_then(|m| m.last_synced);
        let counted = (now_on && counts).then(|| engine.counts().unwrap_or_default());
        if !now_on {
            self.quarantined.set(0);
        } else if let Some(counted) = counted {
            self.quarantined.set(counted.quarantined);
        }
        let waiting = match (now_on, counted) {
            (false, _) => Some(0),
            (true, Some(counted)) => Some(counted.waiting),
            (true, None) => None,
        };
        self.status.update(|status| {
            if let Some(waiting) = waiting {
                status.waiting = waiting;
            }
            status.last_synced = last_synced;
            status.phase = match (&status.phase, now_on) {
                (_, false) => Phase::Off,
                (Phase::Off, true) => Phase::Idle,
                (phase, true) => phase.clone(),
            };
        });
        if !now_on {
            self.held.set(false);
        }
        self.membership.set(membership);
    }

    /// Syncs now (the "Sync now" button): also after a problem that waits for the person.
    pub fn sync_now(&self) {
        inner(|inner| inner.failures = 0);
        self.schedule(0);
    }

    /// Runs a cycle after `delay_ms`, replacing any cycle already waiting (so local changes are debounced).
    pub fn schedule(&self, delay_ms: u64) {
        let runner = *self;
        let handle = set_timeout_with_handle(
            move || {
                inner(|inner| inner.timer = None);
                leptos::task::spawn_local(async move { runner.run().await });
            },
            Duration::from_millis(delay_ms),
        )
        .ok();
        if let Some(old) = inner(|inner| std::mem::replace(&mut inner.timer, handle)) {
            old.clear();
        }
    }

    /// The person chose to keep what is too big to send on this device only: it is no longer shown as a problem.
    pub fn keep_too_big_here(&self) {
        let phase = match engine().keep_too_big_here() {
            Ok(()) => Phase::Idle,
            Err(error) => Phase::Problem(Problem::from_store(&error)),
        };
        self.status.update(|s| {
            if matches!(s.phase, Phase::Problem(Problem::TooLarge(_))) {
                s.phase = phase;
            }
        });
    }

    /// Turns sync off on this device; records stay. When the space still exists, what joining it again needs is
    /// kept (see [`SyncEngine::leave`]); when it is gone (`space_gone`), every `waymark.sync.` key goes.
    pub fn leave_locally(&self, space_gone: bool) -> Result<(), StoreError> {
        inner(|inner| inner.epoch += 1);
        let engine = engine();
        let result = if space_gone {
            engine.forget()
        } else {
            engine.leave()
        };
        self.refresh();
        result
    }

    /// Listens for what should start a sync, and for other tabs' sync keys.
    fn listen(&self) {
        let runner = *self;
        let online = window_event_listener(leptos::ev::online, move |_| {
            if runner.may_start() {
                runner.schedule(0);
            }
        });
        let offline = window_event_listener(leptos::ev::offline, move |_| {
            runner.status.update(|s| {
                if matches!(s.phase, Phase::Idle) {
                    s.phase = Phase::Offline;
                }
            })
        });
        let focus = window_event_listener(leptos::ev::focus, move |_| runner.woke());
        let pageshow = window_event_listener(leptos::ev::pageshow, move |_| runner.woke());
        let storage =
            window_event_listener(leptos::ev::storage, move |event: web_sys::StorageEvent| {
                match event.key() {
                    None => runner.refresh(),
                    Some(key) if key == MEMBERSHIP_KEY => runner.refresh(),
                    Some(key) if key.starts_with(OUTBOX_PREFIX) => runner.refresh_waiting_soon(),
                    _ => {}
                }
            });
        // The listeners live as long as the app.
        std::mem::forget((online, offline, focus, pageshow, storage));
        let visible = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                runner.woke();
            }
        });
        let _ = document().add_event_listener_with_callback(
            "visibilitychange",
            wasm_bindgen::JsCast::unchecked_ref(visible.as_ref()),
        );
        visible.forget();
        let periodic = set_interval_with_handle(
            move || {
                runner.tick.update(|t| *t += 1);
                let ticks = runner.tick.get_untracked();
                // Every PERIODIC_MS, while someone is looking.
                if ticks.is_multiple_of(PERIODIC_MS / 30_000)
                    && runner.may_start()
                    && document().visibility_state() == web_sys::VisibilityState::Visible
                {
                    runner.schedule(0);
                }
            },
            Duration::from_millis(30_000),
        );
        std::mem::forget(periodic);
    }

    /// The app came back into view: sync unless it just did.
    fn woke(&self) {
        let quiet = clock::now().0 - inner(|inner| inner.last_end) < FOCUS_QUIET_MS;
        let waiting = self.status.with_untracked(|s| s.waiting) > 0;
        if self.may_start() && (!quiet || waiting) {
            self.schedule(0);
        }
    }

    /// Another tab queued or pushed changes: count them again, once things settle.
    fn refresh_waiting_soon(&self) {
        thread_local! {
            static PENDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if PENDING.with(|p| p.replace(true)) {
            return;
        }
        let runner = *self;
        set_timeout(
            move || {
                PENDING.with(|p| p.set(false));
                if runner.is_on() {
                    let waiting = engine().outbox_len().unwrap_or(0);
                    runner.status.update(|s| s.waiting = waiting);
                }
            },
            Duration::from_millis(500),
        );
    }

    /// Runs cycles until no trigger arrived during the last one.
    async fn run(&self) {
        if inner(|inner| std::mem::replace(&mut inner.running, true)) {
            inner(|inner| inner.again = true);
            return;
        }
        loop {
            inner(|inner| inner.again = false);
            let epoch = inner(|inner| inner.epoch);
            let outcome = self.cycle(epoch).await;
            let again = self.finish(outcome, epoch);
            if !again {
                break;
            }
        }
        inner(|inner| {
            inner.running = false;
            inner.last_end = clock::now().0;
        });
    }

    /// After a cycle stopped because sync was turned off or on meanwhile: nothing shows "Syncing…" any more, and a
    /// sync asked for meanwhile (the first one after joining again) still runs.
    fn after_cancel(&self) -> bool {
        self.refresh();
        self.status.update(|s| {
            if s.phase == Phase::Syncing {
                s.phase = Phase::Idle;
            }
        });
        inner(|inner| inner.again)
    }

    /// Shows how a cycle ended and plans the next; returns whether to run again at once.
    fn finish(&self, outcome: Result<Vec<String>, Stop>, epoch: u64) -> bool {
        let cancelled = inner(|inner| inner.epoch != epoch);
        let (phase, retry) = match outcome {
            _ if cancelled => return self.after_cancel(),
            Ok(too_large) if too_large.is_empty() => (Phase::Idle, false),
            Ok(too_large) => (Phase::Problem(Problem::TooLarge(too_large)), false),
            Err(Stop::Off) => (Phase::Off, false),
            Err(Stop::Cancelled) => return self.after_cancel(),
            Err(Stop::Busy) => {
                // Another tab is at it; look again once its lease has surely ended.
                self.refresh();
                self.schedule(5_000);
                return false;
            }
            Err(Stop::Offline) => (Phase::Offline, true),
            Err(Stop::Problem(problem)) => {
                let retry = problem.retries();
                (Phase::Problem(problem), retry)
            }
        };
        let ok = matches!(phase, Phase::Idle | Phase::Problem(Problem::TooLarge(_)));
        self.refresh();
        self.status.update(|s| {
            s.phase = if s.phase == Phase::Off {
                Phase::Off
            } else {
                phase
            }
        });
        let failures = inner(|inner| {
            inner.failures = if ok { 0 } else { inner.failures + 1 };
            inner.failures
        });
        let again = inner(|inner| inner.again);
        if again && ok {
            return true;
        }
        if retry {
            // 30 s, 1 min, 2 min… up to 15 min; "online" and "Sync now" do not wait.
            let pause = (30_000u64 << failures.saturating_sub(1).min(5)).min(15 * 60_000);
            self.schedule(pause);
        }
        false
    }

    /// One cycle; returns what is too big to send, in the person's words.
    async fn cycle(&self, epoch: u64) -> Result<Vec<String>, Stop> {
        let engine = engine();
        let Some(membership) = engine.membership()? else {
            return Err(Stop::Off);
        };
        if !window().navigator().on_line() {
            return Err(Stop::Offline);
        }
        let tab = inner(|inner| inner.tab.clone());
        if !lease::try_take(&LocalStore, &tab, clock::now()) {
            return Err(Stop::Busy);
        }
        self.status.update(|s| s.phase = Phase::Syncing);
        let result = self.exchange(&engine, &membership, epoch, &tab).await;
        lease::release(&LocalStore, &tab);
        result
    }

    async fn exchange(
        &self,
        engine: &SyncEngine<LocalStore>,
        membership: &Membership,
        epoch: u64,
        tab: &str,
    ) -> Result<Vec<String>, Stop> {
        let current = || current(epoch);
        let space = membership.space_id.clone();
        let auth = Auth {
            space: space.clone(),
            token: membership.token.clone(),
        };
        let key = secure::data_key(&membership.data_key).await?;
        current()?;

        if engine.catch_up(clock::now())? > 0 {
            self.state.sync_queue_error.set(None);
        }
        // One walk over storage's keys says what there is to do; each step below that reads a prefix walks them
        // again, so it is left out when there is nothing under it.
        let counts = engine.counts()?;
        if counts.held > 0 {
            let retried = self.shown(engine.retry_held(clock::now()))?;
            self.held.set(retried.held > 0);
            self.reload(&retried.changed_keys);
        } else {
            self.held.set(false);
        }
        let mut set_aside = counts.too_big > 0;

        // Push. A refusal of what was sent (the server's copy is full, a batch too big for it, a server error) does
        // not stop this device receiving the others' changes: the pull still runs, and the problem is shown after.
        let mut offset = None;
        let pushed: Result<(), Stop> = async {
            let mut batcher = Batcher::default();
            let outbox = if counts.waiting > 0 {
                engine.outbox()?
            } else {
                Vec::new()
            };
            // Counted down as batches go, rather than by reading storage again after each (that walks every key).
            // Storage stays the truth: every cycle ends by counting it again, and so do other tabs' changes.
            let mut waiting = outbox.len();
            self.status.update(|s| s.waiting = waiting);
            for change in &outbox {
                let sealed = secure::seal(&key, &space, change).await?;
                current()?;
                if !rules::fits(&sealed) {
                    engine.set_aside_too_big(&change.id)?;
                    set_aside = true;
                    waiting -= 1;
                    continue;
                }
                let mut ready = batcher.add(sealed).into_iter().collect::<Vec<_>>();
                if batcher.is_full() {
                    ready.push(batcher.take());
                }
                for batch in ready {
                    let sent = self.send(engine, &auth, batch, tab, epoch, &mut waiting);
                    let (sent_offset, refused) = sent.await?;
                    offset = sent_offset.or(offset);
                    set_aside |= refused;
                }
            }
            let rest = batcher.take();
            let sent = self.send(engine, &auth, rest, tab, epoch, &mut waiting);
            let (sent_offset, refused) = sent.await?;
            offset = sent_offset.or(offset);
            set_aside |= refused;
            Ok(())
        }
        .await;
        let push_problem = match pushed {
            Ok(()) => None,
            Err(Stop::Problem(problem @ (Problem::SpaceFull | Problem::Server))) => Some(problem),
            Err(other) => return Err(other),
        };

        // Pull, in the server's order: a change that cannot be opened is kept aside in its place, so nothing after
        // it is applied before it and the cursor never passes a change that was not dealt with.
        let mut after = membership.cursor;
        for _ in 0..MAX_PAGES {
            let page = match auth.pull(after, MAX_PULL_LIMIT).await {
                // The server was restored from an older copy: pull everything again (applying twice changes nothing).
                Err(ApiError::CursorAhead) if after > 0 => {
                    current()?;
                    engine.update_membership(|m| m.cursor = 0)?;
                    after = 0;
                    continue;
                }
                other => other?,
            };
            current()?;
            offset = Some(page.server_time() - clock::now().0);
            let mut incoming = Vec::with_capacity(page.changes.len());
            for pulled in &page.changes {
                incoming.push(match secure::open(&key, &space, pulled).await? {
                    Some(change) => Incoming::Change(Pulled {
                        change,
                        seq: pulled.seq,
                        received_at: Timestamp(pulled.received_at),
                    }),
                    None => Incoming::Unreadable {
                        id: pulled.id.clone(),
                        seq: pulled.seq,
                        ciphertext: pulled.ciphertext.clone(),
                    },
                });
            }
            current()?;
            self.apply(engine, incoming)?;
            lease::try_take(&LocalStore, tab, clock::now());
            if !page.more || page.next_after <= after {
                break;
            }
            after = page.next_after;
        }

        let now = clock::now();
        let complete = push_problem.is_none();
        engine.update_membership(|m| {
            if complete {
                m.last_synced = Some(now);
            }
            if let Some(offset) = offset {
                m.clock_offset_ms = offset;
            }
        })?;
        if let Some(problem) = push_problem {
            return Err(Stop::Problem(problem));
        }
        // Listing what is too big reads another prefix: only when there is some.
        let too_big = if set_aside {
            engine.too_big()?
        } else {
            Vec::new()
        };
        Ok(too_big
            .iter()
            .map(|change| rules::describe_too_big(&change.kind, &change.record, clock::format_day))
            .collect())
    }

    /// Pushes a batch, splitting it when the server refuses it as too large, down to single changes; a single
    /// change refused is set aside as too big to send. Counts `waiting` down; returns the server's clock offset from
    /// the last push that went through, and whether a change was set aside.
    async fn send(
        &self,
        engine: &SyncEngine<LocalStore>,
        auth: &Auth,
        batch: Vec<PushChange>,
        tab: &str,
        epoch: u64,
        waiting: &mut usize,
    ) -> Result<(Option<i64>, bool), Stop> {
        let mut offset = None;
        let mut set_aside = false;
        let mut pending = Pending::new(batch);
        while let Some(batch) = pending.next_batch() {
            let count = batch.len();
            match self.push(engine, auth, batch, tab, epoch).await? {
                Ok(server_offset) => {
                    offset = Some(server_offset);
                    *waiting = waiting.saturating_sub(count);
                }
                Err(refused) => {
                    current(epoch)?;
                    if let Some(alone) = pending.refused(refused) {
                        engine.set_aside_too_big(&alone.id)?;
                        set_aside = true;
                        *waiting = waiting.saturating_sub(1);
                    }
                }
            }
            let left = *waiting;
            self.status.update(|s| s.waiting = left);
        }
        Ok((offset, set_aside))
    }

    /// Pushes one batch and marks it pushed; returns the server's clock offset, or the batch if the server
    /// refused it as too large.
    async fn push(
        &self,
        engine: &SyncEngine<LocalStore>,
        auth: &Auth,
        batch: Vec<PushChange>,
        tab: &str,
        epoch: u64,
    ) -> Result<Result<i64, Vec<PushChange>>, Stop> {
        let request = PushRequest { changes: batch };
        let answer = match auth.push(&request).await {
            Err(ApiError::TooLarge) => return Ok(Err(request.changes)),
            other => other?,
        };
        current(epoch)?;
        let offset = answer.server_time() - clock::now().0;
        // A receipt can move a field back to another device's value: show what changed.
        let changed = self.shown(engine.mark_pushed(&answer.accepted, clock::now()))?;
        self.reload(&changed);
        lease::try_take(&LocalStore, tab, clock::now());
        Ok(Ok(offset))
    }

    fn apply(&self, engine: &SyncEngine<LocalStore>, incoming: Vec<Incoming>) -> Result<(), Stop> {
        if incoming.is_empty() {
            return Ok(());
        }
        let applied = self.shown(engine.apply_pulled(incoming, clock::now()))?;
        if applied.held > 0 {
            self.held.set(true);
        }
        self.reload(&applied.changed_keys);
        Ok(())
    }

    /// Passes on the result of an engine call that writes records. When it failed part-way (storage full), the
    /// records it wrote before failing are not in its answer, and this tab gets no `storage` event for its own
    /// writes: everything is loaded again, so no screen edits a stale copy (whose save would undo the synced change).
    fn shown<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if result.is_err() {
            self.state.reload_everything();
        }
        result
    }

    /// Shows what sync changed in storage.
    fn reload(&self, keys: &[String]) {
        if keys.len() > RELOAD_ALL_OVER {
            self.state.reload_everything();
        } else {
            for key in keys {
                self.state.reload_key(key);
            }
        }
    }
}

/// Whether sync is still as it was when the cycle began (not turned off or on meanwhile): checked after every wait,
/// before anything is written.
fn current(epoch: u64) -> Result<(), Stop> {
    if inner(|inner| inner.epoch) == epoch {
        Ok(())
    } else {
        Err(Stop::Cancelled)
    }
}
