use leptos::prelude::*;
use waymark_core::crisis::{CONTACTS, LAST_CHECKED, LAST_CHECKED_WORDS};

/// The Help-now contacts, each with a tap-to-call or tap-to-text link and the number written out.
#[component]
pub fn HelpContacts(
    /// The heading level for each contact's "when" line (2 on the Help-now page, 3 inside a section).
    #[prop(default = 2)]
    heading_level: u8,
) -> impl IntoView {
    view! {
        <ul class="help-list">
            {CONTACTS
                .iter()
                .map(|contact| {
                    let when = if heading_level == 2 {
                        view! { <h2>{contact.when}</h2> }.into_any()
                    } else {
                        view! { <h3>{contact.when}</h3> }.into_any()
                    };
                    view! {
                        <li class="help-contact">
                            {when}
                            <p class="help-name">{contact.name}</p>
                            <a class="help-action" href=contact.href>{contact.action}</a>
                            <p class="help-note">{contact.note}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <p class="checked">
            "These contacts were last checked on " <time datetime=LAST_CHECKED>{LAST_CHECKED_WORDS}</time> "."
        </p>
    }
}
