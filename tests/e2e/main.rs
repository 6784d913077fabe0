//! End-to-end tests: one binary that runs the real `mulu` executable.
//! Each module covers one area; `util` holds what they share.
//! Unit tests live beside the code they test (`#[cfg(test)] mod tests` or a
//! `*_tests.rs` file next to it); crate-level integration tests in a crate's
//! own `tests/`; whole-program tests here.

mod util;

mod cli;
mod code;
mod demo;
mod diff;
mod fhir;
mod import;
mod r#match;
mod readme;
mod reproducible;
mod scale;
mod serve;
mod soak;
mod upload;
mod workbook;
