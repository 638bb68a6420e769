//! A temporary dist directory shaped like Trunk's output, and request helpers.

#![allow(dead_code)] // each test binary uses a different subset

use std::fs;
use std::path::Path;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use tempfile::TempDir;
use tower::ServiceExt as _;
use waymark_server::sync::store::{Database, Store};
use waymark_server::{StaticAssets, SyncApi, SyncConfig, router};

pub const JS: &str = "waymark-3f2a9c1b0d4e5f67.js";
pub const WASM: &str = "waymark-3f2a9c1b0d4e5f67_bg.wasm";
pub const CSS: &str = "main-0123456789abcdef.css";
pub const PNG: &str = "icons/icon-192.png";

/// The exact text of the inline script Trunk injects (between `<script …>` and `</script>`).
pub const INLINE_SCRIPT: &str = "\nimport init, * as bindings from '/waymark-3f2a9c1b0d4e5f67.js';\n\
const wasm = await init({ module_or_path: '/waymark-3f2a9c1b0d4e5f67_bg.wasm' });\n\
window.wasmBindings = bindings;\n\
dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));\n";

pub fn index_html() -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waymark</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="stylesheet" href="/{CSS}" integrity="sha384-x">
<link rel="modulepreload" href="/{JS}" crossorigin="anonymous">
<link rel="preload" href="/{WASM}" crossorigin="anonymous" as="fetch" type="application/wasm">
<script src="/{JS}" type="module" data-note="has src: not hashed"></script>
<script type="module">{INLINE_SCRIPT}</script>
</head>
<body>
<noscript>{}</noscript>
</body>
</html>
"#,
        "Waymark needs JavaScript and WebAssembly to run in this browser. ".repeat(8)
    )
}

pub fn js() -> Vec<u8> {
    "export function step(n) { return `Waymark step ${n}: one small thing at a time`; }\n"
        .repeat(40)
        .into_bytes()
}

pub fn wasm() -> Vec<u8> {
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend(b"\x01\x07\x01\x60\x02\x7f\x7f\x01\x7f".repeat(200));
    wasm
}

pub fn css() -> Vec<u8> {
    ".card { margin: 1rem; padding: 1rem; border-radius: 0.5rem; }\n"
        .repeat(30)
        .into_bytes()
}

pub fn sw_js() -> Vec<u8> {
    "self.addEventListener('fetch', (event) => { /* cache first for hashed files */ });\n"
        .repeat(10)
        .into_bytes()
}

pub fn manifest() -> Vec<u8> {
    br##"{"name":"Waymark","short_name":"Waymark","start_url":"/","display":"standalone",
"background_color":"#ffffff","theme_color":"#005eb8","icons":[{"src":"/icons/icon-192.png",
"sizes":"192x192","type":"image/png"},{"src":"/icons/icon-512.png","sizes":"512x512",
"type":"image/png"}],"description":"Waymark: a self-help companion, a self-help companion"}"##
        .to_vec()
}

pub fn png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend([0_u8; 300]);
    png
}

/// A dist directory with every kind of file the app ships.
pub fn dist() -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_dist(dir.path());
    dir
}

pub fn write_dist(root: &Path) {
    let files: [(&str, Vec<u8>); 7] = [
        ("index.html", index_html().into_bytes()),
        (JS, js()),
        (WASM, wasm()),
        (CSS, css()),
        ("sw.js", sw_js()),
        ("manifest.webmanifest", manifest()),
        (PNG, png()),
    ];
    for (name, content) in files {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("mkdir");
        }
        fs::write(path, content).expect("write fixture");
    }
}

/// The router over a freshly written fixture, with an in-memory sync store.
pub async fn app() -> Router {
    let store = Store::connect(&Database::SqliteMemory)
        .await
        .expect("in-memory store");
    app_with(store, SyncConfig::default())
}

/// The router over a freshly written fixture, with this sync store and configuration.
pub fn app_with(store: Store, config: SyncConfig) -> Router {
    let dir = dist();
    let assets = StaticAssets::load(dir.path()).expect("load fixture");
    router(assets, SyncApi::new(store, config))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii header"))
    }
}

pub async fn request(app: &Router, method: Method, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Body::empty()).expect("request");
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("body");
    Reply {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub async fn get(app: &Router, path: &str) -> Reply {
    request(app, Method::GET, path, &[]).await
}
