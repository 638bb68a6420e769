//! Small helpers for the server's own (non-file) responses.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::caching;

/// A JSON response from a static body; never cached.
pub fn json(status: StatusCode, body: &'static str) -> Response {
    with_body(status, "application/json", body)
}

/// A short plain-text response (errors); never cached.
pub fn text(status: StatusCode, body: &'static str) -> Response {
    with_body(status, "text/plain; charset=utf-8", body)
}

fn with_body(status: StatusCode, content_type: &'static str, body: &'static str) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(caching::NO_STORE),
    );
    response
}
