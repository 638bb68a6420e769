//! The clock and randomness the core asks for, from the browser.

use waymark_core::{RecordId, Timestamp};

/// Now, from the device clock.
pub fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

/// A fresh random record id from the browser's secure random source.
pub fn new_id() -> RecordId {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if !filled {
        // Every browser that runs this app has WebCrypto; this fallback only keeps ids unique, not secret.
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = (js_sys::Math::random() * 256.0) as u8 ^ (i as u8);
        }
    }
    RecordId::from_random_bytes(bytes)
}

/// A time as the person reads it, for example "Saturday 21 November, 14:05".
pub fn format_day_and_time(at: Timestamp) -> String {
    format!("{}, {}", format_day(at), format_time(at))
}

/// A day as the person reads it, for example "Saturday 21 November".
pub fn format_day(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    let options = js_sys::Object::new();
    for (key, value) in [("weekday", "long"), ("day", "numeric"), ("month", "long")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date.to_locale_date_string("en-GB", &options))
}

/// A time of day as the person reads it, for example "14:05".
pub fn format_time(at: Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
