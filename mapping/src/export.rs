//! The 3301 rows (目录对照上传): one per confirmed mapping, the descriptive
//! fields from the target's newest catalogue row, resolved for all mappings
//! in one pass (one primary-key probe per code and version, newest first).

use crate::rereview::{needs_rereview, Rereview};
use catalog_core::store::{Mapping, StoreError};
use catalog_core::{Category, Entry, FieldValue, Store};
use serde::Serialize;
use std::collections::BTreeMap;

/// Rows per 3301 call (the platform limit public clients observe).
pub const BATCH: usize = 100;

/// How a region numbers `list_type` (目录类别); research-domain §3.8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ListTypeTable {
    /// 101 西药中成药, 102 中药饮片, 103 制剂, 201 服务, 301 耗材.
    #[default]
    National,
    /// 101 西药, 102 中成药, 103 中药饮片, 104 制剂, 201 服务, 301 耗材.
    Hunan,
}

impl std::str::FromStr for ListTypeTable {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "national" => Ok(ListTypeTable::National),
            "hunan" => Ok(ListTypeTable::Hunan),
            other => Err(format!(
                "未知的目录类别编号表 '{other}'：应为 national 或 hunan (unknown list_type table)"
            )),
        }
    }
}

/// `list_type` of a mapping's kind and code; `None`: not uploadable by 3301.
pub fn list_type(table: ListTypeTable, kind: Category, code: &str) -> Option<&'static str> {
    match table {
        ListTypeTable::Hunan => match kind {
            Category::Drug if code.starts_with('Z') => Some("102"),
            Category::Drug => Some("101"),
            Category::Herbal => Some("103"),
            Category::Preparation => Some("104"),
            Category::Service => Some("201"),
            Category::Consumable => Some("301"),
            _ => None,
        },
        ListTypeTable::National => match kind {
            Category::Drug => Some("101"),
            Category::Herbal => Some("102"),
            Category::Preparation => Some("103"),
            Category::Service => Some("201"),
            Category::Consumable => Some("301"),
            _ => None,
        },
    }
}

/// A region's changes to a [`ListTypeTable`]: a `list_type` per kind, and
/// per national-code prefix (the longest matching prefix wins, before the
/// kind), as a `mulu.toml` gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListTypeOverrides {
    /// `list_type` by kind.
    pub by_kind: BTreeMap<Category, String>,
    /// `list_type` by national-code prefix (`Z` → 中成药 in some regions).
    pub by_prefix: BTreeMap<String, String>,
}

impl ListTypeOverrides {
    /// True when nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty() && self.by_prefix.is_empty()
    }

    /// `list_type` of a kind and code: prefix, then kind, then `table`.
    pub fn list_type(&self, table: ListTypeTable, kind: Category, code: &str) -> Option<String> {
        self.by_prefix
            .iter()
            .filter(|(p, _)| !p.is_empty() && code.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map(|(_, v)| v.clone())
            .or_else(|| self.by_kind.get(&kind).cloned())
            .or_else(|| list_type(table, kind, code).map(String::from))
    }
}

/// One 3301 row, fields named as the platform names them.
#[allow(missing_docs)]
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Row3301 {
    pub fixmedins_hilist_id: String,
    pub fixmedins_hilist_name: String,
    pub list_type: String,
    pub med_list_codg: String,
    pub begndate: String,
    pub enddate: String,
    pub aprvno: String,
    pub dosform: String,
    pub exct_cont: String,
    pub item_cont: String,
    pub prcunt: String,
    pub spec: String,
    pub pacspec: String,
    pub memo: String,
}

/// The 3301 field names in column order.
pub const FIELDS: &[&str] = &[
    "fixmedins_hilist_id",
    "fixmedins_hilist_name",
    "list_type",
    "med_list_codg",
    "begndate",
    "enddate",
    "aprvno",
    "dosform",
    "exct_cont",
    "item_cont",
    "prcunt",
    "spec",
    "pacspec",
    "memo",
];

impl Row3301 {
    /// The row's values in [`FIELDS`] order.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.fixmedins_hilist_id.clone(),
            self.fixmedins_hilist_name.clone(),
            self.list_type.clone(),
            self.med_list_codg.clone(),
            self.begndate.clone(),
            self.enddate.clone(),
            self.aprvno.clone(),
            self.dosform.clone(),
            self.exct_cont.clone(),
            self.item_cont.clone(),
            self.prcunt.clone(),
            self.spec.clone(),
            self.pacspec.clone(),
            self.memo.clone(),
        ]
    }
}

fn field(e: Option<&Entry>, k: &str) -> String {
    e.map(|e| e.field(k))
        .filter(|v| !matches!(v, FieldValue::Empty))
        .map(|v| v.display())
        .unwrap_or_default()
}

fn item_field(m: &Mapping, k: &str) -> String {
    m.item
        .get(k)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn pick(a: String, b: String) -> String {
    if a.is_empty() {
        b
    } else {
        a
    }
}

/// One mapping as a 3301 row; `target` is the catalogue row of its code
/// (descriptive fields fall back to the hospital item's own).
pub fn to_3301(
    m: &Mapping,
    target: Option<&Entry>,
    list_type: &str,
    begin: Option<&str>,
) -> Row3301 {
    let pack = {
        let p = field(target, "pack_spec");
        if p.is_empty() && !field(target, "pack_qty").is_empty() {
            format!(
                "{}{}/{}",
                field(target, "pack_qty"),
                field(target, "min_unit"),
                field(target, "pack_unit")
            )
        } else {
            p
        }
    };
    let begndate = m
        .begin_date
        .clone()
        .or(begin.map(String::from))
        .or(m.decided_at.as_ref().map(|d| d.chars().take(10).collect()))
        .unwrap_or_else(|| chrono::Local::now().format("%Y-%m-%d").to_string());
    Row3301 {
        fixmedins_hilist_id: m.hospital_code.clone(),
        fixmedins_hilist_name: m.hospital_name.clone(),
        list_type: list_type.to_string(),
        med_list_codg: m.target_code.clone().unwrap_or_default(),
        begndate,
        enddate: m.end_date.clone().unwrap_or_else(|| "2099-12-31".into()),
        aprvno: pick(field(target, "approval_no"), item_field(m, "approval_no")),
        dosform: pick(field(target, "dosage_form"), item_field(m, "dosage_form")),
        exct_cont: field(target, "exclusions"),
        item_cont: field(target, "content"),
        prcunt: pick(field(target, "unit"), item_field(m, "unit")),
        spec: pick(
            field(target, "spec"),
            pick(field(target, "spec_model"), item_field(m, "spec")),
        ),
        pacspec: pack,
        memo: m.note.clone().unwrap_or_default(),
    }
}

/// The 3301 rows of the confirmed mappings, and the ones that cannot be
/// uploaded with the reason.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Export3301 {
    /// In mapping order.
    pub rows: Vec<Row3301>,
    /// The mapping of each row (same order), for the upload record.
    pub mappings: Vec<Mapping>,
    /// "院内编码 名称：reason" for each confirmed mapping left out.
    pub skipped: Vec<String>,
    /// Confirmed mappings held back until re-reviewed: a newer catalogue
    /// version removed, deactivated or re-coded their target.
    pub held_back: Vec<Rereview>,
}

/// Options of a 3301 export.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Only mappings of this kind.
    pub kind: Option<Category>,
    /// The region's `list_type` numbering.
    pub table: ListTypeTable,
    /// `begndate` for mappings without their own start date (else the review date).
    pub begin: Option<String>,
    /// Send the reviewer's note as `memo`; off by default, since notes are
    /// internal (「核对批准文号」) and the platform keeps what it is sent.
    pub memo: bool,
    /// The region's changes to `table`.
    pub overrides: ListTypeOverrides,
    /// 定点医药机构编号: in each 3302 row and each 3301 batch.
    pub fixmedins_code: String,
}

impl ExportOptions {
    /// `list_type` of a mapping's kind and national code under these options.
    pub fn list_type(&self, kind: Category, code: &str) -> Option<String> {
        self.overrides.list_type(self.table, kind, code)
    }
}

/// Build the 3301 rows of every confirmed (approved or replaced) mapping.
pub fn build_3301(store: &Store, opts: &ExportOptions) -> Result<Export3301, StoreError> {
    let mappings: Vec<Mapping> = store
        .mappings(opts.kind, None)?
        .into_iter()
        .filter(|m| m.status.is_confirmed())
        .collect();
    let targets = store.find_codes(
        mappings
            .iter()
            .filter_map(|m| m.target_code.as_deref().filter(|c| !c.is_empty())),
    )?;
    let held = needs_rereview(store, opts.kind)?;
    let mut out = Export3301::default();
    for m in &mappings {
        if let Some(h) = held.get(&m.id) {
            out.held_back.push(h.clone());
            continue;
        }
        let Some(code) = m.target_code.as_deref().filter(|c| !c.is_empty()) else {
            out.skipped.push(format!(
                "{} {}：没有目标编码 (no target code)",
                m.hospital_code, m.hospital_name
            ));
            continue;
        };
        let Some(lt) = opts.list_type(m.category, code) else {
            out.skipped.push(format!(
                "{} {}：{}不经 3301 上传 ({} has no 3301 list_type)",
                m.hospital_code,
                m.hospital_name,
                m.category.label_zh(),
                m.category
            ));
            continue;
        };
        let target = targets.get(code).map(|(_, e)| e);
        let mut row = to_3301(m, target, &lt, opts.begin.as_deref());
        if !opts.memo {
            row.memo.clear();
        }
        out.rows.push(row);
        out.mappings.push(m.clone());
    }
    Ok(out)
}
