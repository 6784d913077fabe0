//! End-to-end tests of `mulu diff` through the binary. The store is built
//! through the library (two small drug versions and a few mappings).

use catalog_core::entry::{Detail, FieldValue};
use catalog_core::store::{Decision, MappingStatus};
use catalog_core::{Category, Entry, Store, VersionMeta};
use std::path::Path;
use std::process::Output;

const A: &str = "XJ01CAA040A001010100001";
const B: &str = "XJ01CAA040A001010100002";
const C: &str = "XJ01CAA040A001010100003";
const D: &str = "XJ01CAA040A001010100004";
const F: &str = "XJ01CAA040A001010100006";
const NEW1: &str = "XJ01CAA040A001010100101";
const NEW2: &str = "XM01AEB001A001010100102";
/// A well-formed drug code listed in neither version (a stale mapping).
const GONE: &str = "XJ01CAA040A001010100999";

fn drug(code: &str, name: &str, spec: &str, mfr: &str, approval: &str) -> Entry {
    let mut e = Entry::new(code, name, Detail::empty(Category::Drug));
    for (k, v) in [
        ("spec", spec),
        ("manufacturer", mfr),
        ("approval_no", approval),
    ] {
        e.detail.set(k, FieldValue::Text(v.into()));
    }
    e
}

/// v1 → v2: A unchanged, B deactivated, C changed (spec + restriction + width noise
/// in the name), D removed, F re-coded to NEW1, NEW2 added.
fn build_store(home: &Path) {
    let a = drug(
        A,
        "阿莫西林胶囊",
        "0.25g*24粒",
        "石药集团",
        "国药准字H13000001",
    );
    let b = drug(
        B,
        "头孢氨苄胶囊",
        "0.125g*24粒",
        "华北制药",
        "国药准字H13000002",
    );
    let mut c = drug(C, "阿奇霉素片(A)", "0.25g*6片", "辉瑞", "国药准字J20000003");
    c.detail
        .set("restriction", FieldValue::Text("限儿童患者".into()));
    let d = drug(D, "罗红霉素片", "150mg*12片", "扬子江", "国药准字H32000004");
    let f = drug(F, "甲硝唑片", "0.2g*100片", "信谊", "国药准字H31000006");
    let v1 = vec![a.clone(), b.clone(), c.clone(), d, f.clone()];
    let mut b2 = b;
    b2.active = false;
    let mut c2 = c;
    c2.name = "阿奇霉素片（Ａ） ".into();
    c2.detail.set("spec", FieldValue::Text("0.5g*6片".into()));
    c2.detail.set(
        "restriction",
        FieldValue::Text("限儿童及吞咽困难患者".into()),
    );
    let mut f2 = f;
    f2.code = NEW1.into();
    let n2 = drug(
        NEW2,
        "布洛芬缓释胶囊",
        "0.3g*20粒",
        "中美史克",
        "国药准字H10900089",
    );
    let v2 = vec![a, b2, c2, f2, n2];

    let mut store = Store::open_home(home).unwrap();
    for (label, rows) in [("v1", v1), ("v2", v2)] {
        let meta = VersionMeta {
            category: Category::Drug,
            label: label.into(),
            source: "e2e".into(),
            published: None,
            note: None,
        };
        store
            .import_version(&meta, false, rows.into_iter().map(Ok::<_, String>))
            .unwrap();
    }
    for (hc, target, status) in [
        ("H-A", A, MappingStatus::Approved),
        ("H-B", B, MappingStatus::Approved),
        ("H-C", C, MappingStatus::Approved),
        ("H-D", D, MappingStatus::Replaced),
        ("H-F", F, MappingStatus::Approved),
        ("H-X", D, MappingStatus::Suggested),
        ("H-Z", GONE, MappingStatus::Approved),
    ] {
        store
            .record_decision(&Decision {
                category: Some(Category::Drug),
                hospital_code: hc.into(),
                hospital_name: format!("院内{hc}"),
                status: Some(status),
                target_code: Some(target.into()),
                ..Decision::default()
            })
            .unwrap();
    }
}

fn add_consumable_mapping(home: &Path) {
    let mut store = Store::open_home(home).unwrap();
    store
        .record_decision(&Decision {
            category: Some(Category::Consumable),
            hospital_code: "H-CON".into(),
            hospital_name: "院内导管".into(),
            status: Some(MappingStatus::Approved),
            target_code: Some("C02010800412001000000111271".into()),
            ..Decision::default()
        })
        .unwrap();
}

fn mulu(home: &Path, args: &[&str]) -> Output {
    crate::util::mulu_in(home, args)
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    build_store(&dir.path().join("home"));
    dir
}

fn zip_names(p: &Path) -> Vec<String> {
    let z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    z.file_names().flatten().map(|n| n.into_owned()).collect()
}

fn zip_text(p: &Path, name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn json_lists_every_class_with_stable_keys() {
    let dir = setup();
    let home = dir.path().join("home");
    let out = mulu(&home, &["--json", "diff", "v1", "v2"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "mulu.diff/1");
    assert_eq!(v["old"]["label"], "v1");
    assert_eq!(v["new"]["category"], "drug");
    let classes = &v["summary"]["classes"];
    for (k, n) in [
        ("added", 1),
        ("deactivated", 1),
        ("removed", 1),
        ("changed", 1),
        ("recoded", 1),
    ] {
        assert_eq!(classes[k], n, "{k}: {classes}");
    }
    assert_eq!(v["summary"]["unchanged"], 1);
    let changes = v["changes"].as_array().unwrap();
    let got: Vec<(String, String)> = changes
        .iter()
        .map(|c| {
            (
                c["class"].as_str().unwrap().to_string(),
                c["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("added", NEW2),
        ("deactivated", B),
        ("removed", D),
        ("changed", C),
        ("recoded", NEW1),
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    // C: the width/space noise in the name is not a change; spec and restriction are.
    let fields: Vec<&str> = changes[3]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["spec", "restriction"]);
    assert!(changes[3]["fields"][1]["segments"].is_array());
    assert_eq!(changes[4]["old_code"], F);
    assert_eq!(changes[4]["recode"]["strong_key"], "approval_no");
    assert!(v.get("impact").is_none());
}

#[test]
fn ignore_field_and_strict_whitespace_flags() {
    let dir = setup();
    let home = dir.path().join("home");
    let out = mulu(
        &home,
        &[
            "--json",
            "diff",
            "v1",
            "v2",
            "--ignore-field",
            "spec,限制使用范围",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["classes"]["changed"], 0, "{}", v["changes"]);
    assert_eq!(v["summary"]["noise_only"], 1);
    let out = mulu(
        &home,
        &[
            "--json",
            "diff",
            "v1",
            "v2",
            "--ignore-field",
            "spec,restriction",
            "--keep-width",
            "--keep-whitespace",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["classes"]["changed"], 1);
    assert_eq!(v["summary"]["fields"]["name"], 1);
}

#[test]
fn fail_if_diff_exit_codes_and_terminal_summary() {
    let dir = setup();
    let home = dir.path().join("home");
    let out = mulu(
        &home,
        &["diff", "v1", "v2", "--fail-if-diff", "--limit", "2"],
    );
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("新增 added") && text.contains("改码 recoded"),
        "{text}"
    );
    assert!(text.contains("……另有 3 条"), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no colour codes when not a terminal"
    );
    let out = mulu(&home, &["diff", "v1", "v1", "--fail-if-diff"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no differences"));
}

#[test]
fn impact_from_store_lists_exactly_the_broken_confirmed_mappings() {
    let dir = setup();
    let home = dir.path().join("home");
    add_consumable_mapping(&home);
    let xl = dir.path().join("impact.xlsx");
    let out = mulu(
        &home,
        &[
            "--json",
            "diff",
            "v1",
            "v2",
            "--mapping",
            "store",
            "--impact-xlsx",
            xl.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v["impact"].as_array().unwrap();
    let got: Vec<(&str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["mapping"]["hospital_code"].as_str().unwrap(),
                i["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("H-B", "deactivated"),
            ("H-C", "changed"),
            ("H-D", "removed"),
            ("H-F", "recoded"),
            ("H-Z", "not_listed"),
        ]
    );
    assert_eq!(items[3]["suggested_code"], NEW1);
    assert!(items[4]["action"]
        .as_str()
        .unwrap()
        .contains("不在新旧目录"));
    assert!(zip_names(&xl).iter().any(|n| n == "xl/workbook.xml"));
    let strings = zip_text(&xl, "xl/sharedStrings.xml");
    assert!(
        strings.contains("H-F") && strings.contains(NEW1) && !strings.contains("H-A"),
        "{strings}"
    );

    // The work list goes back through `review apply`: 通过 on the re-coded
    // mapping's line moves it to the new code filled in 替换编码.
    let t = importer::table::open(&xl, &Default::default()).unwrap();
    let header = t.header.clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (c_code, c_dec, c_new) = (col("院内编码"), col("审核结果"), col("替换编码"));
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let mut filled = 0;
    for (r, rec) in t.enumerate() {
        let mut cells = rec.unwrap().cells;
        if cells[c_code] == "H-F" && cells[c_new] == NEW1 {
            cells[c_dec] = "通过".into();
            filled += 1;
        }
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v).unwrap();
        }
    }
    assert_eq!(
        filled, 1,
        "the new code sits on the mapping's first line only"
    );
    let back = dir.path().join("impact-reviewed.xlsx");
    wb.save(&back).unwrap();
    let out = mulu(
        &home,
        &[
            "--json",
            "review",
            "apply",
            back.to_str().unwrap(),
            "--by",
            "王",
        ],
    );
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rep["replaced"],
        1,
        "{rep} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = mulu(&home, &["--json", "review", "list", "--status", "replaced"]);
    let ms: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        ms.as_array()
            .unwrap()
            .iter()
            .any(|m| m["hospital_code"] == "H-F" && m["target_code"] == NEW1),
        "{ms}"
    );
}

#[test]
fn impact_from_a_mapping_csv() {
    let dir = setup();
    let home = dir.path().join("home");
    let csv = dir.path().join("map.csv");
    std::fs::write(
        &csv,
        format!(
            "院内编码,院内名称,医保编码\nH1,甲,{A}\nH2,乙,{D}\nH3,丙,\nH4,丁,{}\nH5,戊,{GONE}\nH6,己,C02010800412001000000111271\n",
            F.to_lowercase()
        ),
    )
    .unwrap();
    let out = mulu(
        &home,
        &[
            "--json",
            "diff",
            "v1",
            "v2",
            "--mapping",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v["impact"].as_array().unwrap();
    let got: Vec<&str> = items
        .iter()
        .map(|i| i["mapping"]["hospital_code"].as_str().unwrap())
        .collect();
    // H5's code is in neither version; H6 is a consumable code, not this catalogue's.
    assert_eq!(got, ["H2", "H4", "H5"], "{}", v["impact"]);
    assert_eq!(items[2]["reason"], "not_listed");
    assert!(
        items[0]["mapping"]["source"]
            .as_str()
            .unwrap()
            .ends_with(":3"),
        "{}",
        items[0]["mapping"]["source"]
    );
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "编码,名称\n1,2\n").unwrap();
    let out = mulu(
        &home,
        &["diff", "v1", "v2", "--mapping", bad.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("院内编码"));
}

#[test]
fn csv_xlsx_and_html_reports() {
    let dir = setup();
    let home = dir.path().join("home");
    let (csv, xl, html) = (
        dir.path().join("d.csv"),
        dir.path().join("d.xlsx"),
        dir.path().join("d.html"),
    );
    let out = mulu(
        &home,
        &[
            "-q",
            "diff",
            "v1",
            "v2",
            "--csv",
            csv.to_str().unwrap(),
            "--xlsx",
            xl.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = csv::Reader::from_path(&csv).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "class",
            "category",
            "code",
            "old_code",
            "name",
            "field",
            "label",
            "old",
            "new",
            "recode_score",
            "recode_key"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    // added, deactivated(active), removed, changed(spec, restriction), recoded (no field change).
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().any(|x| &x[0] == "changed"
        && &x[5] == "spec"
        && &x[7] == "0.25g*6片"
        && &x[8] == "0.5g*6片"));
    assert!(rows
        .iter()
        .any(|x| &x[0] == "recoded" && &x[3] == F && &x[10] == "approval_no"));

    let wb = zip_text(&xl, "xl/workbook.xml");
    for s in [
        "摘要summary",
        "新增added",
        "停用deactivated",
        "删除removed",
        "变更changed",
        "改码recoded",
    ] {
        assert!(wb.contains(s), "sheet {s} missing: {wb}");
    }
    let names = zip_names(&xl);
    let changed_sheet = zip_text(&xl, "xl/worksheets/sheet5.xml");
    assert!(changed_sheet.contains("autoFilter"), "{names:?}");

    let h = std::fs::read_to_string(&html).unwrap();
    assert!(h.starts_with("<!DOCTYPE html>") && h.contains(C) && h.contains("<ins>"));
    assert!(
        !h.contains("src=") && !h.contains("href="),
        "self-contained"
    );
}

#[test]
fn bad_arguments_fail_clearly() {
    let dir = setup();
    let home = dir.path().join("home");
    let out = mulu(&home, &["diff", "v1", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope"), "{err}");
    let out = mulu(&home, &["diff", "v1", "v2", "--impact-xlsx", "x.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mapping"));
}

/// Ground truth from `cargo xtask gen corpus`: every generated change is found with
/// its class (and old code for re-codes), no phantom change appears, and the
/// noise rows (`changes/<kind>.noise.csv`) are not reported.
#[test]
fn corpus_changes_are_found_without_phantoms() {
    use std::collections::{BTreeMap, BTreeSet};
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let corpus = dir.path().join("corpus");
    // The generator is developer tooling (not in the binary): run it in-process.
    corpus::generate(
        &corpus::CorpusSpec {
            scale: corpus::Scale::Small,
            seed: 1,
            out: corpus.clone(),
            formats: corpus::Formats {
                xlsx: false,
                ..Default::default()
            },
        },
        &|_, _| {},
    )
    .unwrap();
    // ICD codes are compared case-blind: the importer's canonical form
    // currently lower-cases a leading chapter X (X92.x00 → x92.x00).
    let key = |s: &str| s.to_uppercase();
    let mut checked = 0;
    for kind in [
        "drug",
        "consumable",
        "service",
        "diagnosis",
        "procedure",
        "herbal",
        "reimbursement",
        "negotiated",
    ] {
        let (v1, v2) = (
            corpus.join(format!("v1/{kind}.csv")),
            corpus.join(format!("v2/{kind}.csv")),
        );
        if !v1.exists() {
            continue;
        }
        let out = mulu(
            &home,
            &[
                "--json",
                "diff",
                v1.to_str().unwrap(),
                v2.to_str().unwrap(),
                "--kind",
                kind,
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let got: BTreeMap<String, (String, String, BTreeSet<String>)> = v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let fields = c["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["field"].as_str().unwrap().to_string())
                    .collect();
                (
                    key(c["code"].as_str().unwrap()),
                    (
                        c["class"].as_str().unwrap().to_string(),
                        key(c["old_code"].as_str().unwrap_or_default()),
                        fields,
                    ),
                )
            })
            .collect();

        // Rows the generator marked as changed although v1 and v2 hold the
        // same row (its new value happened to equal the old one) cannot be
        // found by any diff; they are recognised by importing both files.
        let mut store = Store::open_in_memory().unwrap();
        let mut load = |p: &Path, label: &str| {
            let opts = importer::ImportOptions {
                kind: kind.parse().ok(),
                label: Some(label.into()),
                ..importer::ImportOptions::default()
            };
            let v = importer::import_into(&mut store, p.to_str().unwrap(), &opts, &|_| {})
                .unwrap()
                .version
                .unwrap();
            v.id
        };
        let (id1, id2) = (load(&v1, "v1"), load(&v2, "v2"));
        let entries = |id: i64| -> BTreeMap<String, Entry> {
            store
                .entries(id)
                .unwrap()
                .into_iter()
                .map(|e| (key(&e.code), e))
                .collect()
        };
        let (r1, r2) = (entries(id1), entries(id2));
        let mut truth = csv::Reader::from_path(corpus.join(format!("changes/{kind}.csv"))).unwrap();
        let mut want = BTreeSet::new();
        let mut no_ops = 0;
        for rec in truth.records() {
            let rec = rec.unwrap();
            let (code, class, fields, old_code) = (
                key(&rec[0]),
                rec[1].to_string(),
                rec[2].to_string(),
                key(&rec[3]),
            );
            if class == "changed" && r1.contains_key(&code) && r1.get(&code) == r2.get(&code) {
                no_ops += 1;
                continue;
            }
            let Some((gc, go, gf)) = got.get(&code) else {
                panic!("{kind}: {code} ({class}) not found")
            };
            assert_eq!(gc, &class, "{kind}: {code}");
            if class == "recoded" {
                assert_eq!(go, &old_code, "{kind}: re-code of {code}");
            }
            if class == "changed" {
                for f in fields.split(';').filter(|f| !f.is_empty()) {
                    assert!(
                        gf.contains(f),
                        "{kind}: {code} field {f} not reported, got {gf:?}"
                    );
                }
            }
            want.insert(code);
            checked += 1;
        }
        let phantoms: Vec<&String> = got.keys().filter(|c| !want.contains(*c)).collect();
        assert!(phantoms.is_empty(), "{kind}: phantom changes {phantoms:?}");
        assert!(
            no_ops * 20 <= want.len().max(20),
            "{kind}: {no_ops} generator no-ops is suspiciously many"
        );
        // Noise rows must not surface as changes of the noisy field.
        let mut noise =
            csv::Reader::from_path(corpus.join(format!("changes/{kind}.noise.csv"))).unwrap();
        for rec in noise.records() {
            let rec = rec.unwrap();
            if let Some((_, _, gf)) = got.get(&key(&rec[0])) {
                assert!(
                    !gf.contains(&rec[1]),
                    "{kind}: noise in {} of {} reported",
                    &rec[1],
                    &rec[0]
                );
            }
        }
    }
    assert!(checked > 500, "only {checked} changes checked");
}

/// The whole bureau flow through the binary: `mulu import` two CSV versions,
/// then `mulu diff` the labels. Money written `57077.5` vs `57077.50` and a
/// full-width space are noise; a price change, a deactivation and a removal are not.
#[test]
fn import_two_csv_versions_then_diff_labels() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    const H: &str = "医用耗材代码,一级分类,二级分类,三级分类,医保通用名,耗材材质,规格,型号,注册备案号,注册备案产品名称,注册备案人,生产企业,最小使用单位,价格,有效标志";
    let rows1 = [
        "C02010800412001000000111271,介入治疗,导管类,导管,导管,聚四氟乙烯,Φ11.4mm×180mm,JTP-2247,京械注准20192104472,无菌导管,湖南云盛,湖南云盛,根,57077.5,1",
        "C02010800412001000000211271,介入治疗,导管类,导管,导管,聚四氟乙烯,L,AG-1487,京械注准20192104472,无菌导管,湖南云盛,湖南云盛,根,49623.56,1",
        "C03280208916001000000123137,骨科材料,内固定类,内固定,内固定,羟基磷灰石,17F,BSP-6699,苏械注准20172088048,医用内固定,中达,中达,支,7821.94,1",
        "C03470610201001000000159785,骨科材料,注射器类,注射器,注射器,不锈钢,20F,JTB-2266,湘械注准20222144538,注射器,普鑫,普鑫,盒,21549.59,1",
    ];
    let rows2 = [
        "C02010800412001000000111271,介入治疗,导管类,导管,导管,聚四氟乙烯,Φ11.4mm×180mm,JTP-2247,京械注准20192104472,无菌导管,湖南云盛,湖南云盛　,根,57077.50,1",
        "C02010800412001000000211271,介入治疗,导管类,导管,导管,聚四氟乙烯,L,AG-1487,京械注准20192104472,无菌导管,湖南云盛,湖南云盛,根,45000.00,1",
        "C03280208916001000000123137,骨科材料,内固定类,内固定,内固定,羟基磷灰石,17F,BSP-6699,苏械注准20172088048,医用内固定,中达,中达,支,7821.94,0",
    ];
    for (label, rows) in [("2026-01", &rows1[..]), ("2026-02", &rows2[..])] {
        let p = dir.path().join(format!("{label}.csv"));
        std::fs::write(&p, format!("{H}\n{}\n", rows.join("\n"))).unwrap();
        let out = mulu(
            &home,
            &[
                "-q",
                "import",
                p.to_str().unwrap(),
                "--kind",
                "consumable",
                "--label",
                label,
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "import {label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = mulu(
        &home,
        &["--json", "diff", "2026-01", "2026-02", "--fail-if-diff"],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(&str, &str)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["class"].as_str().unwrap(), c["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("deactivated", "C03280208916001000000123137"),
            ("removed", "C03470610201001000000159785"),
            ("changed", "C02010800412001000000211271"),
        ]
    );
    let price = &v["changes"][2]["fields"][0];
    assert_eq!(
        (price["field"].as_str(), price["kind"].as_str()),
        (Some("price"), Some("money"))
    );
    assert_eq!(v["summary"]["unchanged"], 1);
}

/// A mapping work book as a hospital keeps it (title row above the header,
/// 3301 field names), read through the importer's table reader.
#[test]
fn impact_from_a_mapping_xlsx_with_a_title_row() {
    let dir = setup();
    let home = dir.path().join("home");
    let xl = dir.path().join("map.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let rows = [
        ["某医院医保对照表", "", ""],
        [
            "fixmedins_hilist_id",
            "fixmedins_hilist_name",
            "med_list_codg",
        ],
        ["H9", "院内丙", C],
        ["H8", "院内甲", A],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save(&xl).unwrap();
    let ixl = dir.path().join("impact.xlsx");
    let out = mulu(
        &home,
        &[
            "--json",
            "diff",
            "v1",
            "v2",
            "--mapping",
            xl.to_str().unwrap(),
            "--impact-xlsx",
            ixl.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = v["impact"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", v["impact"]);
    assert_eq!(items[0]["mapping"]["hospital_code"], "H9");
    assert_eq!(items[0]["reason"], "changed");
    let fields: Vec<&str> = items[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["spec", "restriction"]);
    assert!(zip_text(&ixl, "xl/sharedStrings.xml").contains("H9"));
}

/// A side read from a file with bad rows: refused by default (rejects
/// written and named), accepted under --max-reject with a warning that the
/// rows are left out of the diff.
#[test]
fn file_side_with_rejects_obeys_max_reject() {
    let dir = setup();
    let home = dir.path().join("home");
    let csv = dir.path().join("v3.csv");
    std::fs::write(
        &csv,
        format!(
            "药品代码,注册名称,规格,生产企业,批准文号\n{A},阿莫西林胶囊,0.25g*24粒,石药集团,国药准字H13000001\nXJ01-bad,坏码,1g,某厂,国药准字H1\n{NEW2},布洛芬缓释胶囊,0.3g*20粒,中美史克,国药准字H10900089\n"
        ),
    )
    .unwrap();
    let out = mulu(&home, &["diff", "v2", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 of 3 rows rejected"), "{err}");
    let rejects = home.join("rejects").join("diff-new-drug-v3.rejects.csv");
    assert!(err.contains("diff-new-drug-v3.rejects.csv"), "{err}");
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert!(text.contains("XJ01-bad"), "{text}");

    let out = mulu(
        &home,
        &[
            "--json",
            "diff",
            "v2",
            csv.to_str().unwrap(),
            "--max-reject",
            "0.5",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("left out of the diff"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["new"]["rows"], 2);
    let out = mulu(&home, &["diff", "v1", "v2", "--max-reject", "2"]);
    assert_eq!(out.status.code(), Some(1));
}

/// Library errors name no flag (the same text reaches HTTP clients); the
/// binary adds the advice on its own `提示` line.
#[test]
fn version_errors_get_the_flag_advice_from_the_cli_only() {
    let dir = setup();
    let home = dir.path().join("home");
    let mut store = Store::open_home(&home).unwrap();
    let meta = VersionMeta {
        category: Category::Service,
        label: "v1".into(),
        source: "e2e".into(),
        published: None,
        note: None,
    };
    let svc = Entry::new(
        "003313010030000",
        "卵巢修补术",
        Detail::empty(Category::Service),
    );
    store
        .import_version(&meta, false, [Ok::<_, String>(svc)])
        .unwrap();
    drop(store);
    let lines = |o: &Output| -> (String, String) {
        let err = crate::util::stderr(o);
        let pick = |p: &str| {
            err.lines()
                .find(|l| l.starts_with(p))
                .unwrap_or_else(|| panic!("no '{p}' line in: {err}"))
                .to_string()
        };
        (pick("错误 (error):"), pick("提示"))
    };

    // v1 is both a drug and a service version.
    let out = mulu(&home, &["diff", "v1", "v9"]);
    assert_eq!(out.status.code(), Some(1));
    let (error, hint) = lines(&out);
    assert!(
        error.contains("v1") && error.contains("drug, service"),
        "{error}"
    );
    assert!(!error.contains("--"), "{error}");
    assert!(hint.contains("--kind"), "{hint}");

    let out = mulu(&home, &["diff", "v1", "v9", "--kind", "drug"]);
    assert_eq!(out.status.code(), Some(1));
    let (error, hint) = lines(&out);
    assert!(
        error.contains("v9") && !error.contains("mulu versions"),
        "{error}"
    );
    assert!(hint.contains("mulu versions"), "{hint}");
}
