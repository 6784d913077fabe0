//! `POST /v1/match`: ranked national candidates for hospital items.

use super::{blocking, parse_kind, AppState};
use crate::body;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use catalog_core::{Category, HospitalItem};
use serde::Deserialize;
use serde_json::{json, Value};

pub(crate) const MAX_TOP: usize = 50;
pub(crate) const MAX_NAME_CHARS: usize = 10_000;

pub(crate) fn no_engine(cat: Category) -> ApiError {
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
pub(crate) async fn match_items(
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
    if req.items.len() > app.config().max_batch {
        return Err(ApiError::bad_request(format!(
            "{} items; at most {} per request",
            req.items.len(),
            app.config().max_batch
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
        // Approved decisions are re-used exactly as `mulu match` re-uses
        // them (the rule is the mapping crate's).
        let mut previous: Vec<Option<String>> = vec![None; items.len()];
        store_app.read(|s| -> ApiResult<()> {
            for (i, r) in out.iter_mut().enumerate() {
                if let (Some(r), Some(m)) = (r.as_mut(), snap.engines.get(cats[i])) {
                    let p = mapping::reuse_approved(s, m, cats[i], &items[i], r)?;
                    previous[i] = p.map(|p| p.status.as_str().to_string());
                }
            }
            Ok(())
        })??;
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
