//! Why a mapping operation was refused. Messages are Chinese first (the
//! reader is a 医保办 clerk) and name no CLI flag or HTTP field: each face
//! adds its own hint.

use catalog_core::store::{Mapping, StoreError};
use catalog_core::Category;

/// Why a decision, a batch or an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    /// The store failed (database error); nothing was written.
    #[error(transparent)]
    Store(StoreError),
    /// No mapping matches what the caller named.
    #[error("{0}")]
    NotFound(String),
    /// The replacement code is not a valid code of the item's kind.
    #[error("替换编码 '{code}' 不是有效的{}编码：{reason} (not a valid {kind} code)", kind.label_zh())]
    InvalidCode {
        /// The code as given.
        code: String,
        /// The item's kind.
        kind: Category,
        /// What is wrong with it, from the code standard.
        reason: String,
    },
    /// The replacement code is in no catalogue version of the item's kind.
    #[error("替换编码 '{code}' 不在任何{}目录版本中{hint} (not in any catalogue version of kind {kind})", kind.label_zh())]
    NotInCatalogue {
        /// The code, canonical form.
        code: String,
        /// The item's kind.
        kind: Category,
        /// Where the code was found instead, if anywhere.
        hint: String,
    },
    /// Replacing needs the new national code.
    #[error("替换需要给出新的医保编码 (replace needs the new national code)")]
    NeedsCode,
    /// Approving needs a target; the item has none.
    #[error(
        "'{name}' 没有建议的目标可通过，请用替换指定医保编码 (no suggested target to approve)"
    )]
    NoTarget {
        /// The hospital item's name.
        name: String,
    },
    /// A low- or none-tier suggestion is approved only with an explicit confirmation.
    #[error("'{name}' 的建议置信度为「{}」({tier})，通过前需要明确确认 (approving a {tier}-tier suggestion needs confirmation)", tier_zh(tier))]
    NeedsConfirmation {
        /// The hospital item's name.
        name: String,
        /// The suggestion's tier (low or none).
        tier: String,
    },
    /// A queue filter that can select nothing sensible.
    #[error("筛选条件有误：{0}")]
    BadFilter(String),
    /// A bulk decision confirmed for one count found another: the view is stale.
    #[error("确认时为 {expected} 条，现在筛选出 {found} 条：列表已变化，请刷新后重新确认，未写入任何内容 (the filtered view changed: {expected} confirmed, {found} now; nothing written)")]
    CountChanged {
        /// The count the reviewer confirmed.
        expected: u64,
        /// The count now.
        found: u64,
    },
    /// There is no decision with a kept prior state to undo.
    #[error("'{name}' 没有可撤销的决定 (nothing to undo)")]
    NothingToUndo {
        /// The hospital item's name.
        name: String,
    },
    /// A reviewer may undo only their own decision; someone else's needs an admin.
    #[error("{name} 的这次决定由「{decided_by}」做出：审核员只能撤销自己的决定，撤销他人的决定需要管理员，未写入任何内容 (only the reviewer who decided, or an admin, may undo it)")]
    NotYours {
        /// The hospital item's name (or the batch).
        name: String,
        /// Who made the decision.
        decided_by: String,
    },
    /// A reset of a mapping that is undecided already.
    #[error("'{name}' 本来就是待审核，无需重置 (already undecided)")]
    AlreadyUndecided {
        /// The hospital item's name.
        name: String,
    },
    /// Every decision records who made it.
    #[error("审核决定必须记录审核人 (a decision needs a reviewer)")]
    NoReviewer,
    /// The decision was made on a stale view; nothing was written.
    #[error("{}", conflict_message(current, *expected))]
    Conflict {
        /// The revision the decision was made on.
        expected: i64,
        /// The mapping as it is now (who decided what, and its revision).
        current: Box<Mapping>,
    },
}

impl From<StoreError> for MappingError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { expected, current } => {
                MappingError::Conflict { expected, current }
            }
            other => MappingError::Store(other),
        }
    }
}

fn tier_zh(tier: &str) -> &'static str {
    match tier {
        "high" => "高",
        "medium" => "中",
        "low" => "低",
        _ => "无",
    }
}

/// Status words as the review workbook writes them.
pub(crate) fn status_zh(s: catalog_core::store::MappingStatus) -> &'static str {
    use catalog_core::store::MappingStatus as S;
    match s {
        S::Suggested => "待审核",
        S::Approved => "通过",
        S::Rejected => "驳回",
        S::Flagged => "存疑",
        S::Replaced => "替换",
        S::NoCounterpart => "无对应",
    }
}

fn conflict_message(m: &Mapping, expected: i64) -> String {
    format!(
        "冲突：{} {} 已在你查看之后被修改，未覆盖。当前：{}{}，目标 {} {}，审核人 {}，时间 {}（修订号 {}，你的决定基于修订号 {expected}）。请核对后重新审核 (conflict: decided by someone else since you looked)",
        m.hospital_code,
        m.hospital_name,
        status_zh(m.status),
        format_args!(" ({})", m.status),
        m.target_code.as_deref().unwrap_or("-"),
        m.target_name.as_deref().unwrap_or(""),
        m.reviewer.as_deref().unwrap_or("-"),
        m.decided_at.as_deref().unwrap_or("-"),
        m.revision,
    )
}

impl MappingError {
    /// A stable machine-readable name of the refusal, for any face to map to
    /// its own status: `conflict`, `not_found`, `needs_confirmation`,
    /// `forbidden` (someone else's decision to undo), `bad_request` (a
    /// decision that can never pass as given) or `internal`.
    /// (`nothing_to_undo` is a `bad_request`.)
    pub fn code(&self) -> &'static str {
        match self {
            MappingError::Conflict { .. } | MappingError::CountChanged { .. } => "conflict",
            MappingError::NotFound(_) => "not_found",
            MappingError::NeedsConfirmation { .. } => "needs_confirmation",
            MappingError::NotYours { .. } => "forbidden",
            MappingError::Store(_) => "internal",
            _ => "bad_request",
        }
    }
}
