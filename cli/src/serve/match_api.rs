//! `/v1/match`, `/v1/search` and `/v1/diff`.

use super::body;
use super::error::{ApiError, ApiResult};
use super::handlers::{blocking, parse_kind, AppState};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use catalog_core::{Category, HospitalItem};
use catalog_diff::{diff_stored, DiffOptions};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

const MAX_TOP: usize = 50;
const MAX_NAME_CHARS: usize = 10_000;

fn no_engine(cat: Category) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "no_catalogue",
        format!("no {cat} catalogue version is loaded; import one with `mulu import --kind {cat}`"),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchReq {
    items: Vec<HospitalItem>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    top: Option<usize>,
}

/// One item (`{"name": …}`) or a batch (`{"items": [...], "kind", "top"}`).
pub async fn match_items(
    State(app): AppState,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let v: Value = body::json(b)?;
    let single = v.get("items").is_none();
    let req: BatchReq = if single {
        let item: HospitalItem = serde_json::from_value(v).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("not a hospital item: {e}"),
            )
        })?;
        BatchReq {
            items: vec![item],
            kind: None,
            top: None,
        }
    } else {
        serde_json::from_value(v).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("body does not fit the schema: {e}"),
            )
        })?
    };
    if req.items.len() > app.max_batch {
        return Err(ApiError::bad_request(format!(
            "{} items; at most {} per request",
            req.items.len(),
            app.max_batch
        )));
    }
    let default_kind = parse_kind(req.kind.as_deref())?;
    let top = req.top.unwrap_or(5).clamp(1, MAX_TOP);
    let snap = app.snapshot();
    // Group by category so each batch runs on its matcher; answers keep input order.
    let mut cats = Vec::with_capacity(req.items.len());
    for (i, it) in req.items.iter().enumerate() {
        let cat = it.category.or(default_kind).or_else(|| {
            (snap.engines.by_category.len() == 1).then(|| {
                *snap
                    .engines
                    .by_category
                    .keys()
                    .next()
                    .unwrap_or(&Category::Drug)
            })
        });
        let cat = cat.ok_or_else(|| {
            ApiError::bad_request(format!(
                "item {i}: no kind; give \"category\" on the item or \"kind\" on the request"
            ))
        })?;
        if snap.engines.get(cat).is_none() {
            return Err(no_engine(cat));
        }
        cats.push(cat);
    }
    let items = req.items;
    let store_app = app.clone();
    let (results, previous) = blocking(move || {
        let mut out: Vec<Option<matcher::MatchResult>> = vec![None; items.len()];
        for (cat, m) in &snap.engines.by_category {
            let idx: Vec<usize> = (0..items.len()).filter(|&i| cats[i] == *cat).collect();
            if idx.is_empty() {
                continue;
            }
            let mut batch: Vec<HospitalItem> = idx.iter().map(|&i| items[i].clone()).collect();
            for it in &mut batch {
                if it.name.chars().count() > MAX_NAME_CHARS {
                    it.name = it.name.chars().take(MAX_NAME_CHARS).collect();
                }
            }
            let res = if batch.len() == 1 {
                vec![m.match_item(&batch[0], top)]
            } else {
                m.match_batch(&batch, top, &|_| {})
            };
            for (k, r) in idx.into_iter().zip(res) {
                out[k] = Some(r);
            }
        }
        // Approved decisions are re-used exactly as `mulu match` re-uses them.
        let mut previous: Vec<Option<String>> = vec![None; items.len()];
        store_app
            .with_store(|s| -> ApiResult<()> {
                for (i, r) in out.iter_mut().enumerate() {
                    if let (Some(r), Some(m)) = (r.as_mut(), snap.engines.get(cats[i])) {
                        let p = mapping::reuse_approved(s, m, cats[i], &items[i], r)?;
                        previous[i] = p.map(|p| p.status.as_str().to_string());
                    }
                }
                Ok(())
            })
            .map_err(|e| ApiError::internal(e.to_string()))??;
        Ok((out.into_iter().flatten().collect::<Vec<_>>(), previous))
    })
    .await?;
    if single {
        let r = results
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::internal("no result"))?;
        return Ok(Json(json!({ "result": r, "previous": previous[0] })));
    }
    Ok(Json(json!({ "results": results, "previous": previous })))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    top: Option<usize>,
}

pub async fn search(
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

pub async fn diff(
    State(app): AppState,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let req: DiffReq = body::json(b)?;
    let kind = parse_kind(req.kind.as_deref())?;
    let page = req.page.unwrap_or(1).max(1);
    let page_size = req.page_size.unwrap_or(100).clamp(1, 1000);
    blocking(move || {
        // Labels are only ever looked up in the store, never used as paths.
        let (d, cached) = app
            .with_store(|s| -> ApiResult<_> {
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
                if let Ok(last) = app.last_diff.lock() {
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
                    diff_stored(s, &old, &new, &opts)
                        .map_err(|e| ApiError::internal(e.to_string()))?,
                );
                if let Ok(mut last) = app.last_diff.lock() {
                    *last = Some((key, d.clone()));
                }
                Ok((d, false))
            })
            .map_err(|e| ApiError::internal(e.to_string()))??;
        let total = d.changes.len();
        let start = (page - 1).saturating_mul(page_size).min(total);
        let end = (start + page_size).min(total);
        Ok(Json(json!({
            "schema": d.schema,
            "old": d.old,
            "new": d.new,
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
