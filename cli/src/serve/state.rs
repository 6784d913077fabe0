//! Shared server state. Requests take a cheap `Arc` snapshot of what is
//! loaded; a background task swaps in a new snapshot when the store changes,
//! so a version imported while serving becomes visible without a restart and
//! in-flight requests keep the snapshot they started with.

use catalog_core::{Store, VersionInfo};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

pub struct Snapshot {
    pub versions: Vec<VersionInfo>,
    pub engines: crate::serve::engines::Engines,
}

pub struct App {
    pub home: PathBuf,
    /// Bearer token for write endpoints; `None` disables them.
    pub token: Option<String>,
    pub store: Mutex<Store>,
    snapshot: RwLock<Arc<Snapshot>>,
    pub max_batch: usize,
    /// The last diff served, so paging through it does not recompute it.
    /// Keyed by both versions' id and checksum plus the options.
    pub last_diff: Mutex<Option<(String, Arc<catalog_diff::CatalogDiff>)>>,
}

impl App {
    pub fn new(
        home: PathBuf,
        token: Option<String>,
        store: Store,
        max_batch: usize,
    ) -> anyhow::Result<App> {
        let versions = store.versions()?;
        let engines = crate::serve::engines::Engines::load(&home, &store, &versions, None);
        Ok(App {
            home,
            token,
            store: Mutex::new(store),
            snapshot: RwLock::new(Arc::new(Snapshot { versions, engines })),
            max_batch,
            last_diff: Mutex::new(None),
        })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Re-read the version list; rebuild engines only if it changed.
    /// Returns true when a new snapshot was installed.
    pub fn refresh(&self) -> anyhow::Result<bool> {
        let versions = self.with_store(|s| s.versions())??;
        let current = self.snapshot();
        if versions == current.versions {
            return Ok(false);
        }
        // Build outside the lock: readers keep the old snapshot meanwhile.
        let engines = {
            let store = Store::open_home(&self.home)?;
            crate::serve::engines::Engines::load(
                &self.home,
                &store,
                &versions,
                Some(&current.engines),
            )
        };
        let next = Arc::new(Snapshot { versions, engines });
        match self.snapshot.write() {
            Ok(mut w) => *w = next,
            Err(p) => *p.into_inner() = next,
        }
        Ok(true)
    }

    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> T) -> anyhow::Result<T> {
        let mut guard = self
            .store
            .lock()
            .map_err(|_| anyhow::anyhow!("store lock poisoned"))?;
        Ok(f(&mut guard))
    }
}
