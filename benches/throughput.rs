//! Signed-request throughput: N keep-alive connections each send TC3-signed DescribeDisks (a
//! fresh signature per request, as an SDK does) for a few seconds; prints requests per second
//! and latency percentiles. Run with `cargo bench --bench throughput` (release build).
//! Environment: BENCH_SECONDS (default 5), BENCH_CONNECTIONS (default 32), BENCH_DISKS (default 100),
//! BENCH_WRITE=1 to send ModifyDiskAttributes (a rename of one of the first 20 disks, a write
//! that goes through the change set) instead of DescribeDisks. BENCH_STORE=PATH keeps the world
//! in a durable store there (`serve --store`; a new file each run), BENCH_STORE_SYNC=full with an
//! fsync per commit.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::tencent::sign;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config, Inventory};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn call(client: &reqwest::Client, url: &str, host: &str, action: &str, body: &str) -> bool {
    send(client, url, host, action, body).await.is_some_and(|t| !t.contains("\"Error\""))
}

/// One TC3-signed request; the response body.
async fn send(client: &reqwest::Client, url: &str, host: &str, action: &str, body: &str) -> Option<String> {
    let ts = chrono::Utc::now().timestamp();
    let signed = sign::sign_tc3(&sign::Tc3Request::default_post(host, action, ts, body.as_bytes()));
    let mut req = client.post(url).body(body.to_string());
    for (k, v) in &signed.headers {
        if k != "Host" {
            req = req.header(k, v);
        }
    }
    req.send().await.ok()?.text().await.ok()
}

/// The ids of the first 20 disks DescribeDisks lists.
async fn first_disks(client: &reqwest::Client, url: &str, host: &str) -> Vec<String> {
    let text = send(client, url, host, "DescribeDisks", r#"{"Limit":20}"#).await.unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let disks = v["Response"]["DiskSet"].as_array().cloned().unwrap_or_default();
    disks.iter().filter_map(|d| d["DiskId"].as_str().map(str::to_string)).collect()
}

fn main() {
    let seconds = env("BENCH_SECONDS", 5);
    let conns = env("BENCH_CONNECTIONS", 32);
    let disks = env("BENCH_DISKS", 100);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let cfg = Config { timing: TimingPolicy::Immediate, ..Config::default() };
        let t0 = Instant::now();
        let running = cloudtwin_emulator::start(cfg, Inventory::builtin(), Clock::real(), AuthMode::Enforce, "127.0.0.1:0")
            .await
            .unwrap();
        if let Ok(path) = std::env::var("BENCH_STORE") {
            let _ = std::fs::remove_file(&path);
            let sync = std::env::var("BENCH_STORE_SYNC").ok().and_then(|s| s.parse().ok());
            let sync = sync.unwrap_or(cloudtwin_emulator::store::Sync::Normal);
            cloudtwin_emulator::store::attach(&running.app.twin, &path, sync).unwrap();
        }
        let started = t0.elapsed();
        let host = running.addr.to_string();
        let url = format!("http://{host}/");
        let client = reqwest::Client::builder().pool_max_idle_per_host(conns as usize).build().unwrap();
        // A realistic account: `disks` disks in the region, of which DescribeDisks pages 20.
        let mut made = 0;
        while made < disks {
            let n = (disks - made).min(50);
            let body = format!(r#"{{"Placement":{{"Zone":"ap-guangzhou-3"}},"DiskChargeType":"POSTPAID_BY_HOUR","DiskType":"CLOUD_PREMIUM","DiskSize":20,"DiskCount":{n}}}"#);
            assert!(call(&client, &url, &host, "CreateDisks", &body).await);
            made += n;
        }
        let write = env("BENCH_WRITE", 0) == 1;
        let ids: Vec<String> = if write { first_disks(&client, &url, &host).await } else { Vec::new() };
        let (action, bodies): (&str, Vec<String>) = if write {
            let body = |(i, id): (usize, &String)| format!(r#"{{"DiskIds":["{id}"],"DiskName":"bench-{i}"}}"#);
            ("ModifyDiskAttributes", ids.iter().enumerate().map(body).collect())
        } else {
            ("DescribeDisks", vec![r#"{"Limit":20}"#.to_string()])
        };
        let bodies = Arc::new(bodies);
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        let begin = Instant::now();
        for _ in 0..conns {
            let (client, url, host) = (client.clone(), url.clone(), host.clone());
            let (stop, count, errors, bodies) = (stop.clone(), count.clone(), errors.clone(), bodies.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let s = Instant::now();
                    let body = &bodies[lat.len() % bodies.len()];
                    let ok = call(&client, &url, &host, action, body).await;
                    lat.push(s.elapsed());
                    count.fetch_add(1, Ordering::Relaxed);
                    if !ok {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                lat
            }));
        }
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut lat: Vec<Duration> = Vec::new();
        for t in tasks {
            lat.extend(t.await.unwrap());
        }
        let elapsed = begin.elapsed().as_secs_f64();
        lat.sort();
        let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
        let n = count.load(Ordering::Relaxed);
        println!("in-process start:        {:.2} ms", started.as_secs_f64() * 1e3);
        println!("signed {action}: {n} requests in {elapsed:.1} s over {conns} connections, {disks} disks");
        println!("throughput:              {:.0} requests/s", n as f64 / elapsed);
        println!("latency p50/p99/max:     {:.2} / {:.2} / {:.2} ms", pct(0.5), pct(0.99), pct(1.0));
        println!("errors:                  {}", errors.load(Ordering::Relaxed));
    });
}
