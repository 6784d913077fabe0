//! Version diff: keyed comparison of two catalogue versions.
//!
//! Rows are keyed by national code and merged in code order. Rows whose
//! canonical JSON is byte-identical are counted as unchanged without being
//! parsed; only rows whose text differs are parsed and compared field by
//! field (money as decimals, text after the noise folding the
//! [`DiffOptions`] ask for). That keeps a 1M-row diff cheap when, as in
//! real catalogue updates, few rows change.
//!
//! Every code ends up in exactly one class: added, deactivated (停用: still
//! listed, `active` went true→false), removed, changed, or recoded (a code
//! that went away — removed or deactivated — whose product reappears under
//! an added code; see [`recode`]). The JSON shape of [`CatalogDiff`] is the
//! contract documented in `docs/diff-schema.md` (schema id [`SCHEMA`]).

mod compare;
mod engine;
mod from_store;
pub mod impact;
pub mod recode;
#[cfg(test)]
mod tests;

pub use compare::{text_segments, Segment, SegmentOp};
pub use engine::{diff_raw, diff_raw_with, diff_versions, diff_versions_with};
pub use from_store::{diff_stored, diff_stored_with};
pub use impact::{
    confirmed_mappings, impact, impact_with_listing, ImpactItem, ImpactReason, MappingRef,
    IMPACT_FIELDS,
};
pub use recode::{BuiltinRecodeScorer, Evidence, RecodeEvidence, RecodeScorer};

use crate::category::Category;
use crate::entry::{Entry, FieldKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Identifies the JSON layout of [`CatalogDiff`]; bumped on any breaking change.
pub const SCHEMA: &str = "mulu.diff/1";

/// What to treat as "no change".
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DiffOptions {
    /// Field keys (`spec`), labels (`规格`) or extra columns (`extra.批次`)
    /// whose changes are not reported.
    pub ignore_fields: Vec<String>,
    /// Compare text with all whitespace removed (like `diff -w`): Chinese
    /// text has no word spaces, so a stray space is always noise.
    pub ignore_whitespace: bool,
    /// Compare text after full-/half-width folding (NFKC, `normalize::fold_width`).
    pub ignore_width: bool,
    /// Look for re-coded products among removed/deactivated and added rows.
    pub detect_recodes: bool,
    /// Lowest score (0–1) accepted as a re-code.
    pub recode_threshold: f64,
    /// Also treat deactivated codes as possible re-code sources (the usual
    /// way a bureau retires a code: 停用 plus a new code for the product).
    pub recode_from_deactivated: bool,
    /// Keep the whole old/new row in each change (`old`/`new` in the JSON).
    pub keep_rows: bool,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            ignore_fields: Vec::new(),
            ignore_whitespace: true,
            ignore_width: true,
            detect_recodes: true,
            recode_threshold: 0.8,
            recode_from_deactivated: false,
            keep_rows: true,
        }
    }
}

/// The class of a change. Order is the report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeClass {
    Added,
    Deactivated,
    Removed,
    Changed,
    Recoded,
}

impl ChangeClass {
    pub const ALL: [ChangeClass; 5] = [
        ChangeClass::Added,
        ChangeClass::Deactivated,
        ChangeClass::Removed,
        ChangeClass::Changed,
        ChangeClass::Recoded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeClass::Added => "added",
            ChangeClass::Deactivated => "deactivated",
            ChangeClass::Removed => "removed",
            ChangeClass::Changed => "changed",
            ChangeClass::Recoded => "recoded",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ChangeClass::Added => "新增",
            ChangeClass::Deactivated => "停用",
            ChangeClass::Removed => "删除",
            ChangeClass::Changed => "变更",
            ChangeClass::Recoded => "改码",
        }
    }
}

impl std::fmt::Display for ChangeClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field that differs, old → new, as display text.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldChange {
    /// Field key from `field_specs` (`spec`, `payment_standard`) or `extra.<header>`.
    pub field: String,
    /// The Chinese column label (`规格`), or the header for extra columns.
    pub label: String,
    pub kind: FieldKind,
    pub old: String,
    pub new: String,
    /// Token-level diff for long texts (限定支付范围, 项目内涵); null otherwise.
    pub segments: Option<Vec<Segment>>,
}

/// One row-level change.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Change {
    pub class: ChangeClass,
    pub category: Category,
    /// The national code (the new code for a re-code).
    pub code: String,
    /// The retired code of a re-code; null for other classes.
    pub old_code: Option<String>,
    /// Name in the new version (the old one for removed rows).
    pub name: String,
    /// Field changes (changed, deactivated, recoded; empty for added/removed).
    pub fields: Vec<FieldChange>,
    /// Why a re-code was accepted; null for other classes.
    pub recode: Option<RecodeEvidence>,
    /// Whole rows (null when absent or when `keep_rows` is off).
    pub old: Option<Entry>,
    pub new: Option<Entry>,
}

impl Change {
    /// The field change of a key, if that field changed.
    pub fn field(&self, key: &str) -> Option<&FieldChange> {
        self.fields.iter().find(|f| f.field == key)
    }
}

/// Row counts per class.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ClassCounts {
    pub added: u64,
    pub deactivated: u64,
    pub removed: u64,
    pub changed: u64,
    pub recoded: u64,
}

impl ClassCounts {
    pub fn get(&self, c: ChangeClass) -> u64 {
        match c {
            ChangeClass::Added => self.added,
            ChangeClass::Deactivated => self.deactivated,
            ChangeClass::Removed => self.removed,
            ChangeClass::Changed => self.changed,
            ChangeClass::Recoded => self.recoded,
        }
    }
    fn bump(&mut self, c: ChangeClass) {
        match c {
            ChangeClass::Added => self.added += 1,
            ChangeClass::Deactivated => self.deactivated += 1,
            ChangeClass::Removed => self.removed += 1,
            ChangeClass::Changed => self.changed += 1,
            ChangeClass::Recoded => self.recoded += 1,
        }
    }
    fn add(&mut self, o: &ClassCounts) {
        self.added += o.added;
        self.deactivated += o.deactivated;
        self.removed += o.removed;
        self.changed += o.changed;
        self.recoded += o.recoded;
    }
    pub fn total(&self) -> u64 {
        self.added + self.deactivated + self.removed + self.changed + self.recoded
    }
}

/// Counts for one category (or the whole diff).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Counts {
    pub old_rows: u64,
    pub new_rows: u64,
    /// Rows present on both sides with no reported change.
    pub unchanged: u64,
    /// Of the unchanged: rows whose stored text differed only by ignored
    /// noise (whitespace, width, money scale, ignored fields).
    pub noise_only: u64,
    pub classes: ClassCounts,
    /// Field key → number of rows where it changed (changed, deactivated, recoded).
    pub fields: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    #[serde(flatten)]
    pub total: Counts,
    /// Per category (`drug`, `service`…).
    pub categories: BTreeMap<Category, Counts>,
}

/// Which version a side of the diff is.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Side {
    pub label: Option<String>,
    pub version_id: Option<i64>,
    pub category: Option<Category>,
    pub source: Option<String>,
    pub rows: u64,
}

/// The result of a diff: serialise it for the stable JSON of `docs/diff-schema.md`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CatalogDiff {
    pub schema: &'static str,
    pub old: Side,
    pub new: Side,
    pub options: DiffOptions,
    pub summary: Summary,
    /// Sorted by class (added, deactivated, removed, changed, recoded), then code.
    pub changes: Vec<Change>,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
    pub fn of_class(&self, c: ChangeClass) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |x| x.class == c)
    }
    /// The change concerning a code of the OLD version (its own row, or the
    /// re-code that retired it).
    pub fn by_old_code(&self, code: &str) -> Option<&Change> {
        self.changes.iter().find(|c| match c.class {
            ChangeClass::Recoded => c.old_code.as_deref() == Some(code),
            ChangeClass::Added => false,
            _ => c.code == code,
        })
    }
}

/// Errors of a diff: bad input is reported with the code it concerns.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("store database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{side} version, code {code}: row is not valid catalogue JSON: {source}")]
    Parse {
        side: &'static str,
        code: String,
        source: serde_json::Error,
    },
    #[error("the thread reading the {0} version stopped unexpectedly")]
    Reader(String),
    #[error("{side} version: code {code} appears more than once")]
    Duplicate { side: &'static str, code: String },
}
