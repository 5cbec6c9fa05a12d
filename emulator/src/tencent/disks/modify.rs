//! The disk changes: ResizeDisk, ModifyDiskAttributes, ModifyDiskExtraPerformance and
//! InitializeDisks.

use super::super::ctx::{Ctx, Output};
use super::super::disk_input::{at_most, no_duplicates};
use super::super::disk_rules::{check_name, check_size, check_throughput, not_found, type_rank};
use super::super::error::{self as e, TcResult};
use super::super::model::{state, Disk, TcRegion, TcWork, POSTPAID, SYSTEM_DISK};
use super::super::params::{opt, req, Field, Params, BOOL, INT, STR, STRS};

// ---------------------------------------------------------------------------------- ResizeDisk

pub const RESIZE_DISK: &[Field] = &[req("DiskId", STR), req("DiskSize", INT)];

pub fn resize_disk(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let id = p.str("DiskId").unwrap_or_default().to_string();
    let size = p.int("DiskSize").unwrap_or_default();
    let now = ctx.now;
    let d = ctx.store().visible_disk(&id).ok_or_else(|| not_found(&id))?.clone();
    if !d.portable {
        return Err(e::InvalidDisk_NotSupported(format!(
            "`{id}` is not an elastic disk; expand it with ResizeInstanceDisks."
        )));
    }
    if d.is_expired(now) {
        return Err(e::InvalidDisk_Expire(format!("`{id}` has expired.")));
    }
    if d.disk_state == state::TORECYCLE {
        return Err(e::InvalidDisk_NotSupported(format!("`{id}` is in the recycle bin.")));
    }
    if d.is_busy() || d.migrating {
        return Err(e::InvalidDisk_Busy(format!("`{id}` is {}; try again later.", d.disk_state)));
    }
    if size <= d.disk_size {
        return Err(e::InvalidParameterValue(format!(
            "DiskSize must be larger than the current size {} GB; got {size}.",
            d.disk_size
        )));
    }
    check_size(ctx, &d.disk_type, &d.disk_usage, size)?;
    ctx.store().disks.get_mut(id.as_str()).expect("exists").disk_state = state::EXPANDING.into();
    let log = ctx.log_disk(&id, "CBS_OPERATION_EXPAND", false);
    ctx.schedule(TcWork::Resize { disk_id: id, size, log });
    Ok(Output::new())
}

// ------------------------------------------------------------------------ ModifyDiskAttributes

pub const MODIFY_DISK_ATTRIBUTES: &[Field] = &[
    req("DiskIds", STRS),
    opt("DiskName", STR),
    opt("Portable", BOOL),
    opt("ProjectId", INT),
    opt("DeleteWithInstance", BOOL),
    opt("DiskType", STR),
    opt("BurstPerformanceOperation", STR),
];

/// The changes one ModifyDiskAttributes call asks for, after its own checks.
struct Changes<'p> {
    new_type: Option<&'p str>,
    /// BurstPerformanceOperation: CREATE (true) or CANCEL (false).
    burst: Option<bool>,
}

pub fn modify_disk_attributes(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    no_duplicates("DiskIds", &ids)?;
    if ids.len() > 100 {
        return Err(e::InvalidParameterValue_LimitExceeded("DiskIds may list at most 100 disks."));
    }
    let changes = check_changes(ctx, p, &ids)?;
    let now = ctx.now;
    let store = ctx.store();
    for id in &ids {
        let d = store.visible_disk(id).ok_or_else(|| not_found(id))?;
        check_modifiable(id, d, p, &changes, now)?;
    }
    for id in &ids {
        apply_changes(ctx, p, &changes, id);
    }
    Ok(Output::new())
}

/// The request on its own: at least one attribute, a type change alone and upward, a valid
/// name, project and burst operation.
fn check_changes<'p>(ctx: &Ctx<'_>, p: &'p Params, ids: &[String]) -> TcResult<Changes<'p>> {
    let attrs = ["DiskName", "Portable", "ProjectId", "DeleteWithInstance", "DiskType", "BurstPerformanceOperation"];
    let given: Vec<&str> = attrs.iter().copied().filter(|a| p.has(a)).collect();
    if given.is_empty() {
        return Err(e::MissingParameter(format!("Give at least one attribute to change: {}.", attrs.join(", "))));
    }
    let new_type = p.str("DiskType");
    if let Some(t) = new_type {
        if t != "CLOUD_PREMIUM" && t != "CLOUD_SSD" {
            return Err(e::InvalidParameterValue(format!(
                "DiskType can only be changed to CLOUD_PREMIUM or CLOUD_SSD; got `{t}`."
            )));
        }
        if ids.len() != 1 {
            return Err(e::InvalidParameterValue_LimitExceeded("Changing DiskType takes exactly one disk."));
        }
        if given.len() > 1 {
            return Err(e::InvalidParameterValue("DiskType cannot be changed together with other attributes."));
        }
    }
    if let Some(name) = p.str("DiskName") {
        check_name("DiskName", name, 60)?;
    }
    if p.bool("Portable") == Some(false) {
        return Err(e::InvalidParameterValue(
            "Portable can only change a non-elastic disk into an elastic one (true).",
        ));
    }
    if let Some(pid) = p.int("ProjectId") {
        if !ctx.project_exists(pid) {
            return Err(e::InvalidParameter_ProjectIdNotExist(format!("The project {pid} does not exist.")));
        }
    }
    let burst = match p.str("BurstPerformanceOperation") {
        None => None,
        Some("CREATE") => Some(true),
        Some("CANCEL") => Some(false),
        Some(other) => {
            return Err(e::InvalidParameterValue(format!(
                "BurstPerformanceOperation must be CREATE or CANCEL; got `{other}`."
            )))
        }
    };
    Ok(Changes { new_type, burst })
}

/// Whether one disk takes the changes.
fn check_modifiable(id: &str, d: &Disk, p: &Params, changes: &Changes<'_>, now: i64) -> TcResult<()> {
    if d.migrating {
        return Err(e::ResourceInUse_DiskMigrating(format!("`{id}` is changing type.")));
    }
    if d.disk_state == state::TORECYCLE || d.is_expired(now) {
        return Err(e::InvalidDisk_NotSupported(format!("`{id}` is expired or in the recycle bin.")));
    }
    if p.has("ProjectId") && !d.portable {
        return Err(e::InvalidDisk_NotSupported(format!("`{id}` is not elastic; its project follows its instance.")));
    }
    if p.bool("DeleteWithInstance") == Some(true) && d.disk_charge_type != POSTPAID {
        return Err(e::InvalidDisk_NotSupported(format!(
            "DeleteWithInstance is only for pay-as-you-go disks; `{id}` is {}.",
            d.disk_charge_type
        )));
    }
    if p.bool("Portable") == Some(true) && d.disk_usage == SYSTEM_DISK {
        return Err(e::InvalidDisk_NotSupported(format!("`{id}` is a system disk and cannot become elastic.")));
    }
    if let Some(t) = changes.new_type {
        if d.is_busy() {
            return Err(e::ResourceBusy(format!("`{id}` is {}; try again later.", d.disk_state)));
        }
        if type_rank(t) <= type_rank(&d.disk_type) {
            return Err(e::InvalidParameterValue(format!("`{id}` is {} and cannot change to {t}.", d.disk_type)));
        }
    }
    if changes.burst.is_some() && d.disk_type != "CLOUD_HSSD" && d.disk_type != "CLOUD_TSSD" {
        return Err(e::InvalidDisk_NotSupported(format!(
            "Disk bursting applies to CLOUD_HSSD and CLOUD_TSSD, not {}.",
            d.disk_type
        )));
    }
    Ok(())
}

/// Change one checked disk; a type change runs as a job, the rest is immediate.
fn apply_changes(ctx: &mut Ctx<'_>, p: &Params, changes: &Changes<'_>, id: &str) {
    {
        let mut d = ctx.store().disks.get_mut(id).expect("checked");
        if let Some(n) = p.str("DiskName") {
            d.disk_name = n.to_string();
        }
        if p.bool("Portable") == Some(true) {
            d.portable = true;
        }
        if let Some(pid) = p.int("ProjectId") {
            d.project_id = pid;
        }
        if let Some(v) = p.bool("DeleteWithInstance") {
            d.delete_with_instance = v;
        }
        if let Some(b) = changes.burst {
            d.burst_performance = b;
        }
        if changes.new_type.is_some() {
            d.migrating = true;
        }
    }
    if let Some(t) = changes.new_type {
        let log = ctx.log_disk(id, "CBS_OPERATION_MODIFY", false);
        ctx.schedule(TcWork::ChangeType { disk_id: id.to_string(), disk_type: t.to_string(), log });
    } else {
        ctx.log_disk(id, "CBS_OPERATION_MODIFY", true);
    }
}

// ------------------------------------------------------------------ ModifyDiskExtraPerformance

pub const MODIFY_DISK_EXTRA_PERFORMANCE: &[Field] = &[req("DiskId", STR), req("ThroughputPerformance", INT)];

/// Checks shared by ModifyDiskExtraPerformance and its price inquiry.
pub fn check_extra_performance(ctx: &mut Ctx<'_>, p: &Params, wrong_type: fn(String) -> e::TcError) -> TcResult<Disk> {
    let id = p.str("DiskId").unwrap_or_default().to_string();
    let value = p.int("ThroughputPerformance").unwrap_or_default();
    let d = ctx.store().visible_disk(&id).ok_or_else(|| not_found(&id))?.clone();
    if ctx.cfg.disk_type(&d.disk_type).and_then(|s| s.extra_performance).is_none() {
        return Err(wrong_type(format!(
            "Extra performance applies only to CLOUD_HSSD and CLOUD_TSSD disks; `{id}` is {}.",
            d.disk_type
        )));
    }
    if d.is_expired(ctx.now) {
        return Err(e::InvalidDisk_Expire(format!("`{id}` has expired.")));
    }
    check_throughput(ctx, &d.disk_type, value)?;
    Ok(d)
}

pub fn modify_disk_extra_performance(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let d = check_extra_performance(ctx, p, e::InvalidDisk_NotSupported)?;
    if d.is_busy() || d.migrating || d.disk_state == state::TORECYCLE {
        return Err(e::InvalidDisk_Busy(format!("`{}` is {}; try again later.", d.disk_id, d.disk_state)));
    }
    let value = p.int("ThroughputPerformance").unwrap_or_default();
    ctx.store().disks.get_mut(d.disk_id.as_str()).expect("checked").throughput_performance = value;
    ctx.log_disk(&d.disk_id, "CBS_OPERATION_MODIFY", true);
    Ok(Output::new())
}

// ----------------------------------------------------------------------------- InitializeDisks

pub const INITIALIZE_DISKS: &[Field] = &[req("DiskIds", STRS)];

pub fn initialize_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    at_most("DiskIds", &ids, 20)?;
    let empty = TcRegion::default();
    let store = ctx.world.tc_ref(ctx.account, ctx.region).unwrap_or(&empty);
    for id in &ids {
        let d = store.visible_disk(id).ok_or_else(|| not_found(id))?;
        if !d.attached_to.is_empty() || d.is_busy() || d.migrating || d.disk_state == state::TORECYCLE {
            return Err(e::ResourceBusy(format!(
                "`{id}` is {}; only an unattached, unshared disk can be reinitialized.",
                d.disk_state
            )));
        }
        if d.disk_usage == SYSTEM_DISK {
            return Err(e::ResourceBusy(format!("`{id}` is a system disk; reinstall its instance instead.")));
        }
        if let Some(snap) = &d.source_snapshot_id {
            if super::super::snapshots::locate(ctx.world, ctx.account, ctx.uin, ctx.region, snap).is_none() {
                return Err(e::InvalidSnapshotId_NotFound(format!(
                    "`{id}` was created from `{snap}`, which no longer exists, so it cannot be reinitialized."
                )));
            }
        }
    }
    for id in &ids {
        ctx.log_disk(id, "CBS_OPERATION_MODIFY", true);
    }
    Ok(Output::new())
}
