//! Logging: one line per request to stderr (method, path, status, latency; never bodies,
//! headers or query strings).
//!
//! Sync paths hold space and device ids: any path segment that is an id is logged as its first
//! [`LOGGED_ID_CHARS`] characters, enough to tell spaces apart in a log without the log being a list of
//! them. A handler may add a [`LogNote`] to its response (the acting device, counts, an error code); it is
//! logged on the same line.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::level_filters::LevelFilter;

/// Longest path logged; longer ones are cut (they are attacker-controlled).
const MAX_LOGGED_PATH: usize = 200;
/// How much of an id in a path is logged.
pub const LOGGED_ID_CHARS: usize = 8;

/// Details a handler adds to its request's log line, as a response extension. Only ids, counts and codes:
/// never a secret, a token or a payload.
#[derive(Debug, Clone, Default)]
pub struct LogNote(pub String);

/// Installs the stderr subscriber. The level comes from `RUST_LOG` when it is a plain level
/// (`debug`, `warn`, …), else `info`. Does nothing if a subscriber is already installed.
pub fn init() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|value| value.trim().parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    // An error only means a subscriber is already installed (as in tests); keep that one.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .try_init();
}

/// Middleware (for `axum::middleware::from_fn`) logging each request once it is answered.
pub async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = shortened_ids(truncated(request.uri().path()));
    let started = Instant::now();
    let response = next.run(request).await;
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let status = response.status().as_u16();
    match response.extensions().get::<LogNote>() {
        Some(LogNote(note)) if !note.is_empty() => {
            tracing::info!(%method, path, status, latency_us, note, "request");
        }
        _ => tracing::info!(%method, path, status, latency_us, "request"),
    }
    response
}

/// The path with every segment that is an id cut to its first [`LOGGED_ID_CHARS`] characters and `…`.
fn shortened_ids(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if waymark_core::sync::protocol::is_id(segment) {
                format!("{}…", &segment[..LOGGED_ID_CHARS])
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn truncated(path: &str) -> &str {
    if path.len() <= MAX_LOGGED_PATH {
        return path;
    }
    let mut end = MAX_LOGGED_PATH;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    &path[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncated("/mood"), "/mood");
        let long = format!("/{}", "é".repeat(150));
        let cut = truncated(&long);
        assert!(cut.len() <= MAX_LOGGED_PATH);
        assert!(long.starts_with(cut));
    }

    #[test]
    fn ids_in_paths_are_shortened() {
        let space = "0123456789abcdef0123456789abcdef";
        let device = "fedcba9876543210fedcba9876543210";
        assert_eq!(
            shortened_ids(&format!("/api/sync/v1/spaces/{space}/devices/{device}")),
            "/api/sync/v1/spaces/01234567…/devices/fedcba98…"
        );
        assert_eq!(shortened_ids("/mood/"), "/mood/");
        assert_eq!(shortened_ids(&format!("/x{space}")), format!("/x{space}"));
    }
}
