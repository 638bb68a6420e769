//! The explicit file-extension → media-type table, and which types are worth compressing.
//!
//! The table is deliberately small and explicit: an unknown extension is served as
//! `application/octet-stream` (and, with `X-Content-Type-Options: nosniff`, the browser will
//! not guess), so a new kind of build output has to be added here on purpose.

/// Served for any extension not in the table.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// What the server knows about one kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    /// The full `Content-Type` header value, including a charset for text types.
    pub content_type: &'static str,
    /// Whether brotli/gzip variants are precomputed for this type.
    pub compressible: bool,
}

const fn text(content_type: &'static str) -> MediaType {
    MediaType {
        content_type,
        compressible: true,
    }
}

const fn binary(content_type: &'static str) -> MediaType {
    MediaType {
        content_type,
        compressible: false,
    }
}

/// The media type for a file name (or path), chosen by its extension, case-insensitively.
pub fn for_path(path: &str) -> MediaType {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let extension = match file_name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    };
    match extension.as_str() {
        "html" => text("text/html; charset=utf-8"),
        "js" | "mjs" => text("text/javascript; charset=utf-8"),
        "wasm" => text("application/wasm"),
        "css" => text("text/css; charset=utf-8"),
        "webmanifest" => text("application/manifest+json"),
        "json" => text("application/json"),
        // Source maps are JSON; browsers only fetch them with dev tools open.
        "map" => text("application/json"),
        "svg" => text("image/svg+xml"),
        "txt" => text("text/plain; charset=utf-8"),
        "ics" => text("text/calendar; charset=utf-8"),
        "png" => binary("image/png"),
        "ico" => binary("image/x-icon"),
        _ => binary(OCTET_STREAM),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_spec() {
        let cases = [
            ("index.html", "text/html; charset=utf-8", true),
            (
                "waymark-0123456789abcdef.js",
                "text/javascript; charset=utf-8",
                true,
            ),
            (
                "snippets/x/inline0.mjs",
                "text/javascript; charset=utf-8",
                true,
            ),
            ("waymark-0123456789abcdef_bg.wasm", "application/wasm", true),
            ("main-0123456789abcdef.css", "text/css; charset=utf-8", true),
            ("manifest.webmanifest", "application/manifest+json", true),
            ("data.json", "application/json", true),
            ("app.js.map", "application/json", true),
            ("icons/icon-192.png", "image/png", false),
            ("icons/icon.svg", "image/svg+xml", true),
            ("favicon.ico", "image/x-icon", false),
            ("robots.txt", "text/plain; charset=utf-8", true),
            ("plan.ics", "text/calendar; charset=utf-8", true),
            ("archive.tar.gz", OCTET_STREAM, false),
            ("LICENSE", OCTET_STREAM, false),
            (".htaccess", OCTET_STREAM, false),
        ];
        for (path, content_type, compressible) in cases {
            let media = for_path(path);
            assert_eq!(media.content_type, content_type, "{path}");
            assert_eq!(media.compressible, compressible, "{path}");
        }
    }

    #[test]
    fn extension_is_case_insensitive() {
        assert_eq!(
            for_path("INDEX.HTML").content_type,
            "text/html; charset=utf-8"
        );
        assert_eq!(for_path("Icon.PNG").content_type, "image/png");
    }
}
