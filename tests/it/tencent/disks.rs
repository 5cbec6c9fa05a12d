//! Disk and backup-point state machines on the virtual clock, driven over HTTP exactly as a
//! client would, plus the documented limits and all-or-nothing batches.

use crate::common;

use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::json;

fn realistic() -> common::Twin {
    common::twin(TimingPolicy::Realistic { seconds: 1.0 })
}

#[test]
fn create_is_async_and_seen_in_flight_before_it_completes() {
    let t = realistic();
    let r = t.ok("CreateDisks", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 100, "DiskName": "data-1", "Tags": [{"Key": "env", "Value": "ci"}]}));
    let id = r["DiskIdSet"][0].as_str().unwrap().to_string();
    assert!(id.starts_with("disk-") && id.len() == 13, "{id}");
    assert!(t.disk(&id).is_none(), "not listed while being created");
    t.advance(5.0);
    // Due, and seen once: the next request completes it.
    let d = t.disk(&id).expect("listed once created");
    assert_eq!(d["DiskState"], "UNATTACHED");
    assert_eq!(d["DiskName"], "data-1");
    assert_eq!(d["Portable"], true);
    assert_eq!(d["DiskUsage"], "DATA_DISK");
    assert_eq!(d["Attached"], false);
    assert_eq!(d["Tags"], json!([{"Key": "env", "Value": "ci"}]));
    assert_eq!(d["AutoSnapshotPolicyIds"], json!(null));
    assert_eq!(d["Placement"]["Zone"], "ap-guangzhou-3");
    assert_eq!(d["CreateTime"], "2026-11-23 05:53:53", "UTC+8 time of the manual clock");
}

#[test]
fn a_disk_not_seen_in_flight_does_not_complete_by_time_alone() {
    let t = realistic();
    let id = t.new_disk("ap-guangzhou-3", 20);
    t.ok("AttachDisks", json!({"DiskIds": [id], "InstanceId": "ins-cloudtw1"}));
    t.advance(60.0);
    let d = t.disk(&id).unwrap();
    assert_eq!(d["DiskState"], "ATTACHING", "the first read sees the intermediate state");
    assert_eq!(d["Attached"], false);
    let d = t.disk(&id).unwrap();
    assert_eq!(d["DiskState"], "ATTACHED");
    assert_eq!(d["Attached"], true);
    assert_eq!(d["InstanceId"], "ins-cloudtw1");
    assert_eq!(d["InstanceType"], "CVM");
    assert_eq!(d["LastAttachInsId"], "ins-cloudtw1");
}

#[test]
fn attach_detach_resize_cycle_with_operation_logs() {
    let t = realistic();
    let id = t.new_disk("ap-guangzhou-3", 50);
    t.ok("AttachDisks", json!({"DiskIds": [id], "InstanceId": "ins-cloudtw1"}));
    assert_eq!(t.err("AttachDisks", json!({"DiskIds": [id], "InstanceId": "ins-cloudtw1"})), "ResourceBusy");
    t.settle();
    let n = t.ok("DescribeInstancesDiskNum", json!({"InstanceIds": ["ins-cloudtw1"]}));
    assert_eq!(
        n["AttachDetail"],
        json!([{"InstanceId": "ins-cloudtw1", "AttachedDiskCount": 2, "MaxAttachCount": 20}])
    );

    t.ok("ResizeDisk", json!({"DiskId": id, "DiskSize": "80"}));
    assert_eq!(t.err("ResizeDisk", json!({"DiskId": id, "DiskSize": 90})), "InvalidDisk.Busy");
    assert_eq!(t.disk(&id).unwrap()["DiskState"], "EXPANDING");
    t.settle();
    let d = t.disk(&id).unwrap();
    assert_eq!((d["DiskState"].as_str(), d["DiskSize"].as_i64()), (Some("ATTACHED"), Some(80)));
    assert_eq!(t.err("ResizeDisk", json!({"DiskId": id, "DiskSize": 80})), "InvalidParameterValue");

    t.ok("DetachDisks", json!({"DiskIds": [id]}));
    assert_eq!(t.disk(&id).unwrap()["DiskState"], "DETACHING");
    t.settle();
    assert_eq!(t.disk(&id).unwrap()["DiskState"], "UNATTACHED");
    assert_eq!(t.err("DetachDisks", json!({"DiskIds": [id]})), "UnsupportedOperation");

    let logs = t.ok("DescribeDiskOperationLogs", json!({"Filters": [{"Name": "disk-id", "Values": [id]}]}));
    let ops: Vec<(&str, &str)> = logs["DiskOperationLogSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["Operation"].as_str().unwrap(), l["OperationState"].as_str().unwrap()))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("CBS_OPERATION_CREATE", "SUCCESS"),
            ("CBS_OPERATION_ATTACH", "SUCCESS"),
            ("CBS_OPERATION_EXPAND", "SUCCESS"),
            ("CBS_OPERATION_DETACH", "SUCCESS")
        ]
    );
    assert_eq!(logs["DiskOperationLogSet"][0]["Operator"], "100000000001");
    let none = t.ok(
        "DescribeDiskOperationLogs",
        json!({"Filters": [{"Name": "disk-id", "Values": [id]}], "BeginTime": "2030-01-01 00:00:00"}),
    );
    assert_eq!(none["DiskOperationLogSet"], json!([]));
    assert_eq!(
        t.err("DescribeDiskOperationLogs", json!({"Filters": [{"Name": "zone", "Values": ["x"]}]})),
        "InvalidFilter"
    );
}

#[test]
fn attach_rules_and_all_or_nothing() {
    let t = common::twin(TimingPolicy::Immediate);
    let good = t.new_disk("ap-guangzhou-3", 20);
    let other_zone = t.new_disk("ap-guangzhou-4", 20);
    let attach = |ids: serde_json::Value, inst: &str| t.err("AttachDisks", json!({"DiskIds": ids, "InstanceId": inst}));
    assert_eq!(attach(json!([good, "disk-sysweb01"]), "ins-cloudtw1"), "ResourceUnavailable.TypeError");
    assert_eq!(attach(json!([good, "disk-cloudtw1"]), "ins-cloudtw1"), "ResourceUnavailable.Attached");
    assert_eq!(attach(json!([good, other_zone]), "ins-cloudtw1"), "ResourceUnavailable.ZoneNotMatch");
    assert_eq!(attach(json!([good, "disk-zzzzzzzz"]), "ins-cloudtw1"), "InvalidDiskId.NotFound");
    assert_eq!(attach(json!([good]), "ins-zzzzzzzz"), "InvalidInstanceId.NotFound");
    assert_eq!(attach(json!([good]), "ins-isolate1"), "InvalidInstance.NotSupported");
    assert_eq!(attach(json!([good, good]), "ins-cloudtw1"), "InvalidParameterValue");
    let eleven: Vec<String> = (0..11).map(|i| format!("disk-{i:08}")).collect();
    assert_eq!(attach(json!(eleven), "ins-cloudtw1"), "InvalidParameterValue.LimitExceeded");
    assert_eq!(t.disk(&good).unwrap()["DiskState"], "UNATTACHED", "a rejected batch changes nothing");

    // ins-cloudtw2 takes at most 10 data disks.
    let r = t.ok("CreateDisks", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_BASIC", "DiskSize": 10, "DiskCount": 11}));
    let ids: Vec<String> = r["DiskIdSet"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    t.ok("AttachDisks", json!({"DiskIds": ids[..10], "InstanceId": "ins-cloudtw2"}));
    assert_eq!(attach(json!([ids[10]]), "ins-cloudtw2"), "LimitExceeded.InstanceAttachedDisk");
    assert_eq!(t.err("TerminateDisks", json!({"DiskIds": [ids[0]]})), "UnsupportedOperation");
}

#[test]
fn terminate_postpaid_vanishes_prepaid_goes_to_the_recycle_bin() {
    let t = common::twin(TimingPolicy::Immediate);
    let post = t.new_disk("ap-guangzhou-3", 20);
    let r = t.ok("CreateDisks", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "PREPAID", "DiskType": "CLOUD_SSD", "DiskSize": 100, "DiskChargePrepaid": {"Period": 1, "RenewFlag": "NOTIFY_AND_AUTO_RENEW"}}));
    let pre = r["DiskIdSet"][0].as_str().unwrap().to_string();
    let d = t.disk(&pre).unwrap();
    assert_eq!(d["DeadlineTime"], "2026-12-23 05:53:58");
    assert_eq!(d["RenewFlag"], "NOTIFY_AND_AUTO_RENEW");
    assert_eq!(d["IsReturnable"], true);
    assert_eq!(d["DifferDaysOfDeadline"], 30);

    assert_eq!(
        t.err("TerminateDisks", json!({"DiskIds": [post, "disk-sysweb01"]})),
        "ResourceUnavailable.NotSupported"
    );
    assert!(t.disk(&post).is_some());
    t.ok("TerminateDisks", json!({"DiskIds": [post, pre]}));
    assert!(t.disk(&post).is_none(), "pay-as-you-go disks are gone at once");
    let d = t.disk(&pre).unwrap();
    assert_eq!((d["DiskState"].as_str(), d["ReturnFailCode"].as_i64()), (Some("TORECYCLE"), Some(1)));
    assert_eq!(t.err("TerminateDisks", json!({"DiskIds": [pre]})), "ResourceUnavailable.RepeatRefund");
    t.advance(6.0 * 86_400.0);
    assert!(t.disk(&pre).is_some(), "still in the recycle bin after 6 days");
    t.advance(86_400.0);
    assert!(t.disk(&pre).is_none(), "destroyed after 7 days");
}

#[test]
fn client_token_makes_create_idempotent() {
    let t = common::twin(TimingPolicy::Immediate);
    let total = || t.ok("DescribeDisks", json!({}))["TotalCount"].as_i64().unwrap();
    let before = total();
    let body = json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 10, "DiskCount": 2, "ClientToken": "abc-123"});
    let a = t.ok("CreateDisks", body.clone());
    let b = t.ok("CreateDisks", body);
    assert_eq!(a["DiskIdSet"], b["DiskIdSet"]);
    assert_eq!(total(), before + 2, "the replay created nothing");
}

#[test]
fn type_change_migrates_with_progress() {
    let t = common::twin(TimingPolicy::Duration { seconds: 10.0 });
    let r = t.ok("CreateDisks", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_BASIC", "DiskSize": 20}));
    let id = r["DiskIdSet"][0].as_str().unwrap().to_string();
    t.advance(10.0);
    assert_eq!(
        t.err("ModifyDiskAttributes", json!({"DiskIds": [id, "disk-cloudtw2"], "DiskType": "CLOUD_SSD"})),
        "InvalidParameterValue.LimitExceeded"
    );
    assert_eq!(
        t.err("ModifyDiskAttributes", json!({"DiskIds": [id], "DiskType": "CLOUD_SSD", "DiskName": "x"})),
        "InvalidParameterValue"
    );
    assert_eq!(
        t.err("ModifyDiskAttributes", json!({"DiskIds": [id], "DiskType": "CLOUD_HSSD"})),
        "InvalidParameterValue"
    );
    assert_eq!(t.err("ModifyDiskAttributes", json!({"DiskIds": [id], "Portable": false})), "InvalidParameterValue");
    assert_eq!(t.err("ModifyDiskAttributes", json!({"DiskIds": [id]})), "MissingParameter");
    t.ok("ModifyDiskAttributes", json!({"DiskIds": [id], "DiskType": "CLOUD_SSD"}));
    t.advance(4.0);
    let d = t.disk(&id).unwrap();
    assert_eq!(
        (d["Migrating"].as_bool(), d["MigratePercent"].as_i64(), d["DiskType"].as_str()),
        (Some(true), Some(40), Some("CLOUD_BASIC"))
    );
    assert_eq!(t.err("ModifyDiskAttributes", json!({"DiskIds": [id], "DiskName": "y"})), "ResourceInUse.DiskMigrating");
    t.advance(6.0);
    let d = t.disk(&id).unwrap();
    assert_eq!((d["Migrating"].as_bool(), d["DiskType"].as_str()), (Some(false), Some("CLOUD_SSD")));
    t.ok("ModifyDiskAttributes", json!({"DiskIds": [id], "DiskName": "renamed", "ProjectId": 1001}));
    let d = t.disk(&id).unwrap();
    assert_eq!((d["DiskName"].as_str(), d["Placement"]["ProjectId"].as_i64()), (Some("renamed"), Some(1001)));
    assert_eq!(d["Placement"]["ProjectName"], "cloudtwin-dev");
}

#[test]
fn backup_points_quota_states_and_rollback() {
    let t = common::twin(TimingPolicy::Duration { seconds: 2.0 });
    let id = t.new_disk("ap-guangzhou-3", 20);
    assert_eq!(t.err("CreateDiskBackup", json!({"DiskId": id})), "ResourceInsufficient.OverQuota");
    t.ok("ModifyDiskBackupQuota", json!({"DiskId": id, "DiskBackupQuota": 1}));
    let b = t.ok("CreateDiskBackup", json!({"DiskId": id, "DiskBackupName": "before-upgrade"}))["DiskBackupId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(b.starts_with("dbp-"));
    t.advance(1.0);
    let list = t.ok("DescribeDiskBackups", json!({"DiskBackupIds": [b]}));
    assert_eq!(
        (list["DiskBackupSet"][0]["DiskBackupState"].as_str(), list["DiskBackupSet"][0]["Percent"].as_i64()),
        (Some("CREATING"), Some(50))
    );
    assert_eq!(t.err("DeleteDiskBackups", json!({"DiskBackupIds": [b]})), "InvalidParameter");
    t.advance(1.0);
    let list = t.ok("DescribeDiskBackups", json!({"Filters": [{"Name": "disk-id", "Values": [id]}]}));
    assert_eq!(list["TotalCount"], 1);
    assert_eq!(list["DiskBackupSet"][0]["DiskBackupState"], "NORMAL");
    assert_eq!(list["DiskBackupSet"][0]["CreateTime"], "2026-11-22T21:53:58+00:00");
    assert_eq!(t.disk(&id).unwrap()["DiskBackupCount"], 1);
    assert_eq!(t.err("CreateDiskBackup", json!({"DiskId": id})), "ResourceInsufficient.OverQuota");
    assert_eq!(t.err("ModifyDiskBackupQuota", json!({"DiskId": id, "DiskBackupQuota": 0})), "InvalidParameter");

    t.ok("AttachDisks", json!({"DiskIds": [id], "InstanceId": "ins-cloudtw1"}));
    t.advance(2.0);
    assert_eq!(t.err("ApplyDiskBackup", json!({"DiskId": id, "DiskBackupId": b})), "InvalidDisk.Busy");
    assert_eq!(
        t.err("ApplyDiskBackup", json!({"DiskId": "disk-cloudtw2", "DiskBackupId": b})),
        "ResourceUnavailable.NotSupported"
    );
    t.ok("DetachDisks", json!({"DiskIds": [id]}));
    t.advance(2.0);
    t.ok("ApplyDiskBackup", json!({"DiskId": id, "DiskBackupId": b}));
    t.advance(1.0);
    let d = t.disk(&id).unwrap();
    assert_eq!(
        (d["DiskState"].as_str(), d["Rollbacking"].as_bool(), d["RollbackPercent"].as_i64()),
        (Some("ROLLBACKING"), Some(true), Some(50))
    );
    assert_eq!(t.err("ApplyDiskBackup", json!({"DiskId": id, "DiskBackupId": b})), "ResourceInUse.DiskRollbacking");
    t.advance(1.0);
    assert_eq!(t.disk(&id).unwrap()["DiskState"], "UNATTACHED");
    t.ok("DeleteDiskBackups", json!({"DiskBackupIds": [b]}));
    assert_eq!(t.err("DeleteDiskBackups", json!({"DiskBackupIds": [b]})), "ResourceNotFound.NotFound");
}

#[test]
fn manual_timing_waits_for_the_control_plane() {
    let t = common::twin(TimingPolicy::Manual);
    let r = t.ok("CreateDisks", json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 10}));
    let id = r["DiskIdSet"][0].as_str().unwrap().to_string();
    t.advance(86_400.0);
    assert!(t.disk(&id).is_none());
    let jobs = t.control("GET", "/_cloudtwin/jobs", None).json();
    assert_eq!(jobs["jobs"][0]["work"]["disk_id"], id);
    let done = t.control("POST", "/_cloudtwin/jobs/complete", Some(json!({"target": id}))).json();
    assert_eq!(done["completed"], 1);
    assert_eq!(t.disk(&id).unwrap()["DiskState"], "UNATTACHED");
}

#[test]
fn documented_price_examples_reproduce() {
    let t = common::twin(TimingPolicy::Immediate);
    let p = t.ok("InquiryPriceCreateDisks", json!({"DiskType": "CLOUD_TSSD", "DiskCount": 1, "DiskSize": 500, "DiskChargeType": "PREPAID", "DiskChargePrepaid": {"Period": 1}, "ThroughputPerformance": 100}));
    assert_eq!(
        p["DiskPrice"],
        json!({"OriginalPrice": 800.0, "DiscountPrice": 800.0, "UnitPrice": null, "UnitPriceDiscount": null, "ChargeUnit": null,
               "OriginalPriceHigh": "800", "DiscountPriceHigh": "800", "UnitPriceHigh": null, "UnitPriceDiscountHigh": null})
    );
    let p = t.ok(
        "InquiryPriceCreateDisks",
        json!({"DiskType": "CLOUD_PREMIUM", "DiskSize": 100, "DiskChargeType": "POSTPAID_BY_HOUR"}),
    );
    assert_eq!(
        p["DiskPrice"],
        json!({"OriginalPrice": null, "DiscountPrice": null, "UnitPrice": 0.04, "UnitPriceDiscount": 0.04, "ChargeUnit": "HOUR",
               "OriginalPriceHigh": null, "DiscountPriceHigh": null, "UnitPriceHigh": "0.042", "UnitPriceDiscountHigh": "0.042"})
    );
    let q = t.ok("InquirePriceModifyDiskBackupQuota", json!({"DiskId": "disk-cloudtw2", "DiskBackupQuota": 1}));
    assert_eq!(
        (q["DiskPrice"]["UnitPrice"].as_f64(), q["DiskPrice"]["UnitPriceHigh"].as_str()),
        (Some(0.06), Some("0.059"))
    );
    let c = t.ok("DescribeDiskConfigQuota", json!({"InquiryType": "INQUIRY_CBS_CONFIG", "DiskChargeType": "POSTPAID_BY_HOUR", "Zones": ["ap-guangzhou-3"], "DiskTypes": ["CLOUD_PREMIUM"]}));
    assert_eq!(
        c["DiskConfigSet"],
        json!([{"Available": true, "DiskChargeType": "POSTPAID_BY_HOUR", "Zone": "ap-guangzhou-3", "InstanceFamily": null, "DiskType": "CLOUD_PREMIUM",
                "StepSize": 1, "ExtraPerformanceRange": null, "DeviceClass": null, "DiskUsage": "DATA_DISK", "MinDiskSize": 10, "MaxDiskSize": 32000, "Price": null}])
    );
    assert_eq!(
        t.err(
            "InquirePriceModifyDiskExtraPerformance",
            json!({"DiskId": "disk-cloudtw2", "ThroughputPerformance": 100})
        ),
        "ResourceUnavailable.NotSupported"
    );
    assert_eq!(
        t.err("ModifyDiskExtraPerformance", json!({"DiskId": "disk-cloudtw2", "ThroughputPerformance": 100})),
        "InvalidDisk.NotSupported"
    );
}
