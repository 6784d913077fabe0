//! The column-alias table (`data/column_aliases.json`): which header means
//! which field, per catalogue kind, plus the HIS dictionary headers.

use crate::table::header_key;
use catalog_core::{field_specs, Category, FieldKind};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

#[derive(Deserialize, Default)]
struct CategoryAliases {
    #[serde(default)]
    code: Vec<String>,
    #[serde(default)]
    name: Vec<String>,
    #[serde(default)]
    name_from: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct AliasFile {
    common: BTreeMap<String, Vec<String>>,
    categories: BTreeMap<String, CategoryAliases>,
    hospital: BTreeMap<String, Vec<String>>,
}

/// Pseudo-field of 谈判药品: `2026年1月1日至2027年12月31日`, split into agreement_start/end.
pub const AGREEMENT_PERIOD: &str = "agreement_period";

/// Aliases of one kind, in priority order per key.
pub struct KindAliases {
    /// key → aliases (header keys), earlier = preferred.
    pub keys: Vec<(String, Vec<String>)>,
    /// key → its field label, tried after every listed alias.
    pub labels: Vec<(String, Vec<String>)>,
    pub name_from: Vec<String>,
}

pub struct Aliases {
    pub kinds: HashMap<Category, KindAliases>,
    pub hospital: Vec<(String, Vec<String>)>,
}

fn keyed(v: &[String]) -> Vec<String> {
    v.iter().map(|s| header_key(s)).collect()
}

pub static ALIASES: LazyLock<Aliases> = LazyLock::new(|| {
    // A broken table is caught by the unit tests; at run time it only means fewer aliases.
    let f: AliasFile = serde_json::from_str(include_str!("../../data/column_aliases.json"))
        .unwrap_or(AliasFile {
            common: BTreeMap::new(),
            categories: BTreeMap::new(),
            hospital: BTreeMap::new(),
        });
    let mut kinds = HashMap::new();
    for c in Category::ALL {
        let ca = f.categories.get(c.as_str());
        let mut keys: Vec<(String, Vec<String>)> = Vec::new();
        let empty = CategoryAliases::default();
        let ca = ca.unwrap_or(&empty);
        keys.push(("code".into(), keyed(&ca.code)));
        keys.push(("name".into(), keyed(&ca.name)));
        for (k, v) in &f.common {
            keys.push((k.clone(), keyed(v)));
        }
        for (k, v) in &ca.fields {
            keys.push((k.clone(), keyed(v)));
        }
        // Every field's own label is accepted too, but only for columns no
        // listed alias claimed (备注 is 限定支付范围 in the drug list, not 说明).
        let labels = field_specs(c)
            .iter()
            .filter(|s| !matches!(s.key, "code" | "name"))
            .map(|s| (s.key.to_string(), vec![header_key(s.label)]))
            .collect();
        kinds.insert(
            c,
            KindAliases {
                keys,
                labels,
                name_from: ca.name_from.clone(),
            },
        );
    }
    let hospital = f
        .hospital
        .iter()
        .map(|(k, v)| (k.clone(), keyed(v)))
        .collect();
    Aliases { kinds, hospital }
});

/// Every alias of every kind: what a catalogue header row looks like.
pub fn catalog_headers() -> Vec<String> {
    ALIASES
        .kinds
        .values()
        .flat_map(|k| k.keys.iter().flat_map(|(_, v)| v.iter().cloned()))
        .collect()
}

pub fn catalog_headers_of(c: Category) -> Vec<String> {
    ALIASES
        .kinds
        .get(&c)
        .map(|k| k.keys.iter().flat_map(|(_, v)| v.iter().cloned()).collect())
        .unwrap_or_default()
}

pub fn hospital_headers() -> Vec<String> {
    ALIASES
        .hospital
        .iter()
        .flat_map(|(_, v)| v.iter().cloned())
        .collect()
}

/// Aliases accepted for a key, for error messages.
pub fn aliases_of(c: Category, key: &str) -> Vec<String> {
    ALIASES
        .kinds
        .get(&c)
        .map(|k| {
            k.keys
                .iter()
                .chain(&k.labels)
                .filter(|(k, _)| k == key)
                .flat_map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Assign columns to keys: for each key, the column whose alias ranks
/// highest; a column serves one key only (the first key in table order that
/// claims it). Returns key → column index.
pub fn assign(keys: &[(String, Vec<String>)], header: &[String]) -> Vec<(String, usize)> {
    let mut taken = vec![false; header.len()];
    let mut out = Vec::new();
    assign_into(keys, header, &mut taken, &mut out);
    out
}

/// [`assign`] for a catalogue kind: listed aliases first, then field labels.
pub fn assign_kind(ka: &KindAliases, header: &[String]) -> Vec<(String, usize)> {
    let mut taken = vec![false; header.len()];
    let mut out = Vec::new();
    assign_into(&ka.keys, header, &mut taken, &mut out);
    let rest: Vec<(String, Vec<String>)> = ka
        .labels
        .iter()
        .filter(|(k, _)| !out.iter().any(|(o, _)| o == k))
        .cloned()
        .collect();
    assign_into(&rest, header, &mut taken, &mut out);
    out
}

fn assign_into(
    keys: &[(String, Vec<String>)],
    header: &[String],
    taken: &mut [bool],
    out: &mut Vec<(String, usize)>,
) {
    let hk: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    for (key, aliases) in keys {
        if out.iter().any(|(k, _)| k == key) {
            continue;
        }
        let mut best: Option<(usize, usize)> = None; // (alias rank, column)
        for (col, h) in hk.iter().enumerate() {
            if taken[col] {
                continue;
            }
            if let Some(rank) = aliases.iter().position(|a| a == h) {
                if best.is_none_or(|(r, _)| rank < r) {
                    best = Some((rank, col));
                }
            }
        }
        if let Some((_, col)) = best {
            taken[col] = true;
            out.push((key.clone(), col));
        }
    }
}

/// Guess the catalogue kind from a header: the kind whose aliases explain
/// the most columns, a code column counting double. Ties go to the earlier
/// kind in `Category::ALL`. None when no kind has a code column.
pub fn detect_kind(header: &[String]) -> Option<Category> {
    let mut best: Option<(usize, Category)> = None;
    for c in Category::ALL {
        let Some(k) = ALIASES.kinds.get(&c) else {
            continue;
        };
        let got = assign_kind(k, header);
        let has_code = got.iter().any(|(k, _)| k == "code")
            || (matches!(c, Category::Reimbursement | Category::Negotiated)
                && got.iter().any(|(k, _)| k == "list_no")
                && got.iter().any(|(k, _)| k == "class_code"));
        if !has_code {
            continue;
        }
        let score = got.len() + 1;
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The kind of a field key in a category (Bool for `active`).
pub fn kind_of(c: Category, key: &str) -> Option<FieldKind> {
    field_specs(c).iter().find(|s| s.key == key).map(|s| s.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_alias_key_is_a_field_of_its_kind() {
        for c in Category::ALL {
            let k = ALIASES.kinds.get(&c).unwrap();
            for (key, _) in k.keys.iter().chain(&k.labels) {
                assert!(
                    key == AGREEMENT_PERIOD || kind_of(c, key).is_some(),
                    "{c}: unknown key {key}"
                );
            }
            for key in &k.name_from {
                assert!(kind_of(c, key).is_some(), "{c}: unknown name_from {key}");
            }
        }
        assert!(ALIASES.hospital.len() >= 13);
    }

    #[test]
    fn kinds_are_detected_from_the_formats_md_headers() {
        let cases: &[(&[&str], Category)] = &[
            (
                &[
                    "药品代码",
                    "数据来源",
                    "注册名称",
                    "商品名称",
                    "注册剂型",
                    "剂型",
                    "注册规格",
                    "规格",
                    "批准文号",
                    "2025版甲乙类",
                    "编号",
                ],
                Category::Drug,
            ),
            (
                &[
                    "医疗目录编码",
                    "单味药名称",
                    "单复方标志",
                    "质量等级",
                    "药用部位",
                    "性味",
                    "有效标志",
                ],
                Category::Herbal,
            ),
            (
                &[
                    "医疗目录编码",
                    "药品名称",
                    "剂型",
                    "规格",
                    "包装规格",
                    "生产企业名称",
                    "批准文号",
                    "有效标志",
                ],
                Category::Preparation,
            ),
            (
                &[
                    "医用耗材代码",
                    "一级分类",
                    "二级分类",
                    "医保通用名",
                    "规格",
                    "型号",
                    "价格",
                ],
                Category::Consumable,
            ),
            (
                &[
                    "项目编码",
                    "项目名称",
                    "价格项目编码",
                    "计价单位",
                    "项目内涵",
                    "一级价格",
                ],
                Category::Service,
            ),
            (
                &[
                    "章",
                    "章代码范围",
                    "节代码范围",
                    "类目代码",
                    "诊断代码",
                    "诊断名称",
                    "有效标志",
                ],
                Category::Diagnosis,
            ),
            (
                &[
                    "章",
                    "类目代码",
                    "细目代码",
                    "手术操作代码",
                    "手术操作名称",
                    "有效标志",
                ],
                Category::Procedure,
            ),
            (
                &[
                    "药品分类代码",
                    "药品分类",
                    "甲乙类",
                    "编号",
                    "药品名称",
                    "剂型",
                    "备注",
                ],
                Category::Reimbursement,
            ),
            (
                &[
                    "药品分类代码",
                    "药品分类",
                    "甲乙类",
                    "编号",
                    "药品名称",
                    "剂型",
                    "医保支付标准",
                    "备注",
                    "协议有效期",
                ],
                Category::Negotiated,
            ),
        ];
        for (hdr, want) in cases {
            assert_eq!(detect_kind(&h(hdr)), Some(*want), "{hdr:?}");
        }
        assert_eq!(detect_kind(&h(&["foo", "bar"])), None);
    }

    #[test]
    fn provincial_code_headers_map_to_code() {
        for alias in ["药品代码", "医保药品代码", "国家药品代码", "医疗目录编码"]
        {
            let got = assign(
                &ALIASES.kinds[&Category::Drug].keys,
                &h(&[alias, "注册名称"]),
            );
            assert!(got.contains(&("code".to_string(), 0)), "{alias}: {got:?}");
        }
    }
}
