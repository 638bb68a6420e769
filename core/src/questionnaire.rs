//! The PHQ-9 and GAD-7 questionnaires, how they are scored, and the words the service uses for change between
//! pairs of scores (`shared/design/measures.md`).
//!
//! The questions are the instruments' own wording, copied exactly: that is what makes a score here comparable with
//! the one a therapist recorded. Every sentence this module writes describes scores; none says what someone "has".

use crate::record::{Record, Timestamp};
use crate::schema::{Migration, RecordKind};
use serde::{Deserialize, Serialize};

/// Shown wherever the questions appear (both measures are free to reproduce on this condition).
pub const COPYRIGHT_NOTICE: &str = "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and \
     colleagues, with an educational grant from Pfizer Inc. No permission required to reproduce, translate, display \
     or distribute.";

/// The question above the PHQ-9 items.
pub const PHQ9_STEM: &str =
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?";

/// The question above the GAD-7 items. It differs from the PHQ-9's by two words ("the following", not "any of the
/// following"), as in the instrument itself.
pub const GAD7_STEM: &str =
    "Over the last 2 weeks, how often have you been bothered by the following problems?";

/// The nine PHQ-9 items, in order.
pub const PHQ9_ITEMS: [&str; 9] = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or \
     restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
];

/// The seven GAD-7 items, in order.
pub const GAD7_ITEMS: [&str; 7] = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
];

/// One way to answer an item, with the score it adds to the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerOption {
    /// The words shown.
    pub label: &'static str,
    /// 0 to 3.
    pub score: u8,
}

/// The highest score one item can have.
pub const MAX_ANSWER: u8 = 3;

/// The four answers offered for every item of both measures, lowest score first.
pub const ANSWER_OPTIONS: [AnswerOption; 4] = [
    AnswerOption {
        label: "Not at all",
        score: 0,
    },
    AnswerOption {
        label: "Several days",
        score: 1,
    },
    AnswerOption {
        label: "More than half the days",
        score: 2,
    },
    AnswerOption {
        label: "Nearly every day",
        score: 3,
    },
];

/// The optional, unscored question asked after the PHQ-9 items.
pub const DIFFICULTY_QUESTION: &str = "If you checked off any problems, how difficult have these problems made it \
     for you to do your work, take care of things at home, or get along with other people?";

/// An answer to [`DIFFICULTY_QUESTION`]. It is never part of a score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    NotDifficultAtAll,
    SomewhatDifficult,
    VeryDifficult,
    ExtremelyDifficult,
}

impl Difficulty {
    /// In the order they are offered.
    pub const ALL: [Difficulty; 4] = [
        Difficulty::NotDifficultAtAll,
        Difficulty::SomewhatDifficult,
        Difficulty::VeryDifficult,
        Difficulty::ExtremelyDifficult,
    ];

    /// The words shown for this answer.
    pub fn label(self) -> &'static str {
        match self {
            Difficulty::NotDifficultAtAll => "Not difficult at all",
            Difficulty::SomewhatDifficult => "Somewhat difficult",
            Difficulty::VeryDifficult => "Very difficult",
            Difficulty::ExtremelyDifficult => "Extremely difficult",
        }
    }
}

/// One of the two questionnaires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    /// PHQ-9: nine items, total 0 to 27.
    Phq9,
    /// GAD-7: seven items, total 0 to 21.
    Gad7,
}

impl Measure {
    /// In the order they are asked.
    pub const ALL: [Measure; 2] = [Measure::Phq9, Measure::Gad7];

    /// The short name shown: "PHQ-9" or "GAD-7".
    pub fn name(self) -> &'static str {
        match self {
            Measure::Phq9 => "PHQ-9",
            Measure::Gad7 => "GAD-7",
        }
    }

    /// The question shown above the items.
    pub fn stem(self) -> &'static str {
        match self {
            Measure::Phq9 => PHQ9_STEM,
            Measure::Gad7 => GAD7_STEM,
        }
    }

    /// The items, in order, worded exactly as the instrument words them.
    pub fn items(self) -> &'static [&'static str] {
        match self {
            Measure::Phq9 => &PHQ9_ITEMS,
            Measure::Gad7 => &GAD7_ITEMS,
        }
    }

    /// The highest possible total: 27 for PHQ-9, 21 for GAD-7.
    pub fn max_total(self) -> u8 {
        match self {
            Measure::Phq9 => PHQ9_MAX_TOTAL,
            Measure::Gad7 => GAD7_MAX_TOTAL,
        }
    }
}

/// The highest possible PHQ-9 total.
pub const PHQ9_MAX_TOTAL: u8 = 27;
/// The highest possible GAD-7 total.
pub const GAD7_MAX_TOTAL: u8 = 21;

/// Why a set of answers was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAnswers {
    #[error("expected {expected} answers, found {found}")]
    WrongLength { expected: usize, found: usize },
    /// `item` counts from 1, as the questionnaire numbers them.
    #[error("answer to item {item} is {value}; answers are 0 to 3")]
    OutOfRange { item: usize, value: u8 },
}

/// The answers to every item of one questionnaire, each 0 to 3.
///
/// The only ways to make one check every answer, including reading stored data, so a total can never go above the
/// measure's maximum. Stored as a plain JSON array of numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<u8>", into = "Vec<u8>")]
pub struct Answers<const N: usize>([u8; N]);

/// The nine PHQ-9 answers.
pub type Phq9Answers = Answers<9>;
/// The seven GAD-7 answers.
pub type Gad7Answers = Answers<7>;

impl<const N: usize> Answers<N> {
    /// Checks that every answer is 0 to 3.
    pub fn new(answers: [u8; N]) -> Result<Self, InvalidAnswers> {
        // The total must fit in a u8; true for both measures, and checked when the code is compiled.
        const { assert!(N * MAX_ANSWER as usize <= u8::MAX as usize) };
        match answers.iter().position(|a| *a > MAX_ANSWER) {
            Some(index) => Err(InvalidAnswers::OutOfRange {
                item: index + 1,
                value: answers[index],
            }),
            None => Ok(Answers(answers)),
        }
    }

    /// The answers in item order.
    pub fn as_array(&self) -> &[u8; N] {
        &self.0
    }

    /// The sum of the answers: at most 3 for each item.
    pub fn total(&self) -> u8 {
        self.0.iter().sum()
    }
}

impl<const N: usize> TryFrom<Vec<u8>> for Answers<N> {
    type Error = InvalidAnswers;
    fn try_from(answers: Vec<u8>) -> Result<Self, Self::Error> {
        let found = answers.len();
        let answers: [u8; N] = answers
            .try_into()
            .map_err(|_| InvalidAnswers::WrongLength { expected: N, found })?;
        Answers::new(answers)
    }
}

impl<const N: usize> From<Answers<N>> for Vec<u8> {
    fn from(answers: Answers<N>) -> Vec<u8> {
        answers.0.to_vec()
    }
}

impl Answers<9> {
    /// The PHQ-9 severity band of the total.
    pub fn severity(&self) -> Phq9Severity {
        Phq9Severity::from_total(self.total())
    }
}

impl Answers<7> {
    /// The GAD-7 severity band of the total.
    pub fn severity(&self) -> Gad7Severity {
        Gad7Severity::from_total(self.total())
    }
}

/// Whether PHQ-9 item 9 was answered above 0 (anything but "Not at all").
///
/// When it was, the app shows a calm message that support is available now, with the Help-now contacts, at once and
/// before any result. It is never only a score.
pub fn item9_needs_support(phq9: &Phq9Answers) -> bool {
    phq9.as_array()[8] > 0
}

/// PHQ-9 severity bands: 0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 moderately severe, 20–27 severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phq9Severity {
    Minimal,
    Mild,
    Moderate,
    ModeratelySevere,
    Severe,
}

impl Phq9Severity {
    /// Lowest first.
    pub const ALL: [Phq9Severity; 5] = [
        Phq9Severity::Minimal,
        Phq9Severity::Mild,
        Phq9Severity::Moderate,
        Phq9Severity::ModeratelySevere,
        Phq9Severity::Severe,
    ];

    /// The band a PHQ-9 total falls in. Totals come from [`Answers`], so they are never above 27.
    pub fn from_total(total: u8) -> Self {
        match total {
            0..=4 => Phq9Severity::Minimal,
            5..=9 => Phq9Severity::Mild,
            10..=14 => Phq9Severity::Moderate,
            15..=19 => Phq9Severity::ModeratelySevere,
            _ => Phq9Severity::Severe,
        }
    }

    /// The band's name in plain lowercase words, as the scoring guide writes it.
    pub fn label(self) -> &'static str {
        match self {
            Phq9Severity::Minimal => "minimal",
            Phq9Severity::Mild => "mild",
            Phq9Severity::Moderate => "moderate",
            Phq9Severity::ModeratelySevere => "moderately severe",
            Phq9Severity::Severe => "severe",
        }
    }
}

/// GAD-7 severity bands: 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Gad7Severity {
    Minimal,
    Mild,
    Moderate,
    Severe,
}

impl Gad7Severity {
    /// Lowest first.
    pub const ALL: [Gad7Severity; 4] = [
        Gad7Severity::Minimal,
        Gad7Severity::Mild,
        Gad7Severity::Moderate,
        Gad7Severity::Severe,
    ];

    /// The band a GAD-7 total falls in. Totals come from [`Answers`], so they are never above 21.
    pub fn from_total(total: u8) -> Self {
        match total {
            0..=4 => Gad7Severity::Minimal,
            5..=9 => Gad7Severity::Mild,
            10..=14 => Gad7Severity::Moderate,
            _ => Gad7Severity::Severe,
        }
    }

    /// The band's name in plain lowercase words, as the scoring guide writes it.
    pub fn label(self) -> &'static str {
        match self {
            Gad7Severity::Minimal => "minimal",
            Gad7Severity::Mild => "mild",
            Gad7Severity::Moderate => "moderate",
            Gad7Severity::Severe => "severe",
        }
    }
}

/// One occasion of answering: PHQ-9, GAD-7 or both, with the optional difficulty question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionnaireResponse {
    /// When the person answered.
    pub at: Timestamp,
    #[serde(default)]
    pub phq9: Option<Phq9Answers>,
    #[serde(default)]
    pub gad7: Option<Gad7Answers>,
    /// The answer to [`DIFFICULTY_QUESTION`], if given.
    #[serde(default)]
    pub difficulty: Option<Difficulty>,
}

impl RecordKind for QuestionnaireResponse {
    const KIND: &'static str = "questionnaire";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];
}

impl QuestionnaireResponse {
    /// Both totals, when both measures were answered on this occasion; otherwise there is no pair to compare.
    pub fn pair(&self) -> Option<Pair> {
        Some(Pair::new(self.phq9.as_ref()?, self.gad7.as_ref()?))
    }

    /// Whether PHQ-9 item 9 was answered above 0 on this occasion (see [`item9_needs_support`]).
    pub fn needs_support(&self) -> bool {
        self.phq9.as_ref().is_some_and(item9_needs_support)
    }
}

/// PHQ-9 totals at or above this are at caseness.
pub const PHQ9_CASENESS: u8 = 10;
/// GAD-7 totals at or above this are at caseness.
pub const GAD7_CASENESS: u8 = 8;
/// A PHQ-9 change of at least this much is a reliable change.
pub const PHQ9_RELIABLE_CHANGE: i16 = 6;
/// A GAD-7 change of at least this much is a reliable change.
pub const GAD7_RELIABLE_CHANGE: i16 = 4;

/// PHQ-9 and GAD-7 totals from the same occasion: the only thing caseness and change are defined for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pair {
    phq9_total: u8,
    gad7_total: u8,
}

impl Pair {
    /// The pair from two complete sets of answers given on the same occasion.
    pub fn new(phq9: &Phq9Answers, gad7: &Gad7Answers) -> Self {
        Pair {
            phq9_total: phq9.total(),
            gad7_total: gad7.total(),
        }
    }

    /// A pair from totals alone (for example, scores a therapist shared), or `None` if either is above its maximum.
    pub fn from_totals(phq9_total: u8, gad7_total: u8) -> Option<Self> {
        (phq9_total <= PHQ9_MAX_TOTAL && gad7_total <= GAD7_MAX_TOTAL).then_some(Pair {
            phq9_total,
            gad7_total,
        })
    }

    /// 0 to 27.
    pub fn phq9_total(&self) -> u8 {
        self.phq9_total
    }

    /// 0 to 21.
    pub fn gad7_total(&self) -> u8 {
        self.gad7_total
    }

    /// Whether these scores are at caseness: PHQ-9 10 or more, or GAD-7 8 or more.
    pub fn at_caseness(&self) -> bool {
        self.phq9_total >= PHQ9_CASENESS || self.gad7_total >= GAD7_CASENESS
    }

    /// One plain sentence saying whether these scores are at caseness.
    pub fn caseness_sentence(&self) -> &'static str {
        if self.at_caseness() {
            "These scores are at the level your service calls caseness (PHQ-9 10 or more, or GAD-7 8 or more)."
        } else {
            "These scores are below the level your service calls caseness (PHQ-9 under 10 and GAD-7 under 8)."
        }
    }
}

/// How a later pair compares with an earlier one, in the service's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Change {
    /// Later PHQ-9 total minus earlier: below 0 means the score went down.
    pub phq9_difference: i16,
    /// Later GAD-7 total minus earlier: below 0 means the score went down.
    pub gad7_difference: i16,
    /// PHQ-9 down by 6 or more, or GAD-7 down by 4 or more, with neither reliably worse.
    pub reliable_improvement: bool,
    /// PHQ-9 up by 6 or more, or GAD-7 up by 4 or more.
    pub reliable_deterioration: bool,
    /// At caseness in the earlier pair, and below caseness on both measures in the later pair.
    pub recovery: bool,
    /// Recovery and reliable improvement together.
    pub reliable_recovery: bool,
}

impl Change {
    /// Compares a later pair with an earlier one (usually the first pair on record).
    pub fn between(earlier: Pair, later: Pair) -> Self {
        let phq9_difference = i16::from(later.phq9_total) - i16::from(earlier.phq9_total);
        let gad7_difference = i16::from(later.gad7_total) - i16::from(earlier.gad7_total);
        let reliable_deterioration =
            phq9_difference >= PHQ9_RELIABLE_CHANGE || gad7_difference >= GAD7_RELIABLE_CHANGE;
        let reliable_improvement = (phq9_difference <= -PHQ9_RELIABLE_CHANGE
            || gad7_difference <= -GAD7_RELIABLE_CHANGE)
            && !reliable_deterioration;
        let recovery = earlier.at_caseness() && !later.at_caseness();
        Change {
            phq9_difference,
            gad7_difference,
            reliable_improvement,
            reliable_deterioration,
            recovery,
            reliable_recovery: recovery && reliable_improvement,
        }
    }

    /// Short, plain sentences describing the change, one per element, in the order to show them.
    ///
    /// They describe scores and use the service's own terms; they never say what someone has.
    pub fn sentences(&self) -> Vec<String> {
        let mut sentences = vec![
            moved_sentence(Measure::Phq9, self.phq9_difference),
            moved_sentence(Measure::Gad7, self.gad7_difference),
        ];
        let phq9_down = self.phq9_difference <= -PHQ9_RELIABLE_CHANGE;
        let gad7_down = self.gad7_difference <= -GAD7_RELIABLE_CHANGE;
        let phq9_up = self.phq9_difference >= PHQ9_RELIABLE_CHANGE;
        let gad7_up = self.gad7_difference >= GAD7_RELIABLE_CHANGE;
        if self.reliable_improvement {
            sentences.push(format!(
                "{} gone down by enough to count as reliable improvement, the term your service uses.",
                whose(phq9_down, gad7_down)
            ));
        } else if self.reliable_deterioration {
            sentences.push(format!(
                "{} gone up by enough to count as reliable deterioration, the term your service uses.",
                whose(phq9_up, gad7_up)
            ));
        } else {
            sentences.push(
                "No reliable change: the differences are smaller than the amount your service counts as a \
                 reliable change (6 points on PHQ-9, 4 points on GAD-7)."
                    .to_owned(),
            );
        }
        if self.recovery {
            sentences.push(
                "Your earlier scores were at the level your service calls caseness.".to_owned(),
            );
            sentences.push("Both scores are now below it.".to_owned());
            sentences.push(if self.reliable_recovery {
                "With reliable improvement as well, your service calls this reliable recovery."
                    .to_owned()
            } else {
                "Your service calls this recovery.".to_owned()
            });
        }
        sentences
    }
}

/// "Your PHQ-9 score has gone down by 7 points." and the like.
fn moved_sentence(measure: Measure, difference: i16) -> String {
    let name = measure.name();
    let points = match difference.unsigned_abs() {
        1 => "1 point".to_owned(),
        n => format!("{n} points"),
    };
    match difference {
        0 => format!("Your {name} score is the same."),
        d if d < 0 => format!("Your {name} score has gone down by {points}."),
        _ => format!("Your {name} score has gone up by {points}."),
    }
}

/// The start of a sentence naming which scores moved reliably: both, or just one.
fn whose(phq9: bool, gad7: bool) -> &'static str {
    match (phq9, gad7) {
        (true, false) => "Your PHQ-9 score has",
        (false, true) => "Your GAD-7 score has",
        _ => "Your scores have",
    }
}

/// A complete pair and when it was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DatedPair {
    pub at: Timestamp,
    pub pair: Pair,
}

/// Every complete pair (both measures on one occasion) in live records, oldest first.
pub fn dated_pairs(records: &[Record<QuestionnaireResponse>]) -> Vec<DatedPair> {
    // Ties broken as `PairHistory::find` and `plan::day_pairs` break them, so every screen agrees on the order.
    let mut pairs: Vec<(&Record<QuestionnaireResponse>, Pair)> = records
        .iter()
        .filter(|r| !r.deleted)
        .filter_map(|r| r.data.pair().map(|pair| (r, pair)))
        .collect();
    pairs.sort_by(|(a, _), (b, _)| {
        (a.data.at, a.created, &a.id).cmp(&(b.data.at, b.created, &b.id))
    });
    pairs
        .into_iter()
        .map(|(r, pair)| DatedPair {
            at: r.data.at,
            pair,
        })
        .collect()
}

/// The complete pairs that matter for comparing: the first on record, the one before the latest, and the latest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PairHistory {
    /// The earliest complete pair. The same as `latest` when there is only one.
    pub first: DatedPair,
    /// The complete pair just before the latest, when there are two or more (with two, it is `first`).
    pub previous: Option<DatedPair>,
    /// The most recent complete pair.
    pub latest: DatedPair,
}

impl PairHistory {
    /// From the complete pairs in `records`, ignoring deleted records and occasions with only one measure.
    /// Pairs are ordered by when they were answered (`at`); ties fall back to creation time, then id.
    /// `None` when there is no complete pair.
    pub fn find(records: &[Record<QuestionnaireResponse>]) -> Option<Self> {
        let mut complete: Vec<(&Record<QuestionnaireResponse>, Pair)> = records
            .iter()
            .filter(|r| !r.deleted)
            .filter_map(|r| Some((r, r.data.pair()?)))
            .collect();
        complete.sort_by(|(a, _), (b, _)| {
            (a.data.at, a.created, &a.id).cmp(&(b.data.at, b.created, &b.id))
        });
        let dated = |(record, pair): &(&Record<QuestionnaireResponse>, Pair)| DatedPair {
            at: record.data.at,
            pair: *pair,
        };
        let (latest, before) = complete.split_last()?;
        Some(PairHistory {
            first: complete.first().map(dated)?,
            previous: before.last().map(dated),
            latest: dated(latest),
        })
    }

    /// The change from the first pair to the latest, when there are at least two pairs.
    pub fn since_first(&self) -> Option<Change> {
        self.previous
            .map(|_| Change::between(self.first.pair, self.latest.pair))
    }

    /// The change from the pair before the latest to the latest, when there are at least two pairs.
    pub fn since_previous(&self) -> Option<Change> {
        self.previous
            .map(|previous| Change::between(previous.pair, self.latest.pair))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn dated_pairs_are_complete_live_and_oldest_first() {
        use crate::record::RecordId;
        let response = |seed: u8, at: i64, both: bool, deleted: bool| {
            let mut record = Record::new(
                RecordId::from_random_bytes([seed; 16]),
                Timestamp(at),
                QuestionnaireResponse {
                    at: Timestamp(at),
                    phq9: Some(Answers::new([1; 9]).unwrap()),
                    gad7: both.then(|| Answers::new([1; 7]).unwrap()),
                    difficulty: None,
                },
            );
            record.deleted = deleted;
            record
        };
        let records = [
            response(1, 30, true, false),
            response(2, 10, true, false),
            response(3, 20, false, false),
            response(4, 5, true, true),
        ];
        let at: Vec<i64> = dated_pairs(&records).iter().map(|p| p.at.0).collect();
        assert_eq!(at, [10, 30]);
    }
    use super::*;
    use crate::record::RecordId;
    use crate::schema::{decode, encode};
    use proptest::prelude::*;

    fn phq9(answers: [u8; 9]) -> Phq9Answers {
        Answers::new(answers).unwrap()
    }

    fn gad7(answers: [u8; 7]) -> Gad7Answers {
        Answers::new(answers).unwrap()
    }

    /// PHQ-9 answers adding up to `total` (0 to 27), with item 9 at 0 where possible.
    fn phq9_with_total(total: u8) -> Phq9Answers {
        let mut answers = [0; 9];
        let mut left = total;
        for answer in &mut answers {
            *answer = left.min(3);
            left -= *answer;
        }
        phq9(answers)
    }

    /// GAD-7 answers adding up to `total` (0 to 21).
    fn gad7_with_total(total: u8) -> Gad7Answers {
        let mut answers = [0; 7];
        let mut left = total;
        for answer in &mut answers {
            *answer = left.min(3);
            left -= *answer;
        }
        gad7(answers)
    }

    fn pair(phq9_total: u8, gad7_total: u8) -> Pair {
        Pair::from_totals(phq9_total, gad7_total).unwrap()
    }

    fn response(at: i64, phq9: Option<u8>, gad7: Option<u8>) -> QuestionnaireResponse {
        QuestionnaireResponse {
            at: Timestamp(at),
            phq9: phq9.map(phq9_with_total),
            gad7: gad7.map(gad7_with_total),
            difficulty: None,
        }
    }

    fn record(seed: u8, data: QuestionnaireResponse) -> Record<QuestionnaireResponse> {
        Record::new(RecordId::from_random_bytes([seed; 16]), Timestamp(1), data)
    }

    #[test]
    fn wording_has_every_item_and_option() {
        assert_eq!(PHQ9_ITEMS.len(), 9);
        assert_eq!(GAD7_ITEMS.len(), 7);
        assert_eq!(Measure::Phq9.items().len(), 9);
        assert_eq!(Measure::Gad7.items().len(), 7);
        let scores: Vec<u8> = ANSWER_OPTIONS.iter().map(|o| o.score).collect();
        assert_eq!(scores, [0, 1, 2, 3]);
        assert_eq!(Difficulty::ALL.len(), 4);
        assert!(PHQ9_ITEMS[5].contains(" — "));
        assert!(PHQ9_ITEMS[7].contains("noticed? Or the opposite — being"));
        // Lines joined from the design document keep single spaces.
        let all_text = PHQ9_ITEMS.iter().chain(&GAD7_ITEMS).chain([
            &PHQ9_STEM,
            &GAD7_STEM,
            &DIFFICULTY_QUESTION,
            &COPYRIGHT_NOTICE,
        ]);
        for text in all_text {
            assert!(!text.contains("  "), "{text:?}");
            assert_eq!(text.trim(), *text);
        }
        assert_eq!(Measure::Phq9.name(), "PHQ-9");
        assert_eq!(Measure::Gad7.name(), "GAD-7");
        assert_eq!(Measure::Phq9.max_total(), 27);
        assert_eq!(Measure::Gad7.max_total(), 21);
        assert!(Measure::Phq9.stem().contains("any of the following"));
        assert!(!Measure::Gad7.stem().contains("any of"));
    }

    #[test]
    fn phq9_severity_band_edges() {
        use Phq9Severity::*;
        for (total, band) in [
            (0, Minimal),
            (4, Minimal),
            (5, Mild),
            (9, Mild),
            (10, Moderate),
            (14, Moderate),
            (15, ModeratelySevere),
            (19, ModeratelySevere),
            (20, Severe),
            (27, Severe),
        ] {
            assert_eq!(Phq9Severity::from_total(total), band, "total {total}");
            assert_eq!(phq9_with_total(total).severity(), band, "total {total}");
        }
        assert_eq!(ModeratelySevere.label(), "moderately severe");
    }

    #[test]
    fn gad7_severity_band_edges() {
        use Gad7Severity::*;
        for (total, band) in [
            (0, Minimal),
            (4, Minimal),
            (5, Mild),
            (9, Mild),
            (10, Moderate),
            (14, Moderate),
            (15, Severe),
            (21, Severe),
        ] {
            assert_eq!(Gad7Severity::from_total(total), band, "total {total}");
            assert_eq!(gad7_with_total(total).severity(), band, "total {total}");
        }
    }

    #[test]
    fn item9_above_0_needs_support() {
        for (answer, needs) in [(0, false), (1, true), (2, true), (3, true)] {
            let mut answers = [0; 9];
            answers[8] = answer;
            assert_eq!(
                item9_needs_support(&phq9(answers)),
                needs,
                "item 9 = {answer}"
            );
        }
        // Other items never trigger it, however high.
        assert!(!item9_needs_support(&phq9([3, 3, 3, 3, 3, 3, 3, 3, 0])));
        let only_gad7 = response(0, None, Some(21));
        assert!(!only_gad7.needs_support());
        let with_item9 = QuestionnaireResponse {
            phq9: Some(phq9([0, 0, 0, 0, 0, 0, 0, 0, 1])),
            ..only_gad7
        };
        assert!(with_item9.needs_support());
    }

    #[test]
    fn caseness_edges() {
        assert!(!pair(9, 0).at_caseness());
        assert!(pair(10, 0).at_caseness());
        assert!(!pair(0, 7).at_caseness());
        assert!(pair(0, 8).at_caseness());
        assert!(!pair(9, 7).at_caseness());
        assert!(
            pair(9, 7)
                .caseness_sentence()
                .starts_with("These scores are below")
        );
        assert!(
            pair(10, 7)
                .caseness_sentence()
                .starts_with("These scores are at")
        );
    }

    #[test]
    fn a_pair_needs_both_measures_on_the_same_occasion() {
        assert_eq!(response(0, Some(12), None).pair(), None);
        assert_eq!(response(0, None, Some(9)).pair(), None);
        assert_eq!(response(0, Some(12), Some(9)).pair(), Some(pair(12, 9)));
        assert_eq!(Pair::from_totals(28, 0), None);
        assert_eq!(Pair::from_totals(0, 22), None);
        assert_eq!(Pair::from_totals(27, 21), Some(pair(27, 21)));
    }

    #[test]
    fn phq9_reliable_change_is_6_either_way() {
        let down5 = Change::between(pair(15, 0), pair(10, 0));
        assert!(!down5.reliable_improvement && !down5.reliable_deterioration);
        assert_eq!(down5.phq9_difference, -5);
        let down6 = Change::between(pair(15, 0), pair(9, 0));
        assert!(down6.reliable_improvement && !down6.reliable_deterioration);
        let up5 = Change::between(pair(10, 0), pair(15, 0));
        assert!(!up5.reliable_improvement && !up5.reliable_deterioration);
        let up6 = Change::between(pair(10, 0), pair(16, 0));
        assert!(!up6.reliable_improvement && up6.reliable_deterioration);
        assert_eq!(up6.phq9_difference, 6);
    }

    #[test]
    fn gad7_reliable_change_is_4_either_way() {
        let down3 = Change::between(pair(0, 12), pair(0, 9));
        assert!(!down3.reliable_improvement && !down3.reliable_deterioration);
        let down4 = Change::between(pair(0, 12), pair(0, 8));
        assert!(down4.reliable_improvement && !down4.reliable_deterioration);
        assert_eq!(down4.gad7_difference, -4);
        let up3 = Change::between(pair(0, 8), pair(0, 11));
        assert!(!up3.reliable_improvement && !up3.reliable_deterioration);
        let up4 = Change::between(pair(0, 8), pair(0, 12));
        assert!(!up4.reliable_improvement && up4.reliable_deterioration);
    }

    #[test]
    fn improvement_is_blocked_when_the_other_measure_is_reliably_worse() {
        let phq9_down_gad7_up = Change::between(pair(16, 2), pair(10, 6));
        assert!(!phq9_down_gad7_up.reliable_improvement);
        assert!(phq9_down_gad7_up.reliable_deterioration);
        let gad7_down_phq9_up = Change::between(pair(2, 12), pair(8, 8));
        assert!(!gad7_down_phq9_up.reliable_improvement);
        assert!(gad7_down_phq9_up.reliable_deterioration);
        // Worse, but not reliably so, does not block it.
        let gad7_up_3 = Change::between(pair(16, 2), pair(10, 5));
        assert!(gad7_up_3.reliable_improvement);
    }

    #[test]
    fn recovery_needs_both_below_caseness() {
        let gad7_still_at = Change::between(pair(15, 12), pair(5, 8));
        assert!(!gad7_still_at.recovery && !gad7_still_at.reliable_recovery);
        assert!(gad7_still_at.reliable_improvement);
        let phq9_still_at = Change::between(pair(15, 12), pair(10, 2));
        assert!(!phq9_still_at.recovery);
        let both_below = Change::between(pair(15, 12), pair(9, 7));
        assert!(both_below.recovery);
        // Not at caseness to begin with: nothing to recover from.
        let never_at = Change::between(pair(9, 7), pair(0, 0));
        assert!(!never_at.recovery && !never_at.reliable_recovery);
    }

    #[test]
    fn reliable_recovery_needs_recovery_and_reliable_improvement() {
        let reliable = Change::between(pair(15, 12), pair(5, 5));
        assert!(reliable.recovery && reliable.reliable_improvement && reliable.reliable_recovery);
        let small_steps = Change::between(pair(10, 8), pair(9, 7));
        assert!(small_steps.recovery && !small_steps.reliable_recovery);
    }

    #[test]
    fn sentences_describe_scores_in_the_services_terms() {
        let improved = Change::between(pair(15, 12), pair(5, 5)).sentences();
        assert_eq!(
            improved,
            [
                "Your PHQ-9 score has gone down by 10 points.",
                "Your GAD-7 score has gone down by 7 points.",
                "Your scores have gone down by enough to count as reliable improvement, the term your service uses.",
                "Your earlier scores were at the level your service calls caseness.",
                "Both scores are now below it.",
                "With reliable improvement as well, your service calls this reliable recovery.",
            ]
        );
        let unchanged = Change::between(pair(8, 6), pair(9, 6)).sentences();
        assert_eq!(
            unchanged,
            [
                "Your PHQ-9 score has gone up by 1 point.",
                "Your GAD-7 score is the same.",
                "No reliable change: the differences are smaller than the amount your service counts as a \
                 reliable change (6 points on PHQ-9, 4 points on GAD-7).",
            ]
        );
        let mixed = Change::between(pair(16, 2), pair(10, 6)).sentences();
        assert_eq!(
            mixed[2],
            "Your GAD-7 score has gone up by enough to count as reliable deterioration, the term your service uses."
        );
        let recovered = Change::between(pair(10, 8), pair(9, 7)).sentences();
        assert_eq!(
            recovered.last().map(String::as_str),
            Some("Your service calls this recovery.")
        );
    }

    #[test]
    fn stored_answers_are_checked_when_read() {
        let good = r#"{"at":5,"phq9":[0,1,2,3,0,1,2,3,0],"gad7":[3,3,3,3,3,3,3],"difficulty":"very_difficult"}"#;
        let read: QuestionnaireResponse = serde_json::from_str(good).unwrap();
        assert_eq!(read.pair(), Some(pair(12, 21)));
        assert_eq!(read.difficulty, Some(Difficulty::VeryDifficult));
        for bad in [
            r#"{"at":5,"phq9":[0,1,2,4,0,1,2,3,0]}"#,
            r#"{"at":5,"gad7":[0,0,0,0,0,0,4]}"#,
            r#"{"at":5,"phq9":[0,0,0,0,0,0,0,0]}"#,
            r#"{"at":5,"phq9":[0,0,0,0,0,0,0,0,0,0]}"#,
            r#"{"at":5,"gad7":[0,0,0,0,0,0,0,0,0]}"#,
            r#"{"at":5,"gad7":[0,0,0,0,0,0,-1]}"#,
            r#"{"at":5,"gad7":[0,0,0,0,0,0,256]}"#,
            r#"{"at":5,"gad7":[0,0,0,0,0,0,1.5]}"#,
            r#"{"at":5,"gad7":"0000000"}"#,
        ] {
            assert!(
                serde_json::from_str::<QuestionnaireResponse>(bad).is_err(),
                "{bad} should be refused"
            );
        }
        let only_time: QuestionnaireResponse = serde_json::from_str(r#"{"at":5}"#).unwrap();
        assert_eq!(only_time, response(5, None, None));
    }

    #[test]
    fn answers_refuse_a_4_with_the_item_number() {
        assert_eq!(
            Phq9Answers::new([0, 0, 4, 0, 0, 0, 0, 0, 0]),
            Err(InvalidAnswers::OutOfRange { item: 3, value: 4 })
        );
        assert_eq!(
            Gad7Answers::try_from(vec![0; 8]),
            Err(InvalidAnswers::WrongLength {
                expected: 7,
                found: 8
            })
        );
    }

    #[test]
    fn records_round_trip_through_storage() {
        let mut data = response(42, Some(14), Some(9));
        data.difficulty = Some(Difficulty::SomewhatDifficult);
        let stored = record(3, data);
        let decoded = decode::<QuestionnaireResponse>(&encode(&stored)).unwrap();
        assert_eq!(decoded.record, stored);
        assert_eq!(decoded.stored_version, 1);
    }

    #[test]
    fn history_uses_complete_live_pairs_in_time_order() {
        let mut deleted = record(1, response(5, Some(27), Some(21)));
        deleted.delete(Timestamp(10));
        let records = [
            record(2, response(400, Some(6), Some(5))),
            deleted,
            record(3, response(100, Some(18), Some(12))),
            record(4, response(50, Some(20), None)),
            record(5, response(300, Some(9), Some(7))),
            record(6, response(500, None, Some(3))),
            record(7, response(200, Some(12), Some(10))),
        ];
        let history = PairHistory::find(&records).unwrap();
        assert_eq!(
            history.first,
            DatedPair {
                at: Timestamp(100),
                pair: pair(18, 12)
            }
        );
        assert_eq!(
            history.previous,
            Some(DatedPair {
                at: Timestamp(300),
                pair: pair(9, 7)
            })
        );
        assert_eq!(
            history.latest,
            DatedPair {
                at: Timestamp(400),
                pair: pair(6, 5)
            }
        );
        assert_eq!(
            history.since_first(),
            Some(Change::between(pair(18, 12), pair(6, 5)))
        );
        assert_eq!(
            history.since_previous(),
            Some(Change::between(pair(9, 7), pair(6, 5)))
        );
    }

    #[test]
    fn history_with_one_or_no_pair() {
        assert_eq!(PairHistory::find(&[]), None);
        let incomplete = [record(1, response(5, Some(10), None))];
        assert_eq!(PairHistory::find(&incomplete), None);
        let one = [record(1, response(5, Some(10), Some(3)))];
        let history = PairHistory::find(&one).unwrap();
        assert_eq!(history.first, history.latest);
        assert_eq!(history.previous, None);
        assert_eq!(history.since_first(), None);
        assert_eq!(history.since_previous(), None);
        let two = [
            record(2, response(9, Some(4), Some(3))),
            record(1, response(5, Some(10), Some(3))),
        ];
        let history = PairHistory::find(&two).unwrap();
        assert_eq!(history.previous, Some(history.first));
        assert_eq!(history.first.at, Timestamp(5));
    }

    fn any_pair() -> impl Strategy<Value = Pair> {
        (0..=PHQ9_MAX_TOTAL, 0..=GAD7_MAX_TOTAL).prop_map(|(p, g)| pair(p, g))
    }

    proptest! {
        #[test]
        fn totals_are_the_sum_and_within_range(
            p in proptest::array::uniform9(0..=MAX_ANSWER),
            g in proptest::array::uniform7(0..=MAX_ANSWER),
        ) {
            let p_total = phq9(p).total();
            let g_total = gad7(g).total();
            prop_assert_eq!(u32::from(p_total), p.iter().map(|a| u32::from(*a)).sum::<u32>());
            prop_assert_eq!(u32::from(g_total), g.iter().map(|a| u32::from(*a)).sum::<u32>());
            prop_assert!(p_total <= Measure::Phq9.max_total());
            prop_assert!(g_total <= Measure::Gad7.max_total());
        }

        #[test]
        fn any_bytes_are_accepted_only_when_every_answer_is_0_to_3(raw in any::<[u8; 9]>()) {
            let valid = raw.iter().all(|a| *a <= 3);
            prop_assert_eq!(Phq9Answers::new(raw).is_ok(), valid);
            let json = serde_json::to_string(&raw.to_vec()).unwrap();
            let read = serde_json::from_str::<Phq9Answers>(&json);
            prop_assert_eq!(read.is_ok(), valid);
            if let Ok(read) = read {
                prop_assert!(read.total() <= PHQ9_MAX_TOTAL);
                prop_assert_eq!(serde_json::to_string(&read).unwrap(), json);
            }
        }

        #[test]
        fn severity_never_goes_down_as_the_total_goes_up(a in 0..=PHQ9_MAX_TOTAL, b in 0..=PHQ9_MAX_TOTAL) {
            let (low, high) = (a.min(b), a.max(b));
            prop_assert!(Phq9Severity::from_total(low) <= Phq9Severity::from_total(high));
            let (low, high) = (low.min(GAD7_MAX_TOTAL), high.min(GAD7_MAX_TOTAL));
            prop_assert!(Gad7Severity::from_total(low) <= Gad7Severity::from_total(high));
        }

        #[test]
        fn change_rules_hold_together(earlier in any_pair(), later in any_pair()) {
            let change = Change::between(earlier, later);
            prop_assert!(!(change.reliable_improvement && change.reliable_deterioration));
            if change.reliable_recovery {
                prop_assert!(change.recovery && change.reliable_improvement);
            }
            if change.recovery {
                prop_assert!(earlier.at_caseness() && !later.at_caseness());
            }
            prop_assert_eq!(
                change.phq9_difference,
                i16::from(later.phq9_total()) - i16::from(earlier.phq9_total())
            );
            prop_assert_eq!(
                change.gad7_difference,
                i16::from(later.gad7_total()) - i16::from(earlier.gad7_total())
            );
            let sentences = change.sentences();
            prop_assert!(sentences.len() >= 3);
            for sentence in &sentences {
                prop_assert!(sentence.ends_with('.'));
                let lower = sentence.to_lowercase();
                for word in ["you have", "depress", "anxi", "disorder", "diagnos"] {
                    prop_assert!(!lower.contains(word), "{:?} contains {:?}", sentence, word);
                }
            }
        }
    }
}
