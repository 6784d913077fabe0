//! Shared by the server's in-process tests: a throw-away home with the
//! bundled herbal sample imported, and a one-call way to drive the router.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use catalog_core::Store;
use mulu_server::{App, Config};
use std::path::{Path, PathBuf};
use tower::ServiceExt;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn sample(name: &str) -> String {
    root()
        .join("data/samples/v1")
        .join(name)
        .display()
        .to_string()
}

/// Import a file into the store under `home` as the CLI would.
pub fn import(home: &Path, file: &str, kind: catalog_core::Category, label: &str) {
    let mut store = Store::open_home(home).unwrap();
    let opts = importer::ImportOptions {
        kind: Some(kind),
        label: Some(label.into()),
        ..Default::default()
    };
    let s = importer::import_into(&mut store, file, &opts, &|_| {}).unwrap();
    assert!(s.committed, "{label} not committed");
}

pub struct Served {
    pub home: tempfile::TempDir,
    pub app: App,
    pub router: Router,
}

/// A server over a home holding the herbal sample as `h1`, matchers loaded.
pub fn herbal(config: Config) -> Served {
    let home = tempfile::tempdir().unwrap();
    import(
        home.path(),
        &sample("herbal.csv"),
        catalog_core::Category::Herbal,
        "h1",
    );
    open(home, config)
}

pub fn open(home: tempfile::TempDir, config: Config) -> Served {
    let app = App::open(home.path(), config).unwrap();
    app.load().unwrap();
    let router = app.router();
    Served { home, app, router }
}

pub fn token(t: &str) -> Config {
    Config {
        token: Some(t.into()),
        ..Config::default()
    }
}

/// One request through the router in-process: status, headers, JSON body.
pub async fn call(
    router: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> (StatusCode, HeaderMap, serde_json::Value) {
    let mut b = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let resp = router
        .clone()
        .oneshot(b.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{method} {uri}: {status} body is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, headers, v)
}

pub fn code(v: &serde_json::Value) -> &str {
    v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error shape in {v}"))
}

/// Poll a job until it is finished; panics after 60 s.
pub async fn finished_job(router: &Router, id: u64) -> serde_json::Value {
    for _ in 0..600 {
        let (st, _, v) = call(router, "GET", &format!("/v1/jobs/{id}"), &[], Body::empty()).await;
        assert_eq!(st, 200, "{v}");
        let s = v["job"]["status"].as_str().unwrap().to_string();
        if s != "queued" && s != "running" {
            return v["job"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {id} never finished");
}

/// A raw connection holding the store's write lock (an import in progress elsewhere).
pub fn hold_write_lock(home: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(home.join("mulu.db")).unwrap();
    c.execute_batch(
        "BEGIN IMMEDIATE;
         INSERT INTO versions (category, label, source, imported_at, row_count, checksum)
         VALUES ('drug', 'held', 'x', 'now', 0, '');",
    )
    .unwrap();
    c
}
