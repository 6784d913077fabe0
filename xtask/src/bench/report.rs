//! The bench table on the terminal and the markdown report.

use super::Figure;
use anyhow::Result;
use std::fmt::Write;

/// Everything from this line on in an existing report is kept by `--write`.
pub const KEEP_MARKER: &str = "<!-- kept by cargo xtask bench: measurements run by hand -->";

pub fn print_table(figs: &[Figure]) {
    println!(
        "{:<8} {:<52} {:>22}  {:<16} note",
        "stage", "measure", "value", "target"
    );
    for f in figs {
        println!(
            "{:<8} {:<52} {:>22}  {:<16} {}",
            f.stage, f.what, f.value, f.target, f.note
        );
    }
}

fn first_line(path: &str, prefix: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find(|l| l.starts_with(prefix))
        .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
}

fn machine() -> String {
    let cpu = first_line("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".into());
    let mem = first_line("/proc/meminfo", "MemTotal").unwrap_or_default();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), {mem} memory, Linux {}",
        kernel.trim()
    )
}

pub fn markdown(figs: &[Figure], corpus_note: &str, commit: Option<&str>) -> Result<String> {
    let mut s = String::new();
    let cmd: Vec<String> = std::env::args().skip(1).collect();
    writeln!(s, "# Benchmarks\n")?;
    writeln!(s, "Written by `cargo xtask bench`; every figure below was measured by that run, nothing is typed in by hand.\n")?;
    writeln!(
        s,
        "- Command: `cargo xtask {}` (release build)",
        cmd.join(" ")
    )?;
    writeln!(s, "- Machine: {}", machine())?;
    let commit = commit.map(|c| format!("; commit {c}")).unwrap_or_default();
    writeln!(
        s,
        "- Date: {} UTC{commit}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
    )?;
    writeln!(s, "- Corpus: {corpus_note}\n")?;
    writeln!(s, "| stage | measure | value | target | note |")?;
    writeln!(s, "|---|---|---:|---|---|")?;
    for f in figs {
        writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            f.stage,
            f.what,
            f.value,
            f.target,
            f.note.replace('|', "/")
        )?;
    }
    writeln!(s, "\nReproduce: `cargo xtask {}`.", cmd.join(" "))?;
    Ok(s)
}
