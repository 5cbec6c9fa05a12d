//! Huawei CBR backup sharing (4.10) and organization policies (4.11) over raw HTTP: the success
//! shapes, the owner's and the receiver's views across accounts, tenant isolation, every
//! documented validation and state error (with the state unchanged), and organization policies
//! deploying into member projects on the virtual clock.

use crate::common;

use cloudtwin_emulator::clock::Clock;
use cloudtwin_emulator::huawei::settings::{HwProjectCfg, DEFAULT_AK, DEFAULT_SK, PEER_AK, PEER_SK};
use cloudtwin_emulator::huawei::sign::Algorithm;
use cloudtwin_emulator::timing::TimingPolicy;
use cloudtwin_emulator::{AuthMode, Config};
use common::hw::*;
use serde_json::{json, Value};

const PEER_SOUTH: &str = "b123456789abcdef0123456789abcdef";
/// A second cn-north-4 project of the default account (only in twins that configure it).
const EXTRA: &str = "4123456789abcdef0123456789abcdef";
const DOMAIN: &str = "c0ffee00c0ffee00c0ffee00c0ffee01";
const PEER_DOMAIN: &str = "c0ffee00c0ffee00c0ffee00c0ffee02";
const ORG: &str = "o-cloudtwinexampleorganization0001";
const PEERS_OU: &str = "ou-ctwn-peers001";
const PEER_SERVER: &str = "c0a8000a-0000-4000-8000-000000000001";
const NO_SUCH: &str = "0badc0de-0000-4000-8000-00000000dead";

const PEER_S: Who = Who { ak: PEER_AK, sk: PEER_SK, project: PEER_SOUTH };
const EXTRA_P: Who = Who { ak: DEFAULT_AK, sk: DEFAULT_SK, project: EXTRA };

fn err(t: &common::Twin, who: Who, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
    let r = call(t, who, method, path, body);
    assert!(r.status >= 400, "{method} {path} succeeded: {}", String::from_utf8_lossy(&r.body));
    (r.status, r.json()["error_code"].as_str().unwrap_or("").to_string())
}

fn vault_body(name: &str, object_type: &str, protect_type: &str, size: i64, resources: Value) -> Value {
    json!({"vault": {"name": name, "resources": resources, "billing": {"consistent_level": "crash_consistent",
        "object_type": object_type, "protect_type": protect_type, "size": size}}})
}

fn new_vault(t: &common::Twin, who: Who, object_type: &str, size: i64, resources: Value) -> String {
    let v = ok(t, who, "POST", "/v3/{p}/vaults", Some(vault_body("v", object_type, "backup", size, resources)));
    v["vault"]["id"].as_str().unwrap().to_string()
}

/// A vault of `who` protecting `resource` and the backup of one checkpoint: (vault, backup).
fn backed_up(t: &common::Twin, who: Who, resource: &str, kind: &str) -> (String, String) {
    let object_type = if kind == "OS::Nova::Server" { "server" } else { "disk" };
    let v = new_vault(t, who, object_type, 500, json!([{"id": resource, "type": kind}]));
    let cp = ok(t, who, "POST", "/v3/{p}/checkpoints", Some(json!({"checkpoint": {"vault_id": v}})));
    let cid = cp["checkpoint"]["id"].as_str().unwrap();
    let list = ok(t, who, "GET", &format!("/v3/{{p}}/backups?checkpoint_id={cid}"), None);
    (v, list["backups"][0]["id"].as_str().unwrap().to_string())
}

fn members(b: &str) -> String {
    format!("/v3/{{p}}/backups/{b}/members")
}

fn member(b: &str, m: &str) -> String {
    format!("/v3/{{p}}/backups/{b}/members/{m}")
}

fn share(projects: &[&str]) -> Option<Value> {
    Some(json!({"members": projects}))
}

fn accept(vault: &str) -> Option<Value> {
    Some(json!({"status": "accepted", "vault_id": vault}))
}

/// A twin with one more cn-north-4 project for the default account (`EXTRA`), and `tweak`
/// applied to the configuration.
fn twin_with(tweak: impl FnOnce(&mut Config)) -> common::Twin {
    let mut cfg = Config { timing: TimingPolicy::Immediate, id_seed: Some(42), ..Config::default() };
    let ident = cfg.accounts[0].huawei.as_mut().unwrap();
    ident.projects.push(HwProjectCfg { id: EXTRA.into(), region: "cn-north-4".into() });
    tweak(&mut cfg);
    common::twin_with(cfg, Clock::manual(common::T0), AuthMode::Enforce)
}

fn timing(t: &common::Twin, policy: &str) {
    assert_eq!(t.control("POST", "/_cloudtwin/timing", Some(json!({"policy": policy}))).status, 200);
}

// ----------------------------------------------------------------------------- sharing

#[test]
fn a_share_goes_pending_accepted_rejected_and_away() {
    let t = common::twin(TimingPolicy::Immediate);
    let (_, b) = backed_up(&t, OWNER, WEB, "OS::Nova::Server");

    let added = ok(&t, OWNER, "POST", &members(&b), share(&[PEER]));
    assert_eq!(added["count"], 1);
    let m = &added["members"][0];
    assert_eq!(
        (m["status"].as_str(), m["backup_id"].as_str(), m["dest_project_id"].as_str()),
        (Some("pending"), Some(b.as_str()), Some(PEER))
    );
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["status", "backup_id", "dest_project_id", "created_at", "id"], "the example's fields");
    assert!(m["created_at"].as_str().unwrap().ends_with("+00:00"));
    let record = m["id"].as_str().unwrap().to_string();

    // The owner sees every member; the receiver its own record only.
    let list = ok(&t, OWNER, "GET", &members(&b), None);
    assert_eq!((list["count"].as_i64(), list["members"][0]["id"].as_str()), (Some(1), Some(record.as_str())));
    assert!(list.get("limit").is_none(), "ShowMembersDetail answers members and count only");
    assert_eq!(ok(&t, OWNER, "GET", &member(&b, PEER), None)["member"]["id"], record.as_str());
    assert_eq!(ok(&t, RECEIVER, "GET", &member(&b, PEER), None)["member"]["status"], "pending");
    assert_eq!(ok(&t, RECEIVER, "GET", &members(&b), None)["count"], 1);

    // Pending: visible to the receiver, listed only when asked for.
    assert_eq!(ok(&t, RECEIVER, "GET", "/v3/{p}/backups?own_type=shared", None)["count"], 0);
    let pending = ok(&t, RECEIVER, "GET", "/v3/{p}/backups?own_type=shared&member_status=pending", None);
    assert_eq!((pending["count"].as_i64(), pending["backups"][0]["project_id"].as_str()), (Some(1), Some(P)));
    let shown = ok(&t, RECEIVER, "GET", &format!("/v3/{{p}}/backups/{b}"), None);
    assert_eq!(
        (shown["backup"]["id"].as_str(), shown["backup"]["children"].as_array().map(Vec::len)),
        (Some(b.as_str()), Some(2))
    );

    // The receiver accepts into one of its server vaults.
    let rv = new_vault(&t, RECEIVER, "server", 200, json!([]));
    let r = ok(&t, RECEIVER, "PUT", &member(&b, PEER), accept(&rv));
    let m = &r["member"];
    assert_eq!(
        (m["status"].as_str(), m["vault_id"].as_str(), m["id"].as_str()),
        (Some("accepted"), Some(rv.as_str()), Some(record.as_str()))
    );
    assert!(m["updated_at"].is_string());
    let shared = ok(&t, RECEIVER, "GET", "/v3/{p}/backups?own_type=shared", None);
    assert_eq!(shared["count"], 1);
    let sb = &shared["backups"][0];
    assert_eq!(
        (sb["id"].as_str(), sb["vault_id"].as_str(), sb["project_id"].as_str()),
        (Some(b.as_str()), Some(rv.as_str()), Some(P))
    );
    assert_eq!(ok(&t, RECEIVER, "GET", &format!("/v3/{{p}}/backups?own_type=shared&vault_id={rv}"), None)["count"], 1);
    assert_eq!(ok(&t, RECEIVER, "GET", "/v3/{p}/backups?own_type=all_granted", None)["count"], 1);
    assert_eq!(ok(&t, RECEIVER, "GET", "/v3/{p}/backups", None)["count"], 0, "private is the default");
    let kids = ok(&t, RECEIVER, "GET", &format!("/v3/{{p}}/backups?own_type=shared&parent_id={b}"), None);
    assert_eq!(kids["count"], 2, "per-disk backups come with their parent");
    let seen = ok(&t, RECEIVER, "GET", &format!("/v3/{{p}}/backups/{b}"), None);
    assert_eq!(seen["backup"]["vault_id"], rv.as_str());
    assert_eq!(seen["backup"]["children"][0]["vault_id"], rv.as_str(), "per-disk backups sit with their parent");
    assert_eq!(ok(&t, OWNER, "GET", &format!("/v3/{{p}}/backups/{b}"), None)["backup"]["project_id"], P);

    // What the receiver cannot do with a backup that is not its own.
    assert_eq!(
        err(&t, RECEIVER, "DELETE", &format!("/v3/{{p}}/backups/{b}"), None),
        (404, "BackupService.6200".into())
    );
    assert_eq!(err(&t, RECEIVER, "DELETE", &member(&b, PEER), None), (404, "BackupService.6200".into()));
    assert_eq!(err(&t, RECEIVER, "POST", &members(&b), share(&[P])), (400, "BackupService.6714".into()));
    assert_eq!(err(&t, OWNER, "PUT", &member(&b, PEER), accept(&rv)), (400, "BackupService.6706".into()));

    // Rejecting takes it out of the receiver's vault.
    let r = ok(&t, RECEIVER, "PUT", &member(&b, PEER), Some(json!({"status": "rejected"})));
    assert_eq!(r["member"]["status"], "rejected");
    assert!(r["member"].get("vault_id").is_none());
    assert_eq!(ok(&t, RECEIVER, "GET", "/v3/{p}/backups?own_type=shared", None)["count"], 0);
    assert_eq!(ok(&t, RECEIVER, "GET", "/v3/{p}/backups?own_type=shared&member_status=rejected", None)["count"], 1);
    // ... and the receiver may change its mind.
    ok(&t, RECEIVER, "PUT", &member(&b, PEER), Some(json!({"status": "pending"})));

    // The owner revokes.
    let r = call(&t, OWNER, "DELETE", &member(&b, PEER), None);
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_eq!(err(&t, OWNER, "GET", &member(&b, PEER), None), (404, "BackupService.6705".into()));
    assert_eq!(err(&t, RECEIVER, "GET", &format!("/v3/{{p}}/backups/{b}"), None), (404, "BackupService.6200".into()));
    assert_eq!(ok(&t, OWNER, "GET", &members(&b), None)["count"], 0);

    // Deleting the backup at the owner ends its shares.
    ok(&t, OWNER, "POST", &members(&b), share(&[PEER]));
    ok(&t, RECEIVER, "PUT", &member(&b, PEER), accept(&rv));
    ok(&t, OWNER, "DELETE", &format!("/v3/{{p}}/backups/{b}"), None);
    assert_eq!(ok(&t, RECEIVER, "GET", "/v3/{p}/backups?own_type=shared", None)["count"], 0);
    assert_eq!(err(&t, RECEIVER, "GET", &member(&b, PEER), None), (404, "BackupService.6200".into()));
    assert!(t.hw_state()[P].get("members").is_none(), "no share record is left behind");
}

#[test]
fn other_projects_see_nothing_of_a_share() {
    let t = common::twin(TimingPolicy::Immediate);
    let (_, b) = backed_up(&t, OWNER, WEB, "OS::Nova::Server");
    ok(&t, OWNER, "POST", &members(&b), share(&[PEER]));
    let before = t.hw_state();
    for third in [SOUTH_P, PEER_S] {
        assert_eq!(err(&t, third, "GET", &format!("/v3/{{p}}/backups/{b}"), None), (404, "BackupService.6200".into()));
        assert_eq!(err(&t, third, "GET", &members(&b), None), (404, "BackupService.6200".into()));
        assert_eq!(err(&t, third, "GET", &member(&b, PEER), None), (404, "BackupService.6200".into()));
        let own = third.project;
        assert_eq!(
            err(&t, third, "PUT", &member(&b, own), Some(json!({"status": "rejected"}))),
            (404, "BackupService.6200".into())
        );
        assert_eq!(
            err(&t, third, "PUT", &member(&b, PEER), Some(json!({"status": "rejected"}))),
            (400, "BackupService.6706".into())
        );
        assert_eq!(
            ok(&t, third, "GET", "/v3/{p}/backups?own_type=all_granted&member_status=pending", None)["count"],
            0
        );
    }
    // The receiver cannot see the other members of the backup.
    assert_eq!(err(&t, RECEIVER, "GET", &member(&b, SOUTH), None), (404, "BackupService.6705".into()));
    // Another account's keys never reach the owner's project.
    let r = t.hw_signed(
        Algorithm::HmacSha256,
        PEER_AK,
        PEER_SK,
        "GET",
        &format!("/v3/{P}/backups/{b}/members"),
        None,
        Some(P),
    );
    assert_eq!(r.json()["error_code"], "BackupService.1015");
    assert_eq!(before, t.hw_state());
}

#[test]
fn add_member_rejects_what_cannot_be_shared() {
    let t = twin_with(|cfg| cfg.huawei.limits.members_per_backup = 1);
    let (v, b) = backed_up(&t, OWNER, WEB, "OS::Nova::Server");
    let shown = ok(&t, OWNER, "GET", &format!("/v3/{{p}}/backups/{b}"), None);
    let child = shown["backup"]["children"][0]["id"].as_str().unwrap().to_string();
    let before = t.hw_state();
    let cases: Vec<(&str, &str, Value, u16, &str)> = vec![
        ("no body field", &b, json!({}), 400, "BackupService.9900"),
        ("empty lists", &b, json!({"members": [], "domains": []}), 400, "BackupService.9900"),
        ("not a list", &b, json!({"members": PEER}), 400, "BackupService.9900"),
        ("unknown field", &b, json!({"members": [PEER], "projects": []}), 400, "BackupService.9900"),
        ("unknown backup", NO_SUCH, json!({"members": [PEER]}), 404, "BackupService.6200"),
        ("per-disk backup", &child, json!({"members": [PEER]}), 400, "BackupService.6707"),
        ("unknown project", &b, json!({"members": ["ffffffffffffffffffffffffffffffff"]}), 400, "BackupService.6704"),
        ("own project", &b, json!({"members": [P]}), 400, "BackupService.6704"),
        ("another region", &b, json!({"members": [SOUTH]}), 400, "BackupService.6704"),
        ("unknown domain", &b, json!({"domains": ["ffffffffffffffffffffffffffffffff"]}), 400, "BackupService.6704"),
        ("own domain", &b, json!({"domains": [DOMAIN]}), 400, "BackupService.6704"),
        ("twice in one request", &b, json!({"members": [PEER], "domains": [PEER_DOMAIN]}), 400, "BackupService.6703"),
        ("over the limit", &b, json!({"members": [PEER, EXTRA]}), 400, "BackupService.6701"),
    ];
    for (what, bid, body, status, code) in cases {
        assert_eq!(err(&t, OWNER, "POST", &members(bid), Some(body)), (status, code.into()), "{what}");
    }
    assert_eq!(before, t.hw_state(), "nothing was shared");

    // `domains` shares with the domain's project in this region; the same project again is 6703.
    let r = ok(&t, OWNER, "POST", &members(&b), Some(json!({"domains": [PEER_DOMAIN]})));
    assert_eq!(r["members"][0]["dest_project_id"], PEER);
    assert_eq!(err(&t, OWNER, "POST", &members(&b), share(&[PEER])), (400, "BackupService.6703".into()));
    assert_eq!(err(&t, OWNER, "POST", &members(&b), share(&[EXTRA])), (400, "BackupService.6701".into()));
    // Sharing within the account works the same way (another project of the owner).
    let (_, b2) = backed_up(&t, OWNER, DB, "OS::Nova::Server");
    ok(&t, OWNER, "POST", &members(&b2), share(&[EXTRA]));
    let ev = new_vault(&t, EXTRA_P, "server", 500, json!([]));
    ok(&t, EXTRA_P, "PUT", &member(&b2, EXTRA), accept(&ev));
    assert_eq!(ok(&t, EXTRA_P, "GET", "/v3/{p}/backups?own_type=shared", None)["backups"][0]["id"], b2.as_str());

    // A disk backup can be shared too.
    let (_, vb) = backed_up(&t, OWNER, VOL_ARCHIVE, "OS::Cinder::Volume");
    ok(&t, OWNER, "POST", &members(&vb), share(&[PEER]));

    // Only backups of servers and disks (6700), only available ones (6702), only from an
    // available vault (6712).
    let hybrid = json!({"vault": {"name": "hy", "resources": [], "billing": {"consistent_level": "crash_consistent",
        "object_type": "server", "protect_type": "backup", "size": 100, "cloud_type": "hybrid"}}});
    ok(&t, OWNER, "POST", "/v3/{p}/vaults", Some(hybrid));
    let imported = "5a5a5a5a-0000-4000-8000-000000000001";
    ok(
        &t,
        OWNER,
        "POST",
        "/v3/{p}/backups/sync",
        Some(json!({"sync": [{"backup_id": imported, "backup_name": "vm1",
        "bucket_name": "bkt", "image_path": "/p", "resource_id": "vm-1", "resource_name": "vm1",
        "resource_type": "OS::VMware::Server", "created_at": 1_700_000_000}]})),
    );
    assert_eq!(err(&t, OWNER, "POST", &members(imported), share(&[PEER])), (400, "BackupService.6700".into()));

    t.control("POST", "/_cloudtwin/huawei/faults", Some(json!({"operation_type": "backup"})));
    let (_, broken) = backed_up(&t, OWNER, STOPPED, "OS::Nova::Server");
    assert_eq!(ok(&t, OWNER, "GET", &format!("/v3/{{p}}/backups/{broken}"), None)["backup"]["status"], "error");
    assert_eq!(err(&t, OWNER, "POST", &members(&broken), share(&[PEER])), (400, "BackupService.6702".into()));

    // A vault being deleted: its backups stay available, but cannot be shared; the vault
    // check comes before the duplicate check.
    timing(&t, "manual");
    ok(&t, OWNER, "DELETE", &format!("/v3/{{p}}/vaults/{v}"), None);
    assert_eq!(ok(&t, OWNER, "GET", &format!("/v3/{{p}}/backups/{b}"), None)["backup"]["status"], "available");
    assert_eq!(err(&t, OWNER, "POST", &members(&b), share(&[PEER])), (400, "BackupService.6712".into()));
    // Once the vault is gone, so are its backups and their shares.
    assert!(t.control("POST", "/_cloudtwin/jobs/complete", Some(json!({}))).json()["completed"].as_i64() > Some(0));
    assert_eq!(err(&t, RECEIVER, "GET", &member(&b, PEER), None), (404, "BackupService.6200".into()));
    let left: Vec<String> = t.hw_state()[P]["members"]
        .as_object()
        .unwrap()
        .values()
        .map(|m| m["backup_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left.len(), 2);
    assert!(left.contains(&b2) && left.contains(&vb));
}

#[test]
fn update_member_status_is_the_receivers_and_checks_its_vault() {
    let t = common::twin(TimingPolicy::Immediate);
    let (ov, b) = backed_up(&t, OWNER, WEB, "OS::Nova::Server");
    ok(&t, OWNER, "POST", &members(&b), share(&[PEER]));
    let rv = new_vault(&t, RECEIVER, "server", 200, json!([]));
    let disk = new_vault(&t, RECEIVER, "disk", 200, json!([]));
    let small = new_vault(&t, RECEIVER, "server", 10, json!([]));
    let rep =
        ok(&t, RECEIVER, "POST", "/v3/{p}/vaults", Some(vault_body("rep", "server", "replication", 200, json!([]))));
    let rep = rep["vault"]["id"].as_str().unwrap().to_string();
    let before = t.hw_state();
    let cases: Vec<(&str, Who, &str, Value, u16, &str)> = vec![
        ("no status", RECEIVER, PEER, json!({}), 400, "BackupService.9900"),
        ("status not a string", RECEIVER, PEER, json!({"status": 1}), 400, "BackupService.9900"),
        ("unknown field", RECEIVER, PEER, json!({"status": "rejected", "reason": "x"}), 400, "BackupService.9900"),
        ("unknown status", RECEIVER, PEER, json!({"status": "maybe"}), 400, "BackupService.6706"),
        ("accept without vault", RECEIVER, PEER, json!({"status": "accepted"}), 400, "BackupService.6706"),
        (
            "vault id not a UUID",
            RECEIVER,
            PEER,
            json!({"status": "accepted", "vault_id": "vault-1"}),
            400,
            "BackupService.6706",
        ),
        ("another project's member", RECEIVER, P, json!({"status": "rejected"}), 400, "BackupService.6706"),
        ("the owner answering", OWNER, PEER, json!({"status": "accepted", "vault_id": rv}), 400, "BackupService.6706"),
        ("the owner is no member", OWNER, P, json!({"status": "rejected"}), 404, "BackupService.6705"),
        (
            "unknown vault",
            RECEIVER,
            PEER,
            json!({"status": "accepted", "vault_id": NO_SUCH}),
            404,
            "BackupService.6105",
        ),
        ("the owner's vault", RECEIVER, PEER, json!({"status": "accepted", "vault_id": ov}), 404, "BackupService.6105"),
        ("a disk vault", RECEIVER, PEER, json!({"status": "accepted", "vault_id": disk}), 400, "BackupService.6713"),
        (
            "a replication vault",
            RECEIVER,
            PEER,
            json!({"status": "accepted", "vault_id": rep}),
            400,
            "BackupService.6713",
        ),
        ("no room", RECEIVER, PEER, json!({"status": "accepted", "vault_id": small}), 400, "BackupService.6114"),
    ];
    for (what, who, m, body, status, code) in cases {
        assert_eq!(err(&t, who, "PUT", &member(&b, m), Some(body)), (status, code.into()), "{what}");
    }
    assert_eq!(err(&t, RECEIVER, "PUT", &member(NO_SUCH, PEER), accept(&rv)), (404, "BackupService.6200".into()));
    assert_eq!(before, t.hw_state());

    // Rejecting ignores a vault; a receiving vault that is going away cannot take the backup,
    // nor can a backup that is being deleted be accepted.
    let r = ok(&t, RECEIVER, "PUT", &member(&b, PEER), Some(json!({"status": "rejected", "vault_id": rv})));
    assert!(r["member"].get("vault_id").is_none());
    timing(&t, "manual");
    ok(&t, RECEIVER, "DELETE", &format!("/v3/{{p}}/vaults/{disk}"), None);
    let gone = new_vault(&t, RECEIVER, "server", 200, json!([]));
    ok(&t, RECEIVER, "DELETE", &format!("/v3/{{p}}/vaults/{gone}"), None);
    assert_eq!(err(&t, RECEIVER, "PUT", &member(&b, PEER), accept(&gone)), (400, "BackupService.6712".into()));
    ok(&t, OWNER, "DELETE", &format!("/v3/{{p}}/backups/{b}"), None);
    assert_eq!(err(&t, RECEIVER, "PUT", &member(&b, PEER), accept(&rv)), (400, "BackupService.6702".into()));
    ok(&t, RECEIVER, "PUT", &member(&b, PEER), Some(json!({"status": "pending"})));
}

#[test]
fn members_list_filters_sorts_and_pages() {
    let t = twin_with(|_| {});
    let (_, b) = backed_up(&t, OWNER, WEB, "OS::Nova::Server");
    ok(&t, OWNER, "POST", &members(&b), share(&[PEER]));
    t.advance(1.0);
    ok(&t, OWNER, "POST", &members(&b), share(&[EXTRA]));
    let rv = new_vault(&t, RECEIVER, "server", 200, json!([]));
    ok(&t, RECEIVER, "PUT", &member(&b, PEER), accept(&rv));
    let dests = |q: &str| -> (i64, Vec<String>) {
        let r = ok(&t, OWNER, "GET", &format!("{}{q}", members(&b)), None);
        let ids = r["members"].as_array().unwrap().iter().map(|m| m["dest_project_id"].as_str().unwrap().to_string());
        (r["count"].as_i64().unwrap(), ids.collect())
    };
    assert_eq!(dests(""), (2, vec![EXTRA.to_string(), PEER.to_string()]), "newest first");
    assert_eq!(dests("?sort=created_at:asc"), (2, vec![PEER.to_string(), EXTRA.to_string()]));
    assert_eq!(dests("?sort=dest_project_id"), (2, vec![PEER.to_string(), EXTRA.to_string()]), "desc by default");
    assert_eq!(dests("?status=accepted"), (1, vec![PEER.to_string()]));
    assert_eq!(dests("?status=pending"), (1, vec![EXTRA.to_string()]));
    assert_eq!(dests(&format!("?dest_project_id={EXTRA}")), (1, vec![EXTRA.to_string()]));
    assert_eq!(dests(&format!("?vault_id={rv}")), (1, vec![PEER.to_string()]));
    assert_eq!(dests("?image_id=4d9fb1a9-0000-4000-8000-000000000001").0, 0, "no image is registered");
    assert_eq!(dests("?limit=1"), (2, vec![EXTRA.to_string()]), "count is the total");
    assert_eq!(dests("?limit=1&offset=1"), (2, vec![PEER.to_string()]));
    let first = ok(&t, OWNER, "GET", &members(&b), None)["members"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(dests(&format!("?marker={first}")).1, vec![PEER.to_string()]);
    for bad in [
        "?status=gone",
        "?vault_id=vault-1",
        "?marker=abc",
        &format!("?marker={NO_SUCH}"),
        "?sort=name",
        "?limit=0",
        "?offset=-1",
    ] {
        assert_eq!(
            err(&t, OWNER, "GET", &format!("{}{bad}", members(&b)), None),
            (400, "BackupService.9900".into()),
            "{bad}"
        );
    }
    assert_eq!(err(&t, OWNER, "GET", &members(NO_SUCH), None), (404, "BackupService.6200".into()));
    assert_eq!(err(&t, OWNER, "GET", &member(NO_SUCH, PEER), None), (404, "BackupService.6200".into()));
    assert_eq!(err(&t, OWNER, "DELETE", &member(NO_SUCH, PEER), None), (404, "BackupService.6200".into()));
    assert_eq!(err(&t, OWNER, "DELETE", &member(&b, SOUTH), None), (404, "BackupService.6705".into()));
}

// ------------------------------------------------------------------- organization policies

fn org_policy(name: &str, operation_type: &str, definition: Value) -> Value {
    json!({"policy": {
        "name": name, "description": "", "operation_type": operation_type,
        "policy_name": format!("{name}_p"), "policy_enabled": false,
        "policy_operation_definition": definition,
        "policy_trigger": {"properties": {"pattern": ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"]}},
    }})
}

fn retention() -> Value {
    json!({"retention_duration_days": 30, "max_backups": -1, "day_backups": 0, "week_backups": 0,
        "month_backups": 0, "year_backups": 0, "timezone": "UTC+08:00", "full_backup_interval": -1})
}

fn org(id: &str) -> String {
    format!("/v3/{{p}}/organization-policies/{id}")
}

fn detail(t: &common::Twin, id: &str) -> Vec<Value> {
    ok(t, OWNER, "GET", &format!("{}/policy-detail", org(id)), None)["policies"].as_array().unwrap().clone()
}

fn deployed(t: &common::Twin, who: Who) -> Vec<Value> {
    let list = ok(t, who, "GET", "/v3/{p}/policies", None)["policies"].as_array().unwrap().clone();
    list.into_iter().filter(|p| p["policy_type"] == "organization_policy_v2").collect()
}

#[test]
fn an_organization_policy_deploys_to_member_projects_on_the_clock() {
    let t = common::twin(TimingPolicy::Realistic { seconds: 1.0 });
    let mut body = org_policy("org_backup", "backup", retention());
    body["policy"]["effective_scope"] = json!(ORG);
    let r = call(&t, OWNER, "POST", "/v3/{p}/organization-policies", Some(body));
    assert_eq!(r.status, 200);
    let op = r.json()["policy"].clone();
    let id = op["id"].as_str().unwrap().to_string();
    assert_eq!(
        (op["status"].as_str(), op["domain_id"].as_str(), op["domain_name"].as_str()),
        (Some("syncing"), Some(DOMAIN), Some("cloudtwin"))
    );
    assert_eq!(
        (op["effective_scope"].as_str(), op["operation_type"].as_str(), op["policy_enabled"].as_bool()),
        (Some(ORG), Some("backup"), Some(false))
    );
    assert_eq!(op["policy_operation_definition"], retention(), "the definition as given");
    assert_eq!(
        op["policy_trigger"],
        json!({"properties": {"pattern": ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR=14;BYMINUTE=00"]}})
    );
    assert_eq!(op["description"], "");
    // One deployment per member account's project in this region, syncing until the job runs.
    let d = detail(&t, &id);
    let places: Vec<(&str, &str, &str)> = d
        .iter()
        .map(|x| (x["domain_id"].as_str().unwrap(), x["project_id"].as_str().unwrap(), x["status"].as_str().unwrap()))
        .collect();
    assert_eq!(places, [(DOMAIN, P, "syncing"), (PEER_DOMAIN, PEER, "syncing")]);
    assert!(d[0]["error_msg"].is_null() && d[0]["policy_id"].is_string());
    assert!(deployed(&t, RECEIVER).is_empty());
    t.advance(2.0);
    assert_eq!(ok(&t, OWNER, "GET", &org(&id), None)["policy"]["status"], "available");
    assert!(detail(&t, &id).iter().all(|x| x["status"] == "available"));

    // Each member project holds an ordinary policy it can bind but not change.
    let peer_pol = deployed(&t, RECEIVER);
    assert_eq!(peer_pol.len(), 1);
    let pid = peer_pol[0]["id"].as_str().unwrap().to_string();
    assert_eq!(pid, detail(&t, &id)[1]["policy_id"].as_str().unwrap());
    assert_eq!((peer_pol[0]["name"].as_str(), peer_pol[0]["enabled"].as_bool()), (Some("org_backup_p"), Some(false)));
    assert_eq!(deployed(&t, OWNER).len(), 1);
    let pv = new_vault(&t, RECEIVER, "server", 500, json!([{"id": PEER_SERVER, "type": "OS::Nova::Server"}]));
    ok(&t, RECEIVER, "POST", &format!("/v3/{{p}}/vaults/{pv}/associatepolicy"), Some(json!({"policy_id": pid})));
    let before = t.hw_state();
    let pol = format!("/v3/{{p}}/policies/{pid}");
    assert_eq!(
        err(&t, RECEIVER, "PUT", &pol, Some(json!({"policy": {"enabled": true}}))),
        (400, "BackupService.7619".into())
    );
    assert_eq!(err(&t, RECEIVER, "DELETE", &pol, None), (400, "BackupService.7619".into()));
    assert_eq!(before, t.hw_state());

    // Updating: `updating`, then every copy follows (and, enabled, fires).
    let upd = json!({"policy": {"policy_enabled": true, "policy_name": "nightly", "effective_scope": "",
        "policy_trigger": {"properties": {"pattern": ["FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=00"]}}}});
    let r = ok(&t, OWNER, "PUT", &org(&id), Some(upd.clone()));
    assert_eq!(
        (r["policy"]["status"].as_str(), r["policy"]["policy_name"].as_str()),
        (Some("updating"), Some("nightly"))
    );
    assert_eq!(r["policy"]["effective_scope"], ORG, "the example's empty scope leaves it as it was");
    assert_eq!(err(&t, OWNER, "PUT", &org(&id), Some(upd.clone())), (400, "BackupService.7417".into()));
    assert_eq!(err(&t, OWNER, "DELETE", &org(&id), None), (400, "BackupService.7417".into()));
    ok(&t, OWNER, "GET", &org(&id), None);
    t.advance(2.0);
    assert_eq!(ok(&t, OWNER, "GET", &org(&id), None)["policy"]["status"], "available");
    let peer_pol = deployed(&t, RECEIVER);
    assert_eq!((peer_pol[0]["name"].as_str(), peer_pol[0]["enabled"].as_bool()), (Some("nightly"), Some(true)));
    assert_eq!(peer_pol[0]["associated_vaults"][0]["vault_id"], pv.as_str());
    t.advance(86_400.0);
    ok(&t, RECEIVER, "GET", "/v3/{p}/backups", None);
    t.advance(10.0);
    let auto = ok(&t, RECEIVER, "GET", "/v3/{p}/backups", None);
    assert!(auto["count"].as_i64() >= Some(1), "the deployed policy backed the peer's vault up: {auto}");
    assert_eq!(auto["backups"][0]["extend_info"]["auto_trigger"], true);

    // Listing needs operation_type.
    let list = ok(&t, OWNER, "GET", "/v3/{p}/organization-policies?operation_type=backup", None);
    assert_eq!(
        (list["count"].as_i64(), list["limit"].as_i64(), list["offset"].as_i64()),
        (Some(1), Some(1000), Some(0))
    );
    assert_eq!(list["policies"][0]["id"], id.as_str());
    assert_eq!(ok(&t, OWNER, "GET", "/v3/{p}/organization-policies?operation_type=replication", None)["count"], 0);

    // Deleting: `deleting`, then the policy and every copy are gone (unbound from vaults).
    let r = call(&t, OWNER, "DELETE", &org(&id), None);
    assert_eq!((r.status, r.body.len()), (204, 0));
    assert_eq!(ok(&t, OWNER, "GET", &org(&id), None)["policy"]["status"], "deleting");
    assert!(detail(&t, &id).iter().all(|x| x["status"] == "deleting"));
    t.advance(2.0);
    assert_eq!(err(&t, OWNER, "GET", &org(&id), None), (404, "BackupService.7414".into()));
    assert!(deployed(&t, RECEIVER).is_empty() && deployed(&t, OWNER).is_empty());
    let v = ok(&t, RECEIVER, "GET", &format!("/v3/{{p}}/policies?vault_id={pv}"), None);
    assert_eq!(v["count"], 0);
}

#[test]
fn scopes_and_replication_destinations_per_account() {
    let t = common::twin(TimingPolicy::Immediate);
    let rep = |region: &str, project: &str| json!({"destination_region": region, "destination_project_id": project, "max_backups": 3});
    // An organizational unit: the peer account only, replicating into its own cn-south-1 project.
    let mut body = org_policy("org_rep", "replication", rep("cn-south-1", SOUTH));
    body["policy"]["effective_scope"] = json!(PEERS_OU);
    let id = ok(&t, OWNER, "POST", "/v3/{p}/organization-policies", Some(body))["policy"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let d = detail(&t, &id);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0]["project_id"].as_str(), d[0]["status"].as_str()), (Some(PEER), Some("available")));
    let copy = &deployed(&t, RECEIVER)[0];
    assert_eq!(copy["operation_definition"]["destination_project_id"], PEER_SOUTH);
    assert_eq!(copy["operation_type"], "replication");

    // The whole organization, to a region the peer has no project in: its copy is an error.
    let east = ok(
        &t,
        OWNER,
        "POST",
        "/v3/{p}/organization-policies",
        Some(org_policy("org_east", "replication", rep("cn-east-3", "2123456789abcdef0123456789abcdef"))),
    );
    let id = east["policy"]["id"].as_str().unwrap();
    let d = detail(&t, id);
    let st: Vec<(&str, &str)> =
        d.iter().map(|x| (x["project_id"].as_str().unwrap(), x["status"].as_str().unwrap())).collect();
    assert_eq!(st, [(P, "available"), (PEER, "error")]);
    assert!(d[1]["error_msg"].as_str().unwrap().contains("BackupService.7426"));
    assert_eq!(ok(&t, OWNER, "GET", &org(id), None)["policy"]["status"], "available");

    // One account by its domain id, and a list of scopes.
    let mut body = org_policy("org_one", "backup", retention());
    body["policy"]["effective_scope"] = json!(DOMAIN);
    let one = ok(&t, OWNER, "POST", "/v3/{p}/organization-policies", Some(body))["policy"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(detail(&t, &one).len(), 1);
    let mut body = org_policy("org_two", "backup", retention());
    body["policy"]["effective_scope"] = json!(format!("{DOMAIN},{PEERS_OU}"));
    let two = ok(&t, OWNER, "POST", "/v3/{p}/organization-policies", Some(body))["policy"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(detail(&t, &two).len(), 2);
    // The scope never changes.
    let upd = json!({"policy": {"effective_scope": PEERS_OU}});
    assert_eq!(err(&t, OWNER, "PUT", &org(&one), Some(upd)), (400, "BackupService.7446".into()));
    let upd = json!({"policy": {"effective_scope": DOMAIN, "description": "same scope"}});
    assert_eq!(ok(&t, OWNER, "PUT", &org(&one), Some(upd))["policy"]["description"], "same scope");
    // Newest first, paged.
    let page = ok(&t, OWNER, "GET", "/v3/{p}/organization-policies?operation_type=backup&limit=1&offset=1", None);
    assert_eq!((page["count"].as_i64(), page["policies"][0]["id"].as_str()), (Some(2), Some(one.as_str())));
}

#[test]
fn organization_policy_errors_leave_state_unchanged() {
    let t = twin_with(|cfg| cfg.huawei.limits.policies_per_type = 2);
    let id = ok(&t, OWNER, "POST", "/v3/{p}/organization-policies", Some(org_policy("first", "backup", retention())))
        ["policy"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let with = |path: &[&str], v: Value| {
        let mut b = org_policy("second", "backup", retention());
        let mut cur = &mut b["policy"];
        for p in &path[..path.len() - 1] {
            cur = &mut cur[*p];
        }
        match v {
            Value::Null => {
                cur.as_object_mut().unwrap().remove(path[path.len() - 1]);
            }
            v => cur[path[path.len() - 1]] = v,
        }
        b
    };
    let before = t.hw_state();
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        ("no policy", json!({}), 400, "BackupService.9900"),
        ("unknown field", with(&["enabled"], json!(true)), 400, "BackupService.9900"),
        ("no name", with(&["name"], Value::Null), 400, "BackupService.9900"),
        ("bad name", with(&["name"], json!("a b")), 400, "BackupService.9900"),
        ("description with <", with(&["description"], json!("<x>")), 400, "BackupService.9900"),
        ("no operation_type", with(&["operation_type"], Value::Null), 400, "BackupService.9900"),
        ("unknown operation_type", with(&["operation_type"], json!("archive")), 400, "BackupService.6117"),
        ("no policy_name", with(&["policy_name"], Value::Null), 400, "BackupService.9900"),
        ("no policy_enabled", with(&["policy_enabled"], Value::Null), 400, "BackupService.9900"),
        ("policy_enabled as a string", with(&["policy_enabled"], json!("true")), 400, "BackupService.9900"),
        ("no definition", with(&["policy_operation_definition"], Value::Null), 400, "BackupService.9900"),
        (
            "retention styles mixed",
            with(&["policy_operation_definition"], json!({"retention_duration_days": 3, "max_backups": 5})),
            400,
            "BackupService.9900",
        ),
        ("max_backups 0", with(&["policy_operation_definition"], json!({"max_backups": 0})), 400, "BackupService.9900"),
        (
            "buckets without timezone",
            with(&["policy_operation_definition"], json!({"day_backups": 3})),
            400,
            "BackupService.9900",
        ),
        ("replication without destination", with(&["operation_type"], json!("replication")), 400, "BackupService.9900"),
        ("no trigger", with(&["policy_trigger"], Value::Null), 400, "BackupService.9900"),
        (
            "bad pattern",
            with(&["policy_trigger", "properties", "pattern"], json!(["FREQ=HOURLY"])),
            400,
            "BackupService.9900",
        ),
        (
            "runs under an hour apart",
            with(&["policy_trigger", "properties", "pattern"], json!(["FREQ=DAILY;BYHOUR=1,1;BYMINUTE=0,30"])),
            400,
            "BackupService.9900",
        ),
        (
            "25 patterns",
            with(&["policy_trigger", "properties", "pattern"], json!(vec!["FREQ=DAILY;BYHOUR=1;BYMINUTE=0"; 25])),
            400,
            "BackupService.9900",
        ),
        ("unknown scope", with(&["effective_scope"], json!("ou-nope")), 400, "BackupService.9900"),
    ];
    for (what, body, status, code) in cases {
        assert_eq!(
            err(&t, OWNER, "POST", "/v3/{p}/organization-policies", Some(body)),
            (status, code.into()),
            "{what}"
        );
    }
    // Only the management account (or a delegated administrator) manages them.
    let create = Some(org_policy("peer", "backup", retention()));
    assert_eq!(err(&t, RECEIVER, "POST", "/v3/{p}/organization-policies", create), (400, "BackupService.7416".into()));
    for (method, path) in [
        ("GET", "/v3/{p}/organization-policies?operation_type=backup".to_string()),
        ("GET", org(&id)),
        ("GET", format!("{}/policy-detail", org(&id))),
        ("DELETE", org(&id)),
    ] {
        assert_eq!(err(&t, RECEIVER, method, &path, None), (400, "BackupService.7416".into()), "{method} {path}");
    }
    // Unknown ids, list parameters, update bodies.
    for (method, path, body) in [
        ("GET", org(NO_SUCH), None),
        ("GET", format!("{}/policy-detail", org(NO_SUCH)), None),
        ("PUT", org(NO_SUCH), Some(json!({"policy": {"name": "x"}}))),
        ("DELETE", org(NO_SUCH), None),
    ] {
        assert_eq!(err(&t, OWNER, method, &path, body), (404, "BackupService.7414".into()), "{method} {path}");
    }
    for q in ["", "?operation_type=archive", "?operation_type=backup&limit=0", "?operation_type=backup&offset=-1"] {
        let path = format!("/v3/{{p}}/organization-policies{q}");
        assert_eq!(err(&t, OWNER, "GET", &path, None), (400, "BackupService.9900".into()), "{q}");
    }
    for body in [
        json!({}),
        json!({"policy": {"operation_type": "replication"}}),
        json!({"policy": {"policy_enabled": 1}}),
        json!({"policy": {"policy_trigger": {"properties": {"pattern": []}}}}),
        json!({"policy": {"policy_operation_definition": {"retention_duration_days": 0}}}),
    ] {
        assert_eq!(err(&t, OWNER, "PUT", &org(&id), Some(body.clone())), (400, "BackupService.9900".into()), "{body}");
    }
    // The limit per operation type counts the organization's policies of the region.
    ok(&t, OWNER, "POST", "/v3/{p}/organization-policies", Some(org_policy("second", "backup", retention())));
    let third = Some(org_policy("third", "backup", retention()));
    let before_limit = t.hw_state();
    assert_eq!(err(&t, OWNER, "POST", "/v3/{p}/organization-policies", third), (400, "BackupService.6001".into()));
    assert_eq!(before_limit, t.hw_state());
    assert_ne!(before, before_limit);
    // A project of another region sees none of them.
    assert_eq!(ok(&t, SOUTH_P, "GET", "/v3/{p}/organization-policies?operation_type=backup", None)["count"], 0);
    assert_eq!(err(&t, SOUTH_P, "GET", &org(&id), None), (404, "BackupService.7414".into()));
}

#[test]
fn only_the_creator_changes_an_organization_policy() {
    let t = twin_with(|cfg| cfg.huawei.organization.delegated_admins = vec![PEER_DOMAIN.into()]);
    let r =
        ok(&t, RECEIVER, "POST", "/v3/{p}/organization-policies", Some(org_policy("delegated", "backup", retention())));
    let id = r["policy"]["id"].as_str().unwrap().to_string();
    assert_eq!(r["policy"]["domain_id"], PEER_DOMAIN);
    // The management account sees it, but cannot change it.
    assert_eq!(ok(&t, OWNER, "GET", &org(&id), None)["policy"]["name"], "delegated");
    assert_eq!(ok(&t, OWNER, "GET", "/v3/{p}/organization-policies?operation_type=backup", None)["count"], 1);
    let before = t.hw_state();
    assert_eq!(
        err(&t, OWNER, "PUT", &org(&id), Some(json!({"policy": {"name": "mine"}}))),
        (400, "BackupService.7428".into())
    );
    assert_eq!(err(&t, OWNER, "DELETE", &org(&id), None), (400, "BackupService.7428".into()));
    assert_eq!(before, t.hw_state());
    // Deployed into the default account's projects of the region too (EXTRA included).
    let d = detail(&t, &id);
    let projects: Vec<&str> = d.iter().map(|x| x["project_id"].as_str().unwrap()).collect();
    assert_eq!(projects, [P, PEER]);
    assert_eq!(deployed(&t, EXTRA_P).len(), 0, "one project per account and region");
    ok(&t, RECEIVER, "DELETE", &org(&id), None);
    assert_eq!(err(&t, RECEIVER, "GET", &org(&id), None), (404, "BackupService.7414".into()));
}
