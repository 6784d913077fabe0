//! `mulu export signoff --out 对照清单.xlsx`: the sign-off list a 医保办
//! prints and signs before the upload. A 汇总 sheet (counts per kind and
//! status, 需复核 included) and one sheet per kind of the confirmed mappings,
//! the hospital's fields beside the catalogue's; each sheet ends with the
//! signature lines 经办人 / 医保办负责人 / 日期, and prints on A4 landscape,
//! one page wide, header rows repeated.

use super::review_scale::STATUSES;
use crate::config::Config;
use crate::ctx::Ctx;
use crate::words::w;
use anyhow::{Context, Result};
use catalog_core::store::Mapping;
use catalog_core::{Category, Entry, FieldValue, Store};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::collections::BTreeMap;
use std::path::Path;

/// The column headers of a kind's sheet.
pub const HEADERS: &[&str] = &[
    "序号",
    "院内编码",
    "院内名称",
    "院内规格",
    "院内生产企业",
    "医保编码",
    "医保名称",
    "医保规格",
    "医保生产企业",
    "置信度",
    "审核结果",
    "审核人",
    "审核时间",
    "备注",
];

/// The signature lines every sheet ends with.
const SIGNATURES: [&str; 3] = [
    "经办人（签字）：____________________",
    "医保办负责人（签字）：____________________",
    "日期：________年____月____日",
];

fn field(e: Option<&Entry>, keys: &[&str]) -> String {
    keys.iter()
        .filter_map(|k| e.map(|e| e.field(k)))
        .find(|v| !matches!(v, FieldValue::Empty))
        .map(|v| v.display())
        .unwrap_or_default()
}

fn item(m: &Mapping, k: &str) -> String {
    m.item
        .get(k)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(s: &str) -> String {
    s.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

struct Look {
    title: Format,
    info: Format,
    head: Format,
    cell: Format,
    sign: Format,
}

fn look() -> Look {
    let border = |f: Format| f.set_border(FormatBorder::Thin).set_text_wrap();
    Look {
        title: Format::new()
            .set_bold()
            .set_font_size(16)
            .set_align(FormatAlign::Center),
        info: Format::new().set_font_size(10),
        head: border(Format::new().set_bold().set_align(FormatAlign::Center))
            .set_background_color(rust_xlsxwriter::Color::RGB(0xD9E1F2)),
        cell: border(Format::new()),
        sign: Format::new().set_font_size(12),
    }
}

/// Title, info line, header row: the first three rows of every sheet.
fn top(ws: &mut Worksheet, l: &Look, title: &str, info: &str, headers: &[&str]) -> Result<()> {
    let last = headers.len().saturating_sub(1) as u16;
    ws.merge_range(0, 0, 0, last, title, &l.title)?;
    ws.merge_range(1, 0, 1, last, info, &l.info)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &l.head)?;
    }
    ws.set_freeze_panes(3, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 2)?;
    Ok(())
}

/// The signature lines two rows below `row`.
fn sign(ws: &mut Worksheet, l: &Look, row: u32) -> Result<()> {
    for (i, s) in SIGNATURES.iter().enumerate() {
        ws.write_string_with_format(row + 2 + 2 * i as u32, 1, *s, &l.sign)?;
    }
    Ok(())
}

/// What the list holds, for the command's report and the tests.
#[derive(serde::Serialize)]
pub struct Report {
    pub out: String,
    /// Confirmed mappings per kind sheet.
    pub sheets: BTreeMap<String, usize>,
    pub needs_rereview: usize,
}

/// Write the sign-off list of `kind` (or every kind) to `out` (.xlsx).
pub fn write(
    store: &Store,
    cfg: &Config,
    fixmedins_code: &str,
    kind: Option<Category>,
    out: &Path,
) -> Result<Report> {
    if !out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
    {
        anyhow::bail!(
            "对照清单只写 .xlsx 文件 (the sign-off list is an .xlsx file): {}",
            out.display()
        );
    }
    let all = store.mappings(kind, None)?;
    let held = mapping::needs_rereview(store, kind)?;
    let targets = store.find_codes(
        all.iter()
            .filter(|m| m.status.is_confirmed())
            .filter_map(|m| m.target_code.as_deref()),
    )?;
    let hospital = cfg.fixmedins_name.clone().unwrap_or_default();
    let now = chrono::Local::now().format("%Y-%m-%d %H:%M").to_string();
    let info = |n: usize| {
        format!(
            "定点医药机构：{}　编号：{}　导出时间：{now}　共 {n} 条",
            if hospital.is_empty() {
                "（未配置）"
            } else {
                &hospital
            },
            if fixmedins_code.is_empty() {
                "（未配置）"
            } else {
                fixmedins_code
            },
        )
    };
    let l = look();
    let mut wb = Workbook::new();

    // 汇总: one row per kind, one column per status, 需复核 and the total.
    let mut kinds: Vec<Category> = all.iter().map(|m| m.category).collect();
    kinds.sort();
    kinds.dedup();
    let mut head: Vec<&str> = vec!["类别"];
    head.extend(STATUSES.iter().map(|s| s.label_zh()));
    head.extend(["需复核", "合计"]);
    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    top(
        ws,
        &l,
        &format!("{hospital}医保目录对照清单 · 汇总"),
        &info(all.len()),
        &head,
    )?;
    ws.set_column_width(0, 22)?;
    for c in 1..head.len() as u16 {
        ws.set_column_width(c, 10)?;
    }
    let mut row = 3u32;
    let mut totals = vec![0u64; STATUSES.len() + 2];
    for k in &kinds {
        ws.write_string_with_format(row, 0, k.label_zh(), &l.cell)?;
        let of_kind: Vec<&Mapping> = all.iter().filter(|m| m.category == *k).collect();
        let mut cells: Vec<u64> = STATUSES
            .iter()
            .map(|s| of_kind.iter().filter(|m| m.status == *s).count() as u64)
            .collect();
        cells.push(of_kind.iter().filter(|m| held.contains_key(&m.id)).count() as u64);
        cells.push(of_kind.len() as u64);
        for (c, n) in cells.iter().enumerate() {
            ws.write_number_with_format(row, c as u16 + 1, *n as f64, &l.cell)?;
            totals[c] += n;
        }
        row += 1;
    }
    ws.write_string_with_format(row, 0, "合计", &l.head)?;
    for (c, n) in totals.iter().enumerate() {
        ws.write_number_with_format(row, c as u16 + 1, *n as f64, &l.head)?;
    }
    sign(ws, &l, row)?;

    // One sheet per kind: the confirmed mappings, hospital beside catalogue.
    let mut sheets = BTreeMap::new();
    for k in &kinds {
        let ms: Vec<&Mapping> = all
            .iter()
            .filter(|m| m.category == *k && m.status.is_confirmed())
            .collect();
        if ms.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet();
        let name = sheet_name(k.label_zh());
        ws.set_name(&name)?;
        top(
            ws,
            &l,
            &format!("{hospital}医保目录对照清单 · {}", k.label_zh()),
            &info(ms.len()),
            HEADERS,
        )?;
        for (c, w) in [5, 12, 24, 16, 20, 26, 24, 16, 20, 7, 7, 8, 17, 20]
            .iter()
            .enumerate()
        {
            ws.set_column_width(c as u16, *w)?;
        }
        for (i, m) in ms.iter().enumerate() {
            let r = 3 + i as u32;
            let e = m
                .target_code
                .as_deref()
                .and_then(|c| targets.get(c))
                .map(|(_, e)| e);
            let note = held
                .get(&m.id)
                .map(|h| format!("需复核：{}", h.reason))
                .unwrap_or_default();
            let cells = [
                m.hospital_code.clone(),
                m.hospital_name.clone(),
                item(m, "spec"),
                item(m, "manufacturer"),
                m.target_code.clone().unwrap_or_default(),
                m.target_name.clone().unwrap_or_default(),
                field(e, &["spec", "spec_model", "pack_spec"]),
                field(e, &["manufacturer"]),
                super::review::tier_zh(m.tier.as_deref().unwrap_or("none")).to_string(),
                m.status.label_zh().to_string(),
                m.reviewer.clone().unwrap_or_default(),
                m.decided_at
                    .as_deref()
                    .map(|d| d.get(..16).unwrap_or(d).replace('T', " "))
                    .unwrap_or_default(),
                note,
            ];
            ws.write_number_with_format(r, 0, (i + 1) as f64, &l.cell)?;
            for (c, v) in cells.iter().enumerate() {
                ws.write_string_with_format(r, c as u16 + 1, v, &l.cell)?;
            }
        }
        sign(ws, &l, 3 + ms.len() as u32)?;
        sheets.insert(name, ms.len());
    }
    wb.save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(Report {
        out: out.display().to_string(),
        sheets,
        needs_rereview: held.len(),
    })
}

/// `mulu export signoff`.
pub fn run(
    ctx: &Ctx,
    store: &Store,
    cfg: &Config,
    fixmedins_code: &str,
    kind: Option<Category>,
    out: &Path,
) -> Result<u8> {
    let rep = write(store, cfg, fixmedins_code, kind, out)?;
    if ctx.json {
        ctx.print_json(&rep)?;
        return Ok(0);
    }
    let per: Vec<String> = rep
        .sheets
        .iter()
        .map(|(k, n)| w!("signoff.sheet", kind = k, n = n))
        .collect();
    println!(
        "{}",
        w!(
            "signoff.done",
            out = rep.out,
            sheets = if per.is_empty() {
                w!("signoff.none")
            } else {
                per.join(", ")
            }
        )
    );
    if rep.needs_rereview > 0 {
        println!("{}", w!("signoff.rereview", n = rep.needs_rereview));
    }
    Ok(0)
}
