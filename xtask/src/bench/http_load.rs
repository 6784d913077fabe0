//! A small closed-loop HTTP/1.1 load generator for `cargo xtask bench`: N threads,
//! each with one keep-alive connection, sending requests back to back for a
//! bounded time and count. It only ever talks to the loopback address it is
//! given (the server `bench` itself started).

use super::stats::Latency;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub body: Vec<u8>,
}

#[derive(Debug, Serialize)]
pub struct LoadResult {
    pub connections: usize,
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub requests_per_sec: f64,
    pub latency: Latency,
}

pub fn run(
    addr: SocketAddr,
    requests: &[Request],
    connections: usize,
    duration: Duration,
    max_requests: usize,
) -> Result<LoadResult> {
    if !addr.ip().is_loopback() {
        bail!("the load generator only targets loopback addresses, not {addr}");
    }
    if requests.is_empty() {
        bail!("no requests to send");
    }
    let start = Instant::now();
    let per_conn = max_requests.div_ceil(connections.max(1));
    let results: Vec<Result<(Vec<Duration>, usize)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..connections.max(1))
            .map(|c| {
                s.spawn(move || -> Result<(Vec<Duration>, usize)> {
                    let mut conn = Conn::open(addr)?;
                    let mut lat = Vec::with_capacity(per_conn);
                    let mut errors = 0;
                    let mut i = c;
                    while lat.len() + errors < per_conn && start.elapsed() < duration {
                        let r = &requests[i % requests.len()];
                        i += connections;
                        let t = Instant::now();
                        match conn.send(r) {
                            Ok(status) if status < 400 => lat.push(t.elapsed()),
                            Ok(_) => errors += 1,
                            Err(_) => {
                                errors += 1;
                                conn = Conn::open(addr)?;
                            }
                        }
                    }
                    Ok((lat, errors))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("load thread panicked")))
            })
            .collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let mut all = Vec::new();
    let mut errors = 0;
    for r in results {
        let (l, e) = r?;
        all.extend(l);
        errors += e;
    }
    let requests_done = all.len();
    Ok(LoadResult {
        connections,
        requests: requests_done,
        errors,
        seconds,
        requests_per_sec: requests_done as f64 / seconds.max(1e-9),
        latency: Latency::from_samples(all),
    })
}

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> Result<Conn> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .with_context(|| format!("connecting to {addr}"))?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// One request/response on the keep-alive connection; returns the status.
    fn send(&mut self, r: &Request) -> Result<u16> {
        let head = format!(
            "{} {} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            r.method,
            r.path,
            r.body.len()
        );
        self.writer.write_all(head.as_bytes())?;
        self.writer.write_all(&r.body)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .context("bad status line")?;
        let mut len = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        self.reader.read_exact(&mut body)?;
        Ok(status)
    }
}
