//! A name of two or three characters that shares no word with any row
//! (`痛丸`, the clerk dropped a character of 痛经丸) still reaches the
//! names one slip from it, as a last resort and never as "high".

mod common;

use catalog_core::entry::DrugInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};
use matcher::{Matcher, Tier};

fn drug(code: &str, name: &str, mfr: &str) -> Entry {
    let d = DrugInfo {
        reg_name: Some(name.into()),
        dosage_form: Some("丸剂".into()),
        spec: Some("每10丸重1g".into()),
        pack_qty: Some("10".into()),
        min_unit: Some("丸".into()),
        pack_unit: Some("盒".into()),
        manufacturer: Some(mfr.into()),
        ..DrugInfo::default()
    };
    Entry::new(code, name, Detail::Drug(d))
}

fn matcher() -> (Matcher, tempfile::TempDir) {
    common::matcher_of(
        Category::Drug,
        vec![
            drug("ZA12AAT0001010100001", "痛经丸", "方丰制药有限公司"),
            drug("ZA12AAT0001010100002", "痛经丸", "广东联生生化制药有限公司"),
            drug(
                "ZA05AAL0002010100003",
                "六味地黄丸",
                "北京同仁堂股份有限公司",
            ),
        ],
    )
}

fn item(name: &str, mfr: &str) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H1".into(),
        name: name.into(),
        spec: Some("每10丸重1gX10丸/盒".into()),
        manufacturer: Some(mfr.into()),
        ..HospitalItem::default()
    }
}

#[test]
fn a_two_character_slip_reaches_the_three_character_name_and_is_not_high() {
    let (m, _dir) = matcher();
    let r = m.match_item(&item("痛丸", "方丰制药"), 5);
    assert_eq!(
        r.best().map(|c| c.code.as_str()),
        Some("ZA12AAT0001010100001"),
        "{}",
        r.reason
    );
    assert!(
        r.retrieval.keys.iter().any(|k| k == "短名一字之差"),
        "{:?}",
        r.retrieval
    );
    // Maker, form and strength all agree; the guessed name still needs a clerk.
    assert_eq!(r.tier, Tier::Medium, "{}", r.reason);
    assert!(r.reason.contains("名称只有两三个字"), "{}", r.reason);
    // Two slips in a short name is another name: nothing is offered.
    let r = m.match_item(&item("疼丸", "方丰制药"), 5);
    assert!(
        r.candidates.iter().all(|c| c.name != "痛经丸"),
        "{:?}",
        r.candidates.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
}
