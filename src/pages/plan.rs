//! Plan: my next steps, the staying-well plan and after therapy.
use crate::app::set_page_title;
use crate::browser::clock;
use crate::components::continuing_care::ContinuingCareCard;
use crate::components::get_back_in::{AfterTherapyText, GetBackIn};
use crate::components::plan_step_item::{PlanStepItem, RemovedNote, RemovedStep};
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::directory::Need;
use waymark_core::plan::{PlanStep, StepStatus, achieved, current, order_between, reorder};
use waymark_core::{Record, RecordId};

/// The status filter's choices: all open steps, or one status.
const FILTERS: [(&str, Option<StepStatus>); 5] = [
    ("All open steps", None),
    ("To do", Some(StepStatus::ToDo)),
    ("In progress", Some(StepStatus::InProgress)),
    ("Waiting to hear back", Some(StepStatus::WaitingToHear)),
    ("Not needed", Some(StepStatus::NotNeeded)),
];

/// Plan: my next steps (with the services I was told about), the staying-well plan, and after therapy.
#[component]
pub fn PlanPage() -> impl IntoView {
    set_page_title("Plan");
    let state = use_app_state();
    let filter = RwSignal::new(None::<StepStatus>);
    let new_what = RwSignal::new(String::new());
    let new_need = RwSignal::new(None::<Need>);
    let new_due = RwSignal::new(None::<waymark_core::calendar::LocalDate>);
    let error = RwSignal::new(None::<String>);
    let ended_text = RwSignal::new(clock::today().to_string());
    let removed_note = RwSignal::new(None::<RemovedNote>);
    let removed_step = RwSignal::new(None::<RemovedStep>);
    // Puts a removed step back as it was, notes and all (a removal only marked it deleted).
    let undo_remove_step = move |_| {
        let Some(removed) = removed_step.get_untracked() else {
            return;
        };
        let Some(mut record) = state
            .plan_steps
            .with_untracked(|c| c.get(&removed.step).cloned())
        else {
            removed_step.set(None);
            return;
        };
        if !record.deleted {
            // Put back already (by another tab, or sync).
            removed_step.set(None);
            return;
        }
        record.restore(clock::now());
        // Not saved: the banner says why, and Undo stays.
        if state.save_plan_step(record) {
            removed_step.set(None);
        }
    };
    let undo_remove_note = move |_| {
        let Some(removed) = removed_note.get_untracked() else {
            return;
        };
        let Some(mut record) = state
            .plan_steps
            .with_untracked(|c| c.get(&removed.step).cloned())
            .filter(|r| !r.deleted)
        else {
            error.set(Some(format!(
                "The step “{}” has been removed, so its note cannot be put back.",
                removed.what
            )));
            removed_note.set(None);
            return;
        };
        // Put back already (by another tab, or sync): nothing to do.
        if record.data.copies_of_note(&removed.note) > removed.copies_left {
            removed_note.set(None);
            return;
        }
        let mut put_back = Ok(());
        record.edit(clock::now(), |s| {
            put_back = s.restore_note(removed.at, removed.note)
        });
        match put_back {
            Err(problem) => error.set(Some(problem.to_string())),
            Ok(()) if state.save_plan_step(record) => removed_note.set(None),
            // Not saved: the banner says why, and Undo stays.
            Ok(()) => {}
        }
    };

    let ordered = move || {
        state.plan_steps.with(|c| {
            let mut steps: Vec<Record<PlanStep>> = c.live().cloned().collect();
            steps.sort_by_key(|r| (r.data.order, r.created));
            steps
        })
    };
    let shown = move || {
        let filter = filter.get();
        ordered()
            .into_iter()
            .filter(|r| match filter {
                None => r.data.status.is_open(),
                Some(status) => r.data.status == status,
            })
            .collect::<Vec<_>>()
    };
    // The ids shown, in order: the list redraws only when these change.
    let shown_ids = Memo::new(move |_| shown().into_iter().map(|r| r.id).collect::<Vec<_>>());
    let add_step = move |_| {
        let last = ordered().last().map(|r| r.data.order);
        match PlanStep::new(&new_what.get_untracked(), order_between(last, None)) {
            Ok(mut step) => {
                step.need = new_need.get_untracked();
                step.due = new_due.get_untracked();
                if state.save_plan_step(Record::new(clock::new_id(), clock::now(), step)) {
                    new_what.set(String::new());
                    new_due.set(None);
                    error.set(None);
                }
            }
            Err(problem) => error.set(Some(problem.to_string())),
        }
    };
    // Moves a step one place in the whole list (the rule, renumbering included, is core's).
    let move_step = move |(id, by): (RecordId, i32)| {
        let all = ordered();
        let Some(index) = all.iter().position(|r| r.id == id) else {
            return;
        };
        let orders: Vec<i64> = all.iter().map(|r| r.data.order).collect();
        for (position, order) in reorder(&orders, index, by) {
            let mut step = all[position].clone();
            step.edit(clock::now(), |s| s.order = order);
            // A failed save is in the banner; stop rather than leave the order half changed.
            if !state.save_plan_step(step) {
                break;
            }
        }
    };
    let done = move || {
        state.plan_steps.with(|c| {
            achieved(c.live().map(|r| &r.data))
                .into_iter()
                .map(|s| (s.what.clone(), s.done_on))
                .collect::<Vec<_>>()
        })
    };
    let therapy_ended = move || {
        state
            .therapy
            .with(|t| current(t.all()).and_then(|r| r.data.ended_on))
    };

    view! {
        <h1 tabindex="-1">"Plan"</h1>
        <ContinuingCareCard/>
        <section class="card" aria-labelledby="steps-title">
            <h2 id="steps-title">"My next steps"</h2>
            <label class="field-label" for="step-filter">"Show"</label>
            <select
                id="step-filter"
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    filter.set(FILTERS.iter().find(|(label, _)| *label == value).and_then(|(_, s)| *s));
                }
            >
                {FILTERS.map(|(label, _)| view! { <option value=label>{label}</option> })}
            </select>
            <div class="history-status">
                <p role="status">
                    {move || removed_note.get().map(|r| format!("Note removed from “{}”.", r.what))}
                    {move || removed_step.get().map(|r| format!("Step removed: “{}”, with its notes.", r.what))}
                </p>
                <Show when=move || removed_note.get().is_some()>
                    <button type="button" class="button-quiet" on:click=undo_remove_note>"Undo"</button>
                </Show>
                <Show when=move || removed_step.get().is_some()>
                    <button type="button" class="button-quiet" on:click=undo_remove_step>"Undo"</button>
                </Show>
            </div>
            // Keyed by id: saving one step (or moving it) never re-creates the others, so a note being typed under one
            // step survives a change to another.
            <Show when=move || shown_ids.with(Vec::is_empty)>
                <p>"No steps here yet."</p>
            </Show>
            <ol class="plan-steps">
                <For each=move || shown_ids.get() key=|id| id.clone() let:id>
                    {
                        let (first_id, last_id) = (id.clone(), id.clone());
                        let first = Signal::derive(move || shown_ids.with(|ids| ids.first() == Some(&first_id)));
                        let last = Signal::derive(move || shown_ids.with(|ids| ids.last() == Some(&last_id)));
                        view! {
                            <PlanStepItem
                                id=id
                                on_move=move_step
                                first=first
                                last=last
                                removed_note=removed_note
                                removed_step=removed_step
                            />
                        }
                    }
                </For>
            </ol>
            <h3>"Add a step"</h3>
            <label class="field-label" for="new-step">"What will you do?"</label>
            <input
                id="new-step"
                type="text"
                maxlength="200"
                aria-describedby="new-step-error"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                prop:value=move || new_what.get()
                on:input=move |ev| new_what.set(event_target_value(&ev))
            />
            <label class="field-label" for="new-step-need">"What is it for? (optional)"</label>
            <select
                id="new-step-need"
                on:change=move |ev| new_need.set(Need::from_id(&event_target_value(&ev)))
            >
                <option value="">"Not sure"</option>
                {Need::ALL.map(|need| view! { <option value=need.id()>{need.label()}</option> })}
            </select>
            <label class="field-label" for="new-step-due">"Date (optional)"</label>
            <input
                id="new-step-due"
                type="date"
                prop:value=move || new_due.get().map(|d| d.to_string()).unwrap_or_default()
                on:change=move |ev| new_due.set(event_target_value(&ev).parse().ok())
            />
            <p class="field-error" id="new-step-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="button" on:click=add_step>"Add step"</button>
                <A href="/plan/services" attr:class="button-link quiet">"Find a service"</A>
            </div>
            <Show when=move || !done().is_empty()>
                <details>
                    <summary>{move || format!("What I have done ({})", done().len())}</summary>
                    <ul>
                        {move || {
                            done()
                                .into_iter()
                                .map(|(what, on)| {
                                    view! { <li>{what} {on.map(|d| format!(" ({})", clock::format_date(d)))}</li> }
                                })
                                .collect_view()
                        }}
                    </ul>
                </details>
            </Show>
        </section>
        <section class="card" aria-labelledby="staying-well-title">
            <h2 id="staying-well-title">"My staying-well plan"</h2>
            <p>"What helped, the signs to watch for, and what you will do. You can make it with your therapist near the end of therapy."</p>
            <A href="/plan/staying-well" attr:class="button-link">"Open my staying-well plan"</A>
        </section>
        <section class="card" aria-labelledby="after-title">
            <h2 id="after-title">"After therapy"</h2>
            {move || match therapy_ended() {
                Some(date) => view! {
                    <p>{format!("Your therapy ended on {}.", clock::format_date(date))}</p>
                    <button type="button" class="button-quiet" on:click=move |_| { state.update_therapy(|t| t.ended_on = None); }>
                        "I am still in therapy"
                    </button>
                }
                    .into_any(),
                None => view! {
                    <p>"When your therapy ends, note the date here. Waymark will then help you keep well, and show how to get back in touch."</p>
                    <label class="field-label" for="ended-on">"Therapy ended on"</label>
                    <input id="ended-on" type="date" max=clock::today().to_string() prop:value=move || ended_text.get() on:change=move |ev| ended_text.set(event_target_value(&ev))/>
                    <div class="actions">
                        <button
                            type="button"
                            on:click=move |_| {
                                if let Ok(date) = ended_text.get_untracked().parse() {
                                    state.update_therapy(|t| t.ended_on = Some(date));
                                }
                            }
                        >
                            "Save the date"
                        </button>
                    </div>
                }
                    .into_any(),
            }}
            <h3>"What happens after therapy"</h3>
            <AfterTherapyText/>
            <h3>"Getting back in touch"</h3>
            <GetBackIn/>
        </section>
    }
}
