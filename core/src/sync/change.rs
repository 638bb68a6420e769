//! One unit of sync: the fields of one record that one edit set, with the whole record for context.
//!
//! A record's fields, for sync, are `created`, `updated`, `deleted` and `data.<name>` for each top-level name in its
//! `data` object. A change carries the whole record as it was after the edit (at schema version `version`), and
//! names the fields the edit set; a device applying it takes only those fields, each if its stamp is later than the
//! one it holds. The change travels encrypted: this is the plaintext.

use super::clock::Stamp;
use super::protocol::Id;
use crate::record::RecordId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Random, chosen by the device that made the change; the server's key for it too.
    pub id: Id,
    /// The record's kind (`RecordKind::KIND`).
    pub kind: String,
    pub record_id: RecordId,
    /// The schema version `record` is written in.
    pub version: u32,
    pub stamp: Stamp,
    /// The names of the fields this change sets (see the module's documentation).
    pub fields: Vec<String>,
    /// The whole record after the edit: `{"id","created","updated","deleted","data"}`.
    pub record: Value,
}

/// The sync field names of a record (`created`, `updated`, `deleted`, `data.<name>`…), in a stable order.
pub fn field_names(record: &Value) -> Vec<String> {
    todo!("{record:?}")
}

/// The fields whose values differ between `before` and `after` (every field when there is no `before`).
/// `updated` is always included when anything else differs.
pub fn changed_fields(before: Option<&Value>, after: &Value) -> Vec<String> {
    todo!("{before:?} {after:?}")
}
