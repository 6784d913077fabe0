//! `mulu diff OLD NEW`: what changed between two catalogue versions, and
//! which confirmed hospital mappings it breaks.

mod html;
mod mapping_file;
mod table_csv;
mod terminal;
mod xlsx;

use crate::ctx::Ctx;
use anyhow::{bail, Context, Result};
use catalog_core::store::{StoreError, VersionMeta};
use catalog_core::{Category, Store, VersionInfo};
use catalog_diff::{self as diff, CatalogDiff, DiffOptions, ImpactItem, MappingRef};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// 旧版本：库中的版本标签（或 id），或直接读取的目录文件
    old: String,
    /// 新版本：库中的版本标签（或 id），或直接读取的目录文件
    new: String,
    /// 目录类别（同一标签有多个类别时指定）
    #[arg(long)]
    kind: Option<Category>,
    /// 终端上列出的变更条数
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// 不报告这些字段的变更（字段键如 spec、名称如 规格，或附加列表头）
    #[arg(long, value_delimiter = ',', value_name = "FIELD,…")]
    ignore_field: Vec<String>,
    /// 报告仅空白不同的差异（默认忽略）
    #[arg(long)]
    keep_whitespace: bool,
    /// 报告全角/半角差异（默认忽略）
    #[arg(long)]
    keep_width: bool,
    /// 不查找换码的产品
    #[arg(long)]
    no_recode: bool,
    /// 停用的编码也作为换码来源（默认只看删除的编码）
    #[arg(long)]
    recode_deactivated: bool,
    /// 认定为换码的最低分（0–1）
    #[arg(long, default_value_t = 0.8)]
    recode_threshold: f64,
    /// 把每个字段变更写成 CSV（每个字段一行）
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// 写 xlsx 报告（汇总、每类一个工作表、变更单元格高亮）
    #[arg(long, value_name = "FILE")]
    xlsx: Option<PathBuf>,
    /// 写独立的 HTML 报告
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// 有任何差异时以退出码 3 结束（供自动检查用）
    #[arg(long)]
    fail_if_diff: bool,
    /// 要检查的已确认对照：`store`（库中已通过/已替换的对照），或含 院内编码、院内名称、医保编码 列的 csv/xlsx 文件
    #[arg(long, value_name = "store|FILE")]
    mapping: Option<String>,
    /// 把受影响的对照写成 xlsx 工作清单（需同时给出 --mapping）
    #[arg(long, value_name = "FILE")]
    impact_xlsx: Option<PathBuf>,
    /// 从文件读取的一侧允许的最大拒收比例，0..1（被拒的行写在 mulu 主目录下，并在 stderr 中给出路径）
    #[arg(long, default_value_t = 0.0)]
    max_reject: f64,
    /// 从工作簿读取的一侧：工作表名称或序号（从 1 起）
    #[arg(long)]
    sheet: Option<String>,
}

/// Exit status when --fail-if-diff finds differences.
pub const EXIT_DIFFERS: u8 = 3;

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    if args.impact_xlsx.is_some() && args.mapping.is_none() {
        bail!("--impact-xlsx needs --mapping store|FILE");
    }
    if !(0.0..=1.0).contains(&args.max_reject) {
        bail!("--max-reject must be between 0 and 1 (a share of the rows read)");
    }
    if !(0.0..=1.0).contains(&args.recode_threshold) {
        bail!(
            "--recode-threshold must be between 0 and 1, got {}",
            args.recode_threshold
        );
    }
    let home = ctx.store()?;
    let holder;
    let (store, old, new) = if [&args.old, &args.new]
        .iter()
        .any(|s| is_file_side(&home, s, args.kind))
    {
        holder = load_in_memory(ctx, &home, &args)?;
        (&holder.0, holder.1.clone(), holder.2.clone())
    } else {
        let (o, n) = resolve_pair(&home, &args)?;
        (&home, o, n)
    };
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
        recode_from_deactivated: args.recode_deactivated,
        ..DiffOptions::default()
    };
    let sp = ctx.spinner(&format!("comparing {} → {}", old.label, new.label));
    let started = std::time::Instant::now();
    let d = diff::diff_stored(store, &old, &new, &opts).with_context(|| {
        format!(
            "diffing {} version '{}' against '{}'",
            old.category, old.label, new.label
        )
    })?;
    sp.finish_and_clear();
    ctx.say(tr!(
        "diff.compared",
        old = old.row_count,
        new = new.row_count,
        took = format!("{:.2?}", started.elapsed())
    ));

    let impact = match &args.mapping {
        None => None,
        Some(m) => Some(impact_of(&home, m, &d, store, &new, ctx)?),
    };

    if let Some(p) = &args.csv {
        table_csv::write(p, &d).with_context(|| format!("writing {}", p.display()))?;
        ctx.say(tr!("diff.wrote", file = p.display()));
    }
    if let Some(p) = &args.xlsx {
        xlsx::write_report(p, &d).with_context(|| format!("writing {}", p.display()))?;
        ctx.say(tr!("diff.wrote", file = p.display()));
    }
    if let Some(p) = &args.html {
        std::fs::write(p, html::render(&d, impact.as_deref()))
            .with_context(|| format!("writing {}", p.display()))?;
        ctx.say(tr!("diff.wrote", file = p.display()));
    }
    if let (Some(p), Some(items)) = (&args.impact_xlsx, &impact) {
        xlsx::write_impact(p, items).with_context(|| format!("writing {}", p.display()))?;
        ctx.say(tr!(
            "diff.wrote_impact",
            file = p.display(),
            n = items.len()
        ));
    }

    if ctx.json {
        // Serialised straight from the typed diff (no intermediate
        // serde_json::Value: a big diff would be held twice).
        #[derive(serde::Serialize)]
        struct WithImpact<'a> {
            #[serde(flatten)]
            diff: &'a CatalogDiff,
            #[serde(skip_serializing_if = "Option::is_none")]
            impact: Option<&'a [ImpactItem]>,
        }
        ctx.print_json(&WithImpact {
            diff: &d,
            impact: impact.as_deref(),
        })?;
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
    same_kind(&old, &new)?;
    Ok((old, new))
}

fn same_kind(old: &VersionInfo, new: &VersionInfo) -> Result<()> {
    if old.category != new.category {
        bail!(
            "'{}' is a {} version but '{}' is {}: pick two versions of one kind (--kind)",
            old.label,
            old.category,
            new.label,
            new.category
        );
    }
    Ok(())
}

/// A side names a file when it is not a stored label but an existing path.
fn is_file_side(store: &Store, side: &str, kind: Option<Category>) -> bool {
    Path::new(side).is_file()
        && matches!(
            store.resolve(Some(side), kind),
            Err(StoreError::NoSuchVersion(_))
        )
}

/// When a side is a file, both sides go into a temporary in-memory store:
/// files are imported there (all rows or nothing, as `mulu import` does),
/// stored versions are copied over. The home store is not touched.
fn load_in_memory(
    ctx: &Ctx,
    home: &Store,
    args: &Args,
) -> Result<(Store, VersionInfo, VersionInfo)> {
    let mut mem = Store::open_in_memory()?;
    let mut kind = args.kind;
    let mut got: [Option<VersionInfo>; 2] = [None, None];
    for (i, side) in [&args.old, &args.new].into_iter().enumerate() {
        if !is_file_side(home, side, args.kind) {
            continue;
        }
        let label = if i == 1 && args.old == args.new {
            format!("{side} (new)")
        } else {
            side.clone()
        };
        let opts = importer::ImportOptions {
            kind,
            label: Some(label),
            sheet: args.sheet.clone(),
            max_reject: args.max_reject,
            cache_dir: Some(ctx.home.join("cache")),
            ..importer::ImportOptions::default()
        };
        let sp = ctx.spinner(&format!("reading {side}"));
        let result = importer::import_into(&mut mem, side, &opts, &|n| sp.set_position(n));
        sp.finish_and_clear();
        let sum = match result {
            Ok(sum) => sum,
            Err(importer::ImportError::TooManyRejected(s)) => {
                let files = write_side_rejects(ctx, i, &s)?;
                bail!(
                    "reading {side}: {} of {} rows rejected (--max-reject {}); rejected rows written to {}",
                    s.rejected,
                    s.read,
                    args.max_reject,
                    files.display()
                );
            }
            Err(e) => return Err(e).with_context(|| format!("reading {side}")),
        };
        let v = sum
            .version
            .clone()
            .with_context(|| format!("{side}: nothing was imported"))?;
        // Rows left out of a diff must not go unnoticed: always on stderr.
        if sum.rejected > 0 {
            let files = write_side_rejects(ctx, i, &sum)?;
            eprintln!(
                "warning: {side}: {} of {} rows rejected and left out of the diff; written to {}",
                sum.rejected,
                sum.read,
                files.display()
            );
        }
        ctx.say(format!(
            "read {side}: {} rows as {}",
            sum.imported, v.category
        ));
        kind = Some(v.category);
        got[i] = Some(v);
    }
    for (i, side) in [&args.old, &args.new].into_iter().enumerate() {
        if got[i].is_some() {
            continue;
        }
        let v = home
            .resolve(Some(side), kind)
            .with_context(|| format!("version '{side}'"))?;
        let meta = VersionMeta {
            category: v.category,
            label: v.label.clone(),
            source: v.source.clone(),
            published: v.published,
            note: v.note.clone(),
        };
        let rows = home.entries(v.id)?;
        let mut copied = mem.import_version(&meta, false, rows.into_iter().map(Ok::<_, String>))?;
        copied.label = v.label.clone();
        got[i] = Some(copied);
    }
    let [Some(old), Some(new)] = got else {
        bail!("internal: a diff side was not loaded")
    };
    same_kind(&old, &new)?;
    Ok((mem, old, new))
}

/// Rejects of a side read on the fly, written as `mulu import` writes them,
/// under `<home>/rejects/`. Returns the CSV path (the xlsx is beside it).
fn write_side_rejects(ctx: &Ctx, side: usize, s: &importer::ImportSummary) -> Result<PathBuf> {
    let stem = Path::new(&s.source)
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let which = if side == 0 { "old" } else { "new" };
    let base = ctx.home.join("rejects").join(format!(
        "diff-{which}-{}-{}.rejects",
        s.category,
        super::import::sanitize(&stem)
    ));
    Ok(super::import::write_reject_files(s, &base)?.0)
}

/// `home` holds the confirmed mappings; `diff_store` and `new` the new
/// version, probed for targets the diff does not mention.
fn impact_of(
    home: &Store,
    source: &str,
    d: &CatalogDiff,
    diff_store: &Store,
    new: &VersionInfo,
    ctx: &Ctx,
) -> Result<Vec<ImpactItem>> {
    let maps: Vec<MappingRef> = if source == "store" {
        diff::confirmed_mappings(home)?
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
    // A failed probe counts as listed: better a missed warning than a false one.
    let listed = |code: &str| diff_store.has_code(new.id, code).unwrap_or(true);
    let items = diff::impact_with_listing(d, &maps, new.category, &listed);
    ctx.say(format!(
        "{} of {} confirmed mappings are affected",
        items.len(),
        maps.len()
    ));
    Ok(items)
}
