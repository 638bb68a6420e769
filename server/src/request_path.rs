//! Turning a request path into a lookup key for the in-memory file table.
//!
//! Nothing is ever read from disk per request, so traversal cannot escape the dist directory
//! anyway; still, any path with a `.`/`..` segment (plain or percent-encoded), a backslash or
//! a NUL is refused outright rather than "fixed up", so odd paths never reach the SPA fallback.

use thiserror::Error;

/// Why a request path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PathError {
    /// A `%` escape was malformed, or the decoded bytes are not UTF-8.
    #[error("the path is not valid percent-encoded UTF-8")]
    BadEncoding,
    /// A `.` or `..` segment, a backslash or a NUL byte.
    #[error("the path contains a dot segment, a backslash or a NUL byte")]
    Traversal,
}

/// Decodes and normalises an absolute request path (`/a/b.js`) into a key relative to the
/// dist root (`a/b.js`); `/` becomes the empty string. Empty segments (`//`, a trailing `/`)
/// are dropped.
pub fn normalise(raw: &str) -> Result<String, PathError> {
    let decoded = percent_decode(raw)?;
    let mut key = String::with_capacity(decoded.len());
    for segment in decoded.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment == "." || segment == ".." || segment.contains(['\\', '\0']) {
            return Err(PathError::Traversal);
        }
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str(segment);
    }
    Ok(key)
}

/// Whether the last segment of a normalised key names a file extension (`app.js`, `x.png`),
/// as opposed to a client-side route (`mood`, `steps/abc`). A leading dot alone
/// (`.well-known`) or a trailing dot does not count as an extension.
pub fn has_extension(key: &str) -> bool {
    let last = key.rsplit('/').next().unwrap_or(key);
    matches!(last.rfind('.'), Some(dot) if dot > 0 && dot + 1 < last.len())
}

fn percent_decode(raw: &str) -> Result<String, PathError> {
    if !raw.contains('%') {
        return Ok(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            let (Some(hi), Some(lo)) = (hi, lo) else {
                return Err(PathError::BadEncoding);
            };
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PathError::BadEncoding)
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_ordinary_paths() {
        assert_eq!(normalise("/").as_deref(), Ok(""));
        assert_eq!(normalise("").as_deref(), Ok(""));
        assert_eq!(normalise("/index.html").as_deref(), Ok("index.html"));
        assert_eq!(
            normalise("/icons//icon.png").as_deref(),
            Ok("icons/icon.png")
        );
        assert_eq!(normalise("/plan/steps/").as_deref(), Ok("plan/steps"));
        assert_eq!(normalise("/caf%C3%A9.txt").as_deref(), Ok("café.txt"));
        assert_eq!(normalise("/a%20b").as_deref(), Ok("a b"));
        assert_eq!(normalise("/a..b/c...d").as_deref(), Ok("a..b/c...d"));
    }

    #[test]
    fn rejects_traversal_plain_and_encoded() {
        for path in [
            "/..",
            "/../etc/passwd",
            "/a/../index.html",
            "/./index.html",
            "/%2e%2e/secret",
            "/%2E%2E%2Fsecret",
            "/..%2fsecret",
            "/.%2e/secret",
            "/a%5c..%5csecret",
            "/a\\b",
            "/a%00.js",
        ] {
            assert_eq!(normalise(path), Err(PathError::Traversal), "{path}");
        }
    }

    #[test]
    fn rejects_bad_encoding() {
        for path in ["/%", "/%2", "/%zz", "/%c3", "/%ff%fe"] {
            assert_eq!(normalise(path), Err(PathError::BadEncoding), "{path}");
        }
    }

    #[test]
    fn tells_routes_from_files() {
        assert!(has_extension("app.js"));
        assert!(has_extension("a/b/missing-0000000000000000.js"));
        assert!(has_extension("x.tar.gz"));
        assert!(!has_extension(""));
        assert!(!has_extension("mood"));
        assert!(!has_extension("plan/steps/abc"));
        assert!(!has_extension("v1.2/route"));
        assert!(!has_extension(".well-known"));
        assert!(!has_extension("trailing."));
    }
}
