//! mulu importer: every catalogue layout bureaus publish (xlsx/xls/ods, CSV in
//! UTF-8 or GBK, JSON, XML, 13xx platform files) becomes typed catalogue rows,
//! with every input row either imported or rejected with its reason.

// RowError is the per-row report (file, sheet, row, column, value, cells) and
// travels by value through the row iterators; boxing it would only add an
// allocation per rejected row.
#![allow(clippy::result_large_err)]

pub mod aliases;
pub mod catalog;
pub mod error;
pub mod fetch;
pub mod hospital;
pub mod import;
pub mod rejects;
pub mod table;
pub mod values;

pub use catalog::{read, ReadOptions, Reader};
pub use error::{ImportError, RowError};
pub use import::{import_into, ImportOptions, ImportSummary};
