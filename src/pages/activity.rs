//! Activity: logging sessions, goals and their progress, the guideline view, and activity against mood.
use crate::app::set_page_title;
use crate::browser::clock;
use crate::components::goal_progress::GoalProgress;
use crate::components::session_form::SessionForm;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::activity::{
    GUIDELINE_MODERATE_MINUTES, GUIDELINE_STRENGTH_DAYS, GoalStatus, Session, activity_and_mood,
    guideline_week, guideline_words, repeat_choices,
};
use waymark_core::{Record, RecordId};

/// How many recent sessions the log shows.
const RECENT_SESSIONS: usize = 30;

/// Activity: log a session, goals with this week's progress, the guideline view, and how activity and mood move together.
#[component]
pub fn ActivityPage() -> impl IntoView {
    set_page_title("Activity");
    let state = use_app_state();
    state.ensure_check_ins_loaded();
    let today = clock::today();
    let logged = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<RecordId>);
    let just_deleted = RwSignal::new(None::<RecordId>);

    // The three most recent different sessions, to log again with one tap.
    let log_again_choices = move || {
        state.sessions.with(|c| {
            let mut recent: Vec<&Record<Session>> = c.live().collect();
            recent.sort_by_key(|r| std::cmp::Reverse(r.created));
            repeat_choices(recent.into_iter().map(|r| &r.data), 3)
        })
    };
    let log_again = move |mut session: Session| {
        session.date = clock::today();
        let words = format!(
            "{} minutes of {}",
            session.minutes,
            session.name().to_lowercase()
        );
        if state.save_session(Record::new(clock::new_id(), clock::now(), session)) {
            logged.set(Some(words));
        }
    };
    let live_goals = move || {
        state.goals.with(|c| {
            c.live()
                .filter(|r| matches!(r.data.status, GoalStatus::Active | GoalStatus::Paused))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let other_goals = move || {
        state.goals.with(|c| {
            c.live()
                .filter(|r| matches!(r.data.status, GoalStatus::Finished | GoalStatus::Archived))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let guideline = move || {
        state.sessions.with(|c| {
            let sessions: Vec<&Session> = c.live().map(|r| &r.data).collect();
            guideline_week(&sessions, today.monday_of_week())
        })
    };
    let with_mood = move || {
        let days = state.mood_days();
        state.sessions.with(|c| {
            let sessions: Vec<&Session> = c.live().map(|r| &r.data).collect();
            (
                days.check_in_count() > 0,
                activity_and_mood(&sessions, days.days()),
            )
        })
    };
    let recent = move || {
        state.sessions.with(|c| {
            let mut recent: Vec<Record<Session>> = c.live().cloned().collect();
            recent.sort_by_key(|r| std::cmp::Reverse((r.data.date, r.created)));
            recent.truncate(RECENT_SESSIONS);
            recent
        })
    };
    let delete = move |mut record: Record<Session>| {
        let id = record.id.clone();
        record.delete(clock::now());
        if state.save_session(record) {
            just_deleted.set(Some(id));
        }
    };
    let undo = move |_| {
        let Some(id) = just_deleted.get_untracked() else {
            return;
        };
        let Some(mut record) = state.sessions.with_untracked(|c| c.get(&id).cloned()) else {
            return;
        };
        record.restore(clock::now());
        if state.save_session(record) {
            just_deleted.set(None);
        }
    };

    view! {
        <h1 tabindex="-1">"Activity"</h1>
        <section class="card" aria-labelledby="log-title">
            <h2 id="log-title">"Log activity"</h2>
            {move || {
                let choices = log_again_choices();
                (!choices.is_empty())
                    .then(|| {
                        view! {
                            <p class="field-label">"Log the same again (today)"</p>
                            <div class="tags">
                                {choices
                                    .into_iter()
                                    .map(|session| {
                                        let label = format!(
                                            "{}, {} min, {}",
                                            session.name(),
                                            session.minutes,
                                            session.intensity.label().to_lowercase(),
                                        );
                                        view! {
                                            <button type="button" class="tag" on:click=move |_| log_again(session.clone())>
                                                {label}
                                            </button>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })
            }}
            <SessionForm id="log" on_done=Callback::new(move |words: Option<String>| logged.set(words))/>
            <p role="status" class="saved-line">{move || logged.get().map(|w| format!("Logged: {w}."))}</p>
        </section>

        <section class="card" aria-labelledby="goals-title">
            <h2 id="goals-title">"Your goals"</h2>
            <Show
                when=move || !live_goals().is_empty()
                fallback=|| {
                    view! {
                        <p>"You have no goals yet. Any amount of activity helps, and you can start small and build up."</p>
                    }
                }
            >
                {move || live_goals().into_iter().map(|record| view! { <GoalProgress record=record/> }).collect_view()}
            </Show>
            <A href="/activity/goal/new" attr:class="button-link">"Set a goal"</A>
            <Show when=move || !other_goals().is_empty()>
                <details class="as-table">
                    <summary>"Finished and archived goals"</summary>
                    <ul class="plain-list">
                        {move || {
                            other_goals()
                                .into_iter()
                                .map(|record| {
                                    let title = record.data.title();
                                    let status = record.data.status.label();
                                    view! {
                                        <li>
                                            {format!("{title} ({status}) ")}
                                            <button
                                                type="button"
                                                class="button-quiet"
                                                on:click=move |_| {
                                                    let mut record = record.clone();
                                                    record.edit(clock::now(), |g| g.status = GoalStatus::Active);
                                                    state.save_goal(record);
                                                }
                                            >
                                                "Make active again"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </details>
            </Show>
        </section>

        <section class="card" aria-labelledby="guideline-title">
            <h2 id="guideline-title">"This week and the guideline"</h2>
            {move || {
                let week = guideline();
                view! {
                    <progress
                        class="goal-bar"
                        max=GUIDELINE_MODERATE_MINUTES
                        value=week.moderate_equivalent.min(GUIDELINE_MODERATE_MINUTES)
                        aria-hidden="true"
                    ></progress>
                    {guideline_words(&week).into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
                    <progress
                        class="goal-bar"
                        max=GUIDELINE_STRENGTH_DAYS
                        value=week.strength_days.min(GUIDELINE_STRENGTH_DAYS)
                        aria-hidden="true"
                    ></progress>
                }
            }}
        </section>

        <section class="card" aria-labelledby="activity-mood-title">
            <h2 id="activity-mood-title">"Activity and mood"</h2>
            {move || {
                let (has_mood, sentences) = with_mood();
                if !has_mood {
                    view! {
                        <p>
                            "When you also check in on how you feel (on Today), you will see here how your mood "
                            "compares on days with and without activity."
                        </p>
                    }
                        .into_any()
                } else if sentences.is_empty() {
                    view! {
                        <p>
                            "There is not enough yet to compare. You need at least 5 days with activity and 5 days "
                            "without, on days you also checked in."
                        </p>
                    }
                        .into_any()
                } else {
                    view! { <ul class="insights">{sentences.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul> }
                        .into_any()
                }
            }}
        </section>

        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Your sessions"</h2>
            <div class="history-status">
                <p role="status">{move || just_deleted.get().map(|_| "Session deleted.")}</p>
                <Show when=move || just_deleted.get().is_some()>
                    <button type="button" class="button-quiet" on:click=undo>"Undo"</button>
                </Show>
            </div>
            <Show when=move || !recent().is_empty() fallback=|| view! { <p>"Nothing logged yet."</p> }>
                <ul class="entry-list">
                    // Keyed by id and version: saving another session (or logging a new one) never re-creates the
                    // one being changed, so what is typed in its form stays.
                    <For
                        each=recent
                        key=|record| (record.id.clone(), record.updated)
                        children=move |record| {
                                let id = record.id.clone();
                                let is_editing = move || editing.with(|e| e.as_ref() == Some(&id));
                                let s = record.data.clone();
                                let describe = format!("{}, {} minutes, {}", s.name(), s.minutes, clock::format_date(s.date));
                                let for_edit = record.clone();
                                let for_delete = record.clone();
                                let start_id = record.id.clone();
                                view! {
                                    <li class="entry">
                                        <Show
                                            when=is_editing.clone()
                                            fallback=move || {
                                                let s = s.clone();
                                                let describe = describe.clone();
                                                let for_delete = for_delete.clone();
                                                let start_id = start_id.clone();
                                                view! {
                                                    <span class="entry-main">{s.name()}</span>
                                                    <span>{format!("{} min, {}", s.minutes, s.intensity.label().to_lowercase())}</span>
                                                    <span class="entry-when">{clock::format_short_date(s.date)}</span>
                                                    <div class="entry-actions">
                                                        <button
                                                            type="button"
                                                            class="button-quiet"
                                                            aria-label=format!("Change session: {describe}")
                                                            on:click=move |_| editing.set(Some(start_id.clone()))
                                                        >
                                                            "Change"
                                                        </button>
                                                        <button
                                                            type="button"
                                                            class="button-quiet"
                                                            aria-label=format!("Delete session: {describe}")
                                                            on:click=move |_| delete(for_delete.clone())
                                                        >
                                                            "Delete"
                                                        </button>
                                                    </div>
                                                }
                                            }
                                        >
                                            <SessionForm
                                                id=format!("edit-{}", for_edit.id)
                                                editing=for_edit.clone()
                                                on_done=move |_| editing.set(None)
                                            />
                                        </Show>
                                    </li>
                                }
                        }
                    />
                </ul>
            </Show>
        </section>
    }
}
