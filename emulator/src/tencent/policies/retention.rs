//! How long a policy's automatic snapshots live: a deadline (RetentionDays or RetentionMonths),
//! or the count and advanced rules applied after each trigger, and the control plane's setter.

use super::super::model::{AdvancedRetention, AutoSnapshotPolicy};
use crate::retention;
use crate::tencent::time::tencent_tz;
use crate::tencent::world::World;

/// When an automatic snapshot expires: never if permanent or kept by count/advanced rules,
/// else after RetentionMonths months or RetentionDays days.
pub(super) fn retention_deadline(pol: &AutoSnapshotPolicy, at: i64) -> Option<i64> {
    if pol.is_permanent || pol.retention_amount > 0 || pol.advanced_retention.is_some() {
        None
    } else if pol.retention_months > 0 {
        Some(crate::core::clock::add_months_ms(at, pol.retention_months as u32))
    } else {
        Some(at + pol.retention_days * 86_400_000)
    }
}

/// Which of a disk's automatic snapshots (newest first, as (id, created)) the count and advanced
/// rules keep at `at`, with the advanced rules' days, weeks, months and years in UTC+8.
pub fn kept(snaps: &[(String, i64)], amount: i64, adv: Option<AdvancedRetention>, at: i64) -> Vec<String> {
    let a = adv.unwrap_or_default();
    let rules = retention::Rules {
        max_backups: Some(amount),
        retention_days: None,
        day: a.days,
        week: a.weeks,
        month: a.months,
        year: a.years,
        utc_offset_secs: tencent_tz().local_minus_utc(),
    };
    retention::kept(snaps, &rules, at)
}

/// Apply RetentionAmount / AdvancedRetentionPolicy to one disk's automatic snapshots. An
/// AdvancedRetentionPolicy of all zeros still prunes here, down to what RetentionAmount keeps
/// (possibly nothing). `retention::to_delete` would keep everything in that case, so this
/// decides for itself whether to prune and takes only the kept set from `retention`.
pub(super) fn prune(
    world: &mut World,
    uin: &str,
    account: &str,
    region: &str,
    pol: &AutoSnapshotPolicy,
    disk_id: &str,
    at: i64,
) {
    if pol.is_permanent || (pol.retention_amount == 0 && pol.advanced_retention.is_none()) {
        return;
    }
    let store = world.tc(account, region);
    let mut mine: Vec<(String, i64, u64)> = store
        .snapshots
        .values()
        .filter(|s| s.disk_id == disk_id && s.auto_policy_id.as_deref() == Some(pol.id.as_str()))
        .map(|s| (s.snapshot_id.clone(), s.created_ms, s.seq))
        .collect();
    mine.sort_by_key(|(_, created, seq)| std::cmp::Reverse((*created, *seq)));
    let list: Vec<(String, i64)> = mine.into_iter().map(|(id, c, _)| (id, c)).collect();
    let keep = kept(&list, pol.retention_amount, pol.advanced_retention, at);
    for (id, _) in list.iter().filter(|(id, _)| !keep.contains(id)) {
        super::super::snapshots::remove_snapshot(world.tc(account, region), id);
        let log = world.next_seq();
        super::super::snapshots::log_snapshot(
            world.tc(account, region),
            log,
            id,
            uin,
            "ASP_OPERATION_DELETE_SNAP",
            at,
            true,
        );
    }
}

/// Control plane: set the console-only retention fields of a policy.
pub fn set_retention(
    world: &mut World,
    account: &str,
    region: &str,
    policy_id: &str,
    months: Option<i64>,
    amount: Option<i64>,
    advanced: Option<Option<AdvancedRetention>>,
) -> Result<(), String> {
    let pol = world
        .tc(account, region)
        .policies
        .get_mut(policy_id)
        .ok_or_else(|| format!("no policy {policy_id} in {account}/{region}"))?;
    if let Some(m) = months {
        if !(0..=1200).contains(&m) {
            return Err("RetentionMonths must be 0 to 1200".into());
        }
        pol.retention_months = m;
    }
    if let Some(n) = amount {
        if !(0..=10_000).contains(&n) {
            return Err("RetentionAmount must be 0 to 10000".into());
        }
        pol.retention_amount = n;
    }
    if let Some(a) = advanced {
        if let Some(a) = a {
            if [a.days, a.weeks, a.months, a.years].iter().any(|v| !(0..=100).contains(v)) {
                return Err("AdvancedRetentionPolicy values are 0 to 100".into());
            }
        }
        pol.advanced_retention = a;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::schedule::at_hour;
    use super::*;
    use crate::tencent::time::parse_tc_timestamp;
    use chrono::NaiveDate;

    fn t(s: &str) -> i64 {
        parse_tc_timestamp(s).unwrap()
    }

    #[test]
    fn advanced_retention_keeps_one_per_bucket() {
        // Daily snapshots at 23:00 from 2026-10-01 to 2026-11-22 (Sunday), newest first.
        let mut snaps = Vec::new();
        let mut day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        while day >= NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() {
            snaps.push((day.to_string(), at_hour(day, 23).unwrap()));
            day = day.pred_opt().unwrap();
        }
        let at = t("2026-11-22 23:00:00");
        let only = |a: AdvancedRetention| {
            let mut k = kept(&snaps, 0, Some(a), at);
            k.sort();
            k.dedup();
            k
        };
        assert_eq!(
            only(AdvancedRetention { days: 3, ..Default::default() }),
            vec!["2026-11-20", "2026-11-21", "2026-11-22"]
        );
        // ISO weeks end on Sunday: the latest of this week, last week and the week before.
        assert_eq!(
            only(AdvancedRetention { weeks: 3, ..Default::default() }),
            vec!["2026-11-08", "2026-11-15", "2026-11-22"]
        );
        assert_eq!(only(AdvancedRetention { months: 2, ..Default::default() }), vec!["2026-10-31", "2026-11-22"]);
        assert_eq!(only(AdvancedRetention { years: 5, ..Default::default() }), vec!["2026-11-22"]);
        assert_eq!(
            only(AdvancedRetention { days: 2, weeks: 2, ..Default::default() }),
            vec!["2026-11-15", "2026-11-21", "2026-11-22"]
        );
        assert_eq!(kept(&snaps, 4, None, at), vec!["2026-11-22", "2026-11-21", "2026-11-20", "2026-11-19"]);
        // Days are UTC+8 days: a minute past local midnight (16:01 UTC), the 22nd is yesterday.
        let one_day = Some(AdvancedRetention { days: 1, ..Default::default() });
        assert_eq!(kept(&snaps, 0, one_day, t("2026-11-22 23:59:00")), vec!["2026-11-22"]);
        assert!(kept(&snaps, 0, one_day, t("2026-11-23 00:01:00")).is_empty());
    }
}
