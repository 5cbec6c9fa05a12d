//! Huawei CBR over raw HTTP: the envelope and status of every answer, the documented validation
//! errors (with the state unchanged), the async state machines on the virtual clock, policies
//! firing with retention, replication, tokens and tenant checks.

use crate::common;

use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_SK, PEER_AK, PEER_SK};
use cloudtwin_emulator::huawei::sign::Algorithm;
use cloudtwin_emulator::timing::TimingPolicy;
use common::hw::*;
use common::raw;
use serde_json::{json, Value};

fn server_vault(name: &str, size: i64, resources: Value) -> Value {
    json!({"vault": {"name": name, "resources": resources,
        "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": size}}})
}

fn new_vault(t: &common::Twin, resources: Value) -> String {
    let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(server_vault("vault-1", 200, resources)));
    v["vault"]["id"].as_str().unwrap().to_string()
}

fn backups_of(t: &common::Twin, q: &str) -> Vec<Value> {
    t.hw_ok("GET", &format!("/v3/{{p}}/backups?{q}"), None)["backups"].as_array().unwrap().clone()
}

/// A request to the cn-south-1 project (the replication destination of cn-north-4).
fn south(t: &common::Twin, method: &str, path: &str, body: Option<Value>) -> common::Reply {
    let path = path.replace("{s}", SOUTH);
    t.hw_signed(Algorithm::HmacSha256, DEFAULT_AK, DEFAULT_SK, method, &path, body.as_ref(), Some(SOUTH))
}

/// A server replication vault in cn-south-1.
fn south_replication_vault(t: &common::Twin, size: i64, auto_expand: bool) -> String {
    let rv = json!({"vault": {"name": "replica", "resources": [], "auto_expand": auto_expand,
        "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "replication", "size": size}}});
    let r = south(t, "POST", "/v3/{s}/vaults", Some(rv));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()["vault"]["id"].as_str().unwrap().to_string()
}

/// Let queued work finish on a realistic clock.
fn settle(t: &common::Twin) {
    for _ in 0..6 {
        t.hw_ok("GET", "/v3/{p}/backups", None);
        t.advance(1.0);
    }
    t.hw_ok("GET", "/v3/{p}/backups", None);
}

fn copy_to(vault: &str) -> Value {
    json!({"replicate": {"destination_project_id": SOUTH, "destination_region": "cn-south-1", "destination_vault_id": vault}})
}

#[test]
fn vault_shapes_follow_the_doc() {
    let t = common::twin(TimingPolicy::Immediate);
    let r = t.hw("POST", "/v3/{p}/vaults", Some(server_vault("my_vault", 200, json!([]))));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json;charset=utf8"));
    assert!(r.header("x-request-id").is_some());
    let v = &r.json()["vault"];
    assert_eq!(v["provider_id"], "0daac4c5-6707-4851-97ba-169e36266b66");
    assert_eq!(v["billing"]["spec_code"], "vault.backup.server.normal");
    assert_eq!(v["billing"]["charging_mode"], "post_paid");
    assert_eq!((v["billing"]["allocated"].as_i64(), v["billing"]["used"].as_i64()), (Some(0), Some(0)));
    assert_eq!((v["threshold"].as_i64(), v["smn_notify"].as_bool()), (Some(80), Some(true)));
    assert_eq!((v["enterprise_project_id"].as_str(), v["description"].is_null()), (Some("0"), true));
    assert_eq!(v["bind_rules"], json!({}));
    assert!(v["created_at"].as_str().unwrap().ends_with("+00:00"));

    let id = v["id"].as_str().unwrap();
    let added = t.hw_ok(
        "POST",
        &format!("/v3/{{p}}/vaults/{id}/addresources"),
        Some(json!({"resources": [{"id": WEB, "type": "OS::Nova::Server"}]})),
    );
    assert_eq!(added, json!({"add_resource_ids": [WEB]}));
    let shown = t.hw_ok("GET", &format!("/v3/{{p}}/vaults/{id}"), None);
    let res = &shown["vault"]["resources"][0];
    assert_eq!((res["size"].as_i64(), res["protect_status"].as_str()), (Some(50), Some("available")));
    assert_eq!(shown["vault"]["billing"]["allocated"], 50);

    // Lists: count is the total, limit/offset page.
    for i in 0..3 {
        t.hw_ok("POST", "/v3/{p}/vaults", Some(server_vault(&format!("extra-{i}"), 10, json!([]))));
    }
    let page = t.hw_ok("GET", "/v3/{p}/vaults?limit=2&offset=1", None);
    assert_eq!((page["count"].as_i64(), page["vaults"].as_array().unwrap().len()), (Some(4), 2));
    assert_eq!((page["limit"].as_i64(), page["offset"].as_i64()), (Some(2), Some(1)));
    let by_resource = t.hw_ok("GET", &format!("/v3/{{p}}/vaults?resource_ids={WEB}"), None);
    assert_eq!(by_resource["count"], 1);
    assert_eq!(t.hw_ok("GET", "/v3/{p}/vaults?object_type=disk", None)["count"], 0);

    // Deleting is async: 204, `deleting`, then gone.
    let r = t.hw("DELETE", &format!("/v3/{{p}}/vaults/{id}"), None);
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_eq!(t.hw_err("GET", &format!("/v3/{{p}}/vaults/{id}"), None), (404, "BackupService.6105".into()));
}

#[test]
fn unknown_paths_methods_and_bodies() {
    let t = common::twin(TimingPolicy::Immediate);
    assert_eq!(t.hw_err("GET", "/v3/{p}/nothing", None), (404, "APIGW.0101".into()));
    assert_eq!(t.hw_err("PATCH", "/v3/{p}/vaults", None), (404, "APIGW.0101".into()));
    let before = t.hw_state();
    for bad in [&b"{nope"[..], b"[]", b"", b"\xff\xfe"] {
        let r = raw(t.addr, "POST", &format!("/v3/{P}/vaults"), &[("Content-Type", "application/json")], bad);
        assert_eq!(r.status, 401, "unsigned requests stop at the gateway");
        let host = t.host();
        let date = cloudtwin_emulator::huawei::sign::format_sdk_date(t.now());
        let out = cloudtwin_emulator::huawei::sign::Outgoing {
            method: "POST",
            raw_path: &format!("/v3/{P}/vaults"),
            raw_query: "",
            headers: &[("Host", host.as_str()), ("Content-Type", "application/json")],
            body: bad,
            sdk_date: &date,
        };
        let s = cloudtwin_emulator::huawei::sign::sign(Algorithm::HmacSha256, DEFAULT_AK, DEFAULT_SK, &out);
        let mut h: Vec<(&str, &str)> = s.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        h.push(("Authorization", &s.authorization));
        let r = raw(t.addr, "POST", &format!("/v3/{P}/vaults"), &h, bad);
        assert_eq!((r.status, r.json()["error_code"].as_str()), (400, Some("BackupService.9900")), "{bad:?}");
    }
    assert_eq!(before, t.hw_state());
}

#[test]
fn every_documented_vault_validation_error_leaves_state_unchanged() {
    let t = common::twin(TimingPolicy::Immediate);
    let base = || server_vault("ok-name", 100, json!([]));
    let with = |path: &[&str], v: Value| {
        let mut b = base();
        let mut cur = &mut b["vault"];
        for p in &path[..path.len() - 1] {
            cur = &mut cur[*p];
        }
        cur[path[path.len() - 1]] = v;
        b
    };
    let many = |n: usize| {
        Value::Array(
            (0..n)
                .map(|i| json!({"id": format!("00000000-0000-4000-8000-{i:012}"), "type": "OS::Nova::Server"}))
                .collect(),
        )
    };
    let tags = |n: usize| Value::Array((0..n).map(|i| json!({"key": format!("k{i}"), "value": "v"})).collect());
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("name 65 chars", with(&["name"], json!("a".repeat(65))), 400, "BackupService.9900"),
        ("name with a space", with(&["name"], json!("my vault")), 400, "BackupService.9900"),
        ("description with <", with(&["description"], json!("<b>")), 400, "BackupService.9900"),
        ("size 9", with(&["billing", "size"], json!(9)), 400, "BackupService.6101"),
        ("size 10485761", with(&["billing", "size"], json!(10_485_761)), 400, "BackupService.6101"),
        ("size as a string", with(&["billing", "size"], json!("100")), 400, "BackupService.9900"),
        ("bad object_type", with(&["billing", "object_type"], json!("tape")), 400, "BackupService.9900"),
        ("bad protect_type", with(&["billing", "protect_type"], json!("archive")), 400, "BackupService.6116"),
        ("pre_paid without period", with(&["billing", "charging_mode"], json!("pre_paid")), 400, "BackupService.9900"),
        ("256 resources", with(&["resources"], many(256)), 400, "BackupService.9900"),
        ("11 tags", with(&["tags"], tags(11)), 400, "BackupService.6600"),
        ("empty tag list", with(&["tags"], json!([])), 400, "BackupService.9900"),
        (
            "duplicate tag key",
            with(&["tags"], json!([{"key": "a", "value": "1"}, {"key": "a", "value": "2"}])),
            400,
            "BackupService.9900",
        ),
        (
            "tag key 37 chars",
            with(&["tags"], json!([{"key": "k".repeat(37), "value": "v"}])),
            400,
            "BackupService.9900",
        ),
        ("threshold 0", with(&["threshold"], json!(0)), 400, "BackupService.9900"),
        ("threshold 101", with(&["threshold"], json!(101)), 400, "BackupService.9900"),
        ("prefix 33 chars", with(&["backup_name_prefix"], json!("p".repeat(33))), 400, "BackupService.9900"),
        ("demand_billing on post_paid", with(&["demand_billing"], json!(true)), 400, "BackupService.7411"),
        ("unknown field", with(&["colour"], json!("blue")), 400, "BackupService.9900"),
        ("unknown billing field", with(&["billing", "discount"], json!(1)), 400, "BackupService.9900"),
        ("6 bind rules", with(&["bind_rules"], json!({"tags": tags(6)})), 400, "BackupService.9900"),
        (
            "unknown server",
            with(&["resources"], json!([{"id": "00000000-0000-4000-8000-000000000000", "type": "OS::Nova::Server"}])),
            404,
            "BackupService.7100",
        ),
        (
            "disk in a server vault",
            with(&["resources"], json!([{"id": VOL_ARCHIVE, "type": "OS::Cinder::Volume"}])),
            400,
            "BackupService.6102",
        ),
        (
            "same resource twice",
            with(
                &["resources"],
                json!([{"id": WEB, "type": "OS::Nova::Server"}, {"id": WEB, "type": "OS::Nova::Server"}]),
            ),
            400,
            "BackupService.6104",
        ),
        (
            "unknown policy",
            with(&["backup_policy_id"], json!("00000000-0000-4000-8000-000000000000")),
            404,
            "BackupService.6000",
        ),
    ];
    let mut prepaid_expand = base();
    prepaid_expand["vault"]["billing"]["charging_mode"] = json!("pre_paid");
    prepaid_expand["vault"]["billing"]["period_type"] = json!("month");
    prepaid_expand["vault"]["billing"]["period_num"] = json!(1);
    prepaid_expand["vault"]["auto_expand"] = json!(true);
    let before = t.hw_state();
    for (what, body, status, code) in
        cases.into_iter().chain([("auto_expand on pre_paid", prepaid_expand, 400, "BackupService.6143")])
    {
        assert_eq!(t.hw_err("POST", "/v3/{p}/vaults", Some(body)), (status, code.to_string()), "{what}");
    }
    assert_eq!(before, t.hw_state(), "rejected requests change nothing");
    // The boundaries themselves are accepted.
    let mut edge = base();
    edge["vault"]["name"] = json!("名".repeat(64));
    edge["vault"]["billing"]["size"] = json!(10);
    edge["vault"]["tags"] = tags(10);
    edge["vault"]["threshold"] = json!(100);
    t.hw_ok("POST", "/v3/{p}/vaults", Some(edge));
    let mut big = base();
    big["vault"]["billing"]["size"] = json!(10_485_760);
    t.hw_ok("POST", "/v3/{p}/vaults", Some(big));
}

#[test]
fn resource_and_lock_rules() {
    let t = common::twin(TimingPolicy::Immediate);
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    let other = new_vault(&t, json!([]));
    let add =
        |vault: &str, body: Value| t.hw_err("POST", &format!("/v3/{{p}}/vaults/{vault}/addresources"), Some(body));
    assert_eq!(
        add(&other, json!({"resources": [{"id": WEB, "type": "OS::Nova::Server"}]})),
        (400, "BackupService.6103".into())
    );
    assert_eq!(add(&other, json!({"resources": []})), (400, "BackupService.9900".into()));
    let many: Vec<Value> = (0..257).map(|i| json!({"id": format!("x{i}"), "type": "OS::Nova::Server"})).collect();
    assert_eq!(add(&other, json!({"resources": many})), (400, "BackupService.9900".into()));
    assert_eq!(
        add("00000000-0000-4000-8000-000000000000", json!({"resources": [{"id": DB, "type": "OS::Nova::Server"}]})),
        (404, "BackupService.6105".into())
    );
    let rm = |vault: &str, ids: Value| {
        t.hw_err("POST", &format!("/v3/{{p}}/vaults/{vault}/removeresources"), Some(json!({"resource_ids": ids})))
    };
    assert_eq!(rm(&other, json!([WEB])), (400, "BackupService.6135".into()));

    // Locking is one-way and blocks delete, removal and migration.
    t.hw_ok("PUT", &format!("/v3/{{p}}/vaults/{v}"), Some(json!({"vault": {"locked": true}})));
    assert_eq!(
        t.hw_err("PUT", &format!("/v3/{{p}}/vaults/{v}"), Some(json!({"vault": {"locked": false}}))),
        (400, "BackupService.9900".into())
    );
    assert_eq!(t.hw_err("DELETE", &format!("/v3/{{p}}/vaults/{v}"), None), (400, "BackupService.6153".into()));
    assert_eq!(rm(&v, json!([WEB])), (400, "BackupService.6154".into()));
    let mig = json!({"destination_vault_id": other, "resource_ids": [WEB]});
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/vaults/{v}/migrateresources"), Some(mig)),
        (400, "BackupService.6155".into())
    );

    // Migration moves the resource (and its backups) between unlocked vaults.
    let a = new_vault(&t, json!([{"id": DB, "type": "OS::Nova::Server"}]));
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": a}})));
    let moved = t.hw_ok(
        "POST",
        &format!("/v3/{{p}}/vaults/{a}/migrateresources"),
        Some(json!({"destination_vault_id": other, "resource_ids": [DB]})),
    );
    assert_eq!(moved, json!({"migrated_resources": [DB]}));
    assert_eq!(backups_of(&t, &format!("vault_id={other}")).len(), 1);
    // Shrinking below what is stored fails; growing works.
    assert_eq!(
        t.hw_err("PUT", &format!("/v3/{{p}}/vaults/{other}"), Some(json!({"vault": {"billing": {"size": 9}}}))),
        (400, "BackupService.6101".into())
    );
    let up = t.hw_ok(
        "PUT",
        &format!("/v3/{{p}}/vaults/{other}"),
        Some(json!({"vault": {"billing": {"size": 300}, "name": "renamed"}})),
    );
    assert_eq!((up["vault"]["billing"]["size"].as_i64(), up["vault"]["name"].as_str()), (Some(300), Some("renamed")));
}

#[test]
fn checkpoint_backup_restore_delete_walk_their_states() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    let c = t.hw_ok(
        "POST",
        "/v3/{p}/checkpoints",
        Some(json!({"checkpoint": {"vault_id": v, "parameters": {"name": "backup_auto", "description": "d"}}})),
    );
    let cp = &c["checkpoint"];
    assert_eq!(cp["status"], "protecting");
    assert_eq!(cp["vault"]["resources"][0]["resource_size"], "50", "numbers are strings here, as documented");
    assert_eq!(cp["extra_info"]["retention_duration"], -1);
    let cid = cp["id"].as_str().unwrap().to_string();

    let mut seen_backup = vec![];
    let mut seen_task = vec![];
    for _ in 0..6 {
        let b = backups_of(&t, &format!("checkpoint_id={cid}"));
        seen_backup.push(b[0]["status"].as_str().unwrap().to_string());
        let logs = t.hw_ok("GET", "/v3/{p}/operation-logs?operation_type=backup", None);
        seen_task.push(logs["operation_logs"][0]["status"].as_str().unwrap().to_string());
        t.advance(1.0);
    }
    seen_backup.dedup();
    seen_task.dedup();
    assert_eq!(seen_backup, ["protecting", "available"]);
    assert_eq!(seen_task, ["waiting", "running", "success"]);
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/checkpoints/{cid}"), None)["checkpoint"]["status"], "available");

    let b = backups_of(&t, &format!("checkpoint_id={cid}"))[0].clone();
    let bid = b["id"].as_str().unwrap().to_string();
    assert_eq!(b["children"].as_array().unwrap().len(), 2, "one disk backup per volume");
    assert_eq!(b["children"][0]["parent_id"], bid.as_str());
    assert_eq!((b["incremental"].as_bool(), b["name"].as_str()), (Some(false), Some("backup_auto")));
    let vault = t.hw_ok("GET", &format!("/v3/{{p}}/vaults/{v}"), None);
    assert_eq!(vault["vault"]["billing"]["used"], 50 * 1024, "a full backup stores the whole 50 GB, in MB");

    // Restore: 202, no body; the backup is `restoring` until the task ends.
    let child = &b["children"][0];
    let restore = json!({"restore": {"server_id": WEB, "mappings": [{"backup_id": child["id"], "volume_id": child["resource_id"]}]}});
    let r = t.hw("POST", &format!("/v3/{{p}}/backups/{bid}/restore"), Some(restore.clone()));
    assert_eq!((r.status, r.body.len()), (202, 0));
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/backups/{bid}"), None)["backup"]["status"], "restoring");
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{bid}/restore"), Some(restore)),
        (400, "BackupService.6230".into())
    );
    assert_eq!(t.hw_err("DELETE", &format!("/v3/{{p}}/backups/{bid}"), None), (400, "BackupService.6230".into()));
    for _ in 0..4 {
        t.hw_ok("GET", "/v3/{p}/operation-logs", None);
        t.advance(1.0);
    }
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/backups/{bid}"), None)["backup"]["status"], "available");
    let logs = t.hw_ok("GET", "/v3/{p}/operation-logs?operation_type=restore", None);
    let log = &logs["operation_logs"][0];
    assert_eq!(
        (log["status"].as_str(), log["extra_info"]["restore"]["target_resource_id"].as_str()),
        (Some("success"), Some(WEB))
    );
    let one = t.hw_ok("GET", &format!("/v3/{{p}}/operation-logs/{}", log["id"].as_str().unwrap()), None);
    assert_eq!(one["operation_log"]["id"], log["id"]);
    let (s, code) = t.hw_err("GET", "/v3/{p}/operation-logs/00000000-0000-4000-8000-000000000000", None);
    assert_eq!((s, code.as_str()), (404, "BackupService.6500"));

    // Delete: 204; `deleting` until the task ends, then gone (children too).
    assert_eq!(t.hw("DELETE", &format!("/v3/{{p}}/backups/{bid}"), None).status, 204);
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/backups/{bid}"), None)["backup"]["status"], "deleting");
    for _ in 0..4 {
        t.hw_ok("GET", "/v3/{p}/backups", None);
        t.advance(1.0);
    }
    assert_eq!(t.hw_err("GET", &format!("/v3/{{p}}/backups/{bid}"), None), (404, "BackupService.6200".into()));
    assert_eq!(t.hw_ok("GET", "/v3/{p}/backups?parent_id=".to_string().as_str(), None)["count"], 0);
}

#[test]
fn faults_from_the_control_plane_fail_tasks() {
    let t = common::twin(TimingPolicy::Immediate);
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}, {"id": DB, "type": "OS::Nova::Server"}]));
    let r = t.control("POST", "/_cloudtwin/huawei/faults", Some(json!({"operation_type": "backup", "target": DB})));
    assert_eq!(r.status, 200);
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let web = backups_of(&t, &format!("resource_id={WEB}"));
    let db = backups_of(&t, &format!("resource_id={DB}"));
    assert_eq!((web[0]["status"].as_str(), db[0]["status"].as_str()), (Some("available"), Some("error")));
    let failed = t.hw_ok("GET", "/v3/{p}/operation-logs?status=failed", None);
    assert_eq!(failed["count"], 1);
    assert_eq!(failed["operation_logs"][0]["error_info"]["code"], "BackupService.9910");
    assert!(t.control("GET", "/_cloudtwin/huawei/faults", None).json()["faults"].as_array().unwrap().is_empty());
    assert_eq!(t.control("POST", "/_cloudtwin/huawei/faults", Some(json!({"operation_type": "nap"}))).status, 400);
}

#[test]
fn policies_validate_bind_once_and_fire_with_max_backups() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    let policy = |od: Value, pattern: Value| json!({"policy": {"name": "daily", "operation_type": "backup", "operation_definition": od, "trigger": {"properties": {"pattern": pattern}}}});
    let daily = json!(["FREQ=DAILY;INTERVAL=1;BYHOUR=23;BYMINUTE=00"]);
    let bad: Vec<(&str, Value)> = vec![
        ("hourly", policy(json!({"max_backups": 3}), json!(["FREQ=HOURLY;BYHOUR=1;BYMINUTE=0"]))),
        (
            "30 min apart",
            policy(
                json!({"max_backups": 3}),
                json!(["FREQ=DAILY;BYHOUR=1;BYMINUTE=0", "FREQ=DAILY;BYHOUR=1;BYMINUTE=30"]),
            ),
        ),
        (
            "25 patterns",
            policy(
                json!({}),
                Value::Array((0..25).map(|h| json!(format!("FREQ=DAILY;BYHOUR={};BYMINUTE=0", h % 24))).collect()),
            ),
        ),
        ("retention with max_backups", policy(json!({"max_backups": 3, "retention_duration_days": 5}), daily.clone())),
        ("day_backups without timezone", policy(json!({"day_backups": 3}), daily.clone())),
        ("max_backups 0", policy(json!({"max_backups": 0}), daily.clone())),
        ("max_backups 100000", policy(json!({"max_backups": 100_000}), daily.clone())),
        (
            "replication to the same region",
            json!({"policy": {"name": "r", "operation_type": "replication", "operation_definition": {"destination_region": "cn-north-4", "destination_project_id": P}, "trigger": {"properties": {"pattern": daily}}}}),
        ),
    ];
    let before = t.hw_state();
    for (what, body) in bad {
        assert_eq!(t.hw_err("POST", "/v3/{p}/policies", Some(body)), (400, "BackupService.9900".into()), "{what}");
    }
    assert_eq!(before, t.hw_state());
    // The doc's own examples: zeros beside retention_duration_days, and no operation_type.
    t.hw_ok(
        "POST",
        "/v3/{p}/policies",
        Some(policy(
            json!({"retention_duration_days": 1, "day_backups": 0, "week_backups": 0, "timezone": "UTC+08:00"}),
            daily.clone(),
        )),
    );
    let s52 = json!({"policy": {"name": "dh_test_policy", "trigger": {"properties": {"pattern": ["FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYHOUR=23;BYMINUTE=00"]}}, "operation_definition": {"retention_duration_days": 30}}});
    let p52 = t.hw_ok("POST", "/v3/{p}/policies", Some(s52));
    assert_eq!(
        (p52["policy"]["operation_type"].as_str(), p52["policy"]["enabled"].as_bool()),
        (Some("backup"), Some(true))
    );
    assert_eq!(p52["policy"]["trigger"]["name"], "default");

    let pol = t.hw_ok("POST", "/v3/{p}/policies", Some(policy(json!({"max_backups": 3}), daily)));
    let pid = pol["policy"]["id"].as_str().unwrap().to_string();
    let big = server_vault(
        "policy-vault",
        1000,
        json!([{"id": WEB, "type": "OS::Nova::Server"}, {"id": DB, "type": "OS::Nova::Server"}]),
    );
    let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(big))["vault"]["id"].as_str().unwrap().to_string();
    let bind = t.hw_ok("POST", &format!("/v3/{{p}}/vaults/{v}/associatepolicy"), Some(json!({"policy_id": pid})));
    assert_eq!(bind, json!({"associate_policy": {"vault_id": v, "policy_id": pid}}));
    let second = p52["policy"]["id"].as_str().unwrap();
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/vaults/{v}/associatepolicy"), Some(json!({"policy_id": second}))),
        (400, "BackupService.4022".into())
    );
    let shown = t.hw_ok("GET", &format!("/v3/{{p}}/policies/{pid}"), None);
    assert_eq!(shown["policy"]["associated_vaults"], json!([{"vault_id": v}]));
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/vaults?policy_id={pid}"), None)["count"], 1);

    // Five days later: exactly the newest three automatic backups per server remain.
    t.advance(5.0 * 86_400.0);
    for server in [WEB, DB] {
        let list = backups_of(&t, &format!("resource_id={server}&sort=created_at:asc"));
        let summary: Vec<(&str, &str, &str)> = list
            .iter()
            .map(|b| (b["created_at"].as_str().unwrap(), b["status"].as_str().unwrap(), b["name"].as_str().unwrap()))
            .collect();
        assert_eq!(list.len(), 3, "{server}: {summary:#?}");
        let mut days: Vec<String> = list.iter().map(|b| b["created_at"].as_str().unwrap()[..13].to_string()).collect();
        days.dedup();
        assert_eq!(days, ["2026-11-24T23", "2026-11-25T23", "2026-11-26T23"]);
        assert!(list.iter().all(|b| b["extend_info"]["auto_trigger"] == true && b["status"] == "available"));
        assert!(list.iter().all(|b| b["name"].as_str().unwrap().starts_with("autobk_")));
    }
    // The first of each server's automatic backups was full and has been pruned; the rest are
    // incremental.
    assert!(backups_of(&t, "").iter().all(|b| b["incremental"] == true));
    // A vault too small for another run skips it (BackupService.6114 territory), as the service does.
    let small = server_vault("small", 40, json!([{"id": STOPPED, "type": "OS::Nova::Server"}]));
    let sv = t.hw_ok("POST", "/v3/{p}/vaults", Some(small))["vault"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": sv}})));
    for _ in 0..3 {
        t.hw_ok("GET", "/v3/{p}/backups", None);
        t.advance(1.0);
    }
    assert_eq!(
        t.hw_err("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": sv}}))),
        (400, "BackupService.6114".into())
    );

    // Disabled: no more runs.
    t.hw_ok("PUT", &format!("/v3/{{p}}/policies/{pid}"), Some(json!({"policy": {"enabled": false}})));
    let before = backups_of(&t, "").len();
    t.advance(2.0 * 86_400.0);
    assert_eq!(backups_of(&t, "").len(), before);
    // Unbind, then delete.
    let un = t.hw_ok("POST", &format!("/v3/{{p}}/vaults/{v}/dissociatepolicy"), Some(json!({"policy_id": pid})));
    assert_eq!(un["dissociate_policy"]["policy_id"], pid.as_str());
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/vaults/{v}/dissociatepolicy"), Some(json!({"policy_id": pid}))),
        (404, "BackupService.6002".into())
    );
    assert_eq!(t.hw("DELETE", &format!("/v3/{{p}}/policies/{pid}"), None).status, 204);
    assert_eq!(t.hw_err("GET", &format!("/v3/{{p}}/policies/{pid}"), None), (404, "BackupService.6000".into()));
}

#[test]
fn retention_days_expire_backups_on_the_clock() {
    let t = common::twin(TimingPolicy::Immediate);
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    let body = json!({"policy": {"name": "keep2", "operation_type": "backup", "operation_definition": {"retention_duration_days": 2},
        "trigger": {"properties": {"pattern": ["FREQ=DAILY;BYHOUR=1;BYMINUTE=0"]}}}});
    let pid = t.hw_ok("POST", "/v3/{p}/policies", Some(body))["policy"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", &format!("/v3/{{p}}/vaults/{v}/associatepolicy"), Some(json!({"policy_id": pid})));
    t.advance(6.0 * 86_400.0);
    let list = backups_of(&t, "");
    assert_eq!(list.len(), 2, "only the last two days' backups survive: {list:#?}");
    assert!(list.iter().all(|b| b["expired_at"].is_string()));
    let deletes = t.hw_ok("GET", "/v3/{p}/operation-logs?operation_type=delete", None);
    assert_eq!(deletes["count"], 4);
}

#[test]
fn replication_copies_into_the_destination_region() {
    let t = common::twin(TimingPolicy::Immediate);
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let bid = backups_of(&t, "")[0]["id"].as_str().unwrap().to_string();
    let south = |method: &str, path: &str, body: Option<Value>| {
        t.hw_signed(
            Algorithm::HmacSha256,
            DEFAULT_AK,
            DEFAULT_SK,
            method,
            &path.replace("{s}", SOUTH),
            body.as_ref(),
            Some(SOUTH),
        )
    };
    let rv = json!({"vault": {"name": "replica", "resources": [], "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "replication", "size": 100}}});
    let dest = south("POST", "/v3/{s}/vaults", Some(rv)).json();
    assert_eq!(dest["vault"]["billing"]["spec_code"], "vault.replication.server.normal");
    let dv = dest["vault"]["id"].as_str().unwrap().to_string();
    let copy = |region: &str, vault: &str| json!({"replicate": {"destination_project_id": SOUTH, "destination_region": region, "destination_vault_id": vault}});
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{bid}/replicate"), Some(copy("cn-south-1", &v))),
        (400, "BackupService.6120".into())
    );
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{bid}/replicate"), Some(copy("ap-southeast-1", &dv))),
        (400, "BackupService.1005".into())
    );
    let r = t.hw_ok("POST", &format!("/v3/{{p}}/backups/{bid}/replicate"), Some(copy("cn-south-1", &dv)));
    assert_eq!(
        (r["replication"]["source_region"].as_str(), r["replication"]["destination_region"].as_str()),
        (Some("cn-north-4"), Some("cn-south-1"))
    );
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{bid}/replicate"), Some(copy("cn-south-1", &dv))),
        (400, "BackupService.1009".into())
    );
    let src = backups_of(&t, "show_replication=true");
    assert_eq!(src[0]["replication_records"][0]["status"], "success");
    let there = south("GET", &format!("/v3/{{s}}/backups?vault_id={dv}"), None).json();
    assert_eq!(there["count"], 1);
    let copy_b = &there["backups"][0];
    assert_eq!((copy_b["image_type"].as_str(), copy_b["status"].as_str()), (Some("replication"), Some("available")));
    let cid = copy_b["id"].as_str().unwrap();
    let r = south("POST", &format!("/v3/{{s}}/backups/{cid}/restore"), Some(json!({"restore": {"server_id": WEB}})));
    assert_eq!(r.json()["error_code"], "BackupService.2004");
    let ext =
        t.hw_ok("GET", &format!("/v3/{{p}}/vaults/external?external_project_id={SOUTH}&region_id=cn-south-1"), None);
    assert_eq!(ext["count"], 1);
}

#[test]
fn tenants_tokens_and_signature_algorithms() {
    let t = common::twin(TimingPolicy::Immediate);
    // The peer's keys cannot reach the default account's project, and the other way round.
    let r = t.hw_signed(Algorithm::HmacSha256, PEER_AK, PEER_SK, "GET", &format!("/v3/{P}/vaults"), None, Some(P));
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("BackupService.1015")));
    let r = t.hw_signed(
        Algorithm::HmacSha256,
        DEFAULT_AK,
        DEFAULT_SK,
        "GET",
        &format!("/v3/{PEER}/vaults"),
        None,
        Some(PEER),
    );
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("BackupService.1015")));
    let r = t.hw_signed(
        Algorithm::HmacSha256,
        DEFAULT_AK,
        DEFAULT_SK,
        "GET",
        &format!("/v3/{P}/vaults"),
        None,
        Some(SOUTH),
    );
    assert_eq!(r.json()["error_code"], "BackupService.1015", "X-Project-Id must match the path");
    let r = t.hw_signed(Algorithm::HmacSha256, DEFAULT_AK, "wrong", "GET", &format!("/v3/{P}/vaults"), None, Some(P));
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("APIGW.0301")));
    let r =
        t.hw_signed(Algorithm::HmacSha256, "NOSUCHAK", DEFAULT_SK, "GET", &format!("/v3/{P}/vaults"), None, Some(P));
    assert!(r.json()["error_msg"].as_str().unwrap().contains("ak NOSUCHAK not exist"));
    let r = t.hw_signed(Algorithm::HmacSm3, DEFAULT_AK, DEFAULT_SK, "GET", &format!("/v3/{P}/vaults"), None, Some(P));
    assert_eq!(r.status, 200, "SDK-HMAC-SM3");

    // IAM: a project-scoped token, valid 24 h on the twin's clock.
    let auth = |project: &str| json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "cloudtwin-user", "password": "cloudtwin-password", "domain": {"name": "cloudtwin"}}}}, "scope": {"project": {"name": project}}}});
    let body = serde_json::to_vec(&auth("cn-north-4")).unwrap();
    let r = raw(t.addr, "POST", "/v3/auth/tokens", &[("Content-Type", "application/json")], &body);
    assert_eq!(r.status, 201);
    let token = r.header("x-subject-token").unwrap().to_string();
    assert_eq!(r.json()["token"]["project"]["id"], P);
    let get = |path: &str, tok: &str| raw(t.addr, "GET", path, &[("X-Auth-Token", tok)], b"");
    assert_eq!(get(&format!("/v3/{P}/vaults"), &token).status, 200);
    assert_eq!(get(&format!("/v3/{SOUTH}/vaults"), &token).json()["error_code"], "BackupService.1015");
    assert_eq!(get(&format!("/v3/{P}/vaults"), "MIIforged").json()["error_code"], "APIGW.0301");
    let projects = get("/v3/projects?name=cn-north-4", &token).json();
    assert_eq!(projects["projects"][0]["id"], P);
    let wrong = serde_json::to_vec(&json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "cloudtwin-user", "password": "nope", "domain": {"name": "cloudtwin"}}}}, "scope": {"project": {"name": "cn-north-4"}}}})).unwrap();
    let r = raw(t.addr, "POST", "/v3/auth/tokens", &[("Content-Type", "application/json")], &wrong);
    assert_eq!((r.status, r.json()["error"]["code"].as_i64()), (401, Some(401)));
    t.advance(24.0 * 3600.0 + 1.0);
    assert_eq!(get(&format!("/v3/{P}/vaults"), &token).status, 401, "tokens last 24 h");
    // The state dump never shows a token.
    assert!(!String::from_utf8(t.control("GET", "/_cloudtwin/state", None).body).unwrap().contains(&token));
}

#[test]
fn protectables_features_metering_and_auto_bind() {
    let t = common::twin(TimingPolicy::Immediate);
    let list = t.hw_ok("GET", "/v3/{p}/protectables/server/instances", None);
    let web = list["instances"].as_array().unwrap().iter().find(|i| i["id"] == WEB).unwrap().clone();
    assert_eq!((web["size"].as_i64(), web["children"].as_array().unwrap().len()), (Some(50), 2));
    assert_eq!(web["protectable"]["result"], true);
    let broken = t.hw_ok("GET", &format!("/v3/{{p}}/protectables/server/instances/{BROKEN}"), None);
    assert_eq!(broken["instance"]["protectable"]["result"], false);
    assert_eq!(t.hw_err("GET", "/v3/{p}/protectables/server/instances/nope", None), (404, "BackupService.7100".into()));
    assert_eq!(t.hw_err("GET", "/v3/{p}/protectables/tape/instances", None), (400, "BackupService.9900".into()));
    assert_eq!(
        t.hw_err("GET", "/v3/{p}/protectables/server/instances?limit=51", None),
        (400, "BackupService.9900".into())
    );
    let disks = t.hw_ok("GET", &format!("/v3/{{p}}/protectables/disk/instances?server_id={WEB}"), None);
    assert_eq!(disks["instances"].as_array().unwrap().len(), 2);

    let agents = t.hw_ok("POST", "/v3/{p}/agent/check", Some(json!({"agent_status": [{"resource_id": WEB, "resource_type": "OS::Nova::Server"}, {"resource_id": DB, "resource_type": "OS::Nova::Server"}]})));
    assert_eq!(
        (agents["agent_status"][0]["installed"].as_bool(), agents["agent_status"][1]["installed"].as_bool()),
        (Some(true), Some(false))
    );
    let f = t.hw_ok("GET", "/v3/{p}/cbr-features", None);
    assert_eq!(f["replication.source_region"], "cn-north-4");
    assert_eq!(t.hw_ok("GET", "/v3/{p}/cbr-features/replication.enable", None), json!({"replication.enable": true}));
    assert_eq!(t.hw_err("GET", "/v3/{p}/cbr-features/nope", None).0, 400);
    let caps = t.hw_ok("GET", "/v3/{p}/replication-capabilities", None);
    assert!(caps["regions"].as_array().unwrap().iter().any(|r| r["name"] == "cn-north-4"));

    // A vault that binds by tag picks up a server added later with that tag, not one without.
    let mut vb = server_vault("auto", 500, json!([]));
    vb["vault"]["auto_bind"] = json!(true);
    vb["vault"]["bind_rules"] = json!({"tags": [{"key": "env", "value": "staging"}]});
    let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(vb))["vault"]["id"].as_str().unwrap().to_string();
    for (id, env) in
        [("c0a80001-0000-4000-8000-0000000000a1", "staging"), ("c0a80001-0000-4000-8000-0000000000a2", "prod")]
    {
        let s = json!({"project_id": P, "server": {"id": id, "name": format!("new-{env}"), "availability_zone": "cn-north-4a", "tags": [{"key": "env", "value": env}], "volumes": [{"id": format!("{id}-v"), "name": "sys", "size": 40, "bootable": true}]}});
        assert_eq!(t.control("POST", "/_cloudtwin/huawei/servers", Some(s)).status, 200);
    }
    let shown = t.hw_ok("GET", &format!("/v3/{{p}}/vaults/{v}"), None);
    let ids: Vec<&str> =
        shown["vault"]["resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["c0a80001-0000-4000-8000-0000000000a1"]);

    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let usage = t.hw_ok("GET", "/v3/{p}/storage_usage", None);
    assert_eq!(
        (usage["resource_count"].as_i64(), usage["storage_usage"][0]["backup_size"].as_i64()),
        (Some(1), Some(40))
    );
    assert_eq!(t.hw_ok("GET", "/v3/{p}/vaults/summary", None), json!({"size": 500, "used_size": 40}));
}

#[test]
fn auto_expand_grows_a_full_vault_and_full_backup_interval_alternates() {
    let t = common::twin(TimingPolicy::Immediate);
    let mut body = server_vault("grows", 40, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    body["vault"]["auto_expand"] = json!(true);
    let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(body))["vault"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let shown = t.hw_ok("GET", &format!("/v3/{{p}}/vaults/{v}"), None);
    assert_eq!(shown["vault"]["billing"]["size"], 50, "40 GB grew to hold the 50 GB full backup");

    let pol = json!({"policy": {"name": "alt", "operation_type": "backup", "operation_definition": {"full_backup_interval": 1},
        "trigger": {"properties": {"pattern": ["FREQ=DAILY;BYHOUR=2;BYMINUTE=0"]}}}});
    let pid = t.hw_ok("POST", "/v3/{p}/policies", Some(pol))["policy"]["id"].as_str().unwrap().to_string();
    let big = server_vault("alternating", 1000, json!([{"id": DB, "type": "OS::Nova::Server"}]));
    let dv = t.hw_ok("POST", "/v3/{p}/vaults", Some(big))["vault"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", &format!("/v3/{{p}}/vaults/{dv}/associatepolicy"), Some(json!({"policy_id": pid})));
    t.advance(4.0 * 86_400.0);
    let kinds: Vec<bool> = backups_of(&t, &format!("vault_id={dv}&sort=created_at:asc"))
        .iter()
        .map(|b| b["incremental"].as_bool().unwrap())
        .collect();
    assert_eq!(kinds, [false, true, false, true], "every second backup is full");
}

#[test]
fn per_disk_backups_have_no_children_and_replicas_keep_no_stale_ids() {
    let t = common::twin(TimingPolicy::Immediate);
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let b = backups_of(&t, "")[0].clone();
    let bid = b["id"].as_str().unwrap().to_string();
    let kids = b["children"].as_array().unwrap();
    assert_eq!(kids.len(), 2, "one disk backup per volume of the server");
    for k in kids {
        assert_eq!(k["children"], json!([]), "a disk-level backup has no children: {k:#}");
        assert_eq!(k["parent_id"], bid.as_str());
    }
    let state = t.hw_state();
    for k in kids {
        assert_eq!(state[P]["backups"][k["id"].as_str().unwrap()]["children"], json!([]));
    }
    // A replica's per-disk backups point to the replica, and have no children either.
    let dv = south_replication_vault(&t, 300, false);
    t.hw_ok("POST", &format!("/v3/{{p}}/backups/{bid}/replicate"), Some(copy_to(&dv)));
    let state = t.hw_state();
    let replicas: Vec<&Value> =
        state[SOUTH]["backups"].as_object().unwrap().values().filter(|b| b["vault_id"] == dv.as_str()).collect();
    assert_eq!(replicas.len(), 3, "the replica and its two disk backups");
    let parent = replicas.iter().find(|b| b["parent_id"].is_null()).unwrap();
    let kid_ids: Vec<&str> = parent["children"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(kid_ids.len(), 2);
    for k in replicas.iter().filter(|b| !b["parent_id"].is_null()) {
        assert_eq!(k["parent_id"], parent["id"]);
        assert!(kid_ids.contains(&k["id"].as_str().unwrap()));
        assert_eq!(k["children"], json!([]), "a replica's disk backup has no children: {k:#}");
    }
}

#[test]
fn restore_refuses_a_backup_in_a_state_that_does_not_allow_it() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let b = backups_of(&t, "")[0].clone();
    let bid = b["id"].as_str().unwrap().to_string();
    assert_eq!(b["status"], "protecting");
    let child = &b["children"][0];
    let restore = json!({"restore": {"server_id": WEB, "mappings": [{"backup_id": child["id"], "volume_id": child["resource_id"]}]}});
    let before = t.hw_state();
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{bid}/restore"), Some(restore.clone())),
        (400, "BackupService.2005".into()),
        "§C.3: the backup's status does not allow a restore"
    );
    assert_eq!(before, t.hw_state());
    settle(&t);
    // Being replicated: 6232.
    let dv = south_replication_vault(&t, 300, false);
    t.hw_ok("POST", &format!("/v3/{{p}}/backups/{bid}/replicate"), Some(copy_to(&dv)));
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{bid}/restore"), Some(restore.clone())),
        (400, "BackupService.6232".into())
    );
    settle(&t);
    assert_eq!(t.hw("POST", &format!("/v3/{{p}}/backups/{bid}/restore"), Some(restore)).status, 202);
}

#[test]
fn a_volume_restore_names_its_target_volume() {
    let t = common::twin(TimingPolicy::Immediate);
    let body = json!({"vault": {"name": "disks", "resources": [{"id": VOL_ARCHIVE, "type": "OS::Cinder::Volume"}],
        "billing": {"consistent_level": "crash_consistent", "object_type": "disk", "protect_type": "backup", "size": 300}}});
    let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(body))["vault"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let bid = backups_of(&t, "")[0]["id"].as_str().unwrap().to_string();
    let path = format!("/v3/{{p}}/backups/{bid}/restore");
    let before = t.hw_state();
    for body in [json!({"restore": {}}), json!({"restore": {"power_on": true}})] {
        assert_eq!(t.hw_err("POST", &path, Some(body.clone())), (400, "BackupService.9900".into()), "{body}");
    }
    assert_eq!(before, t.hw_state());
    assert_eq!(t.hw("POST", &path, Some(json!({"restore": {"volume_id": VOL_ARCHIVE}}))).status, 202);
    // resource_id, the generic target, names the volume as well.
    assert_eq!(t.hw("POST", &path, Some(json!({"restore": {"resource_id": VOL_ARCHIVE}}))).status, 202);
}

#[test]
fn create_checkpoint_honours_auto_trigger() {
    let t = common::twin(TimingPolicy::Immediate);
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}, {"id": DB, "type": "OS::Nova::Server"}]));
    let cp = |params: Value| {
        let c =
            t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v, "parameters": params}})));
        c["checkpoint"].clone()
    };
    // The 4.13.4 example sends auto_trigger: true.
    let c = cp(json!({"auto_trigger": true, "resources": [WEB]}));
    let b = backups_of(&t, &format!("checkpoint_id={}", c["id"].as_str().unwrap()))[0].clone();
    assert_eq!(b["extend_info"]["auto_trigger"], true);
    assert!(b["name"].as_str().unwrap().starts_with("autobk_"), "{}", b["name"]);
    assert_eq!(b["children"][0]["extend_info"]["auto_trigger"], true);
    let c = cp(json!({"auto_trigger": false, "resources": [WEB]}));
    let b = backups_of(&t, &format!("checkpoint_id={}", c["id"].as_str().unwrap()))[0].clone();
    assert_eq!(b["extend_info"]["auto_trigger"], false);
    assert!(b["name"].as_str().unwrap().starts_with("manualbk_"), "{}", b["name"]);
    // A resource whose automatic backups are suspended is skipped by an automatic run (6219),
    // and still backed up by a manual one.
    t.hw_ok(
        "PUT",
        &format!("/v3/{{p}}/vaults/{v}/set-resources"),
        Some(json!({"resource_ids": [DB], "action": "suspend"})),
    );
    let c = cp(json!({"auto_trigger": true, "resources": [DB]}));
    assert_eq!(c["vault"]["skipped_resources"][0]["id"], DB);
    assert_eq!(c["vault"]["skipped_resources"][0]["code"], "BackupService.6219");
    assert!(backups_of(&t, &format!("checkpoint_id={}", c["id"].as_str().unwrap())).is_empty());
    let c = cp(json!({"auto_trigger": true}));
    let ids: Vec<Value> = backups_of(&t, &format!("checkpoint_id={}", c["id"].as_str().unwrap()))
        .iter()
        .map(|b| b["resource_id"].clone())
        .collect();
    assert_eq!(ids, [json!(WEB)], "a whole-vault automatic run leaves the suspended resource out");
    let c = cp(json!({"resources": [DB]}));
    assert_eq!(backups_of(&t, &format!("checkpoint_id={}", c["id"].as_str().unwrap())).len(), 1);
}

#[test]
fn migration_needs_room_in_the_destination_vault() {
    let t = common::twin(TimingPolicy::Immediate);
    // DB is 140 GB: its full backup stores 140 GB.
    let src = t.hw_ok(
        "POST",
        "/v3/{p}/vaults",
        Some(server_vault("src", 200, json!([{"id": DB, "type": "OS::Nova::Server"}]))),
    );
    let src = src["vault"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": src}})));
    let small = t.hw_ok("POST", "/v3/{p}/vaults", Some(server_vault("small", 100, json!([]))));
    let small = small["vault"]["id"].as_str().unwrap().to_string();
    let migrate = |to: &str| json!({"destination_vault_id": to, "resource_ids": [DB]});
    let path = format!("/v3/{{p}}/vaults/{src}/migrateresources");
    let before = t.hw_state();
    assert_eq!(t.hw_err("POST", &path, Some(migrate(&small))), (400, "BackupService.6146".into()));
    assert_eq!(before, t.hw_state());
    // A resource without backups needs no room.
    t.hw_ok(
        "POST",
        &format!("/v3/{{p}}/vaults/{src}/addresources"),
        Some(json!({"resources": [{"id": STOPPED, "type": "OS::Nova::Server"}]})),
    );
    t.hw_ok("POST", &path, Some(json!({"destination_vault_id": small, "resource_ids": [STOPPED]})));
    // An auto-expanding destination grows to hold what moves in.
    let mut grows = server_vault("grows", 100, json!([]));
    grows["vault"]["auto_expand"] = json!(true);
    let grows = t.hw_ok("POST", "/v3/{p}/vaults", Some(grows))["vault"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", &path, Some(migrate(&grows)));
    let shown = t.hw_ok("GET", &format!("/v3/{{p}}/vaults/{grows}"), None);
    assert_eq!(
        (shown["vault"]["billing"]["size"].as_i64(), shown["vault"]["billing"]["used"].as_i64()),
        (Some(140), Some(140 * 1024))
    );
}

#[test]
fn replication_needs_room_in_the_destination_vault() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    // Two full 50 GB backups.
    for _ in 0..2 {
        t.hw_ok(
            "POST",
            "/v3/{p}/checkpoints",
            Some(json!({"checkpoint": {"vault_id": v, "parameters": {"incremental": false}}})),
        );
        settle(&t);
    }
    let ids: Vec<String> = backups_of(&t, "").iter().map(|b| b["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2);
    let tiny = south_replication_vault(&t, 10, false);
    let before = t.hw_state();
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{}/replicate", ids[0]), Some(copy_to(&tiny))),
        (400, "BackupService.6129".into())
    );
    let mut cc = copy_to(&tiny);
    cc["replicate"]["vault_id"] = json!(v);
    assert_eq!(t.hw_err("POST", "/v3/{p}/checkpoints/replicate", Some(cc)), (400, "BackupService.6129".into()));
    assert_eq!(before, t.hw_state());
    // 60 GB hold one 50 GB copy, counting the one still on its way.
    let sixty = south_replication_vault(&t, 60, false);
    let mut cc = copy_to(&sixty);
    cc["replicate"]["vault_id"] = json!(v);
    let before_60 = t.hw_state();
    assert_eq!(t.hw_err("POST", "/v3/{p}/checkpoints/replicate", Some(cc)), (400, "BackupService.6129".into()));
    assert_eq!(before_60, t.hw_state(), "a refused CopyCheckpoint starts nothing");
    t.hw_ok("POST", &format!("/v3/{{p}}/backups/{}/replicate", ids[0]), Some(copy_to(&sixty)));
    assert_eq!(
        t.hw_err("POST", &format!("/v3/{{p}}/backups/{}/replicate", ids[1]), Some(copy_to(&sixty))),
        (400, "BackupService.6129".into())
    );
    // An auto-expanding destination grows when the copy lands.
    let grows = south_replication_vault(&t, 10, true);
    t.hw_ok("POST", &format!("/v3/{{p}}/backups/{}/replicate", ids[1]), Some(copy_to(&grows)));
    settle(&t);
    let shown = south(&t, "GET", &format!("/v3/{{s}}/vaults/{grows}"), None).json();
    assert_eq!(
        (shown["vault"]["billing"]["size"].as_i64(), shown["vault"]["billing"]["used"].as_i64()),
        (Some(50), Some(50 * 1024))
    );
}

#[test]
fn create_checkpoint_answers_the_resources_as_they_were_before_the_backup() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    let v = new_vault(&t, json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    let body = json!({"checkpoint": {"vault_id": v, "parameters": {"resources": [WEB]}}});
    let c = t.hw_ok("POST", "/v3/{p}/checkpoints", Some(body.clone()));
    let r = &c["checkpoint"]["vault"]["resources"][0];
    // Section 5.1's example: "0", "0", available, next to the checkpoint's own `protecting`.
    assert_eq!(c["checkpoint"]["status"], "protecting");
    assert_eq!(
        (r["protect_status"].as_str(), r["backup_count"].as_str(), r["backup_size"].as_str()),
        (Some("available"), Some("0"), Some("0"))
    );
    assert_eq!(r["resource_size"], "50");
    // ShowCheckpoint shows the live state.
    let cid = c["checkpoint"]["id"].as_str().unwrap();
    let shown = t.hw_ok("GET", &format!("/v3/{{p}}/checkpoints/{cid}"), None);
    assert_eq!(shown["checkpoint"]["vault"]["resources"][0]["protect_status"], "protecting");
    settle(&t);
    let c = t.hw_ok("POST", "/v3/{p}/checkpoints", Some(body));
    let r = &c["checkpoint"]["vault"]["resources"][0];
    assert_eq!(
        (r["protect_status"].as_str(), r["backup_count"].as_str(), r["backup_size"].as_str()),
        (Some("available"), Some("1"), Some("50"))
    );
}
