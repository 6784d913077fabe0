//! data/dicts/drug_generics.csv rows marked `real` were extracted from the real
//! rule workbooks in ../shared/data/real. When those are present, check that
//! every such row is backed by a real national code with that generic name.

use calamine::{open_workbook_auto, Reader};
use std::path::Path;

#[test]
fn real_generic_rows_come_from_real_national_codes() {
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/real");
    let books: Vec<_> = std::fs::read_dir(&real)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
                .collect()
        })
        .unwrap_or_default();
    if books.is_empty() {
        eprintln!("skipped: no workbooks under {}", real.display());
        return;
    }
    // (code, name) pairs from sheet 2 (药品通用名, 序号, 国标代码, 限定类型).
    let mut pairs: Vec<(String, String)> = Vec::new();
    for b in &books {
        let mut wb = open_workbook_auto(b).unwrap();
        for sheet in wb.sheet_names() {
            let range = wb.worksheet_range(&sheet).unwrap();
            for row in range.rows() {
                if row.len() >= 3 {
                    let code = row[2].to_string();
                    if code.starts_with('X') || code.starts_with('Z') {
                        pairs.push((code, row[0].to_string()));
                    }
                }
            }
        }
    }
    assert!(pairs.len() > 5000, "only {} real codes read", pairs.len());
    let dict = include_str!("../../data/dicts/drug_generics.csv");
    let mut n = 0;
    for line in dict.lines().skip(1).filter(|l| l.starts_with("real,")) {
        let f: Vec<&str> = line.split(',').collect();
        let prefix = format!("{}{}{}", f[1], f[2], f[3]);
        let generic = f[4];
        assert!(
            pairs.iter().any(|(c, name)| c.starts_with(&prefix)
                && name.replace("注射用", "").starts_with(generic)),
            "{line}: no real code {prefix}… named {generic}"
        );
        n += 1;
    }
    assert!(n > 600, "only {n} real rows");
}
