//! Load benchmark for the sync API (not a test): starts the release `waymark-server` on loopback, then simulates
//! many devices that set up or join spaces, push encrypted-sized changes and pull each other's, many at once.
//!
//! ```text
//! sync_load --server target/release/waymark-server --dist dist [--database-url postgres://…]
//!           [--devices 1000] [--per-space 4] [--changes 50] [--batch 5] [--concurrency 200] [--budget-ms 50]
//! ```
//!
//! Without `--database-url` the server keeps its data in SQLite in a fresh temporary directory; with it, in that
//! PostgreSQL database. Reports throughput (requests/s, changes/s), p50/p99/max latency per request type, and
//! the server's peak resident memory (VmHWM). Checks the budget: p99 of every request type under `--budget-ms`
//! (50 ms) at the set concurrency. Exit status 0 when everything was measured (budget met or not; the last line
//! says which), 2 when the run itself failed. Sends requests only to the server it started, on 127.0.0.1.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

const API: &str = "/api/sync/v1";
/// Gives up on a request (and the run) after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
struct Options {
    server: String,
    dist: String,
    database_url: Option<String>,
    devices: usize,
    per_space: usize,
    changes: usize,
    batch: usize,
    concurrency: usize,
    budget_ms: f64,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let mut options = Options {
            server: "target/release/waymark-server".into(),
            dist: "dist".into(),
            database_url: None,
            devices: 1000,
            per_space: 4,
            changes: 50,
            batch: 5,
            concurrency: 200,
            budget_ms: 50.0,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or(format!("{flag} needs a value"));
            let number = |text: String| text.parse::<usize>().map_err(|e| format!("{e}: {text}"));
            match flag.as_str() {
                "--server" => options.server = value()?,
                "--dist" => options.dist = value()?,
                "--database-url" => options.database_url = Some(value()?),
                "--devices" => options.devices = number(value()?)?,
                "--per-space" => options.per_space = number(value()?)?,
                "--changes" => options.changes = number(value()?)?,
                "--batch" => options.batch = number(value()?)?,
                "--concurrency" => options.concurrency = number(value()?)?,
                "--budget-ms" => {
                    options.budget_ms = value()?.parse().map_err(|e| format!("{e}"))?
                }
                other => return Err(format!("unknown option {other}")),
            }
        }
        if options.devices == 0 || options.per_space == 0 || options.batch == 0 {
            return Err("devices, per-space and batch must be positive".into());
        }
        if options.concurrency == 0 {
            return Err("concurrency must be positive".into());
        }
        Ok(options)
    }
}

/// SplitMix64: the benchmark's random ids, secrets and ciphertext (the server never decrypts anything).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
    fn id(&mut self) -> String {
        self.bytes(16).iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The server process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    _data: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(options: &Options) -> Result<Server, String> {
        let mut command = Command::new(&options.server);
        command
            .args(["--dist", &options.dist, "--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // Behind a (pretend) proxy, so that each simulated device counts as its own address for the rate limits
        // on creating and joining spaces; see `Connection::call`.
        command.arg("--behind-proxy");
        command
            .env_remove("DATABASE_URL")
            .env_remove("WAYMARK_DATA");
        let data = match &options.database_url {
            Some(url) => {
                command.args(["--database-url", url]);
                None
            }
            None => {
                let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
                command.args(["--data-dir".as_ref(), dir.path().as_os_str()]);
                Some(dir)
            }
        };
        let mut child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", options.server))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {} // keep the pipe drained
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "the server did not announce its address".to_owned())?;
        let addr = line
            .strip_prefix("Waymark is running at http://")
            .and_then(|rest| rest.trim_end_matches('/').parse().ok())
            .ok_or(format!("unexpected first line from the server: {line}"))?;
        Ok(Server {
            child,
            addr,
            _data: data,
        })
    }

    /// CPU time (user + system) the server has used so far.
    fn cpu(&self) -> Option<Duration> {
        cpu_of(&self.child.id().to_string())
    }

    /// (VmHWM, VmRSS) in KiB, from /proc.
    fn memory_kib(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        };
        Some((field("VmHWM:")?, field("VmRSS:")?))
    }
}

/// CPU time (user + system) of a process, from `/proc/<pid>/stat` (in USER_HZ ticks, 100 a second on Linux).
fn cpu_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// One device's HTTP/1.1 keep-alive connection.
struct Connection {
    sender: SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    /// The simulated device's own address, as a proxy would pass it on (`X-Forwarded-For`).
    client: String,
}

/// Device `n`'s address, in the range set aside for benchmarks (198.18.0.0/15, RFC 2544). Only ever written in a
/// header: nothing is sent to it.
fn device_address(n: usize) -> String {
    format!(
        "198.{}.{}.{}",
        18 + (n >> 16) % 2,
        (n >> 8) & 0xff,
        n & 0xff
    )
}

impl Connection {
    async fn open(addr: SocketAddr) -> Result<Connection, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream.set_nodelay(true).ok();
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(connection);
        Ok(Connection {
            sender,
            addr,
            client: String::new(),
        })
    }

    async fn call(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<(StatusCode, Bytes, Duration), String> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{API}{path}"))
            .header("host", self.addr.to_string())
            .header("x-forwarded-for", &self.client);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(&body).expect("JSON"))
            }
            None => Bytes::new(),
        };
        let request = request.body(Full::new(body)).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let exchange = async {
            self.sender
                .ready()
                .await
                .map_err(|e| format!("connection: {e}"))?;
            let response = self
                .sender
                .send_request(request)
                .await
                .map_err(|e| format!("request: {e}"))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes();
            Ok::<_, String>((status, body))
        };
        let (status, body) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| "a request took over a minute".to_owned())??;
        Ok((status, body, started.elapsed()))
    }
}

/// Latencies by request type.
#[derive(Default)]
struct Samples(BTreeMap<&'static str, Vec<Duration>>);

impl Samples {
    fn add(&mut self, kind: &'static str, took: Duration) {
        self.0.entry(kind).or_default().push(took);
    }
    fn merge(&mut self, other: Samples) {
        for (kind, mut durations) in other.0 {
            self.0.entry(kind).or_default().append(&mut durations);
        }
    }
    fn count(&self) -> usize {
        self.0.values().map(Vec::len).sum()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One space's credentials, shared by its devices.
#[derive(Clone)]
struct Space {
    id: String,
    auth_secret: String,
}

/// The answer's JSON, if it has the status wanted.
fn expect<T: serde::de::DeserializeOwned>(
    status: StatusCode,
    want: StatusCode,
    what: &str,
    body: &Bytes,
) -> Result<T, String> {
    if status != want {
        return Err(format!(
            "{what}: {status} {}",
            String::from_utf8_lossy(body)
        ));
    }
    serde_json::from_slice(body).map_err(|e| format!("{what}: {e}"))
}

/// The part of an answer to creating or joining a space that the benchmark uses.
#[derive(serde::Deserialize)]
struct Joined {
    token: String,
}

/// The part of a pull's answer that the benchmark uses (the changes are counted, not kept).
#[derive(serde::Deserialize)]
struct Page {
    changes: Vec<serde::de::IgnoredAny>,
    next_after: u64,
    more: bool,
}

/// Phase 1: the first device of each space sets it up; the others join. Returns each device's token.
async fn set_up(
    options: &Options,
    addr: SocketAddr,
    samples: &Mutex<Samples>,
) -> Result<Vec<(Space, String)>, String> {
    let spaces = options.devices.div_ceil(options.per_space);
    let gate = Arc::new(Semaphore::new(options.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for s in 0..spaces {
        let gate = gate.clone();
        let per_space = options.per_space;
        let members = per_space.min(options.devices - s * per_space);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore");
            let mut rng = Rng(0x5eed_0000 + s as u64);
            let mut local = Samples::default();
            let mut connection = Connection::open(addr).await?;
            connection.client = device_address(s * per_space);
            let space = Space {
                id: rng.id(),
                auth_secret: b64(&rng.bytes(32)),
            };
            let kdf = json!({
                "algorithm": "argon2id", "memory_kib": 19 * 1024, "iterations": 2, "parallelism": 1,
                "salt": b64(&rng.bytes(16)),
            });
            let create = json!({
                "space_id": space.id, "kdf": kdf, "auth_secret": space.auth_secret,
                "wrapped_key": b64(&rng.bytes(61)), "recovery_auth_secret": b64(&rng.bytes(32)),
                "recovery_wrapped_key": b64(&rng.bytes(61)), "device_name": "Phone",
            });
            let (status, body, took) = connection
                .call(Method::POST, "/spaces", None, Some(create))
                .await?;
            let joined: Joined = expect(status, StatusCode::CREATED, "create a space", &body)?;
            local.add("create space", took);
            let mut tokens = vec![(space.clone(), joined.token)];
            for member in 1..members {
                connection.client = device_address(s * per_space + member);
                let (status, body, took) = connection
                    .call(Method::GET, &format!("/spaces/{}/kdf", space.id), None, None)
                    .await?;
                let _: Value = expect(status, StatusCode::OK, "kdf", &body)?;
                local.add("kdf", took);
                let join = json!({
                    "credential": "passphrase", "auth_secret": space.auth_secret, "device_name": "Laptop",
                });
                let (status, body, took) = connection
                    .call(Method::POST, &format!("/spaces/{}/devices", space.id), None, Some(join))
                    .await?;
                let joined: Joined = expect(status, StatusCode::CREATED, "join", &body)?;
                local.add("join", took);
                tokens.push((space.clone(), joined.token));
            }
            Ok::<_, String>((tokens, local))
        });
    }
    let mut devices = Vec::new();
    while let Some(result) = tasks.join_next().await {
        let (tokens, local) = result.map_err(|e| format!("task: {e}"))??;
        devices.extend(tokens);
        samples.lock().unwrap().merge(local);
    }
    Ok(devices)
}

/// What the sync phase moved.
#[derive(Default)]
struct Moved {
    pushed: usize,
    pulled: usize,
    bytes_pushed: usize,
}

/// Phase 2: each device pushes its changes in batches, pulling to the end after each push, as the app syncs
/// after edits. `concurrency` devices at once.
async fn sync_phase(
    options: &Options,
    addr: SocketAddr,
    devices: Vec<(Space, String)>,
    samples: &Mutex<Samples>,
) -> Result<Moved, String> {
    let gate = Arc::new(Semaphore::new(options.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (space, token)) in devices.into_iter().enumerate() {
        let gate = gate.clone();
        let (changes, batch) = (options.changes, options.batch);
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore");
            let mut rng = Rng(0xd0_0000 + index as u64);
            let mut local = Samples::default();
            let mut moved = Moved::default();
            let mut connection = Connection::open(addr).await?;
            connection.client = device_address(index);
            let mut cursor = 0u64;
            let mut left = changes;
            while left > 0 {
                let n = batch.min(left);
                left -= n;
                let batch: Vec<Value> = (0..n)
                    .map(|_| {
                        // 1 + 12 + plaintext + 16: a change's JSON is a few hundred bytes.
                        let size = 300 + (rng.next_u64() % 501) as usize;
                        moved.bytes_pushed += size;
                        let mut ciphertext = rng.bytes(size);
                        ciphertext[0] = 1;
                        json!({ "id": rng.id(), "ciphertext": b64(&ciphertext) })
                    })
                    .collect();
                let (status, body, took) = connection
                    .call(
                        Method::POST,
                        &format!("/spaces/{}/changes", space.id),
                        Some(&token),
                        Some(json!({ "changes": batch })),
                    )
                    .await?;
                let _: Value = expect(status, StatusCode::OK, "push", &body)?;
                local.add("push", took);
                moved.pushed += n;
                loop {
                    let (status, body, took) = connection
                        .call(
                            Method::GET,
                            &format!("/spaces/{}/changes?after={cursor}", space.id),
                            Some(&token),
                            None,
                        )
                        .await?;
                    let page: Page = expect(status, StatusCode::OK, "pull", &body)?;
                    local.add("pull", took);
                    moved.pulled += page.changes.len();
                    cursor = page.next_after;
                    if !page.more {
                        break;
                    }
                }
            }
            Ok::<_, String>((moved, local))
        });
    }
    let mut total = Moved::default();
    while let Some(result) = tasks.join_next().await {
        let (moved, local) = result.map_err(|e| format!("task: {e}"))??;
        total.pushed += moved.pushed;
        total.pulled += moved.pulled;
        total.bytes_pushed += moved.bytes_pushed;
        samples.lock().unwrap().merge(local);
    }
    Ok(total)
}

async fn run(options: &Options) -> Result<bool, String> {
    let server = Server::start(options)?;
    let backend = if options.database_url.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "sync load ({backend}): {} devices in spaces of {}, {} changes each in pushes of {}, {} devices at once",
        options.devices, options.per_space, options.changes, options.batch, options.concurrency
    );

    let setup_samples = Mutex::new(Samples::default());
    let started = Instant::now();
    let devices = set_up(options, server.addr, &setup_samples).await?;
    let setup_time = started.elapsed();

    let sync_samples = Mutex::new(Samples::default());
    let (server_cpu, client_cpu) = (server.cpu(), cpu_of("self"));
    let started = Instant::now();
    let moved = sync_phase(options, server.addr, devices, &sync_samples).await?;
    let sync_time = started.elapsed();
    let server_cpu = server.cpu().zip(server_cpu).map(|(end, start)| end - start);
    let client_cpu = cpu_of("self")
        .zip(client_cpu)
        .map(|(end, start)| end - start);
    let (peak_kib, rss_kib) = server
        .memory_kib()
        .ok_or("could not read the server's memory from /proc")?;

    let setup = setup_samples.into_inner().unwrap();
    let sync = sync_samples.into_inner().unwrap();
    let sync_count = sync.count();
    println!(
        "set-up: {} requests in {:.2} s ({:.0} requests/s)",
        setup.count(),
        setup_time.as_secs_f64(),
        setup.count() as f64 / setup_time.as_secs_f64()
    );
    println!(
        "sync:   {} requests in {:.2} s: {:.0} requests/s, {:.0} changes pushed/s ({} changes, {:.1} MB of ciphertext), {:.0} changes pulled/s",
        sync.count(),
        sync_time.as_secs_f64(),
        sync.count() as f64 / sync_time.as_secs_f64(),
        moved.pushed as f64 / sync_time.as_secs_f64(),
        moved.pushed,
        moved.bytes_pushed as f64 / 1e6,
        moved.pulled as f64 / sync_time.as_secs_f64(),
    );
    println!();
    println!(
        "{:<22} {:>7} {:>9} {:>9} {:>9}",
        "request", "count", "p50 ms", "p99 ms", "max ms"
    );
    let mut met = true;
    for (phase, samples) in [("set-up", setup), ("sync", sync)] {
        for (kind, mut durations) in samples.0 {
            durations.sort_unstable();
            let p99 = percentile(&durations, 99.0);
            let over = ms(p99) >= options.budget_ms;
            met &= !over;
            println!(
                "{:<22} {:>7} {:>9.1} {:>9.1} {:>9.1}{}",
                format!("{phase}: {kind}"),
                durations.len(),
                ms(percentile(&durations, 50.0)),
                ms(p99),
                ms(*durations.last().expect("samples")),
                if over { "  over budget" } else { "" }
            );
        }
    }
    println!();
    println!(
        "server memory: peak {:.1} MiB (VmHWM), {:.1} MiB at the end (VmRSS)",
        peak_kib as f64 / 1024.0,
        rss_kib as f64 / 1024.0
    );
    if let (Some(server_cpu), Some(client_cpu)) = (server_cpu, client_cpu) {
        println!(
            "CPU in the sync phase: server {:.1} s, this client {:.1} s, over {:.1} s on {} cores ({:.2} ms of server CPU a request)",
            server_cpu.as_secs_f64(),
            client_cpu.as_secs_f64(),
            sync_time.as_secs_f64(),
            std::thread::available_parallelism().map_or(1, |n| n.get()),
            server_cpu.as_secs_f64() * 1000.0 / sync_count as f64,
        );
    }
    println!(
        "budget: p99 < {} ms for every request type at {} devices at once ({backend}): {}",
        options.budget_ms,
        options.concurrency,
        if met { "met" } else { "MISSED" }
    );
    Ok(met)
}

fn main() -> ExitCode {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(err) => {
            eprintln!("sync_load: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(&options)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sync_load: {err}");
            ExitCode::from(2)
        }
    }
}
