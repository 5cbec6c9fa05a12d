//! Work and memory grow with what happens, not with history: operation logs keep what their
//! retention keeps, expired IAM tokens go, and a clock jump over years of hourly policies leaves
//! a bounded state behind. Counts, not timings (benches/soak.py measures bytes and seconds).

use crate::common;

use cloudtwin_emulator::control::MAX_ADVANCE_SECS;
use cloudtwin_emulator::history::LOG_RETENTION_DAYS;
use cloudtwin_emulator::timing::TimingPolicy;
use common::hw::*;
use serde_json::{json, Value};

const DAY: f64 = 86_400.0;

fn server_vault(name: &str, resources: Value) -> Value {
    json!({"vault": {"name": name, "resources": resources,
        "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 200}}})
}

/// (Tencent disk logs, Tencent snapshot logs) of ap-guangzhou, Huawei tasks of the default project.
fn log_counts(t: &common::Twin) -> (usize, usize, usize) {
    let w = &t.state();
    let tc = &w["tencent"]["default"]["ap-guangzhou"];
    let n = |v: &Value| v.as_array().map_or(0, Vec::len);
    let hw = w["huawei"][P]["oplogs"].as_object().map_or(0, |m| m.len());
    (n(&tc["disk_logs"]), n(&tc["snapshot_logs"]), hw)
}

fn token_count(t: &common::Twin) -> usize {
    t.running.app.twin.state.lock().world.huawei_tokens.len()
}

fn hourly_policies(t: &common::Twin) {
    let disk = t.new_disk("ap-guangzhou-3", 20);
    t.ok("AttachDisks", json!({"DiskIds": [disk], "InstanceId": "ins-cloudtw1"}));
    t.settle();
    let every_hour: Vec<i64> = (0..24).collect();
    let r = t.ok(
        "CreateAutoSnapshotPolicy",
        json!({"Policy": [{"DayOfWeek": [0, 1, 2, 3, 4, 5, 6], "Hour": every_hour}], "RetentionDays": 1}),
    );
    let pid = r["AutoSnapshotPolicyId"].as_str().unwrap().to_string();
    t.ok("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": pid, "DiskIds": [disk]}));

    let v = t.hw_ok(
        "POST",
        "/v3/{p}/vaults",
        Some(server_vault("hourly", json!([{"id": WEB, "type": "OS::Nova::Server"}]))),
    );
    let vid = v["vault"]["id"].as_str().unwrap().to_string();
    let patterns: Vec<String> = (0..24).map(|h| format!("FREQ=DAILY;BYHOUR={h};BYMINUTE=00")).collect();
    let pol = t.hw_ok(
        "POST",
        "/v3/{p}/policies",
        Some(json!({"policy": {"name": "hourly", "operation_type": "backup",
            "operation_definition": {"retention_duration_days": 1},
            "trigger": {"properties": {"pattern": patterns}}}})),
    );
    let hpid = pol["policy"]["id"].as_str().unwrap().to_string();
    t.hw_ok("POST", &format!("/v3/{{p}}/vaults/{vid}/associatepolicy"), Some(json!({"policy_id": hpid})));
}

/// Four months of an hourly Tencent policy and an hourly Huawei policy in one advance (30 days
/// past the retention; benches/soak.py jumps three years): every log keeps only its retention,
/// and in-flight work is what is alive, not what happened.
#[test]
fn months_of_hourly_policies_keep_only_the_retention() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    hourly_policies(&t);
    let span = (LOG_RETENTION_DAYS + 30) as f64 * DAY;
    let r = t.control("POST", "/_cloudtwin/clock", Some(json!({"advance": span})));
    assert_eq!(r.status, 200);

    let (disk_logs, snap_logs, tasks) = log_counts(&t);
    eprintln!("after {span} s: {disk_logs} disk logs, {snap_logs} snapshot logs, {tasks} tasks");
    let hours = (LOG_RETENTION_DAYS as usize + 2) * 24;
    // Each run logs one snapshot creation and, a day later, its deletion; a Huawei run logs a
    // backup task and, a day later, the delete task of the retention.
    assert!(snap_logs <= 2 * hours, "{snap_logs} snapshot logs for {hours} retained hours");
    assert!(snap_logs >= 2 * (hours - 72), "the retention still holds {snap_logs}");
    assert!(tasks <= 2 * hours, "{tasks} Huawei tasks for {hours} retained hours");
    assert!(tasks >= 2 * (hours - 72), "the retention still holds {tasks}");
    assert!(disk_logs <= 4, "no disk operation happened in the last 90 days: {disk_logs}");

    let jobs = t.control("GET", "/_cloudtwin/jobs", None).json()["jobs"].as_array().unwrap().len();
    assert!(jobs <= 2 * 26 + 4, "{jobs} jobs queued: one expiry per live snapshot or backup, one trigger per policy");
    let hw = &t.state()["huawei"][P];
    let (checkpoints, backups) =
        (hw["checkpoints"].as_object().unwrap().len(), hw["backups"].as_object().unwrap().len());
    assert!(checkpoints <= hours, "an emptied checkpoint goes after the retention: {checkpoints} kept");
    assert!(backups <= 26 * 3, "a day of hourly backups (with their disk backups) is alive: {backups}");
    let snaps = t.ok("DescribeSnapshots", json!({"Limit": 100}))["TotalCount"].as_i64().unwrap();
    assert!((23..=26).contains(&snaps), "a day of hourly snapshots is alive: {snaps}");

    // The entries inside the retention answer as before: the last run's snapshot has its log.
    let newest = t.ok("DescribeSnapshots", json!({"Limit": 1, "Order": "DESC", "OrderField": "CREATE_TIME"}))
        ["SnapshotSet"][0]["SnapshotId"]
        .as_str()
        .unwrap()
        .to_string();
    let logs = t.ok("DescribeSnapshotOperationLogs", json!({"Filters": [{"Name": "snapshot-id", "Values": [newest]}]}))
        ["SnapshotOperationLogSet"]
        .clone();
    assert_eq!(logs[0]["Operation"], "ASP_OPERATION_CREATE_SNAP", "{logs}");
    let listed = t.hw_ok("GET", "/v3/{p}/operation-logs?limit=1", None);
    assert_eq!(listed["count"].as_u64(), Some(tasks as u64));
}

/// Create-then-delete writes leave nothing behind once their logs leave the retention.
#[test]
fn create_delete_cycles_leave_only_the_retention() {
    let t = common::twin(TimingPolicy::Immediate);
    let disk = t.new_disk("ap-guangzhou-3", 20);
    let setup = log_counts(&t);
    let cycle = |t: &common::Twin| {
        let s = t.ok("CreateSnapshot", json!({"DiskId": disk}))["SnapshotId"].as_str().unwrap().to_string();
        t.ok("DeleteSnapshots", json!({"SnapshotIds": [s]}));
        let d = t.new_disk("ap-guangzhou-3", 10);
        t.ok("TerminateDisks", json!({"DiskIds": [d]}));
        let v = t.hw_ok("POST", "/v3/{p}/vaults", Some(server_vault("cycle", json!([]))));
        let vid = v["vault"]["id"].as_str().unwrap().to_string();
        t.hw_ok("DELETE", &format!("/v3/{{p}}/vaults/{vid}"), None);
    };
    for _ in 0..20 {
        cycle(&t);
    }
    let first = log_counts(&t);
    assert!(first.0 >= 20 && first.1 >= 40 && first.2 >= 20, "the cycles were logged: {first:?}");

    t.advance((LOG_RETENTION_DAYS + 1) as f64 * DAY);
    let gone = log_counts(&t);
    assert_eq!(gone, (0, 0, 0), "everything ended more than {LOG_RETENTION_DAYS} days ago is forgotten");
    for _ in 0..20 {
        cycle(&t);
    }
    let again = (first.0 - setup.0, first.1 - setup.1, first.2 - setup.2);
    assert_eq!(log_counts(&t), again, "the same writes keep the same amount");
}

/// An IAM token goes once it has expired; the book never holds more than the live tokens.
#[test]
fn expired_tokens_go() {
    let t = common::twin(TimingPolicy::Immediate);
    let issue = |t: &common::Twin| {
        let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "cloudtwin-user", "password": "cloudtwin-password", "domain": {"name": "cloudtwin"}}}},
            "scope": {"project": {"name": "cn-north-4"}}}});
        let body = serde_json::to_vec(&body).unwrap();
        let r = common::raw(t.addr, "POST", "/v3/auth/tokens", &[("Content-Type", "application/json")], &body);
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    };
    for _ in 0..50 {
        issue(&t);
    }
    assert_eq!(token_count(&t), 50);
    t.advance(DAY - 1.0);
    t.hw_ok("GET", "/v3/{p}/vaults", None);
    assert_eq!(token_count(&t), 50, "still valid");
    t.advance(1.0);
    t.hw_ok("GET", "/v3/{p}/vaults", None);
    assert_eq!(token_count(&t), 0, "expired on the twin's clock, gone at the next request");
    for _ in 0..5 {
        issue(&t);
    }
    assert_eq!(token_count(&t), 5);
}

/// One clock move is bounded; beyond it the control plane answers 400 and the clock stays.
#[test]
fn one_advance_is_bounded() {
    let t = common::twin(TimingPolicy::Immediate);
    hourly_policies(&t);
    let before = t.now();
    let r = t.control("POST", "/_cloudtwin/clock", Some(json!({"advance": MAX_ADVANCE_SECS + 1})));
    assert_eq!(r.status, 400);
    assert!(r.json()["error"].as_str().unwrap().contains("several steps"), "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(t.now(), before);
    let far = before + MAX_ADVANCE_SECS + 10;
    let r = t.control("POST", "/_cloudtwin/clock", Some(json!({"set": far})));
    assert_eq!(r.status, 400, "a set that far ahead replays a decade of policies");
    assert_eq!(t.now(), before);
    // Without a policy the same set costs nothing and is accepted (captures replay that way).
    let quiet = common::twin(TimingPolicy::Immediate);
    assert_eq!(quiet.control("POST", "/_cloudtwin/clock", Some(json!({"set": far}))).status, 200);
}
