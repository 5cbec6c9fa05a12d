//! UCloudStack at `/api` over raw HTTP: the snapshot actions of seed 002 in all three transports,
//! the SHA-1 signature and its failures, the documented states on the clock, limits and filters,
//! and the disk actions a user starts from.

use crate::common;

/// DescribeSnapshot's kept pages against fresh renderings.
mod kept_pages;

use std::collections::BTreeMap;

use cloudtwin_emulator::timing::TimingPolicy;
use common::{
    ucs_signed, Transport, TRANSPORTS, UCS_PEER_PRIVATE_KEY, UCS_PEER_PUBLIC_KEY, UCS_PRIVATE_KEY, UCS_PUBLIC_KEY,
};
use serde_json::{json, Value};

/// Every field of seed 002's SnapshotInfo, in its order.
const SNAPSHOT_INFO: &[&str] = &[
    "Region",
    "Name",
    "Remark",
    "CompanyID",
    "ProjectID",
    "ProjectName",
    "SnapshotID",
    "SnapshotStatus",
    "Type",
    "DiskID",
    "DiskType",
    "DiskAttachResourceID",
    "DiskAttachResourceType",
    "CreateTime",
    "SnapshotSize",
    "Email",
];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn realistic() -> common::Twin {
    common::twin(TimingPolicy::Realistic { seconds: 1.0 })
}

fn snapshot(t: &common::Twin, id: &str) -> Value {
    let v = t.ucs_ok("DescribeSnapshot", &[("SnapshotIDs.0", id)]);
    assert_eq!(v["TotalCount"], 1, "{v}");
    v["Infos"][0].clone()
}

fn disk(t: &common::Twin, id: &str) -> Value {
    let v = t.ucs_ok("DescribeDisk", &[("DiskIDs.0", id)]);
    assert_eq!(v["TotalCount"], 1, "{v}");
    v["Infos"][0].clone()
}

/// Let in-flight UCloudStack work finish: time past due, then a read.
fn settle(t: &common::Twin) {
    t.advance(5.0);
    t.ucs_ok("DescribeSnapshot", &[("Limit", "1")]);
}

#[test]
fn snapshot_lifecycle_in_every_transport() {
    for transport in TRANSPORTS {
        let t = common::twin(TimingPolicy::Immediate);
        let v =
            t.ucs_via(transport, "CreateSnapshot", &[("Name", "first"), ("DiskID", "disk-ucsdata2"), ("Remark", "r")]);
        assert_eq!(keys(&v), ["Action", "RetCode", "Message", "SnapshotID"], "{transport:?}");
        assert_eq!((v["RetCode"].as_i64(), v["Message"].as_str()), (Some(0), Some("")));
        let id = v["SnapshotID"].as_str().unwrap().to_string();
        assert!(id.starts_with("snap-"), "{id}");

        let v = t.ucs_via(transport, "DescribeSnapshot", &[("SnapshotIDs.0", &id)]);
        assert_eq!(keys(&v), ["Action", "RetCode", "Message", "TotalCount", "Infos"]);
        assert_eq!(v["TotalCount"], 1);
        let info = &v["Infos"][0];
        assert_eq!(keys(info), SNAPSHOT_INFO);
        assert_eq!(
            info,
            &json!({"Region": "cn", "Name": "first", "Remark": "r", "CompanyID": 200001, "ProjectID": "prj-default1",
                "ProjectName": "Default", "SnapshotID": id, "SnapshotStatus": "Normal", "Type": "Manual",
                "DiskID": "disk-ucsdata2", "DiskType": "Data", "DiskAttachResourceID": "", "DiskAttachResourceType": "",
                "CreateTime": common::T0, "SnapshotSize": 50, "Email": "default@cloudtwin.example"})
        );

        let v = t.ucs_via(transport, "RollbackSnapshot", &[("DiskID", "disk-ucsdata2"), ("SnapshotID", &id)]);
        assert_eq!(keys(&v), ["Action", "RetCode", "Message"]);
        assert_eq!(v["RetCode"], 0);
        let v = t.ucs_via(transport, "DeleteSnapshot", &[("SnapshotID", &id)]);
        assert_eq!((v["Action"].as_str(), v["RetCode"].as_i64()), (Some("DeleteSnapshotResponse"), Some(0)));
        assert_eq!(t.ucs_via(transport, "DescribeSnapshot", &[])["TotalCount"], 0, "released");
    }
}

#[test]
fn json_bodies_may_carry_real_arrays_and_numbers() {
    let t = common::twin(TimingPolicy::Immediate);
    let a = t.ucs_ok("CreateSnapshot", &[("Name", "a"), ("DiskID", "disk-ucsdata2")])["SnapshotID"].clone();
    t.ucs_ok("CreateSnapshot", &[("Name", "b"), ("DiskID", "disk-ucsdata1")]);
    // Signed over the flattened form: SnapshotIDs.0=<a>, Limit=10.
    let a = a.as_str().unwrap();
    let signed = ucs_signed(
        &[("Action", "DescribeSnapshot"), ("Region", "cn"), ("SnapshotIDs.0", a), ("Limit", "10")],
        UCS_PUBLIC_KEY,
        UCS_PRIVATE_KEY,
    );
    let body = json!({"Action": "DescribeSnapshot", "Region": "cn", "SnapshotIDs": [a], "Limit": 10,
                      "PublicKey": UCS_PUBLIC_KEY, "Signature": signed["Signature"]});
    let r = common::raw(
        t.addr,
        "POST",
        "/api",
        &[("Content-Type", "application/json")],
        &serde_json::to_vec(&body).unwrap(),
    );
    let v = r.json();
    assert_eq!((v["RetCode"].as_i64(), v["TotalCount"].as_i64()), (Some(0), Some(1)), "{v}");
    // The bare `SnapshotIDs=<id>` of the API guide's example is a one-element array.
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[("SnapshotIDs", a)])["TotalCount"], 1);
}

#[test]
fn signatures_are_verified() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = t.state();
    let create = [("Action", "CreateSnapshot"), ("Region", "cn"), ("Name", "x"), ("DiskID", "disk-ucsdata2")];
    let retcode = |transport: Transport, p: &BTreeMap<String, String>| {
        let v = t.ucs_send(transport, p).json();
        assert_eq!(v["Action"], "CreateSnapshotResponse");
        let code = v["RetCode"].as_i64().unwrap();
        assert_eq!(code != 0, v["Message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
        code
    };
    for transport in TRANSPORTS {
        // A wrong key.
        assert_eq!(retcode(transport, &ucs_signed(&create, UCS_PUBLIC_KEY, "not-the-key")), 171);
        // One signed byte changed after signing.
        let mut tampered = ucs_signed(&create, UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
        tampered.insert("Name".into(), "y".into());
        assert_eq!(retcode(transport, &tampered), 171);
        // An extra parameter the signature does not cover.
        let mut extra = ucs_signed(&create, UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
        extra.insert("Remark".into(), "sneaky".into());
        assert_eq!(retcode(transport, &extra), 171);
        // No signature, no public key, an unknown public key.
        let mut unsigned = ucs_signed(&create, UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
        unsigned.remove("Signature");
        assert_eq!(retcode(transport, &unsigned), 170);
        let mut keyless = ucs_signed(&create, UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
        keyless.remove("PublicKey");
        assert_eq!(retcode(transport, &keyless), 170);
        assert_eq!(retcode(transport, &ucs_signed(&create, "nobody", UCS_PRIVATE_KEY)), 172);
        // The peer's public key signed with this user's private key.
        assert_eq!(retcode(transport, &ucs_signed(&create, UCS_PEER_PUBLIC_KEY, UCS_PRIVATE_KEY)), 171);
    }
    t.control("POST", "/_cloudtwin/clock", Some(json!({"set": common::T0})));
    assert_eq!(before, t.state(), "refused requests change nothing");
    // The hex may be upper case (and then the request goes through).
    let mut upper = ucs_signed(&create, UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
    let sig = upper["Signature"].to_uppercase();
    upper.insert("Signature".into(), sig);
    assert_eq!(retcode(Transport::Get, &upper), 0);
}

#[test]
fn envelope_errors_for_bad_requests() {
    let t = common::twin(TimingPolicy::Immediate);
    let before = t.state();
    // No Action at all.
    let r = common::raw(t.addr, "GET", "/api?Region=cn", &[], b"");
    let v = r.json();
    assert_eq!((r.status, v["RetCode"].as_i64(), v["Action"].as_str()), (200, Some(160), Some("Response")));
    // An action that does not exist (signed), named in the envelope.
    let p = ucs_signed(&[("Action", "LaunchRocket"), ("Region", "cn")], UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
    let v = t.ucs_send(Transport::Form, &p).json();
    assert_eq!((v["Action"].as_str(), v["RetCode"].as_i64()), (Some("LaunchRocketResponse"), Some(161)));
    // A body that is not JSON, a JSON body that is not an object, a duplicated parameter, PUT.
    for (ct, body) in [("application/json", &b"{nope"[..]), ("application/json", b"[1]")] {
        let v = common::raw(t.addr, "POST", "/api", &[("Content-Type", ct)], body).json();
        assert_eq!(v["RetCode"], 230, "{v}");
    }
    let v = common::raw(t.addr, "GET", "/api?Action=DescribeSnapshot&Action=DescribeDisk", &[], b"").json();
    assert_eq!(v["RetCode"], 230);
    let r = common::raw(t.addr, "PUT", "/api", &[], b"");
    assert_eq!((r.status, r.json()["RetCode"].as_i64()), (200, Some(230)));
    // Parameters: Region missing or unknown, bad Zone, non-integer numbers, limits.
    let mut no_region = ucs_signed(&[("Action", "DescribeSnapshot")], UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
    assert_eq!(t.ucs_send(Transport::Get, &no_region).json()["RetCode"], 220);
    no_region = ucs_signed(&[("Action", "DescribeSnapshot"), ("Region", "mars")], UCS_PUBLIC_KEY, UCS_PRIVATE_KEY);
    assert_eq!(t.ucs_send(Transport::Get, &no_region).json()["RetCode"], 230);
    assert_eq!(t.ucs_err("DescribeSnapshot", &[("Zone", "zone-99")]), 230);
    assert_eq!(t.ucs_err("DescribeSnapshot", &[("Limit", "ten")]), 230);
    assert_eq!(t.ucs_err("DescribeSnapshot", &[("Limit", "101")]), 230);
    assert_eq!(t.ucs_err("DescribeSnapshot", &[("Limit", "0")]), 230);
    assert_eq!(t.ucs_err("DescribeSnapshot", &[("Offset", "-1")]), 230);
    assert_eq!(t.ucs_err("DescribeSnapshot", &[("CompanyID", "acme")]), 230);
    assert_eq!(t.ucs_err("CreateSnapshot", &[("DiskID", "disk-ucsdata2")]), 220, "Name is required");
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", "n")]), 220, "DiskID is required");
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", "n"), ("DiskID", "disk-nothere")]), 17001);
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", "n"), ("DiskID", "disk-ucsdata2"), ("Type", "Nightly")]), 230);
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", "n"), ("DiskID", "disk-ucsdata2"), ("ProjectID", "prj-x")]), 230);
    assert_eq!(t.ucs_err("RollbackSnapshot", &[("DiskID", "disk-ucsdata2"), ("SnapshotID", "snap-nothere")]), 17002);
    assert_eq!(t.ucs_err("DeleteSnapshot", &[("SnapshotID", "snap-nothere")]), 17002);
    assert_eq!(t.ucs_err("DeleteSnapshot", &[]), 220);
    t.control("POST", "/_cloudtwin/clock", Some(json!({"set": common::T0})));
    assert_eq!(before, t.state());
}

#[test]
fn name_remark_and_type_limits() {
    let t = common::twin(TimingPolicy::Immediate);
    let thirty = "快".repeat(30);
    let v = t.ucs_ok("CreateSnapshot", &[("Name", &thirty), ("DiskID", "disk-ucsdata2"), ("Remark", &"r".repeat(100))]);
    let id = v["SnapshotID"].as_str().unwrap().to_string();
    assert_eq!(snapshot(&t, &id)["Name"], thirty.as_str(), "30 characters, counted as characters");
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", &"n".repeat(31)), ("DiskID", "disk-ucsdata2")]), 240);
    assert_eq!(
        t.ucs_err("CreateSnapshot", &[("Name", "n"), ("DiskID", "disk-ucsdata2"), ("Remark", &"r".repeat(101))]),
        240
    );
    let auto = t.ucs_ok("CreateSnapshot", &[("Name", "nightly"), ("DiskID", "disk-ucsdata2"), ("Type", "Automatic")])
        ["SnapshotID"]
        .clone();
    assert_eq!(snapshot(&t, auto.as_str().unwrap())["Type"], "Automatic");
}

#[test]
fn states_move_on_the_clock() {
    let t = realistic();
    let id = t.ucs_ok("CreateSnapshot", &[("Name", "s1"), ("DiskID", "disk-ucsdata2")])["SnapshotID"]
        .as_str()
        .unwrap()
        .to_string();
    // Createing (the seed's spelling) while the disk is Snapshoting.
    assert_eq!(snapshot(&t, &id)["SnapshotStatus"], "Createing");
    assert_eq!(disk(&t, "disk-ucsdata2")["DiskStatus"], "Snapshoting");
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", "s2"), ("DiskID", "disk-ucsdata2")]), 17010, "disk busy");
    assert_eq!(t.ucs_err("DeleteSnapshot", &[("SnapshotID", &id)]), 17011, "only Normal snapshots are deleted");
    assert_eq!(t.ucs_err("RollbackSnapshot", &[("DiskID", "disk-ucsdata2"), ("SnapshotID", &id)]), 17011);
    t.advance(0.5);
    assert_eq!(snapshot(&t, &id)["SnapshotStatus"], "Createing", "not due yet");
    t.advance(0.5);
    assert_eq!(snapshot(&t, &id)["SnapshotStatus"], "Normal");
    assert_eq!(disk(&t, "disk-ucsdata2")["DiskStatus"], "Unbound");

    // RollbackSnapshot: RollBacking on the snapshot, Rollbacking on the disk, then back.
    t.ucs_ok("RollbackSnapshot", &[("DiskID", "disk-ucsdata2"), ("SnapshotID", &id)]);
    assert_eq!(snapshot(&t, &id)["SnapshotStatus"], "RollBacking");
    assert_eq!(disk(&t, "disk-ucsdata2")["DiskStatus"], "Rollbacking");
    assert_eq!(t.ucs_err("RollbackSnapshot", &[("DiskID", "disk-ucsdata2"), ("SnapshotID", &id)]), 17011);
    settle(&t);
    assert_eq!(snapshot(&t, &id)["SnapshotStatus"], "Normal");
    assert_eq!(disk(&t, "disk-ucsdata2")["DiskStatus"], "Unbound");

    // DeleteSnapshot → released: gone.
    t.ucs_ok("DeleteSnapshot", &[("SnapshotID", &id)]);
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[("SnapshotIDs.0", &id)])["TotalCount"], 0);
    assert_eq!(t.ucs_err("DeleteSnapshot", &[("SnapshotID", &id)]), 17002);
}

#[test]
fn rollback_needs_an_unbound_disk_or_a_stopped_vm() {
    let t = common::twin(TimingPolicy::Immediate);
    // disk-ucsdata1 is bound to the running vm-ucsweb01.
    let s1 = t.ucs_ok("CreateSnapshot", &[("Name", "web"), ("DiskID", "disk-ucsdata1")])["SnapshotID"]
        .as_str()
        .unwrap()
        .to_string();
    let info = snapshot(&t, &s1);
    assert_eq!(
        (info["DiskAttachResourceID"].as_str(), info["DiskAttachResourceType"].as_str()),
        (Some("vm-ucsweb01"), Some("VM"))
    );
    assert_eq!(t.ucs_err("RollbackSnapshot", &[("DiskID", "disk-ucsdata1"), ("SnapshotID", &s1)]), 17012);
    // The boot disk of the stopped vm-ucsdb001 can be rolled back.
    let s2 = t.ucs_ok("CreateSnapshot", &[("Name", "db"), ("DiskID", "disk-ucsboot2")])["SnapshotID"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(snapshot(&t, &s2)["DiskType"], "Boot");
    t.ucs_ok("RollbackSnapshot", &[("DiskID", "disk-ucsboot2"), ("SnapshotID", &s2)]);
    // A snapshot only rolls back onto its own disk.
    assert_eq!(t.ucs_err("RollbackSnapshot", &[("DiskID", "disk-ucsdata2"), ("SnapshotID", &s2)]), 230);
    // Unbinding the web disk makes its rollback possible.
    t.ucs_ok("DetachDisk", &[("DiskID", "disk-ucsdata1"), ("ResourceID", "vm-ucsweb01")]);
    t.ucs_ok("RollbackSnapshot", &[("DiskID", "disk-ucsdata1"), ("SnapshotID", &s1)]);
    assert_eq!(snapshot(&t, &s1)["DiskAttachResourceID"], "");
}

#[test]
fn describe_pages_and_filters() {
    let t = common::twin(TimingPolicy::Immediate);
    let mut ids = Vec::new();
    for i in 0..25 {
        let d = if i % 2 == 0 { "disk-ucsdata2" } else { "disk-ucsboot1" };
        let name = format!("snap-{i:02}");
        let project = if i < 5 { "prj-cloudtw1" } else { "prj-default1" };
        ids.push(
            t.ucs_ok("CreateSnapshot", &[("Name", &name), ("DiskID", d), ("ProjectID", project)])["SnapshotID"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        t.advance(1.0);
    }
    let names = |v: &Value| -> Vec<String> {
        v["Infos"].as_array().unwrap().iter().map(|i| i["Name"].as_str().unwrap().to_string()).collect()
    };
    // Default Limit 20, newest first.
    let v = t.ucs_ok("DescribeSnapshot", &[]);
    assert_eq!((v["TotalCount"].as_i64(), names(&v).len()), (Some(25), 20));
    assert_eq!(names(&v)[0], "snap-24");
    let v = t.ucs_ok("DescribeSnapshot", &[("Offset", "20"), ("Limit", "100")]);
    assert_eq!(names(&v), ["snap-04", "snap-03", "snap-02", "snap-01", "snap-00"]);
    let v = t.ucs_ok("DescribeSnapshot", &[("Offset", "2"), ("Limit", "3")]);
    assert_eq!(names(&v), ["snap-22", "snap-21", "snap-20"]);
    // DiskID, Keyword (name or ID, any case), SnapshotIDs.N, ProjectIDs.N.
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[("DiskID", "disk-ucsboot1")])["TotalCount"], 12);
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[("Keyword", "SNAP-1")])["TotalCount"], 10);
    let tail = &ids[7][5..];
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[("Keyword", tail)])["TotalCount"], 1);
    let v = t.ucs_ok("DescribeSnapshot", &[("SnapshotIDs.0", &ids[3]), ("SnapshotIDs.1", &ids[9])]);
    assert_eq!(names(&v), ["snap-09", "snap-03"]);
    let v = t.ucs_ok("DescribeSnapshot", &[("ProjectIDs.0", "prj-cloudtw1")]);
    assert_eq!(v["TotalCount"], 5);
    assert_eq!(v["Infos"][0]["ProjectName"], "cloudtwin-dev");
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[("DiskID", "disk-nothere")])["TotalCount"], 0);
}

#[test]
fn a_user_starts_from_nothing_with_the_disk_actions() {
    let t = realistic();
    let v = t.ucs_ok(
        "CreateDisk",
        &[("Name", "fresh"), ("SetType", "SSD"), ("DiskSpace", "40"), ("ChargeType", "Month"), ("Quantity", "2")],
    );
    assert_eq!(keys(&v), ["Action", "RetCode", "Message", "DiskID"]);
    let id = v["DiskID"].as_str().unwrap().to_string();
    let d = disk(&t, &id);
    assert_eq!(
        keys(&d),
        [
            "Region",
            "Zone",
            "CompanyID",
            "Email",
            "Name",
            "Remark",
            "ChargeType",
            "ProjectID",
            "ProjectName",
            "DiskID",
            "DiskType",
            "Size",
            "Drive",
            "DiskStatus",
            "DisableQoS",
            "IOPS",
            "Bandwidth",
            "SetType",
            "SetAlias",
            "SetArch",
            "AttachResourceID",
            "AttachResourceName",
            "AttachResourceType",
            "CreateTime",
            "ExpireTime"
        ]
    );
    assert_eq!(
        (d["DiskStatus"].as_str(), d["Size"].as_i64(), d["Zone"].as_str()),
        (Some("Creating"), Some(40), Some("zone-01"))
    );
    assert_eq!(d["ExpireTime"], 1_800_654_833, "two months after T0");
    assert_eq!(t.ucs_err("CreateSnapshot", &[("Name", "early"), ("DiskID", &id)]), 17010, "still Creating");
    settle(&t);
    assert_eq!(disk(&t, &id)["DiskStatus"], "Unbound");

    t.ucs_ok("AttachDisk", &[("DiskID", &id), ("ResourceID", "vm-ucsweb01"), ("ResourceType", "VM")]);
    let d = disk(&t, &id);
    assert_eq!((d["DiskStatus"].as_str(), d["AttachResourceID"].as_str()), (Some("Bounding"), Some("vm-ucsweb01")));
    settle(&t);
    let d = disk(&t, &id);
    assert_eq!(
        (d["DiskStatus"].as_str(), d["Drive"].as_str(), d["AttachResourceName"].as_str()),
        (Some("Bound"), Some("/dev/vdc"), Some("ucs-web-1"))
    );
    assert_eq!(t.ucs_ok("DescribeDisk", &[("AttachResourceID", "vm-ucsweb01")])["TotalCount"], 3);

    let snap =
        t.ucs_ok("CreateSnapshot", &[("Name", "mine"), ("DiskID", &id)])["SnapshotID"].as_str().unwrap().to_string();
    settle(&t);
    assert_eq!(snapshot(&t, &snap)["SnapshotSize"], 40);
    assert_eq!(t.ucs_err("DeleteDisk", &[("DiskID", &id)]), 17010, "bound disks are not deleted");
    t.ucs_ok("DetachDisk", &[("DiskID", &id)]);
    assert_eq!(disk(&t, &id)["DiskStatus"], "Unbounding");
    settle(&t);
    assert_eq!((disk(&t, &id)["DiskStatus"].as_str(), disk(&t, &id)["Drive"].as_str()), (Some("Unbound"), Some("")));
    t.ucs_ok("RollbackSnapshot", &[("DiskID", &id), ("SnapshotID", &snap)]);
    settle(&t);
    t.ucs_ok("DeleteDisk", &[("DiskID", &id)]);
    assert_eq!(t.ucs_ok("DescribeDisk", &[("DiskIDs.0", &id)])["TotalCount"], 0);
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[("DiskID", &id)])["TotalCount"], 1, "snapshots outlive their disk");

    // The guide's documented values and limits.
    for (params, code) in [
        (vec![("SetType", "SSD"), ("DiskSpace", "40"), ("ChargeType", "Dynamic")], 220),
        (vec![("Name", "x"), ("SetType", "Gold"), ("DiskSpace", "40"), ("ChargeType", "Dynamic")], 230),
        (vec![("Name", "x"), ("SetType", "SSD"), ("DiskSpace", "9"), ("ChargeType", "Dynamic")], 230),
        (vec![("Name", "x"), ("SetType", "SSD"), ("DiskSpace", "40"), ("ChargeType", "Weekly")], 230),
        (
            vec![("Name", "x"), ("SetType", "SSD"), ("DiskSpace", "40"), ("ChargeType", "Month"), ("Quantity", "12")],
            230,
        ),
        (vec![("Name", "x"), ("SetType", "SSD"), ("DiskSpace", "40"), ("ChargeType", "Year"), ("Quantity", "6")], 230),
    ] {
        assert_eq!(t.ucs_err("CreateDisk", &params), code, "{params:?}");
    }
    assert_eq!(t.ucs_err("AttachDisk", &[("DiskID", "disk-ucsdata2"), ("ResourceID", "vm-nothere")]), 17003);
    assert_eq!(t.ucs_err("AttachDisk", &[("DiskID", "disk-ucsdata1"), ("ResourceID", "vm-ucsdb001")]), 17010);
    assert_eq!(
        t.ucs_err("AttachDisk", &[("DiskID", "disk-ucsdata2"), ("ResourceID", "vm-ucsweb01"), ("ResourceType", "LB")]),
        230
    );
    assert_eq!(t.ucs_err("DetachDisk", &[("DiskID", "disk-ucsboot1")]), 17010, "boot disks stay");
    assert_eq!(t.ucs_err("DeleteDisk", &[("DiskID", "disk-ucsboot1")]), 17010);
    assert_eq!(t.ucs_err("DetachDisk", &[("DiskID", "disk-ucsdata1"), ("ResourceID", "vm-ucsdb001")]), 230);
}

#[test]
fn users_are_isolated_and_the_control_plane_covers_the_state() {
    let t = common::twin(TimingPolicy::Immediate);
    let seeded = t.state();
    assert!(seeded["ucloudstack"]["default"]["cn"]["disks"]["disk-ucsdata1"].is_object());
    let id = t.ucs_ok("CreateSnapshot", &[("Name", "mine"), ("DiskID", "disk-ucsdata2")])["SnapshotID"]
        .as_str()
        .unwrap()
        .to_string();
    // The peer user sees its own world only.
    let peer = |action: &str, extra: &[(&str, &str)]| {
        let mut p = vec![("Action", action), ("Region", "cn")];
        p.extend_from_slice(extra);
        t.ucs_send(Transport::Get, &ucs_signed(&p, UCS_PEER_PUBLIC_KEY, UCS_PEER_PRIVATE_KEY)).json()
    };
    assert_eq!(peer("DescribeSnapshot", &[])["TotalCount"], 0);
    assert_eq!(peer("DeleteSnapshot", &[("SnapshotID", &id)])["RetCode"], 17002);
    assert_eq!(peer("DescribeDisk", &[])["Infos"][0]["DiskID"], "disk-ucspeer1");
    // State and reset cover UCloudStack; no private key is ever in the state.
    let body = String::from_utf8(t.control("GET", "/_cloudtwin/state", None).body).unwrap();
    assert!(body.contains(&id));
    assert!(!body.contains(UCS_PRIVATE_KEY) && !body.contains(UCS_PEER_PRIVATE_KEY));
    t.control("POST", "/_cloudtwin/reset", None);
    assert_eq!(t.state()["ucloudstack"], seeded["ucloudstack"]);
    assert_eq!(t.ucs_ok("DescribeSnapshot", &[])["TotalCount"], 0);
}

#[test]
fn manual_timing_and_completing_one_job_by_target() {
    let t = common::twin(TimingPolicy::Manual);
    let a = t.ucs_ok("CreateSnapshot", &[("Name", "a"), ("DiskID", "disk-ucsdata2")])["SnapshotID"]
        .as_str()
        .unwrap()
        .to_string();
    let b = t.ucs_ok("CreateSnapshot", &[("Name", "b"), ("DiskID", "disk-ucsboot1")])["SnapshotID"]
        .as_str()
        .unwrap()
        .to_string();
    t.advance(3600.0);
    assert_eq!(snapshot(&t, &a)["SnapshotStatus"], "Createing");
    let r = t.control("POST", "/_cloudtwin/jobs/complete", Some(json!({"target": a})));
    assert_eq!(r.json()["completed"], 1);
    assert_eq!(
        (snapshot(&t, &a)["SnapshotStatus"].as_str(), snapshot(&t, &b)["SnapshotStatus"].as_str()),
        (Some("Normal"), Some("Createing"))
    );
    assert_eq!(t.control("POST", "/_cloudtwin/jobs/complete", Some(json!({}))).json()["completed"], 1);
    assert_eq!(snapshot(&t, &b)["SnapshotStatus"], "Normal");
    assert_eq!(disk(&t, "disk-ucsboot1")["DiskStatus"], "Bound");
}
