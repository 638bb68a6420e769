//! The sync server's HTTP API (`/api/sync/v1/…`, see `waymark_core::sync::protocol`), with every failure turned into
//! an [`ApiError`] the app can put into plain words.

use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use waymark_core::sync::protocol::{
    API_PREFIX, ChangePassphrase, CreateSpace, Devices, Done, ErrorBody, Id, JoinSpace, Joined,
    KdfInfo, PullResponse, PushRequest, PushResponse,
};

/// How long one request may take before it counts as "could not connect" (so nothing waits forever).
const TIMEOUT_MS: i32 = 30_000;

/// Why a request did not succeed, in the terms the app acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: offline, the server is down, or the request timed out.
    Offline,
    /// 401: a wrong passphrase or recovery code, or a device token the server no longer accepts.
    Unauthorized,
    /// 404: no such space (a wrong sync code, or the space was deleted).
    NotFound,
    /// 409: the space id is taken.
    Conflict,
    /// 409 `cursor_ahead`: this device has pulled past the server's last change (the server was restored from an
    /// older backup). Pulling again from the start is safe: applying a change twice changes nothing.
    CursorAhead,
    /// 409 `too_many_devices`: the space has as many devices as the server allows.
    TooManyDevices,
    /// 413 `space_full`: the server holds as much for this space as it allows.
    SpaceFull,
    /// 413: the request was larger than the server takes.
    TooLarge,
    /// 429: too many requests or tries; wait and try again.
    TooManyRequests,
    /// The server refused key-derivation parameters as too weak.
    WeakKdf,
    /// 5xx: the server has a problem.
    Unavailable,
    /// Any other refusal (a bug on one side), with the server's words for the console.
    Refused(u16, String),
    /// The answer could not be read.
    BadAnswer,
}

/// Answers that carry the server's clock.
pub trait ServerTime {
    fn server_time(&self) -> i64;
}

macro_rules! server_time {
    ($($t:ty),*) => {$(
        impl ServerTime for $t {
            fn server_time(&self) -> i64 {
                self.server_time
            }
        }
    )*};
}
server_time!(Joined, KdfInfo, Devices, Done, PushResponse, PullResponse);

/// Maps an HTTP status and error body to an [`ApiError`].
pub fn error_for(status: u16, body: Option<&ErrorBody>) -> ApiError {
    let code = body.map(|b| b.error.as_str()).unwrap_or_default();
    match (status, code) {
        (_, "weak_kdf") => ApiError::WeakKdf,
        (_, "cursor_ahead") => ApiError::CursorAhead,
        (_, "too_many_devices") => ApiError::TooManyDevices,
        (_, "space_full") => ApiError::SpaceFull,
        (401, _) | (_, "unauthorized") => ApiError::Unauthorized,
        (404, _) | (_, "not_found") => ApiError::NotFound,
        (409, _) | (_, "conflict") => ApiError::Conflict,
        (413, _) | (_, "too_large") => ApiError::TooLarge,
        (429, _) | (_, "too_many_requests") => ApiError::TooManyRequests,
        (500..=599, _) | (_, "unavailable") => ApiError::Unavailable,
        _ => ApiError::Refused(status, body.map(|b| b.message.clone()).unwrap_or_default()),
    }
}

fn path(rest: &str) -> String {
    format!("{API_PREFIX}{rest}")
}

/// `POST /spaces`.
pub async fn create_space(body: &CreateSpace) -> Result<Joined, ApiError> {
    call("POST", &path("/spaces"), None, Some(body)).await
}

/// `GET /spaces/{space}/kdf`.
pub async fn kdf(space: &Id) -> Result<KdfInfo, ApiError> {
    call::<_, ()>("GET", &path(&format!("/spaces/{space}/kdf")), None, None).await
}

/// `POST /spaces/{space}/devices`.
pub async fn join(space: &Id, body: &JoinSpace) -> Result<Joined, ApiError> {
    call(
        "POST",
        &path(&format!("/spaces/{space}/devices")),
        None,
        Some(body),
    )
    .await
}

/// A device's way in: its space and bearer token.
#[derive(Clone, Debug)]
pub struct Auth {
    pub space: Id,
    pub token: String,
}

impl Auth {
    /// `GET /spaces/{space}/devices`.
    pub async fn devices(&self) -> Result<Devices, ApiError> {
        self.call::<_, ()>("GET", "/devices", None).await
    }

    /// `DELETE /spaces/{space}/devices/{device}`.
    pub async fn remove_device(&self, device: &Id) -> Result<Done, ApiError> {
        self.call::<_, ()>("DELETE", &format!("/devices/{device}"), None)
            .await
    }

    /// `POST /spaces/{space}/changes`.
    pub async fn push(&self, body: &PushRequest) -> Result<PushResponse, ApiError> {
        self.call("POST", "/changes", Some(body)).await
    }

    /// `GET /spaces/{space}/changes?after=N&limit=M`.
    pub async fn pull(&self, after: u64, limit: u32) -> Result<PullResponse, ApiError> {
        self.call::<_, ()>(
            "GET",
            &format!("/changes?after={after}&limit={limit}"),
            None,
        )
        .await
    }

    /// `PUT /spaces/{space}/passphrase`.
    pub async fn change_passphrase(&self, body: &ChangePassphrase) -> Result<Done, ApiError> {
        self.call("PUT", "/passphrase", Some(body)).await
    }

    /// `DELETE /spaces/{space}`.
    pub async fn delete_space(&self) -> Result<Done, ApiError> {
        self.call::<_, ()>("DELETE", "", None).await
    }

    async fn call<T: DeserializeOwned, B: Serialize>(
        &self,
        method: &str,
        rest: &str,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        let url = path(&format!("/spaces/{}{rest}", self.space));
        call(method, &url, Some(&self.token), body).await
    }
}

/// One request: JSON in and out, never cached, given up after [`TIMEOUT_MS`].
async fn call<T: DeserializeOwned, B: Serialize>(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&B>,
) -> Result<T, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Offline)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_cache(web_sys::RequestCache::NoStore);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Offline)?;
    let _ = headers.append("Accept", "application/json");
    if let Some(token) = token {
        let _ = headers.append("Authorization", &format!("Bearer {token}"));
    }
    if let Some(body) = body {
        let text = serde_json::to_string(body).map_err(|_| ApiError::BadAnswer)?;
        let _ = headers.append("Content-Type", "application/json");
        init.set_body(&wasm_bindgen::JsValue::from_str(&text));
    }
    init.set_headers(&headers);
    // A request that hangs (a captive portal, a dying connection) is given up, so the status never sticks.
    let controller = web_sys::AbortController::new().ok();
    let timer = controller.as_ref().and_then(|controller| {
        init.set_signal(Some(&controller.signal()));
        let controller = controller.clone();
        leptos::prelude::set_timeout_with_handle(
            move || controller.abort(),
            std::time::Duration::from_millis(TIMEOUT_MS as u64),
        )
        .ok()
    });
    let result = async {
        let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(|_| ApiError::Offline)?;
        let response: web_sys::Response = response.dyn_into().map_err(|_| ApiError::BadAnswer)?;
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .map_err(|_| ApiError::Offline)?
                .as_string()
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        let status = response.status();
        if (200..300).contains(&status) {
            serde_json::from_str(&text).map_err(|_| ApiError::BadAnswer)
        } else {
            let body = serde_json::from_str::<ErrorBody>(&text).ok();
            Err(error_for(status, body.as_ref()))
        }
    }
    .await;
    if let Some(timer) = timer {
        timer.clear();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str) -> ErrorBody {
        ErrorBody {
            error: code.into(),
            message: "words".into(),
        }
    }

    #[test]
    fn statuses_and_codes_map_to_what_the_app_acts_on() {
        assert_eq!(
            error_for(401, Some(&body("unauthorized"))),
            ApiError::Unauthorized
        );
        assert_eq!(error_for(401, None), ApiError::Unauthorized);
        assert_eq!(error_for(404, None), ApiError::NotFound);
        assert_eq!(error_for(429, None), ApiError::TooManyRequests);
        assert_eq!(error_for(503, None), ApiError::Unavailable);
        assert_eq!(error_for(502, None), ApiError::Unavailable);
        assert_eq!(error_for(400, Some(&body("weak_kdf"))), ApiError::WeakKdf);
        assert_eq!(error_for(413, None), ApiError::TooLarge);
        assert_eq!(
            error_for(400, Some(&body("bad_request"))),
            ApiError::Refused(400, "words".into())
        );
    }
}
