//! Upload files as bytes, one writer for every face: the CLI saves them
//! (`mulu export`), the page downloads them. JSON in the platform's batches
//! of at most [`crate::BATCH`] rows; a table (xlsx with the header frozen
//! and a filter, or CSV with a BOM so Excel shows Chinese) with the
//! transaction's field names as the header.

use serde::Serialize;

/// A file format for upload rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// `{"batches": [{"fixmedins_code": …, "data": [...]}, ...]}`, ≤ BATCH rows per batch.
    JsonBatches,
    /// An xlsx workbook.
    Xlsx,
    /// UTF-8 CSV with a byte-order mark.
    Csv,
}

impl FileFormat {
    /// The format a file name's extension asks for (`json`, `xlsx`, `csv`/`txt`).
    pub fn from_extension(ext: &str) -> Option<FileFormat> {
        match ext.to_ascii_lowercase().as_str() {
            "json" => Some(FileFormat::JsonBatches),
            "xlsx" => Some(FileFormat::Xlsx),
            "csv" | "txt" => Some(FileFormat::Csv),
            _ => None,
        }
    }
}

/// The rows as the platform's JSON batches, each with the hospital's
/// 定点医药机构编号 (`fixmedins_code`).
pub fn json_batches<T: Serialize>(rows: &[T], fixmedins_code: &str) -> serde_json::Value {
    let batches: Vec<_> = rows
        .chunks(crate::BATCH)
        .map(|c| serde_json::json!({ "fixmedins_code": fixmedins_code, "data": c }))
        .collect();
    serde_json::json!({ "batches": batches })
}

/// A table as an xlsx workbook with one sheet.
pub fn xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let inner = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
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
        wb.save_to_buffer()
    };
    inner().map_err(|e| format!("生成 xlsx 失败：{e} (writing the workbook failed)"))
}

/// A table as CSV (UTF-8 with a byte-order mark).
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = ::csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    let err = |e: ::csv::Error| format!("生成 CSV 失败：{e} (writing CSV failed)");
    w.write_record(headers).map_err(err)?;
    for r in rows {
        w.write_record(r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| format!("生成 CSV 失败：{e} (writing CSV failed)"))
}

/// Upload rows in a format: JSON batches, or a table of `fields` with the
/// cells of each row.
pub fn upload_file<T: Serialize>(
    format: FileFormat,
    sheet: &str,
    fields: &[&str],
    rows: &[T],
    cells: impl Fn(&T) -> Vec<String>,
    fixmedins_code: &str,
) -> Result<Vec<u8>, String> {
    match format {
        FileFormat::JsonBatches => serde_json::to_vec_pretty(&json_batches(rows, fixmedins_code))
            .map_err(|e| format!("生成 JSON 失败：{e}")),
        FileFormat::Xlsx => xlsx(sheet, fields, &rows.iter().map(cells).collect::<Vec<_>>()),
        FileFormat::Csv => csv(fields, &rows.iter().map(cells).collect::<Vec<_>>()),
    }
}
