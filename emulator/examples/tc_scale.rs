//! How DescribeDisks, CreateDisks and the gateway's lists cost with many disks in one region
//! (issue 14): an in-process twin, signed requests straight into the Tencent family (no
//! sockets), one thread. Run with `cargo run --release -p cloudtwin-emulator --example tc_scale`;
//! environment: SCALE_DISKS (default 100000), SCALE_ROUNDS (requests per query, default 2000).

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::core::http::HttpIn;
use cloudtwin_emulator::tencent::sign;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config, Inventory, Twin};

const T0: i64 = 1_795_384_433;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

/// CPU time of this process so far (user + system), in ms: the machine may be shared.
fn cpu_ms() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) * 10.0
}

fn call(twin: &Twin, action: &str, body: &str) -> serde_json::Value {
    let host = "cbs.tencentcloudapi.com";
    let signed = sign::sign_tc3(&sign::Tc3Request::default_post(host, action, T0, body.as_bytes()));
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static(host));
    for (k, v) in &signed.headers {
        headers.insert(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    let req = HttpIn { method: &Method::POST, path: "/", query: "", headers: &headers, body: body.as_bytes() };
    // An in-memory twin has nothing to make durable: the answer is ready at the first poll.
    let answer = cloudtwin_emulator::tencent::handle(twin, AuthMode::Enforce, &req);
    let waker = std::task::Waker::noop();
    let std::task::Poll::Ready(answer) =
        std::future::Future::poll(std::pin::pin!(answer), &mut std::task::Context::from_waker(waker))
    else {
        panic!("an in-memory twin waited before it answered");
    };
    let v: serde_json::Value = serde_json::from_slice(&answer.body).expect("JSON");
    assert!(v["Response"]["Error"].is_null(), "{action} {body}: {v}");
    v
}

fn create(twin: &Twin, n: u64, zone: &str, charge: &str) {
    let prepaid = if charge == "PREPAID" { r#","DiskChargePrepaid":{"Period":1}"# } else { "" };
    let body = format!(
        r#"{{"Placement":{{"Zone":"{zone}"}},"DiskChargeType":"{charge}"{prepaid},"DiskType":"CLOUD_PREMIUM","DiskSize":20,"DiskCount":{n}}}"#
    );
    call(twin, "CreateDisks", &body);
}

/// Make `total` disks in calls of 50: every fifth call prepaid (deadlines), zones alternating.
fn fill(twin: &Twin, total: u64) -> Duration {
    let begin = Instant::now();
    let mut lap = Instant::now();
    let mut made = 0;
    let mut calls = 0u64;
    while made < total {
        let n = (total - made).min(50);
        let zone = if calls.is_multiple_of(2) { "ap-guangzhou-3" } else { "ap-guangzhou-4" };
        let charge = if calls.is_multiple_of(5) { "PREPAID" } else { "POSTPAID_BY_HOUR" };
        create(twin, n, zone, charge);
        made += n;
        calls += 1;
        if made % 20_000 == 0 {
            println!("  {made:>7} disks: the last 20,000 in {:.0} ms", lap.elapsed().as_secs_f64() * 1e3);
            lap = Instant::now();
        }
    }
    begin.elapsed()
}

/// Latency percentiles and throughput of one request body, `rounds` times.
fn measure(twin: &Twin, label: &str, body: &str, rounds: u64) -> f64 {
    let mut lat = Vec::with_capacity(rounds as usize);
    let begin = Instant::now();
    for _ in 0..rounds {
        let s = Instant::now();
        std::hint::black_box(call(twin, "DescribeDisks", body));
        lat.push(s.elapsed());
    }
    let rate = rounds as f64 / begin.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
    println!("  {label:<34} {rate:>7.0}/s  p50 {:.3} ms  p99 {:.3} ms", pct(0.5), pct(0.99));
    rate
}

fn queries(twin: &Twin) -> Vec<(&'static str, String)> {
    let first = call(twin, "DescribeDisks", r#"{"Limit":100,"Order":"ASC"}"#);
    let ids: Vec<String> = first["Response"]["DiskSet"].as_array().unwrap()[..20]
        .iter()
        .map(|d| d["DiskId"].as_str().unwrap().to_string())
        .collect();
    let f = |name: &str, value: &str| format!(r#"{{"Filters":[{{"Name":"{name}","Values":["{value}"]}}],"Limit":20}}"#);
    vec![
        ("plain page (Limit 20)", r#"{"Limit":20}"#.to_string()),
        ("CREATE_TIME ASC", r#"{"Limit":20,"OrderField":"CREATE_TIME","Order":"ASC"}"#.to_string()),
        ("DEADLINE DESC", r#"{"Limit":20,"OrderField":"DEADLINE","Order":"DESC"}"#.to_string()),
        ("DEADLINE ASC", r#"{"Limit":20,"OrderField":"DEADLINE","Order":"ASC"}"#.to_string()),
        ("zone", f("zone", "ap-guangzhou-4")),
        ("disk-state", f("disk-state", "UNATTACHED")),
        ("instance-id", f("instance-id", "ins-cloudtw1")),
        ("DiskIds (20)", format!(r#"{{"DiskIds":{}}}"#, serde_json::to_string(&ids).unwrap())),
        ("Offset 99980 (last page)", r#"{"Limit":20,"Offset":99980}"#.to_string()),
        ("scan: disk-type (linear)", f("disk-type", "CLOUD_PREMIUM")),
        ("scan: zone + disk-charge-type", r#"{"Filters":[{"Name":"zone","Values":["ap-guangzhou-3"]},{"Name":"disk-charge-type","Values":["PREPAID"]}],"Limit":20}"#.to_string()),
    ]
}

fn main() {
    let total = env("SCALE_DISKS", 100_000);
    let rounds = env("SCALE_ROUNDS", 2000);
    let mut cfg = Config { timing: TimingPolicy::Immediate, id_seed: Some(7), ..Config::default() };
    cfg.tencent.limits.disks_per_region = (total as usize).max(100) + 1000;

    let small = Twin::new(cfg.clone(), Inventory::builtin(), Clock::manual(T0)).unwrap();
    fill(&small, 100);
    println!("100 disks:");
    let base: Vec<f64> = if rounds == 0 {
        Vec::new()
    } else {
        queries(&small).iter().map(|(l, b)| measure(&small, l, b, rounds)).collect()
    };

    let before = rss();
    let twin = Twin::new(cfg, Inventory::builtin(), Clock::manual(T0)).unwrap();
    println!("creating {total} disks (50 per call):");
    let cpu = cpu_ms();
    let took = fill(&twin, total);
    println!("  CPU time: {:.0} ms", cpu_ms() - cpu);
    let after = rss();
    println!(
        "  all: {:.0} ms; resident {:.0} bytes per disk",
        took.as_secs_f64() * 1e3,
        (after - before) as f64 / total as f64
    );
    if rounds == 0 {
        return;
    }
    println!("{total} disks:");
    for ((label, body), b) in queries(&twin).iter().zip(base) {
        let r = measure(&twin, label, body, rounds);
        println!("  {:<34} {:.0}% of the 100-disk rate", "", 100.0 * r / b);
    }
}
