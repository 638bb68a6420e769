//! Setting or changing an activity goal.
use crate::app::set_page_title;
use crate::browser::clock;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use waymark_core::activity::{
    ActivityKind, Goal, GoalStatus, StepUp, Target, WHY_MAX_CHARS, starters,
};
use waymark_core::{Record, RecordId};

/// How long after the start a review is suggested, in days.
const DEFAULT_REVIEW_DAYS: i32 = 28;

/// Sets a new goal (from a starting point or from scratch) or changes one: `/activity/goal/new` or `/activity/goal/<id>`.
#[component]
pub fn GoalFormPage() -> impl IntoView {
    let state = use_app_state();
    let navigate = use_navigate();
    let params = use_params_map();
    let today = clock::today();
    let existing: Option<Record<Goal>> = params
        .with_untracked(|p| p.get("id"))
        .and_then(|id| RecordId::parse(&id).ok())
        .and_then(|id| state.goals.with_untracked(|c| c.get(&id).cloned()));
    set_page_title(if existing.is_some() {
        "Change goal"
    } else {
        "Set a goal"
    });
    let is_new = existing.is_none();
    let blank = Goal {
        activity: None,
        target: Target::MinutesPerWeek(30),
        step_up: None,
        start: today,
        review: Some(today.add_days(DEFAULT_REVIEW_DAYS)),
        why: String::new(),
        status: GoalStatus::Active,
    };
    let draft = RwSignal::new(existing.as_ref().map(|r| r.data.clone()).unwrap_or(blank));
    let amount_text = RwSignal::new(draft.get_untracked().target.amount().to_string());
    let step_text = RwSignal::new(
        draft
            .get_untracked()
            .step_up
            .map(|s| (s.per_week.to_string(), s.ceiling.to_string())),
    );
    let error = RwSignal::new(None::<String>);
    // Which field the error is about ("goal-amount" or "goal-step"), for `aria-invalid`.
    let error_on = RwSignal::new("");
    let invalid = move |field: &'static str| {
        (error.with(Option::is_some) && error_on.get() == field).then_some("true")
    };

    let use_starter = move |goal: Goal| {
        let review = Some(goal.start.add_days(DEFAULT_REVIEW_DAYS));
        amount_text.set(goal.target.amount().to_string());
        step_text.set(
            goal.step_up
                .map(|s| (s.per_week.to_string(), s.ceiling.to_string())),
        );
        draft.set(Goal { review, ..goal });
    };
    let save = move |_| {
        let most = draft.with_untracked(|g| g.target.max_amount());
        let Some(amount) = amount_text
            .get_untracked()
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|a| (1..=most).contains(a))
        else {
            error_on.set("goal-amount");
            error.set(Some(format!(
                "Write a number from 1 to {most} for each week."
            )));
            return;
        };
        let step_up = match step_text.get_untracked() {
            None => None,
            Some((per_week, ceiling)) => match (
                per_week.trim().parse::<u16>(),
                ceiling.trim().parse::<u16>(),
            ) {
                (Ok(per_week), Ok(ceiling)) if per_week > 0 && ceiling >= amount => {
                    Some(StepUp { per_week, ceiling })
                }
                _ => {
                    error_on.set("goal-step");
                    error.set(Some(
                        "For building up, write how much to add each week, and a top amount at least as big as the goal."
                            .to_owned(),
                    ));
                    return;
                }
            },
        };
        draft.update(|g| {
            g.target = g.target.with_amount(amount);
            g.step_up = step_up;
        });
        let goal = draft.get_untracked();
        let now = clock::now();
        let record = match existing.clone() {
            Some(mut record) => {
                record.edit(now, |g| *g = goal);
                record
            }
            None => Record::new(clock::new_id(), now, goal),
        };
        if state.save_goal(record) {
            navigate("/activity", Default::default());
        }
    };
    let unit_choice = move |target: Target, label: &'static str, id: &'static str| {
        let same_unit = move || {
            std::mem::discriminant(&draft.with(|g| g.target)) == std::mem::discriminant(&target)
        };
        view! {
            <div class="choice">
                <input type="radio" id=id name="unit" prop:checked=same_unit on:change=move |_| draft.update(|g| g.target = target)/>
                <label for=id>{label}</label>
            </div>
        }
    };

    view! {
        <h1 tabindex="-1">{if is_new { "Set a goal" } else { "Change goal" }}</h1>
        {is_new
            .then(|| {
                view! {
                    <section class="card" aria-labelledby="starters-title">
                        <h2 id="starters-title">"Start from here"</h2>
                        <p>"Pick a starting point, then change anything you like below. Start where you are: any amount helps."</p>
                        <ul class="plain-list">
                            {starters(today)
                                .into_iter()
                                .map(|starter| {
                                    let goal = starter.goal.clone();
                                    view! {
                                        <li class="starter">
                                            <button type="button" class="button-quiet" on:click=move |_| use_starter(goal.clone())>
                                                {starter.title}
                                            </button>
                                            <p class="hint">{starter.description}</p>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </section>
                }
            })}
        <section class="card" aria-labelledby="goal-title">
            <h2 id="goal-title">"Your goal"</h2>
            <label class="field-label" for="goal-activity">"Activity"</label>
            <select
                id="goal-activity"
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let activity = ActivityKind::ALL.into_iter().find(|k| format!("{k:?}") == value);
                    draft.update(|g| g.activity = activity);
                }
            >
                <option value="any" selected=move || draft.with(|g| g.activity.is_none())>"Any activity"</option>
                {ActivityKind::ALL
                    .map(|kind| {
                        view! {
                            <option value=format!("{kind:?}") selected=move || draft.with(|g| g.activity == Some(kind))>
                                {kind.label()}
                            </option>
                        }
                    })}
            </select>
            <fieldset>
                <legend class="field-label">"Count"</legend>
                {unit_choice(Target::MinutesPerWeek(0), "Minutes a week", "unit-minutes")}
                {unit_choice(Target::SessionsPerWeek(0), "Sessions a week", "unit-sessions")}
                {unit_choice(Target::DaysPerWeek(0), "Days a week", "unit-days")}
            </fieldset>
            <label class="field-label" for="goal-amount">"How many each week"</label>
            <input
                id="goal-amount"
                type="number"
                inputmode="numeric"
                min="1"
                aria-describedby="goal-error"
                aria-invalid=move || invalid("goal-amount")
                prop:value=move || amount_text.get()
                on:input=move |ev| amount_text.set(event_target_value(&ev))
            />
            <div class="choice">
                <input
                    type="checkbox"
                    id="goal-step-up"
                    prop:checked=move || step_text.with(Option::is_some)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        step_text.set(on.then(|| ("10".to_owned(), "150".to_owned())));
                    }
                />
                <label for="goal-step-up">"Build up a little each week"</label>
            </div>
            <Show when=move || step_text.with(Option::is_some)>
                <label class="field-label" for="goal-step">"Add each week"</label>
                <input
                    id="goal-step"
                    type="number"
                    inputmode="numeric"
                    min="1"
                    aria-describedby="goal-error"
                    aria-invalid=move || invalid("goal-step")
                    prop:value=move || step_text.with(|s| s.as_ref().map(|s| s.0.clone()).unwrap_or_default())
                    on:input=move |ev| step_text.update(|s| if let Some(s) = s { s.0 = event_target_value(&ev) })
                />
                <label class="field-label" for="goal-ceiling">"Up to"</label>
                <input
                    id="goal-ceiling"
                    type="number"
                    inputmode="numeric"
                    min="1"
                    aria-describedby="goal-error"
                    aria-invalid=move || invalid("goal-step")
                    prop:value=move || step_text.with(|s| s.as_ref().map(|s| s.1.clone()).unwrap_or_default())
                    on:input=move |ev| step_text.update(|s| if let Some(s) = s { s.1 = event_target_value(&ev) })
                />
            </Show>
            <label class="field-label" for="goal-start">"Start"</label>
            <input
                id="goal-start"
                type="date"
                prop:value=move || draft.with(|g| g.start.to_string())
                on:change=move |ev| {
                    if let Ok(date) = event_target_value(&ev).parse() {
                        draft.update(|g| g.start = date);
                    }
                }
            />
            <label class="field-label" for="goal-review">"Look at it again on"</label>
            <input
                id="goal-review"
                type="date"
                prop:value=move || draft.with(|g| g.review.map(|d| d.to_string()).unwrap_or_default())
                on:change=move |ev| draft.update(|g| g.review = event_target_value(&ev).parse().ok())
            />
            <label class="field-label" for="goal-why">"Why this matters to me (optional)"</label>
            <textarea
                id="goal-why"
                rows="3"
                maxlength=WHY_MAX_CHARS
                prop:value=move || draft.with(|g| g.why.clone())
                on:input=move |ev| draft.update(|g| g.set_why(&event_target_value(&ev)))
            ></textarea>
            <p class="field-error" id="goal-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="button" on:click=save>"Save goal"</button>
                <A href="/activity" attr:class="button-link quiet">"Cancel"</A>
            </div>
        </section>
    }
}
