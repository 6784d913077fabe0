//! What a store's reviewed decisions say about the matcher, as labelled
//! examples for re-fitting its per-field model (`mulu calibrate`): each
//! reviewed item is matched again, and its best candidate is labelled by what
//! the reviewer decided.
//!
//! | decision | best candidate now | label |
//! |---|---|---|
//! | approved / replaced (confirmed target T) | T | right |
//! | approved / replaced | another code | wrong |
//! | no counterpart (无对应) | any code | wrong |
//! | rejected (驳回) code R, no replacement | R (or a code rejected earlier) | wrong |
//! | rejected | another code | not known: left out |
//! | suggested / flagged | | not a decision: left out |
//!
//! A rejection only says that the code rejected was wrong; when the matcher
//! now suggests another one, nobody has judged it, so it is left out rather
//! than counted wrong. Items are matched by the matcher alone, without the
//! re-use of approved targets (which would put every approved target first
//! and make every approval "right").

use catalog_core::store::{Mapping, MappingEvent, MappingStatus, StoreError};
use catalog_core::{Category, HospitalItem, Store};
use matcher::calibrate::Example;
use matcher::Matcher;
use serde::Serialize;

/// Why a reviewed item gives no labelled example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Not a decision: still suggested, or flagged for a second look.
    Undecided,
    /// The matcher offers no candidate for the item now.
    NoCandidate,
    /// Rejected, and the matcher now suggests a code nobody rejected:
    /// whether that one is right is not known.
    RejectedOther,
}

/// The codes a reviewer rejected for this item: the target of a mapping
/// that stands rejected, and the target of every rejection in its history
/// that was not undone.
pub fn rejected_codes(m: &Mapping, events: &[MappingEvent]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |c: &Option<String>| {
        if let Some(c) = c.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            if !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
    };
    if m.status == MappingStatus::Rejected {
        add(&m.target_code);
    }
    for e in events
        .iter()
        .filter(|e| e.action == MappingStatus::Rejected.as_str() && !e.undone)
    {
        add(&e.new_target);
        add(&e.old_target);
    }
    out
}

/// Was the matcher's best candidate `best` right, by the decision on `m`?
/// `rejected` are the codes rejected for the item ([`rejected_codes`]).
pub fn label(m: &Mapping, rejected: &[String], best: Option<&str>) -> Result<bool, Skip> {
    if !is_decision(m) {
        return Err(Skip::Undecided);
    }
    let Some(best) = best else {
        return Err(Skip::NoCandidate);
    };
    match m.status {
        MappingStatus::Approved | MappingStatus::Replaced => {
            Ok(m.target_code.as_deref().map(str::trim) == Some(best))
        }
        MappingStatus::NoCounterpart => Ok(false),
        _ if rejected.iter().any(|r| r == best) => Ok(false),
        _ => Err(Skip::RejectedOther),
    }
}

/// The hospital item as it was matched: its stored fields, under the
/// mapping's own code and name.
pub fn item_of(m: &Mapping) -> HospitalItem {
    let mut it: HospitalItem = serde_json::from_value(m.item.clone()).unwrap_or_default();
    it.code = m.hospital_code.clone();
    it.name = m.hospital_name.clone();
    it
}

/// One reviewed decision turned into a labelled example.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled {
    /// The mapping's store id.
    pub mapping_id: i64,
    /// Its kind.
    pub kind: Category,
    /// The per-field model's features of the best candidate.
    pub example: Example,
    /// The best candidate's displayed score (for the one-scalar calibration).
    pub score: f64,
    /// Was the best candidate right?
    pub right: bool,
}

/// How the reviewed decisions of one kind were used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Labelled right.
    pub right: usize,
    /// Labelled wrong.
    pub wrong: usize,
    /// Left out: no candidate now.
    pub no_candidate: usize,
    /// Left out: rejected, and another code is suggested now.
    pub rejected_other: usize,
}

impl Tally {
    /// Count one outcome.
    pub fn add(&mut self, outcome: Result<bool, Skip>) {
        match outcome {
            Ok(true) => self.right += 1,
            Ok(false) => self.wrong += 1,
            Err(Skip::NoCandidate) => self.no_candidate += 1,
            Err(Skip::RejectedOther) => self.rejected_other += 1,
            Err(Skip::Undecided) => {}
        }
    }
}

/// Is this mapping a decision [`label`] can use (approved, replaced,
/// rejected or no counterpart)?
pub fn is_decision(m: &Mapping) -> bool {
    matches!(
        m.status,
        MappingStatus::Approved
            | MappingStatus::Replaced
            | MappingStatus::Rejected
            | MappingStatus::NoCounterpart
    )
}

/// Match the reviewed `mappings` (all of `matcher`'s kind) again and label
/// each best candidate. `progress(n)` is called as items finish.
pub fn label_decisions(
    store: &Store,
    matcher: &Matcher,
    mappings: &[&Mapping],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<Labelled>, Tally), StoreError> {
    let ms: Vec<&Mapping> = mappings
        .iter()
        .copied()
        .filter(|m| is_decision(m))
        .collect();
    let items: Vec<HospitalItem> = ms.iter().map(|m| item_of(m)).collect();
    let results = matcher.match_batch(&items, 3, progress);
    let mut out = Vec::new();
    let mut tally = Tally::default();
    for (m, r) in ms.iter().zip(&results) {
        let rejected = if m.status == MappingStatus::Rejected {
            rejected_codes(m, &store.mapping_events(m.id)?)
        } else {
            Vec::new()
        };
        let outcome = label(m, &rejected, r.best().map(|c| c.code.as_str()));
        tally.add(outcome);
        let (Ok(right), Some(example), Some(best)) = (outcome, matcher.example(r), r.best()) else {
            continue;
        };
        out.push(Labelled {
            mapping_id: m.id,
            kind: m.category,
            example,
            score: best.score,
            right,
        });
    }
    Ok((out, tally))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(status: MappingStatus, target: Option<&str>) -> Mapping {
        Mapping {
            id: 1,
            category: Category::Drug,
            hospital_code: "Y001".into(),
            hospital_name: "阿莫西林胶囊".into(),
            target_code: target.map(String::from),
            target_name: None,
            status,
            score: Some(0.9),
            tier: Some("medium".into()),
            version_label: Some("v1".into()),
            reviewer: Some("张三".into()),
            decided_at: None,
            note: None,
            item: serde_json::json!({"spec": "0.25g*24粒", "row": 7}),
            begin_date: None,
            end_date: None,
            revision: 2,
        }
    }

    fn event(action: &str, old: Option<&str>, new: Option<&str>, undone: bool) -> MappingEvent {
        MappingEvent {
            id: 1,
            at: String::new(),
            who: Some("张三".into()),
            action: action.into(),
            old_target: old.map(String::from),
            new_target: new.map(String::from),
            note: None,
            batch: None,
            revision: None,
            undone,
            prior: None,
        }
    }

    #[test]
    fn a_confirmed_target_is_right_only_when_the_matcher_puts_it_first() {
        for s in [MappingStatus::Approved, MappingStatus::Replaced] {
            let m = mapping(s, Some("A1"));
            assert_eq!(label(&m, &[], Some("A1")), Ok(true), "{s}");
            assert_eq!(label(&m, &[], Some("B2")), Ok(false), "{s}");
            assert_eq!(label(&m, &[], None), Err(Skip::NoCandidate), "{s}");
        }
    }

    #[test]
    fn no_counterpart_makes_any_best_candidate_wrong() {
        let m = mapping(MappingStatus::NoCounterpart, None);
        assert_eq!(label(&m, &[], Some("A1")), Ok(false));
        assert_eq!(label(&m, &[], None), Err(Skip::NoCandidate));
    }

    #[test]
    fn a_rejection_says_only_that_the_rejected_code_is_wrong() {
        let m = mapping(MappingStatus::Rejected, Some("A1"));
        let rejected = rejected_codes(&m, &[]);
        assert_eq!(rejected, vec!["A1".to_string()]);
        assert_eq!(label(&m, &rejected, Some("A1")), Ok(false));
        // Another code suggested now: nobody judged it.
        assert_eq!(label(&m, &rejected, Some("B2")), Err(Skip::RejectedOther));
        // A code rejected earlier in the history still counts, an undone
        // rejection does not.
        let events = [
            event("suggested", None, Some("C3"), false),
            event("rejected", Some("C3"), Some("C3"), false),
            event("rejected", Some("D4"), Some("D4"), true),
        ];
        let rejected = rejected_codes(&m, &events);
        assert_eq!(rejected, vec!["A1".to_string(), "C3".to_string()]);
        assert_eq!(label(&m, &rejected, Some("C3")), Ok(false));
        assert_eq!(label(&m, &rejected, Some("D4")), Err(Skip::RejectedOther));
    }

    #[test]
    fn undecided_items_are_not_examples() {
        for s in [MappingStatus::Suggested, MappingStatus::Flagged] {
            let m = mapping(s, Some("A1"));
            assert!(!is_decision(&m));
            assert_eq!(label(&m, &[], Some("A1")), Err(Skip::Undecided));
        }
        assert!(is_decision(&mapping(MappingStatus::Rejected, None)));
        let mut t = Tally::default();
        for o in [
            Ok(true),
            Ok(false),
            Ok(true),
            Err(Skip::NoCandidate),
            Err(Skip::RejectedOther),
            Err(Skip::Undecided),
        ] {
            t.add(o);
        }
        assert_eq!(
            t,
            Tally {
                right: 2,
                wrong: 1,
                no_candidate: 1,
                rejected_other: 1
            }
        );
    }

    #[test]
    fn the_item_is_rebuilt_under_the_mappings_code_and_name() {
        let it = item_of(&mapping(MappingStatus::Approved, Some("A1")));
        assert_eq!(it.code, "Y001");
        assert_eq!(it.name, "阿莫西林胶囊");
        assert_eq!(it.spec.as_deref(), Some("0.25g*24粒"));
        assert_eq!(it.row, 7);
        // Nothing stored (a decision from a workbook or another tool).
        let mut m = mapping(MappingStatus::Approved, Some("A1"));
        m.item = serde_json::Value::Null;
        assert_eq!(item_of(&m).name, "阿莫西林胶囊");
    }
}
