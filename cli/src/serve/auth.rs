//! Write endpoints need `Authorization: Bearer <token>`; without a configured
//! token they are disabled rather than open.

use super::error::{ApiError, ApiResult};
use super::state::App;
use axum::http::{HeaderMap, StatusCode};

pub fn require_token(app: &App, headers: &HeaderMap) -> ApiResult<()> {
    let Some(expected) = app.token.as_deref() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "writes_disabled",
            "write endpoints are disabled: start the server with --token (or MULU_TOKEN)",
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token",
        ))
    }
}

/// Compare without an early exit so the time taken does not leak the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
