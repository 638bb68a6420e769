use crate::app::set_page_title;
use crate::browser::clock;
use crate::components::quick_check_in::QuickCheckIn;
use crate::state::use_app_state;
use leptos::prelude::*;

/// Today: how am I right now, and what comes next.
#[component]
pub fn TodayPage() -> impl IntoView {
    set_page_title("Today");
    let state = use_app_state();
    let last = move || {
        state.check_ins.with(|c| {
            c.live().max_by_key(|r| r.data.at).map(|r| {
                format!(
                    "Your last check-in: {}, {}.",
                    r.data.mood.label(),
                    clock::format_day_and_time(r.data.at)
                )
            })
        })
    };
    view! {
        <h1 tabindex="-1">"Today"</h1>
        <QuickCheckIn/>
        <p class="last-check-in">{last}</p>
        <section class="card" aria-labelledby="today-next">
            <h2 id="today-next">"Coming soon"</h2>
            <p>"Your activity this week and your next step will show here once those parts of Waymark are ready."</p>
        </section>
    }
}
