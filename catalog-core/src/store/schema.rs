//! Versioned schema migrations. Each step runs once, inside a transaction,
//! and is recorded in `schema_migrations`; never edit a released step, add one.

use rusqlite::Connection;

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
];

pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    for (v, name, sql) in MIGRATIONS {
        if *v <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![v, name, chrono::Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}
