//! `mulu import FILE|URL`: read a catalogue file into the store as one version.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::Category;
use chrono::NaiveDate;
use importer::{
    import_with_progress, ImportError, ImportOptions, ImportSummary, Limits, Phase, Progress,
    RejectOutput,
};
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
fn limit_hint(hit: Option<&importer::LimitHit>) -> String {
    hit.map(|h| tr!("import.limit_hint", flag = flag_of(h.limit)))
        .unwrap_or_default()
}

#[derive(clap::Args)]
pub struct Args {
    /// 目录文件（xlsx/xls/ods/csv/tsv/json/jsonl/xml，或 13xx 的 ZIP/TXT）或 http(s) 网址
    pub source: String,
    /// 目录类别：drug 西药中成药、herbal 中药饮片、preparation 医疗机构制剂、consumable 医用耗材、
    /// service 医疗服务项目、diagnosis 诊断、procedure 手术操作、reimbursement 医保药品目录、
    /// negotiated 谈判药品、crosswalk 临床版→医保版映射表（诊断与手术读 HIS 编码时用），或 auto（按表头识别）
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

/// The import's progress: the phase by name and the rows so far, and, once
/// the reader tells how much of the file it has read, a bar with the
/// percentage and the time left.
struct ImportBar {
    pb: indicatif::ProgressBar,
    measured: std::cell::Cell<bool>,
}

/// The bar counts thousandths of the file.
const BAR_STEPS: u64 = 1000;

impl ImportBar {
    fn new(ctx: &Ctx) -> ImportBar {
        let pb = ctx.spinner(&tr!("import.progress"));
        // The message carries the rows; the spinner's own count would repeat them.
        pb.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .expect("valid template"),
        );
        ImportBar {
            pb,
            measured: std::cell::Cell::new(false),
        }
    }

    fn show(&self, p: &Progress) {
        let message = phase_message(p);
        match p.fraction {
            Some(f) if p.phase == Phase::Read => {
                if !self.measured.replace(true) {
                    self.pb.set_length(BAR_STEPS);
                    self.pb.set_position(0);
                    self.pb.reset_eta();
                    self.pb.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{msg} [{bar:30}] {percent:>3}% ({elapsed} / 剩余 {eta})",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                }
                self.pb.set_position((f * BAR_STEPS as f64) as u64);
            }
            _ if self.measured.get() => self.pb.set_position(BAR_STEPS),
            _ => {}
        }
        self.pb.set_message(message);
    }
}

/// `读取校验 · 120,000 行`: what the import is doing now.
fn phase_message(p: &Progress) -> String {
    let key = match p.phase {
        Phase::Download => "import.phase.download",
        Phase::Read => "import.phase.read",
        Phase::Commit => "import.phase.commit",
        Phase::Rejects => "import.phase.rejects",
    };
    tr!(key, rows = p.rows)
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
        (Some(c), Some(x)) => Some(tr!("import.files_and", a = c, b = x)),
        (Some(c), None) => Some(c.clone()),
        (None, Some(x)) => Some(x.clone()),
        (None, None) => None,
    }
}

/// Warnings always reach stderr, `--quiet` or not: they are about this import's data.
fn warn(s: &ImportSummary) {
    for w in &s.warnings {
        eprintln!("{}", tr!("word.warning", w = w));
    }
}

/// A failed import's error, naming the files its rejects were written to.
/// `which` names the locale text that says when the rows were rejected.
fn fail_keeping_rejects(summary: &ImportSummary, mut msg: String, which: &str) -> Result<u8> {
    warn(summary);
    if let Some(files) = reject_files(summary) {
        msg.push_str(&tr!(which, n = summary.rejected, files = files));
    }
    anyhow::bail!(msg)
}

fn report(ctx: &Ctx, s: &ImportSummary) -> Result<()> {
    warn(s);
    if ctx.json {
        return ctx.print_json(&serde_json::to_value(s)?);
    }
    let category = match catalog_core::i18n::lang() {
        catalog_core::i18n::Lang::Zh => s.category.label_zh().to_string(),
        catalog_core::i18n::Lang::En => s.category.to_string(),
    };
    let mut line = tr!(
        "import.summary",
        source = s.source,
        category = category,
        label = s.label,
        read = s.read,
        imported = s.imported,
        rejected = s.rejected,
        notes = s.notes
    );
    if s.valid > 0 {
        line.push_str(&tr!("import.valid_not_imported", n = s.valid));
    }
    if let Some(e) = &s.encoding {
        line.push_str(&tr!("import.encoding", e = e));
    }
    if let Some(sh) = &s.sheet {
        line.push_str(&tr!("import.sheet", sheet = sh));
    }
    println!("{line}");
    if let Some(v) = &s.version {
        println!(
            "{}",
            tr!(
                "import.version",
                id = v.id,
                label = v.label,
                rows = v.row_count,
                sum = &v.checksum[..v.checksum.len().min(12)]
            )
        );
    }
    if !s.extra_columns.is_empty() {
        ctx.say(tr!(
            "import.extra",
            list = importer::limits::brief_list(&s.extra_columns, 30, 600)
        ));
    }
    for n in s.note_rows.iter().take(5) {
        ctx.say(tr!("import.note_row", row = n.row, text = n.text));
    }
    if s.note_rows.len() > 5 {
        ctx.say(tr!("import.more_notes", n = s.note_rows.len() - 5));
    }
    for r in s.rejects.iter().take(5) {
        let hint = r
            .limit
            .as_ref()
            .map(|h| format!(" ({})", flag_of(h.limit)))
            .unwrap_or_default();
        ctx.say(tr!("import.rejected_row", row = r, hint = hint));
    }
    if s.rejected > 5 {
        ctx.say(tr!("import.more_rejected", n = s.rejected - 5));
    }
    if let Some(files) = reject_files(s) {
        ctx.say(tr!("import.rejects_written", files = files));
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
        let w = tr!("import.same_content", list = twins.join("、"));
        eprintln!("{}", tr!("word.warning", w = w));
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let kind = match args.kind.trim() {
        "auto" | "" => None,
        k => Some(k.parse::<Category>()?),
    };
    if !(0.0..=1.0).contains(&args.max_reject) {
        anyhow::bail!(tr!("import.max_reject_range"));
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
    let bar = ImportBar::new(ctx);
    let result = import_with_progress(&mut store, &args.source, &opts, &|p| bar.show(p));
    bar.pb.finish_and_clear();
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
            eprintln!("{}", tr!("word.error", e = e));
            Ok(1)
        }
        // The rows rejected before a break or a store failure are still worth fixing.
        Err(ImportError::Broken { error, summary }) => {
            let hint = limit_hint(error.limit.as_ref());
            fail_keeping_rejects(&summary, format!("{error}{hint}"), "import.rejects_so_far")
        }
        Err(ImportError::StoreFailed { error, summary }) => fail_keeping_rejects(
            &summary,
            tr!("import.nothing_imported", error = error),
            "import.rejects_before",
        ),
        Err(e) => {
            let hint = limit_hint(e.limit_hit());
            anyhow::bail!("{e}{hint}")
        }
    }
}
