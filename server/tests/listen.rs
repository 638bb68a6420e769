//! The listening path over real TCP: the library's `serve`, and the actual binary.

mod common;

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use waymark_server::server::{ConnectionLimits, serve};
use waymark_server::sync::store::{Database, Store};
use waymark_server::{StaticAssets, SyncApi, SyncConfig, router};

const TIMEOUT: Duration = Duration::from_secs(20);

struct RawResponse {
    head: String,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Sends a hand-written HTTP/1.1 request and reads the whole response (the server closes
/// the connection because of `Connection: close`).
async fn fetch(addr: SocketAddr, method: &str, path: &str) -> RawResponse {
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read");
        raw
    };
    let raw = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .expect("response in time");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    RawResponse {
        head: String::from_utf8(raw[..split].to_vec()).expect("ascii head"),
        body: raw[split + 4..].to_vec(),
    }
}

#[tokio::test]
async fn serves_over_tcp_on_an_ephemeral_port_and_shuts_down_gracefully() {
    let dir = common::dist();
    let store = Store::connect(&Database::SqliteMemory)
        .await
        .expect("store");
    let app = router(
        StaticAssets::load(dir.path()).expect("load"),
        SyncApi::new(store, SyncConfig::default()),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    assert_ne!(addr.port(), 0);

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stop_rx.await;
    };
    let server = tokio::spawn(serve(
        listener,
        app,
        shutdown,
        Duration::from_secs(5),
        ConnectionLimits::default(),
    ));

    let index = fetch(addr, "GET", "/").await;
    assert!(
        index.head.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        index.head
    );
    assert_eq!(index.body, common::index_html().as_bytes());
    assert_eq!(
        index.header("content-length"),
        Some(index.body.len().to_string().as_str())
    );
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(index.header("content-security-policy").is_some());

    // HEAD over the wire keeps Content-Length but sends no body.
    let head = fetch(addr, "HEAD", "/").await;
    assert!(
        head.head.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        head.head
    );
    assert_eq!(
        head.header("content-length"),
        index.header("content-length")
    );
    assert!(head.body.is_empty());

    let missing = fetch(addr, "GET", "/waymark-0000000000000000.js").await;
    assert!(
        missing.head.starts_with("HTTP/1.1 404 "),
        "{}",
        missing.head
    );

    stop_tx.send(()).expect("server still running");
    tokio::time::timeout(TIMEOUT, server)
        .await
        .expect("stops in time")
        .expect("task")
        .expect("serve");
}

/// Kills the child if a test fails before it exits.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_with_timeout(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "the server did not exit in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_binary_announces_its_address_serves_and_stops_on_sigterm() {
    let dir = common::dist();
    let data = tempfile::tempdir().expect("tempdir");
    // A data directory that does not exist yet: the server creates it.
    let data_dir = data.path().join("nested").join("data");
    let child = Command::new(env!("CARGO_BIN_EXE_waymark-server"))
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(dir.path())
        .arg("--data-dir")
        .arg(&data_dir)
        .env_remove("WAYMARK_DIST")
        .env_remove("WAYMARK_ADDR")
        .env_remove("WAYMARK_DATA")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let mut child = Reaper(child);
    let stdout = child.0.stdout.take().expect("stdout");

    // Read the announcement on a thread so a silent server fails the test instead of hanging it.
    let (line_tx, line_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read stdout");
        let _ = line_tx.send(line);
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).expect("read stdout");
        rest
    });
    let line = line_rx.recv_timeout(TIMEOUT).expect("announcement in time");
    let url = line
        .strip_prefix("Waymark is running at http://")
        .and_then(|rest| rest.strip_suffix("/\n"))
        .unwrap_or_else(|| panic!("unexpected announcement {line:?}"));
    let addr: SocketAddr = url.parse().expect("HOST:PORT");
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_ne!(addr.port(), 0, "the real port is announced, not 0");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let health = runtime.block_on(fetch(addr, "GET", "/healthz"));
    assert!(
        health.head.starts_with("HTTP/1.1 200 OK\r\n"),
        "{}",
        health.head
    );
    assert_eq!(health.body, br#"{"status":"ok","database":"ok"}"#);
    assert!(
        data_dir.join("waymark-sync.db").is_file(),
        "the SQLite store is in the data directory"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&data_dir)
            .expect("data dir")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "the data directory is private");
    }
    let mood = runtime.block_on(fetch(addr, "GET", "/mood"));
    assert_eq!(mood.body, common::index_html().as_bytes());

    let kill = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = wait_with_timeout(&mut child.0);
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
    let rest = reader.join().expect("reader thread");
    assert_eq!(rest, "", "exactly one line on stdout");

    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(
        stderr.contains("/healthz") && stderr.contains("200"),
        "{stderr}"
    );
    assert!(!stderr.contains("status\":\"ok"), "bodies are never logged");
    assert!(stderr.contains("sync store ready"), "{stderr}");
}

#[test]
fn the_binary_exits_1_with_a_clear_error_when_dist_is_unusable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-dist");
    let output = Command::new(env!("CARGO_BIN_EXE_waymark-server"))
        .args(["--addr", "127.0.0.1:0"])
        .env("WAYMARK_DIST", &missing)
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing announced");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no-such-dist") && stderr.contains("does not exist"),
        "{stderr}"
    );

    // A directory without index.html.
    let output = Command::new(env!("CARGO_BIN_EXE_waymark-server"))
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("index.html"));

    // A usage error is reported with the usage text (exit 2, as is conventional).
    let output = Command::new(env!("CARGO_BIN_EXE_waymark-server"))
        .arg("--port")
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage: waymark-server"));
}

/// Serves the app over a fresh in-memory store on an ephemeral port with `limits`; returns the address and a
/// stopper.
async fn start_server(limits: ConnectionLimits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let dir = common::dist();
    let store = Store::connect(&Database::SqliteMemory)
        .await
        .expect("store");
    let app = router(
        StaticAssets::load(dir.path()).expect("load"),
        SyncApi::new(store, SyncConfig::default()),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stop_rx.await;
    };
    tokio::spawn(serve(
        listener,
        app,
        shutdown,
        Duration::from_secs(1),
        limits,
    ));
    (addr, stop_tx)
}

/// How long until the server closes `stream` (reads until end of file), or `None` if it is still open after `wait`.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(wait, stream.read_to_end(&mut sink))
        .await
        .ok()
        .map(|_| started.elapsed())
}

#[tokio::test]
async fn a_client_that_sends_half_its_headers_or_nothing_is_disconnected() {
    let header_read_timeout = Duration::from_secs(1);
    let (addr, _stop) = start_server(ConnectionLimits {
        header_read_timeout,
        ..ConnectionLimits::default()
    })
    .await;
    let mut half = TcpStream::connect(addr).await.expect("connect");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    // A kept-alive connection that goes quiet after its first request.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let wait = Duration::from_secs(10);
    for (what, stream) in [
        ("half-sent", &mut half),
        ("silent", &mut silent),
        ("idle", &mut idle),
    ] {
        let closed = closed_within(stream, wait).await;
        let closed = closed.unwrap_or_else(|| panic!("a {what} connection stayed open"));
        assert!(
            closed < Duration::from_secs(5),
            "{what}: closed after {closed:?}"
        );
    }
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_until_one_closes() {
    let (addr, _stop) = start_server(ConnectionLimits {
        header_read_timeout: Duration::from_secs(30),
        max_connections: 2,
    })
    .await;
    let first = TcpStream::connect(addr).await.expect("connect");
    let _second = TcpStream::connect(addr).await.expect("connect");
    let mut third = TcpStream::connect(addr).await.expect("connect");
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    assert!(
        tokio::time::timeout(Duration::from_secs(1), third.read_to_end(&mut answer))
            .await
            .is_err(),
        "a third connection was served while two were open"
    );
    drop(first);
    tokio::time::timeout(TIMEOUT, third.read_to_end(&mut answer))
        .await
        .expect("served once a connection closed")
        .expect("read");
    assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
}
