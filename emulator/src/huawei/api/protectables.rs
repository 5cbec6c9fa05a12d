//! Protectables (4.9), features (4.8) and metering (4.14): what can be backed up, what the
//! region offers, and how much backup data each resource has.

use serde_json::{Map, Value};

use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::vault;
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::TYPE_SERVER;
use crate::huawei::render;

const PROTECTABLE_TYPES: &[&str] = &["server", "disk", "turbo", "workspace", "workspace_v2"];

fn protectable_type<'r>(req: &'r Req<'_>) -> HwResult<&'r str> {
    let t = req.param("protectable_type");
    if !PROTECTABLE_TYPES.contains(&t) {
        return Err(invalid(format!("protectable_type: `{t}` is not one of {}", PROTECTABLE_TYPES.join(", "))));
    }
    Ok(t)
}

pub fn list_protectable(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let kind = protectable_type(req)?;
    let q = &req.query;
    let (limit, offset) = q.page(50)?;
    let status = q.enum_str("status", &["available", "error", "protecting", "deleting", "deleted", "restoring"])?;
    let (id, name, server_id) = (q.get("id"), q.get("name"), q.get("server_id"));
    let Some(p) = ctx.proj_ref() else { return Reply::ok(render::one("instances", Vec::<Value>::new())) };
    // The status filter speaks of protection states: a resource in no vault is "available".
    let state_ok = |rid: &str| status.is_none_or(|s| vault::holder(p, rid).map_or("available", |(_, st)| st) == s);
    let mut items: Vec<(String, Value)> = match kind {
        "server" => p
            .servers
            .values()
            .filter(|s| s.status != "DELETED")
            .filter(|s| id.is_none_or(|i| s.id == i) && name.is_none_or(|n| s.name.contains(n)) && state_ok(&s.id))
            .map(|s| (s.id.clone(), render::server_instance(p, ctx.project, s)))
            .collect(),
        "disk" => p
            .volumes
            .values()
            .filter(|v| id.is_none_or(|i| v.id == i) && name.is_none_or(|n| v.name.contains(n)) && state_ok(&v.id))
            .filter(|v| server_id.is_none_or(|s| v.server_id.as_deref() == Some(s)))
            .map(|v| (v.id.clone(), render::volume_instance(p, ctx.project, v)))
            .collect(),
        _ => vec![],
    };
    if let Some(m) = q.get("marker") {
        let at = items.iter().position(|(i, _)| i == m).ok_or_else(|| invalid("marker: no such instance"))?;
        items.drain(..=at);
    }
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).map(|(_, v)| v).collect();
    Reply::ok(render::one("instances", page))
}

pub fn show_protectable(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let kind = protectable_type(req)?;
    let id = req.param("instance_id");
    let p = ctx.proj_ref();
    let found = match kind {
        "server" => p.and_then(|p| {
            p.servers.get(id).filter(|s| s.status != "DELETED").map(|s| render::server_instance(p, ctx.project, s))
        }),
        "disk" => p.and_then(|p| p.volumes.get(id).map(|v| render::volume_instance(p, ctx.project, v))),
        _ => None,
    };
    let instance = found.ok_or_else(|| match kind {
        "disk" => e::Bs7000(format!("Volume {id} does not exist.")),
        "server" => e::Bs7100(format!("Server {id} does not exist.")),
        _ => e::Bs6302(format!("Resource {id} does not exist.")),
    })?;
    Reply::ok(render::one("instance", instance))
}

pub fn check_agent(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = crate::huawei::body::Obj::root(&body);
    root.only(&["agent_status"])?;
    let items = root.objs("agent_status", 1, 256)?.ok_or_else(|| root.missing("agent_status"))?;
    let mut out = Vec::new();
    for it in &items {
        it.only(&["resource_id", "resource_name", "resource_type"])?;
        let id = it.req_str("resource_id")?;
        it.str("resource_name")?;
        let kind = it
            .enum_str("resource_type", &[TYPE_SERVER, "OS::Ironic::BareMetalServer"])?
            .ok_or_else(|| it.missing("resource_type"))?;
        let server = ctx.proj_ref().and_then(|p| p.servers.get(id));
        let server = match (server, kind) {
            (Some(s), TYPE_SERVER) => s,
            _ => return Err(e::Bs7100(format!("Server {id} does not exist."))),
        };
        out.push(render::agent_status(id, server));
    }
    Reply::ok(render::one("agent_status", out))
}

pub fn show_replication_capabilities(ctx: &mut Ctx<'_>, _req: &Req<'_>) -> HwResult<Reply> {
    let regions: Vec<Value> = ctx
        .cfg
        .huawei
        .regions
        .iter()
        .map(|r| render::replication_capability(&r.id, &r.replication_destinations))
        .collect();
    Reply::ok(render::one("regions", regions))
}

fn features(ctx: &Ctx<'_>) -> Map<String, Value> {
    let dest = ctx.cfg.huawei.region(ctx.region).map(|r| r.replication_destinations.clone()).unwrap_or_default();
    render::features(ctx.region, dest)
}

fn check_paging(req: &Req<'_>) -> HwResult<()> {
    req.query.int("limit", 1, i64::MAX)?;
    req.query.int("offset", 0, i64::MAX)?;
    Ok(())
}

pub fn list_features(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    check_paging(req)?;
    Reply::ok(Value::Object(features(ctx)))
}

pub fn show_feature(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    check_paging(req)?;
    let key = req.param("feature_key");
    let all = features(ctx);
    let value = all.get(key).ok_or_else(|| invalid(format!("feature_key: `{key}` is not a supported feature")))?;
    Reply::ok(render::one(key, value))
}

pub fn show_storage_usage(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    let (limit, offset) = q.page(1000)?;
    let kind = q.enum_str("resource_type", &[TYPE_SERVER, "OS::Ironic::BareMetalServer"])?;
    let rid = q.get("resource_id");
    let Some(p) = ctx.proj_ref() else { return Reply::ok(render::storage_usage_list(0, vec![])) };
    let mut rows: Vec<(String, String, String, i64, i64)> = Vec::new();
    for b in p.backups.values().filter(|b| b.parent_id.is_none()) {
        if kind.is_some_and(|k| b.resource_type != k) || rid.is_some_and(|r| b.resource_id != r) {
            continue;
        }
        match rows.iter_mut().find(|r| r.0 == b.resource_id) {
            Some(r) => {
                r.3 += 1;
                r.4 += b.size_mb;
            }
            None => {
                rows.push((b.resource_id.clone(), b.resource_name.clone(), b.resource_type.to_string(), 1, b.size_mb))
            }
        }
    }
    rows.sort();
    let total = rows.len();
    let usage: Vec<Value> = rows.into_iter().skip(offset).take(limit).map(render::storage_usage).collect();
    Reply::ok(render::storage_usage_list(total, usage))
}
