use crate::ctx::Ctx;
use anyhow::Result;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Generate the deterministic test corpus: catalogues v1/v2, ground-truth changes, hospital dictionaries
    Corpus(CorpusArgs),
    /// Regenerate the small bundled samples (data/samples)
    Samples(SamplesArgs),
}

#[derive(clap::ValueEnum, Clone, Copy)]
pub enum ScaleArg {
    Full,
    Small,
}

#[derive(clap::Args)]
pub struct CorpusArgs {
    /// full: ~300k drugs, ~1M consumables …; small: a few thousand rows per catalogue
    #[arg(long, value_enum, default_value = "small")]
    pub scale: ScaleArg,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
    /// Skip the xlsx copies (CSV only; faster)
    #[arg(long)]
    pub no_xlsx: bool,
}

#[derive(clap::Args)]
pub struct SamplesArgs {
    #[arg(long, default_value = "data/samples")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    let (scale, seed, out, xlsx) = match cmd {
        Cmd::Corpus(a) => {
            let s = match a.scale {
                ScaleArg::Full => corpus::Scale::Full,
                ScaleArg::Small => corpus::Scale::Small,
            };
            (s, a.seed, a.out, !a.no_xlsx)
        }
        Cmd::Samples(a) => (corpus::Scale::Samples, a.seed, a.out, true),
    };
    let spec = corpus::CorpusSpec {
        scale,
        seed,
        out: out.clone(),
        formats: corpus::Formats {
            xlsx,
            ..Default::default()
        },
    };
    let t0 = Instant::now();
    let sp = ctx.spinner("writing");
    let progress = |file: &str, rows: u64| {
        sp.set_message(file.to_string());
        sp.inc(rows);
    };
    let m = corpus::generate(&spec, &progress)?;
    sp.finish_and_clear();
    let secs = t0.elapsed().as_secs_f64();
    if ctx.json {
        ctx.print_json(&serde_json::json!({ "out": out, "seconds": secs, "manifest": m }))?;
    } else {
        let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
        for f in &m.files {
            ctx.say(format!(
                "{:<40} {:>9} rows {:>12} bytes",
                f.path, f.rows, f.bytes
            ));
        }
        println!(
            "corpus ({}, seed {}) written to {}: {} files, {:.1} MB in {:.1}s",
            m.scale,
            m.seed,
            out.display(),
            m.files.len(),
            bytes as f64 / 1e6,
            secs
        );
    }
    Ok(0)
}
