//! The summary for an appointment: mood, questionnaires, activity and the plan over chosen dates, to print or share.
use crate::app::set_page_title;
use crate::browser::{clock, files};
use crate::state::use_app_state;
use leptos::prelude::*;
use waymark_core::activity::{GoalStatus, Session, goal_in_range, guideline_week, summary_weeks};
use waymark_core::calendar::{LocalDate, local_date};
use waymark_core::mood_trends::Average;
use waymark_core::plan::{current, in_order};
use waymark_core::questionnaire::{Change, Gad7Severity, Phq9Severity, dated_pairs};

/// A week's Monday in few words, "30 Nov 2026", so that a three-column table fits 320 px.
fn week_words(monday: LocalDate) -> String {
    format!("{} {}", clock::format_short_date(monday), monday.year())
}

/// How far back the summary starts unless the person chooses, in days.
const DEFAULT_DAYS: i32 = 91;

/// A print-ready summary for an appointment over a chosen date range: mood, PHQ-9 / GAD-7 in the service's words,
/// and activity against goals.
#[component]
pub fn SummaryPage() -> impl IntoView {
    set_page_title("Summary for an appointment");
    let state = use_app_state();
    state.ensure_check_ins_loaded();
    let today = clock::today();
    let from = RwSignal::new(today.add_days(-DEFAULT_DAYS));
    let to = RwSignal::new(today);
    let share_message = RwSignal::new(None::<String>);
    let zone = clock::BrowserZone;
    let in_range = move |date: LocalDate| date >= from.get() && date <= to.get();

    // Mood: the average over the range and by week.
    let mood = move || {
        let days = state.mood_days();
        let mut weeks: Vec<(LocalDate, Average)> = Vec::new();
        let mut all: Option<Average> = None;
        for day in days.days().iter().filter(|d| in_range(d.date)) {
            all = Some(all.map_or(day.average, |a| a.combine(day.average)));
            let monday = day.date.monday_of_week();
            match weeks.last_mut() {
                Some((week, average)) if *week == monday => *average = average.combine(day.average),
                _ => weeks.push((monday, day.average)),
            }
        }
        (all, weeks)
    };
    // Questionnaires: every complete pair in range, and the change from the first to the last of them.
    let pairs = move || {
        let mut pairs = state.questionnaires.with(|c| dated_pairs(c.all()));
        pairs.retain(|p| in_range(local_date(p.at, &zone)));
        pairs
    };
    // Activity: each goal's weeks met in range (counted from the goal's start), and the guideline minutes by week
    // from the first week with a session or a goal.
    let activity = move || {
        let (from, to) = (from.get(), to.get());
        state.sessions.with(|sessions| {
            let sessions: Vec<&Session> = sessions.live().map(|r| &r.data).collect();
            state.goals.with(|goals| {
                let goals: Vec<_> = goals
                    .live()
                    .filter(|g| g.data.status != GoalStatus::Archived)
                    .map(|g| &g.data)
                    .collect();
                let starts: Vec<LocalDate> = goals.iter().map(|g| g.start).collect();
                let weeks: Vec<_> = summary_weeks(&starts, &sessions, from, to)
                    .into_iter()
                    .map(|monday| (monday, guideline_week(&sessions, monday)))
                    .collect();
                let goals: Vec<String> = goals
                    .iter()
                    .map(|g| {
                        let words = goal_in_range(g, &sessions, from, to).words();
                        format!("{}. {words}", g.title())
                    })
                    .collect();
                (goals, weeks)
            })
        })
    };
    // Plan: every step with its status (done steps dated), and the staying-well plan as written.
    let plan = move || {
        state.plan_steps.with(|c| {
            in_order(c.live().map(|r| &r.data))
                .into_iter()
                .map(|s| {
                    let done = s
                        .done_on
                        .map(|d| format!(", {}", clock::format_date(d)))
                        .unwrap_or_default();
                    format!("{}: {}{done}", s.what, s.status.label())
                })
                .collect::<Vec<_>>()
        })
    };
    let staying_well = move || {
        state.staying_well.with(|c| {
            current(c.all())
                .map(|r| {
                    r.data
                        .filled()
                        .into_iter()
                        .map(|(section, text)| (section.heading, text.to_owned()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let as_text = move || {
        let (average, weeks) = mood();
        let mut lines = vec![format!(
            "Waymark summary, {} to {}",
            clock::format_date(from.get()),
            clock::format_date(to.get())
        )];
        if let Some(average) = average {
            lines.push(format!(
                "Average mood: {} ({} check-ins over {} weeks).",
                average.words(),
                average.count(),
                weeks.len()
            ));
        }
        for pair in pairs() {
            lines.push(format!(
                "{}: PHQ-9 {} ({}), GAD-7 {} ({}).",
                clock::format_date(local_date(pair.at, &zone)),
                pair.pair.phq9_total(),
                Phq9Severity::from_total(pair.pair.phq9_total()).label(),
                pair.pair.gad7_total(),
                Gad7Severity::from_total(pair.pair.gad7_total()).label()
            ));
        }
        lines.extend(activity().0);
        lines.extend(plan());
        lines.join("\n")
    };
    let share = move |_| {
        let text = as_text();
        leptos::task::spawn_local(async move {
            if let Err(error) = files::share("Waymark summary", &text).await {
                share_message.set(Some(format!("Sharing did not work: {error}")));
            }
        });
    };

    view! {
        <h1 tabindex="-1">"Summary for an appointment"</h1>
        <section class="card no-print" aria-labelledby="range-title">
            <h2 id="range-title">"Dates"</h2>
            <div class="date-range">
                <div>
                    <label class="field-label" for="summary-from">"From"</label>
                    <input
                        id="summary-from"
                        type="date"
                        prop:value=move || from.get().to_string()
                        on:change=move |ev| if let Ok(date) = event_target_value(&ev).parse() { from.set(date) }
                    />
                </div>
                <div>
                    <label class="field-label" for="summary-to">"To"</label>
                    <input
                        id="summary-to"
                        type="date"
                        prop:value=move || to.get().to_string()
                        on:change=move |ev| if let Ok(date) = event_target_value(&ev).parse() { to.set(date) }
                    />
                </div>
            </div>
            <div class="actions">
                <button type="button" on:click=move |_| files::print()>"Print or save as PDF"</button>
                {files::can_share().then(|| view! { <button type="button" class="button-quiet" on:click=share>"Share"</button> })}
            </div>
            <p role="status">{move || share_message.get()}</p>
        </section>
        <article class="summary">
            <p class="summary-dates">
                {move || format!("{} to {}", clock::format_date(from.get()), clock::format_date(to.get()))}
            </p>
            <section aria-labelledby="summary-mood">
                <h2 id="summary-mood">"Mood"</h2>
                {move || {
                    let (average, weeks) = mood();
                    match average {
                        None => view! { <p>"No check-ins in these dates."</p> }.into_any(),
                        Some(average) => view! {
                            <p>{format!("Average mood: {} ({} check-ins).", average.words(), average.count())}</p>
                            <table>
                                <caption>"Average mood by week"</caption>
                                <thead><tr><th scope="col">"Week starting"</th><th scope="col">"Average"</th><th scope="col">"Check-ins"</th></tr></thead>
                                <tbody>
                                    {weeks.into_iter().map(|(monday, average)| view! {
                                        <tr><th scope="row">{week_words(monday)}</th><td>{average.words()}</td><td>{average.count()}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any(),
                    }
                }}
            </section>
            <section aria-labelledby="summary-scores">
                <h2 id="summary-scores">"PHQ-9 and GAD-7"</h2>
                {move || {
                    let pairs = pairs();
                    if pairs.is_empty() {
                        return view! { <p>"No questionnaires in these dates."</p> }.into_any();
                    }
                    let change = (pairs.len() > 1).then(|| Change::between(pairs[0].pair, pairs[pairs.len() - 1].pair));
                    view! {
                        // A list rather than a four-column table: it fits a phone at 320 px and with large text.
                        <h3>"Scores"</h3>
                        <ul class="score-list">
                            {pairs.iter().map(|p| view! {
                                <li>
                                    <strong>{clock::format_date(local_date(p.at, &zone))}</strong>
                                    <span>{format!("PHQ-9: {} ({})", p.pair.phq9_total(), Phq9Severity::from_total(p.pair.phq9_total()).label())}</span>
                                    <span>{format!("GAD-7: {} ({})", p.pair.gad7_total(), Gad7Severity::from_total(p.pair.gad7_total()).label())}</span>
                                    <span>{if p.pair.at_caseness() { "At caseness" } else { "Below caseness" }}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        {change.map(|change| view! {
                            <h3>"From the first to the last scores in these dates"</h3>
                            {change.sentences().into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
                        })}
                    }
                        .into_any()
                }}
            </section>
            <section aria-labelledby="summary-activity">
                <h2 id="summary-activity">"Activity"</h2>
                {move || {
                    let (goals, weeks) = activity();
                    if goals.is_empty() && weeks.is_empty() {
                        return view! { <p>"No activity in these dates."</p> }.into_any();
                    }
                    view! {
                        {goals.into_iter().map(|g| view! { <p>{g}</p> }).collect_view()}
                        {(!weeks.is_empty()).then(|| view! {
                        <table>
                            <caption>"Active minutes by week (a vigorous minute counts as two)"</caption>
                            <thead><tr><th scope="col">"Week starting"</th><th scope="col">"Minutes"</th><th scope="col">"Strength days"</th></tr></thead>
                            <tbody>
                                {weeks.into_iter().map(|(monday, week)| view! {
                                    <tr><th scope="row">{week_words(monday)}</th><td>{week.moderate_equivalent}</td><td>{week.strength_days}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        })}
                    }
                        .into_any()
                }}
            </section>
            <section aria-labelledby="summary-plan">
                <h2 id="summary-plan">"Plan"</h2>
                {move || {
                    let steps = plan();
                    if steps.is_empty() {
                        view! { <p>"No plan steps."</p> }.into_any()
                    } else {
                        view! { <ul>{steps.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul> }.into_any()
                    }
                }}
            </section>
            <section aria-labelledby="summary-staying-well">
                <h2 id="summary-staying-well">"Staying-well plan"</h2>
                {move || {
                    let sections = staying_well();
                    if sections.is_empty() {
                        view! { <p>"Not written yet."</p> }.into_any()
                    } else {
                        sections
                            .into_iter()
                            .map(|(heading, text)| view! { <h3>{heading}</h3> <p class="pre-wrap">{text}</p> })
                            .collect_view()
                            .into_any()
                    }
                }}
            </section>
            <p class="hint">"Made with Waymark. These are the person's own records, not an official record."</p>
        </article>
    }
}
