//! `GET /healthz`: a readiness probe for whatever runs the server (and a load balancer in front of several).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::responses;
use crate::sync::SyncApi;
use crate::sync::store::SyncStore as _;

/// How long the database gets to answer the probe.
pub const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

/// `200 {"status":"ok","database":"ok"}` when the sync store's database answers within [`DATABASE_TIMEOUT`];
/// otherwise `503 {"status":"unavailable","database":"unavailable"}`, so a load balancer sends sync traffic to
/// another instance (the app itself is served from memory either way).
pub async fn healthz(State(sync): State<SyncApi>) -> Response {
    match tokio::time::timeout(DATABASE_TIMEOUT, sync.store.ping()).await {
        Ok(Ok(())) => responses::json(StatusCode::OK, r#"{"status":"ok","database":"ok"}"#),
        outcome => {
            match outcome {
                Ok(Err(err)) => tracing::warn!(error = %err, "health check: the database failed"),
                _ => tracing::warn!("health check: the database did not answer in time"),
            }
            responses::json(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"unavailable","database":"unavailable"}"#,
            )
        }
    }
}
