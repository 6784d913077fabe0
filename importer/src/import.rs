//! Reading a source into the store as one catalogue version: all or nothing.

use crate::catalog::{read, NoteRow, ReadOptions};
use crate::error::{ImportError, RowError};
use crate::fetch;
use catalog_core::store::VersionMeta;
use catalog_core::{Category, Store, VersionInfo};
use chrono::NaiveDate;
use serde::Serialize;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub kind: Option<Category>,
    /// Version label; default: the file stem.
    pub label: Option<String>,
    pub sheet: Option<String>,
    pub layout: Option<String>,
    pub replace: bool,
    /// Largest accepted rejected/read ratio (0 = any reject fails the import).
    pub max_reject: f64,
    pub published: Option<NaiveDate>,
    pub note: Option<String>,
    /// For URL sources.
    pub timeout: Duration,
    /// Download cache for URL sources (`<home>/cache`).
    pub cache_dir: Option<PathBuf>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            kind: None,
            label: None,
            sheet: None,
            layout: None,
            replace: false,
            max_reject: 0.0,
            published: None,
            note: None,
            timeout: Duration::from_secs(30),
            cache_dir: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ImportSummary {
    pub source: String,
    /// The local file read (the cache file for URLs).
    pub file: String,
    pub category: Category,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    pub format: crate::table::Format,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    pub header: Vec<String>,
    /// Columns kept in each entry's `extra` (no field for them).
    pub extra_columns: Vec<String>,
    /// Rows below the header (blank rows aside): imported + rejected + notes.
    pub read: u64,
    pub imported: u64,
    pub rejected: u64,
    /// Note, total and section-heading rows: neither data nor rejects.
    pub notes: u64,
    pub note_rows: Vec<NoteRow>,
    pub max_reject: f64,
    pub committed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionInfo>,
    /// Every rejected row (write them with [`crate::rejects::write`]).
    #[serde(skip)]
    pub rejects: Vec<RowError>,
}

/// Import `source` (a path or an http(s) URL) as a new catalogue version.
/// `progress` gets the number of rows read so far, every few thousand rows.
///
/// On success every input row was imported, rejected or set aside as a note
/// (`imported + rejected + notes == read`). If the reject ratio (of the data
/// rows, notes excluded) is above `max_reject`, or the source is broken
/// part-way (malformed XML, unreadable CSV), nothing is written; in the
/// latter case [`ImportError::Broken`] still carries the rejects seen so far,
/// as [`ImportError::StoreFailed`] does when the store itself fails.
pub fn import_into(
    store: &mut Store,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    let local: PathBuf = if fetch::is_url(source) {
        let cache = opts
            .cache_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("mulu-cache"));
        fetch::fetch(source, &cache, opts.timeout)?
    } else {
        PathBuf::from(source)
    };
    let mut reader = read(
        &local,
        &ReadOptions {
            kind: opts.kind,
            sheet: opts.sheet.clone(),
            layout: opts.layout.clone(),
        },
    )?;
    let label = opts
        .label
        .clone()
        .unwrap_or_else(|| default_label(source, &local));
    let meta = VersionMeta {
        category: reader.category(),
        label: label.clone(),
        source: source.to_string(),
        published: opts.published,
        note: opts.note.clone(),
    };
    let mut summary = ImportSummary {
        source: source.to_string(),
        file: local.display().to_string(),
        category: reader.category(),
        label,
        sheet: reader.sheet().map(str::to_string),
        encoding: reader.encoding().map(str::to_string),
        format: reader.format(),
        layout: reader.layout().map(str::to_string),
        header: reader.header().to_vec(),
        extra_columns: reader
            .extra_columns()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        read: 0,
        imported: 0,
        rejected: 0,
        notes: 0,
        note_rows: Vec::new(),
        max_reject: opts.max_reject,
        committed: false,
        version: None,
        rejects: Vec::new(),
    };
    let rejects: RefCell<Vec<RowError>> = RefCell::new(Vec::new());
    let fatal: RefCell<Option<RowError>> = RefCell::new(None);
    let counts = RefCell::new((0u64, 0u64)); // (read, imported)
    let mut over_limit = false;
    let mut empty = false;
    let mut ended = false;
    let rows = std::iter::from_fn(|| {
        if ended {
            return None;
        }
        loop {
            match reader.next() {
                Some(Ok(e)) => {
                    let mut c = counts.borrow_mut();
                    c.0 += 1;
                    c.1 += 1;
                    if c.0.is_multiple_of(4096) {
                        progress(c.0);
                    }
                    return Some(Ok(e));
                }
                Some(Err(e)) if e.fatal => {
                    ended = true;
                    counts.borrow_mut().0 += 1;
                    let msg = e.to_string();
                    *fatal.borrow_mut() = Some(e);
                    return Some(Err(msg));
                }
                Some(Err(e)) => {
                    counts.borrow_mut().0 += 1;
                    rejects.borrow_mut().push(e);
                }
                None => {
                    ended = true;
                    // Data rows only: a workbook's trailing notes do not dilute its rejects.
                    let (read, _) = *counts.borrow();
                    let rejected = rejects.borrow().len() as u64;
                    // Rolling back from inside the transaction keeps the store untouched.
                    if read > 0 && rejected as f64 / read as f64 > opts.max_reject {
                        over_limit = true;
                        return Some(Err(format!("{rejected} of {read} rows rejected")));
                    }
                    if read == 0 {
                        empty = true;
                        return Some(Err("no data rows below the header".to_string()));
                    }
                    return None;
                }
            }
        }
    });
    let result = write_pipelined(store, &meta, opts.replace, rows);
    let (data_rows, imported) = *counts.borrow();
    summary.read = reader.rows_read();
    progress(summary.read);
    summary.note_rows = reader.notes().to_vec();
    summary.notes = summary.note_rows.len() as u64;
    summary.rejects = rejects.into_inner();
    summary.rejected = summary.rejects.len() as u64;
    if let Some(f) = fatal.into_inner() {
        // The rows read before the break are still reported (reject file).
        summary.rejects.push(f.clone());
        summary.rejected = summary.rejects.len() as u64;
        let error = RowError {
            reason: format!(
                "{} — {} rows read before it; nothing was imported",
                f.reason,
                summary.read - 1
            ),
            ..f
        };
        return Err(ImportError::Broken {
            error: Box::new(error),
            summary: Box::new(summary),
        });
    }
    if empty {
        return Err(ImportError::format(
            &summary.file,
            "no data rows below the header: nothing to import",
        ));
    }
    if over_limit {
        return Err(ImportError::TooManyRejected(Box::new(summary)));
    }
    let version = match result {
        Ok(v) => v,
        Err(error) => {
            return Err(ImportError::StoreFailed {
                error,
                summary: Box::new(summary),
            })
        }
    };
    summary.imported = imported;
    // Every row read is accounted for; a mismatch is a bug, not bad input.
    // `read` is the reader's own count, so this checks the two sides independently.
    if summary.imported + summary.rejected + summary.notes != summary.read
        || data_rows + summary.notes != summary.read
        || version.row_count != imported
    {
        return Err(ImportError::format(
            &summary.file,
            format!(
                "internal accounting error: read {} != imported {} + rejected {} + notes {} (stored {})",
                summary.read, summary.imported, summary.rejected, summary.notes, version.row_count
            ),
        ));
    }
    summary.committed = true;
    summary.version = Some(version);
    Ok(summary)
}

/// Parse on this thread while another writes to SQLite: with two cores the
/// two halves of an import overlap. Rows travel in batches over a bounded
/// channel (memory stays bounded); the store still sees one iterator, so an
/// `Err` row still rolls the whole version back. If the writer stops early
/// (a store error), sending fails and reading stops. (A third thread for
/// serialising was tried and measured 45% slower: rows freed on another
/// thread than the one that allocated them contend in the allocator.)
fn write_pipelined(
    store: &mut Store,
    meta: &VersionMeta,
    replace: bool,
    rows: impl Iterator<Item = Result<catalog_core::Entry, String>>,
) -> Result<VersionInfo, catalog_core::store::StoreError> {
    use catalog_core::store::PreparedEntry;
    use std::sync::mpsc::sync_channel;
    const BATCH: usize = 512;
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Vec<Result<PreparedEntry, String>>>(32);
        let writer =
            scope.spawn(move || store.import_version(meta, replace, rx.into_iter().flatten()));
        let mut batch = Vec::with_capacity(BATCH);
        for row in rows {
            // Serialising here keeps the writer thread on SQLite alone.
            batch.push(row.map(PreparedEntry::from));
            if batch.len() == BATCH
                && tx
                    .send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .is_err()
            {
                break;
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        writer.join().unwrap_or_else(|_| {
            Err(catalog_core::store::StoreError::Aborted(
                "the store writer thread panicked".into(),
            ))
        })
    })
}

fn default_label(source: &str, local: &Path) -> String {
    let from_source = if fetch::is_url(source) {
        source
            .split(['?', '#'])
            .next()
            .unwrap_or(source)
            .rsplit('/')
            .next()
            .map(|s| s.to_string())
    } else {
        Path::new(source)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
    };
    let s = from_source
        .map(|s| {
            s.rsplit_once('.')
                .map(|(a, _)| a.to_string())
                .filter(|_| fetch::is_url(source))
                .unwrap_or(s)
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            local
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "import".into())
        });
    s
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "import_notes_tests.rs"]
mod notes_tests;
