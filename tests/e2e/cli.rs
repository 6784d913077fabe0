//! CLI hygiene through the real binary: a closed stdout, errors as JSON,
//! shell completions and the man page, `mulu status`, display-width columns,
//! and the warning for an import that repeats a stored version.

use crate::r#match::{setup, HIS};
use crate::util::{json, mulu_cmd, stderr, stdout, Env};
use std::process::Stdio;

/// A column of 5,000 bad codes: far more output than a pipe buffers, so the
/// writer meets the closed pipe whatever the timing.
fn many_bad_codes(env: &Env) -> String {
    let mut s = String::from("药品代码\n");
    for i in 0..5000 {
        s.push_str(&format!("XBAD{i:06}\n"));
    }
    env.file("bad.csv", s)
}

#[test]
fn a_reader_that_closes_the_pipe_ends_mulu_quietly_with_0() {
    let env = Env::new();
    let file = many_bad_codes(&env);
    for json_flag in [false, true] {
        let mut cmd = mulu_cmd(env.home.path());
        if json_flag {
            cmd.arg("--json");
        }
        let mut child = cmd
            .args(["code", "check", &file, "--column", "药品代码"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Like `| head -0`: the reader goes away before the first line.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "json={json_flag}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{err}"
        );
    }
}

#[test]
fn errors_are_json_on_stderr_under_json() {
    let env = Env::new();
    let o = env.mulu(&["--json", "diff", "nope-1", "nope-2", "--kind", "drug"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_str(stderr(&o).trim()).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    assert!(
        v["error"]["message"].as_str().unwrap().contains("nope-1"),
        "{v}"
    );
    assert_eq!(v["error"]["exit_code"], 1);
    assert!(stdout(&o).is_empty());
    // Without --json the same error is a line for people.
    let o = env.mulu(&["diff", "nope-1", "nope-2", "--kind", "drug"]);
    assert!(stderr(&o).starts_with("错误 (error):"), "{}", stderr(&o));
}

#[test]
fn completions_and_man_page_cover_the_subcommands() {
    let env = Env::new();
    let bash = env.ok(&["completions", "bash"]);
    assert!(
        bash.contains("_mulu()") && bash.contains("review"),
        "{bash}"
    );
    let zsh = env.ok(&["completions", "zsh"]);
    assert!(zsh.contains("#compdef mulu"), "{zsh}");
    let man = env.ok(&["man"]);
    assert!(man.starts_with(".ie") || man.contains(".TH mulu"), "{man}");
    assert!(man.contains("status") && man.contains("退出码"), "{man}");
    let help = env.ok(&["--help"]);
    assert!(
        help.contains("退出码") && help.contains("3  diff"),
        "{help}"
    );
}

#[test]
fn status_reports_versions_index_and_mappings() {
    let env = setup();
    let v = json(&env.mulu(&["--json", "status"]));
    let drug = v["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "drug")
        .unwrap();
    assert_eq!(
        (
            drug["versions"].as_u64(),
            drug["latest"].as_str(),
            drug["indexed"].as_bool()
        ),
        (Some(1), Some("v1"), Some(false)),
        "{v}"
    );
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    let v = json(&env.mulu(&["--json", "status"]));
    let drug = &v["kinds"].as_array().unwrap()[0];
    assert_eq!(drug["indexed"], true, "{v}");
    let total: u64 = v["mappings"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, 5, "{v}");
    let text = env.ok(&["status"]);
    assert!(text.contains("西药") || text.contains("药品"), "{text}");
    assert!(text.contains("对照 (mappings): 5"), "{text}");
}

#[test]
fn review_list_columns_line_up_by_display_width() {
    let env = setup();
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    let out = env.ok(&["review", "list"]);
    // The arrow sits at the same terminal column on every line, Chinese names or not.
    let cols: Vec<usize> = out
        .lines()
        .map(|l| {
            let before = &l[..l.find('→').expect("an arrow")];
            unicode_width::UnicodeWidthStr::width(before)
        })
        .collect();
    assert!(
        cols.len() == 5 && cols.iter().all(|c| *c == cols[0]),
        "{cols:?}\n{out}"
    );
}

#[test]
fn importing_the_same_rows_again_warns_naming_the_version() {
    let env = setup();
    let cat = env.file("drug.csv", crate::r#match::CATALOGUE);
    let o = env.mulu(&["import", &cat, "--kind", "drug", "--label", "v1-again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("与已有版本 'v1' 完全相同"),
        "{}",
        stderr(&o)
    );
    // Different content: no warning.
    let other = crate::r#match::CATALOGUE.replace("0.25g,铝塑,6", "0.5g,铝塑,6");
    let cat2 = env.file("drug2.csv", other);
    let o = env.mulu(&["import", &cat2, "--kind", "drug", "--label", "v2"]);
    assert!(!stderr(&o).contains("完全相同"), "{}", stderr(&o));
}

#[test]
fn every_clerk_command_has_chinese_examples_in_its_help() {
    let env = Env::new();
    for cmd in [
        "demo",
        "code",
        "import",
        "versions",
        "index",
        "match",
        "search",
        "review",
        "export",
        "eval",
        "diff",
        "serve",
        "status",
        "completions",
        "man",
        "fhir",
    ] {
        let help = env.ok(&[cmd, "--help"]);
        assert!(
            help.contains("示例") && help.contains("mulu "),
            "{cmd}: {help}"
        );
    }
    let help = env.ok(&["review", "export", "--help"]);
    assert!(help.contains("示例"), "{help}");
}

#[test]
fn the_diff_summary_names_fields_by_their_labels() {
    let env = setup();
    let v2 = crate::r#match::CATALOGUE.replace(
        "珠海联邦制药股份有限公司中山分公司,国药准字H44021351,86900600000011",
        "珠海联邦制药股份有限公司,国药准字H44021351,86900600000011",
    );
    let f = env.file("v2.csv", v2);
    env.ok(&["import", &f, "--kind", "drug", "--label", "v2"]);
    let out = env.ok(&["diff", "v1", "v2", "--kind", "drug"]);
    assert!(out.contains("变更字段：生产企业 1"), "{out}");
    let out = env.ok(&["--lang", "en", "diff", "v1", "v2", "--kind", "drug"]);
    assert!(out.contains("fields: manufacturer 1"), "{out}");
}

/// Flag descriptions are Chinese (flag names stay English), and so are
/// clap's own headings and `-h`.
#[test]
fn help_describes_every_flag_in_chinese() {
    let env = Env::new();
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "--home",
                "--quiet",
                "--json",
                "--lang",
                "--help",
                "--version",
            ],
        ),
        (
            &["import"],
            &[
                "--kind",
                "--label",
                "--sheet",
                "--replace",
                "--max-reject",
                "--rejects",
                "--published",
                "--max-cell-bytes",
            ],
        ),
        (
            &["code", "check"],
            &["--column", "--sheet", "--kind", "--standard"],
        ),
        (&["code", "explain"], &["--standard"]),
        (&["versions"], &["--kind", "--delete"]),
        (&["index"], &["--version", "--kind", "--force"]),
        (
            &["match"],
            &["--kind", "--version", "--top", "--out", "--sheet"],
        ),
        (&["search"], &["--kind", "--version", "--top"]),
        (
            &["eval"],
            &["--version", "--kind", "--baseline", "--misses"],
        ),
        (&["calibrate"], &["--kind", "--dry-run"]),
        (
            &["diff"],
            &[
                "--kind",
                "--ignore-field",
                "--xlsx",
                "--mapping",
                "--fail-if-diff",
            ],
        ),
        (&["serve"], &["--bind", "--token", "--max-body"]),
        (&["demo"], &["--samples", "--out"]),
        (&["fhir", "export"], &["--out", "--kind"]),
        (&["fhir", "import"], &["--by", "--force", "--partial"]),
        (
            &["review", "approve"],
            &[
                "--name",
                "--kind",
                "--code",
                "--by",
                "--note",
                "--revision",
                "--force",
            ],
        ),
        (&["review", "list"], &["--status", "--kind", "--rereview"]),
        (
            &["review", "bulk"],
            &[
                "--action",
                "--tier",
                "--kind",
                "--status",
                "--dry-run",
                "--force",
            ],
        ),
        (&["review", "undo"], &["--batch", "--revision", "--by"]),
        (
            &["review", "apply"],
            &["--by", "--sheet", "--force", "--partial"],
        ),
        (&["review", "export"], &["--out", "--kind", "--top"]),
        (
            &["export"],
            &[
                "--out",
                "--list-type-table",
                "--fixmedins-code",
                "--kind",
                "--new",
                "--memo",
            ],
        ),
    ];
    for (cmd, flags) in cases {
        let mut args: Vec<&str> = cmd.to_vec();
        args.push("--help");
        let help = env.ok(&args);
        assert!(
            help.contains("用法：") && help.contains("选项"),
            "{cmd:?}: {help}"
        );
        let lines: Vec<&str> = help.lines().collect();
        for flag in *flags {
            let i = lines
                .iter()
                .position(|l| l.trim_start().starts_with(flag) || l.contains(&format!(", {flag}")))
                .unwrap_or_else(|| panic!("{cmd:?}: no {flag} in {help}"));
            // The description is on the flag's line or, in the long form, the next.
            let text = format!("{}{}", lines[i], lines.get(i + 1).unwrap_or(&""));
            assert!(
                cjk(text.split_once(flag).unwrap().1),
                "{cmd:?} {flag}: {text}"
            );
        }
    }
}

/// `--help` follows the language: `--lang en` (or `--lang=en`), `MULU_LANG`
/// or an English POSIX locale give English texts and headings; nothing, or
/// a Chinese locale, gives Chinese. Completions and the man page follow too.
#[test]
fn help_is_english_under_lang_en_and_chinese_otherwise() {
    let env = Env::new();
    let with_env = |k: &str, v: &str, args: &[&str]| {
        let o = mulu_cmd(env.home.path())
            .env(k, v)
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    };
    let english = |help: &str, about: &str| {
        assert!(help.contains(about), "{help}");
        for w in ["Usage: mulu", "Options:", "Print help"] {
            assert!(help.contains(w), "{w}: {help}");
        }
        for zh in ["用法", "选项", "示例", "显示帮助"] {
            assert!(!help.contains(zh), "{zh}: {help}");
        }
    };
    let import = env.ok(&["--lang", "en", "import", "--help"]);
    english(&import, "Import a catalogue file or URL as a new version");
    assert!(
        import.contains("Arguments:") && import.contains("Examples:"),
        "{import}"
    );
    assert!(
        import.contains("Replace an existing version with the same label"),
        "{import}"
    );
    english(
        &env.ok(&["import", "--lang=en", "--help"]),
        "Import a catalogue file or URL as a new version",
    );
    let review = with_env("LANG", "en_US.UTF-8", &["review", "--help"]);
    english(&review, "Review suggested mappings");
    assert!(
        review.contains("Commands:") && review.contains("Approve: confirm"),
        "{review}"
    );
    english(
        &with_env("MULU_LANG", "en", &["review", "approve", "--help"]),
        "The revision you reviewed",
    );
    let root = env.ok(&["--lang", "en", "--help"]);
    assert!(
        root.contains("Exit codes:") && !root.contains("退出码"),
        "{root}"
    );

    // Plain, or under a Chinese locale: Chinese.
    for help in [
        env.ok(&["import", "--help"]),
        with_env("LANG", "zh_CN.UTF-8", &["import", "--help"]),
        with_env("LANG", "en_US.UTF-8", &["--lang", "zh", "import", "--help"]),
    ] {
        assert!(
            help.contains("用法：") && help.contains("导入目录文件或网址为新版本"),
            "{help}"
        );
        assert!(!help.contains("Usage:"), "{help}");
    }

    let man = env.ok(&["--lang", "en", "man"]);
    assert!(
        man.contains("Exit codes") && !man.contains("退出码"),
        "{man}"
    );
    let fish = env.ok(&["--lang", "en", "completions", "fish"]);
    assert!(fish.contains("Import a catalogue file"), "{fish}");
    assert!(env.ok(&["completions", "fish"]).contains("导入目录文件"));
}
