use crate::components::help_contacts::HelpContacts;
use leptos::prelude::*;

/// A calm message that support is available now, with the Help-now contacts. Shown at once when PHQ-9 item 9 is
/// answered above "Not at all", and again before any result.
#[component]
pub fn SupportNow() -> impl IntoView {
    view! {
        <section class="support-now" aria-labelledby="support-now-title">
            <div role="alert">
                <h2 id="support-now-title">"Support is available now"</h2>
                <p>
                    "Thank you for answering. You said you have had thoughts of being better off dead or of hurting "
                    "yourself. You do not have to face this alone. You can talk to someone now, at any time of day or night."
                </p>
            </div>
            <HelpContacts heading_level=3/>
            <p>"If you have a therapist or care team, you can also tell them how you are feeling."</p>
        </section>
    }
}
