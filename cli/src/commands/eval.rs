//! `mulu eval <LABELLED>`: accuracy of the matcher on a labelled dictionary
//! (标准编码 = the true national code, empty = no counterpart): top-1/top-5,
//! precision and coverage per tier, per category, split by whether a
//! 批准文号/注册证号 is present; misses written to a file. `--baseline` also
//! runs plain BM25 over names so the gain of re-ranking is visible.

use super::export::write_table;
use super::index::{open_matcher, parse_kind, resolve_version};
use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::{Category, HospitalItem};
use matcher::{MatchResult, Tier};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Labelled hospital dictionary (with 标准编码)
    pub file: PathBuf,
    #[arg(long)]
    pub version: Option<String>,
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Category>,
    /// Also run plain BM25 over names (no re-ranking)
    #[arg(long)]
    pub baseline: bool,
    /// Also time single-item matching (one at a time) on up to 1,000 items: p50/p95
    #[arg(long)]
    pub latency: bool,
    /// Where to write the misses [default: <input>.misses.csv]
    #[arg(long)]
    pub misses: Option<PathBuf>,
}

#[derive(Default, Serialize, Clone)]
pub struct Counts {
    pub items: u64,
    /// Items whose true code exists (not "no counterpart").
    pub with_truth: u64,
    pub top1: u64,
    pub top5: u64,
}

impl Counts {
    fn add(&mut self, has_truth: bool, top1: bool, top5: bool) {
        self.items += 1;
        if has_truth {
            self.with_truth += 1;
        }
        self.top1 += top1 as u64;
        self.top5 += top5 as u64;
    }
    fn pct(n: u64, d: u64) -> f64 {
        if d == 0 {
            0.0
        } else {
            (1000.0 * n as f64 / d as f64).round() / 10.0
        }
    }
}

#[derive(Default, Serialize)]
pub struct TierStat {
    pub items: u64,
    pub correct: u64,
    pub precision_pct: f64,
    pub coverage_pct: f64,
}

#[derive(Serialize, Clone, Copy)]
pub struct Latency {
    pub items: usize,
    pub p50: f64,
    pub p95: f64,
    pub max: f64,
}

fn latency(m: &matcher::Matcher, items: &[HospitalItem]) -> Latency {
    let mut ms: Vec<f64> = items
        .iter()
        .take(1000)
        .map(|it| {
            let t = std::time::Instant::now();
            let _ = m.match_item(it, 5);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| {
        ms.get(((ms.len() as f64 * p) as usize).min(ms.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    Latency {
        items: ms.len(),
        p50: at(0.5),
        p95: at(0.95),
        max: ms.last().copied().unwrap_or(0.0),
    }
}

#[derive(Serialize)]
pub struct Report {
    pub file: String,
    pub version: String,
    pub items: u64,
    pub overall: Counts,
    pub top1_pct: f64,
    pub top5_pct: f64,
    pub with_key: Counts,
    pub with_key_top1_pct: f64,
    pub name_only: Counts,
    pub name_only_top1_pct: f64,
    pub tiers: BTreeMap<String, TierStat>,
    pub by_category: BTreeMap<String, Counts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Counts>,
    pub items_per_second: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Latency>,
    pub misses_file: String,
}

/// Correct: the best candidate is the true code, or — for an item with no
/// national counterpart — nothing was offered above tier low.
fn outcome(truth: &str, r: &MatchResult) -> (bool, bool) {
    if truth.is_empty() {
        let ok = r.tier <= Tier::Low;
        return (ok, ok);
    }
    let top1 = r.best().is_some_and(|c| c.code == truth);
    let top5 = r.candidates.iter().take(5).any(|c| c.code == truth);
    (top1, top5)
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let read = importer::hospital::read_items(
        &args.file,
        &importer::hospital::HospitalReadOptions::default(),
    )
    .with_context(|| format!("reading {}", args.file.display()))?;
    let items: Vec<HospitalItem> = read
        .items
        .into_iter()
        .filter(|i| i.truth.is_some())
        .collect();
    if items.is_empty() {
        anyhow::bail!(
            "{}: no labelled rows (a 标准编码 column is needed)",
            args.file.display()
        );
    }
    let store = ctx.store()?;
    let kind = args
        .kind
        .or_else(|| items.iter().find_map(|i| i.category))
        .unwrap_or(Category::Drug);
    let v = resolve_version(&store, args.version.as_deref(), Some(kind))?;
    let m = open_matcher(ctx, &store, &v)?;
    let bar = ctx.bar(items.len() as u64, "matching");
    let started = std::time::Instant::now();
    let results = m.match_batch(&items, 5, &|n| bar.inc(n));
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let mut overall = Counts::default();
    let (mut with_key, mut name_only) = (Counts::default(), Counts::default());
    let mut by_cat: BTreeMap<String, Counts> = BTreeMap::new();
    let mut tiers: BTreeMap<String, TierStat> = BTreeMap::new();
    let mut misses = Vec::new();
    for (it, r) in items.iter().zip(&results) {
        let truth = it.truth.clone().unwrap_or_default();
        let (t1, t5) = outcome(&truth, r);
        overall.add(!truth.is_empty(), t1, t5);
        let has_key = it.approval_no.is_some() || it.registration_no.is_some();
        if has_key {
            &mut with_key
        } else {
            &mut name_only
        }
        .add(!truth.is_empty(), t1, t5);
        let cat = it
            .extra
            .get("类别")
            .cloned()
            .or(it.category.map(|c| c.label_zh().to_string()))
            .unwrap_or_else(|| kind.to_string());
        by_cat
            .entry(cat)
            .or_default()
            .add(!truth.is_empty(), t1, t5);
        let ts = tiers.entry(r.tier.as_str().to_string()).or_default();
        ts.items += 1;
        ts.correct += t1 as u64;
        if !t1 {
            let best = r.best();
            misses.push(vec![
                it.row.to_string(),
                it.code.clone(),
                it.name.clone(),
                it.spec.clone().unwrap_or_default(),
                it.manufacturer.clone().unwrap_or_default(),
                it.approval_no.clone().unwrap_or_default(),
                truth.clone(),
                m.record(&truth).map(|x| x.name.clone()).unwrap_or_default(),
                best.map(|c| c.code.clone()).unwrap_or_default(),
                best.map(|c| c.name.clone()).unwrap_or_default(),
                best.map(|c| format!("{:.4}", c.score)).unwrap_or_default(),
                r.tier.as_str().into(),
                t5.to_string(),
                r.reason.clone(),
                it.extra.get("扰动").cloned().unwrap_or_default(),
            ]);
        }
    }
    let n = items.len() as u64;
    for t in tiers.values_mut() {
        t.precision_pct = Counts::pct(t.correct, t.items);
        t.coverage_pct = Counts::pct(t.items, n);
    }
    let baseline = args.baseline.then(|| {
        let mut b = Counts::default();
        for it in &items {
            let truth = it.truth.clone().unwrap_or_default();
            let codes = m.baseline(it, 5);
            let (t1, t5) = if truth.is_empty() {
                (codes.is_empty(), codes.is_empty())
            } else {
                (codes.first() == Some(&truth), codes.contains(&truth))
            };
            b.add(!truth.is_empty(), t1, t5);
        }
        b
    });
    let misses_file = args.misses.clone().unwrap_or_else(|| {
        let stem = args
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        args.file.with_file_name(format!("{stem}.misses.csv"))
    });
    write_table(
        &misses_file,
        "misses",
        &[
            "行号",
            "院内编码",
            "院内名称",
            "规格",
            "生产企业",
            "批准文号",
            "标准编码",
            "标准名称",
            "匹配编码",
            "匹配名称",
            "得分",
            "置信度",
            "前五命中",
            "依据",
            "扰动",
        ],
        &misses,
    )?;
    let rep = Report {
        file: args.file.display().to_string(),
        version: format!("{} {}", v.category, v.label),
        items: n,
        top1_pct: Counts::pct(overall.top1, overall.items),
        top5_pct: Counts::pct(overall.top5, overall.items),
        with_key_top1_pct: Counts::pct(with_key.top1, with_key.items),
        name_only_top1_pct: Counts::pct(name_only.top1, name_only.items),
        overall,
        with_key,
        name_only,
        tiers,
        by_category: by_cat,
        baseline,
        latency_ms: args.latency.then(|| latency(&m, &items)),
        items_per_second: if secs > 0.0 {
            (n as f64 / secs).round()
        } else {
            0.0
        },
        misses_file: misses_file.display().to_string(),
    };
    if ctx.json {
        ctx.print_json(&rep)?;
        return Ok(0);
    }
    println!(
        "{} items against {} ({} items/s)",
        rep.items, rep.version, rep.items_per_second
    );
    println!("  top-1 {:.1}%  top-5 {:.1}%", rep.top1_pct, rep.top5_pct);
    println!(
        "  with 批准文号/注册证号: {} items, top-1 {:.1}%   name+spec only: {} items, top-1 {:.1}%",
        rep.with_key.items, rep.with_key_top1_pct, rep.name_only.items, rep.name_only_top1_pct
    );
    for t in Tier::ALL {
        if let Some(s) = rep.tiers.get(t.as_str()) {
            println!(
                "  tier {:<6} {:>6} items ({:.1}% coverage), precision {:.1}%",
                t.as_str(),
                s.items,
                s.coverage_pct,
                s.precision_pct
            );
        }
    }
    for (c, s) in &rep.by_category {
        println!(
            "  {c:<8} {:>6} items, top-1 {:.1}%, top-5 {:.1}%",
            s.items,
            Counts::pct(s.top1, s.items),
            Counts::pct(s.top5, s.items)
        );
    }
    if let Some(b) = &rep.baseline {
        println!(
            "  baseline BM25: top-1 {:.1}%  top-5 {:.1}%",
            Counts::pct(b.top1, b.items),
            Counts::pct(b.top5, b.items)
        );
    }
    if let Some(l) = rep.latency_ms {
        println!(
            "  single item: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} items, one at a time)",
            l.p50, l.p95, l.max, l.items
        );
    }
    println!("  misses → {}", rep.misses_file);
    Ok(0)
}
