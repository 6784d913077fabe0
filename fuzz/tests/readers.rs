//! The readers under fuzzing: a short pass in every `cargo test`, a long one
//! on demand (docs/fuzzing.md):
//!
//! ```sh
//! MULU_FUZZ_CASES=1000000 nice cargo test -p fuzz --release -- --nocapture
//! ```
//!
//! `MULU_FUZZ_CASES` is cases per reader (default 60), `MULU_FUZZ_SEED` the
//! stream (default 1), `MULU_FUZZ_FROM` the first case number (to replay one:
//! `MULU_FUZZ_FROM=N MULU_FUZZ_CASES=1`). Failing inputs are saved under
//! `target/fuzz-crashes/`.

use fuzz::{run, Target};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fuzz(target: Target) {
    let cases = env("MULU_FUZZ_CASES", 60);
    let seed = env("MULU_FUZZ_SEED", 1);
    let from = env("MULU_FUZZ_FROM", 0);
    let crashes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-crashes");
    let t = std::time::Instant::now();
    let o = run(target, seed, from, cases, Some(&crashes));
    println!(
        "fuzz {target:?}: {} cases in {:.1?} (committed {}, refused {}, unreadable {}, limit {}), slowest {:.2?}, peak RSS {} MiB, failures {}",
        o.cases,
        t.elapsed(),
        o.committed,
        o.refused,
        o.unreadable,
        o.limit_hits,
        o.slowest,
        o.peak_rss_kib / 1024,
        o.failures.len()
    );
    assert!(o.failures.is_empty(), "{}", o.failures.join("\n"));
    assert!(
        o.peak_rss_kib < 1024 * 1024,
        "peak RSS {} KiB",
        o.peak_rss_kib
    );
}

#[test]
fn csv_reader() {
    fuzz(Target::Csv);
}

#[test]
fn xlsx_reader() {
    fuzz(Target::Xlsx);
}

#[test]
fn xml_reader() {
    fuzz(Target::Xml);
}

#[test]
fn json_reader() {
    fuzz(Target::Json);
}

#[test]
fn zip_13xx_reader() {
    fuzz(Target::Zip13xx);
}
