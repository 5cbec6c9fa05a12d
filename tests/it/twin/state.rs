//! The world as one document (export, import, `serve --import`, `cloudtwin state`) and named
//! snapshots: a world comes back exactly, with its jobs in flight and the id sequence where it
//! was, and a bad document changes nothing.

use std::process::{Command, Stdio};

use crate::common;

use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

const SERVER: &str = "c0a80001-0000-4000-8000-000000000001";

/// A world with something on every surface and Tencent work still in flight.
fn busy(t: &common::Twin) -> String {
    t.new_disk("ap-guangzhou-3", 50);
    let v = t.hw_ok(
        "POST",
        "/v3/{p}/vaults",
        Some(json!({"vault": {"name": "v", "resources": [{"id": SERVER, "type": "OS::Nova::Server"}],
            "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 100}}})),
    );
    let vault = v["vault"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": vault}})));
    t.ucs_ok("CreateSnapshot", &[("Name", "s"), ("DiskID", "disk-ucsdata2")]);
    let r = t.ok(
        "CreateDisks",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_SSD", "DiskSize": 20}),
    );
    r["DiskIdSet"][0].as_str().unwrap().to_string()
}

fn export(t: &common::Twin) -> Value {
    let r = t.control("GET", "/_cloudtwin/state", None);
    assert_eq!(r.status, 200);
    r.json()
}

fn import(t: &common::Twin, doc: &Value) -> common::Reply {
    t.control("POST", "/_cloudtwin/state", Some(doc.clone()))
}

fn create_one(t: &common::Twin) -> String {
    let r = t.ok(
        "CreateDisks",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_SSD", "DiskSize": 20}),
    );
    r["DiskIdSet"][0].as_str().unwrap().to_string()
}

#[test]
fn an_exported_world_imports_whole_and_goes_on_exactly() {
    let a = common::twin(TimingPolicy::default());
    let in_flight = busy(&a);
    let doc = export(&a);
    assert_eq!(doc["format"], "cloudtwin-state");
    assert_eq!(doc["version"], 1);
    assert!(!doc["world"]["jobs"].as_array().unwrap().is_empty(), "work is in flight: {doc}");

    // Another twin, other ids, a clock elsewhere: after the import it is the same twin.
    let cfg = cloudtwin_emulator::Config { id_seed: Some(9), ..Default::default() };
    let b = common::twin_with(cfg, cloudtwin_emulator::clock::Clock::manual(common::T0 + 999), Default::default());
    let r = import(&b, &doc);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(export(&b), doc, "the import is the export");
    assert_eq!(b.now(), a.now(), "a manual clock comes with the world");

    // The same next id on both, and the job in flight finishes on both.
    assert_eq!(create_one(&a), create_one(&b));
    for t in [&a, &b] {
        t.settle();
        assert_eq!(t.disk(&in_flight).unwrap()["DiskState"], "UNATTACHED");
    }
    assert_eq!(export(&a), export(&b));
    // No secret in the document: Huawei tokens are never exported.
    let text = doc.to_string();
    assert!(!text.contains(cloudtwin_emulator::config::DEFAULT_SECRET_KEY));
}

#[test]
fn a_bad_document_is_refused_with_its_path_and_changes_nothing() {
    let t = common::twin(TimingPolicy::Immediate);
    busy(&t);
    let good = export(&t);
    let before = export(&t);
    let disk = good["world"]["tencent"].as_object().unwrap().values().next().unwrap()["ap-guangzhou"]["disks"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let mut cases: Vec<(Value, &str, &str)> = Vec::new();
    let mut v = good.clone();
    v["version"] = json!(99);
    cases.push((v, "version", "version 99"));
    let mut v = good.clone();
    v["format"] = json!("something-else");
    cases.push((v, "format", "expected"));
    let mut v = good.clone();
    v.as_object_mut().unwrap().remove("format");
    cases.push((v, "format", "missing"));
    let account = good["world"]["tencent"].as_object().unwrap().keys().next().unwrap().clone();
    let mut v = good.clone();
    v["world"]["tencent"][&account]["ap-guangzhou"]["disks"][&disk]["disk_size"] = json!("big");
    cases.push((v, "disk_size", "invalid type"));
    let mut v = good.clone();
    v["world"]["tencent"][&account]["ap-guangzhou"]["disks"][&disk]["disk_sise"] = json!(10);
    cases.push((v, "disk_sise", "no such field"));
    let mut v = good.clone();
    v["clock"]["mode"] = json!("sideways");
    cases.push((v, "clock.mode", "unknown variant"));
    for (doc, path, reason) in cases {
        let r = import(&t, &doc);
        assert_eq!(r.status, 400, "{path}");
        let body = r.json();
        assert!(body["path"].as_str().unwrap().contains(path), "{path}: {body}");
        assert!(body["reason"].as_str().unwrap().contains(reason), "{path}: {body}");
    }
    let r = t.control("POST", "/_cloudtwin/state", Some(json!([1, 2])));
    assert_eq!(r.status, 400);
    assert_eq!(export(&t), before, "nothing changed");
}

#[test]
fn a_snapshot_restores_the_world_and_its_clock() {
    let t = common::twin(TimingPolicy::Immediate);
    let saved = t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "before-suite"})));
    assert_eq!(saved.status, 200, "{}", String::from_utf8_lossy(&saved.body));
    let before = export(&t);
    let first = create_one(&t);
    t.advance(3600.0);
    t.ucs_ok("CreateSnapshot", &[("Name", "s"), ("DiskID", "disk-ucsdata2")]);
    assert_ne!(export(&t), before);

    let r = t.control("POST", "/_cloudtwin/snapshots/before-suite/restore", None);
    assert_eq!(r.status, 200);
    assert_eq!(export(&t), before, "world, ids and clock as saved");
    assert!(t.disk(&first).is_none());
    assert_eq!(create_one(&t), first, "the id sequence is where it was");
    // Restoring twice gives the same world twice.
    t.control("POST", "/_cloudtwin/snapshots/before-suite/restore", None);
    assert_eq!(export(&t), before);

    let list = t.control("GET", "/_cloudtwin/snapshots", None).json();
    assert_eq!(list["snapshots"][0]["name"], "before-suite");
    assert_eq!(t.control("DELETE", "/_cloudtwin/snapshots/before-suite", None).status, 200);
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots/before-suite/restore", None).status, 404);
    assert_eq!(t.control("DELETE", "/_cloudtwin/snapshots/before-suite", None).status, 404);
    for bad in [json!({}), json!({"name": ""}), json!({"name": "a/b"}), json!({"name": "x", "extra": 1})] {
        assert_eq!(t.control("POST", "/_cloudtwin/snapshots", Some(bad.clone())).status, 400, "{bad}");
    }
    assert!(t.control("GET", "/_cloudtwin/snapshots", None).json()["snapshots"].as_array().unwrap().is_empty());
}

#[test]
fn a_reset_keeps_the_snapshots_and_returns_to_the_seed() {
    let t = common::twin(TimingPolicy::Immediate);
    let seed = export(&t);
    create_one(&t);
    t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "one-disk"})));
    t.control("POST", "/_cloudtwin/reset", None);
    assert_eq!(export(&t)["world"], seed["world"]);
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots/one-disk/restore", None).status, 200);
    assert_ne!(export(&t)["world"], seed["world"]);
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cloudtwin")).args(args).output().expect("the binary runs")
}

#[test]
fn the_cli_exports_imports_and_serves_from_a_document() {
    let t = common::twin(TimingPolicy::Immediate);
    let id = create_one(&t);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("world.json");
    let url = format!("http://{}", t.addr);
    let out = run(&["state", "export", "--url", &url, "--out", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc, export(&t));

    // Into a fresh twin over HTTP.
    let other = common::twin(TimingPolicy::Immediate);
    assert!(other.disk(&id).is_none());
    let out = run(&["state", "import", "--url", &format!("http://{}", other.addr), file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(other.disk(&id).is_some());

    // `serve --import`: the served twin starts with the disk.
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudtwin"))
        .args(["serve", "--listen", "127.0.0.1:0", "--import", file.to_str().unwrap()])
        .env_remove("CLOUDTWIN_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let base = common::ready_url(&mut stdout);
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let r = common::raw(addr, "GET", "/_cloudtwin/state", &[], b"");
    let _ = child.kill();
    let _ = child.wait();
    let served: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(served["world"], doc["world"]);

    // A broken file stops the start with one line naming the file and the path.
    let bad = dir.path().join("bad.json");
    let mut broken = doc.clone();
    broken["version"] = json!(7);
    std::fs::write(&bad, broken.to_string()).unwrap();
    let out = run(&["serve", "--listen", "127.0.0.1:0", "--import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("bad.json") && err.contains("version"), "{err}");
}
