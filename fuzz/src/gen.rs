//! Case generators: seeds from `data/samples` mutated byte by byte, and
//! structured generators for the shapes the defect report found hostile
//! (far cell references, endless lines, bad UTF-8, deep nesting,
//! unterminated quotes, ZIP bombs).

use crate::run::Target;
use arbitrary::Unstructured;
use rand::{Rng, RngCore};
use std::io::Write;

/// Sample inputs to start from.
pub struct Seeds {
    /// CSV files (their first lines), as shipped (GB18030) and as UTF-8.
    pub csv: Vec<Vec<u8>>,
    /// Tables (header first) decoded from the CSV samples, for XML/JSON/xlsx.
    pub tables: Vec<Vec<Vec<String>>>,
    /// A shipped workbook.
    pub xlsx: Vec<u8>,
    /// Lines of a shipped 13xx text (1301).
    pub platform: Vec<u8>,
}

fn samples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/samples/v1")
}

fn first_lines(b: &[u8], n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in b.split_inclusive(|c| *c == b'\n').enumerate() {
        if i == n {
            break;
        }
        out.extend_from_slice(l);
    }
    out
}

impl Seeds {
    /// Read the seeds (a few KB each).
    pub fn load() -> Seeds {
        let mut csv = Vec::new();
        let mut tables = Vec::new();
        for f in [
            "drug.csv",
            "herbal.csv",
            "diagnosis.csv",
            "consumable.csv",
            "procedure.csv",
        ] {
            let Ok(raw) = std::fs::read(samples().join(f)) else {
                continue;
            };
            let head = first_lines(&raw, 40);
            let (text, _, _) = encoding_rs::GB18030.decode(&head);
            let utf8 = match std::str::from_utf8(&head) {
                Ok(s) => s.to_string(),
                Err(_) => text.into_owned(),
            };
            tables.push(
                utf8.lines()
                    .map(|l| l.split(',').map(str::to_string).collect())
                    .collect(),
            );
            csv.push(head);
            csv.push(utf8.into_bytes());
        }
        let xlsx = std::fs::read(samples().join("drug.xlsx")).unwrap_or_default();
        let platform = std::fs::File::open(samples().join("drug_1301.zip"))
            .ok()
            .and_then(|f| zip::ZipArchive::new(f).ok())
            .and_then(|mut z| {
                let mut s = Vec::new();
                std::io::Read::read_to_end(&mut z.by_name("1301.txt").ok()?, &mut s).ok()?;
                Some(first_lines(&s, 40))
            })
            .unwrap_or_default();
        if csv.is_empty() {
            csv.push(
                b"\xe8\x8d\xaf\xe5\x93\x81\xe4\xbb\xa3\xe7\xa0\x81,n\nXA01ABD075A002010100483,x\n"
                    .to_vec(),
            );
            tables.push(vec![
                vec!["药品代码".into(), "注册名称".into()],
                vec!["XA01ABD075A002010100483".into(), "x".into()],
            ]);
        }
        Seeds {
            csv,
            tables,
            xlsx,
            platform,
        }
    }
}

/// Build one case for `target`.
pub fn case(
    target: Target,
    seeds: &Seeds,
    u: &mut Unstructured<'_>,
    rng: &mut impl RngCore,
) -> Vec<u8> {
    match target {
        Target::Csv => csv_case(seeds, u, rng),
        Target::Xlsx => xlsx_case(seeds, u, rng),
        Target::Xml => xml_case(seeds, u, rng),
        Target::Json => json_case(seeds, u, rng),
        Target::Zip13xx => zip_case(seeds, u, rng),
    }
}

fn pick<'a, T>(u: &mut Unstructured<'_>, items: &'a [T]) -> &'a T {
    u.choose(items).unwrap_or(&items[0])
}

/// Pieces that make parsers take odd paths.
const TOKENS: &[&[u8]] = &[
    b",",
    b"\"",
    b"\"\"",
    b"\r",
    b"\n",
    b"\r\n",
    b"\t",
    b"\xff",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\0",
    b"\xe8\x8d",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    "注：".as_bytes(),
    "合计".as_bytes(),
    "一、西药".as_bytes(),
    b"<",
    b">",
    b"</",
    b"&amp;",
    b"&#0;",
    b"&#x1F600;",
    b"&bogus;",
    b"<![CDATA[",
    b"]]>",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\u0000",
    b"\\ud800",
    b"1e400",
    b"-0",
    b"null",
    b"=",
    b"XFD1048577",
    b"ZZZZZZ1",
];

/// Byte-level mutations: flips, inserts, deletes, duplicates, tokens, cuts.
pub fn mutate(data: &mut Vec<u8>, u: &mut Unstructured<'_>, rng: &mut impl RngCore) {
    let n = u.int_in_range(1..=12u32).unwrap_or(1);
    for _ in 0..n {
        let len = data.len().max(1);
        let at = rng.random_range(0..len).min(data.len());
        match u.int_in_range(0..=6u8).unwrap_or(0) {
            0 if !data.is_empty() => {
                let i = at.min(data.len() - 1);
                data[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let k = rng.random_range(1..16);
                let bytes: Vec<u8> = (0..k).map(|_| rng.random()).collect();
                data.splice(at..at, bytes);
            }
            2 => {
                let end = (at + rng.random_range(1..64)).min(data.len());
                data.drain(at..end);
            }
            3 => {
                let end = (at + rng.random_range(1..256)).min(data.len());
                let piece = data[at..end].to_vec();
                data.splice(at..at, piece);
            }
            4 | 5 => {
                let t = *pick(u, TOKENS);
                data.splice(at..at, t.iter().copied());
            }
            _ => data.truncate(at),
        }
    }
}

fn table<'a>(seeds: &'a Seeds, u: &mut Unstructured<'_>) -> &'a Vec<Vec<String>> {
    pick(u, &seeds.tables)
}

fn hostile_cell(u: &mut Unstructured<'_>, rng: &mut impl RngCore) -> String {
    match u.int_in_range(0..=7u8).unwrap_or(0) {
        0 => "阿".repeat(rng.random_range(1..12_000)),
        1 => String::new(),
        2 => " \u{3000}\t".into(),
        3 => "\u{202E}\u{FEFF}\u{0}".into(),
        4 => "9".repeat(rng.random_range(1..400)),
        5 => "注：本目录".into(),
        6 => "2026-13-45".into(),
        _ => u.arbitrary::<String>().unwrap_or_default(),
    }
}

fn csv_case(seeds: &Seeds, u: &mut Unstructured<'_>, rng: &mut impl RngCore) -> Vec<u8> {
    let mut data = pick(u, &seeds.csv).clone();
    match u.int_in_range(0..=9u8).unwrap_or(0) {
        // An endless line: commas, or text (the budget must cut it).
        0 => {
            let n = rng.random_range(1..(600 << 10));
            let fill = if rng.random() { b',' } else { b'x' };
            let at = rng.random_range(0..data.len().max(1)).min(data.len());
            data.splice(at..at, std::iter::repeat_n(fill, n));
        }
        // An unterminated quote part-way.
        1 => {
            let at = rng.random_range(0..data.len().max(1)).min(data.len());
            data.insert(at, b'"');
        }
        // CR-only line ends.
        2 => data.iter_mut().for_each(|b| {
            if *b == b'\n' {
                *b = b'\r'
            }
        }),
        // UTF-16LE with a BOM (Excel's "Unicode text").
        3 => {
            let text = String::from_utf8_lossy(&data).replace(',', "\t");
            let mut out = vec![0xFF, 0xFE];
            for c in text.encode_utf16() {
                out.extend_from_slice(&c.to_le_bytes());
            }
            data = out;
        }
        // Wide rows and long cells, built from the header.
        4 => {
            let t = table(seeds, u);
            let mut s = t[0].join(",");
            s.push('\n');
            for _ in 0..u.int_in_range(1..=30u32).unwrap_or(1) {
                let width = rng.random_range(1..(t[0].len() * 3).max(2));
                let cells: Vec<String> = (0..width)
                    .map(|_| hostile_cell(u, rng).replace(['\n', '"'], " "))
                    .collect();
                s.push_str(&cells.join(","));
                s.push('\n');
            }
            data = s.into_bytes();
        }
        // Many columns in one row (cells per record).
        5 => data.extend(std::iter::repeat_n(b',', rng.random_range(1..40_000))),
        // NUL bytes only, or nothing but a header.
        6 => {
            if rng.random() {
                data = vec![0; rng.random_range(1..(300 << 10))];
            } else {
                data = first_lines(&data, 1);
            }
        }
        _ => {}
    }
    mutate(&mut data, u, rng);
    data
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xml_case(seeds: &Seeds, u: &mut Unstructured<'_>, rng: &mut impl RngCore) -> Vec<u8> {
    let t = table(seeds, u);
    let attrs = u.arbitrary::<bool>().unwrap_or(false);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><data>");
    for row in t.iter().skip(1) {
        if attrs {
            s.push_str("<row");
            for (h, v) in t[0].iter().zip(row) {
                s.push_str(&format!(
                    " {h}=\"{}\"",
                    xml_escape(v).replace('"', "&quot;")
                ));
            }
            s.push_str("/>");
        } else {
            s.push_str("<row>");
            for (h, v) in t[0].iter().zip(row) {
                s.push_str(&format!("<{h}>{}</{h}>", xml_escape(v)));
            }
            s.push_str("</row>");
        }
    }
    let tail = "</data>";
    match u.int_in_range(0..=8u8).unwrap_or(0) {
        // Deep nesting.
        0 => {
            let d = rng.random_range(1..20_000);
            s.push_str(&"<n>".repeat(d));
            s.push_str(&"</n>".repeat(d));
        }
        // Many distinct fields in one record (D6).
        1 => {
            s.push_str("<row>");
            for i in 0..rng.random_range(1..5000) {
                s.push_str(&format!("<f{i}>v</f{i}>"));
            }
            s.push_str("</row>");
        }
        // A huge text node.
        2 => {
            s.push_str(&format!(
                "<row><{0}>{1}</{0}></row>",
                t[0][0],
                "x".repeat(rng.random_range(1..(600 << 10)))
            ));
        }
        // Entities, CDATA, a DOCTYPE.
        3 => {
            s = s.replacen(
                "<data>",
                "<!DOCTYPE data [<!ENTITY e \"&e;&e;\">]><data>",
                1,
            );
            s.push_str(&format!(
                "<row><{0}>&e;&#0;&#x10FFFF;&bogus;<![CDATA[<x>]]></{0}></row>",
                t[0][0]
            ));
        }
        _ => {}
    }
    s.push_str(tail);
    let mut data = s.into_bytes();
    if u.arbitrary::<bool>().unwrap_or(true) {
        mutate(&mut data, u, rng);
    }
    data
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_case(seeds: &Seeds, u: &mut Unstructured<'_>, rng: &mut impl RngCore) -> Vec<u8> {
    let t = table(seeds, u);
    let objs: Vec<String> = t
        .iter()
        .skip(1)
        .map(|row| {
            let kv: Vec<String> = t[0]
                .iter()
                .zip(row)
                .map(|(h, v)| format!("{}:{}", json_string(h), json_string(v)))
                .collect();
            format!("{{{}}}", kv.join(","))
        })
        .collect();
    let mut s = match u.int_in_range(0..=3u8).unwrap_or(0) {
        0 => format!("[{}]", objs.join(",")),
        1 => format!(
            "{{\"infcode\":0,\"output\":{{\"data\":[{}]}}}}",
            objs.join(",")
        ),
        2 => objs.join("\n"),
        _ => format!("{{\"data\":[{}]}}", objs.join(",\n")),
    };
    match u.int_in_range(0..=9u8).unwrap_or(0) {
        0 => {
            let d = rng.random_range(1..200_000);
            s = format!("{}{}", "[".repeat(d), "]".repeat(d));
        }
        1 => s = s.replacen("\":\"", "\":\"\\ud800", 1),
        2 => {
            let mut b = s.into_bytes();
            let at = b.len() / 2;
            b.insert(at, 0xFF);
            return b;
        }
        3 => {
            let keys: Vec<String> = (0..rng.random_range(1..4000))
                .map(|i| format!("\"k{i}\":1"))
                .collect();
            s = format!("[{{{}}},{}", keys.join(","), &s[1..]);
        }
        4 => {
            s = format!(
                "[{}]",
                json_string(&"x".repeat(rng.random_range(1..(600 << 10))))
            )
        }
        5 => {
            s = format!(
                "[1,\"a\",null,{}]",
                objs.first().cloned().unwrap_or_default()
            )
        }
        6 => s.push_str(&"\n".repeat(3)),
        _ => {}
    }
    let mut data = s.into_bytes();
    if u.arbitrary::<bool>().unwrap_or(true) {
        mutate(&mut data, u, rng);
    }
    data
}

fn zip_of(members: &[(&str, Vec<u8>)], stored: bool) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let method = if stored {
        zip::CompressionMethod::Stored
    } else {
        zip::CompressionMethod::Deflated
    };
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(true);
    for (name, data) in members {
        if z.start_file(*name, o).is_err() || z.write_all(data).is_err() {
            break;
        }
    }
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

const CELL_REFS: &[&str] = &[
    "A",
    "B",
    "C",
    "Z",
    "AA",
    "XFD",
    "XFE",
    "ZZZZZZ",
    "ZZZZZZZ",
    "AAAAAAAAAAAA",
    "",
    "a",
    "1",
];
const ROW_NUMS: &[&str] = &[
    "1",
    "2",
    "3",
    "1048576",
    "1048577",
    "4294967295",
    "4294967296",
    "0",
    "-1",
    "",
    "x",
];

fn xlsx_case(seeds: &Seeds, u: &mut Unstructured<'_>, rng: &mut impl RngCore) -> Vec<u8> {
    if u.int_in_range(0..=5u8).unwrap_or(0) == 0 && !seeds.xlsx.is_empty() {
        // The shipped workbook, mutated (mostly a corrupt container).
        let mut b = seeds.xlsx.clone();
        mutate(&mut b, u, rng);
        return b;
    }
    let t = table(seeds, u);
    let cell = |r: &str, col: &str, v: &str| {
        format!(
            r#"<c r="{col}{r}" t="inlineStr"><is><t>{}</t></is></c>"#,
            xml_escape(v)
        )
    };
    let mut data = String::new();
    for (i, row) in t.iter().enumerate() {
        let r = (i + 1).to_string();
        data.push_str(&format!(r#"<row r="{r}">"#));
        for (j, v) in row.iter().enumerate() {
            let col = importer::table::column_letter(j);
            data.push_str(&cell(&r, &col, v));
        }
        data.push_str("</row>");
    }
    for _ in 0..u.int_in_range(0..=6u32).unwrap_or(0) {
        let r = *pick(u, ROW_NUMS);
        let col = *pick(u, CELL_REFS);
        match u.int_in_range(0..=4u8).unwrap_or(0) {
            0 => data.push_str(&format!(
                r#"<row r="{r}">{}</row>"#,
                cell(r, col, &hostile_cell(u, rng))
            )),
            1 => data.push_str(&format!(
                r#"<row r="{r}"><c r="{col}{r}" t="n"><v>abc</v></c></row>"#
            )),
            2 => data.push_str(&format!(
                r#"<row r="{r}"><c r="{col}{r}" t="s"><v>99999</v></c></row>"#
            )),
            3 => data.push_str(&format!(
                r#"<row><c t="inlineStr"><is><t>{}</t></is></c></row>"#,
                xml_escape(&hostile_cell(u, rng))
            )),
            _ => data.push_str(&format!(
                r#"<row r="{r}"><c r="{col}{r}" t="b"><v>2</v></c></row>"#
            )),
        }
    }
    let mut sheet = format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#).into_bytes();
    if u.int_in_range(0..=2u8).unwrap_or(0) == 0 {
        mutate(&mut sheet, u, rng);
    }
    let hidden = u.arbitrary::<bool>().unwrap_or(false);
    let two = u.arbitrary::<bool>().unwrap_or(false);
    let mut ct = String::from(
        r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
    );
    let state = if hidden { r#" state="hidden""# } else { "" };
    let mut sheets = format!(r#"<sheet name="S"{state} sheetId="1" r:id="rId1"/>"#);
    let mut rels = String::from(
        r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
    );
    if two {
        ct.push_str(r#"<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#);
        sheets.push_str(r#"<sheet name="T" sheetId="2" r:id="rId2"/>"#);
        rels.push_str(r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>"#);
    }
    ct.push_str("</Types>");
    let rel = |body: &str| {
        format!(
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>"#
        )
    };
    let wb = format!(
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    let mut members = vec![
        ("[Content_Types].xml", ct.into_bytes()),
        ("_rels/.rels", rel(r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#).into_bytes()),
        ("xl/workbook.xml", wb.into_bytes()),
        ("xl/_rels/workbook.xml.rels", rel(&rels).into_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    if two {
        members.push(("xl/worksheets/sheet2.xml", br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#.to_vec()));
    }
    zip_of(&members, u.arbitrary::<bool>().unwrap_or(false))
}

fn zip_case(seeds: &Seeds, u: &mut Unstructured<'_>, rng: &mut impl RngCore) -> Vec<u8> {
    let mut text = seeds.platform.clone();
    match u.int_in_range(0..=11u8).unwrap_or(0) {
        // A bomb past the unpacked-size limit (32 MiB here), compressing ~1000:1.
        // Packed once per process: deflating 40 MiB took a third of the run.
        0 => {
            static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            return BOMB
                .get_or_init(|| {
                    let mut b = Vec::with_capacity(40 << 20);
                    b.extend_from_slice(&text);
                    b.extend(std::iter::repeat_n(b'\t', 40 << 20));
                    zip_of(&[("1301.txt", b)], false)
                })
                .clone();
        }
        // Several .txt members, or none.
        1 => return zip_of(&[("1301.txt", text.clone()), ("1302.txt", text)], false),
        2 => return zip_of(&[("readme.md", text)], false),
        // A long line inside (the record budget).
        3 => text.extend(std::iter::repeat_n(b'\t', rng.random_range(1..(600 << 10)))),
        // The packed bytes damaged (a corrupt deflate stream, a cut archive).
        4 => {
            let mut z = zip_of(&[("1301.txt", text)], false);
            let cut = u.arbitrary::<bool>().unwrap_or(false);
            if cut {
                let at = rng.random_range(0..z.len().max(1));
                z.truncate(at);
            } else {
                mutate(&mut z, u, rng);
            }
            return z;
        }
        _ => mutate(&mut text, u, rng),
    }
    zip_of(
        &[("1301.txt", text)],
        u.arbitrary::<bool>().unwrap_or(false),
    )
}
