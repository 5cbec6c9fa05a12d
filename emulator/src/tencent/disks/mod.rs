//! The cloud-disk actions of the CBS "Cloud Disk APIs" group (backup points and prices live in
//! backups.rs and pricing.rs). Every batch action checks every disk before changing any.

use std::collections::BTreeSet;

use serde_json::json;

use super::error::{self as e, TcResult};
use super::model::{state, Disk, Tag, TcWork, DATA_DISK, POSTPAID, PREPAID, SYSTEM_DISK};
use super::params::{opt, req, Field, Params, Ty, BOOL, FILTERS, INT, STR, STRS, TAGS};
use super::query::{self, Filter};
use super::render::DiskView;
use super::{Ctx, Output};
use crate::clock::{add_months_ms, parse_tc_timestamp};

pub const PLACEMENT: &[Field] = &[
    req("Zone", STR),
    opt("CageId", STR),
    opt("ProjectId", INT),
    opt("ProjectName", STR),
    opt("CdcName", STR),
    opt("CdcId", STR),
    opt("DedicatedClusterId", STR),
];
pub const DISK_CHARGE_PREPAID: &[Field] = &[req("Period", INT), opt("RenewFlag", STR), opt("CurInstanceDeadline", STR)];
const AUTO_MOUNT: &[Field] = &[req("InstanceId", STRS), req("MountPoint", STRS), req("FileSystemType", STR)];

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

fn no_duplicates(field: &str, ids: &[String]) -> TcResult<()> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(e::InvalidParameterValue(format!("`{field}` lists `{id}` more than once.")));
        }
    }
    Ok(())
}

fn at_most(field: &str, ids: &[String], max: usize) -> TcResult<()> {
    if ids.len() > max {
        return Err(e::InvalidParameterValue_LimitExceeded(format!(
            "`{field}` may list at most {max} items; got {}.",
            ids.len()
        )));
    }
    no_duplicates(field, ids)
}

/// Disks attach to running or stopped instances, not to isolated (SHUTDOWN) or transitional ones.
fn instance_takes_disks(inst: &crate::inventory::SeedInstance) -> bool {
    inst.instance_state == "RUNNING" || inst.instance_state == "STOPPED"
}

fn not_found(id: &str) -> e::TcError {
    e::InvalidDiskId_NotFound(format!("The disk `{id}` does not exist."))
}

/// A listed disk of the region, or `InvalidDiskId.NotFound`.
pub fn find<'s>(store: &'s super::model::TcRegion, id: &str) -> TcResult<&'s Disk> {
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

fn check_throughput(ctx: &Ctx<'_>, disk_type: &str, value: i64) -> TcResult<()> {
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

fn tags(p: &Params) -> TcResult<Vec<Tag>> {
    let tags: Vec<Tag> = p
        .objs("Tags")
        .into_iter()
        .map(|t| Tag { key: t.str("Key").unwrap_or_default().into(), value: t.str("Value").unwrap_or_default().into() })
        .collect();
    if tags.len() > 50 {
        return Err(e::InvalidParameterValue("At most 50 tags can be bound to one resource."));
    }
    let mut keys = BTreeSet::new();
    for t in &tags {
        if t.key.is_empty() || t.key.len() > 127 || t.value.len() > 255 {
            return Err(e::InvalidParameterValue(format!(
                "Tag key `{}` must be 1–127 characters and its value at most 255.",
                t.key
            )));
        }
        if !keys.insert(t.key.clone()) {
            return Err(e::InvalidParameterValue(format!("Tag key `{}` is given more than once.", t.key)));
        }
    }
    Ok(tags)
}

// ---------------------------------------------------------------------------------- CreateDisks

pub const CREATE_DISKS: &[Field] = &[
    req("Placement", Ty::Obj(PLACEMENT)),
    req("DiskChargeType", STR),
    req("DiskType", STR),
    opt("DiskName", STR),
    opt("Tags", TAGS),
    opt("SnapshotId", STR),
    opt("DiskCount", INT),
    opt("ThroughputPerformance", INT),
    opt("DiskSize", INT),
    opt("Shareable", BOOL),
    opt("ClientToken", STR),
    opt("Encrypt", STR),
    opt("DiskChargePrepaid", Ty::Obj(DISK_CHARGE_PREPAID)),
    opt("DeleteSnapshot", INT),
    opt("AutoMountConfiguration", Ty::Obj(AUTO_MOUNT)),
    opt("DiskBackupQuota", INT),
    opt("BurstPerformance", BOOL),
    // Newer than the 2023 document, sent by the pinned SDK and accepted by the cloud.
    opt("KmsKeyId", STR),
    opt("EncryptType", STR),
];

/// Checks shared by CreateDisks and InquiryPriceCreateDisks: charge type, prepaid period.
pub fn check_charge(p: &Params, charge_types: &[&str]) -> TcResult<Option<(i64, String)>> {
    let charge = p.str("DiskChargeType").unwrap_or_default();
    if !charge_types.contains(&charge) {
        return Err(e::InvalidParameterValue(format!(
            "DiskChargeType must be one of {}; got `{charge}`.",
            charge_types.join(", ")
        )));
    }
    if charge != PREPAID {
        return Ok(None);
    }
    let prepaid = p
        .obj("DiskChargePrepaid")
        .ok_or_else(|| e::MissingParameter("DiskChargePrepaid is required when DiskChargeType is PREPAID."))?;
    let period = prepaid.int("Period").unwrap_or(0);
    if !valid_period(period) {
        return Err(e::InvalidParameterValue(format!(
            "DiskChargePrepaid.Period must be 1–12, 24 or 36 months; got {period}."
        )));
    }
    let renew = prepaid.str("RenewFlag").unwrap_or("NOTIFY_AND_MANUAL_RENEW");
    if !RENEW_FLAGS.contains(&renew) {
        return Err(e::InvalidParameterValue(format!("DiskChargePrepaid.RenewFlag `{renew}` is not valid.")));
    }
    if let Some(t) = prepaid.str("CurInstanceDeadline") {
        parse_tc_timestamp(t).ok_or_else(|| {
            e::InvalidParameterValue("DiskChargePrepaid.CurInstanceDeadline must look like `2018-03-30 20:15:03`.")
        })?;
    }
    Ok(Some((period, renew.to_string())))
}

pub fn create_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let placement = p.obj("Placement").unwrap_or_default();
    let zone = placement.str("Zone").unwrap_or_default().to_string();
    let region = ctx.cfg.region(ctx.region).expect("region checked by the protocol layer");
    if !region.zones.contains(&zone) {
        return Err(e::InvalidParameterValue(format!("The zone `{zone}` does not exist in region {}.", ctx.region)));
    }
    let project_id = placement.int("ProjectId").unwrap_or(0);
    if !ctx.project_exists(project_id) {
        return Err(e::InvalidParameter_ProjectIdNotExist(format!("The project {project_id} does not exist.")));
    }
    if placement.str("CdcId").is_some_and(|c| !c.is_empty())
        || placement.str("DedicatedClusterId").is_some_and(|c| !c.is_empty())
    {
        return Err(e::InvalidParameterValue("The dedicated cluster does not exist; the twin has no CDCs."));
    }
    let prepaid = check_charge(p, &[PREPAID, POSTPAID, "CDCPAID"])?;
    let charge = p.str("DiskChargeType").unwrap_or_default();
    if charge == "CDCPAID" {
        return Err(e::InvalidParameterValue(
            "CDCPAID disks need a dedicated cluster (Placement.CdcId); the twin has none.",
        ));
    }
    let disk_type = p.str("DiskType").unwrap_or_default();
    if !DISK_TYPES.contains(&disk_type) || ctx.cfg.disk_type(disk_type).is_none() {
        return Err(e::InvalidParameterValue(format!("DiskType `{disk_type}` is not supported.")));
    }
    let name = p.str("DiskName").unwrap_or("Unnamed").to_string();
    check_name("DiskName", &name, 60)?;
    let count = p.int("DiskCount").unwrap_or(1);
    if count < 1 {
        return Err(e::InvalidParameterValue(format!("DiskCount must be at least 1; got {count}.")));
    }
    if count > ctx.cfg.tencent.limits.disks_per_create {
        return Err(e::InvalidParameterValue_LimitExceeded(format!(
            "At most {} disks can be created in one request; got {count}.",
            ctx.cfg.tencent.limits.disks_per_create
        )));
    }
    let source = p.str("SnapshotId").map(|id| super::snapshots::source_for_disk(ctx, id)).transpose()?;
    let size = match (p.int("DiskSize"), &source) {
        (Some(size), Some(snap)) if size < snap.disk_size => {
            return Err(e::InvalidParameterValue(format!(
                "DiskSize {size} GB is smaller than the snapshot's {} GB.",
                snap.disk_size
            )))
        }
        (Some(size), _) => size,
        (None, Some(snap)) => snap.disk_size,
        (None, None) => return Err(e::MissingParameter("DiskSize is required unless SnapshotId is given.")),
    };
    check_size(ctx, disk_type, DATA_DISK, size)?;
    let throughput = p.int("ThroughputPerformance").unwrap_or(0);
    check_throughput(ctx, disk_type, throughput)?;
    let mut encrypt = match p.str("Encrypt") {
        None => false,
        Some("ENCRYPT") => true,
        Some(other) => return Err(e::InvalidParameterValue(format!("Encrypt is fixed at `ENCRYPT`; got `{other}`."))),
    };
    match p.str("EncryptType") {
        None => {}
        Some("ENCRYPT_V1") | Some("ENCRYPT_V2") => encrypt = true,
        Some(other) => {
            return Err(e::InvalidParameterValue(format!(
                "EncryptType must be ENCRYPT_V1 or ENCRYPT_V2; got `{other}`."
            )))
        }
    }
    if p.str("KmsKeyId").is_some() && !encrypt {
        return Err(e::InvalidParameterValue("KmsKeyId needs an encrypted disk (Encrypt=ENCRYPT)."));
    }
    let delete_snapshot = p.int("DeleteSnapshot").unwrap_or(0);
    if !(0..=1).contains(&delete_snapshot) {
        return Err(e::InvalidParameterValue("DeleteSnapshot must be 0 or 1."));
    }
    let backup_quota = p.int("DiskBackupQuota").unwrap_or(0);
    if !(0..=ctx.cfg.tencent.limits.max_backup_quota).contains(&backup_quota) {
        return Err(e::InvalidParameterValue(format!(
            "DiskBackupQuota must be between 0 and {}.",
            ctx.cfg.tencent.limits.max_backup_quota
        )));
    }
    let tags = tags(p)?;
    let shareable = p.bool("Shareable").unwrap_or(false);
    let token = p.str("ClientToken").map(str::to_string);
    if let Some(t) = &token {
        if t.len() > 64 || !t.is_ascii() {
            return Err(e::InvalidParameterValue("ClientToken may be at most 64 ASCII characters."));
        }
        if let Some(ids) = ctx.store().client_tokens.get(t) {
            return Ok(Output::new().with("DiskIdSet", &ids));
        }
    }
    let mount_to = match p.obj("AutoMountConfiguration") {
        None => None,
        Some(m) => Some(check_auto_mount(ctx, &m, &zone, count, shareable)?),
    };
    let existing = ctx.store().disks.len();
    if existing + count as usize > ctx.cfg.tencent.limits.disks_per_region {
        return Err(e::ResourceInsufficient(format!(
            "The account may have at most {} disks in {}.",
            ctx.cfg.tencent.limits.disks_per_region, ctx.region
        )));
    }

    let mut ids = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let id = loop {
            let id = ctx.ids.short("disk");
            if !ctx.store().disks.contains_key(&id) {
                break id;
            }
        };
        let seq = ctx.world.next_seq();
        let mut d = super::seed::new_data_disk(&id, &zone, disk_type, size, ctx.now, seq);
        d.disk_name = name.clone();
        d.disk_charge_type = charge.to_string();
        d.project_id = project_id;
        d.encrypt = encrypt;
        d.shareable = shareable;
        d.throughput_performance = throughput;
        d.burst_performance = p.bool("BurstPerformance").unwrap_or(false);
        d.delete_snapshot = delete_snapshot;
        d.disk_backup_quota = backup_quota;
        d.tags = tags.clone();
        d.creating = true;
        if let Some(snap) = &source {
            d.source_snapshot_id = Some(snap.snapshot_id.clone());
            d.encrypt |= snap.encrypt;
        }
        if let Some((period, renew)) = &prepaid {
            d.renew_flag = Some(renew.clone());
            d.deadline_ms = Some(add_months_ms(ctx.now, *period as u32));
        }
        if let Some(inst) = &mount_to {
            d.attached_to = vec![inst.clone()];
            d.disk_state = state::ATTACHED.into();
            d.last_attach_instance = Some(inst.clone());
        }
        ctx.store().disks.insert(id.clone(), d);
        let log = ctx.log_disk(&id, "CBS_OPERATION_CREATE", false);
        ctx.schedule(TcWork::CreateDisk { disk_id: id.clone(), log });
        ids.push(id);
    }
    if let Some(t) = token {
        ctx.store().client_tokens.insert(t, ids.clone());
    }
    Ok(Output::new().with("DiskIdSet", &ids))
}

fn check_auto_mount(ctx: &mut Ctx<'_>, m: &Params, zone: &str, count: i64, shareable: bool) -> TcResult<String> {
    let instances = m.strs("InstanceId");
    let points = m.strs("MountPoint");
    if instances.len() != 1 && !shareable {
        return Err(e::InvalidParameterValue(
            "AutoMountConfiguration.InstanceId must name exactly one instance for a non-shareable disk.",
        ));
    }
    if instances.len() != points.len() {
        return Err(e::InvalidParameterValue("AutoMountConfiguration.MountPoint needs one entry per InstanceId."));
    }
    let fs = m.str("FileSystemType").unwrap_or_default();
    if fs != "ext4" && fs != "xfs" {
        return Err(e::InvalidParameterValue(format!("FileSystemType must be ext4 or xfs; got `{fs}`.")));
    }
    let store = ctx.store();
    let inst_id = instances[0].clone();
    let inst = store
        .instances
        .get(&inst_id)
        .ok_or_else(|| e::InvalidParameterValue(format!("The instance `{inst_id}` does not exist.")))?;
    if !instance_takes_disks(inst) {
        return Err(e::InvalidInstance_NotSupported(format!(
            "The instance `{inst_id}` is {} and cannot have disks attached.",
            inst.instance_state
        )));
    }
    if inst.zone != zone {
        return Err(e::InvalidParameterValue(format!("The instance `{inst_id}` is in {}, not in {zone}.", inst.zone)));
    }
    let max = inst.max_data_disk_count;
    if store.attached_data_disks(&inst_id) + count > max {
        return Err(e::InvalidParameterValue(format!("The instance `{inst_id}` can have at most {max} data disks.")));
    }
    Ok(inst_id)
}

// -------------------------------------------------------------------------------- DescribeDisks

pub const DESCRIBE_DISKS: &[Field] = &[
    opt("DiskIds", STRS),
    opt("Filters", FILTERS),
    opt("Offset", INT),
    opt("Limit", INT),
    opt("Order", STR),
    opt("OrderField", STR),
    opt("ReturnBindAutoSnapshotPolicy", BOOL),
];

const DISK_FILTERS: &[&str] = &[
    "disk-usage",
    "disk-charge-type",
    "portable",
    "project-id",
    "disk-id",
    "disk-name",
    "disk-type",
    "disk-state",
    "instance-id",
    "zone",
    "instance-ip-address",
    "instance-name",
    "tag-key",
    "tag-value",
];

fn disk_matches(store: &super::model::TcRegion, d: &Disk, f: &Filter) -> TcResult<bool> {
    let instances = || d.attached_to.iter().filter_map(|i| store.instances.get(i));
    Ok(match f.name.as_str() {
        "disk-usage" => f.any(|v| v == d.disk_usage),
        "disk-charge-type" => f.any(|v| v == d.disk_charge_type),
        "portable" => f.any_bool(|b| b == d.portable)?,
        "project-id" => f.any_int(|id| id == d.project_id)?,
        "disk-id" => f.any(|v| v == d.disk_id),
        "disk-name" => f.any(|v| v == d.disk_name),
        "disk-type" => f.any(|v| v == d.disk_type),
        "disk-state" => f.any(|v| v == d.disk_state),
        "instance-id" => f.any(|v| d.attached_to.iter().any(|i| i == v)),
        "zone" => f.any(|v| v == d.zone),
        "instance-ip-address" => f.any(|v| {
            instances().any(|i| i.private_ip_addresses.iter().chain(&i.public_ip_addresses).any(|ip| ip == v))
        }),
        "instance-name" => f.any(|v| instances().any(|i| i.instance_name == v)),
        "tag-key" => f.any(|v| d.tags.iter().any(|t| t.key == v)),
        "tag-value" => f.any(|v| d.tags.iter().any(|t| t.value == v)),
        name => {
            let key = &name[4..];
            f.any(|v| d.tags.iter().any(|t| t.key == key && t.value == v))
        }
    })
}

pub fn describe_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    query::ids_xor_filters(p, "DiskIds")?;
    let filters = query::filters(p, DISK_FILTERS, true)?;
    let paging = query::paging(p)?;
    let (desc, field) = query::order(p, &["CREATE_TIME", "DEADLINE"])?;
    let ids = p.strs("DiskIds");
    if ids.len() > 100 {
        return Err(e::InvalidParameterValue_LimitExceeded("DiskIds may list at most 100 disks."));
    }
    let world: &crate::world::World = ctx.world;
    let empty = super::model::TcRegion::default();
    let store = world.tc_ref(ctx.account, ctx.region).unwrap_or(&empty);
    let mut hits: Vec<&Disk> = Vec::new();
    for d in store.disks.values().filter(|d| !d.creating) {
        if !ids.is_empty() && !ids.contains(&d.disk_id) {
            continue;
        }
        let mut ok = true;
        for f in &filters {
            ok &= disk_matches(store, d, f)?;
        }
        if ok {
            hits.push(d);
        }
    }
    let key = |d: &&Disk| match field {
        Some("DEADLINE") => (d.deadline_ms.unwrap_or(i64::MAX), d.seq),
        _ => (d.created_ms, d.seq),
    };
    let (total, hits) = query::sort_page(hits, key, desc, paging);
    let view = DiskView {
        cfg: ctx.cfg,
        world,
        account: ctx.account,
        region: ctx.region,
        now: ctx.now,
        with_policies: p.bool("ReturnBindAutoSnapshotPolicy").unwrap_or(false),
    };
    let set: Vec<_> = hits.into_iter().map(|d| view.disk(d)).collect();
    Ok(Output::new().with("TotalCount", &total).with("DiskSet", &set))
}

// ---------------------------------------------------------------------------- Attach / Detach

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
        if d.attached_to.contains(&inst_id) || (!d.attached_to.is_empty() && !d.shareable) {
            return Err(e::ResourceUnavailable_Attached(format!(
                "`{id}` is already attached to `{}`.",
                d.attached_to[0]
            )));
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
    }
    let attached = store.attached_data_disks(&inst_id);
    if attached + ids.len() as i64 > inst.max_data_disk_count {
        return Err(e::LimitExceeded_InstanceAttachedDisk(format!(
            "Instance `{inst_id}` has {attached} data disks; at most {} can be attached.",
            inst.max_data_disk_count
        )));
    }
    for id in &ids {
        let d = ctx.store().disks.get_mut(id).expect("checked above");
        d.attached_to.push(inst_id.clone());
        d.disk_state = state::ATTACHING.into();
        d.last_attach_instance = Some(inst_id.clone());
        if let Some(v) = delete_with_instance {
            d.delete_with_instance = v;
        }
        if attach_mode.is_some() {
            d.attach_mode = attach_mode.clone();
        }
        let log = ctx.log_disk(id, "CBS_OPERATION_ATTACH", false);
        ctx.schedule(TcWork::Attach { disk_id: id.clone(), instance_id: inst_id.clone(), log });
    }
    Ok(Output::new())
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
        let inst = match &given {
            Some(i) if d.attached_to.contains(i) => i.clone(),
            Some(i) => {
                return Err(e::InvalidParameterValue(format!("`{id}` is not attached to instance `{i}`.")));
            }
            None if d.attached_to.len() > 1 => {
                return Err(e::MissingParameter(format!(
                    "`{id}` is a shared disk attached to several instances; name one with InstanceId."
                )));
            }
            None => d.attached_to[0].clone(),
        };
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
        ctx.store().disks.get_mut(&id).expect("checked").disk_state = state::DETACHING.into();
        let log = ctx.log_disk(&id, "CBS_OPERATION_DETACH", false);
        ctx.schedule(TcWork::Detach { disk_id: id, instance_id: inst, log });
    }
    Ok(Output::new())
}

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
    ctx.store().disks.get_mut(&id).expect("exists").disk_state = state::EXPANDING.into();
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

/// Type changes go up only: HDD → Premium → SSD.
fn type_rank(t: &str) -> i32 {
    match t {
        "CLOUD_BASIC" => 0,
        "CLOUD_PREMIUM" => 1,
        "CLOUD_SSD" => 2,
        _ => 3,
    }
}

pub fn modify_disk_attributes(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    no_duplicates("DiskIds", &ids)?;
    if ids.len() > 100 {
        return Err(e::InvalidParameterValue_LimitExceeded("DiskIds may list at most 100 disks."));
    }
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
    let now = ctx.now;
    let store = ctx.store();
    for id in &ids {
        let d = store.visible_disk(id).ok_or_else(|| not_found(id))?;
        if d.migrating {
            return Err(e::ResourceInUse_DiskMigrating(format!("`{id}` is changing type.")));
        }
        if d.disk_state == state::TORECYCLE || d.is_expired(now) {
            return Err(e::InvalidDisk_NotSupported(format!("`{id}` is expired or in the recycle bin.")));
        }
        if p.has("ProjectId") && !d.portable {
            return Err(e::InvalidDisk_NotSupported(format!(
                "`{id}` is not elastic; its project follows its instance."
            )));
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
        if let Some(t) = new_type {
            if d.is_busy() {
                return Err(e::ResourceBusy(format!("`{id}` is {}; try again later.", d.disk_state)));
            }
            if type_rank(t) <= type_rank(&d.disk_type) {
                return Err(e::InvalidParameterValue(format!("`{id}` is {} and cannot change to {t}.", d.disk_type)));
            }
        }
        if burst.is_some() && d.disk_type != "CLOUD_HSSD" && d.disk_type != "CLOUD_TSSD" {
            return Err(e::InvalidDisk_NotSupported(format!(
                "Disk bursting applies to CLOUD_HSSD and CLOUD_TSSD, not {}.",
                d.disk_type
            )));
        }
    }
    for id in &ids {
        let d = ctx.store().disks.get_mut(id).expect("checked");
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
        if let Some(b) = burst {
            d.burst_performance = b;
        }
        if let Some(t) = new_type {
            d.migrating = true;
            let log = ctx.log_disk(id, "CBS_OPERATION_MODIFY", false);
            ctx.schedule(TcWork::ChangeType { disk_id: id.clone(), disk_type: t.to_string(), log });
        } else {
            ctx.log_disk(id, "CBS_OPERATION_MODIFY", true);
        }
    }
    Ok(Output::new())
}

// ------------------------------------------------------------------------------ TerminateDisks

pub const TERMINATE_DISKS: &[Field] = &[req("DiskIds", STRS), opt("DeleteSnapshot", INT)];

pub fn terminate_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    at_most("DiskIds", &ids, 50)?;
    let delete_snapshot = p.int("DeleteSnapshot").unwrap_or(0);
    if !(0..=1).contains(&delete_snapshot) {
        return Err(e::InvalidParameterValue("DeleteSnapshot must be 0 or 1."));
    }
    let now = ctx.now;
    let store = ctx.store();
    let mut prepaid = 0u32;
    for id in &ids {
        let d = store.visible_disk(id).ok_or_else(|| not_found(id))?;
        if !d.portable || d.disk_usage == SYSTEM_DISK {
            return Err(e::ResourceUnavailable_NotSupported(format!(
                "`{id}` is not an elastic data disk; it is returned with its instance."
            )));
        }
        if d.disk_state == state::TORECYCLE {
            return Err(e::ResourceUnavailable_RepeatRefund(format!("`{id}` has already been returned.")));
        }
        if d.is_expired(now) {
            return Err(e::ResourceUnavailable_Expire(format!("`{id}` has expired.")));
        }
        if d.is_busy() || d.migrating {
            return Err(e::ResourceBusy(format!("`{id}` is {}; try again later.", d.disk_state)));
        }
        if !d.attached_to.is_empty() {
            return Err(e::UnsupportedOperation(format!(
                "`{id}` is attached to `{}`; detach it first.",
                d.attached_to[0]
            )));
        }
        if d.disk_charge_type == PREPAID {
            prepaid += 1;
        }
    }
    let quota = ctx.cfg.tencent.limits.refund_quota;
    let used = ctx.world.tencent_refunds.get(ctx.account).copied().unwrap_or(0);
    if prepaid > 0 && used + prepaid > quota {
        return Err(e::InsufficientRefundQuota(format!(
            "The account has returned {used} of {quota} prepaid disks; no more can be returned."
        )));
    }
    let recycle_at = now + ctx.cfg.tencent.limits.recycle_days * 86_400_000;
    for id in &ids {
        ctx.log_disk(id, "CBS_OPERATION_ISOLATE", true);
        let disk = ctx.store().disks[id].clone();
        if delete_snapshot == 1 || disk.delete_snapshot == 1 {
            delete_temporary_snapshots(ctx, id);
        }
        if disk.disk_charge_type == PREPAID {
            let d = ctx.store().disks.get_mut(id).expect("checked");
            d.disk_state = state::TORECYCLE.into();
            d.delete_snapshot = delete_snapshot.max(d.delete_snapshot);
            ctx.schedule_at(recycle_at, TcWork::Destroy { disk_id: id.clone() });
        } else {
            super::jobs::destroy_disk(ctx.world, ctx.account, ctx.region, id);
        }
    }
    if prepaid > 0 {
        *ctx.world.tencent_refunds.entry(ctx.account.to_string()).or_default() += prepaid;
    }
    Ok(Output::new())
}

/// DeleteSnapshot=1: the disk's non-permanent snapshots go with it (shared ones stay).
fn delete_temporary_snapshots(ctx: &mut Ctx<'_>, disk_id: &str) {
    let doomed: Vec<String> = ctx
        .store()
        .snapshots
        .values()
        .filter(|s| s.disk_id == disk_id && !s.is_permanent && s.shared_with.is_empty() && !s.copy_from_remote)
        .map(|s| s.snapshot_id.clone())
        .collect();
    for id in doomed {
        super::snapshots::remove_snapshot(ctx.store(), &id);
        let (log, uin, now) = (ctx.world.next_seq(), ctx.uin.to_string(), ctx.now);
        super::snapshots::log_snapshot(ctx.store(), log, &id, &uin, "SNAP_OPERATION_DELETE", now, true);
    }
}

// ----------------------------------------------------------------------------- InitializeDisks

pub const INITIALIZE_DISKS: &[Field] = &[req("DiskIds", STRS)];

pub fn initialize_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskIds");
    at_most("DiskIds", &ids, 20)?;
    let empty = super::model::TcRegion::default();
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
            if super::snapshots::locate(ctx.world, ctx.account, ctx.uin, ctx.region, snap).is_none() {
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

// -------------------------------------------------------------------- DescribeInstancesDiskNum

pub const DESCRIBE_INSTANCES_DISK_NUM: &[Field] = &[req("InstanceIds", STRS)];

pub fn describe_instances_disk_num(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("InstanceIds");
    at_most("InstanceIds", &ids, 100)?;
    let store = ctx.store();
    let mut out = Vec::new();
    for id in &ids {
        let inst = store
            .instances
            .get(id)
            .ok_or_else(|| e::InvalidInstanceId_NotFound(format!("The instance `{id}` does not exist.")))?;
        out.push(json!({
            "InstanceId": id,
            "AttachedDiskCount": store.attached_data_disks(id),
            "MaxAttachCount": inst.max_data_disk_count,
        }));
    }
    Ok(Output::new().with("AttachDetail", &out))
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
    ctx.store().disks.get_mut(&d.disk_id).expect("checked").throughput_performance = value;
    ctx.log_disk(&d.disk_id, "CBS_OPERATION_MODIFY", true);
    Ok(Output::new())
}

// ------------------------------------------------------------------- DescribeDiskOperationLogs

/// Deprecated and undocumented in the seed; the inputs are those of the last SDK releases that
/// carried it: Filters (`disk-id`, required, at most 10 IDs), BeginTime, EndTime.
pub const DESCRIBE_DISK_OPERATION_LOGS: &[Field] =
    &[req("Filters", FILTERS), opt("BeginTime", STR), opt("EndTime", STR)];

pub fn time_window(p: &Params) -> TcResult<(i64, i64)> {
    let parse = |k: &str| -> TcResult<Option<i64>> {
        match p.str(k) {
            None => Ok(None),
            Some(s) => parse_tc_timestamp(s).map(Some).ok_or_else(|| {
                e::InvalidParameterValue(format!("`{k}` must look like `2019-11-22 00:00:00`; got `{s}`."))
            }),
        }
    };
    let begin = parse("BeginTime")?.unwrap_or(i64::MIN);
    let end = parse("EndTime")?.unwrap_or(i64::MAX);
    if begin > end {
        return Err(e::InvalidParameterValue("BeginTime must not be later than EndTime."));
    }
    Ok((begin, end))
}

pub fn describe_disk_operation_logs(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let filters = query::filters(p, &["disk-id"], false)?;
    let ids: Vec<String> = filters.iter().flat_map(|f| f.values.iter().cloned()).collect();
    if ids.is_empty() {
        return Err(e::MissingParameter("The filter `disk-id` is required."));
    }
    at_most("disk-id", &ids, 10)?;
    let (begin, end) = time_window(p)?;
    let logs: Vec<_> = ctx
        .store()
        .disk_logs
        .values()
        .filter(|l| ids.contains(&l.disk_id) && l.start_ms >= begin && l.start_ms <= end)
        .map(super::render::disk_log)
        .collect();
    Ok(Output::new().with("DiskOperationLogSet", &logs))
}
