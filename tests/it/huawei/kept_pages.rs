//! ListBackups and ListVault pages are kept as rendered (huawei/pages.rs). Each step below
//! reads the pages of three projects (so they are kept), changes something, then compares each
//! page as asked again with the same page asked under a key never asked before (a query
//! parameter neither list reads, with a value of its own), which is rendered afresh: the two
//! must be the same bytes. A change the kept page missed (a table's stamp, a project's share
//! records, the clock) shows as a difference.

use std::cell::Cell;

use crate::common;
use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::huawei::body::{query_pairs, Query};
use cloudtwin_emulator::huawei::pages;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::hw::*;
use serde_json::{json, Value};

const DAY_S: f64 = 86_400.0;

/// The pages the steps compare: the index's lists and the scans, shared and private, vaults.
fn pages() -> Vec<(Who, String)> {
    let mut out: Vec<(Who, String)> = [
        "/v3/{p}/backups",
        "/v3/{p}/backups?limit=2&offset=1&sort=name:asc",
        "/v3/{p}/backups?status=available",
        "/v3/{p}/backups?own_type=all_granted&show_replication=true",
        "/v3/{p}/backups?used_percent=20&sort=updated_at:asc,name:desc",
        "/v3/{p}/vaults",
        "/v3/{p}/vaults?limit=1&offset=1",
        &format!("/v3/{{p}}/vaults?resource_ids={WEB}"),
    ]
    .iter()
    .map(|p| (OWNER, p.to_string()))
    .collect();
    for p in [
        "/v3/{p}/backups?own_type=shared",
        "/v3/{p}/backups?own_type=shared&member_status=pending",
        "/v3/{p}/backups?own_type=all_granted&sort=id:asc",
        "/v3/{p}/vaults",
    ] {
        out.push((RECEIVER, p.to_string()));
    }
    for p in ["/v3/{p}/backups?show_replication=true", "/v3/{p}/vaults"] {
        out.push((SOUTH_P, p.to_string()));
    }
    out
}

struct Reads<'t> {
    t: &'t common::Twin,
    nonce: Cell<u32>,
}

impl Reads<'_> {
    /// The page's bytes.
    fn read(&self, who: Who, path: &str) -> String {
        let r = call(self.t, who, "GET", path, None);
        assert_eq!(r.status, 200, "{path}: {}", String::from_utf8_lossy(&r.body));
        String::from_utf8(r.body).unwrap()
    }

    /// The same page, under a key no read has used (so never a kept one).
    fn fresh(&self, who: Who, path: &str) -> String {
        self.nonce.set(self.nonce.get() + 1);
        let sep = if path.contains('?') { '&' } else { '?' };
        self.read(who, &format!("{path}{sep}nonce={}", self.nonce.get()))
    }

    /// Read every page (kept from now on: the twin's cache holds them all), apply `change`, let
    /// the work it left due finish (`quiet`), then check each page against its fresh rendering.
    /// The pages are all read before any fresh one, whose keys would push them out of the
    /// bounded cache. Returns the pages after.
    fn across(&self, what: &str, change: impl FnOnce()) -> Vec<String> {
        for (who, p) in pages() {
            self.read(who, &p);
        }
        for (who, p) in pages() {
            assert!(held(self.t, who, &p), "before {what}: page {p} of {} is kept", who.project);
        }
        change();
        quiet(self.t);
        let after: Vec<String> = pages().into_iter().map(|(who, p)| self.read(who, &p)).collect();
        for ((who, p), kept) in pages().into_iter().zip(&after) {
            assert_eq!(*kept, self.fresh(who, &p), "after {what}: page {p} of {}", who.project);
        }
        after
    }
}

/// Whether the twin's cache holds the page `who` asks at `path` for the tables as they are now.
fn held(t: &common::Twin, who: Who, path: &str) -> bool {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let pairs = query_pairs(query).unwrap();
    let twin = &t.running.app.twin;
    let world = &twin.state.lock().world;
    let (op, stamps) = if route.ends_with("/vaults") {
        ("ListVault", pages::vault_stamps(&world.huawei, who.project))
    } else {
        let shared = pairs.iter().any(|(n, v)| n == "own_type" && v != "private");
        let vaults = pairs.iter().any(|(n, _)| n == "used_percent");
        ("ListBackups", pages::backup_stamps(&world.huawei, who.project, shared, vaults))
    };
    let ask = pages::ask(op, who.project, &Query(pairs), stamps);
    world.pages.lookup(&ask, twin.clock.now_ms(), |_| ()).is_some()
}

/// Under realistic timing a job finishes at the first request after it is both due and seen by
/// a read: every project's work is seen here and what that made finishable finishes, so the
/// state holds still (the clock does not move) while a kept page and a fresh one are compared.
fn quiet(t: &common::Twin) {
    for _ in 0..2 {
        for who in [OWNER, RECEIVER, SOUTH_P] {
            ok(t, who, "GET", "/v3/{p}/operation-logs?limit=1", None);
        }
    }
}

fn vault_body(name: &str, object_type: &str, protect_type: &str, resources: Value) -> Value {
    json!({"vault": {"name": name, "resources": resources, "billing": {"consistent_level": "crash_consistent",
        "object_type": object_type, "protect_type": protect_type, "size": 200}}})
}

fn new_vault(t: &common::Twin, who: Who, object_type: &str, protect_type: &str, resources: Value) -> String {
    let v = ok(t, who, "POST", "/v3/{p}/vaults", Some(vault_body("v", object_type, protect_type, resources)));
    v["vault"]["id"].as_str().unwrap().to_string()
}

fn twin(kept: bool) -> common::Twin {
    let cfg = Config {
        timing: TimingPolicy::Realistic { seconds: 1.0 },
        id_seed: Some(42),
        kept_pages: kept,
        ..Default::default()
    };
    common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce)
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key].as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_kept_page_is_what_a_fresh_rendering_answers_across_every_kind_of_change() {
    let t = twin(true);
    let r = Reads { t: &t, nonce: Cell::new(0) };
    let second = |n: usize| {
        for _ in 0..n {
            t.advance(1.0);
            quiet(&t);
        }
    };

    let mut vault = String::new();
    r.across("a vault created", || {
        vault = new_vault(&t, OWNER, "server", "backup", json!([{"id": WEB, "type": "OS::Nova::Server"}]))
    });
    // A backup in flight: seen by the reads, done a second later, through its task's states.
    let before = r.across("a checkpoint", || {
        ok(&t, OWNER, "POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": vault}})));
    });
    assert!(before[0].contains("\"status\":\"protecting\""), "{}", before[0]);
    for step in 0..4 {
        r.across(&format!("a second on the clock ({step})"), || second(1));
    }
    let list = ok(&t, OWNER, "GET", "/v3/{p}/backups", None);
    assert_eq!(list["backups"][0]["status"], "available", "{list}");
    let b = ids(&list, "backups")[0].clone();
    // 50 GB of 200 is 25%, of 500 10%: the vault alone decides what `used_percent=20` lists.
    let after = r.across("a vault resized", || {
        let size = json!({"vault": {"billing": {"size": 500}}});
        ok(&t, OWNER, "PUT", &format!("/v3/{{p}}/vaults/{vault}"), Some(size));
    });
    assert!(after[4].contains("\"count\":0"), "{}", after[4]);
    r.across("a rename", || {
        ok(&t, OWNER, "PUT", &format!("/v3/{{p}}/backups/{b}"), Some(json!({"backup": {"name": "renamed"}})));
    });

    // Shares across accounts: the receiver's shared pages read the owner's tables.
    let members = format!("/v3/{{p}}/backups/{b}/members");
    let member = format!("/v3/{{p}}/backups/{b}/members/{PEER}");
    let after = r.across("a share offered", || {
        ok(&t, OWNER, "POST", &members, Some(json!({"members": [PEER]})));
    });
    let pending = &after[pages().iter().position(|(_, p)| p.contains("member_status=pending")).unwrap()];
    assert!(pending.contains(&b), "{pending}");
    let mut their_vault = String::new();
    r.across("the receiver's vault", || their_vault = new_vault(&t, RECEIVER, "server", "backup", json!([])));
    let after = r.across("a share accepted", || {
        ok(&t, RECEIVER, "PUT", &member, Some(json!({"status": "accepted", "vault_id": their_vault})));
    });
    let shared = &after[pages().iter().position(|(w, p)| w.project == PEER && p.ends_with("own_type=shared")).unwrap()];
    assert!(shared.contains(&b) && shared.contains(&their_vault), "{shared}");
    r.across("the owner renames the shared backup", || {
        ok(&t, OWNER, "PUT", &format!("/v3/{{p}}/backups/{b}"), Some(json!({"backup": {"name": "shared"}})));
    });
    r.across("a share rejected", || {
        ok(&t, RECEIVER, "PUT", &member, Some(json!({"status": "rejected"})));
    });
    r.across("a share revoked", || {
        ok(&t, OWNER, "DELETE", &member, None);
    });
    r.across("shared again", || {
        ok(&t, OWNER, "POST", &members, Some(json!({"members": [PEER]})));
        ok(&t, RECEIVER, "PUT", &member, Some(json!({"status": "accepted", "vault_id": their_vault})));
    });

    // Replication into the owner's cn-south-1 project, on the clock.
    let mut south_vault = String::new();
    r.across("a replication vault", || south_vault = new_vault(&t, SOUTH_P, "server", "replication", json!([])));
    let after = r.across("a replication", || {
        let copy = json!({"replicate": {"destination_project_id": SOUTH, "destination_region": "cn-south-1",
            "destination_vault_id": south_vault}});
        ok(&t, OWNER, "POST", &format!("/v3/{{p}}/backups/{b}/replicate"), Some(copy));
    });
    assert!(after[3].contains("\"replication_records\":[{"), "{}", after[3]);
    for step in 0..4 {
        r.across(&format!("replicating, a second on the clock ({step})"), || second(1));
    }
    let south = ok(&t, SOUTH_P, "GET", "/v3/{p}/backups", None);
    assert_eq!(south["count"], 1, "the replica landed: {south}");

    // Vaults and what they show of the rest of the project.
    r.across("a vault renamed", || {
        ok(&t, OWNER, "PUT", &format!("/v3/{{p}}/vaults/{vault}"), Some(json!({"vault": {"name": "renamed"}})));
    });
    r.across("a resource added", || {
        let add = json!({"resources": [{"id": DB, "type": "OS::Nova::Server"}]});
        ok(&t, OWNER, "POST", &format!("/v3/{{p}}/vaults/{vault}/addresources"), Some(add));
    });
    r.across("a resource removed", || {
        let rm = json!({"resource_ids": [DB]});
        ok(&t, OWNER, "POST", &format!("/v3/{{p}}/vaults/{vault}/removeresources"), Some(rm));
    });
    // The server a vault protects gets bigger disks: only the servers and volumes change.
    let after = r.across("a server's disks replaced (control plane)", || {
        let s = json!({"project_id": P, "server": {"id": WEB, "name": "web", "availability_zone": "cn-north-4a",
            "volumes": [{"id": format!("{WEB}-big"), "name": "big", "size": 123, "bootable": true}]}});
        assert_eq!(t.control("POST", "/_cloudtwin/huawei/servers", Some(s)).status, 200);
    });
    assert!(after[5].contains("\"size\":123"), "{}", after[5]);
    let mut other = String::new();
    r.across("a second vault", || {
        other = new_vault(&t, OWNER, "server", "backup", json!([{"id": STOPPED, "type": "OS::Nova::Server"}]));
    });
    r.across("a failed backup", || {
        let f = json!({"operation_type": "backup", "target": STOPPED});
        assert_eq!(t.control("POST", "/_cloudtwin/huawei/faults", Some(f)).status, 200);
        ok(&t, OWNER, "POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": other}})));
    });
    for step in 0..4 {
        r.across(&format!("failing, a second on the clock ({step})"), || second(1));
    }
    assert!(ok(&t, OWNER, "GET", "/v3/{p}/backups?status=error", None)["count"] == 1);

    // Retention: a daily policy keeping a day's backups, over days of the clock.
    r.across("a policy bound", || {
        let body = json!({"policy": {"name": "keep1", "operation_type": "backup",
            "operation_definition": {"retention_duration_days": 1},
            "trigger": {"properties": {"pattern": ["FREQ=DAILY;BYHOUR=1;BYMINUTE=0"]}}}});
        let pid = ok(&t, OWNER, "POST", "/v3/{p}/policies", Some(body))["policy"]["id"].as_str().unwrap().to_string();
        ok(&t, OWNER, "POST", &format!("/v3/{{p}}/vaults/{vault}/associatepolicy"), Some(json!({"policy_id": pid})));
    });
    for step in 0..3 {
        r.across(&format!("a day on the clock ({step})"), || t.advance(DAY_S));
    }
    r.across("half a day on the clock", || t.advance(DAY_S / 2.0));
    let expiring = ok(&t, OWNER, "GET", "/v3/{p}/backups?sort=id:asc", None);
    assert!(expiring.to_string().contains("\"expired_at\":\""), "the policy's backups expire: {expiring}");

    // Deletes, in flight then done.
    r.across("a backup deleted", || {
        ok(&t, OWNER, "DELETE", &format!("/v3/{{p}}/backups/{b}"), None);
    });
    for step in 0..3 {
        r.across(&format!("deleting, a second on the clock ({step})"), || second(1));
    }
    r.across("another tenant's vault", || {
        new_vault(&t, RECEIVER, "disk", "backup", json!([]));
        // The owner's pages read none of the receiver's vaults: they stay kept. Its own do not.
        assert!(held(&t, OWNER, "/v3/{p}/backups") && held(&t, OWNER, "/v3/{p}/vaults"));
        assert!(held(&t, OWNER, "/v3/{p}/backups?own_type=all_granted&show_replication=true"));
        assert!(!held(&t, RECEIVER, "/v3/{p}/vaults"));
    });
    r.across("a vault deleted", || {
        ok(&t, OWNER, "DELETE", &format!("/v3/{{p}}/vaults/{vault}"), None);
    });
    for step in 0..3 {
        r.across(&format!("vault deleting, a second on the clock ({step})"), || second(1));
    }

    // Saved states, restore and reset.
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "kept"}))).status, 200);
    r.across("a vault made after the save", || {
        new_vault(&t, OWNER, "server", "backup", json!([{"id": DB, "type": "OS::Nova::Server"}]));
    });
    r.across("a restore", || {
        assert_eq!(t.control("POST", "/_cloudtwin/snapshots/kept/restore", None).status, 200);
    });
    r.across("a reset", || {
        assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    });
}

/// The pages the reads left in the twin's cache are the ones the next read asks for: the same
/// key and stamps, the same bytes as sent. A change to a table the page reads ends that.
#[test]
fn a_read_page_is_kept_under_its_question_and_a_change_ends_it() {
    let t = twin(true);
    let v = new_vault(&t, OWNER, "server", "backup", json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    ok(&t, OWNER, "POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let kept = |path: &str| {
        let twin = &t.running.app.twin;
        let (route, query) = path.split_once('?').unwrap();
        let world = &twin.state.lock().world;
        let project = if route.contains(SOUTH) { SOUTH } else { P };
        let stamps = match route.ends_with("/vaults") {
            true => pages::vault_stamps(&world.huawei, project),
            false => pages::backup_stamps(&world.huawei, project, query.contains("own_type"), false),
        };
        let op = if route.ends_with("/vaults") { "ListVault" } else { "ListBackups" };
        let ask = pages::ask(op, project, &Query(query_pairs(query).unwrap()), stamps);
        world.pages.lookup(&ask, twin.clock.now_ms(), |b| String::from_utf8(b.to_vec()).unwrap())
    };
    for (i, path) in
        ["/v3/{p}/backups?limit=5", "/v3/{p}/backups?own_type=all_granted&limit=5", "/v3/{p}/vaults?limit=5"]
            .into_iter()
            .enumerate()
    {
        let mine = path.replace("{p}", P);
        assert_eq!(kept(&mine), None, "{path}: not read yet");
        let body = Reads { t: &t, nonce: Cell::new(0) }.read(OWNER, path);
        assert_eq!(kept(&mine).as_deref(), Some(body.as_str()), "{path}: kept as sent");
        assert!(held(&t, OWNER, path));
        assert_eq!(kept(&path.replace("{p}", SOUTH)), None, "{path}: another project's question");
        // Renaming the backup changes the backups table, which both lists read.
        let b = ids(&ok(&t, OWNER, "GET", "/v3/{p}/backups", None), "backups")[0].clone();
        ok(&t, OWNER, "PUT", &format!("/v3/{{p}}/backups/{b}"), Some(json!({"backup": {"name": format!("n{i}")}})));
        assert_eq!(kept(&mine), None, "{path}: stale after a rename");
    }
    let off = twin_off_reads();
    assert_eq!(off, None, "kept_pages off keeps nothing");
}

/// A twin with `kept_pages` off, read once: what its cache holds for the read.
fn twin_off_reads() -> Option<String> {
    let t = twin(false);
    ok(&t, OWNER, "GET", "/v3/{p}/vaults", None);
    let twin = &t.running.app.twin;
    let world = &twin.state.lock().world;
    let ask = pages::ask("ListVault", P, &Query(vec![]), pages::vault_stamps(&world.huawei, P));
    world.pages.lookup(&ask, twin.clock.now_ms(), |b| String::from_utf8(b.to_vec()).unwrap())
}

/// A kept read still counts as a read that has seen the work in flight (realistic timing): the
/// lookup is in the handler, and the observation follows it. A migration runs beside the
/// vault page and touches none of its tables, so the second read below is the kept page.
#[test]
fn a_kept_read_sees_the_work_in_flight() {
    let t = twin(true);
    new_vault(&t, OWNER, "server", "backup", json!([]));
    ok(&t, OWNER, "GET", "/v3/{p}/vaults", None);
    ok(&t, OWNER, "POST", "/v3/migrates", Some(json!({"all_regions": false, "reservation": 0.2})));
    let reads = || {
        let jobs = t.control("GET", "/_cloudtwin/jobs", None).json();
        let job = jobs["jobs"].as_array().unwrap().iter().find(|j| j["work"]["kind"] == "migrate_done").cloned();
        job.unwrap_or_else(|| panic!("a migration in flight: {jobs}"))["gate"]["reads"].as_i64().unwrap()
    };
    assert_eq!(reads(), 0);
    let held = {
        let world = &t.running.app.twin.state.lock().world;
        let ask = pages::ask("ListVault", P, &Query(vec![]), pages::vault_stamps(&world.huawei, P));
        world.pages.lookup(&ask, 0, |_| ()).is_some()
    };
    assert!(held, "the vault page is kept across the migration's start");
    ok(&t, OWNER, "GET", "/v3/{p}/vaults", None);
    assert_eq!(reads(), 1, "the kept read saw the migration");
    t.advance(1.0);
    let status = ok(&t, OWNER, "GET", "/v3/migrates", None);
    assert_eq!(status["status"], "success", "{status}");
}

/// A kept page goes out as the cache's own bytes (`Answer::lead`): on the wire it is the
/// rendered answer, byte for byte, with a `Content-Length` that counts it, no chunked framing,
/// and the headers of a rendered answer (each its own request id).
#[test]
fn a_kept_page_is_sent_as_the_rendered_answer() {
    let t = twin(true);
    new_vault(&t, OWNER, "server", "backup", json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    let answers: Vec<_> = (0..3).map(|_| call(&t, OWNER, "GET", "/v3/{p}/vaults", None)).collect();
    let plain = twin(false);
    new_vault(&plain, OWNER, "server", "backup", json!([{"id": WEB, "type": "OS::Nova::Server"}]));
    let rendered = call(&plain, OWNER, "GET", "/v3/{p}/vaults", None);
    let head = |r: &common::Reply| {
        let mut names: Vec<String> = r.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
        names.retain(|n| n != "date");
        names.sort();
        (r.status, names, r.header("content-type").map(str::to_string))
    };
    for reply in &answers {
        assert_eq!(reply.body, rendered.body, "a kept answer differs from the rendered one");
        assert_eq!(reply.header("content-length"), Some(reply.body.len().to_string().as_str()));
        assert_eq!(reply.header("transfer-encoding"), None);
        assert_eq!(head(reply), head(&rendered));
    }
    assert_eq!(answers[0].header("content-type"), Some("application/json;charset=utf8"));
    let ids: Vec<_> = answers.iter().map(|r| r.header("x-request-id").unwrap().to_string()).collect();
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "each answer has its own request id: {ids:?}");
}
