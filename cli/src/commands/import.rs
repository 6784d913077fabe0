//! `mulu import FILE|URL`: read a catalogue file into the store as one version.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::Category;
use chrono::NaiveDate;
use importer::{import_into, ImportError, ImportOptions, ImportSummary, Limits, RejectOutput};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The importer's limits as flags; each defaults to `Limits::default()`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct LimitArgs {
    /// 一行最多的列数（xlsx：XFD 右侧的单元格拒收）[默认：16384]
    #[arg(long, value_name = "N")]
    pub max_columns: Option<usize>,
    /// 工作表最多的行数（xlsx）[默认：1048576]
    #[arg(long, value_name = "N")]
    pub max_rows: Option<u64>,
    /// 一个单元格最多的字节数 [默认：131072]
    #[arg(long, value_name = "BYTES")]
    pub max_cell_bytes: Option<usize>,
    /// 一条记录最多的字节数（CSV 记录、行、XML/JSON 记录）[默认：1048576]
    #[arg(long, value_name = "BYTES")]
    pub max_record_bytes: Option<usize>,
    /// 一条 CSV 记录最多可跨的行数 [默认：16]
    #[arg(long, value_name = "N")]
    pub max_record_lines: Option<u64>,
    /// 一条记录最多的单元格数 [默认：16384]
    #[arg(long, value_name = "N")]
    pub max_cells_per_record: Option<usize>,
    /// XML/JSON 中最多的不同字段名数 [默认：10000]
    #[arg(long, value_name = "N")]
    pub max_field_names: Option<usize>,
    /// 内存和拒收 xlsx 中保留的拒收行数（CSV 保留全部）[默认：1000]
    #[arg(long, value_name = "N")]
    pub max_rejects_kept: Option<usize>,
    /// 13xx ZIP 中一个文件解压后最多的字节数 [默认：4294967296]
    #[arg(long, value_name = "BYTES")]
    pub max_unpacked_bytes: Option<u64>,
    /// 13xx ZIP 中一个文件最大的解压/压缩比 [默认：100]
    #[arg(long, value_name = "N")]
    pub max_unpack_ratio: Option<u64>,
    /// 网址下载最多的字节数 [默认：2147483648]
    #[arg(long, value_name = "BYTES")]
    pub max_download_bytes: Option<u64>,
    /// 网址下载最长的时间（秒）[默认：600]
    #[arg(long, value_name = "SECS")]
    pub max_download_time: Option<u64>,
}

impl LimitArgs {
    /// The defaults, with every flag given put over them.
    pub fn to_limits(&self) -> Limits {
        let mut l = Limits::default();
        macro_rules! put {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { l.$f = v; } )* };
        }
        put!(
            max_columns,
            max_rows,
            max_cell_bytes,
            max_record_bytes,
            max_record_lines,
            max_cells_per_record,
            max_field_names,
            max_rejects_kept,
            max_unpacked_bytes,
            max_unpack_ratio,
            max_download_bytes
        );
        if let Some(s) = self.max_download_time {
            l.max_download_time = Duration::from_secs(s);
        }
        l
    }
}

/// The flag that sets the limit the library names (`max_cell_bytes` → `--max-cell-bytes`).
pub(crate) fn flag_of(limit: &str) -> String {
    format!("--{}", limit.replace('_', "-"))
}

/// ` — raise it with --flag N` for an error that hit a limit.
fn limit_hint(e: &ImportError) -> String {
    match e.limit_hit() {
        Some(h) => {
            let flag = flag_of(h.limit);
            format!(" — 如文件无误，可用 {flag} 调高此限制 (if the file is right, raise the limit with {flag})")
        }
        None => String::new(),
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// 目录文件（xlsx/xls/ods/csv/tsv/json/jsonl/xml，或 13xx 的 ZIP/TXT）或 http(s) 网址
    pub source: String,
    /// 目录类别：drug 西药中成药、herbal 中药饮片、preparation 医疗机构制剂、consumable 医用耗材、
    /// service 医疗服务项目、diagnosis 诊断、procedure 手术操作、reimbursement 医保药品目录、
    /// negotiated 谈判药品，或 auto（按表头识别）
    #[arg(long, default_value = "auto")]
    pub kind: String,
    /// 版本标签（默认：不含扩展名的文件名）
    #[arg(long)]
    pub label: Option<String>,
    /// 工作表名称或序号，从 1 起（默认：表头最吻合的工作表）
    #[arg(long)]
    pub sheet: Option<String>,
    /// 无表头平台文件的 13xx 格式（1301、1302、1303、1305、1306、1307、1308）
    #[arg(long)]
    pub layout: Option<String>,
    /// 替换同标签的已有版本
    #[arg(long)]
    pub replace: bool,
    /// 允许的最大拒收比例，0..1；超过则什么都不导入
    #[arg(long, default_value_t = 0.0)]
    pub max_reject: f64,
    /// 拒收行的输出位置（PATH.csv 和 PATH.xlsx；默认在 mulu 主目录下）
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// 版本的发布日期（YYYY-MM-DD）
    #[arg(long)]
    pub published: Option<NaiveDate>,
    /// 与版本一起保存的备注
    #[arg(long)]
    pub note: Option<String>,
    /// 网址的连接/读取超时（秒）
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Where the reject files go: `--rejects PATH` (its `.csv`/`.xlsx` suffix
/// dropped), else `<home>/rejects/<kind>-<label>.rejects.*`.
fn reject_output(ctx: &Ctx, args: &Args) -> RejectOutput {
    match &args.rejects {
        Some(p) => {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if ext == "csv" || ext == "xlsx" {
                RejectOutput::Files(p.with_extension(""))
            } else {
                RejectOutput::Files(p.clone())
            }
        }
        None => RejectOutput::Dir(ctx.home.join("rejects")),
    }
}

/// A label or file stem made safe as a file name (long ones cut and hashed).
pub(crate) fn sanitize(s: &str) -> String {
    importer::rejects::safe_name(s)
}

/// Write a summary's rejects as `BASE.csv` and `BASE.xlsx` (directories
/// created); used for the files `mulu diff` reads on the fly.
pub(crate) fn write_reject_files(s: &ImportSummary, base: &Path) -> Result<(PathBuf, PathBuf)> {
    let csv = importer::rejects::with_suffix(base, "csv");
    let xlsx = importer::rejects::with_suffix(base, "xlsx");
    if let Some(dir) = csv.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    importer::rejects::write(&s.rejects, &s.header, &csv, &xlsx)
        .with_context(|| format!("writing {}", csv.display()))?;
    Ok((csv, xlsx))
}

/// "A and B", "A", or nothing: the reject files that were written.
fn reject_files(s: &ImportSummary) -> Option<String> {
    match (&s.rejects_csv, &s.rejects_xlsx) {
        (Some(c), Some(x)) => Some(format!("{c} and {x}")),
        (Some(c), None) => Some(c.clone()),
        (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    }
}

/// Warnings always reach stderr, `--quiet` or not: they are about this import's data.
fn warn(s: &ImportSummary) {
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
}

/// A failed import's error, naming the files its rejects were written to.
fn fail_keeping_rejects(summary: &ImportSummary, mut msg: String, when: &str) -> Result<u8> {
    warn(summary);
    if let Some(files) = reject_files(summary) {
        msg.push_str(&format!(
            "; the {} rows rejected {when} are in {files}",
            summary.rejected
        ));
    }
    anyhow::bail!(msg)
}

fn report(ctx: &Ctx, s: &ImportSummary) -> Result<()> {
    warn(s);
    if ctx.json {
        return ctx.print_json(&serde_json::to_value(s)?);
    }
    let mut line = format!(
        "{}: {} {} — read {}, imported {}, rejected {}, notes {}",
        s.source, s.category, s.label, s.read, s.imported, s.rejected, s.notes
    );
    if s.valid > 0 {
        line.push_str(&format!(", valid but not imported {}", s.valid));
    }
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
        ctx.say(tr!(
            "import.extra",
            list = importer::limits::brief_list(&s.extra_columns, 30, 600)
        ));
    }
    for n in s.note_rows.iter().take(5) {
        ctx.say(format!("  note row {}: {}", n.row, n.text));
    }
    if s.note_rows.len() > 5 {
        ctx.say(format!("  … and {} more note rows", s.note_rows.len() - 5));
    }
    for r in s.rejects.iter().take(5) {
        let hint = r
            .limit
            .as_ref()
            .map(|h| format!(" ({})", flag_of(h.limit)))
            .unwrap_or_default();
        ctx.say(format!("  rejected: {r}{hint}"));
    }
    if s.rejected > 5 {
        ctx.say(format!("  … and {} more", s.rejected - 5));
    }
    if let Some(files) = reject_files(s) {
        ctx.say(format!("rejected rows written to {files}"));
    }
    Ok(())
}

/// A re-published file with nothing new is usually the wrong download: say
/// which stored version already holds exactly these rows (the checksum is
/// over the rows, not the file, so a re-saved workbook is caught too).
fn same_content_warning(store: &catalog_core::Store, s: &ImportSummary) -> Result<()> {
    let Some(v) = &s.version else { return Ok(()) };
    let twins: Vec<String> = store
        .versions()?
        .into_iter()
        .filter(|o| o.id != v.id && o.category == v.category && o.checksum == v.checksum)
        .map(|o| format!("'{}'", o.label))
        .collect();
    if !twins.is_empty() {
        eprintln!(
            "警告 (warning): 本次导入的内容与已有版本 {} 完全相同 (same rows as an existing version)",
            twins.join("、")
        );
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
    // Checked before the store is opened: a bad label must not cost a read.
    if let Some(l) = &args.label {
        catalog_core::label::validate_label(l).map_err(|e| anyhow::anyhow!("--label: {e}"))?;
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
        limits: args.limits.to_limits(),
        rejects: reject_output(ctx, &args),
    };
    let mut store = ctx.store()?;
    let pb = ctx.spinner("导入 (importing)");
    let result = import_into(&mut store, &args.source, &opts, &|n| pb.set_position(n));
    pb.finish_and_clear();
    match result {
        // Committed: whatever happened to the reject files is a warning (D5).
        Ok(s) => {
            report(ctx, &s)?;
            same_content_warning(&store, &s)?;
            Ok(0)
        }
        Err(e @ (ImportError::TooManyRejected(_) | ImportError::NoValidRows(_))) => {
            if let Some(s) = e.summary() {
                report(ctx, s)?;
            }
            eprintln!("error: {e}");
            Ok(1)
        }
        // The rows rejected before a break or a store failure are still worth fixing.
        Err(ImportError::Broken { error, summary }) => {
            let hint = error
                .limit
                .as_ref()
                .map(|h| {
                    let flag = flag_of(h.limit);
                    format!(" — 如文件无误，可用 {flag} 调高此限制 (if the file is right, raise the limit with {flag})")
                })
                .unwrap_or_default();
            fail_keeping_rejects(
                &summary,
                format!("{error}{hint}"),
                "so far (the break last)",
            )
        }
        Err(ImportError::StoreFailed { error, summary }) => fail_keeping_rejects(
            &summary,
            format!("{error}: nothing was imported"),
            "before it",
        ),
        Err(e) => {
            let hint = limit_hint(&e);
            anyhow::bail!("{e}{hint}")
        }
    }
}
