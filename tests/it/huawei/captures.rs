//! Every request the official Huawei SDK sent to a capture server (fixtures/captures/) is
//! accepted byte for byte with the clock at its signing time — SDK-HMAC-SHA256, SDK-HMAC-SM3
//! and the derived-key V11-HMAC-SHA256 — and refused with 401 APIGW.0301 when one signed byte
//! changes or the clock is outside the allowed skew.

use crate::common;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::replay;
use serde_json::{json, Value};

fn captures() -> Vec<(String, Value)> {
    let out = common::captures("huawei");
    assert_eq!(out.len(), 10, "expected the ten Huawei captures");
    out
}

/// Copies with one signed byte changed: body, query, path, and each signed header.
fn tampered(cap: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let req = &cap["request"];
    let body = req["body"].as_str().unwrap();
    if !body.is_empty() {
        let mut c = cap.clone();
        c["request"]["body"] = json!(body.replacen("\"", "\"x", 2).replacen("\"x", "\"", 1));
        out.push(("body".to_string(), c));
    }
    let query = req["query"].as_str().unwrap();
    if !query.is_empty() {
        let mut c = cap.clone();
        c["request"]["query"] = json!(query.replacen("limit=", "limit=1", 1));
        out.push(("query".to_string(), c));
    }
    let mut c = cap.clone();
    let path = req["url_path"].as_str().unwrap();
    c["request"]["url_path"] = json!(format!("{}/", path.trim_end_matches('/')).replacen("/v3/0", "/v3/1", 1));
    out.push(("path".to_string(), c));
    let auth = req["headers"]["Authorization"].as_str().unwrap();
    let signed = auth.split("SignedHeaders=").nth(1).unwrap().split(',').next().unwrap();
    for name in signed.split(';') {
        let (key, value) =
            req["headers"].as_object().unwrap().iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).unwrap();
        let mut c = cap.clone();
        c["request"]["headers"][key] = json!(format!("{}0", value.as_str().unwrap()));
        out.push((format!("{name} header"), c));
    }
    out
}

#[test]
fn every_capture_is_accepted_and_every_tampered_copy_rejected() {
    let cfg = Config { timing: TimingPolicy::Immediate, ..Config::default() };
    let t = common::twin_with(cfg, Clock::manual(0), AuthMode::Enforce);
    for (name, cap) in captures() {
        let ts = cap["signed_at_unix"].as_i64().unwrap();
        t.control("POST", "/_cloudtwin/clock", Some(json!({"set": ts})));
        let r = replay(&t, &cap);
        assert!(r.header("x-request-id").is_some_and(|id| id.len() == 32), "{name}: X-Request-Id");
        let code =
            if r.body.is_empty() { String::new() } else { r.json()["error_code"].as_str().unwrap_or("").to_string() };
        assert!(
            !code.starts_with("APIGW"),
            "{name} was not accepted: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        // The captures name ids that do not exist here; reads and creates succeed, the rest
        // reach the service and get its not-found answer.
        match cap["action"].as_str().unwrap() {
            "ListVault" | "ListBackups" => assert_eq!(r.status, 200, "{name}"),
            "CreateVault" | "CreatePolicy" => assert_eq!(r.status, 200, "{name}: {}", String::from_utf8_lossy(&r.body)),
            "ShowVault" | "CreateCheckpoint" => {
                assert_eq!((r.status, code.as_str()), (404, "BackupService.6105"), "{name}")
            }
            "DeleteBackup" | "RestoreBackup" => {
                assert_eq!((r.status, code.as_str()), (404, "BackupService.6200"), "{name}")
            }
            other => panic!("unexpected capture action {other}"),
        }
        for (what, bad) in tampered(&cap) {
            let r = replay(&t, &bad);
            assert_eq!(r.status, 401, "{name} with a changed {what}: {}", String::from_utf8_lossy(&r.body));
            assert_eq!(r.json()["error_code"], "APIGW.0301", "{name} with a changed {what}");
        }
        // Outside the allowed skew the same bytes are refused.
        for off in [901, -901] {
            t.control("POST", "/_cloudtwin/clock", Some(json!({"set": ts + off})));
            let r = replay(&t, &cap);
            assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("APIGW.0301")), "{name} at {off:+} s");
        }
        t.control("POST", "/_cloudtwin/reset", None);
    }
}

#[test]
fn auth_modes_log_and_off_serve_bad_signatures() {
    let (_, cap) = captures().into_iter().find(|(n, _)| n.ends_with("ListVault.json")).unwrap();
    let ts = cap["signed_at_unix"].as_i64().unwrap();
    let mut bad = cap.clone();
    bad["request"]["query"] = json!(cap["request"]["query"].as_str().unwrap().replacen("limit=", "limit=1", 1));
    for (mode, served) in [(AuthMode::Enforce, false), (AuthMode::Log, true), (AuthMode::Off, true)] {
        let t = common::twin_with(Config::default(), Clock::manual(ts), mode);
        let r = replay(&t, &bad);
        assert_eq!(r.status == 200, served, "{mode:?}: {}", String::from_utf8_lossy(&r.body));
    }
}
