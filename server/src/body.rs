//! Request parsing with our error shape: malformed JSON is a 400, a body of
//! the wrong shape a 422, an oversized body a 413 — never a panic or a 500.

use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::Query;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

/// The body bytes, or the rejection in our shape.
pub(crate) fn bytes(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|r| {
        let status = r.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "payload_too_large"
        } else {
            "bad_request"
        };
        ApiError::new(status, code, r.body_text())
    })
}

pub(crate) fn json<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> ApiResult<T> {
    let bytes = bytes(body)?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(
            "request body is empty; expected JSON",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("body does not fit the schema: {e}"),
        ),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("malformed JSON: {e}"),
        ),
    })
}

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    q.map(|Query(v)| v)
        .map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", r.body_text()))
}
