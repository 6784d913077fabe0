//! `GET /v1/versions`: every stored catalogue version.

use super::{blocking, AppState};
use crate::error::ApiResult;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

/// Read from the store, not the snapshot: a version is listed the moment its
/// import commits (its matcher follows on the next reload).
pub(crate) async fn versions(State(app): AppState) -> ApiResult<Json<Value>> {
    let vs = blocking(move || Ok(app.read(|s| s.versions())??)).await?;
    let vs: Vec<_> = vs.iter().map(crate::public::version).collect();
    Ok(Json(json!({ "versions": vs })))
}
