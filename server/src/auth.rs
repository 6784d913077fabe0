//! Who is asking. Write endpoints need `Authorization: Bearer <token>`: a
//! reviewer's token from the reviewers file (its name and role), or the
//! single `--token`, which acts as an admin. Without any token configured
//! (or with an empty one) writes are disabled rather than open. Tokens
//! travel only in this header, never in a cookie, so a page on another site
//! cannot make the browser send one (no CSRF surface).

use crate::error::{ApiError, ApiResult};
use crate::reviewers::Role;
use crate::state::App;
use axum::http::{HeaderMap, StatusCode};

/// The caller behind a token.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    /// The reviewer's name; `None` for the single `--token`, whose caller
    /// names itself (`by`).
    pub name: Option<String>,
    pub role: Role,
}

impl Caller {
    /// The name a decision records: the token's reviewer, whatever the
    /// client claims. The shared admin token names the person with `by`
    /// (empty when it does not, which the mapping rules refuse).
    pub fn reviewer(&self, claimed: Option<&str>) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => claimed.map(str::trim).unwrap_or("").to_string(),
        }
    }
}

/// The caller of a request with a valid token, if any.
pub(crate) fn caller(app: &App, headers: &HeaderMap) -> ApiResult<Caller> {
    if app.token().is_none() && app.reviewers().is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "writes_disabled",
            "写入接口未开启 / write endpoints are disabled: start the server with a non-empty --token (or MULU_TOKEN) or a reviewers file",
        ));
    }
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer)
        .unwrap_or("");
    // Every configured token is compared, so the time does not tell which
    // one nearly matched; an empty `given` never matches (none is empty).
    let mut found = None;
    if !given.is_empty() {
        if let Some(t) = app.token() {
            if constant_time_eq(given.as_bytes(), t.as_bytes()) {
                found = Some(Caller {
                    name: None,
                    role: Role::Admin,
                });
            }
        }
        for r in app.reviewers() {
            if constant_time_eq(given.as_bytes(), r.token.trim().as_bytes()) {
                found = Some(Caller {
                    name: Some(r.name.trim().to_string()),
                    role: r.role,
                });
            }
        }
    }
    found.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "令牌缺失或错误 / missing or wrong bearer token",
        )
    })
}

/// The caller, refused unless its role is at least `need`.
pub(crate) fn require(app: &App, headers: &HeaderMap, need: Role) -> ApiResult<Caller> {
    let c = caller(app, headers)?;
    if c.role < need {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "{} 的角色为「{}」，此操作需要「{}」 (role {:?} may not do this; needs {:?})",
                c.name.as_deref().unwrap_or("admin"),
                c.role.label_zh(),
                need.label_zh(),
                c.role,
                need
            ),
        ));
    }
    Ok(c)
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
