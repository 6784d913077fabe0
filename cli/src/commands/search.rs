//! `mulu search "<text>"`: free-text look-up with explanations.

use super::index::{open_matcher, parse_kind, resolve_version};
use crate::ctx::Ctx;
use anyhow::Result;
use catalog_core::Category;

#[derive(clap::Args)]
pub struct Args {
    /// 名称（可带规格、商品名、厂家）、拼音首字母、批准文号或编码
    pub text: String,
    /// 目录类别（drug、consumable、service 等）
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<Category>,
    /// 目录版本标签或 id [默认：该类最新版本]
    #[arg(long)]
    pub version: Option<String>,
    /// 显示的结果条数
    #[arg(long, default_value_t = 5)]
    pub top: usize,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let store = ctx.store()?;
    let v = resolve_version(&store, args.version.as_deref(), args.kind)?;
    let m = open_matcher(ctx, &store, &v)?;
    let r = m.search(&args.text, args.top);
    if ctx.json {
        ctx.print_json(&r)?;
        return Ok(0);
    }
    println!(
        "{} {} — {} ({})",
        v.category,
        v.label,
        r.tier.as_str(),
        r.reason
    );
    for (i, c) in r.candidates.iter().enumerate() {
        println!(
            "{:>2}. {} {}  score {:.3} [{}]{}",
            i + 1,
            c.code,
            c.name,
            c.score,
            c.tier.as_str(),
            if c.active { "" } else { " (停用)" }
        );
        let mut facts = Vec::new();
        for (k, v) in [
            ("规格", Some(c.spec.clone())),
            ("包装", c.pack_spec.clone()),
            ("剂型", c.dosage_form.clone()),
            ("企业", Some(c.manufacturer.clone())),
            ("批准文号", c.approval_no.clone()),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                facts.push(format!("{k} {v}"));
            }
        }
        if !facts.is_empty() {
            println!("    {}", facts.join(" | "));
        }
        println!("    {}", c.explain());
    }
    Ok(if r.candidates.is_empty() { 2 } else { 0 })
}
