//! `mulu versions`: what the store holds.

use crate::ctx::Ctx;
use crate::ui::pad;
use anyhow::Result;
use catalog_core::Category;

#[derive(clap::Args)]
pub struct Args {
    /// 只列这一类目录的版本
    #[arg(long)]
    kind: Option<Category>,
    /// 删除此标签的版本（连同其中的行）
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
        "{:>4}  {} {} {:>9}  {} {} {} 来源 source",
        "id",
        pad("类别 kind", 20),
        pad("标签 label", 20),
        "行数",
        pad("发布 published", 14),
        pad("导入 imported", 20),
        pad("校验 checksum", 16)
    );
    for v in vs {
        println!(
            "{:>4}  {} {} {:>9}  {:<14} {:<20} {:<16} {}",
            v.id,
            pad(
                &format!("{} {}", v.category.label_zh(), v.category.as_str()),
                20
            ),
            pad(&v.label, 20),
            v.row_count,
            v.published.map(|d| d.to_string()).unwrap_or_default(),
            v.imported_at.get(..19).unwrap_or(&v.imported_at),
            v.checksum.get(..16).unwrap_or(""),
            v.source
        );
    }
    Ok(0)
}
