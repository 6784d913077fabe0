//! Bounds on what one input may make the importer hold or do. Each limit has a
//! safe default and a name (`max_cell_bytes`, …) that errors quote; the CLI
//! maps the name to its flag (`--max-cell-bytes`).

use std::time::Duration;

/// Every bound the readers and the import enforce. `Limits::default()` is
/// safe for untrusted input (HTTP uploads) and roomy for real catalogues.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Columns in a row (xlsx: a cell right of XFD is refused). Excel's own maximum.
    pub max_columns: usize,
    /// Sheet rows (xlsx): a row numbered above this is refused. Excel's own maximum.
    pub max_rows: u64,
    /// Bytes in one cell, after decoding.
    pub max_cell_bytes: usize,
    /// Bytes in one record: a CSV record (all its lines), a text line, an XML
    /// record element, a JSON array element or JSON line.
    pub max_record_bytes: usize,
    /// Lines one CSV record may span (a quoted field with line breaks);
    /// longer ones are rejected, as an unterminated quote would make them.
    pub max_record_lines: u64,
    /// Cells in one record.
    pub max_cells_per_record: usize,
    /// Distinct field names in an XML or JSON source (its header width).
    pub max_field_names: usize,
    /// Rejected rows kept in memory for the report; the rest are only
    /// counted (and streamed to the reject CSV when one is written).
    pub max_rejects_kept: usize,
    /// Bytes a 13xx ZIP member may unpack to.
    pub max_unpacked_bytes: u64,
    /// Unpacked/packed size ratio of a 13xx ZIP member (checked once the
    /// member passes 64 MiB: small files compress well legitimately).
    pub max_unpack_ratio: u64,
    /// Bytes a URL download may bring.
    pub max_download_bytes: u64,
    /// Overall time a URL download may take.
    pub max_download_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_columns: 16_384,
            max_rows: 1_048_576,
            max_cell_bytes: 128 * 1024,
            max_record_bytes: 1024 * 1024,
            max_record_lines: 16,
            max_cells_per_record: 16_384,
            max_field_names: 10_000,
            max_rejects_kept: 1_000,
            max_unpacked_bytes: 4 * 1024 * 1024 * 1024,
            max_unpack_ratio: 100,
            max_download_bytes: 2 * 1024 * 1024 * 1024,
            max_download_time: Duration::from_secs(600),
        }
    }
}

/// The unpacked size below which the ratio check does not apply.
pub(crate) const RATIO_FLOOR: u64 = 64 * 1024 * 1024;

/// A limit that was reached: its name, its configured value and what was met.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitHit {
    /// The limit's field name in [`Limits`] (`max_cell_bytes`).
    pub limit: &'static str,
    /// The configured value.
    pub value: u64,
    /// What the input had (a size, a count, a column reference), for the message.
    pub found: String,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} 超出限制 {} = {} (limit {} = {} reached)",
            self.found, self.limit, self.value, self.limit, self.value
        )
    }
}

/// Marker text the readers put in an I/O error raised by a byte budget, so
/// the error can be told from a real read failure and named as a limit.
pub(crate) const BUDGET_MARK: &str = "mulu-limit:";

/// Join `items` for a message, at most `max_items` of them and about
/// `max_chars` characters in all, saying how many were left out: a header
/// of a million columns must not become a megabyte of error text.
pub fn brief_list<S: AsRef<str>>(items: &[S], max_items: usize, max_chars: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for it in items {
        if shown == max_items || out.chars().count() >= max_chars {
            break;
        }
        if shown > 0 {
            out.push_str(", ");
        }
        let s = it.as_ref();
        let room = 60;
        if s.chars().count() > room {
            out.extend(s.chars().take(room));
            out.push('…');
        } else {
            out.push_str(s);
        }
        shown += 1;
    }
    if shown < items.len() {
        out.push_str(&format!(" … (+{} more)", items.len() - shown));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_list_bounds_a_huge_header() {
        let many: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
        let s = brief_list(&many, 20, 400);
        assert!(s.len() < 600, "{}", s.len());
        assert!(s.starts_with("c0, c1"));
        assert!(s.ends_with("(+99980 more)"), "{s}");
        let long = vec!["\0".repeat(1_000_000)];
        assert!(brief_list(&long, 20, 400).len() < 200);
        assert_eq!(brief_list(&["a", "b"], 20, 400), "a, b");
    }
}
