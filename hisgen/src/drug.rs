//! A drug as a HIS holds it: trade name or generic, spec inside the name, the
//! 批准文号 in the name or mangled, a dosage-form word of its own, a maker
//! spelt short.

use crate::noise::{chance, full_width, homophone, mangle_key, pick, traditional, Mangle};
use crate::tables::FORM_SPELLINGS;
use crate::{field, maker, spec, Row};
use catalog_core::Entry;
use rand_chacha::ChaCha8Rng;

pub fn spell(rng: &mut ChaCha8Rng, e: &Entry) -> Option<Row> {
    let mut slips: Vec<&'static str> = Vec::new();
    let generic = field(e, "generic_name");
    let reg = field(e, "reg_name");
    let base = if !reg.is_empty() {
        reg
    } else if !generic.is_empty() {
        generic
    } else {
        e.name.clone()
    };
    if base.is_empty() {
        return None;
    }
    let trade = field(e, "trade_name");
    let form = field(e, "dosage_form");
    let (spec_text, spec_slips) = spec::spell(
        rng,
        &field(e, "spec"),
        &field(e, "pack_qty"),
        &field(e, "min_unit"),
        &field(e, "pack_unit"),
    );
    let mut name = base.clone();
    let mut spec_col = spec_text.clone();
    let r: f64 = rand::Rng::random(rng);
    if !trade.is_empty() && trade != base && r < 0.2 {
        name = format!("{trade}({base})");
        slips.push("trade_first");
    } else if !trade.is_empty() && trade != base && r < 0.3 {
        name = format!("{base}[{trade}]");
        slips.push("trade_in_brackets");
    } else if r < 0.55 {
        name = format!("{base} {spec_text}");
        slips.push("spec_in_name");
        if chance(rng, 0.5) {
            spec_col.clear();
        }
    }
    slips.extend(spec_slips);
    let mut approval = field(e, "approval_no");
    let mut key = "无";
    if !approval.is_empty() && chance(rng, 0.6) {
        key = "批准文号";
        mangle_key(
            rng,
            &mut approval,
            &mut name,
            &[
                (0.15, Mangle::Lower, "approval_lower"),
                (0.3, Mangle::Spaced, "approval_spaced"),
                (0.4, Mangle::FullWidth, "approval_full_width"),
                (0.5, Mangle::NoPrefix("国药准字"), "approval_no_prefix"),
                (0.6, Mangle::IntoName("(", ")"), "approval_in_name"),
                (0.65, Mangle::Ocr, "approval_ocr_slip"),
            ],
            &mut slips,
        );
    } else {
        approval.clear();
    }
    let mut standard = field(e, "standard_code");
    if standard.is_empty() || !chance(rng, 0.15) {
        standard.clear();
    } else if key == "无" {
        key = "本位码";
    }
    if chance(rng, 0.07) {
        name = traditional(&name);
        slips.push("traditional");
    }
    if chance(rng, 0.05) {
        if let Some(t) = homophone(rng, &name) {
            name = t;
            slips.push("homophone_typo");
        }
    }
    if chance(rng, 0.1) {
        name = full_width(&name);
        slips.push("full_width_name");
    }
    let form_col = if form.is_empty() || chance(rng, 0.15) {
        String::new()
    } else {
        match FORM_SPELLINGS.iter().find(|(f, _)| form.contains(f)) {
            Some((_, words)) if chance(rng, 0.7) => {
                slips.push("form_word");
                pick(rng, words).to_string()
            }
            _ => form,
        }
    };
    let (mk, mk_slip) = maker::spell(rng, &field(e, "manufacturer"), Some(&field(e, "holder")));
    if !mk_slip.is_empty() {
        slips.push(mk_slip);
    }
    let maker_col = if chance(rng, 0.08) {
        slips.push("maker_missing");
        String::new()
    } else if chance(rng, 0.06) && !spec_col.is_empty() {
        // Spec and a maker abbreviation glued in one cell, as real HIS exports do.
        spec_col = format!("{spec_col}.{}", mk.chars().take(3).collect::<String>());
        slips.push("maker_glued_to_spec");
        String::new()
    } else {
        mk
    };
    let word = if e.code.starts_with('Z') {
        "中成药"
    } else {
        "西药"
    };
    Some(Row {
        name,
        category_word: word.into(),
        spec: spec_col,
        dosage_form: form_col,
        unit: field(e, "pack_unit"),
        maker: maker_col,
        approval_no: approval,
        standard_code: standard,
        truth: e.code.clone(),
        key: key.into(),
        slips,
        ..Row::default()
    })
}
