//! Model → response fields: the guide's `Disk` and seed 002's `SnapshotInfo`, in their orders,
//! and the flat fields after `Action`, `RetCode` and `Message` that every handler returns.

use serde::Serialize;
use serde_json::Value;

use super::ctx::{Ctx, Fields};
use super::model::{UcsDisk, UcsRegion, UcsSnapshot};
use crate::core::json;

pub fn fields(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Fields {
    let mut f = Fields::new();
    for (k, v) in pairs {
        f.value(k, &v);
    }
    f
}

/// A Describe answer: how many matched (`TotalCount`), and the page of them (`Infos`), each
/// written by `write`.
pub fn page<T>(
    total: usize,
    infos: impl ExactSizeIterator<Item = T>,
    mut write: impl FnMut(&mut Vec<u8>, T),
) -> Fields {
    let mut f = Fields::new();
    json::int(f.field("TotalCount"), total as i64);
    let out = f.field("Infos");
    // A snapshot's or a disk's text is 400–600 bytes: one allocation for most pages.
    out.reserve(2 + infos.len() * 512);
    out.push(b'[');
    for (i, info) in infos.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(out, info);
    }
    out.push(b']');
    f
}

/// For the infos serde writes (the disks' page: not a hot read).
pub fn serialized<T: Serialize>(out: &mut Vec<u8>, info: T) {
    // Writing to memory cannot fail.
    let _ = serde_json::to_writer(out, &info);
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

impl SnapshotInfo<'_> {
    /// What serde_json writes for it, byte for byte (a test holds the two together), with the
    /// keys written as constants: DescribeSnapshot's page is this twenty times.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let text = |out: &mut Vec<u8>, key: &[u8], v: &str| {
            out.extend_from_slice(key);
            json::string(out, v);
        };
        let int = |out: &mut Vec<u8>, key: &[u8], v: i64| {
            out.extend_from_slice(key);
            json::int(out, v);
        };
        text(out, b"{\"Region\":", self.region);
        text(out, b",\"Name\":", self.name);
        text(out, b",\"Remark\":", self.remark);
        int(out, b",\"CompanyID\":", self.company_id);
        text(out, b",\"ProjectID\":", self.project_id);
        text(out, b",\"ProjectName\":", self.project_name);
        text(out, b",\"SnapshotID\":", self.snapshot_id);
        text(out, b",\"SnapshotStatus\":", self.snapshot_status);
        text(out, b",\"Type\":", self.kind);
        text(out, b",\"DiskID\":", self.disk_id);
        text(out, b",\"DiskType\":", self.disk_type);
        text(out, b",\"DiskAttachResourceID\":", self.disk_attach_resource_id);
        text(out, b",\"DiskAttachResourceType\":", self.disk_attach_resource_type);
        int(out, b",\"CreateTime\":", self.create_time);
        int(out, b",\"SnapshotSize\":", self.snapshot_size);
        text(out, b",\"Email\":", self.email);
        out.push(b'}');
    }
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

#[cfg(test)]
mod tests {
    use super::{page, serialized, SnapshotInfo};
    use crate::ucloudstack::protocol::envelope;
    use proptest::prelude::*;
    use serde_json::{json, Map, Value};

    /// Any text, weighted to the bytes JSON escapes and to non-ASCII.
    fn text() -> impl Strategy<Value = String> {
        "[a-z\"\\\\\u{0}-\u{1f}\u{7f}é名🙂 ]{0,12}"
    }

    proptest! {
        /// The hand-written snapshot is the bytes serde_json writes for the same struct.
        #[test]
        fn a_snapshot_is_written_as_serde_json_writes_it(
            t in proptest::collection::vec(text(), 12),
            n in proptest::collection::vec(any::<i64>(), 3),
        ) {
            let info = SnapshotInfo {
                region: &t[0], name: &t[1], remark: &t[2], company_id: n[0], project_id: &t[3],
                project_name: &t[4], snapshot_id: &t[5], snapshot_status: &t[6], kind: &t[7], disk_id: &t[8],
                disk_type: &t[9], disk_attach_resource_id: &t[10], disk_attach_resource_type: &t[11],
                create_time: n[1], snapshot_size: n[2], email: &t[0],
            };
            let mut out = Vec::new();
            info.write_json(&mut out);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&info).unwrap());
        }

        /// An envelope with a page is what the `serde_json` map it used to be built as writes.
        #[test]
        fn an_envelope_is_written_as_the_map_was(
            action in text(), code in any::<i64>(), message in text(), total in any::<u32>(),
            items in proptest::collection::vec(text(), 0..4),
        ) {
            let fields = page(total as usize, items.iter(), |out, s| serialized(out, json!({"S": s, "N": 1})));
            let mut m = Map::new();
            m.insert("Action".into(), Value::String(format!("{action}Response")));
            m.insert("RetCode".into(), Value::from(code));
            m.insert("Message".into(), Value::String(message.clone()));
            m.insert("TotalCount".into(), Value::from(total as usize));
            m.insert("Infos".into(), items.iter().map(|s| json!({"S": s, "N": 1})).collect());
            let want = serde_json::to_vec(&Value::Object(m)).unwrap();
            prop_assert_eq!(envelope(&action, code, &message, fields.text()), want);
        }
    }
}
