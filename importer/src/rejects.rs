//! Reject files: every rejected row, in CSV and xlsx, with its reason and its
//! original cells, so it can be fixed and imported again.

use crate::error::RowError;
use std::path::Path;

const FIXED: [&str; 6] = ["file", "sheet", "row", "column", "value", "reason"];

fn fixed_cells(r: &RowError) -> [String; 6] {
    [
        r.file.clone(),
        r.sheet.clone().unwrap_or_default(),
        r.row.to_string(),
        r.column.clone().unwrap_or_default(),
        r.value.clone().unwrap_or_default(),
        r.reason.clone(),
    ]
}

/// Write `rejects` to `csv_path` (UTF-8 with BOM so Excel shows Chinese) and `xlsx_path`.
/// `source_header` names the original cells' columns.
pub fn write(
    rejects: &[RowError],
    source_header: &[String],
    csv_path: &Path,
    xlsx_path: &Path,
) -> anyhow::Result<()> {
    let width = rejects
        .iter()
        .map(|r| r.cells.len())
        .max()
        .unwrap_or(0)
        .max(source_header.len());
    let mut header: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    for i in 0..width {
        header.push(
            source_header
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("列{}", crate::table::column_letter(i))),
        );
    }
    let mut f = std::fs::File::create(csv_path)?;
    std::io::Write::write_all(&mut f, b"\xEF\xBB\xBF")?;
    let mut w = csv::Writer::from_writer(f);
    w.write_record(&header)?;
    for r in rejects {
        let mut row: Vec<String> = fixed_cells(r).to_vec();
        row.extend(r.cells.iter().cloned());
        row.resize(header.len(), String::new());
        w.write_record(&row)?;
    }
    w.flush()?;

    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("rejected")?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, h)?;
    }
    // xlsx holds 1,048,576 rows; the CSV has them all.
    for (i, r) in rejects.iter().take(1_048_575).enumerate() {
        let row = (i + 1) as u32;
        for (c, v) in fixed_cells(r).iter().chain(r.cells.iter()).enumerate() {
            if c == 2 {
                ws.write_number(row, c as u16, r.row as f64)?;
            } else if !v.is_empty() {
                ws.write_string(row, c as u16, v)?;
            }
        }
    }
    wb.save(xlsx_path)?;
    Ok(())
}
