//! Tencent answers → the gateway's item shapes, field by field in the order of the seeds'
//! examples. Fields a returns table lists but its example does not print are included only when
//! they carry a value (the examples' serializer leaves empty ones out).

use serde_json::{json, Map, Value};

fn copy(out: &mut Map<String, Value>, v: &Value, keys: &[&str]) {
    for k in keys {
        out.insert(k.to_string(), v.get(*k).cloned().unwrap_or(Value::Null));
    }
}

fn copy_if_set(out: &mut Map<String, Value>, v: &Value, key: &str) {
    match v.get(key) {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) if a.is_empty() => {}
        Some(x) => {
            out.insert(key.to_string(), x.clone());
        }
    }
}

fn or(v: &Value, key: &str, default: Value) -> Value {
    v.get(key).filter(|x| !x.is_null()).cloned().unwrap_or(default)
}

/// `Placement` as the seeds print it: Zone, ProjectId, CdcId, CageId, CdcName.
fn placement(p: &Value) -> Value {
    json!({
        "Zone": or(p, "Zone", json!("")),
        "ProjectId": or(p, "ProjectId", json!(0)),
        "CdcId": or(p, "CdcId", json!("")),
        "CageId": or(p, "CageId", json!("")),
        "CdcName": or(p, "CdcName", json!("")),
    })
}

/// A disk of disk/list and disk/inspect. `with_policies` prints AutoSnapshotPolicyIds (asked
/// for with ReturnBindAutoSnapshotPolicy).
pub fn disk(v: &Value, with_policies: bool) -> Value {
    let mut m = Map::new();
    copy(&mut m, v, &["DiskId", "DiskUsage", "DiskChargeType", "Portable"]);
    m.insert("Placement".into(), placement(&v["Placement"]));
    copy(
        &mut m,
        v,
        &[
            "SnapshotAbility",
            "DiskName",
            "DiskSize",
            "DiskState",
            "DiskType",
            "Attached",
            "InstanceId",
            "CreateTime",
            "DeadlineTime",
            "Rollbacking",
        ],
    );
    // The seed prints 0 for a disk that is not rolling back or migrating.
    let rolling = v["Rollbacking"].as_bool().unwrap_or(false);
    m.insert("RollbackPercent".into(), if rolling { or(v, "RollbackPercent", json!(0)) } else { json!(0) });
    copy(&mut m, v, &["Encrypt", "AutoRenewFlagError"]);
    m.insert("RenewFlag".into(), or(v, "RenewFlag", json!("")));
    copy(&mut m, v, &["DeadlineError"]);
    // Pay-as-you-go disks cannot be returned; the seed's example prints that as false / 10.
    m.insert("IsReturnable".into(), or(v, "IsReturnable", json!(false)));
    m.insert("ReturnFailCode".into(), or(v, "ReturnFailCode", json!(10)));
    if with_policies {
        m.insert("AutoSnapshotPolicyIds".into(), or(v, "AutoSnapshotPolicyIds", json!([])));
    }
    copy_if_set(&mut m, v, "Tags");
    copy(&mut m, v, &["DeleteWithInstance"]);
    copy_if_set(&mut m, v, "DifferDaysOfDeadline");
    copy(&mut m, v, &["Migrating"]);
    let migrating = v["Migrating"].as_bool().unwrap_or(false);
    m.insert("MigratePercent".into(), if migrating { or(v, "MigratePercent", json!(0)) } else { json!(0) });
    copy(&mut m, v, &["Shareable"]);
    copy_if_set(&mut m, v, "InstanceIdList");
    copy(&mut m, v, &["SnapshotCount", "SnapshotSize", "BackupDisk"]);
    Value::Object(m)
}

/// A snapshot of snapshot/list.
pub fn snapshot(v: &Value) -> Value {
    let mut m = Map::new();
    copy(&mut m, v, &["SnapshotId"]);
    m.insert("Placement".into(), placement(&v["Placement"]));
    copy(
        &mut m,
        v,
        &[
            "DiskUsage",
            "DiskId",
            "DiskSize",
            "SnapshotState",
            "SnapshotName",
            "Percent",
            "CreateTime",
            "DeadlineTime",
            "Encrypt",
            "IsPermanent",
        ],
    );
    copy_if_set(&mut m, v, "CopyingToRegions");
    copy(&mut m, v, &["CopyFromRemote"]);
    copy_if_set(&mut m, v, "Images");
    copy(&mut m, v, &["ImageCount", "SnapshotType", "ShareReference"]);
    Value::Object(m)
}

/// A policy of auto_snapshot/policy/list.
pub fn policy(v: &Value) -> Value {
    let mut m = Map::new();
    copy(
        &mut m,
        v,
        &[
            "AutoSnapshotPolicyId",
            "AutoSnapshotPolicyName",
            "AutoSnapshotPolicyState",
            "IsActivated",
            "IsPermanent",
            "RetentionDays",
            "CreateTime",
            "NextTriggerTime",
            "Policy",
        ],
    );
    copy_if_set(&mut m, v, "DiskIdSet");
    Value::Object(m)
}

/// The `data` of an endpoint that answers nothing but success.
pub fn empty() -> Value {
    json!({})
}

/// The console operations of one disk of disk/list (see `disks::properties` for the rules).
pub fn properties(modify: bool, expand: bool, detach: bool, delete: bool) -> Value {
    json!({"IsModify": modify, "IsExpand": expand, "IsDetach": detach, "IsDelete": delete})
}

/// The `data` of disk/list: the page, and the console operations of each disk on it.
pub fn disk_list(total: usize, list: Vec<Value>, props: Vec<Value>) -> Value {
    json!({"TotalCount": total, "List": list, "Properties": props})
}

/// One operation log of disk/logs/list, in the seed's field order.
pub fn disk_log(l: &Value) -> Value {
    let mut m = Map::new();
    for k in ["OperationState", "StartTime", "Operator", "Operation", "EndTime", "DiskId"] {
        m.insert(k.into(), l[k].clone());
    }
    Value::Object(m)
}

/// The Tencent-style body disk/logs/list answers with (`{"Response": {...}}`).
pub fn disk_logs_response(request_id: &str, total: usize, set: Vec<Value>) -> Value {
    json!({"Response": {"RequestId": request_id, "TotalCount": total, "DiskOperationLogSet": set}})
}

/// One row of the distributed inspect endpoints: how many items one region holds.
pub fn region_count(count: u64, region: String, region_name: String) -> Value {
    let mut row = Map::new();
    row.insert("Count".into(), json!(count));
    row.insert("Region".into(), json!(region));
    row.insert("RegionName".into(), json!(region_name));
    row.insert("RegionState".into(), json!("AVAILABLE"));
    Value::Object(row)
}

/// `{"List": [...]}`
pub fn list(list: Vec<Value>) -> Value {
    json!({"List": list})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_percents_and_postpaid_return_fields_print_as_the_seed_does() {
        let tc = json!({"DiskId": "disk-1", "Placement": {"Zone": "z", "ProjectId": 0, "ProjectName": "Default"},
            "Rollbacking": false, "RollbackPercent": 100, "Migrating": false, "MigratePercent": 100,
            "RenewFlag": null, "IsReturnable": null, "ReturnFailCode": null, "Tags": [], "InstanceIdList": null,
            "DifferDaysOfDeadline": null, "AutoSnapshotPolicyIds": null});
        let d = disk(&tc, false);
        assert_eq!(d["RollbackPercent"], 0);
        assert_eq!(d["MigratePercent"], 0);
        assert_eq!(d["RenewFlag"], "");
        assert_eq!((d["IsReturnable"].clone(), d["ReturnFailCode"].clone()), (json!(false), json!(10)));
        assert_eq!(d["Placement"], json!({"Zone": "z", "ProjectId": 0, "CdcId": "", "CageId": "", "CdcName": ""}));
        for absent in ["Tags", "InstanceIdList", "DifferDaysOfDeadline", "AutoSnapshotPolicyIds", "ProjectName"] {
            assert!(d.get(absent).is_none(), "{absent}");
        }
        assert_eq!(disk(&tc, true)["AutoSnapshotPolicyIds"], json!([]));
    }
}
