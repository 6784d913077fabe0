//! The standards table: its JSON types and how it is loaded.

use super::{dicts, Standards};
use crate::category::Category;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;

const BUILTIN_TABLE: &str = include_str!("../../../data/code_standards.json");

/// One segment of a code form. Exactly one of `literal`, `one_of` and
/// `pattern` says what it accepts; the rest say how to read it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Segment {
    /// The segment's Chinese name (`类别码`), used in messages.
    pub name: String,
    /// Fixed text (`X`, `.`), compared without case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
    /// Alternatives (`01`/`02`), compared without case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// Character classes, one letter per character: `L` letter, `D` digit,
    /// `A` letter or digit, `X` digit or ICD placeholder `x`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `(min, max)` repetitions of the pattern's single class: a free-length segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<(usize, usize)>,
    /// The class dictionary the segment's meaning is looked up in (`drug_class`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookup: Option<String>,
    /// Meanings of whole segment values (`X` → 西药).
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub meanings: HashMap<String, String>,
    /// Meanings keyed by the segment's first character only.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub first_char_meanings: HashMap<String, String>,
}

/// One shape a standard's codes can take (`23位`, `扩展码`).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Form {
    /// The form's name, shown in explanations.
    pub name: String,
    /// The segments, in order; together they must take the whole code.
    pub segments: Vec<Segment>,
}

impl Form {
    /// False when the form's first segment is a literal the code does not
    /// start with: a cheap way past the other standards of a category (an
    /// `X` drug code against the `Z` standard) without building a failure.
    pub(super) fn could_start(&self, code: &str) -> bool {
        match self.segments.first().and_then(|s| s.literal.as_deref()) {
            Some(lit) => code
                .get(..lit.len())
                .is_some_and(|c| c.eq_ignore_ascii_case(lit)),
            None => true,
        }
    }
}

/// One of the national code standards (国家医保信息业务编码标准).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Standard {
    /// The stable id (`drug_western`, `diagnosis`).
    pub id: String,
    /// Its number among the 15 standards.
    pub no: u32,
    /// Its Chinese name.
    pub name: String,
    /// The catalogue whose codes follow it, if any (institution codes have none).
    pub category: Option<Category>,
    /// How sure the table is of the shape: `confirmed`, `inferred` or `unconfirmed`.
    pub status: String,
    /// "icd": the extension marker is a lowercase x and the dot may be omitted on input.
    #[serde(default)]
    pub case: Option<String>,
    /// ICD-10 dagger/asterisk pairs such as `A01.001+K77.0*`.
    #[serde(default)]
    pub asterisk_pairs: bool,
    /// Real codes of this standard; a test decodes every one.
    #[serde(default)]
    pub examples: Vec<String>,
    /// The shapes a code may take, tried in order.
    pub forms: Vec<Form>,
    /// Remarks shown with an explanation (what is unconfirmed, what to watch).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Standard {
    pub(super) fn is_icd(&self) -> bool {
        self.case.as_deref() == Some("icd")
    }
    /// A standard with only free-length forms is never guessed from a code.
    pub(super) fn is_guessable(&self) -> bool {
        self.forms
            .iter()
            .any(|f| f.segments.iter().all(|s| s.repeat.is_none()))
    }
}

#[derive(Deserialize)]
struct Table {
    standards: Vec<Standard>,
}

impl Standards {
    /// The table shipped in `data/`, compiled into the binary so it works anywhere.
    pub fn builtin() -> &'static Standards {
        static S: OnceLock<Standards> = OnceLock::new();
        S.get_or_init(|| {
            let mut s =
                Standards::from_json(BUILTIN_TABLE).expect("data/code_standards.json is valid");
            for (name, csv, k, v, only) in dicts::BUILTIN {
                s.dicts
                    .insert(name.to_string(), dicts::parse(csv, *k, *v, *only));
            }
            s
        })
    }

    /// A table from its JSON text, without dictionaries (for tests and
    /// corrected tables).
    pub fn from_json(json: &str) -> Result<Standards, serde_json::Error> {
        let t: Table = serde_json::from_str(json)?;
        Ok(Standards {
            list: t.standards,
            dicts: HashMap::new(),
        })
    }

    /// Every standard, in table order.
    pub fn all(&self) -> &[Standard] {
        &self.list
    }

    /// A standard by id.
    pub fn get(&self, id: &str) -> Option<&Standard> {
        self.list.iter().find(|s| s.id == id)
    }
}
