use crate::app::set_page_title;
use leptos::prelude::*;
use waymark_core::crisis::{CONTACTS, LAST_CHECKED, LAST_CHECKED_WORDS};

/// Help now: who to contact, one tap to call or text. Works offline: it is part of the app.
#[component]
pub fn HelpNowPage() -> impl IntoView {
    set_page_title("Help now");
    view! {
        <h1 tabindex="-1">"Help now"</h1>
        <p class="lead">"If you need help now, you can contact someone straight away. You are not alone."</p>
        <ul class="help-list">
            {CONTACTS
                .iter()
                .map(|contact| {
                    view! {
                        <li class="help-contact">
                            <h2>{contact.when}</h2>
                            <p class="help-name">{contact.name}</p>
                            <a class="help-action" href=contact.href>{contact.action}</a>
                            <p class="help-note">{contact.note}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        <p class="checked">"These contacts were last checked on " <time datetime=LAST_CHECKED>{LAST_CHECKED_WORDS}</time> "."</p>
    }
}
