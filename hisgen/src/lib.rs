//! A second, independent family of hospital spellings for evaluation.
//!
//! The corpus generator (`corpus`) writes catalogues *and* the hospital
//! dictionaries used to tune the matcher. Judging the matcher on the same
//! generator's output hides every blind spot the two share. This crate takes
//! any catalogue version already in a mulu store (generated, or a real one a
//! bureau published) and writes a labelled HIS dictionary with its own rules:
//! its own tables of traditional characters, homophones, maker spellings,
//! unit words and spec layouts (`tables.rs`), none read from `corpus` or
//! `data/synonyms`. Hospital-only items (院内制剂) with no national counterpart
//! are mixed in, so false highs can be counted.
//!
//! The output has the layout `mulu eval` reads (标准编码 = the truth, empty for
//! no counterpart; 证号 names the key the row carries; 扰动 the slips applied).

mod consumable;
mod drug;
mod house;
mod icd;
mod maker;
mod noise;
mod service;
mod spec;
mod tables;

use catalog_core::{Category, Entry};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// The columns of a labelled dictionary, as `mulu eval` reads them.
pub const HEADER: [&str; 16] = [
    "院内编码",
    "院内名称",
    "类别",
    "规格",
    "剂型",
    "单位",
    "生产企业",
    "批准文号",
    "本位码",
    "注册证号",
    "价格项目编码",
    "医保编码",
    "单价",
    "标准编码",
    "证号",
    "扰动",
];

/// One hospital item with its truth.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub his_code: String,
    pub name: String,
    pub category_word: String,
    pub spec: String,
    pub dosage_form: String,
    pub unit: String,
    pub maker: String,
    pub approval_no: String,
    pub standard_code: String,
    pub registration_no: String,
    pub price_code: String,
    pub insurance_code: String,
    pub price: String,
    /// The national code this item is; empty when it has no counterpart.
    pub truth: String,
    /// Which key the row carries: 批准文号, 注册证号, 价格项目编码, 医保编码 or 无.
    pub key: String,
    /// The slips applied, `;`-separated.
    pub slips: Vec<&'static str>,
}

impl Row {
    fn cells(&self) -> [&str; 16] {
        [
            &self.his_code,
            &self.name,
            &self.category_word,
            &self.spec,
            &self.dosage_form,
            &self.unit,
            &self.maker,
            &self.approval_no,
            &self.standard_code,
            &self.registration_no,
            &self.price_code,
            &self.insurance_code,
            &self.price,
            &self.truth,
            &self.key,
            "",
        ]
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Items with a counterpart drawn from the catalogue.
    pub items: usize,
    /// Share of extra hospital-only items (no counterpart), e.g. 0.08.
    pub house_share: f64,
    pub seed: u64,
}

/// The labelled dictionary for `entries` (one catalogue version of one
/// category). Deterministic in `spec.seed` and the entries' order-free content:
/// entries are sorted by code first, so the store's read order cannot matter.
pub fn generate(category: Category, entries: &[Entry], spec: &Spec) -> Vec<Row> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0x5eed_b0b0);
    let mut pool: Vec<&Entry> = entries.iter().filter(|e| e.active).collect();
    pool.sort_by(|a, b| a.code.cmp(&b.code));
    pool.shuffle(&mut rng);
    pool.truncate(spec.items);
    let mut rows: Vec<Row> = pool
        .iter()
        .filter_map(|e| match category {
            Category::Drug | Category::Preparation => drug::spell(&mut rng, e),
            Category::Consumable => consumable::spell(&mut rng, e),
            Category::Service => service::spell(&mut rng, e),
            Category::Diagnosis | Category::Procedure => icd::spell(&mut rng, e),
            _ => None,
        })
        .collect();
    let house = (rows.len() as f64 * spec.house_share).round() as usize;
    for i in 0..house {
        if let Some(r) = house::spell(&mut rng, category, &pool, i) {
            rows.push(r);
        }
    }
    rows.shuffle(&mut rng);
    let prefix = match category {
        Category::Drug | Category::Preparation => "1",
        Category::Service => "2",
        Category::Consumable => "3",
        _ => "4",
    };
    for (i, r) in rows.iter_mut().enumerate() {
        r.his_code = format!("{prefix}{:06}", i + 1);
    }
    rows
}

/// Write `rows` as a UTF-8 CSV with the header `mulu eval` reads.
pub fn write_csv(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(HEADER)?;
    for r in rows {
        let slips = r.slips.join(";");
        let mut cells = r.cells();
        cells[15] = &slips;
        w.write_record(cells)?;
    }
    w.flush()?;
    Ok(())
}

/// The text of a detail field, or "".
pub(crate) fn field(e: &Entry, key: &str) -> String {
    e.field(key).display().trim().to_string()
}
