//! `GET /openapi.json`: the API description, compiled in.

use axum::http::{header, HeaderName};

/// The OpenAPI document of every endpoint.
pub(crate) const OPENAPI: &str = include_str!("../openapi.json");

pub(crate) async fn openapi() -> ([(HeaderName, &'static str); 1], &'static str) {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
