//! Pinyin initials (助记码) as HIS clerks type them: 阿莫西林胶囊 → AMXLJN.

use pinyin::ToPinyin;

/// Upper-case initials of the CJK characters; ASCII letters and digits kept,
/// everything else dropped.
pub fn initials(s: &str) -> String {
    let mut out = String::new();
    for (c, p) in s.chars().zip(s.to_pinyin()) {
        match p {
            Some(p) => out.push_str(&p.first_letter().to_ascii_uppercase()),
            None if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
            None => {}
        }
    }
    out
}

/// The toneless pinyin of the CJK characters, one syllable each, other
/// characters kept as they are (`阿莫西林` → `a mo xi lin`): what a pinyin
/// input method was given, whichever homophone it then offered. `None` when
/// fewer than two characters have a reading.
pub fn sound(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() * 2);
    let mut read = 0;
    for (c, p) in s.chars().zip(s.to_pinyin()) {
        if !out.is_empty() {
            out.push(' ');
        }
        match p {
            Some(p) => {
                read += 1;
                out.push_str(p.plain());
            }
            None => out.push(c),
        }
    }
    (read >= 2).then_some(out)
}

/// `a` and `b` are the same characters or homophones position by position
/// (each differing pair has one toneless reading), with at least one
/// homophone: what [`sound`] says, without building either string, for the
/// scorer's per-row comparison.
pub fn sounds_alike(a: &str, b: &str) -> bool {
    if a.chars().count() != b.chars().count() {
        return false;
    }
    let mut homophones = 0;
    for ((ca, pa), (cb, pb)) in a
        .chars()
        .zip(a.to_pinyin())
        .zip(b.chars().zip(b.to_pinyin()))
    {
        if ca == cb {
            continue;
        }
        match (pa, pb) {
            (Some(x), Some(y)) if x.plain() == y.plain() => homophones += 1,
            _ => return false,
        }
    }
    homophones > 0
}

/// True if the text looks like typed initials rather than a name (`AMXLJN`).
pub fn looks_like_initials(s: &str) -> bool {
    let t = s.trim();
    // Initials may carry digits (`18FTYPTDC` for 18氟-脱氧葡萄糖…).
    t.len() >= 2
        && t.len() <= 32
        && t.chars().all(|c| c.is_ascii_alphanumeric())
        && t.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_drug_names() {
        assert_eq!(initials("阿莫西林胶囊"), "AMXLJN");
        assert_eq!(initials("维生素B12注射液"), "WSSB12ZSY");
        assert_eq!(initials("(0.9%)"), "09");
        assert_eq!(initials(""), "");
        assert!(looks_like_initials("amxljn"));
        assert!(!looks_like_initials("阿莫西林"));
    }

    #[test]
    fn homophones_sound_alike_and_other_names_do_not() {
        assert_eq!(sound("阿莫西林").as_deref(), Some("a mo xi lin"));
        assert_eq!(sound("阿模昔林"), sound("阿莫西林"));
        assert_ne!(sound("阿莫西林"), sound("阿莫西"));
        assert_ne!(sound("维生素B1"), sound("维生素B2"));
        assert_eq!(sound("片"), None);
        assert!(sounds_alike("阿模昔林", "阿莫西林"));
        assert!(!sounds_alike("阿莫西林", "阿莫西林"), "no homophone");
        assert!(!sounds_alike("阿莫西林", "阿莫西"));
        assert!(!sounds_alike("维生素B1", "维生素B2"));
        assert!(
            !sounds_alike("a莫西林", "阿莫西林"),
            "a letter is no reading"
        );
    }
}
