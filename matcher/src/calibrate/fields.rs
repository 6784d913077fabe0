//! The per-field calibration model: a logistic regression over the evidence
//! of the best candidate — one indicator per (field, verdict) level, the
//! category, the log-odds margin to the runner-up (a rival as good is the main
//! cause of a wrong top-1) and the matcher's raw log-odds — whose output is the
//! probability that the top candidate is right.
//!
//! Fitted by Newton's method (IRLS) on the L2-penalised log-likelihood. The
//! penalty keeps every weight finite even when a level separates the data
//! perfectly (a feature seen only on right pairs would otherwise run to +∞).
//! Written here rather than taken from a crate: the fit is ~60 lines over a
//! few dozen features, and linfa/smartcore would pull ndarray/BLAS for it.

use super::{CalibrateError, MIN_EACH, MIN_PAIRS};
use crate::result::{Evidence, Verdict};
use catalog_core::Category;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file under the home where `mulu calibrate` writes the model it
/// re-fitted on the store's reviewed decisions; every matcher opened for
/// that home uses it instead of the shipped one.
pub const FIELD_MODEL_FILE: &str = "field_model.json";
/// Newton steps a fit may take; a few dozen features converge in under ten.
const MAX_ITERATIONS: usize = 50;
/// Largest gradient component per pair a converged fit may leave.
const GRADIENT_TOLERANCE: f64 = 1e-6;

/// The home's model file exists but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct BadModelFile {
    /// The file.
    pub path: PathBuf,
    /// Why it cannot be used.
    pub reason: String,
}

/// The format number written into `calibration.json` by this model (the
/// one-scalar Platt parameters have no `format` field).
pub const FORMAT: u32 = 2;
/// The L2 penalties [`FieldModel::fit_cross_validated`] chooses from.
pub const LAMBDA_GRID: &[f64] = &[0.03, 0.1, 0.3, 1.0, 3.0];
/// The penalty when no fold could be fitted (too few pairs in a fold).
const DEFAULT_LAMBDA: f64 = 1.0;
/// Folds of the cross-validation.
const FOLDS: usize = 5;
/// Margins above this many log-odds all mean "no rival".
const MARGIN_CAP: f64 = 8.0;
/// Raw log-odds are clamped to ±this before scaling.
const LOGIT_CAP: f64 = 12.0;

/// What the model sees of one match: its features by name, each 0..1 or a
/// scaled continuous value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Example {
    /// Feature name → value; absent means 0.
    pub x: BTreeMap<String, f64>,
    /// How many candidates share the best one's very log-odds (0 or 1: no
    /// tie). Not a feature: nothing tells such rows apart, so the chance
    /// that the first of them is the right one is at most 1 in this many.
    pub tied_best: u32,
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Agree => "agree",
        Verdict::Partial => "partial",
        Verdict::Disagree => "disagree",
        Verdict::Missing => "missing",
    }
}

impl Example {
    /// The features of a best candidate: its evidence, the category matched
    /// against, the log-odds gap to the runner-up (`None` when there is no
    /// runner-up) and its raw log-odds.
    pub fn new(
        evidence: &[Evidence],
        category: Option<Category>,
        margin: Option<f64>,
        logit: f64,
    ) -> Example {
        let mut x = BTreeMap::new();
        for e in evidence {
            // A qualifier conflict is in the log-odds and keeps the row out
            // of "high"; the few pairs that carry it on their best candidate
            // gave it a positive weight of its own (+3.6 in a first fit).
            if e.field == "限定词" {
                continue;
            }
            x.insert(format!("{}:{}", e.field, verdict_name(e.verdict)), 1.0);
        }
        if let Some(c) = category {
            x.insert(format!("类别:{}", c.label_zh()), 1.0);
        }
        let m = margin.unwrap_or(MARGIN_CAP).clamp(0.0, MARGIN_CAP) / MARGIN_CAP;
        x.insert("margin".into(), m);
        // A rival within one log-odds is the typical confusable pair.
        if margin.is_some_and(|m| m < 1.0) {
            x.insert("margin<1".into(), 1.0);
        }
        x.insert(
            "logit".into(),
            logit.clamp(-LOGIT_CAP, LOGIT_CAP) / LOGIT_CAP,
        );
        Example { x, tied_best: 0 }
    }
}

/// The penalty of [`LAMBDA_GRID`] whose fits, by `fit`, best predict the
/// pairs held out (5 folds by position); [`DEFAULT_LAMBDA`] when no penalty
/// can be fitted on every fold (too few pairs of one kind in a fold).
fn cross_validated_lambda(
    data: &[(Example, bool)],
    fit: impl Fn(&[(Example, bool)], f64) -> Result<FieldModel, CalibrateError>,
) -> f64 {
    let mut best: Option<(f64, f64)> = None;
    for &lambda in LAMBDA_GRID {
        let mut loss = 0.0;
        let mut fitted_every_fold = true;
        for fold in 0..FOLDS {
            let train: Vec<(Example, bool)> = data
                .iter()
                .enumerate()
                .filter(|(i, _)| i % FOLDS != fold)
                .map(|(_, d)| d.clone())
                .collect();
            let Ok(m) = fit(&train, lambda) else {
                fitted_every_fold = false;
                break;
            };
            for (_, (e, right)) in data.iter().enumerate().filter(|(i, _)| i % FOLDS == fold) {
                let p = m.probability(e).clamp(1e-9, 1.0 - 1e-9);
                loss -= if *right { p.ln() } else { (1.0 - p).ln() };
            }
        }
        if fitted_every_fold && best.is_none_or(|(l, _)| loss < l) {
            best = Some((loss, lambda));
        }
    }
    best.map_or(DEFAULT_LAMBDA, |(_, l)| l)
}

/// The feature of `唯一同名` (`score::unique_name_evidence`).
const UNIQUE_NAME: &str = "唯一同名:agree";

/// Whether the example was matched against a category whose items the
/// standard names (`record::whole_name_kind`: services, diagnoses,
/// procedures, herbs), read from its category feature.
fn names_items(e: &Example) -> bool {
    Category::ALL.into_iter().any(|c| {
        crate::record::whole_name_kind(Some(c))
            && e.x.contains_key(&format!("类别:{}", c.label_zh()))
    })
}

/// The model shipped in `data/field_model.json`, fitted on the corpus family
/// (family A, its kinds pooled) and, with a model of their own, the real
/// ICD correspondence's diagnoses and procedures; judged on the independent `hisgen` family
/// and real rows (docs/benchmarks.md).
const SHIPPED: &str = include_str!("../../../data/field_model.json");

/// Fitted per-field parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldModel {
    /// Always [`FORMAT`].
    pub format: u32,
    /// Intercept.
    pub bias: f64,
    /// Feature name → weight; a feature never seen in fitting is absent (0).
    pub weights: BTreeMap<String, f64>,
    /// The L2 penalty used.
    pub lambda: f64,
    /// What the parameters were fitted on.
    pub fitted_on: String,
    /// Right pairs used.
    pub right: u64,
    /// Wrong pairs used.
    pub wrong: u64,
    /// A model of their own for the kinds that had enough pairs, by their
    /// category feature (`类别:疾病诊断(ICD-10医保版)`). One logistic model
    /// over every kind shares each weight and bias between them: the
    /// thousands of real diagnoses then set the intercept the procedures
    /// and drugs get too. The others use this model.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_category: BTreeMap<String, FieldModel>,
}

/// Pairs a kind needs for a model of its own
/// ([`FieldModel::fit_cross_validated`]); fewer share the pooled model.
pub const CATEGORY_MIN_PAIRS: usize = 2000;
/// Wrong pairs among them a kind needs for a model of its own: the slopes
/// of its rare disagreements are not identified by fewer.
pub const CATEGORY_MIN_WRONG: usize = 50;

/// The category feature of an example (`类别:…`), if any.
fn category_of(e: &Example) -> Option<&str> {
    e.x.keys()
        .find(|k| k.starts_with("类别:"))
        .map(String::as_str)
}

/// The pairs by category feature (`""` for those without one), in name order.
fn by_category(data: &[(Example, bool)]) -> BTreeMap<String, Vec<(Example, bool)>> {
    let mut out: BTreeMap<String, Vec<(Example, bool)>> = BTreeMap::new();
    for d in data {
        out.entry(category_of(&d.0).unwrap_or("").to_string())
            .or_default()
            .push(d.clone());
    }
    out
}

/// Whether a kind's pairs are enough for a model of its own.
fn enough_for_own(pairs: &[(Example, bool)]) -> bool {
    let wrong = pairs.iter().filter(|d| !d.1).count();
    pairs.len() >= CATEGORY_MIN_PAIRS && wrong >= CATEGORY_MIN_WRONG
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Solve `a · x = b` (a symmetric positive definite, made so by the penalty)
/// by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        for r in c + 1..n {
            let f = a[r][c] / a[c][c];
            if f != 0.0 {
                let (top, bottom) = a.split_at_mut(r);
                for (x, p) in bottom[0][c..].iter_mut().zip(&top[c][c..]) {
                    *x -= f * p;
                }
                b[r] -= f * b[c];
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

impl FieldModel {
    /// The parameters shipped in `data/field_model.json`.
    pub fn shipped() -> FieldModel {
        serde_json::from_str(SHIPPED).expect("data/field_model.json is valid (tested)")
    }

    /// Why these parameters cannot be used, if they cannot: another format
    /// number, or a weight, intercept or penalty that is not a finite number.
    pub fn check(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!(
                "格式号 {} 不是 {FORMAT} (format {} is not {FORMAT})",
                self.format, self.format
            ));
        }
        let bad = [("bias", self.bias), ("lambda", self.lambda)]
            .into_iter()
            .chain(self.weights.iter().map(|(k, w)| (k.as_str(), *w)))
            .find(|(_, v)| !v.is_finite());
        if let Some((name, _)) = bad {
            return Err(format!(
                "参数 {name} 不是有限数 (parameter {name} is not a finite number)"
            ));
        }
        for (c, m) in &self.by_category {
            if !m.by_category.is_empty() {
                return Err(format!(
                    "{c} 的模型又按类别分 (the model of {c} is itself split by category)"
                ));
            }
            m.check().map_err(|e| format!("{c}: {e}"))?;
        }
        Ok(())
    }

    /// The home's own model (`<home>/field_model.json`, written by
    /// `mulu calibrate`): `Ok(None)` when there is no such file, an error
    /// naming the file when it is there but unreadable, not a model, or
    /// fails [`FieldModel::check`]. Callers fall back to [`FieldModel::shipped`].
    pub fn from_home(home: &Path) -> Result<Option<FieldModel>, BadModelFile> {
        let path = home.join(FIELD_MODEL_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(BadModelFile {
                    path,
                    reason: format!("无法读取 (unreadable): {e}"),
                })
            }
        };
        let model: FieldModel = match serde_json::from_str(&text) {
            Ok(m) => m,
            Err(e) => {
                return Err(BadModelFile {
                    path,
                    reason: format!("不是逐字段校准模型 (not a per-field model): {e}"),
                })
            }
        };
        match model.check() {
            Ok(()) => Ok(Some(model)),
            Err(reason) => Err(BadModelFile { path, reason }),
        }
    }

    /// The probability that the top candidate described by `e` is right:
    /// by the model of its kind when there is one.
    pub fn probability(&self, e: &Example) -> f64 {
        match category_of(e).and_then(|c| self.by_category.get(c)) {
            Some(m) => m.own_probability(e),
            None => self.own_probability(e),
        }
    }

    fn own_probability(&self, e: &Example) -> f64 {
        let w = |k: &str| self.weights.get(k).copied().unwrap_or(0.0);
        let p = sigmoid(self.bias + e.x.iter().map(|(k, v)| w(k) * v).sum::<f64>());
        if e.tied_best > 1 && !e.x.contains_key("名称:agree") {
            return p.min(1.0 / f64::from(e.tied_best));
        }
        if e.tied_best > 1 {
            // Rows with the very same evidence, the name agreeing: the chance
            // that the right row is among them is the chance for one such row
            // with no rival, and each of them is it equally likely. (Without
            // the name the rival's margin still says the match is weak.)
            let mut z = self.bias
                + e.x
                    .iter()
                    .filter(|(k, _)| !k.starts_with("margin"))
                    .map(|(k, v)| w(k) * v)
                    .sum::<f64>()
                + w("margin");
            // Where the standard names the items, that row alone would carry
            // the name, and so would also score `唯一同名`.
            if names_items(e) && !e.x.contains_key(UNIQUE_NAME) {
                let logit = e.x.get("logit").copied().unwrap_or(0.0);
                let alone = (logit + crate::score::UNIQUE_NAME_WEIGHT / LOGIT_CAP).min(1.0);
                z += w(UNIQUE_NAME) + w("logit") * (alone - logit);
            }
            return sigmoid(z) / f64::from(e.tied_best);
        }
        p
    }

    /// Fit on (features, was the top candidate right). Refuses on too few
    /// pairs or too few of either kind (the slope would not be identified),
    /// on pairs whose features are all the same (a degenerate model that
    /// only knows the base rate), and when Newton's method does not
    /// converge. `lambda` is the L2 penalty on the weights (not the intercept).
    pub fn fit(
        data: &[(Example, bool)],
        lambda: f64,
        fitted_on: &str,
    ) -> Result<FieldModel, CalibrateError> {
        Self::fit_with(data, lambda, None, fitted_on, MAX_ITERATIONS)
    }

    /// [`FieldModel::fit`] with the penalty chosen from [`LAMBDA_GRID`] by
    /// 5-fold cross-validation (held-out log-loss; folds by position, so
    /// the choice is reproducible). A fixed penalty shrinks a level that
    /// is nearly always right (an identical diagnosis name) towards the
    /// base rate, and the model then says 97% where 100% are right; the
    /// data, not a typed-in constant, decide how far to trust each level.
    ///
    /// A kind with [`CATEGORY_MIN_PAIRS`] pairs and [`CATEGORY_MIN_WRONG`]
    /// wrong ones gets a model of its own, fitted the same way on its pairs
    /// alone; the pooled model is then fitted on the other kinds' pairs (on
    /// all of them when every kind has its own), and serves the kinds with
    /// none, so no kind's intercept is set by another's numbers.
    pub fn fit_cross_validated(
        data: &[(Example, bool)],
        fitted_on: &str,
    ) -> Result<FieldModel, CalibrateError> {
        let one = |d: &[(Example, bool)], on: &str| -> Result<FieldModel, CalibrateError> {
            let lambda = cross_validated_lambda(d, |train, l| Self::fit(train, l, on));
            Self::fit(d, lambda, on)
        };
        let mut own = BTreeMap::new();
        let mut rest = Vec::new();
        for (c, pairs) in by_category(data) {
            if !c.is_empty() && enough_for_own(&pairs) {
                own.insert(c.clone(), one(&pairs, &format!("{fitted_on} [{c}]"))?);
            } else {
                rest.extend(pairs);
            }
        }
        // The other kinds' pairs, when they are enough to fit; else all.
        let mut pooled = match (own.is_empty(), rest.is_empty()) {
            (true, _) | (false, true) => one(data, fitted_on)?,
            (false, false) => match one(&rest, &format!("{fitted_on} [其余类别 other kinds]")) {
                Ok(m) => m,
                Err(CalibrateError::TooFew { .. }) => one(data, fitted_on)?,
                Err(e) => return Err(e),
            },
        };
        pooled.by_category = own;
        Ok(pooled)
    }

    /// [`FieldModel::refit`] with the penalty chosen the same way: how far
    /// a hospital's decisions may pull the weights from this model is
    /// decided by how well each pull predicts the decisions held out.
    ///
    /// Each kind with a model of its own is re-fitted on that kind's pairs
    /// alone, the pooled model on the pairs of the other kinds, each when
    /// its pairs are enough for [`FieldModel::refit`] (and kept as it is
    /// otherwise): a hospital's diagnoses then move neither its drugs'
    /// intercept nor the other way round. When no part has pairs enough on
    /// its own, all of them re-fit the pooled model (and it refuses as
    /// `refit` does).
    pub fn refit_cross_validated(
        &self,
        data: &[(Example, bool)],
        fitted_on: &str,
    ) -> Result<FieldModel, CalibrateError> {
        let one = |m: &FieldModel, d: &[(Example, bool)], on: &str| {
            let lambda = cross_validated_lambda(d, |train, l| m.refit(train, l, on));
            m.refit(d, lambda, on)
        };
        let mut base = self.clone();
        base.by_category.clear();
        // A part too small or too uniform to fit is kept as it is.
        let skip = |e: &CalibrateError| {
            matches!(
                e,
                CalibrateError::TooFew { .. } | CalibrateError::Degenerate { .. }
            )
        };
        let mut out = base.clone();
        out.by_category = self.by_category.clone();
        let mut refitted = false;
        let mut rest = Vec::new();
        for (c, pairs) in by_category(data) {
            let Some(own) = self.by_category.get(&c) else {
                rest.extend(pairs);
                continue;
            };
            match one(own, &pairs, &format!("{fitted_on} [{c}]")) {
                Ok(m) => {
                    out.by_category.insert(c, m);
                    refitted = true;
                }
                Err(e) if skip(&e) => {}
                Err(e) => return Err(e),
            }
        }
        if !rest.is_empty() {
            match one(&base, &rest, fitted_on) {
                Ok(m) => {
                    let by_category = std::mem::take(&mut out.by_category);
                    out = FieldModel { by_category, ..m };
                    refitted = true;
                }
                Err(e) if skip(&e) => {}
                Err(e) => return Err(e),
            }
        }
        if refitted {
            return Ok(out);
        }
        // No part has pairs enough on its own: every pair re-fits the pooled
        // model, or the refusal speaks of them all.
        let mut all = one(&base, data, fitted_on)?;
        all.by_category = self.by_category.clone();
        Ok(all)
    }

    /// Re-fit this model on new pairs (a hospital's own decisions): the same
    /// fit, but the penalty pulls each weight towards this model's instead
    /// of towards 0, so a few hundred decisions move the weights their data
    /// speak to and leave the rest where the larger fit put them. Features
    /// the new pairs never show keep this model's weight; the intercept is
    /// free. The same refusals as [`FieldModel::fit`].
    pub fn refit(
        &self,
        data: &[(Example, bool)],
        lambda: f64,
        fitted_on: &str,
    ) -> Result<FieldModel, CalibrateError> {
        Self::fit_with(data, lambda, Some(self), fitted_on, MAX_ITERATIONS)
    }

    fn fit_with(
        data: &[(Example, bool)],
        lambda: f64,
        prior: Option<&FieldModel>,
        fitted_on: &str,
        max_iterations: usize,
    ) -> Result<FieldModel, CalibrateError> {
        let right = data.iter().filter(|d| d.1).count();
        let wrong = data.len() - right;
        if data.len() < MIN_PAIRS || right < MIN_EACH || wrong < MIN_EACH {
            return Err(CalibrateError::TooFew { right, wrong });
        }
        if data.iter().all(|d| d.0 == data[0].0) {
            return Err(CalibrateError::Degenerate { pairs: data.len() });
        }
        // Column 0 is the intercept; the others in name order (deterministic).
        let names: Vec<String> = {
            let mut s: Vec<&String> = data
                .iter()
                .flat_map(|d| d.0.x.keys())
                .chain(prior.into_iter().flat_map(|p| p.weights.keys()))
                .collect();
            s.sort();
            s.dedup();
            s.into_iter().cloned().collect()
        };
        let col: BTreeMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i + 1))
            .collect();
        let rows: Vec<(Vec<(usize, f64)>, f64)> = data
            .iter()
            .map(|(e, y)| {
                let mut r = vec![(0, 1.0)];
                r.extend(e.x.iter().map(|(k, v)| (col[k.as_str()], *v)));
                (r, if *y { 1.0 } else { 0.0 })
            })
            .collect();
        let d = names.len() + 1;
        // Where the penalty pulls each weight: the prior model's, else 0.
        let centre: Vec<f64> = match prior {
            None => vec![0.0; d],
            Some(p) => std::iter::once(p.bias)
                .chain(
                    names
                        .iter()
                        .map(|n| p.weights.get(n).copied().unwrap_or(0.0)),
                )
                .collect(),
        };
        let penalty = |j: usize| if j == 0 { 1e-6 } else { lambda };
        let loss = |w: &[f64]| -> f64 {
            let mut l: f64 = (1..d)
                .map(|j| 0.5 * lambda * (w[j] - centre[j]).powi(2))
                .sum();
            for (r, y) in &rows {
                let z: f64 = r.iter().map(|&(j, v)| w[j] * v).sum();
                l += z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z;
            }
            l
        };
        // The gradient of the penalised loss, and with `hessian` its Hessian.
        let derivatives = |w: &[f64], hessian: bool| -> (Vec<f64>, Vec<Vec<f64>>) {
            let mut g: Vec<f64> = (0..d).map(|j| penalty(j) * (w[j] - centre[j])).collect();
            g[0] = 0.0;
            let n = if hessian { d } else { 0 };
            let mut h = vec![vec![0.0; n]; n];
            for (j, row) in h.iter_mut().enumerate() {
                row[j] = penalty(j);
            }
            for (r, y) in &rows {
                let p = sigmoid(r.iter().map(|&(j, v)| w[j] * v).sum());
                let s = (p * (1.0 - p)).max(1e-12);
                for &(j, vj) in r {
                    g[j] += (p - y) * vj;
                    if hessian {
                        for &(k, vk) in r {
                            h[j][k] += s * vj * vk;
                        }
                    }
                }
            }
            (g, h)
        };
        let mut w = centre.clone();
        let mut iterations = 0;
        for _ in 0..max_iterations {
            iterations += 1;
            let (g, h) = derivatives(&w, true);
            let Some(step) = solve(h, g) else { break };
            // Halve the Newton step until the loss falls.
            let before = loss(&w);
            let mut t = 1.0;
            let moved =
                |t: f64| -> Vec<f64> { w.iter().zip(&step).map(|(a, s)| a - t * s).collect() };
            while t > 1e-6 && loss(&moved(t)) > before {
                t /= 2.0;
            }
            w = moved(t);
            if step.iter().all(|s| (t * s).abs() < 1e-9) {
                break;
            }
        }
        let gradient = derivatives(&w, false)
            .0
            .iter()
            .fold(0.0f64, |m, g| m.max(g.abs()))
            / data.len() as f64;
        if gradient.is_nan() || gradient > GRADIENT_TOLERANCE || w.iter().any(|x| !x.is_finite()) {
            return Err(CalibrateError::NotConverged {
                iterations,
                gradient,
            });
        }
        let round = |x: f64| (x * 1e6).round() / 1e6;
        Ok(FieldModel {
            format: FORMAT,
            bias: round(w[0]),
            weights: names
                .into_iter()
                .zip(w[1..].iter().map(|&x| round(x)))
                .collect(),
            lambda,
            fitted_on: fitted_on.to_string(),
            right: right as u64,
            wrong: wrong as u64,
            by_category: BTreeMap::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cross_validation_trusts_a_level_the_data_show_is_nearly_always_right() {
        // 300 pairs with level `a`, all but one right; 300 without, half right.
        let data: Vec<(Example, bool)> = (0..600)
            .map(|i| {
                let mut x = BTreeMap::new();
                let with_a = i % 2 == 0;
                if with_a {
                    x.insert("a".to_string(), 1.0);
                }
                x.insert("margin".to_string(), (i % 7) as f64 / 7.0);
                let right = if with_a { i != 0 } else { i % 4 == 1 };
                (Example { x, tied_best: 0 }, right)
            })
            .collect();
        let cv = FieldModel::fit_cross_validated(&data, "t").unwrap();
        assert!(LAMBDA_GRID.contains(&cv.lambda));
        let heavy = FieldModel::fit(&data, 3.0, "t").unwrap();
        let a = Example {
            x: [("a".to_string(), 1.0), ("margin".to_string(), 0.5)].into(),
            tied_best: 0,
        };
        // Observed: 299 of 300 right. The chosen penalty comes closer to it.
        let observed = 299.0 / 300.0;
        assert!(cv.lambda < 3.0, "{}", cv.lambda);
        assert!(
            (cv.probability(&a) - observed).abs() < (heavy.probability(&a) - observed).abs(),
            "cv {} heavy {}",
            cv.probability(&a),
            heavy.probability(&a)
        );
        // Reproducible: the same data give the same model.
        assert_eq!(cv, FieldModel::fit_cross_validated(&data, "t").unwrap());
    }

    use super::*;

    /// A small deterministic generator (no test depends on an RNG crate's
    /// stream staying the same across versions).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn example(pairs: &[(&str, f64)]) -> Example {
        Example {
            x: pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            tied_best: 0,
        }
    }

    #[test]
    fn the_fit_recovers_known_weights() {
        // Labels drawn from a known model; the fit must find its weights.
        let (bias, wa, wb, wc) = (-1.0, 2.5, -1.5, 3.0);
        let mut g = Lcg(7);
        let mut data = Vec::new();
        for _ in 0..20_000 {
            let a = (g.next() < 0.5) as u8 as f64;
            let b = (g.next() < 0.3) as u8 as f64;
            let c = g.next();
            let p = sigmoid(bias + wa * a + wb * b + wc * c);
            let y = g.next() < p;
            data.push((example(&[("a", a), ("b", b), ("c", c)]), y));
        }
        let m = FieldModel::fit(&data, 1e-3, "synthetic").unwrap();
        for (k, want) in [("a", wa), ("b", wb), ("c", wc)] {
            let got = m.weights[k];
            assert!((got - want).abs() < 0.2, "{k}: {got} vs {want}; {m:?}");
        }
        assert!((m.bias - bias).abs() < 0.2, "{m:?}");
    }

    #[test]
    fn a_perfectly_separating_feature_stays_finite() {
        // "key:agree" is on every right pair and no wrong one: without the
        // penalty its weight would run off to infinity.
        let mut data = Vec::new();
        for i in 0..200 {
            let right = i % 2 == 0;
            let key = if right { 1.0 } else { 0.0 };
            data.push((example(&[("key:agree", key), ("logit", 0.3)]), right));
        }
        let m = FieldModel::fit(&data, 1.0, "separable").unwrap();
        let w = m.weights["key:agree"];
        assert!(w.is_finite() && w > 2.0 && w < 30.0, "{m:?}");
        assert!(m.bias.is_finite());
        let p = m.probability(&example(&[("key:agree", 1.0), ("logit", 0.3)]));
        assert!(p > 0.9 && p < 1.0, "{p}");
    }

    #[test]
    fn too_few_or_one_sided_decisions_are_refused() {
        let few: Vec<(Example, bool)> = (0..8)
            .map(|i| (example(&[("a", 1.0)]), i % 2 == 0))
            .collect();
        let e = FieldModel::fit(&few, 1.0, "x").unwrap_err();
        assert_eq!(e, CalibrateError::TooFew { right: 4, wrong: 4 });
        assert!(e.to_string().contains("已审核的决定太少"));
        let one_sided: Vec<(Example, bool)> =
            (0..200).map(|_| (example(&[("a", 1.0)]), true)).collect();
        assert!(FieldModel::fit(&one_sided, 1.0, "x").is_err());
    }

    /// Two kinds of decision that the features tell apart, `n` of each.
    fn two_kinds(n: usize) -> Vec<(Example, bool)> {
        let mut data = Vec::new();
        for i in 0..n {
            data.push((example(&[("名称:agree", 1.0), ("logit", 0.8)]), i % 10 != 0));
            data.push((
                example(&[("名称:partial", 1.0), ("logit", 0.2)]),
                i % 3 == 0,
            ));
        }
        data
    }

    #[test]
    fn identical_features_are_a_degenerate_fit() {
        // Enough pairs of both labels, but nothing to tell them apart.
        let same: Vec<(Example, bool)> = (0..120)
            .map(|i| (example(&[("名称:agree", 1.0), ("logit", 0.5)]), i % 4 != 0))
            .collect();
        let e = FieldModel::fit(&same, 1.0, "x").unwrap_err();
        assert_eq!(e, CalibrateError::Degenerate { pairs: 120 });
        assert!(e.to_string().contains("特征全部相同"), "{e}");
        assert!(FieldModel::fit(&two_kinds(60), 1.0, "x").is_ok());
    }

    #[test]
    fn a_fit_that_does_not_converge_is_refused() {
        let data = two_kinds(60);
        let e = FieldModel::fit_with(&data, 1.0, None, "x", 1).unwrap_err();
        assert!(
            matches!(e, CalibrateError::NotConverged { iterations: 1, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("未收敛"), "{e}");
        let m = FieldModel::fit_with(&data, 1.0, None, "x", MAX_ITERATIONS).unwrap();
        assert!(m.check().is_ok());
    }

    /// A hospital's decisions: "名称:partial" is right 80% of the time, far
    /// more often than in the larger fit; "名称:agree" 90%.
    fn hospital_decisions() -> Vec<(Example, bool)> {
        let mut local = Vec::new();
        for i in 0..100 {
            local.push((example(&[("名称:agree", 1.0), ("logit", 0.8)]), i % 10 != 0));
            local.push((
                example(&[("名称:partial", 1.0), ("logit", 0.2)]),
                i % 10 < 8,
            ));
        }
        local
    }

    #[test]
    fn a_refit_moves_the_weights_its_data_speak_to_and_keeps_the_others() {
        let mut prior = FieldModel::fit(&two_kinds(60), 1.0, "large").unwrap();
        prior.weights.insert("批准文号:agree".into(), 4.0);
        let local = hospital_decisions();
        let r = prior.refit(&local, 1.0, "本院").unwrap();
        assert_eq!(r.weights["批准文号:agree"], 4.0, "unseen here: kept");
        let partial = example(&[("名称:partial", 1.0), ("logit", 0.2)]);
        assert!(r.probability(&partial) > prior.probability(&partial) + 0.2);
        assert!((r.probability(&partial) - 0.8).abs() < 0.1, "{r:?}");
        // The same refusals as a fit.
        assert!(matches!(
            prior.refit(&local[..20], 1.0, "x"),
            Err(CalibrateError::TooFew { .. })
        ));
    }

    #[test]
    fn a_cross_validated_refit_follows_many_decisions_and_keeps_the_refusals() {
        let prior = FieldModel::fit(&two_kinds(60), 1.0, "large").unwrap();
        let local = hospital_decisions();
        let r = prior.refit_cross_validated(&local, "本院").unwrap();
        assert!(LAMBDA_GRID.contains(&r.lambda), "{}", r.lambda);
        let partial = example(&[("名称:partial", 1.0), ("logit", 0.2)]);
        let stiff = prior.refit(&local, 3.0, "本院").unwrap();
        let off = |m: &FieldModel| (m.probability(&partial) - 0.8).abs();
        // Two hundred decisions that all say the same: held out, they are
        // best predicted by a light pull towards the prior.
        assert!(off(&r) < 0.05, "{r:?}");
        assert!(off(&r) <= off(&stiff));
        assert!(matches!(
            prior.refit_cross_validated(&local[..20], "x"),
            Err(CalibrateError::TooFew { .. })
        ));
    }

    #[test]
    fn the_homes_model_is_used_only_when_valid() {
        let home = tempfile::tempdir().unwrap();
        assert!(FieldModel::from_home(home.path()).unwrap().is_none());
        let path = home.path().join(FIELD_MODEL_FILE);
        let mut m = FieldModel::fit(&two_kinds(60), 1.0, "本院").unwrap();
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        assert_eq!(FieldModel::from_home(home.path()).unwrap(), Some(m.clone()));

        std::fs::write(&path, "{ not json").unwrap();
        let e = FieldModel::from_home(home.path()).unwrap_err();
        assert_eq!(e.path, path);
        assert!(e.to_string().contains("field_model.json"), "{e}");
        assert!(e.reason.contains("不是逐字段校准模型"), "{e}");

        m.format = 1;
        std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
        let e = FieldModel::from_home(home.path()).unwrap_err();
        assert!(e.reason.contains("格式号 1"), "{e}");

        m.format = FORMAT;
        m.weights.insert("规格:agree".into(), f64::INFINITY);
        let e = m.check().unwrap_err();
        assert!(e.contains("规格:agree"), "{e}");
    }

    #[test]
    fn evidence_becomes_one_indicator_per_field_and_verdict() {
        let ev = |f: &str, v| Evidence {
            field: f.into(),
            hospital_value: String::new(),
            catalogue_value: String::new(),
            verdict: v,
            weight: 0.0,
        };
        let e = Example::new(
            &[ev("名称", Verdict::Agree), ev("规格", Verdict::Disagree)],
            Some(Category::Drug),
            Some(0.5),
            30.0,
        );
        assert_eq!(e.x["名称:agree"], 1.0);
        assert_eq!(e.x["规格:disagree"], 1.0);
        assert!(!e.x.contains_key("名称:disagree"));
        assert_eq!(e.x["margin<1"], 1.0);
        assert_eq!(e.x["logit"], 1.0, "clamped");
        assert!(e.x.keys().any(|k| k.starts_with("类别:")));
        let alone = Example::new(&[], None, None, 0.0);
        assert_eq!(alone.x["margin"], 1.0, "no runner-up = widest margin");
        assert!(!alone.x.contains_key("margin<1"));
    }

    /// A model with these weights and no intercept.
    fn model_with(weights: &[(&str, f64)]) -> FieldModel {
        FieldModel {
            format: FORMAT,
            bias: 0.0,
            weights: weights.iter().map(|(k, w)| (k.to_string(), *w)).collect(),
            lambda: 1.0,
            fitted_on: "test".into(),
            right: 100,
            wrong: 100,
            by_category: BTreeMap::new(),
        }
    }

    /// Pairs of category `c`: `n`, of which those with feature `f` are right
    /// with chance `p_f` and the others with chance `p_other`.
    fn kind(c: &str, n: usize, p_f: f64, p_other: f64, seed: u64) -> Vec<(Example, bool)> {
        let mut r = Lcg(seed);
        (0..n)
            .map(|i| {
                let with_f = i % 2 == 0;
                let mut e = example(&[(c, 1.0), ("logit", r.next())]);
                if with_f {
                    e.x.insert("f".into(), 1.0);
                }
                let right = r.next() < if with_f { p_f } else { p_other };
                (e, right)
            })
            .collect()
    }

    fn mean_p(m: &FieldModel, d: &[(Example, bool)]) -> f64 {
        d.iter().map(|(e, _)| m.probability(e)).sum::<f64>() / d.len() as f64
    }

    fn rate(d: &[(Example, bool)]) -> f64 {
        d.iter().filter(|x| x.1).count() as f64 / d.len() as f64
    }

    #[test]
    fn a_model_file_of_before_the_split_still_loads() {
        let m = FieldModel::fit(&two_kinds(60), 1.0, "旧").unwrap();
        let mut v = serde_json::to_value(&m).unwrap();
        assert!(
            v.get("by_category").is_none(),
            "an empty split is not written"
        );
        v.as_object_mut().unwrap().remove("by_category");
        let back: FieldModel = serde_json::from_value(v).unwrap();
        assert_eq!(back, m);
        assert!(back.by_category.is_empty());
    }

    #[test]
    fn a_qualifier_conflict_is_no_feature_of_its_own() {
        use crate::result::{Evidence, Verdict};
        let e = |field: &str| Evidence {
            field: field.into(),
            hospital_value: String::new(),
            catalogue_value: String::new(),
            verdict: Verdict::Disagree,
            weight: -1.5,
        };
        let x = Example::new(&[e("限定词"), e("名称")], None, None, 0.0);
        assert!(x.x.contains_key("名称:disagree"));
        assert!(!x.x.keys().any(|k| k.starts_with("限定词")), "{:?}", x.x);
    }

    #[test]
    fn a_kind_with_enough_pairs_gets_a_model_of_its_own() {
        // Thousands of pairs of one kind, mostly right, and a few hundred of
        // another, right half the time: pooled, the large kind's numbers set
        // the small one's intercept.
        let large = kind("类别:疾病诊断(ICD-10医保版)", 3000, 0.995, 0.9, 1);
        let small = kind("类别:西药中成药", 400, 0.7, 0.3, 2);
        let data: Vec<(Example, bool)> = large.iter().chain(&small).cloned().collect();
        let m = FieldModel::fit_cross_validated(&data, "t").unwrap();
        assert_eq!(
            m.by_category.keys().collect::<Vec<_>>(),
            ["类别:疾病诊断(ICD-10医保版)"]
        );
        assert!(m.check().is_ok());
        // Each kind's mean probability is its own rate of right pairs.
        assert!(
            (mean_p(&m, &small) - rate(&small)).abs() < 0.02,
            "{}",
            mean_p(&m, &small)
        );
        assert!((mean_p(&m, &large) - rate(&large)).abs() < 0.01);
        // The pooled model of old would not say so for the small kind.
        let pooled = FieldModel::fit(&data, m.lambda, "t").unwrap();
        assert!(
            (mean_p(&pooled, &small) - rate(&small)).abs()
                > (mean_p(&m, &small) - rate(&small)).abs()
        );
        // Written and read back, the same model.
        let back: FieldModel = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        // A model of a kind that is itself split is not a model.
        let mut nested = m.clone();
        let inner = nested.clone();
        nested
            .by_category
            .values_mut()
            .for_each(|x| x.by_category = inner.by_category.clone());
        assert!(nested.check().is_err());
    }

    #[test]
    fn a_refit_moves_each_kinds_model_by_that_kinds_decisions_only() {
        let c = "类别:疾病诊断(ICD-10医保版)";
        let large = kind(c, 3000, 0.995, 0.9, 3);
        let small = kind("类别:西药中成药", 400, 0.7, 0.3, 4);
        let data: Vec<(Example, bool)> = large.iter().chain(&small).cloned().collect();
        let shipped = FieldModel::fit_cross_validated(&data, "t").unwrap();
        let pooled_of = |m: &FieldModel| FieldModel {
            by_category: BTreeMap::new(),
            ..m.clone()
        };
        // A hospital's few hundred drug decisions: the pooled model follows
        // them, the diagnoses' own model is left as it was.
        let drugs = kind("类别:西药中成药", 300, 0.9, 0.6, 5);
        let r = shipped.refit_cross_validated(&drugs, "本院").unwrap();
        assert_eq!(r.by_category[c], shipped.by_category[c]);
        assert!((mean_p(&r, &drugs) - rate(&drugs)).abs() < 0.03);
        assert!((mean_p(&shipped, &drugs) - rate(&drugs)).abs() > 0.1);
        // A few hundred diagnosis decisions re-fit the diagnoses' model and
        // leave the pooled one.
        let dx = kind(c, 300, 0.9, 0.5, 6);
        let r = shipped.refit_cross_validated(&dx, "本院").unwrap();
        assert_ne!(r.by_category[c], shipped.by_category[c]);
        assert_eq!(pooled_of(&r), pooled_of(&shipped));
        assert!((mean_p(&r, &dx) - rate(&dx)).abs() < 0.03);
        // Both at once, each by its own.
        let both: Vec<(Example, bool)> = drugs.iter().chain(&dx).cloned().collect();
        let r = shipped.refit_cross_validated(&both, "本院").unwrap();
        assert!((mean_p(&r, &drugs) - rate(&drugs)).abs() < 0.03);
        assert!((mean_p(&r, &dx) - rate(&dx)).abs() < 0.03);
        // Too few of each kind but enough in all: the pooled model takes
        // them all and the kind keeps its own; too few in all is refused.
        let few: Vec<(Example, bool)> = kind(c, 40, 0.9, 0.5, 7)
            .into_iter()
            .chain(kind("类别:西药中成药", 40, 0.9, 0.5, 8))
            .collect();
        let r = shipped.refit_cross_validated(&few, "本院").unwrap();
        assert_eq!(r.by_category[c], shipped.by_category[c]);
        assert_ne!(pooled_of(&r), pooled_of(&shipped));
        assert!(matches!(
            shipped.refit_cross_validated(&few[..30], "本院"),
            Err(CalibrateError::TooFew { .. })
        ));
    }

    #[test]
    fn rows_tied_at_the_best_share_its_chance() {
        let m = model_with(&[("名称:agree", 3.0), ("margin", 1.0), ("margin<1", -4.0)]);
        let ex = |pairs: &[(&str, f64)], tied| Example {
            tied_best: tied,
            ..example(pairs)
        };
        let named = [("名称:agree", 1.0), ("margin", 0.0), ("margin<1", 1.0)];
        // Untied: the margin penalty applies as fitted.
        let p1 = m.probability(&ex(&named, 1));
        assert!((p1 - sigmoid(-1.0)).abs() < 1e-12, "{p1}");
        // Two rows with the very same evidence and the name agreeing: the
        // chance of one such row alone, shared by the two.
        let p2 = m.probability(&ex(&named, 2));
        assert!((p2 - sigmoid(4.0) / 2.0).abs() < 1e-12, "{p2}");
        let p3 = m.probability(&ex(&named, 3));
        assert!(p3 < p2);
        // Without the name, a tie only caps the chance at one in k.
        let weak = [("margin", 0.0), ("margin<1", 1.0)];
        let pw = m.probability(&ex(&weak, 2));
        assert!((pw - sigmoid(-4.0)).abs() < 1e-12, "{pw}");
        let m0 = FieldModel { bias: 5.0, ..m };
        assert!((m0.probability(&ex(&weak, 4)) - 0.25).abs() < 1e-12);
    }

    #[test]
    fn a_tied_row_of_a_standard_named_kind_is_judged_as_if_its_name_were_its_own() {
        let m = model_with(&[("名称:agree", 1.0), ("唯一同名:agree", 2.0), ("logit", 3.0)]);
        let diagnosis = format!("类别:{}", Category::Diagnosis.label_zh());
        let drug = format!("类别:{}", Category::Drug.label_zh());
        let tied = |cat: &str, logit: f64| Example {
            tied_best: 2,
            ..example(&[
                ("名称:agree", 1.0),
                (cat, 1.0),
                ("logit", logit),
                ("margin", 0.0),
            ])
        };
        let shift = crate::score::UNIQUE_NAME_WEIGHT / LOGIT_CAP;
        // A diagnosis name two rows carry: either row alone would have been
        // `唯一同名`, with that evidence's log-odds in its raw score too.
        let pd = m.probability(&tied(&diagnosis, 0.25));
        let want = sigmoid(1.0 + 2.0 + 3.0 * (0.25 + shift)) / 2.0;
        assert!((pd - want).abs() < 1e-12, "{pd} vs {want}");
        // The raw-score feature stays within its cap.
        let capped = m.probability(&tied(&diagnosis, 0.9));
        assert!(
            (capped - sigmoid(1.0 + 2.0 + 3.0) / 2.0).abs() < 1e-12,
            "{capped}"
        );
        // Drugs are not named by the standard: no such evidence to imagine.
        let pg = m.probability(&tied(&drug, 0.25));
        assert!((pg - sigmoid(1.0 + 3.0 * 0.25) / 2.0).abs() < 1e-12, "{pg}");
        assert!(pd > pg);
    }

    #[test]
    fn the_shipped_model_parses_and_orders_strong_over_weak_evidence() {
        let m = FieldModel::shipped();
        assert_eq!(m.format, FORMAT);
        assert!(m.wrong >= MIN_EACH as u64 && m.right >= MIN_EACH as u64);
        assert!(m.check().is_ok());
        // Fitted on the real ICD correspondence, the two ICD kinds have
        // their own; the others share the pooled one.
        for c in [Category::Diagnosis, Category::Procedure] {
            let own = &m.by_category[&format!("类别:{}", c.label_zh())];
            assert!(own.wrong >= CATEGORY_MIN_WRONG as u64, "{c:?}");
        }
        use crate::result::{Evidence, Verdict};
        let ev = |v: Verdict| {
            vec![Evidence {
                field: "名称".into(),
                hospital_value: String::new(),
                catalogue_value: String::new(),
                verdict: v,
                weight: 0.0,
            }]
        };
        let strong = Example::new(&ev(Verdict::Agree), Some(Category::Drug), None, 6.0);
        let weak = Example::new(
            &ev(Verdict::Disagree),
            Some(Category::Drug),
            Some(0.2),
            -1.0,
        );
        assert!(m.probability(&strong) > m.probability(&weak));
    }
}
