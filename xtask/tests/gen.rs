//! `cargo xtask gen corpus` and `cargo xtask gen samples` through the real binary.

use std::path::Path;
use std::process::Output;

fn mulu(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("running xtask")
}

#[test]
fn gen_corpus_small_writes_the_documented_layout_and_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for out in [&a, &b] {
        let o = mulu(
            tmp.path(),
            &[
                "--quiet",
                "gen",
                "corpus",
                "--scale",
                "small",
                "--seed",
                "5",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in [
        "manifest.json",
        "v1/drug.xlsx",
        "v1/drug.csv",
        "v1/drug_1301.zip",
        "v1/consumable.csv",
        "v1/consumable_1306.zip",
        "v1/service.xlsx",
        "v1/diagnosis.csv",
        "v1/procedure.csv",
        "v1/reimbursement.xlsx",
        "v1/negotiated.xlsx",
        "v1/herbal.csv",
        "v2/drug.xlsx",
        "changes/drug.csv",
        "changes/drug.noise.csv",
        "hospital/drug.csv",
        "hospital/drug.xlsx",
        "hospital/drug.labelled.csv",
        "hospital/diagnosis.labelled.csv",
    ] {
        let x = std::fs::read(a.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{f} differs between runs with the same seed");
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["seed"], 5);
    assert_eq!(m["scale"], "small");
    // The drug CSV is GBK: not valid UTF-8, decodes to the official header.
    let raw = std::fs::read(a.join("v1/drug.csv")).unwrap();
    let text = encoding_rs::GBK.decode(&raw).0;
    assert!(
        text.starts_with("药品代码,数据来源,注册名称"),
        "{}",
        &text[..40.min(text.len())]
    );
}

#[test]
fn gen_samples_matches_the_committed_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("s");
    let o = mulu(
        tmp.path(),
        &["--quiet", "gen", "samples", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/samples");
    for f in [
        "manifest.json",
        "v1/drug.csv",
        "v2/drug.csv",
        "changes/drug.csv",
        "hospital/drug.labelled.csv",
        "v1/service.xlsx",
    ] {
        let x = std::fs::read(out.join(f)).unwrap();
        let y =
            std::fs::read(committed.join(f)).unwrap_or_else(|e| panic!("data/samples/{f}: {e}"));
        assert!(
            x == y,
            "data/samples/{f} is stale: run `cargo xtask gen samples`"
        );
    }
}
