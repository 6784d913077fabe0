//! The national code standards, loaded from `data/code_standards.json`.
//!
//! A standard is a list of *forms*; a form is a list of segments. Validation
//! walks the segments and, on failure, says which segment and what it wanted.
//! Keeping shapes as data means a correction is a one-line change to the table.
//!
//! The folder, by concern: `table` (the JSON table and its types), `dicts`
//! (class dictionaries segments are decoded with), `walk` (walking a code
//! through a form's segments), `validate` (checking a code against a
//! category, `checked_code`, and the [`CodeError`] that says why it failed),
//! `explain` (what each segment of a valid code means).

mod dicts;
mod explain;
mod table;
#[cfg(test)]
mod tests;
mod validate;
mod walk;

pub use explain::{DecodedSegment, Explanation};
pub use table::{Form, Segment, Standard};
pub use validate::CodeError;

use std::collections::HashMap;

/// The loaded table plus the dictionaries segments are decoded with.
pub struct Standards {
    list: Vec<Standard>,
    dicts: HashMap<String, HashMap<String, String>>,
}
