//! JSON: an array of objects, an object wrapping one (`{"data":[…]}`, as API
//! responses come), or JSON lines (one object per line).
//! Keys are the header; a key missing from a record is an empty cell.

use super::budget::{Budget, BudgetReader};
use super::delimited::read_failure;
use super::{classify, Format, Position, RowItem, Table};
use crate::limits::Limits;
use crate::table::{ReadError, RowError};
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

/// Add `obj`'s new keys to the header; false once it would pass `max` names.
fn add_keys(
    header: &mut Vec<String>,
    seen: &mut HashSet<String>,
    obj: &Map<String, Value>,
    max: usize,
) -> bool {
    for k in obj.keys() {
        if !seen.contains(k) {
            if seen.len() >= max {
                return false;
            }
            seen.insert(k.clone());
            header.push(k.clone());
        }
    }
    true
}

fn too_many_fields(file: &str, limits: &Limits) -> ReadError {
    ReadError::limit(
        file,
        "max_field_names",
        limits.max_field_names as u64,
        format!(
            "字段名超过 {} 个 (more than {} distinct field names)",
            limits.max_field_names, limits.max_field_names
        ),
    )
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

type JsonInput = BufReader<BudgetReader<BufReader<std::fs::File>>>;

/// The file past any BOM, under a per-record byte budget.
fn json_reader(path: &Path, limits: &Limits) -> std::io::Result<(JsonInput, Budget)> {
    json_reader_of(std::fs::File::open(path)?, limits)
}

fn json_reader_of(mut f: std::fs::File, limits: &Limits) -> std::io::Result<(JsonInput, Budget)> {
    use std::io::{Read, Seek, SeekFrom};
    // Windows tools write a BOM that serde_json would call a syntax error.
    let mut bom = [0u8; 3];
    let n = f.read(&mut bom)?;
    if n < 3 || bom != *b"\xEF\xBB\xBF" {
        f.seek(SeekFrom::Start(0))?;
    }
    let (r, budget) = BudgetReader::new(BufReader::new(f), limits.max_record_bytes, false);
    Ok((BufReader::new(r), budget))
}

/// Walk the document's records one element at a time, handing each to `f`
/// with its 1-based index; `f` returns false to stop. Returns whether a
/// records array was found; on a syntax error, the index of the element that
/// broke and serde's error (line, column).
fn each_element(
    path: &Path,
    limits: &Limits,
    f: impl FnMut(u64, Value) -> bool,
) -> Result<bool, (u64, serde_json::Error)> {
    let file = std::fs::File::open(path).map_err(|e| (0, serde_json::Error::io(e)))?;
    each_element_in(file, limits, f)
}

/// [`each_element`] over a file already open (its offset is the progress).
fn each_element_in(
    file: std::fs::File,
    limits: &Limits,
    mut f: impl FnMut(u64, Value) -> bool,
) -> Result<bool, (u64, serde_json::Error)> {
    let (file, budget) = json_reader_of(file, limits).map_err(|e| (0, serde_json::Error::io(e)))?;
    // Each element gets the whole budget: the mark moves as elements arrive.
    let mut f = |i: u64, v: Value| {
        budget.mark();
        f(i, v)
    };
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
    let limits = Limits::default();
    // The whole document is one value here: no per-record budget.
    let unbounded = Limits {
        max_record_bytes: usize::MAX / 2,
        ..Limits::default()
    };
    let Ok((file, _)) = json_reader(path, &unbounded) else {
        return false;
    };
    let mut values =
        serde_json::Deserializer::from_reader(file).into_iter::<serde::de::IgnoredAny>();
    match (values.next(), values.next()) {
        (Some(Ok(_)), None) => matches!(each_element(path, &limits, |_, _| false), Ok(true)),
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
pub(super) fn open_array(
    path: &Path,
    _known: &HashSet<String>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    let mut header = Vec::new();
    let mut seen = HashSet::new();
    let mut too_wide = false;
    let mut elements = 0u64;
    let first = each_element(path, limits, |_, v| {
        elements += 1;
        if let Value::Object(o) = &v {
            if !add_keys(&mut header, &mut seen, o, limits.max_field_names) {
                too_wide = true;
                return false;
            }
        }
        true
    });
    if too_wide {
        return Err(too_many_fields(&name, limits));
    }
    // A syntax error after some records is reported by the row pass, at its
    // element; one before any record has no row to report it on.
    if let Err((_, e)) = &first {
        if elements == 0 {
            let (msg, hit) = read_failure(e, "无效的 JSON (invalid JSON before the first record)");
            return Err(match hit {
                Some(hit) => ReadError::Limit { file: name, hit },
                None => ReadError::format(&name, msg),
            });
        }
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<Msg>(16);
    let opened = std::fs::File::open(path).map_err(|e| ReadError::io(&name, e))?;
    let position = Position::of(&opened);
    let lim = limits.clone();
    std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(256);
        // A panic must end the rows as broken, never as a silent end.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            each_element_in(opened, &lim, |i, v| {
                batch.push((i, v));
                batch.len() < 256
                    || tx
                        .send(Msg::Elements(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(256),
                        )))
                        .is_ok()
            })
        }));
        let r = match r {
            Ok(r) => r,
            Err(_) => {
                let _ = tx.send(Msg::Broken(
                    0,
                    "the JSON reader failed (internal error)".into(),
                ));
                return;
            }
        };
        if !batch.is_empty() {
            let _ = tx.send(Msg::Elements(batch));
        }
        if let Err((i, e)) = r {
            let (msg, _) = read_failure(&e, &tr!("reject.json_invalid_element", i = i));
            let _ = tx.send(Msg::Broken(i, msg));
        }
    });
    let width = header.len();
    let h2 = header.clone();
    let file = name.clone();
    let mut pending = std::collections::VecDeque::new();
    let mut rx = Some(rx);
    let limits = limits.clone();
    let rows = std::iter::from_fn(move || loop {
        if let Some((row, v)) = pending.pop_front() {
            let item = match v {
                Value::Object(o) => classify(&file, None, &limits, width, row, cells(&h2, &o)),
                other => Some(Err(RowError::new(
                    &file,
                    None,
                    row,
                    tr!("reject.json_not_object"),
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
                let mut err = RowError::new(&file, None, row, e.clone()).fatal();
                if e.contains("max_record_bytes") {
                    err.limit = Some(crate::limits::LimitHit {
                        limit: "max_record_bytes",
                        value: limits.max_record_bytes as u64,
                        found: format!("数组元素 {row} 过长 (array element {row} too long)"),
                    });
                }
                return Some(Err(err));
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
        warnings: Vec::new(),
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
        position,
    })
}

/// Lines of a JSON-lines file, each under the record budget.
struct Lines {
    r: BufReader<BudgetReader<BufReader<std::fs::File>>>,
    budget: Budget,
    buf: String,
    position: Option<Position>,
}

impl Lines {
    fn open(path: &Path, name: &str, limits: &Limits) -> Result<Lines, ReadError> {
        let f = std::fs::File::open(path).map_err(|e| ReadError::io(name, e))?;
        let position = Position::of(&f);
        let (r, budget) = BudgetReader::new(BufReader::new(f), limits.max_record_bytes, false);
        Ok(Lines {
            r: BufReader::new(r),
            budget,
            buf: String::new(),
            position,
        })
    }
    /// The next line (without its end), `None` at the end.
    fn next_line(&mut self) -> Option<std::io::Result<String>> {
        self.buf.clear();
        self.budget.mark();
        match self.r.read_line(&mut self.buf) {
            Ok(0) => None,
            Ok(_) => Some(Ok(self.buf.trim_end_matches(['\n', '\r']).to_string())),
            Err(e) => Some(Err(e)),
        }
    }
}

/// Two passes so memory stays bounded: the first collects the keys, the second yields rows.
pub(super) fn open_lines(path: &Path, limits: &Limits) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    let mut header = Vec::new();
    let mut seen = HashSet::new();
    let mut first = Lines::open(path, &name, limits)?;
    while let Some(line) = first.next_line() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                let (msg, hit) = read_failure(&e, &tr!("reject.unreadable_line"));
                return Err(match hit {
                    Some(hit) => ReadError::Limit { file: name, hit },
                    None => ReadError::format(&name, msg),
                });
            }
        };
        if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(&line) {
            if !add_keys(&mut header, &mut seen, &o, limits.max_field_names) {
                return Err(too_many_fields(&name, limits));
            }
        }
    }
    let width = header.len();
    let h2 = header.clone();
    let file = name.clone();
    let limits = limits.clone();
    let mut lines = Lines::open(path, &name, &limits)?;
    let position = lines.position.take();
    let mut n = 0u64;
    let mut done = false;
    let rows = std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let line = lines.next_line()?;
        n += 1;
        let row = n;
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                done = true;
                let (msg, hit) = read_failure(&e, &tr!("reject.unreadable_line"));
                let mut err = RowError::new(&file, None, row, msg).fatal();
                err.limit = hit;
                return Some(Err(err));
            }
        };
        if let Some(item) = line_item(&file, &limits, width, &h2, row, line) {
            return Some(item);
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
        warnings: Vec::new(),
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
        position,
    })
}

/// One JSON line as a row (`None` for a blank line).
fn line_item(
    file: &str,
    limits: &Limits,
    width: usize,
    header: &[String],
    row: u64,
    line: String,
) -> Option<RowItem> {
    if line.trim().is_empty() {
        return None;
    }
    match serde_json::from_str::<Value>(&line) {
        Ok(Value::Object(o)) => classify(file, None, limits, width, row, cells(header, &o)),
        Ok(_) => Some(Err(RowError::new(
            file,
            None,
            row,
            tr!("reject.json_line_not_object"),
        )
        .with_cells(vec![line]))),
        Err(e) => Some(Err(RowError::new(
            file,
            None,
            row,
            tr!("reject.json_invalid", err = e),
        )
        .with_cells(vec![line]))),
    }
}
