//! `mulu`: the command line over the mulu crates. Each subcommand lives in
//! `commands/<name>.rs` with its own `Args` and `run`; this file only wires them.

mod commands;
mod ctx;
mod hints;

use clap::{Parser, Subcommand};
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
    about = "医保目录 toolkit: import national catalogues, validate codes, map hospital items, diff versions"
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
    /// Re-fit the score calibration on this store's reviewed decisions
    Calibrate(commands::calibrate::Args),
    /// What changed between two catalogue versions (and what it breaks)
    Diff(commands::diff::Args),
    /// Serve look-ups and matching over HTTP
    Serve(commands::serve::Args),
}

fn main() -> ExitCode {
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
        Command::Calibrate(a) => commands::calibrate::run(&ctx, a),
        Command::Diff(a) => commands::diff::run(&ctx, a),
        Command::Serve(a) => commands::serve::run(&ctx, a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(h) = hints::for_error(&e) {
                eprintln!("提示 (hint): {h}");
            }
            ExitCode::from(1)
        }
    }
}
