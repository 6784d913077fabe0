//! What a match returns: serde types the CLI writes and the HTTP service sends.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How far a suggestion can be trusted.
pub enum Tier {
    /// Nothing worth suggesting.
    None,
    /// A weak suggestion.
    Low,
    /// A plausible suggestion that needs a reviewer.
    Medium,
    /// A suggestion strong enough to approve without reading.
    High,
}

impl Tier {
    /// The tier's English name (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::High => "high",
            Tier::Medium => "medium",
            Tier::Low => "low",
            Tier::None => "none",
        }
    }
    /// The tier's Chinese label (`高`).
    pub fn label_zh(self) -> &'static str {
        match self {
            Tier::High => "高",
            Tier::Medium => "中",
            Tier::Low => "低",
            Tier::None => "无",
        }
    }
    /// Every tier, best first.
    pub const ALL: [Tier; 4] = [Tier::High, Tier::Medium, Tier::Low, Tier::None];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How one field of the item compares with the candidate's.
pub enum Verdict {
    /// The field agrees.
    Agree,
    /// The field agrees in part (a close name, a maker spelt short).
    Partial,
    /// The field disagrees.
    Disagree,
    /// One side has no value.
    Missing,
}

/// One field's comparison between the hospital item and a catalogue row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The field compared (`名称`, `规格`, …).
    pub field: String,
    /// The hospital's value.
    pub hospital_value: String,
    /// The catalogue's value.
    pub catalogue_value: String,
    /// How they compare.
    pub verdict: Verdict,
    /// Contribution to the log-odds of a match (positive supports it).
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// One national row suggested for a hospital item.
pub struct Candidate {
    /// The national code.
    pub code: String,
    /// The national name.
    pub name: String,
    /// The score, 0..1.
    pub score: f64,
    /// The candidate's own tier.
    pub tier: Tier,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    /// The specification.
    pub spec: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The package.
    pub pack_spec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The dosage form.
    pub dosage_form: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    /// The manufacturer.
    pub manufacturer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The 批准文号.
    pub approval_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The minimum or charging unit.
    pub unit: Option<String>,
    /// False when the national row is deactivated.
    pub active: bool,
    /// Field-level evidence behind the score.
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
/// What the matcher says about one hospital item.
pub struct MatchResult {
    /// The item's row in its source file (1-based), so output traces back.
    pub row: u64,
    /// The hospital's item code.
    pub hospital_code: String,
    /// The hospital's item name.
    pub hospital_name: String,
    /// The tier of the best candidate after the runner-up check.
    pub tier: Tier,
    /// Why the tier: the deciding evidence, or why nothing matched.
    pub reason: String,
    /// Best first; empty when nothing matched.
    pub candidates: Vec<Candidate>,
    /// How the candidates were found (keys, refined blocks, caps).
    #[serde(default)]
    pub retrieval: Retrieval,
    /// The calibrated probability that the best candidate is right, from the
    /// per-field model (`data/field_model.json`); `None` with no candidate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// What the per-field model saw of the best candidate besides its
    /// evidence (exact raw log-odds; the displayed scores are rounded), so
    /// [`crate::Matcher::example`] rebuilds the very features `probability`
    /// came from. Not serialised.
    #[serde(skip)]
    pub logits: Option<BestLogits>,
}

/// The raw log-odds of a result's best candidate and its gap to the
/// runner-up, kept with the code they belong to (a caller that reorders the
/// candidates, like the re-use of an approved target, no longer matches it).
#[derive(Clone, Debug, PartialEq)]
pub struct BestLogits {
    /// The best candidate's national code.
    pub code: String,
    /// Its raw log-odds.
    pub logit: f64,
    /// Its log-odds minus the runner-up's; `None` without a runner-up. For
    /// a clear ICD answer the runner-up is the first pass's: the rows listed
    /// beside it count only when one comes within the high margin (see
    /// `Matcher::match_item`), so a shown second row may be further off.
    pub margin: Option<f64>,
    /// Candidates scored with exactly its log-odds, itself included.
    pub tied: u32,
}

/// How a match found its candidates: which keys gave rows, which same-name
/// blocks were too large to score whole and were refined by a second key,
/// how many rows were fully scored and whether a cap cut the search.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Retrieval {
    /// Keys that gave candidates, in the order tried (`注册证号`, `名称`, `全文检索`…).
    pub keys: Vec<String>,
    /// Same-name blocks larger than the pre-score limit, refined by a second key.
    pub blocks_refined: u32,
    /// Rows of the largest same-name block met.
    pub largest_block: u64,
    /// Second keys used to refine (`规格型号`, `生产企业`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refined_by: Vec<String>,
    /// Rows given the cheap pre-score.
    pub prescored: u32,
    /// Rows fully scored (field evidence).
    pub candidates_scored: u32,
    /// A cap stopped the search: some rows of a block were never looked at.
    pub cap_reached: bool,
}

impl Retrieval {
    /// One Chinese line for the explanation: `检索: 注册证号, 名称; 评分 12 行`.
    pub fn explain(&self) -> String {
        let keys = if self.keys.is_empty() {
            "无".to_string()
        } else {
            self.keys.join(", ")
        };
        let mut s = format!("检索: {keys}; 评分 {} 行", self.candidates_scored);
        if self.blocks_refined > 0 {
            let by = if self.refined_by.is_empty() {
                "无第二键".to_string()
            } else {
                self.refined_by.join("、")
            };
            s.push_str(&format!(
                "; 同名组最大 {} 行，{} 组按{}细分，预评分 {} 行",
                self.largest_block, self.blocks_refined, by, self.prescored
            ));
        }
        if self.cap_reached {
            s.push_str("; 已达候选上限，部分同名行未评分 (cap reached)");
        }
        s
    }
}

impl MatchResult {
    /// A result with no candidate and the reason why.
    pub fn none(row: u64, code: &str, name: &str, reason: impl Into<String>) -> MatchResult {
        MatchResult {
            row,
            hospital_code: code.to_string(),
            hospital_name: name.to_string(),
            tier: Tier::None,
            reason: reason.into(),
            candidates: Vec::new(),
            retrieval: Retrieval::default(),
            probability: None,
            logits: None,
        }
    }

    /// The best candidate, if any.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}
