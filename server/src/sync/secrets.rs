//! Ids, device tokens and the hashes the server keeps in place of secrets.
//!
//! The server never stores an auth secret or a token, only their SHA-256. A fast hash is right here (a password
//! hash such as Argon2id would add nothing): auth secrets are 32-byte outputs of Argon2id/HKDF on the device and
//! token secrets are 32 bytes from the OS's random source, so each has 256 bits of entropy and a stolen database
//! cannot be searched for them. Hashes are compared in constant time.
//!
//! A token is `<device id>.<64 hex digits>`: the device id (not secret) finds the row, the secret is checked
//! against its hash. A token only ever names one device of one space, so another space's token finds no row.

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use waymark_core::sync::protocol::{Id, id_from_random_bytes, is_id};

use super::store::Hash;

/// The number of random bytes in a token's secret.
const TOKEN_SECRET_BYTES: usize = 32;

/// SHA-256 of `bytes`.
pub fn hash(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// Whether two hashes are equal, in time that does not depend on where they differ.
pub fn same_hash(a: &Hash, b: &Hash) -> bool {
    a.ct_eq(b).into()
}

/// A fresh random id (space-unique in practice: 128 bits).
pub fn random_id() -> Result<Id, getrandom::Error> {
    let mut bytes = [0_u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(id_from_random_bytes(bytes))
}

/// A new device's token (sent to it once) and the hash the server keeps.
pub struct Token {
    pub text: String,
    pub hash: Hash,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

/// A new token for `device_id`.
pub fn new_token(device_id: &str) -> Result<Token, getrandom::Error> {
    let mut secret = [0_u8; TOKEN_SECRET_BYTES];
    getrandom::fill(&mut secret)?;
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Token {
        text: format!("{device_id}.{hex}"),
        hash: hash(&secret),
    })
}

/// The device id a token names and the hash of its secret; `None` if it is not a well-formed token.
pub fn parse_token(text: &str) -> Option<(&str, Hash)> {
    let (device_id, hex) = text.split_once('.')?;
    if !is_id(device_id) || hex.len() != TOKEN_SECRET_BYTES * 2 {
        return None;
    }
    let mut secret = [0_u8; TOKEN_SECRET_BYTES];
    for (byte, pair) in secret.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some((device_id, hash(&secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_parses_back_to_its_device_and_hash() {
        let device = random_id().expect("random");
        let token = new_token(&device).expect("random");
        let (parsed_device, parsed_hash) = parse_token(&token.text).expect("well formed");
        assert_eq!(parsed_device, device);
        assert!(same_hash(&parsed_hash, &token.hash));
        assert_ne!(
            new_token(&device).expect("random").text,
            token.text,
            "random"
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let device = "0".repeat(32);
        let secret = "a".repeat(64);
        assert!(parse_token(&format!("{device}.{secret}")).is_some());
        for bad in [
            String::new(),
            device.clone(),
            format!("{device}.{}", "a".repeat(63)),
            format!("{device}.{}", "A".repeat(64)),
            format!("{device}.{}", "g".repeat(64)),
            format!("{}.{secret}", "0".repeat(31)),
            format!("{device}{secret}"),
        ] {
            assert!(parse_token(&bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn hashes_compare_by_value() {
        let a = hash(b"one");
        assert!(same_hash(&a, &hash(b"one")));
        assert!(!same_hash(&a, &hash(b"two")));
    }
}
