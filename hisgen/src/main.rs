//! `hisgen`: write a labelled hospital dictionary of the second evaluation
//! family from a catalogue version in a mulu store.
//!
//! ```text
//! hisgen --home H --kind drug --items 2000 --seed 7 --out family-b-drug.csv
//! mulu --home H eval family-b-drug.csv --kind drug --baseline
//! ```

use anyhow::{Context, Result};
use catalog_core::{Category, Store};
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "hisgen",
    about = "第二套独立评测数据：从目录版本生成带标注的医院字典"
)]
struct Args {
    /// The mulu home holding the catalogue
    #[arg(long, env = "MULU_HOME")]
    home: PathBuf,
    /// drug, consumable, service, diagnosis or procedure
    #[arg(long)]
    kind: String,
    /// Version label (default: the newest of the kind)
    #[arg(long)]
    version: Option<String>,
    /// Items with a counterpart
    #[arg(long, default_value_t = 2000)]
    items: usize,
    /// Extra hospital-only items, as a share of --items
    #[arg(long, default_value_t = 0.08)]
    house_share: f64,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[arg(long)]
    out: PathBuf,
}

fn main() -> Result<()> {
    let a = Args::parse();
    let kind: Category = a
        .kind
        .parse()
        .map_err(|e| anyhow::anyhow!("--kind {}: {e}", a.kind))?;
    let store = Store::open_home(&a.home)?;
    let v = store.resolve(a.version.as_deref(), Some(kind))?;
    let entries = store.entries(v.id)?;
    let rows = hisgen::generate(
        kind,
        &entries,
        &hisgen::Spec {
            items: a.items,
            house_share: a.house_share,
            seed: a.seed,
        },
    );
    hisgen::write_csv(&a.out, &rows).with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!(
        "{}: {} rows ({} from '{}', {} hospital-only)",
        a.out.display(),
        rows.len(),
        rows.iter().filter(|r| !r.truth.is_empty()).count(),
        v.label,
        rows.iter().filter(|r| r.truth.is_empty()).count()
    );
    Ok(())
}
