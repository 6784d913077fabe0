use super::*;
use crate::catalog::{read, ReadOptions};
use crate::table::RowError;
use catalog_core::FieldValue;
use rust_xlsxwriter::Workbook;

const DRUG_HEADER: &str = "药品代码,数据来源,注册名称,商品名称,注册剂型,剂型,注册规格,规格,包装材质,最小包装数量,最小制剂单位,最小包装单位,药品企业,分包装企业名称,生产企业,批准文号,原批准文号,药品本位码,上市药品持有人,市场状态,医保药品名称,2025版甲乙类,医保剂型,编号,备注,曾用码,科室备注";

fn drug_row(code: &str, name: &str) -> String {
    format!("{code},一百八十四批,{name},,胶囊剂,胶囊剂,0.25g,0.25g,铝塑,24,粒,盒,华北制药,,华北制药,国药准字H13023964,,86900000000001,华北制药,上市,阿莫西林,甲,口服常释剂型,656,,,x")
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn count(store: &Store) -> usize {
    store.versions().unwrap().len()
}

#[test]
fn provincial_drug_workbook_csv_becomes_typed_entries() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "江西省医保药品分类与代码数据库更新表\n{DRUG_HEADER}\n{}\n{}\n",
        drug_row("XA01ABD075A002010100483", "阿莫西林胶囊"),
        drug_row(" xj01caa040a001010100600 ", "头孢")
    );
    let p = write(d.path(), "drug.csv", &text);
    let r = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(r.category(), Category::Drug);
    let entries: Vec<_> = r.collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(entries.len(), 2);
    let e = &entries[0];
    assert_eq!(e.code, "XA01ABD075A002010100483");
    assert_eq!(e.name, "阿莫西林胶囊");
    assert_eq!(e.field("list_class"), FieldValue::Text("甲".into()));
    assert_eq!(e.field("list_no"), FieldValue::Text("656".into()));
    assert_eq!(e.field("manufacturer"), FieldValue::Text("华北制药".into()));
    // 数据来源 has no field: kept, not lost.
    assert_eq!(
        e.extra.get("数据来源").map(String::as_str),
        Some("一百八十四批")
    );
    assert_eq!(e.extra.get("科室备注").map(String::as_str), Some("x"));
    // Codes are canonicalised.
    assert_eq!(entries[1].code, "XJ01CAA040A001010100600");
}

#[test]
fn negotiated_list_from_xlsx_parses_money_units_confidential_and_period() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("谈判.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let hdr = [
        "药品分类代码",
        "药品分类",
        "甲乙类",
        "编号",
        "药品名称",
        "剂型",
        "医保支付标准",
        "备注",
        "协议有效期",
    ];
    for (c, h) in hdr.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        [
            "XL01FC",
            "单克隆抗体",
            "乙",
            "1",
            "西妥昔单抗β注射液",
            "注射剂",
            "780.00元(100mg(10ml)/瓶)",
            "限RAS基因野生型",
            "2026年1月1日至2027年12月31日",
        ],
        [
            "XL01FC",
            "单克隆抗体",
            "乙",
            "2",
            "某保密药",
            "注射剂",
            "*",
            "",
            "2026年1月1日至2027年12月31日",
        ],
        [
            "XL01FC",
            "单克隆抗体",
            "乙",
            "★(2)",
            "某保密药",
            "片剂",
            "12.5",
            "",
            "2026年1月1日至2027年12月31日",
        ],
        [
            "XL01FC",
            "单克隆抗体",
            "乙",
            "3",
            "坏价格",
            "注射剂",
            "面议",
            "",
            "2026年1月1日至2027年12月31日",
        ],
    ];
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            ws.write_string(i as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save(&p).unwrap();
    let r = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(r.category(), Category::Negotiated);
    let items: Vec<_> = r.collect();
    let a = items[0].as_ref().unwrap();
    assert_eq!(a.code, "X1");
    assert_eq!(a.field("payment_standard").display(), "780.00");
    assert_eq!(a.field("payment_unit").display(), "100mg(10ml)/瓶");
    assert_eq!(a.field("agreement_start").display(), "2026-01-01");
    assert_eq!(a.field("agreement_end").display(), "2027-12-31");
    assert_eq!(a.field("restriction").display(), "限RAS基因野生型");
    let b = items[1].as_ref().unwrap();
    assert_eq!(b.field("payment_standard"), FieldValue::Empty);
    assert_eq!(b.extra.get("医保支付标准").map(String::as_str), Some("*"));
    assert_eq!(items[2].as_ref().unwrap().code, "X2/片剂");
    let bad = items[3].as_ref().unwrap_err();
    assert_eq!(bad.row, 5);
    assert_eq!(bad.column.as_deref(), Some("医保支付标准"));
    assert_eq!(bad.value.as_deref(), Some("面议"));
}

#[test]
fn missing_required_column_lists_found_and_expected() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "x.csv", "注册名称,规格\n阿莫西林,1g\n");
    let e = read(
        &p,
        &ReadOptions {
            kind: Some(Category::Drug),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("注册名称, 规格"), "{e}");
    assert!(
        e.contains("药品代码") && e.contains("医保药品代码") && e.contains("国家药品代码"),
        "{e}"
    );
    // Without a kind the headers do not tell it; the library names no flag
    // (the CLI adds `--kind` in its hint, the HTTP service its own field).
    let e = read(&p, &ReadOptions::default()).unwrap_err().to_string();
    assert!(e.contains("无法从表头判断目录类别"), "{e}");
    assert!(!e.contains("--"), "{e}");
}

#[test]
fn invalid_codes_and_bad_values_are_rejected_with_reasons() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "icd.csv",
        "诊断代码,诊断名称,有效标志,开始日期\nA00.000x001,霍乱,1,2026/01/01\nA0,坏,1,\nA01.001,伤寒,maybe,\nI10.x00,高血压,0,2026年13月1日\n",
    );
    let items: Vec<_> = read(&p, &ReadOptions::default()).unwrap().collect();
    assert_eq!(items.len(), 4);
    let ok = items[0].as_ref().unwrap();
    assert_eq!(
        ok.begin_date.map(|d| d.to_string()).as_deref(),
        Some("2026-01-01")
    );
    let e = items[1].as_ref().unwrap_err();
    assert_eq!((e.row, e.column.as_deref()), (3, Some("诊断代码")));
    assert!(
        e.reason.contains("ICD") || e.reason.contains("诊断") || e.reason.contains("valid"),
        "{}",
        e.reason
    );
    assert_eq!(
        items[2].as_ref().unwrap_err().column.as_deref(),
        Some("有效标志")
    );
    assert_eq!(
        items[3].as_ref().unwrap_err().column.as_deref(),
        Some("开始日期")
    );
}

#[test]
fn duplicates_keep_the_first_and_the_counts_add_up() {
    let d = tempfile::tempdir().unwrap();
    let text = format!(
        "{DRUG_HEADER}\n{}\n{}\n{}\n",
        drug_row("XA01ABD075A002010100483", "一"),
        drug_row("XJ01CAA040A001010100600", "二"),
        drug_row("XA01ABD075A002010100483", "重复")
    );
    let p = write(d.path(), "dup.csv", &text);
    let mut store = Store::open_in_memory().unwrap();
    // Default max-reject 0: one reject fails the whole import.
    let e = import_into(&mut store, &p, &ImportOptions::default(), &|_| {}).unwrap_err();
    match &e {
        ImportError::TooManyRejected(s) => {
            assert_eq!((s.read, s.rejected), (3, 1));
            assert!(
                s.rejects[0].reason.contains("第2行已有"),
                "{}",
                s.rejects[0].reason
            );
            assert_eq!(s.rejects[0].row, 4);
        }
        other => panic!("{other}"),
    }
    assert_eq!(count(&store), 0);
    let s = import_into(
        &mut store,
        &p,
        &ImportOptions {
            max_reject: 0.5,
            ..Default::default()
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!((s.read, s.imported, s.rejected), (3, 2, 1));
    assert_eq!(s.label, "dup");
    let v = s.version.unwrap();
    assert_eq!(v.row_count, 2);
    let kept = store
        .entry(v.id, "XA01ABD075A002010100483")
        .unwrap()
        .unwrap();
    assert_eq!(kept.name, "一");
}

#[test]
fn header_only_and_empty_files_import_nothing() {
    let d = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let p = write(d.path(), "h.csv", &format!("{DRUG_HEADER}\n"));
    let e = import_into(&mut store, &p, &ImportOptions::default(), &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("no data rows"), "{e}");
    let p = write(d.path(), "e.csv", "");
    let e = import_into(&mut store, &p, &ImportOptions::default(), &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("文件为空"), "{e}");
    assert_eq!(count(&store), 0);
}

#[test]
fn malformed_xml_in_a_large_file_commits_nothing_and_keeps_the_old_version() {
    let d = tempfile::tempdir().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let good = write(d.path(), "dx.csv", "诊断代码,诊断名称\nA00.000x001,霍乱\n");
    let v1 = import_into(
        &mut store,
        &good,
        &ImportOptions {
            label: Some("v1".into()),
            ..Default::default()
        },
        &|_| {},
    )
    .unwrap();
    let before = store.versions().unwrap();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<catalog>\n");
    for i in 0..20000 {
        x.push_str(&format!(
            "<row><诊断代码>A{:02}.{:03}</诊断代码><诊断名称>病{i}</诊断名称></row>\n",
            i % 100,
            i / 100
        ));
    }
    x.push_str("<row><诊断代码>B00.000</诊断代码><诊断名称>坏</诊断代码></row>\n");
    for _ in 0..100 {
        x.push_str("<row><诊断代码>C00.000</诊断代码><诊断名称>后</诊断名称></row>\n");
    }
    x.push_str("</catalog>\n");
    let p = write(d.path(), "dx.xml", &x);
    let opts = ImportOptions {
        label: Some("v1".into()),
        replace: true,
        max_reject: 1.0,
        ..Default::default()
    };
    let e = import_into(&mut store, &p, &opts, &|_| {})
        .unwrap_err()
        .to_string();
    assert!(e.contains("XML 格式错误"), "{e}");
    assert!(e.contains("此前已读 20000 行"), "{e}");
    assert_eq!(store.versions().unwrap(), before);
    let old = v1.version.unwrap();
    assert_eq!(store.entries(old.id).unwrap().len(), 1);
}

#[test]
fn platform_1307_text_imports_as_diagnosis() {
    let d = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for (i, (code, name, flag)) in [("A00.000x001", "霍乱", "1"), ("A01.001", "伤寒", "0")]
        .iter()
        .enumerate()
    {
        let mut f = vec![String::new(); 24];
        f[0] = i.to_string();
        f[10] = code.to_string();
        f[11] = name.to_string();
        f[18] = flag.to_string();
        f[22] = "20260101".into();
        lines.push_str(&f.join("\t"));
        lines.push('\n');
    }
    let p = write(d.path(), "1307.txt", &lines);
    let mut store = Store::open_in_memory().unwrap();
    let s = import_into(&mut store, &p, &ImportOptions::default(), &|_| {}).unwrap();
    assert_eq!(s.category, Category::Diagnosis);
    assert_eq!(s.layout.as_deref(), Some("1307"));
    assert_eq!(s.imported, 2);
    let v = s.version.unwrap();
    let e = store.entry(v.id, "A01.001").unwrap().unwrap();
    assert!(!e.active);
    assert_eq!(e.extra.get("版本号").map(String::as_str), Some("20260101"));
}

#[test]
fn rejects_are_written_as_csv_and_xlsx() {
    let d = tempfile::tempdir().unwrap();
    let r = RowError::new("a.csv", None, 7, "bad")
        .column("药品代码", "X")
        .cells(&["X".into(), "名".into()]);
    let csvp = d.path().join("r.csv");
    let xp = d.path().join("r.xlsx");
    crate::rejects::write(&[r], &["药品代码".into(), "注册名称".into()], &csvp, &xp).unwrap();
    let text = std::fs::read_to_string(&csvp).unwrap();
    assert!(
        text.contains("文件,工作表,行号,列,值,原因,药品代码,注册名称"),
        "{text}"
    );
    assert!(text.contains("a.csv,,7,药品代码,X,bad,X,名"), "{text}");
    let t = crate::table::open(
        &xp,
        &crate::table::TableOptions {
            known_headers: vec!["原因".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(t.header[5], "原因");
    assert_eq!(t.count(), 1);
}

/// The progress calls name the phase in order (read, commit, rejects) and,
/// for streaming files, a share of the file that only grows and ends near 1.
#[test]
fn progress_tells_the_phase_and_the_share_of_the_file_read() {
    let d = tempfile::tempdir().unwrap();
    let codes: Vec<String> = (0..20_000)
        .map(|i| {
            format!(
                "{}{:02}.{:03}",
                ['A', 'B'][i / 10_000],
                i / 1000 % 10,
                i % 1000
            )
        })
        .collect();
    let mut csv = String::from("诊断代码,诊断名称,有效标志\n");
    for c in &codes {
        csv.push_str(&format!("{c},某病{c},1\n"));
    }
    let csv = write(d.path(), "dx.csv", &csv);
    let xlsx = d.path().join("dx.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (j, h) in ["诊断代码", "诊断名称", "有效标志"].iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    for (i, c) in codes.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, c).unwrap();
        ws.write_string(r, 1, format!("某病{c}")).unwrap();
        ws.write_string(r, 2, "1").unwrap();
    }
    wb.save(&xlsx).unwrap();
    for (i, file) in [csv, xlsx.display().to_string()].iter().enumerate() {
        let mut store = Store::open_in_memory().unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let s = import_with_progress(
            &mut store,
            file,
            &ImportOptions {
                label: Some(format!("v{i}")),
                ..Default::default()
            },
            &|p| seen.borrow_mut().push(*p),
        )
        .unwrap();
        assert_eq!(s.imported, 20_000, "{file}");
        let seen = seen.into_inner();
        let phases: Vec<Phase> = seen.iter().map(|p| p.phase).collect();
        let reads = phases.iter().filter(|p| **p == Phase::Read).count();
        assert!(reads >= 4, "{file}: {phases:?}");
        assert_eq!(&phases[reads..], &[Phase::Commit, Phase::Rejects], "{file}");
        let shares: Vec<f64> = seen[..reads].iter().map(|p| p.fraction.unwrap()).collect();
        assert!(
            shares.windows(2).all(|w| w[0] <= w[1]),
            "{file}: {shares:?}"
        );
        assert!(
            shares.iter().all(|f| (0.0..=1.0).contains(f)),
            "{file}: {shares:?}"
        );
        // The bar moves: not stuck at the start nor at the end from the first call.
        assert!(
            shares[0] < 0.5 && *shares.last().unwrap() > 0.6,
            "{file}: {shares:?}"
        );
        assert_eq!(seen.last().unwrap().rows, 20_000, "{file}");
    }
}

#[test]
fn crosswalk_rows_keep_a_canonical_target_and_reject_bad_ones() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "映射表.csv",
        "临床版代码,临床版名称,医保版代码,医保版名称\n\
         A01.000x002,伤寒肠穿孔,a01003,伤寒性肠穿孔\n\
         37.8300x002,心脏起搏器置入,00.5000X004,\n\
         A02.100x004,沙门氏菌脓毒症,,\n\
         A05.999,坏,ZZZ,\n",
    );
    // The headers tell the kind: 临床版代码 is a code only in a 映射表.
    let items: Vec<_> = read(&p, &ReadOptions::default()).unwrap().collect();
    assert_eq!(items.len(), 4);
    let a = items[0].as_ref().unwrap();
    assert_eq!(a.category(), Category::Crosswalk);
    assert_eq!(
        (a.code.as_str(), a.name.as_str()),
        ("A01.000x002", "伤寒肠穿孔")
    );
    assert_eq!(
        a.field("target_code"),
        FieldValue::Text("A01.003".into()),
        "the 医保版 code is kept in canonical form"
    );
    // A procedure maps to a procedure code.
    let b = items[1].as_ref().unwrap();
    assert_eq!(
        b.field("target_code"),
        FieldValue::Text("00.5000x004".into())
    );
    let e = items[2].as_ref().unwrap_err();
    assert_eq!((e.row, e.column.as_deref()), (4, Some("医保版代码")));
    assert!(e.reason.contains("医保版代码为空"), "{}", e.reason);
    let e = items[3].as_ref().unwrap_err();
    assert_eq!((e.row, e.column.as_deref()), (5, Some("医保版代码")));
    assert!(e.reason.contains("不是疾病诊断"), "{}", e.reason);

    // Without the 医保版 column it is no 映射表: the error says what is missing.
    let q = write(
        d.path(),
        "half.csv",
        "临床版代码,临床版名称\nA01.000x002,伤寒肠穿孔\n",
    );
    let err = read(
        &q,
        &ReadOptions {
            kind: Some(Category::Crosswalk),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("医保版代码"), "{err}");
}

#[test]
fn a_grey_code_column_of_a_diagnosis_list_is_a_field() {
    // The 医保版 lists mark parent-level codes 灰码; the mark is catalogue
    // data (kept in the entry, diffed), not an extra column.
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "diagnosis.csv",
        "诊断代码,诊断名称,灰码\nI10.x00,特发性（原发性）高血压,是\nI10.x00x002,原发性高血压,\n",
    );
    let r = read(&p, &ReadOptions::default()).unwrap();
    assert_eq!(r.category(), Category::Diagnosis);
    let entries: Vec<_> = r.collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(entries[0].field("grey"), FieldValue::Text("是".into()));
    assert_eq!(entries[1].field("grey"), FieldValue::Empty);
    assert!(!entries[0].extra.contains_key("灰码"));
}
