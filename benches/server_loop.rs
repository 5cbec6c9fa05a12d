//! The server loop against its baseline, in one run: the same twin served by `axum::serve` (what
//! cloudtwin used before it had timeouts, a connection cap, TLS and graceful shutdown) and by
//! cloudtwin's own loop (server.rs), under the same keep-alive load, in alternating rounds.
//! Prints requests per second of each and the ratio. No log subscriber is installed, so the
//! per-request log line costs only its level check here.
//!
//! Run: `cargo bench --bench server_loop`. Environment: BENCH_SECONDS per round (default 2),
//! BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 16).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{App, AuthMode, Config, Inventory, Twin};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn app() -> Arc<App> {
    let cfg = Config { timing: TimingPolicy::Immediate, ..Config::default() };
    Arc::new(App::new(Twin::new(cfg, Inventory::builtin(), Clock::real()).unwrap(), AuthMode::Off))
}

/// Requests per second of `conns` keep-alive clients for `seconds`, each request a
/// DescribeDisks through the whole Tencent pipeline (auth off: the signature's cost is the same
/// for both loops and would only hide the difference).
async fn load(url: &str, conns: u64, seconds: u64) -> f64 {
    let client = reqwest::Client::builder().pool_max_idle_per_host(conns as usize).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (client, url, stop, count) = (client.clone(), url.to_string(), stop.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post(&url)
                    .header("X-TC-Action", "DescribeDisks")
                    .header("X-TC-Version", "2017-03-12")
                    .header("X-TC-Region", "ap-guangzhou")
                    .header("X-TC-Timestamp", chrono::Utc::now().timestamp().to_string())
                    .header("Content-Type", "application/json")
                    .body(r#"{"Limit":20}"#)
                    .send()
                    .await;
                let ok = match r {
                    Ok(r) => r.text().await.map(|t| t.contains("TotalCount")).unwrap_or(false),
                    Err(_) => false,
                };
                assert!(ok, "a benchmark request failed");
                count.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / begin.elapsed().as_secs_f64()
}

fn main() {
    let seconds = env("BENCH_SECONDS", 2);
    let rounds = env("BENCH_ROUNDS", 3);
    let conns = env("BENCH_CONNECTIONS", 16);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let baseline = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/", baseline.local_addr().unwrap());
        let router = cloudtwin_emulator::edge::router(app());
        tokio::spawn(async move { axum::serve(baseline, router).await.unwrap() });
        let ours = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = cloudtwin_emulator::spawn(app(), ours).unwrap();
        let our_url = format!("http://{}/", running.addr);

        let (mut base_total, mut our_total) = (0.0, 0.0);
        for round in 1..=rounds {
            let b = load(&base_url, conns, seconds).await;
            let o = load(&our_url, conns, seconds).await;
            println!("round {round}: axum::serve {b:>8.0} req/s   server.rs {o:>8.0} req/s   ratio {:.3}", o / b);
            base_total += b;
            our_total += o;
        }
        println!(
            "server.rs / axum::serve throughput: {:.3} ({} rounds of {seconds} s, {conns} keep-alive connections)",
            our_total / base_total,
            rounds
        );
    });
}
