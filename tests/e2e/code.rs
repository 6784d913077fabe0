//! `mulu code …` through the real binary: exit codes, stdout/stderr, JSON.

use crate::util::mulu_in;

fn mulu(args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    mulu_in(home.path(), args)
}

#[test]
fn explain_decodes_the_western_drug_example() {
    let out = mulu(&["code", "explain", "XA01ABD075A002010100483"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout).unwrap();
    for part in [
        "drug_western",
        "A01AB",
        "D075",
        "A002",
        "0101",
        "00483",
        "企业码",
    ] {
        assert!(s.contains(part), "missing {part} in\n{s}");
    }
}

#[test]
fn explain_json_for_each_standard_example() {
    let out = mulu(&[
        "--json",
        "code",
        "explain",
        "ZD03AAA0043010100166",
        "003313010030000",
        "A00.000x001",
        "00.0200x001",
        "H44010600124",
    ]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["explanation"]["standard"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "drug_tcm",
            "service",
            "diagnosis",
            "procedure",
            "medical_institution"
        ]
    );
}

#[test]
fn malformed_code_exits_non_zero_and_names_the_segment() {
    let out = mulu(&["code", "explain", "XA01ABD075A00201010048"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("企业码"), "{err}");
    assert!(err.contains("企业码（第19–23位）应为5位数字"), "{err}");
    // --lang en gives the same message in English.
    let out = mulu(&["--lang", "en", "code", "explain", "XA01ABD075A00201010048"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("企业码") && err.contains("too short"), "{err}");
}
