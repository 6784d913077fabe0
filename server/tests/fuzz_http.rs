//! HTTP request fuzzing on stable: proptest drives the router in-process
//! with random methods, paths, queries, headers and bodies (huge, non-UTF-8,
//! deeply nested JSON, JSON-like fragments). Every answer must be JSON, an
//! error must have the one error shape with its own status, and nothing may
//! be a 5xx. A short pass runs in `cargo test`; `MULU_FUZZ_CASES=100000`
//! runs a long one (see docs/fuzzing.md, section HTTP).

mod common;

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Method, Request};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunConfig, TestRunner};
use tower::ServiceExt;

const ENDPOINTS: &[&str] = &[
    "/health",
    "/openapi.json",
    "/v1/versions",
    "/v1/codes/",
    "/v1/validate",
    "/v1/match",
    "/v1/search",
    "/v1/diff",
    "/v1/import",
    "/v1/jobs/",
    "/v1/mappings",
    "/v1/mappings/1",
    "/v1/mappings/1/approve",
    "/v1/mappings/1/replace",
    "/nothing",
];

/// The method each of [`ENDPOINTS`] is routed for.
const OWN_METHOD: &[&str] = &[
    "GET", "GET", "GET", "GET", "POST", "POST", "GET", "POST", "POST", "GET", "GET", "GET", "POST",
    "POST", "GET",
];

const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"codes\"",
    "\"items\"",
    "\"name\"",
    "\"kind\"",
    "\"herbal\"",
    "\"drug\"",
    "\"old\"",
    "\"new\"",
    "\"h1\"",
    "\"top\"",
    "null",
    "true",
    "1e999",
    "-1",
    "18446744073709551616",
    "\"\\ud800\"",
    "\"黄芪\"",
    "\"T001001001\"",
    "\"\\u0000\"",
    "\"page\"",
    "\"by\"",
    "\"code\"",
];

const QUERY_KEYS: &[&str] = &[
    "q",
    "kind",
    "top",
    "status",
    "label",
    "format",
    "sheet",
    "replace",
    "max_reject",
    "x",
];
const HEADER_NAMES: &[&str] = &[
    "authorization",
    "content-type",
    "content-length",
    "accept",
    "x-junk",
    "transfer-encoding",
];

#[derive(Debug, Clone)]
enum BodyKind {
    Empty,
    Bytes(Vec<u8>),
    Fragments(Vec<usize>),
    Nested(usize),
    Huge(usize),
}

fn body_strategy() -> impl Strategy<Value = BodyKind> {
    prop_oneof![
        Just(BodyKind::Empty),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(BodyKind::Bytes),
        proptest::collection::vec(0..FRAGMENTS.len(), 0..40).prop_map(BodyKind::Fragments),
        (1usize..200_000).prop_map(BodyKind::Nested),
        (1usize..(3 << 20)).prop_map(BodyKind::Huge),
    ]
}

fn body_bytes(b: &BodyKind) -> Vec<u8> {
    match b {
        BodyKind::Empty => Vec::new(),
        BodyKind::Bytes(v) => v.clone(),
        BodyKind::Fragments(ix) => ix.iter().flat_map(|&i| FRAGMENTS[i].bytes()).collect(),
        BodyKind::Nested(depth) => {
            let mut v = b"{\"items\":".to_vec();
            v.extend(std::iter::repeat_n(b'[', *depth));
            v.extend(std::iter::repeat_n(b']', *depth));
            v.push(b'}');
            v
        }
        BodyKind::Huge(n) => vec![b'{'; *n],
    }
}

fn pct(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

#[derive(Debug, Clone)]
struct Case {
    method: usize,
    endpoint: usize,
    tail: Vec<u8>,
    query: Vec<(usize, Vec<u8>)>,
    headers: Vec<(usize, Vec<u8>)>,
    auth: bool,
    body: BodyKind,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        // Mostly the endpoint's own method (9), so most requests reach a
        // handler; any of the nine methods in a quarter of the cases.
        prop_oneof![1 => 0usize..9, 3 => Just(9usize)],
        0..ENDPOINTS.len(),
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(
            (
                0..QUERY_KEYS.len(),
                proptest::collection::vec(any::<u8>(), 0..20),
            ),
            0..5,
        ),
        proptest::collection::vec(
            (
                0..HEADER_NAMES.len(),
                proptest::collection::vec(32u8..127, 0..40),
            ),
            0..4,
        ),
        any::<bool>(),
        body_strategy(),
    )
        .prop_map(
            |(method, endpoint, tail, query, headers, auth, body)| Case {
                method,
                endpoint,
                tail,
                query,
                headers,
                auth,
                body,
            },
        )
}

fn request(c: &Case) -> Request<Body> {
    let methods = [
        "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FUZZ",
    ];
    let mut uri = ENDPOINTS[c.endpoint].to_string();
    if uri.ends_with('/') || c.tail.len().is_multiple_of(3) {
        uri.push_str(&pct(&c.tail));
    }
    if !c.query.is_empty() {
        uri.push('?');
        let q: Vec<String> = c
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", QUERY_KEYS[*k], pct(v)))
            .collect();
        uri.push_str(&q.join("&"));
    }
    let mut b = Request::builder()
        .method(
            Method::from_bytes(
                methods
                    .get(c.method)
                    .unwrap_or(&OWN_METHOD[c.endpoint])
                    .as_bytes(),
            )
            .unwrap(),
        )
        .uri(uri);
    if c.auth {
        b = b.header("authorization", "Bearer tok");
    }
    for (k, v) in &c.headers {
        if let Ok(v) = HeaderValue::from_bytes(v) {
            // A wrong content-length would be the test's lie, not the client's.
            if HEADER_NAMES[*k] != "content-length" && HEADER_NAMES[*k] != "transfer-encoding" {
                b = b.header(HeaderName::from_static(HEADER_NAMES[*k]), v);
            }
        }
    }
    b.body(Body::from(body_bytes(&c.body))).unwrap()
}

#[test]
fn random_requests_answer_json_errors_and_never_5xx() {
    let cases: u32 = std::env::var("MULU_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let s = common::herbal(mulu_server::Config {
        max_queued_imports: 100_000,
        ..common::token("tok")
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(RunConfig {
        cases,
        failure_persistence: None,
        ..RunConfig::default()
    });
    let router = s.router.clone();
    let started = std::time::Instant::now();
    // What the requests reached, so a long run shows it was not all 404s.
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u64>::new());
    runner
        .run(&case_strategy(), |c| {
            let req = request(&c);
            let (status, ctype, bytes) = rt.block_on(async {
                let resp = router.clone().oneshot(req).await.unwrap();
                let status = resp.status();
                let ctype = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .unwrap();
                (status, ctype, bytes)
            });
            *statuses.borrow_mut().entry(status.as_u16()).or_default() += 1;
            prop_assert!(
                !status.is_server_error(),
                "{status} for {c:?}: {}",
                String::from_utf8_lossy(&bytes)
            );
            if c.method == 5 && bytes.is_empty() {
                return Ok(()); // HEAD: no body by definition
            }
            prop_assert!(
                ctype.starts_with("application/json"),
                "content-type {ctype:?} for {c:?}"
            );
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| TestCaseError::fail(format!("not JSON ({e}) for {c:?}")))?;
            if !status.is_success() {
                prop_assert_eq!(
                    v["error"]["status"].as_u64(),
                    Some(status.as_u16() as u64),
                    "{}",
                    v
                );
                prop_assert!(
                    v["error"]["code"].is_string() && v["error"]["message"].is_string(),
                    "{}",
                    v
                );
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "HTTP fuzz: {cases} requests in {:?}; by status {:?}",
        started.elapsed(),
        statuses.into_inner()
    );
}
