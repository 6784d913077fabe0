//! The rest of a hospital's day in `cargo xtask bench`: code look-ups through the
//! store, then `match` → a reviewed workbook → `review apply` → `export 3301`,
//! each run as the built `mulu` binary a user runs (a child process with a
//! time limit, so a stage that stalls is reported, not waited for).

use super::stages::{fmt_rate, Bench};
use super::stats::Latency;
use anyhow::{Context, Result};
use catalog_core::{Category, Store};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a child `mulu` run did.
struct Run {
    secs: f64,
    /// None when it was stopped at the time limit.
    status: Option<i32>,
    stdout: String,
    stderr: String,
    peak_mib: f64,
}

fn vm_hwm_mib(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// The `mulu` binary the command stages run (resolved once by `bench::run`).
pub(super) static MULU: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Run `mulu --home HOME --quiet ARGS…` (the release binary), stopping it after `limit`.
fn mulu(home: &Path, args: &[&str], limit: Duration, json: bool) -> Result<Run> {
    let exe = MULU.get().context("the mulu binary was not resolved")?;
    let out_dir = home.parent().unwrap_or(home);
    let so = out_dir.join(format!("child-{}.out", std::process::id()));
    let se = out_dir.join(format!("child-{}.err", std::process::id()));
    let mut cmd = Command::new(exe);
    cmd.arg("--home").arg(home).arg("--quiet");
    if json {
        cmd.arg("--json");
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&so)?)
        .stderr(std::fs::File::create(&se)?)
        .spawn()
        .context("starting mulu")?;
    let t = Instant::now();
    let mut peak: f64 = 0.0;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st.code().unwrap_or(-1));
        }
        if let Some(m) = vm_hwm_mib(child.id()) {
            peak = peak.max(m);
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let secs = t.elapsed().as_secs_f64();
    Ok(Run {
        secs,
        status,
        stdout: std::fs::read_to_string(&so).unwrap_or_default(),
        stderr: std::fs::read_to_string(&se).unwrap_or_default(),
        peak_mib: peak,
    })
}

impl Bench<'_> {
    /// `Store::find_code` (what export, review and `/v1/codes` resolve codes
    /// with) on codes spread over the drug and consumable catalogues.
    pub(super) fn stage_lookup(&mut self, store: &Store) -> Result<()> {
        let mut codes: Vec<String> = Vec::new();
        for cat in [Category::Drug, Category::Consumable] {
            let Ok(v) = store.resolve(Some("v1"), Some(cat)) else {
                continue;
            };
            let raw = store.raw_entries(v.id)?;
            let step = (raw.len() / 500).max(1);
            codes.extend(raw.into_iter().step_by(step).take(500).map(|(c, _)| c));
        }
        if codes.is_empty() {
            return Ok(());
        }
        let budget = Duration::from_secs(self.args.lookup_seconds);
        let started = Instant::now();
        let mut lat = Vec::with_capacity(codes.len());
        let mut found = 0usize;
        for c in &codes {
            if started.elapsed() > budget {
                break;
            }
            let t = Instant::now();
            found += store.find_code(c)?.len().min(1);
            lat.push(t.elapsed());
        }
        let n = lat.len();
        let l = Latency::from_samples(lat);
        let versions = store.versions()?.len();
        self.fig(
            "lookup",
            format!("code look-up (Store::find_code), {n} codes, {versions} versions in the store"),
            format!("p99 {:.2} ms", l.p99_ms),
            "p99 ≤ 5 ms",
            format!(
                "p50 {:.2} ms, max {:.1} ms; {found} found{}",
                l.p50_ms,
                l.max_ms,
                if n < codes.len() {
                    format!(
                        "; stopped after {} s of {} codes",
                        budget.as_secs(),
                        codes.len()
                    )
                } else {
                    String::new()
                }
            ),
        );
        Ok(())
    }

    /// `mulu match` of the drug and consumable dictionaries (suggestions
    /// stored), every suggestion approved in the output workbook, then
    /// `mulu review apply` of that workbook and `mulu export 3301`.
    pub(super) fn stage_review_export(&mut self) -> Result<()> {
        let limit = Duration::from_secs(self.args.step_limit);
        let home = self.home.clone();
        let mut sheets: Vec<Vec<String>> = Vec::new();
        let mut header: Vec<String> = Vec::new();
        for kind in ["drug", "consumable"] {
            let Some(dict) = self.file(kind, "hospital", "csv") else {
                continue;
            };
            let out = self.work.join(format!("matched-{kind}.csv"));
            let (d, o) = (dict.display().to_string(), out.display().to_string());
            let r = mulu(
                &home,
                &["match", &d, "--kind", kind, "--out", &o],
                limit,
                false,
            )?;
            let Some(0) = r.status else {
                self.stopped(
                    "review",
                    &format!("mulu match ({kind} dictionary)"),
                    &r,
                    limit,
                );
                return Ok(());
            };
            let t = importer::table::open(
                &out,
                &importer::table::TableOptions {
                    known_headers: vec!["院内编码".into(), "审核结果".into()],
                    ..Default::default()
                },
            )?;
            header = t.header.clone();
            let (Some(c_code), Some(c_status)) = (t.column("匹配编码"), t.column("审核结果"))
            else {
                anyhow::bail!("{}: no 匹配编码/审核结果 column", out.display());
            };
            let items = sheets.len();
            for rec in t {
                let mut cells = rec?.cells;
                if cells.get(c_code).is_some_and(|c| !c.trim().is_empty()) {
                    cells.resize(header.len(), String::new());
                    cells[c_status] = "通过".into();
                    sheets.push(cells);
                }
            }
            self.fig(
                "review",
                format!("mulu match {kind} dictionary (store suggestions, write CSV)"),
                format!("{:.1} s", r.secs),
                "",
                format!(
                    "{} items with a suggestion; peak RSS {:.0} MiB (whole command)",
                    sheets.len() - items,
                    r.peak_mib
                ),
            );
        }
        if sheets.is_empty() {
            return Ok(());
        }
        let workbook = self.work.join("reviewed.xlsx");
        let hdr: Vec<&str> = header.iter().map(String::as_str).collect();
        write_xlsx(&workbook, "审核", &hdr, &sheets)?;
        let wb = workbook.display().to_string();
        if self.wants("review") {
            let r = mulu(
                &home,
                // Every suggestion is approved, low tiers included: the
                // guard rail asks for --force there, as a clerk would give.
                &["review", "apply", &wb, "--by", "bench", "--force"],
                limit,
                false,
            )?;
            if r.status != Some(0) {
                self.stopped("review", "mulu review apply", &r, limit);
                return Ok(());
            }
            self.fig(
                "review",
                format!(
                    "mulu review apply of a workbook of {} approvals",
                    sheets.len()
                ),
                format!("{:.2} s", r.secs),
                "≤ 3 s for 10,000",
                format!(
                    "{}; peak RSS {:.0} MiB",
                    r.stdout.lines().next().unwrap_or("").trim(),
                    r.peak_mib
                ),
            );
        }
        if self.wants("export") {
            let out = self.work.join("3301.json").display().to_string();
            let r = mulu(&home, &["export", "3301", "--out", &out], limit, true)?;
            if r.status != Some(0) {
                self.stopped("export", "mulu export 3301", &r, limit);
                return Ok(());
            }
            let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap_or_default();
            let rows = v["rows"].as_u64().unwrap_or(0);
            self.fig(
                "export",
                format!("mulu export 3301 of {rows} approved mappings (JSON batches)"),
                format!("{:.2} s", r.secs),
                "≤ 3 s for 12,000",
                format!(
                    "{}; peak RSS {:.0} MiB",
                    fmt_rate(rows as f64 / r.secs, "rows/s"),
                    r.peak_mib
                ),
            );
        }
        Ok(())
    }

    /// A child run that failed or ran past the limit, as a figure.
    fn stopped(&mut self, stage: &str, what: &str, r: &Run, limit: Duration) {
        let value = match r.status {
            None => format!("> {} s", limit.as_secs()),
            Some(c) => format!("failed ({c})"),
        };
        let why = match r.status {
            None => "stopped at the time limit (--step-limit)".to_string(),
            Some(_) => r.stderr.lines().last().unwrap_or("").to_string(),
        };
        self.fig(stage, what, value, "", why);
    }
}

/// The reviewed workbook a clerk would send back: one sheet, a header row.
fn write_xlsx(path: &Path, sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    wb.save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
