//! What was sent to the platform: each `export 3301`/`3302` is a numbered
//! batch, and every row it carried records the mapping, its target and its
//! revision then, so the next export can send only what changed and revoke
//! what was replaced.

use super::{Result, Store};
use chrono::Utc;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use std::collections::HashMap;

/// One recorded export.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UploadBatch {
    /// 批次号, counting from 1.
    pub id: i64,
    /// When (UTC, RFC 3339).
    pub created_at: String,
    /// `3301` or `3302`.
    pub kind: String,
    /// The file written.
    pub file: String,
    /// Rows in the file.
    pub rows: i64,
    /// Only what changed since the previous batch (`--new`).
    pub only_new: bool,
}

/// One row of a batch: which mapping, sent as what.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct UploadRow {
    /// The mapping's store id.
    pub mapping_id: i64,
    /// `upload` (3301) or `revoke` (3302).
    pub action: String,
    /// The national code sent.
    pub target_code: String,
    /// The mapping's revision when sent.
    pub revision: i64,
}

impl Store {
    /// Record a batch and its rows in one transaction; returns the batch.
    pub fn record_upload(
        &mut self,
        kind: &str,
        file: &str,
        only_new: bool,
        rows: &[UploadRow],
    ) -> Result<UploadBatch> {
        let tx = self.write_tx()?;
        let now = Utc::now().to_rfc3339();
        tx.execute(
            "INSERT INTO upload_batches (created_at, kind, file, rows, only_new) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![now, kind, file, rows.len() as i64, only_new],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare_cached(
                "INSERT OR REPLACE INTO upload_rows (batch_id, mapping_id, action, target_code, revision) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for r in rows {
                st.execute(params![
                    id,
                    r.mapping_id,
                    r.action,
                    r.target_code,
                    r.revision
                ])?;
            }
        }
        tx.commit()?;
        Ok(UploadBatch {
            id,
            created_at: now,
            kind: kind.to_string(),
            file: file.to_string(),
            rows: rows.len() as i64,
            only_new,
        })
    }

    /// The newest batch, if any was recorded.
    pub fn last_upload(&self) -> Result<Option<UploadBatch>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, created_at, kind, file, rows, only_new FROM upload_batches ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(UploadBatch {
                        id: r.get(0)?,
                        created_at: r.get(1)?,
                        kind: r.get(2)?,
                        file: r.get(3)?,
                        rows: r.get(4)?,
                        only_new: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// The last thing sent for each (mapping, national code) pair: a pair
    /// whose last row is an upload is on the platform until revoked.
    pub fn upload_state(&self) -> Result<HashMap<(i64, String), UploadRow>> {
        let mut st = self.conn().prepare(
            "SELECT mapping_id, action, target_code, revision FROM upload_rows ORDER BY batch_id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(UploadRow {
                mapping_id: r.get(0)?,
                action: r.get(1)?,
                target_code: r.get(2)?,
                revision: r.get(3)?,
            })
        })?;
        let mut out = HashMap::new();
        for r in rows {
            let r = r?;
            // Later batches overwrite earlier ones.
            out.insert((r.mapping_id, r.target_code.clone()), r);
        }
        Ok(out)
    }
}
