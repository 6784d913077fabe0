//! From a match result to a suggested mapping, and the re-use of decisions
//! already made: an approved or replaced target goes first in a new match,
//! with a reason saying whether it is unchanged, changed or gone.

use catalog_core::store::MappingStatus;
use catalog_core::store::StoreError;
use catalog_core::store::{Decision, Mapping, Recorded};
use catalog_core::{Category, HospitalItem, Store};
use matcher::{Candidate, MatchResult, Matcher, Tier};

/// A suggested mapping: what the matcher proposes for one hospital item.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    /// The catalogue kind matched against.
    pub kind: Category,
    /// 院内编码.
    pub hospital_code: String,
    /// 院内名称.
    pub hospital_name: String,
    /// The best candidate's code and name, if any.
    pub target: Option<(String, String)>,
    /// The best candidate's score.
    pub score: Option<f64>,
    /// The result's tier.
    pub tier: Tier,
    /// The catalogue version matched against.
    pub version_label: Option<String>,
    /// The hospital item's own fields, kept for the review and the export.
    pub item: serde_json::Value,
}

impl Suggestion {
    /// The suggestion a match result makes: its best candidate.
    pub fn from_match(
        kind: Category,
        version_label: &str,
        item: &HospitalItem,
        result: &MatchResult,
    ) -> Suggestion {
        let best = result.best();
        Suggestion {
            kind,
            hospital_code: item.code.clone(),
            hospital_name: item.name.clone(),
            target: best.map(|c| (c.code.clone(), c.name.clone())),
            score: best.map(|c| c.score),
            tier: result.tier,
            version_label: Some(version_label.to_string()),
            item: serde_json::to_value(item).unwrap_or(serde_json::Value::Null),
        }
    }

    fn decision(&self) -> Decision {
        Decision {
            category: Some(self.kind),
            hospital_code: self.hospital_code.clone(),
            hospital_name: self.hospital_name.clone(),
            status: Some(MappingStatus::Suggested),
            target_code: self.target.as_ref().map(|t| t.0.clone()),
            target_name: self.target.as_ref().map(|t| t.1.clone()),
            // No candidate: clear an earlier suggestion's target.
            clear_target: self.target.is_none(),
            score: self.score,
            tier: Some(self.tier.as_str().to_string()),
            version_label: self.version_label.clone(),
            item: Some(self.item.clone()),
            keep_reviewed: true,
            ..Decision::default()
        }
    }
}

/// How many suggestions were written and how many were left alone because
/// a reviewer had already decided the item.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SuggestReport {
    /// Written as `suggested`.
    pub recorded: usize,
    /// Already reviewed: never overwritten by a suggestion.
    pub kept: usize,
}

/// Record suggestions in one transaction. A mapping a reviewer has decided
/// is never overwritten (checked inside the transaction, so a decision made
/// while a match runs survives it).
pub fn record_suggestions(
    store: &mut Store,
    suggestions: &[Suggestion],
) -> Result<SuggestReport, StoreError> {
    let ds: Vec<Decision> = suggestions.iter().map(Suggestion::decision).collect();
    let mut rep = SuggestReport::default();
    for r in store.record_decisions(&ds)? {
        match r {
            Recorded::Written(_) => rep.recorded += 1,
            Recorded::Kept(_) | Recorded::Conflict(_) => rep.kept += 1,
        }
    }
    Ok(rep)
}

/// Re-use what the store knows about a matched item: a confirmed mapping's
/// target goes first, and the reason says whether it is unchanged (tier
/// high), changed or deactivated in this version (medium, review it), or
/// gone (low, map again). Returns the stored mapping, if any, so the caller
/// can show its status.
pub fn reuse_approved(
    store: &Store,
    matcher: &Matcher,
    kind: Category,
    item: &HospitalItem,
    res: &mut MatchResult,
) -> Result<Option<Mapping>, StoreError> {
    let Some(prev) = store.find_mapping(kind, &item.code, &item.name)? else {
        return Ok(None);
    };
    apply_previous(&prev, matcher, res);
    Ok(Some(prev))
}

/// The re-use rule itself, given the stored mapping.
pub fn apply_previous(prev: &Mapping, matcher: &Matcher, res: &mut MatchResult) {
    if !prev.status.is_confirmed() {
        return;
    }
    let Some(target) = prev.target_code.clone().filter(|t| !t.is_empty()) else {
        return;
    };
    let Some(rec) = matcher.record(&target) else {
        res.tier = Tier::Low;
        res.reason = format!(
            "已审核目标 {target} 在版本 {} 中不存在，需重新对码 (approved target vanished)",
            matcher.version().label
        );
        return;
    };
    let cand = match res.candidates.iter().position(|c| c.code == target) {
        Some(p) => res.candidates.remove(p),
        None => Candidate {
            code: rec.code.clone(),
            name: rec.name.clone(),
            score: 1.0,
            tier: Tier::High,
            spec: rec.spec_text.clone(),
            pack_spec: rec.pack_spec.clone(),
            dosage_form: rec.form_text.clone(),
            manufacturer: rec.manufacturer.clone(),
            approval_no: rec.approval_no.clone(),
            unit: rec.unit.clone(),
            active: rec.active,
            evidence: vec![],
        },
    };
    // An empty stored name says nothing about the target (older HTTP
    // replaces stored one): compare only a name that is there.
    let changed = prev
        .target_name
        .as_deref()
        .is_some_and(|n| !n.is_empty() && n != rec.name)
        || !rec.active;
    res.candidates.insert(0, cand);
    if changed {
        res.tier = Tier::Medium;
        res.reason = format!(
            "已审核目标 {target} 在本版本中已变更{}，请复核 (approved target changed)",
            if rec.active { "" } else { "（停用）" }
        );
    } else {
        res.tier = Tier::High;
        res.reason = format!("沿用已审核映射 {target} (approved earlier)");
    }
}
