//! Moving a device's records from the `localStorage` layout (layout 0: one key per record, see
//! [`crate::repository`]) into the database (layout 1, see [`crate::database`]) without ever holding neither.
//!
//! 1. [`migrate`] reads every record and every aside entry of the old layout and writes them all, with a
//!    [`LayoutMarker`] (how many, and a digest of what was read), in **one** transaction. A crash, a closed tab or a
//!    full disk part-way leaves the database without the marker and without any of it, and the old keys untouched;
//!    the next start simply migrates again. Two tabs starting at once migrate once: the transaction reads the marker
//!    first and writes nothing when another tab's is there.
//! 2. [`finish`], at a later start, checks that the database holds every record the old layout holds, then removes
//!    the old keys. If they changed since the move (an old version of the app, still open in another tab, saved to
//!    them), what changed is first merged in, the newer copy of each record winning, so nothing written there is lost
//!    unseen.
//!
//! Records keep their stored text and schema version, so the per-kind migrations and fixtures carry over unchanged:
//! text that cannot be read is kept aside with its original key and the reason; a record from a newer version of
//! Waymark, or of a kind this version does not know, is carried verbatim. Sync's bookkeeping (`waymark.sync.`) is
//! not part of this move.

use crate::database::{Database, Found, Reads, Row, Write, row_key};
use crate::kinds::{self, Checked};
use crate::record::Timestamp;
use crate::repository::{AsideEntry, RECORD_PREFIX, is_key_of};
use crate::schema::DecodeError;
use crate::store::{KeyValueStore, StoreError};
use blake2::{Blake2b, Digest, digest::consts::U32};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The meta entry that says the database holds layout 1, and what the move brought in.
pub const LAYOUT_META: &str = "layout";
/// The layout this version writes.
pub const LAYOUT: u32 = 1;
const ASIDE_PREFIX: &str = "waymark.aside.";

/// What [`LAYOUT_META`] holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutMarker {
    pub layout: u32,
    /// How many records and aside entries the move read from the old layout.
    pub records: usize,
    pub aside: usize,
    /// A digest of every old entry read (key and text, in key order), to see whether they changed since.
    pub digest: String,
    /// Whether the old keys have been removed (after checking, at a later start).
    pub old_keys_removed: bool,
}

/// What one call did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Moved {
    /// The database already held layout 1 (moved earlier, or by another tab just now): nothing written.
    AlreadyMoved,
    /// Every record and aside entry went into the database in one transaction.
    Moved { records: usize, aside: usize },
}

/// What [`finish`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finished {
    /// Nothing has been moved yet: the old layout is still the only one.
    NotMoved,
    /// The old keys were removed earlier.
    AlreadyFinished,
    /// The database was checked and the old keys removed; `merged` records changed in the old layout since the
    /// move (an old tab) and were merged in first.
    Removed { keys: usize, merged: usize },
    /// The database lacks records the old layout holds: the old keys are kept, and the problem is said.
    Missing { records: usize },
}

/// Why moving failed; in every case the old layout is untouched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database says it holds layout {found}; this version knows up to {LAYOUT}")]
    NewerLayout { found: u32 },
}

/// The old layout's records and aside entries, as they would be in the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Planned {
    rows: Vec<Row>,
    aside: Vec<AsideEntry>,
    /// The old entries read, in key order.
    entries: Vec<(String, String)>,
    digest: String,
}

/// Reads every old entry (one bulk read) and turns it into rows and aside entries.
fn plan(legacy: &impl KeyValueStore, now: Timestamp) -> Result<Planned, StoreError> {
    let mut entries: Vec<(String, String)> = legacy
        .entries_with_prefix("waymark.")?
        .into_iter()
        .filter(|(key, _)| key.starts_with(RECORD_PREFIX) || key.starts_with(ASIDE_PREFIX))
        .collect();
    entries.sort_unstable();
    let mut planned = Planned {
        digest: digest(&entries),
        ..Planned::default()
    };
    for (key, text) in entries.iter().cloned() {
        if key.starts_with(ASIDE_PREFIX) {
            planned
                .aside
                .push(serde_json::from_str(&text).unwrap_or_else(|_| AsideEntry {
                    key: key.clone(),
                    reason: "kept aside".into(),
                    found: Timestamp(0),
                    raw: text,
                }));
        } else {
            match row_of(&key, &text) {
                Ok(row) => planned.rows.push(row),
                Err(reason) => planned.aside.push(AsideEntry {
                    key: key.clone(),
                    reason,
                    found: now,
                    raw: text,
                }),
            }
        }
    }
    planned.entries = entries;
    Ok(planned)
}

/// The row for one old record entry, text unchanged; or why it cannot be read (it is then kept aside).
fn row_of(key: &str, text: &str) -> Result<Row, String> {
    let rest = key.strip_prefix(RECORD_PREFIX).unwrap_or_default();
    let Some((kind_name, id)) = rest.split_once('.') else {
        return Err("the key does not name a record".into());
    };
    let verbatim = |version: u32| Row {
        kind: kind_name.to_owned(),
        id: id.to_owned(),
        time: created_of(text).unwrap_or(0),
        version,
        text: text.to_owned(),
    };
    let Some(kind) = kinds::find(kind_name) else {
        // A kind from a newer version: carried as it is, for that version.
        return Ok(verbatim(version_of(text).unwrap_or(0)));
    };
    match kind.validate(text) {
        Ok(checked) if is_key_of(key, kind.kind, &checked.id) => Ok(Row {
            kind: kind.kind.to_owned(),
            id: id.to_owned(),
            time: checked.time.0,
            version: checked.stored_version,
            text: text.to_owned(),
        }),
        Ok(_) => Err("the record's id does not match its key".into()),
        Err(DecodeError::Newer { found, .. }) => Ok(verbatim(found)),
        Err(error) => Err(error.to_string()),
    }
}

fn version_of(text: &str) -> Option<u32> {
    let value: Value = serde_json::from_str(text).ok()?;
    value.get("v")?.as_u64()?.try_into().ok()
}

fn created_of(text: &str) -> Option<i64> {
    let value: Value = serde_json::from_str(text).ok()?;
    value.get("record")?.get("created")?.as_i64()
}

/// A digest of entries in key order: Blake2b-256 of each key and text, each followed by a NUL, in hex.
fn digest(entries: &[(String, String)]) -> String {
    let mut hash = Blake2b::<U32>::new();
    for (key, text) in entries {
        hash.update(key.as_bytes());
        hash.update([0]);
        hash.update(text.as_bytes());
        hash.update([0]);
    }
    hash.finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn marker_in(found: &Found) -> Result<Option<LayoutMarker>, StoreError> {
    match found.meta.first().cloned().flatten() {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Failed(format!("the storage layout cannot be read: {e}"))),
    }
}

fn marker_write(marker: &LayoutMarker) -> Write {
    Write::PutMeta {
        name: LAYOUT_META.into(),
        value: serde_json::to_string(marker).expect("the marker serialises"),
    }
}

fn reads_marker() -> Reads {
    Reads {
        rows: Vec::new(),
        meta: vec![LAYOUT_META.into()],
    }
}

/// Moves every record and aside entry of the old layout into `db`, in one transaction with the marker (see the
/// module's notes). The old keys are left as they are; [`finish`] removes them at a later start.
pub async fn migrate(
    db: &impl Database,
    legacy: &impl KeyValueStore,
    now: Timestamp,
) -> Result<Moved, MoveError> {
    let planned = plan(legacy, now)?;
    db.transact(reads_marker(), move |found| {
        if let Some(marker) = marker_in(&found)? {
            if marker.layout > LAYOUT {
                return Err(MoveError::NewerLayout {
                    found: marker.layout,
                });
            }
            return Ok((Vec::new(), Moved::AlreadyMoved));
        }
        let marker = LayoutMarker {
            layout: LAYOUT,
            records: planned.rows.len(),
            aside: planned.aside.len(),
            digest: planned.digest,
            old_keys_removed: false,
        };
        let moved = Moved::Moved {
            records: marker.records,
            aside: marker.aside,
        };
        let mut writes: Vec<Write> = planned.rows.into_iter().map(Write::Put).collect();
        writes.extend(planned.aside.into_iter().map(Write::SetAside));
        writes.push(marker_write(&marker));
        Ok((writes, moved))
    })
    .await
}

/// At a start after [`migrate`]: checks the database holds every record the old layout holds (merging in, newer
/// copy winning, any the old layout changed since), then removes the old record and aside keys. Runs at every
/// start: an old version of the app still open somewhere may write old keys even after they were removed, and
/// what it wrote is merged in then.
pub async fn finish(
    db: &impl Database,
    legacy: &impl KeyValueStore,
    now: Timestamp,
) -> Result<Finished, MoveError> {
    let marker = db
        .transact(reads_marker(), |found| {
            Ok::<_, StoreError>((Vec::new(), marker_in(&found)?))
        })
        .await?;
    let Some(marker) = marker else {
        return Ok(Finished::NotMoved);
    };
    let planned = plan(legacy, now)?;
    if marker.old_keys_removed && planned.entries.is_empty() {
        return Ok(Finished::AlreadyFinished);
    }
    let mut merged = 0;
    if planned.digest != marker.digest || marker.old_keys_removed {
        // An old tab wrote to the old layout after the move (or even after its keys were removed): bring in what it
        // changed, the newer copy winning.
        for row in &planned.rows {
            if merge_row(db, row).await? {
                merged += 1;
            }
        }
        let new_aside: Vec<AsideEntry> = planned.aside.clone();
        let held = db.aside().await?;
        let missing: Vec<Write> = new_aside
            .into_iter()
            .filter(|entry| {
                !held
                    .iter()
                    .any(|h| h.key == entry.key && h.raw == entry.raw)
            })
            .map(Write::SetAside)
            .collect();
        if !missing.is_empty() {
            db.transact(Reads::default(), |_| Ok::<_, StoreError>((missing, ())))
                .await?;
        }
    }
    let held = db.all_rows().await?;
    let lacking = planned
        .rows
        .iter()
        .filter(|row| held.binary_search_by(|h| h.key().cmp(&row.key())).is_err())
        .count();
    if lacking > 0 {
        return Ok(Finished::Missing { records: lacking });
    }
    if !marker.old_keys_removed {
        let done = LayoutMarker {
            old_keys_removed: true,
            ..marker
        };
        db.transact(reads_marker(), move |_| {
            Ok::<_, StoreError>((vec![marker_write(&done)], ()))
        })
        .await?;
    }
    // A key another tab changed since it was read is left for the next start, which merges it in first.
    let mut removed = 0;
    for (key, text) in &planned.entries {
        if legacy.get(key)?.as_ref() == Some(text) {
            legacy.remove(key)?;
            removed += 1;
        }
    }
    Ok(Finished::Removed {
        keys: removed,
        merged,
    })
}

/// Writes `row` unless the database holds the same record, as new or newer (or one it cannot compare). Returns
/// whether it was written.
async fn merge_row(db: &impl Database, row: &Row) -> Result<bool, StoreError> {
    let incoming = row.clone();
    db.transact(
        Reads {
            rows: vec![row_key(&row.kind, &row.id)],
            meta: Vec::new(),
        },
        move |found| {
            let wins = match found.rows.into_iter().next().flatten() {
                None => true,
                Some(held) if held.text == incoming.text => false,
                Some(held) => match kinds::find(&incoming.kind) {
                    Some(kind) => {
                        match (kind.validate(&held.text), kind.validate(&incoming.text)) {
                            (Ok(held), Ok(incoming)) => incoming.wins_over(&held),
                            // The database's copy cannot be read here: the readable one is better.
                            (Err(_), Ok(_)) => true,
                            _ => false,
                        }
                    }
                    None => false,
                },
            };
            let writes = if wins {
                vec![Write::Put(incoming)]
            } else {
                Vec::new()
            };
            Ok((writes, wins))
        },
    )
    .await
}

impl Checked {
    /// Whether this copy of a record wins over `held`, by the rule of [`crate::merge::newer`].
    pub fn wins_over(&self, held: &Checked) -> bool {
        (self.updated, self.deleted, &self.current) > (held.updated, held.deleted, &held.current)
    }
}
