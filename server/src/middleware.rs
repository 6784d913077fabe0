//! The layers around the routes. Order matters (outermost first): JSON
//! mapping, request timeout, panic catcher, body reader. The timeout sits
//! inside the JSON mapping so a 408 has the error shape too (D11).

use crate::error::ApiError;
use crate::state::App;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Framework rejections (bad path parameters…) come as plain text; rewrap
/// them so clients only ever parse one error shape.
pub(crate) async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.is_success() || is_json || status.is_redirection() {
        return resp;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    ApiError::new(status, code, message).into_response()
}

/// The whole request, body included, within `--timeout`. Imports only save
/// their upload here (the import is a job), so a timeout never hides a write.
pub(crate) async fn request_timeout(State(app): State<App>, req: Request, next: Next) -> Response {
    let t = app.config().request_timeout;
    match tokio::time::timeout(t, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!(
                "请求超时 / the request took longer than {} s (raise it with mulu serve --timeout)",
                t.as_secs_f64()
            ),
        )
        .into_response(),
    }
}

/// Read the body within `--body-timeout` and `--max-body` before any
/// handler runs, so a slow or oversized upload gets an answer that names
/// the limit it hit.
pub(crate) async fn read_body(State(app): State<App>, req: Request, next: Next) -> Response {
    let limit = app.config().max_body;
    let t = app.config().limits.body_timeout;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("请求体超过 {limit} 字节 / the body is larger than {limit} bytes (raise it with mulu serve --max-body)"),
        )
        .into_response()
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(t, axum::body::to_bytes(body, limit)).await {
        Err(_) => ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!(
                "请求体在 {} 秒内未收完 / the body did not arrive within {} s (raise it with mulu serve --body-timeout)",
                t.as_secs_f64(),
                t.as_secs_f64()
            ),
        )
        .into_response(),
        Ok(Err(e)) => {
            let limited = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            if limited {
                too_large()
            } else {
                ApiError::bad_request(format!("reading the request body: {e}")).into_response()
            }
        }
        Ok(Ok(bytes)) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
    }
}
