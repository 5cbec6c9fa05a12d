//! Policies (API 4.6): backup and replication policies with RRULE triggers. Firing and
//! retention live in jobs.rs; the trigger grammar in rrule.rs.

use crate::huawei::body::{check_name, Obj};
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::{replication, schedule};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{OperationDefinition, Policy};
use crate::huawei::{render, rrule};

/// "Unset" per the doc's own examples, which send `*_backups: 0` and `max_backups: -1` beside
/// `retention_duration_days`: only values that would prune count as set when checking that
/// the retention styles are mutually exclusive.
fn active(v: Option<i64>, unset: i64) -> bool {
    v.is_some_and(|x| x != unset)
}

pub fn parse_definition(ctx: &Ctx<'_>, o: &Obj<'_>, operation_type: &str) -> HwResult<OperationDefinition> {
    o.only(&[
        "max_backups",
        "retention_duration_days",
        "day_backups",
        "week_backups",
        "month_backups",
        "year_backups",
        "timezone",
        "full_backup_interval",
        "destination_region",
        "destination_project_id",
        "enable_acceleration",
        "cross_account_urn",
        "advanced_retention_rules",
    ])?;
    let max_backups = o.int("max_backups", -1, 99_999)?;
    if max_backups == Some(0) {
        return Err(invalid("operation_definition.max_backups: -1 or 1 to 99999"));
    }
    let retention = o.int("retention_duration_days", -1, 99_999)?;
    if retention == Some(0) {
        return Err(invalid("operation_definition.retention_duration_days: -1 or 1 to 99999"));
    }
    let day = o.int("day_backups", 0, 100)?;
    let week = o.int("week_backups", 0, 100)?;
    let month = o.int("month_backups", 0, 100)?;
    let year = o.int("year_backups", 0, 100)?;
    let timezone = o.str("timezone")?;
    let buckets = [day, week, month, year].iter().any(|b| active(*b, 0));
    if active(retention, -1) && (active(max_backups, -1) || buckets) {
        return Err(invalid(
            "operation_definition: retention_duration_days cannot be combined with max_backups or day/week/month/year_backups",
        ));
    }
    if buckets {
        let tz = timezone
            .ok_or_else(|| invalid("operation_definition.timezone: required with day/week/month/year_backups"))?;
        crate::retention::parse_utc_offset(tz).map_err(|m| invalid(format!("operation_definition.timezone: {m}")))?;
    } else if let Some(tz) = timezone {
        crate::retention::parse_utc_offset(tz).map_err(|m| invalid(format!("operation_definition.timezone: {m}")))?;
    }
    let full_backup_interval = o.int("full_backup_interval", -1, 100)?;
    let destination_region = o.str("destination_region")?;
    let destination_project_id = o.str("destination_project_id")?;
    let enable_acceleration = o.bool("enable_acceleration")?;
    o.str("cross_account_urn")?;
    o.obj("advanced_retention_rules")?;
    if operation_type == "replication" {
        let region = destination_region.ok_or_else(|| o.missing("destination_region"))?;
        let project = destination_project_id.ok_or_else(|| o.missing("destination_project_id"))?;
        replication::check_destination(ctx, region, project)?;
    } else if let Some(r) = destination_region {
        replication::check_region_name(r)?;
    }
    Ok(OperationDefinition {
        max_backups,
        retention_duration_days: retention,
        day_backups: day,
        week_backups: week,
        month_backups: month,
        year_backups: year,
        timezone: timezone.map(str::to_string),
        full_backup_interval,
        destination_region: destination_region.map(str::to_string),
        destination_project_id: destination_project_id.map(str::to_string),
        enable_acceleration,
    })
}

pub fn parse_trigger(o: &Obj<'_>) -> HwResult<Vec<String>> {
    o.only(&["properties"])?;
    let props = o.req_obj("properties")?;
    props.only(&["pattern", "start_window_minutes"])?;
    props.int("start_window_minutes", 0, 1440)?;
    let pattern = props.strs("pattern", 1, 24)?.ok_or_else(|| props.missing("pattern"))?;
    let pattern: Vec<String> = pattern.into_iter().map(str::to_string).collect();
    rrule::parse_all(&pattern).map_err(|m| invalid(format!("trigger.properties.pattern: {m}")))?;
    Ok(pattern)
}

pub fn create_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["policy"])?;
    let p = root.req_obj("policy")?;
    p.only(&["enabled", "name", "operation_definition", "operation_type", "trigger"])?;
    let enabled = p.bool("enabled")?.unwrap_or(true);
    let name = p.req_str("name")?;
    check_name("policy.name", name, false)?;
    // The table marks operation_type required, but the doc's own scenario 5.2 omits it and gets
    // a backup policy back: accept the omission as "backup".
    let operation_type = match p.str("operation_type")? {
        None | Some("backup") => "backup",
        Some("replication") => "replication",
        Some(other) => return Err(e::Bs6117(format!("Unknown policy operation_type `{other}`."))),
    };
    let od = p.req_obj("operation_definition")?;
    let definition = parse_definition(ctx, &od, operation_type)?;
    let patterns = parse_trigger(&p.req_obj("trigger")?)?;
    let limit = ctx.cfg.huawei.limits.policies_per_type;
    let count =
        ctx.proj_ref().map_or(0, |pr| pr.policies.values().filter(|x| x.operation_type == operation_type).count());
    if count >= limit {
        return Err(e::Bs6001(format!("A project holds at most {limit} {operation_type} policies.")));
    }
    let id = ctx.ids.uuid();
    let policy = Policy {
        id: id.clone(),
        seq: ctx.world.next_seq(),
        name: name.into(),
        enabled,
        operation_type: operation_type.into(),
        definition,
        patterns,
        trigger_id: ctx.ids.uuid(),
        start_ms: ctx.now,
        runs: 0,
        organization_policy_id: None,
    };
    ctx.proj().policies.insert(id.clone(), policy);
    schedule::schedule_policy(ctx, &id);
    let pr = ctx.proj_ref().expect("just inserted");
    Reply::ok(render::one("policy", render::policy(pr, &pr.policies[&id])))
}

fn get<'p>(ctx: &'p Ctx<'_>, id: &str) -> HwResult<&'p Policy> {
    ctx.proj_ref().and_then(|p| p.policies.get(id)).ok_or_else(|| e::Bs6000(format!("Policy {id} does not exist.")))
}

pub fn show_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let pol = get(ctx, req.param("policy_id"))?;
    Reply::ok(render::one("policy", render::policy(ctx.proj_ref().expect("policy found"), pol)))
}

pub fn list_policies(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let kind = req.query.enum_str("operation_type", &["backup", "replication"])?;
    let vault = req.query.get("vault_id");
    let Some(p) = ctx.proj_ref() else { return Reply::ok(render::policy_list(vec![])) };
    let mut list: Vec<&Policy> = p
        .policies
        .values()
        .filter(|x| kind.is_none_or(|k| x.operation_type == k))
        .filter(|x| vault.is_none_or(|v| p.vaults.get(v).is_some_and(|v| v.policies.iter().any(|(id, _)| *id == x.id))))
        .collect();
    list.sort_by_key(|x| std::cmp::Reverse(x.seq));
    let items: Vec<_> = list.iter().map(|x| render::policy(p, x)).collect();
    Reply::ok(render::policy_list(items))
}

pub fn update_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["policy"])?;
    let p = root.req_obj("policy")?;
    p.only(&["enabled", "name", "operation_definition", "trigger"])?;
    let id = req.param("policy_id").to_string();
    let current = get(ctx, &id)?.clone();
    not_deployed(&current)?;
    let enabled = p.bool("enabled")?;
    let name = p.str("name")?;
    if let Some(n) = name {
        check_name("policy.name", n, false)?;
    }
    // The doc's example shows the definition replaced as a whole.
    let definition = match p.obj("operation_definition")? {
        Some(od) => Some(parse_definition(ctx, &od, &current.operation_type)?),
        None => None,
    };
    if let Some(d) = &definition {
        let bound =
            ctx.proj_ref().is_some_and(|pr| pr.vaults.values().any(|v| v.policies.iter().any(|(x, _)| *x == id)));
        if current.operation_type == "replication"
            && bound
            && d.destination_region != current.definition.destination_region
        {
            return Err(e::Bs6003("The policy is bound to a replication vault; its destination region cannot change."));
        }
    }
    let patterns = match p.obj("trigger")? {
        Some(t) => Some(parse_trigger(&t)?),
        None => None,
    };
    let pol = ctx.proj().policies.get_mut(&id).expect("policy found");
    if let Some(x) = enabled {
        pol.enabled = x;
    }
    if let Some(x) = name {
        pol.name = x.into();
    }
    if let Some(x) = definition {
        pol.definition = x;
    }
    if let Some(x) = patterns {
        pol.patterns = x;
    }
    schedule::schedule_policy(ctx, &id);
    let pr = ctx.proj_ref().expect("policy found");
    Reply::ok(render::one("policy", render::policy(pr, &pr.policies[&id])))
}

/// A policy an organization policy deployed belongs to that policy's creator (7619).
fn not_deployed(pol: &Policy) -> HwResult<()> {
    match &pol.organization_policy_id {
        Some(org) => Err(e::Bs7619(format!(
            "Policy {} was deployed by organization policy {org}; only its creator may change it.",
            pol.id
        ))),
        None => Ok(()),
    }
}

pub fn delete_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("policy_id").to_string();
    not_deployed(get(ctx, &id)?)?;
    let project = ctx.project.to_string();
    schedule::remove_policy(ctx.world, &project, &id);
    Reply::status(204)
}
