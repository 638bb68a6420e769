//! The Content-Security-Policy, including hashes of the inline scripts in `index.html`.
//!
//! Trunk injects an inline `<script type="module">` into `index.html` to fetch and start the
//! wasm. Rather than allow `'unsafe-inline'`, the server hashes the text of every inline
//! script at startup and allows exactly those (`'sha256-…'` sources in `script-src`).
//!
//! The scanner is deliberately small: it finds `<script` start tags outside HTML comments,
//! reads their attributes (respecting quotes), skips any with a `src` attribute and takes the
//! text up to the next `</script`. It does not model the HTML parser's rarely-used "script
//! data escaped" states (a `<!--` *inside* a script that hides a nested `</script>`); Trunk's
//! output never contains them, and a mismatch only fails closed (the browser refuses the
//! script and says so in the console).

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// Every directive but `script-src`, whose sources depend on `index.html`.
const OTHER_DIRECTIVES: &str = "style-src 'self'; img-src 'self'; font-src 'self'; \
     connect-src 'self'; manifest-src 'self'; worker-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Builds the policy for an `index.html`: nothing from other origins, and only the inline
/// scripts the page actually contains.
pub fn content_security_policy(index_html: &[u8]) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    let mut seen = Vec::new();
    for script in inline_scripts(index_html) {
        let source = script_hash_source(&script);
        if !seen.contains(&source) {
            script_src.push(' ');
            script_src.push_str(&source);
            seen.push(source);
        }
    }
    format!("default-src 'none'; script-src {script_src}; {OTHER_DIRECTIVES}")
}

/// The CSP hash source (`'sha256-<base64>'`) for a script's text.
pub fn script_hash_source(script_text: &[u8]) -> String {
    let digest = Sha256::digest(script_text);
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The text of every inline script (a `<script>` element without a `src` attribute), as the
/// browser will hash it: the raw bytes between the start and end tags, with newlines
/// normalised to `\n` as the HTML parser does before anything else.
pub fn inline_scripts(html: &[u8]) -> Vec<Vec<u8>> {
    let mut scripts = Vec::new();
    let mut pos = 0;
    while let Some(offset) = memchr(b'<', &html[pos..]) {
        let tag_start = pos + offset;
        let rest = &html[tag_start..];
        if rest.starts_with(b"<!--") {
            match find(&html[tag_start + 4..], b"-->") {
                Some(end) => {
                    pos = tag_start + 4 + end + 3;
                    continue;
                }
                None => break,
            }
        }
        if !is_script_start_tag(rest) {
            pos = tag_start + 1;
            continue;
        }
        let attrs_start = tag_start + b"<script".len();
        let Some(StartTag { has_src, len }) = parse_start_tag(&html[attrs_start..]) else {
            break; // an unterminated start tag: nothing more to find
        };
        let text_start = attrs_start + len;
        let text_end = find_ignore_ascii_case(&html[text_start..], b"</script")
            .map_or(html.len(), |end| text_start + end);
        if !has_src {
            scripts.push(normalise_newlines(&html[text_start..text_end]));
        }
        pos = text_end;
    }
    scripts
}

/// Whether `rest` (starting at a `<`) opens a `script` element.
fn is_script_start_tag(rest: &[u8]) -> bool {
    const OPEN: &[u8] = b"<script";
    rest.len() > OPEN.len()
        && rest[..OPEN.len()].eq_ignore_ascii_case(OPEN)
        && matches!(
            rest[OPEN.len()],
            b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'
        )
}

struct StartTag {
    /// Whether a `src` attribute is present (with or without a value).
    has_src: bool,
    /// Bytes from after `<script` up to and including the closing `>`.
    len: usize,
}

/// Reads the attributes after `<script`, up to the `>` that ends the start tag.
fn parse_start_tag(tag: &[u8]) -> Option<StartTag> {
    let mut has_src = false;
    let mut i = 0;
    loop {
        while i < tag.len() && (tag[i].is_ascii_whitespace() || tag[i] == b'/') {
            i += 1;
        }
        if *tag.get(i)? == b'>' {
            return Some(StartTag {
                has_src,
                len: i + 1,
            });
        }
        let name_start = i;
        while i < tag.len()
            && !matches!(tag[i], b'>' | b'/' | b'=')
            && !tag[i].is_ascii_whitespace()
        {
            i += 1;
        }
        if tag[name_start..i].eq_ignore_ascii_case(b"src") {
            has_src = true;
        }
        while i < tag.len() && tag[i].is_ascii_whitespace() {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < tag.len() && tag[i].is_ascii_whitespace() {
            i += 1;
        }
        match tag.get(i)? {
            &quote @ (b'"' | b'\'') => {
                let close = memchr(quote, &tag[i + 1..])?;
                i += 1 + close + 1;
            }
            _ => {
                while i < tag.len() && tag[i] != b'>' && !tag[i].is_ascii_whitespace() {
                    i += 1;
                }
            }
        }
    }
}

/// `\r\n` and lone `\r` become `\n` (HTML's input stream preprocessing).
fn normalise_newlines(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        if byte == b'\r' {
            bytes.next_if_eq(&b'\n');
            out.push(b'\n');
        } else {
            out.push(byte);
        }
    }
    out
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn find_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(html: &str) -> Vec<String> {
        inline_scripts(html.as_bytes())
            .into_iter()
            .map(|s| String::from_utf8(s).expect("utf-8"))
            .collect()
    }

    const TRUNK_INDEX: &str = r#"<!DOCTYPE html><html><head>
<meta charset="utf-8">
<link rel="modulepreload" href="/waymark-3f2a9c1b0d4e5f67.js" crossorigin="anonymous" integrity="sha384-abc">
<link rel="preload" href="/waymark-3f2a9c1b0d4e5f67_bg.wasm" crossorigin="anonymous" integrity="sha384-def" as="fetch" type="application/wasm">
<script src="/sw-register.js" defer></script>
<script type="module" nonce="">
import init, * as bindings from '/waymark-3f2a9c1b0d4e5f67.js';
const wasm = await init({ module_or_path: '/waymark-3f2a9c1b0d4e5f67_bg.wasm' });
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent("TrunkApplicationStarted", {detail: {wasm}}));
</script></head><body></body></html>"#;

    #[test]
    fn finds_trunks_inline_module_and_skips_src_scripts() {
        let found = texts(TRUNK_INDEX);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("\nimport init, * as bindings"));
        assert!(found[0].ends_with("{detail: {wasm}}));\n"));
    }

    #[test]
    fn hash_matches_a_known_value() {
        // echo -n "alert('hi');" | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_hash_source(b"alert('hi');"),
            "'sha256-S3glexDivN1XnfRGec5uF4Y7TT2a/rcrADlE/zj4maA='"
        );
        assert_eq!(
            script_hash_source(b""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }

    #[test]
    fn handles_attribute_quoting_and_case() {
        let html = r#"<SCRIPT type='module' data-x="a > b" data-src="x">one</ScRiPt>
<script data-src=x>two</script>
<script src = "/a.js"></script>
<script SRC=/b.js>ignored</script>
<script async src>ignored too</script>
<script/type="module">three</script >
<scripts>not a script</scripts>
<scripted>nope</scripted>"#;
        assert_eq!(texts(html), ["one", "two", "three"]);
    }

    #[test]
    fn ignores_scripts_in_comments_and_keeps_empty_ones() {
        let html = "<!-- <script>commented()</script> --><script></script><script>\n</script>";
        assert_eq!(texts(html), ["", "\n"]);
    }

    #[test]
    fn text_is_raw_up_to_the_end_tag() {
        // Entities are not decoded in script text; a `<` that does not start `</script` is text.
        let html = "<script>if (a < b && c > d) { s = '&amp;<b>'; }</script>";
        assert_eq!(texts(html), ["if (a < b && c > d) { s = '&amp;<b>'; }"]);
    }

    #[test]
    fn newlines_are_normalised_before_hashing() {
        assert_eq!(texts("<script>a\r\nb\rc\n</script>"), ["a\nb\nc\n"]);
    }

    #[test]
    fn unterminated_markup_does_not_panic() {
        assert!(texts("<script type=\"module").is_empty());
        assert!(texts("<script type=\"module\"").is_empty());
        assert!(texts("<!-- <script>x</script>").is_empty());
        assert_eq!(texts("<script>tail"), ["tail"]);
        assert!(texts("<").is_empty());
        assert!(texts("<script").is_empty());
    }

    #[test]
    fn policy_lists_each_inline_hash_once_and_nothing_remote() {
        let html = "<script>a()</script><script>a()</script><script>b()</script>";
        let policy = content_security_policy(html.as_bytes());
        let a = script_hash_source(b"a()");
        let b = script_hash_source(b"b()");
        assert_eq!(policy.matches(&a).count(), 1);
        assert_eq!(policy.matches(&b).count(), 1);
        assert!(
            policy.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-")
        );
        assert!(policy.ends_with("form-action 'self'; frame-ancestors 'none'"));
        assert!(!policy.contains("http") && !policy.contains('*'));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn policy_without_inline_scripts() {
        assert_eq!(
            content_security_policy(b"<html></html>"),
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
             worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
    }
}
