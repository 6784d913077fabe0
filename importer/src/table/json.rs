//! JSON: an array of objects, an object wrapping one (`{"data":[…]}`, as API
//! responses come), or JSON lines (one object per line).
//! Keys are the header; a key missing from a record is an empty cell.

use super::{classify, Format, RowItem, Table};
use crate::error::{ImportError, RowError};
use serde::de::{SeqAccess, Visitor};
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

/// How deep inside a wrapper object the records' array may sit
/// (`{"output":{"data":[…]}}` is depth 2).
const MAX_WRAP_DEPTH: u8 = 4;

/// Walks a JSON document to its records: a top-level array, or inside a
/// wrapper object the first array whose first element is an object
/// (`{"data":[…]}`, the platform's `{"infcode":0,"output":{"data":[…]}}`).
/// Elements are handed to `f` one at a time; nothing is kept.
struct Walk<'a, F> {
    f: &'a mut F,
    n: &'a mut u64,
    found: &'a mut bool,
    stopped: &'a mut bool,
    depth: u8,
}

impl<F> Walk<'_, F> {
    fn nested(&mut self) -> Walk<'_, F> {
        Walk {
            f: self.f,
            n: self.n,
            found: self.found,
            stopped: self.stopped,
            depth: self.depth + 1,
        }
    }
}

impl<'de, F: FnMut(u64, Value) -> bool> serde::de::DeserializeSeed<'de> for Walk<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(u64, Value) -> bool> Visitor<'de> for Walk<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON array of records, or an object holding one")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::{Error, IgnoredAny};
        let take_all = self.depth == 0;
        if *self.found || !take_all && self.depth > MAX_WRAP_DEPTH {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        // A wrapper's array counts only if it holds records (objects).
        let first = match seq.next_element::<Value>()? {
            Some(v) if take_all || v.is_object() => v,
            Some(_) => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            }
            None => return Ok(()),
        };
        *self.found = true;
        let mut next = Some(first);
        while let Some(v) = next.take() {
            *self.n += 1;
            if !(self.f)(*self.n, v) {
                *self.stopped = true;
                return Err(A::Error::custom("stopped"));
            }
            next = seq.next_element::<Value>()?;
        }
        Ok(())
    }
    fn visit_map<M: serde::de::MapAccess<'de>>(mut self, mut map: M) -> Result<(), M::Error> {
        use serde::de::IgnoredAny;
        while map.next_key::<IgnoredAny>()?.is_some() {
            if *self.found || self.depth >= MAX_WRAP_DEPTH {
                map.next_value::<IgnoredAny>()?;
            } else {
                map.next_value_seed(self.nested())?;
            }
        }
        Ok(())
    }
    // Scalars inside a wrapper (`"infcode":0`) are skipped.
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

fn json_reader(path: &Path) -> std::io::Result<BufReader<std::fs::File>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    // Windows tools write a BOM that serde_json would call a syntax error.
    let mut bom = [0u8; 3];
    let n = f.read(&mut bom)?;
    if n < 3 || bom != *b"\xEF\xBB\xBF" {
        f.seek(SeekFrom::Start(0))?;
    }
    Ok(BufReader::new(f))
}

/// Walk the document's records one element at a time, handing each to `f`
/// with its 1-based index; `f` returns false to stop. Returns whether a
/// records array was found; on a syntax error, the index of the element that
/// broke and serde's error (line, column).
fn each_element(
    path: &Path,
    mut f: impl FnMut(u64, Value) -> bool,
) -> Result<bool, (u64, serde_json::Error)> {
    let file = json_reader(path).map_err(|e| (0, serde_json::Error::io(e)))?;
    let mut de = serde_json::Deserializer::from_reader(file);
    let (mut n, mut found, mut stopped) = (0u64, false, false);
    let r = serde::de::DeserializeSeed::deserialize(
        Walk {
            f: &mut f,
            n: &mut n,
            found: &mut found,
            stopped: &mut stopped,
            depth: 0,
        },
        &mut de,
    )
    .and_then(|_| de.end());
    match r {
        Err(_) if stopped => Ok(found),
        Err(e) => Err((n + 1, e)),
        Ok(()) => Ok(found),
    }
}

/// For a file starting with `{`: one object holding an array of records (an
/// API response, pretty-printed or not) rather than JSON lines. Two or more
/// top-level values are JSON lines; so is a single object with no records
/// array in it (a one-line JSON-lines file). A first value broken past line
/// 1 spans lines, so it is a document; broken on line 1, the JSON-lines
/// reader rejects that line and reads on.
pub(super) fn is_wrapped(path: &Path) -> bool {
    let Ok(file) = json_reader(path) else {
        return false;
    };
    let mut values =
        serde_json::Deserializer::from_reader(file).into_iter::<serde::de::IgnoredAny>();
    match (values.next(), values.next()) {
        (Some(Ok(_)), None) => matches!(each_element(path, |_, _| false), Ok(true)),
        (Some(Err(e)), _) => e.line() > 1,
        _ => false,
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
