//! Sync's encryption in the browser: AES-256-GCM through WebCrypto, in the formats of
//! [`waymark_core::sync::keys`], and the secure random source.
//!
//! WebCrypto exists only in a secure context (https, or localhost); elsewhere everything here answers
//! [`CryptoError::Unavailable`]. Keys imported into WebCrypto are not extractable; the data key's raw bytes are
//! kept beside its `CryptoKey` only so the app can store it with the sync membership.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use waymark_core::sync::codes::RecoveryCode;
use waymark_core::sync::keys::{self, KEY_BYTES, KeyError, NONCE_BYTES, SALT_BYTES, Secrets};
use waymark_core::sync::protocol::{Credential, KdfParams};
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

/// Why encrypting, decrypting or deriving a key did not work.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// No WebCrypto: the page is not on a secure (https) connection, or the browser is too old.
    #[error(
        "This browser cannot encrypt here. Sync needs the app opened over a secure (https) connection in an up-to-date browser."
    )]
    Unavailable,
    /// The passphrase or recovery code does not unlock the data key.
    #[error("That passphrase or recovery code is not the right one.")]
    WrongSecret,
    /// A ciphertext was damaged or changed (or is in a format this version does not know).
    #[error("Some synced data could not be read: it was damaged or changed on the way.")]
    Tampered,
    /// The server's passphrase settings are weaker than Waymark accepts (or malformed).
    #[error(
        "The sync server asked for weaker passphrase protection than Waymark accepts, so nothing was sent."
    )]
    WeakSettings,
    /// Anything else the browser reported.
    #[error("Encryption did not work: {0}")]
    Failed(String),
}

/// WebCrypto's AES-GCM algorithm name.
const AES_GCM: &str = "AES-GCM";

/// WebCrypto, or [`CryptoError::Unavailable`].
fn subtle() -> Result<SubtleCrypto, CryptoError> {
    let window = web_sys::window().ok_or(CryptoError::Unavailable)?;
    if !window.is_secure_context() {
        return Err(CryptoError::Unavailable);
    }
    let crypto = window.crypto().map_err(|_| CryptoError::Unavailable)?;
    let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .map_err(|_| CryptoError::Unavailable)?;
    if subtle.is_undefined() || subtle.is_null() {
        return Err(CryptoError::Unavailable);
    }
    Ok(subtle.unchecked_into())
}

/// Fills `buffer` from the browser's secure random source (`crypto.getRandomValues`, at most 65,536 bytes).
pub fn fill_random(buffer: &mut [u8]) -> Result<(), CryptoError> {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or(CryptoError::Unavailable)?
        .get_random_values_with_u8_array(buffer)
        .map(|_| ())
        .map_err(|_| CryptoError::Unavailable)
}

/// `N` bytes from the browser's secure random source. There is no weaker fallback: keys need this one.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], CryptoError> {
    let mut bytes = [0u8; N];
    fill_random(&mut bytes)?;
    Ok(bytes)
}

/// A new recovery code from the secure random source.
pub fn new_recovery_code() -> Result<RecoveryCode, CryptoError> {
    random_bytes().map(RecoveryCode::generate)
}

/// Argon2id parameters for a new space or passphrase, with a fresh random salt.
pub fn new_kdf_params() -> Result<KdfParams, CryptoError> {
    random_bytes::<SALT_BYTES>().map(keys::new_kdf_params)
}

/// What a rejected WebCrypto promise said, in a few words.
fn failed(error: JsValue) -> CryptoError {
    let words = error
        .dyn_ref::<web_sys::DomException>()
        .map(|e| format!("{}: {}", e.name(), e.message()))
        .or_else(|| {
            error
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "the browser refused".to_owned());
    CryptoError::Failed(words)
}

/// Imports 32 raw bytes as a non-extractable AES-256-GCM key for encrypting and decrypting.
async fn import_aes_key(raw: &[u8; KEY_BYTES]) -> Result<CryptoKey, CryptoError> {
    let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
    let promise = subtle()?
        .import_key_with_str("raw", &Uint8Array::from(&raw[..]), AES_GCM, false, &usages)
        .map_err(failed)?;
    let key = JsFuture::from(promise).await.map_err(failed)?;
    key.dyn_into()
        .map_err(|_| CryptoError::Failed("no key came back".to_owned()))
}

/// AES-GCM parameters, with copies (not views of wasm memory) of the nonce and associated data.
fn gcm_params(nonce: &[u8; NONCE_BYTES], associated: &[u8]) -> AesGcmParams {
    let params = AesGcmParams::new_with_u8_array(AES_GCM, &Uint8Array::from(&nonce[..]));
    params.set_additional_data_u8_array(&Uint8Array::from(associated));
    params
}

/// Encrypts `plaintext` under `key` with a fresh random nonce: `version ‖ nonce ‖ ciphertext ‖ tag`.
async fn encrypt(
    key: &CryptoKey,
    associated: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let nonce = random_bytes::<NONCE_BYTES>()?;
    let promise = subtle()?
        .encrypt_with_object_and_buffer_source(
            &gcm_params(&nonce, associated),
            key,
            &Uint8Array::from(plaintext),
        )
        .map_err(failed)?;
    let body = JsFuture::from(promise).await.map_err(failed)?;
    Ok(keys::join_ciphertext(
        &nonce,
        &Uint8Array::new(&body).to_vec(),
    ))
}

/// Why [`decrypt`] gave nothing back.
enum Unreadable {
    /// Not in the ciphertext format, or the tag did not match: the wrong key, or changed bytes.
    Rejected,
    /// Something else went wrong.
    Error(CryptoError),
}

/// Decrypts `version ‖ nonce ‖ ciphertext ‖ tag` under `key`, checking the tag.
async fn decrypt(
    key: &CryptoKey,
    associated: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>, Unreadable> {
    let (nonce, body) = keys::split_ciphertext(ciphertext).map_err(|_| Unreadable::Rejected)?;
    let promise = subtle()
        .map_err(Unreadable::Error)?
        .decrypt_with_object_and_buffer_source(
            &gcm_params(nonce, associated),
            key,
            &Uint8Array::from(body),
        )
        .map_err(|e| Unreadable::Error(failed(e)))?;
    match JsFuture::from(promise).await {
        Ok(plaintext) => Ok(Uint8Array::new(&plaintext).to_vec()),
        // WebCrypto reports a tag that does not match as an `OperationError`.
        Err(error)
            if error
                .dyn_ref::<web_sys::DomException>()
                .is_some_and(|e| e.name() == "OperationError") =>
        {
            Err(Unreadable::Rejected)
        }
        Err(error) => Err(Unreadable::Error(failed(error))),
    }
}

/// The key that encrypts every change of a space.
#[derive(Clone)]
pub struct DataKey {
    key: CryptoKey,
    raw: [u8; KEY_BYTES],
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A new random data key, for a new space.
    pub async fn generate() -> Result<Self, CryptoError> {
        Self::from_bytes(random_bytes()?).await
    }

    /// The data key with these 32 bytes.
    pub async fn from_bytes(raw: [u8; KEY_BYTES]) -> Result<Self, CryptoError> {
        Ok(Self {
            key: import_aes_key(&raw).await?,
            raw,
        })
    }

    /// The data key as [`to_base64`](Self::to_base64) wrote it; [`CryptoError::Tampered`] if it is not one.
    pub async fn from_base64(text: &str) -> Result<Self, CryptoError> {
        let raw = keys::from_base64(text)
            .and_then(|bytes| <[u8; KEY_BYTES]>::try_from(bytes).ok())
            .ok_or(CryptoError::Tampered)?;
        Self::from_bytes(raw).await
    }

    /// The raw key in standard base64, to keep with the sync membership on this device (never to send).
    pub fn to_base64(&self) -> String {
        keys::to_base64(&self.raw)
    }
}

/// Encrypts the data key under the passphrase's or recovery code's wrapping key, for the server to keep.
pub async fn wrap(
    data_key: &DataKey,
    secrets: &Secrets,
    space_id: &str,
    credential: Credential,
) -> Result<String, CryptoError> {
    let wrapping = import_aes_key(&secrets.wrap_key).await?;
    let associated = keys::key_associated_data(space_id, credential);
    let wrapped = encrypt(&wrapping, &associated, &data_key.raw).await?;
    Ok(keys::to_base64(&wrapped))
}

/// Decrypts a wrapped data key: [`CryptoError::WrongSecret`] when these secrets do not unlock it (a wrong
/// passphrase or code, or a key wrapped for another space or credential), [`CryptoError::Tampered`] when it is not
/// a wrapped key at all.
pub async fn unwrap(
    wrapped_b64: &str,
    secrets: &Secrets,
    space_id: &str,
    credential: Credential,
) -> Result<DataKey, CryptoError> {
    let wrapped = keys::from_base64(wrapped_b64).ok_or(CryptoError::Tampered)?;
    // Checked before decrypting, so that only a failing tag reads as the wrong secret.
    keys::split_ciphertext(&wrapped).map_err(|_| CryptoError::Tampered)?;
    let wrapping = import_aes_key(&secrets.wrap_key).await?;
    let associated = keys::key_associated_data(space_id, credential);
    let raw = decrypt(&wrapping, &associated, &wrapped)
        .await
        .map_err(|e| match e {
            Unreadable::Rejected => CryptoError::WrongSecret,
            Unreadable::Error(error) => error,
        })?;
    let raw = <[u8; KEY_BYTES]>::try_from(raw).map_err(|_| CryptoError::Tampered)?;
    DataKey::from_bytes(raw).await
}

/// Encrypts one change's plaintext for the server, bound to its space and change id: base64 of
/// `version ‖ nonce ‖ ciphertext ‖ tag`.
pub async fn seal(
    key: &DataKey,
    space_id: &str,
    change_id: &str,
    plaintext: &[u8],
) -> Result<String, CryptoError> {
    let associated = keys::change_associated_data(space_id, change_id);
    let sealed = encrypt(&key.key, &associated, plaintext).await?;
    Ok(keys::to_base64(&sealed))
}

/// Decrypts one change from the server: [`CryptoError::Tampered`] if it is not base64, not in the format, or its
/// tag does not match (changed bytes, or a ciphertext moved to another change or space).
pub async fn open(
    key: &DataKey,
    space_id: &str,
    change_id: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, CryptoError> {
    let ciphertext = keys::from_base64(ciphertext_b64).ok_or(CryptoError::Tampered)?;
    let associated = keys::change_associated_data(space_id, change_id);
    decrypt(&key.key, &associated, &ciphertext)
        .await
        .map_err(|e| match e {
            Unreadable::Rejected => CryptoError::Tampered,
            Unreadable::Error(error) => error,
        })
}

/// Stretches the passphrase with Argon2id ([`keys::stretch_passphrase`]), after putting it in Unicode NFC so that
/// an accented letter typed on one device matches the same letter typed on another.
///
/// Argon2 runs synchronously and holds the page for a moment (about 50 ms on a desktop, up to a second on an
/// old phone), so this first lets the browser paint whatever the caller just showed ("Working…").
pub async fn stretch_passphrase(passphrase: &str, kdf: &KdfParams) -> Result<Secrets, CryptoError> {
    let passphrase = String::from(js_sys::JsString::from(passphrase).normalize("NFC"));
    yield_to_browser().await;
    keys::stretch_passphrase(&passphrase, kdf).map_err(|e| match e {
        KeyError::WeakKdf | KeyError::BadSalt => CryptoError::WeakSettings,
        other => CryptoError::Failed(other.to_string()),
    })
}

/// Waits until the browser has painted the next frame, or 100 ms at most (a hidden tab paints no frames).
pub async fn yield_to_browser() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let promise = Promise::new(&mut |resolve, _reject| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
        // A frame callback runs just before the paint; a zero timeout from there runs just after it.
        let after_paint = {
            let window = window.clone();
            Closure::once_into_js(move || {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            })
        };
        let _ = window.request_animation_frame(after_paint.unchecked_ref());
    });
    let _ = JsFuture::from(promise).await;
}
