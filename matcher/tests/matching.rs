//! Scoring and tier behaviour against a small in-memory catalogue.

use catalog_core::entry::DrugInfo;
use catalog_core::{Category, Detail, Entry, HospitalItem, Store, VersionMeta};
use matcher::{index, Matcher, Tier};

#[allow(clippy::too_many_arguments)]
fn drug(
    code: &str,
    name: &str,
    form: &str,
    spec: &str,
    qty: &str,
    unit: &str,
    mfr: &str,
    aprv: &str,
    trade: Option<&str>,
) -> Entry {
    let d = DrugInfo {
        reg_name: Some(name.into()),
        trade_name: trade.map(String::from),
        dosage_form: Some(form.into()),
        spec: Some(spec.into()),
        pack_qty: Some(qty.into()),
        min_unit: Some(unit.into()),
        pack_unit: Some("盒".into()),
        manufacturer: Some(mfr.into()),
        approval_no: Some(aprv.into()),
        ..DrugInfo::default()
    };
    Entry::new(code, name, Detail::Drug(d))
}

fn catalogue() -> Vec<Entry> {
    vec![
        drug(
            "XJ01CAA040E001010100600",
            "阿莫西林胶囊",
            "胶囊剂",
            "0.25g",
            "24",
            "粒",
            "珠海联邦制药股份有限公司中山分公司",
            "国药准字H44021351",
            None,
        ),
        drug(
            "XJ01CAA040E001010200600",
            "阿莫西林胶囊",
            "胶囊剂",
            "0.25g",
            "12",
            "粒",
            "珠海联邦制药股份有限公司中山分公司",
            "国药准字H44021351",
            None,
        ),
        drug(
            "XJ01CAA040E001010100100",
            "阿莫西林胶囊",
            "胶囊剂",
            "0.25g",
            "24",
            "粒",
            "华北制药股份有限公司",
            "国药准字H13020998",
            None,
        ),
        drug(
            "XJ01CAA040E001020100600",
            "阿莫西林胶囊",
            "胶囊剂",
            "0.5g",
            "24",
            "粒",
            "珠海联邦制药股份有限公司中山分公司",
            "国药准字H44021352",
            None,
        ),
        drug(
            "XJ01FAA051A001010201187",
            "阿奇霉素片",
            "薄膜衣片",
            "0.25g",
            "6",
            "片",
            "辉瑞制药有限公司",
            "国药准字H10960167",
            Some("希舒美"),
        ),
        drug(
            "XJ01DDT030B001010100200",
            "注射用头孢曲松钠",
            "注射剂",
            "1g",
            "1",
            "瓶",
            "上海罗氏制药有限公司",
            "国药准字H10983036",
            Some("罗氏芬"),
        ),
        drug(
            "XB01ACA056A012010100300",
            "阿司匹林肠溶片",
            "肠溶片",
            "100mg",
            "30",
            "片",
            "拜耳医药保健有限公司",
            "国药准字J20130078",
            Some("拜阿司匹灵"),
        ),
    ]
}

fn matcher() -> (Matcher, tempfile::TempDir) {
    let mut store = Store::open_in_memory().unwrap();
    let meta = VersionMeta {
        category: Category::Drug,
        label: "v1".into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    let v = store
        .import_version(&meta, false, catalogue().into_iter().map(Ok::<_, String>))
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = index::dir_for(tmp.path(), &v);
    index::build(&store, &v, &dir, &|_, _| {}).unwrap();
    assert!(index::is_fresh(&dir, &v));
    (Matcher::open(&dir).unwrap(), tmp)
}

fn item(name: &str) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H001".into(),
        name: name.into(),
        ..HospitalItem::default()
    }
}

#[test]
fn matcher_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Matcher>();
}

#[test]
fn approval_number_with_spec_and_package_is_high() {
    let (m, _t) = matcher();
    let mut it = item("阿莫西林胶囊");
    it.spec = Some("0.25g*24粒/盒".into());
    it.approval_no = Some("国药准字 h44021351".into());
    it.manufacturer = Some("联邦制药".into());
    let r = m.match_item(&it, 5);
    assert_eq!(r.candidates[0].code, "XJ01CAA040E001010100600", "{r:#?}");
    assert_eq!(r.tier, Tier::High, "{}", r.reason);
    // The 12-capsule package of the same 批准文号 is the runner-up, not equal.
    assert_eq!(r.candidates[1].code, "XJ01CAA040E001010200600");
    assert!(r.candidates[0].score > r.candidates[1].score);
}

#[test]
fn spec_glued_to_name_and_manufacturer_abbreviation() {
    let (m, _t) = matcher();
    let mut it = item("阿莫西林胶囊0.25g×24粒");
    it.manufacturer = Some("华北制药".into());
    let r = m.match_item(&it, 3);
    assert_eq!(r.candidates[0].code, "XJ01CAA040E001010100100", "{r:#?}");
    assert!(r.tier >= Tier::Medium, "{:?} {}", r.tier, r.reason);
}

#[test]
fn wrong_manufacturer_lowers_the_tier() {
    let (m, _t) = matcher();
    let mut good = item("阿莫西林胶囊");
    good.spec = Some("0.25g*24粒".into());
    good.manufacturer = Some("华北制药".into());
    let mut bad = good.clone();
    bad.manufacturer = Some("扬子江药业集团有限公司".into());
    let (g, b) = (m.match_item(&good, 3), m.match_item(&bad, 3));
    assert!(b.tier < Tier::High, "{:?}", b.tier);
    assert!(b.candidates[0].score < g.candidates[0].score);
    let ev = b.candidates[0]
        .evidence
        .iter()
        .find(|e| e.field == "生产企业")
        .unwrap();
    assert_eq!(ev.verdict, matcher::Verdict::Disagree);
}

#[test]
fn wrong_strength_is_never_high() {
    let (m, _t) = matcher();
    let mut it = item("阿莫西林胶囊");
    it.spec = Some("0.125g*24粒".into());
    it.manufacturer = Some("联邦制药".into());
    let r = m.match_item(&it, 3);
    assert!(r.tier <= Tier::Low, "{:?} {}", r.tier, r.reason);
}

#[test]
fn brand_in_brackets_and_trade_name_alone() {
    let (m, _t) = matcher();
    let r = m.match_item(&item("阿奇霉素片(希舒美Zithromax) 0.25g*6片"), 3);
    assert_eq!(r.candidates[0].code, "XJ01FAA051A001010201187");
    let r = m.search("希舒美", 3);
    assert_eq!(r.candidates[0].code, "XJ01FAA051A001010201187");
    let r = m.match_item(&item("头孢曲松钠粉针 1g"), 3);
    assert_eq!(r.candidates[0].code, "XJ01DDT030B001010100200", "{r:#?}");
    let r = m.search("AMXLJN", 3);
    assert!(r.candidates[0].code.starts_with("XJ01CAA040"), "{r:#?}");
    let r = m.search("H10960167", 3);
    assert_eq!(r.candidates[0].code, "XJ01FAA051A001010201187");
}

#[test]
fn item_without_counterpart_is_none_or_low() {
    let (m, _t) = matcher();
    let mut it = item("紫杉醇注射液");
    it.spec = Some("30mg:5ml".into());
    let r = m.match_item(&it, 3);
    assert!(
        r.tier <= Tier::Low,
        "{:?} {:#?}",
        r.tier,
        r.candidates.first()
    );
}

#[test]
fn bad_input_gives_tier_none_with_a_reason() {
    let (m, _t) = matcher();
    for name in ["", "   ", "，。、()——", "*"] {
        let r = m.match_item(&item(name), 3);
        assert_eq!(r.tier, Tier::None, "{name:?}");
        assert!(!r.reason.is_empty());
        assert!(r.candidates.is_empty());
    }
    let huge = "阿莫西林胶囊".repeat(2000);
    assert!(huge.len() > 10_000);
    let r = m.match_item(&item(&huge), 3);
    assert_eq!(r.hospital_name, huge);
    assert!(r.tier < Tier::High);
}

#[test]
fn batch_keeps_every_row_in_input_order() {
    let (m, _t) = matcher();
    let names = [
        "阿司匹林肠溶片 100mg*30片",
        "",
        "阿莫西林胶囊",
        "紫杉醇",
        "希舒美",
        "注射用头孢曲松钠",
    ];
    let items: Vec<HospitalItem> = (0..120)
        .map(|i| HospitalItem {
            row: i + 1,
            code: format!("C{i}"),
            name: names[i as usize % names.len()].into(),
            ..HospitalItem::default()
        })
        .collect();
    let done = std::sync::atomic::AtomicU64::new(0);
    let out = m.match_batch(&items, 3, &|n| {
        done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(out.len(), items.len());
    assert_eq!(done.into_inner(), 120);
    for (i, r) in out.iter().enumerate() {
        assert_eq!(r.row, items[i].row);
        assert_eq!(r.hospital_code, items[i].code);
    }
    assert_eq!(out[0].candidates[0].code, "XB01ACA056A012010100300");
    // Results serialise for the HTTP service.
    let json = serde_json::to_string(&out[0]).unwrap();
    assert!(json.contains("\"tier\""));
}

/// A model that says "right" to everything.
fn sure_model(bias: f64) -> matcher::calibrate::FieldModel {
    let mut m = matcher::calibrate::FieldModel::shipped();
    m.bias = bias;
    m.weights.clear();
    m.by_category.clear();
    m
}

#[test]
fn the_calibrated_probability_promotes_but_never_past_a_conflict_and_never_lowers() {
    let (plain, _t) = matcher();
    // A name alone: the hand-set rule leaves it below high.
    let it = item("阿司匹林肠溶片");
    let before = plain.match_item(&it, 3);
    assert!(
        before.tier < Tier::High,
        "{:?} {}",
        before.tier,
        before.reason
    );
    let p = before.probability.expect("a probability with a candidate");
    assert!((0.0..=1.0).contains(&p));

    let (m, _t2) = matcher();
    let sure = m.with_field_model(sure_model(20.0));
    let after = sure.match_item(&it, 3);
    assert_eq!(after.candidates[0].code, before.candidates[0].code);
    assert_eq!(after.tier, Tier::High, "{}", after.reason);
    assert!(after.reason.contains("校准概率"), "{}", after.reason);

    // A wrong strength is a hard conflict: no probability makes it high.
    let mut wrong = item("阿莫西林胶囊");
    wrong.spec = Some("0.125g*24粒".into());
    wrong.manufacturer = Some("联邦制药".into());
    assert!(sure.match_item(&wrong, 3).tier < Tier::High);

    // A model that doubts everything leaves the rule's high tier alone.
    let (m, _t3) = matcher();
    let doubtful = m.with_field_model(sure_model(-20.0));
    let mut strong = item("阿莫西林胶囊");
    strong.spec = Some("0.25g*24粒/盒".into());
    strong.approval_no = Some("国药准字 h44021351".into());
    strong.manufacturer = Some("联邦制药".into());
    let r = doubtful.match_item(&strong, 5);
    assert_eq!(r.tier, Tier::High, "{}", r.reason);
    assert!(r.probability.unwrap() < 0.01);
}

#[test]
fn a_results_example_is_what_its_probability_was_computed_from() {
    let (m, _t) = matcher();
    let model = m.field_model().clone();
    let mut it = item("阿莫西林胶囊");
    it.spec = Some("0.25g*24粒/盒".into());
    for r in [
        m.match_item(&it, 3),
        m.match_item(&item("阿司匹林肠溶片"), 1),
    ] {
        let e = m.example(&r).expect("an example with a candidate");
        let p = (model.probability(&e) * 1e6).round() / 1e6;
        assert_eq!(Some(p), r.probability, "{e:?}");
        assert!(e.x.contains_key("logit") && e.x.contains_key("margin"));
        // Not part of the JSON a result is sent as.
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("logits"), "{json}");
    }
    // Reordered candidates (an approved target put first) have no example.
    let mut r = m.match_item(&it, 3);
    if r.candidates.len() > 1 {
        r.candidates.swap(0, 1);
        assert!(m.example(&r).is_none());
    }
    let none = m.match_item(&item("!!!"), 3);
    assert!(m.example(&none).is_none());
}
