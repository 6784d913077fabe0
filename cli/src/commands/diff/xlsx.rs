//! xlsx outputs: the diff report (summary + one sheet per class) and the
//! hospital's impact work list.

use anyhow::Result;
use catalog_core::{field_specs, Category, Entry};
use catalog_diff::{CatalogDiff, Change, ChangeClass, ImpactItem};
use rust_xlsxwriter::{Color, Format, Workbook, Worksheet};
use std::collections::BTreeSet;
use std::path::Path;

/// Excel refuses longer cell text; the full value stays in --json/--csv.
const MAX_CELL: usize = 32_000;
/// Data rows per sheet (Excel's limit less the header).
const MAX_ROWS: usize = 1_048_575;

struct Styles {
    head: Format,
    changed: Format,
    old: Format,
}

impl Styles {
    fn new() -> Self {
        Styles {
            head: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2)),
            changed: Format::new().set_background_color(Color::RGB(0xFFEB9C)),
            old: Format::new().set_font_color(Color::RGB(0x808080)),
        }
    }
}

fn put(ws: &mut Worksheet, row: usize, col: usize, s: &str, f: Option<&Format>) -> Result<()> {
    let text: String = if s.len() > MAX_CELL {
        s.chars().take(MAX_CELL / 3).collect()
    } else {
        s.to_string()
    };
    let (r, c) = (row as u32, col as u16);
    match f {
        Some(f) => ws.write_string_with_format(r, c, text, f)?,
        None => ws.write_string(r, c, text)?,
    };
    Ok(())
}

fn header(ws: &mut Worksheet, st: &Styles, cols: &[String]) -> Result<()> {
    for (i, h) in cols.iter().enumerate() {
        put(ws, 0, i, h, Some(&st.head))?;
        ws.set_column_width(i as u16, if i < 2 { 24 } else { 16 })?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn finish(ws: &mut Worksheet, rows: usize, cols: usize) -> Result<()> {
    if cols > 0 {
        ws.autofilter(0, 0, rows.min(MAX_ROWS) as u32, (cols - 1) as u16)?;
    }
    Ok(())
}

pub(super) fn category_of(d: &CatalogDiff) -> Category {
    d.new
        .category
        .or(d.old.category)
        .or_else(|| d.changes.first().map(|c| c.category))
        .unwrap_or(Category::Drug)
}

pub fn write_report(path: &Path, d: &CatalogDiff) -> Result<()> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    summary_sheet(wb.add_worksheet(), &st, d)?;
    let cat = category_of(d);
    for k in ChangeClass::ALL {
        let rows: Vec<&Change> = d.of_class(k).collect();
        let ws = wb.add_worksheet();
        ws.set_name(format!("{}{}", k.label_zh(), k.as_str()))?;
        match k {
            ChangeClass::Added | ChangeClass::Removed => {
                row_sheet(ws, &st, cat, &rows, k == ChangeClass::Added)?
            }
            _ => field_sheet(ws, &st, cat, &rows, k == ChangeClass::Recoded)?,
        }
    }
    wb.save(path)?;
    Ok(())
}

fn summary_sheet(ws: &mut Worksheet, st: &Styles, d: &CatalogDiff) -> Result<()> {
    ws.set_name("摘要summary")?;
    let s = &d.summary.total;
    let side = |x: &catalog_diff::Side| {
        format!("{} ({} rows)", x.label.clone().unwrap_or_default(), x.rows)
    };
    let mut lines: Vec<(String, String)> = vec![
        ("原版本 old".into(), side(&d.old)),
        ("新版本 new".into(), side(&d.new)),
        ("类别 kind".into(), category_of(d).label_zh().into()),
    ];
    for k in ChangeClass::ALL {
        lines.push((
            format!("{} {}", k.label_zh(), k.as_str()),
            s.classes.get(k).to_string(),
        ));
    }
    lines.push(("未变 unchanged".into(), s.unchanged.to_string()));
    lines.push(("仅格式差异 noise only".into(), s.noise_only.to_string()));
    header(ws, st, &["项目 item".into(), "数值 value".into()])?;
    for (i, (a, b)) in lines.iter().enumerate() {
        put(ws, i + 1, 0, a, None)?;
        put(ws, i + 1, 1, b, None)?;
    }
    let start = lines.len() + 2;
    put(ws, start, 0, "变更字段 field", Some(&st.head))?;
    put(ws, start, 1, "行数 rows", Some(&st.head))?;
    for (i, (f, n)) in s.fields.iter().enumerate() {
        put(
            ws,
            start + 1 + i,
            0,
            &format!("{} {}", label_of(d, f), f),
            None,
        )?;
        ws.write_number((start + 1 + i) as u32, 1, *n as f64)?;
    }
    ws.set_column_width(0, 30)?;
    ws.set_column_width(1, 30)?;
    Ok(())
}

fn label_of(d: &CatalogDiff, key: &str) -> String {
    d.changes
        .iter()
        .flat_map(|c| c.fields.iter())
        .find(|f| f.field == key)
        .map_or_else(|| key.to_string(), |f| f.label.clone())
}

/// Added and removed rows: the whole row, one column per field.
fn row_sheet(
    ws: &mut Worksheet,
    st: &Styles,
    cat: Category,
    rows: &[&Change],
    added: bool,
) -> Result<()> {
    let specs: Vec<_> = field_specs(cat)
        .into_iter()
        .filter(|s| s.key != "code" && s.key != "name")
        .collect();
    let extras: BTreeSet<&String> = rows
        .iter()
        .filter_map(|c| {
            if added {
                c.new.as_ref()
            } else {
                c.old.as_ref()
            }
        })
        .flat_map(|e| e.extra.keys())
        .collect();
    let mut cols: Vec<String> = vec!["编码 code".into(), "名称 name".into()];
    cols.extend(specs.iter().map(|s| s.label.to_string()));
    cols.extend(extras.iter().map(|h| h.to_string()));
    header(ws, st, &cols)?;
    for (i, c) in rows.iter().take(MAX_ROWS).enumerate() {
        let r = i + 1;
        put(ws, r, 0, &c.code, None)?;
        put(ws, r, 1, &c.name, None)?;
        let Some(e) = (if added {
            c.new.as_ref()
        } else {
            c.old.as_ref()
        }) else {
            continue;
        };
        for (j, s) in specs.iter().enumerate() {
            put(ws, r, 2 + j, &e.field(s.key).display(), None)?;
        }
        for (j, h) in extras.iter().enumerate() {
            put(
                ws,
                r,
                2 + specs.len() + j,
                e.extra.get(*h).map_or("", |v| v.as_str()),
                None,
            )?;
        }
    }
    finish(ws, rows.len(), cols.len())
}

/// Changed, deactivated and re-coded rows: for every field that changed
/// somewhere on the sheet, the new value (highlighted where it changed) and
/// the old value in the adjacent column.
fn field_sheet(
    ws: &mut Worksheet,
    st: &Styles,
    cat: Category,
    rows: &[&Change],
    recoded: bool,
) -> Result<()> {
    let touched: BTreeSet<&str> = rows
        .iter()
        .flat_map(|c| c.fields.iter().map(|f| f.field.as_str()))
        .collect();
    let mut keys: Vec<(String, String)> = field_specs(cat)
        .into_iter()
        .filter(|s| touched.contains(s.key))
        .map(|s| (s.key.to_string(), s.label.to_string()))
        .collect();
    for c in rows {
        for f in &c.fields {
            if !keys.iter().any(|(k, _)| *k == f.field) {
                keys.push((f.field.clone(), f.label.clone()));
            }
        }
    }
    let mut cols: Vec<String> = if recoded {
        vec![
            "新编码 code".into(),
            "名称 name".into(),
            "原编码 old_code".into(),
            "可信度 score".into(),
            "依据 evidence".into(),
            "其他候选 alternatives".into(),
        ]
    } else {
        vec!["编码 code".into(), "名称 name".into()]
    };
    cols.push("变更字段 fields".into());
    let fixed = cols.len();
    for (_, label) in &keys {
        cols.push(label.clone());
        cols.push(format!("{label}（原）"));
    }
    header(ws, st, &cols)?;
    for (i, c) in rows.iter().take(MAX_ROWS).enumerate() {
        let r = i + 1;
        put(ws, r, 0, &c.code, None)?;
        put(ws, r, 1, &c.name, None)?;
        if recoded {
            put(ws, r, 2, c.old_code.as_deref().unwrap_or_default(), None)?;
            if let Some(ev) = &c.recode {
                ws.write_number(r as u32, 3, ev.score)?;
                let why: Vec<String> = ev
                    .evidence
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            e.label,
                            if e.similarity >= 1.0 {
                                "相同".to_string()
                            } else {
                                format!("{:.2}", e.similarity)
                            }
                        )
                    })
                    .collect();
                put(ws, r, 4, &why.join("; "), None)?;
                put(ws, r, 5, &ev.alternatives.join(" "), None)?;
            }
        }
        let labels: Vec<&str> = c.fields.iter().map(|f| f.label.as_str()).collect();
        put(ws, r, fixed - 1, &labels.join("、"), None)?;
        for (j, (key, _)) in keys.iter().enumerate() {
            let col = fixed + 2 * j;
            match c.field(key) {
                Some(f) => {
                    put(ws, r, col, &f.new, Some(&st.changed))?;
                    put(ws, r, col + 1, &f.old, Some(&st.old))?;
                }
                None => {
                    let v = c
                        .new
                        .as_ref()
                        .map(|e: &Entry| e.field(key).display())
                        .unwrap_or_default();
                    put(ws, r, col, &v, None)?;
                }
            }
        }
    }
    finish(ws, rows.len(), cols.len())
}

/// The hospital's work list: one row per affected mapping and changed field.
pub fn write_impact(path: &Path, items: &[ImpactItem]) -> Result<()> {
    let st = Styles::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("影响清单impact")?;
    let cols: Vec<String> = [
        "院内编码",
        "院内名称",
        "类别",
        "对照状态",
        "医保编码",
        "医保名称",
        "原因",
        "原因(英)",
        "建议新编码",
        "建议名称",
        "改码可信度",
        "变更字段",
        "原值",
        "新值",
        "处理建议",
        "来源",
        "审核结果",
        "替换编码",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header(ws, &st, &cols)?;
    let mut r = 0;
    for it in items {
        let m = &it.mapping;
        // One line per changed field keeps old/new side by side; a mapping
        // without field changes (removed, deactivated) still gets its line.
        let n = it.fields.len().max(1);
        for k in 0..n {
            r += 1;
            if r > MAX_ROWS {
                break;
            }
            let cells = [
                m.hospital_code.clone(),
                m.hospital_name.clone(),
                m.category
                    .map(|c| c.label_zh().to_string())
                    .unwrap_or_default(),
                m.status.clone().unwrap_or_default(),
                m.target_code.clone(),
                it.target_name.clone(),
                it.reason.label_zh().to_string(),
                it.reason.as_str().to_string(),
                it.suggested_code.clone().unwrap_or_default(),
                it.suggested_name.clone().unwrap_or_default(),
            ];
            for (j, v) in cells.iter().enumerate() {
                put(ws, r, j, v, None)?;
            }
            if let Some(s) = it.recode_score {
                ws.write_number(r as u32, 10, s)?;
            }
            if let Some(f) = it.fields.get(k) {
                put(ws, r, 11, &f.label, None)?;
                put(ws, r, 12, &f.old, Some(&st.old))?;
                put(ws, r, 13, &f.new, Some(&st.changed))?;
            }
            put(ws, r, 14, &it.action, None)?;
            put(ws, r, 15, m.source.as_deref().unwrap_or_default(), None)?;
            // The decision goes on a mapping's first line only, so `review
            // apply` reads one decision per mapping; a re-code's new code is
            // filled in, so 通过 (or 替换) moves the mapping to it.
            if k == 0 {
                if let Some(c) = &it.suggested_code {
                    put(ws, r, 17, c, None)?;
                }
            }
        }
    }
    if r > 0 {
        let dv = rust_xlsxwriter::DataValidation::new()
            .allow_list_strings(crate::commands::workbook::DECISIONS)?
            .set_input_title("审核结果")?
            .set_input_message(
                "通过 / 驳回 / 存疑 / 替换 / 无对应；填好后 mulu review apply 本文件",
            )?;
        let last = r.min(MAX_ROWS) as u32;
        ws.add_data_validation(1, 16, last, 16, &dv)?;
    }
    finish(ws, r, cols.len())?;
    wb.save(path)?;
    Ok(())
}
