use crate::app::set_page_title;
use crate::browser::clock;
use crate::components::mood_face::MoodFace;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;

/// Mood: the person's check-ins, newest first.
#[component]
pub fn MoodPage() -> impl IntoView {
    set_page_title("Mood");
    let state = use_app_state();
    let entries = move || {
        state.check_ins.with(|c| {
            let mut live: Vec<_> = c.live().map(|r| (r.id.clone(), r.data.clone())).collect();
            live.sort_unstable_by_key(|(id, check_in)| {
                std::cmp::Reverse((check_in.at, id.clone()))
            });
            live
        })
    };
    view! {
        <h1 tabindex="-1">"Mood"</h1>
        <section class="card" aria-labelledby="mood-list-title">
            <h2 id="mood-list-title">"Your check-ins"</h2>
            <Show
                when=move || state.check_ins.with(|c| c.live().next().is_some())
                fallback=|| {
                    view! {
                        <p>"No check-ins yet. " <A href="/">"Check in from Today"</A> " whenever you like."</p>
                    }
                }
            >
                <ul class="entry-list">
                    {move || {
                        entries()
                            .into_iter()
                            .map(|(_, check_in)| {
                                view! {
                                    <li class="entry">
                                        <MoodFace mood=check_in.mood/>
                                        <span class="entry-main">{check_in.mood.label()}</span>
                                        <span class="entry-when">{clock::format_day_and_time(check_in.at)}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
        </section>
        <section class="card" aria-labelledby="mood-soon">
            <h2 id="mood-soon">"Coming soon"</h2>
            <p>
                "Notes and tags, changing or removing a check-in, trends over time, and the PHQ-9 and GAD-7 "
                "questionnaires your service uses."
            </p>
        </section>
    }
}
