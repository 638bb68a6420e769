//! Calendar reminders on My data: daily check-ins, monthly questionnaires and goal reviews, as `.ics` files.
use crate::browser::{clock, files};
use crate::state::use_app_state;
use leptos::prelude::*;
use waymark_core::activity::GoalStatus;
use waymark_core::calendar_file;

/// "14:05" as (14, 5); anything else as `None`.
fn parse_time(text: &str) -> Option<(u8, u8)> {
    let (hour, minute) = text.split_once(':')?;
    let (hour, minute) = (hour.parse::<u8>().ok()?, minute.parse::<u8>().ok()?);
    (hour < 24 && minute < 60).then_some((hour, minute))
}

/// Calendar reminders: files the phone's own calendar opens, so reminders work without a server or the internet.
#[component]
pub fn Reminders() -> impl IntoView {
    let state = use_app_state();
    let daily_time = RwSignal::new("19:00".to_owned());
    let monthly_time = RwSignal::new("10:00".to_owned());
    let message = RwSignal::new(None::<String>);
    let offer = move |name: &str, contents: String| {
        message.set(Some(
            match files::download(name, "text/calendar", &contents) {
                Ok(()) => {
                    format!("Saved {name}. Open it to add the reminder to your phone's calendar.")
                }
                Err(error) => format!("The reminder file could not be made: {error}"),
            },
        ));
    };
    let daily = move |_| {
        let Some((hour, minute)) = parse_time(&daily_time.get_untracked()) else {
            message.set(Some("Choose a time for the reminder first.".to_owned()));
            return;
        };
        let ics = calendar_file::daily_check_in(
            &clock::new_id(),
            clock::now(),
            clock::today(),
            hour,
            minute,
        );
        offer("waymark-daily-check-in.ics", ics);
    };
    let monthly = move |_| {
        let Some((hour, minute)) = parse_time(&monthly_time.get_untracked()) else {
            message.set(Some("Choose a time for the reminder first.".to_owned()));
            return;
        };
        let ics = calendar_file::monthly_questionnaire(
            &clock::new_id(),
            clock::now(),
            clock::today(),
            hour,
            minute,
        );
        offer("waymark-monthly-questionnaires.ics", ics);
    };
    let reviews = move || {
        state.goals.with(|goals| {
            goals
                .live()
                .filter(|g| matches!(g.data.status, GoalStatus::Active | GoalStatus::Paused))
                .filter_map(|g| {
                    // The goal in its own words: the calendar file adds "review your goal" around it.
                    g.data
                        .review
                        .map(|date| (g.id.clone(), g.data.title(), date))
                })
                .collect::<Vec<_>>()
        })
    };
    let goal_reviews = move |_| {
        let items = reviews();
        offer(
            "waymark-goal-reviews.ics",
            calendar_file::goal_reviews(&items, clock::now()),
        );
    };

    view! {
        <section class="card" aria-labelledby="reminders-title">
            <h2 id="reminders-title">"Reminders"</h2>
            <p>"Add reminders to your phone's own calendar. They work without the internet."</p>
            <label class="field-label" for="daily-time">"Daily check-in at"</label>
            <div class="minutes-row">
                <input id="daily-time" type="time" prop:value=move || daily_time.get() on:change=move |ev| daily_time.set(event_target_value(&ev))/>
                <button type="button" class="button-quiet" on:click=daily>"Get the daily reminder"</button>
            </div>
            <label class="field-label" for="monthly-time">"Monthly PHQ-9 and GAD-7, from today, at"</label>
            <div class="minutes-row">
                <input id="monthly-time" type="time" prop:value=move || monthly_time.get() on:change=move |ev| monthly_time.set(event_target_value(&ev))/>
                <button type="button" class="button-quiet" on:click=monthly>"Get the monthly reminder"</button>
            </div>
            <Show when=move || !reviews().is_empty()>
                <p class="field-label">"Goal review dates"</p>
                <button type="button" class="button-quiet" on:click=goal_reviews>"Get goal review reminders"</button>
            </Show>
            <p role="status">{move || message.get()}</p>
        </section>
    }
}
