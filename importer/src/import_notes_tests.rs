//! Note/section rows are counted apart from rejects; a source broken
//! part-way still hands back the rejects seen before the break.

use super::*;
use crate::table::NoteKind;
use catalog_core::Store;

const HEADER: &str = "药品代码,注册名称,规格,生产企业";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn drug_opts() -> ImportOptions {
    ImportOptions {
        kind: Some(Category::Drug),
        ..Default::default()
    }
}

#[test]
fn notes_and_sections_are_counted_apart_and_missing_codes_stay_rejects() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "江西省医保药品分类与代码\n{HEADER}\n\
         一、西药,,,\n\
         XA01ABD075A002010100483,阿莫西林胶囊,0.25g,华北制药\n\
         ,第二部分 中成药,,\n\
         ZA01AAA0001010100001,感冒清热颗粒,12g,同仁堂\n\
         ,头孢克肟片,0.1g,白云山\n\
         ,注射用青霉素钠,,\n\
         注：1. 本目录按药品代码排序,,,\n\
         合计,2,,\n\
         数据来源：国家医保局,,,\n\
         ,,,制表人：张三\n"
    );
    let p = write(d.path(), "drug.csv", &text);
    let mut store = Store::open_in_memory().unwrap();
    // Without notes apart, 6 of 10 rows would be rejects and the import would fail.
    let s = import_into(&mut store, &p, &drug_opts(), &|_| {}).unwrap_err();
    let ImportError::TooManyRejected(s) = s else {
        panic!("{s}")
    };
    assert_eq!((s.read, s.imported, s.rejected, s.notes), (10, 0, 2, 6));
    let opts = ImportOptions {
        max_reject: 0.5,
        ..drug_opts()
    };
    let s = import_into(&mut store, &p, &opts, &|_| {}).unwrap();
    assert_eq!((s.read, s.imported, s.rejected, s.notes), (10, 2, 2, 6));
    assert_eq!(s.read, s.imported + s.rejected + s.notes);
    // A data row lacking its code, and a lone name, stay rejects.
    let rej: Vec<(u64, &str)> = s
        .rejects
        .iter()
        .map(|r| (r.row, r.reason.as_str()))
        .collect();
    assert_eq!(rej[0], (7, "编码为空"));
    assert_eq!(rej[1], (8, "编码为空"));
    let notes: Vec<(u64, NoteKind, &str)> = s
        .note_rows
        .iter()
        .map(|n| (n.row, n.kind, n.text.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            (3, NoteKind::Section, "一、西药"),
            (5, NoteKind::Section, "第二部分 中成药"),
            (9, NoteKind::Note, "注：1. 本目录按药品代码排序"),
            (10, NoteKind::Total, "合计 2"),
            (11, NoteKind::Note, "数据来源：国家医保局"),
            (12, NoteKind::Note, "制表人：张三"),
        ]
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["notes"], 6);
    assert_eq!(json["note_rows"][3]["text"], "合计 2");
    assert_eq!(json["note_rows"][3]["kind"], "total");
}

#[test]
fn a_note_word_in_a_real_data_row_is_not_a_note() {
    let d = tempfile::tempdir().unwrap();
    // A filled code column beside a marker-like name: data (here a bad code).
    let text = format!("{HEADER}\nXA01ABD075A002010100483,阿莫西林胶囊,0.25g,华北\nBAD,备注,,\n");
    let p = write(d.path(), "drug.csv", &text);
    let mut store = Store::open_in_memory().unwrap();
    let e = import_into(&mut store, &p, &drug_opts(), &|_| {}).unwrap_err();
    let ImportError::TooManyRejected(s) = e else {
        panic!("{e}")
    };
    assert_eq!((s.read, s.rejected, s.notes), (2, 1, 0));
    assert_eq!(s.rejects[0].row, 3);
}

#[test]
fn a_file_of_notes_only_has_no_data_rows() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "n.csv", &format!("{HEADER}\n注：本期无变化,,,\n"));
    let mut store = Store::open_in_memory().unwrap();
    let e = import_into(&mut store, &p, &drug_opts(), &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("no data rows"), "{e}");
}

#[test]
fn reimbursement_category_lines_are_sections() {
    let d = tempfile::tempdir().unwrap();
    let text = "药品分类代码,药品分类,甲乙类,编号,药品名称,剂型,备注\n\
                XA,消化道和代谢方面的药物,,,,,\n\
                XA02A,抗酸药,甲,1,铝碳酸镁,咀嚼片,\n\
                XA02A,,乙,,,颗粒剂,\n";
    let p = write(d.path(), "r.csv", text);
    let mut store = Store::open_in_memory().unwrap();
    let opts = ImportOptions {
        kind: Some(Category::Reimbursement),
        max_reject: 0.5,
        ..Default::default()
    };
    let s = import_into(&mut store, &p, &opts, &|_| {}).unwrap();
    assert_eq!((s.read, s.imported, s.rejected, s.notes), (3, 1, 1, 1));
    assert_eq!(s.note_rows[0].text, "XA 消化道和代谢方面的药物");
    // Three filled cells without 编号 or name: a broken row, not a heading.
    assert_eq!(s.rejects[0].row, 4);
}

#[test]
fn rejects_seen_before_a_broken_source_are_handed_back() {
    let d = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let good = write(d.path(), "dx.csv", "诊断代码,诊断名称\nA00.000x001,霍乱\n");
    import_into(&mut store, &good, &ImportOptions::default(), &|_| {}).unwrap();
    let before = store.versions().unwrap();
    let mut x = String::from("<?xml version=\"1.0\"?>\n<catalog>\n");
    x.push_str("<row><诊断代码>A01.000</诊断代码><诊断名称>伤寒</诊断名称></row>\n");
    x.push_str("<row><诊断代码>A0</诊断代码><诊断名称>坏码</诊断名称></row>\n");
    x.push_str("<row><诊断代码>B00.000</诊断代码><诊断名称>坏</诊断代码></row>\n");
    x.push_str("</catalog>\n");
    let p = write(d.path(), "dx.xml", &x);
    let opts = ImportOptions {
        label: Some("dx".into()),
        replace: true,
        max_reject: 1.0,
        ..Default::default()
    };
    let e = import_into(&mut store, &p, &opts, &|_| {}).unwrap_err();
    let ImportError::Broken { error, summary } = &e else {
        panic!("{e}")
    };
    assert!(error.reason.contains("XML 格式错误"), "{}", error.reason);
    let rows: Vec<u64> = summary.rejects.iter().map(|r| r.row).collect();
    assert_eq!(rows.len(), 2, "{:?}", summary.rejects);
    assert_eq!(summary.rejects[0].value.as_deref(), Some("A0"));
    assert!(summary.rejects[1].fatal);
    assert!(!summary.committed);
    assert_eq!(store.versions().unwrap(), before);
}

#[test]
fn a_json_array_broken_part_way_reports_the_elements_before_it() {
    let d = tempfile::tempdir().unwrap();
    let text = r#"[
 {"诊断代码":"A00.000x001","诊断名称":"霍乱"},
 {"诊断代码":"A0","诊断名称":"坏码"},
 {"诊断代码":"A01.001","诊断名称":"伤寒"},
 {"诊断代码":"B00.000" "诊断名称":"缺逗号"},
 {"诊断代码":"C00.000","诊断名称":"后"}
]"#;
    let p = write(d.path(), "dx.json", text);
    let mut store = Store::open_in_memory().unwrap();
    let opts = ImportOptions {
        max_reject: 1.0,
        ..Default::default()
    };
    let e = import_into(&mut store, &p, &opts, &|_| {}).unwrap_err();
    let ImportError::Broken { error, summary } = &e else {
        panic!("{e}")
    };
    assert_eq!(error.row, 4);
    assert!(error.reason.contains("line 5"), "{}", error.reason);
    assert!(error.reason.contains("此前已读 3 行"), "{}", error.reason);
    let rows: Vec<u64> = summary.rejects.iter().map(|r| r.row).collect();
    assert_eq!(rows, [2, 4]);
    assert!(store.versions().unwrap().is_empty());
}

#[test]
fn rejects_seen_before_a_store_failure_are_handed_back() {
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("mulu.db");
    let mut store = Store::open(&db).unwrap();
    let good = write(d.path(), "dx.csv", "诊断代码,诊断名称\nA00.000x001,霍乱\n");
    import_into(&mut store, &good, &ImportOptions::default(), &|_| {}).unwrap();
    let before = store.versions().unwrap();
    // The store fails on one row, as a full disk or a damaged page would.
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON entries WHEN NEW.code = 'ZA01AAA0001010100001'
             BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END;",
        )
        .unwrap();
    let text = format!(
        "{HEADER}\nXA01ABD075A002010100483,阿莫西林胶囊,0.25g,华北制药\n\
         XA0,坏码,1g,某厂\n\
         ZA01AAA0001010100001,感冒清热颗粒,12g,同仁堂\n"
    );
    let p = write(d.path(), "drug.csv", &text);
    let opts = ImportOptions {
        max_reject: 1.0,
        ..drug_opts()
    };
    let e = import_into(&mut store, &p, &opts, &|_| {}).unwrap_err();
    let ImportError::StoreFailed { error, summary } = &e else {
        panic!("{e}")
    };
    assert!(
        error.to_string().contains("simulated write failure"),
        "{error}"
    );
    assert_eq!(summary.rejects.len(), 1, "{:?}", summary.rejects);
    assert_eq!(summary.rejects[0].row, 3);
    assert_eq!(summary.rejects[0].value.as_deref(), Some("XA0"));
    assert!(!summary.committed);
    assert_eq!(store.versions().unwrap(), before);
}
