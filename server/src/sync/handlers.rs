//! One handler per endpoint of the protocol's table. Each checks what it was sent ([`validate`]), asks the store,
//! and answers with the protocol's type (always with `server_time`) or an [`ApiError`].
//!
//! Each answer carries a [`LogNote`] for its request's log line: the acting device's id and counts, never a
//! secret, token or ciphertext (the logged path already shows the space id, shortened).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use waymark_core::sync::protocol::{
    Accepted, ChangePassphrase, CreateSpace, Credential, DeviceInfo, Devices, Done, JoinSpace,
    Joined, KdfInfo, MAX_CHANGE_BYTES, MAX_PULL_LIMIT, MAX_PUSH_CHANGES, PullResponse,
    PulledChange, PushRequest, PushResponse,
};

use super::auth::Authed;
use super::body::{JsonBody, PathParams};
use super::error::ApiError;
use super::rate_limit::{CreateAllowed, DeviceAllowed, JoinAllowed, KdfAllowed, PushBodyRoom};
use super::store::{
    ByteLimits, JoinOutcome, JoinProof, NewChange, NewDevice, NewSpace, Outcome, PullOutcome,
    PushOutcome, SpaceSecrets, SyncStore as _,
};
use super::{SyncApi, now_ms, secrets, validate};
use crate::caching;
use crate::logging::LogNote;

type Answer = Result<Response, ApiError>;

/// A JSON answer that is never cached, with its log note.
fn reply<T: Serialize>(status: StatusCode, body: &T, note: String) -> Answer {
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(caching::NO_STORE),
    );
    response.extensions_mut().insert(LogNote(note));
    Ok(response)
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A new device's id and token (the token's text goes to the device once; only its hash is stored).
fn new_device(name: String) -> Result<(NewDevice, String), ApiError> {
    let random = |_| {
        tracing::error!("the OS random source failed");
        ApiError::unavailable()
    };
    let device_id = secrets::random_id().map_err(random)?;
    let token = secrets::new_token(&device_id).map_err(random)?;
    let device = NewDevice {
        device_id,
        token_hash: token.hash,
        name,
    };
    Ok((device, token.text))
}

/// A seq as the protocol's `u64` (stored seqs start at 1).
fn seq(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// `POST /spaces`: the first device creates a space (201 [`Joined`]).
pub async fn create_space(
    State(api): State<SyncApi>,
    _: CreateAllowed,
    JsonBody(request): JsonBody<CreateSpace>,
) -> Answer {
    validate::id(&request.space_id)?;
    let kdf = validate::kdf(&request.kdf)?;
    let space = NewSpace {
        space_id: request.space_id,
        secrets: SpaceSecrets {
            passphrase_hash: validate::auth_secret(&request.auth_secret)?,
            wrapped_key: validate::wrapped_key(&request.wrapped_key)?,
            recovery_hash: validate::auth_secret(&request.recovery_auth_secret)?,
            recovery_wrapped_key: validate::wrapped_key(&request.recovery_wrapped_key)?,
            kdf,
        },
    };
    let (device, token) = new_device(validate::device_name(&request.device_name)?)?;
    let now = now_ms();
    match api.store.create_space(&space, &device, now).await? {
        Outcome::Done => {}
        Outcome::Taken => return Err(ApiError::conflict()),
        Outcome::Missing => return Err(ApiError::unavailable()),
    }
    let note = format!("device={}", device.device_id);
    let joined = Joined {
        device_id: device.device_id,
        token,
        wrapped_key: base64(&space.secrets.wrapped_key),
        kdf: space.secrets.kdf.to_protocol(),
        server_time: now,
    };
    reply(StatusCode::CREATED, &joined, note)
}

/// `GET /spaces/{space}/kdf`: what a joining device needs to stretch the passphrase.
pub async fn kdf(
    State(api): State<SyncApi>,
    _: KdfAllowed,
    PathParams(space_id): PathParams<String>,
) -> Answer {
    validate::id(&space_id)?;
    let secrets = api
        .store
        .space_secrets(&space_id)
        .await?
        .ok_or(ApiError::not_found("There is no such space."))?;
    let info = KdfInfo {
        kdf: secrets.kdf.to_protocol(),
        server_time: now_ms(),
    };
    reply(StatusCode::OK, &info, String::new())
}

/// `POST /spaces/{space}/devices`: another device joins with the passphrase or the recovery code (201
/// [`Joined`]); a wrong secret is 401 and changes nothing (but counts against the join limits); a space with its
/// maximum of devices is 409 `too_many_devices`.
///
/// The secret is checked in the transaction that inserts the device, so a join with the old passphrase that
/// overlaps a passphrase change either finishes before the change or fails.
pub async fn join(
    State(api): State<SyncApi>,
    allowed: JoinAllowed,
    PathParams(space_id): PathParams<String>,
    JsonBody(request): JsonBody<JoinSpace>,
) -> Answer {
    validate::id(&space_id)?;
    let presented = validate::auth_secret(&request.auth_secret)?;
    let name = validate::device_name(&request.device_name)?;
    let proof = JoinProof {
        credential: request.credential,
        presented,
    };
    let (device, token) = new_device(name)?;
    let now = now_ms();
    let space = match api
        .store
        .add_device(
            &space_id,
            &device,
            &proof,
            api.config.limits.max_devices,
            now,
        )
        .await?
    {
        JoinOutcome::Joined(space) => space,
        JoinOutcome::Missing => return Err(ApiError::not_found("There is no such space.")),
        JoinOutcome::Unauthorized => {
            allowed.failed();
            return Err(ApiError::unauthorized());
        }
        JoinOutcome::TooManyDevices => return Err(ApiError::too_many_devices()),
    };
    let wrapped_key = match request.credential {
        Credential::Passphrase => &space.wrapped_key,
        Credential::RecoveryCode => &space.recovery_wrapped_key,
    };
    let note = format!(
        "device={} credential={:?}",
        device.device_id, request.credential
    );
    let joined = Joined {
        device_id: device.device_id,
        token,
        wrapped_key: base64(wrapped_key),
        kdf: space.kdf.to_protocol(),
        server_time: now,
    };
    reply(StatusCode::CREATED, &joined, note)
}

/// `GET /spaces/{space}/devices`.
pub async fn devices(State(api): State<SyncApi>, authed: Authed) -> Answer {
    let rows = api.store.devices(&authed.space_id).await?;
    let note = format!("device={} devices={}", authed.device_id, rows.len());
    let devices = Devices {
        devices: rows
            .into_iter()
            .map(|row| DeviceInfo {
                this_device: row.device_id == authed.device_id,
                device_id: row.device_id,
                name: row.name,
                joined_at: row.joined_at,
                last_seen_at: row.last_seen_at,
            })
            .collect(),
        server_time: now_ms(),
    };
    reply(StatusCode::OK, &devices, note)
}

/// `DELETE /spaces/{space}/devices/{device}`: any device of the space may remove any device, itself included;
/// the removed device's token stops working at once.
pub async fn remove_device(
    State(api): State<SyncApi>,
    authed: Authed,
    PathParams((_, device_id)): PathParams<(String, String)>,
) -> Answer {
    validate::id(&device_id)?;
    match api
        .store
        .remove_device(&authed.space_id, &device_id)
        .await?
    {
        Outcome::Done => {}
        Outcome::Missing | Outcome::Taken => {
            return Err(ApiError::not_found("The space has no such device."));
        }
    }
    let note = format!("device={} removed={device_id}", authed.device_id);
    reply(
        StatusCode::OK,
        &Done {
            server_time: now_ms(),
        },
        note,
    )
}

/// `POST /spaces/{space}/changes`: stores new changes and answers a receipt for each, in the order sent. A change
/// id the space has seen before gets its first receipt again and stores nothing, so a retry is always safe.
///
/// New changes' `received_at` never goes below the space's last one (whatever this instance's clock says); a push
/// whose new changes would take the space over its byte quota is 413 `space_full` and stores nothing.
pub async fn push(
    State(api): State<SyncApi>,
    DeviceAllowed(authed): DeviceAllowed,
    _room: PushBodyRoom,
    JsonBody(request): JsonBody<PushRequest>,
) -> Answer {
    if request.changes.len() > MAX_PUSH_CHANGES {
        return Err(ApiError::too_large(
            "A push carries more changes than allowed.",
        ));
    }
    let changes = request
        .changes
        .into_iter()
        .map(|change| {
            validate::id(&change.id)?;
            Ok(NewChange {
                ciphertext: validate::ciphertext(&change.ciphertext, MAX_CHANGE_BYTES)?,
                id: change.id,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let now = now_ms();
    // A space deleted, or a device removed, since the token was checked: the token is no longer good.
    let receipts = match api
        .store
        .push(
            &authed.space_id,
            &authed.device_id,
            &changes,
            ByteLimits {
                space: api.config.limits.max_bytes,
                stored: api.config.server_limits.max_stored_bytes,
            },
            now,
        )
        .await?
    {
        PushOutcome::Stored(receipts) => receipts,
        PushOutcome::Gone => return Err(ApiError::unauthorized()),
        PushOutcome::Full => return Err(ApiError::space_full()),
        PushOutcome::StoreFull => {
            tracing::warn!("push refused: the store is at its byte cap (--max-stored-bytes)");
            return Err(ApiError::unavailable());
        }
    };
    let note = format!("device={} changes={}", authed.device_id, changes.len());
    let accepted = changes
        .into_iter()
        .zip(receipts)
        .map(|(change, receipt)| Accepted {
            id: change.id,
            seq: seq(receipt.seq),
            received_at: receipt.received_at,
        })
        .collect();
    reply(
        StatusCode::OK,
        &PushResponse {
            accepted,
            server_time: now,
        },
        note,
    )
}

/// The query of a pull.
#[derive(Debug, Deserialize)]
pub struct PullQuery {
    /// Changes with a seq above this (default 0: from the start).
    after: Option<u64>,
    /// At most this many (default and cap [`MAX_PULL_LIMIT`]).
    limit: Option<u32>,
}

/// `GET /spaces/{space}/changes?after=N&limit=M`: changes with `seq > after`, oldest first; 409 `cursor_ahead`
/// when `after` is beyond the space's last seq.
pub async fn pull(
    State(api): State<SyncApi>,
    DeviceAllowed(authed): DeviceAllowed,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Answer {
    let Query(query) = query.map_err(|_| {
        ApiError::bad_request("after and limit must be whole numbers (limit at least 1).")
    })?;
    let after = query.after.unwrap_or(0);
    let limit = query.limit.unwrap_or(MAX_PULL_LIMIT).min(MAX_PULL_LIMIT);
    if limit == 0 {
        return Err(ApiError::bad_request(
            "after and limit must be whole numbers (limit at least 1).",
        ));
    }
    let now = now_ms();
    let (changes, more) = match api
        .store
        .pull(
            &authed.space_id,
            &authed.device_id,
            i64::try_from(after).unwrap_or(i64::MAX),
            limit,
            now,
        )
        .await?
    {
        PullOutcome::Changes(changes, more) => (changes, more),
        PullOutcome::CursorAhead => return Err(ApiError::cursor_ahead()),
        PullOutcome::Gone => return Err(ApiError::unauthorized()),
    };
    let next_after = changes.last().map_or(after, |change| seq(change.seq));
    let note = format!(
        "device={} after={after} changes={} more={more}",
        authed.device_id,
        changes.len()
    );
    let changes = changes
        .into_iter()
        .map(|change| PulledChange {
            id: change.id,
            seq: seq(change.seq),
            received_at: change.received_at,
            device_id: change.device_id,
            ciphertext: base64(&change.ciphertext),
        })
        .collect();
    reply(
        StatusCode::OK,
        &PullResponse {
            changes,
            next_after,
            more,
            server_time: now,
        },
        note,
    )
}

/// `PUT /spaces/{space}/passphrase`: replaces the passphrase's kdf, hash and wrapped key. The old passphrase stops
/// working; the recovery code is unchanged. Other devices keep their tokens unless `sign_out_other_devices` is
/// set, which removes them in the same transaction.
pub async fn change_passphrase(
    State(api): State<SyncApi>,
    authed: Authed,
    JsonBody(request): JsonBody<ChangePassphrase>,
) -> Answer {
    let kdf = validate::kdf(&request.kdf)?;
    let hash = validate::auth_secret(&request.auth_secret)?;
    let wrapped_key = validate::wrapped_key(&request.wrapped_key)?;
    match api
        .store
        .change_passphrase(
            &authed.space_id,
            &kdf,
            &hash,
            &wrapped_key,
            request
                .sign_out_other_devices
                .then_some(authed.device_id.as_str()),
        )
        .await?
    {
        Outcome::Done => {}
        Outcome::Missing | Outcome::Taken => return Err(ApiError::unauthorized()),
    }
    let note = format!(
        "device={} sign_out_others={}",
        authed.device_id, request.sign_out_other_devices
    );
    reply(
        StatusCode::OK,
        &Done {
            server_time: now_ms(),
        },
        note,
    )
}

/// `DELETE /spaces/{space}`: deletes the space with every device and change; every token stops working.
pub async fn delete_space(State(api): State<SyncApi>, authed: Authed) -> Answer {
    api.store.delete_space(&authed.space_id).await?;
    let note = format!("device={}", authed.device_id);
    reply(
        StatusCode::OK,
        &Done {
            server_time: now_ms(),
        },
        note,
    )
}
