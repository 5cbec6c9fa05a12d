//! Tencent answers → the gateway's item shapes, field by field in the order of the seeds'
//! examples. Fields a returns table lists but its example does not print are included only when
//! they carry a value (the examples' serializer leaves empty ones out).

use serde_json::{json, Map, Value};

use crate::tencent::json;
use crate::tencent::render::{write_tags, DiskOut, PlacementOut, SnapshotOut};

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

/// `Placement` as [`placement`] prints it, from Tencent's typed placement.
fn write_placement(out: &mut Vec<u8>, p: &PlacementOut<'_>) {
    out.extend_from_slice(b"\"Placement\":{\"Zone\":");
    json::string(out, p.zone);
    out.extend_from_slice(b",\"ProjectId\":");
    json::int(out, p.project_id);
    out.extend_from_slice(b",\"CdcId\":");
    json::string(out, p.cdc_id);
    out.extend_from_slice(b",\"CageId\":");
    json::string(out, p.cage_id);
    out.extend_from_slice(b",\"CdcName\":");
    json::string(out, p.cdc_name);
    out.push(b'}');
}

/// Appends the bytes `disk(<DescribeDisks' JSON of d>, with_policies)` serializes to, written
/// straight from the typed disk: a list page neither renders Tencent's JSON nor reads it back
/// into a `Value` tree (docs/performance.md). The tests compare the two on varied disks.
pub fn write_disk(out: &mut Vec<u8>, d: &DiskOut<'_>, with_policies: bool) {
    out.extend_from_slice(b"{\"DiskId\":");
    json::string(out, d.disk_id);
    out.extend_from_slice(b",\"DiskUsage\":");
    json::string(out, d.disk_usage);
    out.extend_from_slice(b",\"DiskChargeType\":");
    json::string(out, d.disk_charge_type);
    out.extend_from_slice(b",\"Portable\":");
    json::boolean(out, d.portable);
    out.push(b',');
    write_placement(out, &d.placement);
    out.extend_from_slice(b",\"SnapshotAbility\":");
    json::boolean(out, d.snapshot_ability);
    out.extend_from_slice(b",\"DiskName\":");
    json::string(out, d.disk_name);
    out.extend_from_slice(b",\"DiskSize\":");
    json::int(out, d.disk_size);
    out.extend_from_slice(b",\"DiskState\":");
    json::string(out, d.disk_state);
    out.extend_from_slice(b",\"DiskType\":");
    json::string(out, d.disk_type);
    out.extend_from_slice(b",\"Attached\":");
    json::boolean(out, d.attached);
    out.extend_from_slice(b",\"InstanceId\":");
    json::string(out, d.instance_id);
    out.extend_from_slice(b",\"CreateTime\":");
    d.create_time.write_json(out);
    out.extend_from_slice(b",\"DeadlineTime\":");
    d.deadline_time.write_json(out);
    out.extend_from_slice(b",\"Rollbacking\":");
    json::boolean(out, d.rollbacking);
    out.extend_from_slice(b",\"RollbackPercent\":");
    json::int(out, if d.rollbacking { d.rollback_percent } else { 0 });
    out.extend_from_slice(b",\"Encrypt\":");
    json::boolean(out, d.encrypt);
    out.extend_from_slice(b",\"AutoRenewFlagError\":");
    json::boolean(out, d.auto_renew_flag_error);
    out.extend_from_slice(b",\"RenewFlag\":");
    json::string(out, d.renew_flag.unwrap_or(""));
    out.extend_from_slice(b",\"DeadlineError\":");
    json::boolean(out, d.deadline_error);
    out.extend_from_slice(b",\"IsReturnable\":");
    json::boolean(out, d.is_returnable.unwrap_or(false));
    out.extend_from_slice(b",\"ReturnFailCode\":");
    json::int(out, d.return_fail_code.unwrap_or(10));
    if with_policies {
        out.extend_from_slice(b",\"AutoSnapshotPolicyIds\":");
        json::strings(out, d.auto_snapshot_policy_ids.unwrap_or(&[]));
    }
    if !d.tags.is_empty() {
        out.extend_from_slice(b",\"Tags\":");
        write_tags(out, d.tags);
    }
    out.extend_from_slice(b",\"DeleteWithInstance\":");
    json::boolean(out, d.delete_with_instance);
    if let Some(days) = d.differ_days_of_deadline {
        out.extend_from_slice(b",\"DifferDaysOfDeadline\":");
        json::int(out, days);
    }
    out.extend_from_slice(b",\"Migrating\":");
    json::boolean(out, d.migrating);
    out.extend_from_slice(b",\"MigratePercent\":");
    json::int(out, if d.migrating { d.migrate_percent } else { 0 });
    out.extend_from_slice(b",\"Shareable\":");
    json::boolean(out, d.shareable);
    if let Some(list) = d.instance_id_list.filter(|l| !l.is_empty()) {
        out.extend_from_slice(b",\"InstanceIdList\":");
        json::strings(out, list);
    }
    out.extend_from_slice(b",\"SnapshotCount\":");
    json::int(out, d.snapshot_count);
    out.extend_from_slice(b",\"SnapshotSize\":");
    json::int(out, d.snapshot_size);
    out.extend_from_slice(b",\"BackupDisk\":");
    json::boolean(out, d.backup_disk);
    out.push(b'}');
}

/// Appends the bytes `snapshot(<DescribeSnapshots' JSON of s>)` serializes to (see
/// [`write_disk`]).
pub fn write_snapshot(out: &mut Vec<u8>, s: &SnapshotOut<'_>) {
    out.extend_from_slice(b"{\"SnapshotId\":");
    json::string(out, s.snapshot_id);
    out.push(b',');
    write_placement(out, &s.placement);
    out.extend_from_slice(b",\"DiskUsage\":");
    json::string(out, s.disk_usage);
    out.extend_from_slice(b",\"DiskId\":");
    json::string(out, s.disk_id);
    out.extend_from_slice(b",\"DiskSize\":");
    json::int(out, s.disk_size);
    out.extend_from_slice(b",\"SnapshotState\":");
    json::string(out, s.snapshot_state);
    out.extend_from_slice(b",\"SnapshotName\":");
    json::string(out, s.snapshot_name);
    out.extend_from_slice(b",\"Percent\":");
    json::int(out, s.percent);
    out.extend_from_slice(b",\"CreateTime\":");
    s.create_time.write_json(out);
    out.extend_from_slice(b",\"DeadlineTime\":");
    s.deadline_time.write_json(out);
    out.extend_from_slice(b",\"Encrypt\":");
    json::boolean(out, s.encrypt);
    out.extend_from_slice(b",\"IsPermanent\":");
    json::boolean(out, s.is_permanent);
    if !s.copying_to_regions.is_empty() {
        out.extend_from_slice(b",\"CopyingToRegions\":");
        json::strings(out, s.copying_to_regions);
    }
    out.extend_from_slice(b",\"CopyFromRemote\":");
    json::boolean(out, s.copy_from_remote);
    // `Images` is always empty, so never printed (as `copy_if_set` leaves it out).
    out.extend_from_slice(b",\"ImageCount\":");
    json::int(out, s.image_count);
    out.extend_from_slice(b",\"SnapshotType\":");
    json::string(out, s.snapshot_type);
    out.extend_from_slice(b",\"ShareReference\":");
    json::int(out, i64::try_from(s.share_reference).unwrap_or(i64::MAX));
    out.push(b'}');
}

/// Appends one disk's `Properties` entry (the console operations of disk/list: see
/// `disks::properties` for the rules).
pub fn write_properties(out: &mut Vec<u8>, (modify, expand, detach, delete): (bool, bool, bool, bool)) {
    out.extend_from_slice(b"{\"IsModify\":");
    json::boolean(out, modify);
    out.extend_from_slice(b",\"IsExpand\":");
    json::boolean(out, expand);
    out.extend_from_slice(b",\"IsDetach\":");
    json::boolean(out, detach);
    out.extend_from_slice(b",\"IsDelete\":");
    json::boolean(out, delete);
    out.push(b'}');
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
    use crate::tencent::model::Tag;
    use crate::tencent::render::tests::{disk_out, snapshot_out};

    /// Values that need escaping, unicode, and plain ones (as the Tencent writer's test has).
    fn texts(controls: &str) -> Vec<&str> {
        vec![
            "",
            "disk-abc123",
            "a \"quoted\" name",
            "back\\slash\\",
            "line\nbreak\ttab\r",
            controls,
            "云硬盘-中文",
            "emoji 🙂 and \u{7f} and \u{2028}",
            "2026-12-03 08:00:00",
            "ap-guangzhou-3",
        ]
    }

    #[test]
    fn the_disk_writer_writes_what_disk_makes_of_the_describe_disks_json() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let texts = texts(&controls);
        let lists = [vec![], vec!["ins-1".to_string()], vec!["a\"b".to_string(), "中".to_string(), String::new()]];
        let tag = |k: &str, v: &str| Tag { key: k.into(), value: v.into() };
        let tags = [vec![], vec![tag("env", "prod")], vec![tag("k\"1", "v\n1"), tag("名", ""), tag("", "🙂")]];
        for i in 0..4096 {
            let d = disk_out(i, &texts, &lists, &tags);
            let tencent = serde_json::to_value(&d).unwrap();
            for with_policies in [false, true] {
                let mut got = Vec::new();
                write_disk(&mut got, &d, with_policies);
                let want = serde_json::to_vec(&disk(&tencent, with_policies)).unwrap();
                assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "disk {i}");
            }
        }
    }

    #[test]
    fn the_snapshot_writer_writes_what_snapshot_makes_of_the_describe_snapshots_json() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let texts = texts(&controls);
        let lists = [vec![], vec!["ap-beijing".to_string()], vec!["a\"b".to_string(), "中".to_string()]];
        let tags = [vec![], vec![Tag { key: "k".into(), value: "v".into() }]];
        for i in 0..2048 {
            let s = snapshot_out(i, &texts, &lists, &tags);
            let mut got = Vec::new();
            write_snapshot(&mut got, &s);
            let want = serde_json::to_vec(&snapshot(&serde_json::to_value(&s).unwrap())).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "snapshot {i}");
        }
    }

    #[test]
    fn the_properties_writer_writes_the_seed_shape() {
        for bits in 0..16 {
            let b = |k: u32| (bits >> k) & 1 == 1;
            let mut got = Vec::new();
            write_properties(&mut got, (b(0), b(1), b(2), b(3)));
            let want = json!({"IsModify": b(0), "IsExpand": b(1), "IsDetach": b(2), "IsDelete": b(3)});
            assert_eq!(got, serde_json::to_vec(&want).unwrap());
        }
    }

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
