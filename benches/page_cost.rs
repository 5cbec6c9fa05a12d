//! What one list page costs the twin itself, with ~100 resources and with BENCH_N (default
//! 100,000), side by side in one run: no sockets, no HTTP parsing, no load generator, only
//! `edge::serve` called in a loop on two twins in turn. The wrk bench (scale.py) measures what a
//! client sees; at 100,000 its rounds vary by ±10% (the kernel's network stack is half the CPU),
//! too much to tell a 10% change in the handler. This one tells it: each row is timed in
//! BENCH_ROUNDS (default 5) alternated rounds of BENCH_CALLS calls (default 4,000) per twin, and
//! the median of the rounds is printed.
//!
//! Called in a tight loop, a page finds its data in the caches every time, which a server does
//! not: between two reads of one connection the kernel's socket work and the other connections
//! go through the caches. BENCH_POLLUTE_KIB=4096 writes 4 MiB between calls (outside the timed
//! part) to stand for that; the rows then grow as they do under wrk (docs/performance.md).
//!
//! Both twins get the same ~100 of each resource; the large one then grows to BENCH_N disks,
//! Tencent snapshots, UCloudStack snapshots and Huawei backups, made the way scale.py makes
//! them. Requests are signed once, as the SDKs sign them, and replayed (auth is `off`, which
//! still checks the signature first, so its cost is in every row).
//!
//! Run: `cargo bench --bench page_cost` (under a minute after the build on 2 cores, about two with
//! BENCH_POLLUTE_KIB=4096; BENCH_N=10000 for a quick look).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{to_bytes, Body, Bytes};
use axum::http::Request;
use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::huawei::DEFAULT_PROJECT;
use cloudtwin_emulator::config::{UCS_PRIVATE_KEY, UCS_PUBLIC_KEY};
use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_SK};
use cloudtwin_emulator::huawei::sign::{self as hw_sign, Algorithm, Outgoing};
use cloudtwin_emulator::tencent::sign::{sign_tc3, Tc3Request};
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{App, AuthMode, Config, Inventory, Twin};
use serde_json::{json, Value};

const HOST: &str = "127.0.0.1:4566";

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A request kept as its parts, rebuilt for every call (an axum request is used up by its call).
#[derive(Clone)]
struct Call {
    method: &'static str,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Call {
    fn request(&self) -> Request<Body> {
        let mut b = Request::builder().method(self.method).uri(&self.uri);
        for (k, v) in &self.headers {
            b = b.header(k, v);
        }
        // The server loop passes on the client's Content-Length; the edge reads a body by it.
        b = b.header("Content-Length", self.body.len());
        b.body(Body::from(self.body.clone())).expect("a valid request")
    }
}

fn tencent(action: &str, params: Value) -> Call {
    let body = serde_json::to_vec(&params).unwrap();
    let ts = chrono::Utc::now().timestamp();
    let signed = sign_tc3(&Tc3Request::default_post(HOST, action, ts, &body));
    Call { method: "POST", uri: "/".into(), headers: signed.headers, body }
}

fn huawei(method: &'static str, path_q: &str, body: Option<&Value>) -> Call {
    let path_q = path_q.replace("{p}", DEFAULT_PROJECT);
    let (path, query) = path_q.split_once('?').unwrap_or((&path_q, ""));
    let payload = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
    let mut headers = vec![
        ("Host".to_string(), HOST.to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
        ("X-Project-Id".to_string(), DEFAULT_PROJECT.to_string()),
    ];
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let date = hw_sign::format_sdk_date(chrono::Utc::now().timestamp());
    let out = Outgoing { method, raw_path: path, raw_query: query, headers: &pairs, body: &payload, sdk_date: &date };
    let s = hw_sign::sign(Algorithm::HmacSha256, DEFAULT_AK, DEFAULT_SK, &out);
    headers.extend(s.headers.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    headers.push(("Authorization".into(), s.authorization));
    Call { method, uri: path_q.clone(), headers, body: payload }
}

fn ucloudstack(params: &[(&str, &str)]) -> Call {
    let mut m: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    m.insert("Region".into(), "cn".into());
    m.insert("PublicKey".into(), UCS_PUBLIC_KEY.into());
    let sig = cloudtwin_emulator::ucloudstack::sign::sign(&m, UCS_PRIVATE_KEY);
    m.insert("Signature".into(), sig);
    let body = m.iter().map(|(k, v)| format!("{}={}", form(k), form(v))).collect::<Vec<_>>().join("&");
    let headers = vec![
        ("Host".to_string(), HOST.to_string()),
        ("Content-Type".to_string(), "application/x-www-form-urlencoded".to_string()),
    ];
    Call { method: "POST", uri: "/api".into(), headers, body: body.into_bytes() }
}

fn form(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A gateway call as scale.py sends it: the region and the seeds' example tenant in the body.
fn gateway(path: &str, mut body: Value) -> Call {
    body["Region"] = json!("ap-guangzhou");
    body["TenantUuid"] = json!("system");
    body["ClusterUuid"] = json!("72db4b34-1473-418f-ade4-de00b956f16b");
    let headers =
        vec![("Host".to_string(), HOST.to_string()), ("Content-Type".to_string(), "application/json".to_string())];
    Call { method: "POST", uri: format!("/v1/tencent/{path}"), headers, body: serde_json::to_vec(&body).unwrap() }
}

fn control(path: &str, body: Value) -> Call {
    let headers =
        vec![("Host".to_string(), HOST.to_string()), ("Content-Type".to_string(), "application/json".to_string())];
    Call { method: "POST", uri: path.into(), headers, body: serde_json::to_vec(&body).unwrap() }
}

async fn send(app: &Arc<App>, call: &Call) -> (u16, Bytes) {
    let r = cloudtwin_emulator::edge::serve(app.clone(), call.request()).await;
    let status = r.status().as_u16();
    (status, to_bytes(r.into_body(), usize::MAX).await.unwrap_or_default())
}

async fn json_of(app: &Arc<App>, call: &Call) -> Value {
    let (status, body) = send(app, call).await;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert!(status < 300, "{} {}: {status} {v}", call.method, call.uri);
    assert!(v["Response"]["Error"].is_null(), "{}: {v}", call.uri);
    assert!(v.get("RetCode").is_none_or(|c| c == 0), "{v}");
    v
}

fn twin() -> Arc<App> {
    let mut cfg = Config { timing: TimingPolicy::Immediate, ..Config::default() };
    // Pages are rendered on every read, every family's: this bench is about rendering them.
    cfg.kept_pages = false;
    // Quotas out of the way, as scale.py sets them.
    cfg.tencent.limits.disks_per_region = 10_000_000;
    cfg.tencent.limits.snapshots_per_disk = 10_000_000;
    Arc::new(App::new(Twin::new(cfg, Inventory::builtin(), Clock::real()).unwrap(), AuthMode::Off))
}

const HW_VAULTS: usize = 4;
const HW_PER_VAULT: usize = 25;

/// Four disk vaults of 25 fresh volumes each: (the vault IDs).
async fn huawei_vaults(app: &Arc<App>) -> Vec<String> {
    let mut ids = Vec::new();
    for v in 0..HW_VAULTS {
        let mut resources = Vec::new();
        for i in 0..HW_PER_VAULT {
            let id = format!("d0b00000-0000-4000-8000-{:012}", v * 1000 + i);
            let vol = json!({"project_id": DEFAULT_PROJECT, "volume": {"id": id, "name": format!("bulk-{v}-{i}"), "size": 10}});
            json_of(app, &control("/_cloudtwin/huawei/volumes", vol)).await;
            resources.push(json!({"id": id, "type": "OS::Cinder::Volume"}));
        }
        let body = json!({"vault": {"name": format!("bulk-{v}"), "resources": resources, "auto_expand": true,
            "billing": {"consistent_level": "crash_consistent", "object_type": "disk", "protect_type": "backup", "size": 100}}});
        let out = json_of(app, &huawei("POST", "/v3/{p}/vaults", Some(&body))).await;
        ids.push(out["vault"]["id"].as_str().unwrap().to_string());
    }
    ids
}

/// `rounds` checkpoints of every vault: one backup per bound volume each.
async fn huawei_backups(app: &Arc<App>, vaults: &[String], rounds: usize) {
    for i in 0..rounds {
        for v in vaults {
            let body = json!({"checkpoint": {"vault_id": v, "parameters": {"name": format!("bench-{i}"), "incremental": i > 0}}});
            json_of(app, &huawei("POST", "/v3/{p}/checkpoints", Some(&body))).await;
        }
    }
}

async fn disks(app: &Arc<App>, count: usize) {
    for i in 0..count.div_ceil(50) {
        let n = (count - i * 50).min(50);
        let params = json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR",
            "DiskType": "CLOUD_PREMIUM", "DiskSize": 20, "DiskCount": n, "DiskName": format!("bulk-{i}")});
        json_of(app, &tencent("CreateDisks", params)).await;
    }
}

/// Four of the seeded disks in one zone, to snapshot.
async fn four_disks(app: &Arc<App>) -> Vec<String> {
    let params = json!({"Limit": 4, "Order": "ASC", "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]});
    let v = json_of(app, &tencent("DescribeDisks", params)).await;
    v["Response"]["DiskSet"].as_array().unwrap().iter().map(|d| d["DiskId"].as_str().unwrap().to_string()).collect()
}

/// A hundred disk IDs, as list_cost.py picks them: from the middle of a large region.
async fn hundred_disks(app: &Arc<App>) -> Vec<String> {
    let total =
        json_of(app, &tencent("DescribeDisks", json!({"Limit": 1}))).await["Response"]["TotalCount"].as_u64().unwrap();
    let params = json!({"Limit": 100, "Offset": if total > 1000 { total / 2 } else { 0 }});
    let v = json_of(app, &tencent("DescribeDisks", params)).await;
    v["Response"]["DiskSet"].as_array().unwrap().iter().map(|d| d["DiskId"].as_str().unwrap().to_string()).collect()
}

async fn tencent_snapshots(app: &Arc<App>, disks: &[String], count: usize) {
    for i in 0..count {
        let params = json!({"DiskId": disks[i % disks.len()], "SnapshotName": format!("bench-{i}")});
        json_of(app, &tencent("CreateSnapshot", params)).await;
    }
}

async fn ucs_snapshots(app: &Arc<App>, count: usize) {
    let disks = ["disk-ucsdata2", "disk-ucsdata1", "disk-ucsboot1", "disk-ucsboot2"];
    for i in 0..count {
        let name = format!("bench-{i}");
        json_of(app, &ucloudstack(&[("Action", "CreateSnapshot"), ("DiskID", disks[i % 4]), ("Name", &name)])).await;
    }
}

/// ~100 of every resource: what both twins start from.
async fn seed(app: &Arc<App>) -> (Vec<String>, Vec<String>) {
    disks(app, 100).await;
    let four = four_disks(app).await;
    tencent_snapshots(app, &four, 100).await;
    ucs_snapshots(app, 100).await;
    let vaults = huawei_vaults(app).await;
    huawei_backups(app, &vaults, 1).await;
    (four, vaults)
}

/// Nanoseconds a call of `call` takes, averaged over `n` calls.
async fn time(app: &Arc<App>, call: &Call, n: u64, pollute: &mut [u8]) -> f64 {
    let mut spent = std::time::Duration::ZERO;
    for _ in 0..n {
        evict(pollute);
        let start = Instant::now();
        let (status, body) = send(app, call).await;
        spent += start.elapsed();
        assert!(status == 200 && !body.is_empty(), "{}: {status}", call.uri);
    }
    spent.as_nanos() as f64 / n as f64
}

/// Write a line of every 64 bytes of `buf`: what a server's socket work between two requests does
/// to the caches (BENCH_POLLUTE_KIB, default 0).
fn evict(buf: &mut [u8]) {
    for i in (0..buf.len()).step_by(64) {
        buf[i] = buf[i].wrapping_add(1);
    }
    std::hint::black_box(&buf);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let n = env("BENCH_N", 100_000) as usize;
    let rounds = env("BENCH_ROUNDS", 5);
    let calls = env("BENCH_CALLS", 4_000);
    let mut pollute = vec![0u8; env("BENCH_POLLUTE_KIB", 0) as usize * 1024];
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async move {
        let (small, large) = (twin(), twin());
        let (four, vaults) = seed(&small).await;
        let (four_l, vaults_l) = seed(&large).await;
        let grow = Instant::now();
        disks(&large, n - 100).await;
        tencent_snapshots(&large, &four_l, n - 100).await;
        ucs_snapshots(&large, n - 100).await;
        huawei_backups(&large, &vaults_l, (n - 100) / (HW_VAULTS * HW_PER_VAULT)).await;
        println!("grew the large twin to {n} of each in {:.1} s", grow.elapsed().as_secs_f64());

        let (ids, ids_l) = (hundred_disks(&small).await, hundred_disks(&large).await);
        let rows = |four: &[String], vaults: &[String], ids: &[String]| -> Vec<(&'static str, Call)> {
            let d = &four[0];
            vec![
                ("DescribeDisks Limit 20", tencent("DescribeDisks", json!({"Limit": 20}))),
                ("DescribeDisks DiskIds (100)", tencent("DescribeDisks", json!({"Limit": 20, "DiskIds": ids}))),
                (
                    "DescribeDisks zone + disk-state",
                    tencent(
                        "DescribeDisks",
                        json!({"Limit": 20, "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]},
                                                        {"Name": "disk-state", "Values": ["UNATTACHED"]}]}),
                    ),
                ),
                ("DescribeSnapshots Limit 20", tencent("DescribeSnapshots", json!({"Limit": 20}))),
                (
                    "DescribeSnapshots disk-id",
                    tencent("DescribeSnapshots", json!({"Limit": 20, "Filters": [{"Name": "disk-id", "Values": [d]}]})),
                ),
                ("gateway disk/list", gateway("disk/list", json!({"PageNum": 0, "PageSize": 20}))),
                ("gateway snapshot/list", gateway("snapshot/list", json!({"PageNum": 0, "PageSize": 20}))),
                (
                    "UCloudStack DescribeSnapshot Limit 20",
                    ucloudstack(&[("Action", "DescribeSnapshot"), ("Limit", "20")]),
                ),
                ("Huawei ListBackups limit 20", huawei("GET", "/v3/{p}/backups?limit=20", None)),
                (
                    "Huawei ListBackups status, by name",
                    huawei("GET", "/v3/{p}/backups?limit=20&status=available&sort=name:asc", None),
                ),
                (
                    "Huawei ListBackups vault_id",
                    huawei("GET", &format!("/v3/{{p}}/backups?limit=20&vault_id={}", vaults[0]), None),
                ),
                ("Huawei ListVault limit 20", huawei("GET", "/v3/{p}/vaults?limit=20", None)),
            ]
        };
        let (rows_s, rows_l) = (rows(&four, &vaults, &ids), rows(&four_l, &vaults_l, &ids_l));
        if std::env::var_os("BENCH_LIST").is_some() {
            rows_s.iter().for_each(|(label, _)| println!("{label}"));
            return;
        }
        println!("\n| row | µs a call, ~100 | µs a call, {n} | ~100 / {n} |\n|---|---|---|---|");
        let only = std::env::var("BENCH_ONLY").unwrap_or_default();
        // BENCH_SIDE=small or large calls one twin only (to profile it alone; benches/instructions.py
        // counts its instructions, so the other is not even warmed).
        let side = std::env::var("BENCH_SIDE").unwrap_or_default();
        for ((label, s), (_, l)) in rows_s.iter().zip(&rows_l).filter(|((label, _), _)| label.contains(&only)) {
            if side != "large" {
                time(&small, s, calls / 4, &mut pollute).await;
            }
            if side != "small" {
                time(&large, l, calls / 4, &mut pollute).await;
            }
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                a.push(if side == "large" { 1.0 } else { time(&small, s, calls, &mut pollute).await });
                b.push(if side == "small" { 1.0 } else { time(&large, l, calls, &mut pollute).await });
            }
            let (a, b) = (median(a), median(b));
            println!("| {label} | {:.1} | {:.1} | {:.0}% |", a / 1e3, b / 1e3, 100.0 * a / b);
        }
    });
}
