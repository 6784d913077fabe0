//! URL sources: downloaded once into `<home>/cache/`, keyed by a hash of the
//! URL, revalidated with ETag/Last-Modified and checked against a stored
//! SHA-256 so a damaged cache file is fetched again rather than imported.

use crate::error::ImportError;
use crate::limits::{LimitHit, Limits};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub fn is_url(s: &str) -> bool {
    let l = s.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

#[derive(Serialize, Deserialize, Default)]
struct Meta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
    sha256: String,
}

fn sha256_file(p: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// The URL's file extension (kept so the cached file is recognisable by name).
fn extension(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or("");
    match last.rsplit_once('.') {
        Some((_, ext))
            if !ext.is_empty()
                && ext.len() <= 5
                && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            format!(".{}", ext.to_ascii_lowercase())
        }
        _ => String::new(),
    }
}

/// Download (or revalidate) a URL into the cache and return the local path.
pub fn fetch(
    url: &str,
    cache_dir: &Path,
    timeout: Duration,
    limits: &Limits,
) -> Result<PathBuf, ImportError> {
    let dl = |message: String| ImportError::Download {
        url: url.to_string(),
        message,
        limit: None,
    };
    std::fs::create_dir_all(cache_dir).map_err(|e| {
        dl(format!(
            "cannot create the cache {}: {e}",
            cache_dir.display()
        ))
    })?;
    let key = hex::encode(Sha256::digest(url.as_bytes()));
    let data = cache_dir.join(format!("{key}{}", extension(url)));
    let meta_path = cache_dir.join(format!("{key}.json"));
    let cached: Option<Meta> = std::fs::read_to_string(&meta_path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .filter(|m: &Meta| sha256_file(&data).is_ok_and(|h| h == m.sha256));
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .map_err(|e| dl(format!("cannot start the HTTP client: {e}")))?;
    let mut req = client.get(url);
    if let Some(m) = &cached {
        if let Some(e) = &m.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(l) = &m.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, l);
        }
    }
    let mut resp = req.send().map_err(|e| {
        let why = if e.is_timeout() {
            format!("no answer within {} s (timed out)", timeout.as_secs_f32())
        } else if e.is_connect() {
            "cannot connect (offline, or the host is down?)".to_string()
        } else {
            e.to_string()
        };
        dl(why)
    })?;
    if resp.status() == reqwest::StatusCode::NOT_MODIFIED && cached.is_some() {
        return Ok(data);
    }
    if !resp.status().is_success() {
        return Err(dl(format!("the server answered {}", resp.status())));
    }
    let header = |h: reqwest::header::HeaderName| {
        resp.headers()
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    // Write beside the cache entry, then rename: a cut download never replaces a good one.
    let part = cache_dir.join(format!("{key}.part"));
    // A cut or refused download leaves nothing behind.
    let copied = std::fs::File::create(&part)
        .map_err(|e| dl(format!("cannot write {}: {e}", part.display())))
        .and_then(|mut out| copy_bounded(&mut resp, &mut out, url, timeout, limits));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    let sha256 = sha256_file(&part).map_err(|e| dl(e.to_string()))?;
    std::fs::rename(&part, &data)
        .map_err(|e| dl(format!("cannot move the download into the cache: {e}")))?;
    let meta = Meta {
        url: url.to_string(),
        etag,
        last_modified,
        sha256,
    };
    let _ = std::fs::write(
        &meta_path,
        serde_json::to_string_pretty(&meta).unwrap_or_default(),
    );
    Ok(data)
}

/// Copy the body into `out`, within the download size and time limits
/// (`timeout` alone bounds each read, not the whole: a server that keeps
/// sending would never stop).
fn copy_bounded(
    resp: &mut reqwest::blocking::Response,
    out: &mut std::fs::File,
    url: &str,
    timeout: Duration,
    limits: &Limits,
) -> Result<(), ImportError> {
    use std::io::Write;
    let started = std::time::Instant::now();
    let over = |limit: &'static str, value: u64, found: String| {
        let hit = LimitHit {
            limit,
            value,
            found,
        };
        ImportError::Download {
            url: url.to_string(),
            message: hit.to_string(),
            limit: Some(hit),
        }
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut total: u64 = 0;
    loop {
        if started.elapsed() > limits.max_download_time {
            let secs = limits.max_download_time.as_secs();
            return Err(over(
                "max_download_time",
                secs,
                format!("下载超过 {secs} 秒仍未结束 (the download took longer than {secs} s)"),
            ));
        }
        let n = resp.read(&mut buf).map_err(|e| {
            let timed_out = e.kind() == std::io::ErrorKind::TimedOut
                || e.to_string().to_ascii_lowercase().contains("timed out");
            ImportError::Download {
                url: url.to_string(),
                message: if timed_out {
                    format!("download timed out after {} s", timeout.as_secs_f32())
                } else {
                    e.to_string()
                },
                limit: None,
            }
        })?;
        if n == 0 {
            return Ok(());
        }
        total += n as u64;
        if total > limits.max_download_bytes {
            let max = limits.max_download_bytes;
            return Err(over(
                "max_download_bytes",
                max,
                format!("下载超过 {max} 字节 (the download is larger than {max} bytes)"),
            ));
        }
        out.write_all(&buf[..n])
            .map_err(|e| ImportError::Download {
                url: url.to_string(),
                message: format!("cannot write the download: {e}"),
                limit: None,
            })?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    #[test]
    fn a_server_that_never_answers_times_out_with_a_clear_error() {
        // Loopback only: accept and hold the connection without replying.
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let hold = std::thread::spawn(move || {
            let s = l.accept().map(|(s, _)| s);
            std::thread::sleep(Duration::from_secs(3));
            drop(s);
        });
        let d = tempfile::tempdir().unwrap();
        let e = fetch(
            &format!("http://{addr}/drug.csv"),
            d.path(),
            Duration::from_millis(500),
            &Limits::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("timed out"), "{e}");
        hold.join().unwrap();
    }

    #[test]
    fn downloads_once_then_revalidates_with_etag() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let mut saw_if_none_match = false;
            for i in 0..2 {
                let (mut s, _) = l.accept().unwrap();
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap();
                let req = String::from_utf8_lossy(&buf[..n]).to_ascii_lowercase();
                if i == 1 {
                    saw_if_none_match = req.contains("if-none-match: \"v1\"");
                    s.write_all(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
                } else {
                    let body = "药品代码,注册名称\n";
                    write!(s, "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
                }
            }
            saw_if_none_match
        });
        let d = tempfile::tempdir().unwrap();
        let url = format!("http://{addr}/x/drug.csv?y=1");
        let p1 = fetch(&url, d.path(), Duration::from_secs(5), &Limits::default()).unwrap();
        let p2 = fetch(&url, d.path(), Duration::from_secs(5), &Limits::default()).unwrap();
        assert_eq!(p1, p2);
        assert!(p1.to_string_lossy().ends_with(".csv"));
        assert_eq!(std::fs::read_to_string(&p2).unwrap(), "药品代码,注册名称\n");
        assert!(
            server.join().unwrap(),
            "second request did not revalidate with If-None-Match"
        );
    }

    #[test]
    fn refused_connection_says_so() {
        // Bind then drop to get a loopback port with nothing listening.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = tempfile::tempdir().unwrap();
        let e = fetch(
            &format!("http://127.0.0.1:{port}/a.csv"),
            d.path(),
            Duration::from_secs(2),
            &Limits::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("cannot connect"), "{e}");
    }
}
