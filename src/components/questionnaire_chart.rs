use crate::browser::clock;
use leptos::prelude::*;
use waymark_core::calendar::local_date;
use waymark_core::questionnaire::{DatedPair, GAD7_CASENESS, PHQ9_CASENESS, PHQ9_MAX_TOTAL};

/// PHQ-9 and GAD-7 totals over time, each with its caseness line; the lines differ by pattern, not only colour.
/// The same figures follow as a table.
#[component]
pub fn QuestionnaireChart(pairs: Vec<DatedPair>) -> impl IntoView {
    const LEFT: f32 = 36.0;
    const RIGHT: f32 = 312.0;
    const TOP: f32 = 12.0;
    const BOTTOM: f32 = 150.0;
    let max = PHQ9_MAX_TOTAL as f32;
    let y = move |total: u8| BOTTOM - (BOTTOM - TOP) * total as f32 / max;
    let n = pairs.len();
    let x = move |i: usize| {
        if n < 2 {
            (LEFT + RIGHT) / 2.0
        } else {
            LEFT + (RIGHT - LEFT) * i as f32 / (n - 1) as f32
        }
    };
    let line = |total: fn(&DatedPair) -> u8| {
        pairs
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(total(p))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let phq9 = line(|p| p.pair.phq9_total());
    let gad7 = line(|p| p.pair.gad7_total());
    let label = format!(
        "Chart of your PHQ-9 and GAD-7 scores over {n} occasion{}. The same figures are in the table below.",
        if n == 1 { "" } else { "s" }
    );
    let zone = clock::BrowserZone;
    view! {
        <svg class="chart" viewBox="0 0 320 180" role="img" aria-label=label>
            {[0u8, 9, 18, 27]
                .map(|t| {
                    view! {
                        <line class="grid" x1=LEFT x2=RIGHT y1=y(t) y2=y(t)/>
                        <text class="axis" x=LEFT - 6.0 y=y(t) + 4.0 text-anchor="end">{t}</text>
                    }
                })}
            <line class="caseness phq9" x1=LEFT x2=RIGHT y1=y(PHQ9_CASENESS) y2=y(PHQ9_CASENESS)/>
            <line class="caseness gad7" x1=LEFT x2=RIGHT y1=y(GAD7_CASENESS) y2=y(GAD7_CASENESS)/>
            <polyline class="score-line phq9" points=phq9 fill="none"/>
            <polyline class="score-line gad7" points=gad7 fill="none"/>
            {pairs
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    view! {
                        <circle class="score-point phq9" cx=x(i) cy=y(p.pair.phq9_total()) r="3.5"/>
                        <rect class="score-point gad7" x=x(i) - 3.0 y=y(p.pair.gad7_total()) - 3.0 width="6" height="6"/>
                    }
                })
                .collect_view()}
        </svg>
        <ul class="legend" aria-hidden="true">
            <li class="phq9">"PHQ-9 (solid line, circles)"</li>
            <li class="gad7">"GAD-7 (dashed line, squares)"</li>
            <li class="caseness-key">{format!("Thin dotted lines: caseness, PHQ-9 {PHQ9_CASENESS} and GAD-7 {GAD7_CASENESS}")}</li>
        </ul>
        <details class="as-table">
            <summary>"Show as a table"</summary>
            <table>
                <caption>"Your questionnaire scores"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Date"</th>
                        <th scope="col">"PHQ-9 (out of 27)"</th>
                        <th scope="col">"GAD-7 (out of 21)"</th>
                    </tr>
                </thead>
                <tbody>
                    {pairs
                        .iter()
                        .rev()
                        .map(|p| {
                            view! {
                                <tr>
                                    <th scope="row">{clock::format_date(local_date(p.at, &zone))}</th>
                                    <td>{p.pair.phq9_total()}</td>
                                    <td>{p.pair.gad7_total()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </details>
    }
}
