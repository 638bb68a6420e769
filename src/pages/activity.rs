use crate::app::set_page_title;
use leptos::prelude::*;

/// Activity: goals, a log and weekly progress (not built yet, and it says so).
#[component]
pub fn ActivityPage() -> impl IntoView {
    set_page_title("Activity");
    view! {
        <h1 tabindex="-1">"Activity"</h1>
        <section class="card">
            <h2>"Coming soon"</h2>
            <p>
                "Here you will be able to set activity goals that start where you are, log what you do in a few taps, "
                "and see your week."
            </p>
            <p>"Any amount of activity helps, and you can build up slowly."</p>
        </section>
    }
}
