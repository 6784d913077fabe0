//! A service item as a HIS holds it: local notes in brackets, 次 glued on,
//! the provincial price code with a local suffix, a unit word of its own.

use crate::noise::{chance, pick, traditional};
use crate::tables::SERVICE_NOTES;
use crate::{field, Row};
use catalog_core::Entry;
use rand_chacha::ChaCha8Rng;

pub fn spell(rng: &mut ChaCha8Rng, e: &Entry) -> Option<Row> {
    let mut slips: Vec<&'static str> = Vec::new();
    if e.name.is_empty() {
        return None;
    }
    let mut name = e.name.clone();
    if chance(rng, 0.35) {
        name.push_str(pick::<&str>(rng, SERVICE_NOTES));
        slips.push("local_note");
    }
    let unit = field(e, "unit");
    if !unit.is_empty() && chance(rng, 0.15) {
        name = format!("{name}/{unit}");
        slips.push("unit_in_name");
    }
    if chance(rng, 0.05) {
        name = traditional(&name);
        slips.push("traditional");
    }
    if chance(rng, 0.1) {
        name = name.replace(['（', '）'], "").replace(['(', ')'], " ");
        slips.push("brackets_dropped");
    }
    let mut price_code = field(e, "price_code");
    let mut key = "无";
    if !price_code.is_empty() && chance(rng, 0.55) {
        key = "价格项目编码";
        if chance(rng, 0.3) {
            price_code = format!("{price_code}-{:02}", rand::Rng::random_range(rng, 1..4));
            slips.push("price_code_suffix");
        } else if chance(rng, 0.15) {
            price_code = format!(
                "{}.{}",
                &price_code[..price_code.len().min(4)],
                &price_code[price_code.len().min(4)..]
            );
            slips.push("price_code_dotted");
        }
    } else {
        price_code.clear();
    }
    let unit_col = match unit.as_str() {
        "次" if chance(rng, 0.3) => "人次".to_string(),
        "项" if chance(rng, 0.3) => "每项".to_string(),
        _ => unit,
    };
    Some(Row {
        name,
        category_word: "诊疗项目".into(),
        unit: unit_col,
        price_code,
        truth: e.code.clone(),
        key: key.into(),
        slips,
        ..Row::default()
    })
}
