//! One plan step in the Plan page's list: its controls, its notes, and removing it (with undo on the page).
use crate::browser::clock;
use crate::state::use_app_state;
use leptos::prelude::*;
use waymark_core::RecordId;
use waymark_core::plan::{DueState, PlanStep, StepNote, StepStatus};

const STATUSES: [StepStatus; 5] = [
    StepStatus::ToDo,
    StepStatus::InProgress,
    StepStatus::WaitingToHear,
    StepStatus::Done,
    StepStatus::NotNeeded,
];

/// A step just removed, so that the person can put it back (with its notes: a removal only marks it deleted).
#[derive(Clone, Debug, PartialEq)]
pub struct RemovedStep {
    pub step: RecordId,
    /// The step's words, to say which step went.
    pub what: String,
}

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

/// One next step in the list: what to do, its status and date in a line to scan, and "Edit" to open its controls
/// (status, date, a dated notes log, moving it up or down, removing it).
///
/// It shows the step with `id` as it is in the app state now, so a change to this or any other step updates it in
/// place: the item is never re-created, so a note being typed, and whether it is open, survive every save.
#[component]
pub fn PlanStepItem(
    id: RecordId,
    /// Moves the step one place up (-1) or down (+1) in the list.
    #[prop(into)]
    on_move: Callback<(RecordId, i32)>,
    #[prop(into)] first: Signal<bool>,
    #[prop(into)] last: Signal<bool>,
    /// Set when a note is removed here; the page offers to undo it.
    removed_note: RwSignal<Option<RemovedNote>>,
    /// Set when this step is removed; the page offers to undo it.
    removed_step: RwSignal<Option<RemovedStep>>,
) -> impl IntoView {
    let state = use_app_state();
    let today = clock::today();
    let record = {
        let id = id.clone();
        Memo::new(move |_| state.plan_steps.with(|c| c.get(&id).cloned()))
    };
    // The step's data now (a removed step keeps its last data until the list drops it).
    let step = move || record.with(|r| r.as_ref().map(|r| r.data.clone()));
    let what = move || step().map(|s| s.what).unwrap_or_default();
    let key = id.to_string();
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    // Changes the latest copy of the step (never a copy from when the item was drawn).
    let change = move |f: Box<dyn FnOnce(&mut PlanStep)>| {
        let Some(mut record) = record.get_untracked() else {
            return false;
        };
        record.edit(clock::now(), f);
        state.save_plan_step(record)
    };
    let remove_note = {
        let id = id.clone();
        move |note: StepNote| {
            let Some(step) = record.with_untracked(|r| r.as_ref().map(|r| r.data.clone())) else {
                return;
            };
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
                removed_step.set(None);
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
    let remove = move |_| {
        let Some(mut record) = record.get_untracked() else {
            return;
        };
        record.delete(clock::now());
        if state.save_plan_step(record.clone()) {
            // The page now offers to undo the step's removal; a note removed earlier is a separate undo, which is
            // cleared so that one message and one Undo show at a time.
            removed_note.set(None);
            removed_step.set(Some(RemovedStep {
                step: record.id.clone(),
                what: record.data.what.clone(),
            }));
        }
    };
    let due_words = move || {
        let step = step()?;
        match (step.due, step.due_state(today)) {
            (Some(date), DueState::Overdue) => {
                Some(format!("Was due {}", clock::format_date(date)))
            }
            (Some(_), DueState::Today) => Some("Due today".to_owned()),
            (Some(date), DueState::Later) => Some(format!("Due {}", clock::format_date(date))),
            _ => None,
        }
    };
    let status = move || step().map(|s| s.status).unwrap_or(StepStatus::ToDo);
    let add_note = move |_| {
        let text = note.get_untracked();
        let Some(mut probe) = step() else {
            return;
        };
        // Check on a copy first, so a bad note changes nothing and says why.
        match probe.add_note(clock::today(), &text) {
            Err(problem) => error.set(Some(problem.to_string())),
            Ok(()) => {
                if change(Box::new(move |s| {
                    let _ = s.add_note(clock::today(), &text);
                })) {
                    note.set(String::new());
                    error.set(None);
                }
            }
        }
    };
    let (up, down) = (id.clone(), id.clone());
    let status_id = format!("status-{key}");
    let due_id = format!("due-{key}");
    let note_id = format!("note-{key}");
    let note_error_id = format!("note-error-{key}");
    let editor_id = format!("step-editor-{key}");
    view! {
        <li class="plan-step">
            <h3>{what}</h3>
            // The line to scan: status, date and what it is for.
            <p class="step-meta">
                <span class="step-status">{move || status().label()}</span>
                {move || due_words().map(|words| view! { " · " <span class="due">{words}</span> })}
                {move || {
                    step()
                        .and_then(|s| s.need)
                        .map(|need| view! { " · " <span class="hint">{format!("For: {}", need.label().to_lowercase())}</span> })
                }}
            </p>
            {move || {
                step()
                    .and_then(|s| s.service)
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
                    })
            }}
            <button
                type="button"
                class="button-quiet"
                aria-expanded=move || open.get().to_string()
                aria-controls=editor_id.clone()
                aria-label=move || format!("{} step: {}", if open.get() { "Close" } else { "Edit" }, what())
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Close" } else { "Edit" }}
            </button>
            // Hidden rather than removed when closed, so nothing typed in it is lost.
            <div class="step-editor" id=editor_id hidden=move || !open.get()>
                <div class="step-controls">
                    <div>
                        <label class="field-label" for=status_id.clone()>"Status"</label>
                        <select
                            id=status_id
                            on:change=move |ev| {
                                let value = event_target_value(&ev);
                                if let Some(status) = STATUSES.into_iter().find(|s| format!("{s:?}") == value) {
                                    change(Box::new(move |s| s.set_status(status, clock::today())));
                                }
                            }
                        >
                            {STATUSES
                                .map(|choice| {
                                    view! {
                                        <option value=format!("{choice:?}") prop:selected=move || status() == choice>
                                            {choice.label()}
                                        </option>
                                    }
                                })}
                        </select>
                    </div>
                    <div>
                        <label class="field-label" for=due_id.clone()>"Date (optional)"</label>
                        <input
                            id=due_id
                            type="date"
                            prop:value=move || step().and_then(|s| s.due).map(|d| d.to_string()).unwrap_or_default()
                            on:change=move |ev| {
                                let due = event_target_value(&ev).parse().ok();
                                change(Box::new(move |s| s.due = due));
                            }
                        />
                    </div>
                </div>
                {move || {
                    let notes = step().map(|s| s.notes).unwrap_or_default();
                    (!notes.is_empty())
                        .then(|| {
                            let remove_note = remove_note.clone();
                            view! {
                                <ul class="step-notes" aria-label="Notes">
                                    {notes
                                        .into_iter()
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
                        })
                }}
                <label class="field-label" for=note_id.clone()>"Add a note"</label>
                <div class="add-tag">
                    <input
                        id=note_id
                        type="text"
                        maxlength="500"
                        aria-describedby=note_error_id.clone()
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        placeholder="For example: phoned, they will call back Tuesday"
                        prop:value=move || note.get()
                        on:input=move |ev| note.set(event_target_value(&ev))
                    />
                    <button type="button" class="button-quiet" on:click=add_note>
                        "Add note"
                    </button>
                </div>
                <p class="field-error" id=note_error_id role="alert">{move || error.get()}</p>
                <div class="actions step-actions">
                    <Show when=move || !first.get()>
                        <button
                            type="button"
                            class="button-quiet"
                            aria-label=move || format!("Move {} up", what())
                            on:click={
                                let up = up.clone();
                                move |_| on_move.run((up.clone(), -1))
                            }
                        >
                            "Move up"
                        </button>
                    </Show>
                    <Show when=move || !last.get()>
                        <button
                            type="button"
                            class="button-quiet"
                            aria-label=move || format!("Move {} down", what())
                            on:click={
                                let down = down.clone();
                                move |_| on_move.run((down.clone(), 1))
                            }
                        >
                            "Move down"
                        </button>
                    </Show>
                    <button type="button" class="button-remove" aria-label=move || format!("Remove step: {}", what()) on:click=remove>
                        "Remove step"
                    </button>
                </div>
            </div>
        </li>
    }
}
