//! Huawei CBR file-backup agents (4.2) and the account-level project calls (4.5) over raw HTTP:
//! every operation's answer, each documented validation and state error with the state
//! unchanged, account-level authentication, and tenant migration on the virtual clock.

use crate::common;

use cloudtwin_emulator::huawei::settings::{DEFAULT_AK, DEFAULT_SK, PEER_AK, PEER_SK};
use cloudtwin_emulator::huawei::sign::{self, Algorithm, Outgoing};
use cloudtwin_emulator::timing::TimingPolicy;
use common::hw::*;
use common::{raw, Reply};
use serde_json::{json, Value};

const AGENT: &str = "489654f2-363b-4ebf-966a-bdf079d97114";
const AGENT2: &str = "fb711278-e872-4224-b442-8dafc36a543d";
const EAST: &str = "2123456789abcdef0123456789abcdef";
const HK: &str = "3123456789abcdef0123456789abcdef";
const PEER_SOUTH: &str = "b123456789abcdef0123456789abcdef";

fn register_body(id: &str) -> Value {
    json!({"agent": {"agent_id": id, "host_name": "ecs-00002", "host_ip": "10.10.0.2", "host_os": "linux",
        "agent_version": "1.0.0", "agent_type": "native"}})
}

fn register(t: &common::Twin, id: &str) -> Value {
    t.hw_ok("POST", "/v3/{p}/agents", Some(register_body(id)))["agent"].clone()
}

fn agent(t: &common::Twin, id: &str) -> Value {
    t.hw_ok("GET", &format!("/v3/{{p}}/agents/{id}"), None)["agent"].clone()
}

/// A request signed with `ak`/`sk` carrying `extra` headers (X-Project-Id, X-Domain-Id, ...).
fn signed(
    t: &common::Twin,
    keys: (&str, &str),
    method: &str,
    path_q: &str,
    body: Option<&Value>,
    extra: &[(&str, &str)],
) -> Reply {
    let (path, query) = path_q.split_once('?').unwrap_or((path_q, ""));
    let payload = body.map(|b| serde_json::to_vec(b).unwrap()).unwrap_or_default();
    let host = t.host();
    let mut headers = vec![("Host", host.as_str()), ("Content-Type", "application/json")];
    headers.extend_from_slice(extra);
    let date = sign::format_sdk_date(t.now());
    let out = Outgoing { method, raw_path: path, raw_query: query, headers: &headers, body: &payload, sdk_date: &date };
    let s = sign::sign(Algorithm::HmacSha256, keys.0, keys.1, &out);
    let mut h: Vec<(&str, &str)> = s.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    h.push(("Authorization", &s.authorization));
    raw(t.addr, method, path_q, &h, &payload)
}

/// An account-level call with the default keys, as the SDK sends it (X-Project-Id = `project`).
fn acct(t: &common::Twin, method: &str, path_q: &str, body: Option<Value>, project: Option<&str>) -> Reply {
    let extra: Vec<(&str, &str)> = project.map(|p| ("X-Project-Id", p)).into_iter().collect();
    signed(t, (DEFAULT_AK, DEFAULT_SK), method, path_q, body.as_ref(), &extra)
}

fn acct_ok(t: &common::Twin, method: &str, path_q: &str, body: Option<Value>) -> Value {
    let r = acct(t, method, path_q, body, Some(P));
    assert_eq!(r.status, 200, "{method} {path_q}: {}", String::from_utf8_lossy(&r.body));
    r.json()
}

fn acct_err(t: &common::Twin, method: &str, path_q: &str, body: Option<Value>) -> (u16, String) {
    let r = acct(t, method, path_q, body, Some(P));
    assert!(r.status >= 400, "{method} {path_q} succeeded: {}", String::from_utf8_lossy(&r.body));
    (r.status, r.json()["error_code"].as_str().unwrap_or("").to_string())
}

fn jobs(t: &common::Twin) -> Value {
    t.control("GET", "/_cloudtwin/jobs", None).json()
}

// ------------------------------------------------------------------------------------ agents

#[test]
fn register_show_list_and_uninstall_follow_the_doc() {
    let t = common::twin(TimingPolicy::Immediate);
    let r = t.hw("POST", "/v3/{p}/agents", Some(register_body(AGENT)));
    assert_eq!(r.status, 200);
    let a = &r.json()["agent"];
    assert_eq!((a["agent_id"].as_str(), a["status"].as_str()), (Some(AGENT), Some("normal")));
    assert_eq!(
        (a["host_name"].as_str(), a["host_ip"].as_str(), a["host_os"].as_str()),
        (Some("ecs-00002"), Some("10.10.0.2"), Some("linux"))
    );
    assert_eq!((a["agent_version"].as_str(), a["agent_type"].as_str()), (Some("1.0.0"), Some("native")));
    assert_eq!(a["host_nickname"], "", "an unsent nickname reads \"\", as in the doc's example");
    assert_eq!(a["paths"], json!([]));
    for k in ["created_at", "updated_at", "last_active_time"] {
        assert!(a[k].as_str().unwrap().ends_with("+00:00"), "{k}");
    }
    assert_eq!(&agent(&t, AGENT), a);

    // Optional fields left out; an IPv6 host.
    let minimal = json!({"agent": {"agent_id": AGENT2, "host_name": "h2", "host_ip": "fe80::1", "host_os": "windows"}});
    let b = t.hw_ok("POST", "/v3/{p}/agents", Some(minimal))["agent"].clone();
    assert_eq!((b["agent_version"].as_str(), b["agent_type"].is_null()), (Some(""), true));

    // Lists: newest first, count is the total, the example's limit 1000 by default.
    let list = t.hw_ok("GET", "/v3/{p}/agents", None);
    assert_eq!(
        (list["count"].as_i64(), list["limit"].as_i64(), list["offset"].as_i64()),
        (Some(2), Some(1000), Some(0))
    );
    let ids: Vec<&str> = list["agents"].as_array().unwrap().iter().map(|a| a["agent_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [AGENT2, AGENT]);
    let page = t.hw_ok("GET", "/v3/{p}/agents?limit=1&offset=1", None);
    assert_eq!((page["count"].as_i64(), page["agents"][0]["agent_id"].as_str()), (Some(2), Some(AGENT)));
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/agents?agent_id={AGENT}"), None)["count"], 1);
    // The SDK sends agent_id as a comma-separated list.
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/agents?agent_id={AGENT}%2C{AGENT2}"), None)["count"], 2);
    assert_eq!(t.hw_ok("GET", "/v3/{p}/agents?status=normal", None)["count"], 2);
    assert_eq!(t.hw_ok("GET", "/v3/{p}/agents?status=abnormal", None)["count"], 0);

    // UpdateAgent: uninstall, the only status a caller sets.
    t.advance(60.0);
    let u = t.hw_ok("PUT", &format!("/v3/{{p}}/agents/{AGENT}"), Some(json!({"agent": {"status": "uninstall"}})));
    assert_eq!(u["agent"]["status"], "uninstall");
    assert_ne!(u["agent"]["updated_at"], a["updated_at"]);
    assert_eq!(u["agent"]["created_at"], a["created_at"]);
    let uninstalled = t.hw_ok("GET", "/v3/{p}/agents?status=uninstall", None);
    assert_eq!((uninstalled["count"].as_i64(), uninstalled["agents"][0]["agent_id"].as_str()), (Some(1), Some(AGENT)));

    // Agents belong to their project.
    let south = t.hw_signed(
        Algorithm::HmacSha256,
        DEFAULT_AK,
        DEFAULT_SK,
        "GET",
        &format!("/v3/{SOUTH}/agents"),
        None,
        Some(SOUTH),
    );
    assert_eq!(south.json()["count"], 0);
    let peer = t.hw_signed(
        Algorithm::HmacSha256,
        PEER_AK,
        PEER_SK,
        "GET",
        &format!("/v3/{PEER}/agents/{AGENT}"),
        None,
        Some(PEER),
    );
    assert_eq!((peer.status, peer.json()["error_code"].as_str()), (404, Some("BackupService.7410")));
}

#[test]
fn an_uninstalled_agent_registers_again_and_a_live_one_cannot() {
    let t = common::twin(TimingPolicy::Immediate);
    register(&t, AGENT);
    t.hw_ok("POST", &format!("/v3/{{p}}/agents/{AGENT}/add-path"), Some(json!({"add_path": ["/opt/backup"]})));
    let before = t.hw_state();
    assert_eq!(t.hw_err("POST", "/v3/{p}/agents", Some(register_body(AGENT))), (400, "BackupService.7403".into()));
    assert_eq!(before, t.hw_state());

    t.hw_ok("PUT", &format!("/v3/{{p}}/agents/{AGENT}"), Some(json!({"agent": {"status": "uninstall"}})));
    let created = agent(&t, AGENT)["created_at"].clone();
    t.advance(30.0);
    let mut upgraded = register_body(AGENT);
    upgraded["agent"]["agent_version"] = json!("1.1.0");
    let a = t.hw_ok("POST", "/v3/{p}/agents", Some(upgraded))["agent"].clone();
    assert_eq!((a["status"].as_str(), a["agent_version"].as_str()), (Some("normal"), Some("1.1.0")));
    assert_eq!(a["created_at"], created, "the same agent, back after an upgrade");
    assert_eq!(a["paths"][0]["dir_path"], "/opt/backup", "its paths are kept");
    assert_eq!(t.hw_ok("GET", "/v3/{p}/agents", None)["count"], 1);
}

#[test]
fn agent_validation_errors_leave_state_unchanged() {
    let t = common::twin(TimingPolicy::Immediate);
    register(&t, AGENT);
    let before = t.hw_state();
    let with = |k: &str, v: Value| {
        let mut b = register_body(AGENT2);
        b["agent"][k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = register_body(AGENT2);
        b["agent"].as_object_mut().unwrap().remove(k);
        b
    };
    let bad_registrations = [
        (json!({}), "BackupService.9900"),
        (json!({"agent": "x"}), "BackupService.9900"),
        (json!({"agent": {"agent_id": AGENT2}, "extra": 1}), "BackupService.9900"),
        (without("agent_id"), "BackupService.9900"),
        (without("host_name"), "BackupService.9900"),
        (without("host_ip"), "BackupService.9900"),
        (without("host_os"), "BackupService.9900"),
        (with("host_name", json!("")), "BackupService.9900"),
        (with("host_name", json!("h".repeat(256))), "BackupService.9900"),
        (with("host_ip", json!("10.0.0.300")), "BackupService.9900"),
        (with("host_ip", json!(10)), "BackupService.9900"),
        (with("agent_type", json!("onprem")), "BackupService.9900"),
        (with("unknown", json!(1)), "BackupService.9900"),
        (with("agent_id", json!("agent-1")), "BackupService.7403"),
        (with("agent_id", json!("489654f2363b4ebf966abdf079d97114")), "BackupService.7403"),
    ];
    for (body, code) in bad_registrations {
        assert_eq!(t.hw_err("POST", "/v3/{p}/agents", Some(body.clone())), (400, code.into()), "{body}");
    }
    let path = format!("/v3/{{p}}/agents/{AGENT}");
    for body in [
        json!({}),
        json!({"agent": {}}),
        json!({"agent": {"status": "normal"}}),
        json!({"agent": {"status": "abnormal"}}),
        json!({"agent": {"status": "uninstall", "host_name": "x"}}),
    ] {
        assert_eq!(t.hw_err("PUT", &path, Some(body.clone())), (400, "BackupService.9900".into()), "{body}");
    }
    for q in ["limit=0", "limit=1001", "limit=abc", "offset=-1", "status=gone"] {
        assert_eq!(t.hw_err("GET", &format!("/v3/{{p}}/agents?{q}"), None), (400, "BackupService.9900".into()), "{q}");
    }
    // Unknown agents: 404 7410 everywhere.
    let missing = format!("/v3/{{p}}/agents/{AGENT2}");
    let not_found = (404, "BackupService.7410".to_string());
    assert_eq!(t.hw_err("GET", &missing, None), not_found);
    assert_eq!(t.hw_err("PUT", &missing, Some(json!({"agent": {"status": "uninstall"}}))), not_found);
    assert_eq!(t.hw_err("DELETE", &missing, None), not_found);
    assert_eq!(t.hw_err("POST", &format!("{missing}/add-path"), Some(json!({"add_path": ["/a"]}))), not_found);
    assert_eq!(t.hw_err("POST", &format!("{missing}/remove-path"), Some(json!({"remove_path": ["/a"]}))), not_found);
    assert_eq!(before, t.hw_state());
}

#[test]
fn paths_are_added_with_exclusions_and_removed() {
    let t = common::twin(TimingPolicy::Immediate);
    register(&t, AGENT);
    let add = format!("/v3/{{p}}/agents/{AGENT}/add-path");
    let remove = format!("/v3/{{p}}/agents/{AGENT}/remove-path");
    // The doc's request example.
    let r = t.hw_ok("POST", &add, Some(json!({
        "add_path": ["/home/hcp", "/opt/workspace/"],
        "exclude_path": [{"path_name": "/home/hcp", "exclude_path_name": ["/home/hcp/1", "/home/hcp/2"]},
                         {"path_name": "/opt/workspace/", "exclude_path_name": ["/opt/workspace/1", "/opt/workspace/2"]}]})));
    assert_eq!(r, json!({"added": ["/home/hcp", "/opt/workspace/"], "existed": []}));
    let a = agent(&t, AGENT);
    let paths = a["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 2);
    assert_eq!((paths[0]["dir_path"].as_str(), paths[0]["status"].as_str()), (Some("/home/hcp"), Some("available")));
    assert_eq!(paths[0]["exclude_paths"], "/home/hcp/1,/home/hcp/2");
    assert_eq!(paths[0]["agent_id"], AGENT);
    assert!(paths[0]["id"].as_str().unwrap().len() == 36 && paths[0]["id"] != paths[1]["id"]);

    // Existing paths are reported, not duplicated; exclusions of an existing path are replaced;
    // a path named twice in one request is added once.
    let r = t.hw_ok(
        "POST",
        &add,
        Some(json!({"add_path": ["/home/hcp", "/var/log", "/var/log"],
        "exclude_path": [{"path_name": "/home/hcp", "exclude_path_name": ["*.txt"]}]})),
    );
    assert_eq!(r, json!({"added": ["/var/log"], "existed": ["/home/hcp", "/var/log"]}));
    let a = agent(&t, AGENT);
    assert_eq!(a["paths"].as_array().unwrap().len(), 3);
    assert_eq!(a["paths"][0]["exclude_paths"], "*.txt");
    assert_eq!(a["paths"][2]["exclude_paths"], "");

    // The doc's removal example: one removed, one that never existed.
    let r = t.hw_ok("POST", &remove, Some(json!({"remove_path": ["/var/log", "/home"]})));
    assert_eq!(r, json!({"removed": ["/var/log"], "not_existed": ["/home"]}));
    let a = agent(&t, AGENT);
    assert_eq!(
        (a["paths"][2]["dir_path"].as_str(), a["paths"][2]["status"].as_str()),
        (Some("/var/log"), Some("remove"))
    );
    assert_eq!(
        t.hw_ok("POST", &remove, Some(json!({"remove_path": ["/var/log"]}))),
        json!({"removed": [], "not_existed": ["/var/log"]})
    );
    // Added again, the removed path is available again (same path record).
    let id = a["paths"][2]["id"].clone();
    assert_eq!(
        t.hw_ok("POST", &add, Some(json!({"add_path": ["/var/log"]}))),
        json!({"added": ["/var/log"], "existed": []})
    );
    let a = agent(&t, AGENT);
    assert_eq!((a["paths"][2]["status"].as_str(), &a["paths"][2]["id"]), (Some("available"), &id));
}

#[test]
fn path_errors_leave_state_unchanged() {
    let t = common::twin(TimingPolicy::Immediate);
    register(&t, AGENT);
    let add = format!("/v3/{{p}}/agents/{AGENT}/add-path");
    let remove = format!("/v3/{{p}}/agents/{AGENT}/remove-path");
    t.hw_ok("POST", &add, Some(json!({"add_path": ["/data"]})));
    let before = t.hw_state();
    let invalid = [
        json!({}),
        json!({"add_path": []}),
        json!({"add_path": "/a"}),
        json!({"add_path": [1]}),
        json!({"add_path": [" "]}),
        json!({"add_path": ["/a"], "other": 1}),
        json!({"add_path": ["/a"], "exclude_path": [{"exclude_path_name": ["/a/b"]}]}),
        json!({"add_path": ["/a"], "exclude_path": [{"path_name": "/a", "exclude_path_name": ["/a/b,c"]}]}),
        json!({"add_path": ["/a"], "exclude_path": [{"path_name": "/a", "exclude_path_name": [""]}]}),
        json!({"add_path": ["/a"], "exclude_path": [{"path_name": "/a", "bogus": 1}]}),
    ];
    for body in invalid {
        assert_eq!(t.hw_err("POST", &add, Some(body.clone())), (400, "BackupService.9900".into()), "{body}");
    }
    // Exclusions for a path the agent does not back up.
    let body = json!({"add_path": ["/a"], "exclude_path": [{"path_name": "/elsewhere", "exclude_path_name": ["/x"]}]});
    assert_eq!(t.hw_err("POST", &add, Some(body)), (400, "BackupService.7406".into()));
    // More paths than an agent takes (100 available paths).
    let many: Vec<String> = (0..100).map(|i| format!("/p{i}")).collect();
    assert_eq!(t.hw_err("POST", &add, Some(json!({"add_path": many}))), (400, "BackupService.7407".into()));
    for body in
        [json!({}), json!({"remove_path": []}), json!({"remove_path": ["/a"], "x": 1}), json!({"remove_path": [""]})]
    {
        assert_eq!(t.hw_err("POST", &remove, Some(body.clone())), (400, "BackupService.9900".into()), "{body}");
    }
    assert_eq!(before, t.hw_state());

    // 99 more fit: 100 in all. Removed paths do not count.
    let many: Vec<String> = (0..99).map(|i| format!("/p{i}")).collect();
    assert_eq!(t.hw_ok("POST", &add, Some(json!({"add_path": many})))["added"].as_array().unwrap().len(), 99);
    t.hw_ok("POST", &remove, Some(json!({"remove_path": ["/p0"]})));
    t.hw_ok("POST", &add, Some(json!({"add_path": ["/p100"]})));

    // Only a normal agent takes new paths; paths can still be removed from an uninstalled one.
    t.hw_ok("PUT", &format!("/v3/{{p}}/agents/{AGENT}"), Some(json!({"agent": {"status": "uninstall"}})));
    let before = t.hw_state();
    assert_eq!(t.hw_err("POST", &add, Some(json!({"add_path": ["/b"]}))), (400, "BackupService.7405".into()));
    assert_eq!(before, t.hw_state());
    assert_eq!(t.hw_ok("POST", &remove, Some(json!({"remove_path": ["/data"]})))["removed"], json!(["/data"]));
}

fn hybrid_vault(t: &common::Twin, name: &str, locked: bool) -> String {
    let body = json!({"vault": {"name": name, "resources": [], "locked": locked,
        "billing": {"cloud_type": "hybrid", "consistent_level": "crash_consistent", "object_type": "server", "protect_type": "backup", "size": 100}}});
    t.hw_ok("POST", "/v3/{p}/vaults", Some(body))["vault"]["id"].as_str().unwrap().to_string()
}

fn import_agent_backup(t: &common::Twin, backup_id: &str, agent: &str) {
    let body = json!({"sync": [{"backup_id": backup_id, "backup_name": "file_backup", "bucket_name": "bucket",
        "image_path": "/img", "resource_id": agent, "resource_name": "ecs-00002", "resource_type": "OS::Native::Server",
        "created_at": 1_795_000_000}]});
    t.hw_ok("POST", "/v3/{p}/backups/sync", Some(body));
}

#[test]
fn unregistering_removes_the_agent_and_its_backups() {
    let t = common::twin(TimingPolicy::Immediate);
    register(&t, AGENT);
    register(&t, AGENT2);
    hybrid_vault(&t, "files", false);
    let (mine, other) = ("0b000000-0000-4000-8000-000000000001", "0b000000-0000-4000-8000-000000000002");
    import_agent_backup(&t, mine, AGENT);
    import_agent_backup(&t, other, AGENT2);
    let r = t.hw("DELETE", &format!("/v3/{{p}}/agents/{AGENT}"), None);
    assert_eq!((r.status, r.body.len()), (200, 0), "200 without a body, unlike every other DELETE");
    assert_eq!(t.hw_err("GET", &format!("/v3/{{p}}/agents/{AGENT}"), None), (404, "BackupService.7410".into()));
    assert_eq!(t.hw_err("GET", &format!("/v3/{{p}}/backups/{mine}"), None), (404, "BackupService.6200".into()));
    assert_eq!(t.hw_ok("GET", &format!("/v3/{{p}}/backups/{other}"), None)["backup"]["resource_id"], AGENT2);
    assert_eq!(t.hw_ok("GET", "/v3/{p}/agents", None)["count"], 1);
}

#[test]
fn an_agent_with_backups_in_a_locked_vault_stays() {
    let t = common::twin(TimingPolicy::Immediate);
    register(&t, AGENT);
    hybrid_vault(&t, "worm", true);
    import_agent_backup(&t, "0b000000-0000-4000-8000-000000000003", AGENT);
    let before = t.hw_state();
    assert_eq!(t.hw_err("DELETE", &format!("/v3/{{p}}/agents/{AGENT}"), None), (400, "BackupService.6156".into()));
    assert_eq!(before, t.hw_state());
}

// ---------------------------------------------------------------------------------- projects

#[test]
fn projects_and_domain_of_the_caller() {
    let t = common::twin(TimingPolicy::Immediate);
    let r = acct_ok(&t, "GET", "/v3/region-projects", None);
    let projects = r["projects"].as_array().unwrap();
    let ids: Vec<&str> = projects.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [P, SOUTH, EAST, HK]);
    assert_eq!(
        projects[0],
        json!({"domain_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "is_domain": false, "parent_id": "", "name": "cn-north-4",
            "description": "", "id": P, "enabled": true, "links": {"self": format!("https://iam.myhuaweicloud.com/v3/projects/{P}")}})
    );
    assert_eq!(r["links"]["self"], "https://iam.myhuaweicloud.com/v3/auth/projects");

    let r = acct_ok(&t, "GET", "/v3/domain/cloudtwin/projects", None);
    assert_eq!(r["projects"].as_array().unwrap().len(), 4);
    assert_eq!(r["projects"][1], json!({"project_id": SOUTH, "project_name": "cn-south-1"}));

    let r = acct_ok(&t, "GET", &format!("/v3/domain/{SOUTH}"), None);
    assert_eq!(
        r,
        json!({"project_name": "cn-south-1", "project_id": SOUTH, "domain_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "domain_name": "cloudtwin"})
    );

    // Only the caller's own account: another domain or project, or an unknown one, is a tenant
    // mismatch.
    let mismatch = (401, "BackupService.1015".to_string());
    assert_eq!(acct_err(&t, "GET", "/v3/domain/cloudtwin-peer/projects", None), mismatch);
    assert_eq!(acct_err(&t, "GET", "/v3/domain/CLOUDTWIN/projects", None), mismatch);
    assert_eq!(acct_err(&t, "GET", &format!("/v3/domain/{PEER}"), None), mismatch);
    assert_eq!(acct_err(&t, "GET", "/v3/domain/ffffffffffffffffffffffffffffffff", None), mismatch);
    assert_eq!(
        acct_err(&t, "GET", "/v3/domain/vaults", None),
        mismatch,
        "ShowDomain, not ListVault of project `domain`"
    );

    // The peer sees its own.
    let peer =
        signed(&t, (PEER_AK, PEER_SK), "GET", "/v3/domain/cloudtwin-peer/projects", None, &[("X-Project-Id", PEER)]);
    assert_eq!(
        peer.json()["projects"],
        json!([{"project_id": PEER, "project_name": "cn-north-4"}, {"project_id": PEER_SOUTH, "project_name": "cn-south-1"}])
    );
    let peer = signed(&t, (PEER_AK, PEER_SK), "GET", "/v3/region-projects", None, &[]);
    assert_eq!(peer.json()["projects"].as_array().unwrap().len(), 2);
}

#[test]
fn account_level_calls_authenticate_the_caller() {
    let t = common::twin(TimingPolicy::Immediate);
    // AK/SK without any project header: the account's first project answers.
    let r = acct(&t, "POST", "/v3/migrates", Some(json!({"all_regions": false, "reservation": 0.2})), None);
    assert_eq!((r.status, r.json()), (200, json!({"cn-north-4": "running"})));
    // X-Project-Id picks the region that answers; it must be the caller's.
    let r = acct(&t, "POST", "/v3/migrates", Some(json!({"all_regions": false, "reservation": 0.2})), Some(SOUTH));
    assert_eq!(r.json(), json!({"cn-south-1": "running"}));
    let r = acct(&t, "GET", "/v3/region-projects", None, Some(PEER));
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("BackupService.1015")));
    let r = acct(&t, "GET", "/v3/region-projects", None, Some("region-projects"));
    assert_eq!(r.status, 401);
    // X-Domain-Id (GlobalCredentials) must be the caller's domain.
    let ok = signed(
        &t,
        (DEFAULT_AK, DEFAULT_SK),
        "GET",
        "/v3/region-projects",
        None,
        &[("X-Domain-Id", "c0ffee00c0ffee00c0ffee00c0ffee01")],
    );
    assert_eq!(ok.status, 200);
    let bad = signed(
        &t,
        (DEFAULT_AK, DEFAULT_SK),
        "GET",
        "/v3/region-projects",
        None,
        &[("X-Domain-Id", "c0ffee00c0ffee00c0ffee00c0ffee02")],
    );
    assert_eq!((bad.status, bad.json()["error_code"].as_str()), (401, Some("BackupService.1015")));
    // Bad or missing signatures stop at the gateway.
    let forged = signed(&t, (DEFAULT_AK, "not-the-secret"), "GET", "/v3/region-projects", None, &[]);
    assert_eq!((forged.status, forged.json()["error_code"].as_str()), (401, Some("APIGW.0301")));
    let unsigned = raw(t.addr, "GET", "/v3/migrates", &[], b"");
    assert_eq!((unsigned.status, unsigned.json()["error_code"].as_str()), (401, Some("APIGW.0301")));

    // Tokens: the token's project answers; X-Project-Id may not contradict it.
    let auth = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "cloudtwin-user",
        "password": "cloudtwin-password", "domain": {"name": "cloudtwin"}}}}, "scope": {"project": {"name": "cn-east-3"}}}});
    let r = raw(
        t.addr,
        "POST",
        "/v3/auth/tokens",
        &[("Content-Type", "application/json")],
        &serde_json::to_vec(&auth).unwrap(),
    );
    let token = r.header("x-subject-token").unwrap().to_string();
    let body = serde_json::to_vec(&json!({"all_regions": false, "reservation": 1})).unwrap();
    let h = [("X-Auth-Token", token.as_str()), ("Content-Type", "application/json")];
    let r = raw(t.addr, "POST", "/v3/migrates", &h, &body);
    assert_eq!((r.status, r.json()), (200, json!({"cn-east-3": "running"})));
    let r = raw(t.addr, "GET", "/v3/domain/cloudtwin/projects", &[("X-Auth-Token", &token)], b"");
    assert_eq!(r.json()["projects"].as_array().unwrap().len(), 4, "the account's projects, not only the token's");
    let r = raw(t.addr, "GET", "/v3/region-projects", &[("X-Auth-Token", &token), ("X-Project-Id", P)], b"");
    assert_eq!((r.status, r.json()["error_code"].as_str()), (401, Some("BackupService.1015")));
}

#[test]
fn migration_runs_on_the_clock() {
    let t = common::twin(TimingPolicy::Duration { seconds: 10.0 });
    assert_eq!(acct_err(&t, "GET", "/v3/migrates", None), (404, "BackupService.4001".into()));
    let r = acct_ok(&t, "POST", "/v3/migrates", Some(json!({"all_regions": false, "reservation": 0.2})));
    assert_eq!(r, json!({"cn-north-4": "running"}));
    let s = acct_ok(&t, "GET", "/v3/migrates", None);
    assert_eq!(
        s,
        json!({"status": "migrating", "project_status": [{"status": "migrating", "project_id": P,
        "project_name": "cn-north-4", "region_id": "cn-north-4", "progress": 0}]})
    );
    t.advance(5.0);
    assert_eq!(acct_ok(&t, "GET", "/v3/migrates", None)["project_status"][0]["progress"], 50);
    // Asked again while it runs: the running migration is left alone (no second job).
    let jobs_before = jobs(&t);
    assert_eq!(
        acct_ok(&t, "POST", "/v3/migrates", Some(json!({"all_regions": false, "reservation": 0.5}))),
        json!({"cn-north-4": "running"})
    );
    assert_eq!(jobs(&t), jobs_before);
    t.advance(5.0);
    let s = acct_ok(&t, "GET", "/v3/migrates", None);
    assert_eq!((s["status"].as_str(), s["project_status"][0]["progress"].as_i64()), (Some("success"), Some(100)));
    assert!(s["project_status"][0].get("fail_code").is_none());
    // Only this region has a record; all_regions lists just the migrated projects.
    assert_eq!(
        acct_ok(&t, "GET", "/v3/migrates?all_regions=true", None)["project_status"].as_array().unwrap().len(),
        1
    );

    // all_regions: every project of the account, the migrated one answers success.
    let r = acct_ok(&t, "POST", "/v3/migrates", Some(json!({"all_regions": true, "reservation": 0})));
    assert_eq!(
        r,
        json!({"cn-north-4": "success", "cn-south-1": "running", "cn-east-3": "running", "ap-southeast-1": "running"})
    );
    let s = acct_ok(&t, "GET", "/v3/migrates?all_regions=true", None);
    assert_eq!(s["status"], "migrating");
    let statuses: Vec<(&str, &str)> = s["project_status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["project_id"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses, [(P, "success"), (SOUTH, "migrating"), (EAST, "migrating"), (HK, "migrating")]);
    assert_eq!(acct_ok(&t, "GET", "/v3/migrates", None)["status"], "success", "without all_regions: this region only");
    t.advance(10.0);
    assert_eq!(acct_ok(&t, "GET", "/v3/migrates?all_regions=true", None)["status"], "success");
    // The state dump shows the records (plain data, undone with the rest on failure).
    assert_eq!(t.hw_state()[SOUTH]["migration"]["status"], "success");
}

#[test]
fn a_failed_migration_reports_4002_and_can_start_over() {
    let t = common::twin(TimingPolicy::Immediate);
    let f = t.control("POST", "/_cloudtwin/huawei/faults", Some(json!({"operation_type": "migrate", "target": SOUTH})));
    assert_eq!(f.status, 200);
    acct_ok(&t, "POST", "/v3/migrates", Some(json!({"all_regions": true, "reservation": 0.2})));
    let s = acct_ok(&t, "GET", "/v3/migrates?all_regions=true", None);
    assert_eq!(s["status"], "failed");
    let south = &s["project_status"][1];
    assert_eq!((south["project_id"].as_str(), south["status"].as_str()), (Some(SOUTH), Some("failed")));
    assert_eq!((south["fail_code"].as_i64(), south["fail_reason"].as_str().is_some()), (Some(4002), true));
    assert_eq!(s["project_status"][0]["status"], "success");
    let r = acct_ok(&t, "POST", "/v3/migrates", Some(json!({"all_regions": true, "reservation": 0.2})));
    assert_eq!(r["cn-south-1"], "running");
    assert_eq!(acct_ok(&t, "GET", "/v3/migrates?all_regions=true", None)["status"], "success");
}

#[test]
fn a_poller_in_one_region_sees_every_region_migrate() {
    // Realistic timing: each migration ends only after a read has seen it; ShowMigrateStatus
    // with all_regions, asked in cn-north-4, sees the other regions' migrations too.
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    acct_ok(&t, "POST", "/v3/migrates", Some(json!({"all_regions": true, "reservation": 0.2})));
    t.advance(5.0);
    assert_eq!(acct_ok(&t, "GET", "/v3/migrates?all_regions=true", None)["status"], "migrating");
    assert_eq!(acct_ok(&t, "GET", "/v3/migrates?all_regions=true", None)["status"], "success");
}

#[test]
fn migrate_validation_leaves_state_unchanged() {
    let t = common::twin(TimingPolicy::Duration { seconds: 10.0 });
    let before = (t.hw_state(), jobs(&t));
    for body in [
        json!({}),
        json!({"all_regions": true}),
        json!({"reservation": 0.2}),
        json!({"all_regions": "true", "reservation": 0.2}),
        json!({"all_regions": true, "reservation": "0.2"}),
        json!({"all_regions": true, "reservation": 1.5}),
        json!({"all_regions": true, "reservation": -0.1}),
        json!({"all_regions": true, "reservation": 0.2, "region": "cn-north-4"}),
    ] {
        assert_eq!(
            acct_err(&t, "POST", "/v3/migrates", Some(body.clone())),
            (400, "BackupService.9900".into()),
            "{body}"
        );
    }
    let r = acct(&t, "POST", "/v3/migrates", None, Some(P));
    assert_eq!((r.status, r.json()["error_code"].as_str()), (400, Some("BackupService.9900")));
    assert_eq!(acct_err(&t, "GET", "/v3/migrates?all_regions=yes", None), (400, "BackupService.9900".into()));
    assert_eq!(before, (t.hw_state(), jobs(&t)));
}
