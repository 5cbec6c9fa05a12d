//! DescribeSnapshots answers from indexes kept with the snapshots (tencent/snapshot_index.rs),
//! merged with what other accounts share with the caller; the gateway's disk/list and
//! snapshot/list hand their window to the Tencent action. These tests build randomized regions
//! (snapshots created in the same second, some still CREATING, some shared by another account,
//! copies from another region, deletions, a failed batch) and compare every page with a plain
//! filter and sort of the state, or, for the gateway, with its whole list cut by hand.

use crate::common;
use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, PEER_SECRET_ID, PEER_SECRET_KEY};
use cloudtwin_emulator::timing::TimingPolicy;
use proptest::prelude::*;
use serde_json::{json, Value};

const REGION: &str = "ap-guangzhou";
const MY_UIN: &str = "100000000001";

/// Let the peer's work in flight finish (its reads open its gates).
fn peer_settle(t: &common::Twin) {
    peer(t, "DescribeDisks", REGION, json!({"Limit": 1}));
    t.advance(5.0);
    peer(t, "DescribeDisks", REGION, json!({"Limit": 1}));
}

fn peer(t: &common::Twin, action: &str, region: &str, body: Value) -> Value {
    let v = t.call_as(PEER_SECRET_ID, PEER_SECRET_KEY, action, Some(region), body).json()["Response"].clone();
    assert!(v["Error"].is_null(), "{action} failed: {v}");
    v
}

/// Every snapshot the default account sees in the region, as (snapshot JSON, shared?).
fn visible(t: &common::Twin) -> Vec<(Value, bool)> {
    let world = t.state();
    let mut out = Vec::new();
    for (account, regions) in world["tencent"].as_object().unwrap() {
        let Some(snaps) = regions[REGION]["snapshots"].as_object() else { continue };
        for s in snaps.values() {
            let own = account == "default";
            if own || s["shared_with"].get(MY_UIN).is_some() {
                out.push((s.clone(), !own));
            }
        }
    }
    out
}

fn passes((s, shared): &(Value, bool), name: &str, values: &[String]) -> bool {
    let f = |k: &str| s[k].as_str().unwrap_or_default().to_string();
    values.iter().any(|v| match name {
        "zone" => f("zone") == *v,
        "disk-id" => f("disk_id") == *v,
        "snapshot-state" => f("snapshot_state") == *v,
        "snapshot-name" => f("snapshot_name") == *v,
        "disk-usage" => f("disk_usage") == *v,
        "snapshot-type" => *v == if *shared { "SHARED_SNAPSHOT" } else { "PRIVATE_SNAPSHOT" },
        other => panic!("no reference for {other}"),
    })
}

/// What a scan answers: the ids of the visible snapshots that pass, by (created, seq).
fn reference(
    all: &[(Value, bool)],
    filters: &[(String, Vec<String>)],
    ids: Option<&[String]>,
    desc: bool,
) -> Vec<String> {
    let mut hits: Vec<&(Value, bool)> = all
        .iter()
        .filter(|x| ids.is_none_or(|ids| ids.iter().any(|i| x.0["snapshot_id"] == *i.as_str())))
        .filter(|x| filters.iter().all(|(n, vs)| passes(x, n, vs)))
        .collect();
    hits.sort_by_key(|(s, _)| (s["created_ms"].as_i64().unwrap(), s["seq"].as_u64().unwrap()));
    if desc {
        hits.reverse();
    }
    hits.iter().map(|(s, _)| s["snapshot_id"].as_str().unwrap().to_string()).collect()
}

/// Filters (name, values), or an ID list.
type Query = (Vec<(String, Vec<String>)>, Option<Vec<String>>);

/// Queries drawn from what the region holds: each indexed filter, filters combined, the
/// snapshot type, a filter no index answers, and ID lists.
fn queries(all: &[(Value, bool)], pick: &mut impl FnMut(usize) -> usize) -> Vec<Query> {
    let any = |pick: &mut dyn FnMut(usize) -> usize, k: &str| -> String {
        all.get(pick(all.len().max(1))).map_or("none".into(), |x| x.0[k].as_str().unwrap_or_default().to_string())
    };
    let f = |n: &str, v: Vec<String>| (n.to_string(), v);
    let disk = any(pick, "disk_id");
    let state = any(pick, "snapshot_state");
    let name = any(pick, "snapshot_name");
    let ids: Vec<String> = (0..12).map(|_| any(pick, "snapshot_id")).chain(["snap-nothere0".to_string()]).collect();
    vec![
        (vec![], None),
        (vec![f("disk-id", vec![disk.clone()])], None),
        (vec![f("zone", vec!["ap-guangzhou-3".into()])], None),
        (vec![f("zone", vec!["ap-guangzhou-2".into(), "ap-guangzhou-3".into()])], None),
        (vec![f("snapshot-state", vec![state.clone()])], None),
        (vec![f("snapshot-state", vec!["NORMAL".into()]), f("zone", vec!["ap-guangzhou-3".into()])], None),
        (vec![f("snapshot-type", vec!["SHARED_SNAPSHOT".into()])], None),
        (vec![f("snapshot-type", vec!["PRIVATE_SNAPSHOT".into()]), f("disk-id", vec![disk])], None),
        (vec![f("snapshot-name", vec![name])], None),
        (vec![f("disk-usage", vec!["DATA_DISK".into()]), f("snapshot-state", vec![state])], None),
        (vec![], Some(ids)),
    ]
}

/// Every query in both directions at a few offsets: the pages and totals equal the scan's.
fn check(t: &common::Twin, pick: &mut impl FnMut(usize) -> usize) -> usize {
    // Two reads first, so nothing already due changes the state while the pages are read.
    t.ok("DescribeSnapshots", json!({"Limit": 1}));
    t.ok("DescribeSnapshots", json!({"Limit": 1}));
    let all = visible(t);
    let mut pages = 0;
    for (filters, ids) in queries(&all, pick) {
        for order in [None, Some("ASC"), Some("DESC")] {
            let want = reference(&all, &filters, ids.as_deref(), order != Some("ASC"));
            let n = want.len();
            for (offset, limit) in [(0, 20), (pick(n + 1), 1 + pick(100)), (n.saturating_sub(2), 100), (n + 3, 5)] {
                let mut body = json!({"Offset": offset, "Limit": limit});
                if let Some(o) = order {
                    body["Order"] = json!(o);
                    body["OrderField"] = json!("CREATE_TIME");
                }
                if let Some(ids) = &ids {
                    body["SnapshotIds"] = json!(ids);
                } else if !filters.is_empty() {
                    body["Filters"] = filters.iter().map(|(n, v)| json!({"Name": n, "Values": v})).collect();
                }
                let r = t.ok("DescribeSnapshots", body.clone());
                let got: Vec<&str> =
                    r["SnapshotSet"].as_array().unwrap().iter().map(|s| s["SnapshotId"].as_str().unwrap()).collect();
                let page: Vec<&str> = want.iter().skip(offset).take(limit).map(String::as_str).collect();
                assert_eq!(r["TotalCount"], n, "{body}");
                assert_eq!(got, page, "{body}");
                pages += 1;
            }
        }
    }
    assert_eq!(all, visible(t), "reading changed nothing");
    pages
}

fn disks(t: &common::Twin, zone: &str, n: i64) -> Vec<String> {
    let body = json!({"Placement": {"Zone": zone}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 50, "DiskCount": n});
    let r = t.ok("CreateDisks", body);
    r["DiskIdSet"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

fn snap(t: &common::Twin, disk: &str, name: &str) -> Option<String> {
    let r = t.call("CreateSnapshot", json!({"DiskId": disk, "SnapshotName": name})).json()["Response"].clone();
    r["SnapshotId"].as_str().map(str::to_string)
}

/// A region built from `plan` (each step picks a disk and what to do with it), checked after
/// every phase.
fn run(plan: &[u8]) {
    let mut cfg = cloudtwin_emulator::Config {
        timing: TimingPolicy::Realistic { seconds: 1.0 },
        id_seed: Some(7),
        ..Default::default()
    };
    cfg.tencent.limits.snapshots_per_disk = 1000;
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let mut at = 0usize;
    let mut pick = move |n: usize| {
        at += 1;
        plan.get(at % plan.len().max(1)).map_or(0, |b| *b as usize * 7919 + at) % n.max(1)
    };
    let mut mine = disks(&t, "ap-guangzhou-3", 6);
    mine.extend(disks(&t, "ap-guangzhou-2", 4));
    t.settle();
    // The peer's disks and snapshots, some shared with the default account.
    let peer_disks = peer(
        &t,
        "CreateDisks",
        REGION,
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 50, "DiskCount": 3}),
    );
    peer_settle(&t);
    let peer_disks: Vec<String> =
        peer_disks["DiskIdSet"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let mut made = Vec::new();
    for (i, step) in plan.iter().enumerate() {
        let disk = &mine[*step as usize % mine.len()];
        if let Some(id) = snap(&t, disk, &format!("s{}", step % 3)) {
            made.push(id);
        }
        if step % 4 == 0 {
            let d = &peer_disks[i % peer_disks.len()];
            let r = peer(&t, "CreateSnapshot", REGION, json!({"DiskId": d, "SnapshotName": "p"}));
            let id = r["SnapshotId"].as_str().unwrap().to_string();
            peer_settle(&t);
            if step % 8 == 0 {
                peer(
                    &t,
                    "ModifySnapshotsSharePermission",
                    REGION,
                    json!({"SnapshotIds": [id], "AccountIds": [MY_UIN], "Permission": "SHARE"}),
                );
            }
        }
        // The clock moves only now and then: snapshots share creation times, seq orders them.
        if step % 3 == 0 {
            t.settle();
        }
    }
    let mut pages = check(&t, &mut pick);
    t.settle();
    pages += check(&t, &mut pick);
    // Copies from another region arrive in this one (copy_from_remote, not counted per disk).
    if let Some(src) = {
        let r = t.call_as(DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, "CreateDisks", Some("ap-shanghai"), json!({"Placement": {"Zone": "ap-shanghai-2"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_PREMIUM", "DiskSize": 50})).json();
        r["Response"]["DiskIdSet"][0].as_str().map(str::to_string)
    } {
        t.settle();
        let s = t
            .call_as(
                DEFAULT_SECRET_ID,
                DEFAULT_SECRET_KEY,
                "CreateSnapshot",
                Some("ap-shanghai"),
                json!({"DiskId": src}),
            )
            .json();
        t.settle();
        let sid = s["Response"]["SnapshotId"].as_str().unwrap_or_default().to_string();
        t.call_as(
            DEFAULT_SECRET_ID,
            DEFAULT_SECRET_KEY,
            "CopySnapshotCrossRegions",
            Some("ap-shanghai"),
            json!({"SnapshotId": sid, "DestinationRegions": [REGION]}),
        );
        pages += check(&t, &mut pick);
        t.settle();
    }
    // Deletions, and a share withdrawn.
    let gone: Vec<&String> =
        made.iter().enumerate().filter(|(i, _)| pick(3) == 0 || i % 5 == 1).map(|(_, s)| s).collect();
    for id in gone {
        t.call("DeleteSnapshots", json!({"SnapshotIds": [id]}));
    }
    let shared: Vec<String> =
        visible(&t).iter().filter(|x| x.1).map(|x| x.0["snapshot_id"].as_str().unwrap().to_string()).collect();
    if let Some(one) = shared.first() {
        peer(
            &t,
            "ModifySnapshotsSharePermission",
            REGION,
            json!({"SnapshotIds": [one], "AccountIds": [MY_UIN], "Permission": "CANCEL"}),
        );
    }
    pages += check(&t, &mut pick);
    // A failed batch changes nothing, the indexes included.
    let before = visible(&t);
    if let Some(id) = made.iter().find(|s| before.iter().any(|x| x.0["snapshot_id"] == *s.as_str())) {
        t.call("DeleteSnapshots", json!({"SnapshotIds": [id, "snap-nothere0"]}));
    }
    assert_eq!(before, visible(&t));
    pages += check(&t, &mut pick);
    // Each disk's SnapshotCount is its own snapshots in the region, counted from the state.
    for d in &mine {
        let n = visible(&t)
            .iter()
            .filter(|x| !x.1 && x.0["disk_id"] == *d.as_str() && x.0["copy_from_remote"] == false)
            .count();
        assert_eq!(t.disk(d).unwrap()["SnapshotCount"], n, "{d}");
    }
    assert!(pages > 100, "{pages} pages compared");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]
    #[test]
    fn every_snapshot_page_is_what_a_scan_answers(plan in proptest::collection::vec(any::<u8>(), 10..40)) {
        run(&plan);
    }
}

#[test]
fn snapshot_filter_values_are_checked_as_before() {
    let t = common::twin(TimingPolicy::Immediate);
    let bad =
        json!({"Filters": [{"Name": "zone", "Values": ["ap-guangzhou-7"]}, {"Name": "project-id", "Values": ["x"]}]});
    // No snapshot seen: nothing is tested, nothing fails.
    assert_eq!(t.ok("DescribeSnapshots", bad.clone())["TotalCount"], 0);
    let d = t.new_disk("ap-guangzhou-3", 50);
    snap(&t, &d, "a").unwrap();
    assert_eq!(t.err("DescribeSnapshots", bad), "InvalidParameterValue");
    let bool_bad = json!({"Filters": [{"Name": "encrypt", "Values": ["maybe"]}]});
    assert_eq!(t.err("DescribeSnapshots", bool_bad), "InvalidParameterValue");
}

/// The gateway's pages (PageNum/PageSize, Offset/Limit) equal its whole list (PageSize 0) cut
/// by hand, with and without State and Zone, for disks and snapshots.
#[test]
fn gateway_pages_are_cuts_of_the_whole_list() {
    let t = common::twin(TimingPolicy::Immediate);
    for (zone, n) in [("ap-guangzhou-3", 23), ("ap-guangzhou-2", 9)] {
        disks(&t, zone, n);
    }
    t.settle();
    let some = t.ok("DescribeDisks", json!({"Limit": 7, "Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]}));
    let ids: Vec<String> =
        some["DiskSet"].as_array().unwrap().iter().map(|d| d["DiskId"].as_str().unwrap().to_string()).collect();
    t.ok("AttachDisks", json!({"DiskIds": ids[..2], "InstanceId": "ins-cloudtw1"}));
    for (i, d) in ids.iter().enumerate() {
        snap(&t, d, &format!("g{i}"));
    }
    t.settle();
    let list_ids = |v: &Value, key: &str| -> Vec<String> {
        v["List"].as_array().unwrap().iter().map(|x| x[key].as_str().unwrap().to_string()).collect()
    };
    let extra = [
        json!({}),
        json!({"State": "ATTACHED"}),
        json!({"Zone": "ap-guangzhou-2"}),
        json!({"State": "UNATTACHED", "Zone": "ap-guangzhou-3", "Order": "DESC"}),
        json!({"Filters": [{"Name": "disk-type", "Values": ["CLOUD_PREMIUM"]}], "OrderField": "DEADLINE"}),
    ];
    for e in extra {
        let whole = t.gw_ok("/v1/tencent/disk/list", e.clone());
        let all = list_ids(&whole, "DiskId");
        for (num, size) in [(0, 5), (1, 5), (3, 7), (0, 150), (40, 2)] {
            let mut body = e.clone();
            body["PageNum"] = json!(num);
            body["PageSize"] = json!(size);
            let page = t.gw_ok("/v1/tencent/disk/list", body.clone());
            let want: Vec<String> = all.iter().skip(num * size).take(size).cloned().collect();
            assert_eq!(list_ids(&page, "DiskId"), want, "{body}");
            assert_eq!(page["TotalCount"], whole["TotalCount"], "{body}");
            let (from, to) = ((num * size).min(all.len()), (num * size + size).min(all.len()));
            assert_eq!(page["List"].as_array().unwrap()[..], whole["List"].as_array().unwrap()[from..to], "{body}");
        }
        let mut body = e.clone();
        body["Offset"] = json!(4);
        body["Limit"] = json!(6);
        let page = t.gw_ok("/v1/tencent/disk/list", body.clone());
        assert_eq!(list_ids(&page, "DiskId"), all.iter().skip(4).take(6).cloned().collect::<Vec<_>>(), "{body}");
    }
    for e in [json!({}), json!({"Order": "DESC"}), json!({"Filters": [{"Name": "zone", "Values": ["ap-guangzhou-3"]}]})]
    {
        let whole = t.gw_ok("/v1/tencent/snapshot/list", e.clone());
        let all = list_ids(&whole, "SnapshotId");
        assert_eq!(all.len() as u64, whole["TotalCount"].as_u64().unwrap());
        for (num, size) in [(0, 3), (1, 3), (2, 4), (9, 3)] {
            let mut body = e.clone();
            body["PageNum"] = json!(num);
            body["PageSize"] = json!(size);
            let page = t.gw_ok("/v1/tencent/snapshot/list", body.clone());
            let want: Vec<String> = all.iter().skip(num * size).take(size).cloned().collect();
            assert_eq!(list_ids(&page, "SnapshotId"), want, "{body}");
            assert_eq!(page["TotalCount"], whole["TotalCount"], "{body}");
        }
    }
}
