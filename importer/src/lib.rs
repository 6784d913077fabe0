//! mulu importer: every catalogue layout bureaus publish (xlsx/xls/ods, CSV in
//! UTF-8, GBK or UTF-16, JSON, XML, 13xx platform files) becomes typed
//! catalogue rows, with every input row either imported or rejected with its
//! reason.
//!
//! Layers, bottom up: [`table`] reads any source into rows of text
//! ([`ReadError`], [`RowError`]) within [`Limits`]; the catalogue reader
//! ([`read`]) types them; [`import_into`] writes them as one store version
//! ([`ImportError`] wraps the readers' errors), accounting for every row
//! ([`ImportSummary`]).

#![warn(missing_docs)]
// RowError is the per-row report (file, sheet, row, column, value, cells) and
// travels by value through the row iterators; boxing it would only add an
// allocation per rejected row.
#![allow(clippy::result_large_err)]

// The importer's own words (reject reasons, summaries), zh and en.
pub(crate) static LOCALE: catalog_core::i18n::Catalogue =
    catalog_core::i18n::Catalogue::new(include_str!("../locales/messages.json"));

/// `tr!("key", name = value, …)`: the message in the current language.
macro_rules! tr {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::LOCALE.text($key, &[$((stringify!($name), $value.to_string())),*])
    };
}

pub(crate) mod aliases;
pub(crate) mod catalog;
pub(crate) mod error;
pub(crate) mod fetch;
pub mod hospital;
pub(crate) mod import;
pub mod limits;
pub mod rejects;
pub(crate) mod summary;
pub mod table;
pub(crate) mod values;

pub use catalog::{read, NoteRow, ReadOptions, Reader};
pub use error::{ImportError, ReadError, RowError};
pub use import::{import_into, import_with_progress, ImportOptions, Phase, Progress, RejectOutput};
pub use limits::{LimitHit, Limits};
pub use summary::ImportSummary;
