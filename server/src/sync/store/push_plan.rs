//! The backend-neutral part of a push: which changes are new, and each change's receipt.
//!
//! A push may carry change ids the space already holds (a retry after a lost answer) or the same id twice. Those
//! get the receipt of the change's first storing and store nothing; every other change is new and gets the next
//! seq, in the order sent.

use std::collections::HashMap;

use super::{ByteLimits, NewChange, PushOutcome, Receipt};

/// The changes of a push that are new to the space: first occurrences of ids not in `stored`, in the order sent.
pub fn new_changes<'a>(
    changes: &'a [NewChange],
    stored: &HashMap<String, Receipt>,
) -> Vec<&'a NewChange> {
    let mut seen = std::collections::HashSet::new();
    changes
        .iter()
        .filter(|change| !stored.contains_key(&change.id) && seen.insert(change.id.as_str()))
        .collect()
}

/// The bytes already held: by the push's space, and (when the store has a cap) by every space together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BytesUsed {
    pub space: i64,
    pub stored: Option<i64>,
}

/// The seqs and bytes the `new` changes of a push take; or, when their bytes would take the space or the store
/// past its limit, the outcome that refuses the push whole ([`PushOutcome::Full`] or [`PushOutcome::StoreFull`]).
pub fn allocation(
    new: &[&NewChange],
    used: BytesUsed,
    limits: ByteLimits,
) -> Result<(i64, i64), PushOutcome> {
    let bytes = new
        .iter()
        .map(|change| i64::try_from(change.ciphertext.len()).unwrap_or(i64::MAX))
        .fold(0, i64::saturating_add);
    let over = |used: i64, limit: u64| {
        used.saturating_add(bytes) > i64::try_from(limit).unwrap_or(i64::MAX)
    };
    if over(used.space, limits.space) {
        return Err(PushOutcome::Full);
    }
    if let (Some(stored), Some(cap)) = (used.stored, limits.stored)
        && over(stored, cap)
    {
        return Err(PushOutcome::StoreFull);
    }
    let count = i64::try_from(new.len()).expect("a push holds at most a few hundred changes");
    Ok((count, bytes))
}

/// A receipt for every change sent, in the order sent: stored ones keep theirs; the `new` ones (from
/// [`new_changes`]) got `first_seq`, `first_seq + 1`, … at `now`.
pub fn receipts(
    changes: &[NewChange],
    mut stored: HashMap<String, Receipt>,
    new: &[&NewChange],
    first_seq: i64,
    now: i64,
) -> Vec<Receipt> {
    for (seq, change) in (first_seq..).zip(new) {
        stored.insert(
            change.id.clone(),
            Receipt {
                seq,
                received_at: now,
            },
        );
    }
    changes.iter().map(|change| stored[&change.id]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str) -> NewChange {
        NewChange {
            id: id.to_owned(),
            ciphertext: vec![1],
        }
    }

    #[test]
    fn new_changes_fit_up_to_the_space_s_and_the_store_s_limits() {
        let (a, b) = (change("a"), change("b"));
        let new = [&a, &b];
        let space = |space| BytesUsed {
            space,
            stored: None,
        };
        let quota = ByteLimits {
            space: 10,
            stored: None,
        };
        assert_eq!(allocation(&new, space(8), quota), Ok((2, 2)));
        assert_eq!(allocation(&new, space(9), quota), Err(PushOutcome::Full));
        assert_eq!(allocation(&[], space(10), quota), Ok((0, 0)));
        let capped = ByteLimits {
            stored: Some(100),
            ..quota
        };
        let stored = |stored| BytesUsed {
            space: 0,
            stored: Some(stored),
        };
        assert_eq!(allocation(&new, stored(98), capped), Ok((2, 2)));
        assert_eq!(
            allocation(&new, stored(99), capped),
            Err(PushOutcome::StoreFull)
        );
    }

    #[test]
    fn retried_and_repeated_ids_keep_their_first_receipt() {
        let changes = [change("a"), change("b"), change("a"), change("c")];
        let old = Receipt {
            seq: 4,
            received_at: 10,
        };
        let stored = HashMap::from([("b".to_owned(), old)]);
        let new = new_changes(&changes, &stored);
        assert_eq!(
            new.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["a", "c"]
        );
        let receipts = receipts(&changes, stored, &new, 7, 20);
        let at = |seq| Receipt {
            seq,
            received_at: 20,
        };
        assert_eq!(receipts, [at(7), old, at(7), at(8)]);
    }
}
