//! `mulu versions`: what the store holds.

use crate::ctx::Ctx;
use anyhow::Result;
use catalog_core::Category;

#[derive(clap::Args)]
pub struct Args {
    /// Only versions of this kind
    #[arg(long)]
    kind: Option<Category>,
    /// Delete the version with this label (and its rows)
    #[arg(long, value_name = "LABEL")]
    delete: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let mut store = ctx.store()?;
    if let Some(label) = &args.delete {
        let v = store.resolve(Some(label), args.kind)?;
        store.delete_version(v.id)?;
        ctx.say(format!(
            "deleted {} version '{}' ({} rows)",
            v.category, v.label, v.row_count
        ));
        return Ok(0);
    }
    let vs: Vec<_> = store
        .versions()?
        .into_iter()
        .filter(|v| args.kind.is_none_or(|k| v.category == k))
        .collect();
    if ctx.json {
        ctx.print_json(&vs)?;
        return Ok(0);
    }
    if vs.is_empty() {
        ctx.say(format!(
            "the store at {} holds no catalogue versions yet (see `mulu import`)",
            store.path().display()
        ));
        return Ok(0);
    }
    println!(
        "{:>4}  {:<13} {:<20} {:>9}  {:<10} {:<20} {:<16} source",
        "id", "kind", "label", "rows", "published", "imported", "checksum"
    );
    for v in vs {
        println!(
            "{:>4}  {:<13} {:<20} {:>9}  {:<10} {:<20} {:<16} {}",
            v.id,
            v.category.as_str(),
            v.label,
            v.row_count,
            v.published.map(|d| d.to_string()).unwrap_or_default(),
            v.imported_at.get(..19).unwrap_or(&v.imported_at),
            v.checksum.get(..16).unwrap_or(""),
            v.source
        );
    }
    Ok(0)
}
