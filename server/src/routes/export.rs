//! The upload files for the page and other clients: `GET /v1/export/3301`
//! and `GET /v1/export/3302` (`format=json|batches|xlsx|csv`) preview or
//! download the 3301 rows of confirmed mappings (`new=true`: only what
//! changed since the last recorded batch) and the 3302 revoke rows, and
//! record nothing. `POST /v1/export/{3301|3302}/record` (reviewer token)
//! records the batch, like `mulu export`, after the clerk has uploaded the
//! file: its `check` must be the one the download carried, so what is
//! recorded is exactly what was downloaded. Plans, files and records are
//! the `mapping` crate's.

use super::{blocking, parse_kind, AppState};
use crate::error::{ApiError, ApiResult};
use crate::reviewers::Role;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mapping::files::FileFormat;
use serde::Deserialize;
use serde_json::json;

/// The header a download carries its plan's fingerprint in.
const CHECK: &str = "x-mulu-check";
/// The header with the download's row count.
const ROWS: &str = "x-mulu-rows";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportQuery {
    /// json (rows as JSON, the default), batches (the platform's JSON
    /// batches, a file), xlsx or csv.
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    /// 3301 only: only what changed since the last recorded batch.
    #[serde(default)]
    new: Option<bool>,
    /// list_type numbering: national or hunan.
    #[serde(default)]
    list_type_table: Option<String>,
}

/// The export options: `list_type_table` given alone wins, as the CLI's
/// flag does; else the home's `mulu.toml` (table and overrides), which also
/// gives the 定点医药机构编号.
fn options(
    app: &crate::App,
    kind: Option<&str>,
    table: Option<&str>,
) -> ApiResult<mapping::ExportOptions> {
    options_of(app.home_config(), kind, table)
}

/// [`options`] over a `mulu.toml` as read. A bad table is the caller's
/// (their query, or the hospital's `mulu.toml`), so a 400 naming the
/// parameter or the file's key; never the file's path (no server path in a
/// body).
fn options_of(
    cfg: &mapping::config::Config,
    kind: Option<&str>,
    table: Option<&str>,
) -> ApiResult<mapping::ExportOptions> {
    let table = table
        .map(|t| {
            t.parse().map_err(|e: String| {
                ApiError::bad_request(format!("查询参数 list_type_table：{e}"))
            })
        })
        .transpose()?;
    let (table, overrides) = cfg.list_types(table).map_err(|e| {
        ApiError::bad_request(format!("{} 的 list_type.table：{e}", mapping::config::FILE))
    })?;
    Ok(mapping::ExportOptions {
        kind: parse_kind(kind)?,
        table,
        overrides,
        fixmedins_code: cfg.fixmedins_code(None),
        ..Default::default()
    })
}

fn what_of(what: &str) -> ApiResult<&'static str> {
    match what {
        "3301" => Ok("3301"),
        "3302" => Ok("3302"),
        other => Err(ApiError::not_found(format!(
            "未知的导出 '{other}'：应为 3301（目录对照上传）或 3302（目录对照撤销） (unknown export)"
        ))),
    }
}

/// A file download with its name.
fn file(bytes: Vec<u8>, name: String, mime: &'static str) -> Response {
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `GET /v1/export/{3301|3302}`: preview or download; records nothing.
pub(crate) async fn export(
    State(app): AppState,
    Path(what): Path<String>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let q = crate::body::query(q)?;
    let what = what_of(&what)?;
    let opts = options(&app, q.kind.as_deref(), q.list_type_table.as_deref())?;
    let only_new = q.new.unwrap_or(false);
    let format = match q.format.as_deref().unwrap_or("json") {
        "json" => None,
        "batches" => Some(FileFormat::JsonBatches),
        "xlsx" => Some(FileFormat::Xlsx),
        "csv" => Some(FileFormat::Csv),
        other => {
            return Err(ApiError::bad_request(format!(
                "未知的格式 '{other}'：应为 json、batches、xlsx 或 csv (unknown format)"
            )))
        }
    };
    blocking(move || {
        let (json_body, bytes, check, rows) = app.read(|s| -> ApiResult<_> {
            if what == "3301" {
                let plan = mapping::upload::plan_3301(s, &opts, only_new)?;
                let check = mapping::upload::check_3301(&plan);
                let bytes = format
                    .map(|f| {
                        mapping::files::upload_file(
                            f,
                            "3301",
                            mapping::FIELDS,
                            &plan.rows,
                            mapping::Row3301::cells,
                            &opts.fixmedins_code,
                        )
                    })
                    .transpose()
                    .map_err(ApiError::internal)?;
                let body = json!({ "rows": plan.rows, "skipped": plan.skipped, "check": check, "new": only_new });
                Ok((body, bytes, check, plan.rows.len()))
            } else {
                let (rows, sent) = mapping::upload::plan_3302(s, &opts)?;
                let check = mapping::upload::check_3302(&sent);
                let bytes = format
                    .map(|f| {
                        mapping::files::upload_file(
                            f,
                            "3302",
                            mapping::upload::FIELDS_3302,
                            &rows,
                            mapping::upload::Row3302::cells,
                            &opts.fixmedins_code,
                        )
                    })
                    .transpose()
                    .map_err(ApiError::internal)?;
                let n = rows.len();
                Ok((json!({ "rows": rows, "check": check }), bytes, check, n))
            }
        })??;
        let suffix = if only_new && what == "3301" { "-new" } else { "" };
        let mut resp = match (format, bytes) {
            (Some(FileFormat::Xlsx), Some(b)) => file(
                b,
                format!("{what}{suffix}.xlsx"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (Some(FileFormat::Csv), Some(b)) => file(
                b,
                format!("{what}{suffix}.csv"),
                "text/csv; charset=utf-8",
            ),
            (Some(FileFormat::JsonBatches), Some(b)) => {
                file(b, format!("{what}{suffix}.json"), "application/json")
            }
            _ => Json(json_body).into_response(),
        };
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&check) {
            h.insert(CHECK, v);
        }
        h.insert(ROWS, HeaderValue::from(rows as u64));
        Ok(resp)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordReq {
    /// The `check` of the download being recorded (its `x-mulu-check`).
    check: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    new: bool,
    #[serde(default)]
    list_type_table: Option<String>,
    /// What the batch is called in the upload log (the file's name).
    #[serde(default)]
    file: Option<String>,
    /// The page names the person on every write made with the shared
    /// token; the upload log has no reviewer column, so it is accepted only.
    #[serde(default, rename = "by")]
    _by: Option<String>,
}

/// `POST /v1/export/{3301|3302}/record`: record the batch the clerk uploaded.
pub(crate) async fn record(
    State(app): AppState,
    headers: HeaderMap,
    Path(what): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    crate::auth::require(&app, &headers, Role::Reviewer)?;
    let what = what_of(&what)?;
    let req: RecordReq = crate::body::json(b)?;
    let Some(check) = req.check.clone() else {
        return Err(ApiError::bad_request(
            "记为已上传需要下载时的 \"check\"（下载响应头 x-mulu-check），以确认记录的正是下载的内容 (record needs the download's check)",
        ));
    };
    let opts = options(&app, req.kind.as_deref(), req.list_type_table.as_deref())?;
    let file = req
        .file
        .clone()
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| format!("工作台下载 {what}"));
    let only_new = req.new;
    blocking(move || {
        app.write(|s| -> ApiResult<Response> {
            let (now, batch) = if what == "3301" {
                let plan = mapping::upload::plan_3301(s, &opts, only_new)?;
                let now = mapping::upload::check_3301(&plan);
                if now != check {
                    return Ok(changed(&check, &now));
                }
                let b = mapping::upload::record_3301(s, &plan, &file, only_new)?;
                (now, b)
            } else {
                let (_, sent) = mapping::upload::plan_3302(s, &opts)?;
                let now = mapping::upload::check_3302(&sent);
                if now != check {
                    return Ok(changed(&check, &now));
                }
                let b = mapping::upload::record_3302(s, &sent, &file)?;
                (now, b)
            };
            Ok(Json(json!({ "batch": batch, "check": now })).into_response())
        })
    })
    .await
}

fn changed(expected: &str, now: &str) -> Response {
    (
        StatusCode::CONFLICT,
        Json(json!({ "error": {
            "status": 409,
            "code": "export_changed",
            "message": "下载之后对照已有变化，记录的将不是你下载的文件：请重新下载后再记为已上传，未记录任何批次 (the export changed since it was downloaded; nothing recorded)",
        }, "expected": expected, "current": now })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `mulu.toml` that names no known table (built in code: `App::open`
    /// refuses such a file before serving) is the user's error, not ours.
    #[test]
    fn a_bad_list_type_table_in_mulu_toml_is_a_400_naming_the_key() {
        let cfg = mapping::config::Config {
            file: Some("/srv/secret/home/mulu.toml".into()),
            list_type_table: Some("martian".into()),
            ..Default::default()
        };
        let e = options_of(&cfg, None, None).expect_err("refused");
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, "bad_request"));
        assert!(
            e.message.contains("mulu.toml")
                && e.message.contains("list_type.table")
                && e.message.contains("martian"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("/srv/secret"), "{}", e.message);
        // A table in the query wins over the file, as the CLI's flag does.
        let o = options_of(&cfg, None, Some("hunan")).unwrap();
        assert_eq!(o.table, mapping::ListTypeTable::Hunan);
    }
}
