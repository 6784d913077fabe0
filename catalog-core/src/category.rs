//! Catalogue categories: the kinds of national catalogue a row can belong to.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The catalogue a row belongs to. `as_str()` is the stable name used in the
/// store, in JSON and by the command line; changing one breaks stored data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 西药中成药 (X…/Z… codes)
    Drug,
    /// 中药饮片 (T… codes)
    Herbal,
    /// 医疗机构制剂
    Preparation,
    /// 医用耗材 (C… codes)
    Consumable,
    /// 医疗服务项目 (15-digit codes)
    Service,
    /// 疾病诊断, ICD-10 医保版
    Diagnosis,
    /// 手术操作, ICD-9-CM-3 医保版
    Procedure,
    /// 医保药品目录 (甲/乙类, 限定支付范围)
    Reimbursement,
    /// 协议期内谈判药品 (支付标准, 协议期)
    Negotiated,
    /// 临床版→医保版映射表: a 国家临床版 ICD code (the row's code) and the
    /// 医保版 code it maps to; the matcher reads it as the strongest ICD key.
    Crosswalk,
}

impl Category {
    /// Every category, in the order reports list them.
    pub const ALL: [Category; 10] = [
        Category::Drug,
        Category::Herbal,
        Category::Preparation,
        Category::Consumable,
        Category::Service,
        Category::Diagnosis,
        Category::Procedure,
        Category::Reimbursement,
        Category::Negotiated,
        Category::Crosswalk,
    ];

    /// The stable English name (`drug`, `service`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Drug => "drug",
            Category::Herbal => "herbal",
            Category::Preparation => "preparation",
            Category::Consumable => "consumable",
            Category::Service => "service",
            Category::Diagnosis => "diagnosis",
            Category::Procedure => "procedure",
            Category::Reimbursement => "reimbursement",
            Category::Negotiated => "negotiated",
            Category::Crosswalk => "crosswalk",
        }
    }

    /// The Chinese name 医保办 staff know the catalogue by.
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Drug => "西药中成药",
            Category::Herbal => "中药饮片",
            Category::Preparation => "医疗机构制剂",
            Category::Consumable => "医用耗材",
            Category::Service => "医疗服务项目",
            Category::Diagnosis => "疾病诊断(ICD-10医保版)",
            Category::Procedure => "手术操作(ICD-9-CM-3医保版)",
            Category::Reimbursement => "医保药品目录",
            Category::Negotiated => "协议期内谈判药品",
            Category::Crosswalk => "临床版→医保版映射表",
        }
    }

    /// The code standard whose shape this category's codes must have, if any.
    /// Drugs have two (X and Z), so the caller tries each of `standard_ids()`.
    pub fn standard_ids(self) -> &'static [&'static str] {
        match self {
            Category::Drug => &["drug_western", "drug_tcm"],
            Category::Herbal => &["herbal"],
            Category::Preparation => &[],
            Category::Consumable => &["consumable"],
            Category::Service => &["service"],
            Category::Diagnosis => &["diagnosis"],
            Category::Procedure => &["procedure"],
            Category::Reimbursement | Category::Negotiated => &[],
            // Clinical-edition codes have the shapes of the 医保版 ones.
            Category::Crosswalk => &["diagnosis", "procedure"],
        }
    }

    /// True for categories that describe a product a hospital maps its items to.
    pub fn is_mappable(self) -> bool {
        !matches!(
            self,
            Category::Reimbursement | Category::Negotiated | Category::Crosswalk
        )
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is none of the categories (nor one of their Chinese names).
#[derive(Debug, thiserror::Error)]
#[error("unknown kind '{0}': expected one of drug, herbal, preparation, consumable, service, diagnosis, procedure, reimbursement, negotiated, crosswalk")]
pub struct UnknownCategory(
    /// The name as given.
    pub String,
);

impl FromStr for Category {
    type Err = UnknownCategory;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        let c = match t.as_str() {
            "drug" | "drugs" | "西药中成药" | "药品" | "西药" | "中成药" => {
                Category::Drug
            }
            "herbal" | "herb" | "中药饮片" | "饮片" => Category::Herbal,
            "preparation" | "医疗机构制剂" | "自制剂" => Category::Preparation,
            "consumable" | "consumables" | "material" | "医用耗材" | "耗材" => {
                Category::Consumable
            }
            "service" | "services" | "医疗服务项目" | "服务项目" | "诊疗项目" => {
                Category::Service
            }
            "diagnosis" | "icd10" | "疾病诊断" | "诊断" => Category::Diagnosis,
            "procedure" | "icd9" | "手术操作" | "手术" => Category::Procedure,
            "reimbursement" | "nrdl" | "医保药品目录" => Category::Reimbursement,
            "negotiated" | "谈判药品" | "协议期内谈判药品" => Category::Negotiated,
            "crosswalk" | "映射表" | "临床版映射" | "临床版映射表" => {
                Category::Crosswalk
            }
            // The full Chinese label, as the review workbook writes it.
            _ => match Category::ALL.into_iter().find(|c| c.label_zh() == s.trim()) {
                Some(c) => c,
                None => return Err(UnknownCategory(s.to_string())),
            },
        };
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_name() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().unwrap(), c);
            assert_eq!(c.label_zh().parse::<Category>().ok().unwrap_or(c), c);
        }
        assert!("pizza".parse::<Category>().is_err());
        assert_eq!("耗材".parse::<Category>().unwrap(), Category::Consumable);
    }
}
