//! Refining a same-name block that is too large to pre-score whole.
//!
//! A generic name like `内固定` or `一次性使用无菌注射器` holds tens of
//! thousands of rows in a national consumable list. Pre-scoring all of them
//! for every item made matching 10–33 items/s. Instead, the rows of the block
//! that share a second key with the item (a spec/model token, the
//! manufacturer) are found through posting lists and intersected with the
//! block; only those — at most [`PRESCORE_CAP`] — are pre-scored.

use crate::record::Query;
use crate::result::Retrieval;
use crate::row::{Row, Text};
use std::collections::HashMap;

/// A block with more rows than this is refined rather than pre-scored whole.
pub(crate) const BLOCK_MAX: usize = 1_000;
/// Hard cap of rows of one block given the cheap pre-score after refinement.
pub(crate) const PRESCORE_CAP: usize = 400;
/// A block without any second-key row is pre-scored whole up to this size
/// when the item has a strength, count or form to rank by.
pub(crate) const FULL_PRESCORE_MAX: usize = 5_000;
/// A posting list longer than this is not walked; it only filters rows that
/// other keys found (a token like `10ml` is in every fifth row).
const WALK_MAX: usize = 4_096;

/// Posting lists of the second keys, over every row of the catalogue.
#[derive(Default)]
pub(crate) struct SecondKeys {
    /// Device spec/model token → rows holding it (ascending).
    tokens: HashMap<Text, Vec<u32>>,
    /// Distinct manufacturer cores and the rows of each (ascending).
    mfr_cores: Vec<Text>,
    mfr_rows: Vec<Vec<u32>>,
    /// Core → its id in `mfr_cores`.
    mfr_id: HashMap<Text, u32>,
    /// Character → ids of the cores holding it (ascending). A national list
    /// has tens of thousands of makers; testing each for containment cost
    /// more per item than everything else the matcher does.
    mfr_chars: HashMap<char, Vec<u32>>,
    /// Every full maker name as the catalogue writes it, sorted, with the id
    /// of its core: a maker column the HIS cut short (`江西济`) is a prefix.
    mfr_full: Vec<(Text, u32)>,
}

/// A cut maker name must have this many characters to be looked up as a prefix.
pub(crate) const MFR_PREFIX_MIN: usize = 3;
/// At most this many makers are taken for one prefix.
const MFR_PREFIX_MAX: usize = 64;

/// Longest item maker core whose substrings are looked up one by one.
const MFR_SUBSTRINGS_MAX: usize = 40;

fn weight(token: &str) -> u32 {
    // A model number (`mt-1044`) identifies a row; a size (`10ml`) narrows.
    if token.contains('-') {
        4
    } else {
        1
    }
}

/// Rows in both `a` and `b` (both ascending). Lists of like length are
/// merged; a short list gallops through a long one (exponential then binary
/// search from the last hit), so the cost follows the short list and the
/// distance between hits rather than the long list's length per probe —
/// plain binary searches over the whole tail were most of a consumable
/// match's time.
fn intersect(a: &[u32], b: &[u32], out: &mut Vec<u32>) {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return;
    }
    if long.len() <= short.len() * 8 {
        let (mut i, mut j) = (0, 0);
        while i < short.len() && j < long.len() {
            match short[i].cmp(&long[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    out.push(short[i]);
                    i += 1;
                    j += 1;
                }
            }
        }
        return;
    }
    let mut from = 0;
    for &x in short {
        if from >= long.len() {
            break;
        }
        let mut step = 1;
        while from + step < long.len() && long[from + step] < x {
            from += step;
            step <<= 1;
        }
        let hi = (from + step + 1).min(long.len());
        match long[from..hi].binary_search(&x) {
            Ok(i) => {
                out.push(x);
                from += i + 1;
            }
            Err(i) => from += i,
        }
    }
}

impl SecondKeys {
    pub(crate) fn build(records: &[Row]) -> SecondKeys {
        let mut k = SecondKeys::default();
        let mut mfr_id: HashMap<&str, u32> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            let i = i as u32;
            for t in r.spec_tokens.iter() {
                let list = k.tokens.entry(t.clone()).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
            // A row is found by its maker's core and by its holder's.
            for (n, core) in [Some(&r.mfr_core), r.holder_core.as_ref()]
                .into_iter()
                .flatten()
                .enumerate()
            {
                if core.is_empty() {
                    continue;
                }
                let id = *mfr_id.entry(&**core).or_insert_with(|| {
                    k.mfr_cores.push(core.clone());
                    k.mfr_rows.push(Vec::new());
                    (k.mfr_cores.len() - 1) as u32
                });
                k.mfr_rows[id as usize].push(i);
                if n == 0 && !r.manufacturer.is_empty() {
                    k.mfr_full.push((r.manufacturer.clone(), id));
                }
            }
        }
        k.mfr_full.sort_unstable();
        k.mfr_full.dedup();
        k.mfr_full.shrink_to_fit();
        for (id, c) in k.mfr_cores.iter().enumerate() {
            k.mfr_id.insert(c.clone(), id as u32);
            for ch in c.chars() {
                let list = k.mfr_chars.entry(ch).or_default();
                if list.last() != Some(&(id as u32)) {
                    list.push(id as u32);
                }
            }
        }
        for v in k.tokens.values_mut() {
            v.shrink_to_fit();
        }
        for v in &mut k.mfr_rows {
            v.shrink_to_fit();
        }
        for v in k.mfr_chars.values_mut() {
            v.shrink_to_fit();
        }
        k
    }

    /// Ids of the catalogue's maker cores that contain `q` or are contained
    /// in it (the pre-score's and the scorer's "same maker"), ascending.
    fn mfr_matches(&self, q: &str) -> Vec<u32> {
        let chars: Vec<char> = q.chars().collect();
        let mut out = Vec::new();
        // Cores inside `q`: every substring of `q` looked up.
        if chars.len() <= MFR_SUBSTRINGS_MAX {
            let mut sub = String::new();
            for i in 0..chars.len() {
                sub.clear();
                for &c in &chars[i..] {
                    sub.push(c);
                    if let Some(&id) = self.mfr_id.get(sub.as_str()) {
                        out.push(id);
                    }
                }
            }
        } else {
            out.extend(
                self.mfr_cores
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| q.contains(&***c))
                    .map(|(id, _)| id as u32),
            );
        }
        // Cores holding `q`: those holding its rarest character, checked.
        let rarest = chars
            .iter()
            .map(|c| self.mfr_chars.get(c).map(Vec::as_slice).unwrap_or(&[]))
            .min_by_key(|l| l.len());
        if let Some(list) = rarest {
            out.extend(
                list.iter()
                    .copied()
                    .filter(|&id| self.mfr_cores[id as usize].contains(q)),
            );
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Ids of the cores of the makers whose full name starts with `prefix`
    /// (at least [`MFR_PREFIX_MIN`] characters), ascending.
    fn mfr_prefixed(&self, prefix: &str) -> Vec<u32> {
        if prefix.chars().count() < MFR_PREFIX_MIN {
            return Vec::new();
        }
        let from = self.mfr_full.partition_point(|(n, _)| &**n < prefix);
        let mut ids: Vec<u32> = self.mfr_full[from..]
            .iter()
            .take_while(|(n, _)| n.starts_with(prefix))
            .take(MFR_PREFIX_MAX)
            .map(|(_, id)| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Rows holding a device model token (`mt-1044`) anywhere in the
    /// catalogue, when the token is rare enough to be a key.
    pub(crate) fn model_rows(&self, q: &Query, max: usize) -> Vec<u32> {
        let mut out = Vec::new();
        for t in q.spec_tokens.iter().filter(|t| t.contains('-')) {
            if let Some(p) = self.tokens.get(t.as_str()) {
                if p.len() <= max {
                    out.extend_from_slice(p);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The rows of a large `block` (ascending ordinals) worth pre-scoring for
    /// `q`: those sharing spec/model tokens or the manufacturer, best-keyed
    /// first, at most [`PRESCORE_CAP`]; empty when no second key finds a row.
    /// Records what it did in `trace`.
    pub(crate) fn refine(&self, q: &Query, block: &[u32], trace: &mut Retrieval) -> Vec<u32> {
        trace.blocks_refined += 1;
        trace.largest_block = trace.largest_block.max(block.len() as u64);
        let mut lists: Vec<(u32, &[u32], &str)> = Vec::new();
        for t in &q.spec_tokens {
            if let Some(p) = self.tokens.get(t.as_str()) {
                lists.push((weight(t), p, "规格型号"));
            }
        }
        // Containment either way, as the pre-score and the scorer count it
        // (`恒瑞` in `江苏恒瑞医疗器械`).
        let by_core = if q.mfr_core.is_empty() {
            Vec::new()
        } else {
            self.mfr_matches(&q.mfr_core)
        };
        for &id in &by_core {
            lists.push((3, &self.mfr_rows[id as usize], "生产企业"));
        }
        let mut prefixed = q
            .mfr_cut
            .as_deref()
            .map(|h| self.mfr_prefixed(h))
            .unwrap_or_default();
        prefixed.retain(|id| by_core.binary_search(id).is_err());
        for id in prefixed {
            lists.push((2, &self.mfr_rows[id as usize], "生产企业"));
        }
        let mut hits: Vec<(u32, u32)> = Vec::new();
        let mut filters: Vec<(u32, &[u32])> = Vec::new();
        let mut scratch = Vec::new();
        let mut used: Vec<&str> = Vec::new();
        for &(w, p, label) in &lists {
            if p.len().min(block.len()) > WALK_MAX {
                filters.push((w, p));
                continue;
            }
            scratch.clear();
            intersect(p, block, &mut scratch);
            if !scratch.is_empty() && !used.contains(&label) {
                used.push(label);
            }
            hits.extend(scratch.iter().map(|&o| (o, w)));
        }
        // Sum the weights per row (sorted merge: deterministic, no hashing).
        hits.sort_unstable();
        let mut rows: Vec<(u32, u32)> = Vec::with_capacity(hits.len());
        for (o, w) in hits {
            match rows.last_mut() {
                Some((lo, lw)) if *lo == o => *lw += w,
                _ => rows.push((o, w)),
            }
        }
        if rows.is_empty() && !filters.is_empty() {
            // Only very common keys: walk the block in order until enough
            // rows hold the first of them; the rest of the block is not seen.
            let (w, p) = filters.remove(0);
            for (seen, &o) in block.iter().enumerate() {
                if seen >= WALK_MAX * 4 {
                    trace.cap_reached = true;
                    break;
                }
                if p.binary_search(&o).is_ok() {
                    rows.push((o, w));
                    if rows.len() >= PRESCORE_CAP {
                        trace.cap_reached = true;
                        break;
                    }
                }
            }
            if !rows.is_empty() {
                used.push("规格型号");
            }
        }
        for (w, p) in filters {
            for (o, rw) in rows.iter_mut() {
                if p.binary_search(o).is_ok() {
                    *rw += w;
                }
            }
        }
        for l in used {
            if !trace.refined_by.iter().any(|x| x == l) {
                trace.refined_by.push(l.to_string());
            }
        }
        if rows.is_empty() {
            // No second key found: the caller decides (see `Matcher::block_rows`).
            return Vec::new();
        }
        if rows.len() > PRESCORE_CAP {
            trace.cap_reached = true;
            rows.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            rows.truncate(PRESCORE_CAP);
        }
        rows.into_iter().map(|(o, _)| o).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maker_cores_are_found_by_containment_either_way() {
        let mut k = SecondKeys::default();
        for c in ["恒瑞", "江苏恒瑞医疗", "瑞康", "华海", "恒"] {
            k.mfr_id.insert(c.into(), k.mfr_cores.len() as u32);
            k.mfr_cores.push(c.into());
        }
        for (id, c) in k.mfr_cores.iter().enumerate() {
            for ch in c.chars() {
                let l = k.mfr_chars.entry(ch).or_default();
                if l.last() != Some(&(id as u32)) {
                    l.push(id as u32);
                }
            }
        }
        let brute = |q: &str| -> Vec<u32> {
            (0..k.mfr_cores.len() as u32)
                .filter(|&i| {
                    let c = &*k.mfr_cores[i as usize];
                    c.contains(q) || q.contains(c)
                })
                .collect()
        };
        for q in ["恒瑞", "江苏恒瑞医疗器械", "瑞", "华海药业", "无关", "恒"] {
            assert_eq!(k.mfr_matches(q), brute(q), "{q}");
        }
        assert_eq!(k.mfr_matches("恒瑞"), vec![0, 1, 4]);
    }

    #[test]
    fn intersect_walks_either_side() {
        let mut out = Vec::new();
        intersect(&[1, 5, 9, 12], &[0, 1, 2, 3, 4, 5, 6, 12, 40], &mut out);
        assert_eq!(out, vec![1, 5, 12]);
        out.clear();
        intersect(&[0, 1, 2, 3, 4, 5, 6, 12, 40], &[40], &mut out);
        assert_eq!(out, vec![40]);
        out.clear();
        intersect(&[], &[1], &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn intersect_agrees_with_a_set_on_every_shape() {
        // Sizes on both sides of the merge/gallop switch, sparse and dense.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as u32
        };
        for (na, nb, range) in [
            (3, 5000, 20_000),
            (40, 300, 500),
            (900, 1000, 3000),
            (1, 1, 2),
        ] {
            let mut a: Vec<u32> = (0..na).map(|_| next() % range).collect();
            let mut b: Vec<u32> = (0..nb).map(|_| next() % range).collect();
            a.sort_unstable();
            a.dedup();
            b.sort_unstable();
            b.dedup();
            let set: std::collections::BTreeSet<u32> = b.iter().copied().collect();
            let want: Vec<u32> = a.iter().copied().filter(|x| set.contains(x)).collect();
            for (x, y) in [(&a, &b), (&b, &a)] {
                let mut out = Vec::new();
                intersect(x, y, &mut out);
                assert_eq!(out, want, "{na} × {nb}");
            }
        }
    }
}
