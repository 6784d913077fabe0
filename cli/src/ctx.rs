//! What every command gets: the home directory and how to talk to the user.

use anyhow::{Context, Result};
use catalog_core::Store;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use matcher::calibrate::{FieldModel, FIELD_MODEL_FILE};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

pub struct Ctx {
    pub home: PathBuf,
    /// No progress bars, no chatter: only results and errors.
    pub quiet: bool,
    /// Machine-readable output on stdout (implies no progress bars).
    pub json: bool,
}

impl Ctx {
    pub fn store(&self) -> Result<Store> {
        Store::open_home(&self.home)
            .with_context(|| format!("opening the store under {}", self.home.display()))
    }

    /// A progress bar on stderr named by its phase (`建索引 西药中成药 v1`),
    /// with percent and time left; hidden for --quiet/--json, and by
    /// indicatif when stderr is not a terminal.
    pub fn bar(&self, len: u64, msg: &str) -> ProgressBar {
        if self.quiet || self.json {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:30}] {percent:>3}% {pos}/{len} ({per_sec}，剩余 {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        pb.set_message(msg.to_string());
        pb
    }

    /// A spinner for work of unknown length (bytes read, rows parsed).
    pub fn spinner(&self, msg: &str) -> ProgressBar {
        if self.quiet || self.json {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} 行 ({per_sec}，已用 {elapsed})")
                .expect("valid template"),
        );
        pb.set_message(msg.to_string());
        pb.enable_steady_tick(Duration::from_millis(120));
        pb
    }

    /// The per-field model every matcher of this home uses:
    /// `<home>/field_model.json` when `mulu calibrate` wrote a valid one,
    /// else the shipped model (`None` as the file). A file that cannot be
    /// used is a warning naming it, once per run, and the shipped model.
    pub fn field_model(&self) -> (FieldModel, Option<PathBuf>) {
        match FieldModel::from_home(&self.home) {
            Ok(Some(m)) => (m, Some(self.home.join(FIELD_MODEL_FILE))),
            Ok(None) => (FieldModel::shipped(), None),
            Err(e) => {
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    let w = tr!(
                        "field_model.bad",
                        path = e.path.display(),
                        reason = e.reason
                    );
                    eprintln!("{}", tr!("word.warning", w = w));
                });
                (FieldModel::shipped(), None)
            }
        }
    }

    /// Human chatter on stderr, suppressed by --quiet and --json.
    pub fn say(&self, msg: impl AsRef<str>) {
        if !self.quiet && !self.json {
            eprintln!("{}", msg.as_ref());
        }
    }

    /// Streamed to stdout: a full diff is 160 MB of JSON, which as one
    /// string was grown (and copied) a dozen times before being printed.
    pub fn print_json<T: Serialize + ?Sized>(&self, v: &T) -> Result<()> {
        use std::io::Write;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
        serde_json::to_writer_pretty(&mut out, v)?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }
}
