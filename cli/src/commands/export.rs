//! `mulu export 3301|3302`: the confirmed mappings in the platform's 3301
//! fields (JSON in batches of at most 100 rows, or a flat xlsx/CSV), or the
//! 3302 revoke rows of mappings changed after their upload. Every export is
//! recorded as a numbered batch (`mapping::upload`). Mappings that need
//! re-review are held back from 3301 and reported. The hospital's code and
//! the region's list_type numbering come from the flags, else `mulu.toml`.
//! `export signoff` writes the sign-off list (`signoff.rs`). Also the shared
//! table writer of the matching commands.

use crate::config::Config;
use crate::ctx::Ctx;
use crate::words::w;
use anyhow::{Context, Result};
use catalog_core::Category;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// 导出什么：3301（目录对照上传）、3302（目录对照撤销）、signoff（对照清单，供签字）或 fhir（FHIR ConceptMap）
    pub what: String,
    /// 输出文件：.json（按每批≤100条分批）、.xlsx 或 .csv (the file to write)
    #[arg(long)]
    pub out: PathBuf,
    /// 目录类别编号表：national（101 西药中成药 …）或 hunan（101 西药、102 中成药 …）[默认：mulu.toml，否则 national]
    #[arg(long)]
    pub list_type_table: Option<String>,
    /// 定点医药机构编号，写入 3301 每批和 3302 每行 [默认：mulu.toml 的 fixmedins_code]
    #[arg(long)]
    pub fixmedins_code: Option<String>,
    /// 只导出该类别 (only mappings of this kind)
    #[arg(long, value_parser = super::index::parse_kind)]
    pub kind: Option<Category>,
    /// 没有开始日期的对照用此 begndate [默认：审核日期] (begndate for mappings without one)
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
    if !["3301", "3302", "signoff"].contains(&args.what.as_str()) {
        anyhow::bail!(w!("export.unknown", what = args.what));
    }
    let cfg = Config::load(&ctx.home)?;
    let (table, overrides) = crate::config::list_types(&cfg, args.list_type_table.as_deref())?;
    let fixmedins_code = cfg.fixmedins_code(args.fixmedins_code.as_deref());
    let mut store = ctx.store()?;
    if args.what == "signoff" {
        return super::signoff::run(ctx, &store, &cfg, &fixmedins_code, args.kind, &args.out);
    }
    if fixmedins_code.is_empty() {
        ctx.say(w!("export.no_code", home = ctx.home.display()));
    }
    let opts = mapping::ExportOptions {
        kind: args.kind,
        table,
        begin: args.begin.clone(),
        memo: args.memo,
        overrides,
        fixmedins_code,
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
        &opts.fixmedins_code,
    )?;
    for s in skipped {
        ctx.say(w!("export.skipped", what = s));
    }
    if !built.held_back.is_empty() {
        ctx.say(w!("export.held", n = built.held_back.len()));
        for h in &built.held_back {
            ctx.say(format!(
                "  {} {}：{}",
                h.hospital_code, h.hospital_name, h.reason
            ));
        }
    }
    let batch = mapping::upload::record_3301(
        &mut store,
        &built,
        &args.out.display().to_string(),
        args.new,
    )?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "out": args.out,
            "rows": rows.len(),
            "batches": rows.len().div_ceil(BATCH),
            "skipped": skipped,
            "held_back": built.held_back,
            "fixmedins_code": opts.fixmedins_code,
            "upload_batch": batch,
        }))?;
    } else {
        println!(
            "{}",
            w!(
                "export.done",
                rows = rows.len(),
                batches = rows.len().div_ceil(BATCH),
                size = BATCH,
                out = args.out.display(),
                skipped = skipped.len(),
                held = built.held_back.len(),
                batch = batch.id
            )
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
        &opts.fixmedins_code,
    )?;
    let batch = mapping::upload::record_3302(store, &sent, &args.out.display().to_string())?;
    if ctx.json {
        ctx.print_json(
            &serde_json::json!({"out": args.out, "rows": rows.len(), "fixmedins_code": opts.fixmedins_code, "upload_batch": batch}),
        )?;
    } else {
        println!(
            "{}",
            w!(
                "export.revoked",
                rows = rows.len(),
                out = args.out.display(),
                batch = batch.id
            )
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
    fixmedins_code: &str,
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
    let bytes = mapping::files::upload_file(format, sheet, fields, rows, cells, fixmedins_code)
        .map_err(anyhow::Error::msg)?;
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}
