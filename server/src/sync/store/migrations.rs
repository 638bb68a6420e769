//! The schema migrations, embedded in the binary from `server/migrations/{sqlite,postgres}/` and run at start.
//!
//! sqlx's `migrate!` macro would embed them too, but it needs sqlx's proc-macro crate; a small
//! [`MigrationSource`] over `include_str!` does the same with the runtime API. A new migration is a new SQL file
//! in each backend's folder and a new line in each list below (versions only ever grow; applied files must never
//! change, sqlx refuses a changed checksum).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};

/// One migration: version, description, SQL.
type Step = (i64, &'static str, &'static str);

/// SQLite's migrations.
const SQLITE: &[Step] = &[
    (
        1,
        "sync",
        include_str!("../../../migrations/sqlite/0001_sync.sql"),
    ),
    (
        2,
        "receipts and quotas",
        include_str!("../../../migrations/sqlite/0002_receipts_and_quotas.sql"),
    ),
];

/// PostgreSQL's migrations (the same versions as [`SQLITE`]).
const POSTGRES: &[Step] = &[
    (
        1,
        "sync",
        include_str!("../../../migrations/postgres/0001_sync.sql"),
    ),
    (
        2,
        "receipts and quotas",
        include_str!("../../../migrations/postgres/0002_receipts_and_quotas.sql"),
    ),
];

/// A list of migrations compiled into the binary.
#[derive(Debug)]
struct Embedded(&'static [Step]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        let migrations = self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(std::future::ready(Ok(migrations)))
    }
}

/// SQLite's migrator.
pub async fn sqlite() -> Result<Migrator, MigrateError> {
    Migrator::new(Embedded(SQLITE)).await
}

/// SQLite's migrations' SQL, in order: a new in-memory database is created with these directly (it keeps no
/// record of them; files are migrated by [`sqlite`]'s migrator).
pub fn sqlite_sql() -> impl Iterator<Item = &'static str> {
    SQLITE.iter().map(|&(_, _, sql)| sql)
}

/// PostgreSQL's migrator. It takes an advisory lock, so instances starting together migrate once.
pub async fn postgres() -> Result<Migrator, MigrateError> {
    Migrator::new(Embedded(POSTGRES)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_versions() {
        let versions = |steps: &[Step]| steps.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>();
        assert_eq!(versions(SQLITE), versions(POSTGRES));
        assert!(SQLITE.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }
}
