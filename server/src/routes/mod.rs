//! One file per HTTP resource; this file wires them into the router and
//! holds what several of them share.

mod codes;
mod diff;
mod export;
mod health;
mod his;
mod import;
mod jobs;
mod mappings;
mod r#match;
mod openapi;
mod page;
pub(crate) use openapi::OPENAPI;
mod search;
mod validate;
mod versions;

use crate::error::{ApiError, ApiResult};
use crate::state::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use catalog_core::Category;

pub(crate) type AppState = State<App>;

/// Every endpoint; middleware is added by [`crate::App::router`].
pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::openapi))
        .route("/v1/versions", get(versions::versions))
        .route("/v1/codes/{code}", get(codes::code))
        .route("/v1/validate", post(validate::validate))
        .route("/v1/match", post(r#match::match_items))
        .route("/v1/search", get(search::search))
        .route("/v1/diff", post(diff::diff))
        .route("/v1/import", post(import::import))
        .route("/v1/jobs/{id}", get(jobs::job))
        .route("/v1/mappings", get(mappings::mappings))
        .route("/v1/mappings/stats", get(mappings::stats))
        .route("/v1/mappings/bulk", post(mappings::bulk))
        .route("/v1/mappings/bulk/undo", post(mappings::bulk_undo))
        .route("/v1/mappings/{id}", get(mappings::mapping))
        .route("/v1/mappings/{id}/history", get(mappings::history))
        .route("/v1/mappings/{id}/candidates", get(mappings::candidates))
        .route("/v1/mappings/{id}/{action}", post(mappings::review))
        .route("/v1/whoami", get(mappings::whoami))
        .route("/v1/his", post(his::upload))
        .route("/v1/export/{what}", get(export::export))
        .route("/v1/export/{what}/record", post(export::record))
        .route("/", get(page::index))
        .route("/assets/{file}", get(page::asset))
        .fallback(|| async { ApiError::not_found("no such endpoint; see /openapi.json") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed for this endpoint",
            )
        })
}

/// Blocking work (SQLite, matching) on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}

pub(crate) fn parse_kind(k: Option<&str>) -> ApiResult<Option<Category>> {
    k.filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Category>()
                .map_err(|e| ApiError::bad_request(e.to_string()))
        })
        .transpose()
}
