//! xls / ods / xlsb through calamine, whole sheet at a time (calamine has no
//! row stream for them); xlsx streams (see `xlsx_stream`).

use super::{
    classify, finish_header, pick_header, score, Format, RowItem, Sniffed, Table, HEADER_SCAN_ROWS,
};
use crate::limits::Limits;
use crate::table::ReadError;
use calamine::{open_workbook, Data, Ods, Range, Reader, Sheets, Xls, Xlsb};
use std::collections::HashSet;
use std::path::Path;

/// A cell as text the way a person sees it: integral numbers without `.0`,
/// long codes with every digit, date cells as `YYYY-MM-DD`.
pub(crate) fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02}")
            }
        }
        Data::DateTime(dt) => float_text(dt.as_f64()),
        Data::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Rust prints f64 without exponent and without a trailing `.0` for
/// integral values below 2^53, so 110000001000000.0 stays all digits.
fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i128)
    } else {
        format!("{f}")
    }
}

pub(super) fn open_error(name: &str, e: impl std::fmt::Display) -> ReadError {
    ReadError::format(name, tr!("workbook.open", error = e))
}

pub(super) fn open(
    path: &Path,
    kind: Sniffed,
    sheet: Option<&str>,
    known: &HashSet<String>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    if kind == Sniffed::Xlsx {
        return super::xlsx_stream::open(path, sheet, known, limits);
    }
    // By content, not extension: bureaus publish xlsx files named .xls.
    let mut wb: Sheets<_> = match kind {
        Sniffed::Xls => {
            Sheets::Xls(open_workbook::<Xls<_>, _>(path).map_err(|e| open_error(&name, e))?)
        }
        Sniffed::Ods => {
            Sheets::Ods(open_workbook::<Ods<_>, _>(path).map_err(|e| open_error(&name, e))?)
        }
        _ => Sheets::Xlsb(open_workbook::<Xlsb<_>, _>(path).map_err(|e| open_error(&name, e))?),
    };
    let names = wb.sheet_names();
    if names.is_empty() {
        return Err(ReadError::format(&name, tr!("workbook.no_sheets")));
    }
    let format = match kind {
        Sniffed::Xls => Format::Xls,
        Sniffed::Ods => Format::Ods,
        _ => Format::Xlsb,
    };
    let (sheet_name, range) = match sheet {
        Some(s) => {
            let chosen = choose_sheet(&names, s, &name)?;
            let r = wb
                .worksheet_range(&chosen)
                .map_err(|e| open_error(&name, e))?;
            (chosen, r)
        }
        None if names.len() == 1 => {
            let r = wb
                .worksheet_range(&names[0])
                .map_err(|e| open_error(&name, e))?;
            (names[0].clone(), r)
        }
        None => {
            // Best header match wins; the first sheet on a tie.
            let mut best: Option<(usize, String, Range<Data>)> = None;
            for n in &names {
                let r = wb.worksheet_range(n).map_err(|e| open_error(&name, e))?;
                let s = r
                    .rows()
                    .take(HEADER_SCAN_ROWS)
                    .map(|row| score(&row.iter().map(cell_text).collect::<Vec<_>>(), known))
                    .max()
                    .unwrap_or(0);
                if best.as_ref().is_none_or(|(bs, _, _)| s > *bs) {
                    best = Some((s, n.clone(), r));
                }
            }
            match best {
                Some((_, n, r)) => (n, r),
                None => return Err(ReadError::format(&name, tr!("workbook.no_sheets"))),
            }
        }
    };
    from_range(name, sheet_name, range, format, known, limits)
}

/// `--sheet` by name or 1-based index.
pub(super) fn choose_sheet(names: &[String], s: &str, file: &str) -> Result<String, ReadError> {
    names
        .iter()
        .find(|n| n.as_str() == s)
        .cloned()
        .or_else(|| {
            s.parse::<usize>()
                .ok()
                .filter(|i| *i >= 1)
                .and_then(|i| names.get(i - 1).cloned())
        })
        .ok_or_else(|| {
            ReadError::format(
                file,
                tr!("workbook.no_such_sheet", sheet = s, list = names.join("、")),
            )
        })
}

fn from_range(
    name: String,
    sheet: String,
    range: Range<Data>,
    format: Format,
    known: &HashSet<String>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let first_row = range.start().map_or(0, |(r, _)| r as u64);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let top: Vec<Vec<String>> = range
        .rows()
        .take(HEADER_SCAN_ROWS)
        .map(|r| row_cells(r, first_col))
        .collect();
    let Some(h) = pick_header(&top, known) else {
        return Err(ReadError::format(
            &name,
            tr!("workbook.sheet_empty", sheet = sheet),
        ));
    };
    let (header, used_next) = finish_header(&top[h], top.get(h + 1).map(|v| v.as_slice()), known);
    let header_row = first_row + h as u64 + 1;
    let skip = h + 1 + usize::from(used_next);
    let width = header.len();
    let file = name.clone();
    let sheet_for_rows = sheet.clone();
    // The range is owned by the iterator; rows are converted as they are pulled.
    let (height, range_width) = range.get_size();
    let limits = limits.clone();
    let rows = (skip..height).filter_map(move |i| {
        let mut cells = vec![String::new(); first_col];
        cells
            .extend((0..range_width).map(|j| range.get((i, j)).map(cell_text).unwrap_or_default()));
        classify(
            &file,
            Some(&sheet_for_rows),
            &limits,
            width,
            first_row + i as u64 + 1,
            cells,
        )
    });
    Ok(Table {
        file: name,
        sheet: Some(sheet),
        header,
        header_row,
        encoding: None,
        format,
        layout: None,
        warnings: Vec::new(),
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
        // Read whole at open: the rows are already in memory.
        position: None,
    })
}

/// Cells of a row, shifted right when the used range does not start in column A
/// so that column letters in messages stay true.
fn row_cells(r: &[Data], first_col: usize) -> Vec<String> {
    let mut v = vec![String::new(); first_col];
    v.extend(r.iter().map(cell_text));
    v
}
