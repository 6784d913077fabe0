//! `POST /v1/validate`: check a batch of codes against the national standards.

use super::{parse_kind, AppState};
use crate::body;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use catalog_core::Standards;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ValidateReq {
    codes: Vec<String>,
    #[serde(default)]
    standard: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

pub(crate) async fn validate(
    State(app): AppState,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let req: ValidateReq = body::json(b)?;
    let max = app.config().max_batch * 10;
    if req.codes.len() > max {
        return Err(ApiError::bad_request(format!(
            "at most {max} codes per request"
        )));
    }
    let kind = parse_kind(req.kind.as_deref())?;
    let std = Standards::builtin();
    if let Some(s) = &req.standard {
        if std.get(s).is_none() {
            return Err(ApiError::bad_request(format!("unknown standard '{s}'")));
        }
    }
    let results: Vec<Value> = req
        .codes
        .iter()
        .map(|c| {
            let r = match (&req.standard, kind) {
                (Some(s), _) => std.explain_as(c, s).map(Some),
                (None, Some(k)) => std.check_category(c, k),
                (None, None) => std.explain(c).map(Some),
            };
            match r {
                Ok(Some(e)) => {
                    json!({ "input": c, "valid": true, "code": e.code, "standard": e.standard })
                }
                Ok(None) => {
                    json!({ "input": c, "valid": true, "code": catalog_core::normalize::code(c) })
                }
                Err(e) => json!({ "input": c, "valid": false, "error": e }),
            }
        })
        .collect();
    let invalid = results.iter().filter(|r| r["valid"] == false).count();
    Ok(Json(json!({ "results": results, "invalid": invalid })))
}
