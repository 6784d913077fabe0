//! The maker as hospitals write it: the 上市许可持有人 in the maker column,
//! an English name, a name cut short and glued to the spec (issue #17).

mod common;

use catalog_core::entry::DrugInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};
use matcher::{Matcher, Verdict};

fn drug(code: &str, mfr: &str, holder: Option<&str>) -> Entry {
    let d = DrugInfo {
        reg_name: Some("阿托伐他汀钙片".into()),
        dosage_form: Some("片剂".into()),
        spec: Some("20mg".into()),
        pack_qty: Some("7".into()),
        min_unit: Some("片".into()),
        pack_unit: Some("盒".into()),
        manufacturer: Some(mfr.into()),
        holder: holder.map(String::from),
        ..DrugInfo::default()
    };
    Entry::new(code, "阿托伐他汀钙片", Detail::Drug(d))
}

fn matcher() -> (Matcher, tempfile::TempDir) {
    let rows = vec![
        drug("XC10AAA046A001010100001", "北京嘉林药业股份有限公司", None),
        // Made by a contract maker for a holder the HIS knows it by.
        drug(
            "XC10AAA046A001010100002",
            "浙江新东港药业股份有限公司",
            Some("齐鲁制药有限公司"),
        ),
        drug("XC10AAA046A001010100003", "辉瑞制药有限公司", None),
        drug("XC10AAA046A001010100004", "江西济民可信药业有限公司", None),
        drug("XC10AAA046A001010100005", "江苏恒瑞医药股份有限公司", None),
    ];
    common::matcher_of(Category::Drug, rows)
}

fn item(spec: &str, mfr: Option<&str>) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H1".into(),
        name: "阿托伐他汀钙片".into(),
        spec: Some(spec.into()),
        manufacturer: mfr.map(String::from),
        ..HospitalItem::default()
    }
}

fn maker_verdict(r: &matcher::MatchResult) -> Option<Verdict> {
    r.candidates[0]
        .evidence
        .iter()
        .find(|e| e.field == "生产企业")
        .map(|e| e.verdict)
}

#[test]
fn the_holder_in_the_maker_column_finds_the_row_it_holds() {
    let (m, _t) = matcher();
    let r = m.match_item(&item("20mg*7片", Some("齐鲁制药")), 3);
    assert_eq!(r.candidates[0].code, "XC10AAA046A001010100002", "{r:#?}");
    assert_eq!(maker_verdict(&r), Some(Verdict::Agree));
    assert!(r.candidates[0]
        .evidence
        .iter()
        .any(|e| e.catalogue_value.contains("上市许可持有人")));
}

#[test]
fn an_english_maker_name_meets_its_chinese_registration() {
    let (m, _t) = matcher();
    let r = m.match_item(&item("20mg*7片", Some("Pfizer Inc.")), 3);
    assert_eq!(r.candidates[0].code, "XC10AAA046A001010100003", "{r:#?}");
    assert_eq!(maker_verdict(&r), Some(Verdict::Agree));
}

#[test]
fn a_maker_cut_short_and_glued_to_the_spec_is_still_the_maker() {
    let (m, _t) = matcher();
    let r = m.match_item(&item("20mg*7片/盒.江西济", None), 3);
    assert_eq!(r.candidates[0].code, "XC10AAA046A001010100004", "{r:#?}");
    assert_eq!(maker_verdict(&r), Some(Verdict::Partial));
    // A place alone narrows nothing to one maker: no row is "the same maker".
    let r = m.match_item(&item("20mg*7片/盒.江苏", None), 3);
    assert_ne!(maker_verdict(&r), Some(Verdict::Agree), "{r:#?}");
}

#[test]
fn the_clerks_own_words_pick_among_makers_sharing_a_brand_word() {
    // Every 科邦 and 德欣 has the same maker core; the first code of each
    // pair is the one a tie would pick.
    let rows = vec![
        drug(
            "XC10AAA046A001010100011",
            "重庆科邦生物制药(集团)股份有限公司",
            None,
        ),
        drug("XC10AAA046A001010100012", "浙江科邦华药业有限公司", None),
        drug(
            "XC10AAA046A001010100021",
            "福建德欣制药厂有限责任公司",
            None,
        ),
        drug("XC10AAA046A001010100022", "河北德欣药业股份有限公司", None),
    ];
    let (m, _dir) = common::matcher_of(Category::Drug, rows);
    let best = |mfr: &str| {
        let r = m.match_item(&item("20mg*7片", Some(mfr)), 5);
        (r.candidates[0].code.clone(), maker_verdict(&r))
    };
    // The province the clerk wrote is not 重庆's.
    assert_eq!(
        best("浙江科邦"),
        ("XC10AAA046A001010100012".to_string(), Some(Verdict::Agree))
    );
    // `德欣药业` stands inside 河北德欣药业 but not inside 福建德欣制药厂.
    assert_eq!(best("德欣药业").0, "XC10AAA046A001010100022");
    // The other province's 科邦 is at most "similar".
    let r = m.match_item(&item("20mg*7片", Some("浙江科邦")), 5);
    let other = r
        .candidates
        .iter()
        .find(|c| c.code == "XC10AAA046A001010100011")
        .expect("scored");
    let v = other
        .evidence
        .iter()
        .find(|e| e.field == "生产企业")
        .unwrap();
    assert_eq!(v.verdict, Verdict::Partial, "{}", other.explain());
}
