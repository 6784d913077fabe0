//! Suggestions are reproducible for a catalogue version (issue #17 bad
//! input): two index builds of the same version, matched on one and on two
//! threads, give byte-identical output; every result says how its
//! candidates were found.

use crate::util::{mulu_cmd, root, Env};

fn matched(env: &Env, kind: &str, dict: &str, threads: &str, out: &str) -> Vec<u8> {
    let out = env.path(out);
    let o = mulu_cmd(env.home.path())
        .env("RAYON_NUM_THREADS", threads)
        .args([
            "--quiet",
            "match",
            dict,
            "--kind",
            kind,
            "--no-store",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(out).unwrap()
}

#[test]
fn rebuilt_index_and_thread_count_give_identical_suggestions() {
    let env = Env::new();
    let samples = format!("{}/data/samples", root());
    // Diagnoses too: beside a clear answer they list the rows nearest in
    // wording, whose ties must not depend on the build either.
    for (kind, file) in [
        ("drug", "v1/drug.csv"),
        ("consumable", "v1/consumable.csv"),
        ("diagnosis", "v1/diagnosis.csv"),
    ] {
        env.ok(&[
            "--quiet",
            "import",
            &format!("{samples}/{file}"),
            "--kind",
            kind,
            "--label",
            "v1",
        ]);
    }
    for kind in ["drug", "consumable", "diagnosis"] {
        let dict = format!("{samples}/hospital/{kind}.csv");
        env.ok(&["--quiet", "index", "--kind", kind, "--force"]);
        let a = matched(&env, kind, &dict, "1", &format!("{kind}-a.json"));
        env.ok(&["--quiet", "index", "--kind", kind, "--force"]);
        let b = matched(&env, kind, &dict, "2", &format!("{kind}-b.json"));
        assert!(a == b, "{kind}: suggestions differ between builds/threads");
        let rows: serde_json::Value = serde_json::from_slice(&a).unwrap();
        let rows = rows.as_array().unwrap();
        assert!(rows.len() > 50, "{kind}: {} rows", rows.len());
        for r in rows {
            let t = &r["result"]["retrieval"];
            assert!(t["candidates_scored"].as_u64().unwrap() <= 200, "{t}");
            if !r["result"]["candidates"].as_array().unwrap().is_empty() {
                assert!(
                    r["result"]["reason"].as_str().unwrap().contains("检索:"),
                    "{r}"
                );
                assert!(!t["keys"].as_array().unwrap().is_empty(), "{t}");
            }
        }
    }
}
