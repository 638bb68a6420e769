//! How two copies of the same record are reconciled: the newer change wins.
//!
//! Used when a save finds that another tab already wrote a newer copy, and by import. The rule is total and
//! deterministic, so every copy converges on the same winner whatever order copies arrive in.

use crate::record::Record;
use serde::Serialize;
use std::cmp::Ordering;

/// Which of two copies of one record wins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Winner {
    /// The copy already held (also when both are identical).
    Held,
    /// The copy arriving.
    Incoming,
}

/// The later `updated` wins; on a tie a tombstone wins (a delete is never silently undone); on a full tie the
/// larger canonical JSON wins, so that the choice never depends on which copy arrived first.
pub fn newer<T: Serialize>(held: &Record<T>, incoming: &Record<T>) -> Winner {
    let order = held
        .updated
        .cmp(&incoming.updated)
        .then(held.deleted.cmp(&incoming.deleted))
        .then_with(|| canonical(held).cmp(&canonical(incoming)));
    match order {
        Ordering::Less => Winner::Incoming,
        Ordering::Equal | Ordering::Greater => Winner::Held,
    }
}

fn canonical<T: Serialize>(record: &Record<T>) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RecordId, Timestamp};
    use proptest::prelude::*;

    fn copy(updated: i64, deleted: bool, data: u8) -> Record<u8> {
        Record {
            id: RecordId::from_random_bytes([3; 16]),
            created: Timestamp(0),
            updated: Timestamp(updated),
            deleted,
            data,
        }
    }

    #[test]
    fn later_change_wins() {
        assert_eq!(
            newer(&copy(1, false, 1), &copy(2, false, 2)),
            Winner::Incoming
        );
        assert_eq!(newer(&copy(2, false, 1), &copy(1, false, 2)), Winner::Held);
    }

    #[test]
    fn tombstone_wins_a_tie() {
        assert_eq!(
            newer(&copy(5, false, 1), &copy(5, true, 1)),
            Winner::Incoming
        );
        assert_eq!(newer(&copy(5, true, 1), &copy(5, false, 1)), Winner::Held);
    }

    #[test]
    fn identical_copies_keep_the_held_one() {
        assert_eq!(newer(&copy(5, false, 1), &copy(5, false, 1)), Winner::Held);
    }

    proptest! {
        /// Merging is order-independent: whichever copy is held, the same copy wins.
        #[test]
        fn the_winner_does_not_depend_on_arrival_order(
            a in (0i64..4, any::<bool>(), 0u8..3),
            b in (0i64..4, any::<bool>(), 0u8..3),
        ) {
            let (a, b) = (copy(a.0, a.1, a.2), copy(b.0, b.1, b.2));
            let one = match newer(&a, &b) { Winner::Held => &a, Winner::Incoming => &b };
            let two = match newer(&b, &a) { Winner::Held => &b, Winner::Incoming => &a };
            prop_assert_eq!(one, two);
        }
    }
}
