//! The sync API end to end through the real router (`tower::ServiceExt::oneshot`), run over an in-memory SQLite
//! store, a SQLite file (WAL, several connections) and PostgreSQL.
//!
//! PostgreSQL comes from `WAYMARK_TEST_DATABASE_URL` (scripts/test starts a throwaway cluster and sets it). When
//! it is unset, as in a plain local `cargo test`, each PostgreSQL test prints that it was skipped and passes,
//! unless `WAYMARK_REQUIRE_PG=1` (scripts/test sets it), when it fails.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use waymark_core::sync::protocol::Credential;
use waymark_core::sync::protocol::{
    API_PREFIX, Devices, Done, ErrorBody, Joined, KdfInfo, KdfParams, MAX_CHANGE_BYTES,
    MAX_PUSH_BODY_BYTES, MAX_PUSH_CHANGES, MAX_SMALL_BODY_BYTES, PullResponse, PushResponse,
};
use waymark_server::SyncConfig;
use waymark_server::sync::rate_limit::{Quotas, quota};
use waymark_server::sync::secrets::random_id;
use waymark_server::sync::store::{
    ByteLimits, Database, JoinOutcome, JoinProof, NewChange, NewDevice, PushOutcome, Store,
    SyncStore as _,
};
use waymark_server::sync::{ServerLimits, SpaceLimits, validate};

/// The environment variable naming the test PostgreSQL database.
const PG_ENV: &str = "WAYMARK_TEST_DATABASE_URL";
/// When `1`, a PostgreSQL test without [`PG_ENV`] fails instead of passing silently.
const REQUIRE_PG_ENV: &str = "WAYMARK_REQUIRE_PG";

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    SqliteFile,
    Postgres,
}

/// The test PostgreSQL database, or `None` (after saying so) when it is not configured.
fn postgres_url() -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var(REQUIRE_PG_ENV).as_deref() != Ok("1"),
                "{REQUIRE_PG_ENV}=1 but {PG_ENV} is not set: PostgreSQL tests must run"
            );
            eprintln!("skipped: {PG_ENV} is not set, so this PostgreSQL test did not run");
            None
        }
    }
}

/// A fresh store of the backend (and the directory of its file), or `None` when PostgreSQL is not configured.
async fn store(backend: Backend) -> Option<(Store, Option<tempfile::TempDir>)> {
    let mut dir = None;
    let database = match backend {
        Backend::Sqlite => Database::SqliteMemory,
        Backend::SqliteFile => {
            let temp = tempfile::tempdir().expect("tempdir");
            let path = temp.path().join("sync.db");
            dir = Some(temp);
            Database::SqliteFile(path)
        }
        Backend::Postgres => Database::Postgres(postgres_url()?),
    };
    let store = Store::connect(&database).await.expect("connect the store");
    Some((store, dir))
}

/// The router and its store.
struct Api {
    app: Router,
    store: Store,
    _dir: Option<tempfile::TempDir>,
}

impl Api {
    /// With rate limits too loose to matter (only [`rate_limits_answer_429`] tests them, with the real ones).
    async fn new(backend: Backend) -> Option<Self> {
        Self::with_limits(backend, SpaceLimits::default()).await
    }

    /// With loose rate limits and these space limits.
    async fn with_limits(backend: Backend, limits: SpaceLimits) -> Option<Self> {
        Self::with_config(
            backend,
            SyncConfig {
                quotas: loose_quotas(),
                limits,
                ..SyncConfig::default()
            },
        )
        .await
    }

    async fn with_config(backend: Backend, config: SyncConfig) -> Option<Self> {
        let (store, dir) = store(backend).await?;
        let app = common::app_with(store.clone(), config);
        Some(Self {
            app,
            store,
            _dir: dir,
        })
    }
}

/// Rate limits too loose to matter.
fn loose_quotas() -> Quotas {
    let loose = quota(100_000, Duration::from_millis(1));
    Quotas {
        create_per_ip: loose,
        kdf_per_ip: loose,
        join_per_ip: loose,
        join_failures_per_network: loose,
        join_failures_per_space: loose,
        changes_per_device: loose,
        auth_failures_per_ip: loose,
    }
}

/// One answer.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn into<T: DeserializeOwned>(self, expected: StatusCode) -> T {
        assert_eq!(self.status, expected, "{}", self.body);
        let server_time = self.body["server_time"].as_i64().expect("server_time");
        let now = waymark_server::sync::now_ms();
        assert!(
            (now - 60_000..=now).contains(&server_time),
            "server_time {server_time} is now"
        );
        serde_json::from_value(self.body).expect("the protocol's type")
    }

    fn ok<T: DeserializeOwned>(self) -> T {
        self.into(StatusCode::OK)
    }

    /// Asserts an error answer with this status and code.
    fn error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let body: ErrorBody = serde_json::from_value(self.body.clone()).expect("ErrorBody");
        assert_eq!(body.error, code);
        assert!(!body.message.is_empty());
        assert_eq!(
            self.headers["content-type"], "application/json",
            "{code} is JSON"
        );
    }
}

/// A request: method, path under the API prefix, optional token, optional raw body, optional peer address.
async fn send(
    app: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
    peer: Option<SocketAddr>,
) -> Reply {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("{API_PREFIX}{path}"));
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let mut request = builder
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    if let Some(peer) = peer {
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
    assert_eq!(
        parts.headers.get("cache-control").map(|v| v.as_bytes()),
        Some(&b"no-store"[..]),
        "sync answers are never cached"
    );
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: serde_json::from_slice(&bytes).expect("a JSON answer"),
    }
}

async fn get(app: &Router, path: &str, token: Option<&str>) -> Reply {
    send(app, Method::GET, path, token, None, None).await
}

async fn post(app: &Router, path: &str, token: Option<&str>, body: &Value) -> Reply {
    send(
        app,
        Method::POST,
        path,
        token,
        Some(body.to_string().into_bytes()),
        None,
    )
    .await
}

async fn put(app: &Router, path: &str, token: Option<&str>, body: &Value) -> Reply {
    send(
        app,
        Method::PUT,
        path,
        token,
        Some(body.to_string().into_bytes()),
        None,
    )
    .await
}

async fn delete(app: &Router, path: &str, token: Option<&str>) -> Reply {
    send(app, Method::DELETE, path, token, None, None).await
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn kdf(salt_byte: u8) -> KdfParams {
    KdfParams::argon2id(KdfParams::MINIMUM, b64(&[salt_byte; 16]))
}

/// A space as its first device created it, with the secrets a person's devices would derive.
struct Space {
    id: String,
    first: Joined,
    passphrase: String,
    recovery: String,
}

impl Space {
    fn path(&self, rest: &str) -> String {
        format!("/spaces/{}{rest}", self.id)
    }
}

fn create_body(space_id: &str, passphrase: &str, recovery: &str) -> Value {
    json!({
        "space_id": space_id,
        "kdf": kdf(9),
        "auth_secret": passphrase,
        "wrapped_key": b64(b"data key under the passphrase"),
        "recovery_auth_secret": recovery,
        "recovery_wrapped_key": b64(b"data key under the recovery code"),
        "device_name": "My phone",
    })
}

async fn create_space(app: &Router) -> Space {
    let id = random_id().expect("random");
    let passphrase = b64(&random_bytes());
    let recovery = b64(&random_bytes());
    let first: Joined = post(
        app,
        "/spaces",
        None,
        &create_body(&id, &passphrase, &recovery),
    )
    .await
    .into(StatusCode::CREATED);
    Space {
        id,
        first,
        passphrase,
        recovery,
    }
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0; 32];
    getrandom::fill(&mut bytes).expect("random");
    bytes
}

fn join_body(credential: &str, secret: &str, name: &str) -> Value {
    json!({"credential": credential, "auth_secret": secret, "device_name": name})
}

async fn join(app: &Router, space: &Space, credential: &str, secret: &str) -> Reply {
    post(
        app,
        &space.path("/devices"),
        None,
        &join_body(credential, secret, "Laptop"),
    )
    .await
}

/// A change with a random id and recognisable ciphertext.
fn change(label: &str) -> (String, String) {
    (random_id().expect("random"), b64(label.as_bytes()))
}

fn push_body(changes: &[(String, String)]) -> Value {
    let changes: Vec<Value> = changes
        .iter()
        .map(|(id, ciphertext)| json!({"id": id, "ciphertext": ciphertext}))
        .collect();
    json!({ "changes": changes })
}

async fn push(
    app: &Router,
    space: &Space,
    token: &str,
    changes: &[(String, String)],
) -> PushResponse {
    post(
        app,
        &space.path("/changes"),
        Some(token),
        &push_body(changes),
    )
    .await
    .ok()
}

/// Every change after `after`, following `next_after` page by page.
async fn pull_all(app: &Router, space: &Space, token: &str, limit: u32) -> PullResponse {
    let mut after = 0;
    let mut all = Vec::new();
    loop {
        let page: PullResponse = get(
            app,
            &space.path(&format!("/changes?after={after}&limit={limit}")),
            Some(token),
        )
        .await
        .ok();
        assert!(page.changes.len() <= limit as usize);
        after = page.next_after;
        let more = page.more;
        all.extend(page.changes);
        if !more {
            return PullResponse {
                changes: all,
                next_after: after,
                more: false,
                server_time: page.server_time,
            };
        }
    }
}

// The suite, once per backend.

async fn create_and_join_with_the_passphrase_and_the_recovery_code(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    assert!(waymark_core::sync::protocol::is_id(&space.first.device_id));
    assert_eq!(
        space.first.wrapped_key,
        b64(b"data key under the passphrase")
    );
    assert_eq!(space.first.kdf, kdf(9));

    let info: KdfInfo = get(app, &space.path("/kdf"), None).await.ok();
    assert_eq!(info.kdf, kdf(9));

    let laptop: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    assert_eq!(laptop.wrapped_key, b64(b"data key under the passphrase"));
    assert_eq!(laptop.kdf, kdf(9));
    let tablet: Joined = join(app, &space, "recovery_code", &space.recovery)
        .await
        .into(StatusCode::CREATED);
    assert_eq!(tablet.wrapped_key, b64(b"data key under the recovery code"));
    let ids: HashSet<_> = [&space.first.device_id, &laptop.device_id, &tablet.device_id]
        .into_iter()
        .collect();
    assert_eq!(ids.len(), 3, "every device gets its own id");

    let devices: Devices = get(app, &space.path("/devices"), Some(&laptop.token))
        .await
        .ok();
    assert_eq!(devices.devices.len(), 3);
    let mine: Vec<_> = devices.devices.iter().filter(|d| d.this_device).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].device_id, laptop.device_id);
    assert_eq!(mine[0].name, "Laptop");
    assert_eq!(devices.devices[0].name, "My phone", "oldest first");

    // The id is taken now.
    post(
        app,
        "/spaces",
        None,
        &create_body(&space.id, &space.passphrase, &space.recovery),
    )
    .await
    .error(StatusCode::CONFLICT, "conflict");
    let unknown = random_id().expect("random");
    get(app, &format!("/spaces/{unknown}/kdf"), None)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    post(
        app,
        &format!("/spaces/{unknown}/devices"),
        None,
        &join_body("passphrase", &space.passphrase, "x"),
    )
    .await
    .error(StatusCode::NOT_FOUND, "not_found");
}

async fn a_wrong_secret_is_401_and_changes_nothing(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let wrong = b64(&random_bytes());
    join(app, &space, "passphrase", &wrong)
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    join(app, &space, "recovery_code", &wrong)
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Each secret only opens its own door.
    join(app, &space, "recovery_code", &space.passphrase)
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    join(app, &space, "passphrase", &space.recovery)
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    join(app, &space, "passphrase", &b64(&[1; 31]))
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    let devices: Devices = get(app, &space.path("/devices"), Some(&space.first.token))
        .await
        .ok();
    assert_eq!(devices.devices.len(), 1, "no device was added");
}

async fn weak_kdf_is_refused(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let passphrase = b64(&random_bytes());
    let mut cases = Vec::new();
    for weak in [
        KdfParams {
            iterations: 1,
            ..kdf(1)
        },
        KdfParams {
            memory_kib: 1024,
            ..kdf(1)
        },
        KdfParams {
            algorithm: "pbkdf2".into(),
            ..kdf(1)
        },
        KdfParams {
            salt: b64(&[1; 15]),
            ..kdf(1)
        },
    ] {
        let id = random_id().expect("random");
        let mut body = create_body(&id, &passphrase, &passphrase);
        body["kdf"] = serde_json::to_value(&weak).expect("json");
        cases.push((id, body));
    }
    for (id, body) in &cases {
        post(app, "/spaces", None, body)
            .await
            .error(StatusCode::BAD_REQUEST, "weak_kdf");
        get(app, &format!("/spaces/{id}/kdf"), None)
            .await
            .error(StatusCode::NOT_FOUND, "not_found");
    }

    let space = create_space(app).await;
    let weak = json!({
        "kdf": KdfParams { iterations: 1, ..kdf(2) },
        "auth_secret": b64(&random_bytes()),
        "wrapped_key": b64(b"k"),
    });
    put(
        app,
        &space.path("/passphrase"),
        Some(&space.first.token),
        &weak,
    )
    .await
    .error(StatusCode::BAD_REQUEST, "weak_kdf");
    let info: KdfInfo = get(app, &space.path("/kdf"), None).await.ok();
    assert_eq!(info.kdf, kdf(9), "unchanged");
}

async fn push_and_pull_page_by_page(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let phone = &space.first.token;
    let laptop: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);

    let changes = [change("one"), change("two"), change("three")];
    let pushed = push(app, &space, phone, &changes).await;
    let seqs: Vec<u64> = pushed.accepted.iter().map(|a| a.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    for (accepted, (id, _)) in pushed.accepted.iter().zip(&changes) {
        assert_eq!(&accepted.id, id, "receipts in the order sent");
        assert_eq!(accepted.received_at, pushed.server_time);
    }
    let more = [change("four")];
    assert_eq!(
        push(app, &space, &laptop.token, &more).await.accepted[0].seq,
        4
    );

    // Page by page, one at a time.
    let mut after = 0;
    for expected in 1..=4_u64 {
        let page: PullResponse = get(
            app,
            &space.path(&format!("/changes?after={after}&limit=1")),
            Some(&laptop.token),
        )
        .await
        .ok();
        assert_eq!(page.changes.len(), 1);
        assert_eq!(page.changes[0].seq, expected);
        assert_eq!(page.next_after, expected);
        assert_eq!(page.more, expected < 4);
        after = page.next_after;
    }
    let empty: PullResponse = get(app, &space.path("/changes?after=4"), Some(phone))
        .await
        .ok();
    assert!(empty.changes.is_empty() && !empty.more);
    assert_eq!(
        empty.next_after, 4,
        "next_after stays put when nothing is new"
    );

    let all = pull_all(app, &space, phone, 500).await;
    let got: Vec<_> = all
        .changes
        .iter()
        .map(|c| (c.id.clone(), c.ciphertext.clone()))
        .collect();
    assert_eq!(
        got,
        [&changes[..], &more[..]].concat(),
        "ciphertext comes back byte for byte"
    );
    assert_eq!(all.changes[0].device_id, space.first.device_id);
    assert_eq!(all.changes[3].device_id, laptop.device_id);
    assert_eq!(all.changes[0].received_at, pushed.server_time);

    // The device list notes when each device was last seen.
    let devices: Devices = get(app, &space.path("/devices"), Some(phone)).await.ok();
    assert!(
        devices
            .devices
            .iter()
            .all(|d| d.last_seen_at >= d.joined_at)
    );

    // Bad queries.
    for query in ["?limit=0", "?after=-1", "?after=x", "?limit=1.5"] {
        get(app, &space.path(&format!("/changes{query}")), Some(phone))
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
    }
    // A limit over the cap is capped, not refused.
    let capped: PullResponse = get(app, &space.path("/changes?limit=100000"), Some(phone))
        .await
        .ok();
    assert_eq!(capped.changes.len(), 4);
}

async fn a_retried_push_returns_the_same_receipts_and_stores_nothing_new(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let token = &space.first.token;
    let (a, b, c) = (change("a"), change("b"), change("c"));

    let first = push(app, &space, token, &[a.clone(), b.clone()]).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again = push(app, &space, token, &[a.clone(), b.clone()]).await;
    assert_eq!(
        again.accepted, first.accepted,
        "the first receipts, received_at included"
    );

    // A mix of old and new, with a repeat inside one push.
    let mixed = push(
        app,
        &space,
        token,
        &[b.clone(), c.clone(), a.clone(), c.clone()],
    )
    .await;
    assert_eq!(mixed.accepted[0], first.accepted[1]);
    assert_eq!(mixed.accepted[2], first.accepted[0]);
    assert_eq!(mixed.accepted[1].seq, 3);
    assert_eq!(mixed.accepted[3], mixed.accepted[1]);

    // The same change id with other bytes is still the first change.
    let tampered = (a.0.clone(), b64(b"other bytes"));
    assert_eq!(
        push(app, &space, token, &[tampered]).await.accepted[0],
        first.accepted[0]
    );

    let all = pull_all(app, &space, token, 2).await;
    let seqs: Vec<u64> = all.changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [1, 2, 3], "no gaps, nothing stored twice");
    assert_eq!(all.changes[0].ciphertext, a.1);

    // An empty push is fine and changes nothing.
    assert!(push(app, &space, token, &[]).await.accepted.is_empty());
    assert_eq!(pull_all(app, &space, token, 500).await.next_after, 3);
}

async fn concurrent_pushes_get_gapless_seqs_and_a_concurrent_puller_misses_nothing(
    backend: Backend,
) {
    const TASKS: usize = 8;
    const PUSHES: usize = 4;
    const PER_PUSH: usize = 3;
    const TOTAL: usize = TASKS * PUSHES * PER_PUSH;
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = api.app.clone();
    let space = Arc::new(create_space(&app).await);

    // A puller that follows next_after while the pushes commit: if a change could commit with a lower seq
    // after a higher one was visible, it would be skipped for good and the puller would never reach TOTAL.
    let puller = {
        let (app, space) = (app.clone(), space.clone());
        tokio::spawn(async move {
            let mut after = 0;
            let mut seen = Vec::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while seen.len() < TOTAL {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the puller saw {} of {TOTAL}",
                    seen.len()
                );
                let page: PullResponse = get(
                    &app,
                    &space.path(&format!("/changes?after={after}&limit=7")),
                    Some(&space.first.token),
                )
                .await
                .ok();
                after = page.next_after;
                seen.extend(page.changes.into_iter().map(|c| (c.seq, c.id)));
                if !page.more {
                    tokio::task::yield_now().await;
                }
            }
            seen
        })
    };

    let pushers: Vec<_> = (0..TASKS)
        .map(|task| {
            let (app, space) = (app.clone(), space.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for round in 0..PUSHES {
                    let changes: Vec<_> = (0..PER_PUSH)
                        .map(|i| change(&format!("task {task} round {round} change {i}")))
                        .collect();
                    let pushed = push(&app, &space, &space.first.token, &changes).await;
                    let seqs: Vec<u64> = pushed.accepted.iter().map(|a| a.seq).collect();
                    assert!(
                        seqs.windows(2).all(|w| w[1] == w[0] + 1),
                        "one push's changes get consecutive seqs: {seqs:?}"
                    );
                    ids.extend(changes.into_iter().map(|(id, _)| id));
                }
                ids
            })
        })
        .collect();
    let mut pushed = BTreeSet::new();
    for pusher in pushers {
        pushed.extend(pusher.await.expect("pusher"));
    }
    assert_eq!(pushed.len(), TOTAL);

    let seen = puller.await.expect("puller");
    let seqs: Vec<u64> = seen.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=TOTAL as u64).collect::<Vec<_>>(),
        "gapless and in order"
    );
    let ids: BTreeSet<String> = seen.into_iter().map(|(_, id)| id).collect();
    assert_eq!(ids, pushed, "the puller saw every change exactly once");
}

async fn devices_can_be_listed_and_removed_and_a_removed_token_is_refused(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let phone = &space.first.token;
    let laptop: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    get(app, &space.path("/changes"), Some(&laptop.token))
        .await
        .ok::<PullResponse>();

    let removed: Done = delete(
        app,
        &space.path(&format!("/devices/{}", laptop.device_id)),
        Some(phone),
    )
    .await
    .ok();
    assert!(removed.server_time > 0);
    for reply in [
        get(app, &space.path("/changes"), Some(&laptop.token)).await,
        post(
            app,
            &space.path("/changes"),
            Some(&laptop.token),
            &push_body(&[change("x")]),
        )
        .await,
        get(app, &space.path("/devices"), Some(&laptop.token)).await,
    ] {
        reply.error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    delete(
        app,
        &space.path(&format!("/devices/{}", laptop.device_id)),
        Some(phone),
    )
    .await
    .error(StatusCode::NOT_FOUND, "not_found");
    delete(app, &space.path("/devices/not-an-id"), Some(phone))
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    let devices: Devices = get(app, &space.path("/devices"), Some(phone)).await.ok();
    assert_eq!(devices.devices.len(), 1);
    assert!(devices.devices[0].this_device);

    // A device may remove itself; then its own token is refused too.
    delete(
        app,
        &space.path(&format!("/devices/{}", space.first.device_id)),
        Some(phone),
    )
    .await
    .ok::<Done>();
    get(app, &space.path("/devices"), Some(phone))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn a_token_works_only_for_its_own_space(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let mine = create_space(app).await;
    let theirs = create_space(app).await;
    push(app, &theirs, &theirs.first.token, &[change("private")]).await;
    let token = Some(mine.first.token.as_str());
    let passphrase =
        json!({"kdf": kdf(3), "auth_secret": b64(&random_bytes()), "wrapped_key": b64(b"k")});
    for reply in [
        get(app, &theirs.path("/changes"), token).await,
        post(
            app,
            &theirs.path("/changes"),
            token,
            &push_body(&[change("x")]),
        )
        .await,
        get(app, &theirs.path("/devices"), token).await,
        delete(
            app,
            &theirs.path(&format!("/devices/{}", theirs.first.device_id)),
            token,
        )
        .await,
        put(app, &theirs.path("/passphrase"), token, &passphrase).await,
        delete(app, &theirs.path(""), token).await,
    ] {
        reply.error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // Nothing of theirs changed.
    let all = pull_all(app, &theirs, &theirs.first.token, 500).await;
    assert_eq!(all.changes.len(), 1);
    let devices: Devices = get(app, &theirs.path("/devices"), Some(&theirs.first.token))
        .await
        .ok();
    assert_eq!(devices.devices.len(), 1);
    join(app, &theirs, "passphrase", &theirs.passphrase)
        .await
        .into::<Joined>(StatusCode::CREATED);

    // Missing, malformed and forged tokens.
    let (device, _) = mine.first.token.split_once('.').expect("device.secret");
    let forged = format!("{device}.{}", "0".repeat(64));
    for token in [None, Some(""), Some("nonsense"), Some(forged.as_str())] {
        get(app, &mine.path("/changes"), token)
            .await
            .error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let basic = send(app, Method::GET, &mine.path("/changes"), None, None, None).await;
    basic.error(StatusCode::UNAUTHORIZED, "unauthorized");
}

async fn a_passphrase_change_replaces_the_old_one(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let new_secret = b64(&random_bytes());
    let change = json!({
        "kdf": KdfParams { iterations: 3, ..kdf(4) },
        "auth_secret": new_secret,
        "wrapped_key": b64(b"data key under the new passphrase"),
    });
    put(
        app,
        &space.path("/passphrase"),
        Some(&space.first.token),
        &change,
    )
    .await
    .ok::<Done>();

    join(app, &space, "passphrase", &space.passphrase)
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    let joined: Joined = join(app, &space, "passphrase", &new_secret)
        .await
        .into(StatusCode::CREATED);
    assert_eq!(
        joined.wrapped_key,
        b64(b"data key under the new passphrase")
    );
    assert_eq!(
        joined.kdf,
        KdfParams {
            iterations: 3,
            ..kdf(4)
        }
    );
    let info: KdfInfo = get(app, &space.path("/kdf"), None).await.ok();
    assert_eq!(info.kdf, joined.kdf);
    // The recovery code and the existing tokens are unchanged.
    let recovered: Joined = join(app, &space, "recovery_code", &space.recovery)
        .await
        .into(StatusCode::CREATED);
    assert_eq!(
        recovered.wrapped_key,
        b64(b"data key under the recovery code")
    );
    get(app, &space.path("/devices"), Some(&space.first.token))
        .await
        .ok::<Devices>();
}

async fn deleting_a_space_removes_everything(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let laptop: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    push(app, &space, &laptop.token, &[change("x"), change("y")]).await;

    delete(app, &space.path(""), Some(&space.first.token))
        .await
        .ok::<Done>();
    for token in [&space.first.token, &laptop.token] {
        get(app, &space.path("/changes"), Some(token))
            .await
            .error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    get(app, &space.path("/kdf"), None)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    join(app, &space, "passphrase", &space.passphrase)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");

    // The id can be used again, and nothing of the old space comes with it.
    let again: Joined = post(
        app,
        "/spaces",
        None,
        &create_body(&space.id, &space.passphrase, &space.recovery),
    )
    .await
    .into(StatusCode::CREATED);
    let fresh = Space {
        first: again,
        ..space
    };
    assert!(
        pull_all(app, &fresh, &fresh.first.token, 500)
            .await
            .changes
            .is_empty()
    );
    let devices: Devices = get(app, &fresh.path("/devices"), Some(&fresh.first.token))
        .await
        .ok();
    assert_eq!(devices.devices.len(), 1);
    let next = push(app, &fresh, &fresh.first.token, &[change("z")]).await;
    assert_eq!(next.accepted[0].seq, 1, "seqs start again at 1");
}

async fn oversized_requests_are_413_json(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let token = Some(space.first.token.as_str());

    // A push body over the limit, refused before it is parsed.
    let big = vec![b' '; MAX_PUSH_BODY_BYTES + 1];
    send(
        app,
        Method::POST,
        &space.path("/changes"),
        token,
        Some(big),
        None,
    )
    .await
    .error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    // Another endpoint's smaller limit.
    let mut body = create_body(
        &random_id().expect("random"),
        &b64(&[1; 32]),
        &b64(&[2; 32]),
    );
    body["padding"] = json!("x".repeat(MAX_SMALL_BODY_BYTES));
    post(app, "/spaces", None, &body)
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    // One change over its own limit, and too many changes.
    let huge = (
        random_id().expect("random"),
        b64(&vec![7; MAX_CHANGE_BYTES + 1]),
    );
    post(app, &space.path("/changes"), token, &push_body(&[huge]))
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    let many: Vec<_> = (0..=MAX_PUSH_CHANGES).map(|_| change("c")).collect();
    post(app, &space.path("/changes"), token, &push_body(&many))
        .await
        .error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    // The largest allowed change fits, and so do the most changes allowed.
    let largest = (
        random_id().expect("random"),
        b64(&vec![7; MAX_CHANGE_BYTES]),
    );
    push(app, &space, &space.first.token, &[largest]).await;
    let most: Vec<_> = (0..MAX_PUSH_CHANGES).map(|_| change("c")).collect();
    assert_eq!(
        push(app, &space, &space.first.token, &most)
            .await
            .accepted
            .len(),
        MAX_PUSH_CHANGES
    );
    assert_eq!(
        pull_all(app, &space, &space.first.token, 500)
            .await
            .next_after,
        1 + MAX_PUSH_CHANGES as u64
    );
}

async fn bad_requests_are_400_json(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let token = Some(space.first.token.as_str());
    let id = random_id().expect("random");
    let mut cases = vec![
        json!({"not": "a space"}),
        create_body("NOT-AN-ID", &b64(&[1; 32]), &b64(&[2; 32])),
        create_body(&id, "not base64", &b64(&[2; 32])),
        create_body(&id, &b64(&[1; 32]), &b64(&[2; 16])),
    ];
    for name in ["", "   ", &"n".repeat(61), "tab\there"] {
        let mut body = create_body(&id, &b64(&[1; 32]), &b64(&[2; 32]));
        body["device_name"] = json!(name);
        cases.push(body);
    }
    let mut no_key = create_body(&id, &b64(&[1; 32]), &b64(&[2; 32]));
    no_key["wrapped_key"] = json!("");
    cases.push(no_key);
    for body in &cases {
        post(app, "/spaces", None, body)
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
    }
    send(
        app,
        Method::POST,
        "/spaces",
        None,
        Some(b"{not json".to_vec()),
        None,
    )
    .await
    .error(StatusCode::BAD_REQUEST, "bad_request");
    for body in [
        json!({"changes": [{"id": "short", "ciphertext": b64(b"x")}]}),
        json!({"changes": [{"id": id, "ciphertext": "***"}]}),
        json!({"changes": [{"id": id, "ciphertext": ""}]}),
        json!({"changes": "none"}),
    ] {
        post(app, &space.path("/changes"), token, &body)
            .await
            .error(StatusCode::BAD_REQUEST, "bad_request");
    }
    get(app, "/spaces/NOT-AN-ID/changes", token)
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    get(app, "/spaces/NOT-AN-ID/kdf", None)
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    // A known path with a method it does not have.
    send(
        app,
        Method::PATCH,
        &space.path("/changes"),
        token,
        None,
        None,
    )
    .await
    .error(StatusCode::METHOD_NOT_ALLOWED, "bad_request");
    // The name a device is listed by is trimmed.
    let joined: Joined = post(
        app,
        &space.path("/devices"),
        None,
        &join_body("passphrase", &space.passphrase, "  Tablet  "),
    )
    .await
    .into(StatusCode::CREATED);
    let devices: Devices = get(app, &space.path("/devices"), Some(&joined.token))
        .await
        .ok();
    assert!(devices.devices.iter().any(|d| d.name == "Tablet"));
}

async fn receipts_never_go_back_when_the_clock_does(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let device = &space.first.device_id;
    let one = |label: &str| NewChange {
        id: random_id().expect("random"),
        ciphertext: label.as_bytes().to_vec(),
    };
    // An instance whose clock is an hour ahead takes a push ...
    let ahead = waymark_server::sync::now_ms() + 3_600_000;
    let PushOutcome::Stored(first) = api
        .store
        .push(&space.id, device, &[one("a")], ByteLimits::UNLIMITED, ahead)
        .await
        .expect("push")
    else {
        panic!("stored")
    };
    assert_eq!(first[0].received_at, ahead);
    // ... then one whose clock was stepped back a minute ...
    let PushOutcome::Stored(second) = api
        .store
        .push(
            &space.id,
            device,
            &[one("b")],
            ByteLimits::UNLIMITED,
            ahead - 60_000,
        )
        .await
        .expect("push")
    else {
        panic!("stored")
    };
    assert_eq!(second[0].received_at, ahead, "never below the last receipt");
    // ... and through the API (the handler answers the receipt the store assigned, not its own clock).
    let pushed = push(app, &space, &space.first.token, &[change("c")]).await;
    assert_eq!(pushed.accepted[0].received_at, ahead);
    assert_eq!(pushed.accepted[0].seq, 3);
    let all = pull_all(app, &space, &space.first.token, 500).await;
    assert!(all.changes.iter().all(|c| c.received_at == ahead));
    // Once the clock passes it, receipts follow the clock again.
    let PushOutcome::Stored(later) = api
        .store
        .push(
            &space.id,
            device,
            &[one("d")],
            ByteLimits::UNLIMITED,
            ahead + 5,
        )
        .await
        .expect("push")
    else {
        panic!("stored")
    };
    assert_eq!(later[0].received_at, ahead + 5);
}

async fn a_full_space_refuses_pushes_with_413_space_full(backend: Backend) {
    let limits = SpaceLimits {
        max_bytes: 100,
        ..SpaceLimits::default()
    };
    let Some(api) = Api::with_limits(backend, limits).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let token = &space.first.token;
    let sixty = (random_id().expect("random"), b64(&[7; 60]));
    push(app, &space, token, std::slice::from_ref(&sixty)).await;
    let too_much = [change("a"), (random_id().expect("random"), b64(&[8; 60]))];
    post(
        app,
        &space.path("/changes"),
        Some(token),
        &push_body(&too_much),
    )
    .await
    .error(StatusCode::PAYLOAD_TOO_LARGE, "space_full");
    // A retry of a stored change needs no room; exactly up to the quota is fine.
    push(app, &space, token, std::slice::from_ref(&sixty)).await;
    let forty = (random_id().expect("random"), b64(&[9; 40]));
    push(app, &space, token, &[forty, sixty.clone()]).await;
    post(
        app,
        &space.path("/changes"),
        Some(token),
        &push_body(&[change("z")]),
    )
    .await
    .error(StatusCode::PAYLOAD_TOO_LARGE, "space_full");
    let all = pull_all(app, &space, token, 500).await;
    let seqs: Vec<u64> = all.changes.iter().map(|c| c.seq).collect();
    assert_eq!(
        seqs,
        [1, 2],
        "a refused push stores nothing and uses no seq"
    );
    // Another space has its own quota.
    let other = create_space(app).await;
    push(
        app,
        &other,
        &other.first.token,
        &[(random_id().expect("random"), b64(&[1; 100]))],
    )
    .await;
}

async fn the_store_s_byte_cap_refuses_pushes_until_a_space_is_deleted(backend: Backend) {
    // The PostgreSQL tests share one database with every other test running at the same time, so a cap on the whole
    // store cannot be tested there without a database of its own; both stores apply it through the same
    // `push_plan::allocation`, from the store's total, which the SQLite runs check.
    if matches!(backend, Backend::Postgres) {
        return;
    }
    let config = SyncConfig {
        quotas: loose_quotas(),
        server_limits: ServerLimits {
            max_stored_bytes: Some(1000),
            ..ServerLimits::default()
        },
        ..SyncConfig::default()
    };
    let Some(api) = Api::with_config(backend, config).await else {
        return;
    };
    let app = &api.app;
    let sized = |bytes: usize| (random_id().expect("random"), b64(&vec![7; bytes]));
    let (a, b) = (create_space(app).await, create_space(app).await);
    push(app, &a, &a.first.token, &[sized(600)]).await;
    // Space b is far under its own quota, but the store is not.
    post(
        app,
        &b.path("/changes"),
        Some(&b.first.token),
        &push_body(&[sized(500)]),
    )
    .await
    .error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(
        pull_all(app, &b, &b.first.token, 500)
            .await
            .changes
            .is_empty()
    );
    push(app, &b, &b.first.token, &[sized(300)]).await;
    // Deleting a space gives its bytes back.
    delete(app, &a.path(""), Some(&a.first.token))
        .await
        .ok::<Done>();
    push(app, &b, &b.first.token, &[sized(500)]).await;
}

async fn a_space_has_at_most_max_devices(backend: Backend) {
    let limits = SpaceLimits {
        max_devices: 3,
        ..SpaceLimits::default()
    };
    let Some(api) = Api::with_limits(backend, limits).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let mut joined = Vec::new();
    for _ in 0..2 {
        let device: Joined = join(app, &space, "passphrase", &space.passphrase)
            .await
            .into(StatusCode::CREATED);
        joined.push(device);
    }
    join(app, &space, "recovery_code", &space.recovery)
        .await
        .error(StatusCode::CONFLICT, "too_many_devices");
    // A wrong secret is still 401 (the cap says nothing to a guesser).
    join(app, &space, "passphrase", &b64(&random_bytes()))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    delete(
        app,
        &space.path(&format!("/devices/{}", joined[0].device_id)),
        Some(&space.first.token),
    )
    .await
    .ok::<Done>();
    join(app, &space, "passphrase", &space.passphrase)
        .await
        .into::<Joined>(StatusCode::CREATED);
    let devices: Devices = get(app, &space.path("/devices"), Some(&space.first.token))
        .await
        .ok();
    assert_eq!(devices.devices.len(), 3);
}

fn passphrase_change(secret: &str, sign_out: Option<bool>) -> Value {
    let mut body = json!({
        "kdf": KdfParams { iterations: 3, ..kdf(4) },
        "auth_secret": secret,
        "wrapped_key": b64(b"data key under the new passphrase"),
    });
    if let Some(sign_out) = sign_out {
        body["sign_out_other_devices"] = json!(sign_out);
    }
    body
}

async fn a_join_cannot_slip_past_a_passphrase_change(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let old = validate::auth_secret(&space.passphrase).expect("hash");
    put(
        app,
        &space.path("/passphrase"),
        Some(&space.first.token),
        &passphrase_change(&b64(&random_bytes()), None),
    )
    .await
    .ok::<Done>();
    // A join that checked the old passphrase just before the change reaches the insert just after it: the
    // insert's own transaction checks again and refuses.
    let device = NewDevice {
        device_id: random_id().expect("random"),
        token_hash: [0; 32],
        name: "late".into(),
    };
    let proof = JoinProof {
        credential: Credential::Passphrase,
        presented: old,
    };
    let outcome = api
        .store
        .add_device(
            &space.id,
            &device,
            &proof,
            20,
            waymark_server::sync::now_ms(),
        )
        .await
        .expect("add_device");
    assert!(matches!(outcome, JoinOutcome::Unauthorized), "{outcome:?}");

    // Racing for real: joins with the old passphrase alongside a change that signs the others out. Each join
    // either finished before the change (and was signed out by it) or failed, so only the changer is left.
    let space = Arc::new(create_space(app).await);
    let joins: Vec<_> = (0..8)
        .map(|_| {
            let (app, space) = (app.clone(), space.clone());
            tokio::spawn(async move {
                join(&app, &space, "passphrase", &space.passphrase)
                    .await
                    .status
            })
        })
        .collect();
    put(
        app,
        &space.path("/passphrase"),
        Some(&space.first.token),
        &passphrase_change(&b64(&random_bytes()), Some(true)),
    )
    .await
    .ok::<Done>();
    for task in joins {
        let status = task.await.expect("join");
        assert!(
            [StatusCode::CREATED, StatusCode::UNAUTHORIZED].contains(&status),
            "{status}"
        );
    }
    let devices: Devices = get(app, &space.path("/devices"), Some(&space.first.token))
        .await
        .ok();
    let ids: Vec<_> = devices.devices.iter().map(|d| &d.device_id).collect();
    assert_eq!(ids, [&space.first.device_id]);
}

async fn a_passphrase_change_can_sign_out_the_other_devices(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let laptop: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    let tablet: Joined = join(app, &space, "recovery_code", &space.recovery)
        .await
        .into(StatusCode::CREATED);
    // false (or absent) keeps them.
    put(
        app,
        &space.path("/passphrase"),
        Some(&laptop.token),
        &passphrase_change(&b64(&random_bytes()), Some(false)),
    )
    .await
    .ok::<Done>();
    get(app, &space.path("/devices"), Some(&tablet.token))
        .await
        .ok::<Devices>();
    put(
        app,
        &space.path("/passphrase"),
        Some(&laptop.token),
        &passphrase_change(&b64(&random_bytes()), Some(true)),
    )
    .await
    .ok::<Done>();
    for token in [&space.first.token, &tablet.token] {
        get(app, &space.path("/changes"), Some(token))
            .await
            .error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let devices: Devices = get(app, &space.path("/devices"), Some(&laptop.token))
        .await
        .ok();
    assert_eq!(devices.devices.len(), 1);
    assert!(devices.devices[0].this_device);
}

async fn a_push_by_a_device_removed_after_its_token_was_checked_stores_nothing(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let laptop: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    delete(
        app,
        &space.path(&format!("/devices/{}", laptop.device_id)),
        Some(&space.first.token),
    )
    .await
    .ok::<Done>();
    // The push's transaction is what a request whose token check came just before the removal reaches.
    let change = NewChange {
        id: random_id().expect("random"),
        ciphertext: b"late".to_vec(),
    };
    let outcome = api
        .store
        .push(
            &space.id,
            &laptop.device_id,
            &[change],
            ByteLimits::UNLIMITED,
            waymark_server::sync::now_ms(),
        )
        .await
        .expect("push");
    assert_eq!(outcome, PushOutcome::Gone);
    let all = pull_all(app, &space, &space.first.token, 500).await;
    assert!(all.changes.is_empty());
}

async fn a_cursor_beyond_the_last_seq_is_409_cursor_ahead(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let token = &space.first.token;
    // An empty space: 0 is the only valid cursor.
    get(app, &space.path("/changes?after=0"), Some(token))
        .await
        .ok::<PullResponse>();
    get(app, &space.path("/changes?after=1"), Some(token))
        .await
        .error(StatusCode::CONFLICT, "cursor_ahead");
    push(app, &space, token, &[change("a"), change("b")]).await;
    let at_end: PullResponse = get(app, &space.path("/changes?after=2"), Some(token))
        .await
        .ok();
    assert!(at_end.changes.is_empty());
    for after in ["3", "1000", &u64::MAX.to_string()] {
        get(
            app,
            &space.path(&format!("/changes?after={after}")),
            Some(token),
        )
        .await
        .error(StatusCode::CONFLICT, "cursor_ahead");
    }
}

async fn undecodable_paths_are_400_json(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    get(app, "/spaces/%FF/kdf", None)
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
    post(
        app,
        "/spaces/%FF/devices",
        None,
        &join_body("passphrase", &space.passphrase, "x"),
    )
    .await
    .error(StatusCode::BAD_REQUEST, "bad_request");
    delete(app, &space.path("/devices/%FF"), Some(&space.first.token))
        .await
        .error(StatusCode::BAD_REQUEST, "bad_request");
}

async fn rate_limits_answer_429(backend: Backend) {
    // The real quotas, but for pushes and pulls a slow refill (the real one refills every 100 ms, faster than a
    // slow test machine sends 60 requests).
    let quotas = Quotas {
        changes_per_device: quota(60, Duration::from_secs(60)),
        ..Quotas::default()
    };
    let config = SyncConfig {
        quotas,
        ..SyncConfig::default()
    };
    let Some(api) = Api::with_config(backend, config).await else {
        return;
    };
    let app = &api.app;
    let peer = |last: u8| Some(SocketAddr::from(([192, 0, 2, last], 40000)));

    // Creating: 5 at once per address, then 429 with Retry-After; another address is not affected.
    for _ in 0..5 {
        let body = create_body(
            &random_id().expect("random"),
            &b64(&[1; 32]),
            &b64(&[2; 32]),
        );
        let reply = send(
            app,
            Method::POST,
            "/spaces",
            None,
            Some(body.to_string().into_bytes()),
            peer(1),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let body = create_body(
        &random_id().expect("random"),
        &b64(&[1; 32]),
        &b64(&[2; 32]),
    );
    let refused = send(
        app,
        Method::POST,
        "/spaces",
        None,
        Some(body.to_string().into_bytes()),
        peer(1),
    )
    .await;
    refused.error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=120).contains(&wait), "{wait}");
    let other = send(
        app,
        Method::POST,
        "/spaces",
        None,
        Some(body.to_string().into_bytes()),
        peer(2),
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);

    // Joining: 10 failures per space and network, then that network gets 429 even with the right secret, while
    // the owner's network still joins; successes use up nothing.
    let space = create_space(app).await;
    let devices_path = space.path("/devices");
    let join_from = |body: Vec<u8>, from: Option<SocketAddr>| {
        send(app, Method::POST, &devices_path, None, Some(body), from)
    };
    let wrong = join_body("passphrase", &b64(&[0; 32]), "x")
        .to_string()
        .into_bytes();
    let right = join_body("passphrase", &space.passphrase, "x")
        .to_string()
        .into_bytes();
    // An attacker at one address who knows the space id fails 10 times ...
    for _ in 0..10 {
        join_from(wrong.clone(), peer(10))
            .await
            .error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // ... and the owner, at another address, still joins ...
    join_from(right.clone(), peer(11))
        .await
        .into::<Joined>(StatusCode::CREATED);
    // ... while the attacker's network is refused, even with the right secret.
    join_from(right.clone(), peer(10))
        .await
        .error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");

    // Successful joins use no per-space allowance: more than 10 to one space still work (from several addresses,
    // for the per-address limit).
    let other_space = create_space(app).await;
    let right_other = join_body("passphrase", &other_space.passphrase, "x")
        .to_string()
        .into_bytes();
    for i in 0..12 {
        let reply = send(
            app,
            Method::POST,
            &other_space.path("/devices"),
            None,
            Some(right_other.clone()),
            Some(SocketAddr::from(([198, 51, 100, i], 1))),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }

    // A guesser with many networks still meets the per-space backstop: 50 failures, then every join is refused.
    let guessed = create_space(app).await;
    for i in 0..50_u8 {
        let reply = send(
            app,
            Method::POST,
            &guessed.path("/devices"),
            None,
            Some(wrong.clone()),
            Some(SocketAddr::from(([203, 0, 113, i], 1))),
        )
        .await;
        reply.error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let right_guessed = join_body("passphrase", &guessed.passphrase, "x")
        .to_string()
        .into_bytes();
    send(
        app,
        Method::POST,
        &guessed.path("/devices"),
        None,
        Some(right_guessed),
        Some(SocketAddr::from(([203, 0, 113, 200], 1))),
    )
    .await
    .error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");

    // Reading a kdf: 30 at once per address.
    for _ in 0..30 {
        let reply = send(app, Method::GET, &space.path("/kdf"), None, None, peer(3)).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    send(app, Method::GET, &space.path("/kdf"), None, None, peer(3))
        .await
        .error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");

    // Pushes and pulls: 60 at once per device, then 429 with Retry-After; another device is not affected.
    for i in 0..60 {
        if i % 2 == 0 {
            get(app, &space.path("/changes"), Some(&space.first.token))
                .await
                .ok::<PullResponse>();
        } else {
            push(app, &space, &space.first.token, &[change("x")]).await;
        }
    }
    let refused = get(app, &space.path("/changes"), Some(&space.first.token)).await;
    refused.error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    post(
        app,
        &space.path("/changes"),
        Some(&space.first.token),
        &push_body(&[change("y")]),
    )
    .await
    .error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let joined: Joined = join_from(right, peer(12)).await.into(StatusCode::CREATED);
    get(app, &space.path("/changes"), Some(&joined.token))
        .await
        .ok::<PullResponse>();
}

async fn an_unreachable_database_is_503_and_health_says_so(backend: Backend) {
    let Some(api) = Api::new(backend).await else {
        return;
    };
    let app = &api.app;
    let space = create_space(app).await;
    let health = common::get(app, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(&health.body[..], br#"{"status":"ok","database":"ok"}"#);

    api.store.close().await;
    let health = common::get(app, "/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        &health.body[..],
        br#"{"status":"unavailable","database":"unavailable"}"#
    );
    get(app, &space.path("/changes"), Some(&space.first.token))
        .await
        .error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    get(app, &space.path("/kdf"), None)
        .await
        .error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
}

macro_rules! suite {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::Sqlite).await;
                }
            )*
        }
        mod sqlite_file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::SqliteFile).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::Backend::Postgres).await;
                }
            )*
        }
    };
}

suite!(
    create_and_join_with_the_passphrase_and_the_recovery_code,
    a_wrong_secret_is_401_and_changes_nothing,
    weak_kdf_is_refused,
    push_and_pull_page_by_page,
    a_retried_push_returns_the_same_receipts_and_stores_nothing_new,
    concurrent_pushes_get_gapless_seqs_and_a_concurrent_puller_misses_nothing,
    devices_can_be_listed_and_removed_and_a_removed_token_is_refused,
    a_token_works_only_for_its_own_space,
    a_passphrase_change_replaces_the_old_one,
    deleting_a_space_removes_everything,
    oversized_requests_are_413_json,
    bad_requests_are_400_json,
    rate_limits_answer_429,
    an_unreachable_database_is_503_and_health_says_so,
    receipts_never_go_back_when_the_clock_does,
    a_full_space_refuses_pushes_with_413_space_full,
    a_space_has_at_most_max_devices,
    the_store_s_byte_cap_refuses_pushes_until_a_space_is_deleted,
    a_join_cannot_slip_past_a_passphrase_change,
    a_passphrase_change_can_sign_out_the_other_devices,
    a_push_by_a_device_removed_after_its_token_was_checked_stores_nothing,
    a_cursor_beyond_the_last_seq_is_409_cursor_ahead,
    undecodable_paths_are_400_json,
);

/// Two server instances (each with its own pool and rate limits) over one PostgreSQL database, as behind a load
/// balancer: a space made on one is joined on the other, both push at once, and each sees every change once,
/// with gapless seqs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgres() {
    let Some(url) = postgres_url() else { return };
    let instance = || async {
        let store = Store::connect(&Database::Postgres(url.clone()))
            .await
            .expect("connect");
        common::app_with(store, SyncConfig::default())
    };
    let (a, b) = (instance().await, instance().await);
    let space = Arc::new(create_space(&a).await);
    let on_b: Joined = join(&b, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    let tokens = [space.first.token.clone(), on_b.token.clone()];

    let pushers: Vec<_> = (0..6)
        .map(|task| {
            let app = if task % 2 == 0 { a.clone() } else { b.clone() };
            let (space, token) = (space.clone(), tokens[task % 2].clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for round in 0..5 {
                    let changes = [
                        change(&format!("{task}/{round}/0")),
                        change(&format!("{task}/{round}/1")),
                    ];
                    push(&app, &space, &token, &changes).await;
                    ids.extend(changes.into_iter().map(|(id, _)| id));
                }
                ids
            })
        })
        .collect();
    let mut pushed = BTreeSet::new();
    for pusher in pushers {
        pushed.extend(pusher.await.expect("pusher"));
    }
    for (app, token) in [(&a, &tokens[0]), (&b, &tokens[1])] {
        let all = pull_all(app, &space, token, 9).await;
        let seqs: Vec<u64> = all.changes.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (1..=60).collect::<Vec<_>>());
        let ids: BTreeSet<String> = all.changes.into_iter().map(|c| c.id).collect();
        assert_eq!(ids, pushed);
    }
    // A device removed through one instance is refused by the other at once.
    delete(
        &a,
        &space.path(&format!("/devices/{}", on_b.device_id)),
        Some(&tokens[0]),
    )
    .await
    .ok::<Done>();
    get(&b, &space.path("/changes"), Some(&tokens[1]))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
}

// Backend-independent behaviour, over SQLite only.

#[tokio::test]
async fn no_cors_headers_unless_an_origin_is_configured() {
    let api = Api::new(Backend::Sqlite).await.expect("sqlite");
    let preflight = |app: Router| async move {
        let request = Request::builder()
            .method(Method::OPTIONS)
            .uri(format!("{API_PREFIX}/spaces"))
            .header("origin", "https://app.example")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .expect("request");
        app.oneshot(request).await.expect("infallible")
    };
    let closed = preflight(api.app.clone()).await;
    assert!(
        closed
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let config = SyncConfig {
        cors_origin: Some("https://app.example".parse().expect("header")),
        ..SyncConfig::default()
    };
    let open = Api::with_config(Backend::Sqlite, config)
        .await
        .expect("sqlite");
    let allowed = preflight(open.app.clone()).await;
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .expect("ascii");
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    let space = create_space(&open.app).await;
    let request = Request::builder()
        .uri(format!("{API_PREFIX}/spaces/{}/kdf", space.id))
        .header("origin", "https://app.example")
        .body(Body::empty())
        .expect("request");
    let reply = open.app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(
        reply.headers()["access-control-allow-origin"],
        "https://app.example"
    );
}

/// Collects what the server logs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

/// The process-wide log capture. Global rather than per test: tracing caches per call site whether anyone
/// listens, and a thread-local subscriber can miss events while other tests run on other threads. The other
/// tests' lines land here too; the test below looks only for its own values.
fn captured_logs() -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        captured
    })
}

#[tokio::test]
async fn logs_name_devices_and_counts_but_never_secrets_tokens_or_ciphertext() {
    let captured = captured_logs();
    let api = Api::new(Backend::Sqlite).await.expect("sqlite");
    let app = &api.app;
    let space = create_space(app).await;
    let laptop: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    let secret = b64(b"a very private thought, encrypted");
    let changes = [(random_id().expect("random"), secret.clone())];
    push(app, &space, &laptop.token, &changes).await;
    pull_all(app, &space, &space.first.token, 500).await;
    join(app, &space, "passphrase", &b64(&[0; 32]))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");

    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        log.contains(&format!("/spaces/{}…/changes", &space.id[..8])),
        "{log}"
    );
    assert!(
        log.contains(&format!("device={} changes=1", laptop.device_id)),
        "{log}"
    );
    assert!(log.contains("error=unauthorized"), "{log}");
    for never in [
        &space.id,
        &secret,
        &laptop.token,
        &space.first.token,
        &space.passphrase,
        &space.recovery,
        &b64(b"data key under the passphrase"),
    ] {
        assert!(
            !log.contains(never.as_str()),
            "{never} is in the log:\n{log}"
        );
    }
    let (_, token_secret) = laptop.token.split_once('.').expect("token");
    assert!(!log.contains(token_secret));
}

// Hardening (issue 17): limits that run before the work they guard, and deletion that leaves nothing behind.

/// A request body that records whether the server ever asked for its bytes.
struct WatchedBody {
    polled: Arc<std::sync::atomic::AtomicBool>,
    data: Option<axum::body::Bytes>,
}

impl axum::body::HttpBody for WatchedBody {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.polled.store(true, std::sync::atomic::Ordering::SeqCst);
        std::task::Poll::Ready(
            self.data
                .take()
                .map(|data| Ok(http_body::Frame::data(data))),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_push_is_refused_before_its_body_is_read() {
    let config = SyncConfig {
        quotas: Quotas {
            changes_per_device: quota(1, Duration::from_secs(60)),
            ..Quotas::default()
        },
        ..SyncConfig::default()
    };
    let api = Api::with_config(Backend::Sqlite, config)
        .await
        .expect("sqlite");
    let app = &api.app;
    let space = create_space(app).await;
    push(app, &space, &space.first.token, &[change("a")]).await;

    // The device has used its allowance: its next push is 429 whatever the body, which is never read.
    let polled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let body = WatchedBody {
        polled: Arc::clone(&polled),
        data: Some(axum::body::Bytes::from_static(b"{ not JSON")),
    };
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{API_PREFIX}{}", space.path("/changes")))
        .header("authorization", format!("Bearer {}", space.first.token))
        .header("content-type", "application/json")
        .body(Body::new(body))
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        !polled.load(std::sync::atomic::Ordering::SeqCst),
        "the body of a throttled push was read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_wrong_guesses_cannot_race_past_the_join_failure_limit() {
    let config = SyncConfig {
        quotas: Quotas {
            join_failures_per_space: quota(3, Duration::from_secs(60)),
            ..Quotas::default()
        },
        ..SyncConfig::default()
    };
    let api = Api::with_config(Backend::Sqlite, config)
        .await
        .expect("sqlite");
    let app = &api.app;
    let space = create_space(app).await;
    let wrong = join_body("passphrase", &b64(&[0; 32]), "x")
        .to_string()
        .into_bytes();

    // 40 wrong guesses at once, each from its own address: only the space's 3 allowed failures are tried.
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..40_u8 {
        let (app, path, wrong) = (app.clone(), space.path("/devices"), wrong.clone());
        let from = SocketAddr::from(([198, 51, 100, i], 1));
        guesses.spawn(async move {
            send(&app, Method::POST, &path, None, Some(wrong), Some(from))
                .await
                .status
        });
    }
    let mut tried = 0;
    while let Some(status) = guesses.join_next().await {
        match status.expect("task") {
            StatusCode::UNAUTHORIZED => tried += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(tried <= 3, "{tried} wrong guesses were tried");

    // The owner is refused for at most one period, however many guesses came at once.
    let right = join_body("passphrase", &space.passphrase, "x")
        .to_string()
        .into_bytes();
    let owner = SocketAddr::from(([192, 0, 2, 77], 1));
    let refused = send(
        app,
        Method::POST,
        &space.path("/devices"),
        None,
        Some(right),
        Some(owner),
    )
    .await;
    refused.error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(wait <= 60, "locked out for {wait} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_tokens_from_one_address_is_429_after_a_burst() {
    let api = Api::with_config(Backend::Sqlite, SyncConfig::default())
        .await
        .expect("sqlite");
    let app = &api.app;
    let space = create_space(app).await;
    let flooder = Some(SocketAddr::from(([203, 0, 113, 5], 1)));
    let bad_token = format!("{}.{}", space.first.device_id, "ab".repeat(32));
    let mut statuses = Vec::new();
    for _ in 0..600 {
        let reply = send(
            app,
            Method::GET,
            &space.path("/devices"),
            Some(&bad_token),
            None,
            flooder,
        )
        .await;
        statuses.push(reply.status);
    }
    let unauthorized = statuses
        .iter()
        .filter(|status| **status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(unauthorized + refused, 600);
    assert!(unauthorized <= 40, "{unauthorized} bad tokens were checked");

    // The device itself, from its own address, is not affected.
    let own = Some(SocketAddr::from(([192, 0, 2, 9], 1)));
    let reply = send(
        app,
        Method::GET,
        &space.path("/devices"),
        Some(&space.first.token),
        None,
        own,
    )
    .await;
    reply.ok::<Devices>();
}

/// Whether any file in `dir` holds `needle`.
fn files_hold(dir: &std::path::Path, needle: &[u8]) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|entry| {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read file");
            bytes
                .windows(needle.len())
                .any(|window| window == needle)
                .then(|| path.display().to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_space_leaves_no_ciphertext_in_the_database_files() {
    let api = Api::new(Backend::SqliteFile).await.expect("sqlite file");
    let app = &api.app;
    let dir = api._dir.as_ref().expect("a file store").path().to_owned();
    let space = create_space(app).await;
    let marker = random_bytes();
    let sealed: Vec<u8> = marker.iter().copied().cycle().take(3000).collect();
    let changes: Vec<(String, String)> = (0..20)
        .map(|_| (random_id().expect("random"), b64(&sealed)))
        .collect();
    push(app, &space, &space.first.token, &changes).await;
    assert!(
        !files_hold(&dir, &marker).is_empty(),
        "the ciphertext is in the files before the delete"
    );

    delete(app, &space.path(""), Some(&space.first.token))
        .await
        .ok::<Done>();
    let holding = files_hold(&dir, &marker);
    assert!(
        holding.is_empty(),
        "the deleted ciphertext is still in {holding:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_unused_for_longer_than_the_idle_expiry_is_refused() {
    let config = SyncConfig {
        quotas: loose_quotas(),
        token_idle_expiry: Duration::from_millis(300),
        ..SyncConfig::default()
    };
    let api = Api::with_config(Backend::Sqlite, config)
        .await
        .expect("sqlite");
    let app = &api.app;
    let space = create_space(app).await;
    get(app, &space.path("/devices"), Some(&space.first.token))
        .await
        .ok::<Devices>();
    tokio::time::sleep(Duration::from_millis(600)).await;
    get(app, &space.path("/devices"), Some(&space.first.token))
        .await
        .error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Joining again gives a fresh token.
    let again: Joined = join(app, &space, "passphrase", &space.passphrase)
        .await
        .into(StatusCode::CREATED);
    get(app, &space.path("/devices"), Some(&again.token))
        .await
        .ok::<Devices>();
}

/// A request body that says when it is first asked for bytes, then never sends any.
struct StalledBody {
    asked: Arc<tokio::sync::Notify>,
}

impl axum::body::HttpBody for StalledBody {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.asked.notify_one();
        std::task::Poll::Pending
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_bodies_read_at_once_are_bounded_in_bytes() {
    let config = SyncConfig {
        server_limits: ServerLimits {
            push_bytes_in_flight: u32::try_from(MAX_PUSH_BODY_BYTES).expect("u32"),
            ..ServerLimits::default()
        },
        ..SyncConfig::default()
    };
    let api = Api::with_config(Backend::Sqlite, config)
        .await
        .expect("sqlite");
    let app = &api.app;
    let space = create_space(app).await;

    // One device's push body trickles in (here: never), taking all the room ...
    let asked = Arc::new(tokio::sync::Notify::new());
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{API_PREFIX}{}", space.path("/changes")))
        .header("authorization", format!("Bearer {}", space.first.token))
        .header("content-type", "application/json")
        .body(Body::new(StalledBody {
            asked: Arc::clone(&asked),
        }))
        .expect("request");
    let stalled = tokio::spawn(app.clone().oneshot(request));
    asked.notified().await;

    // ... so another push is 503 with Retry-After, before its body is read ...
    let refused = post(
        app,
        &space.path("/changes"),
        Some(&space.first.token),
        &push_body(&[change("a")]),
    )
    .await;
    refused.error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(refused.headers.contains_key("retry-after"));

    // ... until the first is done (here: its connection dropped).
    stalled.abort();
    let _ = stalled.await;
    push(app, &space, &space.first.token, &[change("b")]).await;
}
