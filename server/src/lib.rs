//! The mulu HTTP service as a library: look-ups, code validation, matching,
//! search, diffs, mapping review, background imports and HIS-dictionary
//! matches, and the upload files (3301/3302) over a mulu home,
//! as an [`axum::Router`] built apart from any socket.
//!
//! - [`App::open`] opens the store (read-only when the home is not
//!   writable) and builds nothing yet; [`App::load`] builds or opens the
//!   matchers (slow), so a caller binds its port first.
//! - [`App::router`] is the whole HTTP face: drive it in-process with
//!   `tower::ServiceExt::oneshot`, or serve it.
//! - [`serve`] runs it on a listener with the connection limits of
//!   [`Limits`] (header, idle and body timeouts, a connection cap).
//!
//! Invariants: every response, including timeouts, framework rejections and
//! panics, is JSON with one error shape (`{"error": {"status", "code",
//! "message"}}`); write endpoints need a non-empty bearer token; no request
//! value becomes a file path and no server path appears in a body; readers
//! use their own read-only connections and never wait for a writer.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let app = mulu_server::App::open(std::path::Path::new("/srv/mulu"), mulu_server::Config::default())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! let loader = app.clone();
//! tokio::task::spawn_blocking(move || loader.load()).await??;
//! app.spawn_reloader();
//! mulu_server::serve(listener, app.router(), app.limits(), std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod auth;
mod body;
mod config;
mod engines;
mod error;
mod his;
mod jobs;
mod listen;
mod local;
mod middleware;
mod public;
mod readers;
pub mod reviewers;
mod routes;
mod state;

pub use config::{Config, Limits};
pub use listen::serve;
pub use local::{spawn_local, LocalServer};
pub use state::App;

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::Router;
use error::ApiError;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// The OpenAPI document served at `/openapi.json`.
pub const OPENAPI: &str = routes::OPENAPI;

impl App {
    /// Every endpoint with its middleware, ready to serve or to call in-process.
    pub fn router(&self) -> Router {
        routes::routes()
            .layer(DefaultBodyLimit::max(self.config().max_body))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                middleware::read_body,
            ))
            .layer(CatchPanicLayer::custom(|_| {
                ApiError::internal("internal error (a bug: please report it)").into_response()
            }))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                middleware::request_timeout,
            ))
            .layer(axum::middleware::map_response(middleware::json_errors))
            .layer(TraceLayer::new_for_http())
            .with_state(self.clone())
    }

    /// The connection limits this server was configured with.
    pub fn limits(&self) -> Limits {
        self.config().limits.clone()
    }
}
