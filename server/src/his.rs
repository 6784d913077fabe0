//! The HIS-dictionary job behind `POST /v1/his`: read the upload with the
//! reader `mulu match` uses, match each kind against the loaded matcher and
//! record the suggestions through `mapping::match_and_suggest` (the CLI's
//! path), reporting progress as it goes. Readers keep being served: matching
//! happens outside any transaction, and the suggestions of a kind are
//! written in one short transaction on the job's own connection.

use crate::jobs::{now, Progress, Work};
use crate::state::App;
use catalog_core::{Category, HospitalItem};
use importer::RowError;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Candidates kept per item, as `mulu match` keeps by default.
const TOP: usize = 3;

/// How to read and match an uploaded HIS dictionary.
pub(crate) struct MatchTask {
    /// Match every item against this kind (else each item's 类别, else drug).
    pub kind: Option<Category>,
    /// Sheet name or 1-based index of a workbook.
    pub sheet: Option<String>,
}

/// A rejected row in Chinese, naming the file the client knows, the row and
/// the column.
pub(crate) fn row_error_zh(e: &RowError, shown: &str) -> String {
    let mut s = shown.to_string();
    if let Some(sh) = &e.sheet {
        s.push_str(&format!(" [{sh}]"));
    }
    s.push_str(&format!(" 第 {} 行", e.row));
    if let Some(c) = &e.column {
        s.push_str(&format!("，列「{c}」"));
    }
    if let Some(v) = &e.value {
        s.push_str(&format!("（'{v}'）"));
    }
    s.push_str(&format!("：{}", e.reason));
    s
}

/// Why a file could not be read at all, in Chinese.
fn read_error_zh(e: &importer::ReadError, shown: &str) -> String {
    match e {
        importer::ReadError::MissingColumn {
            sheet,
            found,
            expected,
            ..
        } => format!(
            "{shown}{} 没有「院内名称」列，无法匹配，未写入任何内容。找到的列：{}；可用的表头：{} (no name column)",
            sheet.as_ref().map(|s| format!(" [{s}]")).unwrap_or_default(),
            found.join("、"),
            expected.iter().take(12).cloned().collect::<Vec<_>>().join("、"),
        ),
        other => format!("无法读取 HIS 字典 {shown}，未写入任何内容：{other}"),
    }
}

fn progress(app: &App, id: u64, phase: &'static str, done: u64, total: u64) {
    let phase_zh = match phase {
        "reading" => "读取文件",
        "matching" => "匹配中",
        _ => "保存建议",
    };
    app.inner.jobs.update(id, |j| {
        j.progress = Some(Progress {
            phase,
            phase_zh,
            done,
            total,
        })
    });
}

/// Run the job and leave its outcome in the job table.
pub(crate) fn run(app: &App, id: u64, work: &Work, task: &MatchTask) {
    let source = work.path.display().to_string();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        matched(app, id, work, task)
    }));
    let (status, summary, rejects, error) = match outcome {
        Ok(Ok((summary, rejects))) => ("matched", Some(summary), rejects, None),
        Ok(Err((code, message))) => (
            "failed",
            None,
            Vec::new(),
            Some(json!({ "code": code, "message": message })),
        ),
        Err(_) => (
            "failed",
            None,
            Vec::new(),
            Some(
                json!({ "code": "internal", "message": "内部错误（程序缺陷，请报告） (internal error)" }),
            ),
        ),
    };
    let redact = |mut v: Value| {
        crate::public::redact_value(&mut v, &source, &work.shown);
        v
    };
    let rejects: Vec<String> = rejects
        .into_iter()
        .map(|r| crate::public::redact_text(&r.replace(&source, &work.shown)))
        .collect();
    app.inner.jobs.update(id, |j| {
        j.status = status;
        j.finished_at = Some(now());
        j.summary = summary.map(redact);
        j.first_rejects = rejects;
        j.error = error.map(redact);
    });
}

type Failure = (&'static str, String);

fn matched(
    app: &App,
    id: u64,
    work: &Work,
    task: &MatchTask,
) -> Result<(Value, Vec<String>), Failure> {
    progress(app, id, "reading", 0, 0);
    let read = importer::hospital::read_items(
        &work.path,
        &importer::hospital::HospitalReadOptions {
            sheet: task.sheet.clone(),
            ..Default::default()
        },
    )
    .map_err(|e| ("unreadable", read_error_zh(&e, &work.shown)))?;
    let rejects: Vec<String> = read
        .rejected
        .iter()
        .take(100)
        .map(|e| row_error_zh(e, &work.shown))
        .collect();
    if read.items.is_empty() {
        return Err((
            "no_items",
            format!(
                "{} 中没有可匹配的行：读到 {} 行，拒绝 {} 行{}",
                work.shown,
                read.read,
                read.rejected.len(),
                rejects
                    .first()
                    .map(|r| format!("（第一条：{r}）"))
                    .unwrap_or_default()
            ),
        ));
    }
    let groups = mapping::group_by_kind(&read.items, task.kind);
    // Every kind needs a loaded catalogue before anything is written.
    let snap = app.snapshot();
    for (kind, idx) in &groups {
        if snap.engines.get(*kind).is_none() {
            return Err((
                "no_catalogue",
                format!(
                    "没有{}目录版本，{} 条该类项目无法匹配，未写入任何内容：请先导入{}目录 (no {kind} catalogue version)",
                    kind.label_zh(),
                    idx.len(),
                    kind.label_zh()
                ),
            ));
        }
    }
    let mut store = catalog_core::Store::open_home(app.home())
        .and_then(|s| s.set_busy_timeout(app.config().busy_timeout).map(|_| s))
        .map_err(|e| ("store", e.to_string()))?;
    let total = read.items.len() as u64;
    let done = AtomicU64::new(0);
    let mut tiers: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut kinds: BTreeMap<&'static str, u64> = BTreeMap::new();
    let (mut recorded, mut kept) = (0usize, 0usize);
    progress(app, id, "matching", 0, total);
    for (kind, idx) in &groups {
        let Some(m) = snap.engines.get(*kind) else {
            continue;
        };
        let group: Vec<HospitalItem> = idx.iter().map(|&i| read.items[i].clone()).collect();
        let tick = |n: u64| {
            let d = done.fetch_add(n, Ordering::Relaxed) + n;
            progress(app, id, "matching", d.min(total), total);
        };
        let (out, rep) = mapping::match_and_suggest(&mut store, m, *kind, &group, TOP, true, &tick)
            .map_err(|e| {
                let code = if e.is_busy() { "store_busy" } else { "store" };
                (code, format!("保存对码建议失败：{e}"))
            })?;
        recorded += rep.recorded;
        kept += rep.kept;
        *kinds.entry(kind.as_str()).or_default() += group.len() as u64;
        for x in &out {
            *tiers.entry(x.result.tier.as_str()).or_default() += 1;
        }
    }
    progress(app, id, "recording", total, total);
    let summary = json!({
        "file": work.shown,
        "read": read.read,
        "matched": total,
        "rejected": read.rejected.len(),
        "recorded": recorded,
        "kept_reviewed": kept,
        "tiers": tiers,
        "kinds": kinds,
    });
    Ok((summary, rejects))
}
