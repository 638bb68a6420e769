use crate::browser::service_worker;
use crate::service::use_service;
use crate::state::use_app_state;
use leptos::prelude::*;
use leptos_router::components::A;
use waymark_core::{ProblemKind, SaveError, StoreError};

/// Messages the person must see, under the header on every screen: a failed save, data that could not be read,
/// and a new version waiting.
#[component]
pub fn StatusBanners() -> impl IntoView {
    let state = use_app_state();
    let service = use_service();
    let set_aside = move || {
        state.problems.with(|problems| {
            problems
                .iter()
                .any(|p| !matches!(p.kind, ProblemKind::NewerVersion { .. }))
        })
    };
    let from_newer_version = move || {
        state.problems.with(|problems| {
            problems
                .iter()
                .any(|p| matches!(p.kind, ProblemKind::NewerVersion { .. }))
        })
    };
    view! {
        <div class="banners">
            <Show when=move || state.save_error.with(Option::is_some)>
                <div class="banner banner-error" role="alert">
                    <p>
                        <strong>{move || state.save_error.get().map(|e| e.to_string())}</strong>
                        " "
                        {move || state.save_error.get().map(|e| what_to_do(&e))}
                    </p>
                    <button type="button" class="button-quiet" on:click=move |_| state.save_error.set(None)>
                        "Dismiss"
                    </button>
                </div>
            </Show>
            <Show when=move || state.sync_queue_error.with(Option::is_some)>
                <div class="banner banner-error" role="alert">
                    <p>
                        <strong>"Your change is saved on this device, but it could not be got ready to sync."</strong>
                        " "
                        {move || {
                            state
                                .sync_queue_error
                                .get()
                                .map(|e| what_to_do(&SaveError::Store(e)))
                        }}
                        " Waymark will send it with the next sync."
                    </p>
                    <button type="button" class="button-quiet" on:click=move |_| state.sync_queue_error.set(None)>
                        "Dismiss"
                    </button>
                </div>
            </Show>
            <Show when=set_aside>
                <div class="banner banner-notice" role="status">
                    <p>
                        "Some saved data could not be read. It has been kept safe, not deleted. "
                        <A href="/data">"See My data"</A>
                    </p>
                </div>
            </Show>
            <Show when=from_newer_version>
                <div class="banner banner-notice" role="status">
                    <p>"Some of your data was saved by a newer version of Waymark. It is safe. Reload to use the newer version."</p>
                    <button type="button" on:click=move |_| reload()>"Reload"</button>
                </div>
            </Show>
            {move || {
                service
                    .config_problem
                    .get()
                    .map(|problem| {
                        view! {
                            <div class="banner banner-notice" role="status">
                                <p>{problem}</p>
                            </div>
                        }
                    })
            }}
            <Show when=move || state.update_ready.get()>
                <div class="banner banner-update" role="status">
                    <p>"A new version is ready."</p>
                    <button type="button" on:click=move |_| service_worker::apply_update()>"Reload"</button>
                </div>
            </Show>
        </div>
    }
}

fn what_to_do(error: &SaveError) -> &'static str {
    match error {
        SaveError::Store(StoreError::QuotaExceeded) => {
            "Free up some space on this phone (for example old photos or apps you no longer use), then try again."
        }
        SaveError::Store(StoreError::Unavailable) => {
            "If you are in a private or incognito window, open Waymark in a normal window instead."
        }
        SaveError::Store(StoreError::Failed(_)) => {
            "Please try again. If it keeps happening, restart your browser."
        }
        SaveError::NewerVersionStored { .. } => "",
    }
}

fn reload() {
    let _ = window().location().reload();
}
