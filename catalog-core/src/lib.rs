//! mulu's model: catalogue categories, typed catalogue rows, the national
//! code standards (validation and decoding), text normalisation and the
//! versioned SQLite store.

pub mod category;
mod detail_de;
pub mod diff;
pub mod entry;
pub mod hospital;
pub mod label;
pub mod normalize;
pub mod standards;
pub mod store;

pub use category::Category;
pub use entry::{field_specs, Detail, Entry, FieldKind, FieldSpec, FieldValue};
pub use hospital::HospitalItem;
pub use standards::{CodeError, Explanation, Standards};
pub use store::{Store, VersionInfo, VersionMeta};
