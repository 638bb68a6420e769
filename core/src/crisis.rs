//! The national Help-now contacts, from the service's approved list (`shared/design/crisis.md`).
//!
//! Only these may be built in; a hosting service adds its own through configuration. `index.html` carries the same
//! list as plain HTML so that it shows even when the app's code never loads; a test keeps the two in step.

/// One way to get help now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HelpContact {
    /// When to use it, in plain words.
    pub when: &'static str,
    /// Who it is.
    pub name: &'static str,
    /// The `tel:` or `sms:` link.
    pub href: &'static str,
    /// The words on the link, with the number written out so it can be dialled by hand.
    pub action: &'static str,
    /// A short note on what to expect.
    pub note: &'static str,
}

/// When the list was last checked against the approved list (ISO 8601 date).
pub const LAST_CHECKED: &str = "2026-11-21";
/// The same date in words, as shown.
pub const LAST_CHECKED_WORDS: &str = "21 November 2026";

/// The contacts, most urgent first.
pub const CONTACTS: [HelpContact; 4] = [
    HelpContact {
        when: "If your life is at risk, or someone is seriously hurt",
        name: "Emergency services",
        href: "tel:999",
        action: "Call 999",
        note: "Or go to A&E.",
    },
    HelpContact {
        when: "If you need urgent mental health help, but it is not an emergency",
        name: "NHS 111",
        href: "tel:111",
        action: "Call 111, then choose the mental health option (option 2)",
        note: "Any time, day or night. Any age. You do not need your GP. In Scotland, NHS 24 is also on 111.",
    },
    HelpContact {
        when: "If you want someone to talk to, any time",
        name: "Samaritans",
        href: "tel:116123",
        action: "Call 116 123",
        note: "Free, any time, day or night.",
    },
    HelpContact {
        when: "If you would rather text",
        name: "Shout",
        href: "sms:85258?&body=SHOUT",
        action: "Text SHOUT to 85258",
        note: "Free, any time. Trained volunteers text back.",
    },
];
