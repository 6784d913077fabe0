//! Undo and history. An undo restores the state before a mapping's newest
//! decision (or, for a bulk batch, before the batch's decision on each of
//! its mappings), and is itself history. It never discards a later
//! decision: a mapping changed since is refused (single) or reported (batch).

use crate::error::MappingError;
use catalog_core::store::{Mapping, MappingEvent, Undone};
use catalog_core::Store;
use serde::{Deserialize, Serialize};

/// Undo the newest decision on one mapping. `expected_revision`: the
/// revision the reviewer saw (a different one is a conflict).
pub fn undo(
    store: &mut Store,
    id: i64,
    reviewer: &str,
    expected_revision: Option<i64>,
) -> Result<Mapping, MappingError> {
    if reviewer.trim().is_empty() {
        return Err(MappingError::NoReviewer);
    }
    let out = store.undo(&[(id, expected_revision)], None, reviewer.trim())?;
    match out.into_iter().next() {
        Some(Undone::Restored(m)) => Ok(m),
        Some(Undone::Nothing(m)) => Err(MappingError::NothingToUndo {
            name: m.hospital_name,
        }),
        Some(Undone::ChangedSince(m)) => Err(MappingError::Conflict {
            expected: expected_revision.unwrap_or(m.revision),
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

/// Undo a bulk batch in one transaction.
pub fn undo_batch(
    store: &mut Store,
    batch: &str,
    reviewer: &str,
) -> Result<UndoReport, MappingError> {
    if reviewer.trim().is_empty() {
        return Err(MappingError::NoReviewer);
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
