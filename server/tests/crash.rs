//! Crash durability: the server binary, over a SQLite file, is killed with SIGKILL while devices push; after a
//! restart, every change a device got a receipt for is there. Repeated `WAYMARK_CRASH_ROUNDS` times (default 5),
//! each kill at a random moment.

mod common;

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use waymark_core::sync::keys::to_base64;
use waymark_core::sync::protocol::{API_PREFIX, KdfParams};
use waymark_server::sync::secrets::random_id;

/// The number of kill-and-restart rounds.
const ROUNDS_ENV: &str = "WAYMARK_CRASH_ROUNDS";
/// Devices pushing at once.
const DEVICES: usize = 3;

/// A running server binary (killed when dropped).
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(dist: &Path, data: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_waymark-server"))
            .args(["--addr", "127.0.0.1:0", "--dist"])
            .arg(dist)
            .arg("--data-dir")
            .arg(data)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the announcement");
        let addr = line
            .trim()
            .strip_prefix("Waymark is running at http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("unexpected announcement {line:?}"))
            .parse()
            .expect("HOST:PORT");
        Self { child, addr }
    }

    /// SIGKILL: no shutdown, no flush, nothing.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange on its own connection: the status and JSON body, or `None` if the server went away.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token.map_or(String::new(), |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    let request = format!(
        "{method} {API_PREFIX}{path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.ok()?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let status = std::str::from_utf8(raw.get(9..12)?).ok()?.parse().ok()?;
    let body = serde_json::from_slice(&raw[split + 4..]).ok()?;
    Some((status, body))
}

/// Creates a space and joins more devices: the space id and each device's token.
async fn space(addr: SocketAddr) -> (String, Vec<String>) {
    let space_id = random_id().expect("random");
    let secret = to_base64(&[1; 32]);
    let create = json!({
        "space_id": space_id,
        "kdf": KdfParams::argon2id(KdfParams::MINIMUM, to_base64(&[9; 16])),
        "auth_secret": secret,
        "wrapped_key": to_base64(b"wrapped"),
        "recovery_auth_secret": to_base64(&[2; 32]),
        "recovery_wrapped_key": to_base64(b"wrapped too"),
        "device_name": "device 0",
    });
    let (status, joined) = call(addr, "POST", "/spaces", None, Some(&create))
        .await
        .expect("create");
    assert_eq!(status, 201, "{joined}");
    let mut tokens = vec![joined["token"].as_str().expect("token").to_owned()];
    for n in 1..DEVICES {
        let join = json!({"credential": "passphrase", "auth_secret": secret, "device_name": format!("device {n}")});
        let path = format!("/spaces/{space_id}/devices");
        let (status, joined) = call(addr, "POST", &path, None, Some(&join))
            .await
            .expect("join");
        assert_eq!(status, 201, "{joined}");
        tokens.push(joined["token"].as_str().expect("token").to_owned());
    }
    (space_id, tokens)
}

/// Pushes batches of new changes until the server goes away; every id receipted goes into `receipted`.
async fn push_until_gone(
    addr: SocketAddr,
    space_id: String,
    token: String,
    receipted: Arc<Mutex<HashSet<String>>>,
) {
    let path = format!("/spaces/{space_id}/changes");
    for batch in 1_usize.. {
        let changes: Vec<Value> = (0..=batch % 5)
            .map(|n| {
                let ciphertext = to_base64(&vec![u8::try_from(n).unwrap_or(0); 50 + batch % 200]);
                json!({"id": random_id().expect("random"), "ciphertext": ciphertext})
            })
            .collect();
        let body = json!({ "changes": changes });
        match call(addr, "POST", &path, Some(&token), Some(&body)).await {
            Some((200, answer)) => {
                let mut receipted = receipted.lock().expect("lock");
                for accepted in answer["accepted"].as_array().expect("accepted") {
                    receipted.insert(accepted["id"].as_str().expect("id").to_owned());
                }
            }
            // Throttled: wait as a device would.
            Some((429, _)) => tokio::time::sleep(Duration::from_millis(100)).await,
            Some((status, answer)) => panic!("push answered {status}: {answer}"),
            None => return,
        }
    }
}

/// Every change id the space holds.
async fn stored_ids(addr: SocketAddr, space_id: &str, token: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut after = 0;
    loop {
        let path = format!("/spaces/{space_id}/changes?after={after}&limit=500");
        let (status, page) = call(addr, "GET", &path, Some(token), None)
            .await
            .expect("pull");
        assert_eq!(status, 200, "{page}");
        for change in page["changes"].as_array().expect("changes") {
            ids.insert(change["id"].as_str().expect("id").to_owned());
        }
        after = page["next_after"].as_u64().expect("next_after");
        if !page["more"].as_bool().expect("more") {
            return ids;
        }
    }
}

/// A random delay between 200 ms and 1.2 s (from the OS's random source: each round kills at a new moment).
fn random_delay() -> Duration {
    let mut bytes = [0; 2];
    getrandom::fill(&mut bytes).expect("random");
    Duration::from_millis(200 + u64::from(u16::from_le_bytes(bytes)) % 1000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_receipted_change_survives_sigkill() {
    let rounds: usize = std::env::var(ROUNDS_ENV)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(5);
    let dist = common::dist();
    let data = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dist.path(), data.path());
    let (space_id, tokens) = space(server.addr).await;
    let receipted = Arc::new(Mutex::new(HashSet::new()));
    let mut server = Some(server);
    for round in 1..=rounds {
        let running = server.take().expect("a running server");
        let pushers: Vec<_> = tokens
            .iter()
            .map(|token| {
                tokio::spawn(push_until_gone(
                    running.addr,
                    space_id.clone(),
                    token.clone(),
                    Arc::clone(&receipted),
                ))
            })
            .collect();
        tokio::time::sleep(random_delay()).await;
        running.kill();
        for pusher in pushers {
            pusher.await.expect("pusher");
        }

        let restarted = Server::start(dist.path(), data.path());
        let stored = stored_ids(restarted.addr, &space_id, &tokens[0]).await;
        let receipted = receipted.lock().expect("lock").clone();
        let lost: Vec<_> = receipted.difference(&stored).collect();
        assert!(
            lost.is_empty(),
            "round {round}: {} of {} receipted changes lost after SIGKILL",
            lost.len(),
            receipted.len()
        );
        eprintln!(
            "round {round}: {} receipted, {} stored, none lost",
            receipted.len(),
            stored.len()
        );
        server = Some(restarted);
    }
}
