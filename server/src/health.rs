//! `GET /healthz`: a liveness probe for whatever runs the server.

use axum::http::StatusCode;
use axum::response::Response;

use crate::responses;

/// Always `200 {"status":"ok"}`: if the process can answer, it is serving from memory.
pub async fn healthz() -> Response {
    responses::json(StatusCode::OK, r#"{"status":"ok"}"#)
}
