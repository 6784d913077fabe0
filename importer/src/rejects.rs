//! Reject files: every rejected row, in CSV and xlsx, with its reason and its
//! original cells, so it can be fixed and imported again.
//!
//! During an import the CSV is written as rejects come (memory holds only the
//! first `max_rejects_kept`); the xlsx is written after, from those, within
//! Excel's limits. A reject file that cannot be written is a warning: it never
//! turns the import's own result into something else (D5).

use crate::table::RowError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

// Chinese: the reject files are read by the clerk who fixes the rows.
const FIXED: [&str; 6] = ["文件", "工作表", "行号", "列", "值", "原因"];
/// Excel refuses longer strings in a cell.
pub const XLSX_CELL_CHARS: usize = 32_767;
/// The mark left where a cell was cut to fit the xlsx.
pub const CUT_MARK: &str = "…[截断，完整内容见 CSV]";
/// Longest label part of a reject file name, in bytes (names stop at 255).
const NAME_BYTES: usize = 120;

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

/// A label or file stem made safe as a file name: only letters, digits and
/// `-_.`; one longer than 120 bytes is cut and ends with a hash of the whole,
/// so two long labels still get two files.
pub fn safe_name(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.len() <= NAME_BYTES {
        return clean;
    }
    let mut at = NAME_BYTES - 9;
    while !clean.is_char_boundary(at) {
        at -= 1;
    }
    let hash = hex::encode(&Sha256::digest(s.as_bytes())[..4]);
    format!("{}-{hash}", &clean[..at])
}

/// `BASE.ext`, keeping any dots already in `base`.
pub fn with_suffix(base: &Path, ext: &str) -> PathBuf {
    let mut s = base.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn header_of(source_header: &[String], width: usize) -> Vec<String> {
    let mut header: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    for i in 0..width.max(source_header.len()) {
        header.push(
            source_header
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("列{}", crate::table::column_letter(i))),
        );
    }
    header
}

/// Where rejects go while an import runs: the first ones kept in memory, all
/// of them streamed to `BASE.csv` when a base is given.
pub(crate) struct RejectSink {
    base: Option<PathBuf>,
    header: Vec<String>,
    csv: Option<csv::Writer<BufWriter<File>>>,
    kept: Vec<RowError>,
    max_kept: usize,
    count: u64,
    /// Why the CSV stopped being written (the import goes on).
    failed: Option<String>,
}

/// What a sink did, once finished.
pub(crate) struct Written {
    pub kept: Vec<RowError>,
    pub count: u64,
    pub csv: Option<PathBuf>,
    pub xlsx: Option<PathBuf>,
    pub warnings: Vec<String>,
}

impl RejectSink {
    pub(crate) fn new(
        base: Option<PathBuf>,
        source_header: &[String],
        max_kept: usize,
    ) -> RejectSink {
        RejectSink {
            base,
            header: header_of(source_header, 0),
            csv: None,
            kept: Vec::new(),
            max_kept,
            count: 0,
            failed: None,
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    fn open_csv(&mut self, base: &Path) -> Result<(), String> {
        let path = with_suffix(base, "csv");
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        let mut f = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // A BOM so Excel shows the Chinese text.
        std::io::Write::write_all(&mut f, b"\xEF\xBB\xBF")
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(BufWriter::with_capacity(1 << 16, f));
        w.write_record(&self.header)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        self.csv = Some(w);
        Ok(())
    }

    fn write_csv(&mut self, r: &RowError) {
        if self.failed.is_some() {
            return;
        }
        let Some(base) = self.base.clone() else {
            return;
        };
        if self.csv.is_none() {
            if let Err(e) = self.open_csv(&base) {
                self.failed = Some(e);
                return;
            }
        }
        let Some(w) = self.csv.as_mut() else { return };
        let fixed = fixed_cells(r);
        let width = self.header.len();
        let pad = width.saturating_sub(FIXED.len() + r.cells.len());
        let row = fixed
            .iter()
            .map(String::as_str)
            .chain(r.cells.iter().map(String::as_str))
            .chain(std::iter::repeat_n("", pad));
        if let Err(e) = w.write_record(row) {
            self.failed = Some(format!("{}.csv: {e}", base.display()));
        }
    }

    pub(crate) fn push(&mut self, r: RowError) {
        self.count += 1;
        self.write_csv(&r);
        if self.kept.len() < self.max_kept {
            self.kept.push(r);
        }
    }

    /// Flush the CSV and write the xlsx beside it; problems become warnings.
    pub(crate) fn finish(mut self) -> Written {
        let mut warnings = Vec::new();
        let mut csv_path = None;
        let mut xlsx_path = None;
        if let Some(mut w) = self.csv.take() {
            if let Err(e) = w.flush() {
                self.failed.get_or_insert(e.to_string());
            }
        }
        if let Some(base) = &self.base {
            if self.count > 0 {
                match &self.failed {
                    Some(e) => warnings.push(format!(
                        "无法写出拒绝行文件 (the reject CSV could not be written): {e}"
                    )),
                    None => csv_path = Some(with_suffix(base, "csv")),
                }
                let x = with_suffix(base, "xlsx");
                match write_xlsx(&self.kept, self.count, &self.header, &x) {
                    Ok(()) => xlsx_path = Some(x),
                    Err(e) => warnings.push(format!(
                        "无法写出拒绝行工作簿 (the reject workbook {} could not be written): {e}",
                        x.display()
                    )),
                }
            }
        }
        Written {
            kept: self.kept,
            count: self.count,
            csv: csv_path,
            xlsx: xlsx_path,
            warnings,
        }
    }
}

/// A cell as the xlsx can hold it: at most 32,767 characters, cut with a mark.
fn xlsx_text(v: &str) -> std::borrow::Cow<'_, str> {
    if v.len() <= XLSX_CELL_CHARS || v.chars().count() <= XLSX_CELL_CHARS {
        return v.into();
    }
    let keep = XLSX_CELL_CHARS - CUT_MARK.chars().count();
    let mut s: String = v.chars().take(keep).collect();
    s.push_str(CUT_MARK);
    s.into()
}

fn write_xlsx(
    rejects: &[RowError],
    total: u64,
    header: &[String],
    path: &Path,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let width = rejects
        .iter()
        .map(|r| FIXED.len() + r.cells.len())
        .max()
        .unwrap_or(0)
        .max(header.len())
        .min(16_384);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("rejected")?;
    for c in 0..width {
        let h = header
            .get(c)
            .cloned()
            .unwrap_or_else(|| format!("列{}", crate::table::column_letter(c - FIXED.len())));
        ws.write_string(0, c as u16, xlsx_text(&h))?;
    }
    // xlsx holds 1,048,576 rows; the CSV has them all.
    let shown = rejects.len().min(1_048_574);
    for (i, r) in rejects.iter().take(shown).enumerate() {
        let row = (i + 1) as u32;
        for (c, v) in fixed_cells(r)
            .iter()
            .chain(r.cells.iter())
            .take(16_384)
            .enumerate()
        {
            if c == 2 {
                ws.write_number(row, c as u16, r.row as f64)?;
            } else if !v.is_empty() {
                ws.write_string(row, c as u16, xlsx_text(v))?;
            }
        }
    }
    if total > shown as u64 {
        ws.write_string(
            shown as u32 + 1,
            5,
            format!(
                "另有 {} 行拒绝行只在 CSV 中 ({} more rejected rows are in the CSV only)",
                total - shown as u64,
                total - shown as u64
            ),
        )?;
    }
    wb.save(path)?;
    Ok(())
}

/// Write `rejects` to `csv_path` (UTF-8 with BOM so Excel shows Chinese) and
/// `xlsx_path` (cells cut to Excel's 32,767 characters, with a mark).
/// `source_header` names the original cells' columns.
pub fn write(
    rejects: &[RowError],
    source_header: &[String],
    csv_path: &Path,
    xlsx_path: &Path,
) -> anyhow::Result<()> {
    let width = rejects.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let header = header_of(source_header, width);
    let f = File::create(csv_path)?;
    let mut f = BufWriter::new(f);
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
    write_xlsx(rejects, rejects.len() as u64, &header, xlsx_path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_get_short_distinct_file_names() {
        let a = safe_name(&"药".repeat(5000));
        let b = safe_name(&format!("{}x", "药".repeat(5000)));
        assert!(a.len() <= NAME_BYTES, "{}", a.len());
        assert_ne!(a, b);
        assert_eq!(safe_name("2026-01 国家/版"), "2026-01_国家_版");
    }

    #[test]
    fn a_cell_over_excels_limit_is_cut_with_a_mark_and_kept_whole_in_the_csv() {
        let d = tempfile::tempdir().unwrap();
        let long = "阿".repeat(40_000);
        let r = RowError::new("f.csv", None, 2, "bad").cells(&["BAD".into(), long.clone()]);
        let (c, x) = (d.path().join("r.csv"), d.path().join("r.xlsx"));
        write(&[r], &["药品代码".into(), "注册名称".into()], &c, &x).unwrap();
        assert!(std::fs::read_to_string(&c).unwrap().contains(&long));
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&x).unwrap();
        use calamine::Reader;
        let range = wb.worksheet_range("rejected").unwrap();
        let cell = range.get((1, 7)).unwrap().to_string();
        assert_eq!(cell.chars().count(), XLSX_CELL_CHARS);
        assert!(cell.ends_with(CUT_MARK));
    }
}
