//! HIS dictionaries (院内项目) as the matcher reads them.

use crate::aliases::{assign, hospital_headers, ALIASES};
use crate::table::{self, TableOptions};
use crate::table::{ReadError, RowError};
use crate::values::parse_money;
use catalog_core::{Category, HospitalItem};
use std::collections::BTreeMap;
use std::path::Path;

/// How to read a hospital dictionary.
#[derive(Clone, Debug, Default)]
pub struct HospitalReadOptions {
    /// Sheet name or 1-based index.
    pub sheet: Option<String>,
    /// Bounds on what the source may make the reader hold.
    pub limits: crate::limits::Limits,
}

/// A hospital dictionary as read.
#[derive(Debug, Default)]
pub struct HospitalRead {
    /// The items, in file order.
    pub items: Vec<HospitalItem>,
    /// The rows that could not be read.
    pub rejected: Vec<RowError>,
    /// Data rows read: items + rejected.
    pub read: u64,
}

/// Read a hospital dictionary. Rows with an empty name are kept (the matcher
/// reports them); unknown columns go to `extra`; a missing name column is an
/// error that lists what was found and what is accepted.
pub fn read_items(path: &Path, opts: &HospitalReadOptions) -> Result<HospitalRead, ReadError> {
    let t = table::open(
        path,
        &TableOptions {
            sheet: opts.sheet.clone(),
            known_headers: hospital_headers(),
            layout: None,
            limits: opts.limits.clone(),
        },
    )?;
    let cols = assign(&ALIASES.hospital, &t.header);
    let col = |k: &str| cols.iter().find(|(key, _)| key == k).map(|(_, c)| *c);
    let Some(name_col) = col("name") else {
        return Err(ReadError::MissingColumn {
            file: t.file.clone(),
            sheet: t.sheet.clone(),
            wanted: "院内名称".into(),
            found: t.header.clone(),
            expected: ALIASES
                .hospital
                .iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
        });
    };
    let used: Vec<usize> = cols.iter().map(|(_, c)| *c).collect();
    let header = t.header.clone();
    let (file, sheet) = (t.file.clone(), t.sheet.clone());
    let mut out = HospitalRead::default();
    for item in t {
        out.read += 1;
        let rec = match item {
            // A dictionary has no code column to tell notes by, so they stay rejects.
            Ok(r) if crate::table::is_note_row(&r.cells, header.len()) => {
                out.rejected.push(
                    RowError::new(&file, sheet.as_deref(), r.row, tr!("reject.not_data_row"))
                        .cells(&r.cells),
                );
                continue;
            }
            Ok(r) => r,
            Err(e) if e.fatal => return Err(ReadError::Source(e)),
            Err(e) => {
                out.rejected.push(e);
                continue;
            }
        };
        let cell = |k: &str| -> Option<String> {
            col(k)
                .and_then(|c| rec.cells.get(c))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let mut extra = BTreeMap::new();
        for (i, h) in header.iter().enumerate() {
            let v = rec.cells.get(i).map(|s| s.trim()).unwrap_or("");
            if !used.contains(&i) && !v.is_empty() {
                extra.insert(h.clone(), v.to_string());
            }
        }
        let category = match cell("category") {
            Some(c) => match his_category(&c) {
                Some(cat) => Some(cat),
                None => {
                    extra.insert(header[col("category").unwrap_or(0)].clone(), c);
                    None
                }
            },
            None => None,
        };
        let price = match cell("price") {
            Some(p) => match parse_money(&p) {
                Some((m, _)) => Some(m),
                None => {
                    // Kept verbatim rather than lost: a price is not needed to match.
                    extra.insert(header[col("price").unwrap_or(0)].clone(), p);
                    None
                }
            },
            None => None,
        };
        out.items.push(HospitalItem {
            row: rec.row,
            code: cell("code").unwrap_or_default(),
            name: rec
                .cells
                .get(name_col)
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            category,
            spec: cell("spec"),
            dosage_form: cell("dosage_form"),
            unit: cell("unit"),
            manufacturer: cell("manufacturer"),
            approval_no: cell("approval_no"),
            standard_code: cell("standard_code"),
            registration_no: cell("registration_no"),
            price_code: cell("price_code"),
            national_code: cell("national_code"),
            price,
            // In a labelled file an empty 标准编码 means "no national counterpart".
            truth: col("truth").map(|c| {
                rec.cells
                    .get(c)
                    .map(|s| s.trim().to_string())
                    .unwrap_or_default()
            }),
            extra,
        });
    }
    let _ = (file, sheet);
    Ok(out)
}

/// A HIS 类别 cell: the catalogue names mulu knows, the words HIS systems use
/// for charge classes, and the list_type codes every region agrees on
/// (101/201/301; 102-105 differ by region, so they are left unread).
fn his_category(s: &str) -> Option<Category> {
    if let Ok(c) = s.parse::<Category>() {
        return Some(c);
    }
    let t = catalog_core::normalize::clean_text(s);
    let t = t.trim_end_matches('费').trim_end_matches("类");
    Some(match t {
        "101" | "西药中成药" | "中西成药" => Category::Drug,
        "201" | "诊疗" | "治疗" | "检查" | "检验" | "化验" | "护理" | "床位" | "诊察"
        | "一般诊疗" | "服务" => Category::Service,
        "301" | "材料" | "卫生材料" | "医用材料" | "医用耗材" => Category::Consumable,
        "中草药" | "草药" | "中药饮片" => Category::Herbal,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_labelled_his_dictionary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("his.csv");
        std::fs::write(
            &p,
            "医院HIS字典导出\n院内编码,院内名称,类别,规格,厂家,单价,标准编码,科室\nY001,阿莫西林胶囊,药品,0.25g*24,华北制药,12.50,XJ01CAA040A001010100483,药剂科\nY002,,耗材,,,abc,,\n合计,,,,,,,\n",
        )
        .unwrap();
        let r = read_items(&p, &HospitalReadOptions::default()).unwrap();
        assert_eq!(r.read, 3);
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.rejected.len(), 1);
        let a = &r.items[0];
        assert_eq!(a.row, 3);
        assert_eq!(a.code, "Y001");
        assert_eq!(a.category, Some(Category::Drug));
        assert_eq!(a.manufacturer.as_deref(), Some("华北制药"));
        assert_eq!(a.price.unwrap().to_string(), "12.50");
        assert_eq!(a.truth.as_deref(), Some("XJ01CAA040A001010100483"));
        assert_eq!(a.extra.get("科室").map(String::as_str), Some("药剂科"));
        let b = &r.items[1];
        assert_eq!(b.name, "");
        assert_eq!(b.truth.as_deref(), Some(""));
        assert_eq!(b.extra.get("单价").map(String::as_str), Some("abc"));
    }

    #[test]
    fn his_charge_classes_map_to_kinds() {
        assert_eq!(his_category("诊疗"), Some(Category::Service));
        assert_eq!(his_category("卫生材料费"), Some(Category::Consumable));
        assert_eq!(his_category("301"), Some(Category::Consumable));
        assert_eq!(his_category("西药"), Some(Category::Drug));
        assert_eq!(his_category("102"), None);
    }

    #[test]
    fn missing_name_column_lists_found_and_expected() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("his.csv");
        std::fs::write(&p, "院内编码,规格\nY1,1g\n").unwrap();
        let e = read_items(&p, &HospitalReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("院内编码, 规格"), "{e}");
        assert!(e.contains("院内名称") && e.contains("项目名称"), "{e}");
    }
}
