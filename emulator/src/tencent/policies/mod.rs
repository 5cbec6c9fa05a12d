//! Scheduled snapshot policies (`asp-…`): schedules in UTC+8, binding disks, and firing on the
//! virtual clock — each trigger snapshots every bound disk that is in use, and the snapshots'
//! deadlines (creation + RetentionDays) delete them again.

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use serde::Serialize;

use super::disks::check_name;
use super::error::{self as e, TcResult};
use super::model::{state, AdvancedRetention, AutoSnapshotPolicy, Schedule, Snapshot, Tag, TcRegion, TcWork};
use super::params::{opt, req, Field, Params, Ty, BOOL, FILTERS, INT, INTS, STR, STRS};
use super::query;
use super::{Ctx, Output};
use crate::clock::{tc_timestamp, tencent_tz};
use crate::config::Config;
use crate::retention;
use crate::timing::Gate;
use crate::world::{Work, World};

pub const POLICY: &[Field] =
    &[req("Hour", INTS), opt("DayOfWeek", INTS), opt("DayOfMonth", INTS), opt("IntervalDays", INT)];

fn local_date(ms: i64) -> NaiveDate {
    tencent_tz().timestamp_millis_opt(ms).single().map(|d| d.date_naive()).unwrap_or_default()
}

fn at_hour(day: NaiveDate, hour: i64) -> Option<i64> {
    let t = day.and_hms_opt(hour as u32, 0, 0)?;
    tencent_tz().from_local_datetime(&t).single().map(|d| d.timestamp_millis())
}

impl Schedule {
    fn runs_on(&self, day: NaiveDate, created: NaiveDate) -> bool {
        if let Some(days) = &self.day_of_week {
            days.contains(&i64::from(day.weekday().num_days_from_sunday()))
        } else if let Some(days) = &self.day_of_month {
            days.contains(&i64::from(day.day()))
        } else if let Some(n) = self.interval_days {
            let since = (day - created).num_days();
            since >= 0 && since % n.max(1) == 0
        } else {
            false
        }
    }
}

/// The first trigger strictly after `after_ms`: the earliest (day, hour) any schedule picks.
/// IntervalDays counts from the policy's creation day, as the doc describes.
pub fn next_trigger(schedules: &[Schedule], created_ms: i64, after_ms: i64) -> Option<i64> {
    let created = local_date(created_ms);
    let first = local_date(after_ms);
    for offset in 0..=800 {
        let day = first + Duration::days(offset);
        let mut best: Option<i64> = None;
        for s in schedules.iter().filter(|s| s.runs_on(day, created)) {
            for &h in &s.hour {
                if let Some(t) = at_hour(day, h).filter(|t| *t > after_ms) {
                    best = Some(best.map_or(t, |b| b.min(t)));
                }
            }
        }
        if best.is_some() {
            return best;
        }
    }
    None
}

fn parse_schedules(p: &Params) -> TcResult<Vec<Schedule>> {
    let mut out = Vec::new();
    for s in p.objs("Policy") {
        let hours = s.ints("Hour");
        if hours.is_empty() {
            return Err(e::MissingParameter("Policy.Hour must list at least one hour."));
        }
        if let Some(h) = hours.iter().find(|h| !(0..=23).contains(*h)) {
            return Err(e::InvalidParameterValue(format!("Policy.Hour values are 0–23; got {h}.")));
        }
        let week = s.has("DayOfWeek").then(|| s.ints("DayOfWeek"));
        let month = s.has("DayOfMonth").then(|| s.ints("DayOfMonth"));
        let interval = s.int("IntervalDays");
        let given = [week.is_some(), month.is_some(), interval.is_some()].iter().filter(|b| **b).count();
        if given != 1 {
            return Err(e::InvalidParameterValue(
                "Give exactly one of Policy.DayOfWeek, Policy.DayOfMonth and Policy.IntervalDays.",
            ));
        }
        if let Some(w) = &week {
            if w.is_empty() || w.iter().any(|d| !(0..=6).contains(d)) {
                return Err(e::InvalidParameterValue("Policy.DayOfWeek values are 0 (Sunday) to 6."));
            }
        }
        if let Some(m) = &month {
            if m.is_empty() || m.iter().any(|d| !(1..=31).contains(d)) {
                return Err(e::InvalidParameterValue("Policy.DayOfMonth values are 1 to 31."));
            }
        }
        if interval.is_some_and(|n| !(1..=365).contains(&n)) {
            return Err(e::InvalidParameterValue("Policy.IntervalDays is 1 to 365."));
        }
        let mut hour = hours;
        hour.sort_unstable();
        hour.dedup();
        out.push(Schedule { day_of_week: week, hour, day_of_month: month, interval_days: interval });
    }
    if out.is_empty() {
        return Err(e::MissingParameter("The request is missing a required parameter `Policy`."));
    }
    Ok(out)
}

/// RetentionDays and IsPermanent=TRUE conflict; returns (permanent, days).
fn retention(p: &Params, current: Option<(bool, i64)>) -> TcResult<(bool, i64)> {
    let days = p.int("RetentionDays");
    let permanent = p.bool("IsPermanent");
    if permanent == Some(true) && days.is_some() {
        return Err(e::InvalidParameterValue("RetentionDays cannot be given when IsPermanent is TRUE."));
    }
    if let Some(d) = days {
        if !(1..=65_535).contains(&d) {
            return Err(e::InvalidParameterValue(format!("RetentionDays must be at least 1; got {d}.")));
        }
    }
    let (cur_perm, cur_days) = current.unwrap_or((false, 7));
    Ok(match (permanent, days) {
        (Some(true), _) => (true, cur_days),
        (_, Some(d)) => (false, d),
        (Some(false), None) => (false, cur_days),
        (None, None) => (cur_perm, cur_days),
    })
}

impl Ctx<'_> {
    /// (Re)plan the policy's next firing after a change.
    fn plan(&mut self, policy_id: &str) {
        let now = self.now;
        let Some(pol) = self.store().policies.get_mut(policy_id) else { return };
        pol.generation += 1;
        pol.next_trigger_ms = next_trigger(&pol.schedules, pol.created_ms, now);
        let (next, generation, active) = (pol.next_trigger_ms, pol.generation, pol.is_activated);
        if let (Some(at), true) = (next, active) {
            self.schedule_at(at, TcWork::FirePolicy { policy_id: policy_id.to_string(), generation });
        }
    }
}

// ---------------------------------------------------------------------- CreateAutoSnapshotPolicy

pub const CREATE_AUTO_SNAPSHOT_POLICY: &[Field] = &[
    req("Policy", Ty::Arr(&Ty::Obj(POLICY))),
    opt("AutoSnapshotPolicyName", STR),
    opt("IsActivated", BOOL),
    opt("IsPermanent", BOOL),
    opt("RetentionDays", INT),
    opt("DryRun", BOOL),
];

pub fn create_auto_snapshot_policy(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let schedules = parse_schedules(p)?;
    let name = p.str("AutoSnapshotPolicyName").unwrap_or("Not named").to_string();
    check_name("AutoSnapshotPolicyName", &name, 60)?;
    let (permanent, days) = retention(p, None)?;
    let next = next_trigger(&schedules, ctx.now, ctx.now);
    let next_text = next.map(tc_timestamp).unwrap_or_default();
    if p.bool("DryRun").unwrap_or(false) {
        return Ok(Output::new().with("AutoSnapshotPolicyId", &"").with("NextTriggerTime", &next_text));
    }
    let quota = ctx.cfg.tencent.limits.policies_per_region;
    if ctx.store().policies.len() >= quota {
        return Err(e::TcError::new(
            "LimitExceeded.AutoSnapshotPolicyOutOfQuota",
            format!("At most {quota} scheduled snapshot policies per region."),
        ));
    }
    let id = loop {
        let id = ctx.ids.short("asp");
        if !ctx.store().policies.contains_key(&id) {
            break id;
        }
    };
    let seq = ctx.world.next_seq();
    let pol = AutoSnapshotPolicy {
        id: id.clone(),
        name,
        state: state::NORMAL.into(),
        is_activated: p.bool("IsActivated").unwrap_or(true),
        is_permanent: permanent,
        retention_days: days,
        schedules,
        retention_months: 0,
        retention_amount: 0,
        advanced_retention: None,
        created_ms: ctx.now,
        disk_ids: vec![],
        next_trigger_ms: None,
        generation: 0,
        seq,
    };
    ctx.store().policies.insert(id.clone(), pol);
    ctx.plan(&id);
    Ok(Output::new().with("AutoSnapshotPolicyId", &id).with("NextTriggerTime", &next_text))
}

// -------------------------------------------------------------------- DescribeAutoSnapshotPolicies

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

pub fn policy_out<'a>(store: &TcRegion, p: &'a AutoSnapshotPolicy) -> PolicyOut<'a> {
    let mut instances: Vec<String> =
        p.disk_ids.iter().filter_map(|d| store.disks.get(d)).flat_map(|d| d.attached_to.iter().cloned()).collect();
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

pub const DESCRIBE_AUTO_SNAPSHOT_POLICIES: &[Field] = &[
    opt("AutoSnapshotPolicyIds", STRS),
    opt("Filters", FILTERS),
    opt("Limit", INT),
    opt("Offset", INT),
    opt("Order", STR),
    opt("OrderField", STR),
];

pub fn describe_auto_snapshot_policies(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    query::ids_xor_filters(p, "AutoSnapshotPolicyIds")?;
    let filters = query::filters(
        p,
        &["auto-snapshot-policy-id", "auto-snapshot-policy-state", "auto-snapshot-policy-name"],
        false,
    )?;
    let paging = query::paging(p)?;
    let (desc, _) = query::order(p, &["CREATE_TIME"])?;
    let ids = p.strs("AutoSnapshotPolicyIds");
    let empty = TcRegion::default();
    let store = ctx.world.tc_ref(ctx.account, ctx.region).unwrap_or(&empty);
    let hits: Vec<&AutoSnapshotPolicy> = store
        .policies
        .values()
        .filter(|x| ids.is_empty() || ids.contains(&x.id))
        .filter(|x| {
            filters.iter().all(|f| match f.name.as_str() {
                "auto-snapshot-policy-id" => f.any(|v| v == x.id),
                "auto-snapshot-policy-state" => f.any(|v| v == x.state),
                _ => f.any(|v| v == x.name),
            })
        })
        .collect();
    let (total, hits) = query::sort_page(hits, |x: &&AutoSnapshotPolicy| (x.created_ms, x.seq), desc, paging);
    let set: Vec<_> = hits.into_iter().map(|x| policy_out(store, x)).collect();
    Ok(Output::new().with("TotalCount", &total).with("AutoSnapshotPolicySet", &set))
}

// ------------------------------------------------------------- ModifyAutoSnapshotPolicyAttribute

pub const MODIFY_AUTO_SNAPSHOT_POLICY_ATTRIBUTE: &[Field] = &[
    req("AutoSnapshotPolicyId", STR),
    opt("IsActivated", BOOL),
    opt("IsPermanent", BOOL),
    opt("AutoSnapshotPolicyName", STR),
    opt("Policy", Ty::Arr(&Ty::Obj(POLICY))),
    opt("RetentionDays", INT),
];

fn policy_not_found(id: &str) -> e::TcError {
    e::TcError::new(
        "InvalidAutoSnapshotPolicyId.NotFound",
        format!("The scheduled snapshot policy `{id}` does not exist."),
    )
}

pub fn modify_auto_snapshot_policy_attribute(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let id = p.str("AutoSnapshotPolicyId").unwrap_or_default().to_string();
    let pol = ctx.store().policies.get(&id).ok_or_else(|| policy_not_found(&id))?.clone();
    if pol.state != state::NORMAL {
        return Err(e::UnsupportedOperation_StateError(format!("The policy `{id}` is {}.", pol.state)));
    }
    if let Some(n) = p.str("AutoSnapshotPolicyName") {
        check_name("AutoSnapshotPolicyName", n, 60)?;
    }
    let schedules = if p.has("Policy") { Some(parse_schedules(p)?) } else { None };
    let (permanent, days) =
        retention(p, Some((pol.is_permanent, pol.retention_days))).map_err(|err| e::InvalidParameter(err.message))?;
    let x = ctx.store().policies.get_mut(&id).expect("checked");
    if let Some(n) = p.str("AutoSnapshotPolicyName") {
        x.name = n.to_string();
    }
    if let Some(a) = p.bool("IsActivated") {
        x.is_activated = a;
    }
    if let Some(s) = schedules {
        x.schedules = s;
    }
    x.is_permanent = permanent;
    x.retention_days = days;
    ctx.plan(&id);
    Ok(Output::new())
}

// --------------------------------------------------------------------- DeleteAutoSnapshotPolicies

pub const DELETE_AUTO_SNAPSHOT_POLICIES: &[Field] = &[req("AutoSnapshotPolicyIds", STRS)];

pub fn delete_auto_snapshot_policies(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let ids = p.strs("AutoSnapshotPolicyIds");
    if ids.len() > 100 {
        return Err(e::InvalidParameterValue_LimitExceeded("At most 100 policies per request."));
    }
    let store = ctx.store();
    for id in &ids {
        if !store.policies.contains_key(id) {
            return Err(policy_not_found(id));
        }
    }
    for id in &ids {
        if let Some(pol) = store.policies.remove(id) {
            for d in pol.disk_ids {
                if let Some(disk) = store.disks.get_mut(&d) {
                    disk.auto_snapshot_policy_ids.retain(|x| x != id);
                }
            }
        }
    }
    Ok(Output::new())
}

// ------------------------------------------------------------------------------ Bind / Unbind

pub const BIND_AUTO_SNAPSHOT_POLICY: &[Field] = &[req("AutoSnapshotPolicyId", STR), req("DiskIds", STRS)];

pub fn bind_auto_snapshot_policy(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let id = p.str("AutoSnapshotPolicyId").unwrap_or_default().to_string();
    let disks = p.strs("DiskIds");
    if disks.len() > 80 {
        return Err(e::InvalidParameterValue_LimitExceeded(format!(
            "At most 80 disks can be bound per request; got {}.",
            disks.len()
        )));
    }
    let max_bound = ctx.cfg.tencent.limits.disks_per_policy;
    let store = ctx.store();
    let pol = store.policies.get(&id).ok_or_else(|| policy_not_found(&id))?;
    for (i, d) in disks.iter().enumerate() {
        if disks[..i].contains(d) {
            return Err(e::InvalidParameterValue(format!("`DiskIds` lists `{d}` more than once.")));
        }
        let disk = super::disks::find(store, d)?;
        if pol.disk_ids.contains(d) {
            return Err(e::TcError::new("InvalidDisk.AlreadyBound", format!("`{d}` is already bound to `{id}`.")));
        }
        if disk.disk_state == state::TORECYCLE || !disk.snapshot_ability {
            return Err(e::InvalidDisk_NotSupported(format!("`{d}` cannot take scheduled snapshots.")));
        }
    }
    if pol.disk_ids.len() + disks.len() > max_bound {
        return Err(e::TcError::new(
            "InvalidParameterValue.BindDiskLimitExceeded",
            format!("A policy can have at most {max_bound} disks bound."),
        ));
    }
    for d in &disks {
        let store = ctx.store();
        store.policies.get_mut(&id).expect("checked").disk_ids.push(d.clone());
        store.disks.get_mut(d).expect("checked").auto_snapshot_policy_ids.push(id.clone());
        ctx.log_disk(d, "ASP_OPERATION_BIND", true);
    }
    Ok(Output::new())
}

pub const UNBIND_AUTO_SNAPSHOT_POLICY: &[Field] =
    &[req("DiskIds", STRS), req("AutoSnapshotPolicyId", STR), opt("InstanceIds", STRS)];

pub fn unbind_auto_snapshot_policy(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let id = p.str("AutoSnapshotPolicyId").unwrap_or_default().to_string();
    let disks = p.strs("DiskIds");
    let store = ctx.store();
    if !store.policies.contains_key(&id) {
        return Err(policy_not_found(&id));
    }
    for d in &disks {
        if store.visible_disk(d).is_none() {
            return Err(e::InvalidDiskId_NotFound(format!("The disk `{d}` does not exist.")));
        }
    }
    // Disks not bound to this policy are skipped, as documented.
    for d in &disks {
        let bound = ctx.store().policies[&id].disk_ids.contains(d);
        if bound {
            let store = ctx.store();
            store.policies.get_mut(&id).expect("checked").disk_ids.retain(|x| x != d);
            store.disks.get_mut(d).expect("checked").auto_snapshot_policy_ids.retain(|x| *x != id);
            ctx.log_disk(d, "ASP_OPERATION_UNBIND", true);
        }
    }
    Ok(Output::new())
}

pub const DESCRIBE_DISK_ASSOCIATED_AUTO_SNAPSHOT_POLICY: &[Field] = &[req("DiskId", STR)];

pub fn describe_disk_associated_auto_snapshot_policy(ctx: &mut Ctx<'_>, p: &Params) -> TcResult<Output> {
    let disk_id = p.str("DiskId").unwrap_or_default();
    let empty = TcRegion::default();
    let store = ctx.world.tc_ref(ctx.account, ctx.region).unwrap_or(&empty);
    let disk = super::disks::find(store, disk_id)?;
    let set: Vec<_> = disk
        .auto_snapshot_policy_ids
        .iter()
        .filter_map(|id| store.policies.get(id))
        .map(|x| policy_out(store, x))
        .collect();
    Ok(Output::new().with("TotalCount", &set.len()).with("AutoSnapshotPolicySet", &set))
}

// ------------------------------------------------------------------------------------- Firing

/// "Scheduled snapshots are not created" for a disk that is not in use: an elastic disk that is
/// not attached, or a non-elastic disk whose server is powered off.
fn in_use(store: &TcRegion, d: &super::model::Disk) -> bool {
    if d.disk_state == state::TORECYCLE || d.attached_to.is_empty() {
        return false;
    }
    d.portable || d.attached_to.iter().filter_map(|i| store.instances.get(i)).any(|i| i.instance_state == "RUNNING")
}

/// A policy's trigger: one snapshot of every bound disk in use, named
/// `auto_<disk-id>_<YYYYMMDD>_<HH>` (UTC+8 trigger time), then the next trigger is planned.
pub fn fire(world: &mut World, cfg: &Config, account: &str, region: &str, policy_id: &str, generation: u64, at: i64) {
    let timing = world.timing.unobserved();
    let uin = cfg.tencent_uin(account);
    let store = world.tc(account, region);
    let Some(pol) = store.policies.get(policy_id).cloned() else { return };
    if pol.generation != generation || !pol.is_activated || pol.state != state::NORMAL {
        return;
    }
    let local = tencent_tz().timestamp_millis_opt(at).single().expect("valid time");
    let stamp = local.format("%Y%m%d_%H").to_string();
    let mut planned = Vec::new();
    for disk_id in &pol.disk_ids {
        let store = world.tc(account, region);
        let Some(d) = store.disks.get(disk_id).cloned() else { continue };
        if !in_use(store, &d) {
            continue;
        }
        let taken = store.snapshots.values().filter(|s| s.disk_id == *disk_id && !s.copy_from_remote).count() as i64;
        if taken >= cfg.tencent.limits.snapshots_per_disk {
            continue;
        }
        let id = loop {
            let n = world.next_seq();
            let candidate = format!("snap-{}", crate::ids::short_from(n ^ 0x5eed_5eed, 8));
            if !world.tencent.values().flat_map(|r| r.values()).any(|s| s.snapshots.contains_key(&candidate)) {
                break candidate;
            }
        };
        let seq = world.next_seq();
        let deadline = retention_deadline(&pol, at);
        let snap = Snapshot {
            auto_policy_id: Some(policy_id.to_string()),
            is_permanent: pol.is_permanent,
            ..Snapshot::of_disk(&d, id.clone(), format!("auto_{disk_id}_{stamp}"), deadline, at, seq)
        };
        let log = world.next_seq();
        let store = world.tc(account, region);
        store.snapshots.insert(id.clone(), snap);
        store.recount_snapshots(disk_id);
        super::snapshots::log_snapshot(store, log, &id, &uin, "ASP_OPERATION_CREATE_SNAP", at, false);
        planned.push((id, log, deadline));
    }
    for disk_id in &pol.disk_ids {
        prune(world, &uin, account, region, &pol, disk_id, at);
    }
    for (id, log, deadline) in planned {
        world.schedule(
            account,
            region,
            Gate::new(timing, at),
            Work::Tencent(TcWork::CreateSnapshot { snapshot_id: id.clone(), log }),
        );
        if let Some(dl) = deadline {
            world.schedule(
                account,
                region,
                Gate::at(at, dl),
                Work::Tencent(TcWork::ExpireSnapshot { snapshot_id: id }),
            );
        }
    }
    let store = world.tc(account, region);
    let Some(pol) = store.policies.get_mut(policy_id) else { return };
    pol.next_trigger_ms = next_trigger(&pol.schedules, pol.created_ms, at);
    if let Some(next) = pol.next_trigger_ms {
        let generation = pol.generation;
        world.schedule(
            account,
            region,
            Gate::at(at, next),
            Work::Tencent(TcWork::FirePolicy { policy_id: policy_id.to_string(), generation }),
        );
    }
}

/// When an automatic snapshot expires: never if permanent or kept by count/advanced rules,
/// else after RetentionMonths months or RetentionDays days.
fn retention_deadline(pol: &AutoSnapshotPolicy, at: i64) -> Option<i64> {
    if pol.is_permanent || pol.retention_amount > 0 || pol.advanced_retention.is_some() {
        None
    } else if pol.retention_months > 0 {
        Some(crate::clock::add_months_ms(at, pol.retention_months as u32))
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
fn prune(world: &mut World, uin: &str, account: &str, region: &str, pol: &AutoSnapshotPolicy, disk_id: &str, at: i64) {
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
        super::snapshots::remove_snapshot(world.tc(account, region), id);
        let log = world.next_seq();
        super::snapshots::log_snapshot(world.tc(account, region), log, id, uin, "ASP_OPERATION_DELETE_SNAP", at, true);
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
    use super::*;
    use crate::clock::parse_tc_timestamp;

    fn sched(week: Option<Vec<i64>>, month: Option<Vec<i64>>, interval: Option<i64>, hour: Vec<i64>) -> Schedule {
        Schedule { day_of_week: week, hour, day_of_month: month, interval_days: interval }
    }

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

    #[test]
    fn weekly_daily_monthly_and_interval_triggers() {
        // 2026-11-22 is a Sunday.
        let now = t("2026-11-22 10:30:00");
        let daily = sched(Some((0..7).collect()), None, None, vec![23]);
        assert_eq!(tc_timestamp(next_trigger(std::slice::from_ref(&daily), now, now).unwrap()), "2026-11-22 23:00:00");
        assert_eq!(tc_timestamp(next_trigger(&[daily], now, t("2026-11-22 23:00:00")).unwrap()), "2026-11-23 23:00:00");
        let thursday = sched(Some(vec![4]), None, None, vec![0]);
        assert_eq!(tc_timestamp(next_trigger(&[thursday], now, now).unwrap()), "2026-11-26 00:00:00");
        let the31st = sched(None, Some(vec![31]), None, vec![2]);
        assert_eq!(tc_timestamp(next_trigger(&[the31st], now, now).unwrap()), "2026-12-31 02:00:00");
        // Created after today's hour: the first run is one interval later.
        let every3 = sched(None, None, Some(3), vec![8]);
        assert_eq!(tc_timestamp(next_trigger(std::slice::from_ref(&every3), now, now).unwrap()), "2026-11-25 08:00:00");
        let every3_morning = sched(None, None, Some(3), vec![11, 9]);
        assert_eq!(tc_timestamp(next_trigger(&[every3_morning], now, now).unwrap()), "2026-11-22 11:00:00");
        let two = [sched(Some(vec![1]), None, None, vec![1]), sched(None, Some(vec![23]), None, vec![5])];
        assert_eq!(tc_timestamp(next_trigger(&two, now, now).unwrap()), "2026-11-23 01:00:00");
    }
}
