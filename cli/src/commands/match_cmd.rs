//! `mulu match <HIS-DICTIONARY>`: match every hospital item, write one output
//! row per input row, store the results as `suggested` decisions (re-using
//! mappings already approved) and print a tier summary.

use super::index::{open_matcher, parse_kind, resolve_version};
use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::{Category, HospitalItem};
use matcher::{MatchResult, Tier};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// 院内（HIS）字典（xlsx、xls、ods、csv）
    pub file: PathBuf,
    /// 所有条目都按这一类目录匹配（默认：按各条目的 类别，没有则按 drug）
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Category>,
    /// 目录版本标签或 id [默认：该类最新版本]
    #[arg(long)]
    pub version: Option<String>,
    /// 每个条目保留的候选数
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// 输出文件：.xlsx、.csv 或 .json [默认：输入文件旁的 <输入>.matched.xlsx]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 输入工作簿的工作表名称或序号（从 1 起）
    #[arg(long)]
    pub sheet: Option<String>,
    /// 不把结果作为建议对照记入库中
    #[arg(long)]
    pub no_store: bool,
}

/// One matched row: the item, its result and what the store already knew.
#[derive(serde::Serialize)]
pub struct Row {
    pub kind: Category,
    pub version: Option<String>,
    pub item: HospitalItem,
    pub result: MatchResult,
    /// Status of a mapping reviewed earlier (approved/replaced/rejected/flagged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let read = importer::hospital::read_items(
        &args.file,
        &importer::hospital::HospitalReadOptions {
            sheet: args.sheet.clone(),
            ..Default::default()
        },
    )
    .with_context(|| format!("reading {}", args.file.display()))?;
    for e in &read.rejected {
        eprintln!("warning: {e}");
    }
    let mut store = ctx.store()?;
    let items = read.items;
    // Group by kind so a mixed dictionary goes to the right catalogues.
    let groups = mapping::group_by_kind(&items, args.kind);
    let mut rows: Vec<Option<Row>> = (0..items.len()).map(|_| None).collect();
    let started = std::time::Instant::now();
    for (kind, idx) in &groups {
        let version = resolve_version(&store, args.version.as_deref(), Some(*kind));
        let (m, v) = match version {
            Ok(v) => (open_matcher(ctx, &store, &v)?, v),
            Err(e) => {
                if groups.len() == 1 {
                    return Err(e);
                }
                ctx.say(format!(
                    "warning: {} items of kind {kind} not matched: {e:#}",
                    idx.len()
                ));
                for &i in idx {
                    let it = &items[i];
                    let result = MatchResult::none(
                        it.row,
                        &it.code,
                        &it.name,
                        format!("没有 {kind} 目录版本 (no catalogue version of kind {kind})"),
                    );
                    rows[i] = Some(Row {
                        kind: *kind,
                        version: None,
                        item: it.clone(),
                        result,
                        previous: None,
                    });
                }
                continue;
            }
        };
        let group: Vec<HospitalItem> = idx.iter().map(|&i| items[i].clone()).collect();
        let bar = ctx.bar(
            group.len() as u64,
            &format!("对码 (matching) {} {}", kind.label_zh(), v.label),
        );
        // Matching, re-use of approved decisions and the one-transaction
        // record of suggestions are the mapping crate's (the page's HIS
        // upload runs the same path).
        let (matched, _) = mapping::match_and_suggest(
            &mut store,
            &m,
            *kind,
            &group,
            args.top,
            !args.no_store,
            &|n| bar.inc(n),
        )?;
        bar.finish_and_clear();
        for ((&i, item), x) in idx.iter().zip(group).zip(matched) {
            rows[i] = Some(Row {
                kind: *kind,
                version: Some(v.label.clone()),
                item,
                result: x.result,
                previous: x.previous.map(|p| p.as_str().to_string()),
            });
        }
    }
    let rows: Vec<Row> = rows.into_iter().flatten().collect();
    let elapsed = started.elapsed().as_secs_f64();
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.file));
    write_rows(&out, &rows)?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *counts.entry(r.result.tier.as_str()).or_default() += 1;
    }
    // Which per-field model gave the probabilities: the home's re-fit
    // (`mulu calibrate`) or the shipped one (file null).
    let (model, model_file) = ctx.field_model();
    let summary = serde_json::json!({
        "file": args.file, "out": out, "read": read.read, "rejected": read.rejected.len(), "matched_rows": rows.len(),
        "tiers": counts, "seconds": elapsed,
        "field_model": {"file": model_file, "fitted_on": model.fitted_on},
    });
    if ctx.json {
        ctx.print_json(&summary)?;
    } else {
        println!(
            "{}",
            tr!(
                "match.summary",
                n = rows.len(),
                read = read.read,
                rejected = read.rejected.len(),
                secs = format!("{elapsed:.1}"),
                out = out.display()
            )
        );
        for t in Tier::ALL {
            let n = counts.get(t.as_str()).copied().unwrap_or(0);
            let pct = if rows.is_empty() {
                0.0
            } else {
                100.0 * n as f64 / rows.len() as f64
            };
            println!("  {:<7} {} {:>7} ({pct:.1}%)", t.as_str(), t.label_zh(), n);
        }
    }
    Ok(0)
}

fn default_out(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "items".into());
    input.with_file_name(format!("{stem}.matched.xlsx"))
}

fn write_rows(out: &Path, rows: &[Row]) -> Result<()> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "json" {
        let f =
            std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        serde_json::to_writer_pretty(std::io::BufWriter::new(f), rows)?;
        return Ok(());
    }
    super::workbook::write(out, rows, &[])
}
