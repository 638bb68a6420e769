//! `waymark-server`: serves the built Waymark PWA (Trunk's `dist/`) from memory.
//!
//! Every file is loaded and precompressed once at startup ([`StaticAssets`]); requests only
//! look things up. [`router`] builds the whole HTTP surface:
//!
//! - `GET`/`HEAD` of a file, with brotli/gzip negotiation, strong ETags and 304s, immutable
//!   caching for Trunk's content-hashed names and `no-cache` for the rest;
//! - the SPA fallback: extension-less paths that are not files get `index.html`;
//! - the end-to-end-encrypted sync API under `/api/sync/v1` ([`sync`]), over SQLite or PostgreSQL;
//! - JSON 404s for every other path under `/api`, and `GET /healthz` (which also asks the database);
//! - security headers, including a CSP that allows exactly `index.html`'s inline scripts,
//!   on every response;
//! - one log line per request.
//!
//! The binary (`src/main.rs`) parses [`config`], loads the assets, opens the sync store (migrating it), binds,
//! prints `Waymark is running at http://HOST:PORT/` and runs [`server::serve`] until SIGINT/SIGTERM.

pub mod api;
pub mod caching;
pub mod config;
pub mod csp;
pub mod encoding;
pub mod headers;
pub mod health;
pub mod logging;
pub mod mime;
pub mod request_path;
mod responses;
pub mod server;
pub mod static_assets;
pub mod static_files;
pub mod sync;

use axum::Router;
use axum::extract::FromRef;
use axum::middleware;
use axum::routing::get;

pub use config::{Command, Config, ConfigError};
pub use headers::SecurityHeaders;
pub use static_assets::{Asset, LoadError, StaticAssets};
pub use sync::{SyncApi, SyncConfig};

/// State shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The built app.
    pub assets: StaticAssets,
    /// The sync API's store and rate limits.
    pub sync: SyncApi,
}

impl FromRef<AppState> for StaticAssets {
    fn from_ref(state: &AppState) -> Self {
        state.assets.clone()
    }
}

impl FromRef<AppState> for SyncApi {
    fn from_ref(state: &AppState) -> Self {
        state.sync.clone()
    }
}

/// The complete router for a loaded build and a sync store. New routes belong inside this
/// function, so that they get the security headers and logging too.
pub fn router(assets: StaticAssets, sync: SyncApi) -> Router {
    let security = SecurityHeaders::new(assets.content_security_policy().clone());
    Router::new()
        .route("/healthz", get(health::healthz))
        .merge(sync::routes(&sync.config))
        .merge(api::routes())
        .fallback(static_files::serve)
        .with_state(AppState { assets, sync })
        .layer(middleware::map_response_with_state(
            security,
            headers::add_security_headers,
        ))
        .layer(middleware::from_fn(logging::log_request))
}
