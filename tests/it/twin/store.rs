//! The durable store (`serve --store`): a twin killed with SIGKILL in the middle of concurrent
//! writes on every surface restarts with every acknowledged write, nothing half-done, its jobs
//! going on and its ids not colliding; a store of another version, a foreign file and a second
//! twin on the same store are refused with one line; reset, import and restore are kept.
//!
//! The tests of what both engines promise take the store as a string and run on an SQLite file
//! and on a PostgreSQL database (store_pg.rs has the rest of PostgreSQL's).

use std::io::BufReader;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::common;

use cloudtwin_emulator::timing::TimingPolicy;
use serde_json::{json, Value};

const SERVER: &str = "c0a80001-0000-4000-8000-000000000001";

/// Where a test keeps its store: a file in a temporary directory, or a new PostgreSQL database.
pub(super) struct Store {
    pub(super) spec: String,
    _dir: Option<tempfile::TempDir>,
}

pub(super) fn sqlite() -> Store {
    let dir = tempfile::tempdir().unwrap();
    Store { spec: dir.path().join("twin.db").to_str().unwrap().to_string(), _dir: Some(dir) }
}

/// The server tests/run-all.sh starts (scripts/pg-test-server.sh), when there is one.
pub(super) fn pg_server() -> Option<String> {
    let url = std::env::var("CLOUDTWIN_TEST_PG").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: CLOUDTWIN_TEST_PG is not set (tests/run-all.sh starts a PostgreSQL server and sets it)");
    }
    url
}

/// A new, empty database `name` on the test server (made anew: a test's name is its own).
pub(super) fn postgres(name: &str) -> Option<Store> {
    let admin = pg_server()?;
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (server, _) = admin.rsplit_once('/').unwrap();
    Some(Store { spec: format!("{server}/{name}"), _dir: None })
}

/// A served twin on `store`, and a client for it. The client is an in-process twin's helper
/// pointed at the child's address (its helpers only use the address).
pub(super) struct Served {
    pub(super) child: Child,
    pub(super) client: common::Twin,
}

impl Served {
    pub(super) fn start(store: &str, timing: &str) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cloudtwin"))
            .args(["serve", "--listen", "127.0.0.1:0", "--clock", &common::T0.to_string(), "--id-seed", "42"])
            .args(["--timing", timing, "--store", store])
            .env_remove("CLOUDTWIN_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let base = common::ready_url(&mut stdout);
        let mut client = common::twin(TimingPolicy::Immediate);
        client.addr = base.trim_start_matches("http://").parse().unwrap();
        Served { child, client }
    }

    pub(super) fn kill(mut self) {
        // SIGKILL: nothing is flushed or closed on the way out.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Served {
    /// A test that fails half-way leaves no twin running (after `kill` this finds it gone).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A twin started on `store` that refuses to start: its one line.
pub(super) fn refuse(store: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cloudtwin"))
        .args(["serve", "--listen", "127.0.0.1:0", "--store", store])
        .env_remove("CLOUDTWIN_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A twin that starts anyway never exits: bound the wait so the test fails instead of hanging
    // (a PostgreSQL owner is retried for 3 s, a server that does not answer for 10 s).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a twin on {store} started instead of refusing");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

pub(super) fn export(t: &common::Twin) -> Value {
    let r = t.control("GET", "/_cloudtwin/state", None);
    assert_eq!(r.status, 200);
    r.json()
}

pub(super) fn create_disk(t: &common::Twin) -> Option<String> {
    let r = t.call(
        "CreateDisks",
        json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_SSD", "DiskSize": 20}),
    );
    r.json()["Response"]["DiskIdSet"][0].as_str().map(str::to_string)
}

/// A vault; the first one (`base`) protects the seed server (a server is bound to one vault)
/// and grows with its backups (a writer makes them as fast as the store takes them).
pub(super) fn vault(t: &common::Twin, name: &str) -> String {
    let resources = if name == "base" { json!([{"id": SERVER, "type": "OS::Nova::Server"}]) } else { json!([]) };
    let v = t.hw_ok(
        "POST",
        "/v3/{p}/vaults",
        Some(json!({"vault": {"name": name, "resources": resources, "auto_expand": name == "base",
            "billing": {"consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 100}}})),
    );
    v["vault"]["id"].as_str().unwrap().to_string()
}

/// Run `write` in a loop on its own thread until the twin goes; each acknowledged result is
/// kept. A call to a dead twin panics inside the helpers, which ends the thread.
fn writer(
    client: &common::Twin,
    acked: &Arc<Mutex<Vec<String>>>,
    count: &Arc<AtomicUsize>,
    stop: &Arc<AtomicBool>,
    write: impl Fn(&common::Twin, usize) -> Option<String> + Send + 'static,
) -> std::thread::JoinHandle<()> {
    let mut c = common::twin(TimingPolicy::Immediate);
    c.addr = client.addr;
    let (acked, count, stop) = (acked.clone(), count.clone(), stop.clone());
    std::thread::spawn(move || {
        let mut i = 0;
        while !stop.load(Ordering::Relaxed) {
            let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(&c, i)));
            match got {
                Ok(Some(x)) => {
                    acked.lock().unwrap().push(x);
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Ok(None) => {}
                Err(_) => return,
            }
            i += 1;
        }
    })
}

/// The same test on each engine: an SQLite file, and PostgreSQL when a server is given (its
/// own new database `$db`).
macro_rules! on_both_engines {
    ($on_sqlite:ident, $on_postgres:ident, $db:literal, $body:ident) => {
        #[test]
        fn $on_sqlite() {
            $body(&sqlite().spec);
        }

        #[test]
        fn $on_postgres() {
            if let Some(store) = postgres($db) {
                $body(&store.spec);
            }
        }
    };
}

/// Kill the twin under its writers once `count` has reached `after` acknowledged writes (no
/// timing: every writer is well under way), restart it on `store` and check that every write
/// it acknowledged is there; the restarted twin and its export.
fn kill_and_restart(
    twin: Served,
    threads: Vec<std::thread::JoinHandle<()>>,
    (count, after): (&AtomicUsize, usize),
    stop: &AtomicBool,
    acked: &Mutex<Vec<String>>,
    store: &str,
) -> (Served, Value) {
    while count.load(Ordering::Relaxed) < after {
        assert!(threads.iter().all(|t| !t.is_finished()), "a writer stopped before the kill");
        std::thread::yield_now();
    }
    twin.kill();
    for t in threads {
        t.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let acked = acked.lock().unwrap().clone();
    let again = Served::start(store, "immediate");
    let doc = export(&again.client);
    let text = doc.to_string();
    for x in &acked {
        assert!(text.contains(x.as_str()), "acknowledged {x} is gone after the restart");
    }
    (again, doc)
}

on_both_engines!(
    a_killed_twin_restarts_with_every_acknowledged_write_on_every_surface,
    on_postgres_a_killed_twin_restarts_with_every_acknowledged_write_on_every_surface,
    "ct_kill",
    every_acknowledged_write_survives_a_kill
);

fn every_acknowledged_write_survives_a_kill(store: &str) {
    let twin = Served::start(store, "immediate");
    let vault_id = vault(&twin.client, "base");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads = vec![
        writer(&twin.client, &acked, &count, &stop, |c, _| create_disk(c)),
        writer(&twin.client, &acked, &count, &stop, move |c, _| {
            let r = c.hw_ok("POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": vault_id}})));
            r["checkpoint"]["id"].as_str().map(str::to_string)
        }),
        writer(&twin.client, &acked, &count, &stop, |c, i| Some(vault(c, &format!("v{i}")))),
        writer(&twin.client, &acked, &count, &stop, |c, i| {
            let v = c.ucs_ok("CreateSnapshot", &[("Name", &format!("s{i}")), ("DiskID", "disk-ucsdata2")]);
            v["SnapshotID"].as_str().map(str::to_string)
        }),
        writer(&twin.client, &acked, &count, &stop, |c, i| {
            let name = format!("gw-{i}");
            c.gw_ok(
                "/v1/tencent/disk/create",
                json!({"Region": "ap-guangzhou", "Placement": {"Zone": "ap-guangzhou-3"}, "DiskSize": 20, "DiskName": name,
                       "DiskCount": 1, "DiskType": "CLOUD_PREMIUM", "TenantUuid": common::GW_TENANT, "ClusterUuid": common::GW_CLUSTER}),
            );
            Some(format!("\"{name}\""))
        }),
    ];
    let (again, doc) = kill_and_restart(twin, threads, (&count, 150), &stop, &acked, store);
    let text = doc.to_string();
    // Nothing half-done: the document a restart rebuilt passes an import's every check, and
    // every Tencent disk has its zone's quota and its log (a disk without either was half-made).
    let r = again.client.control("POST", "/_cloudtwin/state", Some(doc.clone()));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // The id sequence goes on: a new disk's id is none of those seen before.
    let fresh = create_disk(&again.client).unwrap();
    assert!(!text.contains(&fresh), "{fresh} collides with an id made before the kill");
    again.kill();
}

on_both_engines!(
    many_concurrent_writers_killed_mid_group_commit_keep_every_acknowledged_write,
    on_postgres_many_concurrent_writers_killed_mid_group_commit_keep_every_acknowledged_write,
    "ct_group",
    many_writers_killed_keep_every_acknowledged_write
);

fn many_writers_killed_keep_every_acknowledged_write(store: &str) {
    // 32 writers at once: their batches are made durable in groups (store/writer.rs), and an
    // answer must never run ahead of its group's transaction.
    let twin = Served::start(store, "immediate");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..32).map(|_| writer(&twin.client, &acked, &count, &stop, |c, _| create_disk(c))).collect();
    let (again, _) = kill_and_restart(twin, threads, (&count, 400), &stop, &acked, store);
    again.kill();
}

on_both_engines!(
    fault_rules_and_their_counts_survive_a_kill,
    on_postgres_fault_rules_and_their_counts_survive_a_kill,
    "ct_faults",
    fault_rules_survive_a_kill
);

fn fault_rules_survive_a_kill(store: &str) {
    let twin = Served::start(store, "immediate");
    let rule = json!({"surface": "tencent-cbs", "operation": "CreateDisks", "effect": {"error": "RequestLimitExceeded"}, "times": 3});
    assert_eq!(twin.client.control("POST", "/_cloudtwin/faults", Some(rule)).status, 200);
    assert!(create_disk(&twin.client).is_none(), "the rule fired");
    twin.kill();
    let again = Served::start(store, "immediate");
    let rules = again.client.control("GET", "/_cloudtwin/faults", None).json()["rules"].clone();
    assert_eq!(rules.as_array().map(Vec::len), Some(1), "{rules}");
    assert_eq!((rules[0]["hits"].as_u64(), rules[0]["spent"].as_bool()), (Some(1), Some(false)), "{rules}");
    // Two more hits spend it, as before the kill.
    assert!(create_disk(&again.client).is_none() && create_disk(&again.client).is_none());
    assert!(create_disk(&again.client).is_some(), "spent after three");
    again.kill();
}

on_both_engines!(
    a_job_in_flight_finishes_after_a_restart_and_ids_go_on,
    on_postgres_a_job_in_flight_finishes_after_a_restart_and_ids_go_on,
    "ct_job",
    a_job_in_flight_goes_on
);

fn a_job_in_flight_goes_on(store: &str) {
    let twin = Served::start(store, "realistic");
    let id = create_disk(&twin.client).unwrap();
    twin.client.advance(1.0);
    assert!(!export(&twin.client)["world"]["jobs"].as_array().unwrap().is_empty(), "the creation is in flight");
    twin.kill();
    let again = Served::start(store, "realistic");
    assert_eq!(again.client.now(), common::T0 + 1, "the manual clock is where it was");
    assert!(!export(&again.client)["world"]["jobs"].as_array().unwrap().is_empty(), "still in flight");
    again.client.settle();
    assert_eq!(again.client.disk(&id).unwrap()["DiskState"], "UNATTACHED");
    let next = create_disk(&again.client).unwrap();
    assert_ne!(next, id);
    again.kill();
}

#[test]
fn a_second_twin_a_foreign_file_and_another_version_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("twin.db");
    let twin = Served::start(store.to_str().unwrap(), "immediate");
    let err = refuse(store.to_str().unwrap());
    assert!(err.contains("another cloudtwin process"), "{err}");
    twin.kill();

    let foreign = dir.path().join("notes.txt");
    std::fs::write(&foreign, "not a database at all, but long enough to look like a header....").unwrap();
    let err = refuse(foreign.to_str().unwrap());
    assert!(err.contains("not a cloudtwin store"), "{err}");
    assert_eq!(std::fs::read_to_string(&foreign).unwrap().len(), 64, "the file is left as it was");

    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other).unwrap().execute_batch("CREATE TABLE t(x)").unwrap();
    assert!(refuse(other.to_str().unwrap()).contains("not a cloudtwin store"));

    let conn = rusqlite::Connection::open(&store).unwrap();
    conn.execute("UPDATE meta SET value = '99' WHERE name = 'version'", []).unwrap();
    drop(conn);
    let err = refuse(store.to_str().unwrap());
    assert!(err.contains("version 99") && err.contains("--import"), "{err}");
}

on_both_engines!(
    reset_import_and_restore_are_kept_by_the_store,
    on_postgres_reset_import_and_restore_are_kept_by_the_store,
    "ct_reset",
    reset_import_and_restore_are_kept
);

fn reset_import_and_restore_are_kept(store: &str) {
    let twin = Served::start(store, "immediate");
    let t = &twin.client;
    let first = create_disk(t).unwrap();
    let saved = export(t);
    let r = t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "one"})));
    assert_eq!(r.status, 200);
    let second = create_disk(t).unwrap();
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots/one/restore", None).status, 200);
    twin.kill();

    let twin = Served::start(store, "immediate");
    let t = &twin.client;
    assert!(t.disk(&first).is_some() && t.disk(&second).is_none(), "the restore was kept");
    assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    twin.kill();

    let twin = Served::start(store, "immediate");
    let t = &twin.client;
    assert!(t.disk(&first).is_none(), "the reset was kept");
    assert_eq!(t.control("POST", "/_cloudtwin/state", Some(saved.clone())).status, 200);
    let third = create_disk(t).unwrap();
    twin.kill();

    let twin = Served::start(store, "immediate");
    let t = &twin.client;
    assert!(t.disk(&first).is_some() && t.disk(&third).is_some(), "the import and what followed were kept");
    twin.kill();
}

on_both_engines!(
    named_snapshots_are_kept_by_the_store,
    on_postgres_named_snapshots_are_kept_by_the_store,
    "ct_snapshots",
    named_snapshots_are_kept
);

fn named_snapshots_are_kept(store: &str) {
    let twin = Served::start(store, "immediate");
    let t = &twin.client;
    let first = create_disk(t).unwrap();
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "before-suite"}))).status, 200);
    let second = create_disk(t).unwrap();
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots", Some(json!({"name": "gone"}))).status, 200);
    assert_eq!(t.control("DELETE", "/_cloudtwin/snapshots/gone", None).status, 200);
    // A reset writes the world anew (a new base): the snapshots are not the world's and stay.
    assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 200);
    twin.kill();

    let twin = Served::start(store, "immediate");
    let t = &twin.client;
    let listed = t.control("GET", "/_cloudtwin/snapshots", None).json()["snapshots"].clone();
    let names: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["before-suite"], "{listed}");
    assert!(t.disk(&first).is_none(), "the reset was kept");
    assert_eq!(t.control("POST", "/_cloudtwin/snapshots/before-suite/restore", None).status, 200);
    assert!(t.disk(&first).is_some() && t.disk(&second).is_none(), "the snapshot holds the world it saved");
    // Its id generator came back too, where the save left it: the next disk gets the id the
    // disk made after the save got (as a restore in memory does; the world no longer has it).
    assert_eq!(create_disk(t).unwrap(), second);
    twin.kill();
}

#[test]
fn a_store_let_go_by_an_embedded_twin_is_free_for_the_next_one() {
    // A twin embedded in a process that goes on (a test, a bench) releases its file once the
    // store is dropped: the writer thread ends and the connection with its lock closes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twin.db");
    let t = common::twin(TimingPolicy::Immediate);
    let twin = &t.running.app.twin;
    let store = path.to_str().unwrap();
    let handle = cloudtwin_emulator::store::attach(twin, store, cloudtwin_emulator::store::Sync::Normal).unwrap();
    let kept = create_disk(&t).unwrap();
    twin.state.lock().durable = None;
    drop(handle);
    let again = Served::start(store, "immediate");
    assert!(again.client.disk(&kept).is_some(), "the write made before the store was let go is there");
    again.kill();
}

#[test]
fn a_commit_that_fails_answers_an_internal_error_and_the_twin_turns_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let t = common::twin(TimingPolicy::Immediate);
    let twin = &t.running.app.twin;
    let store = cloudtwin_emulator::store::attach(
        twin,
        dir.path().join("twin.db").to_str().unwrap(),
        cloudtwin_emulator::store::Sync::Normal,
    )
    .unwrap();
    let kept = create_disk(&t).unwrap();
    // A full disk: the file may not grow any more.
    store.lock().cap_growth(0).unwrap();
    let mut failed = None;
    for _ in 0..500 {
        let r = t.call(
            "CreateDisks",
            json!({"Placement": {"Zone": "ap-guangzhou-3"}, "DiskChargeType": "POSTPAID_BY_HOUR", "DiskType": "CLOUD_SSD", "DiskSize": 20, "DiskCount": 50, "DiskName": "x".repeat(60)}),
        );
        if let Some(code) = r.tc_code() {
            failed = Some(code);
            break;
        }
    }
    assert_eq!(failed.as_deref(), Some("InternalError"), "the file filled up and the write was refused");
    let health = t.control("GET", "/_cloudtwin/health", None).json();
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(health["reason"].as_str().unwrap().contains("full"), "{health}");
    // Reads are served; writes on every surface and the control plane are refused.
    assert!(t.disk(&kept).is_some());
    assert_eq!(t.err("ModifyDiskAttributes", json!({"DiskIds": [kept], "DiskName": "n"})), "InternalError");
    assert_eq!(
        t.hw_err("POST", "/v3/{p}/vaults", Some(json!({"vault": {"name": "v"}}))),
        (500, "BackupService.1001".into())
    );
    let v = t.ucs("CreateSnapshot", &[("Name", "s"), ("DiskID", "disk-ucsdata2")]);
    assert_eq!(v["RetCode"], 100, "{v}");
    assert_eq!(t.control("POST", "/_cloudtwin/reset", None).status, 503);
}
