//! Hospital (HIS) dictionaries with ground truth: the same products as the
//! catalogue, written the way hospitals hold them, plus items with no national
//! counterpart. Every item records which perturbations it got.

use crate::drug::DrugCatalog;
use crate::vocab::{self, pick, Company};
use crate::write::Table;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

pub const HEADERS: &[&str] = &[
    "院内编码",
    "院内名称",
    "类别",
    "规格",
    "剂型",
    "单位",
    "生产企业",
    "批准文号",
    "本位码",
    "注册证号",
    "价格项目编码",
    "医保编码",
    "单价",
];
/// Labelled files add the truth, which keys the item carries, and its perturbations.
pub const LABEL_HEADERS: &[&str] = &["标准编码", "证号", "扰动"];

pub struct Dict {
    pub labelled: Table,
    pub perturbations: BTreeMap<String, u64>,
    pub keys: BTreeMap<String, u64>,
    pub without_truth: u64,
}

impl Dict {
    fn new() -> Dict {
        let mut h: Vec<&'static str> = HEADERS.to_vec();
        h.extend_from_slice(LABEL_HEADERS);
        Dict {
            labelled: Table {
                headers: h,
                rows: Vec::new(),
            },
            perturbations: BTreeMap::new(),
            keys: BTreeMap::new(),
            without_truth: 0,
        }
    }
    /// The unlabelled view (what `mulu match` reads).
    pub fn plain(&self) -> Table {
        Table {
            headers: HEADERS.to_vec(),
            rows: self
                .labelled
                .rows
                .iter()
                .map(|r| r[..HEADERS.len()].to_vec())
                .collect(),
        }
    }
    fn push(&mut self, mut row: Vec<String>, truth: String, perts: &[&str]) {
        let mut keys = Vec::new();
        if !row[7].is_empty() {
            keys.push("批准文号");
        }
        if !row[8].is_empty() {
            keys.push("本位码");
        }
        if !row[9].is_empty() {
            keys.push("注册证号");
        }
        if !row[10].is_empty() {
            keys.push("价格项目编码");
        }
        if !row[11].is_empty() {
            keys.push("医保编码");
        }
        let keys_s = if keys.is_empty() {
            "无".to_string()
        } else {
            keys.join(";")
        };
        *self.keys.entry(keys_s.clone()).or_insert(0) += 1;
        for p in perts {
            *self.perturbations.entry(p.to_string()).or_insert(0) += 1;
        }
        if truth.is_empty() {
            self.without_truth += 1;
        }
        row.push(truth);
        row.push(keys_s);
        row.push(perts.join(";"));
        self.labelled.rows.push(row);
    }
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | 'A'..='Z' | 'a'..='z' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            '(' => '（',
            ')' => '）',
            '*' => '＊',
            _ => c,
        })
        .collect()
}

fn typo(rng: &mut ChaCha8Rng, s: &str) -> String {
    let mut cs: Vec<char> = s.chars().collect();
    let han: Vec<usize> = (0..cs.len()).filter(|&i| !cs[i].is_ascii()).collect();
    if han.len() < 3 {
        return s.to_string();
    }
    let i = han[rng.random_range(1..han.len() - 1)];
    if rng.random_bool(0.5) && i + 1 < cs.len() && !cs[i + 1].is_ascii() {
        cs.swap(i, i + 1);
    } else {
        cs.remove(i);
    }
    cs.into_iter().collect()
}

/// `0.25g` → `250mg`, `克`, … one of the ways a HIS writes the same strength.
fn unit_variant(rng: &mut ChaCha8Rng, s: &str) -> String {
    if let Some(num) = s
        .strip_suffix('g')
        .filter(|n| !n.ends_with('m') && !n.ends_with('μ'))
    {
        if let Ok(v) = num.parse::<f64>() {
            if rng.random_bool(0.5) && v < 10.0 {
                let mg = (v * 1000.0).round() as i64;
                return format!("{mg}mg");
            }
        }
        return format!("{num}克");
    }
    if let Some(num) = s.strip_suffix("mg") {
        return if rng.random_bool(0.5) {
            format!("{num}毫克")
        } else {
            format!("{num}MG")
        };
    }
    s.replace("ml", "毫升").replace("μg", "ug")
}

fn abbreviate(rng: &mut ChaCha8Rng, c: &Company) -> String {
    let a = c.abbreviations();
    a[rng.random_range(0..a.len())].clone()
}

fn reformat_approval(rng: &mut ChaCha8Rng, a: &str) -> (String, &'static str) {
    let bare = a.trim_start_matches("国药准字");
    match rng.random_range(0..4) {
        0 => (bare.to_string(), "approval_prefix_dropped"),
        1 => (format!("国药准字 {bare}"), "approval_spaced"),
        2 => (a.to_lowercase(), "approval_lowercase"),
        _ => (full_width(a), "approval_full_width"),
    }
}

const HOSPITAL_ONLY_DRUGS: &[&str] = &[
    "复方薄荷脑软膏",
    "院内制剂止咳合剂",
    "清热解毒合剂",
    "复方硼砂含漱液",
    "炉甘石洗剂",
    "复方樟脑乳膏",
    "尿素霜",
    "氧化锌软膏",
    "硼酸洗液",
    "小儿退热合剂",
    "痔疮熏洗散",
    "胃康合剂",
];

pub fn drugs(
    rng: &mut ChaCha8Rng,
    cat: &DrugCatalog,
    v1: &Table,
    v1_src: &[usize],
    n: usize,
) -> Dict {
    let mut d = Dict::new();
    if v1.rows.is_empty() {
        return d;
    }
    for i in 0..n {
        let hosp_code = format!("YP{:06}", i + 1);
        if rng.random_bool(0.07) {
            let name = pick(rng, HOSPITAL_ONLY_DRUGS).to_string();
            let row = vec![
                hosp_code,
                name,
                "西药".into(),
                pick(rng, &["100ml", "20g", "500ml", "10g"]).to_string(),
                String::new(),
                pick(rng, &["瓶", "支", "盒"]).to_string(),
                "本院制剂室".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format!(
                    "{}.{:02}",
                    rng.random_range(1..80),
                    rng.random_range(0..100)
                ),
            ];
            d.push(row, String::new(), &["no_counterpart"]);
            continue;
        }
        let vi = rng.random_range(0..v1.rows.len());
        let r = &v1.rows[vi];
        let Some(m) = v1_src.get(vi).and_then(|&s| cat.meta.get(s)) else {
            continue;
        };
        let g = &cat.generics[m.generic as usize];
        let comp = &cat.companies[m.company as usize];
        let mut perts: Vec<&str> = Vec::new();
        let (qty, min_unit, pack_unit) = (&r[9], &r[10], &r[11]);
        let sep = match rng.random_range(0..4) {
            0 => "*",
            1 => "×",
            2 => "x",
            _ => "X",
        };
        if sep != "*" {
            perts.push("separator_variant");
        }
        let mut strength = m.strength.clone();
        if rng.random_bool(0.25) {
            let s2 = unit_variant(rng, &strength);
            if s2 != strength {
                strength = s2;
                perts.push("unit_variant");
            }
        }
        // Some HIS hold only the strength (priced per 片/支): the package variant is then ambiguous.
        let spec = if rng.random_bool(0.08) {
            perts.push("package_missing");
            strength.clone()
        } else {
            format!("{strength}{sep}{qty}{min_unit}/{pack_unit}")
        };
        let mut name = r[2].clone();
        // Clerks often drop the salt: 盐酸二甲双胍片 → 二甲双胍片.
        for salt in [
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
            if name.starts_with(salt) && rng.random_bool(0.4) {
                name = name[salt.len()..].to_string();
                perts.push("salt_dropped");
                break;
            }
        }
        if !m.trade.is_empty() && rng.random_bool(0.5) {
            name = if rng.random_bool(0.5) {
                format!("{}({})", name, m.trade)
            } else {
                m.trade.clone()
            };
            perts.push("trade_name");
        }
        if rng.random_bool(0.35) {
            name = format!("{name} {strength}{sep}{qty}{min_unit}");
            perts.push("spec_in_name");
        }
        let mut form = r[5].clone();
        if g.kind == 'X' && rng.random_bool(0.3) {
            if let Some(f) = vocab::dosage_form(&m.form) {
                if !f.4.is_empty() {
                    form = f.4[rng.random_range(0..f.4.len())].to_string();
                    perts.push("form_synonym");
                }
            }
        }
        if rng.random_bool(0.06) {
            name = vocab::pinyin_initials(&r[2]);
            perts.push("pinyin_name");
        } else if rng.random_bool(0.06) {
            let t = typo(rng, &name);
            if t != name {
                name = t;
                perts.push("typo");
            }
        }
        if rng.random_bool(0.08) {
            name = full_width(&name);
            perts.push("full_width");
        }
        let manufacturer = if rng.random_bool(0.06) {
            perts.push("manufacturer_missing");
            String::new()
        } else if rng.random_bool(0.6) {
            perts.push("manufacturer_abbrev");
            abbreviate(rng, comp)
        } else {
            r[14].clone()
        };
        let mut approval = String::new();
        let roll: f64 = rng.random();
        if roll < 0.45 && !r[16].is_empty() && rng.random_bool(0.5) {
            // The HIS still holds the 原批准文号 from before a re-registration.
            approval = r[16].clone();
            perts.push("approval_old");
        } else if roll < 0.45 {
            approval = r[15].clone();
        } else if roll < 0.6 {
            let (a, p) = reformat_approval(rng, &r[15]);
            approval = a;
            perts.push(p);
        } else {
            perts.push("approval_missing");
        }
        let std_code = if rng.random_bool(0.15) {
            r[17].clone()
        } else {
            String::new()
        };
        let nat = if rng.random_bool(0.1) {
            perts.push("national_code_held");
            r[0].clone()
        } else {
            String::new()
        };
        let row = vec![
            hosp_code,
            name,
            if g.kind == 'Z' {
                "中成药".into()
            } else {
                "西药".into()
            },
            spec,
            form,
            pack_unit.clone(),
            manufacturer,
            approval,
            std_code,
            String::new(),
            String::new(),
            nat,
            format!(
                "{}.{:02}",
                rng.random_range(1..300),
                rng.random_range(0..100)
            ),
        ];
        d.push(row, r[0].clone(), &perts);
    }
    d
}

pub fn consumables(
    rng: &mut ChaCha8Rng,
    comps: &[Company],
    meta_company: &dyn Fn(usize) -> Option<usize>,
    v1: &Table,
    n: usize,
) -> Dict {
    let mut d = Dict::new();
    if v1.rows.is_empty() {
        return d;
    }
    for i in 0..n {
        let hosp_code = format!("HC{:06}", i + 1);
        if rng.random_bool(0.08) {
            let row = vec![
                hosp_code,
                pick(
                    rng,
                    &[
                        "棉签(院内分装)",
                        "纱布块(自制)",
                        "换药包(科室)",
                        "敷料包(自制)",
                        "消毒棉球",
                    ],
                )
                .to_string(),
                "耗材".into(),
                "1包".into(),
                String::new(),
                "包".into(),
                "供应室".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format!(
                    "{}.{:02}",
                    rng.random_range(1..20),
                    rng.random_range(0..100)
                ),
            ];
            d.push(row, String::new(), &["no_counterpart"]);
            continue;
        }
        let vi = rng.random_range(0..v1.rows.len());
        let r = &v1.rows[vi];
        let mut perts: Vec<&str> = Vec::new();
        let mut name = if rng.random_bool(0.5) {
            r[9].clone()
        } else {
            r[4].clone()
        };
        let sep = pick(rng, &[" ", "/", "-", ""]).to_string();
        let spec = if rng.random_bool(0.5) {
            format!("{}{sep}{}", r[6], r[7])
        } else {
            r[6].clone()
        };
        if rng.random_bool(0.3) {
            name = format!("{name}({})", r[7]);
            perts.push("model_in_name");
        }
        if rng.random_bool(0.05) {
            let t = typo(rng, &name);
            if t != name {
                name = t;
                perts.push("typo");
            }
        }
        if rng.random_bool(0.08) {
            name = full_width(&name);
            perts.push("full_width");
        }
        let manufacturer = match meta_company(vi).and_then(|c| comps.get(c)) {
            Some(c) if rng.random_bool(0.6) && !c.trade.is_empty() => {
                perts.push("manufacturer_abbrev");
                abbreviate(rng, c)
            }
            _ => r[11].clone(),
        };
        let roll: f64 = rng.random();
        let reg = if roll < 0.5 {
            r[8].clone()
        } else if roll < 0.62 {
            perts.push("registration_reformatted");
            match rng.random_range(0..3) {
                0 => r[8].replace("注准", "注准 "),
                1 => full_width(&r[8]),
                _ => r[8].chars().filter(|c| c.is_ascii_digit()).collect(),
            }
        } else {
            perts.push("registration_missing");
            String::new()
        };
        let row = vec![
            hosp_code,
            name,
            "耗材".into(),
            spec,
            String::new(),
            r[12].clone(),
            manufacturer,
            String::new(),
            String::new(),
            reg,
            String::new(),
            String::new(),
            r[13].clone(),
        ];
        d.push(row, r[0].clone(), &perts);
    }
    d
}

pub fn services(rng: &mut ChaCha8Rng, v1: &Table, n: usize) -> Dict {
    let mut d = Dict::new();
    if v1.rows.is_empty() {
        return d;
    }
    for i in 0..n {
        let hosp_code = format!("ZL{:06}", i + 1);
        if rng.random_bool(0.07) {
            let row = vec![
                hosp_code,
                pick(
                    rng,
                    &[
                        "院内会诊费(特需)",
                        "陪护费",
                        "复印病历费",
                        "特需门诊挂号费",
                        "营养配餐费",
                    ],
                )
                .to_string(),
                "诊疗项目".into(),
                String::new(),
                String::new(),
                "次".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format!("{}", rng.random_range(5..200)),
            ];
            d.push(row, String::new(), &["no_counterpart"]);
            continue;
        }
        let r = &v1.rows[rng.random_range(0..v1.rows.len())];
        let mut perts: Vec<&str> = Vec::new();
        let mut name = r[1].clone();
        if rng.random_bool(0.15) {
            name = name.replace('(', "（").replace(')', "）");
            perts.push("full_width");
        }
        if rng.random_bool(0.08) {
            let t = typo(rng, &name);
            if t != name {
                name = t;
                perts.push("typo");
            }
        }
        if rng.random_bool(0.05) {
            name = vocab::pinyin_initials(&r[1]);
            perts.push("pinyin_name");
        }
        let nine = &r[0][2..11];
        let price_code = if rng.random_bool(0.7) {
            let v = crate::service::price_code_variant(rng, nine);
            if v != nine {
                perts.push("price_code_provincial");
            }
            v
        } else {
            perts.push("price_code_missing");
            String::new()
        };
        let unit = if rng.random_bool(0.2) {
            format!("每{}", r[3].trim_start_matches('每'))
        } else {
            r[3].clone()
        };
        if unit != r[3] {
            perts.push("unit_variant");
        }
        let price = r[9].clone();
        let row = vec![
            hosp_code,
            name,
            "诊疗项目".into(),
            String::new(),
            String::new(),
            unit,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            price_code,
            String::new(),
            price,
        ];
        d.push(row, r[0].clone(), &perts);
    }
    d
}

/// Diagnoses as 病案 systems hold them: 临床版 code and name; truth is the 医保版 code.
pub fn diagnoses(rng: &mut ChaCha8Rng, v1: &Table, n: usize) -> Dict {
    let mut d = Dict::new();
    if v1.rows.is_empty() {
        return d;
    }
    for i in 0..n {
        let hosp_code = format!("ZD{:06}", i + 1);
        if rng.random_bool(0.05) {
            let row = vec![
                hosp_code,
                pick(rng, &["待查", "体检", "咨询", "复查", "不适"]).to_string(),
                "诊断".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ];
            d.push(row, String::new(), &["no_counterpart"]);
            continue;
        }
        let r = &v1.rows[rng.random_range(0..v1.rows.len())];
        let mut perts: Vec<&str> = Vec::new();
        let (mut code, mut name) = (r[11].clone(), r[12].clone());
        if code != r[9] {
            perts.push("clinical_code_differs");
        }
        if name != r[10] {
            perts.push("clinical_name_differs");
        }
        match rng.random_range(0..10) {
            0 => {
                code = code.to_uppercase();
                perts.push("code_upper_x");
            }
            1 => {
                code = code.replace('.', "");
                perts.push("code_no_dot");
            }
            2 => {
                code.clear();
                perts.push("code_missing");
            }
            _ => {}
        }
        if rng.random_bool(0.06) {
            let t = typo(rng, &name);
            if t != name {
                name = t;
                perts.push("typo");
            }
        }
        let row = vec![
            hosp_code,
            name,
            "诊断".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            code,
            String::new(),
        ];
        d.push(row, r[9].clone(), &perts);
    }
    d
}
