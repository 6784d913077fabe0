//! The version diff of mulu: what changed between two versions of a
//! national catalogue, and which hospital mappings that touches.
//!
//! `catalog-core` holds the model and the store; this crate compares. Rows
//! are keyed by national code and merged in code order. Rows whose
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
//! [`impact`] turns a diff into the list of confirmed hospital mappings it
//! affects.
//!
//! Stored versions are read through `catalog_core::scan` (two code-ordered
//! streams, one reader thread each for a store on disk); this crate knows no
//! SQL.
//!
//! ```
//! use catalog_core::{Category, Detail, Entry};
//! use catalog_diff::{diff_versions, ChangeClass, DiffOptions};
//!
//! let row = |code: &str, name: &str| Entry::new(code, name, Detail::empty(Category::Drug));
//! let old = vec![row("XA01AAA001A001010100001", "阿莫西林胶囊")];
//! let new = vec![
//!     row("XA01AAA001A001010100001", "阿莫西林胶囊（停产）"),
//!     row("XB02BBB002B002020200002", "头孢克肟片"),
//! ];
//! let d = diff_versions(&old, &new, &DiffOptions::default()).unwrap();
//! assert_eq!(d.summary.total.classes.added, 1);
//! let changed = d.of_class(ChangeClass::Changed).next().unwrap();
//! assert_eq!(changed.field("name").unwrap().new, "阿莫西林胶囊（停产）");
//! ```

#![warn(missing_docs)]

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

use catalog_core::category::Category;
use catalog_core::entry::{Entry, FieldKind};
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
    /// 新增: a code only the new version lists.
    Added,
    /// 停用: still listed, but `active` went true → false.
    Deactivated,
    /// 删除: a code only the old version lists.
    Removed,
    /// 变更: listed in both, some reported field differs.
    Changed,
    /// 改码: a retired code whose product reappears under an added code.
    Recoded,
}

impl ChangeClass {
    /// Every class, in report order.
    pub const ALL: [ChangeClass; 5] = [
        ChangeClass::Added,
        ChangeClass::Deactivated,
        ChangeClass::Removed,
        ChangeClass::Changed,
        ChangeClass::Recoded,
    ];

    /// The stable name used in JSON (`added`…).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeClass::Added => "added",
            ChangeClass::Deactivated => "deactivated",
            ChangeClass::Removed => "removed",
            ChangeClass::Changed => "changed",
            ChangeClass::Recoded => "recoded",
        }
    }

    /// The Chinese label reports show (新增…).
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
    /// How the field was compared (money as decimals, long text by tokens).
    pub kind: FieldKind,
    /// The old value, as displayed.
    pub old: String,
    /// The new value, as displayed.
    pub new: String,
    /// Token-level diff for long texts (限定支付范围, 项目内涵); null otherwise.
    pub segments: Option<Vec<Segment>>,
}

/// One row-level change.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Change {
    /// Which class the change is in.
    pub class: ChangeClass,
    /// The catalogue of the row.
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
    /// The new row (see `old`).
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
    /// Codes added.
    pub added: u64,
    /// Codes deactivated.
    pub deactivated: u64,
    /// Codes removed.
    pub removed: u64,
    /// Codes changed.
    pub changed: u64,
    /// Re-codes (each counts one old and one new code).
    pub recoded: u64,
}

impl ClassCounts {
    /// The count of one class.
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
    /// All reported changes.
    pub fn total(&self) -> u64 {
        self.added + self.deactivated + self.removed + self.changed + self.recoded
    }
}

/// Counts for one category (or the whole diff).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Counts {
    /// Rows in the old version.
    pub old_rows: u64,
    /// Rows in the new version.
    pub new_rows: u64,
    /// Rows present on both sides with no reported change.
    pub unchanged: u64,
    /// Of the unchanged: rows whose stored text differed only by ignored
    /// noise (whitespace, width, money scale, ignored fields).
    pub noise_only: u64,
    /// Reported changes per class.
    pub classes: ClassCounts,
    /// Field key → number of rows where it changed (changed, deactivated, recoded).
    pub fields: BTreeMap<String, u64>,
}

/// The counts of a diff: the whole and per category.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Over all categories (flattened into the summary's JSON).
    #[serde(flatten)]
    pub total: Counts,
    /// Per category (`drug`, `service`…).
    pub categories: BTreeMap<Category, Counts>,
}

/// Which version a side of the diff is.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Side {
    /// The version's label, for stored versions.
    pub label: Option<String>,
    /// The version's id in the store.
    pub version_id: Option<i64>,
    /// The version's catalogue.
    pub category: Option<Category>,
    /// Where the version's rows came from (file or URL).
    pub source: Option<String>,
    /// Rows in the version.
    pub rows: u64,
}

/// The result of a diff: serialise it for the stable JSON of `docs/diff-schema.md`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CatalogDiff {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The old version.
    pub old: Side,
    /// The new version.
    pub new: Side,
    /// The options the diff ran with, so a report says what was ignored.
    pub options: DiffOptions,
    /// Counts per class and field.
    pub summary: Summary,
    /// Sorted by class (added, deactivated, removed, changed, recoded), then code.
    pub changes: Vec<Change>,
}

impl CatalogDiff {
    /// True when nothing was reported (noise-only rows do not count).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
    /// The changes of one class, in code order.
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
    /// Reading a stored version failed.
    #[error(transparent)]
    Store(#[from] catalog_core::store::StoreError),
    /// A stored row is not an `Entry` (a damaged store).
    #[error("{side} version, code {code}: row is not valid catalogue JSON: {source}")]
    Parse {
        /// `old` or `new`.
        side: &'static str,
        /// The row's code.
        code: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// A reader thread panicked (`old` or `new`).
    #[error("the thread reading the {0} version stopped unexpectedly")]
    Reader(String),
    #[error("{side} version: code {code} appears more than once")]
    /// Raw rows given to [`diff_raw`] hold a code twice.
    Duplicate {
        /// `old` or `new`.
        side: &'static str,
        /// The repeated code.
        code: String,
    },
}
