//! The mapping workbench over HTTP: `GET /v1/mappings` (a filtered, sorted
//! page with the total), `GET /v1/mappings/{id}` (with history),
//! `GET /v1/mappings/{id}/candidates` (the matcher's candidates with their
//! evidence, for the item view), `GET /v1/mappings/{id}/history`,
//! `GET /v1/mappings/stats`, and the writes (reviewer token):
//! `POST /v1/mappings/{id}/{approve|reject|flag|replace|no_counterpart|undo}`,
//! `POST /v1/mappings/bulk`, `POST /v1/mappings/bulk/undo` (a reviewer undoes
//! only their own decisions, an admin anyone's). The rules are the
//! `mapping` crate's; this file maps requests and refusals.

use super::{blocking, parse_kind, AppState};
use crate::auth::{require, Caller};
use crate::body;
use crate::error::{ApiError, ApiResult};
use crate::reviewers::Role;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use catalog_core::store::{MappingFilter, MappingStatus, SortKey};
use catalog_core::HospitalItem;
use serde::Deserialize;
use serde_json::{json, Value};

/// Query parameters of the queue; lists are comma-separated.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct MappingQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    tier: Option<String>,
    #[serde(default)]
    score_min: Option<f64>,
    #[serde(default)]
    score_max: Option<f64>,
    #[serde(default)]
    reviewer: Option<String>,
    /// Free text over hospital code/name and target code/name.
    #[serde(default)]
    q: Option<String>,
    /// Exactly this hospital name.
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    target_changed: Option<bool>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    desc: Option<bool>,
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    per_page: Option<u64>,
}

fn list<T>(s: Option<&str>, f: impl Fn(&str) -> ApiResult<T>) -> ApiResult<Vec<T>> {
    s.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(f)
        .collect()
}

fn filter_of(q: &MappingQuery) -> ApiResult<MappingFilter> {
    Ok(MappingFilter {
        kind: parse_kind(q.kind.as_deref())?,
        status: list(q.status.as_deref(), |s| {
            s.parse::<MappingStatus>().map_err(ApiError::bad_request)
        })?,
        tier: list(q.tier.as_deref(), |t| match t {
            "high" | "medium" | "low" | "none" => Ok(t.to_string()),
            other => Err(ApiError::bad_request(format!(
                "未知的置信度 '{other}'：应为 high、medium、low 或 none (unknown tier)"
            ))),
        })?,
        score_min: q.score_min,
        score_max: q.score_max,
        reviewer: q.reviewer.clone().filter(|r| !r.trim().is_empty()),
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
        hospital_name: q.name.clone(),
        target_changed: q.target_changed.unwrap_or(false),
    })
}

fn sort_of(s: Option<&str>) -> ApiResult<SortKey> {
    Ok(match s.unwrap_or("id") {
        "id" | "" => SortKey::Id,
        "score" => SortKey::Score,
        "name" => SortKey::Name,
        "code" => SortKey::Code,
        "status" => SortKey::Status,
        "tier" => SortKey::Tier,
        "decided_at" => SortKey::DecidedAt,
        other => {
            return Err(ApiError::bad_request(format!(
                "未知的排序 '{other}'：应为 id、score、name、code、status、tier 或 decided_at (unknown sort)"
            )))
        }
    })
}

/// `GET /v1/mappings`: one page of the queue. Rows whose target a newer
/// catalogue removed carry `replacement`, the newest catalogue's best row
/// for the old target's name.
pub(crate) async fn mappings(
    State(app): AppState,
    q: Result<Query<MappingQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = body::query(q)?;
    let query = mapping::Query {
        filter: filter_of(&q)?,
        sort: sort_of(q.sort.as_deref())?,
        desc: q.desc.unwrap_or(false),
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(50),
    };
    let stale = query.filter.target_changed;
    let snap = app.snapshot();
    let (page, per_page) = (query.page.max(1), query.per_page);
    let body = blocking(move || {
        let p = app
            .read(|s| mapping::queue(s, &query))?
            .map_err(refusal_error)?;
        let mut rows = serde_json::to_value(&p.mappings).unwrap_or(Value::Null);
        if stale {
            // Re-coded or renamed targets: the matcher is the one that knows
            // which row of the newest version a name belongs to.
            for (row, m) in rows.as_array_mut().into_iter().flatten().zip(&p.mappings) {
                let name = m.target_name.as_deref().unwrap_or(&m.hospital_name);
                if let Some(engine) = snap.engines.get(m.category) {
                    let r = engine.search(name, 1);
                    row["replacement"] = json!(r.candidates.first());
                }
            }
        }
        Ok(json!({
            "total": p.total,
            "page": page,
            "per_page": if per_page == 0 { 50 } else { per_page.min(mapping::MAX_PER_PAGE) },
            "mappings": rows,
        }))
    })
    .await?;
    Ok(Json(body))
}

pub(crate) async fn mapping(State(app): AppState, Path(id): Path<i64>) -> ApiResult<Json<Value>> {
    let (m, events) = blocking(move || {
        app.read(|s| -> ApiResult<_> {
            let m = s
                .mapping(id)?
                .ok_or_else(|| ApiError::not_found(format!("没有映射 {id} (no mapping {id})")))?;
            let ev = s.mapping_events(id)?;
            Ok((m, ev))
        })?
    })
    .await?;
    Ok(Json(json!({ "mapping": m, "events": events })))
}

/// `GET /v1/mappings/{id}/history`.
pub(crate) async fn history(State(app): AppState, Path(id): Path<i64>) -> ApiResult<Response> {
    let r = blocking(move || Ok(app.read(|s| mapping::history(s, id))?)).await?;
    Ok(match r {
        Ok(ev) => Json(json!({ "id": id, "events": ev })).into_response(),
        Err(e) => mapping_refusal(e),
    })
}

/// `GET /v1/mappings/{id}/candidates`: the item matched again against the
/// newest catalogue of its kind, candidates with field evidence.
pub(crate) async fn candidates(
    State(app): AppState,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let snap = app.snapshot();
    let body = blocking(move || {
        let m = app
            .read(|s| s.mapping(id))??
            .ok_or_else(|| ApiError::not_found(format!("没有映射 {id} (no mapping {id})")))?;
        let Some(engine) = snap.engines.get(m.category) else {
            return Ok(json!({ "mapping": m, "result": null, "version": null }));
        };
        let mut item: HospitalItem = serde_json::from_value(m.item.clone()).unwrap_or_default();
        item.code = m.hospital_code.clone();
        item.name = m.hospital_name.clone();
        item.category = Some(m.category);
        let r = engine.match_item(&item, 9);
        Ok(json!({ "mapping": m, "version": engine.version().label, "result": r }))
    })
    .await?;
    Ok(Json(body))
}

/// `GET /v1/mappings/stats`.
pub(crate) async fn stats(State(app): AppState) -> ApiResult<Response> {
    let r = blocking(move || Ok(app.read(mapping::stats)?)).await?;
    Ok(match r {
        Ok(s) => Json(json!(s)).into_response(),
        Err(e) => mapping_refusal(e),
    })
}

/// `GET /v1/whoami`: the caller behind the token (the page checks it once).
pub(crate) async fn whoami(State(app): AppState, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let c = crate::auth::caller(&app, &headers)?;
    Ok(Json(json!({
        "name": c.name.clone().unwrap_or_else(|| "admin".into()),
        "role": c.role,
        "role_zh": c.role.label_zh(),
        "shared_token": c.name.is_none(),
    })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewReq {
    /// Who decides: only the shared admin token may name a person; a
    /// reviewer's token records its own name.
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

fn action_of(action: &str, code: Option<String>) -> ApiResult<mapping::Action> {
    Ok(match action {
        "approve" => mapping::Action::Approve,
        "reject" => mapping::Action::Reject,
        "flag" => mapping::Action::Flag,
        "no_counterpart" | "no-counterpart" => mapping::Action::NoCounterpart,
        "replace" => match code {
            Some(c) => mapping::Action::Replace(c),
            None => {
                return Err(ApiError::bad_request(
                    "替换需要新的医保编码 / replace needs {\"code\": \"<new national code>\"}",
                ))
            }
        },
        other => {
            return Err(ApiError::not_found(format!(
                "未知的审核动作 '{other}' (unknown review action): approve, reject, flag, replace, no_counterpart or undo"
            )))
        }
    })
}

fn optional_json<T: serde::de::DeserializeOwned + Default>(
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<T> {
    match &b {
        Ok(bytes) if bytes.is_empty() => Ok(T::default()),
        _ => body::json(b),
    }
}

/// An admin may undo anyone's decision; a reviewer only their own (the
/// rule is the mapping crate's, the role is the token's).
fn undo_right(caller: &Caller) -> mapping::UndoRight {
    if caller.role >= Role::Admin {
        mapping::UndoRight::Anyone
    } else {
        mapping::UndoRight::Own
    }
}

/// `POST /v1/mappings/{id}/{action}`; a reviewer's token.
pub(crate) async fn review(
    State(app): AppState,
    headers: HeaderMap,
    Path((id, action)): Path<(i64, String)>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller: Caller = require(&app, &headers, Role::Reviewer)?;
    let req: ReviewReq = optional_json(b)?;
    let reviewer = caller.reviewer(req.by.as_deref());
    if action == "undo" {
        let right = undo_right(&caller);
        let outcome = blocking(move || {
            Ok(app.write(|s| mapping::undo(s, id, &reviewer, right, req.revision)))
        })
        .await?;
        return Ok(match outcome {
            Ok(m) => Json(json!({ "mapping": m })).into_response(),
            Err(e) => mapping_refusal(e),
        });
    }
    let act = action_of(&action, req.code.clone())?;
    let outcome = blocking(move || {
        app.write(|s| -> ApiResult<_> {
            let m = s
                .mapping(id)?
                .ok_or_else(|| ApiError::not_found(format!("没有映射 {id} (no mapping {id})")))?;
            let r = mapping::Request {
                action: act,
                reviewer,
                note: req.note.clone(),
                expected_revision: req.revision,
                confirm: req.confirm,
            };
            Ok(mapping::decide(s, &m, &r))
        })
    })
    .await?;
    Ok(match outcome {
        Ok(updated) => Json(json!({ "mapping": updated })).into_response(),
        Err(e) => mapping_refusal(e),
    })
}

/// The filter of a bulk request: the same fields as the queue's query.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkReq {
    /// approve, reject, flag, no_counterpart or replace.
    action: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    by: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    confirm: bool,
    /// The count the reviewer confirmed (shown on the page); required, so
    /// a bulk decision is never made on a view nobody saw.
    expected_total: Option<u64>,
    #[serde(default)]
    filter: MappingQuery,
}

/// `POST /v1/mappings/bulk`: one decision on every row of a filter, in one
/// transaction, with the rows that could not change and why.
pub(crate) async fn bulk(
    State(app): AppState,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = require(&app, &headers, Role::Reviewer)?;
    let req: BulkReq = body::json(b)?;
    let Some(expected_total) = req.expected_total else {
        return Err(ApiError::bad_request(
            "批量操作需要 \"expected_total\"：确认时看到的条数 (bulk needs the confirmed count)",
        ));
    };
    let r = mapping::BulkRequest {
        filter: filter_of(&req.filter)?,
        action: action_of(&req.action, req.code.clone())?,
        reviewer: caller.reviewer(req.by.as_deref()),
        note: req.note.clone(),
        confirm: req.confirm,
        expected_total: Some(expected_total),
    };
    let outcome = blocking(move || Ok(app.write(|s| mapping::bulk_decide(s, &r)))).await?;
    Ok(match outcome {
        Ok(rep) => Json(json!(rep)).into_response(),
        Err(e) => mapping_refusal(e),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkUndoReq {
    batch: String,
    #[serde(default)]
    by: Option<String>,
}

/// `POST /v1/mappings/bulk/undo {"batch"}`: undo a bulk batch in one transaction.
pub(crate) async fn bulk_undo(
    State(app): AppState,
    headers: HeaderMap,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let caller = require(&app, &headers, Role::Reviewer)?;
    let req: BulkUndoReq = body::json(b)?;
    let who = caller.reviewer(req.by.as_deref());
    let right = undo_right(&caller);
    let outcome =
        blocking(move || Ok(app.write(|s| mapping::undo_batch(s, &req.batch, &who, right))))
            .await?;
    Ok(match outcome {
        Ok(rep) => Json(json!(rep)).into_response(),
        Err(e) => mapping_refusal(e),
    })
}

fn refusal_error(e: mapping::MappingError) -> ApiError {
    match e {
        mapping::MappingError::Store(se) => ApiError::from(se),
        other => ApiError::bad_request(other.to_string()),
    }
}

/// A refused decision as the one error shape; a conflict carries the current state.
fn mapping_refusal(e: mapping::MappingError) -> Response {
    use axum::http::StatusCode;
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
        "forbidden" => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    let code = match &e {
        E::NothingToUndo { .. } => "nothing_to_undo",
        E::CountChanged { .. } => "count_changed",
        _ => e.code(),
    };
    let mut message = e.to_string();
    if matches!(e, E::NeedsConfirmation { .. }) {
        message.push_str("；确认请在请求中加 \"confirm\": true");
    }
    let mut body =
        json!({ "error": { "status": status.as_u16(), "code": code, "message": message } });
    match &e {
        E::Conflict { current, .. } => body["current"] = json!(current),
        E::CountChanged { found, .. } => body["current_total"] = json!(found),
        E::NotYours { decided_by, .. } => body["reviewer"] = json!(decided_by),
        _ => {}
    }
    (status, Json(body)).into_response()
}
