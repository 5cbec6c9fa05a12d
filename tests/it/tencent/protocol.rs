//! The Tencent envelope and every class of bad input: always HTTP 200, `Content-Type:
//! application/json` exactly, `{"Response": {"Error": {...}, "RequestId"}}`, the documented code,
//! and no change of state.

use crate::common;

use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, PEER_SECRET_ID, PEER_SECRET_KEY};
use cloudtwin_emulator::tencent::sign;
use cloudtwin_emulator::timing::TimingPolicy;
use common::{raw, Reply};
use serde_json::{json, Value};

fn assert_envelope(r: &Reply) {
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    let resp = &v["Response"];
    let rid = resp["RequestId"].as_str().expect("RequestId");
    assert_eq!(rid.len(), 36, "RequestId is a UUID: {rid}");
    if let Some(err) = resp.get("Error") {
        assert!(err["Code"].is_string() && err["Message"].is_string(), "{v}");
        assert_eq!(resp.as_object().unwrap().len(), 2, "an error carries no data fields: {v}");
    }
}

/// TC3 headers for an arbitrary body, signed correctly for it.
fn signed(t: &common::Twin, action: &str, ct: &str, body: &[u8]) -> Vec<(String, String)> {
    let host = t.host();
    sign::sign_tc3(&sign::Tc3Request {
        secret_id: DEFAULT_SECRET_ID,
        secret_key: DEFAULT_SECRET_KEY,
        host: &host,
        method: "POST",
        query: "",
        content_type: ct,
        action,
        version: "2017-03-12",
        region: Some("ap-guangzhou"),
        timestamp: t.now(),
        payload: body,
    })
    .headers
}

fn send(t: &common::Twin, headers: &[(String, String)], body: &[u8]) -> Reply {
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = raw(t.addr, "POST", "/", &h, body);
    assert_envelope(&r);
    r
}

fn set_header(h: &mut Vec<(String, String)>, name: &str, value: &str) {
    h.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    h.push((name.to_string(), value.to_string()));
}

#[test]
fn success_envelope_and_unknown_action_version_method() {
    let t = common::twin(TimingPolicy::Immediate);
    let r = t.call("DescribeDisks", json!({}));
    assert_envelope(&r);
    assert!(r.json()["Response"]["DiskSet"].is_array());
    assert_eq!(t.err("DescribeSomethingElse", json!({})), "InvalidAction");

    let mut h = signed(&t, "DescribeDisks", "application/json", b"{}");
    set_header(&mut h, "X-TC-Version", "2099-01-01");
    assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some("NoSuchVersion"));

    let r = raw(t.addr, "PUT", "/", &[("Content-Type", "application/json")], b"{}");
    assert_envelope(&r);
    assert_eq!(r.tc_code().as_deref(), Some("UnsupportedProtocol"));
    let r = raw(t.addr, "DELETE", "/", &[], b"");
    assert_eq!(r.tc_code().as_deref(), Some("UnsupportedProtocol"));
}

#[test]
fn missing_and_duplicated_headers() {
    let t = common::twin(TimingPolicy::Immediate);
    for (drop, code) in [
        ("X-TC-Version", "MissingParameter"),
        ("X-TC-Timestamp", "MissingParameter"),
        ("Authorization", "AuthFailure.InvalidAuthorization"),
    ] {
        let mut h = signed(&t, "DescribeDisks", "application/json", b"{}");
        h.retain(|(k, _)| k != drop);
        assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some(code), "without {drop}");
    }
    for (dup, code) in [
        ("Authorization", "AuthFailure.InvalidAuthorization"),
        ("X-TC-Timestamp", "InvalidParameter"),
        ("Content-Type", "InvalidParameter"),
    ] {
        let mut h = signed(&t, "DescribeDisks", "application/json", b"{}");
        let v = h.iter().find(|(k, _)| k == dup).unwrap().1.clone();
        h.push((dup.to_string(), v));
        assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some(code), "duplicated {dup}");
    }
    let mut h = signed(&t, "DescribeDisks", "application/json", b"{}");
    set_header(&mut h, "Authorization", "TC3-HMAC-SHA256 garbage");
    assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some("AuthFailure.InvalidAuthorization"));
}

#[test]
fn auth_failure_codes() {
    let t = common::twin(TimingPolicy::Immediate);
    let unknown = t.call_as("AKIDnobodyEXAMPLE000000000000000000", "x", "DescribeDisks", None, json!({}));
    assert_eq!(unknown.tc_code().as_deref(), Some("AuthFailure.SecretIdNotFound"));
    let wrong = t.call_as(DEFAULT_SECRET_ID, "not-the-key", "DescribeDisks", None, json!({}));
    assert_eq!(wrong.tc_code().as_deref(), Some("AuthFailure.SignatureFailure"));

    let mut h = signed(&t, "DescribeDisks", "application/json", b"{}");
    h.push(("X-TC-Token".into(), "some-temporary-token".into()));
    assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some("AuthFailure.TokenFailure"));

    // The credential date must be the UTC date of the timestamp, not a local one.
    let mut h = signed(&t, "DescribeDisks", "application/json", b"{}");
    let auth = h.iter().find(|(k, _)| k == "Authorization").unwrap().1.replace("2026-11-22", "2026-11-23");
    set_header(&mut h, "Authorization", &auth);
    assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some("AuthFailure.SignatureFailure"));

    // v1, GET and POST form, both algorithms; then a wrong key.
    for (http, method) in [("GET", sign::V1Method::HmacSha1), ("POST", sign::V1Method::HmacSha256)] {
        let q = sign::sign_v1(
            DEFAULT_SECRET_ID,
            DEFAULT_SECRET_KEY,
            &t.host(),
            http,
            method,
            "DescribeDisks",
            Some("ap-guangzhou"),
            t.now(),
            42,
            vec![("Limit".into(), "1".into())],
        );
        let r = if http == "GET" {
            raw(t.addr, "GET", &format!("/?{q}"), &[], b"")
        } else {
            raw(t.addr, "POST", "/", &[("Content-Type", "application/x-www-form-urlencoded")], q.as_bytes())
        };
        assert_envelope(&r);
        assert_eq!(r.tc_code(), None, "v1 {http}: {}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["Response"]["DiskSet"].as_array().unwrap().len(), 1);
        let bad = q.replace("Limit=1", "Limit=2");
        let r = raw(t.addr, "GET", &format!("/?{bad}"), &[], b"");
        assert_eq!(r.tc_code().as_deref(), Some("AuthFailure.SignatureFailure"));
    }
    let r = raw(t.addr, "GET", "/?Action=DescribeDisks&Version=2017-03-12&Timestamp=1&Nonce=1&SecretId=x", &[], b"");
    assert_eq!(r.tc_code().as_deref(), Some("MissingParameter"), "no Signature");
}

#[test]
fn bad_input_leaves_state_unchanged() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = t.state();
    let create = |extra: Value| {
        let mut b = json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 50});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        t.err("CreateDisks", b)
    };
    assert_eq!(create(json!({"DiskSize": "fifty"})), "InvalidParameterValue");
    assert_eq!(create(json!({"DiskSize": 5})), "InvalidParameterValue");
    assert_eq!(create(json!({"DiskSize": 32001})), "InvalidParameterValue");
    assert_eq!(create(json!({"DiskSize": null})), "MissingParameter");
    assert_eq!(create(json!({"Placement": null})), "MissingParameter");
    assert_eq!(create(json!({"Colour": "blue"})), "UnknownParameter");
    assert_eq!(create(json!({"Placement": {"Zone": "ap-guangzhou-3", "Rack": 1}})), "UnknownParameter");
    assert_eq!(create(json!({"Placement": {"Zone": "ap-guangzhou-99"}})), "InvalidParameterValue");
    assert_eq!(
        create(json!({"Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 777}})),
        "InvalidParameter.ProjectIdNotExist"
    );
    assert_eq!(create(json!({"DiskType": "CLOUD_FLOPPY"})), "InvalidParameterValue");
    assert_eq!(create(json!({"DiskChargeType": "PREPAID"})), "MissingParameter");
    assert_eq!(
        create(json!({"DiskChargeType": "PREPAID", "DiskChargePrepaid": {"Period": 13}})),
        "InvalidParameterValue"
    );
    assert_eq!(create(json!({"DiskName": "x".repeat(61)})), "InvalidParameterValue");
    assert_eq!(create(json!({"DiskCount": 51})), "InvalidParameterValue.LimitExceeded");
    assert_eq!(create(json!({"Encrypt": "YES"})), "InvalidParameterValue");
    assert_eq!(create(json!({"ThroughputPerformance": 100})), "InvalidParameterValue");
    assert_eq!(create(json!({"SnapshotId": "snap-00000000"})), "InvalidSnapshotId.NotFound");
    assert_eq!(create(json!({"Shareable": "maybe"})), "InvalidParameterValue");

    for body in [&b"{not json"[..], b"[1,2]", b"\"text\"", b"{\"DiskIds\": [null]}"] {
        let h = signed(&t, "DescribeDisks", "application/json", body);
        let code = send(&t, &h, body).tc_code().unwrap();
        assert!(
            code == "InvalidParameter" || code == "InvalidParameterValue",
            "{code} for {:?}",
            String::from_utf8_lossy(body)
        );
    }
    let h = signed(&t, "DescribeDisks", "text/plain", b"{}");
    assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some("InvalidParameter"));

    let mut h = signed(&t, "DescribeDisks", "application/json", b"{}");
    set_header(&mut h, "X-TC-Region", "mars-north-1");
    assert_eq!(send(&t, &h, b"{}").tc_code().as_deref(), Some("UnsupportedRegion"));

    assert_eq!(before, t.state(), "rejected requests changed the state");
}

/// A read's body is decoded once and kept by its letter (core/letters.rs): the same bytes again
/// answer as decoding them would, for that action only, and a body that failed fails again.
#[test]
fn read_bodies_kept_by_their_letter_answer_as_decoded() {
    let t = common::twin(TimingPolicy::Immediate);
    let ids: Vec<String> = (t.ok("DescribeDisks", json!({"Limit": 100}))["DiskSet"].as_array().unwrap().iter())
        .map(|d| d["DiskId"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() >= 2, "the seed has disks: {ids:?}");
    let answer = |action: &str, body: &[u8]| {
        let mut v = send(&t, &signed(&t, action, "application/json", body), body).json()["Response"].clone();
        v.as_object_mut().unwrap().remove("RequestId");
        v
    };
    let body = serde_json::to_vec(&json!({"Limit": 1, "DiskIds": ids})).unwrap();
    let first = answer("DescribeDisks", &body);
    assert_eq!(first["TotalCount"], ids.len(), "{first}");
    assert_eq!(answer("DescribeDisks", &body), first, "the same bytes again");
    let spaced = serde_json::to_vec_pretty(&json!({"Limit": 1, "DiskIds": ids})).unwrap();
    assert_eq!(answer("DescribeDisks", &spaced), first, "another spelling of the same");

    // DescribeSnapshots has no DiskIds: the bytes DescribeDisks kept are checked anew.
    for _ in 0..2 {
        assert_eq!(answer("DescribeSnapshots", &body)["Error"]["Code"], "UnknownParameter");
    }
    // Kept parameters still go to the handler, which checks the state and the list's bounds.
    let many: Vec<String> = (0..101).map(|i| format!("disk-{i:08}")).collect();
    let over = serde_json::to_vec(&json!({"DiskIds": many})).unwrap();
    let bad = br#"{"Limit": "many"}"#;
    for _ in 0..2 {
        assert_eq!(answer("DescribeDisks", &over)["Error"]["Code"], "InvalidParameterValue.LimitExceeded");
        assert_eq!(answer("DescribeDisks", bad)["Error"]["Code"], "InvalidParameterValue", "never kept");
    }
    // And the state: the same bytes after a change answer the change.
    let listed = first["DiskSet"][0]["DiskId"].clone();
    t.ok("ModifyDiskAttributes", json!({"DiskIds": [listed], "DiskName": "renamed"}));
    let after = answer("DescribeDisks", &body);
    assert_eq!((&after["DiskSet"][0]["DiskId"], &after["DiskSet"][0]["DiskName"]), (&listed, &json!("renamed")));
}

#[test]
fn bodies_over_ten_megabytes_are_refused() {
    let t = common::twin(TimingPolicy::Immediate);
    let big = vec![b' '; 10 * 1024 * 1024 + 1];
    let h = signed(&t, "DescribeDisks", "application/json", &big);
    let r = send(&t, &h, &big);
    assert_eq!(r.tc_code().as_deref(), Some("RequestSizeLimitExceeded"));
    let long_query = format!("/?Action=DescribeDisks&Pad={}", "a".repeat(33 * 1024));
    let r = raw(t.addr, "GET", &long_query, &[], b"");
    assert_eq!(r.tc_code().as_deref(), Some("RequestSizeLimitExceeded"));
}

#[test]
fn region_defaults_and_host_prefix() {
    let t = common::twin(TimingPolicy::Immediate);
    // No X-TC-Region: the default region (ap-guangzhou) with its seeded disks.
    let r = t.call_as(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, "DescribeDisks", None, json!({}));
    assert!(r.json()["Response"]["TotalCount"].as_i64().unwrap() > 0);
    let sh = t.call_as(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, "DescribeDisks", Some("ap-shanghai"), json!({}));
    let ids: Vec<String> = sh.json()["Response"]["DiskSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["DiskId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, vec!["disk-sysshw01"]);
}

#[test]
fn accounts_are_isolated() {
    let t = common::twin(TimingPolicy::Immediate);
    let id = t.new_disk("ap-guangzhou-3", 20);
    let peer =
        t.call_as(PEER_SECRET_ID, PEER_SECRET_KEY, "DescribeDisks", Some("ap-guangzhou"), json!({"DiskIds": [id]}));
    assert_eq!(peer.json()["Response"]["TotalCount"], 0);
    let peer_attach = t.call_as(
        PEER_SECRET_ID,
        PEER_SECRET_KEY,
        "AttachDisks",
        Some("ap-guangzhou"),
        json!({"DiskIds": [id], "InstanceId": "ins-peercvm1"}),
    );
    assert_eq!(peer_attach.tc_code().as_deref(), Some("InvalidDiskId.NotFound"));
}

#[test]
fn garbage_never_yields_a_non_tencent_answer() {
    let t = common::twin(TimingPolicy::Immediate);
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Vec<u8>);
    let cases: Vec<Case> = vec![
        ("POST", "/", vec![("Content-Type", "application/json"), ("X-TC-Action", "DescribeDisks")], b"{}".to_vec()),
        ("GET", "/?%ff%fe=1", vec![], vec![]),
        ("GET", "/?Action=&Version=", vec![], vec![]),
        (
            "POST",
            "/",
            vec![("Content-Type", "application/x-www-form-urlencoded")],
            b"Action=DescribeDisks&DiskIds.x.0=1".to_vec(),
        ),
        ("POST", "/", vec![("Content-Type", "application/x-www-form-urlencoded")], vec![0xff, 0xfe, 0x3d]),
        (
            "POST",
            "/",
            vec![
                ("X-TC-Action", "DescribeDisks"),
                ("X-TC-Timestamp", "soon"),
                ("X-TC-Version", "2017-03-12"),
                ("Authorization", "x"),
            ],
            vec![],
        ),
        ("GET", "/some/other/path", vec![], vec![]),
    ];
    for (m, target, h, body) in cases {
        let r = raw(t.addr, m, target, &h, &body);
        assert_envelope(&r);
        assert!(r.tc_code().is_some(), "{m} {target} should fail");
    }
}

#[test]
fn documented_rate_limits_when_enabled() {
    let mut cfg = cloudtwin_emulator::Config { timing: TimingPolicy::Immediate, ..Default::default() };
    cfg.tencent.rate_limits = true;
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let logs = json!({"Filters": [{"Name": "disk-id", "Values": ["disk-cloudtw1"]}]});
    t.ok("DescribeDiskOperationLogs", logs.clone());
    assert_eq!(t.err("DescribeDiskOperationLogs", logs.clone()), "RequestLimitExceeded", "1 per second");
    for _ in 0..100 {
        t.ok("DescribeDisks", json!({"Limit": 1}));
    }
    assert_eq!(t.err("DescribeDisks", json!({})), "RequestLimitExceeded", "the 101st DescribeDisks in a second");
    t.advance(1.0);
    t.ok("DescribeDisks", json!({}));
    t.ok("DescribeDiskOperationLogs", logs);
}
