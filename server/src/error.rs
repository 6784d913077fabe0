//! Every error leaves the server as the same JSON shape with the right status:
//! `{"error": {"status": 400, "code": "bad_request", "message": "…"}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An HTTP error in the one shape clients parse.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (503: another writer holds the store).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
    pub fn busy(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, "store_busy", message);
        e.retry_after = Some(2);
        e
    }
}

impl From<catalog_core::store::StoreError> for ApiError {
    fn from(e: catalog_core::store::StoreError) -> Self {
        use catalog_core::store::StoreError as E;
        match e {
            E::NoSuchVersion(_) => ApiError::not_found(e.to_string()),
            E::Ambiguous { .. } => ApiError::bad_request(e.to_string()),
            E::Busy => ApiError::busy(e.to_string()),
            E::ReadOnly { .. } => ApiError::new(
                StatusCode::CONFLICT,
                "read_only",
                "此存储为只读 / the store is read-only: nothing was written",
            ),
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::internal(crate::public::redact_text(&other.to_string()))
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "status": self.status.as_u16(), "code": self.code, "message": self.message }
        });
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
