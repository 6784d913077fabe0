//! The review workbook as a work tool: drop-down, Chinese tiers, numeric
//! scores, frozen code and name, field pairs, alternatives, the 说明 sheet;
//! `review export` re-issues only what is left; a bad workbook writes nothing.

use crate::r#match::{setup, HIS};
use crate::util::{json, stderr, stdout, Env};
use std::io::Read;
use std::path::Path;

fn zip_text(p: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// Header and rows of a workbook or CSV, as `review apply` reads them.
fn read(p: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let opts = importer::table::TableOptions {
        known_headers: vec!["院内编码".into(), "审核结果".into()],
        ..Default::default()
    };
    let t = importer::table::open(p, &opts).unwrap();
    let header = t.header.clone();
    let rows = t.map(|r| r.unwrap().cells).collect();
    (header, rows)
}

#[test]
fn the_match_workbook_is_made_for_filling_in() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    let xl = env.path("m.xlsx");
    env.ok(&["match", &his, "--out", xl.to_str().unwrap()]);
    let sheet = zip_text(&xl, "xl/worksheets/sheet1.xml");
    // The drop-down on 审核结果 (column E) with the words review apply takes.
    assert!(
        sheet.contains("<dataValidation") && sheet.contains("sqref=\"E2:E"),
        "{sheet}"
    );
    assert!(sheet.contains("通过,驳回,存疑,替换,无对应"), "{sheet}");
    // Frozen: the header row and 行号…院内名称.
    assert!(sheet.contains(r#"xSplit="4" ySplit="1""#), "{sheet}");
    assert!(zip_text(&xl, "xl/workbook.xml").contains("name=\"说明\""));

    let (h, rows) = read(&xl);
    let col = |n: &str| {
        h.iter()
            .position(|x| x == n)
            .unwrap_or_else(|| panic!("{n} in {h:?}"))
    };
    let y1 = rows.iter().find(|r| r[col("院内编码")] == "Y001").unwrap();
    assert_eq!(y1[col("置信度")], "高");
    assert_eq!(y1[col("类别")], "西药中成药");
    // Scores are numbers in the sheet (no t="s" on the 得分 cell I2).
    assert!(sheet.contains(r#"<c r="I2" s="#) && !sheet.contains(r#"<c r="I2" t="s""#));
    let score: f64 = y1[col("得分")].parse().unwrap();
    assert!(score > 0.5, "{score}");
    // Field pairs side by side, alternatives in cells of their own.
    assert_eq!(col("目录规格"), col("院内规格") + 1);
    assert_eq!(y1[col("院内生产企业")], "联邦制药");
    assert!(y1[col("目录生产企业")].contains("珠海联邦"), "{y1:?}");
    assert!(
        y1[col("备选1编码")].starts_with("XJ01CAA040E00101"),
        "{y1:?}"
    );
    assert!(y1[col("备选1得分")].parse::<f64>().is_ok(), "{y1:?}");
    // The 批准文号 pair agrees: its catalogue cell is filled with a colour
    // (a style index other than the plain one).
    let cat_col = importer::table::column_letter(col("目录批准文号"));
    assert!(
        sheet.contains(&format!(r#"<c r="{cat_col}2" s="#)),
        "{sheet}"
    );

    // Filled in as is (nothing chosen), the workbook applies as all unchanged.
    let rep = json(&env.mulu(&["--json", "review", "apply", xl.to_str().unwrap()]));
    assert_eq!(
        (
            rep["unchanged"].as_u64(),
            rep["errors"].as_array().map(Vec::len)
        ),
        (Some(rep["rows"].as_u64().unwrap()), Some(0)),
        "{rep}"
    );
}

#[test]
fn review_export_reissues_only_the_undecided_and_flagged_and_round_trips() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    env.ok(&["review", "approve", "Y001", "--by", "张三"]);
    env.ok(&["review", "flag", "Y002", "--by", "张三"]);
    let out = env.path("left.csv");
    env.ok(&["review", "export", "--out", out.to_str().unwrap()]);
    let (h, rows) = read(&out);
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let mut codes: Vec<&str> = rows.iter().map(|r| r[col("院内编码")].as_str()).collect();
    codes.sort();
    assert!(
        !codes.contains(&"Y001") && codes.contains(&"Y002"),
        "{codes:?}"
    );
    let y2 = rows.iter().find(|r| r[col("院内编码")] == "Y002").unwrap();
    assert_eq!(y2[col("已有审核")], "存疑");
    assert!(!y2[col("修订号")].is_empty());

    // The reviewer writes 同意 on Y002 (Chinese words are accepted) and sends it back.
    let mut text = String::new();
    text.push_str(&h.join(","));
    text.push('\n');
    for r in &rows {
        let mut r = r.clone();
        if r[col("院内编码")] == "Y002" {
            r[col("审核结果")] = "同意".into();
        }
        let quoted: Vec<String> = r
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        text.push_str(&quoted.join(","));
        text.push('\n');
    }
    let back = env.file("back.csv", text);
    let rep = json(&env.mulu(&["--json", "review", "apply", &back, "--by", "李四"]));
    assert_eq!(rep["approved"], 1, "{rep}");
    // Now only the three still open are re-issued.
    env.ok(&["review", "export", "--out", out.to_str().unwrap()]);
    let (_, rows) = read(&out);
    assert!(
        rows.iter().all(|r| r[col("院内编码")] != "Y002"),
        "{rows:?}"
    );
}

#[test]
fn a_bad_workbook_writes_nothing_and_lists_every_offending_row_in_chinese() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    let bad = env.file(
        "bad.csv",
        "院内编码,院内名称,审核结果,替换编码\n\
         Y001,阿莫西林胶囊,也许,\n\
         Y002,阿奇霉素片(希舒美Zithromax),替换,A00.000X001\n\
         Y004,紫杉醇注射液,替换,XJ01CAA040E001010100999\n\
         Y005,阿司匹林肠溶片 100mg*30片,批准,\n",
    );
    let o = env.mulu(&["review", "apply", &bad, "--by", "王五"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for (row, why) in [
        ("第2行", "未知的审核结果"),
        ("第3行", "不是有效的西药中成药编码"),
        ("第4行", "不在任何西药中成药目录版本中"),
    ] {
        assert!(
            err.lines().any(|l| l.contains(row) && l.contains(why)),
            "{row} {why}: {err}"
        );
    }
    assert!(!err.contains("第5行"), "{err}");
    assert!(stdout(&o).contains("未写入任何决定"), "{}", stdout(&o));
    let approved = json(&Env::mulu(
        &env,
        &["--json", "review", "list", "--status", "approved"],
    ));
    assert_eq!(approved.as_array().unwrap().len(), 0, "{approved}");
    // --partial writes the one good row (批准 = 通过).
    let o = env.mulu(&[
        "--json",
        "review",
        "apply",
        &bad,
        "--by",
        "王五",
        "--partial",
    ]);
    assert_eq!(json(&o)["approved"], 1);
}
