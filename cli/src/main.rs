//! `mulu`: the command line over the mulu crates. Each subcommand lives in
//! `commands/<name>.rs` with its own `Args` and `run`; this file only wires them.

// The command line's own words (zh and en), from its locale file.
static LOCALE: catalog_core::i18n::Catalogue =
    catalog_core::i18n::Catalogue::new(include_str!("../locales/messages.json"));

/// `tr!("key", name = value, …)`: the message in the current language.
macro_rules! tr {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::LOCALE.text($key, &[$((stringify!($name), $value.to_string())),*])
    };
}

mod commands;
mod config;
mod ctx;
mod help;
mod hints;
mod ui;
mod words;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

// mimalloc: rows are built on the import's parser thread and freed on its
// writer thread; glibc malloc spent a third of the parser's time there
// (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "mulu",
    version,
    about = "医保目录工具：导入国家目录、校验编码、院内项目对照、版本比对 (医保 catalogue toolkit)",
    after_help = EXIT_CODES
)]
struct Cli {
    /// 库和索引所在的主目录 [默认：$MULU_HOME，或用户数据目录]
    #[arg(long, global = true, env = "MULU_HOME")]
    home: Option<PathBuf>,
    /// 不显示进度条和过程信息，只输出结果和错误
    #[arg(long, short, global = true)]
    quiet: bool,
    /// 在标准输出上输出机器可读的 JSON
    #[arg(long, global = true)]
    json: bool,
    /// 提示语言：zh 或 en；未指定时依次看 MULU_LANG、LC_ALL、LC_MESSAGES、LANG，默认中文
    #[arg(long, global = true, value_name = "zh|en")]
    lang: Option<catalog_core::i18n::Lang>,
    #[command(subcommand)]
    cmd: Command,
}

/// The exit-code table, in `--help` and (the same words) in the README.
const EXIT_CODES: &str = "退出码 (exit codes):
  0  成功 (success; also when the reader of stdout closed it, e.g. `| head`)
  1  出错：未完成，库未改动 (error: nothing done, the store is as before)
  2  参数错误、mulu.toml 有误、review apply 有被拒的行，或 calibrate 的已审核决定不够 (usage error, bad mulu.toml, rows refused by review apply, or too few decisions for calibrate)
  3  diff --fail-if-diff 发现差异 (differences found)";

#[derive(Subcommand)]
enum Command {
    /// 运行演示：在样例数据上导入、建索引、对码、评估、比对、审核、导出 (the whole job on the bundled samples)
    #[command(after_help = "示例 (examples):\n  mulu --home out/home demo --out out")]
    Demo(commands::demo::Args),
    /// 编码解析与校验 (decode and validate national codes)
    #[command(
        after_help = "示例 (examples):\n  mulu code explain XL02BGA045A001020171371\n  mulu code check 目录.xlsx --column 药品代码\n  mulu code standards"
    )]
    #[command(subcommand)]
    Code(commands::code::Cmd),
    /// 导入目录文件或网址为新版本 (import a catalogue file or URL as a new version)
    #[command(
        after_help = "示例 (examples):\n  mulu import 药品分类与代码.xlsx --kind drug --label 2026-01\n  mulu import data/samples/v2/drug.xlsx --kind drug --label sample-v2 --replace"
    )]
    Import(commands::import::Args),
    /// 列出库中的目录版本 (list the catalogue versions)
    #[command(
        after_help = "示例 (examples):\n  mulu versions --kind drug\n  mulu versions --kind drug --delete 2026-01"
    )]
    Versions(commands::versions::Args),
    /// 为目录版本建检索索引 (build the search index of a version)
    #[command(after_help = "示例 (examples):\n  mulu index --kind drug --version sample-v1")]
    Index(commands::index::Args),
    /// 院内字典对国家目录，输出审核工作簿 (match a hospital dictionary)
    #[command(
        after_help = "示例 (examples):\n  mulu match 院内药品.xlsx --kind drug --out 对码.xlsx"
    )]
    Match(commands::match_cmd::Args),
    /// 按名称检索国家编码 (look up national codes by free text)
    #[command(after_help = "示例 (examples):\n  mulu search \"阿那曲唑片 10mg*6片\" --kind drug")]
    Search(commands::search::Args),
    /// 审核对照：通过、驳回、存疑、替换、无对应，导出与回填工作簿 (review suggested mappings)
    #[command(
        after_help = "示例 (examples):\n  mulu review list --status suggested\n  mulu review approve YP000002 --by 王 --note \"核对批准文号\"\n  mulu review export --out 待审核.xlsx\n  mulu review apply 待审核.xlsx --by 王"
    )]
    #[command(subcommand)]
    Review(commands::review::Cmd),
    /// 导出已确认的对照：3301 上传、3302 撤销、对照清单 (export 3301 rows, 3302 revokes, the sign-off list)
    #[command(
        after_help = "示例 (examples):\n  mulu export 3301 --out 3301.json\n  mulu export 3301 --kind drug --out 3301.xlsx\n  mulu export 3302 --out 3302.json\n  mulu export signoff --out 对照清单.xlsx\n  mulu export fhir --out conceptmap.json\n\n定点医药机构编号、地区目录类别编号：库目录下的 mulu.toml（见 docs/clerk.md）；命令行参数优先。"
    )]
    Export(commands::export::Args),
    /// FHIR ConceptMap：导出已确认的对照，或导入他处的对照 (FHIR R4 ConceptMap export and import)
    #[command(
        after_help = "示例 (examples):\n  mulu fhir export --out conceptmap.json\n  mulu fhir import conceptmap.json --by 王"
    )]
    #[command(subcommand)]
    Fhir(commands::fhir::Cmd),
    /// 在带标注的院内字典上评估匹配准确率 (measure matching accuracy)
    #[command(
        after_help = "示例 (examples):\n  mulu eval data/samples/hospital/drug.labelled.csv --kind drug --baseline"
    )]
    Eval(commands::eval::Args),
    /// 按本库已审核的决定重新拟合逐字段模型 (re-fit the per-field model on this store's reviewed decisions)
    #[command(
        after_help = "示例 (examples):\n  mulu calibrate --dry-run\n  mulu calibrate --kind drug\n\n写入 <home>/field_model.json（此后对码、检索、审核、服务都用它）和 <home>/calibration.json（mulu eval 报告用）；删除 field_model.json 即恢复内置模型。"
    )]
    Calibrate(commands::calibrate::Args),
    /// 比对两个目录版本及对对照的影响 (what changed between two versions, and what it breaks)
    #[command(
        after_help = "示例 (examples):\n  mulu diff sample-v1 sample-v2 --kind drug --xlsx 比对.xlsx\n  mulu diff 2026-01 新目录.xlsx --mapping store --impact-xlsx 影响清单.xlsx"
    )]
    Diff(commands::diff::Args),
    /// HTTP 服务：检索、对码、审核 (serve look-ups and matching over HTTP)
    #[command(
        after_help = "示例 (examples):\n  mulu serve --bind 127.0.0.1:8080 --token \"$TOKEN\""
    )]
    Serve(commands::serve::Args),
    /// 库的概况：各类目录版本、索引、对照状态 (what the store holds)
    #[command(after_help = "示例 (examples):\n  mulu status\n  mulu --json status")]
    Status(commands::status::Args),
    /// 生成 shell 补全脚本 (shell completions)
    #[command(
        after_help = "示例 (examples):\n  mulu completions bash > ~/.local/share/bash-completion/completions/mulu\n  mulu completions zsh > ~/.zfunc/_mulu"
    )]
    Completions {
        /// bash、zsh、fish、powershell 或 elvish
        shell: clap_complete::Shell,
    },
    /// 生成手册页 (man page, roff on stdout)
    #[command(after_help = "示例 (examples):\n  mulu man > mulu.1 && man ./mulu.1")]
    Man,
}

/// The command line before localisation: the derive's tree (Chinese doc
/// comments) with `-h`/`-V` described in our words.
fn base_command() -> clap::Command {
    use clap::{Arg, ArgAction};
    Cli::command()
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .global(true)
                .action(ArgAction::Help)
                .help("显示帮助"),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本"),
        )
}

/// The whole command line, as parsed and as shown by `--help`, completions
/// and the man page, in `lang` (`help.rs`).
fn command(lang: catalog_core::i18n::Lang) -> clap::Command {
    help::localized(base_command(), lang)
}

fn main() -> ExitCode {
    ui::exit_quietly_on_broken_pipe();
    // `--help` is shown before `Cli` exists, so its language comes from argv.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let help_lang = help::lang_of_args(&args);
    let cli = match Cli::from_arg_matches(&command(help_lang).get_matches_from(args)) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match catalog_core::i18n::resolve_from_env(cli.lang) {
        Ok(lang) => catalog_core::i18n::set_lang(lang),
        Err(e) => {
            eprintln!("MULU_LANG: {e}");
            return ExitCode::from(2);
        }
    }
    let ctx = ctx::Ctx {
        home: cli.home.unwrap_or_else(catalog_core::store::default_home),
        quiet: cli.quiet,
        json: cli.json,
    };
    let result = match cli.cmd {
        Command::Demo(a) => commands::demo::run(&ctx, a),
        Command::Code(c) => commands::code::run(&ctx, c),
        Command::Import(a) => commands::import::run(&ctx, a),
        Command::Versions(a) => commands::versions::run(&ctx, a),
        Command::Index(a) => commands::index::run(&ctx, a),
        Command::Match(a) => commands::match_cmd::run(&ctx, a),
        Command::Search(a) => commands::search::run(&ctx, a),
        Command::Review(c) => commands::review::run(&ctx, c),
        // `export fhir` is the ConceptMap, not an upload file.
        Command::Export(a) if a.what.eq_ignore_ascii_case("fhir") => {
            commands::fhir::export(&ctx, &a.out, a.kind)
        }
        Command::Export(a) => commands::export::run(&ctx, a),
        Command::Fhir(c) => commands::fhir::run(&ctx, c),
        Command::Eval(a) => commands::eval::run(&ctx, a),
        Command::Calibrate(a) => commands::calibrate::run(&ctx, a),
        Command::Diff(a) => commands::diff::run(&ctx, a),
        Command::Serve(a) => commands::serve::run(&ctx, a),
        Command::Status(a) => commands::status::run(&ctx, a),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut command(catalog_core::i18n::lang()),
                "mulu",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Command::Man => clap_mangen::Man::new(command(catalog_core::i18n::lang()))
            .render(&mut std::io::stdout())
            .map(|_| 0)
            .map_err(anyhow::Error::from),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if ui::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let hint = hints::for_error(&e);
            // A malformed mulu.toml is a usage error, like a bad flag.
            // Too few reviewed decisions to re-fit on is a refusal, not a failure.
            let code = if e.chain().any(|c| {
                c.is::<config::ConfigError>() || c.is::<matcher::calibrate::CalibrateError>()
            }) {
                2
            } else {
                1
            };
            if ctx.json {
                // One JSON object on stderr, so a script reads errors as it reads results.
                let v = serde_json::json!({"error": {"message": format!("{e:#}"), "hint": hint, "exit_code": code}});
                eprintln!("{v}");
            } else {
                eprintln!("错误 (error): {e:#}");
                if let Some(h) = hint {
                    eprintln!("提示 (hint): {h}");
                }
            }
            ExitCode::from(code)
        }
    }
}
