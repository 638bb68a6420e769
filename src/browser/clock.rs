//! The clock and randomness the core asks for, from the browser.

use waymark_core::{RecordId, Timestamp};

/// Now, from the device clock.
pub fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

/// A fresh random record id from the browser's secure random source.
pub fn new_id() -> RecordId {
    RecordId::from_random_bytes(random_bytes())
}

/// 16 bytes from the browser's secure random source (record and change ids).
pub fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let filled = super::crypto::fill_random(&mut bytes).is_ok();
    if !filled {
        // Every browser that runs this app has WebCrypto; this fallback only keeps ids unique, not secret.
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (js_sys::Math::random() * 256.0) as u8 ^ (i as u8);
        }
    }
    bytes
}

/// A time as the person reads it, for example "Saturday 21 November, 14:05".
pub fn format_day_and_time(at: Timestamp) -> String {
    format!("{}, {}", format_day(at), format_time(at))
}

/// A day as the person reads it, for example "Saturday 21 November" (formatted here, not by `Intl`, which is slow
/// to start on an old phone).
pub fn format_day(at: Timestamp) -> String {
    let date = waymark_core::calendar::local_date(at, &BrowserZone);
    format!(
        "{} {} {}",
        date.weekday().name(),
        date.day(),
        month_name(date.month())
    )
}

/// A time of day as the person reads it, for example "14:05".
pub fn format_time(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// The device's time zone, as the core's calendar asks for it.
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserZone;

impl waymark_core::calendar::UtcOffset for BrowserZone {
    fn offset_minutes_at(&self, at: Timestamp) -> i32 {
        // JavaScript gives minutes to add to local time to get UTC, for the zone rules in force at that instant.
        -(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64)).get_timezone_offset()
            as i32)
    }
}

/// Today's date where the person is.
pub fn today() -> waymark_core::calendar::LocalDate {
    waymark_core::calendar::local_date(now(), &BrowserZone)
}

/// A time as `<input type="datetime-local">` shows it: "2026-11-21T14:05", local time.
pub fn to_input_value(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// Reads a `datetime-local` value as local time (the browser applies the zone's rules, clock changes included).
pub fn from_input_value(value: &str) -> Option<Timestamp> {
    let millis = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
    millis.is_finite().then_some(Timestamp(millis as i64))
}

/// A local date in words, for example "Saturday 21 November 2026".
pub fn format_date(date: waymark_core::calendar::LocalDate) -> String {
    format!(
        "{} {} {} {}",
        date.weekday().name(),
        date.day(),
        month_name(date.month()),
        date.year()
    )
}

/// A local date in few words, for example "21 Nov".
pub fn format_short_date(date: waymark_core::calendar::LocalDate) -> String {
    format!("{} {}", date.day(), &month_name(date.month())[..3])
}

fn month_name(month: u8) -> &'static str {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    MONTHS[(month.clamp(1, 12) - 1) as usize]
}
