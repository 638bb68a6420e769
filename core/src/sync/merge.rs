//! Per-field last-writer-wins, deterministic whatever order changes arrive in, however often.
//!
//! Each field of a record remembers the stamp of the change that last set it ([`FieldStamp`]). A change sets a field
//! only if its [`effective`] order is later. Deletes are the `deleted` field: an edit from a device that had not seen
//! the delete does not touch `deleted`, so a deleted record comes back only when someone undoes the delete.
//!
//! A change whose receipt is not known yet (this device's own, before its push is answered) counts provisionally,
//! uncapped; the changes it may lose to once its receipt caps it are kept with their values
//! ([`FieldStamp::contenders`]), so once every receipt is known a device ends exactly where a device that only ever
//! saw changes with their receipts does: the result depends only on which changes arrived, with which receipts.
//! (Until then, if a later own change's receipt arrives before an earlier one's, a field can show the earlier own
//! change's value for a while: receipts normally arrive oldest first.)

use super::change::{Change, field_value, is_field_name, set_field_value};
use super::clock::{MAX_AHEAD_MS, Stamp};
use super::protocol::Id;
use crate::record::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The change that last set one field.
///
/// While this device's own change has not been pushed, its receipt time is unknown, so its [`effective`] order is
/// only provisional: the receipt can cap it below a change it beat. Until then the field keeps, in `contenders`,
/// each change that could still win once every receipt is known (the best change whose receipt is known, and the
/// other own changes still waiting), with the value each set. Once every change a field has seen carries its
/// receipt, `contenders` is empty, and the field's value and stamp depend only on which changes arrived (see
/// [`apply`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldStamp {
    pub stamp: Stamp,
    pub change: Id,
    /// When the server first stored that change (`None` until this device has pushed it or pulled it).
    pub received_at: Option<Timestamp>,
    /// The changes this one beats only provisionally, best first (empty when this field's order is settled).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contenders: Vec<Contender>,
}

/// A change that may yet set a field, kept with the value it sets while a provisional change holds the field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contender {
    pub stamp: Stamp,
    pub change: Id,
    pub received_at: Option<Timestamp>,
    /// The value this change sets (`None`: the field is absent in its record, so it removes the field).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_value"
    )]
    pub value: Option<Value>,
}

/// A value that is present in JSON, even `null`, is `Some` (serde's default reads `null` as `None`).
fn present_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Every field's stamp for one record.
pub type FieldStamps = BTreeMap<String, FieldStamp>;

/// The order a change's write counts with (later is greater): see [`effective`].
pub type Order<'a> = (Timestamp, &'a Stamp, &'a str);

/// The order a change's write counts with: its stamp's wall time capped at `received_at + MAX_AHEAD_MS` (a device
/// whose clock is days ahead cannot win forever), then the whole stamp (wall time, counter, device), then the change
/// id as the final tiebreak. Without a receipt the wall time is not capped (a provisional order, never lower than
/// the order the change will have once its receipt is known).
///
/// The uncapped stamp comes second so that capping never reorders two edits where one was made after the other:
/// two changes capped to the same time still count in the order they were made.
pub fn effective(stamp: &FieldStamp) -> Order<'_> {
    order(&stamp.stamp, stamp.received_at, &stamp.change)
}

/// [`effective`] for a stamp, receipt and change id held apart.
pub fn order<'a>(stamp: &'a Stamp, received_at: Option<Timestamp>, change: &'a str) -> Order<'a> {
    let wall = match received_at {
        Some(received_at) => {
            Timestamp(stamp.wall.0.min(received_at.0.saturating_add(MAX_AHEAD_MS)))
        }
        None => stamp.wall,
    };
    (wall, stamp, change)
}

impl Contender {
    /// This change's [`effective`] order.
    pub fn order(&self) -> Order<'_> {
        order(&self.stamp, self.received_at, &self.change)
    }
}

/// Applies `change` (whose record is already at the current schema version) to a record and its field stamps.
///
/// `current` is the record this device holds (`None` if it has none: the change's record is taken whole, and the
/// fields it does not name get no stamp, so any change naming them wins). Returns the new record and stamps, or
/// `None` when nothing changed (every field the change sets is already held at a later order, or this change is
/// already applied with what is known of its receipt).
///
/// For each field the change names, the changes that could still win are kept: the best change with a known
/// receipt, and every change without one whose provisional order is above it (a receipt only ever lowers an
/// order, so no other change can win later). The best of them sets the field. A change arriving again with its
/// receipt is settled in place. So once every change a field has seen has been delivered with its receipt, the
/// field holds the value of the change with the greatest [`effective`] order among all that named it, whatever the
/// order of arrival, duplicates, or whether a change came first without its receipt.
pub fn apply(
    current: Option<(&Value, &FieldStamps)>,
    change: &Change,
    received_at: Option<Timestamp>,
) -> Option<(Value, FieldStamps)> {
    let (mut record, mut stamps) = match current {
        Some((record, stamps)) => (record.clone(), stamps.clone()),
        None => (change.record.clone(), FieldStamps::new()),
    };
    let mut seen: Vec<&str> = Vec::new();
    for field in &change.fields {
        if !is_field_name(field) || seen.contains(&field.as_str()) {
            continue;
        }
        seen.push(field);
        let mut candidates: Vec<Contender> = Vec::new();
        if let Some(held) = stamps.remove(field) {
            candidates.push(Contender {
                stamp: held.stamp,
                change: held.change,
                received_at: held.received_at,
                value: field_value(&record, field).cloned(),
            });
            candidates.extend(held.contenders);
        }
        match candidates.iter_mut().find(|c| c.change == change.id) {
            Some(known) => {
                // The same change again: only its receipt can be new (the earliest one counts, should two differ).
                known.received_at = match (known.received_at, received_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => candidates.push(Contender {
                stamp: change.stamp.clone(),
                change: change.id.clone(),
                received_at,
                value: field_value(&change.record, field).cloned(),
            }),
        }
        let mut kept = keep_possible_winners(candidates).into_iter();
        let Some(winner) = kept.next() else {
            continue;
        };
        set_field_value(&mut record, field, winner.value);
        stamps.insert(
            field.clone(),
            FieldStamp {
                stamp: winner.stamp,
                change: winner.change,
                received_at: winner.received_at,
                contenders: kept.collect(),
            },
        );
    }
    let unchanged =
        current.is_some_and(|(held, held_stamps)| *held == record && *held_stamps == stamps);
    (!unchanged).then_some((record, stamps))
}

/// The candidates for one field that can still end up winning, best first: the best with a known receipt, and
/// those without one ordered above it.
fn keep_possible_winners(candidates: Vec<Contender>) -> Vec<Contender> {
    let best_settled = candidates
        .iter()
        .filter(|c| c.received_at.is_some())
        .max_by(|a, b| a.order().cmp(&b.order()))
        .cloned();
    let mut kept: Vec<Contender> = candidates
        .into_iter()
        .filter(|c| match &best_settled {
            Some(best) => c.received_at.is_none() && c.order() > best.order(),
            None => true,
        })
        .collect();
    kept.extend(best_settled);
    kept.sort_by(|a, b| b.order().cmp(&a.order()));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordId;
    use proptest::prelude::*;
    use serde_json::json;

    fn stamp(wall: i64, counter: u32, device: &str) -> Stamp {
        Stamp {
            wall: Timestamp(wall),
            counter,
            device: device.into(),
        }
    }

    fn field_stamp(wall: i64, counter: u32, received_at: Option<i64>) -> FieldStamp {
        FieldStamp {
            stamp: stamp(wall, counter, "d"),
            change: "c".into(),
            received_at: received_at.map(Timestamp),
            contenders: Vec::new(),
        }
    }

    fn id() -> RecordId {
        RecordId::from_random_bytes([9; 16])
    }

    fn record(updated: i64, deleted: bool, mood: &str, note: &str) -> Value {
        json!({"id": id(), "created": 1, "updated": updated, "deleted": deleted,
               "data": {"mood": mood, "note": note}})
    }

    fn change(name: &str, at: Stamp, fields: &[&str], record: Value) -> Change {
        Change {
            id: name.into(),
            kind: "k".into(),
            record_id: id(),
            version: 1,
            stamp: at,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            record,
        }
    }

    fn apply_all(changes: &[(&Change, Option<i64>)]) -> (Value, FieldStamps) {
        let mut state: Option<(Value, FieldStamps)> = None;
        for (change, received_at) in changes {
            let current = state.as_ref().map(|(r, s)| (r, s));
            if let Some(next) = apply(current, change, received_at.map(Timestamp)) {
                state = Some(next);
            }
        }
        state.expect("something applied")
    }

    #[test]
    fn the_wall_time_is_capped_a_little_after_the_receipt() {
        let far_ahead = field_stamp(10_000_000, 3, Some(1_000));
        assert_eq!(effective(&far_ahead).0, Timestamp(1_000 + MAX_AHEAD_MS));
        assert_eq!(effective(&far_ahead).1, &far_ahead.stamp);
        // Within the allowance, or with no receipt yet, the wall time counts as it is.
        let near = field_stamp(1_000 + MAX_AHEAD_MS - 1, 0, Some(1_000));
        assert_eq!(effective(&near).0, Timestamp(1_000 + MAX_AHEAD_MS - 1));
        let unsent = field_stamp(10_000_000, 3, None);
        assert_eq!(effective(&unsent).0, Timestamp(10_000_000));
        assert!(effective(&far_ahead) > effective(&near));
        assert!(effective(&unsent) > effective(&far_ahead));
        // A receipt near the end of time does not overflow.
        assert_eq!(
            effective(&field_stamp(5, 0, Some(i64::MAX))).0,
            Timestamp(5)
        );
    }

    #[test]
    fn two_capped_edits_still_count_in_the_order_they_were_made() {
        // Made one after the other on a clock days ahead, pushed together: both capped to the same time.
        let first = field_stamp(10_000_000, 7, Some(1_000));
        let second = field_stamp(10_000_001, 0, Some(1_000));
        assert_eq!(effective(&first).0, effective(&second).0);
        assert!(effective(&second) > effective(&first));
    }

    #[test]
    fn the_later_change_wins_each_field_it_sets_whatever_the_order() {
        let create = change(
            "c1",
            stamp(100, 0, "a"),
            &["created", "updated", "deleted", "data.mood", "data.note"],
            record(100, false, "okay", ""),
        );
        let mood = change(
            "c2",
            stamp(200, 0, "b"),
            &["updated", "data.mood"],
            record(200, false, "good", ""),
        );
        let note = change(
            "c3",
            stamp(150, 0, "a"),
            &["updated", "data.note"],
            record(150, false, "okay", "hello"),
        );
        let orders = [
            [&create, &mood, &note],
            [&note, &mood, &create],
            [&mood, &create, &note],
        ];
        let results: Vec<_> = orders
            .iter()
            .map(|o| apply_all(&o.map(|c| (c, Some(c.stamp.wall.0)))))
            .collect();
        assert!(results.windows(2).all(|w| w[0] == w[1]));
        let (record, stamps) = &results[0];
        assert_eq!(record["data"], json!({"mood": "good", "note": "hello"}));
        assert_eq!(record["updated"], json!(200));
        assert_eq!(stamps["data.note"].change, "c3");
        assert_eq!(stamps["created"].change, "c1");
        // Applying any of them again changes nothing.
        for c in [&create, &mood, &note] {
            assert_eq!(apply(Some((record, stamps)), c, Some(c.stamp.wall)), None);
        }
    }

    #[test]
    fn a_record_made_from_an_edit_takes_unnamed_fields_without_stamps() {
        let edit = change(
            "c2",
            stamp(200, 0, "b"),
            &["updated", "data.mood"],
            record(200, false, "good", "from the edit"),
        );
        let (made, stamps) = apply(None, &edit, Some(Timestamp(200))).unwrap();
        assert_eq!(made, edit.record);
        assert_eq!(stamps.keys().collect::<Vec<_>>(), ["data.mood", "updated"]);
        // The earlier creation still sets what the edit did not.
        let create = change(
            "c1",
            stamp(100, 0, "a"),
            &["created", "updated", "deleted", "data.mood", "data.note"],
            record(100, false, "okay", "first"),
        );
        let (merged, _) = apply(Some((&made, &stamps)), &create, Some(Timestamp(100))).unwrap();
        assert_eq!(merged["data"], json!({"mood": "good", "note": "first"}));
    }

    #[test]
    fn an_edit_that_had_not_seen_a_delete_does_not_revive_it_but_an_undo_does() {
        let all = ["created", "updated", "deleted", "data.mood", "data.note"];
        let create = change(
            "c1",
            stamp(100, 0, "a"),
            &all,
            record(100, false, "okay", ""),
        );
        let delete = change(
            "c2",
            stamp(200, 0, "a"),
            &["updated", "deleted"],
            record(200, true, "okay", ""),
        );
        let edit = change(
            "c3",
            stamp(300, 0, "b"),
            &["updated", "data.mood"],
            record(300, false, "good", ""),
        );
        let (record_after, _) = apply_all(&[
            (&create, Some(100)),
            (&edit, Some(300)),
            (&delete, Some(200)),
        ]);
        assert_eq!(record_after["deleted"], json!(true));
        assert_eq!(record_after["data"]["mood"], json!("good"));
        let undo = change(
            "c4",
            stamp(400, 0, "a"),
            &["updated", "deleted"],
            record(400, false, "okay", ""),
        );
        let (record_after, _) = apply_all(&[
            (&undo, Some(400)),
            (&create, Some(100)),
            (&edit, Some(300)),
            (&delete, Some(200)),
        ]);
        assert_eq!(record_after["deleted"], json!(false));
    }

    #[test]
    fn an_own_change_that_loses_once_its_receipt_is_known_gives_the_field_back() {
        let all = ["created", "updated", "deleted", "data.mood", "data.note"];
        // Another device's change, received at 400 000 and stamped 500 000: counts at 500 000.
        let theirs = change(
            "c1",
            stamp(500_000, 0, "b"),
            &all,
            record(500_000, false, "okay", "theirs"),
        );
        // This device's clock is far ahead: its edit wins here until the server's receipt caps it.
        let ours = change(
            "c2",
            stamp(9_000_000, 0, "a"),
            &["updated", "data.note"],
            record(9_000_000, false, "okay", "ours"),
        );
        let (provisional, stamps) = apply_all(&[(&theirs, Some(400_000)), (&ours, None)]);
        assert_eq!(provisional["data"]["note"], json!("ours"));
        assert_eq!(stamps["data.note"].contenders.len(), 1);
        // Received at 100 000: capped to 400 000, below theirs.
        let (settled, settled_stamps) = apply(
            Some((&provisional, &stamps)),
            &ours,
            Some(Timestamp(100_000)),
        )
        .unwrap();
        assert_eq!(settled["data"]["note"], json!("theirs"));
        assert_eq!(settled["updated"], json!(500_000));
        assert!(settled_stamps.values().all(|s| s.contenders.is_empty()));
        // The same as a device that only ever saw both with their receipts, in either order.
        assert_eq!(
            (settled.clone(), settled_stamps.clone()),
            apply_all(&[(&ours, Some(100_000)), (&theirs, Some(400_000))])
        );
        assert_eq!(
            (settled, settled_stamps),
            apply_all(&[(&theirs, Some(400_000)), (&ours, Some(100_000))])
        );
    }

    #[test]
    fn contenders_keep_null_apart_from_absent() {
        let contender = Contender {
            stamp: stamp(1, 0, "a"),
            change: "c".into(),
            received_at: None,
            value: Some(Value::Null),
        };
        let text = serde_json::to_string(&contender).unwrap();
        assert_eq!(serde_json::from_str::<Contender>(&text).unwrap(), contender);
        let absent = Contender {
            value: None,
            ..contender
        };
        let text = serde_json::to_string(&absent).unwrap();
        assert_eq!(serde_json::from_str::<Contender>(&text).unwrap(), absent);
    }

    const FIELDS: [&str; 5] = ["created", "updated", "deleted", "data.a", "data.b"];

    /// One generated change: which fields it sets (bit i: FIELDS[i]), its values, stamp and receipt.
    #[derive(Clone, Debug)]
    struct Generated {
        fields: u8,
        a: Option<u8>,
        b: u8,
        deleted: bool,
        wall: i64,
        counter: u32,
        device: u8,
        received_at: i64,
    }

    fn generated() -> impl Strategy<Value = Generated> {
        (
            any::<u8>(),
            proptest::option::of(0u8..4),
            0u8..4,
            any::<bool>(),
            0i64..3_000_000,
            0u32..3,
            0u8..3,
            0i64..2_000_000,
        )
            .prop_map(
                |(fields, a, b, deleted, wall, counter, device, received_at)| Generated {
                    fields,
                    a,
                    b,
                    deleted,
                    wall,
                    counter,
                    device,
                    received_at,
                },
            )
    }

    fn build(index: usize, g: &Generated) -> (Change, Timestamp) {
        let mut data = serde_json::Map::new();
        if let Some(a) = g.a {
            data.insert("a".into(), json!(a));
        }
        data.insert("b".into(), if g.b == 0 { Value::Null } else { json!(g.b) });
        let record = json!({"id": id(), "created": 1, "updated": g.wall, "deleted": g.deleted, "data": data});
        // The first change creates the record (every field); the others set `updated` and some more.
        let fields: Vec<&str> = FIELDS
            .iter()
            .enumerate()
            .filter(|(i, f)| index == 0 || **f == "updated" || g.fields & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect();
        let device = ["a", "b", "c"][g.device as usize];
        (
            change(
                &format!("change-{index}"),
                stamp(g.wall, g.counter, device),
                &fields,
                record,
            ),
            Timestamp(g.received_at),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Three replicas receive the same changes in different orders, some several times, some first without
        /// their receipt (as the device that made them does): all end with the same record and stamps, and each
        /// field holds the value of the change with the greatest effective order among those that set it.
        #[test]
        fn replicas_converge_on_the_greatest_effective_order(
            generated in proptest::collection::vec(generated(), 1..8),
            schedules in proptest::collection::vec(
                proptest::collection::vec((any::<u16>(), 0u8..4), 8..24), 3),
        ) {
            let changes: Vec<(Change, Timestamp)> =
                generated.iter().enumerate().map(|(i, g)| build(i, g)).collect();
            let mut results = Vec::new();
            for schedule in &schedules {
                // Each change is delivered 1–3 times with its receipt, at places the schedule picks, and
                // sometimes first without it.
                let mut deliveries: Vec<(u16, usize, bool)> = Vec::new();
                for (i, _) in changes.iter().enumerate() {
                    let (place, copies) = schedule[i % schedule.len()];
                    let pending_first = copies == 0;
                    let copies = copies.max(1);
                    for copy in 0..copies {
                        deliveries.push((place.wrapping_mul(copy as u16 + 7), i, true));
                    }
                    if pending_first {
                        deliveries.push((0, i, false));
                    }
                }
                for (j, (place, _, _)) in deliveries.iter_mut().enumerate() {
                    *place ^= schedule[j % schedule.len()].0;
                }
                deliveries.sort_by_key(|(place, i, settled)| (*place, *i, *settled));
                // A change's delivery without receipt comes before its deliveries with it.
                let mut state: Option<(Value, FieldStamps)> = None;
                let mut delivered_settled = vec![false; changes.len()];
                let mut order: Vec<(usize, bool)> = Vec::new();
                for &(_, i, settled) in &deliveries {
                    if !settled && delivered_settled[i] {
                        continue;
                    }
                    delivered_settled[i] |= settled;
                    order.push((i, settled));
                }
                for &(i, settled) in &order {
                    let (change, received_at) = &changes[i];
                    let current = state.as_ref().map(|(r, s)| (r, s));
                    if let Some(next) = apply(current, change, settled.then_some(*received_at)) {
                        state = Some(next);
                    }
                }
                results.push(state.expect("at least one change applied"));
            }
            prop_assert_eq!(&results[0], &results[1]);
            prop_assert_eq!(&results[1], &results[2]);
            let (record, stamps) = &results[0];
            for field in FIELDS {
                let winner = changes
                    .iter()
                    .filter(|(c, _)| c.fields.iter().any(|f| f == field))
                    .max_by(|(a, ra), (b, rb)| {
                        order(&a.stamp, Some(*ra), &a.id).cmp(&order(&b.stamp, Some(*rb), &b.id))
                    })
                    .expect("the first change sets every field");
                prop_assert_eq!(field_value(record, field), field_value(&winner.0.record, field));
                let held = &stamps[field];
                prop_assert_eq!(&held.change, &winner.0.id);
                prop_assert_eq!(held.received_at, Some(winner.1));
                prop_assert!(held.contenders.is_empty());
            }
        }
    }
}
