//! Backups: one file holding everything Waymark keeps on this device, to keep safe, move to a new phone, or
//! restore after clearing the browser.
//!
//! # The backup file, version 1
//!
//! A backup is one UTF-8 JSON object (at most 20 MiB), for example:
//!
//! ```json
//! {
//!   "format": "waymark-backup",
//!   "version": 1,
//!   "exported_at": "2026-11-21T14:05:00Z",
//!   "exported_at_ms": 1795269900000,
//!   "records": {
//!     "activity_goal": [],
//!     "activity_session": [],
//!     "mood_check_in": [
//!       {"v": 2, "record": {"id": "6f1c2b9e-3d4a-4b5c-8d6e-7f8091a2b3c4", "created": 1795269900000,
//!        "updated": 1795269900000, "deleted": false,
//!        "data": {"mood": "good", "at": 1795269900000, "note": "", "tags": ["calm"]}}}
//!     ],
//!     "mood_tag": [],
//!     "questionnaire": []
//!   },
//!   "kept_aside": [
//!     {"key": "waymark.rec.mood_check_in.…", "reason": "not readable as JSON: …", "found": 1795269900000,
//!      "raw": "{\"v\":1,\"rec"}
//!   ]
//! }
//! ```
//!
//! - `format`: always `"waymark-backup"`. Files without it are refused as not being a Waymark backup.
//! - `version`: the version of this file layout, `1`. A Waymark that reads up to version 1 refuses a higher number
//!   and asks the person to update, rather than guessing.
//! - `exported_at`: when the backup was made, RFC 3339 in UTC, for people reading the file.
//! - `exported_at_ms`: the same moment in milliseconds since 1970-01-01 UTC; this is the one Waymark reads.
//! - `records`: one list per kind of record, keyed by the kind's stable name (`mood_check_in` for mood check-ins,
//!   `mood_tag` for the person's own tags, `questionnaire` for PHQ-9 and GAD-7 answers, `activity_goal` and
//!   `activity_session` for activity). Each item is a record exactly as Waymark stores it on the device:
//!   `{"v": <schema version>, "record": {...}}`. Every record keeps its own schema version, so an older record in a
//!   backup is brought up to date on import by the same migrations as stored data. A record holds:
//!   - `id`: a random version-4 UUID in lowercase, unique within its kind;
//!   - `created`, `updated`: milliseconds since 1970-01-01 UTC; `updated` moves forward with every change;
//!   - `deleted`: `true` for a deleted record (a tombstone), kept so that a delete travels with the backup;
//!   - `data`: the kind's own fields, as its schema version defines them.
//!
//!   Waymark writes a list for every kind it knows, even an empty one, and lists are sorted by id; a kind missing
//!   from a file counts as empty. A kind name this version of Waymark does not know, or a record with a higher schema
//!   version than it reads, means the file came from a newer Waymark: import is refused with a request to update.
//! - `kept_aside`: data Waymark found on the device but could not read, kept verbatim instead of being thrown away
//!   (oldest first). Each item has `key` (where it was found), `reason` (why it could not be read), `found` (when,
//!   in milliseconds since 1970-01-01 UTC) and `raw` (the stored text, unchanged). Import restores these as kept
//!   aside too; they never overwrite a record. The field may be missing, meaning nothing was kept aside.
//!
//! Other fields are ignored, so later versions of the same layout can add some.
//!
//! # Importing
//!
//! [`inspect`] checks a whole file and changes nothing; it returns an [`ImportPreview`] to show the person. Then
//! either [`merge`] (the usual choice: keeps whatever is newer, record by record) or [`replace`] (makes the device
//! hold exactly the backup's records). Every write is one whole record under its own key, so a write that fails
//! part-way (for example when storage is full) leaves complete records only, never half of one; the error says what
//! was done, and importing the same file again finishes the job without doubling anything.

use crate::calendar::{self, FixedOffset, LocalDate, UtcOffset};
use crate::csv_export;
use crate::kinds::{self, Checked, KINDS, Kind, Merged};
use crate::record::Timestamp;
use crate::repository::{self, AsideEntry, Repository};
use crate::store::{KeyValueStore, StoreError};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The value of the `format` field.
pub const FORMAT: &str = "waymark-backup";
/// The file layout version this Waymark writes, and the highest it reads.
pub const VERSION: u64 = 1;
/// The largest backup Waymark opens: 20 MiB, far beyond years of daily use.
pub const MAX_BACKUP_BYTES: usize = 20 * 1024 * 1024;

/// Where restored aside data is kept; matches the repository's layout (`waymark.aside.<time>.<original key>`).
const ASIDE_PREFIX: &str = "waymark.aside.";

/// Why a backup could not be imported. Every message is written for the person reading it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("This file is too big to be a Waymark backup (the most Waymark opens is 20 MB).")]
    TooLarge { bytes: usize },
    #[error(
        "This file could not be read. It may be damaged, or it may not have finished downloading."
    )]
    NotJson(String),
    #[error("This is not a Waymark backup.")]
    NotWaymark,
    #[error("This backup was made by a newer version of Waymark. Update Waymark, then try again.")]
    NewerVersion,
    /// One record could not be read. `index` counts from 0 within its kind's list.
    #[error("This backup is damaged: {} number {} could not be read ({reason}).", kind_singular(.kind), .index + 1)]
    Damaged {
        kind: String,
        index: usize,
        reason: String,
    },
    /// The file's own layout is broken (for example, the list of records is missing).
    #[error("This backup is damaged: {0}.")]
    DamagedFile(String),
    /// Storage failed before anything was changed.
    #[error(transparent)]
    Store(StoreError),
    /// Storage failed part-way through: `done` says what was already saved (each one a complete record).
    #[error(
        "{error} The import stopped part-way, after {}. Everything saved is complete; importing the same file again \
         finishes the job without doubling anything.",
        .done.progress_words()
    )]
    Interrupted {
        done: MergeReport,
        error: StoreError,
    },
}

fn kind_singular(kind: &str) -> &str {
    kinds::find(kind).map_or(kind, |k| k.singular)
}

/// A checked backup, ready to merge or replace with, and what it holds for the person to confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportPreview {
    exported_at: Timestamp,
    /// Every record, in registry order and then file order.
    records: Vec<Incoming>,
    kept_aside: Vec<AsideEntry>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Incoming {
    kind: &'static Kind,
    checked: Checked,
}

impl ImportPreview {
    /// When the backup was made.
    pub fn exported_at(&self) -> Timestamp {
        self.exported_at
    }

    /// The day the backup was made, in the person's time zone.
    pub fn exported_on(&self, zone: &(impl UtcOffset + ?Sized)) -> LocalDate {
        calendar::local_date(self.exported_at, zone)
    }

    /// How many records of each registered kind the backup holds, not counting deleted ones, in registry order
    /// (kinds with none included).
    pub fn counts(&self) -> Vec<(&'static Kind, usize)> {
        KINDS
            .iter()
            .map(|kind| {
                let live = self
                    .records
                    .iter()
                    .filter(|r| r.kind == kind && !r.checked.deleted)
                    .count();
                (kind, live)
            })
            .collect()
    }

    /// How many records of every kind, deleted ones (which carry deletes across devices) included.
    pub fn total_records(&self) -> usize {
        self.records.len()
    }

    /// How many pieces of unreadable data the backup carries, kept aside.
    pub fn kept_aside_count(&self) -> usize {
        self.kept_aside.len()
    }

    /// What the backup holds, in words: "312 check-ins, 4 activity goals and 1 questionnaire", or "nothing".
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .counts()
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(kind, count)| kind.count_words(count))
            .collect();
        if parts.is_empty() {
            "nothing".into()
        } else {
            join_words(&parts)
        }
    }
}

/// What an import did, record by record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Records the device did not have.
    pub added: usize,
    /// Records the device had an older copy of (or a copy it could not read, now kept aside).
    pub updated: usize,
    /// Records the device already had, the same or newer.
    pub unchanged: usize,
    /// Records left as they were because a newer version of Waymark saved them on this device.
    pub skipped: usize,
    /// Records removed because the backup did not have them ([`replace`] only).
    pub removed: usize,
    /// Pieces of unreadable data now kept aside on this device: from the backup, or (for [`replace`]) found on the
    /// device where a record was removed or overwritten.
    pub kept_aside: usize,
}

impl MergeReport {
    /// What the import did, in a sentence: "Added 3 items and updated 1; 20 were already up to date." The first
    /// count names what it counts, so a sentence never ends on a bare number ("Added 19.").
    pub fn summary(&self) -> String {
        let mut changes = Vec::new();
        for (count, verb) in [
            (self.added, "added"),
            (self.updated, "updated"),
            (self.removed, "removed"),
        ] {
            if count == 0 {
                continue;
            }
            if changes.is_empty() {
                let noun = if count == 1 { "item" } else { "items" };
                changes.push(format!("{verb} {count} {noun}"));
            } else {
                changes.push(format!("{verb} {count}"));
            }
        }
        let mut sentence = if changes.is_empty() {
            "Nothing needed changing".to_owned()
        } else {
            capitalise(&join_words(&changes))
        };
        let mut notes = Vec::new();
        if self.unchanged > 0 {
            notes.push(format!(
                "{} {} already up to date",
                self.unchanged,
                if self.unchanged == 1 { "was" } else { "were" }
            ));
        }
        if self.skipped > 0 {
            notes.push(format!(
                "{} {} kept as a newer version of Waymark saved {}",
                self.skipped,
                if self.skipped == 1 { "was" } else { "were" },
                if self.skipped == 1 { "it" } else { "them" }
            ));
        }
        if self.kept_aside > 0 {
            notes.push(format!(
                "{} unreadable {} kept aside",
                self.kept_aside,
                if self.kept_aside == 1 {
                    "item was"
                } else {
                    "items were"
                }
            ));
        }
        if !notes.is_empty() {
            sentence.push_str("; ");
            sentence.push_str(&join_words(&notes));
        }
        sentence.push('.');
        sentence
    }

    /// "saving 3 records", for an import that stopped part-way.
    fn progress_words(&self) -> String {
        let records = |n: usize| match n {
            1 => "1 record".to_owned(),
            n => format!("{n} records"),
        };
        match (self.added + self.updated, self.removed) {
            (0, 0) => "saving nothing".into(),
            (saved, 0) => format!("saving {}", records(saved)),
            (saved, removed) => format!(
                "saving {} and removing {}",
                records(saved),
                records(removed)
            ),
        }
    }
}

/// The layout of the file, in the order its fields are written.
#[derive(Serialize)]
struct BackupFile<'a> {
    format: &'static str,
    version: u64,
    exported_at: String,
    exported_at_ms: i64,
    records: BTreeMap<&'static str, Vec<Value>>,
    kept_aside: &'a [AsideEntry],
}

/// Writes a backup of everything stored: every record of every registered kind exactly as stored (deleted ones
/// too, so deletes travel), and everything kept aside.
///
/// A stored text that cannot be read as a record goes into `kept_aside` with the reason, so nothing is left out and
/// the backup always imports. Records from a newer version of Waymark are written as they are, for that version.
/// The output depends only on what is stored and `now`.
pub fn export<S: KeyValueStore>(
    repo: &Repository<S>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let store = repo.store();
    let mut keys: Vec<(String, &'static Kind)> = store
        .keys()?
        .into_iter()
        .filter_map(|key| {
            let kind = kinds::find(repository::kind_of_key(&key)?)?;
            Some((key, kind))
        })
        .collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));

    let mut records: BTreeMap<&'static str, Vec<Value>> =
        KINDS.iter().map(|kind| (kind.kind, Vec::new())).collect();
    let mut unreadable = Vec::new();
    for (key, kind) in keys {
        let Some(text) = store.get(&key)? else {
            continue;
        };
        let problem = match kind.validate(&text) {
            Ok(checked) if repository::is_key_of(&key, kind.kind, &checked.id) => None,
            Ok(_) => Some("the record's id does not match its key".to_owned()),
            // Readable by a newer Waymark: travels as it is.
            Err(crate::schema::DecodeError::Newer { .. }) => None,
            Err(error) => Some(error.to_string()),
        };
        let parsed = match problem {
            None => serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()),
            Some(reason) => Err(reason),
        };
        match parsed {
            Ok(value) => records.entry(kind.kind).or_default().push(value),
            Err(reason) => unreadable.push(AsideEntry {
                key,
                reason,
                found: now,
                raw: text,
            }),
        }
    }
    let mut kept_aside = repo.aside()?;
    kept_aside.extend(unreadable);

    let file = BackupFile {
        format: FORMAT,
        version: VERSION,
        exported_at: rfc_3339_utc(now),
        exported_at_ms: now.0,
        records,
        kept_aside: &kept_aside,
    };
    serde_json::to_string(&file).map_err(|e| StoreError::Failed(e.to_string()))
}

/// Checks a backup file without changing anything, and says what it holds.
///
/// In order: its size, that it is JSON, that it is a Waymark backup, that this version of Waymark can read it, and
/// every record of every kind (each must read as its kind, with a valid id, and ids must not repeat within a kind).
pub fn inspect(text: &str) -> Result<ImportPreview, ImportError> {
    if text.len() > MAX_BACKUP_BYTES {
        return Err(ImportError::TooLarge { bytes: text.len() });
    }
    let file: Value =
        serde_json::from_str(text).map_err(|e| ImportError::NotJson(e.to_string()))?;
    let Some(file) = file.as_object() else {
        return Err(ImportError::NotWaymark);
    };
    if file.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(ImportError::NotWaymark);
    }
    let version = file
        .get("version")
        .and_then(Value::as_u64)
        .filter(|v| *v >= 1)
        .ok_or_else(|| damaged_file("it has no version number"))?;
    if version > VERSION {
        return Err(ImportError::NewerVersion);
    }
    let exported_at = file
        .get("exported_at_ms")
        .and_then(Value::as_i64)
        .map(Timestamp)
        .ok_or_else(|| damaged_file("it does not say when it was made"))?;
    let lists = file
        .get("records")
        .and_then(Value::as_object)
        .ok_or_else(|| damaged_file("its list of records is missing"))?;
    if lists.keys().any(|name| kinds::find(name).is_none()) {
        return Err(ImportError::NewerVersion);
    }

    let mut records = Vec::new();
    for kind in KINDS {
        let Some(list) = lists.get(kind.kind) else {
            continue;
        };
        let list = list
            .as_array()
            .ok_or_else(|| damaged_file(&format!("its {} are not a list", kind.plural)))?;
        let mut ids = BTreeSet::new();
        for (index, item) in list.iter().enumerate() {
            let damaged = |reason: String| ImportError::Damaged {
                kind: kind.kind.to_owned(),
                index,
                reason,
            };
            let checked = match kind.validate(&item.to_string()) {
                Ok(checked) => checked,
                Err(crate::schema::DecodeError::Newer { .. }) => {
                    return Err(ImportError::NewerVersion);
                }
                Err(error) => return Err(damaged(error.to_string())),
            };
            if !ids.insert(checked.id.clone()) {
                return Err(damaged(format!(
                    "another {} has the same id",
                    kind.singular
                )));
            }
            records.push(Incoming { kind, checked });
        }
    }

    let kept_aside = match file.get("kept_aside") {
        None => Vec::new(),
        Some(entries) => serde_json::from_value(entries.clone())
            .map_err(|_| damaged_file("the data kept aside cannot be read"))?,
    };
    Ok(ImportPreview {
        exported_at,
        records,
        kept_aside,
    })
}

/// Adds a checked backup to what is stored, record by record: the newer change wins.
///
/// A record the device lacks is written. A record it has is replaced only when the backup's copy is newer (by
/// [`crate::merge::newer`]) and different. A stored copy that cannot be read is moved aside first; one saved by a
/// newer version of Waymark is left as it is. Data kept aside in the backup is kept aside here too, once. Importing
/// the same file twice changes nothing the second time.
///
/// If storage fails part-way, the import stops with [`ImportError::Interrupted`] saying what was done; every record
/// written is complete, and importing again finishes the job.
pub fn merge<S: KeyValueStore>(
    repo: &Repository<S>,
    preview: &ImportPreview,
    now: Timestamp,
) -> Result<MergeReport, ImportError> {
    let mut report = MergeReport::default();
    for incoming in &preview.records {
        let merged = incoming
            .kind
            .merge_into(repo, &incoming.checked.current, now)
            .map_err(|error| ImportError::Interrupted {
                done: report,
                error,
            })?;
        match merged {
            Merged::Added => report.added += 1,
            Merged::Updated => report.updated += 1,
            Merged::Unchanged => report.unchanged += 1,
            Merged::Skipped => report.skipped += 1,
        }
    }
    restore_aside(repo.store(), &preview.kept_aside, &mut report)?;
    Ok(report)
}

/// Makes the device hold exactly the backup's records: every stored record of every registered kind that the
/// backup lacks is removed, and every record of the backup is written (deleted ones included). Data kept aside is
/// never removed; the backup's is added to it. Stored text this version cannot read (damaged, or saved by a newer
/// Waymark) is kept aside at `now` rather than removed or overwritten.
///
/// This throws away changes made since the backup. The app must first offer a download of a backup of what is on
/// the device now, and ask the person to confirm, before calling this.
///
/// Records the backup lacks are removed first (freeing space), then each record is written over its own key, so a
/// record the backup shares with the device is never missing at any moment. If storage fails part-way, the import
/// stops with [`ImportError::Interrupted`]; every record written is complete.
pub fn replace<S: KeyValueStore>(
    repo: &Repository<S>,
    preview: &ImportPreview,
    now: Timestamp,
) -> Result<MergeReport, ImportError> {
    let store = repo.store();
    let mut report = MergeReport::default();
    let incoming: Vec<(String, &Incoming)> = preview
        .records
        .iter()
        .map(|r| (repository::record_key(r.kind.kind, &r.checked.id), r))
        .collect();
    let keep: BTreeSet<&str> = incoming.iter().map(|(key, _)| key.as_str()).collect();
    let mut remove: Vec<(String, &'static Kind)> = store
        .keys()
        .map_err(ImportError::Store)?
        .into_iter()
        .filter_map(|key| {
            let kind = kinds::find(repository::kind_of_key(&key)?)?;
            (!keep.contains(key.as_str())).then_some((key, kind))
        })
        .collect();
    remove.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let interrupted = |done: MergeReport| move |error| ImportError::Interrupted { done, error };
    for (key, kind) in remove {
        let held = store.get(&key).map_err(interrupted(report))?;
        let kept = match held {
            Some(held) => keep_unreadable_aside(store, kind, &key, &held, now),
            None => Ok(false),
        };
        if kept.map_err(interrupted(report))? {
            report.kept_aside += 1;
        }
        store.remove(&key).map_err(interrupted(report))?;
        report.removed += 1;
    }
    for (key, record) in incoming {
        let held = store.get(&key).map_err(interrupted(report))?;
        if let Some(held) = &held {
            if *held == record.checked.current {
                report.unchanged += 1;
                continue;
            }
            if keep_unreadable_aside(store, record.kind, &key, held, now)
                .map_err(interrupted(report))?
            {
                report.kept_aside += 1;
            }
        }
        store
            .set(&key, &record.checked.current)
            .map_err(interrupted(report))?;
        match held {
            None => report.added += 1,
            Some(_) => report.updated += 1,
        }
    }
    restore_aside(store, &preview.kept_aside, &mut report)?;
    Ok(report)
}

/// Before [`replace`] removes or overwrites the text stored under `key`: if this version cannot read it as a record
/// (damaged, or saved by a newer Waymark), keeps it aside with the reason, so nothing unreadable is thrown away.
/// Returns whether it did.
fn keep_unreadable_aside<S: KeyValueStore>(
    store: &S,
    kind: &Kind,
    key: &str,
    text: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let reason = match kind.validate(text) {
        Ok(checked) if repository::is_key_of(key, kind.kind, &checked.id) => return Ok(false),
        Ok(_) => "the record's id does not match its key".to_owned(),
        Err(error) => error.to_string(),
    };
    let entry = AsideEntry {
        key: key.to_owned(),
        reason,
        found: now,
        raw: text.to_owned(),
    };
    let aside = aside_key(store, &entry)?;
    let entry = serde_json::to_string(&entry).map_err(|e| StoreError::Failed(e.to_string()))?;
    store.set(&aside, &entry)?;
    Ok(true)
}

/// Keeps aside each of `entries` that is not already kept aside here, under a key of its own.
fn restore_aside<S: KeyValueStore>(
    store: &S,
    entries: &[AsideEntry],
    report: &mut MergeReport,
) -> Result<(), ImportError> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut held = Repository::new(store)
        .aside()
        .map_err(|error| ImportError::Interrupted {
            done: *report,
            error,
        })?;
    for entry in entries {
        if held.contains(entry) {
            continue;
        }
        let written = aside_key(store, entry).and_then(|key| {
            let text =
                serde_json::to_string(entry).map_err(|e| StoreError::Failed(e.to_string()))?;
            store.set(&key, &text)
        });
        written.map_err(|error| ImportError::Interrupted {
            done: *report,
            error,
        })?;
        report.kept_aside += 1;
        held.push(entry.clone());
    }
    Ok(())
}

/// A free aside key for `entry`: `waymark.aside.<found>.<original key>`, with `-2`, `-3`… after the time if taken.
fn aside_key<S: KeyValueStore>(store: &S, entry: &AsideEntry) -> Result<String, StoreError> {
    let mut key = format!("{ASIDE_PREFIX}{}.{}", entry.found.0, entry.key);
    let mut n = 1;
    while store.get(&key)?.is_some() {
        n += 1;
        key = format!("{ASIDE_PREFIX}{}-{n}.{}", entry.found.0, entry.key);
    }
    Ok(key)
}

fn damaged_file(reason: &str) -> ImportError {
    ImportError::DamagedFile(reason.to_owned())
}

/// `2026-11-21T14:05:00Z`.
fn rfc_3339_utc(at: Timestamp) -> String {
    let local = csv_export::iso_8601(at, &FixedOffset(0));
    match local.strip_suffix("+00:00") {
        Some(utc) => format!("{utc}Z"),
        None => local,
    }
}

/// "a", "a and b", "a, b and c".
fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_join_like_a_sentence() {
        let words =
            |parts: &[&str]| join_words(&parts.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        assert_eq!(words(&[]), "");
        assert_eq!(words(&["a"]), "a");
        assert_eq!(words(&["a", "b"]), "a and b");
        assert_eq!(words(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn reports_read_plainly() {
        let report = MergeReport {
            added: 3,
            updated: 1,
            unchanged: 20,
            ..MergeReport::default()
        };
        assert_eq!(
            report.summary(),
            "Added 3 items and updated 1; 20 were already up to date."
        );
        let report = MergeReport {
            added: 19,
            ..MergeReport::default()
        };
        assert_eq!(report.summary(), "Added 19 items.");
        let report = MergeReport {
            updated: 1,
            removed: 2,
            ..MergeReport::default()
        };
        assert_eq!(report.summary(), "Updated 1 item and removed 2.");
        let report = MergeReport {
            unchanged: 1,
            skipped: 2,
            kept_aside: 1,
            ..MergeReport::default()
        };
        assert_eq!(
            report.summary(),
            "Nothing needed changing; 1 was already up to date, 2 were kept as a newer version of Waymark saved \
             them and 1 unreadable item was kept aside."
        );
        assert_eq!(MergeReport::default().summary(), "Nothing needed changing.");
    }

    #[test]
    fn the_export_time_is_utc() {
        assert_eq!(
            rfc_3339_utc(Timestamp(1_795_269_900_000)),
            "2026-11-21T14:05:00Z"
        );
    }
}
