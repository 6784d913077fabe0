//! `POST /v1/import?kind=…&label=…&format=…`: upload a catalogue file as a new
//! version (write endpoint). The body is the file itself. It is saved under
//! a name the server makes up (never one the client sends), so no path from
//! a request reaches the file system, and imported by a background job: the
//! answer is `202 Accepted` with the job, to be followed at `/v1/jobs/{id}`.

use super::{parse_kind, AppState};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{Job, Refused, Work};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::io::Write;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportQuery {
    #[serde(default)]
    kind: Option<String>,
    label: String,
    /// File type of the body: xlsx, xls, ods, csv, txt, zip, xml, json, jsonl.
    format: String,
    #[serde(default)]
    sheet: Option<String>,
    #[serde(default)]
    replace: bool,
    #[serde(default)]
    max_reject: Option<f64>,
}

const FORMATS: &[&str] = &[
    "xlsx", "xls", "ods", "csv", "txt", "zip", "xml", "json", "jsonl",
];

pub(crate) async fn import(
    State(app): AppState,
    headers: HeaderMap,
    q: Result<Query<ImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    crate::auth::require(&app, &headers, crate::reviewers::Role::Admin)?;
    if app.is_read_only() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "read_only",
            "此存储为只读 / the store is read-only: nothing can be imported",
        ));
    }
    let q = crate::body::query(q)?;
    let kind = parse_kind(q.kind.as_deref())?;
    let format = q.format.to_ascii_lowercase();
    if !FORMATS.contains(&format.as_str()) {
        return Err(ApiError::bad_request(format!(
            "format must be one of {}",
            FORMATS.join(", ")
        )));
    }
    // One rule for every face: the CLI's `mulu import --label` uses it too (D18).
    let label = catalog_core::label::validate_label(&q.label)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let bytes = crate::body::bytes(b)?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "the request body (the catalogue file) is empty",
        ));
    }
    let path = save_upload(&app, &format, bytes).await?;
    let options = importer::ImportOptions {
        kind,
        label: Some(label.clone()),
        sheet: q.sheet,
        replace: q.replace,
        max_reject: q.max_reject.unwrap_or(0.0).clamp(0.0, 1.0),
        note: Some("uploaded over HTTP (POST /v1/import)".into()),
        ..Default::default()
    };
    let job = Job {
        id: 0,
        job_type: "import",
        status: "queued",
        kind: kind.map(|k| k.as_str().to_string()),
        label,
        format: format.clone(),
        submitted_at: chrono::Utc::now().to_rfc3339(),
        started_at: None,
        finished_at: None,
        summary: None,
        first_rejects: Vec::new(),
        error: None,
        progress: None,
    };
    let work = Work {
        path: path.clone(),
        shown: format!("upload.{format}"),
        task: crate::jobs::Task::Import(Box::new(options)),
    };
    match app.inner.jobs.submit(job, work) {
        Ok(job) => {
            let url = format!("/v1/jobs/{}", job.id);
            Ok((
                StatusCode::ACCEPTED,
                [(header::LOCATION, url.clone())],
                Json(json!({ "job": job, "url": url })),
            )
                .into_response())
        }
        Err(refused) => {
            let _ = std::fs::remove_file(&path);
            Err(self::refused(refused))
        }
    }
}

/// Save an upload under a name the server makes up (never one the client
/// sends), in the home's `uploads/`.
pub(crate) async fn save_upload(
    app: &crate::state::App,
    format: &str,
    bytes: Bytes,
) -> ApiResult<std::path::PathBuf> {
    let dir = app.home().join("uploads");
    let path = dir.join(format!(
        "upload-{}-{}.{format}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    let saved = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            std::fs::File::create(&path).and_then(|mut f| f.write_all(&bytes))
        })
        .await
    };
    match saved {
        Ok(Ok(())) => Ok(path),
        Ok(Err(e)) => {
            let _ = std::fs::remove_file(&path);
            Err(ApiError::internal(format!("saving the upload: {e}")))
        }
        Err(e) => Err(ApiError::internal(format!("worker failed: {e}"))),
    }
}

/// A job the queue did not take, as an HTTP error.
pub(crate) fn refused(r: Refused) -> ApiError {
    match r {
        Refused::QueueFull(n) => {
            // 429, not 503: the client sends faster than jobs run.
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_imports",
                format!("已有 {n} 个导入在排队，请稍后重试 / {n} imports are already waiting; retry later"),
            );
            e.retry_after = Some(2);
            e
        }
        Refused::WorkerGone => ApiError::internal("the import worker is not running"),
    }
}
