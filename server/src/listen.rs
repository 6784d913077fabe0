//! The accept loop: limits a router cannot enforce because they concern
//! connections, not requests (D8). Header-read timeout (hyper), idle timeout
//! (a watchdog per connection that closes it when no request has been in
//! flight for `idle_timeout`), and a cap on open connections enforced at
//! accept: past it, a connection gets a short JSON 503 and is closed, so
//! idle sockets cannot use up the process's file descriptors.

use crate::config::Limits;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Serve `router` on `listener` until `shutdown` resolves, then let
/// in-flight requests finish (up to 10 s) and return.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let cap = limits.max_connections.max(1);
    let permits = Arc::new(Semaphore::new(cap));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; the
                    // connection cap keeps this rare (raise `ulimit -n` too).
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        match permits.clone().try_acquire_owned() {
            Ok(permit) => {
                let router = router.clone();
                let limits = limits.clone();
                let stop = stop_rx.clone();
                tokio::spawn(async move {
                    connection(stream, router, &limits, stop).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tokio::spawn(refuse(stream, cap));
            }
        }
    }
    let _ = stop_tx.send(true);
    // Every connection task holds a permit: all back means all done.
    let _ = tokio::time::timeout(Duration::from_secs(10), permits.acquire_many(cap as u32)).await;
    Ok(())
}

/// The answer past the connection cap; the client should retry.
async fn refuse(mut stream: TcpStream, cap: usize) {
    let body = serde_json::json!({ "error": {
        "status": 503,
        "code": "too_many_connections",
        "message": format!("连接数已达上限 {cap} / {cap} connections are open, the most allowed (raise it with mulu serve --max-connections); retry"),
    }})
    .to_string();
    let resp = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(resp.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Requests in flight and the time the last one ended, for the idle watchdog.
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    last_ms: AtomicU64,
}

impl Activity {
    fn idle_for(&self) -> Option<Duration> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return None;
        }
        let last = Duration::from_millis(self.last_ms.load(Ordering::Acquire));
        Some(self.started.elapsed().saturating_sub(last))
    }
    fn touch(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_ms.store(now, Ordering::Release);
    }
}

/// Counts a request as in flight until dropped (finished or cancelled).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn connection(
    stream: TcpStream,
    router: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity {
        started: Instant::now(),
        in_flight: AtomicUsize::new(0),
        last_ms: AtomicU64::new(0),
    });
    let act = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        act.in_flight.fetch_add(1, Ordering::AcqRel);
        let guard = InFlight(act.clone());
        let router = router.clone();
        async move {
            let resp = router.oneshot(req.map(axum::body::Body::new)).await;
            drop(guard);
            resp
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(64 * 1024)
        .max_headers(100);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let idle = limits.idle_timeout;
    let mut closing = false;
    loop {
        let wait = match activity.idle_for() {
            Some(for_) => idle.saturating_sub(for_).max(Duration::from_millis(20)),
            None => idle.max(Duration::from_millis(20)),
        };
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = tokio::time::sleep(wait), if !closing => {
                if activity.idle_for().is_some_and(|f| f >= idle) {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            _ = stop.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}
