//! Hybrid logical clock: stamps that follow wall time but never run backwards, and that order edits made after
//! seeing another device's edit after it, whatever the two devices' clocks say.

use crate::record::Timestamp;
use serde::{Deserialize, Serialize};

/// How far ahead of its own (server-corrected) wall clock a device lets a stamp it has seen move its clock, and how
/// far ahead of the server's receipt time a change's stamp may count (see [`super::merge::effective`]).
pub const MAX_AHEAD_MS: i64 = 5 * 60 * 1000;

/// When and where one edit was made. Ordered by wall time, then counter, then device id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// Milliseconds since the Unix epoch (the device's clock, corrected by the server's time when known).
    pub wall: Timestamp,
    /// Orders edits within one millisecond, and edits that follow a stamp from a clock ahead of this one.
    pub counter: u32,
    /// The sync device id ([`super::protocol::Id`]) of the device that made the edit.
    pub device: String,
}

/// One device's clock state, stored between sessions (the engine keeps it in storage).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HybridClock {
    pub device: String,
    /// The last stamp this clock issued or observed.
    pub last: Option<(Timestamp, u32)>,
}

impl HybridClock {
    pub fn new(device: String) -> Self {
        HybridClock { device, last: None }
    }

    /// A new stamp for an edit made now, later than every stamp this clock issued or observed.
    pub fn tick(&mut self, physical_now: Timestamp) -> Stamp {
        let (wall, counter) = match self.last {
            Some((last_wall, last_counter)) if last_wall >= physical_now => {
                match last_counter.checked_add(1) {
                    Some(counter) => (last_wall, counter),
                    // Four billion stamps in one millisecond: move on to the next one instead of wrapping.
                    None => (Timestamp(last_wall.0.saturating_add(1)), 0),
                }
            }
            _ => (physical_now, 0),
        };
        self.last = Some((wall, counter));
        Stamp {
            wall,
            counter,
            device: self.device.clone(),
        }
    }

    /// Takes account of a stamp seen from another device, so later edits here come after it, unless it is more than
    /// [`MAX_AHEAD_MS`] ahead of `physical_now` (a wrong clock elsewhere must not drag this one into the future).
    pub fn observe(&mut self, seen: &Stamp, physical_now: Timestamp) {
        if seen.wall.0 > physical_now.0.saturating_add(MAX_AHEAD_MS) {
            return;
        }
        let seen = (seen.wall, seen.counter);
        if self.last.is_none_or(|last| last < seen) {
            self.last = Some(seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(wall: i64, counter: u32, device: &str) -> Stamp {
        Stamp {
            wall: Timestamp(wall),
            counter,
            device: device.into(),
        }
    }

    #[test]
    fn stamps_follow_wall_time_and_never_run_backwards() {
        let mut clock = HybridClock::new("a".into());
        assert_eq!(clock.tick(Timestamp(100)), stamp(100, 0, "a"));
        assert_eq!(clock.tick(Timestamp(200)), stamp(200, 0, "a"));
        // The wall clock went back: the stamp stays at the last wall time and counts on.
        assert_eq!(clock.tick(Timestamp(150)), stamp(200, 1, "a"));
        assert_eq!(clock.tick(Timestamp(201)), stamp(201, 0, "a"));
    }

    #[test]
    fn stamps_in_one_millisecond_count_up() {
        let mut clock = HybridClock::new("a".into());
        let stamps: Vec<Stamp> = (0..4).map(|_| clock.tick(Timestamp(7))).collect();
        assert_eq!(
            stamps.iter().map(|s| s.counter).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        assert!(stamps.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_full_counter_moves_to_the_next_millisecond() {
        let mut clock = HybridClock {
            device: "a".into(),
            last: Some((Timestamp(7), u32::MAX)),
        };
        assert_eq!(clock.tick(Timestamp(7)), stamp(8, 0, "a"));
    }

    #[test]
    fn an_observed_stamp_orders_later_edits_after_it() {
        let mut clock = HybridClock::new("a".into());
        clock.tick(Timestamp(1_000));
        let seen = stamp(1_000 + MAX_AHEAD_MS, 4, "b");
        clock.observe(&seen, Timestamp(1_000));
        let next = clock.tick(Timestamp(1_001));
        assert_eq!(next, stamp(1_000 + MAX_AHEAD_MS, 5, "a"));
        assert!(next > seen);
        // An older stamp changes nothing.
        clock.observe(&stamp(10, 99, "b"), Timestamp(1_002));
        assert_eq!(clock.last, Some((Timestamp(1_000 + MAX_AHEAD_MS), 5)));
    }

    #[test]
    fn a_stamp_from_far_in_the_future_is_ignored() {
        let mut clock = HybridClock::new("a".into());
        clock.tick(Timestamp(1_000));
        clock.observe(&stamp(1_001 + MAX_AHEAD_MS, 0, "b"), Timestamp(1_000));
        assert_eq!(clock.last, Some((Timestamp(1_000), 0)));
        assert_eq!(clock.tick(Timestamp(1_000)), stamp(1_000, 1, "a"));
        // A fresh clock adopts a stamp it may.
        let mut fresh = HybridClock::new("c".into());
        fresh.observe(&stamp(50, 3, "b"), Timestamp(40));
        assert_eq!(fresh.tick(Timestamp(40)), stamp(50, 4, "c"));
    }

    #[test]
    fn stamps_order_by_wall_then_counter_then_device() {
        assert!(stamp(1, 9, "z") < stamp(2, 0, "a"));
        assert!(stamp(1, 1, "z") < stamp(1, 2, "a"));
        assert!(stamp(1, 1, "a") < stamp(1, 1, "b"));
    }
}
