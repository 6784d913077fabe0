//! Streaming behaviour that a whole-sheet load cannot have: a sheet broken
//! below its first rows does not stop the choice of another sheet, and rows
//! above a break in the chosen sheet arrive before the fatal error.

use super::super::{open, TableOptions};
use rust_xlsxwriter::Workbook;
use std::io::{Read, Write};
use std::path::Path;

fn known() -> TableOptions {
    TableOptions {
        known_headers: vec!["项目编码".into(), "项目名称".into()],
        ..TableOptions::default()
    }
}

/// Sheet 1 "说明": 60 lines of text; sheet 2 "总表": a title, a header, 100 items.
fn workbook(path: &Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("说明").unwrap();
    for i in 0..60 {
        ws.write_string(i, 0, format!("说明第{i}行")).unwrap();
    }
    let ws = wb.add_worksheet();
    ws.set_name("总表").unwrap();
    ws.write_string(0, 0, "医疗服务项目").unwrap();
    ws.write_string(1, 0, "项目编码").unwrap();
    ws.write_string(1, 1, "项目名称").unwrap();
    for i in 0..100u32 {
        ws.write_string(i + 2, 0, format!("0011{i:05}")).unwrap();
        ws.write_string(i + 2, 1, format!("项目{i}")).unwrap();
    }
    wb.save(path).unwrap();
}

/// Copy the workbook with `entry` cut off just before `<row r="{row}"`.
fn truncate(src: &Path, dst: &Path, entry: &str, row: u32) {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(src).unwrap()).unwrap();
    let mut z = zip::ZipWriter::new(std::fs::File::create(dst).unwrap());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == entry {
            let marker = format!("<row r=\"{row}\"");
            let text = String::from_utf8(bytes).unwrap();
            let at = text.find(&marker).expect("row marker");
            bytes = text.as_bytes()[..at].to_vec();
        }
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();
}

#[test]
fn a_sheet_broken_below_its_first_rows_does_not_stop_choosing_another() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good.xlsx");
    workbook(&good);
    let bad = d.path().join("bad.xlsx");
    // Only the first rows of 说明 are read to score its header.
    truncate(&good, &bad, "xl/worksheets/sheet1.xml", 45);
    let t = open(&bad, &known()).unwrap();
    assert_eq!(t.sheet.as_deref(), Some("总表"));
    assert_eq!(t.header_row, 2);
    let rows: Vec<_> = t.collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(rows.len(), 100);
    assert_eq!((rows[0].row, rows[0].cells[0].as_str()), (3, "001100000"));
    assert_eq!(rows[99].row, 102);
}

#[test]
fn rows_above_a_break_arrive_before_the_fatal_error() {
    let d = tempfile::tempdir().unwrap();
    let good = d.path().join("good.xlsx");
    workbook(&good);
    let bad = d.path().join("bad.xlsx");
    truncate(&good, &bad, "xl/worksheets/sheet2.xml", 60);
    let items: Vec<_> = open(&bad, &known()).unwrap().collect();
    let (last, rows) = items.split_last().unwrap();
    // Row 59 was being read when the XML ended: it is the row reported broken.
    assert_eq!(rows.len(), 56, "rows 3..=58");
    assert!(rows.iter().all(|r| r.is_ok()));
    let e = last.as_ref().unwrap_err();
    assert!(e.fatal, "{e}");
    assert_eq!((e.row, e.sheet.as_deref()), (59, Some("总表")));
    assert!(e.reason.contains("损坏"), "{}", e.reason);
}
