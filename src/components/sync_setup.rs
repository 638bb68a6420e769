//! Turning sync on: setting it up on the first device, the recovery code, the sync code for the next device, and
//! joining from another device.

use crate::components::qr_code::QrCode;
use crate::pages::sync::{STEP_HEADING, Step, focus_id};
use crate::sync::flows::{self, JoinError, Secret};
use crate::sync::rules::{self, PassphraseError};
use crate::sync::use_sync;
use leptos::prelude::*;
use waymark_core::sync::codes::{SyncCode, join_link};

const WORKING: &str =
    "Working… This can take up to a minute on older phones. Please keep Waymark open.";

/// A text field with its label, hint and error, tied together for screen readers.
#[component]
pub fn Field(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    value: RwSignal<String>,
    error: RwSignal<Option<String>>,
    /// `text` or `password`; a signal so "Show passphrase" can change it.
    #[prop(into)]
    kind: Signal<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] maxlength: Option<usize>,
    /// For codes: no capitals, spelling or corrections.
    #[prop(optional)]
    code: bool,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = match hint {
        Some(_) => format!("{hint_id} {error_id}"),
        None => error_id.clone(),
    };
    view! {
        <label class="field-label" for=id>{label}</label>
        {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
        <input
            id=id
            type=move || kind.get()
            autocomplete=autocomplete.unwrap_or("off")
            maxlength=maxlength.map(|m| m.to_string())
            autocapitalize=code.then_some("characters")
            spellcheck=code.then_some("false")
            aria-describedby=described
            aria-invalid=move || error.with(Option::is_some).then_some("true")
            prop:value=move || value.get()
            on:input=move |ev| {
                value.set(event_target_value(&ev));
                if error.with_untracked(Option::is_some) {
                    error.set(None);
                }
            }
        />
        // Always on the page and polite: an error for the field that already has focus (Enter pressed in it) is
        // still read out.
        <p class="field-error" id=error_id aria-live="polite">{move || error.get()}</p>
    }
}

/// A "Show passphrase" checkbox.
#[component]
fn ShowPassphrase(id: &'static str, shown: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="choice">
            <input type="checkbox" id=id prop:checked=move || shown.get() on:change=move |ev| shown.set(event_target_checked(&ev))/>
            <label for=id>"Show passphrase"</label>
        </div>
    }
}

fn passphrase_hint() -> &'static str {
    // A literal is needed for the prop; the number is checked in a test below.
    "At least 10 characters. Three or four words you will remember work well, for example: purple kettle \
     sunday garden. Do not use a password you use anywhere else."
}

/// Set up sync on the first device: a name for it and a passphrase (twice), then the space is made.
#[component]
pub fn SyncSetUp(step: RwSignal<Step>) -> impl IntoView {
    let sync = use_sync();
    let name = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let first_error = RwSignal::new(None::<String>);
    let second_error = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let shown = RwSignal::new(false);
    let kind = Signal::derive(move || if shown.get() { "text" } else { "password" });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        let device_name = match rules::check_device_name(&name.get_untracked()) {
            Ok(name) => name,
            Err(error) => {
                name_error.set(Some(error));
                focus_id("sync-name");
                return;
            }
        };
        let passphrase = first.get_untracked();
        match rules::check_new_passphrase(&passphrase, &second.get_untracked()) {
            Ok(()) => {}
            Err(PassphraseError::Different) => {
                second_error.set(Some(PassphraseError::Different.words()));
                focus_id("sync-passphrase-again");
                return;
            }
            Err(error) => {
                first_error.set(Some(error.words()));
                focus_id("sync-passphrase");
                return;
            }
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = flows::set_up(sync, device_name, passphrase).await;
            busy.set(false);
            match result {
                Ok(code) => step.set(Step::Recovery(code.to_string())),
                // Said by the alert; focus stays on the button, to try again.
                Err(words) => problem.set(Some(words)),
            }
        });
    };

    view! {
        <section class="card" aria-labelledby=STEP_HEADING>
            <h2 id=STEP_HEADING tabindex="-1">"Set up sync"</h2>
            <form novalidate on:submit=submit>
                <Field
                    id="sync-name"
                    label="A name for this device"
                    hint="For example, My phone. Your other devices show this name."
                    value=name
                    error=name_error
                    kind="text"
                    maxlength=rules::MAX_DEVICE_NAME_CHARS
                />
                <Field
                    id="sync-passphrase"
                    label="Choose a passphrase"
                    hint=passphrase_hint()
                    value=first
                    error=first_error
                    kind=kind
                    autocomplete="new-password"
                />
                <Field
                    id="sync-passphrase-again"
                    label="Type the passphrase again"
                    value=second
                    error=second_error
                    kind=kind
                    autocomplete="new-password"
                />
                <ShowPassphrase id="sync-show-new" shown=shown/>
                <p class="hint">
                    "Write your passphrase down somewhere safe. Waymark cannot show it to you again, and nobody can "
                    "reset it for you."
                </p>
                <p role="status">{move || busy.get().then_some(WORKING)}</p>
                <FormEnd label="Set up sync" problem=problem busy=busy step=step/>
            </form>
        </section>
    }
}

/// The recovery code, shown once, with a check that it has been written down.
#[component]
pub fn RecoveryCodeStep(step: RwSignal<Step>, code: String) -> impl IntoView {
    let written = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let next = move |_| {
        if written.get_untracked() {
            step.set(Step::Share);
        } else {
            error.set(Some(
                "Tick the box once you have written the recovery code down.".into(),
            ));
            focus_id("sync-written");
        }
    };
    view! {
        <section class="card" aria-labelledby=STEP_HEADING>
            <h2 id=STEP_HEADING tabindex="-1">"Sync is on. Write down your recovery code"</h2>
            <p>
                "If you forget your passphrase, this code is the only other way to add a device. Write it on "
                "paper and keep it somewhere safe. Waymark shows it only this once."
            </p>
            <p class="sync-code" translate="no">{code}</p>
            <p class="hint">"Keep it private: with this code, someone could get your data from the sync server."</p>
            <div class="choice">
                <input
                    type="checkbox"
                    id="sync-written"
                    aria-describedby="sync-written-error"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    prop:checked=move || written.get()
                    on:change=move |ev| {
                        written.set(event_target_checked(&ev));
                        error.set(None);
                    }
                />
                <label for="sync-written">"I have written down my recovery code"</label>
            </div>
            <p class="field-error" id="sync-written-error">{move || error.get()}</p>
            <div class="actions">
                <button type="button" on:click=next>"Continue"</button>
            </div>
        </section>
    }
}

/// The sync code, its QR code (the join link) and how to use them on the next device.
#[component]
pub fn ShareCode() -> impl IntoView {
    let sync = use_sync();
    let code = sync.membership.with_untracked(|m| {
        m.as_ref()
            .and_then(|m| SyncCode::from_space_id(&m.space_id))
    });
    let Some(code) = code else {
        return view! { <p>"Sync is off on this device."</p> }.into_any();
    };
    let origin = window().location().origin().unwrap_or_default();
    let link = join_link(&origin, &code);
    view! {
        <ol class="steps">
            <li>"On the other device, open Waymark in its web browser."</li>
            <li>"Go to My data, then Sync between my devices, then Join with a sync code."</li>
            <li>"Type this sync code:"</li>
        </ol>
        <p class="sync-code" translate="no">{code.to_string()}</p>
        <p>"Or, on a phone or tablet, scan this QR code with the camera. It opens Waymark with the code filled in."</p>
        <QrCode text=link label="QR code that opens Waymark's join page with your sync code".to_owned()/>
        <p>"You will also need your passphrase. The sync code alone cannot open your data."</p>
    }
    .into_any()
}

/// Join from another device: the sync code (filled in from a join link), the passphrase or the recovery code, and
/// a name for this device.
#[component]
pub fn SyncJoin(step: RwSignal<Step>, code: String) -> impl IntoView {
    let sync = use_sync();
    let code = RwSignal::new(code);
    let secret = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let code_error = RwSignal::new(None::<String>);
    let secret_error = RwSignal::new(None::<String>);
    let name_error = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let with_recovery = RwSignal::new(false);
    let shown = RwSignal::new(false);
    let kind = Signal::derive(move || {
        if shown.get() || with_recovery.get() {
            "text"
        } else {
            "password"
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        problem.set(None);
        let code_text = code.get_untracked();
        if code_text.trim().is_empty() {
            code_error.set(Some("Type the sync code from your other device.".into()));
            focus_id("sync-code");
            return;
        }
        let secret_text = secret.get_untracked();
        if secret_text.trim().is_empty() {
            secret_error.set(Some(if with_recovery.get_untracked() {
                "Type your recovery code.".into()
            } else {
                "Type your passphrase.".into()
            }));
            focus_id("sync-secret");
            return;
        }
        let device_name = match rules::check_device_name(&name.get_untracked()) {
            Ok(name) => name,
            Err(error) => {
                name_error.set(Some(error));
                focus_id("sync-join-name");
                return;
            }
        };
        let secret = if with_recovery.get_untracked() {
            Secret::RecoveryCode(secret_text)
        } else {
            Secret::Passphrase(secret_text)
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = flows::join(sync, &code_text, secret, device_name).await;
            busy.set(false);
            match result {
                Ok(()) => step.set(Step::Manage),
                Err(JoinError::Code(words)) => {
                    code_error.set(Some(words));
                    focus_id("sync-code");
                }
                Err(JoinError::Secret(words)) => {
                    secret_error.set(Some(words));
                    focus_id("sync-secret");
                }
                Err(JoinError::Other(words)) => problem.set(Some(words)),
            }
        });
    };

    view! {
        <section class="card" aria-labelledby=STEP_HEADING>
            <h2 id=STEP_HEADING tabindex="-1">"Join with a sync code"</h2>
            <p>
                "Your other device shows the sync code under My data, then Sync between my devices, then Add another "
                "device. Anything already saved on this device will be added to your synced data."
            </p>
            <form novalidate on:submit=submit>
                <Field id="sync-code" label="Sync code" value=code error=code_error kind="text" code=true/>
                <Show
                    when=move || with_recovery.get()
                    fallback=move || {
                        view! {
                            <Field
                                id="sync-secret"
                                label="Passphrase"
                                value=secret
                                error=secret_error
                                kind=kind
                                autocomplete="current-password"
                            />
                        }
                    }
                >
                    <Field
                        id="sync-secret"
                        label="Recovery code"
                        hint="The code you wrote down when you set up sync."
                        value=secret
                        error=secret_error
                        kind="text"
                        code=true
                    />
                </Show>
                <Show when=move || !with_recovery.get()>
                    <ShowPassphrase id="sync-show-join" shown=shown/>
                </Show>
                <div class="choice">
                    <input
                        type="checkbox"
                        id="sync-use-recovery"
                        prop:checked=move || with_recovery.get()
                        on:change=move |ev| {
                            with_recovery.set(event_target_checked(&ev));
                            secret.set(String::new());
                            secret_error.set(None);
                        }
                    />
                    <label for="sync-use-recovery">"I have my recovery code instead"</label>
                </div>
                <Field
                    id="sync-join-name"
                    label="A name for this device"
                    hint="For example, My tablet. Your other devices show this name."
                    value=name
                    error=name_error
                    kind="text"
                    maxlength=rules::MAX_DEVICE_NAME_CHARS
                />
                <p role="status">{move || busy.get().then_some(WORKING)}</p>
                <FormEnd label="Join" problem=problem busy=busy step=step/>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_passphrase_hint_names_the_real_minimum() {
        assert!(super::passphrase_hint().starts_with(&format!(
            "At least {} characters",
            crate::sync::rules::MIN_PASSPHRASE_CHARS
        )));
    }
}

/// The end of the set-up and join forms: the problem, if any, then the submit button (saying "Working…" while busy)
/// and Cancel, back to the choice.
#[component]
fn FormEnd(
    label: &'static str,
    problem: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    step: RwSignal<Step>,
) -> impl IntoView {
    view! {
        <p class="field-error" role="alert">{move || problem.get()}</p>
        <div class="actions">
            <button type="submit">{move || if busy.get() { "Working…" } else { label }}</button>
            // Not while working: when setting up, the recovery code shown next exists only on this screen.
            <button
                type="button"
                class="button-quiet"
                prop:disabled=move || busy.get()
                on:click=move |_| step.set(Step::Choose)
            >
                "Cancel"
            </button>
        </div>
    }
}
