//! The typed shapes of the answers clients page through (Backup, Vault): serde structs in the
//! doc's key order, written straight into the answer's body. A list page of 20 backups built as
//! a `serde_json::Value` tree first (a map and a `String` per key, then serialized) cost several
//! times the Tencent page of the same size (docs/performance.md). render.rs turns the same
//! structs into a `Value` for the answers that add fields to them.

use std::cell::Cell;

use serde::ser::{Serialize, SerializeSeq, Serializer};

use super::domain::capacity::{mb_to_gb, resource_size, resource_totals, used_mb};
use super::model::{Backup, HwProject, ReplicationRecord, Tag, Vault, TYPE_SERVER};
use crate::core::clock::{civil_from_days, put_digits};
use crate::core::json;

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
        // A backup's created, updated and protected times are mostly one moment, and a page's
        // backups were often made together: the last text made on this thread is kept.
        thread_local! {
            static LAST: Cell<(i64, [u8; 29])> = const { Cell::new((-1, [0; 29])) };
        }
        let (last_ms, last) = LAST.get();
        if last_ms == ms {
            return TimeText::Short(last);
        }
        let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
        let (y, mo, d) = civil_from_days(days);
        let (h, mi, s, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
        let mut b = *b"0000-00-00T00:00:00.000+00:00";
        for (at, width, v) in [(0, 4, y), (5, 2, mo), (8, 2, d), (11, 2, h), (14, 2, mi), (17, 2, s), (20, 3, milli)] {
            put_digits(&mut b, at, width, v as u64);
        }
        LAST.set((ms, b));
        TimeText::Short(b)
    }

    /// Appends the time as a JSON string: its characters need no escape.
    pub fn write_json(self, out: &mut Vec<u8>) {
        match self.text() {
            TimeText::Short(b) => {
                out.push(b'"');
                out.extend_from_slice(&b);
                out.push(b'"');
            }
            TimeText::Long(s) => json::string(out, &s),
        }
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
        children: b
            .children
            .iter()
            .filter_map(|c| p.backups.get(c.as_str()))
            .map(|c| backup(p, c, vault, true))
            .collect(),
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
pub fn counted_page<T: WriteJson>(key: &str, page: &[T], count: usize, limit: usize, offset: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.len() * 1200 + 64);
    out.push(b'{');
    json::string(&mut out, key);
    out.extend_from_slice(b":[");
    for (i, item) in page.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        item.write_json(&mut out);
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

/// Writes itself as JSON, byte for byte what serde_json writes of its `Serialize` (compact),
/// with the keys as quoted constants: serde_json escapes every key of every item, which was a
/// fifth of a list page's CPU (docs/performance.md). Tests compare the two.
pub trait WriteJson {
    fn write_json(&self, out: &mut Vec<u8>);
}

fn time(out: &mut Vec<u8>, t: Time) {
    t.write_json(out);
}

fn opt_time(out: &mut Vec<u8>, t: Option<Time>) {
    match t {
        Some(t) => time(out, t),
        None => out.extend_from_slice(b"null"),
    }
}

fn write_tags(out: &mut Vec<u8>, tags: &[Tag]) {
    out.push(b'[');
    for (i, t) in tags.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"key\":");
        json::string(out, &t.key);
        out.extend_from_slice(b",\"value\":");
        json::string(out, &t.value);
        out.push(b'}');
    }
    out.push(b']');
}

fn write_records(out: &mut Vec<u8>, records: &[ReplicationRecord]) {
    out.push(b'[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let s = |out: &mut Vec<u8>, key: &[u8], v: &str| {
            out.extend_from_slice(key);
            json::string(out, v);
        };
        s(out, b"{\"id\":", &r.id);
        out.extend_from_slice(b",\"created_at\":");
        time(out, Time(r.created_ms));
        s(out, b",\"status\":", &r.status);
        s(out, b",\"vault_id\":", &r.vault_id);
        s(out, b",\"source_backup_id\":", &r.source_backup_id);
        s(out, b",\"source_checkpoint_id\":", &r.source_checkpoint_id);
        s(out, b",\"source_project_id\":", &r.source_project_id);
        s(out, b",\"source_region\":", &r.source_region);
        s(out, b",\"destination_backup_id\":", &r.destination_backup_id);
        s(out, b",\"destination_checkpoint_id\":", &r.destination_checkpoint_id);
        s(out, b",\"destination_project_id\":", &r.destination_project_id);
        s(out, b",\"destination_region\":", &r.destination_region);
        s(out, b",\"destination_vault_id\":", &r.destination_vault_id);
        out.extend_from_slice(b",\"extra_info\":{\"progress\":");
        json::int(out, r.progress);
        out.extend_from_slice(b",\"fail_code\":");
        json::string(out, &r.fail_code);
        out.extend_from_slice(b",\"fail_reason\":");
        json::string(out, &r.fail_reason);
        out.extend_from_slice(b",\"auto_trigger\":");
        json::boolean(out, r.auto_trigger);
        out.extend_from_slice(b",\"destination_vault_id\":");
        json::string(out, &r.destination_vault_id);
        out.extend_from_slice(b"}}");
    }
    out.push(b']');
}

impl WriteJson for BackupOut<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let b = self;
        out.extend_from_slice(b"{\"id\":");
        json::string(out, b.id);
        out.extend_from_slice(b",\"name\":");
        json::string(out, b.name);
        out.extend_from_slice(b",\"description\":");
        json::opt_string(out, b.description);
        out.extend_from_slice(b",\"checkpoint_id\":");
        json::string(out, b.checkpoint_id);
        out.extend_from_slice(b",\"vault_id\":");
        json::string(out, b.vault_id);
        out.extend_from_slice(b",\"project_id\":");
        json::string(out, b.project_id);
        out.extend_from_slice(b",\"enterprise_project_id\":");
        json::string(out, b.enterprise_project_id);
        out.extend_from_slice(b",\"provider_id\":");
        json::string(out, b.provider_id);
        out.extend_from_slice(b",\"resource_id\":");
        json::string(out, b.resource_id);
        out.extend_from_slice(b",\"resource_name\":");
        json::string(out, b.resource_name);
        out.extend_from_slice(b",\"resource_type\":");
        json::string(out, b.resource_type);
        out.extend_from_slice(b",\"resource_size\":");
        json::int(out, b.resource_size);
        out.extend_from_slice(b",\"resource_az\":");
        json::string(out, b.resource_az);
        out.extend_from_slice(b",\"image_type\":");
        json::string(out, b.image_type);
        out.extend_from_slice(b",\"status\":");
        json::string(out, b.status);
        out.extend_from_slice(b",\"parent_id\":");
        json::opt_string(out, b.parent_id);
        out.extend_from_slice(b",\"children\":[");
        for (i, c) in b.children.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            c.write_json(out);
        }
        out.extend_from_slice(b"],\"created_at\":");
        time(out, b.created_at);
        out.extend_from_slice(b",\"updated_at\":");
        time(out, b.updated_at);
        out.extend_from_slice(b",\"protected_at\":");
        opt_time(out, b.protected_at);
        out.extend_from_slice(b",\"expired_at\":");
        opt_time(out, b.expired_at);
        out.extend_from_slice(b",\"incremental\":");
        json::boolean(out, b.incremental);
        out.extend_from_slice(b",\"version\":");
        json::int(out, b.version);
        out.extend_from_slice(b",\"replication_records\":");
        write_records(out, b.replication_records.0);
        let e = &b.extend_info;
        out.extend_from_slice(b",\"extend_info\":{\"auto_trigger\":");
        json::boolean(out, e.auto_trigger);
        out.extend_from_slice(b",\"bootable\":");
        json::boolean(out, e.bootable);
        out.extend_from_slice(b",\"support_lld\":");
        json::boolean(out, e.support_lld);
        out.extend_from_slice(b",\"contain_system_disk\":");
        json::boolean(out, e.contain_system_disk);
        out.extend_from_slice(b",\"encrypted\":");
        json::boolean(out, e.encrypted);
        out.extend_from_slice(b",\"system_disk\":");
        json::boolean(out, e.system_disk);
        out.extend_from_slice(b",\"is_multi_az\":");
        json::boolean(out, e.is_multi_az);
        out.extend_from_slice(b",\"snapshot_id\":");
        json::opt_string(out, e.snapshot_id);
        out.extend_from_slice(b",\"supported_restore_mode\":");
        json::string(out, e.supported_restore_mode);
        out.extend_from_slice(b",\"os_images_data\":null}}");
    }
}

impl WriteJson for VaultOut<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let v = self;
        out.extend_from_slice(b"{\"id\":");
        json::string(out, v.id);
        out.extend_from_slice(b",\"name\":");
        json::string(out, v.name);
        out.extend_from_slice(b",\"description\":");
        json::opt_string(out, v.description);
        out.extend_from_slice(b",\"project_id\":");
        json::string(out, v.project_id);
        out.extend_from_slice(b",\"provider_id\":");
        json::string(out, v.provider_id);
        out.extend_from_slice(b",\"resources\":[");
        for (i, r) in v.resources.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"id\":");
            json::string(out, r.id);
            out.extend_from_slice(b",\"name\":");
            json::string(out, r.name);
            out.extend_from_slice(b",\"type\":");
            json::string(out, r.kind);
            out.extend_from_slice(b",\"protect_status\":");
            json::string(out, r.protect_status);
            out.extend_from_slice(b",\"size\":");
            json::int(out, r.size);
            out.extend_from_slice(b",\"backup_size\":");
            json::int(out, r.backup_size);
            out.extend_from_slice(b",\"backup_count\":");
            json::int(out, r.backup_count);
            out.extend_from_slice(b",\"extra_info\":{\"exclude_volumes\":");
            json::strings(out, r.extra_info.exclude_volumes);
            out.extend_from_slice(b"}}");
        }
        out.extend_from_slice(b"],\"tags\":");
        write_tags(out, v.tags.0);
        out.extend_from_slice(b",\"enterprise_project_id\":");
        json::string(out, v.enterprise_project_id);
        out.extend_from_slice(b",\"auto_bind\":");
        json::boolean(out, v.auto_bind);
        out.extend_from_slice(b",\"bind_rules\":{");
        if let Some(tags) = &v.bind_rules.tags {
            out.extend_from_slice(b"\"tags\":");
            write_tags(out, tags.0);
        }
        out.extend_from_slice(b"},\"user_id\":");
        json::string(out, v.user_id);
        out.extend_from_slice(b",\"created_at\":");
        time(out, v.created_at);
        out.extend_from_slice(b",\"auto_expand\":");
        json::boolean(out, v.auto_expand);
        out.extend_from_slice(b",\"smn_notify\":");
        json::boolean(out, v.smn_notify);
        out.extend_from_slice(b",\"threshold\":");
        json::int(out, v.threshold);
        out.extend_from_slice(b",\"sys_lock_source_service\":");
        json::string(out, v.sys_lock_source_service);
        out.extend_from_slice(b",\"locked\":");
        json::boolean(out, v.locked);
        out.extend_from_slice(b",\"availability_zone\":");
        json::opt_string(out, v.availability_zone);
        let b = &v.billing;
        out.extend_from_slice(b",\"billing\":{\"allocated\":");
        json::int(out, b.allocated);
        out.extend_from_slice(b",\"charging_mode\":");
        json::string(out, b.charging_mode);
        out.extend_from_slice(b",\"cloud_type\":");
        json::string(out, b.cloud_type);
        out.extend_from_slice(b",\"consistent_level\":");
        json::string(out, b.consistent_level);
        out.extend_from_slice(b",\"object_type\":");
        json::string(out, b.object_type);
        out.extend_from_slice(b",\"order_id\":");
        json::opt_string(out, b.order_id);
        out.extend_from_slice(b",\"product_id\":");
        json::opt_string(out, b.product_id);
        out.extend_from_slice(b",\"protect_type\":");
        json::string(out, b.protect_type);
        out.extend_from_slice(b",\"size\":");
        json::int(out, b.size);
        out.extend_from_slice(b",\"spec_code\":");
        json::string(out, &b.spec_code);
        out.extend_from_slice(b",\"status\":");
        json::string(out, b.status);
        out.extend_from_slice(b",\"storage_unit\":null,\"used\":");
        json::int(out, b.used);
        out.extend_from_slice(b",\"frozen_scene\":null,\"is_multi_az\":");
        json::boolean(out, b.is_multi_az);
        out.extend_from_slice(b"}}");
    }
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
            // Twice: the second is the thread's kept text of the first.
            for _ in 0..2 {
                assert_eq!(Time(ms).text().as_str(), chrono_time(ms), "{ms}");
            }
        }
    }
}
