//! Backups: starting one (a checkpoint, a backup and a task per resource), and what the clock
//! does to them afterwards: protecting → available (or error), restoring → available,
//! deleting → gone, retention expiry and a policy's pruning.

use serde_json::{json, Value};

use crate::core::intern::intern;
use crate::core::shared::Shared;
use crate::core::timing::Gate;
use crate::huawei::ctx::Ctx;
use crate::huawei::domain::capacity::grow_to_fit;
use crate::huawei::domain::task::{describe_task, end_task, launch, set_protect_status, take_fault, FAULT};
use crate::huawei::domain::{capacity, vault};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{
    Backup, Checkpoint, HwProject, HwWork, OpLog, Policy, Server, Skipped, Vault, VaultResource, Volume,
};
use crate::huawei::model::{TYPE_SERVER, TYPE_VOLUME};
use crate::huawei::world::World;

/// What CreateCheckpoint or a policy run backs up.
pub struct Plan {
    pub vault_id: String,
    /// None: every resource of the vault (for a policy run, the ones not suspended).
    pub resources: Option<Vec<String>>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub incremental: bool,
    /// CreateCheckpoint's `parameters.auto_trigger`: an automatic backup without a policy run.
    pub auto_trigger: bool,
    pub policy: Option<Policy>,
    pub retention_days: Option<i64>,
}

/// Start backing up a vault: a checkpoint, one backup and one task per resource.
pub fn start_backup(ctx: &mut Ctx<'_>, plan: Plan) -> HwResult<String> {
    let project = ctx.project.to_string();
    // A policy run is automatic; so is a checkpoint that says `auto_trigger: true` (4.13.4).
    let auto = plan.auto_trigger || plan.policy.is_some();
    let (vault, targets) = backup_targets(ctx, &plan, auto)?;
    let checkpoint_id = ctx.ids.uuid();
    let retention = plan.retention_days.filter(|d| *d > 0);
    let expires = retention.map(|d| ctx.now + d * 86_400_000);
    let mut checkpoint = Checkpoint {
        id: checkpoint_id.clone(),
        vault_id: vault.id.clone(),
        created_ms: ctx.now,
        status: "protecting".into(),
        name: plan.name.clone(),
        description: plan.description.clone(),
        resources: targets.clone(),
        skipped: vec![],
        backups: vec![],
        retention_duration: plan.retention_days.unwrap_or(-1),
    };
    let run = Run { plan: &plan, vault: &vault, project: &project, checkpoint_id: &checkpoint_id, auto, expires };
    let mut started = Vec::new();
    for rid in &targets {
        let res = vault.resource(rid).expect("checked above");
        match skip_reason(ctx.proj_ref().expect("project exists"), res, auto) {
            Some((code, reason)) => checkpoint.skipped.push(Skipped {
                id: rid.clone(),
                kind: res.kind.clone(),
                name: res.name.clone(),
                code: code.into(),
                reason: reason.into(),
            }),
            None => {
                let (backup_id, log) = start_resource(ctx, &run, res);
                checkpoint.backups.push(backup_id.clone());
                started.push((backup_id, log));
            }
        }
    }
    if started.is_empty() {
        checkpoint.status = "available".into();
    }
    ctx.proj().checkpoints.insert(checkpoint_id.clone(), checkpoint);
    launch_backups(ctx, &run, started);
    Ok(checkpoint_id)
}

/// One backup run as its resources are started: the plan, the vault (as it read before the
/// run), and what every resource's backup shares.
struct Run<'r> {
    plan: &'r Plan,
    vault: &'r Vault,
    project: &'r str,
    checkpoint_id: &'r str,
    auto: bool,
    expires: Option<i64>,
}

/// Whether the vault can back up now, and which of its resources: the plan's (each must be
/// bound) or all of them (for an automatic run, the ones not suspended).
fn backup_targets(ctx: &Ctx<'_>, plan: &Plan, auto: bool) -> HwResult<(Vault, Vec<String>)> {
    let p = ctx.proj_ref().ok_or_else(|| e::Bs6105(format!("Vault {} does not exist.", plan.vault_id)))?;
    let vault = vault::get(Some(p), &plan.vault_id)?;
    if vault.billing.protect_type == "replication" || vault.billing.cloud_type == "hybrid" {
        return Err(e::Bs6124("This vault type does not support backup."));
    }
    if vault.billing.status != "available" {
        return Err(e::Bs6113(format!("Vault {} is {}; it cannot back up.", vault.id, vault.billing.status)));
    }
    if !vault.auto_expand && capacity::used_mb(p, &vault.id) >= vault.billing.size * 1024 {
        return Err(e::Bs6114("The vault's used capacity has reached its size."));
    }
    let targets: Vec<String> = match &plan.resources {
        Some(ids) => {
            for id in ids {
                if vault.resource(id).is_none() {
                    return Err(e::Bs6135(format!("Resource {id} is not in vault {}.", vault.id)));
                }
            }
            ids.clone()
        }
        None => vault.resources.iter().filter(|r| !(auto && r.suspended)).map(|r| r.id.clone()).collect(),
    };
    if targets.is_empty() {
        return Err(e::Bs0001("The vault has no resource to back up."));
    }
    Ok((vault.clone(), targets))
}

/// Why a bound resource is skipped by this run (the checkpoint lists it with the code), if it is.
fn skip_reason(p: &HwProject, res: &VaultResource, auto: bool) -> Option<(&'static str, &'static str)> {
    if res.protect_status == "protecting" || res.protect_status == "restoring" {
        return Some(("BackupService.0002", "resource is being backed up"));
    }
    if auto && res.suspended {
        return Some(("BackupService.6219", "automatic backup of the resource is suspended"));
    }
    if p.servers.get(&res.id).is_some_and(|s| !matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF")) {
        return Some(("BackupService.7101", "server status does not support backup"));
    }
    None
}

/// The volumes a resource's backup covers: a server's attached volumes less the excluded ones,
/// or the volume itself.
fn covered_volumes(p: &HwProject, res: &VaultResource) -> Vec<Volume> {
    match p.servers.get(&res.id) {
        Some(s) => s
            .volumes
            .iter()
            .filter(|v| !res.exclude_volumes.contains(v))
            .filter_map(|v| p.volumes.get(v))
            .cloned()
            .collect(),
        None => p.volumes.get(&res.id).cloned().into_iter().collect(),
    }
}

/// Whether this resource's next backup is incremental. A resource's first backup in a vault is
/// full; full_backup_interval N makes every (N+1)th one full as well (0: always full, -1: never
/// again).
fn is_incremental(p: &HwProject, run: &Run<'_>, rid: &str) -> bool {
    let interval = run.plan.policy.as_ref().and_then(|p| p.definition.full_backup_interval);
    if !run.plan.incremental {
        return false;
    }
    if !matches!(interval, Some(n) if n >= 0) {
        // Only whether a previous backup exists matters: stop at the first, not read them all.
        return capacity::resource_backups(p, &run.vault.id, rid).any(|b| b.status != "error");
    }
    let mut previous: Vec<(u64, bool)> = capacity::resource_backups(p, &run.vault.id, rid)
        .filter(|b| b.status != "error")
        .map(|b| (b.seq, b.incremental))
        .collect();
    previous.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
    let since_full = previous.iter().take_while(|(_, inc)| *inc).count() as i64;
    !previous.is_empty()
        && run.plan.incremental
        && match interval {
            Some(n) if n >= 0 => since_full < n,
            _ => true,
        }
}

/// What ShowBackup's `extend_info`-side metadata records of the protected server and volumes.
fn backup_metadata(server: Option<&Server>, volumes: &[Volume]) -> Value {
    json!({
        "server": server.map(|s| json!({"id": s.id, "name": s.name, "status": s.status, "flavor": {"id": s.flavor}, "image": {"id": s.image_id}, "OS-EXT-AZ:availability_zone": s.availability_zone})),
        "volumes": volumes.iter().map(|v| json!({"id": v.id, "name": v.name, "size": v.size, "volume_type": v.volume_type, "bootable": v.bootable.to_string(), "availability_zone": v.availability_zone})).collect::<Vec<_>>(),
        "flavor": server.map(|s| json!({"id": s.flavor, "name": s.flavor})),
        "backups": [],
    })
}

/// Start one resource's backup: the backup (with a per-disk child for each volume of a server),
/// its task, and the resource reads `protecting`. Returns (backup id, task id).
fn start_resource(ctx: &mut Ctx<'_>, run: &Run<'_>, res: &VaultResource) -> (String, String) {
    let p = ctx.proj_ref().expect("project exists");
    let server = p.servers.get(&res.id).cloned();
    let volumes = covered_volumes(p, res);
    let az = server
        .as_ref()
        .map(|s| s.availability_zone.clone())
        .or_else(|| volumes.first().map(|v| v.availability_zone.clone()))
        .unwrap_or_default();
    let size: i64 = volumes.iter().map(|v| v.size).sum();
    let incremental = is_incremental(p, run, &res.id);
    let incremental_pct = ctx.cfg.huawei.limits.incremental_percent;
    let stored_mb = if incremental { size * 1024 * incremental_pct / 100 } else { size * 1024 };
    let backup_id = ctx.ids.uuid();
    let prefix =
        run.vault.backup_name_prefix.clone().unwrap_or_else(|| (if run.auto { "autobk" } else { "manualbk" }).into());
    let name = run.plan.name.clone().unwrap_or_else(|| format!("{prefix}_{}", &backup_id[..4]));
    let mut backup = Backup {
        id: backup_id.clone(),
        seq: ctx.world.next_seq(),
        name: name.clone(),
        description: run.plan.description.clone(),
        checkpoint_id: run.checkpoint_id.into(),
        vault_id: run.vault.id.clone(),
        project_id: intern(run.project),
        provider_id: intern(&run.vault.provider_id),
        resource_id: res.id.clone(),
        resource_name: res.name.clone(),
        resource_type: intern(&res.kind),
        resource_size: size,
        resource_az: intern(&az),
        image_type: "backup".into(),
        status: "protecting".into(),
        parent_id: None,
        children: vec![],
        created_ms: ctx.now,
        updated_ms: ctx.now,
        protected_ms: None,
        expired_ms: run.expires,
        incremental,
        auto_trigger: run.auto,
        policy_id: run.plan.policy.as_ref().map(|p| p.id.clone()),
        size_mb: stored_mb,
        bootable: volumes.iter().any(|v| v.bootable),
        snapshot_id: None,
        replication_records: vec![],
        metadata: backup_metadata(server.as_ref(), &volumes).into(),
    };
    let children = disk_backups(ctx, &mut backup, &volumes);
    let pr = ctx.proj();
    pr.backups.insert(backup_id.as_str().into(), Shared::new(backup));
    for c in children {
        pr.backups.insert(c.id.as_str().into(), Shared::new(c));
    }
    set_protect_status(pr, &res.id, "protecting");
    let log = backup_task(ctx, run, res, (&backup_id, &name), incremental);
    (backup_id, log)
}

/// A server backup's per-disk children (each with a snapshot); a volume backup gets its
/// snapshot instead.
fn disk_backups(ctx: &mut Ctx<'_>, backup: &mut Backup, volumes: &[Volume]) -> Vec<Backup> {
    let mut children = Vec::new();
    if backup.resource_type != TYPE_SERVER {
        backup.snapshot_id = Some(ctx.ids.uuid());
        return children;
    }
    for v in volumes {
        let cid = ctx.ids.uuid();
        // A disk-level backup has no children of its own (§B.4), whatever the parent
        // has collected so far.
        children.push(Backup {
            id: cid.clone(),
            seq: ctx.world.next_seq(),
            parent_id: Some(backup.id.clone()),
            children: vec![],
            resource_id: v.id.clone(),
            resource_name: v.name.clone(),
            resource_type: TYPE_VOLUME.into(),
            resource_size: v.size,
            resource_az: intern(&v.availability_zone),
            size_mb: 0,
            bootable: v.bootable,
            snapshot_id: Some(ctx.ids.uuid()),
            metadata: json!({}).into(),
            ..backup.clone()
        });
        backup.children.push(cid);
    }
    children
}

/// The backup task of one resource, described (checkpoint, policy, provider, resource).
fn backup_task(
    ctx: &mut Ctx<'_>,
    run: &Run<'_>,
    res: &VaultResource,
    (id, name): (&str, &str),
    incremental: bool,
) -> String {
    let extra = json!({"backup": {
        "app_consistency_error_code": "", "app_consistency_error_message": "",
        "app_consistency_status": if run.vault.billing.consistent_level == "app_consistent" { "1" } else { "0" },
        "backup_id": id, "backup_name": name, "incremental": incremental.to_string(),
    }});
    let log = ctx.new_oplog(run.project, "backup", (&run.vault.id, &run.vault.name), extra);
    let policy_id = run.plan.policy.as_ref().map(|p| p.id.as_str()).unwrap_or("");
    let resource = Some((res.id.clone(), res.name.clone(), res.kind.clone()));
    describe_task(ctx.world, run.project, &log, run.checkpoint_id, policy_id, &run.vault.provider_id, resource);
    log
}

/// Queue the started backups' tasks, and their expiry when the run has a retention.
fn launch_backups(ctx: &mut Ctx<'_>, run: &Run<'_>, started: Vec<(String, String)>) {
    let project = run.project.to_string();
    for (backup, log) in started {
        let done = HwWork::BackupDone {
            project: project.clone(),
            checkpoint: run.checkpoint_id.into(),
            backup: backup.clone(),
            oplog: log.clone(),
        };
        launch(ctx, &project, &log, done);
        if let Some(at) = run.expires {
            let gate = Gate::at(ctx.now, at);
            ctx.schedule_gate(&project, gate, HwWork::Expire { project: project.clone(), backup });
        }
    }
}

/// Remove a backup with its per-disk children (and its shares). A checkpoint whose backups
/// are all gone at `at` is kept for the operation-log retention, then forgotten
/// (core/logbook.rs): otherwise every policy run would leave a record behind for good.
pub fn remove_backup(p: &mut HwProject, id: &str, at: i64) {
    if let Some(b) = p.backups.remove(id) {
        for c in &b.children {
            p.backups.remove(c.as_str());
        }
        let emptied = p
            .checkpoints
            .get(&b.checkpoint_id)
            .is_some_and(|c| c.backups.iter().all(|other| !p.backups.contains_key(other.as_str())));
        if emptied {
            p.emptied_checkpoints.get_mut().insert((at, b.checkpoint_id.clone()));
        }
    }
    p.members.retain(|_, m| m.backup_id != id);
}

/// The delete task the service records when retention removes a backup.
fn log_expiry(world: &mut World, project: &str, vault: (&str, &str), backup: &str, name: &str, at: i64) {
    let seq = world.next_seq();
    let id = crate::core::ids::uuid_from(seq);
    let log = OpLog {
        id: id.clone(),
        seq,
        operation_type: "delete".into(),
        status: "success".into(),
        checkpoint_id: String::new(),
        policy_id: String::new(),
        provider_id: "".into(),
        vault_id: vault.0.into(),
        vault_name: vault.1.into(),
        created_ms: at,
        started_ms: Some(at),
        ended_ms: Some(at),
        updated_ms: at,
        error_code: "".into(),
        error_message: String::new(),
        extra: json!({"delete": {"backup_id": backup, "backup_name": name}}).into(),
        progress: 100,
        request_id: String::new(),
        resource: None,
    };
    world.huawei.entry(project.into()).or_default().oplogs.insert(log);
}

/// A backup task ends: the backup (and its per-disk children) is available, or `error` on an
/// injected failure; the checkpoint settles once all its backups have; a policy run prunes.
pub fn backup_done(world: &mut World, project: &str, (checkpoint, backup, oplog): (&str, &str, &str), at: i64) {
    let (resource, vault_id) = match world.huawei.get(project).and_then(|p| p.backups.get(backup)) {
        Some(b) => (b.resource_id.clone(), b.vault_id.clone()),
        None => return,
    };
    let failed = take_fault(world, "backup", &[backup, &resource, oplog, &vault_id]);
    let Some(p) = world.huawei.get_mut(project) else { return };
    let Some(mut b) = p.backups.get_mut(backup) else { return };
    let status = if failed { "error" } else { "available" };
    b.status = status.into();
    b.updated_ms = at;
    b.protected_ms = (!failed).then_some(at);
    let policy = b.policy_id.clone();
    let children = b.children.clone();
    drop(b);
    for c in children {
        if let Some(mut c) = p.backups.get_mut(c.as_str()) {
            c.status = status.into();
            c.updated_ms = at;
            c.protected_ms = (!failed).then_some(at);
        }
    }
    set_protect_status(p, &resource, if failed { "error" } else { "available" });
    let done = p.checkpoints.get(checkpoint).map(|c| {
        c.backups
            .iter()
            .all(|id| p.backups.get(id.as_str()).is_none_or(|b| matches!(&*b.status, "available" | "error")))
    });
    if done == Some(true) {
        if let Some(c) = p.checkpoints.get_mut(checkpoint) {
            let all_failed = c.backups.iter().all(|id| p.backups.get(id.as_str()).is_none_or(|b| b.status == "error"));
            c.status = if all_failed { "error" } else { "available" }.into();
        }
    }
    grow_to_fit(p, &vault_id);
    end_task(world, project, oplog, at, failed.then_some(FAULT));
    if let (Some(pid), false) = (policy, failed) {
        prune(world, project, (&vault_id, &resource), &pid, at);
    }
}

/// Apply a backup policy's count and calendar retention to one resource's automatic backups.
fn prune(world: &mut World, project: &str, (vault, resource): (&str, &str), policy: &str, at: i64) {
    let Some(p) = world.huawei.get(project) else { return };
    let Some(pol) = p.policies.get(policy) else { return };
    let d = &pol.definition;
    let rules = crate::retention::Rules {
        max_backups: d.max_backups,
        retention_days: None,
        day: d.day_backups.unwrap_or(0),
        week: d.week_backups.unwrap_or(0),
        month: d.month_backups.unwrap_or(0),
        year: d.year_backups.unwrap_or(0),
        utc_offset_secs: d.timezone.as_deref().and_then(|t| crate::retention::parse_utc_offset(t).ok()).unwrap_or(0),
    };
    let mut mine: Vec<&Backup> =
        capacity::resource_backups(p, vault, resource).filter(|b| b.auto_trigger && b.status == "available").collect();
    mine.sort_by_key(|b| std::cmp::Reverse((b.created_ms, b.seq)));
    let list: Vec<(String, i64)> = mine.iter().map(|b| (b.id.clone(), b.created_ms)).collect();
    let vault_name = p.vaults.get(vault).map(|v| v.name.clone()).unwrap_or_default();
    let names: Vec<(String, String)> = mine.iter().map(|b| (b.id.clone(), b.name.clone())).collect();
    for id in crate::retention::to_delete(&list, &rules, at) {
        if let Some(p) = world.huawei.get_mut(project) {
            remove_backup(p, &id, at);
        }
        let name = names.iter().find(|(b, _)| *b == id).map(|(_, n)| n.clone()).unwrap_or_default();
        log_expiry(world, project, (vault, &vault_name), &id, &name, at);
    }
}

pub fn get<'p>(p: Option<&'p HwProject>, id: &str) -> HwResult<&'p Backup> {
    p.and_then(|p| p.backups.get(id)).map(|b| &**b).ok_or_else(|| e::Bs6200(format!("Backup {id} does not exist.")))
}

/// The error for a backup that is busy with something else.
pub fn busy(b: &Backup) -> Option<e::HwError> {
    match &*b.status {
        "restoring" | "waiting_restore" => Some(e::Bs6230(format!("Backup {} is being restored.", b.id))),
        "deleting" | "waiting_delete" => Some(e::Bs6231(format!("Backup {} is being deleted.", b.id))),
        "protecting" | "waiting_protect" => Some(e::Bs6203(format!("Backup {} is in progress.", b.id))),
        _ if b.replication_records.iter().any(|r| r.status == "replicating") => {
            Some(e::Bs6232(format!("Backup {} is being replicated.", b.id)))
        }
        _ => None,
    }
}

/// A delete task ends: the backup is gone (or, on an injected failure, reads `error`).
pub fn delete_done(world: &mut World, project: &str, backup: &str, oplog: &str, at: i64) {
    let failed = take_fault(world, "delete", &[backup, oplog]);
    let Some(p) = world.huawei.get_mut(project) else { return };
    if failed {
        if let Some(mut b) = p.backups.get_mut(backup) {
            b.status = "error".into();
            b.updated_ms = at;
        }
    } else {
        remove_backup(p, backup, at);
    }
    end_task(world, project, oplog, at, failed.then_some(FAULT));
}

/// A backup's retention ran out: it goes, with the delete task the service records.
pub fn expire(world: &mut World, project: &str, backup: &str, at: i64) {
    let Some(p) = world.huawei.get_mut(project) else { return };
    let Some(b) = p.backups.get(backup) else { return };
    if b.status != "available" || b.expired_ms.is_none_or(|e| e > at) {
        return;
    }
    let (vid, name, bname) =
        (b.vault_id.clone(), p.vaults.get(&b.vault_id).map(|v| v.name.clone()).unwrap_or_default(), b.name.clone());
    remove_backup(p, backup, at);
    log_expiry(world, project, (&vid, &name), backup, &bname, at);
}

/// A backup ImportBackup synchronizes from a hybrid-cloud site.
pub struct Synced {
    pub backup_id: String,
    pub name: String,
    pub resource_id: String,
    pub resource_name: String,
    pub resource_type: String,
    /// Seconds since the epoch.
    pub created: i64,
}

/// Record a synchronized backup in the project's hybrid-cloud vault (the one that binds its
/// resource, if any), with its finished sync task. `path` names the item in errors. Returns the
/// task id.
pub fn import_synced(ctx: &mut Ctx<'_>, item: &Synced, path: &str) -> HwResult<String> {
    let project = ctx.project.to_string();
    let backup_id = &item.backup_id;
    let p = ctx.proj_ref();
    if p.is_some_and(|p| p.backups.contains_key(backup_id.as_str())) {
        return Err(invalid(format!("{path}.backup_id: backup {backup_id} already exists")));
    }
    let vault = p
        .into_iter()
        .flat_map(|p| p.vaults.values())
        .filter(|v| v.billing.cloud_type == "hybrid")
        .max_by_key(|v| v.resource(&item.resource_id).is_some())
        .ok_or_else(|| e::Bs7300("No hybrid-cloud vault in this project can receive synchronized backups."))?;
    let (vid, vname, provider) = (vault.id.clone(), vault.name.clone(), vault.provider_id.clone());
    let seq = ctx.world.next_seq();
    let checkpoint = ctx.ids.uuid();
    let backup = Backup {
        id: backup_id.clone(),
        seq,
        name: item.name.clone(),
        description: None,
        checkpoint_id: checkpoint,
        vault_id: vid.clone(),
        project_id: intern(&project),
        provider_id: intern(&provider),
        resource_id: item.resource_id.clone(),
        resource_name: item.resource_name.clone(),
        resource_type: intern(&item.resource_type),
        resource_size: 0,
        resource_az: "".into(),
        image_type: "backup".into(),
        status: "available".into(),
        parent_id: None,
        children: vec![],
        created_ms: item.created * 1000,
        updated_ms: ctx.now,
        protected_ms: Some(item.created * 1000),
        expired_ms: None,
        incremental: false,
        auto_trigger: false,
        policy_id: None,
        size_mb: 0,
        bootable: false,
        snapshot_id: None,
        replication_records: vec![],
        metadata: json!({}).into(),
    };
    ctx.proj().backups.insert(backup_id.as_str().into(), Shared::new(backup));
    let extra = json!({"sync": {"sync_backup_num": 1, "delete_backup_num": 0, "err_sync_backup_num": 0}});
    let log = ctx.new_oplog(&project, "sync", (&vid, &vname), extra);
    let resource = (item.resource_id.clone(), item.resource_name.clone(), item.resource_type.clone());
    describe_task(ctx.world, &project, &log, "", "", "", Some(resource));
    end_task(ctx.world, &project, &log, ctx.now, None);
    Ok(log)
}
