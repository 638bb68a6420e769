//! Waymark: a self-help companion for people in and after NHS Talking Therapies.
//!
//! `main.rs` mounts [`app::App`]; this library is the tree: the app shell, pages, components, the app state and the
//! browser adapters. Rules live in the `waymark-core` crate, which knows nothing of the browser.

pub mod app;
pub mod browser;
pub mod components;
pub mod pages;
pub mod service;
pub mod state;
pub mod sync;
