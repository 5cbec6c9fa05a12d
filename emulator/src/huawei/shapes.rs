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
            spec_code: spec_code(&b.protect_type, &b.object_type),
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

/// A vault's `billing.spec_code` from what it protects and how.
pub fn spec_code(protect_type: &str, object_type: &str) -> String {
    let object = match object_type {
        "disk" => "volume",
        other => other,
    };
    format!("vault.{protect_type}.{object}.normal")
}

#[cfg(test)]
mod tests {
    use super::*;

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
