//! One decision applied to every mapping a filter selects, in one
//! transaction, each row through the same guard rails as a single decision.
//! Rows that cannot change are reported with the reason, never silently
//! skipped; the batch can be undone as a whole.

use crate::decide::{prepare, Action, Request};
use crate::error::MappingError;
use catalog_core::store::{Decision, Mapping, MappingFilter, Recorded, SortKey};
use catalog_core::Store;
use serde::{Deserialize, Serialize};

/// A bulk decision.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BulkRequest {
    /// Which mappings (the reviewer's current view).
    pub filter: MappingFilter,
    /// What to do with each.
    pub action: Action,
    /// Who decides.
    pub reviewer: String,
    /// A note for each mapping's history.
    pub note: Option<String>,
    /// Approve low/none-tier suggestions too.
    pub confirm: bool,
    /// The count the reviewer confirmed; a different count now means the
    /// view is stale and nothing is written.
    pub expected_total: Option<u64>,
}

/// A row that was not changed, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Skipped {
    /// Mapping id.
    pub id: i64,
    /// 院内编码.
    pub hospital_code: String,
    /// 院内名称.
    pub hospital_name: String,
    /// Stable reason name (`needs_confirmation`, `conflict`, `bad_request`…).
    pub code: String,
    /// The reason, Chinese first.
    pub reason: String,
}

/// What a bulk decision did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct BulkReport {
    /// The batch id (undo it with [`crate::undo_batch`]).
    pub batch: String,
    /// Rows the filter selected.
    pub matched: u64,
    /// Rows changed.
    pub changed: u64,
    /// Rows already in the requested state (nothing to write).
    pub unchanged: u64,
    /// Rows refused, with the reason.
    pub skipped: Vec<Skipped>,
}

fn skipped(m: &catalog_core::store::Mapping, e: &MappingError) -> Skipped {
    Skipped {
        id: m.id,
        hospital_code: m.hospital_code.clone(),
        hospital_name: m.hospital_name.clone(),
        code: e.code().to_string(),
        reason: e.to_string(),
    }
}

/// The decisions a bulk request would write, and the report so far.
fn plan(
    store: &Store,
    req: &BulkRequest,
) -> Result<(BulkReport, Vec<Decision>, Vec<Mapping>), MappingError> {
    if req.reviewer.trim().is_empty() {
        return Err(MappingError::NoReviewer);
    }
    let all = store.query_mappings(&req.filter, SortKey::Id, false, 0, None)?;
    if let Some(expected) = req.expected_total {
        if expected != all.total {
            return Err(MappingError::CountChanged {
                expected,
                found: all.total,
            });
        }
    }
    let batch = format!("bulk-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"));
    let mut report = BulkReport {
        batch: batch.clone(),
        matched: all.total,
        changed: 0,
        unchanged: 0,
        skipped: Vec::new(),
    };
    // A replacement code is checked once, not once per row.
    if let Action::Replace(code) = &req.action {
        let kinds: std::collections::BTreeSet<_> =
            all.mappings.iter().map(|m| m.category).collect();
        for k in kinds {
            crate::resolve_target(store, code, k)?;
        }
    }
    let single = Request {
        action: req.action.clone(),
        reviewer: req.reviewer.clone(),
        note: req.note.clone(),
        expected_revision: None,
        confirm: req.confirm,
    };
    let mut decisions = Vec::with_capacity(all.mappings.len());
    let mut rows = Vec::with_capacity(all.mappings.len());
    for m in all.mappings {
        let target = single.action.status();
        let same_target = match &single.action {
            Action::Replace(_) => false,
            Action::NoCounterpart => m.target_code.is_none(),
            _ => true,
        };
        if m.status == target && same_target {
            report.unchanged += 1;
            continue;
        }
        match prepare(store, &m, &single) {
            Ok(mut d) => {
                d.batch = Some(batch.clone());
                decisions.push(d);
                rows.push(m);
            }
            Err(e) => report.skipped.push(skipped(&m, &e)),
        }
    }
    Ok((report, decisions, rows))
}

/// What [`bulk_decide`] would do, writing nothing: `changed` counts the rows
/// that would change (a reviewer deciding in between can still make some
/// of them conflicts when the real run writes).
pub fn bulk_dry_run(store: &Store, req: &BulkRequest) -> Result<BulkReport, MappingError> {
    let (mut report, decisions, _) = plan(store, req)?;
    report.changed = decisions.len() as u64;
    Ok(report)
}

/// Apply one decision to every mapping of the filter, in one transaction.
pub fn bulk_decide(store: &mut Store, req: &BulkRequest) -> Result<BulkReport, MappingError> {
    let (mut report, decisions, rows) = plan(store, req)?;
    for (r, m) in store.record_decisions(&decisions)?.into_iter().zip(&rows) {
        match r {
            Recorded::Written(_) => report.changed += 1,
            Recorded::Conflict(current) | Recorded::Kept(current) => {
                let e = MappingError::Conflict {
                    expected: m.revision,
                    current: Box::new(current),
                };
                report.skipped.push(skipped(m, &e));
            }
        }
    }
    Ok(report)
}
