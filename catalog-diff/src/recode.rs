//! Re-code detection: a retired code whose product reappears under a new code.
//!
//! Candidates are found by blocking (rows sharing a key from
//! [`RecodeScorer::block_keys`]), scored by [`RecodeScorer::score`], and
//! paired one-to-one, best score first. The built-in scorer trusts strong
//! keys (批准文号, 本位码, 注册证号, 价格项目编码) when spec and manufacturer
//! agree, else falls back to name + spec + manufacturer similarity. The
//! matcher crate can plug in its own scorer through the trait.

use catalog_core::category::Category;
use catalog_core::entry::{field_specs, Entry};
use catalog_core::normalize;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use unicode_normalization::{is_nfkc_quick, IsNormalized};

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

/// One field compared between a retired and an added row.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Evidence {
    /// The field key.
    pub field: String,
    /// Its Chinese label.
    pub label: String,
    /// The retired row's value.
    pub old: String,
    /// The added row's value.
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
    /// As [`score`](Self::score), for callers that drop anything below
    /// `threshold`: a scorer may rule pairs out early. The default scores fully.
    fn score_at_least(&self, old: &Entry, new: &Entry, threshold: f64) -> Option<RecodeEvidence> {
        self.score(old, new).filter(|e| e.score >= threshold)
    }
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
/// Borrowed when `s` is already in that form (the usual case: registration
/// numbers and specs compared by the thousand in a big diff).
fn norm(s: &str) -> Cow<'_, str> {
    let plain = s
        .chars()
        .all(|c| !(c.is_whitespace() || c.is_ascii_lowercase() || c == '*' || c == '\u{feff}'));
    if plain && (s.is_ascii() || is_nfkc_quick(s.chars()) == IsNormalized::Yes) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(normalize::code(s).replace('*', "×"))
    }
}

fn value(e: &Entry, key: &str) -> String {
    norm(&e.field(key).display()).into_owned()
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
        builtin_score(old, new, 0.0)
    }

    fn score_at_least(&self, old: &Entry, new: &Entry, threshold: f64) -> Option<RecodeEvidence> {
        builtin_score(old, new, threshold)
    }
}

/// How one field compares, decided cheaply (raw, then normalised equality).
#[derive(Clone, Copy, PartialEq)]
enum Agree {
    /// Empty on either side: not evidence either way.
    Missing,
    Equal,
    /// Differs; the similarity is computed only if the pair can still pass.
    Differs,
}

fn agree(a: &str, b: &str) -> Agree {
    if a.trim().is_empty() || b.trim().is_empty() {
        Agree::Missing
    } else if a == b || norm(a) == norm(b) {
        Agree::Equal
    } else {
        Agree::Differs
    }
}

/// Best similarity two differing texts can have: the diff ratio is
/// 2·matches / (len a + len b), and matches ≤ the shorter length.
fn sim_bound(a: &str, b: &str) -> f64 {
    let (la, lb) = (a.chars().count(), b.chars().count());
    if la + lb == 0 {
        return 0.0;
    }
    // Strictly below 1: the two differ.
    (2.0 * la.min(lb) as f64 / (la + lb) as f64).min(0.999)
}

/// The weighting of [`BuiltinRecodeScorer`], shared by the bound and the
/// real score so the two cannot disagree.
fn combine(strong: bool, name: f64, spec: Option<f64>, mfr: Option<f64>) -> f64 {
    let parts = [(0.5, Some(name)), (0.25, spec), (0.25, mfr)];
    let (num, den) = parts
        .iter()
        .filter_map(|(w, s)| s.map(|s| (w * s, *w)))
        .fold((0.0, 0.0), |(n, d), (a, b)| (n + a, d + b));
    let weighted = if den > 0.0 { num / den } else { 0.0 };
    if strong {
        0.5 + 0.5 * weighted
    } else {
        0.9 * weighted
    }
}

/// The built-in score. Most candidate pairs in a big diff fail, so each
/// field is first only tested for equality, an upper bound of the score is
/// taken (differing texts at their best possible similarity) and the pair
/// dropped when even that is below `threshold`; the character diffs behind
/// the evidence are computed for the few pairs that can still pass.
fn builtin_score(old: &Entry, new: &Entry, threshold: f64) -> Option<RecodeEvidence> {
    let c = old.category();
    if new.category() != c {
        return None;
    }
    // 曾用码 naming the old code is the bureau saying so outright.
    let former = new.field("former_codes").display();
    let former_listed = !former.is_empty()
        && former
            .split(|ch: char| !ch.is_ascii_alphanumeric())
            .any(|t| normalize::code(t) == normalize::code(&old.code));

    let fields = |keys: &'static [&'static str]| -> Vec<(&'static str, String, String, Agree)> {
        keys.iter()
            .map(|k| {
                let (a, b) = (raw(old, k), raw(new, k));
                let ag = agree(&a, &b);
                (*k, a, b, ag)
            })
            .collect()
    };
    let strong = fields(strong_fields(c));
    let strong_key: Option<String> = if former_listed {
        Some("former_codes".to_string())
    } else {
        strong
            .iter()
            .find(|f| f.3 == Agree::Equal)
            .map(|f| f.0.to_string())
    };
    let strong_disagrees = strong.iter().any(|f| f.3 == Agree::Differs);
    // A 批准文号/本位码/注册证号 given on both sides that differs means
    // another product (another pack, another approval).
    if strong_key.is_none() && strong_disagrees {
        return None;
    }
    let specs = fields(spec_fields(c));
    let mfr: &'static [&'static str] = if has_manufacturer(c) {
        &["manufacturer"]
    } else {
        &[]
    };
    let mfrs = fields(mfr);
    let name_agree = agree(&old.name, &new.name);

    // A spec shared by both sides must agree: one 批准文号 covers several
    // specs, each with its own code, so a different spec is a different product.
    let penalty = |spec_differs: bool| {
        let mut m = 1.0;
        if strong_key.as_deref() != Some("former_codes") {
            if spec_differs {
                m *= 0.6;
            }
            // One strong key agreeing while another differs (same 批准文号,
            // another 本位码) is another pack of the product, not a re-code.
            if strong_disagrees {
                m *= 0.6;
            }
        }
        m
    };
    let spec_differs = specs.iter().any(|f| f.3 == Agree::Differs);
    if strong_key.as_deref() != Some("former_codes") && threshold > 0.0 {
        let best = |a: &str, b: &str, ag: Agree| match ag {
            Agree::Missing => None,
            Agree::Equal => Some(1.0),
            Agree::Differs => Some(sim_bound(&norm(a), &norm(b))),
        };
        let name_b = best(&old.name, &new.name, name_agree).unwrap_or(0.0);
        if strong_key.is_none() && name_b < 0.5 {
            return None;
        }
        let spec_b = specs
            .iter()
            .filter_map(|f| best(&f.1, &f.2, f.3))
            .reduce(f64::min);
        let mfr_b = mfrs.iter().filter_map(|f| best(&f.1, &f.2, f.3)).next();
        let bound = combine(strong_key.is_some(), name_b, spec_b, mfr_b) * penalty(spec_differs);
        if bound < threshold {
            return None;
        }
    }

    let mut evidence = Vec::new();
    if former_listed {
        evidence.push(Evidence {
            field: "former_codes".into(),
            label: label_of(c, "former_codes"),
            old: old.code.clone(),
            new: former.clone(),
            similarity: 1.0,
        });
    }
    let mut push = |key: &str, a: String, b: String, ag: Agree| -> Option<f64> {
        let sim = match ag {
            Agree::Missing => return None,
            Agree::Equal => 1.0,
            Agree::Differs => similarity(&norm(&a), &norm(&b)),
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
    for (k, a, b, ag) in strong {
        push(k, a, b, ag);
    }
    let name_sim = push("name", old.name.clone(), new.name.clone(), name_agree).unwrap_or(0.0);
    if strong_key.is_none() && name_sim < 0.5 {
        return None;
    }
    let mut spec_sim: Option<f64> = None;
    for (k, a, b, ag) in specs {
        if let Some(s) = push(k, a, b, ag) {
            spec_sim = Some(spec_sim.map_or(s, |p: f64| p.min(s)));
        }
    }
    let mut mfr_sim = None;
    for (k, a, b, ag) in mfrs {
        mfr_sim = push(k, a, b, ag);
    }
    let score = if strong_key.as_deref() == Some("former_codes") {
        1.0
    } else {
        combine(strong_key.is_some(), name_sim, spec_sim, mfr_sim) * penalty(spec_differs)
    };
    Some(RecodeEvidence {
        score: (score * 1000.0).round() / 1000.0,
        strong_key,
        evidence,
        old_still_listed: false,
        alternatives: Vec::new(),
    })
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
            if let Some(ev) = scorer.score_at_least(o, n, threshold) {
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
    fn code(v: &[Entry], i: usize) -> &str {
        v.get(i).map_or("", |e| e.code.as_str())
    }
    cands.sort_by(|a, b| {
        b.2.score
            .total_cmp(&a.2.score)
            .then_with(|| code(sources, a.0).cmp(code(sources, b.0)))
            .then_with(|| code(added, a.1).cmp(code(added, b.1)))
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
            .map(|(other, _)| code(added, *other).to_string())
            .collect();
        out.push((si, ai, ev));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_borrows_only_text_already_in_form() {
        for (s, want) in [
            ("国械注准20203063901", "国械注准20203063901"),
            ("国械注准 20203063901", "国械注准20203063901"),
            ("ｘａ０１ＡＢ", "XA01AB"),
            ("10mg*12片", "10MG×12片"),
            ("10MG×12片", "10MG×12片"),
            ("\u{feff}H2000", "H2000"),
            ("（按C₁₆H₁₉N₃O₅S计）", "(按C16H19N3O5S计)"),
            ("", ""),
        ] {
            assert_eq!(norm(s), want, "{s}");
        }
        assert!(matches!(norm("国械注准20203063901"), Cow::Borrowed(_)));
        assert!(matches!(norm("10mg*12片"), Cow::Owned(_)));
    }

    #[test]
    fn the_bound_never_drops_a_pair_the_full_score_keeps() {
        use catalog_core::entry::{Detail, FieldValue};
        let mk = |code: &str, name: &str, spec: &str, mfr: &str, appr: &str| {
            let mut e = Entry::new(code, name, Detail::empty(Category::Drug));
            e.detail.set("spec", FieldValue::Text(spec.into()));
            e.detail.set("manufacturer", FieldValue::Text(mfr.into()));
            e.detail.set("approval_no", FieldValue::Text(appr.into()));
            e
        };
        let old = mk(
            "XA1",
            "阿莫西林胶囊",
            "0.25g",
            "某某制药有限公司",
            "国药准字H1",
        );
        let variants = [
            mk(
                "XB1",
                "阿莫西林胶囊",
                "0.25g",
                "某某制药有限公司",
                "国药准字H1",
            ),
            mk("XB2", "阿莫西林胶囊", "0.25g", "某某制药股份有限公司", ""),
            mk("XB3", "阿莫西林片", "0.25g", "某某制药有限公司", ""),
            mk(
                "XB4",
                "阿莫西林胶囊",
                "0.5g",
                "某某制药有限公司",
                "国药准字H1",
            ),
            mk("XB5", "阿莫西林胶囊", "0.25g", "另一家药厂", "国药准字H2"),
        ];
        for new in &variants {
            let full = builtin_score(&old, new, 0.0);
            for t in [0.3, 0.5, 0.7, 0.8, 0.9] {
                let bounded = builtin_score(&old, new, t);
                let keep = full.as_ref().is_some_and(|e| e.score >= t);
                assert_eq!(
                    bounded.is_some_and(|e| e.score >= t),
                    keep,
                    "{} at {t}",
                    new.code
                );
            }
        }
        assert!(builtin_score(&old, &variants[0], 0.8).is_some());
        assert!(builtin_score(&old, &variants[3], 0.8).is_none());
    }
}
