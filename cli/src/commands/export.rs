//! `mulu export 3301`: the confirmed mappings in the platform's 3301 fields,
//! JSON in batches of at most 100 rows, or a flat xlsx/CSV. Also the shared
//! table writer of the matching commands.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::store::Mapping;
use catalog_core::{Category, Entry, FieldValue};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// What to export: 3301 (目录对照上传)
    pub what: String,
    #[arg(long)]
    pub out: PathBuf,
    /// list_type numbering: national (101 西药中成药 …) or hunan (101 西药, 102 中成药 …)
    #[arg(long, default_value = "national")]
    pub list_type_table: String,
    /// Only mappings of this kind
    #[arg(long, value_parser = super::index::parse_kind)]
    pub kind: Option<Category>,
    /// begndate for mappings without their own start date [default: the review date]
    #[arg(long)]
    pub begin: Option<String>,
}

/// Rows per 3301 call (the platform limit public clients observe).
pub const BATCH: usize = 100;

/// `list_type` (目录类别) by region; research-domain §3.8. None: not uploadable by 3301.
pub fn list_type(table: &str, kind: Category, code: &str) -> Option<&'static str> {
    match table {
        "hunan" => match kind {
            Category::Drug if code.starts_with('Z') => Some("102"),
            Category::Drug => Some("101"),
            Category::Herbal => Some("103"),
            Category::Preparation => Some("104"),
            Category::Service => Some("201"),
            Category::Consumable => Some("301"),
            _ => None,
        },
        _ => match kind {
            Category::Drug => Some("101"),
            Category::Herbal => Some("102"),
            Category::Preparation => Some("103"),
            Category::Service => Some("201"),
            Category::Consumable => Some("301"),
            _ => None,
        },
    }
}

#[derive(Serialize, Clone, Debug)]
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

const FIELDS: &[&str] = &[
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

fn cells(r: &Row3301) -> Vec<String> {
    vec![
        r.fixmedins_hilist_id.clone(),
        r.fixmedins_hilist_name.clone(),
        r.list_type.clone(),
        r.med_list_codg.clone(),
        r.begndate.clone(),
        r.enddate.clone(),
        r.aprvno.clone(),
        r.dosform.clone(),
        r.exct_cont.clone(),
        r.item_cont.clone(),
        r.prcunt.clone(),
        r.spec.clone(),
        r.pacspec.clone(),
        r.memo.clone(),
    ]
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

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    if args.what != "3301" {
        anyhow::bail!(
            "unknown export '{}': only 3301 (目录对照上传) is supported",
            args.what
        );
    }
    if !matches!(args.list_type_table.as_str(), "national" | "hunan") {
        anyhow::bail!(
            "unknown --list-type-table '{}': expected national or hunan",
            args.list_type_table
        );
    }
    let store = ctx.store()?;
    let mappings: Vec<Mapping> = store
        .mappings(args.kind, None)?
        .into_iter()
        .filter(|m| m.status.is_confirmed())
        .collect();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for m in &mappings {
        let Some(code) = m.target_code.clone().filter(|c| !c.is_empty()) else {
            skipped.push(format!(
                "{} {}: no target code",
                m.hospital_code, m.hospital_name
            ));
            continue;
        };
        let Some(lt) = list_type(&args.list_type_table, m.category, &code) else {
            skipped.push(format!(
                "{} {}: {} has no 3301 list_type",
                m.hospital_code, m.hospital_name, m.category
            ));
            continue;
        };
        // The row in the newest version holding the code supplies the descriptive fields.
        let target = store.find_code(&code)?.into_iter().map(|(_, e)| e).next();
        rows.push(to_3301(m, target.as_ref(), lt, args.begin.as_deref()));
    }
    let ext = args
        .out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "json" {
        let batches: Vec<_> = rows
            .chunks(BATCH)
            .map(|c| serde_json::json!({ "data": c }))
            .collect();
        let f = std::fs::File::create(&args.out)
            .with_context(|| format!("creating {}", args.out.display()))?;
        serde_json::to_writer_pretty(
            std::io::BufWriter::new(f),
            &serde_json::json!({ "batches": batches }),
        )?;
    } else {
        let cells: Vec<Vec<String>> = rows.iter().map(cells).collect();
        write_table(&args.out, "3301", FIELDS, &cells)?;
    }
    for s in &skipped {
        ctx.say(format!("skipped {s}"));
    }
    if ctx.json {
        ctx.print_json(&serde_json::json!({"out": args.out, "rows": rows.len(), "batches": rows.len().div_ceil(BATCH), "skipped": skipped}))?;
    } else {
        println!(
            "exported {} confirmed mappings in {} batch(es) of ≤{BATCH} → {} ({} skipped)",
            rows.len(),
            rows.len().div_ceil(BATCH),
            args.out.display(),
            skipped.len()
        );
    }
    Ok(0)
}

/// Write rows as xlsx (header frozen, autofilter on) or CSV (UTF-8 with BOM,
/// so Excel shows Chinese correctly), by the file's extension.
pub fn write_table(path: &Path, sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name(sheet)?;
            for (c, h) in headers.iter().enumerate() {
                ws.write_string(0, c as u16, *h)?;
                ws.set_column_width(c as u16, 14)?;
            }
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    // Excel's cell limit is 32,767 characters.
                    let v: String = if v.len() > 30_000 {
                        v.chars().take(10_000).collect()
                    } else {
                        v.clone()
                    };
                    ws.write_string(r as u32 + 1, c as u16, v)?;
                }
            }
            ws.set_freeze_panes(1, 0)?;
            ws.autofilter(
                0,
                0,
                rows.len() as u32,
                headers.len().saturating_sub(1) as u16,
            )?;
            wb.save(path)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        "csv" | "txt" => {
            let mut f = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            std::io::Write::write_all(&mut f, "\u{feff}".as_bytes())?;
            let mut w = csv::Writer::from_writer(f);
            w.write_record(headers)?;
            for r in rows {
                w.write_record(r)?;
            }
            w.flush()?;
        }
        other => anyhow::bail!(
            "cannot write '.{other}' files: use .xlsx, .csv or .json ({})",
            path.display()
        ),
    }
    Ok(())
}
