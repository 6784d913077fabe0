//! Versioned schema migrations. Each step runs once, inside a transaction,
//! and is recorded in `schema_migrations`; never edit a released step, add one.

use rusqlite::Connection;
use std::path::Path;

pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "catalogue versions and rows",
        "CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            category TEXT NOT NULL,
            label TEXT NOT NULL,
            source TEXT NOT NULL,
            published TEXT,
            imported_at TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            checksum TEXT NOT NULL,
            note TEXT,
            UNIQUE (category, label)
        );
        CREATE TABLE entries (
            version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
            code TEXT NOT NULL,
            name TEXT NOT NULL,
            active INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (version_id, code)
        ) WITHOUT ROWID;
        CREATE INDEX entries_code ON entries(code);",
    ),
    (
        2,
        "hospital mappings and their review history",
        "CREATE TABLE mappings (
            id INTEGER PRIMARY KEY,
            category TEXT NOT NULL,
            hospital_code TEXT NOT NULL,
            hospital_name TEXT NOT NULL,
            target_code TEXT,
            target_name TEXT,
            status TEXT NOT NULL,
            score REAL,
            tier TEXT,
            version_label TEXT,
            reviewer TEXT,
            decided_at TEXT,
            note TEXT,
            item TEXT NOT NULL DEFAULT '{}',
            begin_date TEXT,
            end_date TEXT,
            UNIQUE (category, hospital_code, hospital_name)
        );
        CREATE TABLE mapping_events (
            id INTEGER PRIMARY KEY,
            mapping_id INTEGER NOT NULL REFERENCES mappings(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            who TEXT,
            action TEXT NOT NULL,
            old_target TEXT,
            new_target TEXT,
            note TEXT
        );",
    ),
    (
        3,
        "drop the code-only entries index (find_code probes the primary key per version)",
        "DROP INDEX IF EXISTS entries_code;",
    ),
    (
        4,
        "mapping revisions (a decision on a stale view is refused)",
        "ALTER TABLE mappings ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;",
    ),
    (
        5,
        "workbench queue indexes (filters and sorts stay fast at 30,000 mappings)",
        "CREATE INDEX mappings_queue ON mappings(category, status, tier);
        CREATE INDEX mappings_tier ON mappings(tier, status);
        CREATE INDEX mappings_score ON mappings(score);
        CREATE INDEX mappings_reviewer ON mappings(reviewer);
        CREATE INDEX mappings_name ON mappings(hospital_name);
        CREATE INDEX mapping_events_mapping ON mapping_events(mapping_id, id);",
    ),
    (
        6,
        "undoable history: each event keeps the state before it, its batch and revision",
        "ALTER TABLE mapping_events ADD COLUMN prior TEXT;
        ALTER TABLE mapping_events ADD COLUMN batch TEXT;
        ALTER TABLE mapping_events ADD COLUMN revision INTEGER;
        ALTER TABLE mapping_events ADD COLUMN undone INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX mapping_events_batch ON mapping_events(batch) WHERE batch IS NOT NULL;",
    ),
    (
        7,
        "upload batches: what each 3301/3302 export sent, per mapping",
        "CREATE TABLE upload_batches (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            file TEXT NOT NULL,
            rows INTEGER NOT NULL,
            only_new INTEGER NOT NULL
        );
        CREATE TABLE upload_rows (
            batch_id INTEGER NOT NULL REFERENCES upload_batches(id),
            mapping_id INTEGER NOT NULL,
            action TEXT NOT NULL,
            target_code TEXT NOT NULL,
            revision INTEGER NOT NULL,
            PRIMARY KEY (batch_id, mapping_id, action)
        );
        CREATE INDEX upload_rows_mapping ON upload_rows (mapping_id, batch_id);",
    ),
];

/// Bring the schema up to date. A store from a newer mulu is refused before
/// anything is written: its tables may mean what this binary cannot know.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> super::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let found = current(conn)?;
    let known = latest_version();
    if found > known {
        return Err(super::StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for (v, name, sql) in MIGRATIONS {
        // By id, not by the highest: steps numbered below one already applied
        // (parallel branches merged later) still run.
        if applied(conn, *v)? {
            continue;
        }
        // IMMEDIATE: two processes opening a new store at once wait for each
        // other instead of failing.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        if applied(&tx, *v)? {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![v, name, chrono::Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// True when step `v` is recorded in the store.
fn applied(conn: &Connection, v: i64) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)",
        [v],
        |r| r.get(0),
    )
}

/// The newest schema step recorded in the store (0 for a new file).
pub(crate) fn current(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
}

/// The newest schema step this binary knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}
