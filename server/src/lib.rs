//! `waymark-server`: serves the built Waymark PWA (Trunk's `dist/`) from memory.
//!
//! Every file is loaded and precompressed once at startup ([`StaticAssets`]); requests only
//! look things up. [`router`] builds the whole HTTP surface:
//!
//! - `GET`/`HEAD` of a file, with brotli/gzip negotiation, strong ETags and 304s, immutable
//!   caching for Trunk's content-hashed names and `no-cache` for the rest;
//! - the SPA fallback: extension-less paths that are not files get `index.html`;
//! - `/api/…`, reserved for the sync API (JSON 404s for now), and `GET /healthz`;
//! - security headers, including a CSP that allows exactly `index.html`'s inline scripts,
//!   on every response;
//! - one log line per request.
//!
//! The binary (`src/main.rs`) parses [`config`], loads the assets, binds, prints
//! `Waymark is running at http://HOST:PORT/` and runs [`server::serve`] until SIGINT/SIGTERM.

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

use axum::Router;
use axum::extract::FromRef;
use axum::middleware;
use axum::routing::get;

pub use config::{Command, Config, ConfigError};
pub use headers::SecurityHeaders;
pub use static_assets::{Asset, LoadError, StaticAssets};

/// State shared by every handler. The sync API will add its own fields here.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The built app.
    pub assets: StaticAssets,
}

impl FromRef<AppState> for StaticAssets {
    fn from_ref(state: &AppState) -> Self {
        state.assets.clone()
    }
}

/// The complete router for a loaded build. New routes (the sync API) belong inside this
/// function — in [`api::routes`] — so that they get the security headers and logging too.
pub fn router(assets: StaticAssets) -> Router {
    let security = SecurityHeaders::new(assets.content_security_policy().clone());
    Router::new()
        .route("/healthz", get(health::healthz))
        .merge(api::routes())
        .fallback(static_files::serve)
        .with_state(AppState { assets })
        .layer(middleware::map_response_with_state(
            security,
            headers::add_security_headers,
        ))
        .layer(middleware::from_fn(logging::log_request))
}
