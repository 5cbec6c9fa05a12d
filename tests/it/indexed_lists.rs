//! Lists answered from kept indexes (Huawei ListBackups and ListVault, UCloudStack
//! DescribeSnapshot) against a plain filter-and-sort of the same resources read from the state
//! dump, for every documented sort and the common filters, at every offset and after renames,
//! deletes, status changes and failed requests.

use crate::common;

use cloudtwin_emulator::timing::TimingPolicy;
use common::hw::*;
use serde_json::{json, Value};

const SORT_KEYS: &[&str] = &["created_at", "updated_at", "name", "status", "protected_at", "id"];

/// The project's own whole backups from the state dump.
fn state_backups(t: &common::Twin) -> Vec<Value> {
    let state = t.hw_state();
    let backups = state[P]["backups"].as_object().cloned().unwrap_or_default();
    backups.into_values().filter(|b| b["parent_id"].is_null()).collect()
}

/// What a backup is compared on for `key`, as the service compares it.
fn sort_value(b: &Value, key: &str) -> (i64, String) {
    let s = |k: &str| b[k].as_str().unwrap_or("").to_string();
    match key {
        "created_at" => (b["created_ms"].as_i64().unwrap(), String::new()),
        "updated_at" => (b["updated_ms"].as_i64().unwrap(), String::new()),
        "protected_at" => (b["protected_ms"].as_i64().unwrap_or(0), String::new()),
        "name" => (0, s("name")),
        "status" => (0, s("status")),
        _ => (0, s("id")),
    }
}

/// The reference answer: ids in order, by `key`/`desc` and then seq descending.
fn reference(all: &[Value], filters: &[(&str, &str)], key: &str, desc: bool) -> Vec<String> {
    let field = |f: &str| match f {
        "checkpoint_id" | "vault_id" | "resource_id" | "resource_type" | "image_type" | "status" => f.to_string(),
        other => panic!("no reference for {other}"),
    };
    let mut list: Vec<&Value> = all.iter().filter(|b| filters.iter().all(|(f, v)| b[field(f)] == *v)).collect();
    list.sort_by(|a, b| {
        let o = sort_value(a, key).cmp(&sort_value(b, key));
        let o = if desc { o.reverse() } else { o };
        o.then(b["seq"].as_u64().cmp(&a["seq"].as_u64()))
    });
    list.iter().map(|b| b["id"].as_str().unwrap().to_string()).collect()
}

fn ids_of(v: &Value) -> Vec<String> {
    v["backups"].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap().to_string()).collect()
}

/// Every page shape of one query against the reference: the whole list, small pages at each
/// offset, and the page after a marker.
fn check_query(t: &common::Twin, all: &[Value], filters: &[(&str, &str)], sort: Option<(&str, bool)>) {
    let (key, desc) = sort.unwrap_or(("created_at", true));
    let want = reference(all, filters, key, desc);
    let mut q: Vec<String> = filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if let Some((k, d)) = sort {
        q.push(format!("sort={k}:{}", if d { "desc" } else { "asc" }));
    }
    let q = q.join("&");
    let whole = t.hw_ok("GET", &format!("/v3/{{p}}/backups?{q}&limit=1000"), None);
    assert_eq!(ids_of(&whole), want, "{q}");
    assert_eq!(whole["count"].as_u64(), Some(want.len() as u64), "{q}");
    for offset in 0..=want.len() {
        let page = t.hw_ok("GET", &format!("/v3/{{p}}/backups?{q}&limit=3&offset={offset}"), None);
        let end = (offset + 3).min(want.len());
        assert_eq!(ids_of(&page), want[offset..end], "{q} offset {offset}");
        assert_eq!((page["count"].as_u64(), page["offset"].as_u64()), (Some(want.len() as u64), Some(offset as u64)));
    }
    for (i, marker) in want.iter().enumerate() {
        let page = t.hw_ok("GET", &format!("/v3/{{p}}/backups?{q}&limit=4&marker={marker}"), None);
        let end = (i + 1 + 4).min(want.len());
        assert_eq!(ids_of(&page), want[i + 1..end], "{q} marker {marker}");
        assert_eq!(page["offset"].as_u64(), Some(i as u64 + 1));
    }
}

/// Every sort in both directions, and each filter alone and combined, against the reference.
fn check_everything(t: &common::Twin) {
    let all = state_backups(t);
    assert!(all.len() > 10, "enough backups to page through");
    check_query(t, &all, &[], None);
    for key in SORT_KEYS {
        for desc in [false, true] {
            check_query(t, &all, &[], Some((key, desc)));
        }
    }
    let mut values: Vec<(&str, String)> = Vec::new();
    for b in &all {
        for f in ["vault_id", "resource_id", "resource_type", "image_type", "status", "checkpoint_id"] {
            let v = (f, b[f].as_str().unwrap().to_string());
            if !values.contains(&v) {
                values.push(v);
            }
        }
    }
    values.push(("status", "deleting".into()));
    values.push(("vault_id", "00000000-0000-4000-8000-000000000000".into()));
    for (f, v) in &values {
        check_query(t, &all, &[(f, v)], None);
        check_query(t, &all, &[(f, v)], Some(("created_at", false)));
        check_query(t, &all, &[(f, v)], Some(("name", false)));
        check_query(t, &all, &[(f, v)], Some(("name", true)));
    }
    let vault = all[0]["vault_id"].as_str().unwrap();
    check_query(t, &all, &[("vault_id", vault), ("status", "available")], Some(("updated_at", true)));
    // A marker not in the (filtered) list is refused as before.
    let other = values.iter().find(|(f, _)| *f == "resource_id").unwrap();
    let outside = all.iter().find(|b| b["resource_id"] != other.1.as_str()).unwrap()["id"].as_str().unwrap();
    let q = format!("/v3/{{p}}/backups?resource_id={}&marker={outside}", other.1);
    assert_eq!(t.hw_err("GET", &q, None).0, 400);
}

/// ListVault's kept sums against the backups in the state.
fn check_vault_sums(t: &common::Twin) {
    let all = state_backups(t);
    let vaults = t.hw_ok("GET", "/v3/{p}/vaults?limit=1000", None);
    for v in vaults["vaults"].as_array().unwrap() {
        let id = v["id"].as_str().unwrap();
        let mine: Vec<&Value> = all.iter().filter(|b| b["vault_id"] == id).collect();
        let used: i64 = mine.iter().map(|b| b["size_mb"].as_i64().unwrap()).sum();
        assert_eq!(v["billing"]["used"].as_i64(), Some(used), "vault {id}");
        for r in v["resources"].as_array().unwrap() {
            let of: Vec<&&Value> = mine.iter().filter(|b| b["resource_id"] == r["id"]).collect();
            let mb: i64 = of.iter().map(|b| b["size_mb"].as_i64().unwrap()).sum();
            assert_eq!(r["backup_count"].as_u64(), Some(of.len() as u64), "vault {id} resource {}", r["id"]);
            assert_eq!(r["backup_size"].as_i64(), Some((mb + 1023) / 1024));
        }
    }
    let page = t.hw_ok("GET", "/v3/{p}/vaults?limit=1&offset=1", None);
    assert_eq!(page["vaults"][0]["id"], vaults["vaults"][1]["id"]);
    assert_eq!(page["count"], vaults["count"]);
}

fn add_server(t: &common::Twin, n: u32) -> String {
    let id = format!("c0a80001-0000-4000-8000-0000000001{n:02}");
    let s = json!({"project_id": P, "server": {"id": id, "name": format!("bulk-{n}"), "availability_zone": "cn-north-4a",
        "volumes": [{"id": format!("{id}-v"), "name": "sys", "size": 10 + n, "bootable": true}]}});
    assert_eq!(t.control("POST", "/_cloudtwin/huawei/servers", Some(s)).status, 200);
    id
}

#[test]
fn list_backups_matches_a_plain_filter_and_sort() {
    let t = common::twin(TimingPolicy::Immediate);
    let servers: Vec<String> = (0..3).map(|n| add_server(&t, n)).collect();
    let resources: Vec<Value> = servers.iter().map(|s| json!({"id": s, "type": "OS::Nova::Server"})).collect();
    let vault = |name: &str, resources: Vec<Value>| {
        let body = json!({"vault": {"name": name, "resources": resources,
            "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 2000}}});
        t.hw_ok("POST", "/v3/{p}/vaults", Some(body))["vault"]["id"].as_str().unwrap().to_string()
    };
    let a = vault("a", resources);
    let b = vault("b", vec![json!({"id": WEB, "type": "OS::Nova::Server"})]);
    // Rounds of checkpoints: several backups share a creation time, some are a second apart.
    for round in 0..4 {
        t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": a}})));
        if round % 2 == 0 {
            t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": b}})));
        }
        t.advance(1.0);
    }
    // One backup fails (status `error`).
    t.control("POST", "/_cloudtwin/huawei/faults", Some(json!({"operation_type": "backup", "target": servers[1]})));
    t.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": a}})));
    t.advance(1.0);
    check_everything(&t);
    check_vault_sums(&t);

    // Renames (name and updated_at move), deletes (gone from lists and sums).
    let all = state_backups(&t);
    for (i, bk) in all.iter().enumerate().take(6) {
        let id = bk["id"].as_str().unwrap();
        let name = if i % 2 == 0 { "zz-same" } else { "aa-renamed" };
        t.hw_ok("PUT", &format!("/v3/{{p}}/backups/{id}"), Some(json!({"backup": {"name": name}})));
        t.advance(1.0);
    }
    for bk in all.iter().skip(6).step_by(4) {
        let id = bk["id"].as_str().unwrap();
        assert_eq!(t.hw("DELETE", &format!("/v3/{{p}}/backups/{id}"), None).status, 204);
    }
    t.advance(1.0);
    check_everything(&t);
    check_vault_sums(&t);

    // A failed request leaves the lists as they were: renaming to a too-long name is refused.
    let before = t.hw_state();
    let id = state_backups(&t)[0]["id"].as_str().unwrap().to_string();
    let long = "x".repeat(300);
    assert_eq!(t.hw_err("PUT", &format!("/v3/{{p}}/backups/{id}"), Some(json!({"backup": {"name": long}}))).0, 400);
    assert_eq!(t.hw_state(), before);
    check_everything(&t);
}

// ---------------------------------------------------------------------------------- UCloudStack

/// The region's snapshots from the state dump, newest first.
fn ucs_snapshots(t: &common::Twin) -> Vec<Value> {
    let state = t.state();
    let mut all: Vec<Value> = state["ucloudstack"]["default"]["cn"]["snapshots"]
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_values()
        .collect();
    all.sort_by_key(|s| std::cmp::Reverse((s["created_ms"].as_i64(), s["seq"].as_u64())));
    all
}

fn snapshot_ids(v: &Value) -> Vec<String> {
    v["Infos"].as_array().unwrap().iter().map(|i| i["SnapshotID"].as_str().unwrap().to_string()).collect()
}

fn check_describe(t: &common::Twin) {
    let all = ucs_snapshots(t);
    let disks = ["disk-ucsdata2", "disk-ucsboot1", "disk-nothere"];
    let projects: &[&[&str]] = &[&[], &["prj-cloudtw1"], &["prj-default1"], &["prj-cloudtw1", "prj-default1"]];
    let keywords = ["", "SNAP-1", "snap-0"];
    let ids: Vec<&str> = all.iter().step_by(3).map(|s| s["snapshot_id"].as_str().unwrap()).collect();
    for disk in [None].into_iter().chain(disks.iter().map(Some)) {
        for prj in projects {
            for kw in keywords {
                for named in [false, true] {
                    let want: Vec<String> = all
                        .iter()
                        .filter(|s| disk.is_none_or(|d| s["disk_id"] == *d))
                        .filter(|s| prj.is_empty() || prj.iter().any(|p| s["project_id"] == *p))
                        .filter(|s| {
                            let k = kw.to_lowercase();
                            s["name"].as_str().unwrap().to_lowercase().contains(&k)
                                || s["snapshot_id"].as_str().unwrap().contains(&k)
                        })
                        .filter(|s| !named || ids.iter().any(|i| s["snapshot_id"] == *i))
                        .map(|s| s["snapshot_id"].as_str().unwrap().to_string())
                        .collect();
                    let mut params: Vec<(String, String)> = Vec::new();
                    if let Some(d) = disk {
                        params.push(("DiskID".into(), d.to_string()));
                    }
                    for (i, p) in prj.iter().enumerate() {
                        params.push((format!("ProjectIDs.{i}"), p.to_string()));
                    }
                    if !kw.is_empty() {
                        params.push(("Keyword".into(), kw.into()));
                    }
                    if named {
                        for (i, id) in ids.iter().enumerate() {
                            params.push((format!("SnapshotIDs.{i}"), id.to_string()));
                        }
                    }
                    for offset in (0..=want.len()).step_by(2) {
                        let mut p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                        let o = offset.to_string();
                        p.extend([("Offset", o.as_str()), ("Limit", "3")]);
                        let v = t.ucs_ok("DescribeSnapshot", &p);
                        let end = (offset + 3).min(want.len());
                        assert_eq!(snapshot_ids(&v), want[offset..end], "{params:?} offset {offset}");
                        assert_eq!(v["TotalCount"].as_u64(), Some(want.len() as u64), "{params:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn describe_snapshot_matches_a_plain_filter() {
    let t = common::twin(TimingPolicy::Immediate);
    for i in 0..16 {
        let d = if i % 3 == 0 { "disk-ucsdata2" } else { "disk-ucsboot1" };
        let project = if i % 4 == 0 { "prj-cloudtw1" } else { "prj-default1" };
        let name = format!("snap-{i:02}");
        t.ucs_ok("CreateSnapshot", &[("Name", &name), ("DiskID", d), ("ProjectID", project)]);
        if i % 5 != 0 {
            t.advance(1.0);
        }
    }
    check_describe(&t);
    // Deletes, and a refused delete (a missing snapshot) that changes nothing.
    let all = ucs_snapshots(&t);
    for s in all.iter().step_by(4) {
        t.ucs_ok("DeleteSnapshot", &[("SnapshotID", s["snapshot_id"].as_str().unwrap())]);
    }
    let before = t.state()["ucloudstack"].clone();
    assert_ne!(t.ucs_err("DeleteSnapshot", &[("SnapshotID", "snap-nothere")]), 0);
    assert_eq!(t.state()["ucloudstack"], before);
    check_describe(&t);
}

#[test]
fn ucloudstack_ids_are_distinct_and_repeatable() {
    let make = || {
        let t = common::twin(TimingPolicy::Immediate);
        (0..40)
            .map(|i| {
                let name = format!("s{i}");
                t.ucs_ok("CreateSnapshot", &[("Name", &name), ("DiskID", "disk-ucsdata2")])["SnapshotID"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    let first = make();
    let mut distinct = first.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), first.len());
    assert!(first.iter().all(|id| id.len() == 13 && id.starts_with("snap-")));
    assert_eq!(make(), first, "the same requests give the same ids");
}
