//! `mulu code check FILE --column NAME`: validate a column of codes in any tabular file.

use crate::ctx::Ctx;
use anyhow::Result;
use catalog_core::standards::{CodeError, Explanation};
use catalog_core::{Category, Standards};
use importer::table::{self, TableOptions};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct Invalid {
    sheet: Option<String>,
    row: u64,
    column: String,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    segment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<usize>,
    message: String,
}

#[derive(Serialize)]
struct Report {
    file: String,
    sheet: Option<String>,
    column: String,
    checked: u64,
    valid: u64,
    /// Rows whose cell is empty: no code to judge (listed, not counted invalid).
    empty_rows: Vec<u64>,
    invalid: Vec<Invalid>,
    /// Rows the table reader could not use (notes, undecodable text).
    unreadable: Vec<importer::RowError>,
}

pub fn run(
    ctx: &Ctx,
    file: &Path,
    column: &str,
    sheet: Option<&str>,
    kind: Option<Category>,
    standard: Option<&str>,
) -> Result<u8> {
    let std = Standards::builtin();
    if let Some(id) = standard {
        if std.get(id).is_none() {
            let known: Vec<&str> = std.all().iter().map(|s| s.id.as_str()).collect();
            anyhow::bail!("unknown standard '{id}'; known: {}", known.join(", "));
        }
    }
    let t = table::open(
        file,
        &TableOptions {
            sheet: sheet.map(str::to_string),
            known_headers: vec![column.to_string()],
            layout: None,
            ..Default::default()
        },
    )?;
    let Some(col) = t.column(column) else {
        anyhow::bail!(tr!(
            "code_check.no_column",
            file = t.file,
            sheet = t
                .sheet
                .as_ref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default(),
            column = column,
            found = t.header.join(", ")
        ));
    };
    let check = |code: &str| -> Result<Explanation, CodeError> {
        match (kind, standard) {
            (_, Some(id)) => std.explain_as(code, id),
            (Some(k), None) => match std.check_category(code, k) {
                Ok(Some(e)) => Ok(e),
                Ok(None) => std.explain(code),
                Err(e) => Err(e),
            },
            (None, None) => std.explain(code),
        }
    };
    let mut rep = Report {
        file: t.file.clone(),
        sheet: t.sheet.clone(),
        column: t.header[col].clone(),
        checked: 0,
        valid: 0,
        empty_rows: Vec::new(),
        invalid: Vec::new(),
        unreadable: Vec::new(),
    };
    let header_name = t.header[col].clone();
    let sheet_name = t.sheet.clone();
    let pb = ctx.spinner("checking");
    for item in t {
        let rec = match item {
            Ok(r) => r,
            Err(e) => {
                rep.unreadable.push(e);
                continue;
            }
        };
        let code = rec.cells.get(col).map(|s| s.trim()).unwrap_or("");
        if code.is_empty() {
            rep.empty_rows.push(rec.row);
            continue;
        }
        rep.checked += 1;
        pb.set_position(rep.checked);
        match check(code) {
            Ok(_) => rep.valid += 1,
            Err(e) => rep.invalid.push(Invalid {
                sheet: sheet_name.clone(),
                row: rec.row,
                column: header_name.clone(),
                code: code.to_string(),
                segment: e.segment.clone(),
                position: e.position,
                message: e.to_string(),
            }),
        }
    }
    pb.finish_and_clear();
    if ctx.json {
        ctx.print_json(&rep)?;
    } else {
        for i in &rep.invalid {
            let row = tr!("check.at_row", row = i.row);
            let at = match &i.sheet {
                Some(s) => format!("{s} {row}"),
                None => row,
            };
            println!(
                "{}",
                tr!("check.row", at = at, column = i.column, msg = i.message)
            );
        }
        for u in &rep.unreadable {
            println!("{}", tr!("check.unreadable", u = u));
        }
        println!(
            "{}",
            tr!(
                "check.summary",
                checked = rep.checked,
                valid = rep.valid,
                invalid = rep.invalid.len(),
                empty = rep.empty_rows.len()
            )
        );
    }
    Ok(if rep.invalid.is_empty() { 0 } else { 1 })
}
