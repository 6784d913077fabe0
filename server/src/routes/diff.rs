//! `POST /v1/diff`: the changes between two stored versions, paged.

use super::{blocking, parse_kind, AppState};
use crate::body;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use catalog_diff::{diff_stored, DiffOptions};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DiffReq {
    old: String,
    new: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    page_size: Option<usize>,
    #[serde(default)]
    ignore_fields: Vec<String>,
    #[serde(default)]
    include_rows: bool,
}

pub(crate) async fn diff(
    State(app): AppState,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let req: DiffReq = body::json(b)?;
    let kind = parse_kind(req.kind.as_deref())?;
    let page = req.page.unwrap_or(1).max(1);
    let page_size = req.page_size.unwrap_or(100).clamp(1, 1000);
    blocking(move || {
        // Labels are only ever looked up in the store, never used as paths.
        let (d, cached) = app.read(|s| -> ApiResult<_> {
            let old = s.resolve(Some(&req.old), kind)?;
            let new = s.resolve(Some(&req.new), kind.or(Some(old.category)))?;
            if old.category != new.category {
                return Err(ApiError::bad_request(format!(
                    "'{}' is {} but '{}' is {}",
                    old.label, old.category, new.label, new.category
                )));
            }
            let key = format!(
                "{}:{}|{}:{}|{:?}|{}",
                old.id, old.checksum, new.id, new.checksum, req.ignore_fields, req.include_rows
            );
            if let Ok(last) = app.inner.last_diff.lock() {
                if let Some((k, d)) = last.as_ref() {
                    if *k == key {
                        return Ok((d.clone(), true));
                    }
                }
            }
            let opts = DiffOptions {
                ignore_fields: req.ignore_fields.clone(),
                keep_rows: req.include_rows,
                ..DiffOptions::default()
            };
            let d = Arc::new(
                diff_stored(s, &old, &new, &opts).map_err(|e| ApiError::internal(e.to_string()))?,
            );
            if let Ok(mut last) = app.inner.last_diff.lock() {
                *last = Some((key, d.clone()));
            }
            Ok((d, false))
        })??;
        let total = d.changes.len();
        let start = (page - 1).saturating_mul(page_size).min(total);
        let end = (start + page_size).min(total);
        let side = |s: &catalog_diff::Side| {
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            crate::public::redact_value(&mut v, "", "");
            v
        };
        Ok(Json(json!({
            "schema": d.schema,
            "old": side(&d.old),
            "new": side(&d.new),
            "summary": d.summary,
            "page": page,
            "page_size": page_size,
            "total_changes": total,
            "cached": cached,
            "changes": &d.changes[start..end],
        })))
    })
    .await
}
