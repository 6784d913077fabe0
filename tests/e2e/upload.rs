//! The upload cycle: each export a numbered batch; `--new` sends only what
//! changed; `export 3302` revokes what was replaced after its upload; memo
//! stays empty unless asked.

use crate::r#match::{setup, HIS};
use crate::util::json;

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
