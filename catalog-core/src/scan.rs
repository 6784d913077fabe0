//! Streaming a stored version's raw rows in code order.
//!
//! The version diff (crate `catalog-diff`) walks two versions side by side
//! without collecting them; it needs the rows as stored — (code, canonical
//! JSON) — in primary-key order, and nothing of SQLite. These two entry
//! points are that boundary: the SQL stays in the store's crate.

use crate::store::{Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::ops::ControlFlow;
use std::path::Path;

const SQL: &str = "SELECT code, data FROM entries WHERE version_id = ?1 ORDER BY code";

/// A cursor over one version's raw rows, in code order (see
/// [`Store::with_raw_cursors`]).
pub struct RawCursor<'s> {
    rows: rusqlite::Rows<'s>,
    code: String,
    data: Vec<u8>,
}

impl RawCursor<'_> {
    /// Move to the next row; `false` at the end.
    pub fn advance(&mut self) -> Result<bool, StoreError> {
        let Some(r) = self.rows.next()? else {
            return Ok(false);
        };
        // Reuse the buffers: a million rows, no per-row allocation.
        self.code.clear();
        self.code
            .push_str(r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
        self.data.clear();
        self.data
            .extend_from_slice(r.get_ref(1)?.as_bytes().map_err(rusqlite::Error::from)?);
        Ok(true)
    }
    /// The current row's national code (canonical form).
    pub fn code(&self) -> &str {
        &self.code
    }
    /// The current row's canonical JSON, as bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

impl Store {
    /// Hand `f` two cursors over versions `a` and `b` of this store's own
    /// connection. This is the only way to walk two versions at once in an
    /// in-memory store, which cannot be opened a second time.
    pub fn with_raw_cursors<R>(
        &self,
        a: i64,
        b: i64,
        f: impl FnOnce(&mut RawCursor<'_>, &mut RawCursor<'_>) -> R,
    ) -> Result<R, StoreError> {
        let conn = self.conn();
        let mut st_a = conn.prepare(SQL)?;
        let mut st_b = conn.prepare(SQL)?;
        let mut ca = RawCursor {
            rows: st_a.query([a])?,
            code: String::new(),
            data: Vec::new(),
        };
        let mut cb = RawCursor {
            rows: st_b.query([b])?,
            code: String::new(),
            data: Vec::new(),
        };
        Ok(f(&mut ca, &mut cb))
    }

    /// Call `f(code, canonical JSON)` for each row of a version, in code
    /// order, on a fresh read-only connection to the store file `file`, until
    /// `f` breaks. Each call opens its own connection so that two threads can
    /// read two versions at once (SQLite stepping is most of a diff's cost).
    pub fn scan_raw_file(
        file: &Path,
        version_id: i64,
        mut f: impl FnMut(&str, &[u8]) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let conn = Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut st = conn.prepare(SQL)?;
        let mut rows = st.query([version_id])?;
        while let Some(r) = rows.next()? {
            let code = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let data = r.get_ref(1)?.as_bytes().map_err(rusqlite::Error::from)?;
            if f(code, data).is_break() {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, Detail, Entry, VersionMeta};

    fn import(store: &mut Store, label: &str, codes: &[&str]) -> i64 {
        let meta = VersionMeta {
            category: Category::Service,
            label: label.into(),
            source: "test".into(),
            published: None,
            note: None,
        };
        let rows = codes
            .iter()
            .map(|c| Ok::<_, String>(Entry::new(*c, "项目", Detail::empty(Category::Service))));
        store.import_version(&meta, false, rows).unwrap().id
    }

    fn walk(c: &mut RawCursor<'_>) -> Vec<String> {
        let mut v = Vec::new();
        while c.advance().unwrap() {
            assert!(c.data().starts_with(b"{"), "{:?}", c.data());
            v.push(c.code().to_string());
        }
        v
    }

    #[test]
    fn cursors_walk_each_version_in_code_order() {
        let mut s = Store::open_in_memory().unwrap();
        let a = import(&mut s, "a", &["003", "001", "002"]);
        let b = import(&mut s, "b", &["010"]);
        let (ra, rb) = s.with_raw_cursors(a, b, |x, y| (walk(x), walk(y))).unwrap();
        assert_eq!(ra, ["001", "002", "003"]);
        assert_eq!(rb, ["010"]);
    }

    #[test]
    fn file_scan_is_in_code_order_and_stops_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut s = Store::open(&path).unwrap();
        let v = import(&mut s, "a", &["3", "1", "2", "4"]);
        let mut seen = Vec::new();
        Store::scan_raw_file(&path, v, |code, json| {
            assert!(json.starts_with(b"{"));
            seen.push(code.to_string());
            if seen.len() == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(seen, ["1", "2", "3"]);
    }
}
