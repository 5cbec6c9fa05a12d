//! Snapshots, sharing, cross-region copies and scheduled policies on the virtual clock.

use crate::common;

use cloudtwin_emulator::config::{PEER_SECRET_ID, PEER_SECRET_KEY};
use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

fn snaps(t: &common::Twin, filters: Value) -> Vec<Value> {
    let r = t.ok("DescribeSnapshots", json!({"Filters": filters, "Limit": 100}));
    r["SnapshotSet"].as_array().unwrap().clone()
}

fn snap(t: &common::Twin, id: &str) -> Option<Value> {
    let r = t.ok("DescribeSnapshots", json!({"SnapshotIds": [id]}));
    r["SnapshotSet"].as_array().unwrap().first().cloned()
}

#[test]
fn create_describe_apply_delete() {
    let t = common::twin(TimingPolicy::Duration { seconds: 4.0 });
    let disk = t.new_disk("ap-guangzhou-3", 30);
    let id = t.ok("CreateSnapshot", json!({"DiskId": disk, "SnapshotName": "first"}))["SnapshotId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("snap-") && id.len() == 13, "{id}");
    assert_eq!(t.err("CreateSnapshot", json!({"DiskId": disk})), "InvalidDisk.SnapshotCreating");
    t.advance(1.0);
    let s = snap(&t, &id).unwrap();
    assert_eq!((s["SnapshotState"].as_str(), s["Percent"].as_i64()), (Some("CREATING"), Some(25)));
    assert_eq!(t.err("DeleteSnapshots", json!({"SnapshotIds": [id]})), "ResourceUnavailable.SnapshotCreating");
    t.advance(3.0);
    let s = snap(&t, &id).unwrap();
    assert_eq!((s["SnapshotState"].as_str(), s["Percent"].as_i64()), (Some("NORMAL"), Some(100)));
    assert_eq!(s["IsPermanent"], true);
    assert_eq!(s["DeadlineTime"], "");
    assert_eq!(s["SnapshotType"], "PRIVATE_SNAPSHOT");
    assert_eq!((s["DiskSize"].as_i64(), s["DiskUsage"].as_str()), (Some(30), Some("DATA_DISK")));
    let d = t.disk(&disk).unwrap();
    assert_eq!((d["SnapshotCount"].as_i64(), d["SnapshotSize"].as_i64()), (Some(1), Some(30 * 1024)));

    // A disk from the snapshot: its size by default, never smaller.
    assert_eq!(
        t.err("CreateDisks", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "SnapshotId": id, "DiskSize": 20})),
        "InvalidParameterValue"
    );
    let r = t.ok("CreateDisks", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "SnapshotId": id}));
    let copy_disk = r["DiskIdSet"][0].as_str().unwrap().to_string();
    t.advance(4.0);
    assert_eq!(t.disk(&copy_disk).unwrap()["DiskSize"], 30);

    assert_eq!(t.err("ApplySnapshot", json!({"SnapshotId": id, "DiskId": copy_disk})), "InvalidParameterValue");
    t.ok("ApplySnapshot", json!({"SnapshotId": id, "DiskId": disk}));
    t.advance(2.0);
    let d = t.disk(&disk).unwrap();
    assert_eq!((d["DiskState"].as_str(), d["RollbackPercent"].as_i64()), (Some("ROLLBACKING"), Some(50)));
    assert_eq!(snap(&t, &id).unwrap()["SnapshotState"], "ROLLBACKING");
    assert_eq!(t.err("ApplySnapshot", json!({"SnapshotId": id, "DiskId": disk})), "ResourceInUse.DiskRollbacking");
    t.advance(2.0);
    assert_eq!(t.disk(&disk).unwrap()["DiskState"], "UNATTACHED");

    t.ok("ResizeDisk", json!({"DiskId": disk, "DiskSize": 40}));
    t.advance(4.0);
    assert_eq!(t.err("ApplySnapshot", json!({"SnapshotId": id, "DiskId": disk})), "InvalidParameter.DiskSizeNotMatch");

    t.ok("DeleteSnapshots", json!({"SnapshotIds": [id]}));
    assert!(snap(&t, &id).is_none());
    assert_eq!(t.disk(&disk).unwrap()["SnapshotCount"], 0);
    assert_eq!(t.err("InitializeDisks", json!({"DiskIds": [copy_disk]})), "InvalidSnapshotId.NotFound");
    let logs = t.ok("DescribeSnapshotOperationLogs", json!({"Filters": [{"Name": "snapshot-id", "Values": [id]}]}));
    let ops: Vec<&str> =
        logs["SnapshotOperationLogSet"].as_array().unwrap().iter().map(|l| l["Operation"].as_str().unwrap()).collect();
    assert_eq!(ops, vec!["SNAP_OPERATION_CREATE", "SNAP_OPERATION_ROLLBACK", "SNAP_OPERATION_DELETE"]);
}

#[test]
fn deadlines_retention_and_terminate_with_delete_snapshot() {
    let t = common::twin(TimingPolicy::Immediate);
    let disk = t.new_disk("ap-guangzhou-3", 20);
    // 2026-11-22 21:53:53 UTC now; a deadline one hour later.
    let temp = t.ok("CreateSnapshot", json!({"DiskId": disk, "Deadline": "2026-11-22T22:53:53+00:00"}))["SnapshotId"]
        .as_str()
        .unwrap()
        .to_string();
    let keep = t.ok("CreateSnapshot", json!({"DiskId": disk}))["SnapshotId"].as_str().unwrap().to_string();
    let s = snap(&t, &temp).unwrap();
    assert_eq!((s["IsPermanent"].as_bool(), s["DeadlineTime"].as_str()), (Some(false), Some("2026-11-23 06:53:53")));
    assert_eq!(
        t.err("CreateSnapshot", json!({"DiskId": disk, "Deadline": "2020-01-01T00:00:00+00:00"})),
        "InvalidParameterValue"
    );
    assert_eq!(
        t.err(
            "ModifySnapshotAttribute",
            json!({"SnapshotId": keep, "IsPermanent": true, "Deadline": "2030-01-01T00:00:00+00:00"})
        ),
        "InvalidParameterValue"
    );
    t.advance(3594.0); // new_disk left the clock at 21:53:58 UTC: one second before the deadline
    assert!(snap(&t, &temp).is_some());
    t.advance(1.0);
    assert!(snap(&t, &temp).is_none(), "deleted at its deadline");

    // Making a snapshot permanent cancels its deletion; DeleteSnapshot=1 takes only temporary ones.
    let temp2 = t.ok("CreateSnapshot", json!({"DiskId": disk, "Deadline": "2026-11-23T22:53:53+00:00"}))["SnapshotId"]
        .as_str()
        .unwrap()
        .to_string();
    let temp3 = t.ok("CreateSnapshot", json!({"DiskId": disk, "Deadline": "2026-11-24T22:53:53+00:00"}))["SnapshotId"]
        .as_str()
        .unwrap()
        .to_string();
    t.ok("ModifySnapshotAttribute", json!({"SnapshotId": temp2, "IsPermanent": true, "SnapshotName": "kept"}));
    t.ok("TerminateDisks", json!({"DiskIds": [disk], "DeleteSnapshot": 1}));
    assert!(snap(&t, &keep).is_some() && snap(&t, &temp2).is_some());
    assert!(snap(&t, &temp3).is_none());
    t.advance(3.0 * 86_400.0);
    assert_eq!(snap(&t, &temp2).unwrap()["SnapshotName"], "kept");
}

#[test]
fn sharing_with_another_account() {
    let t = common::twin(TimingPolicy::Immediate);
    let disk = t.new_disk("ap-guangzhou-3", 20);
    let id = t.ok("CreateSnapshot", json!({"DiskId": disk}))["SnapshotId"].as_str().unwrap().to_string();
    let sys = t.ok("CreateSnapshot", json!({"DiskId": "disk-sysweb01"}))["SnapshotId"].as_str().unwrap().to_string();
    let share = |ids: Value, accounts: Value, perm: &str| {
        t.call(
            "ModifySnapshotsSharePermission",
            json!({"SnapshotIds": ids, "AccountIds": accounts, "Permission": perm}),
        )
        .tc_code()
    };
    assert_eq!(share(json!([sys]), json!(["100000000002"]), "SHARE").as_deref(), Some("InvalidSnapshot.NotSupported"));
    assert_eq!(share(json!([id]), json!(["100000000001"]), "SHARE").as_deref(), Some("InvalidParameter"));
    assert_eq!(share(json!([id]), json!(["100000000002"]), "LEND").as_deref(), Some("InvalidParameter"));
    let fifty_one: Vec<String> = (0..51).map(|i| format!("2000000{i:05}")).collect();
    assert_eq!(share(json!([id]), json!(fifty_one), "SHARE").as_deref(), Some("InvalidParameter"), "unknown accounts");
    assert_eq!(share(json!([id]), json!(["100000000002"]), "SHARE"), None);

    let s = snap(&t, &id).unwrap();
    assert_eq!((s["ShareReference"].as_i64(), s["TimeStartShare"].as_str()), (Some(1), Some("2026-11-23")));
    let perms = t.ok("DescribeSnapshotSharePermission", json!({"SnapshotId": id}));
    assert_eq!(
        perms["SharePermissionSet"],
        json!([{"CreatedTime": "2026-11-23 05:53:58", "AccountId": "100000000002"}])
    );
    assert_eq!(t.err("DeleteSnapshots", json!({"SnapshotIds": [id]})), "UnsupportedOperation.SnapHasShared");
    assert_eq!(
        t.err("ModifySnapshotAttribute", json!({"SnapshotId": id, "SnapshotName": "x"})),
        "UnsupportedOperation.SnapHasShared"
    );

    let peer = |action: &str, body: Value| {
        t.call_as(PEER_SECRET_ID, PEER_SECRET_KEY, action, Some("ap-guangzhou"), body).json()["Response"].clone()
    };
    let seen = peer("DescribeSnapshots", json!({"SnapshotIds": [id]}));
    assert_eq!(seen["SnapshotSet"][0]["SnapshotType"], "SHARED_SNAPSHOT");
    assert_eq!(
        peer("DescribeSnapshots", json!({"Filters": [{"Name": "snapshot-type", "Values": ["SHARED_SNAPSHOT"]}]}))
            ["TotalCount"],
        1
    );
    let r = peer(
        "CreateDisks",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "SnapshotId": id}),
    );
    assert!(r["DiskIdSet"][0].is_string(), "{r}");
    assert_eq!(peer("DeleteSnapshots", json!({"SnapshotIds": [id]}))["Error"]["Code"], "InvalidSnapshotId.NotFound");

    assert_eq!(share(json!([id]), json!(["100000000002"]), "CANCEL"), None);
    assert_eq!(peer("DescribeSnapshots", json!({"SnapshotIds": [id]}))["TotalCount"], 0);
    let r = peer(
        "CreateDisks",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "SnapshotId": id}),
    );
    assert_eq!(r["Error"]["Code"], "InvalidSnapshotId.NotFound");
}

#[test]
fn copy_across_regions_goes_through_its_states() {
    let t = common::twin(TimingPolicy::Duration { seconds: 2.0 });
    let disk = t.new_disk("ap-guangzhou-3", 20);
    let id = t.ok("CreateSnapshot", json!({"DiskId": disk}))["SnapshotId"].as_str().unwrap().to_string();
    assert_eq!(
        t.err("CopySnapshotCrossRegions", json!({"SnapshotId": id, "DestinationRegions": ["ap-beijing"]})),
        "InvalidSnapshot.NotSupported"
    );
    t.advance(2.0);
    assert_eq!(
        t.err("CopySnapshotCrossRegions", json!({"SnapshotId": id, "DestinationRegions": ["ap-moon"]})),
        "InvalidParameterValue"
    );
    assert_eq!(
        t.err("CopySnapshotCrossRegions", json!({"SnapshotId": id, "DestinationRegions": ["ap-guangzhou"]})),
        "InvalidParameterValue"
    );
    assert_eq!(t.err("CopySnapshotCrossRegions", json!({"DestinationRegions": ["ap-beijing"]})), "MissingParameter");
    let r = t
        .ok("CopySnapshotCrossRegions", json!({"SnapshotId": id, "DestinationRegions": ["ap-beijing", "ap-shanghai"]}));
    let results = r["SnapshotCopyResultSet"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!((results[0]["Code"].as_str(), results[0]["Message"].as_str()), (Some("Success"), Some("")));
    let copy = results[0]["SnapshotId"].as_str().unwrap().to_string();
    assert_eq!(
        t.err("CopySnapshotCrossRegions", json!({"SnapshotId": id, "DestinationRegions": ["ap-beijing"]})),
        "ResourceInUse.CopySnapshotConflict"
    );
    assert_eq!(snap(&t, &id).unwrap()["CopyingToRegions"], json!(["ap-beijing", "ap-shanghai"]));
    assert_eq!(t.err("DeleteSnapshots", json!({"SnapshotIds": [id]})), "ResourceBusy");

    let in_beijing = || {
        let r = t.call_as(
            cloudtwin_emulator::config::DEFAULT_SECRET_ID,
            cloudtwin_emulator::config::DEFAULT_SECRET_KEY,
            "DescribeSnapshots",
            Some("ap-beijing"),
            json!({"SnapshotIds": [copy]}),
        );
        r.json()["Response"]["SnapshotSet"][0].clone()
    };
    let s = in_beijing();
    assert_eq!((s["SnapshotState"].as_str(), s["CopyFromRemote"].as_bool()), (Some("COPYING_FROM_REMOTE"), Some(true)));
    assert_eq!(s["SnapshotName"], format!("Copied {id} from South China (Guangzhou)"));
    assert_eq!(s["Placement"]["Zone"], "ap-beijing-3");
    t.advance(2.0);
    assert_eq!(in_beijing()["SnapshotState"], "CHECKING_COPIED");
    t.advance(2.0);
    assert_eq!(in_beijing()["SnapshotState"], "NORMAL");
    assert_eq!(snap(&t, &id).unwrap()["CopyingToRegions"], json!([]));
    assert!(snap(&t, &copy).is_none(), "the copy lives in ap-beijing only");
}

#[test]
fn policy_validation_dry_run_and_binding() {
    let t = common::twin(TimingPolicy::Immediate);
    let create = |body: Value| t.call("CreateAutoSnapshotPolicy", body).tc_code();
    assert_eq!(
        create(json!({"Policy": [{"Hour": [1], "DayOfWeek": [1], "DayOfMonth": [1]}]})).as_deref(),
        Some("InvalidParameterValue")
    );
    assert_eq!(create(json!({"Policy": [{"Hour": [1]}]})).as_deref(), Some("InvalidParameterValue"));
    assert_eq!(create(json!({"Policy": [{"Hour": [24], "DayOfWeek": [1]}]})).as_deref(), Some("InvalidParameterValue"));
    assert_eq!(create(json!({"Policy": [{"Hour": [1], "DayOfWeek": [7]}]})).as_deref(), Some("InvalidParameterValue"));
    assert_eq!(
        create(json!({"Policy": [{"Hour": [1], "IntervalDays": 366}]})).as_deref(),
        Some("InvalidParameterValue")
    );
    assert_eq!(
        create(json!({"Policy": [{"Hour": [1], "DayOfWeek": [1]}], "RetentionDays": 3, "IsPermanent": "TRUE"}))
            .as_deref(),
        Some("InvalidParameterValue")
    );
    // Now is Monday 2026-11-23 05:53:53 UTC+8. The doc's example: Thursday (4) at 00:00.
    let dry = t.ok("CreateAutoSnapshotPolicy", json!({"Policy": [{"DayOfWeek": [4], "Hour": [0]}], "DryRun": true}));
    assert_eq!(
        (dry["AutoSnapshotPolicyId"].as_str(), dry["NextTriggerTime"].as_str()),
        (Some(""), Some("2026-11-26 00:00:00"))
    );
    assert_eq!(t.ok("DescribeAutoSnapshotPolicies", json!({}))["TotalCount"], 0, "a dry run creates nothing");

    let r = t.ok(
        "CreateAutoSnapshotPolicy",
        json!({"Policy": [{"DayOfWeek": [4], "Hour": [0]}], "AutoSnapshotPolicyName": "backup_data_friday"}),
    );
    let pid = r["AutoSnapshotPolicyId"].as_str().unwrap().to_string();
    let p = &t.ok("DescribeAutoSnapshotPolicies", json!({"AutoSnapshotPolicyIds": [pid]}))["AutoSnapshotPolicySet"][0];
    assert_eq!(p["Policy"], json!([{"DayOfWeek": [4], "Hour": [0]}]));
    assert_eq!(
        (p["RetentionDays"].as_i64(), p["IsActivated"].as_bool(), p["IsPermanent"].as_bool()),
        (Some(7), Some(true), Some(false))
    );
    assert_eq!(p["AutoSnapshotPolicyState"], "NORMAL");

    let eighty_one: Vec<String> = (0..81).map(|i| format!("disk-{i:08}")).collect();
    assert_eq!(
        t.err("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": pid, "DiskIds": eighty_one})),
        "InvalidParameterValue.LimitExceeded"
    );
    assert_eq!(
        t.err("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": "asp-00000000", "DiskIds": ["disk-cloudtw1"]})),
        "InvalidAutoSnapshotPolicyId.NotFound"
    );
    t.ok("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": pid, "DiskIds": ["disk-cloudtw1"]}));
    assert_eq!(
        t.err("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": pid, "DiskIds": ["disk-cloudtw1"]})),
        "InvalidDisk.AlreadyBound"
    );
    let d = t.ok("DescribeDisks", json!({"DiskIds": ["disk-cloudtw1"], "ReturnBindAutoSnapshotPolicy": true}));
    assert_eq!(d["DiskSet"][0]["AutoSnapshotPolicyIds"], json!([pid]));
    let a = t.ok("DescribeDiskAssociatedAutoSnapshotPolicy", json!({"DiskId": "disk-cloudtw1"}));
    assert_eq!(
        (a["TotalCount"].as_i64(), a["AutoSnapshotPolicySet"][0]["InstanceIdSet"].clone()),
        (Some(1), json!(["ins-cloudtw1"]))
    );
    t.ok(
        "UnbindAutoSnapshotPolicy",
        json!({"AutoSnapshotPolicyId": pid, "DiskIds": ["disk-cloudtw1", "disk-cloudtw2"]}),
    );
    assert_eq!(t.ok("DescribeDiskAssociatedAutoSnapshotPolicy", json!({"DiskId": "disk-cloudtw1"}))["TotalCount"], 0);
    assert_eq!(
        t.err("UnbindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": pid, "DiskIds": ["disk-zzzzzzzz"]})),
        "InvalidDiskId.NotFound"
    );
    t.ok("DeleteAutoSnapshotPolicies", json!({"AutoSnapshotPolicyIds": [pid]}));
    assert_eq!(
        t.err("DeleteAutoSnapshotPolicies", json!({"AutoSnapshotPolicyIds": [pid]})),
        "InvalidAutoSnapshotPolicyId.NotFound"
    );
}

/// The acceptance test of the issue: a policy firing daily at 23:00 bound to two disks with
/// RetentionDays=3; after ten days exactly the snapshots of the last three days remain.
#[test]
fn daily_policy_with_three_day_retention_over_ten_days() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    // 2026-11-22 10:00:00 UTC+8.
    t.control("POST", "/_cloudtwin/clock", Some(json!({"set": 1_795_312_800})));
    let a = t.new_disk("ap-guangzhou-3", 20);
    let b = t.new_disk("ap-guangzhou-3", 20);
    let idle = t.new_disk("ap-guangzhou-3", 20);
    t.ok("AttachDisks", json!({"DiskIds": [a, b], "InstanceId": "ins-cloudtw1"}));
    t.settle();
    let r = t.ok(
        "CreateAutoSnapshotPolicy",
        json!({"Policy": [{"DayOfWeek": [0, 1, 2, 3, 4, 5, 6], "Hour": [23]}], "RetentionDays": 3}),
    );
    assert_eq!(r["NextTriggerTime"], "2026-11-22 23:00:00");
    let pid = r["AutoSnapshotPolicyId"].as_str().unwrap().to_string();
    t.ok("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": pid, "DiskIds": [a, b, idle]}));

    t.advance(10.0 * 86_400.0); // → 2026-12-02 10:00:00 UTC+8
    let mut names: Vec<String> = Vec::new();
    for s in snaps(&t, json!([{"Name": "disk-id", "Values": [a, b, idle]}])) {
        assert_eq!(s["SnapshotState"], "NORMAL");
        assert_eq!(s["IsPermanent"], false);
        let name = s["SnapshotName"].as_str().unwrap().to_string();
        let day = &name[name.len() - 11..name.len() - 3];
        let created = format!("{}-{}-{} 23:00:00", &day[..4], &day[4..6], &day[6..]);
        assert_eq!(s["CreateTime"], created);
        names.push(name);
    }
    names.sort();
    // Triggers at 23:00 on Nov 22 … Dec 1; one taken on day D is deleted at D+3 23:00, so at
    // Dec 2 10:00 the ones of Nov 29, Nov 30 and Dec 1 remain.
    let mut expected: Vec<String> = Vec::new();
    for disk in [&a, &b] {
        for day in ["20261129", "20261130", "20261201"] {
            expected.push(format!("auto_{disk}_{day}_23"));
        }
    }
    expected.sort();
    assert_eq!(names, expected);
    let one = snaps(&t, json!([{"Name": "snapshot-name", "Values": [format!("auto_{a}_20261201_23")]}]));
    assert_eq!(one[0]["DeadlineTime"], "2026-12-04 23:00:00");
    assert_eq!(t.disk(&a).unwrap()["SnapshotCount"], 3);
    let p = &t.ok("DescribeAutoSnapshotPolicies", json!({"AutoSnapshotPolicyIds": [pid]}))["AutoSnapshotPolicySet"][0];
    assert_eq!(p["NextTriggerTime"], "2026-12-02 23:00:00");

    // Deactivated, it stops firing.
    t.ok("ModifyAutoSnapshotPolicyAttribute", json!({"AutoSnapshotPolicyId": pid, "IsActivated": false}));
    t.advance(2.0 * 86_400.0);
    let left = snaps(&t, json!([{"Name": "disk-id", "Values": [a]}]));
    let names: Vec<&str> = left.iter().map(|s| s["SnapshotName"].as_str().unwrap()).collect();
    assert_eq!(names, vec![format!("auto_{a}_20261201_23")], "no new snapshots; older ones expired");
    let ov = t.ok("GetSnapOverview", json!({}));
    assert_eq!((ov["TotalNums"].as_i64(), ov["TotalSize"].as_f64()), (Some(2), Some(40.0)));
}

/// The console-only retention rules, set through the control plane, applied at each trigger.
#[test]
fn retention_amount_and_months_through_the_control_plane() {
    let t = common::twin(TimingPolicy::Immediate);
    t.control("POST", "/_cloudtwin/clock", Some(json!({"set": 1_795_312_800}))); // 2026-11-22 10:00 UTC+8
    let a = t.new_disk("ap-guangzhou-3", 20);
    t.ok("AttachDisks", json!({"DiskIds": [a], "InstanceId": "ins-cloudtw1"}));
    let daily = json!({"Policy": [{"DayOfWeek": [0, 1, 2, 3, 4, 5, 6], "Hour": [23]}]});
    let by_count =
        t.ok("CreateAutoSnapshotPolicy", daily.clone())["AutoSnapshotPolicyId"].as_str().unwrap().to_string();
    let by_months = t.ok("CreateAutoSnapshotPolicy", daily)["AutoSnapshotPolicyId"].as_str().unwrap().to_string();
    let set = |body: Value| t.control("POST", "/_cloudtwin/tencent/auto-snapshot-policy-retention", Some(body));
    assert_eq!(set(json!({"AutoSnapshotPolicyId": "asp-zzzzzzzz", "RetentionAmount": 2})).status, 404);
    assert_eq!(set(json!({"AutoSnapshotPolicyId": by_count, "AdvancedRetentionPolicy": {"Days": 101, "Weeks": 0, "Months": 0, "Years": 0}})).status, 400);
    assert_eq!(set(json!({"AutoSnapshotPolicyId": by_count, "RetentionAmount": 2})).status, 200);
    assert_eq!(set(json!({"AutoSnapshotPolicyId": by_months, "RetentionMonths": 1})).status, 200);
    t.ok("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": by_count, "DiskIds": [a]}));
    t.ok("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": by_months, "DiskIds": [a]}));
    t.advance(5.0 * 86_400.0);
    let all = snaps(&t, json!([{"Name": "disk-id", "Values": [a]}]));
    // 5 triggers per policy: the count rule keeps the newest 2 (permanent), the month rule all 5.
    let (counted, monthly): (Vec<&Value>, Vec<&Value>) = all.iter().partition(|s| s["DeadlineTime"] == "");
    let mut kept: Vec<&str> = counted.iter().map(|s| s["CreateTime"].as_str().unwrap()).collect();
    kept.sort();
    assert_eq!(kept, vec!["2026-11-25 23:00:00", "2026-11-26 23:00:00"]);
    assert_eq!(monthly.len(), 5);
    let newest = monthly.iter().find(|s| s["CreateTime"] == "2026-11-26 23:00:00").unwrap();
    assert_eq!(newest["DeadlineTime"], "2026-12-26 23:00:00");
    let p =
        &t.ok("DescribeAutoSnapshotPolicies", json!({"AutoSnapshotPolicyIds": [by_count]}))["AutoSnapshotPolicySet"][0];
    assert_eq!((p["RetentionAmount"].as_i64(), p["RetentionMonths"].as_i64()), (Some(2), Some(0)));
    assert_eq!(set(json!({"AutoSnapshotPolicyId": by_count, "RetentionAmount": 0, "AdvancedRetentionPolicy": {"Days": 1, "Weeks": 1, "Months": 0, "Years": 0}})).status, 200);
    let p =
        &t.ok("DescribeAutoSnapshotPolicies", json!({"AutoSnapshotPolicyIds": [by_count]}))["AutoSnapshotPolicySet"][0];
    assert_eq!(p["AdvancedRetentionPolicy"], json!({"Days": 1, "Weeks": 1, "Months": 0, "Years": 0}));
}

#[test]
fn a_snapshot_is_shared_with_at_most_fifty_accounts() {
    let mut cfg = cloudtwin_emulator::Config { timing: TimingPolicy::Immediate, ..Default::default() };
    let template = cfg.accounts[1].clone();
    for i in 0..51 {
        let mut a = template.clone();
        a.name = format!("extra-{i}");
        a.huawei = None;
        let t = a.tencent.as_mut().unwrap();
        t.uin = format!("2000000{i:05}");
        t.keys = vec![];
        cfg.accounts.push(a);
    }
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let disk = t.new_disk("ap-guangzhou-3", 20);
    let id = t.ok("CreateSnapshot", json!({"DiskId": disk}))["SnapshotId"].as_str().unwrap().to_string();
    let uins: Vec<String> = (0..51).map(|i| format!("2000000{i:05}")).collect();
    let share = |accounts: &[String]| {
        t.call(
            "ModifySnapshotsSharePermission",
            json!({"SnapshotIds": [id], "AccountIds": accounts, "Permission": "SHARE"}),
        )
        .tc_code()
    };
    assert_eq!(share(&uins).as_deref(), Some("ResourceInsufficient.OverQuota"));
    assert_eq!(share(&uins[..50]), None);
    assert_eq!(share(&uins[50..]).as_deref(), Some("ResourceInsufficient.OverQuota"), "the 51st, one more call later");
    assert_eq!(snap(&t, &id).unwrap()["ShareReference"], 50);
}
