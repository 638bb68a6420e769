use crate::app::set_page_title;
use crate::components::mood_history::{MoodHistory, UndoDelete};
use crate::components::mood_trend::{MoodTrend, TagInsights};
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;

/// Mood: trends, tag insights, the questionnaires, and every check-in by day.
#[component]
pub fn MoodPage() -> impl IntoView {
    set_page_title("Mood");
    let state = use_app_state();
    state.ensure_check_ins_loaded();
    // Built once per change to the check-ins; every section reads it.
    let days = Memo::new(move |_| state.mood_days());
    let has_check_ins = move || days.with(|d| d.check_in_count() > 0);
    let just_deleted = RwSignal::new(None);
    let has_results = move || {
        state
            .questionnaires
            .with(|c| c.live().any(|r| r.data.pair().is_some()))
    };

    view! {
        <h1 tabindex="-1">"Mood"</h1>
        <section class="card" aria-labelledby="questionnaires-title">
            <h2 id="questionnaires-title">"PHQ-9 and GAD-7"</h2>
            <p>"The two questionnaires your service uses, to see how things change over time."</p>
            <div class="actions">
                <A href="/mood/questionnaire" attr:class="button-link">"Answer the questionnaires"</A>
                <Show when=has_results>
                    <A href="/mood/results" attr:class="button-link quiet">"See your results"</A>
                </Show>
            </div>
        </section>
        <Show
            when=has_check_ins
            fallback=move || {
                view! {
                    <section class="card">
                        <h2>"Your check-ins"</h2>
                        <UndoDelete just_deleted=just_deleted/>
                        <p>"No check-ins yet. " <A href="/">"Check in from Today"</A> " whenever you like."</p>
                    </section>
                }
            }
        >
            <section class="card" aria-labelledby="trend-title">
                <h2 id="trend-title">"How your mood has been"</h2>
                <MoodTrend days=days/>
            </section>
            <section class="card" aria-labelledby="tags-title">
                <h2 id="tags-title">"Tags and your mood"</h2>
                <TagInsights days=days/>
            </section>
            <section class="card" aria-labelledby="history-title">
                <h2 id="history-title">"Your check-ins"</h2>
                <UndoDelete just_deleted=just_deleted/>
                <MoodHistory days=days just_deleted=just_deleted/>
            </section>
        </Show>
    }
}
