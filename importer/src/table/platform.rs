//! 13xx platform download files: a ZIP holding one headerless, TAB-separated
//! `.txt` (or that `.txt` alone). Columns are by position; the layouts are data
//! in `data/layouts_13xx.json`. Later spec versions appended columns, so extra
//! trailing fields are kept under generated names rather than refused.

use super::delimited::{decoded_reader, detect, read_failure, read_sample};
use super::{classify, score, Format, Position, RowItem, Table};
use crate::limits::{Limits, RATIO_FLOOR};
use crate::table::{ReadError, RowError};
use catalog_core::{Category, Standards};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// One 13xx transaction's column layout.
#[derive(Clone, Debug, Deserialize)]
pub struct Layout {
    /// The transaction number ("1301").
    #[serde(skip)]
    pub id: String,
    /// The catalogue kind it carries.
    pub category: Category,
    /// The transaction's name.
    pub name: String,
    /// A line with fewer fields than this is rejected.
    pub min_columns: usize,
    /// Column names by 0-based position.
    pub columns: Vec<String>,
}

#[derive(Deserialize)]
struct LayoutFile {
    layouts: BTreeMap<String, Layout>,
}

/// The known 13xx layouts by transaction number.
pub static LAYOUTS: LazyLock<Vec<Layout>> = LazyLock::new(|| {
    let parsed: Result<LayoutFile, _> =
        serde_json::from_str(include_str!("../../../data/layouts_13xx.json"));
    match parsed {
        Ok(f) => f
            .layouts
            .into_iter()
            .map(|(id, mut l)| {
                l.id = id;
                l
            })
            .collect(),
        // Covered by a unit test; an empty list only disables 13xx reading.
        Err(_) => Vec::new(),
    }
});

fn layout(id: &str) -> Option<&'static Layout> {
    LAYOUTS.iter().find(|l| l.id == id)
}

/// Recognise the transaction from a line's fields: the column count says
/// which family; 1307 and 1308 share a count, so the code column decides.
pub fn detect_layout(fields: &[&str]) -> Option<&'static Layout> {
    let n = fields.len();
    let id = match n {
        92.. => "1301",
        78..=91 => "1303",
        71..=77 => "1306",
        29..=40 => "1302",
        24..=28 => {
            let code = fields.get(10).copied().unwrap_or("");
            if Standards::builtin().explain_as(code, "procedure").is_ok()
                && Standards::builtin().explain_as(code, "diagnosis").is_err()
            {
                "1308"
            } else {
                "1307"
            }
        }
        16..=23 => "1305",
        _ => return None,
    };
    layout(id)
}

/// A text file whose first line is many TAB-separated fields, none of them a
/// known header, starting with something code-like: a 13xx file without header.
pub(super) fn looks_headerless(path: &Path, known: &HashSet<String>) -> Result<bool, ReadError> {
    let name = path.display().to_string();
    let mut f = File::open(path).map_err(|e| ReadError::io(&name, e))?;
    let sample = read_sample(&mut f, &name)?;
    // UTF-16 text is never a platform file; its bytes would only look like one.
    if sample.starts_with(b"\xFF\xFE") || sample.starts_with(b"\xFE\xFF") {
        return Ok(false);
    }
    let text = String::from_utf8_lossy(&sample);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let fields: Vec<String> = first.split('\t').map(str::to_string).collect();
    Ok(fields.len() >= 16
        && score(&fields, known) == 0
        && fields
            .first()
            .is_some_and(|f| f.chars().any(|c| c.is_ascii_digit())))
}

/// Removes the extracted text when the rows are dropped.
struct TempFile(PathBuf);
impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Copy a ZIP member out, at most `max` bytes and `ratio` times its packed
/// size (once past [`RATIO_FLOOR`]): a 7 MB bomb must not fill the disk.
fn unpack_bounded(
    entry: &mut impl std::io::Read,
    out: &mut impl std::io::Write,
    packed: u64,
    limits: &Limits,
    file: &str,
    inner: &str,
) -> Result<(), ReadError> {
    let mut buf = vec![0u8; 1 << 16];
    let mut total: u64 = 0;
    loop {
        let n = entry
            .read(&mut buf)
            .map_err(|e| ReadError::format(file, tr!("zip.unpack", inner = inner, error = e)))?;
        if n == 0 {
            return Ok(());
        }
        total += n as u64;
        if total > limits.max_unpacked_bytes {
            return Err(ReadError::limit(
                file,
                "max_unpacked_bytes",
                limits.max_unpacked_bytes,
                format!(
                    "{inner} 解压超过 {} 字节 ({inner} unpacks to more than {} bytes)",
                    limits.max_unpacked_bytes, limits.max_unpacked_bytes
                ),
            ));
        }
        if total > RATIO_FLOOR && total / packed.max(1) > limits.max_unpack_ratio {
            return Err(ReadError::limit(
                file,
                "max_unpack_ratio",
                limits.max_unpack_ratio,
                format!("{inner} 压缩比超过 {}:1（{packed} 字节解出 {total} 字节以上）({inner} unpacks more than {} times its packed size of {packed} bytes: a ZIP bomb?)", limits.max_unpack_ratio, limits.max_unpack_ratio),
            ));
        }
        out.write_all(&buf[..n]).map_err(|e| {
            ReadError::format(file, tr!("zip.unpack_temp", inner = inner, error = e))
        })?;
    }
}

pub(super) fn open_zip(
    path: &Path,
    forced: Option<&str>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    let f = File::open(path).map_err(|e| ReadError::io(&name, e))?;
    let mut zip = zip::ZipArchive::new(f)
        .map_err(|e| ReadError::format(&name, tr!("zip.corrupt", error = e)))?;
    let entries: Vec<String> = zip.file_names().flatten().map(|n| n.into_owned()).collect();
    let txt: Vec<&String> = entries
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".txt"))
        .collect();
    let inner = match txt.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(ReadError::format(
                &name,
                tr!("zip.neither", list = entries.join("、")),
            ))
        }
        many => {
            return Err(ReadError::format(
                &name,
                tr!(
                    "zip.several_txt",
                    list = many
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            ))
        }
    };
    // Extract to a temporary file so the rows can stream without holding the archive.
    let tmp = std::env::temp_dir().join(format!(
        "mulu-13xx-{}-{}.txt",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    // The guard exists before the file does: any failure below removes it.
    let guard = TempFile(tmp.clone());
    {
        let mut entry = zip.by_name(&inner).map_err(|e| {
            ReadError::format(&name, tr!("zip.corrupt_entry", inner = inner, error = e))
        })?;
        // The declared size is checked first; the copy checks what really comes.
        if entry.size() > limits.max_unpacked_bytes {
            return Err(ReadError::limit(
                &name,
                "max_unpacked_bytes",
                limits.max_unpacked_bytes,
                format!(
                    "{inner} 声明解压后 {} 字节 ({inner} declares {} unpacked bytes)",
                    entry.size(),
                    entry.size()
                ),
            ));
        }
        let packed = entry.compressed_size();
        let mut out =
            File::create(&tmp).map_err(|e| ReadError::io(&tmp.display().to_string(), e))?;
        unpack_bounded(&mut entry, &mut out, packed, limits, &name, &inner)?;
    }
    let mut t = open_lines(
        &tmp,
        &format!("{name}!{inner}"),
        forced,
        Some(guard),
        limits,
    )?;
    t.file = format!("{name}!{inner}");
    Ok(t)
}

pub(super) fn open_text(
    path: &Path,
    forced: Option<&str>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    open_lines(path, &name, forced, None, limits)
}

fn open_lines(
    path: &Path,
    display: &str,
    forced: Option<&str>,
    guard: Option<TempFile>,
    limits: &Limits,
) -> Result<Table, ReadError> {
    let mut f = File::open(path).map_err(|e| ReadError::io(display, e))?;
    let position = Position::of(&f);
    let sample = read_sample(&mut f, display)?;
    let enc = detect(&sample);
    let text = String::from_utf8_lossy(&sample);
    let first = text.lines().find(|l| !l.trim().is_empty());
    let Some(first) = first else {
        return Err(ReadError::format(display, tr!("read.empty")));
    };
    let first_fields: Vec<&str> = first.trim_end_matches('\r').split('\t').collect();
    let lay = match forced {
        Some(id) => layout(id).ok_or_else(|| {
            ReadError::format(
                display,
                tr!(
                    "platform.unknown_layout",
                    id = id,
                    list = LAYOUTS
                        .iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            )
        })?,
        None => detect_layout(&first_fields).ok_or_else(|| {
            ReadError::format(display, tr!("platform.undetected", n = first_fields.len()))
        })?,
    };
    // Extra trailing columns (1301 grew from 92 to 97) get generated names.
    let widest = text
        .lines()
        .map(|l| l.split('\t').count())
        .max()
        .unwrap_or(0);
    let mut header = lay.columns.clone();
    for i in header.len()..widest.min(limits.max_cells_per_record) {
        header.push(format!("列{}", i + 1));
    }
    let width = header.len();
    let min = lay.min_columns;
    let lay_id = lay.id.clone();
    let file = display.to_string();
    let (input, budget) = decoded_reader(f, enc, limits);
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let limits = limits.clone();
    let mut line_no: u64 = 0;
    let mut buf = Vec::new();
    let mut done = false;
    let rows = std::iter::from_fn(move || {
        let _keep = &guard;
        while !done {
            buf.clear();
            budget.mark();
            match reader.read_until(b'\n', &mut buf) {
                Ok(0) => done = true,
                Ok(_) => {
                    line_no += 1;
                    let line = match std::str::from_utf8(&buf) {
                        Ok(s) if !s.contains('\u{FFFD}') => s.trim_end_matches(['\n', '\r']),
                        _ => {
                            let lossy = String::from_utf8_lossy(&buf)
                                .trim_end_matches(['\n', '\r'])
                                .to_string();
                            return Some(Err(RowError::new(
                                &file,
                                None,
                                line_no,
                                tr!("reject.undecodable", enc = enc.label()),
                            )
                            .with_cells(
                                lossy
                                    .split('\t')
                                    .take(limits.max_cells_per_record)
                                    .map(str::to_string)
                                    .collect(),
                            )));
                        }
                    };
                    if line.trim().is_empty() {
                        continue;
                    }
                    let cells: Vec<String> = line.split('\t').map(str::to_string).collect();
                    if cells.len() < min {
                        let n = cells.len();
                        return Some(Err(RowError::new(
                            &file,
                            None,
                            line_no,
                            tr!("reject.too_few_fields", n = n, layout = lay_id, min = min),
                        )
                        .cells(&cells)));
                    }
                    if let Some(item) = classify(&file, None, &limits, width, line_no, cells) {
                        return Some(item);
                    }
                }
                Err(e) => {
                    done = true;
                    let (msg, hit) = read_failure(&e, &tr!("reject.unreadable"));
                    let mut err = RowError::new(&file, None, line_no + 1, msg).fatal();
                    err.limit = hit;
                    return Some(Err(err));
                }
            }
        }
        None
    });
    Ok(Table {
        file: display.to_string(),
        sheet: None,
        header,
        header_row: 0,
        encoding: Some(enc.label()),
        format: Format::Platform13xx,
        layout: Some(lay.id.clone()),
        warnings: Vec::new(),
        rows: Box::new(rows) as Box<dyn Iterator<Item = RowItem>>,
        position,
    })
}
