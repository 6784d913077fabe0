//! `GET /v1/jobs/{id}`: the state of an import job (see `crate::jobs`).

use super::AppState;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

pub(crate) async fn job(State(app): AppState, Path(id): Path<u64>) -> ApiResult<Json<Value>> {
    let job = app.inner.jobs.get(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "no job {id} (finished jobs are kept for a while, not for ever)"
        ))
    })?;
    Ok(Json(json!({ "job": job })))
}
