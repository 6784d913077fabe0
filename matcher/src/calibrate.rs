//! Calibration of the matcher's score into the probability that the best
//! candidate is right: a logistic (Platt) model over the score's log-odds,
//! `p = sigmoid(a · logit(score) + b)`, fitted on labelled pairs. The shipped
//! parameters (`data/calibration.json`) were fitted on the corpus family's
//! labelled dictionaries (the hisgen family stays held out for judging);
//! `mulu calibrate` re-fits them on a store's reviewed decisions and writes
//! `<home>/calibration.json`, which `mulu eval` then reports with. The
//! matcher's own probability and its promotion to "high" come from the
//! per-field model ([`fields`]), which `mulu calibrate` re-fits at the same
//! time into `<home>/field_model.json`.

use serde::{Deserialize, Serialize};
use std::path::Path;

pub mod fields;
pub use fields::{
    BadModelFile, Example, FieldModel, CATEGORY_MIN_PAIRS, CATEGORY_MIN_WRONG, FIELD_MODEL_FILE,
};

/// The parameters shipped with the program.
const SHIPPED: &str = include_str!("../../data/calibration.json");
/// Fewest labelled pairs a fit accepts.
pub const MIN_PAIRS: usize = 50;
/// Fewest right and fewest wrong pairs a fit accepts: with fewer of either,
/// the slope is not identified and the fit would say "always" or "never".
pub const MIN_EACH: usize = 10;
/// The calibrated probability the high tier asks for (estimated error < 0.5%).
pub const HIGH_PROBABILITY: f64 = 0.995;
/// The file `mulu calibrate` writes under the home.
pub const FILE: &str = "calibration.json";

/// Fitted calibration parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Slope on the score's log-odds.
    pub a: f64,
    /// Intercept.
    pub b: f64,
    /// What the parameters were fitted on.
    pub fitted_on: String,
    /// Labelled pairs used: right, wrong.
    pub right: u64,
    /// Wrong pairs used.
    pub wrong: u64,
}

/// Why a fit was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalibrateError {
    /// Too few labelled pairs, or too few of one kind.
    #[error(
        "已审核的决定太少，无法重新校准：正确 {right} 条、错误 {wrong} 条（至少需要 {MIN_PAIRS} 条，且正确与错误各至少 {MIN_EACH} 条）；继续审核后再运行 (too few reviewed decisions to calibrate: {right} right, {wrong} wrong)"
    )]
    TooFew {
        /// Approved pairs.
        right: usize,
        /// Rejected or replaced pairs.
        wrong: usize,
    },
    /// Every labelled pair has the same features: no model can tell the
    /// right ones from the wrong ones, a fit would only learn the base rate.
    #[error(
        "已审核决定的特征全部相同（{pairs} 条，正确与错误的证据无差别），拟合出的模型无法区分对错；请在更多样的条目上审核后再运行 (every reviewed decision has the same features: a model cannot tell right from wrong)"
    )]
    Degenerate {
        /// Labelled pairs.
        pairs: usize,
    },
    /// The fit did not reach its optimum.
    #[error(
        "拟合在 {iterations} 次迭代后仍未收敛（梯度 {gradient:.2e}），结果不可靠 (the fit did not converge)"
    )]
    NotConverged {
        /// Newton steps taken.
        iterations: usize,
        /// The largest gradient component left, per pair.
        gradient: f64,
    },
}

fn logit(score: f64) -> f64 {
    let s = score.clamp(1e-6, 1.0 - 1e-6);
    (s / (1.0 - s)).ln()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Calibration {
    /// The parameters shipped in `data/calibration.json`.
    pub fn shipped() -> Calibration {
        serde_json::from_str(SHIPPED).expect("data/calibration.json is valid (tested)")
    }

    /// The home's own parameters when `mulu calibrate` wrote valid ones,
    /// else the shipped ones.
    pub fn load(home: &Path) -> Calibration {
        std::fs::read_to_string(home.join(FILE))
            .ok()
            .and_then(|t| serde_json::from_str::<Calibration>(&t).ok())
            .filter(|c| c.a.is_finite() && c.b.is_finite())
            .unwrap_or_else(Calibration::shipped)
    }

    /// The calibrated probability that a candidate with this matcher score is right.
    pub fn probability(&self, score: f64) -> f64 {
        sigmoid(self.a * logit(score) + self.b)
    }

    /// Fit on (matcher score, was it right) pairs by Newton's method on the
    /// log-likelihood, with a weak pull towards the identity (a = 1, b = 0)
    /// so that separable data gives a finite slope. Refuses on too few pairs.
    pub fn fit(points: &[(f64, bool)], fitted_on: &str) -> Result<Calibration, CalibrateError> {
        let right = points.iter().filter(|p| p.1).count();
        let wrong = points.len() - right;
        if points.len() < MIN_PAIRS || right < MIN_EACH || wrong < MIN_EACH {
            return Err(CalibrateError::TooFew { right, wrong });
        }
        let xs: Vec<(f64, f64)> = points
            .iter()
            .map(|&(s, ok)| (logit(s), if ok { 1.0 } else { 0.0 }))
            .collect();
        let lambda = 1.0;
        let loss = |a: f64, b: f64| -> f64 {
            let mut l = 0.5 * lambda * ((a - 1.0).powi(2) + b * b);
            for &(x, y) in &xs {
                let z = a * x + b;
                // log(1 + e^z) - y·z, computed without overflow.
                l += z.max(0.0) + (-z.abs()).exp().ln_1p() - y * z;
            }
            l
        };
        let (mut a, mut b) = (1.0f64, 0.0f64);
        for _ in 0..100 {
            // Gradient and Hessian of the penalised negative log-likelihood.
            let (mut ga, mut gb) = (lambda * (a - 1.0), lambda * b);
            let (mut haa, mut hab, mut hbb) = (lambda, 0.0, lambda);
            for &(x, y) in &xs {
                let p = sigmoid(a * x + b);
                let w = (p * (1.0 - p)).max(1e-12);
                ga += (p - y) * x;
                gb += p - y;
                haa += w * x * x;
                hab += w * x;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-12 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            // Halve the Newton step until the loss falls (a full step can
            // overshoot where the sigmoid saturates).
            let before = loss(a, b);
            let mut t = 1.0;
            while t > 1e-6 && loss(a - t * da, b - t * db) > before {
                t /= 2.0;
            }
            a -= t * da;
            b -= t * db;
            if (t * da).abs() < 1e-9 && (t * db).abs() < 1e-9 {
                break;
            }
        }
        Ok(Calibration {
            a: (a * 1e6).round() / 1e6,
            b: (b * 1e6).round() / 1e6,
            fitted_on: fitted_on.to_string(),
            right: right as u64,
            wrong: wrong as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_parameters_parse_and_are_monotone() {
        let c = Calibration::shipped();
        assert!(c.a > 0.0, "{c:?}");
        assert!(c.probability(0.99) > c.probability(0.5));
        assert!(c.probability(0.5) > c.probability(0.01));
    }

    #[test]
    fn a_handful_of_decisions_is_refused() {
        let few: Vec<(f64, bool)> = (0..8).map(|i| (0.9, i % 2 == 0)).collect();
        let e = Calibration::fit(&few, "x").unwrap_err();
        assert_eq!(e, CalibrateError::TooFew { right: 4, wrong: 4 });
        assert!(e.to_string().contains("已审核的决定太少"));
        // Many pairs, but all approvals: no slope can be learnt.
        let one_sided: Vec<(f64, bool)> = (0..200).map(|_| (0.97, true)).collect();
        assert!(Calibration::fit(&one_sided, "x").is_err());
    }

    #[test]
    fn an_overconfident_score_is_pulled_down() {
        // Scores of 0.99 that are right only 80% of the time, 0.5 right 20%.
        let mut pts = Vec::new();
        for i in 0..500 {
            pts.push((0.99, i % 5 != 0));
            pts.push((0.5, i % 5 == 0));
        }
        let c = Calibration::fit(&pts, "synthetic").unwrap();
        assert!((c.probability(0.99) - 0.8).abs() < 0.03, "{c:?}");
        assert!((c.probability(0.5) - 0.2).abs() < 0.03, "{c:?}");
        assert_eq!((c.right, c.wrong), (500, 500));
    }
}
