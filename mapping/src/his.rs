//! A HIS dictionary matched and recorded as suggestions: the path `mulu
//! match` and the page's HIS upload share, so both group items by kind,
//! re-use approved decisions and record suggestions the same way.

use crate::suggest::{record_suggestions, reuse_approved, SuggestReport, Suggestion};
use catalog_core::store::MappingStatus;
use catalog_core::{Category, HospitalItem, Store};
use matcher::{MatchResult, Matcher};
use std::collections::BTreeMap;

/// The kind each item is matched against: the one asked for, else the
/// item's own 类别, else drug. Item indices by kind, in file order.
pub fn group_by_kind(
    items: &[HospitalItem],
    kind: Option<Category>,
) -> BTreeMap<Category, Vec<usize>> {
    let mut groups: BTreeMap<Category, Vec<usize>> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        let k = kind.or(it.category).unwrap_or(Category::Drug);
        groups.entry(k).or_default().push(i);
    }
    groups
}

/// One item matched, and the status of a mapping reviewed earlier.
#[derive(Clone, Debug)]
pub struct Matched {
    /// The match result (an approved target re-used goes first).
    pub result: MatchResult,
    /// The stored mapping's status, if the item was mapped before.
    pub previous: Option<MappingStatus>,
}

/// Match items of one kind, re-use approved decisions and, with `record`,
/// record the suggestions in one transaction (a reviewed mapping is never
/// overwritten). `progress` gets the number of items matched since its last
/// call. Results are in `items` order.
pub fn match_and_suggest(
    store: &mut Store,
    m: &Matcher,
    kind: Category,
    items: &[HospitalItem],
    top: usize,
    record: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<Matched>, SuggestReport), catalog_core::store::StoreError> {
    let results = m.match_batch(items, top, progress);
    let label = m.version().label.clone();
    let mut out = Vec::with_capacity(items.len());
    for (item, mut result) in items.iter().zip(results) {
        let prev = reuse_approved(store, m, kind, item, &mut result)?;
        out.push(Matched {
            result,
            previous: prev.map(|p| p.status),
        });
    }
    let mut report = SuggestReport::default();
    if record {
        let suggestions: Vec<Suggestion> = items
            .iter()
            .zip(&out)
            .map(|(item, x)| Suggestion::from_match(kind, &label, item, &x.result))
            .collect();
        report = record_suggestions(store, &suggestions)?;
    }
    Ok((out, report))
}
