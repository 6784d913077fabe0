//! Clinical shorthand in HIS diagnosis and procedure names (`冠心病`,
//! `慢阻肺`, `肺Ca`, `COPD`), written out as the 医保版 spells the term
//! (`data/synonyms/icd_abbreviations.csv`). The matcher scores the written-out
//! name beside the name as typed and keeps the better answer
//! (`Matcher::match_item`): the catalogue itself uses some shorthand
//! (`乙肝后肝硬化`), so neither reading is always right.

use catalog_core::Category;

/// One entry of the table: the shorthand, what it stands for (`None` for a
/// protected word, left as written) and the kinds it is used in.
#[derive(Clone, Debug)]
pub struct Abbreviation {
    /// The shorthand, folded (lower-case Latin).
    pub short: String,
    /// The term it stands for; `None` protects a longer word (`脑梗塞`).
    pub full: Option<String>,
    /// Used in diagnosis names.
    pub diagnosis: bool,
    /// Used in procedure names.
    pub procedure: bool,
}

/// The table's rows, `abbreviation,expansion,kind`: CJK entries longest
/// first (one left-to-right pass takes the longest at each place), Latin
/// entries matched as whole runs of letters and digits.
pub fn parse(text: &str) -> Vec<Abbreviation> {
    let mut out: Vec<Abbreviation> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            let [short, full, kind] = f.as_slice() else {
                return None;
            };
            (!short.is_empty()).then(|| Abbreviation {
                short: short.to_lowercase(),
                full: (!full.is_empty()).then(|| full.to_string()),
                diagnosis: kind.contains("diagnosis"),
                procedure: kind.contains("procedure"),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.short
            .chars()
            .count()
            .cmp(&a.short.chars().count())
            .then(a.short.cmp(&b.short))
    });
    out
}

fn used_in(a: &Abbreviation, kind: Category) -> bool {
    match kind {
        Category::Diagnosis => a.diagnosis,
        Category::Procedure => a.procedure,
        _ => false,
    }
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// The folded name (`norm::text::fold`) with its shorthand written out, and
/// the pairs replaced; `None` when the name holds none. A Latin shorthand is
/// a whole run of letters and digits (`ca` in `肺ca`, not in `ca199升高`); a
/// CJK one is left alone where the text already goes on as its expansion
/// (`脑梗死` stays, `肾衰竭` stays).
pub fn expand(folded: &str, kind: Category) -> Option<(String, Vec<(String, String)>)> {
    let table = &crate::synonyms::TABLES.icd_abbreviations;
    let mut out = String::with_capacity(folded.len() * 2);
    let mut used: Vec<(String, String)> = Vec::new();
    let mut rest = folded;
    'outer: while let Some(c) = rest.chars().next() {
        if is_latin(c) {
            let run_len = rest.find(|c: char| !is_latin(c)).unwrap_or(rest.len());
            let run = &rest[..run_len];
            let hit = table
                .iter()
                .find(|a| used_in(a, kind) && a.short == run)
                .and_then(|a| a.full.as_ref());
            match hit {
                Some(full) => {
                    out.push_str(full);
                    used.push((run.to_string(), full.clone()));
                }
                None => out.push_str(run),
            }
            rest = &rest[run_len..];
            continue;
        }
        for a in table.iter().filter(|a| used_in(a, kind)) {
            if a.short.starts_with(is_latin) {
                continue;
            }
            let Some(after) = rest.strip_prefix(a.short.as_str()) else {
                continue;
            };
            match &a.full {
                Some(full) if !rest.starts_with(full.as_str()) => {
                    out.push_str(full);
                    used.push((a.short.clone(), full.clone()));
                }
                // A protected word, or the expansion already written out.
                _ => out.push_str(&a.short),
            }
            rest = after;
            continue 'outer;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (!used.is_empty()).then_some((out, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dx(s: &str) -> Option<String> {
        expand(&crate::norm::text::fold(s), Category::Diagnosis).map(|(s, _)| s)
    }

    #[test]
    fn shorthand_is_written_out_as_the_insurance_edition_spells_it() {
        assert_eq!(dx("冠心病").as_deref(), Some("冠状动脉粥样硬化性心脏病"));
        assert_eq!(dx("肺Ca").as_deref(), Some("肺恶性肿瘤"));
        assert_eq!(dx("右肺CA术后").as_deref(), Some("右肺恶性肿瘤术后"));
        assert_eq!(
            dx("慢阻肺急性加重").as_deref(),
            Some("慢性阻塞性肺病急性加重")
        );
        assert_eq!(dx("2型DM").as_deref(), Some("2型糖尿病"));
        assert_eq!(dx("T2DM").as_deref(), Some("2型糖尿病"));
        assert_eq!(dx("慢性肾衰").as_deref(), Some("慢性肾衰竭"));
        assert_eq!(dx("乙肝病毒携带者").as_deref(), Some("乙型肝炎病毒携带者"));
        // `心房早搏` is 房早 with its 搏 kept: the longer shorthand first.
        assert_eq!(dx("心房早搏").as_deref(), Some("心房性期前收缩"));
        assert_eq!(dx("频发室早").as_deref(), Some("频发室性期前收缩"));
    }

    #[test]
    fn words_that_only_look_like_shorthand_stay() {
        // A tumour marker, a Latin word, an eponym.
        assert_eq!(dx("CA199升高"), None);
        assert_eq!(dx("Castleman病"), None);
        assert_eq!(dx("ANCA相关性肾炎"), None);
        // The expansion already written out, or a protected word.
        assert_eq!(dx("脑梗死"), None);
        assert_eq!(dx("急性肾衰竭"), None);
        assert_eq!(dx("多发脑梗塞"), None);
        assert_eq!(dx("高血压"), None);
        // Diagnosis shorthand means nothing in a procedure name.
        assert_eq!(
            expand(&crate::norm::text::fold("冠心病"), Category::Procedure),
            None
        );
        assert_eq!(expand("冠心病", Category::Drug), None);
    }

    #[test]
    fn the_pairs_replaced_are_reported() {
        let (_, used) = expand("肺ca伴copd", Category::Diagnosis).unwrap();
        assert_eq!(
            used,
            vec![
                ("ca".to_string(), "恶性肿瘤".to_string()),
                ("copd".to_string(), "慢性阻塞性肺病".to_string())
            ]
        );
    }
}
