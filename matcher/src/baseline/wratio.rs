//! RapidFuzz's `WRatio` (the scorer a Python engineer reaches for first),
//! rebuilt on `rapidfuzz::fuzz::ratio` (the Indel similarity RapidFuzz uses):
//! the best of the plain ratio, the best-aligned window of the shorter text
//! inside the longer (`partial_ratio`) and the word-order-free ratios, each
//! scaled the way RapidFuzz scales them. Scores are 0..100.

use rapidfuzz::fuzz::{ratio, RatioBatchComparator};

const UNBASE_SCALE: f64 = 0.95;

/// A query prepared once and compared with many choices.
pub struct WRatio {
    chars: Vec<char>,
    batch: RatioBatchComparator<char>,
    sorted: Vec<char>,
}

fn sorted_tokens(s: &[char]) -> Vec<char> {
    let text: String = s.iter().collect();
    let mut words: Vec<&str> = text.split_whitespace().collect();
    words.sort_unstable();
    words.join(" ").chars().collect()
}

/// The shorter text slid over the longer; the best window's ratio (0..1).
fn partial(short: &[char], long: &[char]) -> f64 {
    if short.is_empty() {
        return 0.0;
    }
    if short.len() > long.len() {
        return partial(long, short);
    }
    let m = short.len();
    let cmp = RatioBatchComparator::new(short.iter().copied());
    let mut best: f64 = 0.0;
    for start in 0..=(long.len() - m) {
        best = best.max(cmp.similarity(long[start..start + m].iter().copied()));
        if best >= 1.0 {
            break;
        }
    }
    best
}

fn token_set(a: &str, b: &str) -> f64 {
    let wa: std::collections::BTreeSet<&str> = a.split_whitespace().collect();
    let wb: std::collections::BTreeSet<&str> = b.split_whitespace().collect();
    let common: Vec<&str> = wa.intersection(&wb).copied().collect();
    if common.is_empty() {
        return 0.0;
    }
    let join = |v: Vec<&str>| v.join(" ");
    let inter = join(common.clone());
    let da = join(wa.difference(&wb).copied().collect());
    let db = join(wb.difference(&wa).copied().collect());
    if da.is_empty() || db.is_empty() {
        return 1.0;
    }
    let ca = format!("{inter} {da}");
    let cb = format!("{inter} {db}");
    ratio(ca.chars(), cb.chars())
        .max(ratio(inter.chars(), ca.chars()))
        .max(ratio(inter.chars(), cb.chars()))
}

impl WRatio {
    /// Prepare `query` (already folded by the caller).
    pub fn new(query: &str) -> WRatio {
        let chars: Vec<char> = query.chars().collect();
        WRatio {
            batch: RatioBatchComparator::new(chars.clone()),
            sorted: sorted_tokens(&chars),
            chars,
        }
    }

    /// Length of the prepared query in characters.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// True when the query is empty.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// WRatio of the query and `choice`, 0..100.
    pub fn score(&self, choice: &str) -> f64 {
        let c: Vec<char> = choice.chars().collect();
        if c.is_empty() || self.chars.is_empty() {
            return 0.0;
        }
        let (l1, l2) = (self.chars.len() as f64, c.len() as f64);
        let len_ratio = l1.max(l2) / l1.min(l2);
        let base = self.batch.similarity(c.iter().copied());
        let q: String = self.chars.iter().collect();
        let tokens = || {
            let cs = sorted_tokens(&c);
            ratio(self.sorted.iter().copied(), cs.iter().copied()).max(token_set(&q, choice))
        };
        let best = if len_ratio < 1.5 {
            base.max(tokens() * UNBASE_SCALE)
        } else {
            let scale = if len_ratio <= 8.0 { 0.9 } else { 0.6 };
            let p = partial(&self.chars, &c) * scale;
            let pt = partial(&self.sorted, &sorted_tokens(&c)) * UNBASE_SCALE * scale;
            base.max(p).max(pt)
        };
        best * 100.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_scores_100_and_containment_scores_high() {
        let w = WRatio::new("阿莫西林胶囊");
        assert_eq!(w.score("阿莫西林胶囊"), 100.0);
        // The whole query inside a longer choice: partial ratio, scaled 0.9.
        let inside = w.score("阿莫西林胶囊(阿莫仙)0.25g*24粒");
        assert!((inside - 90.0).abs() < 1e-9, "{inside}");
        assert!(w.score("头孢克肟片") < 30.0);
        assert_eq!(w.score(""), 0.0);
    }

    #[test]
    fn word_order_does_not_matter() {
        let w = WRatio::new("0.25g 阿莫西林胶囊");
        assert!(w.score("阿莫西林胶囊 0.25g") >= 95.0);
    }
}
