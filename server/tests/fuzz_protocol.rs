//! Fuzz tests of the server's side of the sync protocol, through the whole router over an in-memory store: every
//! request body it decodes (create, join, push, change passphrase), the paths and queries, and the bearer token;
//! and the checks underneath (token parsing, ids, base64, names). No input may panic or get a 5xx, every answer
//! is the protocol's JSON, and a refused push stores nothing. The inputs and counts come from core's
//! `fuzz_support` (`cargo test` runs a short pass; `scripts/fuzz` a million inputs per target).

mod common;
#[path = "../../core/tests/fuzz_support/mod.rs"]
mod fuzz_support;

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use fuzz_support::{fuzz, text};
use serde_json::{Value, json};
use tower::ServiceExt as _;
use waymark_core::sync::keys::to_base64;
use waymark_core::sync::protocol::{API_PREFIX, ErrorBody, Joined, KdfParams, PullResponse};
use waymark_server::SyncConfig;
use waymark_server::sync::rate_limit::{Quotas, quota};
use waymark_server::sync::secrets::{parse_token, random_id};
use waymark_server::sync::store::{Database, Store};
use waymark_server::sync::validate;

/// The router over a fresh in-memory store, with rate limits that never refuse (they are not what is fuzzed).
fn api(runtime: &tokio::runtime::Runtime) -> Router {
    let store = runtime
        .block_on(Store::connect(&Database::SqliteMemory))
        .expect("store");
    let never = quota(1_000_000, Duration::from_nanos(1));
    let quotas = Quotas {
        create_per_ip: never,
        kdf_per_ip: never,
        join_per_ip: never,
        join_failures_per_network: never,
        join_failures_per_space: never,
        changes_per_device: never,
        auth_failures_per_ip: never,
    };
    common::app_with(
        store,
        SyncConfig {
            quotas,
            ..SyncConfig::default()
        },
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Sends one request and checks the answer is no 5xx and is JSON: an error answer is the protocol's `ErrorBody`,
/// or the plain JSON 404 of a path under `/api` that is no sync route.
fn send(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    method: Method,
    uri: &str,
    token: Option<&[u8]>,
    body: Option<&[u8]>,
) -> (StatusCode, Value) {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        let mut header = b"Bearer ".to_vec();
        header.extend_from_slice(token);
        builder = builder.header("authorization", header);
    }
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let request = builder
        .body(body.map_or_else(Body::empty, |body| Body::from(body.to_vec())))
        .expect("request");
    runtime.block_on(async {
        let response = app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        assert!(!status.is_server_error(), "{status}: {bytes:?}");
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{status} is not JSON: {bytes:?}"));
        if status == StatusCode::NOT_FOUND && body == json!({"error": "not_found"}) {
            // A path under /api that is no sync route (api.rs).
        } else if !status.is_success() {
            serde_json::from_value::<ErrorBody>(body.clone()).expect("an ErrorBody");
        }
        (status, body)
    })
}

fn b64(byte: u8) -> String {
    to_base64(&[byte; 32])
}

fn kdf() -> KdfParams {
    KdfParams::argon2id(KdfParams::MINIMUM, to_base64(&[9; 16]))
}

fn create_body(space_id: &str) -> Value {
    json!({
        "space_id": space_id,
        "kdf": kdf(),
        "auth_secret": b64(1),
        "wrapped_key": b64(2),
        "recovery_auth_secret": b64(3),
        "recovery_wrapped_key": b64(4),
        "device_name": "My phone",
    })
}

/// A space and its first device's token.
fn space(runtime: &tokio::runtime::Runtime, app: &Router) -> (String, String) {
    let id = random_id().expect("random");
    let body = create_body(&id).to_string();
    let uri = format!("{API_PREFIX}/spaces");
    let (status, joined) = send(
        runtime,
        app,
        Method::POST,
        &uri,
        None,
        Some(body.as_bytes()),
    );
    assert_eq!(status, StatusCode::CREATED);
    let joined: Joined = serde_json::from_value(joined).expect("Joined");
    (id, joined.token)
}

fn bytes(value: &Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

#[test]
fn fuzz_push_bodies_and_a_refused_push_stores_nothing() {
    let runtime = runtime();
    let app = api(&runtime);
    let (space_id, token) = space(&runtime, &app);
    let uri = format!("{API_PREFIX}/spaces/{space_id}/changes");
    let change =
        |n: u8| json!({"id": random_id().expect("random"), "ciphertext": to_base64(&[n; 40])});
    let seeds = vec![
        bytes(&json!({"changes": [change(1)]})),
        bytes(&json!({"changes": [change(2), change(3), change(4)]})),
    ];
    let stored = Mutex::new(HashSet::new());
    fuzz("push bodies", seeds, |body| {
        let (status, answer) = send(
            &runtime,
            &app,
            Method::POST,
            &uri,
            Some(token.as_bytes()),
            Some(body),
        );
        if status != StatusCode::OK {
            return false;
        }
        let mut stored = stored.lock().expect("lock");
        for accepted in answer["accepted"].as_array().expect("accepted") {
            stored.insert(accepted["id"].as_str().expect("id").to_owned());
        }
        true
    });
    // Everything stored was receipted: refused pushes stored nothing.
    let pulled: PullResponse = serde_json::from_value(
        send(
            &runtime,
            &app,
            Method::GET,
            &format!("{uri}?limit=500"),
            Some(token.as_bytes()),
            None,
        )
        .1,
    )
    .expect("PullResponse");
    let mut all = pulled.changes.len();
    let mut after = pulled.next_after;
    let mut more = pulled.more;
    while more {
        let page: PullResponse = serde_json::from_value(
            send(
                &runtime,
                &app,
                Method::GET,
                &format!("{uri}?after={after}&limit=500"),
                Some(token.as_bytes()),
                None,
            )
            .1,
        )
        .expect("PullResponse");
        all += page.changes.len();
        after = page.next_after;
        more = page.more;
    }
    assert_eq!(all, stored.lock().expect("lock").len());
}

#[test]
fn fuzz_create_join_and_passphrase_bodies() {
    let runtime = runtime();
    let app = api(&runtime);
    let (space_id, token) = space(&runtime, &app);
    let create_uri = format!("{API_PREFIX}/spaces");
    fuzz(
        "create bodies",
        vec![bytes(&create_body(&random_id().expect("random")))],
        |body| {
            let (status, _) = send(&runtime, &app, Method::POST, &create_uri, None, Some(body));
            // Past decoding and every check to the store: created, or the seed's id already taken.
            status == StatusCode::CREATED || status == StatusCode::CONFLICT
        },
    );
    let join_uri = format!("{API_PREFIX}/spaces/{space_id}/devices");
    let seeds = vec![
        bytes(&json!({"credential": "passphrase", "auth_secret": b64(1), "device_name": "Laptop"})),
        bytes(
            &json!({"credential": "recovery_code", "auth_secret": b64(3), "device_name": "Tablet"}),
        ),
    ];
    fuzz("join bodies", seeds, |body| {
        let (status, answer) = send(&runtime, &app, Method::POST, &join_uri, None, Some(body));
        if status != StatusCode::CREATED {
            return false;
        }
        // Keep the space under its device limit: the new device leaves at once.
        let joined: Joined = serde_json::from_value(answer).expect("Joined");
        let leave = format!(
            "{API_PREFIX}/spaces/{space_id}/devices/{}",
            joined.device_id
        );
        let (left, _) = send(
            &runtime,
            &app,
            Method::DELETE,
            &leave,
            Some(token.as_bytes()),
            None,
        );
        assert_eq!(left, StatusCode::OK);
        true
    });
    let passphrase_uri = format!("{API_PREFIX}/spaces/{space_id}/passphrase");
    let seeds = vec![bytes(
        &json!({"kdf": kdf(), "auth_secret": b64(1), "wrapped_key": b64(2), "sign_out_other_devices": false}),
    )];
    fuzz("change passphrase bodies", seeds, |body| {
        let (status, _) = send(
            &runtime,
            &app,
            Method::PUT,
            &passphrase_uri,
            Some(token.as_bytes()),
            Some(body),
        );
        status == StatusCode::OK
    });
}

#[test]
fn fuzz_paths_queries_and_tokens() {
    let runtime = runtime();
    let app = api(&runtime);
    let (space_id, token) = space(&runtime, &app);
    let seeds = vec![
        format!("spaces/{space_id}/changes?after=0&limit=10").into_bytes(),
        format!("spaces/{space_id}/devices").into_bytes(),
        format!("spaces/{space_id}/kdf").into_bytes(),
    ];
    fuzz("paths and queries", seeds, |path| {
        let uri = format!("{API_PREFIX}/{}", text(path));
        if uri.parse::<axum::http::Uri>().is_err() {
            return false;
        }
        let (status, _) = send(
            &runtime,
            &app,
            Method::GET,
            &uri,
            Some(token.as_bytes()),
            None,
        );
        status == StatusCode::OK
    });
    let uri = format!("{API_PREFIX}/spaces/{space_id}/devices");
    fuzz(
        "bearer tokens",
        vec![token.clone().into_bytes()],
        |presented| {
            if axum::http::HeaderValue::from_bytes(presented).is_err() {
                return false;
            }
            let (status, _) = send(&runtime, &app, Method::GET, &uri, Some(presented), None);
            assert!(
                status == StatusCode::OK || status == StatusCode::UNAUTHORIZED,
                "{status}"
            );
            // Accepted: well-formed enough to be looked up in the store.
            parse_token(text(presented).trim()).is_some()
        },
    );
}

#[test]
fn fuzz_the_checks_under_the_handlers() {
    let token = format!("{}.{}", random_id().expect("random"), "ab".repeat(32));
    let seeds = vec![
        token.into_bytes(),
        random_id().expect("random").into_bytes(),
        b64(1).into_bytes(),
        b"My phone".to_vec(),
    ];
    fuzz("tokens, ids, secrets, keys, names", seeds, |bytes| {
        let text = text(bytes);
        let mut accepted = false;
        if let Some((device, _)) = parse_token(&text) {
            assert!(
                validate::id(device).is_ok(),
                "a parsed token names a well-formed device"
            );
            accepted = true;
        }
        accepted |= validate::id(&text).is_ok();
        accepted |= validate::auth_secret(&text).is_ok();
        if let Ok(key) = validate::wrapped_key(&text) {
            assert!(!key.is_empty());
            accepted = true;
        }
        accepted |= validate::ciphertext(&text, 1024).is_ok();
        accepted |= validate::device_name(&text).is_ok();
        accepted
    });
}
