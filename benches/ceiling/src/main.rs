//! The ceiling of the bench: what a bare axum server costs to answer one request with given bytes
//! (the twin's own answer, saved by benches/scale.sh). No parsing, no state: the HTTP floor.
//! Usage: cloudtwin-ceiling ADDR FILE [SPIN_US] — prints `ready` once it listens. SPIN_US: a
//! busy wait of that many µs before each answer, standing for a server's own work, so that
//! benches/p99.py can show what p99 a perfect server with that much work a request gets.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::Router;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:4620".into());
    let body = Bytes::from(std::fs::read(args.next().expect("usage: ADDR FILE [SPIN_US]")).expect("read FILE"));
    let spin = Duration::from_micros(args.next().map_or(0, |s| s.parse().expect("SPIN_US: a number of µs")));
    let app = Router::new().fallback(move || {
        let body = body.clone();
        let t0 = Instant::now();
        while t0.elapsed() < spin {
            std::hint::spin_loop();
        }
        async move { ([(CONTENT_TYPE, "application/json")], body) }
    });
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("ready");
    axum::serve(listener, app).await.expect("serve");
}
