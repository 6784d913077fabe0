//! Undo and history. An undo restores the state before a mapping's newest
//! decision (or, for a bulk batch, before the batch's decision on each of
//! its mappings), and is itself history. It never discards a later
//! decision: a mapping changed since is refused (single) or reported (batch).
//! A reviewer undoes only their own decisions; an admin may undo anyone's
//! (the undo event records who undid it, and whose decision it was).

use crate::error::MappingError;
use catalog_core::store::{Mapping, MappingEvent, Undone};
use catalog_core::Store;
use serde::{Deserialize, Serialize};

/// Whose decisions a caller may undo (the face passes the caller's role).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UndoRight {
    /// Only their own (a reviewer).
    Own,
    /// Anyone's (an admin).
    Anyone,
}

/// The reviewer of the decision an undo would restore from: the newest
/// event not undone that kept a prior state (the one the store undoes).
fn undoable_by(events: &[MappingEvent]) -> Option<Option<&str>> {
    events
        .iter()
        .rev()
        .find(|e| !e.undone && e.prior.is_some() && e.action != "undo")
        .map(|e| e.who.as_deref().map(str::trim))
}

fn check_right(
    right: UndoRight,
    reviewer: &str,
    decided_by: Option<&str>,
    name: &str,
) -> Result<(), MappingError> {
    // A suggestion (no reviewer: the matcher's) is no one's decision.
    if right == UndoRight::Anyone || decided_by.is_none_or(|d| d == reviewer) {
        return Ok(());
    }
    Err(MappingError::NotYours {
        name: name.to_string(),
        decided_by: decided_by.unwrap_or_default().to_string(),
    })
}

/// Undo the newest decision on one mapping. `expected_revision`: the
/// revision the reviewer saw (a different one is a conflict). With
/// [`UndoRight::Own`] a decision by someone else is refused
/// ([`MappingError::NotYours`]) and nothing is written.
pub fn undo(
    store: &mut Store,
    id: i64,
    reviewer: &str,
    right: UndoRight,
    expected_revision: Option<i64>,
) -> Result<Mapping, MappingError> {
    let reviewer = reviewer.trim();
    if reviewer.is_empty() {
        return Err(MappingError::NoReviewer);
    }
    let m = store
        .mapping(id)?
        .ok_or_else(|| MappingError::NotFound(format!("没有映射 {id} (no mapping {id})")))?;
    if let Some(e) = expected_revision.filter(|&e| e != m.revision) {
        return Err(MappingError::Conflict {
            expected: e,
            current: Box::new(m),
        });
    }
    let events = store.mapping_events(id)?;
    if let Some(by) = undoable_by(&events) {
        check_right(right, reviewer, by, &m.hospital_name)?;
    }
    // The revision checked above: a decision made since is a conflict, so
    // the right checked is the right to undo what is actually undone.
    let seen = m.revision;
    let out = store.undo(&[(id, Some(seen))], None, reviewer)?;
    match out.into_iter().next() {
        Some(Undone::Restored(m)) => Ok(m),
        Some(Undone::Nothing(m)) => Err(MappingError::NothingToUndo {
            name: m.hospital_name,
        }),
        Some(Undone::ChangedSince(m)) => Err(MappingError::Conflict {
            expected: seen,
            current: Box::new(m),
        }),
        None => Err(MappingError::NotFound(format!(
            "没有映射 {id} (no mapping {id})"
        ))),
    }
}

/// What undoing a bulk batch did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct UndoReport {
    /// The batch.
    pub batch: String,
    /// Mappings restored to their state before the batch.
    pub restored: u64,
    /// Mappings decided again since the batch: left as they are.
    pub changed_since: Vec<Mapping>,
}

/// Undo a bulk batch in one transaction. With [`UndoRight::Own`] a batch
/// made by someone else is refused as a whole and nothing is written.
pub fn undo_batch(
    store: &mut Store,
    batch: &str,
    reviewer: &str,
    right: UndoRight,
) -> Result<UndoReport, MappingError> {
    if reviewer.trim().is_empty() {
        return Err(MappingError::NoReviewer);
    }
    if right == UndoRight::Own {
        if let Some(other) = store
            .batch_reviewers(batch)?
            .into_iter()
            .find(|w| w.trim() != reviewer.trim())
        {
            return Err(MappingError::NotYours {
                name: format!("批量批次 {batch}"),
                decided_by: other,
            });
        }
    }
    let ids: Vec<(i64, Option<i64>)> = store
        .batch_mappings(batch)?
        .into_iter()
        .map(|id| (id, None))
        .collect();
    if ids.is_empty() {
        return Err(MappingError::NotFound(format!(
            "批次 '{batch}' 没有可撤销的决定 (nothing to undo in batch '{batch}')"
        )));
    }
    let mut report = UndoReport {
        batch: batch.to_string(),
        restored: 0,
        changed_since: Vec::new(),
    };
    for u in store.undo(&ids, Some(batch), reviewer.trim())? {
        match u {
            Undone::Restored(_) => report.restored += 1,
            Undone::ChangedSince(m) | Undone::Nothing(m) => report.changed_since.push(m),
        }
    }
    Ok(report)
}

/// A mapping's full history (who, when, what), oldest first.
pub fn history(store: &Store, id: i64) -> Result<Vec<MappingEvent>, MappingError> {
    if store.mapping(id)?.is_none() {
        return Err(MappingError::NotFound(format!(
            "没有映射 {id} (no mapping {id})"
        )));
    }
    Ok(store.mapping_events(id)?)
}
