use crate::browser::clock;
use crate::sync::use_sync;
use leptos::prelude::*;
use waymark_core::Timestamp;
use waymark_core::calendar::local_date;

/// The sync status in one sentence, for the screen that shows it: a live region, so changes are read out.
#[component]
pub fn SyncStatusLine(
    /// The element's id (so a button can point to it).
    #[prop(into)]
    id: String,
) -> impl IntoView {
    let sync = use_sync();
    let words = move || {
        sync.tick.track();
        let today = clock::today();
        sync.status.with(|status| {
            status.words(
                clock::now(),
                |at: Timestamp| local_date(at, &clock::BrowserZone) == today,
                clock::format_time,
                clock::format_day_and_time,
            )
        })
    };
    view! { <p id=id class="sync-status" role="status">{words}</p> }
}
