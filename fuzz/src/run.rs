//! The harness: cases in, properties checked, figures out.

use crate::gen;
use arbitrary::Unstructured;
use catalog_core::Store;
use importer::{import_into, ImportError, ImportOptions, ImportSummary, Limits};
use rand::{RngCore, SeedableRng};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

/// A reader under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// CSV/TSV text (any encoding).
    Csv,
    /// xlsx workbooks.
    Xlsx,
    /// XML records.
    Xml,
    /// JSON arrays, wrapped arrays and JSON lines.
    Json,
    /// 13xx platform ZIPs.
    Zip13xx,
}

impl Target {
    fn salt(self) -> u64 {
        self as u64 + 1
    }
    fn ext(self) -> &'static str {
        match self {
            Target::Csv => "csv",
            Target::Xlsx => "xlsx",
            Target::Xml => "xml",
            Target::Json => "json",
            Target::Zip13xx => "zip",
        }
    }
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Cases executed.
    pub cases: u64,
    /// Cases that committed a version.
    pub committed: u64,
    /// Cases refused with a summary (too many rejects, no valid rows, a break).
    pub refused: u64,
    /// Cases refused before any row (unreadable, no header, a limit).
    pub unreadable: u64,
    /// Cases that stopped at a named limit.
    pub limit_hits: u64,
    /// Failures: panics, unbalanced summaries, cases over their time.
    pub failures: Vec<String>,
    /// The slowest case.
    pub slowest: Duration,
    /// Peak resident memory of the process so far, in KiB (VmHWM).
    pub peak_rss_kib: u64,
}

/// The limits the fuzzer imports under: small, so hostile shapes reach
/// them in little time, yet large enough for the seeds.
pub fn fuzz_limits() -> Limits {
    Limits {
        max_cell_bytes: 16 * 1024,
        max_record_bytes: 256 * 1024,
        max_cells_per_record: 2048,
        max_field_names: 2048,
        max_rejects_kept: 200,
        max_unpacked_bytes: 32 << 20,
        ..Limits::default()
    }
}

/// Longest a single case may take (a case past it is a hang).
pub const CASE_TIME: Duration = Duration::from_secs(30);

static PANICS: AtomicUsize = AtomicUsize::new(0);
/// One run at a time: panics are counted process-wide.
static RUN: Mutex<()> = Mutex::new(());
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Count panics on every thread (the readers run threads of their own).
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut m) = LAST_PANIC.lock() {
                *m = info.to_string();
            }
            previous(info);
        }));
    });
}

/// Peak resident set of this process, KiB (0 where /proc is missing).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn check(s: &ImportSummary, limits: &Limits, what: &str) -> Result<(), String> {
    if !s.balanced() {
        return Err(format!(
            "{what}: read {} != imported {} + valid {} + rejected {} + notes {}",
            s.read, s.imported, s.valid, s.rejected, s.notes
        ));
    }
    if s.rejects.len() > limits.max_rejects_kept {
        return Err(format!("{what}: {} rejects kept", s.rejects.len()));
    }
    if let Some(r) = s
        .rejects
        .iter()
        .find(|r| r.cells.len() > limits.max_cells_per_record.max(s.header.len()))
    {
        return Err(format!("{what}: a reject holds {} cells", r.cells.len()));
    }
    if s.committed && (s.imported == 0 || s.valid != 0) {
        return Err(format!(
            "{what}: committed {} rows, {} valid",
            s.imported, s.valid
        ));
    }
    Ok(())
}

/// Cases imported into one store before it is replaced by a fresh one. Sharing
/// a store saves the schema set-up of every case (a tenth of a small case's
/// time) and lets each case check that a refused import left it as it was.
const CASES_PER_STORE: u64 = 256;

/// What a case may change in a store: its versions (id, label, rows, checksum).
fn versions_of(store: &Store) -> Result<Vec<(i64, String, u64, String)>, String> {
    Ok(store
        .versions()
        .map_err(|e| format!("listing versions: {e}"))?
        .into_iter()
        .map(|v| (v.id, v.label, v.row_count, v.checksum))
        .collect())
}

/// A committed import adds exactly one version holding its rows; any other
/// outcome leaves the versions as they were.
fn check_store(
    before: &[(i64, String, u64, String)],
    after: &[(i64, String, u64, String)],
    committed: Option<u64>,
) -> Result<(), String> {
    match committed {
        None if before != after => Err(format!(
            "a refused import changed the store: {} versions before, {} after",
            before.len(),
            after.len()
        )),
        Some(rows) => {
            let added: Vec<_> = after.iter().filter(|v| !before.contains(v)).collect();
            let kept = before.iter().all(|v| after.contains(v));
            match added.as_slice() {
                [v] if kept && v.2 == rows => Ok(()),
                _ => Err(format!(
                    "a committed import of {rows} rows added {} versions (earlier ones kept: {kept})",
                    added.len()
                )),
            }
        }
        None => Ok(()),
    }
}

/// One case: import `bytes` as a file; Ok(kind of outcome) or the failure.
fn one(
    bytes: &[u8],
    target: Target,
    u: &mut Unstructured<'_>,
    dir: &std::path::Path,
    store: &mut Store,
    n: u64,
) -> Result<&'static str, String> {
    let path = dir.join(format!("case.{}", target.ext()));
    std::fs::write(&path, bytes).map_err(|e| format!("writing the case: {e}"))?;
    let limits = fuzz_limits();
    let kinds = [
        None,
        Some(catalog_core::Category::Drug),
        Some(catalog_core::Category::Herbal),
    ];
    let opts = ImportOptions {
        kind: *u.choose(&kinds).unwrap_or(&None),
        max_reject: *u.choose(&[0.0, 0.5, 1.0]).unwrap_or(&1.0),
        label: Some(format!("fuzz-{n}")),
        limits: limits.clone(),
        ..Default::default()
    };
    let versions_before = versions_of(store)?;
    let before = PANICS.load(Ordering::SeqCst);
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        import_into(store, &path.display().to_string(), &opts, &|_| {})
    }));
    // A reader thread may panic after the import returned: give it a moment.
    if PANICS.load(Ordering::SeqCst) != before {
        let msg = LAST_PANIC.lock().map(|m| m.clone()).unwrap_or_default();
        return Err(format!("panic: {msg}"));
    }
    if let Ok(r) = &result {
        let committed = r.as_ref().ok().filter(|s| s.committed).map(|s| s.imported);
        check_store(&versions_before, &versions_of(store)?, committed)?;
    }
    match result {
        Err(_) => Err("panic (no message)".into()),
        Ok(Ok(s)) => check(&s, &limits, "committed").map(|_| "committed"),
        Ok(Err(e)) => {
            if let Some(s) = e.summary() {
                check(s, &limits, &format!("refused ({e})"))?;
            }
            let msg = e.to_string();
            if msg.len() > 64 * 1024 {
                return Err(format!("an error message of {} bytes", msg.len()));
            }
            if e.limit_hit().is_some() {
                return Ok("limit");
            }
            Ok(match e {
                ImportError::Read(_) => "unreadable",
                _ => "refused",
            })
        }
    }
}

/// Run `cases` cases against `target`, from case `from` of stream `seed`.
/// Failing inputs are saved under `crash_dir` when given.
pub fn run(
    target: Target,
    seed: u64,
    from: u64,
    cases: u64,
    crash_dir: Option<&std::path::Path>,
) -> Outcome {
    install_hook();
    let _one_at_a_time = RUN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("a temp dir");
    let seeds = gen::Seeds::load();
    let mut out = Outcome::default();
    let mut store: Option<Store> = None;
    for n in from..from + cases {
        if n % CASES_PER_STORE == 0 || store.is_none() {
            store = Some(Store::open_in_memory().expect("an in-memory store"));
        }
        let store = store.as_mut().expect("opened above");
        // Each case has its own stream: case n replays alone.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ (target.salt() << 56) ^ n);
        let mut raw = vec![0u8; 4096];
        rng.fill_bytes(&mut raw);
        let mut u = Unstructured::new(&raw);
        let bytes = gen::case(target, &seeds, &mut u, &mut rng);
        let t = Instant::now();
        let r = one(&bytes, target, &mut u, dir.path(), store, n);
        let took = t.elapsed();
        out.cases += 1;
        out.slowest = out.slowest.max(took);
        let r = if took > CASE_TIME {
            Err(format!("took {took:?}, over {CASE_TIME:?}"))
        } else {
            r
        };
        match r {
            Ok("committed") => out.committed += 1,
            Ok("limit") => out.limit_hits += 1,
            Ok("unreadable") => out.unreadable += 1,
            Ok(_) => out.refused += 1,
            Err(why) => {
                if let Some(d) = crash_dir {
                    let _ = std::fs::create_dir_all(d);
                    let _ = std::fs::write(
                        d.join(format!("{target:?}-{seed}-{n}.{}", target.ext())),
                        &bytes,
                    );
                }
                out.failures.push(format!(
                    "{target:?} case {n} (seed {seed}, {} bytes): {why}",
                    bytes.len()
                ));
            }
        }
    }
    out.peak_rss_kib = peak_rss_kib();
    out
}
