//! `mulu fhir export|import` (and `mulu export fhir`): the confirmed mapping
//! as a FHIR R4 ConceptMap and back. The conversion and the rules are in
//! `mapping::fhir`; this file only reads and writes files.

use crate::ctx::Ctx;
use anyhow::{Context, Result};
use catalog_core::Category;
use mapping::fhir::FhirError;
use mapping::OnError;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// 把已确认的对照导出为 FHIR R4 ConceptMap（JSON） (export the confirmed mapping)
    #[command(
        after_help = "示例 (examples):\n  mulu fhir export --out conceptmap.json\n  mulu export fhir --kind drug --out conceptmap.json"
    )]
    Export {
        /// 输出的 ConceptMap JSON 文件
        #[arg(long)]
        out: PathBuf,
        /// 只导出这一类目录的对照（默认：所有类别）
        #[arg(long, value_parser = super::index::parse_kind)]
        kind: Option<Category>,
    },
    /// 把 FHIR ConceptMap 中的对照作为审核决定写入库中，库中还没有的项目新建对照 (apply a ConceptMap's mappings)
    #[command(
        after_help = "示例 (examples):\n  mulu fhir import conceptmap.json --by 王\n  mulu fhir import conceptmap.json --by 王 --partial"
    )]
    Import {
        /// ConceptMap JSON 文件
        file: PathBuf,
        /// 审核人 [默认：$MULU_REVIEWER，否则为登录名]
        #[arg(long, env = "MULU_REVIEWER")]
        by: Option<String>,
        /// 确认通过低/无置信度的建议
        #[arg(long)]
        force: bool,
        /// 只写入有效的条目（默认：有一条被拒则整个文件都不写入）
        #[arg(long)]
        partial: bool,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    match cmd {
        Cmd::Export { out, kind } => export(ctx, &out, kind),
        Cmd::Import {
            file,
            by,
            force,
            partial,
        } => import(ctx, &file, by.as_deref(), force, partial),
    }
}

pub fn export(ctx: &Ctx, out: &Path, kind: Option<Category>) -> Result<u8> {
    let store = ctx.store()?;
    let cm = mapping::fhir::to_concept_map(&store, kind)?;
    let text = serde_json::to_string_pretty(&cm)?;
    std::fs::write(out, text + "\n").with_context(|| format!("写入 {}", out.display()))?;
    let elements: usize = cm.group.iter().map(|g| g.element.len()).sum();
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "out": out.display().to_string(),
            "groups": cm.group.len(),
            "elements": elements,
        }))?;
    } else {
        println!(
            "已写出 ConceptMap：{} 组，{} 条对照 → {}",
            cm.group.len(),
            elements,
            out.display()
        );
    }
    Ok(0)
}

fn import(ctx: &Ctx, file: &Path, by: Option<&str>, force: bool, partial: bool) -> Result<u8> {
    let text = std::fs::read_to_string(file).with_context(|| format!("读取 {}", file.display()))?;
    let cm = mapping::fhir::parse(&text).map_err(|e| anyhow::anyhow!("{}：{e}", file.display()))?;
    let by = super::review::reviewer(by)?;
    let mut store = ctx.store()?;
    let on_error = if partial {
        OnError::Partial
    } else {
        OnError::AllOrNothing
    };
    let rep = match mapping::fhir::import(&mut store, &cm, &by, force, on_error) {
        Ok(r) => r,
        Err(FhirError::Mapping(e)) => return Err(e.into()),
        Err(e) => anyhow::bail!("{}：{e}", file.display()),
    };
    if ctx.json {
        ctx.print_json(&rep)?;
    } else {
        println!(
            "{}",
            tr!(
                "fhir.import.summary",
                elements = rep.elements,
                written = rep.written,
                created = rep.created,
                unchanged = rep.unchanged,
                refused = rep.errors.len()
            )
        );
        for e in &rep.errors {
            eprintln!("  {e}");
        }
        if !rep.applied && !rep.errors.is_empty() {
            eprintln!("{}", tr!("fhir.import.nothing_written"));
        }
    }
    // As `review apply`: refused rows exit 2.
    Ok(if rep.errors.is_empty() { 0 } else { 2 })
}
