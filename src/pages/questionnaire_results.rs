use crate::app::set_page_title;
use crate::browser::clock;
use crate::components::questionnaire_chart::QuestionnaireChart;
use crate::components::support_now::SupportNow;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::calendar::local_date;
use waymark_core::questionnaire::{
    COPYRIGHT_NOTICE, DatedPair, GAD7_MAX_TOTAL, Gad7Severity, PHQ9_MAX_TOTAL, PairHistory,
    Phq9Severity, dated_pairs,
};

/// The latest PHQ-9 and GAD-7 scores in the service's own words, the change since the first and the previous
/// scores, and a chart of every pair. Support comes first when the latest PHQ-9 item 9 was above 0.
#[component]
pub fn QuestionnaireResultsPage() -> impl IntoView {
    set_page_title("Questionnaire results");
    let state = use_app_state();
    let zone = clock::BrowserZone;
    let latest_needs_support = move || {
        state.questionnaires.with(|c| {
            c.live()
                .max_by_key(|r| (r.data.at, r.created))
                .is_some_and(|r| r.data.needs_support())
        })
    };
    let history = move || state.questionnaires.with(|c| PairHistory::find(c.all()));
    let all_pairs = move || state.questionnaires.with(|c| dated_pairs(c.all()));
    let date = move |p: &DatedPair| clock::format_date(local_date(p.at, &zone));

    view! {
        <h1 tabindex="-1">"Questionnaire results"</h1>
        <Show when=latest_needs_support>
            <SupportNow/>
        </Show>
        {move || match history() {
            None => view! {
                <section class="card">
                    <p>"You have no questionnaire results yet."</p>
                    <A href="/mood/questionnaire" attr:class="button-link">"Answer the questionnaires"</A>
                </section>
            }
                .into_any(),
            Some(history) => {
                let latest = history.latest;
                let phq9 = latest.pair.phq9_total();
                let gad7 = latest.pair.gad7_total();
                view! {
                    <section class="card" aria-labelledby="latest-title">
                        <h2 id="latest-title">{format!("Your scores on {}", date(&latest))}</h2>
                        <dl class="scores">
                            <dt>"PHQ-9"</dt>
                            <dd>{format!("{phq9} out of {PHQ9_MAX_TOTAL}: {}", Phq9Severity::from_total(phq9).label())}</dd>
                            <dt>"GAD-7"</dt>
                            <dd>{format!("{gad7} out of {GAD7_MAX_TOTAL}: {}", Gad7Severity::from_total(gad7).label())}</dd>
                        </dl>
                        <p>{latest.pair.caseness_sentence()}</p>
                    </section>
                    {history
                        .since_previous()
                        .filter(|_| history.previous.is_some_and(|p| p.at != history.first.at))
                        .zip(history.previous)
                        .map(|(change, previous)| {
                            view! {
                                <section class="card">
                                    <h2>{format!("Since your previous scores ({})", date(&previous))}</h2>
                                    {change.sentences().into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
                                </section>
                            }
                        })}
                    {history
                        .since_first()
                        .map(|change| {
                            view! {
                                <section class="card">
                                    <h2>{format!("Since your first scores ({})", date(&history.first))}</h2>
                                    {change.sentences().into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
                                </section>
                            }
                        })}
                    <section class="card" aria-labelledby="over-time-title">
                        <h2 id="over-time-title">"Over time"</h2>
                        <QuestionnaireChart pairs=all_pairs()/>
                    </section>
                }
                    .into_any()
            }
        }}
        <section class="card">
            <p>
                "These results are for your own tracking. They use the same questions and the same words as your "
                "service, but they are not an official record. Waymark uses GAD-7 for anxiety throughout; your "
                "service may also use other questionnaires for some kinds of anxiety."
            </p>
            <A href="/mood/questionnaire" attr:class="button-link">"Answer the questionnaires again"</A>
            <p class="notice">{COPYRIGHT_NOTICE}</p>
        </section>
    }
}
