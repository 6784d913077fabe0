//! Workbench figures for docs/benchmarks.md ("Workbench"): server time of a
//! queue page over 30,000 mappings (p50/p95 across a mix of filters, sorts
//! and pages) and one bulk approve of 10,000 mappings (plus its undo).
//! Requests go through the real router in-process, so the time is the
//! server's (routing, SQL, JSON), not the network's.
//!
//! `nice -n 19 cargo run --release -p mulu-server --example workbench_bench`
//! (optional argument: the number of mappings, default 30000).

use axum::body::Body;
use axum::http::Request;
use catalog_core::entry::Detail;
use catalog_core::store::Decision;
use catalog_core::{Category, Entry, Store, VersionMeta};
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(30_000);
    let home = tempfile::tempdir()?;
    let mut store = Store::open_home(home.path())?;
    // A catalogue of 2,000 rows, so "target changed" has a newest version to probe.
    let codes: Vec<String> = (0..2000)
        .map(|i| format!("T{:03}{:03}{:03}", i / 100 + 1, i % 100, i % 1000))
        .collect();
    let meta = VersionMeta {
        category: Category::Herbal,
        label: "h1".into(),
        source: "bench".into(),
        published: None,
        note: None,
    };
    store.import_version(
        &meta,
        false,
        codes.iter().map(|c| {
            Ok::<_, String>(Entry::new(
                c.as_str(),
                format!("饮片{c}"),
                Detail::empty(Category::Herbal),
            ))
        }),
    )?;
    let tiers = ["high", "medium", "low"];
    let ds: Vec<Decision> = (0..n)
        .map(|i| Decision {
            category: Some(Category::Herbal),
            hospital_code: format!("H{i:06}"),
            hospital_name: format!("院内饮片{}号{}", i, ["甲", "乙", "丙", "丁"][i % 4]),
            // Every 50th target is not in the catalogue (a removed code).
            target_code: Some(if i % 50 == 0 {
                format!("T999{i:06}")
            } else {
                codes[i % codes.len()].clone()
            }),
            target_name: Some(format!("饮片{}", codes[i % codes.len()])),
            tier: Some(tiers[i % 3].into()),
            score: Some(0.3 + (i % 70) as f64 / 100.0),
            item: Some(
                serde_json::json!({"name": "x", "extra": {"使用频次": (i % 500).to_string()}}),
            ),
            ..Decision::default()
        })
        .collect();
    let t = Instant::now();
    store.record_decisions(&ds)?;
    println!(
        "setup: {n} mappings written in {:.2} s",
        t.elapsed().as_secs_f64()
    );
    drop(store);

    let app = mulu_server::App::open(
        home.path(),
        mulu_server::Config {
            token: Some("bench-token".into()),
            ..Default::default()
        },
    )?;
    let router = app.router();
    let call = |method: &'static str, uri: String, body: Option<String>| {
        let router = router.clone();
        async move {
            let mut b = Request::builder()
                .method(method)
                .uri(uri)
                .header("Authorization", "Bearer bench-token");
            if body.is_some() {
                b = b.header("Content-Type", "application/json");
            }
            let t = Instant::now();
            let resp = router
                .oneshot(b.body(body.map(Body::from).unwrap_or_default()).unwrap())
                .await
                .unwrap();
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            let el = t.elapsed();
            assert!(
                status.is_success(),
                "{status}: {}",
                String::from_utf8_lossy(&bytes)
            );
            (
                el,
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
            )
        }
    };
    let pages = n as u64 / 50;
    let queries: Vec<String> = vec![
        "/v1/mappings?per_page=50&page={p}".into(),
        "/v1/mappings?tier=high&per_page=50&page={p}".into(),
        "/v1/mappings?status=suggested&sort=score&desc=true&per_page=50&page={p}".into(),
        "/v1/mappings?tier=medium,low&score_min=0.5&score_max=0.8&sort=name&per_page=50&page={p}"
            .into(),
        "/v1/mappings?q=%E4%B9%99&per_page=50&page={p}".into(),
        "/v1/mappings?target_changed=true&per_page=50&page=1".into(),
        "/v1/mappings/stats".into(),
    ];
    // Warm-up, then 30 rounds of each query at spread pages.
    for q in &queries {
        call("GET", q.replace("{p}", "1"), None).await;
    }
    let mut all = Vec::new();
    let mut by_query: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    for round in 0..30u64 {
        for (qi, q) in queries.iter().enumerate() {
            let page = (round * 97 % pages.max(1)).max(1);
            let (el, v) = call("GET", q.replace("{p}", &page.to_string()), None).await;
            if qi == 0 {
                assert_eq!(v["total"], n);
            }
            if qi < queries.len() - 1 {
                all.push(el);
            }
            by_query[qi].push(el);
        }
    }
    all.sort();
    println!("queue page (50 rows) over {n} mappings, {} requests: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms", all.len(), pct(&all, 0.5), pct(&all, 0.95), pct(&all, 1.0));
    for (q, mut d) in queries.iter().zip(by_query) {
        d.sort();
        println!(
            "  {:<95} p50 {:>6.1} ms  p95 {:>6.1} ms",
            q,
            pct(&d, 0.5),
            pct(&d, 0.95)
        );
    }

    // Bulk approve: a third of the mappings are high tier.
    let high = n / 3;
    let (_, v) = call("GET", "/v1/mappings?tier=high&per_page=1".into(), None).await;
    let total = v["total"].as_u64().unwrap();
    let body = serde_json::json!({"action": "approve", "by": "bench", "filter": {"tier": "high"}, "expected_total": total}).to_string();
    let (el, rep) = call("POST", "/v1/mappings/bulk".into(), Some(body)).await;
    println!("bulk approve of {} (high tier, ~{high}) in one transaction: {:.2} s (changed {}, skipped {})", total, el.as_secs_f64(), rep["changed"], rep["skipped"].as_array().map_or(0, |a| a.len()));
    let body = serde_json::json!({"batch": rep["batch"], "by": "bench"}).to_string();
    let (el, u) = call("POST", "/v1/mappings/bulk/undo".into(), Some(body)).await;
    println!(
        "bulk undo of that batch: {:.2} s (restored {})",
        el.as_secs_f64(),
        u["restored"]
    );
    Ok(())
}
