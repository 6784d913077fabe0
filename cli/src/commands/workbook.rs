//! The review workbook (`mulu match --out x.xlsx`, `mulu review export`): a
//! work tool, not a report. The 审核结果 column has a drop-down of the words
//! `review apply` accepts; tiers read 高/中/低/无 on a coloured fill; scores
//! are numbers; code and name stay in view (frozen panes); each hospital field
//! sits beside the catalogue's, the catalogue cell coloured by the matcher's
//! evidence for that field; alternatives have cells of their own; a 说明 sheet
//! says how to fill it in. The CSV form has the same columns, unformatted.

use super::match_cmd::Row;
use anyhow::{Context, Result};
use catalog_core::store::MappingStatus;
use matcher::{Candidate, Tier, Verdict};
use rust_xlsxwriter::{Color, DataValidation, Format, Workbook};
use std::path::Path;

/// The words offered in the 审核结果 drop-down (review apply accepts more: 同意, 批准, …).
pub const DECISIONS: &[&str] = &["通过", "驳回", "存疑", "替换", "无对应"];

/// Alternatives after the best candidate, each as code, name, score.
const ALTERNATIVES: usize = 4;

/// Field pairs: header stem, the matcher's evidence names for it.
const PAIRS: &[(&str, &[&str])] = &[
    ("规格", &["规格", "规格型号", "包装数量"]),
    ("剂型", &["剂型"]),
    ("生产企业", &["生产企业"]),
    ("批准文号", &["批准文号", "注册证号"]),
    ("单位", &["单位", "包装单位"]),
];

/// A cell and how it is shown.
enum Cell {
    Text(String),
    Num(f64),
    /// A catalogue value coloured by the evidence verdict.
    Judged(String, Option<Verdict>),
    Tier(Tier),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Judged(s, _) => s.clone(),
            Cell::Num(n) => format!("{n:.4}"),
            Cell::Tier(t) => t.label_zh().to_string(),
        }
    }
}

/// Every header, in order: the decision columns right after code and name.
pub fn headers() -> Vec<String> {
    let mut h: Vec<String> = [
        "行号",
        "类别",
        "院内编码",
        "院内名称",
        "审核结果",
        "替换编码",
        "备注",
        "置信度",
        "得分",
        "匹配编码",
        "匹配名称",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (stem, _) in PAIRS {
        h.push(format!("院内{stem}"));
        h.push(format!("目录{stem}"));
    }
    h.extend(["匹配包装", "目录版本", "依据", "已有审核", "修订号"].map(String::from));
    for i in 1..=ALTERNATIVES {
        h.push(format!("备选{i}编码"));
        h.push(format!("备选{i}名称"));
        h.push(format!("备选{i}得分"));
    }
    h
}

/// The evidence verdict the matcher gave a field pair of the best candidate.
fn verdict(best: &Candidate, names: &[&str]) -> Option<Verdict> {
    let vs: Vec<Verdict> = best
        .evidence
        .iter()
        .filter(|e| names.contains(&e.field.as_str()) && e.verdict != Verdict::Missing)
        .map(|e| e.verdict)
        .collect();
    // The worst verdict wins: one disagreeing sub-field is a mismatch to look at.
    [Verdict::Disagree, Verdict::Partial, Verdict::Agree]
        .into_iter()
        .find(|v| vs.contains(v))
}

fn cells(r: &Row, revision: Option<i64>) -> Vec<Cell> {
    let it = &r.item;
    let b = r.result.best();
    let t = |s: &str| Cell::Text(s.to_string());
    let o = |s: &Option<String>| Cell::Text(s.clone().unwrap_or_default());
    let mut c = vec![
        Cell::Text(it.row.to_string()),
        t(r.kind.label_zh()),
        t(&it.code),
        t(&it.name),
        t(""),
        t(""),
        t(""),
        Cell::Tier(r.result.tier),
        b.map(|c| Cell::Num(c.score))
            .unwrap_or(Cell::Text(String::new())),
        t(b.map(|c| c.code.as_str()).unwrap_or("")),
        t(b.map(|c| c.name.as_str()).unwrap_or("")),
    ];
    let hospital = [
        &it.spec,
        &it.dosage_form,
        &it.manufacturer,
        if it.approval_no.is_some() {
            &it.approval_no
        } else {
            &it.registration_no
        },
        &it.unit,
    ];
    for ((_, names), h) in PAIRS.iter().zip(hospital) {
        c.push(o(h));
        let cat = b.map(|b| match names[0] {
            "规格" => b.spec.clone(),
            "剂型" => b.dosage_form.clone().unwrap_or_default(),
            "生产企业" => b.manufacturer.clone(),
            "批准文号" => b.approval_no.clone().unwrap_or_default(),
            _ => b.unit.clone().unwrap_or_default(),
        });
        c.push(Cell::Judged(
            cat.unwrap_or_default(),
            b.and_then(|b| verdict(b, names)),
        ));
    }
    c.push(t(b.and_then(|c| c.pack_spec.as_deref()).unwrap_or("")));
    c.push(o(&r.version));
    c.push(t(&r.result.reason));
    // Stored as the stable name (`approved`); shown as the reviewer's word.
    c.push(t(&r
        .previous
        .as_deref()
        .map(|p| {
            p.parse::<MappingStatus>()
                .map(|s| s.label_zh().to_string())
                .unwrap_or_else(|_| p.to_string())
        })
        .unwrap_or_default()));
    c.push(t(&revision.map(|r| r.to_string()).unwrap_or_default()));
    for i in 0..ALTERNATIVES {
        match r.result.candidates.get(i + 1) {
            Some(a) => {
                c.push(t(&a.code));
                c.push(t(&a.name));
                c.push(Cell::Num(a.score));
            }
            None => c.extend([t(""), t(""), t("")]),
        }
    }
    c
}

/// Write `rows` as the review workbook (.xlsx) or its flat CSV form (.csv).
/// `revisions[i]` is the stored revision of row i's mapping, when known, so
/// a decision made on a stale view is refused by `review apply`.
pub fn write(out: &Path, rows: &[Row], revisions: &[Option<i64>]) -> Result<()> {
    let headers = headers();
    let all: Vec<Vec<Cell>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| cells(r, revisions.get(i).copied().flatten()))
        .collect();
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "xlsx" {
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        let text: Vec<Vec<String>> = all
            .iter()
            .map(|r| r.iter().map(Cell::text).collect())
            .collect();
        return super::export::write_table(out, "对码结果", &h, &text);
    }
    write_xlsx(out, &headers, &all).with_context(|| format!("writing {}", out.display()))
}

fn fill(c: u32) -> Format {
    Format::new().set_background_color(Color::RGB(c))
}

fn write_xlsx(out: &Path, headers: &[String], rows: &[Vec<Cell>]) -> Result<()> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("对码结果")?;
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7));
    let decide = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xFFF2CC));
    let score = Format::new().set_num_format("0.000");
    let (agree, partial, disagree) = (fill(0xE2EFDA), fill(0xFFF2CC), fill(0xF8CBAD));
    let tiers = [
        (Tier::High, fill(0xC6EFCE)),
        (Tier::Medium, fill(0xFFEB9C)),
        (Tier::Low, fill(0xF8CBAD)),
        (Tier::None, fill(0xD9D9D9)),
    ];
    for (c, h) in headers.iter().enumerate() {
        let f = if matches!(h.as_str(), "审核结果" | "替换编码" | "备注") {
            &decide
        } else {
            &head
        };
        ws.write_string_with_format(0, c as u16, h, f)?;
        let width = match h.as_str() {
            "院内名称" | "匹配名称" | "依据" => 28.0,
            "匹配编码" | "替换编码" => 24.0,
            "行号" | "置信度" | "得分" | "修订号" => 7.0,
            _ => 14.0,
        };
        ws.set_column_width(c as u16, width)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    // Excel's cell limit is 32,767 characters.
                    let s: String = s.chars().take(30_000).collect();
                    ws.write_string(r, c, s)?;
                }
                Cell::Num(n) => {
                    ws.write_number_with_format(r, c, *n, &score)?;
                }
                Cell::Tier(t) => {
                    let f = &tiers.iter().find(|(k, _)| k == t).expect("every tier").1;
                    ws.write_string_with_format(r, c, t.label_zh(), f)?;
                }
                Cell::Judged(s, v) => {
                    let f = match v {
                        Some(Verdict::Agree) => Some(&agree),
                        Some(Verdict::Partial) => Some(&partial),
                        Some(Verdict::Disagree) => Some(&disagree),
                        _ => None,
                    };
                    match f {
                        Some(f) => ws.write_string_with_format(r, c, s, f)?,
                        None if s.is_empty() => ws,
                        None => ws.write_string(r, c, s)?,
                    };
                }
            }
        }
    }
    let col = |name: &str| headers.iter().position(|h| h == name).expect("a header") as u16;
    let last = (rows.len() as u32).max(1);
    let dv = DataValidation::new()
        .allow_list_strings(DECISIONS)?
        .set_input_title("审核结果")?
        .set_input_message("通过 / 驳回 / 存疑 / 替换（填替换编码）/ 无对应；留空 = 暂不决定")?
        .set_error_title("审核结果")?
        .set_error_message("请从下拉列表选择：通过、驳回、存疑、替换、无对应")?;
    ws.add_data_validation(1, col("审核结果"), last, col("审核结果"), &dv)?;
    // Code and name stay in view while scrolling right through the field pairs.
    ws.set_freeze_panes(1, col("院内名称") + 1)?;
    ws.autofilter(0, 0, rows.len() as u32, headers.len() as u16 - 1)?;

    let help = wb.add_worksheet();
    help.set_name("说明")?;
    help.set_column_width(0, 16)?;
    help.set_column_width(1, 90)?;
    let lines: &[(&str, &str)] = &[
        ("怎么填", "在“审核结果”列下拉选择；替换时在“替换编码”填正确的医保编码；可在“备注”写理由。留空的行不改动。"),
        ("回填", "mulu review apply 本文件.xlsx --by 审核人   （有任何一行无效则全部不写入，加 --partial 只写有效行）"),
        ("通过", "确认匹配编码正确（也接受：同意、批准、确认、核准）"),
        ("驳回", "匹配编码错误，该项暂不对照（也接受：拒绝、不通过、不同意）"),
        ("存疑", "需要复核（也接受：标记、疑问、复核）"),
        ("替换", "改为“替换编码”列中的编码；编码须属于该类别且在已导入的目录中"),
        ("无对应", "院内项目在医保目录中没有对应项，不上传"),
        ("置信度", "高：可直接通过；中：核对字段后通过；低、无：通过需加 --force"),
        ("得分", "0–1 的匹配得分（数值，可排序筛选）"),
        ("字段颜色", "“目录…”列：绿色=与院内一致，黄色=部分一致，红色=不一致，无色=缺少比较依据"),
        ("备选", "备选1–4：其他候选编码、名称和得分，可复制到“替换编码”"),
        ("修订号", "导出时对照的修订号；期间若有人改过，回填时会提示冲突"),
    ];
    let bold = Format::new().set_bold();
    for (i, (k, v)) in lines.iter().enumerate() {
        help.write_string_with_format(i as u32, 0, *k, &bold)?;
        help.write_string(i as u32, 1, *v)?;
    }
    wb.save(out)?;
    Ok(())
}
