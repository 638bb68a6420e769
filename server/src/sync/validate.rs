//! Checking what a device sends before anything is stored: ids, base64 values and their lengths, device names
//! and key-derivation parameters.

use base64::Engine as _;
use waymark_core::sync::protocol::{
    self, AUTH_SECRET_BYTES, DeviceNameError, KdfParams, MAX_SALT_BYTES, MAX_WRAPPED_KEY_BYTES,
    is_id,
};

use super::error::ApiError;
use super::secrets;
use super::store::{Hash, StoredKdf};

/// A space, device or change id.
pub fn id(text: &str) -> Result<(), ApiError> {
    if is_id(text) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "An id is not 32 lowercase hex characters.",
        ))
    }
}

/// Decodes standard base64 (with padding) holding between `min` and `max` bytes. The encoded length is checked
/// first, so an oversized value is refused without decoding it. Too long is `too_large` when `too_long` says so.
fn base64_bytes(
    text: &str,
    min: usize,
    max: usize,
    too_long: ApiError,
) -> Result<Vec<u8>, ApiError> {
    if text.len() > max.div_ceil(3) * 4 {
        return Err(too_long);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| ApiError::bad_request("A value is not valid base64."))?;
    if bytes.len() > max {
        return Err(too_long);
    }
    if bytes.len() < min {
        return Err(ApiError::bad_request("A value is too short."));
    }
    Ok(bytes)
}

/// An auth secret (exactly 32 bytes), returned as the hash the server keeps.
pub fn auth_secret(text: &str) -> Result<Hash, ApiError> {
    let bytes = base64_bytes(
        text,
        AUTH_SECRET_BYTES,
        AUTH_SECRET_BYTES,
        ApiError::bad_request("An auth secret is not 32 bytes."),
    )
    .map_err(|_| ApiError::bad_request("An auth secret is not 32 bytes of base64."))?;
    Ok(secrets::hash(&bytes))
}

/// A wrapped data key (1 to [`MAX_WRAPPED_KEY_BYTES`] bytes).
pub fn wrapped_key(text: &str) -> Result<Vec<u8>, ApiError> {
    base64_bytes(
        text,
        1,
        MAX_WRAPPED_KEY_BYTES,
        ApiError::bad_request("A wrapped key is too long."),
    )
}

/// A change's ciphertext (1 to `max` bytes; more is `too_large`).
pub fn ciphertext(text: &str, max: usize) -> Result<Vec<u8>, ApiError> {
    base64_bytes(
        text,
        1,
        max,
        ApiError::too_large("A change is larger than the most one change may carry."),
    )
}

/// A device name: the shared rule ([`protocol::device_name`]).
pub fn device_name(text: &str) -> Result<String, ApiError> {
    protocol::device_name(text)
        .map(str::to_owned)
        .map_err(|error| {
            ApiError::bad_request(match error {
                DeviceNameError::Empty | DeviceNameError::TooLong => {
                    "A device name must have 1 to 60 characters."
                }
                DeviceNameError::ControlCharacters => {
                    "A device name must not hold control characters."
                }
            })
        })
}

/// Key-derivation parameters: Argon2id at or above the minimum ([`KdfParams::strong_enough`]) with a salt of at
/// least [`KdfParams::MIN_SALT_BYTES`]; anything weaker is `weak_kdf`.
pub fn kdf(params: &KdfParams) -> Result<StoredKdf, ApiError> {
    if !params.strong_enough() {
        return Err(ApiError::weak_kdf());
    }
    let salt = base64_bytes(
        &params.salt,
        0,
        MAX_SALT_BYTES,
        ApiError::bad_request("The salt is too long."),
    )?;
    if salt.len() < KdfParams::MIN_SALT_BYTES {
        return Err(ApiError::weak_kdf());
    }
    Ok(StoredKdf {
        algorithm: params.algorithm.clone(),
        memory_kib: params.memory_kib,
        iterations: params.iterations,
        parallelism: params.parallelism,
        salt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    fn params(salt: &[u8]) -> KdfParams {
        KdfParams::argon2id(KdfParams::MINIMUM, b64(salt))
    }

    #[test]
    fn auth_secrets_are_exactly_32_bytes() {
        assert!(auth_secret(&b64(&[7; 32])).is_ok());
        assert_eq!(auth_secret(&b64(&[7; 32])), auth_secret(&b64(&[7; 32])));
        for bad in [
            b64(&[7; 31]),
            b64(&[7; 33]),
            "not base64!".into(),
            String::new(),
        ] {
            assert_eq!(auth_secret(&bad).unwrap_err().code, "bad_request", "{bad}");
        }
    }

    #[test]
    fn ciphertext_over_the_limit_is_too_large() {
        assert_eq!(ciphertext(&b64(&[1; 10]), 10).unwrap(), vec![1; 10]);
        assert_eq!(
            ciphertext(&b64(&[1; 11]), 10).unwrap_err().code,
            "too_large"
        );
        assert_eq!(
            ciphertext(&"A".repeat(100), 10).unwrap_err().code,
            "too_large"
        );
        assert_eq!(ciphertext("", 10).unwrap_err().code, "bad_request");
        assert_eq!(ciphertext("@@@@", 10).unwrap_err().code, "bad_request");
    }

    #[test]
    fn device_names() {
        // The rule itself is tested in core (protocol::device_name); here, that it is applied and refusals are 400s.
        assert_eq!(device_name("  My phone ").unwrap(), "My phone");
        for bad in ["", "a\nb", &"é".repeat(61)] {
            assert!(device_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn weak_kdf_and_short_salt_are_weak_kdf() {
        assert_eq!(kdf(&params(&[1; 16])).unwrap().salt, vec![1; 16]);
        assert_eq!(kdf(&params(&[1; 15])).unwrap_err().code, "weak_kdf");
        let weak = KdfParams {
            iterations: 1,
            ..params(&[1; 16])
        };
        assert_eq!(kdf(&weak).unwrap_err().code, "weak_kdf");
        assert_eq!(kdf(&params(&[1; 65])).unwrap_err().code, "bad_request");
    }
}
