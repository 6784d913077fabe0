//! The next catalogue version: realistic adjustments applied to v1 with a
//! ground-truth change list, plus no-op "noise" edits the diff must ignore.

use crate::write::Table;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

/// How a column may change between versions.
#[derive(Clone, Copy)]
pub enum Mut {
    /// Append one of these suffixes (a rename).
    Rename(&'static [&'static str]),
    /// A plain decimal amount moves by 5–25%.
    Money,
    /// 甲 ↔ 乙.
    FlipClass,
    /// Replace by another value of this list.
    Pick(&'static [&'static str]),
    /// Company renamed (legal form changes, e.g. 有限公司 → 股份有限公司).
    Company,
    /// 支付标准 text `780.00元(100mg/瓶)`: the amount moves.
    PaymentStandard,
}

pub struct KindDef {
    pub kind: &'static str,
    pub keys: &'static [&'static str],
    pub code_of: fn(&[String]) -> String,
    pub muts: &'static [(&'static str, Mut)],
    /// Headers that may get trailing spaces or full-width digits as noise.
    pub noise_text: &'static [&'static str],
    pub noise_money: &'static [&'static str],
}

pub const CHANGE_HEADERS: &[&str] = &["code", "change", "fields", "old_code"];
pub const NOISE_HEADERS: &[&str] = &["code", "field", "noise", "old", "new"];

pub struct Versioned {
    pub v1: Table,
    /// For each v1 row, its index in the generator's full table (to find its metadata).
    pub v1_src: Vec<usize>,
    pub v2: Table,
    pub changes: Table,
    pub noise: Table,
    pub counts: BTreeMap<String, u64>,
}

/// Recoding is kind-specific: it rewrites the row for the same product under a
/// new code and returns the headers it changed besides the code, or None to skip.
pub type Recode<'a> =
    &'a mut dyn FnMut(&mut Vec<String>, &mut ChaCha8Rng) -> Option<Vec<&'static str>>;

fn key_of(def: &KindDef, t: &Table, header: &str) -> &'static str {
    t.col(header)
        .and_then(|i| def.keys.get(i))
        .copied()
        .unwrap_or("")
}

pub fn make(
    def: &KindDef,
    all: Table,
    rng: &mut ChaCha8Rng,
    mut recode: Option<Recode>,
) -> Versioned {
    let n = all.rows.len();
    let headers = all.headers.clone();
    let active_col = headers.iter().position(|h| *h == "有效标志");
    // 2% of generated rows are held back as "added in v2".
    let mut held = vec![false; n];
    for h in held.iter_mut() {
        *h = rng.random_bool(0.02);
    }
    let mut used: HashSet<String> = all.rows.iter().map(|r| (def.code_of)(r)).collect();
    let mut v1 = Table::new(&headers);
    let mut v1_src = Vec::with_capacity(n);
    let mut added = Vec::new();
    for (i, r) in all.rows.into_iter().enumerate() {
        if held[i] {
            added.push(r);
        } else {
            v1.rows.push(r);
            v1_src.push(i);
        }
    }
    let mut v2 = Table::new(&headers);
    let mut changes = Table::new(CHANGE_HEADERS);
    let mut noise = Table::new(NOISE_HEADERS);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut count = |k: &str| *counts.entry(k.to_string()).or_insert(0) += 1;
    for r in &v1.rows {
        let code = (def.code_of)(r);
        let roll: f64 = rng.random();
        let mut row = r.clone();
        if roll < 0.015 {
            changes
                .rows
                .push(vec![code, "removed".into(), String::new(), String::new()]);
            count("removed");
            continue;
        }
        if roll < 0.025 {
            if let Some(c) = active_col {
                row[c] = "0".into();
                changes.rows.push(vec![
                    code,
                    "deactivated".into(),
                    "active".into(),
                    String::new(),
                ]);
                count("deactivated");
                v2.rows.push(row);
                continue;
            }
        }
        if roll < 0.035 {
            if let Some(f) = recode.as_mut() {
                for _ in 0..20 {
                    let mut cand = r.clone();
                    if let Some(hs) = f(&mut cand, rng) {
                        let new_code = (def.code_of)(&cand);
                        if used.insert(new_code.clone()) {
                            let fields: Vec<&str> = hs
                                .iter()
                                .map(|h| key_of(def, &v1, h))
                                .filter(|k| !k.is_empty())
                                .collect();
                            changes.rows.push(vec![
                                new_code,
                                "recoded".into(),
                                fields.join(";"),
                                code.clone(),
                            ]);
                            count("recoded");
                            row = cand;
                            break;
                        }
                    }
                }
                if row != *r {
                    v2.rows.push(row);
                    continue;
                }
            }
        }
        if roll < 0.075 && !def.muts.is_empty() {
            let k = if rng.random_bool(0.3) { 2 } else { 1 };
            for _ in 0..k {
                let (h, m) = def.muts[rng.random_range(0..def.muts.len())];
                let Some(c) = v1.col(h) else { continue };
                if let Some(new) = mutate(m, &row[c], rng) {
                    row[c] = new;
                }
            }
            // Fields are read off the final row: two edits of one field can cancel out
            // (甲→乙→甲), and such a row is not a change.
            let mut fields: Vec<&'static str> = (0..row.len())
                .filter(|&c| row[c] != r[c])
                .map(|c| def.keys.get(c).copied().unwrap_or(""))
                .filter(|k| !k.is_empty())
                .collect();
            fields.sort_unstable();
            fields.dedup();
            if fields.is_empty() {
                row = r.clone();
            }
            if !fields.is_empty() {
                fields.sort_unstable();
                changes.rows.push(vec![
                    code,
                    "changed".into(),
                    fields.join(";"),
                    String::new(),
                ]);
                count("changed");
                v2.rows.push(row);
                continue;
            }
        }
        if roll < 0.09 {
            if let Some((h, kind, new)) = add_noise(def, &v1, &row, rng) {
                if let Some(c) = v1.col(h) {
                    let key = key_of(def, &v1, h);
                    noise.rows.push(vec![
                        code,
                        key.to_string(),
                        kind.to_string(),
                        row[c].clone(),
                        new.clone(),
                    ]);
                    row[c] = new;
                    count(&format!("noise_{kind}"));
                }
            }
        }
        v2.rows.push(row);
    }
    for r in added {
        changes.rows.push(vec![
            (def.code_of)(&r),
            "added".into(),
            String::new(),
            String::new(),
        ]);
        count("added");
        v2.rows.push(r);
    }
    Versioned {
        v1,
        v1_src,
        v2,
        changes,
        noise,
        counts,
    }
}

fn fmt_money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn mutate(m: Mut, old: &str, rng: &mut ChaCha8Rng) -> Option<String> {
    let new = match m {
        Mut::Rename(sfx) => {
            let s = sfx[rng.random_range(0..sfx.len())];
            if old.ends_with(s) {
                return None;
            } else {
                format!("{old}{s}")
            }
        }
        Mut::Money => {
            let d = Decimal::from_str(old.trim()).ok()?;
            let pct = Decimal::new(
                rng.random_range(5..25) * if rng.random_bool(0.5) { 1 } else { -1 },
                2,
            );
            let nd = (d + d * pct).round_dp(2);
            if nd == d {
                return None;
            }
            fmt_money(nd)
        }
        Mut::FlipClass => match old {
            "甲" => "乙".into(),
            "乙" => "甲".into(),
            _ => return None,
        },
        Mut::Pick(list) => {
            let v = list[rng.random_range(0..list.len())];
            if v == old {
                return None;
            }
            v.to_string()
        }
        Mut::Company => {
            if old.contains("股份有限公司") {
                old.replacen("股份有限公司", "有限公司", 1)
            } else if old.contains("有限责任公司") {
                old.replacen("有限责任公司", "股份有限公司", 1)
            } else if old.contains("有限公司") {
                old.replacen("有限公司", "股份有限公司", 1)
            } else {
                return None;
            }
        }
        Mut::PaymentStandard => {
            let (num, rest) = old.split_once('元')?;
            let d = Decimal::from_str(num).ok()?;
            let nd = (d * Decimal::new(rng.random_range(70..95), 2)).round_dp(2);
            format!("{}元{rest}", fmt_money(nd))
        }
    };
    Some(new)
}

/// A no-op edit: the same money written another way, a trailing space, or full-width digits.
fn add_noise(
    def: &KindDef,
    t: &Table,
    row: &[String],
    rng: &mut ChaCha8Rng,
) -> Option<(&'static str, &'static str, String)> {
    let choice = rng.random_range(0..3);
    if choice == 0 && !def.noise_money.is_empty() {
        let h = def.noise_money[rng.random_range(0..def.noise_money.len())];
        let v = &row[t.col(h)?];
        if v.is_empty() {
            return None;
        }
        let new = if !v.contains('.') {
            format!("{v}.00")
        } else if v.ends_with('0') {
            v.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            format!("{v}0")
        };
        return Some((h, "money_format", new));
    }
    if def.noise_text.is_empty() {
        return None;
    }
    let h = def.noise_text[rng.random_range(0..def.noise_text.len())];
    let v = &row[t.col(h)?];
    if v.is_empty() {
        return None;
    }
    if choice == 2 && v.bytes().any(|b| b.is_ascii_digit()) {
        let new: String = v
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect();
        return Some((h, "full_width", new));
    }
    Some((h, "trailing_space", format!("{v} ")))
}
