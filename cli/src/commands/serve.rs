//! `mulu serve`: the HTTP service of the `mulu-server` crate on a socket.
//! Binds first (a busy port fails at once), then loads the matchers.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// 监听地址；默认只在本机回环地址
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// 开启写入接口（审核、导入）的 Bearer 令牌；为空则不开启
    #[arg(long, env = "MULU_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// 审核人文件（JSON：每位审核人的 name、token、role viewer/reviewer/admin）；
    /// 默认为 `<主目录>/reviewers.json`（存在时）
    #[arg(long, env = "MULU_REVIEWERS")]
    pub reviewers: Option<std::path::PathBuf>,
    /// 请求体最大字节数
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    pub max_body: usize,
    /// 每个请求的时间上限（秒，含请求体）
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// 一次 /v1/match 批量的最多条目数
    #[arg(long, default_value_t = 1000)]
    pub max_batch: usize,
    /// 检查新导入版本的间隔（毫秒）
    #[arg(long, default_value_t = 1000)]
    pub reload_ms: u64,
    /// 客户端发送请求头的时限（秒）
    #[arg(long, default_value_t = 10)]
    pub header_timeout: u64,
    /// 客户端发送请求体的时限（秒）
    #[arg(long, default_value_t = 20)]
    pub body_timeout: u64,
    /// 无请求时连接保持的时限（秒）
    #[arg(long, default_value_t = 60)]
    pub idle_timeout: u64,
    /// 最多的打开连接数；应低于 `ulimit -n`（见 README）
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
