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
        todo!("{physical_now:?}")
    }

    /// Takes account of a stamp seen from another device, so later edits here come after it, unless it is more than
    /// [`MAX_AHEAD_MS`] ahead of `physical_now` (a wrong clock elsewhere must not drag this one into the future).
    pub fn observe(&mut self, seen: &Stamp, physical_now: Timestamp) {
        todo!("{seen:?} {physical_now:?}")
    }
}
