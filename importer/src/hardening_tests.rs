//! The defect report of 2026-12 (issue #14), one test per case: hostile or
//! odd input is bounded, named and accounted for.

use super::*;
use crate::error::ImportError;
use crate::limits::Limits;
use catalog_core::Store;
use std::io::Write;

const HEADER: &str = "药品代码,注册名称,规格,生产企业";
const GOOD: &str = "XA01ABD075A002010100483,阿莫西林胶囊,0.25g,华北制药";

fn code(i: usize) -> String {
    format!("XA01ABD075A0020101{i:05}")
}

fn rows(n: usize) -> String {
    (0..n)
        .map(|i| format!("{},药{i},0.25g,华北制药\n", code(i)))
        .collect()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn drug(max_reject: f64) -> ImportOptions {
    ImportOptions {
        kind: Some(Category::Drug),
        max_reject,
        ..Default::default()
    }
}

fn import(p: &str, opts: &ImportOptions) -> Result<ImportSummary, ImportError> {
    let mut store = Store::open_in_memory().unwrap();
    import_into(&mut store, p, opts, &|_| {})
}

/// A minimal xlsx whose sheet XML is `sheet_data` (the `<row>` elements).
fn raw_xlsx(path: &Path, sheets: &[(&str, bool, String)]) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, text: &str| {
        z.start_file(name, o).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    };
    let mut ct = String::from(
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
    );
    let mut wb = String::from(
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, hidden, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        ct.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        let state = if *hidden { r#" state="hidden""# } else { "" };
        wb.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}"{state} r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
    }
    ct.push_str("</Types>");
    wb.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    put("[Content_Types].xml", &ct);
    put(
        "_rels/.rels",
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put("xl/workbook.xml", &wb);
    put("xl/_rels/workbook.xml.rels", &rels);
    for (i, (_, _, data)) in sheets.iter().enumerate() {
        put(
            &format!("xl/worksheets/sheet{}.xml", i + 1),
            &format!(
                r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            ),
        );
    }
    z.finish().unwrap();
}

fn c(r: &str, t: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>"#)
}

fn sheet_rows(n: usize) -> String {
    let mut s = format!(
        r#"<row r="1">{}{}</row>"#,
        c("A1", "药品代码"),
        c("B1", "注册名称")
    );
    for i in 0..n {
        let r = i + 2;
        s.push_str(&format!(
            r#"<row r="{r}">{}{}</row>"#,
            c(&format!("A{r}"), &code(i)),
            c(&format!("B{r}"), "药")
        ));
    }
    s
}

fn assert_balanced(s: &ImportSummary) {
    assert!(
        s.balanced(),
        "read {} != imported {} + valid {} + rejected {} + notes {}",
        s.read,
        s.imported,
        s.valid,
        s.rejected,
        s.notes
    );
}

// D2: a far-right cell reference never sizes an allocation; the row is a reject naming the limit.
#[test]
fn d2_a_cell_beyond_xfd_rejects_its_row_instead_of_allocating_gigabytes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("colbomb.xlsx");
    let mut data = sheet_rows(2);
    data.push_str(&format!(
        r#"<row r="4">{}{}</row><row r="5">{}{}</row>"#,
        c("A4", &code(7)),
        c("ZZZZZZ4", "x"),
        c("A5", &code(8)),
        c("ZZZZZZZ5", "x")
    ));
    raw_xlsx(&p, &[("S", false, data)]);
    let s = import(p.to_str().unwrap(), &drug(1.0)).unwrap();
    assert_eq!((s.read, s.imported, s.rejected), (4, 2, 2));
    let r = &s.rejects[0];
    assert_eq!(r.row, 4);
    assert!(
        r.reason.contains("max_columns") && r.reason.contains("ZZZZZZ4"),
        "{}",
        r.reason
    );
    assert_eq!(r.limit.as_ref().map(|h| h.limit), Some("max_columns"));
    assert_balanced(&s);
}

// Note: rows numbered past 1,048,576 are not accepted silently.
#[test]
fn a_row_numbered_past_excels_last_row_is_rejected() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("tall.xlsx");
    let mut data = sheet_rows(2);
    data.push_str(&format!(
        r#"<row r="1048577">{}{}</row>"#,
        c("A1048577", &code(9)),
        c("B1048577", "药")
    ));
    raw_xlsx(&p, &[("S", false, data)]);
    let s = import(p.to_str().unwrap(), &drug(1.0)).unwrap();
    assert_eq!((s.imported, s.rejected), (2, 1));
    assert!(
        s.rejects[0].reason.contains("max_rows"),
        "{}",
        s.rejects[0].reason
    );
}

// Note: a hidden sheet that wins the header match is named as hidden.
#[test]
fn a_hidden_sheet_read_is_named_in_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("hidden.xlsx");
    let junk = format!(r#"<row r="1">{}</row>"#, c("A1", "说明"));
    raw_xlsx(&p, &[("封面", false, junk), ("数据", true, sheet_rows(2))]);
    let s = import(p.to_str().unwrap(), &drug(0.0)).unwrap();
    assert_eq!(s.sheet.as_deref(), Some("数据"));
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("'数据'") && w.contains("hidden")),
        "{:?}",
        s.warnings
    );
}

// D15 (xlsx): a cell that fails to parse is reported on its own row, by reference.
#[test]
fn d15_a_bad_xlsx_cell_is_reported_on_its_row_with_its_reference() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("badcell.xlsx");
    let mut data = sheet_rows(38); // rows 2..=39
    data.push_str(r#"<row r="40"><c r="A40" t="n"><v>abc</v></c></row>"#);
    raw_xlsx(&p, &[("S", false, data)]);
    let e = import(p.to_str().unwrap(), &drug(1.0)).unwrap_err();
    let ImportError::Broken { error, summary } = &e else {
        panic!("{e}")
    };
    assert_eq!(error.row, 40, "{error}");
    assert!(error.reason.contains("A40"), "{error}");
    assert!(error.reason.contains("此前已读 38 行"), "{error}");
    assert_balanced(summary);
}

// D4: nothing valid means nothing committed, whatever max_reject allows.
#[test]
fn d4_an_import_with_no_valid_row_commits_nothing() {
    let d = tempfile::tempdir().unwrap();
    let bad: String = (0..5).map(|i| format!("BAD{i},药,1g,厂\n")).collect();
    let p = write(d.path(), "allbad.csv", format!("{HEADER}\n{bad}"));
    let mut store = Store::open_in_memory().unwrap();
    let e = import_into(&mut store, &p, &drug(1.0), &|_| {}).unwrap_err();
    let ImportError::NoValidRows(s) = &e else {
        panic!("{e}")
    };
    assert_eq!((s.read, s.imported, s.valid, s.rejected), (5, 0, 0, 5));
    assert!(e.to_string().contains("没有有效行"), "{e}");
    assert!(store.versions().unwrap().is_empty());
}

// D17: a refused import says how many rows were valid but not imported.
#[test]
fn d17_a_refused_import_adds_up_with_valid_rows() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "some.csv",
        format!("{HEADER}\n{GOOD}\nBAD,药,1g,厂\n{}", rows(3)),
    );
    let e = import(&p, &drug(0.0)).unwrap_err();
    let ImportError::TooManyRejected(s) = &e else {
        panic!("{e}")
    };
    assert_eq!((s.read, s.imported, s.valid, s.rejected), (5, 0, 4, 1));
    assert_balanced(s);
    let j = serde_json::to_value(&**s).unwrap();
    assert_eq!(j["valid"], 4);
}

// D5: a reject file that cannot be written is a warning on a committed import.
#[test]
fn d5_an_unwritable_reject_file_never_fails_a_committed_import() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "one_bad.csv",
        format!("{HEADER}\n{}BAD,药,1g,厂\n", rows(3)),
    );
    let blocker = d.path().join("not_a_dir");
    std::fs::write(&blocker, "x").unwrap();
    let opts = ImportOptions {
        rejects: RejectOutput::Files(blocker.join("r")),
        ..drug(0.5)
    };
    let s = import(&p, &opts).unwrap();
    assert!(s.committed);
    assert_eq!((s.imported, s.rejected), (3, 1));
    assert!(s.rejects_csv.is_none());
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("could not be written")),
        "{:?}",
        s.warnings
    );
}

// D5: a long label gets a reject file name the file system accepts.
#[test]
fn d5_a_long_label_still_gets_its_reject_files() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "x.csv",
        format!("{HEADER}\n{}BAD,药,1g,厂\n", rows(3)),
    );
    let opts = ImportOptions {
        label: Some("药".repeat(100)),
        rejects: RejectOutput::Dir(d.path().join("rej")),
        ..drug(0.5)
    };
    let s = import(&p, &opts).unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let csv = s.rejects_csv.unwrap();
    assert!(std::fs::read_to_string(&csv).unwrap().contains("BAD"));
}

// D18: the labels HTTP refuses are refused here too, before anything is read.
#[test]
fn d18_bad_labels_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "x.csv", format!("{HEADER}\n{}", rows(2)));
    for bad in ["", "   ", "line1\nline2", "a\u{202E}b"] {
        let opts = ImportOptions {
            label: Some(bad.into()),
            ..drug(0.0)
        };
        let e = import(&p, &opts).unwrap_err();
        assert!(matches!(e, ImportError::Label(_)), "{bad:?}: {e}");
    }
}

// D6: field names are collected in linear time and capped.
#[test]
fn d6_an_xml_record_with_too_many_distinct_fields_names_the_limit() {
    let d = tempfile::tempdir().unwrap();
    let fields: String = (0..12_000).map(|i| format!("<f{i}>v</f{i}>")).collect();
    let xml = format!(
        "<?xml version=\"1.0\"?><data><row><药品代码>{}</药品代码><注册名称>x</注册名称>{fields}</row><row><药品代码>{}</药品代码><注册名称>y</注册名称></row></data>",
        code(1),
        code(2)
    );
    let p = write(d.path(), "wide.xml", &xml);
    let e = import(&p, &drug(0.0)).unwrap_err();
    assert_eq!(
        e.limit_hit().map(|h| h.limit),
        Some("max_field_names"),
        "{e}"
    );
    // Under the cap, a wide record still reads (the set makes it linear).
    let opts = ImportOptions {
        limits: Limits {
            max_field_names: 20_000,
            ..Limits::default()
        },
        ..drug(0.0)
    };
    let s = import(&p, &opts).unwrap();
    assert_eq!(s.imported, 2);
}

// D9: rejects beyond the kept number are counted and streamed, not held.
#[test]
fn d9_rejects_past_the_kept_number_are_streamed_to_the_csv() {
    let d = tempfile::tempdir().unwrap();
    let bad: String = (0..3000).map(|i| format!("BAD{i},药,1g,厂\n")).collect();
    let p = write(d.path(), "rej.csv", format!("{HEADER}\n{}{bad}", rows(1)));
    let opts = ImportOptions {
        rejects: RejectOutput::Files(d.path().join("out")),
        limits: Limits {
            max_rejects_kept: 100,
            ..Limits::default()
        },
        ..drug(1.0)
    };
    let s = import(&p, &opts).unwrap();
    assert_eq!((s.imported, s.rejected, s.rejects.len()), (1, 3000, 100));
    let csv = std::fs::read_to_string(s.rejects_csv.unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 3001);
    assert!(csv.contains("BAD2999"));
}

// D9: one endless line is cut at the record budget, the limit named.
#[test]
fn d9_a_line_past_max_record_bytes_breaks_the_source_naming_the_limit() {
    let d = tempfile::tempdir().unwrap();
    let long = ",".repeat(3 << 20);
    let p = write(
        d.path(),
        "long.csv",
        format!("{HEADER}\n{}{long}\n", rows(40)),
    );
    let e = import(&p, &drug(1.0)).unwrap_err();
    let ImportError::Broken { error, summary } = &e else {
        panic!("{e}")
    };
    assert_eq!(
        e.limit_hit().map(|h| h.limit),
        Some("max_record_bytes"),
        "{e}"
    );
    assert_eq!(error.row, 42);
    assert!(e.to_string().len() < 1000);
    assert_balanced(summary);
    // Within the header scan it is a read error naming the limit.
    let p = write(d.path(), "long2.csv", format!("{HEADER}\n{long}\n"));
    let e = import(&p, &drug(1.0)).unwrap_err();
    assert_eq!(
        e.limit_hit().map(|h| h.limit),
        Some("max_record_bytes"),
        "{e}"
    );
}

// D9: too many cells, or a cell too long, make a reject, the limit named.
#[test]
fn d9_cells_over_the_limits_are_rejects() {
    let d = tempfile::tempdir().unwrap();
    let wide = format!("{},x{}", code(5), ",y".repeat(20_000));
    let big = format!("{},{},1g,厂", code(6), "阿".repeat(50_000));
    let p = write(
        d.path(),
        "cells.csv",
        format!("{HEADER}\n{}{wide}\n{big}\n", rows(2)),
    );
    let s = import(&p, &drug(1.0)).unwrap();
    assert_eq!((s.imported, s.rejected), (2, 2));
    let limits: Vec<_> = s
        .rejects
        .iter()
        .map(|r| r.limit.as_ref().map(|h| h.limit))
        .collect();
    assert_eq!(
        limits,
        [Some("max_cells_per_record"), Some("max_cell_bytes")]
    );
    assert!(s.rejects[0].cells.len() <= 16_384);
}

fn zip_with(path: &Path, name: &str, chunks: impl Iterator<Item = Vec<u8>>) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default().large_file(true);
    z.start_file(name, o).unwrap();
    for c in chunks {
        z.write_all(&c).unwrap();
    }
    z.finish().unwrap();
}

fn leftover_temp_files() -> Vec<PathBuf> {
    let prefix = format!("mulu-13xx-{}-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
        })
        .collect()
}

fn no_new_temp_files(before: &[PathBuf]) {
    // Other tests of this process may hold one for a moment.
    for _ in 0..50 {
        if leftover_temp_files().iter().all(|p| before.contains(p)) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("a 13xx temp file was left: {:?}", leftover_temp_files());
}

// D10: a 13xx member past the unpacked-size limit fails naming it; no temp file is left.
#[test]
fn d10_a_zip_member_past_max_unpacked_bytes_fails_and_leaves_no_temp_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("bomb.zip");
    let line = vec![b'\t'; 100]
        .into_iter()
        .chain([b'\n'])
        .collect::<Vec<u8>>();
    zip_with(&p, "1301.txt", (0..30_000).map(|_| line.clone()));
    let before = leftover_temp_files();
    let opts = ImportOptions {
        limits: Limits {
            max_unpacked_bytes: 1 << 20,
            ..Limits::default()
        },
        ..Default::default()
    };
    let e = import(p.to_str().unwrap(), &opts).unwrap_err();
    assert_eq!(
        e.limit_hit().map(|h| h.limit),
        Some("max_unpacked_bytes"),
        "{e}"
    );
    no_new_temp_files(&before);
}

// D10: a member unpacking far past its packed size is a bomb, whatever its absolute size.
#[test]
fn d10_a_zip_member_past_the_unpack_ratio_fails() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("ratio.zip");
    let chunk = vec![b'\t'; 1 << 20];
    zip_with(&p, "1301.txt", (0..70).map(|_| chunk.clone()));
    let before = leftover_temp_files();
    let e = import(p.to_str().unwrap(), &ImportOptions::default()).unwrap_err();
    assert_eq!(
        e.limit_hit().map(|h| h.limit),
        Some("max_unpack_ratio"),
        "{e}"
    );
    no_new_temp_files(&before);
}

// D14: one GBK row in a UTF-8 file is that row's reject, not a file of mojibake.
#[test]
fn d14_one_gbk_row_in_a_utf8_file_is_one_reject() {
    let d = tempfile::tempdir().unwrap();
    let mut bytes = format!("{HEADER}\n{}", rows(50)).into_bytes();
    let line = format!("{},头孢克肟,0.1g,白云山\n", code(99));
    let (gbk, _, _) = encoding_rs::GBK.encode(&line);
    bytes.extend_from_slice(&gbk);
    bytes.extend_from_slice(
        rows(3)
            .replace("XA01ABD075A0020101000", "XA01ABD075A0020101100")
            .as_bytes(),
    );
    let p = write(d.path(), "one_gbk_row.csv", &bytes);
    let s = import(&p, &drug(0.5)).unwrap();
    assert_eq!(s.encoding.as_deref(), Some("UTF-8"));
    assert_eq!((s.imported, s.rejected), (53, 1));
    assert_eq!(s.rejects[0].row, 52);
    assert_eq!(s.rejects[0].column.as_deref(), Some("注册名称"));
}

// D14: a GBK header over UTF-8 rows: no column is known as UTF-8, so the
// error names the other encoding instead of listing mojibake as "found".
#[test]
fn d14_a_header_readable_only_in_the_other_encoding_is_named() {
    let d = tempfile::tempdir().unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode(HEADER);
    let mut bytes = gbk.into_owned();
    bytes.push(b'\n');
    bytes.extend_from_slice(rows(40).as_bytes());
    let p = write(d.path(), "gbk_header.csv", &bytes);
    let e = import(&p, &drug(0.5)).unwrap_err().to_string();
    assert!(e.contains("gbk_header.csv"), "{e}");
    assert!(e.contains("按 GB18030 读取则能识别"), "{e}");
    assert!(e.contains("药品代码"), "{e}");
}

// D14: Excel's "Unicode text" (UTF-16LE with BOM, TAB-separated) imports.
#[test]
fn d14_utf16_text_with_a_bom_imports() {
    let d = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}\n{}", rows(3)).replace(',', "\t");
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let p = write(d.path(), "unicode.txt", &bytes);
    let s = import(&p, &drug(0.0)).unwrap();
    assert_eq!(s.encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(s.imported, 3);
    assert_eq!(s.header[0], "药品代码");
}

// D15 (CSV): with CR-only line ends, rows are numbered by their line.
#[test]
fn d15_cr_only_line_ends_number_rows_right() {
    let d = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}\n{}BAD,药,1g,厂\n", rows(39)).replace('\n', "\r");
    let p = write(d.path(), "cr_only.csv", &text);
    let s = import(&p, &drug(0.5)).unwrap();
    assert_eq!((s.imported, s.rejected), (39, 1));
    assert_eq!(s.rejects[0].row, 41);
}

// D16: a JSON error before the first record is named, not a missing column.
#[test]
fn d16_json_broken_before_the_first_record_names_the_syntax_error() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "bad_utf8.json",
        b"[{\"\xe8\x8d\xaf\xe5\x93\x81\xe4\xbb\xa3\xe7\xa0\x81\":\"x\",\"n\":\"\xff\"}]",
    );
    let e = import(&p, &drug(0.0)).unwrap_err().to_string();
    assert!(e.contains("invalid JSON") && !e.contains("缺少"), "{e}");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let p = write(d.path(), "deep.json", deep);
    let e = import(&p, &drug(0.0)).unwrap_err().to_string();
    assert!(e.contains("recursion limit"), "{e}");
}

// D19: an unterminated quote that swallows the rest of the file says so.
#[test]
fn d19_an_unterminated_quote_is_named_with_the_lines_it_swallowed() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER}\n{}{},\"unterminated quote,1g,厂\n{}",
        rows(10),
        code(77),
        rows(20).replace("XA01ABD075A0020101000", "XA01ABD075A0020101200")
    );
    let p = write(d.path(), "quote.csv", &text);
    let s = import(&p, &drug(0.5)).unwrap();
    assert_eq!((s.imported, s.rejected), (10, 1));
    let r = &s.rejects[0];
    assert_eq!(r.row, 12);
    assert!(
        r.reason.contains("unterminated quote") && r.reason.contains("20 lines"),
        "{}",
        r.reason
    );
    // A record spanning more lines than max_record_lines, closed later, is named too.
    let text = format!(
        "{HEADER}\n{}{},\"{}\",1g,厂\n{}",
        rows(2),
        code(78),
        "多行\n".repeat(30),
        rows(2).replace("XA01ABD075A0020101000", "XA01ABD075A0020101300")
    );
    let p = write(d.path(), "quote2.csv", &text);
    let s = import(&p, &drug(0.5)).unwrap();
    assert_eq!((s.imported, s.rejected), (4, 1));
    assert!(
        s.rejects[0].reason.contains("max_record_lines"),
        "{}",
        s.rejects[0].reason
    );
}

// D20: an error about the header stays short whatever the header.
#[test]
fn d20_a_huge_header_is_not_echoed_whole() {
    let d = tempfile::tempdir().unwrap();
    let header: Vec<String> = (0..10_000).map(|i| format!("列名{i}")).collect();
    let p = write(d.path(), "wide.csv", format!("{}\n1,2\n", header.join(",")));
    let e = import(&p, &drug(0.0)).unwrap_err().to_string();
    assert!(
        e.contains("缺少“code (drug)”列") && e.len() < 4000,
        "{}",
        e.len()
    );
    let p = write(d.path(), "nul.csv", vec![0u8; 1 << 20]);
    let e = import(&p, &drug(0.0)).unwrap_err().to_string();
    assert!(e.len() < 4000, "{}", e.len());
}

// Found by the fuzzer: a header of 150,000 columns took seconds of alias
// matching before failing; it is refused at once, naming the limit.
#[test]
fn a_header_wider_than_max_cells_per_record_is_refused_at_once() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "wide_header.csv",
        format!("药品代码,注册名称{}\n{GOOD}\n", ",".repeat(20_000)),
    );
    let e = import(&p, &drug(1.0)).unwrap_err();
    assert_eq!(
        e.limit_hit().map(|h| h.limit),
        Some("max_cells_per_record"),
        "{e}"
    );
}
