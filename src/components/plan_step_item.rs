use crate::browser::clock;
use crate::state::use_app_state;
use leptos::prelude::*;
use waymark_core::plan::{DueState, PlanStep, StepNote, StepStatus};
use waymark_core::{Record, RecordId};

const STATUSES: [StepStatus; 5] = [
    StepStatus::ToDo,
    StepStatus::InProgress,
    StepStatus::WaitingToHear,
    StepStatus::Done,
    StepStatus::NotNeeded,
];

/// A note just removed from a step, kept so that the person can put it back.
#[derive(Clone, Debug, PartialEq)]
pub struct RemovedNote {
    pub step: RecordId,
    /// The step's words, to say which step the note came from.
    pub what: String,
    /// Where it was in the step's notes.
    pub at: usize,
    pub note: StepNote,
    /// How many equal notes the step still held once it was removed (more later means it is back already).
    pub copies_left: usize,
}

/// One next step: what to do, its service's contacts, status, date, a dated notes log, and moving it up or down.
#[component]
pub fn PlanStepItem(
    record: Record<PlanStep>,
    /// Moves the step one place up (-1) or down (+1) in the list.
    #[prop(into)]
    on_move: Callback<(Record<PlanStep>, i32)>,
    first: bool,
    last: bool,
    /// Set when a note is removed here; the page offers to undo it.
    removed_note: RwSignal<Option<RemovedNote>>,
) -> impl IntoView {
    let state = use_app_state();
    let today = clock::today();
    let step = record.data.clone();
    let id = record.id.to_string();
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let change = {
        let record = record.clone();
        move |f: Box<dyn FnOnce(&mut PlanStep)>| {
            let mut record = record.clone();
            record.edit(clock::now(), f);
            state.save_plan_step(record)
        }
    };
    let set_status = change.clone();
    let set_due = change.clone();
    let add_note = change.clone();
    let remove_note = {
        let (change, step, id) = (change.clone(), record.data.clone(), record.id.clone());
        move |note: StepNote| {
            let Some(at) = step.clone().remove_note(&note) else {
                return;
            };
            let gone = note.clone();
            if !change(Box::new(move |s| {
                s.remove_note(&gone);
            })) {
                return;
            }
            // Saved, but another tab may have saved a newer copy of the step first, which was kept: say "removed" only
            // if the note really went.
            let copies_left = state
                .plan_steps
                .with_untracked(|c| c.get(&id).map_or(0, |r| r.data.copies_of_note(&note)));
            if copies_left < step.copies_of_note(&note) {
                removed_note.set(Some(RemovedNote {
                    step: id.clone(),
                    what: step.what.clone(),
                    at,
                    note,
                    copies_left,
                }));
            }
        }
    };
    let remove = {
        let record = record.clone();
        move |_| {
            let mut record = record.clone();
            record.delete(clock::now());
            if state.save_plan_step(record.clone()) {
                // A note removed from this step can no longer be put back.
                removed_note.update(|removed| {
                    if removed.as_ref().is_some_and(|r| r.step == record.id) {
                        *removed = None;
                    }
                });
            }
        }
    };
    let due_words = match (step.due, step.due_state(today)) {
        (Some(date), DueState::Overdue) => Some(format!("Was due {}", clock::format_date(date))),
        (Some(_), DueState::Today) => Some("Due today".to_owned()),
        (Some(date), DueState::Later) => Some(format!("Due {}", clock::format_date(date))),
        _ => None,
    };
    let (up, down) = (record.clone(), record.clone());
    let step_for_note = step.clone();
    let status_id = format!("status-{id}");
    let due_id = format!("due-{id}");
    let note_id = format!("note-{id}");
    view! {
        <li class="plan-step">
            <h3>{step.what.clone()}</h3>
            {step.need.map(|need| view! { <p class="hint">{format!("For: {}", need.label().to_lowercase())}</p> })}
            {due_words.map(|words| view! { <p class="due">{words}</p> })}
            {step
                .service
                .clone()
                .map(|service| {
                    view! {
                        <p class="linked-service">
                            <strong>{service.name.clone()}</strong>
                            {service
                                .phone
                                .clone()
                                .map(|phone| {
                                    let href = waymark_core::service_config::tel_href_for(&phone);
                                    view! { " " <a href=href>{format!("Call {phone}")}</a> }
                                })}
                            {service.url.clone().map(|url| view! { " " <a href=url rel="noopener">"Website"</a> })}
                        </p>
                    }
                })}
            <div class="step-controls">
                <div>
                    <label class="field-label" for=status_id.clone()>"Status"</label>
                    <select
                        id=status_id
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if let Some(status) = STATUSES.into_iter().find(|s| format!("{s:?}") == value) {
                                set_status(Box::new(move |s| s.set_status(status, clock::today())));
                            }
                        }
                    >
                        {STATUSES
                            .map(|status| {
                                view! {
                                    <option value=format!("{status:?}") selected=step.status == status>{status.label()}</option>
                                }
                            })}
                    </select>
                </div>
                <div>
                    <label class="field-label" for=due_id.clone()>"Date (optional)"</label>
                    <input
                        id=due_id
                        type="date"
                        prop:value=step.due.map(|d| d.to_string()).unwrap_or_default()
                        on:change=move |ev| {
                            let due = event_target_value(&ev).parse().ok();
                            set_due(Box::new(move |s| s.due = due));
                        }
                    />
                </div>
            </div>
            {(!step.notes.is_empty())
                .then(|| {
                    view! {
                        <ul class="step-notes" aria-label="Notes">
                            {step
                                .notes
                                .iter()
                                .rev()
                                .map(|n| {
                                    let (remove_note, note) = (remove_note.clone(), n.clone());
                                    view! {
                                        <li>
                                            <span class="hint">{clock::format_short_date(n.on)}</span>
                                            " "
                                            {n.text.clone()}
                                            " "
                                            <button
                                                type="button"
                                                class="button-quiet"
                                                aria-label=format!("Remove note: {}", n.text)
                                                on:click=move |_| remove_note(note.clone())
                                            >
                                                "Remove note"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <label class="field-label" for=note_id.clone()>"Add a note"</label>
            <div class="add-tag">
                <input
                    id=note_id
                    type="text"
                    maxlength="500"
                    placeholder="For example: phoned, they will call back Tuesday"
                    prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))
                />
                <button
                    type="button"
                    class="button-quiet"
                    on:click=move |_| {
                        let text = note.get_untracked();
                        // Check on a copy first, so a bad note changes nothing and says why.
                        let mut probe = step_for_note.clone();
                        match probe.add_note(clock::today(), &text) {
                            Err(problem) => error.set(Some(problem.to_string())),
                            Ok(()) => {
                                if add_note(Box::new(move |s| {
                                    let _ = s.add_note(clock::today(), &text);
                                })) {
                                    note.set(String::new());
                                    error.set(None);
                                }
                            }
                        }
                    }
                >
                    "Add note"
                </button>
            </div>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <div class="actions">
                {(!first)
                    .then(|| view! { <button type="button" class="button-quiet" on:click=move |_| on_move.run((up.clone(), -1))>"Move up"</button> })}
                {(!last)
                    .then(|| view! { <button type="button" class="button-quiet" on:click=move |_| on_move.run((down.clone(), 1))>"Move down"</button> })}
                <button type="button" class="button-quiet" on:click=remove>"Remove"</button>
            </div>
        </li>
    }
}
