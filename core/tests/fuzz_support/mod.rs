//! Fuzzing on stable Rust with proptest: each input is either arbitrary bytes or a valid seed with a few random
//! edits (so most inputs get past the first byte of the parser), the number of inputs comes from
//! [`CASES_ENV`] (a short pass by default, `scripts/fuzz` asks for a million), and each target reports how many
//! inputs it took and how many it accepted. Each seed must be accepted first, so a target that never reaches its
//! parser fails.
//!
//! Shared by core's and the server's fuzz tests (the server's include this file by path).

#![allow(dead_code)] // each test binary uses a different subset

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

/// The number of inputs per target (`scripts/fuzz` sets it; `cargo test` runs [`SHORT_PASS`]).
pub const CASES_ENV: &str = "WAYMARK_FUZZ_CASES";
/// Inputs per target in a plain `cargo test`.
pub const SHORT_PASS: u32 = 1_000;

/// Pieces that matter to JSON and to the formats inside it, spliced in by [`Edit::Token`].
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "true",
    "false",
    "-1",
    "0",
    "1e999",
    "-0.0",
    "18446744073709551616",
    "9223372036854775808",
    "\\u0000",
    "\\ud800",
    "\"\"",
    "{}",
    "[]",
    "\u{202e}",
    "=",
    "==",
    "/",
    "+",
    "%00",
    "\n",
    "\r\n",
    "\t",
    "\u{feff}",
];

/// One random edit of a seed.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Index, u8),
    Insert(Index, u8),
    Remove(Index),
    Token(Index, Index),
    /// Copies a slice of the input to another place (repeats structure).
    Duplicate(Index, Index, u8),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Replace(at, byte)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
        any::<Index>().prop_map(Edit::Remove),
        (any::<Index>(), any::<Index>()).prop_map(|(at, token)| Edit::Token(at, token)),
        (any::<Index>(), any::<Index>(), any::<u8>())
            .prop_map(|(from, to, len)| Edit::Duplicate(from, to, len)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        let len = bytes.len();
        // An index into the input (0 when it is empty), and one that may also be its end.
        let at = |index: &Index| if len == 0 { 0 } else { index.index(len) };
        let gap = |index: &Index| index.index(len + 1);
        match edit {
            Edit::Replace(index, byte) if len > 0 => bytes[at(index)] = *byte,
            Edit::Insert(index, byte) => bytes.insert(gap(index), *byte),
            Edit::Remove(index) if len > 0 => {
                bytes.remove(at(index));
            }
            Edit::Token(index, token) => {
                let token = TOKENS[token.index(TOKENS.len())].as_bytes();
                let place = gap(index);
                bytes.splice(place..place, token.iter().copied());
            }
            Edit::Duplicate(from, to, n) if len > 0 => {
                let start = at(from);
                let end = (start + usize::from(*n)).min(len);
                let piece = bytes[start..end].to_vec();
                let place = gap(to);
                bytes.splice(place..place, piece);
            }
            Edit::Truncate(index) => bytes.truncate(gap(index)),
            _ => {}
        }
    }
    bytes
}

/// Inputs: a quarter arbitrary bytes, the rest a seed with one to four edits.
pub fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    assert!(!seeds.is_empty(), "a target needs at least one seed");
    let mutated = (0..seeds.len(), prop::collection::vec(edit(), 1..5))
        .prop_map(move |(seed, edits)| apply(seeds[seed].clone(), &edits));
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..300),
        3 => mutated,
    ]
}

/// The number of inputs per target: [`CASES_ENV`], or [`SHORT_PASS`].
pub fn cases() -> u32 {
    std::env::var(CASES_ENV)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(SHORT_PASS)
}

/// Runs `target` on [`cases`] inputs from `seeds` (each seed is first checked to be accepted). `target` answers
/// whether it accepted the input; it panics (failing the test, with the input shrunk) if an invariant breaks.
pub fn fuzz(name: &str, seeds: Vec<Vec<u8>>, target: impl Fn(&[u8]) -> bool) {
    for (n, seed) in seeds.iter().enumerate() {
        assert!(target(seed), "{name}: seed {n} is not accepted");
    }
    let inputs = AtomicU64::new(0);
    let accepted = AtomicU64::new(0);
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&input(seeds), |bytes| {
        inputs.fetch_add(1, Ordering::Relaxed);
        if target(&bytes) {
            accepted.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    let (inputs, accepted) = (inputs.into_inner(), accepted.into_inner());
    eprintln!("fuzz {name}: {inputs} inputs, {accepted} accepted");
    if let Err(failure) = result {
        panic!("fuzz {name}: {failure}");
    }
    // The seeds (checked above) show the target reaches its parser and past it; every input accepted would show
    // the target checks nothing.
    assert!(accepted < inputs, "fuzz {name}: every input was accepted");
}

/// The input as text, as a browser or a file reader would decode it (invalid UTF-8 replaced).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
