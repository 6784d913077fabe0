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

/// Where the review of a mapping stands.
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
    /// The item has no national counterpart (院内自制、不在医保目录); nothing to upload.
    NoCounterpart,
}

impl MappingStatus {
    /// The stable name stored and sent in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MappingStatus::Suggested => "suggested",
            MappingStatus::Approved => "approved",
            MappingStatus::Rejected => "rejected",
            MappingStatus::Flagged => "flagged",
            MappingStatus::Replaced => "replaced",
            MappingStatus::NoCounterpart => "no_counterpart",
        }
    }
    /// The word a 医保办 reviewer reads (and may type back in a workbook).
    pub fn label_zh(self) -> &'static str {
        match self {
            MappingStatus::Suggested => "待审核",
            MappingStatus::Approved => "通过",
            MappingStatus::Rejected => "驳回",
            MappingStatus::Flagged => "存疑",
            MappingStatus::Replaced => "替换",
            MappingStatus::NoCounterpart => "无对应",
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
            "suggested" | "" | "待审核" | "未审核" | "待定" => MappingStatus::Suggested,
            "approved" | "approve" | "ok" | "通过" | "确认" | "同意" | "批准" | "核准"
            | "正确" | "是" | "√" | "✓" => MappingStatus::Approved,
            "rejected" | "reject" | "驳回" | "拒绝" | "不通过" | "不同意" | "错误" | "否"
            | "×" | "✗" => MappingStatus::Rejected,
            "flagged" | "flag" | "存疑" | "标记" | "疑问" | "复核" => MappingStatus::Flagged,
            "replaced" | "replace" | "替换" | "改码" => MappingStatus::Replaced,
            "no_counterpart" | "no-counterpart" | "无对应" | "无对照" => {
                MappingStatus::NoCounterpart
            }
            other => return Err(format!("未知的审核结果 '{other}'：应为 通过、驳回、存疑、替换、无对应 或 待审核 (unknown review status: expected approved, rejected, flagged, replaced, no_counterpart or suggested)")),
        })
    }
}

/// The current state of one hospital item's mapping.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Mapping {
    /// Store id.
    pub id: i64,
    /// The catalogue mapped into.
    pub category: Category,
    /// 院内编码 (fixmedins_hilist_id).
    pub hospital_code: String,
    /// 院内名称 (fixmedins_hilist_name).
    pub hospital_name: String,
    /// The national code (医疗目录编码); none while unmapped.
    pub target_code: Option<String>,
    /// The national row's name.
    pub target_name: Option<String>,
    /// Where the review stands.
    pub status: MappingStatus,
    /// The matcher's score of the target, when it suggested it.
    pub score: Option<f64>,
    /// The matcher's tier (`high`…).
    pub tier: Option<String>,
    /// The catalogue version the target was taken from.
    pub version_label: Option<String>,
    /// Who decided last.
    pub reviewer: Option<String>,
    /// When (UTC, RFC 3339).
    pub decided_at: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// The hospital item's own fields (spec, 批准文号, unit, …) as imported.
    pub item: serde_json::Value,
    /// 开始日期 for 3301 (`begndate`).
    pub begin_date: Option<String>,
    /// 结束日期 for 3301 (`enddate`).
    pub end_date: Option<String>,
    /// Bumped by every change of status, target, reviewer or note: a decision
    /// that names the revision it was made on is refused once it is stale.
    pub revision: i64,
}

/// A new decision about one hospital item.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Decision {
    /// The catalogue; required for a new item.
    pub category: Option<Category>,
    /// 院内编码.
    pub hospital_code: String,
    /// 院内名称.
    pub hospital_name: String,
    /// The new status.
    pub status: Option<MappingStatus>,
    /// The new target code.
    pub target_code: Option<String>,
    /// The new target's name.
    pub target_name: Option<String>,
    /// The matcher's score.
    pub score: Option<f64>,
    /// The matcher's tier.
    pub tier: Option<String>,
    /// The catalogue version the target was taken from.
    pub version_label: Option<String>,
    /// Who decides.
    pub reviewer: Option<String>,
    /// Why.
    pub note: Option<String>,
    /// The hospital item's own fields.
    pub item: Option<serde_json::Value>,
    /// 开始日期 for 3301.
    pub begin_date: Option<String>,
    /// 结束日期 for 3301.
    pub end_date: Option<String>,
    /// The revision the decision was made on; a different stored revision is
    /// a conflict ([`StoreError::Conflict`]) and nothing is written.
    #[serde(default)]
    pub expected_revision: Option<i64>,
    /// Clear the target (no counterpart): `target_code: None` alone keeps it.
    #[serde(default)]
    pub clear_target: bool,
    /// A suggestion: leave a mapping a reviewer has already decided as it
    /// is ([`Recorded::Kept`]), checked inside the write transaction.
    #[serde(default)]
    pub keep_reviewed: bool,
    /// The bulk batch this decision belongs to (undone together).
    #[serde(default)]
    pub batch: Option<String>,
}

/// One entry of a mapping's history.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MappingEvent {
    /// Event id (history order).
    #[serde(default)]
    pub id: i64,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// Who.
    pub who: Option<String>,
    /// The status the mapping moved to (`approved`…).
    pub action: String,
    /// The target before.
    pub old_target: Option<String>,
    /// The target after.
    pub new_target: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// The bulk batch it was part of.
    #[serde(default)]
    pub batch: Option<String>,
    /// The mapping's revision after the event.
    #[serde(default)]
    pub revision: Option<i64>,
    /// True once an undo restored the state before it.
    #[serde(default)]
    pub undone: bool,
    /// The state before the event (what an undo restores); none for events
    /// written before history kept it, and for undo events themselves.
    #[serde(default)]
    pub prior: Option<Prior>,
}

/// The reviewable state of a mapping before an event: what undo restores.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Prior {
    /// Status before.
    pub status: MappingStatus,
    /// Target code before.
    pub target_code: Option<String>,
    /// Target name before.
    pub target_name: Option<String>,
    /// Reviewer before.
    pub reviewer: Option<String>,
    /// Decision time before.
    pub decided_at: Option<String>,
    /// Note before.
    pub note: Option<String>,
}

impl Prior {
    pub(crate) fn of(m: &Mapping) -> Prior {
        Prior {
            status: m.status,
            target_code: m.target_code.clone(),
            target_name: m.target_name.clone(),
            reviewer: m.reviewer.clone(),
            decided_at: m.decided_at.clone(),
            note: m.note.clone(),
        }
    }
}

pub(crate) const COLS: &str =
    "id, category, hospital_code, hospital_name, target_code, target_name, status, score, tier,
    version_label, reviewer, decided_at, note, item, begin_date, end_date, revision";

pub(crate) fn mapping_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Mapping> {
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
        revision: r.get(16)?,
    })
}

/// What happened to one decision of a batch.
#[derive(Clone, Debug, PartialEq)]
pub enum Recorded {
    /// Written; the mapping as it is now.
    Written(Mapping),
    /// Refused: made on a stale revision. The mapping as it is now.
    Conflict(Mapping),
    /// Not written: a suggestion for a mapping already reviewed.
    Kept(Mapping),
}

const FIND: &str =
    "SELECT {COLS} FROM mappings WHERE category = ?1 AND hospital_code = ?2 AND hospital_name = ?3";

fn find_sql() -> String {
    FIND.replace("{COLS}", COLS)
}

/// Write one decision inside an open transaction.
fn record_in(tx: &rusqlite::Transaction<'_>, d: &Decision, now: &str) -> Result<Recorded> {
    let category = d.category.unwrap_or(Category::Drug);
    let old: Option<Mapping> = tx
        .prepare_cached(&find_sql())?
        .query_row(
            params![category.as_str(), d.hospital_code, d.hospital_name],
            mapping_from_row,
        )
        .optional()?;
    if let (Some(expected), Some(m)) = (d.expected_revision, &old) {
        if m.revision != expected {
            return Ok(Recorded::Conflict(m.clone()));
        }
    }
    if let Some(m) = old
        .as_ref()
        .filter(|m| d.keep_reviewed && m.status != MappingStatus::Suggested)
    {
        return Ok(Recorded::Kept(m.clone()));
    }
    let status = d
        .status
        .or(old.as_ref().map(|m| m.status))
        .unwrap_or(MappingStatus::Suggested);
    let pick = |new: &Option<String>, old: Option<&Option<String>>| {
        new.clone().or_else(|| old.cloned().flatten())
    };
    let (target_code, target_name) = if d.clear_target {
        (None, None)
    } else {
        (
            pick(&d.target_code, old.as_ref().map(|m| &m.target_code)),
            pick(&d.target_name, old.as_ref().map(|m| &m.target_name)),
        )
    };
    let item = d
        .item
        .clone()
        .or(old.as_ref().map(|m| m.item.clone()))
        .unwrap_or(serde_json::json!({}));
    let reviewed = d.reviewer.is_some() || status != MappingStatus::Suggested;
    let id = match &old {
        Some(m) => {
            // Only a change a reviewer would see moves the revision, so an
            // identical re-match does not make every open view stale.
            let visible = m.status != status
                || m.target_code != target_code
                || m.target_name != target_name
                || d.reviewer
                    .as_ref()
                    .is_some_and(|r| m.reviewer.as_ref() != Some(r))
                || d.note.as_ref().is_some_and(|n| m.note.as_ref() != Some(n));
            tx.prepare_cached(
                "UPDATE mappings SET target_code=?1, target_name=?2, status=?3, score=COALESCE(?4, score), tier=COALESCE(?5, tier),
                 version_label=COALESCE(?6, version_label), reviewer=COALESCE(?7, reviewer), decided_at=?8, note=COALESCE(?9, note),
                 item=?10, begin_date=COALESCE(?11, begin_date), end_date=COALESCE(?12, end_date),
                 revision = revision + ?13 WHERE id=?14",
            )?
            .execute(params![
                target_code, target_name, status.as_str(), d.score, d.tier, d.version_label, d.reviewer,
                if reviewed { Some(now.to_string()) } else { m.decided_at.clone() },
                d.note, item.to_string(), d.begin_date, d.end_date, visible as i64, m.id
            ])?;
            m.id
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO mappings (category, hospital_code, hospital_name, target_code, target_name, status, score, tier,
                 version_label, reviewer, decided_at, note, item, begin_date, end_date, revision)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,1)",
            )?
            .execute(params![
                category.as_str(), d.hospital_code, d.hospital_name, target_code, target_name, status.as_str(),
                d.score, d.tier, d.version_label, d.reviewer, reviewed.then(|| now.to_string()), d.note,
                item.to_string(), d.begin_date, d.end_date
            ])?;
            tx.last_insert_rowid()
        }
    };
    let now_row = tx
        .prepare_cached(&format!("SELECT {COLS} FROM mappings WHERE id = ?1"))?
        .query_row([id], mapping_from_row)?;
    // Every change a reviewer would see is history (and undoable), a
    // repeated identical suggestion is not.
    let changed = old.as_ref().is_none_or(|m| m.revision != now_row.revision);
    if changed {
        let prior = old
            .as_ref()
            .map(|m| serde_json::to_string(&Prior::of(m)).unwrap_or_default());
        tx.prepare_cached(
            "INSERT INTO mapping_events (mapping_id, at, who, action, old_target, new_target, note, prior, batch, revision)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
        )?
        .execute(params![
            id,
            now,
            d.reviewer,
            status.as_str(),
            old.as_ref().and_then(|m| m.target_code.clone()),
            target_code,
            d.note,
            prior,
            d.batch,
            now_row.revision
        ])?;
    }
    Ok(Recorded::Written(now_row))
}

impl Store {
    /// Insert or update the mapping of one hospital item and log the change.
    /// Fields the decision leaves `None` keep their stored value. A decision
    /// carrying a stale `expected_revision` is refused with
    /// [`StoreError::Conflict`] and nothing is written.
    pub fn record_decision(&mut self, d: &Decision) -> Result<Mapping> {
        match self.record_decisions(std::slice::from_ref(d))?.pop() {
            Some(Recorded::Written(m)) => Ok(m),
            Some(Recorded::Conflict(current) | Recorded::Kept(current)) => {
                Err(StoreError::Conflict {
                    expected: d.expected_revision.unwrap_or_default(),
                    current: Box::new(current),
                })
            }
            None => Err(StoreError::Aborted("no decision recorded".into())),
        }
    }

    /// Write many decisions in one transaction (a reviewed workbook, a
    /// match run): all of them or, on a database error, none. A stale
    /// decision is not an error: it comes back as [`Recorded::Conflict`]
    /// and the others are still written.
    pub fn record_decisions(&mut self, ds: &[Decision]) -> Result<Vec<Recorded>> {
        // IMMEDIATE takes the write lock before reading the revision, so two
        // reviewers racing on one item are serialised: the second one reads
        // the first one's revision and gets the conflict.
        let tx = self.write_tx()?;
        let now = Utc::now().to_rfc3339();
        let mut out = Vec::with_capacity(ds.len());
        for d in ds {
            out.push(record_in(&tx, d, &now)?);
        }
        tx.commit()?;
        Ok(out)
    }

    /// A mapping by store id.
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

    /// The mapping of one hospital item, by its key (category, code, name).
    pub fn find_mapping(
        &self,
        category: Category,
        code: &str,
        name: &str,
    ) -> Result<Option<Mapping>> {
        Ok(self
            .conn()
            .prepare_cached(&find_sql())?
            .query_row(params![category.as_str(), code, name], mapping_from_row)
            .optional()?)
    }

    /// All mappings, optionally of one category and one status, in id order.
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

    /// A mapping's history, oldest first.
    pub fn mapping_events(&self, mapping_id: i64) -> Result<Vec<MappingEvent>> {
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {EVENT_COLS} FROM mapping_events WHERE mapping_id = ?1 ORDER BY id"
        ))?;
        let rows = st.query_map([mapping_id], event_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

pub(crate) const EVENT_COLS: &str =
    "id, at, who, action, old_target, new_target, note, batch, revision, undone, prior";

pub(crate) fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MappingEvent> {
    let prior: Option<String> = r.get(10)?;
    Ok(MappingEvent {
        id: r.get(0)?,
        at: r.get(1)?,
        who: r.get(2)?,
        action: r.get(3)?,
        old_target: r.get(4)?,
        new_target: r.get(5)?,
        note: r.get(6)?,
        batch: r.get(7)?,
        revision: r.get(8)?,
        undone: r.get::<_, i64>(9)? != 0,
        prior: prior.and_then(|p| serde_json::from_str(&p).ok()),
    })
}
