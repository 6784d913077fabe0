//! What a match returns: serde types the CLI writes and the HTTP service sends.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    None,
    Low,
    Medium,
    High,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
            Tier::None => "none",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Tier::High => "高",
            Tier::Medium => "中",
            Tier::Low => "低",
            Tier::None => "无",
        }
    }
    pub const ALL: [Tier; 4] = [Tier::High, Tier::Medium, Tier::Low, Tier::None];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agree,
    Partial,
    Disagree,
    Missing,
}

/// One field's comparison between the hospital item and a catalogue row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub field: String,
    pub hospital_value: String,
    pub catalogue_value: String,
    pub verdict: Verdict,
    /// Contribution to the log-odds of a match (positive supports it).
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub code: String,
    pub name: String,
    pub score: f64,
    pub tier: Tier,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spec: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_spec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dosage_form: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manufacturer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub active: bool,
    pub evidence: Vec<Evidence>,
}

impl Candidate {
    /// One line a reviewer can read: `批准文号=, 规格=, 剂型≈, 厂家≠`.
    pub fn explain(&self) -> String {
        self.evidence
            .iter()
            .filter(|e| e.verdict != Verdict::Missing)
            .map(|e| {
                let mark = match e.verdict {
                    Verdict::Agree => "=",
                    Verdict::Partial => "≈",
                    Verdict::Disagree => "≠",
                    Verdict::Missing => "?",
                };
                if e.verdict == Verdict::Disagree {
                    format!(
                        "{}{mark}({} / {})",
                        e.field, e.hospital_value, e.catalogue_value
                    )
                } else {
                    format!("{}{mark}", e.field)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchResult {
    /// The item's row in its source file (1-based), so output traces back.
    pub row: u64,
    pub hospital_code: String,
    pub hospital_name: String,
    pub tier: Tier,
    /// Why the tier: the deciding evidence, or why nothing matched.
    pub reason: String,
    /// Best first; empty when nothing matched.
    pub candidates: Vec<Candidate>,
}

impl MatchResult {
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}
