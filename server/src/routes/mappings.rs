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
use catalog_core::store::MappingStatus;
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
    /// The revision the reviewer saw; a stale one is a 409 with the current state.
    #[serde(default)]
    revision: Option<i64>,
    /// Approve a low/none-tier suggestion anyway.
    #[serde(default)]
    confirm: bool,
}

/// `POST /v1/mappings/{id}/{action}`; write endpoint, bearer token required.
/// The rules are `mapping::decide`'s; this maps its refusals to statuses.
pub(crate) async fn review(
    State(app): AppState,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<axum::response::Response> {
    crate::auth::require_token(&app, &headers)?;
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
        app.write(|s| -> ApiResult<_> {
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
    let e = match e {
        // Store failures keep the store's mapping (busy is 503 + Retry-After).
        E::Store(se) => return ApiError::from(se).into_response(),
        other => other,
    };
    let status = match e.code() {
        "conflict" => StatusCode::CONFLICT,
        "not_found" => StatusCode::NOT_FOUND,
        "needs_confirmation" => StatusCode::UNPROCESSABLE_ENTITY,
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
