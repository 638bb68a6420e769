//! What the sync screens do, step by step: set up, join, change the passphrase, leave, delete the server copy.
//! Each returns plain words for the person, tied to the field they are about where there is one.

use super::client::{self, ApiError, Auth};
use super::rules::Problem;
use super::secure::{self, KeyProblem};
use super::{SyncRunner, engine};
use crate::browser::clock;
use leptos::prelude::GetUntracked;
use waymark_core::sync::codes::{RecoveryCode, SyncCode};
use waymark_core::sync::engine::Membership;
use waymark_core::sync::protocol::{Credential, JoinSpace, KdfParams};
use waymark_core::{StoreError, Timestamp};

const OFFLINE: &str =
    "Waymark could not connect to the sync server. Check that you are online, then try again.";
const SERVER: &str =
    "The sync server has a problem right now. Nothing was changed. Please try again later.";
const TOO_MANY: &str =
    "There have been too many tries in a short time. Wait a few minutes, then try again.";
const NO_CRYPTO: &str = "This browser cannot do the encryption that sync needs. Try an up-to-date browser, such as \
     Chrome, Safari, Firefox or Edge.";
const WEAK: &str = "The sync server asked for weaker protection for your passphrase than Waymark allows, so Waymark \
     stopped. Nothing was changed.";
const TOO_MANY_DEVICES: &str = "This sync already has as many devices as the sync server allows. Remove a device \
     you no longer use (on a device that is syncing), then try again.";
const NO_SPACE_FOR_CODE: &str = "No sync was found for this code. Check the code and try again.";

/// Plain words for a failed request that has no field to belong to.
pub fn api_words(error: &ApiError) -> String {
    match error {
        ApiError::Offline => OFFLINE.into(),
        ApiError::TooManyRequests => TOO_MANY.into(),
        ApiError::WeakKdf => WEAK.into(),
        ApiError::TooManyDevices => TOO_MANY_DEVICES.into(),
        ApiError::Unauthorized | ApiError::NotFound => {
            let problem = Problem::from_api(error);
            format!("{} {}", problem.headline(), problem.what_to_do())
        }
        _ => SERVER.into(),
    }
}

fn key_words(problem: &KeyProblem) -> String {
    match problem {
        KeyProblem::NoCrypto => NO_CRYPTO.into(),
        KeyProblem::WeakSettings => WEAK.into(),
        KeyProblem::WrongSecret => {
            "Your data key could not be opened. Nothing was changed. Please try again.".into()
        }
        KeyProblem::Failed(_) => {
            "Something went wrong while protecting your data. Nothing was changed. Closing \
             other apps and trying again may help."
                .into()
        }
    }
}

fn store_words(error: &StoreError) -> String {
    match error {
        StoreError::QuotaExceeded => {
            "This device's storage is full, so sync could not be turned on. Nothing was \
             changed. Free up some space, then try again."
                .into()
        }
        other => format!("Sync could not be turned on: {other} Nothing was changed."),
    }
}

fn membership(
    space_id: String,
    joined: &waymark_core::sync::protocol::Joined,
    device_name: String,
    data_key: String,
    now: Timestamp,
) -> Membership {
    Membership {
        space_id,
        device_id: joined.device_id.clone(),
        device_name,
        token: joined.token.clone(),
        data_key,
        cursor: 0,
        clock_offset_ms: joined.server_time - now.0,
        last_synced: None,
    }
}

/// Sets up sync on the first device: makes the space, sends it, and starts syncing everything on this device.
/// Returns the recovery code to show once.
pub async fn set_up(
    runner: SyncRunner,
    device_name: String,
    passphrase: String,
) -> Result<RecoveryCode, String> {
    let new = secure::new_space(&passphrase, device_name.clone())
        .await
        .map_err(|p| key_words(&p))?;
    let space_id = new.request.space_id.clone();
    let joined = client::create_space(&new.request)
        .await
        .map_err(|e| api_words(&e))?;
    let now = clock::now();
    let membership = membership(
        space_id.clone(),
        &joined,
        device_name,
        new.key.to_base64(),
        now,
    );
    if let Err(error) = engine().join(membership, now) {
        // Nothing half-done: the space goes from the server, and sync's keys from here.
        let auth = Auth {
            space: space_id,
            token: joined.token.clone(),
        };
        let _ = auth.delete_space().await;
        let _ = runner.leave_locally(true);
        return Err(store_words(&error));
    }
    runner.refresh();
    runner.sync_now();
    Ok(new.recovery)
}

/// What the person proves they know, to join.
pub enum Secret {
    Passphrase(String),
    RecoveryCode(String),
}

/// Why joining did not work, tied to the field it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    Code(String),
    Secret(String),
    Other(String),
}

/// Whether the server's passphrase settings are safe to use (a server cannot make the passphrase easy to guess).
fn acceptable(kdf: &KdfParams) -> bool {
    kdf.strong_enough() && super::rules::decoded_len(&kdf.salt) >= KdfParams::MIN_SALT_BYTES
}

/// Joins a space from another device: checks the code and the secret with the server, opens the data key, and
/// starts syncing. Nothing is stored unless everything worked.
pub async fn join(
    runner: SyncRunner,
    code: &str,
    secret: Secret,
    device_name: String,
) -> Result<(), JoinError> {
    let space = SyncCode::parse(code)
        .map_err(|e| JoinError::Code(e.to_string()))?
        .space_id();
    let passphrase = matches!(secret, Secret::Passphrase(_));
    let (credential, secrets) = match secret {
        Secret::Passphrase(passphrase) => {
            if passphrase.trim().is_empty() {
                return Err(JoinError::Secret("Write your passphrase.".into()));
            }
            let info = client::kdf(&space).await.map_err(|e| match e {
                ApiError::NotFound => JoinError::Code(NO_SPACE_FOR_CODE.into()),
                other => JoinError::Other(api_words(&other)),
            })?;
            if !acceptable(&info.kdf) {
                return Err(JoinError::Other(WEAK.into()));
            }
            let secrets = secure::passphrase_secrets(&passphrase, &info.kdf)
                .await
                .map_err(|p| JoinError::Other(key_words(&p)))?;
            (Credential::Passphrase, secrets)
        }
        Secret::RecoveryCode(text) => {
            let recovery =
                RecoveryCode::parse(&text).map_err(|e| JoinError::Secret(e.to_string()))?;
            (
                Credential::RecoveryCode,
                secure::recovery_secrets(&recovery, &space),
            )
        }
    };
    let wrong = || {
        JoinError::Secret(if passphrase {
            "That passphrase is not right. Check it and try again. Capital letters and spaces matter.".into()
        } else {
            "That recovery code is not right for this sync code. Check both and try again.".into()
        })
    };
    let request = JoinSpace {
        credential,
        auth_secret: secrets.auth_secret_b64(),
        device_name: device_name.clone(),
    };
    let joined = client::join(&space, &request).await.map_err(|e| match e {
        ApiError::Unauthorized => wrong(),
        ApiError::NotFound => JoinError::Code(NO_SPACE_FOR_CODE.into()),
        other => JoinError::Other(api_words(&other)),
    })?;
    let auth = Auth {
        space: space.clone(),
        token: joined.token.clone(),
    };
    let key = match secure::unwrap_key(&joined.wrapped_key, &secrets, &space, credential).await {
        Ok(key) => key,
        Err(problem) => {
            // The server let this device in, but the key does not open: take the device out again.
            let _ = auth.remove_device(&joined.device_id).await;
            return Err(match problem {
                KeyProblem::WrongSecret => wrong(),
                other => JoinError::Other(key_words(&other)),
            });
        }
    };
    let now = clock::now();
    let membership = membership(space, &joined, device_name, key.to_base64(), now);
    if let Err(error) = engine().join(membership, now) {
        let _ = auth.remove_device(&joined.device_id).await;
        let _ = runner.leave_locally(true);
        return Err(JoinError::Other(store_words(&error)));
    }
    runner.refresh();
    runner.sync_now();
    Ok(())
}

fn auth_of(runner: &SyncRunner) -> Option<(Auth, Membership)> {
    runner.membership.get_untracked().map(|m| {
        (
            Auth {
                space: m.space_id.clone(),
                token: m.token.clone(),
            },
            m,
        )
    })
}

/// Sets a new passphrase (the data key and the other devices stay as they are).
pub async fn change_passphrase(runner: SyncRunner, passphrase: String) -> Result<String, String> {
    let (auth, membership) = auth_of(&runner).ok_or("Sync is off on this device.")?;
    let body = secure::new_passphrase(&passphrase, &membership.data_key, &membership.space_id)
        .await
        .map_err(|p| key_words(&p))?;
    auth.change_passphrase(&body)
        .await
        .map_err(|e| api_words(&e))?;
    Ok("Your passphrase has been changed. Use the new one when you add a device. Your other devices keep \
        syncing, and your recovery code still works."
        .into())
}

/// Stops syncing on this device: tells the server (when it can), then removes sync's keys. Records stay.
pub async fn leave(runner: SyncRunner) -> Result<String, String> {
    let Some((auth, membership)) = auth_of(&runner) else {
        return Ok("Sync is off on this device.".into());
    };
    let told = auth.remove_device(&membership.device_id).await;
    runner
        .leave_locally(told == Err(ApiError::NotFound))
        .map_err(|e| format!("Sync could not be turned off: {e} Please try again."))?;
    Ok(match told {
        Ok(_) | Err(ApiError::Unauthorized) | Err(ApiError::NotFound) => {
            "Sync is now off on this device. Your data is still here.".into()
        }
        Err(_) => "Sync is now off on this device. Your data is still here. Waymark could not reach the sync \
             server, so your other devices may still list this one: you can remove it there."
            .into(),
    })
}

/// Deletes the encrypted copy from the server (every device stops syncing), then stops syncing here.
pub async fn delete_server_copy(runner: SyncRunner) -> Result<String, String> {
    let (auth, _) = auth_of(&runner).ok_or("Sync is off on this device.")?;
    match auth.delete_space().await {
        Ok(_) | Err(ApiError::NotFound) => {}
        Err(ApiError::Unauthorized) => {
            return Err("This device is no longer part of sync, so it cannot delete the copy on the server. \
                 Use a device that still syncs."
                .into());
        }
        Err(other) => return Err(api_words(&other)),
    }
    runner.leave_locally(true).map_err(|e| {
        format!(
            "Your data was deleted from the sync server, but sync could not be turned off here: {e}"
        )
    })?;
    Ok("Your data has been deleted from the sync server, and sync is off. Your data is still on this device. \
        Your other devices keep their own copies."
        .into())
}
