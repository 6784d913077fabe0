//! A 临床版→医保版映射表 read with the diagnosis catalogue: a HIS code the
//! table lists is a 临床版 code, and the 医保版 row it maps to is "high" when
//! the HIS name is the table's 临床版 name, whatever the 医保版 name says
//! (issue #17: the real correspondence re-words and re-codes many items).

mod common;

use catalog_core::{Category, Detail, Entry, FieldValue, HospitalItem};
use matcher::crosswalk::Crosswalk;
use matcher::{Matcher, Tier};
use std::sync::Arc;

fn catalogue() -> Vec<Entry> {
    common::diagnosis_entries(&[
        ("A01.003", "伤寒性肠穿孔"),
        // The 临床版 code A01.000x002 exists in 医保版 too, meaning another disease.
        ("A01.000x002", "伤寒杆菌性败血症"),
        ("A02.100", "沙门菌败血症"),
        ("A02.101", "沙门菌脓毒血症"),
    ])
}

fn table() -> Arc<Crosswalk> {
    let row = |code: &str, name: &str, target: &str| {
        let mut e = Entry::new(code, name, Detail::empty(Category::Crosswalk));
        e.detail
            .set("target_code", FieldValue::Text(target.to_string()));
        e
    };
    Arc::new(Crosswalk::from_entries(
        "2.0",
        [
            row("A01.000x002", "伤寒肠穿孔", "A01.003"),
            row("A02.100x004", "沙门氏菌脓毒症", "A02.100"),
        ],
    ))
}

fn item(name: &str, code: &str) -> HospitalItem {
    HospitalItem {
        row: 1,
        code: "H1".into(),
        name: name.into(),
        national_code: Some(code.into()),
        ..HospitalItem::default()
    }
}

fn with_table() -> (Matcher, tempfile::TempDir) {
    let (m, t) = common::matcher_of(Category::Diagnosis, catalogue());
    (m.with_crosswalk(table()), t)
}

#[test]
fn the_table_maps_a_clinical_code_and_name_to_high_even_when_the_wording_differs() {
    let (m, _t) = with_table();
    let r = m.match_item(&item("沙门氏菌脓毒症", "A02.100x004"), 5);
    assert_eq!(r.candidates[0].code, "A02.100");
    assert_eq!(r.tier, Tier::High, "{}", r.reason);
    let ev = &r.candidates[0].evidence;
    assert!(
        ev.iter()
            .any(|e| e.field == "映射表"
                && e.catalogue_value.contains("映射表 2.0 → 医保版 A02.100")),
        "{ev:?}"
    );
}

#[test]
fn a_clinical_code_reused_in_the_insurance_edition_follows_the_table() {
    // Without the table the code names 伤寒杆菌性败血症, whose name disagrees:
    // never high, and the table's row is not even suggested first.
    let (plain, _t0) = common::matcher_of(Category::Diagnosis, catalogue());
    let r = plain.match_item(&item("伤寒肠穿孔", "A01.000x002"), 5);
    assert_ne!(r.tier, Tier::High, "{}", r.reason);
    // With it, the code is read as 临床版 and the mapped row wins outright.
    let (m, _t) = with_table();
    let r = m.match_item(&item("伤寒肠穿孔", "A01.000x002"), 5);
    assert_eq!(r.candidates[0].code, "A01.003");
    assert_eq!(r.tier, Tier::High, "{}", r.reason);
    let other = r
        .candidates
        .iter()
        .find(|c| c.code == "A01.000x002")
        .unwrap();
    assert_eq!(other.tier, Tier::None, "{:?}", other.evidence);
}

#[test]
fn a_listed_code_under_another_name_is_a_conflict_for_a_clerk() {
    // The code is in the table, but the HIS name is not its 临床版 name: the
    // code may be of another edition, so neither row is trusted.
    let (m, _t) = with_table();
    let r = m.match_item(&item("沙门菌脓毒血症", "A02.100x004"), 5);
    assert_ne!(r.tier, Tier::High, "{}", r.reason);
    let mapped = r.candidates.iter().find(|c| c.code == "A02.100").unwrap();
    assert!(
        mapped.evidence.iter().any(|e| e.field == "映射表"
            && e.catalogue_value
                .contains("院内名称与映射表的临床版名称不同")),
        "{:?}",
        mapped.evidence
    );
}

#[test]
fn a_drug_catalogue_ignores_the_table() {
    let (m, _t) = common::matcher_of(Category::Drug, Vec::new());
    assert!(m.with_crosswalk(table()).crosswalk().is_none());
}

/// Import a one-row 映射表 (`code` → `target`) as version `label`.
fn import_table(
    store: &mut catalog_core::Store,
    label: &str,
    code: &str,
    target: &str,
    replace: bool,
) -> catalog_core::VersionInfo {
    let mut e = Entry::new(code, "x", Detail::empty(Category::Crosswalk));
    e.detail
        .set("target_code", FieldValue::Text(target.to_string()));
    let meta = catalog_core::VersionMeta {
        category: Category::Crosswalk,
        label: label.into(),
        source: "test".into(),
        published: None,
        note: None,
    };
    store
        .import_version(&meta, replace, vec![Ok::<_, String>(e)])
        .unwrap()
}

#[test]
fn each_kind_reads_its_own_newest_table() {
    let mut store = catalog_core::Store::open_in_memory().unwrap();
    let dx = import_table(&mut store, "dx", "A01.000x002", "A01.003", false);
    // The procedure table, imported after: it must not hide the diagnosis one.
    let proc = import_table(&mut store, "proc", "37.8300x002", "00.5000x004", false);
    let (v, cw) = matcher::crosswalk::newest(&store, Category::Diagnosis)
        .unwrap()
        .unwrap();
    assert_eq!((v.id, cw.id(), cw.len()), (dx.id, dx.id, 1));
    let (v, _) = matcher::crosswalk::newest(&store, Category::Procedure)
        .unwrap()
        .unwrap();
    assert_eq!(v.id, proc.id);
    let empty = catalog_core::Store::open_in_memory().unwrap();
    assert!(matcher::crosswalk::newest(&empty, Category::Diagnosis)
        .unwrap()
        .is_none());
}

#[test]
fn a_table_held_is_reused_while_it_is_the_newest_of_its_kind() {
    use catalog_core::Store;
    use std::sync::Arc;
    fn newest(
        store: &Store,
        known: &mut matcher::crosswalk::KnownKinds,
        have: Option<&Arc<matcher::crosswalk::Crosswalk>>,
    ) -> Arc<matcher::crosswalk::Crosswalk> {
        let versions = store.versions().unwrap();
        matcher::crosswalk::newest_known(store, Category::Diagnosis, &versions, known, have)
            .unwrap()
            .unwrap()
    }
    let mut store = Store::open_in_memory().unwrap();
    let dx = import_table(&mut store, "dx", "A01.000x002", "A01.003", false);
    let mut known = matcher::crosswalk::KnownKinds::new();
    let first = newest(&store, &mut known, None);
    assert_eq!(first.id(), dx.id);
    assert_eq!(known[&(dx.id, dx.checksum.clone())], Category::Diagnosis);
    // A procedure table lands: its kind is learnt, and the diagnosis table
    // held is returned as it is, not read again.
    let proc = import_table(&mut store, "proc", "37.8300x002", "00.5000x004", false);
    let again = newest(&store, &mut known, Some(&first));
    assert!(Arc::ptr_eq(&first, &again));
    assert_eq!(
        known[&(proc.id, proc.checksum.clone())],
        Category::Procedure
    );
    // Not held: read again, the same table.
    let read = newest(&store, &mut known, None);
    assert!(!Arc::ptr_eq(&first, &read));
    assert_eq!(*read, *first);
    // A newer diagnosis table replaces the one held.
    let dx2 = import_table(&mut store, "dx2", "A01.000x002", "A01.000", false);
    let newer = newest(&store, &mut known, Some(&first));
    assert_eq!(newer.id(), dx2.id);
    assert_ne!(*newer, *first);
    // Replaced under its label, the newest table may get the same id back:
    // the checksum tells the new rows from the table held.
    let dx3 = import_table(&mut store, "dx2", "A01.000x002", "A01.100", true);
    assert_eq!(dx3.id, dx2.id, "the case this guards against");
    let replaced = newest(&store, &mut known, Some(&newer));
    assert_eq!(replaced.checksum(), dx3.checksum);
    assert_eq!(
        replaced
            .get(&matcher::norm::keys::icd("A01.000x002").unwrap())
            .map(|t| t.code.as_str()),
        Some("A01.100"),
        "ids {} → {}",
        dx2.id,
        dx3.id
    );
}

#[test]
fn the_table_outweighs_a_row_of_the_same_code_and_name() {
    // Real correspondence: the 临床版 C34.800x001 右肺中上叶恶性肿瘤 is the
    // 医保版 C34.801 肺中上叶恶性肿瘤, although 医保版 has a C34.800x001 of
    // that very name. A hospital holding the 临床版 follows the table.
    let rows = [
        ("C34.800x001", "右肺中上叶恶性肿瘤"),
        ("C34.801", "肺中上叶恶性肿瘤"),
    ];
    let (m, _t) = common::diagnoses_of(&rows);
    let mut e = Entry::new(
        "C34.800x001",
        "右肺中上叶恶性肿瘤",
        Detail::empty(Category::Crosswalk),
    );
    e.detail
        .set("target_code", FieldValue::Text("C34.801".into()));
    let m = m.with_crosswalk(Arc::new(Crosswalk::from_entries("2.0", [e])));
    let r = m.match_item(&item("右肺中上叶恶性肿瘤", "C34.800x001"), 5);
    assert_eq!(r.candidates[0].code, "C34.801", "{:?}", r.candidates);
    assert_eq!(r.tier, Tier::High, "{}", r.reason);
}
