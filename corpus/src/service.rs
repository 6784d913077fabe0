//! 医疗服务项目: the real 15-digit codes and names first, then extensions in the
//! same structure (00 + 9-digit 规范 code + 细项 + 加收), with provincial
//! 价格项目编码 spellings and prices by hospital grade.

use crate::vocab::{self, pick};
use crate::write::Table;
use rand::Rng;
use rust_decimal::Decimal;
use std::collections::HashSet;

pub const HEADERS: &[&str] = &[
    "项目编码",
    "项目名称",
    "价格项目编码",
    "计价单位",
    "项目内涵",
    "除外内容",
    "说明",
    "一级价格",
    "二级价格",
    "三级价格",
    "有效标志",
];
pub const KEYS: &[&str] = &[
    "code",
    "name",
    "price_code",
    "unit",
    "content",
    "exclusions",
    "description",
    "price_grade1",
    "price_grade2",
    "price_grade3",
    "active",
];

const CONTENT: &[&str] = &[
    "含消毒、铺巾、局部麻醉。",
    "含术前准备、术中监护。",
    "含标本采集、处理及报告。",
    "指在影像引导下进行。",
    "含一次性耗材。",
    "含器械消毒和术后观察。",
    "含病情评估、治疗方案制定。",
    "含图文报告。",
    "含穿刺、置管、固定。",
    "",
];
const EXCLUSIONS: &[&str] = &[
    "",
    "",
    "一次性导管",
    "特殊缝线",
    "吻合器",
    "支架",
    "人工晶体",
    "骨水泥",
    "一次性穿刺针",
    "造影剂",
];
const NOTES: &[&str] = &[
    "",
    "",
    "经腹腔镜加收20%。",
    "儿童加收30%。",
    "急诊加收。",
    "每增加一个部位加收50%。",
    "双侧加收。",
];
const SUB_QUAL: &[&str] = &[
    "(单人间)",
    "(双人间)",
    "(经内镜)",
    "(经腹腔镜)",
    "(床旁)",
    "(儿童)",
    "(单侧)",
    "(双侧)",
    "(复杂)",
    "(简单)",
    "(定量)",
    "(定性)",
    "(急诊)",
    "(术中)",
];
const NEW_SUFFIX: &[&str] = &[
    "检查",
    "治疗",
    "测定",
    "术",
    "监测",
    "评估",
    "护理",
    "康复训练",
    "引流术",
    "注射",
];

/// Provincial spellings of a 9-digit 规范 code, as the real class list shows them.
pub fn price_code_variant(rng: &mut impl Rng, nine: &str) -> String {
    match rng.random_range(0..10) {
        0..=5 => nine.to_string(),
        6 | 7 => format!("f{nine}"),
        8 => format!("33{nine}"),
        _ => format!("00{nine}"),
    }
}

fn prices(rng: &mut impl Rng) -> [String; 3] {
    let base: i64 = rng.random_range(2..3000) * 50; // cents, multiples of 0.50
    let g2 = base + base * rng.random_range(5..20) / 100;
    let g3 = g2 + g2 * rng.random_range(5..20) / 100;
    let fmt = |c: i64| {
        let d = Decimal::new(c, 2);
        if c % 100 == 0 {
            d.round_dp(0).to_string()
        } else {
            d.to_string()
        }
    };
    [fmt(base), fmt(g2), fmt(g3)]
}

pub fn build(rng: &mut impl Rng, target: usize) -> Table {
    let mut t = Table::new(HEADERS);
    let mut used: HashSet<String> = HashSet::new();
    let real: Vec<(String, String)> = vocab::csv_rows(vocab::SERVICE_ITEMS)
        .into_iter()
        .filter(|r| r.len() >= 2 && r[0].len() == 15 && r[0].bytes().all(|b| b.is_ascii_digit()))
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    fn push(t: &mut Table, rng: &mut impl Rng, code: String, name: String) {
        let nine = code[2..11].to_string();
        let [p1, p2, p3] = prices(rng);
        let unit = pick(rng, vocab::SERVICE_UNITS).to_string();
        t.rows.push(vec![
            code,
            name,
            price_code_variant(rng, &nine),
            unit,
            pick(rng, CONTENT).to_string(),
            pick(rng, EXCLUSIONS).to_string(),
            pick(rng, NOTES).to_string(),
            p1,
            p2,
            p3,
            "1".into(),
        ]);
    }
    for (code, name) in &real {
        if t.rows.len() >= target {
            break;
        }
        if used.insert(code.clone()) {
            push(&mut t, rng, code.clone(), name.clone());
        }
    }
    // Extensions: sub-items and surcharges of real items, then new items under real classes.
    let classes: Vec<(String, String)> = vocab::csv_rows(vocab::SERVICE_CLASSES)
        .into_iter()
        .filter(|r| r.len() >= 2 && r[0].len() == 6 && r[0].bytes().all(|b| b.is_ascii_digit()))
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let mut guard = 0;
    while t.rows.len() < target && guard < target * 20 {
        guard += 1;
        if rng.random_bool(0.5) && !real.is_empty() {
            let (code, name) = &real[rng.random_range(0..real.len())];
            let base: String = name.split('(').next().unwrap_or(name).to_string();
            let (c, n) = if rng.random_bool(0.7) {
                let q = pick(rng, SUB_QUAL);
                (
                    format!("{}{:02}00", &code[..11], rng.random_range(1..20)),
                    format!("{base}{q}"),
                )
            } else {
                (
                    format!("{}{:02}", &code[..13], rng.random_range(1..6)),
                    format!("{base}(加收)"),
                )
            };
            if used.insert(c.clone()) {
                push(&mut t, rng, c, n);
            }
        } else if !classes.is_empty() {
            let (cls, cname) = &classes[rng.random_range(0..classes.len())];
            let nine = format!("{cls}{:03}", rng.random_range(1..200));
            let c = format!("00{nine}0000");
            let n = format!(
                "{}{}",
                cname.split(['、', '，']).next().unwrap_or(cname),
                pick(rng, NEW_SUFFIX)
            );
            if used.insert(c.clone()) {
                push(&mut t, rng, c, n);
            }
        }
    }
    t
}
