//! The small interface storage sits behind, and its in-memory twin for native tests.
//!
//! The browser's `localStorage` implements it in the app; everything above it (the repository, migrations,
//! setting data aside) is written once against this trait and tested natively.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Why storage refused a read or a write. The app shows these to the person; none is swallowed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("This browser is not letting Waymark keep data on this device.")]
    Unavailable,
    #[error("This device's storage for Waymark is full, so the last change was not saved.")]
    QuotaExceeded,
    #[error("Storage did not work: {0}")]
    Failed(String),
}

/// A string key–value store with the semantics of `localStorage`: every call is synchronous and complete.
pub trait KeyValueStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    fn remove(&self, key: &str) -> Result<(), StoreError>;
    /// Every key, in no particular order.
    fn keys(&self) -> Result<Vec<String>, StoreError>;

    /// Every key that starts with `prefix`, in no particular order. By default [`KeyValueStore::keys`], filtered; a
    /// store that can filter where the keys are overrides it (the browser's adapter hands over only the matching
    /// keys, in one call, instead of one call per key in storage).
    fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = self.keys()?;
        keys.retain(|key| key.starts_with(prefix));
        Ok(keys)
    }

    /// Every entry whose key starts with `prefix`, in no particular order. By default [`KeyValueStore::keys`] then
    /// [`KeyValueStore::get`] for each; a store that can read many entries at once overrides it (the browser's
    /// adapter reads `localStorage` in one call instead of two calls per key: start-up reads every record).
    fn entries_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
        entries_one_by_one(self, prefix, None)
    }

    /// Like [`KeyValueStore::entries_with_prefix`], leaving out the keys that start with `except`, whose values are
    /// then not read at all (start-up reads every record but the years of check-ins before drawing the first page).
    fn entries_with_prefix_except(
        &self,
        prefix: &str,
        except: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        entries_one_by_one(self, prefix, Some(except))
    }
}

/// [`KeyValueStore::entries_with_prefix`] (or, with `except`, [`KeyValueStore::entries_with_prefix_except`]) the
/// plain way: every key, then each matching value. An empty `except` leaves nothing out, as in the browser's reader.
pub fn entries_one_by_one<S: KeyValueStore + ?Sized>(
    store: &S,
    prefix: &str,
    except: Option<&str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut entries = Vec::new();
    let except = except.filter(|except| !except.is_empty());
    let wanted = |key: &String| except.is_none_or(|except| !key.starts_with(except));
    for key in store.keys_with_prefix(prefix)?.into_iter().filter(wanted) {
        if let Some(value) = store.get(&key)? {
            entries.push((key, value));
        }
    }
    Ok(entries)
}

/// A reference or shared pointer to a store is that store: every method, the overridden ones included, forwards.
macro_rules! forward_key_value_store {
    ($($store:ty),*) => {$(
        impl<S: KeyValueStore + ?Sized> KeyValueStore for $store {
            fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
                (**self).get(key)
            }
            fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
                (**self).set(key, value)
            }
            fn remove(&self, key: &str) -> Result<(), StoreError> {
                (**self).remove(key)
            }
            fn keys(&self) -> Result<Vec<String>, StoreError> {
                (**self).keys()
            }
            fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
                (**self).keys_with_prefix(prefix)
            }
            fn entries_with_prefix(&self, prefix: &str) -> Result<Vec<(String, String)>, StoreError> {
                (**self).entries_with_prefix(prefix)
            }
            fn entries_with_prefix_except(
                &self,
                prefix: &str,
                except: &str,
            ) -> Result<Vec<(String, String)>, StoreError> {
                (**self).entries_with_prefix_except(prefix, except)
            }
        }
    )*};
}

forward_key_value_store!(&S, Rc<S>);

/// A store that notes the key of every value read through it, for tests that check what an operation reads.
#[derive(Debug, Default)]
pub struct ReadLog<S> {
    inner: S,
    read: RefCell<Vec<String>>,
}

impl<S: KeyValueStore> ReadLog<S> {
    pub fn new(inner: S) -> Self {
        ReadLog {
            inner,
            read: RefCell::default(),
        }
    }

    /// The keys whose values were read so far, in order, repeats included.
    pub fn read_keys(&self) -> Vec<String> {
        self.read.borrow().clone()
    }
}

impl<S: KeyValueStore> KeyValueStore for ReadLog<S> {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read.borrow_mut().push(key.to_owned());
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.inner.set(key, value)
    }
    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.inner.remove(key)
    }
    fn keys(&self) -> Result<Vec<String>, StoreError> {
        self.inner.keys()
    }
}

/// An in-memory store, optionally with a quota (counted like browsers do: characters of keys plus values).
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: RefCell<BTreeMap<String, String>>,
    quota: Option<usize>,
    unavailable: Cell<bool>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that refuses writes that would take it past `chars` characters.
    pub fn with_quota(chars: usize) -> Self {
        MemoryStore {
            quota: Some(chars),
            ..Self::default()
        }
    }

    /// Makes every later call fail as if the browser had blocked storage (for tests).
    pub fn make_unavailable(&self) {
        self.unavailable.set(true);
    }

    /// A copy of everything stored, for assertions.
    pub fn snapshot(&self) -> BTreeMap<String, String> {
        self.entries.borrow().clone()
    }

    /// How much is stored, counted as the quota counts it (characters of keys plus values).
    pub fn used(&self) -> usize {
        self.used_without("")
    }

    fn used_without(&self, key: &str) -> usize {
        self.entries
            .borrow()
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| k.chars().count() + v.chars().count())
            .sum()
    }

    fn check_available(&self) -> Result<(), StoreError> {
        if self.unavailable.get() {
            Err(StoreError::Unavailable)
        } else {
            Ok(())
        }
    }
}

impl KeyValueStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.check_available()?;
        Ok(self.entries.borrow().get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.check_available()?;
        if let Some(quota) = self.quota {
            let needed = self.used_without(key) + key.chars().count() + value.chars().count();
            if needed > quota {
                return Err(StoreError::QuotaExceeded);
            }
        }
        self.entries
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.check_available()?;
        self.entries.borrow_mut().remove(key);
        Ok(())
    }

    fn keys(&self) -> Result<Vec<String>, StoreError> {
        self.check_available()?;
        Ok(self.entries.borrow().keys().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_except_leave_out_only_what_they_name() {
        let store = MemoryStore::new();
        for key in ["w.a.1", "w.b.1", "w.b.2", "other"] {
            store.set(key, key).unwrap();
        }
        let keys = |entries: Vec<(String, String)>| {
            let mut keys: Vec<String> = entries.into_iter().map(|(key, _)| key).collect();
            keys.sort();
            keys
        };
        assert_eq!(
            keys(store.entries_with_prefix_except("w.", "w.b.").unwrap()),
            ["w.a.1"]
        );
        assert_eq!(
            keys(store.entries_with_prefix_except("w.", "").unwrap()),
            ["w.a.1", "w.b.1", "w.b.2"]
        );
        assert_eq!(
            keys(store.entries_with_prefix_except("w.", "x.").unwrap()),
            keys(store.entries_with_prefix("w.").unwrap())
        );
    }

    #[test]
    fn quota_refuses_the_write_and_keeps_what_was_there() {
        let store = MemoryStore::with_quota(10);
        store.set("a", "12345").unwrap();
        assert_eq!(store.set("b", "123456"), Err(StoreError::QuotaExceeded));
        assert_eq!(store.get("a").unwrap().as_deref(), Some("12345"));
        assert_eq!(store.get("b").unwrap(), None);
        // Replacing a value counts only the new size.
        store.set("a", "123456789").unwrap();
    }

    #[test]
    fn entries_with_prefix_reads_only_those_keys() {
        let store = MemoryStore::new();
        store.set("waymark.rec.a.1", "one").unwrap();
        store.set("waymark.rec.b.2", "two").unwrap();
        store.set("waymark.sync.x", "not a record").unwrap();
        store.set("other", "someone else's").unwrap();
        let mut entries = store.entries_with_prefix("waymark.rec.").unwrap();
        entries.sort();
        assert_eq!(
            entries,
            [
                ("waymark.rec.a.1".to_owned(), "one".to_owned()),
                ("waymark.rec.b.2".to_owned(), "two".to_owned())
            ]
        );
    }

    #[test]
    fn keys_with_prefix_lists_only_those_keys() {
        let store = MemoryStore::new();
        for key in [
            "waymark.sync.out.1",
            "waymark.sync.out_seq",
            "waymark.sync.out.2",
            "other",
        ] {
            store.set(key, "x").unwrap();
        }
        let mut keys = store.keys_with_prefix("waymark.sync.out.").unwrap();
        keys.sort();
        assert_eq!(keys, ["waymark.sync.out.1", "waymark.sync.out.2"]);
        assert!(store.keys_with_prefix("nothing").unwrap().is_empty());
    }

    #[test]
    fn references_and_rcs_use_the_store_s_own_bulk_read() {
        struct Bulk;
        impl KeyValueStore for Bulk {
            fn get(&self, _: &str) -> Result<Option<String>, StoreError> {
                Ok(None)
            }
            fn set(&self, _: &str, _: &str) -> Result<(), StoreError> {
                Ok(())
            }
            fn remove(&self, _: &str) -> Result<(), StoreError> {
                Ok(())
            }
            fn keys(&self) -> Result<Vec<String>, StoreError> {
                Ok(Vec::new())
            }
            fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
                Ok(vec![format!("listed at once: {prefix}")])
            }
            fn entries_with_prefix(
                &self,
                prefix: &str,
            ) -> Result<Vec<(String, String)>, StoreError> {
                Ok(vec![("read at once".into(), prefix.into())])
            }
        }
        fn read(store: impl KeyValueStore) -> (Vec<String>, Vec<(String, String)>) {
            (
                store.keys_with_prefix("p").unwrap(),
                store.entries_with_prefix("p").unwrap(),
            )
        }
        let expected = (
            vec!["listed at once: p".to_owned()],
            vec![("read at once".to_owned(), "p".to_owned())],
        );
        assert_eq!(read(&Bulk), expected);
        assert_eq!(read(Rc::new(Bulk)), expected);
    }

    #[test]
    fn unavailable_storage_says_so() {
        let store = MemoryStore::new();
        store.make_unavailable();
        assert_eq!(store.get("a"), Err(StoreError::Unavailable));
        assert_eq!(store.set("a", "b"), Err(StoreError::Unavailable));
    }
}
