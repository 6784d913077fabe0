//! What an import did, row by row: the summary every import returns, and
//! that its failures carry (so rejects are never lost).

use crate::catalog::NoteRow;
use crate::table::{Format, RowError};
use catalog_core::{Category, VersionInfo};
use serde::Serialize;

/// The account of one import (or refused import).
///
/// Every row below the header is counted once:
/// `read = imported + valid + rejected + notes` (see [`ImportSummary::balanced`]).
#[derive(Clone, Debug, Serialize)]
pub struct ImportSummary {
    /// What was asked for (a path or a URL).
    pub source: String,
    /// The local file read (the cache file for URLs).
    pub file: String,
    /// The catalogue kind read.
    pub category: Category,
    /// The version label.
    pub label: String,
    /// The sheet read, for workbooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The text encoding, for text sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The format recognised.
    pub format: Format,
    /// The 13xx layout, for platform files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// The header as read.
    pub header: Vec<String>,
    /// Columns kept in each entry's `extra` (no field for them).
    pub extra_columns: Vec<String>,
    /// Rows below the header (blank rows aside): imported + valid + rejected + notes.
    pub read: u64,
    /// Rows written to the new version.
    pub imported: u64,
    /// Rows that passed but were not imported because the import was refused
    /// (too many rejects, a break, a store failure). 0 when committed.
    pub valid: u64,
    /// Rows rejected (all of them; [`ImportSummary::rejects`] keeps the first ones).
    pub rejected: u64,
    /// Note, total and section-heading rows: neither data nor rejects.
    pub notes: u64,
    /// The note rows.
    pub note_rows: Vec<NoteRow>,
    /// The largest reject share allowed.
    pub max_reject: f64,
    /// Whether a version was committed.
    pub committed: bool,
    /// The version written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionInfo>,
    /// Things the user should know that did not stop the import (a hidden
    /// sheet read, a reject file that could not be written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The reject CSV written during the import (every rejected row).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects_csv: Option<String>,
    /// The reject workbook written after it (the first rejected rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects_xlsx: Option<String>,
    /// The first rejected rows, at most `Limits::max_rejects_kept` of them.
    #[serde(skip)]
    pub rejects: Vec<RowError>,
}

impl ImportSummary {
    /// Whether every row read is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.imported + self.valid + self.rejected + self.notes == self.read
    }
}
