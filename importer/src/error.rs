//! The import's errors: a whole-import failure ([`ImportError`]) wrapping the
//! readers' errors ([`ReadError`], with [`RowError`] for one row) below it.

use crate::limits::LimitHit;
use crate::summary::ImportSummary;
pub use crate::table::{ReadError, RowError};

/// Why an import failed as a whole. Nothing was written to the store.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The source cannot be read (as a catalogue).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The source broke part-way through an import: nothing was written, but
    /// `summary.rejects` holds the rows rejected before the break (and the
    /// break itself, last) so they can still be written out.
    #[error("{error}")]
    Broken {
        /// The row the source broke at.
        error: Box<RowError>,
        /// The rows read up to it.
        summary: Box<ImportSummary>,
    },
    /// A URL could not be downloaded.
    #[error("{url}: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
        /// The limit reached, if that is why.
        limit: Option<LimitHit>,
    },
    /// The store refused before anything was read.
    #[error(transparent)]
    Store(#[from] catalog_core::store::StoreError),
    /// The store failed during the import (disk full, a locked or damaged
    /// database): the transaction rolled back, nothing was written, but
    /// `summary.rejects` holds the rows rejected before it so they are not lost.
    #[error("{error}")]
    StoreFailed {
        /// The store's error.
        error: catalog_core::store::StoreError,
        /// The rows read up to it.
        summary: Box<ImportSummary>,
    },
    /// More rows were rejected than `max_reject` allows.
    #[error("{}", too_many_rejected(.0))]
    TooManyRejected(Box<ImportSummary>),
    /// Every data row was rejected: an empty catalogue never becomes a version.
    #[error("{}", tr!("import.no_valid_rows", read = .0.read, rejected = .0.rejected, notes = .0.notes))]
    NoValidRows(Box<ImportSummary>),
    /// The version label is not acceptable.
    #[error("{0}")]
    Label(#[from] catalog_core::label::LabelError),
    /// The import's own counts disagree: a bug, not bad input.
    #[error("internal accounting error: {0}")]
    Accounting(String),
}

fn too_many_rejected(s: &ImportSummary) -> String {
    let pct = if s.read == 0 {
        0.0
    } else {
        s.rejected as f64 * 100.0 / s.read as f64
    };
    tr!(
        "import.too_many_rejected",
        rejected = s.rejected,
        read = s.read,
        pct = format!("{pct:.2}"),
        max = s.max_reject
    )
}

impl ImportError {
    pub(crate) fn format(file: &str, message: impl Into<String>) -> ImportError {
        ImportError::Read(ReadError::format(file, message))
    }
    /// The limit reached, if that is why the import failed; the CLI maps its
    /// name to a flag.
    pub fn limit_hit(&self) -> Option<&LimitHit> {
        match self {
            ImportError::Read(e) => e.limit_hit(),
            ImportError::Broken { error, .. } => error.limit.as_ref(),
            ImportError::Download { limit, .. } => limit.as_ref(),
            _ => None,
        }
    }
    /// The summary of the rows read, when the failure came after reading some.
    pub fn summary(&self) -> Option<&ImportSummary> {
        match self {
            ImportError::Broken { summary, .. }
            | ImportError::StoreFailed { summary, .. }
            | ImportError::TooManyRejected(summary)
            | ImportError::NoValidRows(summary) => Some(summary),
            _ => None,
        }
    }
}
