use crate::browser::clock;
use leptos::prelude::*;
use waymark_core::calendar::LocalDate;
use waymark_core::mood::MoodLevel;
use waymark_core::mood_trends::{DayMood, MIN_DAYS_FOR_TAG_INSIGHT, MoodDays, TrendRange};

fn range_label(range: TrendRange) -> &'static str {
    match range {
        TrendRange::Week => "Week",
        TrendRange::Month => "Month",
        TrendRange::ThreeMonths => "3 months",
        TrendRange::Year => "Year",
    }
}

/// The daily average mood over a chosen range: a sentence, a chart, and the same figures as a table.
#[component]
pub fn MoodTrend(days: Memo<MoodDays>) -> impl IntoView {
    let range = RwSignal::new(TrendRange::Month);
    let today = clock::today();
    let summary = move || days.with(|d| d.trend(range.get(), today).summary());
    let series = move || days.with(|d| d.trend(range.get(), today).days.to_vec());

    view! {
        <div class="range-picker" role="group" aria-label="Time range">
            {TrendRange::ALL
                .map(|choice| {
                    view! {
                        <button
                            type="button"
                            class="range-option"
                            aria-pressed=move || (range.get() == choice).to_string()
                            on:click=move |_| range.set(choice)
                        >
                            {range_label(choice)}
                        </button>
                    }
                })}
        </div>
        <p class="trend-summary" aria-live="polite">{summary}</p>
        {move || {
            let series = series();
            let first = range.get().first_day(today);
            (!series.is_empty())
                .then(|| {
                    view! {
                        <TrendChart series=series.clone() first=first last=today summary=summary()/>
                        <details class="as-table">
                            <summary>"Show as a table"</summary>
                            <table>
                                <caption>{format!("Average mood by day, {}", range_label(range.get()).to_lowercase())}</caption>
                                <thead>
                                    <tr>
                                        <th scope="col">"Day"</th>
                                        <th scope="col">"Average"</th>
                                        <th scope="col">"Check-ins"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {series
                                        .iter()
                                        .rev()
                                        .map(|day| {
                                            view! {
                                                <tr>
                                                    <th scope="row">{clock::format_date(day.date)}</th>
                                                    <td>{day.average.words()}</td>
                                                    <td>{day.average.count()}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </details>
                    }
                })
        }}
    }
}

/// A line of daily averages from very low (bottom) to very good (top), one point per day with check-ins.
#[component]
fn TrendChart(
    series: Vec<DayMood>,
    first: LocalDate,
    last: LocalDate,
    summary: String,
) -> impl IntoView {
    const WIDTH: f32 = 320.0;
    const HEIGHT: f32 = 170.0;
    const LEFT: f32 = 72.0;
    const RIGHT: f32 = 312.0;
    const TOP: f32 = 12.0;
    const BOTTOM: f32 = 140.0;
    let span = last.days_since(first).max(1) as f32;
    let x = move |date: LocalDate| LEFT + (RIGHT - LEFT) * date.days_since(first) as f32 / span;
    let y = |value: f32| BOTTOM - (BOTTOM - TOP) * (value - 1.0) / 4.0;
    let points: Vec<(f32, f32)> = series
        .iter()
        .map(|d| (x(d.date), y(d.average.value())))
        .collect();
    let line = points
        .iter()
        .map(|(px, py)| format!("{px:.1},{py:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary>
            {MoodLevel::ALL
                .map(|level| {
                    let gy = y(level.score() as f32);
                    view! {
                        <line class="grid" x1=LEFT x2=RIGHT y1=gy y2=gy/>
                        <text class="axis" x=LEFT - 6.0 y=gy + 4.0 text-anchor="end">{level.label()}</text>
                    }
                })}
            <text class="axis" x=LEFT y=HEIGHT - 8.0>{clock::format_short_date(first)}</text>
            <text class="axis" x=RIGHT y=HEIGHT - 8.0 text-anchor="end">"Today"</text>
            <polyline class="trend-line" points=line fill="none"/>
            {points.into_iter().map(|(cx, cy)| view! { <circle class="trend-point" cx=cx cy=cy r="3"/> }).collect_view()}
        </svg>
    }
}

/// How mood on days with each tag compares with other days, only where there is enough data to say.
#[component]
pub fn TagInsights(days: Memo<MoodDays>) -> impl IntoView {
    let sentences = move || {
        days.with(|d| {
            d.tag_insights_all_time()
                .iter()
                .map(|i| i.sentence())
                .collect::<Vec<_>>()
        })
    };
    view! {
        {move || {
            let sentences = sentences();
            if sentences.is_empty() {
                view! {
                    <p>
                        {format!(
                            "When you have used a tag on at least {MIN_DAYS_FOR_TAG_INSIGHT} days, and not used it on at \
                             least {MIN_DAYS_FOR_TAG_INSIGHT} other days, you will see here how your mood compares."
                        )}
                    </p>
                }
                    .into_any()
            } else {
                view! { <ul class="insights">{sentences.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul> }
                    .into_any()
            }
        }}
    }
}
