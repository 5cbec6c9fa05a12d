//! AttachDisks and DetachDisks: every disk is checked (`check_attachable`, `check_detachable`)
//! before any changes state; the state change ends when the scheduled job finishes.

use super::super::ctx::{Ctx, Output};
use super::super::disk_input::at_most;
use super::super::disk_rules::{instance_takes_disks, not_found};
use super::super::error::{self as e, TcResult};
use super::super::model::{state, Disk, TcWork, POSTPAID, SYSTEM_DISK};
use super::super::params::{opt, req, Field, Params, BOOL, STR, STRS};
use crate::inventory::SeedInstance;

pub const ATTACH_DISKS: &[Field] =
    &[req("DiskIds", STRS), req("InstanceId", STR), opt("DeleteWithInstance", BOOL), opt("AttachMode", STR)];

pub fn attach_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    at_most("DiskIds", &ids, 10)?;
    let attach_mode = p.str("AttachMode").map(str::to_string);
    if let Some(m) = &attach_mode {
        if m != "PF" && m != "VF" {
            return Err(e::InvalidParameterValue(format!("AttachMode must be PF or VF; got `{m}`.")));
        }
    }
    let inst_id = p.str("InstanceId").unwrap_or_default().to_string();
    let now = ctx.now;
    let store = ctx.store();
    let inst = store
        .instances
        .get(&inst_id)
        .ok_or_else(|| e::InvalidInstanceId_NotFound(format!("The instance `{inst_id}` does not exist.")))?
        .clone();
    if !instance_takes_disks(&inst) {
        return Err(e::InvalidInstance_NotSupported(format!(
            "The instance `{inst_id}` is {} and cannot have disks attached.",
            inst.instance_state
        )));
    }
    let delete_with_instance = p.bool("DeleteWithInstance");
    for id in &ids {
        let d = store.visible_disk(id).ok_or_else(|| not_found(id))?;
        check_attachable(id, d, &inst_id, &inst, now, delete_with_instance)?;
    }
    let attached = store.attached_data_disks(&inst_id);
    if attached + ids.len() as i64 > inst.max_data_disk_count {
        return Err(e::LimitExceeded_InstanceAttachedDisk(format!(
            "Instance `{inst_id}` has {attached} data disks; at most {} can be attached.",
            inst.max_data_disk_count
        )));
    }
    for id in &ids {
        {
            let mut d = ctx.store().disks.get_mut(id.as_str()).expect("checked above");
            d.attached_to.push(inst_id.clone());
            d.disk_state = state::ATTACHING.into();
            d.last_attach_instance = Some(inst_id.as_str().into());
            if let Some(v) = delete_with_instance {
                d.delete_with_instance = v;
            }
            if attach_mode.is_some() {
                d.attach_mode = attach_mode.as_deref().map(Box::from);
            }
        }
        let log = ctx.log_disk(id, "CBS_OPERATION_ATTACH", false);
        ctx.schedule(TcWork::Attach { disk_id: id.clone(), instance_id: inst_id.clone(), log });
    }
    Ok(Output::new())
}

/// Whether one disk may be attached to `inst`: an elastic data disk, idle, alive, free (or
/// shareable), in the instance's zone; DeleteWithInstance only for pay-as-you-go disks.
fn check_attachable(
    id: &str,
    d: &Disk,
    inst_id: &str,
    inst: &SeedInstance,
    now: i64,
    delete_with_instance: Option<bool>,
) -> TcResult<()> {
    if d.disk_usage == SYSTEM_DISK {
        return Err(e::ResourceUnavailable_TypeError(format!("`{id}` is a system disk and cannot be attached.")));
    }
    if !d.portable {
        return Err(e::InvalidDisk_NotPortable(format!("`{id}` is not an elastic disk.")));
    }
    if d.migrating {
        return Err(e::ResourceInUse_DiskMigrating(format!("`{id}` is changing type.")));
    }
    if d.disk_state == state::TORECYCLE || d.is_expired(now) {
        return Err(e::InvalidDisk_NotSupported(format!("`{id}` is expired or in the recycle bin.")));
    }
    if d.is_busy() {
        return Err(e::ResourceBusy(format!("`{id}` is {}; try again later.", d.disk_state)));
    }
    if d.attached_to.iter().any(|a| a == inst_id) || (!d.attached_to.is_empty() && !d.shareable) {
        return Err(e::ResourceUnavailable_Attached(format!("`{id}` is already attached to `{}`.", d.attached_to[0])));
    }
    if d.zone != inst.zone {
        return Err(e::ResourceUnavailable_ZoneNotMatch(format!(
            "`{id}` is in {} but instance `{inst_id}` is in {}.",
            d.zone, inst.zone
        )));
    }
    if delete_with_instance == Some(true) && d.disk_charge_type != POSTPAID {
        return Err(e::InvalidParameterValue(format!(
            "DeleteWithInstance is valid only for pay-as-you-go disks; `{id}` is {}.",
            d.disk_charge_type
        )));
    }
    Ok(())
}

pub const DETACH_DISKS: &[Field] = &[req("DiskIds", STRS), opt("InstanceId", STR)];

pub fn detach_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    at_most("DiskIds", &ids, 10)?;
    let given = p.str("InstanceId").map(str::to_string);
    let store = ctx.store();
    if let Some(i) = &given {
        if !store.instances.contains_key(i) {
            return Err(e::InvalidInstanceId_NotFound(format!("The instance `{i}` does not exist.")));
        }
    }
    let mut from: Option<String> = None;
    let mut plan = Vec::new();
    for id in &ids {
        let d = store.visible_disk(id).ok_or_else(|| not_found(id))?;
        let inst = check_detachable(id, d, given.as_deref())?;
        match &from {
            Some(f) if *f != inst => {
                return Err(e::InvalidParameterValue(
                    "All disks of one DetachDisks call must be attached to the same instance.",
                ));
            }
            _ => from = Some(inst.clone()),
        }
        plan.push((id.clone(), inst));
    }
    for (id, inst) in plan {
        ctx.store().disks.get_mut(id.as_str()).expect("checked").disk_state = state::DETACHING.into();
        let log = ctx.log_disk(&id, "CBS_OPERATION_DETACH", false);
        ctx.schedule(TcWork::Detach { disk_id: id, instance_id: inst, log });
    }
    Ok(Output::new())
}

/// Whether one disk may be detached, and from which instance: the given one, or its only one.
fn check_detachable(id: &str, d: &Disk, given: Option<&str>) -> TcResult<String> {
    if d.disk_usage == SYSTEM_DISK {
        return Err(e::ResourceUnavailable_TypeError(format!("`{id}` is a system disk and cannot be detached.")));
    }
    if !d.portable {
        return Err(e::InvalidDisk_NotPortable(format!("`{id}` is not an elastic disk.")));
    }
    if d.migrating {
        return Err(e::ResourceInUse_DiskMigrating(format!("`{id}` is changing type.")));
    }
    if d.is_busy() {
        return Err(e::ResourceBusy(format!("`{id}` is {}; try again later.", d.disk_state)));
    }
    if d.disk_state != state::ATTACHED {
        return Err(e::UnsupportedOperation(format!("`{id}` is {}, not ATTACHED.", d.disk_state)));
    }
    match given {
        Some(i) if d.attached_to.iter().any(|a| a == i) => Ok(i.to_string()),
        Some(i) => Err(e::InvalidParameterValue(format!("`{id}` is not attached to instance `{i}`."))),
        None if d.attached_to.len() > 1 => Err(e::MissingParameter(format!(
            "`{id}` is a shared disk attached to several instances; name one with InstanceId."
        ))),
        None => Ok(d.attached_to[0].clone()),
    }
}
