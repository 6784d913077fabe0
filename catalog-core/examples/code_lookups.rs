//! Latency of `Store::find_code` on a real store, for docs/benchmarks.md:
//! `cargo run --release -p catalog-core --example code_lookups -- <home> [n]`.
//! Samples `n` codes (default 2000) spread over every version plus as many
//! codes in no version, looks each up once and prints p50/p99/max.

use catalog_core::Store;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let home = args.next().ok_or("usage: code_lookups <home> [n]")?;
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let store = Store::open_home(std::path::Path::new(&home))?;
    let versions = store.versions()?;
    let mut codes = Vec::new();
    for v in &versions {
        let raw = store.raw_entries(v.id)?;
        let step = (raw.len() / (n / versions.len().max(1)).max(1)).max(1);
        codes.extend(raw.into_iter().step_by(step).map(|(c, _)| c));
    }
    let misses: Vec<String> = (0..codes.len()).map(|i| format!("XNOSUCH{i:08}")).collect();
    for (label, set) in [("listed codes", &codes), ("codes in no version", &misses)] {
        let mut ms = Vec::with_capacity(set.len());
        let mut hits = 0usize;
        for c in set {
            let t = Instant::now();
            hits += store.find_code(c)?.len();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(|a, b| a.total_cmp(b));
        let q = |p: f64| ms[((ms.len() as f64 * p) as usize).min(ms.len() - 1)];
        println!(
            "{label}: {} look-ups over {} versions ({hits} rows found): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            ms.len(),
            versions.len(),
            q(0.50),
            q(0.99),
            ms[ms.len() - 1]
        );
    }
    let t = Instant::now();
    let found = store.find_codes(codes.iter().map(String::as_str))?;
    println!(
        "find_codes: {} codes resolved in one pass in {:.1} ms ({} found)",
        codes.len(),
        t.elapsed().as_secs_f64() * 1000.0,
        found.len()
    );
    Ok(())
}
