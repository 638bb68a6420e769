//! `localStorage` behind the core's [`KeyValueStore`] trait, with every failure named.

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen::JsCast;
use waymark_core::{KeyValueStore, StoreError};

/// The browser's `localStorage`. Stateless: every call reaches the shared storage, so two tabs see one store.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalStore;

impl LocalStore {
    /// The storage object, or `Unavailable` when the browser blocks it (some private modes, disabled site data).
    /// Checked before calling gloo-storage, whose accessor would otherwise panic.
    fn raw() -> Result<web_sys::Storage, StoreError> {
        thread_local! {
            // Looked up once: the handle does not change while the page lives.
            static STORAGE: Option<web_sys::Storage> = {
                let available = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).is_some();
                available.then(LocalStorage::raw)
            };
        }
        STORAGE
            .with(|storage| storage.clone())
            .ok_or(StoreError::Unavailable)
    }
}

/// Turns an exception thrown by `localStorage` into a [`StoreError`], recognising a full store by name.
fn store_error(error: wasm_bindgen::JsValue) -> StoreError {
    match error.dyn_into::<web_sys::DomException>() {
        Ok(exception) if exception.name() == "QuotaExceededError" => StoreError::QuotaExceeded,
        Ok(exception) if exception.name() == "SecurityError" => StoreError::Unavailable,
        Ok(exception) => {
            StoreError::Failed(format!("{}: {}", exception.name(), exception.message()))
        }
        Err(other) => StoreError::Failed(format!("{other:?}")),
    }
}

impl KeyValueStore for LocalStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Self::raw()?.get_item(key).map_err(store_error)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        Self::raw()?.set_item(key, value).map_err(store_error)
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        Self::raw()?.remove_item(key).map_err(store_error)
    }

    fn keys(&self) -> Result<Vec<String>, StoreError> {
        let storage = Self::raw()?;
        let length = storage.length().map_err(store_error)?;
        let mut keys = Vec::with_capacity(length as usize);
        for index in 0..length {
            if let Some(key) = storage.key(index).map_err(store_error)? {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}
