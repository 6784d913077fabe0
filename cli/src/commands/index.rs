//! `mulu index`: build (or confirm) the search index of a catalogue version.
//! Also the shared way other commands open a matcher.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::{Category, Store, VersionInfo};
use matcher::index::{self, CatalogIndex};
use matcher::Matcher;

#[derive(clap::Args)]
pub struct Args {
    /// 版本标签或 id [默认：该类最新版本]
    #[arg(long)]
    pub version: Option<String>,
    /// 目录类别（drug、consumable、service、diagnosis、procedure、herbal、preparation）
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Category>,
    /// 即使已有最新索引也重建
    #[arg(long)]
    pub force: bool,
}

pub fn parse_kind(s: &str) -> Result<Category, String> {
    s.parse::<Category>().map_err(|e| e.to_string())
}

/// The version a matching command works on: by label/id, else the newest of
/// the kind (drug when neither is given).
pub fn resolve_version(
    store: &Store,
    version: Option<&str>,
    kind: Option<Category>,
) -> Result<VersionInfo> {
    let kind = if version.is_none() {
        Some(kind.unwrap_or(Category::Drug))
    } else {
        kind
    };
    let v = store.resolve(version, kind)?;
    if !v.category.is_mappable() {
        anyhow::bail!("version '{}' is a {} list, which hospital items are not mapped to; choose a drug, consumable, service, diagnosis or procedure version", v.label, v.category);
    }
    Ok(v)
}

/// A progress bar's phase name: what is done, to which kind and version.
fn phase(what: &str, v: &VersionInfo) -> String {
    format!("{what} {} {}", v.category.label_zh(), v.label)
}

/// Open the matcher of a version, building its index first if absent or
/// stale, with the home's per-field model (`mulu calibrate`) when it has one
/// and, for diagnoses and procedures, the newest 映射表 when the store has one.
pub fn open_matcher(ctx: &Ctx, store: &Store, v: &VersionInfo) -> Result<Matcher> {
    let dir = index::dir_for(&ctx.home, v);
    if !index::is_fresh(&dir, v) {
        let bar = ctx.bar(v.row_count, &phase("建索引 (indexing)", v));
        index::build(store, v, &dir, &|done, _| bar.set_position(done))
            .with_context(|| format!("indexing version {}", v.label))?;
        bar.finish_and_clear();
    }
    let sp = ctx.spinner(&phase("载入索引 (loading index)", v));
    let mut m = Matcher::new(CatalogIndex::open(&dir)?).with_field_model(ctx.field_model().0);
    if matches!(v.category, Category::Diagnosis | Category::Procedure) {
        if let Some((_, cw)) =
            matcher::crosswalk::newest(store, v.category).context("reading the 映射表")?
        {
            m = m.with_crosswalk(std::sync::Arc::new(cw));
        }
    }
    sp.finish_and_clear();
    Ok(m)
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let store = ctx.store()?;
    let v = resolve_version(&store, args.version.as_deref(), args.kind)?;
    let dir = index::dir_for(&ctx.home, &v);
    let fresh = index::is_fresh(&dir, &v) && !args.force;
    let meta = if fresh {
        index::read_meta(&dir).context("reading the index metadata")?
    } else {
        let bar = ctx.bar(v.row_count, &phase("建索引 (indexing)", &v));
        let m = index::build(&store, &v, &dir, &|done, _| bar.set_position(done))?;
        bar.finish_and_clear();
        m
    };
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "version": v, "dir": dir, "rows": meta.rows, "rebuilt": !fresh, "build_seconds": meta.build_seconds,
        }))?;
    } else if fresh {
        println!(
            "{}",
            tr!(
                "index.fresh",
                kind = v.category,
                label = v.label,
                rows = meta.rows,
                dir = dir.display()
            )
        );
    } else {
        println!(
            "{}",
            tr!(
                "index.built",
                kind = v.category,
                label = v.label,
                rows = meta.rows,
                secs = format!("{:.1}", meta.build_seconds),
                dir = dir.display()
            )
        );
    }
    Ok(0)
}
