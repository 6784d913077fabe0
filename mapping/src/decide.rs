//! Review decisions on one mapping, and the guard rails every face shares:
//! a replacement code must be valid for the item's kind and listed in a
//! catalogue of that kind (kept in canonical form, so ICD keeps its lowercase
//! `x`), its name comes from the catalogue, approving a weak suggestion needs
//! a confirmation, every decision names its reviewer, and a decision is
//! written only if the mapping is still at the revision it was made on.

use crate::error::MappingError;
use catalog_core::store::{Decision, Mapping, MappingStatus};
use catalog_core::{Category, Standards, Store};
use serde::{Deserialize, Serialize};

/// What a reviewer decides about one mapping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "code")]
pub enum Action {
    /// Confirm the suggested target (通过).
    Approve,
    /// The suggested target is wrong; the item stays unmapped (驳回).
    Reject,
    /// Needs a second look (存疑).
    Flag,
    /// Map to another national code (替换).
    Replace(String),
    /// The item has no national counterpart (无对应): the target is cleared.
    NoCounterpart,
}

impl Action {
    /// The status the mapping gets.
    pub fn status(&self) -> MappingStatus {
        match self {
            Action::Approve => MappingStatus::Approved,
            Action::Reject => MappingStatus::Rejected,
            Action::Flag => MappingStatus::Flagged,
            Action::Replace(_) => MappingStatus::Replaced,
            Action::NoCounterpart => MappingStatus::NoCounterpart,
        }
    }

    /// An action from a status word (通过, reject, 替换 …) and an optional
    /// replacement code, as a workbook row or a request gives them. An
    /// approval that names a code is a replacement. `Ok(None)`: the word
    /// means "leave it" (待审核 / suggested).
    pub fn from_word(word: &str, code: Option<&str>) -> Result<Option<Action>, String> {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let status: MappingStatus = word.parse()?;
        Ok(Some(match (status, code) {
            (MappingStatus::Suggested, _) => return Ok(None),
            (MappingStatus::Approved | MappingStatus::Replaced, Some(c)) => {
                Action::Replace(c.to_string())
            }
            (MappingStatus::Replaced, None) => {
                return Err("替换需要给出替换编码 (replaced needs a new code)".into())
            }
            (MappingStatus::Approved, None) => Action::Approve,
            (MappingStatus::Rejected, _) => Action::Reject,
            (MappingStatus::Flagged, _) => Action::Flag,
            (MappingStatus::NoCounterpart, _) => Action::NoCounterpart,
        }))
    }
}

/// A decision with who made it and on what view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// What to do.
    pub action: Action,
    /// Who decides (recorded on the mapping and in its history).
    pub reviewer: String,
    /// A note for the history.
    pub note: Option<String>,
    /// The revision the reviewer saw; a different current revision is a
    /// conflict. Without it, the revision read just before writing is used,
    /// so a decision never overwrites one made in between.
    pub expected_revision: Option<i64>,
    /// Approve a low- or none-tier suggestion anyway.
    pub confirm: bool,
}

impl Request {
    /// A request with no note, no expected revision and no confirmation.
    pub fn new(action: Action, reviewer: impl Into<String>) -> Request {
        Request {
            action,
            reviewer: reviewer.into(),
            note: None,
            expected_revision: None,
            confirm: false,
        }
    }
}

/// A replacement code checked against the item's kind and the catalogue:
/// the canonical code and its name in the newest version of that kind.
pub fn resolve_target(
    store: &Store,
    raw: &str,
    kind: Category,
) -> Result<(String, String), MappingError> {
    let std = Standards::builtin();
    let checked = std.checked_code(raw, kind);
    // Canonical per the kind's standard (ICD keeps its lowercase x); an
    // invalid code is still looked up so the message can say where it is.
    let code = match &checked {
        Ok(c) => c.clone(),
        Err(_) => std.canonical(raw, kind),
    };
    let hits = store.find_code(&code)?;
    if let Some((_, e)) = hits.iter().find(|(v, _)| v.category == kind) {
        if let Err(e) = checked {
            return Err(MappingError::InvalidCode {
                code: raw.trim().to_string(),
                kind,
                reason: e.to_string(),
            });
        }
        return Ok((code, e.name.clone()));
    }
    let mut hint = String::new();
    if let Some((v, e)) = hits.first() {
        hint = format!(
            "；它是{}目录 {} 中的「{}」",
            v.category.label_zh(),
            v.label,
            e.name
        );
    } else if let Err(e) = &checked {
        hint = format!("；它也不是有效的{}编码：{e}", kind.label_zh());
    }
    Err(MappingError::NotInCatalogue { code, kind, hint })
}

/// Check a request against the mapping it names and turn it into the store
/// decision to write (conditional on the mapping's current revision).
pub fn prepare(store: &Store, m: &Mapping, req: &Request) -> Result<Decision, MappingError> {
    let reviewer = req.reviewer.trim();
    if reviewer.is_empty() {
        return Err(MappingError::NoReviewer);
    }
    if let Some(expected) = req.expected_revision {
        if expected != m.revision {
            return Err(MappingError::Conflict {
                expected,
                current: Box::new(m.clone()),
            });
        }
    }
    let mut d = Decision {
        category: Some(m.category),
        hospital_code: m.hospital_code.clone(),
        hospital_name: m.hospital_name.clone(),
        status: Some(req.action.status()),
        reviewer: Some(reviewer.to_string()),
        note: req.note.clone().filter(|n| !n.trim().is_empty()),
        expected_revision: Some(m.revision),
        ..Decision::default()
    };
    match &req.action {
        Action::Approve => {
            if m.target_code.as_deref().is_none_or(|c| c.trim().is_empty()) {
                return Err(MappingError::NoTarget {
                    name: m.hospital_name.clone(),
                });
            }
            let tier = m.tier.as_deref().unwrap_or("none");
            let weak = matches!(tier, "low" | "none");
            // Re-approving an already confirmed mapping needs no second confirmation.
            if weak && !req.confirm && !m.status.is_confirmed() {
                return Err(MappingError::NeedsConfirmation {
                    name: m.hospital_name.clone(),
                    tier: tier.to_string(),
                });
            }
        }
        Action::Replace(code) => {
            if code.trim().is_empty() {
                return Err(MappingError::NeedsCode);
            }
            let (code, name) = resolve_target(store, code, m.category)?;
            d.target_code = Some(code);
            d.target_name = Some(name);
        }
        Action::NoCounterpart => d.clear_target = true,
        Action::Reject | Action::Flag => {}
    }
    Ok(d)
}

/// Decide about one mapping: checks, then one conditional write.
pub fn decide(store: &mut Store, m: &Mapping, req: &Request) -> Result<Mapping, MappingError> {
    let d = prepare(store, m, req)?;
    Ok(store.record_decision(&d)?)
}

/// The one mapping a reviewer names by hospital code, and by name and kind
/// when the code is shared (HIS systems reuse codes).
pub fn find_item<'a>(
    all: &'a [Mapping],
    hospital_code: &str,
    name: Option<&str>,
    kind: Option<Category>,
) -> Result<&'a Mapping, MappingError> {
    let hits: Vec<&Mapping> = all
        .iter()
        .filter(|m| kind.is_none_or(|k| k == m.category))
        .filter(|m| m.hospital_code == hospital_code && name.is_none_or(|n| n == m.hospital_name))
        .collect();
    match hits.as_slice() {
        [] => Err(MappingError::NotFound(format!(
            "没有院内编码 '{hospital_code}'{} 的映射，请先对码 (no mapping for hospital code '{hospital_code}')",
            name.map(|n| format!("、名称 '{n}'")).unwrap_or_default()
        ))),
        [one] => Ok(one),
        _ => Err(MappingError::NotFound(format!(
            "院内编码 '{hospital_code}' 对应 {} 个项目，请指明名称 (used by {} items): {}",
            hits.len(),
            hits.len(),
            hits.iter()
                .map(|m| format!("'{}' ({})", m.hospital_name, m.category))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Back to undecided (待审核), keeping the suggested target: a decision like
/// any other (recorded with its reviewer and note, undoable, conditional on
/// the revision). A confirmed mapping sent before gets a 3302 revoke.
pub fn reset(
    store: &mut Store,
    m: &Mapping,
    reviewer: &str,
    note: Option<String>,
    expected_revision: Option<i64>,
) -> Result<Mapping, MappingError> {
    let reviewer = reviewer.trim();
    if reviewer.is_empty() {
        return Err(MappingError::NoReviewer);
    }
    if let Some(expected) = expected_revision.filter(|e| *e != m.revision) {
        return Err(MappingError::Conflict {
            expected,
            current: Box::new(m.clone()),
        });
    }
    if m.status == MappingStatus::Suggested {
        return Err(MappingError::AlreadyUndecided {
            name: m.hospital_name.clone(),
        });
    }
    let d = Decision {
        category: Some(m.category),
        hospital_code: m.hospital_code.clone(),
        hospital_name: m.hospital_name.clone(),
        status: Some(MappingStatus::Suggested),
        reviewer: Some(reviewer.to_string()),
        note: note.filter(|n| !n.trim().is_empty()),
        expected_revision: Some(m.revision),
        ..Decision::default()
    };
    Ok(store.record_decision(&d)?)
}

/// The decision another reviewer made on `m`, in words, when `reviewer`
/// is about to decide it again; `None` when undecided or decided by
/// `reviewer` themself. Each face shows it before the new decision.
pub fn earlier_decision(m: &Mapping, reviewer: &str) -> Option<String> {
    let by = m.reviewer.as_deref()?.trim();
    if m.status == MappingStatus::Suggested || by.is_empty() || by == reviewer.trim() {
        return None;
    }
    Some(format!(
        "{} {} 已由 {by} 于 {} 审核为「{}」→ {} {}（修订号 {}）；现在改由 {} 重新决定 (decided earlier by {by}: {})",
        m.hospital_code,
        m.hospital_name,
        m.decided_at
            .as_deref()
            .map(|d| d.get(..19).unwrap_or(d).replace('T', " "))
            .unwrap_or_else(|| "-".into()),
        m.status.label_zh(),
        m.target_code.as_deref().unwrap_or("-"),
        m.target_name.as_deref().unwrap_or(""),
        m.revision,
        reviewer.trim(),
        m.status,
    ))
}
