//! `mulu`: the command line over the mulu crates. Each subcommand lives in
//! `commands/<name>.rs` with its own `Args` and `run`; this file only wires them.

mod bench;
mod commands;
mod ctx;
mod hints;
mod ui;

use clap::{CommandFactory, Parser, Subcommand};
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
    /// Where the store and indexes live [default: $MULU_HOME or the user data dir]
    #[arg(long, global = true, env = "MULU_HOME")]
    home: Option<PathBuf>,
    /// No progress bars or chatter; only results and errors
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Machine-readable JSON on stdout
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Command,
}

/// The exit-code table, in `--help` and (the same words) in the README.
const EXIT_CODES: &str = "退出码 (exit codes):
  0  成功 (success; also when the reader of stdout closed it, e.g. `| head`)
  1  出错：未完成，库未改动 (error: nothing done, the store is as before)
  2  参数错误，或 review apply 有被拒的行 (usage error, or rows refused by review apply)
  3  diff --fail-if-diff 发现差异 (differences found)";

#[derive(Subcommand)]
enum Command {
    /// Run the whole job on the bundled samples: import, index, match, report
    Demo(commands::demo::Args),
    /// Decode and validate national codes
    #[command(subcommand)]
    Code(commands::code::Cmd),
    /// Import a catalogue file or URL as a new version
    Import(commands::import::Args),
    /// List the catalogue versions in the store
    Versions(commands::versions::Args),
    /// Build the search index of a catalogue version
    Index(commands::index::Args),
    /// Match a hospital dictionary against a catalogue version
    Match(commands::match_cmd::Args),
    /// Look up national codes by free text
    Search(commands::search::Args),
    /// Review suggested mappings (approve, reject, flag, replace, apply a reviewed file)
    #[command(subcommand)]
    Review(commands::review::Cmd),
    /// Export approved mappings (3301 upload fields) as JSON, xlsx or CSV
    Export(commands::export::Args),
    /// Measure matching accuracy on a labelled hospital dictionary
    Eval(commands::eval::Args),
    /// What changed between two catalogue versions (and what it breaks)
    Diff(commands::diff::Args),
    /// Generate test data
    #[command(subcommand)]
    Gen(commands::gen::Cmd),
    /// Run the benchmarks and write docs/benchmarks.md
    Bench(commands::bench::Args),
    /// Serve look-ups and matching over HTTP
    Serve(commands::serve::Args),
    /// 库的概况：各类目录版本、索引、对照状态、上次导出 (what the store holds)
    Status(commands::status::Args),
    /// 生成 shell 补全脚本 (shell completions): mulu completions bash > /etc/bash_completion.d/mulu
    Completions {
        /// bash, zsh, fish, powershell or elvish
        shell: clap_complete::Shell,
    },
    /// 生成手册页 (man page, roff on stdout): mulu man > mulu.1
    Man,
}

fn main() -> ExitCode {
    ui::exit_quietly_on_broken_pipe();
    let cli = Cli::parse();
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
        Command::Export(a) => commands::export::run(&ctx, a),
        Command::Eval(a) => commands::eval::run(&ctx, a),
        Command::Diff(a) => commands::diff::run(&ctx, a),
        Command::Gen(c) => commands::gen::run(&ctx, c),
        Command::Bench(a) => commands::bench::run(&ctx, a),
        Command::Serve(a) => commands::serve::run(&ctx, a),
        Command::Status(a) => commands::status::run(&ctx, a),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "mulu", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map(|_| 0)
            .map_err(anyhow::Error::from),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if ui::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let hint = hints::for_error(&e);
            if ctx.json {
                // One JSON object on stderr, so a script reads errors as it reads results.
                let v = serde_json::json!({"error": {"message": format!("{e:#}"), "hint": hint, "exit_code": 1}});
                eprintln!("{v}");
            } else {
                eprintln!("错误 (error): {e:#}");
                if let Some(h) = hint {
                    eprintln!("提示 (hint): {h}");
                }
            }
            ExitCode::from(1)
        }
    }
}
