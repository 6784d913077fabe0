#![warn(missing_docs)]
//! mulu matcher: maps hospital (HIS) items to national codes.
//!
//! Normalisers ([`norm`]) bring names, specifications, dosage forms,
//! manufacturers and keys to comparable forms; the index ([`index`]) finds
//! candidates (exact keys first, then tantivy text search); the scorer
//! ([`score`]) weighs field-level evidence into a 0..1 score and a tier with
//! an explanation. A [`Matcher`] never drops an item: each input gets one
//! [`MatchResult`], with tier `none` and a reason when nothing fits.
//!
//! # Embedding (the HIS vendor's entry point)
//!
//! Open a store, import a catalogue version, build its index once, then
//! match hospital items one by one or in batches ([`Matcher::match_batch`]).
//! The index lives in a directory tied to the version's id and checksum
//! ([`index::dir_for`]); [`index::CatalogIndex::ensure`] rebuilds it when it
//! is missing or stale.
//!
//! ```
//! use catalog_core::{Category, Detail, Entry, FieldValue, HospitalItem, Store, VersionMeta};
//! use matcher::{index::CatalogIndex, Matcher};
//!
//! // A store in memory with three drug rows (in practice: `importer::import_into`).
//! let mut store = Store::open_in_memory()?;
//! let drug = |code: &str, name: &str, spec: &str, maker: &str, approval: &str| {
//!     let mut d = Detail::empty(Category::Drug);
//!     for (k, v) in [("generic_name", name), ("spec", spec), ("manufacturer", maker), ("approval_no", approval)] {
//!         d.set(k, FieldValue::Text(v.into()));
//!     }
//!     Entry::new(code, name, d)
//! };
//! let rows = vec![
//!     drug("XJ01CAA040E001010100600", "阿莫西林胶囊", "0.25g", "珠海联邦制药股份有限公司", "国药准字H44021351"),
//!     drug("XJ01CAA040E001010101234", "阿莫西林胶囊", "0.5g", "石药集团中诺药业（石家庄）有限公司", "国药准字H13023964"),
//!     drug("XJ01DDT049A001010100200", "头孢克肟片", "0.1g", "广州白云山制药股份有限公司", "国药准字H20030615"),
//! ];
//! let meta = VersionMeta {
//!     category: Category::Drug,
//!     label: "2026-01".into(),
//!     source: "example".into(),
//!     published: None,
//!     note: None,
//! };
//! let version = store.import_version(&meta, false, rows.into_iter().map(Ok::<_, String>))?;
//!
//! // Build (or reuse) the index under a home directory, then match.
//! let home = std::env::temp_dir().join(format!("mulu-matcher-doc-{}", std::process::id()));
//! let (index, _built) = CatalogIndex::ensure(&store, &version, &home, &|_, _| {})?;
//! let matcher = Matcher::new(index);
//!
//! // A messy HIS row: trade name in brackets, spec in HIS style, manufacturer abbreviated.
//! let item = HospitalItem {
//!     code: "Y00000000029".into(),
//!     name: "阿莫西林胶囊(阿莫仙)".into(),
//!     spec: Some("0.25g*24粒/盒".into()),
//!     manufacturer: Some("珠海联邦".into()),
//!     ..HospitalItem::default()
//! };
//! let result = matcher.match_item(&item, 3);
//! let best = result.best().expect("a candidate");
//! println!("{} {} [{}] {}", best.code, best.name, best.tier.label_zh(), best.explain());
//! assert_eq!(best.code, "XJ01CAA040E001010100600");
//! std::fs::remove_dir_all(&home)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod baseline;
mod block;
pub mod calibrate;
pub mod crosswalk;
pub mod index;
pub mod matcher;
mod near;
pub mod norm;
pub mod record;
pub mod result;
pub mod row;
pub mod score;
pub mod shorthand;
mod sound;
pub mod synonyms;
pub mod wording;

pub use matcher::Matcher;
pub use result::{BestLogits, Candidate, Evidence, MatchResult, Retrieval, Tier, Verdict};
