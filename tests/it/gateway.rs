//! The gateway (`/v1/tencent/*`, seeds 000 and 001) over raw HTTP: every endpoint's success shape
//! against the seed's example, the same state as the native Tencent API both ways, paging and
//! fuzzy search, the Properties rules, and every kind of error in the gateway envelope.

use crate::common;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::{gw_error_of, GW_CLUSTER, GW_TENANT};
use serde_json::{json, Value};

const DISK_KEYS: &[&str] = &[
    "DiskId",
    "DiskUsage",
    "DiskChargeType",
    "Portable",
    "Placement",
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
    "RollbackPercent",
    "Encrypt",
    "AutoRenewFlagError",
    "RenewFlag",
    "DeadlineError",
    "IsReturnable",
    "ReturnFailCode",
    "DeleteWithInstance",
    "Migrating",
    "MigratePercent",
    "Shareable",
    "SnapshotCount",
    "SnapshotSize",
    "BackupDisk",
];
const PLACEMENT_KEYS: &[&str] = &["Zone", "ProjectId", "CdcId", "CageId", "CdcName"];
const SNAPSHOT_KEYS: &[&str] = &[
    "SnapshotId",
    "Placement",
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
    "CopyFromRemote",
    "ImageCount",
    "SnapshotType",
    "ShareReference",
];
const POLICY_KEYS: &[&str] = &[
    "AutoSnapshotPolicyId",
    "AutoSnapshotPolicyName",
    "AutoSnapshotPolicyState",
    "IsActivated",
    "IsPermanent",
    "RetentionDays",
    "CreateTime",
    "NextTriggerTime",
    "Policy",
];
const LOG_KEYS: &[&str] = &["OperationState", "StartTime", "Operator", "Operation", "EndTime", "DiskId"];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).keys().map(String::as_str).collect()
}

fn immediate() -> common::Twin {
    common::twin(TimingPolicy::Immediate)
}

/// The ID of the one disk named `name` (through the native API).
fn disk_named(t: &common::Twin, name: &str) -> String {
    let r = t.ok("DescribeDisks", json!({"Filters": [{"Name": "disk-name", "Values": [name]}]}));
    assert_eq!(r["TotalCount"], 1, "{r}");
    r["DiskSet"][0]["DiskId"].as_str().unwrap().to_string()
}

/// seed 001's disk/create example body.
fn create_example(t: &common::Twin, name: &str) -> String {
    let data = t.gw_ok(
        "/v1/tencent/disk/create",
        json!({"Region": "ap-guangzhou", "Placement": {"Zone": "ap-guangzhou-3"}, "DiskSize": 20, "DiskName": name,
               "DiskCount": 1, "DiskType": "CLOUD_PREMIUM", "TenantUuid": GW_TENANT, "ClusterUuid": GW_CLUSTER}),
    );
    assert_eq!(data, json!({}), "writes answer data {{}}");
    disk_named(t, name)
}

#[test]
fn disk_endpoints_answer_the_seed_examples_shapes() {
    let t = immediate();
    let id = create_example(&t, "123");

    // disk/list with the example body, narrowed to the new disk.
    let data = t.gw_ok(
        "/v1/tencent/disk/list",
        json!({"Region": "ap-guangzhou", "PageSize": 10, "Fuzzy": "", "PageNum": 0,
               "Filters": [{"Name": "disk-name", "Values": ["123"]}]}),
    );
    assert_eq!(keys(&data), ["TotalCount", "List", "Properties"]);
    assert_eq!(data["TotalCount"], 1);
    let d = &data["List"][0];
    assert_eq!(keys(d), DISK_KEYS);
    assert_eq!(keys(&d["Placement"]), PLACEMENT_KEYS);
    let mut expected = json!({
        "DiskId": id, "DiskUsage": "DATA_DISK", "DiskChargeType": "POSTPAID_BY_HOUR", "Portable": true,
        "Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 0, "CdcId": "", "CageId": "", "CdcName": ""},
        "SnapshotAbility": true, "DiskName": "123", "DiskSize": 20, "DiskState": "UNATTACHED",
        "DiskType": "CLOUD_PREMIUM", "Attached": false, "InstanceId": "", "CreateTime": "2026-11-23 05:53:53",
        "DeadlineTime": "", "Rollbacking": false, "RollbackPercent": 0, "Encrypt": false,
        "AutoRenewFlagError": false, "RenewFlag": "", "DeadlineError": false, "IsReturnable": false,
        "ReturnFailCode": 10, "DeleteWithInstance": false, "Migrating": false, "MigratePercent": 0,
        "Shareable": false, "SnapshotCount": 0, "SnapshotSize": 0, "BackupDisk": false});
    assert_eq!(d, &expected);
    assert_eq!(
        data["Properties"],
        json!([{"IsModify": false, "IsExpand": true, "IsDetach": false, "IsDelete": true}]),
        "the seed example's Properties"
    );

    // disk/inspect with the example's singular DiskId: the disk itself is `data`.
    let one = t.gw_ok("/v1/tencent/disk/inspect", json!({"Region": "ap-guangzhou", "DiskId": id}));
    assert_eq!(one, expected);
    // ReturnBindAutoSnapshotPolicy adds the (returns-table) AutoSnapshotPolicyIds.
    let one = t.gw_ok("/v1/tencent/disk/inspect", json!({"DiskIds": [id], "ReturnBindAutoSnapshotPolicy": true}));
    assert_eq!(one["AutoSnapshotPolicyIds"], json!([]));

    // disk/update (example), disk/resize (example), then the changes show through inspect.
    let up = t.gw_ok("/v1/tencent/disk/update", json!({"DiskId": id, "DeleteWithInstance": false, "DiskName": "1234"}));
    assert_eq!(up, json!({}));
    assert_eq!(t.gw_ok("/v1/tencent/disk/resize", json!({"DiskId": id, "DiskSize": 80})), json!({}));
    let one = t.gw_ok("/v1/tencent/disk/inspect", json!({"DiskId": id}));
    expected["DiskName"] = json!("1234");
    expected["DiskSize"] = json!(80);
    assert_eq!(one, expected);

    // disk/attach and disk/detach (examples, with the seeded instance).
    let attach = json!({"InstanceId": "ins-cloudtw1", "DiskIds": [id]});
    assert_eq!(t.gw_ok("/v1/tencent/disk/attach", attach.clone()), json!({}));
    let one = t.gw_ok("/v1/tencent/disk/inspect", json!({"DiskId": id}));
    assert_eq!((one["DiskState"].as_str(), one["InstanceId"].as_str()), (Some("ATTACHED"), Some("ins-cloudtw1")));
    assert_eq!(t.gw_ok("/v1/tencent/disk/detach", attach), json!({}));
    assert_eq!(t.gw_ok("/v1/tencent/disk/inspect", json!({"DiskId": id}))["DiskState"], "UNATTACHED");

    // disk/logs/list: the Tencent-style body seed 001 documents, example field order.
    let r = t.gw(
        "/v1/tencent/disk/logs/list",
        json!({"PageNum": 0, "PageSize": 10, "DiskId": id, "BeginTime": "2026-11-23 00:00:00",
               "EndTime": "2026-11-23 23:59:59"}),
    );
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(keys(&v), ["Response"]);
    assert_eq!(keys(&v["Response"]), ["RequestId", "TotalCount", "DiskOperationLogSet"]);
    let logs = v["Response"]["DiskOperationLogSet"].as_array().unwrap();
    let ops: Vec<&str> = logs.iter().map(|l| l["Operation"].as_str().unwrap()).collect();
    assert_eq!(
        ops,
        [
            "CBS_OPERATION_CREATE",
            "CBS_OPERATION_MODIFY",
            "CBS_OPERATION_EXPAND",
            "CBS_OPERATION_ATTACH",
            "CBS_OPERATION_DETACH"
        ]
    );
    for l in logs {
        assert_eq!(keys(l), LOG_KEYS);
        assert_eq!((l["DiskId"].as_str(), l["Operator"].as_str()), (Some(id.as_str()), Some("100000000001")));
        assert_eq!(l["OperationState"], "SUCCESS");
    }
    // Outside the time window: nothing.
    let v = t
        .gw(
            "/v1/tencent/disk/logs/list",
            json!({"DiskId": id, "BeginTime": "2021-08-27 00:00:00", "EndTime": "2021-08-27 23:59:59"}),
        )
        .json();
    assert_eq!(v["Response"]["TotalCount"], 0);

    // disk/delete (example).
    assert_eq!(t.gw_ok("/v1/tencent/disk/delete", json!({"DiskIds": [id]})), json!({}));
    assert!(t.disk(&id).is_none());
}

#[test]
fn snapshot_endpoints_answer_the_seed_examples_shapes() {
    let t = immediate();
    let id = create_example(&t, "snap-src");
    // snapshot/create (example: singular DiskId).
    let data = t.gw_ok("/v1/tencent/snapshot/create", json!({"DiskId": id, "SnapshotName": "123"}));
    assert_eq!(data, json!({}));
    let data = t.gw_ok("/v1/tencent/snapshot/list", json!({"PageNum": 0, "Fuzzy": "", "PageSize": 10}));
    assert_eq!(keys(&data), ["TotalCount", "List"]);
    assert_eq!(data["TotalCount"], 1);
    let s = &data["List"][0];
    assert_eq!(keys(s), SNAPSHOT_KEYS);
    let snap_id = s["SnapshotId"].as_str().unwrap().to_string();
    assert_eq!(
        s,
        &json!({"SnapshotId": snap_id,
            "Placement": {"Zone": "ap-guangzhou-3", "ProjectId": 0, "CdcId": "", "CageId": "", "CdcName": ""},
            "DiskUsage": "DATA_DISK", "DiskId": id, "DiskSize": 20, "SnapshotState": "NORMAL", "SnapshotName": "123",
            "Percent": 100, "CreateTime": "2026-11-23 05:53:53", "DeadlineTime": "", "Encrypt": false,
            "IsPermanent": true, "CopyFromRemote": false, "ImageCount": 0, "SnapshotType": "PRIVATE_SNAPSHOT",
            "ShareReference": 0})
    );
    // snapshot/apply (example).
    assert_eq!(t.gw_ok("/v1/tencent/snapshot/apply", json!({"SnapshotId": snap_id, "DiskId": id})), json!({}));
    // snapshot/delete (example).
    assert_eq!(t.gw_ok("/v1/tencent/snapshot/delete", json!({"SnapshotIds": [snap_id]})), json!({}));
    assert_eq!(t.gw_ok("/v1/tencent/snapshot/list", json!({}))["TotalCount"], 0);
}

#[test]
fn policy_endpoints_answer_the_seed_examples_shapes() {
    let t = immediate();
    let disk = create_example(&t, "bound");
    let create = json!({"Policy": [{"DayOfWeek": [0], "Hour": [23]}], "AutoSnapshotPolicyName": "test",
                        "IsActivated": true, "IsPermanent": false, "RetentionDays": 1});
    assert_eq!(t.gw_ok("/v1/tencent/auto_snapshot/policy/create", create), json!({}));
    let data = t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({"PageSize": 10, "Fuzzy": "", "PageNum": 0}));
    assert_eq!(keys(&data), ["TotalCount", "List"]);
    let p = &data["List"][0];
    assert_eq!(keys(p), POLICY_KEYS);
    let asp = p["AutoSnapshotPolicyId"].as_str().unwrap().to_string();
    // 2026-11-23 is a Monday (UTC+8): the next Sunday 23:00 is the 29th.
    assert_eq!(
        p,
        &json!({"AutoSnapshotPolicyId": asp, "AutoSnapshotPolicyName": "test", "AutoSnapshotPolicyState": "NORMAL",
            "IsActivated": true, "IsPermanent": false, "RetentionDays": 1, "CreateTime": "2026-11-23 05:53:53",
            "NextTriggerTime": "2026-11-29 23:00:00", "Policy": [{"DayOfWeek": [0], "Hour": [23]}]})
    );
    // policy/update (example: singular AutoSnapshotPolicyId).
    let update = json!({"AutoSnapshotPolicyId": asp, "Policy": [{"DayOfWeek": [1], "Hour": [23]}],
                        "AutoSnapshotPolicyName": "test", "IsActivated": true, "IsPermanent": false, "RetentionDays": 1});
    assert_eq!(t.gw_ok("/v1/tencent/auto_snapshot/policy/update", update), json!({}));
    let p = &t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({}))["List"][0];
    assert_eq!(
        (p["Policy"][0]["DayOfWeek"][0].as_i64(), p["NextTriggerTime"].as_str()),
        (Some(1), Some("2026-11-23 23:00:00"))
    );
    // policy/bind and unbind (examples).
    let bind = json!({"AutoSnapshotPolicyId": asp, "DiskIds": [disk]});
    assert_eq!(t.gw_ok("/v1/tencent/auto_snapshot/policy/bind", bind.clone()), json!({}));
    let p = &t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({}))["List"][0];
    assert_eq!(p["DiskIdSet"], json!([disk]), "the returns table's DiskIdSet, printed once it has disks");
    let d =
        t.gw_ok("/v1/tencent/disk/list", json!({"AutoSnapshotPolicyId": asp, "ReturnBindAutoSnapshotPolicy": true}));
    assert_eq!((d["TotalCount"].as_i64(), &d["List"][0]["AutoSnapshotPolicyIds"]), (Some(1), &json!([asp])));
    assert_eq!(t.gw_ok("/v1/tencent/auto_snapshot/policy/unbind", bind), json!({}));
    assert_eq!(t.gw_ok("/v1/tencent/disk/list", json!({"AutoSnapshotPolicyId": asp}))["TotalCount"], 0);
    // policy/delete (example).
    assert_eq!(t.gw_ok("/v1/tencent/auto_snapshot/policy/delete", json!({"AutoSnapshotPolicyIds": [asp]})), json!({}));
    assert_eq!(t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({}))["TotalCount"], 0);
}

const REGION_IDS: &[&str] = &[
    "ap-bangkok",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-guangzhou",
    "ap-hongkong",
    "ap-mumbai",
    "ap-nanjing",
    "ap-seoul",
    "ap-shanghai",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-singapore",
    "ap-tokyo",
    "eu-frankfurt",
    "eu-moscow",
    "na-ashburn",
    "na-siliconvalley",
    "na-toronto",
];

fn counts(list: &Value) -> Vec<(String, i64)> {
    list["List"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(keys(r), ["Count", "Region", "RegionName", "RegionState"]);
            assert_eq!(r["RegionState"], "AVAILABLE");
            (r["Region"].as_str().unwrap().to_string(), r["Count"].as_i64().unwrap())
        })
        .collect()
}

#[test]
fn distributed_inspect_counts_per_region_over_the_documented_list() {
    let t = immediate();
    let example = json!({"TenantUuid": GW_TENANT, "ClusterUuid": GW_CLUSTER});
    // The seeded world: 6 disks in Guangzhou, 1 in Shanghai, 1 in Beijing.
    let disks = t.gw_bytes("/v1/tencent/disk/distributed/inspect", &[], &serde_json::to_vec(&example).unwrap()).json();
    assert_eq!(disks["scode"], 0);
    let c = counts(&disks["data"]);
    assert_eq!(c.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(), REGION_IDS);
    let count = |c: &[(String, i64)], r: &str| c.iter().find(|(x, _)| x == r).unwrap().1;
    assert_eq!((count(&c, "ap-guangzhou"), count(&c, "ap-shanghai"), count(&c, "ap-beijing")), (6, 1, 1));
    assert_eq!(count(&c, "ap-nanjing"), 0, "regions the twin does not serve count 0");
    assert_eq!(disks["data"]["List"][4]["RegionName"], "华南地区(广州)");
    assert_eq!(disks["data"]["List"][5]["RegionName"], "港澳台地区(中国香港)");

    // Snapshots: two in Guangzhou, names as the snapshot example prints them (short).
    let id = create_example(&t, "src");
    t.gw_ok("/v1/tencent/snapshot/create", json!({"DiskIds": [id, "disk-cloudtw2"], "SnapshotName": "two"}));
    let snaps = t.gw_ok("/v1/tencent/snapshot/distributed/inspect", json!({"Region": null}));
    let c = counts(&snaps);
    assert_eq!((count(&c, "ap-guangzhou"), c.iter().map(|x| x.1).sum::<i64>()), (2, 2));
    assert_eq!(snaps["List"][0]["RegionName"], "曼谷");
    assert_eq!(snaps["List"][18]["RegionName"], "多伦多");

    // Policies in two regions; long names.
    let pol = json!({"Policy": [{"DayOfWeek": [0], "Hour": [23]}], "AutoSnapshotPolicyName": "p", "RetentionDays": 1});
    t.gw_ok("/v1/tencent/auto_snapshot/policy/create", pol.clone());
    let mut sh = pol.clone();
    sh["Region"] = json!("ap-shanghai");
    t.gw_ok("/v1/tencent/auto_snapshot/policy/create", sh);
    let pols = t.gw_ok("/v1/tencent/auto_snapshot/distributed/inspect", json!({"Region": null}));
    let c = counts(&pols);
    assert_eq!((count(&c, "ap-guangzhou"), count(&c, "ap-shanghai"), count(&c, "ap-bangkok")), (1, 1, 0));
    assert_eq!(pols["List"][0]["RegionName"], "亚太地区(曼谷)");

    // Filters and IDs narrow the count; Region narrows the list.
    let f = t.gw_ok(
        "/v1/tencent/disk/distributed/inspect",
        json!({"Filters": [{"Name": "disk-usage", "Values": ["SYSTEM_DISK"]}], "Region": "ap-guangzhou"}),
    );
    assert_eq!(counts(&f), [("ap-guangzhou".to_string(), 4)]);
    let f =
        t.gw_ok("/v1/tencent/disk/distributed/inspect", json!({"DiskId": "disk-cloudtw1", "Region": "ap-guangzhou"}));
    assert_eq!(counts(&f), [("ap-guangzhou".to_string(), 1)]);
    let (scode, desc) =
        t.gw_err("/v1/tencent/disk/distributed/inspect", json!({"Filters": [{"Name": "nope", "Values": ["x"]}]}));
    assert_eq!((scode, desc.as_str()), (400, "InvalidFilter"));
    let (scode, _) = t.gw_err("/v1/tencent/snapshot/distributed/inspect", json!({"Limit": 101}));
    assert_eq!(scode, 400);
}

#[test]
fn gateway_and_native_api_share_one_state_both_ways() {
    let t = immediate();
    // Gateway → native.
    let gw_disk = create_example(&t, "made-by-gateway");
    let native = t.disk(&gw_disk).expect("DescribeDisks sees the gateway's disk");
    assert_eq!((native["DiskSize"].as_i64(), native["DiskType"].as_str()), (Some(20), Some("CLOUD_PREMIUM")));
    t.gw_ok("/v1/tencent/snapshot/create", json!({"DiskId": gw_disk, "SnapshotName": "gw-snap"}));
    let snaps = t.ok("DescribeSnapshots", json!({"Filters": [{"Name": "disk-id", "Values": [gw_disk]}]}));
    assert_eq!(snaps["SnapshotSet"][0]["SnapshotName"], "gw-snap");
    t.gw_ok(
        "/v1/tencent/auto_snapshot/policy/create",
        json!({"Policy": [{"DayOfWeek": [3], "Hour": [1]}], "AutoSnapshotPolicyName": "gw-pol", "RetentionDays": 3}),
    );
    let pols = t.ok("DescribeAutoSnapshotPolicies", json!({}));
    assert_eq!(pols["AutoSnapshotPolicySet"][0]["AutoSnapshotPolicyName"], "gw-pol");
    let asp = pols["AutoSnapshotPolicySet"][0]["AutoSnapshotPolicyId"].as_str().unwrap().to_string();
    t.gw_ok("/v1/tencent/auto_snapshot/policy/bind", json!({"AutoSnapshotPolicyIds": [asp], "DiskIds": [gw_disk]}));
    let bound = t.ok("DescribeDiskAssociatedAutoSnapshotPolicy", json!({"DiskId": gw_disk}));
    assert_eq!(bound["TotalCount"], 1);
    let logs = t.ok("DescribeDiskOperationLogs", json!({"Filters": [{"Name": "disk-id", "Values": [gw_disk]}]}));
    let ops: Vec<&str> =
        logs["DiskOperationLogSet"].as_array().unwrap().iter().map(|l| l["Operation"].as_str().unwrap()).collect();
    assert_eq!(ops, ["CBS_OPERATION_CREATE", "ASP_OPERATION_BIND"]);

    // Native → gateway.
    let native_disk = t.new_disk("ap-guangzhou-4", 30);
    let one = t.gw_ok("/v1/tencent/disk/inspect", json!({"DiskId": native_disk}));
    assert_eq!((one["DiskSize"].as_i64(), one["Placement"]["Zone"].as_str()), (Some(30), Some("ap-guangzhou-4")));
    t.ok("CreateSnapshot", json!({"DiskId": native_disk, "SnapshotName": "native-snap"}));
    let list = t.gw_ok("/v1/tencent/snapshot/list", json!({"Fuzzy": "native"}));
    assert_eq!(
        (list["TotalCount"].as_i64(), list["List"][0]["DiskId"].as_str()),
        (Some(1), Some(native_disk.as_str()))
    );
    t.ok("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": asp, "DiskIds": [native_disk]}));
    let d = t.gw_ok("/v1/tencent/disk/list", json!({"AutoSnapshotPolicyId": asp}));
    assert_eq!(d["TotalCount"], 2);
    t.ok("ResizeDisk", json!({"DiskId": native_disk, "DiskSize": 40}));
    let logs = t.gw("/v1/tencent/disk/logs/list", json!({"DiskId": native_disk})).json();
    let ops: Vec<&str> = logs["Response"]["DiskOperationLogSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["Operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["CBS_OPERATION_CREATE", "ASP_OPERATION_BIND", "CBS_OPERATION_EXPAND"]);

    // The peer tenant works on the peer account: it sees none of this.
    let peer =
        |path: &str| t.gw_ok(path, json!({"TenantUuid": "peer", "ClusterUuid": GW_CLUSTER, "Region": "ap-guangzhou"}));
    let d = peer("/v1/tencent/disk/list");
    let ids: Vec<&str> = d["List"].as_array().unwrap().iter().map(|x| x["DiskId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["disk-syspeer1"]);
    assert_eq!(peer("/v1/tencent/snapshot/list")["TotalCount"], 0);
}

/// `Fuzzy` searches the kept disks before anything is rendered: its answer must be the whole
/// list (no search) with the disks the search does not find left out, for every option beside.
#[test]
fn a_fuzzy_list_is_the_whole_list_searched() {
    let t = immediate();
    for (name, zone) in [("gw-alpha-1", 3), ("GW-ALPHA-2", 4), ("gw-beta-3", 3)] {
        t.gw_ok(
            "/v1/tencent/disk/create",
            json!({"Placement": {"Zone": format!("ap-guangzhou-{zone}")}, "DiskSize": 10, "DiskName": name,
                   "DiskType": "CLOUD_BASIC"}),
        );
    }
    let found = |d: &Value, needle: &str| {
        ["DiskName", "DiskId"].iter().any(|k| d[*k].as_str().unwrap().to_lowercase().contains(&needle.to_lowercase()))
    };
    let options = [
        json!({}),
        json!({"Order": "DESC", "OrderField": "DEADLINE"}),
        json!({"Filters": [{"Name": "disk-type", "Values": ["CLOUD_BASIC"]}]}),
        json!({"State": "UNATTACHED", "Zone": "ap-guangzhou-3"}),
        json!({"ReturnBindAutoSnapshotPolicy": true, "Order": "ASC"}),
    ];
    for extra in options {
        let whole = t.gw_ok("/v1/tencent/disk/list", extra.clone());
        let (list, props) = (whole["List"].as_array().unwrap(), whole["Properties"].as_array().unwrap());
        for needle in ["alpha", "ALPHA", "disk-", "a-", "-2", "CLOUDtw", "zzz"] {
            let mut q = extra.clone();
            q["Fuzzy"] = json!(needle);
            let got = t.gw_ok("/v1/tencent/disk/list", q);
            let keep: Vec<usize> = (0..list.len()).filter(|&i| found(&list[i], needle)).collect();
            let want: Vec<&Value> = keep.iter().map(|&i| &list[i]).collect();
            let want_props: Vec<&Value> = keep.iter().map(|&i| &props[i]).collect();
            assert_eq!(got["List"].as_array().unwrap().iter().collect::<Vec<_>>(), want, "{extra} {needle}");
            assert_eq!(got["Properties"].as_array().unwrap().iter().collect::<Vec<_>>(), want_props);
            assert_eq!(got["TotalCount"], json!(want.len()), "{extra} {needle}");
        }
    }
    // A bad filter is refused the same way with a search.
    let bad = json!({"Filters": [{"Name": "portable", "Values": ["maybe"]}]});
    let mut searched = bad.clone();
    searched["Fuzzy"] = json!("alpha");
    assert_eq!(t.gw_err("/v1/tencent/disk/list", searched), t.gw_err("/v1/tencent/disk/list", bad));
}

#[test]
fn paging_fuzzy_and_the_list_filters() {
    let t = immediate();
    for name in ["gw-alpha-1", "gw-alpha-2", "gw-Beta-3", "gw-beta-4", "gw-gamma-5"] {
        t.gw_ok(
            "/v1/tencent/disk/create",
            json!({"Placement": {"Zone": if name.contains("gamma") { "ap-guangzhou-4" } else { "ap-guangzhou-3" }},
                   "DiskSize": 10, "DiskName": name, "DiskType": "CLOUD_BASIC"}),
        );
    }
    let names = |data: &Value| -> Vec<String> {
        data["List"].as_array().unwrap().iter().map(|d| d["DiskName"].as_str().unwrap().to_string()).collect()
    };
    // 6 seeded + 5 new; oldest first by default (the seeds' list order), PageSize 0 = all.
    let all = t.gw_ok("/v1/tencent/disk/list", json!({}));
    assert_eq!(all["TotalCount"], 11);
    assert_eq!(names(&all)[6..], ["gw-alpha-1", "gw-alpha-2", "gw-Beta-3", "gw-beta-4", "gw-gamma-5"]);
    assert_eq!(all["Properties"].as_array().unwrap().len(), 11);
    // Fuzzy is a case-insensitive substring of the name...
    let beta = t.gw_ok("/v1/tencent/disk/list", json!({"Fuzzy": "BETA"}));
    assert_eq!(
        (beta["TotalCount"].as_i64(), names(&beta)),
        (Some(2), vec!["gw-Beta-3".to_string(), "gw-beta-4".to_string()])
    );
    // ... or of the ID.
    let by_id = t.gw_ok("/v1/tencent/disk/list", json!({"Fuzzy": "CLOUDTW"}));
    assert_eq!(by_id["TotalCount"], 2, "disk-cloudtw1 and disk-cloudtw2");
    // PageNum is a zero-based page of PageSize; TotalCount counts every match.
    let p = t.gw_ok("/v1/tencent/disk/list", json!({"Fuzzy": "GW-", "PageNum": 1, "PageSize": 2}));
    assert_eq!(
        (p["TotalCount"].as_i64(), names(&p)),
        (Some(5), vec!["gw-Beta-3".to_string(), "gw-beta-4".to_string()])
    );
    let p = t.gw_ok("/v1/tencent/disk/list", json!({"Fuzzy": "GW-", "PageNum": 2, "PageSize": 2}));
    assert_eq!(names(&p), ["gw-gamma-5"]);
    assert_eq!(p["Properties"].as_array().unwrap().len(), 1, "one Properties entry per listed disk");
    let p = t.gw_ok("/v1/tencent/disk/list", json!({"Fuzzy": "GW-", "PageNum": 9, "PageSize": 2}));
    assert_eq!((p["TotalCount"].as_i64(), names(&p).len()), (Some(5), 0));
    // Offset/Limit (also in the disk/list table) page the same list.
    let p = t.gw_ok("/v1/tencent/disk/list", json!({"Fuzzy": "GW-", "Offset": 3, "Limit": 1}));
    assert_eq!(names(&p), ["gw-beta-4"]);
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"PageSize": 2, "Limit": 2})).0, 400);
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"PageSize": -1})).0, 400);
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"Limit": 101})).0, 400);
    // Order / OrderField go to DescribeDisks.
    let desc = t.gw_ok("/v1/tencent/disk/list", json!({"Fuzzy": "GW-", "Order": "DESC", "OrderField": "CREATE_TIME"}));
    assert_eq!(names(&desc)[0], "gw-gamma-5");
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"Order": "UP"})), (400, "InvalidParameterValue".into()));
    // Zone, State, Filters.
    let z = t.gw_ok("/v1/tencent/disk/list", json!({"Zone": "ap-guangzhou-4", "Fuzzy": "GW-"}));
    assert_eq!(names(&z), ["gw-gamma-5"]);
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"Zone": "ap-shanghai-2"})).0, 400);
    let attached = t.gw_ok("/v1/tencent/disk/list", json!({"State": "ATTACHED"}));
    assert_eq!(attached["TotalCount"], 5, "four system disks and disk-cloudtw1");
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"State": "attached"})).0, 400);
    let f = t.gw_ok(
        "/v1/tencent/disk/list",
        json!({"Filters": [{"Name": "disk-type", "Values": ["CLOUD_BASIC"]}], "Fuzzy": "alpha"}),
    );
    assert_eq!(f["TotalCount"], 2);

    // Snapshots and policies page and search the same way.
    for (i, n) in ["s-one", "s-two", "s-three"].iter().enumerate() {
        let disk = disk_named(&t, ["gw-alpha-1", "gw-alpha-2", "gw-gamma-5"][i]);
        t.gw_ok("/v1/tencent/snapshot/create", json!({"DiskIds": [disk], "SnapshotName": n}));
    }
    let s = t.gw_ok("/v1/tencent/snapshot/list", json!({"Fuzzy": "T", "PageNum": 0, "PageSize": 1}));
    assert_eq!((s["TotalCount"].as_i64(), s["List"][0]["SnapshotName"].as_str()), (Some(2), Some("s-two")));
    for n in ["daily", "weekly", "Daily-2"] {
        t.gw_ok(
            "/v1/tencent/auto_snapshot/policy/create",
            json!({"Policy": [{"DayOfWeek": [1], "Hour": [2]}], "AutoSnapshotPolicyName": n}),
        );
    }
    let p = t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({"Fuzzy": "daily"}));
    assert_eq!(p["TotalCount"], 2);
    let p = t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({"PageNum": 1, "PageSize": 2}));
    assert_eq!((p["TotalCount"].as_i64(), p["List"][0]["AutoSnapshotPolicyName"].as_str()), (Some(3), Some("Daily-2")));
}

fn props(t: &common::Twin, id: &str) -> Value {
    let d = t.gw_ok("/v1/tencent/disk/list", json!({"DiskIds": [id]}));
    assert_eq!(d["TotalCount"], 1);
    d["Properties"][0].clone()
}

fn p(modify: bool, expand: bool, detach: bool, delete: bool) -> Value {
    json!({"IsModify": modify, "IsExpand": expand, "IsDetach": detach, "IsDelete": delete})
}

#[test]
fn properties_follow_state_type_and_charge_type() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    // A pay-as-you-go elastic data disk, unattached: the seed example.
    assert_eq!(props(&t, "disk-cloudtw2"), p(false, true, false, true));
    // Attached: it can be detached, not deleted.
    assert_eq!(props(&t, "disk-cloudtw1"), p(false, true, true, false));
    // A system disk is not elastic: none of expand/detach/delete.
    assert_eq!(props(&t, "disk-sysweb01"), p(false, false, false, false));
    // The prepaid system disk of a prepaid instance: its subscription can be changed.
    assert_eq!(props(&t, "disk-sysdb001"), p(true, false, false, false));
    // A prepaid data disk: modify, expand, delete.
    t.gw_ok(
        "/v1/tencent/disk/create",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskSize": 20, "DiskName": "prepaid", "DiskType": "CLOUD_SSD",
               "DiskChargeType": "PREPAID", "DiskChargePrepaid": {"Period": 1}}),
    );
    t.settle();
    let prepaid = disk_named(&t, "prepaid");
    assert_eq!(props(&t, &prepaid), p(true, true, false, true));
    // While an operation is in flight nothing is offered.
    t.gw_ok("/v1/tencent/disk/attach", json!({"DiskId": prepaid, "InstanceId": "ins-cloudtw1"}));
    assert_eq!(props(&t, &prepaid), p(false, false, false, false), "ATTACHING");
    t.advance(5.0);
    assert_eq!(props(&t, &prepaid), p(true, true, true, false), "ATTACHED");
    // At the type's largest size there is nothing to expand to.
    let big = {
        t.gw_ok(
            "/v1/tencent/disk/create",
            json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskSize": 32000, "DiskName": "big", "DiskType": "CLOUD_BASIC"}),
        );
        t.settle();
        disk_named(&t, "big")
    };
    assert_eq!(props(&t, &big), p(false, false, false, true));
    // Expired (prepaid, past its deadline): nothing.
    t.advance(40.0 * 86_400.0);
    assert_eq!(props(&t, &prepaid), p(false, false, false, false));
}

#[test]
fn both_spellings_of_the_id_lists_are_accepted() {
    let t = immediate();
    let a = create_example(&t, "a");
    let b = create_example(&t, "b");
    // DiskIds array, DiskId string, DiskId array, DiskIds string: all the same list.
    for (body, n) in [
        (json!({"DiskIds": [a, b]}), 2),
        (json!({"DiskId": a}), 1),
        (json!({"DiskId": [a, b]}), 2),
        (json!({"DiskIds": b}), 1),
    ] {
        assert_eq!(t.gw_ok("/v1/tencent/disk/list", body.clone())["TotalCount"], n, "{body}");
    }
    let (scode, desc) = t.gw_err("/v1/tencent/disk/list", json!({"DiskIds": [a], "DiskId": b}));
    assert_eq!((scode, desc.as_str()), (400, "InvalidParameter"));
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"DiskId": 7})).0, 400);
    assert_eq!(t.gw_err("/v1/tencent/disk/list", json!({"DiskIds": [a, 7]})).0, 400);
    // snapshot/create takes several disks: one snapshot each.
    t.gw_ok("/v1/tencent/snapshot/create", json!({"DiskId": [a, b], "SnapshotName": "pair"}));
    assert_eq!(t.gw_ok("/v1/tencent/snapshot/list", json!({}))["TotalCount"], 2);
    // AutoSnapshotPolicyIds / AutoSnapshotPolicyId.
    for n in ["p1", "p2"] {
        t.gw_ok(
            "/v1/tencent/auto_snapshot/policy/create",
            json!({"Policy": [{"DayOfWeek": [1], "Hour": [2]}], "AutoSnapshotPolicyName": n}),
        );
    }
    let pols = t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({}));
    let ids: Vec<String> =
        pols["List"].as_array().unwrap().iter().map(|p| p["AutoSnapshotPolicyId"].as_str().unwrap().into()).collect();
    assert_eq!(
        t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({"AutoSnapshotPolicyId": ids[0]}))["TotalCount"],
        1
    );
    assert_eq!(
        t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({"AutoSnapshotPolicyIds": ids}))["TotalCount"],
        2
    );
    t.gw_ok("/v1/tencent/auto_snapshot/policy/bind", json!({"AutoSnapshotPolicyIds": ids, "DiskId": a}));
    let d = t.gw_ok("/v1/tencent/disk/inspect", json!({"DiskId": a, "ReturnBindAutoSnapshotPolicy": true}));
    assert_eq!(d["AutoSnapshotPolicyIds"].as_array().unwrap().len(), 2);
    t.gw_ok("/v1/tencent/auto_snapshot/policy/update", json!({"AutoSnapshotPolicyIds": ids, "RetentionDays": 9}));
    let pols = t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({}));
    assert!(pols["List"].as_array().unwrap().iter().all(|p| p["RetentionDays"] == 9));
    t.gw_ok("/v1/tencent/auto_snapshot/policy/delete", json!({"AutoSnapshotPolicyId": ids[1]}));
    assert_eq!(t.gw_ok("/v1/tencent/auto_snapshot/policy/list", json!({}))["TotalCount"], 1);
}

#[test]
fn bad_input_gets_a_gateway_error_and_changes_nothing() {
    let t = immediate();
    let disk = create_example(&t, "keep");
    let before = t.state();
    let path = "/v1/tencent/disk/list";
    let send = |body: Value| gw_error_of(&t.gw_bytes(path, &[], &serde_json::to_vec(&body).unwrap()));

    // Tenant, cluster, region.
    assert_eq!(send(json!({"ClusterUuid": GW_CLUSTER, "Region": "ap-guangzhou"})), (400, "MissingParameter".into()));
    assert_eq!(send(json!({"TenantUuid": GW_TENANT, "Region": "ap-guangzhou"})), (400, "MissingParameter".into()));
    assert_eq!(send(json!({"TenantUuid": GW_TENANT, "ClusterUuid": GW_CLUSTER})), (400, "MissingParameter".into()));
    assert_eq!(
        send(json!({"TenantUuid": "nobody", "ClusterUuid": GW_CLUSTER, "Region": "ap-guangzhou"})),
        (404, "InvalidTenantUuid.NotFound".into())
    );
    assert_eq!(
        send(
            json!({"TenantUuid": GW_TENANT, "ClusterUuid": "00000000-0000-0000-0000-000000000000", "Region": "ap-guangzhou"})
        ),
        (404, "InvalidClusterUuid.NotFound".into())
    );
    assert_eq!(
        send(json!({"TenantUuid": GW_TENANT, "ClusterUuid": GW_CLUSTER, "Region": "mars-north-1"})),
        (400, "UnsupportedRegion".into())
    );
    assert_eq!(
        send(json!({"TenantUuid": 7, "ClusterUuid": GW_CLUSTER, "Region": "ap-guangzhou"})),
        (400, "InvalidParameterValue".into())
    );
    // Wrong types, unknown parameters.
    assert_eq!(t.gw_err(path, json!({"PageSize": "ten"})), (400, "InvalidParameterValue".into()));
    assert_eq!(t.gw_err(path, json!({"Fuzzy": ["x"]})), (400, "InvalidParameterValue".into()));
    assert_eq!(t.gw_err(path, json!({"Nope": 1})), (400, "UnknownParameter".into()));
    assert_eq!(
        t.gw_err("/v1/tencent/disk/create", json!({"DiskType": "CLOUD_PREMIUM"})),
        (400, "MissingParameter".into())
    );
    // Bodies that are not a JSON object.
    for body in [&b"{not json"[..], b"[1,2]", b"\"x\"", b"\xff\xfe"] {
        assert_eq!(gw_error_of(&t.gw_bytes(path, &[], body)), (400, "InvalidParameter".into()));
    }
    // Unknown ids.
    assert_eq!(
        t.gw_err("/v1/tencent/disk/inspect", json!({"DiskId": "disk-nothere0"})),
        (404, "InvalidDiskId.NotFound".into())
    );
    assert_eq!(t.gw_err("/v1/tencent/disk/inspect", json!({"DiskIds": [disk, "disk-cloudtw2"]})).0, 400);
    assert_eq!(
        t.gw_err("/v1/tencent/disk/resize", json!({"DiskId": "disk-nothere0", "DiskSize": 100})),
        (404, "InvalidDiskId.NotFound".into())
    );
    assert_eq!(
        t.gw_err("/v1/tencent/snapshot/delete", json!({"SnapshotIds": ["snap-nothere0"]})),
        (404, "InvalidSnapshotId.NotFound".into())
    );
    assert_eq!(
        t.gw_err("/v1/tencent/auto_snapshot/policy/delete", json!({"AutoSnapshotPolicyId": "asp-nothere0"})),
        (404, "InvalidAutoSnapshotPolicyId.NotFound".into())
    );
    assert_eq!(
        t.gw_err("/v1/tencent/disk/attach", json!({"DiskId": disk, "InstanceId": "ins-nothere0"})),
        (404, "InvalidInstanceId.NotFound".into())
    );
    // A state conflict: a system disk cannot be returned.
    assert_eq!(t.gw_err("/v1/tencent/disk/delete", json!({"DiskId": "disk-sysweb01"})).0, 409);
    // Batches are all or nothing: one unknown disk, no snapshot at all; one too-small size, no resize.
    assert_eq!(
        t.gw_err("/v1/tencent/snapshot/create", json!({"DiskIds": [disk, "disk-nothere0"], "SnapshotName": "x"})).0,
        404
    );
    assert_eq!(
        t.gw_err("/v1/tencent/disk/resize", json!({"DiskIds": [disk, "disk-cloudtw2"], "DiskSize": 100})).0,
        400
    );
    // Routing: unknown API, wrong method.
    let r = t.gw_bytes("/v1/tencent/disk/explode", &[], b"{}");
    assert_eq!(gw_error_of(&r), (404, "InvalidAction".into()));
    let r = common::raw(t.addr, "GET", "/v1/tencent/disk/list", &[], b"");
    assert_eq!(gw_error_of(&r), (405, "UnsupportedProtocol".into()));
    assert_eq!(r.header("content-type"), Some("application/json"));

    t.control("POST", "/_cloudtwin/clock", Some(json!({"set": common::T0})));
    assert_eq!(before, t.state(), "no rejected request changed anything");
    let (_, desc) = t.gw_err("/v1/tencent/disk/inspect", json!({"DiskId": "disk-nothere0"}));
    let v = t.gw("/v1/tencent/disk/inspect", json!({"DiskId": "disk-nothere0"})).json();
    assert_eq!((desc.as_str(), v["message_cn"].as_str()), ("InvalidDiskId.NotFound", Some("云硬盘不存在")));
    assert!(v["message"].as_str().unwrap().contains("disk-nothere0"));
}

#[test]
fn a_gateway_write_finishes_on_the_clock() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 2.0 });
    let id = t.new_disk("ap-guangzhou-3", 20);
    t.gw_ok("/v1/tencent/disk/attach", json!({"DiskId": id, "InstanceId": "ins-cloudtw1"}));
    let state = |t: &common::Twin| t.gw_ok("/v1/tencent/disk/inspect", json!({"DiskId": id}))["DiskState"].clone();
    assert_eq!(state(&t), "ATTACHING");
    t.advance(1.0);
    assert_eq!(state(&t), "ATTACHING", "not due yet");
    t.advance(1.0);
    assert_eq!(state(&t), "ATTACHED");
    // A snapshot is CREATING until the clock passes its due time and a list has seen it.
    t.gw_ok("/v1/tencent/snapshot/create", json!({"DiskId": id, "SnapshotName": "slow"}));
    let snap = |t: &common::Twin| t.gw_ok("/v1/tencent/snapshot/list", json!({"Fuzzy": "slow"}))["List"][0].clone();
    let s = snap(&t);
    assert_eq!((s["SnapshotState"].as_str(), s["Percent"].as_i64()), (Some("CREATING"), Some(0)));
    t.advance(1.0);
    assert_eq!(snap(&t)["Percent"], 50);
    t.advance(1.0);
    assert_eq!(snap(&t)["SnapshotState"], "NORMAL");
}

#[test]
fn an_optional_bearer_token() {
    let mut cfg = Config { timing: TimingPolicy::Immediate, id_seed: Some(1), ..Config::default() };
    cfg.gateway.bearer_token = Some("s3cret-token".into());
    let t = common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce);
    let body =
        serde_json::to_vec(&json!({"TenantUuid": GW_TENANT, "ClusterUuid": GW_CLUSTER, "Region": "ap-guangzhou"}))
            .unwrap();
    let path = "/v1/tencent/snapshot/list";
    assert_eq!(gw_error_of(&t.gw_bytes(path, &[], &body)), (401, "AuthFailure.InvalidAuthorization".into()));
    assert_eq!(gw_error_of(&t.gw_bytes(path, &[("Authorization", "Basic abc")], &body)).0, 401);
    let wrong = t.gw_bytes(path, &[("Authorization", "Bearer nope")], &body);
    assert_eq!(gw_error_of(&wrong), (401, "AuthFailure.TokenFailure".into()));
    let ok = t.gw_bytes(path, &[("Authorization", "Bearer s3cret-token")], &body);
    assert_eq!((ok.status, ok.json()["scode"].as_i64()), (200, Some(0)));
    // Off by default: the default twin answers without a token.
    assert_eq!(immediate().gw_ok(path, json!({}))["TotalCount"], 0);
}

#[test]
fn rate_limits_count_one_gateway_request_as_one_backing_request() {
    let mut cfg = Config { timing: TimingPolicy::Immediate, id_seed: Some(1), ..Config::default() };
    cfg.tencent.rate_limits = true;
    let t = common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce);
    // DescribeDiskOperationLogs allows 1 request per second.
    let logs = json!({"DiskId": "disk-cloudtw1"});
    assert_eq!(t.gw("/v1/tencent/disk/logs/list", logs.clone()).status, 200);
    assert_eq!(t.gw_err("/v1/tencent/disk/logs/list", logs.clone()), (429, "RequestLimitExceeded".into()));
    t.advance(1.0);
    assert_eq!(t.gw("/v1/tencent/disk/logs/list", logs).status, 200);
    // DescribeSnapshots allows 20: an inspect reads every region but counts once.
    for _ in 0..20 {
        t.gw_ok("/v1/tencent/snapshot/distributed/inspect", json!({"Region": null}));
    }
    assert_eq!(t.gw_err("/v1/tencent/snapshot/distributed/inspect", json!({"Region": null})).0, 429);
}
