//! Rules of the disk model, apart from any request: size ranges, prepaid periods, the order of
//! disk types, which instances take disks, and the lookups every disk action starts with.

use super::ctx::Ctx;
use super::error::{self as e, TcResult};
use super::model::{Disk, TcRegion, SYSTEM_DISK};

pub const DISK_TYPES: &[&str] =
    &["CLOUD_BASIC", "CLOUD_PREMIUM", "CLOUD_BSSD", "CLOUD_SSD", "CLOUD_HSSD", "CLOUD_TSSD"];
pub const RENEW_FLAGS: &[&str] =
    &["NOTIFY_AND_AUTO_RENEW", "NOTIFY_AND_MANUAL_RENEW", "DISABLE_NOTIFY_AND_MANUAL_RENEW"];
/// DiskChargePrepaid.Period: 1–12, 24 or 36 months.
pub fn valid_period(p: i64) -> bool {
    (1..=12).contains(&p) || p == 24 || p == 36
}

/// "Max 60 bytes" names (disk, snapshot, policy).
pub fn check_name(field: &str, name: &str, max_bytes: usize) -> TcResult<()> {
    if name.len() > max_bytes {
        return Err(e::InvalidParameterValue(format!(
            "`{field}` may be at most {max_bytes} bytes; got {}.",
            name.len()
        )));
    }
    Ok(())
}

/// Disks attach to running or stopped instances, not to isolated (SHUTDOWN) or transitional ones.
pub(super) fn instance_takes_disks(inst: &crate::inventory::SeedInstance) -> bool {
    inst.instance_state == "RUNNING" || inst.instance_state == "STOPPED"
}

pub(super) fn not_found(id: &str) -> e::TcError {
    e::InvalidDiskId_NotFound(format!("The disk `{id}` does not exist."))
}

/// A listed disk of the region, or `InvalidDiskId.NotFound`.
pub fn find<'s>(store: &'s TcRegion, id: &str) -> TcResult<&'s Disk> {
    store.visible_disk(id).ok_or_else(|| not_found(id))
}

/// Check the size against the configured range of the disk type (and usage).
pub fn check_size(ctx: &Ctx<'_>, disk_type: &str, usage: &str, size: i64) -> TcResult<()> {
    let spec = ctx
        .cfg
        .disk_type(disk_type)
        .ok_or_else(|| e::InvalidParameterValue(format!("DiskType `{disk_type}` is not supported.")))?;
    let (min, max) = size_range(spec, usage);
    if size < min || size > max || (size - min) % spec.step.max(1) != 0 {
        return Err(e::InvalidParameterValue(format!(
            "DiskSize of a {disk_type} {usage} must be between {min} and {max} GB in steps of {} GB; got {size}.",
            spec.step
        )));
    }
    Ok(())
}

/// System disks are limited to 20–1024 GB, data disks use the type's range.
pub fn size_range(spec: &crate::config::DiskTypeSpec, usage: &str) -> (i64, i64) {
    if usage == SYSTEM_DISK {
        (spec.min_size.max(20), spec.max_size.min(1024))
    } else {
        (spec.min_size, spec.max_size)
    }
}

pub(super) fn check_throughput(ctx: &Ctx<'_>, disk_type: &str, value: i64) -> TcResult<()> {
    let range = ctx.cfg.disk_type(disk_type).and_then(|s| s.extra_performance);
    match range {
        None if value == 0 => Ok(()),
        None => Err(e::InvalidParameterValue(format!(
            "ThroughputPerformance applies only to CLOUD_HSSD and CLOUD_TSSD disks, not {disk_type}."
        ))),
        Some([lo, hi]) if (lo..=hi).contains(&value) => Ok(()),
        Some([lo, hi]) => Err(e::InvalidParameterValue(format!(
            "ThroughputPerformance of a {disk_type} disk must be between {lo} and {hi} MB/s; got {value}."
        ))),
    }
}

/// Type changes go up only: HDD → Premium → SSD.
pub(super) fn type_rank(t: &str) -> i32 {
    match t {
        "CLOUD_BASIC" => 0,
        "CLOUD_PREMIUM" => 1,
        "CLOUD_SSD" => 2,
        _ => 3,
    }
}
