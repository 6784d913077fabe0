//! Text folding for comparison, on top of catalog_core::normalize.

use catalog_core::normalize::clean_text;

/// OpenCC's traditional → simplified conversion, built once; `None` only if
/// its shipped dictionaries failed to load (then names are not converted).
fn t2s() -> Option<&'static ferrous_opencc::OpenCC> {
    static T2S: std::sync::OnceLock<Option<ferrous_opencc::OpenCC>> = std::sync::OnceLock::new();
    T2S.get_or_init(|| {
        ferrous_opencc::OpenCC::from_config(ferrous_opencc::config::BuiltinConfig::T2s).ok()
    })
    .as_ref()
}

/// Half-width, lower-case ASCII, one kind of bracket, no surrounding space,
/// simplified characters: `【阿莫西林】` and `(阿莫西林)` fold the same way, and
/// so do `抗體測定` and `抗体测定` (HIS dictionaries keyed in Taiwan or Hong
/// Kong editions, or by OCR, hold traditional forms).
pub fn fold(s: &str) -> String {
    let cleaned = clean_text(s);
    let simplified = match t2s() {
        Some(cc) if cleaned.chars().any(is_cjk) => cc.convert(&cleaned),
        _ => cleaned,
    };
    simplified
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

/// A billing unit as compared (`每项` and `项`, `人次` and `次` bill the same
/// way): trimmed, a leading `每` dropped when something follows it. Borrowed,
/// because it runs on every scored candidate.
pub fn billing_unit(u: &str) -> &str {
    let u = u.trim();
    let u = match u.strip_prefix('每') {
        Some(rest) if !rest.is_empty() => rest,
        _ => u,
    };
    if u == "人次" {
        "次"
    } else {
        u
    }
}

/// True when the text has nothing a name could be made of.
pub fn is_blank(s: &str) -> bool {
    key(s).is_empty()
}

#[cfg(test)]
mod tests {
    #[test]
    fn billing_units_fold_every_and_per_person() {
        assert_eq!(super::billing_unit(" 每项"), "项");
        assert_eq!(super::billing_unit("人次"), "次");
        assert_eq!(super::billing_unit("每"), "每");
        assert_eq!(super::billing_unit("每个视野"), "个视野");
        assert_ne!(super::billing_unit("床日"), super::billing_unit("日"));
    }

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

    #[test]
    fn traditional_characters_fold_to_simplified() {
        assert_eq!(key("抗心磷脂抗體測定"), key("抗心磷脂抗体测定"));
        assert_eq!(key("阿莫西林膠囊"), "阿莫西林胶囊");
        // Simplified text is left as it is.
        assert_eq!(key("头孢曲松钠注射液"), "头孢曲松钠注射液");
    }
}
