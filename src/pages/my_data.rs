use crate::app::set_page_title;
use crate::state::{repository, use_app_state};
use leptos::prelude::*;
use waymark_core::ProblemKind;

/// My data: where the person's data lives, anything kept aside, and what is coming (export, import, sync…).
#[component]
pub fn MyDataPage() -> impl IntoView {
    set_page_title("My data");
    let state = use_app_state();
    // Re-read whenever problems change (loading sets data aside and reports it there).
    let aside = move || {
        state.problems.track();
        repository().aside().unwrap_or_default()
    };
    let newer = move || {
        state.problems.with(|p| {
            p.iter()
                .filter(|p| matches!(p.kind, ProblemKind::NewerVersion { .. }))
                .count()
        })
    };
    view! {
        <h1 tabindex="-1">"My data"</h1>
        <section class="card" aria-labelledby="data-where">
            <h2 id="data-where">"Where your data is kept"</h2>
            <p>
                "Everything you save in Waymark stays on this device, in this browser. "
                "It is not sent anywhere, and it works without the internet."
            </p>
            <p class="storage-persistence">
                {move || match state.persisted.get() {
                    Some(true) => "This browser has agreed to keep Waymark's data, even when the phone is short of space.",
                    Some(false) => "This browser may clear Waymark's data if the phone runs short of space. Adding Waymark to your home screen can help.",
                    None => "",
                }}
            </p>
        </section>
        <Show when=move || { !aside().is_empty() || newer() > 0 }>
            <section class="card" aria-labelledby="data-aside">
                <h2 id="data-aside">"Data kept aside"</h2>
                <p>
                    "Some saved data could not be read by this version of Waymark. "
                    "It has been kept exactly as it was, and nothing has been deleted."
                </p>
                <ul class="aside-list">
                    {move || {
                        aside()
                            .into_iter()
                            .map(|entry| {
                                let size = entry.raw.chars().count();
                                view! { <li>{format!("{} ({size} characters): {}", entry.key, entry.reason)}</li> }
                            })
                            .collect_view()
                    }}
                </ul>
                <Show when=move || { newer() > 0 }>
                    <p>{move || format!("{} item(s) were saved by a newer version of Waymark. Reload to use it.", newer())}</p>
                </Show>
            </section>
        </Show>
        <section class="card" aria-labelledby="data-soon">
            <h2 id="data-soon">"Coming soon"</h2>
            <p>
                "Back up and restore your data, a summary to take to an appointment, calendar reminders, "
                "optional sync between your devices, and deleting everything."
            </p>
        </section>
    }
}
