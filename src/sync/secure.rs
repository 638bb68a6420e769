//! Everything sync needs from cryptography, in the terms the runner and screens use: new spaces, joining, a new
//! passphrase, sealing and opening changes. The primitives are `crate::browser::crypto` (WebCrypto) and
//! `waymark_core::sync::keys` (Argon2id, the recovery code's secrets).

use crate::browser::crypto::{self, CryptoError, DataKey};
use waymark_core::sync::change::Change;
use waymark_core::sync::codes::RecoveryCode;
use waymark_core::sync::keys::{self, Secrets};
use waymark_core::sync::protocol::{
    ChangePassphrase, CreateSpace, Credential, Id, KdfParams, PulledChange, PushChange,
    id_from_random_bytes,
};

/// Why keys could not be made or used, in the terms the screens explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyProblem {
    /// The browser has no WebCrypto (or refused it).
    NoCrypto,
    /// The passphrase or recovery code does not open the key.
    WrongSecret,
    /// The server's passphrase settings are weaker than Waymark accepts, or broken.
    WeakSettings,
    /// Anything else (out of memory while stretching, most likely).
    Failed(String),
}

impl From<CryptoError> for KeyProblem {
    fn from(error: CryptoError) -> Self {
        match error {
            CryptoError::Unavailable => KeyProblem::NoCrypto,
            CryptoError::WrongSecret | CryptoError::Tampered => KeyProblem::WrongSecret,
            CryptoError::WeakSettings => KeyProblem::WeakSettings,
            CryptoError::Failed(reason) => KeyProblem::Failed(reason),
        }
    }
}

/// Stretches a passphrase (Argon2id; blocks for a moment, after letting the page show "Working…").
pub async fn passphrase_secrets(passphrase: &str, kdf: &KdfParams) -> Result<Secrets, KeyProblem> {
    Ok(crypto::stretch_passphrase(passphrase, kdf).await?)
}

/// The secrets a recovery code gives for one space.
pub fn recovery_secrets(code: &RecoveryCode, space: &Id) -> Secrets {
    keys::recovery_secrets(code, space)
}

/// A new space, ready to send, with the data key and the recovery code to show once.
pub struct NewSpace {
    pub request: CreateSpace,
    pub key: DataKey,
    pub recovery: RecoveryCode,
}

/// Makes everything a new space needs: its id, a data key, the passphrase's settings (fresh salt) and secrets, a
/// recovery code and its secrets, and the data key wrapped under each.
pub async fn new_space(passphrase: &str, device_name: String) -> Result<NewSpace, KeyProblem> {
    let space_id = id_from_random_bytes(crypto::random_bytes::<16>()?);
    let kdf = crypto::new_kdf_params()?;
    let secrets = passphrase_secrets(passphrase, &kdf).await?;
    let recovery = crypto::new_recovery_code()?;
    let recovery_secrets = keys::recovery_secrets(&recovery, &space_id);
    let key = DataKey::generate().await?;
    let wrapped_key = crypto::wrap(&key, &secrets, &space_id, Credential::Passphrase).await?;
    let recovery_wrapped_key =
        crypto::wrap(&key, &recovery_secrets, &space_id, Credential::RecoveryCode).await?;
    Ok(NewSpace {
        request: CreateSpace {
            space_id,
            kdf,
            auth_secret: secrets.auth_secret_b64(),
            wrapped_key,
            recovery_auth_secret: recovery_secrets.auth_secret_b64(),
            recovery_wrapped_key,
            device_name,
        },
        key,
        recovery,
    })
}

/// A new passphrase for a space: fresh settings and salt, the data key wrapped under it.
pub async fn new_passphrase(
    passphrase: &str,
    data_key: &str,
    space: &Id,
) -> Result<ChangePassphrase, KeyProblem> {
    let key = DataKey::from_base64(data_key).await?;
    let kdf = crypto::new_kdf_params()?;
    let secrets = passphrase_secrets(passphrase, &kdf).await?;
    let wrapped_key = crypto::wrap(&key, &secrets, space, Credential::Passphrase).await?;
    Ok(ChangePassphrase {
        kdf,
        auth_secret: secrets.auth_secret_b64(),
        wrapped_key,
        // Other devices keep syncing with their own tokens; the screen does not offer signing them out (yet).
        sign_out_other_devices: false,
    })
}

/// Opens the data key the server sent back on joining.
pub async fn unwrap_key(
    wrapped: &str,
    secrets: &Secrets,
    space: &Id,
    credential: Credential,
) -> Result<DataKey, KeyProblem> {
    Ok(crypto::unwrap(wrapped, secrets, space, credential).await?)
}

/// The data key from the membership.
pub async fn data_key(base64: &str) -> Result<DataKey, KeyProblem> {
    Ok(DataKey::from_base64(base64).await?)
}

/// Encrypts one change for the server.
pub async fn seal(key: &DataKey, space: &Id, change: &Change) -> Result<PushChange, KeyProblem> {
    let plaintext = serde_json::to_vec(change).map_err(|e| KeyProblem::Failed(e.to_string()))?;
    let ciphertext = crypto::seal(key, space, &change.id, &plaintext).await?;
    Ok(PushChange {
        id: change.id.clone(),
        ciphertext,
    })
}

/// Decrypts and reads one pulled change. `Ok(None)` when it cannot be opened or read (tampered, another key,
/// garbled, or not a change), so it is quarantined; `Err` when the browser itself failed (the change may be fine:
/// the cycle stops and the page is pulled again later, rather than keeping a good change aside for ever).
pub async fn open(
    key: &DataKey,
    space: &Id,
    pulled: &PulledChange,
) -> Result<Option<Change>, KeyProblem> {
    let plaintext = match crypto::open(key, space, &pulled.id, &pulled.ciphertext).await {
        Ok(plaintext) => plaintext,
        Err(CryptoError::Tampered) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    let Ok(change) = serde_json::from_slice::<Change>(&plaintext) else {
        return Ok(None);
    };
    // A change must be what it says it is: the id it was stored under is also inside the ciphertext.
    Ok((change.id == pulled.id).then_some(change))
}
