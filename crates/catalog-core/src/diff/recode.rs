//! Re-code detection: a retired code whose product reappears under a new code.
//!
//! Candidates are found by blocking (rows sharing a key from
//! [`RecodeScorer::block_keys`]), scored by [`RecodeScorer::score`], and
//! paired one-to-one, best score first. The built-in scorer trusts strong
//! keys (批准文号, 本位码, 注册证号, 价格项目编码) when spec and manufacturer
//! agree, else falls back to name + spec + manufacturer similarity. The
//! matcher crate can plug in its own scorer through the trait.

use crate::category::Category;
use crate::entry::{field_specs, Entry};
use crate::normalize;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Why two rows are taken to be the same product.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RecodeEvidence {
    /// 0–1; pairs below `DiffOptions::recode_threshold` are not re-codes.
    pub score: f64,
    /// The strong key that agreed (`approval_no`…), if any.
    pub strong_key: Option<String>,
    /// Each field compared, with its similarity.
    pub evidence: Vec<Evidence>,
    /// True when the old code is still listed (deactivated), false when removed.
    pub old_still_listed: bool,
    /// Other added codes that scored within 0.02 of the chosen one: review these.
    pub alternatives: Vec<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Evidence {
    pub field: String,
    pub label: String,
    pub old: String,
    pub new: String,
    /// 1.0 = equal after normalisation.
    pub similarity: f64,
}

/// Plug-in point for re-code scoring.
pub trait RecodeScorer: Send + Sync {
    /// Keys that put a row in a candidate block, strongest first: only rows
    /// sharing a key are scored, and weaker keys are tried only while the
    /// stronger ones gave no candidate above the threshold.
    fn block_keys(&self, e: &Entry) -> Vec<String>;
    /// Evidence that `new` is `old` under a new code, or None if implausible.
    /// `old_still_listed` and `alternatives` are filled in by the caller.
    fn score(&self, old: &Entry, new: &Entry) -> Option<RecodeEvidence>;
}

/// The default scorer (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct BuiltinRecodeScorer;

fn strong_fields(c: Category) -> &'static [&'static str] {
    match c {
        Category::Drug | Category::Preparation => &["approval_no", "standard_code"],
        Category::Consumable => &["registration_no", "udi"],
        Category::Service => &["price_code"],
        _ => &[],
    }
}

fn spec_fields(c: Category) -> &'static [&'static str] {
    match c {
        // The drug code encodes the pack: another pack size is another product.
        Category::Drug | Category::Preparation => &["spec", "pack_qty", "pack_unit"],
        Category::Consumable => &["spec", "model", "spec_model"],
        Category::Service => &["unit"],
        Category::Reimbursement | Category::Negotiated => &["dosage_form"],
        _ => &[],
    }
}

fn has_manufacturer(c: Category) -> bool {
    matches!(
        c,
        Category::Drug | Category::Preparation | Category::Consumable
    )
}

/// Comparable form: width-folded, no whitespace, upper case, `*` read as `×`.
fn norm(s: &str) -> String {
    normalize::code(s).replace('*', "×")
}

fn value(e: &Entry, key: &str) -> String {
    norm(&e.field(key).display())
}

fn raw(e: &Entry, key: &str) -> String {
    e.field(key).display()
}

fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    f64::from(similar::TextDiff::from_chars(a, b).ratio())
}

fn label_of(c: Category, key: &str) -> String {
    field_specs(c)
        .iter()
        .find(|s| s.key == key)
        .map_or_else(|| key.to_string(), |s| s.label.to_string())
}

impl RecodeScorer for BuiltinRecodeScorer {
    fn block_keys(&self, e: &Entry) -> Vec<String> {
        let c = e.category();
        let mut keys = Vec::new();
        for f in strong_fields(c) {
            let v = value(e, f);
            if !v.is_empty() {
                keys.push(format!("k:{f}:{v}"));
            }
        }
        // Exact names only: a name prefix (注射用, 复方…) makes huge blocks
        // for no gain; renamed products are still found in small diffs,
        // where every pair is scored.
        let name = norm(&e.name);
        if !name.is_empty() {
            keys.push(format!("n:{name}"));
        }
        for f in ["generic_name", "reg_product_name"] {
            let v = value(e, f);
            if !v.is_empty() && v != name {
                keys.push(format!("n:{v}"));
            }
        }
        keys
    }

    fn score(&self, old: &Entry, new: &Entry) -> Option<RecodeEvidence> {
        let c = old.category();
        if new.category() != c {
            return None;
        }
        let mut evidence = Vec::new();
        let mut strong_key = None;
        let mut strong_disagrees = false;
        // 曾用码 naming the old code is the bureau saying so outright.
        let former = new.field("former_codes").display();
        if !former.is_empty() {
            let listed = former
                .split(|ch: char| !ch.is_ascii_alphanumeric())
                .any(|t| normalize::code(t) == normalize::code(&old.code));
            if listed {
                evidence.push(Evidence {
                    field: "former_codes".into(),
                    label: label_of(c, "former_codes"),
                    old: old.code.clone(),
                    new: former.clone(),
                    similarity: 1.0,
                });
                strong_key = Some("former_codes".to_string());
            }
        }
        // Raw values first: most candidates agree verbatim, and normalising
        // (NFKC) only the ones that differ keeps scoring cheap at scale.
        let mut push = |key: &str, a: String, b: String| -> Option<f64> {
            if a.trim().is_empty() || b.trim().is_empty() {
                return None;
            }
            let sim = if a == b {
                1.0
            } else {
                similarity(&norm(&a), &norm(&b))
            };
            evidence.push(Evidence {
                field: key.to_string(),
                label: label_of(c, key),
                old: a,
                new: b,
                similarity: (sim * 1000.0).round() / 1000.0,
            });
            Some(sim)
        };
        for f in strong_fields(c) {
            match push(f, raw(old, f), raw(new, f)) {
                Some(s) if s >= 1.0 && strong_key.is_none() => strong_key = Some(f.to_string()),
                Some(s) if s >= 1.0 => {}
                Some(_) => strong_disagrees = true,
                None => {}
            }
        }
        // A 批准文号/本位码/注册证号 given on both sides that differs means
        // another product (another pack, another approval): ruled out before
        // the costlier name comparisons, which matters for big diffs.
        if strong_key.is_none() && strong_disagrees {
            return None;
        }
        let name_sim = push("name", old.name.clone(), new.name.clone()).unwrap_or(0.0);
        // A spec shared by both sides must agree: one 批准文号 covers several
        // specs, each with its own code, so a different spec is a different product.
        let mut spec_sim: Option<f64> = None;
        for f in spec_fields(c) {
            if let Some(s) = push(f, raw(old, f), raw(new, f)) {
                spec_sim = Some(spec_sim.map_or(s, |p: f64| p.min(s)));
            }
        }
        let mfr_sim = if has_manufacturer(c) {
            push(
                "manufacturer",
                raw(old, "manufacturer"),
                raw(new, "manufacturer"),
            )
        } else {
            None
        };
        let parts = [(0.5, Some(name_sim)), (0.25, spec_sim), (0.25, mfr_sim)];
        let (num, den) = parts
            .iter()
            .filter_map(|(w, s)| s.map(|s| (w * s, *w)))
            .fold((0.0, 0.0), |(n, d), (a, b)| (n + a, d + b));
        let weighted = if den > 0.0 { num / den } else { 0.0 };
        let mut score = if strong_key.is_some() {
            0.5 + 0.5 * weighted
        } else {
            if name_sim < 0.5 {
                return None;
            }
            0.9 * weighted
        };
        if strong_key.as_deref() == Some("former_codes") {
            score = 1.0;
        } else {
            if spec_sim.is_some_and(|s| s < 1.0) {
                score *= 0.6;
            }
            // One strong key agreeing while another differs (same 批准文号,
            // another 本位码) is another pack of the product, not a re-code.
            if strong_disagrees {
                score *= 0.6;
            }
        }
        Some(RecodeEvidence {
            score: (score * 1000.0).round() / 1000.0,
            strong_key,
            evidence,
            old_still_listed: false,
            alternatives: Vec::new(),
        })
    }
}

/// Below this many candidate pairs every pair is scored (catches renamed
/// products that share no block key); above it, only pairs within a block.
const ALL_PAIRS_LIMIT: usize = 50_000;
/// Blocks bigger than this on the added side are too unspecific to score.
const MAX_BLOCK: usize = 200;

/// Pairs (source index, added index, evidence), one-to-one, best first.
pub(crate) fn find_recodes(
    sources: &[Entry],
    added: &[Entry],
    scorer: &dyn RecodeScorer,
    threshold: f64,
) -> Vec<(usize, usize, RecodeEvidence)> {
    if sources.is_empty() || added.is_empty() {
        return Vec::new();
    }
    let mut cands: Vec<(usize, usize, RecodeEvidence)> = Vec::new();
    let consider = |cands: &mut Vec<(usize, usize, RecodeEvidence)>, si: usize, ai: usize| {
        if let (Some(o), Some(n)) = (sources.get(si), added.get(ai)) {
            if let Some(ev) = scorer.score(o, n) {
                if ev.score >= threshold {
                    cands.push((si, ai, ev));
                }
            }
        }
    };
    if sources.len().saturating_mul(added.len()) <= ALL_PAIRS_LIMIT {
        for si in 0..sources.len() {
            for ai in 0..added.len() {
                consider(&mut cands, si, ai);
            }
        }
    } else {
        let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
        for (ai, e) in added.iter().enumerate() {
            for k in scorer.block_keys(e) {
                blocks.entry(k).or_default().push(ai);
            }
        }
        // Keys are tried strongest first; once a key yields an acceptable
        // candidate the weaker ones are not scored, so common names (导管,
        // 注射用…) cost nothing when a 批准文号/注册证号 already decided.
        let blocks = &blocks;
        let consider = &consider;
        let source_range = |lo: usize, hi: usize| {
            let mut out = Vec::new();
            for si in lo..hi {
                let Some(e) = sources.get(si) else { break };
                let mut seen = HashSet::new();
                for k in scorer.block_keys(e) {
                    let Some(b) = blocks.get(&k) else { continue };
                    if b.len() > MAX_BLOCK {
                        continue;
                    }
                    let before = out.len();
                    for &ai in b {
                        if seen.insert(ai) {
                            consider(&mut out, si, ai);
                        }
                    }
                    if out.len() > before {
                        break;
                    }
                }
            }
            out
        };
        // Sources are independent: score them on two threads (the target
        // machine has two cores). Order is restored by the sort below.
        let mid = sources.len() / 2;
        let (first, second) = std::thread::scope(|sc| {
            let h = sc.spawn(|| source_range(mid, sources.len()));
            let first = source_range(0, mid);
            (first, h.join())
        });
        cands = first;
        match second {
            Ok(v) => cands.extend(v),
            // A panicking scorer must not lose half the sources silently.
            Err(_) => cands.extend(source_range(mid, sources.len())),
        }
    }
    let code = |v: &[Entry], i: usize| v.get(i).map_or("", |e| e.code.as_str()).to_string();
    cands.sort_by(|a, b| {
        b.2.score
            .total_cmp(&a.2.score)
            .then_with(|| code(sources, a.0).cmp(&code(sources, b.0)))
            .then_with(|| code(added, a.1).cmp(&code(added, b.1)))
    });
    let mut best_of_source: HashMap<usize, Vec<(usize, f64)>> = HashMap::new();
    for (si, ai, ev) in &cands {
        best_of_source.entry(*si).or_default().push((*ai, ev.score));
    }
    let mut used_s = HashSet::new();
    let mut used_a = HashSet::new();
    let mut out = Vec::new();
    for (si, ai, mut ev) in cands {
        if used_s.contains(&si) || used_a.contains(&ai) {
            continue;
        }
        used_s.insert(si);
        used_a.insert(ai);
        ev.alternatives = best_of_source
            .get(&si)
            .into_iter()
            .flatten()
            .filter(|(other, s)| *other != ai && *s >= ev.score - 0.02)
            .map(|(other, _)| code(added, *other))
            .collect();
        out.push((si, ai, ev));
    }
    out
}
