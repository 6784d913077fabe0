//! `mulu serve`: the HTTP service for HIS vendors (axum on tokio).
//!
//! Read endpoints are open (bind to loopback by default); write endpoints need
//! a bearer token. Every response, including framework rejections, timeouts
//! and panics, is JSON with a stable error shape.

mod auth;
mod body;
pub mod engines;
mod error;
mod handlers;
mod import_api;
mod match_api;
mod state;

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use state::App;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub const OPENAPI: &str = include_str!("openapi.json");

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on; the default stays on loopback
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Bearer token that enables write endpoints (review, import)
    #[arg(long, env = "MULU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest accepted request body in bytes
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    pub max_body: usize,
    /// Per-request time limit in seconds
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Most items in one /v1/match batch
    #[arg(long, default_value_t = 1000)]
    pub max_batch: usize,
    /// How often to look for newly imported versions, in milliseconds
    #[arg(long, default_value_t = 1000)]
    pub reload_ms: u64,
}

pub fn router(app: Arc<App>, args: &Args) -> Router {
    Router::new()
        .route("/health", get(handlers::health))
        .route("/openapi.json", get(handlers::openapi))
        .route("/v1/versions", get(handlers::versions))
        .route("/v1/codes/{code}", get(handlers::code))
        .route("/v1/validate", post(handlers::validate))
        .route("/v1/match", post(match_api::match_items))
        .route("/v1/search", get(match_api::search))
        .route("/v1/diff", post(match_api::diff))
        .route("/v1/import", post(import_api::import))
        .route("/v1/mappings", get(handlers::mappings))
        .route("/v1/mappings/{id}", get(handlers::mapping))
        .route("/v1/mappings/{id}/{action}", post(handlers::review))
        .fallback(|| async { ApiError::not_found("no such endpoint; see /openapi.json") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed for this endpoint",
            )
        })
        .layer(axum::middleware::map_response(json_errors))
        .layer(DefaultBodyLimit::max(args.max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(args.timeout),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("internal error (a bug: please report it)").into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// Framework rejections (bad path parameters, timeouts…) come as plain text;
/// rewrap them so clients only ever parse one error shape.
async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.is_success() || is_json || status.is_redirection() {
        return resp;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    ApiError::new(status, code, message).into_response()
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    init_tracing(ctx);
    let store = ctx.store()?;
    if !args.bind.ip().is_loopback() && args.token.is_none() {
        tracing::warn!(bind = %args.bind, "serving beyond loopback without --token: read endpoints are open to the network, writes are disabled");
    }
    let app = Arc::new(App::new(
        ctx.home.clone(),
        args.token.clone(),
        store,
        args.max_batch,
    )?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("binding {}", args.bind))?;
        let addr = listener.local_addr()?;
        // Scripts and tests read this line to learn the port (with --bind …:0).
        println!("listening on http://{addr}");
        std::io::stdout().flush().ok();
        let reload_app = app.clone();
        let reload_every = Duration::from_millis(args.reload_ms.max(100));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(reload_every).await;
                let a = reload_app.clone();
                match tokio::task::spawn_blocking(move || a.refresh()).await {
                    Ok(Ok(true)) => {
                        tracing::info!("catalogue versions changed: new snapshot loaded")
                    }
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "reload failed; keeping the current snapshot")
                    }
                    Err(e) => tracing::warn!(error = %e, "reload task failed"),
                }
            }
        });
        axum::serve(listener, router(app, &args))
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        tracing::info!("shut down cleanly");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(0)
}

/// A server on a background thread (for `mulu bench`): returns its address and
/// a handle that shuts it down gracefully when dropped.
pub struct LocalServer {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn spawn_local(
    home: std::path::PathBuf,
    args: Args,
    worker_threads: usize,
) -> Result<LocalServer> {
    let store = catalog_core::Store::open_home(&home)?;
    let app = Arc::new(App::new(home, args.token.clone(), store, args.max_batch)?);
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(worker_threads.max(1))
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = addr_tx.send(Err(anyhow::anyhow!(e)));
                return;
            }
        };
        rt.block_on(async move {
            let listener = match tokio::net::TcpListener::bind(args.bind).await {
                Ok(l) => l,
                Err(e) => {
                    let _ = addr_tx.send(Err(anyhow::anyhow!(e)));
                    return;
                }
            };
            let _ = addr_tx.send(listener.local_addr().map_err(anyhow::Error::from));
            let _ = axum::serve(listener, router(app, &args))
                .with_graceful_shutdown(async {
                    let _ = stop_rx.await;
                })
                .await;
        });
    });
    let addr = addr_rx.recv().context("server thread died")??;
    Ok(LocalServer {
        addr,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}

fn init_tracing(ctx: &Ctx) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MULU_LOG")
        .unwrap_or_else(|_| EnvFilter::new(if ctx.quiet { "warn" } else { "info" }));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if ctx.json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
