//! Review progress for the dashboard: counts by kind × tier × status, and
//! coverage weighted by usage when the HIS dictionary carried a frequency
//! or amount column (a clerk cares most about the items billed most).

use crate::error::MappingError;
use catalog_core::store::{MappingStatus, StatRow};
use catalog_core::{Category, Store};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Item fields read as a usage weight, in order of preference: counts of
/// use first, then money. Matched against the item's own keys and the
/// columns kept in its `extra` map.
pub const WEIGHT_COLUMNS: &[&str] = &[
    "frequency",
    "usage",
    "使用频次",
    "频次",
    "使用次数",
    "次数",
    "使用数量",
    "数量",
    "amount",
    "金额",
    "使用金额",
    "费用",
];

/// How many mappings of one kind, tier and status.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StatCell {
    /// Kind.
    pub kind: Category,
    /// Tier.
    pub tier: String,
    /// Status.
    pub status: MappingStatus,
    /// Mappings.
    pub count: u64,
    /// Their usage weight (0 without a weight column).
    pub weight: f64,
}

/// Usage-weighted coverage.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Weighted {
    /// The item field the weights came from.
    pub column: String,
    /// Weight of all items.
    pub total: f64,
    /// Weight of the confirmed (approved or replaced) items.
    pub confirmed: f64,
    /// Weight of every reviewed item (anything but suggested).
    pub reviewed: f64,
}

/// The dashboard's numbers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Stats {
    /// All mappings.
    pub total: u64,
    /// Reviewed (anything but suggested).
    pub reviewed: u64,
    /// Confirmed (approved or replaced).
    pub confirmed: u64,
    /// Counts by kind × tier × status.
    pub cells: Vec<StatCell>,
    /// Usage-weighted coverage, when the items carry a weight.
    pub weighted: Option<Weighted>,
    /// Mappings that need re-review (需复核): a newer catalogue version
    /// removed, deactivated or re-coded their target ([`crate::needs_rereview`]).
    #[serde(default)]
    pub needs_rereview: u64,
}

fn number(v: &serde_json::Value) -> Option<f64> {
    match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().replace(',', "").parse().ok(),
        _ => None,
    }
    .filter(|x: &f64| x.is_finite() && *x >= 0.0)
}

/// The weight of one item under `column`.
fn weight_of(item: &serde_json::Value, column: &str) -> Option<f64> {
    item.get(column).and_then(number).or_else(|| {
        item.get("extra")
            .and_then(|e| e.get(column))
            .and_then(number)
    })
}

/// The first weight column any item carries.
fn weight_column(rows: &[StatRow]) -> Option<&'static str> {
    WEIGHT_COLUMNS
        .iter()
        .copied()
        .find(|c| rows.iter().any(|r| weight_of(&r.item, c).is_some()))
}

/// Progress over every mapping in the store.
pub fn stats(store: &Store) -> Result<Stats, MappingError> {
    let mut s = stats_of(&store.mapping_stat_rows()?);
    s.needs_rereview = crate::needs_rereview(store, None)?.len() as u64;
    Ok(s)
}

pub(crate) fn stats_of(rows: &[StatRow]) -> Stats {
    let column = weight_column(rows);
    let mut cells: BTreeMap<(Category, String, &'static str), StatCell> = BTreeMap::new();
    let mut s = Stats {
        total: rows.len() as u64,
        reviewed: 0,
        confirmed: 0,
        cells: Vec::new(),
        weighted: None,
        needs_rereview: 0,
    };
    let mut w = column.map(|c| Weighted {
        column: c.to_string(),
        total: 0.0,
        confirmed: 0.0,
        reviewed: 0.0,
    });
    for r in rows {
        let weight = column.and_then(|c| weight_of(&r.item, c)).unwrap_or(0.0);
        let reviewed = r.status != MappingStatus::Suggested;
        s.reviewed += reviewed as u64;
        s.confirmed += r.status.is_confirmed() as u64;
        if let Some(w) = w.as_mut() {
            w.total += weight;
            if r.status.is_confirmed() {
                w.confirmed += weight;
            }
            if reviewed {
                w.reviewed += weight;
            }
        }
        let cell = cells
            .entry((r.kind, r.tier.clone(), r.status.as_str()))
            .or_insert_with(|| StatCell {
                kind: r.kind,
                tier: r.tier.clone(),
                status: r.status,
                count: 0,
                weight: 0.0,
            });
        cell.count += 1;
        cell.weight += weight;
    }
    s.cells = cells.into_values().collect();
    s.weighted = w;
    s
}
