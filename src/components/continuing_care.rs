use crate::browser::clock;
use crate::components::get_back_in::{AfterTherapyText, GetBackIn};
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::plan::{continuing_care, current};

/// After therapy has ended: the staying-well plan, a suggested questionnaire check-in, the service's "what happens
/// now", and, when the latest scores are back at caseness or reliably worse, a kind pointer back into care.
#[component]
pub fn ContinuingCareCard() -> impl IntoView {
    let state = use_app_state();
    let today = clock::today();
    let care = move || {
        let status = state
            .therapy
            .with(|t| current(t.all()).map(|r| r.data.clone()))?;
        state
            .questionnaires
            .with(|q| continuing_care(&status, today, q.all(), &clock::BrowserZone))
    };
    view! {
        {move || {
            care()
                .map(|care| {
                    view! {
                        <section class="card continuing-care" aria-labelledby="care-title">
                            <h2 id="care-title">"After therapy"</h2>
                            {care
                                .concern
                                .map(|concern| {
                                    view! {
                                        <div class="review-prompt" role="status">
                                            <p>{concern.message()}</p>
                                        </div>
                                        <h3>"Getting back in touch"</h3>
                                        <GetBackIn/>
                                    }
                                })}
                            <p>
                                <A href="/plan/staying-well">"Your staying-well plan"</A>
                                " is there whenever you need it."
                            </p>
                            {if care.questionnaire_due {
                                view! {
                                    <p>
                                        "It is a good time for your PHQ-9 and GAD-7 check-in. "
                                        <A href="/mood/questionnaire">"Answer the questionnaires"</A>
                                    </p>
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <p class="hint">
                                        {format!("Your next questionnaire check-in: {}.", clock::format_date(care.next_check_in_on))}
                                    </p>
                                }
                                    .into_any()
                            }}
                            <details>
                                <summary>"What happens now"</summary>
                                <AfterTherapyText/>
                            </details>
                        </section>
                    }
                })
        }}
    }
}
