//! Replication (CopyBackup, CopyCheckpoint, replication policies): which backups may be copied,
//! starting the copy, and landing it in the destination vault when the task finishes.

use serde_json::json;

use crate::core::intern::intern;
use crate::core::shared::Shared;
use crate::huawei::ctx::Ctx;
use crate::huawei::domain::backup::get;
use crate::huawei::domain::capacity::grow_to_fit;
use crate::huawei::domain::task::{end_task, take_fault, FAULT};
use crate::huawei::domain::{capacity, task, vault};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{Backup, Checkpoint, HwProject, HwWork, ReplicationRecord, TYPE_SERVER};
use crate::huawei::settings;
use crate::huawei::world::World;

/// A replication task ends: the source's record reads success (or fail, on an injected
/// failure) and, on success, the copy lands in the destination vault if it is still there.
pub fn replication_done(
    world: &mut World,
    project: &str,
    (backup, record, oplog): (&str, &str, &str),
    (name, description): (Option<String>, Option<String>),
    at: i64,
) {
    let failed = take_fault(world, "replication", &[backup, record, oplog]);
    let Some((rec, copy, child_backups)) = settle_record(world, project, (backup, record), failed) else { return };
    end_task(world, project, oplog, at, failed.then_some(FAULT));
    if failed {
        return;
    }
    land_copy(world, &rec, (copy, child_backups), (name, description), at);
}

/// Mark the source backup's replication record finished; returns the record, the source backup
/// and its per-disk children as they are now (what the copy starts from).
fn settle_record(
    world: &mut World,
    project: &str,
    (backup, record): (&str, &str),
    failed: bool,
) -> Option<(ReplicationRecord, Backup, Vec<Backup>)> {
    let p = world.huawei.get_mut(project)?;
    let mut src = p.backups.get_mut(backup)?;
    let rec = src.replication_records.iter_mut().find(|r| r.id == record)?;
    rec.status = if failed { "fail" } else { "success" }.into();
    rec.progress = if failed { 0 } else { 100 };
    if failed {
        rec.fail_code = FAULT.0.into();
        rec.fail_reason = FAULT.1.into();
    }
    let rec = rec.clone();
    let copy = (**src).clone();
    let children = src.children.clone();
    drop(src);
    let child_backups: Vec<Backup> =
        children.iter().filter_map(|c| p.backups.get(c.as_str()).map(|b| (**b).clone())).collect();
    Some((rec, copy, child_backups))
}

/// Write the copy (and its per-disk children, under a checkpoint of its own) into the
/// destination vault; the vault grows to fit if it auto-expands.
fn land_copy(
    world: &mut World,
    rec: &ReplicationRecord,
    (mut copy, child_backups): (Backup, Vec<Backup>),
    (name, description): (Option<String>, Option<String>),
    at: i64,
) {
    let dest = world.huawei.entry(rec.destination_project_id.clone()).or_default();
    if !dest.vaults.contains_key(&rec.destination_vault_id) {
        return;
    }
    let seq = world.next_seq();
    copy.id = rec.destination_backup_id.clone();
    copy.seq = seq;
    copy.checkpoint_id = rec.destination_checkpoint_id.clone();
    copy.vault_id = rec.destination_vault_id.clone();
    copy.project_id = intern(&rec.destination_project_id);
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
    let kids = copy_children(&mut copy, child_backups, seq);
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
    dest.backups.insert(copy.id.as_str().into(), Shared::new(copy));
    for k in kids {
        dest.backups.insert(k.id.as_str().into(), Shared::new(k));
    }
    grow_to_fit(dest, &vault);
}

/// The copy's per-disk children: the source's, re-homed under the copy with ids derived from
/// the copy's sequence number.
fn copy_children(copy: &mut Backup, child_backups: Vec<Backup>, seq: u64) -> Vec<Backup> {
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
    kids
}

/// The backups of a vault that can still be replicated to `region`: whole, available server
/// backups of its own, not yet (or unsuccessfully) copied there.
pub fn replicable(p: &HwProject, vault: &str, region: &str) -> Vec<String> {
    p.backups
        .values()
        .filter(|b| b.vault_id == vault && b.parent_id.is_none() && b.image_type == "backup")
        .filter(|b| b.status == "available" && b.resource_type == TYPE_SERVER)
        .filter(|b| !b.replication_records.iter().any(|r| r.destination_region == region && r.status != "fail"))
        .map(|b| b.id.clone())
        .collect()
}

/// Validate a replication request and start it: the record on the source backup, the task,
/// and the job that writes the copy into the destination vault. Returns the record id.
pub fn replicate(
    ctx: &mut Ctx<'_>,
    backup_id: &str,
    dest: (&str, &str, &str),
    auto_trigger: bool,
    name: Option<&str>,
    description: Option<&str>,
) -> HwResult<String> {
    let (dest_project, dest_region, dest_vault) = dest;
    check_destination(ctx, dest_region, dest_project)?;
    let project = ctx.project.to_string();
    let p = ctx.proj_ref();
    let b = check_source(p, backup_id, dest_region)?;
    check_room(ctx, b, dest_project, dest_vault)?;
    let vault = vault::get(p, &b.vault_id)?;
    let (vid, vname) = (vault.id.clone(), vault.name.clone());
    let record_id = ctx.ids.uuid();
    let dest_backup = ctx.ids.uuid();
    let dest_checkpoint = ctx.ids.uuid();
    let b = get(ctx.proj_ref(), backup_id)?.clone();
    let record = ReplicationRecord {
        id: record_id.clone(),
        created_ms: ctx.now,
        status: "replicating".into(),
        vault_id: vid.clone(),
        source_backup_id: b.id.clone(),
        source_checkpoint_id: b.checkpoint_id.clone(),
        source_project_id: project.clone(),
        source_region: ctx.region.to_string(),
        destination_backup_id: dest_backup.clone(),
        destination_checkpoint_id: dest_checkpoint,
        destination_project_id: dest_project.into(),
        destination_region: dest_region.into(),
        destination_vault_id: dest_vault.into(),
        progress: 0,
        fail_code: String::new(),
        fail_reason: String::new(),
        auto_trigger,
    };
    let extra = json!({"replication": {
        "source_backup_id": b.id, "source_checkpoint_id": b.checkpoint_id, "source_project_id": project,
        "source_region": ctx.region, "source_backup_name": b.name,
        "destination_backup_id": dest_backup, "destination_checkpoint_id": record.destination_checkpoint_id,
        "destination_project_id": dest_project, "destination_region": dest_region,
        "destination_backup_name": name.unwrap_or(&b.name),
    }});
    ctx.proj().backups.get_mut(backup_id).expect("backup found").replication_records.push(record);
    let log = ctx.new_oplog(&project, "replication", (&vid, &vname), extra);
    let resource = (b.resource_id.clone(), b.resource_name.clone(), b.resource_type.to_string());
    task::describe_task(ctx.world, &project, &log, &b.checkpoint_id, "", &b.provider_id, Some(resource));
    let work = HwWork::ReplicationDone {
        project: project.clone(),
        backup: backup_id.into(),
        record: record_id.clone(),
        oplog: log.clone(),
        destination: dest_project.into(),
        name: name.map(str::to_string),
        description: description.map(str::to_string),
    };
    task::launch(ctx, &project, &log, work);
    Ok(record_id)
}

/// The source of a copy: an available, whole server backup of its own, not being (or already)
/// copied to `dest_region`.
fn check_source<'p>(p: Option<&'p HwProject>, backup_id: &str, dest_region: &str) -> HwResult<&'p Backup> {
    let b = get(p, backup_id)?;
    if b.status != "available" {
        return Err(e::Bs1001(format!("Backup {backup_id} is {}; it cannot be replicated.", b.status)));
    }
    if b.image_type == "replication" {
        return Err(e::Bs1002("A replicated backup cannot be replicated again."));
    }
    if b.resource_type != TYPE_SERVER {
        return Err(e::Bs6122("Only cloud server backups can be replicated."));
    }
    if b.replication_records.iter().any(|r| r.destination_region == dest_region && r.status != "fail") {
        return Err(e::Bs1009(format!("Backup {backup_id} is being or has been replicated to {dest_region}.")));
    }
    Ok(b)
}

/// The destination of a copy: an available server replication vault with room for it.
fn check_room(ctx: &Ctx<'_>, b: &Backup, dest_project: &str, dest_vault: &str) -> HwResult<()> {
    let dv = ctx.world.huawei.get(dest_project).and_then(|p| p.vaults.get(dest_vault));
    let dv = dv.ok_or_else(|| e::Bs6120(format!("Destination vault {dest_vault} does not exist.")))?;
    if dv.billing.protect_type != "replication" || dv.billing.object_type != "server" {
        return Err(e::Bs6119(format!("Destination vault {dest_vault} is not a server replication vault.")));
    }
    if dv.billing.status != "available" {
        return Err(e::Bs6112(format!("Destination vault {dest_vault} is {}.", dv.billing.status)));
    }
    // The copy stores what the backup stores; it must fit in the destination beside the copies
    // already on their way there (6129), unless the destination grows to fit.
    let pending_mb: i64 = ctx
        .world
        .huawei
        .values()
        .flat_map(|p| p.backups.values())
        .flat_map(|b| {
            b.replication_records
                .iter()
                .filter(|r| r.status == "replicating" && r.destination_vault_id == dest_vault)
                .map(move |_| b.size_mb)
        })
        .sum();
    let dest_p = ctx.world.huawei.get(dest_project).expect("destination vault found");
    if !capacity::fits(dest_p, dv, pending_mb + b.size_mb) {
        let backup_id = &b.id;
        return Err(e::Bs6129(format!(
            "Destination vault {dest_vault} has no room for the copy of backup {backup_id}."
        )));
    }
    Ok(())
}

/// A region name as the doc allows it.
pub fn check_region_name(r: &str) -> HwResult<()> {
    if r.is_empty() || r.len() > 255 || !r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(invalid("operation_definition.destination_region: up to 255 letters, digits, _ and -"));
    }
    Ok(())
}

/// A replication target: another region this one replicates to, and a project of the caller there.
pub fn check_destination(ctx: &Ctx<'_>, region: &str, project: &str) -> HwResult<()> {
    check_region_name(region)?;
    if region == ctx.region {
        return Err(invalid("destination_region: it must differ from the current region"));
    }
    let here = ctx.cfg.huawei.region(ctx.region);
    if !here.is_some_and(|r| r.replication_destinations.iter().any(|d| d == region)) {
        return Err(e::Bs1005(format!("Region {} cannot replicate to {region}.", ctx.region)));
    }
    match settings::project_owner(ctx.cfg, project) {
        Some((account, _, r)) if account == ctx.account && r == region => Ok(()),
        Some(_) => Err(e::Bs1011(format!("Project {project} does not support replication to {region}."))),
        None => Err(e::Bs7426(format!("Replication destination project {project} does not exist."))),
    }
}
