//! Serving the built app: file lookup, the SPA fallback, negotiation and conditional GETs.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;

use crate::caching;
use crate::request_path::{self, PathError};
use crate::responses;
use crate::static_assets::{Asset, StaticAssets};

/// The fallback handler: every request no other route claimed.
///
/// - `GET`/`HEAD` of a file serves it (`/` is `index.html`).
/// - A path whose last segment has no extension and is not a file is a client-side route
///   (`/mood`, `/plan/steps/abc`): `index.html`, so deep links work.
/// - Any other missing path (it has an extension) is a 404, never `index.html`, so a stale
///   hashed script never gets HTML back.
/// - Other methods get 405; dot segments, backslashes and NULs get 400.
pub async fn serve(
    State(assets): State<StaticAssets>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let head = method == Method::HEAD;
    if method != Method::GET && !head {
        let mut response = responses::text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let key = match request_path::normalise(uri.path()) {
        Ok(key) => key,
        Err(PathError::Traversal | PathError::BadEncoding) => {
            return responses::text(StatusCode::BAD_REQUEST, "Bad request\n");
        }
    };
    let asset = if key.is_empty() {
        assets.index()
    } else if let Some(asset) = assets.get(&key) {
        asset
    } else if !request_path::has_extension(&key) {
        assets.index()
    } else {
        return responses::text(StatusCode::NOT_FOUND, "Not found\n");
    };
    file_response(asset, &headers, head)
}

/// The response for one file, negotiated against the request headers.
pub fn file_response(asset: &Asset, request: &HeaderMap, head: bool) -> Response {
    let accept_encoding = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok());
    let (coding, representation) = asset.negotiate(accept_encoding);

    let not_modified = request.get(header::IF_NONE_MATCH).is_some_and(|value| {
        caching::if_none_match_matches(value.as_bytes(), representation.etag().as_bytes())
    });
    let body = if not_modified || head {
        Body::empty()
    } else {
        Body::from(representation.body().clone())
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    // Sent with a 304 too (RFC 9110 §15.4.5): the validators and caching metadata.
    headers.insert(header::ETAG, representation.etag().clone());
    headers.insert(header::CACHE_CONTROL, asset.cache_control().clone());
    if asset.has_variants() {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if not_modified {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    headers.insert(header::CONTENT_TYPE, asset.content_type().clone());
    if let Some(encoding) = coding.header_value() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    // Set explicitly so a HEAD response reports the length a GET would send.
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(representation.body().len()),
    );
    response
}
