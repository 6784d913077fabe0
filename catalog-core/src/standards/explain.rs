//! Decoding a valid code: which standard and form it is, and what each
//! segment means.

use super::table::{Form, Segment, Standard};
use super::validate::CodeError;
use super::walk::{walk_form, Failure};
use super::Standards;
use serde::Serialize;

/// One decoded segment of a valid code.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DecodedSegment {
    /// The segment's name (`类别码`).
    pub name: String,
    /// The characters it took, in canonical form.
    pub value: String,
    /// 1-based start position.
    pub start: usize,
    /// 1-based, inclusive end position.
    pub end: usize,
    /// What the value means, from the table or a class dictionary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
}

/// A valid code and what its parts mean.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// The code in canonical form (ICD `x`, dot restored).
    pub code: String,
    /// The standard's id.
    pub standard: String,
    /// The standard's Chinese name.
    pub standard_name: String,
    /// The standard's number among the 15.
    pub standard_no: u32,
    /// How sure the table is of the standard's shape.
    pub status: String,
    /// The form the code fits.
    pub form: String,
    /// Each segment with its value and meaning.
    pub segments: Vec<DecodedSegment>,
    /// The asterisk half of an ICD-10 dagger/asterisk pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asterisk_code: Option<String>,
    /// The standard's remarks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Other standards the same text would also satisfy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_matches: Vec<String>,
}

impl Standards {
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

    pub(super) fn match_form(
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
