//! Mood check-ins: how a person feels right now, on a five-point scale shown in words.

use crate::record::Timestamp;
use crate::schema::{Migration, RecordKind};
use serde::{Deserialize, Serialize};

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

/// One check-in: a mood at a moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub mood: MoodLevel,
    /// When the person felt this (usually when they tapped; can be earlier for a missed day).
    pub at: Timestamp,
}

impl RecordKind for CheckIn {
    const KIND: &'static str = "mood_check_in";
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
