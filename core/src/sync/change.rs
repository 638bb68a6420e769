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

/// The fields every record has, before its `data.<name>` fields.
pub const ENVELOPE_FIELDS: [&str; 3] = ["created", "updated", "deleted"];

/// The prefix of a field of the record's `data` object.
pub const DATA_PREFIX: &str = "data.";

/// The sync field names of a record (`created`, `updated`, `deleted`, `data.<name>`…), in a stable order.
pub fn field_names(record: &Value) -> Vec<String> {
    let mut names: Vec<String> = ENVELOPE_FIELDS.iter().map(|&f| f.to_owned()).collect();
    if let Some(data) = record.get("data").and_then(Value::as_object) {
        let mut data: Vec<String> = data.keys().map(|k| format!("{DATA_PREFIX}{k}")).collect();
        data.sort_unstable();
        names.extend(data);
    }
    names
}

/// Whether `name` is a sync field name (one of [`ENVELOPE_FIELDS`] or `data.<name>`). Nothing else, the record's id
/// above all, is ever set by a change.
pub fn is_field_name(name: &str) -> bool {
    ENVELOPE_FIELDS.contains(&name) || name.starts_with(DATA_PREFIX)
}

/// The value of one sync field of a record (`None` when the record does not have it).
pub fn field_value<'a>(record: &'a Value, field: &str) -> Option<&'a Value> {
    match field.strip_prefix(DATA_PREFIX) {
        Some(name) => record.get("data")?.get(name),
        None if ENVELOPE_FIELDS.contains(&field) => record.get(field),
        None => None,
    }
}

/// Sets (`Some`) or removes (`None`) one sync field of a record. Names that are not sync fields are ignored; a
/// record without a `data` object gets one when a data field is set.
pub fn set_field_value(record: &mut Value, field: &str, value: Option<Value>) {
    let Some(object) = record.as_object_mut() else {
        return;
    };
    let (object, name) = match field.strip_prefix(DATA_PREFIX) {
        Some(name) => {
            let data = object
                .entry("data")
                .or_insert_with(|| Value::Object(Default::default()));
            if !data.is_object() {
                *data = Value::Object(Default::default());
            }
            match data.as_object_mut() {
                Some(data) => (data, name),
                None => return,
            }
        }
        None if ENVELOPE_FIELDS.contains(&field) => (object, field),
        None => return,
    };
    match value {
        Some(value) => {
            object.insert(name.to_owned(), value);
        }
        None => {
            object.remove(name);
        }
    }
}

/// The fields whose values differ between `before` and `after` (every field when there is no `before`).
/// `updated` is always included when anything else differs.
///
/// A field one side does not have differs from any value the other side has (absent is not `null`), so removing a
/// data field travels as a change that sets it to absent. The order is that of [`field_names`].
pub fn changed_fields(before: Option<&Value>, after: &Value) -> Vec<String> {
    let Some(before) = before else {
        return field_names(after);
    };
    let mut names = field_names(after);
    for name in field_names(before) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    // Envelope fields first (as listed), then data fields by name.
    names[ENVELOPE_FIELDS.len()..].sort_unstable();
    let mut changed: Vec<String> = names
        .into_iter()
        .filter(|name| field_value(before, name) != field_value(after, name))
        .collect();
    if !changed.is_empty() && !changed.iter().any(|name| name == "updated") {
        let at = usize::from(changed.first().is_some_and(|name| name == "created"));
        changed.insert(at, "updated".to_owned());
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(updated: i64, deleted: bool, data: Value) -> Value {
        json!({"id": "x", "created": 1, "updated": updated, "deleted": deleted, "data": data})
    }

    #[test]
    fn field_names_are_the_envelope_then_data_by_name() {
        let r = record(2, false, json!({"mood": "good", "at": 1, "note": ""}));
        assert_eq!(
            field_names(&r),
            [
                "created",
                "updated",
                "deleted",
                "data.at",
                "data.mood",
                "data.note"
            ]
        );
        assert_eq!(field_value(&r, "data.mood"), Some(&json!("good")));
        assert_eq!(field_value(&r, "updated"), Some(&json!(2)));
        assert_eq!(field_value(&r, "id"), None);
        assert_eq!(field_value(&r, "data.missing"), None);
    }

    #[test]
    fn a_new_record_changes_every_field() {
        let r = record(2, false, json!({"mood": "good"}));
        assert_eq!(changed_fields(None, &r), field_names(&r));
    }

    #[test]
    fn only_differing_fields_change_and_updated_goes_with_them() {
        let before = record(
            2,
            false,
            json!({"mood": "good", "note": "a", "tags": ["x"]}),
        );
        let after = record(
            3,
            false,
            json!({"mood": "low", "note": "a", "tags": ["x", "y"]}),
        );
        assert_eq!(
            changed_fields(Some(&before), &after),
            ["updated", "data.mood", "data.tags"]
        );
        // `updated` is named even when the edit did not move it.
        let same_time = record(2, false, json!({"mood": "low", "note": "a", "tags": ["x"]}));
        assert_eq!(
            changed_fields(Some(&before), &same_time),
            ["updated", "data.mood"]
        );
        assert!(changed_fields(Some(&before), &before).is_empty());
    }

    #[test]
    fn a_delete_and_an_undo_name_deleted() {
        let live = record(2, false, json!({"mood": "good"}));
        let gone = record(3, true, json!({"mood": "good"}));
        let back = record(4, false, json!({"mood": "good"}));
        assert_eq!(changed_fields(Some(&live), &gone), ["updated", "deleted"]);
        assert_eq!(changed_fields(Some(&gone), &back), ["updated", "deleted"]);
    }

    #[test]
    fn a_field_on_one_side_only_differs_even_from_null() {
        let before = record(2, false, json!({"a": null, "gone": 1}));
        let after = record(3, false, json!({"new": null}));
        assert_eq!(
            changed_fields(Some(&before), &after),
            ["updated", "data.a", "data.gone", "data.new"]
        );
        let mut edited = before.clone();
        set_field_value(&mut edited, "data.gone", None);
        set_field_value(&mut edited, "data.a", Some(json!(5)));
        set_field_value(&mut edited, "id", Some(json!("y")));
        assert_eq!(edited["data"], json!({"a": 5}));
        assert_eq!(edited["id"], json!("x"));
    }
}
