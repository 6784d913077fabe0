//! Latency summaries for benchmark reports.

use serde::Serialize;
use std::time::Duration;

#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    pub count: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Latency {
    pub fn from_samples(mut samples: Vec<Duration>) -> Latency {
        samples.sort();
        let n = samples.len();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let at = |q: f64| {
            if n == 0 {
                0.0
            } else {
                ms(samples[((n as f64 - 1.0) * q).round() as usize])
            }
        };
        let mean = if n == 0 {
            0.0
        } else {
            samples.iter().map(|d| ms(*d)).sum::<f64>() / n as f64
        };
        Latency {
            count: n,
            p50_ms: at(0.50),
            p90_ms: at(0.90),
            p99_ms: at(0.99),
            max_ms: at(1.0),
            mean_ms: mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_a_known_distribution() {
        let s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::from_samples(s);
        assert_eq!(l.count, 100);
        assert!((l.p50_ms - 50.0).abs() <= 1.0, "{l:?}");
        assert!((l.p99_ms - 99.0).abs() <= 1.0, "{l:?}");
        assert_eq!(l.max_ms, 100.0);
        assert!((l.mean_ms - 50.5).abs() < 1e-9);
        assert_eq!(Latency::from_samples(vec![]).count, 0);
    }
}
