//! JSON: an array of objects, or JSON lines (one object per line).
//! Keys are the header; a key missing from a record is an empty cell.

use super::{classify, Format, RowItem, Table};
use crate::error::{ImportError, RowError};
use serde::de::{Deserializer as _, SeqAccess, Visitor};
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

/// Walk the top-level array one element at a time, handing each to `f` with
/// its 1-based index; `f` returns false to stop. On a syntax error, returns
/// the index of the element that broke and serde's error (line, column).
fn each_element(
    path: &Path,
    mut f: impl FnMut(u64, Value) -> bool,
) -> Result<(), (u64, serde_json::Error)> {
    struct Each<'a, F>(&'a mut F, &'a mut u64);
    impl<'de, F: FnMut(u64, Value) -> bool> Visitor<'de> for Each<'_, F> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while let Some(v) = seq.next_element::<Value>()? {
                *self.1 += 1;
                if !(self.0)(*self.1, v) {
                    return Ok(());
                }
            }
            Ok(())
        }
    }
    let file = std::fs::File::open(path).map_err(|e| (0, serde_json::Error::io(e)))?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let mut n = 0u64;
    let mut stopped = false;
    let mut g = |i, v| {
        let go = f(i, v);
        stopped |= !go;
        go
    };
    let r = de
        .deserialize_seq(Each(&mut g, &mut n))
        .and_then(|_| de.end());
    match r {
        Err(_) if stopped => Ok(()),
        Err(e) => Err((n + 1, e)),
        Ok(()) => Ok(()),
    }
}

enum Msg {
    Elements(Vec<(u64, Value)>),
    Broken(u64, String),
}

/// A top-level array, streamed in two passes like JSON lines: the first
/// collects the keys, the second parses on a thread and hands elements over a
/// bounded channel, so a 300k-element file is never held whole. Elements
/// before a syntax error arrive first; the error ends the rows as fatal.
pub(super) fn open_array(path: &Path, _known: &HashSet<String>) -> Result<Table, ImportError> {
    let name = path.display().to_string();
    let mut header = Vec::new();
    let mut seen = HashSet::new();
    // A syntax error is reported by the row pass, at its element.
    let _ = each_element(path, |_, v| {
        if let Value::Object(o) = &v {
            add_keys(&mut header, &mut seen, o);
        }
        true
    });
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(16);
    let owned = path.to_path_buf();
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(256);
        let r = each_element(&owned, |i, v| {
            batch.push((i, v));
            batch.len() < 256
                || tx
                    .send(Msg::Elements(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(256),
                    )))
                    .is_ok()
        });
        if !batch.is_empty() {
            let _ = tx.send(Msg::Elements(batch));
        }
        if let Err((i, e)) = r {
            let _ = tx.send(Msg::Broken(i, e.to_string()));
        }
    });
    let width = header.len();
    let h2 = header.clone();
    let file = name.clone();
    let mut pending = std::collections::VecDeque::new();
    let mut rx = Some(rx);
    let rows = std::iter::from_fn(move || loop {
        if let Some((row, v)) = pending.pop_front() {
            let item = match v {
                Value::Object(o) => classify(&file, None, width, row, cells(&h2, &o)),
                other => Some(Err(RowError::new(
                    &file,
                    None,
                    row,
                    "array element is not an object",
                )
                .cells(&[other.to_string()]))),
            };
            match item {
                Some(i) => return Some(i),
                None => continue,
            }
        }
        match rx.as_ref()?.recv() {
            Ok(Msg::Elements(b)) => pending.extend(b),
            Ok(Msg::Broken(row, e)) => {
                rx = None;
                return Some(Err(RowError::new(
                    &file,
                    None,
                    row,
                    format!("invalid JSON in array element {row}: {e}"),
                )
                .fatal()));
            }
            Err(_) => rx = None,
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
