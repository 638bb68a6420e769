//! `waymark-server [--dist DIR] [--addr HOST:PORT] [--data-dir DIR | --database-url URL] …`:
//! serve the built app and the sync API.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use axum::http::HeaderValue;
use thiserror::Error;
use tokio::net::TcpListener;
use waymark_server::config::{Command, Config, USAGE};
use waymark_server::server::{self, DRAIN_TIMEOUT};
use waymark_server::sync::ServerLimits;
use waymark_server::sync::store::{Database, Store, StoreError};
use waymark_server::{LoadError, StaticAssets, SyncApi, SyncConfig, logging, router};

/// Why the server could not start or stopped with an error.
#[derive(Debug, Error)]
enum StartError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not open the sync store ({database}): {source}")]
    Store {
        database: String,
        #[source]
        source: StoreError,
    },
    #[error("the CORS origin is not a valid header value")]
    CorsOrigin,
    #[error("could not start the async runtime: {0}")]
    Runtime(#[source] io::Error),
    #[error("could not install the signal handlers: {0}")]
    Signals(#[source] io::Error),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: io::Error,
    },
    #[error("could not announce the address on stdout: {0}")]
    Announce(#[source] io::Error),
    #[error("the server failed: {0}")]
    Serve(#[source] io::Error),
}

fn main() -> ExitCode {
    let command = Command::parse(std::env::args_os().skip(1), |name| std::env::var_os(name));
    let config = match command {
        Ok(Command::Serve(config)) => config,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("waymark-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            eprintln!("waymark-server: {err}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    logging::init();
    match run(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("waymark-server: error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: Config) -> Result<(), StartError> {
    let dist = absolute(config.dist);
    tracing::info!(dist = %dist.display(), "loading and compressing the app");
    let assets = StaticAssets::load(&dist)?;
    let summary = assets.summary();
    tracing::info!(
        files = summary.files,
        bytes = summary.bytes,
        compressed_bytes = summary.smallest_bytes,
        "app loaded"
    );

    if let Database::SqliteFile(path) = &config.database
        && let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
    {
        create_private_dir(dir).map_err(|source| StartError::DataDir {
            path: absolute(dir.to_owned()),
            source,
        })?;
    }
    let sync_config = SyncConfig {
        cors_origin: config
            .cors_origin
            .as_deref()
            .map(HeaderValue::from_str)
            .transpose()
            .map_err(|_| StartError::CorsOrigin)?,
        behind_proxy: config.behind_proxy,
        server_limits: ServerLimits {
            max_stored_bytes: config.max_stored_bytes,
            ..ServerLimits::default()
        },
        token_idle_expiry: config.token_idle_expiry,
        ..SyncConfig::default()
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(StartError::Runtime)?;
    runtime.block_on(async {
        let database = config.database.describe();
        let store = Store::connect(&config.database)
            .await
            .map_err(|source| StartError::Store {
                database: database.clone(),
                source,
            })?;
        tracing::info!(%database, "sync store ready");
        let app = router(assets, SyncApi::new(store.clone(), sync_config));
        let shutdown = server::shutdown_signal().map_err(StartError::Signals)?;
        let listener =
            TcpListener::bind(&config.addr)
                .await
                .map_err(|source| StartError::Bind {
                    addr: config.addr.clone(),
                    source,
                })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind {
            addr: config.addr.clone(),
            source,
        })?;
        announce(&format!("Waymark is running at http://{local}/"))
            .map_err(StartError::Announce)?;
        tracing::info!(%local, "listening");
        server::serve(listener, app, shutdown, DRAIN_TIMEOUT, config.connections)
            .await
            .map_err(StartError::Serve)?;
        store.close().await;
        tracing::info!("stopped");
        Ok(())
    })
}

/// The one line on stdout, flushed so a supervisor or test reading the pipe sees it at once.
fn announce(line: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()
}

/// Creates `dir` (and its parents) if missing; a directory created here is readable by its owner
/// only, as the store in it is nobody else's business.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// The dist path made absolute for clearer logs and errors (left as is if that fails).
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}
