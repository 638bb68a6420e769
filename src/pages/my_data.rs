use crate::app::set_page_title;
use crate::browser::{clock, files};
use crate::components::backup_restore::BackupRestore;
use crate::components::delete_everything::DeleteEverything;
use crate::components::reminders::Reminders;
use crate::components::sync_status::SyncStatusLine;
use crate::state::use_app_state;
use crate::sync::use_sync;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::ProblemKind;
use waymark_core::csv_export;

/// My data: where it is kept, sync between devices, back up and bring back, spreadsheets, a summary for appointments, reminders,
/// anything kept aside, and deleting everything.
#[component]
pub fn MyDataPage() -> impl IntoView {
    set_page_title("My data");
    let state = use_app_state();
    state.ensure_check_ins_loaded();
    let sync = use_sync();
    // Re-read whenever problems change (loading sets data aside and reports it there).
    // Reading every key is slow with years of data: once, and again whenever problems change.
    let aside = Memo::new(move |_| {
        state.problems.track();
        state.aside().unwrap_or_default()
    });
    let newer = move || {
        state.problems.with(|p| {
            p.iter()
                .filter(|p| matches!(p.kind, ProblemKind::NewerVersion { .. }))
                .count()
        })
    };
    let csv_message = RwSignal::new(None::<String>);
    let save_csv = move |name: &str, contents: String| {
        csv_message.set(Some(match files::download(name, "text/csv", &contents) {
            Ok(()) => format!("Saved {name}."),
            Err(error) => format!("The file could not be made: {error}"),
        }));
    };
    let check_ins_csv = move |_| {
        let csv = state
            .check_ins
            .with(|c| csv_export::check_ins_csv(c.all(), &clock::BrowserZone));
        save_csv("waymark-check-ins.csv", csv);
    };
    let questionnaires_csv = move |_| {
        let csv = state
            .questionnaires
            .with(|c| csv_export::questionnaires_csv(c.all(), &clock::BrowserZone));
        save_csv("waymark-questionnaires.csv", csv);
    };
    let sessions_csv = move |_| {
        let csv = state
            .sessions
            .with(|c| csv_export::activity_sessions_csv(c.all()));
        save_csv("waymark-activity.csv", csv);
    };

    view! {
        <h1 tabindex="-1">"My data"</h1>
        <section class="card" aria-labelledby="data-where">
            <h2 id="data-where">"Where your data is kept"</h2>
            <p>
                {move || if sync.membership.with(Option::is_some) {
                    "Everything you save in Waymark is kept on this device, in this browser, and works without the \
                     internet. Sync is on, so a scrambled copy is also kept on the sync server for your other \
                     devices. Only your devices can unscramble it."
                } else {
                    "Everything you save in Waymark stays on this device, in this browser. \
                     It is not sent anywhere, and it works without the internet."
                }}
            </p>
            <p class="storage-persistence">
                {move || match state.persisted.get() {
                    Some(true) => "This browser has agreed to keep Waymark's data, even when the phone is short of space.",
                    Some(false) => "This browser may clear Waymark's data if the phone runs short of space. Adding Waymark to your home screen can help.",
                    None => "",
                }}
            </p>
            {files::storage_may_be_cleared()
                .then(|| {
                    view! {
                        <p class="review-prompt">
                            "On this browser, Safari may delete Waymark's data if you do not open it for a few weeks. "
                            "To keep it safe, add Waymark to your Home Screen (Share, then Add to Home Screen), and "
                            "download a backup now and then."
                        </p>
                    }
                })}
        </section>
        <section class="card" aria-labelledby="sync-title">
            <h2 id="sync-title">"Sync between my devices"</h2>
            <SyncStatusLine id="my-data-sync-status"/>
            <A href="/data/sync" attr:class="button-link">
                {move || if sync.membership.with(Option::is_some) { "Sync settings" } else { "Set up sync" }}
            </A>
        </section>
        <BackupRestore/>
        <section class="card" aria-labelledby="summary-title">
            <h2 id="summary-title">"A summary for an appointment"</h2>
            <p>"A page to print, save as a PDF or share, with your mood, scores and activity for the dates you choose."</p>
            <A href="/data/summary" attr:class="button-link">"Make a summary"</A>
        </section>
        <section class="card" aria-labelledby="csv-title">
            <h2 id="csv-title">"For spreadsheets"</h2>
            <p>"Download your check-ins, questionnaires or activity as files a spreadsheet can open (CSV)."</p>
            <div class="actions">
                <button type="button" class="button-quiet" on:click=check_ins_csv>"Check-ins (CSV)"</button>
                <button type="button" class="button-quiet" on:click=questionnaires_csv>"Questionnaires (CSV)"</button>
                <button type="button" class="button-quiet" on:click=sessions_csv>"Activity (CSV)"</button>
            </div>
            <p role="status">{move || csv_message.get()}</p>
        </section>
        <Reminders/>
        <Show when=move || { !aside.with(Vec::is_empty) || newer() > 0 }>
            <section class="card" aria-labelledby="data-aside">
                <h2 id="data-aside">"Data kept aside"</h2>
                <p>
                    "Some saved data could not be read by this version of Waymark. "
                    "It has been kept exactly as it was, and nothing has been deleted. Backups include it."
                </p>
                <ul class="aside-list">
                    {move || {
                        aside
                            .get()
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
        <DeleteEverything/>
    }
}
