//! The control plane and the `operations` command.

use crate::common;

use std::process::Command;

use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::json;

#[test]
fn health_clock_timing_reset() {
    let t = common::twin(TimingPolicy::default());
    let h = t.control("GET", "/_cloudtwin/health", None);
    assert_eq!((h.status, h.json()["status"].as_str()), (200, Some("ready")));

    let c = t.control("GET", "/_cloudtwin/clock", None).json();
    assert_eq!((c["now"].as_i64(), c["mode"].as_str()), (Some(common::T0), Some("manual")));
    let c = t.control("POST", "/_cloudtwin/clock", Some(json!({"advance": 90}))).json();
    assert_eq!(c["now"].as_i64(), Some(common::T0 + 90));
    let c = t.control("POST", "/_cloudtwin/clock", Some(json!({"set": 1_000}))).json();
    assert_eq!(c["now"].as_i64(), Some(1_000));
    let c = t.control("POST", "/_cloudtwin/clock", Some(json!({"mode": "real"}))).json();
    assert_eq!(c["mode"], "real");
    assert!(c["now"].as_i64().unwrap() > 1_700_000_000);
    for bad in [json!({"advance": -1}), json!({"set": "soon"}), json!({"set": 1, "advance": 1}), json!({})] {
        assert_eq!(t.control("POST", "/_cloudtwin/clock", Some(bad.clone())).status, 400, "{bad}");
    }

    let p = t.control("POST", "/_cloudtwin/timing", Some(json!({"policy": "reads", "reads": 2}))).json();
    assert_eq!(p, json!({"policy": "reads", "reads": 2}));
    assert_eq!(t.control("GET", "/_cloudtwin/timing", None).json(), p);
    assert_eq!(t.control("POST", "/_cloudtwin/timing", Some(json!({"policy": "sometimes"}))).status, 400);
    assert_eq!(t.control("POST", "/_cloudtwin/timing", Some(json!({"policy": "duration", "seconds": -3}))).status, 400);

    t.control("POST", "/_cloudtwin/clock", Some(json!({"set": common::T0})));
    let seeded = t.state();
    t.new_disk("ap-guangzhou-3", 10);
    assert_ne!(seeded, t.state());
    t.control("POST", "/_cloudtwin/clock", Some(json!({"set": common::T0})));
    assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    assert!(seeded["tencent"] == t.state()["tencent"], "reset returns to the seed inventory");

    assert_eq!(t.control("GET", "/_cloudtwin/nothing", None).status, 404);
    assert_eq!(t.control("DELETE", "/_cloudtwin/reset", None).status, 405);
    let r = t.control("POST", "/_cloudtwin/clock", None);
    assert_eq!(r.status, 400);
    let r = common::raw(t.addr, "POST", "/_cloudtwin/timing", &[("Content-Type", "application/json")], b"{nope");
    assert_eq!(r.status, 400);
    // A body without a Content-Type is what a web page's Blob sends cross-site: refused (twin/edge.rs).
    let r = common::raw(t.addr, "POST", "/_cloudtwin/timing", &[], b"{nope");
    assert_eq!(r.status, 415);
}

#[test]
fn state_dump_never_contains_a_secret() {
    let t = common::twin(TimingPolicy::Immediate);
    let body = String::from_utf8(t.control("GET", "/_cloudtwin/state", None).body).unwrap();
    assert!(body.contains("disk-cloudtw1"));
    assert!(!body.contains(cloudtwin_emulator::config::DEFAULT_SECRET_KEY));
}

/// First column of a catalog file (skipping the header), sorted.
fn catalog(surface: &str) -> Vec<String> {
    let path = format!("{}/fixtures/catalog/{surface}.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut names: Vec<String> = text.lines().skip(1).map(|l| l.split('\t').next().unwrap().to_string()).collect();
    names.sort();
    names
}

#[test]
fn operations_listing_matches_the_operation_table() {
    let t = common::twin(TimingPolicy::Immediate);
    let r = t.control("GET", "/_cloudtwin/operations", None);
    let text = String::from_utf8(r.body).unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_cloudtwin")).arg("operations").output().unwrap();
    assert!(cli.status.success());
    assert_eq!(String::from_utf8(cli.stdout).unwrap(), text);
    let lines: Vec<(&str, &str)> = text.lines().map(|l| l.split_once('\t').unwrap()).collect();
    let mut surfaces: Vec<&str> = lines.iter().map(|(s, _)| *s).collect();
    surfaces.dedup();
    for implemented in ["tencent-cbs", "huawei-cbr", "gateway", "ucloudstack"] {
        assert!(surfaces.contains(&implemented), "{implemented} is listed");
    }
    // Each fully built surface lists its whole catalog, exactly.
    for surface in surfaces.iter().filter(|s| **s != "huawei-cbr") {
        let mut listed: Vec<String> = lines.iter().filter(|(s, _)| s == surface).map(|(_, n)| n.to_string()).collect();
        listed.sort();
        assert_eq!(listed, catalog(surface), "{surface}");
    }
    // Huawei: the 41 operations of the core groups, each a row of the catalog, plus the groups
    // built since: tags (6), billing orders (3), agents (7), projects (5), sharing (5) and
    // organization policies (6).
    let huawei: Vec<&str> = lines.iter().filter(|(s, _)| *s == "huawei-cbr").map(|(_, n)| *n).collect();
    assert_eq!(huawei.len(), 41 + 9 + 12 + 11, "{text}");
    let documented = catalog("huawei-cbr");
    for name in &huawei {
        assert!(documented.iter().any(|d| d == name), "{name} is not in the Huawei catalog");
    }
    // Every listed operation answers (it is not its surface's unknown-operation error).
    for (_, name) in lines.iter().filter(|(s, _)| *s == "tencent-cbs") {
        assert_ne!(t.call(name, json!({})).tc_code().as_deref(), Some("InvalidAction"), "{name}");
    }
    let gateway =
        std::fs::read_to_string(format!("{}/fixtures/catalog/gateway.tsv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for row in gateway.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let v = t.gw(cols[2], json!({})).json();
        assert_ne!(v["desc"], "InvalidAction", "{} {}", cols[0], cols[2]);
    }
    for (_, name) in lines.iter().filter(|(s, _)| *s == "ucloudstack") {
        let v = t.ucs(name, &[]);
        assert_ne!(v["RetCode"], 161, "{name}");
    }
}

#[test]
fn serve_starts_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudtwin"))
        .args(["serve", "--listen", "127.0.0.1:0", "--clock", "1795384433", "--timing", "immediate"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let url = common::ready_url(&mut out);
    let addr = url.trim_start_matches("http://");
    let r = common::raw(addr.parse().unwrap(), "GET", "/_cloudtwin/clock", &[], b"");
    child.kill().ok();
    child.wait().ok();
    assert_eq!(r.json()["now"], 1795384433, "{url}");
}
