//! Text-level slips that apply to any field: width, traditional characters,
//! pinyin homophones, spacing, case, OCR confusions in keys.

use crate::tables::{HOMOPHONES, TRADITIONAL};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// ASCII letters, digits and common punctuation as full-width forms.
pub fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

/// Every character with a traditional form in the table, folded to it.
pub fn traditional(s: &str) -> String {
    s.chars()
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(simp, _)| *simp == c)
                .map_or(c, |(_, t)| *t)
        })
        .collect()
}

/// One character replaced by a homophone, if any character has one.
pub fn homophone(rng: &mut ChaCha8Rng, s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let spots: Vec<usize> = (0..chars.len())
        .filter(|&i| HOMOPHONES.iter().any(|(r, _)| *r == chars[i]))
        .collect();
    if spots.is_empty() {
        return None;
    }
    let i = spots[rng.random_range(0..spots.len())];
    let typed = HOMOPHONES.iter().find(|(r, _)| *r == chars[i])?.1;
    let mut out = chars;
    out[i] = typed;
    Some(out.into_iter().collect())
}

/// One digit or letter swapped for the one OCR or a hurried clerk confuses
/// it with (0/O, 1/l, 8/B, 5/S).
pub fn ocr_slip(rng: &mut ChaCha8Rng, s: &str) -> Option<String> {
    let pairs = [('0', 'O'), ('1', 'l'), ('8', 'B'), ('5', 'S')];
    let chars: Vec<char> = s.chars().collect();
    let spots: Vec<usize> = (0..chars.len())
        .filter(|&i| pairs.iter().any(|(a, _)| *a == chars[i]))
        .collect();
    if spots.is_empty() {
        return None;
    }
    let i = spots[rng.random_range(0..spots.len())];
    let mut out = chars;
    out[i] = pairs.iter().find(|(a, _)| *a == out[i])?.1;
    Some(out.into_iter().collect())
}

/// One way a HIS clerk mangles a key (批准文号, 注册证号).
#[derive(Clone, Copy)]
pub enum Mangle {
    /// `h20003263`.
    Lower,
    /// `国药准字 H 20003263`.
    Spaced,
    /// `Ｈ２０００３２６３`.
    FullWidth,
    /// The word prefix dropped (`国药准字`).
    NoPrefix(&'static str),
    /// Moved into the name between these brackets, the key column left empty.
    IntoName(&'static str, &'static str),
    /// One OCR confusion (0/O, 1/l, 8/B, 5/S).
    Ocr,
}

/// Roll once and apply the first mangling whose cumulative share the roll
/// falls under (`table` is (upper bound, mangling, slip name), ascending);
/// a roll past the last bound leaves the key as it is.
pub fn mangle_key(
    rng: &mut ChaCha8Rng,
    key: &mut String,
    name: &mut String,
    table: &[(f64, Mangle, &'static str)],
    slips: &mut Vec<&'static str>,
) {
    let k: f64 = rng.random();
    let Some(&(_, m, slip)) = table.iter().find(|(bound, _, _)| k < *bound) else {
        return;
    };
    match m {
        Mangle::Lower => *key = key.to_lowercase(),
        Mangle::Spaced => *key = spaced_key(key),
        Mangle::FullWidth => *key = full_width(key),
        Mangle::NoPrefix(p) => *key = key.trim_start_matches(p).to_string(),
        Mangle::IntoName(open, close) => {
            *name = format!("{name}{open}{key}{close}");
            key.clear();
        }
        Mangle::Ocr => match ocr_slip(rng, key) {
            Some(s) => *key = s,
            None => return,
        },
    }
    slips.push(slip);
}

/// Spaces between a key's letters and digits, e.g. `国药准字 H 20003263`.
pub fn spaced_key(s: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev {
            let kind = |x: char| (x.is_ascii_digit(), x.is_ascii_alphabetic(), x.is_ascii());
            if kind(p) != kind(c) && !(p.is_ascii_digit() && c.is_ascii_digit()) {
                out.push(' ');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// true with probability `p`.
pub fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// One element of a non-empty slice.
pub fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn full_width_and_traditional_change_what_they_should() {
        assert_eq!(full_width("H2000 g"), "Ｈ２０００\u{3000}ｇ");
        assert_eq!(traditional("头孢克肟颗粒"), "頭孢克肟顆粒");
        assert_eq!(traditional("abc"), "abc");
    }

    #[test]
    fn slips_change_exactly_one_character() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let s = "盐酸左氧氟沙星片";
        let t = homophone(&mut rng, s).unwrap();
        let diff = s.chars().zip(t.chars()).filter(|(a, b)| a != b).count();
        assert_eq!(diff, 1, "{t}");
        assert!(homophone(&mut rng, "ABC").is_none());
        let k = ocr_slip(&mut rng, "H20003263").unwrap();
        assert_eq!(
            k.chars()
                .zip("H20003263".chars())
                .filter(|(a, b)| a != b)
                .count(),
            1
        );
        assert_eq!(spaced_key("国药准字H20003263"), "国药准字 H 20003263");
    }
}
