//! `mulu review`: approve, reject, flag, replace or mark "no counterpart",
//! list mappings, or apply a reviewed match output file. The rules (guard
//! rails, revisions, one transaction per workbook) live in the `mapping`
//! crate; this file reads arguments and workbooks and prints.

use super::index::parse_kind;
use crate::ctx::Ctx;
use crate::ui::pad;
use anyhow::{Context, Result};
use catalog_core::store::{Mapping, MappingStatus};
use catalog_core::{Category, Store};
use mapping::{Action, BatchItem, MappingError, OnError, Request};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct One {
    /// 院内编码 (the hospital item code)
    pub hospital_code: String,
    /// 院内名称：编码被多个项目共用时指明 (the name, when the code is shared)
    #[arg(long)]
    pub name: Option<String>,
    /// 类别 (kind)
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Category>,
    /// 对照到的医保编码（替换时必填）(the national code; required for replace)
    #[arg(long)]
    pub code: Option<String>,
    /// 审核人 [默认：$MULU_REVIEWER，否则登录名] (reviewer)
    #[arg(long, env = "MULU_REVIEWER")]
    pub by: Option<String>,
    /// 备注，记入历史 (a note for the history)
    #[arg(long)]
    pub note: Option<String>,
    /// 你审核时的修订号：之后对照若被改动则拒绝 (the revision you reviewed)
    #[arg(long)]
    pub revision: Option<i64>,
    /// 确认通过低、无置信度的建议 (confirm approving a low/none-tier suggestion)
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// 通过：确认建议的医保编码 (confirm the suggested target)
    Approve(One),
    /// 驳回：建议有误，项目保持未对照 (the suggestion is wrong)
    Reject(One),
    /// 存疑：留待复核 (mark for a second look)
    Flag(One),
    /// 替换：对照到另一医保编码（--code）(map to another national code)
    Replace(One),
    /// 无对应：该项目没有国家医保编码，不上传 (no national counterpart; nothing is uploaded)
    NoCounterpart(One),
    /// 列出对照 (list mappings)
    List {
        /// 审核状态（待审核、通过、驳回、存疑、替换、无对应）(status)
        #[arg(long)]
        status: Option<String>,
        /// 类别 (kind)
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Category>,
        /// 只列需复核的：新版目录删除、停用或改码了目标 (only mappings needing re-review)
        #[arg(long)]
        rereview: bool,
    },
    /// 批量审核：对筛选出的全部对照作同一决定，一个事务 (one decision on a filtered set)
    #[command(
        after_help = "示例 (examples):\n  mulu review bulk --action approve --tier high --dry-run --by 王\n  mulu review bulk --action approve --tier high --kind drug --by 王\n  mulu review bulk --action 通过 --tier low --force --by 王\n  mulu review undo --batch bulk-20261202T061500.123456Z --by 王"
    )]
    Bulk(super::review_scale::BulkArgs),
    /// 撤销：一条对照的最近决定，或一个批量批次 (undo the newest decision, or a bulk batch)
    #[command(
        after_help = "示例 (examples):\n  mulu review undo Y001 --by 王\n  mulu review undo --batch bulk-20261202T061500.123456Z --by 王"
    )]
    Undo {
        /// 院内编码，或 `review list` 显示的对照号 (hospital code, or the mapping id)
        item: Option<String>,
        /// 院内名称：编码被多个项目共用时指明 (the name, when the code is shared)
        #[arg(long)]
        name: Option<String>,
        /// 类别 (kind)
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Category>,
        /// 批量批次号（review bulk 输出）(the bulk batch to undo)
        #[arg(long, conflicts_with = "item")]
        batch: Option<String>,
        /// 你查看时的修订号 (the revision you saw)
        #[arg(long)]
        revision: Option<i64>,
        /// 审核人 [默认：$MULU_REVIEWER，否则登录名] (reviewer)
        #[arg(long, env = "MULU_REVIEWER")]
        by: Option<String>,
    },
    /// 重置为待审核（记入历史）(back to undecided, recorded)
    #[command(
        after_help = "示例 (examples):\n  mulu review reset Y001 --by 王 --note \"重新核对规格\""
    )]
    Reset {
        #[command(flatten)]
        item: super::review_scale::Item,
        /// 审核人 [默认：$MULU_REVIEWER，否则登录名] (reviewer)
        #[arg(long, env = "MULU_REVIEWER")]
        by: Option<String>,
        /// 备注 (note)
        #[arg(long)]
        note: Option<String>,
        /// 你查看时的修订号 (the revision you saw)
        #[arg(long)]
        revision: Option<i64>,
    },
    /// 审核历史：谁、何时、做了什么 (who did what, when)
    #[command(
        after_help = "示例 (examples):\n  mulu review history Y001\n  mulu --json review history 12"
    )]
    History(super::review_scale::Item),
    /// 审核进度：按类别 × 置信度 × 状态计数 (progress by kind × tier × status)
    #[command(after_help = "示例 (examples):\n  mulu review stats\n  mulu --json review stats")]
    Stats,
    /// 导入审核结果：填好 审核结果（及 替换编码）列的工作簿 (apply a reviewed workbook)
    Apply {
        /// 已审核的工作簿（.xlsx 或 .csv）(the reviewed workbook)
        file: PathBuf,
        /// 审核人 [默认：$MULU_REVIEWER，否则登录名] (reviewer)
        #[arg(long, env = "MULU_REVIEWER")]
        by: Option<String>,
        /// 工作表名称或序号（从 1 起）(sheet name or 1-based index)
        #[arg(long)]
        sheet: Option<String>,
        /// 确认通过文件中低、无置信度的建议 (confirm low/none-tier approvals in the file)
        #[arg(long)]
        force: bool,
        /// 只写入有效的行 (write the valid rows even when others are refused;
        /// by default one refused row means nothing of the file is written)
        #[arg(long)]
        partial: bool,
        /// 旧参数，现为默认行为（保留以兼容旧脚本）(the default now)
        #[arg(long, hide = true, conflicts_with = "partial")]
        all_or_nothing: bool,
    },
    /// 导出审核工作簿：只含待审核和存疑的对照 (re-issue only what is left to decide)
    #[command(
        after_help = "示例 (example):\n  mulu review export --kind drug --out 待审核.xlsx\n  mulu review apply 待审核.xlsx --by 王"
    )]
    Export {
        /// 输出工作簿（.xlsx 或 .csv）(the workbook to write)
        #[arg(long)]
        out: PathBuf,
        /// 类别 (kind)
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Category>,
        /// 每项候选数：最佳及最多 4 个备选 (candidates per item)
        #[arg(long, default_value_t = 5)]
        top: usize,
    },
}

/// Who decides: --by / $MULU_REVIEWER, else the login name, else `cli`, so
/// every decision records someone (scripts that never named one keep working).
pub(crate) fn reviewer(by: Option<&str>) -> Result<String> {
    Ok(by
        .map(String::from)
        .into_iter()
        .chain(
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .filter_map(|v| std::env::var(v).ok()),
        )
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "cli".to_string()))
}

/// The library's refusal with the CLI's way out.
pub(crate) fn explain(e: MappingError) -> anyhow::Error {
    let hint = match &e {
        MappingError::NeedsConfirmation { .. } => "；确认无误请加 --force",
        MappingError::Conflict { .. } => "；核对后可加 --revision <当前修订号> 重新决定",
        MappingError::NotFound(m) if m.contains("请指明名称") => "；请加 --name",
        MappingError::NotFound(_) => "（先运行 `mulu match`）",
        MappingError::NoTarget { .. } => "；请用 `review replace --code`",
        _ => "",
    };
    anyhow::anyhow!("{e}{hint}")
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    let mut store = ctx.store()?;
    let (action, one) = match cmd {
        Cmd::Approve(a) => (Action::Approve, a),
        Cmd::Reject(a) => (Action::Reject, a),
        Cmd::Flag(a) => (Action::Flag, a),
        Cmd::NoCounterpart(a) => (Action::NoCounterpart, a),
        Cmd::Replace(a) => match a.code.clone() {
            Some(c) => (Action::Replace(c), a),
            None => anyhow::bail!(
                "review replace 需要 --code <医保编码> (needs --code <NATIONAL-CODE>)"
            ),
        },
        Cmd::List {
            status,
            kind,
            rereview,
        } => return list(ctx, &store, status.as_deref(), kind, rereview),
        Cmd::Bulk(a) => return super::review_scale::bulk(ctx, &mut store, a),
        Cmd::Undo {
            item,
            name,
            kind,
            batch,
            revision,
            by,
        } => {
            return super::review_scale::undo(
                ctx,
                &mut store,
                item.map(|item| super::review_scale::Item { item, name, kind }),
                batch,
                revision,
                by.as_deref(),
            )
        }
        Cmd::Reset {
            item,
            by,
            note,
            revision,
        } => {
            return super::review_scale::reset(ctx, &mut store, item, by.as_deref(), note, revision)
        }
        Cmd::History(item) => return super::review_scale::history(ctx, &store, item),
        Cmd::Stats => return super::review_scale::stats(ctx, &store),
        Cmd::Export { out, kind, top } => return export(ctx, &store, &out, kind, top),
        Cmd::Apply {
            file,
            by,
            sheet,
            force,
            partial,
            all_or_nothing: _,
        } => {
            let on_error = if partial {
                OnError::Partial
            } else {
                OnError::AllOrNothing
            };
            return apply(
                ctx,
                &mut store,
                &file,
                &reviewer(by.as_deref())?,
                sheet,
                force,
                on_error,
            );
        }
    };
    let all = store.mappings(one.kind, None)?;
    let m = mapping::find_item(&all, &one.hospital_code, one.name.as_deref(), one.kind)
        .map_err(explain)?;
    let req = Request {
        action,
        reviewer: reviewer(one.by.as_deref())?,
        note: one.note.clone(),
        expected_revision: one.revision,
        confirm: one.force,
    };
    // Re-deciding another reviewer's decision: show what it was first.
    if let Some(w) = mapping::earlier_decision(m, &req.reviewer) {
        if !ctx.json {
            eprintln!("{} {w}", crate::words::w!("warn"));
        }
    }
    let after = mapping::decide(&mut store, m, &req).map_err(explain)?;
    if ctx.json {
        ctx.print_json(&after)?;
    } else {
        println!(
            "{} {} → {} {} [{}] 修订号 {}",
            after.hospital_code,
            after.hospital_name,
            after.target_code.as_deref().unwrap_or("-"),
            after.target_name.as_deref().unwrap_or(""),
            after.status.label_zh(),
            after.revision
        );
    }
    Ok(0)
}

/// A listed mapping: the store's fields, and why it needs re-review if it does.
#[derive(serde::Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    mapping: &'a Mapping,
    needs_rereview: Option<&'a mapping::Rereview>,
}

fn list(
    ctx: &Ctx,
    store: &Store,
    status: Option<&str>,
    kind: Option<Category>,
    rereview: bool,
) -> Result<u8> {
    let status = status
        .map(|s| s.parse::<MappingStatus>().map_err(|e| anyhow::anyhow!(e)))
        .transpose()?;
    let held = mapping::needs_rereview(store, kind)?;
    let ms: Vec<Mapping> = store
        .mappings(kind, status)?
        .into_iter()
        .filter(|m| !rereview || held.contains_key(&m.id))
        .collect();
    if ctx.json {
        let v: Vec<Listed> = ms
            .iter()
            .map(|m| Listed {
                mapping: m,
                needs_rereview: held.get(&m.id),
            })
            .collect();
        ctx.print_json(&v)?;
        return Ok(0);
    }
    let again = crate::words::w!("list.rereview");
    for m in &ms {
        let st = match held.get(&m.id) {
            Some(_) => format!("{}·{again}", m.status.label_zh()),
            None => m.status.label_zh().to_string(),
        };
        println!(
            "{} {} {} {} → {} {} {}",
            pad(&format!("#{}", m.id), 6),
            pad(&st, 12),
            pad(&m.hospital_code, 12),
            pad(&m.hospital_name, 28),
            pad(m.target_code.as_deref().unwrap_or("-"), 24),
            pad(m.tier.as_deref().map(tier_zh).unwrap_or(""), 2),
            m.target_name.as_deref().unwrap_or("")
        );
        if let Some(h) = held.get(&m.id) {
            println!("       {again}：{}", h.reason);
        }
    }
    ctx.say(format!("共 {} 条对照 ({} mappings)", ms.len(), ms.len()));
    Ok(0)
}

#[derive(Default, serde::Serialize)]
struct ApplyReport {
    rows: u64,
    unchanged: u64,
    approved: u64,
    rejected: u64,
    flagged: u64,
    replaced: u64,
    no_counterpart: u64,
    /// False when --all-or-nothing refused the file.
    written: bool,
    errors: Vec<String>,
}

fn apply(
    ctx: &Ctx,
    store: &mut Store,
    file: &std::path::Path,
    by: &str,
    sheet: Option<String>,
    force: bool,
    on_error: OnError,
) -> Result<u8> {
    let opts = importer::table::TableOptions {
        sheet,
        known_headers: ["院内编码", "院内名称", "审核结果", "替换编码", "类别"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        layout: None,
        ..Default::default()
    };
    let t = importer::table::open(file, &opts)
        .with_context(|| format!("reading {}", file.display()))?;
    let col = |names: &[&str]| names.iter().find_map(|n| t.column(n));
    let (Some(c_code), Some(c_name)) = (
        col(&["院内编码", "hospital_code"]),
        col(&["院内名称", "hospital_name"]),
    ) else {
        anyhow::bail!(
            "{}：缺少“院内编码”和“院内名称”列 (needs 院内编码 and 院内名称 columns; found: {})",
            file.display(),
            t.header.join(", ")
        );
    };
    let Some(c_status) = col(&["审核结果", "status", "审核状态"]) else {
        anyhow::bail!(
            "{}：缺少“审核结果”列 (needs a 审核结果 column; found: {})",
            file.display(),
            t.header.join(", ")
        );
    };
    let c_new = col(&["替换编码", "new_code"]);
    let c_kind = col(&["类别", "kind"]);
    let c_note = col(&["备注", "note"]);
    let c_rev = col(&["修订号", "revision"]);
    let fname = t.file.clone();
    let mut rep = ApplyReport::default();
    // Loaded once: a reviewed file can hold 30k rows.
    let mut by_code: std::collections::HashMap<String, Vec<Mapping>> =
        std::collections::HashMap::new();
    for m in store.mappings(None, None)? {
        by_code.entry(m.hospital_code.clone()).or_default().push(m);
    }
    let mut items: Vec<BatchItem> = Vec::new();
    for rec in t {
        rep.rows += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rep.errors.push(e.to_string());
                continue;
            }
        };
        let cell = |c: Option<usize>| {
            c.and_then(|c| rec.cells.get(c))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let Some(raw_status) = cell(Some(c_status)) else {
            rep.unchanged += 1;
            continue;
        };
        let at = format!("{fname} 第{}行", rec.row);
        let action = match Action::from_word(&raw_status, cell(c_new).as_deref()) {
            Ok(Some(a)) => a,
            Ok(None) => {
                rep.unchanged += 1;
                continue;
            }
            Err(e) => {
                rep.errors.push(format!("{at} 审核结果：{e}"));
                continue;
            }
        };
        let kind = match cell(c_kind).map(|k| k.parse::<Category>()) {
            Some(Ok(k)) => Some(k),
            Some(Err(e)) => {
                rep.errors.push(format!("{at} 类别：{e}"));
                continue;
            }
            None => None,
        };
        let expected_revision = match cell(c_rev).map(|r| r.parse::<i64>()) {
            Some(Ok(r)) => Some(r),
            Some(Err(_)) => {
                rep.errors
                    .push(format!("{at} 修订号：应为整数 (not a number)"));
                continue;
            }
            None => None,
        };
        let code = cell(Some(c_code)).unwrap_or_default();
        let name = rec
            .cells
            .get(c_name)
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let candidates = by_code.get(&code).map(Vec::as_slice).unwrap_or(&[]);
        match mapping::find_item(candidates, &code, Some(&name), kind) {
            Err(e) => rep.errors.push(format!("{at}: {}", explain(e))),
            Ok(m) => items.push(BatchItem {
                at,
                mapping: m.clone(),
                request: Request {
                    action,
                    reviewer: by.to_string(),
                    note: cell(c_note),
                    expected_revision,
                    confirm: force,
                },
            }),
        }
    }
    let results: Vec<Result<Mapping, MappingError>> = if on_error == OnError::AllOrNothing
        && !rep.errors.is_empty()
    {
        // Unreadable rows count as refusals: check the rest, write nothing.
        items
            .iter()
            .map(|it| mapping::prepare(store, &it.mapping, &it.request).map(|_| it.mapping.clone()))
            .collect()
    } else {
        let out = mapping::apply_batch(store, &items, on_error).map_err(explain)?;
        rep.written = out.written;
        out.results
    };
    for (r, it) in results.iter().zip(&items) {
        match r {
            Err(e) => rep.errors.push(format!("{}: {}", it.at, explain_ref(e))),
            Ok(_) if !rep.written => {}
            Ok(_) => match it.request.action {
                Action::Approve => rep.approved += 1,
                Action::Reject => rep.rejected += 1,
                Action::Flag => rep.flagged += 1,
                Action::Replace(_) => rep.replaced += 1,
                Action::NoCounterpart => rep.no_counterpart += 1,
            },
        }
    }
    if ctx.json {
        ctx.print_json(&rep)?;
    } else {
        println!(
            "共 {} 行：通过 {}，替换 {}，驳回 {}，存疑 {}，无对应 {}，未改动 {}，出错 {}{}",
            rep.rows,
            rep.approved,
            rep.replaced,
            rep.rejected,
            rep.flagged,
            rep.no_counterpart,
            rep.unchanged,
            rep.errors.len(),
            if rep.written {
                ""
            } else {
                "（未写入任何决定 nothing written）"
            }
        );
        for e in &rep.errors {
            eprintln!("错误 (error): {e}");
        }
        if !rep.written && !rep.errors.is_empty() {
            eprintln!("提示：改正以上各行后重新 review apply；或加 --partial 只写入有效的行");
        }
    }
    Ok(if rep.errors.is_empty() { 0 } else { 2 })
}

fn explain_ref(e: &MappingError) -> String {
    let hint = match e {
        MappingError::NeedsConfirmation { .. } => "；确认无误请加 --force",
        _ => "",
    };
    format!("{e}{hint}")
}

/// The matcher's tier as the workbook and the terminal show it.
pub(crate) fn tier_zh(tier: &str) -> &str {
    match tier {
        "high" => "高",
        "medium" => "中",
        "low" => "低",
        "none" => "无",
        other => other,
    }
}

/// `review export`: the undecided and flagged mappings, matched again so the
/// workbook carries fresh evidence and alternatives, with each mapping's
/// revision so a decision on a stale row is refused when it comes back.
fn export(
    ctx: &Ctx,
    store: &Store,
    out: &std::path::Path,
    kind: Option<Category>,
    top: usize,
) -> Result<u8> {
    use std::collections::BTreeMap;
    let open: Vec<Mapping> = store
        .mappings(kind, None)?
        .into_iter()
        .filter(|m| matches!(m.status, MappingStatus::Suggested | MappingStatus::Flagged))
        .collect();
    // One matcher per (kind, version): a home usually holds one or two.
    let mut groups: BTreeMap<(Category, Option<String>), Vec<&Mapping>> = BTreeMap::new();
    for m in &open {
        groups
            .entry((m.category, m.version_label.clone()))
            .or_default()
            .push(m);
    }
    let mut rows = Vec::new();
    let mut revisions = Vec::new();
    for ((k, label), ms) in groups {
        let v = super::index::resolve_version(store, label.as_deref(), Some(k))
            .or_else(|_| super::index::resolve_version(store, None, Some(k)))?;
        let m = super::index::open_matcher(ctx, store, &v)?;
        let items: Vec<catalog_core::HospitalItem> = ms
            .iter()
            .map(|m| {
                let mut it: catalog_core::HospitalItem =
                    serde_json::from_value(m.item.clone()).unwrap_or_default();
                it.code = m.hospital_code.clone();
                it.name = m.hospital_name.clone();
                it
            })
            .collect();
        let results = m.match_batch(&items, top.max(1), &|_| {});
        for ((mp, item), result) in ms.iter().zip(items).zip(results) {
            rows.push(super::match_cmd::Row {
                kind: k,
                version: Some(v.label.clone()),
                item,
                result,
                previous: Some(mp.status.as_str().to_string()),
            });
            revisions.push(Some(mp.revision));
        }
    }
    super::workbook::write(out, &rows, &revisions)?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({"out": out, "rows": rows.len()}))?;
    } else {
        println!(
            "待审核 {} 条（未决定和存疑）→ {}；填写“审核结果”后运行 mulu review apply {}",
            rows.len(),
            out.display(),
            out.display()
        );
    }
    Ok(0)
}
