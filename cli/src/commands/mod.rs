//! One module per subcommand.

pub mod calibrate;
pub mod code;
mod code_check;
pub mod demo;
pub mod diff;
pub mod eval;
pub mod export;
pub mod fhir;
pub mod import;
pub mod index;
pub mod match_cmd;
pub mod review;
mod review_scale;
pub mod search;
pub mod serve;
mod signoff;
pub mod status;
pub mod versions;
pub mod workbook;
