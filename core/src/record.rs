//! The envelope every stored record shares: a random id, created and updated times, and a tombstone flag.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Milliseconds since the Unix epoch, UTC. The core never reads a clock: callers pass `now` in.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The later of `self` and `other`.
    pub fn max(self, other: Timestamp) -> Timestamp {
        if other > self { other } else { self }
    }
}

/// A record's stable random identifier, written as a version-4 UUID (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
///
/// Ids appear inside storage keys and in imported files, so parsing is strict: lowercase hex in the UUID layout only.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(String);

/// A string that is not a record id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a record id: {0:?}")]
pub struct InvalidId(pub String);

impl RecordId {
    /// Makes an id from 16 random bytes (the caller draws them from a secure source).
    pub fn from_random_bytes(mut bytes: [u8; 16]) -> Self {
        bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
        bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        RecordId(format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        ))
    }

    /// The id of a kind that has exactly one record (settings, the staying-well plan): the same on every device, so
    /// copies from backups and other devices merge into one.
    pub fn singleton() -> Self {
        RecordId("00000000-0000-4000-8000-000000000000".to_owned())
    }

    /// Parses an id written by [`RecordId::from_random_bytes`] (any UUID in lowercase hyphenated form).
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        if Self::well_formed(text) {
            Ok(RecordId(text.to_owned()))
        } else {
            Err(InvalidId(text.chars().take(64).collect()))
        }
    }

    /// Lowercase hex in groups of 8, 4, 4, 4 and 12, joined by hyphens. (Runs for every record read at start-up,
    /// so it looks at bytes rather than splitting.)
    fn well_formed(text: &str) -> bool {
        text.len() == 36
            && text.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RecordId {
    type Error = InvalidId;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        if RecordId::well_formed(&text) {
            Ok(RecordId(text))
        } else {
            Err(InvalidId(text.chars().take(64).collect()))
        }
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> String {
        id.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One stored thing (a check-in, a goal, a plan step…) with the fields that sync and import merge on.
///
/// Deleting sets `deleted` (a tombstone) rather than removing the record, so that a delete can travel to other
/// devices and be undone. Every change moves `updated` strictly forward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record<T> {
    pub id: RecordId,
    pub created: Timestamp,
    pub updated: Timestamp,
    #[serde(default)]
    pub deleted: bool,
    pub data: T,
}

impl<T> Record<T> {
    pub fn new(id: RecordId, now: Timestamp, data: T) -> Self {
        Record {
            id,
            created: now,
            updated: now,
            deleted: false,
            data,
        }
    }

    /// Changes the data and moves `updated` forward, even if the device clock went backwards.
    pub fn edit(&mut self, now: Timestamp, change: impl FnOnce(&mut T)) {
        change(&mut self.data);
        self.touch(now);
    }

    /// Marks the record deleted (a tombstone).
    pub fn delete(&mut self, now: Timestamp) {
        self.deleted = true;
        self.touch(now);
    }

    /// Undoes a delete.
    pub fn restore(&mut self, now: Timestamp) {
        self.deleted = false;
        self.touch(now);
    }

    fn touch(&mut self, now: Timestamp) {
        // Saturating: a damaged import can carry any time, and an edit must never wrap it backwards.
        self.updated = now.max(Timestamp(self.updated.0.saturating_add(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_are_version_4_uuids() {
        let id = RecordId::from_random_bytes([0xff; 16]);
        assert_eq!(id.as_str(), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = RecordId::from_random_bytes([0; 16]);
        assert_eq!(id.as_str(), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn parsing_rejects_anything_else() {
        for bad in [
            "",
            "not-an-id",
            "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF",
            "ffffffff-ffff-4fff-bfff-fffffffffff",
            "ffffffff-ffff-4fff-bfff-ffffffffffff-",
            "ffffffff/ffff-4fff-bfff-ffffffffffff",
            "../../../../etc/passwd",
        ] {
            assert!(RecordId::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let json = serde_json::to_string("gggggggg-ffff-4fff-bfff-ffffffffffff").unwrap();
        assert!(serde_json::from_str::<RecordId>(&json).is_err());
    }

    #[test]
    fn an_edit_never_wraps_a_damaged_time_backwards() {
        let mut record = Record::new(RecordId::from_random_bytes([1; 16]), Timestamp(0), 5);
        record.updated = Timestamp(i64::MAX);
        record.edit(Timestamp(1_000), |n| *n = 6);
        assert_eq!(record.updated, Timestamp(i64::MAX));
    }

    #[test]
    fn edits_move_updated_forward_even_when_the_clock_goes_back() {
        let mut record = Record::new(RecordId::from_random_bytes([1; 16]), Timestamp(1_000), 5);
        record.edit(Timestamp(500), |n| *n = 6);
        assert_eq!(record.updated, Timestamp(1_001));
        record.delete(Timestamp(2_000));
        assert!(record.deleted);
        assert_eq!(record.updated, Timestamp(2_000));
        record.restore(Timestamp(2_000));
        assert!(!record.deleted);
        assert_eq!(record.updated, Timestamp(2_001));
        assert_eq!(record.created, Timestamp(1_000));
    }

    proptest! {
        #[test]
        fn the_byte_check_is_the_group_rule(
            text in prop_oneof![
                "[0-9a-fA-Fg/é-]{30,40}",
                // A valid id with one character changed, most of them still valid or nearly so.
                (any::<[u8; 16]>(), 0usize..36, "[0-9a-fG/é-]").prop_map(|(bytes, at, with)| {
                    let id = RecordId::from_random_bytes(bytes).0;
                    format!("{}{with}{}", &id[..at], &id[at + 1..])
                }),
            ]
        ) {
            // The rule as first written: five hyphen-separated groups of 8, 4, 4, 4 and 12 lowercase hex digits.
            let groups: Vec<&str> = text.split('-').collect();
            let by_groups = groups.len() == 5
                && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| {
                    group.len() == len
                        && group.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                });
            prop_assert_eq!(RecordId::parse(&text).is_ok(), by_groups);
            prop_assert_eq!(RecordId::try_from(text.clone()).is_ok(), by_groups);
        }

        #[test]
        fn any_random_bytes_make_a_parseable_id(bytes in any::<[u8; 16]>()) {
            let id = RecordId::from_random_bytes(bytes);
            prop_assert_eq!(RecordId::parse(id.as_str()), Ok(id.clone()));
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<RecordId>(&json).unwrap(), id);
        }

        #[test]
        fn updated_strictly_increases(start in -1_000_000i64..1_000_000, nows in proptest::collection::vec(-1_000_000i64..1_000_000, 1..20)) {
            let mut record = Record::new(RecordId::from_random_bytes([2; 16]), Timestamp(start), ());
            for now in nows {
                let before = record.updated;
                record.edit(Timestamp(now), |_| {});
                prop_assert!(record.updated > before);
                prop_assert!(record.updated >= Timestamp(now));
            }
        }
    }
}
