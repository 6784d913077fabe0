//! `GET /v1/codes/{code}`: a code's decoded structure and the catalogue rows
//! holding it, newest version first.

use super::{blocking, AppState};
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::Json;
use catalog_core::Standards;
use serde_json::{json, Value};

pub(crate) async fn code(State(app): AppState, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    if code.len() > 200 {
        return Err(ApiError::bad_request("code longer than 200 characters"));
    }
    let decoded = Standards::builtin().explain(&code);
    let key = match &decoded {
        Ok(e) => e.code.clone(),
        Err(_) => catalog_core::normalize::code(&code),
    };
    let rows = blocking(move || Ok(app.read(|s| s.find_code(&key))??)).await?;
    if decoded.is_err() && rows.is_empty() {
        let err = decoded.err().map(|e| e.to_string()).unwrap_or_default();
        return Err(ApiError::not_found(format!(
            "no catalogue row has this code, and it is not a valid national code: {err}"
        )));
    }
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|(v, e)| json!({ "version": crate::public::version(&v), "entry": e }))
        .collect();
    Ok(Json(match decoded {
        Ok(e) => json!({ "code": e.code, "valid": true, "explanation": e, "rows": rows }),
        Err(err) => json!({ "code": err.code, "valid": false, "error": err, "rows": rows }),
    }))
}
