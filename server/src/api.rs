//! `/api/…`: every path under `/api` that is not a sync route ([`crate::sync`]) answers
//! `404 {"error":"not_found"}` for any method, so an API client never mistakes the app shell
//! (the SPA fallback) for an answer.

use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::any;

use crate::AppState;
use crate::responses;

/// The routes under `/api`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api", any(not_found))
        .route("/api/", any(not_found))
        .route("/api/{*rest}", any(not_found))
}

/// The JSON 404 for unknown API paths.
pub async fn not_found() -> Response {
    responses::json(StatusCode::NOT_FOUND, r#"{"error":"not_found"}"#)
}
