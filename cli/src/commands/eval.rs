//! `mulu eval <LABELLED>`: accuracy of the matcher on a labelled dictionary
//! (标准编码 = the true national code, empty = no counterpart): top-1/top-5 and
//! recall@20, precision and coverage per tier, a reliability table (predicted
//! vs observed precision per score bin) with the expected calibration error,
//! the false-high rate on items with no counterpart, and slices (key present
//! or not, category, each 扰动 slip); misses written to a file. `--baseline`
//! puts the two simple alternatives of [`matcher::baseline`] beside mulu on
//! every slice: key look-up + all-fields BM25, and WRatio.

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
    /// 带标注的院内字典（含 标准编码 列）
    pub file: PathBuf,
    /// 目录版本标签或 id [默认：该类最新版本]
    #[arg(long)]
    pub version: Option<String>,
    /// 目录类别（drug、consumable、service 等）
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Category>,
    /// 同时运行“关键字 + 全字段 BM25”和 WRatio 两个基线，并列对比
    #[arg(long)]
    pub baseline: bool,
    /// 同时测逐条匹配的耗时（最多 1,000 条）：p50/p95
    #[arg(long)]
    pub latency: bool,
    /// 用本文件的标注对拟合评分校准并写到此处（data/calibration.json 即由语料集这样生成）
    #[arg(long)]
    pub fit_calibration: Option<PathBuf>,
    /// 用本文件的标注拟合逐字段校准模型（证据、类别、与次选的差距）并写到此处
    #[arg(long)]
    pub fit_field_model: Option<PathBuf>,
    /// 用此逐字段校准模型报告概率、ECE 与 p ≥ 99.5% 的精确率/覆盖率
    #[arg(long)]
    pub field_model: Option<PathBuf>,
    /// 把每条的特征与是否正确写成 JSON Lines（供 --pool 合并拟合）
    #[arg(long, value_name = "FILE.jsonl")]
    pub examples_out: Option<PathBuf>,
    /// 拟合逐字段模型时并入其他评估写出的样本（可重复；一个模型覆盖各类目录）
    #[arg(long, value_name = "FILE.jsonl")]
    pub pool: Vec<PathBuf>,
    /// 未命中条目的输出文件 [默认：<输入>.misses.csv]
    #[arg(long)]
    pub misses: Option<PathBuf>,
}

/// One line of `--examples-out`: what the per-field model sees of an item's
/// best candidate, and whether it was right.
#[derive(Serialize, serde::Deserialize)]
struct PooledExample {
    x: BTreeMap<String, f64>,
    /// Candidates tied at the best log-odds (older files: none).
    #[serde(default)]
    tied_best: u32,
    right: bool,
    no_counterpart: bool,
}

/// How a per-field calibration model does on this file.
#[derive(Default, Serialize)]
pub struct FieldModelStat {
    pub fitted_on: String,
    pub reliability: Vec<Bin>,
    pub ece_pts: f64,
    /// Best candidates with p ≥ 99.5%: precision, and coverage of the items with a counterpart.
    pub high: TierStat,
    /// Items with no counterpart whose best candidate got p ≥ 99.5%.
    pub false_high: u64,
    pub false_high_pct: f64,
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

/// Candidates asked for per item: recall@20 is measured on them.
const RECALL_AT: usize = 20;
/// Slices with fewer items are kept in the JSON but not printed.
const PRINT_SLICE_MIN: u64 = 20;

/// One system's hits on the items of a slice that have a counterpart.
#[derive(Default, Serialize, Clone, Copy)]
pub struct Side {
    pub top1: u64,
    pub recall20: u64,
}

/// A slice of the items with a national counterpart, scored for mulu and,
/// with `--baseline`, for both baselines.
#[derive(Default, Serialize, Clone)]
pub struct Slice {
    pub items: u64,
    pub mulu: Side,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bm25: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wratio: Option<Side>,
}

/// A score bin of the reliability table: mean predicted probability that the
/// best candidate is right vs how often it was.
#[derive(Serialize, Clone)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    pub items: u64,
    pub predicted_pct: f64,
    pub observed_pct: f64,
}

/// Items with no national counterpart: how many were offered as "high".
#[derive(Default, Serialize, Clone)]
pub struct NoCounterpart {
    pub items: u64,
    pub high: u64,
    pub medium: u64,
    pub false_high_pct: f64,
}

/// The baselines' totals over the items with a counterpart.
#[derive(Serialize, Clone)]
pub struct BaselineTotals {
    pub items: u64,
    pub bm25_top1_pct: f64,
    pub bm25_recall20_pct: f64,
    pub wratio_top1_pct: f64,
    pub wratio_recall20_pct: f64,
}

/// The items whose right row is not among the first 20 candidates, by why:
/// the row the search missed would have ranked in (`not_retrieved`), it
/// scores below 20 others (`outscored`), or it scores exactly as the 20th
/// and the code order left it out (`tied`: nothing in the item tells them
/// apart, as with a name without maker that 30 makers carry).
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct RecallMisses {
    pub not_retrieved: u64,
    pub outscored: u64,
    pub tied: u64,
}

/// Why the right row of `it` is not among `r`'s candidates (which hold the
/// first 20, or all there were).
fn recall_miss(
    m: &matcher::Matcher,
    it: &HospitalItem,
    r: &MatchResult,
    truth: &str,
) -> RecallMiss {
    let Some(t) = m.score_of(it, truth) else {
        return RecallMiss::NotRetrieved;
    };
    match r.candidates.get(RECALL_AT - 1) {
        Some(last) if (last.score - t).abs() < 1e-9 => RecallMiss::Tied,
        Some(last) if t < last.score => RecallMiss::Outscored,
        _ => RecallMiss::NotRetrieved,
    }
}

enum RecallMiss {
    NotRetrieved,
    Outscored,
    Tied,
}

#[derive(Serialize)]
pub struct Report {
    pub file: String,
    pub version: String,
    pub items: u64,
    pub overall: Counts,
    pub top1_pct: f64,
    pub top5_pct: f64,
    /// Over the items with a counterpart (the baselines are measured the same way).
    pub matched_top1_pct: f64,
    pub recall20_pct: f64,
    /// Misses whose right row scored exactly as the chosen one: nothing in
    /// the item tells them apart (a name several rows carry, no maker given).
    pub tied_misses: u64,
    /// Top-1 over the items with a counterpart, the tied misses left out.
    pub top1_distinguishable_pct: f64,
    /// Why the right row is not among the first 20 candidates.
    pub recall_misses: RecallMisses,
    /// Recall@20 over the items with a counterpart, those whose right row
    /// ties with the 20th candidate left out.
    pub recall20_distinguishable_pct: f64,
    pub with_key: Counts,
    pub with_key_top1_pct: f64,
    pub name_only: Counts,
    pub name_only_top1_pct: f64,
    pub tiers: BTreeMap<String, TierStat>,
    /// Share of the items with a counterpart that ended in the high tier.
    pub high_coverage_of_matched_pct: f64,
    pub no_counterpart: NoCounterpart,
    pub reliability: Vec<Bin>,
    /// Expected calibration error in percentage points.
    pub ece_pts: f64,
    /// The reliability table of the calibrated probability
    /// (`matcher::calibrate`: the home's parameters, else the shipped ones).
    pub calibrated_reliability: Vec<Bin>,
    pub calibrated_ece_pts: f64,
    /// What the calibration was fitted on.
    pub calibration: String,
    /// Items whose calibrated probability reaches the high bar (≥ 99.5%):
    /// how many, how precise, what share of the items with a counterpart.
    pub calibrated_high: TierStat,
    /// The per-field model's figures (`--field-model`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_model: Option<FieldModelStat>,
    pub by_category: BTreeMap<String, Counts>,
    /// Slices of the items with a counterpart: `all`, `key`/`no key`,
    /// `类别:<category>`, `扰动:<slip>`.
    pub slices: BTreeMap<String, Slice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineTotals>,
    pub items_per_second: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Latency>,
    pub misses_file: String,
}

/// The right row is among the candidates with the best one's very score.
fn tied_with_best(r: &MatchResult, truth: &str) -> bool {
    match (r.best(), r.candidates.iter().find(|c| c.code == truth)) {
        (Some(b), Some(t)) => (b.score - t.score).abs() < 1e-9,
        _ => false,
    }
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

/// Whether a key (批准文号, 本位码, 注册证号, price code, a national code) is
/// anywhere in the row: in its own column, or — per the generator's 证号
/// column — typed into the name.
fn has_key(it: &HospitalItem) -> bool {
    let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
    set(&it.approval_no)
        || set(&it.registration_no)
        || set(&it.standard_code)
        || set(&it.price_code)
        || set(&it.national_code)
        || it
            .extra
            .get("证号")
            .is_some_and(|k| !k.is_empty() && k != "无")
}

/// Reliability bins over the best candidate's score; finer near 1, where
/// the high tier lives.
const BIN_EDGES: [f64; 14] = [
    0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 1.0000001,
];

fn reliability(points: &[(f64, bool)]) -> (Vec<Bin>, f64) {
    reliability_in(points, &BIN_EDGES)
}

/// Predicted vs observed precision of (probability, right) pairs in the
/// bins between `edges` (empty bins left out), and the expected calibration
/// error in points.
pub(crate) fn reliability_in(points: &[(f64, bool)], edges: &[f64]) -> (Vec<Bin>, f64) {
    let n = points.len().max(1) as f64;
    let mut bins = Vec::new();
    let mut ece = 0.0;
    for w in edges.windows(2) {
        let inside: Vec<&(f64, bool)> = points
            .iter()
            .filter(|(p, _)| *p >= w[0] && *p < w[1])
            .collect();
        if inside.is_empty() {
            continue;
        }
        let k = inside.len() as f64;
        let pred = inside.iter().map(|(p, _)| p).sum::<f64>() / k;
        let obs = inside.iter().filter(|(_, ok)| *ok).count() as f64 / k;
        ece += k / n * (pred - obs).abs();
        bins.push(Bin {
            lo: w[0],
            hi: w[1].min(1.0),
            items: inside.len() as u64,
            predicted_pct: (pred * 1000.0).round() / 10.0,
            observed_pct: (obs * 1000.0).round() / 10.0,
        });
    }
    (bins, (ece * 1000.0).round() / 10.0)
}

/// The rows of a reliability table, one per bin, as `eval` and
/// `calibrate` print them.
pub(crate) fn print_bins(bins: &[Bin]) {
    for b in bins {
        println!(
            "    {:.3}–{:.3} {:>7}  {:>8.1}%  {:>7.1}%",
            b.lo, b.hi, b.items, b.predicted_pct, b.observed_pct
        );
    }
}

fn side(codes: &[String], truth: &str) -> Side {
    Side {
        top1: (codes.first().map(String::as_str) == Some(truth)) as u64,
        recall20: codes.iter().take(RECALL_AT).any(|c| c == truth) as u64,
    }
}

fn add_side(a: &mut Side, b: Side) {
    a.top1 += b.top1;
    a.recall20 += b.recall20;
}

fn pct(n: u64, d: u64) -> f64 {
    Counts::pct(n, d)
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
    let results = m.match_batch(&items, RECALL_AT, &|n| bar.inc(n));
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let mut baseline_seconds = None;
    let base_codes: Option<Vec<(Vec<String>, Vec<String>)>> = if args.baseline {
        let t = std::time::Instant::now();
        let b = matcher::baseline::Baselines::build(m.rows())?;
        let bar = ctx.bar(items.len() as u64, "baselines");
        let out = b.run_batch(&items, RECALL_AT, &|n| bar.inc(n));
        bar.finish_and_clear();
        baseline_seconds = Some((t.elapsed().as_secs_f64() * 10.0).round() / 10.0);
        Some(out)
    } else {
        None
    };

    let mut overall = Counts::default();
    let (mut with_key, mut name_only) = (Counts::default(), Counts::default());
    let mut by_cat: BTreeMap<String, Counts> = BTreeMap::new();
    let mut tiers: BTreeMap<String, TierStat> = BTreeMap::new();
    let mut slices: BTreeMap<String, Slice> = BTreeMap::new();
    let mut none = NoCounterpart::default();
    let mut points: Vec<(f64, bool)> = Vec::with_capacity(items.len());
    // (features of the best candidate, right, no counterpart)
    let mut fexamples: Vec<(matcher::calibrate::Example, bool, bool)> = Vec::new();
    let (mut matched, mut matched_top1, mut matched_r20, mut high_matched) = (0u64, 0, 0, 0);
    let mut tied_misses = 0u64;
    let mut recall_misses = RecallMisses::default();
    let mut misses = Vec::new();
    for (i, (it, r)) in items.iter().zip(&results).enumerate() {
        // Where the right row stands in the top 20: the misses file column 前二十.
        let mut recall_note = "";
        let truth = it.truth.clone().unwrap_or_default();
        let (t1, t5) = outcome(&truth, r);
        overall.add(!truth.is_empty(), t1, t5);
        let keyed = has_key(it);
        if keyed { &mut with_key } else { &mut name_only }.add(!truth.is_empty(), t1, t5);
        let cat = it
            .extra
            .get("类别")
            .cloned()
            .or(it.category.map(|c| c.label_zh().to_string()))
            .unwrap_or_else(|| kind.to_string());
        by_cat
            .entry(cat.clone())
            .or_default()
            .add(!truth.is_empty(), t1, t5);
        let ts = tiers.entry(r.tier.as_str().to_string()).or_default();
        ts.items += 1;
        ts.correct += t1 as u64;
        // The reliability table asks: is the best candidate the right row?
        // For an item with no counterpart it never is.
        if let Some(b) = r.best() {
            points.push((b.score, !truth.is_empty() && b.code == truth));
        }
        // The features the matcher's own probability came from (exact raw
        // log-odds, not the rounded displayed scores).
        if let Some(e) = m.example(r) {
            let ok = r
                .best()
                .is_some_and(|b| !truth.is_empty() && b.code == truth);
            fexamples.push((e, ok, truth.is_empty()));
        }
        if truth.is_empty() {
            none.items += 1;
            none.high += (r.tier == Tier::High) as u64;
            none.medium += (r.tier == Tier::Medium) as u64;
        } else {
            let codes: Vec<String> = r.candidates.iter().map(|c| c.code.clone()).collect();
            let mine = side(&codes, &truth);
            matched += 1;
            recall_note = "前20内";
            matched_top1 += mine.top1;
            matched_r20 += mine.recall20;
            high_matched += (r.tier == Tier::High) as u64;
            if mine.top1 == 0 && tied_with_best(r, &truth) {
                tied_misses += 1;
            }
            if mine.recall20 == 0 {
                let (count, note) = match recall_miss(&m, it, r, &truth) {
                    RecallMiss::NotRetrieved => (&mut recall_misses.not_retrieved, "未检索到"),
                    RecallMiss::Outscored => (&mut recall_misses.outscored, "被超过"),
                    RecallMiss::Tied => (&mut recall_misses.tied, "与第20名并列"),
                };
                *count += 1;
                recall_note = note;
            }
            let theirs = base_codes
                .as_ref()
                .map(|b| (side(&b[i].0, &truth), side(&b[i].1, &truth)));
            let mut names = vec![
                "all".to_string(),
                if keyed { "key" } else { "no key" }.to_string(),
                format!("类别:{cat}"),
            ];
            for slip in it
                .extra
                .get("扰动")
                .map(String::as_str)
                .unwrap_or("")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                names.push(format!("扰动:{slip}"));
            }
            for n in names {
                let s = slices.entry(n).or_default();
                s.items += 1;
                add_side(&mut s.mulu, mine);
                if let Some((b, w)) = theirs {
                    add_side(s.bm25.get_or_insert_with(Side::default), b);
                    add_side(s.wratio.get_or_insert_with(Side::default), w);
                }
            }
        }
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
                // How the right row scores for this item, found or not: equal
                // to 得分 is a tie nothing in the item breaks.
                if truth.is_empty() {
                    String::new()
                } else {
                    m.score_of(it, &truth)
                        .map(|t| format!("{t:.4}"))
                        .unwrap_or_default()
                },
                r.tier.as_str().into(),
                t5.to_string(),
                r.reason.clone(),
                it.extra.get("扰动").cloned().unwrap_or_default(),
                recall_note.into(),
            ]);
        }
    }
    let n = items.len() as u64;
    for t in tiers.values_mut() {
        t.precision_pct = Counts::pct(t.correct, t.items);
        t.coverage_pct = Counts::pct(t.items, n);
    }
    none.false_high_pct = pct(none.high, none.items);
    let (table, ece_pts) = reliability(&points);
    let cal = matcher::calibrate::Calibration::load(&ctx.home);
    let cpoints: Vec<(f64, bool)> = points
        .iter()
        .map(|&(s, ok)| (cal.probability(s), ok))
        .collect();
    let (calibrated_reliability, calibrated_ece_pts) = reliability(&cpoints);
    let mut calibrated_high = TierStat::default();
    for &(p, ok) in &cpoints {
        if p >= matcher::calibrate::HIGH_PROBABILITY {
            calibrated_high.items += 1;
            calibrated_high.correct += ok as u64;
        }
    }
    calibrated_high.precision_pct = pct(calibrated_high.correct, calibrated_high.items);
    calibrated_high.coverage_pct = pct(calibrated_high.correct, matched);
    let fitted_on = format!(
        "{} ({})",
        args.file
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default(),
        v.category
    );
    if let Some(path) = &args.fit_calibration {
        let fitted = matcher::calibrate::Calibration::fit(&points, &fitted_on)?;
        std::fs::write(path, serde_json::to_vec_pretty(&fitted)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.examples_out {
        let mut out = String::new();
        for (e, ok, orphan) in &fexamples {
            out.push_str(&serde_json::to_string(&PooledExample {
                x: e.x.clone(),
                tied_best: e.tied_best,
                right: *ok,
                no_counterpart: *orphan,
            })?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.fit_field_model {
        let mut data: Vec<_> = fexamples
            .iter()
            .map(|(e, ok, _)| (e.clone(), *ok))
            .collect();
        let mut fitted_on = fitted_on.clone();
        for p in &args.pool {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            for (i, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                let e: PooledExample = serde_json::from_str(line).with_context(|| {
                    format!("{} line {}: not an --examples-out line", p.display(), i + 1)
                })?;
                let ex = matcher::calibrate::Example {
                    x: e.x,
                    tied_best: e.tied_best,
                };
                data.push((ex, e.right));
            }
            fitted_on.push_str(&format!(" + {}", p.display()));
        }
        let fitted = matcher::calibrate::FieldModel::fit_cross_validated(&data, &fitted_on)?;
        std::fs::write(path, serde_json::to_vec_pretty(&fitted)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let field_model = match &args.field_model {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let fm: matcher::calibrate::FieldModel =
                serde_json::from_str(&text).with_context(|| {
                    format!("{}: not a per-field calibration model", path.display())
                })?;
            let probs: Vec<(f64, bool)> = fexamples
                .iter()
                .map(|(e, ok, _)| (fm.probability(e), *ok))
                .collect();
            let (reliability, ece_pts) = reliability(&probs);
            let mut st = FieldModelStat {
                fitted_on: fm.fitted_on.clone(),
                reliability,
                ece_pts,
                ..FieldModelStat::default()
            };
            for ((p, ok), (_, _, orphan)) in probs.iter().zip(&fexamples) {
                if *p >= matcher::calibrate::HIGH_PROBABILITY {
                    st.high.items += 1;
                    st.high.correct += *ok as u64;
                    st.false_high += *orphan as u64;
                }
            }
            st.high.precision_pct = pct(st.high.correct, st.high.items);
            st.high.coverage_pct = pct(st.high.correct, matched);
            st.false_high_pct = pct(st.false_high, none.items);
            Some(st)
        }
    };
    let baseline = base_codes.as_ref().map(|_| {
        let all = slices.get("all").cloned().unwrap_or_default();
        let (b, w) = (all.bm25.unwrap_or_default(), all.wratio.unwrap_or_default());
        BaselineTotals {
            items: n,
            bm25_top1_pct: pct(b.top1, all.items),
            bm25_recall20_pct: pct(b.recall20, all.items),
            wratio_top1_pct: pct(w.top1, all.items),
            wratio_recall20_pct: pct(w.recall20, all.items),
        }
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
            "正确行得分",
            "置信度",
            "前五命中",
            "依据",
            "扰动",
            "前二十",
        ],
        &misses,
    )?;
    let rep = Report {
        file: args.file.display().to_string(),
        version: format!("{} {}", v.category, v.label),
        items: n,
        top1_pct: Counts::pct(overall.top1, overall.items),
        top5_pct: Counts::pct(overall.top5, overall.items),
        matched_top1_pct: pct(matched_top1, matched),
        recall20_pct: pct(matched_r20, matched),
        tied_misses,
        top1_distinguishable_pct: pct(matched_top1, matched - tied_misses),
        recall_misses,
        recall20_distinguishable_pct: pct(matched_r20, matched - recall_misses.tied),
        with_key_top1_pct: Counts::pct(with_key.top1, with_key.items),
        name_only_top1_pct: Counts::pct(name_only.top1, name_only.items),
        overall,
        with_key,
        name_only,
        tiers,
        high_coverage_of_matched_pct: pct(high_matched, matched),
        no_counterpart: none,
        reliability: table,
        ece_pts,
        calibrated_reliability,
        calibrated_ece_pts,
        calibration: format!("a={} b={} ({})", cal.a, cal.b, cal.fitted_on),
        calibrated_high,
        field_model,
        by_category: by_cat,
        slices,
        baseline,
        latency_ms: args.latency.then(|| latency(&m, &items)),
        items_per_second: if secs > 0.0 {
            (n as f64 / secs).round()
        } else {
            0.0
        },
        baseline_seconds,
        misses_file: misses_file.display().to_string(),
    };
    if ctx.json {
        ctx.print_json(&rep)?;
        return Ok(0);
    }
    print_report(&rep);
    Ok(0)
}

fn print_report(rep: &Report) {
    println!(
        "{} items against {} ({} items/s)",
        rep.items, rep.version, rep.items_per_second
    );
    println!(
        "  top-1 {:.1}%  top-5 {:.1}%  (no-counterpart items count as right when low/none)",
        rep.top1_pct, rep.top5_pct
    );
    println!(
        "  items with a counterpart: top-1 {:.1}%  recall@{RECALL_AT} {:.1}%",
        rep.matched_top1_pct, rep.recall20_pct
    );
    if rep.tied_misses > 0 {
        println!(
            "  {} misses tie with the right row (same score: nothing in the item tells them apart); top-1 without them {:.1}%",
            rep.tied_misses, rep.top1_distinguishable_pct
        );
    }
    let rm = rep.recall_misses;
    if rm.not_retrieved + rm.outscored + rm.tied > 0 {
        println!(
            "  right row not in the first {RECALL_AT}: {} not found by the search, {} outscored by {RECALL_AT} rows, {} tied with the {RECALL_AT}th; recall@{RECALL_AT} without the tied {:.1}%",
            rm.not_retrieved, rm.outscored, rm.tied, rep.recall20_distinguishable_pct
        );
    }
    println!(
        "  with a key (批准文号/注册证号/本位码/编码): {} items, top-1 {:.1}%   name+spec only: {} items, top-1 {:.1}%",
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
    println!(
        "  high tier covers {:.1}% of the items with a counterpart",
        rep.high_coverage_of_matched_pct
    );
    let nc = &rep.no_counterpart;
    println!(
        "  no counterpart: {} items, false high {} ({:.1}%), medium {}",
        nc.items, nc.high, nc.false_high_pct, nc.medium
    );
    for (c, s) in &rep.by_category {
        println!(
            "  {c:<8} {:>6} items, top-1 {:.1}%, top-5 {:.1}%",
            s.items,
            Counts::pct(s.top1, s.items),
            Counts::pct(s.top5, s.items)
        );
    }
    println!(
        "  reliability (best candidate's score → how often it is right), ECE {:.1} points:",
        rep.ece_pts
    );
    println!("    score bin      items  predicted  observed");
    print_bins(&rep.reliability);
    println!(
        "  calibrated probability ({}), ECE {:.1} points; p ≥ 99.5%: {} items, precision {:.1}%, right there for {:.1}% of the items with a counterpart",
        rep.calibration,
        rep.calibrated_ece_pts,
        rep.calibrated_high.items,
        rep.calibrated_high.precision_pct,
        rep.calibrated_high.coverage_pct
    );
    print_bins(&rep.calibrated_reliability);
    if let Some(f) = &rep.field_model {
        println!(
            "  per-field model ({}), ECE {:.1} points; p ≥ 99.5%: {} items, precision {:.1}%, coverage {:.1}% of the items with a counterpart; false high on no-counterpart {} ({:.1}%)",
            f.fitted_on, f.ece_pts, f.high.items, f.high.precision_pct, f.high.coverage_pct, f.false_high, f.false_high_pct
        );
        print_bins(&f.reliability);
    }
    if let Some(b) = &rep.baseline {
        println!(
            "  baseline key+BM25 (all fields): top-1 {:.1}%  recall@{RECALL_AT} {:.1}%",
            b.bm25_top1_pct, b.bm25_recall20_pct
        );
        println!(
            "  baseline WRatio (fuzzy names):  top-1 {:.1}%  recall@{RECALL_AT} {:.1}%",
            b.wratio_top1_pct, b.wratio_recall20_pct
        );
    }
    let baselines = rep.baseline.is_some();
    println!(
        "  slices (items with a counterpart; top-1 / recall@{RECALL_AT}){}:",
        if baselines {
            ": mulu | key+BM25 | WRatio"
        } else {
            ""
        }
    );
    for (name, s) in &rep.slices {
        if s.items < PRINT_SLICE_MIN && name != "all" {
            continue;
        }
        let f = |x: Side| {
            format!(
                "{:>5.1}% / {:>5.1}%",
                pct(x.top1, s.items),
                pct(x.recall20, s.items)
            )
        };
        let mut line = format!("    {name:<28} {:>6}  {}", s.items, f(s.mulu));
        if let (Some(b), Some(w)) = (s.bm25, s.wratio) {
            line.push_str(&format!(" | {} | {}", f(b), f(w)));
        }
        println!("{line}");
    }
    if let Some(l) = rep.latency_ms {
        println!(
            "  single item: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms ({} items, one at a time)",
            l.p50, l.p95, l.max, l.items
        );
    }
    println!("  misses → {}", rep.misses_file);
}

#[cfg(test)]
mod tests {
    use super::*;
    use matcher::Candidate;

    fn cand(code: &str, score: f64) -> Candidate {
        Candidate {
            code: code.into(),
            name: "阿莫西林胶囊".into(),
            score,
            tier: Tier::Medium,
            spec: String::new(),
            pack_spec: None,
            dosage_form: None,
            manufacturer: String::new(),
            approval_no: None,
            unit: None,
            active: true,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn a_miss_ties_only_when_the_right_row_has_the_best_score() {
        let mut r = MatchResult::none(1, "H1", "阿莫西林胶囊", "");
        r.candidates = vec![cand("X1", 0.95), cand("X2", 0.95), cand("X3", 0.90)];
        assert!(tied_with_best(&r, "X2"));
        assert!(!tied_with_best(&r, "X3"));
        // The right row not offered at all: not a tie.
        assert!(!tied_with_best(&r, "X9"));
        r.candidates.clear();
        assert!(!tied_with_best(&r, "X1"));
    }
}
