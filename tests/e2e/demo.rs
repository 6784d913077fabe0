//! The README's main job (`mulu demo`) on the bundled samples.

#[test]
fn demo_runs_the_whole_job_on_the_bundled_samples() {
    let root = crate::util::root();
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = crate::util::mulu_cmd(&tmp.path().join("home"))
        .current_dir(root)
        .args(["--quiet", "demo", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "match_drug.xlsx",
        "match_consumable.xlsx",
        "match_service.xlsx",
        "match_diagnosis.xlsx",
        "diff_drug.xlsx",
        "diff_drug.html",
        "3301_drug.json",
    ] {
        let meta = std::fs::metadata(out_dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(meta.len() > 1000, "{f} is only {} bytes", meta.len());
    }
    // Every sample catalogue became a version, and v2 of the drugs too.
    let v = crate::util::mulu_in(&tmp.path().join("home"), &["--json", "versions"]);
    let versions: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    let kinds: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["category"].as_str().unwrap())
        .collect();
    for k in [
        "drug",
        "consumable",
        "service",
        "diagnosis",
        "procedure",
        "herbal",
        "reimbursement",
        "negotiated",
    ] {
        assert!(
            kinds.contains(&k),
            "no {k} version after the demo: {kinds:?}"
        );
    }
    assert_eq!(kinds.iter().filter(|k| **k == "drug").count(), 2);
    // It ends with a review and a 3301 file of exactly the approved mappings.
    let approved = crate::util::mulu_in(
        &tmp.path().join("home"),
        &["--json", "review", "list", "--status", "approved"],
    );
    let approved = crate::util::json(&approved).as_array().unwrap().len();
    let e: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("3301_drug.json")).unwrap()).unwrap();
    let rows: usize = e["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["data"].as_array().unwrap().len())
        .sum();
    assert!(
        approved > 0 && rows == approved,
        "{rows} rows, {approved} approved"
    );
    let html = std::fs::read_to_string(out_dir.join("diff_drug.html")).unwrap();
    assert!(html.contains("sample-v1") && html.contains("sample-v2"));
}
