//! The ceiling of the bench: what a bare axum server costs to answer one request with given bytes
//! (the twin's own answer, saved by benches/scale.sh). No parsing, no state: the HTTP floor.
//! Usage: cloudtwin-ceiling ADDR FILE — prints `ready` once it listens.

use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::Router;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:4620".into());
    let body = Bytes::from(std::fs::read(args.next().expect("usage: ADDR FILE")).expect("read FILE"));
    let app = Router::new().fallback(move || {
        let body = body.clone();
        async move { ([(CONTENT_TYPE, "application/json")], body) }
    });
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    println!("ready");
    axum::serve(listener, app).await.expect("serve");
}
