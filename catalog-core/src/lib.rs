//! mulu's model of China's medical-insurance (医保) catalogues: what a
//! catalogue row is, what a national code must look like, and where
//! versions are kept.
//!
//! - [`Category`]: the nine catalogues (西药中成药, 医用耗材, 医疗服务项目,
//!   ICD-10/ICD-9-CM-3 医保版 …), each with a stable name.
//! - [`Entry`]: one typed row; [`Detail`] holds the category's own fields and
//!   [`field_specs`] lists them (key, Chinese label, kind) for generic
//!   consumers such as the diff and the exports.
//! - [`Standards`]: the national code standards, loaded from
//!   `data/code_standards.json`: validation that names the failing segment
//!   and position, canonical forms, decoding of every segment.
//! - [`Store`]: the versioned SQLite store. A version is written in one
//!   transaction; codes are stored in canonical form; [`scan`] streams a
//!   version's raw rows in code order for the diff (crate `catalog-diff`).
//! - [`HospitalItem`]: a row of a hospital's own (HIS) dictionary, as the
//!   matcher sees it; [`normalize`]: what "the same text" means everywhere.
//!
//! This crate knows nothing of files (crate `importer`), matching (crate
//! `matcher`) or version comparison (crate `catalog-diff`), and its messages
//! name no command-line flag: the same errors reach HTTP clients.
//!
//! ```
//! use catalog_core::entry::FieldValue;
//! use catalog_core::{Category, Detail, Entry, Standards, Store, VersionMeta};
//!
//! // A store in memory, with one small version of the drug catalogue.
//! let mut store = Store::open_in_memory()?;
//! let mut detail = Detail::empty(Category::Drug);
//! detail.set("approval_no", FieldValue::Text("国药准字H19983134".into()));
//! let rows = vec![
//!     Entry::new("XJ01CAA040A001010100600", "阿莫西林片", detail),
//!     Entry::new("XA02BCA081A012010105345", "艾司奥美拉唑镁肠溶片", Detail::empty(Category::Drug)),
//! ];
//! let meta = VersionMeta {
//!     category: Category::Drug,
//!     label: "2026-01".into(),
//!     source: "example".into(),
//!     published: None,
//!     note: None,
//! };
//! let v = store.import_version(&meta, false, rows.into_iter().map(Ok::<_, String>))?;
//! assert_eq!(v.row_count, 2);
//!
//! // Look a code up: every version holding it, newest first.
//! let found = store.find_code("XJ01CAA040A001010100600")?;
//! assert_eq!(found[0].1.name, "阿莫西林片");
//! assert_eq!(found[0].0.label, "2026-01");
//!
//! // Validate codes: canonical form, or the segment where it stops fitting.
//! let std = Standards::builtin();
//! assert_eq!(std.checked_code("ｘｊ01CAA040A001010100600", Category::Drug)?, "XJ01CAA040A001010100600");
//! let err = std.check_category("XJ01CAA040A00101010060", Category::Drug).unwrap_err();
//! assert_eq!(err.segment.as_deref(), Some("企业码"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

// This crate's messages in the current language (`i18n`).
pub(crate) static LOCALE: i18n::Catalogue =
    i18n::Catalogue::new(include_str!("../locales/messages.json"));

/// `tr!("key", name = value, …)`: the message in the current language.
macro_rules! tr {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::LOCALE.text($key, &[$((stringify!($name), $value.to_string())),*])
    };
}

pub mod category;
mod detail_de;
pub mod entry;
mod hospital;
pub mod i18n;
pub mod label;
pub mod normalize;
pub mod scan;
pub mod standards;
pub mod store;

pub use category::Category;
pub use entry::{field_specs, Detail, Entry, FieldKind, FieldSpec, FieldValue};
pub use hospital::HospitalItem;
pub use standards::{CodeError, Explanation, Standards};
pub use store::{Store, VersionInfo, VersionMeta};
