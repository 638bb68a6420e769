//! Sync's keys, and the byte formats the app's WebCrypto and the native tests share.
//!
//! # Key hierarchy
//!
//! - A random 32-byte **data key** encrypts every change with AES-256-GCM ([`change_associated_data`]).
//! - The **passphrase**, stretched with Argon2id ([`stretch_passphrase`], parameters in [`KdfParams`]), gives 64
//!   bytes: the first 32 are a wrapping key, the last 32 the auth secret sent to the server (which keeps only a
//!   hash of it). The server never sees the wrapping key, so it cannot unwrap the data key.
//! - The **recovery code** (128 random bits) gives another wrapping key and auth secret ([`recovery_secrets`]).
//! - Each wrapping key encrypts the data key with AES-256-GCM ([`key_associated_data`]); the server stores both
//!   wrapped keys.
//!
//! # Ciphertext
//!
//! Changes and wrapped keys alike are `0x01 ‖ 12-byte random nonce ‖ AES-256-GCM ciphertext ‖ 16-byte tag`
//! ([`join_ciphertext`], [`split_ciphertext`]). The associated data binds a ciphertext to its space and to its
//! change (or, for a wrapped key, to which credential wraps it), so the server cannot move a ciphertext to another
//! change, space or credential without the tag failing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64_ENGINE;
use blake2::Blake2bMac512;
use blake2::digest::Mac;
use thiserror::Error;

use super::codes::RecoveryCode;
use super::protocol::{Credential, KdfParams};

/// The first byte of every ciphertext: the format above.
pub const CIPHERTEXT_VERSION: u8 = 1;
/// AES-GCM's nonce length.
pub const NONCE_BYTES: usize = 12;
/// AES-GCM's tag length.
pub const TAG_BYTES: usize = 16;
/// The length of the data key and of each wrapping key and auth secret.
pub const KEY_BYTES: usize = 32;
/// The length of a salt for a new space (or a new passphrase).
pub const SALT_BYTES: usize = 16;
/// The longest passphrase accepted, in bytes after normalising (far beyond anything a person types; it bounds
/// the work an absurd paste causes).
pub const MAX_PASSPHRASE_BYTES: usize = 1024;

/// BLAKE2b's personalisation for the recovery code's secrets (exactly 16 bytes).
const RECOVERY_PERSONA: &[u8; 16] = b"waymark-recovery";

/// Why keys could not be derived, or a ciphertext could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum KeyError {
    /// The server offered parameters below [`KdfParams::MINIMUM`] (or absurdly high ones): refused so that a
    /// server cannot make the passphrase easy to guess.
    #[error("the passphrase settings from the server are weaker than Waymark accepts")]
    WeakKdf,
    /// The salt is not base64 of at least [`KdfParams::MIN_SALT_BYTES`] bytes.
    #[error("the passphrase settings from the server have a bad salt")]
    BadSalt,
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("the passphrase is too long")]
    PassphraseTooLong,
    /// Argon2 itself failed (out of memory, most likely).
    #[error("the passphrase could not be stretched: {0}")]
    Kdf(String),
    #[error("the encrypted data is too short")]
    TooShort,
    #[error("the encrypted data is in an unknown format ({0})")]
    UnknownVersion(u8),
}

/// A wrapping key and an auth secret, from the passphrase or the recovery code. Its [`Debug`] hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct Secrets {
    /// Encrypts the data key; never leaves the device.
    pub wrap_key: [u8; KEY_BYTES],
    /// Proves to the server that the device knows the passphrase or code; the server stores only its hash.
    pub auth_secret: [u8; KEY_BYTES],
}

impl Secrets {
    fn from_halves(bytes: &[u8; 2 * KEY_BYTES]) -> Self {
        let mut wrap_key = [0; KEY_BYTES];
        let mut auth_secret = [0; KEY_BYTES];
        wrap_key.copy_from_slice(&bytes[..KEY_BYTES]);
        auth_secret.copy_from_slice(&bytes[KEY_BYTES..]);
        Self {
            wrap_key,
            auth_secret,
        }
    }

    /// The auth secret as the protocol sends it (standard base64).
    pub fn auth_secret_b64(&self) -> String {
        B64_ENGINE.encode(self.auth_secret)
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(…)")
    }
}

/// Argon2id parameters for a new space, or a new passphrase, with this salt (16 bytes from a secure random
/// source): [`NEW_KDF_COST`].
pub fn new_kdf_params(salt: [u8; SALT_BYTES]) -> KdfParams {
    KdfParams::argon2id(NEW_KDF_COST, B64_ENGINE.encode(salt))
}

/// The Argon2id cost of new spaces and passphrases: 19 MiB, 3 passes, 1 lane (memory in KiB, passes, lanes).
///
/// Memory is [`KdfParams::MINIMUM`]'s: WebAssembly memory never shrinks, so whatever Argon2 takes stays with the
/// page, and the old, low-memory phones Waymark is for close big tabs in the background. Passes cost no memory, so
/// there is one more than the minimum (half as much again of an attacker's work per guess). Measured in headless
/// Chromium on one desktop core, the release wasm takes 46 ms for this (32 ms for 2 passes, 93 ms for 46 MiB, 240
/// ms for 64 MiB × 3); an old phone, perhaps 10 to 20 times slower (32-bit ones especially), takes about half a
/// second to a second. A passphrase is stretched only when a space is made, a device joins or the passphrase
/// changes.
pub const NEW_KDF_COST: (u32, u32, u32) = (19 * 1024, 3, 1);

/// The passphrase as it is stretched: leading and trailing whitespace removed, nothing else.
///
/// Trimmed, because phone keyboards add a space after a suggested word and a hidden password field does not show
/// it; a space at either end is too easy to add or lose to be part of a secret. Spaces *inside* are kept exactly
/// as typed (not collapsed): "blue  horse" and "blue horse" differ. Case is kept.
///
/// **The caller puts the passphrase in Unicode NFC first.** The same accented letter can arrive precomposed ("é")
/// or as a letter and a combining mark ("e" + U+0301) depending on the device, keyboard or where it was pasted
/// from, and they must give the same key. The app does it with the browser's `String.prototype.normalize("NFC")`
/// (in `browser::crypto::stretch_passphrase`), which costs no code; NFC tables in the wasm would add about 15 KB
/// (brotli). Compatibility forms (full-width letters, ligatures) are not folded.
pub fn normalise_passphrase(passphrase: &str) -> &str {
    passphrase.trim()
}

/// Stretches a passphrase with Argon2id into a wrapping key and an auth secret.
///
/// Refuses parameters that are not [`KdfParams::strong_enough`] and salts shorter than
/// [`KdfParams::MIN_SALT_BYTES`]. The passphrase must be in NFC; it is [trimmed](normalise_passphrase), and an
/// empty one (after trimming) is refused. This takes a noticeable moment (the point of it) and memory of `kdf.memory_kib`.
pub fn stretch_passphrase(passphrase: &str, kdf: &KdfParams) -> Result<Secrets, KeyError> {
    if !kdf.strong_enough() {
        return Err(KeyError::WeakKdf);
    }
    let salt = B64_ENGINE
        .decode(&kdf.salt)
        .map_err(|_| KeyError::BadSalt)?;
    if salt.len() < KdfParams::MIN_SALT_BYTES || salt.len() > 64 {
        return Err(KeyError::BadSalt);
    }
    let passphrase = normalise_passphrase(passphrase);
    if passphrase.is_empty() {
        return Err(KeyError::EmptyPassphrase);
    }
    if passphrase.len() > MAX_PASSPHRASE_BYTES {
        return Err(KeyError::PassphraseTooLong);
    }
    let mut out = [0u8; 2 * KEY_BYTES];
    argon2id(
        passphrase.as_bytes(),
        &salt,
        (kdf.memory_kib, kdf.iterations, kdf.parallelism),
        &mut out,
    )?;
    Ok(Secrets::from_halves(&out))
}

/// Plain Argon2id (version 0x13, no secret, no associated data) into `out`.
fn argon2id(
    password: &[u8],
    salt: &[u8],
    (memory_kib, iterations, parallelism): (u32, u32, u32),
    out: &mut [u8],
) -> Result<(), KeyError> {
    let params = argon2::Params::new(memory_kib, iterations, parallelism, Some(out.len()))
        .map_err(|e| KeyError::Kdf(e.to_string()))?;
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(password, salt, out)
        .map_err(|e| KeyError::Kdf(e.to_string()))
}

/// The recovery code's wrapping key and auth secret for the space `space_id`.
///
/// The code is already 128 random bits, so it needs no stretching, only a pseudorandom function to turn it into
/// two independent keys bound to the space: keyed BLAKE2b-512 (key = the code's 16 bytes, personalisation
/// `waymark-recovery`, message = the space id's ASCII), split in halves. BLAKE2b keyed mode is a PRF, and it is
/// already in the build as Argon2's own hash, so it costs no code size (HKDF would bring in SHA-2 and HMAC).
pub fn recovery_secrets(code: &RecoveryCode, space_id: &str) -> Secrets {
    let mut mac =
        Blake2bMac512::new_with_salt_and_personal(Some(code.as_bytes()), &[], RECOVERY_PERSONA)
            .expect("a 16-byte key and a 16-byte personalisation suit BLAKE2b");
    mac.update(space_id.as_bytes());
    let out: [u8; 2 * KEY_BYTES] = mac.finalize().into_bytes().into();
    Secrets::from_halves(&out)
}

/// Appends `field` with its length (u32, big-endian) in front, so no two field lists encode the same.
fn push_field(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(&(field.len() as u32).to_be_bytes());
    out.extend_from_slice(field);
}

/// The associated data of a change's ciphertext: `"waymark-change-v1"`, then the space id and the change id,
/// each preceded by its length (u32, big-endian).
pub fn change_associated_data(space_id: &str, change_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + space_id.len() + change_id.len());
    push_field(&mut out, b"waymark-change-v1");
    push_field(&mut out, space_id.as_bytes());
    push_field(&mut out, change_id.as_bytes());
    out
}

/// The associated data of a wrapped data key: `"waymark-key-v1"`, then the space id and the credential's protocol
/// name (`passphrase` or `recovery_code`), each preceded by its length (u32, big-endian).
pub fn key_associated_data(space_id: &str, credential: Credential) -> Vec<u8> {
    let credential: &[u8] = match credential {
        Credential::Passphrase => b"passphrase",
        Credential::RecoveryCode => b"recovery_code",
    };
    let mut out = Vec::with_capacity(64 + space_id.len());
    push_field(&mut out, b"waymark-key-v1");
    push_field(&mut out, space_id.as_bytes());
    push_field(&mut out, credential);
    out
}

/// Reads `version ‖ nonce ‖ ciphertext and tag`: the nonce and the rest, for AES-GCM to open (it checks the tag).
pub fn split_ciphertext(bytes: &[u8]) -> Result<(&[u8; NONCE_BYTES], &[u8]), KeyError> {
    let (&version, rest) = bytes.split_first().ok_or(KeyError::TooShort)?;
    if version != CIPHERTEXT_VERSION {
        return Err(KeyError::UnknownVersion(version));
    }
    if rest.len() < NONCE_BYTES + TAG_BYTES {
        return Err(KeyError::TooShort);
    }
    let (nonce, body) = rest.split_at(NONCE_BYTES);
    let nonce = nonce.try_into().map_err(|_| KeyError::TooShort)?;
    Ok((nonce, body))
}

/// Writes `version ‖ nonce ‖ body`, where `body` is AES-GCM's output (ciphertext then tag).
pub fn join_ciphertext(nonce: &[u8; NONCE_BYTES], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + NONCE_BYTES + body.len());
    out.push(CIPHERTEXT_VERSION);
    out.extend_from_slice(nonce);
    out.extend_from_slice(body);
    out
}

/// Standard base64 with padding, as the protocol's `B64`.
pub fn to_base64(bytes: &[u8]) -> String {
    B64_ENGINE.encode(bytes)
}

/// Reads standard base64 with padding; `None` if it is not.
pub fn from_base64(text: &str) -> Option<Vec<u8>> {
    B64_ENGINE.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    /// [`KdfParams::MINIMUM`] with this salt (the reference answers below are for it).
    fn params(salt: &str) -> KdfParams {
        KdfParams::argon2id(KdfParams::MINIMUM, salt.to_owned())
    }

    /// `waymark-salt-16b` in base64.
    const SALT: &str = "d2F5bWFyay1zYWx0LTE2Yg==";

    /// Known answers from the reference implementation (phc-winner-argon2, the code RFC 9106 comes from:
    /// `printf %s 'correct horse battery staple' | argon2 waymark-salt-16b -id -t 2 -k 19456 -p 1 -l 64 -r`), so
    /// memory, passes, lanes, version, salt and output length are all wired as the protocol says.
    #[test]
    fn argon2id_matches_the_reference_implementation() {
        let secrets = stretch_passphrase("correct horse battery staple", &params(SALT)).unwrap();
        let expected = hex(
            "f845066b416ae894d49ef87106808935e29ac41aa7d79c03575bc2f79035586f\
             1c098699e9dc65377d6793c92a308135eb501b9095f44f44638b09066cd896b7",
        );
        assert_eq!(secrets.wrap_key.as_slice(), &expected[..32]);
        assert_eq!(secrets.auth_secret.as_slice(), &expected[32..]);
        assert_eq!(secrets.auth_secret_b64(), to_base64(&expected[32..]));

        let other_salt = stretch_passphrase(
            "correct horse battery staple",
            &params("YW5vdGhlci1zYWx0LTE2Yg=="),
        )
        .unwrap();
        let expected = hex(
            "a00b9e4d412d110023f000fc1f8c6d4c2824a7c91f0dabcd61a03f956745779f\
             44c340f53aa1e936e5e3416c7066bdb93513de7f9b9b65813b31ef7a62df9f1c",
        );
        assert_eq!(other_salt.wrap_key.as_slice(), &expected[..32]);
        assert_ne!(other_salt, secrets);

        // New spaces' cost (3 passes): `… -t 3 …`.
        let new_cost = stretch_passphrase(
            "correct horse battery staple",
            &new_kdf_params(*b"waymark-salt-16b"),
        )
        .unwrap();
        let expected = hex(
            "4b10877f738f60fee3a01bc528df98a8542a0bceafcfe26a80cbaba04969565f\
             212bba353022ab2cdd932db99ad297eff2824a4ed8635286ddfcd5e092798a67",
        );
        assert_eq!(new_cost.wrap_key.as_slice(), &expected[..32]);
        assert_eq!(new_cost.auth_secret.as_slice(), &expected[32..]);
    }

    /// RFC 9106 §5.3's Argon2id password, salt and costs (32 KiB, 3 passes, 4 lanes) without its secret and
    /// associated data, which Waymark never uses; the tag is the reference implementation's (`argon2` CLI).
    #[test]
    fn argon2id_small_vector() {
        let mut out = [0u8; 32];
        argon2id(&[0x01; 32], &[0x02; 16], (32, 3, 4), &mut out).unwrap();
        assert_eq!(
            out.as_slice(),
            hex("03aab965c12001c9d7d0d2de33192c0494b684bb148196d73c1df1acaf6d0c2e")
        );
    }

    #[test]
    fn weak_or_broken_parameters_are_refused() {
        let (memory, iterations, _) = KdfParams::MINIMUM;
        let weak = [
            KdfParams {
                memory_kib: memory - 1,
                ..params(SALT)
            },
            KdfParams {
                iterations: iterations - 1,
                ..params(SALT)
            },
            KdfParams {
                algorithm: "argon2i".into(),
                ..params(SALT)
            },
        ];
        for kdf in weak {
            assert_eq!(stretch_passphrase("pass", &kdf), Err(KeyError::WeakKdf));
        }
        // 15 bytes, not base64, nothing.
        for salt in ["d2F5bWFyay1zYWx0LTE2", "not base64!", ""] {
            assert_eq!(
                stretch_passphrase("pass", &params(salt)),
                Err(KeyError::BadSalt)
            );
        }
        assert_eq!(
            stretch_passphrase(" \t ", &params(SALT)),
            Err(KeyError::EmptyPassphrase)
        );
        assert_eq!(
            stretch_passphrase(&"x".repeat(MAX_PASSPHRASE_BYTES + 1), &params(SALT)),
            Err(KeyError::PassphraseTooLong)
        );
    }

    #[test]
    fn new_parameters_are_at_least_the_minimum_with_the_salt() {
        let kdf = new_kdf_params([9; SALT_BYTES]);
        assert!(kdf.strong_enough());
        assert_eq!(
            (kdf.memory_kib, kdf.iterations, kdf.parallelism),
            NEW_KDF_COST
        );
        let (memory, iterations, parallelism) = KdfParams::MINIMUM;
        assert!(
            NEW_KDF_COST.0 >= memory
                && NEW_KDF_COST.1 >= iterations
                && NEW_KDF_COST.2 >= parallelism
        );
        assert_eq!(from_base64(&kdf.salt), Some(vec![9; SALT_BYTES]));
    }

    #[test]
    fn passphrases_are_trimmed_but_not_otherwise_changed() {
        assert_eq!(normalise_passphrase("  blue horse \n"), "blue horse");
        assert_eq!(normalise_passphrase("blue  horse"), "blue  horse");
        assert_eq!(normalise_passphrase("Blue horse"), "Blue horse");
        assert_eq!(normalise_passphrase("\u{a0}Grüße\u{3000}"), "Grüße");
        // Through Argon2, as UTF-8 (the reference implementation was given the same precomposed, NFC, bytes).
        let expected = hex(
            "51dcd3ab1214088797e2a82964e031927a71b9afd21e6d667353193ae4565732\
             46e364195aeb0fb1ac9f572e3e5296b1a5f87b168b74d9d08d6c9c011a07580d",
        );
        let composed = stretch_passphrase(" Grüße aus Köln ", &params(SALT)).unwrap();
        assert_eq!(composed.wrap_key.as_slice(), &expected[..32]);
        assert_eq!(composed.auth_secret.as_slice(), &expected[32..]);
        let inner_space = stretch_passphrase("Grüße aus  Köln", &params(SALT)).unwrap();
        assert_ne!(inner_space, composed);
        // Not normalised here: that is the caller's part (the app uses the browser's NFC).
        let decomposed = stretch_passphrase("Gru\u{308}ße aus Ko\u{308}ln", &params(SALT)).unwrap();
        assert_ne!(decomposed, composed);
    }

    /// Python's `hashlib.blake2b(space_id, digest_size=64, key=bytes(range(16)), person=b"waymark-recovery")`.
    #[test]
    fn recovery_secrets_are_keyed_blake2b_bound_to_the_space() {
        let code = RecoveryCode::generate(std::array::from_fn(|i| i as u8));
        let space = "00112233445566778899aabbccddeeff";
        let secrets = recovery_secrets(&code, space);
        let expected = hex(
            "c02a290d8ac0b9a34870f91a783c6164e0a5bd7d88edef9ad3f9d2264645b4a4\
             e25ee26e8bc0a62077e2ad6d630c53638109c57c75349d67cbd38bd5af7fc6e7",
        );
        assert_eq!(secrets.wrap_key.as_slice(), &expected[..32]);
        assert_eq!(secrets.auth_secret.as_slice(), &expected[32..]);

        let other_space = recovery_secrets(&code, "ffeeddccbbaa99887766554433221100");
        assert_ne!(other_space.wrap_key, secrets.wrap_key);
        assert_ne!(other_space.auth_secret, secrets.auth_secret);
        let other_code = recovery_secrets(&RecoveryCode::generate([1; 16]), space);
        assert_ne!(other_code, secrets);
        assert_ne!(secrets.wrap_key, secrets.auth_secret);
        assert_eq!(format!("{secrets:?}"), "Secrets(…)");
    }

    #[test]
    fn associated_data_is_unambiguous() {
        assert_ne!(
            change_associated_data("ab", "c"),
            change_associated_data("a", "bc")
        );
        assert_ne!(
            key_associated_data("s", Credential::Passphrase),
            key_associated_data("s", Credential::RecoveryCode)
        );
        assert_ne!(
            change_associated_data("s", "passphrase"),
            key_associated_data("s", Credential::Passphrase)
        );
        let mut expected = vec![0, 0, 0, 17];
        expected.extend_from_slice(b"waymark-change-v1");
        expected.extend_from_slice(&[0, 0, 0, 1, b's', 0, 0, 0, 1, b'c']);
        assert_eq!(change_associated_data("s", "c"), expected);
    }

    #[test]
    fn ciphertext_framing() {
        let nonce = [7u8; NONCE_BYTES];
        let joined = join_ciphertext(&nonce, &[1; TAG_BYTES]);
        assert_eq!(joined.len(), 1 + NONCE_BYTES + TAG_BYTES);
        assert_eq!(joined[0], CIPHERTEXT_VERSION);
        assert_eq!(
            split_ciphertext(&joined),
            Ok((&nonce, [1; TAG_BYTES].as_slice()))
        );
        assert_eq!(
            split_ciphertext(&joined[..joined.len() - 1]),
            Err(KeyError::TooShort)
        );
        assert_eq!(split_ciphertext(&[]), Err(KeyError::TooShort));
        let mut other = joined.clone();
        other[0] = 2;
        assert_eq!(split_ciphertext(&other), Err(KeyError::UnknownVersion(2)));
    }

    fn seal(key: &[u8; 32], nonce: [u8; 12], associated: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let body = Aes256Gcm::new(key.into())
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: associated,
                },
            )
            .unwrap();
        join_ciphertext(&nonce, &body)
    }

    fn open(key: &[u8; 32], associated: &[u8], ciphertext: &[u8]) -> Option<Vec<u8>> {
        let (nonce, body) = split_ciphertext(ciphertext).ok()?;
        Aes256Gcm::new(key.into())
            .decrypt(
                &Nonce::from(*nonce),
                Payload {
                    msg: body,
                    aad: associated,
                },
            )
            .ok()
    }

    /// Fixed answers of the formats with a native AES-GCM; the app's WebCrypto code was checked against the same
    /// bytes (opening both in Chromium).
    #[test]
    fn fixed_vectors() {
        let space = "0123456789abcdef0123456789abcdef";
        let change = change_associated_data(space, "11111111111111111111111111111111");
        let sealed = seal(&[0x5a; 32], [2; 12], &change, b"{\"mood\":3}");
        assert_eq!(
            to_base64(&sealed),
            "AQICAgICAgICAgICAkkhyocTVIrNPZJ4PCSrsqo0q0dVWocp3mZK"
        );
        let by_code = recovery_secrets(&RecoveryCode::generate([3; 16]), space);
        let aad = key_associated_data(space, Credential::RecoveryCode);
        assert_eq!(
            to_base64(&seal(&by_code.wrap_key, [1; 12], &aad, &[0x5a; 32])),
            "AQEBAQEBAQEBAQEBAUVYwFsbH5ixvPnAEs5qWgJy2o6kl4l3DIIeL9/M9A201mrb9QOeNKcHYvTr4OCPkA=="
        );
    }

    /// The whole hierarchy with a native AES-GCM, as the app does it with WebCrypto.
    #[test]
    fn the_key_hierarchy_round_trips_and_binds_its_context() {
        let space = "0123456789abcdef0123456789abcdef";
        let data_key = [0x5au8; 32];
        let code = RecoveryCode::generate([3; 16]);
        let by_code = recovery_secrets(&code, space);
        let aad = key_associated_data(space, Credential::RecoveryCode);
        let wrapped = seal(&by_code.wrap_key, [1; 12], &aad, &data_key);
        assert_eq!(wrapped.len(), 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES);
        assert_eq!(
            open(&by_code.wrap_key, &aad, &wrapped),
            Some(data_key.to_vec())
        );
        // Another credential's slot, another space, another code: the tag fails.
        let wrong_slot = key_associated_data(space, Credential::Passphrase);
        assert_eq!(open(&by_code.wrap_key, &wrong_slot, &wrapped), None);
        let other_space = key_associated_data(&"f".repeat(32), Credential::RecoveryCode);
        assert_eq!(open(&by_code.wrap_key, &other_space, &wrapped), None);
        let wrong_code = recovery_secrets(&RecoveryCode::generate([4; 16]), space);
        assert_eq!(open(&wrong_code.wrap_key, &aad, &wrapped), None);

        let change = change_associated_data(space, "11111111111111111111111111111111");
        let sealed = seal(&data_key, [2; 12], &change, b"{\"mood\":3}");
        assert_eq!(
            open(&data_key, &change, &sealed).as_deref(),
            Some(&b"{\"mood\":3}"[..])
        );
        let moved = change_associated_data(space, "22222222222222222222222222222222");
        assert_eq!(open(&data_key, &moved, &sealed), None);
        let mut flipped = sealed.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert_eq!(open(&data_key, &change, &flipped), None);
    }
}
