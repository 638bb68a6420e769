//! Asking the browser to keep Waymark's data when the device runs short of space.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

fn storage_manager() -> Option<web_sys::StorageManager> {
    let navigator = web_sys::window()?.navigator();
    let has_storage = js_sys::Reflect::has(&navigator, &"storage".into()).unwrap_or(false);
    has_storage.then(|| navigator.storage())
}

/// Asks for persistent storage. Resolves to whether the browser agreed (false where it cannot say).
pub async fn request_persistence() -> bool {
    let Some(manager) = storage_manager() else {
        return false;
    };
    match manager.persist() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// Whether the browser has agreed to keep the data, without asking.
pub async fn is_persisted() -> bool {
    let Some(manager) = storage_manager() else {
        return false;
    };
    match manager.persisted() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.dyn_into::<js_sys::Boolean>().ok())
            .is_some_and(|b| b.value_of()),
        Err(_) => false,
    }
}
