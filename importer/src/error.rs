//! Errors: a whole-import failure (`ImportError`) versus one rejected input row (`RowError`).

use serde::Serialize;
use std::fmt;

/// One input row that could not be imported, with everything needed to find and fix it.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RowError {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// 1-based row (line) number in the source.
    pub row: u64,
    /// Header of the offending column, if one column is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub reason: String,
    /// The row's original cells, so a reject file can be corrected and re-imported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
    /// The source itself is broken here (malformed XML, truncated file): the
    /// import cannot go on and must not commit anything.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fatal: bool,
}

impl RowError {
    pub fn new(file: &str, sheet: Option<&str>, row: u64, reason: impl Into<String>) -> RowError {
        RowError {
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            row,
            reason: reason.into(),
            ..RowError::default()
        }
    }
    pub fn column(mut self, column: &str, value: &str) -> RowError {
        self.column = Some(column.to_string());
        self.value = Some(value.to_string());
        self
    }
    pub fn cells(mut self, cells: &[String]) -> RowError {
        self.cells = cells.to_vec();
        self
    }
    pub fn fatal(mut self) -> RowError {
        self.fatal = true;
        self
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, " [{s}]")?;
        }
        write!(f, " row {}", self.row)?;
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(v) = &self.value {
            write!(f, " ('{v}')")?;
        }
        write!(f, ": {}", self.reason)
    }
}
impl std::error::Error for RowError {}

/// Why an import (or a read) failed as a whole. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error("{file}{}: no '{wanted}' column. Columns found: {found}. Accepted headers: {expected}", sheet.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default())]
    MissingColumn {
        file: String,
        sheet: Option<String>,
        wanted: String,
        found: String,
        expected: String,
    },
    #[error("{file}: cannot tell the catalogue kind from the headers ({found}); pass --kind")]
    UnknownKind { file: String, found: String },
    #[error("{0}")]
    Source(RowError),
    /// The source broke part-way through an import: nothing was written, but
    /// `summary.rejects` holds the rows rejected before the break (and the
    /// break itself, last) so they can still be written out.
    #[error("{error}")]
    Broken {
        error: Box<RowError>,
        summary: Box<crate::import::ImportSummary>,
    },
    #[error("{url}: {message}")]
    Download { url: String, message: String },
    #[error(transparent)]
    Store(#[from] catalog_core::store::StoreError),
    /// The store failed during the import (disk full, a locked or damaged
    /// database): the transaction rolled back, nothing was written, but
    /// `summary.rejects` holds the rows rejected before it so they are not lost.
    #[error("{error}")]
    StoreFailed {
        error: catalog_core::store::StoreError,
        summary: Box<crate::import::ImportSummary>,
    },
    #[error("{} of {} rows rejected ({:.2}%), above the allowed --max-reject {}: nothing was imported", .0.rejected, .0.read, if .0.read == 0 { 0.0 } else { .0.rejected as f64 * 100.0 / .0.read as f64 }, .0.max_reject)]
    TooManyRejected(Box<crate::import::ImportSummary>),
}

impl ImportError {
    pub(crate) fn format(file: &str, message: impl Into<String>) -> ImportError {
        ImportError::Format {
            file: file.to_string(),
            message: message.into(),
        }
    }
    pub(crate) fn io(path: &str, source: std::io::Error) -> ImportError {
        ImportError::Io {
            path: path.to_string(),
            source,
        }
    }
}
