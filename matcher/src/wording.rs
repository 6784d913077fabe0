//! How much two wordings of an ICD name share, weighted by how rare each
//! shared word is in the catalogue. The 国家临床版 and the 医保版 word many
//! items differently (`酒精所致的残留性和迟发性精神病性障碍` against
//! `使用酒精引起的残留性和迟发性精神病性障碍`): the edit distance then
//! prefers a row that keeps the template and changes the one word that
//! matters (`咖啡因所致的…`). Weighting words by their rarity (inverse
//! document frequency over the catalogue's names) keeps the word that tells
//! the items apart.

use crate::row::Row;
use std::collections::HashMap;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

/// Word weights of a catalogue and each row's words. Words are numbered
/// once (the scorer compares an item with up to 200 rows, and the rows
/// beside a clear answer with 80 more: string compares were half of a
/// procedure's matching time).
#[derive(Default)]
pub struct Wording {
    /// Each word's number.
    ids: HashMap<Box<str>, u32>,
    /// Each word's weight, by number.
    weight: Vec<f64>,
    /// Rare words' weight for a word the catalogue never uses.
    unseen: f64,
    /// Each row's words (by ordinal), by number, sorted.
    rows: Vec<Box<[u32]>>,
    /// Each row's total weight.
    row_total: Vec<f64>,
    /// The rows of each word (by number), in ordinal order.
    postings: Vec<Vec<u32>>,
    /// Each row's qualifiers ([`qualifiers`]).
    quals: Vec<u64>,
}

/// An item's words as a catalogue's [`Wording`] knows them: each word's
/// number, `None` for a word no row uses, in the words' text order.
#[derive(Clone, Debug, Default)]
pub struct Words(Vec<Option<u32>>);

/// The name without the notes in brackets it ends with, and without
/// trailing spaces and punctuation (`肺结核病史（已治愈）` → `肺结核病史`).
fn without_trailing_notes(mut s: &str) -> &str {
    loop {
        s = s.trim_end_matches(|c: char| c.is_whitespace() || "。，,.;；、".contains(c));
        let open = match s.chars().last() {
            Some(')') => '(',
            Some('）') => '（',
            Some(']') => '[',
            Some('］') => '［',
            Some('】') => '【',
            _ => return s,
        };
        match s.rfind(open) {
            Some(at) => s = &s[..at],
            None => return s,
        }
    }
}

/// The qualifiers of `data/synonyms/icd_qualifiers.csv` a name carries, as
/// bits in the table's order: words that change what the name means
/// (`继发`, `原位`, `史` at the end). Read on the name as written (the
/// normalised key drops the brackets a trailing note sits in).
pub fn qualifiers(name: &str) -> u64 {
    let name = fold_terms(name);
    let end = without_trailing_notes(&name);
    let mut bits = 0u64;
    let table = crate::synonyms::TABLES.icd_qualifiers.iter().take(64);
    for (i, (q, at_end)) in table.enumerate() {
        let hit = if *at_end {
            end.ends_with(q.as_str())
        } else {
            name.match_indices(q.as_str())
                .any(|(at, _)| !name[..at].ends_with('不'))
        };
        if hit {
            bits |= 1 << i;
        }
    }
    bits
}

/// The qualifiers of some bits, in the table's order.
pub fn qualifier_names(bits: u64) -> Vec<&'static str> {
    crate::synonyms::TABLES
        .icd_qualifiers
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, (q, _))| q.as_str())
        .collect()
}

/// The name with each variant term of `data/synonyms/icd_words.csv` in its
/// one spelling (one left-to-right pass, longest variant first at each
/// place, so a replacement is never replaced again).
fn fold_terms(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    'outer: while !rest.is_empty() {
        for (v, c) in crate::synonyms::TABLES.icd_terms.iter() {
            if let Some(after) = rest.strip_prefix(v.as_str()) {
                out.push_str(c);
                rest = after;
                continue 'outer;
            }
        }
        let ch = rest.chars().next().unwrap_or_default();
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new()).build()
}

/// The words of a name: jieba's words, and inside each word its pairs of
/// adjacent characters and its characters (a word jieba cuts differently
/// in the two wordings, `萌出过迟` / `萌出过晚`, still shares them; a
/// one-character word is its character, so `胰` shares it with `胰腺`). Pairs
/// across a word boundary (`烟草|所致` → `草所`) are left out: they tell
/// nothing and weigh as rare.
fn words(a: &mut TextAnalyzer, name: &str) -> Vec<Box<str>> {
    let mut out: Vec<Box<str>> = Vec::new();
    let name = fold_terms(name);
    let mut s = a.token_stream(&name);
    while s.advance() {
        let t = s.token().text.trim();
        if t.is_empty() {
            continue;
        }
        out.push(format!("w:{t}").into());
        let cs: Vec<char> = t.chars().collect();
        for p in cs.windows(2) {
            out.push(format!("b:{}{}", p[0], p[1]).into());
        }
        // A one-character word too: the 医保版's `胰` is the 临床版's `胰腺`.
        for c in &cs {
            out.push(format!("c:{c}").into());
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Weights of the two kinds of difference (chosen on the real diagnoses of
/// chapters B, C, E, F, J and K; judged on chapters N, O, S and the
/// procedures, docs/benchmarks.md).
const ITEM_ONLY: f64 = 0.7;
const ROW_ONLY: f64 = 0.15;
/// Rows weighed exactly per row returned by [`Wording::nearest`].
const NEAREST_POOL: usize = 8;

impl Wording {
    /// The weights over the rows' names (their `base`, as the scorer
    /// compares), and their qualifiers when `qualified` (diagnoses: the
    /// procedures' names use the same words otherwise, `角膜原位磨镶术`).
    pub fn build(records: &[Row], qualified: bool) -> Wording {
        let mut a = analyzer();
        let mut ids: HashMap<Box<str>, u32> = HashMap::new();
        let mut postings: Vec<Vec<u32>> = Vec::new();
        // Each row's words by number, in their text order (the order the
        // totals are summed in, as before the numbering).
        let by_text: Vec<Vec<u32>> = records
            .iter()
            .enumerate()
            .map(|(o, r)| {
                words(&mut a, &r.base)
                    .into_iter()
                    .map(|w| {
                        let next = ids.len() as u32;
                        let id = *ids.entry(w).or_insert(next);
                        if id as usize == postings.len() {
                            postings.push(Vec::new());
                        }
                        postings[id as usize].push(o as u32);
                        id
                    })
                    .collect()
            })
            .collect();
        let quals = if qualified {
            records.iter().map(|r| qualifiers(&r.name)).collect()
        } else {
            Vec::new()
        };
        let n = records.len().max(1) as f64;
        let idf = |d: f64| (1.0 + (n - d + 0.5) / (d + 0.5)).ln();
        let weight: Vec<f64> = postings.iter().map(|p| idf(p.len() as f64)).collect();
        let row_total = by_text
            .iter()
            .map(|ws| ws.iter().map(|&i| weight[i as usize]).sum())
            .collect();
        let rows = by_text
            .into_iter()
            .map(|mut ws| {
                ws.sort_unstable();
                ws.into_boxed_slice()
            })
            .collect();
        Wording {
            ids,
            weight,
            unseen: idf(0.0),
            rows,
            row_total,
            postings,
            quals,
        }
    }

    /// Whether rows' qualifiers are kept ([`build`](Self::build)).
    pub fn qualified(&self) -> bool {
        !self.quals.is_empty()
    }

    /// Row `ord`'s qualifiers ([`qualifiers`]).
    pub fn row_qualifiers(&self, ord: u32) -> u64 {
        self.quals.get(ord as usize).copied().unwrap_or(0)
    }

    /// The `k` rows whose wording is nearest the item's by [`similarity`]
    /// (ties by ordinal), looked up through the rarer words: the reworded
    /// names the text search ranks below the rows sharing a template. Words
    /// that a tenth of the names carry (`的`, `恶性肿瘤`) only add to rows
    /// found by another word.
    ///
    /// [`similarity`]: Self::similarity
    pub fn nearest(&self, item: &Words, k: usize) -> Vec<u32> {
        self.nearest_through(item, k, 10)
    }

    /// [`nearest`](Self::nearest), looked up through the words at most one
    /// name in `rarity` carries, and at least through those of 50 rows or
    /// fewer (the larger `rarity`, the cheaper on a large catalogue).
    pub fn nearest_through(&self, item: &Words, k: usize, rarity: usize) -> Vec<u32> {
        let common = (self.rows.len() / rarity.max(1)).max(50);
        let mut shared: HashMap<u32, f64> = HashMap::new();
        for &id in item.0.iter().flatten() {
            let p = &self.postings[id as usize];
            if p.len() <= common {
                let x = self.weight[id as usize];
                for &o in p {
                    *shared.entry(o).or_default() += x;
                }
            }
        }
        // The best by shared rare weight, then exactly.
        let mut by_shared: Vec<(f64, u32)> = shared.into_iter().map(|(o, x)| (x, o)).collect();
        let order = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        // Only the pool is ordered: a rare word of a large catalogue finds
        // thousands of rows (the same rows as a full sort, in the same order).
        let pool = k * NEAREST_POOL;
        if by_shared.len() > pool && pool > 0 {
            by_shared.select_nth_unstable_by(pool - 1, order);
            by_shared.truncate(pool);
        }
        by_shared.sort_by(order);
        by_shared.truncate(pool);
        let mut by_sim: Vec<(f64, u32)> = by_shared
            .into_iter()
            .map(|(_, o)| (self.similarity(item, o), o))
            .collect();
        by_sim.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        by_sim.into_iter().take(k).map(|(_, o)| o).collect()
    }

    /// The words of an item's name.
    pub fn of(&self, name: &str) -> Words {
        Words(
            words(&mut analyzer(), name)
                .iter()
                .map(|w| self.ids.get(w).copied())
                .collect(),
        )
    }

    /// How much of the item's wording row `ord` carries, 0..1: a weighted
    /// Tversky index of their words (shared / (shared + 0.7 × the item's
    /// words the row lacks + 0.15 × the row's words the item lacks)). The
    /// 医保版 adds words to the 临床版 (`使用…引起的`, `描述为…`), so words
    /// only the row has count for little; the item's words it lacks, much.
    pub fn similarity(&self, item: &Words, ord: u32) -> f64 {
        let Some(row) = self.rows.get(ord as usize) else {
            return 0.0;
        };
        let (mut shared, mut item_only) = (0.0, 0.0);
        for w in &item.0 {
            match w {
                Some(id) if row.binary_search(id).is_ok() => shared += self.weight[*id as usize],
                Some(id) => item_only += self.weight[*id as usize],
                None => item_only += self.unseen,
            }
        }
        let row_total = self.row_total[ord as usize];
        let row_only = (row_total - shared).max(0.0);
        let d = shared + ITEM_ONLY * item_only + ROW_ONLY * row_only;
        if d > 0.0 {
            shared / d
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(names: &[&str]) -> Vec<Row> {
        let mut i = crate::row::Interner::default();
        names
            .iter()
            .map(|n| {
                let r = crate::record::Record {
                    base: n.to_string(),
                    ..Default::default()
                };
                Row::new(&r, &mut i)
            })
            .collect()
    }

    #[test]
    fn the_rare_word_outweighs_the_shared_template() {
        // Many substances share the template; the 临床版 wording keeps the
        // substance and changes the frame.
        let names = [
            "使用酒精引起的残留性和迟发性精神病性障碍",
            "咖啡因所致的残留性和迟发性精神病性障碍",
            "苯丙胺类兴奋剂所致的残留性和迟发性精神病性障碍",
            "烟草所致的遗忘综合征",
            "咖啡因所致的遗忘综合征",
            "可卡因所致的精神病性障碍",
            "大麻类物质所致的遗忘综合征",
            "镇静剂所致的戒断状态",
            "致幻剂所致的依赖综合征",
            "挥发性溶剂所致的急性中毒",
            "酒精性谵妄",
        ];
        let w = Wording::build(&rows(&names), true);
        let item = w.of("酒精所致的残留性和迟发性精神病性障碍");
        let (right, wrong) = (w.similarity(&item, 0), w.similarity(&item, 1));
        assert!(right > wrong, "right {right} wrong {wrong}");
        // The edit distance had it the other way round.
        let osa = |a: &str, b: &str| crate::score::name_similarity(a, b);
        assert!(
            osa("酒精所致的残留性和迟发性精神病性障碍", names[1])
                > osa("酒精所致的残留性和迟发性精神病性障碍", names[0])
        );
    }

    #[test]
    fn nearest_finds_the_reworded_row_by_its_rare_word_first() {
        let mut names: Vec<String> = (0..60).map(|i| format!("第{i}型恶性肿瘤")).collect();
        names.push("子宫瘢痕处妊娠".into());
        names.push("瘢痕".into());
        names.push("妊娠合并贫血".into());
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let w = Wording::build(&rows(&refs), true);
        let got = w.nearest(&w.of("剖宫产瘢痕妊娠"), 2);
        assert_eq!(got[0], 60, "{got:?}");
        assert_eq!(got.len(), 2);
        // The same answer every time (ties by ordinal).
        assert_eq!(got, w.nearest(&w.of("剖宫产瘢痕妊娠"), 2));
        assert!(w.nearest(&w.of("肺结核"), 5).is_empty());
    }

    #[test]
    fn terms_of_one_meaning_fold_to_one_spelling_once() {
        assert_eq!(fold_terms("小涎腺恶性肿瘤"), "小唾液腺恶性肿瘤");
        assert_eq!(fold_terms("沙门氏菌败血症"), "沙门菌脓毒症");
        assert_eq!(
            fold_terms("使用酒精引起的遗忘综合症"),
            "使用酒精所致的遗忘综合征"
        );
        // `癌` becomes 恶性肿瘤 once; the result is not folded again.
        assert_eq!(fold_terms("肺癌"), "肺恶性肿瘤");
        // The 临床版's older spellings of one term (`粘多糖贮积病` in the
        // 医保版 is `黏多糖贮积症`; `高甘油三酯血症` is `高甘油酯血症`).
        assert_eq!(fold_terms("粘多糖贮积病"), fold_terms("黏多糖贮积症"));
        assert_eq!(fold_terms("高甘油三酯血症"), fold_terms("高甘油酯血症"));
        assert_eq!(fold_terms("腰部脂肪增多症"), "腰部脂肪堆积");
        assert_ne!(fold_terms("脂肪过多症"), fold_terms("脂肪堆积"));
        let w = Wording::build(&rows(&["小涎腺恶性肿瘤", "唾液腺恶性肿瘤"]), true);
        assert!((w.similarity(&w.of("小唾液腺恶性肿瘤"), 0) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn identical_words_are_one_and_nothing_shared_is_zero() {
        let w = Wording::build(&rows(&["腹部食管恶性肿瘤", "肺结核"]), true);
        assert!((w.similarity(&w.of("腹部食管恶性肿瘤"), 0) - 1.0).abs() < 1e-9);
        assert_eq!(w.similarity(&w.of("高血压"), 1), 0.0);
        assert_eq!(
            w.similarity(&w.of("肺结核"), 9),
            0.0,
            "an ordinal past the rows"
        );
    }

    #[test]
    fn a_one_character_organ_shares_its_character_with_the_longer_word() {
        // The 医保版 `胰恶性肿瘤` for the 临床版 `胰腺恶性肿瘤`: jieba cuts `胰`
        // alone, and before it counted only as a word, unlike `胃`.
        let w = Wording::build(&rows(&["胰恶性肿瘤", "胃恶性肿瘤", "肝恶性肿瘤"]), true);
        let item = w.of("胰腺恶性肿瘤");
        assert!(w.similarity(&item, 0) > w.similarity(&item, 1));
    }

    #[test]
    fn qualifiers_are_found_where_they_change_the_meaning() {
        let q = |n: &str| qualifier_names(qualifiers(n));
        assert_eq!(q("胰腺继发恶性肿瘤"), ["继发", "恶性"]);
        assert_eq!(q("胰腺癌"), ["恶性"], "癌 is folded first");
        assert!(q("再生不良性贫血").is_empty(), "不良性 is not 良性");
        assert_eq!(q("恶性淋巴瘤个人史"), ["恶性", "史"]);
        assert_eq!(q("肺结核病史（已治愈）"), ["史"], "a note after it");
        assert_eq!(q("手术史(阑尾) "), ["史"]);
        assert!(q("病史(").is_empty(), "an unclosed bracket is no note");
        assert!(
            q("史密斯-莱姆利-奥皮茨综合征").is_empty(),
            "史 only at the end"
        );
        assert_eq!(qualifiers("颅骨交界性肿瘤"), qualifiers("颅骨动态未定肿瘤"));
        assert!(q("伴有谵妄的可卡因戒断状态").contains(&"伴谵妄"));
        let w = Wording::build(&rows(&["胰腺继发恶性肿瘤"]), false);
        assert!(!w.qualified());
        assert_eq!(w.row_qualifiers(0), 0, "procedures keep none");
    }
}
