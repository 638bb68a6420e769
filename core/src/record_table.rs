//! Typed records over the [`Database`] (storage layout 1), with the repository's rules made exact by transactions.
//!
//! A save is one transaction: read the stored row, keep it if it is a newer copy of the record (another tab's), refuse
//! if a newer version of Waymark wrote it, move it aside if it cannot be read, and write the record: all at once, so
//! two tabs saving one record never overwrite a newer change, and unreadable data is never half-moved. Pages read a
//! kind within a range of time; what cannot be read is moved aside then, unless it changed meanwhile.

use crate::database::{Database, Reads, Row, Write, row_key};
use crate::merge::{self, Winner};
use crate::record::{Record, Timestamp};
use crate::repository::{AsideEntry, Loaded, Problem, ProblemKind, SaveError, Saved};
use crate::schema::{self, DecodeError, RecordKind};
use crate::store::StoreError;

/// The row that stores `record`.
pub fn row_of<K: RecordKind>(record: &Record<K>) -> Row {
    Row {
        kind: K::KIND.to_owned(),
        id: record.id.to_string(),
        time: K::time(record).0,
        version: K::VERSION,
        text: schema::encode(record),
    }
}

/// Reads a row as a record of `K`, checking it is the row of that record.
fn read<K: RecordKind>(row: &Row) -> Result<Record<K>, DecodeError> {
    let record = schema::decode::<K>(&row.text)?.record;
    if record.id.as_str() != row.id {
        return Err(DecodeError::Shape(
            "the record's id does not match its key".into(),
        ));
    }
    Ok(record)
}

fn aside_entry(row: &Row, reason: String, now: Timestamp) -> AsideEntry {
    AsideEntry {
        key: row.key(),
        reason,
        found: now,
        raw: row.text.clone(),
    }
}

/// Saves `record` unless the database holds a newer copy of it (kept and returned) or a copy written by a newer
/// version of Waymark (refused). An unreadable copy is moved aside in the same transaction. On error nothing changed.
pub async fn save<K: RecordKind>(
    db: &impl Database,
    record: Record<K>,
    now: Timestamp,
) -> Result<Saved<K>, SaveError> {
    let reads = Reads {
        rows: vec![row_key(K::KIND, record.id.as_str())],
        meta: Vec::new(),
    };
    db.transact(reads, move |found| {
        let mut writes = Vec::new();
        if let Some(held) = found.rows.into_iter().next().flatten() {
            match read::<K>(&held) {
                Ok(held) => {
                    if merge::newer(&held, &record) == Winner::Held && held != record {
                        return Ok((Vec::new(), Saved::KeptNewer(held)));
                    }
                }
                Err(DecodeError::Newer { found, supported }) => {
                    return Err(SaveError::NewerVersionStored { found, supported });
                }
                Err(error) => {
                    writes.push(Write::SetAside(aside_entry(&held, error.to_string(), now)))
                }
            }
        }
        writes.push(Write::Put(row_of(&record)));
        Ok((writes, Saved::Written))
    })
    .await
}

/// The records of `K` whose time is in `from..until`, in time order. Rows that cannot be read are moved aside (each
/// only if unchanged since it was read); rows from a newer version are left alone; both are reported.
pub async fn load_range<K: RecordKind>(
    db: &impl Database,
    from: i64,
    until: i64,
    now: Timestamp,
) -> Loaded<K> {
    let mut loaded = Loaded {
        records: Vec::new(),
        problems: Vec::new(),
    };
    let rows = match db.rows_in_range(K::KIND, from, until).await {
        Ok(rows) => rows,
        Err(error) => {
            loaded.problems.push(Problem {
                key: row_key(K::KIND, ""),
                kind: ProblemKind::ReadFailed(error),
            });
            return loaded;
        }
    };
    for row in rows {
        match read::<K>(&row) {
            Ok(record) => loaded.records.push(record),
            Err(DecodeError::Newer { found, supported }) => loaded.problems.push(Problem {
                key: row.key(),
                kind: ProblemKind::NewerVersion { found, supported },
            }),
            Err(error) => {
                let reason = error.to_string();
                let kind = match move_aside(db, row.clone(), reason.clone(), now).await {
                    Ok(()) => ProblemKind::SetAside {
                        aside_key: row.key(),
                        reason,
                    },
                    Err(error) => ProblemKind::LeftInPlace { reason, error },
                };
                loaded.problems.push(Problem {
                    key: row.key(),
                    kind,
                });
            }
        }
    }
    loaded
}

/// Moves an unreadable row aside, in one transaction, if it still holds what was read.
async fn move_aside(
    db: &impl Database,
    row: Row,
    reason: String,
    now: Timestamp,
) -> Result<(), StoreError> {
    let reads = Reads {
        rows: vec![row.key()],
        meta: Vec::new(),
    };
    db.transact(reads, move |found| {
        let unchanged = found.rows.first().and_then(Option::as_ref) == Some(&row);
        let writes = if unchanged {
            vec![
                Write::SetAside(aside_entry(&row, reason, now)),
                Write::Delete(row.key()),
            ]
        } else {
            Vec::new()
        };
        Ok::<_, StoreError>((writes, ()))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::{MemoryDatabase, ready};
    use crate::mood::{CheckIn, MoodLevel};
    use crate::record::RecordId;

    const NOW: Timestamp = Timestamp(1_764_000_000_000);

    fn check_in(n: u8, at: i64) -> Record<CheckIn> {
        Record::new(
            RecordId::from_random_bytes([n; 16]),
            Timestamp(at),
            CheckIn::new(MoodLevel::Okay, Timestamp(at)),
        )
    }

    fn put_row(db: &MemoryDatabase, row: Row) {
        ready(db.transact(Reads::default(), move |_| {
            Ok::<_, StoreError>((vec![Write::Put(row)], ()))
        }))
        .unwrap();
    }

    #[test]
    fn a_save_writes_and_a_newer_copy_from_another_tab_is_kept() {
        let db = MemoryDatabase::new();
        let record = check_in(1, NOW.0);
        assert_eq!(ready(save(&db, record.clone(), NOW)), Ok(Saved::Written));
        let mut newer = record.clone();
        newer.edit(Timestamp(NOW.0 + 10), |c| c.mood = MoodLevel::Good);
        assert_eq!(ready(save(&db, newer.clone(), NOW)), Ok(Saved::Written));
        // The other tab's older edit arrives after: the newer copy stays.
        let mut older = record;
        older.edit(Timestamp(NOW.0 + 5), |c| c.mood = MoodLevel::Low);
        assert_eq!(
            ready(save(&db, older, NOW)),
            Ok(Saved::KeptNewer(newer.clone()))
        );
        let loaded = ready(load_range::<CheckIn>(&db, 0, i64::MAX, NOW));
        assert_eq!(loaded.records, [newer]);
    }

    #[test]
    fn a_newer_versions_copy_is_never_overwritten() {
        let db = MemoryDatabase::new();
        let record = check_in(1, NOW.0);
        let future = Row {
            version: 99,
            text: format!(r#"{{"v":99,"record":{{"id":"{}"}}}}"#, record.id),
            ..row_of(&record)
        };
        put_row(&db, future.clone());
        assert!(matches!(
            ready(save(&db, record, NOW)),
            Err(SaveError::NewerVersionStored { found: 99, .. })
        ));
        let loaded = ready(load_range::<CheckIn>(&db, 0, i64::MAX, NOW));
        assert!(loaded.records.is_empty());
        assert!(matches!(
            loaded.problems[0].kind,
            ProblemKind::NewerVersion { found: 99, .. }
        ));
        assert_eq!(db.snapshot().records[&future.key()], future);
    }

    #[test]
    fn unreadable_data_is_moved_aside_whole_or_not_at_all() {
        let db = MemoryDatabase::new();
        let record = check_in(1, NOW.0);
        let broken = Row {
            text: "{not json".into(),
            ..row_of(&record)
        };
        put_row(&db, broken.clone());
        // A failure while moving it: neither half happens, and the save says so.
        db.fail_at_write(1);
        assert!(ready(save(&db, record.clone(), NOW)).is_err());
        assert_eq!(db.snapshot().records[&broken.key()], broken);
        assert!(db.snapshot().aside.is_empty());
        // Then it works: kept aside verbatim, and the record written.
        assert_eq!(ready(save(&db, record.clone(), NOW)), Ok(Saved::Written));
        let tables = db.snapshot();
        assert_eq!(tables.aside[0].raw, "{not json");
        assert_eq!(tables.records[&broken.key()], row_of(&record));
    }

    #[test]
    fn loading_a_range_moves_unreadable_rows_aside_and_reads_the_rest_in_time_order() {
        let db = MemoryDatabase::new();
        for (n, at) in [(1, 300), (2, 100), (3, 200), (4, 900)] {
            ready(save(&db, check_in(n, at), NOW)).unwrap();
        }
        let broken = Row {
            text: "{not json".into(),
            ..row_of(&check_in(5, 150))
        };
        put_row(&db, broken.clone());
        let loaded = ready(load_range::<CheckIn>(&db, 100, 400, NOW));
        let times: Vec<i64> = loaded.records.iter().map(|r| r.data.at.0).collect();
        assert_eq!(times, [100, 200, 300]);
        assert!(matches!(
            loaded.problems[..],
            [Problem {
                kind: ProblemKind::SetAside { .. },
                ..
            }]
        ));
        let tables = db.snapshot();
        assert!(!tables.records.contains_key(&broken.key()));
        assert_eq!(tables.aside[0].raw, "{not json");
    }

    #[test]
    fn a_full_database_refuses_the_save_and_keeps_what_was_there() {
        let db = MemoryDatabase::with_quota(500);
        let mut big = check_in(1, NOW.0);
        big.data.note = "x".repeat(600);
        assert_eq!(
            ready(save(&db, big, NOW)),
            Err(SaveError::Store(StoreError::QuotaExceeded))
        );
        assert!(db.snapshot().records.is_empty());
    }
}
