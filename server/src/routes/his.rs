//! `POST /v1/his?kind=…&format=…&sheet=…`: upload a HIS dictionary to match
//! (reviewer token). The body is the file (xlsx, xls, ods, csv or txt, as
//! `mulu match` reads). It is saved under a name the server makes up and
//! matched by a background job: `202 Accepted` with the job, followed at
//! `/v1/jobs/{id}` (progress: items matched / total, phase).

use super::{parse_kind, AppState};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{Job, Task, Work};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HisQuery {
    #[serde(default)]
    kind: Option<String>,
    /// File type of the body.
    format: String,
    #[serde(default)]
    sheet: Option<String>,
}

const FORMATS: &[&str] = &["xlsx", "xls", "ods", "csv", "txt"];

pub(crate) async fn upload(
    State(app): AppState,
    headers: HeaderMap,
    q: Result<Query<HisQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    crate::auth::require(&app, &headers, crate::reviewers::Role::Reviewer)?;
    if app.is_read_only() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "read_only",
            "此存储为只读，无法保存对码建议 / the store is read-only",
        ));
    }
    let q = crate::body::query(q)?;
    let kind = parse_kind(q.kind.as_deref())?;
    let format = q.format.to_ascii_lowercase();
    if !FORMATS.contains(&format.as_str()) {
        return Err(ApiError::bad_request(format!(
            "HIS 字典的文件类型应为 {} 之一，收到 '{}' (format must be one of these)",
            FORMATS.join("、"),
            q.format
        )));
    }
    if let Some(k) = kind {
        if app.snapshot().engines.get(k).is_none() {
            return Err(super::r#match::no_engine(k));
        }
    }
    let bytes = crate::body::bytes(b)?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "请求体为空：应为 HIS 字典文件本身 (the request body is empty)",
        ));
    }
    let path = super::import::save_upload(&app, &format, bytes).await?;
    let job = Job {
        id: 0,
        job_type: "match",
        status: "queued",
        kind: kind.map(|k| k.as_str().to_string()),
        label: "HIS 字典".into(),
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
        shown: format!("his.{format}"),
        task: Task::Match(crate::his::MatchTask {
            kind,
            sheet: q.sheet,
        }),
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
            Err(super::import::refused(refused))
        }
    }
}
