//! 临床版→医保版映射表 (`Category::Crosswalk`): the official correspondence,
//! read as the strongest ICD key. A code the HIS holds that the table lists
//! is a 国家临床版 code; the 医保版 row it maps to is trusted without review
//! when the HIS name agrees with the table's 临床版 name (a code alone may
//! be of another edition, where the same string means something else).

use crate::norm::{keys, text};
use catalog_core::{Detail, Entry};
use std::collections::HashMap;

/// One 临床版 code's 医保版 target.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// The 临床版 code as the table writes it.
    pub clinical_code: String,
    /// The 临床版 name, empty when the table gives none.
    pub clinical_name: String,
    /// The 医保版 code it maps to.
    pub code: String,
    /// Its ICD key (`norm::keys::icd`), as rows carry theirs.
    pub key: String,
}

/// What the 映射表 says of the code a HIS item holds (set on the query by
/// the matcher; the scorer reads it).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Crossed {
    /// The 映射表 version label.
    pub label: String,
    /// The table's row for the code.
    pub target: Target,
    /// The HIS name agrees with the 临床版 name ([`names_agree`]).
    pub name_agrees: bool,
}

/// A 映射表 version ready for look-ups by the ICD key of a 临床版 code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Crosswalk {
    label: String,
    /// The store's version id (0 for a table not read from a store).
    id: i64,
    /// That version's checksum: an id freed by a deletion or `--replace` is
    /// given to the next import, so the id alone does not name the rows.
    checksum: String,
    map: HashMap<String, Target>,
}

impl Crosswalk {
    /// The table of a 映射表 version's rows (other rows are ignored).
    pub fn from_entries(label: &str, entries: impl IntoIterator<Item = Entry>) -> Crosswalk {
        let mut map = HashMap::new();
        for e in entries {
            let Detail::Crosswalk(d) = &e.detail else {
                continue;
            };
            let Some(target) = d.target_code.as_deref() else {
                continue;
            };
            let (Some(from), Some(to)) = (keys::icd(&e.code), keys::icd(target)) else {
                continue;
            };
            map.insert(
                from,
                Target {
                    clinical_code: e.code.clone(),
                    clinical_name: e.name.clone(),
                    code: target.to_string(),
                    key: to,
                },
            );
        }
        Crosswalk {
            label: label.to_string(),
            id: 0,
            checksum: String::new(),
            map,
        }
    }

    /// The version label, for explanations.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The checksum of the table's store version (empty when not read from a store).
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// The store's version id of the table (0 when not read from a store).
    pub fn id(&self) -> i64 {
        self.id
    }

    /// Pairs in the table.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when the table holds no pair.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The target of a 临床版 code, by its ICD key.
    pub fn get(&self, icd_key: &str) -> Option<&Target> {
        self.map.get(icd_key)
    }

    /// What the table says of an item holding the code with `icd_key`, named `his_name`.
    pub fn cross(&self, icd_key: &str, his_name: &str) -> Option<Crossed> {
        let t = self.get(icd_key)?;
        Some(Crossed {
            label: self.label.clone(),
            target: t.clone(),
            name_agrees: names_agree(his_name, &t.clinical_name),
        })
    }
}

/// The kind of ICD a 映射表 version maps: diagnoses when at least half its
/// codes start with a letter (`A01.000x002`), else procedures (`37.8300x002`).
pub fn kind_of(entries: &[Entry]) -> catalog_core::Category {
    let letters = entries
        .iter()
        .filter(|e| e.code.starts_with(|c: char| c.is_ascii_alphabetic()))
        .count();
    if letters * 2 >= entries.len() {
        catalog_core::Category::Diagnosis
    } else {
        catalog_core::Category::Procedure
    }
}

/// The newest 映射表 of `kind` (diagnosis or procedure) in the store, with
/// its version: the tables of both kinds share one category, so each
/// version's rows tell which kind it maps.
pub fn newest(
    store: &catalog_core::Store,
    kind: catalog_core::Category,
) -> anyhow::Result<Option<(catalog_core::VersionInfo, Crosswalk)>> {
    let versions = store.versions()?;
    let found = newest_known(store, kind, &versions, &mut HashMap::new(), None)?;
    Ok(found.and_then(|cw| {
        let v = versions.into_iter().find(|v| v.id == cw.id)?;
        Some((v, std::sync::Arc::unwrap_or_clone(cw)))
    }))
}

/// The kinds of 映射表 versions already read, by version id and checksum
/// (an id freed by a deletion or `--replace` is given to the next import).
pub type KnownKinds = HashMap<(i64, String), catalog_core::Category>;

/// [`newest`] for a caller that keeps what it read (the HTTP server, which
/// looks again after every import): `known` holds the kind of each version
/// already read, and `have` is the table it holds; when that is still the
/// newest of its kind it is returned as is. Only a version never seen is
/// read (a new table of the other kind once to learn its kind, and again by
/// the matcher of that kind), so an import of drugs reads no 映射表 rows.
pub fn newest_known(
    store: &catalog_core::Store,
    kind: catalog_core::Category,
    versions: &[catalog_core::VersionInfo],
    known: &mut KnownKinds,
    have: Option<&std::sync::Arc<Crosswalk>>,
) -> anyhow::Result<Option<std::sync::Arc<Crosswalk>>> {
    let mut tables: Vec<&catalog_core::VersionInfo> = versions
        .iter()
        .filter(|v| v.category == catalog_core::Category::Crosswalk)
        .collect();
    tables.sort_by_key(|v| std::cmp::Reverse(v.id));
    for v in tables {
        let at = (v.id, v.checksum.clone());
        match known.get(&at) {
            Some(k) if *k != kind => continue,
            Some(_) => {
                if let Some(h) = have.filter(|h| h.id == v.id && h.checksum == v.checksum) {
                    return Ok(Some(h.clone()));
                }
            }
            None => {}
        }
        let entries = store.entries(v.id)?;
        if entries.is_empty() {
            continue;
        }
        let of_kind = kind_of(&entries);
        known.insert(at, of_kind);
        if of_kind == kind {
            let mut cw = Crosswalk::from_entries(&v.label, entries);
            cw.id = v.id;
            cw.checksum = v.checksum.clone();
            return Ok(Some(std::sync::Arc::new(cw)));
        }
    }
    Ok(None)
}

/// The HIS name says what the table's 临床版 name says: the same after
/// normalisation (full width, case, punctuation, spaces), or one within a
/// slip of it. No name in the table is no agreement.
pub fn names_agree(his_name: &str, clinical_name: &str) -> bool {
    let (a, b) = (text::key(his_name), text::key(clinical_name));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b || crate::score::name_similarity(&a, &b) >= NAME_AGREES
}

/// Similarity above which two names are one name written two ways (a
/// character slip in a long name, `氏` dropped): below it, a clerk looks.
const NAME_AGREES: f64 = 0.9;

#[cfg(test)]
mod tests {
    use super::*;
    use catalog_core::{Category, Detail};

    fn row(code: &str, name: &str, target: &str) -> Entry {
        let mut e = Entry::new(code, name, Detail::empty(Category::Crosswalk));
        e.detail.set(
            "target_code",
            catalog_core::FieldValue::Text(target.to_string()),
        );
        e
    }

    #[test]
    fn looks_up_by_the_icd_key_of_the_clinical_code() {
        let cw = Crosswalk::from_entries(
            "2.0",
            [
                row("A01.000x002", "伤寒肠穿孔", "A01.003"),
                row("A01.000x003+G01*", "伤寒性脑膜炎", "A01.002+G01*"),
            ],
        );
        assert_eq!(cw.len(), 2);
        let t = cw.get(&keys::icd("a01000X002").unwrap()).unwrap();
        assert_eq!(t.code, "A01.003");
        assert_eq!(t.clinical_name, "伤寒肠穿孔");
        assert!(cw.get(&keys::icd("A01.003").unwrap()).is_none());
        assert_eq!(
            cw.get(&keys::icd("A01.000x003+G01*").unwrap())
                .unwrap()
                .code,
            "A01.002+G01*"
        );
    }

    #[test]
    fn names_agree_only_when_written_the_same_or_within_a_slip() {
        assert!(names_agree("伤寒肠穿孔", "伤寒肠穿孔"));
        assert!(names_agree("伤寒 肠穿孔 ", "伤寒肠穿孔"));
        assert!(!names_agree("伤寒肠穿孔", "伤寒性心肌炎"));
        assert!(!names_agree("伤寒肠穿孔", ""));
    }
}
