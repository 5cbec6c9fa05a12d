//! Hostile and careless input over real TCP: every decoder is bounded before it builds anything,
//! each breach answers the surface's own envelope and documented code (never a 5xx, never a
//! crash), nothing in the state changes, and the twin stays healthy. Also the Huawei signature
//! rules of issue 11 (a declared body hash must be the body's; one Authorization; Host signed).

use crate::common;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};
use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_PROJECT, DEFAULT_SK};
use cloudtwin_emulator::huawei::sign::{self as hwsign, Algorithm, Outgoing};
use cloudtwin_emulator::limits::{MAX_DEPTH, MAX_ITEMS, MAX_PARAMS};
use cloudtwin_emulator::tencent::sign::{self, V1Method};
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::{raw, Reply, Twin, T0};
use serde_json::{json, Value};

fn enforce() -> Twin {
    common::twin(TimingPolicy::Immediate)
}

fn auth_off() -> Twin {
    let cfg = Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Config::default() };
    common::twin_with(cfg, Clock::manual(T0), AuthMode::Off)
}

fn healthy(t: &Twin) {
    let r = t.control("GET", "/_cloudtwin/health", None);
    assert_eq!((r.status, r.json()["status"].as_str()), (200, Some("ready")));
}

fn dotted(segments: usize) -> String {
    vec!["a"; segments].join(".")
}

/// A Tencent answer: HTTP 200, the `Response.Error` envelope, one of `codes`.
fn tencent_refused(r: &Reply, codes: &[&str], what: &str) {
    assert_eq!(r.status, 200, "{what}: {}", String::from_utf8_lossy(&r.body[..r.body.len().min(300)]));
    let code = r.tc_code().unwrap_or_else(|| panic!("{what}: no error: {}", r.json()));
    assert!(codes.contains(&code.as_str()), "{what}: {code}");
    assert!(r.json()["Response"]["RequestId"].is_string(), "{what}");
}

fn v1(t: &Twin, method: &str, params: Vec<(String, String)>) -> Reply {
    let host = t.host();
    let q = sign::sign_v1(
        DEFAULT_SECRET_ID,
        DEFAULT_SECRET_KEY,
        &host,
        method,
        V1Method::HmacSha256,
        "DescribeDisks",
        Some("ap-guangzhou"),
        t.now(),
        7,
        params,
    );
    if method == "GET" {
        raw(t.addr, "GET", &format!("/?{q}"), &[], b"")
    } else {
        raw(t.addr, "POST", "/", &[("Content-Type", "application/x-www-form-urlencoded")], q.as_bytes())
    }
}

fn tc3(t: &Twin, method: &str, content_type: &str, query: &str, payload: &[u8]) -> Reply {
    let host = t.host();
    let signed = sign::sign_tc3(&sign::Tc3Request {
        secret_id: DEFAULT_SECRET_ID,
        secret_key: DEFAULT_SECRET_KEY,
        host: &host,
        method,
        query,
        content_type,
        action: "DescribeDisks",
        version: "2017-03-12",
        region: Some("ap-guangzhou"),
        timestamp: t.now(),
        payload,
    });
    let h: Vec<(&str, &str)> = signed.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let target = if query.is_empty() { "/".to_string() } else { format!("/?{query}") };
    raw(t.addr, method, &target, &h, payload)
}

/// Row 1 of issue 11: a dotted name of 2,500 segments overflowed the stack and aborted the
/// process; now every transport answers a clean error.
#[test]
fn deep_dotted_names_are_refused_on_every_tencent_transport() {
    let t = enforce();
    for segments in [MAX_DEPTH + 1, 2_500, 100_000] {
        let name = dotted(segments);
        let form = format!("{name}=1");
        let codes: &[&str] = &["UnknownParameter", "InvalidParameter", "RequestSizeLimitExceeded"];
        // URIs over 64 KiB are the HTTP layer's (hyper answers 414 before any handler runs).
        if form.len() < 60 * 1024 {
            tencent_refused(&v1(&t, "GET", vec![(name.clone(), "1".into())]), codes, "v1 GET");
        }
        tencent_refused(&v1(&t, "POST", vec![(name.clone(), "1".into())]), codes, "v1 POST form");
        tencent_refused(
            &tc3(&t, "POST", "application/x-www-form-urlencoded", "", form.as_bytes()),
            codes,
            "TC3 form body",
        );
        if form.len() < 32 * 1024 {
            let r = tc3(&t, "GET", "application/x-www-form-urlencoded", &form, b"");
            tencent_refused(&r, &["UnknownParameter"], "TC3 GET");
        }
        healthy(&t);
    }
    // Within the bound, the same shape is an ordinary unknown parameter.
    let ok_depth = dotted(MAX_DEPTH);
    tencent_refused(&v1(&t, "GET", vec![(ok_depth, "1".into())]), &["UnknownParameter"], "within bounds");

    let off = auth_off();
    for segments in [2_500, 100_000] {
        let body = format!("Action=DescribeDisks&Version=2017-03-12&Timestamp={T0}&{}=1", dotted(segments));
        let r = raw(off.addr, "POST", "/", &[("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes());
        tencent_refused(&r, &["UnknownParameter", "InvalidParameter"], "--auth off");
        healthy(&off);
    }
}

#[test]
fn tencent_json_and_flat_bodies_are_bounded() {
    let t = enforce();
    let before = t.state();
    let deep = format!("{{\"DiskIds\": {}{}}}", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
    tencent_refused(&tc3(&t, "POST", "application/json", "", deep.as_bytes()), &["InvalidParameter"], "deep JSON");
    // serde_json's own limit (128) is never reached: the scan refuses first, also far beyond it.
    let deeper = format!("{{\"DiskIds\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    tencent_refused(&tc3(&t, "POST", "application/json", "", deeper.as_bytes()), &["InvalidParameter"], "deeper");
    let ids: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("disk-{i:08}")).collect();
    let many = serde_json::to_vec(&json!({ "DiskIds": ids })).unwrap();
    tencent_refused(
        &tc3(&t, "POST", "application/json", "", &many),
        &["InvalidParameterValue.LimitExceeded"],
        "array items",
    );
    // A Filter's Values through the flat form.
    let mut flat: Vec<(String, String)> = vec![("Filters.0.Name".into(), "zone".into())];
    flat.extend((0..=MAX_ITEMS).map(|i| (format!("Filters.0.Values.{i}"), "ap-guangzhou-3".into())));
    tencent_refused(&v1(&t, "POST", flat), &["InvalidParameterValue.LimitExceeded"], "Filter Values");
    let pairs: Vec<(String, String)> = (0..=MAX_PARAMS).map(|i| (format!("P{i}"), "1".into())).collect();
    tencent_refused(&v1(&t, "POST", pairs), &["RequestSizeLimitExceeded"], "parameter count");
    let long = serde_json::to_vec(&json!({ "DiskIds": ["x".repeat(70_000)] })).unwrap();
    tencent_refused(&tc3(&t, "POST", "application/json", "", &long), &["InvalidParameterValue"], "value bytes");
    assert_eq!(t.state(), before, "a refused request changes nothing");
    healthy(&t);
}

#[test]
fn huawei_bodies_and_queries_are_bounded() {
    let t = enforce();
    let before = t.hw_state();
    let path = format!("/v3/{DEFAULT_PROJECT}/vaults");
    let deep: Value = (0..MAX_DEPTH + 2).fold(json!(1), |v, _| json!([v]));
    let r = t.hw("POST", &path, Some(json!({ "vault": { "name": "v", "x": deep } })));
    assert_eq!((r.status, r.json()["error_code"].as_str()), (400, Some("BackupService.9900")));
    let wide: Vec<Value> = (0..=MAX_ITEMS).map(|i| json!({"id": i})).collect();
    let r = t.hw("POST", &path, Some(json!({ "vault": { "name": "v", "resources": wide } })));
    assert_eq!((r.status, r.json()["error_code"].as_str()), (400, Some("BackupService.9900")));
    // Name-only pairs keep the URI under the HTTP layer's 64 KiB.
    let r = t.hw("GET", &format!("{path}?{}", vec!["q"; MAX_PARAMS + 1].join("&")), None);
    assert_eq!((r.status, r.json()["error_code"].as_str()), (400, Some("BackupService.9900")));
    assert_eq!(t.hw_state(), before);
    healthy(&t);
}

#[test]
fn ucloudstack_refuses_a_million_items_by_count_before_signing() {
    let t = enforce();
    let before = t.state();
    // A million items and a signature that cannot verify: the count refuses it first.
    let mut body =
        String::from("{\"Action\":\"DescribeSnapshot\",\"PublicKey\":\"x\",\"Signature\":\"bad\",\"SnapshotIDs\":[");
    body.push_str(&vec!["\"s\""; 1_000_000].join(","));
    body.push_str("]}");
    let r = raw(t.addr, "POST", "/api", &[("Content-Type", "application/json")], body.as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["RetCode"], 240, "{}", r.json());
    let form: Vec<String> = (0..=MAX_PARAMS).map(|i| format!("SnapshotIDs.{i}=s")).collect();
    let r = raw(
        t.addr,
        "POST",
        "/api",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.join("&").as_bytes(),
    );
    assert_eq!(r.json()["RetCode"], 240);
    let deep = format!("{{\"Action\":{}1{}}}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let r = raw(t.addr, "POST", "/api", &[("Content-Type", "application/json")], deep.as_bytes());
    assert_eq!(r.json()["RetCode"], 230);
    assert_eq!(t.state(), before);
    healthy(&t);
}

#[test]
fn gateway_and_control_plane_bodies_are_bounded() {
    let t = enforce();
    let before = t.state();
    let deep = format!("{{\"DiskIds\": {}{}}}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let r = t.gw_bytes("/v1/tencent/disk/list", &[], deep.as_bytes());
    assert_eq!(r.status, 400);
    assert_eq!(common::gw_error_of(&r), (400, "InvalidParameter".to_string()));
    let r = t.gw_bytes("/v1/tencent/disk/list", &[], format!("[{}1]", "1,".repeat(MAX_ITEMS)).as_bytes());
    assert_eq!(common::gw_error_of(&r), (400, "InvalidParameterValue.LimitExceeded".to_string()));
    let r = raw(t.addr, "POST", "/_cloudtwin/clock", &[("Content-Type", "application/json")], deep.as_bytes());
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("nesting"));
    assert_eq!(t.state(), before);
    healthy(&t);
}

/// POST a vault body signed over `signed_body` with `extra` headers, sending `sent_body`.
fn hw_vault(t: &Twin, extra: &[(&str, &str)], signed_body: &[u8], sent_body: &[u8]) -> Reply {
    let host = t.host();
    let path = format!("/v3/{DEFAULT_PROJECT}/vaults");
    let mut headers = vec![("Host", host.as_str()), ("Content-Type", "application/json;charset=utf-8")];
    headers.extend_from_slice(extra);
    let date = hwsign::format_sdk_date(t.now());
    let out = Outgoing {
        method: "POST",
        raw_path: &path,
        raw_query: "",
        headers: &headers,
        body: signed_body,
        sdk_date: &date,
    };
    let s = hwsign::sign(Algorithm::HmacSha256, DEFAULT_AK, DEFAULT_SK, &out);
    let mut h: Vec<(String, String)> = s.headers.clone();
    h.push(("Authorization".into(), s.authorization));
    let hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    raw(t.addr, "POST", &path, &hh, sent_body)
}

fn vault_body(name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"vault": {"name": name, "billing": {"consistent_level": "crash_consistent",
        "object_type": "server", "protect_type": "backup", "size": 100}, "resources": []}}))
    .unwrap()
}

fn vault_names(t: &Twin) -> Vec<String> {
    let v = t.hw_ok("GET", "/v3/{p}/vaults", None);
    v["vaults"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap().to_string()).collect()
}

/// Row 7 of issue 11.
#[test]
fn huawei_declared_body_hash_must_match_the_body() {
    let t = enforce();
    let (a, b) = (vault_body("vault-a"), vault_body("vault-b"));
    let hash_a = sign::sha256_hex(&a);
    let r = hw_vault(&t, &[("X-Sdk-Content-Sha256", &hash_a)], &a, &b);
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("APIGW.0301")), "{}", r.json());
    assert!(!vault_names(&t).contains(&"vault-b".to_string()));
    // The declared hash of the body actually sent, and UNSIGNED-PAYLOAD, both still work.
    let r = hw_vault(&t, &[("X-Sdk-Content-Sha256", &hash_a)], &a, &a);
    assert_eq!(r.status, 200, "{}", r.json());
    let r = hw_vault(&t, &[("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD")], &b, &b);
    assert_eq!(r.status, 200, "{}", r.json());
    assert!(vault_names(&t).contains(&"vault-b".to_string()));
}

/// The two choices of issue 11 (docs/limits.md): a duplicated Authorization header and a
/// signature that leaves Host out are signature failures.
#[test]
fn huawei_duplicated_authorization_and_unsigned_host_are_refused() {
    let t = enforce();
    let host = t.host();
    let path = format!("/v3/{DEFAULT_PROJECT}/vaults");
    let date = hwsign::format_sdk_date(t.now());
    let sign_with = |headers: &[(&str, &str)]| {
        let out = Outgoing { method: "GET", raw_path: &path, raw_query: "", headers, body: b"", sdk_date: &date };
        hwsign::sign(Algorithm::HmacSha256, DEFAULT_AK, DEFAULT_SK, &out)
    };
    let good = sign_with(&[("Host", &host), ("Content-Type", "application/json")]);
    let send = |auths: &[&str], h: &[(String, String)]| {
        let mut hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for a in auths {
            hh.push(("Authorization", a));
        }
        raw(t.addr, "GET", &path, &hh, b"")
    };
    assert_eq!(send(&[&good.authorization], &good.headers).status, 200);
    let r = send(&[&good.authorization, &good.authorization], &good.headers);
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("APIGW.0301")));
    // Only x-sdk-date signed: Host (and so where the request may be replayed) is free.
    let date_only = sign_with(&[]);
    assert!(date_only.authorization.contains("SignedHeaders=x-sdk-date,"), "{}", date_only.authorization);
    let r = send(&[&date_only.authorization], &date_only.headers);
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("APIGW.0301")));
}
