//! File writers. Every writer streams rows and produces byte-identical output
//! for identical input (fixed timestamps inside xlsx and zip containers).

use anyhow::{Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// A table ready to write: the header row and the data rows in that order.
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }
    /// Column index of a header; the generators only ask for their own headers.
    pub fn col(&self, h: &str) -> Option<usize> {
        self.headers.iter().position(|x| *x == h)
    }
}

/// UTF-8 CSV with a header row (RFC 4180 quoting via the csv crate).
pub fn csv_utf8(path: &Path, t: &Table) -> Result<u64> {
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut w = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, f));
    w.write_record(&t.headers)?;
    for r in &t.rows {
        w.write_record(r)?;
    }
    w.flush()?;
    Ok(t.rows.len() as u64)
}

/// CSV encoded as GBK, the encoding bureau exports and Excel in China default to.
/// Characters GBK lacks (e.g. μ) are written as HTML numeric references by encoding_rs,
/// so such values are avoided in GBK files by the generators' callers where it matters.
pub fn csv_gbk(path: &Path, t: &Table) -> Result<u64> {
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, f);
    let mut encode =
        |records: &mut dyn Iterator<Item = &[String]>, header: Option<&[&str]>| -> Result<()> {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(1 << 16));
            if let Some(h) = header {
                w.write_record(h)?;
            }
            for r in records {
                w.write_record(r)?;
            }
            let buf = w
                .into_inner()
                .map_err(|e| anyhow::anyhow!("csv buffer: {e}"))?;
            let text = String::from_utf8(buf).context("csv produced invalid UTF-8")?;
            let (bytes, _, _) = encoding_rs::GBK.encode(&text);
            out.write_all(&bytes)?;
            Ok(())
        };
    encode(&mut std::iter::empty(), Some(&t.headers))?;
    for chunk in t.rows.chunks(4096) {
        encode(&mut chunk.iter().map(|r| r.as_slice()), None)?;
    }
    out.flush()?;
    Ok(t.rows.len() as u64)
}

/// xlsx with optional title rows above the header (as bureaus publish), written
/// in constant-memory mode so 300k-row sheets do not hold every cell in RAM.
pub fn xlsx(path: &Path, sheet: &str, titles: &[&str], t: &Table) -> Result<u64> {
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2026, 1, 1).map_err(|e| anyhow::anyhow!("{e}"))?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&fixed));
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(sheet)?;
    let mut r: u32 = 0;
    for title in titles {
        ws.write_string_with_format(r, 0, *title, &bold)?;
        r += 1;
    }
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(r, c as u16, *h, &bold)?;
    }
    r += 1;
    for row in &t.rows {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r, c as u16, v)?;
            }
        }
        r += 1;
    }
    wb.save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(t.rows.len() as u64)
}

/// A 13xx platform download: a ZIP holding one headerless tab-separated `.txt`.
/// `rows` are already laid out by position.
pub fn zip_tsv(path: &Path, inner: &str, rows: impl Iterator<Item = Vec<String>>) -> Result<u64> {
    let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut z = zip::ZipWriter::new(BufWriter::new(f));
    let when = zip::DateTime::from_date_and_time(2026, 1, 1, 0, 0, 0)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(when)
        .unix_permissions(0o644);
    z.start_file(inner, opts)?;
    let mut n = 0u64;
    let mut line = String::new();
    for r in rows {
        line.clear();
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            // A tab or newline inside a value would shift every later column.
            line.extend(v.chars().map(|c| {
                if c == '\t' || c == '\n' || c == '\r' {
                    ' '
                } else {
                    c
                }
            }));
        }
        line.push('\n');
        z.write_all(line.as_bytes())?;
        n += 1;
    }
    z.finish()?.flush()?;
    Ok(n)
}
