//! The national code standards, loaded from `data/code_standards.json`.
//!
//! A standard is a list of *forms*; a form is a list of segments. Validation
//! walks the segments and, on failure, says which segment and what it wanted.
//! Keeping shapes as data means a correction is a one-line change to the table.

use crate::category::Category;
use crate::normalize;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

const BUILTIN_TABLE: &str = include_str!("../../data/code_standards.json");
/// (dictionary, csv text, key column, name column, only rows whose first column is this)
type DictSource = (
    &'static str,
    &'static str,
    usize,
    usize,
    Option<&'static str>,
);
const BUILTIN_DICTS: &[DictSource] = &[
    (
        "drug_class",
        include_str!("../../data/dicts/drug_classes.csv"),
        0,
        1,
        None,
    ),
    (
        "consumable_class",
        include_str!("../../data/dicts/consumable_classes.csv"),
        0,
        1,
        None,
    ),
    // The category list mixes 西医 and 中医 codes that share keys (A01. is both).
    (
        "icd10_category",
        include_str!("../../data/dicts/diagnosis_categories.csv"),
        1,
        2,
        Some("西医诊断"),
    ),
    (
        "service_class",
        include_str!("../../data/dicts/service_classes.csv"),
        3,
        1,
        None,
    ),
];

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Segment {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<(usize, usize)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<String>,
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub meanings: HashMap<String, String>,
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub first_char_meanings: HashMap<String, String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Form {
    pub name: String,
    pub segments: Vec<Segment>,
}

impl Form {
    /// False when the form's first segment is a literal the code does not
    /// start with: a cheap way past the other standards of a category (an
    /// `X` drug code against the `Z` standard) without building a failure.
    fn could_start(&self, code: &str) -> bool {
        match self.segments.first().and_then(|s| s.literal.as_deref()) {
            Some(lit) => code
                .get(..lit.len())
                .is_some_and(|c| c.eq_ignore_ascii_case(lit)),
            None => true,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Standard {
    pub id: String,
    pub no: u32,
    pub name: String,
    pub category: Option<Category>,
    pub status: String,
    /// "icd": the extension marker is a lowercase x and the dot may be omitted on input.
    #[serde(default)]
    pub case: Option<String>,
    /// ICD-10 dagger/asterisk pairs such as `A01.001+K77.0*`.
    #[serde(default)]
    pub asterisk_pairs: bool,
    #[serde(default)]
    pub examples: Vec<String>,
    pub forms: Vec<Form>,
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Standard {
    fn is_icd(&self) -> bool {
        self.case.as_deref() == Some("icd")
    }
    /// A standard with only free-length forms is never guessed from a code.
    fn is_guessable(&self) -> bool {
        self.forms
            .iter()
            .any(|f| f.segments.iter().all(|s| s.repeat.is_none()))
    }
}

#[derive(Deserialize)]
struct Table {
    standards: Vec<Standard>,
}

/// One decoded segment of a valid code.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DecodedSegment {
    pub name: String,
    pub value: String,
    /// 1-based, inclusive character positions.
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
}

/// A valid code and what its parts mean.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub code: String,
    pub standard: String,
    pub standard_name: String,
    pub standard_no: u32,
    pub status: String,
    pub form: String,
    pub segments: Vec<DecodedSegment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asterisk_code: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Other standards the same text would also satisfy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_matches: Vec<String>,
}

/// Why a code is not valid, precise enough to fix it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CodeError {
    pub code: String,
    /// The standard the code was checked against (or looked most like).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// 1-based character position where the code stops fitting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    pub message: String,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.standard_name {
            Some(s) => write!(f, "'{}' is not a valid {}: {}", self.code, s, self.message),
            None => write!(f, "'{}': {}", self.code, self.message),
        }
    }
}
impl std::error::Error for CodeError {}

/// The loaded table plus the dictionaries segments are decoded with.
pub struct Standards {
    list: Vec<Standard>,
    dicts: HashMap<String, HashMap<String, String>>,
}

/// How far a form got before failing; the furthest failure is the most useful message.
struct Failure {
    progress: usize,
    segment: Option<String>,
    position: usize,
    message: String,
}

impl Standards {
    /// The table shipped in `data/`, compiled into the binary so it works anywhere.
    pub fn builtin() -> &'static Standards {
        static S: OnceLock<Standards> = OnceLock::new();
        S.get_or_init(|| {
            let mut s =
                Standards::from_json(BUILTIN_TABLE).expect("data/code_standards.json is valid");
            for (name, csv, k, v, only) in BUILTIN_DICTS {
                s.dicts
                    .insert(name.to_string(), parse_dict(csv, *k, *v, *only));
            }
            s
        })
    }

    pub fn from_json(json: &str) -> Result<Standards, serde_json::Error> {
        let t: Table = serde_json::from_str(json)?;
        Ok(Standards {
            list: t.standards,
            dicts: HashMap::new(),
        })
    }

    pub fn all(&self) -> &[Standard] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&Standard> {
        self.list.iter().find(|s| s.id == id)
    }

    /// Identify the standard from the code's shape and decode it.
    pub fn explain(&self, raw: &str) -> Result<Explanation, CodeError> {
        self.best_of(raw, self.list.iter().filter(|s| s.is_guessable()), true)
    }

    /// Decode against one named standard.
    pub fn explain_as(&self, raw: &str, standard_id: &str) -> Result<Explanation, CodeError> {
        let Some(st) = self.get(standard_id) else {
            return Err(CodeError {
                code: raw.to_string(),
                standard: None,
                standard_name: None,
                segment: None,
                position: None,
                message: format!(
                    "unknown standard '{standard_id}'; known: {}",
                    self.list
                        .iter()
                        .map(|s| s.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        self.best_of(raw, std::iter::once(st), true)
    }

    /// Check a code against the standards of a catalogue category. Categories
    /// without a code standard (reimbursement list numbers, 制剂) accept any non-empty code.
    pub fn check_category(
        &self,
        raw: &str,
        cat: Category,
    ) -> Result<Option<Explanation>, CodeError> {
        let ids = cat.standard_ids();
        if ids.is_empty() {
            if normalize::code(raw).is_empty() {
                return Err(CodeError {
                    code: raw.to_string(),
                    standard: None,
                    standard_name: None,
                    segment: None,
                    position: None,
                    message: "code is empty".into(),
                });
            }
            return Ok(None);
        }
        self.best_of(
            raw,
            self.list.iter().filter(|s| ids.contains(&s.id.as_str())),
            true,
        )
        .map(Some)
    }

    /// The canonical code as [`check_category`](Self::check_category) finds
    /// it, validated the same way but without looking up what each segment
    /// means: importers check every row and only keep the code.
    pub fn checked_code(&self, raw: &str, cat: Category) -> Result<String, CodeError> {
        let ids = cat.standard_ids();
        if ids.is_empty() {
            return self.check_category(raw, cat).map(|_| normalize::code(raw));
        }
        let candidates = || self.list.iter().filter(|s| ids.contains(&s.id.as_str()));
        // Fast path for the common case, a well-formed code: a plain standard
        // (no ICD case rules, no asterisk pairs) that takes the code whole keeps
        // it as it is, which is what `best_of` would return. Anything else —
        // an ICD standard first in line, or no plain standard taking the code —
        // goes the full way, messages and all.
        let code = normalize::code(raw);
        if !code.is_empty() && code.is_ascii() {
            for st in candidates() {
                if st.is_icd() || st.asterisk_pairs {
                    break;
                }
                if st
                    .forms
                    .iter()
                    .any(|f| f.could_start(&code) && walk_form(f, &code, |_, _, _| {}).is_ok())
                {
                    return Ok(code);
                }
            }
        }
        self.best_of(raw, candidates(), false).map(|e| e.code)
    }

    /// Canonical form of a code for a category (what the store keys rows by).
    pub fn canonical(&self, raw: &str, cat: Category) -> String {
        self.checked_code(raw, cat)
            .unwrap_or_else(|_| normalize::code(raw))
    }

    fn best_of<'a>(
        &self,
        raw: &str,
        candidates: impl Iterator<Item = &'a Standard>,
        meanings: bool,
    ) -> Result<Explanation, CodeError> {
        let code = normalize::code(raw);
        let mut exact: Vec<Explanation> = Vec::new();
        let mut repaired: Vec<Explanation> = Vec::new();
        let mut best_fail: Option<(Failure, &Standard)> = None;
        if code.is_empty() {
            return Err(CodeError {
                code: raw.to_string(),
                standard: None,
                standard_name: None,
                segment: None,
                position: None,
                message: "code is empty".into(),
            });
        }
        if let Some((pos, ch)) = code.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
            return Err(CodeError {
                code: code.clone(),
                standard: None,
                standard_name: None,
                segment: None,
                position: Some(pos + 1),
                message: format!(
                    "character '{ch}' at position {} cannot be part of a code",
                    pos + 1
                ),
            });
        }
        for st in candidates {
            match self.match_standard(st, &code, meanings) {
                Ok((e, was_repaired)) => {
                    if was_repaired {
                        repaired.push(e)
                    } else {
                        exact.push(e)
                    }
                }
                Err(f) => {
                    if best_fail
                        .as_ref()
                        .is_none_or(|(b, _)| f.progress > b.progress)
                    {
                        best_fail = Some((f, st));
                    }
                }
            }
        }
        let mut found = if exact.is_empty() { repaired } else { exact };
        if !found.is_empty() {
            let mut first = found.remove(0);
            first.also_matches = found.into_iter().map(|e| e.standard).collect();
            return Ok(first);
        }
        let (f, st) = match best_fail {
            Some(x) => x,
            None => {
                return Err(CodeError {
                    code,
                    standard: None,
                    standard_name: None,
                    segment: None,
                    position: None,
                    message: "no code standard applies".into(),
                })
            }
        };
        // A code that got nowhere in any form resembles no standard at all.
        let looks_like = f.progress > 0;
        Err(CodeError {
            code,
            standard: looks_like.then(|| st.id.clone()),
            standard_name: looks_like.then(|| st.name.clone()),
            segment: f.segment,
            position: Some(f.position),
            message: if looks_like {
                f.message
            } else {
                format!("matches no known code shape ({})", f.message)
            },
        })
    }

    fn match_standard(
        &self,
        st: &Standard,
        code: &str,
        meanings: bool,
    ) -> Result<(Explanation, bool), Failure> {
        let mut best: Option<Failure> = None;
        let mut attempts: Vec<(String, bool)> = vec![(code.to_string(), false)];
        if st.is_icd() && !code.contains('.') {
            // Hospitals often drop the dot: A00000x001 is A00.000x001.
            if let Some(k) = st.forms[0]
                .segments
                .iter()
                .position(|s| s.literal.as_deref() == Some("."))
            {
                let at: usize = st.forms[0].segments[..k].iter().map(seg_len_min).sum();
                if code.len() > at {
                    attempts.push((format!("{}.{}", &code[..at], &code[at..]), true));
                }
            }
        }
        for (text, repaired) in attempts {
            let (main, asterisk) = match (st.asterisk_pairs, text.split_once('+')) {
                (true, Some((a, b))) => (a.to_string(), Some(b.to_string())),
                _ => (text.clone(), None),
            };
            for form in &st.forms {
                match self.match_form(st, form, &main, meanings) {
                    Ok(segments) => {
                        let canonical: String = segments.iter().map(|s| s.value.as_str()).collect();
                        let asterisk_code = match asterisk {
                            Some(a) => Some(check_asterisk(&a).map_err(|m| Failure {
                                progress: main.len() + 1,
                                segment: Some("星号码".into()),
                                position: main.len() + 2,
                                message: m,
                            })?),
                            None => None,
                        };
                        let full = match &asterisk_code {
                            Some(a) => format!("{canonical}+{a}"),
                            None => canonical,
                        };
                        return Ok((
                            Explanation {
                                code: full,
                                standard: st.id.clone(),
                                standard_name: st.name.clone(),
                                standard_no: st.no,
                                status: st.status.clone(),
                                form: form.name.clone(),
                                segments,
                                asterisk_code,
                                notes: st.notes.clone(),
                                also_matches: vec![],
                            },
                            repaired,
                        ));
                    }
                    Err(f) => {
                        if best.as_ref().is_none_or(|b| f.progress > b.progress) {
                            best = Some(f);
                        }
                    }
                }
            }
        }
        Err(best.unwrap_or(Failure {
            progress: 0,
            segment: None,
            position: 1,
            message: "no forms defined".into(),
        }))
    }

    fn match_form(
        &self,
        st: &Standard,
        form: &Form,
        code: &str,
        meanings: bool,
    ) -> Result<Vec<DecodedSegment>, Failure> {
        let mut out = Vec::with_capacity(form.segments.len());
        walk_form(form, code, |seg, start, end| {
            let mut value = code[start..end].to_string();
            if st.is_icd() {
                value = icd_lowercase_x(seg, &value);
            }
            let meaning = if meanings {
                self.meaning(seg, &value, &out, code, end)
            } else {
                None
            };
            out.push(DecodedSegment {
                name: seg.name.clone(),
                value,
                start: start + 1,
                end,
                meaning,
            });
        })?;
        Ok(out)
    }

    fn meaning(
        &self,
        seg: &Segment,
        value: &str,
        _before: &[DecodedSegment],
        code: &str,
        end: usize,
    ) -> Option<String> {
        if let Some(m) = seg.meanings.get(value) {
            return Some(m.clone());
        }
        if let Some(m) = value.get(..1).and_then(|c| seg.first_char_meanings.get(c)) {
            return Some(m.clone());
        }
        let dict = self.dicts.get(seg.lookup.as_deref()?)?;
        let prefix = &code[..end];
        (1..=prefix.len())
            .rev()
            .find_map(|n| dict.get(&prefix[..n]).cloned())
    }
}

/// ICD writes its placeholder and extension marker as a lowercase `x`; a
/// letter in a letter position (chapter X: `X48.x00`) stays upper case.
/// Walk `code` through `form`'s segments, calling `each(segment, start, end)`
/// (byte offsets) for every segment taken. Nothing is allocated unless the
/// code fails, so a plain yes/no check costs no more than the scan.
fn walk_form(
    form: &Form,
    code: &str,
    mut each: impl FnMut(&Segment, usize, usize),
) -> Result<(), Failure> {
    let bytes = code.as_bytes();
    let mut i = 0usize;
    for seg in &form.segments {
        let start = i;
        let fail = |pos: usize, msg: String| Failure {
            progress: pos,
            segment: Some(seg.name.clone()),
            position: pos + 1,
            message: format!(
                "segment {} (position {}{}): {}",
                seg.name,
                start + 1,
                if seg_len_min(seg) > 1 {
                    format!("–{}", start + seg_len_min(seg))
                } else {
                    String::new()
                },
                msg
            ),
        };
        if let Some(lit) = &seg.literal {
            let got = code
                .get(i..i + lit.len())
                .unwrap_or(&code[i.min(code.len())..]);
            if !got.eq_ignore_ascii_case(lit) {
                return Err(fail(i, format!("expected '{lit}', found {}", shown(got))));
            }
            i += lit.len();
        } else if let Some(opts) = &seg.one_of {
            let hit = opts.iter().find(|o| {
                code.get(i..i + o.len())
                    .is_some_and(|g| g.eq_ignore_ascii_case(o))
            });
            match hit {
                Some(o) => i += o.len(),
                None => {
                    let got = code.get(i..i + 2).unwrap_or(&code[i.min(code.len())..]);
                    return Err(fail(
                        i,
                        format!("expected one of {}, found {}", opts.join("/"), shown(got)),
                    ));
                }
            }
        } else if let Some(p) = &seg.pattern {
            if let Some((min, max)) = seg.repeat {
                let class = p.as_bytes()[0];
                let mut n = 0;
                while n < max && i + n < bytes.len() && class_ok(class, bytes[i + n]) {
                    n += 1;
                }
                if n < min {
                    return Err(fail(
                        i + n,
                        format!("expected at least {min} {}", class_name(class, min)),
                    ));
                }
                i += n;
            } else {
                for (k, &class) in p.as_bytes().iter().enumerate() {
                    let pos = i + k;
                    if pos >= bytes.len() {
                        let got = &code[i..];
                        return Err(fail(
                            pos,
                            format!(
                                "too short: expected {} characters ({}), found {} — the code has {} characters, this form needs {}",
                                p.len(),
                                describe_pattern(p),
                                shown(got),
                                code.len(),
                                form.segments.iter().map(seg_len_min).sum::<usize>()
                            ),
                        ));
                    }
                    if !class_ok(class, bytes[pos]) {
                        return Err(fail(
                            pos,
                            format!(
                                "character {} must be {} ({}), found '{}'",
                                k + 1,
                                class_name(class, 1),
                                describe_pattern(p),
                                bytes[pos] as char
                            ),
                        ));
                    }
                }
                i += p.len();
            }
        }
        each(seg, start, i);
    }
    if i < code.len() {
        return Err(Failure {
            progress: i,
            segment: None,
            position: i + 1,
            message: format!(
                "too long: {} characters, this form has {}; unexpected '{}' from position {}",
                code.len(),
                i,
                &code[i..],
                i + 1
            ),
        });
    }
    Ok(())
}

fn icd_lowercase_x(seg: &Segment, value: &str) -> String {
    if seg
        .literal
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case("x"))
    {
        return value.to_ascii_lowercase();
    }
    match &seg.pattern {
        Some(p) if p.len() == value.len() => value
            .chars()
            .zip(p.bytes())
            .map(|(c, class)| {
                if class == b'X' {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            })
            .collect(),
        _ => value.to_string(),
    }
}

fn seg_len_min(s: &Segment) -> usize {
    if let Some(l) = &s.literal {
        l.len()
    } else if let Some(o) = &s.one_of {
        o.iter().map(|x| x.len()).min().unwrap_or(0)
    } else if let Some((min, _)) = s.repeat {
        min
    } else {
        s.pattern.as_ref().map_or(0, |p| p.len())
    }
}

fn class_ok(class: u8, c: u8) -> bool {
    match class {
        b'L' => c.is_ascii_uppercase(),
        b'D' => c.is_ascii_digit(),
        b'A' => c.is_ascii_uppercase() || c.is_ascii_digit(),
        b'X' => c.is_ascii_digit() || c == b'X',
        _ => false,
    }
}

fn class_name(class: u8, n: usize) -> &'static str {
    match (class, n == 1) {
        (b'L', true) => "a letter",
        (b'L', false) => "letters",
        (b'D', true) => "a digit",
        (b'D', false) => "digits",
        (b'A', true) => "a letter or digit",
        (b'A', false) => "letters or digits",
        (b'X', _) => "a digit or x",
        _ => "?",
    }
}

fn describe_pattern(p: &str) -> String {
    if p.bytes().all(|b| b == b'D') {
        return format!("{} digits", p.len());
    }
    p.bytes()
        .map(|b| match b {
            b'L' => "letter",
            b'D' => "digit",
            b'A' => "letter/digit",
            _ => "digit/x",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn shown(s: &str) -> String {
    if s.is_empty() {
        "nothing".into()
    } else {
        format!("'{s}'")
    }
}

/// The asterisk half of an ICD-10 dagger/asterisk pair: `K77.0*`, `G01*`.
fn check_asterisk(a: &str) -> Result<String, String> {
    let b = a.as_bytes();
    let ok_head =
        b.len() >= 4 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit();
    if !ok_head || !a.ends_with('*') {
        return Err(format!(
            "the code after '+' must be an asterisk code like K77.0*, found '{a}'"
        ));
    }
    let mid = &a[3..a.len() - 1];
    if !(mid.is_empty()
        || (mid.starts_with('.') && mid[1..].bytes().all(|c| c.is_ascii_digit() || c == b'X')))
    {
        return Err(format!(
            "the code after '+' must be an asterisk code like K77.0*, found '{a}'"
        ));
    }
    // Only the placeholder after the category folds; the chapter letter stays.
    Ok(format!("{}{}", &a[..3], a[3..].replace('X', "x")))
}

fn parse_dict(
    csv: &str,
    key_col: usize,
    name_col: usize,
    only: Option<&str>,
) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        if only.is_some_and(|o| cols.first() != Some(&o)) {
            continue;
        }
        if let (Some(k), Some(v)) = (cols.get(key_col), cols.get(name_col)) {
            let k = k.trim().trim_end_matches('.').to_ascii_uppercase();
            if !k.is_empty() {
                m.entry(k).or_insert_with(|| v.trim().to_string());
            }
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> &'static Standards {
        Standards::builtin()
    }

    #[test]
    fn every_example_in_the_table_decodes_as_its_own_standard() {
        for st in s().all() {
            for ex in &st.examples {
                let e = s()
                    .explain_as(ex, &st.id)
                    .unwrap_or_else(|e| panic!("{}: {e}", st.id));
                assert_eq!(e.standard, st.id);
                let joined: String = e.segments.iter().map(|s| s.value.as_str()).collect();
                assert!(e.code.starts_with(&joined), "{ex}: {joined}");
            }
        }
    }

    #[test]
    fn checked_code_agrees_with_check_category() {
        let mut codes: Vec<String> = s()
            .all()
            .iter()
            .flat_map(|st| st.examples.iter().cloned())
            .collect();
        codes.extend(
            [
                "XA01ABD075A00201010048",
                "ｘａ01ABD075A002010100483",
                "A00000x001",
                "a00.000X001",
                "",
                "阿莫西林",
                "003313010030001",
                "C0201010520100100000034541",
            ]
            .map(String::from),
        );
        for c in &codes {
            for cat in Category::ALL {
                let full = s().check_category(c, cat);
                let quick = s().checked_code(c, cat);
                match (full, quick) {
                    (Ok(Some(e)), Ok(q)) => assert_eq!(e.code, q, "{c} as {cat}"),
                    (Ok(None), Ok(q)) => assert_eq!(normalize::code(c), q, "{c} as {cat}"),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{c} as {cat}"),
                    (a, b) => panic!("{c} as {cat}: {a:?} vs {b:?}"),
                }
            }
        }
    }

    #[test]
    fn western_drug_code_decodes_all_segments() {
        let e = s().explain("XA01ABD075A002010100483").unwrap();
        assert_eq!(e.standard, "drug_western");
        let v: Vec<_> = e
            .segments
            .iter()
            .map(|s| (s.name.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(
            v,
            [
                ("药品标识", "X"),
                ("类别码", "A01AB"),
                ("名称码", "D075"),
                ("剂型码", "A002"),
                ("规格包装码", "0101"),
                ("企业码", "00483")
            ]
        );
        assert_eq!(e.segments[1].start, 2);
        assert_eq!(e.segments[1].end, 6);
        // The classification is decoded through the real class dictionary.
        assert!(e.segments[1].meaning.is_some(), "{:?}", e.segments[1]);
    }

    #[test]
    fn tcm_service_and_icd_codes_decode() {
        assert_eq!(
            s().explain("ZD03AAA0043010100166").unwrap().standard,
            "drug_tcm"
        );
        let svc = s().explain("003313010030001").unwrap();
        assert_eq!(svc.standard, "service");
        assert_eq!(svc.segments[1].value, "331301003");
        assert_eq!(svc.segments[3].value, "01");
        let d = s().explain("A00.000x001").unwrap();
        assert_eq!(d.standard, "diagnosis");
        assert_eq!(d.form, "扩展码");
        let p = s().explain("00.0200x001").unwrap();
        assert_eq!(p.standard, "procedure");
        assert_eq!(
            s().explain("H44010600124").unwrap().standard,
            "medical_institution"
        );
        assert_eq!(
            s().explain("HY440106000001").unwrap().standard,
            "pharmacist"
        );
    }

    #[test]
    fn icd_normalises_case_dot_and_width() {
        assert_eq!(s().explain("a00.000X001").unwrap().code, "A00.000x001");
        assert_eq!(
            s().explain_as("A00000x001", "diagnosis").unwrap().code,
            "A00.000x001"
        );
        assert_eq!(
            s().explain("Ａ００．０００ｘ００１").unwrap().code,
            "A00.000x001"
        );
        assert_eq!(s().explain("I10.X00").unwrap().code, "I10.x00");
        // Chapter X (external causes): the letter stays, the placeholder folds.
        assert_eq!(
            s().explain_as("X48.X00", "diagnosis").unwrap().code,
            "X48.x00"
        );
        assert_eq!(
            s().explain_as("x59.900x001", "diagnosis").unwrap().code,
            "X59.900x001"
        );
        assert_eq!(s().canonical("x48.x00", Category::Diagnosis), "X48.x00");
        assert_eq!(s().explain("03.1X00X001").unwrap().code, "03.1x00x001");
        let pair = s().explain("A01.001+K77.0*").unwrap();
        assert_eq!(pair.segments[0].meaning.as_deref(), Some("伤寒和副伤寒"));
        assert_eq!(pair.asterisk_code.as_deref(), Some("K77.0*"));
    }

    #[test]
    fn short_drug_code_names_the_enterprise_segment() {
        let err = s().explain("XA01ABD075A00201010048").unwrap_err();
        assert_eq!(err.standard.as_deref(), Some("drug_western"));
        assert_eq!(err.segment.as_deref(), Some("企业码"));
        assert!(err.message.contains("too short"), "{}", err.message);
    }

    #[test]
    fn bad_character_names_segment_and_position() {
        let err = s().explain("XA0XABD075A002010100483").unwrap_err();
        assert_eq!(err.segment.as_deref(), Some("类别码"));
        assert_eq!(err.position, Some(4));
        assert!(err.message.contains("must be a digit"), "{}", err.message);
        let long = s().explain("XA01ABD075A00201010048399").unwrap_err();
        assert!(long.message.contains("too long"), "{}", long.message);
        let svc = s().explain_as("00331301003", "service").unwrap_err();
        assert_eq!(svc.segment.as_deref(), Some("细项"));
    }

    #[test]
    fn garbage_and_empty_are_rejected_clearly() {
        assert!(s().explain("").unwrap_err().message.contains("empty"));
        let e = s().explain("阿莫西林").unwrap_err();
        assert_eq!(e.position, Some(1));
        assert!(s().explain("!!!").is_err());
        assert!(s()
            .explain_as("X", "no_such")
            .unwrap_err()
            .message
            .contains("unknown standard"));
        let bad_pair = s().explain("A01.001+K77").unwrap_err();
        assert_eq!(bad_pair.segment.as_deref(), Some("星号码"));
    }

    #[test]
    fn category_check_uses_that_categorys_standards_only() {
        assert!(s()
            .check_category("XA01ABD075A002010100483", Category::Drug)
            .unwrap()
            .is_some());
        assert!(s()
            .check_category("003313010030000", Category::Drug)
            .is_err());
        assert!(s()
            .check_category("X656", Category::Reimbursement)
            .unwrap()
            .is_none());
        assert!(s().check_category("  ", Category::Reimbursement).is_err());
        assert_eq!(s().canonical("ｃ34.900", Category::Diagnosis), "C34.900");
    }

    #[test]
    fn free_form_standards_are_not_guessed() {
        // "ABC123" fits the free shape of 医保系统单位代码 but must not be identified as it.
        assert!(s().explain("ABC123").is_err());
        assert!(s().explain_as("ABC123", "insurance_unit").is_ok());
    }
}
