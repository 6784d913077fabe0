//! The workbench's HTTP face in-process: reviewer roles, one winner when two
//! reviewers decide one item, bulk reports, undo, history, queue filters and
//! paging, stats, and the page itself.

mod common;

use axum::body::Body;
use catalog_core::store::Decision;
use catalog_core::{Category, Store};
use common::*;
use mulu_server::Config;
use serde_json::{json, Value};

const VIEWER: &str = "viewer-token-1";
const REVIEWER_A: &str = "reviewer-token-a";
const REVIEWER_B: &str = "reviewer-token-b";

/// A home with the herbal sample, 12 suggested mappings (tiers cycle high,
/// medium, low, none) and a reviewers file; plus the shared admin token.
fn served() -> Served {
    served_with(None)
}

/// As [`served`], with `mulu.toml` in the home when given.
fn served_with(mulu_toml: Option<&str>) -> Served {
    let home = tempfile::tempdir().unwrap();
    if let Some(t) = mulu_toml {
        std::fs::write(home.path().join("mulu.toml"), t).unwrap();
    }
    import(home.path(), &sample("herbal.csv"), Category::Herbal, "h1");
    std::fs::write(
        home.path().join("reviewers.json"),
        json!({"reviewers": [
            {"name": "只读者", "token": VIEWER, "role": "viewer"},
            {"name": "张三", "token": REVIEWER_A, "role": "reviewer"},
            {"name": "李四", "token": REVIEWER_B, "role": "reviewer"},
        ]})
        .to_string(),
    )
    .unwrap();
    let mut store = Store::open_home(home.path()).unwrap();
    for i in 0..12 {
        store
            .record_decision(&Decision {
                category: Some(Category::Herbal),
                hospital_code: format!("H{i:03}"),
                hospital_name: format!("黄芪{i}"),
                target_code: Some("T001001001".into()),
                target_name: Some("黄芪".into()),
                tier: Some(["high", "medium", "low", "none"][i % 4].into()),
                score: Some((99 - i as i64) as f64 / 100.0),
                ..Default::default()
            })
            .unwrap();
    }
    drop(store);
    open(home, token("admin-token"))
}

fn bearer(t: &str) -> String {
    format!("Bearer {t}")
}

async fn post(s: &Served, uri: &str, tok: &str, body: Value) -> (u16, Value) {
    let auth = bearer(tok);
    let (st, _, v) = call(
        &s.router,
        "POST",
        uri,
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/json"),
        ],
        Body::from(body.to_string()),
    )
    .await;
    (st.as_u16(), v)
}

async fn get(s: &Served, uri: &str) -> Value {
    let (st, _, v) = call(&s.router, "GET", uri, &[], Body::empty()).await;
    assert_eq!(st, 200, "{uri}: {v}");
    v
}

#[tokio::test]
async fn roles_are_enforced_and_a_decision_records_the_tokens_reviewer() {
    let s = served();
    let (st, v) = post(&s, "/v1/mappings/1/approve", VIEWER, json!({})).await;
    assert_eq!((st, code(&v)), (403, "forbidden"), "{v}");
    let (st, v) = post(&s, "/v1/mappings/1/approve", "not-a-token", json!({})).await;
    assert_eq!((st, code(&v)), (401, "unauthorized"), "{v}");
    // The client claims another name: the token's reviewer is recorded.
    let (st, v) = post(
        &s,
        "/v1/mappings/1/approve",
        REVIEWER_A,
        json!({"by": "冒名者"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["mapping"]["reviewer"], "张三");
    // Only an admin imports.
    let (st, v) = post(&s, "/v1/import?kind=herbal&label=h2", REVIEWER_A, json!({})).await;
    assert_eq!((st, code(&v)), (403, "forbidden"), "{v}");
    // The shared --token is an admin that may name the person.
    let (st, v) = post(
        &s,
        "/v1/mappings/2/flag",
        "admin-token",
        json!({"by": "王主任"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["mapping"]["reviewer"], "王主任");
    let auth = bearer(REVIEWER_B);
    let (st, _, who) = call(
        &s.router,
        "GET",
        "/v1/whoami",
        &[("Authorization", auth.as_str())],
        Body::empty(),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(
        (who["name"].as_str(), who["role"].as_str()),
        (Some("李四"), Some("reviewer"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reviewers_on_one_item_one_wins_the_other_gets_409() {
    let s = served();
    let rev = get(&s, "/v1/mappings/5").await["mapping"]["revision"]
        .as_i64()
        .unwrap();
    let a = post(
        &s,
        "/v1/mappings/5/approve",
        REVIEWER_A,
        json!({"revision": rev}),
    );
    let b = post(
        &s,
        "/v1/mappings/5/flag",
        REVIEWER_B,
        json!({"revision": rev}),
    );
    let (ra, rb) = tokio::join!(a, b);
    let mut both = [ra, rb];
    both.sort_by_key(|r| r.0);
    assert_eq!((both[0].0, both[1].0), (200, 409), "{both:?}");
    let winner = both[0].1["mapping"]["reviewer"].clone();
    assert_eq!(
        both[1].1["current"]["reviewer"], winner,
        "409 carries the winner's state"
    );
    let stored = get(&s, "/v1/mappings/5").await;
    assert_eq!(stored["mapping"]["reviewer"], winner);
}

#[tokio::test]
async fn the_queue_filters_sorts_and_pages() {
    let s = served();
    let v = get(
        &s,
        "/v1/mappings?tier=high,medium&per_page=4&page=2&sort=score&desc=true",
    )
    .await;
    assert_eq!(v["total"], 6, "{v}");
    let codes: Vec<&str> = v["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["hospital_code"].as_str().unwrap())
        .collect();
    // high+medium by score desc: H000 H001 H004 H005 | H008 H009.
    assert_eq!(codes, ["H008", "H009"]);
    let v = get(&s, "/v1/mappings?q=%E9%BB%84%E8%8A%AA1&per_page=50").await; // 黄芪1
    assert_eq!(v["total"], 3, "黄芪1, 黄芪10, 黄芪11: {v}");
    let v = get(&s, "/v1/mappings?score_min=0.95&score_max=0.97").await;
    assert_eq!(v["total"], 3, "{v}");
    let (st, _, v) = call(
        &s.router,
        "GET",
        "/v1/mappings?tier=best",
        &[],
        Body::empty(),
    )
    .await;
    assert_eq!(st, 400, "{v}");
    post(&s, "/v1/mappings/1/approve", REVIEWER_A, json!({})).await;
    let v = get(&s, "/v1/mappings?reviewer=%E5%BC%A0%E4%B8%89").await; // 张三
    assert_eq!(v["total"], 1);
}

#[tokio::test]
async fn bulk_approve_reports_what_could_not_change_and_undoes_as_a_batch() {
    let s = served();
    let filter = json!({"status": "suggested"});
    // The confirmed count must be the count now.
    let (st, v) = post(
        &s,
        "/v1/mappings/bulk",
        REVIEWER_A,
        json!({"action": "approve", "filter": filter, "expected_total": 11}),
    )
    .await;
    assert_eq!(
        (st, code(&v), v["current_total"].as_u64()),
        (409, "count_changed", Some(12)),
        "{v}"
    );
    let (st, v) = post(
        &s,
        "/v1/mappings/bulk",
        REVIEWER_A,
        json!({"action": "approve", "filter": filter}),
    )
    .await;
    assert_eq!(st, 400, "no count confirmed: {v}");
    let (st, rep) = post(
        &s,
        "/v1/mappings/bulk",
        REVIEWER_A,
        json!({"action": "approve", "filter": filter, "expected_total": 12}),
    )
    .await;
    assert_eq!(st, 200, "{rep}");
    assert_eq!(
        (rep["matched"].as_u64(), rep["changed"].as_u64()),
        (Some(12), Some(6)),
        "{rep}"
    );
    let skipped = rep["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 6);
    assert!(
        skipped.iter().all(|x| x["code"] == "needs_confirmation"),
        "{rep}"
    );
    assert_eq!(get(&s, "/v1/mappings?status=approved").await["total"], 6);
    let stats = get(&s, "/v1/mappings/stats").await;
    assert_eq!(
        (stats["total"].as_u64(), stats["confirmed"].as_u64()),
        (Some(12), Some(6))
    );

    // 李四 may not undo 张三's batch: 403 naming 张三, nothing restored.
    let (st, u) = post(
        &s,
        "/v1/mappings/bulk/undo",
        REVIEWER_B,
        json!({"batch": rep["batch"]}),
    )
    .await;
    assert_eq!((st, code(&u)), (403, "forbidden"), "{u}");
    assert_eq!(u["reviewer"], "张三", "{u}");
    assert!(
        u["error"]["message"].as_str().unwrap().contains("张三"),
        "{u}"
    );
    assert_eq!(get(&s, "/v1/mappings?status=approved").await["total"], 6);
    // An admin may.
    let (st, u) = post(
        &s,
        "/v1/mappings/bulk/undo",
        "admin-token",
        json!({"batch": rep["batch"], "by": "王主任"}),
    )
    .await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["restored"], 6);
    assert_eq!(get(&s, "/v1/mappings?status=approved").await["total"], 0);
    let h = get(&s, "/v1/mappings/1/history").await;
    let who: Vec<(&str, &str)> = h["events"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|e| (e["action"].as_str().unwrap(), e["who"].as_str().unwrap()))
        .collect();
    assert_eq!(who, [("approved", "张三"), ("undo", "王主任")]);
}

#[tokio::test]
async fn undo_restores_the_previous_decision_and_refuses_a_stale_view() {
    let s = served();
    let (_, a) = post(
        &s,
        "/v1/mappings/3/reject",
        REVIEWER_A,
        json!({"note": "规格不符"}),
    )
    .await;
    let (_, b) = post(&s, "/v1/mappings/3/flag", REVIEWER_B, json!({})).await;
    let stale = a["mapping"]["revision"].as_i64().unwrap();
    let (st, v) = post(
        &s,
        "/v1/mappings/3/undo",
        REVIEWER_A,
        json!({"revision": stale}),
    )
    .await;
    assert_eq!((st, code(&v)), (409, "conflict"), "{v}");
    assert_eq!(v["current"]["status"], "flagged");
    // 张三 may not undo 李四's flag: 403 naming 李四, the store unchanged.
    let before = get(&s, "/v1/mappings/3").await;
    let (st, v) = post(
        &s,
        "/v1/mappings/3/undo",
        REVIEWER_A,
        json!({"revision": b["mapping"]["revision"]}),
    )
    .await;
    assert_eq!((st, code(&v)), (403, "forbidden"), "{v}");
    assert_eq!(v["reviewer"], "李四", "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("管理员"),
        "the message is Chinese and says who may: {v}"
    );
    assert_eq!(get(&s, "/v1/mappings/3").await, before);
    // 李四 undoes their own flag, then an admin undoes 张三's reject.
    let (st, v) = post(
        &s,
        "/v1/mappings/3/undo",
        REVIEWER_B,
        json!({"revision": b["mapping"]["revision"]}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["mapping"]["status"], "rejected");
    assert_eq!(v["mapping"]["reviewer"], "张三");
    assert_eq!(v["mapping"]["note"], "规格不符");
    let (st, v) = post(
        &s,
        "/v1/mappings/3/undo",
        "admin-token",
        json!({"revision": v["mapping"]["revision"], "by": "王主任"}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["mapping"]["status"], "suggested");
    let h = get(&s, "/v1/mappings/3/history").await;
    let last = h["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["who"].as_str()),
        (Some("undo"), Some("王主任"))
    );
    assert!(last["note"].as_str().unwrap().contains("张三"), "{last}");
}

#[tokio::test]
async fn the_page_is_served_with_a_strict_csp_and_embedded_assets() {
    let s = served();
    use tower::ServiceExt;
    for (uri, ty) in [
        ("/", "text/html"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/app.css", "text/css"),
    ] {
        let resp = s
            .router
            .clone()
            .oneshot(axum::http::Request::get(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{uri}");
        let h = resp.headers();
        assert!(h["content-type"].to_str().unwrap().starts_with(ty), "{uri}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe"),
            "{csp}"
        );
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(
            !text.contains("http://") || uri != "/",
            "no external references in the page"
        );
        if uri == "/assets/app.js" {
            assert!(
                !text.contains("innerHTML"),
                "data never goes through innerHTML"
            );
        }
    }
    let (st, _, v) = call(&s.router, "GET", "/assets/../mulu.db", &[], Body::empty()).await;
    assert_eq!(st, 404, "{v}");
}

#[test]
fn a_bad_reviewers_file_is_refused_at_start() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("reviewers.json"),
        r#"[{"name": "张三", "token": "short", "role": "reviewer"}]"#,
    )
    .unwrap();
    let err = mulu_server::App::open(home.path(), Config::default())
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("令牌太短"), "{err:#}");
}

#[test]
fn every_workbench_endpoint_is_in_openapi() {
    let doc: Value = serde_json::from_str(mulu_server::OPENAPI).unwrap();
    for p in [
        "/",
        "/assets/{file}",
        "/v1/mappings",
        "/v1/mappings/stats",
        "/v1/mappings/bulk",
        "/v1/mappings/bulk/undo",
        "/v1/mappings/{id}/history",
        "/v1/mappings/{id}/candidates",
        "/v1/whoami",
        "/v1/export/3301",
        "/v1/export/3302",
        "/v1/export/{what}/record",
        "/v1/his",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from openapi.json");
    }
    let actions =
        &doc["paths"]["/v1/mappings/{id}/{action}"]["post"]["parameters"][1]["schema"]["enum"];
    assert!(actions.as_array().unwrap().iter().any(|a| a == "undo"));
}

/// A request whose answer may be a file: status, headers, body bytes.
async fn raw(
    s: &Served,
    method: &str,
    uri: &str,
    tok: Option<&str>,
    body: Vec<u8>,
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    use tower::ServiceExt;
    let mut b = axum::http::Request::builder().method(method).uri(uri);
    if let Some(t) = tok {
        b = b.header("Authorization", bearer(t));
    }
    let resp = s
        .router
        .clone()
        .oneshot(b.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let (st, h) = (resp.status().as_u16(), resp.headers().clone());
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (st, h, bytes.to_vec())
}

fn json_of(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(b)))
}

/// Upload a HIS file as a reviewer and wait for its job.
async fn his_job(s: &Served, query: &str, file: &str) -> Value {
    let (st, h, b) = raw(
        s,
        "POST",
        &format!("/v1/his?{query}"),
        Some(REVIEWER_A),
        file.as_bytes().to_vec(),
    )
    .await;
    let v = json_of(&b);
    assert_eq!(st, 202, "{v}");
    assert_eq!(v["job"]["type"], "match", "{v}");
    let id = v["job"]["id"].as_u64().unwrap();
    assert_eq!(h["location"], format!("/v1/jobs/{id}"));
    finished_job(&s.router, id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_his_dictionary_uploaded_over_http_is_matched_by_a_job_and_every_row_is_accounted_for() {
    let s = served();
    // Row 4 is wider than the header, row 5 a total line: both rejected.
    let csv = "院内编码,院内名称,规格\nN01,黄芪,\nN02,党参,\nN03,当归,,多余的列\n合计,,\n";
    let (st, _, b) = raw(
        &s,
        "POST",
        "/v1/his?kind=herbal&format=csv",
        Some(VIEWER),
        csv.into(),
    )
    .await;
    assert_eq!((st, code(&json_of(&b))), (403, "forbidden"));
    let (st, _, b) = raw(
        &s,
        "POST",
        "/v1/his?kind=herbal&format=pdf",
        Some(REVIEWER_A),
        csv.into(),
    )
    .await;
    assert_eq!(st, 400, "{}", json_of(&b));
    let (st, _, b) = raw(
        &s,
        "POST",
        "/v1/his?kind=drug&format=csv",
        Some(REVIEWER_A),
        csv.into(),
    )
    .await;
    assert_eq!(
        (st, code(&json_of(&b))),
        (404, "no_catalogue"),
        "no drug catalogue is loaded"
    );

    let job = his_job(&s, "kind=herbal&format=csv", csv).await;
    assert_eq!(job["status"], "matched", "{job}");
    let sum = &job["summary"];
    assert_eq!(
        (
            sum["read"].as_u64(),
            sum["matched"].as_u64(),
            sum["rejected"].as_u64(),
            sum["recorded"].as_u64()
        ),
        (Some(4), Some(2), Some(2), Some(2)),
        "matched + rejected = read: {job}"
    );
    assert_eq!(
        (
            job["progress"]["done"].as_u64(),
            job["progress"]["total"].as_u64()
        ),
        (Some(2), Some(2)),
        "{job}"
    );
    let rejects: Vec<&str> = job["first_rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(rejects.len(), 2, "{job}");
    assert!(
        rejects[0].starts_with("his.csv 第 4 行") && rejects[1].starts_with("his.csv 第 5 行"),
        "rows named, in Chinese: {rejects:?}"
    );
    assert!(
        !job.to_string().contains("uploads"),
        "no server path: {job}"
    );
    // The suggestions are in the queue.
    assert_eq!(get(&s, "/v1/mappings").await["total"], 14);
    let n01 = get(&s, "/v1/mappings?q=N01").await["mappings"][0].clone();
    assert_eq!(
        (n01["status"].as_str(), n01["target_code"].as_str()),
        (Some("suggested"), Some("T001001001")),
        "{n01}"
    );

    // A reviewed mapping survives a second upload (the CLI's rule).
    let (st, v) = post(
        &s,
        &format!("/v1/mappings/{}/approve", n01["id"]),
        REVIEWER_A,
        json!({}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let again = his_job(&s, "kind=herbal&format=csv", csv).await;
    assert_eq!(
        (
            again["summary"]["recorded"].as_u64(),
            again["summary"]["kept_reviewed"].as_u64()
        ),
        (Some(1), Some(1)),
        "{again}"
    );
    assert_eq!(
        get(&s, &format!("/v1/mappings/{}", n01["id"])).await["mapping"]["status"],
        "approved"
    );

    // No name column: the job fails in Chinese, nothing written.
    let bad = his_job(&s, "kind=herbal&format=csv", "编码,规格\nA1,10g\n").await;
    assert_eq!(
        (bad["status"].as_str(), bad["error"]["code"].as_str()),
        (Some("failed"), Some("unreadable")),
        "{bad}"
    );
    let msg = bad["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("院内名称") && msg.contains("编码") && msg.contains("未写入"),
        "{msg}"
    );
    assert_eq!(get(&s, "/v1/mappings").await["total"], 14);
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn downloads_preview_without_recording_and_record_marks_the_batch_downloaded() {
    let s = served();
    for id in [1, 2] {
        let (st, v) = post(
            &s,
            &format!("/v1/mappings/{id}/approve"),
            REVIEWER_A,
            json!({}),
        )
        .await;
        assert_eq!(st, 200, "{v}");
    }
    // 3301 as a real xlsx: the platform's fields as the header, one row each.
    let (st, h, b) = raw(&s, "GET", "/v1/export/3301?format=xlsx", None, vec![]).await;
    assert_eq!(st, 200);
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .contains("3301.xlsx"));
    assert_eq!(h["x-mulu-rows"], "2");
    let check = h["x-mulu-check"].to_str().unwrap().to_string();
    let rows = xlsx_rows(&b);
    assert_eq!(rows[0], mapping::FIELDS, "header");
    assert_eq!(rows.len(), 3, "{rows:?}");
    let col = mapping::FIELDS
        .iter()
        .position(|f| *f == "med_list_codg")
        .unwrap();
    let hosp = mapping::FIELDS
        .iter()
        .position(|f| *f == "fixmedins_hilist_id")
        .unwrap();
    assert_eq!(
        (rows[1][hosp].as_str(), rows[1][col].as_str()),
        ("H000", "T001001001")
    );
    // JSON batches, as `mulu export 3301 --out x.json` writes them.
    let (st, h, b) = raw(&s, "GET", "/v1/export/3301?format=batches", None, vec![]).await;
    assert_eq!(st, 200);
    assert_eq!(h["x-mulu-check"].to_str().unwrap(), check, "same plan");
    let v = json_of(&b);
    assert_eq!(v["batches"][0]["data"].as_array().unwrap().len(), 2, "{v}");
    // Downloads recorded nothing: --new still sends both.
    let v = get(&s, "/v1/export/3301?new=true").await;
    assert_eq!(v["rows"].as_array().unwrap().len(), 2, "{v}");
    let store = Store::open_home(s.home.path()).unwrap();
    assert_eq!(store.last_upload().unwrap(), None);
    drop(store);

    // Recording needs a reviewer and the download's check.
    let (st, v) = post(
        &s,
        "/v1/export/3301/record",
        VIEWER,
        json!({"check": check}),
    )
    .await;
    assert_eq!((st, code(&v)), (403, "forbidden"));
    let (st, v) = post(&s, "/v1/export/3301/record", REVIEWER_A, json!({})).await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = post(
        &s,
        "/v1/mappings/3/approve",
        REVIEWER_A,
        json!({"confirm": true}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = post(
        &s,
        "/v1/export/3301/record",
        REVIEWER_A,
        json!({"check": check, "file": "3301.xlsx"}),
    )
    .await;
    assert_eq!(
        (st, code(&v)),
        (409, "export_changed"),
        "a third mapping was confirmed after the download: {v}"
    );
    let store = Store::open_home(s.home.path()).unwrap();
    assert_eq!(store.last_upload().unwrap(), None, "nothing recorded");
    drop(store);
    let v = get(&s, "/v1/export/3301").await;
    let (st, rec) = post(
        &s,
        "/v1/export/3301/record",
        REVIEWER_A,
        json!({"check": v["check"], "file": "3301.xlsx"}),
    )
    .await;
    assert_eq!(st, 200, "{rec}");
    assert_eq!(
        (
            rec["batch"]["id"].as_i64(),
            rec["batch"]["rows"].as_i64(),
            rec["batch"]["kind"].as_str()
        ),
        (Some(1), Some(3), Some("3301"))
    );
    let v = get(&s, "/v1/export/3301?new=true").await;
    assert_eq!(v["rows"].as_array().unwrap().len(), 0, "all sent: {v}");

    // A mapping withdrawn after upload is on the 3302 revoke list.
    let (st, v) = post(&s, "/v1/mappings/1/reject", REVIEWER_A, json!({})).await;
    assert_eq!(st, 200, "{v}");
    let (st, h, b) = raw(&s, "GET", "/v1/export/3302?format=xlsx", None, vec![]).await;
    assert_eq!(st, 200);
    let rows = xlsx_rows(&b);
    assert_eq!(rows[0], mapping::upload::FIELDS_3302);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let col = |name: &str| {
        mapping::upload::FIELDS_3302
            .iter()
            .position(|f| *f == name)
            .unwrap()
    };
    assert_eq!(
        (
            rows[1][col("fixmedins_hilist_id")].as_str(),
            rows[1][col("med_list_codg")].as_str()
        ),
        ("H000", "T001001001")
    );
    let check = h["x-mulu-check"].to_str().unwrap().to_string();
    let (st, rec) = post(
        &s,
        "/v1/export/3302/record",
        REVIEWER_B,
        json!({"check": check}),
    )
    .await;
    assert_eq!(st, 200, "{rec}");
    assert_eq!(
        (rec["batch"]["id"].as_i64(), rec["batch"]["kind"].as_str()),
        (Some(2), Some("3302"))
    );
    let v = get(&s, "/v1/export/3302").await;
    assert_eq!(v["rows"].as_array().unwrap().len(), 0, "revoked: {v}");
    let (st, _, b) = raw(&s, "GET", "/v1/export/3303", None, vec![]).await;
    assert_eq!(st, 404, "{}", json_of(&b));
}

#[tokio::test]
async fn downloads_carry_the_hospital_code_and_list_type_of_mulu_toml() {
    let s = served_with(Some(
        "fixmedins_code = \"H44010600124\"\n\n[list_type.prefix]\nT = \"199\"\n",
    ));
    let (st, v) = post(&s, "/v1/mappings/1/approve", REVIEWER_A, json!({})).await;
    assert_eq!(st, 200, "{v}");
    let (st, _, b) = raw(&s, "GET", "/v1/export/3301?format=batches", None, vec![]).await;
    assert_eq!(st, 200);
    let v = json_of(&b);
    let batch = &v["batches"][0];
    assert_eq!(batch["fixmedins_code"], "H44010600124", "{v}");
    assert_eq!(
        batch["data"][0]["list_type"], "199",
        "the prefix override: {v}"
    );
    // The JSON preview the page shows carries the same list_type.
    let v = get(&s, "/v1/export/3301").await;
    assert_eq!(v["rows"][0]["list_type"], "199", "{v}");
}

/// A bad `list_type_table` is the caller's mistake: 400 naming the parameter.
#[tokio::test]
async fn a_bad_list_type_table_is_a_400_naming_the_parameter() {
    let s = served_with(Some("[list_type]\ntable = \"hunan\"\n"));
    for uri in [
        "/v1/export/3301?list_type_table=martian",
        "/v1/export/3302?list_type_table=martian&format=xlsx",
    ] {
        let (st, _, b) = raw(&s, "GET", uri, None, vec![]).await;
        let v = json_of(&b);
        assert_eq!((st, code(&v)), (400, "bad_request"), "{uri}: {v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("list_type_table") && msg.contains("martian"),
            "{uri}: {msg}"
        );
    }
    // The file's table serves when the query names none.
    let (st, _, b) = raw(&s, "GET", "/v1/export/3301", None, vec![]).await;
    assert_eq!(st, 200, "{}", json_of(&b));
}

#[test]
fn a_bad_mulu_toml_is_refused_at_start_naming_file_and_key() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("mulu.toml"), "fixmedins_code = 12\n").unwrap();
    let err = mulu_server::App::open(home.path(), Config::default())
        .err()
        .expect("refused");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("mulu.toml") && msg.contains("fixmedins_code"),
        "{msg}"
    );
}
