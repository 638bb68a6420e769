//! Calendar dates in the person's own time zone: days change at local midnight and weeks run Monday to Sunday.
//!
//! Shared by Mood (daily averages, trends) and Activity (weekly goals). The core never reads a clock or a time zone:
//! callers pass the instant (`now`, or a check-in's time) and a [`UtcOffset`] that says how far local time was from UTC
//! at that instant. Asking per instant, rather than once, is what puts a check-in made at 00:30 on a clock-change night
//! on the right day.
//!
//! Dates use the proleptic Gregorian calendar and cover years 0000 to 9999 (what `YYYY-MM-DD` can write); conversions
//! use Howard Hinnant's `days_from_civil` and `civil_from_days` algorithms.

use crate::record::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const MS_PER_MINUTE: i64 = 60_000;
const MS_PER_DAY: i64 = 86_400_000;

/// Day number of 0000-01-01, [`LocalDate::MIN`].
const MIN_DAY_NUMBER: i32 = -719_528;
/// Day number of 9999-12-31, [`LocalDate::MAX`].
const MAX_DAY_NUMBER: i32 = 2_932_896;

/// A day on the calendar, with no time or zone: the day a check-in belongs to, or the Monday a week starts on.
///
/// Always a real date between [`LocalDate::MIN`] and [`LocalDate::MAX`]. Ordered by time. Stored and exported as an
/// ISO 8601 `"YYYY-MM-DD"` string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalDate {
    // Field order matters: the derived `Ord` compares year, then month, then day.
    year: i32,
    month: u8,
    day: u8,
}

/// Text or numbers that are not a date Waymark can hold (a day that does not exist, or a year outside 0000–9999).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a date: {0:?}")]
pub struct InvalidDate(pub String);

/// A day of the week. Weeks start on Monday.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    /// Monday first, the order a week is shown in.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// 0 for Monday up to 6 for Sunday: how many days this is after the start of its week.
    pub fn index(self) -> u8 {
        self as u8
    }

    /// The day's name in English.
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "Monday",
            Weekday::Tuesday => "Tuesday",
            Weekday::Wednesday => "Wednesday",
            Weekday::Thursday => "Thursday",
            Weekday::Friday => "Friday",
            Weekday::Saturday => "Saturday",
            Weekday::Sunday => "Sunday",
        }
    }
}

/// Whether `year` has a 29 February: every fourth year, except centuries not divisible by 400.
pub fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// How many days `month` (1–12) of `year` has; 0 for a month that does not exist.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl LocalDate {
    /// 0000-01-01, the earliest date held.
    pub const MIN: LocalDate = LocalDate {
        year: 0,
        month: 1,
        day: 1,
    };
    /// 9999-12-31, the latest date held.
    pub const MAX: LocalDate = LocalDate {
        year: 9999,
        month: 12,
        day: 31,
    };
    /// 1970-01-01, day number 0.
    pub const EPOCH: LocalDate = LocalDate {
        year: 1970,
        month: 1,
        day: 1,
    };

    /// The date with this year, month (1–12) and day of the month, if it exists and lies in 0000–9999.
    pub fn new(year: i32, month: u8, day: u8) -> Result<LocalDate, InvalidDate> {
        if (0..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month) {
            Ok(LocalDate { year, month, day })
        } else {
            Err(InvalidDate(format!("{year:04}-{month:02}-{day:02}")))
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    /// 1 (January) to 12 (December).
    pub fn month(self) -> u8 {
        self.month
    }

    /// 1 to 31.
    pub fn day(self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it). Consecutive dates have consecutive numbers.
    pub fn day_number(self) -> i32 {
        // Hinnant's days_from_civil, with March as the first month so the leap day falls at the end of the year.
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400; // 0..=399
        let day_of_year =
            (153 * if month > 2 { month - 3 } else { month + 9 } + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        // In range for i32: every held date is between MIN_DAY_NUMBER and MAX_DAY_NUMBER.
        (era * 146_097 + day_of_era - 719_468) as i32
    }

    /// The date with this day number, or `None` outside 0000-01-01 to 9999-12-31.
    pub fn from_day_number(days: i32) -> Option<LocalDate> {
        (MIN_DAY_NUMBER..=MAX_DAY_NUMBER)
            .contains(&days)
            .then(|| civil_from_days(i64::from(days)))
    }

    /// The date `days` after this one (before it when negative), or `None` past [`LocalDate::MIN`] or
    /// [`LocalDate::MAX`].
    pub fn checked_add_days(self, days: i32) -> Option<LocalDate> {
        LocalDate::from_day_number(self.day_number().checked_add(days)?)
    }

    /// The date `days` after this one (before it when negative), stopping at [`LocalDate::MIN`] or
    /// [`LocalDate::MAX`] rather than failing: far beyond any date a person will log.
    pub fn add_days(self, days: i32) -> LocalDate {
        clamped_from_day_number(i64::from(self.day_number()) + i64::from(days))
    }

    /// How many days after `earlier` this date is (negative when it is before).
    pub fn days_since(self, earlier: LocalDate) -> i32 {
        self.day_number() - earlier.day_number()
    }

    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday, index 3 counting from Monday.
        let index = (i64::from(self.day_number()) + 3).rem_euclid(7);
        Weekday::ALL[index as usize]
    }

    /// The Monday that starts this date's week (the date itself on a Monday). Weeks run Monday to Sunday.
    /// Stops at [`LocalDate::MIN`] in the first days of year 0000, which has no Monday before it.
    pub fn monday_of_week(self) -> LocalDate {
        self.add_days(-i32::from(self.weekday().index()))
    }

    /// Reads a strict ISO 8601 calendar date, `YYYY-MM-DD`, as [`fmt::Display`] writes it.
    pub fn parse(text: &str) -> Result<LocalDate, InvalidDate> {
        let invalid = || InvalidDate(text.chars().take(32).collect());
        let bytes = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes.get(range)?.iter().try_fold(0u32, |n, &b| {
                b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
            })
        };
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(invalid());
        }
        match (digits(0..4), digits(5..7), digits(8..10)) {
            (Some(year), Some(month), Some(day)) => {
                // Each fits: at most 9999, 99 and 99.
                LocalDate::new(year as i32, month as u8, day as u8).map_err(|_| invalid())
            }
            _ => Err(invalid()),
        }
    }
}

/// Hinnant's civil_from_days, for a day number already known to be in range.
fn civil_from_days(days: i64) -> LocalDate {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097; // 0..=146096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    LocalDate {
        year: year as i32,
        month: month as u8,
        day: day as u8,
    }
}

fn clamped_from_day_number(days: i64) -> LocalDate {
    civil_from_days(days.clamp(i64::from(MIN_DAY_NUMBER), i64::from(MAX_DAY_NUMBER)))
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for LocalDate {
    type Err = InvalidDate;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        LocalDate::parse(text)
    }
}

impl TryFrom<String> for LocalDate {
    type Error = InvalidDate;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        LocalDate::parse(&text)
    }
}

impl From<LocalDate> for String {
    fn from(date: LocalDate) -> String {
        date.to_string()
    }
}

/// How far local time is from UTC at a given instant: the person's time zone, supplied by the caller.
///
/// In the browser, implement it with `-new Date(at).getTimezoneOffset()` (JavaScript's offset has the opposite sign),
/// building the `Date` at the instant asked about rather than at `now`, so that winter check-ins use winter time.
pub trait UtcOffset {
    /// Minutes to add to UTC to get local time at `at`: 0 in UK winter, +60 in British Summer Time, -300 in New York
    /// in winter.
    fn offset_minutes_at(&self, at: Timestamp) -> i32;
}

impl<Z: UtcOffset + ?Sized> UtcOffset for &Z {
    fn offset_minutes_at(&self, at: Timestamp) -> i32 {
        (**self).offset_minutes_at(at)
    }
}

/// A zone that is always the same number of minutes from UTC (`FixedOffset(0)` is UTC itself).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FixedOffset(pub i32);

impl UtcOffset for FixedOffset {
    fn offset_minutes_at(&self, _at: Timestamp) -> i32 {
        self.0
    }
}

/// UK time: GMT in winter, British Summer Time (+60) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the
/// last Sunday of October.
///
/// This is the rule in force since 1996, applied to every year. It is for tests (here and in Activity) and as a
/// fallback when the device cannot say; the app should prefer the device's own zone, since people travel and move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EuropeLondon;

impl UtcOffset for EuropeLondon {
    fn offset_minutes_at(&self, at: Timestamp) -> i32 {
        let year = clamped_from_day_number(at.0.div_euclid(MS_PER_DAY)).year;
        let change =
            |month: u8| i64::from(last_sunday(year, month)) * MS_PER_DAY + 60 * MS_PER_MINUTE;
        if (change(3)..change(10)).contains(&at.0) {
            60
        } else {
            0
        }
    }
}

/// Day number of the last Sunday of a month.
fn last_sunday(year: i32, month: u8) -> i32 {
    let last = LocalDate {
        year,
        month,
        day: days_in_month(year, month),
    };
    last.day_number() - (i32::from(last.weekday().index()) + 1) % 7
}

/// Milliseconds since the epoch on the local wall clock, as if local time were UTC.
fn local_ms(at: Timestamp, zone: &(impl UtcOffset + ?Sized)) -> i64 {
    at.0.saturating_add(i64::from(zone.offset_minutes_at(at)) * MS_PER_MINUTE)
}

/// The local calendar date at instant `at` in `zone`: the day a check-in or an activity belongs to.
///
/// Instants beyond the years 0000–9999 give [`LocalDate::MIN`] or [`LocalDate::MAX`].
pub fn local_date(at: Timestamp, zone: &(impl UtcOffset + ?Sized)) -> LocalDate {
    clamped_from_day_number(local_ms(at, zone).div_euclid(MS_PER_DAY))
}

/// Minutes since local midnight at instant `at` in `zone`, 0 to 1439: for "morning" or "evening" and for showing
/// the time of a check-in.
pub fn local_minutes_of_day(at: Timestamp, zone: &(impl UtcOffset + ?Sized)) -> u16 {
    // 0..=1439, so it fits.
    (local_ms(at, zone).rem_euclid(MS_PER_DAY) / MS_PER_MINUTE) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(text: &str) -> LocalDate {
        LocalDate::parse(text).unwrap()
    }

    /// Milliseconds for a UTC date and time.
    fn utc(text: &str, hour: i64, minute: i64) -> Timestamp {
        Timestamp(
            i64::from(date(text).day_number()) * MS_PER_DAY + (hour * 60 + minute) * MS_PER_MINUTE,
        )
    }

    #[test]
    fn day_numbers_across_the_epoch() {
        assert_eq!(LocalDate::EPOCH.day_number(), 0);
        assert_eq!(date("1970-01-02").day_number(), 1);
        assert_eq!(date("1969-12-31").day_number(), -1);
        assert_eq!(date("1969-01-01").day_number(), -365);
        assert_eq!(date("2000-01-01").day_number(), 10_957);
        assert_eq!(date("2026-03-29").day_number(), 20_541);
        assert_eq!(LocalDate::MIN.day_number(), MIN_DAY_NUMBER);
        assert_eq!(LocalDate::MAX.day_number(), MAX_DAY_NUMBER);
        assert_eq!(LocalDate::from_day_number(-1), Some(date("1969-12-31")));
        assert_eq!(LocalDate::from_day_number(MIN_DAY_NUMBER - 1), None);
        assert_eq!(LocalDate::from_day_number(MAX_DAY_NUMBER + 1), None);
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(1900));
        assert!(is_leap_year(2000));
        assert!(!is_leap_year(2023));
        assert_eq!(date("2024-02-28").add_days(1), date("2024-02-29"));
        assert_eq!(date("2024-02-29").add_days(1), date("2024-03-01"));
        assert_eq!(date("2023-02-28").add_days(1), date("2023-03-01"));
        assert_eq!(date("1900-02-28").add_days(1), date("1900-03-01"));
        assert_eq!(date("2000-02-28").add_days(1), date("2000-02-29"));
        assert!(LocalDate::new(1900, 2, 29).is_err());
        assert!(LocalDate::new(2000, 2, 29).is_ok());
        assert_eq!(date("2025-01-01").days_since(date("2024-01-01")), 366);
        assert_eq!(date("1901-01-01").days_since(date("1900-01-01")), 365);
    }

    #[test]
    fn weekdays_of_known_dates() {
        for (text, weekday) in [
            ("1970-01-01", Weekday::Thursday),
            ("1969-12-31", Weekday::Wednesday),
            ("2000-01-01", Weekday::Saturday),
            ("2024-02-29", Weekday::Thursday),
            ("2026-03-29", Weekday::Sunday),
            ("2026-10-25", Weekday::Sunday),
            ("2026-03-30", Weekday::Monday),
            ("1900-01-01", Weekday::Monday),
            ("0000-01-01", Weekday::Saturday),
        ] {
            assert_eq!(date(text).weekday(), weekday, "{text}");
        }
        assert_eq!(date("2026-03-29").monday_of_week(), date("2026-03-23"));
        assert_eq!(date("2026-03-30").monday_of_week(), date("2026-03-30"));
        assert_eq!(date("2026-01-01").monday_of_week(), date("2025-12-29"));
        assert_eq!(LocalDate::MIN.monday_of_week(), LocalDate::MIN);
    }

    #[test]
    fn adding_days_stops_at_the_ends() {
        assert_eq!(LocalDate::MAX.add_days(1), LocalDate::MAX);
        assert_eq!(LocalDate::MIN.add_days(i32::MIN), LocalDate::MIN);
        assert_eq!(LocalDate::MAX.checked_add_days(1), None);
        assert_eq!(LocalDate::MAX.checked_add_days(i32::MAX), None);
        assert_eq!(
            date("2026-12-31").checked_add_days(1),
            Some(date("2027-01-01"))
        );
    }

    #[test]
    fn parsing_is_strict() {
        for bad in [
            "",
            "2026-1-01",
            "2026-01-1",
            "2026/01/01",
            "2026-13-01",
            "2026-00-10",
            "2026-02-29",
            "2026-04-31",
            "2026-01-00",
            "+2026-01-01",
            "2026-01-01T00:00",
            " 2026-01-01",
            "２０２６-01-01",
        ] {
            assert!(LocalDate::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            LocalDate::new(2026, 3, 9).unwrap().to_string(),
            "2026-03-09"
        );
        assert_eq!(LocalDate::MIN.to_string(), "0000-01-01");
        assert_eq!(
            serde_json::to_string(&date("2024-02-29")).unwrap(),
            r#""2024-02-29""#
        );
        assert_eq!(
            serde_json::from_str::<LocalDate>(r#""2024-02-29""#).unwrap(),
            date("2024-02-29")
        );
        assert!(serde_json::from_str::<LocalDate>(r#""2023-02-29""#).is_err());
    }

    #[test]
    fn london_changes_at_one_in_the_morning_utc() {
        let zone = EuropeLondon;
        assert_eq!(zone.offset_minutes_at(utc("2026-03-29", 0, 59)), 0);
        assert_eq!(zone.offset_minutes_at(utc("2026-03-29", 1, 0)), 60);
        assert_eq!(zone.offset_minutes_at(utc("2026-07-01", 12, 0)), 60);
        assert_eq!(zone.offset_minutes_at(utc("2026-10-25", 0, 59)), 60);
        assert_eq!(zone.offset_minutes_at(utc("2026-10-25", 1, 0)), 0);
        assert_eq!(zone.offset_minutes_at(utc("2026-12-25", 12, 0)), 0);
        // Other years' last Sundays.
        assert_eq!(zone.offset_minutes_at(utc("2024-03-31", 1, 0)), 60);
        assert_eq!(zone.offset_minutes_at(utc("2024-03-30", 23, 0)), 0);
        assert_eq!(zone.offset_minutes_at(utc("2025-10-26", 0, 30)), 60);
        assert_eq!(zone.offset_minutes_at(utc("2025-10-26", 1, 30)), 0);
    }

    /// The local date, minutes and week start at an instant.
    fn in_london(at: Timestamp) -> (String, u16, String) {
        let day = local_date(at, &EuropeLondon);
        (
            day.to_string(),
            local_minutes_of_day(at, &EuropeLondon),
            day.monday_of_week().to_string(),
        )
    }

    #[test]
    fn spring_clock_change_night_2026() {
        // Sunday 29 March 2026: clocks go forward at 01:00 GMT to 02:00 BST.
        let cases = [
            // 23:30 Saturday GMT.
            (
                utc("2026-03-28", 23, 30),
                "2026-03-28",
                23 * 60 + 30,
                "2026-03-23",
            ),
            // 00:30 Sunday GMT, before the change.
            (utc("2026-03-29", 0, 30), "2026-03-29", 30, "2026-03-23"),
            // 02:30 BST, just after it.
            (
                utc("2026-03-29", 1, 30),
                "2026-03-29",
                2 * 60 + 30,
                "2026-03-23",
            ),
            // 23:30 Sunday BST is 22:30 UTC.
            (
                utc("2026-03-29", 22, 30),
                "2026-03-29",
                23 * 60 + 30,
                "2026-03-23",
            ),
            // 00:30 Monday BST is still Sunday in UTC: a new day and a new week locally.
            (utc("2026-03-29", 23, 30), "2026-03-30", 30, "2026-03-30"),
        ];
        for (at, day, minutes, monday) in cases {
            assert_eq!(
                in_london(at),
                (day.to_owned(), minutes, monday.to_owned()),
                "{at:?}"
            );
        }
    }

    #[test]
    fn autumn_clock_change_night_2026() {
        // Sunday 25 October 2026: clocks go back at 02:00 BST to 01:00 GMT.
        let cases = [
            // 23:30 Saturday BST is 22:30 UTC.
            (
                utc("2026-10-24", 22, 30),
                "2026-10-24",
                23 * 60 + 30,
                "2026-10-19",
            ),
            // 00:30 Sunday BST is still Saturday in UTC.
            (utc("2026-10-24", 23, 30), "2026-10-25", 30, "2026-10-19"),
            // 01:30 happens twice: first in BST…
            (utc("2026-10-25", 0, 30), "2026-10-25", 90, "2026-10-19"),
            // …then in GMT.
            (utc("2026-10-25", 1, 30), "2026-10-25", 90, "2026-10-19"),
            // 23:30 Sunday GMT.
            (
                utc("2026-10-25", 23, 30),
                "2026-10-25",
                23 * 60 + 30,
                "2026-10-19",
            ),
            // 00:30 Monday GMT.
            (utc("2026-10-26", 0, 30), "2026-10-26", 30, "2026-10-26"),
        ];
        for (at, day, minutes, monday) in cases {
            assert_eq!(
                in_london(at),
                (day.to_owned(), minutes, monday.to_owned()),
                "{at:?}"
            );
        }
    }

    #[test]
    fn fixed_offsets_and_instants_before_the_epoch() {
        let at = utc("2026-06-01", 23, 30);
        assert_eq!(local_date(at, &FixedOffset(0)), date("2026-06-01"));
        assert_eq!(local_date(at, &FixedOffset(30)), date("2026-06-02"));
        assert_eq!(local_minutes_of_day(at, &FixedOffset(30)), 0);
        assert_eq!(local_date(at, &FixedOffset(-300)), date("2026-06-01"));
        assert_eq!(local_minutes_of_day(at, &FixedOffset(-300)), 18 * 60 + 30);
        assert_eq!(
            local_date(Timestamp(-1), &FixedOffset(0)),
            date("1969-12-31")
        );
        assert_eq!(local_minutes_of_day(Timestamp(-1), &FixedOffset(0)), 1439);
        assert_eq!(
            local_date(Timestamp(i64::MAX), &FixedOffset(600)),
            LocalDate::MAX
        );
        assert_eq!(
            local_date(Timestamp(i64::MIN), &FixedOffset(-600)),
            LocalDate::MIN
        );
        let zone: &dyn UtcOffset = &EuropeLondon;
        assert_eq!(
            local_date(utc("2026-03-29", 23, 30), zone),
            date("2026-03-30")
        );
    }

    proptest! {
        #[test]
        fn day_numbers_round_trip(days in MIN_DAY_NUMBER..=MAX_DAY_NUMBER) {
            let day = LocalDate::from_day_number(days).unwrap();
            prop_assert_eq!(day.day_number(), days);
            prop_assert_eq!(LocalDate::new(day.year(), day.month(), day.day()), Ok(day));
            prop_assert_eq!(LocalDate::parse(&day.to_string()), Ok(day));
            let json = serde_json::to_string(&day).unwrap();
            prop_assert_eq!(serde_json::from_str::<LocalDate>(&json).unwrap(), day);
        }

        #[test]
        fn next_day_follows_and_weekday_advances(days in MIN_DAY_NUMBER..MAX_DAY_NUMBER) {
            let day = LocalDate::from_day_number(days).unwrap();
            let next = day.add_days(1);
            prop_assert!(next > day);
            prop_assert_eq!((day.weekday().index() + 1) % 7, next.weekday().index());
            let follows = (next.year(), next.month(), next.day()) == (day.year(), day.month(), day.day() + 1)
                || (next.day() == 1 && day.day() == days_in_month(day.year(), day.month()));
            prop_assert!(follows);
        }

        #[test]
        fn weeks_start_on_a_monday_within_six_days(days in (MIN_DAY_NUMBER + 2)..=MAX_DAY_NUMBER) {
            let day = LocalDate::from_day_number(days).unwrap();
            let monday = day.monday_of_week();
            prop_assert_eq!(monday.weekday(), Weekday::Monday);
            prop_assert!((0..7).contains(&day.days_since(monday)));
        }

        #[test]
        fn local_date_and_minutes_rebuild_the_local_instant(
            ms in -5_000_000_000_000i64..5_000_000_000_000,
            offset in -720i32..=840,
        ) {
            let zone = FixedOffset(offset);
            let at = Timestamp(ms);
            let day = local_date(at, &zone);
            let minutes = local_minutes_of_day(at, &zone);
            prop_assert!(minutes < 1440);
            let rebuilt = i64::from(day.day_number()) * MS_PER_DAY + i64::from(minutes) * MS_PER_MINUTE;
            let local = ms + i64::from(offset) * MS_PER_MINUTE;
            prop_assert!((0..MS_PER_MINUTE).contains(&(local - rebuilt)));
        }
    }
}
