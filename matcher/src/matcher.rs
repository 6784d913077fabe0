//! The matcher: exact-key look-ups, then text candidates, each scored on
//! field-level evidence. Shared read-only, so one `Arc<Matcher>` serves many
//! threads (batch matching, the HTTP service).

use crate::index::CatalogIndex;
use crate::record::{Query, Record};
use crate::result::{Candidate, Evidence, MatchResult, Tier, Verdict};
use crate::score;
use catalog_core::{Category, HospitalItem};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Names longer than this are cut before analysis: real names are short, and a
/// pasted 10 kB cell must not cost more than a normal query.
const MAX_NAME_CHARS: usize = 200;
/// A cheap ranking of a row for an item, used only to choose which rows of a
/// large same-name group get fully scored.
fn prescore(q: &Query, r: &Record) -> u32 {
    use crate::norm::spec::{compare_count, compare_strength, Cmp};
    let mut s = 0;
    for t in &q.spec_tokens {
        if r.spec_tokens.contains(t) {
            s += if t.contains('-') { 4 } else { 1 };
        }
    }
    if !q.mfr_core.is_empty()
        && !r.mfr_core.is_empty()
        && (r.mfr_core.contains(q.mfr_core.as_str()) || q.mfr_core.contains(r.mfr_core.as_str()))
    {
        s += 3;
    }
    if compare_strength(&q.spec, &r.spec) == Cmp::Agree {
        s += 2;
    }
    if compare_count(&q.spec, &r.spec) == Cmp::Agree {
        s += 1;
    }
    if q.form.is_some() && q.form == r.form {
        s += 1;
    }
    s
}

/// Rows of a same-name group fully scored (the best by pre-score).
const NAME_GROUP: usize = 60;
/// Same-name groups expanded from the text hits, and rows kept per group.
const GROUPS_FROM_TEXT: usize = 3;
const PER_GROUP: usize = 25;
/// How many text hits are re-ranked per item.
const TEXT_CANDIDATES: usize = 30;
/// Upper bound of candidates scored per item (keys and names can fan out).
const MAX_CANDIDATES: usize = 200;
/// A rival within this much log-odds of the best keeps the best out of "high".
const HIGH_MARGIN: f64 = 1.0;

type KeyMap = HashMap<String, Vec<u32>>;

fn get<'a>(m: &'a KeyMap, k: &Option<String>) -> &'a [u32] {
    k.as_ref()
        .and_then(|k| m.get(k))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub struct Matcher {
    index: CatalogIndex,
    by_code: HashMap<String, u32>,
    by_approval: KeyMap,
    by_standard: KeyMap,
    by_registration: KeyMap,
    by_price: KeyMap,
    by_icd: KeyMap,
    by_base: KeyMap,
    by_name: KeyMap,
}

fn add(map: &mut KeyMap, k: Option<&str>, ord: u32) {
    if let Some(k) = k.filter(|k| !k.is_empty()) {
        map.entry(k.to_string()).or_default().push(ord);
    }
}

impl Matcher {
    pub fn open(dir: &Path) -> anyhow::Result<Matcher> {
        Ok(Matcher::new(CatalogIndex::open(dir)?))
    }

    pub fn new(index: CatalogIndex) -> Matcher {
        let mut m = Matcher {
            by_code: HashMap::with_capacity(index.records.len()),
            by_approval: KeyMap::new(),
            by_standard: KeyMap::new(),
            by_registration: KeyMap::new(),
            by_price: KeyMap::new(),
            by_icd: KeyMap::new(),
            by_base: KeyMap::new(),
            by_name: KeyMap::new(),
            index,
        };
        for (i, r) in m.index.records.iter().enumerate() {
            let i = i as u32;
            m.by_code.insert(r.code.clone(), i);
            add(&mut m.by_approval, r.approval_key.as_deref(), i);
            add(&mut m.by_standard, r.standard_code.as_deref(), i);
            add(&mut m.by_registration, r.registration_no.as_deref(), i);
            add(&mut m.by_price, r.price_code.as_deref(), i);
            for k in &r.icd_keys {
                add(&mut m.by_icd, Some(k), i);
            }
            add(&mut m.by_base, Some(&r.base), i);
            for n in &r.names {
                add(&mut m.by_name, Some(n), i);
            }
            if let Some(t) = &r.trade_name {
                add(&mut m.by_name, Some(t), i);
            }
        }
        m
    }

    pub fn category(&self) -> Category {
        self.index.meta.version.category
    }
    pub fn version(&self) -> &catalog_core::VersionInfo {
        &self.index.meta.version
    }
    pub fn records(&self) -> &[Record] {
        &self.index.records
    }
    pub fn record(&self, code: &str) -> Option<&Record> {
        self.by_code
            .get(code)
            .and_then(|&i| self.index.records.get(i as usize))
    }

    /// Match one hospital item. Never fails: an item that cannot be matched
    /// gets tier `none` and the reason.
    pub fn match_item(&self, item: &HospitalItem, top: usize) -> MatchResult {
        let top = top.clamp(1, 50);
        let mut res = MatchResult {
            row: item.row,
            hospital_code: item.code.clone(),
            hospital_name: item.name.clone(),
            tier: Tier::None,
            reason: String::new(),
            candidates: Vec::new(),
        };
        let mut it = item.clone();
        if it.name.chars().count() > MAX_NAME_CHARS {
            it.name = it.name.chars().take(MAX_NAME_CHARS).collect();
        }
        let q = Query::from_item(&it, Some(self.category()));
        let has_key = q.approval_key.is_some()
            || q.standard_code.is_some()
            || q.registration_no.is_some()
            || q.price_code.is_some()
            || q.national_code.is_some();
        if q.parts.generic.is_empty() && q.initials.is_none() && !has_key {
            res.reason =
                "名称为空或只有标点，且无批准文号/注册证号/编码，无法匹配 (empty name and no key)"
                    .into();
            return res;
        }
        let score_all = |ords: &[u32]| -> Vec<(f64, u32, Vec<Evidence>)> {
            ords.iter()
                .map(|&o| {
                    let (ev, logit) =
                        score::evaluate_with(&q, &self.index.records[o as usize], false);
                    (logit, o, ev)
                })
                .collect()
        };
        let order = |scored: &mut Vec<(f64, u32, Vec<Evidence>)>| {
            scored.sort_by(|a, b| {
                let (ra, rb) = (
                    &self.index.records[a.1 as usize],
                    &self.index.records[b.1 as usize],
                );
                b.0.total_cmp(&a.0)
                    .then(rb.active.cmp(&ra.active))
                    .then(ra.code.cmp(&rb.code))
            })
        };
        // Keys and exact names first; the full-text search (the costly part)
        // runs only when they leave no clear high-tier answer.
        let cands = self.candidates(&q);
        let mut scored = score_all(&cands);
        order(&mut scored);
        let clear = match scored.as_slice() {
            [] => false,
            [(l0, _, ev), rest @ ..] => {
                score::tier_of(score::sigmoid(*l0), ev) == Tier::High
                    && rest.first().is_none_or(|r| l0 - r.0 >= HIGH_MARGIN)
            }
        };
        if !clear {
            let seen: HashSet<u32> = cands.iter().copied().collect();
            let extra: Vec<u32> = self
                .text_candidates(&q)
                .into_iter()
                .filter(|o| !seen.contains(o))
                .collect();
            scored.extend(score_all(&extra));
            order(&mut scored);
        }
        if scored.is_empty() {
            res.reason = "目录中没有候选 (no candidate in the catalogue)".into();
            return res;
        }
        let logits: Vec<f64> = scored.iter().take(top.max(2)).map(|s| s.0).collect();
        for (logit, o, _) in scored.into_iter().take(top.max(2)) {
            let r = &self.index.records[o as usize];
            // Full explanation texts only for the rows shown.
            let (ev, _) = score::evaluate_with(&q, r, true);
            let s = score::sigmoid(logit);
            res.candidates.push(Candidate {
                code: r.code.clone(),
                name: r.name.clone(),
                score: (s * 1e6).round() / 1e6,
                tier: score::tier_of(s, &ev),
                spec: r.spec_text.clone(),
                pack_spec: r.pack_spec.clone(),
                dosage_form: r.form_text.clone().or(r.form.clone()),
                manufacturer: r.manufacturer.clone(),
                approval_no: r.approval_no.clone(),
                unit: r.unit.clone(),
                active: r.active,
                evidence: ev,
            });
        }
        Self::decide(&mut res, &logits);
        res.candidates.truncate(top);
        res
    }

    fn decide(res: &mut MatchResult, logits: &[f64]) {
        let Some(best) = res.candidates.first() else {
            return;
        };
        let mut tier = best.tier;
        let mut reason = best.explain();
        if let (Some(second), [l0, l1, ..]) = (res.candidates.get(1), logits) {
            let gap = l0 - l1;
            if tier == Tier::High && gap < HIGH_MARGIN {
                tier = Tier::Medium;
                reason = format!(
                    "{reason}; 次选 {} 同样吻合，需人工确认 (runner-up as good)",
                    second.code
                );
            }
        }
        if tier == Tier::None {
            reason = format!("最佳候选证据不足 (best candidate too weak): {reason}");
        }
        res.tier = tier;
        res.reason = reason;
    }

    fn candidates(&self, q: &Query) -> Vec<u32> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut push = |ords: &[u32], out: &mut Vec<u32>| {
            for &o in ords {
                if out.len() >= MAX_CANDIDATES {
                    return;
                }
                if seen.insert(o) {
                    out.push(o);
                }
            }
        };
        push(get(&self.by_approval, &q.approval_key), &mut out);
        push(get(&self.by_standard, &q.standard_code), &mut out);
        push(get(&self.by_registration, &q.registration_no), &mut out);
        push(get(&self.by_price, &q.price_code), &mut out);
        push(get(&self.by_icd, &q.icd_key), &mut out);
        if let Some(o) = q.national_code.as_ref().and_then(|c| self.by_code.get(c)) {
            push(&[*o], &mut out);
        }
        // A common name (`内固定`, `阿莫西林胶囊`) can fan out to thousands of
        // rows: keep the ones a cheap pre-score likes best.
        let mut by_name: Vec<u32> = get(&self.by_name, &Some(q.parts.generic.clone())).to_vec();
        if !q.base.is_empty() {
            by_name.extend_from_slice(get(&self.by_base, &Some(q.base.clone())));
        }
        let room = MAX_CANDIDATES.saturating_sub(out.len()).min(NAME_GROUP);
        if by_name.len() > room {
            by_name.sort_unstable();
            by_name.dedup();
            let mut keyed: Vec<(u32, u32)> = by_name
                .iter()
                .map(|&o| (prescore(q, &self.index.records[o as usize]), o))
                .collect();
            keyed.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            by_name = keyed.into_iter().map(|(_, o)| o).collect();
        }
        by_name.truncate(room);
        push(&by_name, &mut out);
        out
    }

    fn text_candidates(&self, q: &Query) -> Vec<u32> {
        let text = if q.parts.generic.is_empty() {
            q.initials.clone().unwrap_or_default()
        } else {
            q.parts.generic.clone()
        };
        let hits = self
            .index
            .text_search(&text, q.initials.as_deref(), TEXT_CANDIDATES);
        let mut out: Vec<u32> = hits.iter().map(|(o, _)| *o).collect();
        // The text hits name the product (a typo, a dropped salt, typed
        // initials); its makers and packages are then the whole same-name
        // group, not whichever rows BM25 happened to rank.
        let mut names: Vec<&str> = Vec::new();
        for (o, _) in &hits {
            let Some(r) = self.index.records.get(*o as usize) else {
                continue;
            };
            if let Some(n) = r.names.first() {
                if !names.contains(&n.as_str()) {
                    names.push(n);
                }
            }
            if names.len() >= GROUPS_FROM_TEXT {
                break;
            }
        }
        let mut seen: HashSet<u32> = out.iter().copied().collect();
        for n in names {
            let group = self.by_name.get(n).map(Vec::as_slice).unwrap_or(&[]);
            let mut keyed: Vec<(u32, u32)> = group
                .iter()
                .map(|&o| (prescore(q, &self.index.records[o as usize]), o))
                .collect();
            keyed.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for (_, o) in keyed.into_iter().take(PER_GROUP) {
                if seen.insert(o) {
                    out.push(o);
                }
            }
        }
        out
    }

    /// Match many items on all cores. Output row i is the result of input row i.
    /// `progress(n)` is called as items finish (n = items just done).
    pub fn match_batch(
        &self,
        items: &[HospitalItem],
        top: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Vec<MatchResult> {
        items
            .par_iter()
            .with_min_len(16)
            .map(|it| {
                let r = self.match_item(it, top);
                progress(1);
                r
            })
            .collect()
    }

    /// Free-text look-up (`mulu search`): the text is treated as a hospital
    /// item name, so specs and brands inside it are used too.
    pub fn search(&self, text: &str, top: usize) -> MatchResult {
        let item = HospitalItem {
            name: text.to_string(),
            ..HospitalItem::default()
        };
        let mut r = self.match_item(&item, top);
        // A bare key typed into the search box (`H20003263`, `86901187000015`).
        if r.tier < Tier::High {
            let key_item = HospitalItem {
                name: String::new(),
                approval_no: Some(text.to_string()),
                standard_code: Some(text.to_string()),
                registration_no: Some(text.to_string()),
                national_code: Some(text.to_string()),
                ..HospitalItem::default()
            };
            let k = self.match_item(&key_item, top);
            if k.candidates.first().is_some_and(|c| {
                c.evidence
                    .iter()
                    .any(|e| e.verdict == Verdict::Agree && e.field != "名称")
            }) {
                r = k;
                r.hospital_name = text.to_string();
            }
        }
        r
    }

    /// Plain BM25 over names, no re-ranking: the baseline of `mulu eval --baseline`.
    pub fn baseline(&self, item: &HospitalItem, top: usize) -> Vec<String> {
        let name: String = item.name.chars().take(MAX_NAME_CHARS).collect();
        self.index
            .bm25(&name, top)
            .into_iter()
            .filter_map(|o| self.index.records.get(o as usize))
            .map(|r| r.code.clone())
            .collect()
    }
}
