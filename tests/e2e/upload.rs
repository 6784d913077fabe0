//! The upload cycle: each export a numbered batch; `--new` sends only what
//! changed; `export 3302` revokes what was replaced after its upload; memo
//! stays empty unless asked.

use crate::r#match::{setup, HIS};
use crate::util::{json, stderr};

fn rows(path: &std::path::Path) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["data"].as_array().unwrap().clone())
        .collect()
}

#[test]
fn batches_new_only_and_revokes_follow_the_reviews() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    env.ok(&[
        "review",
        "approve",
        "Y001",
        "--by",
        "张三",
        "--note",
        "内部：核对批准文号",
    ]);
    env.ok(&["review", "approve", "Y005", "--by", "张三"]);
    let p = |n: &str| env.path(n).to_str().unwrap().to_string();

    let first = json(&env.mulu(&["--json", "export", "3301", "--out", &p("1.json")]));
    assert_eq!(
        (first["rows"].as_u64(), first["upload_batch"]["id"].as_i64()),
        (Some(2), Some(1)),
        "{first}"
    );
    let sent = rows(&env.path("1.json"));
    // The internal note is not sent unless asked.
    assert!(sent.iter().all(|r| r["memo"] == ""), "{sent:?}");
    let with_memo = json(&env.mulu(&["--json", "export", "3301", "--memo", "--out", &p("m.json")]));
    assert_eq!(with_memo["upload_batch"]["id"], 2);
    assert!(rows(&env.path("m.json"))
        .iter()
        .any(|r| r["memo"] == "内部：核对批准文号"));

    // Nothing changed: --new sends nothing.
    let again = json(&env.mulu(&["--json", "export", "3301", "--new", "--out", &p("2.json")]));
    assert_eq!(again["rows"], 0, "{again}");

    // Y001 moves to another code: --new sends it, 3302 revokes the old pair.
    env.ok(&[
        "review",
        "replace",
        "Y001",
        "--code",
        "XJ01CAA040E001010200600",
        "--by",
        "李四",
    ]);
    let new = json(&env.mulu(&["--json", "export", "3301", "--new", "--out", &p("3.json")]));
    assert_eq!(new["rows"], 1, "{new}");
    assert_eq!(
        rows(&env.path("3.json"))[0]["med_list_codg"],
        "XJ01CAA040E001010200600"
    );
    let rev = json(&env.mulu(&["--json", "export", "3302", "--out", &p("r.json")]));
    assert_eq!(rev["rows"], 1, "{rev}");
    let r = &rows(&env.path("r.json"))[0];
    assert_eq!(
        (
            r["fixmedins_hilist_id"].as_str(),
            r["med_list_codg"].as_str(),
            r["list_type"].as_str()
        ),
        (Some("Y001"), Some("XJ01CAA040E001010100600"), Some("101")),
        "{r}"
    );
    // A revoke is sent once.
    let rev2 = json(&env.mulu(&["--json", "export", "3302", "--out", &p("r2.json")]));
    assert_eq!(rev2["rows"], 0, "{rev2}");
    // Rejecting an uploaded mapping revokes it too.
    env.ok(&["review", "reject", "Y005", "--by", "李四"]);
    let rev3 = json(&env.mulu(&["--json", "export", "3302", "--out", &p("r3.json")]));
    assert_eq!(rev3["rows"], 1, "{rev3}");

    let st = json(&env.mulu(&["--json", "status"]));
    assert_eq!(
        (
            st["last_export"]["kind"].as_str(),
            st["last_export"]["id"].as_i64()
        ),
        (Some("3302"), Some(7)),
        "{st}"
    );
}

/// The catalogue without the rows of `codes`, as a newer version.
fn without(codes: &[&str]) -> String {
    crate::r#match::CATALOGUE
        .lines()
        .filter(|l| !codes.iter().any(|c| l.starts_with(c)))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_target_dropped_by_the_next_catalogue_is_held_back_until_re_decided() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    env.ok(&["review", "approve", "Y001", "--by", "张三"]);
    env.ok(&["review", "approve", "Y005", "--by", "张三"]);
    let p = |n: &str| env.path(n).to_str().unwrap().to_string();
    let v2 = env.file(
        "v2.csv",
        without(&["XJ01CAA040E001010100600", "XB01ACA056A012010100300"]),
    );
    env.ok(&["import", &v2, "--kind", "drug", "--label", "v2"]);

    // Both are shown as 需复核 and held back from 3301, with the reason.
    let list = env.ok(&["review", "list", "--rereview"]);
    assert!(list.contains("需复核") && list.contains("v2"), "{list}");
    let listed = json(&env.mulu(&["--json", "review", "list", "--status", "approved"]));
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["needs_rereview"]["code"] == "removed"),
        "{listed}"
    );
    let st = json(&env.mulu(&["--json", "review", "stats"]));
    assert_eq!(st["stats"]["needs_rereview"], 2, "{st}");
    let o = env.mulu(&["export", "3301", "--out", &p("held.json")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("需复核"), "{}", stderr(&o));
    let x = json(&env.mulu(&["--json", "export", "3301", "--out", &p("1.json")]));
    assert_eq!(x["rows"], 0, "{x}");
    let held = x["held_back"].as_array().unwrap();
    assert_eq!(held.len(), 2, "{x}");
    assert!(held[0]["reason"].as_str().unwrap().contains("v2"), "{x}");

    // Re-approved after v2 arrived, or replaced: sent again.
    env.ok(&["review", "approve", "Y001", "--by", "李四"]);
    env.ok(&[
        "review",
        "replace",
        "Y005",
        "--code",
        "XJ01FAA051A001010201187",
        "--by",
        "李四",
    ]);
    let x = json(&env.mulu(&["--json", "export", "3301", "--out", &p("2.json")]));
    assert_eq!(
        (x["rows"].as_u64(), x["held_back"].as_array().map(Vec::len)),
        (Some(2), Some(0)),
        "{x}"
    );
    let codes: Vec<String> = rows(&env.path("2.json"))
        .iter()
        .map(|r| r["med_list_codg"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        codes,
        ["XJ01CAA040E001010100600", "XJ01FAA051A001010201187"]
    );
}

#[test]
fn mulu_toml_gives_the_institution_code_and_region_list_types() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    env.ok(&["review", "approve", "Y001", "--by", "张三"]);
    env.ok(&["review", "approve", "Y005", "--by", "张三"]);
    let p = |n: &str| env.path(n).to_str().unwrap().to_string();
    std::fs::write(
        env.home.path().join("mulu.toml"),
        "fixmedins_code = \"H44010600124\"\nfixmedins_name = \"某某市人民医院\"\n\n[list_type]\ntable = \"national\"\n\n[list_type.prefix]\nXJ = \"109\"\n",
    )
    .unwrap();

    let status = env.ok(&["status"]);
    assert!(
        status.contains("H44010600124") && status.contains("XJ… 109"),
        "{status}"
    );
    env.ok(&["export", "3301", "--out", &p("1.json")]);
    let f: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("1.json")).unwrap()).unwrap();
    assert_eq!(f["batches"][0]["fixmedins_code"], "H44010600124", "{f}");
    let lt: Vec<(String, String)> = rows(&env.path("1.json"))
        .iter()
        .map(|r| {
            (
                r["fixmedins_hilist_id"].as_str().unwrap().into(),
                r["list_type"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        lt,
        [("Y001".into(), "109".into()), ("Y005".into(), "101".into())],
        "prefix XJ overrides, XB keeps the table"
    );
    // Flags win over the file.
    env.ok(&[
        "export",
        "3301",
        "--list-type-table",
        "national",
        "--fixmedins-code",
        "H11000000001",
        "--out",
        &p("2.json"),
    ]);
    let f: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.path("2.json")).unwrap()).unwrap();
    assert_eq!(f["batches"][0]["fixmedins_code"], "H11000000001");
    assert_eq!(rows(&env.path("2.json"))[0]["list_type"], "101");
    // 3302 rows carry the institution code.
    env.ok(&["review", "reject", "Y001", "--by", "李四"]);
    env.ok(&["export", "3302", "--out", &p("r.json")]);
    let r = &rows(&env.path("r.json"))[0];
    assert_eq!(
        (r["fixmedins_code"].as_str(), r["list_type"].as_str()),
        (Some("H44010600124"), Some("109")),
        "{r}"
    );

    // A malformed file: exit 2, naming the file, the line and the key.
    std::fs::write(
        env.home.path().join("mulu.toml"),
        "fixmedins_code = \"H44010600124\"\n[list_type]\n\"西药\" = \"1O1\"\n",
    )
    .unwrap();
    let o = env.mulu(&["export", "3301", "--out", &p("3.json")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("mulu.toml") && e.contains("第3行") && e.contains("list_type.西药"),
        "{e}"
    );
    assert!(!env.path("3.json").exists(), "nothing written");
    assert_eq!(env.mulu(&["status"]).status.code(), Some(2));
}

#[test]
fn the_sign_off_list_has_a_summary_a_sheet_per_kind_and_signature_lines() {
    use calamine::{Reader, Xlsx};
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    env.ok(&["review", "approve", "Y001", "--by", "张三"]);
    env.ok(&["review", "approve", "Y005", "--by", "张三"]);
    env.ok(&["review", "reject", "Y002", "--by", "张三"]);
    std::fs::write(
        env.home.path().join("mulu.toml"),
        "fixmedins_name = \"某某市人民医院\"\n",
    )
    .unwrap();
    let out = env.path("对照清单.xlsx");
    let text = env.ok(&["export", "signoff", "--out", out.to_str().unwrap()]);
    assert!(text.contains("西药中成药 2"), "{text}");

    let mut wb: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    assert_eq!(wb.sheet_names(), ["汇总", "西药中成药"]);
    let cell = |r: &calamine::Range<calamine::Data>, row: u32, col: u32| {
        r.get_value((row, col))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    let sum = wb.worksheet_range("汇总").unwrap();
    assert!(cell(&sum, 0, 0).contains("某某市人民医院"), "title");
    let head: Vec<String> = (0..9).map(|c| cell(&sum, 2, c)).collect();
    assert_eq!(
        head,
        [
            "类别",
            "待审核",
            "通过",
            "替换",
            "存疑",
            "驳回",
            "无对应",
            "需复核",
            "合计"
        ]
    );
    assert_eq!(cell(&sum, 3, 0), "西药中成药");
    // 通过 2, 驳回 1, 合计 5.
    assert_eq!(
        (cell(&sum, 3, 2), cell(&sum, 3, 5), cell(&sum, 3, 8)),
        ("2".into(), "1".into(), "5".into())
    );

    let ws = wb.worksheet_range("西药中成药").unwrap();
    let head: Vec<String> = (0..14).map(|c| cell(&ws, 2, c)).collect();
    assert_eq!(
        &head[..10],
        [
            "序号",
            "院内编码",
            "院内名称",
            "院内规格",
            "院内生产企业",
            "医保编码",
            "医保名称",
            "医保规格",
            "医保生产企业",
            "置信度"
        ]
    );
    let codes: Vec<String> = (3..5).map(|r| cell(&ws, r, 1)).collect();
    assert_eq!(codes, ["Y001", "Y005"]);
    assert_eq!(cell(&ws, 3, 5), "XJ01CAA040E001010100600");
    assert_eq!(
        cell(&ws, 3, 7),
        "0.25g",
        "the catalogue's spec beside the hospital's"
    );
    assert_eq!(cell(&ws, 3, 11), "张三");
    let all: String = ws.cells().map(|(_, _, v)| v.to_string()).collect();
    for s in ["经办人", "医保办负责人", "日期"] {
        assert!(all.contains(s), "{s} missing");
    }
    // Only xlsx.
    let bad = env.mulu(&[
        "export",
        "signoff",
        "--out",
        env.path("x.csv").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(1));
}
