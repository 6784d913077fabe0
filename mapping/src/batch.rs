//! A reviewed workbook (or a bulk action) applied as one batch: every row is
//! checked first, then all accepted decisions are written in one transaction.

use crate::decide::{prepare, Request};
use crate::error::MappingError;
use catalog_core::store::{Decision, Mapping, Recorded};
use catalog_core::Store;

/// One decision of a batch, with where it came from for the report.
#[derive(Clone, Debug)]
pub struct BatchItem {
    /// Where the decision came from ("reviewed.xlsx 第3行"), for messages.
    pub at: String,
    /// The mapping as the batch found it.
    pub mapping: Mapping,
    /// The decision.
    pub request: Request,
}

/// How to treat rows that cannot be applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnError {
    /// Apply the good rows, report the others.
    #[default]
    Partial,
    /// Apply nothing if any row is refused.
    AllOrNothing,
}

/// What the batch did with each item, in input order.
#[derive(Debug)]
pub struct BatchOutcome {
    /// Per item: the mapping as written, or why it was refused.
    pub results: Vec<Result<Mapping, MappingError>>,
    /// Whether anything was written (false for an all-or-nothing batch with refusals).
    pub written: bool,
}

impl BatchOutcome {
    /// The refused items as "where: why" lines.
    pub fn errors<'a>(&'a self, items: &'a [BatchItem]) -> impl Iterator<Item = String> + 'a {
        self.results
            .iter()
            .zip(items)
            .filter_map(|(r, it)| r.as_ref().err().map(|e| format!("{}: {e}", it.at)))
    }
}

/// Check every item, then write the accepted ones in one transaction. A
/// database error rolls the whole batch back and is returned as `Err`;
/// refusals (guard rails, stale revisions) are per item.
pub fn apply_batch(
    store: &mut Store,
    items: &[BatchItem],
    on_error: OnError,
) -> Result<BatchOutcome, MappingError> {
    let prepared = items
        .iter()
        .map(|it| prepare(store, &it.mapping, &it.request))
        .collect();
    apply_prepared(store, items, prepared, on_error)
}

/// [`apply_batch`] over decisions already checked, one per item in order:
/// for a caller whose items are not all stored mappings yet (a ConceptMap's
/// new items, checked by `fhir`). The stale check and the one transaction
/// are the same.
pub(crate) fn apply_prepared(
    store: &mut Store,
    items: &[BatchItem],
    prepared: Vec<Result<Decision, MappingError>>,
    on_error: OnError,
) -> Result<BatchOutcome, MappingError> {
    let mut results: Vec<Result<Mapping, MappingError>> = Vec::with_capacity(items.len());
    let mut decisions = Vec::new();
    let mut slots = Vec::new();
    for (i, (it, p)) in items.iter().zip(prepared).enumerate() {
        match p {
            Ok(d) => {
                decisions.push(d);
                slots.push(i);
                results.push(Ok(it.mapping.clone()));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let refused = results.iter().any(|r| r.is_err());
    if refused && on_error == OnError::AllOrNothing {
        return Ok(BatchOutcome {
            results,
            written: false,
        });
    }
    if on_error == OnError::AllOrNothing {
        // Stale rows are only known inside the transaction: check them first
        // so that an all-or-nothing batch with a conflict writes nothing.
        let stale = stale_items(store, items, &slots)?;
        if !stale.is_empty() {
            for (i, current) in stale {
                results[i] = Err(conflict(&items[i], current));
            }
            return Ok(BatchOutcome {
                results,
                written: false,
            });
        }
    }
    let recorded = store.record_decisions(&decisions)?;
    for (slot, rec) in slots.into_iter().zip(recorded) {
        results[slot] = match rec {
            Recorded::Written(m) => Ok(m),
            Recorded::Conflict(current) | Recorded::Kept(current) => {
                Err(conflict(&items[slot], current))
            }
        };
    }
    Ok(BatchOutcome {
        results,
        written: true,
    })
}

fn conflict(it: &BatchItem, current: Mapping) -> MappingError {
    MappingError::Conflict {
        expected: it.request.expected_revision.unwrap_or(it.mapping.revision),
        current: Box::new(current),
    }
}

fn stale_items(
    store: &Store,
    items: &[BatchItem],
    slots: &[usize],
) -> Result<Vec<(usize, Mapping)>, MappingError> {
    let mut out = Vec::new();
    for &i in slots {
        let m = &items[i].mapping;
        if let Some(now) = store.find_mapping(m.category, &m.hospital_code, &m.hospital_name)? {
            if now.revision != m.revision {
                out.push((i, now));
            }
        }
    }
    Ok(out)
}
