//! Backup points (`dbp-…`): a per-disk quota of point-in-time copies that roll back onto their
//! own disk.

use super::ctx::{Ctx, Output};
use super::error::{self as e, TcResult};
use super::model::{state, DiskBackup, TcWork};
use super::params::{opt, req, Field, Params, BOOL, FILTERS, INT, STR, STRS};
use super::query;
use super::render::DiskView;

fn view<'a>(ctx: &'a Ctx<'_>) -> DiskView<'a> {
    DiskView::new(ctx.cfg, ctx.world, ctx.account, ctx.region, ctx.now)
}

pub const CREATE_DISK_BACKUP: &[Field] = &[req("DiskId", STR), opt("DiskBackupName", STR)];

pub fn create_disk_backup(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let disk_id = p.str("DiskId").unwrap_or_default().to_string();
    let name = p.str("DiskBackupName").unwrap_or("Unnamed").to_string();
    if name.chars().count() > 100 {
        return Err(e::InvalidParameter("DiskBackupName may be at most 100 characters."));
    }
    let now = ctx.now;
    let store = ctx.store();
    let d = super::disk_rules::find(store, &disk_id)?.clone();
    if d.disk_state == state::TORECYCLE || d.is_expired(now) {
        return Err(e::ResourceUnavailable_NotSupported(format!("`{disk_id}` is expired or in the recycle bin.")));
    }
    if d.is_busy() || d.migrating {
        return Err(e::InvalidDisk_Busy(format!("`{disk_id}` is {}; try again later.", d.disk_state)));
    }
    if store.backups.values().any(|b| b.disk_id == disk_id && b.disk_backup_state == state::CREATING) {
        return Err(e::TcError::new("ResourceInUse", format!("A backup point of `{disk_id}` is being created.")));
    }
    let used = store.backup_count(&disk_id);
    if used >= d.disk_backup_quota {
        return Err(e::ResourceInsufficient_OverQuota(format!(
            "`{disk_id}` uses {used} of its {} backup points; raise DiskBackupQuota first.",
            d.disk_backup_quota
        )));
    }
    let id = loop {
        let id = ctx.ids.short("dbp");
        if !ctx.store().backups.contains_key(&id) {
            break id;
        }
    };
    let seq = ctx.world.next_seq();
    let b = DiskBackup {
        disk_backup_id: id.clone(),
        disk_id,
        disk_backup_name: name,
        disk_backup_state: state::CREATING.into(),
        disk_size: d.disk_size,
        disk_usage: d.disk_usage.clone(),
        encrypt: d.encrypt,
        created_ms: now,
        seq,
    };
    ctx.store().backups.insert(id.clone(), b);
    ctx.schedule(TcWork::CreateBackup { disk_backup_id: id.clone() });
    Ok(Output::new().with("DiskBackupId", &id))
}

pub const DESCRIBE_DISK_BACKUPS: &[Field] = &[
    opt("DiskBackupIds", STRS),
    opt("Filters", FILTERS),
    opt("Offset", INT),
    opt("Limit", INT),
    opt("Order", STR),
    opt("OrderField", STR),
];

pub fn describe_disk_backups(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    query::ids_xor_filters(p, "DiskBackupIds")?;
    let filters = query::filters(p, &["disk-backup-id", "disk-id", "disk-usage"], false)?;
    let paging = query::paging(p)?;
    let (desc, _) = query::order(p, &["CREATE_TIME"])?;
    let ids = p.strs("DiskBackupIds");
    let v = view(ctx);
    let empty = super::model::TcRegion::default();
    let store = ctx.world.tc_ref(ctx.account, ctx.region).unwrap_or(&empty);
    let hits: Vec<&DiskBackup> = store
        .backups
        .values()
        .filter(|b| ids.is_empty() || ids.contains(&b.disk_backup_id))
        .filter(|b| {
            filters.iter().all(|f| match f.name.as_str() {
                "disk-backup-id" => f.any(|v| v == b.disk_backup_id),
                "disk-id" => f.any(|v| v == b.disk_id),
                _ => f.any(|v| v == b.disk_usage),
            })
        })
        .collect();
    let (total, hits) = query::sort_page(hits, |b: &&DiskBackup| (b.created_ms, b.seq), desc, paging);
    let set: Vec<_> = hits.into_iter().map(|b| v.backup(b)).collect();
    Ok(Output::new().with("TotalCount", &total).with("DiskBackupSet", &set))
}

pub const DELETE_DISK_BACKUPS: &[Field] = &[req("DiskBackupIds", STRS)];

pub fn delete_disk_backups(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("DiskBackupIds");
    let store = ctx.store();
    for id in &ids {
        let b = store
            .backups
            .get(id)
            .ok_or_else(|| e::ResourceNotFound_NotFound(format!("The backup point `{id}` does not exist.")))?;
        if b.disk_backup_state != state::NORMAL {
            return Err(e::InvalidParameter(format!(
                "The backup point `{id}` is {}; only NORMAL backup points can be deleted.",
                b.disk_backup_state
            )));
        }
    }
    for id in &ids {
        store.backups.remove(id);
    }
    Ok(Output::new())
}

pub const APPLY_DISK_BACKUP: &[Field] = &[
    req("DiskBackupId", STR),
    req("DiskId", STR),
    // Sent by the pinned SDK (newer than the 2023 document), as ApplySnapshot documents them.
    opt("AutoStopInstance", BOOL),
    opt("AutoStartInstance", BOOL),
];

pub fn apply_disk_backup(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let backup_id = p.str("DiskBackupId").unwrap_or_default().to_string();
    let disk_id = p.str("DiskId").unwrap_or_default().to_string();
    let store = ctx.store();
    let b = store
        .backups
        .get(&backup_id)
        .ok_or_else(|| e::ResourceNotFound_NotFound(format!("The backup point `{backup_id}` does not exist.")))?
        .clone();
    let d = super::disk_rules::find(store, &disk_id)?.clone();
    if b.disk_id != disk_id {
        return Err(e::ResourceUnavailable_NotSupported(format!(
            "The backup point `{backup_id}` belongs to `{}`; it can only roll back onto its own disk.",
            b.disk_id
        )));
    }
    if d.disk_state == state::ROLLBACKING {
        return Err(e::ResourceInUse_DiskRollbacking(format!("`{disk_id}` is already rolling back.")));
    }
    if b.disk_backup_state != state::NORMAL {
        return Err(e::ResourceBusy(format!("The backup point `{backup_id}` is {}, not NORMAL.", b.disk_backup_state)));
    }
    if d.is_busy() || d.migrating || d.disk_state == state::TORECYCLE {
        return Err(e::InvalidDisk_Busy(format!("`{disk_id}` is {}; try again later.", d.disk_state)));
    }
    if d.portable && !d.attached_to.is_empty() {
        return Err(e::InvalidDisk_Busy(format!("`{disk_id}` is attached; detach it before rolling back.")));
    }
    if !d.portable {
        let inst = d.attached_to.first().and_then(|i| store.instances.get(i));
        let auto_stop = p.bool("AutoStopInstance").unwrap_or(false);
        if !auto_stop && inst.is_some_and(|i| i.instance_state != "STOPPED") {
            return Err(e::InvalidInstance_NotSupported(format!(
                "The instance of `{disk_id}` must be stopped before rolling back."
            )));
        }
    }
    store.disks.get_mut(disk_id.as_str()).expect("checked").disk_state = state::ROLLBACKING.into();
    store.backups.get_mut(&backup_id).expect("checked").disk_backup_state = state::ROLLBACKING.into();
    ctx.schedule(TcWork::RollbackBackup { disk_id, disk_backup_id: backup_id });
    Ok(Output::new())
}

pub const MODIFY_DISK_BACKUP_QUOTA: &[Field] = &[req("DiskId", STR), req("DiskBackupQuota", INT)];

/// Checks shared by ModifyDiskBackupQuota and its price inquiry; returns the disk.
pub fn check_backup_quota(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<super::model::Disk> {
    let disk_id = p.str("DiskId").unwrap_or_default().to_string();
    let quota = p.int("DiskBackupQuota").unwrap_or_default();
    let max = ctx.cfg.tencent.limits.max_backup_quota;
    let store = ctx.store();
    let d = super::disk_rules::find(store, &disk_id)?.clone();
    if !(0..=max).contains(&quota) {
        return Err(e::InvalidParameter(format!("DiskBackupQuota must be between 0 and {max}; got {quota}.")));
    }
    let used = store.backup_count(&disk_id);
    if quota < used {
        return Err(e::InvalidParameter(format!("`{disk_id}` has {used} backup points; the quota cannot be lower.")));
    }
    if d.disk_state == state::TORECYCLE {
        return Err(e::ResourceUnavailable_NotSupported(format!("`{disk_id}` is in the recycle bin.")));
    }
    Ok(d)
}

pub fn modify_disk_backup_quota(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let d = check_backup_quota(ctx, p)?;
    let quota = p.int("DiskBackupQuota").unwrap_or_default();
    ctx.store().disks.get_mut(d.disk_id.as_str()).expect("checked").disk_backup_quota = quota;
    ctx.log_disk(&d.disk_id, "CBS_OPERATION_MODIFY", true);
    Ok(Output::new())
}
