//! Per-reviewer tokens. A JSON file (`<home>/reviewers.json`, or the file
//! `Config::reviewers_file` names) lists each reviewer's name, token and
//! role; a request's bearer token says who decides, so a decision records
//! the token's reviewer, never a name the client chose. The single
//! `--token` keeps working as an admin.
//!
//! ```json
//! {"reviewers": [
//!   {"name": "王医保", "token": "long-random-string", "role": "reviewer"},
//!   {"name": "李主任", "token": "another-one", "role": "admin"},
//!   {"name": "财务科", "token": "third", "role": "viewer"}
//! ]}
//! ```

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a token may do: viewers read, reviewers decide, admins also import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Decisions, bulk decisions, undo.
    Reviewer,
    /// Everything, imports included.
    Admin,
}

impl Role {
    /// The role's Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Viewer => "只读",
            Role::Reviewer => "审核员",
            Role::Admin => "管理员",
        }
    }
}

/// One reviewer of the file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    /// The name recorded on every decision.
    pub name: String,
    /// The bearer token.
    pub token: String,
    /// What the token may do.
    pub role: Role,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum File {
    Wrapped { reviewers: Vec<Reviewer> },
    Bare(Vec<Reviewer>),
}

/// Read and check a reviewers file: names and tokens non-empty, tokens
/// unique and at least 8 characters (a short token is guessed).
pub fn load(path: &Path) -> anyhow::Result<Vec<Reviewer>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "读取审核人文件 {} 失败 (reading the reviewers file)",
            path.display()
        )
    })?;
    parse(&text).with_context(|| format!("审核人文件 {} 有误 (bad reviewers file)", path.display()))
}

/// Parse the reviewers JSON (see the module doc).
pub fn parse(text: &str) -> anyhow::Result<Vec<Reviewer>> {
    let list = match serde_json::from_str::<File>(text).context(
        "应为 {\"reviewers\": [{\"name\", \"token\", \"role\"}]}，role 为 viewer/reviewer/admin",
    )? {
        File::Wrapped { reviewers } | File::Bare(reviewers) => reviewers,
    };
    let mut seen = std::collections::HashSet::new();
    for (i, r) in list.iter().enumerate() {
        if r.name.trim().is_empty() {
            bail!(
                "第 {} 个审核人没有名字 (reviewer {} has no name)",
                i + 1,
                i + 1
            );
        }
        if r.token.trim().chars().count() < 8 {
            bail!(
                "审核人 '{}' 的令牌太短，至少 8 个字符 (token shorter than 8 characters)",
                r.name
            );
        }
        if !seen.insert(r.token.trim().to_string()) {
            bail!(
                "审核人 '{}' 的令牌与另一审核人相同 (duplicate token)",
                r.name
            );
        }
    }
    Ok(list)
}
