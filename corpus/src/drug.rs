//! 西药中成药: the provincial 医保药品分类与代码 workbook, with codes whose
//! segments agree with the fields, plus the reimbursement and negotiated lists
//! derived from the same generics.

use crate::vocab::{self, pick, Company};
use crate::write::Table;
use rand::seq::SliceRandom;
use rand::Rng;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

pub const HEADERS: &[&str] = &[
    "药品代码",
    "数据来源",
    "注册名称",
    "商品名称",
    "注册剂型",
    "剂型",
    "注册规格",
    "规格",
    "包装材质",
    "最小包装数量",
    "最小制剂单位",
    "最小包装单位",
    "药品企业",
    "分包装企业名称",
    "生产企业",
    "批准文号",
    "原批准文号",
    "药品本位码",
    "上市药品持有人",
    "市场状态",
    "医保药品名称",
    "甲乙类",
    "医保剂型",
    "编号",
    "备注",
    "曾用码",
    "有效标志",
];
/// field_specs keys per header ("" = no field; kept in `extra`).
pub const KEYS: &[&str] = &[
    "code",
    "extra.数据来源",
    "name",
    "trade_name",
    "reg_dosage_form",
    "dosage_form",
    "reg_spec",
    "spec",
    "pack_material",
    "pack_qty",
    "min_unit",
    "pack_unit",
    "extra.药品企业",
    "sub_packager",
    "manufacturer",
    "approval_no",
    "orig_approval_no",
    "standard_code",
    "holder",
    "market_state",
    "list_name",
    "list_class",
    "list_dosage_form",
    "list_no",
    "remark",
    "former_codes",
    "active",
];

pub const REIMB_HEADERS: &[&str] = &[
    "药品分类代码",
    "药品分类",
    "甲乙类",
    "编号",
    "药品名称",
    "剂型",
    "备注",
];
pub const REIMB_KEYS: &[&str] = &[
    "class_code",
    "class_name",
    "list_class",
    "list_no",
    "name",
    "dosage_form",
    "restriction",
];
pub const NEG_HEADERS: &[&str] = &[
    "药品分类代码",
    "药品分类",
    "甲乙类",
    "编号",
    "药品名称",
    "剂型",
    "医保支付标准",
    "备注",
    "协议有效期",
];
pub const NEG_KEYS: &[&str] = &[
    "class_code",
    "class_name",
    "list_class",
    "list_no",
    "name",
    "dosage_form",
    "payment_standard",
    "remark",
    "agreement_end",
];

pub const RESTRICTIONS: &[&str] = &[
    "限二线用药。",
    "限重症感染患者。",
    "限儿童患者。",
    "限手术患者或产后出血患者。",
    "限有明确的细菌感染指征。",
    "限二级及以上医疗机构使用。",
    "限门诊慢特病患者。",
    "限经一线药物治疗无效的患者。",
    "限肿瘤放化疗患者。",
    "限急救、抢救时使用。",
    "限住院患者。",
    "限工伤保险。",
    "限有明确诊断的患者，单次住院使用不超过14天。",
    "限经基因检测确认的患者。",
];
const TRADE_SYL: &[&str] = &[
    "舒", "宁", "康", "达", "泰", "欣", "诺", "乐", "安", "倍", "力", "美", "优", "维", "瑞", "佳",
    "通", "平", "克", "畅", "素", "洛", "信", "立", "必", "易", "捷",
];

#[derive(Clone, Debug)]
pub struct Generic {
    pub kind: char,
    pub class: String,
    pub name_code: String,
    pub name: String,
    /// X: dosage form names from vocab::DOSAGE_FORMS; Z: the name's own form.
    pub forms: Vec<String>,
    pub listed: Option<Listing>,
    pub negotiated: Option<Listing>,
}

#[derive(Clone, Debug)]
pub struct Listing {
    pub no: u32,
    pub class: &'static str,
    pub restriction: String,
}

/// Facts about one catalogue row the hospital generator needs (the table holds the text).
#[derive(Clone, Debug)]
pub struct Meta {
    pub generic: u32,
    pub company: u32,
    pub strength: String,
    pub form: String,
    pub trade: String,
}

pub struct DrugCatalog {
    pub table: Table,
    pub meta: Vec<Meta>,
    pub generics: Vec<Generic>,
    pub companies: Vec<Company>,
    pub class_names: HashMap<String, String>,
}

/// Load generics and give every one without a real name code the next free one
/// for its pinyin initial, so the same generic always gets the same name code.
pub fn load_generics(real_only: bool) -> Vec<Generic> {
    let mut by_key: BTreeMap<(char, String), Generic> = BTreeMap::new();
    let mut order: Vec<(char, String)> = Vec::new();
    for r in vocab::csv_rows(vocab::DRUG_GENERICS) {
        if r.len() < 6 || (real_only && r[0] != "real") {
            continue;
        }
        let kind = r[1].chars().next().unwrap_or('X');
        let key = (kind, r[4].clone());
        let g = by_key.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            Generic {
                kind,
                class: r[2].clone(),
                name_code: r[3].clone(),
                name: r[4].clone(),
                forms: Vec::new(),
                listed: None,
                negotiated: None,
            }
        });
        let form = if kind == 'Z' {
            z_form(&r[4]).to_string()
        } else {
            r[5].clone()
        };
        if (kind == 'Z' || vocab::dosage_form(&form).is_some()) && !g.forms.contains(&form) {
            g.forms.push(form);
        }
    }
    let mut used: HashSet<(char, String)> = HashSet::new();
    let mut next: HashMap<(char, char), u32> = HashMap::new();
    let mut out = Vec::new();
    for key in order {
        let Some(mut g) = by_key.remove(&key) else {
            continue;
        };
        if g.forms.is_empty() {
            continue;
        }
        let width = if g.kind == 'Z' { 4 } else { 3 };
        if g.name_code.len() != width + 1 || !used.insert((g.kind, g.name_code.clone())) {
            g.name_code.clear();
        } else if let Ok(n) = g.name_code[1..].parse::<u32>() {
            let l = g.name_code.chars().next().unwrap_or('X');
            let e = next.entry((g.kind, l)).or_insert(0);
            *e = (*e).max(n + 1);
        }
        out.push(g);
    }
    for g in out.iter_mut().filter(|g| g.name_code.is_empty()) {
        let l = vocab::pinyin_initial(&g.name);
        let width = if g.kind == 'Z' { 4 } else { 3 };
        let e = next.entry((g.kind, l)).or_insert(0);
        // Generated names start at 500 (X) / 5000 (Z) to stay clear of real sequences.
        *e = (*e).max(if width == 3 { 500 } else { 5000 });
        g.name_code = format!("{l}{:0w$}", *e, w = width);
        *e += 1;
        used.insert((g.kind, g.name_code.clone()));
    }
    out
}

/// The dosage form of a 中成药 name (its last characters).
pub fn z_form(name: &str) -> &'static str {
    const SUFFIX: &[(&str, &str)] = &[
        ("口服液", "合剂"),
        ("颗粒", "颗粒剂"),
        ("胶囊", "胶囊剂"),
        ("软胶囊", "胶囊剂"),
        ("滴丸", "滴丸剂"),
        ("丸", "丸剂"),
        ("片", "片剂"),
        ("糖浆", "糖浆剂"),
        ("合剂", "合剂"),
        ("散", "散剂"),
        ("栓", "栓剂"),
        ("膏", "煎膏剂"),
        ("注射液", "注射剂"),
        ("贴", "贴膏剂"),
        ("酊", "酊剂"),
        ("丹", "丸剂"),
        ("茶", "茶剂"),
        ("喷雾剂", "喷雾剂"),
        ("凝胶", "凝胶剂"),
        ("液", "合剂"),
    ];
    let base = name.split('(').next().unwrap_or(name);
    SUFFIX
        .iter()
        .find(|(s, _)| base.ends_with(s))
        .map_or("其他", |(_, f)| f)
}

fn z_strengths(form: &str) -> &'static [&'static str] {
    match form {
        "丸剂" => &["每丸重9g", "每10丸重1g", "每袋装6g", "每8丸相当于原生药3g"],
        "滴丸剂" => &["每丸重25mg", "每丸重35mg"],
        "胶囊剂" => &["每粒装0.3g", "每粒装0.4g", "每粒装0.5g", "每粒装0.25g"],
        "片剂" => &[
            "每片重0.3g",
            "每片重0.5g",
            "每片重0.25g",
            "薄膜衣片每片重0.52g",
        ],
        "颗粒剂" => &["每袋装10g", "每袋装5g", "每袋装3g", "每袋装6g(无蔗糖)"],
        "合剂" | "糖浆剂" => &["每支装10ml", "每瓶装100ml", "每瓶装150ml"],
        "注射剂" => &["每支装2ml", "每支装10ml", "每瓶装250ml"],
        "栓剂" => &["每粒重2g", "每粒重1.5g"],
        _ => &["每袋装5g", "每盒装10g", "每贴重3g"],
    }
}

fn x_strengths(form: &str, name: &str) -> &'static [&'static str] {
    if name.contains("胰岛素") {
        return &["3ml:300单位", "10ml:400单位"];
    }
    if name == "氯化钠" || name.contains("葡萄糖") {
        return &["100ml:0.9g", "250ml:2.25g", "500ml:4.5g", "10ml:0.09g"];
    }
    match form {
        "注射液" | "乳状注射液" | "中/长链脂肪乳注射液" => &[
            "1ml:10mg",
            "2ml:0.1g",
            "2ml:40mg",
            "5ml:0.5g",
            "10ml:0.5g",
            "100ml:0.2g",
            "250ml:0.5g",
            "1ml:5000单位",
            "2ml:20mg",
            "20ml:0.2g",
        ],
        "注射用" => &[
            "0.5g",
            "1.0g",
            "0.25g",
            "2.0g",
            "40mg",
            "100mg",
            "10mg",
            "80万单位",
            "200万单位",
        ],
        "颗粒" | "散" | "干混悬剂" => &["0.125g", "0.25g", "1g", "5g", "50mg", "0.1g"],
        "口服溶液" | "糖浆" | "混悬液" => {
            &["100ml:2g", "10ml:0.1g", "60ml:1.2g", "30ml:0.6g"]
        }
        "乳膏" | "凝胶" => &["10g:0.1g", "15g:0.15g", "20g:0.2g", "5g:50mg"],
        "栓" | "阴道栓" | "阴道膨胀栓" => &["0.1g", "0.2g", "0.5g", "10mg"],
        "鼻喷雾剂" => &["10ml:5mg", "2.5mg/喷"],
        _ => &[
            "5mg", "10mg", "20mg", "25mg", "40mg", "50mg", "0.1g", "0.125g", "0.25g", "0.5g",
            "1mg", "2mg", "0.2g", "0.3g", "150mg", "250μg", "0.15g", "0.75g", "2.5mg",
        ],
    }
}

/// (quantity, 最小包装单位) options by 最小制剂单位.
fn packages(min_unit: &str) -> &'static [(u32, &'static str)] {
    match min_unit {
        "片" | "粒" | "丸" => &[
            (6, "盒"),
            (10, "盒"),
            (12, "盒"),
            (24, "盒"),
            (30, "盒"),
            (48, "盒"),
            (100, "瓶"),
            (14, "盒"),
        ],
        "支" => &[(1, "盒"), (5, "盒"), (10, "盒"), (2, "盒")],
        "袋" => &[(6, "盒"), (9, "盒"), (10, "盒"), (12, "盒")],
        _ => &[(1, "瓶"), (1, "盒"), (10, "盒"), (5, "盒")],
    }
}

fn z_min_unit(form: &str, strength: &str) -> &'static str {
    match form {
        "丸剂" if strength.starts_with("每袋") => "袋",
        "丸剂" | "滴丸剂" => "丸",
        "胶囊剂" | "栓剂" => "粒",
        "片剂" => "片",
        "颗粒剂" | "散剂" => "袋",
        "合剂" | "糖浆剂" | "注射剂" => {
            if strength.contains("支") {
                "支"
            } else {
                "瓶"
            }
        }
        "贴膏剂" => "贴",
        _ => "袋",
    }
}

/// The registration name: X = generic + form (注射用 goes first), Z = the name itself.
pub fn reg_name(g: &Generic, form: &str) -> String {
    if g.kind == 'Z' {
        g.name.clone()
    } else if form == "注射用" {
        if g.name.starts_with("注射用") {
            g.name.clone()
        } else {
            format!("注射用{}", g.name)
        }
    } else {
        format!("{}{}", g.name, form)
    }
}

/// 医保剂型 group of a form.
pub fn list_form(g: &Generic, form: &str) -> String {
    if g.kind == 'Z' {
        return form.to_string();
    }
    vocab::dosage_form(form).map_or_else(|| form.to_string(), |f| f.3.to_string())
}

fn approval_letter(g: &Generic) -> char {
    if g.kind == 'Z' {
        'Z'
    } else if ["胰岛素", "单抗", "干扰素", "菌", "免疫球蛋白", "肝素钙"]
        .iter()
        .any(|k| g.name.contains(k))
    {
        'S'
    } else {
        'H'
    }
}

fn new_approval(rng: &mut impl Rng, letter: char, used: &mut HashSet<String>) -> String {
    loop {
        let digits = if rng.random_bool(0.6) {
            format!(
                "{}{:04}",
                rng.random_range(1998..=2025),
                rng.random_range(0..10000)
            )
        } else {
            const PROV: &[u32] = &[
                10, 11, 13, 14, 19, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 50,
                51, 52, 53,
            ];
            format!("{}{:06}", pick(rng, PROV), rng.random_range(0..1_000_000))
        };
        let s = format!("国药准字{letter}{digits}");
        if used.insert(s.clone()) {
            return s;
        }
    }
}

fn base_compound(name: &str) -> &str {
    for p in [
        "盐酸",
        "硫酸氢",
        "硫酸",
        "富马酸",
        "酒石酸",
        "琥珀酸",
        "甲磺酸",
        "磷酸",
        "草酸",
        "马来酸",
        "枸橼酸",
    ] {
        if let Some(r) = name.strip_prefix(p) {
            return r;
        }
    }
    name
}

/// Build roughly `target` rows. Rows of one 批准文号 are adjacent, as in real workbooks.
pub fn build(rng: &mut impl Rng, target: usize, real_only: bool) -> DrugCatalog {
    let mut generics = load_generics(real_only);
    let class_names = vocab::class_names(vocab::DRUG_CLASSES);
    // Listing: ~70% listed (编号 per section), ~12% of the rest negotiated.
    let (mut nx, mut nz, mut nn) = (1u32, 1u32, 1u32);
    for g in generics.iter_mut() {
        let roll: f64 = rng.random();
        if roll < 0.70 {
            let no = if g.kind == 'Z' {
                nz += 1;
                nz
            } else {
                nx += 1;
                nx
            };
            let class = if rng.random_bool(0.3) { "甲" } else { "乙" };
            let restriction = if rng.random_bool(0.25) {
                pick(rng, RESTRICTIONS).to_string()
            } else {
                String::new()
            };
            g.listed = Some(Listing {
                no,
                class,
                restriction,
            });
        } else if roll < 0.85 {
            nn += 1;
            let restriction = if rng.random_bool(0.6) {
                pick(rng, RESTRICTIONS).to_string()
            } else {
                String::new()
            };
            g.negotiated = Some(Listing {
                no: nn,
                class: "乙",
                restriction,
            });
        }
    }
    let n_comp = (target / 60).clamp(40, 4000);
    let companies = vocab::companies(rng, n_comp, false, 100);
    // Popularity: a few generics have hundreds of products, most have a handful.
    // (Float weights: a last-bit difference in `powf` between platforms could only
    // move a draw that lands within one ulp of a boundary.)
    let weights: Vec<f64> = (0..generics.len())
        .map(|i| 1.0 / ((i % 97 + 1) as f64).powf(0.7))
        .collect();
    let total_w: f64 = weights.iter().sum();
    let mut strengths_of: HashMap<(u32, String), Vec<&'static str>> = HashMap::new();
    let mut trade_of: HashMap<(u32, usize), String> = HashMap::new();
    let mut used_groups: HashSet<(u32, String, usize, u32)> = HashSet::new();
    let mut used_codes: HashSet<String> = HashSet::new();
    let mut used_approvals: HashSet<String> = HashSet::new();
    let mut std_seq: HashMap<u32, u32> = HashMap::new();
    let mut table = Table::new(HEADERS);
    let mut meta = Vec::new();
    let mut stalls = 0;
    while !generics.is_empty() && table.rows.len() < target && stalls < 10_000 {
        let mut x = rng.random::<f64>() * total_w;
        let mut gi = 0;
        for (i, w) in weights.iter().enumerate() {
            x -= w;
            if x <= 0.0 {
                gi = i;
                break;
            }
        }
        let g = &generics[gi];
        let form = g.forms[rng.random_range(0..g.forms.len())].clone();
        let strengths = strengths_of
            .entry((gi as u32, form.clone()))
            .or_insert_with(|| {
                let all = if g.kind == 'Z' {
                    z_strengths(&form)
                } else {
                    x_strengths(&form, &g.name)
                };
                let mut v: Vec<&'static str> = all.to_vec();
                v.shuffle(rng);
                v.truncate(rng.random_range(1..=3.min(all.len())));
                v
            });
        let si = rng.random_range(0..strengths.len());
        let strength = strengths[si].to_string();
        let ci = rng.random_range(0..companies.len()) as u32;
        if !used_groups.insert((gi as u32, form.clone(), si, ci)) {
            stalls += 1;
            continue;
        }
        stalls = 0;
        let comp = &companies[ci as usize];
        let (form_code, min_unit) = if g.kind == 'Z' {
            (String::new(), z_min_unit(&form, &strength).to_string())
        } else {
            let f = vocab::dosage_form(&form);
            (
                f.map_or("Z999", |f| f.1).to_string(),
                f.map_or("盒", |f| f.2).to_string(),
            )
        };
        let pk_all = packages(&min_unit);
        let mut pk_idx: Vec<usize> = (0..pk_all.len()).collect();
        pk_idx.shuffle(rng);
        let n_pk = [1, 1, 2, 2, 2, 3, 3, 4][rng.random_range(0..8)].min(pk_all.len());
        pk_idx.truncate(n_pk);
        pk_idx.sort_unstable();
        let letter = if rng.random_bool(0.02) && g.kind == 'X' {
            'J'
        } else {
            approval_letter(g)
        };
        let approval = new_approval(rng, letter, &mut used_approvals);
        let orig_approval = if rng.random_bool(0.05) {
            new_approval(rng, letter, &mut used_approvals)
        } else {
            String::new()
        };
        let holder = if rng.random_bool(0.1) {
            companies[rng.random_range(0..companies.len())].full()
        } else {
            comp.full()
        };
        let trade = if g.kind == 'X' && rng.random_bool(0.3) {
            trade_of
                .entry((gi as u32, ci as usize))
                .or_insert_with(|| format!("{}{}", pick(rng, TRADE_SYL), pick(rng, TRADE_SYL)))
                .clone()
        } else {
            String::new()
        };
        let reg_spec = if g.kind == 'X'
            && rng.random_bool(0.2)
            && !strength.contains(':')
            && !strength.contains('单')
        {
            format!("{strength}(按{}计)", base_compound(&g.name))
        } else {
            strength.clone()
        };
        let material = pick(rng, vocab::PACK_MATERIALS).to_string();
        let name = reg_name(g, &form);
        let lform = list_form(g, &form);
        let listing = g.listed.as_ref().or(g.negotiated.as_ref());
        for &pi in &pk_idx {
            let (qty, unit) = pk_all[pi];
            let code = if g.kind == 'Z' {
                format!(
                    "Z{}{}{:02}{:02}{}",
                    g.class,
                    g.name_code,
                    si + 1,
                    pi + 1,
                    comp.ent
                )
            } else {
                format!(
                    "X{}{}{}{:02}{:02}{}",
                    g.class,
                    g.name_code,
                    form_code,
                    si + 1,
                    pi + 1,
                    comp.ent
                )
            };
            if !used_codes.insert(code.clone()) {
                continue;
            }
            let seq = std_seq.entry(ci).or_insert(0);
            *seq += 1;
            let body = format!("869{}{:05}", comp.ent, *seq % 100_000);
            let check: u32 = body.bytes().map(|b| (b - b'0') as u32).sum::<u32>() % 10;
            let row = vec![
                code,
                "国家医保局".into(),
                name.clone(),
                trade.clone(),
                if g.kind == 'Z' {
                    form.clone()
                } else {
                    vocab::dosage_form(&form).map_or(form.clone(), |f| {
                        if f.0 == "注射用" {
                            "注射剂".into()
                        } else {
                            f.0.to_string()
                        }
                    })
                },
                if g.kind == 'Z' {
                    form.clone()
                } else {
                    form.replace("注射用", "注射剂")
                },
                reg_spec.clone(),
                strength.clone(),
                material.clone(),
                qty.to_string(),
                min_unit.clone(),
                unit.to_string(),
                comp.full(),
                if letter == 'J' {
                    comp.full()
                } else {
                    String::new()
                },
                comp.full(),
                approval.clone(),
                orig_approval.clone(),
                format!("{body}{check}"),
                holder.clone(),
                "上市".into(),
                if listing.is_some() {
                    g.name.clone()
                } else {
                    String::new()
                },
                listing.map_or(String::new(), |l| l.class.to_string()),
                if listing.is_some() {
                    lform.clone()
                } else {
                    String::new()
                },
                listing.map_or(String::new(), |l| l.no.to_string()),
                listing.map_or(String::new(), |l| l.restriction.clone()),
                String::new(),
                "1".into(),
            ];
            table.rows.push(row);
            meta.push(Meta {
                generic: gi as u32,
                company: ci,
                strength: strength.clone(),
                form: form.clone(),
                trade: trade.clone(),
            });
        }
    }
    DrugCatalog {
        table,
        meta,
        generics,
        companies,
        class_names,
    }
}

impl DrugCatalog {
    /// The 医保药品目录 rows: one per (listed generic, 医保剂型), ★(n) for later forms.
    pub fn reimbursement(&self) -> Table {
        let mut t = Table::new(REIMB_HEADERS);
        for g in &self.generics {
            let Some(l) = &g.listed else { continue };
            let mut groups: Vec<String> = Vec::new();
            for f in &g.forms {
                let lf = list_form(g, f);
                if !groups.contains(&lf) {
                    groups.push(lf);
                }
            }
            for (i, lf) in groups.iter().enumerate() {
                t.rows.push(vec![
                    format!("{}{}", g.kind, g.class),
                    self.class_names
                        .get(&format!("{}{}", g.kind, g.class))
                        .cloned()
                        .unwrap_or_default(),
                    l.class.to_string(),
                    if i == 0 {
                        l.no.to_string()
                    } else {
                        format!("★({})", l.no)
                    },
                    g.name.clone(),
                    lf.clone(),
                    l.restriction.clone(),
                ]);
            }
        }
        t
    }

    /// 协议期内谈判药品 rows with a payment standard per the generic's first product.
    pub fn negotiated(&self, rng: &mut impl Rng) -> Table {
        let mut t = Table::new(NEG_HEADERS);
        let mut first: HashMap<u32, usize> = HashMap::new();
        for (i, m) in self.meta.iter().enumerate() {
            first.entry(m.generic).or_insert(i);
        }
        for (gi, g) in self.generics.iter().enumerate() {
            let Some(l) = &g.negotiated else { continue };
            let Some(&row) = first.get(&(gi as u32)) else {
                continue;
            };
            let m = &self.meta[row];
            let unit = &self.table.rows[row][10];
            let std = if rng.random_bool(0.05) {
                "*".to_string()
            } else {
                let cents: i64 = rng.random_range(500..300_000);
                format!("{}元({}/{})", Decimal::new(cents, 2), m.strength, unit)
            };
            let period = pick(
                rng,
                &[
                    "2026年1月1日至2027年12月31日",
                    "2025年1月1日至2026年12月31日",
                    "2024年1月1日至2025年12月31日",
                ],
            );
            t.rows.push(vec![
                format!("{}{}", g.kind, g.class),
                self.class_names
                    .get(&format!("{}{}", g.kind, g.class))
                    .cloned()
                    .unwrap_or_default(),
                l.class.to_string(),
                l.no.to_string(),
                reg_name(g, &m.form),
                list_form(g, &m.form),
                std.clone(),
                if std == "*" {
                    "1".into()
                } else {
                    l.restriction.clone()
                },
                period.to_string(),
            ]);
        }
        t
    }
}

/// Key of a reimbursement/negotiated row: class letter + 编号 (+ /剂型 for ★ rows).
pub fn list_key(row: &[String]) -> String {
    let letter = row.first().and_then(|c| c.chars().next()).unwrap_or('X');
    let no = row.get(3).map_or("", |s| s.as_str());
    match no.strip_prefix("★(").and_then(|s| s.strip_suffix(')')) {
        Some(n) => format!("{letter}{n}/{}", row.get(5).map_or("", |s| s.as_str())),
        None => format!("{letter}{no}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generics_get_one_name_code_each_with_their_pinyin_initial_when_generated() {
        let gs = load_generics(false);
        let mut seen = HashSet::new();
        for g in &gs {
            assert!(
                seen.insert((g.kind, g.name_code.clone())),
                "{} shares {}",
                g.name,
                g.name_code
            );
            assert_eq!(
                g.name_code.len(),
                if g.kind == 'Z' { 5 } else { 4 },
                "{}",
                g.name
            );
            let n: u32 = g.name_code[1..].parse().unwrap();
            if n >= 500 && g.kind == 'X' {
                assert_eq!(
                    g.name_code.chars().next(),
                    Some(vocab::pinyin_initial(&g.name)),
                    "{}",
                    g.name
                );
            }
        }
        // Real codes keep their real name code: 小儿鞣酸小檗碱 is X120 in the national data.
        assert!(gs
            .iter()
            .any(|g| g.name == "小儿鞣酸小檗碱" && g.name_code == "X120"));
    }

    #[test]
    fn list_keys_follow_the_contract() {
        let row = |no: &str| -> Vec<String> {
            ["XJ01CA", "广谱青霉素类", "甲", no, "阿莫西林", "注射剂", ""]
                .iter()
                .map(|s| s.to_string())
                .collect()
        };
        assert_eq!(list_key(&row("656")), "X656");
        assert_eq!(list_key(&row("★(656)")), "X656/注射剂");
    }
}
