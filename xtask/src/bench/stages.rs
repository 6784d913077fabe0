//! The benchmark stages. Each one measures real work through the library
//! APIs the CLI and the server use, on the generated corpus.

use super::{http_load, stats::Latency, Args, Figure};
use crate::ctx::Ctx;
use anyhow::{bail, Context, Result};
use catalog_core::{Category, HospitalItem, Store, VersionInfo};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Bench<'a> {
    pub(super) ctx: &'a Ctx,
    pub(super) args: &'a Args,
    corpus: PathBuf,
    scale: corpus::Scale,
    pub(super) home: PathBuf,
    pub(super) work: PathBuf,
    manifest: Option<corpus::Manifest>,
    pub figures: Vec<Figure>,
    pub corpus_note: String,
}

pub(super) fn fmt_rate(n: f64, unit: &str) -> String {
    if n >= 10_000.0 {
        format!("{:.0}k {unit}", n / 1000.0)
    } else {
        format!("{n:.0} {unit}")
    }
}

/// Start a new peak-memory window: Linux resets VmHWM to the current RSS
/// when 5 is written to clear_refs, so a stage's peak is its own.
pub(super) fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
pub(super) fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

impl<'a> Bench<'a> {
    pub fn new(
        ctx: &'a Ctx,
        args: &'a Args,
        corpus: PathBuf,
        scale: corpus::Scale,
        work: PathBuf,
    ) -> Self {
        Bench {
            ctx,
            args,
            corpus,
            scale,
            home: work.join("home"),
            work,
            manifest: None,
            figures: Vec::new(),
            corpus_note: String::new(),
        }
    }

    pub(super) fn wants(&self, stage: &str) -> bool {
        self.args.stages.iter().any(|s| s == stage)
    }

    pub(super) fn fig(
        &mut self,
        stage: &str,
        what: impl Into<String>,
        value: impl Into<String>,
        target: &str,
        note: impl Into<String>,
    ) {
        let f = Figure {
            stage: stage.into(),
            what: what.into(),
            value: value.into(),
            target: target.into(),
            note: note.into(),
        };
        self.ctx.say(format!(
            "  {:<8} {:<52} {:>18}  {}",
            f.stage, f.what, f.value, f.note
        ));
        self.figures.push(f);
    }

    pub(super) fn file(&self, kind: &str, role: &str, format: &str) -> Option<PathBuf> {
        let m = self.manifest.as_ref()?;
        m.files
            .iter()
            .find(|f| f.kind == kind && f.role == role && f.format == format)
            .map(|f| self.corpus.join(&f.path))
    }

    pub fn run_all(&mut self) -> Result<()> {
        self.stage_gen()?;
        let mut store = Store::open_home(&self.home)?;
        let imports_needed = STORE_STAGES.iter().any(|s| self.wants(s));
        if imports_needed {
            self.stage_import(&mut store)?;
        }
        if self.wants("xlsx") {
            self.stage_xlsx()?;
        }
        // A corpus made with `--no-xlsx` has no xlsx "v1": index the GBK CSV's.
        let drug = store
            .resolve(Some("v1"), Some(Category::Drug))
            .or_else(|_| store.resolve(Some("v1-gbk"), Some(Category::Drug)))
            .ok();
        let cons = store.resolve(Some("v1"), Some(Category::Consumable)).ok();
        let drug_items = self.hospital_items("drug").unwrap_or_default();
        let cons_items = self.hospital_items("consumable").unwrap_or_default();
        let needs_drug = ["index", "match", "query", "http", "review", "export"]
            .iter()
            .any(|s| self.wants(s));
        if let (Some(v), true) = (&drug, needs_drug) {
            self.stage_index(&store, v, "index", "< 30 s for 300k")?;
            if self.wants("match") {
                self.stage_match(v, &drug_items, "match", "≥ 4,000 items/s")?;
            }
            if self.wants("query") {
                self.stage_query(v, &drug_items)?;
            }
        }
        let needs_cons = ["cindex", "cmatch", "http", "review", "export"]
            .iter()
            .any(|s| self.wants(s));
        if let (Some(v), true) = (&cons, needs_cons) {
            self.stage_index(&store, v, "cindex", "≤ 30 s and ≤ 1.5 GB for 1M")?;
            if self.wants("cmatch") {
                self.stage_match(v, &cons_items, "cmatch", "≥ 2,000 items/s, peak ≤ 1.5 GB")?;
            }
        }
        if self.wants("lookup") {
            self.stage_lookup(&store)?;
        }
        if self.wants("http") {
            drop(store);
            if drug.is_some() {
                self.stage_http(&drug_items, "drug", "≥ 3,000 req/s")?;
            }
            if cons.is_some() {
                self.stage_http(&cons_items, "consumable", "≥ 1,500 req/s")?;
            }
            store = Store::open_home(&self.home)?;
        }
        if self.wants("review") || self.wants("export") {
            drop(store);
            self.stage_review_export()?;
            store = Store::open_home(&self.home)?;
        }
        if self.wants("diff") {
            self.stage_diff(&store)?;
        }
        Ok(())
    }

    fn stage_gen(&mut self) -> Result<()> {
        let manifest_path = self.corpus.join("manifest.json");
        if !manifest_path.exists() {
            if !self.wants("gen") {
                bail!(
                    "no corpus at {} (add the gen stage or pass --corpus)",
                    self.corpus.display()
                );
            }
            self.ctx.say(format!(
                "generating a {} corpus in {}",
                self.args.scale,
                self.corpus.display()
            ));
            let t = Instant::now();
            let m = corpus::generate(
                &corpus::CorpusSpec {
                    scale: self.scale,
                    seed: self.args.seed,
                    out: self.corpus.clone(),
                    formats: corpus::Formats::default(),
                },
                &|_, _| {},
            )?;
            let bytes: u64 = m.files.iter().map(|f| f.bytes).sum();
            let secs = t.elapsed().as_secs_f64();
            self.fig(
                "gen",
                format!("generate the {} corpus", self.args.scale),
                format!("{secs:.1} s"),
                "seconds (small)",
                format!("{} files, {:.0} MB", m.files.len(), bytes as f64 / 1e6),
            );
        }
        let m: corpus::Manifest = serde_json::from_str(&std::fs::read_to_string(&manifest_path)?)
            .context("reading manifest.json")?;
        self.corpus_note = format!(
            "`{}` scale, seed {}: {} drug, {} consumable, {} service, {} diagnosis, {} procedure rows; hospital dictionaries {} drug items",
            m.scale, m.seed, m.sizes.drug, m.sizes.consumable, m.sizes.service, m.sizes.diagnosis, m.sizes.procedure, m.sizes.hosp_drug
        );
        self.manifest = Some(m);
        Ok(())
    }

    fn import(
        &mut self,
        store: &mut Store,
        path: &Path,
        kind: Category,
        label: &str,
        what: &str,
        target: &str,
    ) -> Result<()> {
        let opts = importer::ImportOptions {
            kind: Some(kind),
            label: Some(label.into()),
            replace: true,
            ..Default::default()
        };
        let t = Instant::now();
        let s = importer::import_into(store, &path.display().to_string(), &opts, &|_| {})
            .with_context(|| format!("importing {}", path.display()))?;
        let secs = t.elapsed().as_secs_f64();
        if !s.committed {
            bail!(
                "{}: import not committed ({} rejected of {})",
                path.display(),
                s.rejected,
                s.read
            );
        }
        let rate = s.read as f64 / secs;
        self.fig(
            "import",
            what,
            fmt_rate(rate, "rows/s"),
            target,
            format!(
                "{} rows in {secs:.2} s, peak RSS so far {:.0} MiB",
                s.read,
                peak_rss_mib()
            ),
        );
        Ok(())
    }

    fn stage_import(&mut self, store: &mut Store) -> Result<()> {
        let jobs: [(&str, &str, &str, Category, &str, &str, &str); 6] = [
            (
                "drug",
                "v1",
                "csv_gbk",
                Category::Drug,
                "v1-gbk",
                "drug CSV (GBK), parse + store",
                "≥ 100k rows/s",
            ),
            (
                "drug",
                "v1",
                "xlsx",
                Category::Drug,
                "v1",
                "drug xlsx, parse + store",
                "",
            ),
            (
                "drug",
                "v2",
                "xlsx",
                Category::Drug,
                "v2",
                "drug xlsx v2, parse + store",
                "",
            ),
            (
                "consumable",
                "v1",
                "csv",
                Category::Consumable,
                "v1",
                "consumable CSV (UTF-8), parse + store",
                "≥ 100k rows/s",
            ),
            (
                "consumable",
                "v2",
                "csv",
                Category::Consumable,
                "v2",
                "consumable CSV v2, parse + store",
                "≥ 100k rows/s",
            ),
            (
                "drug",
                "v1",
                "zip_1301",
                Category::Drug,
                "v1-1301",
                "drug 1301 ZIP (headerless TSV), parse + store",
                "",
            ),
        ];
        for (kind, role, format, cat, label, what, target) in jobs {
            if !(self.wants("import") || label == "v1" || label == "v2") {
                continue;
            }
            if !self.wants("diff") && role == "v2" {
                continue;
            }
            let cons_needed = [
                "diff", "cindex", "cmatch", "http", "lookup", "review", "export",
            ]
            .iter()
            .any(|s| self.wants(s));
            if !self.wants("import") && kind == "consumable" && !cons_needed {
                continue;
            }
            match self.file(kind, role, format) {
                Some(p) => self.import(store, &p, cat, label, what, target)?,
                None => self.ctx.say(format!(
                    "  (no {kind} {role} {format} file in the corpus; skipped)"
                )),
            }
        }
        Ok(())
    }

    fn stage_xlsx(&mut self) -> Result<()> {
        let Some(path) = self.file("drug", "v1", "xlsx") else {
            return Ok(());
        };
        let t = Instant::now();
        let table = importer::table::open(
            &path,
            &importer::table::TableOptions {
                known_headers: vec!["药品代码".into(), "注册名称".into()],
                ..Default::default()
            },
        )?;
        let n = table.count();
        let ours = t.elapsed().as_secs_f64();
        self.fig(
            "xlsx",
            "read drug xlsx to rows (mulu, calamine)",
            format!("{ours:.2} s"),
            "",
            format!("{n} rows"),
        );
        // The pandas side-by-side is `scripts/pandas_xlsx.py` (optional,
        // documented in docs/benchmarks.md): the benchmark itself needs no Python.
        Ok(())
    }

    fn stage_index(
        &mut self,
        store: &Store,
        v: &VersionInfo,
        stage: &str,
        target: &str,
    ) -> Result<()> {
        let dir = matcher::index::dir_for(&self.home, v);
        let _ = std::fs::remove_dir_all(&dir);
        let windowed = reset_peak_rss();
        let t = Instant::now();
        matcher::index::build(store, v, &dir, &|_, _| {})?;
        let secs = t.elapsed().as_secs_f64();
        let peak = peak_rss_mib();
        self.fig(
            stage,
            format!("index {} {} rows (tantivy)", v.row_count, v.category),
            format!("{secs:.1} s"),
            target,
            format!(
                "{}, peak RSS {peak:.0} MiB{}",
                fmt_rate(v.row_count as f64 / secs, "rows/s"),
                if windowed { "" } else { " (process so far)" }
            ),
        );
        Ok(())
    }

    pub(super) fn hospital_items(&self, kind: &str) -> Result<Vec<HospitalItem>> {
        let path = self
            .file(kind, "hospital", "csv")
            .context("no hospital dictionary in the corpus")?;
        let read = importer::hospital::read_items(
            &path,
            &importer::hospital::HospitalReadOptions::default(),
        )?;
        Ok(read.items)
    }

    fn matcher(&self, v: &VersionInfo) -> Result<matcher::Matcher> {
        matcher::Matcher::open(&matcher::index::dir_for(&self.home, v))
    }

    fn stage_match(
        &mut self,
        v: &VersionInfo,
        items: &[HospitalItem],
        stage: &str,
        target: &str,
    ) -> Result<()> {
        if items.is_empty() {
            self.ctx.say(format!(
                "  (no {} hospital dictionary; skipped)",
                v.category
            ));
            return Ok(());
        }
        let windowed = reset_peak_rss();
        let t = Instant::now();
        let m = self.matcher(v)?;
        let open_secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let results = m.match_batch(items, 5, &|_| {});
        let secs = t.elapsed().as_secs_f64();
        let peak = peak_rss_mib();
        let with_candidate = results.iter().filter(|r| !r.candidates.is_empty()).count();
        let capped = results.iter().filter(|r| r.retrieval.cap_reached).count();
        let refined = results
            .iter()
            .filter(|r| r.retrieval.blocks_refined > 0)
            .count();
        let scored: u64 = results
            .iter()
            .map(|r| r.retrieval.candidates_scored as u64)
            .sum();
        self.fig(
            stage,
            format!(
                "batch match {} HIS {} items vs {} rows",
                items.len(),
                v.category,
                v.row_count
            ),
            fmt_rate(items.len() as f64 / secs, "items/s"),
            target,
            format!(
                "{secs:.2} s on {} threads (index opened in {open_secs:.1} s); peak RSS {peak:.0} MiB{}; {with_candidate} items with candidates; {refined} refined a large block, {capped} hit a cap; {:.0} rows scored per item",
                rayon::current_num_threads(),
                if windowed { "" } else { " (process so far)" },
                scored as f64 / items.len() as f64
            ),
        );
        Ok(())
    }

    fn stage_query(&mut self, v: &VersionInfo, items: &[HospitalItem]) -> Result<()> {
        let m = self.matcher(v)?;
        let n = self.args.queries.min(items.len());
        let mut lat = Vec::with_capacity(n);
        for it in &items[..n] {
            let t = Instant::now();
            std::hint::black_box(m.match_item(it, 5));
            lat.push(t.elapsed());
        }
        let l = Latency::from_samples(lat);
        self.fig(
            "query",
            format!("single-item match latency ({n} items, one at a time)"),
            format!("p50 {:.2} ms", l.p50_ms),
            "p50 < 5 ms",
            format!(
                "p90 {:.2} ms, p99 {:.2} ms, max {:.1} ms",
                l.p90_ms, l.p99_ms, l.max_ms
            ),
        );
        Ok(())
    }

    fn stage_diff(&mut self, store: &Store) -> Result<()> {
        for cat in [Category::Drug, Category::Consumable] {
            let (Ok(old), Ok(new)) = (
                store.resolve(Some("v1"), Some(cat)),
                store.resolve(Some("v2"), Some(cat)),
            ) else {
                continue;
            };
            let t = Instant::now();
            let d = catalog_diff::diff_stored(
                store,
                &old,
                &new,
                &catalog_diff::DiffOptions {
                    keep_rows: false,
                    ..Default::default()
                },
            )?;
            let secs = t.elapsed().as_secs_f64();
            self.fig(
                "diff",
                format!(
                    "diff {cat} v1 → v2 ({} vs {} rows, from the store)",
                    old.row_count, new.row_count
                ),
                format!("{secs:.2} s"),
                "< 3 s for 1M",
                format!(
                    "{} changes; peak RSS so far {:.0} MiB",
                    d.changes.len(),
                    peak_rss_mib()
                ),
            );
        }
        Ok(())
    }

    fn stage_http(&mut self, items: &[HospitalItem], kind: &str, target: &str) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let config = mulu_server::Config {
            max_body: 1 << 20,
            reload_every: Duration::from_secs(60),
            ..mulu_server::Config::default()
        };
        let windowed = reset_peak_rss();
        let server =
            mulu_server::spawn_local(self.home.clone(), "127.0.0.1:0".parse()?, config, 2)?;
        let reqs: Vec<http_load::Request> = items
            .iter()
            .take(5000)
            .map(|it| {
                let body = serde_json::json!({ "name": it.name, "spec": it.spec, "manufacturer": it.manufacturer, "approval_no": it.approval_no, "registration_no": it.registration_no, "unit": it.unit, "category": kind });
                http_load::Request { method: "POST", path: "/v1/match".into(), body: body.to_string().into_bytes() }
            })
            .collect();
        let r = http_load::run(
            server.addr,
            &reqs,
            self.args.http_connections,
            Duration::from_secs(self.args.http_seconds),
            1_000_000,
        )?;
        drop(server);
        let peak = peak_rss_mib();
        self.fig(
            "http",
            format!("POST /v1/match, one {kind} item per request, {} connections", r.connections),
            fmt_rate(r.requests_per_sec, "req/s"),
            target,
            format!("p50 {:.2} ms, p99 {:.2} ms (target ≤ 50 ms); {} requests in {:.1} s, {} errors; server holds every indexed category, peak RSS {peak:.0} MiB{}; load generator in the same process", r.latency.p50_ms, r.latency.p99_ms, r.requests, r.seconds, r.errors, if windowed { "" } else { " (process so far)" }),
        );
        Ok(())
    }
}

/// Stages that need the catalogues in the bench store.
const STORE_STAGES: &[&str] = &[
    "import", "index", "match", "query", "diff", "http", "cindex", "cmatch", "lookup", "review",
    "export",
];
