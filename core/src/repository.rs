//! Records in a key–value store: one key per record, versioned, and never overwriting what cannot be read.
//!
//! Layout (all keys start with `waymark.`):
//! - `waymark.rec.<kind>.<id>`: one record, as written by [`crate::schema::encode`];
//! - `waymark.aside.<time>.<original key>`: data that could not be read, moved aside verbatim with the reason.
//!
//! One key per record means two open tabs never overwrite each other's records: each save touches only its own
//! record, and a save that finds a newer copy (written meanwhile by another tab) keeps that copy instead.

use crate::merge::{self, Winner};
use crate::record::{Record, RecordId, Timestamp};
use crate::schema::{self, RecordKind};
use crate::store::{KeyValueStore, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every record is stored under a key that starts with this.
pub const RECORD_PREFIX: &str = "waymark.rec.";
const ASIDE_PREFIX: &str = "waymark.aside.";

/// The storage key of one record.
pub fn record_key(kind: &str, id: &RecordId) -> String {
    format!("{RECORD_PREFIX}{kind}.{id}")
}

/// Whether `key` is the storage key of record `id` of `kind`, without building the key (runs for every record).
pub fn is_key_of(key: &str, kind: &str, id: &RecordId) -> bool {
    key.strip_prefix(RECORD_PREFIX)
        .and_then(|rest| rest.strip_prefix(kind))
        .and_then(|rest| rest.strip_prefix('.'))
        == Some(id.as_str())
}

/// The kind named in a record key (`waymark.rec.<kind>.<id>`), if it is one.
pub fn kind_of_key(key: &str) -> Option<&str> {
    key.strip_prefix(RECORD_PREFIX)?
        .split_once('.')
        .map(|(kind, _)| kind)
}

/// True for every key Waymark owns, so "delete everything" and diagnostics can find them.
pub fn is_waymark_key(key: &str) -> bool {
    key.starts_with("waymark.")
}

/// Every stored record's key and text, grouped by kind: read from storage in one pass at start-up, then decoded
/// kind by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredRecords(BTreeMap<String, Vec<(String, String)>>);

impl StoredRecords {
    /// Record entries grouped by the kind their keys name; other keys are left out.
    fn grouped(entries: Vec<(String, String)>) -> Self {
        let mut by_kind: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (key, text) in entries {
            if let Some(kind) = kind_of_key(&key) {
                by_kind
                    .entry(kind.to_owned())
                    .or_default()
                    .push((key, text));
            }
        }
        StoredRecords(by_kind)
    }

    /// The keys and texts of one kind, in no particular order.
    pub fn of_kind(&self, kind: &str) -> &[(String, String)] {
        self.0.get(kind).map(Vec::as_slice).unwrap_or_default()
    }
}

/// Something found in storage that could not be loaded, and what was done about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub kind: ProblemKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    /// Unreadable: moved, exactly as it was, to `aside_key`.
    SetAside { aside_key: String, reason: String },
    /// Written by a newer Waymark: left untouched where it is, for that version to read.
    NewerVersion { found: u32, supported: u32 },
    /// Unreadable, and storage refused to move it aside: left untouched where it is.
    LeftInPlace { reason: String, error: StoreError },
    /// Storage itself failed while reading.
    ReadFailed(StoreError),
}

/// Data kept aside because it could not be read, as stored under an aside key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsideEntry {
    /// Where the data was found.
    pub key: String,
    /// Why it could not be read.
    pub reason: String,
    /// When it was moved aside.
    pub found: Timestamp,
    /// The stored text, unchanged.
    pub raw: String,
}

/// What loading a kind of record found.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<K> {
    /// Every readable record, tombstones included, oldest first.
    pub records: Vec<Record<K>>,
    pub problems: Vec<Problem>,
}

/// The result of a save that storage accepted or that lost to a newer copy.
#[derive(Clone, Debug, PartialEq)]
pub enum Saved<K> {
    Written,
    /// Another tab had already stored a newer change to this record; that copy was kept and is returned.
    KeptNewer(Record<K>),
}

/// Why a save did not happen. In every case the stored data is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SaveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "A newer version of Waymark has saved this item. Reload the page to use the newer version."
    )]
    NewerVersionStored { found: u32, supported: u32 },
}

/// Typed access to records in a [`KeyValueStore`].
#[derive(Clone, Debug)]
pub struct Repository<S> {
    store: S,
}

impl<S: KeyValueStore> Repository<S> {
    pub fn new(store: S) -> Self {
        Repository { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Every stored record's key and text, grouped by kind: one read of storage to load every kind at start-up.
    pub fn stored_records(&self) -> Result<StoredRecords, StoreError> {
        Ok(StoredRecords::grouped(
            self.store.entries_with_prefix(RECORD_PREFIX)?,
        ))
    }

    /// Like [`Repository::stored_records`], for every kind but one, whose texts are not read at all: start-up draws
    /// the first page before reading years of check-ins.
    pub fn stored_records_except(&self, kind: &str) -> Result<StoredRecords, StoreError> {
        let entries = self
            .store
            .entries_with_prefix_except(RECORD_PREFIX, &format!("{RECORD_PREFIX}{kind}."))?;
        Ok(StoredRecords::grouped(entries))
    }

    /// Like [`Repository::stored_records`], for one kind: one read of that kind's prefix.
    pub fn stored_records_of(&self, kind: &str) -> Result<StoredRecords, StoreError> {
        let prefix = format!("{RECORD_PREFIX}{kind}.");
        Ok(StoredRecords::grouped(
            self.store.entries_with_prefix(&prefix)?,
        ))
    }

    /// Loads every record of kind `K` in `stored` (from [`Repository::stored_records`]), like
    /// [`Repository::load_all`].
    pub fn load_from<K: RecordKind>(&self, stored: &StoredRecords, now: Timestamp) -> Loaded<K> {
        let mut loaded = Loaded {
            records: Vec::new(),
            problems: Vec::new(),
        };
        for (key, text) in stored.of_kind(K::KIND) {
            self.load_text(key, text, now, &mut loaded);
        }
        loaded
            .records
            .sort_unstable_by(|a, b| (a.created, &a.id).cmp(&(b.created, &b.id)));
        loaded
    }

    /// Loads every record of kind `K`. Unreadable data is moved aside; data from a newer version is left alone.
    pub fn load_all<K: RecordKind>(&self, now: Timestamp) -> Loaded<K> {
        match self.stored_records() {
            Ok(stored) => self.load_from::<K>(&stored, now),
            Err(error) => Loaded {
                records: Vec::new(),
                problems: vec![Problem {
                    key: format!("{RECORD_PREFIX}{}.", K::KIND),
                    kind: ProblemKind::ReadFailed(error),
                }],
            },
        }
    }

    /// Loads the record stored under one key (for example after another tab changed it).
    /// No record and no problem means the key holds nothing.
    pub fn load_key<K: RecordKind>(&self, key: &str, now: Timestamp) -> Loaded<K> {
        let mut loaded = Loaded {
            records: Vec::new(),
            problems: Vec::new(),
        };
        match self.store.get(key) {
            Ok(Some(text)) => self.load_text(key, &text, now, &mut loaded),
            Ok(None) => {}
            Err(error) => loaded.problems.push(Problem {
                key: key.to_owned(),
                kind: ProblemKind::ReadFailed(error),
            }),
        }
        loaded
    }

    /// Decodes the text stored under `key` into `loaded`: unreadable text is moved aside, text from a newer
    /// version is left alone.
    fn load_text<K: RecordKind>(
        &self,
        key: &str,
        text: &str,
        now: Timestamp,
        loaded: &mut Loaded<K>,
    ) {
        match self.read::<K>(key, text) {
            Ok(record) => loaded.records.push(record),
            Err(schema::DecodeError::Newer { found, supported }) => {
                loaded.problems.push(Problem {
                    key: key.to_owned(),
                    kind: ProblemKind::NewerVersion { found, supported },
                });
            }
            Err(error) => {
                let reason = error.to_string();
                let kind = match self.move_aside(key, text, &reason, now) {
                    Ok(aside_key) => ProblemKind::SetAside { aside_key, reason },
                    Err(error) => ProblemKind::LeftInPlace { reason, error },
                };
                loaded.problems.push(Problem {
                    key: key.to_owned(),
                    kind,
                });
            }
        }
    }

    /// Saves a record unless storage already holds a newer change to it, or holds data this version cannot read.
    pub fn save<K: RecordKind>(
        &self,
        record: &Record<K>,
        now: Timestamp,
    ) -> Result<Saved<K>, SaveError> {
        let key = record_key(K::KIND, &record.id);
        if let Some(text) = self.store.get(&key)? {
            match self.read::<K>(&key, &text) {
                Ok(held) => {
                    if merge::newer(&held, record) == Winner::Held && held != *record {
                        return Ok(Saved::KeptNewer(held));
                    }
                }
                Err(schema::DecodeError::Newer { found, supported }) => {
                    return Err(SaveError::NewerVersionStored { found, supported });
                }
                Err(error) => {
                    self.move_aside(&key, &text, &error.to_string(), now)?;
                }
            }
        }
        self.store.set(&key, &schema::encode(record))?;
        Ok(Saved::Written)
    }

    /// Removes every key Waymark owns (records of every kind, data kept aside, anything else of ours) and returns
    /// how many were removed: "delete everything". Keys of other apps on the same origin are left alone.
    /// Stops at the first key storage refuses to remove; the keys removed until then stay removed.
    pub fn delete_everything(&self) -> Result<usize, StoreError> {
        let mut keys: Vec<String> = self
            .store
            .keys()?
            .into_iter()
            .filter(|key| is_waymark_key(key))
            .collect();
        keys.sort_unstable();
        for key in &keys {
            self.store.remove(key)?;
        }
        Ok(keys.len())
    }

    /// Everything kept aside, oldest first.
    pub fn aside(&self) -> Result<Vec<AsideEntry>, StoreError> {
        let mut keys: Vec<String> = self
            .store
            .keys()?
            .into_iter()
            .filter(|k| k.starts_with(ASIDE_PREFIX))
            .collect();
        keys.sort_unstable();
        let mut entries = Vec::new();
        for key in keys {
            if let Some(text) = self.store.get(&key)? {
                entries.push(serde_json::from_str(&text).unwrap_or(AsideEntry {
                    key: key.clone(),
                    reason: "kept aside".into(),
                    found: Timestamp(0),
                    raw: text,
                }));
            }
        }
        Ok(entries)
    }

    fn read<K: RecordKind>(&self, key: &str, text: &str) -> Result<Record<K>, schema::DecodeError> {
        let decoded = schema::decode::<K>(text)?;
        if !is_key_of(key, K::KIND, &decoded.record.id) {
            return Err(schema::DecodeError::Shape(
                "the record's id does not match its key".into(),
            ));
        }
        Ok(decoded.record)
    }

    /// Copies unreadable data to an aside key, then removes it from its own key. If the copy fails, nothing moves.
    fn move_aside(
        &self,
        key: &str,
        text: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let mut aside_key = format!("{ASIDE_PREFIX}{}.{key}", now.0);
        let mut n = 1;
        while self.store.get(&aside_key)?.is_some() {
            n += 1;
            aside_key = format!("{ASIDE_PREFIX}{}-{n}.{key}", now.0);
        }
        let entry = AsideEntry {
            key: key.to_owned(),
            reason: reason.to_owned(),
            found: now,
            raw: text.to_owned(),
        };
        let entry = serde_json::to_string(&entry).map_err(|e| StoreError::Failed(e.to_string()))?;
        self.store.set(&aside_key, &entry)?;
        self.store.remove(key)?;
        Ok(aside_key)
    }
}
