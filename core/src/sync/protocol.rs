//! The sync wire protocol: the JSON a device and the sync server exchange under [`API_PREFIX`].
//!
//! The server sees only what is here: random space, device and change ids, its own sequence numbers and times,
//! key-derivation parameters, hashes of secrets (it hashes what it is sent) and ciphertext. Binary values travel
//! as standard base64 with padding ([`B64`] marks them). Every successful response carries `server_time` so a
//! device can notice that its own clock is wrong. Errors are [`ErrorBody`] with a stable `error` code.
//!
//! | Method and path (after the prefix)      | Auth                  | Body → answer                          |
//! |-----------------------------------------|-----------------------|----------------------------------------|
//! | `POST /spaces`                          | none (rate limited)   | [`CreateSpace`] → [`Joined`] (201)     |
//! | `GET /spaces/{space}/kdf`               | none (rate limited)   | → [`KdfInfo`]                          |
//! | `POST /spaces/{space}/devices`          | credential in body    | [`JoinSpace`] → [`Joined`] (201)       |
//! | `GET /spaces/{space}/devices`           | device token          | → [`Devices`]                          |
//! | `DELETE /spaces/{space}/devices/{dev}`  | device token          | → [`Done`]                             |
//! | `POST /spaces/{space}/changes`          | device token          | [`PushRequest`] → [`PushResponse`]     |
//! | `GET /spaces/{space}/changes?after=N&limit=M` | device token    | → [`PullResponse`]                     |
//! | `PUT /spaces/{space}/passphrase`        | device token          | [`ChangePassphrase`] → [`Done`]        |
//! | `DELETE /spaces/{space}`                | device token          | → [`Done`]                             |
//!
//! The device token goes in `Authorization: Bearer <token>`. A token belongs to one device of one space; a token
//! of another space, or of a removed device, is refused with 401 `unauthorized`.

use serde::{Deserialize, Serialize};

/// Where the sync API lives on the server.
pub const API_PREFIX: &str = "/api/sync/v1";

/// Standard base64 (with padding) of binary data.
pub type B64 = String;

/// A space, device or change id: 32 lowercase hex characters (128 random bits).
pub type Id = String;

/// Whether `text` is a well-formed [`Id`].
pub fn is_id(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Writes 16 random bytes (from a secure source) as an [`Id`].
pub fn id_from_random_bytes(bytes: [u8; 16]) -> Id {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The most changes one push may carry.
pub const MAX_PUSH_CHANGES: usize = 500;
/// The most bytes of ciphertext one change may carry (after base64 decoding).
pub const MAX_CHANGE_BYTES: usize = 64 * 1024;
/// The most changes one pull returns, and the default when `limit` is not given.
pub const MAX_PULL_LIMIT: u32 = 500;
/// The largest push request body the server accepts, in bytes of JSON (a larger one is refused with 413
/// `too_large`). A device fills a batch until the next change would take it past this (or past
/// [`MAX_PUSH_CHANGES`]): 4 MiB holds 500 changes of about 5 KiB of ciphertext each (they are usually far smaller),
/// or 47 changes of the largest size.
pub const MAX_PUSH_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The largest body of any other request (create, join, passphrase change), in bytes.
pub const MAX_SMALL_BODY_BYTES: usize = 16 * 1024;
/// The longest device name, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 60;
/// The longest wrapped data key the server stores, in bytes (after base64 decoding).
pub const MAX_WRAPPED_KEY_BYTES: usize = 1024;
/// The longest Argon2id salt the server stores, in bytes.
pub const MAX_SALT_BYTES: usize = 64;
/// The length of an auth secret (passphrase or recovery code), in bytes.
pub const AUTH_SECRET_BYTES: usize = 32;

/// Argon2id parameters for stretching a passphrase, stored with the space.
///
/// A device checks them against [`KdfParams::MINIMUM`] before using them, so a server cannot weaken them; the server
/// refuses weaker ones too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Always `"argon2id"`.
    pub algorithm: String,
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Time cost (passes).
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// At least 16 random bytes.
    pub salt: B64,
}

impl KdfParams {
    /// OWASP's minimum for Argon2id (19 MiB, 2 passes, 1 lane): the floor a device accepts. New spaces use
    /// [`keys::NEW_KDF_COST`](super::keys::NEW_KDF_COST) (one more pass, no more memory: the phones it is for are old).
    pub const MINIMUM: (u32, u32, u32) = (19 * 1024, 2, 1);
    /// The shortest salt, in bytes.
    pub const MIN_SALT_BYTES: usize = 16;

    /// Argon2id at `cost` (memory in KiB, passes, lanes, as [`Self::MINIMUM`]) with this salt (base64).
    pub fn argon2id((memory_kib, iterations, parallelism): (u32, u32, u32), salt: B64) -> Self {
        KdfParams {
            algorithm: "argon2id".to_owned(),
            memory_kib,
            iterations,
            parallelism,
            salt,
        }
    }

    /// Whether these parameters are Argon2id at or above the minimum (the salt's length is checked by the caller,
    /// which decodes it).
    pub fn strong_enough(&self) -> bool {
        let (memory, iterations, parallelism) = Self::MINIMUM;
        self.algorithm == "argon2id"
            && self.memory_kib >= memory
            && self.iterations >= iterations
            && self.parallelism >= parallelism
            && self.memory_kib <= 1024 * 1024
            && self.iterations <= 64
            && self.parallelism <= 16
    }
}

/// `POST /spaces`: the first device sets up a space.
///
/// The passphrase, stretched with `kdf`, gives a key that wraps the data key and a separate `auth_secret`; the
/// recovery code gives another pair. The server stores hashes of the two secrets and the two wrapped keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSpace {
    pub space_id: Id,
    pub kdf: KdfParams,
    /// 32 bytes derived from the passphrase (never the passphrase itself).
    pub auth_secret: B64,
    /// The data key encrypted under the passphrase's wrapping key.
    pub wrapped_key: B64,
    /// 32 bytes derived from the recovery code.
    pub recovery_auth_secret: B64,
    /// The data key encrypted under the recovery code's wrapping key.
    pub recovery_wrapped_key: B64,
    /// A name the person chose for this device ("My phone"), at most 60 characters.
    pub device_name: String,
}

/// `GET /spaces/{space}/kdf`: what a joining device needs to stretch the passphrase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfInfo {
    pub kdf: KdfParams,
    pub server_time: i64,
}

/// Which secret a joining device proves it knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    Passphrase,
    RecoveryCode,
}

/// `POST /spaces/{space}/devices`: another device joins with the passphrase (or the recovery code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinSpace {
    pub credential: Credential,
    /// The secret derived from the passphrase or the recovery code.
    pub auth_secret: B64,
    pub device_name: String,
}

/// The answer to creating or joining a space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joined {
    /// The id the server gave this device (used as the clock's tiebreak).
    pub device_id: Id,
    /// This device's bearer token (revocable).
    pub token: String,
    /// The data key wrapped under the credential used (the one sent, when creating).
    pub wrapped_key: B64,
    pub kdf: KdfParams,
    pub server_time: i64,
}

/// One device of a space.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub device_id: Id,
    pub name: String,
    pub joined_at: i64,
    /// When this device last pushed or pulled.
    pub last_seen_at: i64,
    /// Whether this is the device asking.
    pub this_device: bool,
}

/// `GET /spaces/{space}/devices`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Devices {
    pub devices: Vec<DeviceInfo>,
    pub server_time: i64,
}

/// An answer with nothing else to say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    pub server_time: i64,
}

/// One encrypted change, as a device pushes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushChange {
    /// Chosen at random by the device, so a retried push never stores a change twice.
    pub id: Id,
    /// `0x01 ‖ 12-byte nonce ‖ AES-256-GCM ciphertext and tag`, with the space and change ids as associated data.
    pub ciphertext: B64,
}

/// `POST /spaces/{space}/changes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub changes: Vec<PushChange>,
}

/// The server's receipt for one pushed change. Pushing a change id again returns the first receipt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    pub id: Id,
    /// The change's place in the space's order (from 1, no gaps, in commit order).
    pub seq: u64,
    /// When the server first stored it.
    pub received_at: i64,
}

/// The answer to a push, in the order the changes were sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub accepted: Vec<Accepted>,
    pub server_time: i64,
}

/// One change as a pull returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PulledChange {
    pub id: Id,
    pub seq: u64,
    pub received_at: i64,
    /// The device that pushed it.
    pub device_id: Id,
    pub ciphertext: B64,
}

/// `GET /spaces/{space}/changes?after=N&limit=M`: changes with `seq > after`, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<PulledChange>,
    /// Pass as `after` next time (the last seq returned, or `after` again when nothing was).
    pub next_after: u64,
    /// Whether more changes wait after this page.
    pub more: bool,
    pub server_time: i64,
}

/// `PUT /spaces/{space}/passphrase`: a new passphrase (any device of the space may set it). Other devices keep
/// their tokens unless `sign_out_other_devices` is set; the recovery code is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassphrase {
    pub kdf: KdfParams,
    pub auth_secret: B64,
    pub wrapped_key: B64,
    /// Also removes every other device of the space (their tokens stop working), in the same transaction as the
    /// change: for when the old passphrase may be known to someone else. Absent means `false`.
    #[serde(default)]
    pub sign_out_other_devices: bool,
}

/// Every error answer: a stable code for programs and a plain sentence for logs.
///
/// Codes: `bad_request`, `unauthorized` (wrong secret, unknown or removed device, another space's token),
/// `not_found` (no such space), `conflict` (space id taken), `too_large`, `too_many_requests`, `weak_kdf`,
/// `unavailable`; and `space_full` (413: the space's stored changes are at the server's quota; nothing was
/// stored), `too_many_devices` (409: the space has the server's maximum of devices; remove one to join another),
/// `cursor_ahead` (409: a pull's `after` is beyond the space's last seq; pull again from 0, applying changes
/// again is harmless).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// What is wrong with a device name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceNameError {
    Empty,
    TooLong,
    ControlCharacters,
}

/// A device name as it is sent and stored: trimmed, 1 to [`MAX_DEVICE_NAME_CHARS`] characters, no control
/// characters (every device of the space shows it). The app checks it before sending; the server again on arrival.
pub fn device_name(text: &str) -> Result<&str, DeviceNameError> {
    let name = text.trim();
    if name.is_empty() {
        Err(DeviceNameError::Empty)
    } else if name.chars().count() > MAX_DEVICE_NAME_CHARS {
        Err(DeviceNameError::TooLong)
    } else if name.chars().any(char::is_control) {
        Err(DeviceNameError::ControlCharacters)
    } else {
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names() {
        assert_eq!(device_name("  My phone "), Ok("My phone"));
        assert_eq!(
            device_name(&"é".repeat(60)).map(|n| n.chars().count()),
            Ok(60)
        );
        assert_eq!(device_name(&"é".repeat(61)), Err(DeviceNameError::TooLong));
        assert_eq!(device_name(" \t "), Err(DeviceNameError::Empty));
        for bad in ["a\u{0}b", "line\nbreak", "bell\u{7}", "del\u{7f}"] {
            assert_eq!(
                device_name(bad),
                Err(DeviceNameError::ControlCharacters),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn sign_out_other_devices_is_optional_and_false_when_absent() {
        let body = r#"{"kdf":{"algorithm":"argon2id","memory_kib":1,"iterations":1,"parallelism":1,"salt":""},
            "auth_secret":"a","wrapped_key":"k"}"#;
        let change: ChangePassphrase = serde_json::from_str(body).expect("an older app's body");
        assert!(!change.sign_out_other_devices);
    }

    #[test]
    fn ids_are_32_lowercase_hex() {
        let id = id_from_random_bytes([0xab; 16]);
        assert!(is_id(&id));
        assert!(!is_id(&id.to_uppercase()));
        assert!(!is_id(&id[1..]));
        assert!(!is_id("zz".repeat(16).as_str()));
    }

    #[test]
    fn the_minimum_kdf_is_strong_enough_and_less_is_not() {
        let (memory_kib, iterations, parallelism) = KdfParams::MINIMUM;
        let good = KdfParams {
            algorithm: "argon2id".into(),
            memory_kib,
            iterations,
            parallelism,
            salt: String::new(),
        };
        assert!(good.strong_enough());
        assert!(
            !KdfParams {
                memory_kib: memory_kib - 1,
                ..good.clone()
            }
            .strong_enough()
        );
        assert!(
            !KdfParams {
                iterations: 1,
                ..good.clone()
            }
            .strong_enough()
        );
        assert!(
            !KdfParams {
                algorithm: "argon2i".into(),
                ..good
            }
            .strong_enough()
        );
    }
}
