//! XML, streamed with quick-xml (never a DOM). Records are the repeated
//! elements whose children are leaf elements (`<row><药品代码>…</药品代码></row>`)
//! or which carry their fields as attributes (`<row 药品代码="…"/>`).
//!
//! Two passes keep memory bounded: the first finds the record element and the
//! field names, the second yields rows. A syntax error ends the rows with a
//! fatal error, so the import fails as a whole after reporting the rows before it.

use super::budget::{Budget, BudgetReader};
use super::delimited::read_failure;
use super::{classify, Format, Position, RowItem, Table};
use crate::limits::{LimitHit, Limits};
use crate::table::{ReadError, RowError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

type XmlReader = Reader<BufReader<BudgetReader<File>>>;

/// A pull parser over the file, under a byte budget per record (quick-xml
/// holds a whole text node in its buffer).
fn reader(
    path: &Path,
    name: &str,
    limits: &Limits,
) -> Result<(XmlReader, Budget, Option<Position>), ReadError> {
    let f = File::open(path).map_err(|e| ReadError::io(name, e))?;
    let position = Position::of(&f);
    let (f, budget) = BudgetReader::new(f, limits.max_record_bytes, false);
    let mut r = Reader::from_reader(BufReader::with_capacity(1 << 16, f));
    r.config_mut().trim_text(true);
    Ok((r, budget, position))
}

fn attrs(e: &BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .flatten()
        .map(|a| {
            let k = a.key.local_name().as_ref().to_string();
            let v = a
                .normalized_value(XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string());
            (k, v)
        })
        .collect()
}

fn local(e: &BytesStart<'_>) -> String {
    e.local_name().as_ref().to_string()
}

/// Pass 1 (stops at the first record): the record element's name and depth.
fn record_element(
    path: &Path,
    name: &str,
    limits: &Limits,
) -> Result<Option<(String, usize)>, ReadError> {
    let (mut r, budget, _) = reader(path, name, limits)?;
    let mut buf = Vec::new();
    // (name, has element children)
    let mut stack: Vec<(String, bool)> = Vec::new();
    loop {
        let ev = match r.read_event_into(&mut buf) {
            Ok(ev) => ev,
            // The row pass reports the error at its place.
            Err(_) => return Ok(None),
        };
        match ev {
            Event::Start(e) => {
                if let Some(top) = stack.last_mut() {
                    top.1 = true;
                }
                stack.push((local(&e), false));
            }
            Event::Empty(e) => {
                let depth = stack.len() + 1;
                // An attribute-only record: <row code=".." name=".."/>.
                if depth >= 2 && !attrs(&e).is_empty() && stack.last().is_some_and(|t| !t.1) {
                    return Ok(Some((local(&e), depth)));
                }
                if let Some(top) = stack.last_mut() {
                    top.1 = true;
                }
            }
            Event::End(_) => {
                budget.mark();
                let Some((n, has_children)) = stack.pop() else {
                    return Ok(None);
                };
                // The first element with element children below the root is a record.
                if has_children && !stack.is_empty() {
                    return Ok(Some((n, stack.len() + 1)));
                }
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
        buf.clear();
    }
}

/// Pass 2: every field name, in order of first appearance.
fn field_names(
    path: &Path,
    name: &str,
    record: &str,
    depth: usize,
    limits: &Limits,
) -> Result<Vec<String>, ReadError> {
    let mut rows = XmlRows::new(
        path,
        name,
        record.to_string(),
        depth,
        HashMap::new(),
        0,
        limits,
    )?;
    rows.collect_names = true;
    while let Some(Ok(_)) = rows.next_record() {
        if rows.too_many_names {
            break;
        }
    }
    if rows.too_many_names {
        return Err(ReadError::limit(
            name,
            "max_field_names",
            limits.max_field_names as u64,
            format!(
                "字段名超过 {} 个 (more than {} distinct field names)",
                limits.max_field_names, limits.max_field_names
            ),
        ));
    }
    Ok(rows.names)
}

struct XmlRows {
    file: String,
    r: XmlReader,
    buf: Vec<u8>,
    record: String,
    depth: usize,
    index: HashMap<String, usize>,
    width: usize,
    stack: usize,
    count: u64,
    done: bool,
    collect_names: bool,
    names: Vec<String>,
    /// `names` as a set: a record with n fields must not cost n² (D6).
    names_seen: HashSet<String>,
    too_many_names: bool,
    budget: Budget,
    limits: Limits,
    position: Option<Position>,
}

impl XmlRows {
    fn new(
        path: &Path,
        file: &str,
        record: String,
        depth: usize,
        index: HashMap<String, usize>,
        width: usize,
        limits: &Limits,
    ) -> Result<XmlRows, ReadError> {
        let (r, budget, position) = reader(path, file, limits)?;
        Ok(XmlRows {
            position,
            file: file.to_string(),
            r,
            buf: Vec::new(),
            record,
            depth,
            index,
            width,
            stack: 0,
            count: 0,
            done: false,
            collect_names: false,
            names: Vec::new(),
            names_seen: HashSet::new(),
            too_many_names: false,
            budget,
            limits: limits.clone(),
        })
    }

    fn put(&mut self, cells: &mut [String], key: &str, value: &str) {
        if self.collect_names && !self.names_seen.contains(key) {
            if self.names.len() >= self.limits.max_field_names {
                self.too_many_names = true;
                return;
            }
            self.names_seen.insert(key.to_string());
            self.names.push(key.to_string());
        }
        if let Some(&i) = self.index.get(key) {
            if let Some(c) = cells.get_mut(i) {
                if !c.is_empty() {
                    c.push(' ');
                }
                c.push_str(value);
            }
        }
    }

    /// Read up to the end of the next record.
    fn next_record(&mut self) -> Option<Result<Vec<String>, String>> {
        let mut cells: Option<Vec<String>> = None;
        let mut field: Option<(String, String)> = None;
        loop {
            self.buf.clear();
            let ev = match self.r.read_event_into(&mut self.buf) {
                Ok(ev) => ev.into_owned(),
                Err(e) => {
                    let (msg, _) = read_failure(&e, &tr!("reject.malformed_xml"));
                    return Some(Err(tr!(
                        "xml.at_byte",
                        msg = msg,
                        byte = self.r.error_position()
                    )));
                }
            };
            match ev {
                Event::Start(e) => {
                    self.stack += 1;
                    let n = local(&e);
                    if self.stack == self.depth && n == self.record {
                        let mut c = vec![String::new(); self.width];
                        for (k, v) in attrs(&e) {
                            self.put(&mut c, &k, &v);
                        }
                        cells = Some(c);
                    } else if cells.is_some() && self.stack == self.depth.saturating_add(1) {
                        field = Some((n, String::new()));
                    }
                }
                Event::Empty(e) => {
                    let n = local(&e);
                    let depth = self.stack + 1;
                    if depth == self.depth && n == self.record {
                        let mut c = vec![String::new(); self.width];
                        for (k, v) in attrs(&e) {
                            self.put(&mut c, &k, &v);
                        }
                        self.budget.mark();
                        return Some(Ok(c));
                    } else if depth == self.depth.saturating_add(1) {
                        if let Some(c) = cells.as_mut() {
                            let mut c2 = std::mem::take(c);
                            self.put(&mut c2, &n, "");
                            *c = c2;
                        }
                    }
                }
                Event::Text(t) => {
                    if let Some((_, v)) = field.as_mut() {
                        v.push_str(&t.xml10_content());
                    }
                }
                Event::CData(t) => {
                    if let Some((_, v)) = field.as_mut() {
                        v.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(g) => {
                    if let Some((_, v)) = field.as_mut() {
                        match g.resolve_char_ref() {
                            Ok(Some(ch)) => v.push(ch),
                            _ => {
                                let name = g.xml10_content();
                                match quick_xml::escape::resolve_predefined_entity(&name) {
                                    Some(s) => v.push_str(s),
                                    None => {
                                        v.push('&');
                                        v.push_str(&name);
                                        v.push(';');
                                    }
                                }
                            }
                        }
                    }
                }
                Event::End(_) => {
                    let depth = self.stack;
                    self.stack = self.stack.saturating_sub(1);
                    if depth == self.depth.saturating_add(1) {
                        if let (Some((n, v)), Some(c)) = (field.take(), cells.as_mut()) {
                            let mut c2 = std::mem::take(c);
                            self.put(&mut c2, &n, &v);
                            *c = c2;
                        }
                    } else if depth == self.depth {
                        if let Some(c) = cells.take() {
                            self.budget.mark();
                            return Some(Ok(c));
                        }
                    }
                }
                Event::Eof => {
                    if self.stack > 0 {
                        return Some(Err(format!(
                            "the XML ends inside an element (truncated?) at byte {}",
                            self.r.buffer_position()
                        )));
                    }
                    return None;
                }
                _ => {}
            }
        }
    }
}

impl Iterator for XmlRows {
    type Item = RowItem;
    fn next(&mut self) -> Option<RowItem> {
        while !self.done {
            match self.next_record() {
                None => self.done = true,
                Some(Ok(cells)) => {
                    self.count += 1;
                    let item = classify(
                        &self.file,
                        None,
                        &self.limits,
                        self.width,
                        self.count,
                        cells,
                    );
                    if item.is_some() {
                        return item;
                    }
                }
                Some(Err(msg)) => {
                    self.done = true;
                    let n = self.count;
                    let mut err = RowError::new(
                        &self.file,
                        None,
                        n + 1,
                        tr!("reject.after_good_records", msg = msg, n = n),
                    )
                    .fatal();
                    if msg.contains("max_record_bytes") {
                        err.limit = Some(LimitHit {
                            limit: "max_record_bytes",
                            value: self.limits.max_record_bytes as u64,
                            found: format!("第 {} 条记录过长 (record {} too long)", n + 1, n + 1),
                        });
                    }
                    return Some(Err(err));
                }
            }
        }
        None
    }
}

pub(super) fn open(
    path: &Path,
    _known: &HashSet<String>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    let Some((record, depth)) = record_element(path, &name, limits)? else {
        // No record found: either empty or broken before the first record.
        let mut rows = XmlRows::new(
            path,
            &name,
            String::new(),
            usize::MAX,
            HashMap::new(),
            0,
            limits,
        )?;
        return match rows.next_record() {
            Some(Err(msg)) => Err(ReadError::format(&name, msg)),
            _ => Err(ReadError::format(&name, tr!("xml.no_records"))),
        };
    };
    let fields = field_names(path, &name, &record, depth, limits)?;
    let index: HashMap<String, usize> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.clone(), i))
        .collect();
    let width = fields.len();
    let mut rows = XmlRows::new(path, &name, record, depth, index, width, limits)?;
    let position = rows.position.take();
    Ok(Table {
        file: name,
        sheet: None,
        header: fields,
        header_row: 0,
        encoding: Some("UTF-8"),
        format: Format::Xml,
        layout: None,
        warnings: Vec::new(),
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
        position,
    })
}
