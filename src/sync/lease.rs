//! One tab syncs at a time: a short lease in `localStorage` with an expiry.
//!
//! `navigator.locks` (Web Locks) would be exact, but web-sys only exposes it behind `web_sys_unstable_apis`. The lease
//! is not atomic, so two tabs could, rarely, both sync; that costs only work: the server stores a change pushed
//! twice once, and applying a pulled change twice changes nothing the second time. A tab that closes mid-sync
//! leaves a lease that expires by itself. The lease key is under `waymark.sync.`, so leaving sync and "delete
//! everything" remove it too.

use serde::{Deserialize, Serialize};
use waymark_core::{KeyValueStore, Timestamp};

pub const LEASE_KEY: &str = "waymark.sync.lease";
/// How long a lease lasts unless renewed (the runner renews it between requests).
pub const LEASE_MS: i64 = 45_000;

#[derive(Serialize, Deserialize)]
struct Lease {
    holder: String,
    until: i64,
}

fn read(store: &impl KeyValueStore) -> Option<Lease> {
    store
        .get(LEASE_KEY)
        .ok()
        .flatten()
        .and_then(|text| serde_json::from_str(&text).ok())
}

/// Takes (or renews) the lease for `holder` unless another holder's lease is still running. A store that refuses
/// the write (full, blocked) does not stop sync: it is not needed for correctness.
pub fn try_take(store: &impl KeyValueStore, holder: &str, now: Timestamp) -> bool {
    if let Some(lease) = read(store)
        && lease.holder != holder
        && lease.until > now.0
        && lease.until <= now.0 + LEASE_MS
    {
        return false;
    }
    let lease = Lease {
        holder: holder.to_owned(),
        until: now.0 + LEASE_MS,
    };
    let text = serde_json::to_string(&lease).unwrap_or_default();
    if store.set(LEASE_KEY, &text).is_err() {
        return true;
    }
    // Another tab may have written at the same moment: whoever's write stuck has it.
    read(store).is_none_or(|l| l.holder == holder)
}

/// Gives the lease back, if `holder` still has it.
pub fn release(store: &impl KeyValueStore, holder: &str) {
    if read(store).is_some_and(|l| l.holder == holder) {
        let _ = store.remove(LEASE_KEY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waymark_core::MemoryStore;

    #[test]
    fn one_holder_at_a_time_until_release_or_expiry() {
        let store = MemoryStore::new();
        assert!(try_take(&store, "a", Timestamp(0)));
        assert!(!try_take(&store, "b", Timestamp(1_000)));
        assert!(try_take(&store, "a", Timestamp(2_000)), "renewed");
        assert!(!try_take(&store, "b", Timestamp(2_000 + LEASE_MS - 1)));
        assert!(
            try_take(&store, "b", Timestamp(2_000 + LEASE_MS)),
            "expired"
        );
        release(&store, "a");
        assert!(
            !try_take(&store, "a", Timestamp(3_000 + LEASE_MS)),
            "a cannot release b's lease"
        );
        release(&store, "b");
        assert!(try_take(&store, "a", Timestamp(3_000 + LEASE_MS)));
    }

    #[test]
    fn a_lease_from_a_clock_far_ahead_does_not_block_for_ever() {
        let store = MemoryStore::new();
        assert!(try_take(&store, "a", Timestamp(10 * LEASE_MS)));
        assert!(try_take(&store, "b", Timestamp(0)));
    }

    #[test]
    fn a_full_store_does_not_stop_sync() {
        let store = MemoryStore::with_quota(1);
        assert!(try_take(&store, "a", Timestamp(0)));
    }
}
