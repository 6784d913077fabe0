//! Hospital item → national code mappings and their review history.
//!
//! A mapping is keyed by (category, hospital code, hospital name): HIS systems
//! reuse codes for different items, so the code alone is not a safe key.

use super::{Result, Store, StoreError};
use crate::category::Category;
use chrono::Utc;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingStatus {
    /// Proposed by the matcher, not yet reviewed.
    Suggested,
    /// Confirmed by a reviewer; exported to the platform.
    Approved,
    /// The suggested target is wrong; the item stays unmapped.
    Rejected,
    /// Needs a second look.
    Flagged,
    /// A reviewer chose a different target; counts as approved.
    Replaced,
}

impl MappingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MappingStatus::Suggested => "suggested",
            MappingStatus::Approved => "approved",
            MappingStatus::Rejected => "rejected",
            MappingStatus::Flagged => "flagged",
            MappingStatus::Replaced => "replaced",
        }
    }
    /// Approved and replaced mappings are the confirmed ones.
    pub fn is_confirmed(self) -> bool {
        matches!(self, MappingStatus::Approved | MappingStatus::Replaced)
    }
}

impl fmt::Display for MappingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MappingStatus {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "suggested" | "" | "待审核" => MappingStatus::Suggested,
            "approved" | "approve" | "ok" | "通过" | "确认" => MappingStatus::Approved,
            "rejected" | "reject" | "驳回" | "拒绝" => MappingStatus::Rejected,
            "flagged" | "flag" | "存疑" | "标记" => MappingStatus::Flagged,
            "replaced" | "replace" | "替换" | "改码" => MappingStatus::Replaced,
            other => return Err(format!("unknown review status '{other}': expected approved, rejected, flagged, replaced or suggested")),
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Mapping {
    pub id: i64,
    pub category: Category,
    pub hospital_code: String,
    pub hospital_name: String,
    pub target_code: Option<String>,
    pub target_name: Option<String>,
    pub status: MappingStatus,
    pub score: Option<f64>,
    pub tier: Option<String>,
    pub version_label: Option<String>,
    pub reviewer: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    /// The hospital item's own fields (spec, 批准文号, unit, …) as imported.
    pub item: serde_json::Value,
    pub begin_date: Option<String>,
    pub end_date: Option<String>,
}

/// A new decision about one hospital item.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Decision {
    pub category: Option<Category>,
    pub hospital_code: String,
    pub hospital_name: String,
    pub status: Option<MappingStatus>,
    pub target_code: Option<String>,
    pub target_name: Option<String>,
    pub score: Option<f64>,
    pub tier: Option<String>,
    pub version_label: Option<String>,
    pub reviewer: Option<String>,
    pub note: Option<String>,
    pub item: Option<serde_json::Value>,
    pub begin_date: Option<String>,
    pub end_date: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MappingEvent {
    pub at: String,
    pub who: Option<String>,
    pub action: String,
    pub old_target: Option<String>,
    pub new_target: Option<String>,
    pub note: Option<String>,
}

const COLS: &str =
    "id, category, hospital_code, hospital_name, target_code, target_name, status, score, tier,
    version_label, reviewer, decided_at, note, item, begin_date, end_date";

fn mapping_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Mapping> {
    let cat: String = r.get(1)?;
    let status: String = r.get(6)?;
    let item: String = r.get(13)?;
    Ok(Mapping {
        id: r.get(0)?,
        category: cat.parse().unwrap_or(Category::Drug),
        hospital_code: r.get(2)?,
        hospital_name: r.get(3)?,
        target_code: r.get(4)?,
        target_name: r.get(5)?,
        status: status.parse().unwrap_or(MappingStatus::Suggested),
        score: r.get(7)?,
        tier: r.get(8)?,
        version_label: r.get(9)?,
        reviewer: r.get(10)?,
        decided_at: r.get(11)?,
        note: r.get(12)?,
        item: serde_json::from_str(&item).unwrap_or(serde_json::Value::Null),
        begin_date: r.get(14)?,
        end_date: r.get(15)?,
    })
}

impl Store {
    /// Insert or update the mapping of one hospital item and log the change.
    /// Fields the decision leaves `None` keep their stored value.
    pub fn record_decision(&mut self, d: &Decision) -> Result<Mapping> {
        let category = d.category.unwrap_or(Category::Drug);
        let tx = self.write_tx()?;
        let old: Option<Mapping> = tx
            .query_row(
                &format!("SELECT {COLS} FROM mappings WHERE category = ?1 AND hospital_code = ?2 AND hospital_name = ?3"),
                params![category.as_str(), d.hospital_code, d.hospital_name],
                mapping_from_row,
            )
            .optional()?;
        let now = Utc::now().to_rfc3339();
        let status = d
            .status
            .or(old.as_ref().map(|m| m.status))
            .unwrap_or(MappingStatus::Suggested);
        let pick = |new: &Option<String>, old: Option<&Option<String>>| {
            new.clone().or_else(|| old.cloned().flatten())
        };
        let target_code = pick(&d.target_code, old.as_ref().map(|m| &m.target_code));
        let target_name = pick(&d.target_name, old.as_ref().map(|m| &m.target_name));
        let item = d
            .item
            .clone()
            .or(old.as_ref().map(|m| m.item.clone()))
            .unwrap_or(serde_json::json!({}));
        let reviewed = d.reviewer.is_some() || status != MappingStatus::Suggested;
        let id = match &old {
            Some(m) => {
                tx.execute(
                    "UPDATE mappings SET target_code=?1, target_name=?2, status=?3, score=COALESCE(?4, score), tier=COALESCE(?5, tier),
                     version_label=COALESCE(?6, version_label), reviewer=COALESCE(?7, reviewer), decided_at=?8, note=COALESCE(?9, note),
                     item=?10, begin_date=COALESCE(?11, begin_date), end_date=COALESCE(?12, end_date) WHERE id=?13",
                    params![
                        target_code, target_name, status.as_str(), d.score, d.tier, d.version_label, d.reviewer,
                        if reviewed { Some(now.clone()) } else { m.decided_at.clone() },
                        d.note, item.to_string(), d.begin_date, d.end_date, m.id
                    ],
                )?;
                m.id
            }
            None => {
                tx.execute(
                    "INSERT INTO mappings (category, hospital_code, hospital_name, target_code, target_name, status, score, tier,
                     version_label, reviewer, decided_at, note, item, begin_date, end_date)
                     VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                    params![
                        category.as_str(), d.hospital_code, d.hospital_name, target_code, target_name, status.as_str(),
                        d.score, d.tier, d.version_label, d.reviewer, reviewed.then(|| now.clone()), d.note,
                        item.to_string(), d.begin_date, d.end_date
                    ],
                )?;
                tx.last_insert_rowid()
            }
        };
        let old_target = old.as_ref().and_then(|m| m.target_code.clone());
        let changed = old
            .as_ref()
            .is_none_or(|m| m.status != status || m.target_code != target_code);
        if changed {
            tx.execute(
                "INSERT INTO mapping_events (mapping_id, at, who, action, old_target, new_target, note) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![id, now, d.reviewer, status.as_str(), old_target, target_code, d.note],
            )?;
        }
        tx.commit()?;
        self.mapping(id)?
            .ok_or_else(|| StoreError::NoSuchVersion(format!("mapping {id}")))
    }

    pub fn mapping(&self, id: i64) -> Result<Option<Mapping>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLS} FROM mappings WHERE id = ?1"),
                [id],
                mapping_from_row,
            )
            .optional()?)
    }

    pub fn find_mapping(
        &self,
        category: Category,
        code: &str,
        name: &str,
    ) -> Result<Option<Mapping>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLS} FROM mappings WHERE category = ?1 AND hospital_code = ?2 AND hospital_name = ?3"),
                params![category.as_str(), code, name],
                mapping_from_row,
            )
            .optional()?)
    }

    pub fn mappings(
        &self,
        category: Option<Category>,
        status: Option<MappingStatus>,
    ) -> Result<Vec<Mapping>> {
        let mut st = self.conn().prepare(&format!(
            "SELECT {COLS} FROM mappings WHERE (?1 IS NULL OR category = ?1) AND (?2 IS NULL OR status = ?2) ORDER BY id"
        ))?;
        let rows = st.query_map(
            params![category.map(|c| c.as_str()), status.map(|s| s.as_str())],
            mapping_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub fn mapping_events(&self, mapping_id: i64) -> Result<Vec<MappingEvent>> {
        let mut st = self
            .conn()
            .prepare("SELECT at, who, action, old_target, new_target, note FROM mapping_events WHERE mapping_id = ?1 ORDER BY id")?;
        let rows = st.query_map([mapping_id], |r| {
            Ok(MappingEvent {
                at: r.get(0)?,
                who: r.get(1)?,
                action: r.get(2)?,
                old_target: r.get(3)?,
                new_target: r.get(4)?,
                note: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
