//! The review queue: one page of the mappings a filter selects, sorted,
//! with the filter's total, so a 30,000-item queue is never sent whole.

use crate::error::MappingError;
use catalog_core::store::{MappingFilter, MappingPage, SortKey};
use catalog_core::Store;
use serde::{Deserialize, Serialize};

/// Most rows one page may hold.
pub const MAX_PER_PAGE: u64 = 500;

/// A queue request: filter, order and page.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Query {
    /// Which mappings.
    pub filter: MappingFilter,
    /// Order.
    pub sort: SortKey,
    /// Descending.
    pub desc: bool,
    /// Page number, from 1.
    pub page: u64,
    /// Rows per page (1…[`MAX_PER_PAGE`]; 0 means 50).
    pub per_page: u64,
}

/// One page of the queue.
pub fn queue(store: &Store, q: &Query) -> Result<MappingPage, MappingError> {
    if let (Some(a), Some(b)) = (q.filter.score_min, q.filter.score_max) {
        if a > b {
            return Err(MappingError::BadFilter(format!(
                "最低分 {a} 大于最高分 {b} (score_min is above score_max)"
            )));
        }
    }
    let per = match q.per_page {
        0 => 50,
        n => n.min(MAX_PER_PAGE),
    };
    let page = q.page.max(1);
    Ok(store.query_mappings(&q.filter, q.sort, q.desc, (page - 1) * per, Some(per))?)
}
