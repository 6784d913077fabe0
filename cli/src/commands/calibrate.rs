//! `mulu calibrate`: re-fit the score calibration on this store's reviewed
//! decisions (approved = the suggestion was right; rejected or replaced =
//! it was wrong) and write `<home>/calibration.json`, which `mulu eval` and
//! later runs use instead of the shipped parameters. Refuses, with the
//! counts, when there are too few decisions of either kind.

use crate::ctx::Ctx;
use anyhow::Result;
use catalog_core::store::MappingStatus;
use catalog_core::Category;
use matcher::calibrate::{Calibration, FILE};

#[derive(clap::Args)]
pub struct Args {
    /// 只用这一类目录的审核决定（默认：所有类别）
    #[arg(long, value_parser = super::index::parse_kind)]
    pub kind: Option<Category>,
    /// 只拟合并显示，不写 calibration.json
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let store = ctx.store()?;
    let mut points = Vec::new();
    for m in store.mappings(args.kind, None)? {
        let Some(score) = m.score else { continue };
        match m.status {
            MappingStatus::Approved => points.push((score, true)),
            MappingStatus::Rejected | MappingStatus::Replaced => points.push((score, false)),
            _ => {}
        }
    }
    let what = format!(
        "{} 的已审核决定",
        args.kind.map_or("全部类别".to_string(), |k| k.to_string())
    );
    let c = Calibration::fit(&points, &what)?;
    let path = ctx.home.join(FILE);
    if !args.dry_run {
        std::fs::create_dir_all(&ctx.home)?;
        std::fs::write(&path, serde_json::to_vec_pretty(&c)?)?;
    }
    if ctx.json {
        ctx.print_json(&c)?;
        return Ok(0);
    }
    println!(
        "校准完成 (calibrated): {} 条正确、{} 条错误; a = {:.4}, b = {:.4}",
        c.right, c.wrong, c.a, c.b
    );
    for s in [0.5, 0.9, 0.99, 0.999] {
        println!("  score {s:<5} → 正确概率 {:.1}%", 100.0 * c.probability(s));
    }
    if args.dry_run {
        println!("  (--dry-run: 未写入 {})", path.display());
    } else {
        println!("  → {}", path.display());
    }
    Ok(0)
}
