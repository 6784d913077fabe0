//! The accept loop over a real loopback socket: idle and slow-header
//! connections are closed, connections past the cap get a JSON 503 (D8).

mod common;

use mulu_server::{Config, Limits};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// Serve an empty home with `limits` on a background runtime.
fn start(limits: Limits) -> (SocketAddr, tempfile::TempDir, std::sync::mpsc::Sender<()>) {
    let home = tempfile::tempdir().unwrap();
    let app = mulu_server::App::open(
        home.path(),
        Config {
            limits: limits.clone(),
            ..Config::default()
        },
    )
    .unwrap();
    app.load().unwrap();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(listener.local_addr().unwrap()).unwrap();
            let stop = async move {
                let _ = tokio::task::spawn_blocking(move || stop_rx.recv()).await;
            };
            mulu_server::serve(listener, app.router(), limits, stop)
                .await
                .unwrap();
        });
    });
    (addr_rx.recv().unwrap(), home, stop_tx)
}

/// Read until the peer closes; returns what arrived and how long it took.
fn read_to_close(s: &mut TcpStream) -> (String, Duration) {
    let t = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    (String::from_utf8_lossy(&buf).into_owned(), t.elapsed())
}

fn get_health(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    read_to_close(&mut s).0
}

#[test]
fn a_connection_that_sends_nothing_is_closed_after_the_idle_timeout() {
    let (addr, _home, _stop) = start(Limits {
        idle_timeout: Duration::from_millis(300),
        ..Limits::default()
    });
    let mut s = TcpStream::connect(addr).unwrap();
    let (got, took) = read_to_close(&mut s);
    assert_eq!(got, "");
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    // A kept-alive connection is closed too once its request is answered and it idles.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (got, took) = read_to_close(&mut s);
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
}

#[test]
fn headers_that_never_finish_are_cut_off() {
    let (addr, _home, _stop) = start(Limits {
        header_timeout: Duration::from_millis(300),
        idle_timeout: Duration::from_secs(60),
        ..Limits::default()
    });
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    let (_, took) = read_to_close(&mut s);
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
}

#[test]
fn connections_past_the_cap_get_a_json_503_naming_the_flag() {
    let (addr, _home, _stop) = start(Limits {
        max_connections: 2,
        ..Limits::default()
    });
    let idle: Vec<TcpStream> = (0..2).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let got = get_health(addr);
    assert!(got.starts_with("HTTP/1.1 503"), "{got}");
    let body = got.split_once("\r\n\r\n").unwrap().1;
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["error"]["code"], "too_many_connections");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--max-connections"));
    drop(idle);
    let mut ok = false;
    for _ in 0..50 {
        if get_health(addr).starts_with("HTTP/1.1 200") {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ok, "closing the idle connections frees their slots");
}
