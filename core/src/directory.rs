//! The services directory: places a person can be signposted to for money, housing, work, loneliness, caring,
//! being active, bereavement, alcohol and drugs, and legal advice.
//!
//! Directories are read from Open Referral UK (ORUK) data, the UK profile of the Human Services Data Specification
//! (HSDS). Field names follow these public sources:
//! - the ORUK 1.x service schema (`OpenReferralUK/human-services`, `Schemas/service.schema.json` and
//!   `service.schema.verbose.json`): service `id`, `name`, `description`, `url`, `email`, `status`, `fees`,
//!   `accreditations`, `assured_date`, nested `organization` { `id`, `name`, `description`, `url` },
//!   `service_at_locations`, `contacts`, and `service_taxonomys` (sic) items holding `taxonomy` { `id`, `name`,
//!   `vocabulary` };
//! - the ORUK API (developers.openreferraluk.org, "API Implementation"): `/services` answers with pagination fields
//!   and the services in `content`; its contacts carry `phones` [{ `number` }] (as the ORUK Service Finder reads
//!   them, `contacts[].phones[].number`);
//! - the ORUK 3.0 profile (`OpenReferralUK/uk-profile`, `schema/phone.json`, `schema/taxonomy_term.json` and the
//!   changelog): services also carry `phones` directly, a phone has `number`, `description` and `type`, the
//!   organisation's web address is `website`, and `attributes` hold a `taxonomy_term` { `id`, `term`, `taxonomy` }.
//!
//! The reader is tolerant: one bad service is left out (and counted) rather than failing the whole file, and any
//! link or phone number that is not safe is dropped. Waymark's own bundled file adds two extension fields to each
//! service, `waymark_source` (the page its details were checked against) and `waymark_last_checked` (the date).

use crate::calendar::LocalDate;
use crate::service_config::{check_https_url, clean_phone_number, hostile, tel_href_for};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The largest directory file read, in bytes (2 MiB).
pub const MAX_DIRECTORY_BYTES: usize = 2 * 1024 * 1024;
/// The taxonomy vocabulary of Waymark's bundled directory: its taxonomy ids are [`Need::id`]s.
pub const WAYMARK_VOCABULARY: &str = "waymark-needs";
/// The longest service or organisation name kept, in characters (longer ones are cut).
pub const NAME_MAX_CHARS: usize = 200;
/// The longest description kept, in characters (longer ones are cut, ending with "…").
pub const DESCRIPTION_MAX_CHARS: usize = 2000;
/// The longest service id kept; a longer id makes the service unreadable.
pub const ID_MAX_CHARS: usize = 200;
/// The most phone numbers kept for one service.
pub const MAX_PHONES: usize = 5;
/// The longest phone description kept, in characters.
const PHONE_DESCRIPTION_MAX_CHARS: usize = 200;

/// A kind of help a person may be signposted to. Shown with its label; stored as its [`Need::id`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    MoneyAndDebt,
    Housing,
    Work,
    LonelinessAndConnection,
    Carers,
    PhysicalActivity,
    Bereavement,
    AlcoholAndDrugs,
    LegalAdvice,
    Other,
}

impl Need {
    /// In the order they are offered.
    pub const ALL: [Need; 10] = [
        Need::MoneyAndDebt,
        Need::Housing,
        Need::Work,
        Need::LonelinessAndConnection,
        Need::Carers,
        Need::PhysicalActivity,
        Need::Bereavement,
        Need::AlcoholAndDrugs,
        Need::LegalAdvice,
        Need::Other,
    ];

    /// The words shown for this need.
    pub fn label(self) -> &'static str {
        match self {
            Need::MoneyAndDebt => "Money and debt",
            Need::Housing => "Housing",
            Need::Work => "Work",
            Need::LonelinessAndConnection => "Loneliness and meeting people",
            Need::Carers => "Caring for someone",
            Need::PhysicalActivity => "Being more active",
            Need::Bereavement => "Grief after a death",
            Need::AlcoholAndDrugs => "Alcohol and drugs",
            Need::LegalAdvice => "Legal advice",
            Need::Other => "Other help",
        }
    }

    /// The stable name stored and used as a taxonomy id in the `waymark-needs` vocabulary: "money_and_debt".
    pub fn id(self) -> &'static str {
        match self {
            Need::MoneyAndDebt => "money_and_debt",
            Need::Housing => "housing",
            Need::Work => "work",
            Need::LonelinessAndConnection => "loneliness_and_connection",
            Need::Carers => "carers",
            Need::PhysicalActivity => "physical_activity",
            Need::Bereavement => "bereavement",
            Need::AlcoholAndDrugs => "alcohol_and_drugs",
            Need::LegalAdvice => "legal_advice",
            Need::Other => "other",
        }
    }

    /// The need with this [`Need::id`].
    pub fn from_id(id: &str) -> Option<Need> {
        Need::ALL.into_iter().find(|need| need.id() == id)
    }

    /// The need a taxonomy term stands for, if any.
    ///
    /// - In the `waymark-needs` vocabulary, the term's id is the need's [`Need::id`] ("money_and_debt").
    /// - In any other vocabulary (LGA, AIRS, a council's own), the term's name is matched by words, case ignored.
    ///   A word matches when it starts with one of these (whole words are marked "="):
    ///
    /// | need | words in the term's name |
    /// |---|---|
    /// | money and debt | money, debt, benefit, financ, budget, income |
    /// | housing | housing, homeless, tenan, landlord, accommodation, =rent, eviction |
    /// | work | employ, unemploy, job, work, career |
    /// | loneliness and connection | lonel, isolat, befriend, friendship |
    /// | carers | carer, caring |
    /// | physical activity | exercis, sport, fitness, walk, physical, swim, gym, =active |
    /// | bereavement | bereave, grief, griev, widow |
    /// | alcohol and drugs | alcohol, drug, substance, addict |
    /// | legal advice | legal, =law, solicitor, lawyer, tribunal |
    ///
    /// A term that matches none of these gives `None`; a service none of whose terms match is filed under
    /// [`Need::Other`].
    pub fn from_taxonomy(id: &str, name: &str, vocabulary: &str) -> Option<Need> {
        if vocabulary.trim().eq_ignore_ascii_case(WAYMARK_VOCABULARY) {
            return Need::from_id(id.trim());
        }
        let name = name.to_lowercase();
        let words: Vec<&str> = name
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        NAME_WORDS.iter().find_map(|(need, patterns)| {
            let hit = patterns
                .iter()
                .any(|pattern| match pattern.strip_prefix('=') {
                    Some(whole) => words.contains(&whole),
                    None => words.iter().any(|word| word.starts_with(pattern)),
                });
            hit.then_some(*need)
        })
    }
}

/// How taxonomy names map to needs (see [`Need::from_taxonomy`]). A leading "=" means the whole word.
const NAME_WORDS: [(Need, &[&str]); 9] = [
    (
        Need::MoneyAndDebt,
        &["money", "debt", "benefit", "financ", "budget", "income"],
    ),
    (
        Need::Housing,
        &[
            "housing",
            "homeless",
            "tenan",
            "landlord",
            "accommodation",
            "=rent",
            "eviction",
        ],
    ),
    (Need::Work, &["employ", "unemploy", "job", "work", "career"]),
    (
        Need::LonelinessAndConnection,
        &["lonel", "isolat", "befriend", "friendship"],
    ),
    (Need::Carers, &["carer", "caring"]),
    (
        Need::PhysicalActivity,
        &[
            "exercis", "sport", "fitness", "walk", "physical", "swim", "gym", "=active",
        ],
    ),
    (Need::Bereavement, &["bereave", "grief", "griev", "widow"]),
    (
        Need::AlcoholAndDrugs,
        &["alcohol", "drug", "substance", "addict"],
    ),
    (
        Need::LegalAdvice,
        &["legal", "=law", "solicitor", "lawyer", "tribunal"],
    ),
];

/// A phone or text number, written out and as a link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneLink {
    /// As people should read and dial it: "0800 138 1111".
    pub number: String,
    /// The `tel:` (or, for [`DirectoryService::sms`], `sms:`) link: digits only.
    pub href: String,
    /// What the number is for, from the data ("Helpline"), if given.
    pub description: Option<String>,
}

/// One service in the directory, checked and tidied: every link is `https://`, `tel:` or `sms:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryService {
    /// The service's id in its directory (ORUK `id`).
    pub id: String,
    /// The service's name (ORUK `name`).
    pub name: String,
    /// The organisation that runs it (ORUK `organization.name`), if known.
    pub organization_name: Option<String>,
    /// What it offers, as plain text (markup removed); may be empty.
    pub description: String,
    /// Its web page (ORUK service `url`, or else the organisation's `url` / `website`), https only.
    pub url: Option<String>,
    /// Voice numbers, at most [`MAX_PHONES`].
    pub phones: Vec<PhoneLink>,
    /// A number to text (an ORUK 3 phone of `type` "text"), if there is one.
    pub sms: Option<PhoneLink>,
    /// The needs it helps with, in [`Need::ALL`] order; never empty ([`Need::Other`] when nothing matched).
    pub needs: Vec<Need>,
    /// The page its details were checked against (`waymark_source`), https only.
    pub source: Option<String>,
    /// When its details were last checked (`waymark_last_checked`, or else ORUK `assured_date`).
    pub last_checked: Option<LocalDate>,
}

impl DirectoryService {
    /// Whether every word (already lowercased) matches the service: it, or its stem ("lonely" → "lone", which
    /// finds "loneliness"), appears in the name, the organisation's name or the description; or it is one of the
    /// words that file a service under a need (see [`Need::from_taxonomy`]: "isolated", "lonely") and the service
    /// helps with that need.
    fn matches_all(&self, words: &[String]) -> bool {
        let text = format!(
            "{}\n{}\n{}",
            self.name,
            self.organization_name.as_deref().unwrap_or(""),
            self.description
        )
        .to_lowercase();
        words.iter().all(|word| {
            text.contains(word.as_str())
                || text.contains(stem(word))
                || Need::from_taxonomy("", word, "").is_some_and(|need| self.needs.contains(&need))
        })
    }
}

/// A word without a common English ending, so that other forms of it match: "lonely" → "lone", "debts" → "debt",
/// "walking" → "walk", "bereaved" → "bereav". The stem keeps at least four letters, so short words stay whole.
fn stem(word: &str) -> &str {
    const ENDINGS: [&str; 10] = [
        "iness", "ness", "ing", "ies", "ied", "ly", "ed", "es", "s", "y",
    ];
    ENDINGS
        .iter()
        .find_map(|ending| {
            word.strip_suffix(ending)
                .filter(|stem| stem.chars().count() >= 4)
        })
        .unwrap_or(word)
}

/// A directory of services, in the order the data gave them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub services: Vec<DirectoryService>,
    /// How many entries were left out while reading: unreadable ones, repeated ids, and services marked inactive
    /// or defunct.
    pub skipped: usize,
}

impl Directory {
    /// The services that match every word typed, case ignored, in any common form of the word (see
    /// [`DirectoryService::matches_all`]). No words: every service.
    pub fn search(&self, words: &str) -> Vec<&DirectoryService> {
        let words: Vec<String> = words.split_whitespace().map(str::to_lowercase).collect();
        self.services
            .iter()
            .filter(|service| service.matches_all(&words))
            .collect()
    }

    /// The services that help with `need`.
    pub fn by_need(&self, need: Need) -> Vec<&DirectoryService> {
        self.services
            .iter()
            .filter(|service| service.needs.contains(&need))
            .collect()
    }

    /// The service with this id.
    pub fn find(&self, id: &str) -> Option<&DirectoryService> {
        self.services.iter().find(|service| service.id == id)
    }
}

/// Why a directory could not be used. The messages are plain so they can be shown in My data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    #[error("The list of services is too big. It can be at most 2 MB.")]
    TooBig,
    #[error("The list of services is not written as JSON that Waymark can read ({0}).")]
    NotJson(String),
    #[error(
        "The list of services is not in a shape Waymark knows. It should be an Open Referral UK list."
    )]
    UnknownShape,
    #[error("The list of services is empty.")]
    Empty,
    #[error("None of the {0} services in the list could be read.")]
    NothingReadable(usize),
    #[error("The list of services could not be fetched ({0}).")]
    NotFetched(String),
}

/// Reads an Open Referral UK directory: a JSON array of services (an ORUK `/services` answer without paging), an
/// object with the services in `content` (an ORUK `/services` answer), or an object with `services` and, if the
/// services name their organisation by `organization_id`, `organizations`.
pub fn parse_directory(text: &str) -> Result<Directory, DirectoryError> {
    if text.len() > MAX_DIRECTORY_BYTES {
        return Err(DirectoryError::TooBig);
    }
    // serde_json stops at 128 levels of nesting, so deep nesting is an error, not a stack overflow.
    let value: Value =
        serde_json::from_str(text).map_err(|e| DirectoryError::NotJson(e.to_string()))?;
    let (items, organizations) = match &value {
        Value::Array(items) => (items, None),
        Value::Object(fields) => match (fields.get("content"), fields.get("services")) {
            (Some(Value::Array(items)), _) | (None, Some(Value::Array(items))) => {
                (items, fields.get("organizations").and_then(Value::as_array))
            }
            _ => return Err(DirectoryError::UnknownShape),
        },
        _ => return Err(DirectoryError::UnknownShape),
    };
    if items.is_empty() {
        return Err(DirectoryError::Empty);
    }
    let organizations: BTreeMap<String, &Map<String, Value>> = organizations
        .into_iter()
        .flatten()
        .filter_map(|org| {
            let fields = org.as_object()?;
            Some((id_of(fields.get("id")?)?, fields))
        })
        .collect();

    let mut directory = Directory::default();
    let mut seen = BTreeSet::new();
    for item in items {
        match read_service(item, &organizations) {
            Some(service) if seen.insert(service.id.clone()) => directory.services.push(service),
            _ => directory.skipped += 1,
        }
    }
    if directory.services.is_empty() {
        return Err(DirectoryError::NothingReadable(directory.skipped));
    }
    Ok(directory)
}

/// One service, or `None` when it cannot be read (not an object, no usable id or name) or is closed.
fn read_service(
    item: &Value,
    organizations: &BTreeMap<String, &Map<String, Value>>,
) -> Option<DirectoryService> {
    let fields = item.as_object()?;
    let id = id_of(fields.get("id")?)?;
    let name = plain_text(fields.get("name")?.as_str()?, NAME_MAX_CHARS)?;
    if let Some(status) = fields.get("status").and_then(Value::as_str) {
        let status = status.trim().to_lowercase();
        if status == "inactive" || status == "defunct" {
            return None;
        }
    }
    let organization = fields
        .get("organization")
        .and_then(Value::as_object)
        .or_else(|| {
            let id = id_of(fields.get("organization_id")?)?;
            organizations.get(&id).copied()
        });
    let organization_name = organization
        .and_then(|org| org.get("name")?.as_str())
        .and_then(|name| plain_text(name, NAME_MAX_CHARS));
    let url = https_field(fields, "url").or_else(|| {
        let org = organization?;
        https_field(org, "url").or_else(|| https_field(org, "website"))
    });
    let description = fields
        .get("description")
        .and_then(Value::as_str)
        .and_then(|text| plain_text(text, DESCRIPTION_MAX_CHARS))
        .unwrap_or_default();
    let (phones, sms) = read_phones(fields);
    Some(DirectoryService {
        id,
        name,
        organization_name,
        description,
        url,
        phones,
        sms,
        needs: read_needs(fields),
        source: https_field(fields, "waymark_source"),
        last_checked: read_last_checked(fields),
    })
}

/// An id written as a string or a whole number: trimmed, not empty, at most [`ID_MAX_CHARS`], no control
/// characters.
fn id_of(value: &Value) -> Option<String> {
    let id = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) if number.is_u64() || number.is_i64() => number.to_string(),
        _ => return None,
    };
    (!id.is_empty() && id.chars().count() <= ID_MAX_CHARS && !id.chars().any(char::is_control))
        .then_some(id)
}

/// A field holding a safe `https://` link, if it does.
fn https_field(fields: &Map<String, Value>, key: &str) -> Option<String> {
    let text = fields.get(key)?.as_str()?.trim();
    check_https_url(text).ok()?;
    Some(text.to_owned())
}

/// Text made plain: markup tags removed, a few common entities decoded, control characters and runs of spaces
/// folded to one space, cut to `max` characters (ending "…"). `None` when nothing is left, or when it hides a
/// script link.
fn plain_text(text: &str, max: usize) -> Option<String> {
    let mut without_tags = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                without_tags.push(' ');
            }
            _ if in_tag => {}
            _ => without_tags.push(c),
        }
    }
    let decoded = without_tags
        .replace("&nbsp;", " ")
        .replace("&lt;", "‹")
        .replace("&gt;", "›")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let folded = decoded
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if folded.is_empty() || hostile(&folded) {
        return None;
    }
    if folded.chars().count() <= max {
        return Some(folded);
    }
    let cut: String = folded.chars().take(max.saturating_sub(1)).collect();
    Some(format!("{}…", cut.trim_end()))
}

/// Voice numbers and the first text number, from the service's `phones` and its contacts' `phones`. Numbers that
/// are not only digits, spaces and a leading `+` are dropped, as are repeats.
fn read_phones(fields: &Map<String, Value>) -> (Vec<PhoneLink>, Option<PhoneLink>) {
    let direct = fields
        .get("phones")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|phone| (phone, None));
    let from_contacts = fields
        .get("contacts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|contact| {
            let label = contact
                .get("title")
                .or_else(|| contact.get("name"))
                .and_then(Value::as_str);
            contact
                .get("phones")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(move |phone| (phone, label))
        });
    let mut phones: Vec<PhoneLink> = Vec::new();
    let mut sms = None;
    for (phone, label) in direct.chain(from_contacts) {
        let Some(phone) = phone.as_object() else {
            continue;
        };
        let Some(number) = phone
            .get("number")
            .and_then(Value::as_str)
            .and_then(clean_phone_number)
        else {
            continue;
        };
        let description = phone
            .get("description")
            .and_then(Value::as_str)
            .or(label)
            .and_then(|text| plain_text(text, PHONE_DESCRIPTION_MAX_CHARS));
        let kind = phone
            .get("type")
            .and_then(Value::as_str)
            .map(|kind| kind.trim().to_lowercase());
        let voice_href = tel_href_for(&number);
        if matches!(kind.as_deref(), Some("text" | "sms")) {
            if sms.is_none() {
                let href = voice_href.replacen("tel:", "sms:", 1);
                sms = Some(PhoneLink {
                    number,
                    href,
                    description,
                });
            }
            continue;
        }
        if phones.len() < MAX_PHONES && phones.iter().all(|p| p.href != voice_href) {
            phones.push(PhoneLink {
                number,
                href: voice_href,
                description,
            });
        }
    }
    (phones, sms)
}

/// The needs named by the service's taxonomy terms: ORUK 1 `service_taxonomys` (and the `service_taxonomies`
/// spelling) items' `taxonomy`, and ORUK 3 `attributes` items' `taxonomy_term`.
fn read_needs(fields: &Map<String, Value>) -> Vec<Need> {
    let list = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let terms = list("service_taxonomys")
        .iter()
        .chain(list("service_taxonomies"))
        .filter_map(|item| item.get("taxonomy"))
        .chain(
            list("attributes")
                .iter()
                .filter_map(|item| item.get("taxonomy_term")),
        )
        .filter_map(Value::as_object);
    let text = |term: &Map<String, Value>, keys: &[&str]| -> String {
        keys.iter()
            .find_map(|key| term.get(*key)?.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let mut needs: Vec<Need> = terms
        .filter_map(|term| {
            Need::from_taxonomy(
                &text(term, &["id"]),
                &text(term, &["name", "term"]),
                &text(term, &["vocabulary", "taxonomy"]),
            )
        })
        .collect::<BTreeSet<Need>>()
        .into_iter()
        .collect();
    if needs.is_empty() {
        needs.push(Need::Other);
    }
    needs
}

/// When the details were last checked: `waymark_last_checked` (`YYYY-MM-DD`), else ORUK `assured_date`
/// (`YYYY-MM-DD…`, or `DD/MM/YYYY…` as some ORUK servers write it).
fn read_last_checked(fields: &Map<String, Value>) -> Option<LocalDate> {
    let date_text = |key: &str| fields.get(key)?.as_str().map(str::trim);
    if let Some(date) = date_text("waymark_last_checked").and_then(|t| LocalDate::parse(t).ok()) {
        return Some(date);
    }
    let assured = date_text("assured_date")?;
    if let Some(date) = assured.get(..10).and_then(|t| LocalDate::parse(t).ok()) {
        return Some(date);
    }
    let day_first = assured.get(..10)?;
    let mut parts = day_first.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(day), Some(month), Some(year)) if day.len() == 2 && month.len() == 2 => {
            LocalDate::parse(&format!("{year}-{month}-{day}")).ok()
        }
        _ => None,
    }
}

/// Where the directory being shown came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryOrigin {
    /// Just fetched from the service: save it as the new last good copy.
    Fetched,
    /// The copy saved the last time fetching worked.
    LastGood,
    /// Waymark's own national list.
    Bundled,
}

/// The directory to show, where it came from, and what to tell the person if it is not the fresh one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenDirectory {
    pub directory: Directory,
    pub origin: DirectoryOrigin,
    /// Shown above the list when Waymark fell back to an older or national copy.
    pub message: Option<&'static str>,
}

/// Shown when the service's list could not be updated and the saved copy is used.
pub const USING_SAVED_COPY: &str = "Your service's list of places to get help could not be updated just now, so \
     Waymark is showing the copy it saved before.";
/// Shown when the service's list could not be loaded and there is no saved copy.
pub const USING_NATIONAL_LIST: &str = "Your service's list of places to get help could not be loaded, so Waymark \
     is showing its national list instead.";

/// Picks the directory to show: the freshly fetched one when it was read well, else the last good copy, else the
/// bundled national list, with a message whenever it fell back.
///
/// Save the fetched text (not the [`Directory`]) as the new last good copy only when the origin is
/// [`DirectoryOrigin::Fetched`], and read it back with [`parse_directory`], so a saved copy is checked like a
/// fresh one. Services with no directory of their own show the bundled list and need not call this.
pub fn choose_directory(
    bundled: Directory,
    fetched: Result<Directory, DirectoryError>,
    last_good: Option<Directory>,
) -> ChosenDirectory {
    match (fetched, last_good) {
        (Ok(directory), _) if !directory.services.is_empty() => ChosenDirectory {
            directory,
            origin: DirectoryOrigin::Fetched,
            message: None,
        },
        (_, Some(directory)) if !directory.services.is_empty() => ChosenDirectory {
            directory,
            origin: DirectoryOrigin::LastGood,
            message: Some(USING_SAVED_COPY),
        },
        _ => ChosenDirectory {
            directory: bundled,
            origin: DirectoryOrigin::Bundled,
            message: Some(USING_NATIONAL_LIST),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NATIONAL: &str = include_str!("../../public/directory/national.json");

    fn date(text: &str) -> LocalDate {
        LocalDate::parse(text).unwrap()
    }

    /// An ORUK 1 service as an ORUK API returns it.
    fn oruk_service(id: &str, name: &str) -> Value {
        serde_json::json!({
            "id": id,
            "name": name,
            "description": "<p>Free advice about <b>debt</b> &amp; money.</p>",
            "url": "https://example.org/service",
            "status": "active",
            "assured_date": "21/11/2026 10:00:00",
            "organization": {"id": "org-1", "name": "Example Advice", "description": "A charity",
                "url": "https://example.org"},
            "contacts": [{"id": "c1", "name": "Helpline", "phones": [{"id": "p1", "number": "0800 123 4567"}]}],
            "service_taxonomys": [
                {"id": "st1", "taxonomy": {"id": "42", "name": "Debt advice", "vocabulary": "Council services"}},
                {"id": "st2", "taxonomy": {"id": "43", "name": "Housing and homelessness", "vocabulary": "Council services"}}
            ]
        })
    }

    #[test]
    fn reads_an_oruk_api_page() {
        let page = serde_json::json!({
            "totalElements": 2, "totalPages": 1, "number": 1, "size": 2, "first": true, "last": true,
            "content": [oruk_service("s1", "Money help"), oruk_service("s2", "Debt clinic")]
        });
        let directory = parse_directory(&page.to_string()).unwrap();
        assert_eq!(directory.skipped, 0);
        let service = &directory.services[0];
        assert_eq!(service.id, "s1");
        assert_eq!(service.organization_name.as_deref(), Some("Example Advice"));
        assert_eq!(service.description, "Free advice about debt & money.");
        assert_eq!(service.url.as_deref(), Some("https://example.org/service"));
        assert_eq!(
            service.phones,
            [PhoneLink {
                number: "0800 123 4567".into(),
                href: "tel:08001234567".into(),
                description: Some("Helpline".into())
            }]
        );
        assert_eq!(service.needs, [Need::MoneyAndDebt, Need::Housing]);
        assert_eq!(service.last_checked, Some(date("2026-11-21")));
        // A bare array reads the same.
        let array = Value::Array(vec![oruk_service("s1", "Money help")]).to_string();
        assert_eq!(parse_directory(&array).unwrap().services[0], *service);
    }

    #[test]
    fn reads_organizations_and_services_with_oruk_3_fields() {
        let file = serde_json::json!({
            "organizations": [{"id": "o1", "name": "Walk Together", "website": "https://walk.example.org"}],
            "services": [{
                "id": 7,
                "organization_id": "o1",
                "name": "Health walks",
                "phones": [
                    {"number": "+44 1234 567890", "description": "Bookings", "type": "voice"},
                    {"number": "60000", "type": "text"}
                ],
                "attributes": [{"id": "a1", "link_type": "service",
                    "taxonomy_term": {"id": "t1", "term": "Walking groups", "taxonomy": "Local"}}],
                "assured_date": "2026-10-01"
            }]
        });
        let directory = parse_directory(&file.to_string()).unwrap();
        let service = &directory.services[0];
        assert_eq!(service.id, "7");
        assert_eq!(service.organization_name.as_deref(), Some("Walk Together"));
        assert_eq!(service.url.as_deref(), Some("https://walk.example.org"));
        assert_eq!(service.phones[0].href, "tel:+441234567890");
        assert_eq!(service.phones[0].description.as_deref(), Some("Bookings"));
        assert_eq!(
            service.sms,
            Some(PhoneLink {
                number: "60000".into(),
                href: "sms:60000".into(),
                description: None
            })
        );
        assert_eq!(service.needs, [Need::PhysicalActivity]);
        assert_eq!(service.last_checked, Some(date("2026-10-01")));
        assert_eq!(service.description, "");
    }

    #[test]
    fn malformed_services_are_skipped_and_counted() {
        let file = Value::Array(vec![
            oruk_service("good", "Good service"),
            Value::String("not a service".into()),
            serde_json::json!({"name": "No id"}),
            serde_json::json!({"id": "no-name"}),
            serde_json::json!({"id": "blank", "name": "  <br>  "}),
            serde_json::json!({"id": ["list"], "name": "Odd id"}),
            serde_json::json!({"id": "closed", "name": "Closed", "status": "defunct"}),
            oruk_service("good", "Same id again"),
        ]);
        let directory = parse_directory(&file.to_string()).unwrap();
        assert_eq!(directory.services.len(), 1);
        assert_eq!(directory.skipped, 7);
    }

    #[test]
    fn whole_file_problems_are_errors() {
        assert!(matches!(
            parse_directory("{"),
            Err(DirectoryError::NotJson(_))
        ));
        assert_eq!(
            parse_directory("{\"items\": []}"),
            Err(DirectoryError::UnknownShape)
        );
        assert_eq!(
            parse_directory("\"services\""),
            Err(DirectoryError::UnknownShape)
        );
        assert_eq!(parse_directory("[]"), Err(DirectoryError::Empty));
        assert_eq!(
            parse_directory("{\"content\": []}"),
            Err(DirectoryError::Empty)
        );
        assert_eq!(
            parse_directory("[1, {\"id\": 2}]"),
            Err(DirectoryError::NothingReadable(2))
        );
        let huge = format!("[\"{}\"]", "a".repeat(MAX_DIRECTORY_BYTES));
        assert_eq!(parse_directory(&huge), Err(DirectoryError::TooBig));
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        assert!(matches!(
            parse_directory(&deep),
            Err(DirectoryError::NotJson(_))
        ));
    }

    #[test]
    fn unsafe_links_and_numbers_are_dropped() {
        let mut service = oruk_service("s1", "Name");
        service["url"] = "javascript:alert(1)".into();
        service["organization"]["url"] = "http://example.org".into();
        service["waymark_source"] = "data:text/html,hi".into();
        service["contacts"][0]["phones"] = serde_json::json!([
            {"number": "0800-123-4567"},
            {"number": "call us"},
            {"number": "tel:0800"},
            {"number": "0800 765 4321"},
            {"number": "0800 7654321"}
        ]);
        service["description"] = "<a href=\"javascript:x\">Click</a> javascript:alert(1)".into();
        let directory = parse_directory(&Value::Array(vec![service]).to_string()).unwrap();
        let service = &directory.services[0];
        assert_eq!(service.url, None);
        assert_eq!(service.source, None);
        assert_eq!(service.phones.len(), 1, "bad and repeated numbers dropped");
        assert_eq!(service.phones[0].number, "0800 765 4321");
        assert_eq!(
            service.description, "",
            "a description hiding a script link is dropped"
        );
    }

    #[test]
    fn long_text_is_cut_and_unknown_terms_are_other() {
        let mut service = oruk_service("s1", &"N".repeat(300));
        service["description"] = "word ".repeat(1000).into();
        service["service_taxonomys"] = serde_json::json!([{"id": "x", "taxonomy": {"id": "9", "name": "Parenting", "vocabulary": "LGA"}}]);
        let directory = parse_directory(&Value::Array(vec![service]).to_string()).unwrap();
        let service = &directory.services[0];
        assert_eq!(service.name.chars().count(), NAME_MAX_CHARS);
        assert!(service.name.ends_with('…'));
        assert!(service.description.chars().count() <= DESCRIPTION_MAX_CHARS);
        assert_eq!(service.needs, [Need::Other], "'parenting' is not 'rent'");
    }

    #[test]
    fn taxonomy_mapping() {
        for need in Need::ALL {
            assert_eq!(
                Need::from_taxonomy(need.id(), "anything", "waymark-needs"),
                Some(need)
            );
            assert_eq!(Need::from_id(need.id()), Some(need));
            let json = serde_json::to_string(&need).unwrap();
            assert_eq!(json, format!("\"{}\"", need.id()));
        }
        assert_eq!(Need::from_taxonomy("nope", "Debt", "waymark-needs"), None);
        for (name, need) in [
            ("Debt advice", Some(Need::MoneyAndDebt)),
            ("Welfare benefits", Some(Need::MoneyAndDebt)),
            ("Homelessness", Some(Need::Housing)),
            ("Private rent", Some(Need::Housing)),
            ("Employment support", Some(Need::Work)),
            ("Befriending", Some(Need::LonelinessAndConnection)),
            ("Young carers", Some(Need::Carers)),
            ("Walking football", Some(Need::PhysicalActivity)),
            ("Get active", Some(Need::PhysicalActivity)),
            ("Bereavement support", Some(Need::Bereavement)),
            ("Substance misuse", Some(Need::AlcoholAndDrugs)),
            ("Family law", Some(Need::LegalAdvice)),
            ("Lawn bowls", None),
            ("Activities for children", None),
            ("Parenting", None),
        ] {
            assert_eq!(
                Need::from_taxonomy("1", name, "Other vocabulary"),
                need,
                "{name}"
            );
        }
        assert!(Need::ALL.iter().all(|need| !need.label().is_empty()));
    }

    #[test]
    fn search_matches_other_forms_of_a_word() {
        let directory = parse_directory(NATIONAL).unwrap();
        let names = |words: &str| -> Vec<String> {
            directory
                .search(words)
                .iter()
                .map(|s| s.name.clone())
                .collect()
        };
        // "lonely" is in no description, but "loneliness" is, and it names the need.
        for words in ["lonely", "Loneliness", "isolated", "lonely older"] {
            assert!(
                names(words)
                    .iter()
                    .any(|n| n == "Marmalade Trust" || n == "Age UK"),
                "{words}: {:?}",
                names(words)
            );
        }
        assert!(names("lonely").contains(&"Marmalade Trust".to_owned()));
        assert!(names("debts").iter().any(|n| n.contains("StepChange")));
        assert!(names("bereaved").iter().any(|n| n.contains("Cruse")));
        assert!(
            names("lonely zzzz").is_empty(),
            "every word must still match"
        );
        assert_eq!(stem("lonely"), "lone");
        assert_eq!(stem("walking"), "walk");
        assert_eq!(stem("gym"), "gym");
        assert_eq!(stem("bus"), "bus");
    }

    #[test]
    fn search_and_filter() {
        let directory = parse_directory(NATIONAL).unwrap();
        assert_eq!(directory.search("").len(), directory.services.len());
        let debt = directory.search("DEBT");
        assert!(debt.iter().any(|s| s.name.contains("StepChange")));
        assert!(
            directory.search("debt zzzz").is_empty(),
            "every word must match"
        );
        let bereavement = directory.by_need(Need::Bereavement);
        assert!(
            bereavement
                .iter()
                .all(|s| s.needs.contains(&Need::Bereavement))
        );
        assert!(!bereavement.is_empty());
        let first = &directory.services[0];
        assert_eq!(directory.find(&first.id), Some(first));
        assert_eq!(directory.find("missing"), None);
    }

    #[test]
    fn the_bundled_national_list_is_complete_and_checked() {
        let directory = parse_directory(NATIONAL).unwrap();
        assert_eq!(directory.skipped, 0);
        assert!((12..=20).contains(&directory.services.len()));
        for need in Need::ALL {
            assert!(!directory.by_need(need).is_empty(), "nothing for {need:?}");
        }
        let file: Value = serde_json::from_str(NATIONAL).unwrap();
        for (item, service) in file["content"]
            .as_array()
            .unwrap()
            .iter()
            .zip(&directory.services)
        {
            assert!(service.url.is_some(), "{}", service.name);
            assert!(service.source.is_some(), "{} has no source", service.name);
            assert_eq!(
                service.last_checked,
                Some(date("2026-11-21")),
                "{}",
                service.name
            );
            // Every taxonomy term in the bundled file is a known need.
            for term in item["service_taxonomys"].as_array().unwrap() {
                assert_eq!(term["taxonomy"]["vocabulary"], WAYMARK_VOCABULARY);
                assert!(Need::from_id(term["taxonomy"]["id"].as_str().unwrap()).is_some());
            }
            // Every number read is also written out in the file (nothing dropped as unsafe).
            let written = item["contacts"].as_array().map_or(0, |c| {
                c.iter()
                    .map(|c| c["phones"].as_array().map_or(0, Vec::len))
                    .sum()
            });
            assert_eq!(service.phones.len(), written, "{}", service.name);
        }
    }

    #[test]
    fn choose_keeps_the_last_good_copy() {
        let bundled = parse_directory(NATIONAL).unwrap();
        let fresh =
            parse_directory(&Value::Array(vec![oruk_service("new", "New")]).to_string()).unwrap();
        let saved =
            parse_directory(&Value::Array(vec![oruk_service("old", "Old")]).to_string()).unwrap();

        let chosen = choose_directory(bundled.clone(), Ok(fresh.clone()), Some(saved.clone()));
        assert_eq!(chosen.origin, DirectoryOrigin::Fetched);
        assert_eq!(chosen.directory, fresh);
        assert_eq!(chosen.message, None);

        let chosen = choose_directory(
            bundled.clone(),
            parse_directory("<html>Server error</html>"),
            Some(saved.clone()),
        );
        assert_eq!(chosen.origin, DirectoryOrigin::LastGood);
        assert_eq!(chosen.directory, saved);
        assert_eq!(chosen.message, Some(USING_SAVED_COPY));

        let chosen = choose_directory(
            bundled.clone(),
            Err(DirectoryError::NotFetched("no signal".into())),
            None,
        );
        assert_eq!(chosen.origin, DirectoryOrigin::Bundled);
        assert_eq!(chosen.directory, bundled);
        assert_eq!(chosen.message, Some(USING_NATIONAL_LIST));

        let empty_saved = Some(Directory::default());
        let chosen = choose_directory(bundled, Err(DirectoryError::Empty), empty_saved);
        assert_eq!(chosen.origin, DirectoryOrigin::Bundled);
    }

    proptest! {
        #[test]
        fn any_text_gives_a_directory_or_an_error(text in ".{0,300}") {
            let _ = parse_directory(&text);
        }

        #[test]
        fn any_service_shaped_json_is_read_safely(
            id in ".{0,20}",
            name in ".{0,60}",
            url in "(https?|javascript|data)://?[a-z.]{0,12}",
            number in "[0-9 +a-z-]{0,18}",
            term in "[A-Za-z ]{0,20}",
        ) {
            let text = serde_json::json!([{
                "id": id, "name": name, "url": url,
                "contacts": [{"phones": [{"number": number}]}],
                "service_taxonomys": [{"taxonomy": {"id": term, "name": term, "vocabulary": term}}]
            }]).to_string();
            if let Ok(directory) = parse_directory(&text) {
                for service in &directory.services {
                    prop_assert!(!service.needs.is_empty());
                    if let Some(url) = &service.url {
                        prop_assert!(url.starts_with("https://"));
                    }
                    for phone in &service.phones {
                        prop_assert!(phone.href.starts_with("tel:"));
                        prop_assert!(phone.href[4..].trim_start_matches('+').bytes().all(|b| b.is_ascii_digit()));
                    }
                }
            }
        }
    }
}
