//! `cargo xtask bench`: measure a hospital's day on a generated corpus — import,
//! index (drugs, consumables), batch match, single-query latency, code
//! look-ups, HTTP load, `match` → `review apply` → `export 3301`, diff —
//! print a table and (with `--write`) the markdown report kept in
//! docs/benchmarks.md. Needs neither Python nor git at run time.

mod day;
mod http_load;
mod report;
mod stages;
mod stats;

use crate::ctx::Ctx;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Corpus scale to generate when --corpus has none: small or full
    #[arg(long, default_value = "small")]
    pub scale: String,
    /// Corpus directory (generated there if it holds no manifest.json)
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stages to run, comma-separated
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "gen,import,xlsx,index,match,query,cindex,cmatch,lookup,http,review,export,diff"
    )]
    pub stages: Vec<String>,
    /// Commit id to print in the report (the benchmark does not run git)
    #[arg(long)]
    pub commit: Option<String>,
    /// Seconds of code look-ups at most (the figure says when it stopped early)
    #[arg(long, default_value_t = 30)]
    pub lookup_seconds: u64,
    /// Seconds a `mulu` command run by the review/export stages may take before it is stopped
    #[arg(long, default_value_t = 300)]
    pub step_limit: u64,
    /// Write the markdown report here (e.g. docs/benchmarks.md)
    #[arg(long)]
    pub write: Option<PathBuf>,
    /// Seconds of HTTP load
    #[arg(long, default_value_t = 10)]
    pub http_seconds: u64,
    /// Concurrent keep-alive connections for the HTTP load
    #[arg(long, default_value_t = 4)]
    pub http_connections: usize,
    /// Single queries timed one by one for the latency figure
    #[arg(long, default_value_t = 1000)]
    pub queries: usize,
    /// The `mulu` binary for the command stages [default: `mulu` beside this
    /// binary, built first with `cargo build --release -p mulu` when run by cargo]
    #[arg(long)]
    pub mulu: Option<PathBuf>,
}

/// Find (and under cargo, freshly build) the release `mulu` binary.
fn resolve_mulu(ctx: &Ctx, given: Option<&PathBuf>) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.clone());
    }
    let exe = std::env::current_exe().context("locating the xtask binary")?;
    let path = exe.with_file_name(format!("mulu{}", std::env::consts::EXE_SUFFIX));
    if let Ok(cargo) = std::env::var("CARGO") {
        ctx.say("building the release mulu binary (cargo build --release -p mulu)");
        let st = std::process::Command::new(cargo)
            .args(["build", "--release", "--quiet", "-p", "mulu"])
            .status()
            .context("running cargo build")?;
        if !st.success() {
            bail!("cargo build --release -p mulu failed");
        }
    }
    if !path.exists() {
        bail!(
            "no mulu binary at {}: run `cargo build --release -p mulu` or pass --mulu",
            path.display()
        );
    }
    Ok(path)
}

/// One measured figure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Figure {
    pub stage: String,
    pub what: String,
    pub value: String,
    pub target: String,
    pub note: String,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let known = [
        "gen", "import", "xlsx", "index", "match", "query", "cindex", "cmatch", "lookup", "http",
        "review", "export", "diff",
    ];
    for s in &args.stages {
        if !known.contains(&s.as_str()) {
            bail!("unknown stage '{s}'; stages: {}", known.join(","));
        }
    }
    let scale = match args.scale.as_str() {
        "small" => corpus::Scale::Small,
        "full" => corpus::Scale::Full,
        other => bail!("unknown scale '{other}': small or full"),
    };
    let exe = resolve_mulu(ctx, args.mulu.as_ref())?;
    let _ = day::MULU.set(exe);
    let corpus_dir = args.corpus.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("mulu-corpus-{}-{}", args.scale, args.seed))
    });
    let work = std::env::temp_dir().join(format!("mulu-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
    let mut b = stages::Bench::new(ctx, &args, corpus_dir, scale, work.clone());
    let result = b.run_all();
    let _ = std::fs::remove_dir_all(&work);
    result?;
    let figures = b.figures;
    if ctx.json {
        ctx.print_json(&figures)?;
    } else {
        report::print_table(&figures);
    }
    if let Some(path) = &args.write {
        let mut md = report::markdown(&figures, &b.corpus_note, args.commit.as_deref())?;
        // Measurements run by hand (accuracy, per-command memory) live below
        // the marker and survive a re-run.
        if let Ok(old) = std::fs::read_to_string(path) {
            if let Some(i) = old.find(report::KEEP_MARKER) {
                md.push('\n');
                md.push_str(&old[i..]);
            }
        }
        std::fs::write(path, md).with_context(|| format!("writing {}", path.display()))?;
        ctx.say(format!("wrote {}", path.display()));
    }
    Ok(0)
}
