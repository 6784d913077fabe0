//! The README's walkthrough, run verbatim: the command block after the
//! `walkthrough` marker is executed by `sh -e` with the built `mulu` first on
//! PATH, in a fresh folder that sees the repository's `data/`. A renamed flag,
//! a sample code that no longer exists or a step that fails breaks this test.

use std::path::Path;
use std::process::Command;

/// The shell lines of the README's walkthrough block, comments removed.
fn walkthrough(readme: &str) -> Vec<String> {
    let start = readme
        .find("<!-- walkthrough")
        .expect("the README has a walkthrough marker");
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("a sh block after the marker") + 6;
    let close = rest[open..].find("```").expect("the block ends") + open;
    rest[open..close]
        .lines()
        .map(|l| match l.find(" #") {
            Some(i) => l[..i].trim_end(),
            None => l,
        })
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn the_readme_walkthrough_runs_verbatim() {
    let root = Path::new(crate::util::root());
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let lines = walkthrough(&readme);
    assert!(lines.len() >= 10, "{lines:?}");
    for l in &lines {
        assert!(
            l.starts_with("mulu ") || l.starts_with("export MULU_HOME="),
            "the walkthrough should only call mulu: {l}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("data"), dir.path().join("data")).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_mulu")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = format!("set -e\n{}\n", lines.join("\n"));
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("MULU_HOME")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the README walkthrough failed ({:?}):\n{err}\n{stdout}",
        out.status
    );
    // What the README says each step shows.
    assert!(
        stdout.contains("YP000002 小儿解热丸 → ZA06CCX0421010604022"),
        "{stdout}"
    );
    assert!(
        stdout.contains("YP000004 暖宫孕子丸 → ZD01AAN0163010508019"),
        "{stdout}"
    );
    assert!(
        stdout.contains("XL02BGA045A001020171371 阿那曲唑片"),
        "{stdout}"
    );
    for f in [
        "3301_药品.xlsx",
        "影响清单.xlsx",
        "待审核.xlsx",
        "对码_药品.xlsx",
    ] {
        assert!(dir.path().join("out").join(f).is_file(), "no out/{f}");
    }
}

#[test]
fn the_walkthrough_extractor_drops_comments_only() {
    let md = "x\n<!-- walkthrough -->\n```sh\n# a comment\nmulu a \"b\"   # why\n\nmulu c\n```\n";
    assert_eq!(walkthrough(md), ["mulu a \"b\"", "mulu c"]);
}
