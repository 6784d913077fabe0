//! `mulu export 3301|3302`: the confirmed mappings in the platform's 3301
//! fields (JSON in batches of at most 100 rows, or a flat xlsx/CSV), or the
//! 3302 revoke rows of mappings changed after their upload. Every export is
//! recorded as a numbered batch (`mapping::upload`). Also the shared table
//! writer of the matching commands.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::Category;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// What to export: 3301 (目录对照上传) or 3302 (目录对照撤销)
    pub what: String,
    #[arg(long)]
    pub out: PathBuf,
    /// list_type numbering: national (101 西药中成药 …) or hunan (101 西药, 102 中成药 …)
    #[arg(long, default_value = "national")]
    pub list_type_table: String,
    /// Only mappings of this kind
    #[arg(long, value_parser = super::index::parse_kind)]
    pub kind: Option<Category>,
    /// begndate for mappings without their own start date [default: the review date]
    #[arg(long)]
    pub begin: Option<String>,
    /// 只导出上次导出后新增或改动的对照 (only what changed since the last batch)
    #[arg(long)]
    pub new: bool,
    /// 把审核备注作为 memo 上传 (send the reviewer's note as memo; empty by default)
    #[arg(long)]
    pub memo: bool,
}

pub use mapping::BATCH;

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    if args.what != "3301" && args.what != "3302" {
        anyhow::bail!(
            "未知的导出 '{}'：应为 3301（目录对照上传）或 3302（目录对照撤销） (unknown export: 3301 or 3302)",
            args.what
        );
    }
    let table: mapping::ListTypeTable = args
        .list_type_table
        .parse()
        .map_err(|e: String| anyhow::anyhow!("--list-type-table: {e}"))?;
    let mut store = ctx.store()?;
    let opts = mapping::ExportOptions {
        kind: args.kind,
        table,
        begin: args.begin.clone(),
        memo: args.memo,
    };
    if args.what == "3302" {
        return revoke(ctx, &mut store, &args, &opts);
    }
    let built = mapping::upload::plan_3301(&store, &opts, args.new)?;
    let (rows, skipped) = (&built.rows, &built.skipped);
    write_upload(
        &args.out,
        "3301",
        mapping::FIELDS,
        rows,
        mapping::Row3301::cells,
    )?;
    for s in skipped {
        ctx.say(format!("skipped {s}"));
    }
    let batch = mapping::upload::record_3301(
        &mut store,
        &built,
        &args.out.display().to_string(),
        args.new,
    )?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({"out": args.out, "rows": rows.len(), "batches": rows.len().div_ceil(BATCH), "skipped": skipped, "upload_batch": batch}))?;
    } else {
        println!(
            "exported {} confirmed mappings in {} batch(es) of ≤{BATCH} → {} ({} skipped); 记为第 {} 批",
            rows.len(),
            rows.len().div_ceil(BATCH),
            args.out.display(),
            skipped.len(),
            batch.id
        );
    }
    Ok(0)
}

/// `export 3302`: revoke rows for mappings replaced or withdrawn after upload.
fn revoke(
    ctx: &Ctx,
    store: &mut catalog_core::Store,
    args: &Args,
    opts: &mapping::ExportOptions,
) -> Result<u8> {
    let (rows, sent) = mapping::upload::plan_3302(store, opts)?;
    write_upload(
        &args.out,
        "3302",
        mapping::upload::FIELDS_3302,
        &rows,
        mapping::upload::Row3302::cells,
    )?;
    let batch = mapping::upload::record_3302(store, &sent, &args.out.display().to_string())?;
    if ctx.json {
        ctx.print_json(
            &serde_json::json!({"out": args.out, "rows": rows.len(), "upload_batch": batch}),
        )?;
    } else {
        println!(
            "撤销 {} 条已上传后被替换或撤回的对照 → {}；记为第 {} 批 (3302 revoke rows)",
            rows.len(),
            args.out.display(),
            batch.id
        );
    }
    Ok(0)
}

/// Write rows as xlsx (header frozen, autofilter on) or CSV (UTF-8 with BOM,
/// so Excel shows Chinese correctly), by the file's extension. The bytes
/// come from `mapping::files`, which the page's downloads use too.
pub fn write_table(path: &Path, sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match mapping::files::FileFormat::from_extension(&ext) {
        Some(mapping::files::FileFormat::Xlsx) => mapping::files::xlsx(sheet, headers, rows),
        Some(mapping::files::FileFormat::Csv) => mapping::files::csv(headers, rows),
        _ => anyhow::bail!(
            "cannot write '.{ext}' files: use .xlsx, .csv or .json ({})",
            path.display()
        ),
    }
    .map_err(anyhow::Error::msg)?;
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// An upload file: JSON in the platform's batches of ≤ BATCH rows, else a
/// table (xlsx/CSV) with the transaction's field names as the header.
fn write_upload<T: serde::Serialize>(
    out: &std::path::Path,
    sheet: &str,
    fields: &[&str],
    rows: &[T],
    cells: impl Fn(&T) -> Vec<String>,
) -> Result<()> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let Some(format) = mapping::files::FileFormat::from_extension(&ext) else {
        anyhow::bail!(
            "cannot write '.{ext}' files: use .xlsx, .csv or .json ({})",
            out.display()
        );
    };
    let bytes = mapping::files::upload_file(format, sheet, fields, rows, cells)
        .map_err(anyhow::Error::msg)?;
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}
