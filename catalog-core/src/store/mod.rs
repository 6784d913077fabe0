//! The embedded store: one SQLite file under the mulu home directory.
//!
//! Invariant: a catalogue version is written in one transaction, so readers
//! see either the whole version or none of it, and a failed import leaves the
//! store exactly as it was.

mod mappings;
mod queue;
mod schema;
mod uploads;

pub use mappings::{Decision, Mapping, MappingEvent, MappingStatus, Prior, Recorded};
pub use queue::{MappingFilter, MappingPage, SortKey, StatRow, Undone};
pub use uploads::{UploadBatch, UploadRow};

use crate::category::Category;
use crate::entry::Entry;
use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What can go wrong in the store. Messages name no command-line flag:
/// the CLI adds its own advice (`cli/src/hints.rs`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed (disk full, locked, damaged).
    #[error("store database error: {0}")]
    Sqlite(rusqlite::Error),
    /// Another connection held the write lock for the whole busy timeout.
    #[error("另一个导入正在写入此存储，请稍后重试 / another writer holds the store; retry")]
    Busy,
    /// The store was opened read-only (its home is not writable).
    #[error("此存储为只读，未写入任何内容 / the store {path} is read-only (its home is not writable): nothing was written")]
    ReadOnly {
        /// The store file.
        path: PathBuf,
    },
    /// The store was written by a newer mulu: writing it could damage it.
    #[error("此存储的结构版本 {found} 比本程序认识的 {known} 新，请升级 mulu / the store {path} has schema {found}, newer than this mulu knows ({known}); upgrade mulu to use it")]
    TooNew {
        /// The store file.
        path: PathBuf,
        /// The schema version the store holds.
        found: i64,
        /// The newest schema version this binary knows.
        known: i64,
    },
    /// The home directory could not be created.
    #[error("cannot create the mulu home {path}: {source}")]
    Home {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A version of that category already has the label (and replacing was not asked).
    #[error(
        "{category} 版本 '{label}' 已存在 (a {category} version labelled '{label}' already exists)"
    )]
    LabelExists {
        /// The version's category.
        category: Category,
        /// The label taken.
        label: String,
    },
    /// No version with that label or id (also a missing mapping id).
    #[error("目录库中没有版本 '{0}' (no catalogue version '{0}' in the store)")]
    NoSuchVersion(
        /// The label or id asked for.
        String,
    ),
    /// The label exists in several categories; the caller must name one.
    #[error("版本标签 '{label}' 属于多个目录类别（{kinds}），需指明类别 (version label '{label}' exists for several kinds ({kinds}))")]
    Ambiguous {
        /// The label.
        label: String,
        /// The categories holding it, comma-separated.
        kinds: String,
    },
    /// A version holds a code twice.
    #[error("row {row}: code '{code}' appears twice in the version")]
    DuplicateCode {
        /// 1-based position of the second occurrence among the rows given.
        row: u64,
        /// The code.
        code: String,
    },
    /// A row of another category was given for the version.
    #[error("row {row} is {found} but the version is {expected}")]
    WrongCategory {
        /// 1-based position among the rows given.
        row: u64,
        /// The version's category.
        expected: Category,
        /// The row's category.
        found: Category,
    },
    /// A stored row is not valid JSON for an `Entry`.
    #[error("corrupt row {code} in version {version}: {source}")]
    Corrupt {
        /// The version's id.
        version: i64,
        /// The row's code.
        code: String,
        /// What serde said.
        source: serde_json::Error,
    },
    /// The rows' iterator gave an error: nothing was written.
    #[error("import aborted, nothing was written: {0}")]
    Aborted(
        /// The iterator's error, as text.
        String,
    ),
    /// A decision made on a stale view: the mapping moved on since.
    #[error("映射 {} 已被修改（预期修订号 {expected}，当前 {}），未写入 (the mapping changed since it was read)", current.id, current.revision)]
    Conflict {
        /// The revision the decision was made on.
        expected: i64,
        /// The mapping as it is now.
        current: Box<Mapping>,
    },
}

/// The store's result type.
pub type Result<T> = std::result::Result<T, StoreError>;

impl From<rusqlite::Error> for StoreError {
    /// SQLITE_BUSY only reaches us after the busy timeout ran out: a writer
    /// elsewhere holds the store, which callers report as "retry later".
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Busy
            }
            _ => StoreError::Sqlite(e),
        }
    }
}

impl StoreError {
    /// True when the error says "try again later" (another writer), not "this is wrong".
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy)
    }
}

/// What the importer knows about a version before its rows are written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VersionMeta {
    /// The version's catalogue.
    pub category: Category,
    /// The label versions are looked up by (`2026-01`).
    pub label: String,
    /// Where the rows came from: a file path or URL.
    pub source: String,
    /// When the bureau published it, if known.
    pub published: Option<NaiveDate>,
    /// A free note.
    pub note: Option<String>,
}

/// A stored catalogue version.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct VersionInfo {
    /// Store id.
    pub id: i64,
    /// The version's catalogue.
    pub category: Category,
    /// Its label, unique within the category.
    pub label: String,
    /// Where the rows came from.
    pub source: String,
    /// When the bureau published it, if known.
    pub published: Option<NaiveDate>,
    /// When it was imported (UTC, RFC 3339).
    pub imported_at: String,
    /// Rows stored.
    pub row_count: u64,
    /// Order-independent SHA-256 over the rows' canonical JSON.
    pub checksum: String,
    /// A free note.
    pub note: Option<String>,
}

/// Page cache of a store connection, in KiB (SQLite's negative cache_size).
const CACHE_KIB: i64 = -262_144;
/// Page cache while a version is imported: 512 MB holds a million-row
/// catalogue's pages until commit instead of spilling them into the WAL.
const IMPORT_CACHE_KIB: i64 = -524_288;

/// How long a writer waits for another writer before giving up with `Busy`.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Page cache of a read-only connection: readers are many and short-lived.
const READ_CACHE_KIB: i64 = -32_768;

/// The versioned catalogue store: one SQLite connection.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
}

/// The default home: `$MULU_HOME`, else the platform data dir (`~/.local/share/mulu`).
pub fn default_home() -> PathBuf {
    if let Some(h) = std::env::var_os("MULU_HOME") {
        return PathBuf::from(h);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("mulu")
}

impl Store {
    /// Open (creating if needed) the store under a home directory.
    pub fn open_home(home: &Path) -> Result<Store> {
        std::fs::create_dir_all(home).map_err(|source| StoreError::Home {
            path: home.to_path_buf(),
            source,
        })?;
        Store::open(&home.join("mulu.db"))
    }

    /// Open for writing, creating and migrating the database as needed. A
    /// store that exists but cannot be written (a read-only home) is opened
    /// read-only instead: it can be listed, and writes fail with `ReadOnly`.
    pub fn open(path: &Path) -> Result<Store> {
        match Store::open_writer(path) {
            Err(StoreError::Sqlite(e)) if path.exists() && not_writable(&e) => {
                Store::open_read_only(path).map_err(|_| StoreError::Sqlite(e))
            }
            other => other,
        }
    }

    fn open_writer(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        // Rows are ~1 KB of JSON in a clustered (WITHOUT ROWID) table: 64 KB
        // pages halve the B-tree work of random-order imports and keep the
        // code-ordered scans the diff relies on sequential. Only takes effect
        // on a new, empty database, so it must come before WAL mode.
        conn.pragma_update(None, "page_size", 65_536)?;
        // WAL lets a running server keep reading while an import writes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A version is written in one transaction: with the default 2 MB page
        // cache SQLite spills dirty pages into the WAL and reads them back,
        // which made large imports I/O-bound. The cache grows only as used.
        conn.pragma_update(None, "cache_size", CACHE_KIB)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        schema::migrate(&mut conn, path)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only: false,
        })
    }

    /// A read-only connection to an existing store: what a server's readers
    /// use so that they never wait for a writer (WAL gives them a snapshot).
    /// When even the WAL's shared-memory file cannot be created (a read-only
    /// directory), the file is opened `immutable`: nobody can be writing it.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        use rusqlite::OpenFlags as F;
        let flags = F::SQLITE_OPEN_READ_ONLY | F::SQLITE_OPEN_NO_MUTEX | F::SQLITE_OPEN_URI;
        let plain = Connection::open_with_flags(path, flags)
            .map_err(StoreError::from)
            .and_then(|c| Store::reader(c, path));
        match plain {
            Ok(s) => Ok(s),
            Err(StoreError::Sqlite(e)) if not_writable(&e) => {
                let uri = format!("file:{}?immutable=1", uri_path(path));
                Store::reader(Connection::open_with_flags(uri, flags)?, path)
            }
            Err(e) => Err(e),
        }
    }

    fn reader(conn: Connection, path: &Path) -> Result<Store> {
        conn.pragma_update(None, "query_only", true)?;
        conn.pragma_update(None, "cache_size", READ_CACHE_KIB)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Touches the schema, so a file that is not a store fails here, not later.
        let found = schema::current(&conn)?;
        let known = schema::latest_version();
        if found > known {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                known,
            });
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            read_only: true,
        })
    }

    /// A store in memory, for tests and throw-away work (the diff of a file
    /// against a stored version).
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn, Path::new(":memory:"))?;
        Ok(Store {
            conn,
            path: PathBuf::from(":memory:"),
            read_only: false,
        })
    }

    /// The store file (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when this store was opened read-only (writes fail with `ReadOnly`).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// How long a write waits for another writer before failing with `Busy`.
    pub fn set_busy_timeout(&self, wait: std::time::Duration) -> Result<()> {
        Ok(self.conn.busy_timeout(wait)?)
    }

    /// Begin a write transaction. IMMEDIATE takes the write lock up front, so
    /// a second writer waits in the busy handler (up to the busy timeout)
    /// instead of failing at once when its read would have to be upgraded.
    pub(crate) fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }

    /// The newest migration applied.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })?)
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Write a whole version in one transaction. Any `Err` from `rows`, a
    /// duplicate code or a row of the wrong category rolls everything back.
    /// With `replace`, an existing version of the same label is swapped out
    /// inside the same transaction (so it survives a failed re-import).
    pub fn import_version<I, E, R>(
        &mut self,
        meta: &VersionMeta,
        replace: bool,
        rows: I,
    ) -> Result<VersionInfo>
    where
        I: IntoIterator<Item = std::result::Result<R, E>>,
        R: Into<PreparedEntry>,
        E: std::fmt::Display,
    {
        // A larger cache for the one big transaction only (measured: a 980k-row
        // catalogue spilled into the WAL at 256 MB and imported 20% slower);
        // a long-running server goes back to the usual size and frees the rest.
        if self.read_only {
            return Err(StoreError::ReadOnly {
                path: self.path.clone(),
            });
        }
        self.conn
            .pragma_update(None, "cache_size", IMPORT_CACHE_KIB)?;
        let result = self.import_version_tx(meta, replace, rows);
        let restored = self
            .conn
            .pragma_update(None, "cache_size", CACHE_KIB)
            .and_then(|_| self.conn.execute_batch("PRAGMA shrink_memory"));
        let info = result?;
        restored?;
        Ok(info)
    }

    fn import_version_tx<I, E, R>(
        &mut self,
        meta: &VersionMeta,
        replace: bool,
        rows: I,
    ) -> Result<VersionInfo>
    where
        I: IntoIterator<Item = std::result::Result<R, E>>,
        R: Into<PreparedEntry>,
        E: std::fmt::Display,
    {
        let tx = self.write_tx()?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM versions WHERE category = ?1 AND label = ?2",
                params![meta.category.as_str(), meta.label],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = existing {
            if !replace {
                return Err(StoreError::LabelExists {
                    category: meta.category,
                    label: meta.label.clone(),
                });
            }
            tx.execute("DELETE FROM versions WHERE id = ?1", [id])?;
        }
        let imported_at = Utc::now().to_rfc3339();
        tx.execute(
            "INSERT INTO versions (category, label, source, published, imported_at, row_count, checksum, note)
             VALUES (?1, ?2, ?3, ?4, ?5, 0, '', ?6)",
            params![
                meta.category.as_str(),
                meta.label,
                meta.source,
                meta.published.map(|d| d.to_string()),
                imported_at,
                meta.note
            ],
        )?;
        let id = tx.last_insert_rowid();
        let mut sum = [0u8; 32];
        let mut n: u64 = 0;
        {
            let mut ins = tx.prepare("INSERT INTO entries (version_id, code, name, active, data) VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for row in rows {
                let entry: PreparedEntry =
                    row.map_err(|e| StoreError::Aborted(e.to_string()))?.into();
                n += 1;
                if entry.category != meta.category {
                    return Err(StoreError::WrongCategory {
                        row: n,
                        expected: meta.category,
                        found: entry.category,
                    });
                }
                for (s, d) in sum.iter_mut().zip(entry.digest.iter()) {
                    *s ^= d;
                }
                match ins.execute(params![
                    id,
                    entry.code,
                    entry.name,
                    entry.active,
                    entry.json
                ]) {
                    Ok(_) => {}
                    // Only the key: other constraint failures keep SQLite's own message.
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                    {
                        return Err(StoreError::DuplicateCode {
                            row: n,
                            code: entry.code,
                        });
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let checksum = hex::encode(sum);
        tx.execute(
            "UPDATE versions SET row_count = ?1, checksum = ?2 WHERE id = ?3",
            params![n as i64, checksum, id],
        )?;
        tx.commit()?;
        self.version_by_id(id)
    }

    /// Every version, by category then age.
    pub fn versions(&self) -> Result<Vec<VersionInfo>> {
        let mut st = self.conn.prepare(
            "SELECT id, category, label, source, published, imported_at, row_count, checksum, note
             FROM versions ORDER BY category, id",
        )?;
        let rows = st.query_map([], version_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A version by store id.
    pub fn version_by_id(&self, id: i64) -> Result<VersionInfo> {
        self.conn
            .query_row(
                "SELECT id, category, label, source, published, imported_at, row_count, checksum, note
                 FROM versions WHERE id = ?1",
                [id],
                version_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NoSuchVersion(id.to_string()))
    }

    /// Find a version by label (optionally within a category). Without a
    /// label, the newest version of the category.
    pub fn resolve(&self, label: Option<&str>, category: Option<Category>) -> Result<VersionInfo> {
        let all = self.versions()?;
        let mut hits: Vec<&VersionInfo> = all
            .iter()
            .filter(|v| category.is_none_or(|c| v.category == c))
            .filter(|v| label.is_none_or(|l| v.label == l || v.id.to_string() == l))
            .collect();
        if label.is_none() {
            hits.sort_by_key(|v| v.id);
            return hits.last().map(|v| (*v).clone()).ok_or_else(|| {
                StoreError::NoSuchVersion(
                    category.map_or("(any)".into(), |c| format!("(latest {c})")),
                )
            });
        }
        match hits.len() {
            0 => Err(StoreError::NoSuchVersion(
                label.unwrap_or_default().to_string(),
            )),
            1 => Ok(hits[0].clone()),
            _ => Err(StoreError::Ambiguous {
                label: label.unwrap_or_default().to_string(),
                kinds: hits
                    .iter()
                    .map(|v| v.category.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Delete a version and its rows; false if there was none.
    pub fn delete_version(&mut self, id: i64) -> Result<bool> {
        let tx = self.write_tx()?;
        let n = tx.execute("DELETE FROM versions WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Every row of a version, in code order.
    pub fn for_each_entry(&self, version_id: i64, mut f: impl FnMut(Entry)) -> Result<()> {
        let mut st = self
            .conn
            .prepare("SELECT code, data FROM entries WHERE version_id = ?1 ORDER BY code")?;
        let mut rows = st.query([version_id])?;
        while let Some(r) = rows.next()? {
            let data: String = r.get(1)?;
            let e: Entry = serde_json::from_str(&data).map_err(|source| StoreError::Corrupt {
                version: version_id,
                code: r.get(0).unwrap_or_default(),
                source,
            })?;
            f(e);
        }
        Ok(())
    }

    /// Every row of a version, in code order, collected.
    pub fn entries(&self, version_id: i64) -> Result<Vec<Entry>> {
        let mut v = Vec::new();
        self.for_each_entry(version_id, |e| v.push(e))?;
        Ok(v)
    }

    /// Raw (code, canonical JSON) pairs in code order: the diff compares these
    /// first and parses only rows whose text differs.
    pub fn raw_entries(&self, version_id: i64) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT code, data FROM entries WHERE version_id = ?1 ORDER BY code")?;
        let rows = st.query_map([version_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One row of a version by canonical code.
    pub fn entry(&self, version_id: i64, code: &str) -> Result<Option<Entry>> {
        let data: Option<String> = self
            .conn
            .query_row(
                "SELECT data FROM entries WHERE version_id = ?1 AND code = ?2",
                params![version_id, code],
                |r| r.get(0),
            )
            .optional()?;
        data.map(|d| {
            serde_json::from_str(&d).map_err(|source| StoreError::Corrupt {
                version: version_id,
                code: code.into(),
                source,
            })
        })
        .transpose()
    }

    /// Whether a version lists `code` (canonical form): one primary-key probe.
    pub fn has_code(&self, version_id: i64, code: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(PROBE_EXISTS)?
            .exists(params![version_id, code])?)
    }

    /// Every version holding a code (canonical form), newest first, with its
    /// row there: one primary-key probe per version. (A join of `versions`
    /// and `entries` let SQLite scan the whole entries table per look-up, and
    /// an index on code alone would slow every import.)
    pub fn find_code(&self, code: &str) -> Result<Vec<(VersionInfo, Entry)>> {
        let mut out = Vec::new();
        let mut probe = self.conn.prepare_cached(PROBE_ROW)?;
        for v in self.versions_newest_first()? {
            let data: Option<String> = probe
                .query_row(params![v.id, code], |r| r.get(0))
                .optional()?;
            if let Some(d) = data {
                let e = parse_entry(v.id, code, &d)?;
                out.push((v, e));
            }
        }
        Ok(out)
    }

    /// The newest row of each code (canonical form) in one pass: the versions
    /// are read once and each code is probed by primary key, newest version
    /// first, until found. Codes in no version are absent from the map.
    pub fn find_codes<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
    ) -> Result<std::collections::HashMap<String, (VersionInfo, Entry)>> {
        let versions = self.versions_newest_first()?;
        let mut probe = self.conn.prepare_cached(PROBE_ROW)?;
        let mut out = std::collections::HashMap::new();
        for code in codes {
            if out.contains_key(code) {
                continue;
            }
            for v in &versions {
                let data: Option<String> = probe
                    .query_row(params![v.id, code], |r| r.get(0))
                    .optional()?;
                if let Some(d) = data {
                    out.insert(code.to_string(), (v.clone(), parse_entry(v.id, code, &d)?));
                    break;
                }
            }
        }
        Ok(out)
    }

    fn versions_newest_first(&self) -> Result<Vec<VersionInfo>> {
        let mut vs = self.versions()?;
        vs.sort_by_key(|v| std::cmp::Reverse(v.id));
        Ok(vs)
    }
}

/// The look-ups by code: both name the whole primary key, so each is one
/// B-tree probe (tested with `EXPLAIN QUERY PLAN`).
pub(crate) const PROBE_ROW: &str = "SELECT data FROM entries WHERE version_id = ?1 AND code = ?2";
pub(crate) const PROBE_EXISTS: &str = "SELECT 1 FROM entries WHERE version_id = ?1 AND code = ?2";

fn parse_entry(version: i64, code: &str, data: &str) -> Result<Entry> {
    serde_json::from_str(data).map_err(|source| StoreError::Corrupt {
        version,
        code: code.into(),
        source,
    })
}

/// A row ready for the store: its canonical JSON and that JSON's SHA-256.
/// Building it is the CPU-heavy part of writing a row, so an importer can do
/// it on another thread (`Entry` converts into it implicitly).
pub struct PreparedEntry {
    /// The canonical code.
    pub code: String,
    /// The row's name.
    pub name: String,
    /// 有效标志.
    pub active: bool,
    /// The row's catalogue.
    pub category: Category,
    /// Canonical JSON of the whole `Entry`.
    pub json: String,
    /// SHA-256 of `json`, for the version's checksum.
    pub digest: [u8; 32],
}

impl From<Entry> for PreparedEntry {
    fn from(e: Entry) -> Self {
        let json = serde_json::to_string(&e).expect("entries serialise");
        let digest = Sha256::digest(json.as_bytes()).into();
        PreparedEntry {
            category: e.category(),
            code: e.code,
            name: e.name,
            active: e.active,
            json,
            digest,
        }
    }
}

/// The errors SQLite gives when a file or its WAL companions cannot be written.
fn not_writable(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::CannotOpen) | Some(rusqlite::ErrorCode::ReadOnly)
    )
}

/// A path as the file part of an SQLite URI (`?`, `#` and `%` escaped).
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for ch in path.display().to_string().chars() {
        match ch {
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

fn version_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VersionInfo> {
    let cat: String = r.get(1)?;
    let published: Option<String> = r.get(4)?;
    Ok(VersionInfo {
        id: r.get(0)?,
        category: cat.parse().unwrap_or(Category::Drug),
        label: r.get(2)?,
        source: r.get(3)?,
        published: published.and_then(|p| p.parse().ok()),
        imported_at: r.get(5)?,
        row_count: r.get::<_, i64>(6)? as u64,
        checksum: r.get(7)?,
        note: r.get(8)?,
    })
}

#[cfg(test)]
mod lookup_tests;
#[cfg(test)]
mod tests;
