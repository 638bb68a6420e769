//! Mood history: check-ins by day, each to change or delete (with undo).
use crate::browser::clock;
use crate::components::check_in_editor::CheckInEditor;
use crate::components::mood_face::MoodFace;
use crate::state::use_app_state;
use leptos::prelude::*;
use waymark_core::mood::CheckIn;
use waymark_core::mood_trends::MoodDays;
use waymark_core::{Record, RecordId};

/// How many days of check-ins each "Show more" adds.
const DAYS_PER_PAGE: usize = 14;

/// Check-ins grouped by day, newest first, a page of days at a time; each can be changed or deleted (with undo).
///
/// `just_deleted` is held by the page, so that undo stays on screen even when the last check-in was deleted.
#[component]
pub fn MoodHistory(
    days: Memo<MoodDays>,
    just_deleted: RwSignal<Option<RecordId>>,
) -> impl IntoView {
    let state = use_app_state();
    let pages_shown = RwSignal::new(1usize);
    let editing = RwSignal::new(None::<RecordId>);

    // The days on the pages shown, each with its check-ins (copied out, so rendering holds no borrow).
    let shown = Memo::new(move |_| {
        let pages = pages_shown.get();
        days.with(|days| {
            state.check_ins.with(|collection| {
                let all = collection.all();
                let mut groups = Vec::new();
                let mut has_more = false;
                for page in 0..pages {
                    let page = days.history_page(page, DAYS_PER_PAGE);
                    has_more = page.has_more();
                    for group in page.groups {
                        let entries: Vec<Record<CheckIn>> = group
                            .entries
                            .iter()
                            .filter_map(|&i| all.get(i).cloned())
                            .collect();
                        groups.push((group.day.date, group.day.average, entries));
                    }
                }
                (groups, has_more)
            })
        })
    });
    let day_of = move |date| {
        shown.with(|(groups, _)| {
            groups
                .iter()
                .find(|(day, _, _)| *day == date)
                .map(|(_, average, entries)| (*average, entries.clone()))
        })
    };
    let delete = move |record: Record<CheckIn>| {
        let mut record = record;
        let id = record.id.clone();
        record.delete(clock::now());
        if state.save_check_in(record) {
            just_deleted.set(Some(id));
        }
    };

    // Keyed: days by date, check-ins by id and version. Saving or deleting one check-in never re-creates another,
    // so a check-in being changed keeps what was typed in its editor.
    view! {
        <For
            each=move || shown.with(|(groups, _)| groups.iter().map(|(date, _, _)| *date).collect::<Vec<_>>())
            key=|date| *date
            let:date
        >
            <section class="history-day">
                <h3>{clock::format_date(date)}</h3>
                <p class="hint">
                    {move || {
                        day_of(date)
                            .map(|(average, _)| {
                                let count = average.count();
                                format!(
                                    "{} check-in{}, average {}",
                                    count,
                                    if count == 1 { "" } else { "s" },
                                    average.words(),
                                )
                            })
                    }}
                </p>
                <ul class="entry-list">
                    <For
                        each=move || day_of(date).map(|(_, entries)| entries).unwrap_or_default()
                        key=|record| (record.id.clone(), record.updated)
                        let:record
                    >
                        <HistoryEntry record=record editing=editing on_delete=delete/>
                    </For>
                </ul>
            </section>
        </For>
        <Show when=move || shown.with(|(_, has_more)| *has_more)>
            <button type="button" class="button-quiet" on:click=move |_| pages_shown.update(|p| *p += 1)>
                "Show earlier days"
            </button>
        </Show>
    }
}

/// One check-in in the history, or its editor while it is being changed.
#[component]
fn HistoryEntry(
    record: Record<CheckIn>,
    editing: RwSignal<Option<RecordId>>,
    #[prop(into)] on_delete: Callback<Record<CheckIn>>,
) -> impl IntoView {
    let id = record.id.clone();
    let is_editing = move || editing.with(|e| e.as_ref() == Some(&id));
    let data = record.data.clone();
    let time = clock::format_time(data.at);
    let describe = format!("{} at {time}", data.mood.label());
    let for_editor = record.clone();
    let for_delete = record.clone();
    let start_editing = {
        let id = record.id.clone();
        move |_| editing.set(Some(id.clone()))
    };
    view! {
        <li class="entry">
            <Show
                when=is_editing
                fallback=move || {
                    let data = data.clone();
                    let describe = describe.clone();
                    let for_delete = for_delete.clone();
                    let start_editing = start_editing.clone();
                    view! {
                        <MoodFace mood=data.mood/>
                        <span class="entry-main">{data.mood.label()}</span>
                        <span class="entry-when">{time.clone()}</span>
                        {(!data.tags.is_empty())
                            .then(|| {
                                view! {
                                    <ul class="entry-tags" aria-label="Tags">
                                        {data.tags.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}
                                    </ul>
                                }
                            })}
                        {(!data.note.is_empty()).then(|| view! { <p class="entry-note">{data.note.clone()}</p> })}
                        <div class="entry-actions">
                            <button
                                type="button"
                                class="button-quiet"
                                aria-label=format!("Change check-in: {describe}")
                                on:click=start_editing
                            >
                                "Change"
                            </button>
                            <button
                                type="button"
                                class="button-quiet"
                                aria-label=format!("Delete check-in: {describe}")
                                on:click=move |_| on_delete.run(for_delete.clone())
                            >
                                "Delete"
                            </button>
                        </div>
                    }
                }
            >
                <CheckInEditor record=for_editor.clone() on_done=move |_| editing.set(None)/>
            </Show>
        </li>
    }
}

/// "Check-in deleted." with an undo button, after a delete from the history.
#[component]
pub fn UndoDelete(just_deleted: RwSignal<Option<RecordId>>) -> impl IntoView {
    let state = use_app_state();
    let undo_delete = move |_| {
        let Some(id) = just_deleted.get_untracked() else {
            return;
        };
        let Some(mut record) = state.check_ins.with_untracked(|c| c.get(&id).cloned()) else {
            return;
        };
        record.restore(clock::now());
        if state.save_check_in(record) {
            just_deleted.set(None);
        }
    };
    view! {
        <div class="history-status">
            <p role="status">{move || just_deleted.get().map(|_| "Check-in deleted.")}</p>
            <Show when=move || just_deleted.get().is_some()>
                <button type="button" class="button-quiet" on:click=undo_delete>"Undo"</button>
            </Show>
        </div>
    }
}
