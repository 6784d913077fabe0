//! `mulu import` and `mulu code check` through the real binary: bad input,
//! all-or-nothing commits, reject files, URLs, and the real public workbook.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::util::{json, stderr, Env};

impl Env {
    /// A home holding one diagnosis version `v1`; returns its `versions` listing.
    fn with_dx_v1(&self) -> serde_json::Value {
        let p = self.file("v1.csv", format!("{DX}A00.000x001,霍乱,1\n").as_bytes());
        assert_eq!(
            self.mulu(&["import", &p, "--label", "v1"]).status.code(),
            Some(0)
        );
        self.versions()
    }
    /// The reject CSV of a failed diagnosis import labelled `label`: the error
    /// message must name it; returns its lines (header first).
    fn named_rejects(&self, err: &str, label: &str) -> Vec<String> {
        let rej = self
            .home
            .path()
            .join(format!("rejects/diagnosis-{label}.rejects.csv"));
        assert!(err.contains(&rej.display().to_string()), "{err}");
        let text = std::fs::read_to_string(&rej).unwrap();
        text.lines().map(str::to_string).collect()
    }
}

const DX: &str = "诊断代码,诊断名称,有效标志\n";

#[test]
fn gbk_csv_imports_with_a_json_summary() {
    let env = Env::new();
    let (bytes, _, _) = encoding_rs::GBK.encode("疾病诊断目录(医保版)\n诊断代码,诊断名称,有效标志,附注\nA00.000x001,古典生物型霍乱,1,甲\nA01.001,伤寒,0,\n");
    let p = env.file("dx.csv", &bytes);
    let out = env.mulu(&[
        "--json",
        "import",
        &p,
        "--label",
        "2026-01",
        "--published",
        "2026-01-09",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = json(&out);
    assert_eq!(s["category"], "diagnosis");
    assert_eq!(s["encoding"], "GB18030");
    assert_eq!(
        (
            s["read"].as_u64(),
            s["imported"].as_u64(),
            s["rejected"].as_u64()
        ),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(s["extra_columns"][0], "附注");
    assert_eq!(s["version"]["row_count"], 2);
    assert_eq!(s["version"]["published"], "2026-01-09");
    let v = env.versions();
    assert_eq!(v[0]["label"], "2026-01");
}

#[test]
fn duplicate_codes_fail_by_default_write_rejects_and_commit_nothing() {
    let env = Env::new();
    let p = env.file(
        "dup.csv",
        format!("{DX}A00.000x001,霍乱,1\nA01.001,伤寒,1\nA00.000x001,又一个霍乱,1\n").as_bytes(),
    );
    let rej = env.dir.path().join("rej");
    let out = env.mulu(&["import", &p, "--rejects", rej.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("3 行中有 1 行被拒") && err.contains("未导入任何内容"),
        "{err}"
    );
    assert_eq!(env.versions(), serde_json::json!([]));
    let csv = std::fs::read_to_string(rej.with_extension("csv")).unwrap();
    assert!(
        csv.contains("文件,工作表,行号,列,值,原因,诊断代码,诊断名称,有效标志"),
        "{csv}"
    );
    assert!(
        csv.contains(",4,诊断代码,A00.000x001,") && csv.contains("第2行已有"),
        "{csv}"
    );
    assert!(rej.with_extension("xlsx").exists());
    // Allowing a third of the rows to be rejected commits the rest.
    let out = env.mulu(&["--json", "import", &p, "--max-reject", "0.34"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = json(&out);
    assert_eq!(
        (s["imported"].as_u64(), s["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(Path::new(s["rejects_csv"].as_str().unwrap()).exists());
    assert_eq!(env.versions()[0]["row_count"], 2);
}

#[test]
fn corrupt_inputs_fail_with_clear_messages() {
    let env = Env::new();
    // A truncated xlsx.
    let good = env.dir.path().join("good.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["诊断代码", "诊断名称"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..200u32 {
        ws.write_string(r, 0, "A01.001").unwrap();
        ws.write_string(r, 1, "伤寒").unwrap();
    }
    wb.save(&good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let cut = env.file("cut.xlsx", &bytes[..bytes.len() * 2 / 3]);
    let out = env.mulu(&["import", &cut]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("cut.xlsx")
            && (stderr(&out).contains("损坏") || stderr(&out).contains("不完整")),
        "{}",
        stderr(&out)
    );

    // A ZIP that is not a workbook.
    let zp = env.dir.path().join("fake.xlsx");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zp).unwrap());
    z.start_file("photo.jpg", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(b"\xff\xd8\xff").unwrap();
    z.finish().unwrap();
    let out = env.mulu(&["import", zp.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("既不是工作簿"), "{}", stderr(&out));

    // Missing required columns: what was found and what is accepted.
    let p = env.file("nocode.csv", "名称,规格\n阿莫西林,1g\n".as_bytes());
    let out = env.mulu(&["import", &p, "--kind", "drug"]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("名称, 规格") && e.contains("药品代码") && e.contains("国家药品代码"),
        "{e}"
    );

    // Empty and header-only files.
    let p = env.file("empty.csv", b"");
    assert!(stderr(&env.mulu(&["import", &p])).contains("empty"));
    let p = env.file("hdr.csv", DX.as_bytes());
    let out = env.mulu(&["import", &p]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no data rows"), "{}", stderr(&out));
    assert_eq!(env.versions(), serde_json::json!([]));
}

#[test]
fn malformed_xml_mid_file_leaves_the_store_as_it_was() {
    let env = Env::new();
    let before = env.with_dx_v1();
    let mut x = String::from("<?xml version=\"1.0\"?><目录>");
    for i in 0..50_000 {
        x.push_str(&format!(
            "<行><诊断代码>A{:02}.{:03}</诊断代码><诊断名称>病{i}</诊断名称></行>",
            i % 100,
            i / 100
        ));
    }
    x.push_str("<行><诊断代码>A0</诊断代码><诊断名称>坏码</诊断名称></行>");
    x.push_str("<行><诊断代码>B00.000</诊断代码><诊断名称>坏</诊断代码></行>");
    x.push_str("<行><诊断代码>C00.000</诊断代码><诊断名称>后</诊断名称></行></目录>");
    let xp = env.file("big.xml", x.as_bytes());
    let out = env.mulu(&[
        "import",
        &xp,
        "--label",
        "v1",
        "--replace",
        "--max-reject",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("XML 格式错误") && e.contains("此前已读 50001 行"),
        "{e}"
    );
    assert_eq!(env.versions(), before);
    // The reject seen before the break is written, and the message says where.
    let lines = env.named_rejects(&e, "v1");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[1].contains(",50001,") && lines[1].contains("A0"),
        "{lines:?}"
    );
    assert!(
        lines[2].contains(",50002,") && lines[2].contains("XML 格式错误"),
        "{lines:?}"
    );
}

#[test]
fn a_store_failure_mid_import_still_writes_the_rejects_seen_before_it() {
    let env = Env::new();
    let before = env.with_dx_v1();
    // The store refuses one row, as a full disk or a damaged page would.
    rusqlite::Connection::open(env.home.path().join("mulu.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON entries WHEN NEW.code = 'B00.000'
             BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END;",
        )
        .unwrap();
    let p = env.file(
        "v2.csv",
        format!("{DX}A01.000,伤寒,1\nA0,坏码,1\nB00.000,疱疹,1\n").as_bytes(),
    );
    let out = env.mulu(&["import", &p, "--label", "v2", "--max-reject", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(
        e.contains("simulated write failure") && e.contains("未导入任何内容"),
        "{e}"
    );
    assert_eq!(env.versions(), before);
    let lines = env.named_rejects(&e, "v2");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].contains(",3,") && lines[1].contains("A0"),
        "{lines:?}"
    );
}

#[test]
fn trailing_notes_and_sections_are_counted_not_rejected() {
    let env = Env::new();
    let p = env.file(
        "dx.csv",
        format!(
            "{DX}一、传染病,,\nA00.000x001,霍乱,1\nA01.001,伤寒,1\n注：1. 本目录为医保版,,\n合计,2,\n数据来源：国家医保局,,\n"
        )
        .as_bytes(),
    );
    let out = env.mulu(&["import", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("读取 6 行，导入 2，拒收 0，说明行 4"),
        "{text}"
    );
    let out = env.mulu(&["--lang", "en", "import", &p, "--label", "en"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("read 6, imported 2, rejected 0, notes 4"),
        "{text}"
    );
    let out = env.mulu(&["--json", "import", &p, "--label", "again"]);
    let s = json(&out);
    assert_eq!(s["notes"], 4);
    assert_eq!(s["note_rows"][0]["row"], 2);
    assert_eq!(s["note_rows"][0]["kind"], "section");
    assert_eq!(s["note_rows"][2]["text"], "合计 2");
}

#[test]
fn platform_1306_zip_imports_by_position() {
    let env = Env::new();
    let mut line = vec![String::new(); 73];
    line[0] = "C0101010010100204744".into();
    line[1] = "一次性使用无菌注射器".into();
    line[4] = "注射器".into();
    line[67] = "1".into();
    line[69] = "20260101".into();
    line[72] = "新增列".into();
    let zp = env.dir.path().join("1306.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&zp).unwrap());
    z.start_file(
        "1306_20260101.txt",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    z.write_all(format!("{}\nshort\tline\n", line.join("\t")).as_bytes())
        .unwrap();
    z.finish().unwrap();
    let out = env.mulu(&[
        "--json",
        "import",
        zp.to_str().unwrap(),
        "--max-reject",
        "0.5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = json(&out);
    assert_eq!(s["layout"], "1306");
    assert_eq!(s["category"], "consumable");
    assert_eq!(
        (s["imported"].as_u64(), s["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(s["extra_columns"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "列73"));
}

#[test]
fn a_url_that_never_answers_times_out() {
    let env = Env::new();
    // Loopback only: accept and never answer.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        let c = l.accept();
        std::thread::sleep(std::time::Duration::from_secs(4));
        drop(c);
    });
    let out = env.mulu(&[
        "import",
        &format!("http://{addr}/drug.csv"),
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("timed out"), "{}", stderr(&out));
    assert_eq!(env.versions(), serde_json::json!([]));
    t.join().unwrap();
}

#[test]
fn code_check_reports_rows_and_exits_non_zero() {
    let env = Env::new();
    let p = env.file(
        "c.csv",
        "项目编码,名称\n003313010030000,a\n00331301003000,b\n".as_bytes(),
    );
    let out = env.mulu(&[
        "code",
        "check",
        &p,
        "--column",
        "项目编码",
        "--kind",
        "service",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("第3行 项目编码：") && s.contains("加收") && s.contains("无效 1"),
        "{s}"
    );
    let out = env.mulu(&["--json", "code", "check", &p, "--column", "项目编码"]);
    let v = json(&out);
    assert_eq!(v["checked"], 2);
    assert_eq!(v["invalid"][0]["row"], 3);
    let out = env.mulu(&["code", "check", &p, "--column", "药品代码"]);
    assert!(
        stderr(&out).contains("文件中的列：项目编码, 名称"),
        "{}",
        stderr(&out)
    );
}

fn real_workbook() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/real/【第一批】药品规则库(限定性别对象).xlsx");
    p.exists().then_some(p)
}

#[test]
fn every_drug_code_of_the_real_rule_workbook_decodes() {
    let Some(p) = real_workbook() else {
        println!(
            "note: ../shared/data/real/【第一批】药品规则库(限定性别对象).xlsx is absent; skipped"
        );
        return;
    };
    let t = importer::table::open(
        &p,
        &importer::table::TableOptions {
            sheet: Some("2".into()),
            known_headers: vec!["药品代码".into()],
            layout: None,
            ..Default::default()
        },
    )
    .unwrap();
    for h in ["药品通用名", "序号", "药品代码", "限定类型"] {
        assert!(t.column(h).is_some(), "no {h} in {:?}", t.header);
    }
    let col = t.column("药品代码").unwrap();
    let std = catalog_core::Standards::builtin();
    let mut n = 0;
    for r in t {
        let r = r.unwrap();
        let code = &r.cells[col];
        if let Err(e) = std.explain(code) {
            panic!("row {}: {e}", r.row);
        }
        n += 1;
    }
    assert!(n > 1000, "only {n} rows");
}

// ---- issue #14 (defect report 2026-12): the CLI side of the importer's hardening.

/// A drug CSV: the header and `n` valid rows, then `extra` lines as given.
fn drug_csv(n: usize, extra: &str) -> String {
    let mut s = String::from("药品代码,注册名称,规格,生产企业\n");
    for i in 0..n {
        s.push_str(&format!("XA01ABD075A0020101{i:05},药{i},0.25g,华北制药\n"));
    }
    s.push_str(extra);
    s
}

#[test]
fn d4_an_all_rejected_file_commits_nothing_even_with_max_reject_1() {
    let env = Env::new();
    let p = env.file("allbad.csv", drug_csv(0, "BAD1,药,1g,厂\nBAD2,药,1g,厂\n"));
    let out = env.mulu(&[
        "import",
        &p,
        "--kind",
        "drug",
        "--label",
        "all-bad",
        "--max-reject",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("没有有效行"), "{}", stderr(&out));
    assert_eq!(env.versions().as_array().map(|a| a.len()), Some(0));
    // The rejects are still written for fixing.
    let rej = env.home.path().join("rejects/drug-all-bad.rejects.csv");
    assert!(std::fs::read_to_string(rej).unwrap().contains("BAD2"));
}

#[test]
fn d17_a_refused_import_reports_valid_rows_and_adds_up() {
    let env = Env::new();
    let p = env.file("some.csv", drug_csv(3, "BAD,药,1g,厂\n"));
    let out = env.mulu(&["--json", "import", &p, "--kind", "drug"]);
    assert_eq!(out.status.code(), Some(1));
    let s = json(&out);
    assert_eq!(
        (
            s["read"].as_u64(),
            s["imported"].as_u64(),
            s["valid"].as_u64(),
            s["rejected"].as_u64()
        ),
        (Some(4), Some(0), Some(3), Some(1))
    );
}

#[test]
fn d5_a_committed_import_stays_a_success_whatever_the_reject_files() {
    let env = Env::new();
    // A cell over Excel's 32,767 characters: cut in the xlsx, whole in the CSV.
    let long = "阿".repeat(40_000);
    let p = env.file("longcell.csv", drug_csv(3, &format!("BAD,{long},1g,厂\n")));
    let out = env.mulu(&[
        "--json",
        "import",
        &p,
        "--kind",
        "drug",
        "--label",
        "longcell",
        "--max-reject",
        "0.5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = json(&out);
    assert_eq!(s["committed"], true);
    let csv = std::fs::read_to_string(s["rejects_csv"].as_str().unwrap()).unwrap();
    assert!(csv.contains(&long));
    assert!(Path::new(s["rejects_xlsx"].as_str().unwrap()).exists());
    // Run again: the real error (the label exists) is what the user reads.
    let out = env.mulu(&[
        "import",
        &p,
        "--kind",
        "drug",
        "--label",
        "longcell",
        "--max-reject",
        "0.5",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("longcell") && err.contains("exists"), "{err}");
    assert!(!err.contains("32,767"), "{err}");
    // Reject files that cannot be written are a warning, not a failure.
    let blocker = env.file("not_a_dir", "x");
    let rej = format!("{blocker}/r");
    let out = env.mulu(&[
        "import",
        &p,
        "--kind",
        "drug",
        "--label",
        "again",
        "--max-reject",
        "0.5",
        "--rejects",
        &rej,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("警告：") && stderr(&out).contains("could not be written"),
        "{}",
        stderr(&out)
    );
    assert!(env
        .versions()
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["label"] == "again"));
}

#[test]
fn d18_labels_the_http_endpoint_refuses_are_refused() {
    let env = Env::new();
    let p = env.file("ok.csv", drug_csv(2, ""));
    let long = "x".repeat(5000);
    for bad in ["", "   ", "line1\nline2", "a\u{202E}b", long.as_str()] {
        let out = env.mulu(&["import", &p, "--kind", "drug", "--label", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad:?}");
        assert!(stderr(&out).contains("--label"), "{}", stderr(&out));
    }
    assert_eq!(env.versions().as_array().map(|a| a.len()), Some(0));
}

#[test]
fn limits_are_flags_and_their_messages_name_the_flag() {
    let env = Env::new();
    let p = env.file(
        "cell.csv",
        drug_csv(2, "XA01ABD075A002010109999,一个很长很长的药品名称,1g,厂\n"),
    );
    let out = env.mulu(&[
        "import",
        &p,
        "--kind",
        "drug",
        "--max-cell-bytes",
        "24",
        "--max-reject",
        "0.5",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("max_cell_bytes = 24") && err.contains("--max-cell-bytes"),
        "{err}"
    );
    // Past the budget and the parser's read-ahead (64 KiB).
    let p = env.file(
        "line.csv",
        drug_csv(40, &format!("{}\n", ",".repeat(200_000))),
    );
    let out = env.mulu(&["import", &p, "--kind", "drug", "--max-record-bytes", "1000"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("max_record_bytes") && err.contains("--max-record-bytes"),
        "{err}"
    );
    let labels: Vec<_> = env
        .versions()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["label"].clone())
        .collect();
    assert_eq!(labels, ["cell"], "the broken file committed nothing");
}

#[test]
fn d20_an_error_about_a_nul_file_is_short() {
    let env = Env::new();
    let p = env.file("nul.csv", vec![0u8; 1 << 20]);
    let out = env.mulu(&["import", &p, "--kind", "drug"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).len() < 4000, "{} bytes", stderr(&out).len());
}

#[test]
fn d13_a_download_past_its_size_limit_stops_and_leaves_no_part_file() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = std::io::Read::read(&mut s, &mut buf);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        // Keeps sending until the client hangs up.
        let chunk = "T000000001,x\n".repeat(1000);
        while s.write_all(chunk.as_bytes()).is_ok() {}
    });
    let env = Env::new();
    let url = format!("http://{addr}/x.csv");
    let out = env.mulu(&[
        "import",
        &url,
        "--kind",
        "herbal",
        "--max-download-bytes",
        "100000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("max_download_bytes") && err.contains("--max-download-bytes"),
        "{err}"
    );
    server.join().unwrap();
    let cache = env.home.path().join("cache");
    let parts: Vec<_> = std::fs::read_dir(&cache)
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
                .count()
        })
        .into_iter()
        .collect();
    assert_eq!(
        parts.iter().sum::<usize>(),
        0,
        "a .part file was left in {}",
        cache.display()
    );
}

/// Reject reasons follow the language: Chinese by default and under a zh
/// locale, English with `--lang en`, `MULU_LANG=en` or an en locale;
/// `--lang` beats `MULU_LANG`, which beats the locale.
#[test]
fn reject_reasons_follow_lang_flag_env_and_locale() {
    let env = Env::new();
    let p = env.file(
        "bad.csv",
        format!("{DX},无编码,1\nA01.001,伤寒,maybe\n").as_bytes(),
    );
    let run = |vars: &[(&str, &str)], args: &[&str]| {
        let mut c = crate::util::mulu_cmd(env.home.path());
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c.args(args).arg("import").arg(&p).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let rej = env.home.path().join("rejects/diagnosis-bad.rejects.csv");
        std::fs::read_to_string(rej).unwrap()
    };
    let zh = run(&[], &[]);
    assert!(zh.contains(",2,诊断代码,,编码为空,"), "{zh}");
    assert!(zh.contains(",3,有效标志,maybe,有效标志应为"), "{zh}");
    let en = run(&[], &["--lang", "en"]);
    assert!(en.contains(",2,诊断代码,,code is empty,"), "{en}");
    assert!(en.contains("有效标志 must be"), "{en}");
    assert!(run(&[("LANG", "en_US.UTF-8")], &[]).contains("code is empty"));
    assert!(run(&[("MULU_LANG", "en"), ("LANG", "zh_CN.UTF-8")], &[]).contains("code is empty"));
    assert!(run(&[("MULU_LANG", "en")], &["--lang", "zh"]).contains("编码为空"));
    assert!(run(&[("LC_ALL", "C"), ("LANG", "en_US.UTF-8")], &[]).contains("编码为空"));
}

/// The NHSA public query's JSON imports with 规格 and 生产企业 as fields, so
/// a search can tell two makers of the same 阿莫西林片 apart.
#[test]
fn nhsa_public_query_json_imports_with_spec_and_maker_as_fields() {
    let env = Env::new();
    let row = |code: &str, spec: &str, maker: &str| {
        serde_json::json!({
            "goodsCode": code, "productCode": "656", "productName": "阿莫西林",
            "productInsuranceType": "甲", "registeredProductName": "阿莫西林片",
            "registeredMedicinemodel": "片剂", "realityMedicinemodel": "片剂",
            "spec": spec, "unit": "盒", "approvalCode": "国药准字H19983134",
            "companyName": maker, "marketState": "上市", "version": "20260515",
        })
    };
    let rows = serde_json::json!([
        row(
            "XJ01CAA040A001010100600",
            "0.125g",
            "珠海联邦制药股份有限公司中山分公司"
        ),
        row(
            "XJ01CAA040A001010102777",
            "0.25g",
            "石药集团中诺药业(石家庄)有限公司"
        ),
    ]);
    let p = env.file("nhsa.json", rows.to_string().as_bytes());
    let out = env.mulu(&["--json", "import", &p, "--label", "nhsa"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = json(&out);
    assert_eq!(s["category"], "drug");
    assert_eq!(s["extra_columns"], serde_json::json!(["version"]));
    let out = env.mulu(&[
        "--json",
        "search",
        "阿莫西林片 0.25g 石药集团",
        "--kind",
        "drug",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = crate::util::stdout(&out);
    let first = text.find("XJ01CAA040A001010102777");
    let second = text.find("XJ01CAA040A001010100600");
    assert!(
        first.is_some() && (second.is_none() || first < second),
        "{text}"
    );
}
