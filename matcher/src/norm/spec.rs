//! Specification parsing: `0.25g*24粒/盒`, `10ml:1g`, `2ml:15mg*10支`,
//! `按C16H19N3O5S计0.125g`, `80万单位`, `500μg`. Every quantity is brought to
//! one unit per dimension (mass → mg, volume → ml, activity → IU) so specs
//! written differently compare equal.

use super::text::fold;
use crate::synonyms::{Dimension, TABLES};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
/// A parsed specification: strengths, volume, percentage, count and units.
pub struct Spec {
    /// Strengths in base units, sorted: mass in mg, activity in IU, amount in mmol.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strengths: Vec<(Dim, f64)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Volume in ml (`10ml`, `150ml/瓶`).
    pub volume_ml: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// A percentage (`0.9%`).
    pub percent: Option<f64>,
    /// Units per package (24 in `0.25g*24粒`; 12 in `6片*2板`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The unit counted (`粒`, `片`).
    pub count_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The package unit (`盒`, `瓶`).
    pub pack_unit: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// The dimension of a strength.
pub enum Dim {
    /// Mass (g, mg, μg), in mg.
    Mass,
    /// Activity (IU, 万单位).
    Activity,
    /// Amount of substance (mmol).
    Amount,
    /// Length (cm, mm), for devices.
    Length,
}

impl Spec {
    /// True when nothing was parsed.
    pub fn is_empty(&self) -> bool {
        self.strengths.is_empty()
            && self.volume_ml.is_none()
            && self.percent.is_none()
            && self.count.is_none()
    }
    /// True when a strength, volume or percentage was parsed.
    pub fn has_strength(&self) -> bool {
        !self.strengths.is_empty() || self.volume_ml.is_some() || self.percent.is_some()
    }

    /// A canonical display, e.g. `250mg 24粒`, used in explanations.
    pub fn display(&self) -> String {
        let mut parts = Vec::new();
        for (d, v) in &self.strengths {
            let u = match d {
                Dim::Mass => "mg",
                Dim::Activity => "IU",
                Dim::Amount => "mmol",
                Dim::Length => "mm",
            };
            parts.push(format!("{}{u}", num(*v)));
        }
        if let Some(v) = self.volume_ml {
            parts.push(format!("{}ml", num(v)));
        }
        if let Some(p) = self.percent {
            parts.push(format!("{}%", num(p)));
        }
        if let Some(c) = self.count {
            parts.push(format!(
                "×{}{}",
                num(c),
                self.count_unit.as_deref().unwrap_or("")
            ));
        }
        if let Some(p) = &self.pack_unit {
            parts.push(format!("/{p}"));
        }
        parts.join(" ")
    }
}

fn num(v: f64) -> String {
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Drop chemical-formula clauses (`按C16H19N3O5S计`, `(以C20H25ClN2O5计算)`)
/// and bare formulas, whose digits are not quantities.
fn strip_formulas(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '按' || c == '以' {
            // Find the closing 计 within a short window.
            if let Some(off) = chars[i + 1..].iter().take(40).position(|&x| x == '计') {
                let mut j = i + 1 + off + 1;
                if chars.get(j) == Some(&'算') {
                    j += 1;
                }
                i = j;
                continue;
            }
        }
        if c.is_ascii_uppercase() {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_alphanumeric() {
                j += 1;
            }
            let run = &chars[i..j];
            let uppers = run.iter().filter(|c| c.is_ascii_uppercase()).count();
            let digit_after_letter = run
                .windows(2)
                .any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_digit());
            // Organic formulas start with C and hold H (C16H19N3O5S); `150MGX12`
            // and approval numbers are not formulas.
            let organic = run[0] == 'C' && run.contains(&'H');
            if organic && uppers >= 2 && digit_after_letter && run.len() >= 4 {
                i = j;
                continue;
            }
            out.extend(run.iter());
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[derive(Debug)]
enum Tok {
    Num(f64, Unit),
    Sep(char),
    Word(String),
}

#[derive(Debug, Clone)]
enum Unit {
    None,
    Measure(Dimension, f64),
    Count(String),
}

fn starts_with_at(chars: &[char], i: usize, word: &str) -> bool {
    (i..)
        .zip(word.chars())
        .all(|(k, w)| chars.get(k) == Some(&w))
}

fn match_unit(chars: &[char], i: usize) -> Option<(Unit, usize)> {
    let t = &*TABLES;
    for u in &t.units_by_len {
        if starts_with_at(chars, i, u) {
            let n = u.chars().count();
            // `m` followed by another letter is not metres (e.g. `mmol` handled longer first).
            if u.chars().all(|c| c.is_ascii_alphabetic()) {
                if let Some(next) = chars.get(i + n) {
                    if next.is_ascii_alphabetic() {
                        continue;
                    }
                }
            }
            let (d, f) = t.units[u.as_str()];
            return Some((Unit::Measure(d, f), n));
        }
    }
    for u in &t.count_units {
        if starts_with_at(chars, i, u) {
            return Some((Unit::Count(u.clone()), u.chars().count()));
        }
    }
    None
}

fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_num = c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()));
        if starts_num {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit() || chars[j] == '.' || chars[j] == ',')
            {
                j += 1;
            }
            let text: String = chars[i..j].iter().filter(|c| **c != ',').collect();
            let value = text
                .trim_end_matches('.')
                .parse::<f64>()
                .unwrap_or(f64::NAN);
            let mut k = j;
            while k < chars.len() && chars[k] == ' ' {
                k += 1;
            }
            let (unit, n) = match_unit(&chars, k).unwrap_or((Unit::None, 0));
            i = if n > 0 { k + n } else { j };
            if value.is_finite() {
                toks.push(Tok::Num(value, unit));
            }
            continue;
        }
        if matches!(
            c,
            '*' | ':' | '/' | '+' | '与' | '和' | '(' | ')' | ';' | '、' | '每'
        ) {
            toks.push(Tok::Sep(c));
            i += 1;
            continue;
        }
        if let Some((Unit::Count(u), n)) = match_unit(&chars, i) {
            toks.push(Tok::Word(u));
            i += n;
            continue;
        }
        i += 1;
    }
    toks
}

fn fold_spec(s: &str) -> String {
    let f = fold(&strip_formulas(&catalog_core::normalize::clean_text(s)));
    // `x` between quantities is a separator (`0.25gx24粒`, `10 x 2`).
    let chars: Vec<char> = f.chars().collect();
    let mut out = String::with_capacity(f.len());
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars[i + 1..]
            .iter()
            .find(|c| **c != ' ')
            .is_some_and(|c| c.is_ascii_digit());
        if c == 'x' && next_digit && i > 0 {
            out.push('*');
        } else {
            out.push(c);
        }
    }
    out.replace("万iu", "万单位").replace("万u", "万单位")
}

/// Parse a specification. Unparseable text gives an empty spec, never an error.
pub fn parse(s: &str) -> Spec {
    let mut spec = Spec::default();
    if s.len() > 2000 {
        return spec;
    }
    let toks = tokenize(&fold_spec(s));
    let mut counts: Vec<f64> = Vec::new();
    let mut prev_sep: Option<char> = None;
    for t in &toks {
        match t {
            Tok::Num(v, Unit::Measure(d, f)) => {
                let v = v * f;
                match d {
                    Dimension::Volume => {
                        spec.volume_ml.get_or_insert(v);
                    }
                    Dimension::Percent => {
                        spec.percent.get_or_insert(v);
                    }
                    Dimension::Mass => spec.strengths.push((Dim::Mass, v)),
                    Dimension::Activity => spec.strengths.push((Dim::Activity, v)),
                    Dimension::Amount => spec.strengths.push((Dim::Amount, v)),
                    Dimension::Length => spec.strengths.push((Dim::Length, v)),
                }
                prev_sep = None;
            }
            // `每10丸重1g`: the count after 每 is the dose basis, not the package.
            Tok::Num(_, Unit::Count(_)) if prev_sep == Some('每') => prev_sep = None,
            Tok::Num(v, Unit::Count(u)) => {
                counts.push(*v);
                if spec.count_unit.is_none() {
                    spec.count_unit = Some(u.clone());
                }
                prev_sep = None;
            }
            Tok::Num(v, Unit::None) => {
                // A bare number after `*` is a count (`0.5g*24/盒`).
                if prev_sep == Some('*') {
                    counts.push(*v);
                }
                prev_sep = None;
            }
            Tok::Sep(c) => prev_sep = Some(*c),
            Tok::Word(u) => {
                if prev_sep == Some('/') {
                    spec.pack_unit = Some(u.clone());
                }
                prev_sep = None;
            }
        }
    }
    spec.strengths
        .sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    if !counts.is_empty() {
        let product: f64 = counts.iter().product();
        if product.is_finite() && product > 0.0 {
            spec.count = Some(product);
        }
    }
    spec
}

/// Parse a catalogue row's spec plus its separate package fields
/// (最小包装数量 24, 最小制剂单位 粒, 最小包装单位 盒).
pub fn parse_with_pack(
    spec: &str,
    pack_spec: Option<&str>,
    qty: Option<&str>,
    unit: Option<&str>,
    pack_unit: Option<&str>,
) -> Spec {
    let mut s = parse(spec);
    if s.count.is_none() {
        if let Some(p) = pack_spec.map(parse) {
            s.count = p.count;
            s.count_unit = s.count_unit.or(p.count_unit);
            s.pack_unit = s.pack_unit.or(p.pack_unit);
            if !s.has_strength() {
                s.strengths = p.strengths;
                s.volume_ml = p.volume_ml;
            }
        }
    }
    if s.count.is_none() {
        if let Some(q) = qty
            .and_then(|q| q.trim().parse::<f64>().ok())
            .filter(|q| *q > 0.0)
        {
            s.count = Some(q);
        }
    }
    if s.count_unit.is_none() {
        s.count_unit = unit.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
    }
    if s.pack_unit.is_none() {
        s.pack_unit = pack_unit
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty());
    }
    s
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How two specifications compare on one aspect.
pub enum Cmp {
    /// Both sides state it and agree.
    Agree,
    /// Both sides state it and disagree.
    Disagree,
    /// At least one side does not state it.
    Missing,
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Compare the strength part (amounts, volume, concentration) of two specs.
pub fn compare_strength(a: &Spec, b: &Spec) -> Cmp {
    let mut shared = 0;
    for d in [Dim::Mass, Dim::Activity, Dim::Amount, Dim::Length] {
        let va: Vec<f64> = a
            .strengths
            .iter()
            .filter(|s| s.0 == d)
            .map(|s| s.1)
            .collect();
        let vb: Vec<f64> = b
            .strengths
            .iter()
            .filter(|s| s.0 == d)
            .map(|s| s.1)
            .collect();
        if va.is_empty() || vb.is_empty() {
            continue;
        }
        shared += 1;
        // Compound products list several strengths; every one must match.
        if va.len() != vb.len() || va.iter().zip(&vb).any(|(x, y)| !close(*x, *y)) {
            return Cmp::Disagree;
        }
    }
    for (x, y) in [(a.volume_ml, b.volume_ml), (a.percent, b.percent)] {
        if let (Some(x), Some(y)) = (x, y) {
            shared += 1;
            if !close(x, y) {
                return Cmp::Disagree;
            }
        }
    }
    if shared == 0 {
        // One side has a strength the other lacks in every dimension: a
        // conflict only if both state some strength.
        if a.has_strength() && b.has_strength() {
            return Cmp::Disagree;
        }
        return Cmp::Missing;
    }
    Cmp::Agree
}

/// Compare units per package.
pub fn compare_count(a: &Spec, b: &Spec) -> Cmp {
    match (a.count, b.count) {
        (Some(x), Some(y)) if close(x, y) => Cmp::Agree,
        (Some(_), Some(_)) => Cmp::Disagree,
        _ => Cmp::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        let (x, y) = (parse(a), parse(b));
        assert_eq!(
            compare_strength(&x, &y),
            Cmp::Agree,
            "{a} vs {b}: {x:?} {y:?}"
        );
        assert_ne!(compare_count(&x, &y), Cmp::Disagree, "{a} vs {b}");
    }

    #[test]
    fn equivalent_spellings_parse_equal() {
        same("0.25g*24粒", "250mg×24粒/盒");
        same("0.25gx24粒", "250毫克*24粒");
        same("0.25克", "250mg");
        same("按C16H19N3O5S计0.125g", "0.125g");
        same("0.25g(按C₁₆H₁₉N₃O₅S计)", "250mg");
        same("20mg(按C17H19N3O3S计算)", "0.02g");
        same("80万单位", "800000IU");
        same("80万IU", "80万U");
        same("500μg", "0.5mg");
        same("500ug", "500mcg");
        same("500µg", "0.5毫克");
        same("10ml:1g", "1g/10ml");
        same("5毫升", "5ml");
        same("150MGX12片", "150mg*12片");
        let s = parse("每10丸重1g*30丸/盒");
        assert_eq!(
            (s.count, s.strengths.clone()),
            (Some(30.0), vec![(Dim::Mass, 1000.0)])
        );
        assert_eq!(parse("每8丸相当于原生药3g×14丸").count, Some(14.0));
    }

    #[test]
    fn reads_volume_strength_and_count() {
        let s = parse("2ml:15mg*10支");
        assert_eq!(s.volume_ml, Some(2.0));
        assert_eq!(s.strengths, vec![(Dim::Mass, 15.0)]);
        assert_eq!(s.count, Some(10.0));
        assert_eq!(s.count_unit.as_deref(), Some("支"));
        let s = parse("0.25g*6片*2板/盒");
        assert_eq!(s.count, Some(12.0));
        assert_eq!(s.pack_unit.as_deref(), Some("盒"));
        let s = parse("0.5g*24/盒");
        assert_eq!(s.count, Some(24.0));
        let s = parse("0.9%(100ml)");
        assert_eq!(s.percent, Some(0.9));
        assert_eq!(s.volume_ml, Some(100.0));
    }

    #[test]
    fn different_strengths_and_counts_disagree() {
        assert_eq!(
            compare_strength(&parse("0.25g"), &parse("0.5g")),
            Cmp::Disagree
        );
        assert_eq!(
            compare_count(&parse("0.25g*24粒"), &parse("0.25g*12粒")),
            Cmp::Disagree
        );
        assert_eq!(
            compare_strength(&parse("5ml:0.1g"), &parse("10ml:0.1g")),
            Cmp::Disagree
        );
        assert_eq!(compare_strength(&parse(""), &parse("0.5g")), Cmp::Missing);
        // Compound products must match in every component.
        assert_eq!(
            compare_strength(
                &parse("富马酸比索洛尔5mg与苯磺酸氨氯地平5mg"),
                &parse("含富马酸比索洛尔5mg与苯磺酸氨氯地平(按C20H25ClN2O5计)5mg。")
            ),
            Cmp::Agree
        );
        assert_eq!(
            compare_strength(&parse("5mg与10mg"), &parse("5mg与5mg")),
            Cmp::Disagree
        );
    }

    #[test]
    fn catalogue_pack_fields_fill_the_count() {
        let s = parse_with_pack("0.25g", None, Some("24"), Some("粒"), Some("盒"));
        assert_eq!(compare_count(&s, &parse("0.25g*24粒/盒")), Cmp::Agree);
        assert_eq!(s.pack_unit.as_deref(), Some("盒"));
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            "",
            "****",
            "1e999g",
            "..5g",
            "9".repeat(400).as_str(),
            "g*ml:/",
            "按按按计计",
            "x1x2x3",
        ] {
            let _ = parse(s);
        }
        assert!(parse("abc").is_empty());
    }
}

/// Size units that may stand before a number without being a model prefix.
const UNIT_WORDS: [&str; 9] = ["cm", "mm", "ml", "f", "fr", "g", "kg", "m", "l"];

/// One spelling for a device model number: `JT_227`, `JT 227`, `JT227` and
/// `JT－227` all become `jt-227` (folded text in, folded text out). Inside
/// one 注册证 the model is the only discriminator, and HIS clerks type its
/// separator every way. Letters glued to a number before them (`22f`,
/// `5fmta`) or a size unit (`cm 26`) are left alone.
pub fn canonical_models(f: &str) -> String {
    let chars: Vec<char> = f.chars().collect();
    let mut out = String::with_capacity(f.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_word = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if c.is_ascii_lowercase() && starts_word {
            let mut a = i;
            while a < chars.len() && chars[a].is_ascii_lowercase() {
                a += 1;
            }
            let letters: String = chars[i..a].iter().collect();
            let sep = chars.get(a).copied();
            let digits_at = match sep {
                Some('_') | Some(' ') | Some('-') => a + 1,
                _ => a,
            };
            let mut b = digits_at;
            while b < chars.len() && chars[b].is_ascii_digit() {
                b += 1;
            }
            let n_digits = b - digits_at;
            let spaced = sep == Some(' ');
            let model = (1..=5).contains(&letters.len())
                && !UNIT_WORDS.contains(&letters.as_str())
                && if spaced || digits_at == a {
                    letters.len() >= 2 && n_digits >= 3
                } else {
                    n_digits >= 1
                };
            if model {
                out.push_str(&letters);
                out.push('-');
                i = digits_at;
                continue;
            }
            out.push_str(&letters);
            i = a;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Specification/model tokens of a device (`22F MTA-1044`, `Φ5.7mm×175mmST-4159`,
/// `单腔/HKA-4464`): model numbers (letters-digits), sizes (number+unit) and
/// Chinese words, lower case. Consumables are matched on these rather than on
/// a drug-style strength.
pub fn tokens(s: &str) -> Vec<String> {
    let f = canonical_models(&fold(s));
    let chars: Vec<char> = f.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut used = vec![false; chars.len()];
    // Models first: letters, '-', then digits/letters (`mta-1044`, `st-4159`).
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '-'
            && i > 0
            && chars[i - 1].is_ascii_alphabetic()
            && chars.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric())
        {
            let mut a = i;
            while a > 0 && chars[a - 1].is_ascii_alphabetic() {
                a -= 1;
            }
            let mut b = i + 1;
            while b < chars.len() && chars[b].is_ascii_alphanumeric() {
                b += 1;
            }
            // A size unit glued before the model (`26cmqxp-9985`) is not part of it.
            let letters: String = chars[a..i].iter().collect();
            for unit in ["cm", "mm", "ml", "f"] {
                if letters.len() >= unit.len() + 2
                    && letters.starts_with(unit)
                    && a > 0
                    && chars[a - 1].is_ascii_digit()
                {
                    a += unit.len();
                    break;
                }
            }
            out.push(chars[a..b].iter().collect());
            for u in used.iter_mut().take(b).skip(a) {
                *u = true;
            }
            i = b;
            continue;
        }
        i += 1;
    }
    let mut cur = String::new();
    let mut cur_kind = 0u8; // 1 ascii, 2 cjk
    let flush = |cur: &mut String, out: &mut Vec<String>| {
        let t = std::mem::take(cur);
        let t = t.trim_matches(|c: char| c == '.' || c == '-').to_string();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    };
    for (k, &c) in chars.iter().enumerate() {
        let kind = if used[k] {
            0
        } else if c.is_ascii_alphanumeric() || c == '.' {
            1
        } else if super::text::is_cjk(c) {
            2
        } else {
            0
        };
        // A size starts at a digit after letters (`5fmta` handled above, `11cm*26cm`).
        let boundary = kind == 1
            && c.is_ascii_digit()
            && cur.chars().last().is_some_and(|p| p.is_ascii_alphabetic());
        if kind != cur_kind || kind == 0 || boundary {
            flush(&mut cur, &mut out);
        }
        if kind != 0 {
            cur.push(c);
        }
        cur_kind = kind;
    }
    flush(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod token_tests {
    use super::tokens;

    #[test]
    fn device_tokens() {
        assert_eq!(tokens("22F MTA-1044"), vec!["mta-1044", "22f"]);
        assert_eq!(
            tokens("11cm×26cmQXP-9985"),
            vec!["qxp-9985", "11cm", "26cm"]
        );
        assert_eq!(tokens("单腔/HKA-4464"), vec!["hka-4464", "单腔"]);
        assert_eq!(
            tokens("Φ5.7mm×175mmST-4159"),
            vec!["st-4159", "φ", "5.7mm", "175mm"]
                .into_iter()
                .filter(|t| *t != "φ")
                .collect::<Vec<_>>()
        );
        assert!(tokens("").is_empty());
    }

    #[test]
    fn model_separators_fold_to_one_spelling() {
        // Catalogue `JT-227`; HIS clerks type every separator (issue #17).
        for his in [
            "JT-227",
            "JT_227",
            "JT 227",
            "JT227",
            "jt－227",
            "型号：JT227",
        ] {
            assert!(
                tokens(his).contains(&"jt-227".to_string()),
                "{his}: {:?}",
                tokens(his)
            );
        }
        assert_eq!(tokens("内固定 MTS 6443"), vec!["mts-6443", "内固定"]);
        // Sizes and French gauges are not models.
        assert_eq!(tokens("22F 10cm"), vec!["22f", "10cm"]);
        assert_eq!(tokens("长度 cm 26"), vec!["长度", "cm", "26"]);
        assert_eq!(tokens("Φ5.7mm×175mmST-4159")[0], "st-4159");
        assert_eq!(tokens("11cm×26cmQXP-9985")[0], "qxp-9985");
    }
}
