//! Terminal plumbing every command shares: columns padded by display width
//! (a CJK character takes two cells), and a closed stdout (`mulu … | head`)
//! treated as the reader's choice, not an error.

use unicode_width::UnicodeWidthStr;

/// `s` left-aligned in `width` terminal cells (`format!("{:<w$}")` counts
/// chars, so Chinese columns drifted by one cell per character). Longer text
/// is kept whole: a name is never cut.
pub fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    let mut out = String::with_capacity(s.len() + width.saturating_sub(w));
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

/// True when `e` (or a cause) is a write to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` panics when the reader went away ("failed printing to stdout:
/// Broken pipe"); that panic becomes a quiet exit 0, every other panic keeps
/// the default report.
pub fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") || msg.contains("os error 32") {
            std::process::exit(0);
        }
        default(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_latin_columns_line_up_by_cells() {
        let a = format!("{}|", pad("阿莫西林胶囊", 14));
        let b = format!("{}|", pad("Y001", 14));
        assert_eq!(UnicodeWidthStr::width(a.as_str()), 15);
        assert_eq!(UnicodeWidthStr::width(b.as_str()), 15);
        assert_eq!(pad("超长的名称不会被截断", 4), "超长的名称不会被截断");
    }

    #[test]
    fn every_cli_message_has_chinese_and_english() {
        assert_eq!(crate::LOCALE.incomplete(), Vec::<String>::new());
    }

    #[test]
    fn a_closed_pipe_is_recognised_through_context() {
        let e = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
            .context("printing");
        assert!(is_broken_pipe(&e));
        assert!(!is_broken_pipe(&anyhow::anyhow!(
            "Broken pipe in a message"
        )));
    }
}
