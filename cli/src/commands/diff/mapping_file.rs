//! A hospital's confirmed mappings from a file (csv/xlsx/…, read through
//! `importer::table`): 院内编码, 院内名称, 医保编码 (or the 3301 field names).

use anyhow::{bail, Context, Result};
use catalog_core::Category;
use catalog_diff::MappingRef;
use importer::table::{self, TableOptions};
use std::path::Path;

const CODE: &[&str] = &[
    "院内编码",
    "fixmedins_hilist_id",
    "院内项目编码",
    "医院项目编码",
    "hospital_code",
];
const NAME: &[&str] = &[
    "院内名称",
    "fixmedins_hilist_name",
    "院内项目名称",
    "医院项目名称",
    "hospital_name",
];
const TARGET: &[&str] = &[
    "医保编码",
    "med_list_codg",
    "标准编码",
    "国家编码",
    "医保目录编码",
    "target_code",
];
const KIND: &[&str] = &["类别", "list_type", "kind"];
const STATUS: &[&str] = &["状态", "status", "审核状态"];

pub struct Read {
    /// Data rows in the file.
    pub rows: u64,
    pub mappings: Vec<MappingRef>,
    /// Rows with no 医保编码 (unmapped items): nothing a catalogue change can break.
    pub skipped: u64,
}

pub fn read(path: &Path) -> Result<Read> {
    let known: Vec<String> = [CODE, NAME, TARGET, KIND, STATUS]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let t = table::open(
        path,
        &TableOptions {
            known_headers: known,
            ..TableOptions::default()
        },
    )
    .with_context(|| format!("reading mapping file {}", path.display()))?;
    let col = |names: &[&str]| names.iter().find_map(|n| t.column(n));
    let (Some(c_code), Some(c_target)) = (col(CODE), col(TARGET)) else {
        bail!(
            "{}: a mapping file needs columns 院内编码 and 医保编码 (or fixmedins_hilist_id and med_list_codg); found {}",
            path.display(),
            t.header.join(", ")
        );
    };
    let (c_name, c_kind, c_status) = (col(NAME), col(KIND), col(STATUS));
    let file = t.file.clone();
    let mut out = Read {
        rows: 0,
        mappings: Vec::new(),
        skipped: 0,
    };
    for rec in t {
        let rec = rec.map_err(|e| anyhow::anyhow!("{e}"))?;
        out.rows += 1;
        let cell = |c: Option<usize>| {
            c.and_then(|i| rec.cells.get(i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let target = cell(Some(c_target));
        if target.is_empty() {
            out.skipped += 1;
            continue;
        }
        // 类别 is informational here (3301 files carry list_type codes such
        // as 101): an unknown value leaves the category open.
        let category = cell(c_kind).parse::<Category>().ok();
        let status = Some(cell(c_status)).filter(|s| !s.is_empty());
        out.mappings.push(MappingRef {
            mapping_id: None,
            category,
            hospital_code: cell(Some(c_code)),
            hospital_name: cell(c_name),
            target_code: target,
            status,
            source: Some(format!("{file}:{}", rec.row)),
        });
    }
    Ok(out)
}
