//! Helpers every end-to-end module shares: the real `mulu` binary, a
//! throw-away home and work folder, and readers for its output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the samples live under `data/samples`).
pub fn root() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/..")
}

/// A `mulu` command on `home`, colours off so output compares as text.
pub fn mulu_cmd(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mulu"));
    c.arg("--home").arg(home).env("NO_COLOR", "1");
    // The language comes from the test, not from the machine's locale.
    for k in ["MULU_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        c.env_remove(k);
    }
    c
}

/// Run `mulu --home HOME ARGS…` to completion.
pub fn mulu_in(home: &Path, args: &[&str]) -> Output {
    mulu_cmd(home).args(args).output().expect("runs mulu")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// stdout parsed as JSON, with both streams in the panic message.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)))
}

/// A fresh home and a work folder for the files a test writes.
pub struct Env {
    pub home: tempfile::TempDir,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            home: tempfile::tempdir().unwrap(),
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn mulu(&self, args: &[&str]) -> Output {
        mulu_in(self.home.path(), args)
    }
    /// Run and require success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let o = self.mulu(args);
        assert!(
            o.status.success(),
            "mulu {args:?} failed: {}\n{}",
            stderr(&o),
            stdout(&o)
        );
        stdout(&o)
    }
    /// Write `bytes` to a file in the work folder; returns its path.
    pub fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// `mulu --json versions`, or Null when the store cannot be listed.
    pub fn versions(&self) -> serde_json::Value {
        let out = self.mulu(&["--json", "versions"]);
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }
}
