//! The readers' errors, at the bottom of the importer: one rejected input row
//! ([`RowError`]) and a source that cannot be read at all ([`ReadError`]).
//! The import layer wraps them (`ReadError::Read`).

use crate::limits::{brief_list, LimitHit};
use serde::Serialize;
use std::fmt;

/// One input row that could not be imported, with everything needed to find and fix it.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RowError {
    /// The source file (`zip!member` for a 13xx ZIP).
    pub file: String,
    /// The sheet, for workbooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// 1-based row (line) number in the source.
    pub row: u64,
    /// Header of the offending column, if one column is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The offending value (shortened when long).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Why the row was refused.
    pub reason: String,
    /// The row's original cells, so a reject file can be corrected and re-imported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
    /// The source itself is broken here (malformed XML, truncated file): the
    /// import cannot go on and must not commit anything.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fatal: bool,
    /// The limit this row ran into, if that is why it was refused.
    #[serde(skip)]
    pub limit: Option<LimitHit>,
}

/// Longest value quoted in a reject's `value` (the cells keep it whole).
const VALUE_CHARS: usize = 200;

impl RowError {
    /// A reject of `row` in `file` (and `sheet`) for `reason`.
    pub fn new(file: &str, sheet: Option<&str>, row: u64, reason: impl Into<String>) -> RowError {
        RowError {
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            row,
            reason: reason.into(),
            ..RowError::default()
        }
    }
    /// Name the column and value to blame.
    pub fn column(mut self, column: &str, value: &str) -> RowError {
        self.column = Some(column.to_string());
        self.value = Some(if value.chars().count() > VALUE_CHARS {
            let mut v: String = value.chars().take(VALUE_CHARS).collect();
            v.push('…');
            v
        } else {
            value.to_string()
        });
        self
    }
    /// Keep the row's original cells.
    pub fn cells(mut self, cells: &[String]) -> RowError {
        self.cells = cells.to_vec();
        self
    }
    /// Keep the row's original cells, taking them.
    pub fn with_cells(mut self, cells: Vec<String>) -> RowError {
        self.cells = cells;
        self
    }
    /// The source is broken here.
    pub fn fatal(mut self) -> RowError {
        self.fatal = true;
        self
    }
    /// The row ran into a limit.
    pub fn limit(mut self, hit: LimitHit) -> RowError {
        self.limit = Some(hit);
        self
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, " [{s}]")?;
        }
        write!(f, "{}", tr!("row.at", row = self.row))?;
        if let Some(c) = &self.column {
            write!(f, "{}", tr!("row.column", column = c))?;
        }
        if let Some(v) = &self.value {
            write!(f, "{}", tr!("row.value", value = v))?;
        }
        write!(f, "{}", tr!("row.reason", reason = self.reason))
    }
}
impl std::error::Error for RowError {}

/// A source that cannot be read (or not as a catalogue). Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be opened or read.
    #[error("{}", tr!("read.io", path = path, error = source))]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The content is not what its format should be.
    #[error("{file}: {message}")]
    Format {
        /// The file.
        file: String,
        /// What is wrong, in words.
        message: String,
    },
    /// The source goes past one of the [`crate::Limits`].
    #[error("{file}: {hit}")]
    Limit {
        /// The file.
        file: String,
        /// Which limit, its value and what was found.
        hit: LimitHit,
    },
    /// A column the catalogue kind needs is not in the header.
    #[error("{}", tr!("read.missing_column", file = file, sheet = sheet.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default(), wanted = wanted, found = brief_list(found, 30, 600), expected = brief_list(expected, 30, 600)))]
    MissingColumn {
        /// The file.
        file: String,
        /// The sheet, for workbooks.
        sheet: Option<String>,
        /// The column wanted.
        wanted: String,
        /// The header as read.
        found: Vec<String>,
        /// The headers accepted for the column.
        expected: Vec<String>,
    },
    /// No kind was given and the headers do not tell it.
    #[error("{}", tr!("read.unknown_kind", file = file, found = brief_list(found, 30, 600)))]
    UnknownKind {
        /// The file.
        file: String,
        /// The header as read.
        found: Vec<String>,
    },
    /// A row the source broke at (hospital dictionaries stop there).
    #[error("{0}")]
    Source(RowError),
}

impl ReadError {
    pub(crate) fn format(file: &str, message: impl Into<String>) -> ReadError {
        ReadError::Format {
            file: file.to_string(),
            message: message.into(),
        }
    }
    pub(crate) fn io(path: &str, source: std::io::Error) -> ReadError {
        ReadError::Io {
            path: path.to_string(),
            source,
        }
    }
    pub(crate) fn limit(file: &str, limit: &'static str, value: u64, found: String) -> ReadError {
        ReadError::Limit {
            file: file.to_string(),
            hit: LimitHit {
                limit,
                value,
                found,
            },
        }
    }
    /// The limit reached, if that is why the read failed.
    pub fn limit_hit(&self) -> Option<&LimitHit> {
        match self {
            ReadError::Limit { hit, .. } => Some(hit),
            ReadError::Source(r) => r.limit.as_ref(),
            _ => None,
        }
    }
}
