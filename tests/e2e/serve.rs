//! `mulu serve` end to end: a real server process on loopback, driven over raw
//! HTTP/1.1 so malformed requests can be sent exactly as written.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    addr: String,
    _home: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    start_in(tempfile::tempdir().unwrap(), extra)
}

/// Send raw bytes, return (status, body).
fn raw(addr: &str, request: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn req(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, serde_json::Value) {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str("\r\n");
    let mut bytes = r.into_bytes();
    bytes.extend_from_slice(body);
    let (status, text) = raw(addr, &bytes);
    let v = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{method} {path}: body is not JSON ({e}): {text:?}"));
    (status, v)
}

fn error_code(v: &serde_json::Value) -> &str {
    v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error shape in {v}"))
}

#[test]
fn read_endpoints_answer_and_errors_have_one_shape() {
    let s = start(&[]);
    let (st, v) = req(&s.addr, "GET", "/health", &[], b"");
    assert_eq!((st, v["status"].as_str()), (200, Some("ok")));
    let (st, v) = req(
        &s.addr,
        "GET",
        "/v1/codes/XA01ABD075A002010100483",
        &[],
        b"",
    );
    assert_eq!(st, 200);
    assert_eq!(v["explanation"]["standard"], "drug_western");
    assert_eq!(v["explanation"]["segments"][5]["value"], "00483");
    let (st, v) = req(&s.addr, "GET", "/v1/codes/XA01ABD", &[], b"");
    assert_eq!((st, error_code(&v)), (404, "not_found"));
    assert!(v["error"]["message"].as_str().unwrap().contains("名称码"));
    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/validate",
        &[],
        br#"{"codes":["A00.000x001","XA01"]}"#,
    );
    assert_eq!((st, v["invalid"].as_u64()), (200, Some(1)));
    let (st, v) = req(&s.addr, "POST", "/v1/validate", &[], b"{not json");
    assert_eq!((st, error_code(&v)), (400, "invalid_json"));
    let (st, v) = req(&s.addr, "POST", "/v1/validate", &[], br#"{"codes": 5}"#);
    assert_eq!((st, error_code(&v)), (422, "invalid_body"));
    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/validate",
        &[],
        br#"{"codes": [], "kind": "pizza"}"#,
    );
    assert_eq!((st, error_code(&v)), (400, "bad_request"));
    let (st, v) = req(&s.addr, "GET", "/v1/mappings/not-a-number", &[], b"");
    assert_eq!((st, error_code(&v)), (400, "bad_request"));
    let (st, v) = req(&s.addr, "DELETE", "/v1/versions", &[], b"");
    assert_eq!((st, error_code(&v)), (405, "method_not_allowed"));
    let (st, v) = req(&s.addr, "GET", "/v1/nothing/here", &[], b"");
    assert_eq!((st, error_code(&v)), (404, "not_found"));
    let (st, v) = req(&s.addr, "GET", "/openapi.json", &[], b"");
    assert_eq!(st, 200);
    assert!(v["paths"]["/v1/codes/{code}"].is_object());
}

#[test]
fn oversized_bodies_are_refused_with_413() {
    let s = start(&["--max-body", "1024"]);
    let big = vec![b'a'; 4096];
    let (st, v) = req(&s.addr, "POST", "/v1/validate", &[], &big);
    assert_eq!((st, error_code(&v)), (413, "payload_too_large"));
}

#[test]
fn write_endpoints_need_the_token() {
    let s = start(&["--token", "s3cret"]);
    let (st, v) = req(&s.addr, "POST", "/v1/mappings/1/approve", &[], b"");
    assert_eq!((st, error_code(&v)), (401, "unauthorized"));
    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/mappings/1/approve",
        &[("Authorization", "Bearer wrong")],
        b"",
    );
    assert_eq!((st, error_code(&v)), (401, "unauthorized"));
    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/mappings/1/approve",
        &[("Authorization", "Bearer s3cret")],
        b"",
    );
    assert_eq!(
        (st, error_code(&v)),
        (404, "not_found"),
        "authorised, but there is no mapping 1"
    );
    let open = start(&[]);
    let (st, v) = req(
        &open.addr,
        "POST",
        "/v1/mappings/1/approve",
        &[("Authorization", "Bearer s3cret")],
        b"",
    );
    assert_eq!((st, error_code(&v)), (403, "writes_disabled"));
}

/// Random bodies and paths to every endpoint: nothing may answer 5xx.
#[test]
fn random_requests_never_cause_a_server_error() {
    let s = start(&["--token", "t"]);
    let endpoints: &[(&str, &str)] = &[
        ("POST", "/v1/validate"),
        ("POST", "/v1/match"),
        ("GET", "/v1/search?q="),
        ("POST", "/v1/diff"),
        ("GET", "/v1/codes/"),
        ("GET", "/v1/mappings?status="),
        ("POST", "/v1/mappings/1/approve"),
        ("POST", "/v1/mappings/1/replace"),
        ("POST", "/v1/import?label=f&format=csv&kind=drug"),
    ];
    let fragments: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"codes\"",
        b":",
        b",",
        b"null",
        b"1e999",
        b"-1",
        b"\"\xe9\x98\xbf\"",
        b"\xff\xfe",
        b"\"items\"",
        b"\"name\"",
        b"\"kind\"",
        b"\"drug\"",
        b"\"old\"",
        b"\"new\"",
        b"true",
        b"\"\\u0000\"",
        b"%",
        b"..%2f..%2f",
        b"A00.000x001",
    ];
    // A small deterministic generator, so a failure reproduces.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..400 {
        let (method, path) = endpoints[(next() % endpoints.len() as u64) as usize];
        let mut body = Vec::new();
        for _ in 0..(next() % 12) {
            body.extend_from_slice(fragments[(next() % fragments.len() as u64) as usize]);
        }
        let mut p = path.to_string();
        if p.ends_with('=') || p.ends_with('/') {
            let frag = fragments[(next() % fragments.len() as u64) as usize];
            p.push_str(&frag.iter().map(|b| format!("%{b:02X}")).collect::<String>());
        }
        let (st, text) = raw(
            &s.addr,
            &[
                format!("{method} {p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer t\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes(),
                body.clone(),
            ]
            .concat(),
        );
        assert!(
            st != 0 && st < 500,
            "request {i}: {method} {p} {:?} answered {st}: {text}",
            String::from_utf8_lossy(&body)
        );
        if st >= 400 {
            let v: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("request {i}: error body not JSON: {text}"));
            assert!(v["error"]["code"].is_string(), "{v}");
        }
    }
}

fn import(home: &std::path::Path, file: &str, label: &str) {
    let root = crate::util::root();
    let out = crate::util::mulu_cmd(home)
        .args([
            "--quiet",
            "import",
            &format!("{root}/{file}"),
            "--kind",
            "drug",
            "--label",
            label,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "import {file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start_in(home: tempfile::TempDir, extra: &[&str]) -> Server {
    let mut child = crate::util::mulu_cmd(home.path())
        .args([
            "--quiet",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--reload-ms",
            "200",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .expect("address line")
        .to_string();
    Server {
        child,
        addr,
        _home: home,
    }
}

#[test]
fn match_search_and_diff_over_the_bundled_samples_with_hot_reload() {
    let home = tempfile::tempdir().unwrap();
    import(home.path(), "data/samples/v1/drug.xlsx", "s1");
    let hp = home.path().to_path_buf();
    let s = start_in(home, &[]);

    // Items of the labelled sample dictionary whose 批准文号 is present: the
    // truth code must be among the candidates, with the 批准文号 agreeing.
    let labelled = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/samples/hospital/drug.labelled.csv"
    ))
    .unwrap();
    let mut lines = labelled.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| *h == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    let (name, spec, aprv, truth) = (
        col("院内名称"),
        col("规格"),
        col("批准文号"),
        col("标准编码"),
    );
    let mut checked = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != header.len() || !f[aprv].starts_with("国药准字") || f[truth].is_empty() {
            continue;
        }
        let item = serde_json::json!({"name": f[name], "spec": f[spec], "approval_no": f[aprv], "category": "drug"});
        let (st, v) = req(
            &s.addr,
            "POST",
            "/v1/match",
            &[],
            item.to_string().as_bytes(),
        );
        assert_eq!(st, 200, "{v}");
        let cands = v["result"]["candidates"].as_array().unwrap();
        let hit = cands
            .iter()
            .find(|c| c["code"] == f[truth])
            .unwrap_or_else(|| panic!("{} not among {v}", f[truth]));
        assert!(
            hit["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "批准文号"),
            "{hit}"
        );
        assert!(
            hit["tier"].is_string() && hit["score"].as_f64().unwrap() > 0.0,
            "{hit}"
        );
        checked += 1;
        if checked == 5 {
            break;
        }
    }
    assert_eq!(
        checked, 5,
        "the sample dictionary has too few items with a 批准文号"
    );

    // A batch keeps input order and answers every item, even hopeless ones.
    let batch =
        r#"{"kind":"drug","top":3,"items":[{"name":"!!!"},{"name":"复方丹参片"},{"name":""}]}"#
            .as_bytes();
    let (st, v) = req(&s.addr, "POST", "/v1/match", &[], batch);
    assert_eq!(st, 200, "{v}");
    let r = v["results"].as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0]["tier"], "none");
    assert_eq!(r[1]["hospital_name"], "复方丹参片");
    assert_eq!(r[2]["tier"], "none");

    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/match",
        &[],
        br#"{"items":[{"name":"x"}],"kind":"consumable"}"#,
    );
    assert_eq!((st, error_code(&v)), (404, "no_catalogue"));
    let (st, v) = req(
        &s.addr,
        "GET",
        "/v1/search?q=%E4%BF%9D%E8%83%8E&kind=drug&top=3",
        &[],
        b"",
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["results"][0]["version"], "s1");

    // Import a new version while the server runs: it becomes visible without restart.
    import(&hp, "data/samples/v2/drug.xlsx", "s2");
    let mut seen = false;
    for _ in 0..100 {
        let (_, v) = req(
            &s.addr,
            "GET",
            "/v1/search?q=%E4%BF%9D%E8%83%8E&kind=drug",
            &[],
            b"",
        );
        if v["results"][0]["version"] == "s2" {
            seen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        seen,
        "the server never switched to the newly imported version"
    );

    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/diff",
        &[],
        br#"{"old":"s1","new":"s2","page":1,"page_size":5}"#,
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["schema"], "mulu.diff/1");
    assert!(v["total_changes"].as_u64().unwrap() > 0);
    assert!(v["changes"].as_array().unwrap().len() <= 5);
    assert_eq!(v["cached"], false);
    // The next page comes from the same computed diff, and pages do not overlap.
    let (st, v2) = req(
        &s.addr,
        "POST",
        "/v1/diff",
        &[],
        br#"{"old":"s1","new":"s2","page":2,"page_size":5}"#,
    );
    assert_eq!(st, 200, "{v2}");
    assert_eq!(v2["cached"], true);
    assert_eq!(v2["total_changes"], v["total_changes"]);
    assert_ne!(v2["changes"][0]["code"], v["changes"][0]["code"]);
    // Different options are a different diff.
    let (_, v3) = req(
        &s.addr,
        "POST",
        "/v1/diff",
        &[],
        br#"{"old":"s1","new":"s2","page":1,"page_size":5,"ignore_fields":["remark"]}"#,
    );
    assert_eq!(v3["cached"], false);
    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/diff",
        &[],
        br#"{"old":"../../etc/passwd","new":"s2"}"#,
    );
    assert_eq!((st, error_code(&v)), (404, "not_found"));
}

/// Submit an import (202 + job) and wait for the job to finish: (status, job).
fn import_job(
    addr: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, serde_json::Value) {
    let (st, v) = req(addr, "POST", &format!("/v1/import?{query}"), headers, body);
    if st != 202 {
        return (st, v);
    }
    let url = v["url"]
        .as_str()
        .unwrap_or_else(|| panic!("no job url in {v}"))
        .to_string();
    for _ in 0..600 {
        let (st, v) = req(addr, "GET", &url, &[], b"");
        assert_eq!(st, 200, "{v}");
        if !matches!(v["job"]["status"].as_str(), Some("queued" | "running")) {
            return (202, v["job"].clone());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("import job {url} never finished");
}

#[test]
fn import_over_http_needs_the_token_and_is_all_or_nothing() {
    let s = start(&["--token", "tok", "--max-body", "8000000"]);
    let root = crate::util::root();
    let xlsx = std::fs::read(format!("{root}/data/samples/v1/drug.xlsx")).unwrap();
    let auth = [("Authorization", "Bearer tok")];
    let (st, v) = import_job(&s.addr, "label=up1&format=xlsx&kind=drug", &[], &xlsx);
    assert_eq!((st, error_code(&v)), (401, "unauthorized"));
    let (st, v) = import_job(&s.addr, "label=up1&format=exe", &auth, &xlsx);
    assert_eq!((st, error_code(&v)), (400, "bad_request"));
    // Garbage that claims to be a workbook: the job fails, nothing written.
    let (st, job) = import_job(
        &s.addr,
        "label=junk&format=xlsx&kind=drug",
        &auth,
        b"PK\x03\x04 not really a zip",
    );
    assert_eq!((st, job["status"].as_str()), (202, Some("failed")), "{job}");
    assert_eq!(job["error"]["code"], "import_failed", "{job}");
    let (_, v) = req(&s.addr, "GET", "/v1/versions", &[], b"");
    assert_eq!(v["versions"].as_array().unwrap().len(), 0);
    // The real sample workbook imports, and shows up as a version.
    let (st, job) = import_job(&s.addr, "label=up1&format=xlsx&kind=drug", &auth, &xlsx);
    assert_eq!(st, 202, "{job}");
    assert_eq!(job["status"], "imported", "{job}");
    let read = job["summary"]["read"].as_u64().unwrap();
    assert_eq!(
        read,
        job["summary"]["imported"].as_u64().unwrap() + job["summary"]["rejected"].as_u64().unwrap()
    );
    let (_, v) = req(&s.addr, "GET", "/v1/versions", &[], b"");
    assert_eq!(v["versions"][0]["label"], "up1");
    // The same label again without replace is refused and the version is kept.
    let (st, job) = import_job(&s.addr, "label=up1&format=xlsx&kind=drug", &auth, &xlsx);
    assert_eq!((st, job["status"].as_str()), (202, Some("failed")), "{job}");
    assert_eq!(job["error"]["code"], "import_failed", "{job}");
    let (_, v) = req(&s.addr, "GET", "/v1/versions", &[], b"");
    assert_eq!(v["versions"].as_array().unwrap().len(), 1);
}

/// D1: `--token ""` and an empty `MULU_TOKEN=` leave writes disabled, and startup says so.
#[test]
fn an_empty_token_disables_writes_and_startup_says_so() {
    for (args, env) in [(vec!["--token", ""], None), (vec![], Some(""))] {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = crate::util::mulu_cmd(home.path());
        cmd.args(["serve", "--bind", "127.0.0.1:0"]).args(&args);
        if let Some(e) = env {
            cmd.env("MULU_TOKEN", e);
        } else {
            cmd.env_remove("MULU_TOKEN");
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .expect("address line")
            .to_string();
        let (st, v) = req(
            &addr,
            "POST",
            "/v1/mappings/7/approve",
            &[],
            br#"{"by":"anyone"}"#,
        );
        assert_eq!((st, error_code(&v)), (403, "writes_disabled"));
        let (st, v) = req(
            &addr,
            "POST",
            "/v1/import?label=anon&format=csv&kind=drug",
            &[],
            b"a,b\n1,2\n",
        );
        assert_eq!((st, error_code(&v)), (403, "writes_disabled"));
        let _ = child.kill();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let _ = child.wait();
        assert!(
            err.contains("empty") && err.contains("write endpoints are disabled"),
            "{err}"
        );
    }
}

/// A busy port fails at once, before any index is built.
#[test]
fn a_busy_port_fails_before_building_indexes() {
    let home = tempfile::tempdir().unwrap();
    import(home.path(), "data/samples/v1/drug.xlsx", "s1");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = crate::util::mulu_in(home.path(), &["--quiet", "serve", "--bind", &addr]);
    assert!(!out.status.success());
    assert!(
        crate::util::stderr(&out).contains("binding"),
        "{}",
        crate::util::stderr(&out)
    );
    assert!(
        !home.path().join("index").exists(),
        "an index was built before the bind failed"
    );
}

#[test]
fn every_endpoint_is_documented_in_openapi() {
    let s = start(&[]);
    let (_, doc) = req(&s.addr, "GET", "/openapi.json", &[], b"");
    for p in [
        "/health",
        "/v1/versions",
        "/v1/codes/{code}",
        "/v1/validate",
        "/v1/search",
        "/v1/match",
        "/v1/diff",
        "/v1/import",
        "/v1/jobs/{id}",
        "/v1/mappings",
        "/v1/mappings/{id}",
        "/v1/mappings/{id}/{action}",
    ] {
        assert!(
            doc["paths"][p].is_object(),
            "{p} missing from /openapi.json"
        );
    }
}

/// The HTTP face of the mapping workflow follows the same rules as the CLI:
/// a replace stores the catalogue's name, match re-uses approved mappings,
/// weak approvals need `confirm`, stale decisions are a 409 with the current state.
#[test]
fn review_over_http_follows_the_mapping_rules() {
    use crate::r#match::{stored_suggestion, CATALOGUE, HIS};
    use crate::util::Env;
    let env = Env::new();
    let cat = env.file("drug.csv", CATALOGUE);
    env.ok(&["import", &cat, "--kind", "drug", "--label", "v1"]);
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    stored_suggestion(
        env.home.path(),
        "Y9",
        "阿莫西林胶囊（自备）",
        "XJ01CAA040E001010100600",
        "low",
    );
    let Env { home, dir } = env;
    let hp = home.path().to_path_buf();
    let s = start_in(home, &["--token", "t"]);
    let auth = [("Authorization", "Bearer t")];
    let (_, list) = req(&s.addr, "GET", "/v1/mappings", &[], b"");
    let find = |code: &str| {
        list["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["hospital_code"] == code)
            .unwrap_or_else(|| panic!("no {code} in {list}"))
            .clone()
    };
    let y2 = find("Y002");
    let (id, rev) = (y2["id"].as_i64().unwrap(), y2["revision"].as_i64().unwrap());

    // Replace: the stored name is the catalogue's, the code canonical.
    let body =
        serde_json::json!({"code": "xj01caa040e001010200600", "by": "张三", "revision": rev})
            .to_string();
    let (st, v) = req(
        &s.addr,
        "POST",
        &format!("/v1/mappings/{id}/replace"),
        &auth,
        body.as_bytes(),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["mapping"]["target_code"], "XJ01CAA040E001010200600",
        "{v}"
    );
    assert_eq!(v["mapping"]["target_name"], "阿莫西林胶囊", "{v}");
    assert_eq!(v["mapping"]["reviewer"], "张三");

    // A second reviewer on the same (now stale) view: 409 with the current state.
    let body = serde_json::json!({"by": "李四", "revision": rev}).to_string();
    let (st, v) = req(
        &s.addr,
        "POST",
        &format!("/v1/mappings/{id}/reject"),
        &auth,
        body.as_bytes(),
    );
    assert_eq!((st, error_code(&v)), (409, "conflict"), "{v}");
    assert_eq!(v["current"]["reviewer"], "张三", "{v}");
    assert_eq!(v["current"]["revision"].as_i64(), Some(rev + 1), "{v}");

    // Match re-uses the approved (replaced) mapping.
    let item = serde_json::json!({"code": "Y002", "name": "阿奇霉素片(希舒美Zithromax)", "category": "drug", "spec": "0.25g*6片"});
    let (st, v) = req(
        &s.addr,
        "POST",
        "/v1/match",
        &[],
        item.to_string().as_bytes(),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        v["result"]["candidates"][0]["code"], "XJ01CAA040E001010200600",
        "{v}"
    );
    assert!(
        v["result"]["reason"]
            .as_str()
            .unwrap()
            .contains("approved earlier"),
        "{v}"
    );
    assert_eq!(v["previous"], "replaced", "{v}");

    // …and so does the next `mulu match`, which sees the mapping unchanged.
    let out = dir.path().join("m2.json");
    let o = crate::util::mulu_in(
        &hp,
        &["match", his.as_str(), "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", crate::util::stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let reason = rows[1]["result"]["reason"].as_str().unwrap();
    assert!(reason.contains("approved earlier"), "{reason}");

    // Guard rails: a code in no drug catalogue; a weak approval without confirm; no reviewer.
    let body = serde_json::json!({"code": "M76.x00", "by": "张三"}).to_string();
    let (st, v) = req(
        &s.addr,
        "POST",
        &format!("/v1/mappings/{id}/replace"),
        &auth,
        body.as_bytes(),
    );
    assert_eq!(st, 400, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("M76.X00"),
        "{v}"
    );
    let y9 = find("Y9")["id"].as_i64().unwrap();
    let (st, v) = req(
        &s.addr,
        "POST",
        &format!("/v1/mappings/{y9}/approve"),
        &auth,
        r#"{"by": "张三"}"#.as_bytes(),
    );
    assert_eq!((st, error_code(&v)), (422, "needs_confirmation"), "{v}");
    let (st, v) = req(
        &s.addr,
        "POST",
        &format!("/v1/mappings/{y9}/approve"),
        &auth,
        b"",
    );
    assert_eq!(st, 400, "no reviewer: {v}");
    let (st, v) = req(
        &s.addr,
        "POST",
        &format!("/v1/mappings/{y9}/approve"),
        &auth,
        r#"{"by": "张三", "confirm": true}"#.as_bytes(),
    );
    assert_eq!(
        (st, &v["mapping"]["status"]),
        (200, &serde_json::json!("approved")),
        "{v}"
    );
}

/// Two reviewers posting on the same view at once: exactly one wins.
#[test]
fn two_reviewers_racing_over_http_one_wins_one_gets_409() {
    use crate::r#match::{CATALOGUE, HIS};
    use crate::util::Env;
    let env = Env::new();
    let cat = env.file("drug.csv", CATALOGUE);
    env.ok(&["import", &cat, "--kind", "drug", "--label", "v1"]);
    let his = env.file("his.csv", HIS);
    env.ok(&["match", &his, "--out", env.path("m.json").to_str().unwrap()]);
    let Env { home, dir: _dir } = env;
    let s = start_in(home, &["--token", "t"]);
    let (_, list) = req(&s.addr, "GET", "/v1/mappings?status=suggested", &[], b"");
    let y1 = list["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["hospital_code"] == "Y001")
        .unwrap()
        .clone();
    let (id, rev) = (y1["id"].as_i64().unwrap(), y1["revision"].as_i64().unwrap());
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let handles: Vec<_> = [("张三", "approve"), ("李四", "reject")]
        .into_iter()
        .map(|(who, action)| {
            let (addr, barrier) = (s.addr.clone(), barrier.clone());
            std::thread::spawn(move || {
                let body = serde_json::json!({"by": who, "revision": rev}).to_string();
                barrier.wait();
                req(
                    &addr,
                    "POST",
                    &format!("/v1/mappings/{id}/{action}"),
                    &[("Authorization", "Bearer t")],
                    body.as_bytes(),
                )
            })
        })
        .collect();
    let answers: Vec<(u16, serde_json::Value)> =
        handles.into_iter().map(|h| h.join().unwrap()).collect();
    let mut statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{answers:?}");
    let winner = answers.iter().find(|a| a.0 == 200).unwrap();
    let loser = answers.iter().find(|a| a.0 == 409).unwrap();
    assert_eq!(
        loser.1["current"]["reviewer"], winner.1["mapping"]["reviewer"],
        "{answers:?}"
    );
    let (_, now) = req(&s.addr, "GET", &format!("/v1/mappings/{id}"), &[], b"");
    assert_eq!(now["mapping"]["reviewer"], winner.1["mapping"]["reviewer"]);
    assert_eq!(
        now["events"].as_array().unwrap().len(),
        2,
        "suggested + one decision: {now}"
    );
}

/// `mulu serve` reads `<home>/mulu.toml` at start: a bad one stops it with
/// exit code 2 (a usage error, as for `mulu export`) naming the file, line
/// and key, before anything is bound or served.
#[test]
fn a_bad_mulu_toml_stops_serve_with_exit_2_naming_file_and_key() {
    let home = tempfile::tempdir().unwrap();
    let toml = home.path().join("mulu.toml");
    std::fs::write(
        &toml,
        "fixmedins_code = \"H44010600124\"\n\n[list_type]\ntable = \"martian\"\n",
    )
    .unwrap();
    let out = crate::util::mulu_in(home.path(), &["serve", "--bind", "127.0.0.1:0"]);
    let err = crate::util::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&toml.display().to_string())
            && err.contains("第4行")
            && err.contains("list_type.table")
            && err.contains("martian"),
        "{err}"
    );
    assert!(!crate::util::stdout(&out).contains("listening"));
}
