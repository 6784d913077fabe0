//! Text folding for comparison, on top of catalog_core::normalize.

use catalog_core::normalize::clean_text;

/// Half-width, lower-case ASCII, one kind of bracket, no surrounding space.
/// `【阿莫西林】` and `(阿莫西林)` fold the same way.
pub fn fold(s: &str) -> String {
    clean_text(s)
        .chars()
        .map(|c| match c {
            '【' | '[' | '{' | '〔' | '〖' => '(',
            '】' | ']' | '}' | '〕' | '〗' => ')',
            '×' | '╳' | '✕' => '*',
            'µ' => 'μ',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The comparison key of a name: folded, with whitespace and punctuation
/// removed (letters, digits, CJK and roman numerals stay).
pub fn key(s: &str) -> String {
    fold(s)
        .chars()
        .filter(|c| c.is_alphanumeric() || is_roman(*c))
        .collect()
}

/// A roman numeral character (Ⅰ, Ⅱ, …).
pub fn is_roman(c: char) -> bool {
    ('\u{2160}'..='\u{217f}').contains(&c)
}

/// A CJK ideograph (basic block or extension A).
pub fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// True when the text has nothing a name could be made of.
pub fn is_blank(s: &str) -> bool {
    key(s).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_brackets_width_and_case() {
        assert_eq!(fold("　阿莫西林【ＡＢ】×２ "), "阿莫西林(ab)*2");
        assert_eq!(key("阿莫西林 胶囊（0.25g）"), "阿莫西林胶囊025g");
        // NFKC turns Ⅱ into II, so both spellings meet.
        assert_eq!(key("复方氨基酸(18AA-Ⅱ)"), key("复方氨基酸(18aa-II)"));
        assert!(is_blank("，。、——()"));
        assert!(!is_blank("a"));
    }
}
