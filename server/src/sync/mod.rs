//! The sync API under [`API_PREFIX`]: end-to-end-encrypted sync between one person's devices.
//!
//! The wire contract is `waymark_core::sync::protocol` (its module doc has the endpoint table). The server holds
//! only what that contract lets it see: random ids, key-derivation parameters, SHA-256 hashes of auth secrets
//! and tokens, wrapped keys it cannot unwrap, and ciphertext. There are no accounts: a device proves it knows the
//! passphrase (or recovery code) once, by a secret derived from it, and then uses its own revocable token.
//!
//! - [`store`]: the [`SyncStore`](store::SyncStore) trait, SQLite and PostgreSQL.
//! - [`handlers`]: one function per endpoint.
//! - [`auth`]: device tokens on requests; [`secrets`]: ids, tokens and hashes.
//! - [`validate`]: checks on everything a device sends; [`body`]: the JSON body extractor.
//! - [`rate_limit`]: per-address and per-space limits on the endpoints that need no token, per-device limits on
//!   pushes and pulls (checked before the body is read), per-address limits on refused tokens; [`SpaceLimits`]:
//!   the bytes and devices a space may have; [`ServerLimits`]: the push bytes read at once.
//! - [`error`]: the JSON error answers.
//!
//! Every sync route also gets: a body limit ([`MAX_PUSH_BODY_BYTES`] for pushes, [`MAX_SMALL_BODY_BYTES`] for the
//! rest), a [`REQUEST_TIMEOUT`], `Cache-Control: no-store`, and no CORS headers unless an origin is configured
//! (the app is served from the same origin, so it needs none).

pub mod auth;
pub mod body;
pub mod error;
pub mod handlers;
pub mod rate_limit;
pub mod secrets;
pub mod store;
pub mod validate;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{delete, get, post, put};
use tokio::sync::Semaphore;
use tower_http::cors::CorsLayer;
use waymark_core::sync::protocol::{API_PREFIX, MAX_PUSH_BODY_BYTES, MAX_SMALL_BODY_BYTES};

use self::error::ApiError;
use self::rate_limit::{Quotas, RateLimits};
use self::store::Store;

/// The longest a sync request may take, body upload included; then it is answered 503 `unavailable` (and a
/// database transaction it had open is rolled back).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How the sync API behaves (apart from where its store is). The default: no CORS, the TCP peer
/// as the client address, [`Quotas::default`], the default limits, tokens expiring after a year unused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncConfig {
    /// An origin (`https://app.example`) allowed to call the API from a browser; `None` sends no CORS headers.
    pub cors_origin: Option<HeaderValue>,
    /// Whether the client address for rate limits comes from `X-Forwarded-For` (only behind a proxy that sets it).
    pub behind_proxy: bool,
    /// The rate limits.
    pub quotas: Quotas,
    /// The size limits of a space.
    pub limits: SpaceLimits,
    /// The limits of the whole server.
    pub server_limits: ServerLimits,
    /// A device's token expires when the device has not pushed or pulled for this long (it joins again with the
    /// passphrase or the recovery code).
    pub token_idle_expiry: Duration,
}

/// [`SyncConfig::token_idle_expiry`] unless configured: a year.
pub const DEFAULT_TOKEN_IDLE_EXPIRY: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// How much the whole server takes on at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// The push bodies being read at once may add up to at most this many bytes. A push reserves its
    /// `Content-Length` (or, without one, [`MAX_PUSH_BODY_BYTES`]) before its body is read; one that does not fit
    /// is 503 `unavailable` with `Retry-After`.
    pub push_bytes_in_flight: u32,
    /// The ciphertext every space together may hold; a push that would go over is 503 `unavailable` (and logged),
    /// storing nothing. `None`: no cap but the disk (each push then reads no total).
    pub max_stored_bytes: Option<u64>,
}

impl Default for ServerLimits {
    /// Sixteen largest pushes at once: 64 MiB of bodies, whatever the number of devices pushing; no storage cap.
    fn default() -> Self {
        Self {
            push_bytes_in_flight: 16 * MAX_PUSH_BODY_BYTES_U32,
            max_stored_bytes: None,
        }
    }
}

/// [`MAX_PUSH_BODY_BYTES`] as a semaphore counts it.
const MAX_PUSH_BODY_BYTES_U32: u32 = MAX_PUSH_BODY_BYTES as u32;

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            cors_origin: None,
            behind_proxy: false,
            quotas: Quotas::default(),
            limits: SpaceLimits::default(),
            server_limits: ServerLimits::default(),
            token_idle_expiry: DEFAULT_TOKEN_IDLE_EXPIRY,
        }
    }
}

/// How much one space may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpaceLimits {
    /// The total ciphertext a space may store; a push that would go over is 413 `space_full`.
    pub max_bytes: u64,
    /// The devices a space may have at once; a join beyond is 409 `too_many_devices`.
    pub max_devices: u32,
}

impl Default for SpaceLimits {
    /// Far more than one person's journal needs (changes are small text), and a handful of devices.
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            max_devices: 20,
        }
    }
}

/// The sync API's shared state: the store and this instance's rate limiters. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SyncApi {
    pub store: Store,
    pub config: Arc<SyncConfig>,
    limits: Arc<RateLimits>,
    /// Bytes of push bodies that may still be read at once ([`ServerLimits::push_bytes_in_flight`]).
    push_room: Arc<Semaphore>,
}

impl SyncApi {
    pub fn new(store: Store, config: SyncConfig) -> Self {
        Self {
            store,
            limits: Arc::new(RateLimits::new(&config.quotas)),
            push_room: Arc::new(Semaphore::new(
                config.server_limits.push_bytes_in_flight as usize,
            )),
            config: Arc::new(config),
        }
    }
}

/// The sync routes (to be merged into the app's router, whose state gives a [`SyncApi`]).
pub fn routes<S>(config: &SyncConfig) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    SyncApi: axum::extract::FromRef<S>,
{
    let small = Router::new()
        .route("/spaces", post(handlers::create_space))
        .route("/spaces/{space}", delete(handlers::delete_space))
        .route("/spaces/{space}/kdf", get(handlers::kdf))
        .route(
            "/spaces/{space}/devices",
            post(handlers::join).get(handlers::devices),
        )
        .route(
            "/spaces/{space}/devices/{device}",
            delete(handlers::remove_device),
        )
        .route(
            "/spaces/{space}/passphrase",
            put(handlers::change_passphrase),
        )
        .layer(DefaultBodyLimit::max(MAX_SMALL_BODY_BYTES));
    let changes = Router::new()
        .route(
            "/spaces/{space}/changes",
            post(handlers::push).get(handlers::pull),
        )
        .layer(DefaultBodyLimit::max(MAX_PUSH_BODY_BYTES));
    let mut api = Router::new()
        .nest(API_PREFIX, small.merge(changes))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(time_limit));
    if let Some(origin) = &config.cors_origin {
        api = api.layer(
            CorsLayer::new()
                .allow_origin(origin.clone())
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
                .max_age(Duration::from_secs(3600)),
        );
    }
    api
}

/// Answers 503 `unavailable` if the request is not done within [`REQUEST_TIMEOUT`].
async fn time_limit(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout = ?REQUEST_TIMEOUT, "sync request timed out");
            ApiError::unavailable().into_response()
        }
    }
}

/// A known sync path with a method it does not have.
async fn method_not_allowed() -> Response {
    let mut error = ApiError::bad_request("This method is not allowed here.");
    error.status = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    error.into_response()
}

/// The server's time: milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::StatusCode;
    use tower::ServiceExt as _;

    #[tokio::test(start_paused = true)]
    async fn a_request_that_takes_too_long_is_503_unavailable() {
        let app: Router = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(REQUEST_TIMEOUT * 2).await;
                    "late"
                }),
            )
            .route("/quick", get(|| async { "soon" }))
            .layer(middleware::from_fn(time_limit));
        let request = |path: &str| {
            Request::builder()
                .uri(path)
                .body(Body::empty())
                .expect("request")
        };

        let slow = app
            .clone()
            .oneshot(request("/slow"))
            .await
            .expect("infallible");
        assert_eq!(slow.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = axum::body::to_bytes(slow.into_body(), usize::MAX)
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(body["error"], "unavailable");

        let quick = app.oneshot(request("/quick")).await.expect("infallible");
        assert_eq!(quick.status(), StatusCode::OK);
    }
}
