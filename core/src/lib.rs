//! Waymark's pure core: records, storage rules, schema migrations and domain logic.
//!
//! Nothing here touches a browser, a clock or a random number generator: callers pass `now` and random bytes in,
//! so every rule is testable natively and the crate compiles for the app, the server and the tests alike.

pub mod activity;
pub mod backup;
pub mod calendar;
pub mod calendar_file;
pub mod collection;
pub mod crisis;
pub mod csv_export;
pub mod database;
pub mod device;
pub mod directory;
pub mod kinds;
pub mod layout_migration;
pub mod merge;
pub mod mood;
pub mod mood_trends;
pub mod plan;
pub mod questionnaire;
pub mod record;
pub mod record_table;
pub mod repository;
pub mod schema;
pub mod service_config;
pub mod settings;
pub mod store;
pub mod sync;

pub use collection::Collection;
pub use device::{Device, ImportMode, Imported, SavedRecord};
pub use record::{Record, RecordId, Timestamp};
pub use repository::{Loaded, Problem, ProblemKind, Repository, SaveError, Saved};
pub use schema::RecordKind;
pub use store::{KeyValueStore, MemoryStore, ReadLog, StoreError};
