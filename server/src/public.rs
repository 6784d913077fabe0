//! What leaves the server must not show where its files live: the home
//! directory, upload names and the paths of CLI-imported files are the
//! operator's business, not the client's. Paths become their file name.

use catalog_core::VersionInfo;
use serde_json::Value;

/// A source as clients see it: URLs as they are, file paths by file name.
pub(crate) fn source(s: &str) -> String {
    if s.contains("://") {
        return s.to_string();
    }
    std::path::Path::new(s)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// A version for an HTTP body.
pub(crate) fn version(v: &VersionInfo) -> VersionInfo {
    VersionInfo {
        source: source(&v.source),
        ..v.clone()
    }
}

/// Every absolute path in a message replaced by its last component.
pub(crate) fn redact_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut prev: Option<char> = None;
    while let Some(ch) = rest.chars().next() {
        let starts_path = ch == '/'
            && prev.is_none_or(|p| {
                p.is_whitespace() || matches!(p, '\'' | '"' | '(' | '[' | '=' | '`')
            });
        if starts_path {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '\'' | '"' | ')' | ']' | ',' | '`')
                })
                .unwrap_or(rest.len());
            let path = &rest[..end];
            // Keep a trailing ':' (as in "file.csv: message") outside the name.
            let (path, colon) = match path.strip_suffix(':') {
                Some(p) => (p, ":"),
                None => (path, ""),
            };
            out.push_str(&source(path));
            out.push_str(colon);
            rest = &rest[end..];
            prev = Some('x');
            continue;
        }
        out.push(ch);
        prev = Some(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

/// `redact_text` on every string of a JSON value, and `from` → `to` first
/// (an upload's server-made name → the name the client knows it by).
pub(crate) fn redact_value(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::String(s) => {
            let replaced = if from.is_empty() {
                s.clone()
            } else {
                s.replace(from, to)
            };
            *s = redact_text(&replaced);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| redact_value(x, from, to)),
        Value::Object(o) => o.values_mut().for_each(|x| redact_value(x, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_become_file_names() {
        assert_eq!(
            redact_text("cannot read /srv/mulu/uploads/upload-1-2.csv: boom"),
            "cannot read upload-1-2.csv: boom"
        );
        assert_eq!(
            redact_text("index in '/h/index/3-abc' failed (/h/x)"),
            "index in '3-abc' failed (x)"
        );
        assert_eq!(redact_text("a/b and 1/2 stay"), "a/b and 1/2 stay");
        assert_eq!(source("http://x/y.csv"), "http://x/y.csv");
        assert_eq!(source("/data/药品.xlsx"), "药品.xlsx");
    }
}
