//! HTTP imports and HIS-dictionary matches run as background jobs on one
//! writer thread: `POST /v1/import` (or `POST /v1/his`) saves the upload and
//! answers 202 with a job id at once; `GET /v1/jobs/{id}` tells queued,
//! running (with progress), imported, matched, rejected or failed, with the
//! summary. A client that times out or goes away therefore never
//! leaves a write half-reported: the job's outcome stays readable.

use crate::state::{App, Shared};
use catalog_core::store::StoreError;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, Weak};

/// Finished jobs remembered at most (the oldest are forgotten first).
const KEEP_FINISHED: usize = 200;

/// How far a running job is.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Progress {
    /// reading, matching or recording.
    pub phase: &'static str,
    /// The phase in Chinese, for the page.
    pub phase_zh: &'static str,
    /// Items done in this phase.
    pub done: u64,
    /// Items in this phase (0 while unknown).
    pub total: u64,
}

/// One job as clients see it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Job {
    pub id: u64,
    /// import (a catalogue version) or match (a HIS dictionary).
    #[serde(rename = "type")]
    pub job_type: &'static str,
    /// queued, running, imported, matched, rejected (too many bad rows) or failed.
    pub status: &'static str,
    pub kind: Option<String>,
    pub label: String,
    pub format: String,
    pub submitted_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub first_rejects: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

impl Job {
    fn finished(&self) -> bool {
        !matches!(self.status, "queued" | "running")
    }
}

/// What a job does with its upload.
pub(crate) enum Task {
    /// Import a catalogue version.
    Import(Box<importer::ImportOptions>),
    /// Match a HIS dictionary and record the suggestions.
    Match(crate::his::MatchTask),
}

/// A queued job: the saved upload and what to do with it.
pub(crate) struct Work {
    pub path: PathBuf,
    /// The name clients know the upload by (`upload.csv`), never the server path.
    pub shown: String,
    pub task: Task,
}

pub(crate) struct Jobs {
    app: Weak<Shared>,
    max_queued: usize,
    table: Mutex<Table>,
    worker: Mutex<Option<Sender<(u64, Work)>>>,
}

#[derive(Default)]
struct Table {
    next: u64,
    jobs: BTreeMap<u64, Job>,
}

/// Why a job was not accepted.
pub(crate) enum Refused {
    QueueFull(usize),
    WorkerGone,
}

impl Jobs {
    pub fn new(app: Weak<Shared>, max_queued: usize) -> Jobs {
        Jobs {
            app,
            max_queued: max_queued.max(1),
            table: Mutex::new(Table::default()),
            worker: Mutex::new(None),
        }
    }

    pub fn get(&self, id: u64) -> Option<Job> {
        self.lock().jobs.get(&id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue an import; the job is visible (queued) before this returns.
    pub fn submit(&self, job: Job, work: Work) -> Result<Job, Refused> {
        let mut t = self.lock();
        let pending = t.jobs.values().filter(|j| !j.finished()).count();
        if pending >= self.max_queued {
            return Err(Refused::QueueFull(self.max_queued));
        }
        t.next += 1;
        let id = t.next;
        let job = Job { id, ..job };
        t.jobs.insert(id, job.clone());
        let finished: Vec<u64> = t
            .jobs
            .values()
            .filter(|j| j.finished())
            .map(|j| j.id)
            .collect();
        for old in finished
            .iter()
            .take(finished.len().saturating_sub(KEEP_FINISHED))
        {
            t.jobs.remove(old);
        }
        drop(t);
        let sent = self.sender().and_then(|tx| tx.send((id, work)).ok());
        if sent.is_none() {
            self.lock().jobs.remove(&id);
            return Err(Refused::WorkerGone);
        }
        Ok(job)
    }

    /// The writer thread, started with the first job.
    fn sender(&self) -> Option<Sender<(u64, Work)>> {
        let mut w = self.worker.lock().unwrap_or_else(|p| p.into_inner());
        if w.is_none() {
            let (tx, rx) = channel::<(u64, Work)>();
            let app = self.app.clone();
            std::thread::Builder::new()
                .name("mulu-import".into())
                .spawn(move || {
                    for (id, work) in rx {
                        let Some(shared) = app.upgrade() else { break };
                        run(&App { inner: shared }, id, work);
                    }
                })
                .ok()?;
            *w = Some(tx);
        }
        w.clone()
    }

    pub(crate) fn update(&self, id: u64, f: impl FnOnce(&mut Job)) {
        if let Some(j) = self.lock().jobs.get_mut(&id) {
            f(j);
        }
    }
}

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

fn run(app: &App, id: u64, work: Work) {
    let jobs = &app.inner.jobs;
    jobs.update(id, |j| {
        j.status = "running";
        j.started_at = Some(now());
    });
    let options = match &work.task {
        Task::Import(o) => o,
        Task::Match(t) => {
            crate::his::run(app, id, &work, t);
            let _ = std::fs::remove_file(&work.path);
            return;
        }
    };
    let source = work.path.display().to_string();
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| import(app, &work, options)));
    let _ = std::fs::remove_file(&work.path);
    let redact = |mut v: Value| {
        crate::public::redact_value(&mut v, &source, &work.shown);
        v
    };
    let error = |code: &str, message: String| {
        redact(serde_json::json!({ "code": code, "message": message }))
    };
    let (status, summary, rejects, err) = match outcome {
        Ok(Ok(summary)) => {
            let rejects: Vec<String> = summary
                .rejects
                .iter()
                .take(100)
                .map(|r| r.to_string())
                .collect();
            let status = if summary.committed {
                "imported"
            } else {
                "rejected"
            };
            let summary = serde_json::to_value(&summary).unwrap_or(Value::Null);
            let rejects = match redact(Value::from(rejects)) {
                Value::Array(a) => a
                    .into_iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => Vec::new(),
            };
            (status, Some(redact(summary)), rejects, None)
        }
        Ok(Err(e)) => {
            let busy = match &e {
                importer::ImportError::Store(s)
                | importer::ImportError::StoreFailed { error: s, .. } => s.is_busy(),
                _ => false,
            };
            let read_only = matches!(
                &e,
                importer::ImportError::Store(StoreError::ReadOnly { .. })
            );
            let code = if busy {
                "store_busy"
            } else if read_only {
                "read_only"
            } else {
                "import_failed"
            };
            ("failed", None, Vec::new(), Some(error(code, e.to_string())))
        }
        Err(_) => (
            "failed",
            None,
            Vec::new(),
            Some(error(
                "internal",
                "internal error (a bug: please report it)".into(),
            )),
        ),
    };
    if status == "imported" {
        // Load the new version's matcher now rather than at the next poll.
        app.want_refresh();
    }
    jobs.update(id, |j| {
        j.status = status;
        j.finished_at = Some(now());
        j.summary = summary;
        j.first_rejects = rejects;
        j.error = err;
    });
}

/// The import itself, on its own writer connection.
fn import(
    app: &App,
    work: &Work,
    options: &importer::ImportOptions,
) -> Result<importer::ImportSummary, importer::ImportError> {
    let mut store = catalog_core::Store::open_home(app.home())?;
    store.set_busy_timeout(app.config().busy_timeout)?;
    importer::import_into(
        &mut store,
        &work.path.display().to_string(),
        options,
        &|_| {},
    )
}
