//! Dosage-form equivalence (片/片剂/普通片/薄膜衣片 are one form; 注射用… is
//! 粉针), from data/synonyms/dosage_forms.csv.

use super::text::fold;
use crate::synonyms::TABLES;
use serde::{Deserialize, Serialize};

/// The canonical form of a dosage-form text, or None if it is not one we know.
pub fn canonical(s: &str) -> Option<&'static str> {
    let f: String = fold(s).chars().filter(|c| !c.is_whitespace()).collect();
    let t = &*TABLES;
    t.forms
        .get(f.as_str())
        .map(|i| i.canonical.as_str())
        .or_else(|| {
            // `片剂(薄膜衣片)`: the bracketed, more specific form wins.
            let inner = f.split(['(', ')']).rfind(|p| !p.is_empty())?;
            t.forms.get(inner).map(|i| i.canonical.as_str())
        })
}

/// The family of a canonical form (`肠溶片` → `片`).
pub fn family(canonical: &str) -> Option<&'static str> {
    TABLES.forms.get(canonical).map(|i| i.family.as_str())
}

/// Characters that end many generic names (阿奇霉素, 维生素, 胰岛素) and also
/// begin a form synonym (素片). A name ending in `素片` is the drug `…素` as a
/// plain tablet, so such a synonym is never stripped whole: the shorter
/// suffix (`片`) gives the same form and keeps the name intact.
const NAME_ENDINGS: [char; 1] = ['素'];

/// Split a drug name into (base, canonical form) by its longest known form
/// suffix (`阿莫西林胶囊` → `阿莫西林`, `胶囊`) or the `注射用` prefix.
pub fn split_name(name: &str) -> (String, Option<&'static str>) {
    let t = &*TABLES;
    if let Some(rest) = name.strip_prefix("注射用") {
        if !rest.is_empty() {
            return (rest.to_string(), Some("粉针"));
        }
    }
    for syn in &t.forms_by_len {
        if syn == "注射用" || syn.starts_with(NAME_ENDINGS) {
            continue;
        }
        if let Some(base) = name.strip_suffix(syn.as_str()) {
            if !base.is_empty() {
                return (
                    base.to_string(),
                    Some(t.forms[syn.as_str()].canonical.as_str()),
                );
            }
        }
    }
    (name.to_string(), None)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How two dosage forms compare.
pub enum FormCmp {
    /// The same canonical form.
    Same,
    /// One side names only the family (注射剂 vs 粉针, 片 vs 薄膜衣片 already
    /// fold to 片): compatible, not evidence either way.
    Broad,
    /// Same family (片 vs 肠溶片): related, but a different product code.
    Family,
    /// Different forms of different families.
    Different,
    /// At least one side has no form.
    Missing,
}

/// Compare two canonical forms.
pub fn compare(a: Option<&str>, b: Option<&str>) -> FormCmp {
    match (a, b) {
        (Some(x), Some(y)) if x == y => FormCmp::Same,
        (Some(x), Some(y)) if family(x).is_some() && family(x) == family(y) => {
            if family(x) == Some(x) || family(y) == Some(y) {
                FormCmp::Broad
            } else {
                FormCmp::Family
            }
        }
        (Some(_), Some(_)) => FormCmp::Different,
        _ => FormCmp::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_share_a_canonical_form() {
        for s in [
            "片",
            "片剂",
            "普通片",
            "薄膜衣片",
            "片剂(薄膜衣片)",
            " 片剂 ",
        ] {
            assert_eq!(canonical(s), Some("片"), "{s}");
        }
        assert_eq!(
            compare(canonical("注射剂"), canonical("注射液")),
            FormCmp::Broad
        );
        assert_eq!(
            compare(canonical("注射剂"), canonical("注射用")),
            FormCmp::Broad
        );
        assert_eq!(
            compare(canonical("注射液"), canonical("注射用")),
            FormCmp::Family
        );
        assert_eq!(canonical("硬胶囊"), Some("胶囊"));
        assert_eq!(canonical("注射用无菌粉末"), Some("粉针"));
        assert_eq!(canonical("肠溶片"), Some("肠溶片"));
        assert_eq!(canonical("不是剂型"), None);
    }

    #[test]
    fn splits_names_and_compares_forms() {
        assert_eq!(
            split_name("阿莫西林胶囊"),
            ("阿莫西林".into(), Some("胶囊"))
        );
        assert_eq!(
            split_name("注射用头孢曲松钠"),
            ("头孢曲松钠".into(), Some("粉针"))
        );
        assert_eq!(
            split_name("奥美拉唑肠溶胶囊"),
            ("奥美拉唑".into(), Some("肠溶胶囊"))
        );
        assert_eq!(
            split_name("阿司匹林肠溶片"),
            ("阿司匹林".into(), Some("肠溶片"))
        );
        assert_eq!(split_name("片"), ("片".into(), None));
        // 素片 is a form (the dosage-form column says so), but in a name the 素
        // belongs to the drug (issue #16).
        assert_eq!(split_name("阿奇霉素片"), ("阿奇霉素".into(), Some("片")));
        assert_eq!(split_name("维生素C片"), ("维生素C".into(), Some("片")));
        assert_eq!(canonical("素片"), Some("片"));
        assert_eq!(compare(Some("片"), Some("片")), FormCmp::Same);
        assert_eq!(compare(Some("片"), Some("肠溶片")), FormCmp::Broad);
        assert_eq!(compare(Some("缓释片"), Some("肠溶片")), FormCmp::Family);
        assert_eq!(compare(Some("片"), Some("胶囊")), FormCmp::Different);
        assert_eq!(compare(None, Some("胶囊")), FormCmp::Missing);
    }
}
