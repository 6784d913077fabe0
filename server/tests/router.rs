//! The router driven in-process (`tower::ServiceExt::oneshot`): auth,
//! refresh, jobs, busy store, timeouts, and what bodies may show.

mod common;

use axum::body::Body;
use catalog_core::Category;
use common::*;
use mulu_server::{App, Config};
use std::time::{Duration, Instant};

const MATCH_HERBAL: &str = r#"{"kind":"herbal","items":[{"name":"黄芪"}]}"#;

async fn herbal_candidates(router: &axum::Router) -> (usize, String) {
    let (st, _, v) = call(router, "POST", "/v1/match", &[], MATCH_HERBAL).await;
    assert_eq!(st, 200, "{v}");
    let n = v["results"][0]["candidates"]
        .as_array()
        .map_or(0, |a| a.len());
    let (_, _, s) = call(
        router,
        "GET",
        "/v1/search?q=%E9%BB%84%E8%8A%AA&kind=herbal",
        &[],
        Body::empty(),
    )
    .await;
    (
        n,
        s["results"][0]["version"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

/// D1: `--token ""` or `MULU_TOKEN=` (and whitespace) mean no token, not "no password".
#[tokio::test]
async fn an_empty_or_blank_token_disables_writes() {
    for blank in ["", " ", "\t "] {
        let s = herbal(token(blank));
        assert!(!s.app.writes_enabled());
        for auth in [None, Some("Bearer "), Some("Bearer"), Some("bearer  ")] {
            let headers: Vec<(&str, &str)> =
                auth.map(|a| ("Authorization", a)).into_iter().collect();
            let (st, _, v) = call(
                &s.router,
                "POST",
                "/v1/mappings/1/approve",
                &headers,
                r#"{"by":"anyone"}"#,
            )
            .await;
            assert_eq!(
                (st.as_u16(), code(&v)),
                (403, "writes_disabled"),
                "token {blank:?}, auth {auth:?}"
            );
            let (st, _, v) = call(
                &s.router,
                "POST",
                "/v1/import?label=anon&format=csv&kind=herbal",
                &headers,
                std::fs::read(sample("herbal.csv")).unwrap(),
            )
            .await;
            assert_eq!(
                (st.as_u16(), code(&v)),
                (403, "writes_disabled"),
                "token {blank:?}"
            );
        }
        let (_, _, h) = call(&s.router, "GET", "/health", &[], Body::empty()).await;
        assert_eq!(h["writes"], false);
        let (_, _, v) = call(&s.router, "GET", "/v1/versions", &[], Body::empty()).await;
        assert_eq!(
            v["versions"].as_array().unwrap().len(),
            1,
            "nothing was imported"
        );
    }
}

/// RFC 7235: the auth scheme is case-insensitive.
#[tokio::test]
async fn a_lower_case_bearer_scheme_is_accepted() {
    let s = herbal(token("tok"));
    for auth in ["bearer tok", "BEARER tok", "Bearer tok"] {
        let (st, _, v) = call(
            &s.router,
            "POST",
            "/v1/mappings/99/approve",
            &[("Authorization", auth)],
            Body::empty(),
        )
        .await;
        assert_eq!(
            (st.as_u16(), code(&v)),
            (404, "not_found"),
            "{auth}: authorised, but no mapping 99"
        );
    }
    let (st, _, v) = call(
        &s.router,
        "POST",
        "/v1/mappings/99/approve",
        &[("Authorization", "bearer wrong")],
        Body::empty(),
    )
    .await;
    assert_eq!((st.as_u16(), code(&v)), (401, "unauthorized"));
}

/// D3: refreshes racing after an import used to drop the kind's matcher.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refreshes_never_lose_the_matcher() {
    let s = herbal(Config::default());
    for round in 2..=3 {
        import(
            s.home.path(),
            &sample("herbal.csv"),
            Category::Herbal,
            &format!("h{round}"),
        );
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let app = s.app.clone();
                std::thread::spawn(move || app.refresh())
            })
            .collect();
        let installed = threads
            .into_iter()
            .map(|t| t.join().unwrap().expect("refresh"))
            .filter(|&b| b)
            .count();
        assert_eq!(
            installed, 1,
            "one refresh builds, the others find nothing to do"
        );
        let (n, version) = herbal_candidates(&s.router).await;
        assert!(n > 0, "round {round}: the herbal matcher disappeared");
        assert_eq!(version, format!("h{round}"));
        let (_, _, h) = call(&s.router, "GET", "/health", &[], Body::empty()).await;
        assert_eq!(h["status"], "ok", "{h}");
    }
}

/// D3: a failed build keeps the previous matcher, says degraded, and is retried.
#[tokio::test]
async fn a_failed_index_build_keeps_the_previous_matcher_and_is_retried() {
    let s = herbal(Config {
        retry_failed_after: Duration::ZERO,
        ..Config::default()
    });
    import(s.home.path(), &sample("herbal.csv"), Category::Herbal, "h2");
    let store = catalog_core::Store::open_home(s.home.path()).unwrap();
    let v2 = store.resolve(Some("h2"), None).unwrap();
    // A file where the new index directory must go: the build fails at its rename.
    let blocker = matcher::index::dir_for(s.home.path(), &v2);
    std::fs::write(&blocker, b"in the way").unwrap();
    s.app.refresh().unwrap();
    let (n, version) = herbal_candidates(&s.router).await;
    assert!(n > 0, "the previous matcher must keep answering");
    assert_eq!(version, "h1");
    let (_, _, h) = call(&s.router, "GET", "/health", &[], Body::empty()).await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert_eq!(h["kinds"]["herbal"]["matcher"], "stale", "{h}");
    assert_eq!(h["kinds"]["herbal"]["serving"], "h1");
    let err = h["kinds"]["herbal"]["error"].as_str().unwrap();
    assert!(
        !err.contains(&s.home.path().display().to_string()),
        "no server path: {err}"
    );
    std::fs::remove_file(&blocker).unwrap();
    assert!(s.app.refresh().unwrap(), "the failed build is retried");
    let (_, version) = herbal_candidates(&s.router).await;
    assert_eq!(version, "h2");
    let (_, _, h) = call(&s.router, "GET", "/health", &[], Body::empty()).await;
    assert_eq!(h["status"], "ok", "{h}");
}

async fn submit(router: &axum::Router, query: &str, body: Vec<u8>) -> u64 {
    let (st, headers, v) = call(
        router,
        "POST",
        &format!("/v1/import?{query}"),
        &[("Authorization", "Bearer tok")],
        body,
    )
    .await;
    assert_eq!(st, 202, "{v}");
    let id = v["job"]["id"].as_u64().unwrap();
    assert_eq!(headers["location"], format!("/v1/jobs/{id}"));
    assert_eq!(v["job"]["status"], "queued");
    id
}

/// D7 + D11: an import is a job; its outcome stays readable; no server paths.
#[tokio::test]
async fn an_http_import_is_a_background_job_with_a_readable_outcome() {
    let s = herbal(token("tok"));
    let csv = std::fs::read(sample("herbal.csv")).unwrap();
    let id = submit(&s.router, "label=up&format=csv&kind=herbal", csv.clone()).await;
    let job = finished_job(&s.router, id).await;
    assert_eq!(job["status"], "imported", "{job}");
    let sum = &job["summary"];
    assert_eq!(
        sum["read"].as_u64().unwrap(),
        sum["imported"].as_u64().unwrap()
            + sum["rejected"].as_u64().unwrap()
            + sum["notes"].as_u64().unwrap()
    );
    let home = s.home.path().display().to_string();
    let text = job.to_string();
    assert!(
        !text.contains(&home) && !text.contains("uploads/"),
        "server path in {text}"
    );
    assert_eq!(sum["file"], "upload.csv");
    // The same label again: the job fails, with the reason, and the version stays.
    let id = submit(&s.router, "label=up&format=csv&kind=herbal", csv).await;
    let job = finished_job(&s.router, id).await;
    assert_eq!(
        (job["status"].as_str(), job["error"]["code"].as_str()),
        (Some("failed"), Some("import_failed")),
        "{job}"
    );
    assert!(
        job["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already exists"),
        "{job}"
    );
    let (_, _, v) = call(&s.router, "GET", "/v1/versions", &[], Body::empty()).await;
    let labels: Vec<&str> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["h1", "up"]);
    for v in v["versions"].as_array().unwrap() {
        assert!(
            !v["source"].as_str().unwrap().contains('/'),
            "absolute path in {v}"
        );
    }
    // Rejected rows name the upload as the client knows it, not the server file.
    let bad = "医疗目录编码,单味药名称\nNOTACODE,黄芪\nT001001001,黄芪\n";
    let id = submit(
        &s.router,
        "label=bad&format=csv&kind=herbal&max_reject=1",
        bad.into(),
    )
    .await;
    let job = finished_job(&s.router, id).await;
    let first = job["first_rejects"][0]
        .as_str()
        .unwrap_or_else(|| panic!("{job}"));
    assert!(
        first.contains("upload.csv") && !first.contains(&home),
        "{first}"
    );
    let (st, _, v) = call(&s.router, "GET", "/v1/jobs/999", &[], Body::empty()).await;
    assert_eq!((st.as_u16(), code(&v)), (404, "not_found"));
    // The matcher of the uploaded version follows without a restart.
    let app = s.app.clone();
    tokio::task::spawn_blocking(move || app.refresh())
        .await
        .unwrap()
        .unwrap();
    let (n, version) = herbal_candidates(&s.router).await;
    assert!(n > 0);
    assert_eq!(version, "bad");
}

/// D7: while a writer holds the store, every read endpoint answers at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_are_served_while_an_import_waits_for_the_store() {
    let s = herbal(Config {
        busy_timeout: Duration::from_secs(20),
        ..token("tok")
    });
    let lock = hold_write_lock(s.home.path());
    let id = submit(
        &s.router,
        "label=up&format=csv&kind=herbal",
        std::fs::read(sample("herbal.csv")).unwrap(),
    )
    .await;
    // Let the job start and block on the store.
    for _ in 0..50 {
        let (_, _, v) = call(
            &s.router,
            "GET",
            &format!("/v1/jobs/{id}"),
            &[],
            Body::empty(),
        )
        .await;
        if v["job"]["status"] == "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for uri in [
        "/v1/versions",
        "/v1/codes/T001001001",
        "/v1/mappings",
        "/health",
    ] {
        let t = Instant::now();
        let (st, _, v) = call(&s.router, "GET", uri, &[], Body::empty()).await;
        assert_eq!(st, 200, "{uri}: {v}");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{uri} waited {:?} for the writer",
            t.elapsed()
        );
    }
    let (st, _, v) = call(
        &s.router,
        "POST",
        "/v1/diff",
        &[],
        r#"{"old":"h1","new":"h1"}"#,
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (_, _, v) = call(
        &s.router,
        "GET",
        &format!("/v1/jobs/{id}"),
        &[],
        Body::empty(),
    )
    .await;
    assert_eq!(
        v["job"]["status"], "running",
        "the import is still waiting: {v}"
    );
    lock.execute_batch("ROLLBACK").unwrap();
    let job = finished_job(&s.router, id).await;
    assert_eq!(job["status"], "imported", "{job}");
}

/// D12: a write still blocked after the busy wait is a 503 with Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_store_answers_503_with_retry_after() {
    let s = herbal(Config {
        busy_timeout: Duration::from_millis(300),
        ..token("tok")
    });
    let mut store = catalog_core::Store::open_home(s.home.path()).unwrap();
    let m = store
        .record_decision(&catalog_core::store::Decision {
            category: Some(Category::Herbal),
            hospital_code: "H1".into(),
            hospital_name: "黄芪".into(),
            ..Default::default()
        })
        .unwrap();
    drop(store);
    let lock = hold_write_lock(s.home.path());
    let (st, headers, v) = call(
        &s.router,
        "POST",
        &format!("/v1/mappings/{}/flag", m.id),
        &[("Authorization", "Bearer tok")],
        // A valid decision (flag needs no target; the mapping workflow's
        // rules pass), so the only thing in its way is the lock.
        Body::from(r#"{"by":"王"}"#),
    )
    .await;
    assert_eq!((st.as_u16(), code(&v)), (503, "store_busy"), "{v}");
    assert_eq!(headers["retry-after"], "2");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("另一个导入正在写入此存储"),
        "{v}"
    );
    let id = submit(
        &s.router,
        "label=up&format=csv&kind=herbal",
        std::fs::read(sample("herbal.csv")).unwrap(),
    )
    .await;
    let job = finished_job(&s.router, id).await;
    assert_eq!(
        (job["status"].as_str(), job["error"]["code"].as_str()),
        (Some("failed"), Some("store_busy")),
        "{job}"
    );
    lock.execute_batch("ROLLBACK").unwrap();
    let (st, _, v) = call(
        &s.router,
        "POST",
        &format!("/v1/mappings/{}/flag", m.id),
        &[("Authorization", "Bearer tok")],
        Body::from(r#"{"by":"王"}"#),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["mapping"]["status"], "flagged");
}

/// A request body that never sends a byte.
struct Stalled;

impl http_body::Body for Stalled {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Pending
    }
}

/// D11: timeouts answer in the one JSON error shape, naming the flag.
#[tokio::test]
async fn timeouts_answer_json_naming_the_flag() {
    let mut config = Config {
        request_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    config.limits.body_timeout = Duration::from_secs(30);
    let s = herbal(config);
    let (st, _, v) = call(&s.router, "POST", "/v1/validate", &[], Body::new(Stalled)).await;
    assert_eq!((st.as_u16(), code(&v)), (408, "timeout"));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--timeout"),
        "{v}"
    );
    let mut config = Config::default();
    config.limits.body_timeout = Duration::from_millis(200);
    let s = herbal(config);
    let (st, _, v) = call(&s.router, "POST", "/v1/validate", &[], Body::new(Stalled)).await;
    assert_eq!((st.as_u16(), code(&v)), (408, "body_timeout"));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--body-timeout"),
        "{v}"
    );
    let config = Config {
        max_body: 100,
        ..Config::default()
    };
    let s = herbal(config);
    let (st, _, v) = call(&s.router, "POST", "/v1/validate", &[], vec![b'x'; 500]).await;
    assert_eq!((st.as_u16(), code(&v)), (413, "payload_too_large"));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--max-body"),
        "{v}"
    );
}

/// D20: a store from a newer mulu is refused with a message that says so.
#[test]
fn a_store_from_a_newer_mulu_is_refused() {
    let home = tempfile::tempdir().unwrap();
    drop(catalog_core::Store::open_home(home.path()).unwrap());
    let c = rusqlite::Connection::open(home.path().join("mulu.db")).unwrap();
    c.execute(
        "INSERT INTO schema_migrations VALUES (99, 'future', 'later')",
        [],
    )
    .unwrap();
    drop(c);
    let err = App::open(home.path(), Config::default())
        .err()
        .expect("refused");
    assert!(format!("{err:#}").contains("upgrade mulu"), "{err:#}");
}

/// The home's re-fitted per-field model (`mulu calibrate`) gives the
/// probabilities; a file that cannot be used leaves the shipped model.
#[tokio::test]
async fn matchers_use_the_homes_field_model_when_it_is_valid() {
    let probability = |v: &serde_json::Value| v["results"][0]["probability"].as_f64();
    let shipped = herbal(Config::default());
    let (st, _, v) = call(&shipped.router, "POST", "/v1/match", &[], MATCH_HERBAL).await;
    assert_eq!(st, 200, "{v}");
    let p_shipped = probability(&v).expect("a probability");

    let mut sure = matcher::calibrate::FieldModel::shipped();
    sure.bias = 20.0;
    sure.weights.clear();
    sure.fitted_on = "本院".into();
    let home = tempfile::tempdir().unwrap();
    import(home.path(), &sample("herbal.csv"), Category::Herbal, "h1");
    let file = home.path().join(matcher::calibrate::FIELD_MODEL_FILE);
    std::fs::write(&file, serde_json::to_vec(&sure).unwrap()).unwrap();
    let refit = open(home, Config::default());
    let (_, _, v) = call(&refit.router, "POST", "/v1/match", &[], MATCH_HERBAL).await;
    assert_eq!(probability(&v), Some(1.0), "{v}");
    assert_ne!(p_shipped, 1.0);

    std::fs::write(&file, "{ not a model").unwrap();
    let corrupt = open(refit.home, Config::default());
    let (st, _, v) = call(&corrupt.router, "POST", "/v1/match", &[], MATCH_HERBAL).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(probability(&v), Some(p_shipped), "{v}");
}

/// A 映射表 imported while the server runs is read at the next refresh: the
/// diagnosis matcher is rebuilt and reads the HIS 临床版 code through it.
#[tokio::test]
async fn a_crosswalk_imported_later_is_read_after_the_refresh() {
    let home = tempfile::tempdir().unwrap();
    let dx = home.path().join("dx.csv");
    std::fs::write(
        &dx,
        "诊断代码,诊断名称\nA01.003,伤寒性肠穿孔\nA01.000x002,伤寒杆菌性败血症\n",
    )
    .unwrap();
    import(
        home.path(),
        &dx.display().to_string(),
        Category::Diagnosis,
        "yb",
    );
    let s = open(home, Config::default());
    let body =
        r#"{"kind":"diagnosis","items":[{"name":"伤寒肠穿孔","national_code":"A01.000x002"}]}"#;
    let best = |v: &serde_json::Value| {
        (
            v["results"][0]["candidates"][0]["code"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            v["results"][0]["tier"].as_str().unwrap_or("").to_string(),
        )
    };
    let (st, _, v) = call(&s.router, "POST", "/v1/match", &[], body).await;
    assert_eq!(st, 200, "{v}");
    assert_ne!(best(&v).1, "high", "a bare code under another name: {v}");
    let cw = s.home.path().join("cw.csv");
    std::fs::write(
        &cw,
        "临床版代码,临床版名称,医保版代码,医保版名称\nA01.000x002,伤寒肠穿孔,A01.003,伤寒性肠穿孔\n",
    )
    .unwrap();
    import(
        s.home.path(),
        &cw.display().to_string(),
        Category::Crosswalk,
        "gl",
    );
    assert!(s.app.refresh().unwrap());
    let (st, _, v) = call(&s.router, "POST", "/v1/match", &[], body).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(best(&v), ("A01.003".to_string(), "high".to_string()), "{v}");
}
