//! CSV output: one row per field change (added/removed rows: one row, no field),
//! so a spreadsheet filter on `class` or `field` answers most questions.

use anyhow::Result;
use catalog_diff::CatalogDiff;
use std::path::Path;

pub const HEADER: [&str; 11] = [
    "class",
    "category",
    "code",
    "old_code",
    "name",
    "field",
    "label",
    "old",
    "new",
    "recode_score",
    "recode_key",
];

pub fn write(path: &Path, d: &CatalogDiff) -> Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(HEADER)?;
    for c in &d.changes {
        let score = c
            .recode
            .as_ref()
            .map(|r| format!("{:.3}", r.score))
            .unwrap_or_default();
        let key = c
            .recode
            .as_ref()
            .and_then(|r| r.strong_key.clone())
            .unwrap_or_default();
        let base = [
            c.class.as_str(),
            c.category.as_str(),
            &c.code,
            c.old_code.as_deref().unwrap_or_default(),
            &c.name,
        ];
        if c.fields.is_empty() {
            w.write_record(base.iter().copied().chain(["", "", "", "", &score, &key]))?;
        }
        for f in &c.fields {
            w.write_record(base.iter().copied().chain([
                f.field.as_str(),
                f.label.as_str(),
                f.old.as_str(),
                f.new.as_str(),
                &score,
                &key,
            ]))?;
        }
    }
    w.flush()?;
    Ok(())
}
