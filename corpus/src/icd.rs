//! ICD-10 医保版 diagnoses (categories from the real category list) and
//! ICD-9-CM-3 医保版 procedures, each with a 国家临床版 code that sometimes differs.

use crate::vocab::{self, pick};
use crate::write::Table;
use rand::Rng;
use std::collections::HashSet;

pub const DIAG_HEADERS: &[&str] = &[
    "章",
    "章代码范围",
    "章名称",
    "节代码范围",
    "节名称",
    "类目代码",
    "类目名称",
    "亚目代码",
    "亚目名称",
    "诊断代码",
    "诊断名称",
    "临床版诊断代码",
    "临床版诊断名称",
    "有效标志",
];
pub const DIAG_KEYS: &[&str] = &[
    "chapter",
    "chapter_range",
    "chapter_name",
    "section_range",
    "section_name",
    "category_code",
    "category_name",
    "subcategory_code",
    "subcategory_name",
    "code",
    "name",
    "clinical_code",
    "clinical_name",
    "active",
];
pub const PROC_HEADERS: &[&str] = &[
    "章",
    "章代码范围",
    "章名称",
    "类目代码",
    "类目名称",
    "亚目代码",
    "亚目名称",
    "细目代码",
    "细目名称",
    "手术操作代码",
    "手术操作名称",
    "临床版手术操作代码",
    "临床版手术操作名称",
    "有效标志",
];
pub const PROC_KEYS: &[&str] = &[
    "chapter",
    "chapter_range",
    "chapter_name",
    "category_code",
    "category_name",
    "subcategory_code",
    "subcategory_name",
    "detail_code",
    "detail_name",
    "code",
    "name",
    "clinical_code",
    "clinical_name",
    "active",
];

fn chapter_of(cat: &str) -> (&'static str, String, &'static str) {
    for (no, a, b, name) in vocab::ICD10_CHAPTERS {
        if cat >= *a && cat <= *b {
            return (no, format!("{a}-{b}"), name);
        }
    }
    ("22", "U00-U99".into(), "用于特殊目的的编码")
}

/// Index of the code column and clinical column in both layouts.
pub const CODE_COL: usize = 9;
pub const CLIN_COL: usize = 11;

pub fn diagnoses(rng: &mut impl Rng, target: usize) -> Table {
    let cats: Vec<(String, String, String)> = vocab::csv_rows(vocab::DIAGNOSIS_CATEGORIES)
        .into_iter()
        .filter(|r| r.len() >= 4 && r[0] == "西医诊断")
        .filter_map(|r| {
            let c = r[1].trim_end_matches('.').to_string();
            let b = c.as_bytes();
            (b.len() == 3
                && b[0].is_ascii_uppercase()
                && b[1].is_ascii_digit()
                && b[2].is_ascii_digit())
            .then(|| (c, r[2].clone(), r[3].clone()))
        })
        .collect();
    // Small targets keep an even spread of categories rather than one row for each of ~2,000.
    let step = (cats.len() / target.max(1)).max(1);
    let cats: Vec<_> = cats.into_iter().step_by(step).collect();
    let mut t = Table::new(DIAG_HEADERS);
    let mut seen = HashSet::new();
    let per_cat = (target / cats.len().max(1)).max(1);
    for (cat, cname, group) in &cats {
        let (no, range, chname) = chapter_of(cat);
        let section_range = format!("{}0-{}9", &cat[..2], &cat[..2]);
        let n_sub = rng.random_range(1..=6.min(per_cat.max(1)));
        let mut made = 0;
        for s in 0..n_sub {
            let sub_digit = if n_sub == 1 && rng.random_bool(0.3) {
                "x".to_string()
            } else {
                s.to_string()
            };
            let sub_code = format!("{cat}.{sub_digit}");
            let sub_name = if sub_digit == "x" {
                cname.clone()
            } else {
                format!("{}{}", pick(rng, vocab::DIAG_QUALIFIERS), cname)
            };
            let share = (per_cat - made.min(per_cat)) / (n_sub - s);
            let n_codes = share.max(1);
            for k in 0..n_codes {
                let (code, name) = if k == 0 {
                    (format!("{sub_code}00"), sub_name.clone())
                } else if k <= 3 && sub_digit != "x" {
                    (
                        format!("{sub_code}{k:02}"),
                        format!("{sub_name}{}", pick(rng, vocab::DIAG_SUFFIXES)),
                    )
                } else {
                    let q = pick(rng, vocab::DIAG_QUALIFIERS);
                    (
                        format!("{sub_code}00x{k:03}"),
                        format!("{q}{cname}{}", pick(rng, vocab::DIAG_SUFFIXES)),
                    )
                };
                if !seen.insert(code.clone()) {
                    continue;
                }
                let (ccode, cname2) = clinical(rng, &code, &name);
                t.rows.push(vec![
                    no.to_string(),
                    range.clone(),
                    chname.to_string(),
                    section_range.clone(),
                    group.clone(),
                    format!("{cat}"),
                    cname.clone(),
                    sub_code.clone(),
                    sub_name.clone(),
                    code,
                    name,
                    ccode,
                    cname2,
                    "1".into(),
                ]);
                made += 1;
            }
        }
    }
    t
}

/// 临床版 code: identical for most rows; otherwise a different extension, an
/// extension where 医保版 has a leaf, or the parent code (many-to-one crosswalks).
fn clinical(rng: &mut impl Rng, code: &str, name: &str) -> (String, String) {
    if rng.random_bool(0.85) {
        return (code.to_string(), name.to_string());
    }
    let base = &code[..code.find('x').map_or(code.len(), |i| {
        if code[i..].len() == 4 {
            i
        } else {
            code.len()
        }
    })];
    let c = if code.len() > 8 && code.contains('x') {
        // A00.000x001 → A00.000x101 (the 临床版 numbers its extensions differently)
        format!(
            "{}x{:03}",
            &code[..code.len() - 4],
            rng.random_range(100..999)
        )
    } else {
        format!("{base}x{:03}", rng.random_range(1..20) + 900)
    };
    (
        c,
        format!(
            "{name}{}",
            if rng.random_bool(0.5) {
                ""
            } else {
                "(临床版)"
            }
        ),
    )
}

pub fn procedures(rng: &mut impl Rng, target: usize) -> Table {
    let mut t = Table::new(PROC_HEADERS);
    let mut seen = HashSet::new();
    let cats: Vec<(u32, &str, &str, &[&str])> = vocab::ICD9_CHAPTERS
        .iter()
        .enumerate()
        .flat_map(|(i, (a, b, name, sites))| {
            let _ = i;
            (*a..=*b).map(move |c| (c, *name, format!("{a:02}-{b:02}"), *sites))
        })
        .map(|(c, name, _r, sites)| (c, name, "", sites))
        .collect();
    let per_cat = (target / cats.len().max(1)).max(1);
    for (c, chname, _, sites) in &cats {
        let (no, range) = vocab::ICD9_CHAPTERS
            .iter()
            .enumerate()
            .find(|(_, (a, b, _, _))| c >= a && c <= b)
            .map_or((0, String::new()), |(i, (a, b, _, _))| {
                (i, format!("{a:02}-{b:02}"))
            });
        let site = pick(rng, sites).to_string();
        let cat_code = format!("{c:02}");
        let cat_name = format!("{site}手术");
        let mut made = 0;
        let mut sub = 0;
        while made < per_cat && sub < 10 {
            let verb = pick(rng, vocab::PROC_VERBS).to_string();
            let sub_code = format!("{cat_code}.{sub}");
            let sub_name = format!("{site}{verb}");
            let n_det = rng.random_range(1..=4);
            for d in 0..n_det {
                let det_digit = if d == 0 && rng.random_bool(0.2) {
                    "x".to_string()
                } else {
                    d.to_string()
                };
                let det_code = format!("{sub_code}{det_digit}");
                let det_site = pick(rng, sites).to_string();
                let det_name = format!("{det_site}{verb}");
                let n_ext =
                    ((per_cat - made.min(per_cat)) / ((10 - sub) * n_det).max(1)).clamp(1, 40);
                for k in 0..=n_ext {
                    let (code, name) = if k == 0 {
                        (format!("{det_code}00"), det_name.clone())
                    } else {
                        let q = pick(
                            rng,
                            &[
                                "经皮",
                                "经腹腔镜",
                                "内镜下",
                                "开放性",
                                "机器人辅助",
                                "超声引导下",
                                "经导管",
                                "显微镜下",
                                "",
                            ],
                        );
                        (format!("{det_code}00x{k:03}"), format!("{q}{det_name}"))
                    };
                    if !seen.insert(code.clone()) {
                        continue;
                    }
                    let (ccode, cname) = if rng.random_bool(0.88) {
                        (code.clone(), name.clone())
                    } else {
                        (
                            format!("{det_code}00x{:03}", 900 + rng.random_range(0..99)),
                            name.clone(),
                        )
                    };
                    t.rows.push(vec![
                        format!("{}", no + 1),
                        range.clone(),
                        chname.to_string(),
                        cat_code.clone(),
                        cat_name.clone(),
                        sub_code.clone(),
                        sub_name.clone(),
                        det_code.clone(),
                        det_name.clone(),
                        code,
                        name,
                        ccode,
                        cname,
                        "1".into(),
                    ]);
                    made += 1;
                }
            }
            sub += 1;
        }
    }
    t
}
