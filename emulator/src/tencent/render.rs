//! Model → response shapes, field names and nulls as the CBS Data Types section documents them.

use std::borrow::Borrow;

use serde::Serialize;

use super::json;

use super::model::{
    state, AdvancedRetention, AutoSnapshotPolicy, Disk, DiskBackup, DiskOpLog, Schedule, Snapshot, SnapshotOpLog, Tag,
    TcRegion, PREPAID, PRIVATE_SNAPSHOT, SHARED_SNAPSHOT,
};
use crate::config::{Config, DiskTypeSpec};
use crate::core::clock::iso8601_utc;
use crate::tencent::time::{iso_date, tc_timestamp, TcTime};
use crate::tencent::world::World;

const DAY_MS: i64 = 86_400_000;

pub struct DiskView<'a> {
    pub cfg: &'a Config,
    pub world: &'a World<'a>,
    pub account: &'a str,
    pub region: &'a str,
    pub now: i64,
    pub with_policies: bool,
    /// The account's region in `world` and its projects in `cfg`, found once rather than for
    /// each listed disk.
    store: Option<&'a TcRegion>,
    projects: &'a [crate::config::Project],
}

/// `Placement` as the Data Types section lists it (CdcId, not the table's `Cdclid`).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlacementOut<'a> {
    pub(crate) zone: &'a str,
    pub(crate) cage_id: &'static str,
    pub(crate) project_id: i64,
    pub(crate) project_name: &'a str,
    pub(crate) cdc_name: &'static str,
    pub(crate) cdc_id: &'static str,
    pub(crate) dedicated_cluster_id: &'static str,
}

impl PlacementOut<'_> {
    /// What serde writes for it, as `DiskOut::write_json` writes a disk.
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"Zone\":");
        json::string(out, self.zone);
        out.extend_from_slice(b",\"CageId\":");
        json::string(out, self.cage_id);
        out.extend_from_slice(b",\"ProjectId\":");
        json::int(out, self.project_id);
        out.extend_from_slice(b",\"ProjectName\":");
        json::string(out, self.project_name);
        if self.cdc_name.is_empty() && self.cdc_id.is_empty() && self.dedicated_cluster_id.is_empty() {
            // What the twin's every placement holds (no CDC, no dedicated cluster), in one copy.
            out.extend_from_slice(b",\"CdcName\":\"\",\"CdcId\":\"\",\"DedicatedClusterId\":\"\"}");
            return;
        }
        out.extend_from_slice(b",\"CdcName\":");
        json::string(out, self.cdc_name);
        out.extend_from_slice(b",\"CdcId\":");
        json::string(out, self.cdc_id);
        out.extend_from_slice(b",\"DedicatedClusterId\":");
        json::string(out, self.dedicated_cluster_id);
        out.push(b'}');
    }
}

/// A `Tags` array (`[{"Key":…,"Value":…}]`), as serde writes it.
pub fn write_tags(out: &mut Vec<u8>, tags: &[Tag]) {
    out.push(b'[');
    for (i, t) in tags.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"{\"Key\":" } else { b",{\"Key\":" });
        json::string(out, &t.key);
        out.extend_from_slice(b",\"Value\":");
        json::string(out, &t.value);
        out.push(b'}');
    }
    out.push(b']');
}

/// `Disk`: all 42 documented fields, in the documented order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiskOut<'a> {
    pub(crate) disk_id: &'a str,
    pub(crate) disk_name: &'a str,
    pub(crate) disk_type: &'a str,
    pub(crate) disk_usage: &'a str,
    pub(crate) disk_charge_type: &'a str,
    pub(crate) disk_state: &'a str,
    pub(crate) disk_size: i64,
    pub(crate) portable: bool,
    pub(crate) attached: bool,
    pub(crate) instance_id: &'a str,
    pub(crate) instance_id_list: Option<&'a [String]>,
    pub(crate) instance_type: &'static str,
    pub(crate) shareable: bool,
    pub(crate) attach_mode: Option<&'a str>,
    pub(crate) placement: PlacementOut<'a>,
    pub(crate) encrypt: bool,
    pub(crate) delete_with_instance: bool,
    pub(crate) renew_flag: Option<&'a str>,
    pub(crate) deadline_time: TcTime,
    pub(crate) differ_days_of_deadline: Option<i64>,
    pub(crate) auto_renew_flag_error: bool,
    pub(crate) deadline_error: bool,
    pub(crate) is_returnable: Option<bool>,
    pub(crate) return_fail_code: Option<i64>,
    pub(crate) snapshot_ability: bool,
    pub(crate) snapshot_count: i64,
    pub(crate) snapshot_size: i64,
    pub(crate) rollbacking: bool,
    pub(crate) rollback_percent: i64,
    pub(crate) migrating: bool,
    pub(crate) migrate_percent: i64,
    pub(crate) throughput_performance: i64,
    pub(crate) burst_performance: bool,
    pub(crate) auto_snapshot_policy_ids: Option<&'a [String]>,
    pub(crate) backup_disk: bool,
    pub(crate) delete_snapshot: i64,
    pub(crate) disk_backup_quota: i64,
    pub(crate) disk_backup_count: i64,
    pub(crate) tags: &'a [Tag],
    pub(crate) create_time: TcTime,
    /// The Data Types table prints `LastAttachInstId`; the release history and the official SDKs
    /// (generated from the live API) use `LastAttachInsId`, which is what the cloud sends.
    #[serde(rename = "LastAttachInsId")]
    pub(crate) last_attach_ins_id: Option<&'a str>,
    pub(crate) error_prompt: Option<&'a str>,
}

impl DiskOut<'_> {
    /// Appends the same bytes `serde_json::to_writer` writes for this disk. A page of disks is
    /// most of what DescribeDisks costs, and serde escapes every key on every write; here the
    /// keys are constants and only the string values are escaped (docs/performance.md). The
    /// tests compare the two on varied disks.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"DiskId\":");
        json::string(out, self.disk_id);
        out.extend_from_slice(b",\"DiskName\":");
        json::string(out, self.disk_name);
        out.extend_from_slice(b",\"DiskType\":");
        json::string(out, self.disk_type);
        out.extend_from_slice(b",\"DiskUsage\":");
        json::string(out, self.disk_usage);
        out.extend_from_slice(b",\"DiskChargeType\":");
        json::string(out, self.disk_charge_type);
        out.extend_from_slice(b",\"DiskState\":");
        json::string(out, self.disk_state);
        out.extend_from_slice(b",\"DiskSize\":");
        json::int(out, self.disk_size);
        out.extend_from_slice(b",\"Portable\":");
        json::boolean(out, self.portable);
        out.extend_from_slice(b",\"Attached\":");
        json::boolean(out, self.attached);
        out.extend_from_slice(b",\"InstanceId\":");
        json::string(out, self.instance_id);
        out.extend_from_slice(b",\"InstanceIdList\":");
        json::opt_strings(out, self.instance_id_list);
        out.extend_from_slice(b",\"InstanceType\":");
        json::string(out, self.instance_type);
        out.extend_from_slice(b",\"Shareable\":");
        json::boolean(out, self.shareable);
        out.extend_from_slice(b",\"AttachMode\":");
        json::opt_string(out, self.attach_mode);
        out.extend_from_slice(b",\"Placement\":");
        self.placement.write_json(out);
        out.extend_from_slice(b",\"Encrypt\":");
        json::boolean(out, self.encrypt);
        out.extend_from_slice(b",\"DeleteWithInstance\":");
        json::boolean(out, self.delete_with_instance);
        out.extend_from_slice(b",\"RenewFlag\":");
        json::opt_string(out, self.renew_flag);
        out.extend_from_slice(b",\"DeadlineTime\":");
        self.deadline_time.write_json(out);
        out.extend_from_slice(b",\"DifferDaysOfDeadline\":");
        json::opt_int(out, self.differ_days_of_deadline);
        if !self.auto_renew_flag_error && !self.deadline_error {
            // The twin's every disk (it has no renewal to fail), in one copy.
            out.extend_from_slice(b",\"AutoRenewFlagError\":false,\"DeadlineError\":false");
        } else {
            out.extend_from_slice(b",\"AutoRenewFlagError\":");
            json::boolean(out, self.auto_renew_flag_error);
            out.extend_from_slice(b",\"DeadlineError\":");
            json::boolean(out, self.deadline_error);
        }
        out.extend_from_slice(b",\"IsReturnable\":");
        json::opt_bool(out, self.is_returnable);
        out.extend_from_slice(b",\"ReturnFailCode\":");
        json::opt_int(out, self.return_fail_code);
        out.extend_from_slice(b",\"SnapshotAbility\":");
        json::boolean(out, self.snapshot_ability);
        out.extend_from_slice(b",\"SnapshotCount\":");
        json::int(out, self.snapshot_count);
        out.extend_from_slice(b",\"SnapshotSize\":");
        json::int(out, self.snapshot_size);
        if !self.rollbacking && !self.migrating && self.rollback_percent == 100 && self.migrate_percent == 100 {
            // A disk with nothing in flight, in one copy.
            out.extend_from_slice(
                b",\"Rollbacking\":false,\"RollbackPercent\":100,\"Migrating\":false,\"MigratePercent\":100",
            );
        } else {
            out.extend_from_slice(b",\"Rollbacking\":");
            json::boolean(out, self.rollbacking);
            out.extend_from_slice(b",\"RollbackPercent\":");
            json::int(out, self.rollback_percent);
            out.extend_from_slice(b",\"Migrating\":");
            json::boolean(out, self.migrating);
            out.extend_from_slice(b",\"MigratePercent\":");
            json::int(out, self.migrate_percent);
        }
        out.extend_from_slice(b",\"ThroughputPerformance\":");
        json::int(out, self.throughput_performance);
        out.extend_from_slice(b",\"BurstPerformance\":");
        json::boolean(out, self.burst_performance);
        out.extend_from_slice(b",\"AutoSnapshotPolicyIds\":");
        json::opt_strings(out, self.auto_snapshot_policy_ids);
        out.extend_from_slice(b",\"BackupDisk\":");
        json::boolean(out, self.backup_disk);
        out.extend_from_slice(b",\"DeleteSnapshot\":");
        json::int(out, self.delete_snapshot);
        out.extend_from_slice(b",\"DiskBackupQuota\":");
        json::int(out, self.disk_backup_quota);
        out.extend_from_slice(b",\"DiskBackupCount\":");
        json::int(out, self.disk_backup_count);
        out.extend_from_slice(b",\"Tags\":");
        write_tags(out, self.tags);
        out.extend_from_slice(b",\"CreateTime\":");
        self.create_time.write_json(out);
        out.extend_from_slice(b",\"LastAttachInsId\":");
        json::opt_string(out, self.last_attach_ins_id);
        out.extend_from_slice(b",\"ErrorPrompt\":");
        json::opt_string(out, self.error_prompt);
        out.push(b'}');
    }
}

/// A `DiskSet` array, each disk written by `DiskOut::write_json` as it is made (a page's
/// `DiskOut`s were a `Vec` of ~400-byte structs moved twice: docs/performance.md).
pub fn write_disk_set<'d, D: Borrow<DiskOut<'d>>>(out: &mut Vec<u8>, set: impl ExactSizeIterator<Item = D>) {
    // A listed disk is about 1 KB of JSON: one reservation instead of the buffer doubling.
    out.reserve(set.len() * 1100 + 2);
    out.push(b'[');
    for (i, d) in set.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        d.borrow().write_json(out);
    }
    out.push(b']');
}

/// `DiskBackup`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BackupOut<'a> {
    disk_backup_id: &'a str,
    disk_id: &'a str,
    disk_size: i64,
    disk_usage: &'a str,
    disk_backup_name: &'a str,
    disk_backup_state: &'a str,
    percent: i64,
    create_time: String,
    encrypt: bool,
}

/// `DiskOperationLog`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiskLogOut<'a> {
    operator: &'a str,
    operation: &'a str,
    disk_id: &'a str,
    operation_state: &'a str,
    start_time: String,
    end_time: String,
}

impl<'a> DiskView<'a> {
    pub fn new(cfg: &'a Config, world: &'a World<'a>, account: &'a str, region: &'a str, now: i64) -> Self {
        let store = world.tc_ref(account, region);
        let projects = cfg.accounts.iter().find(|a| a.name == account).map_or(&[][..], |a| a.projects.as_slice());
        DiskView { cfg, world, account, region, now, with_policies: false, store, projects }
    }

    /// Lists each disk's `AutoSnapshotPolicyIds` (DescribeDisks' `ReturnBindAutoSnapshotPolicy`).
    pub fn with_policies(self, with_policies: bool) -> Self {
        DiskView { with_policies, ..self }
    }

    fn progress(&self, target: &str) -> i64 {
        self.world.job_for(target).map_or(100, |j| j.gate.percent(self.now))
    }

    fn project_name(&self, id: i64) -> &'a str {
        self.projects.iter().find(|p| p.id == id).map_or("", |p| p.name.as_str())
    }

    pub fn placement(&self, zone: &'a str, project_id: i64) -> PlacementOut<'a> {
        PlacementOut {
            zone,
            cage_id: "",
            project_id,
            project_name: self.project_name(project_id),
            cdc_name: "",
            cdc_id: "",
            dedicated_cluster_id: "",
        }
    }

    pub fn disk(&self, d: &'a Disk) -> DiskOut<'a> {
        let prepaid = d.disk_charge_type == PREPAID;
        let rollbacking = d.disk_state == state::ROLLBACKING;
        let (is_returnable, return_fail_code) = if prepaid { self.return_status(d) } else { (None, None) };
        DiskOut {
            disk_id: &d.disk_id,
            disk_name: &d.disk_name,
            disk_type: &d.disk_type,
            disk_usage: &d.disk_usage,
            disk_charge_type: &d.disk_charge_type,
            disk_state: &d.disk_state,
            disk_size: d.disk_size,
            portable: d.portable,
            attached: !d.attached_to.is_empty() && d.disk_state != state::ATTACHING,
            instance_id: d.attached_to.first().map_or("", String::as_str),
            instance_id_list: d.shareable.then_some(d.attached_to.as_slice()),
            instance_type: if d.attached_to.is_empty() { "" } else { "CVM" },
            shareable: d.shareable,
            attach_mode: d.attach_mode.as_deref(),
            placement: self.placement(&d.zone, d.project_id),
            encrypt: d.encrypt,
            delete_with_instance: d.delete_with_instance,
            renew_flag: d.renew_flag.as_deref(),
            deadline_time: TcTime::of(d.deadline_ms),
            differ_days_of_deadline: prepaid.then(|| {
                // Whole days left, counting a started day as one (a one-month disk shows 30 or 31).
                let left = d.deadline_ms.map_or(0, |dl| (dl - self.now).max(0));
                (left + DAY_MS - 1).div_euclid(DAY_MS)
            }),
            auto_renew_flag_error: false,
            deadline_error: false,
            is_returnable,
            return_fail_code,
            snapshot_ability: d.snapshot_ability,
            snapshot_count: d.snapshot_count,
            snapshot_size: d.snapshot_size_mb,
            rollbacking,
            rollback_percent: if rollbacking { self.progress(&d.disk_id) } else { 100 },
            migrating: d.migrating,
            migrate_percent: if d.migrating { self.progress(&d.disk_id) } else { 100 },
            throughput_performance: d.throughput_performance,
            burst_performance: d.burst_performance,
            auto_snapshot_policy_ids: self.with_policies.then_some(d.auto_snapshot_policy_ids.as_slice()),
            backup_disk: d.backup_disk,
            delete_snapshot: d.delete_snapshot,
            disk_backup_quota: d.disk_backup_quota,
            disk_backup_count: self.store.map_or(0, |s| s.backup_count(&d.disk_id)),
            tags: &d.tags,
            create_time: TcTime::at(d.created_ms),
            last_attach_ins_id: d.last_attach_instance.as_deref(),
            error_prompt: d.error_prompt.as_deref(),
        }
    }

    /// The virtual times around `self.now` (from inclusive, until exclusive) over which `disk(d)`
    /// renders the same bytes, for the kept pages (core/kept.rs); `None` when it changes by
    /// the moment (progress in flight). Every field `disk` computes from `self.now` must narrow
    /// this: a test renders disks at times inside the window and compares the bytes.
    pub fn steady(&self, d: &Disk) -> Option<(i64, i64)> {
        if d.disk_state == state::ROLLBACKING || d.migrating {
            return None;
        }
        let always = Some((i64::MIN, i64::MAX));
        let Some(deadline) = d.deadline_ms.filter(|_| d.disk_charge_type == PREPAID) else { return always };
        if deadline <= self.now {
            // Expired (IsReturnable false, code 2) and no days left from the deadline on.
            return Some((deadline, i64::MAX));
        }
        // DifferDaysOfDeadline is `days` while the time left is in ((days-1) days, days days];
        // the deadline itself (expiry) is never inside that.
        let day = i128::from(DAY_MS);
        let left = i128::from(deadline) - i128::from(self.now);
        let days = (left + day - 1).div_euclid(day);
        let at = |n: i128| i64::try_from(i128::from(deadline) - n * day).unwrap_or(i64::MIN);
        Some((at(days), at(days - 1)))
    }

    /// IsReturnable / ReturnFailCode of a prepaid disk: 1 already returned, 2 expired,
    /// 3 not returnable (system disks), 8 the account's return quota is used up.
    fn return_status(&self, d: &Disk) -> (Option<bool>, Option<i64>) {
        let used = self.world.tencent_refunds.get(self.account).copied().unwrap_or(0);
        let code = if d.disk_state == state::TORECYCLE {
            1
        } else if d.is_expired(self.now) {
            2
        } else if !d.portable {
            3
        } else if used >= self.cfg.tencent.limits.refund_quota {
            8
        } else {
            return (Some(true), Some(0));
        };
        (Some(false), Some(code))
    }

    pub fn backup(&self, b: &'a DiskBackup) -> BackupOut<'a> {
        let percent = if b.disk_backup_state == state::CREATING { self.progress(&b.disk_backup_id) } else { 100 };
        BackupOut {
            disk_backup_id: &b.disk_backup_id,
            disk_id: &b.disk_id,
            disk_size: b.disk_size,
            disk_usage: &b.disk_usage,
            disk_backup_name: &b.disk_backup_name,
            disk_backup_state: &b.disk_backup_state,
            percent,
            create_time: iso8601_utc(b.created_ms),
            encrypt: b.encrypt,
        }
    }
}

pub fn disk_log(l: &DiskOpLog) -> DiskLogOut<'_> {
    DiskLogOut {
        operator: &l.operator,
        operation: &l.operation,
        disk_id: &l.disk_id,
        operation_state: &l.operation_state,
        start_time: tc_timestamp(l.start_ms),
        end_time: l.end_ms.map(tc_timestamp).unwrap_or_default(),
    }
}

/// Format a price the way the `*High` fields print it: up to six decimals, no trailing zeros.
pub fn high(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// One `AttachDetail` of DescribeInstancesDiskNum.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachDetailOut<'a> {
    instance_id: &'a str,
    attached_disk_count: i64,
    max_attach_count: i64,
}

pub fn attach_detail(instance_id: &str, attached_disk_count: i64, max_attach_count: i64) -> AttachDetailOut<'_> {
    AttachDetailOut { instance_id, attached_disk_count, max_attach_count }
}

/// Round to the two decimals the Float price fields carry.
pub fn cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A `Price`: prepaid quotes fill the totals, pay-as-you-go quotes the hourly unit price.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PriceOut {
    original_price: Option<f64>,
    discount_price: Option<f64>,
    unit_price: Option<f64>,
    unit_price_discount: Option<f64>,
    charge_unit: Option<&'static str>,
    original_price_high: Option<String>,
    discount_price_high: Option<String>,
    unit_price_high: Option<String>,
    unit_price_discount_high: Option<String>,
}

pub fn price(prepaid_total: Option<f64>, hourly: Option<f64>) -> Option<PriceOut> {
    match (prepaid_total, hourly) {
        (Some(total), _) => Some(PriceOut {
            original_price: Some(cents(total)),
            discount_price: Some(cents(total)),
            unit_price: None,
            unit_price_discount: None,
            charge_unit: None,
            original_price_high: Some(high(total)),
            discount_price_high: Some(high(total)),
            unit_price_high: None,
            unit_price_discount_high: None,
        }),
        (None, Some(unit)) => Some(PriceOut {
            original_price: None,
            discount_price: None,
            unit_price: Some(cents(unit)),
            unit_price_discount: Some(cents(unit)),
            charge_unit: Some("HOUR"),
            original_price_high: None,
            discount_price_high: None,
            unit_price_high: Some(high(unit)),
            unit_price_discount_high: Some(high(unit)),
        }),
        (None, None) => None,
    }
}

/// The InquiryPriceResizeDisk `DiskPrice`: a `Price` followed by an empty `DetailPrices`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DetailedPriceOut {
    #[serde(flatten)]
    price: Option<PriceOut>,
    detail_prices: Option<()>,
}

pub fn with_detail_prices(price: Option<PriceOut>) -> DetailedPriceOut {
    DetailedPriceOut { price, detail_prices: None }
}

/// One `DiskConfig` of DescribeDiskConfigQuota (the twin has no device classes or config prices).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DiskConfigOut<'a> {
    available: bool,
    disk_charge_type: &'a str,
    zone: &'a str,
    instance_family: Option<&'a str>,
    disk_type: &'a str,
    step_size: i64,
    extra_performance_range: Option<[i64; 2]>,
    device_class: Option<&'static str>,
    disk_usage: &'a str,
    min_disk_size: i64,
    max_disk_size: i64,
    price: Option<PriceOut>,
}

/// An available configuration of `spec` in `zone` for `usage` and `charge`.
pub fn disk_config<'a>(
    spec: &'a DiskTypeSpec,
    zone: &'a str,
    usage: &'a str,
    charge: &'a str,
    instance_family: Option<&'a str>,
    (min_disk_size, max_disk_size): (i64, i64),
) -> DiskConfigOut<'a> {
    DiskConfigOut {
        available: true,
        disk_charge_type: charge,
        zone,
        instance_family,
        disk_type: &spec.disk_type,
        step_size: spec.step,
        extra_performance_range: spec.extra_performance,
        device_class: None,
        disk_usage: usage,
        min_disk_size,
        max_disk_size,
        price: None,
    }
}

/// `AutoSnapshotPolicy`, with the instances of its bound disks.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyOut<'a> {
    auto_snapshot_policy_id: &'a str,
    auto_snapshot_policy_name: &'a str,
    auto_snapshot_policy_state: &'a str,
    is_activated: bool,
    is_permanent: bool,
    retention_days: i64,
    retention_months: i64,
    retention_amount: i64,
    advanced_retention_policy: Option<AdvancedRetention>,
    policy: &'a [Schedule],
    next_trigger_time: String,
    create_time: String,
    disk_id_set: &'a [String],
    instance_id_set: Vec<String>,
    is_copy_to_remote: i64,
    copy_to_account_uin: Option<String>,
    copy_from_account_uin: Option<String>,
    tags: [Tag; 0],
}

pub fn policy<'a>(store: &TcRegion, p: &'a AutoSnapshotPolicy) -> PolicyOut<'a> {
    let mut instances: Vec<String> = p
        .disk_ids
        .iter()
        .filter_map(|d| store.disks.get(d.as_str()))
        .flat_map(|d| d.attached_to.iter().cloned())
        .collect();
    instances.sort();
    instances.dedup();
    PolicyOut {
        auto_snapshot_policy_id: &p.id,
        auto_snapshot_policy_name: &p.name,
        auto_snapshot_policy_state: &p.state,
        is_activated: p.is_activated,
        is_permanent: p.is_permanent,
        retention_days: p.retention_days,
        retention_months: p.retention_months,
        retention_amount: p.retention_amount,
        advanced_retention_policy: p.advanced_retention,
        policy: &p.schedules,
        next_trigger_time: if p.is_activated {
            p.next_trigger_ms.map(tc_timestamp).unwrap_or_default()
        } else {
            String::new()
        },
        create_time: tc_timestamp(p.created_ms),
        disk_id_set: &p.disk_ids,
        instance_id_set: instances,
        is_copy_to_remote: 0,
        copy_to_account_uin: None,
        copy_from_account_uin: None,
        tags: [],
    }
}

/// `Snapshot`: the 20 documented fields.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapshotOut<'a> {
    pub(crate) snapshot_id: &'a str,
    pub(crate) snapshot_name: &'a str,
    pub(crate) snapshot_state: &'a str,
    pub(crate) snapshot_type: &'static str,
    pub(crate) disk_id: &'a str,
    pub(crate) disk_size: i64,
    pub(crate) disk_usage: &'a str,
    pub(crate) placement: PlacementOut<'a>,
    pub(crate) percent: i64,
    pub(crate) is_permanent: bool,
    pub(crate) deadline_time: TcTime,
    pub(crate) create_time: TcTime,
    pub(crate) encrypt: bool,
    pub(crate) copy_from_remote: bool,
    pub(crate) copying_to_regions: &'a [String],
    pub(crate) images: [(); 0],
    pub(crate) image_count: i64,
    pub(crate) share_reference: usize,
    pub(crate) time_start_share: String,
    pub(crate) tags: &'a [Tag],
}

impl SnapshotOut<'_> {
    /// The same bytes serde writes for this snapshot (a page of them is most of what
    /// DescribeSnapshots costs, as with disks: see `DiskOut::write_json`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"SnapshotId\":");
        json::string(out, self.snapshot_id);
        out.extend_from_slice(b",\"SnapshotName\":");
        json::string(out, self.snapshot_name);
        out.extend_from_slice(b",\"SnapshotState\":");
        json::string(out, self.snapshot_state);
        out.extend_from_slice(b",\"SnapshotType\":");
        json::string(out, self.snapshot_type);
        out.extend_from_slice(b",\"DiskId\":");
        json::string(out, self.disk_id);
        out.extend_from_slice(b",\"DiskSize\":");
        json::int(out, self.disk_size);
        out.extend_from_slice(b",\"DiskUsage\":");
        json::string(out, self.disk_usage);
        out.extend_from_slice(b",\"Placement\":");
        self.placement.write_json(out);
        out.extend_from_slice(b",\"Percent\":");
        json::int(out, self.percent);
        out.extend_from_slice(b",\"IsPermanent\":");
        json::boolean(out, self.is_permanent);
        out.extend_from_slice(b",\"DeadlineTime\":");
        self.deadline_time.write_json(out);
        out.extend_from_slice(b",\"CreateTime\":");
        self.create_time.write_json(out);
        out.extend_from_slice(b",\"Encrypt\":");
        json::boolean(out, self.encrypt);
        out.extend_from_slice(b",\"CopyFromRemote\":");
        json::boolean(out, self.copy_from_remote);
        out.extend_from_slice(b",\"CopyingToRegions\":");
        json::strings(out, self.copying_to_regions);
        out.extend_from_slice(b",\"Images\":[],\"ImageCount\":");
        json::int(out, self.image_count);
        out.extend_from_slice(b",\"ShareReference\":");
        json::int(out, self.share_reference as i64);
        out.extend_from_slice(b",\"TimeStartShare\":");
        json::string(out, &self.time_start_share);
        out.extend_from_slice(b",\"Tags\":");
        write_tags(out, self.tags);
        out.push(b'}');
    }
}

/// A `SnapshotSet` array, each snapshot written by `SnapshotOut::write_json` as it is made.
pub fn write_snapshot_set<'s, S: Borrow<SnapshotOut<'s>>>(out: &mut Vec<u8>, set: impl ExactSizeIterator<Item = S>) {
    // A listed snapshot is about 600 bytes of JSON.
    out.reserve(set.len() * 640 + 2);
    out.push(b'[');
    for (i, s) in set.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        s.borrow().write_json(out);
    }
    out.push(b']');
}

/// A snapshot whose Percent moves with its job: the one field `snapshot` reads the clock for.
fn in_flight(s: &Snapshot) -> bool {
    matches!(&*s.snapshot_state, state::CREATING | "COPYING_FROM_REMOTE" | "CHECKING_COPIED")
}

/// The virtual times over which `snapshot(s)` renders the same bytes, for the kept pages
/// (core/kept.rs): always, but never while its progress moves.
pub fn snapshot_steady(s: &Snapshot) -> crate::core::kept::Window {
    (!in_flight(s)).then_some((i64::MIN, i64::MAX))
}

pub fn snapshot<'a>(view: &DiskView<'a>, s: &'a Snapshot, shared: bool) -> SnapshotOut<'a> {
    let in_flight = in_flight(s);
    SnapshotOut {
        snapshot_id: &s.snapshot_id,
        snapshot_name: &s.snapshot_name,
        snapshot_state: &s.snapshot_state,
        snapshot_type: if shared { SHARED_SNAPSHOT } else { PRIVATE_SNAPSHOT },
        disk_id: &s.disk_id,
        disk_size: s.disk_size,
        disk_usage: &s.disk_usage,
        placement: view.placement(&s.zone, s.project_id),
        percent: if in_flight {
            view.world.job_for(&s.snapshot_id).map_or(0, |j| j.gate.percent(view.now))
        } else {
            100
        },
        is_permanent: s.is_permanent,
        deadline_time: if s.is_permanent { TcTime::NONE } else { TcTime::of(s.deadline_ms) },
        create_time: TcTime::at(s.created_ms),
        encrypt: s.encrypt,
        copy_from_remote: s.copy_from_remote,
        copying_to_regions: &s.copying_to,
        images: [],
        image_count: 0,
        share_reference: s.shared_with.len(),
        time_start_share: s.time_start_share_ms.map(iso_date).unwrap_or_default(),
        tags: &s.tags,
    }
}

/// One `SnapshotCopyResult` of CopySnapshotCrossRegions: a copy that was started.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CopyResult {
    snapshot_id: String,
    message: String,
    code: &'static str,
    destination_region: String,
}

pub fn copy_result(snapshot_id: String, destination_region: String) -> CopyResult {
    CopyResult { snapshot_id, message: String::new(), code: "Success", destination_region }
}

/// One `SharePermission`: an account a snapshot is shared with, and since when.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SharePermission {
    created_time: String,
    account_id: String,
}

pub fn share_permission(account_id: &str, at: i64) -> SharePermission {
    SharePermission { created_time: tc_timestamp(at), account_id: account_id.to_string() }
}

/// One `SnapshotOperationLog` (DescribeSnapshotOperationLogs, deprecated).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SnapLogOut<'a> {
    operation_state: &'a str,
    start_time: String,
    operator: &'a str,
    snapshot_id: &'a str,
    operation: &'a str,
    end_time: String,
}

pub fn snapshot_log(l: &SnapshotOpLog) -> SnapLogOut<'_> {
    SnapLogOut {
        operation_state: &l.operation_state,
        start_time: tc_timestamp(l.start_ms),
        operator: &l.operator,
        snapshot_id: &l.snapshot_id,
        operation: &l.operation,
        end_time: l.end_ms.map(tc_timestamp).unwrap_or_default(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn placement<'a>(zone: &'a str, project_name: &'a str, project_id: i64) -> PlacementOut<'a> {
        PlacementOut { zone, cage_id: "", project_id, project_name, cdc_name: "", cdc_id: "", dedicated_cluster_id: "" }
    }

    /// A disk whose every field is picked from `i`: strings that need escaping, unicode, nulls
    /// and present options, empty and full lists, negative and large numbers.
    pub(crate) fn disk_out<'a>(
        i: usize,
        texts: &'a [&'a str],
        lists: &'a [Vec<String>],
        tags: &'a [Vec<Tag>],
    ) -> DiskOut<'a> {
        let t = |k: usize| texts[(i + k) % texts.len()];
        let flag = |k: usize| (i >> k) & 1 == 1;
        let num = |k: usize| [0, 1, -1, 100, i64::MAX, i64::MIN, 1_733_000_000_000][(i + k) % 7];
        // None, the arithmetic path and chrono's (before 1970).
        let times = [TcTime::NONE, TcTime::at(1_733_000_000_000), TcTime::at(-62_135_596_800_001)];
        DiskOut {
            disk_id: t(0),
            disk_name: t(1),
            disk_type: t(2),
            disk_usage: t(3),
            disk_charge_type: t(4),
            disk_state: t(5),
            disk_size: num(0),
            portable: flag(0),
            attached: flag(1),
            instance_id: t(6),
            instance_id_list: flag(2).then(|| lists[i % lists.len()].as_slice()),
            instance_type: if flag(3) { "CVM" } else { "" },
            shareable: flag(4),
            attach_mode: flag(5).then(|| t(7)),
            // The twin's placements hold no CDC; the writer's copy of that case against the rest.
            placement: PlacementOut {
                cdc_name: ["", "cdc \"a\"", "集群"][i % 3],
                cdc_id: ["", "cdc-1"][i / 3 % 2],
                dedicated_cluster_id: ["", "dc-1\n"][i / 6 % 2],
                ..placement(t(8), t(9), num(1))
            },
            encrypt: flag(6),
            delete_with_instance: flag(7),
            renew_flag: flag(8).then(|| t(10)),
            deadline_time: times[i % times.len()],
            differ_days_of_deadline: flag(9).then(|| num(2)),
            auto_renew_flag_error: flag(10),
            deadline_error: flag(11),
            is_returnable: flag(12).then(|| flag(13)),
            return_fail_code: flag(13).then(|| num(3)),
            snapshot_ability: flag(14),
            snapshot_count: num(4),
            snapshot_size: num(5),
            rollbacking: flag(15),
            // Nothing in flight (both at 100) is written as one run of bytes.
            rollback_percent: if i.is_multiple_of(5) { 100 } else { num(6) },
            migrating: flag(16),
            migrate_percent: if i.is_multiple_of(5) { 100 } else { num(0) },
            throughput_performance: num(1),
            burst_performance: flag(17),
            auto_snapshot_policy_ids: flag(18).then(|| lists[(i + 1) % lists.len()].as_slice()),
            backup_disk: flag(19),
            delete_snapshot: num(2),
            disk_backup_quota: num(3),
            disk_backup_count: num(4),
            tags: &tags[i % tags.len()],
            create_time: times[(i + 1) % times.len()],
            last_attach_ins_id: flag(20).then(|| t(13)),
            error_prompt: flag(21).then(|| t(14)),
        }
    }

    #[test]
    fn the_disk_writer_writes_what_serde_writes() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let texts = [
            "",
            "disk-abc123",
            "a \"quoted\" name",
            "back\\slash\\",
            "line\nbreak\ttab\r",
            controls.as_str(),
            "云硬盘-中文",
            "emoji 🙂 and \u{7f} and \u{2028}",
            "2026-12-03 08:00:00",
            "</script>&'",
            "ap-guangzhou-3",
        ];
        let lists = [vec![], vec!["ins-1".to_string()], vec!["a\"b".to_string(), "中".to_string(), String::new()]];
        let tag = |k: &str, v: &str| Tag { key: k.into(), value: v.into() };
        let tags = [vec![], vec![tag("env", "prod")], vec![tag("k\"1", "v\n1"), tag("名", ""), tag("", "🙂")]];
        let mut set = Vec::new();
        for i in 0..4096 {
            let d = disk_out(i * 2654435761 % 4_194_304, &texts, &lists, &tags);
            let mut mine = Vec::new();
            d.write_json(&mut mine);
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&d).unwrap(), "disk {i}");
            set.push(d);
        }
        for n in [0, 1, 20] {
            let mut mine = Vec::new();
            write_disk_set(&mut mine, set[..n].iter());
            assert_eq!(mine, serde_json::to_vec(&set[..n]).unwrap());
        }
    }

    /// A snapshot whose every field is picked from `i`, as `disk_out` picks a disk's.
    pub(crate) fn snapshot_out<'a>(
        i: usize,
        texts: &'a [&'a str],
        lists: &'a [Vec<String>],
        tags: &'a [Vec<Tag>],
    ) -> SnapshotOut<'a> {
        let t = |k: usize| texts[(i + k) % texts.len()];
        let flag = |k: usize| (i >> k) & 1 == 1;
        let num = |k: usize| [0, 1, -1, 100, i64::MAX, i64::MIN, 1_733_000_000_000][(i + k) % 7];
        // None, the arithmetic path and chrono's (before 1970).
        let times = [TcTime::NONE, TcTime::at(1_733_000_000_000), TcTime::at(-62_135_596_800_001)];
        SnapshotOut {
            snapshot_id: t(0),
            snapshot_name: t(1),
            snapshot_state: t(2),
            snapshot_type: if flag(0) { SHARED_SNAPSHOT } else { PRIVATE_SNAPSHOT },
            disk_id: t(3),
            disk_size: num(0),
            disk_usage: t(4),
            placement: placement(t(5), t(6), num(1)),
            percent: num(2),
            is_permanent: flag(1),
            deadline_time: times[i % times.len()],
            create_time: times[(i + 1) % times.len()],
            encrypt: flag(2),
            copy_from_remote: flag(3),
            copying_to_regions: &lists[i % lists.len()],
            images: [],
            image_count: num(3),
            share_reference: [0, 1, 7, usize::MAX >> 1][i % 4],
            time_start_share: t(9).to_string(),
            tags: &tags[(i / 3) % tags.len()],
        }
    }

    #[test]
    fn the_snapshot_writer_writes_what_serde_writes() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let texts = [
            "",
            "snap-abc123",
            "a \"quoted\" name",
            "back\\slash\\",
            "line\nbreak\t",
            controls.as_str(),
            "快照-中文",
            "emoji 🙂 \u{7f} \u{2028}",
            "2026-12-03 08:00:00",
        ];
        let lists = [vec![], vec!["ap-beijing".to_string()], vec!["a\"b".to_string(), "中".to_string(), String::new()]];
        let tag = |k: &str, v: &str| Tag { key: k.into(), value: v.into() };
        let tags = [vec![], vec![tag("env", "prod")], vec![tag("k\"1", "v\n1"), tag("名", ""), tag("", "🙂")]];
        let mut set = Vec::new();
        for i in 0..2048usize {
            let s = snapshot_out(i, &texts, &lists, &tags);
            let mut mine = Vec::new();
            s.write_json(&mut mine);
            assert_eq!(String::from_utf8(mine).unwrap(), serde_json::to_string(&s).unwrap(), "snapshot {i}");
            set.push(s);
        }
        for n in [0, 1, 20] {
            let mut mine = Vec::new();
            write_snapshot_set(&mut mine, set[..n].iter());
            assert_eq!(mine, serde_json::to_vec(&set[..n]).unwrap());
        }
    }

    fn bytes_at(cfg: &Config, d: &Disk, now: i64) -> Vec<u8> {
        let mut world = crate::world::World::default();
        let world = world.tencent_part();
        let view = DiskView::new(cfg, &world, "default", "ap-guangzhou", now).with_policies(true);
        let mut out = Vec::new();
        view.disk(d).write_json(&mut out);
        out
    }

    fn steady_at(cfg: &Config, d: &Disk, now: i64) -> Option<(i64, i64)> {
        let mut world = crate::world::World::default();
        let world = world.tencent_part();
        DiskView::new(cfg, &world, "default", "ap-guangzhou", now).with_policies(true).steady(d)
    }

    proptest::proptest! {
        /// A disk renders the same bytes at every time of its steady window (a kept page is
        /// served over that window: core/kept.rs), and differs just outside a finite edge.
        #[test]
        fn a_disk_renders_the_same_over_its_steady_window(
            prepaid in proptest::prelude::any::<bool>(),
            state in 0usize..4,
            deadline in proptest::option::of(-3i64 * DAY_MS..40 * DAY_MS),
            now in -2i64 * DAY_MS..45 * DAY_MS,
            pick in 0u64..u64::MAX,
        ) {
            let cfg = Config::default();
            let states = [state::UNATTACHED, state::ATTACHED, state::TORECYCLE, state::EXPANDING];
            let d: Disk = serde_json::from_value(serde_json::json!({
                "disk_id": "disk-1", "disk_name": "d", "disk_type": "CLOUD_SSD", "disk_usage": "DATA_DISK",
                "disk_charge_type": if prepaid { PREPAID } else { "POSTPAID_BY_HOUR" },
                "disk_state": states[state], "disk_size": 20, "portable": true, "attached_to": [],
                "shareable": false, "attach_mode": null, "zone": "ap-guangzhou-3", "project_id": 0,
                "encrypt": false, "delete_with_instance": false, "renew_flag": null, "deadline_ms": deadline,
                "snapshot_ability": true, "snapshot_count": 0, "snapshot_size_mb": 0, "migrating": false,
                "throughput_performance": 0, "burst_performance": false, "backup_disk": false,
                "delete_snapshot": 0, "disk_backup_quota": 0, "tags": [], "created_ms": 0,
                "last_attach_instance": null, "error_prompt": null, "source_snapshot_id": null,
                "auto_snapshot_policy_ids": [], "creating": false, "seq": 1
            }))
            .unwrap();
            let (from, until) = steady_at(&cfg, &d, now).expect("no progress in flight");
            proptest::prop_assert!(from <= now && now < until);
            let here = bytes_at(&cfg, &d, now);
            // Anywhere in the window (bounded to ±60 days around now, where the disks live).
            let lo = from.max(now - 60 * DAY_MS);
            let hi = until.min(now + 60 * DAY_MS);
            for at in [lo, hi - 1, lo + (pick % (hi - lo) as u64) as i64] {
                proptest::prop_assert_eq!(&bytes_at(&cfg, &d, at), &here, "at {} (window {}..{})", at, from, until);
            }
            if until != i64::MAX {
                proptest::prop_assert_ne!(&bytes_at(&cfg, &d, until), &here);
            }
            if from != i64::MIN {
                proptest::prop_assert_ne!(&bytes_at(&cfg, &d, from - 1), &here);
            }
        }
    }

    #[test]
    fn a_disk_with_progress_in_flight_is_never_steady() {
        let cfg = Config::default();
        let mut d: Disk = serde_json::from_value(serde_json::json!({
            "disk_id": "disk-1", "disk_name": "d", "disk_type": "CLOUD_SSD", "disk_usage": "DATA_DISK",
            "disk_charge_type": "POSTPAID_BY_HOUR", "disk_state": state::ROLLBACKING, "disk_size": 20,
            "portable": true, "attached_to": [], "shareable": false, "attach_mode": null, "zone": "z",
            "project_id": 0, "encrypt": false, "delete_with_instance": false, "renew_flag": null,
            "deadline_ms": null, "snapshot_ability": true, "snapshot_count": 0, "snapshot_size_mb": 0,
            "migrating": false, "throughput_performance": 0, "burst_performance": false, "backup_disk": false,
            "delete_snapshot": 0, "disk_backup_quota": 0, "tags": [], "created_ms": 0,
            "last_attach_instance": null, "error_prompt": null, "source_snapshot_id": null,
            "auto_snapshot_policy_ids": [], "creating": false, "seq": 1
        }))
        .unwrap();
        assert_eq!(steady_at(&cfg, &d, 0), None);
        d.disk_state = state::UNATTACHED.into();
        d.migrating = true;
        assert_eq!(steady_at(&cfg, &d, 0), None);
        d.migrating = false;
        assert_eq!(steady_at(&cfg, &d, 0), Some((i64::MIN, i64::MAX)));
    }

    #[test]
    fn high_precision_strings_match_the_doc_examples() {
        assert_eq!(high(800.0), "800");
        assert_eq!(high(0.042), "0.042");
        assert_eq!(high(0.059), "0.059");
        assert_eq!(cents(0.042), 0.04);
        assert_eq!(cents(0.059), 0.06);
    }
}
