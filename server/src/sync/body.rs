//! [`JsonBody`] and [`PathParams`]: axum's JSON and path extractors with the sync API's own error answers.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request body. A body over the route's limit is 413 `too_large`; anything else wrong is 400
/// `bad_request`, with a fixed message (serde's would echo parts of the body, which may hold secrets).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(reject(&rejection)),
        }
    }
}

fn reject(rejection: &JsonRejection) -> ApiError {
    match rejection {
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::too_large("The request body is larger than this endpoint accepts.")
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::bad_request("The request body must be JSON (Content-Type: application/json).")
        }
        _ => ApiError::bad_request("The request body is not the JSON this endpoint expects."),
    }
}

/// Path parameters. A path that does not decode (bad percent-encoding, not UTF-8) is 400 `bad_request` as JSON,
/// not axum's plain-text rejection.
#[derive(Debug)]
pub struct PathParams<T>(pub T);

impl<S, T> FromRequestParts<S> for PathParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|_| ApiError::bad_request("The path is not valid."))
    }
}
