//! CSV/TSV, streamed. Encoding: UTF-16 by its BOM (Excel's "Unicode text"),
//! UTF-8 (with or without BOM) when most of the sample is UTF-8, else GB18030
//! (a superset of GBK and GB2312, which is what Chinese Excel exports).

use super::budget::{limit_message, Budget, BudgetReader};
use super::{
    classify, finish_header, pick_header, score, Format, Position, RowItem, Table, HEADER_SCAN_ROWS,
};
use crate::limits::{LimitHit, Limits};
use crate::table::{ReadError, RowError};
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
    Utf16Le,
    Utf16Be,
}

impl TextEncoding {
    pub(crate) fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Gb18030 => "GB18030",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
        }
    }
}

/// Valid multi-byte UTF-8 characters and invalid sequences in `sample` (a
/// sequence cut by the sample's end does not count).
fn utf8_votes(sample: &[u8]) -> (usize, usize) {
    let (mut good, mut bad) = (0, 0);
    for chunk in sample.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            bad += 1;
        }
    }
    // The last "invalid" piece may be a character cut by the sample's end.
    if let Some(last) = sample.utf8_chunks().last() {
        let cut = last.invalid();
        if !cut.is_empty() && last.valid().is_empty() && sample.ends_with(cut) && cut.len() < 4 {
            let lead = cut[0];
            let need = if lead >= 0xF0 {
                4
            } else if lead >= 0xE0 {
                3
            } else {
                2
            };
            if lead >= 0xC0 && cut.len() < need {
                bad -= 1;
            }
        } else if !cut.is_empty() && sample.ends_with(cut) && cut.len() < 4 && cut[0] >= 0xC0 {
            bad -= 1;
        }
    }
    (good, bad)
}

/// Decide the encoding from the first bytes: a BOM; else UTF-8 when its
/// valid multi-byte characters outnumber its invalid sequences (one GBK row
/// in a UTF-8 file is that row's reject, not a file of mojibake); else GB18030.
pub(crate) fn detect(sample: &[u8]) -> TextEncoding {
    if sample.starts_with(b"\xEF\xBB\xBF") {
        return TextEncoding::Utf8Bom;
    }
    if sample.starts_with(b"\xFF\xFE") {
        return TextEncoding::Utf16Le;
    }
    if sample.starts_with(b"\xFE\xFF") {
        return TextEncoding::Utf16Be;
    }
    let (good, bad) = utf8_votes(sample);
    if bad == 0 || good > bad {
        TextEncoding::Utf8
    } else {
        TextEncoding::Gb18030
    }
}

/// When no known header shows under the detected encoding, the header line
/// may be written in the other one (a GBK header pasted over UTF-8 rows, or
/// the reverse). Reading the whole file as the other encoding would garble
/// the rows, so this only names the cause; `None` when the other encoding
/// does not help either.
fn header_only_in_other_encoding(
    sample: &[u8],
    enc: TextEncoding,
    delim: u8,
    known: &HashSet<String>,
) -> Option<String> {
    let (other, label) = match enc {
        TextEncoding::Utf8 => (encoding_rs::GB18030, TextEncoding::Gb18030.label()),
        TextEncoding::Gb18030 => (encoding_rs::UTF_8, TextEncoding::Utf8.label()),
        _ => return None,
    };
    let (text, _, _) = other.decode(sample);
    let found = text
        .lines()
        .take(HEADER_SCAN_ROWS)
        .map(|l| {
            l.split(delim as char)
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect::<Vec<_>>()
        })
        .filter(|cells| score(cells, known) > 0)
        .max_by_key(|cells| score(cells, known))?;
    let names: Vec<&str> = found
        .iter()
        .map(String::as_str)
        .filter(|c| !c.is_empty())
        .take(4)
        .collect();
    Some(format!(
        "按检测到的编码 {} 读取时找不到已知表头，按 {} 读取则能识别（{}）：文件中混用了两种编码。请把整个文件另存为 UTF-8 或 GBK 后重新导入 \
         (the header is recognised only when read as {}; the file mixes two encodings, save it whole as UTF-8 or GBK)",
        enc.label(),
        label,
        names.join("、"),
        label
    ))
}

pub(crate) fn read_sample(f: &mut File, path: &str) -> Result<Vec<u8>, ReadError> {
    let mut sample = Vec::with_capacity(SAMPLE);
    f.by_ref()
        .take(SAMPLE as u64)
        .read_to_end(&mut sample)
        .map_err(|e| ReadError::io(path, e))?;
    f.seek(SeekFrom::Start(0))
        .map_err(|e| ReadError::io(path, e))?;
    Ok(sample)
}

/// A reader yielding UTF-8 bytes whatever the file's encoding; GB18030 and
/// UTF-16 errors become U+FFFD, which rows are then rejected for. Under a
/// budget of `max_record_bytes` per record, lone CRs folded into LFs.
pub(crate) fn decoded_reader(
    f: File,
    enc: TextEncoding,
    limits: &Limits,
) -> (BudgetReader<Box<dyn Read>>, Budget) {
    fn decode(f: File, e: &'static encoding_rs::Encoding) -> Box<dyn Read> {
        Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(e))
                // The BOM is not text.
                .bom_override(true)
                .strip_bom(true)
                .build(BufReader::with_capacity(1 << 16, f)),
        )
    }
    let inner: Box<dyn Read> = match enc {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            Box::new(BufReader::with_capacity(1 << 16, f))
        }
        TextEncoding::Gb18030 => decode(f, encoding_rs::GB18030),
        TextEncoding::Utf16Le => decode(f, encoding_rs::UTF_16LE),
        TextEncoding::Utf16Be => decode(f, encoding_rs::UTF_16BE),
    };
    BudgetReader::new(inner, limits.max_record_bytes, true)
}

/// A parser's error message, with a budget error named as the limit.
pub(crate) fn read_failure(e: &dyn std::fmt::Display, what: &str) -> (String, Option<LimitHit>) {
    let text = e.to_string();
    match limit_message(&text) {
        Some(m) => (m, Some(record_limit_hit(&text))),
        None => (format!("{what}: {}", clip(&text)), None),
    }
}

/// A parser's message can quote a whole hostile token (a 100 KB tag name):
/// keep its head, say how long it was.
fn clip(text: &str) -> String {
    const KEEP: usize = 300;
    match text.char_indices().nth(KEEP) {
        Some((at, _)) => format!("{}…（共 {} 字节）", &text[..at], text.len()),
        None => text.to_string(),
    }
}

fn record_limit_hit(text: &str) -> LimitHit {
    let value = text
        .rsplit('=')
        .next()
        .map(|v| {
            v.chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    LimitHit {
        limit: "max_record_bytes",
        value,
        found: "一条记录过长 (a record too long)".into(),
    }
}

fn delimiter_of(sample: &[u8]) -> u8 {
    // Old Mac files end lines with CR alone.
    let first_line = sample
        .split(|b| *b == b'\n' || *b == b'\r')
        .next()
        .unwrap_or(&[]);
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

type Csv = csv::Reader<BudgetReader<Box<dyn Read>>>;

struct CsvRows {
    file: String,
    enc: TextEncoding,
    header: Vec<String>,
    rdr: Csv,
    budget: Budget,
    limits: Limits,
    pending: VecDeque<Pending>,
    rec: csv::ByteRecord,
    done: bool,
}

/// A record that took more lines than a cell plausibly holds, or that the
/// file ended inside: an unterminated quote has swallowed the lines after it.
/// `next_line` is the line the next record starts on; `at_eof` that there is none.
fn swallowed(
    rec: &csv::ByteRecord,
    line: u64,
    next_line: u64,
    at_eof: bool,
    limits: &Limits,
) -> Option<String> {
    let spans = next_line.saturating_sub(line);
    let open_at_eof = at_eof
        && spans > 1
        && rec
            .iter()
            .next_back()
            .is_some_and(|f| f.ends_with(b"\n") || f.ends_with(b"\r"));
    if open_at_eof {
        return Some(format!(
            "引号未闭合：第 {line} 行起的引号一直到文件末尾，其后 {} 行并入了这一行 (an unterminated quote on line {line} runs to the end of the file: the {} lines after it became part of this row)",
            spans - 1,
            spans - 1
        ));
    }
    if spans > limits.max_record_lines {
        return Some(format!(
            "一条记录跨 {spans} 行（第 {line}–{} 行），超出限制 max_record_lines = {}：可能引号未闭合 (one record spans {spans} lines, over max_record_lines = {}: an unterminated quote?)",
            next_line - 1,
            limits.max_record_lines,
            limits.max_record_lines
        ));
    }
    None
}

impl CsvRows {
    fn convert(&self, row: u64, rec: &csv::ByteRecord) -> Option<RowItem> {
        match cells_of(rec) {
            Ok(cells) => classify(
                &self.file,
                None,
                &self.limits,
                self.header.len(),
                row,
                cells,
            ),
            Err((col, value)) => {
                let name = self
                    .header
                    .get(col)
                    .cloned()
                    .unwrap_or_else(|| format!("列{}", super::column_letter(col)));
                let cells: Vec<String> = rec
                    .iter()
                    .take(self.limits.max_cells_per_record)
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                Some(Err(RowError::new(
                    &self.file,
                    None,
                    row,
                    tr!("reject.undecodable", enc = self.enc.label()),
                )
                .column(&name, &value)
                .cells(&cells)))
            }
        }
    }
}

impl CsvRows {
    /// A record read: its row, the line after it and whether the input had
    /// ended then (an unterminated quote shows as a record to the end).
    fn item(&self, row: u64, next: u64, at_eof: bool, rec: &csv::ByteRecord) -> Option<RowItem> {
        if next > row + 1 {
            if let Some(why) = swallowed(rec, row, next, at_eof, &self.limits) {
                let cells: Vec<String> = rec
                    .iter()
                    .take(self.limits.max_cells_per_record)
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                return Some(Err(
                    RowError::new(&self.file, None, row, why).with_cells(cells)
                ));
            }
        }
        self.convert(row, rec)
    }
}

impl Iterator for CsvRows {
    type Item = RowItem;
    fn next(&mut self) -> Option<RowItem> {
        while let Some(p) = self.pending.pop_front() {
            if let Some(item) = self.item(p.row, p.next, p.at_eof, &p.rec) {
                return Some(item);
            }
        }
        while !self.done {
            self.budget.mark();
            match self.rdr.read_byte_record(&mut self.rec) {
                Ok(true) => {
                    let row = self.rec.position().map_or(0, |p| p.line());
                    let next = self.rdr.position().line();
                    let rec = std::mem::take(&mut self.rec);
                    let item = self.item(row, next, self.budget.at_eof(), &rec);
                    self.rec = rec;
                    if item.is_some() {
                        return item;
                    }
                }
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    // An I/O error (the budget) has no position: the record
                    // being read starts where the reader stands.
                    let row = e
                        .position()
                        .map_or_else(|| self.rdr.position().line(), |p| p.line());
                    let (msg, hit) = read_failure(&e, &tr!("reject.unreadable_csv"));
                    let mut err = RowError::new(&self.file, None, row.max(1), msg).fatal();
                    err.limit = hit;
                    return Some(Err(err));
                }
            }
        }
        None
    }
}

/// A record read while looking for the header, kept for the rows.
struct Pending {
    row: u64,
    next: u64,
    at_eof: bool,
    rec: csv::ByteRecord,
}

pub(super) fn open(
    path: &Path,
    known: &HashSet<String>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    let mut f = File::open(path).map_err(|e| ReadError::io(&name, e))?;
    let position = Position::of(&f);
    let sample = read_sample(&mut f, &name)?;
    let enc = detect(&sample);
    let delim = delimiter_of(&sample);
    let (input, budget) = decoded_reader(f, enc, limits);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_reader(input);
    // Look at the top rows to find the header below any title rows.
    let mut top: Vec<Pending> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while top.len() < HEADER_SCAN_ROWS {
        budget.mark();
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
                top.push(Pending {
                    row: line,
                    next: rdr.position().line(),
                    at_eof: budget.at_eof(),
                    rec: rec.clone(),
                });
            }
            Ok(false) => break,
            Err(e) => {
                let (msg, hit) = read_failure(&e, &tr!("reject.unreadable_csv"));
                return Err(match hit {
                    Some(hit) => ReadError::Limit { file: name, hit },
                    None => ReadError::format(&name, msg),
                });
            }
        }
    }
    let as_text: Vec<Vec<String>> = top
        .iter()
        .map(|p| {
            p.rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .collect();
    let Some(h) = pick_header(&as_text, known) else {
        return Err(ReadError::format(&name, tr!("read.no_rows")));
    };
    if !known.is_empty() && score(&as_text[h], known) == 0 {
        if let Some(msg) = header_only_in_other_encoding(&sample, enc, delim, known) {
            return Err(ReadError::format(&name, msg));
        }
    }
    let (header, used_next) =
        finish_header(&as_text[h], as_text.get(h + 1).map(|v| v.as_slice()), known);
    let header_row = top[h].row;
    let skip = h + 1 + usize::from(used_next);
    let pending: VecDeque<Pending> = top.into_iter().skip(skip).collect();
    Ok(Table {
        file: name.clone(),
        sheet: None,
        header: header.clone(),
        header_row,
        encoding: Some(enc.label()),
        format: Format::Csv,
        layout: None,
        warnings: Vec::new(),
        rows: Box::new(CsvRows {
            file: name,
            enc,
            header,
            rdr,
            budget,
            limits: limits.clone(),
            pending,
            rec: csv::ByteRecord::new(),
            done: false,
        }),
        position,
    })
}
