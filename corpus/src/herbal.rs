//! 中药饮片: T + 9 digits (shape unconfirmed, see code_standards.json), one row
//! per herb and processing method.

use crate::vocab::{self, pick};
use crate::write::Table;
use rand::Rng;

pub const HEADERS: &[&str] = &[
    "医疗目录编码",
    "单味药名称",
    "单复方标志",
    "质量等级",
    "药用部位",
    "性味",
    "归经",
    "功能主治",
    "炮制方法",
    "国家医保支付政策",
    "省级医保支付政策",
    "开始日期",
    "结束日期",
    "有效标志",
];
pub const KEYS: &[&str] = &[
    "code",
    "name",
    "single_compound",
    "quality_grade",
    "medicinal_part",
    "nature_flavor",
    "meridian",
    "indications",
    "processing",
    "national_policy",
    "provincial_policy",
    "begin_date",
    "end_date",
    "active",
];
const METHODS: &[(&str, &str)] = &[
    ("", "净制"),
    ("炒", "清炒"),
    ("炙", "蜜炙"),
    ("酒", "酒炙"),
    ("醋", "醋炙"),
    ("盐", "盐炙"),
    ("焦", "炒焦"),
    ("炭", "炒炭"),
    ("制", "蒸制"),
    ("麸炒", "麸炒"),
];

pub fn build(rng: &mut impl Rng, target: usize) -> Table {
    let mut t = Table::new(HEADERS);
    let herbs = vocab::csv_rows(vocab::HERBS);
    let mut n = 0u32;
    'outer: for (m, (prefix, method)) in METHODS.iter().enumerate() {
        for (h, r) in herbs.iter().enumerate() {
            if t.rows.len() >= target {
                break 'outer;
            }
            if r.len() < 4 || (m > 0 && rng.random_bool(0.5)) {
                continue;
            }
            n += 1;
            let policy = if rng.random_bool(0.1) {
                "单独使用时不予支付，且全部由这些饮片组成的处方也不予支付"
            } else {
                ""
            };
            t.rows.push(vec![
                format!("T{:03}{:03}{:03}", h + 1, m + 1, n % 1000),
                format!("{prefix}{}", r[0]),
                "单方".into(),
                pick(rng, &["", "一等", "二等", "统货"]).to_string(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                String::new(),
                method.to_string(),
                policy.to_string(),
                String::new(),
                "2026-01-01".into(),
                String::new(),
                "1".into(),
            ]);
        }
    }
    t
}
