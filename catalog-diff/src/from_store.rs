//! Diff two stored versions, streaming both in code order.
//!
//! The rows are not collected first (as `Store::raw_entries` would): two
//! cursors walk the primary-key order side by side, so unchanged rows cost a
//! string comparison and no memory.

use super::engine::{merge, RowSource};
use super::recode::{BuiltinRecodeScorer, RecodeScorer};
use super::{CatalogDiff, DiffError, DiffOptions, Side};
use catalog_core::scan::RawCursor;
use catalog_core::store::{Store, VersionInfo};
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};
/// Rows per batch handed from a reader thread to the merge.
const BATCH: usize = 2048;

/// Rows packed into two buffers (codes, JSON) with end offsets: four
/// allocations per batch instead of two per row.
#[derive(Default)]
struct Batch {
    codes: String,
    code_ends: Vec<usize>,
    data: Vec<u8>,
    data_ends: Vec<usize>,
}

impl Batch {
    fn empty_like(&self) -> Batch {
        Batch {
            codes: String::with_capacity(self.codes.len()),
            code_ends: Vec::with_capacity(self.code_ends.len()),
            data: Vec::with_capacity(self.data.len()),
            data_ends: Vec::with_capacity(self.data_ends.len()),
        }
    }
    fn len(&self) -> usize {
        self.code_ends.len()
    }
    fn row(&self, i: usize) -> Option<(&str, &[u8])> {
        let cs = if i == 0 {
            0
        } else {
            *self.code_ends.get(i - 1)?
        };
        let ds = if i == 0 {
            0
        } else {
            *self.data_ends.get(i - 1)?
        };
        let code = self.codes.get(cs..*self.code_ends.get(i)?)?;
        let data = self.data.get(ds..*self.data_ends.get(i)?)?;
        Some((code, data))
    }
}

/// Each version is read by its own thread on its own read-only connection
/// (SQLite stepping and copying is most of the cost), the merge runs here.
fn merge_threaded(
    file: &Path,
    old_id: i64,
    new_id: i64,
    opts: &DiffOptions,
    scorer: &dyn RecodeScorer,
) -> Result<CatalogDiff, DiffError> {
    std::thread::scope(|scope| {
        let (o, ho) = spawn_reader(scope, file, old_id);
        let (n, hn) = spawn_reader(scope, file, new_id);
        let mut o = ChannelSource::new(o);
        let mut n = ChannelSource::new(n);
        let merged = merge(&mut o, &mut n, opts, scorer);
        // Dropping the receivers stops readers early if the merge failed.
        drop(o);
        drop(n);
        let ro = ho
            .join()
            .unwrap_or_else(|_| Err(DiffError::Reader("old".into())));
        let rn = hn
            .join()
            .unwrap_or_else(|_| Err(DiffError::Reader("new".into())));
        // A reader error explains a short stream better than the merge result.
        ro?;
        rn?;
        merged
    })
}

fn spawn_reader<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    file: &'scope Path,
    version: i64,
) -> (
    Receiver<Batch>,
    std::thread::ScopedJoinHandle<'scope, Result<(), DiffError>>,
) {
    let (tx, rx) = sync_channel::<Batch>(8);
    let h = scope.spawn(move || -> Result<(), DiffError> {
        let mut batch = Batch::default();
        let mut stopped = false;
        Store::scan_raw_file(file, version, |code, data| {
            batch.codes.push_str(code);
            batch.code_ends.push(batch.codes.len());
            batch.data.extend_from_slice(data);
            batch.data_ends.push(batch.data.len());
            if batch.len() == BATCH {
                // The next batch starts at this one's size: no regrowing.
                let next = batch.empty_like();
                if tx.send(std::mem::replace(&mut batch, next)).is_err() {
                    stopped = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        })?;
        if stopped {
            return Ok(());
        }
        if batch.len() > 0 {
            let _ = tx.send(batch);
        }
        Ok(())
    });
    (rx, h)
}

struct ChannelSource {
    rx: Receiver<Batch>,
    batch: Batch,
    /// Index of the current row in `batch`.
    pos: usize,
}

impl ChannelSource {
    fn new(rx: Receiver<Batch>) -> Self {
        ChannelSource {
            rx,
            batch: Batch::default(),
            pos: 0,
        }
    }
}

impl RowSource for ChannelSource {
    fn advance(&mut self) -> Result<bool, DiffError> {
        self.pos += 1;
        while self.pos >= self.batch.len() {
            match self.rx.recv() {
                Ok(b) => {
                    self.batch = b;
                    self.pos = 0;
                }
                // The reader finished (or failed: its error is collected on join).
                Err(_) => return Ok(false),
            }
        }
        Ok(true)
    }
    fn code(&self) -> &str {
        self.batch.row(self.pos).map_or("", |r| r.0)
    }
    fn data(&self) -> &[u8] {
        self.batch.row(self.pos).map_or(&[], |r| r.1)
    }
}

/// The store's own cursor, for in-memory stores.
struct Cursor<'c, 's>(&'c mut RawCursor<'s>);

impl RowSource for Cursor<'_, '_> {
    fn advance(&mut self) -> Result<bool, DiffError> {
        Ok(self.0.advance()?)
    }
    fn code(&self) -> &str {
        self.0.code()
    }
    fn data(&self) -> &[u8] {
        self.0.data()
    }
}

fn side(v: &VersionInfo) -> Side {
    Side {
        label: Some(v.label.clone()),
        version_id: Some(v.id),
        category: Some(v.category),
        source: Some(v.source.clone()),
        rows: v.row_count,
    }
}

/// Diff two stored versions (see [`Store::resolve`] to find them by label).
pub fn diff_stored(
    store: &Store,
    old: &VersionInfo,
    new: &VersionInfo,
    opts: &DiffOptions,
) -> Result<CatalogDiff, DiffError> {
    diff_stored_with(store, old, new, opts, &BuiltinRecodeScorer)
}

/// [`diff_stored`] with another re-code scorer.
pub fn diff_stored_with(
    store: &Store,
    old: &VersionInfo,
    new: &VersionInfo,
    opts: &DiffOptions,
    scorer: &dyn RecodeScorer,
) -> Result<CatalogDiff, DiffError> {
    let file = store.path();
    let mut d = if file.is_file() {
        merge_threaded(file, old.id, new.id, opts, scorer)?
    } else {
        // In-memory stores cannot be opened twice: one thread, two cursors.
        store.with_raw_cursors(old.id, new.id, |o, n| {
            merge(&mut Cursor(o), &mut Cursor(n), opts, scorer)
        })??
    };
    d.old = side(old);
    d.new = side(new);
    Ok(d)
}
