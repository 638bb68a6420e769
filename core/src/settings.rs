//! The person's settings: one record (with the singleton id) that backs up and syncs like any other.

use crate::record::{Record, RecordId, Timestamp};
use crate::schema::{Migration, RecordKind};
use serde::{Deserialize, Serialize};

/// How long without a backup before Today suggests one, in days.
pub const BACKUP_NUDGE_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// Settings. Stored under [`RecordId::singleton`], so every device and every backup has the same one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// When the person last saved a backup file (`None`: never).
    #[serde(default)]
    pub last_backup_at: Option<Timestamp>,
}

impl RecordKind for Settings {
    const KIND: &'static str = "settings";
    const VERSION: u32 = 1;
    const MIGRATIONS: &'static [Migration] = &[];
}

/// Whether Today should gently suggest a backup: there is data at least [`BACKUP_NUDGE_DAYS`] old, and no backup
/// in the last [`BACKUP_NUDGE_DAYS`] days. `oldest_data` is when the oldest live record was created.
pub fn backup_due(
    settings: Option<&Record<Settings>>,
    oldest_data: Option<Timestamp>,
    now: Timestamp,
) -> bool {
    let Some(oldest) = oldest_data else {
        return false;
    };
    let since = |then: Timestamp| now.0.saturating_sub(then.0) / DAY_MS;
    let last_backup = settings
        .filter(|s| !s.deleted)
        .and_then(|s| s.data.last_backup_at);
    match last_backup {
        Some(at) => since(at) >= BACKUP_NUDGE_DAYS,
        None => since(oldest) >= BACKUP_NUDGE_DAYS,
    }
}

impl Settings {
    /// The settings record id: the same on every device.
    pub fn id() -> RecordId {
        RecordId::singleton()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = DAY_MS;

    fn with_backup(at: Option<i64>) -> Record<Settings> {
        Record::new(
            Settings::id(),
            Timestamp(0),
            Settings {
                last_backup_at: at.map(Timestamp),
            },
        )
    }

    #[test]
    fn no_data_needs_no_backup() {
        assert!(!backup_due(None, None, Timestamp(100 * DAY)));
    }

    #[test]
    fn data_thirty_days_old_and_never_backed_up_is_due() {
        assert!(!backup_due(None, Some(Timestamp(0)), Timestamp(29 * DAY)));
        assert!(backup_due(None, Some(Timestamp(0)), Timestamp(30 * DAY)));
    }

    #[test]
    fn a_damaged_backup_time_does_not_overflow() {
        let settings = with_backup(Some(i64::MIN));
        assert!(backup_due(
            Some(&settings),
            Some(Timestamp(0)),
            Timestamp(i64::MAX)
        ));
    }

    #[test]
    fn a_recent_backup_is_enough() {
        let settings = with_backup(Some(10 * DAY));
        assert!(!backup_due(
            Some(&settings),
            Some(Timestamp(0)),
            Timestamp(39 * DAY)
        ));
        assert!(backup_due(
            Some(&settings),
            Some(Timestamp(0)),
            Timestamp(40 * DAY)
        ));
    }
}
