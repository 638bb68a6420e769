use crate::app::set_page_title;
use crate::components::help_contacts::HelpContacts;
use leptos::prelude::*;

/// Help now: who to contact, one tap to call or text. Works offline: it is part of the app.
#[component]
pub fn HelpNowPage() -> impl IntoView {
    set_page_title("Help now");
    view! {
        <h1 tabindex="-1">"Help now"</h1>
        <p class="lead">"If you need help now, you can contact someone straight away. You are not alone."</p>
        <HelpContacts/>
    }
}
