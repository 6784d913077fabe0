//! What a version label may be. Labels are shown in listings and reports and
//! name reject files, so they are short, visible text on one line. One rule
//! for `mulu import --label` and `POST /v1/import`.

/// Longest label, in characters.
pub const MAX_LABEL_CHARS: usize = 100;

/// Why a label was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// Empty or only whitespace.
    #[error("版本标签不能为空 (the version label is empty or only whitespace)")]
    Empty,
    /// Over [`MAX_LABEL_CHARS`] characters.
    #[error("版本标签过长：{0} 个字符，最多 {MAX_LABEL_CHARS} 个 (the version label has {0} characters; at most {MAX_LABEL_CHARS})")]
    TooLong(usize),
    /// Holds a control or bidirectional-override character (a line break, U+202E).
    #[error("版本标签含不可见或控制字符 U+{0:04X} (the version label holds the control or direction character U+{0:04X})")]
    Invisible(u32),
}

/// Characters that reorder or hide text: a label holding one can read as another.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width and direction marks
            | '\u{202A}'..='\u{202E}' // embeddings and overrides
            | '\u{2066}'..='\u{2069}' // isolates
            | '\u{FEFF}')
}

/// Check a label and return it trimmed: 1–100 characters, no control,
/// zero-width or direction-override characters.
pub fn validate_label(label: &str) -> Result<String, LabelError> {
    let t = label.trim();
    if t.is_empty() {
        return Err(LabelError::Empty);
    }
    if let Some(c) = t.chars().find(|c| is_invisible(*c)) {
        return Err(LabelError::Invisible(c as u32));
    }
    let n = t.chars().count();
    if n > MAX_LABEL_CHARS {
        return Err(LabelError::TooLong(n));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_labels_the_http_side_refuses_are_refused() {
        assert_eq!(validate_label(""), Err(LabelError::Empty));
        assert_eq!(validate_label("   "), Err(LabelError::Empty));
        assert_eq!(
            validate_label("line1\nline2"),
            Err(LabelError::Invisible(0x0A))
        );
        assert_eq!(
            validate_label("2026\u{202E}10"),
            Err(LabelError::Invisible(0x202E))
        );
        assert_eq!(
            validate_label(&"x".repeat(5000)),
            Err(LabelError::TooLong(5000))
        );
        assert_eq!(
            validate_label(" 2026-01 国家版 ").unwrap(),
            "2026-01 国家版"
        );
        assert!(validate_label(&"药".repeat(100)).is_ok());
        assert!(
            validate_label("../../etc/passwd").is_ok(),
            "only ever looked up"
        );
    }
}
