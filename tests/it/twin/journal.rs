//! The request journal (`GET /_cloudtwin/requests`): every surface's requests with what the
//! twin resolved, refusals with the canonical request and string to sign (never a secret), the
//! filters and their refusals, the ring's bound, bodies only when asked, and a reset that is
//! recorded without clearing it.

use crate::common::{self, hw::*};
use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY};
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use serde_json::{json, Value};

fn journal(t: &common::Twin, query: &str) -> Value {
    let r = t.control("GET", &format!("/_cloudtwin/requests{query}"), None);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn entries(t: &common::Twin, query: &str) -> Vec<Value> {
    journal(t, query)["requests"].as_array().unwrap().clone()
}

#[test]
fn every_surface_is_journaled_with_what_the_twin_resolved() {
    let t = common::twin(TimingPolicy::Immediate);
    let r = t.call("DescribeDisks", json!({}));
    let rid = r.json()["Response"]["RequestId"].as_str().unwrap().to_string();
    assert_eq!(t.err("DescribeDisks", json!({"Limit": "x"})), "InvalidParameterValue");
    t.hw_ok("GET", "/v3/{p}/vaults", None);
    t.gw_ok("/v1/tencent/disk/list", json!({"PageNum": 0, "PageSize": 10}));
    t.ucs_ok("DescribeSnapshot", &[]);

    let all = entries(&t, "");
    assert_eq!(all.len(), 5, "control GETs are not journaled: {all:?}");
    let e = &all[0];
    assert_eq!(e["request_id"], rid.as_str());
    assert_eq!((e["surface"].as_str(), e["operation"].as_str()), (Some("tencent-cbs"), Some("DescribeDisks")));
    assert_eq!(
        (e["account"].as_str(), e["region"].as_str(), e["status"].as_u64()),
        (Some("default"), Some("ap-guangzhou"), Some(200))
    );
    assert!(e["error_code"].is_null() && e["refusal"].is_null() && e["request_body"].is_null());
    assert_eq!(e["virtual_ms"].as_i64(), Some(common::T0 * 1000));
    assert!(e["wall_ms"].as_i64().unwrap() > 1_600_000_000_000);
    assert_eq!(all[1]["error_code"], "InvalidParameterValue");
    let surfaces: Vec<&str> = all.iter().map(|e| e["surface"].as_str().unwrap()).collect();
    assert_eq!(surfaces, ["tencent-cbs", "tencent-cbs", "huawei-cbr", "gateway", "ucloudstack"]);
    assert_eq!((all[2]["operation"].as_str(), all[2]["region"].as_str()), (Some("ListVault"), Some("cn-north-4")));
    assert_eq!(all[3]["operation"], "DiskList");
    assert_eq!(all[4]["error_code"], Value::Null);
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
}

#[test]
fn filters_since_limit_and_bad_filters() {
    let t = common::twin(TimingPolicy::Immediate);
    t.ok("DescribeDisks", json!({}));
    t.err("DescribeDisks", json!({"Limit": "x"}));
    t.ok("DescribeSnapshots", json!({}));
    t.hw_ok("GET", "/v3/{p}/vaults", None);
    let ops = |q: &str| entries(&t, q).iter().map(|e| e["operation"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(
        ops("?surface=tencent-cbs&operation=Describe*"),
        ["DescribeDisks", "DescribeDisks", "DescribeSnapshots"]
    );
    assert_eq!(ops("?error=any"), ["DescribeDisks"]);
    assert_eq!(ops("?error=InvalidParameterValue"), ["DescribeDisks"]);
    assert_eq!(ops("?error=none&surface=huawei-cbr"), ["ListVault"]);
    assert_eq!(ops("?account=default&limit=2"), ["DescribeSnapshots", "ListVault"]);
    assert_eq!(ops("?since=3"), ["ListVault"]);
    assert_eq!(journal(&t, "?since=4")["last_seq"], 4);
    assert!(ops("?account=peer").is_empty());
    for bad in [
        "?surface=aws",
        "?limit=0",
        "?limit=1001",
        "?since=-1",
        "?since=x",
        "?colour=red",
        "?limit=1&limit=2",
        "?error=",
    ] {
        let r = t.control("GET", &format!("/_cloudtwin/requests{bad}"), None);
        assert_eq!(r.status, 400, "{bad}");
        assert!(r.json()["error"].as_str().is_some(), "{bad}");
    }
}

#[test]
fn a_refused_signature_keeps_what_the_twin_computed_and_no_secret() {
    let t = common::twin(TimingPolicy::Immediate);
    let r = t.call_as(DEFAULT_SECRET_ID, "not-the-key", "DescribeDisks", Some("ap-guangzhou"), json!({}));
    assert_eq!(r.tc_code().as_deref(), Some("AuthFailure.SignatureFailure"));
    let sent_signature = {
        // What the client sent: the Signature= part of its Authorization header is never kept.
        let payload = serde_json::to_vec(&json!({})).unwrap();
        let host = t.host();
        let s = cloudtwin_emulator::tencent::sign::sign_tc3(&cloudtwin_emulator::tencent::sign::Tc3Request {
            secret_id: DEFAULT_SECRET_ID,
            secret_key: "not-the-key",
            host: &host,
            method: "POST",
            query: "",
            content_type: "application/json",
            action: "DescribeDisks",
            version: "2017-03-12",
            region: Some("ap-guangzhou"),
            timestamp: t.now(),
            payload: &payload,
        });
        let auth = s.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("authorization")).unwrap().1.clone();
        auth.rsplit("Signature=").next().unwrap().to_string()
    };
    // A bad UCloudStack signature, and a Huawei one.
    let mut p =
        common::ucs_signed(&[("Action", "DescribeSnapshot"), ("Region", "cn")], common::UCS_PUBLIC_KEY, "wrong");
    p.insert("Password".into(), "hunter2".into());
    t.ucs_send(common::Transport::Form, &p);
    let hr = t.hw_signed(
        cloudtwin_emulator::huawei::sign::Algorithm::HmacSha256,
        cloudtwin_emulator::huawei::settings::DEFAULT_AK,
        "wrong-sk",
        "GET",
        &format!("/v3/{P}/vaults"),
        None,
        Some(P),
    );
    assert_eq!(hr.status, 401);

    let all = entries(&t, "?error=any");
    assert_eq!(all.len(), 3, "{all:?}");
    let tc = &all[0]["refusal"];
    assert!(tc["canonical_request"].as_str().unwrap().starts_with("POST\n/\n"), "{tc}");
    assert!(tc["string_to_sign"].as_str().unwrap().starts_with("TC3-HMAC-SHA256\n"), "{tc}");
    assert!(all[1]["refusal"]["string_to_sign"].as_str().unwrap().contains("ActionDescribeSnapshot"));
    assert!(all[2]["refusal"]["canonical_request"].as_str().unwrap().contains("/vaults"), "{}", all[2]);
    let text = serde_json::to_string(&all).unwrap();
    for secret in [
        DEFAULT_SECRET_KEY,
        "not-the-key",
        sent_signature.as_str(),
        "hunter2",
        "wrong-sk",
        common::UCS_PRIVATE_KEY,
        cloudtwin_emulator::huawei::settings::DEFAULT_SK,
    ] {
        assert!(!text.contains(secret), "the journal holds a secret: {secret}");
    }
}

#[test]
fn the_ring_is_bounded_and_a_reset_is_recorded_not_clearing() {
    let cfg = Config { id_seed: Some(1), timing: TimingPolicy::Immediate, ..Config::default() };
    let mut cfg = cfg;
    cfg.journal.entries = 10;
    let t = common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce);
    for _ in 0..25 {
        t.ok("DescribeDisks", json!({}));
    }
    let j = journal(&t, "?limit=1000");
    let seqs: Vec<u64> = j["requests"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (16..=25).collect::<Vec<_>>());
    assert_eq!((j["dropped"].as_u64(), j["capacity"].as_u64(), j["last_seq"].as_u64()), (Some(15), Some(10), Some(25)));
    assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    let after = entries(&t, "?limit=1000");
    assert_eq!(after.len(), 10, "a reset does not clear the journal");
    let last = after.last().unwrap();
    assert_eq!((last["surface"].as_str(), last["operation"].as_str()), (Some("control"), Some("reset")));
}

#[test]
fn bodies_only_when_asked_and_without_credentials() {
    let mut cfg = Config { id_seed: Some(1), timing: TimingPolicy::Immediate, ..Config::default() };
    cfg.journal.bodies = true;
    let t = common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce);
    t.ok("DescribeDisks", json!({"Limit": 1}));
    // An IAM token request carries a password; its answer's token travels in a header.
    let token_body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "cloudtwin-user",
        "password": "s3cret-pass", "domain": {"name": "cloudtwin"}}}}, "scope": {"project": {"id": P}}}});
    common::raw(
        t.addr,
        "POST",
        "/v3/auth/tokens",
        &[("Content-Type", "application/json")],
        &serde_json::to_vec(&token_body).unwrap(),
    );
    let all = entries(&t, "");
    assert_eq!(all[0]["request_body"], "{\"Limit\":1}");
    assert!(all[0]["response_body"].as_str().unwrap().contains("TotalCount"));
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("s3cret-pass"), "{text}");
    assert!(all[1]["request_body"].as_str().unwrap().contains("***"), "{}", all[1]);
}

#[test]
fn every_answer_names_its_journal_entry() {
    let t = common::twin(TimingPolicy::Immediate);
    let tc = t.call("DescribeDisks", json!({}));
    let tc_id = tc.json()["Response"]["RequestId"].as_str().unwrap().to_string();
    assert_eq!(tc.header("x-cloudtwin-request-id"), Some(tc_id.as_str()));
    let gw = t.gw("/v1/tencent/disk/list", json!({"PageNum": 0, "PageSize": 10}));
    let gw_id = gw.header("x-cloudtwin-request-id").expect("the twin's id for a surface without one").to_string();
    for (id, op) in [(tc_id, "DescribeDisks"), (gw_id, "DiskList")] {
        let found = entries(&t, &format!("?request_id={id}"));
        assert_eq!(found.len(), 1, "{id}");
        assert_eq!(found[0]["operation"], op);
    }
}
