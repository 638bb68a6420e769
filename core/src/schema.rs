//! Versioned stored forms: every stored record carries the schema version it was written with, and a chain of
//! migrations brings any older version up to the current one.
//!
//! The stored text of a record is `{"v": <version>, "record": {...}}`. Migrations work on the JSON of the whole
//! record, so a later version can rename or reshape any field, including the envelope's.

use crate::record::Record;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use serde_json::value::RawValue;

/// Turns the JSON of a record at version `n` into the JSON of the same record at version `n + 1`.
pub type Migration = fn(Value) -> Result<Value, String>;

/// A kind of record that can be stored: its name, its current schema version and how older versions migrate.
pub trait RecordKind:
    Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + 'static
{
    /// Stable name used in storage keys and exports. Never change it once released.
    const KIND: &'static str;
    /// The schema version written today. Starts at 1; bump it with every change to the stored form.
    const VERSION: u32;
    /// `MIGRATIONS[i]` turns version `i + 1` into version `i + 2`, so its length is always `VERSION - 1`.
    const MIGRATIONS: &'static [Migration];
}

/// Why stored text could not be turned into a current record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not readable as JSON: {0}")]
    NotJson(String),
    #[error("no schema version")]
    NoVersion,
    #[error(
        "written by a newer version of Waymark (schema {found}; this version reads up to {supported})"
    )]
    Newer { found: u32, supported: u32 },
    #[error("could not be updated from schema {from}: {reason}")]
    Migration { from: u32, reason: String },
    #[error("does not have the expected fields: {0}")]
    Shape(String),
}

/// A decoded record and the schema version it was stored with.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded<K> {
    pub record: Record<K>,
    pub stored_version: u32,
}

/// The stored text of a record at the current schema version.
pub fn encode<K: RecordKind>(record: &Record<K>) -> String {
    // A record of plain data always serialises; the expect documents an invariant of every RecordKind.
    // Written straight to text (no JSON tree): this runs on every save and for every record of a backup.
    let record = serde_json::to_string(record).expect("records serialise to JSON");
    format!(r#"{{"v":{},"record":{record}}}"#, K::VERSION)
}

/// Reads stored text, migrating it from an older schema version when needed.
pub fn decode<K: RecordKind>(text: &str) -> Result<Decoded<K>, DecodeError> {
    debug_assert_eq!(
        K::MIGRATIONS.len() as u32 + 1,
        K::VERSION,
        "{}: one migration per version",
        K::KIND
    );
    // Read the envelope without building the record's tree: most stored records are at the current version and
    // go straight from text to the record (this runs for every record at start-up).
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        v: Option<&'a RawValue>,
        #[serde(borrow)]
        record: Option<&'a RawValue>,
    }
    let envelope: Envelope =
        serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let stored_version = envelope
        .v
        .and_then(|v| v.get().parse::<u32>().ok())
        .filter(|v| *v >= 1)
        .ok_or(DecodeError::NoVersion)?;
    if stored_version > K::VERSION {
        return Err(DecodeError::Newer {
            found: stored_version,
            supported: K::VERSION,
        });
    }
    let record = envelope
        .record
        .ok_or_else(|| DecodeError::Shape("no record".into()))?;
    let record = if stored_version == K::VERSION {
        serde_json::from_str(record.get()).map_err(|e| DecodeError::Shape(e.to_string()))?
    } else {
        let mut record: Value =
            serde_json::from_str(record.get()).map_err(|e| DecodeError::Shape(e.to_string()))?;
        for (index, migrate) in K::MIGRATIONS
            .iter()
            .enumerate()
            .skip(stored_version as usize - 1)
        {
            let from = index as u32 + 1;
            record = migrate(record).map_err(|reason| DecodeError::Migration { from, reason })?;
        }
        // Back to text, so that each kind has one decoder (from text) rather than two in the app bundle.
        serde_json::from_str(&record.to_string()).map_err(|e| DecodeError::Shape(e.to_string()))?
    };
    Ok(Decoded {
        record,
        stored_version,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::{RecordId, Timestamp};
    use serde::Deserialize;

    /// A kind with a history of two schema changes, to exercise the migration chain:
    /// v1 `{"name": "…"}`, v2 renamed `name` to `title`, v3 added `pinned` (default false).
    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Note {
        pub title: String,
        pub pinned: bool,
    }

    fn v1_to_v2(mut record: Value) -> Result<Value, String> {
        let data = record
            .get_mut("data")
            .and_then(Value::as_object_mut)
            .ok_or("no data")?;
        let name = data.remove("name").ok_or("no name")?;
        data.insert("title".into(), name);
        Ok(record)
    }

    fn v2_to_v3(mut record: Value) -> Result<Value, String> {
        let data = record
            .get_mut("data")
            .and_then(Value::as_object_mut)
            .ok_or("no data")?;
        data.insert("pinned".into(), Value::Bool(false));
        Ok(record)
    }

    impl RecordKind for Note {
        const KIND: &'static str = "test_note";
        const VERSION: u32 = 3;
        const MIGRATIONS: &'static [Migration] = &[v1_to_v2, v2_to_v3];
    }

    fn note(title: &str) -> Record<Note> {
        Record::new(
            RecordId::from_random_bytes([7; 16]),
            Timestamp(10),
            Note {
                title: title.into(),
                pinned: true,
            },
        )
    }

    #[test]
    fn current_version_round_trips() {
        let record = note("hello");
        let decoded = decode::<Note>(&encode(&record)).unwrap();
        assert_eq!(
            decoded,
            Decoded {
                record,
                stored_version: 3
            }
        );
    }

    #[test]
    fn every_older_version_migrates() {
        let id = RecordId::from_random_bytes([7; 16]);
        let v1 = format!(
            r#"{{"v":1,"record":{{"id":"{id}","created":10,"updated":10,"data":{{"name":"hi"}}}}}}"#
        );
        let v2 = format!(
            r#"{{"v":2,"record":{{"id":"{id}","created":10,"updated":10,"data":{{"title":"hi"}}}}}}"#
        );
        for (text, version) in [(v1, 1), (v2, 2)] {
            let decoded = decode::<Note>(&text).unwrap();
            assert_eq!(decoded.stored_version, version);
            assert_eq!(
                decoded.record.data,
                Note {
                    title: "hi".into(),
                    pinned: false
                }
            );
            assert!(!decoded.record.deleted);
        }
    }

    #[test]
    fn newer_versions_are_refused_not_guessed() {
        let text = r#"{"v":4,"record":{"anything":"at all"}}"#;
        let error = decode::<Note>(text).unwrap_err();
        assert_eq!(
            error,
            DecodeError::Newer {
                found: 4,
                supported: 3
            }
        );
    }

    #[test]
    fn unreadable_text_is_an_error_of_its_own_kind() {
        assert!(matches!(
            decode::<Note>("{not json"),
            Err(DecodeError::NotJson(_))
        ));
        assert_eq!(
            decode::<Note>(r#"{"record":{}}"#),
            Err(DecodeError::NoVersion)
        );
        assert_eq!(
            decode::<Note>(r#"{"v":0,"record":{}}"#),
            Err(DecodeError::NoVersion)
        );
        assert!(matches!(
            decode::<Note>(r#"{"v":1,"record":{"data":{}}}"#),
            Err(DecodeError::Migration { from: 1, .. })
        ));
        assert!(matches!(
            decode::<Note>(r#"{"v":3,"record":{"data":{}}}"#),
            Err(DecodeError::Shape(_))
        ));
    }
}
