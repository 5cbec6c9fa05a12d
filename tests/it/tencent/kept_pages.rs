//! Tencent's list pages are kept as rendered (core/kept.rs, tencent/pages.rs): DescribeDisks,
//! DescribeSnapshots and the gateway's disk/list and snapshot/list. Each step below reads a
//! list's pages (so they are kept), changes something, then compares each page as asked again
//! with the same page asked under a key never asked before (a `disk-usage` filter that every
//! disk and snapshot passes, with a value of its own), which is rendered afresh: the two must
//! be the same bytes. A change the kept page missed (a table's stamp, the clock's window) shows
//! as a difference.

use std::cell::Cell;

use crate::common;
use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, PEER_SECRET_ID, PEER_SECRET_KEY};
use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

const DAY_S: f64 = 86_400.0;

/// The lists, as a test reads them.
#[derive(Clone, Copy)]
enum List {
    Disks,
    Snapshots,
    GatewayDisks,
    GatewaySnapshots,
}

impl List {
    /// The pages the steps compare: plain, ordered, a small window, one with a list's own options.
    fn pages(self) -> Vec<Value> {
        match self {
            List::Disks => vec![
                json!({"Limit": 20}),
                json!({"Limit": 20, "OrderField": "DEADLINE", "Order": "DESC", "ReturnBindAutoSnapshotPolicy": true}),
                json!({"Offset": 1, "Limit": 3}),
            ],
            List::Snapshots => vec![
                json!({"Limit": 20}),
                json!({"Limit": 20, "OrderField": "CREATE_TIME", "Order": "ASC"}),
                json!({"Offset": 1, "Limit": 3}),
                json!({"Filters": [{"Name": "snapshot-type", "Values": ["SHARED_SNAPSHOT"]}]}),
            ],
            List::GatewayDisks => vec![
                json!({"PageNum": 0, "PageSize": 20}),
                json!({"Offset": 1, "Limit": 3, "Order": "DESC", "ReturnBindAutoSnapshotPolicy": true}),
                json!({"State": "UNATTACHED", "PageSize": 10}),
                json!({"Fuzzy": "disk-", "PageSize": 10}),
            ],
            List::GatewaySnapshots => vec![json!({"PageNum": 0, "PageSize": 20}), json!({"PageNum": 1, "PageSize": 2})],
        }
    }

    /// The answer without its request id, as `secret` asks it in `region` (the gateway's tenant
    /// is the default account's, in Guangzhou).
    fn read(self, t: &common::Twin, secret: (&str, &str), region: &str, body: Value) -> Value {
        let path = match self {
            List::Disks | List::Snapshots => {
                let action = if matches!(self, List::Disks) { "DescribeDisks" } else { "DescribeSnapshots" };
                let mut v = t.call_as(secret.0, secret.1, action, Some(region), body).json()["Response"].clone();
                assert!(v["Error"].is_null(), "{action} failed: {v}");
                v.as_object_mut().unwrap().remove("RequestId");
                return v;
            }
            List::GatewayDisks => "/v1/tencent/disk/list",
            List::GatewaySnapshots => "/v1/tencent/snapshot/list",
        };
        assert_eq!((secret.0, region), (DEFAULT_SECRET_ID, GZ), "the gateway's tenant is the default account's");
        t.gw_ok(path, body)
    }
}

struct Reads<'t> {
    t: &'t common::Twin,
    list: List,
    nonce: Cell<u32>,
}

impl Reads<'_> {
    fn read(&self, secret: (&str, &str), region: &str, body: Value) -> Value {
        self.list.read(self.t, secret, region, body)
    }

    /// The same page, under a key no read has used (so never a kept one).
    fn fresh(&self, secret: (&str, &str), region: &str, mut body: Value) -> Value {
        self.nonce.set(self.nonce.get() + 1);
        let values = json!(["DATA_DISK", "SYSTEM_DISK", format!("nonce-{}", self.nonce.get())]);
        let mut filters = body["Filters"].as_array().cloned().unwrap_or_default();
        filters.push(json!({"Name": "disk-usage", "Values": values}));
        body["Filters"] = Value::Array(filters);
        self.read(secret, region, body)
    }

    /// Read every page as `secret` in `region` (kept from now on), apply `change`, then check
    /// each page against its fresh rendering. Returns the pages after, for the step's own asserts.
    fn across(&self, secret: (&str, &str), region: &str, what: &str, change: impl FnOnce()) -> Vec<Value> {
        let pages = self.list.pages();
        for p in &pages {
            self.read(secret, region, p.clone());
            self.read(secret, region, p.clone());
        }
        change();
        let mut after = Vec::new();
        for p in pages {
            let kept = self.read(secret, region, p.clone());
            assert_eq!(kept, self.fresh(secret, region, p.clone()), "after {what}: page {p}");
            after.push(kept);
        }
        after
    }
}

const ME: (&str, &str) = (DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY);
const PEER: (&str, &str) = (PEER_SECRET_ID, PEER_SECRET_KEY);
const GZ: &str = "ap-guangzhou";

fn ids(v: &Value) -> Vec<String> {
    v["DiskIdSet"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_string()).collect()
}

#[test]
fn a_kept_disk_page_is_what_a_fresh_rendering_answers_across_every_kind_of_change() {
    disk_changes(List::Disks);
}

#[test]
fn a_kept_gateway_disk_page_is_what_a_fresh_rendering_answers_across_every_kind_of_change() {
    disk_changes(List::GatewayDisks);
}

fn disk_changes(list: List) {
    let mut cfg =
        cloudtwin_emulator::Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Default::default() };
    // One prepaid disk returned uses the quota up: the others' IsReturnable moves with it.
    cfg.tencent.limits.refund_quota = 1;
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let r = Reads { t: &t, list, nonce: Cell::new(0) };
    let prepaid = |n: i64| {
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "PREPAID", "DiskType": "CLOUD_SSD",
               "DiskSize": 50, "DiskCount": n, "DiskChargePrepaid": {"Period": 1}})
    };
    let postpaid = |n: i64| {
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR",
               "DiskType": "CLOUD_PREMIUM", "DiskSize": 20, "DiskCount": n})
    };

    let mut pre = Vec::new();
    let mut post = Vec::new();
    r.across(ME, GZ, "creating disks", || {
        pre = ids(&t.ok("CreateDisks", prepaid(3)));
        post = ids(&t.ok("CreateDisks", postpaid(3)));
        t.settle();
    });
    let set = if matches!(list, List::Disks) { "DiskSet" } else { "List" };
    let days = |pages: &[Value]| -> Vec<i64> {
        pages[0][set].as_array().unwrap().iter().filter_map(|d| d["DifferDaysOfDeadline"].as_i64()).collect()
    };
    let before = r.across(ME, GZ, "a rename", || {
        t.ok("ModifyDiskAttributes", json!({"DiskIds": [post[0]], "DiskName": "renamed"}));
    });
    assert!(before[0].to_string().contains("renamed"));
    // The clock alone: a day goes by, and DifferDaysOfDeadline with it (no table changes).
    let after = r.across(ME, GZ, "a day on the clock", || t.advance(DAY_S));
    assert_eq!(days(&after).iter().map(|d| d + 1).collect::<Vec<_>>(), days(&before), "one day less left");
    r.across(ME, GZ, "a second on the clock", || t.advance(1.0));
    r.across(ME, GZ, "an attach", || {
        t.ok("AttachDisks", json!({"DiskIds": [post[1]], "InstanceId": "ins-cloudtw1"}));
        t.settle();
    });
    r.across(ME, GZ, "a detach", || {
        t.ok("DetachDisks", json!({"DiskIds": [post[1]]}));
        t.settle();
    });
    r.across(ME, GZ, "a snapshot", || {
        t.ok("CreateSnapshot", json!({"DiskId": post[2], "SnapshotName": "s"}));
        t.settle();
    });
    r.across(ME, GZ, "a backup", || {
        t.ok("ModifyDiskBackupQuota", json!({"DiskId": post[2], "DiskBackupQuota": 1}));
        t.ok("CreateDiskBackup", json!({"DiskId": post[2]}));
        t.settle();
    });
    r.across(ME, GZ, "a policy bound", || {
        let p = t
            .ok("CreateAutoSnapshotPolicy", json!({"Policy": [{"DayOfWeek": [1], "Hour": [3]}], "RetentionDays": 1}))
            ["AutoSnapshotPolicyId"]
            .clone();
        t.ok("BindAutoSnapshotPolicy", json!({"AutoSnapshotPolicyId": p, "DiskIds": [post[0], pre[0]]}));
    });
    let after = r.across(ME, GZ, "a prepaid disk returned", || {
        t.ok("TerminateDisks", json!({"DiskIds": [pre[1]]}));
    });
    if matches!(list, List::Disks) {
        assert!(after[0].to_string().contains("\"ReturnFailCode\":8"), "the quota is used up: {}", after[0]);
    }
    r.across(ME, GZ, "a failed batch, undone", || {
        let (code, _) =
            t.gw_err("/v1/tencent/disk/resize", json!({"DiskIds": [post[0], "disk-nothere0"], "DiskSize": 200}));
        assert_eq!(code, 404);
    });
    // Past the deadline: expired disks (IsReturnable false, code 2), whatever the jobs do.
    r.across(ME, GZ, "a month on the clock", || t.advance(32.0 * DAY_S));

    // Tenants and regions: the same question elsewhere is not this page (DescribeDisks asks as
    // any account in any region; the gateway's tenant is one account in one region).
    if matches!(list, List::Disks) {
        elsewhere(&r, postpaid(2));
    }

    // Saved states, restore and reset.
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "kept"}))).status, 200);
    r.across(ME, GZ, "a disk made after the save", || {
        t.ok("CreateDisks", postpaid(1));
        t.settle();
    });
    r.across(ME, GZ, "a restore", || {
        assert_eq!(t.control("POST", "/_cloudtwin/snapshots/kept/restore", None).status, 200);
    });
    r.across(ME, GZ, "a reset", || {
        assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    });
}

#[test]
fn a_kept_snapshot_page_is_what_a_fresh_rendering_answers_across_every_kind_of_change() {
    snapshot_changes(List::Snapshots);
}

#[test]
fn a_kept_gateway_snapshot_page_is_what_a_fresh_rendering_answers_across_every_kind_of_change() {
    snapshot_changes(List::GatewaySnapshots);
}

const MY_UIN: &str = "100000000001";
const THIRD_UIN: &str = "100000000003";

/// An action of the peer's in Guangzhou, which must succeed.
fn peer(t: &common::Twin, action: &str, body: Value) -> Value {
    let v = t.call_as(PEER.0, PEER.1, action, Some(GZ), body).json()["Response"].clone();
    assert!(v["Error"].is_null(), "{action} failed: {v}");
    v
}

/// Let the peer's work in flight finish (its reads open its gates).
fn peer_settle(t: &common::Twin) {
    peer(t, "DescribeDisks", json!({"Limit": 1}));
    t.advance(5.0);
    peer(t, "DescribeDisks", json!({"Limit": 1}));
}

/// The changes a snapshot page shows: the caller's own snapshots (made, in flight, renamed,
/// expired, deleted), those the peer shares with it (and the peer's others, which it does not
/// see), a failed batch, the clock, saved states.
fn snapshot_changes(list: List) {
    let mut cfg =
        cloudtwin_emulator::Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Default::default() };
    // A third account, for a snapshot shared further.
    let mut third = cfg.accounts[1].clone();
    third.name = "third".into();
    third.huawei = None;
    let ident = third.tencent.as_mut().unwrap();
    ident.uin = THIRD_UIN.into();
    ident.keys[0].secret_id = "AKIDthirdthirdthirdthirdthirdthird".into();
    cfg.accounts.push(third);
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let r = Reads { t: &t, list, nonce: Cell::new(0) };
    let disk = t.new_disk("ap-guangzhou-3", 20);
    let theirs_disk = peer(
        &t,
        "CreateDisks",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR",
               "DiskType": "CLOUD_PREMIUM", "DiskSize": 20}),
    )["DiskIdSet"][0]
        .clone();
    t.settle();
    peer_settle(&t);
    let snap = |body: Value| t.ok("CreateSnapshot", body)["SnapshotId"].as_str().unwrap().to_string();

    let mut mine = Vec::new();
    r.across(ME, GZ, "snapshots made", || {
        for n in 0..3 {
            mine.push(snap(json!({"DiskId": disk, "SnapshotName": format!("s{n}")})));
        }
        t.settle();
    });
    // Work that takes four seconds of the clock: its Percent moves, so its page is not kept.
    let timing = |body: Value| assert_eq!(t.control("POST", "/_cloudtwin/timing", Some(body)).status, 200);
    timing(json!({"policy": "duration", "seconds": 4.0}));
    let during = r.across(ME, GZ, "a snapshot in flight", || {
        snap(json!({"DiskId": disk, "SnapshotName": "moving"}));
    });
    assert!(during[0].to_string().contains("CREATING"), "the new snapshot is still being made: {}", during[0]);
    let during = r.across(ME, GZ, "its progress on the clock", || t.advance(1.0));
    assert!(during[0].to_string().contains("\"Percent\":25"), "a quarter done: {}", during[0]);
    r.across(ME, GZ, "its job done", || t.advance(5.0));
    timing(json!({"policy": "immediate"}));
    r.across(ME, GZ, "a rename", || {
        t.ok("ModifySnapshotAttribute", json!({"SnapshotId": mine[0], "SnapshotName": "renamed"}));
    });
    let mut theirs = String::new();
    let shared = r.across(ME, GZ, "a snapshot the peer shares", || {
        theirs = peer(&t, "CreateSnapshot", json!({"DiskId": theirs_disk, "SnapshotName": "theirs"}))["SnapshotId"]
            .as_str()
            .unwrap()
            .to_string();
        peer_settle(&t);
        peer(
            &t,
            "ModifySnapshotsSharePermission",
            json!({"SnapshotIds": [theirs], "AccountIds": [MY_UIN], "Permission": "SHARE"}),
        );
    });
    assert!(shared[0].to_string().contains(&theirs), "the shared snapshot is listed: {}", shared[0]);
    // A shared snapshot cannot be changed, but shared further: its ShareReference on this page.
    let further = r.across(ME, GZ, "the peer shares it with another account too", || {
        peer(
            &t,
            "ModifySnapshotsSharePermission",
            json!({"SnapshotIds": [theirs], "AccountIds": [THIRD_UIN], "Permission": "SHARE"}),
        );
    });
    assert!(further[0].to_string().contains("\"ShareReference\":2"), "{}", further[0]);
    r.across(ME, GZ, "a snapshot the peer keeps to itself", || {
        peer(&t, "CreateSnapshot", json!({"DiskId": theirs_disk}));
        peer_settle(&t);
    });
    r.across(ME, GZ, "the share withdrawn", || {
        peer(
            &t,
            "ModifySnapshotsSharePermission",
            json!({"SnapshotIds": [theirs], "AccountIds": [MY_UIN], "Permission": "CANCEL"}),
        );
    });
    r.across(ME, GZ, "a snapshot that expires in two days", || {
        snap(json!({"DiskId": disk, "Deadline": "2026-11-24T21:53:53+00:00"}));
        t.settle();
    });
    let after = r.across(ME, GZ, "three days on the clock", || {
        t.advance(3.0 * DAY_S);
        t.settle();
    });
    assert!(!after[0].to_string().contains("2026-11-24"), "the expired snapshot is gone: {}", after[0]);
    r.across(ME, GZ, "a deletion", || {
        t.ok("DeleteSnapshots", json!({"SnapshotIds": [mine[1]]}));
    });
    r.across(ME, GZ, "a failed batch, undone", || {
        let v = t.call("DeleteSnapshots", json!({"SnapshotIds": [mine[2], "snap-nothere0"]})).json();
        assert!(!v["Response"]["Error"].is_null(), "{v}");
    });
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "kept"}))).status, 200);
    r.across(ME, GZ, "a snapshot made after the save", || {
        snap(json!({"DiskId": disk}));
        t.settle();
    });
    r.across(ME, GZ, "a restore", || {
        assert_eq!(t.control("POST", "/_cloudtwin/snapshots/kept/restore", None).status, 200);
    });
    r.across(ME, GZ, "a reset", || {
        assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    });
}

/// The peer's disks in Guangzhou and the default account's in Shanghai: neither is on the
/// default account's Guangzhou page, and each is kept apart.
fn elsewhere(r: &Reads<'_>, peer_disks: Value) {
    let t = r.t;
    r.across(PEER, GZ, "the peer's disks", || {
        let v = t.call_as(PEER.0, PEER.1, "CreateDisks", Some(GZ), peer_disks.clone()).json();
        assert!(v["Response"]["Error"].is_null(), "{v}");
    });
    r.across(ME, "ap-shanghai", "a disk in another region", || {
        let v = t
            .call_as(
                ME.0,
                ME.1,
                "CreateDisks",
                Some("ap-shanghai"),
                json!({"Placement": {"Zone": "ap-shanghai-2"}, "DiskChargeType": "POSTPAID_BY_HOUR",
                       "DiskType": "CLOUD_PREMIUM", "DiskSize": 20}),
            )
            .json();
        assert!(v["Response"]["Error"].is_null(), "{v}");
        t.settle();
    });
    let mine = r.read(ME, GZ, json!({"Limit": 20}));
    assert_ne!(mine, r.read(PEER, GZ, json!({"Limit": 20})));
    assert_ne!(mine, r.read(ME, "ap-shanghai", json!({"Limit": 20})));
}

/// A kept page goes out as the cache's own bytes followed by the request id (`Answer::lead`):
/// on the wire it is the rendered answer, byte for byte, with a `Content-Length` that counts both
/// parts and no chunked framing.
#[test]
fn a_kept_page_is_sent_as_the_same_bytes_with_its_length() {
    let t = common::twin(TimingPolicy::Immediate);
    for zone in ["ap-guangzhou-3", "ap-guangzhou-4"] {
        t.new_disk(zone, 20);
    }
    let without_id = |body: &[u8]| {
        let text = std::str::from_utf8(body).unwrap();
        let at = text.rfind("\"RequestId\":\"").unwrap();
        (text[..at].to_string(), text[at..].len())
    };
    let answers: Vec<_> = (0..3).map(|_| t.call("DescribeDisks", json!({"Limit": 20}))).collect();
    let (first, id_len) = without_id(&answers[0].body);
    assert!(first.starts_with("{\"Response\":{\"TotalCount\":") && first.contains("disk-"), "{first}");
    for reply in &answers {
        assert_eq!(reply.header("content-length"), Some(reply.body.len().to_string().as_str()));
        assert_eq!(reply.header("transfer-encoding"), None);
        assert_eq!(without_id(&reply.body), (first.clone(), id_len), "a kept answer differs from the rendered one");
    }
    let ids: Vec<_> = answers.iter().map(|r| r.json()["Response"]["RequestId"].clone()).collect();
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "each answer has its own request id: {ids:?}");
}
