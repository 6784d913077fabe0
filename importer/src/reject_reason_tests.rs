//! Reject reasons are the clerk's to act on: Chinese by default (English is
//! the CLI's `--lang en`, checked end to end), each naming row and column.

use super::*;

/// Has a CJK character and no run of three ASCII letters outside the quoted
/// value, the code and the named columns (those are the user's own text).
fn is_chinese(reason: &str, allowed: &[&str]) -> bool {
    let mut t = reason.to_string();
    for a in allowed {
        t = t.replace(a, "");
    }
    let cjk = t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let mut run = 0;
    let english = t.chars().any(|c| {
        run = if c.is_ascii_alphabetic() { run + 1 } else { 0 };
        run >= 3
    });
    cjk && !english
}

#[test]
fn every_importer_message_has_both_languages() {
    assert_eq!(crate::LOCALE.incomplete(), Vec::<String>::new());
}

#[test]
fn a_bad_file_is_rejected_with_chinese_reasons_naming_row_and_column() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("坏目录.csv");
    std::fs::write(
        &p,
        "诊断代码,诊断名称,有效标志,开始日期\n\
         A00.000x001,霍乱,1,2026-01-01\n\
         ,无编码,1,\n\
         A01.001,,1,\n\
         A02.000,伤寒,maybe,\n\
         A03.000,痢疾,1,soon\n\
         A00.000x001,重复,1,\n\
         A05.000,中毒,1,,多余\n",
    )
    .unwrap();
    let base = d.path().join("rej");
    let mut store = Store::open_in_memory().unwrap();
    let e = import_into(
        &mut store,
        &p.display().to_string(),
        &ImportOptions {
            rejects: RejectOutput::Files(base.clone()),
            ..Default::default()
        },
        &|_| {},
    )
    .unwrap_err();
    // The whole-import message is Chinese too.
    assert!(is_chinese(&e.to_string(), &[]), "not Chinese: {e}");
    let s = e.summary().unwrap();
    let got: Vec<(u64, Option<&str>)> = s
        .rejects
        .iter()
        .map(|r| (r.row, r.column.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (3, Some("诊断代码")),
            (4, Some("诊断名称")),
            (5, Some("有效标志")),
            (6, Some("开始日期")),
            (7, Some("诊断代码")),
            (8, None),
        ]
    );
    for r in &s.rejects {
        assert!(
            is_chinese(&r.reason, &["A00.000x001"]),
            "row {}: not Chinese: {}",
            r.row,
            r.reason
        );
        // The one-line form names the row in Chinese as well.
        let line = r.to_string();
        assert!(line.contains(&format!("第{}行", r.row)), "{line}");
        if let Some(c) = &r.column {
            assert!(line.contains(&format!("{c}列")), "{line}");
        }
    }
    assert_eq!(s.rejects[0].reason, "编码为空");
    assert!(
        s.rejects[4].reason.contains("第2行已有"),
        "{}",
        s.rejects[4].reason
    );
    // The reject file carries the same reasons under Chinese headers.
    let csv = std::fs::read_to_string(crate::rejects::with_suffix(&base, "csv")).unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("文件,工作表,行号,列,值,原因,"),
        "{csv}"
    );
    assert!(csv.contains(",5,有效标志,maybe,有效标志应为"), "{csv}");
}
