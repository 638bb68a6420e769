//! The codes a person reads, writes down or scans: the recovery code and the sync code for joining a device.
//!
//! # Format
//!
//! Both codes carry 16 bytes (128 bits) and look the same: 28 characters of
//! [Crockford base32](https://www.crockford.com/base32.html) (`0-9` and `A-Z` without `I`, `L`, `O` and `U`),
//! written in seven groups of four, for example `1K2M-9QXD-…-7P4W`.
//!
//! - The first 26 characters are the 16 bytes read as one big-endian 128-bit number, in base 32. That is 130
//!   bits, so the first character has 2 bits to spare: one of them tells the kind. A recovery code starts with
//!   `0`–`7`, a sync code with `8`, `9` or `A`–`F`, so a sync code typed where the recovery code is asked for (or the other
//!   way round) is recognised as such.
//! - The last 2 characters are a check: the whole 28-character number (kind bit included) must be a multiple of
//!   the prime 1021. Changing any one character changes the number by `d · 32^k` with `0 < |d| < 32`, and
//!   swapping two neighbours changes it by `(a − b) · 31 · 32^k`; neither is ever a multiple of 1021, so
//!   **every single-character typo and every swap of two neighbouring characters is caught**, and about 1 in
//!   1021 other mistakes slips through.
//!
//! Reading is forgiving: upper or lower case, any spaces or dashes anywhere, and the look-alikes `O` (read as `0`)
//! and `I`/`L` (read as `1`).
//!
//! The recovery code is a secret (it unlocks the data key); the sync code is the space id, which is not secret on
//! its own (joining needs the passphrase too) but is still only shown to the person.

use std::fmt;

use thiserror::Error;

use super::protocol::{Id, id_from_random_bytes, is_id};

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters carrying the 16 bytes.
const DATA_CHARS: usize = 26;
/// Characters in a whole code.
pub const CODE_CHARS: usize = DATA_CHARS + 2;
/// The prime the check works modulo (the largest below 32², so the check fits in two characters).
const CHECK_PRIME: u32 = 1021;

/// Why a typed code was not accepted, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CodeError {
    #[error("Nothing was entered.")]
    Empty,
    #[error("That code has {found} letters and numbers; it should have {CODE_CHARS}.")]
    WrongLength { found: usize },
    #[error(
        "“{0}” cannot be part of a code. Codes use only numbers and the letters A to Z (except U)."
    )]
    BadCharacter(char),
    #[error("That code does not check out: one of its letters or numbers is probably mistyped.")]
    Mistyped,
    #[error("That is the sync code (for joining a device), not the recovery code.")]
    IsSyncCode,
    #[error("That is the recovery code, not the sync code for joining a device.")]
    IsRecoveryCode,
}

/// Which kind of code, as what it adds to the first character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Recovery = 0,
    Sync = 8,
}

/// Encodes 16 bytes as a 28-character code of `kind`, grouped in fours.
fn encode(bytes: &[u8; 16], kind: Kind) -> String {
    let mut value = u128::from_be_bytes(*bytes);
    let mut digits = [0u8; CODE_CHARS];
    for digit in digits[..DATA_CHARS].iter_mut().rev() {
        *digit = (value % 32) as u8;
        value /= 32;
    }
    digits[0] += kind as u8;
    // Choose the check so the whole number is a multiple of p: data · 32² + check ≡ 0.
    let shifted = remainder(&digits[..DATA_CHARS]) * 1024 % CHECK_PRIME;
    let check = (CHECK_PRIME - shifted) % CHECK_PRIME;
    digits[DATA_CHARS] = (check / 32) as u8;
    digits[DATA_CHARS + 1] = (check % 32) as u8;

    let mut text = String::with_capacity(CODE_CHARS + CODE_CHARS / 4);
    for (i, digit) in digits.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            text.push('-');
        }
        text.push(ALPHABET[*digit as usize] as char);
    }
    text
}

/// The number the base-32 `digits` spell, modulo the check prime.
fn remainder(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |rem, digit| (rem * 32 + u32::from(*digit)) % CHECK_PRIME)
}

/// The value of one typed character, or `None` for separators; look-alikes are read as what they look like.
fn digit_of(c: char) -> Result<Option<u8>, CodeError> {
    let upper = c.to_ascii_uppercase();
    let value = match upper {
        '0'..='9' => upper as u8 - b'0',
        'O' => 0,
        'I' | 'L' => 1,
        _ if c.is_whitespace() || is_dash(c) => return Ok(None),
        _ => match ALPHABET.iter().position(|a| *a as char == upper) {
            Some(index) => index as u8,
            None => return Err(CodeError::BadCharacter(c)),
        },
    };
    Ok(Some(value))
}

/// The hyphen and the dashes a phone keyboard or a word processor might put in its place.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '_' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}'
    )
}

/// Reads a code of `kind` back to its 16 bytes.
fn decode(text: &str, kind: Kind) -> Result<[u8; 16], CodeError> {
    let mut digits = Vec::with_capacity(CODE_CHARS);
    for c in text.chars() {
        if let Some(digit) = digit_of(c)? {
            digits.push(digit);
        }
    }
    if digits.is_empty() {
        return Err(CodeError::Empty);
    }
    if digits.len() != CODE_CHARS {
        return Err(CodeError::WrongLength {
            found: digits.len(),
        });
    }
    let check = u32::from(digits[DATA_CHARS]) * 32 + u32::from(digits[DATA_CHARS + 1]);
    // `encode` never writes a check at or above the prime, nor a first character above 15 (`F`).
    if remainder(&digits) != 0 || check >= CHECK_PRIME || digits[0] >= 16 {
        return Err(CodeError::Mistyped);
    }
    let found = if digits[0] < 8 {
        Kind::Recovery
    } else {
        Kind::Sync
    };
    if found != kind {
        return Err(match kind {
            Kind::Recovery => CodeError::IsSyncCode,
            Kind::Sync => CodeError::IsRecoveryCode,
        });
    }
    digits[0] -= kind as u8;
    let value = digits[..DATA_CHARS]
        .iter()
        .fold(0u128, |value, digit| value * 32 + u128::from(*digit));
    Ok(value.to_be_bytes())
}

/// The recovery code: 128 random bits that unlock the data key if the passphrase is forgotten.
///
/// Its [`Debug`] does not show it; [`Display`](fmt::Display) writes it out for the person.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode([u8; 16]);

impl RecoveryCode {
    /// A new recovery code from 16 bytes of a secure random source.
    pub fn generate(random: [u8; 16]) -> Self {
        Self(random)
    }

    /// Reads a code the person typed (see the [module](self) for what is tolerated).
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        decode(text, Kind::Recovery).map(Self)
    }

    /// The 16 secret bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode(&self.0, Kind::Recovery))
    }
}

impl fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryCode(…)")
    }
}

/// The sync code: a space's id written for a person, to type or scan on the device that joins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncCode([u8; 16]);

impl SyncCode {
    /// The code for the space `space_id`, or `None` when that is not an [`Id`].
    pub fn from_space_id(space_id: &str) -> Option<Self> {
        if !is_id(space_id) {
            return None;
        }
        let mut bytes = [0u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(space_id.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Self(bytes))
    }

    /// Reads a code the person typed or scanned (see the [module](self) for what is tolerated).
    pub fn parse(text: &str) -> Result<Self, CodeError> {
        decode(text, Kind::Sync).map(Self)
    }

    /// The space id it stands for.
    pub fn space_id(&self) -> Id {
        id_from_random_bytes(self.0)
    }
}

impl fmt::Display for SyncCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encode(&self.0, Kind::Sync))
    }
}

/// The app's path for setting up sync, where a join link leads.
pub const SYNC_PATH: &str = "/data/sync";
/// The query parameter of a join link that carries the sync code.
pub const JOIN_PARAMETER: &str = "join";

/// The link that opens the app's sync page ready to join `code`'s space: `{origin}/data/sync?join={code}`.
///
/// `origin` is the app's origin (`https://example.org`, no trailing slash; one is dropped if given). The code's
/// characters are all URL-safe.
pub fn join_link(origin: &str, code: &SyncCode) -> String {
    format!(
        "{}{SYNC_PATH}?{JOIN_PARAMETER}={code}",
        origin.trim_end_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_code_is_seven_groups_of_four() {
        let code = RecoveryCode::generate([0xff; 16]).to_string();
        assert_eq!(code.len(), 7 * 4 + 6);
        assert!(code.split('-').all(|group| group.len() == 4));
        assert!(code.starts_with('7'));
        assert!(SyncCode([0xff; 16]).to_string().starts_with('F'));
        let zero = RecoveryCode::generate([0; 16]).to_string();
        assert_eq!(zero, "0000-0000-0000-0000-0000-0000-0000");
        assert!(SyncCode([0; 16]).to_string().starts_with("8000-0000"));
    }

    #[test]
    fn parsing_forgives_case_spaces_dashes_and_look_alikes() {
        let code = RecoveryCode::generate(*b"\x01\x10waymark-recov\xee");
        let text = code.to_string();
        assert_eq!(RecoveryCode::parse(&text), Ok(code.clone()));
        let loose = format!(" {} ", text.to_lowercase().replace('-', " – "));
        assert_eq!(RecoveryCode::parse(&loose), Ok(code.clone()));
        let squashed: String = text.chars().filter(|c| *c != '-').collect();
        assert_eq!(RecoveryCode::parse(&squashed), Ok(code.clone()));
        let look_alikes = text.replace('0', "o").replace('1', "l");
        assert_eq!(RecoveryCode::parse(&look_alikes), Ok(code.clone()));
        let look_alikes = text.replace('0', "O").replace('1', "I");
        assert_eq!(RecoveryCode::parse(&look_alikes), Ok(code));
    }

    #[test]
    fn bad_input_is_explained() {
        assert_eq!(RecoveryCode::parse(" - "), Err(CodeError::Empty));
        assert_eq!(
            RecoveryCode::parse("0000-0000"),
            Err(CodeError::WrongLength { found: 8 })
        );
        assert_eq!(
            RecoveryCode::parse("0000-000U"),
            Err(CodeError::BadCharacter('U'))
        );
        assert_eq!(
            RecoveryCode::parse("0000-00é0"),
            Err(CodeError::BadCharacter('é'))
        );
        // A check above the prime, or a first character above F, even with the number a multiple of 1021.
        assert_eq!(
            RecoveryCode::parse(&format!("{}-ZX", "0".repeat(26))),
            Err(CodeError::Mistyped)
        );
        let mut digits = [0u8; CODE_CHARS];
        digits[0] = 16;
        let rem = remainder(&digits);
        let check = (CHECK_PRIME - rem) % CHECK_PRIME;
        digits[DATA_CHARS] = (check / 32) as u8;
        digits[DATA_CHARS + 1] = (check % 32) as u8;
        assert_eq!(remainder(&digits), 0);
        let text: String = digits
            .iter()
            .map(|d| ALPHABET[*d as usize] as char)
            .collect();
        assert_eq!(RecoveryCode::parse(&text), Err(CodeError::Mistyped));
        assert!(
            CodeError::WrongLength { found: 27 }
                .to_string()
                .contains("28")
        );
    }

    #[test]
    fn the_two_kinds_are_told_apart() {
        let bytes = [7; 16];
        let recovery = RecoveryCode::generate(bytes).to_string();
        let sync = SyncCode(bytes).to_string();
        assert_ne!(recovery, sync);
        assert_eq!(RecoveryCode::parse(&sync), Err(CodeError::IsSyncCode));
        assert_eq!(SyncCode::parse(&recovery), Err(CodeError::IsRecoveryCode));
    }

    #[test]
    fn the_recovery_code_is_not_shown_by_debug() {
        let code = RecoveryCode::generate([0x42; 16]);
        assert!(!format!("{code:?}").contains(&code.to_string()[..4]));
    }

    #[test]
    fn a_sync_code_carries_the_space_id() {
        let space_id = "00ff10a0b0c0d0e0f00112233445566f";
        let code = SyncCode::from_space_id(space_id).unwrap();
        assert_eq!(code.space_id(), space_id);
        assert_eq!(SyncCode::parse(&code.to_string()), Ok(code));
        assert_eq!(
            SyncCode::from_space_id("00FF10A0B0C0D0E0F00112233445566F"),
            None
        );
        assert_eq!(SyncCode::from_space_id("abc"), None);
    }

    #[test]
    fn join_links_round_trip() {
        let code = SyncCode::from_space_id(&"5a".repeat(16)).unwrap();
        let link = join_link("https://waymark.example/", &code);
        assert_eq!(
            link,
            format!("https://waymark.example/data/sync?join={code}")
        );
        // The app reads the parameter through the router (which undoes any URL encoding) and parses it as a code.
        let value = link.split_once(&format!("?{JOIN_PARAMETER}=")).unwrap().1;
        assert_eq!(SyncCode::parse(value), Ok(code));
    }

    /// The positions of the 28 code characters in the written code (skipping the dashes).
    fn char_positions(text: &str) -> Vec<usize> {
        text.char_indices()
            .filter(|(_, c)| *c != '-')
            .map(|(i, _)| i)
            .collect()
    }

    proptest! {
        #[test]
        fn codes_round_trip(bytes in any::<[u8; 16]>()) {
            let recovery = RecoveryCode::generate(bytes);
            prop_assert_eq!(RecoveryCode::parse(&recovery.to_string()), Ok(recovery));
            let sync = SyncCode(bytes);
            prop_assert_eq!(SyncCode::from_space_id(&sync.space_id()), Some(sync.clone()));
            prop_assert_eq!(SyncCode::parse(&sync.to_string()), Ok(sync));
        }

        #[test]
        fn any_single_character_typo_is_caught(
            bytes in any::<[u8; 16]>(),
            position in 0..CODE_CHARS,
            replacement in 0..32usize,
            sync in any::<bool>(),
        ) {
            let text = if sync { SyncCode(bytes).to_string() } else { RecoveryCode::generate(bytes).to_string() };
            let at = char_positions(&text)[position];
            let original = text.as_bytes()[at];
            let new = ALPHABET[replacement];
            prop_assume!(new != original);
            let mut typo = text.into_bytes();
            typo[at] = new;
            let typo = String::from_utf8(typo).unwrap();
            prop_assert_eq!(RecoveryCode::parse(&typo), Err(CodeError::Mistyped));
            prop_assert_eq!(SyncCode::parse(&typo), Err(CodeError::Mistyped));
        }

        #[test]
        fn any_swap_of_neighbours_is_caught(
            bytes in any::<[u8; 16]>(),
            position in 0..CODE_CHARS - 1,
        ) {
            let text = RecoveryCode::generate(bytes).to_string();
            let positions = char_positions(&text);
            let (a, b) = (positions[position], positions[position + 1]);
            let mut swapped = text.clone().into_bytes();
            swapped.swap(a, b);
            prop_assume!(swapped[a] != swapped[b]);
            let swapped = String::from_utf8(swapped).unwrap();
            prop_assert_eq!(RecoveryCode::parse(&swapped), Err(CodeError::Mistyped));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,40}") {
            let _ = RecoveryCode::parse(&text);
        }
    }
}
