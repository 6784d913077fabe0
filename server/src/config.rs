//! What a server is allowed to do: limits and timeouts, each with a safe
//! default, each named after the `mulu serve` flag that sets it so an error
//! that reaches one can say how to raise it.

use std::time::Duration;

/// Settings of one server. `Config::default()` is what `mulu serve` uses
/// without flags.
#[derive(Clone, Debug)]
pub struct Config {
    /// Bearer token for the write endpoints. `None`, empty or whitespace
    /// disables writes (an empty `MULU_TOKEN=` must never mean "no password").
    pub token: Option<String>,
    /// The reviewers file (`--reviewers`); without it `<home>/reviewers.json`
    /// is read when present. Each reviewer's token carries a name and role.
    pub reviewers_file: Option<std::path::PathBuf>,
    /// Largest request body in bytes (`--max-body`).
    pub max_body: usize,
    /// Time for a whole request, body included (`--timeout`).
    pub request_timeout: Duration,
    /// Most items in one `/v1/match` batch (`--max-batch`).
    pub max_batch: usize,
    /// How often the store is polled for new versions (`--reload-ms`).
    pub reload_every: Duration,
    /// After a failed index build, wait this long before trying again.
    pub retry_failed_after: Duration,
    /// How long a write waits for another writer before answering 503.
    pub busy_timeout: Duration,
    /// Import jobs waiting for the writer at most; more are refused with 503.
    pub max_queued_imports: usize,
    /// Connection-level limits, enforced by [`crate::serve`].
    pub limits: Limits,
}

/// Limits enforced at the connection, before a request reaches the router.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Time for a client to send a request's headers (`--header-timeout`).
    pub header_timeout: Duration,
    /// Time for a client to send a request's body (`--body-timeout`).
    pub body_timeout: Duration,
    /// A connection with no request in flight is closed after this (`--idle-timeout`).
    pub idle_timeout: Duration,
    /// Open connections at most (`--max-connections`); each holds a file
    /// descriptor, so keep it well under `ulimit -n`.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: None,
            reviewers_file: None,
            max_body: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_batch: 1000,
            reload_every: Duration::from_secs(1),
            retry_failed_after: Duration::from_secs(30),
            busy_timeout: Duration::from_secs(10),
            max_queued_imports: 8,
            limits: Limits::default(),
        }
    }
}

impl Config {
    /// The token that really enables writes: empty or whitespace-only is none.
    pub fn effective_token(&self) -> Option<&str> {
        self.token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// True when a token was given but is empty, so writes stay disabled.
    pub fn token_is_blank(&self) -> bool {
        self.token.is_some() && self.effective_token().is_none()
    }
}
