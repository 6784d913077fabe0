//! The review queue's SQL: filtered, sorted, paged mapping lists with their
//! total, the rows a progress dashboard counts, and undo from the history.
//! The rules (what may be undone by whom, bulk guard rails) are the
//! `mapping` crate's; this file only reads and writes rows.

use super::mappings::{event_from_row, mapping_from_row, Prior, COLS, EVENT_COLS};
use super::{Mapping, MappingEvent, MappingStatus, Result, Store, StoreError};
use crate::category::Category;
use chrono::Utc;
use rusqlite::types::Value;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// Which mappings a queue shows. Empty lists and `None` mean "any".
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct MappingFilter {
    /// The catalogue kind.
    pub kind: Option<Category>,
    /// Any of these statuses.
    pub status: Vec<MappingStatus>,
    /// Any of these tiers (`high`, `medium`, `low`, `none`).
    pub tier: Vec<String>,
    /// Score at least.
    pub score_min: Option<f64>,
    /// Score at most.
    pub score_max: Option<f64>,
    /// Decided last by this reviewer.
    pub reviewer: Option<String>,
    /// Text in the hospital code or name, or the target code or name.
    pub text: Option<String>,
    /// Exactly this hospital name ("apply to all items with the same name").
    pub hospital_name: Option<String>,
    /// Only mappings whose target the newest catalogue version of their kind
    /// no longer lists as active (removed, deactivated or re-coded).
    pub target_changed: bool,
}

/// The order of a queue.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Store id (import order).
    #[default]
    Id,
    /// Matcher score.
    Score,
    /// Hospital name.
    Name,
    /// Hospital code.
    Code,
    /// Status.
    Status,
    /// Tier (high first when ascending).
    Tier,
    /// Decision time.
    DecidedAt,
}

impl SortKey {
    fn sql(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Score => "score",
            SortKey::Name => "hospital_name",
            SortKey::Code => "hospital_code",
            SortKey::Status => "status",
            SortKey::Tier => {
                "CASE tier WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END"
            }
            SortKey::DecidedAt => "decided_at",
        }
    }
}

/// One page of a queue and how many rows the whole filter holds.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MappingPage {
    /// Rows matching the filter, all pages together.
    pub total: u64,
    /// This page's rows.
    pub mappings: Vec<Mapping>,
}

/// One mapping as a progress count sees it.
#[derive(Clone, Debug)]
pub struct StatRow {
    /// The kind.
    pub kind: Category,
    /// The tier (`none` when unset).
    pub tier: String,
    /// The status.
    pub status: MappingStatus,
    /// The hospital item's fields (usage weights come from here).
    pub item: serde_json::Value,
}

/// What an undo did to one mapping.
#[derive(Clone, Debug, PartialEq)]
pub enum Undone {
    /// Restored; the mapping as it is now.
    Restored(Mapping),
    /// Nothing to undo (no decision with a kept prior state).
    Nothing(Mapping),
    /// Changed since the event to undo, so the undo would discard a later
    /// decision: refused, the mapping as it is now.
    ChangedSince(Mapping),
}

/// LIKE with `\` as escape, so a `%` or `_` typed by a clerk is literal.
fn like(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

fn where_clause(f: &MappingFilter) -> (String, Vec<Value>) {
    let mut w: Vec<String> = vec!["1=1".into()];
    let mut p: Vec<Value> = Vec::new();
    let bind = |p: &mut Vec<Value>, v: Value| {
        p.push(v);
        format!("?{}", p.len())
    };
    if let Some(k) = f.kind {
        let x = bind(&mut p, Value::Text(k.as_str().into()));
        w.push(format!("category = {x}"));
    }
    if !f.status.is_empty() {
        let xs: Vec<String> = f
            .status
            .iter()
            .map(|s| bind(&mut p, Value::Text(s.as_str().into())))
            .collect();
        w.push(format!("status IN ({})", xs.join(",")));
    }
    if !f.tier.is_empty() {
        let none = f.tier.iter().any(|t| t == "none");
        let xs: Vec<String> = f
            .tier
            .iter()
            .map(|t| bind(&mut p, Value::Text(t.clone())))
            .collect();
        let mut c = format!("tier IN ({})", xs.join(","));
        if none {
            c = format!("({c} OR tier IS NULL)");
        }
        w.push(c);
    }
    if let Some(v) = f.score_min {
        let x = bind(&mut p, Value::Real(v));
        w.push(format!("score >= {x}"));
    }
    if let Some(v) = f.score_max {
        let x = bind(&mut p, Value::Real(v));
        w.push(format!("score <= {x}"));
    }
    if let Some(r) = f.reviewer.as_deref().filter(|r| !r.is_empty()) {
        let x = bind(&mut p, Value::Text(r.into()));
        w.push(format!("reviewer = {x}"));
    }
    if let Some(n) = f.hospital_name.as_deref() {
        let x = bind(&mut p, Value::Text(n.into()));
        w.push(format!("hospital_name = {x}"));
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let x = bind(&mut p, Value::Text(like(t)));
        w.push(format!(
            "(hospital_code LIKE {x} ESCAPE '\\' OR hospital_name LIKE {x} ESCAPE '\\' \
             OR target_code LIKE {x} ESCAPE '\\' OR target_name LIKE {x} ESCAPE '\\')"
        ));
    }
    if f.target_changed {
        // The newest version of the mapping's kind is the one with the
        // highest id (as `Store::resolve` picks it); one primary-key probe.
        w.push(
            "(target_code IS NOT NULL AND EXISTS (SELECT 1 FROM versions v WHERE v.category = mappings.category) \
             AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.version_id = \
             (SELECT MAX(v.id) FROM versions v WHERE v.category = mappings.category) \
             AND e.code = mappings.target_code AND e.active = 1))"
                .into(),
        );
    }
    (w.join(" AND "), p)
}

impl Store {
    /// One page of the mappings a filter selects, in `sort` order (ties by
    /// id, so paging is stable), with the total count of the filter.
    pub fn query_mappings(
        &self,
        f: &MappingFilter,
        sort: SortKey,
        desc: bool,
        offset: u64,
        limit: Option<u64>,
    ) -> Result<MappingPage> {
        let (w, p) = where_clause(f);
        let total: i64 = self
            .conn()
            .prepare_cached(&format!("SELECT COUNT(*) FROM mappings WHERE {w}"))?
            .query_row(rusqlite::params_from_iter(p.iter()), |r| r.get(0))?;
        let dir = if desc { "DESC" } else { "ASC" };
        let limit = limit.map_or(-1, |l| l as i64);
        let sql = format!(
            "SELECT {COLS} FROM mappings WHERE {w} ORDER BY {} {dir}, id {dir} LIMIT {limit} OFFSET {}",
            sort.sql(),
            offset as i64
        );
        let mut st = self.conn().prepare_cached(&sql)?;
        let rows = st.query_map(rusqlite::params_from_iter(p.iter()), mapping_from_row)?;
        Ok(MappingPage {
            total: total.max(0) as u64,
            mappings: rows.collect::<rusqlite::Result<Vec<_>>>()?,
        })
    }

    /// Every mapping as the progress dashboard counts it.
    pub fn mapping_stat_rows(&self) -> Result<Vec<StatRow>> {
        let mut st = self
            .conn()
            .prepare_cached("SELECT category, tier, status, item FROM mappings")?;
        let rows = st.query_map([], |r| {
            let cat: String = r.get(0)?;
            let tier: Option<String> = r.get(1)?;
            let status: String = r.get(2)?;
            let item: String = r.get(3)?;
            Ok(StatRow {
                kind: cat.parse().unwrap_or(Category::Drug),
                tier: tier.unwrap_or_else(|| "none".into()),
                status: status.parse().unwrap_or(MappingStatus::Suggested),
                item: serde_json::from_str(&item).unwrap_or(serde_json::Value::Null),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The mappings a bulk batch changed and that still carry its
    /// decision (not undone), in id order.
    pub fn batch_mappings(&self, batch: &str) -> Result<Vec<i64>> {
        let mut st = self.conn().prepare_cached(
            "SELECT DISTINCT mapping_id FROM mapping_events WHERE batch = ?1 AND undone = 0 \
             AND action <> 'undo' ORDER BY mapping_id",
        )?;
        let rows = st.query_map([batch], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<i64>>>()?)
    }

    /// Who made the (not undone) decisions of a bulk batch.
    pub fn batch_reviewers(&self, batch: &str) -> Result<Vec<String>> {
        let mut st = self.conn().prepare_cached(
            "SELECT DISTINCT COALESCE(who, '') FROM mapping_events WHERE batch = ?1 AND undone = 0 \
             AND action <> 'undo'",
        )?;
        let rows = st.query_map([batch], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
    }

    /// Undo, in one transaction, the newest not-yet-undone event of each
    /// mapping listed (by mapping id, optionally only the events of `batch`):
    /// restore the state before it, mark it undone and log an `undo` event
    /// by `who`. A mapping changed after that event is left as it is
    /// ([`Undone::ChangedSince`]); so is one whose revision is not
    /// `expected_revision` when given.
    pub fn undo(
        &mut self,
        targets: &[(i64, Option<i64>)],
        batch: Option<&str>,
        who: &str,
    ) -> Result<Vec<Undone>> {
        let tx = self.write_tx()?;
        let now = Utc::now().to_rfc3339();
        let mut out = Vec::with_capacity(targets.len());
        for &(id, expected) in targets {
            let m = tx
                .prepare_cached(&format!("SELECT {COLS} FROM mappings WHERE id = ?1"))?
                .query_row([id], mapping_from_row)
                .optional()?
                .ok_or_else(|| StoreError::Aborted(format!("没有映射 {id} (no mapping {id})")))?;
            if expected.is_some_and(|e| e != m.revision) {
                out.push(Undone::ChangedSince(m));
                continue;
            }
            // The newest event of any kind: an undo is only safe when the
            // mapping still is what that event left.
            let last: Option<MappingEvent> = tx
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLS} FROM mapping_events WHERE mapping_id = ?1 ORDER BY id DESC LIMIT 1"
                ))?
                .query_row([id], event_from_row)
                .optional()?;
            if last
                .as_ref()
                .is_some_and(|e| e.revision.is_some_and(|r| r != m.revision))
            {
                out.push(Undone::ChangedSince(m));
                continue;
            }
            let target: Option<MappingEvent> = tx
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLS} FROM mapping_events WHERE mapping_id = ?1 AND undone = 0 \
                     AND prior IS NOT NULL AND action <> 'undo' ORDER BY id DESC LIMIT 1"
                ))?
                .query_row([id], event_from_row)
                .optional()?;
            let Some(ev) = target.filter(|e| e.prior.is_some()) else {
                out.push(Undone::Nothing(m));
                continue;
            };
            if let Some(b) = batch {
                if ev.batch.as_deref() != Some(b) {
                    // A later single decision sits on top of the batch's.
                    out.push(Undone::ChangedSince(m));
                    continue;
                }
            }
            let prior: Prior = ev.prior.clone().expect("filtered above");
            tx.prepare_cached(
                "UPDATE mappings SET status=?1, target_code=?2, target_name=?3, reviewer=?4, decided_at=?5, note=?6,
                 revision = revision + 1 WHERE id=?7",
            )?
            .execute(params![
                prior.status.as_str(),
                prior.target_code,
                prior.target_name,
                prior.reviewer,
                prior.decided_at,
                prior.note,
                id
            ])?;
            tx.prepare_cached("UPDATE mapping_events SET undone = 1 WHERE id = ?1")?
                .execute([ev.id])?;
            tx.prepare_cached(
                "INSERT INTO mapping_events (mapping_id, at, who, action, old_target, new_target, note, batch, revision)
                 VALUES (?1,?2,?3,'undo',?4,?5,?6,?7,?8)",
            )?
            .execute(params![
                id,
                now,
                who,
                m.target_code,
                prior.target_code,
                format!(
                    "撤销 {} 的 {}（事件 {}）",
                    ev.who.as_deref().unwrap_or("-"),
                    ev.action,
                    ev.id
                ),
                batch,
                m.revision + 1
            ])?;
            let now_row = tx
                .prepare_cached(&format!("SELECT {COLS} FROM mappings WHERE id = ?1"))?
                .query_row([id], mapping_from_row)?;
            out.push(Undone::Restored(now_row));
        }
        tx.commit()?;
        Ok(out)
    }
}
