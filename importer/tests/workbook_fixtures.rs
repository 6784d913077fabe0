//! xls and ods fixtures written by tests/fixtures/make_fixtures.py (xlwt, odfpy):
//! title row, header, four rows with one invalid code, a trailing note.

use catalog_core::{Category, Store};
use importer::{import_into, ImportError, ImportOptions};
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn check(name: &str, format: &str, sheet: &str) {
    let p = fixture(name);
    let mut store = Store::open_in_memory().unwrap();
    // The bad code fails the default import: nothing is stored.
    let e = import_into(&mut store, &p, &ImportOptions::default(), &|_| {}).unwrap_err();
    assert!(matches!(e, ImportError::TooManyRejected(_)), "{e}");
    assert!(store.versions().unwrap().is_empty());
    let opts = ImportOptions {
        max_reject: 0.5,
        ..Default::default()
    };
    let s = import_into(&mut store, &p, &opts, &|_| {}).unwrap();
    assert_eq!(s.category, Category::Diagnosis);
    assert_eq!(serde_json::to_value(s.format).unwrap(), format);
    assert_eq!(s.sheet.as_deref(), Some(sheet));
    assert_eq!(s.header, ["诊断代码", "诊断名称", "有效标志"]);
    assert_eq!((s.read, s.imported, s.rejected, s.notes), (5, 3, 1, 1));
    let r = &s.rejects[0];
    assert_eq!(
        (r.row, r.column.as_deref(), r.value.as_deref()),
        (6, Some("诊断代码"), Some("A0"))
    );
    assert_eq!(
        (s.note_rows[0].row, s.note_rows[0].text.as_str()),
        (9, "注：1. 本目录仅供测试")
    );
    let v = s.version.unwrap();
    let entries = store.entries(v.id).unwrap();
    let mut codes: Vec<(&str, &str, bool)> = entries
        .iter()
        .map(|e| (e.code.as_str(), e.name.as_str(), e.active))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            ("A00.000x001", "霍乱", true),
            ("A01.001", "伤寒", true),
            ("I10.x00", "高血压", false)
        ]
    );
}

#[test]
fn xls_fixture_imports_rows_rejects_the_bad_code_and_sets_the_note_aside() {
    check("diagnosis.xls", "xls", "诊断");
}

#[test]
fn ods_fixture_imports_rows_rejects_the_bad_code_and_sets_the_note_aside() {
    check("diagnosis.ods", "ods", "诊断");
}
