//! Catalogue reading: a table plus the alias table become typed [`Entry`] rows.

use crate::aliases::{self, assign_kind, AGREEMENT_PERIOD, ALIASES};
use crate::table::{self, Format, NoteKind, Record, Table, TableOptions};
use crate::table::{ReadError, RowError};
use crate::values::{parse_active, parse_date, parse_money, parse_period};
use catalog_core::{Category, Detail, Entry, FieldKind, FieldValue, Standards};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// How to read a catalogue file.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// None: detect the kind from the headers (or the 13xx layout).
    pub kind: Option<Category>,
    /// Sheet name or 1-based index.
    pub sheet: Option<String>,
    /// 13xx layout ("1301", …) for headerless platform text files.
    pub layout: Option<String>,
    /// Bounds on what the source may make the reader hold.
    pub limits: crate::limits::Limits,
}

/// Where each field comes from.
struct Plan {
    code: Option<usize>,
    name: Option<usize>,
    name_from: Vec<usize>,
    /// Fields that are parsed and can make a row a reject (dates, money, flags).
    typed: Vec<(String, usize, Parsed)>,
    /// Plain text fields: cannot be wrong, moved in once the row has passed.
    texts: Vec<(String, usize)>,
    /// Columns nobody claimed, with the key they are kept under in `extra`.
    extras: Vec<(usize, String)>,
    class_code: Option<usize>,
    list_no: Option<usize>,
    dosage_form: Option<usize>,
    /// 映射表: the 医保版 code column, checked and kept in canonical form.
    target_code: Option<usize>,
}

/// How a parsed field's cell is read.
#[derive(Clone, Copy)]
enum Parsed {
    Active,
    BeginDate,
    EndDate,
    /// 协议有效期: one cell, two dates.
    Period,
    Money,
    Date,
}

impl Parsed {
    /// None for plain text.
    fn of(key: &str, kind: Option<FieldKind>) -> Option<Parsed> {
        Some(match (key, kind) {
            ("active", _) => Parsed::Active,
            ("begin_date", _) => Parsed::BeginDate,
            ("end_date", _) => Parsed::EndDate,
            (AGREEMENT_PERIOD, _) => Parsed::Period,
            (_, Some(FieldKind::Money)) => Parsed::Money,
            (_, Some(FieldKind::Date)) => Parsed::Date,
            _ => return None,
        })
    }
}

/// A row that holds no catalogue data: a trailing note, a total line or a
/// section heading. Counted apart so `read = imported + rejected + notes`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NoteRow {
    /// 1-based source row.
    pub row: u64,
    /// Note, total or section heading.
    pub kind: NoteKind,
    /// The filled cells, joined by a space.
    pub text: String,
}

/// Streams entries; every row pulled is either an `Entry` or a `RowError`,
/// except note rows, which are set aside in [`Reader::notes`].
pub struct Reader {
    table: Table,
    category: Category,
    plan: Plan,
    /// Codes met so far (foldhash: SipHash was a visible share of a 300k-row import).
    seen: foldhash::HashMap<String, u64>,
    read: u64,
    last_row: u64,
    notes: Vec<NoteRow>,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("table", &self.table)
            .field("category", &self.category)
            .finish()
    }
}

fn col_of(got: &[(String, usize)], key: &str) -> Option<usize> {
    got.iter().find(|(k, _)| k == key).map(|(_, c)| *c)
}

fn missing(t: &Table, c: Category, wanted: &str, keys: &[&str]) -> ReadError {
    let mut expected: Vec<String> = Vec::new();
    for k in keys {
        expected.extend(aliases::aliases_of(c, k));
    }
    ReadError::MissingColumn {
        file: t.file.clone(),
        sheet: t.sheet.clone(),
        wanted: format!("{wanted} ({c})"),
        found: if t.header.is_empty() {
            vec![tr!("read.no_header")]
        } else {
            t.header.clone()
        },
        expected,
    }
}

/// Open a catalogue file (any supported format) for reading as `opts.kind`.
pub fn read(source: impl AsRef<Path>, opts: &ReadOptions) -> Result<Reader, ReadError> {
    let known = match opts.kind {
        Some(c) => aliases::catalog_headers_of(c),
        None => aliases::catalog_headers(),
    };
    let t = table::open(
        source.as_ref(),
        &TableOptions {
            sheet: opts.sheet.clone(),
            known_headers: known,
            layout: opts.layout.clone(),
            limits: opts.limits.clone(),
        },
    )?;
    let layout_kind = t
        .layout
        .as_deref()
        .and_then(|id| table::LAYOUTS.iter().find(|l| l.id == id))
        .map(|l| l.category);
    let category = match (opts.kind, layout_kind) {
        (Some(c), _) => c,
        (None, Some(c)) => c,
        (None, None) => aliases::detect_kind(&t.header).ok_or_else(|| ReadError::UnknownKind {
            file: t.file.clone(),
            found: t.header.clone(),
        })?,
    };
    Reader::new(t, category)
}

impl Reader {
    /// Read an already opened table as a catalogue of `category`.
    pub fn new(t: Table, category: Category) -> Result<Reader, ReadError> {
        let Some(ka) = ALIASES.kinds.get(&category) else {
            return Err(ReadError::format(
                &t.file,
                tr!("read.no_aliases", category = category),
            ));
        };
        let got = assign_kind(ka, &t.header);
        let is_list = matches!(category, Category::Reimbursement | Category::Negotiated);
        let code = col_of(&got, "code");
        let class_code = col_of(&got, "class_code");
        let list_no = col_of(&got, "list_no");
        if is_list {
            if class_code.is_none() {
                return Err(missing(&t, category, "药品分类代码", &["class_code"]));
            }
            if list_no.is_none() {
                return Err(missing(&t, category, "编号", &["list_no"]));
            }
        } else if code.is_none() {
            return Err(missing(&t, category, "code", &["code"]));
        }
        let target_code = col_of(&got, "target_code");
        if category == Category::Crosswalk && target_code.is_none() {
            return Err(missing(&t, category, "医保版代码", &["target_code"]));
        }
        let name = col_of(&got, "name");
        let name_from: Vec<usize> = ka
            .name_from
            .iter()
            .filter_map(|k| col_of(&got, k))
            .collect();
        if name.is_none() && name_from.is_empty() {
            let mut keys = vec!["name"];
            keys.extend(ka.name_from.iter().map(String::as_str));
            return Err(missing(&t, category, "name", &keys));
        }
        let (mut typed, mut texts) = (Vec::new(), Vec::new());
        for (k, c) in got.iter().filter(|(k, _)| k != "code" && k != "name") {
            match Parsed::of(k, aliases::kind_of(category, k)) {
                Some(how) => typed.push((k.clone(), *c, how)),
                None => texts.push((k.clone(), *c)),
            }
        }
        let claimed: Vec<usize> = got.iter().map(|(_, c)| *c).collect();
        let mut extras = Vec::new();
        let mut names_used: HashMap<String, usize> = HashMap::new();
        for (i, h) in t.header.iter().enumerate() {
            if claimed.contains(&i) {
                continue;
            }
            // Two columns with the same header keep both values.
            let n = names_used.entry(h.clone()).or_insert(0);
            *n += 1;
            let key = if *n == 1 {
                h.clone()
            } else {
                format!("{h}#{n}")
            };
            extras.push((i, key));
        }
        let dosage_form = col_of(&got, "dosage_form");
        Ok(Reader {
            table: t,
            category,
            plan: Plan {
                code,
                name,
                name_from,
                typed,
                texts,
                extras,
                class_code,
                list_no,
                dosage_form,
                target_code,
            },
            seen: foldhash::HashMap::default(),
            read: 0,
            last_row: 0,
            notes: Vec::new(),
        })
    }

    /// The catalogue kind read.
    pub fn category(&self) -> Category {
        self.category
    }
    /// The header as read.
    pub fn header(&self) -> &[String] {
        &self.table.header
    }
    /// The source file.
    pub fn file(&self) -> &str {
        &self.table.file
    }
    /// The sheet read, for workbooks.
    pub fn sheet(&self) -> Option<&str> {
        self.table.sheet.as_deref()
    }
    /// The text encoding, for text sources.
    pub fn encoding(&self) -> Option<&'static str> {
        self.table.encoding
    }
    /// The format recognised.
    pub fn format(&self) -> Format {
        self.table.format
    }
    /// The 13xx layout, for platform files.
    pub fn layout(&self) -> Option<&str> {
        self.table.layout.as_deref()
    }
    /// What the user should know about how the source was read (a hidden sheet).
    pub fn warnings(&self) -> &[String] {
        &self.table.warnings
    }
    /// Rows pulled so far (entries + rejects + notes).
    pub fn rows_read(&self) -> u64 {
        self.read
    }
    /// Share of the source file read so far, for streaming formats.
    pub fn fraction(&self) -> Option<f64> {
        self.table.fraction()
    }
    /// Note, total and section rows met so far.
    pub fn notes(&self) -> &[NoteRow] {
        &self.notes
    }

    /// Is this row a note rather than data? Conservative: the marker text
    /// must sit in the code column or the code column must be empty, and no
    /// more than two cells may be filled, so a data row that merely lacks its
    /// code (a name, a spec, a maker…) stays a reject.
    fn note_of(&self, rec: &Record) -> Option<NoteRow> {
        let p = &self.plan;
        let key_col = if self.is_list() { p.list_no } else { p.code };
        let text = || {
            rec.cells
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let key_empty = Self::cell(rec, key_col).is_empty();
        if let Some((kind, col)) = table::note_kind(&rec.cells) {
            if key_empty || key_col == Some(col) {
                return Some(NoteRow {
                    row: rec.row,
                    kind,
                    text: text(),
                });
            }
        }
        // 医保药品目录 category lines: 药品分类代码 and 药品分类 only (`XA 消化道…`).
        let filled = || rec.cells.iter().filter(|c| !c.trim().is_empty()).count();
        if self.is_list()
            && key_empty
            && Self::cell(rec, p.name).is_empty()
            && !Self::cell(rec, p.class_code).is_empty()
            && filled() <= 2
        {
            return Some(NoteRow {
                row: rec.row,
                kind: NoteKind::Section,
                text: text(),
            });
        }
        None
    }

    fn is_list(&self) -> bool {
        matches!(
            self.category,
            Category::Reimbursement | Category::Negotiated
        )
    }
    /// Source row of the last item returned.
    pub fn last_row(&self) -> u64 {
        self.last_row
    }
    /// Header names of the columns kept in `Entry.extra`.
    pub fn extra_columns(&self) -> Vec<&str> {
        self.plan.extras.iter().map(|(_, k)| k.as_str()).collect()
    }

    fn err(&self, rec: &Record, col: Option<usize>, reason: impl Into<String>) -> RowError {
        let mut e = RowError::new(
            &self.table.file,
            self.table.sheet.as_deref(),
            rec.row,
            reason,
        )
        .cells(&rec.cells);
        if let Some(c) = col {
            let h = self.table.header.get(c).cloned().unwrap_or_default();
            let v = rec.cells.get(c).cloned().unwrap_or_default();
            e = e.column(&h, &v);
        }
        e
    }

    fn cell(rec: &Record, col: Option<usize>) -> &str {
        col.and_then(|c| rec.cells.get(c)).map_or("", |s| s.trim())
    }

    /// The row key of 医保药品目录/谈判药品 rows: first letter of 药品分类代码 + 编号,
    /// plus `/剂型` for ★ rows (a second dosage form under the same number).
    fn list_code(&self, rec: &Record) -> Result<String, RowError> {
        let p = &self.plan;
        let class = Self::cell(rec, p.class_code);
        let no = catalog_core::normalize::fold_width(Self::cell(rec, p.list_no));
        let name = Self::cell(rec, p.name);
        if no.is_empty() {
            let reason = if name.is_empty() {
                tr!("reject.list_no_and_name_empty")
            } else {
                tr!("reject.list_no_empty")
            };
            return Err(self.err(rec, p.list_no, reason));
        }
        let Some(letter) = class.chars().next().filter(|c| c.is_ascii_alphabetic()) else {
            return Err(self.err(rec, p.class_code, tr!("reject.class_code_bad")));
        };
        let starred = no.contains('★');
        let digits: String = no.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if digits.is_empty() {
            return Err(self.err(rec, p.list_no, tr!("reject.list_no_no_number")));
        }
        let mut key = format!("{}{}", letter.to_ascii_uppercase(), digits);
        if starred {
            let form = Self::cell(rec, p.dosage_form);
            if form.is_empty() {
                return Err(self.err(rec, p.dosage_form, tr!("reject.starred_needs_form")));
            }
            key.push('/');
            key.push_str(form);
        }
        Ok(key)
    }

    /// The 医保版 code a 映射表 row maps its 临床版 `code` to, canonical, of the
    /// same standard (a diagnosis maps to a diagnosis, a procedure to a procedure).
    fn crosswalk_target(&self, rec: &Record, code: &str) -> Result<String, RowError> {
        let p = &self.plan;
        let std = Standards::builtin();
        let raw = Self::cell(rec, p.target_code);
        if raw.is_empty() {
            return Err(self.err(rec, p.target_code, tr!("reject.target_code_empty")));
        }
        let kind = if std.checked_code(code, Category::Diagnosis).is_ok() {
            Category::Diagnosis
        } else {
            Category::Procedure
        };
        std.checked_code(raw, kind).map_err(|e| {
            self.err(
                rec,
                p.target_code,
                tr!("reject.target_code_bad", kind = kind.label_zh(), why = e),
            )
        })
    }

    fn entry(&self, rec: &Record) -> Result<Entry, RowError> {
        let p = &self.plan;
        let std = Standards::builtin();
        let code = if matches!(
            self.category,
            Category::Reimbursement | Category::Negotiated
        ) {
            self.list_code(rec)?
        } else {
            let raw = Self::cell(rec, p.code);
            if raw.is_empty() {
                return Err(self.err(rec, p.code, tr!("reject.code_empty")));
            }
            match std.checked_code(raw, self.category) {
                Ok(code) => code,
                Err(e) => return Err(self.err(rec, p.code, e.to_string())),
            }
        };
        let mut name = Self::cell(rec, p.name).to_string();
        if name.is_empty() {
            if let Some(v) = p
                .name_from
                .iter()
                .map(|c| Self::cell(rec, Some(*c)))
                .find(|v| !v.is_empty())
            {
                name = v.to_string();
            }
        }
        if name.is_empty() {
            return Err(self.err(
                rec,
                p.name.or(p.name_from.first().copied()),
                tr!("reject.name_empty"),
            ));
        }
        let target = if self.category == Category::Crosswalk {
            Some(self.crosswalk_target(rec, &code)?)
        } else {
            None
        };
        let mut e = Entry::new(code, name, Detail::empty(self.category));
        if let Some(t) = target {
            e.detail.set("target_code", FieldValue::Text(t));
        }
        let mut extra = BTreeMap::new();
        for (key, col, how) in &p.typed {
            let v = Self::cell(rec, Some(*col));
            if v.is_empty() {
                continue;
            }
            let bad = |key: &str| self.err(rec, Some(*col), crate::LOCALE.text(key, &[]));
            match how {
                Parsed::Active => {
                    e.active = parse_active(v).ok_or_else(|| bad("reject.bad_active"))?
                }
                Parsed::BeginDate => {
                    e.begin_date = Some(parse_date(v).ok_or_else(|| bad("reject.not_a_date"))?)
                }
                Parsed::EndDate => {
                    e.end_date = Some(parse_date(v).ok_or_else(|| bad("reject.not_a_date"))?)
                }
                Parsed::Period => {
                    let (a, b) = parse_period(v).ok_or_else(|| bad("reject.bad_period"))?;
                    e.detail.set("agreement_start", FieldValue::Date(a));
                    e.detail.set("agreement_end", FieldValue::Date(b));
                }
                Parsed::Money => {
                    if v == "*" || v == "＊" {
                        // Confidential price (保密): no amount, but the marker is kept.
                        extra.insert(self.table.header[*col].clone(), v.to_string());
                        continue;
                    }
                    let (m, unit) = parse_money(v).ok_or_else(|| bad("reject.not_money"))?;
                    e.detail.set(key, FieldValue::Money(m));
                    if let Some(u) = unit {
                        if key == "payment_standard" {
                            e.detail.set("payment_unit", FieldValue::Text(u));
                        } else {
                            extra.insert(format!("{}单位", self.table.header[*col]), u);
                        }
                    }
                }
                Parsed::Date => {
                    let d = parse_date(v).ok_or_else(|| bad("reject.not_a_date"))?;
                    e.detail.set(key, FieldValue::Date(d));
                }
            }
        }
        e.extra = extra;
        Ok(e)
    }

    /// Second half of [`entry`](Self::entry), for a row that passed every
    /// check: text fields and extra columns are moved out of the record
    /// rather than copied (most rows are mostly text).
    fn fill_texts(&self, e: &mut Entry, rec: &mut Record) {
        let p = &self.plan;
        for (key, col) in &p.texts {
            if Some(*col) == p.target_code && self.category == Category::Crosswalk {
                continue; // already set, in canonical form, by `entry`
            }
            if let Some(v) = Self::take_cell(rec, *col) {
                e.detail.set(key, FieldValue::Text(v));
            }
        }
        for (col, key) in &p.extras {
            if let Some(v) = Self::take_cell(rec, *col) {
                e.extra.insert(key.clone(), v);
            }
        }
    }

    /// The trimmed cell, moved out when trimming changes nothing.
    fn take_cell(rec: &mut Record, col: usize) -> Option<String> {
        let c = rec.cells.get_mut(col)?;
        let t = c.trim();
        if t.is_empty() {
            None
        } else if t.len() == c.len() {
            Some(std::mem::take(c))
        } else {
            Some(t.to_string())
        }
    }
}

impl Iterator for Reader {
    type Item = Result<Entry, RowError>;
    fn next(&mut self) -> Option<Self::Item> {
        let rec = loop {
            let item = self.table.next()?;
            self.read += 1;
            match item {
                Ok(r) => {
                    self.last_row = r.row;
                    match self.note_of(&r) {
                        Some(n) => self.notes.push(n),
                        None => break r,
                    }
                }
                Err(e) => {
                    self.last_row = e.row;
                    return Some(Err(e));
                }
            }
        };
        let mut rec = rec;
        let mut entry = match self.entry(&rec) {
            Ok(e) => e,
            Err(e) => return Some(Err(e)),
        };
        if let Some(first) = self.seen.get(&entry.code) {
            let reason = tr!("reject.duplicate", code = entry.code, first = first);
            return Some(Err(self.err(
                &rec,
                self.plan.code.or(self.plan.list_no),
                reason,
            )));
        }
        self.seen.insert(entry.code.clone(), rec.row);
        self.fill_texts(&mut entry, &mut rec);
        Some(Ok(entry))
    }
}
