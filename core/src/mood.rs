//! Mood check-ins: how a person feels right now, on a five-point scale shown in words.

use crate::record::{Record, Timestamp};
use crate::schema::{Migration, RecordKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How someone feels, from very low to very good. Always shown with its words, never by colour or face alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoodLevel {
    VeryLow,
    Low,
    Okay,
    Good,
    VeryGood,
}

impl MoodLevel {
    /// Lowest first, the order they are offered in.
    pub const ALL: [MoodLevel; 5] = [
        MoodLevel::VeryLow,
        MoodLevel::Low,
        MoodLevel::Okay,
        MoodLevel::Good,
        MoodLevel::VeryGood,
    ];

    /// The words shown for this level.
    pub fn label(self) -> &'static str {
        match self {
            MoodLevel::VeryLow => "Very low",
            MoodLevel::Low => "Low",
            MoodLevel::Okay => "Okay",
            MoodLevel::Good => "Good",
            MoodLevel::VeryGood => "Very good",
        }
    }

    /// 1 (very low) to 5 (very good), for averages and charts.
    pub fn score(self) -> u8 {
        match self {
            MoodLevel::VeryLow => 1,
            MoodLevel::Low => 2,
            MoodLevel::Okay => 3,
            MoodLevel::Good => 4,
            MoodLevel::VeryGood => 5,
        }
    }
}

/// The longest note a check-in can carry, in characters (the note field shows a counter).
pub const NOTE_MAX_CHARS: usize = 500;
/// The longest tag, in characters.
pub const TAG_MAX_CHARS: usize = 40;

/// Tags offered to everyone: a few feelings and a few things that often go with them. The person adds their own.
pub const DEFAULT_TAGS: [&str; 12] = [
    "calm",
    "anxious",
    "sad",
    "hopeful",
    "irritable",
    "tired",
    "slept well",
    "slept badly",
    "was active",
    "saw people",
    "spent time alone",
    "in pain",
];

/// One check-in: a mood at a moment, with optional tags and a short note.
///
/// Schema history: v1 had `mood` and `at`; v2 added `note` and `tags`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub mood: MoodLevel,
    /// When the person felt this (usually when they tapped; can be earlier for a missed day).
    pub at: Timestamp,
    /// A short note in the person's words (may be empty), at most [`NOTE_MAX_CHARS`].
    #[serde(deserialize_with = "bounded_note")]
    pub note: String,
    /// Tags, each at most [`TAG_MAX_CHARS`], no duplicates, in the order chosen.
    pub tags: Vec<String>,
}

impl CheckIn {
    /// A check-in from one tap: no note, no tags.
    pub fn new(mood: MoodLevel, at: Timestamp) -> Self {
        CheckIn {
            mood,
            at,
            note: String::new(),
            tags: Vec::new(),
        }
    }

    /// Adds the tag if absent, removes it if present. Returns whether it is now on.
    pub fn toggle_tag(&mut self, tag: &str) -> bool {
        match self.tags.iter().position(|t| t == tag) {
            Some(index) => {
                self.tags.remove(index);
                false
            }
            None => {
                self.tags.push(tag.to_owned());
                true
            }
        }
    }

    /// Sets the note, cut to [`NOTE_MAX_CHARS`] characters.
    pub fn set_note(&mut self, note: &str) {
        self.note = note.chars().take(NOTE_MAX_CHARS).collect();
    }
}

fn bounded_note<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let note = String::deserialize(deserializer)?;
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(serde::de::Error::custom("note is too long"));
    }
    Ok(note)
}

/// v1 → v2: check-ins gain an empty note and no tags.
fn add_note_and_tags(mut record: Value) -> Result<Value, String> {
    let data = record
        .get_mut("data")
        .and_then(Value::as_object_mut)
        .ok_or("no data")?;
    data.entry("note")
        .or_insert_with(|| Value::String(String::new()));
    data.entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()));
    Ok(record)
}

impl RecordKind for CheckIn {
    const KIND: &'static str = "mood_check_in";
    const VERSION: u32 = 2;
    const MIGRATIONS: &'static [Migration] = &[add_note_and_tags];

    /// The moment the check-in is about (an earlier time can be chosen).
    fn time(record: &Record<Self>) -> Timestamp {
        record.data.at
    }
}

/// Why a tag name cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("Write a word or two for the tag.")]
    Empty,
    #[error("A tag can be at most {TAG_MAX_CHARS} characters.")]
    TooLong,
}

/// Tidies a tag the person typed: trims, folds runs of spaces, lowercases. Errors say what to fix, kindly.
pub fn clean_tag(text: &str) -> Result<String, TagError> {
    let cleaned = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    match cleaned.chars().count() {
        0 => Err(TagError::Empty),
        n if n > TAG_MAX_CHARS => Err(TagError::TooLong),
        _ => Ok(cleaned),
    }
}

/// A tag the person added to their own list (deleting it is a tombstone; past check-ins keep their tags).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomTag {
    pub name: String,
}

impl RecordKind for CustomTag {
    const KIND: &'static str = "mood_tag";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_scored_one_to_five() {
        let scores: Vec<u8> = MoodLevel::ALL.iter().map(|m| m.score()).collect();
        assert_eq!(scores, [1, 2, 3, 4, 5]);
        assert!(MoodLevel::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn stored_as_words() {
        assert_eq!(
            serde_json::to_string(&MoodLevel::VeryGood).unwrap(),
            r#""very_good""#
        );
    }
}
