//! Write endpoints need `Authorization: Bearer <token>`; without a configured
//! token (or with an empty one) they are disabled rather than open.

use crate::error::{ApiError, ApiResult};
use crate::state::App;
use axum::http::{HeaderMap, StatusCode};

pub(crate) fn require_token(app: &App, headers: &HeaderMap) -> ApiResult<()> {
    let Some(expected) = app.token() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "writes_disabled",
            "写入接口未开启 / write endpoints are disabled: start the server with a non-empty --token (or MULU_TOKEN)",
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .unwrap_or("");
    // An empty `given` can never match: `expected` is never empty.
    if !given.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "令牌缺失或错误 / missing or wrong bearer token",
        ))
    }
}

/// The credentials of a `Bearer` header; the scheme is case-insensitive (RFC 7235).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// Compare without an early exit so the time taken does not leak the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn the_scheme_is_case_insensitive_and_needs_credentials() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("BEARER  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearerabc"), None);
    }
}
