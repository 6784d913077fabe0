//! A server on a background thread with its own runtime (for `cargo xtask bench`
//! and tests that want a real socket): returns its address and a handle
//! that shuts it down gracefully when dropped.

use crate::{App, Config};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;

/// A running background server; dropping it stops the server.
pub struct LocalServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Open `home`, bind `bind`, load the matchers, then serve until dropped.
pub fn spawn_local(
    home: PathBuf,
    bind: SocketAddr,
    config: Config,
    worker_threads: usize,
) -> anyhow::Result<LocalServer> {
    let app = App::open(&home, config)?;
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(worker_threads.max(1))
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = addr_tx.send(Err(anyhow::anyhow!(e)));
                return;
            }
        };
        rt.block_on(async move {
            let listener = match tokio::net::TcpListener::bind(bind).await {
                Ok(l) => l,
                Err(e) => {
                    let _ = addr_tx.send(Err(anyhow::anyhow!(e)));
                    return;
                }
            };
            let loader = app.clone();
            match tokio::task::spawn_blocking(move || loader.load()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    let _ = addr_tx.send(Err(e));
                    return;
                }
                Err(e) => {
                    let _ = addr_tx.send(Err(anyhow::anyhow!(e)));
                    return;
                }
            }
            let _ = addr_tx.send(listener.local_addr().map_err(anyhow::Error::from));
            app.spawn_reloader();
            let _ = crate::serve(listener, app.router(), app.limits(), async {
                let _ = stop_rx.await;
            })
            .await;
        });
    });
    let addr = addr_rx.recv().context("server thread died")??;
    Ok(LocalServer {
        addr,
        stop: Some(stop_tx),
        thread: Some(thread),
    })
}
