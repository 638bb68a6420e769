//! The router, end to end in process (`tower::ServiceExt::oneshot`), over a Trunk-like dist.

mod common;

use std::io::Read as _;

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use common::{CSS, INLINE_SCRIPT, JS, PNG, Reply, WASM, app, get, request};
use sha2::{Digest as _, Sha256};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn unbrotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(data, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn assert_security_headers(reply: &Reply) {
    let csp = reply
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on a {} response", reply.status));
    assert!(csp.starts_with("default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        reply.header("cross-origin-opener-policy"),
        Some("same-origin")
    );
    assert_eq!(
        reply.header("cross-origin-resource-policy"),
        Some("same-origin")
    );
    assert_eq!(
        reply.header("permissions-policy"),
        Some("camera=(), microphone=(), geolocation=(), payment=(), usb=()")
    );
}

#[tokio::test]
async fn serves_each_type_with_its_mime_type() {
    let app = app().await;
    let cases = [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        (&format!("/{JS}"), "text/javascript; charset=utf-8"),
        (&format!("/{WASM}"), "application/wasm"),
        (&format!("/{CSS}"), "text/css; charset=utf-8"),
        ("/sw.js", "text/javascript; charset=utf-8"),
        ("/manifest.webmanifest", "application/manifest+json"),
        (&format!("/{PNG}"), "image/png"),
    ];
    for (path, content_type) in cases {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.header("content-type"), Some(content_type), "{path}");
        assert_eq!(
            reply.header("content-encoding"),
            None,
            "{path}: no Accept-Encoding"
        );
        assert_eq!(
            reply.header("content-length"),
            Some(reply.body.len().to_string().as_str()),
            "{path}"
        );
    }
    assert_eq!(get(&app, &format!("/{WASM}")).await.body, common::wasm());
    assert_eq!(get(&app, &format!("/{PNG}")).await.body, common::png());
}

#[tokio::test]
async fn negotiates_brotli_and_gzip_and_both_decompress_to_the_original() {
    let app = app().await;
    let files: [(String, Vec<u8>); 5] = [
        ("/".to_owned(), common::index_html().into_bytes()),
        (format!("/{JS}"), common::js()),
        (format!("/{WASM}"), common::wasm()),
        (format!("/{CSS}"), common::css()),
        ("/manifest.webmanifest".to_owned(), common::manifest()),
    ];
    for (path, original) in &files {
        let br = request(
            &app,
            Method::GET,
            path,
            &[("accept-encoding", "gzip, deflate, br, zstd")],
        )
        .await;
        assert_eq!(br.status, StatusCode::OK);
        assert_eq!(br.header("content-encoding"), Some("br"), "{path}");
        assert_eq!(br.header("vary"), Some("Accept-Encoding"), "{path}");
        assert_eq!(
            br.header("content-length"),
            Some(br.body.len().to_string().as_str())
        );
        assert!(br.body.len() < original.len(), "{path}: brotli is smaller");
        assert_eq!(&unbrotli(&br.body), original, "{path}");

        let gz = request(&app, Method::GET, path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(gz.header("content-encoding"), Some("gzip"), "{path}");
        assert_eq!(gz.header("vary"), Some("Accept-Encoding"), "{path}");
        assert_eq!(
            gz.header("content-length"),
            Some(gz.body.len().to_string().as_str())
        );
        assert_eq!(&gunzip(&gz.body), original, "{path}");

        // Identity responses to a negotiable resource still say they vary.
        let plain = get(&app, path).await;
        assert_eq!(plain.header("content-encoding"), None);
        assert_eq!(plain.header("vary"), Some("Accept-Encoding"), "{path}");
        assert_eq!(&plain.body[..], &original[..]);
    }
}

#[tokio::test]
async fn honours_q_values() {
    let app = app().await;
    let path = format!("/{JS}");
    let coding = |reply: &Reply| reply.header("content-encoding").map(str::to_owned);
    let cases: [(&str, Option<&str>); 9] = [
        ("br;q=0, gzip", Some("gzip")),
        ("br;q=0.4, gzip;q=0.5", Some("gzip")),
        ("gzip;q=0.5, br;q=0.5", Some("br")),
        ("br;q=0, gzip;q=0", None),
        ("*", Some("br")),
        ("*;q=0", None),
        ("identity", None),
        ("br;q=0.1, identity;q=0.5", None),
        ("", None),
    ];
    for (accept, expected) in cases {
        let reply = request(&app, Method::GET, &path, &[("accept-encoding", accept)]).await;
        assert_eq!(reply.status, StatusCode::OK, "{accept:?}");
        assert_eq!(coding(&reply).as_deref(), expected, "{accept:?}");
        if expected.is_none() {
            assert_eq!(reply.body, common::js(), "{accept:?}");
        }
    }
}

#[tokio::test]
async fn binary_types_are_never_compressed_and_do_not_vary() {
    let app = app().await;
    let reply = request(
        &app,
        Method::GET,
        &format!("/{PNG}"),
        &[("accept-encoding", "br, gzip")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-encoding"), None);
    assert_eq!(reply.header("vary"), None);
    assert_eq!(reply.body, common::png());
}

#[tokio::test]
async fn hashed_files_are_immutable_and_the_rest_revalidate() {
    let app = app().await;
    for path in [format!("/{JS}"), format!("/{WASM}"), format!("/{CSS}")] {
        let reply = get(&app, &path).await;
        assert_eq!(reply.header("cache-control"), Some(IMMUTABLE), "{path}");
    }
    for path in [
        "/",
        "/index.html",
        "/sw.js",
        "/manifest.webmanifest",
        "/icons/icon-192.png",
        "/mood",
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{path}");
    }
}

#[tokio::test]
async fn strong_etags_and_conditional_requests() {
    let app = app().await;
    let path = format!("/{JS}");
    let plain = get(&app, &path).await;
    let etag = plain.header("etag").expect("etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong and quoted: {etag}"
    );

    let br = request(&app, Method::GET, &path, &[("accept-encoding", "br")]).await;
    let br_etag = br.header("etag").expect("etag").to_owned();
    assert_ne!(etag, br_etag, "each coding is its own representation");
    assert!(!br_etag.starts_with("W/"));

    let not_modified = request(&app, Method::GET, &path, &[("if-none-match", &etag)]).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());
    assert_eq!(not_modified.header("etag"), Some(etag.as_str()));
    assert_eq!(not_modified.header("cache-control"), Some(IMMUTABLE));
    assert_eq!(not_modified.header("vary"), Some("Accept-Encoding"));
    assert_security_headers(&not_modified);

    let weak = format!("W/{etag}");
    let list = format!("\"nope\", {etag}");
    let cases = [
        (
            vec![
                ("if-none-match", br_etag.as_str()),
                ("accept-encoding", "br"),
            ],
            StatusCode::NOT_MODIFIED,
        ),
        (
            vec![("if-none-match", weak.as_str())],
            StatusCode::NOT_MODIFIED,
        ),
        (
            vec![("if-none-match", list.as_str())],
            StatusCode::NOT_MODIFIED,
        ),
        (vec![("if-none-match", "*")], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", "\"nope\"")], StatusCode::OK),
        // The brotli tag does not validate the identity representation.
        (vec![("if-none-match", br_etag.as_str())], StatusCode::OK),
    ];
    for (headers, status) in cases {
        let reply = request(&app, Method::GET, &path, &headers).await;
        assert_eq!(reply.status, status, "{headers:?}");
    }

    // The SPA fallback revalidates like index.html, because it is index.html.
    let index_etag = get(&app, "/")
        .await
        .header("etag")
        .expect("etag")
        .to_owned();
    let mood = request(
        &app,
        Method::GET,
        "/mood",
        &[("if-none-match", &index_etag)],
    )
    .await;
    assert_eq!(mood.status, StatusCode::NOT_MODIFIED);
    assert_eq!(mood.header("cache-control"), Some("no-cache"));
}

#[tokio::test]
async fn client_routes_fall_back_to_index_html() {
    let app = app().await;
    let index = get(&app, "/").await;
    for path in [
        "/mood",
        "/plan/steps/x",
        "/plan/steps/",
        "/mood?from=reminder",
        "/journal/2024-05-01",
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert_eq!(reply.header("cache-control"), Some("no-cache"), "{path}");
        assert_eq!(reply.body, index.body, "{path}");
        assert_security_headers(&reply);
    }
    assert_eq!(index.body, common::index_html().as_bytes());
}

#[tokio::test]
async fn missing_files_with_an_extension_are_404_not_index_html() {
    let app = app().await;
    for path in [
        "/missing-0000000000000000.js",
        "/waymark-0000000000000000.js",
        "/waymark-0000000000000000_bg.wasm",
        "/icons/missing.png",
        "/plan/steps/favicon.ico",
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_ne!(
            reply.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert!(!reply.body.starts_with(b"<!DOCTYPE"), "{path}");
        assert_security_headers(&reply);
    }
}

#[tokio::test]
async fn api_paths_are_reserved_json_404s() {
    let app = app().await;
    for (method, path) in [
        (Method::GET, "/api/anything"),
        (Method::GET, "/api"),
        (Method::GET, "/api/"),
        (Method::GET, "/api/sync/v1/changes"),
        (Method::POST, "/api/sync"),
        (Method::PUT, "/api/x.json"),
    ] {
        let reply = request(&app, method.clone(), path, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(reply.header("content-type"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(&reply.body).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"error": "not_found"}),
            "{method} {path}"
        );
        assert_security_headers(&reply);
    }
    // Only the `/api` segment is reserved, not every path starting with those letters.
    assert_eq!(get(&app, "/apiary").await.status, StatusCode::OK);
}

#[tokio::test]
async fn healthz_reports_ok() {
    let app = app().await;
    let reply = get(&app, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body: serde_json::Value = serde_json::from_slice(&reply.body).expect("json");
    assert_eq!(body, serde_json::json!({"status": "ok", "database": "ok"}));
    assert_security_headers(&reply);

    let head = request(&app, Method::HEAD, "/healthz", &[]).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn other_methods_are_405() {
    let app = app().await;
    for (method, path) in [
        (Method::POST, "/"),
        (Method::POST, "/index.html"),
        (Method::PUT, &format!("/{JS}")),
        (Method::DELETE, "/mood"),
        (Method::OPTIONS, "/"),
        (Method::PATCH, "/missing.js"),
        (Method::POST, "/healthz"),
    ] {
        let reply = request(&app, method.clone(), path, &[]).await;
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        let allow = reply.header("allow").expect("Allow header");
        assert!(allow.contains("GET") && allow.contains("HEAD"), "{allow}");
        assert_security_headers(&reply);
    }
}

#[tokio::test]
async fn path_traversal_is_rejected() {
    let app = app().await;
    for path in [
        "/../index.html",
        "/icons/../index.html",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2Findex.html",
        "/icons/..%2f..%2fsecret.txt",
        "/..%5c..%5cwindows%5cwin.ini",
        "/./sw.js",
        "/mood%00",
        "/%ff",
    ] {
        let reply = get(&app, path).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(!reply.body.starts_with(b"<!DOCTYPE"), "{path}");
        assert_security_headers(&reply);
    }
}

#[tokio::test]
async fn security_headers_and_csp_on_200_304_404() {
    let app = app().await;
    let ok = get(&app, "/").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_security_headers(&ok);

    let etag = ok.header("etag").expect("etag").to_owned();
    let not_modified = request(&app, Method::GET, "/", &[("if-none-match", &etag)]).await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_security_headers(&not_modified);

    let not_found = get(&app, "/nope.css").await;
    assert_eq!(not_found.status, StatusCode::NOT_FOUND);
    assert_security_headers(&not_found);

    // The policy is the same on every response.
    assert_eq!(
        ok.header("content-security-policy"),
        not_found.header("content-security-policy")
    );
}

#[tokio::test]
async fn csp_allows_exactly_the_inline_script_and_nothing_remote() {
    let app = app().await;
    let reply = get(&app, "/").await;
    let csp = reply.header("content-security-policy").expect("csp");

    let digest = Sha256::digest(INLINE_SCRIPT.as_bytes());
    let expected = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    assert_eq!(
        csp,
        format!(
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {expected}; \
             style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; \
             manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        )
    );
    assert_eq!(
        csp.matches("'sha256-").count(),
        1,
        "the src= script is not hashed"
    );
    assert!(!csp.contains("http"), "{csp}");
    assert!(!csp.contains('*'), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("'unsafe-eval'"), "{csp}");
}

#[tokio::test]
async fn head_has_the_get_headers_and_no_body() {
    let app = app().await;
    for (path, accept) in [
        ("/", "br"),
        ("/mood", "gzip"),
        (&format!("/{WASM}") as &str, "br"),
        (&format!("/{PNG}"), ""),
    ] {
        let headers = [("accept-encoding", accept)];
        let get = request(&app, Method::GET, path, &headers).await;
        let head = request(&app, Method::HEAD, path, &headers).await;
        assert_eq!(head.status, StatusCode::OK, "{path}");
        assert!(head.body.is_empty(), "{path}");
        assert!(!get.body.is_empty(), "{path}");
        for name in [
            "content-type",
            "content-encoding",
            "etag",
            "cache-control",
            "vary",
        ] {
            assert_eq!(head.header(name), get.header(name), "{path}: {name}");
        }
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{path}"
        );
        assert_security_headers(&head);
    }
    let missing = request(&app, Method::HEAD, "/missing-0000000000000000.js", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.is_empty());
}
