//! Organization policies (API 4.11): backup and replication policies the organization's
//! management account (or a delegated administrator, `huawei.organization`) creates once and
//! deploys into the projects of member accounts. A deployment is an ordinary policy in the
//! member's project (`policy_type: organization_policy_v2`) that the member binds to its vaults
//! but cannot change (7619). An organization policy is stored with the project that created it
//! and seen by every administrator in that region; only its creator changes it (7428).
//!
//! Where the doc is thin: create, update and delete are asynchronous (a job on the clock):
//! the policy reads `syncing` after create (the examples; the status table lacks the word),
//! `updating` and `deleting` (the table) until its deployments catch up, then `available` (or
//! gone). Update and delete need `available` (7417). `effective_scope` is a comma-separated list
//! of the organization, its root, organizational units or member account (domain) ids, the whole
//! organization when left out; it cannot change (7446), and the `""` the update example sends
//! means "unchanged", as its response shows. Each account in scope gets the policy in its project
//! of this region; a replication policy points at the account's own project in the destination
//! region. Names follow the policy name rule. ListOrganizationPolicies requires `operation_type`.

use serde_json::Value;

use super::policies;
use crate::config::Config;
use crate::huawei::body::{check_description, check_name, Obj};
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{HwWork, OrgDeployment, OrgPolicy};
use crate::huawei::{render, settings};

/// The caller's account (domain id, domain name), when it may manage organization policies.
fn admin(ctx: &Ctx<'_>) -> HwResult<(String, String)> {
    let ident = settings::project_owner(ctx.cfg, ctx.project).map(|(_, i, _)| i);
    match ident {
        Some(i) if ctx.cfg.huawei.organization.is_admin(&i.domain_id) => {
            Ok((i.domain_id.clone(), i.domain_name.clone()))
        }
        _ => Err(e::Bs7416(
            "Only the organization's management account or a delegated administrator may manage organization policies.",
        )),
    }
}

/// Every organization policy of this region: (the project holding it, the policy).
fn all<'w>(ctx: &'w Ctx<'_>) -> impl Iterator<Item = (&'w str, &'w OrgPolicy)> {
    let (cfg, region) = (ctx.cfg, ctx.region);
    ctx.world
        .huawei
        .iter()
        .filter(move |(pid, _)| settings::project_owner(cfg, pid).is_some_and(|(_, _, r)| r == region))
        .flat_map(|(pid, p)| p.org_policies.values().map(move |op| (pid.as_str(), op)))
}

fn find<'w>(ctx: &'w Ctx<'_>, id: &str) -> HwResult<(&'w str, &'w OrgPolicy)> {
    all(ctx).find(|(_, op)| op.id == id).ok_or_else(|| e::Bs7414(format!("Organization policy {id} does not exist.")))
}

/// The member accounts (domain ids) an `effective_scope` names, in the organization's order.
fn scope_domains(cfg: &Config, scope: &str) -> HwResult<Vec<String>> {
    let org = &cfg.huawei.organization;
    let mut wanted: Vec<&str> = Vec::new();
    for item in scope.split(',').map(str::trim) {
        if item == org.id || item == org.root_id {
            wanted.extend(org.members.iter().map(String::as_str));
        } else if let Some(ou) = org.units.iter().find(|u| u.id == item) {
            wanted.extend(ou.domain_ids.iter().map(String::as_str));
        } else if org.members.iter().any(|m| m == item) {
            wanted.push(item);
        } else {
            return Err(invalid(format!(
                "policy.effective_scope: `{item}` is not the organization, its root, one of its units or accounts"
            )));
        }
    }
    Ok(org.members.iter().filter(|m| wanted.contains(&m.as_str())).cloned().collect())
}

pub fn create_organization_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let (domain_id, domain_name) = admin(ctx)?;
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["policy"])?;
    let p = root.req_obj("policy")?;
    p.only(&[
        "name",
        "description",
        "operation_type",
        "policy_name",
        "policy_enabled",
        "policy_operation_definition",
        "policy_trigger",
        "effective_scope",
    ])?;
    let name = p.req_str("name")?;
    check_name("policy.name", name, false)?;
    let description = p.str("description")?;
    if let Some(d) = description {
        check_description("policy.description", d)?;
    }
    let operation_type = match p.req_str("operation_type")? {
        t @ ("backup" | "replication") => t,
        other => return Err(e::Bs6117(format!("Unknown policy operation_type `{other}`."))),
    };
    let policy_name = p.req_str("policy_name")?;
    check_name("policy.policy_name", policy_name, false)?;
    let enabled = p.bool("policy_enabled")?.ok_or_else(|| p.missing("policy_enabled"))?;
    let definition = policies::parse_definition(ctx, &p.req_obj("policy_operation_definition")?, operation_type)?;
    let patterns = policies::parse_trigger(&p.req_obj("policy_trigger")?)?;
    let org = &ctx.cfg.huawei.organization;
    let scope = p.str("effective_scope")?.filter(|s| !s.is_empty()).unwrap_or(&org.id);
    let domains = scope_domains(ctx.cfg, scope)?;
    let limit = ctx.cfg.huawei.limits.policies_per_type;
    if all(ctx).filter(|(_, op)| op.operation_type == operation_type).count() >= limit {
        return Err(e::Bs6001(format!("The organization holds at most {limit} {operation_type} policies per region.")));
    }
    let mut deployments = Vec::new();
    for d in &domains {
        let ident = ctx.cfg.accounts.iter().filter_map(|a| a.huawei.as_ref()).find(|i| i.domain_id == *d);
        // An account without a project in this region has nothing to deploy into.
        let Some(project) = ident.and_then(|i| i.projects.iter().find(|p| p.region == ctx.region)) else { continue };
        deployments.push(OrgDeployment {
            policy_id: ctx.ids.uuid(),
            domain_id: d.clone(),
            project_id: project.id.clone(),
            status: "syncing".into(),
            error_msg: None,
        });
    }
    let op = OrgPolicy {
        id: ctx.ids.uuid(),
        seq: ctx.world.next_seq(),
        name: name.into(),
        description: description.map(str::to_string),
        operation_type: operation_type.into(),
        domain_id,
        domain_name,
        policy_name: policy_name.into(),
        policy_enabled: enabled,
        definition,
        patterns,
        effective_scope: scope.into(),
        status: "syncing".into(),
        deployments,
    };
    let out = render::org_policy(&op);
    let (project, id) = (ctx.project.to_string(), op.id.clone());
    ctx.proj().org_policies.insert(id.clone(), op);
    ctx.schedule(&project, HwWork::OrgPolicySync { project: project.clone(), policy: id });
    Reply::ok(render::one("policy", out))
}

pub fn list_organization_policies(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    admin(ctx)?;
    let q = &req.query;
    let kind = q
        .enum_str("operation_type", &["backup", "replication"])?
        .ok_or_else(|| invalid("operation_type: required (backup or replication)"))?;
    let (limit, offset) = q.page(1000)?;
    let mut list: Vec<&OrgPolicy> = all(ctx).map(|(_, op)| op).filter(|op| op.operation_type == kind).collect();
    list.sort_by_key(|op| std::cmp::Reverse(op.seq));
    Reply::ok(render::page("policies", list.into_iter().map(render::org_policy).collect(), limit, offset))
}

pub fn show_organization_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    admin(ctx)?;
    let (_, op) = find(ctx, req.param("organization_policy_id"))?;
    Reply::ok(render::one("policy", render::org_policy(op)))
}

pub fn list_organization_policy_detail(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    admin(ctx)?;
    let (_, op) = find(ctx, req.param("organization_policy_id"))?;
    let items: Vec<Value> = op.deployments.iter().map(render::org_deployment).collect();
    // The doc lists no paging parameters; the answer carries the example's defaults.
    Reply::ok(render::page("policies", items, 1000, 0))
}

/// The creator's own organization policy in `available`, for a change: (its project, a copy).
fn changeable(ctx: &Ctx<'_>, id: &str, caller: &str) -> HwResult<(String, OrgPolicy)> {
    let (project, op) = find(ctx, id)?;
    if op.domain_id != caller {
        return Err(e::Bs7428(format!(
            "Organization policy {id} was created by another account; only it may change it."
        )));
    }
    Ok((project.to_string(), op.clone()))
}

fn check_available(op: &OrgPolicy) -> HwResult<()> {
    if op.status != "available" {
        return Err(e::Bs7417(format!("Organization policy {} is {}; wait until it is available.", op.id, op.status)));
    }
    Ok(())
}

/// Put the changed policy back and let its deployments follow on the clock.
fn resync(ctx: &mut Ctx<'_>, project: &str, mut op: OrgPolicy, status: &str) {
    op.status = status.into();
    for d in &mut op.deployments {
        d.status = status.into();
    }
    let id = op.id.clone();
    ctx.world.huawei.entry(project.to_string()).or_default().org_policies.insert(id.clone(), op);
    ctx.schedule(project, HwWork::OrgPolicySync { project: project.into(), policy: id });
}

pub fn update_organization_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let (caller, _) = admin(ctx)?;
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["policy"])?;
    let p = root.req_obj("policy")?;
    p.only(&[
        "name",
        "description",
        "policy_name",
        "policy_enabled",
        "policy_operation_definition",
        "policy_trigger",
        "effective_scope",
    ])?;
    let (project, mut op) = changeable(ctx, req.param("organization_policy_id"), &caller)?;
    let name = p.str("name")?;
    if let Some(n) = name {
        check_name("policy.name", n, false)?;
    }
    let description = p.str("description")?;
    if let Some(d) = description {
        check_description("policy.description", d)?;
    }
    let policy_name = p.str("policy_name")?;
    if let Some(n) = policy_name {
        check_name("policy.policy_name", n, false)?;
    }
    let enabled = p.bool("policy_enabled")?;
    // As UpdatePolicy: a given definition replaces the old one as a whole.
    let definition = match p.obj("policy_operation_definition")? {
        Some(od) => Some(policies::parse_definition(ctx, &od, &op.operation_type)?),
        None => None,
    };
    let patterns = match p.obj("policy_trigger")? {
        Some(t) => Some(policies::parse_trigger(&t)?),
        None => None,
    };
    if let Some(s) = p.str("effective_scope")?.filter(|s| !s.is_empty() && *s != op.effective_scope) {
        scope_domains(ctx.cfg, s)?;
        return Err(e::Bs7446(format!("The effective scope of organization policy {} cannot change.", op.id)));
    }
    check_available(&op)?;
    if let Some(x) = name {
        op.name = x.into();
    }
    if let Some(x) = description {
        op.description = Some(x.into());
    }
    if let Some(x) = policy_name {
        op.policy_name = x.into();
    }
    if let Some(x) = enabled {
        op.policy_enabled = x;
    }
    if let Some(x) = definition {
        op.definition = x;
    }
    if let Some(x) = patterns {
        op.patterns = x;
    }
    let out = render::org_policy_as(&op, "updating");
    resync(ctx, &project, op, "updating");
    Reply::ok(render::one("policy", out))
}

pub fn delete_organization_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let (caller, _) = admin(ctx)?;
    let (project, op) = changeable(ctx, req.param("organization_policy_id"), &caller)?;
    check_available(&op)?;
    resync(ctx, &project, op, "deleting");
    Reply::status(204)
}
