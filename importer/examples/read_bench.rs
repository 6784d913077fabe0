//! Parse throughput of the catalogue reader alone (no store):
//! `cargo run --release -p importer --example read_bench -- FILE [KIND]`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let file = args.next().ok_or("usage: read_bench FILE [KIND]")?;
    let kind = args.next().map(|k| k.parse()).transpose()?;
    let t0 = Instant::now();
    let reader = importer::read(
        &file,
        &importer::ReadOptions {
            kind,
            ..Default::default()
        },
    )?;
    let opened = t0.elapsed();
    let (mut ok, mut bad, mut bytes) = (0u64, 0u64, 0usize);
    for r in reader {
        match r {
            // Serialise as the store would, so the figure includes that cost.
            Ok(e) => {
                ok += 1;
                bytes += serde_json::to_string(&e)?.len();
            }
            Err(_) => bad += 1,
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{file}: {ok} entries, {bad} rejected in {secs:.2} s (open {:.2} s) = {:.0} rows/s, {:.1} MB JSON",
        opened.as_secs_f64(),
        (ok + bad) as f64 / secs,
        bytes as f64 / 1e6
    );
    Ok(())
}
