//! Fault rules (`/_cloudtwin/faults`): an injected error in each surface's own envelope with no
//! state changed, a job that ends in failure the way each surface allows, how often a rule
//! fires (times, every, a seeded probability), latency, and the refusals of bad rules.

use crate::common::{self, hw::*};
use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

fn add(t: &common::Twin, rule: Value) -> Value {
    let r = t.control("POST", "/_cloudtwin/faults", Some(rule.clone()));
    assert_eq!(r.status, 200, "{rule}: {}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn rules(t: &common::Twin) -> Vec<Value> {
    t.control("GET", "/_cloudtwin/faults", None).json()["rules"].as_array().unwrap().clone()
}

fn create_disk_body() -> Value {
    json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 20})
}

fn disk_count(t: &common::Twin) -> i64 {
    t.ok("DescribeDisks", json!({"Limit": 1}))["TotalCount"].as_i64().unwrap()
}

#[test]
fn tencent_error_in_its_envelope_changes_nothing_and_times_runs_out() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = disk_count(&t);
    let rule = add(
        &t,
        json!({"surface": "tencent-cbs", "operation": "Create*", "effect": {"error": "RequestLimitExceeded"}, "times": 2}),
    );
    assert_eq!((rule["id"].as_u64(), rule["hits"].as_u64(), rule["spent"].as_bool()), (Some(1), Some(0), Some(false)));
    for _ in 0..2 {
        let r = t.call("CreateDisks", create_disk_body());
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("application/json"));
        let v = r.json();
        assert_eq!(v["Response"]["Error"]["Code"], "RequestLimitExceeded");
        assert!(v["Response"]["RequestId"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(v["Response"].as_object().unwrap().len(), 2, "only Error and RequestId: {v}");
    }
    assert_eq!(disk_count(&t), before, "a faulted create made no disk");
    // Spent after two: the third goes through.
    t.ok("CreateDisks", create_disk_body());
    assert_eq!(disk_count(&t), before + 1);
    let r = &rules(&t)[0];
    assert_eq!((r["hits"].as_u64(), r["matches"].as_u64(), r["spent"].as_bool()), (Some(2), Some(2), Some(true)));
    // A read the rule does not match is untouched.
    assert!(t.call("DescribeDisks", json!({})).tc_code().is_none());
}

#[test]
fn each_surface_answers_an_injected_error_in_its_own_envelope() {
    let t = common::twin(TimingPolicy::Immediate);
    // Huawei: the code's documented status, {error_code, error_msg}, X-Request-Id.
    add(&t, json!({"surface": "huawei-cbr", "operation": "CreateVault", "effect": {"error": "BackupService.6302"}}));
    let before = t.hw_state();
    let body = json!({"vault": {"name": "v", "resources": [],
        "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 100}}});
    let r = t.hw("POST", "/v3/{p}/vaults", Some(body));
    assert_eq!(r.status, 404, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["error_code"], "BackupService.6302");
    assert!(r.json()["error_msg"].as_str().unwrap().contains("fault rule"));
    assert!(r.header("x-request-id").is_some());
    assert_eq!(t.hw_state(), before, "nothing changed");

    // Gateway: an scode number picks its code; HTTP status = scode.
    add(&t, json!({"surface": "gateway", "operation": "DiskList", "effect": {"error": 429}}));
    let (scode, desc) = t.gw_err("/v1/tencent/disk/list", json!({"PageNum": 0, "PageSize": 10}));
    assert_eq!((scode, desc.as_str()), (429, "RequestLimitExceeded"));
    add(&t, json!({"surface": "gateway", "operation": "DiskCreate", "effect": {"error": "InternalError"}}));
    let r = t.gw("/v1/tencent/disk/create", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskSize": 20, "DiskName": "x", "DiskCount": 1, "DiskType": "CLOUD_PREMIUM"}));
    assert_eq!(r.status, 500);
    assert_eq!((r.json()["scode"].as_i64(), r.json()["desc"].as_str()), (Some(500), Some("InternalError")));

    // UCloudStack: HTTP 200, <Action>Response with the RetCode.
    add(&t, json!({"surface": "ucloudstack", "operation": "CreateSnapshot", "effect": {"error": 17010}}));
    let before = t.state()["ucloudstack"].clone();
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", "s"), ("DiskID", "disk-ucsdata2")]), 17010);
    assert_eq!(t.state()["ucloudstack"], before);
}

#[test]
fn match_by_account_region_and_resource() {
    let t = common::twin(TimingPolicy::Immediate);
    let a = t.new_disk("ap-guangzhou-3", 20);
    let b = t.new_disk("ap-guangzhou-3", 20);
    add(
        &t,
        json!({"surface": "tencent-cbs", "operation": "ResizeDisk", "resource": a, "account": "default",
        "region": "ap-guangzhou", "effect": {"error": "InternalError"}}),
    );
    assert_eq!(t.err("ResizeDisk", json!({"DiskId": a, "DiskSize": 30})), "InternalError");
    assert_eq!(t.disk(&a).unwrap()["DiskSize"], 20);
    t.ok("ResizeDisk", json!({"DiskId": b, "DiskSize": 30}));
    // Another region does not match.
    add(
        &t,
        json!({"surface": "tencent-cbs", "operation": "DescribeDisks", "region": "ap-shanghai", "effect": {"error": "InternalError"}}),
    );
    t.ok("DescribeDisks", json!({}));
}

#[test]
fn every_nth_and_a_seeded_probability_repeat() {
    let t = common::twin(TimingPolicy::Immediate);
    add(
        &t,
        json!({"surface": "tencent-cbs", "operation": "DescribeDisks", "effect": {"error": "InternalError"}, "every": 3}),
    );
    let failed: Vec<bool> = (0..6).map(|_| t.call("DescribeDisks", json!({})).tc_code().is_some()).collect();
    assert_eq!(failed, [false, false, true, false, false, true]);

    let run = |seed: u64| {
        let t = common::twin(TimingPolicy::Immediate);
        add(
            &t,
            json!({"surface": "tencent-cbs", "operation": "Describe*", "effect": {"error": "InternalError"},
            "probability": 0.5, "seed": seed}),
        );
        (0..24)
            .map(|_| {
                t.call("DescribeDiskConfigQuota", json!({"InquiryType": "INQUIRY_CBS_CONFIG"})).tc_code().is_some()
            })
            .collect::<Vec<_>>()
    };
    let first = run(11);
    assert_eq!(first, run(11), "the same seed fails the same requests");
    assert_ne!(first, run(12));
    assert!(first.iter().any(|f| *f) && first.iter().any(|f| !*f), "{first:?}");
}

#[test]
fn latency_is_added_and_journaled() {
    let t = common::twin(TimingPolicy::Immediate);
    let rule = add(&t, json!({"surface": "tencent-cbs", "operation": "DescribeDisks", "effect": {"latency_ms": 150}}));
    t.ok("DescribeDisks", json!({}));
    let e = &t.control("GET", "/_cloudtwin/requests?operation=DescribeDisks&limit=1", None).json()["requests"][0];
    assert_eq!(e["fault"], rule["id"]);
    assert!(e["latency_us"].as_u64().unwrap() >= 150_000, "{e}");
    assert!(e["error_code"].is_null());
}

#[test]
fn a_failed_tencent_job_leaves_a_failed_log_and_no_resource() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = disk_count(&t);
    add(&t, json!({"surface": "tencent-cbs", "operation": "CreateDisks", "effect": {"fail_job": true}, "times": 1}));
    let r = t.ok("CreateDisks", create_disk_body());
    let id = r["DiskIdSet"][0].as_str().unwrap().to_string();
    assert_eq!(disk_count(&t), before, "the failed create left no disk");
    let logs = t.ok("DescribeDiskOperationLogs", json!({"Filters": [{"Name": "disk-id", "Values": [id]}]}));
    let states: Vec<&str> =
        logs["DiskOperationLogSet"].as_array().unwrap().iter().map(|l| l["OperationState"].as_str().unwrap()).collect();
    assert_eq!(states, ["FAILED"]);

    // A failed resize keeps the size; a failed snapshot leaves none and a FAILED log.
    let d = t.new_disk("ap-guangzhou-3", 20);
    add(&t, json!({"surface": "tencent-cbs", "operation": "ResizeDisk", "effect": {"fail_job": true}}));
    t.ok("ResizeDisk", json!({"DiskId": d, "DiskSize": 40}));
    let disk = t.disk(&d).unwrap();
    assert_eq!((disk["DiskSize"].as_i64(), disk["DiskState"].as_str()), (Some(20), Some("UNATTACHED")));
    add(&t, json!({"surface": "tencent-cbs", "operation": "CreateSnapshot", "effect": {"fail_job": true}}));
    let snap = t.ok("CreateSnapshot", json!({"DiskId": d}))["SnapshotId"].as_str().unwrap().to_string();
    let found = t.ok("DescribeSnapshots", json!({"SnapshotIds": [snap]}));
    assert_eq!(found["TotalCount"], 0);
    let logs = t.ok("DescribeSnapshotOperationLogs", json!({"Filters": [{"Name": "snapshot-id", "Values": [snap]}]}));
    assert_eq!(logs["SnapshotOperationLogSet"][0]["OperationState"], "FAILED", "{logs}");
}

#[test]
fn a_failed_job_on_huawei_and_ucloudstack() {
    let t = common::twin(TimingPolicy::Immediate);
    let body = json!({"vault": {"name": "v", "resources": [{"id": WEB, "type": "OS::Nova::Server"}],
        "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 100}}});
    let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(body))["vault"]["id"].as_str().unwrap().to_string();
    add(&t, json!({"surface": "huawei-cbr", "operation": "CreateCheckpoint", "effect": {"fail_job": true}}));
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let backups = t.hw_ok("GET", &format!("/v3/{{p}}/backups?resource_id={WEB}"), None);
    assert_eq!(backups["backups"][0]["status"], "error", "{backups}");
    let failed = t.hw_ok("GET", "/v3/{p}/operation-logs?status=failed", None);
    assert_eq!(failed["count"], 1);

    add(&t, json!({"surface": "ucloudstack", "operation": "CreateSnapshot", "effect": {"fail_job": true}}));
    let id = t.ucs_ok("CreateSnapshot", &[("Name", "s"), ("DiskID", "disk-ucsdata2")])["SnapshotID"]
        .as_str()
        .unwrap()
        .to_string();
    let d = t.ucs_ok("DescribeSnapshot", &[("SnapshotIDs.0", &id)]);
    assert_eq!(d["Infos"][0]["SnapshotStatus"], "Failure", "{d}");
    let disk = t.ucs_ok("DescribeDisk", &[("DiskIDs.0", "disk-ucsdata2")]);
    assert_ne!(disk["Infos"][0]["Status"], "Snapshoting", "{disk}");
}

#[test]
fn bad_rules_are_refused_with_the_field_and_none_is_added() {
    let t = common::twin(TimingPolicy::Immediate);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"surface": "aws", "operation": "*", "effect": {"error": "InternalError"}}), "surface"),
        (json!({"surface": "tencent-cbs", "operation": "Nope*", "effect": {"error": "InternalError"}}), "operation"),
        (
            json!({"surface": "tencent-cbs", "operation": "*", "effect": {"error": "BackupService.6302"}}),
            "effect.error",
        ),
        (json!({"surface": "huawei-cbr", "operation": "*", "effect": {"error": "InternalError"}}), "effect.error"),
        (json!({"surface": "ucloudstack", "operation": "*", "effect": {"error": 0}}), "effect.error"),
        (json!({"surface": "gateway", "operation": "*", "effect": {"error": 418}}), "effect.error"),
        (
            json!({"surface": "tencent-cbs", "operation": "*", "effect": {"error": "InternalError"}, "probability": 1.5}),
            "probability",
        ),
        (
            json!({"surface": "tencent-cbs", "operation": "*", "effect": {"error": "InternalError"}, "times": 0}),
            "times",
        ),
        (
            json!({"surface": "tencent-cbs", "operation": "*", "effect": {"error": "InternalError"}, "every": 2, "probability": 0.5}),
            "every",
        ),
        (json!({"surface": "tencent-cbs", "operation": "*", "effect": {}}), "effect"),
        (
            json!({"surface": "tencent-cbs", "operation": "*", "effect": {"error": "InternalError", "fail_job": true}}),
            "effect",
        ),
        (json!({"surface": "tencent-cbs", "operation": "*", "effect": {"latency_ms": 999_999}}), "effect.latency_ms"),
        (
            json!({"surface": "tencent-cbs", "operation": "*", "account": "nobody", "effect": {"latency_ms": 1}}),
            "account",
        ),
        (json!({"surface": "tencent-cbs", "operation": "*", "colour": 1, "effect": {"latency_ms": 1}}), "body"),
        (json!([1, 2]), "body"),
    ];
    for (rule, field) in cases {
        let r = t.control("POST", "/_cloudtwin/faults", Some(rule.clone()));
        assert_eq!(r.status, 400, "{rule}");
        assert_eq!(r.json()["field"], field, "{rule}: {}", r.json());
    }
    let r = common::raw(t.addr, "POST", "/_cloudtwin/faults", &[("Content-Type", "application/json")], b"{not json");
    assert_eq!((r.status, r.json()["field"].as_str()), (400, Some("body")));
    assert!(rules(&t).is_empty());
}

#[test]
fn delete_one_clear_all_and_reset_clears() {
    let t = common::twin(TimingPolicy::Immediate);
    let a = add(&t, json!({"surface": "tencent-cbs", "operation": "*", "effect": {"latency_ms": 0}}));
    add(&t, json!({"surface": "gateway", "operation": "*", "effect": {"latency_ms": 0}}));
    let r = t.control("DELETE", &format!("/_cloudtwin/faults/{}", a["id"]), None);
    assert_eq!(r.json(), json!({"deleted": a["id"]}));
    assert_eq!(t.control("DELETE", "/_cloudtwin/faults/99", None).status, 404);
    assert_eq!(rules(&t).len(), 1);
    assert_eq!(t.control("DELETE", "/_cloudtwin/faults", None).json(), json!({"rules": []}));
    add(&t, json!({"surface": "tencent-cbs", "operation": "*", "effect": {"error": "InternalError"}}));
    t.control("POST", "/_cloudtwin/reset", None);
    assert!(rules(&t).is_empty());
    t.ok("DescribeDisks", json!({}));
}

#[test]
fn a_failed_gateway_job_fails_its_tencent_work() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = disk_count(&t);
    add(&t, json!({"surface": "gateway", "operation": "DiskCreate", "effect": {"fail_job": true}}));
    t.gw_ok(
        "/v1/tencent/disk/create",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskSize": 20, "DiskName": "gone",
        "DiskCount": 1, "DiskType": "CLOUD_PREMIUM"}),
    );
    assert_eq!(disk_count(&t), before, "the failed create left no disk");
    let r = &rules(&t)[0];
    assert_eq!(r["hits"], 1);
    // A read starts no job: a fail_job rule on it counts a match, not a hit.
    add(&t, json!({"surface": "gateway", "operation": "DiskList", "effect": {"fail_job": true}}));
    t.gw_ok("/v1/tencent/disk/list", json!({"PageNum": 0, "PageSize": 10}));
    let r = &rules(&t)[1];
    assert_eq!((r["matches"].as_u64(), r["hits"].as_u64()), (Some(1), Some(0)));
}
