//! Adapters to the browser: everything that touches `web_sys` lives here, behind small functions and traits.

pub mod clock;
pub mod crypto;
pub mod fetch;
pub mod files;
pub mod indexed_db;
pub mod local_store;
pub mod persistence;
pub mod service_worker;
