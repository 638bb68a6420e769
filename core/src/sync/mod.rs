//! Optional end-to-end-encrypted sync between one person's devices.
//!
//! Everything here is pure: the clock, random bytes and storage are passed in, encryption happens outside (the
//! app uses WebCrypto, the tests use a native cipher). The server only ever sees [`protocol`] messages: opaque
//! ids, sequence numbers, times and ciphertext.
//!
//! - [`clock`]: hybrid logical clock stamps, ordered by (wall time, counter, device id).
//! - [`change`]: one encrypted unit of sync: the fields of one record that one edit set, with its stamp.
//! - [`merge`]: per-field last-writer-wins; a change stamped far ahead of when the server received it is capped.
//! - [`engine`]: the device's side, over a [`KeyValueStore`](crate::KeyValueStore): outbox, cursor, field stamps.
//! - [`protocol`]: the JSON the device and the sync server exchange.

pub mod change;
pub mod clock;
pub mod codes;
pub mod engine;
pub mod keys;
pub mod merge;
pub mod protocol;
