//! The matcher's in-memory form of a catalogue row: the same features as
//! [`Record`], with every text shared through one interner (a national
//! consumable list repeats its names, makers, units and sizes hundreds of
//! thousands of times) and lists as boxed slices. A million-row matcher
//! then holds one copy of each distinct text instead of one per row.

use crate::norm::spec::Spec;
use crate::record::Record;
use catalog_core::Category;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use std::collections::HashSet;
use std::sync::Arc;

/// A shared, immutable text.
pub type Text = Arc<str>;

/// One catalogue row as the matcher scores it (see [`Record`] for the fields).
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct Row {
    pub code: Text,
    pub name: Text,
    pub category: Option<Category>,
    pub active: bool,
    pub names: Box<[Text]>,
    pub base: Text,
    pub form: Option<Text>,
    pub form_text: Option<Text>,
    pub spec: Spec,
    pub spec_text: Text,
    pub pack_spec: Option<Text>,
    pub manufacturer: Text,
    pub mfr_core: Text,
    pub holder_core: Option<Text>,
    pub trade_name: Option<Text>,
    pub approval_no: Option<Text>,
    pub approval_key: Option<Text>,
    pub standard_code: Option<Text>,
    pub registration_no: Option<Text>,
    pub price_code: Option<Text>,
    pub icd_keys: Box<[Text]>,
    pub unit: Option<Text>,
    pub content: Option<Text>,
    pub exclusions: Option<Text>,
    pub pinyin: Text,
    pub spec_tokens: Box<[Text]>,
}

/// Hands out one shared copy per distinct text.
#[derive(Default)]
pub struct Interner {
    set: HashSet<Text>,
}

impl Interner {
    /// The shared copy of `s`.
    pub fn get(&mut self, s: &str) -> Text {
        if let Some(t) = self.set.get(s) {
            return t.clone();
        }
        let t: Text = Arc::from(s);
        self.set.insert(t.clone());
        t
    }
    fn opt(&mut self, s: &Option<String>) -> Option<Text> {
        s.as_deref().map(|s| self.get(s))
    }
    fn list(&mut self, v: &[String]) -> Box<[Text]> {
        v.iter().map(|s| self.get(s)).collect()
    }
}

impl Row {
    /// The compact form of a record, its texts shared through `i`.
    pub fn new(r: &Record, i: &mut Interner) -> Row {
        let mut spec = r.spec.clone();
        spec.strengths.shrink_to_fit();
        Row {
            // Codes and spec texts are nearly unique: not worth the interner's table.
            code: Arc::from(r.code.as_str()),
            name: i.get(&r.name),
            category: r.category,
            active: r.active,
            names: i.list(&r.names),
            base: i.get(&r.base),
            form: i.opt(&r.form),
            form_text: i.opt(&r.form_text),
            spec,
            spec_text: Arc::from(r.spec_text.as_str()),
            pack_spec: i.opt(&r.pack_spec),
            manufacturer: i.get(&r.manufacturer),
            mfr_core: i.get(&r.mfr_core),
            holder_core: i.opt(&r.holder_core),
            trade_name: i.opt(&r.trade_name),
            approval_no: r.approval_no.as_deref().map(Arc::from),
            approval_key: r.approval_key.as_deref().map(Arc::from),
            standard_code: r.standard_code.as_deref().map(Arc::from),
            registration_no: i.opt(&r.registration_no),
            price_code: r.price_code.as_deref().map(Arc::from),
            icd_keys: r.icd_keys.iter().map(|s| Arc::from(s.as_str())).collect(),
            unit: i.opt(&r.unit),
            content: i.opt(&r.content),
            exclusions: i.opt(&r.exclusions),
            pinyin: i.get(&r.pinyin),
            spec_tokens: i.list(&r.spec_tokens),
        }
    }

    /// The full record again (for display and the public API).
    pub fn to_record(&self) -> Record {
        let s = |t: &Text| t.to_string();
        let o = |t: &Option<Text>| t.as_deref().map(String::from);
        let l = |v: &[Text]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        Record {
            code: s(&self.code),
            name: s(&self.name),
            category: self.category,
            active: self.active,
            names: l(&self.names),
            base: s(&self.base),
            form: o(&self.form),
            form_text: o(&self.form_text),
            spec: self.spec.clone(),
            spec_text: s(&self.spec_text),
            pack_spec: o(&self.pack_spec),
            manufacturer: s(&self.manufacturer),
            mfr_core: s(&self.mfr_core),
            holder_core: o(&self.holder_core),
            trade_name: o(&self.trade_name),
            approval_no: o(&self.approval_no),
            approval_key: o(&self.approval_key),
            standard_code: o(&self.standard_code),
            registration_no: o(&self.registration_no),
            price_code: o(&self.price_code),
            icd_keys: l(&self.icd_keys),
            unit: o(&self.unit),
            content: o(&self.content),
            exclusions: o(&self.exclusions),
            pinyin: s(&self.pinyin),
            spec_tokens: l(&self.spec_tokens),
        }
    }
}

/// Decodes a JSON array of records straight into rows, one record at a
/// time, so the whole list never exists as records.
pub(crate) struct RowsSeed<'a> {
    pub rows: &'a mut Vec<Row>,
    pub interner: &'a mut Interner,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<Record>()? {
            self.rows.push(Row::new(&r, self.interner));
        }
        Ok(())
    }
}
