//! Today: the one-tap check-in, this week's activity, what is due, and gentle prompts.
use crate::app::set_page_title;
use crate::browser::clock;
use crate::components::continuing_care::ContinuingCareCard;
use crate::components::quick_check_in::QuickCheckIn;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::activity::{GoalStatus, Session, guideline_week, progress_words, week_progress};
use waymark_core::calendar::local_date;
use waymark_core::plan::{DueState, steps_for_today};
use waymark_core::settings::backup_due;

/// Today: how am I right now, this week's activity, and what comes next.
#[component]
pub fn TodayPage() -> impl IntoView {
    set_page_title("Today");
    let state = use_app_state();
    let today = clock::today();
    let last = move || {
        state.check_ins.with(|c| {
            c.live().max_by_key(|r| r.data.at).map(|r| {
                format!(
                    "Your last check-in: {}, {}.",
                    r.data.mood.label(),
                    clock::format_day_and_time(r.data.at)
                )
            })
        })
    };
    // This week's activity: each active goal in words, or the guideline minutes when there is no goal.
    let this_week = move || {
        state.sessions.with(|sessions| {
            let sessions: Vec<&Session> = sessions.live().map(|r| &r.data).collect();
            let monday = today.monday_of_week();
            // The goal's name and its progress apart: both may hold a colon ("Walking: 150 minutes a week",
            // "Done: 160 of 150 minutes"), which read badly run together.
            let goals: Vec<(Option<String>, String)> = state.goals.with(|goals| {
                goals
                    .live()
                    .filter(|g| g.data.status == GoalStatus::Active)
                    .map(|g| {
                        let progress = week_progress(&g.data, &sessions, monday);
                        (
                            Some(g.data.title()),
                            progress_words(&g.data, &progress, today),
                        )
                    })
                    .collect()
            });
            if goals.is_empty() {
                let week = guideline_week(&sessions, monday);
                vec![(
                    None,
                    format!(
                        "{} active minutes so far this week.",
                        week.moderate_equivalent + week.light
                    ),
                )]
            } else {
                goals
            }
        })
    };
    // A gentle note when the last check-in was a few days ago. This and the latest check-in above need the check-ins,
    // loaded just after Today is first drawn: until then both show nothing.
    let days_since_check_in = move || {
        state.check_ins.with(|c| {
            c.live()
                .map(|r| r.data.at)
                .max()
                .map(|at| today.days_since(local_date(at, &clock::BrowserZone)))
        })
    };
    // Needs the oldest record of all, so waits for the check-ins (loaded just after Today is first drawn).
    let backup_nudge = move || {
        if !state.check_ins_loaded.get() {
            return false;
        }
        let oldest = state.oldest_record();
        state
            .settings
            .with(|s| backup_due(s.all().first(), oldest, clock::now()))
    };
    // Plan steps due today or overdue.
    let steps_due = move || {
        state.plan_steps.with(|c| {
            steps_for_today(c.live().map(|r| &r.data), today)
                .into_iter()
                .map(|s| (s.what.clone(), s.due_state(today) == DueState::Overdue))
                .collect::<Vec<_>>()
        })
    };
    let reviews_due = move || {
        state
            .goals
            .with(|goals| goals.live().filter(|g| g.data.review_due(today)).count())
    };
    // A first visit (nothing saved yet, once the check-ins are read) says what Waymark is and where the data stays.
    // Decided once per visit to the page, so that it does not vanish under the person's finger at their first tap.
    let first_visit = RwSignal::new(None::<bool>);
    Effect::new(move |_| {
        if first_visit.get_untracked().is_none() && state.check_ins_loaded.get() {
            first_visit.set(Some(state.oldest_record().is_none()));
        }
    });
    view! {
        <h1 tabindex="-1">"Today"</h1>
        <QuickCheckIn/>
        <p class="last-check-in">{last}</p>
        <Show when=move || first_visit.get() == Some(true)>
            <section class="card intro" aria-labelledby="today-intro">
                <h2 id="today-intro">"Welcome to Waymark"</h2>
                <p>"Waymark is your self-help companion during and after NHS Talking Therapies."</p>
                <p>"What you add stays on this device. Nothing leaves it unless you turn on sync."</p>
            </section>
        </Show>
        {move || {
            days_since_check_in()
                .filter(|days| *days >= 2)
                .map(|days| view! { <p class="gentle">{format!("You last checked in {days} days ago. Whenever you are ready.")}</p> })
        }}
        <section class="card" aria-labelledby="today-activity">
            <h2 id="today-activity">"This week's activity"</h2>
            {move || {
                this_week()
                    .into_iter()
                    .map(|(goal, words)| {
                        view! {
                            {goal.map(|goal| view! { <h3 class="today-goal">{goal}</h3> })}
                            <p>{words}</p>
                        }
                    })
                    .collect_view()
            }}
            <Show when=move || { reviews_due() > 0 }>
                <p><strong>"A goal is ready to look at again."</strong></p>
            </Show>
            <A href="/activity" attr:class="button-link quiet">"Log activity"</A>
        </section>
        <ContinuingCareCard/>
        <section class="card" aria-labelledby="today-next">
            <h2 id="today-next">"Next steps"</h2>
            {move || {
                let due = steps_due();
                if due.is_empty() {
                    view! { <p>"Nothing is due today."</p> }.into_any()
                } else {
                    view! {
                        <ul>
                            {due
                                .into_iter()
                                .map(|(what, overdue)| view! { <li>{what} {overdue.then_some(" (was due earlier)")}</li> })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            <A href="/plan" attr:class="button-link quiet">"Open my plan"</A>
        </section>
        // Last: it can appear a moment after the rest (it waits for the check-ins), and must not push the page down.
        <Show when=backup_nudge>
            <section class="card" aria-labelledby="today-backup">
                <h2 id="today-backup">"Keep a copy of your data"</h2>
                <p>"It has been a while since you saved a backup. A backup file keeps your data safe if you change phone."</p>
                <A href="/data" attr:class="button-link quiet">"Go to My data"</A>
            </section>
        </Show>
    }
}
