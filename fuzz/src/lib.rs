//! Fuzzing the readers: every case is a file (a seed from `data/samples`
//! mutated, or a hostile shape built on purpose) imported into an in-memory
//! store. A case passes when the import does not panic, stays within its
//! time, and — whenever it yields a summary — accounts for every row
//! (`read = imported + valid + rejected + notes`).
//!
//! Cases are drawn from a seeded ChaCha stream through `arbitrary`'s
//! `Unstructured`, so a failing case is replayed from its number alone
//! (`MULU_FUZZ_SEED`, `MULU_FUZZ_FROM`).

#![warn(missing_docs)]

pub mod gen;
pub mod run;

pub use run::{run, Outcome, Target};
