//! `mulu status`: what the store holds at a glance, for the clerk who opens
//! a home someone else set up: versions per kind, whether each kind's newest
//! version is indexed, mappings by review status (and how many need
//! re-review), the last export batch, and the `mulu.toml` in use.

use super::review_scale::STATUSES;
use crate::config::Config;
use crate::ctx::Ctx;
use crate::ui::pad;
use crate::words::w;
use anyhow::Result;
use catalog_core::Category;
use matcher::index;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(clap::Args)]
pub struct Args {}

#[derive(Serialize)]
struct KindStatus {
    kind: Category,
    versions: usize,
    latest: Option<String>,
    latest_rows: Option<u64>,
    /// The newest version's search index is built and current.
    indexed: bool,
}

#[derive(Serialize)]
struct Status {
    home: String,
    kinds: Vec<KindStatus>,
    mappings: BTreeMap<&'static str, usize>,
    last_export: Option<catalog_core::store::UploadBatch>,
    /// Mappings held back from 3301 until re-reviewed.
    needs_rereview: usize,
    /// The home's mulu.toml (defaults when there is none).
    config: Config,
}

pub fn run(ctx: &Ctx, _args: Args) -> Result<u8> {
    let config = Config::load(&ctx.home)?;
    let store = ctx.store()?;
    let versions = store.versions()?;
    let mut kinds = Vec::new();
    for k in Category::ALL {
        let of_kind: Vec<_> = versions.iter().filter(|v| v.category == k).collect();
        // Versions come oldest first; the newest is what matching uses by default.
        let latest = of_kind.iter().max_by_key(|v| v.id);
        kinds.push(KindStatus {
            kind: k,
            versions: of_kind.len(),
            latest: latest.map(|v| v.label.clone()),
            latest_rows: latest.map(|v| v.row_count),
            indexed: latest.is_some_and(|v| index::is_fresh(&index::dir_for(&ctx.home, v), v)),
        });
    }
    let mut mappings: BTreeMap<&'static str, usize> = BTreeMap::new();
    for m in store.mappings(None, None)? {
        *mappings.entry(m.status.as_str()).or_default() += 1;
    }
    let st = Status {
        home: ctx.home.display().to_string(),
        kinds,
        mappings,
        last_export: store.last_upload()?,
        needs_rereview: mapping::needs_rereview(&store, None)?.len(),
        config,
    };
    if ctx.json {
        ctx.print_json(&st)?;
        return Ok(0);
    }
    println!("库 (store): {}", st.home);
    println!(
        "{} {} {} {:>9}  索引 (index)",
        pad("类别 (kind)", 16),
        pad("版本数", 6),
        pad("最新版本 (latest)", 20),
        "行数"
    );
    for k in st.kinds.iter().filter(|k| k.versions > 0) {
        println!(
            "{} {} {} {:>9}  {}",
            pad(&format!("{} {}", k.kind.label_zh(), k.kind.as_str()), 16),
            pad(&k.versions.to_string(), 6),
            pad(k.latest.as_deref().unwrap_or("-"), 20),
            k.latest_rows.unwrap_or(0),
            if !k.kind.is_mappable() {
                // Lists and the 映射表 are read from the store; nothing is matched against them.
                "无需索引 (none needed)"
            } else if k.indexed {
                "已建 (built)"
            } else {
                "未建或过期 (not built: mulu index)"
            }
        );
    }
    if st.kinds.iter().all(|k| k.versions == 0) {
        println!("（尚无目录版本，先运行 mulu import）");
    }
    let total: usize = st.mappings.values().sum();
    let by: Vec<String> = STATUSES
        .iter()
        .filter_map(|s| {
            st.mappings
                .get(s.as_str())
                .map(|n| format!("{} {n}", s.label_zh()))
        })
        .collect();
    println!(
        "对照 (mappings): {total}{}{}",
        if by.is_empty() { "" } else { "：" },
        by.join("，")
    );
    match &st.last_export {
        Some(b) => println!(
            "上次导出 (last export): 第 {} 批 {}，{} 行，{} → {}",
            b.id,
            b.kind,
            b.rows,
            b.created_at.get(..19).unwrap_or(&b.created_at),
            b.file
        ),
        None => println!("上次导出 (last export): 无 (none yet: mulu export 3301)"),
    }
    if st.needs_rereview > 0 {
        println!("{}", w!("status.rereview", n = st.needs_rereview));
    }
    print_config(&st.config, &ctx.home);
    Ok(0)
}

/// The settings in use: which file, the institution, the list_type numbering.
fn print_config(c: &Config, home: &std::path::Path) {
    let none = w!("status.unset");
    match &c.file {
        None => println!(
            "{}",
            w!(
                "status.no_config",
                file = home.join(crate::config::FILE).display()
            )
        ),
        Some(f) => println!("{}", w!("status.config", file = f.display())),
    }
    println!(
        "{}",
        w!(
            "status.institution",
            code = c.fixmedins_code.as_deref().unwrap_or(&none),
            name = c.fixmedins_name.as_deref().unwrap_or(&none)
        )
    );
    let mut over: Vec<String> = c
        .list_type_by_kind
        .iter()
        .map(|(k, v)| format!("{} {v}", k.label_zh()))
        .collect();
    over.extend(
        c.list_type_by_prefix
            .iter()
            .map(|(p, v)| format!("{p}… {v}")),
    );
    println!(
        "{}",
        w!(
            "status.list_type",
            table = c.list_type_table.as_deref().unwrap_or("national"),
            overrides = if over.is_empty() {
                none.clone()
            } else {
                over.join(", ")
            }
        )
    );
}
