//! `mulu review bulk | undo | reset | history | stats`: review at scale, thin
//! over the `mapping` crate (one transaction per bulk decision, undo by
//! mapping or by batch, the history, progress by kind × tier × status).

use super::review::{explain, reviewer, tier_zh};
use crate::ctx::Ctx;
use crate::ui::pad;
use crate::words::w;
use anyhow::Result;
use catalog_core::store::{Mapping, MappingFilter, MappingStatus, SortKey};
use catalog_core::{Category, Store};
use mapping::{Action, BulkRequest, MappingError};

/// How a command names one mapping: the hospital code (with name and kind
/// when the code is shared), or the store id that `review list` shows.
#[derive(clap::Args)]
pub struct Item {
    /// 院内编码，或 `review list` 显示的对照号 (hospital code, or the mapping id)
    pub item: String,
    /// 院内名称：编码被多个项目共用时指明 (the name, when the code is shared)
    #[arg(long)]
    pub name: Option<String>,
    /// 类别 (kind)
    #[arg(long, value_parser = super::index::parse_kind)]
    pub kind: Option<Category>,
}

/// The one mapping `it` names.
pub fn find(store: &Store, it: &Item) -> Result<Mapping> {
    let all = store.mappings(it.kind, None)?;
    match mapping::find_item(&all, &it.item, it.name.as_deref(), it.kind) {
        Ok(m) => Ok(m.clone()),
        Err(MappingError::NotFound(msg)) if !msg.contains("请指明名称") => {
            let id = it.item.trim().trim_start_matches('#');
            match id
                .parse::<i64>()
                .ok()
                .map(|id| store.mapping(id))
                .transpose()?
            {
                Some(Some(m)) => Ok(m),
                _ => Err(explain(MappingError::NotFound(msg))),
            }
        }
        Err(e) => Err(explain(e)),
    }
}

#[derive(clap::Args)]
pub struct BulkArgs {
    /// 决定：通过 approve、驳回 reject、存疑 flag、无对应 no-counterpart、替换 replace（需 --code）
    #[arg(long)]
    pub action: String,
    /// 替换用的医保编码 (the national code for replace)
    #[arg(long)]
    pub code: Option<String>,
    /// 置信度：high/medium/low/none 或 高/中/低/无，可用逗号分隔多个 (tiers)
    #[arg(long, value_delimiter = ',')]
    pub tier: Vec<String>,
    /// 类别 (kind)
    #[arg(long, value_parser = super::index::parse_kind)]
    pub kind: Option<Category>,
    /// 审核状态，可用逗号分隔多个 [默认：待审核] (statuses; default: suggested)
    #[arg(long, value_delimiter = ',')]
    pub status: Vec<String>,
    /// 只看会改动多少、哪些不能改，不写入 (report only, write nothing)
    #[arg(long)]
    pub dry_run: bool,
    /// 确认通过低、无置信度的建议 (confirm approving low/none-tier suggestions)
    #[arg(long)]
    pub force: bool,
    /// 审核人 [默认：$MULU_REVIEWER，否则登录名] (reviewer)
    #[arg(long, env = "MULU_REVIEWER")]
    pub by: Option<String>,
    /// 备注，记入每条对照的历史 (a note for each mapping's history)
    #[arg(long)]
    pub note: Option<String>,
}

fn tier_word(t: &str) -> Result<String> {
    Ok(match t.trim().to_lowercase().as_str() {
        "high" | "高" => "high",
        "medium" | "中" => "medium",
        "low" | "低" => "low",
        "none" | "无" => "none",
        other => anyhow::bail!(w!("bulk.bad_tier", tier = other)),
    }
    .to_string())
}

/// `review bulk`: one decision on every mapping of a filter, one transaction.
pub fn bulk(ctx: &Ctx, store: &mut Store, a: BulkArgs) -> Result<u8> {
    let action = match Action::from_word(&a.action, a.code.as_deref()) {
        Ok(Some(action)) => action,
        Ok(None) => anyhow::bail!(w!("bulk.use_reset")),
        Err(e) => anyhow::bail!("{e}"),
    };
    let status = if a.status.is_empty() {
        vec![MappingStatus::Suggested]
    } else {
        a.status
            .iter()
            .map(|s| s.parse::<MappingStatus>().map_err(|e| anyhow::anyhow!(e)))
            .collect::<Result<_>>()?
    };
    let tier = a.tier.iter().map(|t| tier_word(t)).collect::<Result<_>>()?;
    let by = reviewer(a.by.as_deref())?;
    let req = BulkRequest {
        filter: MappingFilter {
            kind: a.kind,
            status,
            tier,
            ..Default::default()
        },
        action,
        reviewer: by.clone(),
        note: a.note,
        confirm: a.force,
        expected_total: None,
    };
    // Decisions of other reviewers this would overwrite: shown first.
    let others: Vec<String> = store
        .query_mappings(&req.filter, SortKey::Id, false, 0, None)?
        .mappings
        .iter()
        .filter_map(|m| mapping::earlier_decision(m, &by))
        .collect();
    let rep = if a.dry_run {
        mapping::bulk_dry_run(store, &req)
    } else {
        mapping::bulk_decide(store, &req)
    }
    .map_err(explain)?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "dry_run": a.dry_run,
            "report": rep,
            "earlier_decisions": others,
        }))?;
        return Ok(0);
    }
    for o in others.iter().take(20) {
        eprintln!("{} {o}", w!("warn"));
    }
    if others.len() > 20 {
        eprintln!("{}", w!("bulk.more_earlier", n = others.len() - 20));
    }
    println!(
        "{}",
        w!(
            if a.dry_run {
                "bulk.dry_summary"
            } else {
                "bulk.summary"
            },
            action = req.action.status().label_zh(),
            matched = rep.matched,
            changed = rep.changed,
            unchanged = rep.unchanged,
            skipped = rep.skipped.len()
        )
    );
    for s in &rep.skipped {
        let hint = match s.code.as_str() {
            "needs_confirmation" => w!("hint.force"),
            "conflict" => w!("hint.conflict"),
            _ => String::new(),
        };
        println!(
            "  {} {}：{}{hint}",
            s.hospital_code, s.hospital_name, s.reason
        );
    }
    if !a.dry_run && rep.changed > 0 {
        println!("{}", w!("bulk.batch", batch = rep.batch));
    }
    Ok(0)
}

/// `review undo ITEM` or `review undo --batch B`.
pub fn undo(
    ctx: &Ctx,
    store: &mut Store,
    item: Option<Item>,
    batch: Option<String>,
    revision: Option<i64>,
    by: Option<&str>,
) -> Result<u8> {
    let by = reviewer(by)?;
    if let Some(b) = batch {
        // Whoever runs the CLI holds the store file itself: an admin of it (the
        // HTTP service is where reviewers are told apart by token).
        let rep =
            mapping::undo_batch(store, &b, &by, mapping::UndoRight::Anyone).map_err(explain)?;
        if ctx.json {
            ctx.print_json(&rep)?;
            return Ok(0);
        }
        println!(
            "{}",
            w!(
                "undo.batch",
                batch = rep.batch,
                restored = rep.restored,
                kept = rep.changed_since.len()
            )
        );
        for m in &rep.changed_since {
            println!(
                "  {} {} [{}] {}",
                m.hospital_code,
                m.hospital_name,
                m.status.label_zh(),
                m.reviewer.as_deref().unwrap_or("-")
            );
        }
        return Ok(0);
    }
    let Some(item) = item else {
        anyhow::bail!(w!("undo.what"));
    };
    let m = find(store, &item)?;
    let after =
        mapping::undo(store, m.id, &by, mapping::UndoRight::Anyone, revision).map_err(explain)?;
    print_mapping(ctx, &after, "undo.one")
}

/// `review reset ITEM`: back to 待审核, recorded.
pub fn reset(
    ctx: &Ctx,
    store: &mut Store,
    item: Item,
    by: Option<&str>,
    note: Option<String>,
    revision: Option<i64>,
) -> Result<u8> {
    let by = reviewer(by)?;
    let m = find(store, &item)?;
    if let Some(w) = mapping::earlier_decision(&m, &by) {
        if !ctx.json {
            eprintln!("{} {w}", w!("warn"));
        }
    }
    let after = mapping::reset(store, &m, &by, note, revision).map_err(explain)?;
    print_mapping(ctx, &after, "reset.one")
}

fn print_mapping(ctx: &Ctx, m: &Mapping, key: &str) -> Result<u8> {
    if ctx.json {
        ctx.print_json(m)?;
    } else {
        println!(
            "{}",
            w!(
                key,
                code = m.hospital_code,
                name = m.hospital_name,
                status = m.status.label_zh(),
                target = m.target_code.as_deref().unwrap_or("-"),
                revision = m.revision
            )
        );
    }
    Ok(0)
}

/// The word for a history action (a status name, or `undo`).
fn action_zh(a: &str) -> String {
    match a {
        "undo" => w!("history.undo"),
        s => s
            .parse::<MappingStatus>()
            .map(|s| s.label_zh().to_string())
            .unwrap_or_else(|_| s.to_string()),
    }
}

/// `review history ITEM`: who did what when, oldest first.
pub fn history(ctx: &Ctx, store: &Store, item: Item) -> Result<u8> {
    let m = find(store, &item)?;
    let events = mapping::history(store, m.id).map_err(explain)?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({"mapping": m, "events": events}))?;
        return Ok(0);
    }
    println!(
        "{}",
        w!(
            "history.head",
            id = m.id,
            code = m.hospital_code,
            name = m.hospital_name,
            status = m.status.label_zh(),
            revision = m.revision
        )
    );
    for e in &events {
        let target = match (&e.old_target, &e.new_target) {
            (a, b) if a == b => b.clone().unwrap_or_else(|| "-".into()),
            (a, b) => format!(
                "{} → {}",
                a.as_deref().unwrap_or("-"),
                b.as_deref().unwrap_or("-")
            ),
        };
        let mut tail = String::new();
        if let Some(n) = e.note.as_deref().filter(|n| !n.is_empty()) {
            tail.push_str(&format!(" {}", w!("history.note", note = n)));
        }
        if let Some(b) = &e.batch {
            tail.push_str(&format!(" {}", w!("history.in_batch", batch = b)));
        }
        if e.undone {
            tail.push_str(&format!(" {}", w!("history.undone")));
        }
        println!(
            "  {} {} {} {}{tail}",
            pad(e.at.get(..19).unwrap_or(&e.at), 19).replace('T', " "),
            pad(e.who.as_deref().unwrap_or("-"), 8),
            pad(&action_zh(&e.action), 6),
            target
        );
    }
    Ok(0)
}

/// The statuses in the order a clerk reads them (stats, status, sign-off list).
pub(crate) const STATUSES: [MappingStatus; 6] = [
    MappingStatus::Suggested,
    MappingStatus::Approved,
    MappingStatus::Replaced,
    MappingStatus::Flagged,
    MappingStatus::Rejected,
    MappingStatus::NoCounterpart,
];

/// `s` right-aligned in `width` terminal cells.
fn rpad(s: &str, width: usize) -> String {
    let w = unicode_width::UnicodeWidthStr::width(s);
    format!("{}{s}", " ".repeat(width.saturating_sub(w)))
}

/// `review stats`: counts by kind × tier × status, and 需复核 per kind.
pub fn stats(ctx: &Ctx, store: &Store) -> Result<u8> {
    let st = mapping::stats(store).map_err(explain)?;
    let held = mapping::needs_rereview(store, None)?;
    if ctx.json {
        let mut by_kind: std::collections::BTreeMap<&str, u64> = Default::default();
        for h in held.values() {
            *by_kind.entry(h.kind.as_str()).or_default() += 1;
        }
        ctx.print_json(&serde_json::json!({
            "stats": st,
            "needs_rereview_by_kind": by_kind,
        }))?;
        return Ok(0);
    }
    println!(
        "{}",
        w!(
            "stats.total",
            n = st.total,
            reviewed = st.reviewed,
            confirmed = st.confirmed
        )
    );
    let mut head = format!(
        "{} {}",
        pad(&w!("stats.kind"), 14),
        pad(&w!("stats.tier"), 6)
    );
    for s in STATUSES {
        head.push_str(&format!(" {}", rpad(s.label_zh(), 8)));
    }
    head.push_str(&format!(" {}", rpad(&w!("stats.sum"), 8)));
    println!("{head}");
    let mut kinds: Vec<Category> = st.cells.iter().map(|c| c.kind).collect();
    kinds.dedup();
    for k in kinds {
        for tier in ["high", "medium", "low", "none"] {
            let cells: Vec<_> = st
                .cells
                .iter()
                .filter(|c| c.kind == k && c.tier == tier)
                .collect();
            if cells.is_empty() {
                continue;
            }
            let mut line = format!("{} {}", pad(k.label_zh(), 14), pad(tier_zh(tier), 6));
            for s in STATUSES {
                let n: u64 = cells
                    .iter()
                    .filter(|c| c.status == s)
                    .map(|c| c.count)
                    .sum();
                line.push_str(&format!(" {:>8}", n));
            }
            let sum: u64 = cells.iter().map(|c| c.count).sum();
            line.push_str(&format!(" {:>8}", sum));
            println!("{line}");
        }
        let n = held.values().filter(|h| h.kind == k).count();
        if n > 0 {
            println!("{}", w!("stats.rereview_kind", kind = k.label_zh(), n = n));
        }
    }
    if let Some(wt) = &st.weighted {
        let pct = |x: f64| {
            if wt.total > 0.0 {
                100.0 * x / wt.total
            } else {
                0.0
            }
        };
        println!(
            "{}",
            w!(
                "stats.weighted",
                column = wt.column,
                confirmed = format!("{:.1}", pct(wt.confirmed)),
                reviewed = format!("{:.1}", pct(wt.reviewed))
            )
        );
    }
    if st.needs_rereview > 0 {
        println!("{}", w!("stats.rereview", n = st.needs_rereview));
    }
    Ok(0)
}
