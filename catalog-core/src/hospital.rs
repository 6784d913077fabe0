//! A hospital's own charge item (a row of a HIS dictionary) as the matcher sees it.

use crate::category::Category;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every field defaults, so API callers send only what they have (`{"name": …}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HospitalItem {
    /// 1-based data row in the source file, so every output row traces back.
    pub row: u64,
    /// 院内编码 (fixmedins_hilist_id).
    pub code: String,
    /// 院内名称 (fixmedins_hilist_name), exactly as the HIS holds it.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The catalogue the item belongs to, when the HIS says (else the matcher guesses).
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// 规格 as the HIS writes it (`0.25g*24粒`); the matcher normalises it.
    pub spec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// 剂型 for drugs.
    pub dosage_form: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// 单位 / 计价单位.
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// 生产企业, often abbreviated in HIS dictionaries.
    pub manufacturer: Option<String>,
    /// 批准文号 for drugs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_no: Option<String>,
    /// 药品本位码.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_code: Option<String>,
    /// 注册证编号 for consumables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_no: Option<String>,
    /// Provincial 价格项目编码 for service items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_code: Option<String>,
    /// A national code the HIS already holds (possibly stale or clinical-edition ICD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The hospital's price, exact.
    pub price: Option<Decimal>,
    /// Ground truth in labelled files (eval only): the right national code, or
    /// `Some("")` when the item has no national counterpart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truth: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    /// Columns of the source with no field here, by header: kept, never dropped.
    pub extra: BTreeMap<String, String>,
}
