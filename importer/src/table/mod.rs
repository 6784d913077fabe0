//! Generic table reading: any tabular source becomes a header plus rows of
//! strings, each row carrying its 1-based source row number.
//!
//! Formats are recognised by content, not by extension (a `.xlsx` that is
//! really a ZIP of something else must fail clearly). CSV, XML and 13xx text
//! files stream, and so do xlsx sheets; xls/ods/xlsb sheets are read whole.

mod budget;
mod delimited;
mod json;
mod platform;
mod position;
mod workbook;
mod xlsx_stream;
mod xml;

pub use platform::{detect_layout, Layout, LAYOUTS};

mod error;
use crate::limits::{LimitHit, Limits};
use catalog_core::normalize;
pub use error::{ReadError, RowError};
pub(crate) use position::Position;
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

/// How many rows from the top may hold titles before the header row.
pub const HEADER_SCAN_ROWS: usize = 30;

/// One data row: its cells aligned with [`Table::header`].
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// 1-based row number in the source (line for text files, sheet row for workbooks).
    pub row: u64,
    /// The cells, as many as the header has columns.
    pub cells: Vec<String>,
}

/// A row, or why it was rejected.
pub type RowItem = Result<Record, RowError>;

/// The source formats, recognised by content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Office Open XML workbook.
    Xlsx,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97–2003 workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Comma- or TAB-separated text.
    Csv,
    /// A JSON array of records (top level or wrapped).
    Json,
    /// One JSON object per line.
    JsonLines,
    /// Repeated XML record elements.
    Xml,
    /// A 13xx platform download (headerless TAB text, maybe zipped).
    Platform13xx,
}

/// What to look for while opening a table.
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    /// Sheet name or 1-based index; without it the sheet whose header best
    /// matches `known_headers` is taken.
    pub sheet: Option<String>,
    /// Header texts (any form; compared through [`header_key`]) that mark the
    /// header row. Empty: the first non-empty row is the header.
    pub known_headers: Vec<String>,
    /// Force a 13xx layout ("1301", …) for headerless platform text files.
    pub layout: Option<String>,
    /// Bounds on what the source may make the reader hold.
    pub limits: Limits,
}

/// An open table: header known, rows streaming.
pub struct Table {
    /// The source file (`zip!member` for a 13xx ZIP).
    pub file: String,
    /// The sheet read, for workbooks.
    pub sheet: Option<String>,
    /// Column names.
    pub header: Vec<String>,
    /// Source row of the header (0 for headerless 13xx files).
    pub header_row: u64,
    /// Text encoding detected for text sources ("UTF-8", "UTF-8 (BOM)", "GB18030").
    pub encoding: Option<&'static str>,
    /// The format recognised.
    pub format: Format,
    /// The 13xx transaction for platform files.
    pub layout: Option<String>,
    /// What the user should know about how the table was read (a hidden sheet chosen).
    pub warnings: Vec<String>,
    rows: Box<dyn Iterator<Item = RowItem>>,
    /// Where a streaming reader is in its file (`None`: read whole at open).
    position: Option<Position>,
}

impl Iterator for Table {
    type Item = RowItem;
    fn next(&mut self) -> Option<RowItem> {
        self.rows.next()
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("file", &self.file)
            .field("sheet", &self.sheet)
            .field("header", &self.header)
            .field("header_row", &self.header_row)
            .field("encoding", &self.encoding)
            .field("format", &self.format)
            .finish()
    }
}

impl Table {
    /// Share of the source read so far, for streaming readers of a file.
    pub fn fraction(&self) -> Option<f64> {
        self.position.as_ref().and_then(Position::fraction)
    }

    /// Index of a column by header (compared through [`header_key`]).
    pub fn column(&self, name: &str) -> Option<usize> {
        let k = header_key(name);
        self.header.iter().position(|h| header_key(h) == k)
    }
}

/// The comparable form of a header: half-width, no whitespace, no `*`
/// required-markers, no edition prefix such as `2025版`, ASCII lower case.
pub fn header_key(s: &str) -> String {
    let folded = normalize::fold_width(s);
    let mut t: String = folded
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}' && *c != '*')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // "2025版甲乙类" is 甲乙类 of a given edition.
    if let Some(pos) = t.find('版') {
        if pos > 0 && t[..pos].chars().all(|c| c.is_ascii_digit()) {
            t = t[pos + '版'.len_utf8()..].to_string();
        }
    }
    t
}

/// Sniffed kind of a source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sniffed {
    Xlsx,
    Xlsb,
    Ods,
    Xls,
    /// A ZIP that is not a workbook: maybe a 13xx download.
    OtherZip,
    Xml,
    Json,
    JsonLines,
    Text,
}

/// The reject for a row over one of the row limits (cells, cell bytes).
fn over_limit(
    file: &str,
    sheet: Option<&str>,
    row: u64,
    hit: LimitHit,
    mut cells: Vec<String>,
    max_cells: usize,
) -> RowItem {
    cells.truncate(max_cells);
    Err(RowError::new(file, sheet, row, hit.to_string())
        .with_cells(cells)
        .limit(hit))
}

/// Cut `s` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn cut_text(s: &mut String, max: usize) {
    if s.len() > max {
        let mut at = max;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
        s.push_str("…[截断]");
    }
}

pub(crate) fn sniff(path: &Path) -> Result<Sniffed, ReadError> {
    let name = path.display().to_string();
    let mut f = std::fs::File::open(path).map_err(|e| ReadError::io(&name, e))?;
    let mut head = vec![0u8; 4096];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => return Err(ReadError::io(&name, e)),
        }
    }
    head.truncate(n);
    if n == 0 {
        return Err(ReadError::format(&name, tr!("read.empty")));
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return zip_kind(path, &name);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Ok(Sniffed::Xls);
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let first = text.iter().copied().find(|b| !b.is_ascii_whitespace());
    Ok(match first {
        Some(b'<') => Sniffed::Xml,
        Some(b'[') => Sniffed::Json,
        Some(b'{') => Sniffed::JsonLines,
        None => return Err(ReadError::format(&name, tr!("read.whitespace"))),
        _ => Sniffed::Text,
    })
}

fn zip_kind(path: &Path, name: &str) -> Result<Sniffed, ReadError> {
    let f = std::fs::File::open(path).map_err(|e| ReadError::io(name, e))?;
    let zip = zip::ZipArchive::new(f)
        .map_err(|e| ReadError::format(name, tr!("zip.container", error = e)))?;
    let names: Vec<String> = zip.file_names().flatten().map(|n| n.into_owned()).collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("xl/workbook.xml") {
        Ok(Sniffed::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Sniffed::Xlsb)
    } else if has("content.xml") && has("mimetype") {
        Ok(Sniffed::Ods)
    } else {
        Ok(Sniffed::OtherZip)
    }
}

/// Open any supported table file.
pub fn open(path: &Path, opts: &TableOptions) -> Result<Table, ReadError> {
    let kind = sniff(path)?;
    let known: HashSet<String> = opts.known_headers.iter().map(|h| header_key(h)).collect();
    let forced_13xx = opts.layout.is_some();
    let lim = &opts.limits;
    let t = open_kind(path, kind, opts, &known, forced_13xx)?;
    // A header wider than a record may be is refused before anything works
    // column by column over it (alias matching is per column and per alias).
    if t.header.len() > lim.max_cells_per_record {
        return Err(ReadError::limit(
            &t.file,
            "max_cells_per_record",
            lim.max_cells_per_record as u64,
            format!(
                "表头有 {} 列 (the header has {} columns)",
                t.header.len(),
                t.header.len()
            ),
        ));
    }
    Ok(t)
}

fn open_kind(
    path: &Path,
    kind: Sniffed,
    opts: &TableOptions,
    known: &HashSet<String>,
    forced_13xx: bool,
) -> Result<Table, ReadError> {
    let lim = &opts.limits;
    match kind {
        Sniffed::Xlsx | Sniffed::Xlsb | Sniffed::Ods | Sniffed::Xls => {
            workbook::open(path, kind, opts.sheet.as_deref(), known, lim)
        }
        Sniffed::OtherZip => platform::open_zip(path, opts.layout.as_deref(), lim),
        Sniffed::Xml => xml::open(path, known, lim),
        Sniffed::Json => json::open_array(path, known, lim),
        Sniffed::JsonLines if json::is_wrapped(path) => json::open_array(path, known, lim),
        Sniffed::JsonLines => json::open_lines(path, lim),
        Sniffed::Text if forced_13xx => platform::open_text(path, opts.layout.as_deref(), lim),
        Sniffed::Text => {
            if platform::looks_headerless(path, known)? {
                return platform::open_text(path, None, lim);
            }
            delimited::open(path, known, lim)
        }
    }
}

/// How many cells of a row are known headers.
pub(crate) fn score(cells: &[String], known: &HashSet<String>) -> usize {
    cells
        .iter()
        .filter(|c| !c.trim().is_empty() && known.contains(&header_key(c)))
        .count()
}

/// Choose the header among the first rows: the best match of known headers
/// (earliest wins ties); without any match, the first non-empty row.
/// Returns the index into `rows`.
pub(crate) fn pick_header(rows: &[Vec<String>], known: &HashSet<String>) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, r) in rows.iter().enumerate().take(HEADER_SCAN_ROWS) {
        let s = score(r, known);
        if s > 0 && best.is_none_or(|(_, bs)| s > bs) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
        .or_else(|| rows.iter().position(|r| !is_blank(r)))
}

pub(crate) fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// Column letters as a spreadsheet shows them (0 → A, 26 → AA).
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Build the final header from the chosen row. Merged header cells arrive
/// empty: they take the text of the sub-header row below when that row is a
/// header too (two-row headers), else the column letter, so no column goes
/// unnamed. Returns the header and whether the next row was consumed.
pub(crate) fn finish_header(
    row: &[String],
    next: Option<&[String]>,
    known: &HashSet<String>,
) -> (Vec<String>, bool) {
    let mut header: Vec<String> = row.iter().map(|c| normalize::clean_text(c)).collect();
    let mut used_next = false;
    if let Some(sub) = next {
        let holes = header.iter().any(|h| h.is_empty());
        // A sub-header names known columns under the merged ones and holds no data.
        if holes && score(sub, known) > 0 {
            used_next = true;
            for (i, h) in header.iter_mut().enumerate() {
                let s = sub
                    .get(i)
                    .map(|s| normalize::clean_text(s))
                    .unwrap_or_default();
                // The known name wins: a merged group title (项目) yields to 项目编码 below it.
                let sub_known = !s.is_empty() && known.contains(&header_key(&s));
                if !s.is_empty() && (h.is_empty() || (sub_known && !known.contains(&header_key(h))))
                {
                    *h = s;
                }
            }
        }
    }
    for (i, h) in header.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("列{}", column_letter(i));
        }
    }
    (header, used_next)
}

/// Words that open a note line under a table, when followed by a colon (or,
/// for 注, a footnote number): "注射用…" is a name, not a note.
const NOTE_WORDS: &[&str] = &[
    "注",
    "备注",
    "说明",
    "制表",
    "制表人",
    "填表",
    "填表人",
    "审核",
    "审核人",
    "数据来源",
    "来源",
    "资料来源",
];
/// Lines that are totals whatever follows.
const TOTAL_WORDS: &[&str] = &["合计", "总计", "小计", "共计"];
const CN_DIGITS: &str = "一二三四五六七八九十百零〇两";

/// What a row that holds no catalogue data is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// `注：…`, `备注`, `说明：…`, `数据来源：…`, `制表人：…`
    Note,
    /// `合计 1234`, `总计`
    Total,
    /// A heading inside the table: `一、西药`, `第二部分 中成药`, `（一）抗感染药`.
    Section,
}

fn is_note_text(t: &str) -> bool {
    NOTE_WORDS.iter().any(|w| {
        t.strip_prefix(w).is_some_and(|rest| {
            let next = rest.trim_start().chars().next();
            matches!(next, Some(':') | None)
                || (*w == "注" && next.is_some_and(|c| c.is_ascii_digit() || c == '(' || c == '、'))
        })
    })
}

/// `一、…`, `十二.…`, `第二部分…`, `第3章…`, `(一)…`, `西药部分`.
fn is_section_text(t: &str) -> bool {
    let cn = |c: char| CN_DIGITS.contains(c);
    let lead: String = t.chars().take_while(|c| cn(*c)).collect();
    if !lead.is_empty() && matches!(t[lead.len()..].chars().next(), Some('、') | Some('.')) {
        return true;
    }
    if let Some(rest) = t.strip_prefix('第') {
        let n = rest
            .chars()
            .take_while(|c| cn(*c) || c.is_ascii_digit())
            .map(char::len_utf8)
            .sum::<usize>();
        let unit = rest[n..].trim_start();
        if n > 0
            && ["部分", "章", "节", "类", "篇", "批"]
                .iter()
                .any(|u| unit.starts_with(u))
        {
            return true;
        }
    }
    if let Some(rest) = t.strip_prefix('(') {
        let n = rest
            .chars()
            .take_while(|c| cn(*c))
            .map(char::len_utf8)
            .sum::<usize>();
        if n > 0 && rest[n..].starts_with(')') {
            return true;
        }
    }
    // "西药部分" / "中成药部分": short, so a name that happens to end in 部分 is not taken.
    t.ends_with("部分") && t.chars().count() <= 12
}

/// A row that may be a note, total or section heading: at most two filled
/// cells, the first of which starts with a marker. Returns the kind and the
/// column of that cell. The caller still checks the code column (a data row
/// with a missing code must stay a reject).
pub fn note_kind(cells: &[String]) -> Option<(NoteKind, usize)> {
    let mut filled = cells
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.trim().is_empty());
    let (col, first) = filled.next()?;
    // At most one more filled cell; stop looking at the third (data rows are wide).
    if filled.nth(1).is_some() {
        return None;
    }
    let t = normalize::fold_width(first.trim());
    let kind = if TOTAL_WORDS.iter().any(|w| t.starts_with(w)) {
        NoteKind::Total
    } else if is_note_text(&t) {
        NoteKind::Note
    } else if is_section_text(&t) {
        NoteKind::Section
    } else {
        return None;
    };
    Some((kind, col))
}

/// The old rule kept for readers with no code column (hospital dictionaries):
/// one filled cell that is a note or total line.
pub(crate) fn is_note_row(cells: &[String], width: usize) -> bool {
    width >= 2
        && cells.iter().filter(|c| !c.trim().is_empty()).count() == 1
        && matches!(
            note_kind(cells),
            Some((NoteKind::Note | NoteKind::Total, _))
        )
}

/// Shared tail of every reader: skip blank rows (they hold nothing), reject
/// rows over the cell limits or wider than the header, pad short rows to the
/// header. Note rows pass as records: only the catalogue reader knows the
/// code column that tells a note from a data row with a missing code.
pub(crate) fn classify(
    file: &str,
    sheet: Option<&str>,
    limits: &Limits,
    width: usize,
    row: u64,
    mut cells: Vec<String>,
) -> Option<RowItem> {
    if is_blank(&cells) {
        return None;
    }
    let max_cells = limits.max_cells_per_record;
    if cells.len() > max_cells {
        let hit = LimitHit {
            limit: "max_cells_per_record",
            value: max_cells as u64,
            found: format!(
                "该行有 {} 个单元格 (the row has {} cells)",
                cells.len(),
                cells.len()
            ),
        };
        return Some(over_limit(file, sheet, row, hit, cells, max_cells));
    }
    if let Some(i) = cells.iter().position(|c| c.len() > limits.max_cell_bytes) {
        let n = cells[i].len();
        for c in cells.iter_mut() {
            cut_text(c, limits.max_cell_bytes);
        }
        let hit = LimitHit {
            limit: "max_cell_bytes",
            value: limits.max_cell_bytes as u64,
            found: format!(
                "列{} 单元格 {n} 字节 (a cell of {n} bytes in column {})",
                column_letter(i),
                column_letter(i)
            ),
        };
        let mut e = over_limit(file, sheet, row, hit, cells, max_cells);
        if let Err(r) = &mut e {
            r.column = Some(format!("列{}", column_letter(i)));
        }
        return Some(e);
    }
    if cells.len() > width {
        if cells[width..].iter().any(|c| !c.trim().is_empty()) {
            let n = cells.len();
            return Some(Err(RowError::new(
                file,
                sheet,
                row,
                tr!("reject.too_many_cells", n = n, width = width),
            )
            .cells(&cells)));
        }
        cells.truncate(width);
    }
    cells.resize(width, String::new());
    Some(Ok(Record { row, cells }))
}

#[cfg(test)]
mod tests;
