//! Vaults (API 4.4): create, show, list, update, delete, resources, policy binding, migration.

use serde_json::{json, Value};

use crate::huawei::body::{check_description, check_name, is_han, Obj};
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::{backup, billing, capacity, task, vault};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{Billing, HwProject, HwWork, Period, Tag, Vault, VaultResource, TYPE_SERVER, TYPE_VOLUME};
use crate::huawei::shapes;
use crate::huawei::{pages, render};

pub const OBJECT_TYPES: &[&str] = &["server", "disk", "turbo", "workspace", "vmware", "rds", "file"];
pub const RESOURCE_TYPES: &[&str] =
    &[TYPE_SERVER, TYPE_VOLUME, "OS::Ironic::BareMetalServer", "OS::Sfs::Turbo", "OS::Workspace::DesktopV2"];

/// One tag: key ≤36 and value ≤43 characters of Chinese, letters, digits, `-`, `_` (value also
/// `.`), both trimmed. The value may be empty; the tag APIs require it to be given
/// (`value_required`), CreateVault's own example leaves it out.
pub fn parse_tag(t: &Obj<'_>, value_required: bool) -> HwResult<Tag> {
    t.only(&["key", "value"])?;
    let k = t.req_str("key")?.trim();
    let v = if value_required { t.req_str("value")? } else { t.str("value")?.unwrap_or("") }.trim();
    let key_ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || is_han(c);
    if k.is_empty() || k.chars().count() > 36 || !k.chars().all(key_ok) {
        return Err(invalid(format!("{}.key: 1 to 36 characters of Chinese, letters, digits, - and _", t.path)));
    }
    if v.chars().count() > 43 || !v.chars().all(|c| key_ok(c) || c == '.') {
        return Err(invalid(format!("{}.value: up to 43 characters of Chinese, letters, digits, -, _ and .", t.path)));
    }
    Ok(Tag { key: k.into(), value: v.into() })
}

/// Tag rules: each tag as `parse_tag`, at most `max` tags, no duplicate keys, never an empty list.
pub fn parse_tags(o: &Obj<'_>, key: &str, max: usize) -> HwResult<Option<Vec<Tag>>> {
    let Some(items) = o.objs(key, 1, usize::MAX)? else { return Ok(None) };
    if items.len() > max {
        return Err(e::Bs6600(format!("At most {max} tags are allowed.")));
    }
    let mut out: Vec<Tag> = Vec::new();
    for t in &items {
        let Tag { key: k, value: v } = parse_tag(t, false)?;
        if out.iter().any(|x| x.key == k) {
            return Err(invalid(format!("{key}: the key `{k}` appears twice")));
        }
        out.push(Tag { key: k, value: v });
    }
    Ok(Some(out))
}

fn parse_bind_rules(o: &Obj<'_>) -> HwResult<Option<Vec<Tag>>> {
    let Some(rules) = o.obj("bind_rules")? else { return Ok(None) };
    rules.only(&["tags"])?;
    match rules.arr("tags")? {
        Some(a) if a.is_empty() => return Ok(Some(vec![])),
        Some(a) if a.len() > 5 => return Err(invalid("vault.bind_rules.tags: at most 5 tags")),
        _ => {}
    }
    Ok(Some(parse_tags(&rules, "tags", 5)?.unwrap_or_default()))
}

pub fn parse_resources(o: &Obj<'_>, key: &str, min: usize, max: usize) -> HwResult<Vec<vault::NewResource>> {
    let items = o.objs(key, min, max)?.ok_or_else(|| o.missing(key))?;
    let mut out: Vec<vault::NewResource> = Vec::new();
    for r in &items {
        r.only(&["id", "type", "name", "extra_info"])?;
        let id = r.req_str("id")?;
        let kind = r.enum_str("type", RESOURCE_TYPES)?.ok_or_else(|| r.missing("type"))?;
        let name = r.str("name")?;
        if name.is_some_and(|n| n.chars().count() > 255) {
            return Err(invalid(format!("{}.name: at most 255 characters", r.path)));
        }
        let mut exclude = Vec::new();
        if let Some(x) = r.obj("extra_info")? {
            x.only(&["exclude_volumes", "include_volumes"])?;
            exclude = x.strs("exclude_volumes", 0, 64)?.unwrap_or_default().into_iter().map(str::to_string).collect();
        }
        if out.iter().any(|x| x.id == id) {
            return Err(e::Bs6104(format!("Resource {id} is listed twice.")));
        }
        out.push(vault::NewResource { id: id.into(), kind: kind.into(), name: name.map(str::to_string), exclude });
    }
    Ok(out)
}

struct VaultInput {
    vault: Vault,
    resources: Vec<vault::NewResource>,
    policy: Option<String>,
    prepaid: bool,
}

const VAULT_CREATE_FIELDS: &[&str] = &[
    "backup_policy_id",
    "billing",
    "description",
    "name",
    "resources",
    "tags",
    "enterprise_project_id",
    "auto_bind",
    "bind_rules",
    "auto_expand",
    "threshold",
    "smn_notify",
    "backup_name_prefix",
    "demand_billing",
    "sys_lock_source_service",
    "locked",
    "availability_zone",
];

const VAULT_ORDER_FIELDS: &[&str] = &[
    "name",
    "billing",
    "resources",
    "description",
    "backup_policy_id",
    "tags",
    "enterprise_project_id",
    "auto_bind",
    "bind_rules",
    "threshold",
    "smn_notify",
    "parameters",
    "auto_expand",
    "locked",
    "cross_account",
    "data_encryption",
];

/// A vault's `billing`: its kind (cloud, consistency, object and protect type), size and how it
/// is paid (an order answers only `pre_paid`).
fn billing_input(b: &Obj<'_>, order: bool) -> HwResult<Billing> {
    b.only(&[
        "cloud_type",
        "consistent_level",
        "object_type",
        "protect_type",
        "size",
        "charging_mode",
        "period_type",
        "period_num",
        "is_auto_renew",
        "is_auto_pay",
        "console_url",
        "is_multi_az",
        "extra_info",
    ])?;
    let cloud_type = b.enum_str("cloud_type", &["public", "hybrid"])?.unwrap_or("public");
    let consistent_level = b
        .enum_str("consistent_level", &["app_consistent", "crash_consistent"])?
        .ok_or_else(|| b.missing("consistent_level"))?;
    let object_type = b.enum_str("object_type", OBJECT_TYPES)?.ok_or_else(|| b.missing("object_type"))?;
    let protect_type = match b.str("protect_type")? {
        None => return Err(b.missing("protect_type")),
        Some(t @ ("backup" | "replication")) => t,
        Some(other) => return Err(e::Bs6116(format!("Unsupported protect_type `{other}`."))),
    };
    let size = match b.int("size", i64::MIN, i64::MAX)? {
        None => return Err(b.missing("size")),
        Some(s) if !(10..=10_485_760).contains(&s) => {
            return Err(e::Bs6101(format!("Invalid vault capacity {s} GB: it must be 10 to 10485760 GB.")))
        }
        Some(s) => s,
    };
    let charging_mode = if order {
        b.enum_str("charging_mode", &["pre_paid"])?.unwrap_or("pre_paid")
    } else {
        b.enum_str("charging_mode", &["post_paid", "pre_paid"])?.unwrap_or("post_paid")
    };
    let prepaid = charging_mode == "pre_paid";
    let period_type = b.enum_str("period_type", &["month", "year"])?;
    let period_num = b.int("period_num", 1, 9)?;
    if prepaid && (period_type.is_none() || period_num.is_none()) {
        return Err(invalid("billing: period_type and period_num are required when charging_mode is pre_paid"));
    }
    let is_auto_renew = b.bool("is_auto_renew")?.unwrap_or(false);
    let is_auto_pay = b.bool("is_auto_pay")?.unwrap_or(false);
    b.str("console_url")?;
    let is_multi_az = b.bool("is_multi_az")?.unwrap_or(false);
    Ok(Billing {
        cloud_type: cloud_type.into(),
        consistent_level: consistent_level.into(),
        object_type: object_type.into(),
        protect_type: protect_type.into(),
        size,
        charging_mode: charging_mode.into(),
        status: "available".into(),
        is_multi_az,
        period: match (prepaid, period_type, period_num) {
            (true, Some(t), Some(n)) => {
                Some(Period { period_type: t.into(), period_num: n, is_auto_renew, is_auto_pay })
            }
            _ => None,
        },
        orders: vec![],
        product_id: None,
    })
}

/// The fields only CreatePostPaidVault's order form carries: checked, then not kept.
fn order_fields(v: &Obj<'_>) -> HwResult<()> {
    v.bool("cross_account")?;
    if let Some(params) = v.obj("parameters")? {
        params.only(&["combined_order"])?;
        if let Some(c) = params.obj("combined_order")? {
            c.only(&["combined_order_id", "combined_order_ecs_num", "combined_order_num"])?;
            c.str("combined_order_id")?;
            // CombinedOrder (table 4-216): both counts are 1 to 1000.
            c.int("combined_order_ecs_num", 1, 1000)?;
            c.int("combined_order_num", 1, 1000)?;
        }
    }
    v.obj("data_encryption")?;
    Ok(())
}

/// The shared part of CreateVault and CreatePostPaidVault (an order always bills pre_paid).
fn vault_input(ctx: &mut Ctx<'_>, v: &Obj<'_>, order: bool) -> HwResult<VaultInput> {
    v.only(if order { VAULT_ORDER_FIELDS } else { VAULT_CREATE_FIELDS })?;
    let name = if order { v.str("name")?.unwrap_or("") } else { v.req_str("name")? };
    if !name.is_empty() || !order {
        check_name("vault.name", name, false)?;
    }
    let description = v.str("description")?;
    if let Some(d) = description {
        check_description("vault.description", d)?;
    }
    let billing = billing_input(&v.req_obj("billing")?, order)?;
    let prepaid = billing.charging_mode == "pre_paid";

    let resources = parse_resources(v, "resources", 0, 255)?;
    let tags = parse_tags(v, "tags", ctx.cfg.huawei.limits.tags_per_vault)?.unwrap_or_default();
    let enterprise_project_id = v.str("enterprise_project_id")?.unwrap_or("0").to_string();
    let auto_bind = v.bool("auto_bind")?.unwrap_or(false);
    let bind_rules = parse_bind_rules(v)?.unwrap_or_default();
    let auto_expand = v.bool("auto_expand")?.unwrap_or(false);
    if auto_expand && prepaid {
        return Err(e::Bs6143("A yearly/monthly vault does not support auto expansion."));
    }
    let threshold = v.int("threshold", 1, 100)?.unwrap_or(80);
    let smn_notify = v.bool("smn_notify")?.unwrap_or(true);
    let backup_name_prefix = v.str("backup_name_prefix")?;
    if backup_name_prefix.is_some_and(|p| p.chars().count() > 32) {
        return Err(invalid("vault.backup_name_prefix: at most 32 characters"));
    }
    let demand_billing = v.bool("demand_billing")?.unwrap_or(false);
    if demand_billing && !prepaid {
        return Err(e::Bs7411("An on-demand vault does not support over-capacity backup (demand_billing)."));
    }
    let sys_lock = v.enum_str("sys_lock_source_service", &["SMB", ""])?.unwrap_or("");
    let locked = v.bool("locked")?.unwrap_or(false);
    let az = v.str("availability_zone")?;
    if az.is_some_and(|z| z.chars().count() > 32) {
        return Err(invalid("vault.availability_zone: at most 32 characters"));
    }
    if order {
        order_fields(v)?;
    }
    let policy = v.str("backup_policy_id")?.map(str::to_string);

    let id = ctx.ids.uuid();
    let seq = ctx.world.next_seq();
    let vault = Vault {
        id,
        seq,
        name: if name.is_empty() { format!("vault-{}", &ctx.ids.uuid()[..4]) } else { name.to_string() },
        description: description.map(str::to_string),
        user_id: ctx.user_id.to_string(),
        created_ms: ctx.now,
        updated_ms: ctx.now,
        provider_id: vault::provider_for(&billing.object_type, &billing.cloud_type).into(),
        resources: vec![],
        tags,
        enterprise_project_id,
        auto_bind,
        bind_rules,
        auto_expand,
        smn_notify,
        threshold,
        sys_lock_source_service: sys_lock.into(),
        locked,
        availability_zone: az.map(str::to_string),
        backup_name_prefix: backup_name_prefix.map(str::to_string),
        demand_billing,
        billing,
        policies: vec![],
    };
    Ok(VaultInput { vault, resources, policy, prepaid })
}

/// Add a vault built from a request: limits, resources, the policy it names.
fn insert_vault(ctx: &mut Ctx<'_>, input: VaultInput) -> HwResult<String> {
    let VaultInput { mut vault, resources, policy, .. } = input;
    let limits = ctx.cfg.huawei.limits.clone();
    let p = ctx.proj();
    if p.vaults.len() >= limits.vaults_per_project {
        return Err(e::Bs6133(format!("A project holds at most {} vaults.", limits.vaults_per_project)));
    }
    vault.resources = vault::bindable(p, &vault, &resources, limits.resources_per_vault)?;
    let id = vault.id.clone();
    p.vaults.insert(id.clone(), vault);
    if let Some(pid) = policy {
        associate(ctx, &id, &pid, None)?;
    }
    Ok(id)
}

pub fn create_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["vault"])?;
    let v = root.req_obj("vault")?;
    let input = vault_input(ctx, &v, false)?;
    let prepaid = input.prepaid;
    let id = insert_vault(ctx, input)?;
    if prepaid {
        let order = billing::place_order(ctx, &id)?;
        return Reply::ok(render::order_reply(&id, order));
    }
    let p = ctx.proj_ref().expect("just inserted");
    let v = &p.vaults[&id];
    // VaultCreateResource: the create answer alone carries these four.
    Reply::ok(render::one("vault", render::created_vault(p, ctx.project, v)))
}

pub fn create_post_paid_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["vault"])?;
    let v = root.req_obj("vault")?;
    let input = vault_input(ctx, &v, true)?;
    let id = insert_vault(ctx, input)?;
    let order = billing::place_order(ctx, &id)?;
    Reply::ok(render::order_reply(&id, order))
}

pub fn show_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let p = ctx.proj_ref();
    let v = vault::get(p, req.param("vault_id"))?;
    Reply::ok(render::one("vault", render::vault(p.expect("vault found"), ctx.project, v)))
}

/// Filters shared by ListVault and ListExternalVault.
fn filter_vaults<'p>(p: Option<&'p HwProject>, req: &Req<'_>, external: bool) -> HwResult<Vec<&'p Vault>> {
    let q = &req.query;
    let cloud_type = q.enum_str("cloud_type", &["public", "hybrid"])?;
    let object_type = q.enum_str("object_type", OBJECT_TYPES)?;
    let protect_type = q.enum_str("protect_type", &["backup", "replication"])?;
    let status = q.enum_str("status", &["available", "lock", "frozen", "deleting", "error"])?;
    let ids = if external { q.all("vault_id") } else { q.all("id") };
    let name = q.get("name");
    let policy_id = q.get("policy_id");
    let az = q.get("availability_zone");
    let eps = q.get("enterprise_project_id").filter(|e| *e != "all_granted_eps");
    let resource_ids: Vec<&str> = q
        .get("resource_ids")
        .map(|r| r.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let mut out: Vec<&Vault> = p
        .map(|p| p.vaults.values())
        .into_iter()
        .flatten()
        .filter(|v| {
            if external && !ids.is_empty() {
                // "When vault_id is given, the other filters are ignored."
                return ids.contains(&v.id.as_str());
            }
            (ids.is_empty() || ids.contains(&v.id.as_str()))
                && cloud_type.is_none_or(|c| v.billing.cloud_type == c)
                && object_type.is_none_or(|o| v.billing.object_type == o)
                && protect_type.is_none_or(|t| v.billing.protect_type == t)
                && status.is_none_or(|s| v.billing.status == s)
                && name.is_none_or(|n| v.name.contains(n))
                && policy_id.is_none_or(|pid| v.policies.iter().any(|(x, _)| x == pid))
                && az.is_none_or(|z| v.availability_zone.as_deref() == Some(z))
                && eps.is_none_or(|e| v.enterprise_project_id == e)
                && (resource_ids.is_empty() || resource_ids.iter().any(|r| v.resource(r).is_some()))
        })
        .collect();
    out.sort_by_key(|v| std::cmp::Reverse((v.created_ms, v.seq)));
    Ok(out)
}

pub fn list_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let (limit, offset) = req.query.page(1000)?;
    // Kept (huawei/pages.rs): the project's tables a vault shows, no clock.
    let stamps = pages::vault_stamps(ctx.world.huawei, ctx.project);
    pages::kept_or_rendered(ctx, "ListVault", req, stamps, |ctx| {
        let p = ctx.proj_ref();
        let vaults = filter_vaults(p, req, false)?;
        // Only the page is rendered: a vault's JSON reads its kept sums, but not for nothing.
        let items: Vec<_> = match p {
            Some(p) => vaults.iter().skip(offset).take(limit).map(|v| shapes::vault(p, ctx.project, v)).collect(),
            None => Vec::new(),
        };
        Ok(shapes::counted_page("vaults", &items, vaults.len(), limit, offset))
    })
}

pub fn list_external_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    let project = q.get("external_project_id").ok_or_else(|| invalid("external_project_id: it is required"))?;
    let region = q.get("region_id").ok_or_else(|| invalid("region_id: it is required"))?;
    let (limit, offset) = q.page(1000)?;
    match crate::huawei::settings::project_owner(ctx.cfg, project) {
        Some((account, _, r)) if account == ctx.account && r == region => {}
        _ => return Err(e::Bs7426(format!("Project {project} does not exist in region {region}."))),
    }
    let p = ctx.world.huawei.get(project);
    let vaults = filter_vaults(p, req, true)?;
    let items = vaults.iter().filter_map(|v| p.map(|p| render::vault(p, project, v))).collect();
    Reply::ok(render::page("vaults", items, limit, offset))
}

pub fn update_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["vault"])?;
    let v = root.req_obj("vault")?;
    v.only(&["billing", "name", "auto_bind", "bind_rules", "auto_expand", "smn_notify", "threshold", "locked"])?;
    let name = v.str("name")?;
    if let Some(n) = name {
        check_name("vault.name", n, false)?;
    }
    let (mut consistent, mut size) = (None, None);
    if let Some(b) = v.obj("billing")? {
        b.only(&["consistent_level", "size"])?;
        consistent = b.enum_str("consistent_level", &["app_consistent", "crash_consistent"])?;
        size = match b.int("size", i64::MIN, i64::MAX)? {
            Some(s) if !(10..=10_485_760).contains(&s) => {
                return Err(e::Bs6101(format!("Invalid vault capacity {s} GB: it must be 10 to 10485760 GB.")))
            }
            other => other,
        };
    }
    let auto_bind = v.bool("auto_bind")?;
    let bind_rules = parse_bind_rules(&v)?;
    let auto_expand = v.bool("auto_expand")?;
    let smn_notify = v.bool("smn_notify")?;
    let threshold = v.int("threshold", 1, 100)?;
    let locked = v.bool("locked")?;
    let id = req.param("vault_id").to_string();
    let used_gb = capacity::mb_to_gb(capacity::used_mb(ctx.proj(), &id));
    let now = ctx.now;
    let vault = vault::get_mut(ctx, &id)?;
    if vault.billing.status != "available" {
        return Err(e::Bs6112(format!("Vault {id} is {}; it cannot be updated.", vault.billing.status)));
    }
    if vault.locked && locked == Some(false) {
        return Err(invalid("vault.locked: a locked vault cannot be unlocked"));
    }
    if auto_expand == Some(true) && vault.billing.charging_mode == "pre_paid" {
        return Err(e::Bs6143("A yearly/monthly vault does not support auto expansion."));
    }
    if let Some(s) = size {
        if s < used_gb {
            return Err(e::Bs6101(format!("The vault already stores {used_gb} GB; it cannot shrink to {s} GB.")));
        }
        vault.billing.size = s;
    }
    if let Some(c) = consistent {
        vault.billing.consistent_level = c.into();
    }
    if let Some(n) = name {
        vault.name = n.into();
    }
    if let Some(x) = auto_bind {
        vault.auto_bind = x;
    }
    if let Some(x) = bind_rules {
        vault.bind_rules = x;
    }
    if let Some(x) = auto_expand {
        vault.auto_expand = x;
    }
    if let Some(x) = smn_notify {
        vault.smn_notify = x;
    }
    if let Some(x) = threshold {
        vault.threshold = x;
    }
    if let Some(x) = locked {
        vault.locked = x;
    }
    vault.updated_ms = now;
    vault::auto_bind(ctx.world, ctx.project);
    let p = ctx.proj_ref().expect("vault found");
    Reply::ok(render::one("vault", render::vault(p, ctx.project, &p.vaults[&id])))
}

pub fn delete_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("vault_id").to_string();
    let project = ctx.project.to_string();
    let vault = vault::get(ctx.proj_ref(), &id)?;
    if vault.locked {
        return Err(e::Bs6153("Deleting a locked vault is not supported."));
    }
    if vault.billing.status == "deleting" {
        return Err(e::Bs6112(format!("Vault {id} is already being deleted.")));
    }
    let busy = ctx
        .proj_ref()
        .is_some_and(|p| p.backups.values().any(|b| b.vault_id == id && !matches!(&*b.status, "available" | "error")));
    if busy {
        return Err(e::Bs6125(format!("Vault {id} has backups in progress; try again when they finish.")));
    }
    let name = vault.name.clone();
    let total = ctx.proj_ref().map_or(0, |p| p.backups.values().filter(|b| b.vault_id == id).count());
    vault::get_mut(ctx, &id)?.billing.status = "deleting".into();
    let log = ctx.new_oplog(
        &project,
        "vault_delete",
        (&id, &name),
        json!({"vault_delete": {"fail_count": 0, "total_count": total}}),
    );
    task::launch(
        ctx,
        &project,
        &log.clone(),
        HwWork::VaultDeleteDone { project: project.clone(), vault: id, oplog: log },
    );
    Reply::status(204)
}

pub fn add_vault_resource(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["resources"])?;
    let new = parse_resources(&root, "resources", 1, 256)?;
    let id = req.param("vault_id").to_string();
    let limit = ctx.cfg.huawei.limits.resources_per_vault;
    let p = ctx.proj_ref();
    let vault = vault::get(p, &id)?;
    if vault.billing.status != "available" {
        return Err(e::Bs6112(format!("Vault {id} is {}; resources cannot be added.", vault.billing.status)));
    }
    let added = vault::bindable(p.expect("vault found"), vault, &new, limit)?;
    let ids: Vec<String> = added.iter().map(|r| r.id.clone()).collect();
    vault::get_mut(ctx, &id)?.resources.extend(added);
    Reply::ok(render::one("add_resource_ids", ids))
}

pub fn remove_vault_resource(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["resource_ids"])?;
    let ids = root.strs("resource_ids", 1, 256)?.ok_or_else(|| root.missing("resource_ids"))?;
    let vid = req.param("vault_id").to_string();
    let project = ctx.project.to_string();
    let vault = vault::get(ctx.proj_ref(), &vid)?;
    if vault.locked {
        return Err(e::Bs6154("A locked vault does not support unbinding resources."));
    }
    for rid in &ids {
        let r = vault.resource(rid).ok_or_else(|| e::Bs6135(format!("Resource {rid} is not in vault {vid}.")))?;
        if r.protect_status != "available" && r.protect_status != "error" {
            return Err(e::Bs2002(format!("Resource {rid} is {}; wait until it finishes.", r.protect_status)));
        }
    }
    let name = vault.name.clone();
    let removed: Vec<VaultResource> =
        vault.resources.iter().filter(|r| ids.contains(&r.id.as_str())).cloned().collect();
    let total = removed.len();
    let resources: Vec<Value> = removed.iter().map(|r| json!({"id": r.id, "name": r.name, "type": r.kind})).collect();
    let now = ctx.now;
    let p = ctx.proj();
    if let Some(v) = p.vaults.get_mut(&vid) {
        v.resources.retain(|r| !ids.contains(&r.id.as_str()));
    }
    // Removing a resource deletes its backups in the vault, per-disk children included.
    let gone: Vec<String> = p
        .backups
        .values()
        .filter(|b| b.vault_id == vid && b.parent_id.is_none() && ids.contains(&b.resource_id.as_str()))
        .map(|b| b.id.clone())
        .collect();
    for id in &gone {
        backup::remove_backup(p, id, now);
    }
    let extra = json!({"remove_resources": {"fail_count": 0, "total_count": total, "resources": resources}});
    let log = ctx.new_oplog(&project, "remove_resource", (&vid, &name), extra);
    task::end_task(ctx.world, &project, &log, ctx.now, None);
    Reply::ok(render::one("remove_resource_ids", ids))
}

/// Bind `policy` to `vault`: one policy of each operation type per vault.
fn associate(ctx: &mut Ctx<'_>, vault_id: &str, policy_id: &str, dest: Option<&str>) -> HwResult<Option<String>> {
    let p = ctx.proj_ref();
    let pol = p
        .and_then(|p| p.policies.get(policy_id))
        .ok_or_else(|| e::Bs6000(format!("Policy {policy_id} does not exist.")))?;
    let vault = vault::get(p, vault_id)?;
    let kind = pol.operation_type.clone();
    if vault.billing.cloud_type == "hybrid" && kind == "replication" {
        return Err(e::Bs6127("A hybrid-cloud vault cannot bind a replication policy."));
    }
    if vault.billing.protect_type == "replication" {
        return Err(e::Bs6127("A replication vault cannot bind a policy."));
    }
    let same_kind = vault
        .policies
        .iter()
        .any(|(id, _)| p.and_then(|p| p.policies.get(id)).is_some_and(|other| other.operation_type == kind));
    if same_kind {
        return Err(e::Bs4022(format!("Vault {vault_id} already has a {kind} policy bound; unbind it first.")));
    }
    let dest = if kind == "replication" {
        let d = dest.ok_or_else(|| invalid("destination_vault_id: it is required for a replication policy"))?;
        let dp = pol.definition.destination_project_id.clone().unwrap_or_default();
        let dv = ctx.world.huawei.get(&dp).and_then(|p| p.vaults.get(d));
        let dv = dv.ok_or_else(|| e::Bs6120(format!("Destination vault {d} does not exist.")))?;
        if dv.billing.protect_type != "replication" {
            return Err(e::Bs6119(format!("Destination vault {d} is not a replication vault.")));
        }
        Some(d.to_string())
    } else {
        None
    };
    vault::get_mut(ctx, vault_id)?.policies.push((policy_id.to_string(), dest.clone()));
    Ok(dest)
}

pub fn associate_vault_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["destination_vault_id", "policy_id", "add_policy_ids"])?;
    let dest = root.str("destination_vault_id")?;
    let single = root.str("policy_id")?;
    let many = root.strs("add_policy_ids", 1, 2)?;
    let ids: Vec<&str> = match (single, many) {
        (Some(p), None) => vec![p],
        (None, Some(list)) => list,
        _ => return Err(invalid("request: give exactly one of policy_id and add_policy_ids")),
    };
    let vid = req.param("vault_id").to_string();
    let mut last = render::empty_object();
    for pid in ids {
        let d = associate(ctx, &vid, pid, dest)?;
        last = render::policy_binding(&vid, pid, d.as_deref());
    }
    Reply::ok(render::one("associate_policy", last))
}

pub fn disassociate_vault_policy(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["policy_id"])?;
    let pid = root.req_str("policy_id")?.to_string();
    let vid = req.param("vault_id").to_string();
    let vault = vault::get_mut(ctx, &vid)?;
    let pos = vault
        .policies
        .iter()
        .position(|(id, _)| *id == pid)
        .ok_or_else(|| e::Bs6002(format!("Policy {pid} is not bound to vault {vid}.")))?;
    let (_, dest) = vault.policies.remove(pos);
    Reply::ok(render::one("dissociate_policy", render::policy_binding(&vid, &pid, dest.as_deref())))
}

pub fn migrate_vault_resource(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["destination_vault_id", "resource_ids"])?;
    let dest_id = root.req_str("destination_vault_id")?.to_string();
    let ids = root.strs("resource_ids", 1, 256)?.ok_or_else(|| root.missing("resource_ids"))?;
    vault::migrate_resources(ctx, req.param("vault_id"), &dest_id, &ids)?;
    Reply::ok(render::migrated(&ids))
}

pub fn batch_update_vault(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["vault"])?;
    let v = root.req_obj("vault")?;
    v.only(&["smn_notify", "threshold"])?;
    let smn = v.bool("smn_notify")?;
    let threshold = v.int("threshold", 1, 100)?;
    let now = ctx.now;
    let mut ids = Vec::new();
    for vault in ctx.proj().vaults.values_mut() {
        if let Some(s) = smn {
            vault.smn_notify = s;
        }
        if let Some(t) = threshold {
            vault.threshold = t;
        }
        vault.updated_ms = now;
        ids.push(vault.id.clone());
    }
    Reply::ok(render::one("updated_vaults_id", ids))
}

pub fn set_vault_resource(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["resource_ids", "action"])?;
    let ids = root.strs("resource_ids", 1, 256)?.ok_or_else(|| root.missing("resource_ids"))?;
    let action = root.enum_str("action", &["suspend", "unsuspend"])?.ok_or_else(|| root.missing("action"))?;
    let vid = req.param("vault_id").to_string();
    let vault = vault::get_mut(ctx, &vid)?;
    if let Some(rid) = ids.iter().find(|r| vault.resource(r).is_none()) {
        return Err(e::Bs6135(format!("Resource {rid} is not in vault {vid}.")));
    }
    for r in vault.resources.iter_mut().filter(|r| ids.contains(&r.id.as_str())) {
        r.suspended = action == "suspend";
    }
    Reply::ok(render::one("set_resource_ids", ids))
}

pub fn show_summary(ctx: &mut Ctx<'_>, _req: &Req<'_>) -> HwResult<Reply> {
    let (mut size, mut used) = (0, 0);
    if let Some(p) = ctx.proj_ref() {
        for v in p.vaults.values() {
            size += v.billing.size;
            used += capacity::used_mb(p, &v.id);
        }
    }
    Reply::ok(render::summary(size, used))
}
