//! DescribeSnapshot pages are kept as rendered (ucloudstack/pages.rs). Each step below reads the
//! pages (so they are kept), changes something, then compares each page as asked again with the
//! same page asked under a key never asked before (`ProjectIDs` naming every project of the
//! user and one that does not exist, spelled anew each time), which is rendered afresh: the two
//! must be the same bytes (UCloudStack's envelope has no request id). A change the kept page
//! missed (a table's stamp) shows as a difference.

use std::cell::Cell;

use crate::common::{self, ucs_signed, UCS_PEER_PRIVATE_KEY, UCS_PEER_PUBLIC_KEY};
use crate::common::{UCS_PRIVATE_KEY, UCS_PUBLIC_KEY};
use cloudtwin_emulator::config::UcsRegion;
use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

/// A user: its keys and every project it has.
#[derive(Clone, Copy)]
struct User(&'static str, &'static str, &'static [&'static str]);

const ME: User = User(UCS_PUBLIC_KEY, UCS_PRIVATE_KEY, &["prj-default1", "prj-cloudtw1"]);
const PEER: User = User(UCS_PEER_PUBLIC_KEY, UCS_PEER_PRIVATE_KEY, &["prj-peer0001"]);
const CN: &str = "cn";
const HK: &str = "hk";

type Page = Vec<(&'static str, String)>;

struct Reads<'t> {
    t: &'t common::Twin,
    nonce: Cell<u32>,
    /// Every read goes by the next transport: a page kept from a GET serves a form POST.
    turn: Cell<usize>,
}

impl Reads<'_> {
    /// `action` as `user` in `region`, which must succeed; the answer's bytes.
    fn send(&self, user: User, region: &str, action: &str, params: &[(&str, &str)]) -> Vec<u8> {
        let mut p = vec![("Action", action), ("Region", region)];
        p.extend_from_slice(params);
        self.turn.set(self.turn.get() + 1);
        let transport = common::TRANSPORTS[self.turn.get() % 3];
        let r = self.t.ucs_send(transport, &ucs_signed(&p, user.0, user.1));
        let v = r.json();
        assert_eq!((r.status, v["RetCode"].as_i64()), (200, Some(0)), "{action} {params:?}: {v}");
        r.body
    }

    fn ok(&self, user: User, region: &str, action: &str, params: &[(&str, &str)]) -> Value {
        serde_json::from_slice(&self.send(user, region, action, params)).unwrap()
    }

    fn read(&self, user: User, region: &str, page: &Page) -> Vec<u8> {
        let params: Vec<(&str, &str)> = page.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.send(user, region, "DescribeSnapshot", &params)
    }

    /// The same page, under a key no read has used (so never a kept one): the page's projects,
    /// or every project of the user, and one no snapshot is in.
    fn fresh(&self, user: User, region: &str, page: &Page) -> Vec<u8> {
        self.nonce.set(self.nonce.get() + 1);
        let mut projects: Vec<String> =
            page.iter().filter(|(k, _)| k.starts_with("ProjectIDs")).map(|(_, v)| v.clone()).collect();
        if projects.is_empty() {
            projects = user.2.iter().map(|p| p.to_string()).collect();
        }
        projects.push(format!("prj-nonce{}", self.nonce.get()));
        let names: Vec<String> = (0..projects.len()).map(|i| format!("ProjectIDs.{i}")).collect();
        let mut params: Vec<(&str, &str)> =
            page.iter().filter(|(k, _)| !k.starts_with("ProjectIDs")).map(|(k, v)| (*k, v.as_str())).collect();
        params.extend(names.iter().map(String::as_str).zip(projects.iter().map(String::as_str)));
        self.send(user, region, "DescribeSnapshot", &params)
    }

    /// Read every page as `user` in `region` (kept from now on), apply `change`, then check each
    /// page against its fresh rendering. Returns the pages after, for the step's own asserts.
    fn across(&self, user: User, region: &str, pages: &[Page], what: &str, change: impl FnOnce()) -> Vec<String> {
        for p in pages {
            self.read(user, region, p);
            self.read(user, region, p);
        }
        change();
        let mut after = Vec::new();
        for p in pages {
            let kept = String::from_utf8(self.read(user, region, p)).unwrap();
            let fresh = String::from_utf8(self.fresh(user, region, p)).unwrap();
            assert_eq!(kept, fresh, "after {what}: page {p:?}");
            after.push(kept);
        }
        after
    }
}

fn page(params: &[(&'static str, &str)]) -> Page {
    params.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

#[test]
fn a_kept_page_is_what_a_fresh_rendering_answers_across_every_kind_of_change() {
    let mut cfg = cloudtwin_emulator::Config {
        timing: TimingPolicy::Realistic { seconds: 10.0 },
        id_seed: Some(42),
        ..Default::default()
    };
    cfg.ucloudstack.regions.push(UcsRegion { id: HK.into(), zones: vec!["hk-01".into()] });
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    let r = Reads { t: &t, nonce: Cell::new(0), turn: Cell::new(0) };
    let ok = |user: User, region: &str, action: &str, params: &[(&str, &str)]| r.ok(user, region, action, params);
    let me = |action: &str, params: &[(&str, &str)]| ok(ME, CN, action, params);
    let snap = |user: User, region: &str, name: &str, disk: &str, project: Option<&str>| -> String {
        let mut p = vec![("Name", name), ("DiskID", disk)];
        p.extend(project.map(|id| ("ProjectID", id)));
        ok(user, region, "CreateSnapshot", &p)["SnapshotID"].as_str().unwrap().to_string()
    };
    // Realistic timing: work is done ten seconds on, once a read has seen it (DescribeDisk here,
    // which keeps no page).
    let seen = |user: User, region: &str| {
        ok(user, region, "DescribeDisk", &[("Limit", "1")]);
    };
    let settle = |user: User, region: &str| {
        seen(user, region);
        t.advance(11.0);
        seen(user, region);
    };

    let s0 = snap(ME, CN, "keep-alpha", "disk-ucsdata2", None);
    t.advance(1.0);
    let s1 = snap(ME, CN, "other-beta", "disk-ucsdata1", Some("prj-cloudtw1"));
    t.advance(1.0);
    snap(ME, CN, "keep-gamma", "disk-ucsboot1", None);
    t.advance(1.0);
    let s3 = snap(ME, CN, "delta", "disk-ucsboot2", Some("prj-cloudtw1"));
    settle(ME, CN);
    let pages = [
        page(&[]),
        page(&[("Offset", "1"), ("Limit", "3")]),
        page(&[("SnapshotIDs.0", &s0), ("SnapshotIDs.1", &s1), ("SnapshotIDs.2", &s3)]),
        page(&[("Keyword", "KEEP")]),
        page(&[("DiskID", "disk-ucsdata2")]),
        page(&[("ProjectIDs.0", "prj-cloudtw1"), ("Limit", "5")]),
    ];
    let across = |user: User, region: &str, what: &str, change: &dyn Fn()| r.across(user, region, &pages, what, change);
    let mine = |what: &str, change: &dyn Fn()| across(ME, CN, what, change);

    // Snapshots made, the clock, jobs done on it.
    let after = mine("a snapshot begun", &|| drop(snap(ME, CN, "keep-new", "disk-ucsdata2", None)));
    assert!(after[3].contains("\"Createing\""), "{}", after[3]);
    let after = mine("the clock, with the snapshot still in flight", &|| t.advance(3.0));
    assert!(after[3].contains("\"Createing\""), "not due yet: {}", after[3]);
    let after = mine("the snapshot done on the clock", &|| t.advance(10.0));
    assert!(!after[3].contains("\"Createing\""), "{}", after[3]);
    let after =
        mine("a rollback begun", &|| drop(me("RollbackSnapshot", &[("DiskID", "disk-ucsdata2"), ("SnapshotID", &s0)])));
    assert!(after[4].contains("\"RollBacking\""), "{}", after[4]);
    let after = mine("the rollback done", &|| t.advance(11.0));
    assert!(!after[4].contains("\"RollBacking\""), "{}", after[4]);
    let after = mine("a snapshot deleted", &|| drop(me("DeleteSnapshot", &[("SnapshotID", &s3)])));
    assert!(after[2].contains("\"TotalCount\":2"), "{}", after[2]);

    // A row shows what its disk is bound to now: the disks' changes, by request and by job.
    let bound = |after: &[String]| after[4].contains("\"DiskAttachResourceID\":\"vm-ucsweb01\"");
    let attach = [("DiskID", "disk-ucsdata2"), ("ResourceID", "vm-ucsweb01")];
    let after = mine("an attach begun", &|| drop(me("AttachDisk", &attach)));
    assert!(bound(&after), "{}", after[4]);
    mine("the attach done", &|| t.advance(11.0));
    let after = mine("a detach begun", &|| drop(me("DetachDisk", &attach)));
    assert!(bound(&after), "bound until the detach is done: {}", after[4]);
    let after = mine("the detach done on the clock", &|| t.advance(11.0));
    assert!(!bound(&after), "{}", after[4]);

    // A job a fault rule makes fail.
    let rule =
        json!({"surface": "ucloudstack", "operation": "CreateSnapshot", "effect": {"fail_job": true}, "times": 1});
    assert_eq!(t.control("POST", "/_cloudtwin/faults", Some(rule)).status, 200);
    mine("a snapshot begun that will fail", &|| drop(snap(ME, CN, "keep-doomed", "disk-ucsdata2", None)));
    let after = mine("the failed snapshot done", &|| t.advance(11.0));
    assert!(after[3].contains("\"Failure\""), "{}", after[3]);

    // Manual timing: in flight through an hour, then completed by the control plane.
    let manual = json!({"policy": "manual"});
    assert_eq!(t.control("POST", "/_cloudtwin/timing", Some(manual)).status, 200);
    mine("a snapshot under manual timing", &|| drop(snap(ME, CN, "keep-manual", "disk-ucsboot1", None)));
    let after = mine("an hour on the clock", &|| t.advance(3600.0));
    assert!(after[3].contains("\"Createing\""), "{}", after[3]);
    let after = mine("the job completed by the control plane", &|| {
        let done = t.control("POST", "/_cloudtwin/jobs/complete", Some(json!({})));
        assert_eq!(done.json()["completed"], 1);
    });
    assert!(!after[3].contains("\"Createing\""), "{}", after[3]);
    let realistic = json!({"policy": "realistic", "seconds": 10});
    assert_eq!(t.control("POST", "/_cloudtwin/timing", Some(realistic)).status, 200);

    // A rename, loaded through the control plane (the API has none).
    let after = mine("a rename by a state import", &|| {
        let mut doc = t.control("GET", "/_cloudtwin/state", None).json();
        let name = &mut doc["world"]["ucloudstack"]["default"]["cn"]["snapshots"][&s1]["name"];
        assert_eq!(name, "other-beta", "the export's shape");
        *name = json!("keep-renamed");
        assert_eq!(t.control("POST", "/_cloudtwin/state", Some(doc)).status, 200);
    });
    assert!(after[3].contains("keep-renamed"), "{}", after[3]);

    // Tenants and regions: the same question elsewhere is not this page.
    across(PEER, CN, "the peer's snapshot", &|| {
        snap(PEER, CN, "keep-peer", "disk-ucspeer1", None);
        settle(PEER, CN);
    });
    mine("the peer's snapshot deleted", &|| {
        let id = ok(PEER, CN, "DescribeSnapshot", &[])["Infos"][0]["SnapshotID"].as_str().unwrap().to_string();
        ok(PEER, CN, "DeleteSnapshot", &[("SnapshotID", &id)]);
    });
    mine("a disk and a snapshot in another region", &|| {
        let disk = ok(
            ME,
            HK,
            "CreateDisk",
            &[("Name", "far"), ("SetType", "SSD"), ("DiskSpace", "20"), ("ChargeType", "Dynamic")],
        )["DiskID"]
            .as_str()
            .unwrap()
            .to_string();
        settle(ME, HK);
        snap(ME, HK, "keep-far", &disk, None);
        settle(ME, HK);
    });
    let after = across(ME, HK, "a second snapshot there", &|| {
        let disk = ok(ME, HK, "DescribeDisk", &[])["Infos"][0]["DiskID"].as_str().unwrap().to_string();
        snap(ME, HK, "keep-far-2", &disk, None);
    });
    assert!(after[0].contains("keep-far-2") && !after[0].contains("keep-alpha"), "{}", after[0]);
    let here = r.read(ME, CN, &pages[0]);
    assert_ne!(here, r.read(PEER, CN, &pages[0]));
    assert_ne!(here, r.read(ME, HK, &pages[0]));

    // Saved states, restore and reset.
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "kept"}))).status, 200);
    mine("a snapshot made after the save", &|| {
        snap(ME, CN, "keep-later", "disk-ucsdata2", None);
        settle(ME, CN);
    });
    let after = mine("a restore", &|| {
        assert_eq!(t.control("POST", "/_cloudtwin/snapshots/kept/restore", None).status, 200);
    });
    assert!(!after[0].contains("keep-later"), "{}", after[0]);
    let after = mine("a reset", &|| {
        assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    });
    assert!(after[0].contains("\"TotalCount\":0"), "{}", after[0]);
}

/// A kept page goes out as the cache's own bytes (`Answer::lead`) and nothing after them: on
/// the wire it is the rendered answer, byte for byte, with a `Content-Length` that counts it
/// and no chunked framing; a signed read in any transport, with a parameter that changes
/// nothing (and so another signature), is answered the same.
#[test]
fn a_kept_page_is_sent_as_the_same_bytes_with_its_length() {
    let mut cfg =
        cloudtwin_emulator::Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Default::default() };
    cfg.journal.bodies = true;
    let t = common::twin_with(
        cfg,
        cloudtwin_emulator::clock::Clock::manual(common::T0),
        cloudtwin_emulator::AuthMode::Enforce,
    );
    for disk in ["disk-ucsdata2", "disk-ucsdata1"] {
        t.ucs_ok("CreateSnapshot", &[("Name", "s"), ("DiskID", disk)]);
    }
    let mut answers = Vec::new();
    for (i, transport) in common::TRANSPORTS.iter().cycle().take(6).enumerate() {
        let nonce = i.to_string();
        let p = [("Action", "DescribeSnapshot"), ("Region", "cn"), ("Limit", "20"), ("Unknown", &nonce)];
        answers.push(t.ucs_send(*transport, &ucs_signed(&p, UCS_PUBLIC_KEY, UCS_PRIVATE_KEY)));
    }
    let first = String::from_utf8(answers[0].body.clone()).unwrap();
    assert!(
        first.starts_with("{\"Action\":\"DescribeSnapshotResponse\",\"RetCode\":0,\"Message\":\"\",\"TotalCount\":2")
    );
    for reply in &answers {
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.header("content-length"), Some(reply.body.len().to_string().as_str()));
        assert_eq!(reply.header("transfer-encoding"), None);
        assert_eq!(
            String::from_utf8(reply.body.clone()).unwrap(),
            first,
            "a kept answer differs from the rendered one"
        );
    }
    // The journal holds a kept answer's body as it holds the rendered one's.
    let journal = t.control("GET", "/_cloudtwin/requests?operation=DescribeSnapshot", None).json();
    let bodies: Vec<&Value> = journal["requests"].as_array().unwrap().iter().map(|e| &e["response_body"]).collect();
    assert_eq!(bodies.len(), 6, "{journal}");
    assert!(bodies[0].as_str().is_some_and(|b| b.contains("\"TotalCount\":2")), "{journal}");
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{journal}");
}
