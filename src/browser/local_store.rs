//! `localStorage` behind the core's [`KeyValueStore`] trait, with every failure named.

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use waymark_core::store::entries_one_by_one;
use waymark_core::{KeyValueStore, StoreError};

// Defined by the inline script in `index.html`'s head (no extra file to download): reading many entries in
// JavaScript and handing them over as one string is several times faster than two calls into JavaScript per key.
#[wasm_bindgen]
extern "C" {
    /// Every entry whose key starts with the prefix (and, when `except` is not empty, not with `except`), as
    /// `key NUL value NUL key NUL value…`; `null` when a key or value holds a NUL itself. Throws what `localStorage`
    /// throws.
    #[wasm_bindgen(catch, js_name = waymarkReadEntries)]
    fn read_entries_joined(prefix: &str, except: &str) -> Result<Option<String>, JsValue>;
    /// Every key that starts with the prefix, as `key NUL key…`; `null` when a key holds a NUL itself. Throws what
    /// `localStorage` throws.
    #[wasm_bindgen(catch, js_name = waymarkReadKeys)]
    fn read_keys_joined(prefix: &str) -> Result<Option<String>, JsValue>;
}

/// The entries in a string joined as `key NUL value NUL…` (see `index.html`).
fn split_joined(joined: &str) -> Vec<(String, String)> {
    if joined.is_empty() {
        return Vec::new();
    }
    let mut parts = joined.split('\0');
    let mut entries = Vec::new();
    while let (Some(key), Some(value)) = (parts.next(), parts.next()) {
        entries.push((key.to_owned(), value.to_owned()));
    }
    entries
}

/// The keys in a string joined as `key NUL key…` (see `index.html`).
fn split_keys(joined: &str) -> Vec<String> {
    if joined.is_empty() {
        return Vec::new();
    }
    joined.split('\0').map(str::to_owned).collect()
}

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

    /// Entries under `prefix` but not under `except`, in one call to the page's script.
    fn read_entries(
        &self,
        prefix: &str,
        except: Option<&str>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        Self::raw()?;
        // Both readers take an empty `except` to leave nothing out.
        match read_entries_joined(prefix, except.unwrap_or_default()) {
            Ok(Some(joined)) => Ok(split_joined(&joined)),
            // A storage failure is reported as one; anything else (a NUL in some entry, or a page without the
            // script) reads the plain way.
            Err(error) if error.is_instance_of::<web_sys::DomException>() => {
                Err(store_error(error))
            }
            Ok(None) | Err(_) => entries_one_by_one(self, prefix, except),
        }
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

    fn entries_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.read_entries(prefix, None)
    }

    fn entries_with_prefix_except(
        &self,
        prefix: &str,
        except: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.read_entries(prefix, Some(except))
    }

    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        Self::raw()?;
        match read_keys_joined(prefix) {
            Ok(Some(joined)) => Ok(split_keys(&joined)),
            Err(error) if error.is_instance_of::<web_sys::DomException>() => {
                Err(store_error(error))
            }
            // A NUL in some key, or a page without the script: the plain way.
            Ok(None) | Err(_) => {
                let mut keys = self.keys()?;
                keys.retain(|key| key.starts_with(prefix));
                Ok(keys)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_keys_split() {
        assert!(split_keys("").is_empty());
        assert_eq!(split_keys("a"), ["a"]);
        assert_eq!(split_keys("a\0b.c\0d"), ["a", "b.c", "d"]);
    }

    #[test]
    fn joined_entries_split_into_pairs() {
        assert_eq!(split_joined(""), []);
        assert_eq!(
            split_joined("a\0{\"v\":1}\0b\0\0c\0three"),
            [
                ("a".to_owned(), r#"{"v":1}"#.to_owned()),
                ("b".to_owned(), String::new()),
                ("c".to_owned(), "three".to_owned())
            ]
        );
    }
}
