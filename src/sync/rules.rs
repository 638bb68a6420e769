//! The sync screens' and runner's rules that need no browser: what the status line says, what to do about a
//! problem, how pushes are cut into batches, and what counts as a usable passphrase and device name. Tested natively.

use super::client::ApiError;
use waymark_core::kinds;
use waymark_core::plan::{PlanStep, StayingWellPlan};
pub use waymark_core::sync::protocol::MAX_DEVICE_NAME_CHARS;
use waymark_core::sync::protocol::{
    self, DeviceNameError, MAX_CHANGE_BYTES, MAX_PUSH_BODY_BYTES, MAX_PUSH_CHANGES, PushChange,
};
use waymark_core::{RecordKind, StoreError, Timestamp};

/// Room left in each push body for what the estimate does not count.
const BODY_MARGIN: usize = 16 * 1024;

/// The shortest passphrase, in characters.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// How far the device's clock may be from the server's before the person is told.
pub const CLOCK_WARNING_MS: i64 = 2 * 60 * 1000;

/// What sync is doing, for the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Sync is not set up on this device.
    Off,
    /// Set up, nothing happening.
    Idle,
    Syncing,
    /// The browser says it is offline; sync tries again when it is back online.
    Offline,
    Problem(Problem),
}

/// Something the person may need to know or do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Online, but the sync server did not answer (down, or a poor connection).
    CannotConnect,
    /// The server no longer accepts this device (removed on another device).
    Removed,
    /// The synced data was deleted from the server (from another device).
    SpaceGone,
    /// The server asked for fewer requests.
    Busy,
    /// The server had a problem, or answered something unreadable.
    Server,
    /// This device's storage is full.
    StorageFull,
    /// Storage is blocked or failed.
    Storage,
    /// The browser lacks the encryption sync needs.
    NoCrypto,
    /// These things are too big to send (each in the person's words, see [`describe_too_big`]); they stay saved on
    /// this device, and sync once they are made smaller.
    TooLarge(Vec<String>),
    /// The server will not store more for this space.
    SpaceFull,
}

impl Problem {
    pub fn from_api(error: &ApiError) -> Problem {
        match error {
            ApiError::Offline => Problem::CannotConnect,
            ApiError::Unauthorized => Problem::Removed,
            ApiError::NotFound => Problem::SpaceGone,
            ApiError::TooManyRequests => Problem::Busy,
            ApiError::SpaceFull => Problem::SpaceFull,
            // A push refused as too large is split by the runner; anywhere else it is the server's problem.
            ApiError::TooLarge
            | ApiError::Conflict
            | ApiError::CursorAhead
            | ApiError::TooManyDevices
            | ApiError::WeakKdf
            | ApiError::Unavailable
            | ApiError::Refused(..)
            | ApiError::BadAnswer => Problem::Server,
        }
    }

    pub fn from_store(error: &StoreError) -> Problem {
        match error {
            StoreError::QuotaExceeded => Problem::StorageFull,
            StoreError::Unavailable | StoreError::Failed(_) => Problem::Storage,
        }
    }

    /// Whether trying again later may help (the runner retries these by itself).
    pub fn retries(&self) -> bool {
        matches!(
            self,
            Problem::CannotConnect
                | Problem::Busy
                | Problem::Server
                | Problem::StorageFull
                | Problem::Storage
                | Problem::SpaceFull
        )
    }

    /// Whether the person must turn sync off on this device to go on (the server will not take it back).
    pub fn needs_leave(&self) -> bool {
        matches!(self, Problem::Removed | Problem::SpaceGone)
    }

    /// The button that stops showing this problem, when the person can choose that.
    pub fn dismiss_words(&self) -> Option<&'static str> {
        match self {
            Problem::TooLarge(things) if things.len() == 1 => Some("Keep it on this device only"),
            Problem::TooLarge(_) => Some("Keep them on this device only"),
            _ => None,
        }
    }

    /// One sentence: what is wrong.
    pub fn headline(&self) -> String {
        match self {
            Problem::CannotConnect => "Waymark could not connect to the sync server.".into(),
            Problem::Removed => "This device is no longer part of sync.".into(),
            Problem::SpaceGone => "Your synced data has been deleted from the sync server.".into(),
            Problem::Busy => "The sync server is busy.".into(),
            Problem::Server => {
                "Sync is not working right now: the sync server has a problem.".into()
            }
            Problem::StorageFull => "Sync stopped: this device's storage is full.".into(),
            Problem::Storage => "Sync stopped: this browser would not save Waymark's data.".into(),
            Problem::NoCrypto => "This browser cannot do the encryption that sync needs.".into(),
            Problem::SpaceFull => "The sync server has no more room for your synced data.".into(),
            Problem::TooLarge(things) => match things.as_slice() {
                [one] => format!(
                    "{} is too big to sync. It is still saved on this device.",
                    capitalised(one)
                ),
                _ => format!(
                    "{} things are too big to sync: {}. They are still saved on this device.",
                    things.len(),
                    listed(things)
                ),
            },
        }
    }

    /// What the person can do about it.
    pub fn what_to_do(&self) -> &'static str {
        match self {
            Problem::Removed => {
                "It may have been removed on another device. Your data on this device is safe. To sync again, turn \
                 sync off on this device, then join again with your sync code and passphrase."
            }
            Problem::SpaceGone => {
                "This was probably done on another device. Your data on this device is safe. Turn sync off on this \
                 device. You can set sync up again if you want to."
            }
            Problem::CannotConnect => {
                "Check your internet connection. Waymark will try again by itself. Your data is safe on this device."
            }
            Problem::Busy => {
                "Waymark will try again in a few minutes. Your data is safe on this device."
            }
            Problem::Server => "Waymark will try again later. Your data is safe on this device.",
            Problem::SpaceFull => {
                "Your changes are still saved on this device. Ask the service that runs the sync server for help, \
                 or turn sync off and set it up again to start a fresh copy."
            }
            Problem::StorageFull => {
                "Free up some space on this phone (for example old photos or apps you no longer use). Waymark will \
                 try again."
            }
            Problem::Storage => {
                "If you are in a private or incognito window, open Waymark in a normal window instead."
            }
            Problem::NoCrypto => {
                "Try an up-to-date browser, such as Chrome, Safari, Firefox or Edge."
            }
            Problem::TooLarge(things) if things.len() == 1 => {
                "Your other devices will not get it while it is this big. If you can, make it shorter (a long note, \
                 for example) and it will sync by itself, or keep it on this device only. Everything else still \
                 syncs."
            }
            Problem::TooLarge(_) => {
                "Your other devices will not get them while they are this big. If you can, make them shorter (long \
                 notes, for example) and they will sync by themselves, or keep them on this device only. Everything \
                 else still syncs."
            }
        }
    }
}

/// `text` with its first letter a capital.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "a, b and c"; after three, "a, b, c and 2 more".
fn listed(things: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = things.iter().take(SHOWN).cloned().collect();
    if things.len() > SHOWN {
        parts.push(format!("{} more", things.len() - SHOWN));
    }
    match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// What a record too big to sync is, so the person can find it: "your plan step “Ring the walking group”", "your
/// staying-well plan", "a check-in from 3 March 2026". `kind` is the record's kind; `day` writes a date as the
/// person reads it.
pub fn describe_too_big(
    kind: &str,
    record: &serde_json::Value,
    day: impl Fn(Timestamp) -> String,
) -> String {
    let data = &record["data"];
    match kind {
        k if k == PlanStep::KIND => match data["what"].as_str() {
            Some(what) => format!("your plan step “{what}”"),
            None => "one of your plan steps".into(),
        },
        k if k == StayingWellPlan::KIND => "your staying-well plan".into(),
        _ => {
            let what = kinds::find(kind).map_or("record", |kind| kind.singular);
            let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            match record["created"].as_i64() {
                Some(created) => format!("{article} {what} from {}", day(Timestamp(created))),
                None => format!("{article} {what}"),
            }
        }
    }
}

/// Everything the status line says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub phase: Phase,
    /// Changes waiting to be sent.
    pub waiting: usize,
    pub last_synced: Option<Timestamp>,
}

impl Default for Status {
    fn default() -> Self {
        Status {
            phase: Phase::Off,
            waiting: 0,
            last_synced: None,
        }
    }
}

fn changes(n: usize) -> String {
    if n == 1 {
        "1 change".into()
    } else {
        format!("{n} changes")
    }
}

impl Status {
    /// The status in one short sentence. `same_day` says whether a time falls on today; `time` and `day_and_time`
    /// write a time as the person reads it (the browser's clock and zone).
    pub fn words(
        &self,
        now: Timestamp,
        same_day: impl Fn(Timestamp) -> bool,
        time: impl Fn(Timestamp) -> String,
        day_and_time: impl Fn(Timestamp) -> String,
    ) -> String {
        match &self.phase {
            Phase::Off => "Sync is off. Your data is only on this device.".into(),
            Phase::Syncing => "Syncing…".into(),
            Phase::Offline if self.waiting > 0 => format!(
                "You are offline. {} will sync when you are back online.",
                changes(self.waiting)
            ),
            Phase::Offline => "You are offline. Waymark will sync when you are back online.".into(),
            Phase::Problem(problem) => problem.headline(),
            Phase::Idle if self.waiting > 0 => {
                format!("{} waiting to sync.", changes(self.waiting))
            }
            Phase::Idle => match self.last_synced {
                None => "Not synced yet.".into(),
                Some(at) if (now.0 - at.0).abs() < 60_000 => "Synced just now.".into(),
                Some(at) if same_day(at) => format!("Synced at {}.", time(at)),
                Some(at) => format!("Last synced {}.", day_and_time(at)),
            },
        }
    }
}

/// Whether the status line's new words should be read out to a screen reader. The outcome of a sync the person
/// asked for always is; otherwise only a problem, going offline, and getting over them are. Routine syncs (after
/// each change and every few minutes) and the clock moving on ("Synced at 14:02") stay quiet. `settled` is the last
/// phase shown that was not [`Phase::Syncing`].
pub fn worth_announcing(settled: Option<&Phase>, now: &Phase, asked: bool) -> bool {
    match now {
        Phase::Syncing => false,
        _ if asked => true,
        Phase::Problem(_) | Phase::Offline => settled != Some(now),
        Phase::Idle => matches!(settled, Some(Phase::Problem(_) | Phase::Offline)),
        // Turning sync off, or leaving, is said by the screen that did it.
        Phase::Off => false,
    }
}

/// A sentence about this device's clock when it is more than [`CLOCK_WARNING_MS`] from the server's.
/// `offset_ms` is the server's time minus this device's.
pub fn clock_warning(offset_ms: i64) -> Option<String> {
    if offset_ms.abs() <= CLOCK_WARNING_MS {
        return None;
    }
    let direction = if offset_ms > 0 { "behind" } else { "ahead" };
    let minutes = (offset_ms.abs() + 30_000) / 60_000;
    let amount = match minutes {
        0..=90 => format!("{minutes} minutes"),
        91..=2159 => format!("{} hours", (minutes + 30) / 60),
        _ => format!("{} days", (minutes + 720) / 1440),
    };
    Some(format!(
        "This device's clock is about {amount} {direction}. Sync still works, but changes made on different devices \
         may be put in the wrong order. Setting the date and time to automatic in the device's settings fixes this."
    ))
}

/// Why a passphrase cannot be used, tied to the field it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PassphraseError {
    Empty,
    TooShort,
    /// The second copy differs from the first.
    Different,
}

impl PassphraseError {
    pub fn words(&self) -> String {
        match self {
            PassphraseError::Empty => "Write a passphrase.".into(),
            PassphraseError::TooShort => format!(
                "Use at least {MIN_PASSPHRASE_CHARS} characters. Three or four words you will remember work well."
            ),
            PassphraseError::Different => {
                "The two passphrases are not the same. Type it again.".into()
            }
        }
    }
}

/// Checks a new passphrase and its second copy. Spaces at either end do not count (the passphrase is stretched
/// without them: phone keyboards add one after a suggested word).
pub fn check_new_passphrase(first: &str, second: &str) -> Result<(), PassphraseError> {
    let (first, second) = (first.trim(), second.trim());
    if first.is_empty() {
        Err(PassphraseError::Empty)
    } else if first.chars().count() < MIN_PASSPHRASE_CHARS {
        Err(PassphraseError::TooShort)
    } else if first != second {
        Err(PassphraseError::Different)
    } else {
        Ok(())
    }
}

/// The device name to send (the shared rule, [`protocol::device_name`]), or what is wrong with it in words.
pub fn check_device_name(name: &str) -> Result<String, String> {
    protocol::device_name(name)
        .map(str::to_owned)
        .map_err(|error| match error {
            DeviceNameError::Empty => "Give this device a name, such as My phone.".into(),
            DeviceNameError::TooLong => format!("Use {MAX_DEVICE_NAME_CHARS} characters or fewer."),
            DeviceNameError::ControlCharacters => {
                "Use letters, numbers, spaces and punctuation only.".into()
            }
        })
}

/// How many bytes standard base64 `text` decodes to (without decoding it).
pub fn decoded_len(text: &str) -> usize {
    let padding = text.bytes().rev().take_while(|&b| b == b'=').count().min(2);
    (text.len() / 4 * 3).saturating_sub(padding)
}

/// Whether a sealed change is small enough for the server.
pub fn fits(change: &PushChange) -> bool {
    decoded_len(&change.ciphertext) <= MAX_CHANGE_BYTES
}

/// Gathers sealed changes into pushes of at most [`MAX_PUSH_CHANGES`] changes and [`MAX_PUSH_BODY_BYTES`] bytes.
pub struct Batcher {
    changes: Vec<PushChange>,
    bytes: usize,
    max_changes: usize,
    max_bytes: usize,
}

impl Default for Batcher {
    fn default() -> Self {
        Batcher::new(MAX_PUSH_CHANGES, MAX_PUSH_BODY_BYTES - BODY_MARGIN)
    }
}

impl Batcher {
    pub fn new(max_changes: usize, max_bytes: usize) -> Self {
        Batcher {
            changes: Vec::new(),
            bytes: r#"{"changes":[]}"#.len(),
            max_changes,
            max_bytes,
        }
    }

    fn size(change: &PushChange) -> usize {
        // {"id":"…","ciphertext":"…"} and a comma; ids and base64 need no escaping.
        r#"{"id":"","ciphertext":""},"#.len() + change.id.len() + change.ciphertext.len()
    }

    /// Adds a change; returns a full batch to send first when this one does not fit with it.
    pub fn add(&mut self, change: PushChange) -> Option<Vec<PushChange>> {
        let size = Self::size(&change);
        let full = !self.changes.is_empty()
            && (self.changes.len() >= self.max_changes || self.bytes + size > self.max_bytes);
        let ready = full.then(|| self.take());
        self.bytes += size;
        self.changes.push(change);
        ready
    }

    /// Whether a batch is complete by count (so it can be sent without waiting for the next change).
    pub fn is_full(&self) -> bool {
        self.changes.len() >= self.max_changes
    }

    /// What is gathered, if anything.
    pub fn take(&mut self) -> Vec<PushChange> {
        self.bytes = r#"{"changes":[]}"#.len();
        std::mem::take(&mut self.changes)
    }
}

/// Batches on their way to the server, in order. One refused as too large (a proxy in front of the server may take
/// less than [`MAX_PUSH_BODY_BYTES`]) is split in two, and both halves go before anything after it, down to single
/// changes: a single change refused is too big to send.
pub struct Pending {
    /// The next batch last.
    stack: Vec<Vec<PushChange>>,
}

impl Pending {
    pub fn new(batch: Vec<PushChange>) -> Self {
        Pending { stack: vec![batch] }
    }

    /// The next batch to send.
    pub fn next_batch(&mut self) -> Option<Vec<PushChange>> {
        self.stack.pop().filter(|batch| !batch.is_empty())
    }

    /// The server refused `batch` as too large: its halves go next. Returns the change when it was alone.
    pub fn refused(&mut self, mut batch: Vec<PushChange>) -> Option<PushChange> {
        if batch.len() <= 1 {
            return batch.pop();
        }
        let second = batch.split_off(batch.len() / 2);
        self.stack.push(second);
        self.stack.push(batch);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_news_is_read_out() {
        let idle = Phase::Idle;
        let offline = Phase::Offline;
        let down = Phase::Problem(Problem::CannotConnect);
        // Routine: a background sync that ends as the last one did, or the sync itself starting.
        assert!(!worth_announcing(Some(&idle), &idle, false));
        assert!(!worth_announcing(Some(&idle), &Phase::Syncing, true));
        // The outcome of "Sync now", whatever it is.
        assert!(worth_announcing(Some(&idle), &idle, true));
        assert!(worth_announcing(Some(&down), &down, true));
        // Problems and going offline, once; getting over them.
        assert!(worth_announcing(Some(&idle), &down, false));
        assert!(!worth_announcing(Some(&down), &down, false));
        assert!(worth_announcing(
            Some(&down),
            &Phase::Problem(Problem::Busy),
            false
        ));
        assert!(worth_announcing(Some(&idle), &offline, false));
        assert!(!worth_announcing(Some(&offline), &offline, false));
        assert!(worth_announcing(Some(&offline), &idle, false));
        assert!(worth_announcing(Some(&down), &idle, false));
        // Turning sync off, or leaving, is said by the screen that did it.
        assert!(!worth_announcing(Some(&idle), &Phase::Off, false));
        assert!(!worth_announcing(Some(&down), &Phase::Off, false));
    }

    fn change(n: usize, bytes: usize) -> PushChange {
        PushChange {
            id: format!("{n:032x}"),
            ciphertext: "A".repeat(bytes),
        }
    }

    #[test]
    fn batches_stop_at_the_count_and_at_the_body_size() {
        let mut by_count = Batcher::new(3, 1 << 20);
        let sent: Vec<usize> = (0..7)
            .filter_map(|n| by_count.add(change(n, 10)).map(|b| b.len()))
            .collect();
        assert_eq!(sent, [3, 3]);
        assert_eq!(by_count.take().len(), 1);

        let mut by_size = Batcher::new(500, 1000);
        let mut batches = Vec::new();
        for n in 0..10 {
            if let Some(batch) = by_size.add(change(n, 300)) {
                batches.push(batch);
            }
        }
        batches.push(by_size.take());
        assert!(batches.iter().all(|b| {
            serde_json::to_string(&waymark_core::sync::protocol::PushRequest { changes: b.clone() })
                .unwrap()
                .len()
                <= 1000
        }));
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 10);
        // One change bigger than a whole batch still goes (alone): the server judges it.
        let mut tiny = Batcher::new(500, 100);
        assert!(tiny.add(change(1, 300)).is_none());
        assert_eq!(tiny.add(change(2, 300)).map(|b| b.len()), Some(1));
    }

    #[test]
    fn a_batch_refused_as_too_large_is_split_down_to_the_change_that_is() {
        // A proxy that takes at most 1,000 bytes of ciphertext a request: change 5 is too big on its own.
        let sizes = [100, 200, 300, 100, 50, 1_200, 300, 400, 10];
        let batch: Vec<PushChange> = sizes
            .iter()
            .enumerate()
            .map(|(n, &bytes)| change(n, bytes))
            .collect();
        let mut pending = Pending::new(batch);
        let (mut sent, mut too_big, mut requests) = (Vec::new(), Vec::new(), 0);
        while let Some(batch) = pending.next_batch() {
            requests += 1;
            assert!(requests < 50, "never ends");
            if batch.iter().map(|c| c.ciphertext.len()).sum::<usize>() <= 1_000 {
                sent.extend(batch.iter().map(|c| c.id.clone()));
            } else if let Some(alone) = pending.refused(batch) {
                too_big.push(alone.id);
            }
        }
        // Everything else went, in the order it was queued; only the change too big on its own did not.
        let ids = |ns: &[usize]| ns.iter().map(|n| format!("{n:032x}")).collect::<Vec<_>>();
        assert_eq!(sent, ids(&[0, 1, 2, 3, 4, 6, 7, 8]));
        assert_eq!(too_big, ids(&[5]));
        assert!(Pending::new(Vec::new()).next_batch().is_none());
    }

    #[test]
    fn what_is_too_big_to_sync_is_named_and_what_to_do_is_said() {
        let day = |at: Timestamp| format!("day {}", at.0);
        let step = serde_json::json!({"created": 5, "data": {"what": "Ring the walking group"}});
        let check_in = serde_json::json!({"created": 7, "data": {"mood": "low"}});
        let session = serde_json::json!({"created": 9, "data": {}});
        let step = describe_too_big(PlanStep::KIND, &step, day);
        assert_eq!(step, "your plan step “Ring the walking group”");
        assert_eq!(
            describe_too_big(StayingWellPlan::KIND, &serde_json::json!({}), day),
            "your staying-well plan"
        );
        let check_in = describe_too_big("mood_check_in", &check_in, day);
        assert_eq!(check_in, "a check-in from day 7");
        let session = describe_too_big("activity_session", &session, day);
        assert_eq!(session, "an activity session from day 9");

        let one = Problem::TooLarge(vec![step.clone()]);
        assert_eq!(
            one.headline(),
            "Your plan step “Ring the walking group” is too big to sync. It is still saved on this device."
        );
        assert!(one.what_to_do().contains("make it shorter"));
        let two = Problem::TooLarge(vec![step.clone(), check_in.clone()]);
        assert_eq!(
            two.headline(),
            "2 things are too big to sync: your plan step “Ring the walking group” and a check-in from day 7. They \
             are still saved on this device."
        );
        assert!(two.what_to_do().contains("make them shorter"));
        let five = Problem::TooLarge(vec![
            step,
            check_in,
            session.clone(),
            session.clone(),
            session,
        ]);
        assert!(five.headline().contains(
            "your plan step “Ring the walking group”, a check-in from day 7, an activity session from day 9 and 2 \
             more."
        ));
        // Nothing to retry by itself, and sync carries on.
        assert!(!five.retries() && !five.needs_leave());
    }

    #[test]
    fn the_size_estimate_matches_the_json() {
        let mut batcher = Batcher::new(500, usize::MAX);
        let changes: Vec<PushChange> = (0..5).map(|n| change(n, 40 + n)).collect();
        for c in &changes {
            batcher.add(c.clone());
        }
        let json =
            serde_json::to_string(&waymark_core::sync::protocol::PushRequest { changes }).unwrap();
        // The estimate counts one comma too many.
        assert_eq!(batcher.bytes, json.len() + 1);
    }

    #[test]
    fn base64_lengths() {
        assert_eq!(decoded_len(""), 0);
        assert_eq!(decoded_len("AAAA"), 3);
        assert_eq!(decoded_len("AAA="), 2);
        assert_eq!(decoded_len("AA=="), 1);
        // 16 bytes.
        assert_eq!(decoded_len("AAAAAAAAAAAAAAAAAAAAAA=="), 16);
    }

    #[test]
    fn passphrases_and_names() {
        assert_eq!(check_new_passphrase("", ""), Err(PassphraseError::Empty));
        assert_eq!(
            check_new_passphrase("short", "short"),
            Err(PassphraseError::TooShort)
        );
        assert_eq!(
            check_new_passphrase("cloud lemon bicycle", "cloud lemon bicycles"),
            Err(PassphraseError::Different)
        );
        assert_eq!(
            check_new_passphrase("cloud lemon bicycle", "cloud lemon bicycle "),
            Ok(())
        );
        assert_eq!(
            check_new_passphrase("   short    ", "   short    "),
            Err(PassphraseError::TooShort)
        );
        assert_eq!(check_device_name("  My phone "), Ok("My phone".into()));
        assert!(check_device_name("   ").is_err());
        assert!(check_device_name(&"x".repeat(61)).is_err());
        assert_eq!(
            check_device_name("My\u{7}phone"),
            Err("Use letters, numbers, spaces and punctuation only.".into())
        );
    }

    #[test]
    fn the_clock_warning_names_the_direction_and_size() {
        assert_eq!(clock_warning(90_000), None);
        assert_eq!(clock_warning(-120_000), None);
        assert!(
            clock_warning(5 * 60_000)
                .unwrap()
                .contains("about 5 minutes behind")
        );
        assert!(
            clock_warning(-3 * 3_600_000)
                .unwrap()
                .contains("about 3 hours ahead")
        );
        assert!(
            clock_warning(2 * 86_400_000)
                .unwrap()
                .contains("about 2 days behind")
        );
    }

    #[test]
    fn the_status_line() {
        let words = |status: &Status, now: i64| {
            status.words(
                Timestamp(now),
                |at| at.0 > 1_000_000,
                |at| format!("T{}", at.0),
                |at| format!("D{}", at.0),
            )
        };
        let mut status = Status::default();
        assert_eq!(
            words(&status, 0),
            "Sync is off. Your data is only on this device."
        );
        status.phase = Phase::Idle;
        assert_eq!(words(&status, 0), "Not synced yet.");
        status.last_synced = Some(Timestamp(2_000_000));
        assert_eq!(words(&status, 2_010_000), "Synced just now.");
        assert_eq!(words(&status, 2_100_000), "Synced at T2000000.");
        status.last_synced = Some(Timestamp(5));
        assert_eq!(words(&status, 2_100_000), "Last synced D5.");
        status.waiting = 1;
        assert_eq!(words(&status, 0), "1 change waiting to sync.");
        status.phase = Phase::Offline;
        status.waiting = 3;
        assert_eq!(
            words(&status, 0),
            "You are offline. 3 changes will sync when you are back online."
        );
        status.phase = Phase::Problem(Problem::Removed);
        assert_eq!(words(&status, 0), "This device is no longer part of sync.");
    }
}
