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

    /// When the record happened, for asking for a kind within a range of time (see [`crate::database::Row::time`]):
    /// by default when it was created.
    fn time(record: &Record<Self>) -> crate::Timestamp {
        record.created
    }
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
    // This runs for every record at start-up. Text exactly as `encode` writes it at the current version goes
    // straight to the record; anything else (older versions, or text that does not parse that way) takes the
    // general path below, which also gives the precise error.
    if let Some(record) = current_record_text(text, K::VERSION)
        && let Ok(record) = serde_json::from_str(record)
    {
        return Ok(Decoded {
            record,
            stored_version: K::VERSION,
        });
    }
    // Read the envelope without building the record's tree: an older version's record is migrated as JSON.
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

/// The record's text inside `{"v":<version>,"record":<record>}`, the exact form [`encode`] writes, when `text` has
/// that form for `version`. A record's own text never ends the envelope early: what comes back is everything
/// between the prefix and the envelope's last `}`, and it decodes only if it is one whole JSON value.
fn current_record_text(text: &str, version: u32) -> Option<&str> {
    let rest = text.strip_prefix(r#"{"v":"#)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || rest[..digits].parse::<u32>() != Ok(version) || rest.starts_with('0') {
        return None;
    }
    rest[digits..]
        .strip_prefix(r#","record":"#)?
        .strip_suffix('}')
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
    fn text_not_exactly_as_encoded_decodes_the_same() {
        let record = note("a } tricky \\\" title }");
        let inner = serde_json::to_string(&record).unwrap();
        assert_eq!(encode(&record), format!(r#"{{"v":3,"record":{inner}}}"#));
        for text in [
            format!(r#"{{ "v": 3, "record": {inner} }}"#),
            format!(r#"{{"v":3,"record":{inner} }}"#),
            format!(r#"{{"record":{inner},"v":3}}"#),
            format!(r#"{{"v":3,"record":{inner},"kept":"by a later version"}}"#),
        ] {
            assert_eq!(decode::<Note>(&text).unwrap().record, record, "{text}");
        }
        // Only the general path reports errors: the envelope's own problems are still named.
        assert!(matches!(
            decode::<Note>(&format!(r#"{{"v":3,"record":{inner}"#)),
            Err(DecodeError::NotJson(_))
        ));
        assert_eq!(
            decode::<Note>(&format!(r#"{{"v":4,"record":{inner}}}"#)),
            Err(DecodeError::Newer {
                found: 4,
                supported: 3
            })
        );
    }

    #[test]
    fn only_the_exact_current_envelope_takes_the_short_way() {
        assert_eq!(current_record_text(r#"{"v":3,"record":{}}"#, 3), Some("{}"));
        assert_eq!(current_record_text(r#"{"v":2,"record":{}}"#, 3), None);
        assert_eq!(current_record_text(r#"{"v":03,"record":{}}"#, 3), None);
        assert_eq!(current_record_text(r#"{"v":33,"record":{}}"#, 3), None);
        assert_eq!(current_record_text(r#"{"v":3 ,"record":{}}"#, 3), None);
        // Cut short: the slice is not one whole value, so it does not decode and the general path reports it.
        assert_eq!(current_record_text(r#"{"v":3,"record":{}"#, 3), Some("{"));
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
