use crate::browser::{clock, files};
use crate::state::use_app_state;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use waymark_core::backup::{self, ImportPreview};
use waymark_core::calendar::local_date;
use waymark_core::{ImportMode, Imported};

/// The name of a backup file made today, e.g. "waymark-backup-2026-11-21.json".
fn backup_file_name() -> String {
    format!("waymark-backup-{}.json", clock::today())
}

/// Saves everything on this device as one backup file, and notes when (for the backup reminder).
/// Returns a message for the person.
pub fn download_backup() -> Result<String, String> {
    let state = use_app_state();
    let text = state.backup_text().map_err(|e| e.to_string())?;
    files::download(&backup_file_name(), "application/json", &text)?;
    state.update_settings(|s| s.last_backup_at = Some(clock::now()));
    Ok(format!(
        "Saved {}. Keep it somewhere safe, such as your email or cloud storage.",
        backup_file_name()
    ))
}

/// What an import did, in words for the person: what changed, and whether it could all be got ready to sync (with
/// sync on; the next sync tries again if not).
fn import_words(imported: Imported, before: &str) -> Step {
    let sync_words = match imported.sync_queue {
        Ok(_) => String::new(),
        Err(error) => format!(
            " It could not all be got ready to sync yet: {error} Waymark will try again with the next sync."
        ),
    };
    match imported.result {
        Ok(report) => Step::Done(format!("{before}{}{sync_words}", report.summary())),
        Err(error) => Step::Failed(format!("{error}{sync_words}")),
    }
}

/// What an import is doing.
#[derive(Clone)]
enum Step {
    Idle,
    /// A file was checked; the person chooses how to bring it in.
    Checked(ImportPreview),
    /// "Replace" was chosen: asking once more.
    ConfirmReplace(ImportPreview),
    Done(String),
    Failed(String),
}

/// Back up to a file, and bring a backup back in: checked first, then added (newer changes win) or, after a
/// confirmation that first saves the current data, used to replace everything.
#[component]
pub fn BackupRestore() -> impl IntoView {
    let state = use_app_state();
    let sync = crate::sync::use_sync();
    let backup_message = RwSignal::new(None::<Result<String, String>>);
    let step = RwSignal::new(Step::Idle);
    let input_ref = NodeRef::<leptos::html::Input>::new();

    let on_file = move |_| {
        let Some(input) = input_ref.get() else { return };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        leptos::task::spawn_local(async move {
            let next = match files::read_chosen_file(&input).await {
                Ok(Some(text)) => match backup::inspect(&text) {
                    Ok(preview) => Step::Checked(preview),
                    Err(error) => Step::Failed(format!("Nothing was changed. {error}")),
                },
                Ok(None) => Step::Idle,
                Err(error) => Step::Failed(format!("The file could not be read: {error}")),
            };
            input.set_value("");
            step.set(next);
        });
    };
    let merge = move |preview: ImportPreview| {
        step.set(import_words(state.import(&preview, ImportMode::Add), ""));
    };
    let replace = move |preview: ImportPreview| {
        // First a copy of what is here now, so nothing can be lost by mistake.
        if let Err(error) = download_backup() {
            step.set(Step::Failed(format!(
                "Nothing was changed: the copy of your current data could not be saved ({error})."
            )));
            return;
        }
        step.set(import_words(
            state.import(&preview, ImportMode::Replace),
            "Your data was replaced with the backup. ",
        ));
    };

    view! {
        <section class="card" aria-labelledby="backup-title">
            <h2 id="backup-title">"Back up"</h2>
            <p>
                "Save everything in Waymark as one file. If you change phone, or your browser clears its data, you "
                "can bring it back from the file."
            </p>
            <button type="button" on:click=move |_| backup_message.set(Some(download_backup()))>"Download a backup"</button>
            <p role="status">
                {move || match backup_message.get() {
                    Some(Ok(message)) | Some(Err(message)) => message,
                    None => String::new(),
                }}
            </p>
        </section>
        <section class="card" aria-labelledby="restore-title">
            <h2 id="restore-title">"Bring back a backup"</h2>
            <label class="field-label" for="restore-file">"Choose a Waymark backup file"</label>
            <input id="restore-file" type="file" accept=".json,application/json" node_ref=input_ref on:change=on_file/>
            <div class="import-step">
                // One lasting live region for the words; the buttons sit outside it.
                <p role="status" class=move || matches!(step.get(), Step::Failed(_)).then_some("field-error")>
                    {move || match step.get() {
                        Step::Idle => String::new(),
                        Step::Checked(preview) => {
                            let made = clock::format_date(local_date(preview.exported_at(), &clock::BrowserZone));
                            format!("This backup from {made} holds {}.", preview.summary())
                        }
                        Step::ConfirmReplace(_) => format!(
                            "Replace everything on this phone with the backup? Waymark will first download a copy of \
                             the data on this phone now, so you can bring it back if you need to.{}",
                            if sync.membership.with_untracked(Option::is_some) {
                                " Sync is on: replacing changes this phone only. Your other devices keep what they \
                                 have, and newer changes from them can come back here."
                            } else {
                                ""
                            }
                        ),
                        Step::Done(message) | Step::Failed(message) => message,
                    }}
                </p>
                {move || match step.get() {
                    Step::Idle => ().into_any(),
                    Step::Checked(preview) => {
                        let (for_merge, for_replace) = (preview.clone(), preview.clone());
                        view! {
                            <div class="actions">
                                <button type="button" on:click=move |_| merge(for_merge.clone())>"Add to my data"</button>
                                <button
                                    type="button"
                                    class="button-quiet"
                                    on:click=move |_| step.set(Step::ConfirmReplace(for_replace.clone()))
                                >
                                    "Replace my data"
                                </button>
                                <button type="button" class="button-quiet" on:click=move |_| step.set(Step::Idle)>"Cancel"</button>
                            </div>
                            <p class="hint">
                                "Adding keeps everything on this phone and brings in what is new; where the same item "
                                "is in both, the newer change is kept."
                            </p>
                        }
                            .into_any()
                    }
                    Step::ConfirmReplace(preview) => {
                        let preview_for_replace = preview.clone();
                        view! {
                            <div class="actions">
                                <button type="button" on:click=move |_| replace(preview_for_replace.clone())>
                                    "Save a copy, then replace"
                                </button>
                                <button type="button" class="button-quiet" on:click=move |_| step.set(Step::Checked(preview.clone()))>
                                    "Go back"
                                </button>
                            </div>
                        }
                            .into_any()
                    }
                    Step::Done(_) | Step::Failed(_) => ().into_any(),
                }}
            </div>
        </section>
    }
}
