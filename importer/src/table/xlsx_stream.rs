//! xlsx read as a stream of rows. calamine's `worksheet_range` holds a whole
//! sheet as `Data` cells (several hundred MB for a 300k-row catalogue); the
//! cell reader walks the sheet XML instead. Choosing the sheet reads only the
//! first rows of each. Rows are read on their own thread (the cell reader
//! borrows the workbook, which a boxed iterator could not hold) and cross a
//! bounded channel in batches, so memory stays flat.

use super::workbook::{cell_text, choose_sheet, open_error};
use super::{
    classify, finish_header, pick_header, score, Format, Position, RowItem, Table, HEADER_SCAN_ROWS,
};
use crate::limits::{LimitHit, Limits};
use crate::table::{ReadError, RowError};
use calamine::{Data, DataRef, Reader, SheetVisible, Xlsx};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

type Workbook = Xlsx<BufReader<File>>;
/// A sheet row: 0-based row index, its cells from column A, and the limit it
/// broke if it did (a cell right of XFD, a row below 1,048,576).
type Row = (u32, Vec<String>, Option<LimitHit>);

enum Msg {
    Rows(Vec<Row>),
    /// The sheet XML broke after the rows already sent (0-based row index).
    Broken(u32, String),
}

const BATCH: usize = 256;

fn text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::String(s) => s.clone(),
        other => cell_text(&Data::from(other.clone())),
    }
}

/// A1-style reference of a 0-based cell position.
fn cell_ref(r: u32, c: u32) -> String {
    format!("{}{}", super::column_letter(c as usize), r as u64 + 1)
}

/// Pull rows off a cell reader, one `Vec` per sheet row that holds a value.
/// `emit` returns false to stop early. A position from the file never sizes
/// an allocation past `limits.max_columns`: a cell at column ZZZZZZ would ask
/// for 321 M strings (D2); it marks its row instead.
fn for_each_row(
    wb: &mut Workbook,
    path: &Path,
    sheet: &str,
    limits: &Limits,
    mut emit: impl FnMut(Row) -> bool,
) -> Result<(), (u32, String)> {
    let mut reader = wb
        .worksheet_cells_reader(sheet)
        .map_err(|e| (0, e.to_string()))?;
    let mut cur: Option<Row> = None;
    // Cells read so far, so a cell that fails to parse can be found again.
    let mut cells_read: u64 = 0;
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                // calamine's error does not say where: find the failing cell
                // (the next <c> in the sheet XML) and report its row (D15).
                let at = failed_cell(path, sheet, cells_read);
                let (row, place) = match &at {
                    Some((r, reference)) => (*r, format!(" (cell {reference})")),
                    None => (cur.as_ref().map_or(0, |(r, _, _)| *r), String::new()),
                };
                // A row above the failing cell was read whole: it counts.
                if let Some(done) = cur.take() {
                    if at.is_some() && done.0 < row {
                        emit(done);
                    }
                }
                return Err((row, format!("{e}{place}")));
            }
        };
        cells_read += 1;
        let (r, c) = cell.get_position();
        let v = text(cell.get_value());
        if v.is_empty() {
            continue; // styled but empty: worksheet_range leaves these out too
        }
        if cur.as_ref().is_some_and(|(cr, _, _)| *cr != r) {
            if let Some(done) = cur.take() {
                if !emit(done) {
                    return Ok(());
                }
            }
        }
        let row = cur.get_or_insert_with(|| (r, Vec::new(), None));
        if r as u64 >= limits.max_rows {
            row.2.get_or_insert(LimitHit {
                limit: "max_rows",
                value: limits.max_rows,
                found: format!(
                    "单元格 {} 超出第 {} 行 (cell {} is below row {})",
                    cell_ref(r, c),
                    limits.max_rows,
                    cell_ref(r, c),
                    limits.max_rows
                ),
            });
        }
        let c = c as usize;
        if c >= limits.max_columns {
            row.2.get_or_insert(LimitHit {
                limit: "max_columns",
                value: limits.max_columns as u64,
                found: format!(
                    "单元格 {} 超出第 {} 列 (cell {} is right of column {})",
                    cell_ref(r, c as u32),
                    limits.max_columns,
                    cell_ref(r, c as u32),
                    super::column_letter(limits.max_columns - 1)
                ),
            });
            continue;
        }
        if row.1.len() <= c {
            row.1.resize(c + 1, String::new());
        }
        row.1[c] = v;
    }
    if let Some(done) = cur {
        emit(done);
    }
    Ok(())
}

/// The first [`HEADER_SCAN_ROWS`] rows from the first used one, blank rows
/// included (as `worksheet_range` would give them), and that first row's index.
fn dense_top(rows: &[Row]) -> (u32, Vec<Vec<String>>) {
    let first = rows.first().map_or(0, |(r, _, _)| *r);
    let mut top = vec![Vec::new(); HEADER_SCAN_ROWS];
    for (r, cells, _) in rows {
        if let Some(slot) = r.checked_sub(first).and_then(|d| top.get_mut(d as usize)) {
            *slot = cells.clone();
        }
    }
    while top.last().is_some_and(|r| r.is_empty()) {
        top.pop();
    }
    (first, top)
}

fn scan_top(
    wb: &mut Workbook,
    path: &Path,
    sheet: &str,
    limits: &Limits,
) -> Result<Vec<Row>, (u32, String)> {
    let mut rows = Vec::new();
    let mut first = None;
    for_each_row(wb, path, sheet, limits, |row| {
        let f = *first.get_or_insert(row.0);
        // Rows may come out of order in a hostile file: never underflow.
        if row.0.saturating_sub(f) >= HEADER_SCAN_ROWS as u32 || row.0 < f {
            return false;
        }
        rows.push(row);
        true
    })?;
    Ok(rows)
}

pub(super) fn open(
    path: &Path,
    sheet: Option<&str>,
    known: &HashSet<String>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    let opened = File::open(path).map_err(|e| ReadError::io(&name, e))?;
    let whole = Position::of(&opened);
    let mut wb: Workbook = Xlsx::new(BufReader::new(opened)).map_err(|e| open_error(&name, e))?;
    let names = wb.sheet_names();
    let hidden: Vec<String> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible != SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    let broken = |(row, e): (u32, String)| {
        ReadError::format(&name, tr!("workbook.broken_near", row = row + 1, error = e))
    };
    let chosen = match sheet {
        Some(s) => choose_sheet(&names, s, &name)?,
        None if names.len() == 1 => names[0].clone(),
        None => {
            // Best header match wins; on a tie the first visible sheet.
            let mut best: Option<(usize, bool, String)> = None;
            for n in &names {
                let top = scan_top(&mut wb, path, n, limits).map_err(broken)?;
                let s = dense_top(&top)
                    .1
                    .iter()
                    .map(|r| score(r, known))
                    .max()
                    .unwrap_or(0);
                let visible = !hidden.contains(n);
                if best
                    .as_ref()
                    .is_none_or(|(bs, bv, _)| s > *bs || (s == *bs && visible && !bv))
                {
                    best = Some((s, visible, n.clone()));
                }
            }
            let best = best.map(|(s, _, n)| (s, n));
            best.map(|(_, n)| n)
                .ok_or_else(|| ReadError::format(&name, tr!("workbook.no_sheets")))?
        }
    };
    let mut warnings = Vec::new();
    if hidden.contains(&chosen) {
        warnings.push(format!(
            "读取的工作表 '{chosen}' 是隐藏的 (the sheet read, '{chosen}', is hidden in the workbook)"
        ));
    }
    let rx = spawn_reader(wb, path.to_path_buf(), chosen.clone(), limits.clone());
    let mut pending = std::collections::VecDeque::new();
    let mut broken_at = None;
    // Gather the first rows for header detection; the rest stays in the stream.
    let mut head: Vec<Row> = Vec::new();
    let mut rx = Some(rx);
    while let Some(r) = rx.as_ref() {
        let Ok(msg) = r.recv() else {
            rx = None;
            break;
        };
        match msg {
            Msg::Rows(batch) => {
                for row in batch {
                    let first = head.first().map_or(row.0, |(r, _, _)| *r);
                    if row.0 >= first && row.0 - first < HEADER_SCAN_ROWS as u32 {
                        head.push(row);
                    } else {
                        pending.push_back(row);
                    }
                }
                if !pending.is_empty() {
                    break;
                }
            }
            Msg::Broken(row, e) => {
                broken_at = Some((row, e));
                rx = None;
            }
        }
    }
    let (first_row, top) = dense_top(&head);
    let Some(h) = pick_header(&top, known) else {
        return match broken_at {
            Some(b) => Err(broken(b)),
            None => Err(ReadError::format(
                &name,
                tr!("workbook.sheet_empty", sheet = chosen),
            )),
        };
    };
    let (header, used_next) = finish_header(&top[h], top.get(h + 1).map(|v| v.as_slice()), known);
    let header_row = first_row as u64 + h as u64 + 1;
    let skip_below = first_row.saturating_add((h + 1 + usize::from(used_next)) as u32);
    head.retain(|(r, _, _)| *r >= skip_below);
    let mut rows_left: std::collections::VecDeque<Row> = head.into_iter().collect();
    rows_left.extend(pending);
    let width = header.len();
    let (file, sheet_name) = (name.clone(), chosen.clone());
    let mut failed = broken_at;
    let lim = limits.clone();
    let rows = std::iter::from_fn(move || loop {
        if let Some((r, cells, hit)) = rows_left.pop_front() {
            if let Some(hit) = hit {
                let mut cells = cells;
                cells.truncate(lim.max_cells_per_record);
                return Some(Err(RowError::new(
                    &file,
                    Some(&sheet_name),
                    r as u64 + 1,
                    hit.to_string(),
                )
                .with_cells(cells)
                .limit(hit)));
            }
            match classify(&file, Some(&sheet_name), &lim, width, r as u64 + 1, cells) {
                Some(item) => return Some(item),
                None => continue,
            }
        }
        if let Some(r) = rx.as_ref() {
            match r.recv() {
                Ok(Msg::Rows(batch)) => rows_left.extend(batch),
                Ok(Msg::Broken(row, e)) => {
                    rx = None;
                    failed = Some((row, e));
                }
                Err(_) => rx = None,
            }
            continue;
        }
        let (row, e) = failed.take()?;
        return Some(Err(RowError::new(
            &file,
            Some(&sheet_name),
            row as u64 + 1,
            tr!("reject.sheet_xml_broken", err = e),
        )
        .fatal()));
    });
    let position = whole.map(|p| match sheet_span(path, &chosen) {
        Some((start, end)) => p.within(start, end),
        None => p,
    });
    Ok(Table {
        file: name,
        sheet: Some(chosen),
        header,
        header_row,
        encoding: None,
        format: Format::Xlsx,
        layout: None,
        warnings,
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
        position,
    })
}

/// Read `sheet` on a thread; it stops when the receiving side is dropped.
fn spawn_reader(
    mut wb: Workbook,
    path: std::path::PathBuf,
    sheet: String,
    limits: Limits,
) -> Receiver<Msg> {
    let (tx, rx) = sync_channel::<Msg>(16);
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        // A panic in the parser must end the rows as broken, not as if the
        // sheet ended there (that would lose rows silently).
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for_each_row(&mut wb, &path, &sheet, &limits, |row| {
                batch.push(row);
                if batch.len() < BATCH {
                    return true;
                }
                tx.send(Msg::Rows(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(BATCH),
                )))
                .is_ok()
            })
        }))
        .unwrap_or_else(|_| Err((0, "the sheet reader failed (internal error)".into())));
        if !batch.is_empty() {
            let _ = tx.send(Msg::Rows(batch));
        }
        if let Err((row, e)) = res {
            let _ = tx.send(Msg::Broken(row, e));
        }
    });
    rx
}

/// The sheet's part in the package: `xl/workbook.xml` names the sheet's
/// relationship, `xl/_rels/workbook.xml.rels` its target.
fn sheet_part(zip: &mut zip::ZipArchive<File>, sheet: &str) -> Option<String> {
    use quick_xml::events::Event;
    let read = |zip: &mut zip::ZipArchive<File>, name: &str| -> Option<String> {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).ok()?, &mut s).ok()?;
        Some(s)
    };
    let attr = |e: &quick_xml::events::BytesStart<'_>, key: &str| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.local_name().as_ref() == key)
            .map(|a| a.value.to_string())
    };
    let wb = read(zip, "xl/workbook.xml")?;
    let mut r = quick_xml::Reader::from_str(&wb);
    let mut id = None;
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "sheet"
                    && attr(&e, "name").as_deref() == Some(sheet) =>
            {
                id = attr(&e, "id");
                break;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let id = id?;
    let rels = read(zip, "xl/_rels/workbook.xml.rels")?;
    let mut r = quick_xml::Reader::from_str(&rels);
    while let Ok(ev) = r.read_event() {
        match ev {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "Relationship"
                    && attr(&e, "Id").as_deref() == Some(id.as_str()) =>
            {
                let t = attr(&e, "Target")?;
                return Some(match t.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("xl/{t}"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    None
}

/// Where the sheet's compressed bytes lie in the ZIP, so the progress counts
/// the sheet only (the shared strings were read at open).
fn sheet_span(path: &Path, sheet: &str) -> Option<(u64, u64)> {
    let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
    let part = sheet_part(&mut zip, sheet)?;
    let entry = zip.by_name(&part).ok()?;
    let start = entry.data_start().unwrap_or(entry.header_start());
    Some((start, start + entry.compressed_size()))
}

/// The 0-based row and reference of the `<c>` element after the first
/// `skip` ones (calamine reads `<c>` start tags only): the cell that failed.
fn failed_cell(path: &Path, sheet: &str, skip: u64) -> Option<(u32, String)> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
    let part = sheet_part(&mut zip, sheet)?;
    let entry = zip.by_name(&part).ok()?;
    let mut r = quick_xml::Reader::from_reader(BufReader::new(entry));
    let mut buf = Vec::new();
    let (mut row, mut col, mut seen) = (0u32, 0u32, 0u64);
    loop {
        buf.clear();
        match r.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                if let Some(n) = e
                    .try_get_attribute("r")
                    .ok()
                    .flatten()
                    .and_then(|a| a.value.parse::<u32>().ok())
                {
                    row = n.saturating_sub(1);
                }
                col = 0;
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                row = row.saturating_add(1);
                col = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let reference = e
                    .try_get_attribute("r")
                    .ok()
                    .flatten()
                    .map(|a| a.value.to_string());
                if seen == skip {
                    let reference = reference.unwrap_or_else(|| cell_ref(row, col));
                    let digits: String = reference.chars().filter(|c| c.is_ascii_digit()).collect();
                    let r0 = digits.parse::<u32>().map_or(row, |n| n.saturating_sub(1));
                    return Some((r0, reference));
                }
                seen += 1;
                col = col.saturating_add(1);
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "xlsx_stream_tests.rs"]
mod tests;
