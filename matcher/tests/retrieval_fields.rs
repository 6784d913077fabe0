//! The full-text search sees the maker and the strength, not only the name:
//! among many rows whose names match an item equally well, the rows of its
//! maker and strength come first, so their product is among the candidates.

mod common;

use catalog_core::entry::DrugInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};

fn drug(code: String, name: &str, spec: &str, mfr: String) -> Entry {
    let d = DrugInfo {
        reg_name: Some(name.into()),
        dosage_form: Some("缓释片".into()),
        spec: Some(spec.into()),
        pack_qty: Some("30".into()),
        min_unit: Some("片".into()),
        pack_unit: Some("盒".into()),
        manufacturer: Some(mfr),
        ..DrugInfo::default()
    };
    Entry::new(&code, name, Detail::Drug(d))
}

#[test]
fn the_maker_and_strength_pick_the_product_among_names_that_tie() {
    // Sixty rows of one salt come first in code order; the other salt's
    // rows, the right one among them, after. Both names hold the item's
    // `美托洛尔缓释片` equally: the name alone leaves the text hits to the
    // first salt.
    let mut rows = Vec::new();
    for i in 0..60 {
        rows.push(drug(
            format!("XC07ABH501A0100103{i:05}"),
            "琥珀酸美托洛尔缓释片",
            "47.5mg",
            format!("第{i}制药有限公司"),
        ));
    }
    for (i, (spec, mfr)) in [
        ("25mg", "西安汇盛生物制药股份有限公司"),
        ("47.5mg", "西安汇盛生物制药股份有限公司"),
        ("25mg", "阿斯利康制药有限公司"),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push(drug(
            format!("XC07ABM502A0100103{i:05}"),
            "酒石酸美托洛尔缓释片",
            spec,
            mfr.into(),
        ));
    }
    let (m, _dir) = common::matcher_of(Category::Drug, rows);
    let item = HospitalItem {
        row: 1,
        code: "H1".into(),
        name: "美托洛尔缓释片".into(),
        spec: Some("25mg*30片/盒".into()),
        manufacturer: Some("汇盛".into()),
        ..HospitalItem::default()
    };
    let r = m.match_item(&item, 5);
    let best = r.best().expect("a candidate");
    assert_eq!(best.code, "XC07ABM502A010010300000", "{}", r.reason);
    assert!(
        r.retrieval.keys.iter().any(|k| k == "全文检索"),
        "{:?}",
        r.retrieval
    );
}

#[test]
fn score_of_tells_a_row_tied_out_of_the_top_20_from_one_the_search_missed() {
    // Thirty makers of one product and strength; an item naming no maker
    // cannot tell them apart, so the first 20 by code are shown.
    let rows: Vec<Entry> = (0..30)
        .map(|i| {
            drug(
                format!("XC07ABM502A0100103{i:05}"),
                "酒石酸美托洛尔缓释片",
                "25mg",
                format!("第{i}制药有限公司"),
            )
        })
        .collect();
    let (m, _dir) = common::matcher_of(Category::Drug, rows);
    let item = HospitalItem {
        row: 1,
        code: "H1".into(),
        name: "酒石酸美托洛尔缓释片".into(),
        spec: Some("25mg*30片/盒".into()),
        ..HospitalItem::default()
    };
    let r = m.match_item(&item, 20);
    assert_eq!(r.candidates.len(), 20);
    let last = "XC07ABM502A010010300029";
    assert!(r.candidates.iter().all(|c| c.code != last));
    assert_eq!(m.score_of(&item, last), Some(r.candidates[19].score));
    // Another strength scores lower; a code of no row has no score.
    let other = HospitalItem {
        spec: Some("47.5mg*30片/盒".into()),
        ..item.clone()
    };
    assert!(m.score_of(&other, last).unwrap() < r.candidates[19].score);
    assert_eq!(m.score_of(&item, "X0000"), None);
}
