//! `mulu review`: approve, reject, flag or replace suggested mappings, list
//! them, or apply a reviewed match output file.

use super::index::parse_kind;
use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::store::{Decision, Mapping, MappingStatus};
use catalog_core::{Category, Store};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct One {
    /// The hospital item code (院内编码)
    pub hospital_code: String,
    /// The item name, needed when the code is used by several items
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Category>,
    /// The national code to map to (required for replace)
    #[arg(long)]
    pub code: Option<String>,
    /// Reviewer
    #[arg(long)]
    pub by: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Confirm the suggested target
    Approve(One),
    /// The suggested target is wrong; the item stays unmapped
    Reject(One),
    /// Mark for a second look
    Flag(One),
    /// Map to another national code (--code)
    Replace(One),
    /// List mappings
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_parser = parse_kind)]
        kind: Option<Category>,
    },
    /// Apply a reviewed match output file (审核结果 and optional 替换编码 columns filled in)
    Apply {
        file: PathBuf,
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        sheet: Option<String>,
    },
}

fn find_one(store: &Store, a: &One) -> Result<Mapping> {
    let all = store.mappings(a.kind, None)?;
    find_in(&all, a)
}

/// The one mapping a review names (by code, and name/kind when given).
fn find_in(all: &[Mapping], a: &One) -> Result<Mapping> {
    let hits: Vec<Mapping> = all
        .iter()
        .filter(|m| a.kind.is_none_or(|k| k == m.category))
        .filter(|m| {
            m.hospital_code == a.hospital_code
                && a.name.as_ref().is_none_or(|n| *n == m.hospital_name)
        })
        .cloned()
        .collect();
    match hits.as_slice() {
        [] => anyhow::bail!(
            "no mapping for hospital code '{}'{} (run `mulu match` first)",
            a.hospital_code,
            a.name
                .as_ref()
                .map(|n| format!(" named '{n}'"))
                .unwrap_or_default()
        ),
        [one] => Ok(one.clone()),
        _ => anyhow::bail!(
            "hospital code '{}' is used by {} items; name one with --name: {}",
            a.hospital_code,
            hits.len(),
            hits.iter()
                .map(|m| format!("'{}' ({})", m.hospital_name, m.category))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The name of a national code in the newest version holding it, or an error if no version has it.
fn target_name(store: &Store, code: &str) -> Result<String> {
    let code = catalog_core::normalize::code(code);
    match store.find_code(&code)?.into_iter().next() {
        Some((_, e)) => Ok(e.name),
        None => {
            anyhow::bail!("national code '{code}' is not in any catalogue version in the store")
        }
    }
}

fn decide(
    store: &mut Store,
    m: &Mapping,
    status: MappingStatus,
    new_code: Option<&str>,
    by: Option<&str>,
    note: Option<&str>,
) -> Result<Mapping> {
    let (tc, tn) = match new_code {
        Some(c) => (
            Some(catalog_core::normalize::code(c)),
            Some(target_name(store, c)?),
        ),
        None => (None, None),
    };
    if status == MappingStatus::Approved && m.target_code.is_none() {
        anyhow::bail!(
            "'{}' has no suggested target to approve; use `review replace --code`",
            m.hospital_name
        );
    }
    Ok(store.record_decision(&Decision {
        category: Some(m.category),
        hospital_code: m.hospital_code.clone(),
        hospital_name: m.hospital_name.clone(),
        status: Some(status),
        target_code: tc,
        target_name: tn,
        reviewer: by.map(String::from),
        note: note.map(String::from),
        ..Decision::default()
    })?)
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    let mut store = ctx.store()?;
    let (status, one) = match cmd {
        Cmd::Approve(a) => (MappingStatus::Approved, a),
        Cmd::Reject(a) => (MappingStatus::Rejected, a),
        Cmd::Flag(a) => (MappingStatus::Flagged, a),
        Cmd::Replace(a) => {
            if a.code.is_none() {
                anyhow::bail!("review replace needs --code <NATIONAL-CODE>");
            }
            (MappingStatus::Replaced, a)
        }
        Cmd::List { status, kind } => return list(ctx, &store, status.as_deref(), kind),
        Cmd::Apply { file, by, sheet } => {
            return apply(ctx, &mut store, &file, by.as_deref(), sheet)
        }
    };
    let m = find_one(&store, &one)?;
    let new_code = if status == MappingStatus::Replaced {
        one.code.as_deref()
    } else {
        None
    };
    let after = decide(
        &mut store,
        &m,
        status,
        new_code,
        one.by.as_deref(),
        one.note.as_deref(),
    )?;
    if ctx.json {
        ctx.print_json(&after)?;
    } else {
        println!(
            "{} {} → {} {} [{}]",
            after.hospital_code,
            after.hospital_name,
            after.target_code.as_deref().unwrap_or("-"),
            after.target_name.as_deref().unwrap_or(""),
            after.status
        );
    }
    Ok(0)
}

fn list(ctx: &Ctx, store: &Store, status: Option<&str>, kind: Option<Category>) -> Result<u8> {
    let status = status
        .map(|s| s.parse::<MappingStatus>().map_err(|e| anyhow::anyhow!(e)))
        .transpose()?;
    let ms = store.mappings(kind, status)?;
    if ctx.json {
        ctx.print_json(&ms)?;
        return Ok(0);
    }
    for m in &ms {
        println!(
            "{:<10} {:<12} {:<28} → {:<24} {} {}",
            m.status.as_str(),
            m.hospital_code,
            m.hospital_name,
            m.target_code.as_deref().unwrap_or("-"),
            m.tier.as_deref().unwrap_or(""),
            m.target_name.as_deref().unwrap_or("")
        );
    }
    ctx.say(format!("{} mappings", ms.len()));
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
    errors: Vec<String>,
}

fn apply(
    ctx: &Ctx,
    store: &mut Store,
    file: &std::path::Path,
    by: Option<&str>,
    sheet: Option<String>,
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
            "{}: needs 院内编码 and 院内名称 columns (found: {})",
            file.display(),
            t.header.join(", ")
        );
    };
    let Some(c_status) = col(&["审核结果", "status", "审核状态"]) else {
        anyhow::bail!(
            "{}: needs a 审核结果 (status) column (found: {})",
            file.display(),
            t.header.join(", ")
        );
    };
    let c_new = col(&["替换编码", "new_code"]);
    let c_kind = col(&["类别", "kind"]);
    let c_note = col(&["备注", "note"]);
    let fname = t.file.clone();
    let mut rep = ApplyReport::default();
    // Loaded once: a reviewed file can hold 30k rows.
    let mut by_code: std::collections::HashMap<String, Vec<Mapping>> =
        std::collections::HashMap::new();
    for m in store.mappings(None, None)? {
        by_code.entry(m.hospital_code.clone()).or_default().push(m);
    }
    for rec in t {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                rep.rows += 1;
                rep.errors.push(e.to_string());
                continue;
            }
        };
        rep.rows += 1;
        let cell = |c: Option<usize>| {
            c.and_then(|c| rec.cells.get(c))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let Some(raw_status) = cell(Some(c_status)) else {
            rep.unchanged += 1;
            continue;
        };
        let at = format!("{fname} row {}", rec.row);
        let mut status = match raw_status.parse::<MappingStatus>() {
            Ok(s) => s,
            Err(e) => {
                rep.errors.push(format!("{at}, column 审核结果: {e}"));
                continue;
            }
        };
        let new_code = cell(c_new);
        if new_code.is_some() && status == MappingStatus::Approved {
            status = MappingStatus::Replaced;
        }
        if status == MappingStatus::Replaced && new_code.is_none() {
            rep.errors
                .push(format!("{at}: status replaced needs a 替换编码"));
            continue;
        }
        let kind = match cell(c_kind).map(|k| k.parse::<Category>()) {
            Some(Ok(k)) => Some(k),
            Some(Err(e)) => {
                rep.errors.push(format!("{at}, column 类别: {e}"));
                continue;
            }
            None => None,
        };
        let one = One {
            hospital_code: cell(Some(c_code)).unwrap_or_default(),
            name: Some(
                rec.cells
                    .get(c_name)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default(),
            ),
            kind,
            code: new_code.clone(),
            by: by.map(String::from),
            note: cell(c_note),
        };
        let candidates = by_code
            .get(&one.hospital_code)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let result = find_in(candidates, &one).and_then(|m| {
            if status == MappingStatus::Suggested {
                return Ok(m);
            }
            decide(
                store,
                &m,
                status,
                new_code
                    .as_deref()
                    .filter(|_| status == MappingStatus::Replaced),
                by,
                one.note.as_deref(),
            )
        });
        match result {
            Err(e) => rep.errors.push(format!("{at}: {e:#}")),
            Ok(_) => match status {
                MappingStatus::Approved => rep.approved += 1,
                MappingStatus::Rejected => rep.rejected += 1,
                MappingStatus::Flagged => rep.flagged += 1,
                MappingStatus::Replaced => rep.replaced += 1,
                MappingStatus::Suggested => rep.unchanged += 1,
            },
        }
    }
    if ctx.json {
        ctx.print_json(&rep)?;
    } else {
        println!(
            "{} rows: {} approved, {} replaced, {} rejected, {} flagged, {} unchanged, {} errors",
            rep.rows,
            rep.approved,
            rep.replaced,
            rep.rejected,
            rep.flagged,
            rep.unchanged,
            rep.errors.len()
        );
        for e in &rep.errors {
            eprintln!("error: {e}");
        }
    }
    Ok(if rep.errors.is_empty() { 0 } else { 2 })
}
