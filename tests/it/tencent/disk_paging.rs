//! DescribeDisks answers from indexes kept with the disks (tencent/disk_index.rs). These tests
//! build a region of a couple of thousand disks (ties in creation time and deadline, three zones,
//! both charge types, disks attached, detaching, in the recycle bin, still being created) and
//! compare every page, in every ordering and for each filter, with a plain filter and sort of
//! the same disks as the state holds them; again after each kind of change.

use crate::common;
use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

/// A small deterministic generator (xorshift), so a failure repeats.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The disks of the region as the state holds them (listed or not).
fn disks_of(t: &common::Twin) -> Vec<Value> {
    let world = t.state();
    let disks = &world["tencent"]["default"]["ap-guangzhou"]["disks"];
    disks.as_object().expect("the region has disks").values().cloned().collect()
}

/// Does `d` (state JSON) pass the filter `name` with `values`, as the docs define the filter?
fn passes(d: &Value, name: &str, values: &[&str]) -> bool {
    let s = |field: &str| d[field].as_str().unwrap_or_default().to_string();
    values.iter().any(|v| match name {
        "zone" => s("zone") == *v,
        "disk-state" => s("disk_state") == *v,
        "disk-type" => s("disk_type") == *v,
        "disk-charge-type" => s("disk_charge_type") == *v,
        "instance-id" => d["attached_to"].as_array().unwrap().iter().any(|i| i == v),
        other => panic!("no reference for {other}"),
    })
}

/// What a scan answers: the listed disks that pass, sorted by (key, seq), reversed for DESC.
fn reference(disks: &[Value], q: &Query, deadline: bool, desc: bool) -> Vec<String> {
    let mut hits: Vec<&Value> = disks
        .iter()
        .filter(|d| d["creating"] == false)
        .filter(|d| q.ids.as_ref().is_none_or(|ids| ids.iter().any(|i| d["disk_id"] == *i.as_str())))
        .filter(|d| q.filters.iter().all(|(n, vs)| passes(d, n, vs)))
        .collect();
    let key = |d: &&Value| {
        let k =
            if deadline { d["deadline_ms"].as_i64().unwrap_or(i64::MAX) } else { d["created_ms"].as_i64().unwrap() };
        (k, d["seq"].as_u64().unwrap())
    };
    hits.sort_by_key(key);
    if desc {
        hits.reverse();
    }
    hits.iter().map(|d| d["disk_id"].as_str().unwrap().to_string()).collect()
}

struct Query {
    filters: Vec<(&'static str, Vec<&'static str>)>,
    ids: Option<Vec<String>>,
}

fn queries(disks: &[Value], rng: &mut Rng) -> Vec<Query> {
    let f = |filters: Vec<(&'static str, Vec<&'static str>)>| Query { filters, ids: None };
    let mut ids: Vec<String> =
        (0..30).map(|_| disks[rng.below(disks.len())]["disk_id"].as_str().unwrap().to_string()).collect();
    ids.push(ids[0].clone());
    ids.push("disk-nothere0".into());
    if let Some(hidden) = disks.iter().find(|d| d["creating"] == true) {
        ids.push(hidden["disk_id"].as_str().unwrap().to_string());
    }
    vec![
        f(vec![]),
        f(vec![("zone", vec!["ap-guangzhou-3"])]),
        f(vec![("zone", vec!["ap-guangzhou-4"])]),
        f(vec![("zone", vec!["ap-guangzhou-7"])]),
        f(vec![("zone", vec!["ap-guangzhou-2", "ap-guangzhou-4"])]),
        f(vec![("disk-state", vec!["UNATTACHED"])]),
        f(vec![("disk-state", vec!["ATTACHED"])]),
        f(vec![("disk-state", vec!["DETACHING"])]),
        f(vec![("disk-state", vec!["TORECYCLE"])]),
        f(vec![("instance-id", vec!["ins-cloudtw1"])]),
        f(vec![("disk-charge-type", vec!["PREPAID"])]),
        f(vec![("zone", vec!["ap-guangzhou-3"]), ("disk-state", vec!["ATTACHED", "UNATTACHED"])]),
        f(vec![("disk-state", vec!["UNATTACHED"]), ("disk-type", vec!["CLOUD_SSD"]), ("zone", vec!["ap-guangzhou-2"])]),
        Query { filters: vec![], ids: Some(ids) },
    ]
}

/// Every query in every ordering, at a few offsets each: the pages and totals equal the scan's.
fn check(t: &common::Twin, rng: &mut Rng) -> usize {
    // Two reads first, so nothing already due changes the state while the pages are read.
    t.ok("DescribeDisks", json!({"Limit": 1}));
    t.ok("DescribeDisks", json!({"Limit": 1}));
    let disks = disks_of(t);
    let orders: [(Option<&str>, Option<&str>); 5] = [
        (None, None),
        (Some("CREATE_TIME"), Some("ASC")),
        (Some("CREATE_TIME"), Some("DESC")),
        (Some("DEADLINE"), Some("ASC")),
        (Some("DEADLINE"), Some("DESC")),
    ];
    let mut pages = 0;
    for q in queries(&disks, rng) {
        for (field, order) in orders {
            let expected = reference(&disks, &q, field == Some("DEADLINE"), order != Some("ASC"));
            let n = expected.len();
            let tail = if rng.below(4) == 0 { n + 5 } else { n.saturating_sub(3) };
            for (offset, limit) in [(0, 20), (rng.below(n + 1), 100), (tail, 100)] {
                let mut body = json!({"Offset": offset, "Limit": limit});
                if let Some(f) = field {
                    body["OrderField"] = json!(f);
                }
                if let Some(o) = order {
                    body["Order"] = json!(o);
                }
                if let Some(ids) = &q.ids {
                    body["DiskIds"] = json!(ids);
                } else if !q.filters.is_empty() {
                    body["Filters"] = q.filters.iter().map(|(n, v)| json!({"Name": n, "Values": v})).collect();
                }
                let r = t.ok("DescribeDisks", body.clone());
                let got: Vec<&str> =
                    r["DiskSet"].as_array().unwrap().iter().map(|d| d["DiskId"].as_str().unwrap()).collect();
                let want: Vec<&str> = expected.iter().skip(offset).take(limit).map(String::as_str).collect();
                assert_eq!(r["TotalCount"], n, "{body}");
                assert_eq!(got, want, "{body}");
                pages += 1;
            }
        }
    }
    assert_eq!(disks, disks_of(t), "reading changed nothing");
    pages
}

fn create(t: &common::Twin, zone: &str, prepaid: Option<i64>, ssd: bool, n: i64) -> Vec<String> {
    let mut body = json!({
        "Placement": {"Zone": zone},
        "DiskChargeType": if prepaid.is_some() { "PREPAID" } else { "POSTPAID_BY_HOUR" },
        "DiskType": if ssd { "CLOUD_SSD" } else { "CLOUD_PREMIUM" },
        "DiskSize": 100,
        "DiskCount": n,
    });
    if let Some(period) = prepaid {
        body["DiskChargePrepaid"] = json!({"Period": period});
    }
    let r = t.ok("CreateDisks", body);
    r["DiskIdSet"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

fn ids_in(t: &common::Twin, filters: Value, n: usize) -> Vec<String> {
    let r = t.ok("DescribeDisks", json!({"Filters": filters, "Limit": n, "Order": "ASC"}));
    r["DiskSet"].as_array().unwrap().iter().map(|d| d["DiskId"].as_str().unwrap().to_string()).collect()
}

#[test]
fn every_page_of_every_order_and_filter_is_what_a_scan_answers() {
    let mut cfg = cloudtwin_emulator::Config {
        timing: TimingPolicy::Realistic { seconds: 1.0 },
        id_seed: Some(42),
        ..Default::default()
    };
    cfg.tencent.limits.disks_per_region = 5000;
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let mut rng = Rng(0x5eed);
    // 2,000 disks in 40 calls: the clock moves only every third call, so many disks share a
    // creation time (and prepaid ones a deadline) and only seq orders them.
    let zones = ["ap-guangzhou-2", "ap-guangzhou-3", "ap-guangzhou-4"];
    for call in 0..40 {
        let prepaid = (call % 4 == 1).then_some(1 + (call as i64 % 3));
        create(&t, zones[call % 3], prepaid, call % 5 == 0, 50);
        if call % 3 == 2 {
            t.advance(1.0);
        }
    }
    t.settle();
    // Some still being created: not listed, nor counted.
    create(&t, "ap-guangzhou-3", None, false, 7);
    let mut pages = check(&t, &mut rng);

    // Attach eight disks of zone 3, then detach three of them and leave the detach in flight.
    let z3 = json!([{"Name": "zone", "Values": ["ap-guangzhou-3"]}, {"Name": "disk-state", "Values": ["UNATTACHED"]}]);
    let attach = ids_in(&t, z3.clone(), 8);
    t.ok("AttachDisks", json!({"DiskIds": attach, "InstanceId": "ins-cloudtw1"}));
    pages += check(&t, &mut rng);
    t.settle();
    t.ok("DetachDisks", json!({"DiskIds": attach[..3]}));
    pages += check(&t, &mut rng);
    t.settle();

    // Terminate: postpaid disks go, prepaid ones go to the recycle bin (TORECYCLE).
    let post = ids_in(
        &t,
        json!([{"Name": "disk-charge-type", "Values": ["POSTPAID_BY_HOUR"]}, {"Name": "disk-state", "Values": ["UNATTACHED"]}]),
        15,
    );
    let pre = ids_in(
        &t,
        json!([{"Name": "disk-charge-type", "Values": ["PREPAID"]}, {"Name": "disk-usage", "Values": ["DATA_DISK"]}, {"Name": "disk-state", "Values": ["UNATTACHED"]}]),
        3,
    );
    t.ok("TerminateDisks", json!({"DiskIds": post}));
    t.ok("TerminateDisks", json!({"DiskIds": pre}));
    pages += check(&t, &mut rng);

    // A failed batch: the gateway resizes the first disk (EXPANDING), then fails on the second
    // and the request is undone; the indexes must be back where they were.
    let before = disks_of(&t);
    let one = ids_in(&t, z3, 1);
    let (code, _) = t.gw_err("/v1/tencent/disk/resize", json!({"DiskIds": [one[0], "disk-nothere0"], "DiskSize": 200}));
    assert_eq!(code, 404);
    assert_eq!(before, disks_of(&t), "the failed batch changed nothing");
    pages += check(&t, &mut rng);

    // The disks being created finish; a resize in flight (EXPANDING) is its own state.
    t.settle();
    t.gw_ok("/v1/tencent/disk/resize", json!({"DiskIds": [one[0]], "DiskSize": 200}));
    pages += check(&t, &mut rng);
    assert!(pages > 1200, "{pages} pages compared");
}

#[test]
fn unindexed_filter_values_are_checked_as_before() {
    let t = common::twin(TimingPolicy::Immediate);
    // A project-id that is not a number is an error whenever a disk is tested against it, also
    // when another filter (answered by an index) matches nothing.
    let body =
        json!({"Filters": [{"Name": "zone", "Values": ["ap-guangzhou-7"]}, {"Name": "project-id", "Values": ["x"]}]});
    assert_eq!(t.err("DescribeDisks", body), "InvalidParameterValue");
    let r = t.ok(
        "DescribeDisks",
        json!({"Filters": [{"Name": "zone", "Values": ["ap-guangzhou-7"]}, {"Name": "project-id", "Values": ["0"]}]}),
    );
    assert_eq!(r["TotalCount"], 0);
}
