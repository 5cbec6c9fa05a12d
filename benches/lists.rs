//! List latency with many resources: Huawei ListBackups and ListVault over BENCH_BACKUPS
//! backups (default 100000), UCloudStack DescribeSnapshot over BENCH_SNAPSHOTS snapshots
//! (default 100000). Run with `cargo bench --bench lists` (release build); run it again with
//! BENCH_BACKUPS=100 BENCH_SNAPSHOTS=100 for the baseline.
//!
//! The resources are made the way a user makes them: volumes added to the inventory through
//! the control plane (`POST /_cloudtwin/huawei/volumes`), bound to disk vaults of 250 volumes
//! each, and `POST /v3/{project}/checkpoints` per vault in a loop (one backup per volume per
//! checkpoint; auto-expanding vaults so capacity never refuses); UCloudStack snapshots by
//! CreateSnapshot over the seeded disks, one at a time (a disk is busy while snapshotting; the
//! Immediate timing finishes each before the next request). Each query then runs for
//! BENCH_SECONDS (default 2) over BENCH_CONNECTIONS (default 4) connections; the bench prints
//! requests/s and p50/p99 per query, and the process's resident memory before and after the
//! resources were made.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::huawei::DEFAULT_PROJECT;
use cloudtwin_emulator::config::{UCS_PRIVATE_KEY, UCS_PUBLIC_KEY};
use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_SK};
use cloudtwin_emulator::huawei::sign::{self as hw_sign, Algorithm, Outgoing};
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config, Inventory};
use serde_json::{json, Value};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0)
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    host: String,
}

impl Client {
    /// One signed Huawei call: (status, body).
    async fn hw(&self, method: &str, path_q: &str, body: Option<&Value>) -> (u16, Value) {
        let path_q = path_q.replace("{p}", DEFAULT_PROJECT);
        let (path, query) = path_q.split_once('?').unwrap_or((&path_q, ""));
        let payload = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
        let headers =
            [("Host", self.host.as_str()), ("Content-Type", "application/json"), ("X-Project-Id", DEFAULT_PROJECT)];
        let date = hw_sign::format_sdk_date(chrono::Utc::now().timestamp());
        let out =
            Outgoing { method, raw_path: path, raw_query: query, headers: &headers, body: &payload, sdk_date: &date };
        let s = hw_sign::sign(Algorithm::HmacSha256, DEFAULT_AK, DEFAULT_SK, &out);
        let url = format!("http://{}{path_q}", self.host);
        let mut req = self.http.request(method.parse().unwrap(), url).body(payload);
        for (k, v) in headers.iter().filter(|(k, _)| *k != "Host") {
            req = req.header(*k, *v);
        }
        for (k, v) in &s.headers {
            req = req.header(k, v);
        }
        req = req.header("Authorization", s.authorization);
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn control(&self, path: &str, body: Value) -> u16 {
        let url = format!("http://{}{path}", self.host);
        self.http.post(url).json(&body).send().await.unwrap().status().as_u16()
    }

    /// One signed UCloudStack call (form-encoded POST to /api).
    async fn ucs(&self, params: &[(&str, &str)]) -> Value {
        let mut m: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        m.insert("Region".into(), "cn".into());
        m.insert("PublicKey".into(), UCS_PUBLIC_KEY.into());
        let sig = cloudtwin_emulator::ucloudstack::sign::sign(&m, UCS_PRIVATE_KEY);
        m.insert("Signature".into(), sig);
        let url = format!("http://{}/api", self.host);
        let text = self.http.post(url).form(&m).send().await.unwrap().text().await.unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// Make `n` backups: disk vaults of up to 250 fresh volumes, checkpoints in a loop.
async fn make_backups(c: &Client, n: u64) {
    let per_vault = n.min(250);
    let vaults = n.div_ceil(per_vault).min(4);
    let rounds = n.div_ceil(per_vault * vaults);
    let mut ids = Vec::new();
    for v in 0..vaults {
        let mut resources = Vec::new();
        for i in 0..per_vault {
            let id = format!("d0b00000-0000-4000-8000-{:012}", v * 1000 + i);
            let vol = json!({"project_id": DEFAULT_PROJECT, "volume": {"id": id, "name": format!("bulk-{v}-{i}"), "size": 10}});
            assert_eq!(c.control("/_cloudtwin/huawei/volumes", vol).await, 200);
            resources.push(json!({"id": id, "type": "OS::Cinder::Volume"}));
        }
        let body = json!({"vault": {"name": format!("bulk-{v}"), "resources": resources, "auto_expand": true,
            "billing": {"consistent_level": "crash_consistent", "object_type": "disk", "protect_type": "backup", "size": 100}}});
        let (status, out) = c.hw("POST", "/v3/{p}/vaults", Some(&body)).await;
        assert_eq!(status, 200, "{out}");
        ids.push(out["vault"]["id"].as_str().unwrap().to_string());
    }
    for _ in 0..rounds {
        for v in &ids {
            let (status, out) =
                c.hw("POST", "/v3/{p}/checkpoints", Some(&json!({"checkpoint": {"vault_id": v}}))).await;
            assert!(status < 300, "{out}");
        }
    }
}

async fn make_snapshots(c: &Client, n: u64) {
    for i in 0..n {
        let disk = if i % 2 == 0 { "disk-ucsdata2" } else { "disk-ucsboot1" };
        let name = format!("s-{i}");
        let v = c.ucs(&[("Action", "CreateSnapshot"), ("DiskID", disk), ("Name", &name)]).await;
        assert_eq!(v["RetCode"], 0, "{v}");
    }
}

/// Run one request for `secs` over `conns` connections: (requests/s, p50 ms, p99 ms).
async fn measure<F, Fut>(secs: u64, conns: u64, call: F) -> (f64, f64, f64)
where
    F: Fn(Client) -> Fut + Send + Sync + 'static + Clone,
    Fut: std::future::Future<Output = bool> + Send,
    Client: Send,
{
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    let begin = Instant::now();
    for _ in 0..conns {
        let (stop, call) = (stop.clone(), call.clone());
        let client = CLIENT.with(|c| c.borrow().clone().unwrap());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let s = Instant::now();
                assert!(call(client.clone()).await, "the request failed");
                lat.push(s.elapsed());
            }
            lat
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = begin.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    (lat.len() as f64 / elapsed, pct(0.5), pct(0.99))
}

thread_local! {
    static CLIENT: std::cell::RefCell<Option<Client>> = const { std::cell::RefCell::new(None) };
}

fn main() {
    let backups = env("BENCH_BACKUPS", 100_000);
    let snapshots = env("BENCH_SNAPSHOTS", 100_000);
    let secs = env("BENCH_SECONDS", 2);
    let conns = env("BENCH_CONNECTIONS", 4);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        // Every read renders (each query is asked again and again, which a kept page answers).
        let cfg = Config { timing: TimingPolicy::Immediate, kept_pages: false, ..Config::default() };
        let running = cloudtwin_emulator::start(cfg, Inventory::builtin(), Clock::real(), AuthMode::Enforce, "127.0.0.1:0")
            .await
            .unwrap();
        let c = Client { http: reqwest::Client::new(), host: running.addr.to_string() };
        CLIENT.with(|x| *x.borrow_mut() = Some(c.clone()));
        let rss0 = rss_kib();
        let t0 = Instant::now();
        make_backups(&c, backups).await;
        let rss1 = rss_kib();
        println!(
            "huawei: {backups} backups made in {:.1} s; resident memory {} -> {} KiB ({:.0} bytes per backup, tasks and checkpoints included)",
            t0.elapsed().as_secs_f64(),
            rss0,
            rss1,
            (rss1.saturating_sub(rss0) * 1024) as f64 / backups as f64
        );
        let (_, all) = c.hw("GET", "/v3/{p}/backups?limit=1", None).await;
        let count = all["count"].as_u64().unwrap_or(0);
        let last = count.saturating_sub(10);
        let probe = c.hw("GET", "/v3/{p}/backups?limit=1&offset=77", None).await.1;
        let (vault, resource, marker) = (
            probe["backups"][0]["vault_id"].as_str().unwrap_or("").to_string(),
            probe["backups"][0]["resource_id"].as_str().unwrap_or("").to_string(),
            probe["backups"][0]["id"].as_str().unwrap_or("").to_string(),
        );
        let queries: Vec<(&str, String)> = vec![
            ("default page", "/v3/{p}/backups?limit=20".into()),
            ("sort=name:asc", "/v3/{p}/backups?limit=20&sort=name:asc".into()),
            ("sort=updated_at:asc", "/v3/{p}/backups?limit=20&sort=updated_at:asc".into()),
            ("sort=id:desc", "/v3/{p}/backups?limit=20&sort=id:desc".into()),
            ("vault_id", format!("/v3/{{p}}/backups?limit=20&vault_id={vault}")),
            ("resource_id", format!("/v3/{{p}}/backups?limit=20&resource_id={resource}")),
            ("status=available", "/v3/{p}/backups?limit=20&status=available".into()),
            ("resource_type", "/v3/{p}/backups?limit=20&resource_type=OS::Cinder::Volume".into()),
            ("image_type", "/v3/{p}/backups?limit=20&image_type=backup".into()),
            ("large offset", format!("/v3/{{p}}/backups?limit=20&offset={last}")),
            ("marker", format!("/v3/{{p}}/backups?limit=20&marker={marker}")),
            ("vault_id+status (scan)", format!("/v3/{{p}}/backups?limit=20&vault_id={vault}&status=available")),
            ("ListVault", "/v3/{p}/vaults?limit=20".into()),
        ];
        for (label, q) in queries {
            let q = Arc::new(q);
            let (rps, p50, p99) = measure(secs, conns, move |c: Client| {
                let q = q.clone();
                async move { c.hw("GET", &q, None).await.0 == 200 }
            })
            .await;
            println!("huawei {label:<24} {rps:>7.0} req/s  p50 {p50:.2} ms  p99 {p99:.2} ms  ({count} backups)");
        }

        let rss2 = rss_kib();
        let t1 = Instant::now();
        make_snapshots(&c, snapshots).await;
        let rss3 = rss_kib();
        println!(
            "ucloudstack: {snapshots} snapshots made in {:.1} s; resident memory {} -> {} KiB ({:.0} bytes per snapshot)",
            t1.elapsed().as_secs_f64(),
            rss2,
            rss3,
            (rss3.saturating_sub(rss2) * 1024) as f64 / snapshots.max(1) as f64
        );
        let off = snapshots.saturating_sub(10).to_string();
        let ucs_queries: Vec<(&str, Vec<(&'static str, String)>)> = vec![
            ("newest first", vec![]),
            ("DiskID", vec![("DiskID", "disk-ucsdata2".into())]),
            ("ProjectIDs", vec![("ProjectIDs.0", "prj-default1".into())]),
            ("large offset", vec![("Offset", off)]),
            ("Keyword (scan)", vec![("Keyword", "s-4242".into())]),
        ];
        for (label, extra) in ucs_queries {
            let extra = Arc::new(extra);
            let (rps, p50, p99) = measure(secs, conns, move |c: Client| {
                let extra = extra.clone();
                async move {
                    let mut p: Vec<(&str, &str)> = vec![("Action", "DescribeSnapshot"), ("Limit", "20")];
                    p.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
                    c.ucs(&p).await["RetCode"] == 0
                }
            })
            .await;
            println!("ucloudstack {label:<20} {rps:>7.0} req/s  p50 {p50:.2} ms  p99 {p99:.2} ms  ({snapshots} snapshots)");
        }
    });
}
