//! Scheduled snapshot policies (`asp-…`): schedules in UTC+8, binding disks, and firing on the
//! virtual clock — each trigger snapshots every bound disk that is in use, and the snapshots'
//! deadlines (creation + RetentionDays) delete them again.
//!
//! This file holds the wire handlers; `schedule` (when a policy triggers), `retention` (how long
//! its snapshots live) and `firing` (what a trigger does) are the rules they rely on.

mod firing;
mod retention;
mod schedule;

pub use firing::fire;
pub use retention::{kept, set_retention};
pub use schedule::next_trigger;

use super::ctx::{Ctx, Output};
use super::disk_rules::{check_name, find};
use super::error::{self as e, TcResult};
use super::model::{state, AutoSnapshotPolicy, Schedule, TcRegion, TcWork};
use super::params::{opt, req, Field, Params, Ty, BOOL, FILTERS, INT, INTS, STR, STRS};
use super::query;
use super::render;
use crate::tencent::time::tc_timestamp;

pub const POLICY: &[Field] =
    &[req("Hour", INTS), opt("DayOfWeek", INTS), opt("DayOfMonth", INTS), opt("IntervalDays", INT)];

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
    let set: Vec<_> = hits.into_iter().map(|x| render::policy(store, x)).collect();
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
                if let Some(mut disk) = store.disks.get_mut(d.as_str()) {
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
        let disk = find(store, d)?;
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
        store.disks.get_mut(d.as_str()).expect("checked").auto_snapshot_policy_ids.push(id.clone());
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
            store.disks.get_mut(d.as_str()).expect("checked").auto_snapshot_policy_ids.retain(|x| *x != id);
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
    let disk = find(store, disk_id)?;
    let set: Vec<_> = disk
        .auto_snapshot_policy_ids
        .iter()
        .filter_map(|id| store.policies.get(id))
        .map(|x| render::policy(store, x))
        .collect();
    Ok(Output::new().with("TotalCount", &set.len()).with("AutoSnapshotPolicySet", &set))
}

// ------------------------------------------------------------------------------------- Firing
