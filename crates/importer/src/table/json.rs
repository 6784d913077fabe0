//! JSON: an array of objects, or JSON lines (one object per line).
//! Keys are the header; a key missing from a record is an empty cell.

use super::{classify, Format, RowItem, Table};
use crate::error::{ImportError, RowError};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;

fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

fn add_keys(header: &mut Vec<String>, seen: &mut HashSet<String>, obj: &Map<String, Value>) {
    for k in obj.keys() {
        if seen.insert(k.clone()) {
            header.push(k.clone());
        }
    }
}

fn cells(header: &[String], obj: &Map<String, Value>) -> Vec<String> {
    header
        .iter()
        .map(|h| obj.get(h).map(value_text).unwrap_or_default())
        .collect()
}

pub(super) fn open_array(path: &Path, _known: &HashSet<String>) -> Result<Table, ImportError> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| ImportError::io(&name, e))?;
    let all: Vec<Value> = serde_json::from_reader(BufReader::new(f))
        .map_err(|e| ImportError::format(&name, format!("not a JSON array of objects: {e}")))?;
    let mut header = Vec::new();
    let mut seen = HashSet::new();
    for v in &all {
        if let Value::Object(o) = v {
            add_keys(&mut header, &mut seen, o);
        }
    }
    let width = header.len();
    let h2 = header.clone();
    let file = name.clone();
    let rows = all.into_iter().enumerate().filter_map(move |(i, v)| {
        let row = i as u64 + 1;
        match v {
            Value::Object(o) => classify(&file, None, width, row, cells(&h2, &o)),
            other => Some(Err(RowError::new(
                &file,
                None,
                row,
                "array element is not an object",
            )
            .cells(&[other.to_string()]))),
        }
    });
    Ok(Table {
        file: name,
        sheet: None,
        header,
        header_row: 0,
        encoding: Some("UTF-8"),
        format: Format::Json,
        layout: None,
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
    })
}

/// Two passes so memory stays bounded: the first collects the keys, the second yields rows.
pub(super) fn open_lines(path: &Path) -> Result<Table, ImportError> {
    let name = path.display().to_string();
    let open = || {
        std::fs::File::open(path)
            .map(BufReader::new)
            .map_err(|e| ImportError::io(&name, e))
    };
    let mut header = Vec::new();
    let mut seen = HashSet::new();
    for line in open()?.lines() {
        let line = line.map_err(|e| ImportError::io(&name, e))?;
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&line) {
            add_keys(&mut header, &mut seen, &o);
        }
    }
    let width = header.len();
    let h2 = header.clone();
    let file = name.clone();
    let rows = open()?.lines().enumerate().filter_map(move |(i, line)| {
        let row = i as u64 + 1;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                return Some(Err(RowError::new(
                    &file,
                    None,
                    row,
                    format!("unreadable line: {e}"),
                )
                .fatal()))
            }
        };
        if line.trim().is_empty() {
            return None;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(o)) => classify(&file, None, width, row, cells(&h2, &o)),
            Ok(_) => Some(Err(RowError::new(
                &file,
                None,
                row,
                "line is not a JSON object",
            )
            .cells(&[line]))),
            Err(e) => Some(Err(RowError::new(
                &file,
                None,
                row,
                format!("invalid JSON: {e}"),
            )
            .cells(&[line]))),
        }
    });
    Ok(Table {
        file: name,
        sheet: None,
        header,
        header_row: 0,
        encoding: Some("UTF-8"),
        format: Format::JsonLines,
        layout: None,
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
    })
}
