//! The embedded synonym tables (data/synonyms). Kept as data so that a
//! correction is a one-line change, loaded once on first use.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const DOSAGE_FORMS: &str = include_str!("../../data/synonyms/dosage_forms.csv");
const UNITS: &str = include_str!("../../data/synonyms/units.csv");
const COUNT_UNITS: &str = include_str!("../../data/synonyms/count_units.txt");
const MFR_SUFFIXES: &str = include_str!("../../data/synonyms/manufacturer_suffixes.txt");
const MFR_REGIONS: &str = include_str!("../../data/synonyms/manufacturer_regions.txt");
const MFR_PROVINCES: &str = include_str!("../../data/synonyms/manufacturer_provinces.csv");
const MFR_WORDS: &str = include_str!("../../data/synonyms/manufacturer_words.txt");
const MFR_ALIASES: &str = include_str!("../../data/synonyms/manufacturer_aliases.csv");
const MFR_ENGLISH: &str = include_str!("../../data/synonyms/manufacturer_english.csv");
const TRADE_NAMES: &str = include_str!("../../data/synonyms/trade_names.csv");
const ICD_WORDS: &str = include_str!("../../data/synonyms/icd_words.csv");
const ICD_QUALIFIERS: &str = include_str!("../../data/synonyms/icd_qualifiers.csv");
const ICD_ABBREVIATIONS: &str = include_str!("../../data/synonyms/icd_abbreviations.csv");

/// One dosage-form synonym: its canonical form and the family it belongs to
/// (肠溶片 and 片 differ, but are closer than 片 and 胶囊).
#[derive(Clone, Debug)]
pub struct FormInfo {
    /// The canonical form a synonym stands for.
    pub canonical: String,
    /// The form's family (`片`, `胶囊`, `注射剂`).
    pub family: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
/// The dimension of a unit.
pub enum Dimension {
    /// Mass.
    Mass,
    /// Volume.
    Volume,
    /// Activity.
    Activity,
    /// Amount of substance.
    Amount,
    /// Percentage.
    Percent,
    /// Length.
    Length,
}

/// The synonym tables of `data/synonyms/`, loaded once.
pub struct Tables {
    /// Dosage-form synonyms → canonical form and family.
    pub forms: HashMap<String, FormInfo>,
    /// Form synonyms longest first, for suffix search in names.
    pub forms_by_len: Vec<String>,
    /// Units → dimension and factor to the base unit.
    pub units: HashMap<String, (Dimension, f64)>,
    /// Unit spellings longest first, for greedy matching after a number.
    pub units_by_len: Vec<String>,
    /// Count units (`粒`, `片`, `支`).
    pub count_units: Vec<String>,
    /// Legal-form suffixes of makers (`有限公司`).
    pub mfr_suffixes: Vec<String>,
    /// Region prefixes of makers (`上海`).
    pub mfr_regions: Vec<String>,
    /// Region prefix → the province it lies in (`杭州市` → `浙江`).
    pub mfr_provinces: HashMap<String, String>,
    /// Generic words of maker names (`制药`, `药业`).
    pub mfr_words: Vec<String>,
    /// Maker aliases → full name.
    pub mfr_aliases: HashMap<String, String>,
    /// English maker names → the Chinese name they register under, as
    /// written in the table (the matcher keys them by their words).
    pub mfr_english: Vec<(String, String)>,
    /// Trade names → generic name.
    pub trade_names: HashMap<String, String>,
    /// Terms of one meaning in ICD names (`涎腺` → `唾液腺`), longest variant
    /// first (`wording.rs`).
    pub icd_terms: Vec<(String, String)>,
    /// Words that change what an ICD name means (`继发`, `原位`), with
    /// whether they count only at the end of the name (`史$`); at most 64
    /// (`wording.rs` keeps them as bits).
    pub icd_qualifiers: Vec<(String, bool)>,
    /// Clinical shorthand in HIS ICD names (`冠心病`, `肺Ca`), longest first
    /// (`shorthand.rs`).
    pub icd_abbreviations: Vec<crate::shorthand::Abbreviation>,
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn csv_rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    lines(text)
        .skip(1)
        .map(|l| l.split(',').map(str::trim).collect())
}

fn by_len_desc(mut v: Vec<String>) -> Vec<String> {
    v.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    v.dedup();
    v
}

fn load() -> Tables {
    let mut forms = HashMap::new();
    for r in csv_rows(DOSAGE_FORMS) {
        if let [syn, canon, fam, ..] = r.as_slice() {
            forms.insert(
                syn.to_string(),
                FormInfo {
                    canonical: canon.to_string(),
                    family: fam.to_string(),
                },
            );
        }
    }
    let mut units = HashMap::new();
    for r in csv_rows(UNITS) {
        if let [u, dim, factor, ..] = r.as_slice() {
            let dim = match *dim {
                "mass" => Dimension::Mass,
                "volume" => Dimension::Volume,
                "activity" => Dimension::Activity,
                "amount" => Dimension::Amount,
                "percent" => Dimension::Percent,
                "length" => Dimension::Length,
                _ => continue,
            };
            if let Ok(f) = factor.parse::<f64>() {
                units.insert(u.to_lowercase(), (dim, f));
            }
        }
    }
    let mut seen = HashSet::new();
    let mut trade_names = HashMap::new();
    for r in csv_rows(TRADE_NAMES) {
        if let [t, g, ..] = r.as_slice() {
            if seen.insert(t.to_string()) {
                trade_names.insert(t.to_string(), g.to_string());
            }
        }
    }
    Tables {
        forms_by_len: by_len_desc(forms.keys().cloned().collect()),
        forms,
        units_by_len: by_len_desc(units.keys().cloned().collect()),
        units,
        count_units: by_len_desc(lines(COUNT_UNITS).map(String::from).collect()),
        mfr_suffixes: by_len_desc(lines(MFR_SUFFIXES).map(String::from).collect()),
        mfr_regions: by_len_desc(lines(MFR_REGIONS).map(String::from).collect()),
        mfr_provinces: csv_rows(MFR_PROVINCES)
            .filter_map(|r| match r.as_slice() {
                [a, p, ..] if !a.is_empty() && !p.is_empty() => {
                    Some((a.to_string(), p.to_string()))
                }
                _ => None,
            })
            .collect(),
        mfr_words: by_len_desc(lines(MFR_WORDS).map(String::from).collect()),
        mfr_aliases: csv_rows(MFR_ALIASES)
            .filter_map(|r| match r.as_slice() {
                [a, c, ..] => Some((a.to_lowercase(), c.to_string())),
                _ => None,
            })
            .collect(),
        mfr_english: csv_rows(MFR_ENGLISH)
            .filter_map(|r| match r.as_slice() {
                [e, c, ..] if !e.is_empty() && !c.is_empty() => {
                    Some((e.to_string(), c.to_string()))
                }
                _ => None,
            })
            .collect(),
        trade_names,
        icd_terms: {
            let mut t: Vec<(String, String)> = csv_rows(ICD_WORDS)
                .filter_map(|r| match r.as_slice() {
                    [v, c, ..] if !v.is_empty() && !c.is_empty() => {
                        Some((v.to_string(), c.to_string()))
                    }
                    _ => None,
                })
                .collect();
            t.sort_by(|a, b| {
                b.0.chars()
                    .count()
                    .cmp(&a.0.chars().count())
                    .then(a.0.cmp(&b.0))
            });
            t
        },
        icd_qualifiers: csv_rows(ICD_QUALIFIERS)
            .filter_map(|r| {
                let q = *r.first()?;
                let (q, at_end) = match q.strip_suffix('$') {
                    Some(q) => (q, true),
                    None => (q, false),
                };
                (!q.is_empty()).then(|| (q.to_string(), at_end))
            })
            .collect(),
        icd_abbreviations: crate::shorthand::parse(ICD_ABBREVIATIONS),
    }
}

/// The tables, parsed on first use.
pub static TABLES: LazyLock<Tables> = LazyLock::new(load);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_and_are_consistent() {
        let t = &*TABLES;
        assert_eq!(t.forms["薄膜衣片"].canonical, "片");
        assert_eq!(t.forms["注射用"].canonical, "粉针");
        assert_eq!(t.units["万单位"], (Dimension::Activity, 10000.0));
        assert!(
            t.units_by_len[0].chars().count()
                >= t.units_by_len[t.units_by_len.len() - 1].chars().count()
        );
        assert_eq!(t.trade_names["希舒美"], "阿奇霉素");
        // `wording::qualifiers` keeps them as the bits of a u64.
        assert!((1..=64).contains(&t.icd_qualifiers.len()));
        assert!(t.icd_qualifiers.contains(&("史".to_string(), true)));
        // Every shorthand is used in some kind, and none is listed twice.
        assert!(t.icd_abbreviations.len() > 50);
        let mut seen = HashSet::new();
        for a in &t.icd_abbreviations {
            assert!(a.diagnosis || a.procedure, "{}", a.short);
            assert!(seen.insert((a.short.clone(), a.diagnosis)), "{}", a.short);
        }
        // Every region prefix lies in a province.
        for r in &t.mfr_regions {
            assert!(t.mfr_provinces.contains_key(r), "{r} has no province");
        }
        assert_eq!(t.mfr_provinces["杭州市"], "浙江");
        // Every canonical form is itself a synonym of itself.
        for f in t.forms.values() {
            assert_eq!(
                t.forms[&f.canonical].canonical, f.canonical,
                "{}",
                f.canonical
            );
        }
    }
}
