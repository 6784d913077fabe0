//! `mulu calibrate`: re-fit the matcher's per-field model on this store's
//! reviewed decisions. Every approved, replaced, rejected or no-counterpart
//! mapping is matched again against the catalogue version it was decided on
//! (the newest of its kind when that one is gone), and its best candidate is
//! labelled by the decision (`mapping::calibrate`). The shipped model is
//! re-fitted on those examples (its weights as the prior) and written to `<home>/field_model.json`, which every
//! matcher of this home then uses (match, search, review workbook, eval,
//! serve); the one-scalar score calibration is fitted on the same labels into
//! `<home>/calibration.json`, which `mulu eval` reports with. Refuses (exit 2,
//! nothing written) on too few decisions of either kind, identical features
//! or a fit that does not converge.

use super::eval::{print_bins, reliability_in, Bin};
use super::index::{open_matcher, resolve_version};
use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::store::Mapping;
use catalog_core::Category;
use mapping::calibrate::{is_decision, label_decisions, Labelled, Tally};
use matcher::calibrate::{
    Calibration, Example, FieldModel, FIELD_MODEL_FILE, FILE, HIGH_PROBABILITY,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(clap::Args)]
pub struct Args {
    /// 只用这一类目录的审核决定（默认：所有类别）
    #[arg(long, value_parser = super::index::parse_kind)]
    pub kind: Option<Category>,
    /// 只拟合并显示，不写 field_model.json 和 calibration.json
    #[arg(long)]
    pub dry_run: bool,
}

/// Coarse bins: a hospital's decisions are hundreds, not tens of thousands.
const BINS: [f64; 8] = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.995, 1.0000001];

/// One model's reliability on the decisions.
#[derive(Serialize)]
struct Reliability {
    bins: Vec<Bin>,
    ece_pts: f64,
    /// Decisions with p ≥ 99.5%, and how many of them were right.
    high: u64,
    high_right: u64,
}

fn reliability(model: &FieldModel, data: &[(Example, bool)]) -> Reliability {
    let points: Vec<(f64, bool)> = data
        .iter()
        .map(|(e, ok)| (model.probability(e), *ok))
        .collect();
    let (bins, ece_pts) = reliability_in(&points, &BINS);
    let high: Vec<&(f64, bool)> = points
        .iter()
        .filter(|(p, _)| *p >= HIGH_PROBABILITY)
        .collect();
    Reliability {
        bins,
        ece_pts,
        high: high.len() as u64,
        high_right: high.iter().filter(|(_, ok)| *ok).count() as u64,
    }
}

#[derive(Serialize)]
struct Report<'a> {
    /// What the labels came from, per kind.
    by_kind: BTreeMap<String, Tally>,
    /// Decisions of a kind with no catalogue version to match against.
    no_version: BTreeMap<String, usize>,
    field_model: &'a FieldModel,
    calibration: &'a Calibration,
    /// Checked on the decisions it was fitted on: optimistic.
    in_sample: bool,
    reliability: BTreeMap<&'static str, Reliability>,
    dry_run: bool,
    written: Vec<String>,
}

/// A kind as the reader's language names it (`西药中成药`, `drug`).
fn kind_name(k: Category) -> &'static str {
    match catalog_core::i18n::lang() {
        catalog_core::i18n::Lang::En => k.as_str(),
        catalog_core::i18n::Lang::Zh => k.label_zh(),
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory,
/// so a reader never sees half a model.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let store = ctx.store()?;
    let all = store.mappings(args.kind, None)?;
    // One matcher per (kind, version decided on), opened one at a time.
    let mut groups: BTreeMap<(Category, Option<String>), Vec<&Mapping>> = BTreeMap::new();
    for m in all.iter().filter(|m| is_decision(m)) {
        groups
            .entry((m.category, m.version_label.clone()))
            .or_default()
            .push(m);
    }
    let mut by_kind: BTreeMap<Category, Tally> = BTreeMap::new();
    let mut no_version: BTreeMap<Category, usize> = BTreeMap::new();
    let mut labelled: Vec<Labelled> = Vec::new();
    for ((kind, label), ms) in &groups {
        let version = resolve_version(&store, label.as_deref(), Some(*kind))
            .or_else(|_| resolve_version(&store, None, Some(*kind)));
        let Ok(v) = version else {
            *no_version.entry(*kind).or_default() += ms.len();
            continue;
        };
        let m = open_matcher(ctx, &store, &v)?;
        let bar = ctx.bar(
            ms.len() as u64,
            &tr!("calibrate.bar", kind = kind_name(*kind), label = v.label),
        );
        let (got, tally) = label_decisions(&store, &m, ms, &|n| bar.inc(n))?;
        bar.finish_and_clear();
        let t = by_kind.entry(*kind).or_default();
        t.right += tally.right;
        t.wrong += tally.wrong;
        t.no_candidate += tally.no_candidate;
        t.rejected_other += tally.rejected_other;
        labelled.extend(got);
    }
    if !ctx.json {
        if groups.is_empty() {
            println!("{}", tr!("calibrate.none"));
        }
        for (kind, t) in &by_kind {
            println!(
                "{}",
                tr!(
                    "calibrate.kind",
                    kind = kind_name(*kind),
                    right = t.right,
                    wrong = t.wrong,
                    skipped = t.no_candidate + t.rejected_other,
                    none = t.no_candidate,
                    other = t.rejected_other
                )
            );
        }
        for (kind, n) in &no_version {
            println!(
                "{}",
                tr!("calibrate.no_version", kind = kind_name(*kind), n = n)
            );
        }
    }
    let kinds: Vec<String> = by_kind
        .iter()
        .map(|(k, t)| format!("{} {}/{}", k.label_zh(), t.right, t.wrong))
        .collect();
    let fitted_on = format!(
        "本库的已审核决定 (mulu calibrate, {}): {}（正确/错误）",
        chrono::Utc::now().format("%Y-%m-%d"),
        kinds.join("、")
    );
    let data: Vec<(Example, bool)> = labelled
        .iter()
        .map(|l| (l.example.clone(), l.right))
        .collect();
    let refused = |e: matcher::calibrate::CalibrateError| {
        anyhow::Error::new(e).context(tr!("calibrate.refused"))
    };
    // Pulled towards the shipped model, not towards 0: the decisions move
    // the weights they speak to (the shipped fit saw thousands of pairs), as
    // far as cross-validation on them says the pull predicts held-out ones.
    // Always from the shipped model, so a second run does not count the
    // same decisions twice.
    let model = FieldModel::shipped()
        .refit_cross_validated(&data, &fitted_on)
        .map_err(refused)?;
    let points: Vec<(f64, bool)> = labelled.iter().map(|l| (l.score, l.right)).collect();
    let platt = Calibration::fit(&points, &fitted_on).map_err(refused)?;

    let mut rel = BTreeMap::new();
    rel.insert("refitted", reliability(&model, &data));
    rel.insert("shipped", reliability(&FieldModel::shipped(), &data));
    let fm_path = ctx.home.join(FIELD_MODEL_FILE);
    let cal_path = ctx.home.join(FILE);
    let mut written = Vec::new();
    if !args.dry_run {
        std::fs::create_dir_all(&ctx.home)?;
        write_atomically(&fm_path, &serde_json::to_vec_pretty(&model)?)?;
        write_atomically(&cal_path, &serde_json::to_vec_pretty(&platt)?)?;
        written = vec![
            fm_path.display().to_string(),
            cal_path.display().to_string(),
        ];
    }
    if ctx.json {
        ctx.print_json(&Report {
            by_kind: by_kind.iter().map(|(k, t)| (k.to_string(), *t)).collect(),
            no_version: no_version
                .iter()
                .map(|(k, n)| (k.to_string(), *n))
                .collect(),
            field_model: &model,
            calibration: &platt,
            in_sample: true,
            reliability: rel,
            dry_run: args.dry_run,
            written,
        })?;
        return Ok(0);
    }
    println!(
        "{}",
        tr!(
            "calibrate.fitted",
            n = data.len(),
            right = model.right,
            wrong = model.wrong,
            features = model.weights.len(),
            lambda = model.lambda
        )
    );
    // A kind with a model of its own keeps it until the hospital has enough
    // decisions of that kind: say so, or the clerk expects it re-fitted.
    let shipped = FieldModel::shipped();
    for (feature, own) in &model.by_category {
        let kind = feature.strip_prefix("类别:").unwrap_or(feature);
        let of_kind: Vec<&(Example, bool)> = data
            .iter()
            .filter(|(e, _)| e.x.contains_key(feature))
            .collect();
        let wrong = of_kind.iter().filter(|(_, ok)| !ok).count();
        if shipped.by_category.get(feature) == Some(own) {
            println!(
                "{}",
                tr!(
                    "calibrate.own_kept",
                    kind = kind,
                    n = of_kind.len(),
                    wrong = wrong,
                    min = matcher::calibrate::MIN_PAIRS,
                    min_each = matcher::calibrate::MIN_EACH
                )
            );
        } else {
            println!(
                "{}",
                tr!("calibrate.own_refitted", kind = kind, n = of_kind.len())
            );
        }
    }
    println!("{}", tr!("calibrate.reliability"));
    let (re, sh) = (&rel["refitted"], &rel["shipped"]);
    println!("{}", tr!("calibrate.bins_head"));
    print_bins(&re.bins);
    println!(
        "{}",
        tr!(
            "calibrate.ece",
            refit = format!("{:.1}", re.ece_pts),
            shipped = format!("{:.1}", sh.ece_pts)
        )
    );
    println!(
        "{}",
        tr!(
            "calibrate.high",
            n = re.high,
            ok = re.high_right,
            sn = sh.high,
            sok = sh.high_right
        )
    );
    println!(
        "{}",
        tr!(
            "calibrate.platt",
            a = format!("{:.4}", platt.a),
            b = format!("{:.4}", platt.b)
        )
    );
    let key = if args.dry_run {
        "calibrate.dry_run"
    } else {
        "calibrate.written"
    };
    println!(
        "{}",
        tr!(key, fm = fm_path.display(), cal = cal_path.display())
    );
    Ok(0)
}
