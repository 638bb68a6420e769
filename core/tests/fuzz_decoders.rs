//! Fuzz tests of every decoder core gives the app: backup import (inspect, then merge), the service config, the
//! services directory, the sync protocol's messages and codes, and a pulled change from its base64 to its merge.
//! No input may panic; a refused input changes nothing. `cargo test` runs a short pass; `scripts/fuzz` a million
//! inputs per target (see `fuzz_support`).

mod fuzz_support;

use std::collections::BTreeMap;
use std::rc::Rc;

use fuzz_support::{fuzz, text};
use serde::Serialize;
use serde::de::DeserializeOwned;
use waymark_core::backup;
use waymark_core::directory::parse_directory;
use waymark_core::mood::{CheckIn, MoodLevel};
use waymark_core::service_config::{load_or_default, parse_config};
use waymark_core::sync::change::Change;
use waymark_core::sync::codes::{RecoveryCode, SyncCode};
use waymark_core::sync::engine::{Incoming, Membership, Pulled, SyncEngine};
use waymark_core::sync::keys::{from_base64, join_ciphertext, split_ciphertext, to_base64};
use waymark_core::sync::protocol::{
    Accepted, ChangePassphrase, CreateSpace, Credential, DeviceInfo, Devices, Done, ErrorBody,
    JoinSpace, Joined, KdfInfo, KdfParams, PullResponse, PulledChange, PushChange, PushRequest,
    PushResponse, device_name, id_from_random_bytes, is_id,
};
use waymark_core::{KeyValueStore, MemoryStore, Record, RecordId, Repository, Timestamp};

/// 2026-11-21T14:05:00Z.
const NOW: Timestamp = Timestamp(1_795_269_900_000);

/// Everything a store holds, to compare before and after.
fn snapshot(store: &MemoryStore) -> BTreeMap<String, Option<String>> {
    store
        .keys()
        .expect("keys")
        .into_iter()
        .map(|key| {
            let value = store.get(&key).expect("get");
            (key, value)
        })
        .collect()
}

fn check_in(seed: u8, mood: MoodLevel) -> Record<CheckIn> {
    let at = Timestamp(NOW.0 - i64::from(seed) * 3_600_000);
    Record::new(
        RecordId::from_random_bytes([seed; 16]),
        at,
        CheckIn::new(mood, at),
    )
}

#[test]
fn fuzz_backup_import() {
    let repo = Repository::new(MemoryStore::new());
    for (seed, mood) in [(1, MoodLevel::Low), (2, MoodLevel::Good)] {
        repo.save(&check_in(seed, mood), NOW).expect("save");
    }
    let seed = backup::export(&repo, NOW).expect("export");
    // The device the backup is imported into holds a record of its own.
    let device = Repository::new(MemoryStore::new());
    device
        .save(&check_in(3, MoodLevel::Okay), NOW)
        .expect("save");
    let before = snapshot(device.store());
    fuzz("backup import", vec![seed.into_bytes()], |bytes| {
        let Ok(preview) = backup::inspect(&text(bytes)) else {
            // Inspecting reads nothing from storage: a refused file cannot change it.
            return false;
        };
        let target = Repository::new(MemoryStore::new());
        target
            .save(&check_in(3, MoodLevel::Okay), NOW)
            .expect("save");
        assert_eq!(snapshot(target.store()), before);
        backup::merge(&target, &preview, NOW).expect("a checked backup merges");
        let again = backup::merge(&target, &preview, NOW).expect("merges again");
        assert_eq!(
            (again.added, again.updated),
            (0, 0),
            "importing twice changes nothing the second time"
        );
        true
    });
}

#[test]
fn fuzz_service_config() {
    let seed = include_str!("../../public/service-config.json");
    let (default, _) = load_or_default(None);
    fuzz("service config", vec![seed.as_bytes().to_vec()], |bytes| {
        let text = text(bytes);
        let parsed = parse_config(&text);
        let (loaded, problem) = load_or_default(Some(&text));
        match parsed {
            Ok(config) => {
                assert_eq!(loaded, config);
                assert!(problem.is_none());
                true
            }
            Err(_) => {
                assert_eq!(loaded, default, "a refused config leaves the default");
                assert!(problem.is_some());
                false
            }
        }
    });
}

/// The national directory cut down to its first `services` services (a fuzz input should be small).
fn small_directory(services: usize) -> String {
    let mut directory: serde_json::Value =
        serde_json::from_str(include_str!("../../public/directory/national.json")).expect("json");
    let content = directory["content"].as_array_mut().expect("content");
    content.truncate(services);
    serde_json::to_string(&directory).expect("json")
}

#[test]
fn fuzz_directory() {
    let seeds = vec![
        small_directory(1).into_bytes(),
        small_directory(3).into_bytes(),
    ];
    fuzz("directory", seeds, |bytes| {
        let Ok(directory) = parse_directory(&text(bytes)) else {
            return false;
        };
        // What the app does with one: search it and list it by need.
        let _ = directory.search("talk");
        let _ = directory.search(&text(bytes));
        true
    });
}

/// Whether `bytes` decode as `T`; a decoded value encodes and decodes to itself.
fn decodes<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(bytes: &[u8]) -> bool {
    let Ok(value) = serde_json::from_slice::<T>(bytes) else {
        return false;
    };
    let again: T = serde_json::from_slice(&serde_json::to_vec(&value).expect("encode"))
        .expect("decodes again");
    assert_eq!(again, value);
    true
}

fn json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("json")
}

#[test]
fn fuzz_sync_protocol_messages() {
    let id = |n: u8| id_from_random_bytes([n; 16]);
    let kdf = KdfParams::argon2id(KdfParams::MINIMUM, to_base64(&[9; 16]));
    let b64 = |n: u8| to_base64(&[n; 32]);
    let seeds = vec![
        json(&CreateSpace {
            space_id: id(1),
            kdf: kdf.clone(),
            auth_secret: b64(1),
            wrapped_key: b64(2),
            recovery_auth_secret: b64(3),
            recovery_wrapped_key: b64(4),
            device_name: "My phone".into(),
        }),
        json(&KdfInfo {
            kdf: kdf.clone(),
            server_time: NOW.0,
        }),
        json(&JoinSpace {
            credential: Credential::RecoveryCode,
            auth_secret: b64(5),
            device_name: "Laptop".into(),
        }),
        json(&Joined {
            device_id: id(2),
            token: format!("{}.{}", id(2), "ab".repeat(32)),
            wrapped_key: b64(6),
            kdf: kdf.clone(),
            server_time: NOW.0,
        }),
        json(&Devices {
            devices: vec![DeviceInfo {
                device_id: id(3),
                name: "Tablet".into(),
                joined_at: NOW.0,
                last_seen_at: NOW.0,
                this_device: true,
            }],
            server_time: NOW.0,
        }),
        json(&Done { server_time: 1 }),
        json(&PushRequest {
            changes: vec![PushChange {
                id: id(4),
                ciphertext: b64(7),
            }],
        }),
        json(&PushResponse {
            accepted: vec![Accepted {
                id: id(4),
                seq: 1,
                received_at: NOW.0,
            }],
            server_time: NOW.0,
        }),
        json(&PullResponse {
            changes: vec![PulledChange {
                id: id(5),
                seq: 2,
                received_at: NOW.0,
                device_id: id(3),
                ciphertext: b64(8),
            }],
            next_after: 2,
            more: false,
            server_time: NOW.0,
        }),
        json(&ChangePassphrase {
            kdf,
            auth_secret: b64(9),
            wrapped_key: b64(10),
            sign_out_other_devices: true,
        }),
        json(&ErrorBody {
            error: "unauthorized".into(),
            message: "No.".into(),
        }),
    ];
    fuzz("sync protocol messages", seeds, |bytes| {
        // Each message type, as the server (requests) or the app (answers) decodes it.
        let decoded = [
            decodes::<CreateSpace>(bytes),
            decodes::<KdfInfo>(bytes),
            decodes::<JoinSpace>(bytes),
            decodes::<Joined>(bytes),
            decodes::<Devices>(bytes),
            decodes::<Done>(bytes),
            decodes::<PushRequest>(bytes),
            decodes::<PushResponse>(bytes),
            decodes::<PullResponse>(bytes),
            decodes::<ChangePassphrase>(bytes),
            decodes::<ErrorBody>(bytes),
        ];
        if let Ok(kdf) = serde_json::from_slice::<KdfParams>(bytes) {
            let _ = kdf.strong_enough();
        }
        decoded.contains(&true)
    });
}

#[test]
fn fuzz_sync_codes_ids_and_names() {
    let sync_code = SyncCode::from_space_id(&id_from_random_bytes([7; 16]))
        .expect("an id's code")
        .to_string();
    let recovery = RecoveryCode::generate([3; 16]).to_string();
    let seeds = vec![
        sync_code.into_bytes(),
        recovery.into_bytes(),
        id_from_random_bytes([1; 16]).into_bytes(),
        b"My phone".to_vec(),
    ];
    fuzz("sync codes, ids and device names", seeds, |bytes| {
        let text = text(bytes);
        let mut accepted = false;
        if let Ok(code) = SyncCode::parse(&text) {
            assert!(
                is_id(&code.space_id()),
                "a sync code names a well-formed space"
            );
            accepted = true;
        }
        accepted |= RecoveryCode::parse(&text).is_ok();
        accepted |= is_id(&text);
        if let Ok(name) = device_name(&text) {
            assert!(!name.is_empty());
            accepted = true;
        }
        accepted
    });
}

/// A device that has joined a space, on a fresh store.
fn joined_engine() -> SyncEngine<Rc<MemoryStore>> {
    let store = Rc::new(MemoryStore::new());
    let mut count = 0_u8;
    let engine = SyncEngine::new(store, move || {
        count = count.wrapping_add(1);
        [count; 16]
    });
    let membership = Membership {
        space_id: id_from_random_bytes([0xee; 16]),
        device_id: id_from_random_bytes([1; 16]),
        device_name: "phone".into(),
        token: "token".into(),
        data_key: "key".into(),
        cursor: 0,
        clock_offset_ms: 0,
        last_synced: None,
    };
    engine.join(membership, NOW).expect("join");
    engine
}

/// Real changes, as another device's engine makes them: a new check-in, and an edit of it.
fn change_seeds() -> Vec<Vec<u8>> {
    let engine = joined_engine();
    let first = check_in(9, MoodLevel::Low);
    engine.record_local_save(&first, NOW).expect("save");
    let mut edited = first.clone();
    edited.data = CheckIn::new(MoodLevel::VeryGood, NOW);
    edited.updated = Timestamp(NOW.0 + 1000);
    engine
        .record_local_save(&edited, Timestamp(NOW.0 + 1000))
        .expect("save");
    engine
        .outbox()
        .expect("outbox")
        .iter()
        .map(|change| serde_json::to_vec(change).expect("json"))
        .collect()
}

#[test]
fn fuzz_pulled_change_opening_and_merge() {
    // The sealed form's framing (base64, then nonce and body), before the app's WebCrypto opens it.
    let sealed = to_base64(&join_ciphertext(&[5; 12], &[6; 40]));
    fuzz(
        "sealed change framing",
        vec![sealed.into_bytes()],
        |bytes| {
            let Some(raw) = from_base64(&text(bytes)) else {
                return false;
            };
            match split_ciphertext(&raw) {
                Ok((nonce, body)) => {
                    assert_eq!(
                        1 + nonce.len() + body.len(),
                        raw.len(),
                        "version, nonce, body"
                    );
                    true
                }
                Err(_) => false,
            }
        },
    );

    // The opened plaintext: decoded, then merged by a device that holds a record of its own.
    fuzz("pulled change and merge", change_seeds(), |bytes| {
        let Ok(change) = serde_json::from_slice::<Change>(bytes) else {
            return false;
        };
        let engine = joined_engine();
        let pulled = Pulled {
            change,
            seq: 1,
            received_at: NOW,
        };
        engine
            .apply_pulled(vec![Incoming::Change(pulled.clone())], NOW)
            .expect("applies or holds");
        // The same change pulled again changes nothing.
        let before = snapshot(engine.store());
        engine
            .apply_pulled(vec![Incoming::Change(pulled)], NOW)
            .expect("applies or holds");
        assert_eq!(snapshot(engine.store()), before);
        true
    });
}
