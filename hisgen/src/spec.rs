//! Ways a HIS writes a strength and a pack: `0.25g*24粒/盒`, `每粒0.25g`,
//! `0.25g×12粒×2板`, `【0.25g】`, `250mg:24粒`, Chinese unit words, a maker
//! abbreviation glued on.

use crate::noise::{chance, pick};
use crate::tables::UNIT_WORDS;
use rand_chacha::ChaCha8Rng;

/// A leading `number unit` of a strength, e.g. ("0.25", "g", rest "").
fn split_strength(s: &str) -> Option<(String, String, String)> {
    let s = s.trim();
    let num_end = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(s.len(), |(i, _)| i);
    if num_end == 0 {
        return None;
    }
    let rest = &s[num_end..];
    let unit_end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphabetic() || *c == 'μ'))
        .map_or(rest.len(), |(i, _)| i);
    if unit_end == 0 {
        return None;
    }
    Some((
        s[..num_end].to_string(),
        rest[..unit_end].to_string(),
        rest[unit_end..].to_string(),
    ))
}

/// `0.25` g → `250` mg and back, when the number stays short.
fn rescale(num: &str, unit: &str) -> Option<(String, String)> {
    let v: f64 = num.parse().ok()?;
    let (v2, u2) = match unit {
        "g" if v < 1.0 => (v * 1000.0, "mg"),
        "mg" if v >= 1000.0 => (v / 1000.0, "g"),
        "ml" if v >= 1000.0 => (v / 1000.0, "L"),
        _ => return None,
    };
    let s = format!("{v2:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    Some((s, u2.to_string()))
}

/// The spec column and the slips used. `strength` is the catalogue's 规格,
/// `qty`/`min_unit`/`pack_unit` its package.
pub fn spell(
    rng: &mut ChaCha8Rng,
    strength: &str,
    qty: &str,
    min_unit: &str,
    pack_unit: &str,
) -> (String, Vec<&'static str>) {
    let mut slips = Vec::new();
    let mut st = strength.trim().to_string();
    if let Some((num, unit, rest)) = split_strength(&st) {
        if chance(rng, 0.2) {
            if let Some((n2, u2)) = rescale(&num, &unit) {
                st = format!("{n2}{u2}{rest}");
                slips.push("spec_rescaled");
            }
        } else if chance(rng, 0.25) {
            if let Some((_, words)) = UNIT_WORDS
                .iter()
                .find(|(u, _)| u.eq_ignore_ascii_case(&unit))
            {
                st = format!("{num}{}{rest}", pick(rng, words));
                slips.push("spec_unit_word");
            }
        }
    }
    let q: u32 = qty.trim().parse().unwrap_or(0);
    let mu = min_unit.trim();
    let pu = pack_unit.trim();
    let r: f64 = rand::Rng::random(rng);
    let text = if q == 0 || mu.is_empty() {
        st.clone()
    } else if r < 0.3 {
        format!("{st}*{q}{mu}/{pu}")
    } else if r < 0.45 && q & 1 == 0 && q >= 4 {
        slips.push("spec_split_pack");
        let half = q / 2;
        format!("{st}×{half}{mu}×2板")
    } else if r < 0.6 {
        slips.push("spec_per_unit");
        format!("每{mu}{st}，{q}{mu}/{pu}")
    } else if r < 0.7 {
        slips.push("spec_bracket");
        format!("【{st}】{q}{mu}")
    } else if r < 0.8 {
        slips.push("spec_colon");
        format!("{st}:{q}{mu}")
    } else if r < 0.9 {
        slips.push("spec_slash_unit");
        format!("{st}/{mu} {q}{mu}/{pu}")
    } else {
        slips.push("spec_bare_count");
        format!("{st}*{q}")
    };
    (text, slips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn strengths_split_and_rescale() {
        assert_eq!(
            split_strength("0.25g(按C16H19N3O5S计)"),
            Some(("0.25".into(), "g".into(), "(按C16H19N3O5S计)".into()))
        );
        assert_eq!(rescale("0.25", "g"), Some(("250".into(), "mg".into())));
        assert_eq!(rescale("1500", "mg"), Some(("1.5".into(), "g".into())));
        assert!(split_strength("每袋装").is_none());
    }

    #[test]
    fn every_spelling_keeps_the_strength_number() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let (t, _) = spell(&mut rng, "0.25g", "24", "粒", "盒");
            assert!(t.contains("0.25") || t.contains("250"), "{t}");
        }
    }
}
