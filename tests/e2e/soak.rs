//! Soak and fault test of `mulu serve` on loopback, bounded in time:
//! concurrent match/search/look-up/list load while HTTP imports of a large
//! generated herbal catalogue run as jobs, a CLI import writes beside them
//! and the reload task rebuilds matchers. Asserts every response is JSON,
//! no request waits past the timeout, the server's RSS stays under a bound
//! and the herbal matcher never disappears (every match has candidates).
//!
//! `MULU_SOAK_SECS` (default 20, the suite's bound is 60) and
//! `MULU_SOAK_ROWS` (default 20,000; 300,000 for the figure in
//! docs/benchmarks.md, section Soak) scale it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMEOUT_SECS: u64 = 10;
const RSS_BOUND_MIB: u64 = 1536;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A herbal catalogue of `n` rows (T + 9 digits, distinct names).
fn herbal_csv(n: u64) -> Vec<u8> {
    let herbs = [
        "黄芪",
        "党参",
        "当归",
        "白术",
        "茯苓",
        "甘草",
        "川芎",
        "白芍",
        "熟地黄",
        "枸杞子",
    ];
    let parts = ["根", "根茎", "果实", "全草", "种子"];
    let mut out = String::from("医疗目录编码,单味药名称,单复方标志,质量等级,药用部位,性味,归经,功能主治,炮制方法,国家医保支付政策,省级医保支付政策,开始日期,结束日期,有效标志\n");
    for i in 0..n {
        let h = herbs[(i % herbs.len() as u64) as usize];
        let p = parts[(i % parts.len() as u64) as usize];
        out.push_str(&format!(
            "T{:09},{h}{},单方,统货,{p},甘微温,肺脾经,,净制,,,2026-01-01,,1\n",
            i + 1,
            i / 10
        ));
    }
    out.into_bytes()
}

/// One HTTP/1.1 request on its own connection: (status, JSON body, time taken).
fn call(
    addr: &str,
    method: &str,
    path: &str,
    auth: bool,
    body: &[u8],
) -> (u16, serde_json::Value, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(TIMEOUT_SECS * 3)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if auth {
        head.push_str("Authorization: Bearer soak\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let v = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{method} {path}: {status}, not JSON ({e}): {body:?}"));
    (status, v, took)
}

fn rss_mib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<u64>().ok())
            })
        })
        .map_or(0, |kib| kib / 1024)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[test]
fn serve_under_load_while_imports_run() {
    let secs = env_num("MULU_SOAK_SECS", 20);
    let rows = env_num("MULU_SOAK_ROWS", 20_000);
    let env = crate::util::Env::new();
    let big = env.file("big.csv", herbal_csv(rows));
    env.ok(&[
        "--quiet",
        "import",
        &format!("{}/data/samples/v1/herbal.csv", crate::util::root()),
        "--kind",
        "herbal",
        "--label",
        "base",
    ]);
    let mut child = crate::util::mulu_cmd(env.home.path())
        .args([
            "--quiet",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--token",
            "soak",
            "--reload-ms",
            "300",
        ])
        .args([
            "--timeout",
            &TIMEOUT_SECS.to_string(),
            "--max-body",
            &(256u64 << 20).to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .expect("address line")
        .to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let importing = Arc::new(AtomicBool::new(false));
    // (latency, during an import)
    let samples: Arc<Mutex<Vec<(Duration, bool)>>> = Arc::default();
    let reads: &[(&str, &str, &str)] = &[
        (
            "POST",
            "/v1/match",
            r#"{"kind":"herbal","items":[{"name":"黄芪"},{"name":"党参"}]}"#,
        ),
        ("GET", "/v1/search?q=%E5%BD%93%E5%BD%92&kind=herbal", ""),
        ("GET", "/v1/codes/T001001001", ""),
        ("GET", "/v1/versions", ""),
        ("GET", "/health", ""),
    ];
    let readers: Vec<_> = (0..3)
        .map(|k| {
            let (addr, stop, importing, samples) = (
                addr.clone(),
                stop.clone(),
                importing.clone(),
                samples.clone(),
            );
            let reads: Vec<(String, String, Vec<u8>)> = reads
                .iter()
                .map(|(m, p, b)| (m.to_string(), p.to_string(), b.as_bytes().to_vec()))
                .collect();
            std::thread::spawn(move || {
                let mut i = k;
                while !stop.load(Ordering::Relaxed) {
                    let (m, p, b) = &reads[i % reads.len()];
                    i += 1;
                    let during = importing.load(Ordering::Relaxed);
                    let (st, v, took) = call(&addr, m, p, false, b);
                    assert_eq!(st, 200, "{m} {p}: {v}");
                    assert!(
                        took < Duration::from_secs(TIMEOUT_SECS),
                        "{m} {p} took {took:?}"
                    );
                    if p == "/v1/match" {
                        for r in v["results"].as_array().unwrap() {
                            assert!(
                                !r["candidates"].as_array().unwrap().is_empty(),
                                "the herbal matcher disappeared: {v}"
                            );
                        }
                    }
                    samples.lock().unwrap().push((took, during));
                }
            })
        })
        .collect();
    let rss_peak = Arc::new(Mutex::new(0u64));
    let sampler = {
        let (stop, peak) = (stop.clone(), rss_peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let r = rss_mib(pid);
                let mut p = peak.lock().unwrap();
                *p = (*p).max(r);
                drop(p);
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(secs);
    let body = std::fs::read(&big).unwrap();
    let mut imported = 0;
    let mut cli_import = None;
    while Instant::now() < deadline {
        let label = format!("big{imported}");
        importing.store(true, Ordering::Relaxed);
        let (st, v, _) = call(
            &addr,
            "POST",
            &format!("/v1/import?label={label}&format=csv&kind=herbal"),
            true,
            &body,
        );
        assert_eq!(st, 202, "{v}");
        let url = v["url"].as_str().unwrap().to_string();
        if cli_import.is_none() {
            // A second writer beside the HTTP job: it waits for the lock, never "database is locked".
            cli_import = Some(
                crate::util::mulu_cmd(env.home.path())
                    .args([
                        "--quiet", "import", &big, "--kind", "herbal", "--label", "cli",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
        }
        let job = loop {
            let (st, v, _) = call(&addr, "GET", &url, false, b"");
            assert_eq!(st, 200, "{v}");
            if !matches!(v["job"]["status"].as_str(), Some("queued" | "running")) {
                break v["job"].clone();
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        importing.store(false, Ordering::Relaxed);
        // A job may lose the store to the CLI import for longer than the busy
        // wait: then it says so ("store_busy"), it never half-imports.
        if job["status"] == "failed" {
            assert_eq!(job["error"]["code"], "store_busy", "{job}");
        } else {
            assert_eq!(job["status"], "imported", "{job}");
            assert_eq!(job["summary"]["imported"].as_u64(), Some(rows), "{job}");
            imported += 1;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let cli = cli_import.unwrap().wait_with_output().unwrap();
    let cli_err = String::from_utf8_lossy(&cli.stderr).into_owned();
    // The second writer waits for the lock; if the wait runs out it says
    // "retry", never SQLite's bare "database is locked".
    assert!(
        cli.status.success() || cli_err.contains("另一个导入正在写入此存储，请稍后重试"),
        "the CLI import beside the server failed: {cli_err}"
    );
    // Let the reload task catch up, then stop the load.
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().expect("a reader failed");
    }
    sampler.join().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let samples = samples.lock().unwrap();
    let mut during: Vec<Duration> = samples.iter().filter(|s| s.1).map(|s| s.0).collect();
    let mut all: Vec<Duration> = samples.iter().map(|s| s.0).collect();
    during.sort();
    all.sort();
    let peak = *rss_peak.lock().unwrap();
    eprintln!(
        "soak: {secs} s, {rows} rows per import, {imported} HTTP imports + 1 CLI import ({}); {} reads ({} during imports): \
         p50 {:?}, p99 {:?} during imports; p99 {:?} overall, max {:?}; server peak RSS {peak} MiB",
        if cli.status.success() { "imported" } else { "busy: retry" },
        all.len(),
        during.len(),
        percentile(&during, 0.5),
        percentile(&during, 0.99),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or_default(),
    );
    assert!(
        imported >= 1 && !during.is_empty(),
        "no read ran during an import"
    );
    assert!(
        peak < RSS_BOUND_MIB,
        "server RSS {peak} MiB, bound {RSS_BOUND_MIB}"
    );
}
