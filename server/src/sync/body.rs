//! [`JsonBody`]: axum's JSON extractor with the sync API's own error answers.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
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
