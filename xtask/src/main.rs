//! `cargo xtask`: developer tooling for mulu. The generator and the
//! benchmark live here, not in the `mulu` binary, so the product does not
//! depend on the test-data generator. The benchmark drives a release `mulu`
//! binary for the steps a hospital runs as commands.

mod bench;
mod ctx;
mod gen;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

// Same allocator as the product, so in-process stages measure what users get.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "xtask",
    about = "mulu developer tooling: test data and benchmarks"
)]
struct Cli {
    /// No progress or chatter; only results and errors
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
    /// Generate test data (corpus with ground truth, or the bundled samples)
    #[command(subcommand)]
    Gen(gen::Cmd),
    /// Measure a hospital's day on a generated corpus and write docs/benchmarks.md
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = ctx::Ctx {
        quiet: cli.quiet,
        json: cli.json,
    };
    let result = match cli.cmd {
        Command::Gen(c) => gen::run(&ctx, c),
        Command::Bench(a) => bench::run(&ctx, a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
