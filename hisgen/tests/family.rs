//! The second family's dictionaries: deterministic, every truth a real code
//! of the catalogue, hospital-only items unlabelled, and readable by the same
//! reader `mulu eval` uses.

use catalog_core::entry::{ConsumableInfo, Detail, DrugInfo};
use catalog_core::{Category, Entry};

fn drug(code: String, name: &str, spec: &str, qty: &str, mfr: &str, approval: &str) -> Entry {
    Entry::new(
        code,
        name,
        Detail::Drug(DrugInfo {
            generic_name: Some(name.trim_end_matches("胶囊").trim_end_matches('片').into()),
            reg_name: Some(name.into()),
            dosage_form: Some(
                if name.ends_with('片') {
                    "片剂"
                } else {
                    "胶囊剂"
                }
                .into(),
            ),
            spec: Some(spec.into()),
            pack_qty: Some(qty.into()),
            min_unit: Some(if name.ends_with('片') { "片" } else { "粒" }.into()),
            pack_unit: Some("盒".into()),
            manufacturer: Some(mfr.into()),
            approval_no: Some(approval.into()),
            ..DrugInfo::default()
        }),
    )
}

fn drugs() -> Vec<Entry> {
    (0..300)
        .map(|i| {
            let (name, spec) = match i % 3 {
                0 => ("阿莫西林胶囊", "0.25g"),
                1 => ("盐酸左氧氟沙星片", "0.1g"),
                _ => ("头孢克肟颗粒", "50mg"),
            };
            drug(
                format!("XJ01CAA040E0010101{i:05}"),
                name,
                spec,
                &format!("{}", 12 * (1 + i % 3)),
                &format!("广东第{i}制药股份有限公司"),
                &format!("国药准字H4402{i:04}"),
            )
        })
        .collect()
}

fn spec(items: usize) -> hisgen::Spec {
    hisgen::Spec {
        items,
        house_share: 0.1,
        seed: 11,
    }
}

#[test]
fn same_seed_same_rows_whatever_the_input_order() {
    let mut cat = drugs();
    let a = hisgen::generate(Category::Drug, &cat, &spec(200));
    cat.reverse();
    let b = hisgen::generate(Category::Drug, &cat, &spec(200));
    assert_eq!(a, b);
    let c = hisgen::generate(
        Category::Drug,
        &cat,
        &hisgen::Spec {
            seed: 12,
            ..spec(200)
        },
    );
    assert_ne!(a, c);
}

#[test]
fn truths_are_catalogue_codes_and_house_items_have_none() {
    let cat = drugs();
    let rows = hisgen::generate(Category::Drug, &cat, &spec(200));
    let codes: std::collections::HashSet<&str> = cat.iter().map(|e| e.code.as_str()).collect();
    let labelled: Vec<_> = rows.iter().filter(|r| !r.truth.is_empty()).collect();
    assert_eq!(labelled.len(), 200);
    assert!(labelled.iter().all(|r| codes.contains(r.truth.as_str())));
    let house: Vec<_> = rows.iter().filter(|r| r.truth.is_empty()).collect();
    assert_eq!(house.len(), 20);
    assert!(house
        .iter()
        .all(|r| r.slips == ["no_counterpart"] && r.approval_no.contains("药制字")));
    // The family is messy: most labelled rows differ from the catalogue name.
    let changed = labelled
        .iter()
        .filter(|r| cat.iter().any(|e| e.code == r.truth && e.name != r.name))
        .count();
    assert!(changed > 60, "only {changed} of 200 names were respelt");
    // Every row has a distinct HIS code.
    let his: std::collections::HashSet<&str> = rows.iter().map(|r| r.his_code.as_str()).collect();
    assert_eq!(his.len(), rows.len());
}

#[test]
fn the_eval_reader_reads_the_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.csv");
    let cat = drugs();
    let rows = hisgen::generate(Category::Drug, &cat, &spec(50));
    hisgen::write_csv(&p, &rows).unwrap();
    let read =
        importer::hospital::read_items(&p, &importer::hospital::HospitalReadOptions::default())
            .unwrap();
    assert_eq!(read.items.len(), rows.len());
    for (it, r) in read.items.iter().zip(&rows) {
        assert_eq!(it.code, r.his_code);
        assert_eq!(it.truth.as_deref().unwrap_or(""), r.truth);
    }
}

#[test]
fn consumables_keep_their_registration_key_or_say_none() {
    let cat: Vec<Entry> = (0..100)
        .map(|i| {
            Entry::new(
                format!("C0312030790900100000{i:07}"),
                "一次性使用无菌注射器",
                Detail::Consumable(ConsumableInfo {
                    generic_name: Some("注射器".into()),
                    reg_product_name: Some("一次性使用无菌注射器".into()),
                    spec_model: Some(format!("JT-{i}")),
                    registration_no: Some(format!("国械注准2015315{i:04}")),
                    manufacturer: Some("山东威高集团医用高分子制品股份有限公司".into()),
                    ..ConsumableInfo::default()
                }),
            )
        })
        .collect();
    let rows = hisgen::generate(Category::Consumable, &cat, &spec(100));
    for r in rows.iter().filter(|r| !r.truth.is_empty()) {
        // The key may sit in the name, possibly in traditional characters.
        let in_name = r.name.contains("械注");
        match r.key.as_str() {
            "注册证号" => assert!(!r.registration_no.is_empty() || in_name, "{r:?}"),
            "无" => assert!(r.registration_no.is_empty(), "{r:?}"),
            k => panic!("unexpected key {k}"),
        }
    }
}
