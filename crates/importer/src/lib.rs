//! mulu importer: every catalogue layout bureaus publish (xlsx/xls/ods, CSV in
//! UTF-8 or GBK, JSON, XML, 13xx platform files) becomes typed catalogue rows,
//! with every input row either imported or rejected with its reason.

pub mod aliases;
pub mod error;
pub mod hospital;
pub mod table;
pub mod values;

pub use error::{ImportError, RowError};
pub mod import {
    #[derive(Debug, Clone, serde::Serialize)]
    pub struct ImportSummary {
        pub read: u64,
        pub rejected: u64,
        pub max_reject: f64,
    }
}
