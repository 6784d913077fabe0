//! The mapping workflow of mulu, in one place: from a matcher's suggestion
//! to the rows a hospital uploads with 3301 (目录对照上传). The CLI, the HTTP
//! service and the web page all call these functions, so the rules exist once:
//!
//! - **suggest** ([`Suggestion`], [`record_suggestions`]): a match result
//!   becomes a `suggested` mapping; a mapping a reviewer has decided is never
//!   overwritten by a new suggestion.
//! - **match a HIS dictionary** ([`match_and_suggest`], [`group_by_kind`]):
//!   the path `mulu match` and the page's upload share.
//! - **re-use** ([`reuse_approved`]): a confirmed target goes first in the
//!   next match, and its reason says whether it is unchanged, changed or gone.
//! - **decide** ([`decide`], [`Action`], [`Request`]): approve, reject, flag,
//!   replace or no-counterpart, with the reviewer and a note. Guard rails: a
//!   replacement must be valid for the item's kind and listed in a catalogue
//!   of that kind (canonical form, name from the catalogue); approving a
//!   low/none-tier suggestion needs `confirm`; a decision made on a stale
//!   revision is a [`MappingError::Conflict`] carrying the current state.
//! - **batch** ([`apply_batch`]): a reviewed workbook checked row by row and
//!   written in one transaction.
//! - **queue** ([`queue`], [`Query`]): one sorted page of the mappings a
//!   filter selects, with the total; **bulk** ([`bulk_decide`]): one
//!   decision on a whole filtered view in one transaction, with a report of
//!   the rows that could not change; **undo** ([`undo`], [`undo_batch`]; a
//!   reviewer undoes only their own decisions, an admin anyone's) and
//!   [`history`]; [`reset`] back to undecided; [`earlier_decision`] says
//!   what another reviewer decided before one decides again; **stats**
//!   ([`stats`]): progress and usage-weighted coverage.
//! - **needs re-review** ([`needs_rereview`]): mappings whose target a newer
//!   catalogue version removed, deactivated or re-coded; held back from 3301.
//! - **export** ([`build_3301`]): the 3301 rows, target codes resolved in one
//!   pass by primary key.
//! - **files** ([`files`]): upload rows as JSON batches, xlsx or CSV bytes
//!   (the CLI saves them, the page downloads them).
//! - **calibrate** ([`calibrate`]): the reviewed decisions, matched again,
//!   as labelled examples for re-fitting the matcher's per-field model
//!   (`mulu calibrate`).
//! - **upload** ([`upload`]): each export a numbered batch with per-mapping
//!   upload state; only what changed since the last batch; 3302 revoke rows.
//!
//! # Example
//!
//! ```
//! use catalog_core::entry::{Detail, FieldValue};
//! use catalog_core::{Category, Entry, Store, VersionMeta};
//! use mapping::{build_3301, decide, record_suggestions, Action, ExportOptions, Request, Suggestion};
//!
//! let mut store = Store::open_in_memory()?;
//! // A one-row drug catalogue.
//! let mut row = Entry::new("XJ01CAA040E001010100600", "阿莫西林胶囊", Detail::empty(Category::Drug));
//! row.detail.set("approval_no", FieldValue::Text("国药准字H44021351".into()));
//! let meta = VersionMeta {
//!     category: Category::Drug,
//!     label: "2026-01".into(),
//!     source: "drug.csv".into(),
//!     published: None,
//!     note: None,
//! };
//! store.import_version(&meta, false, [Ok::<_, String>(row)])?;
//!
//! // The matcher's suggestion for a hospital item…
//! let s = Suggestion {
//!     kind: Category::Drug,
//!     hospital_code: "Y001".into(),
//!     hospital_name: "阿莫西林胶囊".into(),
//!     target: Some(("XJ01CAA040E001010100600".into(), "阿莫西林胶囊".into())),
//!     score: Some(0.95),
//!     tier: matcher::Tier::High,
//!     version_label: Some("2026-01".into()),
//!     item: serde_json::json!({ "unit": "盒" }),
//! };
//! record_suggestions(&mut store, &[s])?;
//!
//! // …approved by a reviewer…
//! let m = store.find_mapping(Category::Drug, "Y001", "阿莫西林胶囊")?.unwrap();
//! let approved = decide(&mut store, &m, &Request::new(Action::Approve, "王医保"))?;
//! assert_eq!(approved.reviewer.as_deref(), Some("王医保"));
//! assert_eq!(approved.revision, m.revision + 1);
//!
//! // …becomes a 3301 row with the catalogue's fields.
//! let export = build_3301(&store, &ExportOptions::default())?;
//! assert_eq!(export.rows[0].med_list_codg, "XJ01CAA040E001010100600");
//! assert_eq!(export.rows[0].aprvno, "国药准字H44021351");
//! assert_eq!(export.rows[0].list_type, "101");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

// The mapping crate's own words (mulu.toml errors), zh and en.
pub(crate) static LOCALE: catalog_core::i18n::Catalogue =
    catalog_core::i18n::Catalogue::new(include_str!("../locales/messages.json"));

/// `tr!("key", name = value, …)`: the message in the current language.
macro_rules! tr {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::LOCALE.text($key, &[$((stringify!($name), $value.to_string())),*])
    };
}

mod batch;
mod bulk;
pub mod calibrate;
pub mod config;
mod decide;
mod error;
mod export;
pub mod fhir;
pub mod files;
mod his;
mod query;
mod rereview;
mod stats;
mod suggest;
mod undo;
pub mod upload;

pub use batch::{apply_batch, BatchItem, BatchOutcome, OnError};
pub use bulk::{bulk_decide, bulk_dry_run, BulkReport, BulkRequest, Skipped};
pub use catalog_core::store::{MappingFilter, MappingPage, SortKey};
pub use decide::{
    decide, earlier_decision, find_item, prepare, reset, resolve_target, Action, Request,
};
pub use error::MappingError;
pub use export::{
    build_3301, list_type, to_3301, Export3301, ExportOptions, ListTypeOverrides, ListTypeTable,
    Row3301, BATCH, FIELDS,
};
pub use his::{group_by_kind, match_and_suggest, Matched};
pub use query::{queue, Query, MAX_PER_PAGE};
pub use rereview::{needs_rereview, Rereview};
pub use stats::{stats, StatCell, Stats, Weighted, WEIGHT_COLUMNS};
pub use suggest::{apply_previous, record_suggestions, reuse_approved, SuggestReport, Suggestion};
pub use undo::{history, undo, undo_batch, UndoReport, UndoRight};

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod workbench_tests;
