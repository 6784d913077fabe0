//! Manufacturer normalisation: `珠海联邦制药股份有限公司中山分公司` and the
//! clerk's `联邦制药` should meet. Strips branch suffixes, legal forms,
//! region prefixes and (for the similarity core) industry words.

use super::text::{fold, is_cjk};
use crate::synonyms::TABLES;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Legal forms and fillers of Latin-script maker names, dropped before look-up.
const LATIN_FILLERS: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "co",
    "corp",
    "corporation",
    "company",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "s",
    "a",
    "llc",
    "plc",
    "kk",
    "bv",
    "nv",
    "spa",
    "srl",
    "ab",
    "as",
    "oy",
    "pty",
    "se",
    "sas",
    "and",
    "the",
    "of",
];

/// The words of a Latin-script maker name: lower case, split at anything
/// not a letter or digit, legal forms and fillers dropped.
fn latin_words(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LATIN_FILLERS.contains(w))
        .map(String::from)
        .collect()
}

/// English names of data/synonyms/manufacturer_english.csv, keyed by their
/// words joined, with how many words the name has.
static ENGLISH: LazyLock<HashMap<String, (String, usize)>> = LazyLock::new(|| {
    TABLES
        .mfr_english
        .iter()
        .map(|(e, c)| {
            let w = latin_words(e);
            (w.concat(), (c.clone(), w.len()))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
});

/// Words that say what part or place of a company this is, not which
/// company: after a one-word name (`Medtronic Ireland`, `Cook Medical`) they
/// keep it that company, where any other word (`Zimmer MedizinSysteme`) may
/// make it another one.
const COMPANY_PART_WORDS: &[&str] = &[
    "medical",
    "medizintechnik",
    "healthcare",
    "health",
    "pharma",
    "pharmaceutical",
    "pharmaceuticals",
    "international",
    "holdings",
    "group",
    "global",
    "products",
    "technologies",
    "technology",
    "devices",
    "diagnostics",
    "surgical",
    "sales",
    "trading",
    "manufacturing",
    "operations",
    "china",
    "shanghai",
    "beijing",
    "hongkong",
    "hk",
    "usa",
    "us",
    "america",
    "ireland",
    "germany",
    "deutschland",
    "japan",
    "france",
    "uk",
    "switzerland",
    "europe",
    "asia",
    "pacific",
    "singapore",
    "puerto",
    "rico",
];

/// The Chinese name a Latin-script maker registers under, when the table
/// knows it: the longest leading run of its words that is a known name
/// (`Boston Scientific International S.A.` → 波士顿科学). A one-word name
/// counts only when the words after it name a part or place of a company.
pub fn english_maker(s: &str) -> Option<&'static str> {
    if s.chars().any(is_cjk) || !s.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let words = latin_words(s);
    (1..=words.len().min(6)).rev().find_map(|n| {
        let (zh, len) = ENGLISH.get(&words[..n].concat())?;
        let rest_is_part = words[n..]
            .iter()
            .all(|w| COMPANY_PART_WORDS.contains(&w.as_str()));
        (*len >= 2 || rest_is_part).then_some(zh.as_str())
    })
}

/// The maker column as a name the HIS cut short (`江西济` of 江西济宁生物制药,
/// or a region alone, `黑龙江`), to be looked up as a prefix of full
/// catalogue names: at least `min` characters and not ending in a legal form
/// (`…有限公司` is a whole name, which a prefix of another maker's name must
/// not stand for: that would lift the conflict of a different maker).
pub fn cut_short(maker: &str, min: usize) -> Option<String> {
    let h = maker.trim();
    let whole = TABLES.mfr_suffixes.iter().any(|s| h.ends_with(s.as_str()));
    (h.chars().count() >= min && !whole).then(|| h.to_string())
}

/// The legal-suffix-free name: `浙江华海药业股份有限公司` → `华海药业`.
pub fn normalize(s: &str) -> String {
    let t = &*TABLES;
    if let Some(zh) = english_maker(s) {
        return zh.to_string();
    }
    let mut n: String = fold(s).chars().filter(|c| !c.is_whitespace()).collect();
    // Branch: keep the parent (`…有限公司中山分公司` → `…有限公司`).
    if let Some(pos) = n.find("分公司").or_else(|| n.find("分厂")) {
        let head = &n[..pos];
        if let Some(end) = head.rfind("公司") {
            n = head[..end + "公司".len()].to_string();
        }
    }
    n = without_legal_form(n);
    n = n.replace("(集团)", "").replace("集团", "");
    for _ in 0..2 {
        for r in &t.mfr_regions {
            if let Some(rest) = n.strip_prefix(r.as_str()) {
                if rest.chars().count() >= 2 {
                    n = rest.to_string();
                    break;
                }
            }
        }
    }
    let n = n.trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    // A place alone (`黑龙江`, a maker column cut short) names no maker.
    if t.mfr_regions.contains(&n) {
        return String::new();
    }
    match t.mfr_aliases.get(&n.to_lowercase()) {
        Some(c) => c.clone(),
        None => n,
    }
}

/// The identity core for similarity: normalised, minus industry words.
pub fn core(s: &str) -> String {
    let mut n = normalize(s);
    for w in &TABLES.mfr_words {
        if n.chars().count() > w.chars().count() + 1 {
            n = n.replace(w.as_str(), "");
        }
    }
    n
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// How two manufacturers compare.
pub enum MfrCmp {
    /// The same maker: equal cores, or one core inside the other.
    Same,
    /// Probably the same maker: most character pairs of the cores shared.
    Similar,
    /// Different makers.
    Different,
    /// At least one side has no maker.
    Missing,
}

fn bigrams(s: &str) -> Vec<(char, char)> {
    let c: Vec<char> = s.chars().collect();
    c.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Compare two manufacturer names by their cores: equal or contained → Same;
/// most character pairs shared → Similar.
pub fn compare(a: &str, b: &str) -> MfrCmp {
    compare_cores(&core(a), &core(b))
}

/// [`compare`] on cores computed beforehand (the matcher keeps them per row).
pub fn compare_cores(x: &str, y: &str) -> MfrCmp {
    if x.is_empty() || y.is_empty() {
        return MfrCmp::Missing;
    }
    if x == y {
        return MfrCmp::Same;
    }
    let (short, long) = if x.chars().count() <= y.chars().count() {
        (x, y)
    } else {
        (y, x)
    };
    if short.chars().count() >= 2 && long.contains(short) {
        return MfrCmp::Same;
    }
    let (bx, by) = (bigrams(x), bigrams(y));
    if bx.is_empty() || by.is_empty() {
        return MfrCmp::Different;
    }
    let shared = bx.iter().filter(|g| by.contains(g)).count();
    let dice = 2.0 * shared as f64 / (bx.len() + by.len()) as f64;
    // Abbreviations keep the first characters (`浙震元` for 浙江震元).
    let abbrev = short.chars().count() >= 2
        && short.chars().all(|c| long.contains(c))
        && short.chars().next() == long.chars().next();
    if dice >= 0.5 || abbrev {
        MfrCmp::Similar
    } else {
        MfrCmp::Different
    }
}

/// A maker name with brackets, spaces and `集团` dropped (`湖北汇泽生化制药(集团)
/// 有限公司` → `湖北汇泽生化制药有限公司`): how "the words the HIS wrote"
/// are looked for inside a registered name.
fn unbracketed(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !"()（）[]【】".contains(*c))
        .collect();
    t.replace("集团", "")
}

/// The words of a maker the HIS wrote, to be found inside a registered name:
/// folded, unbracketed, legal form dropped (`山西科诺药业有限责任公司` →
/// `山西科诺药业`, which 山西科诺药业有限公司 contains).
pub fn written(s: &str) -> String {
    without_legal_form(unbracketed(&fold(s)))
}

/// The name without its legal-form suffixes. They can stack
/// (`(集团)股份有限公司`): stripped until nothing changes, never to nothing.
fn without_legal_form(mut n: String) -> String {
    loop {
        let before = n.len();
        for suf in &TABLES.mfr_suffixes {
            if let Some(rest) = n.strip_suffix(suf.as_str()) {
                if !rest.is_empty() {
                    n = rest.to_string();
                }
            }
        }
        if n.len() == before {
            return n;
        }
    }
}

/// The province a maker's name starts in (`杭州…` → 浙江), if it starts with a
/// region of the table.
pub fn province(s: &str) -> Option<&'static str> {
    let t = &*TABLES;
    let s = s.trim_start();
    let r = t.mfr_regions.iter().find(|r| s.starts_with(r.as_str()))?;
    t.mfr_provinces.get(r).map(String::as_str)
}

/// How a maker the HIS wrote meets a row's maker whose cores compare
/// [`MfrCmp::Same`]. Many makers share a brand word (`科邦` of 浙江科邦华药业
/// and 重庆科邦生物制药): the words the clerk typed decide between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameGrade {
    /// The clerk's words, legal form aside, stand inside the registered name.
    Written,
    /// Equal cores, or one a character longer.
    Core,
    /// One core inside one longer by two characters or more (`费森尤斯` in
    /// `费森尤斯卡比`): perhaps another maker of the same group or brand.
    Contained,
    /// The two names start in different provinces: two makers.
    OtherProvince,
}

/// Grade a Same-core pair: `written`, `core` and `province` of the clerk's
/// maker (see [`written`], [`core`], [`province`]) against the row's
/// registered maker and its core.
pub fn grade_same(
    written: &str,
    core: &str,
    province_written: Option<&str>,
    row_maker: &str,
    row_core: &str,
) -> SameGrade {
    if let (Some(a), Some(b)) = (province_written, province(row_maker)) {
        if a != b {
            return SameGrade::OtherProvince;
        }
    }
    if written.chars().count() >= 2 && unbracketed(row_maker).contains(written) {
        return SameGrade::Written;
    }
    if core != row_core && core.chars().count().abs_diff(row_core.chars().count()) >= 2 {
        SameGrade::Contained
    } else {
        SameGrade::Core
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_legal_region_and_branch() {
        assert_eq!(normalize("珠海联邦制药股份有限公司中山分公司"), "联邦制药");
        assert_eq!(normalize("浙江华海药业股份有限公司"), "华海药业");
        assert_eq!(normalize("石药集团欧意药业有限公司"), "石药欧意药业");
        assert_eq!(normalize("华北制药(集团)有限责任公司"), "华北制药");
        assert_eq!(normalize("北京诺华制药有限公司"), "诺华制药");
        assert_eq!(normalize("上海"), "");
        assert_eq!(compare("黑龙江", "黑龙江泰光制药厂"), MfrCmp::Missing);
    }

    #[test]
    fn a_maker_cut_short_is_no_whole_name() {
        let cut = |m: &str| cut_short(m, 3);
        assert_eq!(cut("江西济").as_deref(), Some("江西济"));
        // A region alone says where the maker is (it names no maker: its core is empty).
        assert_eq!(cut(" 黑龙江").as_deref(), Some("黑龙江"));
        assert_eq!(core("黑龙江"), "");
        assert_eq!(cut("上海医药有限公司"), None);
        assert_eq!(cut("恒瑞"), None);
    }

    #[test]
    fn english_names_of_large_makers_meet_their_chinese_registrations() {
        assert_eq!(
            english_maker("Boston Scientific International S.A."),
            Some("波士顿科学")
        );
        assert_eq!(english_maker("B. Braun Melsungen AG"), Some("贝朗"));
        assert_eq!(
            english_maker("JOHNSON & JOHNSON MEDICAL (CHINA) LTD."),
            Some("强生")
        );
        assert_eq!(english_maker("Medtronic, Inc."), Some("美敦力"));
        assert_eq!(english_maker("Unknown Devices Ltd"), None);
        // A one-word name followed by a word of its own is another company.
        assert_eq!(english_maker("Medtronic Ireland"), Some("美敦力"));
        assert_eq!(english_maker("Zimmer MedizinSysteme GmbH"), None);
        assert_eq!(english_maker("Zimmer Inc."), Some("捷迈"));
        // `Braun` alone is also the household maker (博朗): not in the table.
        assert_eq!(english_maker("Braun GmbH"), None);
        assert_eq!(english_maker("美敦力"), None);
        assert_eq!(
            compare("Stryker", "史赛克（北京）医疗器械有限公司"),
            MfrCmp::Same
        );
        assert_eq!(compare("Medtronic Inc.", "美敦力公司"), MfrCmp::Same);
        assert_eq!(compare("Stryker", "美敦力公司"), MfrCmp::Different);
        // Either side may be the English one.
        assert_eq!(
            compare("波士顿科学国际有限公司", "BOSTON SCIENTIFIC CORPORATION"),
            MfrCmp::Same
        );
    }

    #[test]
    fn grades_makers_sharing_a_brand_word() {
        let g = |clerk: &str, row: &str| {
            grade_same(
                &written(clerk),
                &core(clerk),
                province(clerk),
                row,
                &core(row),
            )
        };
        assert_eq!(
            compare("浙江科邦", "重庆科邦生物制药(集团)股份有限公司"),
            MfrCmp::Same
        );
        assert_eq!(g("浙江科邦", "浙江科邦华药业有限公司"), SameGrade::Written);
        assert_eq!(
            g("浙江科邦", "重庆科邦生物制药(集团)股份有限公司"),
            SameGrade::OtherProvince
        );
        // A city lies in its province.
        assert_eq!(g("杭州德隆", "浙江德隆医药有限公司"), SameGrade::Core);
        assert_eq!(province("杭州德隆医药"), Some("浙江"));
        // Legal forms and 集团 aside, the clerk's words inside the name.
        assert_eq!(
            g("山西科诺药业有限责任公司", "山西科诺药业有限公司"),
            SameGrade::Written
        );
        assert_eq!(
            g("湖北汇泽生化制药集团", "湖北汇泽生化制药(集团)有限公司"),
            SameGrade::Written
        );
        assert_eq!(
            g("德欣药业", "河北德欣药业股份有限公司"),
            SameGrade::Written
        );
        assert_eq!(g("德欣药业", "福建德欣制药厂有限责任公司"), SameGrade::Core);
        // A core two characters short of the row's may be another maker.
        assert_eq!(
            g("费森尤斯医药", "费森尤斯卡比医药有限公司"),
            SameGrade::Contained
        );
        // Full-width and traditional spellings of the clerk fold first.
        assert_eq!(
            g("德欣藥業", "河北德欣药业股份有限公司"),
            SameGrade::Written
        );
    }

    #[test]
    fn compares_abbreviations() {
        assert_eq!(
            compare("联邦制药", "珠海联邦制药股份有限公司中山分公司"),
            MfrCmp::Same
        );
        assert_eq!(compare("广东南国", "广东南国药业有限公司"), MfrCmp::Same);
        assert_eq!(compare("浙震元", "浙江震元制药有限公司"), MfrCmp::Same);
        assert_eq!(
            compare("华海药业", "浙江华海药业股份有限公司"),
            MfrCmp::Same
        );
        assert_eq!(
            compare("扬子江药业集团有限公司", "浙江华海药业股份有限公司"),
            MfrCmp::Different
        );
        assert_eq!(compare("", "华海"), MfrCmp::Missing);
    }
}
