//! Device spec and model as hospitals write them: `SMTA-2336` for the spec
//! `S` and the model `MTA-2336` of one row, where the same 注册证 holds rows
//! of other models.

mod common;

use catalog_core::entry::ConsumableInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem};
use matcher::Verdict;

fn screw(code: &str, spec: &str, model: &str) -> Entry {
    let c = ConsumableInfo {
        generic_name: Some("螺钉".into()),
        spec: Some(spec.into()),
        model: Some(model.into()),
        registration_no: Some("国械注准20213077917".into()),
        manufacturer: Some("云南太禾生物材料(集团)股份有限公司".into()),
        unit: Some("套".into()),
        ..ConsumableInfo::default()
    };
    Entry::new(code, "螺钉", Detail::Consumable(c))
}

#[test]
fn a_spec_glued_before_the_model_is_that_rows_model() {
    let (m, _dir) = common::matcher_of(
        Category::Consumable,
        vec![
            // The lower code: a tie would pick it.
            screw("C03120607907001000000267704", "27cm×10cm", "QXP-8338"),
            screw("C03120607907001000000567704", "S", "MTA-2336"),
        ],
    );
    let item = HospitalItem {
        row: 1,
        code: "HC1".into(),
        name: "螺钉".into(),
        spec: Some("SMTA-2336".into()),
        manufacturer: Some("云南太禾".into()),
        registration_no: Some("国械注准20213077917".into()),
        ..HospitalItem::default()
    };
    let r = m.match_item(&item, 5);
    let best = r.best().expect("a candidate");
    assert_eq!(best.code, "C03120607907001000000567704", "{}", r.reason);
    let model = best
        .evidence
        .iter()
        .find(|e| e.field == "规格型号")
        .unwrap();
    assert_eq!(model.verdict, Verdict::Agree, "{}", best.explain());
    // A model only ending like the row's is no hit.
    let other = HospitalItem {
        spec: Some("XMTA-2336".into()),
        ..item
    };
    let r = m.match_item(&other, 5);
    let c = r
        .candidates
        .iter()
        .find(|c| c.code == "C03120607907001000000567704")
        .unwrap();
    let model = c.evidence.iter().find(|e| e.field == "规格型号").unwrap();
    assert_eq!(model.verdict, Verdict::Disagree, "{}", c.explain());
}
