//! Field-level evidence between a hospital item and a catalogue row, and the
//! score and tier derived from it.
//!
//! Each field adds a weight to the log-odds that the row is the item's
//! counterpart; the score is the logistic of the sum. Weights reflect how
//! decisive a field is in practice: an equal 批准文号 nearly settles a drug,
//! a different strength rules a row out, the manufacturer separates the many
//! makers of one generic.

use crate::norm::form::{self, FormCmp};
use crate::norm::manufacturer::{self, MfrCmp, SameGrade};
use crate::norm::spec::{self, Cmp};
use crate::norm::text::billing_unit;
use crate::record::Query;
use crate::result::{Evidence, Tier, Verdict};
use crate::row::{Row, Text};
use catalog_core::Category;

const BIAS: f64 = -2.0;
/// Added to a maker's agreement when the clerk's own words stand inside the
/// registered name: it ranks 浙江科邦华药业 above 重庆科邦生物制药 for `浙江科邦`.
const WRITTEN_MAKER: f64 = 0.5;

fn ev(
    field: &str,
    h: impl Into<String>,
    c: impl Into<String>,
    verdict: Verdict,
    weight: f64,
) -> Evidence {
    Evidence {
        field: field.into(),
        hospital_value: h.into(),
        catalogue_value: c.into(),
        verdict,
        weight,
    }
}

fn key_evidence(
    out: &mut Vec<Evidence>,
    field: &str,
    h: Option<&str>,
    c: Option<&str>,
    agree: f64,
    disagree: f64,
) {
    match (h, c) {
        (Some(h), Some(c)) if h == c => out.push(ev(field, h, c, Verdict::Agree, agree)),
        (Some(h), Some(c)) => out.push(ev(field, h, c, Verdict::Disagree, disagree)),
        (Some(h), None) => out.push(ev(field, h, "", Verdict::Missing, 0.0)),
        _ => {}
    }
}

/// Similarity of two name keys in 0..1 (normalised edit distance), with
/// containment (`盐酸二甲双胍` ⊃ `二甲双胍`) counted as close.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    // Optimal string alignment: a swapped pair of characters (妇舒必/妇必舒)
    // is one typo, not two (and, unlike full Damerau, needs no hash map).
    let (la, lb) = (a.chars().count(), b.chars().count());
    let lev = 1.0 - strsim::osa_distance(a, b) as f64 / la.max(lb) as f64;
    let (short, long) = if a.chars().count() <= b.chars().count() {
        (a, b)
    } else {
        (b, a)
    };
    if short.chars().count() >= 2 && long.contains(short) {
        return lev.max(0.85);
    }
    lev
}

/// Compare and weigh every field. Returns the evidence list and the log-odds.
pub fn evaluate(q: &Query, r: &Row) -> (Vec<Evidence>, f64) {
    evaluate_with(q, r, true)
}

/// [`evaluate`]; with `explain` false the costly display texts of specs are
/// left empty (weights and verdicts are the same), for ranking many rows.
pub fn evaluate_with(q: &Query, r: &Row, explain: bool) -> (Vec<Evidence>, f64) {
    let mut e = Vec::with_capacity(10);
    key_evidence(
        &mut e,
        "批准文号",
        q.approval_key.as_deref(),
        r.approval_key.as_deref(),
        6.0,
        -3.0,
    );
    key_evidence(
        &mut e,
        "本位码",
        q.standard_code.as_deref(),
        r.standard_code.as_deref(),
        5.0,
        -2.0,
    );
    key_evidence(
        &mut e,
        "注册证号",
        q.registration_no.as_deref(),
        r.registration_no.as_deref(),
        6.0,
        -3.0,
    );
    key_evidence(
        &mut e,
        "价格项目编码",
        q.price_code.as_deref(),
        r.price_code.as_deref(),
        5.0,
        -1.5,
    );
    if let Some(c) = &q.crosswalk {
        // The 映射表 lists the HIS code as a 临床版 code: what it says of the
        // row replaces what the bare code would.
        e.push(crosswalk_evidence(c, r, explain));
    } else if let Some(nc) = &q.national_code {
        // A code the HIS already holds may be stale or clinical-edition.
        let agree = nc.as_str() == &*r.code
            || q.icd_key
                .as_ref()
                .is_some_and(|k| r.icd_keys.iter().any(|x| **x == **k));
        if agree {
            e.push(ev("医保编码", nc.clone(), &*r.code, Verdict::Agree, 5.0));
        } else if let Some(w) = same_icd_category(nc, r) {
            // Re-coded between editions, most items keep their category
            // (A01.000x002 → A01.003): a prior, not a key.
            e.push(ev("ICD类目", nc.clone(), &*r.code, Verdict::Partial, w));
        } else {
            e.push(ev(
                "医保编码",
                nc.clone(),
                &*r.code,
                Verdict::Disagree,
                -0.5,
            ));
        }
    }

    // Name: generic name without form, against every name the row carries.
    let qname = if q.base.is_empty() {
        q.parts.generic.as_str()
    } else {
        q.base.as_str()
    };
    let mut sim = name_similarity(qname, &r.base);
    if sim < 1.0 {
        for n in r.names.iter() {
            sim = sim.max(name_similarity(&q.parts.generic, n));
        }
    }
    // Every character of the right sound (the input method's homophones,
    // `阿模昔林胶囊`): a name typed wrong, not another name.
    // Names of four or more characters, as `sound.rs` finds them.
    let sounds_alike = sim < 0.75
        && q.parts.generic.chars().count() >= 4
        && r.names
            .iter()
            .any(|n| crate::norm::pinyin::sounds_alike(&q.parts.generic, n));
    if sounds_alike {
        sim = 0.8;
    }
    let brand_hit = brand_agrees(q, r);
    if let Some(init) = &q.initials {
        if !r.pinyin.is_empty() && (*r.pinyin == **init || r.pinyin.starts_with(init.as_str())) {
            e.push(ev("拼音码", init.clone(), &*r.pinyin, Verdict::Agree, 3.0));
            sim = sim.max(0.9);
        }
    }
    // Services and diagnoses are identified by their name alone; drugs and
    // devices need spec and maker too.
    let name_only_kind = r.category.is_some_and(|c| {
        matches!(
            c,
            Category::Service | Category::Diagnosis | Category::Procedure | Category::Herbal
        )
    });
    let (verdict, w) = if sim >= 0.999 {
        (
            Verdict::Agree,
            if name_only_kind {
                NAME_AGREE_WHOLE
            } else {
                3.5
            },
        )
    } else if sim >= 0.75 {
        (Verdict::Partial, (sim - 0.5) * 5.0)
    } else {
        (Verdict::Disagree, (sim - 0.5) * 8.0)
    };
    e.push(ev("名称", qname, &*r.base, verdict, w));
    if sounds_alike {
        e.push(ev(
            "同音",
            q.parts.generic.as_str(),
            &*r.name,
            Verdict::Agree,
            0.0,
        ));
    }
    if brand_hit {
        e.push(ev(
            "商品名",
            q.parts.brand.clone().unwrap_or_default(),
            r.trade_name.as_deref().unwrap_or_default(),
            Verdict::Agree,
            1.0,
        ));
    }

    // Dosage form.
    match form::compare(q.form.as_deref(), r.form.as_deref()) {
        FormCmp::Same => e.push(ev(
            "剂型",
            q.form.clone().unwrap_or_default(),
            r.form.as_deref().unwrap_or_default(),
            Verdict::Agree,
            1.0,
        )),
        FormCmp::Broad => e.push(ev(
            "剂型",
            q.form.clone().unwrap_or_default(),
            r.form.as_deref().unwrap_or_default(),
            Verdict::Partial,
            0.0,
        )),
        FormCmp::Family => e.push(ev(
            "剂型",
            q.form.clone().unwrap_or_default(),
            r.form.as_deref().unwrap_or_default(),
            Verdict::Partial,
            -1.2,
        )),
        FormCmp::Different => e.push(ev(
            "剂型",
            q.form.clone().unwrap_or_default(),
            r.form.as_deref().unwrap_or_default(),
            Verdict::Disagree,
            -3.0,
        )),
        FormCmp::Missing => {}
    }

    if r.category == Some(Category::Consumable) {
        device_spec(&mut e, q, r, explain);
    } else {
        drug_spec(&mut e, q, r, explain);
    }

    // Manufacturer.
    if !q.manufacturer.is_empty() {
        let mut cmp = manufacturer::compare_cores(&q.mfr_core, &r.mfr_core);
        // Same cores, graded by the words the clerk typed (a brand word is
        // shared by makers of many provinces).
        let mut written = false;
        if cmp == MfrCmp::Same {
            match manufacturer::grade_same(
                &q.mfr_written,
                &q.mfr_core,
                q.mfr_province.as_deref(),
                &r.manufacturer,
                &r.mfr_core,
            ) {
                SameGrade::Written => written = true,
                SameGrade::Core => {}
                SameGrade::Contained | SameGrade::OtherProvince => cmp = MfrCmp::Similar,
            }
        }
        // The HIS may hold the 上市许可持有人 as the maker.
        let mut via_holder = false;
        if let (MfrCmp::Different | MfrCmp::Similar, Some(h)) = (cmp, &r.holder_core) {
            let by_holder = manufacturer::compare_cores(&q.mfr_core, h);
            if by_holder == MfrCmp::Same || (by_holder == MfrCmp::Similar && cmp != MfrCmp::Similar)
            {
                cmp = by_holder;
                via_holder = true;
            }
        }
        // A maker column cut short by the HIS (`江西济` of 江西济宁生物制药):
        // the row's full name starts with it.
        if matches!(cmp, MfrCmp::Different | MfrCmp::Missing)
            && q.mfr_cut
                .as_deref()
                .is_some_and(|h| r.manufacturer.starts_with(h))
        {
            cmp = MfrCmp::Similar;
        }
        let (v, w) = match cmp {
            MfrCmp::Same if written => (Verdict::Agree, 2.0 + WRITTEN_MAKER),
            MfrCmp::Same => (Verdict::Agree, 2.0),
            MfrCmp::Similar => (Verdict::Partial, 0.5),
            MfrCmp::Different => (Verdict::Disagree, -3.0),
            MfrCmp::Missing => (Verdict::Missing, 0.0),
        };
        let shown = if via_holder {
            format!(
                "{}（上市许可持有人 {}）",
                r.manufacturer,
                r.holder_core.as_deref().unwrap_or("")
            )
        } else {
            r.manufacturer.to_string()
        };
        e.push(ev("生产企业", q.manufacturer.clone(), shown, v, w));
    }

    // Package unit (盒/瓶): splits package variants of one 批准文号.
    if let Some((hp, cp, same)) = pack_units(q, r) {
        let (v, w) = if same {
            (Verdict::Agree, 0.6)
        } else {
            (Verdict::Disagree, -0.6)
        };
        e.push(ev("包装单位", hp.to_string(), cp.to_string(), v, w));
    }

    // Unit (计价单位 for services and consumables).
    if let (Some(hu), Some(cu)) = (&q.unit, &r.unit) {
        if r.category
            .is_some_and(|c| !matches!(c, Category::Drug | Category::Preparation))
        {
            let same = billing_unit(hu) == billing_unit(cu);
            e.push(ev(
                "单位",
                hu.clone(),
                &**cu,
                if same {
                    Verdict::Agree
                } else {
                    Verdict::Partial
                },
                if same { 0.5 } else { -0.3 },
            ));
        }
    }

    if !r.active {
        e.push(ev("有效标志", "", "停用", Verdict::Disagree, -1.0));
    }
    let logit = BIAS + e.iter().map(|x| x.weight).sum::<f64>();
    (e, logit)
}

/// Log-odds that `唯一同名` adds (the calibrated model reads it back when it
/// asks what a tied row would score without its twin).
pub const UNIQUE_NAME_WEIGHT: f64 = 4.0;

/// Evidence that the item's whole normalised name is carried by exactly one
/// catalogue row (services, diagnoses): weighed so that with the name alone
/// and no field against it the row reaches "high".
pub fn unique_name_evidence(name: &str, by_unit: bool) -> Evidence {
    let why = if by_unit {
        "同名各行中仅此一条单位相同"
    } else {
        "目录中仅此一条同名"
    };
    ev("唯一同名", name, why, Verdict::Agree, UNIQUE_NAME_WEIGHT)
}

/// How much less a row's bracketed synonym weighs than its own name: at
/// equal evidence the row that has the name as its own ranks first
/// (`肾上腺脑白质营养不良` is E71.301, and only a synonym of E71.300x011).
/// Small, so that a synonym only one row carries stays "high" like a name.
const SYNONYM_DISCOUNT: f64 = 0.01;

/// The weight of a name that agrees, for kinds named by their name alone.
const NAME_AGREE_WHOLE: f64 = 5.0;

/// The name evidence of an ICD item named as one of the row's bracketed
/// synonyms (`心房纤颤` for `心房颤动[心房纤颤]`): agreement, a little below the
/// row's own name. Returns the change in log-odds.
pub fn synonym_name(e: &mut [Evidence], synonym: &str) -> f64 {
    let Some(n) = e.iter_mut().find(|x| x.field == "名称") else {
        return 0.0;
    };
    if n.verdict == Verdict::Agree {
        return 0.0;
    }
    let w = NAME_AGREE_WHOLE - SYNONYM_DISCOUNT;
    let delta = w - n.weight;
    n.verdict = Verdict::Agree;
    n.weight = w;
    n.catalogue_value = format!("{synonym}（目录名括号内的同义名）");
    delta
}

/// The name evidence of an ICD name that is not the row's, re-weighed by
/// the words the two wordings share (`wording.rs`, `wsim`) instead of the
/// edit distance, on the same scale: the change in log-odds. (Tried on the
/// real correspondence: the larger or the mean of the two ranked worse.)
pub fn reword(e: &mut [Evidence], wsim: f64) -> f64 {
    // Typed initials and a name that sounds like the row's set the name's
    // weight from what the words cannot see: the words may only add.
    let vouched = has(e, "拼音码", Verdict::Agree) || has(e, "同音", Verdict::Agree);
    let Some(n) = e.iter_mut().find(|x| x.field == "名称") else {
        return 0.0;
    };
    if n.verdict == Verdict::Agree {
        return 0.0;
    }
    let sim = wsim;
    // The partial band's scale of `evaluate_with`, carried on below it: a
    // closer wording always weighs more (that scale's disagree band weighs
    // 0.74 above 0.75, and a cap would tie every close wording).
    let w = (sim - 0.5) * 5.0;
    let verdict = if sim >= 0.75 {
        Verdict::Partial
    } else {
        Verdict::Disagree
    };
    if vouched && w <= n.weight {
        return 0.0;
    }
    let delta = w - n.weight;
    n.verdict = verdict;
    n.weight = w;
    delta
}

/// Log-odds of each qualifier one ICD name has and the other lacks, up to
/// [`QUALIFIERS_COUNTED`] of them.
const QUALIFIER_WEIGHT: f64 = 1.5;
const QUALIFIERS_COUNTED: u32 = 2;

/// The evidence of the qualifiers (`wording::qualifiers`) one of an ICD
/// item and a row carries and the other does not: `继发` or `原位` on one
/// side only names another disease, however close the rest of the wording
/// (`胰腺恶性肿瘤` against `胰腺继发恶性肿瘤`). `None` when they carry the same.
pub fn qualifier_evidence(item: u64, row: u64) -> Option<Evidence> {
    let (item_only, row_only) = (item & !row, row & !item);
    let n = (item_only | row_only).count_ones();
    if n == 0 {
        return None;
    }
    // `限定词≠(无 / 继发)`: the item has none, the row has 继发.
    let names = |b: u64| match crate::wording::qualifier_names(b).join("、") {
        n if n.is_empty() => "无".to_string(),
        n => n,
    };
    Some(ev(
        "限定词",
        names(item_only),
        names(row_only),
        Verdict::Disagree,
        -QUALIFIER_WEIGHT * f64::from(n.min(QUALIFIERS_COUNTED)),
    ))
}

/// The weight of a HIS diagnosis code that is not the row's but shares its
/// category (the three characters before the dot, `A01`); `None` for other
/// codes and kinds. Procedures have none: re-coded between editions they
/// often change category (`37.8300x002` → `00.5000x004`), and on the real
/// correspondence the prior cost them 0.1 point.
fn same_icd_category(his: &str, r: &Row) -> Option<f64> {
    if r.category? != Category::Diagnosis {
        return None;
    }
    let cat = |c: &str| c.get(..3).map(str::to_ascii_uppercase);
    (cat(his).is_some() && cat(his) == cat(&r.code)).then_some(ICD_CATEGORY)
}

/// A diagnosis code of the row's category: on the real correspondence most
/// re-coded diagnoses keep it (chosen on chapters B–K: 1.0 and 2.0 alike).
const ICD_CATEGORY: f64 = 1.0;

/// The 映射表's word on a row: the row it maps the HIS code to (trusted like
/// a name when the HIS name is the table's 临床版 name, else a lead to
/// check), or another row.
fn crosswalk_evidence(c: &crate::crosswalk::Crossed, r: &Row, explain: bool) -> Evidence {
    let t = &c.target;
    let hit = r.icd_keys.iter().any(|k| **k == *t.key);
    let his = if explain {
        format!("临床版 {} {}", t.clinical_code, t.clinical_name)
    } else {
        String::new()
    };
    let to = |why: &str| {
        if explain {
            format!("映射表 {} → 医保版 {}{why}", c.label, t.code)
        } else {
            String::new()
        }
    };
    if !hit {
        // With the name checked the table speaks for the item: a row that
        // only shares the 临床版 code's string (or name) is another item.
        let w = if c.name_agrees {
            CROSSWALK_OTHER_CHECKED
        } else {
            CROSSWALK_OTHER
        };
        ev("映射表", his, to(""), Verdict::Disagree, w)
    } else if c.name_agrees {
        ev("映射表", his, to(""), Verdict::Agree, CROSSWALK_AGREE)
    } else {
        let why = if t.clinical_name.is_empty() {
            "（映射表无临床版名称，无法核对院内名称）"
        } else {
            "（院内名称与映射表的临床版名称不同，代码或属另一版本）"
        };
        ev("映射表", his, to(why), Verdict::Partial, CROSSWALK_UNNAMED)
    }
}

/// The official mapping with the 临床版 name agreeing: the strongest key.
const CROSSWALK_AGREE: f64 = 8.0;
/// The mapping without the name to vouch for it: a lead, as a code is.
const CROSSWALK_UNNAMED: f64 = 2.0;
/// The mapping points elsewhere.
const CROSSWALK_OTHER: f64 = -1.0;
/// The mapping, its 临床版 name agreeing, points elsewhere.
const CROSSWALK_OTHER_CHECKED: f64 = -4.0;

/// Strength (amounts, volume, concentration), then units per package.
fn drug_spec(e: &mut Vec<Evidence>, q: &Query, r: &Row, explain: bool) {
    let (hs, cs) = if explain {
        (q.spec.display(), r.spec.display())
    } else {
        (String::new(), String::new())
    };
    match spec::compare_strength(&q.spec, &r.spec) {
        Cmp::Agree => e.push(ev("规格", hs.clone(), cs.clone(), Verdict::Agree, 2.0)),
        Cmp::Disagree => e.push(ev("规格", hs.clone(), cs.clone(), Verdict::Disagree, -4.0)),
        Cmp::Missing if !q.spec.is_empty() || !r.spec.is_empty() => {
            e.push(ev("规格", hs.clone(), cs.clone(), Verdict::Missing, 0.0))
        }
        Cmp::Missing => {}
    }
    match spec::compare_count(&q.spec, &r.spec) {
        Cmp::Agree => e.push(ev("包装数量", hs, cs, Verdict::Agree, 1.0)),
        Cmp::Disagree => e.push(ev("包装数量", hs, cs, Verdict::Disagree, -1.5)),
        Cmp::Missing => {}
    }
}

/// Devices: the share of the item's spec/model tokens found in the row's
/// 规格/型号; a model number that differs rules the row out.
fn device_spec(e: &mut Vec<Evidence>, q: &Query, r: &Row, explain: bool) {
    if q.spec_tokens.is_empty() || r.spec_tokens.is_empty() {
        return;
    }
    let holds = |t: &str| has_token(&r.spec_tokens, t) || glued_model(&r.spec_tokens, t);
    let found = q.spec_tokens.iter().filter(|t| holds(t)).count();
    let models: Vec<&String> = q.spec_tokens.iter().filter(|t| t.contains('-')).collect();
    let model_hit = models.iter().any(|m| holds(m));
    let (h, c) = if explain {
        (q.spec_tokens.join(" "), r.spec_tokens.join(" "))
    } else {
        (String::new(), String::new())
    };
    if !models.is_empty() && !model_hit {
        e.push(ev("规格型号", h, c, Verdict::Disagree, -3.0));
    } else if found == q.spec_tokens.len() {
        e.push(ev(
            "规格型号",
            h,
            c,
            Verdict::Agree,
            if model_hit { 3.0 } else { 2.0 },
        ));
    } else if found > 0 {
        e.push(ev("规格型号", h, c, Verdict::Partial, 0.5));
    } else {
        e.push(ev("规格型号", h, c, Verdict::Disagree, -2.0));
    }
}

/// `smta-2336` for the row's spec `S` and model `MTA-2336`: the HIS glued
/// the spec before the model.
fn glued_model(tokens: &[Text], t: &str) -> bool {
    tokens.iter().filter(|m| m.contains('-')).any(|m| {
        t.len() > m.len()
            && t.ends_with(&**m)
            && t.is_char_boundary(t.len() - m.len())
            && has_token(tokens, &t[..t.len() - m.len()])
    })
}

/// Whether a row's spec/model tokens hold `t`.
pub fn has_token(tokens: &[Text], t: &str) -> bool {
    tokens.iter().any(|x| &**x == t)
}

/// The logistic function: log-odds to probability. The temperature spreads
/// the summed weights (which overstate independence: name, form and spec are
/// correlated) so that scores of strong candidates do not all saturate at 1.
pub fn sigmoid(x: f64) -> f64 {
    const TEMPERATURE: f64 = 0.5;
    1.0 / (1.0 + (-x * TEMPERATURE).exp())
}

fn has(e: &[Evidence], field: &str, v: Verdict) -> bool {
    e.iter().any(|x| x.field == field && x.verdict == v)
}

/// A field that tells products apart disagrees: such a candidate is never
/// "high", whatever its score or probability.
pub fn hard_conflict(e: &[Evidence]) -> bool {
    [
        "规格",
        "规格型号",
        "剂型",
        "生产企业",
        "批准文号",
        "注册证号",
        // A code in the HIS row that names another item contradicts the
        // name (a stale or 临床版 code): a clerk decides which is right.
        "价格项目编码",
        "医保编码",
        "映射表",
        // `继发` on one side only: another disease, not another wording.
        "限定词",
    ]
    .iter()
    .any(|f| has(e, f, Verdict::Disagree))
}

/// The name disagrees and no key vouches for the row: whatever else agrees
/// (a maker and a strength are shared by many of its products), the row
/// rests on the name being a slip. The matcher keeps such a row out of
/// "high" when the name was a guess (a short name one slip from the row's).
pub fn name_unvouched(e: &[Evidence]) -> bool {
    has(e, "名称", Verdict::Disagree) && !key_agrees(e)
}

fn key_agrees(e: &[Evidence]) -> bool {
    [
        "批准文号",
        "本位码",
        "注册证号",
        "价格项目编码",
        "医保编码",
        "映射表",
    ]
    .iter()
    .any(|f| has(e, f, Verdict::Agree))
}

/// The tier of one candidate on its own evidence (the matcher then lowers it
/// when a rival is as good).
pub fn tier_of(score: f64, e: &[Evidence]) -> Tier {
    let key_agree = key_agrees(e);
    let conflict = hard_conflict(e);
    // The 映射表 agrees only when the HIS name is its 临床版 name: code and
    // name have both been checked, against the edition the hospital writes,
    // so the 医保版 name may read otherwise (that is what the table is for).
    if has(e, "映射表", Verdict::Agree) && !conflict {
        return Tier::High;
    }
    let name_ok = has(e, "名称", Verdict::Agree) || (key_agree && has(e, "名称", Verdict::Partial));
    if score >= 0.97 && name_ok && !conflict {
        Tier::High
    } else if score >= 0.8
        && !has(e, "规格", Verdict::Disagree)
        && !has(e, "规格型号", Verdict::Disagree)
    {
        Tier::Medium
    } else if score >= 0.3 {
        Tier::Low
    } else {
        Tier::None
    }
}

/// The item's and the row's package unit (盒/瓶) and whether they are the
/// same, for drugs where both are known. The pre-score counts it too, so a
/// large same-name group keeps the rows in the item's package.
pub(crate) fn pack_units<'a>(q: &'a Query, r: &'a Row) -> Option<(&'a str, &'a str, bool)> {
    if !r
        .category
        .is_some_and(|c| matches!(c, Category::Drug | Category::Preparation))
    {
        return None;
    }
    let hp = q.spec.pack_unit.as_ref().or(q.unit.as_ref())?;
    let cp = r.spec.pack_unit.as_ref()?;
    Some((hp, cp, hp.trim() == cp.trim()))
}

/// The item's trade name (`(信平)`) is the row's, or holds it, or is held by
/// it. The pre-score counts it too: in a large same-name group it is the
/// product.
pub(crate) fn brand_agrees(q: &Query, r: &Row) -> bool {
    let (Some(b), Some(t)) = (&q.parts.brand, &r.trade_name) else {
        return false;
    };
    // One character inside another trade name (`泰` in `坤泰`) is no hit.
    let long = |s: &str| s.chars().count() >= 2;
    (long(t) && b.contains(&**t)) || (long(b) && t.contains(b.as_str()))
}
