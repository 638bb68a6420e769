//! Security headers sent on every response, whatever its status.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;

/// The fixed headers (lowercase names); the CSP is added separately because it depends on
/// `index.html`.
const FIXED: [(&str, &str); 6] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
];

/// The security headers for one build of the app.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    content_security_policy: HeaderValue,
}

impl SecurityHeaders {
    /// Headers using the given `Content-Security-Policy` value.
    pub fn new(content_security_policy: HeaderValue) -> Self {
        Self {
            content_security_policy,
        }
    }

    /// Sets every security header on `headers`, replacing any value already there.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            self.content_security_policy.clone(),
        );
        for (name, value) in FIXED {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
    }
}

/// Middleware (for `axum::middleware::map_response_with_state`) adding the headers.
pub async fn add_security_headers(
    State(security): State<SecurityHeaders>,
    mut response: Response,
) -> Response {
    security.apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_all_headers() {
        let security = SecurityHeaders::new(HeaderValue::from_static("default-src 'none'"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        security.apply(&mut headers);
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'none'"
        );
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(headers["permissions-policy"], FIXED[5].1);
        assert_eq!(headers.len(), 7);
    }
}
