//! Every request the official Tencent clients sent to a capture server (fixtures/captures/) is
//! accepted byte for byte with the clock at its signing time, and rejected with
//! AuthFailure.SignatureFailure when one signed byte changes.

use crate::common;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::replay;
use serde_json::{json, Value};

fn captures() -> Vec<(String, Value)> {
    let out = common::captures("tencent");
    assert!(out.len() >= 10, "expected the Tencent captures, found {}", out.len());
    out
}

/// One signed byte changed: the body, the query, or a signed header.
fn tampered(cap: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let req = &cap["request"];
    let body = req["body"].as_str().unwrap();
    let query = req["query"].as_str().unwrap();
    if !body.is_empty() {
        let mut c = cap.clone();
        let new = if body.contains("Nonce=") {
            body.replacen("Nonce=", "Nonce=1", 1)
        } else {
            format!("{}X", &body[..body.len() - 1])
        };
        c["request"]["body"] = json!(new);
        out.push(("body", c));
    }
    if !query.is_empty() {
        let mut c = cap.clone();
        c["request"]["query"] = json!(query.replacen("Limit=", "Limit=1", 1));
        out.push(("query", c));
    }
    if cap["sign_method"] == "TC3-HMAC-SHA256" {
        let mut c = cap.clone();
        let ct = req["headers"]["Content-Type"].as_str().unwrap();
        c["request"]["headers"]["Content-Type"] = json!(format!("{ct}; charset=utf-8"));
        out.push(("content-type header", c));
        let mut c = cap.clone();
        let host = req["headers"]["Host"].as_str().unwrap();
        c["request"]["headers"]["Host"] = json!(host.replace("4599", "4598"));
        out.push(("host header", c));
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
        assert_eq!(r.status, 200, "{name}");
        assert_eq!(r.header("content-type"), Some("application/json"), "{name}");
        let code = r.tc_code();
        assert!(
            !code.as_deref().unwrap_or("").starts_with("AuthFailure"),
            "{name} was not accepted: {}",
            String::from_utf8_lossy(&r.body)
        );
        if cap["action"] == "DescribeDisks" {
            assert_eq!(code, None, "{name}: {}", String::from_utf8_lossy(&r.body));
        }
        for (what, bad) in tampered(&cap) {
            let r = replay(&t, &bad);
            assert_eq!(r.tc_code().as_deref(), Some("AuthFailure.SignatureFailure"), "{name} with a changed {what}");
        }
        // Outside the ±300 s window the same bytes are refused as expired.
        t.control("POST", "/_cloudtwin/clock", Some(json!({"set": ts + 301})));
        assert_eq!(replay(&t, &cap).tc_code().as_deref(), Some("AuthFailure.SignatureExpire"), "{name}");
        t.control("POST", "/_cloudtwin/clock", Some(json!({"set": ts - 301})));
        assert_eq!(replay(&t, &cap).tc_code().as_deref(), Some("AuthFailure.SignatureExpire"), "{name}");
    }
}

#[test]
fn tccli_literal_scheme_in_host_is_verified_as_sent() {
    let (_, cap) = captures().into_iter().find(|(n, _)| n.contains("tccli")).unwrap();
    assert_eq!(cap["request"]["headers"]["Host"], "http://127.0.0.1:4599");
    let t =
        common::twin_with(Config::default(), Clock::manual(cap["signed_at_unix"].as_i64().unwrap()), AuthMode::Enforce);
    let r = replay(&t, &cap);
    assert_eq!(r.tc_code(), None, "{}", String::from_utf8_lossy(&r.body));
    // Zone filter from the capture: only ap-guangzhou-3 disks come back.
    for d in r.json()["Response"]["DiskSet"].as_array().unwrap() {
        assert_eq!(d["Placement"]["Zone"], "ap-guangzhou-3");
    }
}

#[test]
fn auth_modes_log_and_off_serve_bad_signatures() {
    let (_, cap) = captures().into_iter().find(|(n, _)| n.ends_with("DescribeDisks_TC3_GET.json")).unwrap();
    let ts = cap["signed_at_unix"].as_i64().unwrap();
    let mut bad = cap.clone();
    bad["request"]["query"] = json!(cap["request"]["query"].as_str().unwrap().replacen("Limit=", "Limit=1", 1));
    for (mode, served) in [(AuthMode::Enforce, false), (AuthMode::Log, true), (AuthMode::Off, true)] {
        let t = common::twin_with(Config::default(), Clock::manual(ts), mode);
        let code = replay(&t, &bad).tc_code().unwrap_or_default();
        assert_eq!(!code.starts_with("AuthFailure"), served, "{mode:?}: {code}");
    }
}
