//! CSV files of a person's records, for a spreadsheet or to share with their therapist.
//!
//! Every file opens correctly in common spreadsheets: UTF-8 with a byte-order mark (so accents and emoji survive),
//! CRLF line ends, and RFC 4180 quoting. Fields that a spreadsheet would run as a formula (starting with `=`, `+`,
//! `-`, `@`, a tab or a carriage return) get a leading `'`, so a note can never run code on the reader's computer.
//!
//! Times are ISO 8601 with the person's local offset at that instant (`2026-07-01T09:30:00+01:00`); numbers come with
//! their words (a mood score and "Good"), so the file reads well both in a chart and to a person. Only live records
//! are written (never tombstones), oldest first.

use crate::activity::{self, Session};
use crate::calendar::{self, UtcOffset};
use crate::questionnaire::QuestionnaireResponse;
use crate::record::{Record, Timestamp};

const BOM: &str = "\u{feff}";
const LINE_END: &str = "\r\n";

/// The instant `at` as ISO 8601 local time with its offset from UTC in `zone`: `2026-07-01T09:30:00+01:00`.
pub fn iso_8601(at: Timestamp, zone: &(impl UtcOffset + ?Sized)) -> String {
    let offset = zone.offset_minutes_at(at);
    let date = calendar::local_date(at, zone);
    let minutes = calendar::local_minutes_of_day(at, zone);
    let seconds = at.0.rem_euclid(60_000) / 1000;
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!(
        "{date}T{:02}:{:02}:{seconds:02}{sign}{:02}:{:02}",
        minutes / 60,
        minutes % 60,
        offset / 60,
        offset % 60
    )
}

/// Check-ins: `id,time,mood_score,mood,tags,note`, tags joined with "; ".
pub fn check_ins_csv(
    records: &[Record<crate::mood::CheckIn>],
    zone: &(impl UtcOffset + ?Sized),
) -> String {
    let mut live: Vec<_> = records.iter().filter(|r| !r.deleted).collect();
    live.sort_by(|a, b| (a.data.at, &a.id).cmp(&(b.data.at, &b.id)));
    let mut csv = Csv::new(&["id", "time", "mood_score", "mood", "tags", "note"]);
    for record in live {
        let check_in = &record.data;
        csv.row([
            record.id.to_string(),
            iso_8601(check_in.at, zone),
            check_in.mood.score().to_string(),
            check_in.mood.label().to_owned(),
            check_in.tags.join("; "),
            check_in.note.clone(),
        ]);
    }
    csv.finish()
}

/// PHQ-9 and GAD-7 answers: `id,time,phq9_total,phq9_severity,gad7_total,gad7_severity,at_caseness,
/// phq9_item_1..9,gad7_item_1..7,difficulty`. Cells are empty where a measure was not answered; `at_caseness`
/// ("yes" or "no") needs both measures from the same occasion.
pub fn questionnaires_csv(
    records: &[Record<QuestionnaireResponse>],
    zone: &(impl UtcOffset + ?Sized),
) -> String {
    let mut header: Vec<String> = [
        "id",
        "time",
        "phq9_total",
        "phq9_severity",
        "gad7_total",
        "gad7_severity",
        "at_caseness",
    ]
    .map(String::from)
    .to_vec();
    header.extend((1..=9).map(|n| format!("phq9_item_{n}")));
    header.extend((1..=7).map(|n| format!("gad7_item_{n}")));
    header.push("difficulty".into());
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut csv = Csv::new(&header);

    let mut live: Vec<_> = records.iter().filter(|r| !r.deleted).collect();
    live.sort_by(|a, b| (a.data.at, &a.id).cmp(&(b.data.at, &b.id)));
    for record in live {
        let response = &record.data;
        let mut row = vec![record.id.to_string(), iso_8601(response.at, zone)];
        match &response.phq9 {
            Some(phq9) => row.extend([phq9.total().to_string(), phq9.severity().label().into()]),
            None => row.extend([String::new(), String::new()]),
        }
        match &response.gad7 {
            Some(gad7) => row.extend([gad7.total().to_string(), gad7.severity().label().into()]),
            None => row.extend([String::new(), String::new()]),
        }
        row.push(match response.pair() {
            Some(pair) if pair.at_caseness() => "yes".into(),
            Some(_) => "no".into(),
            None => String::new(),
        });
        match &response.phq9 {
            Some(phq9) => row.extend(phq9.as_array().iter().map(u8::to_string)),
            None => row.extend(std::iter::repeat_n(String::new(), 9)),
        }
        match &response.gad7 {
            Some(gad7) => row.extend(gad7.as_array().iter().map(u8::to_string)),
            None => row.extend(std::iter::repeat_n(String::new(), 7)),
        }
        row.push(
            response
                .difficulty
                .map(|d| d.label().to_owned())
                .unwrap_or_default(),
        );
        csv.row(row);
    }
    csv.finish()
}

/// Activity sessions: `id,date,activity,minutes,intensity,moderate_equivalent_minutes`, by day (YYYY-MM-DD).
///
/// `moderate_equivalent_minutes` counts the session as the UK guideline does (see
/// [`activity::guideline_week`]): moderate minutes once, vigorous minutes twice, light minutes not at all.
pub fn activity_sessions_csv(records: &[Record<Session>]) -> String {
    let mut live: Vec<_> = records.iter().filter(|r| !r.deleted).collect();
    live.sort_by(|a, b| (a.data.date, a.created, &a.id).cmp(&(b.data.date, b.created, &b.id)));
    let mut csv = Csv::new(&[
        "id",
        "date",
        "activity",
        "minutes",
        "intensity",
        "moderate_equivalent_minutes",
    ]);
    for record in live {
        let session = &record.data;
        let equivalent = activity::guideline_week(&[session], session.date).moderate_equivalent;
        csv.row([
            record.id.to_string(),
            session.date.to_string(),
            session.name(),
            session.minutes.to_string(),
            session.intensity.label().to_owned(),
            equivalent.to_string(),
        ]);
    }
    csv.finish()
}

/// A CSV file being written: a BOM, a header row, then rows, each ending in CRLF.
struct Csv {
    text: String,
}

impl Csv {
    fn new(header: &[&str]) -> Csv {
        let mut csv = Csv {
            text: BOM.to_owned(),
        };
        csv.row(header.iter().copied());
        csv
    }

    fn row<I>(&mut self, fields: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        for (index, field) in fields.into_iter().enumerate() {
            if index > 0 {
                self.text.push(',');
            }
            write_field(&mut self.text, field.as_ref());
        }
        self.text.push_str(LINE_END);
    }

    fn finish(self) -> String {
        self.text
    }
}

/// Appends one field: a leading `'` if a spreadsheet would read it as a formula, then RFC 4180 quoting if needed.
fn write_field(out: &mut String, field: &str) {
    let guard = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = field.contains([',', '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if guard {
        out.push('\'');
    }
    if quote {
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{ActivityKind, Intensity};
    use crate::calendar::{EuropeLondon, FixedOffset, LocalDate};
    use crate::mood::{CheckIn, MoodLevel};
    use crate::questionnaire::{Answers, Difficulty};
    use crate::record::RecordId;

    /// Milliseconds for a UTC date and time.
    fn utc(date: &str, hour: i64, minute: i64) -> Timestamp {
        let day = i64::from(LocalDate::parse(date).unwrap().day_number());
        Timestamp(day * 86_400_000 + (hour * 60 + minute) * 60_000)
    }

    fn field(text: &str) -> String {
        let mut out = String::new();
        write_field(&mut out, text);
        out
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        assert_eq!(field("plain words"), "plain words");
        assert_eq!(field(""), "");
        assert_eq!(field("tired, sad"), "\"tired, sad\"");
        assert_eq!(field("she said \"hi\""), "\"she said \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("two\r\nlines"), "\"two\r\nlines\"");
        assert_eq!(field("café 🌧"), "café 🌧");
    }

    #[test]
    fn formulas_are_never_run() {
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("=1+2"), "'=1+2");
        assert_eq!(field("+44 20"), "'+44 20");
        assert_eq!(field("-felt low"), "'-felt low");
        assert_eq!(field("@home"), "'@home");
        assert_eq!(field("\tindent"), "'\tindent");
        assert_eq!(field("\rreturn"), "\"'\rreturn\"");
        assert_eq!(field("a=b"), "a=b");
    }

    #[test]
    fn files_start_with_a_bom_and_end_lines_with_crlf() {
        let text = check_ins_csv(&[], &EuropeLondon);
        assert_eq!(text, "\u{feff}id,time,mood_score,mood,tags,note\r\n");
        let record = Record::new(
            RecordId::from_random_bytes([1; 16]),
            Timestamp(0),
            CheckIn::new(MoodLevel::Good, Timestamp(0)),
        );
        let text = check_ins_csv(&[record], &FixedOffset(0));
        assert!(text.starts_with(BOM));
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), 2);
        assert_eq!(text.matches('\n').count(), 2);
    }

    #[test]
    fn times_carry_the_local_offset_in_winter_and_summer() {
        assert_eq!(
            iso_8601(utc("2026-11-21", 14, 5), &EuropeLondon),
            "2026-11-21T14:05:00+00:00"
        );
        assert_eq!(
            iso_8601(utc("2026-07-01", 8, 30), &EuropeLondon),
            "2026-07-01T09:30:00+01:00"
        );
        // 23:30 UTC in summer is already the next day in London.
        assert_eq!(
            iso_8601(utc("2026-06-30", 23, 30), &EuropeLondon),
            "2026-07-01T00:30:00+01:00"
        );
        assert_eq!(
            iso_8601(
                Timestamp(utc("2026-01-05", 12, 0).0 + 42_999),
                &FixedOffset(-330)
            ),
            "2026-01-05T06:30:42-05:30"
        );
    }

    #[test]
    fn check_ins_are_live_and_oldest_first_with_numbers_and_words() {
        let make = |seed: u8, at: Timestamp, mood: MoodLevel| {
            Record::new(
                RecordId::from_random_bytes([seed; 16]),
                at,
                CheckIn::new(mood, at),
            )
        };
        let mut later = make(1, utc("2026-07-01", 8, 30), MoodLevel::Good);
        later.data.tags = vec!["calm".into(), "saw people".into()];
        later.data.note = "Walked, then \"tea\"\n=so good".into();
        let earlier = make(2, utc("2026-11-21", 14, 5), MoodLevel::VeryLow);
        let mut deleted = make(3, utc("2026-01-01", 0, 0), MoodLevel::Okay);
        deleted.delete(Timestamp(1));
        let text = check_ins_csv(&[earlier.clone(), deleted, later.clone()], &EuropeLondon);
        let expected = format!(
            "\u{feff}id,time,mood_score,mood,tags,note\r\n\
             {},2026-07-01T09:30:00+01:00,4,Good,calm; saw people,\"Walked, then \"\"tea\"\"\n=so good\"\r\n\
             {},2026-11-21T14:05:00+00:00,1,Very low,,\r\n",
            later.id, earlier.id
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn questionnaires_leave_cells_empty_for_a_missing_measure() {
        let at = utc("2026-11-21", 14, 5);
        let both = Record::new(
            RecordId::from_random_bytes([1; 16]),
            at,
            QuestionnaireResponse {
                at,
                phq9: Some(Answers::new([1, 2, 0, 1, 3, 0, 1, 0, 2]).unwrap()),
                gad7: Some(Answers::new([2, 1, 1, 0, 0, 1, 2]).unwrap()),
                difficulty: Some(Difficulty::SomewhatDifficult),
            },
        );
        let gad7_only = Record::new(
            RecordId::from_random_bytes([2; 16]),
            Timestamp(at.0 + 1),
            QuestionnaireResponse {
                at: Timestamp(at.0 + 1),
                phq9: None,
                gad7: Some(Answers::new([0; 7]).unwrap()),
                difficulty: None,
            },
        );
        let text = questionnaires_csv(&[gad7_only.clone(), both.clone()], &EuropeLondon);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "\u{feff}id,time,phq9_total,phq9_severity,gad7_total,gad7_severity,at_caseness,\
             phq9_item_1,phq9_item_2,phq9_item_3,phq9_item_4,phq9_item_5,phq9_item_6,phq9_item_7,phq9_item_8,\
             phq9_item_9,gad7_item_1,gad7_item_2,gad7_item_3,gad7_item_4,gad7_item_5,gad7_item_6,gad7_item_7,\
             difficulty"
        );
        assert_eq!(
            lines[1],
            format!(
                "{},2026-11-21T14:05:00+00:00,10,moderate,7,mild,yes,1,2,0,1,3,0,1,0,2,2,1,1,0,0,1,2,\
                 Somewhat difficult",
                both.id
            )
        );
        assert_eq!(
            lines[2],
            format!(
                "{},2026-11-21T14:05:00+00:00,,,0,minimal,,,,,,,,,,,0,0,0,0,0,0,0,",
                gad7_only.id
            )
        );
        assert_eq!(lines[3], "");
        assert_eq!(lines.len(), 4);
        let columns = |line: &str| line.split(',').count();
        assert!(lines[..3].iter().all(|l| columns(l) == 24));
    }

    #[test]
    fn sessions_are_by_day_with_guideline_minutes() {
        let day = |text: &str| LocalDate::parse(text).unwrap();
        let make = |seed: u8, session: Session| {
            Record::new(
                RecordId::from_random_bytes([seed; 16]),
                Timestamp(i64::from(seed)),
                session,
            )
        };
        let run = make(
            1,
            Session::new(
                ActivityKind::Running,
                20,
                Intensity::Vigorous,
                day("2026-07-02"),
            ),
        );
        let walk = make(
            2,
            Session::new(
                ActivityKind::Walking,
                30,
                Intensity::Moderate,
                day("2026-07-01"),
            ),
        );
        let mut other = Session::new(ActivityKind::Other, 15, Intensity::Light, day("2026-07-03"));
        other.set_custom_name("=Tidying, \"deep\" clean");
        let other = make(3, other);
        let mut gone = make(
            4,
            Session::new(
                ActivityKind::Swimming,
                40,
                Intensity::Moderate,
                day("2026-07-01"),
            ),
        );
        gone.delete(Timestamp(10));
        let text = activity_sessions_csv(&[run.clone(), other.clone(), gone, walk.clone()]);
        let expected = format!(
            "\u{feff}id,date,activity,minutes,intensity,moderate_equivalent_minutes\r\n\
             {},2026-07-01,Walking,30,Moderate,30\r\n\
             {},2026-07-02,Running,20,Vigorous,40\r\n\
             {},2026-07-03,\"'=Tidying, \"\"deep\"\" clean\",15,Light,0\r\n",
            walk.id, run.id, other.id
        );
        assert_eq!(text, expected);
    }
}
