//! Reading a source into the store as one catalogue version: all or nothing.

use crate::catalog::{read, ReadOptions};
use crate::error::ImportError;
use crate::fetch;
use crate::limits::Limits;
use crate::rejects::{safe_name, RejectSink};
use crate::summary::ImportSummary;
use catalog_core::label::validate_label;
use catalog_core::store::VersionMeta;
use catalog_core::{Category, Store, VersionInfo};
use chrono::NaiveDate;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where an import writes its rejected rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RejectOutput {
    /// Only in memory: the first `max_rejects_kept` in the summary.
    #[default]
    Memory,
    /// `BASE.csv` (every reject, written as they come) and `BASE.xlsx`.
    Files(PathBuf),
    /// `DIR/<kind>-<label>.rejects.csv` and `.xlsx` (the label made safe as a name).
    Dir(PathBuf),
}

/// How to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The catalogue kind; None: from the headers (or the 13xx layout).
    pub kind: Option<Category>,
    /// Version label; default: the file stem.
    pub label: Option<String>,
    /// Sheet name or 1-based index.
    pub sheet: Option<String>,
    /// 13xx layout of a headerless platform file.
    pub layout: Option<String>,
    /// Replace a version with the same label.
    pub replace: bool,
    /// Largest accepted rejected/read ratio (0 = any reject fails the import).
    pub max_reject: f64,
    /// Publication date of the version.
    pub published: Option<NaiveDate>,
    /// A note stored with the version.
    pub note: Option<String>,
    /// For URL sources: connect and per-read timeout.
    pub timeout: Duration,
    /// Download cache for URL sources (`<home>/cache`).
    pub cache_dir: Option<PathBuf>,
    /// Bounds on what the source may make the importer hold or do.
    pub limits: Limits,
    /// Where rejected rows are written.
    pub rejects: RejectOutput,
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
            limits: Limits::default(),
            rejects: RejectOutput::Memory,
        }
    }
}

/// Why the row loop stopped short of a commit.
#[derive(Clone, Copy, PartialEq)]
enum Refusal {
    None,
    Empty,
    OverLimit,
    NoValid,
}

/// The step an import is at, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Fetching a URL into the cache.
    Download,
    /// Reading, checking and writing the rows.
    Read,
    /// All rows read: the version is being committed.
    Commit,
    /// Writing the rejected rows to their CSV and xlsx files.
    Rejects,
}

/// Where an import is: its phase, the rows read so far and, for streaming
/// formats read from a file, the share of the file read.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Progress {
    /// The step.
    pub phase: Phase,
    /// Rows read so far.
    pub rows: u64,
    /// Share of the source read, `0..=1` (`None`: not known, e.g. xls read whole).
    pub fraction: Option<f64>,
}

/// Import `source` (a path or an http(s) URL) as a new catalogue version.
/// `progress` gets the number of rows read so far, every few thousand rows;
/// [`import_with_progress`] tells the phase and the share of the file too.
pub fn import_into(
    store: &mut Store,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    import_with_progress(store, source, opts, &|p: &Progress| progress(p.rows))
}

/// [`import_into`], with the phase and the share of the file read in each
/// progress call.
///
/// On success every input row was imported, rejected or set aside as a note
/// (`imported + rejected + notes == read`). Nothing is written when the
/// reject ratio (of the data rows, notes excluded) is above `max_reject`,
/// when no row is valid ([`ImportError::NoValidRows`]: an empty catalogue
/// must never become the newest version), or when the source is broken
/// part-way (malformed XML, unreadable CSV); these failures carry the
/// summary, whose `valid` counts the rows that passed but were not imported,
/// so `read = imported + valid + rejected + notes` still holds.
pub fn import_with_progress(
    store: &mut Store,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Fn(&Progress),
) -> Result<ImportSummary, ImportError> {
    let given_label = opts.label.as_deref().map(validate_label).transpose()?;
    let local: PathBuf = if fetch::is_url(source) {
        progress(&Progress {
            phase: Phase::Download,
            rows: 0,
            fraction: None,
        });
        let cache = opts
            .cache_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("mulu-cache"));
        fetch::fetch(source, &cache, opts.timeout, &opts.limits)?
    } else {
        PathBuf::from(source)
    };
    let mut reader = read(
        &local,
        &ReadOptions {
            kind: opts.kind,
            sheet: opts.sheet.clone(),
            layout: opts.layout.clone(),
            limits: opts.limits.clone(),
        },
    )?;
    let label = match given_label {
        Some(l) => l,
        None => default_label(source, &local),
    };
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
        valid: 0,
        rejected: 0,
        notes: 0,
        note_rows: Vec::new(),
        max_reject: opts.max_reject,
        committed: false,
        version: None,
        warnings: reader.warnings().to_vec(),
        rejects_csv: None,
        rejects_xlsx: None,
        rejects: Vec::new(),
    };
    let base = match &opts.rejects {
        RejectOutput::Memory => None,
        RejectOutput::Files(b) => Some(b.clone()),
        RejectOutput::Dir(d) => Some(d.join(format!(
            "{}-{}.rejects",
            summary.category,
            safe_name(&summary.label)
        ))),
    };
    let sink = RefCell::new(RejectSink::new(
        base,
        &summary.header,
        opts.limits.max_rejects_kept,
    ));
    let fatal: RefCell<Option<crate::table::RowError>> = RefCell::new(None);
    let counts = RefCell::new((0u64, 0u64)); // (data rows read, rows passed)
    let mut refusal = Refusal::None;
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
                        progress(&Progress {
                            phase: Phase::Read,
                            rows: c.0,
                            fraction: reader.fraction(),
                        });
                    }
                    return Some(Ok(e));
                }
                Some(Err(e)) if e.fatal => {
                    ended = true;
                    counts.borrow_mut().0 += 1;
                    let msg = e.to_string();
                    sink.borrow_mut().push(e.clone());
                    *fatal.borrow_mut() = Some(e);
                    return Some(Err(msg));
                }
                Some(Err(e)) => {
                    counts.borrow_mut().0 += 1;
                    sink.borrow_mut().push(e);
                }
                None => {
                    ended = true;
                    // Data rows only: a workbook's trailing notes do not dilute its rejects.
                    let (read, passed) = *counts.borrow();
                    progress(&Progress {
                        phase: Phase::Commit,
                        rows: reader.rows_read(),
                        fraction: reader.fraction(),
                    });
                    let rejected = sink.borrow().count();
                    // Rolling back from inside the transaction keeps the store untouched.
                    if read == 0 {
                        refusal = Refusal::Empty;
                        return Some(Err("no data rows below the header".to_string()));
                    }
                    if rejected as f64 / read as f64 > opts.max_reject {
                        refusal = Refusal::OverLimit;
                        return Some(Err(format!("{rejected} of {read} rows rejected")));
                    }
                    if passed == 0 {
                        refusal = Refusal::NoValid;
                        return Some(Err("no valid rows".to_string()));
                    }
                    return None;
                }
            }
        }
    });
    let result = write_pipelined(store, &meta, opts.replace, rows);
    let (data_rows, passed) = *counts.borrow();
    summary.read = reader.rows_read();
    summary.note_rows = reader.notes().to_vec();
    summary.notes = summary.note_rows.len() as u64;
    progress(&Progress {
        phase: Phase::Rejects,
        rows: summary.read,
        fraction: reader.fraction(),
    });
    let written = sink.into_inner().finish();
    summary.rejects = written.kept;
    summary.rejected = written.count;
    summary.rejects_csv = written.csv.map(|p| p.display().to_string());
    summary.rejects_xlsx = written.xlsx.map(|p| p.display().to_string());
    summary.warnings.extend(written.warnings);
    // Until a commit, every row that passed is valid but not imported.
    summary.valid = passed;
    let accounted = |s: &ImportSummary| -> Result<(), ImportError> {
        // `read` is the reader's own count, so this checks the two sides independently.
        if s.balanced() && data_rows + s.notes == s.read {
            Ok(())
        } else {
            Err(ImportError::Accounting(format!(
                "{}: read {} != imported {} + valid {} + rejected {} + notes {}",
                s.file, s.read, s.imported, s.valid, s.rejected, s.notes
            )))
        }
    };
    if let Some(f) = fatal.into_inner() {
        accounted(&summary)?;
        let error = crate::table::RowError {
            reason: tr!(
                "reject.broken_nothing_imported",
                reason = f.reason,
                n = summary.read - 1
            ),
            ..f
        };
        return Err(ImportError::Broken {
            error: Box::new(error),
            summary: Box::new(summary),
        });
    }
    match refusal {
        Refusal::Empty => {
            return Err(ImportError::format(
                &summary.file,
                "no data rows below the header: nothing to import",
            ))
        }
        Refusal::OverLimit => {
            accounted(&summary)?;
            return Err(ImportError::TooManyRejected(Box::new(summary)));
        }
        Refusal::NoValid => {
            accounted(&summary)?;
            return Err(ImportError::NoValidRows(Box::new(summary)));
        }
        Refusal::None => {}
    }
    let version = match result {
        Ok(v) => v,
        Err(error) => {
            accounted(&summary)?;
            return Err(ImportError::StoreFailed {
                error,
                summary: Box::new(summary),
            });
        }
    };
    summary.imported = passed;
    summary.valid = 0;
    // Every row read is accounted for; a mismatch is a bug, not bad input.
    accounted(&summary)?;
    if version.row_count != passed {
        return Err(ImportError::Accounting(format!(
            "{}: {} rows passed but {} stored",
            summary.file, passed, version.row_count
        )));
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

/// The label from the file name: cut to the label's length and without
/// control characters, so any file name gives an acceptable label.
fn default_label(source: &str, local: &Path) -> String {
    let raw = stem_label(source, local);
    let clean: String = raw
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .take(catalog_core::label::MAX_LABEL_CHARS)
        .collect();
    validate_label(&clean).unwrap_or_else(|_| "import".to_string())
}

fn stem_label(source: &str, local: &Path) -> String {
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

#[cfg(test)]
#[path = "hardening_tests.rs"]
mod hardening_tests;

#[cfg(test)]
#[path = "nhsa_public_tests.rs"]
mod nhsa_public_tests;

#[cfg(test)]
#[path = "reject_reason_tests.rs"]
mod reject_reason_tests;
