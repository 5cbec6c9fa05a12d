//! Price inquiries and the purchasable-configuration query. Prices are deterministic functions
//! of the configured price table (config.rs); the documentation gives no formulas.

use super::ctx::{Ctx, Output};
use super::disks::{self, check_charge, size_range};
use super::error::{self as e, TcResult};
use super::model::{Disk, DATA_DISK, POSTPAID, PREPAID, SYSTEM_DISK};
use super::params::{opt, req, Field, Params, Ty, INT, STR, STRS};
use super::render::{self, price};

const MONTH_MS: f64 = 30.0 * 86_400_000.0;

fn out(field: &'static str, v: &impl serde::Serialize) -> Output {
    Output::new().with(field, v)
}

/// Months left on a prepaid disk (at least one day's worth), for prorated prices.
fn months_left(d: &Disk, now: i64) -> f64 {
    d.deadline_ms.map_or(1.0, |dl| ((dl - now) as f64 / MONTH_MS).max(1.0 / 30.0))
}

pub const INQUIRY_PRICE_CREATE_DISKS: &[Field] = &[
    req("DiskChargeType", STR),
    req("DiskType", STR),
    req("DiskSize", INT),
    opt("ProjectId", INT),
    opt("DiskCount", INT),
    opt("ThroughputPerformance", INT),
    opt("DiskChargePrepaid", Ty::Obj(disks::DISK_CHARGE_PREPAID)),
    opt("DiskBackupQuota", INT),
];

pub fn inquiry_price_create_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let prepaid = check_charge(p, &[PREPAID, POSTPAID])?;
    let disk_type = p.str("DiskType").unwrap_or_default();
    let spec = ctx
        .cfg
        .disk_type(disk_type)
        .filter(|_| disk_type != "CLOUD_BSSD")
        .ok_or_else(|| e::InvalidParameterValue(format!("DiskType `{disk_type}` cannot be quoted.")))?
        .clone();
    let size = p.int("DiskSize").unwrap_or_default();
    disks::check_size(ctx, disk_type, DATA_DISK, size)?;
    if let Some(pid) = p.int("ProjectId") {
        if !ctx.project_exists(pid) {
            return Err(e::InvalidParameterValue(format!("The project {pid} does not exist.")));
        }
    }
    let count = p.int("DiskCount").unwrap_or(1);
    if count < 1 || count > ctx.cfg.tencent.limits.disks_per_create {
        return Err(e::InvalidParameterValue(format!(
            "DiskCount must be between 1 and {}.",
            ctx.cfg.tencent.limits.disks_per_create
        )));
    }
    let throughput = p.int("ThroughputPerformance").unwrap_or(0);
    match spec.extra_performance {
        Some([lo, hi]) if (lo..=hi).contains(&throughput) => {}
        None if throughput == 0 => {}
        _ => return Err(e::InvalidParameterValue("ThroughputPerformance is out of range for this disk type.")),
    }
    let quota = p.int("DiskBackupQuota").unwrap_or(0);
    if !(0..=ctx.cfg.tencent.limits.max_backup_quota).contains(&quota) {
        return Err(e::InvalidParameterValue("DiskBackupQuota is out of range."));
    }
    let l = &ctx.cfg.tencent.limits;
    let n = count as f64;
    let q = quota as f64;
    let v = match prepaid {
        Some((months, _)) => {
            let monthly = size as f64 * spec.price_gb_month
                + throughput as f64 * l.throughput_price_month
                + q * l.backup_point_price_hour * 720.0;
            price(Some(monthly * months as f64 * n), None)
        }
        None => {
            let hourly = size as f64 * spec.price_gb_hour
                + throughput as f64 * l.throughput_price_hour
                + q * l.backup_point_price_hour;
            price(None, Some(hourly * n))
        }
    };
    Ok(out("DiskPrice", &v))
}

pub const INQUIRY_PRICE_RESIZE_DISK: &[Field] = &[req("DiskId", STR), req("DiskSize", INT), opt("ProjectId", INT)];

pub fn inquiry_price_resize_disk(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let id = p.str("DiskId").unwrap_or_default().to_string();
    let size = p.int("DiskSize").unwrap_or_default();
    let d = ctx
        .store()
        .visible_disk(&id)
        .ok_or_else(|| e::InvalidDiskId_NotFound(format!("The disk `{id}` does not exist.")))?
        .clone();
    if !d.portable {
        return Err(e::InvalidDisk_NotPortable(format!("`{id}` is not an elastic disk.")));
    }
    if d.is_expired(ctx.now) {
        return Err(e::InvalidDisk_Expire(format!("`{id}` has expired.")));
    }
    if size < d.disk_size {
        return Err(e::InvalidParameterValue(format!(
            "DiskSize cannot be smaller than the current {} GB; got {size}.",
            d.disk_size
        )));
    }
    disks::check_size(ctx, &d.disk_type, &d.disk_usage, size)?;
    let spec = ctx.cfg.disk_type(&d.disk_type).expect("known type").clone();
    let v = if d.disk_charge_type == PREPAID {
        let total = (size - d.disk_size) as f64 * spec.price_gb_month * months_left(&d, ctx.now);
        render::with_detail_prices(price(Some(total), None))
    } else {
        render::with_detail_prices(price(None, Some(size as f64 * spec.price_gb_hour)))
    };
    Ok(out("DiskPrice", &v))
}

pub const INQUIRE_PRICE_MODIFY_DISK_EXTRA_PERFORMANCE: &[Field] =
    &[req("DiskId", STR), req("ThroughputPerformance", INT)];

pub fn inquire_price_modify_disk_extra_performance(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let d = disks::check_extra_performance(ctx, p, e::ResourceUnavailable_NotSupported)?;
    let mbps = p.int("ThroughputPerformance").unwrap_or_default() as f64;
    let l = &ctx.cfg.tencent.limits;
    let v = if d.disk_charge_type == PREPAID {
        price(Some(mbps * l.throughput_price_month * months_left(&d, ctx.now)), None)
    } else {
        price(None, Some(mbps * l.throughput_price_hour))
    };
    Ok(out("DiskPrice", &v))
}

pub const INQUIRE_PRICE_MODIFY_DISK_BACKUP_QUOTA: &[Field] = &[req("DiskId", STR), req("DiskBackupQuota", INT)];

pub fn inquire_price_modify_disk_backup_quota(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let d = super::backups::check_backup_quota(ctx, p)?;
    if d.is_busy() {
        return Err(e::InvalidDisk_Busy(format!("`{}` is {}; try again later.", d.disk_id, d.disk_state)));
    }
    let quota = p.int("DiskBackupQuota").unwrap_or_default() as f64;
    let hourly = quota * ctx.cfg.tencent.limits.backup_point_price_hour;
    let v = if d.disk_charge_type == PREPAID {
        price(Some(hourly * 720.0 * months_left(&d, ctx.now)), None)
    } else {
        price(None, Some(hourly))
    };
    Ok(out("DiskPrice", &v))
}

pub const DESCRIBE_DISK_CONFIG_QUOTA: &[Field] = &[
    req("InquiryType", STR),
    opt("Zones", STRS),
    opt("DiskChargeType", STR),
    opt("DiskTypes", STRS),
    opt("DiskUsage", STR),
    opt("InstanceFamilies", STRS),
    opt("CPU", INT),
    opt("Memory", INT),
    // Newer than the 2023 document; the twin has no dedicated clusters.
    opt("DedicatedClusterId", STR),
];

pub fn describe_disk_config_quota(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let inquiry = p.str("InquiryType").unwrap_or_default();
    if inquiry != "INQUIRY_CBS_CONFIG" && inquiry != "INQUIRY_CVM_CONFIG" {
        return Err(e::InvalidParameterValue(format!(
            "InquiryType must be INQUIRY_CBS_CONFIG or INQUIRY_CVM_CONFIG; got `{inquiry}`."
        )));
    }
    if p.str("DedicatedClusterId").is_some_and(|c| !c.is_empty()) {
        return Err(e::InvalidParameterValue("The dedicated cluster does not exist; the twin has no CDCs."));
    }
    let region = ctx.cfg.region(ctx.region).expect("checked region");
    let zones = p.strs("Zones");
    for z in &zones {
        if !region.zones.contains(z) {
            return Err(e::InvalidParameterValue(format!("The zone `{z}` does not exist in {}.", ctx.region)));
        }
    }
    let zones = if zones.is_empty() { region.zones.clone() } else { zones };
    let charges: Vec<&str> = match p.str("DiskChargeType") {
        None => vec![PREPAID, POSTPAID],
        Some(c) if c == PREPAID || c == POSTPAID => vec![c],
        Some(c) => return Err(e::InvalidParameterValue(format!("DiskChargeType `{c}` is not valid."))),
    };
    let types = p.strs("DiskTypes");
    for t in &types {
        if ctx.cfg.disk_type(t).is_none() {
            return Err(e::InvalidParameterValue(format!("DiskType `{t}` is not valid.")));
        }
    }
    let usages: Vec<&str> = match p.str("DiskUsage") {
        Some(u) if u == DATA_DISK || u == SYSTEM_DISK => vec![u],
        Some(u) => return Err(e::InvalidParameterValue(format!("DiskUsage `{u}` is not valid."))),
        None if inquiry == "INQUIRY_CVM_CONFIG" => vec![SYSTEM_DISK, DATA_DISK],
        None => vec![DATA_DISK],
    };
    for (k, v) in [("CPU", p.int("CPU")), ("Memory", p.int("Memory"))] {
        if v.is_some_and(|n| n < 1) {
            return Err(e::InvalidParameterValue(format!("{k} must be a positive integer.")));
        }
    }
    let families: Vec<Option<String>> = if inquiry == "INQUIRY_CVM_CONFIG" {
        p.strs("InstanceFamilies").into_iter().map(Some).collect()
    } else {
        vec![]
    };
    let families = if families.is_empty() { vec![None] } else { families };
    let mut set = Vec::new();
    for zone in &zones {
        for spec in ctx.cfg.tencent.disk_types.iter().filter(|s| types.is_empty() || types.contains(&s.disk_type)) {
            for usage in &usages {
                for charge in &charges {
                    for family in &families {
                        let (min, max) = size_range(spec, usage);
                        set.push(render::disk_config(spec, zone, usage, charge, family.as_deref(), (min, max)));
                    }
                }
            }
        }
    }
    Ok(out("DiskConfigSet", &set))
}
