//! The keyed merge: walks two code-ordered row streams once.

use super::compare::Comparer;
use super::recode::{find_recodes, BuiltinRecodeScorer, RecodeScorer};
use super::{
    CatalogDiff, Change, ChangeClass, Counts, DiffError, DiffOptions, Side, Summary, SCHEMA,
};
use catalog_core::category::Category;
use catalog_core::entry::Entry;
use std::cmp::Ordering;

/// A code-ordered source of (code, canonical JSON) rows.
pub(crate) trait RowSource {
    /// Move to the next row; false at the end.
    fn advance(&mut self) -> Result<bool, DiffError>;
    fn code(&self) -> &str;
    /// The row's canonical JSON, as bytes: equal rows are recognised without
    /// UTF-8 validation, which matters at a million rows.
    fn data(&self) -> &[u8];
}

/// Rows already in memory, sorted by code (callers sort first).
struct SliceSource<'a> {
    rows: Vec<&'a (String, String)>,
    pos: Option<usize>,
}

impl RowSource for SliceSource<'_> {
    fn advance(&mut self) -> Result<bool, DiffError> {
        let next = self.pos.map_or(0, |p| p + 1);
        self.pos = Some(next);
        Ok(next < self.rows.len())
    }
    fn code(&self) -> &str {
        self.pos
            .and_then(|p| self.rows.get(p))
            .map_or("", |r| r.0.as_str())
    }
    fn data(&self) -> &[u8] {
        self.pos
            .and_then(|p| self.rows.get(p))
            .map_or(&[], |r| r.1.as_bytes())
    }
}

fn sorted<'a>(
    rows: &'a [(String, String)],
    side: &'static str,
) -> Result<Vec<&'a (String, String)>, DiffError> {
    let mut v: Vec<&(String, String)> = rows.iter().collect();
    if !v.windows(2).all(|w| w[0].0 < w[1].0) {
        v.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(w) = v.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(DiffError::Duplicate {
                side,
                code: w[0].0.clone(),
            });
        }
    }
    Ok(v)
}

/// Diff raw (code, canonical JSON) rows, as `Store::raw_entries` returns them.
/// Order does not matter (unsorted input is sorted); duplicate codes are an error.
pub fn diff_raw(
    old: &[(String, String)],
    new: &[(String, String)],
    opts: &DiffOptions,
) -> Result<CatalogDiff, DiffError> {
    diff_raw_with(old, new, opts, &BuiltinRecodeScorer)
}

/// [`diff_raw`] with another re-code scorer.
pub fn diff_raw_with(
    old: &[(String, String)],
    new: &[(String, String)],
    opts: &DiffOptions,
    scorer: &dyn RecodeScorer,
) -> Result<CatalogDiff, DiffError> {
    let mut o = SliceSource {
        rows: sorted(old, "old")?,
        pos: None,
    };
    let mut n = SliceSource {
        rows: sorted(new, "new")?,
        pos: None,
    };
    merge(&mut o, &mut n, opts, scorer)
}

/// Diff two sets of typed rows.
pub fn diff_versions(
    old: &[Entry],
    new: &[Entry],
    opts: &DiffOptions,
) -> Result<CatalogDiff, DiffError> {
    diff_versions_with(old, new, opts, &BuiltinRecodeScorer)
}

/// [`diff_versions`] with another re-code scorer.
pub fn diff_versions_with(
    old: &[Entry],
    new: &[Entry],
    opts: &DiffOptions,
    scorer: &dyn RecodeScorer,
) -> Result<CatalogDiff, DiffError> {
    let raw = |rows: &[Entry]| -> Vec<(String, String)> {
        // Entries always serialise (plain data, string map keys).
        rows.iter()
            .map(|e| (e.code.clone(), serde_json::to_string(e).unwrap_or_default()))
            .collect()
    };
    diff_raw_with(&raw(old), &raw(new), opts, scorer)
}

/// The merge itself; shared by the in-memory and the store-streaming paths.
pub(crate) fn merge(
    o: &mut dyn RowSource,
    n: &mut dyn RowSource,
    opts: &DiffOptions,
    scorer: &dyn RecodeScorer,
) -> Result<CatalogDiff, DiffError> {
    let mut d = Differ::new(opts);
    let (mut ho, mut hn) = (o.advance()?, n.advance()?);
    let (mut prev_o, mut prev_n) = (String::new(), String::new());
    loop {
        let ord = match (ho, hn) {
            (false, false) => break,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (true, true) => o.code().cmp(n.code()),
        };
        if ord != Ordering::Greater {
            check_order(&mut prev_o, o.code(), "old")?;
        }
        if ord != Ordering::Less {
            check_order(&mut prev_n, n.code(), "new")?;
        }
        match ord {
            Ordering::Less => {
                d.only_old(o.code(), o.data())?;
                ho = o.advance()?;
            }
            Ordering::Greater => {
                d.only_new(n.code(), n.data())?;
                hn = n.advance()?;
            }
            Ordering::Equal => {
                d.both(o.code(), o.data(), n.data())?;
                ho = o.advance()?;
                hn = n.advance()?;
            }
        }
    }
    Ok(d.finish(scorer))
}

/// The merge is only right on strictly increasing codes; a source that
/// breaks that (a duplicate) is an error, not a silent miscount.
fn check_order(prev: &mut String, code: &str, side: &'static str) -> Result<(), DiffError> {
    if !prev.is_empty() && code <= prev.as_str() {
        return Err(DiffError::Duplicate {
            side,
            code: code.to_string(),
        });
    }
    prev.clear();
    prev.push_str(code);
    Ok(())
}

fn parse(side: &'static str, code: &str, data: &[u8]) -> Result<Entry, DiffError> {
    serde_json::from_slice(data).map_err(|source| DiffError::Parse {
        side,
        code: code.to_string(),
        source,
    })
}

struct Differ<'a> {
    opts: &'a DiffOptions,
    cmp: Comparer<'a>,
    summary: Summary,
    /// Boxed while collected: a `Change` can hold both rows (~1 KB), and a
    /// growing vector of 100k of them was copied into fresh pages at every
    /// doubling; boxes make growth and the final sort move pointers only.
    #[allow(clippy::vec_box)] // measured: see above
    changes: Vec<Box<Change>>,
    removed: Vec<Entry>,
    added: Vec<Entry>,
    /// Old rows of deactivated codes (with their index in `changes`): re-code sources.
    deactivated: Vec<(usize, Entry)>,
    /// The category of the last row seen: unchanged rows are counted without
    /// being parsed, and a version holds one category.
    last_cat: Option<Category>,
}

impl<'a> Differ<'a> {
    fn new(opts: &'a DiffOptions) -> Self {
        Differ {
            opts,
            cmp: Comparer::new(opts),
            summary: Summary::default(),
            changes: Vec::new(),
            removed: Vec::new(),
            added: Vec::new(),
            deactivated: Vec::new(),
            last_cat: None,
        }
    }

    fn counts(&mut self, c: Category) -> &mut Counts {
        self.last_cat = Some(c);
        self.summary.categories.entry(c).or_default()
    }

    fn only_old(&mut self, code: &str, data: &[u8]) -> Result<(), DiffError> {
        let e = parse("old", code, data)?;
        self.counts(e.category()).old_rows += 1;
        self.removed.push(e);
        Ok(())
    }

    fn only_new(&mut self, code: &str, data: &[u8]) -> Result<(), DiffError> {
        let e = parse("new", code, data)?;
        self.counts(e.category()).new_rows += 1;
        self.added.push(e);
        Ok(())
    }

    fn both(&mut self, code: &str, old: &[u8], new: &[u8]) -> Result<(), DiffError> {
        if old == new {
            let cat = match self.last_cat {
                Some(c) => c,
                None => parse("old", code, old)?.category(),
            };
            let c = self.counts(cat);
            c.old_rows += 1;
            c.new_rows += 1;
            c.unchanged += 1;
            return Ok(());
        }
        let (a, b) = (parse("old", code, old)?, parse("new", code, new)?);
        let fields = self.cmp.fields(&a, &b);
        let c = self.counts(a.category());
        c.old_rows += 1;
        c.new_rows += 1;
        if fields.is_empty() {
            c.unchanged += 1;
            c.noise_only += 1;
            return Ok(());
        }
        let class = if a.active && !b.active {
            ChangeClass::Deactivated
        } else {
            ChangeClass::Changed
        };
        let keep = self.opts.keep_rows;
        if class == ChangeClass::Deactivated
            && self.opts.detect_recodes
            && self.opts.recode_from_deactivated
        {
            self.deactivated.push((self.changes.len(), a.clone()));
        }
        self.changes.push(Box::new(Change {
            class,
            category: b.category(),
            code: b.code.clone(),
            old_code: None,
            name: b.name.clone(),
            fields,
            recode: None,
            old: keep.then_some(a),
            new: keep.then_some(b),
        }));
        Ok(())
    }

    fn finish(mut self, scorer: &dyn RecodeScorer) -> CatalogDiff {
        let keep = self.opts.keep_rows;
        // Re-code sources: removed rows, and (optionally) rows deactivated now.
        let mut sources: Vec<Entry> = std::mem::take(&mut self.removed);
        let n_removed = sources.len();
        let mut deact_idx = Vec::new();
        for (i, old) in std::mem::take(&mut self.deactivated) {
            sources.push(old);
            deact_idx.push(i);
        }
        let pairs = if self.opts.detect_recodes {
            find_recodes(&sources, &self.added, scorer, self.opts.recode_threshold)
        } else {
            Vec::new()
        };
        let mut src_used = vec![false; sources.len()];
        let mut add_used = vec![false; self.added.len()];
        let mut drop_change = vec![false; self.changes.len()];
        let mut recodes = Vec::new();
        for (si, ai, evidence) in pairs {
            let (Some(old), Some(new)) = (sources.get(si), self.added.get(ai)) else {
                continue;
            };
            src_used[si] = true;
            add_used[ai] = true;
            let still_listed = si >= n_removed;
            if still_listed {
                if let Some(&ci) = deact_idx.get(si - n_removed) {
                    drop_change[ci] = true;
                }
            }
            let mut ev = evidence;
            ev.old_still_listed = still_listed;
            recodes.push(Box::new(Change {
                class: ChangeClass::Recoded,
                category: new.category(),
                code: new.code.clone(),
                old_code: Some(old.code.clone()),
                name: new.name.clone(),
                fields: self.cmp.fields(old, new),
                recode: Some(ev),
                old: keep.then(|| old.clone()),
                new: keep.then(|| new.clone()),
            }));
        }
        let mut changes: Vec<Box<Change>> = self
            .changes
            .into_iter()
            .zip(drop_change)
            .filter(|(_, drop)| !drop)
            .map(|(c, _)| c)
            .collect();
        changes.reserve(recodes.len() + n_removed + self.added.len());
        changes.extend(recodes);
        for (e, used) in sources.into_iter().take(n_removed).zip(src_used) {
            if !used {
                changes.push(Box::new(row_change(ChangeClass::Removed, e, keep, false)));
            }
        }
        for (e, used) in self.added.into_iter().zip(add_used) {
            if !used {
                changes.push(Box::new(row_change(ChangeClass::Added, e, keep, true)));
            }
        }
        let changes = sort_changes(changes);
        let mut summary = self.summary;
        for ch in &changes {
            let cat = summary.categories.entry(ch.category).or_default();
            cat.classes.bump(ch.class);
            for f in &ch.fields {
                *cat.fields.entry(f.field.clone()).or_default() += 1;
            }
        }
        let mut total = Counts::default();
        for c in summary.categories.values() {
            total.old_rows += c.old_rows;
            total.new_rows += c.new_rows;
            total.unchanged += c.unchanged;
            total.noise_only += c.noise_only;
            total.classes.add(&c.classes);
            for (f, n) in &c.fields {
                *total.fields.entry(f.clone()).or_default() += n;
            }
        }
        summary.total = total;
        let side = |rows: u64| Side {
            rows,
            ..Side::default()
        };
        CatalogDiff {
            schema: SCHEMA,
            old: side(summary.total.old_rows),
            new: side(summary.total.new_rows),
            options: self.opts.clone(),
            summary,
            changes,
        }
    }
}

/// Changes grouped by class, in code order, unboxed into a vector sized up
/// front (sorting boxes moves pointers, not the ~1 KB changes).
#[allow(clippy::vec_box)] // the boxes are the point: see `Differ::changes`
fn sort_changes(mut changes: Vec<Box<Change>>) -> Vec<Change> {
    changes.sort_by(|x, y| x.class.cmp(&y.class).then_with(|| x.code.cmp(&y.code)));
    let mut sorted = Vec::with_capacity(changes.len());
    sorted.extend(changes.into_iter().map(|c| *c));
    sorted
}

fn row_change(class: ChangeClass, e: Entry, keep: bool, is_new: bool) -> Change {
    let (old, new) = match (keep, is_new) {
        (false, _) => (None, None),
        (true, true) => (None, Some(e.clone())),
        (true, false) => (Some(e.clone()), None),
    };
    Change {
        class,
        category: e.category(),
        code: e.code,
        old_code: None,
        name: e.name,
        fields: Vec::new(),
        recode: None,
        old,
        new,
    }
}
