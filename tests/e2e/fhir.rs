//! `mulu fhir export` → another home → `mulu fhir import`: the confirmed
//! mapping moves between systems through a FHIR ConceptMap, items the other
//! store never matched included, and a bad ConceptMap writes nothing.

use crate::r#match::{setup, CATALOGUE, HIS};
use crate::util::{json, stderr, stdout, Env};

/// (院内编码, status, 医保编码) of every mapping, by 院内编码.
fn mappings(env: &Env) -> Vec<(String, String, Option<String>)> {
    let v = json(&env.mulu(&["--json", "review", "list"]));
    let mut out: Vec<_> = v
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|m| {
            (
                m["hospital_code"].as_str().unwrap().to_string(),
                m["status"].as_str().unwrap().to_string(),
                m["target_code"].as_str().map(String::from),
            )
        })
        .collect();
    out.sort();
    out
}

/// A home with only the catalogue the ConceptMap's targets come from.
fn other_home() -> Env {
    let env = Env::new();
    let cat = env.file("drug.csv", CATALOGUE);
    env.ok(&["import", &cat, "--kind", "drug", "--label", "v1"]);
    env
}

#[test]
fn a_concept_map_carries_the_confirmed_mapping_into_a_store_that_never_matched() {
    let src = setup();
    let his = src.file("his.csv", HIS);
    src.ok(&["match", &his, "--out", src.path("m.json").to_str().unwrap()]);
    src.ok(&["review", "approve", "Y001", "--by", "王"]);
    src.ok(&[
        "review",
        "replace",
        "Y002",
        "--code",
        "XJ01FAA051A001010201187",
        "--by",
        "王",
    ]);
    src.ok(&["review", "no-counterpart", "Y004", "--by", "王"]);
    let a = src.path("a.json");
    src.ok(&["fhir", "export", "--out", a.to_str().unwrap()]);

    let dst = other_home();
    let out = dst.ok(&["fhir", "import", a.to_str().unwrap(), "--by", "王"]);
    assert!(out.contains("写入 3（其中新建 3）"), "{out}");
    // The same confirmed mapping: every item approved to the same code, or 无对应.
    let confirmed = |env: &Env| -> Vec<(String, Option<String>)> {
        mappings(env)
            .into_iter()
            .filter(|(_, s, _)| s != "suggested")
            .map(|(c, _, t)| (c, t))
            .collect()
    };
    assert_eq!(confirmed(&dst), confirmed(&src));
    assert_eq!(
        mappings(&dst),
        [
            (
                "Y001".to_string(),
                "approved".to_string(),
                Some("XJ01CAA040E001010100600".to_string())
            ),
            (
                "Y002".into(),
                "approved".into(),
                Some("XJ01FAA051A001010201187".into())
            ),
            ("Y004".into(), "no_counterpart".into(), None),
        ]
    );
    let status = json(&dst.mulu(&["--json", "status"]));
    assert_eq!(
        (
            status["mappings"]["approved"].as_u64(),
            status["mappings"]["no_counterpart"].as_u64()
        ),
        (Some(2), Some(1)),
        "{status}"
    );
    // Exported again, the other store says the same.
    let b = dst.path("b.json");
    dst.ok(&["fhir", "export", "--out", b.to_str().unwrap()]);
    let groups = |p: &std::path::Path| {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        let codes = |e: &serde_json::Value| (e["code"].clone(), e["target"][0]["code"].clone());
        v["group"][0]["element"]
            .as_array()
            .unwrap()
            .iter()
            .map(codes)
            .collect::<Vec<_>>()
    };
    assert_eq!(groups(&b), groups(&a));
    // Importing it again changes nothing.
    let out = dst.ok(&["fhir", "import", a.to_str().unwrap(), "--by", "王"]);
    assert!(out.contains("写入 0（其中新建 0），未改动 3"), "{out}");
}

#[test]
fn a_concept_map_with_a_target_not_in_the_catalogue_exits_2_and_writes_nothing() {
    let src = setup();
    let his = src.file("his.csv", HIS);
    src.ok(&["match", &his, "--out", src.path("m.json").to_str().unwrap()]);
    src.ok(&["review", "approve", "Y001", "--by", "王"]);
    src.ok(&["review", "no-counterpart", "Y004", "--by", "王"]);
    let a = src.path("a.json");
    src.ok(&["fhir", "export", "--out", a.to_str().unwrap()]);
    let mut cm: serde_json::Value = serde_json::from_slice(&std::fs::read(&a).unwrap()).unwrap();
    // Y001 now points at a well-formed code the catalogue does not list.
    cm["group"][0]["element"][0]["target"][0]["code"] = "XJ01CAA040E001010199999".into();
    let bad = src.file("bad.json", cm.to_string());

    let dst = other_home();
    let o = dst.mulu(&["fhir", "import", &bad, "--by", "王"]);
    assert_eq!(o.status.code(), Some(2), "{}\n{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("group[0].element[0] Y001 阿莫西林胶囊")
            && err.contains("XJ01CAA040E001010199999")
            && err.contains("未写入任何内容"),
        "{err}"
    );
    assert!(
        mappings(&dst).is_empty(),
        "nothing written: {:?}",
        mappings(&dst)
    );
}
