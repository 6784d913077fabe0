//! `mulu demo`: the whole job on the bundled samples, through the very same
//! command implementations a user types (each step is parsed from an argv),
//! so the demo cannot drift from the real commands.

use crate::ctx::Ctx;
use anyhow::{bail, Context, Result};
use clap::Parser;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// 样例目录和院内字典所在的文件夹
    #[arg(long, default_value = "data/samples")]
    samples: PathBuf,
    /// 报告输出的文件夹
    #[arg(long, default_value = "out")]
    out: PathBuf,
}

#[derive(Parser)]
#[command(no_binary_name = true)]
struct Wrap<A: clap::Args> {
    #[command(flatten)]
    args: A,
}

#[derive(Parser)]
#[command(no_binary_name = true)]
struct WrapCmd<C: clap::Subcommand> {
    #[command(subcommand)]
    cmd: C,
}

/// A step whose command has subcommands (`review apply …`).
fn step_cmd<C: clap::Subcommand>(
    ctx: &Ctx,
    title: &str,
    argv: &[String],
    run: fn(&Ctx, C) -> Result<u8>,
) -> Result<u8> {
    ctx.say(format!("\n== {title}\n$ mulu {}", argv.join(" ")));
    let w = WrapCmd::<C>::try_parse_from(argv.iter().skip(1))
        .with_context(|| format!("demo step '{title}'"))?;
    run(ctx, w.cmd)
}

fn step<A: clap::Args>(
    ctx: &Ctx,
    title: &str,
    argv: &[String],
    run: fn(&Ctx, A) -> Result<u8>,
) -> Result<u8> {
    ctx.say(format!("\n== {title}\n$ mulu {}", argv.join(" ")));
    let w = Wrap::<A>::try_parse_from(argv.iter().skip(1))
        .with_context(|| format!("demo step '{title}'"))?;
    run(ctx, w.args)
}

/// Catalogues of version 1 (kind, file) and the drug catalogue's version 2.
const CATALOGUES: &[(&str, &str)] = &[
    ("drug", "v1/drug.xlsx"),
    ("consumable", "v1/consumable.csv"),
    ("service", "v1/service.xlsx"),
    ("diagnosis", "v1/diagnosis.csv"),
    ("procedure", "v1/procedure.csv"),
    ("herbal", "v1/herbal.csv"),
    ("reimbursement", "v1/reimbursement.xlsx"),
    ("negotiated", "v1/negotiated.xlsx"),
];
const DICTIONARIES: &[&str] = &["drug", "consumable", "service", "diagnosis"];

pub fn run(ctx: &Ctx, args: Args) -> Result<u8> {
    let s = |p: &str| args.samples.join(p).display().to_string();
    if !args.samples.join("v1").is_dir() {
        bail!(
            "no samples at {} (run from the repository root, or pass --samples)",
            args.samples.display()
        );
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let out = |p: &str| args.out.join(p).display().to_string();
    let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut failed: Vec<String> = Vec::new();
    let mut note = |title: &str, r: Result<u8>| match r {
        Ok(0) => {}
        Ok(code) => failed.push(format!("{title} (exit {code})")),
        Err(e) => failed.push(format!("{title}: {e:#}")),
    };

    for (kind, file) in CATALOGUES {
        let argv = v(&[
            "import",
            &s(file),
            "--kind",
            kind,
            "--label",
            "sample-v1",
            "--replace",
        ]);
        note(
            &format!("import {kind}"),
            step(
                ctx,
                &tr!("demo.import", kind = label_of(kind)),
                &argv,
                super::import::run,
            ),
        );
    }
    let argv = v(&[
        "import",
        &s("v2/drug.xlsx"),
        "--kind",
        "drug",
        "--label",
        "sample-v2",
        "--replace",
    ]);
    note(
        "import drug v2",
        step(ctx, &tr!("demo.import_next"), &argv, super::import::run),
    );

    for kind in DICTIONARIES {
        let version = "sample-v1";
        let argv = v(&["index", "--kind", kind, "--version", version]);
        note(
            &format!("index {kind}"),
            step(
                ctx,
                &tr!("demo.index", kind = label_of(kind)),
                &argv,
                super::index::run,
            ),
        );
        let dict = s(&format!("hospital/{kind}.csv"));
        let argv = v(&[
            "match",
            &dict,
            "--kind",
            kind,
            "--version",
            version,
            "--out",
            &out(&format!("match_{kind}.xlsx")),
        ]);
        note(
            &format!("match {kind}"),
            step(
                ctx,
                &tr!("demo.match", kind = label_of(kind)),
                &argv,
                super::match_cmd::run,
            ),
        );
        let labelled = s(&format!("hospital/{kind}.labelled.csv"));
        let misses = out(&format!("eval_{kind}.misses.csv"));
        let argv = v(&[
            "eval",
            &labelled,
            "--kind",
            kind,
            "--version",
            version,
            "--baseline",
            "--misses",
            &misses,
        ]);
        note(
            &format!("eval {kind}"),
            step(
                ctx,
                &tr!("demo.eval", kind = label_of(kind)),
                &argv,
                super::eval::run,
            ),
        );
    }

    let argv = v(&[
        "diff",
        "sample-v1",
        "sample-v2",
        "--kind",
        "drug",
        "--xlsx",
        &out("diff_drug.xlsx"),
        "--html",
        &out("diff_drug.html"),
        "--limit",
        "10",
    ]);
    note(
        "diff",
        step(ctx, &tr!("demo.diff"), &argv, super::diff::run),
    );

    // The reviewer's part: in real use 审核结果 is filled in match_drug.xlsx;
    // here every high-tier suggestion is marked 通过 in a small CSV, which
    // `review apply` reads like the workbook.
    let reviewed = args.out.join("reviewed_drug.csv");
    note(
        "review",
        write_reviewed(ctx, &reviewed).and_then(|_| {
            let argv = v(&[
                "review",
                "apply",
                &reviewed.display().to_string(),
                "--by",
                "演示审核员",
            ]);
            step_cmd(
                ctx,
                "审核：高置信度的药品建议标为“通过” (review: approve the high-tier drug suggestions)",
                &argv,
                super::review::run,
            )
        }),
    );
    let argv = v(&[
        "export",
        "3301",
        "--kind",
        "drug",
        "--out",
        &out("3301_drug.json"),
    ]);
    note(
        "export 3301",
        step(
            ctx,
            "导出 3301 目录对照上传文件 (the approved mappings as 3301 upload rows)",
            &argv,
            super::export::run,
        ),
    );

    ctx.say(format!(
        "\n== {}",
        tr!("demo.reports", dir = args.out.display())
    ));
    if !ctx.quiet && !ctx.json {
        list_reports(&args.out);
    }
    if !ctx.quiet && !ctx.json {
        next_commands(ctx, &args.out);
    }
    if failed.is_empty() {
        Ok(0)
    } else {
        eprintln!(
            "demo: {} step(s) failed:\n  {}",
            failed.len(),
            failed.join("\n  ")
        );
        Ok(1)
    }
}

/// The kind's Chinese name for the step titles (`drug` → 西药中成药).
fn label_of(kind: &str) -> String {
    match kind.parse::<catalog_core::Category>() {
        // The titles add 目录 themselves (`医保药品目录` → 导入医保药品目录).
        Ok(c) if catalog_core::i18n::lang() == catalog_core::i18n::Lang::Zh => {
            let l = c.label_zh();
            l.strip_suffix("目录").unwrap_or(l).to_string()
        }
        _ => kind.to_string(),
    }
}

fn list_reports(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<_> = rd.flatten().filter(|e| e.path().is_file()).collect();
    files.sort_by_key(|e| e.file_name());
    for f in files {
        let size = f.metadata().map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "  {:<28} {:>9} {}",
            f.file_name().to_string_lossy(),
            size,
            tr!("demo.bytes")
        );
    }
}

/// `reviewed_drug.csv`: 通过 for every high-tier drug suggestion still open.
fn write_reviewed(ctx: &Ctx, path: &Path) -> Result<()> {
    let store = ctx.store()?;
    let mut rows = vec![vec![
        "院内编码".to_string(),
        "院内名称".to_string(),
        "类别".to_string(),
        "审核结果".to_string(),
    ]];
    for m in store.mappings(
        Some(catalog_core::Category::Drug),
        Some(catalog_core::store::MappingStatus::Suggested),
    )? {
        if m.tier.as_deref() == Some("high") {
            rows.push(vec![
                m.hospital_code,
                m.hospital_name,
                "drug".to_string(),
                "通过".to_string(),
            ]);
        }
    }
    let (head, body) = rows.split_first().expect("a header row");
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    super::export::write_table(path, "审核", &head, body)
}

/// What to type next, on the store the demo just made.
fn next_commands(ctx: &Ctx, out: &Path) {
    let home = ctx.home.display();
    let o = out.display();
    eprintln!(
        "\n== 下一步 (next commands, on the store the demo made)
  mulu --home {home} status
  mulu --home {home} review list --status suggested --kind drug
  mulu --home {home} review export --kind drug --out {o}/待审核.xlsx     # 填“审核结果”后：
  mulu --home {home} review apply {o}/待审核.xlsx --by 王
  mulu --home {home} export 3301 --kind drug --out {o}/3301_drug.xlsx
  mulu --home {home} diff sample-v1 sample-v2 --kind drug --mapping store --impact-xlsx {o}/impact.xlsx"
    );
}
