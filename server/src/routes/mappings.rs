//! `GET /v1/mappings`, `GET /v1/mappings/{id}` and the review actions
//! `POST /v1/mappings/{id}/{approve|reject|flag|replace}` (bearer token).

use super::{blocking, parse_kind, AppState};
use crate::body;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use catalog_core::store::{Decision, MappingStatus};
use catalog_core::Standards;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub(crate) struct MappingQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

pub(crate) async fn mappings(
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
    let list = blocking(move || Ok(app.read(|s| s.mappings(kind, status))??)).await?;
    Ok(Json(json!({ "mappings": list })))
}

pub(crate) async fn mapping(State(app): AppState, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let (m, events) = blocking(move || {
        app.read(|s| -> ApiResult<_> {
            let m = s
                .mapping(id)?
                .ok_or_else(|| ApiError::not_found(format!("no mapping {id}")))?;
            let ev = s.mapping_events(id)?;
            Ok((m, ev))
        })?
    })
    .await?;
    Ok(Json(json!({ "mapping": m, "events": events })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewReq {
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    note: Option<String>,
    /// For `replace`: the new national code.
    #[serde(default)]
    code: Option<String>,
}

/// `POST /v1/mappings/{id}/{action}`; write endpoint, bearer token required.
pub(crate) async fn review(
    State(app): AppState,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    crate::auth::require_token(&app, &headers)?;
    let status = match action.as_str() {
        "approve" => MappingStatus::Approved,
        "reject" => MappingStatus::Rejected,
        "flag" => MappingStatus::Flagged,
        "replace" => MappingStatus::Replaced,
        other => {
            return Err(ApiError::not_found(format!(
                "unknown review action '{other}': approve, reject, flag or replace"
            )))
        }
    };
    let req: ReviewReq = match &b {
        Ok(bytes) if bytes.is_empty() => ReviewReq::default(),
        _ => body::json(b)?,
    };
    if status == MappingStatus::Replaced && req.code.is_none() {
        return Err(ApiError::bad_request(
            "replace needs {\"code\": \"<new national code>\"}",
        ));
    }
    let updated = blocking(move || {
        app.write(|s| -> ApiResult<_> {
            let m = s
                .mapping(id)?
                .ok_or_else(|| ApiError::not_found(format!("no mapping {id}")))?;
            if let Some(c) = &req.code {
                Standards::builtin()
                    .check_category(c, m.category)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?;
            }
            let d = Decision {
                category: Some(m.category),
                hospital_code: m.hospital_code.clone(),
                hospital_name: m.hospital_name.clone(),
                status: Some(status),
                target_code: req
                    .code
                    .as_ref()
                    .map(|c| Standards::builtin().canonical(c, m.category)),
                target_name: req.code.as_ref().map(|_| String::new()),
                reviewer: Some(req.by.clone().unwrap_or_else(|| "http".into())),
                note: req.note.clone(),
                ..Default::default()
            };
            Ok(s.record_decision(&d)?)
        })
    })
    .await?;
    Ok(Json(json!({ "mapping": updated })))
}
