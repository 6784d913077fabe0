//! Catalogue names one typing slip away from an item's name: one character
//! wrong, missing, extra, or two neighbours swapped (`妇炎清栓` for `妇炎康栓`).
//!
//! A deletion index over the distinct names (each name, and each name with
//! one character left out, points back to it): a slip is found by a handful
//! of hash look-ups, checked with `strsim::osa_distance`. Bigram BM25 misses
//! these on short names, where one slip breaks two of three bigrams.

use crate::row::Text;
use std::collections::HashMap;

/// Names shorter than this are left alone: one slip in three characters is
/// a third of the name, more often another product than a typo.
pub const MIN_CHARS: usize = 4;

/// Three-character names are indexed too, but only for
/// [`NearNames::near_short`]: the last resort for a short name that nothing
/// else finds (`痛丸` for 痛经丸).
const SHORT_CHARS: usize = 3;

/// Names longer than this are not indexed: past it a slip leaves enough
/// bigrams for the full-text search, and the index stays small.
const MAX_CHARS: usize = 24;

/// The deletion index. Name ids are positions in the sorted name list it was
/// built from, so look-ups are the same on every build.
#[derive(Default)]
pub struct NearNames {
    names: Vec<Text>,
    by_variant: HashMap<Box<str>, Vec<u32>>,
}

fn indexed(chars: usize) -> bool {
    (SHORT_CHARS..=MAX_CHARS).contains(&chars)
}

/// The string with character `i` left out.
fn without(chars: &[char], i: usize) -> String {
    chars
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != i)
        .map(|(_, c)| c)
        .collect()
}

impl NearNames {
    /// Index `sorted` (distinct names in order).
    pub fn build(sorted: &[Text]) -> NearNames {
        let mut by_variant: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut names = Vec::new();
        for n in sorted {
            let chars: Vec<char> = n.chars().collect();
            if !indexed(chars.len()) {
                continue;
            }
            let id = names.len() as u32;
            names.push(n.clone());
            by_variant.entry(n.as_ref().into()).or_default().push(id);
            for i in 0..chars.len() {
                let v = by_variant.entry(without(&chars, i).into()).or_default();
                // A doubled character gives the same variant twice.
                if v.last() != Some(&id) {
                    v.push(id);
                }
            }
        }
        NearNames { names, by_variant }
    }

    /// Up to `max` catalogue names exactly one slip from `name` (never
    /// `name` itself), in name order. Both have at least [`MIN_CHARS`].
    pub fn near(&self, name: &str, max: usize) -> Vec<&str> {
        let chars = name.chars().count();
        if !(MIN_CHARS..=MAX_CHARS + 1).contains(&chars) {
            return Vec::new();
        }
        self.lookup(name, max, MIN_CHARS)
    }

    /// For a name of two or three characters that found nothing else: the
    /// catalogue names of three or four one slip from it. Callers score them
    /// as what they are, a different name, so they cannot be "high".
    pub fn near_short(&self, name: &str, max: usize) -> Vec<&str> {
        let chars = name.chars().count();
        if !(SHORT_CHARS - 1..MIN_CHARS).contains(&chars) {
            return Vec::new();
        }
        self.lookup(name, max, SHORT_CHARS)
    }

    fn lookup(&self, name: &str, max: usize, min_chars: usize) -> Vec<&str> {
        let chars: Vec<char> = name.chars().collect();
        let mut ids: Vec<u32> = Vec::new();
        let mut look = |k: &str| {
            if let Some(v) = self.by_variant.get(k) {
                ids.extend_from_slice(v);
            }
        };
        look(name);
        for i in 0..chars.len() {
            look(&without(&chars, i));
        }
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| &*self.names[id as usize])
            .filter(|n| {
                *n != name && n.chars().count() >= min_chars && strsim::osa_distance(n, name) == 1
            })
            .take(max)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> NearNames {
        let mut v: Vec<Text> = names.iter().map(|n| Text::from(*n)).collect();
        v.sort_unstable();
        NearNames::build(&v)
    }

    #[test]
    fn one_slip_of_every_kind_finds_the_name_and_two_do_not() {
        let ix = index(&["妇炎康栓", "阿莫西林胶囊", "小儿止咳糖浆", "头孢克肟片"]);
        assert_eq!(ix.near("妇炎清栓", 5), vec!["妇炎康栓"], "one wrong");
        assert_eq!(
            ix.near("阿莫西胶囊", 5),
            vec!["阿莫西林胶囊"],
            "one missing"
        );
        assert_eq!(
            ix.near("阿莫西林林胶囊", 5),
            vec!["阿莫西林胶囊"],
            "one extra"
        );
        assert_eq!(
            ix.near("小儿止咳浆糖", 5),
            vec!["小儿止咳糖浆"],
            "two swapped"
        );
        assert!(ix.near("阿莫昔啉胶囊", 5).is_empty(), "two wrong");
        assert!(
            ix.near("阿莫西林胶囊", 5).is_empty(),
            "the name itself is no slip"
        );
    }

    #[test]
    fn short_names_are_left_to_the_text_search_and_the_order_is_by_name() {
        let ix = index(&["维C片", "维E片", "复方甘草片", "复方甘草丸", "复方甘草酸"]);
        assert!(ix.near("维D片", 5).is_empty(), "three characters");
        assert_eq!(
            ix.near("复方甘草丹", 5),
            vec!["复方甘草丸", "复方甘草片", "复方甘草酸"]
        );
        assert_eq!(ix.near("复方甘草丹", 2).len(), 2);
    }

    #[test]
    fn a_short_name_reaches_three_and_four_character_names_only_when_asked() {
        let ix = index(&["痛经丸", "灭滴栓", "妇炎康栓", "维C片", "维E片"]);
        assert_eq!(ix.near_short("痛丸", 5), vec!["痛经丸"], "one missing");
        assert_eq!(ix.near_short("灭滴丸", 5), vec!["灭滴栓"], "one wrong");
        assert_eq!(ix.near_short("妇炎栓", 5), vec!["妇炎康栓"]);
        assert_eq!(ix.near_short("维D片", 5), vec!["维C片", "维E片"]);
        assert!(ix.near_short("丸", 5).is_empty(), "one character");
        assert!(
            ix.near_short("妇炎康栓", 5).is_empty(),
            "long names use near"
        );
        assert!(
            ix.near("维C片片", 5).is_empty(),
            "near never offers a three-character name"
        );
    }
}
