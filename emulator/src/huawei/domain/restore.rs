//! Restoring a backup onto its server or volume (RestoreBackup), and the restore task's end.

use serde_json::json;

use crate::huawei::ctx::Ctx;
use crate::huawei::domain::backup::{busy, get};
use crate::huawei::domain::task::{describe_task, end_task, launch, set_protect_status, take_fault, FAULT};
use crate::huawei::domain::vault;
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{Backup, HwProject, HwWork, TYPE_SERVER};
use crate::huawei::world::World;

/// Where RestoreBackup puts a backup back: the ids the request names, and for a server
/// backup which disk backup goes to which volume.
pub struct RestoreTo<'r> {
    pub server_id: Option<&'r str>,
    pub volume_id: Option<&'r str>,
    pub resource_id: Option<&'r str>,
    pub mappings: Vec<(String, String)>,
}

/// Restore a backup onto its resource: the checks in the order the service makes them, then
/// the backup and the target read `restoring` until the task ends.
pub fn start_restore(ctx: &mut Ctx<'_>, id: &str, to: &RestoreTo<'_>) -> HwResult<()> {
    let project = ctx.project.to_string();
    let p = ctx.proj_ref();
    let b = get(p, id)?;
    let p = p.expect("backup found");
    check_restorable(b)?;
    let vault = vault::get(Some(p), &b.vault_id)?;
    if vault.billing.status != "available" {
        return Err(e::Bs6202("The backup's vault is not available; it cannot be used for restore."));
    }
    let target = if b.resource_type == TYPE_SERVER { server_target(p, b, to)? } else { volume_target(p, b, to)? };
    if let Some(res) = p.vaults.values().find_map(|v| v.resource(&target.0)) {
        match res.protect_status.as_str() {
            "protecting" => return Err(e::Bs2002(format!("Resource {} is being backed up.", target.0))),
            "restoring" => return Err(e::Bs2010(format!("Resource {} is being restored.", target.0))),
            _ => {}
        }
    }
    let (vid, vname) = (vault.id.clone(), vault.name.clone());
    let extra = json!({"restore": {"backup_id": id, "backup_name": b.name, "target_resource_id": target.0, "target_resource_name": target.1}});
    let resource = (b.resource_id.clone(), b.resource_name.clone(), b.resource_type.to_string());
    let (checkpoint, provider) = (b.checkpoint_id.clone(), b.provider_id.clone());
    let now = ctx.now;
    let pr = ctx.proj();
    if let Some(mut x) = pr.backups.get_mut(id) {
        x.status = "restoring".into();
        x.updated_ms = now;
    }
    set_protect_status(pr, &target.0, "restoring");
    let log = ctx.new_oplog(&project, "restore", (&vid, &vname), extra);
    describe_task(ctx.world, &project, &log, &checkpoint, "", &provider, Some(resource));
    let done = HwWork::RestoreDone { project: project.clone(), backup: id.into(), oplog: log.clone() };
    launch(ctx, &project, &log, done);
    Ok(())
}

/// Whether the backup itself allows a restore now.
fn check_restorable(b: &Backup) -> HwResult<()> {
    if b.image_type == "replication" {
        return Err(e::Bs2004("A replicated backup cannot be restored; copy it back or create a server from it."));
    }
    // §C.3: a backup being restored, deleted or replicated says so (6230, 6231, 6232); any
    // other state but `available` (being made, failed) does not allow a restore (2005).
    let busy_state = matches!(&*b.status, "restoring" | "waiting_restore" | "deleting" | "waiting_delete");
    if b.status != "available" && !busy_state {
        return Err(e::Bs2005(format!("Backup {} is {}; its status does not allow a restore.", b.id, b.status)));
    }
    match busy(b) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

/// A server backup goes back onto its own server, each disk backup onto an attached volume at
/// least as large. Returns (server id, server name).
fn server_target(p: &HwProject, b: &Backup, to: &RestoreTo<'_>) -> HwResult<(String, String)> {
    let sid = to
        .server_id
        .or(to.resource_id)
        .ok_or_else(|| invalid("restore.server_id: required to restore a server backup"))?;
    if sid != b.resource_id {
        return Err(e::Bs2003("Restoring a server backup to a different server is not allowed."));
    }
    let server = p.servers.get(sid).ok_or_else(|| e::Bs7100(format!("Server {sid} does not exist.")))?;
    if to.mappings.is_empty() {
        return Err(invalid("restore.mappings: required to restore a server backup"));
    }
    for (child, vol) in &to.mappings {
        if !b.children.contains(child) {
            return Err(invalid(format!("restore.mappings: backup {child} is not a disk backup of {}", b.id)));
        }
        let v = p.volumes.get(vol).ok_or_else(|| e::Bs7000(format!("Volume {vol} does not exist.")))?;
        if !server.volumes.contains(vol) {
            return Err(invalid(format!("restore.mappings: volume {vol} is not attached to server {sid}")));
        }
        if v.size < p.backups.get(child.as_str()).map_or(0, |c| c.resource_size) {
            return Err(e::Bs2001(format!("Volume {vol} is smaller than the backed-up disk.")));
        }
    }
    Ok((sid.to_string(), server.name.clone()))
}

/// A volume backup goes onto a volume at least as large. Returns (volume id, volume name).
fn volume_target(p: &HwProject, b: &Backup, to: &RestoreTo<'_>) -> HwResult<(String, String)> {
    // "volume_id: required for a volume restore" (4.7.6); resource_id, the generic target,
    // also names it, as it names the server of a whole-server restore.
    let vid = to
        .volume_id
        .or(to.resource_id)
        .ok_or_else(|| invalid("restore.volume_id: required to restore a volume backup"))?;
    let v = p.volumes.get(vid).ok_or_else(|| e::Bs7000(format!("Volume {vid} does not exist.")))?;
    if v.size < b.resource_size {
        return Err(e::Bs2001(format!("Volume {vid} is smaller than the backed-up disk.")));
    }
    Ok((vid.to_string(), v.name.clone()))
}

/// A restore task ends: the backup and the restored resource are available again.
pub fn restore_done(world: &mut World, project: &str, backup: &str, oplog: &str, at: i64) {
    let failed = take_fault(world, "restore", &[backup, oplog]);
    let Some(p) = world.huawei.get_mut(project) else { return };
    let target =
        p.oplogs.get(oplog).and_then(|o| o.extra.value()["restore"]["target_resource_id"].as_str().map(str::to_string));
    if let Some(mut b) = p.backups.get_mut(backup) {
        b.status = "available".into();
        b.updated_ms = at;
    }
    if let Some(t) = target {
        set_protect_status(p, &t, "available");
    }
    end_task(world, project, oplog, at, failed.then_some(FAULT));
}
