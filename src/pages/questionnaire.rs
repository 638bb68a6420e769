use crate::app::set_page_title;
use crate::browser::clock;
use crate::components::support_now::SupportNow;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use waymark_core::Record;
use waymark_core::questionnaire::{
    ANSWER_OPTIONS, Answers, COPYRIGHT_NOTICE, DIFFICULTY_QUESTION, Difficulty, Measure,
    QuestionnaireResponse,
};

/// PHQ-9 then GAD-7: 16 questions.
const QUESTIONS: usize = 16;
/// Step 0 is the introduction, steps 1 to 16 the questions, step 17 the optional difficulty question.
const DIFFICULTY_STEP: usize = QUESTIONS + 1;

/// Which measure and item a question number (from 0) is.
fn question(n: usize) -> (Measure, usize) {
    if n < 9 {
        (Measure::Phq9, n)
    } else {
        (Measure::Gad7, n - 9)
    }
}

/// The PHQ-9 and GAD-7 questionnaires, one question per screen, with back and forward.
#[component]
pub fn QuestionnairePage() -> impl IntoView {
    set_page_title("Questionnaires");
    let state = use_app_state();
    let navigate = use_navigate();
    let step = RwSignal::new(0usize);
    let answers = RwSignal::new([None::<u8>; QUESTIONS]);
    let difficulty = RwSignal::new(None::<Difficulty>);
    // PHQ-9 item 9 (thoughts of being better off dead or of self-harm) above "Not at all".
    let needs_support = move || answers.with(|a| a[8].is_some_and(|score| score > 0));

    let go_to = move |next: usize| {
        step.set(next);
        request_animation_frame(|| {
            if let Some(heading) = document()
                .query_selector(".questionnaire h2")
                .ok()
                .flatten()
                .and_then(|h| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(h).ok())
            {
                let _ = heading.focus();
            }
        });
    };
    let finish = move || {
        let all = answers.get_untracked();
        let scores: Vec<u8> = all.iter().map(|a| a.unwrap_or_default()).collect();
        let (Ok(phq9), Ok(gad7)) = (
            Answers::<9>::try_from(scores[..9].to_vec()),
            Answers::<7>::try_from(scores[9..].to_vec()),
        ) else {
            return;
        };
        let now = clock::now();
        let response = QuestionnaireResponse {
            at: now,
            phq9: Some(phq9),
            gad7: Some(gad7),
            difficulty: difficulty.get_untracked(),
        };
        if state.save_questionnaire(Record::new(clock::new_id(), now, response)) {
            navigate("/mood/results", Default::default());
        }
    };
    let finish_now = finish.clone();

    view! {
        <h1 tabindex="-1">"Questionnaires"</h1>
        <div class="questionnaire">
            {move || match step.get() {
                0 => view! {
                    <section class="card">
                        <h2 tabindex="-1">"PHQ-9 and GAD-7"</h2>
                        <p>
                            "These are the two questionnaires NHS Talking Therapies asks at every session. There are 16 "
                            "questions about the last 2 weeks. It takes about 5 minutes."
                        </p>
                        <p>"Your answers stay on this phone. They help you see how things change over time."</p>
                        <button type="button" on:click=move |_| go_to(1)>"Start"</button>
                        <p class="notice">{COPYRIGHT_NOTICE}</p>
                    </section>
                }
                    .into_any(),
                n @ 1..=QUESTIONS => {
                    let (measure, item) = question(n - 1);
                    let name = format!("answer-{n}");
                    view! {
                        <section class="card">
                            <p class="progress-text">{format!("Question {n} of {QUESTIONS}")}</p>
                            <progress max=QUESTIONS value=n aria-hidden="true"></progress>
                            <h2 tabindex="-1">{measure.name()}</h2>
                            <p class="stem">{measure.stem()}</p>
                            <fieldset>
                                <legend class="question">{measure.items()[item]}</legend>
                                {ANSWER_OPTIONS
                                    .iter()
                                    .map(|option| {
                                        let id = format!("{name}-{}", option.score);
                                        let score = option.score;
                                        view! {
                                            <div class="choice">
                                                <input
                                                    type="radio"
                                                    id=id.clone()
                                                    name=name.clone()
                                                    prop:checked=move || answers.with(|a| a[n - 1] == Some(score))
                                                    on:change=move |_| answers.update(|a| a[n - 1] = Some(score))
                                                />
                                                <label for=id>{option.label}</label>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </fieldset>
                            <Show when=move || n == 9 && needs_support()>
                                <SupportNow/>
                            </Show>
                            <div class="actions">
                                <button type="button" class="button-quiet" on:click=move |_| go_to(n - 1)>"Back"</button>
                                <button
                                    type="button"
                                    disabled=move || answers.with(|a| a[n - 1].is_none())
                                    on:click=move |_| go_to(n + 1)
                                >
                                    "Next"
                                </button>
                            </div>
                            <p class="notice">{COPYRIGHT_NOTICE}</p>
                        </section>
                    }
                        .into_any()
                }
                _ => {
                    let finish = finish_now.clone();
                    let skip = finish_now.clone();
                    view! {
                        <section class="card">
                            <Show when=needs_support>
                                <SupportNow/>
                            </Show>
                            <p class="progress-text">"Last question (you can skip it)"</p>
                            <h2 tabindex="-1">"PHQ-9"</h2>
                            <fieldset>
                                <legend class="question">{DIFFICULTY_QUESTION}</legend>
                                {Difficulty::ALL
                                    .map(|choice| {
                                        let id = format!("difficulty-{choice:?}");
                                        view! {
                                            <div class="choice">
                                                <input
                                                    type="radio"
                                                    id=id.clone()
                                                    name="difficulty"
                                                    prop:checked=move || difficulty.get() == Some(choice)
                                                    on:change=move |_| difficulty.set(Some(choice))
                                                />
                                                <label for=id>{choice.label()}</label>
                                            </div>
                                        }
                                    })}
                            </fieldset>
                            <div class="actions">
                                <button type="button" class="button-quiet" on:click=move |_| go_to(DIFFICULTY_STEP - 1)>
                                    "Back"
                                </button>
                                <button type="button" on:click=move |_| finish()>"See my results"</button>
                                <button
                                    type="button"
                                    class="button-quiet"
                                    on:click=move |_| {
                                        difficulty.set(None);
                                        skip();
                                    }
                                >
                                    "Skip and see results"
                                </button>
                            </div>
                            <p class="notice">{COPYRIGHT_NOTICE}</p>
                        </section>
                    }
                        .into_any()
                }
            }}
            <p><A href="/mood">"Leave the questionnaire"</A> " (your answers so far will not be saved)"</p>
        </div>
    }
}
