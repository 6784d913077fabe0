//! One catalogue row, typed per category.
//!
//! Every category shares `code`, `name`, validity and dates; the rest lives in
//! [`Detail`]. Columns a reader could not place are kept in `extra` so that an
//! import never drops data it did not understand.

use crate::category::Category;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

/// One row of a national catalogue, as stored and compared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// National code (canonical form: trimmed, half-width, upper case; ICD keeps `x`).
    pub code: String,
    /// The row's name (药品名称, 项目名称, 诊断名称…).
    pub name: String,
    /// 有效标志: false means 停用 (deactivated but still listed).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// 开始日期: from when the row applies.
    pub begin_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// 结束日期: a retired row often keeps its place with an end date.
    pub end_date: Option<NaiveDate>,
    /// The category's own fields; also decides the row's category.
    pub detail: Detail,
    /// Columns of the source the reader had no field for, by their header.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

impl Entry {
    /// A valid (active) row with no dates and no extra columns.
    pub fn new(code: impl Into<String>, name: impl Into<String>, detail: Detail) -> Self {
        Entry {
            code: code.into(),
            name: name.into(),
            active: true,
            begin_date: None,
            end_date: None,
            detail,
            extra: BTreeMap::new(),
        }
    }

    /// The catalogue this row belongs to (from its detail).
    pub fn category(&self) -> Category {
        self.detail.category()
    }

    /// The value of a field by its key (see [`field_specs`]), for generic
    /// consumers such as the diff and the exporters.
    pub fn field(&self, key: &str) -> FieldValue {
        match key {
            "code" => FieldValue::Text(self.code.clone()),
            "name" => FieldValue::Text(self.name.clone()),
            "active" => FieldValue::Bool(self.active),
            "begin_date" => self.begin_date.map_or(FieldValue::Empty, FieldValue::Date),
            "end_date" => self.end_date.map_or(FieldValue::Empty, FieldValue::Date),
            _ => {
                if let Some(k) = key.strip_prefix("extra.") {
                    return self
                        .extra
                        .get(k)
                        .map_or(FieldValue::Empty, |v| FieldValue::Text(v.clone()));
                }
                self.detail.field(key)
            }
        }
    }
}

/// A field's value, typed so comparisons are right (money as decimals).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// No value (absent, or a blank cell).
    Empty,
    /// Text as imported.
    Text(String),
    /// Money, exact; keeps the scale it was written with.
    Money(Decimal),
    /// A date.
    Date(NaiveDate),
    /// A flag (有效标志).
    Bool(bool),
}

impl FieldValue {
    /// True for no value and for blank text: both mean "not given".
    pub fn is_empty(&self) -> bool {
        match self {
            FieldValue::Empty => true,
            FieldValue::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
    /// Display form; money keeps its scale as imported (12.50 stays 12.50).
    pub fn display(&self) -> String {
        match self {
            FieldValue::Empty => String::new(),
            FieldValue::Text(s) => s.clone(),
            FieldValue::Money(d) => d.to_string(),
            FieldValue::Date(d) => d.format("%Y-%m-%d").to_string(),
            FieldValue::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        }
    }
}

/// Category-specific part of a row. Serialised with its `kind` tag first;
/// deserialised by hand (`detail_de.rs`) because serde's derive for tagged
/// enums buffers every field first, which doubles the cost of reading rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// 西药中成药.
    Drug(DrugInfo),
    /// 中药饮片.
    Herbal(HerbalInfo),
    /// 医疗机构制剂: the drug layout.
    Preparation(DrugInfo),
    /// 医用耗材.
    Consumable(ConsumableInfo),
    /// 医疗服务项目.
    Service(ServiceInfo),
    /// ICD-10 医保版 diagnoses.
    Diagnosis(IcdInfo),
    /// ICD-9-CM-3 医保版 procedures.
    Procedure(IcdInfo),
    /// 医保药品目录 rows.
    Reimbursement(ListInfo),
    /// 协议期内谈判药品 rows.
    Negotiated(ListInfo),
    /// 临床版→医保版映射表 rows (code and name are the 临床版 ones).
    Crosswalk(CrosswalkInfo),
}

impl Detail {
    /// The category this detail belongs to.
    pub fn category(&self) -> Category {
        match self {
            Detail::Drug(_) => Category::Drug,
            Detail::Herbal(_) => Category::Herbal,
            Detail::Preparation(_) => Category::Preparation,
            Detail::Consumable(_) => Category::Consumable,
            Detail::Service(_) => Category::Service,
            Detail::Diagnosis(_) => Category::Diagnosis,
            Detail::Procedure(_) => Category::Procedure,
            Detail::Reimbursement(_) => Category::Reimbursement,
            Detail::Negotiated(_) => Category::Negotiated,
            Detail::Crosswalk(_) => Category::Crosswalk,
        }
    }

    /// An empty detail of the given category, for readers that fill fields one by one.
    pub fn empty(c: Category) -> Detail {
        match c {
            Category::Drug => Detail::Drug(DrugInfo::default()),
            Category::Herbal => Detail::Herbal(HerbalInfo::default()),
            Category::Preparation => Detail::Preparation(DrugInfo::default()),
            Category::Consumable => Detail::Consumable(ConsumableInfo::default()),
            Category::Service => Detail::Service(ServiceInfo::default()),
            Category::Diagnosis => Detail::Diagnosis(IcdInfo::default()),
            Category::Procedure => Detail::Procedure(IcdInfo::default()),
            Category::Reimbursement => Detail::Reimbursement(ListInfo::default()),
            Category::Negotiated => Detail::Negotiated(ListInfo::default()),
            Category::Crosswalk => Detail::Crosswalk(CrosswalkInfo::default()),
        }
    }

    fn field(&self, key: &str) -> FieldValue {
        match self {
            Detail::Drug(d) | Detail::Preparation(d) => d.field(key),
            Detail::Herbal(d) => d.field(key),
            Detail::Consumable(d) => d.field(key),
            Detail::Service(d) => d.field(key),
            Detail::Diagnosis(d) | Detail::Procedure(d) => d.field(key),
            Detail::Reimbursement(d) | Detail::Negotiated(d) => d.field(key),
            Detail::Crosswalk(d) => d.field(key),
        }
    }

    /// Set a field from already-typed text. Returns false if the key is not a
    /// field of this category (the caller then keeps it in `extra`).
    pub fn set(&mut self, key: &str, value: FieldValue) -> bool {
        match self {
            Detail::Drug(d) | Detail::Preparation(d) => d.set(key, value),
            Detail::Herbal(d) => d.set(key, value),
            Detail::Consumable(d) => d.set(key, value),
            Detail::Service(d) => d.set(key, value),
            Detail::Diagnosis(d) | Detail::Procedure(d) => d.set(key, value),
            Detail::Reimbursement(d) | Detail::Negotiated(d) => d.set(key, value),
            Detail::Crosswalk(d) => d.set(key, value),
        }
    }
}

fn text(v: &Option<String>) -> FieldValue {
    v.as_ref()
        .map_or(FieldValue::Empty, |s| FieldValue::Text(s.clone()))
}
fn money(v: &Option<Decimal>) -> FieldValue {
    v.map_or(FieldValue::Empty, FieldValue::Money)
}
fn date(v: &Option<NaiveDate>) -> FieldValue {
    v.map_or(FieldValue::Empty, FieldValue::Date)
}
fn into_text(v: FieldValue) -> Option<String> {
    match v {
        FieldValue::Empty => None,
        FieldValue::Text(s) if s.is_empty() => None,
        // Moved, not displayed: `display` would copy every text cell once more.
        FieldValue::Text(s) => Some(s),
        other => Some(other.display()),
    }
}
fn into_money(v: FieldValue) -> Option<Decimal> {
    match v {
        FieldValue::Money(d) => Some(d),
        FieldValue::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}
fn into_date(v: FieldValue) -> Option<NaiveDate> {
    match v {
        FieldValue::Date(d) => Some(d),
        FieldValue::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// Declares a detail struct of optional fields plus its field table, getters
/// and setters, so the table and the struct can never disagree.
macro_rules! detail_struct {
    ($(#[$m:meta])* $name:ident { $($field:ident : $kind:ident = $label:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        pub struct $name {
            $(
                #[doc = concat!("`", $label, "`")]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: detail_struct!(@ty $kind),
            )*
        }
        impl $name {
            /// The field table: key, Chinese label and kind, in display order.
            pub const FIELDS: &'static [FieldSpec] = &[
                $(FieldSpec { key: stringify!($field), label: $label, kind: FieldKind::$kind },)*
            ];
            fn field(&self, key: &str) -> FieldValue {
                match key {
                    $(stringify!($field) => detail_struct!(@get $kind, &self.$field),)*
                    _ => FieldValue::Empty,
                }
            }
            fn set(&mut self, key: &str, v: FieldValue) -> bool {
                match key {
                    $(stringify!($field) => { self.$field = detail_struct!(@set $kind, v); true })*
                    _ => false,
                }
            }
        }
    };
    (@ty Text) => { Option<String> };
    (@ty LongText) => { Option<String> };
    (@ty Money) => { Option<Decimal> };
    (@ty Date) => { Option<NaiveDate> };
    (@get Text, $e:expr) => { text($e) };
    (@get LongText, $e:expr) => { text($e) };
    (@get Money, $e:expr) => { money($e) };
    (@get Date, $e:expr) => { date($e) };
    (@set Text, $v:expr) => { into_text($v) };
    (@set LongText, $v:expr) => { into_text($v) };
    (@set Money, $v:expr) => { into_money($v) };
    (@set Date, $v:expr) => { into_date($v) };
}

/// What kind of value a field holds; decides parsing and comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Short text, compared whole.
    Text,
    /// Free text long enough to deserve a word-level diff (限定支付范围, 项目内涵).
    LongText,
    /// Money: compared as decimals, so 12.50 equals 12.5.
    Money,
    /// A date (`YYYY-MM-DD`).
    Date,
    /// A flag.
    Bool,
}

/// One field of a category: how generic consumers (diff, exports, column
/// aliases) name, label and compare it.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FieldSpec {
    /// The stable key (`spec`, `payment_standard`), as in JSON.
    pub key: &'static str,
    /// The Chinese column label (`规格`).
    pub label: &'static str,
    /// How the value is parsed and compared.
    pub kind: FieldKind,
}

const COMMON_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "code",
        label: "编码",
        kind: FieldKind::Text,
    },
    FieldSpec {
        key: "name",
        label: "名称",
        kind: FieldKind::Text,
    },
    FieldSpec {
        key: "active",
        label: "有效标志",
        kind: FieldKind::Bool,
    },
    FieldSpec {
        key: "begin_date",
        label: "开始日期",
        kind: FieldKind::Date,
    },
    FieldSpec {
        key: "end_date",
        label: "结束日期",
        kind: FieldKind::Date,
    },
];

/// The fields of a category in display order: the common ones, then the detail's.
pub fn field_specs(c: Category) -> Vec<FieldSpec> {
    let detail: &[FieldSpec] = match c {
        Category::Drug | Category::Preparation => DrugInfo::FIELDS,
        Category::Herbal => HerbalInfo::FIELDS,
        Category::Consumable => ConsumableInfo::FIELDS,
        Category::Service => ServiceInfo::FIELDS,
        Category::Diagnosis | Category::Procedure => IcdInfo::FIELDS,
        Category::Reimbursement | Category::Negotiated => ListInfo::FIELDS,
        Category::Crosswalk => CrosswalkInfo::FIELDS,
    };
    COMMON_FIELDS.iter().chain(detail).copied().collect()
}

detail_struct!(
    /// 西药中成药 and 医疗机构制剂 (the official code-database layout and 1301/1303).
    DrugInfo {
        generic_name: Text = "通用名",
        trade_name: Text = "商品名",
        reg_name: Text = "注册名称",
        dosage_form: Text = "剂型",
        reg_dosage_form: Text = "注册剂型",
        spec: Text = "规格",
        reg_spec: Text = "注册规格",
        pack_spec: Text = "包装规格",
        pack_material: Text = "包装材质",
        pack_qty: Text = "最小包装数量",
        min_unit: Text = "最小制剂单位",
        pack_unit: Text = "最小包装单位",
        manufacturer: Text = "生产企业",
        sub_packager: Text = "分包装企业",
        holder: Text = "上市许可持有人",
        approval_no: Text = "批准文号",
        orig_approval_no: Text = "原批准文号",
        standard_code: Text = "药品本位码",
        market_state: Text = "市场状态",
        list_name: Text = "医保药品名称",
        list_class: Text = "甲乙类",
        list_dosage_form: Text = "医保剂型",
        list_no: Text = "编号",
        restriction: LongText = "限制使用范围",
        former_codes: Text = "曾用码",
        remark: LongText = "备注",
    }
);

detail_struct!(
    /// 中药饮片 (1302 layout and provincial lists).
    HerbalInfo {
        single_compound: Text = "单复方标志",
        quality_grade: Text = "质量等级",
        herb_year: Text = "中草药年份",
        medicinal_part: Text = "药用部位",
        safe_dose: Text = "安全计量",
        usage: Text = "常规用法",
        nature_flavor: Text = "性味",
        meridian: Text = "归经",
        variety: Text = "品种",
        material_name: Text = "药材名称",
        indications: LongText = "功能主治",
        processing: LongText = "炮制方法",
        efficacy_class: Text = "功效分类",
        source: Text = "药材种来源",
        national_policy: LongText = "国家医保支付政策",
        provincial_policy: LongText = "省级医保支付政策",
        standard_name: Text = "标准名称",
        standard_page: Text = "标准页码",
        remark: LongText = "备注",
    }
);

detail_struct!(
    /// 医用耗材 (code database layout and 1306).
    ConsumableInfo {
        generic_name: Text = "医保通用名",
        generic_code: Text = "医保通用名代码",
        class_l1: Text = "一级分类",
        class_l2: Text = "二级分类",
        class_l3: Text = "三级分类",
        material: Text = "耗材材质",
        spec: Text = "规格",
        model: Text = "型号",
        spec_model: Text = "规格型号",
        registration_no: Text = "注册备案号",
        reg_product_name: Text = "注册备案产品名称",
        registrant: Text = "注册备案人",
        manufacturer: Text = "生产企业",
        udi: Text = "医疗器械唯一标识",
        unit: Text = "最小使用单位",
        pack_spec: Text = "包装规格",
        high_value: Text = "高值耗材标志",
        restriction: LongText = "医保限用范围",
        price: Money = "价格",
        remark: LongText = "备注",
    }
);

detail_struct!(
    /// 医疗服务项目 with provincial price items and prices by hospital grade.
    ServiceInfo {
        price_code: Text = "价格项目编码",
        item_class: Text = "服务项目类别",
        unit: Text = "计价单位",
        content: LongText = "项目内涵",
        exclusions: LongText = "除外内容",
        description: LongText = "说明",
        price: Money = "价格",
        price_grade1: Money = "一级价格",
        price_grade2: Money = "二级价格",
        price_grade3: Money = "三级价格",
        remark: LongText = "备注",
    }
);

detail_struct!(
    /// ICD-10 医保版 diagnoses and ICD-9-CM-3 医保版 procedures (1307/1308).
    IcdInfo {
        chapter: Text = "章",
        chapter_range: Text = "章代码范围",
        chapter_name: Text = "章名称",
        section_range: Text = "节代码范围",
        section_name: Text = "节名称",
        category_code: Text = "类目代码",
        category_name: Text = "类目名称",
        subcategory_code: Text = "亚目代码",
        subcategory_name: Text = "亚目名称",
        detail_code: Text = "细目代码",
        detail_name: Text = "细目名称",
        usage_flag: Text = "使用标记",
        grey: Text = "灰码",
        gb_code: Text = "国标版代码",
        gb_name: Text = "国标版名称",
        clinical_code: Text = "临床版代码",
        clinical_name: Text = "临床版名称",
        remark: LongText = "备注",
    }
);

detail_struct!(
    /// 医保药品目录 rows (甲/乙类, 限定支付范围) and 协议期内谈判药品 (支付标准, 协议期).
    ListInfo {
        section: Text = "目录部分",
        class_code: Text = "药品分类代码",
        class_name: Text = "药品分类",
        list_no: Text = "编号",
        list_class: Text = "甲乙类",
        dosage_form: Text = "剂型",
        restriction: LongText = "限定支付范围",
        payment_standard: Money = "医保支付标准",
        payment_unit: Text = "支付标准单位",
        agreement_start: Date = "协议开始日期",
        agreement_end: Date = "协议结束日期",
        remark: LongText = "备注",
    }
);

detail_struct!(
    /// 临床版→医保版映射表 (the NHSA correspondence): the row's code and name are
    /// the 国家临床版 ones, these fields the 医保版 code and name it maps to.
    CrosswalkInfo {
        target_code: Text = "医保版代码",
        target_name: Text = "医保版名称",
        edition: Text = "临床版版本",
        remark: LongText = "备注",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn serde_round_trip_keeps_money_scale_and_detail_kind() {
        let mut e = Entry::new(
            "XA01ABD075A002010100483",
            "复方氯己定含漱液",
            Detail::empty(Category::Negotiated),
        );
        assert!(e.detail.set(
            "payment_standard",
            FieldValue::Money(Decimal::from_str("12.50").unwrap())
        ));
        assert!(e
            .detail
            .set("agreement_end", FieldValue::Text("2027-12-31".into())));
        assert!(!e.detail.set("no_such_field", FieldValue::Text("x".into())));
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"kind\":\"negotiated\""), "{json}");
        assert!(json.contains("\"12.50\""), "{json}");
        let back: Entry = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.category(), Category::Negotiated);
        // 12.50 and 12.5 are the same amount of money.
        assert_eq!(
            back.field("payment_standard"),
            FieldValue::Money(Decimal::from_str("12.5").unwrap())
        );
        assert_eq!(back.field("agreement_end").display(), "2027-12-31");
    }

    #[test]
    fn every_category_has_a_field_table_with_unique_keys() {
        for c in Category::ALL {
            let specs = field_specs(c);
            let mut keys: Vec<_> = specs.iter().map(|s| s.key).collect();
            let n = keys.len();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), n, "duplicate field key in {c}");
            // Every detail key is settable on an empty detail of that category.
            let mut d = Detail::empty(c);
            for s in specs.iter().skip(COMMON_FIELDS.len()) {
                assert!(d.set(s.key, FieldValue::Text("1".into())), "{c}.{}", s.key);
            }
        }
    }
}
