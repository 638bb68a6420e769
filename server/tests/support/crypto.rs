//! The app's encryption, natively: AES-256-GCM (the `aes-gcm` crate) in the byte format of
//! `waymark_core::sync::keys` (`0x01 ‖ 12-byte nonce ‖ ciphertext ‖ tag`), with its associated data. The app does
//! the same with WebCrypto.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use waymark_core::sync::keys::{self, NONCE_BYTES};
use waymark_core::sync::protocol::Credential;

pub fn seal(key: &[u8; 32], nonce: [u8; NONCE_BYTES], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(key).expect("32-byte key");
    let body = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .expect("AES-GCM encrypts");
    keys::join_ciphertext(&nonce, &body)
}

/// `None` for anything that is not in the format or does not authenticate under `key` and `aad`.
pub fn open(key: &[u8; 32], aad: &[u8], bytes: &[u8]) -> Option<Vec<u8>> {
    let (nonce, body) = keys::split_ciphertext(bytes).ok()?;
    let cipher = Aes256Gcm::new_from_slice(key).ok()?;
    cipher
        .decrypt(&Nonce::from(*nonce), Payload { msg: body, aad })
        .ok()
}

/// Encrypts one change's plaintext (its JSON) for the space.
pub fn seal_change(
    key: &[u8; 32],
    space_id: &str,
    change_id: &str,
    nonce: [u8; NONCE_BYTES],
    plaintext: &[u8],
) -> Vec<u8> {
    seal(
        key,
        nonce,
        &keys::change_associated_data(space_id, change_id),
        plaintext,
    )
}

pub fn open_change(
    key: &[u8; 32],
    space_id: &str,
    change_id: &str,
    bytes: &[u8],
) -> Option<Vec<u8>> {
    open(
        key,
        &keys::change_associated_data(space_id, change_id),
        bytes,
    )
}

/// The data key wrapped under a credential's wrapping key.
pub fn wrap_key(
    wrap_key: &[u8; 32],
    space_id: &str,
    credential: Credential,
    nonce: [u8; NONCE_BYTES],
    data_key: &[u8; 32],
) -> Vec<u8> {
    seal(
        wrap_key,
        nonce,
        &keys::key_associated_data(space_id, credential),
        data_key,
    )
}

pub fn unwrap_key(
    wrap_key: &[u8; 32],
    space_id: &str,
    credential: Credential,
    wrapped: &[u8],
) -> Option<[u8; 32]> {
    open(
        wrap_key,
        &keys::key_associated_data(space_id, credential),
        wrapped,
    )?
    .try_into()
    .ok()
}
