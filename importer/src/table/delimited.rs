//! CSV/TSV, streamed. Encoding: UTF-8 (with or without BOM), else GB18030
//! (a superset of GBK and GB2312, which is what Chinese Excel exports).

use super::{classify, finish_header, pick_header, Format, RowItem, Table, HEADER_SCAN_ROWS};
use crate::error::{ImportError, RowError};
use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

const SAMPLE: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextEncoding {
    Utf8,
    Utf8Bom,
    Gb18030,
}

impl TextEncoding {
    pub(crate) fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Gb18030 => "GB18030",
        }
    }
}

/// Decide the encoding from the first bytes: a BOM, else valid UTF-8 (a
/// sequence cut by the sample's end does not count against it), else GB18030.
pub(crate) fn detect(sample: &[u8]) -> TextEncoding {
    if sample.starts_with(b"\xEF\xBB\xBF") {
        return TextEncoding::Utf8Bom;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => TextEncoding::Utf8,
        Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => TextEncoding::Gb18030,
    }
}

pub(crate) fn read_sample(f: &mut File, path: &str) -> Result<Vec<u8>, ImportError> {
    let mut sample = Vec::with_capacity(SAMPLE);
    f.by_ref()
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .map_err(|e| ImportError::io(path, e))?;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| ImportError::io(path, e))?;
    Ok(sample)
}

/// A reader yielding UTF-8 bytes whatever the file's encoding; GB18030
/// errors become U+FFFD, which rows are then rejected for.
pub(crate) fn decoded_reader(f: File, enc: TextEncoding) -> Box<dyn Read> {
    match enc {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            Box::new(BufReader::with_capacity(1 << 16, f))
        }
        TextEncoding::Gb18030 => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::GB18030))
                .build(BufReader::with_capacity(1 << 16, f)),
        ),
    }
}

fn delimiter_of(sample: &[u8]) -> u8 {
    let first_line = sample.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let tabs = first_line.iter().filter(|b| **b == b'\t').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    if tabs > commas {
        b'\t'
    } else {
        b','
    }
}

/// Turn a raw record into strings; bytes that are not text in the detected
/// encoding make the row a reject that names the column.
fn cells_of(rec: &csv::ByteRecord) -> Result<Vec<String>, (usize, String)> {
    // One check over the whole record; each field is then a slice of it. A
    // field boundary inside a character (bytes split by a delimiter that
    // happen to join up) fails `get`, and the record goes the slow way.
    if let Ok(all) = std::str::from_utf8(rec.as_slice()) {
        if !all.contains('\u{FFFD}') {
            let cells: Option<Vec<String>> = (0..rec.len())
                .map(|i| all.get(rec.range(i)?).map(str::to_string))
                .collect();
            if let Some(cells) = cells {
                return Ok(cells);
            }
        }
    }
    for (i, f) in rec.iter().enumerate() {
        match std::str::from_utf8(f) {
            Ok(s) if !s.contains('\u{FFFD}') => {}
            _ => return Err((i, String::from_utf8_lossy(f).into_owned())),
        }
    }
    // Not reached (valid fields make a valid record), but never panic on input.
    Err((0, String::from_utf8_lossy(rec.as_slice()).into_owned()))
}

struct CsvRows {
    file: String,
    enc: TextEncoding,
    header: Vec<String>,
    rdr: csv::Reader<Box<dyn Read>>,
    pending: VecDeque<(u64, csv::ByteRecord)>,
    rec: csv::ByteRecord,
    done: bool,
}

impl CsvRows {
    fn convert(&self, row: u64, rec: &csv::ByteRecord) -> Option<RowItem> {
        match cells_of(rec) {
            Ok(cells) => classify(&self.file, None, self.header.len(), row, cells),
            Err((col, value)) => {
                let name = self
                    .header
                    .get(col)
                    .cloned()
                    .unwrap_or_else(|| format!("列{}", super::column_letter(col)));
                let cells: Vec<String> = rec
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                Some(Err(RowError::new(
                    &self.file,
                    None,
                    row,
                    format!("undecodable bytes: not valid {} text", self.enc.label()),
                )
                .column(&name, &value)
                .cells(&cells)))
            }
        }
    }
}

impl Iterator for CsvRows {
    type Item = RowItem;
    fn next(&mut self) -> Option<RowItem> {
        while let Some((row, rec)) = self.pending.pop_front() {
            if let Some(item) = self.convert(row, &rec) {
                return Some(item);
            }
        }
        while !self.done {
            match self.rdr.read_byte_record(&mut self.rec) {
                Ok(true) => {
                    let row = self.rec.position().map_or(0, |p| p.line());
                    let rec = std::mem::take(&mut self.rec);
                    let item = self.convert(row, &rec);
                    self.rec = rec;
                    if item.is_some() {
                        return item;
                    }
                }
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    let row = e.position().map_or(0, |p| p.line());
                    return Some(Err(RowError::new(
                        &self.file,
                        None,
                        row,
                        format!("unreadable CSV: {e}"),
                    )
                    .fatal()));
                }
            }
        }
        None
    }
}

pub(super) fn open(path: &Path, known: &HashSet<String>) -> Result<Table, ImportError> {
    let name = path.display().to_string();
    let mut f = File::open(path).map_err(|e| ImportError::io(&name, e))?;
    let sample = read_sample(&mut f, &name)?;
    let enc = detect(&sample);
    let delim = delimiter_of(&sample);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(decoded_reader(f, enc));
    // Look at the top rows to find the header below any title rows.
    let mut top: Vec<(u64, csv::ByteRecord)> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while top.len() < HEADER_SCAN_ROWS {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                // The BOM is not part of the first header.
                if top.is_empty() && line == 1 {
                    if let Some(first) = rec.get(0) {
                        if let Some(stripped) = first.strip_prefix("\u{feff}".as_bytes()) {
                            let mut fixed = csv::ByteRecord::new();
                            fixed.push_field(stripped);
                            for f in rec.iter().skip(1) {
                                fixed.push_field(f);
                            }
                            fixed.set_position(rec.position().cloned());
                            rec = fixed;
                        }
                    }
                }
                top.push((line, rec.clone()));
            }
            Ok(false) => break,
            Err(e) => return Err(ImportError::format(&name, format!("unreadable CSV: {e}"))),
        }
    }
    let as_text: Vec<Vec<String>> = top
        .iter()
        .map(|(_, r)| {
            r.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .collect();
    let Some(h) = pick_header(&as_text, known) else {
        return Err(ImportError::format(&name, "the file has no rows"));
    };
    let (header, used_next) =
        finish_header(&as_text[h], as_text.get(h + 1).map(|v| v.as_slice()), known);
    let header_row = top[h].0;
    let skip = h + 1 + usize::from(used_next);
    let pending: VecDeque<(u64, csv::ByteRecord)> = top.into_iter().skip(skip).collect();
    Ok(Table {
        file: name.clone(),
        sheet: None,
        header: header.clone(),
        header_row,
        encoding: Some(enc.label()),
        format: Format::Csv,
        layout: None,
        rows: Box::new(CsvRows {
            file: name,
            enc,
            header,
            rdr,
            pending,
            rec: csv::ByteRecord::new(),
            done: false,
        }),
    })
}
