//! Sync is on: its status, the devices, adding one, a new passphrase, leaving, and deleting the server copy.

use crate::browser::clock;
use crate::components::sync_setup::{Field, ShareCode};
use crate::components::sync_status::SyncStatusLine;
use crate::pages::sync::{STEP_HEADING, Step, focus_id};
use crate::sync::client::Auth;
use crate::sync::rules::{self, PassphraseError, Phase};
use crate::sync::{flows, use_sync};
use leptos::prelude::*;
use waymark_core::Timestamp;
use waymark_core::sync::protocol::DeviceInfo;

/// Which confirmation is open (one at a time).
#[derive(Clone, Debug, PartialEq)]
enum Confirm {
    None,
    /// Remove another device: its id and name.
    Remove(String, String),
    Leave,
    DeleteServerCopy,
}

#[component]
pub fn SyncManage(step: RwSignal<Step>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let sync = use_sync();
    let confirm = RwSignal::new(Confirm::None);
    let busy = RwSignal::new(false);
    let devices = RwSignal::new(None::<Result<Vec<DeviceInfo>, String>>);
    let devices_message = RwSignal::new(None::<String>);
    let leave_message = RwSignal::new(None::<String>);
    let delete_message = RwSignal::new(None::<String>);
    let sharing = RwSignal::new(false);

    let load_devices = move || {
        let Some(membership) = sync.membership.get_untracked() else {
            return;
        };
        let auth = Auth {
            space: membership.space_id,
            token: membership.token,
        };
        leptos::task::spawn_local(async move {
            let loaded = auth
                .devices()
                .await
                .map(|d| d.devices)
                .map_err(|e| flows::api_words(&e));
            devices.set(Some(loaded));
        });
    };
    load_devices();
    // A list that could not be loaded (offline, say) is loaded again after the next sync that works, so the message
    // does not stay once the device is back online and synced.
    Effect::new(move |before: Option<Option<Timestamp>>| {
        let synced = sync.status.with(|s| s.last_synced);
        if before.is_some_and(|before| before != synced)
            && synced.is_some()
            && devices.with_untracked(|d| matches!(d, Some(Err(_))))
        {
            load_devices();
        }
        synced
    });

    let problem = move || match sync.status.with(|s| s.phase.clone()) {
        Phase::Problem(problem) => Some(problem),
        _ => None,
    };
    let clock_warning = move || {
        sync.membership.with(|m| {
            m.as_ref()
                .and_then(|m| rules::clock_warning(m.clock_offset_ms))
        })
    };
    let this_name = move || {
        sync.membership
            .with(|m| m.as_ref().map(|m| m.device_name.clone()))
            .unwrap_or_default()
    };

    let remove_device = move |id: String, name: String| {
        let Some(membership) = sync.membership.get_untracked() else {
            return;
        };
        let auth = Auth {
            space: membership.space_id,
            token: membership.token,
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = auth.remove_device(&id).await;
            busy.set(false);
            confirm.set(Confirm::None);
            devices_message.set(Some(match result {
                Ok(_) => format!(
                    "{name} has been removed. It will not sync any more. Its data stays on it."
                ),
                Err(error) => flows::api_words(&error),
            }));
            load_devices();
            focus_id("sync-devices-title");
        });
    };
    let leave = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = flows::leave(sync).await;
            busy.set(false);
            confirm.set(Confirm::None);
            match result {
                Ok(words) => {
                    notice.set(Some(words));
                    step.set(Step::Choose);
                }
                Err(words) => {
                    // The confirmation (and the focused button) is gone: focus goes back to the section.
                    leave_message.set(Some(words));
                    focus_id("sync-leave-title");
                }
            }
        });
    };
    let delete_server_copy = move |_| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = flows::delete_server_copy(sync).await;
            busy.set(false);
            confirm.set(Confirm::None);
            match result {
                Ok(words) => {
                    notice.set(Some(words));
                    step.set(Step::Choose);
                }
                Err(words) => {
                    delete_message.set(Some(words));
                    focus_id("sync-delete-title");
                }
            }
        });
    };
    // Whether the person pressed "Sync now", so the status line reads out how it went.
    let asked = RwSignal::new(false);
    let ask = move |what: Confirm, focus: &'static str| {
        confirm.set(what);
        focus_id(focus);
    };
    // Closing a confirmation removes the focused button, so focus goes to the section's heading.
    let cancel = move |focus: &'static str| {
        confirm.set(Confirm::None);
        focus_id(focus);
    };

    view! {
        <section class="card" aria-labelledby=STEP_HEADING>
            <h2 id=STEP_HEADING tabindex="-1">"Sync is on"</h2>
            <SyncStatusLine id="sync-status" asked=asked/>
            {move || problem().map(|p| view! { <p>{p.what_to_do()}</p> })}
            {move || clock_warning().map(|w| view! { <p class="review-prompt">{w}</p> })}
            <Show when=move || { sync.quarantined.get() > 0 }>
                <p class="hint">
                    {move || format!(
                        "{} change(s) from your other devices could not be read, so they were kept aside and not used.",
                        sync.quarantined.get(),
                    )}
                </p>
            </Show>
            <Show when=move || sync.held.get()>
                <p class="hint">
                    "Some changes came from a newer version of Waymark. They will show after Waymark updates on this "
                    "device."
                </p>
            </Show>
            <p class="hint">{move || format!("This device is called {}.", this_name())}</p>
            <div class="actions">
                <button
                    type="button"
                    on:click=move |_| {
                        asked.set(true);
                        sync.sync_now();
                    }
                >
                    "Sync now"
                </button>
                {move || problem().and_then(|p| p.dismiss_words()).map(|words| view! {
                    <button type="button" class="button-quiet" on:click=move |_| {
                        sync.keep_too_big_here();
                        focus_id(STEP_HEADING);
                    }>{words}</button>
                })}
                <Show when=move || problem().is_some_and(|p| p.needs_leave())>
                    <button type="button" class="button-quiet" on:click=move |_| ask(Confirm::Leave, "sync-leave-title")>
                        "Turn off sync on this device…"
                    </button>
                </Show>
            </div>
        </section>

        <section class="card" aria-labelledby="sync-devices-title">
            <h2 id="sync-devices-title" tabindex="-1">"Your devices"</h2>
            {move || match devices.get() {
                None => view! { <p>"Loading the list of devices…"</p> }.into_any(),
                Some(Err(words)) => {
                    view! {
                        <p>{format!("The list of devices could not be loaded. {words}")}</p>
                        <button type="button" class="button-quiet" on:click=move |_| load_devices()>"Try again"</button>
                    }
                        .into_any()
                }
                Some(Ok(list)) => {
                    view! {
                        <ul class="device-list">
                            {list
                                .into_iter()
                                .map(|device| {
                                    let (id, name, this) = (device.device_id.clone(), device.name.clone(), device.this_device);
                                    let seen = clock::format_day_and_time(Timestamp(device.last_seen_at));
                                    view! {
                                        <li class="device">
                                            <p class="device-name">
                                                <strong>{device.name.clone()}</strong>
                                                {this.then_some(" (this device)")}
                                            </p>
                                            <p class="hint">{format!("Last synced {seen}")}</p>
                                            <button
                                                type="button"
                                                class="button-quiet"
                                                on:click=move |_| {
                                                    if this {
                                                        ask(Confirm::Leave, "sync-leave-title")
                                                    } else {
                                                        ask(Confirm::Remove(id.clone(), name.clone()), "sync-remove-confirm")
                                                    }
                                                }
                                            >
                                                "Remove"
                                                <span class="visually-hidden">{format!(" {}", device.name)}</span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            {move || match confirm.get() {
                Confirm::Remove(id, name) => {
                    let (for_remove, for_words) = (name.clone(), name);
                    Some(
                        view! {
                            <div class="confirm" role="group" aria-labelledby="sync-remove-confirm">
                                <p id="sync-remove-confirm" tabindex="-1">
                                    <strong>{format!("Remove {for_words}?")}</strong>
                                    " It will stop syncing. The data on it stays there."
                                </p>
                                <div class="actions">
                                    <button
                                        type="button"
                                        class="button-danger"
                                        on:click=move |_| {
                                            if !busy.get_untracked() {
                                                remove_device(id.clone(), for_remove.clone())
                                            }
                                        }
                                    >
                                        "Yes, remove it"
                                    </button>
                                    <button type="button" class="button-quiet" on:click=move |_| cancel("sync-devices-title")>
                                        "Cancel"
                                    </button>
                                </div>
                            </div>
                        },
                    )
                }
                _ => None,
            }}
            <p role="status">{move || devices_message.get()}</p>
        </section>

        <section class="card" aria-labelledby="sync-add-title">
            <h2 id="sync-add-title">"Add another device"</h2>
            <button
                type="button"
                class="button-quiet"
                aria-expanded=move || sharing.get().to_string()
                on:click=move |_| sharing.update(|s| *s = !*s)
            >
                {move || if sharing.get() { "Hide the sync code" } else { "Show the sync code" }}
            </button>
            <Show when=move || sharing.get()>
                <ShareCode/>
            </Show>
        </section>

        <ChangePassphrase/>

        <section class="card" aria-labelledby="sync-leave-title">
            <h2 id="sync-leave-title" tabindex="-1">"Stop syncing on this device"</h2>
            <p>"Your data stays on this device. Your other devices keep syncing with each other."</p>
            <Show
                when=move || confirm.get() == Confirm::Leave
                fallback=move || {
                    view! {
                        <button type="button" class="button-quiet" on:click=move |_| ask(Confirm::Leave, "sync-leave-title")>
                            "Leave sync on this device…"
                        </button>
                    }
                }
            >
                <p><strong>"Stop syncing on this device?"</strong></p>
                <div class="actions">
                    <button type="button" on:click=move |ev| {
                        if !busy.get_untracked() {
                            leave(ev)
                        }
                    }>"Yes, stop syncing here"</button>
                    <button type="button" class="button-quiet" on:click=move |_| cancel("sync-leave-title")>"Cancel"</button>
                </div>
            </Show>
            <p role="status">{move || leave_message.get()}</p>
        </section>

        <section class="card danger-zone" aria-labelledby="sync-delete-title">
            <h2 id="sync-delete-title" tabindex="-1">"Delete my data from the server"</h2>
            <p>
                "This deletes the scrambled copy on the sync server. All your devices stop syncing. The data on each "
                "device stays there."
            </p>
            <Show
                when=move || confirm.get() == Confirm::DeleteServerCopy
                fallback=move || {
                    view! {
                        <button
                            type="button"
                            class="button-danger"
                            on:click=move |_| ask(Confirm::DeleteServerCopy, "sync-delete-title")
                        >
                            "Delete my data from the server…"
                        </button>
                    }
                }
            >
                <div role="alert">
                    <p><strong>"Delete your data from the sync server? This cannot be undone."</strong></p>
                </div>
                <div class="actions">
                    <button type="button" class="button-danger" on:click=move |ev| {
                        if !busy.get_untracked() {
                            delete_server_copy(ev)
                        }
                    }>"Yes, delete it from the server"</button>
                    <button type="button" class="button-quiet" on:click=move |_| cancel("sync-delete-title")>"Cancel"</button>
                </div>
            </Show>
            <p role="status">{move || busy.get().then_some("Working…")}</p>
            <p role="status">{move || delete_message.get()}</p>
        </section>
    }
}

/// A new passphrase: the data key is wrapped again under it; other devices stay connected.
#[component]
fn ChangePassphrase() -> impl IntoView {
    let sync = use_sync();
    let open = RwSignal::new(false);
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let first_error = RwSignal::new(None::<String>);
    let second_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let shown = RwSignal::new(false);
    let kind = Signal::derive(move || if shown.get() { "text" } else { "password" });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        message.set(None);
        let passphrase = first.get_untracked();
        match rules::check_new_passphrase(&passphrase, &second.get_untracked()) {
            Ok(()) => {}
            Err(PassphraseError::Different) => {
                second_error.set(Some(PassphraseError::Different.words()));
                focus_id("sync-new-passphrase-again");
                return;
            }
            Err(error) => {
                first_error.set(Some(error.words()));
                focus_id("sync-new-passphrase");
                return;
            }
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = flows::change_passphrase(sync, passphrase).await;
            busy.set(false);
            match result {
                Ok(words) => {
                    first.set(String::new());
                    second.set(String::new());
                    open.set(false);
                    message.set(Some(words));
                    focus_id("sync-passphrase-title");
                }
                Err(words) => message.set(Some(words)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="sync-passphrase-title">
            <h2 id="sync-passphrase-title" tabindex="-1">"Change passphrase"</h2>
            <Show
                when=move || open.get()
                fallback=move || {
                    view! {
                        <button type="button" class="button-quiet" on:click=move |_| {
                            message.set(None);
                            open.set(true);
                            focus_id("sync-new-passphrase");
                        }>"Change passphrase…"</button>
                    }
                }
            >
                <form novalidate on:submit=submit>
                    <Field
                        id="sync-new-passphrase"
                        label="New passphrase"
                        hint="At least 10 characters. Three or four words you will remember work well."
                        value=first
                        error=first_error
                        kind=kind
                        autocomplete="new-password"
                    />
                    <Field
                        id="sync-new-passphrase-again"
                        label="Type the new passphrase again"
                        value=second
                        error=second_error
                        kind=kind
                        autocomplete="new-password"
                    />
                    <div class="choice">
                        <input
                            type="checkbox"
                            id="sync-show-change"
                            prop:checked=move || shown.get()
                            on:change=move |ev| shown.set(event_target_checked(&ev))
                        />
                        <label for="sync-show-change">"Show passphrase"</label>
                    </div>
                    <div class="actions">
                        <button type="submit">{move || if busy.get() { "Working…" } else { "Change passphrase" }}</button>
                        <button
                            type="button"
                            class="button-quiet"
                            on:click=move |_| {
                                // The new passphrase is not kept once the form is closed.
                                first.set(String::new());
                                second.set(String::new());
                                open.set(false);
                                focus_id("sync-passphrase-title");
                            }
                        >
                            "Cancel"
                        </button>
                    </div>
                </form>
            </Show>
            <p role="status">
                {move || if busy.get() { Some("Working… This can take up to a minute on older phones.".to_owned()) } else { message.get() }}
            </p>
        </section>
    }
}
