//! `mulu code check FILE --column NAME`: validate a column of codes in any tabular file.

use crate::ctx::Ctx;
use anyhow::Result;
use catalog_core::Category;
use std::path::Path;

pub fn run(_ctx: &Ctx, _file: &Path, _column: &str, _sheet: Option<&str>, _kind: Option<Category>, _standard: Option<&str>) -> Result<u8> {
    anyhow::bail!("`mulu code check` needs the importer's table reader (not built yet)")
}
