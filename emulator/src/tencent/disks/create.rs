//! CreateDisks: the request is checked step by step (in the order the cloud reports errors) into
//! a `NewDisks` plan, then each disk is built from the plan and its creation job scheduled.

use super::super::ctx::{Ctx, Output};
use super::super::disk_input::{check_charge, tags, DISK_CHARGE_PREPAID, PLACEMENT};
use super::super::disk_rules::{check_name, check_size, check_throughput, instance_takes_disks, DISK_TYPES};
use super::super::error::{self as e, TcResult};
use super::super::model::{state, Disk, Snapshot, Tag, TcWork, DATA_DISK, POSTPAID, PREPAID};
use super::super::params::{opt, req, Field, Object, Params, Ty, BOOL, INT, STR, STRS, TAGS};
use crate::core::clock::add_months_ms;
use crate::core::intern::intern;
use crate::core::key::Key;
use crate::core::shared::Shared;

const AUTO_MOUNT: &[Field] = &[req("InstanceId", STRS), req("MountPoint", STRS), req("FileSystemType", STR)];

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

/// A checked CreateDisks request: what every one of its new disks gets.
struct NewDisks {
    zone: String,
    project_id: i64,
    charge: String,
    prepaid: Option<(i64, String)>,
    disk_type: String,
    name: String,
    source: Option<Snapshot>,
    size: i64,
    throughput: i64,
    burst: bool,
    encrypt: bool,
    delete_snapshot: i64,
    backup_quota: i64,
    tags: Vec<Tag>,
    shareable: bool,
    mount_to: Option<String>,
}

pub fn create_disks(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let (zone, project_id) = check_placement(ctx, p)?;
    let (charge, prepaid) = check_create_charge(p)?;
    let disk_type = check_disk_type(ctx, p)?;
    let name = p.str("DiskName").unwrap_or("Unnamed").to_string();
    check_name("DiskName", &name, 60)?;
    let count = check_count(ctx, p)?;
    let (source, size) = check_source_and_size(ctx, p, &disk_type)?;
    let throughput = p.int("ThroughputPerformance").unwrap_or(0);
    check_throughput(ctx, &disk_type, throughput)?;
    let encrypt = check_encryption(p)?;
    let (delete_snapshot, backup_quota) = check_snapshot_options(ctx, p)?;
    let tags = tags(p)?;
    let shareable = p.bool("Shareable").unwrap_or(false);
    let token = p.str("ClientToken").map(str::to_string);
    if let Some(ids) = check_client_token(ctx, token.as_deref())? {
        return Ok(Output::new().with("DiskIdSet", &ids));
    }
    let mount_to = match p.obj("AutoMountConfiguration") {
        None => None,
        Some(m) => Some(check_auto_mount(ctx, &m, &zone, count, shareable)?),
    };
    check_region_room(ctx, count)?;
    let plan = NewDisks {
        zone,
        project_id,
        charge,
        prepaid,
        disk_type,
        name,
        source,
        size,
        throughput,
        burst: p.bool("BurstPerformance").unwrap_or(false),
        encrypt,
        delete_snapshot,
        backup_quota,
        tags,
        shareable,
        mount_to,
    };
    let ids: Vec<String> = (0..count).map(|_| add_disk(ctx, &plan)).collect();
    if let Some(t) = token {
        ctx.store().client_tokens.insert(t, ids.clone());
    }
    Ok(Output::new().with("DiskIdSet", &ids))
}

/// Placement: the zone of the region, an existing project, and no dedicated cluster.
fn check_placement(ctx: &Ctx<'_>, p: &Params) -> TcResult<(String, i64)> {
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
    Ok((zone, project_id))
}

/// The charge type and prepaid terms; CDCPAID is known but needs a cluster the twin lacks.
fn check_create_charge(p: &Params) -> TcResult<(String, Option<(i64, String)>)> {
    let prepaid = check_charge(p, &[PREPAID, POSTPAID, "CDCPAID"])?;
    let charge = p.str("DiskChargeType").unwrap_or_default();
    if charge == "CDCPAID" {
        return Err(e::InvalidParameterValue(
            "CDCPAID disks need a dedicated cluster (Placement.CdcId); the twin has none.",
        ));
    }
    Ok((charge.to_string(), prepaid))
}

fn check_disk_type(ctx: &Ctx<'_>, p: &Params) -> TcResult<String> {
    let disk_type = p.str("DiskType").unwrap_or_default();
    if !DISK_TYPES.contains(&disk_type) || ctx.cfg.disk_type(disk_type).is_none() {
        return Err(e::InvalidParameterValue(format!("DiskType `{disk_type}` is not supported.")));
    }
    Ok(disk_type.to_string())
}

fn check_count(ctx: &Ctx<'_>, p: &Params) -> TcResult<i64> {
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
    Ok(count)
}

/// The source snapshot (if any) and the size: given, or the snapshot's, never below it.
fn check_source_and_size(ctx: &Ctx<'_>, p: &Params, disk_type: &str) -> TcResult<(Option<Snapshot>, i64)> {
    let source = p.str("SnapshotId").map(|id| super::super::snapshots::source_for_disk(ctx, id)).transpose()?;
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
    Ok((source, size))
}

/// Encrypt and EncryptType both ask for encryption; a KMS key needs it.
fn check_encryption(p: &Params) -> TcResult<bool> {
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
    Ok(encrypt)
}

/// DeleteSnapshot (0 or 1) and DiskBackupQuota (within the configured maximum).
fn check_snapshot_options(ctx: &Ctx<'_>, p: &Params) -> TcResult<(i64, i64)> {
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
    Ok((delete_snapshot, backup_quota))
}

/// A ClientToken seen before returns the disks it created then (idempotent retry).
fn check_client_token(ctx: &mut Ctx<'_>, token: Option<&str>) -> TcResult<Option<Vec<String>>> {
    let Some(t) = token else { return Ok(None) };
    if t.len() > 64 || !t.is_ascii() {
        return Err(e::InvalidParameterValue("ClientToken may be at most 64 ASCII characters."));
    }
    Ok(ctx.store().client_tokens.get(t).cloned())
}

fn check_region_room(ctx: &mut Ctx<'_>, count: i64) -> TcResult<()> {
    let existing = ctx.store().disks.len();
    if existing + count as usize > ctx.cfg.tencent.limits.disks_per_region {
        return Err(e::ResourceInsufficient(format!(
            "The account may have at most {} disks in {}.",
            ctx.cfg.tencent.limits.disks_per_region, ctx.region
        )));
    }
    Ok(())
}

/// Build one disk of the plan, store it and schedule the end of its creation.
fn add_disk(ctx: &mut Ctx<'_>, plan: &NewDisks) -> String {
    let seq = ctx.world.next_seq();
    // An ID is drawn again when it is taken: the insert finds that out in its one search.
    let id = loop {
        let id = ctx.ids.short("disk");
        let disk = Shared::new(new_disk(ctx, plan, &id, seq));
        if ctx.store().disks.insert_new(Key::from(id.as_str()), disk).is_ok() {
            break id;
        }
    };
    let log = ctx.log_disk(&id, "CBS_OPERATION_CREATE", false);
    ctx.schedule(TcWork::CreateDisk { disk_id: id.clone(), log });
    id
}

/// The disk `plan` makes, as `id` with creation number `seq`.
fn new_disk(ctx: &Ctx<'_>, plan: &NewDisks, id: &str, seq: u64) -> Disk {
    let mut d = super::super::seed::new_data_disk(id, &plan.zone, &plan.disk_type, plan.size, ctx.now, seq);
    d.disk_name = plan.name.clone();
    d.disk_charge_type = intern(&plan.charge);
    d.project_id = plan.project_id;
    d.encrypt = plan.encrypt;
    d.shareable = plan.shareable;
    d.throughput_performance = plan.throughput;
    d.burst_performance = plan.burst;
    d.delete_snapshot = plan.delete_snapshot;
    d.disk_backup_quota = plan.backup_quota;
    d.tags = plan.tags.clone();
    d.creating = true;
    if let Some(snap) = &plan.source {
        d.source_snapshot_id = Some(snap.snapshot_id.as_str().into());
        d.encrypt |= snap.encrypt;
    }
    if let Some((period, renew)) = &plan.prepaid {
        d.renew_flag = Some(renew.as_str().into());
        d.deadline_ms = Some(add_months_ms(ctx.now, *period as u32));
    }
    if let Some(inst) = &plan.mount_to {
        d.attached_to = vec![inst.clone()];
        d.disk_state = state::ATTACHED.into();
        d.last_attach_instance = Some(inst.as_str().into());
    }
    d
}

fn check_auto_mount(ctx: &mut Ctx<'_>, m: &Object<'_>, zone: &str, count: i64, shareable: bool) -> TcResult<String> {
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
