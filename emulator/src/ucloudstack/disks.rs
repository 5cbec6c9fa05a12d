//! The disk actions of UCloudStack's public API guide (CreateDisk, DescribeDisk, DeleteDisk,
//! AttachDisk, DetachDisk): not part of seed 002, but without them there would be nothing to
//! take a snapshot of. Fields follow the guide's newer edition (the one seed 002 belongs to:
//! CompanyID, ProjectID, no Zone); the older edition's required flags and Zone are honoured.

use serde_json::Value;

use super::ctx::{Ctx, Fields};
use super::error::{self as e, UcsResult};
use super::model::{disk_status, UcsDisk, UcsWork, BOOT, DATA};
use super::protocol::Params;
use super::render::{self, fields};
use crate::core::clock::add_months_ms;

pub const CHARGE_TYPES: &[&str] = &["Dynamic", "Month", "Year"];

/// The zone a request names, or the region's first.
fn zone(ctx: &Ctx<'_>, p: &Params<'_>) -> String {
    match p.opt("Zone").filter(|z| !z.is_empty()) {
        Some(z) => z.to_string(),
        None => ctx.cfg.ucloudstack.region(ctx.region).and_then(|r| r.zones.first().cloned()).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------- CreateDisk

pub fn create_disk(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let name = p.req("Name")?.to_string();
    let set_type = p.req("SetType")?;
    let spec = ctx.cfg.ucloudstack.set_type(set_type).ok_or_else(|| {
        let known: Vec<&str> = ctx.cfg.ucloudstack.set_types.iter().map(|s| s.set_type.as_str()).collect();
        e::invalid("SetType", format!("`{set_type}` is not one of {}", known.join(", ")))
    })?;
    let size = p.req_int("DiskSpace")?;
    if size < spec.min_size || size > spec.max_size {
        return Err(e::invalid(
            "DiskSpace",
            format!("a {set_type} disk is {}–{} GB; got {size}", spec.min_size, spec.max_size),
        ));
    }
    let charge = p.req("ChargeType")?;
    if !CHARGE_TYPES.contains(&charge) {
        return Err(e::invalid("ChargeType", format!("must be Dynamic, Month or Year; got `{charge}`")));
    }
    // "Default 1. Not used for Dynamic; Month 1–11, Year 1–5."
    let quantity = p.int("Quantity")?.unwrap_or(1);
    let months = match charge {
        "Month" if (1..=11).contains(&quantity) => Some(quantity),
        "Year" if (1..=5).contains(&quantity) => Some(quantity * 12),
        "Month" => return Err(e::invalid("Quantity", format!("Month is bought for 1–11; got {quantity}"))),
        "Year" => return Err(e::invalid("Quantity", format!("Year is bought for 1–5; got {quantity}"))),
        _ => None,
    };
    let project = ctx.project(p, "ProjectID", None)?;
    let remark = p.opt("Remark").unwrap_or("").to_string();
    let zone = zone(ctx, p);
    let id = ctx.new_id("disk");
    let seq = ctx.world.next_seq();
    let now = ctx.now;
    let d = UcsDisk {
        disk_id: id.clone(),
        name,
        remark,
        zone,
        size,
        set_type: set_type.to_string(),
        disk_type: DATA.into(),
        status: disk_status::CREATING.into(),
        charge_type: charge.to_string(),
        project_id: project,
        attached_to: None,
        drive: String::new(),
        created_ms: now,
        expire_ms: months.map(|m| add_months_ms(now, m as u32)),
        seq,
    };
    ctx.store().disks.insert(id.clone(), d);
    ctx.schedule(UcsWork::CreateDisk { disk_id: id.clone() });
    Ok(fields([("DiskID", Value::String(id))]))
}

// -------------------------------------------------------------------------------- DescribeDisk

pub fn describe_disk(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let (offset, limit) = p.paging()?;
    let ids = p.list("DiskIDs")?;
    let projects = p.list("ProjectIDs")?;
    let zone = p.opt("Zone").filter(|v| !v.is_empty());
    let attached = p.opt("AttachResourceID").filter(|v| !v.is_empty());
    let keyword = p.opt("Keyword").filter(|v| !v.is_empty()).map(str::to_lowercase);
    let empty = Default::default();
    let store = ctx.world.ucs_ref(ctx.account, ctx.region).unwrap_or(&empty);
    let mut hits: Vec<&UcsDisk> = store
        .disks
        .values()
        .filter(|d| ids.is_empty() || ids.contains(&d.disk_id))
        .filter(|d| projects.is_empty() || projects.contains(&d.project_id))
        .filter(|d| zone.into_iter().all(|z| z == d.zone))
        .filter(|d| attached.into_iter().all(|a| d.attached_to.as_deref() == Some(a)))
        .filter(|d| {
            keyword
                .as_deref()
                .into_iter()
                .all(|k| d.name.to_lowercase().contains(k) || d.disk_id.to_lowercase().contains(k))
        })
        .collect();
    hits.sort_by_key(|d| std::cmp::Reverse((d.created_ms, d.seq)));
    let total = hits.len();
    let page = hits.into_iter().skip(offset).take(limit);
    Ok(render::page(total, page, |out, d| render::serialized(out, render::disk(ctx, store, d))))
}

// ---------------------------------------------------------------------------------- DeleteDisk

/// "A disk can be deleted when it is not bound to anything." Its snapshots stay.
pub fn delete_disk(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let id = p.req("DiskID")?.to_string();
    let d = ctx.store().disks.get(&id).ok_or_else(|| e::disk_not_found(&id))?;
    if d.disk_type == BOOT {
        return Err(e::disk_state(format!("Disk [{id}] is a boot disk; it goes with its VM")));
    }
    if d.status != disk_status::UNBOUND {
        return Err(e::disk_state(format!("Disk [{id}] is {}; only an Unbound disk can be deleted", d.status)));
    }
    ctx.store().disks.remove(&id);
    Ok(Fields::new())
}

// ----------------------------------------------------------------------------- Attach / Detach

pub fn attach_disk(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let id = p.req("DiskID")?.to_string();
    let vm_id = p.req("ResourceID")?.to_string();
    let kind = p.opt("ResourceType").filter(|t| !t.is_empty()).unwrap_or("VM");
    if kind != "VM" {
        return Err(e::invalid("ResourceType", format!("disks bind to VM resources; got `{kind}`")));
    }
    let store = ctx.store();
    let vm = store.vms.get(&vm_id).ok_or_else(|| e::vm_not_found(&vm_id))?;
    let d = store.disks.get(&id).ok_or_else(|| e::disk_not_found(&id))?;
    if d.disk_type == BOOT {
        return Err(e::disk_state(format!("Disk [{id}] is a boot disk")));
    }
    if d.status != disk_status::UNBOUND {
        return Err(e::disk_state(format!("Disk [{id}] is {}; only an Unbound disk can be bound", d.status)));
    }
    if d.zone != vm.zone {
        return Err(e::disk_state(format!("Disk [{id}] is in {} but VM [{vm_id}] is in {}", d.zone, vm.zone)));
    }
    let used: Vec<&str> =
        store.disks.values().filter(|x| x.attached_to.as_deref() == Some(&vm_id)).map(|x| x.drive.as_str()).collect();
    let drive = (1..26).map(super::seed::drive).find(|dr| !used.contains(&dr.as_str())).unwrap_or_default();
    let d = store.disks.get_mut(&id).expect("checked");
    d.status = disk_status::BOUNDING.into();
    d.attached_to = Some(vm_id);
    d.drive = drive;
    ctx.schedule(UcsWork::AttachDisk { disk_id: id });
    Ok(Fields::new())
}

pub fn detach_disk(ctx: &mut Ctx<'_>, p: &Params<'_>) -> UcsResult<Fields> {
    let id = p.req("DiskID")?.to_string();
    let named = p.opt("ResourceID").filter(|v| !v.is_empty());
    let store = ctx.store();
    let d = store.disks.get(&id).ok_or_else(|| e::disk_not_found(&id))?;
    if d.disk_type == BOOT {
        return Err(e::disk_state(format!("Disk [{id}] is a boot disk and cannot be unbound")));
    }
    if d.status != disk_status::BOUND {
        return Err(e::disk_state(format!("Disk [{id}] is {}; only a Bound disk can be unbound", d.status)));
    }
    if let Some(vm) = named {
        if d.attached_to.as_deref() != Some(vm) {
            return Err(e::invalid("ResourceID", format!("disk [{id}] is not bound to [{vm}]")));
        }
    }
    store.disks.get_mut(&id).expect("checked").status = disk_status::UNBOUNDING.into();
    ctx.schedule(UcsWork::DetachDisk { disk_id: id });
    Ok(Fields::new())
}
