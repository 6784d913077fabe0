//! Text normalisation shared by every crate: one place decides what
//! "the same text" means (full-width vs half-width, stray spaces, case).

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// NFKC folds full-width letters, digits and brackets (`ＡＢ１２（）`) to ASCII,
/// subscript digits (`C₁₆`) to plain ones, and the ideographic space to a space.
pub fn fold_width(s: &str) -> String {
    // Most catalogue text (ASCII, CJK ideographs) is already NFKC: the quick
    // check is a table look-up per char, far cheaper than re-composing.
    if s.is_ascii() || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        return s.to_string();
    }
    s.nfkc().collect()
}

/// Trim and collapse runs of whitespace (including NBSP and U+3000) to one space.
pub fn clean_text(s: &str) -> String {
    let folded = fold_width(s);
    let mut out = String::with_capacity(folded.len());
    let mut pending_space = false;
    for ch in folded.chars() {
        if ch.is_whitespace() || ch == '\u{feff}' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(ch);
    }
    out
}

/// Canonical form of a code: half-width, no whitespace at all, upper case.
/// (ICD's lowercase `x` is restored by the code standard that knows where it goes.)
pub fn code(s: &str) -> String {
    fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_spaces() {
        assert_eq!(code(" ｘａ０１ＡＢ "), "XA01AB");
        assert_eq!(code("A00.000 x001"), "A00.000X001");
        assert_eq!(
            clean_text("　阿莫西林胶囊　 0.25g×24粒 "),
            "阿莫西林胶囊 0.25g×24粒"
        );
        assert_eq!(clean_text("（按C₁₆H₁₉N₃O₅S计）"), "(按C16H19N3O5S计)");
        assert_eq!(clean_text(""), "");
    }
}
