//! Generate a corpus without the CLI: `cargo run -p corpus --example gen -- small 1 /tmp/out`.
fn main() -> anyhow::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    let scale = match a.get(1).map(String::as_str) {
        Some("full") => corpus::Scale::Full,
        Some("samples") => corpus::Scale::Samples,
        _ => corpus::Scale::Small,
    };
    let seed = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(1);
    let out = a.get(3).cloned().unwrap_or_else(|| "/tmp/corpus".into());
    let t = std::time::Instant::now();
    let m = corpus::generate(
        &corpus::CorpusSpec {
            scale,
            seed,
            out: out.into(),
            formats: Default::default(),
        },
        &|f, n| eprintln!("{f} {n}"),
    )?;
    eprintln!(
        "{} files in {:.1}s",
        m.files.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
