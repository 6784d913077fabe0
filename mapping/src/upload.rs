//! The upload cycle: every 3301 export is recorded as a numbered batch with
//! what it sent per mapping, so the next export can send only what changed
//! (`only_new`), and mappings replaced or withdrawn after their upload get a
//! 3302 revoke row (the platform keys a revoke by hospital item, list type
//! and national code: a changed mapping is a revoke of the old pair and an
//! upload of the new one).

use crate::export::{build_3301, Export3301, ExportOptions};
use catalog_core::store::{StoreError, UploadBatch, UploadRow};
use catalog_core::Store;
use serde::Serialize;

/// A 3302 revoke row (目录对照撤销).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row3302 {
    /// 定点医药机构编号 (the hospital's own institution code).
    pub fixmedins_code: String,
    /// 院内编码.
    pub fixmedins_hilist_id: String,
    /// 院内名称 (not a key; for the reader of the file).
    pub fixmedins_hilist_name: String,
    /// 目录类别.
    pub list_type: String,
    /// The national code uploaded before.
    pub med_list_codg: String,
}

/// Column order of a 3302 file.
pub const FIELDS_3302: &[&str] = &[
    "fixmedins_code",
    "fixmedins_hilist_id",
    "fixmedins_hilist_name",
    "list_type",
    "med_list_codg",
];

impl Row3302 {
    /// The row's cells in [`FIELDS_3302`] order.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.fixmedins_code.clone(),
            self.fixmedins_hilist_id.clone(),
            self.fixmedins_hilist_name.clone(),
            self.list_type.clone(),
            self.med_list_codg.clone(),
        ]
    }
}

/// The 3301 rows to send: all confirmed mappings, or with `only_new` those
/// never uploaded or changed (target or revision) since their last upload.
pub fn plan_3301(
    store: &Store,
    opts: &ExportOptions,
    only_new: bool,
) -> Result<Export3301, StoreError> {
    let mut all = build_3301(store, opts)?;
    if !only_new {
        return Ok(all);
    }
    let state = store.upload_state()?;
    let keep: Vec<bool> = all
        .mappings
        .iter()
        .map(|m| {
            let key = (m.id, m.target_code.clone().unwrap_or_default());
            // Sent already, unchanged since: leave it out.
            !state
                .get(&key)
                .is_some_and(|s| s.action == "upload" && s.revision == m.revision)
        })
        .collect();
    let mut k = keep.iter();
    all.rows.retain(|_| *k.next().expect("one flag per row"));
    let mut k = keep.iter();
    all.mappings
        .retain(|_| *k.next().expect("one flag per mapping"));
    Ok(all)
}

/// The 3302 rows: every (item, national code) pair on the platform that the
/// mapping no longer says (replaced by another code, rejected, no
/// counterpart, or deleted), whether or not the new code was sent already.
pub fn plan_3302(
    store: &Store,
    opts: &ExportOptions,
) -> Result<(Vec<Row3302>, Vec<UploadRow>), StoreError> {
    let state = store.upload_state()?;
    let mut rows = Vec::new();
    let mut sent = Vec::new();
    let mut keys: Vec<&(i64, String)> = state.keys().collect();
    keys.sort();
    for key in keys {
        let s = &state[key];
        if s.action != "upload" {
            continue;
        }
        let id = &key.0;
        let now = store.mapping(*id)?;
        if let (Some(k), Some(m)) = (opts.kind, &now) {
            if m.category != k {
                continue;
            }
        }
        let still = now.as_ref().is_some_and(|m| {
            m.status.is_confirmed() && m.target_code.as_deref() == Some(s.target_code.as_str())
        });
        if still {
            continue;
        }
        let (code, name, kind) = match &now {
            Some(m) => (
                m.hospital_code.clone(),
                m.hospital_name.clone(),
                Some(m.category),
            ),
            None => (String::new(), String::new(), None),
        };
        let lt = kind
            .and_then(|k| opts.list_type(k, &s.target_code))
            .unwrap_or_default();
        rows.push(Row3302 {
            fixmedins_code: opts.fixmedins_code.clone(),
            fixmedins_hilist_id: code,
            fixmedins_hilist_name: name,
            list_type: lt,
            med_list_codg: s.target_code.clone(),
        });
        sent.push(UploadRow {
            mapping_id: *id,
            action: "revoke".into(),
            target_code: s.target_code.clone(),
            revision: now.map_or(0, |m| m.revision),
        });
    }
    Ok((rows, sent))
}

/// Record a written 3301 file as the next batch.
pub fn record_3301(
    store: &mut Store,
    export: &Export3301,
    file: &str,
    only_new: bool,
) -> Result<UploadBatch, StoreError> {
    let rows: Vec<UploadRow> = export
        .mappings
        .iter()
        .map(|m| UploadRow {
            mapping_id: m.id,
            action: "upload".into(),
            target_code: m.target_code.clone().unwrap_or_default(),
            revision: m.revision,
        })
        .collect();
    store.record_upload("3301", file, only_new, &rows)
}

/// Record a written 3302 file as the next batch.
pub fn record_3302(
    store: &mut Store,
    sent: &[UploadRow],
    file: &str,
) -> Result<UploadBatch, StoreError> {
    store.record_upload("3302", file, false, sent)
}

/// A short fingerprint of what a 3301 plan sends (each mapping's id,
/// revision and target), so a batch recorded after a download can be
/// checked to be the one downloaded.
pub fn check_3301(export: &Export3301) -> String {
    fingerprint(
        export
            .mappings
            .iter()
            .map(|m| (m.id, m.revision, m.target_code.as_deref().unwrap_or(""))),
    )
}

/// The fingerprint of a 3302 plan (see [`check_3301`]).
pub fn check_3302(sent: &[UploadRow]) -> String {
    fingerprint(
        sent.iter()
            .map(|r| (r.mapping_id, r.revision, r.target_code.as_str())),
    )
}

fn fingerprint<'a>(rows: impl Iterator<Item = (i64, i64, &'a str)>) -> String {
    use std::hash::{Hash, Hasher};
    // SipHash with fixed keys: the same plan gives the same value in one build.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let mut n = 0u64;
    for r in rows {
        r.hash(&mut h);
        n += 1;
    }
    n.hash(&mut h);
    format!("{n}-{:016x}", h.finish())
}
