//! The form that logs an activity session or changes one.
use crate::browser::clock;
use crate::state::use_app_state;
use leptos::prelude::*;
use waymark_core::Record;
use waymark_core::activity::{
    ActivityKind, CUSTOM_NAME_MAX_CHARS, Intensity, Session, parse_minutes,
};

/// Quick choices for minutes, so most logs take a few taps.
const MINUTE_CHOICES: [u16; 5] = [10, 15, 20, 30, 45];

/// Logs a session, or changes one (`editing`). Activity, minutes, intensity in talk-test words, and the day.
#[component]
pub fn SessionForm(
    /// The session to change; a new one when `None`.
    #[prop(optional)]
    editing: Option<Record<Session>>,
    /// Called after saving (with the saved session's words) or cancelling (with `None`).
    #[prop(into)]
    on_done: Callback<Option<String>>,
    /// Prefix for element ids, unique on the page.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let state = use_app_state();
    let today = clock::today();
    let start = editing.as_ref().map(|r| r.data.clone()).unwrap_or(Session {
        kind: ActivityKind::Walking,
        custom_name: String::new(),
        minutes: 20,
        intensity: Intensity::Moderate,
        date: today,
    });
    let draft = RwSignal::new(start);
    let minutes_text = RwSignal::new(draft.get_untracked().minutes.to_string());
    let error = RwSignal::new(None::<String>);
    let is_new = editing.is_none();
    let ids = move |name: &str| format!("{id}-{name}");
    let error_id = ids("error");
    let (kind_id, name_id, minutes_id, intensity_label, date_id) = (
        ids("kind"),
        ids("name"),
        ids("minutes"),
        ids("intensity"),
        ids("date"),
    );

    let save = move |_| {
        let minutes = match parse_minutes(&minutes_text.get_untracked()) {
            Ok(minutes) => minutes,
            Err(problem) => {
                error.set(Some(problem.to_string()));
                return;
            }
        };
        draft.update(|d| d.minutes = minutes);
        let session = draft.get_untracked();
        let now = clock::now();
        let record = match editing.clone() {
            Some(mut record) => {
                record.edit(now, |data| *data = session.clone());
                record
            }
            None => Record::new(clock::new_id(), now, session.clone()),
        };
        if state.save_session(record) {
            error.set(None);
            // Say the day when it was not today; and a new log starts again from today, so that the next session is
            // never quietly filed under an earlier day.
            let day = if session.date == today {
                String::new()
            } else {
                format!(" on {}", clock::format_date(session.date))
            };
            if is_new {
                draft.update(|d| d.date = today);
            }
            on_done.run(Some(format!(
                "{} minutes of {}{day}",
                session.minutes,
                session.name().to_lowercase()
            )));
        }
    };

    view! {
        <div class="session-form">
            <label class="field-label" for=kind_id.clone()>"Activity"</label>
            <select
                id=kind_id
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some(kind) = ActivityKind::ALL.into_iter().find(|k| format!("{k:?}") == value) {
                        draft.update(|d| d.kind = kind);
                    }
                }
            >
                {ActivityKind::ALL
                    .map(|kind| {
                        view! {
                            <option value=format!("{kind:?}") selected=move || draft.with(|d| d.kind == kind)>
                                {kind.label()}
                            </option>
                        }
                    })}
            </select>
            <Show when=move || draft.with(|d| d.kind == ActivityKind::Other)>
                <label class="field-label" for=name_id.clone()>"What did you do?"</label>
                <input
                    id=name_id.clone()
                    type="text"
                    maxlength=CUSTOM_NAME_MAX_CHARS
                    prop:value=move || draft.with(|d| d.custom_name.clone())
                    on:input=move |ev| draft.update(|d| d.set_custom_name(&event_target_value(&ev)))
                />
            </Show>

            <label class="field-label" for=minutes_id.clone()>"Minutes"</label>
            <div class="minutes-row">
                <input
                    id=minutes_id
                    type="number"
                    inputmode="numeric"
                    min="1"
                    max="1440"
                    aria-describedby=error_id.clone()
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    prop:value=move || minutes_text.get()
                    on:input=move |ev| minutes_text.set(event_target_value(&ev))
                />
                {MINUTE_CHOICES
                    .map(|m| {
                        view! {
                            <button
                                type="button"
                                class="tag"
                                aria-pressed=move || (minutes_text.get() == m.to_string()).to_string()
                                on:click=move |_| minutes_text.set(m.to_string())
                            >
                                {format!("{m} min")}
                            </button>
                        }
                    })}
            </div>

            <fieldset>
                <legend class="field-label" id=intensity_label>"How hard was it?"</legend>
                {Intensity::ALL
                    .map(|intensity| {
                        let choice_id = format!("{}-{intensity:?}", ids("intensity"));
                        view! {
                            <div class="choice">
                                <input
                                    type="radio"
                                    id=choice_id.clone()
                                    name=ids("intensity")
                                    prop:checked=move || draft.with(|d| d.intensity == intensity)
                                    on:change=move |_| draft.update(|d| d.intensity = intensity)
                                />
                                <label for=choice_id>
                                    <strong>{intensity.label()}</strong>
                                    ": "
                                    {intensity.talk_test()}
                                </label>
                            </div>
                        }
                    })}
            </fieldset>

            <label class="field-label" for=date_id.clone()>"Day"</label>
            <input
                id=date_id
                type="date"
                max=today.to_string()
                prop:value=move || draft.with(|d| d.date.to_string())
                on:change=move |ev| {
                    if let Ok(date) = event_target_value(&ev).parse() {
                        draft.update(|d| d.date = std::cmp::min(date, today));
                    }
                }
            />
            <p class="field-error" id=error_id role="alert">{move || error.get()}</p>
            <div class="actions">
                <button type="button" on:click=save>{if is_new { "Log it" } else { "Save" }}</button>
                {(!is_new)
                    .then(|| {
                        view! {
                            <button type="button" class="button-quiet" on:click=move |_| on_done.run(None)>
                                "Cancel"
                            </button>
                        }
                    })}
            </div>
        </div>
    }
}
