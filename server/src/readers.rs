//! Store reads go through their own read-only connections, never through the
//! writer: in WAL mode a reader sees the last commit while an import or a
//! review writes, so no read endpoint waits for a writer (D7). Connections
//! are kept in a small pool; each is used by one request at a time.

use catalog_core::store::StoreError;
use catalog_core::Store;
use std::path::PathBuf;
use std::sync::Mutex;

/// Idle connections kept for re-use; busier moments open more and close them after.
const MAX_IDLE: usize = 8;

pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Store>>,
}

impl Readers {
    pub fn new(path: PathBuf) -> Readers {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Run `f` on a read-only connection.
    pub fn with<T>(&self, f: impl FnOnce(&Store) -> T) -> Result<T, StoreError> {
        let pooled = self.idle.lock().ok().and_then(|mut v| v.pop());
        let store = match pooled {
            Some(s) => s,
            None => Store::open_read_only(&self.path)?,
        };
        let out = f(&store);
        if let Ok(mut v) = self.idle.lock() {
            if v.len() < MAX_IDLE {
                v.push(store);
            }
        }
        Ok(out)
    }
}
