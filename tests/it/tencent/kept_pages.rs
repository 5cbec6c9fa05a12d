//! DescribeDisks pages are kept as rendered (tencent/disk_pages.rs). Each step below reads the
//! pages (so they are kept), changes something, then compares each page as asked again with
//! the same page asked under a key never asked before (a `disk-usage` filter that every disk
//! passes, with a value of its own), which is rendered afresh: the two must be the same bytes.
//! A change the kept page missed (a table's stamp, the clock's window) shows as a difference.

use std::cell::Cell;

use crate::common;
use cloudtwin_emulator::config::{DEFAULT_SECRET_ID, DEFAULT_SECRET_KEY, PEER_SECRET_ID, PEER_SECRET_KEY};
use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

const DAY_S: f64 = 86_400.0;

/// The pages the steps compare: plain, by deadline, with the bound policies, one disk's.
fn pages() -> Vec<Value> {
    vec![
        json!({"Limit": 20}),
        json!({"Limit": 20, "OrderField": "DEADLINE", "Order": "DESC", "ReturnBindAutoSnapshotPolicy": true}),
        json!({"Offset": 1, "Limit": 3}),
    ]
}

struct Reads<'t> {
    t: &'t common::Twin,
    nonce: Cell<u32>,
}

impl Reads<'_> {
    /// `Response` without its RequestId, as `secret` asks it in `region`.
    fn read(&self, secret: (&str, &str), region: &str, body: Value) -> Value {
        let r = self.t.call_as(secret.0, secret.1, "DescribeDisks", Some(region), body);
        let mut v = r.json()["Response"].clone();
        assert!(v["Error"].is_null(), "DescribeDisks failed: {v}");
        v.as_object_mut().unwrap().remove("RequestId");
        v
    }

    /// The same page, under a key no read has used (so never a kept one).
    fn fresh(&self, secret: (&str, &str), region: &str, mut body: Value) -> Value {
        self.nonce.set(self.nonce.get() + 1);
        let values = json!(["DATA_DISK", "SYSTEM_DISK", format!("nonce-{}", self.nonce.get())]);
        body["Filters"] = json!([{"Name": "disk-usage", "Values": values}]);
        self.read(secret, region, body)
    }

    /// Read every page as `secret` in `region` (kept from now on), apply `change`, then check
    /// each page against its fresh rendering. Returns the pages after, for the step's own asserts.
    fn across(&self, secret: (&str, &str), region: &str, what: &str, change: impl FnOnce()) -> Vec<Value> {
        for p in pages() {
            self.read(secret, region, p.clone());
            self.read(secret, region, p);
        }
        change();
        let mut after = Vec::new();
        for p in pages() {
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
fn a_kept_page_is_what_a_fresh_rendering_answers_across_every_kind_of_change() {
    let mut cfg =
        cloudtwin_emulator::Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Default::default() };
    // One prepaid disk returned uses the quota up: the others' IsReturnable moves with it.
    cfg.tencent.limits.refund_quota = 1;
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let r = Reads { t: &t, nonce: Cell::new(0) };
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
    let days = |pages: &[Value]| -> Vec<i64> {
        pages[0]["DiskSet"].as_array().unwrap().iter().filter_map(|d| d["DifferDaysOfDeadline"].as_i64()).collect()
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
    assert!(after[0].to_string().contains("\"ReturnFailCode\":8"), "the quota is used up: {}", after[0]);
    r.across(ME, GZ, "a failed batch, undone", || {
        let (code, _) =
            t.gw_err("/v1/tencent/disk/resize", json!({"DiskIds": [post[0], "disk-nothere0"], "DiskSize": 200}));
        assert_eq!(code, 404);
    });
    // Past the deadline: expired disks (IsReturnable false, code 2), whatever the jobs do.
    r.across(ME, GZ, "a month on the clock", || t.advance(32.0 * DAY_S));

    // Tenants and regions: the same question elsewhere is not this page.
    r.across(PEER, GZ, "the peer's disks", || {
        let v = t.call_as(PEER.0, PEER.1, "CreateDisks", Some(GZ), postpaid(2)).json();
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
