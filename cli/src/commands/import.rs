//! `mulu import FILE|URL`: read a catalogue file into the store as one version.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::Category;
use chrono::NaiveDate;
use importer::{import_into, ImportError, ImportOptions, ImportSummary};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// A catalogue file (xlsx/xls/ods/csv/tsv/json/jsonl/xml, or a 13xx ZIP/TXT) or an http(s) URL
    pub source: String,
    /// Catalogue kind: drug, herbal, preparation, consumable, service, diagnosis, procedure,
    /// reimbursement, negotiated, or auto (from the headers)
    #[arg(long, default_value = "auto")]
    pub kind: String,
    /// Version label (default: the file name without extension)
    #[arg(long)]
    pub label: Option<String>,
    /// Sheet name or 1-based index (default: the sheet whose header fits best)
    #[arg(long)]
    pub sheet: Option<String>,
    /// 13xx layout of a headerless platform file (1301, 1302, 1303, 1305, 1306, 1307, 1308)
    #[arg(long)]
    pub layout: Option<String>,
    /// Replace an existing version with the same label
    #[arg(long)]
    pub replace: bool,
    /// Largest accepted share of rejected rows, 0..1; above it nothing is imported
    #[arg(long, default_value_t = 0.0)]
    pub max_reject: f64,
    /// Where to write rejected rows (PATH.csv and PATH.xlsx; default under the mulu home)
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Publication date of the version (YYYY-MM-DD)
    #[arg(long)]
    pub published: Option<NaiveDate>,
    /// A note stored with the version
    #[arg(long)]
    pub note: Option<String>,
    /// Connect/read timeout for URLs, in seconds
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

/// Where a reject file pair goes, without the `.csv`/`.xlsx` suffix.
fn reject_base(ctx: &Ctx, args: &Args, s: &ImportSummary) -> PathBuf {
    match &args.rejects {
        Some(p) => {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if ext == "csv" || ext == "xlsx" {
                p.with_extension("")
            } else {
                p.clone()
            }
        }
        None => {
            ctx.home
                .join("rejects")
                .join(format!("{}-{}.rejects", s.category, sanitize(&s.label)))
        }
    }
}

fn with_suffix(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// A label or file stem made safe as a file name.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn write_rejects(ctx: &Ctx, args: &Args, s: &ImportSummary) -> Result<Option<(PathBuf, PathBuf)>> {
    if s.rejects.is_empty() {
        return Ok(None);
    }
    write_reject_files(s, &reject_base(ctx, args, s)).map(Some)
}

/// Write a summary's rejects as `BASE.csv` and `BASE.xlsx` (directories
/// created); also used for the files `mulu diff` reads on the fly.
pub(crate) fn write_reject_files(s: &ImportSummary, base: &Path) -> Result<(PathBuf, PathBuf)> {
    let (csv, xlsx) = (with_suffix(base, "csv"), with_suffix(base, "xlsx"));
    if let Some(dir) = csv.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    importer::rejects::write(&s.rejects, &s.header, &csv, &xlsx)
        .with_context(|| format!("writing {}", csv.display()))?;
    Ok((csv, xlsx))
}

/// A failed import's error, naming the files its rejects were written to.
fn fail_keeping_rejects(
    ctx: &Ctx,
    args: &Args,
    summary: &ImportSummary,
    mut msg: String,
    when: &str,
) -> Result<u8> {
    if let Some((c, x)) = write_rejects(ctx, args, summary)? {
        msg.push_str(&format!(
            "; the {} rows rejected {when} are in {} and {}",
            summary.rejects.len(),
            c.display(),
            x.display()
        ));
    }
    anyhow::bail!(msg)
}

fn report(ctx: &Ctx, s: &ImportSummary, files: &Option<(PathBuf, PathBuf)>) -> Result<()> {
    if ctx.json {
        let mut v = serde_json::to_value(s)?;
        if let (Some((c, x)), Some(o)) = (files, v.as_object_mut()) {
            o.insert("rejects_csv".into(), c.display().to_string().into());
            o.insert("rejects_xlsx".into(), x.display().to_string().into());
        }
        return ctx.print_json(&v);
    }
    let mut line = format!(
        "{}: {} {} — read {}, imported {}, rejected {}, notes {}",
        s.source, s.category, s.label, s.read, s.imported, s.rejected, s.notes
    );
    if let Some(e) = &s.encoding {
        line.push_str(&format!(" [{e}]"));
    }
    if let Some(sh) = &s.sheet {
        line.push_str(&format!(" [sheet {sh}]"));
    }
    println!("{line}");
    if let Some(v) = &s.version {
        println!(
            "version {} '{}' ({} rows, checksum {})",
            v.id,
            v.label,
            v.row_count,
            &v.checksum[..v.checksum.len().min(12)]
        );
    }
    if !s.extra_columns.is_empty() {
        ctx.say(format!(
            "kept without a field (in extra): {}",
            s.extra_columns.join(", ")
        ));
    }
    for n in s.note_rows.iter().take(5) {
        ctx.say(format!("  note row {}: {}", n.row, n.text));
    }
    if s.note_rows.len() > 5 {
        ctx.say(format!("  … and {} more note rows", s.note_rows.len() - 5));
    }
    for r in s.rejects.iter().take(5) {
        ctx.say(format!("  rejected: {r}"));
    }
    if s.rejects.len() > 5 {
        ctx.say(format!("  … and {} more", s.rejects.len() - 5));
    }
    if let Some((c, x)) = files {
        ctx.say(format!(
            "rejected rows written to {} and {}",
            c.display(),
            x.display()
        ));
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let kind = match args.kind.trim() {
        "auto" | "" => None,
        k => Some(k.parse::<Category>()?),
    };
    if !(0.0..=1.0).contains(&args.max_reject) {
        anyhow::bail!("--max-reject must be between 0 and 1 (a share of the rows read)");
    }
    let opts = ImportOptions {
        kind,
        label: args.label.clone(),
        sheet: args.sheet.clone(),
        layout: args.layout.clone(),
        replace: args.replace,
        max_reject: args.max_reject,
        published: args.published,
        note: args.note.clone(),
        timeout: Duration::from_secs(args.timeout.max(1)),
        cache_dir: Some(ctx.home.join("cache")),
    };
    let mut store = ctx.store()?;
    let pb = ctx.spinner("importing");
    let result = import_into(&mut store, &args.source, &opts, &|n| pb.set_position(n));
    pb.finish_and_clear();
    match result {
        Ok(s) => {
            let files = write_rejects(ctx, &args, &s)?;
            report(ctx, &s, &files)?;
            Ok(0)
        }
        Err(ImportError::TooManyRejected(s)) => {
            let files = write_rejects(ctx, &args, &s)?;
            report(ctx, &s, &files)?;
            eprintln!("error: {}", ImportError::TooManyRejected(s));
            Ok(1)
        }
        // The rows rejected before a break or a store failure are still worth fixing.
        Err(ImportError::Broken { error, summary }) => fail_keeping_rejects(
            ctx,
            &args,
            &summary,
            error.to_string(),
            "so far (the break last)",
        ),
        Err(ImportError::StoreFailed { error, summary }) => fail_keeping_rejects(
            ctx,
            &args,
            &summary,
            format!("{error}: nothing was imported"),
            "before it",
        ),
        Err(e) => Err(e.into()),
    }
}
