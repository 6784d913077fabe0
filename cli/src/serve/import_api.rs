//! `POST /v1/import?kind=…&label=…&format=…`: upload a catalogue file as a new
//! version (write endpoint). The body is the file itself. The upload is saved
//! under a name the server makes up (never one the client sends), so no path
//! from a request reaches the file system.

use super::auth::require_token;
use super::error::{ApiError, ApiResult};
use super::handlers::{blocking, parse_kind, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::Write;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
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

pub async fn import(
    State(app): AppState,
    headers: HeaderMap,
    q: Result<Query<ImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    require_token(&app, &headers)?;
    let q = super::body::query(q)?;
    let kind = parse_kind(q.kind.as_deref())?;
    let format = q.format.to_ascii_lowercase();
    if !FORMATS.contains(&format.as_str()) {
        return Err(ApiError::bad_request(format!(
            "format must be one of {}",
            FORMATS.join(", ")
        )));
    }
    let label = q.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "label must be 1-100 printable characters",
        ));
    }
    let bytes = b.map_err(|r| ApiError::new(r.status(), "payload_too_large", r.body_text()))?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "the request body (the catalogue file) is empty",
        ));
    }
    let worker = app.clone();
    let summary = blocking(move || {
        let app = worker;
        let dir = app.home.join("uploads");
        std::fs::create_dir_all(&dir).map_err(|e| ApiError::internal(e.to_string()))?;
        let path = dir.join(format!(
            "upload-{}-{}.{format}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(&bytes));
        if let Err(e) = written {
            return Err(ApiError::internal(format!("saving the upload: {e}")));
        }
        let opts = importer::ImportOptions {
            kind,
            label: Some(label),
            sheet: q.sheet,
            replace: q.replace,
            max_reject: q.max_reject.unwrap_or(0.0).clamp(0.0, 1.0),
            note: Some("uploaded over HTTP (POST /v1/import)".into()),
            ..Default::default()
        };
        let result = app
            .with_store(|s| importer::import_into(s, &path.display().to_string(), &opts, &|_| {}));
        let _ = std::fs::remove_file(&path);
        match result.map_err(|e| ApiError::internal(e.to_string()))? {
            Ok(s) => Ok(s),
            Err(e) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "import_failed",
                e.to_string(),
            )),
        }
    })
    .await?;
    if summary.committed {
        // Load the new version's matcher now rather than at the next poll.
        let a = app.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = a.refresh() {
                tracing::warn!(error = %e, "refresh after import failed");
            }
        });
    }
    let status = if summary.committed {
        "imported"
    } else {
        "rejected"
    };
    let rejects: Vec<_> = summary
        .rejects
        .iter()
        .take(100)
        .map(|r| r.to_string())
        .collect();
    Ok(Json(
        json!({ "status": status, "summary": summary, "first_rejects": rejects }),
    ))
}
