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
    let home = tempfile::tempdir().unwrap();
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

    let (st, u) = post(
        &s,
        "/v1/mappings/bulk/undo",
        REVIEWER_B,
        json!({"batch": rep["batch"]}),
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
    assert_eq!(who, [("approved", "张三"), ("undo", "李四")]);
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
    let (st, v) = post(
        &s,
        "/v1/mappings/3/undo",
        REVIEWER_A,
        json!({"revision": b["mapping"]["revision"]}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["mapping"]["status"], "rejected");
    assert_eq!(v["mapping"]["reviewer"], "张三");
    assert_eq!(v["mapping"]["note"], "规格不符");
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
    ] {
        assert!(doc["paths"][p].is_object(), "{p} missing from openapi.json");
    }
    let actions =
        &doc["paths"]["/v1/mappings/{id}/{action}"]["post"]["parameters"][1]["schema"]["enum"];
    assert!(actions.as_array().unwrap().iter().any(|a| a == "undo"));
}
