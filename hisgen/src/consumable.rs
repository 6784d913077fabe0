//! A consumable as a HIS holds it: the registered product name or the generic
//! name with a model inside, 型号 punctuation changed (`JT-227`, `JT_227`,
//! `JT227`), the 注册证号 mangled or moved into the name.

use crate::noise::{chance, homophone, mangle_key, traditional, Mangle};
use crate::{field, maker, Row};
use catalog_core::Entry;
use rand_chacha::ChaCha8Rng;

/// A model with its separators changed; None when it has none to change.
fn respell_model(rng: &mut ChaCha8Rng, m: &str) -> Option<String> {
    if !m.contains(['-', '_', ' ', '/']) {
        return None;
    }
    let to = *crate::noise::pick(rng, &["_", "", " ", "－"]);
    Some(m.replace(['-', '_', ' ', '/'], to))
}

pub fn spell(rng: &mut ChaCha8Rng, e: &Entry) -> Option<Row> {
    let mut slips: Vec<&'static str> = Vec::new();
    let generic = field(e, "generic_name");
    let product = field(e, "reg_product_name");
    let base = if !product.is_empty() && chance(rng, 0.6) {
        product
    } else if !generic.is_empty() {
        generic
    } else {
        e.name.clone()
    };
    if base.is_empty() {
        return None;
    }
    let model = [field(e, "spec_model"), field(e, "model"), field(e, "spec")]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    let mut spec_col = model.clone();
    if let Some(m) = respell_model(rng, &model).filter(|_| chance(rng, 0.4)) {
        spec_col = m;
        slips.push("model_separators");
    }
    if chance(rng, 0.1) {
        spec_col = spec_col.to_lowercase();
        slips.push("model_lower");
    }
    let mut name = base;
    if !spec_col.is_empty() && chance(rng, 0.3) {
        name = format!("{name} {spec_col}");
        slips.push("model_in_name");
        if chance(rng, 0.5) {
            spec_col.clear();
        }
    } else if !spec_col.is_empty() && chance(rng, 0.15) {
        spec_col = format!("型号：{spec_col}");
        slips.push("model_labelled");
    }
    let mut reg = field(e, "registration_no");
    let mut key = "无";
    if !reg.is_empty() && chance(rng, 0.6) {
        key = "注册证号";
        mangle_key(
            rng,
            &mut reg,
            &mut name,
            &[
                (0.2, Mangle::Spaced, "registration_spaced"),
                (0.35, Mangle::FullWidth, "registration_full_width"),
                (0.5, Mangle::IntoName("（", "）"), "registration_in_name"),
                (0.55, Mangle::Ocr, "registration_ocr_slip"),
            ],
            &mut slips,
        );
    } else {
        reg.clear();
    }
    if chance(rng, 0.06) {
        name = traditional(&name);
        slips.push("traditional");
    }
    if chance(rng, 0.05) {
        if let Some(t) = homophone(rng, &name) {
            name = t;
            slips.push("homophone_typo");
        }
    }
    let (mk, mk_slip) = maker::spell(
        rng,
        &field(e, "manufacturer"),
        Some(&field(e, "registrant")),
    );
    if !mk_slip.is_empty() {
        slips.push(mk_slip);
    }
    Some(Row {
        name,
        category_word: "耗材".into(),
        spec: spec_col,
        unit: field(e, "unit"),
        maker: mk,
        registration_no: reg,
        truth: e.code.clone(),
        key: key.into(),
        slips,
        ..Row::default()
    })
}
