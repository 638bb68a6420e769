//! Mood over time for the Mood screen: daily averages, trends over a week, a month, 3 months or a year, what tags go
//! with, and the history list, all in plain words.
//!
//! The check-ins are grouped by local date once, in [`MoodDays::build`] (O(n log n) for n check-ins, done again only
//! when the check-ins change). Every question after that is answered from the day summaries without touching the
//! check-ins again, borrowing rather than copying:
//! - [`MoodDays::trend`]: O(log d + r) for d days with check-ins and r days in the range (at most 2 × 365);
//! - [`MoodDays::history_page`]: O(page size);
//! - [`MoodDays::tag_insights`]: O(r + tags on those days + t log t) for t distinct tags.
//!
//! Averages are over check-ins (a day with three check-ins counts three times), kept as whole-number totals so that
//! turning them into words is exact: 3.5 is always "Good".

use crate::calendar::{LocalDate, UtcOffset, local_date};
use crate::mood::MoodLevel;
use crate::record::Timestamp;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::ops::Range;

/// A tag is only compared when at least this many days have it and at least this many days (with check-ins) do not:
/// fewer would read too much into chance.
pub const MIN_DAYS_FOR_TAG_INSIGHT: u32 = 5;

/// What trends need from one check-in. The caller builds these from its records, leaving out deleted ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoodPoint<'a> {
    /// When the person felt this.
    pub at: Timestamp,
    pub mood: MoodLevel,
    /// The tags on the check-in, compared exactly as written. Empty or blank tags are ignored.
    pub tags: &'a [String],
}

/// The mean mood of one or more check-ins, held exactly as a total of scores (1–5) and a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Average {
    total: u64,
    count: u32,
}

impl Average {
    /// The average of these totals, or `None` when there are no check-ins.
    fn of(total: u64, count: u32) -> Option<Average> {
        (count > 0).then_some(Average { total, count })
    }

    /// How many check-ins were averaged (at least 1).
    pub fn count(self) -> u32 {
        self.count
    }

    /// The average score, from 1.0 (very low) to 5.0 (very good), for charts.
    pub fn value(self) -> f32 {
        (self.total as f64 / f64::from(self.count)) as f32
    }

    /// The nearest mood level, halves rounded up: 3.5 is Good, 3.49 is Okay.
    pub fn level(self) -> MoodLevel {
        // round(total / count) with halves up is floor((2 × total + count) / (2 × count)).
        let count = u64::from(self.count);
        let nearest = (2 * self.total + count) / (2 * count);
        let index = nearest.clamp(1, 5) as usize - 1;
        MoodLevel::ALL[index]
    }

    /// The words for the nearest mood level, such as "Good".
    pub fn words(self) -> &'static str {
        self.level().label()
    }

    /// The average over both sets of check-ins together.
    pub fn combine(self, other: Average) -> Average {
        Average {
            total: self.total + other.total,
            count: self.count.saturating_add(other.count),
        }
    }
}

/// One local day that has check-ins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayMood {
    pub date: LocalDate,
    /// The day's average; `average.count()` is how many check-ins it has.
    pub average: Average,
    pub lowest: MoodLevel,
    pub highest: MoodLevel,
}

/// The check-ins grouped by local day, ready for trends, tag insights and history pages.
///
/// Build it when the check-ins or the zone change (in the app, a memo over the check-ins) and ask it questions as
/// often as needed. It owns no check-ins: history refers to them by their position in the slice given to
/// [`MoodDays::build`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoodDays {
    /// Days with check-ins, oldest first.
    days: Vec<DayMood>,
    /// Day `i`'s check-ins are `entries[entry_ends[i - 1]..entry_ends[i]]` (from 0 for the first day).
    entry_ends: Vec<usize>,
    /// Positions in the built-from slice, grouped by day, newest first within each day.
    entries: Vec<usize>,
    /// Day `i`'s tags are `day_tags[tag_ends[i - 1]..tag_ends[i]]` (from 0 for the first day).
    tag_ends: Vec<usize>,
    /// Indices into `tag_names`, sorted and without repeats within each day.
    day_tags: Vec<u32>,
    /// Each distinct tag once.
    tag_names: Vec<String>,
}

/// How many of the last 7 days must have had low moods before Today offers a gentle note (staying-well rule 8 in
/// shared/design/staying-well.md: a product choice, "4 or more of the last 7 days' one-tap moods in the lowest two
/// options").
pub const LOW_DAYS_IN_A_WEEK: usize = 4;

impl MoodDays {
    /// The days among today and the 6 before whose moods averaged Low or Very low (the lowest two options).
    pub fn low_days_in_last_week(&self, today: LocalDate) -> usize {
        let first = today.add_days(-6);
        self.days
            .iter()
            .filter(|d| d.date >= first && d.date <= today)
            .filter(|d| d.average.level() <= MoodLevel::Low)
            .count()
    }

    /// Whether a hard week deserves a gentle note (rule 8): [`LOW_DAYS_IN_A_WEEK`] or more low days in the last 7.
    /// One bad day alone, however many check-ins it has, never counts as a pattern.
    pub fn hard_week(&self, today: LocalDate) -> bool {
        self.low_days_in_last_week(today) >= LOW_DAYS_IN_A_WEEK
    }

    /// Groups check-ins by their local date in `zone`.
    ///
    /// `items` are the caller's records in any order (tombstones included, if convenient); `point` says what each one
    /// contributes, or `None` to leave it out (deleted records). Positions in `items` are what
    /// [`DayGroup::entries`] hold, so the app can pass `collection.all()` and index back into it.
    ///
    /// O(n log n) time for n items (a sort), and O(n) memory built once: one zone lookup per included item.
    pub fn build<'a, T, Z>(
        items: &'a [T],
        mut point: impl FnMut(&'a T) -> Option<MoodPoint<'a>>,
        zone: &Z,
    ) -> MoodDays
    where
        Z: UtcOffset + ?Sized,
    {
        let mut keyed: Vec<(LocalDate, Reverse<Timestamp>, usize, MoodPoint<'a>)> = items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                let p = point(item)?;
                Some((local_date(p.at, zone), Reverse(p.at), index, p))
            })
            .collect();
        // Oldest day first; newest check-in first within a day; position breaks ties, so the order is deterministic.
        keyed.sort_unstable_by_key(|&(date, at, index, _)| (date, at, index));

        let mut built = MoodDays {
            entries: Vec::with_capacity(keyed.len()),
            ..MoodDays::default()
        };
        let mut tag_ids: HashMap<&'a str, u32> = HashMap::new();
        let mut todays_tags: Vec<u32> = Vec::new();
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            let (mut total, mut count) = (0u64, 0u32);
            let (mut lowest, mut highest) = (MoodLevel::VeryGood, MoodLevel::VeryLow);
            todays_tags.clear();
            for &(_, _, index, p) in group {
                total += u64::from(p.mood.score());
                count = count.saturating_add(1);
                lowest = lowest.min(p.mood);
                highest = highest.max(p.mood);
                built.entries.push(index);
                for tag in p.tags.iter().filter(|tag| !tag.trim().is_empty()) {
                    let next_id = built.tag_names.len() as u32;
                    let id = *tag_ids.entry(tag.as_str()).or_insert_with(|| {
                        built.tag_names.push(tag.clone());
                        next_id
                    });
                    todays_tags.push(id);
                }
            }
            todays_tags.sort_unstable();
            todays_tags.dedup();
            built.day_tags.extend_from_slice(&todays_tags);
            built.tag_ends.push(built.day_tags.len());
            built.entry_ends.push(built.entries.len());
            built.days.push(DayMood {
                // `chunk_by` never yields an empty group, so the date is there and the count is at least 1.
                date: group[0].0,
                average: Average { total, count },
                lowest,
                highest,
            });
        }
        built
    }

    /// Every day with check-ins, oldest first.
    pub fn days(&self) -> &[DayMood] {
        &self.days
    }

    /// How many check-ins were grouped.
    pub fn check_in_count(&self) -> usize {
        self.entries.len()
    }

    /// Every distinct tag, once each.
    pub fn tags(&self) -> &[String] {
        &self.tag_names
    }

    /// One day's check-ins, if it has any (for example today's, on the Today screen). O(log d).
    pub fn day(&self, date: LocalDate) -> Option<DayGroup<'_>> {
        let index = self.days.binary_search_by_key(&date, |d| d.date).ok()?;
        Some(self.group(index))
    }

    /// The trend over `range` ending on `today` (the local date now: [`local_date`] of `now`), with the period before
    /// it for comparison.
    pub fn trend(&self, range: TrendRange, today: LocalDate) -> Trend<'_> {
        let first_day = range.first_day(today);
        let previous_last = first_day.add_days(-1);
        let previous_first = range.first_day(previous_last);
        let days = &self.days[self.span(first_day, today)];
        let previous_days = &self.days[self.span(previous_first, previous_last)];
        Trend {
            range,
            first_day,
            last_day: today,
            days,
            average: average_of(days),
            previous_days,
            previous_average: average_of(previous_days),
        }
    }

    /// How mood on days with each tag compares with other days, over `range` ending on `today`. Only tags with at
    /// least [`MIN_DAYS_FOR_TAG_INSIGHT`] days with and without them appear; most-used tags first.
    pub fn tag_insights(&self, range: TrendRange, today: LocalDate) -> Vec<TagInsight<'_>> {
        self.tag_insights_over(self.span(range.first_day(today), today))
    }

    /// [`MoodDays::tag_insights`] over every day with check-ins.
    pub fn tag_insights_all_time(&self) -> Vec<TagInsight<'_>> {
        self.tag_insights_over(0..self.days.len())
    }

    /// One page of the history list: days with check-ins, newest day first, `page_size` days per page, `page`
    /// counting from 0. Past the last page the page is empty. A `page_size` of 0 is taken as 1.
    ///
    /// O(page_size): the groups borrow from `self` and hold positions in the built-from slice, not copies.
    pub fn history_page(&self, page: usize, page_size: usize) -> HistoryPage<'_> {
        let page_size = page_size.max(1);
        let day_count = self.days.len();
        let skip = page.saturating_mul(page_size).min(day_count);
        let take = page_size.min(day_count - skip);
        // The k-th newest day is days[day_count - 1 - k].
        let groups = (skip..skip + take)
            .map(|k| self.group(day_count - 1 - k))
            .collect();
        HistoryPage {
            groups,
            page,
            page_count: day_count.div_ceil(page_size),
        }
    }

    /// Indices of the days from `first` to `last` inclusive.
    fn span(&self, first: LocalDate, last: LocalDate) -> Range<usize> {
        let start = self.days.partition_point(|d| d.date < first);
        let end = self.days.partition_point(|d| d.date <= last).max(start);
        start..end
    }

    fn group(&self, index: usize) -> DayGroup<'_> {
        let start = index.checked_sub(1).map_or(0, |i| self.entry_ends[i]);
        DayGroup {
            day: &self.days[index],
            entries: &self.entries[start..self.entry_ends[index]],
        }
    }

    fn tags_of(&self, index: usize) -> &[u32] {
        let start = index.checked_sub(1).map_or(0, |i| self.tag_ends[i]);
        &self.day_tags[start..self.tag_ends[index]]
    }

    fn tag_insights_over(&self, days: Range<usize>) -> Vec<TagInsight<'_>> {
        #[derive(Clone, Copy, Default)]
        struct Tally {
            days: u32,
            total: u64,
            count: u32,
        }
        let mut with = vec![Tally::default(); self.tag_names.len()];
        let mut all = Tally::default();
        for index in days {
            let average = self.days[index].average;
            all.days += 1;
            all.total += average.total;
            all.count = all.count.saturating_add(average.count);
            for &tag in self.tags_of(index) {
                if let Some(tally) = with.get_mut(tag as usize) {
                    tally.days += 1;
                    tally.total += average.total;
                    tally.count = tally.count.saturating_add(average.count);
                }
            }
        }
        let mut insights: Vec<TagInsight<'_>> = with
            .iter()
            .zip(&self.tag_names)
            .filter_map(|(tally, tag)| {
                let days_without = all.days - tally.days;
                if tally.days < MIN_DAYS_FOR_TAG_INSIGHT || days_without < MIN_DAYS_FOR_TAG_INSIGHT
                {
                    return None;
                }
                Some(TagInsight {
                    tag,
                    days_with: tally.days,
                    with: Average::of(tally.total, tally.count)?,
                    days_without,
                    without: Average::of(all.total - tally.total, all.count - tally.count)?,
                })
            })
            .collect();
        insights.sort_by(|a, b| b.days_with.cmp(&a.days_with).then(a.tag.cmp(b.tag)));
        insights
    }
}

fn average_of(days: &[DayMood]) -> Option<Average> {
    days.iter().map(|d| d.average).reduce(Average::combine)
}

/// How far back a trend looks: the last 7, 30, 91 or 365 local days, today included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrendRange {
    Week,
    Month,
    ThreeMonths,
    Year,
}

impl TrendRange {
    /// Shortest first, the order they are offered in.
    pub const ALL: [TrendRange; 4] = [
        TrendRange::Week,
        TrendRange::Month,
        TrendRange::ThreeMonths,
        TrendRange::Year,
    ];

    /// How many local days the range covers.
    pub fn days(self) -> u16 {
        match self {
            TrendRange::Week => 7,
            TrendRange::Month => 30,
            TrendRange::ThreeMonths => 91,
            TrendRange::Year => 365,
        }
    }

    /// The first day of the range that ends on `last_day`.
    pub fn first_day(self, last_day: LocalDate) -> LocalDate {
        last_day.add_days(1 - i32::from(self.days()))
    }

    /// Words for this period in a sentence: "this week", "over the last 3 months".
    fn this_period(self) -> &'static str {
        match self {
            TrendRange::Week => "this week",
            TrendRange::Month => "this month",
            TrendRange::ThreeMonths => "over the last 3 months",
            TrendRange::Year => "over the last year",
        }
    }

    /// Words for the period before: "the week before".
    fn previous_period(self) -> &'static str {
        match self {
            TrendRange::Week => "the week before",
            TrendRange::Month => "the month before",
            TrendRange::ThreeMonths => "the 3 months before",
            TrendRange::Year => "the year before",
        }
    }

    /// Words for "none in this period": "this week", "in the last 3 months".
    fn within_period(self) -> &'static str {
        match self {
            TrendRange::Week => "this week",
            TrendRange::Month => "this month",
            TrendRange::ThreeMonths => "in the last 3 months",
            TrendRange::Year => "in the last year",
        }
    }
}

/// Whether mood moved between the previous period and this one, judged on the nearest words, not the decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Change {
    Up,
    Down,
    AboutTheSame,
}

/// Mood over one range and the period of the same length just before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trend<'a> {
    pub range: TrendRange,
    pub first_day: LocalDate,
    /// The `today` asked about.
    pub last_day: LocalDate,
    /// Days in the range that have check-ins, oldest first (days without are left out: the chart shows gaps).
    pub days: &'a [DayMood],
    /// Over every check-in in the range; `None` when there are none.
    pub average: Option<Average>,
    /// Days with check-ins in the period before, oldest first.
    pub previous_days: &'a [DayMood],
    pub previous_average: Option<Average>,
}

impl Trend<'_> {
    /// Up, down or about the same as the period before; `None` unless both periods have check-ins.
    pub fn change(&self) -> Option<Change> {
        let (now, before) = (self.average?.level(), self.previous_average?.level());
        Some(match now.cmp(&before) {
            std::cmp::Ordering::Greater => Change::Up,
            std::cmp::Ordering::Less => Change::Down,
            std::cmp::Ordering::Equal => Change::AboutTheSame,
        })
    }

    /// One plain sentence about the trend, such as "Your average this month was Good, up from Okay the month
    /// before."
    pub fn summary(&self) -> String {
        let range = self.range;
        let Some(average) = self.average else {
            return format!("You have no check-ins {} yet.", range.within_period());
        };
        let opening = format!(
            "Your average {} was {}",
            range.this_period(),
            average.words()
        );
        match (self.previous_average, self.change()) {
            (Some(before), Some(Change::Up)) => {
                format!(
                    "{opening}, up from {} {}.",
                    before.words(),
                    range.previous_period()
                )
            }
            (Some(before), Some(Change::Down)) => {
                format!(
                    "{opening}, down from {} {}.",
                    before.words(),
                    range.previous_period()
                )
            }
            (Some(_), _) => format!("{opening}, about the same as {}.", range.previous_period()),
            (None, _) => format!(
                "{opening}. There are no check-ins from {} to compare with.",
                range.previous_period()
            ),
        }
    }
}

/// How mood on days with one tag compares with days without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TagInsight<'a> {
    pub tag: &'a str,
    /// Days with check-ins where at least one check-in has the tag.
    pub days_with: u32,
    /// Over every check-in on those days.
    pub with: Average,
    /// Other days with check-ins.
    pub days_without: u32,
    pub without: Average,
}

impl TagInsight<'_> {
    /// One plain sentence, such as "On days you noted “slept badly”, your mood was Low on average; on other days it
    /// was Okay."
    pub fn sentence(&self) -> String {
        let (with, without) = (self.with.words(), self.without.words());
        if self.with.level() == self.without.level() {
            format!(
                "On days you noted “{}”, your mood was {with} on average, about the same as on other days.",
                self.tag
            )
        } else {
            format!(
                "On days you noted “{}”, your mood was {with} on average; on other days it was {without}.",
                self.tag
            )
        }
    }
}

/// One day in the history list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayGroup<'a> {
    pub day: &'a DayMood,
    /// Positions of the day's check-ins in the slice given to [`MoodDays::build`], newest first.
    pub entries: &'a [usize],
}

/// A page of the history list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryPage<'a> {
    /// Newest day first; at most the page size.
    pub groups: Vec<DayGroup<'a>>,
    /// The page asked for, from 0.
    pub page: usize,
    /// How many pages there are in all (0 with no check-ins).
    pub page_count: usize,
}

impl HistoryPage<'_> {
    /// Whether there are older days after this page ("Show more").
    pub fn has_more(&self) -> bool {
        self.page.saturating_add(1) < self.page_count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{EuropeLondon, FixedOffset};
    use proptest::prelude::*;

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;
    const NO_TAGS: &[String] = &[];

    fn date(text: &str) -> LocalDate {
        LocalDate::parse(text).unwrap()
    }

    /// Noon UTC on a date.
    fn noon(text: &str) -> Timestamp {
        Timestamp(i64::from(date(text).day_number()) * DAY + 12 * HOUR)
    }

    fn level(score: u8) -> MoodLevel {
        MoodLevel::ALL[usize::from(score) - 1]
    }

    fn point(at: Timestamp, score: u8) -> MoodPoint<'static> {
        MoodPoint {
            at,
            mood: level(score),
            tags: NO_TAGS,
        }
    }

    fn build(points: &[MoodPoint<'_>]) -> MoodDays {
        MoodDays::build(points, |p| Some(*p), &FixedOffset(0))
    }

    /// The average of some scores, through the public path.
    fn average(scores: &[u8]) -> Average {
        let points: Vec<MoodPoint> = scores
            .iter()
            .enumerate()
            .map(|(i, &s)| point(Timestamp(noon("2026-01-01").0 + i as i64), s))
            .collect();
        build(&points).days()[0].average
    }

    #[test]
    fn a_hard_week_needs_four_low_days_of_the_last_seven() {
        let today = date("2026-03-10");
        let on = |day: &str, score: u8| point(noon(day), score);
        // Three low days and a good one: not yet.
        let three = [
            on("2026-03-10", 1),
            on("2026-03-09", 2),
            on("2026-03-08", 1),
            on("2026-03-07", 4),
        ];
        assert_eq!(build(&three).low_days_in_last_week(today), 3);
        assert!(!build(&three).hard_week(today));
        // A fourth low day within the seven.
        let mut four = three.to_vec();
        four.push(on("2026-03-04", 1));
        assert!(build(&four).hard_week(today));
        // A low day eight days ago is outside the week.
        let mut old = three.to_vec();
        old.push(on("2026-03-02", 1));
        assert!(!build(&old).hard_week(today));
        // Many low check-ins on one day are one day.
        let one_day: Vec<_> = (0..6)
            .map(|i| point(Timestamp(noon("2026-03-10").0 + i), 1))
            .collect();
        assert!(!build(&one_day).hard_week(today));
        // A day that averages Okay (Very low, then Very good) is not a low day.
        let mixed = [on("2026-03-10", 1), on("2026-03-10", 5)];
        assert_eq!(build(&mixed).low_days_in_last_week(today), 0);
    }

    #[test]
    fn averages_round_half_up_to_words() {
        assert_eq!(average(&[3, 4]).value(), 3.5);
        assert_eq!(average(&[3, 4]).level(), MoodLevel::Good);
        assert_eq!(average(&[3, 4]).words(), "Good");
        assert_eq!(average(&[2, 3]).level(), MoodLevel::Okay);
        assert_eq!(average(&[1, 2]).level(), MoodLevel::Low);
        assert_eq!(average(&[4, 5]).level(), MoodLevel::VeryGood);
        assert_eq!(average(&[3, 3, 4]).level(), MoodLevel::Okay); // 3.33
        assert_eq!(average(&[3, 4, 4]).level(), MoodLevel::Good); // 3.67
        assert_eq!(average(&[1]).level(), MoodLevel::VeryLow);
        assert_eq!(average(&[5, 5]).level(), MoodLevel::VeryGood);
        assert_eq!(average(&[1, 5]).level(), MoodLevel::Okay);
        assert_eq!(average(&[1, 5]).count(), 2);
    }

    #[test]
    fn days_group_by_local_date_and_list_newest_first() {
        // 23:30 UTC on 1 July is 00:30 on 2 July in British Summer Time.
        let late = Timestamp(noon("2026-07-01").0 + 11 * HOUR + HOUR / 2);
        let points = [
            point(noon("2026-07-01"), 2),
            point(late, 4),
            point(Timestamp(noon("2026-07-02").0 + HOUR), 5),
        ];
        let days = MoodDays::build(&points, |p| Some(*p), &EuropeLondon);
        let dates: Vec<String> = days.days().iter().map(|d| d.date.to_string()).collect();
        assert_eq!(dates, ["2026-07-01", "2026-07-02"]);
        let second = days.day(date("2026-07-02")).unwrap();
        assert_eq!(second.entries, [2, 1]);
        assert_eq!(second.day.average.value(), 4.5);
        assert_eq!(
            (second.day.lowest, second.day.highest),
            (level(4), level(5))
        );
        assert!(days.day(date("2026-07-03")).is_none());
    }

    #[test]
    fn left_out_records_are_not_counted() {
        let points = [point(noon("2026-01-01"), 1), point(noon("2026-01-01"), 5)];
        let days = MoodDays::build(
            &points,
            |p| (p.mood != MoodLevel::VeryLow).then_some(*p),
            &FixedOffset(0),
        );
        assert_eq!(days.check_in_count(), 1);
        assert_eq!(days.day(date("2026-01-01")).unwrap().entries, [1]);
        assert_eq!(days.days()[0].average.level(), MoodLevel::VeryGood);
    }

    #[test]
    fn empty_ranges_say_so_kindly() {
        let days = MoodDays::default();
        let today = date("2026-05-10");
        let expected = [
            "You have no check-ins this week yet.",
            "You have no check-ins this month yet.",
            "You have no check-ins in the last 3 months yet.",
            "You have no check-ins in the last year yet.",
        ];
        for (range, expected) in TrendRange::ALL.into_iter().zip(expected) {
            let trend = days.trend(range, today);
            assert!(trend.days.is_empty());
            assert_eq!(trend.average, None);
            assert_eq!(trend.change(), None);
            assert_eq!(trend.summary(), expected);
        }
        // Old check-ins only, and one after today: still nothing in the last week.
        let points = [point(noon("2025-01-01"), 4), point(noon("2026-05-11"), 4)];
        assert_eq!(
            build(&points).trend(TrendRange::Week, today).summary(),
            "You have no check-ins this week yet."
        );
    }

    #[test]
    fn ranges_cover_the_right_days() {
        let today = date("2026-05-10");
        for range in TrendRange::ALL {
            let first = range.first_day(today);
            assert_eq!(today.days_since(first) + 1, i32::from(range.days()));
        }
        // One check-in a day for 30 days up to today.
        let points: Vec<MoodPoint> = (0..30)
            .map(|i| point(noon(&today.add_days(-i).to_string()), 3))
            .collect();
        let days = build(&points);
        let week = days.trend(TrendRange::Week, today);
        assert_eq!(week.first_day, date("2026-05-04"));
        assert_eq!(week.days.len(), 7);
        assert_eq!(week.days[0].date, date("2026-05-04"));
        assert_eq!(week.days[6].date, today);
        assert_eq!(week.previous_days.len(), 7);
        assert_eq!(week.previous_days[6].date, date("2026-05-03"));
        let month = days.trend(TrendRange::Month, today);
        assert_eq!((month.days.len(), month.previous_days.len()), (30, 0));
        assert_eq!(month.average.unwrap().count(), 30);
    }

    #[test]
    fn comparisons_with_the_period_before() {
        let today = date("2026-05-10");
        let at = |days_ago: i32| noon(&today.add_days(-days_ago).to_string());

        // This week Good (4, 4), the week before Okay (3, 3, 3).
        let points = [
            point(at(0), 4),
            point(at(6), 4),
            point(at(7), 3),
            point(at(10), 3),
            point(at(13), 3),
            point(at(14), 1), // three weeks ago: in neither period
        ];
        let days = build(&points);
        let trend = days.trend(TrendRange::Week, today);
        assert_eq!(trend.average.unwrap().count(), 2);
        assert_eq!(trend.previous_average.unwrap().count(), 3);
        assert_eq!(trend.change(), Some(Change::Up));
        assert_eq!(
            trend.summary(),
            "Your average this week was Good, up from Okay the week before."
        );

        let points = [point(at(0), 2), point(at(40), 3)];
        let days = build(&points);
        let trend = days.trend(TrendRange::Month, today);
        assert_eq!(
            trend.summary(),
            "Your average this month was Low, down from Okay the month before."
        );

        // 3.4 and 2.6 are both Okay: about the same, although the numbers differ.
        let points = [
            point(at(0), 3),
            point(at(1), 4),
            point(at(2), 3),
            point(at(3), 3),
            point(at(4), 4),
            point(at(100), 2),
            point(at(101), 3),
            point(at(102), 3),
            point(at(103), 3),
            point(at(104), 2),
        ];
        let days = build(&points);
        let trend = days.trend(TrendRange::ThreeMonths, today);
        assert_eq!(trend.change(), Some(Change::AboutTheSame));
        assert_eq!(
            trend.summary(),
            "Your average over the last 3 months was Okay, about the same as the 3 months before."
        );

        let points = [point(at(0), 5)];
        assert_eq!(
            build(&points).trend(TrendRange::Year, today).summary(),
            "Your average over the last year was Very good. There are no check-ins from the year before to compare \
             with."
        );
        let points = [point(at(0), 4), point(at(400), 2)];
        assert_eq!(
            build(&points).trend(TrendRange::Year, today).summary(),
            "Your average over the last year was Good, up from Low the year before."
        );
    }

    /// `with` days tagged "slept badly" at mood 2 and `without` untagged days at mood 3, ending on `today`.
    fn tagged_days(
        today: LocalDate,
        with: i32,
        without: i32,
    ) -> (Vec<String>, Vec<(Timestamp, u8, bool)>) {
        let tags = vec!["slept badly".to_owned(), "slept badly".to_owned()];
        let mut points = Vec::new();
        for i in 0..with {
            let at = noon(&today.add_days(-i).to_string());
            points.push((at, 2, true));
            // A second, untagged check-in on the same day still makes it a day with the tag.
            points.push((Timestamp(at.0 + HOUR), 2, false));
        }
        for i in with..with + without {
            points.push((noon(&today.add_days(-i).to_string()), 3, false));
        }
        (tags, points)
    }

    fn insights_for(with: i32, without: i32) -> Vec<String> {
        let today = date("2026-05-10");
        let (tags, raw) = tagged_days(today, with, without);
        let points: Vec<MoodPoint> = raw
            .iter()
            .map(|&(at, score, tagged)| MoodPoint {
                at,
                mood: level(score),
                tags: if tagged { &tags } else { NO_TAGS },
            })
            .collect();
        let days = build(&points);
        let in_range: Vec<String> = days
            .tag_insights(TrendRange::Month, today)
            .iter()
            .map(TagInsight::sentence)
            .collect();
        let all_time: Vec<String> = days
            .tag_insights_all_time()
            .iter()
            .map(TagInsight::sentence)
            .collect();
        assert_eq!(in_range, all_time);
        in_range
    }

    #[test]
    fn tag_insights_need_five_days_with_and_without() {
        assert_eq!(MIN_DAYS_FOR_TAG_INSIGHT, 5);
        let sentence = "On days you noted “slept badly”, your mood was Low on average; on other days it was Okay.";
        assert_eq!(insights_for(5, 5), [sentence]);
        assert!(insights_for(4, 5).is_empty());
        assert!(insights_for(5, 4).is_empty());
        assert!(insights_for(4, 20).is_empty());
        assert_eq!(insights_for(20, 5), [sentence]);
    }

    #[test]
    fn tag_insights_count_days_and_check_ins() {
        let today = date("2026-05-10");
        let walk = vec!["walk".to_owned(), " ".to_owned()];
        let mut points = Vec::new();
        for i in 0..12 {
            let at = noon(&today.add_days(-i).to_string());
            let tags: &[String] = if i % 2 == 0 { &walk } else { NO_TAGS };
            points.push(MoodPoint {
                at,
                mood: level(3),
                tags,
            });
        }
        let days = build(&points);
        assert_eq!(days.tags(), ["walk"]);
        let insights = days.tag_insights(TrendRange::Week, today);
        assert!(insights.is_empty(), "only 4 walk days in the last week");
        let insights = days.tag_insights(TrendRange::Month, today);
        assert_eq!(insights.len(), 1);
        let walk = insights[0];
        assert_eq!(
            (walk.tag, walk.days_with, walk.days_without),
            ("walk", 6, 6)
        );
        assert_eq!((walk.with.count(), walk.without.count()), (6, 6));
        assert_eq!(
            walk.sentence(),
            "On days you noted “walk”, your mood was Okay on average, about the same as on other days."
        );
    }

    #[test]
    fn history_pages_newest_first() {
        let points: Vec<MoodPoint> = (1..=7)
            .map(|d| point(noon(&format!("2026-01-0{d}")), 3))
            .collect();
        let days = build(&points);
        let page_dates = |page| -> Vec<u8> {
            days.history_page(page, 3)
                .groups
                .iter()
                .map(|g| g.day.date.day())
                .collect()
        };
        assert_eq!(page_dates(0), [7, 6, 5]);
        assert_eq!(page_dates(1), [4, 3, 2]);
        assert_eq!(page_dates(2), [1]);
        assert!(page_dates(3).is_empty());
        assert!(page_dates(usize::MAX).is_empty());
        let first = days.history_page(0, 3);
        assert_eq!(first.page_count, 3);
        assert!(first.has_more());
        assert!(!days.history_page(2, 3).has_more());
        assert_eq!(first.groups[0].entries, [6]);
        assert_eq!(days.history_page(0, 0).groups.len(), 1);
        let none = MoodDays::default();
        let empty = none.history_page(0, 20);
        assert!(empty.groups.is_empty());
        assert_eq!(empty.page_count, 0);
        assert!(!empty.has_more());
    }

    /// A small deterministic generator, so the big test needs no random source.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    #[test]
    fn five_years_of_check_ins() {
        const COUNT: usize = 5_500;
        let zone = EuropeLondon;
        let start = date("2021-06-01");
        let today = date("2026-05-31");
        let span_days = today.days_since(start) + 1;
        let tags = [
            vec!["slept badly".to_owned()],
            vec!["walk".to_owned(), "friends".to_owned()],
            vec![],
        ];
        let mut rng = Lcg(7);
        let points: Vec<MoodPoint> = (0..COUNT)
            .map(|_| {
                let day = start.add_days(rng.next(span_days as u64) as i32);
                let at = Timestamp(i64::from(day.day_number()) * DAY + rng.next(DAY as u64) as i64);
                let which = rng.next(3) as usize;
                let mood = match which {
                    0 => level(1 + rng.next(3) as u8),
                    _ => level(3 + rng.next(3) as u8),
                };
                MoodPoint {
                    at,
                    mood,
                    tags: &tags[which],
                }
            })
            .collect();
        // One in ten deleted.
        let days = MoodDays::build(&points, |p| (p.at.0 % 10 != 0).then_some(*p), &zone);
        let live: Vec<&MoodPoint> = points.iter().filter(|p| p.at.0 % 10 != 0).collect();
        assert_eq!(days.check_in_count(), live.len());
        let counted: u32 = days.days().iter().map(|d| d.average.count()).sum();
        assert_eq!(counted as usize, live.len());
        assert!(days.days().windows(2).all(|w| w[0].date < w[1].date));
        assert!(days.days().len() > 1_500);

        for range in TrendRange::ALL {
            let trend = days.trend(range, today);
            let first = range.first_day(today);
            let in_range: Vec<u8> = live
                .iter()
                .filter(|p| (first..=today).contains(&local_date(p.at, &zone)))
                .map(|p| p.mood.score())
                .collect();
            let average = trend.average.unwrap();
            assert_eq!(average.count() as usize, in_range.len());
            let total: u32 = in_range.iter().map(|&s| u32::from(s)).sum();
            assert!((average.value() - total as f32 / in_range.len() as f32).abs() < 1e-4);
            assert!(trend.previous_average.is_some());
            assert!(trend.summary().starts_with("Your average "));
        }

        let insights = days.tag_insights_all_time();
        let sentences: Vec<String> = insights.iter().map(TagInsight::sentence).collect();
        assert_eq!(insights.len(), 3, "{sentences:?}");
        let slept = insights.iter().find(|i| i.tag == "slept badly").unwrap();
        assert!(slept.with.value() < slept.without.value());

        let mut seen = 0;
        let mut page = 0;
        loop {
            let this = days.history_page(page, 30);
            seen += this.groups.iter().map(|g| g.entries.len()).sum::<usize>();
            if !this.has_more() {
                break;
            }
            page += 1;
        }
        assert_eq!(seen, live.len());
        assert_eq!(page + 1, days.days().len().div_ceil(30));
    }

    fn arbitrary_points() -> impl Strategy<Value = Vec<(i64, u8, u8, bool)>> {
        // Up to 60 days around the spring clock change, moods 1–5, a subset of three tags, some deleted.
        proptest::collection::vec(
            (
                noon("2026-03-01").0..noon("2026-04-30").0,
                1u8..=5,
                0u8..8,
                any::<bool>(),
            ),
            0..200,
        )
    }

    const TAG_SETS: [&[&str]; 8] = [
        &[],
        &["a"],
        &["b"],
        &["a", "b"],
        &["c"],
        &["a", "c"],
        &["b", "c"],
        &["a", "b", "c"],
    ];

    proptest! {
        #[test]
        fn day_summaries_agree_with_their_check_ins(raw in arbitrary_points(), offset in -720i32..=840, london in any::<bool>()) {
            let tag_sets: Vec<Vec<String>> = TAG_SETS.iter().map(|s| s.iter().map(|t| t.to_string()).collect()).collect();
            let points: Vec<(MoodPoint, bool)> = raw
                .iter()
                .map(|&(at, score, tags, deleted)| (MoodPoint { at: Timestamp(at), mood: level(score), tags: &tag_sets[usize::from(tags)] }, deleted))
                .collect();
            let fixed = FixedOffset(offset);
            let zone: &dyn UtcOffset = if london { &EuropeLondon } else { &fixed };
            let days = MoodDays::build(&points, |(p, deleted)| (!deleted).then_some(*p), zone);
            let live = points.iter().filter(|(_, deleted)| !deleted).count();

            let counted: usize = days.days().iter().map(|d| d.average.count() as usize).sum();
            prop_assert_eq!(counted, live);
            prop_assert_eq!(days.check_in_count(), live);
            for (index, day) in days.days().iter().enumerate() {
                let value = day.average.value();
                prop_assert!((1.0..=5.0).contains(&value));
                prop_assert!(f32::from(day.lowest.score()) <= value && value <= f32::from(day.highest.score()));
                let group = days.group(index);
                let moods: Vec<MoodLevel> = group.entries.iter().map(|&i| points[i].0.mood).collect();
                prop_assert_eq!(Some(&day.lowest), moods.iter().min());
                prop_assert_eq!(Some(&day.highest), moods.iter().max());
                for &i in group.entries {
                    prop_assert!(!points[i].1);
                    prop_assert_eq!(local_date(points[i].0.at, zone), day.date);
                }
                prop_assert!(group.entries.windows(2).all(|w| points[w[0]].0.at >= points[w[1]].0.at));
            }
        }

        #[test]
        fn pages_partition_the_days(raw in arbitrary_points(), page_size in 1usize..12) {
            let points: Vec<MoodPoint> = raw.iter().map(|&(at, score, _, _)| point(Timestamp(at), score)).collect();
            let days = build(&points);
            let newest_first: Vec<LocalDate> = days.days().iter().rev().map(|d| d.date).collect();
            let page_count = days.history_page(0, page_size).page_count;
            let mut paged = Vec::new();
            let mut entries = Vec::new();
            for page in 0..=page_count {
                let this = days.history_page(page, page_size);
                prop_assert_eq!(this.page_count, page_count);
                prop_assert!(this.groups.len() <= page_size);
                if page + 1 < page_count {
                    prop_assert_eq!(this.groups.len(), page_size);
                }
                if page >= page_count {
                    prop_assert!(this.groups.is_empty());
                }
                paged.extend(this.groups.iter().map(|g| g.day.date));
                entries.extend(this.groups.iter().flat_map(|g| g.entries.iter().copied()));
            }
            prop_assert_eq!(paged, newest_first);
            entries.sort_unstable();
            prop_assert_eq!(entries, (0..points.len()).collect::<Vec<_>>());
        }

        #[test]
        fn trend_averages_match_a_direct_count(raw in arbitrary_points(), today_offset in 0i32..60) {
            let points: Vec<MoodPoint> = raw.iter().map(|&(at, score, _, _)| point(Timestamp(at), score)).collect();
            let days = build(&points);
            let today = date("2026-03-01").add_days(today_offset);
            for range in TrendRange::ALL {
                let trend = days.trend(range, today);
                let first = range.first_day(today);
                let scores: Vec<u64> = points
                    .iter()
                    .filter(|p| (first..=today).contains(&local_date(p.at, &FixedOffset(0))))
                    .map(|p| u64::from(p.mood.score()))
                    .collect();
                prop_assert_eq!(trend.average.map_or(0, |a| a.count() as usize), scores.len());
                if let Some(average) = trend.average {
                    prop_assert_eq!(average.total, scores.iter().sum::<u64>());
                }
                prop_assert!(trend.days.iter().all(|d| (first..=today).contains(&d.date)));
                prop_assert!(trend.previous_days.iter().all(|d| d.date < first));
            }
        }
    }
}
