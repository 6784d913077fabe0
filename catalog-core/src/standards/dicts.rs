//! The class dictionaries (drug, consumable, service classes, ICD-10
//! categories) that segments are decoded with: real public rows in `data/dicts/`.

use std::collections::HashMap;

/// (dictionary, csv text, key column, name column, only rows whose first column is this)
type DictSource = (
    &'static str,
    &'static str,
    usize,
    usize,
    Option<&'static str>,
);
pub(super) const BUILTIN: &[DictSource] = &[
    (
        "drug_class",
        include_str!("../../../data/dicts/drug_classes.csv"),
        0,
        1,
        None,
    ),
    (
        "consumable_class",
        include_str!("../../../data/dicts/consumable_classes.csv"),
        0,
        1,
        None,
    ),
    // The category list mixes 西医 and 中医 codes that share keys (A01. is both).
    (
        "icd10_category",
        include_str!("../../../data/dicts/diagnosis_categories.csv"),
        1,
        2,
        Some("西医诊断"),
    ),
    (
        "service_class",
        include_str!("../../../data/dicts/service_classes.csv"),
        3,
        1,
        None,
    ),
];

pub(super) fn parse(
    csv: &str,
    key_col: usize,
    name_col: usize,
    only: Option<&str>,
) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if only.is_some_and(|o| cols.first() != Some(&o)) {
            continue;
        }
        if let (Some(k), Some(v)) = (cols.get(key_col), cols.get(name_col)) {
            let k = k.trim().trim_end_matches('.').to_ascii_uppercase();
            if !k.is_empty() {
                m.entry(k).or_insert_with(|| v.trim().to_string());
            }
        }
    }
    m
}
