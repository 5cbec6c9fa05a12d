//! Async CBR work on the virtual clock: tasks (operation logs) go waiting → running →
//! success/failed; backups protecting → available, restoring → available, deleting → gone;
//! replication copies land in the destination vault; policies fire and retention prunes.

use serde_json::json;

use super::error::{self as e, HwResult};
use super::model::{Backup, Checkpoint, HwProject, HwWork, Policy, Skipped, Vault, TYPE_SERVER};
use super::{render, rrule, settings, Ctx};
use crate::config::Config;
use crate::core::ids::IdGen;
use crate::core::timing::Gate;
use crate::world::{Work, World};

/// Queue a task: it starts (`running`) on one gate, then `done` finishes it on another.
pub fn launch(ctx: &mut Ctx<'_>, project: &str, oplog: &str, done: HwWork) {
    let observed = ctx.timing == ctx.world.timing;
    let work = HwWork::TaskStart { project: project.into(), oplog: oplog.into(), then: Box::new(done), observed };
    ctx.schedule(project, work);
}

/// Fill in what a task is about.
pub fn describe_task(
    world: &mut World,
    project: &str,
    oplog: &str,
    checkpoint: &str,
    policy: &str,
    provider: &str,
    resource: Option<(String, String, String)>,
) {
    if let Some(p) = world.huawei.get_mut(project) {
        p.oplogs.update(oplog, |o| {
            o.checkpoint_id = checkpoint.into();
            o.policy_id = policy.into();
            o.provider_id = provider.into();
            o.resource = resource;
        });
    }
}

/// End a task: `success`, or `failed` with an error code and message.
pub fn end_task(world: &mut World, project: &str, oplog: &str, at: i64, error: Option<(&str, &str)>) {
    let Some(p) = world.huawei.get_mut(project) else { return };
    p.oplogs.update(oplog, |o| {
        o.started_ms.get_or_insert(at);
        o.ended_ms = Some(at);
        o.updated_ms = at;
        match error {
            None => {
                o.status = "success".into();
                o.progress = 100;
            }
            Some((code, message)) => {
                o.status = "failed".into();
                o.error_code = code.into();
                o.error_message = message.into();
            }
        }
    });
}

pub fn set_protect_status(p: &mut HwProject, resource: &str, status: &str) {
    for v in p.vaults.values_mut() {
        for r in v.resources.iter_mut().filter(|r| r.id == resource) {
            r.protect_status = status.into();
        }
    }
}

/// Consume a fault the control plane set for this kind of task, if one matches.
fn take_fault(world: &mut World, operation_type: &str, targets: &[&str]) -> bool {
    let hit = world.huawei_faults.iter().position(|f| {
        f.operation_type == operation_type && f.count > 0 && f.target.as_deref().is_none_or(|t| targets.contains(&t))
    });
    let Some(i) = hit else { return false };
    world.huawei_faults.get_mut()[i].count -= 1;
    if world.huawei_faults[i].count == 0 {
        world.huawei_faults.get_mut().remove(i);
    }
    true
}

const FAULT: (&str, &str) =
    ("BackupService.9910", "Unknown exception (failure injected through the cloudtwin control plane).");

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
    let incremental_pct = ctx.cfg.huawei.limits.incremental_percent;
    let p = ctx.proj_ref().ok_or_else(|| e::Bs6105(format!("Vault {} does not exist.", plan.vault_id)))?;
    let vault = super::vaults::get(Some(p), &plan.vault_id)?;
    if vault.billing.protect_type == "replication" || vault.billing.cloud_type == "hybrid" {
        return Err(e::Bs6124("This vault type does not support backup."));
    }
    if vault.billing.status != "available" {
        return Err(e::Bs6113(format!("Vault {} is {}; it cannot back up.", vault.id, vault.billing.status)));
    }
    if !vault.auto_expand && render::used_mb(p, &vault.id) >= vault.billing.size * 1024 {
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
    let vault = vault.clone();
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
    let prefix =
        vault.backup_name_prefix.clone().unwrap_or_else(|| if auto { "autobk".into() } else { "manualbk".into() });
    let mut started = Vec::new();
    for rid in &targets {
        let p = ctx.proj_ref().expect("project exists");
        let res = vault.resource(rid).expect("checked above");
        let server = p.servers.get(rid).cloned();
        let server = server.as_ref();
        let skip = |code: &str, reason: &str| Skipped {
            id: rid.clone(),
            kind: res.kind.clone(),
            name: res.name.clone(),
            code: code.into(),
            reason: reason.into(),
        };
        if res.protect_status == "protecting" || res.protect_status == "restoring" {
            checkpoint.skipped.push(skip("BackupService.0002", "resource is being backed up"));
            continue;
        }
        if auto && res.suspended {
            checkpoint.skipped.push(skip("BackupService.6219", "automatic backup of the resource is suspended"));
            continue;
        }
        if server.is_some_and(|s| !matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF")) {
            checkpoint.skipped.push(skip("BackupService.7101", "server status does not support backup"));
            continue;
        }
        let volumes: Vec<_> = match server {
            Some(s) => s
                .volumes
                .iter()
                .filter(|v| !res.exclude_volumes.contains(v))
                .filter_map(|v| p.volumes.get(v))
                .cloned()
                .collect(),
            None => p.volumes.get(rid).cloned().into_iter().collect(),
        };
        let az = server
            .map(|s| s.availability_zone.clone())
            .or_else(|| volumes.first().map(|v| v.availability_zone.clone()))
            .unwrap_or_default();
        let size: i64 = volumes.iter().map(|v| v.size).sum();
        // A resource's first backup in a vault is full; full_backup_interval N makes every
        // (N+1)th one full as well (0: always full, -1: never again).
        let mut previous: Vec<(u64, bool)> = p
            .backups
            .values()
            .filter(|b| b.vault_id == vault.id && b.resource_id == *rid && b.parent_id.is_none() && b.status != "error")
            .map(|b| (b.seq, b.incremental))
            .collect();
        previous.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        let since_full = previous.iter().take_while(|(_, inc)| *inc).count() as i64;
        let interval = plan.policy.as_ref().and_then(|p| p.definition.full_backup_interval);
        let incremental = !previous.is_empty()
            && plan.incremental
            && match interval {
                Some(n) if n >= 0 => since_full < n,
                _ => true,
            };
        let stored_mb = if incremental { size * 1024 * incremental_pct / 100 } else { size * 1024 };
        let backup_id = ctx.ids.uuid();
        let name = plan.name.clone().unwrap_or_else(|| format!("{prefix}_{}", &backup_id[..4]));
        let metadata = json!({
            "server": server.map(|s| json!({"id": s.id, "name": s.name, "status": s.status, "flavor": {"id": s.flavor}, "image": {"id": s.image_id}, "OS-EXT-AZ:availability_zone": s.availability_zone})),
            "volumes": volumes.iter().map(|v| json!({"id": v.id, "name": v.name, "size": v.size, "volume_type": v.volume_type, "bootable": v.bootable.to_string(), "availability_zone": v.availability_zone})).collect::<Vec<_>>(),
            "flavor": server.map(|s| json!({"id": s.flavor, "name": s.flavor})),
            "backups": [],
        });
        let mut backup = Backup {
            id: backup_id.clone(),
            seq: ctx.world.next_seq(),
            name: name.clone(),
            description: plan.description.clone(),
            checkpoint_id: checkpoint_id.clone(),
            vault_id: vault.id.clone(),
            project_id: project.clone(),
            provider_id: vault.provider_id.clone(),
            resource_id: rid.clone(),
            resource_name: res.name.clone(),
            resource_type: res.kind.clone(),
            resource_size: size,
            resource_az: az,
            image_type: "backup".into(),
            status: "protecting".into(),
            parent_id: None,
            children: vec![],
            created_ms: ctx.now,
            updated_ms: ctx.now,
            protected_ms: None,
            expired_ms: expires,
            incremental,
            auto_trigger: auto,
            policy_id: plan.policy.as_ref().map(|p| p.id.clone()),
            size_mb: stored_mb,
            bootable: volumes.iter().any(|v| v.bootable),
            snapshot_id: None,
            replication_records: vec![],
            metadata,
        };
        let mut children = Vec::new();
        if res.kind == TYPE_SERVER {
            for v in &volumes {
                let cid = ctx.ids.uuid();
                // A disk-level backup has no children of its own (§B.4), whatever the parent
                // has collected so far.
                children.push(Backup {
                    id: cid.clone(),
                    seq: ctx.world.next_seq(),
                    parent_id: Some(backup_id.clone()),
                    children: vec![],
                    resource_id: v.id.clone(),
                    resource_name: v.name.clone(),
                    resource_type: super::model::TYPE_VOLUME.into(),
                    resource_size: v.size,
                    resource_az: v.availability_zone.clone(),
                    size_mb: 0,
                    bootable: v.bootable,
                    snapshot_id: Some(ctx.ids.uuid()),
                    metadata: json!({}),
                    ..backup.clone()
                });
                backup.children.push(cid);
            }
        } else {
            backup.snapshot_id = Some(ctx.ids.uuid());
        }
        checkpoint.backups.push(backup_id.clone());
        let pr = ctx.proj();
        pr.backups.insert(backup_id.clone(), backup);
        for c in children {
            pr.backups.insert(c.id.clone(), c);
        }
        set_protect_status(pr, rid, "protecting");
        let extra = json!({"backup": {
            "app_consistency_error_code": "", "app_consistency_error_message": "",
            "app_consistency_status": if vault.billing.consistent_level == "app_consistent" { "1" } else { "0" },
            "backup_id": backup_id, "backup_name": name, "incremental": incremental.to_string(),
        }});
        let log = ctx.new_oplog(&project, "backup", (&vault.id, &vault.name), extra);
        let policy_id = plan.policy.as_ref().map(|p| p.id.as_str()).unwrap_or("");
        describe_task(
            ctx.world,
            &project,
            &log,
            &checkpoint_id,
            policy_id,
            &vault.provider_id,
            Some((rid.clone(), res.name.clone(), res.kind.clone())),
        );
        started.push((backup_id, log));
    }
    if started.is_empty() {
        checkpoint.status = "available".into();
    }
    ctx.proj().checkpoints.insert(checkpoint_id.clone(), checkpoint);
    for (backup, log) in started {
        let done = HwWork::BackupDone {
            project: project.clone(),
            checkpoint: checkpoint_id.clone(),
            backup: backup.clone(),
            oplog: log.clone(),
        };
        launch(ctx, &project, &log, done);
        if let Some(at) = expires {
            let gate = Gate::at(ctx.now, at);
            ctx.schedule_gate(&project, gate, HwWork::Expire { project: project.clone(), backup });
        }
    }
    Ok(checkpoint_id)
}

/// (Re)plan a policy's next trigger; a disabled policy has none.
pub fn schedule_policy(ctx: &mut Ctx<'_>, policy_id: &str) {
    unschedule_policy(ctx.world, policy_id);
    let project = ctx.project.to_string();
    let Some(pol) = ctx.proj_ref().and_then(|p| p.policies.get(policy_id)).cloned() else { return };
    if let Some(next) = next_trigger(&pol, ctx.now) {
        let gate = Gate::at(ctx.now, next);
        ctx.schedule_gate(&project, gate, HwWork::PolicyTick { project: project.clone(), policy: policy_id.into() });
    }
}

fn next_trigger(pol: &Policy, after: i64) -> Option<i64> {
    if !pol.enabled {
        return None;
    }
    let rules = rrule::parse_each(&pol.patterns).ok()?;
    rrule::next_after(&rules, pol.start_ms, after)
}

/// (Re)plan the next trigger of a policy in any project, from a job (organization policies
/// deploy into other accounts' projects).
pub fn reschedule_policy(world: &mut World, cfg: &Config, project: &str, policy_id: &str, at: i64) {
    unschedule_policy(world, policy_id);
    let Some(pol) = world.huawei.get(project).and_then(|p| p.policies.get(policy_id)).cloned() else { return };
    let Some((account, _, region)) = settings::project_owner(cfg, project) else { return };
    if let Some(next) = next_trigger(&pol, at) {
        let work = HwWork::PolicyTick { project: project.into(), policy: policy_id.into() };
        world.schedule(account, region, Gate::at(at, next), Work::Huawei(work));
    }
}

pub fn unschedule_policy(world: &mut World, policy_id: &str) {
    world.jobs.remove_for_target(policy_id, |j| matches!(&j.work, Work::Huawei(HwWork::PolicyTick { .. })));
}

/// Bind every unbound resource whose tags match an auto-binding vault's rules (a resource
/// matches when it carries every rule tag; no rules match every resource of the vault's type).
pub fn auto_bind(world: &mut World, project: &str) {
    let Some(p) = world.huawei.get_mut(project) else { return };
    let vault_ids: Vec<String> = p
        .vaults
        .values()
        .filter(|v| v.auto_bind && v.billing.status == "available" && v.billing.protect_type == "backup")
        .map(|v| v.id.clone())
        .collect();
    for vid in vault_ids {
        let v = &p.vaults[&vid];
        let rules = v.bind_rules.clone();
        let object_type = v.billing.object_type.clone();
        let bound: Vec<String> = p.vaults.values().flat_map(|v| v.resources.iter().map(|r| r.id.clone())).collect();
        let matches = |tags: &[super::model::Tag]| {
            rules.iter().all(|r| tags.iter().any(|t| t.key == r.key && t.value == r.value))
        };
        let new: Vec<super::model::VaultResource> = match object_type.as_str() {
            "server" => p
                .servers
                .values()
                .filter(|s| !bound.contains(&s.id) && s.status != "DELETED" && matches(&s.tags))
                .map(|s| (s.id.clone(), s.name.clone(), TYPE_SERVER))
                .collect::<Vec<_>>(),
            "disk" => p
                .volumes
                .values()
                .filter(|v| !bound.contains(&v.id) && matches(&v.tags))
                .map(|v| (v.id.clone(), v.name.clone(), super::model::TYPE_VOLUME))
                .collect(),
            _ => vec![],
        }
        .into_iter()
        .map(|(id, name, kind)| super::model::VaultResource {
            id,
            name,
            kind: kind.into(),
            exclude_volumes: vec![],
            protect_status: "available".into(),
            suspended: false,
        })
        .collect();
        if let Some(v) = p.vaults.get_mut(&vid) {
            v.resources.extend(new);
        }
    }
}

/// Finish one job at `at`.
pub fn finish(world: &mut World, cfg: &Config, account: &str, region: &str, work: HwWork, at: i64) {
    let project = work.project().to_string();
    match work {
        HwWork::TaskStart { oplog, then, observed, .. } => {
            if let Some(p) = world.huawei.get_mut(&project) {
                p.oplogs.update(&oplog, |o| {
                    o.status = "running".into();
                    o.started_ms = Some(at);
                    o.updated_ms = at;
                    o.progress = 50;
                });
            }
            let policy = if observed { world.timing } else { world.timing.unobserved() };
            world.schedule(account, region, Gate::new(policy, at), Work::Huawei(*then));
        }
        HwWork::BackupDone { checkpoint, backup, oplog, .. } => {
            backup_done(world, cfg, account, region, &project, &checkpoint, &backup, &oplog, at)
        }
        HwWork::RestoreDone { backup, oplog, .. } => {
            let failed = take_fault(world, "restore", &[&backup, &oplog]);
            let Some(p) = world.huawei.get_mut(&project) else { return };
            let target = p
                .oplogs
                .get(&oplog)
                .and_then(|o| o.extra["restore"]["target_resource_id"].as_str().map(str::to_string));
            if let Some(b) = p.backups.get_mut(&backup) {
                b.status = "available".into();
                b.updated_ms = at;
            }
            if let Some(t) = target {
                set_protect_status(p, &t, "available");
            }
            end_task(world, &project, &oplog, at, failed.then_some(FAULT));
        }
        HwWork::DeleteDone { backup, oplog, .. } => {
            let failed = take_fault(world, "delete", &[&backup, &oplog]);
            let Some(p) = world.huawei.get_mut(&project) else { return };
            if failed {
                if let Some(b) = p.backups.get_mut(&backup) {
                    b.status = "error".into();
                    b.updated_ms = at;
                }
            } else {
                remove_backup(p, &backup, at);
            }
            end_task(world, &project, &oplog, at, failed.then_some(FAULT));
        }
        HwWork::VaultDeleteDone { vault, oplog, .. } => {
            let Some(p) = world.huawei.get_mut(&project) else { return };
            p.vaults.remove(&vault);
            p.backups.retain(|_, b| b.vault_id != vault);
            super::sharing::drop_orphans(p);
            p.checkpoints.retain(|_, c| c.vault_id != vault);
            end_task(world, &project, &oplog, at, None);
        }
        HwWork::ReplicationDone { backup, record, oplog, name, description, .. } => {
            replication_done(world, &project, (&backup, &record, &oplog), (name, description), at)
        }
        HwWork::PolicyTick { policy, .. } => fire(world, cfg, account, region, &project, &policy, at),
        HwWork::OrgPolicySync { policy, .. } => super::organization::sync_done(world, cfg, &project, &policy, at),
        HwWork::Expire { backup, .. } => {
            let Some(p) = world.huawei.get_mut(&project) else { return };
            let Some(b) = p.backups.get(&backup) else { return };
            if b.status != "available" || b.expired_ms.is_none_or(|e| e > at) {
                return;
            }
            let (vid, name, bname) = (
                b.vault_id.clone(),
                p.vaults.get(&b.vault_id).map(|v| v.name.clone()).unwrap_or_default(),
                b.name.clone(),
            );
            remove_backup(p, &backup, at);
            log_expiry(world, &project, (&vid, &name), &backup, &bname, at);
        }
        HwWork::MigrateDone { .. } => {
            let failed = take_fault(world, "migrate", &[&project]);
            let Some(m) = world.huawei.get_mut(&project).and_then(|p| p.migration.get_mut().as_mut()) else { return };
            m.ended_ms = Some(at);
            if failed {
                m.status = "failed".into();
                m.fail_code = Some(4002);
                m.fail_reason = Some("Migration failed (failure injected through the cloudtwin control plane).".into());
            } else {
                m.status = "success".into();
                m.progress = 100;
            }
        }
    }
}

/// Whether `incoming_mb` more can be stored in a vault: nothing always fits, an auto-expanding
/// vault grows to fit (`grow_to_fit`), any other needs that much room left below its size.
pub fn fits(p: &HwProject, vault: &Vault, incoming_mb: i64) -> bool {
    incoming_mb == 0 || vault.auto_expand || render::used_mb(p, &vault.id) + incoming_mb <= vault.billing.size * 1024
}

/// Auto-expansion: an on-demand vault that outgrows its size grows to fit.
pub fn grow_to_fit(p: &mut HwProject, vault_id: &str) {
    let used = render::used_mb(p, vault_id);
    if let Some(v) = p.vaults.get_mut(vault_id) {
        if v.auto_expand && used > v.billing.size * 1024 {
            v.billing.size = render::mb_to_gb(used);
        }
    }
}

/// Remove a backup with its per-disk children (and its shares). A checkpoint whose backups
/// are all gone at `at` is kept for the operation-log retention, then forgotten
/// (history.rs): otherwise every policy run would leave a record behind for good.
pub fn remove_backup(p: &mut HwProject, id: &str, at: i64) {
    if let Some(b) = p.backups.remove(id) {
        for c in &b.children {
            p.backups.remove(c);
        }
        let emptied = p
            .checkpoints
            .get(&b.checkpoint_id)
            .is_some_and(|c| c.backups.iter().all(|other| !p.backups.contains_key(other)));
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
    let log = super::model::OpLog {
        id: id.clone(),
        seq,
        operation_type: "delete".into(),
        status: "success".into(),
        checkpoint_id: String::new(),
        policy_id: String::new(),
        provider_id: String::new(),
        vault_id: vault.0.into(),
        vault_name: vault.1.into(),
        created_ms: at,
        started_ms: Some(at),
        ended_ms: Some(at),
        updated_ms: at,
        error_code: String::new(),
        error_message: String::new(),
        extra: json!({"delete": {"backup_id": backup, "backup_name": name}}),
        progress: 100,
        request_id: String::new(),
        resource: None,
    };
    world.huawei.entry(project.into()).or_default().oplogs.insert(log);
}

#[allow(clippy::too_many_arguments)]
fn backup_done(
    world: &mut World,
    cfg: &Config,
    account: &str,
    region: &str,
    project: &str,
    checkpoint: &str,
    backup: &str,
    oplog: &str,
    at: i64,
) {
    let (resource, vault_id) = match world.huawei.get(project).and_then(|p| p.backups.get(backup)) {
        Some(b) => (b.resource_id.clone(), b.vault_id.clone()),
        None => return,
    };
    let failed = take_fault(world, "backup", &[backup, &resource, oplog, &vault_id]);
    let Some(p) = world.huawei.get_mut(project) else { return };
    let Some(b) = p.backups.get_mut(backup) else { return };
    let status = if failed { "error" } else { "available" };
    b.status = status.into();
    b.updated_ms = at;
    b.protected_ms = (!failed).then_some(at);
    let policy = b.policy_id.clone();
    let children = b.children.clone();
    for c in children {
        if let Some(c) = p.backups.get_mut(&c) {
            c.status = status.into();
            c.updated_ms = at;
            c.protected_ms = (!failed).then_some(at);
        }
    }
    set_protect_status(p, &resource, if failed { "error" } else { "available" });
    let done = p.checkpoints.get(checkpoint).map(|c| {
        c.backups.iter().all(|id| p.backups.get(id).is_none_or(|b| matches!(b.status.as_str(), "available" | "error")))
    });
    if done == Some(true) {
        if let Some(c) = p.checkpoints.get_mut(checkpoint) {
            let all_failed = c.backups.iter().all(|id| p.backups.get(id).is_none_or(|b| b.status == "error"));
            c.status = if all_failed { "error" } else { "available" }.into();
        }
    }
    grow_to_fit(p, &vault_id);
    end_task(world, project, oplog, at, failed.then_some(FAULT));
    if let (Some(pid), false) = (policy, failed) {
        prune(world, cfg, account, region, project, &vault_id, &resource, &pid, at);
    }
}

/// Apply a backup policy's count and calendar retention to one resource's automatic backups.
#[allow(clippy::too_many_arguments)]
fn prune(
    world: &mut World,
    _cfg: &Config,
    _account: &str,
    _region: &str,
    project: &str,
    vault: &str,
    resource: &str,
    policy: &str,
    at: i64,
) {
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
    let mut mine: Vec<&Backup> = p
        .backups
        .values()
        .filter(|b| b.vault_id == vault && b.resource_id == resource && b.parent_id.is_none())
        .filter(|b| b.auto_trigger && b.status == "available")
        .collect();
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

fn replication_done(
    world: &mut World,
    project: &str,
    (backup, record, oplog): (&str, &str, &str),
    (name, description): (Option<String>, Option<String>),
    at: i64,
) {
    let failed = take_fault(world, "replication", &[backup, record, oplog]);
    let Some(p) = world.huawei.get_mut(project) else { return };
    let Some(src) = p.backups.get_mut(backup) else { return };
    let Some(rec) = src.replication_records.iter_mut().find(|r| r.id == record) else { return };
    rec.status = if failed { "fail" } else { "success" }.into();
    rec.progress = if failed { 0 } else { 100 };
    if failed {
        rec.fail_code = FAULT.0.into();
        rec.fail_reason = FAULT.1.into();
    }
    let rec = rec.clone();
    let mut copy = src.clone();
    let children = src.children.clone();
    let child_backups: Vec<Backup> = children.iter().filter_map(|c| p.backups.get(c).cloned()).collect();
    end_task(world, project, oplog, at, failed.then_some(FAULT));
    if failed {
        return;
    }
    let dest = world.huawei.entry(rec.destination_project_id.clone()).or_default();
    if !dest.vaults.contains_key(&rec.destination_vault_id) {
        return;
    }
    let seq = world.next_seq();
    copy.id = rec.destination_backup_id.clone();
    copy.seq = seq;
    copy.checkpoint_id = rec.destination_checkpoint_id.clone();
    copy.vault_id = rec.destination_vault_id.clone();
    copy.project_id = rec.destination_project_id.clone();
    copy.image_type = "replication".into();
    copy.status = "available".into();
    if let Some(n) = name {
        copy.name = n;
    }
    if description.is_some() {
        copy.description = description;
    }
    copy.created_ms = at;
    copy.updated_ms = at;
    copy.protected_ms = Some(at);
    copy.expired_ms = None;
    copy.policy_id = None;
    copy.replication_records = vec![rec.clone()];
    copy.children.clear();
    let mut kids = Vec::new();
    for (i, mut c) in child_backups.into_iter().enumerate() {
        c.id = crate::core::ids::uuid_from(seq.wrapping_mul(131).wrapping_add(i as u64 + 1));
        c.parent_id = Some(copy.id.clone());
        c.vault_id = copy.vault_id.clone();
        c.project_id = copy.project_id.clone();
        c.checkpoint_id = copy.checkpoint_id.clone();
        c.image_type = "replication".into();
        c.status = "available".into();
        c.children.clear();
        c.replication_records = vec![];
        copy.children.push(c.id.clone());
        kids.push(c);
    }
    let dest = world.huawei.entry(rec.destination_project_id.clone()).or_default();
    dest.checkpoints.insert(
        copy.checkpoint_id.clone(),
        Checkpoint {
            id: copy.checkpoint_id.clone(),
            vault_id: copy.vault_id.clone(),
            created_ms: at,
            status: "available".into(),
            name: None,
            description: None,
            resources: vec![copy.resource_id.clone()],
            skipped: vec![],
            backups: vec![copy.id.clone()],
            retention_duration: -1,
        },
    );
    let vault = copy.vault_id.clone();
    dest.backups.insert(copy.id.clone(), copy);
    for k in kids {
        dest.backups.insert(k.id.clone(), k);
    }
    grow_to_fit(dest, &vault);
}

/// A policy's trigger time: back up (or replicate) every bound vault, then plan the next run.
fn fire(world: &mut World, cfg: &Config, account: &str, region: &str, project: &str, policy_id: &str, at: i64) {
    let Some(pol) = world.huawei.get(project).and_then(|p| p.policies.get(policy_id)).cloned() else { return };
    if !pol.enabled {
        return;
    }
    auto_bind(world, project);
    let bound: Vec<(String, Option<String>)> = world
        .huawei
        .get(project)
        .map(|p| {
            p.vaults
                .values()
                .filter_map(|v| {
                    v.policies.iter().find(|(id, _)| id == policy_id).map(|(_, d)| (v.id.clone(), d.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    let (user, request) = (settings_user(cfg, project), crate::core::ids::uuid_from(world.next_seq()));
    let mut ids = IdGen::new(Some(world.next_seq()));
    let timing = world.timing.unobserved();
    let mut ctx = Ctx {
        cfg,
        world,
        ids: &mut ids,
        timing,
        now: at,
        account,
        project,
        region,
        user_id: &user,
        request_id: &request,
    };
    for (vault, dest) in bound {
        if pol.operation_type == "backup" {
            let plan = Plan {
                vault_id: vault,
                resources: None,
                name: None,
                description: None,
                incremental: true,
                auto_trigger: true,
                policy: Some(pol.clone()),
                retention_days: pol.definition.retention_duration_days,
            };
            // A run that cannot start (full vault, nothing bound) is skipped, as the service does.
            let _ = start_backup(&mut ctx, plan);
        } else if let (Some(dest), Some(dr), Some(dp)) =
            (dest, pol.definition.destination_region.clone(), pol.definition.destination_project_id.clone())
        {
            let candidates = ctx.proj_ref().map(|p| super::backups::replicable(p, &vault, &dr)).unwrap_or_default();
            for b in candidates {
                let _ = super::backups::replicate(&mut ctx, &b, (&dp, &dr, &dest), true, None, None);
            }
        }
    }
    if let Some(p) = world.huawei.get_mut(project).and_then(|p| p.policies.get_mut(policy_id)) {
        p.runs += 1;
    }
    if let Some(next) = next_trigger(&pol, at) {
        world.schedule(
            account,
            region,
            Gate::at(at, next),
            Work::Huawei(HwWork::PolicyTick { project: project.into(), policy: policy_id.into() }),
        );
    }
}

fn settings_user(cfg: &Config, project: &str) -> String {
    settings::project_owner(cfg, project).map(|(_, i, _)| i.user_id.clone()).unwrap_or_default()
}
