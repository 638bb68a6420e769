//! Reminders as calendar files (`.ics`, RFC 5545) that the person adds to their phone's own calendar.
//!
//! A web app cannot schedule notifications while it is closed and offline, but the phone's calendar can: so Waymark
//! offers a file with a repeating event, and the calendar does the reminding. Nothing leaves the device.
//!
//! Events use floating local time (`DTSTART:20261122T090000`, no `Z` and no `TZID`), so "9:00 every day" stays at
//! 9:00 on the phone's clock through clock changes and travel. Every file is strictly valid: CRLF line ends, lines
//! folded at 75 octets without splitting a UTF-8 character, and TEXT values escaped.

use crate::calendar::{self, FixedOffset, LocalDate};
use crate::record::{RecordId, Timestamp};

/// The longest line RFC 5545 allows, in octets, not counting the CRLF.
const MAX_LINE_OCTETS: usize = 75;

/// A daily reminder to check in, at `hour:minute` local time from `first_day` on.
///
/// `uid` identifies the reminder: offering a new file with the same `uid` updates the event rather than adding a
/// second one. Hours above 23 and minutes above 59 are treated as 23 and 59.
pub fn daily_check_in(
    uid: &RecordId,
    now: Timestamp,
    first_day: LocalDate,
    hour: u8,
    minute: u8,
) -> String {
    let mut file = Calendar::new();
    file.repeating_event(&RepeatingEvent {
        uid,
        now,
        first_day,
        hour,
        minute,
        rule: "FREQ=DAILY",
        summary: "Waymark: how are you feeling?",
        description: "A moment to check in with how you are feeling. Open Waymark and tap how you are \
                      right now.",
    });
    file.finish()
}

/// A monthly reminder to answer the PHQ-9 and GAD-7, at `hour:minute` local time from `first_day` on.
///
/// Not every month has a 29th, 30th or 31st, and calendars skip months without the day; so a `first_day` after the
/// 28th moves to the 1st of the next month, and the reminder comes every month.
pub fn monthly_questionnaire(
    uid: &RecordId,
    now: Timestamp,
    first_day: LocalDate,
    hour: u8,
    minute: u8,
) -> String {
    let first_day = if first_day.day() > 28 {
        let days_left = i32::from(calendar::days_in_month(first_day.year(), first_day.month()))
            - i32::from(first_day.day());
        first_day.add_days(days_left + 1)
    } else {
        first_day
    };
    let mut file = Calendar::new();
    file.repeating_event(&RepeatingEvent {
        uid,
        now,
        first_day,
        hour,
        minute,
        rule: "FREQ=MONTHLY",
        summary: "Waymark: PHQ-9 and GAD-7 check-in",
        description: "Time for your monthly PHQ-9 and GAD-7 in Waymark. It takes about five minutes, and \
                      you can share the scores with your therapist if you want to.",
    });
    file.finish()
}

/// One all-day event for each goal review date, with a reminder at 9:00 that morning.
///
/// Each item is the goal's id (the event's UID, so a new file updates rather than doubles the event), the goal in
/// the person's words, and the review date.
pub fn goal_reviews(items: &[(RecordId, String, LocalDate)], now: Timestamp) -> String {
    let mut file = Calendar::new();
    for (uid, title, date) in items {
        let summary = format!("Waymark: review your goal: {title}");
        file.line("BEGIN:VEVENT");
        file.line(&format!("UID:{uid}"));
        file.line(&format!("DTSTAMP:{}", utc_stamp(now)));
        file.line(&format!("DTSTART;VALUE=DATE:{}", date_value(*date)));
        file.line(&format!(
            "DTEND;VALUE=DATE:{}",
            date_value(date.add_days(1))
        ));
        file.line(&format!("SUMMARY:{}", escape_text(&summary)));
        file.line(&format!(
            "DESCRIPTION:{}",
            escape_text(&format!(
                "Time to look at how your goal is going: {title}. Open Waymark to see your weeks, \
                 and keep, change or finish the goal."
            ))
        ));
        file.line("TRANSP:TRANSPARENT");
        file.alarm("PT9H", &summary);
        file.line("END:VEVENT");
    }
    file.finish()
}

/// What a repeating reminder needs.
struct RepeatingEvent<'a> {
    uid: &'a RecordId,
    now: Timestamp,
    first_day: LocalDate,
    hour: u8,
    minute: u8,
    rule: &'a str,
    summary: &'a str,
    description: &'a str,
}

/// A VCALENDAR being written, one content line at a time.
struct Calendar {
    text: String,
}

impl Calendar {
    fn new() -> Calendar {
        let mut file = Calendar {
            text: String::new(),
        };
        for line in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Waymark//Waymark reminders//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ] {
            file.line(line);
        }
        file
    }

    /// Appends one content line, folded at 75 octets.
    fn line(&mut self, line: &str) {
        fold_into(&mut self.text, line);
    }

    fn repeating_event(&mut self, event: &RepeatingEvent<'_>) {
        let (hour, minute) = (event.hour.min(23), event.minute.min(59));
        self.line("BEGIN:VEVENT");
        self.line(&format!("UID:{}", event.uid));
        self.line(&format!("DTSTAMP:{}", utc_stamp(event.now)));
        self.line(&format!(
            "DTSTART:{}T{hour:02}{minute:02}00",
            date_value(event.first_day)
        ));
        self.line("DURATION:PT5M");
        self.line(&format!("RRULE:{}", event.rule));
        self.line(&format!("SUMMARY:{}", escape_text(event.summary)));
        self.line(&format!("DESCRIPTION:{}", escape_text(event.description)));
        self.line("TRANSP:TRANSPARENT");
        self.alarm("PT0M", event.summary);
        self.line("END:VEVENT");
    }

    fn alarm(&mut self, trigger: &str, description: &str) {
        self.line("BEGIN:VALARM");
        self.line("ACTION:DISPLAY");
        self.line(&format!("DESCRIPTION:{}", escape_text(description)));
        self.line(&format!("TRIGGER:{trigger}"));
        self.line("END:VALARM");
    }

    fn finish(mut self) -> String {
        self.line("END:VCALENDAR");
        self.text
    }
}

/// `20261122`, the form of an RFC 5545 DATE.
fn date_value(date: LocalDate) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// `20261121T140500Z`, an RFC 5545 DATE-TIME in UTC.
fn utc_stamp(at: Timestamp) -> String {
    let date = calendar::local_date(at, &FixedOffset(0));
    let minutes = calendar::local_minutes_of_day(at, &FixedOffset(0));
    let seconds = at.0.rem_euclid(60_000) / 1000;
    format!(
        "{}T{:02}{:02}{seconds:02}Z",
        date_value(date),
        minutes / 60,
        minutes % 60
    )
}

/// Escapes a TEXT value: backslash, semicolon and comma get a backslash, line breaks become `\n`, and other control
/// characters (which TEXT may not hold) are dropped.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` with CRLF, folded so no physical line passes 75 octets: continuation lines start with one space,
/// and a UTF-8 character is never split.
fn fold_into(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(seed: u8) -> RecordId {
        RecordId::from_random_bytes([seed; 16])
    }

    fn date(text: &str) -> LocalDate {
        LocalDate::parse(text).unwrap()
    }

    /// 2026-11-21T14:05:07Z.
    const NOW: Timestamp = Timestamp(1_795_269_907_000);

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    fn assert_well_formed(text: &str) {
        assert!(text.ends_with("\r\n"));
        let body = &text[..text.len() - 2];
        for line in body.split("\r\n") {
            assert!(!line.contains(['\r', '\n']), "bare line break in {line:?}");
            assert!(
                line.len() <= MAX_LINE_OCTETS,
                "{} octets: {line:?}",
                line.len()
            );
            assert!(!line.is_empty());
        }
        let unfolded = unfold(text);
        let lines: Vec<&str> = unfolded.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.first(), Some(&"BEGIN:VCALENDAR"));
        assert_eq!(lines.last(), Some(&"END:VCALENDAR"));
        for required in [
            "VERSION:2.0",
            "PRODID:-//Waymark//Waymark reminders//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ] {
            assert!(lines.contains(&required), "missing {required}");
        }
        // Components nest properly.
        let mut open = Vec::new();
        for line in &lines {
            if let Some(name) = line.strip_prefix("BEGIN:") {
                open.push(name);
            } else if let Some(name) = line.strip_prefix("END:") {
                assert_eq!(open.pop(), Some(name));
            }
        }
        assert!(open.is_empty());
    }

    fn property<'a>(lines: &'a [String], name: &str) -> Vec<&'a str> {
        lines.iter().filter_map(|l| l.strip_prefix(name)).collect()
    }

    fn lines(text: &str) -> Vec<String> {
        unfold(text)
            .trim_end_matches("\r\n")
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn the_stamp_is_utc() {
        assert_eq!(utc_stamp(NOW), "20261121T140507Z");
    }

    #[test]
    fn a_daily_check_in_repeats_at_local_time() {
        let text = daily_check_in(&id(1), NOW, date("2026-11-22"), 9, 0);
        assert_well_formed(&text);
        let lines = lines(&text);
        assert_eq!(property(&lines, "UID:"), [id(1).as_str()]);
        assert_eq!(property(&lines, "DTSTAMP:"), ["20261121T140507Z"]);
        assert_eq!(property(&lines, "DTSTART:"), ["20261122T090000"]);
        assert_eq!(property(&lines, "DURATION:"), ["PT5M"]);
        assert_eq!(property(&lines, "RRULE:"), ["FREQ=DAILY"]);
        assert_eq!(
            property(&lines, "SUMMARY:"),
            ["Waymark: how are you feeling?"]
        );
        assert_eq!(property(&lines, "ACTION:"), ["DISPLAY"]);
        assert_eq!(property(&lines, "TRIGGER:"), ["PT0M"]);
        assert_eq!(property(&lines, "DESCRIPTION:").len(), 2);
        assert_eq!(property(&lines, "BEGIN:VEVENT").len(), 1);
        assert_eq!(property(&lines, "BEGIN:VALARM").len(), 1);
        // Out-of-range times are held to the end of the day.
        let late = daily_check_in(&id(1), NOW, date("2026-11-22"), 30, 75);
        assert!(late.contains("DTSTART:20261122T235900\r\n"));
    }

    #[test]
    fn a_monthly_questionnaire_repeats_every_month() {
        let text = monthly_questionnaire(&id(2), NOW, date("2026-12-01"), 18, 30);
        assert_well_formed(&text);
        let lines = lines(&text);
        assert_eq!(property(&lines, "DTSTART:"), ["20261201T183000"]);
        assert_eq!(property(&lines, "RRULE:"), ["FREQ=MONTHLY"]);
        assert_eq!(
            property(&lines, "SUMMARY:"),
            ["Waymark: PHQ-9 and GAD-7 check-in"]
        );
        let late_in_month = monthly_questionnaire(&id(2), NOW, date("2026-12-30"), 18, 30);
        assert!(late_in_month.contains("DTSTART:20270101T183000\r\n"));
        let late_in_february = monthly_questionnaire(&id(2), NOW, date("2028-02-29"), 8, 0);
        assert!(late_in_february.contains("DTSTART:20280301T080000\r\n"));
    }

    #[test]
    fn goal_reviews_are_all_day_events_with_a_morning_reminder() {
        let title = "Walk 150 minutes a week; with Sam, \\ outside\nand happy".to_owned();
        let text = goal_reviews(
            &[
                (id(3), title, date("2026-12-01")),
                (id(4), "Swim".into(), date("2026-12-31")),
            ],
            NOW,
        );
        assert_well_formed(&text);
        let lines = lines(&text);
        assert_eq!(property(&lines, "BEGIN:VEVENT").len(), 2);
        assert!(property(&lines, "RRULE:").is_empty());
        assert_eq!(
            property(&lines, "DTSTART;VALUE=DATE:"),
            ["20261201", "20261231"]
        );
        assert_eq!(
            property(&lines, "DTEND;VALUE=DATE:"),
            ["20261202", "20270101"]
        );
        assert_eq!(property(&lines, "TRIGGER:"), ["PT9H", "PT9H"]);
        assert_eq!(
            property(&lines, "SUMMARY:")[0],
            "Waymark: review your goal: Walk 150 minutes a week\\; with Sam\\, \\\\ outside\\nand happy"
        );
        assert_eq!(property(&lines, "UID:"), [id(3).as_str(), id(4).as_str()]);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape_text("a,b;c\\d"), "a\\,b\\;c\\\\d");
        assert_eq!(
            escape_text("one\ntwo\r\nthree\rfour"),
            "one\\ntwo\\nthree\\nfour"
        );
        assert_eq!(escape_text("bell\u{7}gone"), "bellgone");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let title = "Jog gently by the river — ☀️ café stop 🏃‍♀️ ".repeat(8);
        let text = goal_reviews(&[(id(5), title.clone(), date("2026-12-01"))], NOW);
        assert_well_formed(&text);
        assert!(text.contains("\r\n "), "long lines are folded");
        let lines = lines(&text);
        assert_eq!(
            property(&lines, "SUMMARY:"),
            [format!("Waymark: review your goal: {}", escape_text(&title)).as_str()]
        );
        // Every octet count, including exactly 75.
        for length in 70..160 {
            let mut out = String::new();
            let line: String = "é".repeat(length / 2) + &"x".repeat(length % 2);
            fold_into(&mut out, &line);
            for physical in out.trim_end_matches("\r\n").split("\r\n") {
                assert!(physical.len() <= MAX_LINE_OCTETS);
            }
            assert_eq!(unfold(&out), format!("{line}\r\n"));
        }
        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
    }
}
