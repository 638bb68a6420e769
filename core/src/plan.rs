//! Plan: a person's next steps (each a signposted service or an action, with a status), their staying-well plan,
//! and what happens after therapy ends.
//!
//! Three record kinds live here:
//! - [`PlanStep`] (`plan_step`): one step, many records;
//! - [`StayingWellPlan`] (`staying_well_plan`): one record, under [`RecordId::singleton`];
//! - [`TherapyStatus`] (`therapy_status`): one record, under [`RecordId::singleton`]: when therapy ended and how
//!   often to suggest a check-in.
//!
//! After therapy, [`continuing_care`] suggests a PHQ-9 + GAD-7 check-in about monthly (the person sets the rhythm)
//! and, when the latest scores are back at caseness or reliably worse than at discharge, gives kind words that lead
//! to the staying-well plan and to how to get back in touch (`shared/design/measures.md`, "After discharge"). How to
//! get back into Talking Therapies is not stored here: it comes from the service's settings when shown.

use crate::calendar::{LocalDate, UtcOffset, local_date};
use crate::directory::Need;
use crate::questionnaire::{Change, Pair, QuestionnaireResponse};
use crate::record::{Record, RecordId};
use crate::schema::{Migration, RecordKind};
use crate::service_config::{check_https_url, clean_phone_number};
use serde::{Deserialize, Deserializer, Serialize};

/// The longest step, in characters.
pub const WHAT_MAX_CHARS: usize = 200;
/// The longest note on a step, in characters.
pub const NOTE_MAX_CHARS: usize = 500;
/// The most notes one step can hold.
pub const MAX_NOTES: usize = 100;
/// The longest id or name kept for a linked service, in characters.
pub const LINKED_TEXT_MAX_CHARS: usize = 200;
/// The longest staying-well plan section, in characters.
pub const SECTION_MAX_CHARS: usize = 2000;
/// The check-in rhythm suggested at first: about monthly.
pub const DEFAULT_CHECK_IN_DAYS: u16 = 30;
/// The shortest and longest check-in rhythm a person can choose, in days.
pub const CHECK_IN_DAYS_RANGE: std::ops::RangeInclusive<u16> = 7..=180;
/// The room left between neighbouring steps' `order` when steps are added at the ends or renumbered.
pub const ORDER_GAP: i64 = 1 << 20;

/// Why a change to the plan was refused. Each message says what to do, kindly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("Write a few words about this step.")]
    EmptyStep,
    #[error("A step can be at most {WHAT_MAX_CHARS} characters. Try to keep it short.")]
    StepTooLong,
    #[error("Write a few words for the note.")]
    EmptyNote,
    #[error("A note can be at most {NOTE_MAX_CHARS} characters.")]
    NoteTooLong,
    #[error("This step has as many notes as it can hold. You could add a new step instead.")]
    TooManyNotes,
    #[error("This part of your plan can be at most {SECTION_MAX_CHARS} characters.")]
    SectionTooLong,
    #[error("There is no part of the plan called {0:?}.")]
    NoSuchSection(String),
    #[error("Choose a number of days between 7 and 180.")]
    CheckInDaysOutOfRange,
    #[error("The service's details could not be saved with this step.")]
    BadLinkedService,
}

/// Where a step stands. Open steps are to do, in progress or waiting to hear back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    ToDo,
    InProgress,
    WaitingToHear,
    Done,
    NotNeeded,
}

impl StepStatus {
    /// In the order they are offered.
    pub const ALL: [StepStatus; 5] = [
        StepStatus::ToDo,
        StepStatus::InProgress,
        StepStatus::WaitingToHear,
        StepStatus::Done,
        StepStatus::NotNeeded,
    ];

    /// The words shown for this status.
    pub fn label(self) -> &'static str {
        match self {
            StepStatus::ToDo => "To do",
            StepStatus::InProgress => "In progress",
            StepStatus::WaitingToHear => "Waiting to hear back",
            StepStatus::Done => "Done",
            StepStatus::NotNeeded => "Not needed",
        }
    }

    /// Whether the step still needs something from someone: not done and not set aside.
    pub fn is_open(self) -> bool {
        !matches!(self, StepStatus::Done | StepStatus::NotNeeded)
    }
}

/// A copy of the directory service a step points to, kept with the step so it still works offline and after the
/// directory changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedService {
    /// The service's id in the directory it came from (at most 200 characters).
    #[serde(deserialize_with = "linked_id")]
    pub id: String,
    /// Its name (1 to 200 characters).
    #[serde(deserialize_with = "linked_name")]
    pub name: String,
    /// Its phone number written out (digits, spaces and a leading `+`).
    #[serde(deserialize_with = "linked_phone")]
    pub phone: Option<String>,
    /// Its web page, `https://` only.
    #[serde(deserialize_with = "linked_url")]
    pub url: Option<String>,
}

impl LinkedService {
    /// A copy of a directory service: its id, name, first phone number and web page.
    pub fn from_directory(service: &crate::directory::DirectoryService) -> Self {
        LinkedService {
            id: service.id.chars().take(LINKED_TEXT_MAX_CHARS).collect(),
            name: service.name.chars().take(LINKED_TEXT_MAX_CHARS).collect(),
            phone: service.phones.first().map(|phone| phone.number.clone()),
            url: service.url.clone(),
        }
    }
}

/// A dated note on a step: what happened, in the person's words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepNote {
    pub on: LocalDate,
    /// 1 to [`NOTE_MAX_CHARS`] characters.
    #[serde(deserialize_with = "note_text")]
    pub text: String,
}

/// How a step's due date compares with today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DueState {
    /// No due date, or the step is done or not needed.
    None,
    /// Due after today.
    Later,
    /// Due today.
    Today,
    /// The due date has passed and the step is still open.
    Overdue,
}

/// One next step: a service to contact or something to do, with its status, an optional due date and notes.
///
/// Schema history: v1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    /// What to do, in the person's words: 1 to [`WHAT_MAX_CHARS`] characters.
    #[serde(deserialize_with = "step_what")]
    pub what: String,
    /// The kind of help it is about, if any.
    pub need: Option<Need>,
    /// The service it points to, if any.
    pub service: Option<LinkedService>,
    pub status: StepStatus,
    /// When the person wants it done by, if they chose a day.
    pub due: Option<LocalDate>,
    /// The day it was marked done (kept while it stays done, so done steps can be shown as achievements).
    pub done_on: Option<LocalDate>,
    /// Notes, oldest first, at most [`MAX_NOTES`].
    #[serde(deserialize_with = "step_notes")]
    pub notes: Vec<StepNote>,
    /// Where the step sits in the list: lower comes first. See [`order_between`].
    pub order: i64,
}

impl PlanStep {
    /// A new step to do, with no need, service, due date or notes. `what` is tidied (spaces folded).
    pub fn new(what: &str, order: i64) -> Result<Self, PlanError> {
        Ok(PlanStep {
            what: clean_what(what)?,
            need: None,
            service: None,
            status: StepStatus::ToDo,
            due: None,
            done_on: None,
            notes: Vec::new(),
            order,
        })
    }

    /// A new step to contact a directory service, filed under the service's first need.
    pub fn contact(
        service: &crate::directory::DirectoryService,
        order: i64,
    ) -> Result<Self, PlanError> {
        let what: String = format!("Contact {}", service.name)
            .chars()
            .take(WHAT_MAX_CHARS)
            .collect();
        let mut step = PlanStep::new(&what, order)?;
        step.need = service.needs.first().copied();
        step.service = Some(LinkedService::from_directory(service));
        Ok(step)
    }

    /// Changes what the step says.
    pub fn set_what(&mut self, what: &str) -> Result<(), PlanError> {
        self.what = clean_what(what)?;
        Ok(())
    }

    /// Changes the status. Marking it done records `today` as the day it was done; any other status clears it.
    pub fn set_status(&mut self, status: StepStatus, today: LocalDate) {
        if status == StepStatus::Done {
            if self.status != StepStatus::Done || self.done_on.is_none() {
                self.done_on = Some(today);
            }
        } else {
            self.done_on = None;
        }
        self.status = status;
    }

    /// Adds a note dated `today`. The text is trimmed; it must not be empty or longer than [`NOTE_MAX_CHARS`].
    pub fn add_note(&mut self, today: LocalDate, text: &str) -> Result<(), PlanError> {
        if self.notes.len() >= MAX_NOTES {
            return Err(PlanError::TooManyNotes);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(PlanError::EmptyNote);
        }
        if text.chars().count() > NOTE_MAX_CHARS {
            return Err(PlanError::NoteTooLong);
        }
        self.notes.push(StepNote {
            on: today,
            text: text.to_owned(),
        });
        Ok(())
    }

    /// Removes the first note equal to `note` (notes have no id: two equal notes are the same to the person) and
    /// says where it was, for [`PlanStep::restore_note`]; `None` when the step has no such note.
    pub fn remove_note(&mut self, note: &StepNote) -> Option<usize> {
        let at = self.notes.iter().position(|n| n == note)?;
        self.notes.remove(at);
        Some(at)
    }

    /// How many of the step's notes are equal to `note`.
    pub fn copies_of_note(&self, note: &StepNote) -> usize {
        self.notes.iter().filter(|n| *n == note).count()
    }

    /// Puts a removed note back where it was (or last, if the list has since become shorter), unless the step
    /// has meanwhile filled up with notes.
    pub fn restore_note(&mut self, at: usize, note: StepNote) -> Result<(), PlanError> {
        if self.notes.len() >= MAX_NOTES {
            return Err(PlanError::TooManyNotes);
        }
        self.notes.insert(at.min(self.notes.len()), note);
        Ok(())
    }

    /// How the due date compares with `today`. Done and not-needed steps are never due or overdue.
    pub fn due_state(&self, today: LocalDate) -> DueState {
        match self.due {
            Some(due) if self.status.is_open() => match due.cmp(&today) {
                std::cmp::Ordering::Greater => DueState::Later,
                std::cmp::Ordering::Equal => DueState::Today,
                std::cmp::Ordering::Less => DueState::Overdue,
            },
            _ => DueState::None,
        }
    }
}

impl RecordKind for PlanStep {
    const KIND: &'static str = "plan_step";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];
}

/// Open steps due today or overdue: overdue first (oldest due date first), then today's, each in list order.
/// Pass the live steps (leave out deleted records).
pub fn steps_for_today<'a>(
    steps: impl IntoIterator<Item = &'a PlanStep>,
    today: LocalDate,
) -> Vec<&'a PlanStep> {
    let mut due: Vec<&PlanStep> = steps
        .into_iter()
        .filter(|step| matches!(step.due_state(today), DueState::Today | DueState::Overdue))
        .collect();
    due.sort_by_key(|step| (step.due, step.order));
    due
}

/// The steps with this status, in list order.
pub fn filter<'a>(
    steps: impl IntoIterator<Item = &'a PlanStep>,
    status: StepStatus,
) -> Vec<&'a PlanStep> {
    in_order(steps.into_iter().filter(|step| step.status == status))
}

/// The steps in list order (by `order`; ties keep their order).
pub fn in_order<'a>(steps: impl IntoIterator<Item = &'a PlanStep>) -> Vec<&'a PlanStep> {
    let mut steps: Vec<&PlanStep> = steps.into_iter().collect();
    steps.sort_by_key(|step| step.order);
    steps
}

/// What has been achieved: the done steps, most recently done first (then in list order). Shown so that a person
/// can see how far they have come.
pub fn achieved<'a>(steps: impl IntoIterator<Item = &'a PlanStep>) -> Vec<&'a PlanStep> {
    let mut done: Vec<&PlanStep> = steps
        .into_iter()
        .filter(|step| step.status == StepStatus::Done)
        .collect();
    done.sort_by_key(|step| (std::cmp::Reverse(step.done_on), step.order));
    done
}

/// Whether a step can be placed strictly between neighbours with these orders (`None`: no neighbour on that side).
pub fn has_room(before: Option<i64>, after: Option<i64>) -> bool {
    match (before, after) {
        (None, None) => true,
        (Some(before), None) => before < i64::MAX,
        (None, Some(after)) => after > i64::MIN,
        (Some(before), Some(after)) => i128::from(after) - i128::from(before) >= 2,
    }
}

/// The order for a step placed between neighbours with orders `before` and `after` (`None`: it goes at that end).
///
/// At an end it leaves a gap of [`ORDER_GAP`]; between two steps it takes the midpoint, so about 20 steps can be
/// put into the same gap one after another. When there is no room ([`has_room`] is false: the neighbours' orders
/// are next to each other, equal, the wrong way round, or at the ends of `i64`) it returns `before` (or `after`
/// when there is no `before`) unchanged. Then renumber: give the steps, in list order, the orders from
/// [`fresh_orders`] (0, [`ORDER_GAP`], 2 × [`ORDER_GAP`]…), saving each changed step, and ask again.
pub fn order_between(before: Option<i64>, after: Option<i64>) -> i64 {
    match (before, after) {
        (None, None) => 0,
        (Some(before), None) => before.saturating_add(ORDER_GAP),
        (None, Some(after)) => after.saturating_sub(ORDER_GAP),
        (Some(before), Some(after)) if has_room(Some(before), Some(after)) => {
            let middle = (i128::from(before) + i128::from(after)).div_euclid(2);
            // Between two i64 values, so it fits.
            i64::try_from(middle).unwrap_or(before)
        }
        (Some(before), Some(_)) => before,
    }
}

/// Orders for `count` steps, spread [`ORDER_GAP`] apart from 0: used to renumber when a gap has run out.
pub fn fresh_orders(count: usize) -> Vec<i64> {
    (0..count)
        .map(|index| i64::try_from(index).map_or(i64::MAX, |i| i.saturating_mul(ORDER_GAP)))
        .collect()
}

/// Moving the step at `index` of a list sorted by order `by` places (-1 up, +1 down): the new orders to save, as
/// (index in `orders`, new order). One change when there is room between its new neighbours; otherwise every step
/// is renumbered with [`fresh_orders`]. Nothing when the move would leave the list.
pub fn reorder(orders: &[i64], index: usize, by: i32) -> Vec<(usize, i64)> {
    let Some(target) = index
        .checked_add_signed(by as isize)
        .filter(|t| *t < orders.len() && index < orders.len())
    else {
        return Vec::new();
    };
    if target == index {
        return Vec::new();
    }
    let (before, after) = if target < index {
        (
            target.checked_sub(1).map(|i| orders[i]),
            Some(orders[target]),
        )
    } else {
        (Some(orders[target]), orders.get(target + 1).copied())
    };
    if has_room(before, after) {
        return vec![(index, order_between(before, after))];
    }
    let mut positions: Vec<usize> = (0..orders.len()).collect();
    let moved = positions.remove(index);
    positions.insert(target, moved);
    positions
        .into_iter()
        .zip(fresh_orders(orders.len()))
        .filter(|(original, order)| orders[*original] != *order)
        .collect()
}

/// One part of the staying-well plan: its field name, the heading shown, and the question that helps a person
/// start writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    pub id: &'static str,
    pub heading: &'static str,
    pub prompt: &'static str,
}

/// The parts of the staying-well plan, in the order they are shown.
pub const SECTIONS: [Section; 7] = [
    Section {
        id: "what_helped",
        heading: "What helped",
        prompt: "What helped you during therapy?",
    },
    Section {
        id: "early_warning_signs",
        heading: "My early warning signs",
        prompt: "What might you notice first if things start to get harder?",
    },
    Section {
        id: "setbacks",
        heading: "Things that might knock me back",
        prompt: "What times or events might be hard for you?",
    },
    Section {
        id: "keeping_well",
        heading: "What I will do to keep well",
        prompt: "What will you keep doing to stay well?",
    },
    Section {
        id: "if_signs_return",
        heading: "What I will do if I notice warning signs",
        prompt: "If you notice your warning signs, what will you do first?",
    },
    Section {
        id: "supporters",
        heading: "People who support me",
        prompt: "Who can you talk to? How can they help?",
    },
    Section {
        id: "professional_contacts",
        heading: "Professionals I can contact",
        prompt: "Which professionals can you contact, such as your GP? You can write their names and numbers.",
    },
];

/// The staying-well plan: what helped, what to look out for and what to do, in the person's own words. Every part
/// may be empty and holds at most [`SECTION_MAX_CHARS`] characters.
///
/// Waymark keeps one, under [`RecordId::singleton`]. Schema history: v1.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StayingWellPlan {
    #[serde(deserialize_with = "section_text")]
    pub what_helped: String,
    #[serde(deserialize_with = "section_text")]
    pub early_warning_signs: String,
    /// "Things that might knock me back".
    #[serde(deserialize_with = "section_text")]
    pub setbacks: String,
    /// "What I will do to keep well".
    #[serde(deserialize_with = "section_text")]
    pub keeping_well: String,
    /// "What I will do if I notice warning signs".
    #[serde(deserialize_with = "section_text")]
    pub if_signs_return: String,
    /// "People who support me".
    #[serde(deserialize_with = "section_text")]
    pub supporters: String,
    #[serde(deserialize_with = "section_text")]
    pub professional_contacts: String,
}

impl StayingWellPlan {
    /// The plan's record id: the same on every device.
    pub fn id() -> RecordId {
        RecordId::singleton()
    }

    /// The text of the section with this id.
    pub fn get(&self, id: &str) -> Option<&str> {
        let text = match id {
            "what_helped" => &self.what_helped,
            "early_warning_signs" => &self.early_warning_signs,
            "setbacks" => &self.setbacks,
            "keeping_well" => &self.keeping_well,
            "if_signs_return" => &self.if_signs_return,
            "supporters" => &self.supporters,
            "professional_contacts" => &self.professional_contacts,
            _ => return None,
        };
        Some(text)
    }

    /// Sets the section with this id. Surrounding spaces are trimmed; an empty text clears the section.
    pub fn set(&mut self, id: &str, text: &str) -> Result<(), PlanError> {
        let text = text.trim();
        if text.chars().count() > SECTION_MAX_CHARS {
            return Err(PlanError::SectionTooLong);
        }
        let field = match id {
            "what_helped" => &mut self.what_helped,
            "early_warning_signs" => &mut self.early_warning_signs,
            "setbacks" => &mut self.setbacks,
            "keeping_well" => &mut self.keeping_well,
            "if_signs_return" => &mut self.if_signs_return,
            "supporters" => &mut self.supporters,
            "professional_contacts" => &mut self.professional_contacts,
            _ => return Err(PlanError::NoSuchSection(id.chars().take(40).collect())),
        };
        *field = text.to_owned();
        Ok(())
    }

    /// The sections with something written in them, in [`SECTIONS`] order.
    pub fn filled(&self) -> Vec<(Section, &str)> {
        SECTIONS
            .iter()
            .filter_map(|section| {
                let text = self.get(section.id)?;
                (!text.trim().is_empty()).then_some((*section, text))
            })
            .collect()
    }

    /// Whether nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.filled().is_empty()
    }
}

impl RecordKind for StayingWellPlan {
    const KIND: &'static str = "staying_well_plan";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];
}

/// Where the person is with therapy: when it ended (if it has), and how often to suggest a check-in afterwards.
///
/// Waymark keeps one, under [`RecordId::singleton`]. Schema history: v1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TherapyStatus {
    /// The day therapy ended (discharge). `None`: still in therapy, or not said.
    pub ended_on: Option<LocalDate>,
    /// How many days between suggested check-ins after therapy: 7 to 180, about monthly (30) to begin with.
    #[serde(deserialize_with = "check_in_days")]
    pub check_in_every_days: u16,
}

impl Default for TherapyStatus {
    fn default() -> Self {
        TherapyStatus {
            ended_on: None,
            check_in_every_days: DEFAULT_CHECK_IN_DAYS,
        }
    }
}

impl TherapyStatus {
    /// The record id: the same on every device.
    pub fn id() -> RecordId {
        RecordId::singleton()
    }

    /// Changes the check-in rhythm, if `days` is 7 to 180.
    pub fn set_check_in_every_days(&mut self, days: u16) -> Result<(), PlanError> {
        if !CHECK_IN_DAYS_RANGE.contains(&days) {
            return Err(PlanError::CheckInDaysOutOfRange);
        }
        self.check_in_every_days = days;
        Ok(())
    }
}

impl RecordKind for TherapyStatus {
    const KIND: &'static str = "therapy_status";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];
}

/// The live record of a one-record kind (the staying-well plan, the therapy status): if copies with different ids
/// ever arrive, the most recently updated live one.
pub fn current<K>(records: &[Record<K>]) -> Option<&Record<K>> {
    records
        .iter()
        .filter(|record| !record.deleted)
        .max_by(|a, b| (a.updated, &a.id).cmp(&(b.updated, &b.id)))
}

/// Why the latest scores after therapy deserve a kind word. Never a diagnosis: it describes scores in the
/// service's own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Concern {
    /// The latest scores are at caseness (and not reliably worse than at discharge, or there is no pair from
    /// discharge to compare with).
    AtCaseness,
    /// The latest scores are reliably worse than at discharge (PHQ-9 up 6 or more, or GAD-7 up 4 or more), though
    /// below caseness.
    ReliablyWorse(Change),
    /// Both at caseness and reliably worse than at discharge.
    AtCasenessAndReliablyWorse(Change),
}

impl Concern {
    /// Short, calm sentences, in the order to show them, followed by the staying-well plan and how to get back in
    /// touch. They describe scores; they never say what someone has.
    pub fn sentences(&self) -> Vec<&'static str> {
        let mut sentences = match self {
            Concern::AtCaseness => {
                vec!["Your latest scores are back at the level your service calls caseness."]
            }
            Concern::ReliablyWorse(_) => vec![
                "Your latest scores have gone up since your therapy ended.",
                "They have gone up by enough for your service to call it reliable deterioration.",
            ],
            Concern::AtCasenessAndReliablyWorse(_) => vec![
                "Your latest scores are back at the level your service calls caseness.",
                "They have gone up by enough since your therapy ended for your service to call it reliable \
                 deterioration.",
            ],
        };
        sentences.push("This can happen, and help is there.");
        // Only a link to the plan follows the message (not the plan itself), so it says "a link".
        sentences
            .push("Below are ways to get back in touch, and a link to your staying-well plan.");
        sentences
    }

    /// The sentences as one paragraph.
    pub fn message(&self) -> String {
        self.sentences().join(" ")
    }

    /// The change from the pair at discharge to the latest, when there was a pair at discharge to compare with.
    pub fn change(&self) -> Option<Change> {
        match self {
            Concern::AtCaseness => None,
            Concern::ReliablyWorse(change) | Concern::AtCasenessAndReliablyWorse(change) => {
                Some(*change)
            }
        }
    }
}

/// A complete PHQ-9 + GAD-7 pair and the local day it was answered on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DayPair {
    pub on: LocalDate,
    pub pair: Pair,
}

/// What continued care looks like today, once therapy has ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContinuingCare {
    /// Days since therapy ended (0 on the day itself).
    pub since_discharge_days: i32,
    /// No complete pair in the last `check_in_every_days` days: suggest a check-in.
    pub questionnaire_due: bool,
    /// When the next check-in is suggested: the latest pair's day plus the rhythm (today when there is none).
    pub next_check_in_on: LocalDate,
    /// The last complete pair on or before the day therapy ended, if there is one.
    pub at_discharge: Option<DayPair>,
    /// The latest complete pair after the day therapy ended, if there is one.
    pub latest_after: Option<DayPair>,
    /// Set when the latest pair after discharge is at caseness or reliably worse than at discharge.
    pub concern: Option<Concern>,
}

/// Continued care after therapy, or `None` while therapy has not ended (no `ended_on`, or it is after `today`).
///
/// `responses` are all questionnaire records (deleted ones and occasions with only one measure are ignored); each
/// is dated by its local day in `zone`. The pair at discharge is the last complete pair on or before `ended_on`;
/// only pairs after that day count as "after discharge". A concern is raised when the latest pair after discharge
/// is at caseness, or reliably worse than the pair at discharge (PHQ-9 up by 6 or more, or GAD-7 up by 4 or more,
/// as [`Change`] decides); with no pair at discharge, only caseness is looked at.
pub fn continuing_care(
    status: &TherapyStatus,
    today: LocalDate,
    responses: &[Record<QuestionnaireResponse>],
    zone: &(impl UtcOffset + ?Sized),
) -> Option<ContinuingCare> {
    let ended_on = status.ended_on.filter(|ended| *ended <= today)?;
    let pairs = day_pairs(responses, zone);
    let at_discharge = pairs.iter().rev().find(|p| p.on <= ended_on).copied();
    let latest_any = pairs.iter().rev().find(|p| p.on <= today);
    let latest_after = latest_any.filter(|p| p.on > ended_on).copied();
    let every = i32::from(status.check_in_every_days);
    let next_check_in_on = latest_any.map_or(today, |p| p.on.add_days(every));
    let concern = latest_after.and_then(|latest| {
        let at_caseness = latest.pair.at_caseness();
        let change = at_discharge.map(|discharge| Change::between(discharge.pair, latest.pair));
        match change.filter(|change| change.reliable_deterioration) {
            Some(change) if at_caseness => Some(Concern::AtCasenessAndReliablyWorse(change)),
            Some(change) => Some(Concern::ReliablyWorse(change)),
            None if at_caseness => Some(Concern::AtCaseness),
            None => None,
        }
    });
    Some(ContinuingCare {
        since_discharge_days: today.days_since(ended_on),
        questionnaire_due: next_check_in_on <= today,
        next_check_in_on,
        at_discharge,
        latest_after,
        concern,
    })
}

/// The complete pairs of live records, dated by local day, oldest first (ties by time answered, then creation,
/// then id, as [`crate::questionnaire::PairHistory`] orders them).
pub fn day_pairs(
    responses: &[Record<QuestionnaireResponse>],
    zone: &(impl UtcOffset + ?Sized),
) -> Vec<DayPair> {
    let mut complete: Vec<(&Record<QuestionnaireResponse>, Pair)> = responses
        .iter()
        .filter(|record| !record.deleted)
        .filter_map(|record| Some((record, record.data.pair()?)))
        .collect();
    complete.sort_by(|(a, _), (b, _)| {
        (a.data.at, a.created, &a.id).cmp(&(b.data.at, b.created, &b.id))
    });
    complete
        .into_iter()
        .map(|(record, pair)| DayPair {
            on: local_date(record.data.at, zone),
            pair,
        })
        .collect()
}

fn clean_what(text: &str) -> Result<String, PlanError> {
    let what = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match what.chars().count() {
        0 => Err(PlanError::EmptyStep),
        n if n > WHAT_MAX_CHARS => Err(PlanError::StepTooLong),
        _ => Ok(what),
    }
}

fn invalid<E: serde::de::Error>(reason: &str) -> E {
    E::custom(reason)
}

fn step_what<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let what = String::deserialize(deserializer)?;
    let count = what.chars().count();
    if what.trim().is_empty() || count > WHAT_MAX_CHARS {
        return Err(invalid("a step is 1 to 200 characters"));
    }
    Ok(what)
}

fn note_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.trim().is_empty() || text.chars().count() > NOTE_MAX_CHARS {
        return Err(invalid("a note is 1 to 500 characters"));
    }
    Ok(text)
}

fn step_notes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<StepNote>, D::Error> {
    let notes = Vec::<StepNote>::deserialize(deserializer)?;
    if notes.len() > MAX_NOTES {
        return Err(invalid("a step has at most 100 notes"));
    }
    Ok(notes)
}

fn linked_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let id = String::deserialize(deserializer)?;
    if id.chars().count() > LINKED_TEXT_MAX_CHARS || id.chars().any(char::is_control) {
        return Err(invalid("a linked service id is at most 200 characters"));
    }
    Ok(id)
}

fn linked_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if name.trim().is_empty() || name.chars().count() > LINKED_TEXT_MAX_CHARS {
        return Err(invalid("a linked service name is 1 to 200 characters"));
    }
    Ok(name)
}

fn linked_phone<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let phone = Option::<String>::deserialize(deserializer)?;
    match phone {
        Some(phone) if clean_phone_number(&phone).as_deref() != Some(phone.as_str()) => Err(
            invalid("a linked service phone is digits, single spaces and a leading +"),
        ),
        phone => Ok(phone),
    }
}

fn linked_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let url = Option::<String>::deserialize(deserializer)?;
    if let Some(url) = &url {
        check_https_url(url).map_err(|_| invalid("a linked service link is https only"))?;
    }
    Ok(url)
}

fn section_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.chars().count() > SECTION_MAX_CHARS {
        return Err(invalid(
            "a staying-well plan section is at most 2000 characters",
        ));
    }
    Ok(text)
}

fn check_in_days<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    let days = u16::deserialize(deserializer)?;
    if !CHECK_IN_DAYS_RANGE.contains(&days) {
        return Err(invalid("check-ins are every 7 to 180 days"));
    }
    Ok(days)
}

#[cfg(test)]
mod reorder_tests {
    use super::*;
    use proptest::prelude::*;

    fn apply(orders: &[i64], changes: &[(usize, i64)]) -> Vec<usize> {
        let mut new: Vec<(i64, usize)> = orders.iter().copied().zip(0..).collect();
        for (index, order) in changes {
            new[*index].0 = *order;
        }
        new.sort();
        new.into_iter().map(|(_, i)| i).collect()
    }

    #[test]
    fn moving_up_and_down_swaps_neighbours() {
        let orders = fresh_orders(3);
        assert_eq!(apply(&orders, &reorder(&orders, 2, -1)), [0, 2, 1]);
        assert_eq!(apply(&orders, &reorder(&orders, 0, 1)), [1, 0, 2]);
        assert_eq!(reorder(&orders, 0, -1), []);
        assert_eq!(reorder(&orders, 2, 1), []);
    }

    #[test]
    fn no_room_renumbers_everything() {
        let orders = [0, 1, 2];
        let changes = reorder(&orders, 2, -1);
        assert!(changes.len() > 1);
        assert_eq!(apply(&orders, &changes), [0, 2, 1]);
    }

    proptest! {
        /// Any move by one place swaps exactly that step with its neighbour and keeps everything else in order.
        #[test]
        fn a_move_swaps_one_pair(gaps in proptest::collection::vec(1i64..4, 1..8), index in 0usize..8, up in any::<bool>()) {
            let mut orders = Vec::new();
            let mut at = 0;
            for gap in gaps { at += gap; orders.push(at); }
            let index = index % orders.len();
            let by = if up { -1 } else { 1 };
            let changes = reorder(&orders, index, by);
            let mut expected: Vec<usize> = (0..orders.len()).collect();
            match index.checked_add_signed(by as isize).filter(|t| *t < orders.len()) {
                Some(target) => expected.swap(index, target),
                None => prop_assert!(changes.is_empty()),
            }
            prop_assert_eq!(apply(&orders, &changes), expected);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::FixedOffset;
    use crate::directory::parse_directory;
    use crate::questionnaire::{Answers, Gad7Answers, Phq9Answers};
    use crate::record::Timestamp;
    use crate::schema::{decode, encode};
    use proptest::prelude::*;

    const DAY_MS: i64 = 86_400_000;

    fn date(text: &str) -> LocalDate {
        LocalDate::parse(text).unwrap()
    }

    fn step(what: &str, status: StepStatus, due: Option<&str>, order: i64) -> PlanStep {
        let mut step = PlanStep::new(what, order).unwrap();
        step.status = status;
        step.due = due.map(date);
        step
    }

    #[test]
    fn status_labels_and_openness() {
        let labels: Vec<&str> = StepStatus::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(
            labels,
            [
                "To do",
                "In progress",
                "Waiting to hear back",
                "Done",
                "Not needed"
            ]
        );
        let open: Vec<bool> = StepStatus::ALL.iter().map(|s| s.is_open()).collect();
        assert_eq!(open, [true, true, true, false, false]);
        assert_eq!(
            serde_json::to_string(&StepStatus::WaitingToHear).unwrap(),
            "\"waiting_to_hear\""
        );
    }

    #[test]
    fn due_state_at_the_date_edges() {
        let today = date("2026-11-21");
        for status in StepStatus::ALL {
            let state = |due: &str| step("Call", status, Some(due), 0).due_state(today);
            if status.is_open() {
                assert_eq!(state("2026-11-22"), DueState::Later, "{status:?}");
                assert_eq!(state("2026-11-21"), DueState::Today, "{status:?}");
                assert_eq!(state("2026-11-20"), DueState::Overdue, "{status:?}");
            } else {
                for due in ["2026-11-22", "2026-11-21", "2026-11-20", "2000-01-01"] {
                    assert_eq!(state(due), DueState::None, "{status:?} is never due");
                }
            }
            assert_eq!(
                step("Call", status, None, 0).due_state(today),
                DueState::None
            );
        }
        // Across a month and a year end.
        let new_year = date("2027-01-01");
        assert_eq!(
            step("x", StepStatus::ToDo, Some("2026-12-31"), 0).due_state(new_year),
            DueState::Overdue
        );
    }

    #[test]
    fn steps_for_today_are_open_and_overdue_first() {
        let today = date("2026-11-21");
        let steps = [
            step("later", StepStatus::ToDo, Some("2026-11-22"), 0),
            step("today b", StepStatus::InProgress, Some("2026-11-21"), 5),
            step("today a", StepStatus::WaitingToHear, Some("2026-11-21"), 1),
            step("done overdue", StepStatus::Done, Some("2026-11-01"), 2),
            step("not needed", StepStatus::NotNeeded, Some("2026-11-01"), 3),
            step("overdue recent", StepStatus::ToDo, Some("2026-11-20"), 4),
            step("overdue old", StepStatus::ToDo, Some("2026-10-01"), 9),
            step("no date", StepStatus::ToDo, None, 6),
        ];
        let names: Vec<&str> = steps_for_today(&steps, today)
            .iter()
            .map(|s| s.what.as_str())
            .collect();
        assert_eq!(
            names,
            ["overdue old", "overdue recent", "today a", "today b"]
        );
    }

    #[test]
    fn filtering_and_achievements() {
        let today = date("2026-11-21");
        let mut a = step("a", StepStatus::ToDo, None, 30);
        let mut b = step("b", StepStatus::ToDo, None, 10);
        let c = step("c", StepStatus::ToDo, None, 20);
        a.set_status(StepStatus::Done, date("2026-11-01"));
        b.set_status(StepStatus::Done, today);
        assert_eq!(b.done_on, Some(today));
        let steps = [a.clone(), b.clone(), c];
        let names = |list: Vec<&PlanStep>| list.iter().map(|s| s.what.clone()).collect::<Vec<_>>();
        assert_eq!(names(filter(&steps, StepStatus::ToDo)), ["c"]);
        assert_eq!(names(filter(&steps, StepStatus::Done)), ["b", "a"]);
        assert_eq!(
            names(achieved(&steps)),
            ["b", "a"],
            "most recently done first"
        );
        assert_eq!(names(in_order(&steps)), ["b", "c", "a"]);
        // Marking done again keeps the first day; reopening clears it.
        b.set_status(StepStatus::Done, today.add_days(3));
        assert_eq!(b.done_on, Some(today));
        b.set_status(StepStatus::InProgress, today);
        assert_eq!(b.done_on, None);
    }

    #[test]
    fn ordering_helper() {
        assert_eq!(order_between(None, None), 0);
        assert_eq!(order_between(Some(5), None), 5 + ORDER_GAP);
        assert_eq!(order_between(None, Some(5)), 5 - ORDER_GAP);
        assert_eq!(order_between(Some(0), Some(10)), 5);
        assert_eq!(order_between(Some(-3), Some(0)), -2);
        assert_eq!(order_between(Some(i64::MIN), Some(i64::MAX)), -1);
        // No room: neighbours next to each other, equal, or the wrong way round.
        for (before, after) in [(Some(4), Some(5)), (Some(5), Some(5)), (Some(9), Some(1))] {
            assert!(!has_room(before, after));
            assert_eq!(order_between(before, after), before.unwrap());
        }
        assert!(!has_room(Some(i64::MAX), None));
        assert!(!has_room(None, Some(i64::MIN)));
        assert_eq!(order_between(Some(i64::MAX), None), i64::MAX);
        // Repeated inserts into one gap: about 20 fit before renumbering.
        let (mut low, high) = (0, ORDER_GAP);
        let mut inserted = 0;
        while has_room(Some(low), Some(high)) {
            low = order_between(Some(low), Some(high));
            inserted += 1;
        }
        assert_eq!(inserted, 20);
        assert_eq!(fresh_orders(3), [0, ORDER_GAP, 2 * ORDER_GAP]);
        let orders = fresh_orders(4);
        assert!(orders.windows(2).all(|w| has_room(Some(w[0]), Some(w[1]))));
    }

    #[test]
    fn steps_and_notes_have_limits() {
        assert_eq!(PlanStep::new("   ", 0), Err(PlanError::EmptyStep));
        assert_eq!(
            PlanStep::new(&"a".repeat(201), 0),
            Err(PlanError::StepTooLong)
        );
        let mut step = PlanStep::new("  Ring   the\nhousing office ", 0).unwrap();
        assert_eq!(step.what, "Ring the housing office");
        assert!(
            PlanStep::new(&"é".repeat(200), 0).is_ok(),
            "characters, not bytes"
        );
        let today = date("2026-11-21");
        assert_eq!(step.add_note(today, " \n "), Err(PlanError::EmptyNote));
        assert_eq!(
            step.add_note(today, &"a".repeat(501)),
            Err(PlanError::NoteTooLong)
        );
        step.add_note(today, &"a".repeat(500)).unwrap();
        assert_eq!(step.notes[0].on, today);
        for _ in 1..MAX_NOTES {
            step.add_note(today, "Left a message").unwrap();
        }
        assert_eq!(
            step.add_note(today, "One more"),
            Err(PlanError::TooManyNotes)
        );
        assert_eq!(step.notes.len(), MAX_NOTES);
        assert!(PlanError::NoteTooLong.to_string().contains("500"));
    }

    #[test]
    fn a_removed_note_goes_back_where_it_was() {
        let today = date("2026-11-21");
        let mut step = PlanStep::new("Ring the housing office", 0).unwrap();
        for text in ["Left a message", "They called back", "Left a message"] {
            step.add_note(today, text).unwrap();
        }
        let before = step.clone();
        let message = step.notes[0].clone();
        assert_eq!(step.copies_of_note(&message), 2);
        assert_eq!(step.remove_note(&message), Some(0));
        assert_eq!(step.copies_of_note(&message), 1);
        assert_eq!(step.notes.len(), 2);
        assert_eq!(step.notes[0].text, "They called back");
        step.restore_note(0, message.clone()).unwrap();
        assert_eq!(step, before);
        let absent = StepNote {
            on: today,
            text: "Never written".to_owned(),
        };
        assert_eq!(step.remove_note(&absent), None);
        assert_eq!(step, before);
        // Put back last when the list has become shorter meanwhile.
        let called = step.notes[1].clone();
        assert_eq!(step.remove_note(&called), Some(1));
        step.notes.clear();
        step.restore_note(1, called.clone()).unwrap();
        assert_eq!(step.notes, [called]);
        // Not past the limit.
        while step.notes.len() < MAX_NOTES {
            step.add_note(today, "Left a message").unwrap();
        }
        assert_eq!(step.restore_note(0, message), Err(PlanError::TooManyNotes));
    }

    #[test]
    fn stored_steps_are_checked_when_read() {
        let good = r#"{"what":"Call StepChange","need":"money_and_debt",
            "service":{"id":"s1","name":"StepChange","phone":"0800 138 1111","url":"https://www.stepchange.org"},
            "status":"in_progress","due":"2026-12-01","done_on":null,
            "notes":[{"on":"2026-11-21","text":"Left a message"}],"order":1048576}"#;
        let read: PlanStep = serde_json::from_str(good).unwrap();
        assert_eq!(read.status, StepStatus::InProgress);
        assert_eq!(
            read.service.as_ref().unwrap().phone.as_deref(),
            Some("0800 138 1111")
        );
        let value: serde_json::Value = serde_json::from_str(good).unwrap();
        for (path, bad) in [
            ("/what", serde_json::json!("")),
            ("/what", serde_json::json!("a".repeat(201))),
            ("/notes/0/text", serde_json::json!("a".repeat(501))),
            ("/notes/0/text", serde_json::json!(" ")),
            ("/service/url", serde_json::json!("javascript:alert(1)")),
            ("/service/url", serde_json::json!("http://example.org")),
            ("/service/phone", serde_json::json!("0800-138-1111")),
            ("/service/name", serde_json::json!("")),
            ("/status", serde_json::json!("finished")),
            ("/need", serde_json::json!("astrology")),
            ("/due", serde_json::json!("2026-02-30")),
        ] {
            let mut value = value.clone();
            *value.pointer_mut(path).unwrap() = bad.clone();
            assert!(
                serde_json::from_value::<PlanStep>(value).is_err(),
                "{path} = {bad} should be refused"
            );
        }
        let mut many = value.clone();
        many["notes"] = serde_json::Value::Array(vec![value["notes"][0].clone(); 101]);
        assert!(serde_json::from_value::<PlanStep>(many).is_err());
    }

    #[test]
    fn a_step_can_point_to_a_directory_service() {
        let directory =
            parse_directory(include_str!("../../public/directory/national.json")).unwrap();
        let service = directory.search("StepChange")[0];
        let step = PlanStep::contact(service, order_between(None, None)).unwrap();
        assert_eq!(step.what, "Contact StepChange Debt Charity");
        assert_eq!(step.need, Some(Need::MoneyAndDebt));
        let linked = step.service.as_ref().unwrap();
        assert_eq!(linked.id, service.id);
        assert_eq!(linked.phone.as_deref(), Some("0800 138 1111"));
        // The copy survives a round trip through storage.
        let text = serde_json::to_string(&step).unwrap();
        assert_eq!(serde_json::from_str::<PlanStep>(&text).unwrap(), step);
    }

    #[test]
    fn staying_well_plan_sections() {
        let ids: Vec<&str> = SECTIONS.iter().map(|s| s.id).collect();
        assert_eq!(
            ids,
            [
                "what_helped",
                "early_warning_signs",
                "setbacks",
                "keeping_well",
                "if_signs_return",
                "supporters",
                "professional_contacts"
            ]
        );
        assert_eq!(SECTIONS[0].prompt, "What helped you during therapy?");
        let mut plan = StayingWellPlan::default();
        assert!(plan.is_empty());
        for section in SECTIONS {
            assert_eq!(plan.get(section.id), Some(""));
            assert!(section.prompt.ends_with('?') || section.prompt.ends_with('.'));
        }
        plan.set("supporters", "  My sister, Jo.  ").unwrap();
        assert_eq!(plan.supporters, "My sister, Jo.");
        assert_eq!(plan.filled().len(), 1);
        assert_eq!(plan.filled()[0].0.heading, "People who support me");
        assert_eq!(
            plan.set("keeping_well", &"a".repeat(2001)),
            Err(PlanError::SectionTooLong)
        );
        plan.set("keeping_well", &"a".repeat(2000)).unwrap();
        assert_eq!(
            plan.set("horoscope", "x"),
            Err(PlanError::NoSuchSection("horoscope".into()))
        );
        assert_eq!(plan.get("horoscope"), None);
        plan.set("supporters", "").unwrap();
        assert_eq!(plan.filled().len(), 1);

        let mut value = serde_json::to_value(&plan).unwrap();
        assert_eq!(
            serde_json::from_value::<StayingWellPlan>(value.clone()).unwrap(),
            plan
        );
        value["setbacks"] = "a".repeat(2001).into();
        assert!(serde_json::from_value::<StayingWellPlan>(value.clone()).is_err());
        value["setbacks"] = 5.into();
        assert!(serde_json::from_value::<StayingWellPlan>(value).is_err());
    }

    #[test]
    fn therapy_status_rhythm_is_7_to_180_days() {
        let mut status = TherapyStatus::default();
        assert_eq!(status.check_in_every_days, 30);
        assert_eq!(
            status.set_check_in_every_days(6),
            Err(PlanError::CheckInDaysOutOfRange)
        );
        assert_eq!(
            status.set_check_in_every_days(181),
            Err(PlanError::CheckInDaysOutOfRange)
        );
        status.set_check_in_every_days(7).unwrap();
        status.set_check_in_every_days(180).unwrap();
        for (days, ok) in [(6, false), (7, true), (180, true), (181, false)] {
            let text = format!(r#"{{"ended_on":null,"check_in_every_days":{days}}}"#);
            assert_eq!(
                serde_json::from_str::<TherapyStatus>(&text).is_ok(),
                ok,
                "{days}"
            );
        }
    }

    #[test]
    fn one_record_kinds_use_the_newest_live_copy() {
        let id = |n: u8| RecordId::from_random_bytes([n; 16]);
        let mut old = Record::new(id(1), Timestamp(10), TherapyStatus::default());
        let newer = Record::new(id(2), Timestamp(20), TherapyStatus::default());
        assert_eq!(
            current(&[old.clone(), newer.clone()]).map(|r| &r.id),
            Some(&newer.id)
        );
        let mut deleted = newer.clone();
        deleted.delete(Timestamp(30));
        assert_eq!(
            current(&[old.clone(), deleted]).map(|r| &r.id),
            Some(&old.id)
        );
        old.delete(Timestamp(40));
        assert_eq!(current(&[old]), None);
        assert_eq!(StayingWellPlan::id(), TherapyStatus::id());
    }

    #[test]
    fn records_round_trip_through_storage() {
        let mut step = PlanStep::new("Ring Citizens Advice", 0).unwrap();
        step.add_note(date("2026-11-21"), "Booked a call").unwrap();
        let record = Record::new(RecordId::from_random_bytes([3; 16]), Timestamp(5), step);
        assert_eq!(decode::<PlanStep>(&encode(&record)).unwrap().record, record);
        let plan = Record::new(
            StayingWellPlan::id(),
            Timestamp(5),
            StayingWellPlan::default(),
        );
        assert_eq!(
            decode::<StayingWellPlan>(&encode(&plan)).unwrap().record,
            plan
        );
        let status = Record::new(TherapyStatus::id(), Timestamp(5), TherapyStatus::default());
        assert_eq!(
            decode::<TherapyStatus>(&encode(&status)).unwrap().record,
            status
        );
    }

    // After therapy.

    fn phq9_with_total(total: u8) -> Phq9Answers {
        let mut answers = [0; 9];
        let mut left = total;
        for answer in &mut answers {
            *answer = left.min(3);
            left -= *answer;
        }
        Answers::new(answers).unwrap()
    }

    fn gad7_with_total(total: u8) -> Gad7Answers {
        let mut answers = [0; 7];
        let mut left = total;
        for answer in &mut answers {
            *answer = left.min(3);
            left -= *answer;
        }
        Answers::new(answers).unwrap()
    }

    /// A complete pair answered at noon UTC on `day`.
    fn answered(seed: u8, day: &str, phq9: u8, gad7: u8) -> Record<QuestionnaireResponse> {
        let at = Timestamp(i64::from(date(day).day_number()) * DAY_MS + DAY_MS / 2);
        Record::new(
            RecordId::from_random_bytes([seed; 16]),
            at,
            QuestionnaireResponse {
                at,
                phq9: Some(phq9_with_total(phq9)),
                gad7: Some(gad7_with_total(gad7)),
                difficulty: None,
            },
        )
    }

    fn ended(day: &str) -> TherapyStatus {
        TherapyStatus {
            ended_on: Some(date(day)),
            check_in_every_days: 30,
        }
    }

    fn care(
        status: &TherapyStatus,
        today: &str,
        records: &[Record<QuestionnaireResponse>],
    ) -> Option<ContinuingCare> {
        continuing_care(status, date(today), records, &FixedOffset(0))
    }

    #[test]
    fn nothing_before_therapy_ends() {
        let records = [answered(1, "2026-10-01", 20, 15)];
        assert_eq!(
            care(&TherapyStatus::default(), "2026-11-21", &records),
            None
        );
        assert_eq!(care(&ended("2026-11-22"), "2026-11-21", &records), None);
        let today = care(&ended("2026-11-21"), "2026-11-21", &records).unwrap();
        assert_eq!(today.since_discharge_days, 0);
    }

    #[test]
    fn back_at_caseness_raises_a_concern() {
        let records = [
            answered(1, "2026-09-01", 5, 3),
            answered(2, "2026-10-20", 10, 3),
        ];
        let care = care(&ended("2026-09-01"), "2026-10-21", &records).unwrap();
        assert_eq!(care.since_discharge_days, 50);
        assert_eq!(care.at_discharge.map(|p| p.on), Some(date("2026-09-01")));
        assert_eq!(care.latest_after.map(|p| p.on), Some(date("2026-10-20")));
        assert_eq!(
            care.concern,
            Some(Concern::AtCaseness),
            "PHQ-9 10 is caseness; up 5 is not reliable"
        );
    }

    #[test]
    fn reliably_worse_by_exactly_6_or_4_but_not_5_or_3() {
        let status = ended("2026-09-01");
        let check = |phq9: u8, gad7: u8| {
            let records = [
                answered(1, "2026-08-30", 2, 2),
                answered(2, "2026-10-01", phq9, gad7),
            ];
            care(&status, "2026-10-02", &records).unwrap().concern
        };
        assert_eq!(check(7, 5), None, "PHQ-9 up 5 and GAD-7 up 3: not reliable");
        assert!(matches!(check(8, 2), Some(Concern::ReliablyWorse(c)) if c.phq9_difference == 6));
        assert!(matches!(check(2, 6), Some(Concern::ReliablyWorse(c)) if c.gad7_difference == 4));
        assert!(matches!(
            check(12, 2),
            Some(Concern::AtCasenessAndReliablyWorse(_))
        ));
        // At caseness (GAD-7 8) but only 3 up from a higher discharge pair: caseness alone.
        let records = [
            answered(1, "2026-08-30", 2, 5),
            answered(2, "2026-10-01", 2, 8),
        ];
        assert_eq!(
            care(&status, "2026-10-02", &records).unwrap().concern,
            Some(Concern::AtCaseness)
        );
    }

    #[test]
    fn pairs_before_discharge_are_not_after_discharge() {
        let status = ended("2026-09-01");
        // High scores during therapy, and on the day it ended, are not a concern afterwards.
        let records = [
            answered(1, "2026-06-01", 22, 18),
            answered(2, "2026-09-01", 12, 9),
        ];
        let result = care(&status, "2026-09-20", &records).unwrap();
        assert_eq!(result.latest_after, None);
        assert_eq!(result.concern, None);
        assert_eq!(result.at_discharge.map(|p| p.pair.phq9_total()), Some(12));
        // The pair at discharge is the last one on or before the day, and is what later pairs are compared with.
        let records = [
            answered(1, "2026-06-01", 22, 18),
            answered(2, "2026-08-25", 3, 3),
            answered(3, "2026-09-10", 9, 3),
        ];
        let result = care(&status, "2026-09-20", &records).unwrap();
        assert!(
            matches!(result.concern, Some(Concern::ReliablyWorse(c)) if c.phq9_difference == 6)
        );
        // Deleted and one-measure records are ignored.
        let mut deleted = answered(4, "2026-09-15", 27, 21);
        deleted.delete(Timestamp(0));
        let mut only_phq9 = answered(5, "2026-09-16", 27, 21);
        only_phq9.data.gad7 = None;
        let records = [answered(2, "2026-08-25", 3, 3), deleted, only_phq9];
        assert_eq!(care(&status, "2026-09-20", &records).unwrap().concern, None);
    }

    #[test]
    fn no_pair_at_discharge_compares_only_caseness() {
        let status = ended("2026-09-01");
        let below = [answered(1, "2026-09-10", 9, 7)];
        let result = care(&status, "2026-09-20", &below).unwrap();
        assert_eq!(result.at_discharge, None);
        assert_eq!(result.concern, None);
        let at = [answered(1, "2026-09-10", 9, 8)];
        assert_eq!(
            care(&status, "2026-09-20", &at).unwrap().concern,
            Some(Concern::AtCaseness)
        );
    }

    #[test]
    fn a_questionnaire_is_due_at_30_days() {
        let status = ended("2026-09-01");
        let records = [answered(1, "2026-09-01", 3, 3)];
        let on = |today: &str| care(&status, today, &records).unwrap();
        assert!(!on("2026-09-30").questionnaire_due, "29 days");
        assert!(on("2026-10-01").questionnaire_due, "30 days");
        assert_eq!(on("2026-09-30").next_check_in_on, date("2026-10-01"));
        // A pair after discharge restarts the count.
        let records = [
            answered(1, "2026-09-01", 3, 3),
            answered(2, "2026-09-25", 3, 3),
        ];
        assert!(
            !care(&status, "2026-10-01", &records)
                .unwrap()
                .questionnaire_due
        );
        // No pair at all: due now.
        let none = care(&status, "2026-09-02", &[]).unwrap();
        assert!(none.questionnaire_due);
        assert_eq!(none.next_check_in_on, date("2026-09-02"));
        // The person's own rhythm.
        let weekly = TherapyStatus {
            check_in_every_days: 7,
            ..status.clone()
        };
        assert!(
            care(&weekly, "2026-09-08", &[answered(1, "2026-09-01", 3, 3)])
                .unwrap()
                .questionnaire_due
        );
    }

    #[test]
    fn local_days_decide_which_side_of_discharge_a_pair_is() {
        // 23:30 UTC on the day therapy ended is 00:30 the next day in British Summer Time.
        let at =
            Timestamp(i64::from(date("2026-09-01").day_number()) * DAY_MS + DAY_MS - 30 * 60_000);
        let record = Record::new(
            RecordId::from_random_bytes([9; 16]),
            at,
            QuestionnaireResponse {
                at,
                phq9: Some(phq9_with_total(15)),
                gad7: Some(gad7_with_total(3)),
                difficulty: None,
            },
        );
        let status = ended("2026-09-01");
        let utc = continuing_care(
            &status,
            date("2026-09-05"),
            std::slice::from_ref(&record),
            &FixedOffset(0),
        );
        let bst = continuing_care(&status, date("2026-09-05"), &[record], &FixedOffset(60));
        assert_eq!(utc.unwrap().concern, None, "on the day therapy ended");
        assert_eq!(
            bst.unwrap().concern,
            Some(Concern::AtCaseness),
            "the day after"
        );
    }

    #[test]
    fn concern_words_are_kind_and_never_diagnostic() {
        let change = Change::between(
            Pair::from_totals(2, 2).unwrap(),
            Pair::from_totals(12, 2).unwrap(),
        );
        for concern in [
            Concern::AtCaseness,
            Concern::ReliablyWorse(change),
            Concern::AtCasenessAndReliablyWorse(change),
        ] {
            let sentences = concern.sentences();
            assert_eq!(
                sentences[sentences.len() - 2..],
                [
                    "This can happen, and help is there.",
                    "Below are ways to get back in touch, and a link to your staying-well plan."
                ]
            );
            for sentence in sentences {
                assert!(sentence.ends_with('.'));
                let lower = sentence.to_lowercase();
                for word in [
                    "you have", "depress", "anxi", "disorder", "diagnos", "relapse", "warning:",
                ] {
                    assert!(!lower.contains(word), "{sentence:?} contains {word:?}");
                }
            }
        }
        assert_eq!(
            Concern::AtCaseness.sentences()[0],
            "Your latest scores are back at the level your service calls caseness."
        );
        assert_eq!(
            Concern::AtCaseness.message(),
            "Your latest scores are back at the level your service calls caseness. This can happen, and help is \
             there. Below are ways to get back in touch, and a link to your staying-well plan."
        );
        assert_eq!(Concern::AtCaseness.change(), None);
        assert_eq!(Concern::ReliablyWorse(change).change(), Some(change));
    }

    proptest! {
        #[test]
        fn order_between_is_strictly_between_when_there_is_room(a in any::<i64>(), b in any::<i64>()) {
            let (before, after) = (a.min(b), a.max(b));
            if has_room(Some(before), Some(after)) {
                let middle = order_between(Some(before), Some(after));
                prop_assert!(before < middle && middle < after);
            } else {
                prop_assert!(i128::from(after) - i128::from(before) < 2);
            }
            if has_room(Some(a), None) {
                prop_assert!(order_between(Some(a), None) > a);
            }
            if has_room(None, Some(a)) {
                prop_assert!(order_between(None, Some(a)) < a);
            }
        }

        #[test]
        fn any_json_text_never_panics_when_read_as_a_plan_kind(text in ".{0,200}") {
            let _ = serde_json::from_str::<PlanStep>(&text);
            let _ = serde_json::from_str::<StayingWellPlan>(&text);
            let _ = serde_json::from_str::<TherapyStatus>(&text);
        }

        #[test]
        fn concerns_follow_the_rules(
            discharge in proptest::option::of((0u8..=27, 0u8..=21)),
            latest in (0u8..=27, 0u8..=21),
        ) {
            let mut records = vec![answered(2, "2026-10-01", latest.0, latest.1)];
            if let Some((p, g)) = discharge {
                records.push(answered(1, "2026-09-01", p, g));
            }
            let result = care(&ended("2026-09-01"), "2026-10-02", &records).unwrap();
            let latest_pair = Pair::from_totals(latest.0, latest.1).unwrap();
            let worse = discharge.is_some_and(|(p, g)| {
                i16::from(latest.0) - i16::from(p) >= 6 || i16::from(latest.1) - i16::from(g) >= 4
            });
            prop_assert_eq!(result.concern.is_some(), latest_pair.at_caseness() || worse);
        }
    }
}
