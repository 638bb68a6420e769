//! Logging: one line per request to stderr (method, path, status, latency; never bodies,
//! headers or query strings).

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use tracing::level_filters::LevelFilter;

/// Longest path logged; longer ones are cut (they are attacker-controlled).
const MAX_LOGGED_PATH: usize = 200;

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
    let path = truncated(request.uri().path()).to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        %method,
        path,
        status = response.status().as_u16(),
        latency_us,
        "request"
    );
    response
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
}
