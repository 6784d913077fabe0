//! `GET /v1/search?q=…&kind=…`: free-text search of the loaded catalogues.

use super::r#match::{no_engine, MAX_NAME_CHARS, MAX_TOP};
use super::{blocking, parse_kind, AppState};
use crate::body;
use crate::error::{ApiError, ApiResult};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use catalog_core::Category;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    top: Option<usize>,
}

pub(crate) async fn search(
    State(app): AppState,
    q: Result<Query<SearchQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let q = body::query(q)?;
    if q.q.trim().is_empty() {
        return Err(ApiError::bad_request("q is empty"));
    }
    let text: String = q.q.chars().take(MAX_NAME_CHARS).collect();
    let top = q.top.unwrap_or(10).clamp(1, MAX_TOP);
    let kind = parse_kind(q.kind.as_deref())?;
    let snap = app.snapshot();
    let cats: Vec<Category> = match kind {
        Some(k) => {
            if snap.engines.get(k).is_none() {
                return Err(no_engine(k));
            }
            vec![k]
        }
        None => snap.engines.by_category.keys().copied().collect(),
    };
    let results = blocking(move || {
        Ok(cats
            .iter()
            .filter_map(|c| snap.engines.get(*c).map(|m| json!({ "kind": c, "version": m.version().label, "result": m.search(&text, top) })))
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(Json(json!({ "query": q.q, "results": results })))
}
