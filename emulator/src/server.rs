//! The server loop: accepts connections (plain TCP or TLS) and serves HTTP/1.1 on them with hyper,
//! with the bounds a long-running, shared twin needs (docs/running.md describes each setting):
//!
//! - a **header-read timeout**: a connection that starts a request head and does not finish it in
//!   time is closed (a half-sent request line cannot hold a slot for ever);
//! - an **idle keep-alive timeout**: a connection with no request for this long is closed;
//! - a **connection cap**: at most this many connections are served at once. When the cap is
//!   reached, the connection that has waited longest without a request in flight is closed to make
//!   room, so idle or stalled clients cannot lock real ones out (and the process stays well under
//!   the usual `ulimit -n 1024`). Only when every connection has a request in flight does the loop
//!   stop accepting until one finishes;
//! - **graceful shutdown**: [`Shutdown::trigger`] stops accepting, lets requests in flight finish
//!   (idle connections close at once), and gives up after a bounded grace period.
//!
//! Every answered request is logged once, at info level, from its [`RequestRecord`].

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

use crate::core::journal::Journal;
use crate::core::record::{self, RequestRecord};
use crate::edge::{self, App, Family};

/// The connection-level settings of the server loop.
#[derive(Clone)]
pub struct ServerOptions {
    /// Time a client has to send a complete request head once it has started one (and to finish
    /// a TLS handshake).
    pub header_read_timeout: Duration,
    /// Time a connection may stay open with no request.
    pub idle_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// After a shutdown signal, how long requests in flight get to finish.
    pub shutdown_grace: Duration,
    /// Serve HTTPS with this configuration instead of plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Where each answered request's record is kept besides the log line (lib.rs sets the
    /// twin's journal).
    pub journal: Option<Arc<Journal>>,
}

pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            tls: None,
            journal: None,
        }
    }
}

/// Asks a running server to stop (see the module docs); the server's task ends once it has.
#[derive(Clone)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Shutdown {
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }
}

/// Serve `router` on `listener` until `stop` says so; returns once connections are drained (or
/// the grace period is over).
pub(crate) fn start(
    app: Arc<App>,
    listener: TcpListener,
    opts: ServerOptions,
) -> (Shutdown, impl std::future::Future<Output = ()> + Send + 'static) {
    let (tx, rx) = watch::channel(false);
    let server = Arc::new(Server { app, opts, conns: Registry::new() });
    (Shutdown(Arc::new(tx)), server.run(listener, rx))
}

struct Server {
    app: Arc<App>,
    opts: ServerOptions,
    conns: Registry,
}

impl Server {
    async fn run(self: Arc<Self>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() || !self.admit(&mut stop).await {
                break;
            }
            let accepted = tokio::select! {
                r = listener.accept() => r,
                _ = stop.changed() => break,
            };
            match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    let conn = self.conns.insert();
                    tokio::spawn(self.clone().serve_connection(stream, conn, stop.clone()));
                }
                // Out of file descriptors or a connection reset before accept: keep serving the
                // connections we have and try again shortly.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        drop(listener);
        self.drain().await;
    }

    /// Make room for one more connection; false when the server is stopping instead.
    async fn admit(&self, stop: &mut watch::Receiver<bool>) -> bool {
        loop {
            if self.conns.len() < self.opts.max_connections.max(1) || self.conns.evict_longest_waiting() {
                return true;
            }
            // Every connection has a request in flight: wait for one to end.
            tokio::select! {
                _ = self.conns.freed.notified() => {}
                _ = stop.changed() => return false,
            }
        }
    }

    async fn drain(&self) {
        let deadline = tokio::time::Instant::now() + self.opts.shutdown_grace;
        while self.conns.len() > 0 {
            tokio::select! {
                _ = self.conns.freed.notified() => {}
                _ = tokio::time::sleep_until(deadline) => {
                    tracing::warn!(open = self.conns.len(), "shutdown grace period over; closing the remaining connections");
                    self.conns.evict_all();
                    return;
                }
            }
        }
    }

    async fn serve_connection(self: Arc<Self>, stream: TcpStream, conn: Arc<Conn>, stop: watch::Receiver<bool>) {
        let _guard = Leave { registry: &self.conns, id: conn.id };
        match &self.opts.tls {
            None => self.drive(stream, &conn, stop).await,
            Some(cfg) => {
                let acceptor = tokio_rustls::TlsAcceptor::from(cfg.clone());
                // A plain-HTTP client (or a silent one) fails here: close it, nothing else.
                match tokio::time::timeout(self.opts.header_read_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => self.drive(tls, &conn, stop).await,
                    Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!("TLS handshake timed out"),
                }
            }
        }
    }

    async fn drive<S>(&self, io: S, conn: &Arc<Conn>, mut stop: watch::Receiver<bool>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let app = self.app.clone();
        let svc_conn = conn.clone();
        let journal = self.opts.journal.clone();
        let svc = service_fn(move |req: hyper::Request<Incoming>| {
            let app = app.clone();
            let conn = svc_conn.clone();
            let journal = journal.clone();
            async move {
                conn.begin();
                let started = Instant::now();
                let wall_ms = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                let rec = RequestRecord {
                    surface: surface_name(edge::classify(req.uri().path(), req.headers())),
                    method: req.method().as_str().into(),
                    path: req.uri().path().into(),
                    wall_ms,
                    ..Default::default()
                };
                // The edge's one handler, called as it is: an axum Router around it (its
                // routing, request extensions and boxed futures) was ~1 µs of a kept read.
                // Boxed: the edge's future is ~3 KB, and handing it on by value copied it
                // several times a request (docs/performance.md, sixth pass).
                let served = Box::pin(edge::serve(app, req.map(axum::body::Body::new)));
                let (resp, mut rec) = record::scope(rec, served).await;
                // An injected latency (a fault rule): waited here, with no lock held.
                if !rec.delay.is_zero() {
                    tokio::time::sleep(rec.delay).await;
                }
                rec.status = resp.status().as_u16();
                rec.latency = started.elapsed();
                rec.log();
                if let Some(j) = journal.as_deref().filter(|_| Journal::wants(&rec)) {
                    j.push(rec);
                }
                conn.end();
                Ok::<_, Infallible>(resp)
            }
        });
        let mut builder = http1::Builder::new();
        // The head timeout is ours (below), measured from the head's first byte: hyper's own
        // starts when it waits for a head and would also cut idle keep-alive connections short.
        builder.timer(TokioTimer::new()).header_read_timeout(None);
        let served = builder.serve_connection(TokioIo::new(Tracked { inner: io, conn: conn.clone() }), svc);
        tokio::pin!(served);
        let mut draining = *stop.borrow();
        if draining {
            served.as_mut().graceful_shutdown();
        }
        loop {
            let wait = match conn.verdict(&self.opts) {
                Verdict::Expired(why) => {
                    tracing::debug!(reason = why, "closing connection");
                    return;
                }
                Verdict::Wait(d) => d,
            };
            tokio::select! {
                r = served.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                _ = conn.evict.notified() => {
                    tracing::debug!("connection closed to make room for a new one");
                    return;
                }
                _ = stop.changed(), if !draining => {
                    draining = true;
                    served.as_mut().graceful_shutdown();
                }
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

fn surface_name(f: Family) -> &'static str {
    match f {
        Family::Control => "control",
        Family::Tencent => "tencent-cbs",
        Family::Huawei => "huawei-cbr",
        Family::Gateway => "gateway",
        Family::UCloudStack => "ucloudstack",
    }
}

/// One open connection's progress, as the timeouts and the cap see it. Times are milliseconds
/// since the registry's epoch.
struct Conn {
    id: u64,
    epoch: Instant,
    in_flight: AtomicUsize,
    /// When the connection opened or last finished a request.
    last_done_ms: AtomicU64,
    /// When the first byte of the next request head arrived (0: none yet).
    head_started_ms: AtomicU64,
    /// Set when the cap closes this connection.
    evict: Notify,
}

enum Verdict {
    Wait(Duration),
    Expired(&'static str),
}

impl Conn {
    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64 + 1
    }
    // Neither a request nor a head wakes the connection's watch (that was two wake-ups and two
    // timer re-arms per request: docs/performance.md). The watch looks again at least every
    // `recheck` instead, which is never later than a deadline: a head that starts at h was
    // last looked at before h, so by h + header_read_timeout at the latest; a request that
    // ends at t moves the idle deadline to t + idle_timeout, past that next look.
    fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.head_started_ms.store(0, Ordering::SeqCst);
    }
    fn end(&self) {
        self.last_done_ms.store(self.now_ms(), Ordering::SeqCst);
        self.head_started_ms.store(0, Ordering::SeqCst);
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    fn bytes_arrived(&self) {
        if self.in_flight.load(Ordering::SeqCst) == 0 && self.head_started_ms.load(Ordering::SeqCst) == 0 {
            self.head_started_ms.store(self.now_ms(), Ordering::SeqCst);
        }
    }
    fn waiting_since(&self) -> Option<u64> {
        (self.in_flight.load(Ordering::SeqCst) == 0).then(|| self.last_done_ms.load(Ordering::SeqCst))
    }
    fn verdict(&self, opts: &ServerOptions) -> Verdict {
        let recheck = opts.header_read_timeout.min(opts.idle_timeout);
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Verdict::Wait(recheck);
        }
        let now = self.now_ms();
        let (from, limit, why) = match self.head_started_ms.load(Ordering::SeqCst) {
            0 => (self.last_done_ms.load(Ordering::SeqCst), opts.idle_timeout, "idle timeout"),
            head => (head, opts.header_read_timeout, "header read timeout"),
        };
        let deadline = from + limit.as_millis() as u64;
        if now >= deadline {
            Verdict::Expired(why)
        } else {
            Verdict::Wait(Duration::from_millis(deadline - now).min(recheck))
        }
    }
}

/// The open connections.
struct Registry {
    epoch: Instant,
    next_id: AtomicU64,
    live: Mutex<HashMap<u64, Arc<Conn>>>,
    /// A connection left.
    freed: Notify,
}

impl Registry {
    fn new() -> Registry {
        Registry {
            epoch: Instant::now(),
            next_id: AtomicU64::new(1),
            live: Mutex::new(HashMap::new()),
            freed: Notify::new(),
        }
    }
    fn len(&self) -> usize {
        self.live.lock().len()
    }
    fn insert(&self) -> Arc<Conn> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            epoch: self.epoch,
            in_flight: AtomicUsize::new(0),
            last_done_ms: AtomicU64::new(0),
            head_started_ms: AtomicU64::new(0),
            evict: Notify::new(),
        });
        conn.last_done_ms.store(conn.now_ms(), Ordering::SeqCst);
        self.live.lock().insert(id, conn.clone());
        conn
    }
    fn remove(&self, id: u64) {
        if self.live.lock().remove(&id).is_some() {
            self.freed.notify_one();
        }
    }
    /// Close the connection that has waited longest without a request in flight; false when
    /// every connection is busy. Only runs when the cap is reached.
    fn evict_longest_waiting(&self) -> bool {
        let mut live = self.live.lock();
        let victim = live.values().filter_map(|c| c.waiting_since().map(|t| (t, c.id))).min();
        match victim.and_then(|(_, id)| live.remove(&id)) {
            Some(conn) => {
                conn.evict.notify_one();
                true
            }
            None => false,
        }
    }
    fn evict_all(&self) {
        for (_, conn) in self.live.lock().drain() {
            conn.evict.notify_one();
        }
    }
}

/// Takes a connection out of the registry when its task ends, however it ends.
struct Leave<'a> {
    registry: &'a Registry,
    id: u64,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

/// The connection's byte stream, noting when a request head starts arriving.
struct Tracked<S> {
    inner: S,
    conn: Arc<Conn>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.conn.bytes_arrived();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
