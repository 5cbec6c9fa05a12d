//! The typed shapes of the answers clients page through (Backup, Vault): serde structs in the
//! doc's key order, written straight into the answer's body. A list page of 20 backups built as
//! a `serde_json::Value` tree first (a map and a `String` per key, then serialized) cost several
//! times the Tencent page of the same size (docs/performance.md). render.rs turns the same
//! structs into a `Value` for the answers that add fields to them.

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::domain::capacity::{mb_to_gb, resource_size, resource_totals, used_mb};
use super::model::{Backup, HwProject, ReplicationRecord, Tag, Vault, TYPE_SERVER};
use crate::core::clock::civil_from_days;

/// A time as every answer prints it: `2019-05-23T12:51:10.071+00:00`.
#[derive(Clone, Copy)]
pub struct Time(pub i64);

/// The last millisecond of 9999-12-31 UTC: past it a year has five digits.
const FAST_UNTIL_MS: i64 = 253_402_300_799_999;

impl Time {
    /// Formats into 29 bytes with integer arithmetic in the common range (chrono's formatter
    /// showed in the profile of a list page); elsewhere as chrono formats it.
    pub fn text(self) -> TimeText {
        let ms = self.0;
        if !(0..=FAST_UNTIL_MS).contains(&ms) {
            let s = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
                .to_string();
            return TimeText::Long(s);
        }
        let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
        let (y, mo, d) = civil_from_days(days);
        let (h, mi, s, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
        let mut b = *b"0000-00-00T00:00:00.000+00:00";
        let mut put = |at: usize, width: usize, mut v: i64| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, 4, y);
        put(5, 2, mo);
        put(8, 2, d);
        put(11, 2, h);
        put(14, 2, mi);
        put(17, 2, s);
        put(20, 3, milli);
        TimeText::Short(b)
    }
}

pub enum TimeText {
    Short([u8; 29]),
    Long(String),
}

impl TimeText {
    pub fn as_str(&self) -> &str {
        match self {
            // Only ASCII digits and separators are written into the buffer.
            TimeText::Short(b) => std::str::from_utf8(b).unwrap_or_default(),
            TimeText::Long(s) => s,
        }
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.text().as_str())
    }
}

/// `[{"key": ..., "value": ...}, ...]`
pub struct Tags<'a>(pub &'a [Tag]);

impl Serialize for Tags<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct TagOut<'a> {
            key: &'a str,
            value: &'a str,
        }
        s.collect_seq(self.0.iter().map(|t| TagOut { key: &t.key, value: &t.value }))
    }
}

/// A backup's replication records (ReplicationRecord).
pub struct Records<'a>(&'a [ReplicationRecord]);

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for r in self.0 {
            seq.serialize_element(&RecordOut {
                id: &r.id,
                created_at: Time(r.created_ms),
                status: &r.status,
                vault_id: &r.vault_id,
                source_backup_id: &r.source_backup_id,
                source_checkpoint_id: &r.source_checkpoint_id,
                source_project_id: &r.source_project_id,
                source_region: &r.source_region,
                destination_backup_id: &r.destination_backup_id,
                destination_checkpoint_id: &r.destination_checkpoint_id,
                destination_project_id: &r.destination_project_id,
                destination_region: &r.destination_region,
                destination_vault_id: &r.destination_vault_id,
                extra_info: RecordExtra {
                    progress: r.progress,
                    fail_code: &r.fail_code,
                    fail_reason: &r.fail_reason,
                    auto_trigger: r.auto_trigger,
                    destination_vault_id: &r.destination_vault_id,
                },
            })?;
        }
        seq.end()
    }
}

#[derive(serde::Serialize)]
struct RecordOut<'a> {
    id: &'a str,
    created_at: Time,
    status: &'a str,
    vault_id: &'a str,
    source_backup_id: &'a str,
    source_checkpoint_id: &'a str,
    source_project_id: &'a str,
    source_region: &'a str,
    destination_backup_id: &'a str,
    destination_checkpoint_id: &'a str,
    destination_project_id: &'a str,
    destination_region: &'a str,
    destination_vault_id: &'a str,
    extra_info: RecordExtra<'a>,
}

#[derive(serde::Serialize)]
struct RecordExtra<'a> {
    progress: i64,
    fail_code: &'a str,
    fail_reason: &'a str,
    auto_trigger: bool,
    destination_vault_id: &'a str,
}

/// BackupResp in the examples' key order.
#[derive(serde::Serialize)]
pub struct BackupOut<'a> {
    id: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    checkpoint_id: &'a str,
    vault_id: &'a str,
    project_id: &'a str,
    enterprise_project_id: &'static str,
    provider_id: &'a str,
    resource_id: &'a str,
    resource_name: &'a str,
    resource_type: &'a str,
    resource_size: i64,
    resource_az: &'a str,
    image_type: &'a str,
    status: &'a str,
    parent_id: Option<&'a str>,
    children: Vec<BackupOut<'a>>,
    created_at: Time,
    updated_at: Time,
    protected_at: Option<Time>,
    expired_at: Option<Time>,
    incremental: bool,
    version: i64,
    replication_records: Records<'a>,
    extend_info: ExtendInfo<'a>,
}

#[derive(serde::Serialize)]
struct ExtendInfo<'a> {
    auto_trigger: bool,
    bootable: bool,
    support_lld: bool,
    contain_system_disk: bool,
    encrypted: bool,
    system_disk: bool,
    is_multi_az: bool,
    snapshot_id: Option<&'a str>,
    supported_restore_mode: &'static str,
    os_images_data: (),
}

/// A backup as its owner sees it, or, with `vault` given, as the project it is shared with
/// sees it (the backup and its per-disk children in that project's vault). `records: false`
/// prints its own replication records as `[]` (ListBackups without `show_replication`).
pub fn backup<'a>(p: &'a HwProject, b: &'a Backup, vault: Option<&'a str>, records: bool) -> BackupOut<'a> {
    let is_server = b.resource_type == TYPE_SERVER;
    BackupOut {
        id: &b.id,
        name: &b.name,
        description: b.description.as_deref(),
        checkpoint_id: &b.checkpoint_id,
        vault_id: vault.unwrap_or(&b.vault_id),
        project_id: &b.project_id,
        enterprise_project_id: "0",
        provider_id: &b.provider_id,
        resource_id: &b.resource_id,
        resource_name: &b.resource_name,
        resource_type: &b.resource_type,
        resource_size: b.resource_size,
        resource_az: &b.resource_az,
        image_type: &b.image_type,
        status: &b.status,
        parent_id: b.parent_id.as_deref(),
        children: b.children.iter().filter_map(|c| p.backups.get(c)).map(|c| backup(p, c, vault, true)).collect(),
        created_at: Time(b.created_ms),
        updated_at: Time(b.updated_ms),
        protected_at: b.protected_ms.map(Time),
        expired_at: b.expired_ms.map(Time),
        incremental: b.incremental,
        version: 0,
        replication_records: Records(if records { &b.replication_records } else { &[] }),
        extend_info: ExtendInfo {
            auto_trigger: b.auto_trigger,
            bootable: b.bootable,
            support_lld: false,
            contain_system_disk: is_server,
            encrypted: false,
            system_disk: b.bootable && !is_server,
            is_multi_az: false,
            snapshot_id: b.snapshot_id.as_deref(),
            supported_restore_mode: if is_server { "backup" } else { "snapshot" },
            os_images_data: (),
        },
    }
}

/// Vault in the examples' key order.
#[derive(serde::Serialize)]
pub struct VaultOut<'a> {
    id: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    project_id: &'a str,
    provider_id: &'a str,
    resources: Vec<ResourceOut<'a>>,
    tags: Tags<'a>,
    enterprise_project_id: &'a str,
    auto_bind: bool,
    bind_rules: BindRules<'a>,
    user_id: &'a str,
    created_at: Time,
    auto_expand: bool,
    smn_notify: bool,
    threshold: i64,
    sys_lock_source_service: &'a str,
    locked: bool,
    availability_zone: Option<&'a str>,
    billing: BillingOut<'a>,
}

#[derive(serde::Serialize)]
struct ResourceOut<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    protect_status: &'a str,
    size: i64,
    backup_size: i64,
    backup_count: i64,
    extra_info: ResourceExtra<'a>,
}

#[derive(serde::Serialize)]
struct ResourceExtra<'a> {
    exclude_volumes: &'a [String],
}

/// `{}` without rules, else `{"tags": [...]}`.
#[derive(serde::Serialize)]
struct BindRules<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Tags<'a>>,
}

#[derive(serde::Serialize)]
struct BillingOut<'a> {
    allocated: i64,
    charging_mode: &'a str,
    cloud_type: &'a str,
    consistent_level: &'a str,
    object_type: &'a str,
    order_id: Option<&'a str>,
    product_id: Option<&'a str>,
    protect_type: &'a str,
    size: i64,
    spec_code: String,
    status: &'a str,
    storage_unit: (),
    used: i64,
    frozen_scene: (),
    is_multi_az: bool,
}

pub fn vault<'a>(p: &'a HwProject, project_id: &'a str, v: &'a Vault) -> VaultOut<'a> {
    let mut allocated = 0;
    let resources = v
        .resources
        .iter()
        .map(|r| {
            let (count, size_mb) = resource_totals(p, &v.id, &r.id);
            let size = resource_size(p, &r.id, &r.exclude_volumes);
            allocated += size;
            ResourceOut {
                id: &r.id,
                name: &r.name,
                kind: &r.kind,
                protect_status: &r.protect_status,
                size,
                backup_size: mb_to_gb(size_mb),
                backup_count: count,
                extra_info: ResourceExtra { exclude_volumes: &r.exclude_volumes },
            }
        })
        .collect();
    let b = &v.billing;
    VaultOut {
        id: &v.id,
        name: &v.name,
        description: v.description.as_deref(),
        project_id,
        provider_id: &v.provider_id,
        resources,
        tags: Tags(&v.tags),
        enterprise_project_id: &v.enterprise_project_id,
        auto_bind: v.auto_bind,
        bind_rules: BindRules { tags: (!v.bind_rules.is_empty()).then_some(Tags(&v.bind_rules)) },
        user_id: &v.user_id,
        created_at: Time(v.created_ms),
        auto_expand: v.auto_expand,
        smn_notify: v.smn_notify,
        threshold: v.threshold,
        sys_lock_source_service: &v.sys_lock_source_service,
        locked: v.locked,
        availability_zone: v.availability_zone.as_deref(),
        billing: BillingOut {
            allocated,
            charging_mode: &b.charging_mode,
            cloud_type: &b.cloud_type,
            consistent_level: &b.consistent_level,
            object_type: &b.object_type,
            order_id: b.orders.last().map(String::as_str),
            product_id: b.product_id.as_deref(),
            protect_type: &b.protect_type,
            size: b.size,
            spec_code: super::render::spec_code(&b.protect_type, &b.object_type),
            status: &b.status,
            storage_unit: (),
            used: used_mb(p, &v.id),
            frozen_scene: (),
            is_multi_az: b.is_multi_az,
        },
    }
}

/// A list answer written straight into a body: `{"<key>": [...page...], "count": total,
/// "limit": l, "offset": o}`, the bytes `render::counted_page` of the same items serializes to.
pub fn counted_page<T: Serialize>(key: &str, page: &[T], count: usize, limit: usize, offset: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.len() * 1200 + 64);
    out.push(b'{');
    if serde_json::to_writer(&mut out, key).is_err() {
        out.extend_from_slice(b"\"\"");
    }
    out.extend_from_slice(b":[");
    for (i, item) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let mark = out.len();
        if serde_json::to_writer(&mut out, item).is_err() {
            // Nothing here fails to serialize (no maps with non-string keys, no floats).
            out.truncate(mark);
            out.extend_from_slice(b"null");
        }
    }
    let mut number = |name: &[u8], n: usize| {
        out.extend_from_slice(name);
        out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    };
    number(b"],\"count\":", count);
    number(b",\"limit\":", limit);
    number(b",\"offset\":", offset);
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    //! The shapes against the `json!` builders they replaced (kept here as the reference): the
    //! same bytes for varied backups and vaults.
    use super::*;
    use crate::core::change::Table;
    use crate::huawei::render::{spec_code, tags, time};
    use serde_json::{json, Value};

    fn opt_time(ms: Option<i64>) -> Value {
        ms.map(|m| Value::String(time(m))).unwrap_or(Value::Null)
    }

    fn old_record(r: &ReplicationRecord) -> Value {
        json!({
            "id": r.id, "created_at": time(r.created_ms), "status": r.status, "vault_id": r.vault_id,
            "source_backup_id": r.source_backup_id, "source_checkpoint_id": r.source_checkpoint_id,
            "source_project_id": r.source_project_id, "source_region": r.source_region,
            "destination_backup_id": r.destination_backup_id, "destination_checkpoint_id": r.destination_checkpoint_id,
            "destination_project_id": r.destination_project_id, "destination_region": r.destination_region,
            "destination_vault_id": r.destination_vault_id,
            "extra_info": {"progress": r.progress, "fail_code": r.fail_code, "fail_reason": r.fail_reason,
                "auto_trigger": r.auto_trigger, "destination_vault_id": r.destination_vault_id},
        })
    }

    fn old_backup(p: &HwProject, b: &Backup) -> Value {
        let children: Vec<Value> =
            b.children.iter().filter_map(|c| p.backups.get(c)).map(|c| old_backup(p, c)).collect();
        let is_server = b.resource_type == TYPE_SERVER;
        json!({
            "id": b.id, "name": b.name, "description": b.description, "checkpoint_id": b.checkpoint_id,
            "vault_id": b.vault_id, "project_id": b.project_id, "enterprise_project_id": "0",
            "provider_id": b.provider_id, "resource_id": b.resource_id, "resource_name": b.resource_name,
            "resource_type": b.resource_type, "resource_size": b.resource_size, "resource_az": b.resource_az,
            "image_type": b.image_type, "status": b.status, "parent_id": b.parent_id, "children": children,
            "created_at": time(b.created_ms), "updated_at": time(b.updated_ms),
            "protected_at": opt_time(b.protected_ms), "expired_at": opt_time(b.expired_ms),
            "incremental": b.incremental, "version": 0,
            "replication_records": b.replication_records.iter().map(old_record).collect::<Vec<_>>(),
            "extend_info": {
                "auto_trigger": b.auto_trigger, "bootable": b.bootable, "support_lld": false,
                "contain_system_disk": is_server, "encrypted": false, "system_disk": b.bootable && !is_server,
                "is_multi_az": false, "snapshot_id": b.snapshot_id,
                "supported_restore_mode": if is_server { "backup" } else { "snapshot" }, "os_images_data": null,
            },
        })
    }

    /// The old ListBackups entry: `backup_view` for a shared one, records emptied unless asked.
    fn old_listed(p: &HwProject, b: &Backup, vault: Option<&str>, show_replication: bool) -> Value {
        fn put_vault(v: &mut Value, vault: &str) {
            v["vault_id"] = json!(vault);
            for c in v["children"].as_array_mut().into_iter().flatten() {
                put_vault(c, vault);
            }
        }
        let mut v = old_backup(p, b);
        if let Some(vault) = vault {
            put_vault(&mut v, vault);
        }
        if !show_replication {
            v["replication_records"] = json!([]);
        }
        v
    }

    fn old_vault(p: &HwProject, project_id: &str, v: &Vault) -> Value {
        let resources: Vec<Value> = v
            .resources
            .iter()
            .map(|r| {
                let (count, size_mb) = resource_totals(p, &v.id, &r.id);
                json!({"id": r.id, "name": r.name, "type": r.kind, "protect_status": r.protect_status,
                "size": resource_size(p, &r.id, &r.exclude_volumes), "backup_size": mb_to_gb(size_mb),
                "backup_count": count, "extra_info": {"exclude_volumes": r.exclude_volumes}})
            })
            .collect();
        let allocated: i64 = v.resources.iter().map(|r| resource_size(p, &r.id, &r.exclude_volumes)).sum();
        let b = &v.billing;
        json!({
            "id": v.id, "name": v.name, "description": v.description, "project_id": project_id,
            "provider_id": v.provider_id, "resources": resources, "tags": tags(&v.tags),
            "enterprise_project_id": v.enterprise_project_id, "auto_bind": v.auto_bind,
            "bind_rules": if v.bind_rules.is_empty() { json!({}) } else { json!({"tags": tags(&v.bind_rules)}) },
            "user_id": v.user_id, "created_at": time(v.created_ms), "auto_expand": v.auto_expand,
            "smn_notify": v.smn_notify, "threshold": v.threshold, "sys_lock_source_service": v.sys_lock_source_service,
            "locked": v.locked, "availability_zone": v.availability_zone,
            "billing": {
                "allocated": allocated, "charging_mode": b.charging_mode, "cloud_type": b.cloud_type,
                "consistent_level": b.consistent_level, "object_type": b.object_type, "order_id": b.orders.last(),
                "product_id": b.product_id, "protect_type": b.protect_type, "size": b.size,
                "spec_code": spec_code(&b.protect_type, &b.object_type), "status": b.status, "storage_unit": null,
                "used": used_mb(p, &v.id), "frozen_scene": null, "is_multi_az": b.is_multi_az,
            },
        })
    }

    const TEXTS: [&str; 6] = ["", "plain", "a \"q\" \\ b", "line\nbreak\u{1}", "中文 🙂", "2026-12-03"];
    const TIMES: [i64; 6] = [0, 1, 1_733_000_000_123, 253_402_300_799_999, -1, 253_402_300_800_000];

    fn record(i: usize) -> Value {
        let t = |k: usize| TEXTS[(i + k) % TEXTS.len()];
        json!({"id": t(0), "created_ms": TIMES[i % TIMES.len()], "status": t(1), "vault_id": t(2),
            "source_backup_id": t(3), "source_checkpoint_id": t(4), "source_project_id": t(5), "source_region": t(0),
            "destination_backup_id": t(1), "destination_checkpoint_id": t(2), "destination_project_id": t(3),
            "destination_region": t(4), "destination_vault_id": t(5), "progress": i as i64 - 3,
            "fail_code": t(1), "fail_reason": t(2), "auto_trigger": i.is_multiple_of(2)})
    }

    fn model_backup(i: usize, children: Vec<String>, parent: Option<String>) -> Backup {
        let t = |k: usize| TEXTS[(i + k) % TEXTS.len()];
        let flag = |k: usize| (i >> k) & 1 == 1;
        let time = |k: usize| TIMES[(i + k) % TIMES.len()];
        serde_json::from_value(json!({
            "id": format!("b{i}"), "seq": i, "name": t(0), "description": flag(0).then(|| t(1)),
            "checkpoint_id": t(2), "vault_id": format!("v{}", i % 2), "project_id": "p", "provider_id": t(3),
            "resource_id": format!("r{}", i % 3), "resource_name": t(4),
            "resource_type": if flag(1) { TYPE_SERVER } else { "OS::Cinder::Volume" },
            "resource_size": ([0, 10, i64::MAX, -5][i % 4]), "resource_az": t(5), "image_type": t(1), "status": t(2),
            "parent_id": parent, "children": children, "created_ms": time(0), "updated_ms": time(1),
            "protected_ms": flag(2).then(|| time(2)), "expired_ms": flag(3).then(|| time(3)),
            "incremental": flag(4), "auto_trigger": flag(5), "policy_id": null, "size_mb": 100 + i as i64,
            "bootable": flag(6), "snapshot_id": flag(7).then(|| t(3)),
            "replication_records": (0..i % 3).map(|k| record(i + k)).collect::<Vec<_>>(), "metadata": {}
        }))
        .unwrap()
    }

    fn project() -> HwProject {
        let mut backups: Vec<Backup> = Vec::new();
        for i in 0..64usize {
            // Every fourth backup has two per-disk children.
            let kids = if i.is_multiple_of(4) {
                vec![format!("b{}", 1000 + 2 * i), format!("b{}", 1001 + 2 * i)]
            } else {
                vec![]
            };
            for (k, kid) in kids.iter().enumerate() {
                let mut c = model_backup(i + 7 + k, vec![], Some(format!("b{i}")));
                c.id = kid.clone();
                c.seq = 10_000 + (2 * i + k) as u64;
                backups.push(c);
            }
            backups.push(model_backup(i, kids, None));
        }
        let vaults: Table<String, Vault> = (0..4)
            .map(|i| {
                let t = |k: usize| TEXTS[(i + k) % TEXTS.len()];
                let tag = |k: usize| json!({"key": t(k), "value": t(k + 1)});
                let v: Vault = serde_json::from_value(json!({
                    "id": format!("v{i}"), "seq": i, "name": t(0), "description": (i.is_multiple_of(2)).then(|| t(1)),
                    "user_id": t(2), "created_ms": TIMES[i], "updated_ms": 0, "provider_id": t(3),
                    "resources": (0..i + 1).map(|r| json!({"id": format!("r{r}"), "name": t(r), "type": t(r + 1),
                        "exclude_volumes": if r.is_multiple_of(2) { vec![] } else { vec!["vol-1", "x\""] },
                        "protect_status": t(r + 2), "suspended": false})).collect::<Vec<_>>(),
                    "tags": (0..i).map(tag).collect::<Vec<_>>(), "enterprise_project_id": t(4), "auto_bind": i % 2 == 1,
                    "bind_rules": (0..i % 3).map(tag).collect::<Vec<_>>(), "auto_expand": i > 1, "smn_notify": i == 2,
                    "threshold": 80, "sys_lock_source_service": t(5), "locked": i == 3,
                    "availability_zone": (i % 2 == 1).then(|| t(0)), "backup_name_prefix": null, "demand_billing": true,
                    "billing": {"cloud_type": "public", "consistent_level": t(1), "object_type": (["disk", "server", "turbo", "x"][i]),
                        "protect_type": t(2), "size": 100, "charging_mode": t(3), "status": t(4), "is_multi_az": i == 1,
                        "orders": (0..i).map(|o| format!("o{o}")).collect::<Vec<_>>(), "product_id": (i == 2).then_some("prod")},
                    "policies": []
                }))
                .unwrap();
                (v.id.clone(), v)
            })
            .collect();
        let volumes: Table<String, crate::huawei::model::Volume> = (0..3)
            .map(|r| {
                let v = serde_json::from_value(json!({"id": format!("r{r}"), "name": "n", "size": 10 * r + 1,
                    "status": "available", "volume_type": "SSD", "availability_zone": "az", "bootable": false,
                    "server_id": null, "device": null, "tags": [], "created_ms": 0}))
                .unwrap();
                (format!("r{r}"), v)
            })
            .collect();
        HwProject {
            backups: backups.into_iter().map(|b| (b.id.clone(), b)).collect(),
            vaults,
            volumes,
            ..Default::default()
        }
    }

    #[test]
    fn backups_serialize_as_the_json_builders_did() {
        let p = project();
        let listed: Vec<&Backup> = p.backups.values().filter(|b| b.parent_id.is_none()).collect();
        for b in &listed {
            assert_eq!(
                serde_json::to_vec(&super::super::render::backup(&p, b)).unwrap(),
                serde_json::to_vec(&old_backup(&p, b)).unwrap()
            );
            for (vault, show) in [(None, false), (None, true), (Some("v9\""), false), (Some("v9"), true)] {
                let got = serde_json::to_vec(&backup(&p, b, vault, show)).unwrap();
                let want = serde_json::to_vec(&old_listed(&p, b, vault, show)).unwrap();
                assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "{}", b.id);
            }
        }
        // A page written into a body: the bytes of the old `{"backups": [...], "count", ...}`.
        let page: Vec<BackupOut<'_>> = listed.iter().take(7).map(|b| backup(&p, b, None, false)).collect();
        let old: Vec<Value> = listed.iter().take(7).map(|b| old_listed(&p, b, None, false)).collect();
        let want = json!({"backups": old, "count": 64, "limit": 7, "offset": 3});
        assert_eq!(counted_page("backups", &page, 64, 7, 3), serde_json::to_vec(&want).unwrap());
    }

    #[test]
    fn vaults_serialize_as_the_json_builders_did() {
        let p = project();
        for v in p.vaults.values() {
            let got = serde_json::to_vec(&vault(&p, "proj\"1", v)).unwrap();
            let want = serde_json::to_vec(&old_vault(&p, "proj\"1", v)).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "{}", v.id);
        }
        let page: Vec<VaultOut<'_>> = p.vaults.values().map(|v| vault(&p, "p", v)).collect();
        let old: Vec<Value> = p.vaults.values().map(|v| old_vault(&p, "p", v)).collect();
        let want = serde_json::to_vec(&crate::huawei::render::counted_page("vaults", old, 9, 20, 0)).unwrap();
        assert_eq!(counted_page("vaults", &page, 9, 20, 0), want);
    }

    #[test]
    fn times_print_as_chrono_prints_them() {
        let chrono_time = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .format("%Y-%m-%dT%H:%M:%S%.3f+00:00")
                .to_string()
        };
        let mut ms: i64 = 0;
        while ms < FAST_UNTIL_MS {
            assert_eq!(Time(ms).text().as_str(), chrono_time(ms), "{ms}");
            ms = ms * 3 / 2 + 7_919;
        }
        for ms in [
            0,
            1,
            999,
            1000,
            86_399_999,
            86_400_000,
            951_782_400_000,
            FAST_UNTIL_MS,
            FAST_UNTIL_MS + 1,
            -1,
            i64::MIN,
            i64::MAX,
        ] {
            assert_eq!(Time(ms).text().as_str(), chrono_time(ms), "{ms}");
        }
    }
}
