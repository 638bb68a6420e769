//! Registering the service worker that makes Waymark work offline, and offering updates.
//!
//! A new version installs in the background and waits. The page then offers "A new version is ready — reload";
//! only when the person chooses does the new worker take over and the page reload, so old and new files never mix.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

const SCRIPT: &str = "/sw.js";
const SKIP_WAITING: &str = "skip-waiting";

fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // Absent outside secure contexts (plain http on another host), and in some private modes.
    let supported = js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false);
    supported.then(|| navigator.service_worker())
}

/// Registers the worker and sets `update_ready` when a new version has installed and is waiting.
pub fn register(update_ready: RwSignal<bool>) {
    let Some(container) = container() else { return };
    leptos::task::spawn_local(async move {
        let Ok(registration) = JsFuture::from(container.register(SCRIPT)).await else {
            return;
        };
        let Ok(registration) = registration.dyn_into::<ServiceWorkerRegistration>() else {
            return;
        };
        // A worker already waiting from an earlier visit.
        if registration.waiting().is_some() && container.controller().is_some() {
            update_ready.set(true);
        }
        watch_for_updates(&registration, update_ready);
        check_again_when_visible(registration);
    });
}

fn watch_for_updates(registration: &ServiceWorkerRegistration, update_ready: RwSignal<bool>) {
    let watched = registration.clone();
    let on_update_found = Closure::<dyn FnMut()>::new(move || {
        let Some(installing) = watched.installing() else {
            return;
        };
        let worker = installing.clone();
        let on_state_change = Closure::<dyn FnMut()>::new(move || {
            let has_controller = container().and_then(|c| c.controller()).is_some();
            // With no controller this is the first install, not an update: nothing to offer.
            if worker.state() == ServiceWorkerState::Installed && has_controller {
                update_ready.set(true);
            }
        });
        installing.set_onstatechange(Some(on_state_change.as_ref().unchecked_ref()));
        on_state_change.forget();
    });
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    on_update_found.forget(); // lives as long as the page
}

/// A phone may keep the app open for days: look for a new version whenever it comes back to the foreground.
fn check_again_when_visible(registration: ServiceWorkerRegistration) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let visible_document = document.clone();
    let on_visibility = Closure::<dyn FnMut()>::new(move || {
        if visible_document.visibility_state() == web_sys::VisibilityState::Visible {
            let _ = registration.update();
        }
    });
    let _ = document.add_event_listener_with_callback(
        "visibilitychange",
        on_visibility.as_ref().unchecked_ref(),
    );
    on_visibility.forget();
}

/// Lets the waiting version take over, then reloads once it controls the page.
pub fn apply_update() {
    let Some(container) = container() else { return };
    let on_controller_change = Closure::<dyn FnMut()>::new(reload);
    container.set_oncontrollerchange(Some(on_controller_change.as_ref().unchecked_ref()));
    on_controller_change.forget();
    let Ok(ready) = container.ready() else {
        return reload();
    };
    leptos::task::spawn_local(async move {
        let waiting = JsFuture::from(ready)
            .await
            .ok()
            .and_then(|registration| registration.dyn_into::<ServiceWorkerRegistration>().ok())
            .and_then(|registration| registration.waiting());
        match waiting {
            Some(waiting) => {
                let _ = waiting.post_message(&SKIP_WAITING.into());
            }
            // Nothing waiting after all (another tab already switched): a reload picks up the active version.
            None => reload(),
        }
    });
}

fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
