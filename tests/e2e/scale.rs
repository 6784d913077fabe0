//! Review at scale through the real binary: bulk (with a dry run), undo by
//! batch and by item, history, reset, stats, and the warning shown before
//! re-deciding another reviewer's decision.

use crate::r#match::{setup, HIS};
use crate::util::{json, stderr, stdout, Env};

fn matched() -> Env {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    env
}

fn approved(env: &Env) -> usize {
    json(&env.mulu(&["--json", "review", "list", "--status", "approved"]))
        .as_array()
        .unwrap()
        .len()
}

#[test]
fn bulk_dry_run_then_bulk_then_undo_the_batch() {
    let env = matched();
    let st = json(&env.mulu(&["--json", "review", "stats"]));
    let high: u64 = st["stats"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["tier"] == "high" && c["status"] == "suggested")
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert!(high >= 1, "{st}");

    let dry = json(&env.mulu(&[
        "--json",
        "review",
        "bulk",
        "--action",
        "approve",
        "--tier",
        "高",
        "--dry-run",
        "--by",
        "王",
    ]));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["report"]["changed"].as_u64(), Some(high), "{dry}");
    assert_eq!(approved(&env), 0, "a dry run writes nothing");

    // Every undecided row: the weak ones are refused, each with its reason.
    let out = env.mulu(&["review", "bulk", "--action", "通过", "--by", "王"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("批量「通过」：筛选出 5 条"), "{text}");
    assert!(text.contains("未能改动"), "{text}");
    let again = json(&env.mulu(&[
        "--json", "review", "bulk", "--action", "approve", "--by", "王",
    ]));
    let r = &again["report"];
    assert_eq!(
        r["changed"], 0,
        "the strong ones are approved already: {again}"
    );
    let skipped = r["skipped"].as_array().unwrap();
    assert!(!skipped.is_empty(), "{again}");
    assert!(
        skipped.iter().all(|s| s["reason"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{2e80}')),
        "reasons are Chinese: {again}"
    );
    let first = approved(&env);
    assert!(first as u64 >= high, "{first}");

    // The batch id is printed; undoing it restores every row.
    let batch = text
        .lines()
        .find(|l| l.contains("--batch"))
        .and_then(|l| l.split_whitespace().last())
        .expect("a batch id")
        .to_string();
    assert!(batch.starts_with("bulk-"), "{text}");
    let u = json(&env.mulu(&["--json", "review", "undo", "--batch", &batch, "--by", "王"]));
    assert_eq!(u["restored"].as_u64(), Some(first as u64), "{u}");
    assert_eq!(approved(&env), 0);
}

#[test]
fn history_reset_undo_and_the_earlier_decision_warning() {
    let env = matched();
    env.ok(&["review", "approve", "Y001", "--by", "张三"]);
    // Another reviewer re-decides: the earlier decision is shown first.
    let o = env.mulu(&["review", "flag", "Y001", "--by", "李四"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let warn = stderr(&o);
    assert!(
        warn.contains("张三") && warn.contains("通过") && warn.contains("李四"),
        "{warn}"
    );
    // The same reviewer again: no warning.
    let o = env.mulu(&["review", "flag", "Y001", "--by", "李四", "--note", "再看"]);
    assert!(!stderr(&o).contains("张三"), "{}", stderr(&o));

    let h = json(&env.mulu(&["--json", "review", "history", "Y001"]));
    let actions: Vec<&str> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["suggested", "approved", "flagged", "flagged"],
        "{h}"
    );
    let id = h["mapping"]["id"].as_i64().unwrap().to_string();
    let text = env.ok(&["review", "history", &id]);
    assert!(
        text.contains("张三") && text.contains("存疑") && text.contains("备注：再看"),
        "{text}"
    );

    let r = json(&env.mulu(&[
        "--json",
        "review",
        "reset",
        "Y001",
        "--by",
        "王",
        "--note",
        "重新核对",
    ]));
    assert_eq!(r["status"], "suggested", "{r}");
    let again = env.mulu(&["review", "reset", "Y001", "--by", "王"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("待审核"), "{}", stderr(&again));
    let h = json(&env.mulu(&["--json", "review", "history", "Y001"]));
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["who"].as_str()),
        (Some("suggested"), Some("王"))
    );

    let u = json(&env.mulu(&["--json", "review", "undo", "Y001", "--by", "王"]));
    assert_eq!(u["status"], "flagged", "the reset is undone: {u}");
    let none = env.mulu(&["review", "undo", "--by", "王"]);
    assert_ne!(none.status.code(), Some(0));
}

#[test]
fn stats_table_counts_by_kind_tier_and_status() {
    let env = matched();
    env.ok(&["review", "approve", "Y001", "--by", "张三"]);
    let text = env.ok(&["review", "stats"]);
    assert!(text.contains("共 5 条对照"), "{text}");
    assert!(text.contains("置信度") && text.contains("合计"), "{text}");
    let drug_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("西药中成药"))
        .collect();
    assert!(!drug_lines.is_empty(), "{text}");
    // The total column adds up to every mapping.
    let sum: u64 = drug_lines
        .iter()
        .map(|l| l.split_whitespace().last().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(sum, 5, "{text}");
    let v = json(&env.mulu(&["--json", "review", "stats"]));
    assert_eq!(
        (
            v["stats"]["total"].as_u64(),
            v["stats"]["confirmed"].as_u64()
        ),
        (Some(5), Some(1))
    );
}
