//! Running the router on a listener, with graceful shutdown.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// How long in-flight requests get to finish after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting connections
/// and waits up to `drain_timeout` for open ones to finish. Handlers can read each connection's
/// peer address (`ConnectInfo<SocketAddr>`; the sync API's rate limits use it).
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    shutdown: F,
    drain_timeout: Duration,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let (signalled_tx, signalled_rx) = oneshot::channel::<()>();
    let shutdown = async move {
        shutdown.await;
        // The receiver is only gone if serving already ended.
        let _ = signalled_tx.send(());
    };
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown);
    let drain_deadline = async move {
        if signalled_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(drain_timeout).await;
    };
    tokio::select! {
        biased;
        result = server => result,
        () = drain_deadline => {
            tracing::warn!(?drain_timeout, "connections still open after the drain timeout; closing them");
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM (Ctrl-C elsewhere). The handlers are installed by this
/// call, not when the future is first polled, so a signal that arrives right after startup
/// is never lost. Must be called inside a Tokio runtime.
#[cfg(unix)]
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("SIGINT received; shutting down"),
            _ = terminate.recv() => tracing::info!("SIGTERM received; shutting down"),
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received; shutting down");
        } else {
            std::future::pending::<()>().await;
        }
    })
}
