//! The two simple alternatives every `mulu eval --baseline` report shows beside
//! the matcher, built from the same catalogue rows:
//!
//! - **key + all-fields BM25** ([`Baselines::bm25`]), what an engineer writes
//!   in an afternoon: an exact look-up of the normalised 批准文号 / 本位码 /
//!   注册证号 / 价格项目编码 / code, else BM25 over jieba words and character
//!   bigrams of name + specification (with the package) + dosage form +
//!   manufacturer concatenated; several rows under one key are ordered by
//!   that BM25;
//! - **WRatio** ([`Baselines::fuzzy`]), RapidFuzz's default fuzzy scorer over
//!   the catalogue names, ties inside a name broken by WRatio of the whole row
//!   text.
//!
//! Neither re-ranks on parsed evidence and neither can say "no counterpart":
//! both always return their best rows. The BM25 index lives in memory and is
//! built when the baselines are, so the matcher's own index is not touched.

mod wratio;

pub use wratio::WRatio;

use crate::index::register_tokenizers;
use crate::norm::{keys, text};
use crate::row::Row;
use anyhow::Result;
use catalog_core::HospitalItem;
use rayon::prelude::*;
use std::collections::HashMap;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query as TQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

/// Longest query text analysed (a pasted 10 kB cell stays a cheap query).
const MAX_QUERY_CHARS: usize = 200;
/// Names kept by WRatio before the rows of those names are ranked.
const FUZZY_NAMES: usize = 20;
/// Rows ranked by WRatio of the whole row text per item.
const FUZZY_ROWS: usize = 4_000;

/// The baselines over one catalogue version's rows.
pub struct Baselines<'a> {
    rows: &'a [Row],
    keys: HashMap<String, Vec<u32>>,
    index: Index,
    reader: IndexReader,
    jieba: Field,
    bigram: Field,
    /// Distinct folded names and the rows carrying each.
    names: Vec<(String, Vec<u32>)>,
    /// Character → (name id, occurrences in that name).
    postings: HashMap<char, Vec<(u32, u16)>>,
}

/// The text of a row as the BM25 baseline indexes it (the package is part of
/// the specification a HIS writes, `0.25g*24粒/盒`).
fn row_text(r: &Row) -> String {
    let mut t = String::new();
    for s in [
        Some(&*r.name),
        Some(&*r.spec_text),
        r.pack_spec.as_deref(),
        r.form_text.as_deref(),
        Some(&*r.manufacturer),
    ]
    .into_iter()
    .flatten()
    {
        if !s.is_empty() {
            t.push_str(s);
            t.push(' ');
        }
    }
    t
}

/// The text of a hospital item, the same fields in the same order.
fn item_text(it: &HospitalItem) -> String {
    let mut t = String::new();
    for s in [
        Some(it.name.as_str()),
        it.spec.as_deref(),
        it.dosage_form.as_deref(),
        it.manufacturer.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        if !s.trim().is_empty() {
            t.push_str(s);
            t.push(' ');
        }
    }
    t.chars().take(MAX_QUERY_CHARS).collect()
}

/// The normalised keys of a hospital item, each tagged by kind so that a
/// price code never meets a 批准文号.
fn item_keys(it: &HospitalItem) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |tag: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push(format!("{tag}:{v}"));
        }
    };
    push("a", it.approval_no.as_deref().and_then(keys::approval_key));
    push(
        "s",
        it.standard_code.as_deref().and_then(keys::standard_code),
    );
    push(
        "r",
        it.registration_no
            .as_deref()
            .and_then(keys::registration_no),
    );
    push(
        "p",
        it.price_code
            .as_deref()
            .and_then(keys::price_code)
            .and_then(|p| keys::price_item(&p)),
    );
    if let Some(c) = it.national_code.as_deref() {
        push("c", Some(catalog_core::normalize::code(c)));
        push("i", keys::icd(c));
    }
    out
}

impl<'a> Baselines<'a> {
    /// Build both baselines over `rows` (the matcher's rows, by ordinal).
    pub fn build(rows: &'a [Row]) -> Result<Baselines<'a>> {
        let mut b = Schema::builder();
        let text_opt = |tok: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tok)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let ord = b.add_u64_field("ord", FAST);
        let jieba = b.add_text_field("jieba", text_opt("jieba"));
        let bigram = b.add_text_field("bigram", text_opt("bigram"));
        let index = Index::create_in_ram(b.build());
        register_tokenizers(&index)?;
        let mut writer: tantivy::IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 200_000_000)?;
        let mut keymap: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_name: HashMap<String, u32> = HashMap::new();
        let mut names: Vec<(String, Vec<u32>)> = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            let i = i as u32;
            let t = row_text(r);
            let mut d = TantivyDocument::default();
            d.add_u64(ord, i as u64);
            d.add_text(jieba, &t);
            d.add_text(bigram, &t);
            writer.add_document(d)?;
            let mut key = |tag: &str, v: Option<&str>| {
                if let Some(v) = v.filter(|v| !v.is_empty()) {
                    keymap.entry(format!("{tag}:{v}")).or_default().push(i);
                }
            };
            key("a", r.approval_key.as_deref());
            key("s", r.standard_code.as_deref());
            key("r", r.registration_no.as_deref());
            key("p", r.price_code.as_deref());
            key("c", Some(&r.code));
            for k in r.icd_keys.iter() {
                key("i", Some(k));
            }
            let n = text::fold(&r.name);
            let id = *by_name.entry(n.clone()).or_insert_with(|| {
                names.push((n, Vec::new()));
                (names.len() - 1) as u32
            });
            names[id as usize].1.push(i);
        }
        writer.commit()?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let mut postings: HashMap<char, Vec<(u32, u16)>> = HashMap::new();
        for (id, (n, _)) in names.iter().enumerate() {
            let mut counts: Vec<(char, u16)> = Vec::new();
            for c in n.chars() {
                match counts.iter_mut().find(|(x, _)| *x == c) {
                    Some(e) => e.1 += 1,
                    None => counts.push((c, 1)),
                }
            }
            for (c, k) in counts {
                postings.entry(c).or_default().push((id as u32, k));
            }
        }
        Ok(Baselines {
            rows,
            keys: keymap,
            index,
            reader,
            jieba,
            bigram,
            names,
            postings,
        })
    }

    fn tokens(&self, field: Field, text: &str) -> Vec<String> {
        let Ok(mut an) = self.index.tokenizer_for_field(field) else {
            return Vec::new();
        };
        let mut out: Vec<String> = Vec::new();
        let mut ts = an.token_stream(text);
        while ts.advance() {
            let t = ts.token().text.clone();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    fn bm25_ords(&self, text: &str, limit: usize) -> Vec<u32> {
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        for field in [self.jieba, self.bigram] {
            for t in self.tokens(field, text).into_iter().take(80) {
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, &t),
                        IndexRecordOption::WithFreqs,
                    )),
                ));
            }
        }
        if clauses.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let Ok(hits) = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        ) else {
            return Vec::new();
        };
        let mut out: Vec<(f32, u32)> = hits
            .into_iter()
            .filter_map(|(s, addr)| {
                let seg = searcher.segment_reader(addr.segment_ord);
                let col = seg.fast_fields().u64("ord").ok()?;
                Some((s, col.first(addr.doc_id)? as u32))
            })
            .collect();
        out.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        out.into_iter().map(|(_, o)| o).collect()
    }

    /// Key look-up, else all-fields BM25: the best `top` national codes.
    pub fn bm25(&self, it: &HospitalItem, top: usize) -> Vec<String> {
        let text = item_text(it);
        let ranked = self.bm25_ords(&text, top.max(100));
        let mut keyed: Vec<u32> = Vec::new();
        for k in item_keys(it) {
            if let Some(v) = self.keys.get(&k) {
                keyed.extend(v);
            }
        }
        keyed.sort_unstable();
        keyed.dedup();
        // Rows holding the key first (in BM25 order where BM25 found them),
        // then the text hits.
        let mut out: Vec<u32> = ranked
            .iter()
            .filter(|o| keyed.binary_search(o).is_ok())
            .copied()
            .collect();
        for o in &keyed {
            if !out.contains(o) {
                out.push(*o);
            }
        }
        for o in ranked {
            if !out.contains(&o) {
                out.push(o);
            }
        }
        out.truncate(top);
        self.codes(&out)
    }

    fn codes(&self, ords: &[u32]) -> Vec<String> {
        ords.iter()
            .filter_map(|&o| self.rows.get(o as usize))
            .map(|r| r.code.to_string())
            .collect()
    }

    /// WRatio over the catalogue names, then over the rows of the best names
    /// by WRatio of the whole row text: the best `top` national codes.
    pub fn fuzzy(&self, it: &HospitalItem, top: usize) -> Vec<String> {
        let name: String = text::fold(&it.name).chars().take(MAX_QUERY_CHARS).collect();
        let w = WRatio::new(&name);
        if w.is_empty() {
            return Vec::new();
        }
        // Shared characters bound every WRatio component from above
        // (common / shorter length), so names are tried best bound first and
        // the scan stops once no remaining name can enter the top list.
        let mut common: HashMap<u32, u32> = HashMap::new();
        let mut q: Vec<(char, u16)> = Vec::new();
        for c in name.chars() {
            match q.iter_mut().find(|(x, _)| *x == c) {
                Some(e) => e.1 += 1,
                None => q.push((c, 1)),
            }
        }
        for (c, k) in &q {
            for &(id, n) in self.postings.get(c).map(Vec::as_slice).unwrap_or(&[]) {
                *common.entry(id).or_default() += (*k).min(n) as u32;
            }
        }
        let mut bounds: Vec<(f64, u32)> = common
            .into_iter()
            .map(|(id, c)| {
                let len = self.names[id as usize]
                    .0
                    .chars()
                    .count()
                    .min(w.len())
                    .max(1);
                (100.0 * c as f64 / len as f64, id)
            })
            .collect();
        bounds.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut best: Vec<(f64, u32)> = Vec::new();
        for (bound, id) in bounds {
            if best.len() >= FUZZY_NAMES && bound < best[FUZZY_NAMES - 1].0 {
                break;
            }
            let s = w.score(&self.names[id as usize].0);
            best.push((s, id));
            best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            best.truncate(FUZZY_NAMES);
        }
        let whole = WRatio::new(&text::fold(&item_text(it)));
        let mut rows: Vec<(f64, f64, u32)> = Vec::new();
        for (s, id) in best {
            for &o in &self.names[id as usize].1 {
                if rows.len() >= FUZZY_ROWS {
                    break;
                }
                let r = &self.rows[o as usize];
                rows.push((s, whole.score(&text::fold(&row_text(r))), o));
            }
        }
        rows.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(b.1.total_cmp(&a.1))
                .then(a.2.cmp(&b.2))
        });
        let ords: Vec<u32> = rows.into_iter().take(top).map(|x| x.2).collect();
        self.codes(&ords)
    }

    /// Both baselines for many items on all cores, in input order:
    /// (BM25 codes, WRatio codes) per item.
    pub fn run_batch(
        &self,
        items: &[HospitalItem],
        top: usize,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Vec<(Vec<String>, Vec<String>)> {
        items
            .par_iter()
            .map(|it| {
                let r = (self.bm25(it, top), self.fuzzy(it, top));
                progress(1);
                r
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;
    use crate::row::Interner;
    use catalog_core::{Category, Detail, Entry, FieldValue};

    fn rows() -> Vec<Row> {
        let drug = |code: &str, name: &str, spec: &str, maker: &str, approval: &str| {
            let mut d = Detail::empty(Category::Drug);
            for (k, v) in [
                ("generic_name", name),
                ("spec", spec),
                ("manufacturer", maker),
                ("approval_no", approval),
            ] {
                d.set(k, FieldValue::Text(v.into()));
            }
            Entry::new(code, name, d)
        };
        let mut i = Interner::default();
        [
            drug(
                "A1",
                "阿莫西林胶囊",
                "0.25g",
                "珠海联邦制药股份有限公司",
                "国药准字H44021351",
            ),
            drug(
                "A2",
                "阿莫西林胶囊",
                "0.5g",
                "石药集团中诺药业有限公司",
                "国药准字H13023964",
            ),
            drug(
                "B1",
                "头孢克肟片",
                "0.1g",
                "广州白云山制药股份有限公司",
                "国药准字H20030615",
            ),
        ]
        .iter()
        .map(|e| Row::new(&Record::from_entry(e), &mut i))
        .collect()
    }

    #[test]
    fn a_key_wins_over_the_text() {
        let rows = rows();
        let b = Baselines::build(&rows).unwrap();
        // The name says 阿莫西林 0.25g, the (lower-case, spaced) 批准文号 says the 0.5g row.
        let it = HospitalItem {
            name: "阿莫西林胶囊 0.25g".into(),
            approval_no: Some("国药准字 h13023964".into()),
            ..HospitalItem::default()
        };
        assert_eq!(b.bm25(&it, 3)[0], "A2");
        let no_key = HospitalItem {
            approval_no: None,
            manufacturer: Some("石药集团".into()),
            ..it
        };
        // Without the key the manufacturer's words decide among the two 阿莫西林 rows.
        assert_eq!(b.bm25(&no_key, 3)[0], "A2");
        assert_eq!(b.bm25(&no_key, 3).len(), 3);
    }

    #[test]
    fn fuzzy_survives_a_typo_and_ranks_rows_of_the_best_name() {
        let rows = rows();
        let b = Baselines::build(&rows).unwrap();
        let it = HospitalItem {
            name: "头孢克污片".into(),
            ..HospitalItem::default()
        };
        assert_eq!(b.fuzzy(&it, 5)[0], "B1");
        let it = HospitalItem {
            name: "阿莫西林胶囊".into(),
            spec: Some("0.5g".into()),
            manufacturer: Some("石药集团中诺药业有限公司".into()),
            ..HospitalItem::default()
        };
        let got = b.fuzzy(&it, 5);
        assert_eq!(got[..2], ["A2".to_string(), "A1".to_string()]);
        assert!(b.fuzzy(&HospitalItem::default(), 5).is_empty());
    }
}
