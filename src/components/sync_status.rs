use crate::browser::clock;
use crate::sync::rules::{Phase, worth_announcing};
use crate::sync::use_sync;
use leptos::prelude::*;
use waymark_core::Timestamp;
use waymark_core::calendar::local_date;

/// The sync status in one sentence, and a quiet live region that reads out only what is news (see
/// [`worth_announcing`]): a status line that spoke after every background sync would interrupt someone reading the
/// page every few minutes.
#[component]
pub fn SyncStatusLine(
    /// The element's id (so a button can point to it).
    #[prop(into)]
    id: String,
    /// Set when the person asks for a sync ("Sync now"), so its outcome is read out; cleared once it is.
    #[prop(optional)]
    asked: Option<RwSignal<bool>>,
) -> impl IntoView {
    let sync = use_sync();
    let words = move || {
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
    let shown = move || {
        sync.tick.track();
        words()
    };
    let announced = RwSignal::new(String::new());
    // The last phase shown other than "Syncing"; `None` until the first, which the person can read on the page.
    let settled = StoredValue::new(None::<Phase>);
    Effect::new(move || {
        let phase = sync.status.with(|status| status.phase.clone());
        if phase == Phase::Syncing {
            return;
        }
        let was_asked = asked.is_some_and(|asked| asked.get());
        let first = settled.with_value(Option::is_none);
        let speak =
            !first && settled.with_value(|s| worth_announcing(s.as_ref(), &phase, was_asked));
        settled.set_value(Some(phase));
        if speak {
            announced.set(untrack(words));
        }
        if was_asked && let Some(asked) = asked {
            asked.set(false);
        }
    });
    view! {
        <p id=id class="sync-status">{shown}</p>
        <p class="visually-hidden" role="status">{move || announced.get()}</p>
    }
}
