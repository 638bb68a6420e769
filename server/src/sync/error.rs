//! The sync API's error answers: a status and an [`ErrorBody`] with one of the protocol's stable codes.
//!
//! Messages are fixed sentences, never echoes of the request: an echoed value could be a secret, and the answer
//! is also what a person may paste into a bug report.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use waymark_core::sync::protocol::ErrorBody;

use super::store::StoreError;
use crate::caching;
use crate::logging::LogNote;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
    /// For 429: how long until a retry can succeed.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    const fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self {
            status,
            code,
            message,
            retry_after: None,
        }
    }

    /// 400 `bad_request`.
    pub const fn bad_request(message: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401 `unauthorized`: one answer for every failed proof (wrong secret; missing, malformed, removed or another
    /// space's token), so an answer tells an attacker nothing about which it was.
    pub const fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "The credentials were not accepted.",
        )
    }

    /// 404 `not_found`.
    pub const fn not_found(message: &'static str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409 `conflict`: the space id is taken.
    pub const fn conflict() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "conflict",
            "A space with this id already exists.",
        )
    }

    /// 409 `too_many_devices`: the space has its maximum number of devices.
    pub const fn too_many_devices() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "too_many_devices",
            "The space has as many devices as it may; remove one first.",
        )
    }

    /// 409 `cursor_ahead`: a pull's `after` is beyond the space's last change (start again from 0).
    pub const fn cursor_ahead() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "cursor_ahead",
            "The cursor is beyond the last change; pull again from 0.",
        )
    }

    /// 413 `space_full`: the space's stored changes are at its quota.
    pub const fn space_full() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "space_full",
            "The space holds as much as it may; nothing was stored.",
        )
    }

    /// 413 `too_large`.
    pub const fn too_large(message: &'static str) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", message)
    }

    /// 429 `too_many_requests`, with `Retry-After`.
    pub const fn too_many_requests(retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many attempts; try again later.",
            )
        }
    }

    /// 400 `weak_kdf`: the key-derivation parameters are below the minimum.
    pub const fn weak_kdf() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "weak_kdf",
            "The key-derivation parameters are weaker than the minimum.",
        )
    }

    /// 503 `unavailable`: the server cannot answer now (database down or slow); retrying later may work.
    pub const fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The sync service is unavailable; try again later.",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        // sqlx and rusqlite errors never include bound values, so this logs no payload or hash.
        tracing::error!(error = %err, "sync store failed");
        Self::unavailable()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message.to_owned(),
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(caching::NO_STORE),
        );
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up, at least 1.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
            .extensions_mut()
            .insert(LogNote(format!("error={}", self.code)));
        response
    }
}
