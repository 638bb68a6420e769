//! The registry of every kind of record Waymark stores.
//!
//! Backup, import, CSV and "delete everything" walk [`KINDS`] rather than naming kinds one by one, so a new kind
//! is covered everywhere by adding one line to it (and a fixture folder in `core/tests/fixtures/<kind>/`).
//!
//! Each entry carries type-erased functions built from the generic code ([`schema::decode`], [`merge::newer`]
//! and the [`Repository`]), so code that only has stored text and a kind name can check and merge records.

use crate::activity::{Goal, Session};
use crate::merge::{self, Winner};
use crate::mood::{CheckIn, CustomTag};
use crate::plan::{PlanStep, StayingWellPlan, TherapyStatus};
use crate::questionnaire::QuestionnaireResponse;
use crate::record::{RecordId, Timestamp};
use crate::repository::{self, ProblemKind, Repository};
use crate::schema::{self, DecodeError, RecordKind};
use crate::settings::Settings;
use crate::store::{KeyValueStore, StoreError};
use std::fmt;

/// Every kind of record Waymark stores, in the order backups and previews list them.
///
/// Adding a kind: add one line here, with the words a person reads in an import preview.
pub const KINDS: &[Kind] = &[
    Kind::of::<CheckIn>("check-in", "check-ins"),
    Kind::of::<CustomTag>("own tag", "own tags"),
    Kind::of::<QuestionnaireResponse>("questionnaire", "questionnaires"),
    Kind::of::<Goal>("activity goal", "activity goals"),
    Kind::of::<Session>("activity session", "activity sessions"),
    Kind::of::<Settings>("settings record", "settings records"),
    Kind::of::<PlanStep>("plan step", "plan steps"),
    Kind::of::<StayingWellPlan>("staying-well plan", "staying-well plans"),
    Kind::of::<TherapyStatus>("therapy record", "therapy records"),
];

/// The registered kind with this stable name (`RecordKind::KIND`), if this version of Waymark knows it.
pub fn find(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// One registered kind of record: its names, and what import and backup need to handle it without its type.
#[derive(Clone, Copy)]
pub struct Kind {
    /// The stable name used in storage keys and backups (`RecordKind::KIND`).
    pub kind: &'static str,
    /// The schema version this version of Waymark writes.
    pub version: u32,
    /// What one record is called in previews: "check-in".
    pub singular: &'static str,
    /// What several are called in previews: "check-ins".
    pub plural: &'static str,
    validate: fn(&str) -> Result<Checked, DecodeError>,
    merge: fn(&dyn KeyValueStore, &str, Timestamp) -> Result<Merged, StoreError>,
    read: fn(&dyn KeyValueStore, &str, Timestamp) -> Result<Stored, StoreError>,
}

/// What storage holds under one record's key, read as the [`Repository`] reads it (see [`Kind::read_stored`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Nothing.
    Missing,
    /// Something unreadable was there: it was moved aside (as the repository does), so nothing is there now.
    SetAside,
    /// A record written by a newer version of Waymark: left where it is, untouched.
    Newer,
    /// A readable record, as this version stores it (`{"v":N,"record":{...}}`, migrated if it was older).
    Current(String),
}

/// What checking one record's stored text found out about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    pub id: RecordId,
    pub updated: Timestamp,
    pub deleted: bool,
    /// When the record happened ([`RecordKind::time`]).
    pub time: Timestamp,
    /// The schema version the text was written with.
    pub stored_version: u32,
    /// The same record as this version stores it (migrated if it was older).
    pub current: String,
}

/// What merging one record into storage did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merged {
    /// Storage had no copy: the record was written.
    Added,
    /// The arriving copy was newer (or storage's copy could not be read and was moved aside first): it was written.
    Updated,
    /// Storage already held this copy or a newer one: nothing was written.
    Unchanged,
    /// Storage holds a copy from a newer version of Waymark, or the arriving text could not be read: nothing was
    /// written.
    Skipped,
}

impl Kind {
    /// The entry for `K`, with the words shown for one and for several records of it.
    pub const fn of<K: RecordKind>(singular: &'static str, plural: &'static str) -> Kind {
        Kind {
            kind: K::KIND,
            version: K::VERSION,
            singular,
            plural,
            validate: validate::<K>,
            merge: merge_text::<K>,
            read: read_stored::<K>,
        }
    }

    /// Reads one record's stored text (`{"v":N,"record":{...}}`), migrating it as storage would, without storing
    /// anything.
    pub fn validate(&self, text: &str) -> Result<Checked, DecodeError> {
        (self.validate)(text)
    }

    /// Merges one record's stored text into storage: the newer change wins (see [`merge::newer`]).
    ///
    /// A stored copy that cannot be read is moved aside first; a stored copy from a newer version of Waymark is
    /// left alone. Only a winning, different copy is written, so merging the same text twice changes nothing.
    pub fn merge_into<S: KeyValueStore>(
        &self,
        repo: &Repository<S>,
        text: &str,
        now: Timestamp,
    ) -> Result<Merged, StoreError> {
        (self.merge)(repo.store(), text, now)
    }

    /// Reads the record stored under `key` as the [`Repository`] loads it: unreadable data is moved aside, data from a
    /// newer version is left alone. Fails only when storage fails (or refuses to move unreadable data aside).
    pub fn read_stored(
        &self,
        store: &dyn KeyValueStore,
        key: &str,
        now: Timestamp,
    ) -> Result<Stored, StoreError> {
        (self.read)(store, key, now)
    }

    /// "1 check-in", "3 check-ins".
    pub fn count_words(&self, count: usize) -> String {
        let noun = if count == 1 {
            self.singular
        } else {
            self.plural
        };
        format!("{count} {noun}")
    }
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kind")
            .field("kind", &self.kind)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.kind == other.kind
    }
}

impl Eq for Kind {}

fn validate<K: RecordKind>(text: &str) -> Result<Checked, DecodeError> {
    let decoded = schema::decode::<K>(text)?;
    let record = decoded.record;
    Ok(Checked {
        current: schema::encode(&record),
        time: K::time(&record),
        id: record.id,
        updated: record.updated,
        deleted: record.deleted,
        stored_version: decoded.stored_version,
    })
}

fn read_stored<K: RecordKind>(
    store: &dyn KeyValueStore,
    key: &str,
    now: Timestamp,
) -> Result<Stored, StoreError> {
    let loaded = Repository::new(store).load_key::<K>(key, now);
    let mut set_aside = false;
    for problem in loaded.problems {
        match problem.kind {
            ProblemKind::NewerVersion { .. } => return Ok(Stored::Newer),
            ProblemKind::SetAside { .. } => set_aside = true,
            ProblemKind::LeftInPlace { error, .. } | ProblemKind::ReadFailed(error) => {
                return Err(error);
            }
        }
    }
    Ok(match loaded.records.first() {
        Some(record) => Stored::Current(schema::encode(record)),
        None if set_aside => Stored::SetAside,
        None => Stored::Missing,
    })
}

fn merge_text<K: RecordKind>(
    store: &dyn KeyValueStore,
    text: &str,
    now: Timestamp,
) -> Result<Merged, StoreError> {
    let Ok(incoming) = schema::decode::<K>(text) else {
        return Ok(Merged::Skipped);
    };
    let incoming = incoming.record;
    let repo = Repository::new(store);
    let key = repository::record_key(K::KIND, &incoming.id);
    // Loading the key moves an unreadable copy aside (or reports why it could not).
    let loaded = repo.load_key::<K>(&key, now);
    let mut replaced_unreadable = false;
    for problem in loaded.problems {
        match problem.kind {
            ProblemKind::NewerVersion { .. } => return Ok(Merged::Skipped),
            ProblemKind::SetAside { .. } => replaced_unreadable = true,
            ProblemKind::LeftInPlace { error, .. } | ProblemKind::ReadFailed(error) => {
                return Err(error);
            }
        }
    }
    let outcome = match loaded.records.first() {
        None if replaced_unreadable => Merged::Updated,
        None => Merged::Added,
        // `newer` keeps the held copy when both are identical, so a winning copy always differs.
        Some(held) if merge::newer(held, &incoming) == Winner::Incoming => Merged::Updated,
        Some(_) => return Ok(Merged::Unchanged),
    };
    store.set(&key, &schema::encode(&incoming))?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mood::MoodLevel;
    use crate::record::Record;
    use crate::store::MemoryStore;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn every_kind_has_a_fixture_folder() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for kind in KINDS {
            let folder = fixtures.join(kind.kind);
            assert!(
                folder.join("expected.json").is_file(),
                "{}: add {}",
                kind.kind,
                folder.display()
            );
        }
    }

    #[test]
    fn kinds_are_listed_once_with_words() {
        let names: BTreeSet<&str> = KINDS.iter().map(|k| k.kind).collect();
        assert_eq!(names.len(), KINDS.len());
        for kind in KINDS {
            assert!(!kind.singular.is_empty() && !kind.plural.is_empty());
            assert_eq!(find(kind.kind), Some(kind));
        }
        assert_eq!(find("no_such_kind"), None);
        assert_eq!(
            find(CheckIn::KIND).map(|k| k.count_words(1)).as_deref(),
            Some("1 check-in")
        );
        assert_eq!(
            find(CheckIn::KIND).map(|k| k.count_words(2)).as_deref(),
            Some("2 check-ins")
        );
    }

    #[test]
    fn merging_keeps_the_newer_copy_and_writes_only_when_needed() {
        let store = MemoryStore::new();
        let repo = Repository::new(&store);
        let kind = find(CheckIn::KIND).unwrap();
        let mut record = Record::new(
            RecordId::from_random_bytes([5; 16]),
            Timestamp(10),
            CheckIn::new(MoodLevel::Okay, Timestamp(10)),
        );
        let old = schema::encode(&record);
        assert_eq!(
            kind.merge_into(&repo, &old, Timestamp(20)),
            Ok(Merged::Added)
        );
        assert_eq!(
            kind.merge_into(&repo, &old, Timestamp(20)),
            Ok(Merged::Unchanged)
        );
        record.edit(Timestamp(30), |c| c.mood = MoodLevel::Good);
        let new = schema::encode(&record);
        assert_eq!(
            kind.merge_into(&repo, &new, Timestamp(40)),
            Ok(Merged::Updated)
        );
        assert_eq!(
            kind.merge_into(&repo, &old, Timestamp(40)),
            Ok(Merged::Unchanged)
        );
        assert_eq!(
            repo.load_all::<CheckIn>(Timestamp(50)).records,
            vec![record]
        );
        assert_eq!(
            kind.merge_into(&repo, "nonsense", Timestamp(40)),
            Ok(Merged::Skipped)
        );
    }
}
