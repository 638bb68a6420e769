//! HTTP caching policy: which files are immutable, strong ETags and `If-None-Match`.

use sha2::{Digest, Sha256};

/// For content-hashed build outputs: the name changes whenever the bytes do.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything else: the browser may store it but must revalidate (cheap, thanks to ETags).
pub const NO_CACHE: &str = "no-cache";
/// For API and health responses, which describe the moment they were made.
pub const NO_STORE: &str = "no-store";

/// Length of the hex hash Trunk puts in file names (`waymark-3f2a9c1b0d4e5f67.js`).
const TRUNK_HASH_LEN: usize = 16;

/// Whether a file name (the last path segment) carries a Trunk content hash: a dash, then
/// 16 lowercase hex digits, then `.` or `_bg.` (as in `main-0123456789abcdef.css` or
/// `waymark-0123456789abcdef_bg.wasm`).
pub fn is_content_hashed(file_name: &str) -> bool {
    let bytes = file_name.as_bytes();
    bytes.iter().enumerate().any(|(dash, &byte)| {
        if byte != b'-' || dash == 0 {
            return false;
        }
        let hash_start = dash + 1;
        let hash_end = hash_start + TRUNK_HASH_LEN;
        let Some(hash) = bytes.get(hash_start..hash_end) else {
            return false;
        };
        let rest = &bytes[hash_end..];
        hash.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && (rest.starts_with(b".") || rest.starts_with(b"_bg."))
    })
}

/// The `Cache-Control` value for a file at `path` (relative to the dist root).
pub fn cache_control_for(path: &str) -> &'static str {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    if is_content_hashed(file_name) {
        IMMUTABLE
    } else {
        NO_CACHE
    }
}

/// A strong entity tag for `content`: 128 bits of its SHA-256 in hex, plus a suffix that
/// tells content codings apart (a strong validator differs between representations).
pub fn strong_etag(content: &[u8], coding_suffix: &str) -> String {
    let digest = Sha256::digest(content);
    let mut tag = String::with_capacity(2 + 32 + coding_suffix.len() + 1);
    tag.push('"');
    for byte in digest.iter().take(16) {
        tag.push(char::from(HEX[usize::from(byte >> 4)]));
        tag.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    if !coding_suffix.is_empty() {
        tag.push('-');
        tag.push_str(coding_suffix);
    }
    tag.push('"');
    tag
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether an `If-None-Match` header value matches `etag` (RFC 9110 §13.1.2, which uses the
/// weak comparison: a `W/` prefix on the client's tag is ignored).
pub fn if_none_match_matches(header: &[u8], etag: &[u8]) -> bool {
    let header = header.trim_ascii();
    if header == b"*" {
        return true;
    }
    header.split(|&b| b == b',').any(|candidate| {
        let candidate = candidate.trim_ascii();
        let candidate = candidate.strip_prefix(b"W/").unwrap_or(candidate);
        candidate == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_trunk_hashed_names() {
        for name in [
            "waymark-3f2a9c1b0d4e5f67.js",
            "waymark-3f2a9c1b0d4e5f67_bg.wasm",
            "main-0123456789abcdef.css",
            "waymark-app-0123456789abcdef.js",
            "x-0123456789abcdef.js.map",
        ] {
            assert!(is_content_hashed(name), "{name}");
            assert_eq!(cache_control_for(name), IMMUTABLE, "{name}");
        }
    }

    #[test]
    fn unhashed_names_are_revalidated() {
        for name in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "icons/icon-192.png",
            "waymark-3F2A9C1B0D4E5F67.js", // uppercase is not Trunk's format
            "waymark-3f2a9c1b0d4e5f6.js",  // 15 digits
            "waymark-3f2a9c1b0d4e5f67x.js", // 17th character is not a separator
            "waymark-3f2a9c1b0d4e5f67_x.wasm",
            "waymark-3f2a9c1b0d4e5f67", // no extension
            "-3f2a9c1b0d4e5f67.js",     // no stem
            "waymark_3f2a9c1b0d4e5f67.js",
        ] {
            assert!(!is_content_hashed(name), "{name}");
        }
        assert_eq!(cache_control_for("index.html"), NO_CACHE);
        // A hashed *directory* (Trunk's snippets) does not make the file immutable.
        assert_eq!(
            cache_control_for("snippets/waymark-0123456789abcdef/inline0.js"),
            NO_CACHE
        );
        assert_eq!(
            cache_control_for("assets/main-0123456789abcdef.css"),
            IMMUTABLE
        );
    }

    #[test]
    fn etags_are_strong_quoted_and_distinguish_codings() {
        let identity = strong_etag(b"hello", "");
        assert_eq!(identity.len(), 34);
        assert!(identity.starts_with('"') && identity.ends_with('"'));
        assert!(!identity.starts_with("W/"));
        assert_eq!(identity, strong_etag(b"hello", ""));
        assert_ne!(identity, strong_etag(b"hello!", ""));
        let br = strong_etag(b"hello", "br");
        assert!(br.ends_with("-br\""));
        assert_ne!(identity, br);
    }

    #[test]
    fn if_none_match_uses_weak_comparison_and_lists() {
        let tag = b"\"abc\"";
        let matches = |header: &str| if_none_match_matches(header.as_bytes(), tag);
        assert!(matches("\"abc\""));
        assert!(matches("W/\"abc\""));
        assert!(matches("\"x\", \"abc\""));
        assert!(matches(" * "));
        assert!(!matches("\"abcd\""));
        assert!(!matches("abc"));
        assert!(!matches(""));
    }
}
