//! Model → response fields: the guide's `Disk` and seed 002's `SnapshotInfo`, in their orders,
//! and the flat fields after `Action`, `RetCode` and `Message` that every handler returns.

use serde::Serialize;
use serde_json::Value;

use super::ctx::{Ctx, Fields};
use super::model::{UcsDisk, UcsRegion, UcsSnapshot};

pub fn fields(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Fields {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A Describe answer: how many matched, and the page of them.
pub fn page<T: Serialize>(total: usize, infos: &[T]) -> Fields {
    fields([("TotalCount", Value::from(total)), ("Infos", serde_json::to_value(infos).unwrap_or(Value::Null))])
}

/// `Disk` of the guide, in its order (with the older edition's `Zone` after `Region`).
#[derive(Serialize)]
pub struct DiskInfo<'a> {
    #[serde(rename = "Region")]
    region: &'a str,
    #[serde(rename = "Zone")]
    zone: &'a str,
    #[serde(rename = "CompanyID")]
    company_id: i64,
    #[serde(rename = "Email")]
    email: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Remark")]
    remark: &'a str,
    #[serde(rename = "ChargeType")]
    charge_type: &'a str,
    #[serde(rename = "ProjectID")]
    project_id: &'a str,
    #[serde(rename = "ProjectName")]
    project_name: &'a str,
    #[serde(rename = "DiskID")]
    disk_id: &'a str,
    #[serde(rename = "DiskType")]
    disk_type: &'a str,
    #[serde(rename = "Size")]
    size: i64,
    #[serde(rename = "Drive")]
    drive: &'a str,
    #[serde(rename = "DiskStatus")]
    disk_status: &'a str,
    #[serde(rename = "DisableQoS")]
    disable_qos: bool,
    #[serde(rename = "IOPS")]
    iops: i64,
    #[serde(rename = "Bandwidth")]
    bandwidth: i64,
    #[serde(rename = "SetType")]
    set_type: &'a str,
    #[serde(rename = "SetAlias")]
    set_alias: &'a str,
    #[serde(rename = "SetArch")]
    set_arch: &'a str,
    #[serde(rename = "AttachResourceID")]
    attach_resource_id: &'a str,
    #[serde(rename = "AttachResourceName")]
    attach_resource_name: &'a str,
    #[serde(rename = "AttachResourceType")]
    attach_resource_type: &'a str,
    /// Unix seconds.
    #[serde(rename = "CreateTime")]
    create_time: i64,
    /// Unix seconds; 0 for Dynamic (hourly) disks, which do not expire.
    #[serde(rename = "ExpireTime")]
    expire_time: i64,
}

/// A disk as DescribeDisk prints it; `store` is the region it lives in (for its VM's name).
pub fn disk<'a>(ctx: &'a Ctx<'_>, store: &'a UcsRegion, d: &'a UcsDisk) -> DiskInfo<'a> {
    let spec = ctx.cfg.ucloudstack.set_type(&d.set_type);
    let vm = d.attached_to.as_deref().and_then(|v| store.vms.get(v));
    DiskInfo {
        region: ctx.region,
        zone: &d.zone,
        company_id: ctx.user.company_id,
        email: &ctx.user.email,
        name: &d.name,
        remark: &d.remark,
        charge_type: &d.charge_type,
        project_id: &d.project_id,
        project_name: ctx.project_name(&d.project_id),
        disk_id: &d.disk_id,
        disk_type: &d.disk_type,
        size: d.size,
        drive: &d.drive,
        disk_status: &d.status,
        disable_qos: false,
        iops: spec.map_or(0, |s| s.iops),
        bandwidth: spec.map_or(0, |s| s.bandwidth),
        set_type: &d.set_type,
        set_alias: spec.map_or("", |s| s.alias.as_str()),
        set_arch: spec.map_or("", |s| s.arch.as_str()),
        attach_resource_id: d.attached_to.as_deref().unwrap_or(""),
        attach_resource_name: vm.map_or("", |v| v.name.as_str()),
        attach_resource_type: if d.attached_to.is_some() { "VM" } else { "" },
        create_time: d.created_ms.div_euclid(1000),
        expire_time: d.expire_ms.map_or(0, |t| t.div_euclid(1000)),
    }
}

/// `SnapshotInfo`, every field of seed 002 in its order.
#[derive(Serialize)]
pub struct SnapshotInfo<'a> {
    #[serde(rename = "Region")]
    region: &'a str,
    #[serde(rename = "Name")]
    name: &'a str,
    #[serde(rename = "Remark")]
    remark: &'a str,
    #[serde(rename = "CompanyID")]
    company_id: i64,
    #[serde(rename = "ProjectID")]
    project_id: &'a str,
    #[serde(rename = "ProjectName")]
    project_name: &'a str,
    #[serde(rename = "SnapshotID")]
    snapshot_id: &'a str,
    #[serde(rename = "SnapshotStatus")]
    snapshot_status: &'a str,
    #[serde(rename = "Type")]
    kind: &'a str,
    #[serde(rename = "DiskID")]
    disk_id: &'a str,
    #[serde(rename = "DiskType")]
    disk_type: &'a str,
    #[serde(rename = "DiskAttachResourceID")]
    disk_attach_resource_id: &'a str,
    #[serde(rename = "DiskAttachResourceType")]
    disk_attach_resource_type: &'a str,
    /// Unix seconds.
    #[serde(rename = "CreateTime")]
    create_time: i64,
    /// GB, the disk's size when the snapshot was taken.
    #[serde(rename = "SnapshotSize")]
    snapshot_size: i64,
    /// The seed types it `int`; an e-mail address is a string, so it is printed as one.
    #[serde(rename = "Email")]
    email: &'a str,
}

/// A snapshot as DescribeSnapshot prints it; `store` is the region of its disk (for what the
/// disk is bound to now).
pub fn snapshot<'a>(ctx: &'a Ctx<'_>, store: &'a UcsRegion, s: &'a UcsSnapshot) -> SnapshotInfo<'a> {
    let attached = store.disks.get(&s.disk_id).and_then(|d| d.attached_to.as_deref());
    SnapshotInfo {
        region: ctx.region,
        name: &s.name,
        remark: &s.remark,
        company_id: ctx.user.company_id,
        project_id: &s.project_id,
        project_name: ctx.project_name(&s.project_id),
        snapshot_id: &s.snapshot_id,
        snapshot_status: &s.status,
        kind: &s.kind,
        disk_id: &s.disk_id,
        disk_type: &s.disk_type,
        disk_attach_resource_id: attached.unwrap_or(""),
        disk_attach_resource_type: if attached.is_some() { "VM" } else { "" },
        create_time: s.created_ms.div_euclid(1000),
        snapshot_size: s.size,
        email: &ctx.user.email,
    }
}
