//! Catalogue names that sound like an item's name: the clerk typed the
//! right pinyin and took a wrong character from the input method, once or
//! several times (`阿模昔林胶囊` for 阿莫西林胶囊). A one-slip search finds one
//! wrong character; this finds any number, as long as each sounds right.

use crate::norm::pinyin::sound;
use crate::row::Text;
use std::collections::HashMap;

/// Names of fewer characters are left alone: two short names that sound
/// alike are as often two products as a typing slip.
const MIN_CHARS: usize = 4;

/// Distinct catalogue names by their sound. Ids are positions in the sorted
/// name list it was built from, so look-ups are the same on every build.
#[derive(Default)]
pub struct SoundNames {
    names: Vec<Text>,
    by_sound: HashMap<Box<str>, Vec<u32>>,
}

impl SoundNames {
    /// Index `sorted` (distinct names in order).
    pub fn build(sorted: &[Text]) -> SoundNames {
        let mut s = SoundNames::default();
        for n in sorted {
            if n.chars().count() < MIN_CHARS {
                continue;
            }
            if let Some(k) = sound(n) {
                let id = s.names.len() as u32;
                s.names.push(n.clone());
                s.by_sound.entry(k.into()).or_default().push(id);
            }
        }
        s
    }

    /// Up to `max` catalogue names that sound like `name` (never `name`
    /// itself), in name order.
    pub fn like(&self, name: &str, max: usize) -> Vec<&str> {
        if name.chars().count() < MIN_CHARS {
            return Vec::new();
        }
        let Some(k) = sound(name) else {
            return Vec::new();
        };
        self.by_sound
            .get(k.as_str())
            .into_iter()
            .flatten()
            .map(|&id| &*self.names[id as usize])
            .filter(|n| *n != name)
            .take(max)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_sound_alike_are_found_however_many_characters_differ() {
        let mut v: Vec<Text> = ["阿莫西林胶囊", "阿莫西林片", "维C片", "维西片"]
            .iter()
            .map(|n| Text::from(*n))
            .collect();
        v.sort_unstable();
        let ix = SoundNames::build(&v);
        assert_eq!(ix.like("阿模昔林胶囊", 5), vec!["阿莫西林胶囊"]);
        assert_eq!(ix.like("啊模昔淋胶囊", 5), vec!["阿莫西林胶囊"]);
        assert!(ix.like("阿莫西林胶囊", 5).is_empty(), "the name itself");
        assert!(ix.like("阿莫西林颗粒", 5).is_empty(), "another sound");
        assert!(
            ix.like("维希片", 5).is_empty(),
            "short names are left alone"
        );
    }
}
