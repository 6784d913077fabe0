//! `mulu diff OLD NEW`: what changed between two catalogue versions, and
//! which confirmed hospital mappings it breaks.

mod html;
mod mapping_file;
mod table_csv;
mod terminal;
mod xlsx;

use crate::ctx::Ctx;
use anyhow::{bail, Context, Result};
use catalog_core::diff::{self, CatalogDiff, DiffOptions, ImpactItem, MappingRef};
use catalog_core::store::StoreError;
use catalog_core::{Category, Store, VersionInfo};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Old version: a stored version label (or id)
    old: String,
    /// New version: a stored version label (or id)
    new: String,
    /// Kind of catalogue, when a label exists for several kinds
    #[arg(long)]
    kind: Option<Category>,
    /// How many changes to list on the terminal
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Fields whose changes are not reported (keys like spec, labels like 规格, or extra headers)
    #[arg(long, value_delimiter = ',', value_name = "FIELD,…")]
    ignore_field: Vec<String>,
    /// Report whitespace-only differences (ignored by default)
    #[arg(long)]
    keep_whitespace: bool,
    /// Report full-/half-width differences (ignored by default)
    #[arg(long)]
    keep_width: bool,
    /// Do not look for re-coded products
    #[arg(long)]
    no_recode: bool,
    /// Lowest score (0–1) accepted as a re-code
    #[arg(long, default_value_t = 0.8)]
    recode_threshold: f64,
    /// Write every field change as CSV (one row per field)
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write an xlsx report (summary, one sheet per class, changed cells highlighted)
    #[arg(long, value_name = "FILE")]
    xlsx: Option<PathBuf>,
    /// Write a self-contained HTML report
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Exit with status 3 when anything differs (for CI)
    #[arg(long)]
    fail_if_diff: bool,
    /// Confirmed mappings to check: `store` (approved/replaced mappings in the store) or a csv/xlsx file
    /// with 院内编码, 院内名称, 医保编码 columns
    #[arg(long, value_name = "store|FILE")]
    mapping: Option<String>,
    /// Write the impacted mappings as an xlsx work list (needs --mapping)
    #[arg(long, value_name = "FILE")]
    impact_xlsx: Option<PathBuf>,
}

/// Exit status when --fail-if-diff finds differences.
pub const EXIT_DIFFERS: u8 = 3;

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    if args.impact_xlsx.is_some() && args.mapping.is_none() {
        bail!("--impact-xlsx needs --mapping store|FILE");
    }
    if !(0.0..=1.0).contains(&args.recode_threshold) {
        bail!(
            "--recode-threshold must be between 0 and 1, got {}",
            args.recode_threshold
        );
    }
    let store = ctx.store()?;
    let (old, new) = resolve_pair(&store, &args)?;
    let opts = DiffOptions {
        ignore_fields: args
            .ignore_field
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        ignore_whitespace: !args.keep_whitespace,
        ignore_width: !args.keep_width,
        detect_recodes: !args.no_recode,
        recode_threshold: args.recode_threshold,
        ..DiffOptions::default()
    };
    let sp = ctx.spinner(&format!("comparing {} → {}", old.label, new.label));
    let started = std::time::Instant::now();
    let d = diff::diff_stored(&store, &old, &new, &opts).with_context(|| {
        format!(
            "diffing {} version '{}' against '{}'",
            old.category, old.label, new.label
        )
    })?;
    sp.finish_and_clear();
    ctx.say(format!(
        "compared {} + {} rows in {:.2?}",
        old.row_count,
        new.row_count,
        started.elapsed()
    ));

    let impact = match &args.mapping {
        None => None,
        Some(m) => Some(impact_of(&store, m, &d, ctx)?),
    };

    if let Some(p) = &args.csv {
        table_csv::write(p, &d).with_context(|| format!("writing {}", p.display()))?;
        ctx.say(format!("wrote {}", p.display()));
    }
    if let Some(p) = &args.xlsx {
        xlsx::write_report(p, &d).with_context(|| format!("writing {}", p.display()))?;
        ctx.say(format!("wrote {}", p.display()));
    }
    if let Some(p) = &args.html {
        std::fs::write(p, html::render(&d, impact.as_deref()))
            .with_context(|| format!("writing {}", p.display()))?;
        ctx.say(format!("wrote {}", p.display()));
    }
    if let (Some(p), Some(items)) = (&args.impact_xlsx, &impact) {
        xlsx::write_impact(p, items).with_context(|| format!("writing {}", p.display()))?;
        ctx.say(format!(
            "wrote {} ({} mappings to review)",
            p.display(),
            items.len()
        ));
    }

    if ctx.json {
        let mut v = serde_json::to_value(&d)?;
        if let (Some(items), Some(obj)) = (&impact, v.as_object_mut()) {
            obj.insert("impact".into(), serde_json::to_value(items)?);
        }
        ctx.print_json(&v)?;
    } else {
        terminal::print(&d, impact.as_deref(), args.limit);
    }
    Ok(if args.fail_if_diff && !d.is_empty() {
        EXIT_DIFFERS
    } else {
        0
    })
}

/// Both sides as stored versions of one kind. A label that exists for
/// several kinds is settled by the other side's kind.
fn resolve_pair(store: &Store, args: &Args) -> Result<(VersionInfo, VersionInfo)> {
    for side in [&args.old, &args.new] {
        let p = Path::new(side);
        if p.is_file() && store.resolve(Some(side), args.kind).is_err() {
            bail!(
                "'{side}' is a file: import it first (`mulu import {side} --kind K --label L`), then diff the labels \
                 (diffing files directly is not supported yet)"
            );
        }
    }
    let one = |label: &str, kind: Option<Category>| store.resolve(Some(label), kind);
    let (old, new) = match (one(&args.old, args.kind), one(&args.new, args.kind)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(StoreError::Ambiguous { .. }), Ok(n)) => (one(&args.old, Some(n.category))?, n),
        (Ok(o), Err(StoreError::Ambiguous { .. })) => {
            let n = one(&args.new, Some(o.category))?;
            (o, n)
        }
        (Err(e), _) => return Err(e).context(format!("old version '{}'", args.old)),
        (_, Err(e)) => return Err(e).context(format!("new version '{}'", args.new)),
    };
    if old.category != new.category {
        bail!(
            "'{}' is a {} version but '{}' is {}: pick two versions of one kind (--kind)",
            old.label,
            old.category,
            new.label,
            new.category
        );
    }
    Ok((old, new))
}

fn impact_of(store: &Store, source: &str, d: &CatalogDiff, ctx: &Ctx) -> Result<Vec<ImpactItem>> {
    let maps: Vec<MappingRef> = if source == "store" {
        diff::confirmed_mappings(store)?
    } else {
        let read = mapping_file::read(Path::new(source))?;
        ctx.say(format!(
            "{}: {} rows, {} mappings read, {} rows without 医保编码 skipped",
            source,
            read.rows,
            read.mappings.len(),
            read.skipped
        ));
        read.mappings
    };
    let items = diff::impact(d, &maps);
    ctx.say(format!(
        "{} of {} confirmed mappings are affected",
        items.len(),
        maps.len()
    ));
    Ok(items)
}
