//! Checking a code: against a category's standards (`check_category`,
//! `checked_code`, `canonical`), choosing the best of several standards, and
//! the error that says where and why a code does not fit.

use super::explain::Explanation;
use super::table::Standard;
use super::walk::{seg_len_min, walk_form, Failure};
use super::Standards;
use crate::category::Category;
use crate::normalize;
use serde::Serialize;
use std::fmt;

/// Why a code is not valid, precise enough to fix it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CodeError {
    /// The code as checked (canonical form where it could be made).
    pub code: String,
    /// The standard the code was checked against (or looked most like).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard: Option<String>,
    /// That standard's Chinese name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard_name: Option<String>,
    /// The segment where the code stops fitting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// 1-based character position where the code stops fitting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// What was expected and what was found.
    pub message: String,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.standard_name {
            Some(s) => f.write_str(&tr!(
                "code.invalid",
                code = self.code,
                standard = s,
                msg = self.message
            )),
            None => f.write_str(&tr!(
                "code.invalid_plain",
                code = self.code,
                msg = self.message
            )),
        }
    }
}
impl std::error::Error for CodeError {}

impl Standards {
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
                    message: tr!("code.empty"),
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

    pub(super) fn best_of<'a>(
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
                message: tr!("code.empty"),
            });
        }
        if let Some((pos, ch)) = code.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
            return Err(CodeError {
                code: code.clone(),
                standard: None,
                standard_name: None,
                segment: None,
                position: Some(pos + 1),
                message: tr!("code.non_ascii", ch = ch, pos = pos + 1),
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
                    message: tr!("code.no_standard"),
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
                tr!("code.no_shape", msg = f.message)
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
}

/// The asterisk half of an ICD-10 dagger/asterisk pair: `K77.0*`, `G01*`.
fn check_asterisk(a: &str) -> Result<String, String> {
    let b = a.as_bytes();
    let ok_head =
        b.len() >= 4 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit();
    if !ok_head || !a.ends_with('*') {
        return Err(tr!("code.asterisk", a = a));
    }
    let mid = &a[3..a.len() - 1];
    if !(mid.is_empty()
        || (mid.starts_with('.') && mid[1..].bytes().all(|c| c.is_ascii_digit() || c == b'X')))
    {
        return Err(tr!("code.asterisk", a = a));
    }
    // Only the placeholder after the category folds; the chapter letter stays.
    Ok(format!("{}{}", &a[..3], a[3..].replace('X', "x")))
}
