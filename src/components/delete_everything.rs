use crate::components::backup_restore::download_backup;
use crate::pages::sync::focus_id;
use crate::state::use_app_state;
use crate::sync::use_sync;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::RecordKind;
use waymark_core::kinds;
use waymark_core::settings::Settings;

/// One clearly worded action that removes everything Waymark keeps on this device, after a confirmation.
#[component]
pub fn DeleteEverything() -> impl IntoView {
    let state = use_app_state();
    let sync = use_sync();
    let asking = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let backup_message = RwSignal::new(None::<String>);
    let delete = move |_| {
        // Sync's bookkeeping goes too: this device no longer syncs.
        let result = state.delete_everything();
        asking.set(false);
        // The confirmation (and the focused button) is gone: focus goes to the section's heading.
        focus_id("delete-title");
        message.set(Some(match result {
            Ok(_) => "Everything Waymark kept on this device has been deleted.".to_owned(),
            Err(error) => format!("Not everything could be deleted: {error} Please try again."),
        }));
    };
    // What will go, counted from storage itself (every kind, tombstones aside).
    let holds = move || {
        let words: Vec<String> = state
            .live_counts()
            .into_iter()
            // Settings go too, but "1 settings record" says nothing to the person.
            .filter(|(kind, n)| *n > 0 && *kind != Settings::KIND)
            .filter_map(|(kind, n)| kinds::find(kind).map(|k| k.count_words(n)))
            .collect();
        if words.is_empty() {
            "your settings".to_owned()
        } else {
            words.join(", ")
        }
    };
    view! {
        <section class="card danger-zone" aria-labelledby="delete-title">
            <h2 id="delete-title" tabindex="-1">"Delete everything"</h2>
            <p>"Remove everything Waymark has saved on this device. This cannot be undone."</p>
            <Show
                when=move || asking.get()
                fallback=move || {
                    view! {
                        <button type="button" class="button-danger" on:click=move |_| asking.set(true)>
                            "Delete everything…"
                        </button>
                    }
                }
            >
                <div role="alert">
                    <p>
                        <strong>{move || format!("Delete {} from this device?", holds())}</strong>
                        " If you might want it again, download a backup first."
                    </p>
                </div>
                <Show when=move || sync.membership.with(Option::is_some)>
                    <p>
                        "Sync is on. This deletes your data from this device only, and turns sync off here. Your other "
                        "devices, and the scrambled copy on the sync server, keep theirs. To delete the server copy "
                        "too, first use "
                        <A href="/data/sync">"Delete my data from the server"</A>
                        " on the sync page."
                    </p>
                </Show>
                <div class="actions">
                    <button
                        type="button"
                        class="button-quiet"
                        on:click=move |_| backup_message.set(Some(download_backup().unwrap_or_else(|e| e)))
                    >
                        "Download a backup first"
                    </button>
                    <button type="button" class="button-danger" on:click=delete>"Yes, delete everything"</button>
                    <button type="button" class="button-quiet" on:click=move |_| {
                        asking.set(false);
                        focus_id("delete-title");
                    }>"Cancel"</button>
                </div>
                <p role="status">{move || backup_message.get()}</p>
            </Show>
            <p role="status">{move || message.get()}</p>
        </section>
    }
}
