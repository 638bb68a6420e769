//! Physical activity: logged sessions, weekly goals that can start small and step up, the week against the UK Chief
//! Medical Officers' guideline, and how activity and mood go together, all in plain words.
//!
//! The figures come from `design/activity.md` (UK CMO Physical Activity Guidelines, 2019). A week runs Monday to
//! Sunday in the person's own time zone. The core never reads a clock or a zone: a session carries the local day it
//! happened on (the caller turns "now" into a day with [`crate::calendar::local_date`]), and every question takes
//! `today` or a week's Monday.
//!
//! Sessions are passed as `&[&Session]` so the app can hand over the live records of a collection without copying.

use crate::calendar::{LocalDate, UtcOffset, local_date};
use crate::mood::MoodLevel;
use crate::mood_trends::DayMood;
use crate::record::{Record, Timestamp};
use crate::schema::{Migration, RecordKind};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The longest session can last, in minutes: a whole day.
pub const MAX_SESSION_MINUTES: u16 = 1440;
/// The longest name a person can give an "Other" activity, in characters.
pub const CUSTOM_NAME_MAX_CHARS: usize = 40;
/// The longest "Why this matters to me", in characters (the field shows a counter).
pub const WHY_MAX_CHARS: usize = 500;
/// Every minute of a week: the most a minutes goal can ask for.
pub const MAX_MINUTES_PER_WEEK: u16 = 7 * MAX_SESSION_MINUTES;

/// The kinds of activity offered when logging a session or setting a goal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Walking,
    Running,
    Cycling,
    Swimming,
    Dancing,
    Gardening,
    Strength,
    YogaOrStretching,
    ChairBased,
    Other,
}

impl ActivityKind {
    /// In the order they are offered, with Other last.
    pub const ALL: [ActivityKind; 10] = [
        ActivityKind::Walking,
        ActivityKind::Running,
        ActivityKind::Cycling,
        ActivityKind::Swimming,
        ActivityKind::Dancing,
        ActivityKind::Gardening,
        ActivityKind::Strength,
        ActivityKind::YogaOrStretching,
        ActivityKind::ChairBased,
        ActivityKind::Other,
    ];

    /// The words shown for this kind.
    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Walking => "Walking",
            ActivityKind::Running => "Running",
            ActivityKind::Cycling => "Cycling",
            ActivityKind::Swimming => "Swimming",
            ActivityKind::Dancing => "Dancing",
            ActivityKind::Gardening => "Gardening",
            ActivityKind::Strength => "Strength",
            ActivityKind::YogaOrStretching => "Yoga or stretching",
            ActivityKind::ChairBased => "Chair-based exercise",
            ActivityKind::Other => "Other",
        }
    }

    /// The kind inside a sentence, after "On days with": "walking", "strength activity". `None` for Other, which
    /// mixes different things and so says nothing on its own.
    fn in_a_sentence(self) -> Option<&'static str> {
        Some(match self {
            ActivityKind::Walking => "walking",
            ActivityKind::Running => "running",
            ActivityKind::Cycling => "cycling",
            ActivityKind::Swimming => "swimming",
            ActivityKind::Dancing => "dancing",
            ActivityKind::Gardening => "gardening",
            ActivityKind::Strength => "strength activity",
            ActivityKind::YogaOrStretching => "yoga or stretching",
            ActivityKind::ChairBased => "chair-based exercise",
            ActivityKind::Other => return None,
        })
    }
}

/// How hard a session felt, judged by the talk test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    Light,
    Moderate,
    Vigorous,
}

impl Intensity {
    /// Gentlest first, the order they are offered in.
    pub const ALL: [Intensity; 3] = [Intensity::Light, Intensity::Moderate, Intensity::Vigorous];

    /// The words shown for this intensity.
    pub fn label(self) -> &'static str {
        match self {
            Intensity::Light => "Light",
            Intensity::Moderate => "Moderate",
            Intensity::Vigorous => "Vigorous",
        }
    }

    /// The talk test in plain words, shown under each choice so people can tell them apart.
    pub fn talk_test(self) -> &'static str {
        match self {
            Intensity::Light => "Moving, but breathing normally.",
            Intensity::Moderate => "Breathing faster, can still talk but not sing.",
            Intensity::Vigorous => {
                "Breathing hard, cannot say more than a few words without pausing."
            }
        }
    }
}

/// One logged session of activity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub kind: ActivityKind,
    /// For Other: the person's own name for it (may be empty), at most [`CUSTOM_NAME_MAX_CHARS`] characters.
    #[serde(deserialize_with = "bounded_custom_name")]
    pub custom_name: String,
    /// How long it lasted, 1 to [`MAX_SESSION_MINUTES`].
    #[serde(deserialize_with = "session_minutes")]
    pub minutes: u16,
    pub intensity: Intensity,
    /// The local day it happened (chosen by the person; today by default).
    pub date: LocalDate,
}

impl Session {
    /// A session with no custom name. Minutes are kept within 1 to [`MAX_SESSION_MINUTES`].
    pub fn new(kind: ActivityKind, minutes: u16, intensity: Intensity, date: LocalDate) -> Self {
        Session {
            kind,
            custom_name: String::new(),
            minutes: minutes.clamp(1, MAX_SESSION_MINUTES),
            intensity,
            date,
        }
    }

    /// The name to show: the person's own name for an Other activity when they gave one, otherwise the kind's label.
    pub fn name(&self) -> String {
        let custom = self.custom_name.trim();
        if self.kind == ActivityKind::Other && !custom.is_empty() {
            custom.to_owned()
        } else {
            self.kind.label().to_owned()
        }
    }

    /// Sets the custom name, cut to [`CUSTOM_NAME_MAX_CHARS`] characters.
    pub fn set_custom_name(&mut self, name: &str) {
        self.custom_name = name.chars().take(CUSTOM_NAME_MAX_CHARS).collect();
    }
}

impl RecordKind for Session {
    const KIND: &'static str = "activity_session";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];

    /// The start of the session's day, in UTC (the day the person chose, which may be earlier than its creation).
    fn time(record: &Record<Self>) -> Timestamp {
        Timestamp(i64::from(record.data.date.day_number()) * 24 * 60 * 60 * 1000)
    }
}

/// Why the minutes someone typed cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MinutesError {
    #[error("Write how many minutes, as a number, like 20.")]
    NotANumber,
    #[error("Write at least 1 minute.")]
    TooFew,
    #[error("A session can be at most {MAX_SESSION_MINUTES} minutes, which is a whole day.")]
    TooMany,
}

/// Reads the minutes of a session from what the person typed. Errors say what to fix, kindly.
pub fn parse_minutes(text: &str) -> Result<u16, MinutesError> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MinutesError::NotANumber);
    }
    match text.parse::<u32>() {
        Ok(0) => Err(MinutesError::TooFew),
        Ok(minutes) if minutes <= u32::from(MAX_SESSION_MINUTES) => {
            // At most 1440, so it fits.
            Ok(minutes as u16)
        }
        // Only digits, so a parse error means a number too big for u32.
        _ => Err(MinutesError::TooMany),
    }
}

fn bounded_custom_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if name.chars().count() > CUSTOM_NAME_MAX_CHARS {
        return Err(serde::de::Error::custom("custom name is too long"));
    }
    Ok(name)
}

fn session_minutes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    let minutes = u16::deserialize(deserializer)?;
    if !(1..=MAX_SESSION_MINUTES).contains(&minutes) {
        return Err(serde::de::Error::custom(
            "a session lasts 1 to 1440 minutes",
        ));
    }
    Ok(minutes)
}

/// What a goal counts each week, and how much of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "unit", content = "amount", rename_all = "snake_case")]
pub enum Target {
    /// Minutes of matching activity, any intensity.
    MinutesPerWeek(u16),
    /// Matching sessions, however short.
    SessionsPerWeek(u8),
    /// Different days with at least one matching session.
    DaysPerWeek(u8),
}

impl Target {
    /// How much the target asks for each week (before any step-up).
    pub fn amount(self) -> u16 {
        match self {
            Target::MinutesPerWeek(amount) => amount,
            Target::SessionsPerWeek(amount) | Target::DaysPerWeek(amount) => u16::from(amount),
        }
    }

    /// The most this unit can ask for in a week: every minute of it, 255 sessions, or 7 days.
    pub fn max_amount(self) -> u16 {
        match self {
            Target::MinutesPerWeek(_) => MAX_MINUTES_PER_WEEK,
            Target::SessionsPerWeek(_) => u16::from(u8::MAX),
            Target::DaysPerWeek(_) => 7,
        }
    }

    /// An amount in this unit, in words: "150 minutes", "1 session", "3 days".
    pub fn unit_words(self, amount: u16) -> String {
        let (one, many) = match self {
            Target::MinutesPerWeek(_) => ("minute", "minutes"),
            Target::SessionsPerWeek(_) => ("session", "sessions"),
            Target::DaysPerWeek(_) => ("day", "days"),
        };
        count_words(u32::from(amount), one, many)
    }

    /// The same unit with a new amount, kept between 1 and [`Target::max_amount`].
    pub fn with_amount(self, amount: u16) -> Target {
        let amount = amount.clamp(1, self.max_amount());
        // The clamp keeps sessions and days within u8.
        let small = u8::try_from(amount).unwrap_or(u8::MAX);
        match self {
            Target::MinutesPerWeek(_) => Target::MinutesPerWeek(amount),
            Target::SessionsPerWeek(_) => Target::SessionsPerWeek(small),
            Target::DaysPerWeek(_) => Target::DaysPerWeek(small),
        }
    }
}

/// A goal that grows a little each week, so it can start far below the guideline and build up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUp {
    /// Added to the target each week after the first.
    pub per_week: u16,
    /// The target never goes above this (at least 1).
    pub ceiling: u16,
}

/// Where a goal stands. Only active goals are shown on the home screen; paused ones wait to be picked up again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    Active,
    Paused,
    Finished,
    Archived,
}

impl GoalStatus {
    /// The words shown for this status.
    pub fn label(self) -> &'static str {
        match self {
            GoalStatus::Active => "Active",
            GoalStatus::Paused => "Paused",
            GoalStatus::Finished => "Finished",
            GoalStatus::Archived => "Archived",
        }
    }
}

/// An activity goal the person set for themselves, counted week by week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// The activity that counts; `None`: any activity counts.
    pub activity: Option<ActivityKind>,
    /// What is counted each week, and the amount in the first week. Between 1 and [`Target::max_amount`].
    #[serde(deserialize_with = "valid_target")]
    pub target: Target,
    /// How the target grows, if it does.
    #[serde(deserialize_with = "valid_step_up")]
    pub step_up: Option<StepUp>,
    /// The first day of the goal; its week is the goal's first week.
    pub start: LocalDate,
    /// When to look back at how the goal is going, if the person chose a day.
    pub review: Option<LocalDate>,
    /// "Why this matters to me", in the person's words (may be empty), at most [`WHY_MAX_CHARS`] characters.
    #[serde(deserialize_with = "bounded_why")]
    pub why: String,
    pub status: GoalStatus,
}

impl Goal {
    /// An active goal with no step-up, no review date and no reason written yet.
    pub fn new(activity: Option<ActivityKind>, target: Target, start: LocalDate) -> Self {
        Goal {
            activity,
            target,
            step_up: None,
            start,
            review: None,
            why: String::new(),
            status: GoalStatus::Active,
        }
    }

    /// The target for the week starting `monday` (any day of the week works): the base amount plus `per_week` for
    /// each whole week since the week of `start`, capped at the ceiling and at what the unit can hold; before the
    /// start week, the base. A ceiling below the base holds the target at the ceiling, so it never goes down.
    pub fn target_for_week(&self, monday: LocalDate) -> u16 {
        let base = self.target.amount();
        let Some(step) = self.step_up else {
            return base;
        };
        let weeks = monday
            .monday_of_week()
            .days_since(self.start.monday_of_week())
            .div_euclid(7)
            .max(0);
        let weeks = u16::try_from(weeks).unwrap_or(u16::MAX);
        base.saturating_add(step.per_week.saturating_mul(weeks))
            .min(step.ceiling)
            .min(self.target.max_amount())
    }

    /// A short title, such as "Walking: 10 minutes a week", "Any activity: 3 days a week" or, with a step-up,
    /// "Any activity: 60 minutes a week, building up to 150".
    pub fn title(&self) -> String {
        let activity = self.activity.map_or("Any activity", ActivityKind::label);
        let amount = self.target.unit_words(self.target.amount());
        match self.step_up {
            Some(step) if step.ceiling > self.target.amount() && step.per_week > 0 => {
                let ceiling = step.ceiling.min(self.target.max_amount());
                format!("{activity}: {amount} a week, building up to {ceiling}")
            }
            _ => format!("{activity}: {amount} a week"),
        }
    }

    /// The review date has come (it is on or before `today`) and the goal is active or paused.
    pub fn review_due(&self, today: LocalDate) -> bool {
        matches!(self.status, GoalStatus::Active | GoalStatus::Paused)
            && self.review.is_some_and(|review| review <= today)
    }

    /// Sets "Why this matters to me", cut to [`WHY_MAX_CHARS`] characters.
    pub fn set_why(&mut self, why: &str) {
        self.why = why.chars().take(WHY_MAX_CHARS).collect();
    }

    /// Whether a session counts towards this goal.
    fn counts(&self, session: &Session) -> bool {
        self.activity.is_none_or(|kind| kind == session.kind)
    }
}

impl RecordKind for Goal {
    const KIND: &'static str = "activity_goal";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];
}

fn valid_target<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Target, D::Error> {
    let target = Target::deserialize(deserializer)?;
    if !(1..=target.max_amount()).contains(&target.amount()) {
        return Err(serde::de::Error::custom(
            "a target is at least 1 and at most what a week can hold",
        ));
    }
    Ok(target)
}

fn valid_step_up<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<StepUp>, D::Error> {
    let step_up = Option::<StepUp>::deserialize(deserializer)?;
    if step_up.is_some_and(|step| step.ceiling == 0) {
        return Err(serde::de::Error::custom("a step-up ceiling is at least 1"));
    }
    Ok(step_up)
}

fn bounded_why<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let why = String::deserialize(deserializer)?;
    if why.chars().count() > WHY_MAX_CHARS {
        return Err(serde::de::Error::custom("why is too long"));
    }
    Ok(why)
}

/// A ready-made goal to start from, offered when someone sets their first goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Starter {
    pub title: &'static str,
    /// One or two plain sentences about it.
    pub description: &'static str,
    pub goal: Goal,
}

/// Ready-made starting points, starting on `start`. They start small and build up; the guideline is where many
/// people head, not where they must begin. Each is active, with no review date (the app sets one) and no reason.
pub fn starters(start: LocalDate) -> Vec<Starter> {
    vec![
        Starter {
            title: "A 10-minute walk most days",
            description: "Go for a short walk on 5 days a week. About 10 minutes is plenty to start with.",
            goal: Goal::new(Some(ActivityKind::Walking), Target::DaysPerWeek(5), start),
        },
        Starter {
            title: "Build up to 150 minutes a week",
            description: "Start with 60 minutes of any activity a week, then add 10 minutes each week until \
                          you reach 150.",
            goal: Goal {
                step_up: Some(StepUp {
                    per_week: 10,
                    ceiling: 150,
                }),
                ..Goal::new(None, Target::MinutesPerWeek(60), start)
            },
        },
        Starter {
            title: "Strength on 2 days a week",
            description: "Do an activity that builds strength on 2 days a week, as the UK guideline suggests.",
            goal: Goal::new(Some(ActivityKind::Strength), Target::DaysPerWeek(2), start),
        },
        Starter {
            title: "Move a little on 3 days a week",
            description: "Any activity counts, for any length of time. Some is good, and more is better.",
            goal: Goal::new(None, Target::DaysPerWeek(3), start),
        },
    ]
}

/// Up to `limit` different recent sessions (same activity, name, minutes and intensity count as one), for
/// "log the same again". `newest_first` is the log, most recently logged first.
pub fn repeat_choices<'a>(
    newest_first: impl IntoIterator<Item = &'a Session>,
    limit: usize,
) -> Vec<Session> {
    let mut choices: Vec<Session> = Vec::new();
    for session in newest_first {
        if choices.len() == limit {
            break;
        }
        let same = |s: &Session| {
            (s.kind, &s.custom_name, s.minutes, s.intensity)
                == (
                    session.kind,
                    &session.custom_name,
                    session.minutes,
                    session.intensity,
                )
        };
        if !choices.iter().any(same) {
            choices.push(session.clone());
        }
    }
    choices
}

/// Progress towards a goal in one Monday to Sunday week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeekProgress {
    pub monday: LocalDate,
    /// Minutes, sessions or days so far, in the goal's unit.
    pub done: u16,
    /// The target for this week, after any step-up.
    pub target: u16,
    /// Whether `done` reached `target`.
    pub met: bool,
}

/// What one week's matching sessions add up to, in every unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct WeekTally {
    minutes: u32,
    sessions: u32,
    /// Bit `i` is set when day `i` of the week (0 = Monday) has a session.
    days: u8,
}

impl WeekTally {
    fn add(&mut self, session: &Session) {
        self.minutes += u32::from(session.minutes);
        self.sessions = self.sessions.saturating_add(1);
        self.days |= 1 << session.date.weekday().index();
    }

    fn done(self, target: Target) -> u16 {
        let done = match target {
            Target::MinutesPerWeek(_) => self.minutes,
            Target::SessionsPerWeek(_) => self.sessions,
            Target::DaysPerWeek(_) => self.days.count_ones(),
        };
        u16::try_from(done).unwrap_or(u16::MAX)
    }
}

fn progress_from(goal: &Goal, monday: LocalDate, tally: WeekTally) -> WeekProgress {
    let done = tally.done(goal.target);
    let target = goal.target_for_week(monday);
    WeekProgress {
        monday,
        done,
        target,
        met: done >= target,
    }
}

/// Matching sessions added up per week, keyed by Monday.
fn tallies_by_week(goal: &Goal, sessions: &[&Session]) -> BTreeMap<LocalDate, WeekTally> {
    let mut weeks: BTreeMap<LocalDate, WeekTally> = BTreeMap::new();
    for session in sessions.iter().filter(|s| goal.counts(s)) {
        weeks
            .entry(session.date.monday_of_week())
            .or_default()
            .add(session);
    }
    weeks
}

/// Counts the sessions that match the goal's activity (any, when it is `None`) in the week starting `monday` (any
/// day of the week works): minutes summed, sessions counted, or different days.
pub fn week_progress(goal: &Goal, sessions: &[&Session], monday: LocalDate) -> WeekProgress {
    let monday = monday.monday_of_week();
    let mut tally = WeekTally::default();
    for session in sessions
        .iter()
        .filter(|s| goal.counts(s) && s.date.monday_of_week() == monday)
    {
        tally.add(session);
    }
    progress_from(goal, monday, tally)
}

/// Progress in words. For the current week: "90 of 150 minutes. 60 minutes to go, 3 days left." (days left counts
/// today, so on Friday 3 days are left) or "Done: 160 of 150 minutes this week. Well done." For another week:
/// "90 of 150 minutes." or "Done: 160 of 150 minutes."
pub fn progress_words(goal: &Goal, progress: &WeekProgress, today: LocalDate) -> String {
    let unit = goal.target;
    let target = unit.unit_words(progress.target);
    let done = progress.done;
    let this_week = today.monday_of_week() == progress.monday;
    match (this_week, progress.met) {
        (true, true) => format!("Done: {done} of {target} this week. Well done."),
        (false, true) => format!("Done: {done} of {target}."),
        (false, false) => format!("{done} of {target}."),
        (true, false) => {
            let to_go = progress.target.saturating_sub(done);
            let days_left = 7 - u16::from(today.weekday().index());
            let days_left_words = count_words(u32::from(days_left), "day", "days");
            if matches!(unit, Target::DaysPerWeek(_)) && to_go > days_left {
                format!("{done} of {target}. {days_left_words} left this week. Any activity helps.")
            } else {
                let to_go = unit.unit_words(to_go);
                format!("{done} of {target}. {to_go} to go, {days_left_words} left.")
            }
        }
    }
}

/// Weeks that met the goal in a row, ending with the current week if it is already met, otherwise with last week.
/// Weeks before the goal's start week do not count. A week that was not met ends the run.
pub fn weeks_met_in_a_row(goal: &Goal, sessions: &[&Session], today: LocalDate) -> u32 {
    let tallies = tallies_by_week(goal, sessions);
    let first = goal.start.monday_of_week();
    let met = |monday: LocalDate| {
        monday >= first
            && progress_from(
                goal,
                monday,
                tallies.get(&monday).copied().unwrap_or_default(),
            )
            .met
    };
    let this_week = today.monday_of_week();
    let mut week = if met(this_week) {
        this_week
    } else {
        this_week.add_days(-7)
    };
    let mut count = 0;
    while met(week) {
        count += 1;
        let before = week.add_days(-7);
        if before == week {
            break; // the first week of year 0000: nothing earlier
        }
        week = before;
    }
    count
}

/// How a goal went over a range of dates (the appointment summary): the weeks it was met, of the weeks it existed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoalInRange {
    /// Weeks met, counted from the later of the range's first week and the goal's start week.
    pub met: u32,
    /// Weeks counted: from that week to the range's last week; 0 when the goal starts after the range.
    pub weeks: u32,
}

impl GoalInRange {
    /// "Met in 1 of 2 weeks.", "Met in 1 of 1 week.", or "Starts after these dates."
    pub fn words(&self) -> String {
        if self.weeks == 0 {
            return "Starts after these dates.".to_owned();
        }
        format!(
            "Met in {} of {}.",
            self.met,
            count_words(self.weeks, "week", "weeks")
        )
    }
}

/// The weeks of `from` to `to` (inclusive) in which the goal existed, and how many of them met it. Weeks before the
/// goal's start week are not counted: a goal set today has one week so far, not the whole range.
pub fn goal_in_range(
    goal: &Goal,
    sessions: &[&Session],
    from: LocalDate,
    to: LocalDate,
) -> GoalInRange {
    let tallies = tallies_by_week(goal, sessions);
    let last = to.monday_of_week();
    let mut week = from.max(goal.start).monday_of_week();
    let (mut met, mut weeks) = (0, 0);
    while week <= last {
        weeks += 1;
        let tally = tallies.get(&week).copied().unwrap_or_default();
        if progress_from(goal, week, tally).met {
            met += 1;
        }
        week = week.add_days(7);
    }
    GoalInRange { met, weeks }
}

/// The Mondays of the weeks worth a row in a summary of `from` to `to`: from the first week with a session or a
/// goal (whichever is first, and no earlier than `from`) to the week of `to`. Empty when the range holds no session
/// and no goal had started by its end, so a summary never shows rows of zeros from before anything was logged.
pub fn summary_weeks(
    goal_starts: &[LocalDate],
    sessions: &[&Session],
    from: LocalDate,
    to: LocalDate,
) -> Vec<LocalDate> {
    let first_session = sessions
        .iter()
        .map(|s| s.date)
        .filter(|d| *d >= from && *d <= to)
        .min();
    let first_goal = goal_starts.iter().copied().filter(|d| *d <= to).min();
    let Some(first) = first_session.into_iter().chain(first_goal).min() else {
        return Vec::new();
    };
    let last = to.monday_of_week();
    let mut week = first.max(from).monday_of_week();
    let mut weeks = Vec::new();
    while week <= last {
        weeks.push(week);
        week = week.add_days(7);
    }
    weeks
}

/// One entry per week from the week of the goal's start to the current week, newest first, at most `limit` weeks.
/// Empty when the goal starts after this week.
pub fn weekly_history(
    goal: &Goal,
    sessions: &[&Session],
    today: LocalDate,
    limit: usize,
) -> Vec<WeekProgress> {
    let tallies = tallies_by_week(goal, sessions);
    let first = goal.start.monday_of_week();
    let mut history = Vec::new();
    let mut week = today.monday_of_week();
    while history.len() < limit && week >= first {
        let tally = tallies.get(&week).copied().unwrap_or_default();
        history.push(progress_from(goal, week, tally));
        let before = week.add_days(-7);
        if before == week {
            break;
        }
        week = before;
    }
    history
}

/// Kind words for a week in the history, never shaming: a week that did not meet the goal still counts for
/// something.
pub fn missed_week_words(progress: &WeekProgress) -> &'static str {
    if progress.met {
        "You met your goal that week. Well done."
    } else if progress.done == 0 {
        "That week did not go to plan, and that is okay. Any activity helps."
    } else {
        "You still did some activity that week, and that counts. Any amount helps."
    }
}

/// The moderate minutes a week the UK guideline suggests (or the same in vigorous minutes, each counting as two).
pub const GUIDELINE_MODERATE_MINUTES: u16 = 150;
/// The days a week with strength activity the UK guideline suggests.
pub const GUIDELINE_STRENGTH_DAYS: u8 = 2;

/// One week against the UK CMO guideline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuidelineWeek {
    pub light: u16,
    pub moderate: u16,
    pub vigorous: u16,
    /// Moderate + 2 × vigorous (light does not count towards the 150).
    pub moderate_equivalent: u16,
    /// Different days with a Strength session.
    pub strength_days: u8,
}

/// Adds up the week starting `monday` (any day of the week works) by intensity, with strength days.
pub fn guideline_week(sessions: &[&Session], monday: LocalDate) -> GuidelineWeek {
    let monday = monday.monday_of_week();
    let (mut light, mut moderate, mut vigorous) = (0u32, 0u32, 0u32);
    let mut strength = 0u8;
    for session in sessions
        .iter()
        .filter(|s| s.date.monday_of_week() == monday)
    {
        let minutes = u32::from(session.minutes);
        match session.intensity {
            Intensity::Light => light += minutes,
            Intensity::Moderate => moderate += minutes,
            Intensity::Vigorous => vigorous += minutes,
        }
        if session.kind == ActivityKind::Strength {
            strength |= 1 << session.date.weekday().index();
        }
    }
    let fit = |minutes: u32| u16::try_from(minutes).unwrap_or(u16::MAX);
    GuidelineWeek {
        light: fit(light),
        moderate: fit(moderate),
        vigorous: fit(vigorous),
        moderate_equivalent: fit(moderate + 2 * vigorous),
        // At most 7.
        strength_days: strength.count_ones() as u8,
    }
}

/// The week against the guideline in plain sentences: moderate minutes (a vigorous minute counting as two) against
/// 150, strength days against 2, and that this is where many people head, not a test to pass.
pub fn guideline_words(week: &GuidelineWeek) -> Vec<String> {
    let mut words = Vec::new();
    let minutes = week.moderate_equivalent;
    words.push(if minutes >= GUIDELINE_MODERATE_MINUTES {
        format!(
            "Moderate activity: {}. That reaches the {GUIDELINE_MODERATE_MINUTES} minutes a week in the UK guideline.",
            count_words(u32::from(minutes), "minute", "minutes")
        )
    } else {
        format!(
            "Moderate activity: {minutes} of the {GUIDELINE_MODERATE_MINUTES} minutes a week in the UK guideline."
        )
    });
    words.push(if week.vigorous > 0 {
        format!(
            "A vigorous minute counts as two, so your {} counted as {}.",
            count_words(
                u32::from(week.vigorous),
                "vigorous minute",
                "vigorous minutes"
            ),
            u32::from(week.vigorous) * 2
        )
    } else {
        "A vigorous minute counts as two.".to_owned()
    });
    if week.light > 0 {
        words.push(format!(
            "Your {} of light activity did not count towards the {GUIDELINE_MODERATE_MINUTES}, but any activity helps.",
            count_words(u32::from(week.light), "minute", "minutes")
        ));
    }
    let days = week.strength_days;
    words.push(if days >= GUIDELINE_STRENGTH_DAYS {
        format!(
            "Strength: {}. That reaches the {GUIDELINE_STRENGTH_DAYS} days a week in the guideline.",
            count_words(u32::from(days), "day", "days")
        )
    } else {
        format!("Strength: {days} of the {GUIDELINE_STRENGTH_DAYS} days a week in the guideline.")
    });
    words.push(
        "The guideline is where many people head over time. It is not a test to pass.".to_owned(),
    );
    words
}

/// Activity and mood are only compared when at least this many days with check-ins had the activity and at least
/// this many did not: fewer would read too much into chance.
pub const MIN_DAYS_FOR_ACTIVITY_INSIGHT: u32 = 5;

/// Mood over some days, as an exact total of scores and a count of check-ins.
#[derive(Clone, Copy, Debug, Default)]
struct MoodTally {
    days: u32,
    total: u64,
    check_ins: u64,
}

impl MoodTally {
    fn add(&mut self, day: &DayMood) {
        let count = u64::from(day.average.count());
        // `Average` shows its total only as an f32 mean; the mean times the count, rounded, is the total again
        // exactly (the f32 is within one part in 16 million, far below half a score for any real day).
        let total = (f64::from(day.average.value()) * count as f64).round() as u64;
        self.days += 1;
        self.total += total;
        self.check_ins += count;
    }

    fn minus(self, other: MoodTally) -> MoodTally {
        MoodTally {
            days: self.days - other.days,
            total: self.total - other.total,
            check_ins: self.check_ins - other.check_ins,
        }
    }

    /// The nearest mood level, halves rounded up, as [`crate::mood_trends::Average::level`] does.
    fn level(self) -> Option<MoodLevel> {
        let count = self.check_ins;
        (count > 0).then(|| {
            let nearest = (2 * self.total + count) / (2 * count);
            MoodLevel::ALL[nearest.clamp(1, 5) as usize - 1]
        })
    }
}

/// How mood on days with activity compares with other days, in plain sentences: first any activity, then each kind
/// (most days first) whose days are not the same as the days with any activity. Other is left out, as it mixes
/// different things. A comparison is only made with at least [`MIN_DAYS_FOR_ACTIVITY_INSIGHT`] days on each side;
/// empty when there is not enough to say.
///
/// `mood_days` are the days with check-ins, one per local date, as [`crate::mood_trends::MoodDays::days`] gives
/// them. Averages are over check-ins, as in the Mood screen: a day with three check-ins counts three times.
pub fn activity_and_mood(sessions: &[&Session], mood_days: &[DayMood]) -> Vec<String> {
    let active_days: BTreeSet<LocalDate> = sessions.iter().map(|s| s.date).collect();
    let kind_days: BTreeSet<(ActivityKind, LocalDate)> =
        sessions.iter().map(|s| (s.kind, s.date)).collect();

    let mut all = MoodTally::default();
    let mut active = MoodTally::default();
    let mut by_kind = [MoodTally::default(); ActivityKind::ALL.len()];
    for day in mood_days {
        all.add(day);
        if active_days.contains(&day.date) {
            active.add(day);
        }
        for (index, kind) in ActivityKind::ALL.into_iter().enumerate() {
            if kind_days.contains(&(kind, day.date)) {
                by_kind[index].add(day);
            }
        }
    }

    let compare = |with: MoodTally| -> Option<(MoodLevel, MoodLevel)> {
        let without = all.minus(with);
        if with.days < MIN_DAYS_FOR_ACTIVITY_INSIGHT || without.days < MIN_DAYS_FOR_ACTIVITY_INSIGHT
        {
            return None;
        }
        Some((with.level()?, without.level()?))
    };

    let mut sentences = Vec::new();
    if let Some((with, without)) = compare(active) {
        sentences.push(mood_sentence("any activity", "days without", with, without));
    }
    let mut kinds: Vec<(ActivityKind, MoodTally)> = ActivityKind::ALL
        .into_iter()
        .zip(by_kind)
        .filter(|(_, tally)| tally.days != active.days)
        .collect();
    // Most days first; ties keep the order kinds are offered in (the sort is stable).
    kinds.sort_by_key(|(_, tally)| std::cmp::Reverse(tally.days));
    for (kind, tally) in kinds {
        if let (Some(name), Some((with, without))) = (kind.in_a_sentence(), compare(tally)) {
            sentences.push(mood_sentence(name, "other days", with, without));
        }
    }
    sentences
}

fn mood_sentence(what: &str, others: &str, with: MoodLevel, without: MoodLevel) -> String {
    let (with_words, without_words) = (with.label(), without.label());
    if with == without {
        format!(
            "On days with {what}, your mood was {with_words} on average, about the same as on {others}."
        )
    } else {
        format!(
            "On days with {what}, your mood was {with_words} on average; on {others} it was {without_words}."
        )
    }
}

/// The Monday of the local week that instant `at` falls in: the week a session logged at `at` belongs to.
pub fn week_containing(at: Timestamp, zone: &(impl UtcOffset + ?Sized)) -> LocalDate {
    local_date(at, zone).monday_of_week()
}

/// "1 minute", "3 days": a count with the right word.
fn count_words(count: u32, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

#[cfg(test)]
mod repeat_tests {
    use super::*;

    #[test]
    fn repeat_choices_are_the_recent_different_sessions() {
        let day = LocalDate::new(2026, 11, 21).unwrap();
        let session = |kind, minutes| Session {
            kind,
            custom_name: String::new(),
            minutes,
            intensity: Intensity::Moderate,
            date: day,
        };
        let log = [
            session(ActivityKind::Walking, 20),
            session(ActivityKind::Walking, 20),
            session(ActivityKind::Cycling, 30),
            session(ActivityKind::Walking, 10),
            session(ActivityKind::Swimming, 40),
        ];
        let choices = repeat_choices(&log, 3);
        let kinds: Vec<(ActivityKind, u16)> = choices.iter().map(|s| (s.kind, s.minutes)).collect();
        assert_eq!(
            kinds,
            [
                (ActivityKind::Walking, 20),
                (ActivityKind::Cycling, 30),
                (ActivityKind::Walking, 10)
            ]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::EuropeLondon;
    use crate::calendar::{FixedOffset, Weekday};
    use crate::mood_trends::{MoodDays, MoodPoint};
    use proptest::prelude::*;

    const MINUTE: i64 = 60_000;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;

    fn date(text: &str) -> LocalDate {
        LocalDate::parse(text).unwrap()
    }

    fn session(kind: ActivityKind, minutes: u16, intensity: Intensity, on: &str) -> Session {
        Session::new(kind, minutes, intensity, date(on))
    }

    fn walk(minutes: u16, on: &str) -> Session {
        session(ActivityKind::Walking, minutes, Intensity::Moderate, on)
    }

    fn refs(sessions: &[Session]) -> Vec<&Session> {
        sessions.iter().collect()
    }

    fn goal(activity: Option<ActivityKind>, target: Target, start: &str) -> Goal {
        Goal::new(activity, target, date(start))
    }

    fn stepping(base: u16, per_week: u16, ceiling: u16, start: &str) -> Goal {
        Goal {
            step_up: Some(StepUp { per_week, ceiling }),
            ..goal(None, Target::MinutesPerWeek(base), start)
        }
    }

    // 2026-03-02, 2026-03-09, … are Mondays.
    const MONDAY: &str = "2026-03-02";

    #[test]
    fn labels_and_talk_test_words() {
        let labels: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(
            labels,
            [
                "Walking",
                "Running",
                "Cycling",
                "Swimming",
                "Dancing",
                "Gardening",
                "Strength",
                "Yoga or stretching",
                "Chair-based exercise",
                "Other"
            ]
        );
        assert_eq!(
            Intensity::ALL.map(Intensity::talk_test),
            [
                "Moving, but breathing normally.",
                "Breathing faster, can still talk but not sing.",
                "Breathing hard, cannot say more than a few words without pausing.",
            ]
        );
        assert_eq!(
            Intensity::ALL.map(Intensity::label),
            ["Light", "Moderate", "Vigorous"]
        );
        assert_eq!(GoalStatus::Paused.label(), "Paused");
        assert_eq!(
            serde_json::to_string(&ActivityKind::YogaOrStretching).unwrap(),
            r#""yoga_or_stretching""#
        );
        assert_eq!(
            serde_json::to_string(&Target::MinutesPerWeek(150)).unwrap(),
            r#"{"unit":"minutes_per_week","amount":150}"#
        );
    }

    #[test]
    fn session_names() {
        let mut other = session(ActivityKind::Other, 20, Intensity::Light, MONDAY);
        assert_eq!(other.name(), "Other");
        other.set_custom_name("Tai chi");
        assert_eq!(other.name(), "Tai chi");
        other.set_custom_name(&"x".repeat(50));
        assert_eq!(other.custom_name.chars().count(), CUSTOM_NAME_MAX_CHARS);
        let mut walking = walk(10, MONDAY);
        walking.custom_name = "Tai chi".into();
        assert_eq!(walking.name(), "Walking");
        assert_eq!(
            Session::new(ActivityKind::Running, 0, Intensity::Vigorous, date(MONDAY)).minutes,
            1
        );
        assert_eq!(
            Session::new(
                ActivityKind::Running,
                2000,
                Intensity::Vigorous,
                date(MONDAY)
            )
            .minutes,
            1440
        );
    }

    #[test]
    fn typed_minutes() {
        assert_eq!(parse_minutes(" 20 "), Ok(20));
        assert_eq!(parse_minutes("1440"), Ok(1440));
        assert_eq!(parse_minutes("0"), Err(MinutesError::TooFew));
        assert_eq!(parse_minutes("1441"), Err(MinutesError::TooMany));
        assert_eq!(parse_minutes("99999999999999"), Err(MinutesError::TooMany));
        assert_eq!(parse_minutes("-5"), Err(MinutesError::NotANumber));
        assert_eq!(parse_minutes("ten"), Err(MinutesError::NotANumber));
        assert_eq!(parse_minutes(""), Err(MinutesError::NotANumber));
    }

    fn session_json(minutes: u32, name: &str) -> String {
        format!(
            r#"{{"kind":"other","custom_name":"{name}","minutes":{minutes},"intensity":"light","date":"2026-03-02"}}"#
        )
    }

    #[test]
    fn stored_sessions_are_checked() {
        assert!(serde_json::from_str::<Session>(&session_json(1, "")).is_ok());
        assert!(serde_json::from_str::<Session>(&session_json(1440, &"a".repeat(40))).is_ok());
        assert!(serde_json::from_str::<Session>(&session_json(0, "")).is_err());
        assert!(serde_json::from_str::<Session>(&session_json(1441, "")).is_err());
        assert!(serde_json::from_str::<Session>(&session_json(20, &"a".repeat(41))).is_err());
        // Characters, not bytes.
        assert!(serde_json::from_str::<Session>(&session_json(20, &"é".repeat(40))).is_ok());
        let stored = walk(30, MONDAY);
        let text = serde_json::to_string(&stored).unwrap();
        assert_eq!(serde_json::from_str::<Session>(&text).unwrap(), stored);
    }

    #[test]
    fn stored_goals_are_checked() {
        let mut good = stepping(60, 10, 150, MONDAY);
        good.set_why("To feel stronger.");
        let value = serde_json::to_value(&good).unwrap();
        assert_eq!(serde_json::from_value::<Goal>(value.clone()).unwrap(), good);

        let with = |field: &str, replacement: serde_json::Value| {
            let mut changed = value.clone();
            changed[field] = replacement;
            serde_json::from_value::<Goal>(changed)
        };
        assert!(with("why", "a".repeat(500).into()).is_ok());
        assert!(with("why", "a".repeat(501).into()).is_err());
        assert!(
            with(
                "target",
                serde_json::json!({"unit": "days_per_week", "amount": 7})
            )
            .is_ok()
        );
        assert!(
            with(
                "target",
                serde_json::json!({"unit": "days_per_week", "amount": 8})
            )
            .is_err()
        );
        assert!(
            with(
                "target",
                serde_json::json!({"unit": "minutes_per_week", "amount": 0})
            )
            .is_err()
        );
        assert!(with("step_up", serde_json::Value::Null).is_ok());
        assert!(with("step_up", serde_json::json!({"per_week": 5, "ceiling": 0})).is_err());

        let mut long = good.clone();
        long.set_why(&"b".repeat(600));
        assert_eq!(long.why.chars().count(), WHY_MAX_CHARS);
    }

    #[test]
    fn target_words_and_amounts() {
        assert_eq!(Target::MinutesPerWeek(150).unit_words(150), "150 minutes");
        assert_eq!(Target::MinutesPerWeek(150).unit_words(1), "1 minute");
        assert_eq!(Target::SessionsPerWeek(3).unit_words(1), "1 session");
        assert_eq!(Target::SessionsPerWeek(3).unit_words(0), "0 sessions");
        assert_eq!(Target::DaysPerWeek(3).unit_words(3), "3 days");
        assert_eq!(Target::DaysPerWeek(3).amount(), 3);
        assert_eq!(
            Target::DaysPerWeek(3).with_amount(5),
            Target::DaysPerWeek(5)
        );
        assert_eq!(
            Target::DaysPerWeek(3).with_amount(9),
            Target::DaysPerWeek(7)
        );
        assert_eq!(
            Target::DaysPerWeek(3).with_amount(0),
            Target::DaysPerWeek(1)
        );
        assert_eq!(
            Target::SessionsPerWeek(3).with_amount(300),
            Target::SessionsPerWeek(255)
        );
        assert_eq!(
            Target::MinutesPerWeek(3).with_amount(300),
            Target::MinutesPerWeek(300)
        );
        assert_eq!(
            Target::MinutesPerWeek(3).with_amount(u16::MAX),
            Target::MinutesPerWeek(10_080)
        );
    }

    #[test]
    fn a_goal_in_a_summary_counts_only_the_weeks_since_it_started() {
        let sessions = [walk(150, "2026-03-23")];
        let walking = goal(None, Target::MinutesPerWeek(150), "2026-03-25");
        // Set in the range's last week: one week, met, not "1 of 4".
        let range = goal_in_range(&walking, &refs(&sessions), date(MONDAY), date("2026-03-26"));
        assert_eq!(range, GoalInRange { met: 1, weeks: 1 });
        assert_eq!(range.words(), "Met in 1 of 1 week.");
        // Started before the range: the whole range counts.
        let earlier = goal(None, Target::MinutesPerWeek(150), "2026-01-01");
        let range = goal_in_range(&earlier, &refs(&sessions), date(MONDAY), date("2026-03-26"));
        assert_eq!(range, GoalInRange { met: 1, weeks: 4 });
        assert_eq!(range.words(), "Met in 1 of 4 weeks.");
        // Starts after the range.
        let later = goal(None, Target::MinutesPerWeek(150), "2026-04-10");
        let range = goal_in_range(&later, &refs(&sessions), date(MONDAY), date("2026-03-26"));
        assert_eq!(range, GoalInRange { met: 0, weeks: 0 });
        assert_eq!(range.words(), "Starts after these dates.");
    }

    #[test]
    fn summary_weeks_start_with_the_first_session_or_goal() {
        let (from, to) = (date("2026-01-05"), date("2026-03-26"));
        let sessions = [walk(20, "2026-03-10"), walk(20, "2025-12-01")];
        // The session before the range does not count; the one in it does.
        assert_eq!(
            summary_weeks(&[], &refs(&sessions), from, to),
            [date("2026-03-09"), date("2026-03-16"), date("2026-03-23")]
        );
        // A goal set earlier in the range starts the rows.
        assert_eq!(
            summary_weeks(&[date("2026-02-25")], &refs(&sessions), from, to).first(),
            Some(&date("2026-02-23"))
        );
        // A goal from before the range: the whole range.
        assert_eq!(
            summary_weeks(&[date("2025-06-01")], &[], from, to).len(),
            12
        );
        // Nothing at all, or only a goal that starts later: no rows.
        assert!(summary_weeks(&[], &[], from, to).is_empty());
        assert!(summary_weeks(&[date("2026-04-01")], &[], from, to).is_empty());
    }

    #[test]
    fn titles_and_reviews() {
        assert_eq!(
            goal(
                Some(ActivityKind::Walking),
                Target::MinutesPerWeek(10),
                MONDAY
            )
            .title(),
            "Walking: 10 minutes a week"
        );
        assert_eq!(
            goal(None, Target::DaysPerWeek(3), MONDAY).title(),
            "Any activity: 3 days a week"
        );
        assert_eq!(
            goal(Some(ActivityKind::Strength), Target::DaysPerWeek(2), MONDAY).title(),
            "Strength: 2 days a week"
        );
        assert_eq!(
            goal(None, Target::SessionsPerWeek(1), MONDAY).title(),
            "Any activity: 1 session a week"
        );
        assert_eq!(
            stepping(60, 10, 150, MONDAY).title(),
            "Any activity: 60 minutes a week, building up to 150"
        );

        let mut reviewed = goal(None, Target::DaysPerWeek(3), MONDAY);
        assert!(!reviewed.review_due(date("2030-01-01")));
        reviewed.review = Some(date("2026-04-01"));
        assert!(!reviewed.review_due(date("2026-03-31")));
        assert!(reviewed.review_due(date("2026-04-01")));
        assert!(reviewed.review_due(date("2026-04-02")));
        reviewed.status = GoalStatus::Paused;
        assert!(reviewed.review_due(date("2026-04-02")));
        for status in [GoalStatus::Finished, GoalStatus::Archived] {
            reviewed.status = status;
            assert!(!reviewed.review_due(date("2026-04-02")));
        }
    }

    #[test]
    fn starters_start_small() {
        let start = date(MONDAY);
        let all = starters(start);
        assert!(all.len() >= 3);
        let find = |title: &str| &all.iter().find(|s| s.title == title).unwrap().goal;
        let walk = find("A 10-minute walk most days");
        assert_eq!(
            (walk.activity, walk.target),
            (Some(ActivityKind::Walking), Target::DaysPerWeek(5))
        );
        let build = find("Build up to 150 minutes a week");
        assert_eq!(
            (build.activity, build.target),
            (None, Target::MinutesPerWeek(60))
        );
        assert_eq!(
            build.step_up,
            Some(StepUp {
                per_week: 10,
                ceiling: 150
            })
        );
        let strength = find("Strength on 2 days a week");
        assert_eq!(
            (strength.activity, strength.target),
            (Some(ActivityKind::Strength), Target::DaysPerWeek(2))
        );
        for starter in &all {
            assert_eq!(starter.goal.status, GoalStatus::Active);
            assert_eq!(starter.goal.review, None);
            assert_eq!(starter.goal.start, start);
            assert!(starter.goal.why.is_empty());
            assert!(!starter.description.is_empty());
            // Every starter survives being stored.
            let text = serde_json::to_string(&starter.goal).unwrap();
            assert_eq!(&serde_json::from_str::<Goal>(&text).unwrap(), &starter.goal);
        }
    }

    #[test]
    fn step_up_targets() {
        // Starts on a Wednesday: its week is the one of Monday 2 March.
        let goal = stepping(60, 10, 150, "2026-03-04");
        let week = |n: i32| goal.target_for_week(date(MONDAY).add_days(7 * n));
        assert_eq!(week(0), 60, "first week: the base");
        assert_eq!(week(1), 70);
        assert_eq!(week(2), 80);
        assert_eq!(week(8), 140);
        assert_eq!(week(9), 150);
        assert_eq!(week(10), 150, "never above the ceiling");
        assert_eq!(week(500), 150);
        assert_eq!(week(-1), 60, "before the start week: the base");
        assert_eq!(week(-100), 60);
        // Any day of a week gives that week's target.
        assert_eq!(goal.target_for_week(date("2026-03-15")), 70);
        // No step-up: always the base.
        let flat = Goal::new(None, Target::MinutesPerWeek(60), date(MONDAY));
        assert_eq!(flat.target_for_week(date("2027-01-04")), 60);
        // Days never step above 7.
        let days = Goal {
            step_up: Some(StepUp {
                per_week: 1,
                ceiling: 10,
            }),
            ..Goal::new(None, Target::DaysPerWeek(5), date(MONDAY))
        };
        assert_eq!(days.target_for_week(date("2026-03-09")), 6);
        assert_eq!(days.target_for_week(date("2026-03-30")), 7);
    }

    #[test]
    fn progress_in_each_unit_with_activity_filters() {
        let sessions = vec![
            walk(20, "2026-03-02"),
            walk(15, "2026-03-02"),
            session(ActivityKind::Cycling, 40, Intensity::Vigorous, "2026-03-04"),
            walk(10, "2026-03-08"),
            // Outside the week on both sides.
            walk(99, "2026-03-01"),
            walk(99, "2026-03-09"),
        ];
        let sessions = refs(&sessions);
        let monday = date(MONDAY);
        let check = |activity, target: Target, done, met| {
            let goal = goal(activity, target, "2026-01-05");
            let progress = week_progress(&goal, &sessions, monday);
            assert_eq!(
                progress,
                WeekProgress {
                    monday,
                    done,
                    target: target.amount(),
                    met
                },
                "{activity:?} {target:?}"
            );
        };
        let walking = Some(ActivityKind::Walking);
        check(None, Target::MinutesPerWeek(85), 85, true);
        check(None, Target::MinutesPerWeek(86), 85, false);
        check(walking, Target::MinutesPerWeek(45), 45, true);
        check(
            Some(ActivityKind::Swimming),
            Target::MinutesPerWeek(10),
            0,
            false,
        );
        check(None, Target::SessionsPerWeek(4), 4, true);
        check(walking, Target::SessionsPerWeek(4), 3, false);
        check(None, Target::DaysPerWeek(3), 3, true);
        check(walking, Target::DaysPerWeek(3), 2, false);
        check(Some(ActivityKind::Cycling), Target::DaysPerWeek(1), 1, true);
        // Any day of the week finds the same week.
        let any = goal(None, Target::MinutesPerWeek(85), MONDAY);
        assert_eq!(
            week_progress(&any, &sessions, date("2026-03-08")).monday,
            monday
        );
    }

    fn words_on(today: &str, done_minutes: u16) -> String {
        let sessions = vec![walk(done_minutes, "2026-03-02")];
        let goal = goal(None, Target::MinutesPerWeek(150), MONDAY);
        let progress = week_progress(&goal, &refs(&sessions), date(MONDAY));
        progress_words(&goal, &progress, date(today))
    }

    #[test]
    fn days_left_count_today() {
        assert_eq!(date("2026-03-02").weekday(), Weekday::Monday);
        assert_eq!(
            words_on("2026-03-02", 90),
            "90 of 150 minutes. 60 minutes to go, 7 days left."
        );
        assert_eq!(
            words_on("2026-03-06", 90),
            "90 of 150 minutes. 60 minutes to go, 3 days left."
        );
        assert_eq!(
            words_on("2026-03-08", 149),
            "149 of 150 minutes. 1 minute to go, 1 day left."
        );
    }

    #[test]
    fn done_and_past_week_words() {
        assert_eq!(
            words_on("2026-03-06", 160),
            "Done: 160 of 150 minutes this week. Well done."
        );
        assert_eq!(
            words_on("2026-03-06", 150),
            "Done: 150 of 150 minutes this week. Well done."
        );
        assert_eq!(words_on("2026-03-09", 90), "90 of 150 minutes.");
        assert_eq!(words_on("2026-04-20", 160), "Done: 160 of 150 minutes.");

        let goal = goal(None, Target::SessionsPerWeek(1), MONDAY);
        let progress = week_progress(&goal, &[], date(MONDAY));
        assert_eq!(
            progress_words(&goal, &progress, date("2026-03-07")),
            "0 of 1 session. 1 session to go, 2 days left."
        );
        // A days goal that can no longer be met this week says so gently.
        let days = self::goal(None, Target::DaysPerWeek(5), MONDAY);
        let progress = week_progress(&days, &[], date(MONDAY));
        assert_eq!(
            progress_words(&days, &progress, date("2026-03-06")),
            "0 of 5 days. 3 days left this week. Any activity helps."
        );
        assert_eq!(
            progress_words(&days, &progress, date("2026-03-02")),
            "0 of 5 days. 5 days to go, 7 days left."
        );
    }

    #[test]
    fn missed_weeks_get_kind_words() {
        let week = |done, target| WeekProgress {
            monday: date(MONDAY),
            done,
            target,
            met: done >= target,
        };
        assert_eq!(
            missed_week_words(&week(0, 150)),
            "That week did not go to plan, and that is okay. Any activity helps."
        );
        assert!(missed_week_words(&week(30, 150)).contains("that counts"));
        assert!(missed_week_words(&week(150, 150)).contains("Well done"));
        for words in [week(0, 1), week(1, 2), week(2, 2)]
            .iter()
            .map(missed_week_words)
        {
            assert!(
                !words.contains("fail") && !words.contains("only") && !words.contains("should")
            );
        }
    }

    /// A walk of `minutes` on the Wednesday of each week `n` weeks after Monday 2 March.
    fn walks(weeks: &[(i32, u16)]) -> Vec<Session> {
        weeks
            .iter()
            .map(|&(n, minutes)| {
                Session::new(
                    ActivityKind::Walking,
                    minutes,
                    Intensity::Light,
                    date("2026-03-04").add_days(7 * n),
                )
            })
            .collect()
    }

    #[test]
    fn streaks() {
        let goal = goal(None, Target::MinutesPerWeek(30), MONDAY);
        let today = |n: i32| date("2026-03-06").add_days(7 * n); // a Friday
        // Weeks 0, 1, 2 met; 3 missed; 4, 5 met; week 6 (this week) not yet.
        let sessions = walks(&[
            (0, 30),
            (1, 45),
            (2, 30),
            (3, 10),
            (4, 30),
            (5, 60),
            (6, 20),
        ]);
        let sessions = refs(&sessions);
        assert_eq!(
            weeks_met_in_a_row(&goal, &sessions, today(6)),
            2,
            "ends with last week; the gap breaks it"
        );
        assert_eq!(
            weeks_met_in_a_row(&goal, &sessions, today(5)),
            2,
            "this week already met counts"
        );
        assert_eq!(weeks_met_in_a_row(&goal, &sessions, today(4)), 1);
        assert_eq!(
            weeks_met_in_a_row(&goal, &sessions, today(3)),
            3,
            "this week not met yet: from last week"
        );
        assert_eq!(weeks_met_in_a_row(&goal, &sessions, today(2)), 3);
        assert_eq!(
            weeks_met_in_a_row(&goal, &sessions, today(8)),
            0,
            "last week had nothing"
        );
        let mut more = sessions.clone();
        let extra = walks(&[(6, 10)]);
        more.push(&extra[0]);
        assert_eq!(
            weeks_met_in_a_row(&goal, &more, today(6)),
            3,
            "this week now met"
        );

        // Weeks before the goal started do not count.
        let later = self::goal(None, Target::MinutesPerWeek(30), "2026-03-18");
        assert_eq!(weeks_met_in_a_row(&later, &sessions, today(2)), 1);
        assert_eq!(weeks_met_in_a_row(&later, &[], today(2)), 0);
    }

    #[test]
    fn weekly_history_is_newest_first_and_limited() {
        let goal = stepping(20, 10, 40, "2026-03-04");
        let sessions = walks(&[(0, 20), (1, 25), (2, 40), (-1, 50)]);
        let sessions = refs(&sessions);
        let today = date("2026-03-24"); // week 3
        let history = weekly_history(&goal, &sessions, today, 10);
        let mondays: Vec<String> = history.iter().map(|w| w.monday.to_string()).collect();
        assert_eq!(
            mondays,
            ["2026-03-23", "2026-03-16", "2026-03-09", "2026-03-02"]
        );
        let summary: Vec<(u16, u16, bool)> =
            history.iter().map(|w| (w.done, w.target, w.met)).collect();
        assert_eq!(
            summary,
            [
                (0, 40, false),
                (40, 40, true),
                (25, 30, false),
                (20, 20, true)
            ]
        );
        for week in &history {
            assert_eq!(*week, week_progress(&goal, &sessions, week.monday));
        }
        assert_eq!(weekly_history(&goal, &sessions, today, 2), history[..2]);
        assert!(weekly_history(&goal, &sessions, today, 0).is_empty());
        assert!(weekly_history(&goal, &sessions, date("2026-03-01"), 10).is_empty());
        assert_eq!(
            weekly_history(&goal, &sessions, date("2026-03-08"), 10).len(),
            1
        );
    }

    #[test]
    fn guideline_maths() {
        let sessions = vec![
            session(ActivityKind::Walking, 60, Intensity::Light, "2026-03-02"),
            session(ActivityKind::Cycling, 50, Intensity::Moderate, "2026-03-03"),
            session(ActivityKind::Running, 20, Intensity::Vigorous, "2026-03-04"),
            session(
                ActivityKind::Strength,
                15,
                Intensity::Moderate,
                "2026-03-05",
            ),
            session(
                ActivityKind::Strength,
                15,
                Intensity::Vigorous,
                "2026-03-05",
            ),
            // Next week.
            session(
                ActivityKind::Strength,
                30,
                Intensity::Vigorous,
                "2026-03-09",
            ),
        ];
        let week = guideline_week(&refs(&sessions), date(MONDAY));
        assert_eq!(
            week,
            GuidelineWeek {
                light: 60,
                moderate: 65,
                vigorous: 35,
                moderate_equivalent: 135,
                strength_days: 1
            }
        );
        assert_eq!(
            guideline_words(&week),
            [
                "Moderate activity: 135 of the 150 minutes a week in the UK guideline.",
                "A vigorous minute counts as two, so your 35 vigorous minutes counted as 70.",
                "Your 60 minutes of light activity did not count towards the 150, but any activity helps.",
                "Strength: 1 of the 2 days a week in the guideline.",
                "The guideline is where many people head over time. It is not a test to pass.",
            ]
        );

        let reached = GuidelineWeek {
            light: 0,
            moderate: 0,
            vigorous: 75,
            moderate_equivalent: 150,
            strength_days: 2,
        };
        assert_eq!(
            guideline_words(&reached),
            [
                "Moderate activity: 150 minutes. That reaches the 150 minutes a week in the UK guideline.",
                "A vigorous minute counts as two, so your 75 vigorous minutes counted as 150.",
                "Strength: 2 days. That reaches the 2 days a week in the guideline.",
                "The guideline is where many people head over time. It is not a test to pass.",
            ]
        );
        let empty = guideline_week(&[], date(MONDAY));
        assert_eq!(empty.moderate_equivalent, 0);
        assert_eq!(
            guideline_words(&empty)[1],
            "A vigorous minute counts as two."
        );
    }

    /// Mood check-ins at noon UTC: `scores[i]` on the day `i` days after Monday 2 March.
    fn mood_days(scores: &[u8]) -> MoodDays {
        let points: Vec<MoodPoint> = scores
            .iter()
            .enumerate()
            .map(|(i, &score)| MoodPoint {
                at: Timestamp(
                    i64::from(date(MONDAY).add_days(i as i32).day_number()) * DAY + 12 * HOUR,
                ),
                mood: MoodLevel::ALL[usize::from(score) - 1],
                tags: &[],
            })
            .collect();
        MoodDays::build(&points, |p| Some(*p), &FixedOffset(0))
    }

    /// A session on each of the first `count` days after Monday 2 March.
    fn active_days(kind: ActivityKind, count: i32) -> Vec<Session> {
        (0..count)
            .map(|i| Session::new(kind, 20, Intensity::Moderate, date(MONDAY).add_days(i)))
            .collect()
    }

    #[test]
    fn activity_and_mood_needs_five_days_each_side() {
        assert_eq!(MIN_DAYS_FOR_ACTIVITY_INSIGHT, 5);
        let walking = active_days(ActivityKind::Walking, 5);
        // Active days first: Good; then other days: Okay.
        let ten = mood_days(&[4, 4, 4, 4, 4, 3, 3, 3, 3, 3]);
        assert_eq!(
            activity_and_mood(&refs(&walking), ten.days()),
            [
                "On days with any activity, your mood was Good on average; on days without it was Okay."
            ]
        );
        // 4 active days: not enough.
        assert!(activity_and_mood(&refs(&walking[..4]), ten.days()).is_empty());
        // 4 days without: not enough.
        let nine = mood_days(&[4, 4, 4, 4, 4, 3, 3, 3, 3]);
        assert!(activity_and_mood(&refs(&walking), nine.days()).is_empty());
        // Sessions on days without check-ins do not count as days.
        let far = vec![walk(10, "2027-01-01")];
        assert!(activity_and_mood(&refs(&far), ten.days()).is_empty());
        assert!(activity_and_mood(&[], &[]).is_empty());
        let steady = mood_days(&[3; 10]);
        assert_eq!(
            activity_and_mood(&refs(&walking), steady.days()),
            [
                "On days with any activity, your mood was Okay on average, about the same as on days without."
            ]
        );
    }

    #[test]
    fn activity_and_mood_by_kind() {
        // 12 days: walking on days 0–5, dancing on days 0–2 only; 6 days without activity.
        let mut sessions = active_days(ActivityKind::Walking, 6);
        sessions.extend(active_days(ActivityKind::Dancing, 3));
        sessions.extend(
            active_days(ActivityKind::Strength, 5)
                .into_iter()
                .map(|mut s| {
                    s.date = s.date.add_days(2); // strength on days 2–6
                    s
                }),
        );
        let days = mood_days(&[5, 5, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3]);
        let sentences = activity_and_mood(&refs(&sessions), days.days());
        assert_eq!(
            sentences,
            [
                // Days 0–6 against 7–11: (5+5+4+4+3+3+3) / 7 = 3.86.
                "On days with any activity, your mood was Good on average; on days without it was Okay.",
                // Walking (days 0–5) is a different set of days, so it is said on its own: 4 against 3.
                "On days with walking, your mood was Good on average; on other days it was Okay.",
                // Strength, days 2–6: 3.4 against 3.57, so Okay against Good.
                "On days with strength activity, your mood was Okay on average; on other days it was Good.",
            ]
        );
        // Check-ins are averaged, not days: one very good day with many check-ins weighs more.
        let heavy_points: Vec<MoodPoint> = (0..10)
            .flat_map(|i| {
                let at =
                    Timestamp(i64::from(date(MONDAY).add_days(i).day_number()) * DAY + 12 * HOUR);
                let repeats = if i == 0 { 20 } else { 1 };
                let score = if i == 0 { 5 } else { 2 };
                std::iter::repeat_n(
                    MoodPoint {
                        at,
                        mood: MoodLevel::ALL[score - 1],
                        tags: &[],
                    },
                    repeats,
                )
            })
            .collect();
        let heavy = MoodDays::build(&heavy_points, |p| Some(*p), &FixedOffset(0));
        let five = active_days(ActivityKind::Other, 5);
        assert_eq!(
            activity_and_mood(&refs(&five), heavy.days()),
            // (20 × 5 + 4 × 2) / 24 = 4.5, rounded up to Very good; Other is not compared on its own.
            [
                "On days with any activity, your mood was Very good on average; on days without it was Low."
            ]
        );
    }

    /// An instant given by its UTC date and time.
    fn utc(on: &str, hour: i64, minute: i64) -> Timestamp {
        Timestamp(i64::from(date(on).day_number()) * DAY + hour * HOUR + minute * MINUTE)
    }

    /// Logs a session "now" in UK time and checks which week it counts in.
    fn logged_now_lands_in(now: Timestamp, local_day: &str, monday: &str) {
        let zone = EuropeLondon;
        let today = local_date(now, &zone);
        assert_eq!(today, date(local_day), "{now:?}");
        assert_eq!(week_containing(now, &zone), date(monday));
        let sessions = [Session::new(
            ActivityKind::Walking,
            30,
            Intensity::Moderate,
            today,
        )];
        let goal = goal(None, Target::MinutesPerWeek(30), "2026-01-05");
        let monday = date(monday);
        for (week, expected) in [
            (monday.add_days(-7), 0),
            (monday, 30),
            (monday.add_days(7), 0),
        ] {
            assert_eq!(
                week_progress(&goal, &refs(&sessions), week).done,
                expected,
                "{now:?} in week of {week}"
            );
        }
        assert_eq!(guideline_week(&refs(&sessions), monday).moderate, 30);
    }

    #[test]
    fn weeks_change_at_local_midnight_around_the_spring_clock_change() {
        // Clocks go forward at 01:00 UTC on Sunday 29 March 2026.
        // The Sunday before, in GMT: local time is UTC.
        logged_now_lands_in(utc("2026-03-22", 23, 30), "2026-03-22", "2026-03-16");
        logged_now_lands_in(utc("2026-03-23", 0, 30), "2026-03-23", "2026-03-23");
        // The change night itself: 00:30 GMT and 03:30 BST on Sunday are both Sunday.
        logged_now_lands_in(utc("2026-03-29", 0, 30), "2026-03-29", "2026-03-23");
        logged_now_lands_in(utc("2026-03-29", 2, 30), "2026-03-29", "2026-03-23");
        // 23:30 BST on Sunday is 22:30 UTC; 00:30 BST on Monday is 23:30 UTC on Sunday, yet it is next week.
        logged_now_lands_in(utc("2026-03-29", 22, 30), "2026-03-29", "2026-03-23");
        logged_now_lands_in(utc("2026-03-29", 23, 30), "2026-03-30", "2026-03-30");
    }

    #[test]
    fn weeks_change_at_local_midnight_around_the_autumn_clock_change() {
        // Clocks go back at 01:00 UTC on Sunday 25 October 2026.
        // The Sunday before, in BST: 00:30 on Monday 19 October is 23:30 UTC on Sunday 18th.
        logged_now_lands_in(utc("2026-10-18", 22, 30), "2026-10-18", "2026-10-12");
        logged_now_lands_in(utc("2026-10-18", 23, 30), "2026-10-19", "2026-10-19");
        // The change night: 01:30 happens twice (BST, then GMT), both on Sunday 25th.
        logged_now_lands_in(utc("2026-10-25", 0, 30), "2026-10-25", "2026-10-19");
        logged_now_lands_in(utc("2026-10-25", 1, 30), "2026-10-25", "2026-10-19");
        // 23:30 GMT on Sunday and 00:30 GMT on Monday.
        logged_now_lands_in(utc("2026-10-25", 23, 30), "2026-10-25", "2026-10-19");
        logged_now_lands_in(utc("2026-10-26", 0, 30), "2026-10-26", "2026-10-26");
    }

    fn arbitrary_sessions() -> impl Strategy<Value = Vec<Session>> {
        // About ten weeks from Monday 2 March 2026, a few kinds, any intensity.
        proptest::collection::vec(
            (0usize..4, 1u16..=MAX_SESSION_MINUTES, 0usize..3, 0i32..70),
            0..60,
        )
        .prop_map(|raw| {
            raw.into_iter()
                .map(|(kind, minutes, intensity, day)| {
                    let kind = [
                        ActivityKind::Walking,
                        ActivityKind::Strength,
                        ActivityKind::Other,
                        ActivityKind::Dancing,
                    ][kind];
                    Session::new(
                        kind,
                        minutes,
                        Intensity::ALL[intensity],
                        date(MONDAY).add_days(day),
                    )
                })
                .collect()
        })
    }

    fn arbitrary_goal() -> impl Strategy<Value = Goal> {
        (
            prop_oneof![
                Just(None),
                Just(Some(ActivityKind::Walking)),
                Just(Some(ActivityKind::Strength))
            ],
            0usize..3,
            1u16..=400,
            proptest::option::of((0u16..50, 1u16..=2000)),
            -20i32..80,
        )
            .prop_map(|(activity, unit, amount, step, start)| {
                let target = [
                    Target::MinutesPerWeek(1),
                    Target::SessionsPerWeek(1),
                    Target::DaysPerWeek(1),
                ][unit]
                    .with_amount(amount);
                Goal {
                    step_up: step.map(|(per_week, ceiling)| StepUp { per_week, ceiling }),
                    ..Goal::new(activity, target, date(MONDAY).add_days(start))
                }
            })
    }

    proptest! {
        #[test]
        fn done_never_exceeds_the_sum_over_all_sessions(goal in arbitrary_goal(), sessions in arbitrary_sessions(), week in 0i32..12) {
            let sessions = refs(&sessions);
            let progress = week_progress(&goal, &sessions, date(MONDAY).add_days(7 * week));
            let all = match goal.target {
                Target::MinutesPerWeek(_) => sessions.iter().map(|s| u32::from(s.minutes)).sum::<u32>(),
                Target::SessionsPerWeek(_) => sessions.len() as u32,
                Target::DaysPerWeek(_) => sessions.iter().map(|s| s.date).collect::<BTreeSet<_>>().len() as u32,
            };
            prop_assert!(u32::from(progress.done) <= all);
            if matches!(goal.target, Target::DaysPerWeek(_)) {
                prop_assert!(progress.done <= 7);
            }
            prop_assert_eq!(progress.met, progress.done >= progress.target);
        }

        #[test]
        fn progress_only_grows_as_sessions_are_added(goal in arbitrary_goal(), sessions in arbitrary_sessions(), week in 0i32..12) {
            let monday = date(MONDAY).add_days(7 * week);
            let mut before = week_progress(&goal, &[], monday);
            for count in 1..=sessions.len() {
                let now = week_progress(&goal, &refs(&sessions[..count]), monday);
                prop_assert!(now.done >= before.done);
                prop_assert!(now.met || !before.met);
                prop_assert_eq!(now.target, before.target);
                before = now;
            }
        }

        #[test]
        fn targets_never_go_down_or_above_the_ceiling(goal in arbitrary_goal(), weeks in 1i32..200) {
            let mut previous = goal.target_for_week(date(MONDAY).add_days(-7 * 30));
            for week in -29..weeks {
                let target = goal.target_for_week(date(MONDAY).add_days(7 * week));
                prop_assert!(target >= previous, "week {week}: {target} after {previous}");
                prop_assert!(target <= goal.target.max_amount());
                if let Some(step) = goal.step_up {
                    prop_assert!(target <= step.ceiling);
                }
                previous = target;
            }
        }

        #[test]
        fn history_and_streaks_agree_with_week_progress(goal in arbitrary_goal(), sessions in arbitrary_sessions(), today in 0i32..90, limit in 0usize..20) {
            let sessions = refs(&sessions);
            let today = date(MONDAY).add_days(today);
            let history = weekly_history(&goal, &sessions, today, limit);
            prop_assert!(history.len() <= limit);
            prop_assert!(history.windows(2).all(|w| w[0].monday.days_since(w[1].monday) == 7));
            for week in &history {
                prop_assert_eq!(*week, week_progress(&goal, &sessions, week.monday));
                prop_assert!(week.monday >= goal.start.monday_of_week());
            }
            let streak = weeks_met_in_a_row(&goal, &sessions, today);
            let full = weekly_history(&goal, &sessions, today, usize::MAX);
            let skip = usize::from(full.first().is_some_and(|w| !w.met));
            let expected = full.iter().skip(skip).take_while(|w| w.met).count() as u32;
            prop_assert_eq!(streak, expected);
        }
    }
}
