//! xlsx read as a stream of rows. calamine's `worksheet_range` holds a whole
//! sheet as `Data` cells (several hundred MB for a 300k-row catalogue); the
//! cell reader walks the sheet XML instead. Choosing the sheet reads only the
//! first rows of each. Rows are read on their own thread (the cell reader
//! borrows the workbook, which a boxed iterator could not hold) and cross a
//! bounded channel in batches, so memory stays flat.

use super::workbook::{cell_text, choose_sheet, open_error};
use super::{
    classify, finish_header, pick_header, score, Format, RowItem, Table, HEADER_SCAN_ROWS,
};
use crate::error::{ImportError, RowError};
use calamine::{open_workbook, Data, DataRef, Reader, Xlsx};
use std::collections::HashSet;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver};

type Workbook = Xlsx<BufReader<File>>;
/// A sheet row: 0-based row index and its cells from column A.
type Row = (u32, Vec<String>);

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

/// Pull rows off a cell reader, one `Vec` per sheet row that holds a value.
/// `emit` returns false to stop early.
fn for_each_row(
    wb: &mut Workbook,
    sheet: &str,
    mut emit: impl FnMut(Row) -> bool,
) -> Result<(), (u32, String)> {
    let mut reader = wb
        .worksheet_cells_reader(sheet)
        .map_err(|e| (0, e.to_string()))?;
    let mut cur: Option<Row> = None;
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                // The row in progress may be cut short: it is the row reported broken.
                let at = cur.as_ref().map_or(0, |(r, _)| *r);
                return Err((at, e.to_string()));
            }
        };
        let (r, c) = cell.get_position();
        let v = text(cell.get_value());
        if v.is_empty() {
            continue; // styled but empty: worksheet_range leaves these out too
        }
        if cur.as_ref().is_some_and(|(cr, _)| *cr != r) {
            if let Some(done) = cur.take() {
                if !emit(done) {
                    return Ok(());
                }
            }
        }
        let row = cur.get_or_insert_with(|| (r, Vec::new()));
        let c = c as usize;
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
    let first = rows.first().map_or(0, |(r, _)| *r);
    let mut top = vec![Vec::new(); HEADER_SCAN_ROWS];
    for (r, cells) in rows {
        if let Some(slot) = top.get_mut((r - first) as usize) {
            *slot = cells.clone();
        }
    }
    while top.last().is_some_and(|r| r.is_empty()) {
        top.pop();
    }
    (first, top)
}

fn scan_top(wb: &mut Workbook, sheet: &str) -> Result<Vec<Row>, (u32, String)> {
    let mut rows = Vec::new();
    let mut first = None;
    for_each_row(wb, sheet, |row| {
        let f = *first.get_or_insert(row.0);
        if row.0 - f >= HEADER_SCAN_ROWS as u32 {
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
) -> Result<Table, ImportError> {
    let name = path.display().to_string();
    let mut wb: Workbook = open_workbook(path).map_err(|e| open_error(&name, e))?;
    let names = wb.sheet_names();
    let broken = |(row, e): (u32, String)| {
        ImportError::format(
            &name,
            format!("cannot read the sheet near row {}: {e}", row + 1),
        )
    };
    let chosen = match sheet {
        Some(s) => choose_sheet(&names, s, &name)?,
        None if names.len() == 1 => names[0].clone(),
        None => {
            // Best header match wins; the first sheet on a tie.
            let mut best: Option<(usize, String)> = None;
            for n in &names {
                let top = scan_top(&mut wb, n).map_err(broken)?;
                let s = dense_top(&top)
                    .1
                    .iter()
                    .map(|r| score(r, known))
                    .max()
                    .unwrap_or(0);
                if best.as_ref().is_none_or(|(bs, _)| s > *bs) {
                    best = Some((s, n.clone()));
                }
            }
            best.map(|(_, n)| n)
                .ok_or_else(|| ImportError::format(&name, "the workbook has no sheets"))?
        }
    };
    let rx = spawn_reader(wb, chosen.clone());
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
                    let first = head.first().map_or(row.0, |(r, _)| *r);
                    if row.0 - first < HEADER_SCAN_ROWS as u32 {
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
            None => Err(ImportError::format(
                &name,
                format!("sheet '{chosen}' is empty"),
            )),
        };
    };
    let (header, used_next) = finish_header(&top[h], top.get(h + 1).map(|v| v.as_slice()), known);
    let header_row = first_row as u64 + h as u64 + 1;
    let skip_below = first_row + (h + 1 + usize::from(used_next)) as u32;
    head.retain(|(r, _)| *r >= skip_below);
    let mut rows_left: std::collections::VecDeque<Row> = head.into_iter().collect();
    rows_left.extend(pending);
    let width = header.len();
    let (file, sheet_name) = (name.clone(), chosen.clone());
    let mut failed = broken_at;
    let rows = std::iter::from_fn(move || loop {
        if let Some((r, cells)) = rows_left.pop_front() {
            match classify(&file, Some(&sheet_name), width, r as u64 + 1, cells) {
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
            format!("the worksheet XML is broken here: {e}"),
        )
        .fatal()));
    });
    Ok(Table {
        file: name,
        sheet: Some(chosen),
        header,
        header_row,
        encoding: None,
        format: Format::Xlsx,
        layout: None,
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
    })
}

/// Read `sheet` on a thread; it stops when the receiving side is dropped.
fn spawn_reader(mut wb: Workbook, sheet: String) -> Receiver<Msg> {
    let (tx, rx) = sync_channel::<Msg>(16);
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(BATCH);
        let res = for_each_row(&mut wb, &sheet, |row| {
            batch.push(row);
            if batch.len() < BATCH {
                return true;
            }
            tx.send(Msg::Rows(std::mem::replace(
                &mut batch,
                Vec::with_capacity(BATCH),
            )))
            .is_ok()
        });
        if !batch.is_empty() {
            let _ = tx.send(Msg::Rows(batch));
        }
        if let Err((row, e)) = res {
            let _ = tx.send(Msg::Broken(row, e));
        }
    });
    rx
}

#[cfg(test)]
#[path = "xlsx_stream_tests.rs"]
mod tests;
