//! `mulu index / match / search / review / export / eval` through the real
//! binary on a small hand-written catalogue and HIS dictionary.

use crate::util::{json, stderr, Env};

pub(crate) const CATALOGUE: &str = "\
药品代码,注册名称,商品名称,剂型,规格,包装材质,最小包装数量,最小制剂单位,最小包装单位,生产企业,批准文号,药品本位码
XJ01CAA040E001010100600,阿莫西林胶囊,,胶囊剂,0.25g,铝塑,24,粒,盒,珠海联邦制药股份有限公司中山分公司,国药准字H44021351,86900600000011
XJ01CAA040E001010200600,阿莫西林胶囊,,胶囊剂,0.25g,铝塑,12,粒,盒,珠海联邦制药股份有限公司中山分公司,国药准字H44021351,86900600000022
XJ01CAA040E001010100100,阿莫西林胶囊,,胶囊剂,0.25g,铝塑,24,粒,盒,华北制药股份有限公司,国药准字H13020998,86900100000011
XJ01FAA051A001010201187,阿奇霉素片,希舒美,薄膜衣片,0.25g,铝塑,6,片,盒,辉瑞制药有限公司,国药准字H10960167,86901187000015
XB01ACA056A012010100300,阿司匹林肠溶片,拜阿司匹灵,肠溶片,100mg,铝塑,30,片,盒,拜耳医药保健有限公司,国药准字J20130078,86900300000011
";

pub(crate) const HIS: &str = "\
院内编码,院内名称,类别,规格,剂型,单位,生产企业,批准文号,标准编码
Y001,阿莫西林胶囊,西药,0.25g*24粒/盒,胶囊,盒,联邦制药,国药准字 h44021351,XJ01CAA040E001010100600
Y002,阿奇霉素片(希舒美Zithromax),西药,0.25g*6片,片剂,盒,辉瑞,,XJ01FAA051A001010201187
Y003,,西药,,,,,,
Y004,紫杉醇注射液,西药,30mg:5ml,注射液,支,,,
Y005,阿司匹林肠溶片 100mg*30片,西药,,,盒,拜耳,,XB01ACA056A012010100300
";

pub(crate) fn setup() -> Env {
    let env = Env::new();
    let cat = env.file("drug.csv", CATALOGUE);
    env.ok(&["import", &cat, "--kind", "drug", "--label", "v1"]);
    env
}

#[test]
fn index_match_review_export_round_trip() {
    let env = setup();
    let out = env.ok(&["index", "--kind", "drug"]);
    assert!(out.contains("已建索引 drug v1：5 行"), "{out}");
    // A second run re-uses the index.
    assert!(env.ok(&["index"]).contains("已是最新"));

    let his = env.file("his.csv", HIS);
    let json_out = env.path("m.json");
    let summary: serde_json::Value = serde_json::from_str(&env.ok(&[
        "--json",
        "match",
        &his,
        "--out",
        json_out.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(summary["matched_rows"], 5, "{summary}");
    let rows: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    // One output row per input row, in input order.
    let codes: Vec<&str> = rows
        .iter()
        .map(|r| r["item"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["Y001", "Y002", "Y003", "Y004", "Y005"]);
    assert_eq!(
        rows[0]["result"]["candidates"][0]["code"],
        "XJ01CAA040E001010100600"
    );
    assert_eq!(rows[0]["result"]["tier"], "high");
    assert_eq!(
        rows[1]["result"]["candidates"][0]["code"],
        "XJ01FAA051A001010201187"
    );
    assert_eq!(rows[2]["result"]["tier"], "none");
    assert!(rows[3]["result"]["tier"] == "none" || rows[3]["result"]["tier"] == "low");

    // xlsx and csv outputs too.
    let xlsx = env.path("m.xlsx");
    env.ok(&["match", &his, "--out", xlsx.to_str().unwrap()]);
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);
    let csv = env.path("m.csv");
    env.ok(&["match", &his, "--out", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 6, "{text}");
    assert!(text.contains("审核结果"));

    // Suggestions are in the store; approve one, replace one, reject with an unknown status.
    let list = env.ok(&["review", "list", "--status", "suggested"]);
    assert!(list.contains("Y001"), "{list}");
    env.ok(&["review", "approve", "Y001", "--by", "张三"]);
    let o = env.mulu(&["review", "replace", "Y002"]);
    assert!(!o.status.success());
    env.ok(&[
        "review",
        "replace",
        "Y002",
        "--code",
        "XJ01FAA051A001010201187",
        "--by",
        "张三",
    ]);
    let o = env.mulu(&["review", "replace", "Y005", "--code", "XNOSUCHCODE"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not in any catalogue version"));

    // Apply a reviewed file: one good row, one unknown status (reported with its row).
    let reviewed = env.file(
        "reviewed.csv",
        "院内编码,院内名称,类别,审核结果,替换编码\nY005,阿司匹林肠溶片 100mg*30片,drug,通过,\nY004,紫杉醇注射液,drug,maybe,\n",
    );
    // By default one bad row keeps the whole file out; --partial writes the good ones.
    let o = env.mulu(&["review", "apply", &reviewed]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("第3行") && err.contains("maybe"), "{err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("通过 0"));
    let o = env.mulu(&["review", "apply", &reviewed, "--partial"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("通过 1"));

    // Re-matching keeps the approved target and does not overwrite the review.
    let rows2 = env.path("m2.json");
    env.ok(&["match", &his, "--out", rows2.to_str().unwrap()]);
    let r2: serde_json::Value = serde_json::from_slice(&std::fs::read(&rows2).unwrap()).unwrap();
    assert_eq!(r2[0]["previous"], "approved");
    assert!(r2[0]["result"]["reason"]
        .as_str()
        .unwrap()
        .contains("approved earlier"));

    // Export: three confirmed mappings, 3301 fields, in batches.
    let exp = env.path("3301.json");
    env.ok(&["export", "3301", "--out", exp.to_str().unwrap()]);
    let e: serde_json::Value = serde_json::from_slice(&std::fs::read(&exp).unwrap()).unwrap();
    let data = e["batches"][0]["data"].as_array().unwrap();
    assert_eq!(data.len(), 3, "{e}");
    let y1 = data
        .iter()
        .find(|r| r["fixmedins_hilist_id"] == "Y001")
        .unwrap();
    assert_eq!(y1["med_list_codg"], "XJ01CAA040E001010100600");
    assert_eq!(y1["list_type"], "101");
    assert_eq!(y1["aprvno"], "国药准字H44021351");
    assert_eq!(y1["enddate"], "2099-12-31");
    let x = env.path("3301.xlsx");
    env.ok(&[
        "export",
        "3301",
        "--out",
        x.to_str().unwrap(),
        "--list-type-table",
        "hunan",
    ]);
}

#[test]
fn search_eval_and_bad_input() {
    let env = setup();
    let r: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "search", "希舒美"])).unwrap();
    assert_eq!(r["candidates"][0]["code"], "XJ01FAA051A001010201187");
    let text = env.ok(&["search", "阿莫西林胶囊 0.25g*12粒"]);
    assert!(text.contains("XJ01CAA040E001010200600"), "{text}");

    let his = env.file("his.csv", HIS);
    let rep: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "eval", &his, "--baseline"])).unwrap();
    assert_eq!(rep["items"], 5);
    assert!(rep["top1_pct"].as_f64().unwrap() >= 80.0, "{rep}");
    assert!(rep["baseline"]["items"] == 5);

    let o = env.mulu(&["match", &his, "--kind", "pizza"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown kind"));
    let o = env.mulu(&["match", "/no/such/file.csv"]);
    assert!(!o.status.success());
    let o = env.mulu(&["search", "x", "--kind", "service"]);
    assert!(!o.status.success(), "no service version: a clear error");
}

#[test]
fn eval_baseline_shows_both_baselines_recall_and_calibration() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    let text = env.ok(&["eval", &his, "--baseline"]);
    for needle in [
        "recall@20",
        "baseline key+BM25 (all fields)",
        "baseline WRatio (fuzzy names)",
        "mulu | key+BM25 | WRatio",
        "reliability",
        "ECE",
        "no counterpart: 2 items",
    ] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    let rep: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "eval", &his, "--baseline"])).unwrap();
    // Y001, Y002 and Y005 have a counterpart; Y003 (no name) and Y004 have none.
    assert_eq!(rep["slices"]["all"]["items"], 3, "{rep}");
    assert_eq!(rep["slices"]["key"]["items"], 1, "{rep}");
    assert_eq!(rep["no_counterpart"]["items"], 2, "{rep}");
    // The 批准文号 alone picks the right two rows; the 24-粒 spec then picks one.
    assert_eq!(rep["slices"]["key"]["bm25"]["top1"], 1, "{rep}");
    let b = &rep["baseline"];
    for k in [
        "bm25_top1_pct",
        "bm25_recall20_pct",
        "wratio_top1_pct",
        "wratio_recall20_pct",
    ] {
        assert!(b[k].as_f64().is_some(), "{k}: {rep}");
    }
    let bins = rep["reliability"].as_array().unwrap();
    let binned: u64 = bins.iter().map(|b| b["items"].as_u64().unwrap()).sum();
    // Every item with a best candidate lands in exactly one bin.
    assert!((3..=5).contains(&binned), "{rep}");
    assert!(rep["ece_pts"].as_f64().unwrap() >= 0.0);
}

/// Decide the first `n` matched rows of `matched` (a `match --out x.json`)
/// as a reviewer holding the labels would: approve a right suggestion,
/// reject a wrong one (every other one) or replace it with the true code, no
/// counterpart where there is none. Returns what `calibrate` must count:
/// (right, wrong, left out for having no candidate).
fn decide_by_label(env: &Env, matched: &serde_json::Value, n: usize) -> (usize, usize, usize) {
    use mapping::{decide, Action, Request};
    let mut store = catalog_core::Store::open_home(env.home.path()).unwrap();
    let (mut right, mut wrong, mut none) = (0, 0, 0);
    for (i, row) in matched.as_array().unwrap().iter().take(n).enumerate() {
        let truth = row["item"]["truth"].as_str().unwrap_or("");
        let best = row["result"]["candidates"][0]["code"].as_str();
        let code = row["item"]["code"].as_str().unwrap();
        let name = row["item"]["name"].as_str().unwrap();
        let m = store
            .find_mapping(catalog_core::Category::Drug, code, name)
            .unwrap()
            .expect("match stored a suggestion");
        let action = match best {
            None => {
                none += 1;
                if truth.is_empty() {
                    Action::NoCounterpart
                } else {
                    Action::Replace(truth.into())
                }
            }
            Some(_) if truth.is_empty() => {
                wrong += 1;
                Action::NoCounterpart
            }
            Some(b) if b == truth => {
                right += 1;
                Action::Approve
            }
            Some(_) => {
                wrong += 1;
                if i % 2 == 0 {
                    Action::Reject
                } else {
                    Action::Replace(truth.into())
                }
            }
        };
        let mut req = Request::new(action, "张三");
        req.confirm = true;
        decide(&mut store, &m, &req).unwrap();
    }
    (right, wrong, none)
}

fn probabilities(path: &std::path::Path) -> Vec<Option<f64>> {
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"]["probability"].as_f64())
        .collect()
}

/// Issue #17, "re-fit on a hospital's own reviewed decisions": a handful is
/// refused with the counts (exit 2, nothing written); enough decisions re-fit
/// the per-field model into `<home>/field_model.json`, and the next match of
/// the same home reports its probabilities; a corrupt file is a warning and
/// the shipped model.
#[test]
fn calibrate_refuses_a_handful_of_decisions_and_fits_enough() {
    let env = Env::new();
    let root = crate::util::root();
    env.ok(&[
        "import",
        &format!("{root}/data/samples/v1/drug.csv"),
        "--kind",
        "drug",
        "--label",
        "v1",
    ]);
    let his = format!("{root}/data/samples/hospital/drug.labelled.csv");
    let before = env.path("before.json");
    let out = before.to_str().unwrap();
    env.ok(&["match", &his, "--kind", "drug", "--out", out]);
    let matched: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&before).unwrap()).unwrap();
    let field_model = env.home.path().join("field_model.json");
    let calibration = env.home.path().join("calibration.json");

    // A handful: refused with the counts and what is needed, nothing written.
    let (r, w, _) = decide_by_label(&env, &matched, 6);
    let o = env.mulu(&["calibrate"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("已审核的决定太少"), "{err}");
    assert!(err.contains(&format!("正确 {r} 条、错误 {w} 条")), "{err}");
    assert!(err.contains("至少需要 50 条"), "{err}");
    assert!(err.contains("未写入任何文件"), "{err}");
    let o = env.mulu(&["--json", "calibrate"]);
    assert_eq!(o.status.code(), Some(2));
    let e: serde_json::Value = serde_json::from_str(stderr(&o).trim()).unwrap();
    assert_eq!(e["error"]["exit_code"], 2, "{e}");
    assert!(!field_model.exists() && !calibration.exists());

    // Every item decided: a re-fit on what the decisions say.
    let (right, wrong, none) = decide_by_label(&env, &matched, usize::MAX);
    assert!(wrong >= 10 && right >= 50, "{right} {wrong}");
    let dry: serde_json::Value =
        serde_json::from_str(&env.ok(&["--json", "calibrate", "--dry-run"])).unwrap();
    assert_eq!(dry["dry_run"], true);
    assert!(
        !field_model.exists() && !calibration.exists(),
        "--dry-run wrote"
    );
    let c: serde_json::Value = serde_json::from_str(&env.ok(&["--json", "calibrate"])).unwrap();
    assert_eq!(c["by_kind"]["drug"]["right"], right, "{c}");
    assert_eq!(c["by_kind"]["drug"]["wrong"], wrong, "{c}");
    assert_eq!(c["by_kind"]["drug"]["no_candidate"], none, "{c}");
    assert_eq!(c["field_model"]["right"], right, "{c}");
    assert_eq!(c["field_model"]["wrong"], wrong, "{c}");
    assert_eq!(c["in_sample"], true);
    for m in ["refitted", "shipped"] {
        assert!(c["reliability"][m]["ece_pts"].is_f64(), "{c}");
        assert!(!c["reliability"][m]["bins"].as_array().unwrap().is_empty());
    }
    assert!(field_model.exists() && calibration.exists());
    let text = env.ok(&["calibrate", "--dry-run"]);
    assert!(
        text.contains(&format!("正确 {right} 条、错误 {wrong} 条")),
        "{text}"
    );
    assert!(text.contains("样本内"), "{text}");
    assert!(text.contains("ECE"), "{text}");
    // Drug decisions only: the diagnoses keep the shipped model of their own,
    // and the clerk is told so.
    let dx = "类别:疾病诊断(ICD-10医保版)";
    assert_eq!(
        c["field_model"]["by_category"][dx],
        serde_json::to_value(&matcher::calibrate::FieldModel::shipped().by_category[dx]).unwrap(),
        "{c}"
    );
    assert!(
        text.contains("疾病诊断(ICD-10医保版)：沿用内置的本类模型（本院此类决定 0 条"),
        "{text}"
    );

    // The next match of this home gives the re-fitted model's probabilities.
    let after = env.path("after.json");
    let summary: serde_json::Value = serde_json::from_str(&env.ok(&[
        "--json",
        "match",
        &his,
        "--kind",
        "drug",
        "--no-store",
        "--out",
        after.to_str().unwrap(),
    ]))
    .unwrap();
    let used = summary["field_model"]["file"].as_str().unwrap_or_default();
    assert!(used.ends_with("field_model.json"), "{summary}");
    assert!(
        summary["field_model"]["fitted_on"]
            .as_str()
            .unwrap()
            .contains("已审核决定"),
        "{summary}"
    );
    let (p0, p1) = (probabilities(&before), probabilities(&after));
    assert_eq!(p0.len(), p1.len());
    let changed = p0.iter().zip(&p1).filter(|(a, b)| a != b).count();
    assert!(changed * 2 > p0.len(), "{changed} of {} changed", p0.len());
    // The re-fit predicts the decisions it was fitted on about as well as
    // the shipped model it starts from, or better: its penalty is 0 at the
    // shipped weights. Not strictly better: the p of a best candidate tied
    // with others is shared among them, which the fitted likelihood leaves
    // out (1.066 against 1.058 with the shipped model of session 13). A
    // degenerate fit (every p alike, or at 0 or 1) is many times worse.
    let rows = matched.as_array().unwrap();
    let log_loss = |ps: &[Option<f64>]| -> f64 {
        rows.iter()
            .zip(ps)
            .filter_map(|(row, p)| {
                let best = row["result"]["candidates"][0]["code"].as_str()?;
                let right = row["item"]["truth"].as_str() == Some(best);
                let p = p
                    .expect("a best candidate has a probability")
                    .clamp(1e-6, 1.0 - 1e-6);
                Some(-if right { p.ln() } else { (1.0 - p).ln() })
            })
            .sum()
    };
    let (l0, l1) = (log_loss(&p0), log_loss(&p1));
    assert!(
        l1 < l0 * 1.02,
        "log-loss on the decisions: re-fit {l1:.3}, shipped {l0:.3}"
    );
    // eval reports with the one-scalar calibration fitted on the same labels.
    let misses = env.path("misses.csv");
    let rep: serde_json::Value = serde_json::from_str(&env.ok(&[
        "--json",
        "eval",
        &his,
        "--misses",
        misses.to_str().unwrap(),
    ]))
    .unwrap();
    assert!(
        rep["calibration"].as_str().unwrap().contains("已审核决定"),
        "{rep}"
    );

    // A corrupt file: a warning naming it, and the shipped model's probabilities.
    std::fs::write(&field_model, "{ not a model").unwrap();
    let corrupt = env.path("corrupt.json");
    let o = env.mulu(&[
        "--json",
        "match",
        &his,
        "--kind",
        "drug",
        "--no-store",
        "--out",
        corrupt.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("field_model.json") && err.contains("内置"),
        "{err}"
    );
    assert_eq!(err.matches("field_model.json 无法使用").count(), 1, "{err}");
    assert!(json(&o)["field_model"]["file"].is_null());
    assert_eq!(probabilities(&corrupt), p0);
}

/// A mapping written straight into the store, as an old or foreign tool might have left it.
pub(crate) fn stored_suggestion(
    home: &std::path::Path,
    code: &str,
    name: &str,
    target: &str,
    tier: &str,
) {
    use catalog_core::store::Decision;
    let mut store = catalog_core::Store::open_home(home).unwrap();
    store
        .record_decision(&Decision {
            category: Some(catalog_core::Category::Drug),
            hospital_code: code.into(),
            hospital_name: name.into(),
            target_code: Some(target.into()),
            target_name: Some("阿莫西林胶囊".into()),
            tier: Some(tier.into()),
            ..Decision::default()
        })
        .unwrap();
}

#[test]
fn cli_replace_keeps_an_icd_codes_lowercase_x() {
    let env = Env::new();
    let root = crate::util::root();
    env.ok(&[
        "import",
        &format!("{root}/data/samples/v1/diagnosis.csv"),
        "--kind",
        "diagnosis",
        "--label",
        "icd1",
    ]);
    let his = env.file("dx.csv", "院内编码,院内名称,类别\nZD1,下肢肌腱端病,诊断\n");
    env.ok(&[
        "match",
        &his,
        "--kind",
        "diagnosis",
        "--out",
        env.path("dx.json").to_str().unwrap(),
    ]);
    let o = env.mulu(&[
        "--json",
        "review",
        "replace",
        "ZD1",
        "--kind",
        "diagnosis",
        "--code",
        "m76.X00",
        "--by",
        "张三",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = json(&o);
    assert_eq!(m["target_code"], "M76.x00", "{m}");
    assert_eq!(m["target_name"], "下肢（不包括足）肌腱端病", "{m}");
    assert_eq!(m["reviewer"], "张三");
}

#[test]
fn cli_review_guard_rails_refuse_with_the_reason() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);

    // A code of another kind, and a code in no catalogue: named, with the kind.
    let o = env.mulu(&[
        "review", "replace", "Y001", "--code", "M76.x00", "--by", "张三",
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("M76.X00") || err.contains("M76.x00"), "{err}");
    assert!(err.contains("西药中成药"), "{err}");

    // A weak suggestion is approved only with --force.
    stored_suggestion(
        env.home.path(),
        "Y9",
        "阿莫西林胶囊（自备）",
        "XJ01CAA040E001010100600",
        "low",
    );
    let o = env.mulu(&["review", "approve", "Y9", "--by", "张三"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("确认") && err.contains("--force"), "{err}");
    let m = json(&env.mulu(&[
        "--json", "review", "approve", "Y9", "--by", "张三", "--force",
    ]));
    assert_eq!(m["status"], "approved", "{m}");

    // A decision on a stale revision shows the other reviewer's decision and writes nothing.
    let seen = json(&env.mulu(&["--json", "review", "list", "--status", "suggested"]));
    let y1 = seen
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hospital_code"] == "Y001")
        .unwrap()
        .clone();
    let rev = y1["revision"].as_i64().unwrap();
    let li = json(&env.mulu(&[
        "--json",
        "review",
        "reject",
        "Y001",
        "--by",
        "李四",
        "--revision",
        &rev.to_string(),
    ]));
    assert_eq!(li["revision"].as_i64().unwrap(), rev + 1);
    let o = env.mulu(&[
        "review",
        "approve",
        "Y001",
        "--by",
        "张三",
        "--revision",
        &rev.to_string(),
    ]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("冲突") && err.contains("李四") && err.contains("驳回"),
        "{err}"
    );
    let now = json(&env.mulu(&["--json", "review", "list", "--status", "rejected"]));
    assert_eq!(now[0]["reviewer"], "李四", "{now}");

    // No counterpart clears the target; a workbook row can say it too.
    let reviewed = env.file(
        "r.csv",
        "院内编码,院内名称,审核结果\nY004,紫杉醇注射液,无对应\n",
    );
    let rep = json(&env.mulu(&["--json", "review", "apply", &reviewed, "--by", "王五"]));
    assert_eq!(rep["no_counterpart"], 1, "{rep}");
    let nc = json(&env.mulu(&["--json", "review", "list", "--status", "无对应"]));
    assert_eq!(
        (
            nc[0]["hospital_code"].as_str(),
            nc[0]["target_code"].as_str()
        ),
        (Some("Y004"), None),
        "{nc}"
    );
}

#[test]
fn review_apply_all_or_nothing_writes_nothing_when_a_row_is_refused() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    let reviewed = env.file(
        "r.csv",
        "院内编码,院内名称,审核结果,替换编码\nY001,阿莫西林胶囊,通过,\nY002,阿奇霉素片(希舒美Zithromax),替换,XNOSUCHCODE\n",
    );
    let o = env.mulu(&[
        "--json",
        "review",
        "apply",
        &reviewed,
        "--by",
        "王五",
        "--all-or-nothing",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let rep = json(&o);
    assert_eq!(
        (rep["written"].as_bool(), rep["approved"].as_u64()),
        (Some(false), Some(0)),
        "{rep}"
    );
    let errors = rep["errors"].to_string();
    assert!(
        errors.contains("第3行") && errors.contains("XNOSUCHCODE"),
        "{errors}"
    );
    let approved = json(&env.mulu(&["--json", "review", "list", "--status", "approved"]));
    assert_eq!(approved.as_array().unwrap().len(), 0, "{approved}");
    // The same without a flag (all or nothing is the default); with --partial the good row goes in.
    let rep = json(&env.mulu(&["--json", "review", "apply", &reviewed, "--by", "王五"]));
    assert_eq!(
        (rep["written"].as_bool(), rep["approved"].as_u64()),
        (Some(false), Some(0))
    );
    let rep = json(&env.mulu(&[
        "--json",
        "review",
        "apply",
        &reviewed,
        "--by",
        "王五",
        "--partial",
    ]));
    assert_eq!(rep["approved"], 1, "{rep}");
}
