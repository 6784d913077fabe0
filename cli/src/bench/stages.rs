//! The benchmark stages. Each one measures real work through the library
//! APIs the CLI and the server use, on the generated corpus.

use super::{http_load, stats::Latency, Args, Figure};
use crate::ctx::Ctx;
use anyhow::{bail, Context, Result};
use catalog_core::{Category, HospitalItem, Store, VersionInfo};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Bench<'a> {
    ctx: &'a Ctx,
    args: &'a Args,
    corpus: PathBuf,
    scale: corpus::Scale,
    home: PathBuf,
    manifest: Option<corpus::Manifest>,
    pub figures: Vec<Figure>,
    pub corpus_note: String,
}

fn fmt_rate(n: f64, unit: &str) -> String {
    if n >= 10_000.0 {
        format!("{:.0}k {unit}", n / 1000.0)
    } else {
        format!("{n:.0} {unit}")
    }
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
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
            manifest: None,
            figures: Vec::new(),
            corpus_note: String::new(),
        }
    }

    fn wants(&self, stage: &str) -> bool {
        self.args.stages.iter().any(|s| s == stage)
    }

    fn fig(
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

    fn file(&self, kind: &str, role: &str, format: &str) -> Option<PathBuf> {
        let m = self.manifest.as_ref()?;
        m.files
            .iter()
            .find(|f| f.kind == kind && f.role == role && f.format == format)
            .map(|f| self.corpus.join(&f.path))
    }

    pub fn run_all(&mut self) -> Result<()> {
        self.stage_gen()?;
        let mut store = Store::open_home(&self.home)?;
        let imports_needed = ["import", "index", "match", "query", "diff", "http"]
            .iter()
            .any(|s| self.wants(s));
        if imports_needed {
            self.stage_import(&mut store)?;
        }
        if self.wants("xlsx") {
            self.stage_xlsx()?;
        }
        let drug = store.resolve(Some("v1"), Some(Category::Drug)).ok();
        let needs_index = ["index", "match", "query", "http"]
            .iter()
            .any(|s| self.wants(s));
        if let (Some(v), true) = (&drug, needs_index) {
            self.stage_index(&store, v)?;
            let items = self.hospital_items("drug")?;
            if self.wants("match") {
                self.stage_match(v, &items)?;
            }
            if self.wants("query") {
                self.stage_query(v, &items)?;
            }
            if self.wants("http") {
                drop(store);
                self.stage_http(&items)?;
                store = Store::open_home(&self.home)?;
            }
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
            if !self.wants("import") && kind == "consumable" && !self.wants("diff") {
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
        // The same file through pandas.read_excel (openpyxl), side by side.
        let script = "import sys,time,pandas\nt=time.time()\ndf=pandas.read_excel(sys.argv[1],header=1,dtype=str)\nprint(len(df), time.time()-t)";
        match std::process::Command::new("python3").args(["-c", script]).arg(&path).output() {
            Ok(o) if o.status.success() => {
                let out = String::from_utf8_lossy(&o.stdout);
                let mut it = out.split_whitespace();
                let rows = it.next().unwrap_or("?").to_string();
                let secs: f64 = it.next().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN);
                self.fig("xlsx", "read the same xlsx with pandas.read_excel (openpyxl)", format!("{secs:.2} s"), "", format!("{rows} rows"));
                self.fig("xlsx", "speed-up of mulu over pandas on that file", format!("{:.1}×", secs / ours), "≥ 5×", String::new());
            }
            _ => self.ctx.say("  (pandas/openpyxl not available: `pip install pandas openpyxl` for the side-by-side figure)"),
        }
        Ok(())
    }

    fn stage_index(&mut self, store: &Store, v: &VersionInfo) -> Result<()> {
        let dir = matcher::index::dir_for(&self.home, v);
        let _ = std::fs::remove_dir_all(&dir);
        let t = Instant::now();
        matcher::index::build(store, v, &dir, &|_, _| {})?;
        let secs = t.elapsed().as_secs_f64();
        self.fig(
            "index",
            format!("index {} drug rows (tantivy)", v.row_count),
            format!("{secs:.1} s"),
            "< 30 s for 300k",
            fmt_rate(v.row_count as f64 / secs, "rows/s"),
        );
        Ok(())
    }

    fn hospital_items(&self, kind: &str) -> Result<Vec<HospitalItem>> {
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

    fn stage_match(&mut self, v: &VersionInfo, items: &[HospitalItem]) -> Result<()> {
        let m = self.matcher(v)?;
        let t = Instant::now();
        let results = m.match_batch(items, 5, &|_| {});
        let secs = t.elapsed().as_secs_f64();
        let with_candidate = results.iter().filter(|r| !r.candidates.is_empty()).count();
        self.fig(
            "match",
            format!(
                "batch match {} HIS drug items vs {} rows",
                items.len(),
                v.row_count
            ),
            fmt_rate(items.len() as f64 / secs, "items/s"),
            "≥ 2,000 items/s",
            format!(
                "{secs:.2} s on {} threads; {with_candidate} items with candidates",
                rayon::current_num_threads()
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

    fn stage_http(&mut self, items: &[HospitalItem]) -> Result<()> {
        let config = mulu_server::Config {
            max_body: 1 << 20,
            reload_every: Duration::from_secs(60),
            ..mulu_server::Config::default()
        };
        let server =
            mulu_server::spawn_local(self.home.clone(), "127.0.0.1:0".parse()?, config, 2)?;
        let reqs: Vec<http_load::Request> = items
            .iter()
            .take(5000)
            .map(|it| {
                let body = serde_json::json!({ "name": it.name, "spec": it.spec, "manufacturer": it.manufacturer, "approval_no": it.approval_no, "category": "drug" });
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
        self.fig(
            "http",
            format!("POST /v1/match, one item per request, {} connections", r.connections),
            fmt_rate(r.requests_per_sec, "req/s"),
            "≥ 2,000 req/s",
            format!("p50 {:.2} ms, p99 {:.2} ms (target < 50 ms); {} requests in {:.1} s, {} errors; load generator in the same process", r.latency.p50_ms, r.latency.p99_ms, r.requests, r.seconds, r.errors),
        );
        Ok(())
    }
}
