//! The hosting service's settings: who runs this copy of Waymark, how to get back in touch with them, their own
//! urgent contacts and where their list of local services lives.
//!
//! A service deploys Waymark for a new area by editing one JSON file served beside the app (`/service-config.json`),
//! never by changing code. The file is untrusted input: [`parse_config`] checks everything in it (size, format,
//! required fields, lengths and every link) and refuses anything it cannot be sure is safe to show. When the file
//! is missing or bad, [`load_or_default`] falls back to [`ServiceConfig::default`], a national setup that invents no
//! local service.
//!
//! Link rules are shared with the services directory: web links must be `https://`, phone links `tel:` with digits,
//! and text links `sms:` with digits and at most one word of message.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only format this version of Waymark reads. A file written for a later format is refused, not guessed at.
pub const FORMAT_VERSION: u32 = 1;
/// The largest settings file read, in bytes (64 KiB): far more than any real file needs.
pub const MAX_CONFIG_BYTES: usize = 64 * 1024;
/// The longest `service_name`, in characters.
pub const SERVICE_NAME_MAX_CHARS: usize = 100;
/// The longest phone number as written out (`phone`), in characters.
pub const PHONE_MAX_CHARS: usize = 40;
/// The longest `hours` text, in characters.
pub const HOURS_MAX_CHARS: usize = 200;
/// The longest urgent contact `name`, in characters.
pub const CONTACT_NAME_MAX_CHARS: usize = 100;
/// The longest urgent contact `when`, in characters.
pub const WHEN_MAX_CHARS: usize = 200;
/// The longest `after_therapy` text, in characters.
pub const AFTER_THERAPY_MAX_CHARS: usize = 2000;
/// The most urgent contacts a service can add (Help now should stay short enough to read in a hurry).
pub const MAX_URGENT_CONTACTS: usize = 8;
/// The longest link of any kind, in characters.
pub const MAX_LINK_CHARS: usize = 2000;

/// The NHS page where a person finds their local NHS Talking Therapies service and refers themselves.
pub const NHS_FIND_TALKING_THERAPIES_URL: &str = "https://www.nhs.uk/nhs-services/mental-health-services/find-nhs-talking-therapies-for-anxiety-and-depression/";

/// What happens after therapy, in the standard settings. It says only what is generally true of NHS Talking
/// Therapies in England (a person can refer themselves again; their GP can help), and names no local service.
pub const DEFAULT_AFTER_THERAPY: &str = "When your therapy ends, the things you learned are still yours. Keep \
     using your staying-well plan, and check in with yourself now and then. If things start to get harder again, \
     you can ask for help. You can refer yourself back to NHS Talking Therapies. You do not need to see your GP \
     first. Your GP can also help you, and can refer you. If you need help straight away, use Help now.";

/// The words a person sees when their service's settings file could not be read.
pub const FALLBACK_MESSAGE: &str =
    "Your service's settings could not be read, so Waymark is using its standard settings.";

/// The hosting NHS Talking Therapies service, as described by its settings file.
///
/// Every field here has been checked by [`parse_config`]: links are safe to put in an `href`, texts are within
/// their limits and hold no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceConfig {
    /// The settings file format: always [`FORMAT_VERSION`] (1).
    pub format_version: u32,
    /// The service's name as people know it, for example "NHS Talking Therapies". Required; at most 100 characters.
    pub service_name: String,
    /// How to refer yourself to the service, or get back in touch after therapy.
    pub self_referral: SelfReferral,
    /// The service's own urgent or out-of-hours contacts, shown on Help now after the national ones. Optional; at
    /// most 8.
    pub urgent_contacts: Vec<UrgentContact>,
    /// What happens after therapy ends, in plain words: what continued care the service offers and how to come
    /// back. Optional (the standard text is used when it is missing); at most 2000 characters; line breaks allowed.
    pub after_therapy: String,
    /// Where the list of local services comes from.
    pub directory: DirectorySource,
}

/// How to refer yourself to the service. At least one of `url` and `phone_href` is needed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SelfReferral {
    /// The service's self-referral web page. Must start with `https://`.
    pub url: Option<String>,
    /// The phone number written out as people should read and dial it, for example "0300 123 4567". Digits,
    /// spaces and a leading `+` only. Needed when `phone_href` is given, and must be the same number.
    pub phone: Option<String>,
    /// The phone link, `tel:` followed by the digits (a leading `+` is allowed), for example "tel:03001234567".
    pub phone_href: Option<String>,
    /// When the phone line is open, in plain words, for example "Monday to Friday, 9am to 5pm". At most 200
    /// characters.
    pub hours: Option<String>,
}

/// One of the service's own urgent or out-of-hours contacts. It needs at least one of `phone_href`, `sms_href`
/// and `url`; a phone or text link also needs `phone`, the number written out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UrgentContact {
    /// Who it is, for example "Crisis line". Required; at most 100 characters.
    pub name: String,
    /// When to use it, in plain words, for example "If you need urgent help at night or at the weekend". Required;
    /// at most 200 characters.
    pub when: String,
    /// The number written out, as people should read and dial it. Digits, spaces and a leading `+` only; the same
    /// number as `phone_href` or `sms_href`.
    pub phone: Option<String>,
    /// A phone link: `tel:` followed by digits (a leading `+` is allowed).
    pub phone_href: Option<String>,
    /// A text-message link: `sms:` followed by digits, optionally with one message word, as in
    /// `sms:85258?&body=SHOUT`.
    pub sms_href: Option<String>,
    /// A web page, for example an online chat. Must start with `https://`.
    pub url: Option<String>,
}

/// Where the services directory comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DirectorySource {
    /// Whether to offer Waymark's small national list as well (and as the fallback when the service's own list
    /// cannot be loaded). Optional; true when missing.
    pub bundled: bool,
    /// The web address of the service's own Open Referral UK list: a JSON file, or an API's `/services` address.
    /// Must start with `https://`. Optional.
    pub url: Option<String>,
}

impl Default for ServiceConfig {
    /// The standard settings: national, with the NHS page for finding and referring yourself to a local service, no
    /// phone number, no local urgent contacts and the bundled national directory. It invents no local service.
    fn default() -> Self {
        ServiceConfig {
            format_version: FORMAT_VERSION,
            service_name: "NHS Talking Therapies".to_owned(),
            self_referral: SelfReferral {
                url: Some(NHS_FIND_TALKING_THERAPIES_URL.to_owned()),
                phone: None,
                phone_href: None,
                hours: None,
            },
            urgent_contacts: Vec::new(),
            after_therapy: DEFAULT_AFTER_THERAPY.to_owned(),
            directory: DirectorySource {
                bundled: true,
                url: None,
            },
        }
    }
}

/// Why a link was refused. The messages finish a sentence such as "`url` is not a link Waymark can use: …".
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkProblem {
    #[error("it must be a secure web address that starts with https://")]
    NotHttps,
    #[error("it is not a complete web address")]
    NotAWebAddress,
    #[error("it is longer than {MAX_LINK_CHARS} characters")]
    TooLong,
    #[error("it must be tel: followed by the phone number's digits, such as tel:03001234567")]
    NotAPhoneLink,
    #[error(
        "it must be sms: followed by the number's digits, such as sms:85258 or sms:85258?&body=SHOUT"
    )]
    NotATextLink,
}

/// Checks a web link: `https://`, a host name with at least one dot (an optional port), then an optional path,
/// query and fragment in plain URL characters. No spaces, no user names (`user@host`), no other schemes.
pub fn check_https_url(text: &str) -> Result<(), LinkProblem> {
    if text.chars().count() > MAX_LINK_CHARS {
        return Err(LinkProblem::TooLong);
    }
    let Some(rest) = text
        .get(..8)
        .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
        .map(|_| &text[8..])
    else {
        return Err(LinkProblem::NotHttps);
    };
    let url_char = |c: char| c.is_ascii_graphic() && !"\"<>\\^`{|}".contains(c);
    if !rest.chars().all(url_char) {
        return Err(LinkProblem::NotAWebAddress);
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let host_ok = host.len() <= 253 && host.contains('.') && host.split('.').all(label_ok);
    let port_ok = port.is_none_or(|port| {
        port.chars().all(|c| c.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|port| port > 0)
    });
    if host_ok && port_ok {
        Ok(())
    } else {
        Err(LinkProblem::NotAWebAddress)
    }
}

/// The fewest digits a phone number can have (999, 111).
const MIN_PHONE_DIGITS: usize = 3;
/// The most digits a phone number can have (the international limit).
const MAX_PHONE_DIGITS: usize = 15;

/// Whether `text` is an optional `+` then 3 to 15 digits.
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('+').unwrap_or(text);
    (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a phone link: `tel:` then an optional `+` and 3 to 15 digits, nothing else.
pub fn check_tel_href(text: &str) -> Result<(), LinkProblem> {
    match text.strip_prefix("tel:") {
        Some(number) if plain_number(number) => Ok(()),
        _ => Err(LinkProblem::NotAPhoneLink),
    }
}

/// The longest message word an `sms:` link can carry.
const MAX_SMS_WORD_CHARS: usize = 20;

/// Checks a text-message link: `sms:` then an optional `+` and 3 to 15 digits, optionally followed by `?&body=`
/// and one word of letters and digits (at most 20), as in `sms:85258?&body=SHOUT`.
pub fn check_sms_href(text: &str) -> Result<(), LinkProblem> {
    let Some(rest) = text.strip_prefix("sms:") else {
        return Err(LinkProblem::NotATextLink);
    };
    let (number, body) = match rest.split_once("?&body=") {
        Some((number, word)) => (number, Some(word)),
        None => (rest, None),
    };
    let word_ok = body.is_none_or(|word| {
        (1..=MAX_SMS_WORD_CHARS).contains(&word.len())
            && word.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if plain_number(number) && word_ok {
        Ok(())
    } else {
        Err(LinkProblem::NotATextLink)
    }
}

/// Tidies a phone number as written for people: trims and folds runs of spaces. `None` unless it is only digits,
/// spaces and a leading `+`, with 3 to 15 digits.
pub fn clean_phone_number(text: &str) -> Option<String> {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let digits = folded.strip_prefix('+').unwrap_or(&folded);
    let digit_count = digits.bytes().filter(u8::is_ascii_digit).count();
    let only_digits_and_spaces = digits.bytes().all(|b| b.is_ascii_digit() || b == b' ');
    (only_digits_and_spaces && (MIN_PHONE_DIGITS..=MAX_PHONE_DIGITS).contains(&digit_count))
        .then_some(folded)
}

/// The `tel:` link for a number that [`clean_phone_number`] accepted: "0800 138 1111" gives "tel:08001381111".
pub fn tel_href_for(number: &str) -> String {
    let plus = if number.trim_start().starts_with('+') {
        "+"
    } else {
        ""
    };
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    format!("tel:{plus}{digits}")
}

/// The digits of a number in a form that compares UK numbers written either way: "+44 300 123" and "0300 123"
/// both give "0300123".
fn comparable_digits(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if text.trim_start().starts_with('+')
        && let Some(national) = digits.strip_prefix("44")
    {
        return format!("0{national}");
    }
    digits
}

/// Whether the number written for people and the number in a `tel:` or `sms:` link are the same number.
fn same_number(written: &str, href: &str) -> bool {
    let linked = href
        .strip_prefix("tel:")
        .or_else(|| href.strip_prefix("sms:"))
        .unwrap_or(href);
    let linked = linked.split('?').next().unwrap_or(linked);
    comparable_digits(written) == comparable_digits(linked)
}

/// Why a settings file was refused. The messages are for the person setting Waymark up; the person using the app
/// sees [`FALLBACK_MESSAGE`] (see [`ConfigError::message_for_person`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("The settings file is too big. It can be at most 64 KB.")]
    TooBig,
    #[error("The settings file is not written as JSON that Waymark can read ({0}).")]
    NotJson(String),
    #[error("The settings file should hold one set of settings, between {{ and }}.")]
    NotAnObject,
    #[error("The settings file does not say which format it uses. Add \"format_version\": 1.")]
    NoVersion,
    #[error("The settings file uses format {0}. This version of Waymark reads format 1.")]
    UnknownVersion(String),
    #[error("The settings file needs {0}.")]
    Missing(String),
    #[error("Something in the settings file is not what Waymark expects ({0}).")]
    WrongShape(String),
    #[error("{field} is empty. Write something there, or leave it out.")]
    Empty { field: String },
    #[error("{field} is too long. It can be at most {max} characters.")]
    TooLong { field: String, max: usize },
    #[error("{field} has hidden control characters in it. Please type it again.")]
    ControlCharacters { field: String },
    #[error("{field} is not a link Waymark can use: {problem}.")]
    BadLink { field: String, problem: LinkProblem },
    #[error(
        "{field} holds a kind of link that Waymark does not allow. Only https://, tel: and sms: links can be used."
    )]
    ForbiddenLink { field: String },
    #[error("{field} must be a phone number: only digits, spaces and a + at the start.")]
    BadPhoneNumber { field: String },
    #[error(
        "{field} is not the same number as its link. The number people read must be the number the link calls."
    )]
    NumberMismatch { field: String },
    #[error("{field} needs a way to get in touch: {needs}.")]
    NoWayToContact { field: String, needs: &'static str },
    #[error("There are too many {field}. There can be at most {max}.")]
    TooMany { field: String, max: usize },
}

impl ConfigError {
    /// What to tell the person using the app: always [`FALLBACK_MESSAGE`]. The details are for the service.
    pub fn message_for_person(&self) -> &'static str {
        FALLBACK_MESSAGE
    }
}

/// The settings file as written, before checking. Unknown fields are refused so that a misspelt field name gives
/// a clear error instead of being quietly ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    /// Checked before the rest of the file is read.
    #[serde(rename = "format_version")]
    _format_version: serde::de::IgnoredAny,
    service_name: Option<String>,
    self_referral: Option<RawSelfReferral>,
    urgent_contacts: Option<Vec<RawUrgentContact>>,
    after_therapy: Option<String>,
    directory: Option<RawDirectory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelfReferral {
    url: Option<String>,
    phone: Option<String>,
    phone_href: Option<String>,
    hours: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUrgentContact {
    name: Option<String>,
    when: Option<String>,
    phone: Option<String>,
    phone_href: Option<String>,
    sms_href: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    bundled: Option<bool>,
    url: Option<String>,
}

/// Reads and checks a settings file. Every problem gives an error that names the field and says what to fix.
pub fn parse_config(text: &str) -> Result<ServiceConfig, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooBig);
    }
    // serde_json stops at 128 levels of nesting, so deeply nested input is an error rather than a stack overflow.
    let value: Value =
        serde_json::from_str(text).map_err(|e| ConfigError::NotJson(e.to_string()))?;
    let Value::Object(fields) = &value else {
        return Err(ConfigError::NotAnObject);
    };
    match fields.get("format_version") {
        None | Some(Value::Null) => return Err(ConfigError::NoVersion),
        Some(version) if version.as_u64() != Some(u64::from(FORMAT_VERSION)) => {
            return Err(ConfigError::UnknownVersion(
                version.to_string().chars().take(20).collect(),
            ));
        }
        Some(_) => {}
    }
    refuse_hostile_links(&value, "the settings file")?;
    let raw: RawConfig =
        serde_json::from_value(value).map_err(|e| ConfigError::WrongShape(e.to_string()))?;

    let service_name = required_text(raw.service_name, "service_name", SERVICE_NAME_MAX_CHARS)?;
    let self_referral = check_self_referral(
        raw.self_referral
            .ok_or_else(|| ConfigError::Missing("self_referral".into()))?,
    )?;
    let raw_contacts = raw.urgent_contacts.unwrap_or_default();
    if raw_contacts.len() > MAX_URGENT_CONTACTS {
        return Err(ConfigError::TooMany {
            field: "urgent_contacts".into(),
            max: MAX_URGENT_CONTACTS,
        });
    }
    let urgent_contacts = raw_contacts
        .into_iter()
        .enumerate()
        .map(|(index, contact)| check_urgent_contact(contact, &format!("urgent_contacts[{index}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let after_therapy = match raw.after_therapy {
        None => DEFAULT_AFTER_THERAPY.to_owned(),
        Some(text) => long_text(&text, "after_therapy", AFTER_THERAPY_MAX_CHARS)?,
    };
    let directory = match raw.directory {
        None => DirectorySource {
            bundled: true,
            url: None,
        },
        Some(directory) => DirectorySource {
            bundled: directory.bundled.unwrap_or(true),
            url: optional_https(directory.url, "directory.url")?,
        },
    };
    Ok(ServiceConfig {
        format_version: FORMAT_VERSION,
        service_name,
        self_referral,
        urgent_contacts,
        after_therapy,
        directory,
    })
}

/// The service's settings when there are some and they are good; otherwise the standard settings, with the error
/// when a file was there but could not be used (show [`ConfigError::message_for_person`]). A missing file (`None`)
/// is not an error: a service may deploy Waymark with the standard settings.
pub fn load_or_default(text: Option<&str>) -> (ServiceConfig, Option<ConfigError>) {
    match text.map(parse_config) {
        None => (ServiceConfig::default(), None),
        Some(Ok(config)) => (config, None),
        Some(Err(error)) => (ServiceConfig::default(), Some(error)),
    }
}

fn check_self_referral(raw: RawSelfReferral) -> Result<SelfReferral, ConfigError> {
    let url = optional_https(raw.url, "self_referral.url")?;
    let phone_href = optional_link(raw.phone_href, "self_referral.phone_href", check_tel_href)?;
    let phone = optional_phone(raw.phone, "self_referral.phone")?;
    match (&phone, &phone_href) {
        (Some(phone), Some(href)) if !same_number(phone, href) => {
            return Err(ConfigError::NumberMismatch {
                field: "self_referral.phone".into(),
            });
        }
        (None, Some(_)) => return Err(ConfigError::Missing("self_referral.phone".into())),
        (Some(_), None) => return Err(ConfigError::Missing("self_referral.phone_href".into())),
        _ => {}
    }
    if url.is_none() && phone_href.is_none() {
        return Err(ConfigError::NoWayToContact {
            field: "self_referral".into(),
            needs: "a url, or a phone and phone_href",
        });
    }
    Ok(SelfReferral {
        url,
        phone,
        phone_href,
        hours: optional_text(raw.hours, "self_referral.hours", HOURS_MAX_CHARS)?,
    })
}

fn check_urgent_contact(raw: RawUrgentContact, field: &str) -> Result<UrgentContact, ConfigError> {
    let name = required_text(raw.name, &format!("{field}.name"), CONTACT_NAME_MAX_CHARS)?;
    let when = required_text(raw.when, &format!("{field}.when"), WHEN_MAX_CHARS)?;
    let phone = optional_phone(raw.phone, &format!("{field}.phone"))?;
    let phone_href = optional_link(
        raw.phone_href,
        &format!("{field}.phone_href"),
        check_tel_href,
    )?;
    let sms_href = optional_link(raw.sms_href, &format!("{field}.sms_href"), check_sms_href)?;
    let url = optional_https(raw.url, &format!("{field}.url"))?;
    if phone_href.is_none() && sms_href.is_none() && url.is_none() {
        return Err(ConfigError::NoWayToContact {
            field: field.to_owned(),
            needs: "a phone_href, an sms_href or a url",
        });
    }
    for href in [&phone_href, &sms_href].into_iter().flatten() {
        match &phone {
            None => return Err(ConfigError::Missing(format!("{field}.phone"))),
            Some(phone) if !same_number(phone, href) => {
                return Err(ConfigError::NumberMismatch {
                    field: format!("{field}.phone"),
                });
            }
            Some(_) => {}
        }
    }
    Ok(UrgentContact {
        name,
        when,
        phone,
        phone_href,
        sms_href,
        url,
    })
}

/// Refuses any string, anywhere in the file, that is or hides a script or data link, so nothing dangerous can
/// reach a page even through a field that is shown as text. Browsers ignore spaces and control characters inside
/// a scheme, so those are removed before looking.
fn refuse_hostile_links(value: &Value, path: &str) -> Result<(), ConfigError> {
    match value {
        Value::String(text) if hostile(text) => Err(ConfigError::ForbiddenLink {
            field: path.to_owned(),
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(index, item)| refuse_hostile_links(item, &format!("{path}[{index}]"))),
        Value::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            let key: String = key.chars().take(40).collect();
            let path = if path == "the settings file" {
                key
            } else {
                format!("{path}.{key}")
            };
            refuse_hostile_links(item, &path)
        }),
        _ => Ok(()),
    }
}

/// Whether a string holds a script link anywhere (even with spaces or control characters hidden inside it), or is
/// a single link with a scheme that must never be followed (`data:`, `file:`, `blob:`, `http:`, `ftp:`). Prose
/// such as "Data: we keep it safe" has spaces, so it is not taken for a link.
pub(crate) fn hostile(text: &str) -> bool {
    let lower = text.to_lowercase();
    let squashed: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    const ANYWHERE: [&str; 2] = ["javascript:", "vbscript:"];
    const LINK_SCHEMES: [&str; 5] = ["data:", "file:", "blob:", "http:", "ftp:"];
    // Browsers drop tabs and line breaks anywhere in a link, and spaces and control characters at its ends.
    let as_link: String = lower
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let as_link = as_link.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    ANYWHERE.iter().any(|scheme| squashed.contains(scheme))
        || (!as_link.contains(char::is_whitespace)
            && LINK_SCHEMES
                .iter()
                .any(|scheme| as_link.starts_with(scheme)))
}

/// Checks a one-line text: trimmed, not empty, no control characters, at most `max` characters.
fn one_line(text: &str, field: &str, max: usize) -> Result<String, ConfigError> {
    if text.chars().any(char::is_control) {
        return Err(ConfigError::ControlCharacters {
            field: field.to_owned(),
        });
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(ConfigError::Empty {
            field: field.to_owned(),
        });
    }
    if text.chars().count() > max {
        return Err(ConfigError::TooLong {
            field: field.to_owned(),
            max,
        });
    }
    Ok(text.to_owned())
}

/// Checks a longer text that may have line breaks (but no other control characters).
fn long_text(text: &str, field: &str, max: usize) -> Result<String, ConfigError> {
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ConfigError::ControlCharacters {
            field: field.to_owned(),
        });
    }
    let text = text.trim();
    if text.is_empty() {
        return Err(ConfigError::Empty {
            field: field.to_owned(),
        });
    }
    if text.chars().count() > max {
        return Err(ConfigError::TooLong {
            field: field.to_owned(),
            max,
        });
    }
    Ok(text.to_owned())
}

fn required_text(text: Option<String>, field: &str, max: usize) -> Result<String, ConfigError> {
    let text = text.ok_or_else(|| ConfigError::Missing(field.to_owned()))?;
    one_line(&text, field, max)
}

fn optional_text(
    text: Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<String>, ConfigError> {
    text.map(|text| one_line(&text, field, max)).transpose()
}

fn optional_phone(text: Option<String>, field: &str) -> Result<Option<String>, ConfigError> {
    let Some(text) = optional_text(text, field, PHONE_MAX_CHARS)? else {
        return Ok(None);
    };
    clean_phone_number(&text)
        .map(Some)
        .ok_or_else(|| ConfigError::BadPhoneNumber {
            field: field.to_owned(),
        })
}

fn optional_link(
    text: Option<String>,
    field: &str,
    check: fn(&str) -> Result<(), LinkProblem>,
) -> Result<Option<String>, ConfigError> {
    let Some(text) = text else {
        return Ok(None);
    };
    if text.chars().any(char::is_control) {
        return Err(ConfigError::ControlCharacters {
            field: field.to_owned(),
        });
    }
    let text = text.trim();
    check(text).map_err(|problem| ConfigError::BadLink {
        field: field.to_owned(),
        problem,
    })?;
    Ok(Some(text.to_owned()))
}

fn optional_https(text: Option<String>, field: &str) -> Result<Option<String>, ConfigError> {
    optional_link(text, field, check_https_url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FULL: &str = r#"{
        "format_version": 1,
        "service_name": "Brightwater Talking Therapies",
        "self_referral": {
            "url": "https://example.org/refer",
            "phone": "0300 123 4567",
            "phone_href": "tel:03001234567",
            "hours": "Monday to Friday, 9am to 5pm"
        },
        "urgent_contacts": [
            {
                "name": "Crisis line",
                "when": "If you need urgent help at night",
                "phone": "+44 300 765 4321",
                "phone_href": "tel:03007654321"
            },
            {
                "name": "Text us",
                "when": "If you would rather text",
                "phone": "12345",
                "sms_href": "sms:12345?&body=HELP"
            },
            { "name": "Chat online", "when": "Any time", "url": "https://example.org/chat" }
        ],
        "after_therapy": "We offer a check-in call after three months.\nYou can come back any time.",
        "directory": { "bundled": false, "url": "https://example.org/oruk/services" }
    }"#;

    /// A change to make to the full example file.
    type Edit = fn(&mut Value);

    fn with(edit: impl FnOnce(&mut Value)) -> String {
        let mut value: Value = serde_json::from_str(FULL).unwrap();
        edit(&mut value);
        value.to_string()
    }

    #[test]
    fn a_full_file_is_read() {
        let config = parse_config(FULL).unwrap();
        assert_eq!(config.service_name, "Brightwater Talking Therapies");
        assert_eq!(config.self_referral.phone.as_deref(), Some("0300 123 4567"));
        assert_eq!(config.urgent_contacts.len(), 3);
        assert_eq!(
            config.urgent_contacts[1].sms_href.as_deref(),
            Some("sms:12345?&body=HELP")
        );
        assert!(config.after_therapy.contains('\n'));
        assert!(!config.directory.bundled);
        assert_eq!(
            config.directory.url.as_deref(),
            Some("https://example.org/oruk/services")
        );
    }

    #[test]
    fn optional_fields_can_be_left_out() {
        let config = parse_config(
            r#"{"format_version":1,"service_name":"Riverside Talking Therapies",
                "self_referral":{"url":"https://example.org/refer"}}"#,
        )
        .unwrap();
        assert_eq!(config.urgent_contacts, []);
        assert_eq!(config.after_therapy, DEFAULT_AFTER_THERAPY);
        assert_eq!(
            config.directory,
            DirectorySource {
                bundled: true,
                url: None
            }
        );
        assert_eq!(config.self_referral.phone, None);
        // Nulls count as left out.
        let nulls = parse_config(
            r#"{"format_version":1,"service_name":"R","self_referral":{"url":null,"phone":"0300 1",
                "phone_href":"tel:03001","hours":null},"urgent_contacts":null,"directory":{"url":null}}"#,
        )
        .unwrap();
        assert_eq!(nulls.self_referral.url, None);
        assert!(nulls.directory.bundled);
    }

    #[test]
    fn the_defaults_invent_no_local_service() {
        let config = ServiceConfig::default();
        assert_eq!(config.service_name, "NHS Talking Therapies");
        assert_eq!(
            config.self_referral.url.as_deref(),
            Some(NHS_FIND_TALKING_THERAPIES_URL)
        );
        assert_eq!(config.self_referral.phone, None);
        assert_eq!(config.urgent_contacts, []);
        assert!(config.directory.bundled && config.directory.url.is_none());
        assert!(check_https_url(NHS_FIND_TALKING_THERAPIES_URL).is_ok());
        assert!(
            !DEFAULT_AFTER_THERAPY.chars().any(|c| c.is_ascii_digit()),
            "no numbers"
        );
    }

    #[test]
    fn the_public_file_is_the_default_and_reads_back() {
        let text = include_str!("../../public/service-config.json");
        let expected = serde_json::to_string_pretty(&ServiceConfig::default()).unwrap() + "\n";
        assert_eq!(text, expected, "regenerate public/service-config.json");
        assert_eq!(parse_config(text), Ok(ServiceConfig::default()));
    }

    #[test]
    fn malformed_files_are_refused_with_a_reason() {
        assert!(matches!(parse_config(""), Err(ConfigError::NotJson(_))));
        assert!(matches!(
            parse_config("{\"format_version\":1,"),
            Err(ConfigError::NotJson(_))
        ));
        assert_eq!(parse_config("[1]"), Err(ConfigError::NotAnObject));
        assert_eq!(parse_config("\"settings\""), Err(ConfigError::NotAnObject));
        assert_eq!(parse_config("{}"), Err(ConfigError::NoVersion));
        assert_eq!(
            parse_config(&with(|v| v["format_version"] = 2.into())),
            Err(ConfigError::UnknownVersion("2".into()))
        );
        assert_eq!(
            parse_config(&with(|v| v["format_version"] = "1".into())),
            Err(ConfigError::UnknownVersion("\"1\"".into()))
        );
        assert_eq!(
            parse_config(&with(|v| {
                v.as_object_mut().unwrap().remove("service_name");
            })),
            Err(ConfigError::Missing("service_name".into()))
        );
        assert_eq!(
            parse_config(&with(|v| {
                v.as_object_mut().unwrap().remove("self_referral");
            })),
            Err(ConfigError::Missing("self_referral".into()))
        );
        assert_eq!(
            parse_config(&with(|v| v["service_name"] = "   ".into())),
            Err(ConfigError::Empty {
                field: "service_name".into()
            })
        );
        let misspelt = with(|v| v["self_refferal"] = Value::Null);
        assert!(
            matches!(parse_config(&misspelt), Err(ConfigError::WrongShape(reason)) if reason.contains("self_refferal"))
        );
    }

    #[test]
    fn wrong_types_are_refused() {
        for edit in [
            (|v: &mut Value| v["service_name"] = 5.into()) as Edit,
            |v| v["urgent_contacts"] = "none".into(),
            |v| v["self_referral"] = Value::Array(vec![]),
            |v| v["directory"]["bundled"] = "yes".into(),
            |v| v["urgent_contacts"][0]["name"] = Value::Array(vec![]),
            |v| v["after_therapy"] = true.into(),
        ] {
            let text = with(edit);
            assert!(
                matches!(parse_config(&text), Err(ConfigError::WrongShape(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn oversized_files_and_texts_are_refused() {
        let huge = format!(
            "{{\"format_version\":1,\"padding\":\"{}\"}}",
            "a".repeat(MAX_CONFIG_BYTES)
        );
        assert_eq!(parse_config(&huge), Err(ConfigError::TooBig));
        assert_eq!(
            parse_config(&with(|v| v["service_name"] = "a".repeat(101).into())),
            Err(ConfigError::TooLong {
                field: "service_name".into(),
                max: 100
            })
        );
        assert_eq!(
            parse_config(&with(|v| v["after_therapy"] = "word ".repeat(401).into())),
            Err(ConfigError::TooLong {
                field: "after_therapy".into(),
                max: 2000
            })
        );
        let contact =
            serde_json::json!({"name": "Line", "when": "Any time", "url": "https://example.org"});
        let many = Value::Array(vec![contact; 9]);
        assert_eq!(
            parse_config(&with(|v| v["urgent_contacts"] = many)),
            Err(ConfigError::TooMany {
                field: "urgent_contacts".into(),
                max: 8
            })
        );
        assert_eq!(
            parse_config(&with(|v| v["service_name"] = "Bright\u{0}water".into())),
            Err(ConfigError::ControlCharacters {
                field: "service_name".into()
            })
        );
    }

    #[test]
    fn script_and_insecure_links_are_refused() {
        let cases: [(Edit, &str); 6] = [
            (
                |v| v["self_referral"]["url"] = "javascript:alert(1)".into(),
                "self_referral.url",
            ),
            (
                |v| v["self_referral"]["url"] = " JaVa\tScRiPt:alert(1)".into(),
                "self_referral.url",
            ),
            (
                |v| v["after_therapy"] = "Click javascript:alert(1) now".into(),
                "after_therapy",
            ),
            (
                |v| v["urgent_contacts"][2]["url"] = "data:text/html,<script>".into(),
                "urgent_contacts[2].url",
            ),
            (
                |v| v["directory"]["url"] = "http://example.org/services".into(),
                "directory.url",
            ),
            (
                |v| v["service_name"] = "vbscript:msgbox".into(),
                "service_name",
            ),
        ];
        for (edit, field) in cases {
            let error = parse_config(&with(edit)).unwrap_err();
            assert_eq!(
                error,
                ConfigError::ForbiddenLink {
                    field: field.into()
                },
                "{field}"
            );
            assert!(error.to_string().contains("Only https://, tel: and sms:"));
            assert_eq!(error.message_for_person(), FALLBACK_MESSAGE);
        }
    }

    #[test]
    fn prose_that_only_looks_like_a_scheme_is_fine() {
        let text = "Data: we keep your notes safe.\nFile: ask us for a copy. See http://example.org if you like.";
        let config = parse_config(&with(|v| v["after_therapy"] = text.into())).unwrap();
        assert_eq!(config.after_therapy, text);
        assert!(hostile("data:text/html,hi"));
        assert!(hostile("  FILE:///etc/passwd "));
        assert!(hostile("j\na\tv\u{0}ascript:void(0)"));
        assert!(!hostile("Data: kept safe"));
    }

    #[test]
    fn links_must_be_the_right_kind_for_their_field() {
        let cases: [(Edit, &str, LinkProblem); 7] = [
            (
                |v| v["self_referral"]["url"] = "ftps://example.org".into(),
                "self_referral.url",
                LinkProblem::NotHttps,
            ),
            (
                |v| v["self_referral"]["url"] = "https://user@example.org".into(),
                "self_referral.url",
                LinkProblem::NotAWebAddress,
            ),
            (
                |v| v["self_referral"]["url"] = "https://exa mple.org".into(),
                "self_referral.url",
                LinkProblem::NotAWebAddress,
            ),
            (
                |v| v["self_referral"]["phone_href"] = "tel:0300-123-4567".into(),
                "self_referral.phone_href",
                LinkProblem::NotAPhoneLink,
            ),
            (
                |v| v["self_referral"]["phone_href"] = "https://example.org".into(),
                "self_referral.phone_href",
                LinkProblem::NotAPhoneLink,
            ),
            (
                |v| v["urgent_contacts"][1]["sms_href"] = "sms:12345?body=HELP".into(),
                "urgent_contacts[1].sms_href",
                LinkProblem::NotATextLink,
            ),
            (
                |v| v["urgent_contacts"][1]["sms_href"] = "sms:12345?&body=HELP ME".into(),
                "urgent_contacts[1].sms_href",
                LinkProblem::NotATextLink,
            ),
        ];
        for (edit, field, problem) in cases {
            assert_eq!(
                parse_config(&with(edit)),
                Err(ConfigError::BadLink {
                    field: field.into(),
                    problem
                }),
                "{field}"
            );
        }
    }

    #[test]
    fn written_numbers_must_match_their_links() {
        assert_eq!(
            parse_config(&with(
                |v| v["self_referral"]["phone"] = "0300 123 4568".into()
            )),
            Err(ConfigError::NumberMismatch {
                field: "self_referral.phone".into()
            })
        );
        assert_eq!(
            parse_config(&with(
                |v| v["self_referral"]["phone"] = "0300 123 4567 (option 2)".into()
            )),
            Err(ConfigError::BadPhoneNumber {
                field: "self_referral.phone".into()
            })
        );
        assert_eq!(
            parse_config(&with(|v| {
                v["urgent_contacts"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("phone");
            })),
            Err(ConfigError::Missing("urgent_contacts[0].phone".into()))
        );
        assert_eq!(
            parse_config(&with(|v| {
                v["self_referral"]
                    .as_object_mut()
                    .unwrap()
                    .remove("phone_href");
            })),
            Err(ConfigError::Missing("self_referral.phone_href".into()))
        );
        assert_eq!(
            parse_config(&with(
                |v| v["urgent_contacts"][2] = serde_json::json!({"name": "A", "when": "B"})
            )),
            Err(ConfigError::NoWayToContact {
                field: "urgent_contacts[2]".into(),
                needs: "a phone_href, an sms_href or a url"
            })
        );
        assert_eq!(
            parse_config(&with(
                |v| v["self_referral"] = serde_json::json!({"hours": "Any time"})
            )),
            Err(ConfigError::NoWayToContact {
                field: "self_referral".into(),
                needs: "a url, or a phone and phone_href"
            })
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        assert!(matches!(parse_config(&deep), Err(ConfigError::NotJson(_))));
        let deep_inside = format!(
            "{{\"format_version\":1,\"x\":{}{}}}",
            "{\"a\":".repeat(5_000),
            "}".repeat(5_000)
        );
        assert!(matches!(
            parse_config(&deep_inside),
            Err(ConfigError::NotJson(_))
        ));
    }

    #[test]
    fn a_bad_file_falls_back_with_the_message_to_show() {
        assert_eq!(load_or_default(None), (ServiceConfig::default(), None));
        let (config, error) = load_or_default(Some("not json"));
        assert_eq!(config, ServiceConfig::default());
        let error = error.unwrap();
        assert_eq!(
            error.message_for_person(),
            "Your service's settings could not be read, so Waymark is using its standard settings."
        );
        let (config, error) = load_or_default(Some(FULL));
        assert_eq!(config.service_name, "Brightwater Talking Therapies");
        assert_eq!(error, None);
    }

    #[test]
    fn link_checks() {
        for good in [
            "https://www.nhs.uk",
            "https://example.org:8443/a/b?c=d&e=f#g",
            "HTTPS://EXAMPLE.ORG/",
            "https://a-b.example.co.uk/path%20with%20escapes",
        ] {
            assert_eq!(check_https_url(good), Ok(()), "{good}");
        }
        for bad in [
            "http://example.org",
            "https://",
            "https://localhost",
            "https://example..org",
            "https://-example.org",
            "https://example.org:99999",
            "https://example.org/<script>",
            "https://example.org/\u{00e9}",
            "//example.org",
            "example.org",
        ] {
            assert!(check_https_url(bad).is_err(), "{bad}");
        }
        assert_eq!(check_tel_href("tel:999"), Ok(()));
        assert_eq!(check_tel_href("tel:+443001234567"), Ok(()));
        for bad in [
            "tel:99",
            "tel:",
            "tel:0300 123",
            "tel:+",
            "tel:1234567890123456",
            "tel:++44",
            "TEL:999",
        ] {
            assert!(check_tel_href(bad).is_err(), "{bad}");
        }
        assert_eq!(check_sms_href("sms:85258?&body=SHOUT"), Ok(()));
        assert_eq!(check_sms_href("sms:85258"), Ok(()));
        for bad in [
            "sms:85258?&body=",
            "sms:85258?&body=a&b=c",
            "sms:852a58",
            "sms:85258&body=X",
        ] {
            assert!(check_sms_href(bad).is_err(), "{bad}");
        }
        assert_eq!(
            clean_phone_number("  0800  138 1111 "),
            Some("0800 138 1111".into())
        );
        assert_eq!(
            clean_phone_number("+44 800 138 1111"),
            Some("+44 800 138 1111".into())
        );
        assert_eq!(clean_phone_number("0800-138-1111"), None);
        assert_eq!(clean_phone_number("12"), None);
        assert_eq!(clean_phone_number("0 + 800"), None);
        assert_eq!(tel_href_for("0800 138 1111"), "tel:08001381111");
        assert_eq!(tel_href_for("+44 800 138 1111"), "tel:+448001381111");
        assert!(same_number("+44 300 123 4567", "tel:03001234567"));
        assert!(same_number("85258", "sms:85258?&body=SHOUT"));
        assert!(!same_number("0300 123 4567", "tel:03001234568"));
    }

    proptest! {
        #[test]
        fn any_text_gives_a_config_or_an_error(text in ".{0,400}") {
            let _ = parse_config(&text);
            let (config, _) = load_or_default(Some(&text));
            prop_assert!(!config.service_name.is_empty());
        }

        #[test]
        fn any_json_shaped_text_gives_a_config_or_an_error(
            name in ".{0,120}",
            url in ".{0,80}",
            phone in "[0-9 +()-]{0,20}",
            href in "(tel|sms|https|javascript):[0-9a-z/.?&=]{0,20}",
        ) {
            let text = serde_json::json!({
                "format_version": 1,
                "service_name": name,
                "self_referral": {"url": url, "phone": phone, "phone_href": href},
                "urgent_contacts": [{"name": name, "when": name, "phone": phone, "sms_href": href}],
            }).to_string();
            if let Ok(config) = parse_config(&text) {
                for link in config.self_referral.url.iter().chain(config.self_referral.phone_href.iter()) {
                    prop_assert!(link.starts_with("https://") || link.starts_with("tel:"));
                }
            }
        }
    }
}
