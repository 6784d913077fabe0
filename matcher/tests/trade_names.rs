//! `商品名(通用名)`: hospitals write a trade name, often one the catalogue
//! does not carry, before the generic name in brackets.

mod common;

use catalog_core::entry::DrugInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};
use matcher::{MatchResult, Matcher};

fn drug(code: &str, name: &str, form: &str, trade: Option<&str>, mfr: &str) -> Entry {
    let d = DrugInfo {
        reg_name: Some(name.into()),
        trade_name: trade.map(String::from),
        dosage_form: Some(form.into()),
        spec: Some("20mg".into()),
        pack_qty: Some("7".into()),
        min_unit: Some("片".into()),
        pack_unit: Some("盒".into()),
        manufacturer: Some(mfr.into()),
        ..DrugInfo::default()
    };
    Entry::new(code, name, Detail::Drug(d))
}

fn matcher() -> (Matcher, tempfile::TempDir) {
    let rows = vec![
        drug(
            "XC10AAA046A001010100001",
            "阿托伐他汀钙片",
            "片剂",
            None,
            "北京嘉林药业股份有限公司",
        ),
        drug(
            "XC10AAA046A001010100003",
            "阿托伐他汀钙片",
            "片剂",
            Some("立普妥"),
            "辉瑞制药有限公司",
        ),
        drug(
            "XC08CAA046A001010100004",
            "苯磺酸氨氯地平片",
            "片剂",
            None,
            "江苏恒瑞医药股份有限公司",
        ),
        drug(
            "ZA12AAK0001010100005",
            "坤泰胶囊",
            "胶囊剂",
            Some("坤泰"),
            "贵阳新天药业股份有限公司",
        ),
    ];
    common::matcher_of(Category::Drug, rows)
}

fn item(name: &str) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H1".into(),
        name: name.into(),
        spec: Some("20mg*7片".into()),
        ..HospitalItem::default()
    }
}

fn best(r: &MatchResult) -> &str {
    r.best().map(|c| c.code.as_str()).unwrap_or("")
}

fn swapped(r: &MatchResult) -> bool {
    r.retrieval.keys.iter().any(|k| k == "括号内通用名")
}

#[test]
fn an_unknown_trade_name_before_the_generic_name_is_matched_by_the_bracket() {
    let (m, _dir) = matcher();
    let r = m.match_item(&item("好娃娃(苯磺酸氨氯地平片)"), 5);
    assert_eq!(best(&r), "XC08CAA046A001010100004", "{}", r.reason);
    assert!(swapped(&r), "{:?}", r.retrieval);
    // The generic name without its salt still names the product.
    let r = m.match_item(&item("好娃娃(氨氯地平片)"), 5);
    assert_eq!(best(&r), "XC08CAA046A001010100004", "{}", r.reason);
    // One character of another product's trade name is no trade-name hit.
    let r = m.match_item(&item("泰(苯磺酸氨氯地平片)"), 5);
    assert_eq!(best(&r), "XC08CAA046A001010100004", "{}", r.reason);
    let c = r.best().unwrap();
    assert!(
        !c.evidence.iter().any(|e| e.field == "商品名"),
        "{}",
        c.explain()
    );
}

#[test]
fn a_known_trade_name_outside_picks_its_row_and_a_generic_name_outside_stays() {
    let (m, _dir) = matcher();
    let r = m.match_item(&item("立普妥(阿托伐他汀钙片)"), 5);
    assert_eq!(best(&r), "XC10AAA046A001010100003", "{}", r.reason);
    assert!(r
        .best()
        .unwrap()
        .evidence
        .iter()
        .any(|e| e.field == "商品名"));
    // A name with a dosage form before the bracket is the generic name
    // (here misspelt), whatever the bracket holds.
    let r = m.match_item(&item("阿托伐他汀钙片片(苯磺酸氨氯地平片)"), 5);
    assert!(!swapped(&r), "{:?}", r.retrieval);
    // Without a bracket nothing is swapped.
    let r = m.match_item(&item("好娃娃"), 5);
    assert!(!swapped(&r));
    assert_eq!(r.tier, matcher::Tier::None, "{}", r.reason);
}

#[test]
fn pinyin_initials_in_the_bracket_are_matched_as_typed_initials() {
    let (m, _dir) = matcher();
    // BHSALDPP: 苯磺酸氨氯地平片; full-width as an input method types them.
    for name in [
        "好娃娃(BHSALDPP)",
        "好娃娃（ＢＨＳＡＬＤＰＰ）",
        "好娃娃(bhsaldpp)",
    ] {
        let r = m.match_item(&item(name), 5);
        assert_eq!(best(&r), "XC08CAA046A001010100004", "{name}: {}", r.reason);
        assert!(swapped(&r), "{:?}", r.retrieval);
        assert!(
            r.best()
                .unwrap()
                .evidence
                .iter()
                .any(|e| e.field == "拼音码"),
            "{}",
            r.best().unwrap().explain()
        );
    }
    // A strength in the bracket is no initials.
    let r = m.match_item(&item("好娃娃(20MG)"), 5);
    assert!(!swapped(&r), "{:?}", r.retrieval);
    // Initials no row carries find nothing.
    let r = m.match_item(&item("好娃娃(QQQQ)"), 5);
    assert_eq!(r.tier, matcher::Tier::None, "{}", r.reason);
}
