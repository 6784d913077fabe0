//! 医用耗材: 27-character C codes = C + 9-digit class/generic prefix (real class
//! list) + 2-digit material + 3-digit registration sequence + 7-digit
//! spec/model sequence + 5-digit enterprise code.

use crate::vocab::{self, pick, Company};
use crate::write::Table;
use rand::Rng;
use rust_decimal::Decimal;
use std::collections::HashSet;

pub const HEADERS: &[&str] = &[
    "医用耗材代码",
    "一级分类",
    "二级分类",
    "三级分类",
    "医保通用名",
    "耗材材质",
    "规格",
    "型号",
    "注册备案号",
    "注册备案产品名称",
    "注册备案人",
    "生产企业",
    "最小使用单位",
    "价格",
    "有效标志",
];
pub const KEYS: &[&str] = &[
    "code",
    "class_l1",
    "class_l2",
    "class_l3",
    "name",
    "material",
    "spec",
    "model",
    "registration_no",
    "reg_product_name",
    "registrant",
    "manufacturer",
    "unit",
    "price",
    "active",
];

#[derive(Clone, Debug)]
pub struct Meta {
    pub company: u32,
}

pub struct ConsumableCatalog {
    pub table: Table,
    pub meta: Vec<Meta>,
    pub companies: Vec<Company>,
}

struct Class {
    code: String,
    name: String,
    l1: String,
}

fn classes() -> Vec<Class> {
    vocab::csv_rows(vocab::CONSUMABLE_CLASSES)
        .into_iter()
        .filter(|r| {
            r.len() >= 3
                && r[0].len() == 10
                && r[0].starts_with('C')
                && r[0][1..].bytes().all(|b| b.is_ascii_digit())
        })
        .map(|r| Class {
            code: r[0].clone(),
            name: r[1].clone(),
            l1: r[2].clone(),
        })
        .collect()
}

fn spec_model(rng: &mut impl Rng, name: &str) -> (String, String, &'static str) {
    let x = rng.random_range(0..6);
    let model = format!(
        "{}{}-{}",
        pick(
            rng,
            &["XJ", "MT", "BS", "JT", "HK", "ST", "LP", "QX", "AG", "YK"]
        ),
        pick(rng, &["", "A", "B", "P", "S"]),
        rng.random_range(100..9999)
    );
    let unit = if name.contains("针") || name.contains("导管") || name.contains("导丝") {
        "根"
    } else {
        pick(rng, &["个", "支", "套", "片", "根", "盒", "只"])
    };
    let spec = match x {
        0 => format!(
            "Φ{}.{}mm×{}mm",
            rng.random_range(1..12),
            rng.random_range(0..10),
            rng.random_range(5..40) * 5
        ),
        1 => format!("{}F", rng.random_range(4..25)),
        2 => format!("{}ml", [1, 2, 5, 10, 20, 50, 100][rng.random_range(0..7)]),
        3 => format!(
            "{}cm×{}cm",
            rng.random_range(2..30),
            rng.random_range(2..30)
        ),
        4 => format!(
            "0.0{}英寸×{}cm",
            rng.random_range(14..39),
            rng.random_range(8..30) * 10
        ),
        _ => pick(
            rng,
            &[
                "S",
                "M",
                "L",
                "XL",
                "单腔",
                "双腔",
                "三腔",
                "成人型",
                "儿童型",
            ],
        )
        .to_string(),
    };
    (spec, model, unit)
}

fn registration(rng: &mut impl Rng, foreign: bool, used: &mut HashSet<String>) -> String {
    const PROV: &[&str] = &["粤", "苏", "浙", "鲁", "京", "沪", "湘", "鄂", "豫", "川"];
    loop {
        let year = rng.random_range(2014..=2025);
        let s = if foreign {
            format!(
                "国械注进{year}3{:02}{:04}",
                rng.random_range(1..23),
                rng.random_range(0..10000)
            )
        } else {
            match rng.random_range(0..10) {
                0..=4 => format!(
                    "国械注准{year}3{:02}{:04}",
                    rng.random_range(1..23),
                    rng.random_range(0..10000)
                ),
                5..=8 => format!(
                    "{}械注准{year}2{:02}{:04}",
                    pick(rng, PROV),
                    rng.random_range(1..23),
                    rng.random_range(0..10000)
                ),
                _ => format!(
                    "{}械备{year}{:04}",
                    pick(rng, PROV),
                    rng.random_range(0..10000)
                ),
            }
        };
        if used.insert(s.clone()) {
            return s;
        }
    }
}

pub fn build(rng: &mut impl Rng, target: usize) -> ConsumableCatalog {
    let classes = classes();
    let mut companies = vocab::companies(rng, (target / 250).clamp(30, 5000), true, 40_000);
    // A few multinational registrants; their names have no region/trade split.
    for f in vocab::FOREIGN.iter().take(6) {
        companies.push(Company {
            region: String::new(),
            core: f
                .replace("公司", "")
                .replace("有限", "")
                .replace("(中国)", ""),
            trade: String::new(),
            form: "公司".into(),
            branch: String::new(),
            ent: String::new(),
        });
        if let Some(c) = companies.last_mut() {
            // Keep the real-looking full name: core + form reproduces it closely enough.
            c.core = f.trim_end_matches("公司").to_string();
        }
    }
    let n_foreign_start = companies.len() - 6;
    // Foreign registrants take the next free codes so no two companies share one.
    let taken: HashSet<String> = companies[..n_foreign_start]
        .iter()
        .map(|c| c.ent.clone())
        .collect();
    let mut next = 99_999u32;
    for c in companies[n_foreign_start..].iter_mut() {
        while taken.contains(&format!("{next:05}")) {
            next -= 1;
        }
        c.ent = format!("{next:05}");
        next -= 1;
    }
    let mut table = Table::new(HEADERS);
    let mut meta = Vec::new();
    let mut used_reg = HashSet::new();
    let mut reg_seq: std::collections::HashMap<(usize, usize), u32> =
        std::collections::HashMap::new();
    while table.rows.len() < target {
        let class = &classes[rng.random_range(0..classes.len())];
        let ci = rng.random_range(0..companies.len());
        let comp = &companies[ci];
        let class_idx = classes
            .iter()
            .position(|c| c.code == class.code)
            .unwrap_or(0);
        let seq = {
            let e = reg_seq.entry((class_idx, ci)).or_insert(0);
            *e += 1;
            *e
        };
        if seq > 999 {
            continue;
        }
        let (mcode, material) = *pick(rng, vocab::CONSUMABLE_MATERIALS);
        let reg = registration(rng, ci >= n_foreign_start, &mut used_reg);
        let product = format!(
            "{}{}",
            pick(rng, &["一次性使用", "", "医用", "可吸收", "无菌"]),
            class.name
        );
        let n_specs = [1usize, 2, 3, 4, 6, 8, 12, 20][rng.random_range(0..8)];
        let price_base: i64 = rng.random_range(100..5_000_000);
        let mut specs_seen: HashSet<String> = HashSet::new();
        for k in 0..n_specs {
            if table.rows.len() >= target {
                break;
            }
            // Specs are distinct within one registration (each 规格 is its own row).
            let mut sm = spec_model(rng, &class.name);
            for _ in 0..8 {
                if !specs_seen.contains(&sm.0) {
                    break;
                }
                sm = spec_model(rng, &class.name);
            }
            if !specs_seen.insert(sm.0.clone()) {
                continue;
            }
            let (spec, model, unit) = sm;
            let code = format!("{}{}{:03}{:07}{}", class.code, mcode, seq, k + 1, comp.ent);
            let cents = price_base + rng.random_range(0..price_base / 5 + 1);
            table.rows.push(vec![
                code,
                class.l1.clone(),
                format!("{}类", class.name),
                class.name.clone(),
                class.name.clone(),
                material.to_string(),
                spec,
                model,
                reg.clone(),
                product.clone(),
                comp.full(),
                comp.full(),
                unit.to_string(),
                Decimal::new(cents, 2).to_string(),
                "1".into(),
            ]);
            meta.push(Meta { company: ci as u32 });
        }
    }
    ConsumableCatalog {
        table,
        meta,
        companies,
    }
}
