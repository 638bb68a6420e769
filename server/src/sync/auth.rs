//! [`Authed`]: the device a request's token belongs to, checked against the space in its path.

use axum::extract::{FromRef, FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use waymark_core::sync::protocol::Id;

use super::error::ApiError;
use super::secrets;
use super::store::SyncStore as _;
use super::validate;
use super::{SyncApi, now_ms};

/// A request from a current device of the space in its path (`Authorization: Bearer <token>`).
///
/// Refused with 401 `unauthorized` when the header is missing or malformed, when the token names a device the
/// space does not have (another space's device, or a removed one), or when its secret does not match. Each refusal
/// counts against the client address ([`Quotas::auth_failures_per_ip`](super::rate_limit::Quotas)); an address
/// that has used those up is 429 `too_many_requests` before its token is even looked up. A token whose device has
/// not pushed or pulled for [`SyncConfig::token_idle_expiry`](super::SyncConfig) has expired (401 too).
#[derive(Debug, Clone)]
pub struct Authed {
    pub space_id: Id,
    pub device_id: Id,
}

impl<S> FromRequestParts<S> for Authed
where
    SyncApi: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    /// A refused token is counted against the client address, which is 429 once it has too many (before its
    /// token is looked up).
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let api = SyncApi::from_ref(state);
        let address = api
            .limits
            .check_token_address(parts, api.config.behind_proxy)?;
        let authed = device_of(parts, state, &api).await;
        if matches!(&authed, Err(refused) if refused.status == StatusCode::UNAUTHORIZED) {
            api.limits.token_refused(address);
        }
        authed
    }
}

/// The device whose token the request carries, if it is a current device of the space in the path.
async fn device_of<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    api: &SyncApi,
) -> Result<Authed, ApiError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError::bad_request("The path is not valid."))?;
    let space_id = params
        .iter()
        .find_map(|(name, value)| (name == "space").then(|| value.to_owned()))
        .unwrap_or_default();
    validate::id(&space_id)?;

    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(ApiError::unauthorized)?;
    let (device_id, presented) =
        secrets::parse_token(token.trim()).ok_or_else(ApiError::unauthorized)?;
    let stored = api
        .store
        .device_token(&space_id, device_id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    if !secrets::same_hash(&presented, &stored.hash) {
        return Err(ApiError::unauthorized());
    }
    let idle_ms = i64::try_from(api.config.token_idle_expiry.as_millis()).unwrap_or(i64::MAX);
    if now_ms().saturating_sub(stored.last_seen_at) > idle_ms {
        tracing::info!(
            device = device_id,
            "token refused: unused for longer than the idle expiry"
        );
        return Err(ApiError::unauthorized());
    }
    Ok(Authed {
        space_id,
        device_id: device_id.to_owned(),
    })
}
