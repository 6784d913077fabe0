//! What a catalogue update breaks for a hospital: its confirmed mappings
//! whose national code was deactivated, removed, re-coded, or changed in a
//! field the mapping depends on — and, when the caller can tell which codes
//! the new version lists, mappings whose code is in neither version.

use super::{CatalogDiff, Change, ChangeClass, FieldChange};
use catalog_core::category::Category;
use catalog_core::normalize;
use catalog_core::store::{MappingStatus, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Fields whose change makes a confirmed mapping worth a second look:
/// the product's identity (name, spec, manufacturer) and what is paid
/// (price, 支付标准, 甲乙类, 限定支付范围).
pub const IMPACT_FIELDS: &[&str] = &[
    "name",
    "spec",
    "reg_spec",
    "model",
    "spec_model",
    "manufacturer",
    "price",
    "price_grade1",
    "price_grade2",
    "price_grade3",
    "payment_standard",
    "list_class",
    "restriction",
    "unit",
    "dosage_form",
];

/// A hospital item's confirmed mapping, from the store or a mapping file.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct MappingRef {
    /// Store id of the mapping; null for mappings read from a file.
    pub mapping_id: Option<i64>,
    /// The mapping's catalogue, when known.
    pub category: Option<Category>,
    /// 院内编码
    pub hospital_code: String,
    /// 院内名称
    pub hospital_name: String,
    /// 医保编码 the item is mapped to.
    pub target_code: String,
    /// Review status (`approved`, `replaced`), when known.
    pub status: Option<String>,
    /// Where it came from (file and row) for tracing.
    pub source: Option<String>,
}

/// Why a mapping needs attention: the class of the change that hit its
/// target, or `not_listed` when the target is in neither version (a stale or
/// mistyped code the update did not cause but the hospital must still fix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactReason {
    /// The target code was deactivated (停用).
    Deactivated,
    /// The target code was removed.
    Removed,
    /// The target was re-coded; the item should move to the new code.
    Recoded,
    /// A field that matters changed on the target ([`IMPACT_FIELDS`]).
    Changed,
    /// The target is in neither version (a mistyped or foreign code).
    NotListed,
}

impl ImpactReason {
    /// The stable name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ImpactReason::Deactivated => "deactivated",
            ImpactReason::Removed => "removed",
            ImpactReason::Recoded => "recoded",
            ImpactReason::Changed => "changed",
            ImpactReason::NotListed => "not_listed",
        }
    }

    /// The Chinese label for the work list.
    pub fn label_zh(self) -> &'static str {
        match self.class() {
            Some(c) => c.label_zh(),
            None => "不在目录",
        }
    }

    /// The diff class behind the reason (none for `not_listed`).
    pub fn class(self) -> Option<ChangeClass> {
        match self {
            ImpactReason::Deactivated => Some(ChangeClass::Deactivated),
            ImpactReason::Removed => Some(ChangeClass::Removed),
            ImpactReason::Recoded => Some(ChangeClass::Recoded),
            ImpactReason::Changed => Some(ChangeClass::Changed),
            ImpactReason::NotListed => None,
        }
    }
}

/// One mapping that needs attention.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ImpactItem {
    /// The mapping concerned.
    pub mapping: MappingRef,
    /// Why it needs attention.
    pub reason: ImpactReason,
    /// The national row's name in the old version.
    pub target_name: String,
    /// For re-codes: the code to move the mapping to.
    pub suggested_code: Option<String>,
    /// The suggested code's name.
    pub suggested_name: Option<String>,
    /// 0–1 confidence of the re-code.
    pub recode_score: Option<f64>,
    /// The changed fields that matter (all changed fields for re-codes).
    pub fields: Vec<FieldChange>,
    /// What to do, in Chinese, for the work list.
    pub action: String,
}

/// The confirmed (approved and replaced) mappings in the store.
pub fn confirmed_mappings(store: &Store) -> Result<Vec<MappingRef>, StoreError> {
    let mut out = Vec::new();
    for status in [MappingStatus::Approved, MappingStatus::Replaced] {
        for m in store.mappings(None, Some(status))? {
            let Some(target) = m.target_code.filter(|t| !t.trim().is_empty()) else {
                continue;
            };
            out.push(MappingRef {
                mapping_id: Some(m.id),
                category: Some(m.category),
                hospital_code: m.hospital_code,
                hospital_name: m.hospital_name,
                target_code: target,
                status: Some(m.status.as_str().to_string()),
                source: None,
            });
        }
    }
    out.sort_by_key(|m| m.mapping_id);
    Ok(out)
}

fn matters(f: &FieldChange) -> bool {
    IMPACT_FIELDS.contains(&f.field.as_str())
}

/// Every mapping whose target is hit by the diff, in mapping order.
/// Targets are compared in canonical code form (`normalize::code`).
/// Mappings whose target the diff does not mention are not reported; see
/// [`impact_with_listing`] to also catch targets in neither version.
pub fn impact(diff: &CatalogDiff, mappings: &[MappingRef]) -> Vec<ImpactItem> {
    impact_inner(diff, mappings, None)
}

/// As [`impact`], plus `not_listed` items: mappings of the diff's category
/// whose target no change mentions and `listed_in_new` says the new version
/// does not hold (so it was in neither version). A mapping's category is
/// its own when known, else the code must fit the category's code standard.
pub fn impact_with_listing(
    diff: &CatalogDiff,
    mappings: &[MappingRef],
    category: Category,
    listed_in_new: &dyn Fn(&str) -> bool,
) -> Vec<ImpactItem> {
    impact_inner(diff, mappings, Some((category, listed_in_new)))
}

/// The diff's category and a look-up of the codes the new version lists.
type Listing<'a> = (Category, &'a dyn Fn(&str) -> bool);

/// The mapping's target in the store's canonical form, if the mapping
/// belongs to `cat`: a store mapping by its own category, a file row when its
/// code fits the category's code standard.
fn target_in(m: &MappingRef, cat: Category) -> Option<String> {
    let std = catalog_core::standards::Standards::builtin();
    match m.category {
        Some(c) if c != cat => None,
        Some(_) => Some(std.canonical(&m.target_code, cat)),
        None => std.checked_code(&m.target_code, cat).ok(),
    }
}

fn impact_inner(
    diff: &CatalogDiff,
    mappings: &[MappingRef],
    listing: Option<Listing<'_>>,
) -> Vec<ImpactItem> {
    // Index changes by the OLD code they concern.
    let mut by_code: HashMap<String, &Change> = HashMap::new();
    for c in &diff.changes {
        let key = match c.class {
            ChangeClass::Added => continue,
            ChangeClass::Recoded => c.old_code.as_deref().unwrap_or_default(),
            _ => c.code.as_str(),
        };
        by_code.insert(normalize::code(key), c);
    }
    let mut out = Vec::new();
    for m in mappings {
        let Some(c) = by_code.get(&normalize::code(&m.target_code)) else {
            if let Some((cat, listed)) = listing {
                if target_in(m, cat).is_some_and(|code| !listed(&code)) {
                    out.push(ImpactItem {
                        mapping: m.clone(),
                        reason: ImpactReason::NotListed,
                        target_name: String::new(),
                        suggested_code: None,
                        suggested_name: None,
                        recode_score: None,
                        fields: Vec::new(),
                        action: "目标编码不在新旧目录中，请核对编码或重新对码".into(),
                    });
                }
            }
            continue;
        };
        let old_name = c
            .old
            .as_ref()
            .map_or_else(|| c.name.clone(), |e| e.name.clone());
        let reason = match c.class {
            ChangeClass::Added => continue,
            ChangeClass::Removed => ImpactReason::Removed,
            ChangeClass::Deactivated => ImpactReason::Deactivated,
            ChangeClass::Recoded => ImpactReason::Recoded,
            ChangeClass::Changed => ImpactReason::Changed,
        };
        let item = |fields: Vec<FieldChange>, action: String| ImpactItem {
            mapping: m.clone(),
            reason,
            target_name: old_name.clone(),
            suggested_code: None,
            suggested_name: None,
            recode_score: None,
            fields,
            action,
        };
        let it = match c.class {
            ChangeClass::Added => continue,
            ChangeClass::Removed => item(Vec::new(), "目标编码已删除，请重新对码".into()),
            ChangeClass::Deactivated => item(
                c.fields.iter().filter(|f| matters(f)).cloned().collect(),
                "目标编码已停用，请重新对码".into(),
            ),
            ChangeClass::Recoded => {
                let mut it = item(
                    c.fields.clone(),
                    format!("目标编码已改码为 {}，请核对后改对照", c.code),
                );
                it.suggested_code = Some(c.code.clone());
                it.suggested_name = Some(c.name.clone());
                it.recode_score = c.recode.as_ref().map(|r| r.score);
                it
            }
            ChangeClass::Changed => {
                let fields: Vec<FieldChange> =
                    c.fields.iter().filter(|f| matters(f)).cloned().collect();
                if fields.is_empty() {
                    continue;
                }
                let labels: Vec<&str> = fields.iter().map(|f| f.label.as_str()).collect();
                item(
                    fields.clone(),
                    format!("目标{}已变更，请核对", labels.join("、")),
                )
            }
        };
        out.push(it);
    }
    out
}
