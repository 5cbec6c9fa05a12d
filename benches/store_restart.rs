//! Restart on a durable store: builds a world of BENCH_RESOURCES (default 100,000) Tencent disks
//! through CreateDisks on a twin with `--store`, then starts the `cloudtwin` binary on that store
//! and prints how long it took to be ready (load the base, put the rows back). Run with
//! `cargo bench --bench store_restart` (release build) for an SQLite file, or with
//! `BENCH_STORE=postgres://…` for an empty PostgreSQL database (docs/postgres.md).
//! BENCH_STORE_AT=PATH keeps the SQLite store there (made when missing, reused when present)
//! and BENCH_BIN=PATH starts another build of the binary on it, so two builds can be timed on
//! the same file, side by side.

use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Instant;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};
use cloudtwin_emulator::tencent::sign;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config, Inventory};

fn main() {
    let total: u64 = std::env::var("BENCH_RESOURCES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("cloudtwin-store-bench-{}", std::process::id()));
    let kept = std::env::var_os("BENCH_STORE_AT").map(std::path::PathBuf::from);
    let path = kept.clone().unwrap_or_else(|| dir.join("twin.db"));
    if kept.as_ref().is_some_and(|p| p.exists()) {
        restart(path.to_str().unwrap(), &path, total);
        return;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let store = std::env::var("BENCH_STORE").unwrap_or_else(|_| path.to_str().unwrap().to_string());
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let built = Instant::now();
    rt.block_on(async {
        let mut cfg = Config { timing: TimingPolicy::Immediate, ..Config::default() };
        cfg.tencent.limits.disks_per_region = usize::MAX;
        let running = cloudtwin_emulator::start(cfg, Inventory::builtin(), Clock::real(), AuthMode::Enforce, "127.0.0.1:0")
            .await
            .unwrap();
        cloudtwin_emulator::store::attach(&running.app.twin, &store, cloudtwin_emulator::store::Sync::Normal).unwrap();
        let host = running.addr.to_string();
        let url = format!("http://{host}/");
        let client = reqwest::Client::new();
        let mut made = 0;
        while made < total {
            let n = (total - made).min(50);
            let body = format!(r#"{{"Placement":{{"Zone":"ap-guangzhou-3"}},"DiskChargeType":"POSTPAID_BY_HOUR","DiskType":"CLOUD_PREMIUM","DiskSize":20,"DiskCount":{n}}}"#);
            let ts = chrono::Utc::now().timestamp();
            let signed = sign::sign_tc3(&sign::Tc3Request {
                secret_id: DEFAULT_SECRET_ID,
                secret_key: DEFAULT_SECRET_KEY,
                host: &host,
                method: "POST",
                query: "",
                content_type: "application/json",
                action: "CreateDisks",
                version: "2017-03-12",
                region: Some("ap-guangzhou"),
                timestamp: ts,
                payload: body.as_bytes(),
            });
            let mut req = client.post(&url).body(body.clone());
            for (k, v) in &signed.headers {
                req = req.header(k.as_str(), v.as_str());
            }
            let text = req.send().await.unwrap().text().await.unwrap();
            assert!(!text.contains("\"Error\""), "{text}");
            made += n;
        }
    });
    // The process still holds the store: let the child in by ending this twin's runtime.
    drop(rt);
    println!("built {total} disks through the store in {:.1}s", built.elapsed().as_secs_f64());
    restart(&store, &path, total);
    if kept.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Start the binary on the store and time it until it is ready.
fn restart(store: &str, path: &std::path::Path, total: u64) {
    let bin = std::env::var("BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_cloudtwin").to_string());
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let t0 = Instant::now();
    let mut child = Command::new(&bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--store", store])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = std::io::BufReader::new(child.stdout.take().unwrap());
    for line in out.lines() {
        let line = line.unwrap();
        if line.contains("http://") {
            break;
        }
    }
    let ready = t0.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    println!(
        "restart on {} of {total} disks: ready in {:.0} ms",
        if store.starts_with("postgres") {
            "PostgreSQL".to_string()
        } else {
            format!("an SQLite file ({} MB)", size / 1_000_000)
        },
        ready.as_secs_f64() * 1e3
    );
}
