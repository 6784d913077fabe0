//! Shared server state. Requests take a cheap `Arc` snapshot of what is
//! loaded; refreshes swap in a new snapshot when the store changes, so a
//! version imported while serving becomes visible without a restart and
//! in-flight requests keep the snapshot they started with.
//!
//! Refreshes are serialised (one at a time, under `refresh_lock`): two
//! builders of the same index used to race and drop the kind's matcher (D3).

use crate::config::Config;
use crate::engines::Engines;
use crate::jobs::Jobs;
use crate::readers::Readers;
use anyhow::Context;
use catalog_core::{Store, VersionInfo};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// What requests answer from; replaced as a whole on refresh.
pub(crate) struct Snapshot {
    pub versions: Vec<VersionInfo>,
    pub engines: Engines,
    /// False until the first index load finished (the port is bound first).
    pub loaded: bool,
}

/// The server: store connections, the loaded matchers, the import jobs.
/// Cheap to clone (one `Arc`); every clone is the same server.
#[derive(Clone)]
pub struct App {
    pub(crate) inner: Arc<Shared>,
}

pub(crate) struct Shared {
    pub home: PathBuf,
    pub config: Config,
    /// The home's `mulu.toml` (定点医药机构编号, `list_type`), read once at
    /// start like `mulu export` reads it, so page downloads carry the same.
    pub home_config: mapping::config::Config,
    /// Per-reviewer tokens (read once at start).
    pub reviewers: Vec<crate::reviewers::Reviewer>,
    /// The connection reviews write through (imports open their own).
    pub writer: Mutex<Store>,
    pub readers: Readers,
    pub read_only: bool,
    snapshot: RwLock<Arc<Snapshot>>,
    refresh_lock: Mutex<()>,
    /// Poked after an import commits, so the reload task refreshes at once.
    pub refresh_wanted: tokio::sync::Notify,
    pub jobs: Jobs,
    /// The last diff served, so paging through it does not recompute it.
    /// Keyed by both versions' id and checksum plus the options.
    pub last_diff: Mutex<Option<(String, Arc<catalog_diff::CatalogDiff>)>>,
}

impl App {
    /// Open the store under `home` (migrating it, or read-only when the
    /// home cannot be written). Builds no index: call [`App::load`] after
    /// binding, so a busy port fails before minutes of index building.
    pub fn open(home: &Path, config: Config) -> anyhow::Result<App> {
        // A bad mulu.toml stops the start: serving 3301 files without the
        // hospital's code or with the wrong list_type would be worse.
        let home_config = mapping::config::Config::load(home)?;
        let writer = Store::open_home(home)
            .with_context(|| format!("opening the store under {}", home.display()))?;
        writer.set_busy_timeout(config.busy_timeout)?;
        let read_only = writer.is_read_only();
        let readers = Readers::new(writer.path().to_path_buf());
        let versions = writer.versions()?;
        let reviewers = match &config.reviewers_file {
            Some(f) => crate::reviewers::load(f)?,
            None => {
                let f = home.join("reviewers.json");
                if f.exists() {
                    crate::reviewers::load(&f)?
                } else {
                    Vec::new()
                }
            }
        };
        let inner = Arc::new_cyclic(|weak| Shared {
            home: home.to_path_buf(),
            jobs: Jobs::new(weak.clone(), config.max_queued_imports),
            config,
            home_config,
            reviewers,
            writer: Mutex::new(writer),
            readers,
            read_only,
            snapshot: RwLock::new(Arc::new(Snapshot {
                versions,
                engines: Engines::default(),
                loaded: false,
            })),
            refresh_lock: Mutex::new(()),
            refresh_wanted: tokio::sync::Notify::new(),
            last_diff: Mutex::new(None),
        });
        Ok(App { inner })
    }

    /// Build or open the matcher of every kind's newest version (blocking;
    /// minutes for a national catalogue without an index on disk).
    pub fn load(&self) -> anyhow::Result<()> {
        self.refresh().map(|_| ())
    }

    /// True when the store could only be opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.inner.read_only
    }

    /// True when write endpoints are enabled (a non-empty token).
    pub fn writes_enabled(&self) -> bool {
        (self.token().is_some() || !self.inner.reviewers.is_empty()) && !self.inner.read_only
    }

    pub(crate) fn reviewers(&self) -> &[crate::reviewers::Reviewer] {
        &self.inner.reviewers
    }

    pub(crate) fn token(&self) -> Option<&str> {
        self.inner.config.effective_token()
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The home's `mulu.toml`, as read at start.
    pub(crate) fn home_config(&self) -> &mapping::config::Config {
        &self.inner.home_config
    }

    pub(crate) fn home(&self) -> &Path {
        &self.inner.home
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.inner
            .snapshot
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Re-read the version list; rebuild engines if it changed, or if a
    /// build failed earlier and its retry time has come. One refresh runs at
    /// a time; a caller arriving meanwhile waits and then finds nothing to do.
    /// Returns true when a new snapshot was installed.
    pub fn refresh(&self) -> anyhow::Result<bool> {
        let _one = self
            .inner
            .refresh_lock
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let versions = self.inner.readers.with(|s| s.versions())??;
        let current = self.snapshot();
        let retry_due = current
            .engines
            .failed
            .values()
            .any(|f| f.at.elapsed() >= self.inner.config.retry_failed_after);
        if current.loaded && versions == current.versions && !retry_due {
            return Ok(false);
        }
        // Build outside the snapshot lock: readers keep the old snapshot meanwhile.
        let engines = self.inner.readers.with(|store| {
            Engines::load(
                &self.inner.home,
                store,
                &versions,
                Some(&current.engines),
                self.inner.config.retry_failed_after,
            )
        })?;
        let next = Arc::new(Snapshot {
            versions,
            engines,
            loaded: true,
        });
        match self.inner.snapshot.write() {
            Ok(mut w) => *w = next,
            Err(p) => *p.into_inner() = next,
        }
        Ok(true)
    }

    /// Ask the reload task to refresh now (after an import commits).
    pub(crate) fn want_refresh(&self) {
        self.inner.refresh_wanted.notify_one();
    }

    /// The reload task: refreshes every `reload_every`, or at once when an
    /// import asks. Runs until the runtime stops.
    pub fn spawn_reloader(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let every = app
                .inner
                .config
                .reload_every
                .max(std::time::Duration::from_millis(50));
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = app.inner.refresh_wanted.notified() => {}
                }
                let a = app.clone();
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
        })
    }

    /// Run `f` on a read-only connection (never waits for a writer).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Store) -> T,
    ) -> Result<T, catalog_core::store::StoreError> {
        self.inner.readers.with(f)
    }

    /// Run `f` on the writer connection (reviews).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        let mut guard = self.inner.writer.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}
