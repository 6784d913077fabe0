//! The matcher: exact-key look-ups, then text candidates, each scored on
//! field-level evidence. Shared read-only, so one `Arc<Matcher>` serves many
//! threads (batch matching, the HTTP service).

use crate::block::{SecondKeys, BLOCK_MAX, FULL_PRESCORE_MAX, PRESCORE_CAP};
use crate::index::CatalogIndex;
use crate::norm::text::billing_unit;
use crate::record::{Query, Record};
use crate::result::{BestLogits, Candidate, Evidence, MatchResult, Retrieval, Tier, Verdict};
use crate::row::{Row, Text};
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
fn prescore(q: &Query, r: &Row) -> u32 {
    use crate::norm::spec::{compare_count, compare_strength, Cmp};
    let mut s = 0;
    for t in &q.spec_tokens {
        if score::has_token(&r.spec_tokens, t) {
            s += if t.contains('-') { 4 } else { 1 };
        }
    }
    let holds = |core: &str| {
        !core.is_empty() && (core.contains(q.mfr_core.as_str()) || q.mfr_core.contains(core))
    };
    if !q.mfr_core.is_empty() && (holds(&r.mfr_core) || r.holder_core.as_deref().is_some_and(holds))
    {
        s += 3;
    } else if q
        .mfr_cut
        .as_deref()
        .is_some_and(|h| r.manufacturer.starts_with(h))
    {
        // A maker column cut short (see `score::evaluate_with`).
        s += 2;
    }
    if compare_strength(&q.spec, &r.spec) == Cmp::Agree {
        s += 2;
    }
    if compare_count(&q.spec, &r.spec) == Cmp::Agree {
        s += 1;
    }
    if q.form.is_some() && q.form.as_deref() == r.form.as_deref() {
        s += 1;
    }
    if score::pack_units(q, r).is_some_and(|(_, _, same)| same) {
        s += 1;
    }
    if score::brand_agrees(q, r) {
        s += 3;
    }
    s
}

/// An item's query as matched, and what was changed to get it.
struct Prepared {
    q: Query,
    /// `商品名(通用名)` was turned round.
    brand_first: bool,
    /// The local note dropped from a service name.
    dropped_note: Option<String>,
    /// The one row carrying the whole name (kinds the standard names).
    unique_name: Option<(u32, bool)>,
    /// The name's words, for ICD kinds (`wording.rs`).
    words: crate::wording::Words,
    /// The name's qualifiers, for ICD kinds (`wording::qualifiers`).
    quals: u64,
    /// The shorthand written out (`冠心病` → `冠状动脉粥样硬化性心脏病`).
    written_out: Vec<(String, String)>,
}

/// The retrieval key of a short name's slips (see `near::NearNames::near_short`).
const SHORT_SLIP: &str = "短名一字之差";
/// The retrieval key of names that sound like the item's (see `sound.rs`).
const SOUNDS_LIKE: &str = "同音";
/// Rows of a same-name group fully scored (the best by pre-score).
const NAME_GROUP: usize = 60;
/// Same-name groups expanded from the text hits, and rows kept per group.
const GROUPS_FROM_TEXT: usize = 3;
const PER_GROUP: usize = 25;
/// A device model token held by at most this many rows is used as a key.
const MODEL_KEY_MAX: usize = 50;
/// How many text hits are re-ranked per item.
const TEXT_CANDIDATES: usize = 30;
/// Extra text hits asked for, so that dropping the rows tied at the last
/// score (see `text_candidates`) still leaves `TEXT_CANDIDATES`.
const TEXT_SPARE: usize = 10;
/// ICD rows nearest in wording scored beside a clear answer, looked up
/// through the words at most one name in `BESIDE_CLEAR_RARITY` carries.
const BESIDE_CLEAR: usize = 10;
const BESIDE_CLEAR_RARITY: usize = 50;
/// Upper bound of candidates scored per item (keys and names can fan out).
const MAX_CANDIDATES: usize = 200;
/// A rival within this much log-odds of the best keeps the best out of "high".
const HIGH_MARGIN: f64 = 1.0;
/// The rows of a HIS diagnosis code's category scored for an unclear item
/// (the largest categories hold a few hundred rows: the nearest in wording).
const CATEGORY_ROWS: usize = 40;

type KeyMap = HashMap<Text, Vec<u32>>;

fn get<'a>(m: &'a KeyMap, k: &Option<String>) -> &'a [u32] {
    k.as_deref()
        .and_then(|k| m.get(k))
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A catalogue version ready for matching: its index and key look-up tables.
pub struct Matcher {
    index: CatalogIndex,
    second: SecondKeys,
    by_code: HashMap<Text, u32>,
    by_approval: KeyMap,
    by_standard: KeyMap,
    by_registration: KeyMap,
    by_price: KeyMap,
    by_icd: KeyMap,
    by_base: KeyMap,
    by_name: KeyMap,
    /// The name keys in order, for the sub-items under a name (prefix range).
    names_sorted: Vec<Text>,
    /// Names one typing slip away (`near.rs`).
    near: crate::near::NearNames,
    /// Names that sound alike (`sound.rs`).
    sound: crate::sound::SoundNames,
    field_model: crate::calibrate::FieldModel,
    /// Word weights of ICD names (`wording.rs`), for diagnoses and procedures.
    wording: Option<crate::wording::Wording>,
    /// Diagnosis rows by 3-character category (`A01`), in row order.
    by_category: HashMap<Box<str>, Vec<u32>>,
    /// ICD rows' other names (`心房颤动[心房纤颤]`, `…术(ESD)`, `…置换`/`…置换术`), by row.
    synonyms: HashMap<u32, Box<[Text]>>,
    /// The 临床版→医保版映射表 read with a diagnosis or procedure catalogue.
    crosswalk: Option<std::sync::Arc<crate::crosswalk::Crosswalk>>,
}

fn add(map: &mut KeyMap, k: Option<&Text>, ord: u32) {
    if let Some(k) = k.filter(|k| !k.is_empty()) {
        map.entry(k.clone()).or_default().push(ord);
    }
}

impl Matcher {
    /// Open the index in `dir` and build the look-up tables.
    pub fn open(dir: &Path) -> anyhow::Result<Matcher> {
        Ok(Matcher::new(CatalogIndex::open(dir)?))
    }

    /// A matcher over an opened index.
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
            second: SecondKeys::build(&index.records),
            field_model: crate::calibrate::FieldModel::shipped(),
            names_sorted: Vec::new(),
            near: Default::default(),
            sound: Default::default(),
            crosswalk: None,
            wording: None,
            synonyms: HashMap::new(),
            by_category: HashMap::new(),
            index,
        };
        m.synonyms = m.row_synonyms();
        for (i, r) in m.index.records.iter().enumerate() {
            let i = i as u32;
            m.by_code.insert(r.code.clone(), i);
            add(&mut m.by_approval, r.approval_key.as_ref(), i);
            add(&mut m.by_standard, r.standard_code.as_ref(), i);
            add(&mut m.by_registration, r.registration_no.as_ref(), i);
            add(&mut m.by_price, r.price_code.as_ref(), i);
            for k in r.icd_keys.iter() {
                add(&mut m.by_icd, Some(k), i);
            }
            add(&mut m.by_base, Some(&r.base), i);
            for n in r.names.iter() {
                add(&mut m.by_name, Some(n), i);
            }
            if let Some(t) = &r.trade_name {
                add(&mut m.by_name, Some(t), i);
            }
        }
        // Looked up by a synonym only where no row has it as its own name:
        // `花斑癣` stays the name of B36.000, not also of B36.000x001
        // `花斑癣[花斑糠疹]`.
        let mut synonyms: Vec<(u32, Text)> = m
            .synonyms
            .iter()
            .flat_map(|(&i, ks)| ks.iter().map(move |k| (i, k.clone())))
            .collect();
        synonyms.sort_unstable();
        let own: HashSet<Text> = m.by_name.keys().cloned().collect();
        for (i, k) in synonyms {
            if !own.contains(&k) {
                add(&mut m.by_name, Some(&k), i);
            }
        }
        if matches!(m.category(), Category::Diagnosis | Category::Procedure) {
            if m.category() == Category::Diagnosis {
                for (i, r) in m.index.records.iter().enumerate() {
                    if let Some(c) = r.code.get(..3) {
                        m.by_category
                            .entry(c.to_ascii_uppercase().into())
                            .or_default()
                            .push(i as u32);
                    }
                }
            }
            m.wording = Some(crate::wording::Wording::build(
                &m.index.records,
                m.category() == Category::Diagnosis,
            ));
        }
        m.names_sorted = m.by_name.keys().cloned().collect();
        m.names_sorted.sort_unstable();
        m.near = crate::near::NearNames::build(&m.names_sorted);
        m.sound = crate::sound::SoundNames::build(&m.names_sorted);
        for map in [
            &mut m.by_approval,
            &mut m.by_standard,
            &mut m.by_registration,
            &mut m.by_price,
            &mut m.by_icd,
            &mut m.by_base,
            &mut m.by_name,
        ] {
            for v in map.values_mut() {
                v.shrink_to_fit();
            }
        }
        m
    }

    /// The category of the catalogue matched against.
    pub fn category(&self) -> Category {
        self.index.meta.version.category
    }
    /// The catalogue version matched against.
    pub fn version(&self) -> &catalog_core::VersionInfo {
        &self.index.meta.version
    }
    /// The catalogue rows in their compact form, by ordinal.
    pub fn rows(&self) -> &[Row] {
        &self.index.records
    }
    /// The row of a national code, as a full record.
    pub fn record(&self, code: &str) -> Option<Record> {
        self.by_code
            .get(code)
            .and_then(|&i| self.index.records.get(i as usize))
            .map(Row::to_record)
    }

    /// Match one hospital item. Never fails: an item that cannot be matched
    /// gets tier `none` and the reason.
    pub fn match_item(&self, item: &HospitalItem, top: usize) -> MatchResult {
        let prepared = self.prepare(item);
        let res = self.match_prepared(item, &prepared, top);
        let Some(written_out) = self.prepare_written_out(item, &prepared) else {
            return res;
        };
        // Shorthand (`冠心病`, `肺Ca`): the written-out name is matched too,
        // and kept only when its best row scores higher (the catalogue uses
        // some shorthand itself, `乙肝后肝硬化`).
        let mut alt = self.match_prepared(item, &written_out, top);
        let best = |r: &MatchResult| r.candidates.first().map_or(f64::MIN, |c| c.score);
        if best(&alt) <= best(&res) {
            return res;
        }
        let pairs: Vec<String> = written_out
            .written_out
            .iter()
            .map(|(s, f)| format!("{s}→{f}"))
            .collect();
        alt.reason = format!(
            "{}; 院内简称按全称匹配：{} (shorthand written out)",
            alt.reason,
            pairs.join("、")
        );
        alt
    }

    /// For ICD kinds, the other names of each row: its bracketed synonyms
    /// (`record::bracket_synonyms`) and, for procedures, each name with or
    /// without its trailing `术`, where not already one of its names.
    /// Derived when the index is opened, so indexes built before stay valid.
    fn row_synonyms(&self) -> HashMap<u32, Box<[Text]>> {
        if !matches!(self.category(), Category::Diagnosis | Category::Procedure) {
            return HashMap::new();
        }
        let mut out = HashMap::new();
        let procedures = self.category() == Category::Procedure;
        for (i, r) in self.index.records.iter().enumerate() {
            let mut keys = crate::record::bracket_synonyms(&r.name);
            // `全髋关节置换` is the HIS's `全髋关节置换术`, and the other way round.
            if procedures {
                let own: Vec<String> = r
                    .names
                    .iter()
                    .map(|n| n.to_string())
                    .chain(keys.clone())
                    .collect();
                for n in own {
                    keys.push(match n.strip_suffix('术') {
                        Some(bare) => bare.to_string(),
                        None => format!("{n}术"),
                    });
                }
                keys.retain(|k| k.chars().count() >= 2);
            }
            let mut seen_keys = HashSet::new();
            let extra: Box<[Text]> = keys
                .into_iter()
                .filter(|k| seen_keys.insert(k.clone()))
                .filter(|k| !r.names.iter().any(|n| **n == **k))
                .map(Text::from)
                .collect();
            if !extra.is_empty() {
                out.insert(i as u32, extra);
            }
        }
        out
    }

    /// The query of an ICD item whose name is no catalogue name and holds
    /// clinical shorthand, with the shorthand written out (`shorthand.rs`).
    fn prepare_written_out(&self, item: &HospitalItem, as_typed: &Prepared) -> Option<Prepared> {
        let kind = self.category();
        // An ICD name's key is its whole folded name (`record::whole_name_kind`).
        if !matches!(kind, Category::Diagnosis | Category::Procedure)
            || self.by_name.contains_key(as_typed.q.parts.generic.as_str())
        {
            return None;
        }
        let (name, pairs) = crate::shorthand::expand(&crate::norm::text::fold(&item.name), kind)?;
        let mut it = item.clone();
        it.name = name;
        let mut p = self.prepare(&it);
        p.written_out = pairs;
        Some(p)
    }

    /// [`Matcher::match_item`] on a prepared query.
    fn match_prepared(&self, item: &HospitalItem, prepared: &Prepared, top: usize) -> MatchResult {
        let top = top.clamp(1, 50);
        let mut res = MatchResult::none(item.row, &item.code, &item.name, "");
        let q = &prepared.q;
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
        let evaluate = |o: u32, explain: bool| self.evaluate(prepared, o, explain);
        let score_all = |ords: &[u32]| -> Vec<(f64, u32, Vec<Evidence>)> {
            ords.iter()
                .map(|&o| {
                    let (ev, logit) = evaluate(o, false);
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
        // runs only when they leave no clear high-tier answer (for ICD kinds
        // the rows nearest in wording are looked up beside one too, below).
        let mut trace = Retrieval::default();
        if prepared.brand_first {
            trace.keys.push("括号内通用名".into());
        }
        let cands = self.candidates(q, &mut trace);
        let mut scored = score_all(&cands);
        order(&mut scored);
        let clear = match scored.as_slice() {
            [] => false,
            [(l0, _, ev), rest @ ..] => {
                score::tier_of(score::sigmoid(*l0), ev) == Tier::High
                    && rest.first().is_none_or(|r| l0 - r.0 >= HIGH_MARGIN)
            }
        };
        // Beside a clear ICD answer, the rows nearest in wording are scored
        // and ranked too (a clerk weighs the answer against them; recall@20),
        // from a lighter look-up than an unclear item's. Unless one outranks
        // the answer or comes within the high margin of it, the runner-up of
        // the probability stays the first pass's: the per-field model was
        // fitted on those candidates.
        let first_pass = clear.then(|| (scored[0].1, scored.get(1).map(|s| s.0)));
        if !clear || self.wording.is_some() {
            let mut seen: HashSet<u32> = cands.iter().copied().collect();
            let mut extra: Vec<u32> = if clear {
                Vec::new()
            } else {
                self.text_candidates(q, &mut trace)
                    .into_iter()
                    .filter(|o| seen.insert(*o))
                    .collect()
            };
            // ICD names reworded between editions: the rows nearest in wording.
            if let Some(w) = &self.wording {
                let before = extra.len();
                let near = if clear {
                    // Within the cap of rows scored per item.
                    let room = MAX_CANDIDATES.saturating_sub(scored.len());
                    w.nearest_through(&prepared.words, BESIDE_CLEAR.min(room), BESIDE_CLEAR_RARITY)
                } else {
                    w.nearest(&prepared.words, TEXT_CANDIDATES)
                };
                extra.extend(near.into_iter().filter(|o| seen.insert(*o)));
                if extra.len() > before {
                    trace.keys.push("用词相近".into());
                }
            }
            scored.extend(score_all(&extra));
            order(&mut scored);
            // An unclear diagnosis with a HIS code: the rows of that code's
            // category, which the category prior weighs (`score::same_icd_category`;
            // most re-coded diagnoses keep their category) but the name may not find.
            if !clear {
                if let Some(rows) = q
                    .icd_key
                    .as_deref()
                    .and_then(|k| k.get(..3))
                    .and_then(|c| self.by_category.get(c))
                {
                    let room = MAX_CANDIDATES.saturating_sub(scored.len());
                    let mut more: Vec<u32> =
                        rows.iter().copied().filter(|o| !seen.contains(o)).collect();
                    // A large category: its rows nearest in wording.
                    if more.len() > CATEGORY_ROWS {
                        if let Some(w) = &self.wording {
                            let mut by: Vec<(f64, u32)> = more
                                .iter()
                                .map(|&o| (w.similarity(&prepared.words, o), o))
                                .collect();
                            by.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                            more = by.into_iter().map(|(_, o)| o).collect();
                        }
                    }
                    more.truncate(CATEGORY_ROWS.min(room));
                    seen.extend(more.iter().copied());
                    if !more.is_empty() {
                        trace.keys.push("编码类目".into());
                        scored.extend(score_all(&more));
                        order(&mut scored);
                    }
                }
            }
        }
        trace.candidates_scored = scored.len() as u32;
        if scored.is_empty() {
            res.reason = format!(
                "目录中没有候选 (no candidate in the catalogue); {}",
                trace.explain()
            );
            res.retrieval = trace;
            return res;
        }
        let mut logits: Vec<f64> = scored.iter().take(top.max(2)).map(|s| s.0).collect();
        if let Some((best, runner_up)) = first_pass {
            let rival = scored
                .get(1)
                .is_some_and(|s| scored[0].0 - s.0 < HIGH_MARGIN);
            if scored[0].1 == best && !rival {
                logits = std::iter::once(scored[0].0).chain(runner_up).collect();
            }
        }
        // Over every row scored, not only those shown, so `--top` changes nothing.
        let tied = scored
            .iter()
            .take_while(|s| (s.0 - scored[0].0).abs() < 1e-9)
            .count() as u32;
        for (logit, o, _) in scored.into_iter().take(top.max(2)) {
            let r = &self.index.records[o as usize];
            // Full explanation texts only for the rows shown.
            let (ev, _) = evaluate(o, true);
            let s = score::sigmoid(logit);
            let o = |t: &Option<Text>| t.as_deref().map(String::from);
            res.candidates.push(Candidate {
                code: r.code.to_string(),
                name: r.name.to_string(),
                score: (s * 1e6).round() / 1e6,
                tier: score::tier_of(s, &ev),
                spec: r.spec_text.to_string(),
                pack_spec: o(&r.pack_spec),
                dosage_form: o(&r.form_text).or(o(&r.form)),
                manufacturer: r.manufacturer.to_string(),
                approval_no: o(&r.approval_no),
                unit: o(&r.unit),
                active: r.active,
                evidence: ev,
            });
        }
        self.decide(&mut res, &logits, tied);
        // A guessed short name is no name: unless a key vouches for the row,
        // maker and strength agreeing (shared by many of a maker's products)
        // cannot make it "high". (A name that sounds like the row's is no
        // guess: the scorer reads it as typed wrong, evidence `同音`.)
        if res.tier == Tier::High
            && trace.keys.iter().any(|k| k == SHORT_SLIP)
            && res
                .candidates
                .first()
                .is_some_and(|b| score::name_unvouched(&b.evidence))
        {
            res.tier = Tier::Medium;
            res.reason = format!(
                "{}; 名称只有两三个字，与目录名差一字，需人工确认 (short name one slip from the catalogue's)",
                res.reason
            );
        }
        if let Some(note) = &prepared.dropped_note {
            // Only a code that agrees confirms the note was a note: without
            // one, the dropped words may have named a variant.
            let confirmed = res.candidates.first().is_some_and(|c| {
                c.evidence.iter().any(|e| {
                    matches!(&*e.field, "价格项目编码" | "医保编码") && e.verdict == Verdict::Agree
                })
            });
            // A note of setting or included materials (`(门诊)`, `(含耗材)`)
            // cannot name a variant; any other note needs the code.
            let setting = crate::norm::name::is_setting_note(note);
            if res.tier == Tier::High && !confirmed && !setting {
                res.tier = Tier::Medium;
                res.reason = format!(
                    "{}; 去掉院内备注“{note}”后名称与目录一致，需人工确认 (a local note was dropped)",
                    res.reason
                );
            } else {
                res.reason = format!(
                    "{}; 去掉院内备注“{note}”后名称与目录一致 (a local note was dropped)",
                    res.reason
                );
            }
        }
        res.reason = format!("{}; {}", res.reason, trace.explain());
        res.retrieval = trace;
        res.candidates.truncate(top);
        res
    }

    /// The query of an item as it is matched: the name capped, `商品名(通用名)`
    /// turned round, a service's local note dropped when what is left is a
    /// catalogue name.
    fn prepare(&self, item: &HospitalItem) -> Prepared {
        let mut it = item.clone();
        if it.name.chars().count() > MAX_NAME_CHARS {
            it.name = it.name.chars().take(MAX_NAME_CHARS).collect();
        }
        let mut q = Query::from_item(&it, Some(self.category()));
        // `好娃娃(小儿氨酚烷胺颗粒)`: matched the other way round.
        let brand_first = match self.generic_in_brackets(&it, &q) {
            Some(swapped) => {
                q = swapped;
                true
            }
            None => false,
        };
        // A service name with a local note appended (`(住院)`, `(含耗材)`,
        // `【本院】`) that is not itself a catalogue name: the first shorter
        // form that is one is matched instead, and the tier stays below high
        // unless a price or national code agrees or the note only names the
        // setting or included materials.
        let mut dropped_note = None;
        if crate::record::whole_name_kind(Some(self.category()))
            && !self.by_name.contains_key(q.parts.generic.as_str())
        {
            let (bare, _) = crate::norm::name::split_unit_suffix(&it.name, q.unit.as_deref());
            for (rest, note) in crate::norm::name::trailing_note_variants(&bare) {
                let rk = crate::norm::text::key(&rest);
                if self.is_sub_item(&rk, &crate::norm::text::key(&note)) {
                    // `微针针刺(夹针髓)` is the sub-item 微针针刺(夹髓针) misspelt, not a note.
                    break;
                }
                if self.by_name.contains_key(rk.as_str()) {
                    let mut shorter = it.clone();
                    shorter.name = rest;
                    shorter.unit = q.unit.clone();
                    q = Query::from_item(&shorter, Some(self.category()));
                    dropped_note = Some(note);
                    break;
                }
            }
        }
        // Services and diagnoses are named by the standard itself: a name
        // that, normalised, is carried by exactly one catalogue row names that
        // row (the key a code would be).
        let unique_name = self.unique_name(&q);
        if let (Some(cw), Some(k)) = (&self.crosswalk, &q.icd_key) {
            q.crosswalk = cw.cross(k, &it.name);
        }
        let icd_name = if q.base.is_empty() {
            &q.parts.generic
        } else {
            &q.base
        };
        let words = self
            .wording
            .as_ref()
            .map_or_else(Default::default, |w| w.of(icd_name));
        let quals = if self.wording.as_ref().is_some_and(|w| w.qualified()) {
            crate::wording::qualifiers(&it.name)
        } else {
            0
        };
        Prepared {
            q,
            brand_first,
            dropped_note,
            unique_name,
            words,
            quals,
            written_out: Vec::new(),
        }
    }

    /// The evidence and raw log-odds of row `o` for a prepared item.
    fn evaluate(&self, p: &Prepared, o: u32, explain: bool) -> (Vec<Evidence>, f64) {
        let (mut ev, mut logit) =
            score::evaluate_with(&p.q, &self.index.records[o as usize], explain);
        // Empty for drugs and devices: no hashing on their hot path.
        if let Some(syn) = (!self.synonyms.is_empty())
            .then(|| self.synonyms.get(&o))
            .flatten()
        {
            if let Some(k) = syn.iter().find(|k| ***k == *p.q.parts.generic) {
                logit += score::synonym_name(&mut ev, k);
            }
        }
        if let Some(w) = &self.wording {
            logit += score::reword(&mut ev, w.similarity(&p.words, o));
            if let Some(e) = score::qualifier_evidence(p.quals, w.row_qualifiers(o)) {
                logit += e.weight;
                ev.push(e);
            }
        }
        if let Some((_, by_unit)) = p.unique_name.filter(|(u, _)| *u == o) {
            let e = score::unique_name_evidence(&p.q.parts.generic, by_unit);
            logit += e.weight;
            ev.push(e);
        }
        (ev, logit)
    }

    /// The score the row `code` would get for `item` (whether or not the
    /// search finds it), rounded as candidates' scores are; `None` for a
    /// code not in this version. `mulu eval` uses it to tell a right row
    /// left out of the top 20 by a tie from one the search missed.
    pub fn score_of(&self, item: &HospitalItem, code: &str) -> Option<f64> {
        let &o = self.by_code.get(code)?;
        let as_typed = self.prepare(item);
        let (_, mut logit) = self.evaluate(&as_typed, o, false);
        // As `match_item` reads the item: the better of the two readings.
        if let Some(p) = self.prepare_written_out(item, &as_typed) {
            logit = logit.max(self.evaluate(&p, o, false).1);
        }
        Some((score::sigmoid(logit) * 1e6).round() / 1e6)
    }

    /// Rows of one same-name list worth full scoring, best first, at most
    /// `room`: the whole list pre-scored when small, else the rows refined
    /// by a second key (see [`crate::block`]).
    fn block_rows(&self, q: &Query, list: &[u32], room: usize, trace: &mut Retrieval) -> Vec<u32> {
        trace.largest_block = trace.largest_block.max(list.len() as u64);
        if list.len() <= room {
            return list.to_vec();
        }
        let pool: Vec<u32> = if list.len() > BLOCK_MAX {
            let refined = self.second.refine(q, list, trace);
            let rankable = q.spec.has_strength() || q.spec.count.is_some() || q.form.is_some();
            if !refined.is_empty() {
                refined
            } else if rankable && list.len() <= FULL_PRESCORE_MAX {
                list.to_vec()
            } else {
                // No second key at all (an item with only a name): the first
                // rows of the block in code order, and the explanation says so.
                trace.cap_reached = true;
                list.iter().take(PRESCORE_CAP).copied().collect()
            }
        } else {
            list.to_vec()
        };
        trace.prescored += pool.len() as u32;
        let mut keyed: Vec<(u32, u32)> = pool
            .iter()
            .map(|&o| (prescore(q, &self.index.records[o as usize]), o))
            .collect();
        keyed.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        keyed.truncate(room);
        keyed.into_iter().map(|(_, o)| o).collect()
    }

    /// The one row whose name is the item's whole normalised name (or, when
    /// several carry it, the one with the item's unit), for the kinds named
    /// by the standard (services, diagnoses, procedures, herbs).
    fn unique_name(&self, q: &Query) -> Option<(u32, bool)> {
        if !crate::record::whole_name_kind(Some(self.category())) {
            return None;
        }
        match self
            .by_name
            .get(q.parts.generic.as_str())
            .map(Vec::as_slice)
        {
            Some(&[one]) => Some((one, false)),
            // One name under several billing units (`每次`, `每部位`) is
            // several items; the item's unit may name one of them.
            Some(rows) => {
                // A row without a unit could be any of them: no pick.
                let unit = q
                    .unit
                    .as_deref()
                    .map(billing_unit)
                    .filter(|u| !u.is_empty())?;
                let mut same = None;
                for &o in rows {
                    match self.index.records[o as usize]
                        .unit
                        .as_deref()
                        .map(billing_unit)
                    {
                        None | Some("") => return None,
                        Some(u) if u == unit => {
                            if same.replace(o).is_some() {
                                return None;
                            }
                        }
                        Some(_) => {}
                    }
                }
                same.map(|o| (o, true))
            }
            None => None,
        }
    }

    /// Does the catalogue hold a sub-item of `base` (a longer name starting
    /// with it) whose extra part shares most characters with `note`?
    fn is_sub_item(&self, base: &str, note: &str) -> bool {
        let note: HashSet<char> = note.chars().collect();
        if note.is_empty() {
            return false;
        }
        let from = self.names_sorted.partition_point(|n| &**n < base);
        self.names_sorted[from..]
            .iter()
            .take_while(|n| n.starts_with(base))
            .filter(|n| n.len() > base.len())
            .any(|n| {
                let extra: HashSet<char> = n[base.len()..].chars().collect();
                let shared = note.intersection(&extra).count();
                shared * 2 >= note.len().max(extra.len())
            })
    }

    /// The calibrated probability (per-field model) that the best candidate
    /// is right: its evidence, the category, the gap to the runner-up.
    fn probability(&self, best: &Candidate, logits: &[f64], tied: u32) -> (f64, BestLogits) {
        let l0 = logits.first().copied().unwrap_or(0.0);
        let seen = BestLogits {
            code: best.code.clone(),
            logit: l0,
            margin: logits.get(1).map(|l1| l0 - l1),
            tied,
        };
        let e = self.features(best, &seen);
        // Rounded so that the JSON is the same on every platform's libm.
        ((self.field_model.probability(&e) * 1e6).round() / 1e6, seen)
    }

    fn features(&self, best: &Candidate, seen: &BestLogits) -> crate::calibrate::Example {
        let mut e = crate::calibrate::Example::new(
            &best.evidence,
            Some(self.category()),
            seen.margin,
            seen.logit,
        );
        e.tied_best = seen.tied;
        e
    }

    /// The per-field model's features of a result's best candidate, exactly
    /// as its `probability` was computed (what `mulu calibrate` re-fits on).
    /// `None` without a candidate, or when the candidates were reordered
    /// after matching.
    pub fn example(&self, res: &MatchResult) -> Option<crate::calibrate::Example> {
        let best = res.candidates.first()?;
        let seen = res.logits.as_ref().filter(|l| l.code == best.code)?;
        Some(self.features(best, seen))
    }

    /// The per-field model this matcher computes probabilities with.
    pub fn field_model(&self) -> &crate::calibrate::FieldModel {
        &self.field_model
    }

    /// Replace the shipped per-field model (a hospital's own re-fit).
    pub fn with_field_model(mut self, model: crate::calibrate::FieldModel) -> Matcher {
        self.field_model = model;
        self
    }

    /// Read HIS codes through a 临床版→医保版映射表 (diagnosis and procedure
    /// catalogues; other kinds ignore it).
    pub fn with_crosswalk(mut self, cw: std::sync::Arc<crate::crosswalk::Crosswalk>) -> Matcher {
        if matches!(self.category(), Category::Diagnosis | Category::Procedure) && !cw.is_empty() {
            self.crosswalk = Some(cw);
        }
        self
    }

    /// The 映射表 this matcher reads HIS codes through, if any.
    pub fn crosswalk(&self) -> Option<&crate::crosswalk::Crosswalk> {
        self.crosswalk.as_deref()
    }

    /// [`crosswalk`](Self::crosswalk) as shared, for a caller that builds
    /// the next matcher with the same table.
    pub fn shared_crosswalk(&self) -> Option<&std::sync::Arc<crate::crosswalk::Crosswalk>> {
        self.crosswalk.as_ref()
    }

    fn decide(&self, res: &mut MatchResult, logits: &[f64], tied: u32) {
        let Some(best) = res.candidates.first() else {
            return;
        };
        let mut tier = best.tier;
        let mut reason = best.explain();
        let (p, seen) = self.probability(best, logits, tied);
        res.probability = Some(p);
        res.logits = Some(seen);
        let gap = logits.get(1).map_or(f64::INFINITY, |l1| logits[0] - l1);
        if let (Some(second), true) = (res.candidates.get(1), gap < HIGH_MARGIN) {
            if tier == Tier::High {
                tier = Tier::Medium;
                reason = format!(
                    "{reason}; 次选 {} 同样吻合，需人工确认 (runner-up as good)",
                    second.code
                );
            }
        }
        // The calibrated probability promotes what the hand-set rule left
        // below "high" when its estimated error rate is under 0.5% and no
        // field that tells products apart disagrees; it never lowers a tier.
        if tier != Tier::High
            && p >= crate::calibrate::HIGH_PROBABILITY
            && gap >= HIGH_MARGIN
            && !score::hard_conflict(&best.evidence)
        {
            tier = Tier::High;
            reason = format!(
                "{reason}; 校准概率 {:.1}% ≥ 99.5%（逐字段模型）(calibrated probability)",
                p * 100.0
            );
        }
        if tier == Tier::None {
            reason = format!("最佳候选证据不足 (best candidate too weak): {reason}");
        }
        res.tier = tier;
        res.reason = reason;
    }

    fn candidates(&self, q: &Query, trace: &mut Retrieval) -> Vec<u32> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut push = |ords: &[u32], out: &mut Vec<u32>, key: &str, trace: &mut Retrieval| {
            let before = out.len();
            for &o in ords {
                if out.len() >= MAX_CANDIDATES {
                    trace.cap_reached = true;
                    break;
                }
                if seen.insert(o) {
                    out.push(o);
                }
            }
            if out.len() > before && !trace.keys.iter().any(|k| k == key) {
                trace.keys.push(key.to_string());
            }
        };
        push(
            get(&self.by_approval, &q.approval_key),
            &mut out,
            "批准文号",
            trace,
        );
        push(
            get(&self.by_standard, &q.standard_code),
            &mut out,
            "本位码",
            trace,
        );
        push(
            get(&self.by_registration, &q.registration_no),
            &mut out,
            "注册证号",
            trace,
        );
        push(
            get(&self.by_price, &q.price_code),
            &mut out,
            "价格项目编码",
            trace,
        );
        if let Some(c) = &q.crosswalk {
            push(
                get(&self.by_icd, &Some(c.target.key.clone())),
                &mut out,
                "映射表",
                trace,
            );
        }
        push(get(&self.by_icd, &q.icd_key), &mut out, "ICD编码", trace);
        if let Some(o) = q.national_code.as_deref().and_then(|c| self.by_code.get(c)) {
            push(&[*o], &mut out, "医保编码", trace);
        }
        // A device model number is a key across the whole catalogue: it finds
        // the row even when the name is misspelt or a registered product name.
        let models = self.second.model_rows(q, MODEL_KEY_MAX);
        push(&models, &mut out, "型号", trace);
        // A common name (`内固定`, `阿莫西林胶囊`) can fan out to thousands of
        // rows: keep the ones a cheap pre-score likes best, refining a block
        // too large to pre-score by a second key.
        let room = MAX_CANDIDATES.saturating_sub(out.len()).min(NAME_GROUP);
        let by_name = get(&self.by_name, &Some(q.parts.generic.clone()));
        let by_base = if q.base.is_empty() {
            &[][..]
        } else {
            get(&self.by_base, &Some(q.base.clone()))
        };
        let rows = if by_base.is_empty() {
            self.block_rows(q, by_name, room, trace)
        } else if by_name.len() + by_base.len() <= BLOCK_MAX {
            let mut both = by_name.to_vec();
            both.extend_from_slice(by_base);
            both.sort_unstable();
            both.dedup();
            self.block_rows(q, &both, room, trace)
        } else {
            // Two large lists: refine each, then keep the best of both.
            let mut both = self.block_rows(q, by_name, room, trace);
            both.extend(self.block_rows(q, by_base, room, trace));
            both.sort_unstable();
            both.dedup();
            self.block_rows(q, &both, room, trace)
        };
        push(&rows, &mut out, "名称", trace);
        out
    }

    /// `好娃娃(小儿氨酚烷胺颗粒)`: a trade name the catalogue does not carry
    /// before the generic name in brackets. The query of the item written
    /// the other way round (`小儿氨酚烷胺颗粒(好娃娃)`), when the bracket names
    /// the product (a catalogue name, one slip from one, or for drugs a name
    /// ending in a dosage form such as `奥希替尼片` without its salt) and
    /// what stands before it is no generic name (at most some product's
    /// trade name, and no dosage form). A bracket of pinyin initials
    /// (`宁瑞(KBW)`) is matched as typed initials.
    fn generic_in_brackets(&self, it: &HospitalItem, q: &Query) -> Option<Query> {
        let b = crate::norm::text::key(q.parts.brand.as_deref()?);
        let generic = q.parts.generic.as_str();
        let generic_outside = self.by_name.get(generic).is_some_and(|rows| {
            rows.iter()
                .any(|&o| self.index.records[o as usize].trade_name.as_deref() != Some(generic))
        });
        // A name before the bracket that ends in a dosage form (`小儿珠散`,
        // misspelt or not) is the generic name itself, not a trade name.
        if generic_outside || crate::norm::form::split_name(generic).1.is_some() {
            return None;
        }
        // `宁瑞(KBW)`: the bracket holds the product's pinyin initials.
        // (`立普妥(20mg)` is a strength, not initials.)
        if crate::norm::pinyin::looks_like_initials(&b) && crate::norm::spec::parse(&b).is_empty() {
            let mut initials = it.clone();
            initials.name = b.to_ascii_uppercase();
            if it.spec.as_deref().is_none_or(|s| s.trim().is_empty()) {
                initials.spec = q.parts.spec.clone();
            }
            return Some(Query::from_item(&initials, Some(self.category())));
        }
        // Cheapest test first.
        let names_product = self.by_name.contains_key(b.as_str())
            || !self.near.near(&b, 1).is_empty()
            || (self.category() == Category::Drug && {
                let (base, form) = crate::norm::form::split_name(&b);
                form.is_some() && base.chars().count() >= 2
            });
        if !names_product {
            return None;
        }
        let mut swapped = it.clone();
        swapped.name = format!(
            "{b}({generic}) {}",
            q.parts.spec.as_deref().unwrap_or_default()
        );
        Some(Query::from_item(&swapped, Some(self.category())))
    }

    fn text_candidates(&self, q: &Query, trace: &mut Retrieval) -> Vec<u32> {
        let text = if q.parts.generic.is_empty() {
            q.initials.clone().unwrap_or_default()
        } else {
            q.parts.generic.clone()
        };
        // Devices leave the side fields out: their model is a key and their
        // large blocks are refined by maker and spec already, and the side
        // query cost a third of the consumable batch for one item in 5,000.
        let devices = self.category() == Category::Consumable;
        let search = crate::index::TextQuery {
            name: &text,
            initials: q.initials.as_deref(),
            maker: if devices { "" } else { &q.mfr_core },
            spec: if devices {
                Vec::new()
            } else {
                crate::record::spec_terms(&q.spec)
            },
        };
        let hits = self
            .index
            .text_search(&search, TEXT_CANDIDATES + TEXT_SPARE);
        // When the hit list is full, which of the rows tied at the last score
        // made it in depends on the index layout; those rows are left out so
        // two builds of one version give the same candidates (their names
        // still bring in their groups below).
        let boundary = match hits.last() {
            Some(&(_, s)) if hits.len() >= TEXT_CANDIDATES + TEXT_SPARE => Some(s),
            _ => None,
        };
        let mut out: Vec<u32> = hits
            .iter()
            .filter(|(_, s)| boundary.is_none_or(|b| *s > b))
            .map(|(o, _)| *o)
            .take(TEXT_CANDIDATES)
            .collect();
        if !hits.is_empty() {
            trace.keys.push("全文检索".into());
        }
        // The text hits name the product (a typo, a dropped salt, typed
        // initials); its makers and packages are then the whole same-name
        // group, not whichever rows BM25 happened to rank.
        let mut names: Vec<(f32, &str)> = Vec::new();
        for (o, score) in &hits {
            let Some(r) = self.index.records.get(*o as usize) else {
                continue;
            };
            if let Some(n) = r.names.first() {
                if !names.iter().any(|(_, x)| *x == &**n) {
                    names.push((*score, &**n));
                }
            }
        }
        // Best score first, equal scores by name: independent of the layout.
        names.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        names.truncate(GROUPS_FROM_TEXT);
        // A name the catalogue does not carry may be one slip from one it
        // does (`妇炎清栓`): those groups too, whatever BM25 thought of them.
        let known = self.by_name.contains_key(q.parts.generic.as_str());
        let mut slips = if known {
            Vec::new()
        } else {
            self.near.near(&q.parts.generic, GROUPS_FROM_TEXT)
        };
        if !slips.is_empty() {
            trace.keys.push("一字之差".into());
        } else if !known {
            // Several characters wrong, each of the right sound (the input
            // method's homophones): the names that sound like it.
            slips = self.sound.like(&q.parts.generic, GROUPS_FROM_TEXT);
            if !slips.is_empty() {
                trace.keys.push(SOUNDS_LIKE.into());
            } else if hits.is_empty() {
                // Nothing shares a word with a two- or three-character name
                // (`痛丸`): the short names one slip from it are all there is.
                slips = self.near.near_short(&q.parts.generic, GROUPS_FROM_TEXT);
                if !slips.is_empty() {
                    trace.keys.push(SHORT_SLIP.into());
                }
            }
        }
        for n in slips {
            if !names.iter().any(|(_, x)| *x == n) {
                names.push((0.0, n));
            }
        }
        let mut seen: HashSet<u32> = out.iter().copied().collect();
        for (_, n) in names {
            let group = self.by_name.get(n).map(Vec::as_slice).unwrap_or(&[]);
            for o in self.block_rows(q, group, PER_GROUP, trace) {
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
            .map(|r| r.code.to_string())
            .collect()
    }
}
