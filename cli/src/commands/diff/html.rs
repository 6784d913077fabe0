//! A self-contained HTML report (inline CSS, no scripts or external assets),
//! so it can be mailed or archived as one file.

use catalog_diff::{CatalogDiff, Change, ChangeClass, FieldChange, ImpactItem, SegmentOp};
use std::fmt::Write;

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

const CSS: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#d9e1f2;text-align:left}del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
.old{color:#888}.n{text-align:right}h2 small{color:#666;font-weight:normal}";

fn field_cell(f: &FieldChange) -> String {
    match &f.segments {
        Some(segs) => segs
            .iter()
            .map(|s| match s.op {
                SegmentOp::Equal => esc(&s.text),
                SegmentOp::Delete => format!("<del>{}</del>", esc(&s.text)),
                SegmentOp::Insert => format!("<ins>{}</ins>", esc(&s.text)),
            })
            .collect(),
        None => format!("<del>{}</del> → <ins>{}</ins>", esc(&f.old), esc(&f.new)),
    }
}

fn fields_cell(c: &Change) -> String {
    c.fields
        .iter()
        .map(|f| format!("<b>{}</b>: {}", esc(&f.label), field_cell(f)))
        .collect::<Vec<_>>()
        .join("<br>")
}

pub fn render(d: &CatalogDiff, impact: Option<&[ImpactItem]>) -> String {
    let mut h = String::new();
    let s = &d.summary.total;
    let label = |x: &Option<String>| esc(x.as_deref().unwrap_or("?"));
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>目录差异 {} → {}</title><style>{CSS}</style></head><body>",
        label(&d.old.label),
        label(&d.new.label)
    );
    let _ = write!(
        h,
        "<h1>目录差异 {} → {}</h1><p>{} rows → {} rows</p><table><tr><th>类别 class</th><th>行数 rows</th></tr>",
        label(&d.old.label),
        label(&d.new.label),
        s.old_rows,
        s.new_rows
    );
    for k in ChangeClass::ALL {
        let _ = write!(
            h,
            "<tr><td>{} {}</td><td class=n>{}</td></tr>",
            k.label_zh(),
            k.as_str(),
            s.classes.get(k)
        );
    }
    let _ = write!(
        h,
        "<tr><td>未变 unchanged</td><td class=n>{}</td></tr><tr><td>仅格式差异 noise only</td><td class=n>{}</td></tr></table>",
        s.unchanged, s.noise_only
    );
    if !s.fields.is_empty() {
        h.push_str("<table><tr><th>变更字段 field</th><th>行数 rows</th></tr>");
        for (f, n) in &s.fields {
            let _ = write!(h, "<tr><td>{}</td><td class=n>{n}</td></tr>", esc(f));
        }
        h.push_str("</table>");
    }
    for k in ChangeClass::ALL {
        let rows: Vec<&Change> = d.of_class(k).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<h2>{} {} <small>({})</small></h2><table>",
            k.label_zh(),
            k.as_str(),
            rows.len()
        );
        match k {
            ChangeClass::Recoded => {
                h.push_str("<tr><th>原编码</th><th>新编码</th><th>名称</th><th>可信度</th><th>依据</th><th>变更</th></tr>");
                for c in rows {
                    let (score, why) =
                        c.recode
                            .as_ref()
                            .map_or((String::new(), String::new()), |r| {
                                let why: Vec<String> = r
                                    .evidence
                                    .iter()
                                    .map(|e| format!("{} {:.2}", esc(&e.label), e.similarity))
                                    .collect();
                                (format!("{:.2}", r.score), why.join("; "))
                            });
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{score}</td><td>{why}</td><td>{}</td></tr>",
                        esc(c.old_code.as_deref().unwrap_or_default()),
                        esc(&c.code),
                        esc(&c.name),
                        fields_cell(c)
                    );
                }
            }
            ChangeClass::Added | ChangeClass::Removed => {
                h.push_str("<tr><th>编码</th><th>名称</th></tr>");
                for c in rows {
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td>{}</td></tr>",
                        esc(&c.code),
                        esc(&c.name)
                    );
                }
            }
            _ => {
                h.push_str("<tr><th>编码</th><th>名称</th><th>变更</th></tr>");
                for c in rows {
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                        esc(&c.code),
                        esc(&c.name),
                        fields_cell(c)
                    );
                }
            }
        }
        h.push_str("</table>");
    }
    if let Some(items) = impact {
        let _ = write!(
            h,
            "<h2>对照影响 impact <small>({})</small></h2><table><tr><th>院内编码</th><th>院内名称</th><th>医保编码</th><th>原因</th><th>建议新编码</th><th>处理建议</th></tr>",
            items.len()
        );
        for it in items {
            let m = &it.mapping;
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.hospital_code),
                esc(&m.hospital_name),
                esc(&m.target_code),
                it.reason.label_zh(),
                esc(it.suggested_code.as_deref().unwrap_or_default()),
                esc(&it.action)
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</body></html>\n");
    h
}
