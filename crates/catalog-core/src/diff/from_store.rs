//! Diff two stored versions, streaming both in code order.
//!
//! The rows are not collected first (as `Store::raw_entries` would): two
//! cursors walk the primary-key order side by side, so unchanged rows cost a
//! string comparison and no memory.

use super::engine::{merge, RowSource};
use super::recode::{BuiltinRecodeScorer, RecodeScorer};
use super::{CatalogDiff, DiffError, DiffOptions, Side};
use crate::store::{Store, VersionInfo};

struct Cursor<'s> {
    rows: rusqlite::Rows<'s>,
    code: String,
    data: String,
}

impl RowSource for Cursor<'_> {
    fn advance(&mut self) -> Result<bool, DiffError> {
        let Some(r) = self.rows.next()? else {
            return Ok(false);
        };
        // Reuse the buffers: a million rows, no per-row allocation.
        self.code.clear();
        self.code
            .push_str(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
        self.data.clear();
        self.data
            .push_str(r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?);
        Ok(true)
    }
    fn code(&self) -> &str {
        &self.code
    }
    fn data(&self) -> &str {
        &self.data
    }
}

fn side(v: &VersionInfo) -> Side {
    Side {
        label: Some(v.label.clone()),
        version_id: Some(v.id),
        category: Some(v.category),
        source: Some(v.source.clone()),
        rows: v.row_count,
    }
}

/// Diff two stored versions (see [`Store::resolve`] to find them by label).
pub fn diff_stored(
    store: &Store,
    old: &VersionInfo,
    new: &VersionInfo,
    opts: &DiffOptions,
) -> Result<CatalogDiff, DiffError> {
    diff_stored_with(store, old, new, opts, &BuiltinRecodeScorer)
}

pub fn diff_stored_with(
    store: &Store,
    old: &VersionInfo,
    new: &VersionInfo,
    opts: &DiffOptions,
    scorer: &dyn RecodeScorer,
) -> Result<CatalogDiff, DiffError> {
    const SQL: &str = "SELECT code, data FROM entries WHERE version_id = ?1 ORDER BY code";
    let conn = store.conn();
    let mut st_old = conn.prepare(SQL)?;
    let mut st_new = conn.prepare(SQL)?;
    let mut o = Cursor {
        rows: st_old.query([old.id])?,
        code: String::new(),
        data: String::new(),
    };
    let mut n = Cursor {
        rows: st_new.query([new.id])?,
        code: String::new(),
        data: String::new(),
    };
    let mut d = merge(&mut o, &mut n, opts, scorer)?;
    d.old = side(old);
    d.new = side(new);
    Ok(d)
}
