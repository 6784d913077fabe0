//! Endpoint handlers. Blocking work (SQLite, matching) runs on the blocking pool.

use super::body;
use super::error::{ApiError, ApiResult};
use super::state::App;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use catalog_core::store::MappingStatus;
use catalog_core::{Category, Standards};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

pub type AppState = State<Arc<App>>;

pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}

pub async fn health(State(app): AppState) -> Json<Value> {
    let snap = app.snapshot();
    Json(json!({ "status": "ok", "versions": snap.versions.len() }))
}

pub async fn openapi() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        super::OPENAPI,
    )
}

/// Read from the store, not the snapshot: a version is listed the moment its
/// import commits (its matcher follows on the next reload).
pub async fn versions(State(app): AppState) -> ApiResult<Json<Value>> {
    let vs = blocking(move || {
        Ok(app
            .with_store(|s| s.versions())
            .map_err(|e| ApiError::internal(e.to_string()))??)
    })
    .await?;
    Ok(Json(json!({ "versions": vs })))
}

/// Decoded structure + the catalogue rows holding the code, newest version first.
pub async fn code(State(app): AppState, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    if code.len() > 200 {
        return Err(ApiError::bad_request("code longer than 200 characters"));
    }
    let decoded = Standards::builtin().explain(&code);
    let key = match &decoded {
        Ok(e) => e.code.clone(),
        Err(_) => catalog_core::normalize::code(&code),
    };
    let rows = blocking(move || {
        Ok(app
            .with_store(|s| s.find_code(&key))
            .map_err(|e| ApiError::internal(e.to_string()))??)
    })
    .await?;
    if decoded.is_err() && rows.is_empty() {
        let err = decoded.err().map(|e| e.to_string()).unwrap_or_default();
        return Err(ApiError::not_found(format!(
            "no catalogue row has this code, and it is not a valid national code: {err}"
        )));
    }
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(v, e)| json!({ "version": v, "entry": e }))
        .collect();
    Ok(Json(match decoded {
        Ok(e) => json!({ "code": e.code, "valid": true, "explanation": e, "rows": rows }),
        Err(err) => json!({ "code": err.code, "valid": false, "error": err, "rows": rows }),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateReq {
    codes: Vec<String>,
    #[serde(default)]
    standard: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

pub async fn validate(
    State(app): AppState,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let req: ValidateReq = body::json(b)?;
    if req.codes.len() > app.max_batch * 10 {
        return Err(ApiError::bad_request(format!(
            "at most {} codes per request",
            app.max_batch * 10
        )));
    }
    let kind = parse_kind(req.kind.as_deref())?;
    let std = Standards::builtin();
    if let Some(s) = &req.standard {
        if std.get(s).is_none() {
            return Err(ApiError::bad_request(format!("unknown standard '{s}'")));
        }
    }
    let results: Vec<Value> = req
        .codes
        .iter()
        .map(|c| {
            let r = match (&req.standard, kind) {
                (Some(s), _) => std.explain_as(c, s).map(Some),
                (None, Some(k)) => std.check_category(c, k),
                (None, None) => std.explain(c).map(Some),
            };
            match r {
                Ok(Some(e)) => {
                    json!({ "input": c, "valid": true, "code": e.code, "standard": e.standard })
                }
                Ok(None) => {
                    json!({ "input": c, "valid": true, "code": catalog_core::normalize::code(c) })
                }
                Err(e) => json!({ "input": c, "valid": false, "error": e }),
            }
        })
        .collect();
    let invalid = results.iter().filter(|r| r["valid"] == false).count();
    Ok(Json(json!({ "results": results, "invalid": invalid })))
}

pub fn parse_kind(k: Option<&str>) -> ApiResult<Option<Category>> {
    k.filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Category>()
                .map_err(|e| ApiError::bad_request(e.to_string()))
        })
        .transpose()
}

#[derive(Deserialize)]
pub struct MappingQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

pub async fn mappings(
    State(app): AppState,
    q: Result<Query<MappingQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = body::query(q)?;
    let status = q
        .status
        .as_deref()
        .map(|s| s.parse::<MappingStatus>().map_err(ApiError::bad_request))
        .transpose()?;
    let kind = parse_kind(q.kind.as_deref())?;
    let list = blocking(move || {
        Ok(app
            .with_store(|s| s.mappings(kind, status))
            .map_err(|e| ApiError::internal(e.to_string()))??)
    })
    .await?;
    Ok(Json(json!({ "mappings": list })))
}

pub async fn mapping(State(app): AppState, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let (m, events) = blocking(move || {
        app.with_store(|s| -> ApiResult<_> {
            let m = s
                .mapping(id)?
                .ok_or_else(|| ApiError::not_found(format!("no mapping {id}")))?;
            let ev = s.mapping_events(id)?;
            Ok((m, ev))
        })
        .map_err(|e| ApiError::internal(e.to_string()))?
    })
    .await?;
    Ok(Json(json!({ "mapping": m, "events": events })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReviewReq {
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    note: Option<String>,
    /// For `replace`: the new national code.
    #[serde(default)]
    code: Option<String>,
    /// The revision the reviewer saw; a stale one is a 409 with the current state.
    #[serde(default)]
    revision: Option<i64>,
    /// Approve a low/none-tier suggestion anyway.
    #[serde(default)]
    confirm: bool,
}

/// `POST /v1/mappings/{id}/{action}`; write endpoint, bearer token required.
/// The rules are `mapping::decide`'s; this maps its refusals to statuses.
pub async fn review(
    State(app): AppState,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::response::Response> {
    super::auth::require_token(&app, &headers)?;
    let req: ReviewReq = match &b {
        Ok(bytes) if bytes.is_empty() => ReviewReq::default(),
        _ => body::json(b)?,
    };
    let act = match action.as_str() {
        "approve" => mapping::Action::Approve,
        "reject" => mapping::Action::Reject,
        "flag" => mapping::Action::Flag,
        "no_counterpart" | "no-counterpart" => mapping::Action::NoCounterpart,
        "replace" => match req.code.clone() {
            Some(c) => mapping::Action::Replace(c),
            None => {
                return Err(ApiError::bad_request(
                    "replace needs {\"code\": \"<new national code>\"}",
                ))
            }
        },
        other => {
            return Err(ApiError::not_found(format!(
                "unknown review action '{other}': approve, reject, flag, replace or no_counterpart"
            )))
        }
    };
    let outcome = blocking(move || {
        app.with_store(|s| -> ApiResult<_> {
            let m = s
                .mapping(id)?
                .ok_or_else(|| ApiError::not_found(format!("no mapping {id}")))?;
            let r = mapping::Request {
                action: act,
                reviewer: req.by.clone().unwrap_or_default(),
                note: req.note.clone(),
                expected_revision: req.revision,
                confirm: req.confirm,
            };
            Ok(mapping::decide(s, &m, &r))
        })
        .map_err(|e| ApiError::internal(e.to_string()))?
    })
    .await?;
    use axum::response::IntoResponse;
    Ok(match outcome {
        Ok(updated) => Json(json!({ "mapping": updated })).into_response(),
        Err(e) => mapping_refusal(e),
    })
}

/// A refused decision as the one error shape; a conflict carries the current state.
fn mapping_refusal(e: mapping::MappingError) -> axum::response::Response {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use mapping::MappingError as E;
    let status = match e.code() {
        "conflict" => StatusCode::CONFLICT,
        "not_found" => StatusCode::NOT_FOUND,
        "needs_confirmation" => StatusCode::UNPROCESSABLE_ENTITY,
        "internal" => return ApiError::internal(e.to_string()).into_response(),
        _ => StatusCode::BAD_REQUEST,
    };
    let code = e.code();
    let mut message = e.to_string();
    if matches!(e, E::NeedsConfirmation { .. }) {
        message.push_str("；确认请在请求中加 \"confirm\": true");
    } else if matches!(e, E::NoReviewer) {
        message.push_str("；请在请求中给出 \"by\"");
    }
    let mut body =
        json!({ "error": { "status": status.as_u16(), "code": code, "message": message } });
    if let E::Conflict { current, .. } = &e {
        body["current"] = json!(current);
    }
    (status, Json(body)).into_response()
}
