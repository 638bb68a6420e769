use crate::browser::clock;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::Record;
use waymark_core::activity::{
    Goal, GoalStatus, Session, missed_week_words, progress_words, week_progress, weekly_history,
    weeks_met_in_a_row,
};

/// How many past weeks the history table shows.
const HISTORY_WEEKS: usize = 12;

/// One goal: this week's progress in words and a bar, weeks met in a row, a review prompt when due, the weekly
/// history, and what can be done with it (change, pause or resume, finish, archive).
#[component]
pub fn GoalProgress(record: Record<Goal>) -> impl IntoView {
    let state = use_app_state();
    let today = clock::today();
    let goal = record.data.clone();
    let id = record.id.to_string();
    let progress = {
        let goal = goal.clone();
        move || {
            state.sessions.with(|c| {
                let sessions: Vec<&Session> = c.live().map(|r| &r.data).collect();
                let progress = week_progress(&goal, &sessions, today.monday_of_week());
                let streak = weeks_met_in_a_row(&goal, &sessions, today);
                let history = weekly_history(&goal, &sessions, today, HISTORY_WEEKS + 1);
                (progress, streak, history)
            })
        }
    };
    let set_status = {
        let record = record.clone();
        move |status: GoalStatus| {
            let mut record = record.clone();
            record.edit(clock::now(), |g| g.status = status);
            state.save_goal(record);
        }
    };
    let set_status_pause = set_status.clone();
    let set_status_finish = set_status.clone();
    let set_status_archive = set_status.clone();
    let paused = goal.status == GoalStatus::Paused;
    let review_due = goal.review_due(today);
    let title = goal.title();
    let why = goal.why.clone();

    view! {
        <article class="card goal" aria-labelledby=format!("goal-{id}")>
            <h3 id=format!("goal-{id}")>{title}</h3>
            {paused.then(|| view! { <p class="hint">"Paused. Take the time you need."</p> })}
            {(!why.is_empty()).then(|| view! { <p class="goal-why">{format!("Why this matters to me: {why}")}</p> })}
            {
                let goal = goal.clone();
                move || {
                    let (week, streak, history) = progress();
                    let words = progress_words(&goal, &week, today);
                    let past: Vec<_> = history.into_iter().filter(|w| w.monday != week.monday).take(HISTORY_WEEKS).collect();
                    let last_week = past.first().copied();
                    view! {
                        <progress class="goal-bar" max=week.target.max(1) value=week.done.min(week.target.max(1)) aria-hidden="true"></progress>
                        <p class="goal-words">{words}</p>
                        {(streak > 0)
                            .then(|| {
                                view! {
                                    <p>{format!("Weeks met in a row: {streak}.")}</p>
                                }
                            })}
                        {last_week
                            .filter(|w| !w.met)
                            .map(|w| view! { <p class="kind-words">{missed_week_words(&w)}</p> })}
                        {(!past.is_empty())
                            .then(|| {
                                let unit = goal.target;
                                view! {
                                    <details class="as-table">
                                        <summary>"Earlier weeks"</summary>
                                        <table>
                                            <caption>"Week by week"</caption>
                                            <thead>
                                                <tr>
                                                    <th scope="col">"Week starting"</th>
                                                    <th scope="col">"Done"</th>
                                                    <th scope="col">"Goal"</th>
                                                    <th scope="col">"Met?"</th>
                                                </tr>
                                            </thead>
                                            <tbody>
                                                {past
                                                    .into_iter()
                                                    .map(|w| {
                                                        view! {
                                                            <tr>
                                                                <th scope="row">{clock::format_date(w.monday)}</th>
                                                                <td>{unit.unit_words(w.done)}</td>
                                                                <td>{unit.unit_words(w.target)}</td>
                                                                <td>{if w.met { "Yes" } else { "Not this time" }}</td>
                                                            </tr>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </tbody>
                                        </table>
                                    </details>
                                }
                            })}
                    }
                }
            }
            {review_due
                .then(|| {
                    view! {
                        <div class="review-prompt" role="status">
                            <p>
                                <strong>"Time to look at this goal again."</strong>
                                " Is it still right for you? You can keep it, change it, or finish it."
                            </p>
                        </div>
                    }
                })}
            <div class="actions">
                <A href=format!("/activity/goal/{id}") attr:class="button-link quiet">"Change"</A>
                <button
                    type="button"
                    class="button-quiet"
                    on:click=move |_| set_status_pause(if paused { GoalStatus::Active } else { GoalStatus::Paused })
                >
                    {if paused { "Resume" } else { "Pause" }}
                </button>
                <button type="button" class="button-quiet" on:click=move |_| set_status_finish(GoalStatus::Finished)>
                    "Finish"
                </button>
                <button type="button" class="button-quiet" on:click=move |_| set_status_archive(GoalStatus::Archived)>
                    "Archive"
                </button>
            </div>
        </article>
    }
}
