//! Model → response shapes, field names and nulls as the CBS Data Types section documents them.

use serde_json::{json, Value};

use super::model::{state, Disk, DiskBackup, DiskOpLog, PREPAID};
use crate::clock::{iso8601_utc, tc_timestamp};
use crate::config::Config;
use crate::world::World;

const DAY_MS: i64 = 86_400_000;

pub struct DiskView<'a> {
    pub cfg: &'a Config,
    pub world: &'a World,
    pub account: &'a str,
    pub region: &'a str,
    pub now: i64,
    pub with_policies: bool,
}

impl DiskView<'_> {
    fn progress(&self, target: &str) -> i64 {
        self.world.job_for(target).map_or(100, |j| j.gate.percent(self.now))
    }

    fn project_name(&self, id: i64) -> String {
        self.cfg
            .accounts
            .iter()
            .find(|a| a.name == self.account)
            .and_then(|a| a.projects.iter().find(|p| p.id == id))
            .map(|p| p.name.clone())
            .unwrap_or_default()
    }

    pub fn placement(&self, zone: &str, project_id: i64) -> Value {
        json!({
            "Zone": zone,
            "CageId": "",
            "ProjectId": project_id,
            "ProjectName": self.project_name(project_id),
            "CdcName": "",
            "CdcId": "",
            "DedicatedClusterId": "",
        })
    }

    pub fn disk(&self, d: &Disk) -> Value {
        let prepaid = d.disk_charge_type == PREPAID;
        let attached = !d.attached_to.is_empty() && d.disk_state != state::ATTACHING;
        let rollbacking = d.disk_state == state::ROLLBACKING;
        let (returnable, fail_code) = if prepaid { self.return_status(d) } else { (Value::Null, Value::Null) };
        json!({
            "DiskId": d.disk_id,
            "DiskName": d.disk_name,
            "DiskType": d.disk_type,
            "DiskUsage": d.disk_usage,
            "DiskChargeType": d.disk_charge_type,
            "DiskState": d.disk_state,
            "DiskSize": d.disk_size,
            "Portable": d.portable,
            "Attached": attached,
            "InstanceId": d.attached_to.first().cloned().unwrap_or_default(),
            "InstanceIdList": if d.shareable { json!(d.attached_to) } else { Value::Null },
            "InstanceType": if d.attached_to.is_empty() { "" } else { "CVM" },
            "Shareable": d.shareable,
            "AttachMode": d.attach_mode,
            "Placement": self.placement(&d.zone, d.project_id),
            "Encrypt": d.encrypt,
            "DeleteWithInstance": d.delete_with_instance,
            "RenewFlag": d.renew_flag,
            "DeadlineTime": d.deadline_ms.map(tc_timestamp).unwrap_or_default(),
            "DifferDaysOfDeadline": if prepaid {
                json!(d.deadline_ms.map_or(0, |dl| (dl - self.now).max(0).div_euclid(DAY_MS)))
            } else { Value::Null },
            "AutoRenewFlagError": false,
            "DeadlineError": false,
            "IsReturnable": returnable,
            "ReturnFailCode": fail_code,
            "SnapshotAbility": d.snapshot_ability,
            "SnapshotCount": d.snapshot_count,
            "SnapshotSize": d.snapshot_size_mb,
            "Rollbacking": rollbacking,
            "RollbackPercent": if rollbacking { self.progress(&d.disk_id) } else { 100 },
            "Migrating": d.migrating,
            "MigratePercent": if d.migrating { self.progress(&d.disk_id) } else { 100 },
            "ThroughputPerformance": d.throughput_performance,
            "BurstPerformance": d.burst_performance,
            "AutoSnapshotPolicyIds": if self.with_policies { json!(d.auto_snapshot_policy_ids) } else { Value::Null },
            "BackupDisk": d.backup_disk,
            "DeleteSnapshot": d.delete_snapshot,
            "DiskBackupQuota": d.disk_backup_quota,
            "DiskBackupCount": self.world.tc_ref(self.account, self.region).map_or(0, |s| s.backup_count(&d.disk_id)),
            "Tags": d.tags,
            "CreateTime": tc_timestamp(d.created_ms),
            "LastAttachInstId": d.last_attach_instance,
            "ErrorPrompt": d.error_prompt,
        })
    }

    /// IsReturnable / ReturnFailCode of a prepaid disk: 1 already returned, 2 expired,
    /// 3 not returnable (system disks), 8 the account's return quota is used up.
    fn return_status(&self, d: &Disk) -> (Value, Value) {
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
            return (json!(true), json!(0));
        };
        (json!(false), json!(code))
    }

    pub fn backup(&self, b: &DiskBackup) -> Value {
        let percent = if b.disk_backup_state == state::CREATING { self.progress(&b.disk_backup_id) } else { 100 };
        json!({
            "DiskBackupId": b.disk_backup_id,
            "DiskId": b.disk_id,
            "DiskSize": b.disk_size,
            "DiskUsage": b.disk_usage,
            "DiskBackupName": b.disk_backup_name,
            "DiskBackupState": b.disk_backup_state,
            "Percent": percent,
            "CreateTime": iso8601_utc(b.created_ms),
            "Encrypt": b.encrypt,
        })
    }
}

pub fn disk_log(l: &DiskOpLog) -> Value {
    json!({
        "Operator": l.operator,
        "Operation": l.operation,
        "DiskId": l.disk_id,
        "OperationState": l.operation_state,
        "StartTime": tc_timestamp(l.start_ms),
        "EndTime": l.end_ms.map(tc_timestamp).unwrap_or_default(),
    })
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

/// Round to the two decimals the Float price fields carry.
pub fn cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A `Price`: prepaid quotes fill the totals, pay-as-you-go quotes the hourly unit price.
pub fn price(prepaid_total: Option<f64>, hourly: Option<f64>) -> Value {
    match (prepaid_total, hourly) {
        (Some(total), _) => json!({
            "OriginalPrice": cents(total),
            "DiscountPrice": cents(total),
            "UnitPrice": null,
            "UnitPriceDiscount": null,
            "ChargeUnit": null,
            "OriginalPriceHigh": high(total),
            "DiscountPriceHigh": high(total),
            "UnitPriceHigh": null,
            "UnitPriceDiscountHigh": null,
        }),
        (None, Some(unit)) => json!({
            "OriginalPrice": null,
            "DiscountPrice": null,
            "UnitPrice": cents(unit),
            "UnitPriceDiscount": cents(unit),
            "ChargeUnit": "HOUR",
            "OriginalPriceHigh": null,
            "DiscountPriceHigh": null,
            "UnitPriceHigh": high(unit),
            "UnitPriceDiscountHigh": high(unit),
        }),
        (None, None) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_precision_strings_match_the_doc_examples() {
        assert_eq!(high(800.0), "800");
        assert_eq!(high(0.042), "0.042");
        assert_eq!(high(0.059), "0.059");
        assert_eq!(cents(0.042), 0.04);
        assert_eq!(cents(0.059), 0.06);
    }
}
