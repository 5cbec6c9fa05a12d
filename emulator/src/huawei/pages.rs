//! Huawei's questions for the kept pages (core/kept.rs): ListBackups and ListVault, the lists a
//! console or an SDK waiter polls. What a page is made of, so what a kept one is checked against:
//!
//! - The request: the project in the path and the query's pairs as decoded, in order. Nothing
//!   else reaches either answer: the headers only authenticate (before the handler, and an error
//!   is never kept), the body is not read, neither list reads the configuration.
//! - ListVault: the project's vaults, and what a vault shows of the rest of the project: its
//!   backups (`billing.used`, a resource's `backup_count`/`backup_size`, sums the backup index
//!   keeps with the table), servers and volumes (a resource's `size`).
//! - ListBackups: the project's backups (children included); its vaults only with
//!   `used_percent` (which are full). With `own_type` `shared` or `all_granted`, every
//!   project's share records and backups, other accounts' included (`shared_to` walks them
//!   all, this one too): given as the largest of their stamps, which any change or new project
//!   raises since stamps only grow, and the number of projects, which a project gone lowers. A
//!   private page reads no other project, so another tenant's work keeps it.
//! - The clock: neither list reads it. What moves with time is stored and moved by a job (a
//!   status, a replication record's progress 0 → 100, a backup's expiry deleting it), and the
//!   request's catch-up finishes the jobs due before the handler runs, through the tables, so
//!   the stamps see them. Nothing is computed at read time from the clock or a job's gate (as
//!   ShowMigrateStatus's progress is), so a page holds at every virtual time while its stamps
//!   do: [`TIMELESS`].
//!
//! The lookup is in the handler: the reads' observation of in-flight work (read-gated timing,
//! mod.rs) follows it as it follows a rendered answer.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::core::kept::{self, Ask, Key, Window};

use super::body::Query;
use super::ctx::{Ctx, Reply, Req};
use super::error::HwResult;
use super::model::HwProject;

/// Neither list reads the clock (module docs): a page holds at every virtual time.
pub const TIMELESS: Window = Some((i64::MIN, i64::MAX));

/// The answer to `operation` as `req` asks it in `ctx`'s project, over the tables whose
/// `stamps` are given: a kept page when one holds, else what `render` writes, kept. An error is
/// never kept, so the same query over the same tables fails or passes alike.
pub fn kept_or_rendered(
    ctx: &Ctx<'_>,
    operation: &str,
    req: &Req<'_>,
    stamps: [u64; 4],
    render: impl FnOnce(&Ctx<'_>) -> HwResult<Vec<u8>>,
) -> HwResult<Reply> {
    if !ctx.cfg.kept_pages {
        return Reply::ok_bytes(render(ctx)?);
    }
    let ask = Some(ask(operation, ctx.project, &req.query, stamps));
    let page = || -> HwResult<(Bytes, Window)> { Ok((Bytes::from(render(ctx)?), TIMELESS)) };
    Reply::kept(kept::kept_or_rendered(ctx.world.pages, ask, ctx.now, Bytes::clone, page, Bytes::clone)?)
}

/// The question `operation` asks with `query` in `project`, with `stamps`.
pub fn ask(operation: &str, project: &str, query: &Query, stamps: [u64; 4]) -> Ask {
    let mut key = Key::new(operation);
    key.part(project.as_bytes());
    for (name, value) in &query.0 {
        key.part(name.as_bytes()).part(value.as_bytes());
    }
    Ask::new(key, stamps)
}

/// What a ListVault page of `project` reads: its vaults, backups, servers and volumes (0 each
/// while the project has no state: then every page is empty).
pub fn vault_stamps(world: &BTreeMap<String, HwProject>, project: &str) -> [u64; 4] {
    world.get(project).map_or([0; 4], |p| [p.vaults.stamp(), p.backups.stamp(), p.servers.stamp(), p.volumes.stamp()])
}

/// What a ListBackups page of `project` reads: its backups; its vaults when `vaults` (a
/// `used_percent` filter); when `shared` (`own_type` other than private), the largest stamp of
/// every project's backups and share records, and how many projects there are.
pub fn backup_stamps(world: &BTreeMap<String, HwProject>, project: &str, shared: bool, vaults: bool) -> [u64; 4] {
    let own = world.get(project);
    let backups = own.map_or(0, |p| p.backups.stamp());
    let vaults = own.filter(|_| vaults).map_or(0, |p| p.vaults.stamp());
    let (newest, projects) = match shared {
        true => {
            let newest = world.values().flat_map(|p| [p.backups.stamp(), p.members.stamp()]).max().unwrap_or(0);
            (newest, world.len() as u64)
        }
        false => (0, 0),
    };
    [backups, vaults, newest, projects]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::core::ids::IdGen;
    use crate::core::shared::Shared;
    use crate::core::timing::TimingPolicy;
    use crate::huawei::ctx::Body;
    use crate::huawei::model::{Backup, Member, Server, Vault, Volume};
    use serde_json::json;

    fn backup(id: &str, vault: &str) -> Shared<Backup> {
        serde_json::from_value(json!({
            "id": id, "seq": 1, "name": id, "description": null, "checkpoint_id": "c", "vault_id": vault,
            "project_id": "p", "provider_id": "x", "resource_id": "r", "resource_name": "r",
            "resource_type": "OS::Cinder::Volume", "resource_size": 10, "resource_az": "az", "image_type": "backup",
            "status": "available", "parent_id": null, "children": [], "created_ms": 5, "updated_ms": 5,
            "protected_ms": null, "expired_ms": null, "incremental": false, "auto_trigger": false, "policy_id": null,
            "size_mb": 100, "bootable": false, "snapshot_id": null, "replication_records": [], "metadata": {}
        }))
        .unwrap()
    }

    fn vault(id: &str) -> Vault {
        serde_json::from_value(json!({
            "id": id, "seq": 1, "name": id, "description": null, "user_id": "u", "created_ms": 5, "updated_ms": 5,
            "provider_id": "x", "resources": [{"id": "r", "name": "r", "type": "OS::Cinder::Volume",
                "exclude_volumes": [], "protect_status": "available", "suspended": false}],
            "tags": [], "enterprise_project_id": "0", "auto_bind": false, "bind_rules": [], "auto_expand": false,
            "smn_notify": true, "threshold": 80, "sys_lock_source_service": "", "locked": false,
            "availability_zone": null, "backup_name_prefix": null, "demand_billing": true,
            "billing": {"cloud_type": "public", "consistent_level": "crash_consistent", "object_type": "disk",
                "protect_type": "backup", "size": 100, "charging_mode": "post_paid", "status": "available",
                "is_multi_az": false, "orders": [], "product_id": null},
            "policies": []
        }))
        .unwrap()
    }

    fn member(backup: &str, to: &str) -> Member {
        Member {
            id: format!("m-{backup}-{to}"),
            seq: 1,
            backup_id: backup.into(),
            dest_project_id: to.into(),
            status: "accepted".into(),
            vault_id: None,
            created_ms: 5,
            updated_ms: None,
        }
    }

    fn volume(id: &str, size: i64) -> Volume {
        serde_json::from_value(json!({"id": id, "name": id, "size": size, "status": "available", "volume_type": "SSD",
            "availability_zone": "az", "bootable": false, "server_id": null, "device": null, "tags": [],
            "created_ms": 0}))
        .unwrap()
    }

    fn server(id: &str) -> Server {
        serde_json::from_value(json!({"id": id, "name": id, "status": "ACTIVE", "availability_zone": "az",
            "flavor": "f", "image_id": "i", "os_type": "Linux", "architecture": "x86_64", "volumes": [],
            "tags": [], "created_ms": 0}))
        .unwrap()
    }

    /// Two projects, `p` and `q`, each with a vault, a backup and a volume; `q` shares its backup
    /// with `p`.
    fn world() -> BTreeMap<String, HwProject> {
        let mut w: BTreeMap<String, HwProject> = BTreeMap::new();
        for id in ["p", "q"] {
            let p = w.entry(id.into()).or_default();
            p.vaults.insert(format!("v-{id}"), vault(&format!("v-{id}")));
            p.backups.insert(format!("b-{id}").as_str().into(), backup(&format!("b-{id}"), &format!("v-{id}")));
            p.volumes.insert("r".into(), volume("r", 10));
        }
        let q = w.get_mut("q").unwrap();
        q.members.insert("m".into(), member("b-q", "p"));
        w
    }

    /// Every stamp list `f` gives after each change, and whether it differed from the one before.
    fn moves(f: impl Fn(&BTreeMap<String, HwProject>) -> [u64; 4]) -> Vec<(&'static str, bool)> {
        type Change = (&'static str, fn(&mut BTreeMap<String, HwProject>));
        let changes: [Change; 10] = [
            ("nothing", |_| {}),
            ("own backup renamed", |w| w.get_mut("p").unwrap().backups.get_mut("b-p").unwrap().name = "x".into()),
            ("own vault renamed", |w| w.get_mut("p").unwrap().vaults.get_mut("v-p").unwrap().name = "x".into()),
            ("own volume grown", |w| w.get_mut("p").unwrap().volumes.get_mut("r").unwrap().size = 20),
            ("own server added", |w| {
                w.get_mut("p").unwrap().servers.insert("s".into(), server("s"));
            }),
            ("own policies changed", |w| {
                w.get_mut("p").unwrap().policies.remove("none");
            }),
            ("other's backup renamed", |w| w.get_mut("q").unwrap().backups.get_mut("b-q").unwrap().name = "y".into()),
            ("other's share accepted", |w| {
                w.get_mut("q").unwrap().members.get_mut("m").unwrap().vault_id = Some("v-p".into())
            }),
            ("a project added", |w| {
                w.insert("r".into(), HwProject::default());
            }),
            ("a project gone", |w| {
                w.remove("q");
            }),
        ];
        let mut w = world();
        let mut before = f(&w);
        changes
            .iter()
            .map(|(what, change)| {
                change(&mut w);
                let now = f(&w);
                let moved = now != before;
                before = now;
                (*what, moved)
            })
            .collect()
    }

    fn moved(list: &[(&str, bool)]) -> Vec<String> {
        list.iter().filter(|(_, m)| *m).map(|(w, _)| w.to_string()).collect()
    }

    #[test]
    fn vault_pages_follow_the_projects_own_vaults_backups_servers_and_volumes() {
        let got = moves(|w| vault_stamps(w, "p"));
        let want = ["own backup renamed", "own vault renamed", "own volume grown", "own server added"];
        assert_eq!(moved(&got), want);
        assert_eq!(vault_stamps(&BTreeMap::new(), "p"), [0; 4], "no state: the empty page");
    }

    #[test]
    fn a_private_backup_page_follows_the_own_backups_alone_a_shared_one_every_project() {
        assert_eq!(moved(&moves(|w| backup_stamps(w, "p", false, false))), ["own backup renamed"]);
        assert_eq!(
            moved(&moves(|w| backup_stamps(w, "p", false, true))),
            ["own backup renamed", "own vault renamed"],
            "used_percent reads the vaults"
        );
        let shared = moved(&moves(|w| backup_stamps(w, "p", true, false)));
        let want = [
            "own backup renamed",
            "other's backup renamed",
            "other's share accepted",
            "a project added",
            "a project gone",
        ];
        assert_eq!(shared, want);
        // The project gone there held no largest stamp (the new one did): the count told. One
        // that holds it lowers it.
        let mut w = world();
        w.insert("r".into(), HwProject::default());
        let before = backup_stamps(&w, "p", true, false);
        w.remove("q");
        assert_eq!(backup_stamps(&w, "p", true, false)[2], before[2], "r's stamps are the largest");
        let before = backup_stamps(&w, "p", true, false);
        w.remove("r");
        assert!(backup_stamps(&w, "p", true, false)[2] < before[2]);
    }

    #[test]
    fn different_queries_make_different_keys() {
        let q = |pairs: &[(&str, &str)]| Query(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        let key = |query: Query| ask("ListBackups", "p", &query, [1; 4]);
        let sets = [
            q(&[]),
            q(&[("limit", "2")]),
            q(&[("limit", "2"), ("offset", "0")]),
            q(&[("offset", "0"), ("limit", "2")]),
            q(&[("limit", "20")]),
            q(&[("limit2", "0")]),
            q(&[("status", "available"), ("status", "error")]),
            q(&[("status", "availableerror")]),
            q(&[("status", "available")]),
            q(&[("status", "")]),
            q(&[("status", ""), ("", "")]),
        ];
        for (i, a) in sets.iter().enumerate() {
            assert!(key(Query(a.0.clone())) == key(Query(a.0.clone())), "{:?}", a.0);
            for b in &sets[i + 1..] {
                assert!(key(Query(a.0.clone())) != key(Query(b.0.clone())), "{:?} and {:?}", a.0, b.0);
            }
        }
        let base = ask("ListBackups", "p", &q(&[]), [1; 4]);
        assert!(base != ask("ListVault", "p", &q(&[]), [1; 4]), "another operation");
        assert!(base != ask("ListBackups", "q", &q(&[]), [1; 4]), "another project");
        assert!(base != ask("ListBackups", "p", &q(&[]), [1, 1, 1, 2]), "another stamp");
    }

    /// The handlers themselves: a repeated read is the kept page's own bytes (no new rendering,
    /// no copy); a change renders anew; with `kept_pages` off every read renders.
    #[test]
    fn a_repeated_list_is_served_from_the_kept_bytes() {
        let mut state = crate::world::World { huawei: world(), ..Default::default() };
        let mut ids = IdGen::new(Some(1));
        let page = |state: &mut crate::world::World, ids: &mut IdGen, cfg: &Config, op: &str, query: &str| {
            let mut part = state.huawei_part();
            let mut ctx = Ctx {
                cfg,
                world: &mut part,
                ids,
                timing: TimingPolicy::Immediate,
                now: 1_000,
                account: "a",
                project: "p",
                region: "cn-north-4",
                user_id: "u",
                request_id: "r",
            };
            let req = Req { params: vec![], query: Query(crate::huawei::body::query_pairs(query).unwrap()), body: b"" };
            let handler = match op {
                "ListBackups" => crate::huawei::api::backups::list_backups,
                _ => crate::huawei::api::vaults::list_vault,
            };
            match handler(&mut ctx, &req).unwrap().body {
                Some(Body::Kept(b)) => (true, b),
                Some(Body::Bytes(b)) => (false, Bytes::from(b)),
                _ => panic!("a list answers bytes"),
            }
        };
        let on = Config::default();
        for (op, query) in [("ListBackups", "limit=5"), ("ListBackups", "own_type=all_granted"), ("ListVault", "")] {
            let (kept, first) = page(&mut state, &mut ids, &on, op, query);
            let (_, again) = page(&mut state, &mut ids, &on, op, query);
            assert!(kept);
            assert_eq!(first.as_ptr(), again.as_ptr(), "{op}?{query}: the kept bytes themselves");
            let p = state.huawei.get_mut("p").unwrap();
            let name = format!("n{}", query.len());
            match op {
                "ListBackups" => p.backups.get_mut("b-p").unwrap().name = name,
                _ => p.vaults.get_mut("v-p").unwrap().name = name,
            }
            let (_, changed) = page(&mut state, &mut ids, &on, op, query);
            assert_ne!(first.as_ptr(), changed.as_ptr(), "{op}?{query}: rendered anew after a change");
            assert_ne!(first, changed, "{op}?{query}: the rename shows");
        }
        // Without a `limit` a page holds up to 1,000 backups (~1.1 MB of real ones): kept as well.
        let p = state.huawei.get_mut("p").unwrap();
        for i in 0..1000 {
            let id = format!("b-{i:04}");
            p.backups.insert(id.as_str().into(), backup(&id, "v-p"));
        }
        let (kept, first) = page(&mut state, &mut ids, &on, "ListBackups", "");
        let (_, again) = page(&mut state, &mut ids, &on, "ListBackups", "");
        assert!(kept && first.len() > 512 * 1024, "{} bytes", first.len());
        assert_eq!(first.as_ptr(), again.as_ptr(), "a page of 1,000 backups: the kept bytes themselves");
        let shared = page(&mut state, &mut ids, &on, "ListBackups", "own_type=shared").1;
        assert!(std::str::from_utf8(&shared).unwrap().contains("\"id\":\"b-q\""), "q's share is listed");
        let off = Config { kept_pages: false, ..Config::default() };
        let (kept, a) = page(&mut state, &mut ids, &off, "ListVault", "");
        let (_, b) = page(&mut state, &mut ids, &off, "ListVault", "");
        assert!(!kept);
        assert_eq!(a, b);
        assert_ne!(a.as_ptr(), b.as_ptr(), "off: each read renders");
    }
}
