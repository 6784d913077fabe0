//! `mulu code explain|check|standards`: decode and validate national codes.

use crate::ctx::Ctx;
use anyhow::Result;
use catalog_core::standards::{CodeError, Explanation};
use catalog_core::{Category, Standards};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// 把编码拆成各段并解释（按形状识别编码标准） (decode codes into segments)
    Explain {
        /// 一个或多个编码
        #[arg(required = true)]
        codes: Vec<String>,
        /// 按此编码标准校验，不自动识别（见 `mulu code standards`）
        #[arg(long)]
        standard: Option<String>,
    },
    /// 逐行检查文件某列的编码，列出无效编码及行号 (check a column of codes)
    Check {
        /// 要检查的文件（xlsx/xls/ods/csv 等）
        file: PathBuf,
        /// 编码所在列的表头
        #[arg(long)]
        column: String,
        /// 工作表名称或序号（从 1 起，工作簿用）
        #[arg(long)]
        sheet: Option<String>,
        /// 按这一类目录的编码标准校验（默认：逐个编码识别）
        #[arg(long)]
        kind: Option<Category>,
        /// 只按这一个编码标准校验（标准 id）
        #[arg(long, conflicts_with = "kind")]
        standard: Option<String>,
    },
    /// 列出已知的编码标准、状态和示例 (list the code standards)
    Standards,
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    let std = Standards::builtin();
    match cmd {
        Cmd::Explain { codes, standard } => {
            let results: Vec<Result<Explanation, CodeError>> = codes
                .iter()
                .map(|c| match &standard {
                    Some(s) => std.explain_as(c, s),
                    None => std.explain(c),
                })
                .collect();
            let failed = results.iter().filter(|r| r.is_err()).count();
            if ctx.json {
                let out: Vec<serde_json::Value> = results
                    .iter()
                    .map(|r| match r {
                        Ok(e) => serde_json::json!({"valid": true, "explanation": e}),
                        Err(e) => serde_json::json!({"valid": false, "error": e}),
                    })
                    .collect();
                ctx.print_json(&out)?;
            } else {
                for r in &results {
                    match r {
                        Ok(e) => print_explanation(e),
                        Err(e) => eprintln!("invalid: {e}"),
                    }
                }
            }
            Ok(if failed > 0 { 1 } else { 0 })
        }
        Cmd::Check {
            file,
            column,
            sheet,
            kind,
            standard,
        } => super::code_check::run(
            ctx,
            &file,
            &column,
            sheet.as_deref(),
            kind,
            standard.as_deref(),
        ),
        Cmd::Standards => {
            if ctx.json {
                ctx.print_json(std.all())?;
                return Ok(0);
            }
            for s in std.all() {
                let lens: Vec<String> = s
                    .forms
                    .iter()
                    .map(|f| {
                        let n: usize = f
                            .segments
                            .iter()
                            .map(|g| {
                                g.literal.as_ref().map_or(0, |l| l.len())
                                    + g.pattern.as_ref().map_or(0, |p| p.len())
                            })
                            .sum();
                        tr!("standards.chars", name = f.name, n = n)
                    })
                    .collect();
                println!(
                    "{:>2}  {:<20} {} {}",
                    s.no,
                    s.id,
                    crate::ui::pad(&status_label(&s.status), 11),
                    s.name
                );
                println!(
                    "    {}",
                    tr!(
                        "standards.forms",
                        forms = lens.join(", "),
                        examples = s.examples.join(", ")
                    )
                );
            }
            Ok(0)
        }
    }
}

fn print_explanation(e: &Explanation) {
    println!("{}", e.code);
    println!(
        "  {}",
        tr!(
            "explain.standard",
            name = e.standard_name,
            no = e.standard_no,
            id = e.standard,
            status = status_label(&e.status),
            form = e.form
        )
    );
    for s in &e.segments {
        let pos = if s.start == s.end {
            s.start.to_string()
        } else {
            format!("{}-{}", s.start, s.end)
        };
        println!(
            "  {:>5}  {:<10} {:<8} {}",
            pos,
            s.value,
            s.name,
            s.meaning.as_deref().unwrap_or("")
        );
    }
    if let Some(a) = &e.asterisk_code {
        println!("  {}", tr!("explain.asterisk", a = a));
    }
    for n in &e.notes {
        println!("  {}", tr!("explain.note", n = n));
    }
    if !e.also_matches.is_empty() {
        println!(
            "  {}",
            tr!("explain.also", list = e.also_matches.join(", "))
        );
    }
}

/// A standard's status (`confirmed`…) in the message language.
fn status_label(status: &str) -> String {
    match status {
        "confirmed" => tr!("status.confirmed"),
        "inferred" => tr!("status.inferred"),
        "unconfirmed" => tr!("status.unconfirmed"),
        other => other.to_string(),
    }
}
