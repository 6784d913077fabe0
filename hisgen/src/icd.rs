//! A diagnosis or procedure as a HIS holds it: wording trimmed (`，未特指`),
//! punctuation and width changed, sometimes a code of the wrong letter case.

use crate::noise::{chance, full_width, traditional};
use crate::Row;
use catalog_core::{Category, Entry};
use rand_chacha::ChaCha8Rng;

pub fn spell(rng: &mut ChaCha8Rng, e: &Entry) -> Option<Row> {
    let mut slips: Vec<&'static str> = Vec::new();
    if e.name.is_empty() {
        return None;
    }
    let mut name = e.name.clone();
    for tail in ["，未特指", ",未特指", "，其他特指的", "NOS"] {
        if let Some(s) = name.strip_suffix(tail) {
            if chance(rng, 0.6) {
                name = s.to_string();
                slips.push("qualifier_dropped");
            }
        }
    }
    if chance(rng, 0.2) {
        name = name
            .replace('，', ",")
            .replace('（', "(")
            .replace('）', ")");
        slips.push("half_width_punctuation");
    } else if chance(rng, 0.1) {
        name = full_width(&name);
        slips.push("full_width_name");
    }
    if chance(rng, 0.05) {
        name = traditional(&name);
        slips.push("traditional");
    }
    let mut code = String::new();
    let mut key = "无";
    if chance(rng, 0.3) {
        key = "医保编码";
        code = if chance(rng, 0.5) {
            e.code.to_uppercase()
        } else {
            e.code.clone()
        };
    }
    let word = if e.detail.category() == Category::Procedure {
        "手术"
    } else {
        "诊断"
    };
    Some(Row {
        name,
        category_word: word.into(),
        insurance_code: code,
        truth: e.code.clone(),
        key: key.into(),
        slips,
        ..Row::default()
    })
}
