//! Needs re-review (需复核): a mapping whose target the newest catalogue
//! version of its kind no longer lists as active (removed, deactivated or
//! re-coded), decided before that version arrived. Such a mapping is shown
//! as 需复核 and held back from 3301 until a reviewer decides it again
//! (re-approving after the new version was imported, or replacing it).

use catalog_core::store::{MappingFilter, MappingStatus, SortKey, StoreError};
use catalog_core::{Category, Store, VersionInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One mapping that needs re-review, and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Rereview {
    /// Mapping id.
    pub id: i64,
    /// The kind.
    pub kind: Category,
    /// 院内编码.
    pub hospital_code: String,
    /// 院内名称.
    pub hospital_name: String,
    /// The target the mapping still names.
    pub target_code: String,
    /// The newest version of the kind.
    pub version: String,
    /// `deactivated` (listed, inactive) or `removed` (not listed: removed or re-coded).
    pub code: String,
    /// The reason, Chinese first.
    pub reason: String,
}

fn time(s: &str) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    chrono::DateTime::parse_from_rfc3339(s).ok()
}

/// Every mapping that needs re-review (of one kind, or all), by mapping id.
pub fn needs_rereview(
    store: &Store,
    kind: Option<Category>,
) -> Result<BTreeMap<i64, Rereview>, StoreError> {
    let changed = store.query_mappings(
        &MappingFilter {
            kind,
            target_changed: true,
            ..Default::default()
        },
        SortKey::Id,
        false,
        0,
        None,
    )?;
    let mut newest: BTreeMap<Category, VersionInfo> = BTreeMap::new();
    for v in store.versions()? {
        match newest.get(&v.category) {
            Some(n) if n.id > v.id => {}
            _ => {
                newest.insert(v.category, v);
            }
        }
    }
    let mut out = BTreeMap::new();
    for m in changed.mappings {
        // A rejected mapping sends nothing; its target no longer matters.
        if m.status == MappingStatus::Rejected {
            continue;
        }
        let (Some(v), Some(code)) = (newest.get(&m.category), m.target_code.clone()) else {
            continue;
        };
        // Decided again after the new version arrived: the reviewer has seen it.
        let decided_after = match (m.decided_at.as_deref().and_then(time), time(&v.imported_at)) {
            (Some(d), Some(i)) => d > i,
            _ => false,
        };
        if decided_after {
            continue;
        }
        let (why, reason) = match store.entry(v.id, &code)? {
            Some(_) => (
                "deactivated",
                format!(
                    "目标 {code} 在最新版本 {} 中已停用 (deactivated in {})",
                    v.label, v.label
                ),
            ),
            None => (
                "removed",
                format!(
                    "目标 {code} 已不在最新版本 {} 中（删除或改码）(removed or re-coded in {})",
                    v.label, v.label
                ),
            ),
        };
        out.insert(
            m.id,
            Rereview {
                id: m.id,
                kind: m.category,
                hospital_code: m.hospital_code,
                hospital_name: m.hospital_name,
                target_code: code,
                version: v.label.clone(),
                code: why.into(),
                reason,
            },
        );
    }
    Ok(out)
}
