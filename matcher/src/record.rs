//! The comparable features of a catalogue row ([`Record`]) and of a hospital
//! item ([`Query`]), computed once so that scoring is plain comparisons.

use crate::norm::{form, keys, manufacturer, name, pinyin, spec, text};
use catalog_core::{Category, Detail, Entry, HospitalItem};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
/// A catalogue row's comparable features.
pub struct Record {
    /// The national code.
    pub code: String,
    /// The row's name as published.
    pub name: String,
    /// The catalogue category.
    pub category: Option<Category>,
    /// False when the row is deactivated.
    pub active: bool,
    /// Name keys (name, generic, registered, list and clinical names), deduplicated.
    pub names: Vec<String>,
    /// The generic name key without its dosage form (`阿莫西林`).
    pub base: String,
    /// The canonical dosage form.
    pub form: Option<String>,
    /// The dosage form as published.
    pub form_text: Option<String>,
    /// The parsed specification (with the package).
    pub spec: spec::Spec,
    /// The specification as published.
    pub spec_text: String,
    /// The package as published or rebuilt from its columns (`24粒/盒`).
    pub pack_spec: Option<String>,
    /// The manufacturer (or the holder when no maker is given).
    pub manufacturer: String,
    /// The manufacturer's core name (see [`manufacturer::core`]).
    pub mfr_core: String,
    /// The 上市许可持有人's core name, when it is not the maker's: many HIS
    /// record the holder as the maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_core: Option<String>,
    /// The trade name as a key.
    pub trade_name: Option<String>,
    /// The 批准文号 in its canonical spelling.
    pub approval_no: Option<String>,
    /// The 批准文号's look-up key (letters and digits).
    pub approval_key: Option<String>,
    /// The 药品本位码.
    pub standard_code: Option<String>,
    /// The device 注册证编号.
    pub registration_no: Option<String>,
    /// The 9-digit national service-item code inside the price code.
    pub price_code: Option<String>,
    /// ICD keys of the row: its own code and the clinical-edition code.
    pub icd_keys: Vec<String>,
    /// The minimum unit or charging unit.
    pub unit: Option<String>,
    /// A service item's 项目内涵.
    pub content: Option<String>,
    /// A service item's 除外内容.
    pub exclusions: Option<String>,
    /// Pinyin initials of the name.
    pub pinyin: String,
    /// Device spec/model tokens (consumables).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spec_tokens: Vec<String>,
}

fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Categories whose names carry their qualifiers in brackets (`耳鸣检查(单侧)`,
/// `甲型肝炎抗体测定(IgM)`): the whole name is the key, nothing is split off.
pub fn whole_name_kind(c: Option<Category>) -> bool {
    c.is_some_and(|c| {
        matches!(
            c,
            Category::Service | Category::Diagnosis | Category::Procedure | Category::Herbal
        )
    })
}

fn push_name(names: &mut Vec<String>, s: Option<&str>, whole: bool) {
    if let Some(s) = s {
        let k = if whole {
            text::key(s)
        } else {
            name::split(s).generic
        };
        if !k.is_empty() && !names.contains(&k) {
            names.push(k);
        }
    }
}

/// The other names an ICD row gives in brackets, as name keys. The 医保版
/// brackets a synonym in square brackets (`心房颤动[心房纤颤]`,
/// `房性期前收缩[房性早搏]`, `…综合征[Lowe综合征]`) and an abbreviation in
/// round ones at the end (`内镜下十二指肠黏膜下剥离术(ESD)`). The name without
/// its square brackets is one; a bracket that ends the name is another (one
/// inside it, `人类免疫缺陷病毒[HIV]病…`, stands for a part only). Other round
/// brackets qualify (`肺结核（显微镜检证实）`), so they stay.
pub fn bracket_synonyms(name: &str) -> Vec<String> {
    let name = name.trim();
    let mut out = Vec::new();
    let open = |c: char| c == '[' || c == '［';
    let close = |c: char| c == ']' || c == '］';
    if name.contains(open) {
        let mut bare = String::new();
        let mut inside: Vec<(String, bool)> = Vec::new();
        let mut depth = 0;
        for (at, c) in name.char_indices() {
            if open(c) {
                depth += 1;
                inside.push((String::new(), false));
            } else if close(c) && depth > 0 {
                depth -= 1;
                let after = &name[at + c.len_utf8()..];
                if let Some(last) = inside.last_mut() {
                    // `…[德雷斯勒综合征][Dressler综合征]`: each bracket after the last text.
                    last.1 = after.trim().is_empty() || after.starts_with(open);
                }
            } else if depth > 0 {
                if let Some(last) = inside.last_mut() {
                    last.0.push(c);
                }
            } else {
                bare.push(c);
            }
        }
        if depth == 0 {
            out.push(text::key(&bare));
            out.extend(
                inside
                    .iter()
                    .filter(|(_, ends)| *ends)
                    .map(|(t, _)| text::key(t)),
            );
        }
    }
    // `…剥离术(ESD)`: letters, digits and hyphens only, at the very end.
    if let Some(head) = name.strip_suffix(')').or_else(|| name.strip_suffix('）')) {
        if let Some(at) = head.rfind(['(', '（']) {
            let abbr = &head[at..].trim_start_matches(['(', '（']);
            if abbr.chars().any(|c| c.is_ascii_alphabetic())
                && abbr.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                out.push(text::key(abbr));
                out.push(text::key(&head[..at]));
            }
        }
    }
    out.retain(|k| k.chars().count() >= 2);
    out.sort();
    out.dedup();
    out
}

impl Record {
    /// The features of a catalogue entry.
    pub fn from_entry(e: &Entry) -> Record {
        let mut r = Record {
            code: e.code.clone(),
            name: e.name.clone(),
            category: Some(e.category()),
            active: e.active,
            ..Record::default()
        };
        let mut names = Vec::new();
        let mut holder = None;
        let whole = whole_name_kind(Some(e.category()));
        push_name(&mut names, Some(&e.name), whole);
        match &e.detail {
            Detail::Drug(d) | Detail::Preparation(d) => {
                push_name(&mut names, some(&d.reg_name), whole);
                push_name(&mut names, some(&d.generic_name), whole);
                push_name(&mut names, some(&d.list_name), whole);
                r.form_text = some(&d.dosage_form)
                    .or(some(&d.reg_dosage_form))
                    .map(String::from);
                r.form = r
                    .form_text
                    .as_deref()
                    .and_then(form::canonical)
                    .map(String::from);
                let spec_text = some(&d.spec).or(some(&d.reg_spec)).unwrap_or_default();
                r.spec = spec::parse_with_pack(
                    spec_text,
                    some(&d.pack_spec),
                    some(&d.pack_qty),
                    some(&d.min_unit),
                    some(&d.pack_unit),
                );
                r.spec_text = spec_text.to_string();
                r.pack_spec = some(&d.pack_spec).map(String::from).or_else(|| {
                    let q = some(&d.pack_qty)?;
                    Some(format!(
                        "{q}{}/{}",
                        some(&d.min_unit).unwrap_or(""),
                        some(&d.pack_unit).unwrap_or("")
                    ))
                });
                r.manufacturer = some(&d.manufacturer)
                    .or(some(&d.holder))
                    .unwrap_or_default()
                    .to_string();
                holder = some(&d.holder);
                r.trade_name = some(&d.trade_name).map(text::key);
                r.approval_no = some(&d.approval_no).and_then(keys::approval_no);
                r.approval_key = some(&d.approval_no).and_then(keys::approval_key);
                r.standard_code = some(&d.standard_code).and_then(keys::standard_code);
                r.unit = some(&d.min_unit).map(String::from);
            }
            Detail::Herbal(h) => {
                push_name(&mut names, some(&h.standard_name), whole);
                push_name(&mut names, some(&h.material_name), whole);
            }
            Detail::Consumable(c) => {
                push_name(&mut names, some(&c.generic_name), whole);
                push_name(&mut names, some(&c.reg_product_name), whole);
                let st = [some(&c.spec_model), some(&c.spec), some(&c.model)]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                r.spec = spec::parse(&st);
                r.spec_tokens = spec::tokens(&st);
                r.spec_text = st;
                r.manufacturer = some(&c.manufacturer)
                    .or(some(&c.registrant))
                    .unwrap_or_default()
                    .to_string();
                r.registration_no = some(&c.registration_no).and_then(keys::registration_no);
                r.unit = some(&c.unit).map(String::from);
            }
            Detail::Service(s) => {
                // Look-ups use the 9-digit national item code, which provincial
                // price codes end with and the 15-digit code embeds (00 + 9 + 2 + 2).
                r.price_code = some(&s.price_code)
                    .and_then(keys::price_code)
                    .and_then(|p| keys::price_item(&p))
                    .or_else(|| keys::price_item(e.code.get(2..11).unwrap_or("")));
                r.unit = some(&s.unit).map(String::from);
                r.content = some(&s.content).map(String::from);
                r.exclusions = some(&s.exclusions).map(String::from);
            }
            Detail::Diagnosis(i) | Detail::Procedure(i) => {
                push_name(&mut names, some(&i.clinical_name), whole);
                r.icd_keys = [Some(e.code.as_str()), some(&i.clinical_code)]
                    .into_iter()
                    .flatten()
                    .filter_map(keys::icd)
                    .collect();
                r.icd_keys.dedup();
            }
            Detail::Reimbursement(l) | Detail::Negotiated(l) => {
                r.form_text = some(&l.dosage_form).map(String::from);
                r.form = r
                    .form_text
                    .as_deref()
                    .and_then(form::canonical)
                    .map(String::from);
            }
            // Not a catalogue items are mapped to (`Category::is_mappable`).
            Detail::Crosswalk(_) => {}
        }
        r.mfr_core = manufacturer::core(&r.manufacturer);
        r.holder_core = holder
            .map(manufacturer::core)
            .filter(|h| !h.is_empty() && *h != r.mfr_core);
        let (base, name_form) = form::split_name(names.first().map(String::as_str).unwrap_or(""));
        r.base = base;
        if r.form.is_none() {
            r.form = name_form.map(String::from);
        }
        r.pinyin = pinyin::initials(&e.name);
        r.names = names;
        r
    }

    /// The text indexed for full-text search.
    pub fn search_text(&self) -> String {
        let mut t = self.names.join(" ");
        if let Some(tn) = &self.trade_name {
            t.push(' ');
            t.push_str(tn);
        }
        t
    }
}

/// Terms of a specification for the full-text index and its queries: each
/// strength in base units (`mass:250` for 0.25g), the volume, the percentage
/// and the count per package. (Devices have no such terms: their model
/// tokens are a key of their own.)
pub fn spec_terms(spec: &spec::Spec) -> Vec<String> {
    // Rounded so 0.1+0.2 and 0.3 give one term.
    let n = |v: f64| (v * 1e4).round() / 1e4;
    let mut out: Vec<String> = spec
        .strengths
        .iter()
        .map(|(d, v)| format!("{d:?}:{}", n(*v)).to_lowercase())
        .collect();
    out.extend(spec.volume_ml.map(|v| format!("ml:{}", n(v))));
    out.extend(spec.percent.map(|v| format!("pct:{}", n(v))));
    out.extend(spec.count.map(|v| format!("count:{}", n(v))));
    out.sort();
    out.dedup();
    out
}

/// A hospital item's features, from its own fields and, where a field is
/// empty, from what its name carries (spec and brand glued to the name).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Query {
    /// The name split into generic, spec and brand.
    pub parts: name::NameParts,
    /// The generic name without its dosage form.
    pub base: String,
    /// The canonical dosage form (column first, else from the name).
    pub form: Option<String>,
    /// The parsed specification (column first, else from the name).
    pub spec: spec::Spec,
    /// The manufacturer as the HIS holds it.
    pub manufacturer: String,
    /// The manufacturer's core name.
    pub mfr_core: String,
    /// The words the HIS wrote for the maker ([`manufacturer::written`]).
    #[serde(default)]
    pub mfr_written: String,
    /// The province the maker's name starts in, if it names one.
    #[serde(default)]
    pub mfr_province: Option<String>,
    /// The maker column when it reads as a name cut short, matched as a
    /// prefix of full names ([`manufacturer::cut_short`]).
    pub mfr_cut: Option<String>,
    /// The 批准文号's look-up key.
    pub approval_key: Option<String>,
    /// The 药品本位码.
    pub standard_code: Option<String>,
    /// The device 注册证编号.
    pub registration_no: Option<String>,
    /// The 9-digit national service-item code of the price code.
    pub price_code: Option<String>,
    /// The ICD key of a code the HIS holds.
    pub icd_key: Option<String>,
    /// A national code the HIS holds, canonical.
    pub national_code: Option<String>,
    /// What the 映射表 says of that code (set by the matcher when it has one).
    #[serde(default)]
    pub crosswalk: Option<crate::crosswalk::Crossed>,
    /// The HIS unit.
    pub unit: Option<String>,
    /// Set when the name is typed pinyin initials (`AMXLJN`).
    pub initials: Option<String>,
    /// Device spec/model tokens from the spec field and bracketed name parts.
    pub spec_tokens: Vec<String>,
}

/// A spec with a maker glued after a dot (`每丸重9g*6丸/盒.天辰生`,
/// `每粒装0.25g*12.贵州天`): the spec and the maker. Only Chinese may follow
/// the dot, so `0.25g` is never cut.
fn split_glued_maker(spec: &str) -> (String, Option<String>) {
    let t = spec.trim();
    if let Some(at) = t.rfind(['.', '。']) {
        let (head, tail) = (&t[..at], t[at..].chars().skip(1).collect::<String>());
        // A decimal point is followed by digits; `12.贵州天` is a count and a maker.
        let tail = tail.trim();
        // Three characters at least: `.进口`, `.糖衣`, `.集采` are notes, not makers.
        if !head.trim().is_empty() && tail.chars().count() >= 3 && tail.chars().all(text::is_cjk) {
            return (head.trim_end().to_string(), Some(tail.to_string()));
        }
    }
    (t.to_string(), None)
}

/// The longest maker name kept (the longest registered names are ~40 characters).
const MAX_MAKER_CHARS: usize = 64;

impl Query {
    /// `kind` is the catalogue being matched against (it decides how names split).
    pub fn from_item(item: &HospitalItem, kind: Option<Category>) -> Query {
        let mut parts = name::split(&item.name);
        let mut unit_in_name = None;
        if whole_name_kind(kind) {
            // Only service items are billed per unit; `2型糖尿病/高血压` is two diagnoses.
            let (bare, unit) = if kind == Some(Category::Service) {
                name::split_unit_suffix(&item.name, some(&item.unit))
            } else {
                (item.name.clone(), None)
            };
            unit_in_name = unit;
            parts = name::NameParts {
                generic: text::key(&bare),
                spec: None,
                brand: None,
            };
        }
        if kind == Some(Category::Consumable) {
            // A model number typed into a device name (`内固定 JTP-8167`) is
            // the spec's, not part of the name the catalogue spells.
            for t in spec::tokens(&item.name).iter().filter(|t| t.contains('-')) {
                let k = t.replace('-', "");
                let rest = parts.generic.replace(&k, "");
                if rest.chars().count() >= 2 {
                    parts.generic = rest;
                }
            }
        }
        let (base, name_form) = form::split_name(&parts.generic);
        let form = some(&item.dosage_form)
            .and_then(form::canonical)
            .or(name_form)
            .map(String::from);
        // `每袋装5g:10袋.黑龙江`: a HIS export that glued a (cut) maker to
        // the spec, when the maker column is empty.
        let (spec_col, glued_maker) = match some(&item.spec) {
            Some(sp) if some(&item.manufacturer).is_none() => split_glued_maker(sp),
            Some(sp) => (sp.to_string(), None),
            None => (String::new(), None),
        };
        let spec_text = Some(spec_col)
            .filter(|s| !s.is_empty())
            .or_else(|| parts.spec.clone())
            .unwrap_or_default();
        let mut sp = spec::parse(&spec_text);
        if !sp.has_strength() {
            if let Some(s) = &parts.spec {
                let from_name = spec::parse(s);
                sp.strengths = from_name.strengths;
                sp.volume_ml = from_name.volume_ml;
                sp.percent = from_name.percent;
                sp.count = sp.count.or(from_name.count);
            }
        }
        // `小儿荆杏止咳颗粒 每袋装5g×12袋` with only `每袋装5g` in the spec
        // column: the package count is the name's, which alone tells the
        // 12-bag box from the 6-bag one of the same 批准文号.
        if sp.count.is_none() && sp.has_strength() {
            if let Some(s) = parts.spec.as_deref().filter(|s| *s != spec_text) {
                let from_name = spec::parse(s);
                let same_strength = !from_name.has_strength()
                    || spec::compare_strength(&sp, &from_name) == spec::Cmp::Agree;
                if from_name.count.is_some() && same_strength {
                    sp.count = from_name.count;
                    sp.count_unit = sp.count_unit.take().or(from_name.count_unit);
                    sp.pack_unit = sp.pack_unit.take().or(from_name.pack_unit);
                }
            }
        }
        // A maker column is a name: capped so a pasted paragraph stays cheap.
        let manufacturer: String = some(&item.manufacturer)
            .map(String::from)
            .or(glued_maker)
            .unwrap_or_default()
            .chars()
            .take(MAX_MAKER_CHARS)
            .collect();
        let mfr_core = manufacturer::core(&manufacturer);
        let mfr_written = manufacturer::written(&manufacturer);
        // `written` is folded and keeps the region prefix.
        let mfr_province = manufacturer::province(&mfr_written).map(String::from);
        let mfr_cut = manufacturer::cut_short(&manufacturer, crate::block::MFR_PREFIX_MIN);
        let national = some(&item.national_code).map(catalog_core::normalize::code);
        let mut spec_tokens = spec::tokens(&spec_text);
        // Model numbers typed into the name (`内固定 JT-227`) count as the spec's.
        let from_name = spec::tokens(&item.name)
            .into_iter()
            .filter(|t| t.contains('-'));
        let brand = parts.brand.as_deref().map(spec::tokens).unwrap_or_default();
        for t in brand.into_iter().chain(from_name) {
            if !spec_tokens.contains(&t) {
                spec_tokens.push(t);
            }
        }
        // Keys typed anywhere in the row (the name, the spec, any other column)
        // when their own column is empty.
        let found = {
            let mut text = item.name.clone();
            for v in [&item.spec, &item.manufacturer].into_iter().flatten() {
                text.push(' ');
                text.push_str(v);
            }
            for v in item.extra.values() {
                text.push(' ');
                text.push_str(v);
            }
            keys::find_in_text(&text)
        };
        Query {
            spec_tokens,
            base,
            form,
            spec: sp,
            mfr_core,
            mfr_written,
            mfr_province,
            mfr_cut,
            manufacturer,
            approval_key: some(&item.approval_no)
                .and_then(keys::approval_key)
                .or(found.approval_key),
            standard_code: some(&item.standard_code)
                .and_then(keys::standard_code)
                .or(found.standard_code),
            registration_no: some(&item.registration_no)
                .and_then(keys::registration_no)
                .or(found.registration_no),
            price_code: some(&item.price_code)
                .and_then(keys::price_code)
                .and_then(|p| keys::price_item(&p)),
            icd_key: national.as_deref().and_then(keys::icd),
            national_code: national,
            crosswalk: None,
            unit: some(&item.unit).map(String::from).or(unit_in_name),
            // `ＸＰＹＥＫＬ` typed with a full-width input method is AMXLJN too.
            initials: Some(catalog_core::normalize::clean_text(&item.name))
                .filter(|n| pinyin::looks_like_initials(n))
                .map(|n| n.trim().to_ascii_uppercase()),
            parts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog_core::entry::DrugInfo;

    #[test]
    fn drug_record_reads_pack_and_keys() {
        let d = DrugInfo {
            generic_name: Some("阿莫西林胶囊".into()),
            dosage_form: Some("硬胶囊".into()),
            spec: Some("0.25g".into()),
            pack_qty: Some("24".into()),
            min_unit: Some("粒".into()),
            pack_unit: Some("盒".into()),
            manufacturer: Some("珠海联邦制药股份有限公司中山分公司".into()),
            approval_no: Some("国药准字H44021351".into()),
            ..DrugInfo::default()
        };
        let r = Record::from_entry(&Entry::new(
            "XJ01CAA040E001010100600",
            "阿莫西林胶囊",
            Detail::Drug(d),
        ));
        assert_eq!(r.base, "阿莫西林");
        assert_eq!(r.form.as_deref(), Some("胶囊"));
        assert_eq!(r.spec.count, Some(24.0));
        assert_eq!(r.approval_key.as_deref(), Some("H44021351"));
        assert_eq!(r.pinyin, "AMXLJN");
        let q = Query::from_item(
            &HospitalItem {
                name: "阿莫西林胶囊 0.25g*24粒".into(),
                approval_no: Some("h44021351".into()),
                ..Default::default()
            },
            Some(Category::Drug),
        );
        assert_eq!(q.base, "阿莫西林");
        assert_eq!(q.spec.count, Some(24.0));
        assert_eq!(q.approval_key, r.approval_key);
        let initials = |name: &str| {
            Query::from_item(
                &HospitalItem {
                    name: name.into(),
                    ..Default::default()
                },
                Some(Category::Drug),
            )
            .initials
        };
        assert_eq!(initials(" amxljn ").as_deref(), Some("AMXLJN"));
        assert_eq!(initials("ＡＭＸＬＪＮ").as_deref(), Some("AMXLJN"));
        assert_eq!(initials("阿莫西林胶囊"), None);
    }

    #[test]
    fn the_package_count_in_the_name_completes_a_spec_column_without_one() {
        let q = |name: &str, spec: &str| {
            Query::from_item(
                &HospitalItem {
                    name: name.into(),
                    spec: Some(spec.into()),
                    ..Default::default()
                },
                Some(Category::Drug),
            )
            .spec
        };
        let s = q("小儿荆杏止咳颗粒 每袋装5g×12袋", "每袋装5g");
        assert_eq!((s.count, s.strengths.len()), (Some(12.0), 1));
        // Full-width digits too.
        assert_eq!(
            q("妇科止血灵片 每片重０.２５ｇｘ１２片", "每片重0.25g").count,
            Some(12.0)
        );
        // A name whose strength is another's says nothing of this package.
        assert_eq!(q("阿莫西林胶囊 0.5g*24粒", "0.25g").count, None);
        // The column's own count stays.
        assert_eq!(q("阿莫西林胶囊 0.25g*24粒", "0.25g*12粒").count, Some(12.0));
    }

    #[test]
    fn a_maker_glued_to_the_spec_is_the_makers() {
        assert_eq!(
            split_glued_maker("每丸重9g*6丸/盒.天辰生"),
            ("每丸重9g*6丸/盒".to_string(), Some("天辰生".to_string()))
        );
        assert_eq!(
            split_glued_maker("每袋装5g:10袋。黑龙江").1.as_deref(),
            Some("黑龙江")
        );
        // A decimal point, Latin or one character after the dot: not a maker.
        assert_eq!(split_glued_maker("0.25g*24粒").1, None);
        assert_eq!(split_glued_maker("10ml/支.b").1, None);
        assert_eq!(split_glued_maker("10袋/盒.装").1, None);
        assert_eq!(split_glued_maker("0.5g*10片.进口").1, None);
        let q = Query::from_item(
            &HospitalItem {
                name: "小儿胃宝丸".into(),
                spec: Some("每丸重9g*6丸/盒.天辰生".into()),
                ..Default::default()
            },
            Some(Category::Drug),
        );
        assert_eq!(
            (q.manufacturer.as_str(), q.spec.count),
            ("天辰生", Some(6.0))
        );
    }

    #[test]
    fn brackets_give_an_icd_row_its_synonyms() {
        assert_eq!(
            bracket_synonyms("心房颤动[心房纤颤]"),
            ["心房纤颤", "心房颤动"]
        );
        assert_eq!(
            bracket_synonyms("心肌梗死后综合征[德雷斯勒综合征][Dressler综合征]"),
            ["dressler综合征", "德雷斯勒综合征", "心肌梗死后综合征"]
        );
        // A bracket inside the name names a part of it: only the bare name.
        assert_eq!(
            bracket_synonyms("人类免疫缺陷病毒[HIV]病造成的分枝杆菌感染"),
            ["人类免疫缺陷病毒病造成的分枝杆菌感染"]
        );
        // An abbreviation in round brackets at the end.
        assert_eq!(
            bracket_synonyms("内镜下十二指肠黏膜下剥离术(ESD)"),
            ["esd", "内镜下十二指肠黏膜下剥离术"]
        );
        assert_eq!(
            bracket_synonyms("非感染性多器官功能障碍综合征（MODS）"),
            ["mods", "非感染性多器官功能障碍综合征"]
        );
        // Other round brackets qualify; unbalanced ones give nothing.
        assert!(bracket_synonyms("肺结核（显微镜检证实）").is_empty());
        assert!(bracket_synonyms("经皮肾镜取石术(II期)").is_empty());
        assert!(bracket_synonyms("心房颤动[心房纤颤").is_empty());
    }

    #[test]
    fn a_model_number_in_a_device_name_is_the_specs_not_the_names() {
        let q = |name: &str, kind| {
            Query::from_item(
                &HospitalItem {
                    name: name.into(),
                    ..Default::default()
                },
                Some(kind),
            )
        };
        let d = q("内固定 JTP－8167", Category::Consumable);
        assert_eq!(d.parts.generic, "内固定");
        assert!(
            d.spec_tokens.iter().any(|t| t == "jtp-8167"),
            "{:?}",
            d.spec_tokens
        );
        assert_eq!(
            q("固定板hks_5633", Category::Consumable).parts.generic,
            "固定板"
        );
        // A name that is nothing but a model keeps it; drugs keep their qualifiers.
        assert_eq!(q("JTP-8167", Category::Consumable).parts.generic, "jtp8167");
        assert!(q("复方氨基酸注射液(18AA-Ⅱ)", Category::Drug)
            .parts
            .generic
            .contains("18aa"));
    }
}
