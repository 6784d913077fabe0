//! The search index of one catalogue version: a tantivy index (names analysed
//! with jieba and with character bigrams, pinyin initials, exact keys) plus
//! the rows' comparable features (`records.json`), kept under
//! `<home>/index/<version id>-<checksum prefix>/` and rebuilt only when absent
//! or built by an older schema.

use crate::record::Record;
use crate::row::{Interner, Row, RowsSeed};
use anyhow::{Context, Result};
use catalog_core::{Entry, Store, VersionInfo};
use rayon::prelude::*;
use serde::de::DeserializeSeed;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query as TQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, TextAnalyzer, TokenStream};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

/// Bump when the fields or the features change, so old indexes are rebuilt.
pub const SCHEMA_VERSION: u32 = 9;
/// Rows turned into records (in parallel) and indexed per batch while building.
const BUILD_BATCH: usize = 8_192;

#[derive(Clone, Debug, Serialize, Deserialize)]
/// What an index was built from: schema, version, rows, build time (`meta.json`).
pub struct IndexMeta {
    /// The [`SCHEMA_VERSION`] it was built by.
    pub schema: u32,
    /// The catalogue version indexed.
    pub version: VersionInfo,
    /// Rows indexed.
    pub rows: u64,
    /// Seconds the build took.
    pub build_seconds: f64,
}

/// Weight of a maker bigram or spec term against a name token: enough to
/// order the rows of one name by maker and strength, too little to lift a
/// row whose name shares less.
const SIDE_FIELD_BOOST: f32 = 0.5;

/// What [`CatalogIndex::text_search`] looks for.
#[derive(Clone, Debug, Default)]
pub struct TextQuery<'a> {
    /// The name (or what stands for it).
    pub name: &'a str,
    /// Typed pinyin initials.
    pub initials: Option<&'a str>,
    /// The maker's core name.
    pub maker: &'a str,
    /// Spec terms ([`crate::record::spec_terms`]).
    pub spec: Vec<String>,
}

struct Fields {
    ord: Field,
    code: Field,
    name_jieba: Field,
    name_bigram: Field,
    pinyin: Field,
    maker_bigram: Field,
    spec_terms: Field,
    approval: Field,
    standard_code: Field,
    registration: Field,
    price_code: Field,
    icd: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |tok: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tok)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let f = Fields {
        ord: b.add_u64_field("ord", FAST | STORED),
        code: b.add_text_field("code", STRING | STORED),
        name_jieba: b.add_text_field("name_jieba", text("jieba")),
        name_bigram: b.add_text_field("name_bigram", text("bigram")),
        pinyin: b.add_text_field("pinyin", STRING),
        maker_bigram: b.add_text_field("maker_bigram", text("bigram")),
        spec_terms: b.add_text_field("spec_terms", STRING),
        approval: b.add_text_field("approval", STRING),
        standard_code: b.add_text_field("standard_code", STRING),
        registration: b.add_text_field("registration", STRING),
        price_code: b.add_text_field("price_code", STRING),
        icd: b.add_text_field("icd", STRING),
    };
    (b.build(), f)
}

pub(crate) fn register_tokenizers(index: &Index) -> Result<()> {
    index.tokenizers().register(
        "jieba",
        TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
            .filter(LowerCaser)
            .build(),
    );
    let ngram =
        NgramTokenizer::new(2, 2, false).map_err(|e| anyhow::anyhow!("bigram tokenizer: {e}"))?;
    index.tokenizers().register(
        "bigram",
        TextAnalyzer::builder(ngram).filter(LowerCaser).build(),
    );
    Ok(())
}

/// Where the index of a version lives.
pub fn dir_for(home: &Path, v: &VersionInfo) -> PathBuf {
    let prefix: String = v.checksum.chars().take(12).collect();
    home.join("index").join(format!("{}-{}", v.id, prefix))
}

/// The metadata of the index in `dir`, if it has any.
pub fn read_meta(dir: &Path) -> Option<IndexMeta> {
    let text = std::fs::read_to_string(dir.join("meta.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// True if `dir` holds a complete index of this version built by this schema.
pub fn is_fresh(dir: &Path, v: &VersionInfo) -> bool {
    read_meta(dir).is_some_and(|m| {
        m.schema == SCHEMA_VERSION && m.version.id == v.id && m.version.checksum == v.checksum
    })
}

/// Build the index of `version` into `dir` (replacing whatever was there).
/// `progress(done, total)` is called as rows are indexed.
pub fn build(
    store: &Store,
    version: &VersionInfo,
    dir: &Path,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<IndexMeta> {
    let started = std::time::Instant::now();
    let total = version.row_count;
    // Build next to the target and rename, so a crash never leaves a half index that looks fresh.
    let parent = dir.parent().context("index directory has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = parent.join(format!(".building-{}-{}", version.id, std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(tmp.join("tantivy"))?;
    let (schema, f) = schema();
    let index = Index::create_in_dir(tmp.join("tantivy"), schema)?;
    register_tokenizers(&index)?;
    // One indexing thread: with several, which rows share a segment depends
    // on thread timing, and two builds of one version then ranked some text
    // hits differently (the e2e `reproducible` test failed 3 runs in 10).
    // Records are still computed on all cores.
    let mut writer: tantivy::IndexWriter<TantivyDocument> =
        index.writer_with_num_threads(1, 128_000_000)?;
    let mut json = std::io::BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(tmp.join("records.json"))?,
    );
    json.write_all(b"[")?;
    // Rows stream from the store in batches: a million-row catalogue is
    // never held whole, neither as entries nor as records.
    let mut batch: Vec<Entry> = Vec::with_capacity(BUILD_BATCH);
    let mut done: u64 = 0;
    let mut failed: Option<anyhow::Error> = None;
    let mut flush = |batch: &mut Vec<Entry>, done: &mut u64| -> Result<()> {
        let records: Vec<Record> = batch.par_iter().map(Record::from_entry).collect();
        batch.clear();
        for r in &records {
            let i = *done;
            let mut d = doc!(f.ord => i, f.code => r.code.clone(), f.pinyin => r.pinyin.clone());
            let st = r.search_text();
            d.add_text(f.name_jieba, &st);
            d.add_text(f.name_bigram, &st);
            // Devices are found by their model key and their large blocks
            // refined by maker and spec (`block.rs`); the matcher asks the
            // side fields only of the other kinds (`Matcher::text_candidates`).
            if r.category != Some(catalog_core::Category::Consumable) {
                let mut maker = r.mfr_core.clone();
                if let Some(h) = &r.holder_core {
                    maker.push(' ');
                    maker.push_str(h);
                }
                d.add_text(f.maker_bigram, &maker);
                for t in crate::record::spec_terms(&r.spec) {
                    d.add_text(f.spec_terms, &t);
                }
            }
            for (field, v) in [
                (f.approval, &r.approval_key),
                (f.standard_code, &r.standard_code),
                (f.registration, &r.registration_no),
                (f.price_code, &r.price_code),
            ] {
                if let Some(v) = v {
                    d.add_text(field, v);
                }
            }
            for k in &r.icd_keys {
                d.add_text(f.icd, k);
            }
            writer.add_document(d)?;
            if i > 0 {
                json.write_all(b",")?;
            }
            serde_json::to_writer(&mut json, r)?;
            *done += 1;
        }
        progress(*done, total);
        Ok(())
    };
    store
        .for_each_entry(version.id, |e| {
            if failed.is_some() {
                return;
            }
            batch.push(e);
            if batch.len() >= BUILD_BATCH {
                if let Err(e) = flush(&mut batch, &mut done) {
                    failed = Some(e);
                }
            }
        })
        .with_context(|| format!("reading version {}", version.label))?;
    if let Some(e) = failed {
        return Err(e);
    }
    flush(&mut batch, &mut done)?;
    json.write_all(b"]")?;
    json.flush()?;
    drop(json);
    writer.commit()?;
    writer.wait_merging_threads()?;
    let total = done;
    let meta = IndexMeta {
        schema: SCHEMA_VERSION,
        version: version.clone(),
        rows: total,
        build_seconds: started.elapsed().as_secs_f64(),
    };
    std::fs::write(tmp.join("meta.json"), serde_json::to_vec_pretty(&meta)?)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("removing stale index {}", dir.display()))?;
    }
    std::fs::rename(&tmp, dir)
        .with_context(|| format!("moving the new index to {}", dir.display()))?;
    progress(total, total);
    Ok(meta)
}

/// An opened index: tantivy for text candidates, the records for scoring.
pub struct CatalogIndex {
    /// What the index was built from.
    pub meta: IndexMeta,
    /// The rows in their compact form, by ordinal.
    pub records: Vec<Row>,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// doc id → record ordinal, per segment.
    ords: Vec<Vec<u32>>,
}

/// A catalogue version whose search index has not been built (or was
/// removed). Callers that know how to build one say so (the CLI names
/// `mulu index`; the HTTP service loads it at start).
#[derive(Debug, thiserror::Error)]
#[error("no search index in {}: it has not been built for this version", .dir.display())]
pub struct NoIndex {
    /// The directory that holds no index.
    pub dir: std::path::PathBuf,
}

impl CatalogIndex {
    /// Open the index in `dir` (built by [`build`]).
    pub fn open(dir: &Path) -> Result<CatalogIndex> {
        let meta = read_meta(dir).ok_or_else(|| NoIndex {
            dir: dir.to_path_buf(),
        })?;
        // Streamed: the file (hundreds of MB for a national list) is never
        // held next to the records it decodes to.
        let path = dir.join("records.json");
        let file =
            std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
        let mut records: Vec<Row> = Vec::with_capacity(meta.rows as usize);
        let mut interner = Interner::default();
        let mut de =
            serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 20, file));
        RowsSeed {
            rows: &mut records,
            interner: &mut interner,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .with_context(|| format!("reading {}", path.display()))?;
        drop(interner);
        records.shrink_to_fit();
        let index = Index::open_in_dir(dir.join("tantivy"))?;
        register_tokenizers(&index)?;
        let (_, fields) = schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let mut ords = Vec::new();
        for seg in searcher.segment_readers() {
            let col = seg.fast_fields().u64("ord")?;
            let v: Vec<u32> = (0..seg.max_doc())
                .map(|d| col.first(d).unwrap_or(0) as u32)
                .collect();
            ords.push(v);
        }
        Ok(CatalogIndex {
            meta,
            records,
            index,
            reader,
            fields,
            ords,
        })
    }

    /// Open the index of a version under `home`, building it first if absent or stale.
    pub fn ensure(
        store: &Store,
        version: &VersionInfo,
        home: &Path,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<(CatalogIndex, bool)> {
        let dir = dir_for(home, version);
        let built = if is_fresh(&dir, version) {
            false
        } else {
            build(store, version, &dir, progress)?;
            true
        };
        Ok((CatalogIndex::open(&dir)?, built))
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

    /// Record ordinals of the best BM25 hits for a name (jieba words and
    /// character bigrams both queried) or typed pinyin initials. When more
    /// rows than `limit` hold the name equally well, those of the item's
    /// maker and spec come first. Best first; equal scores by row ordinal.
    pub fn text_search(&self, q: &TextQuery, limit: usize) -> Vec<(u32, f32)> {
        let term = |field: Field, t: &str, opt| -> Box<dyn TQuery> {
            Box::new(TermQuery::new(Term::from_field_text(field, t), opt))
        };
        let mut name: Vec<(Occur, Box<dyn TQuery>)> = Vec::new();
        // Cap the query so a 10 kB name stays a cheap query.
        let text: String = q.name.chars().take(64).collect();
        for field in [self.fields.name_bigram, self.fields.name_jieba] {
            for t in self.tokens(field, &text).into_iter().take(40) {
                name.push((Occur::Should, term(field, &t, IndexRecordOption::WithFreqs)));
            }
        }
        if let Some(p) = q.initials {
            name.push((
                Occur::Should,
                term(self.fields.pinyin, p, IndexRecordOption::Basic),
            ));
        }
        if name.is_empty() {
            return Vec::new();
        }
        // The name alone first: a flat disjunction of terms, which tantivy
        // answers by block-max WAND without scoring every matching row.
        let by_name = BooleanQuery::new(name);
        let hits = self.run(&by_name, limit);
        // Only when the hits are one tie (more rows hold the name equally
        // well than were asked for, so the row order chose them) do maker
        // and spec decide which come back. That query scores every row the
        // name matches, so it is kept for this case.
        let one_tie = hits.len() >= limit
            && hits
                .first()
                .zip(hits.last())
                .is_some_and(|(a, b)| a.1 == b.1);
        if !one_tie {
            return hits;
        }
        // The name must match: maker and spec only order the rows it finds,
        // so they never bring in another product of the same maker.
        let mut clauses: Vec<(Occur, Box<dyn TQuery>)> = vec![(Occur::Must, Box::new(by_name))];
        let maker: String = q.maker.chars().take(32).collect();
        let mut others: Vec<Box<dyn TQuery>> = Vec::new();
        for t in self
            .tokens(self.fields.maker_bigram, &maker)
            .into_iter()
            .take(16)
        {
            others.push(term(
                self.fields.maker_bigram,
                &t,
                IndexRecordOption::WithFreqs,
            ));
        }
        for t in q.spec.iter().take(16) {
            others.push(term(self.fields.spec_terms, t, IndexRecordOption::Basic));
        }
        if others.is_empty() {
            return hits;
        }
        for o in others {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(o, SIDE_FIELD_BOOST)),
            ));
        }
        self.run(&BooleanQuery::new(clauses), limit)
    }

    /// The best `limit` rows of a query, best first, equal scores by row.
    fn run(&self, q: &dyn TQuery, limit: usize) -> Vec<(u32, f32)> {
        let searcher = self.reader.searcher();
        let Ok(hits) = searcher.search(q, &TopDocs::with_limit(limit.max(1)).order_by_score())
        else {
            return Vec::new();
        };
        let mut out: Vec<(u32, f32)> = hits
            .into_iter()
            .filter_map(|(score, addr)| {
                let ord = *self
                    .ords
                    .get(addr.segment_ord as usize)?
                    .get(addr.doc_id as usize)?;
                Some((ord, score))
            })
            .collect();
        // Equal scores come back in segment order, which differs between two
        // builds of the same version: order them by row instead.
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// Plain BM25 over names, the baseline `mulu eval --baseline` compares against.
    pub fn bm25(&self, text: &str, limit: usize) -> Vec<u32> {
        let q = TextQuery {
            name: text,
            ..TextQuery::default()
        };
        self.text_search(&q, limit)
            .into_iter()
            .map(|(o, _)| o)
            .collect()
    }
}
