//! `mulu serve`: the HTTP service of the `mulu-server` crate on a socket.
//! Binds first (a busy port fails at once), then loads the matchers.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on; the default stays on loopback
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Bearer token that enables write endpoints (review, import); empty means none
    #[arg(long, env = "MULU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Reviewers file (JSON: name, token, role viewer/reviewer/admin per
    /// reviewer); default `<home>/reviewers.json` when present
    #[arg(long, env = "MULU_REVIEWERS")]
    pub reviewers: Option<std::path::PathBuf>,
    /// Largest accepted request body in bytes
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    pub max_body: usize,
    /// Per-request time limit in seconds (body included)
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Most items in one /v1/match batch
    #[arg(long, default_value_t = 1000)]
    pub max_batch: usize,
    /// How often to look for newly imported versions, in milliseconds
    #[arg(long, default_value_t = 1000)]
    pub reload_ms: u64,
    /// Seconds a client may take to send a request's headers
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds a client may take to send a request's body
    #[arg(long, default_value_t = 20)]
    pub body_timeout: u64,
    /// Seconds a connection may stay open with no request in flight
    #[arg(long, default_value_t = 60)]
    pub idle_timeout: u64,
    /// Open connections at most; keep it below `ulimit -n` (see README)
    #[arg(long, default_value_t = 512)]
    pub max_connections: usize,
}

impl Args {
    pub fn config(&self) -> mulu_server::Config {
        let secs = |s: u64| Duration::from_secs(s.max(1));
        mulu_server::Config {
            token: self.token.clone(),
            reviewers_file: self.reviewers.clone(),
            max_body: self.max_body,
            request_timeout: secs(self.timeout),
            max_batch: self.max_batch,
            reload_every: Duration::from_millis(self.reload_ms.max(100)),
            limits: mulu_server::Limits {
                header_timeout: secs(self.header_timeout),
                body_timeout: secs(self.body_timeout),
                idle_timeout: secs(self.idle_timeout),
                max_connections: self.max_connections.max(1),
            },
            ..mulu_server::Config::default()
        }
    }
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    init_tracing(ctx);
    let config = args.config();
    if config.token_is_blank() {
        tracing::warn!("--token / MULU_TOKEN is empty: write endpoints are disabled (令牌为空，写入接口未开启)");
    }
    if !args.bind.ip().is_loopback() && config.effective_token().is_none() {
        tracing::warn!(bind = %args.bind, "serving beyond loopback without --token: read endpoints are open to the network, writes are disabled");
    }
    let app = mulu_server::App::open(&ctx.home, config)?;
    if app.is_read_only() {
        tracing::warn!(home = %ctx.home.display(), "the store is read-only (its home is not writable): serving reads only (存储只读)");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("binding {}", args.bind))?;
        let addr = listener.local_addr()?;
        // Bound: connections queue in the backlog while the matchers load.
        let loader = app.clone();
        tokio::task::spawn_blocking(move || loader.load()).await??;
        // Scripts and tests read this line to learn the port (with --bind …:0).
        println!("listening on http://{addr}");
        std::io::stdout().flush().ok();
        app.spawn_reloader();
        mulu_server::serve(listener, app.router(), app.limits(), shutdown_signal()).await?;
        tracing::info!("shut down cleanly");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(0)
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
