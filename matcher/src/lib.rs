//! mulu matcher: maps hospital (HIS) items to national codes.
//!
//! Normalisers ([`norm`]) bring names, specifications, dosage forms,
//! manufacturers and keys to comparable forms; the index ([`index`]) finds
//! candidates (exact keys first, then tantivy text search); the scorer
//! ([`score`]) weighs field-level evidence into a 0..1 score and a tier with
//! an explanation.

mod block;
pub mod index;
pub mod matcher;
pub mod norm;
pub mod record;
pub mod result;
pub mod row;
pub mod score;
pub mod synonyms;

pub use matcher::Matcher;
pub use result::{Candidate, Evidence, MatchResult, Retrieval, Tier, Verdict};
