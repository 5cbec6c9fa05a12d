//! Protectables (4.9), features (4.8) and metering (4.14): what can be backed up, what the
//! region offers, and how much backup data each resource has.

use serde_json::{json, Map, Value};

use crate::huawei::domain::capacity;
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{HwProject, Server, Volume, TYPE_SERVER, TYPE_VOLUME};
use crate::huawei::{render, Ctx, Reply, Req};

const PROTECTABLE_TYPES: &[&str] = &["server", "disk", "turbo", "workspace", "workspace_v2"];

fn protectable_type<'r>(req: &'r Req<'_>) -> HwResult<&'r str> {
    let t = req.param("protectable_type");
    if !PROTECTABLE_TYPES.contains(&t) {
        return Err(invalid(format!("protectable_type: `{t}` is not one of {}", PROTECTABLE_TYPES.join(", "))));
    }
    Ok(t)
}

/// The vault holding a resource, and its protect status there.
fn holder<'p>(p: &'p HwProject, id: &str) -> Option<(&'p crate::huawei::model::Vault, &'p str)> {
    p.vaults.values().find_map(|v| v.resource(id).map(|r| (v, r.protect_status.as_str())))
}

fn protectable(p: &HwProject, project: &str, id: &str, ok: bool, code: &str, reason: &str) -> Value {
    let mut out = json!({"result": ok, "code": code, "reason": reason, "vault": null});
    if !ok {
        out["message"] = json!(reason);
    }
    if let Some((v, _)) = holder(p, id) {
        let mut vault = render::vault(p, project, v);
        vault["updated_at"] = json!(render::time(v.updated_ms));
        vault["version"] = json!("1");
        out["vault"] = vault;
    }
    out
}

fn volume_view(p: &HwProject, project: &str, v: &Volume) -> Value {
    json!({
        "id": v.id,
        "name": v.name,
        "type": TYPE_VOLUME,
        "size": v.size,
        "status": v.status,
        "children": [],
        "detail": {
            "id": v.id,
            "name": v.name,
            "size": v.size,
            "status": v.status,
            "volume_type": v.volume_type,
            "bootable": v.bootable.to_string(),
            "availability_zone": v.availability_zone,
            "attachments": v.server_id.as_ref().map(|s| vec![json!({"server_id": s, "device": v.device})]).unwrap_or_default(),
            "created_at": render::time(v.created_ms),
        },
        "protectable": protectable(p, project, &v.id, v.status != "error", if v.status == "error" { "BackupService.7003" } else { "" }, if v.status == "error" { "disk status does not support backup" } else { "" }),
    })
}

fn server_view(p: &HwProject, project: &str, s: &Server) -> Value {
    let children: Vec<Value> =
        s.volumes.iter().filter_map(|v| p.volumes.get(v)).map(|v| volume_view(p, project, v)).collect();
    let size: i64 = s.volumes.iter().filter_map(|v| p.volumes.get(v)).map(|v| v.size).sum();
    let ok = matches!(s.status.as_str(), "ACTIVE" | "SHUTOFF");
    json!({
        "id": s.id,
        "name": s.name,
        "type": TYPE_SERVER,
        "size": size,
        "status": s.status,
        "children": children,
        "detail": {
            "id": s.id,
            "name": s.name,
            "status": s.status,
            "OS-EXT-AZ:availability_zone": s.availability_zone,
            "flavor": {"id": s.flavor},
            "image": {"id": s.image_id},
            "metadata": {"os_type": s.os_type, "architecture": s.architecture},
            "os-extended-volumes:volumes_attached": s.volumes.iter().map(|v| json!({"id": v})).collect::<Vec<_>>(),
            "tags": s.tags.iter().map(|t| format!("{}={}", t.key, t.value)).collect::<Vec<_>>(),
            "created": render::time(s.created_ms),
        },
        "protectable": protectable(p, project, &s.id, ok, if ok { "" } else { "BackupService.7101" }, if ok { "" } else { "server status does not support backup" }),
    })
}

pub fn list_protectable(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let kind = protectable_type(req)?;
    let q = &req.query;
    let (limit, offset) = q.page(50)?;
    let status = q.enum_str("status", &["available", "error", "protecting", "deleting", "deleted", "restoring"])?;
    let (id, name, server_id) = (q.get("id"), q.get("name"), q.get("server_id"));
    let Some(p) = ctx.proj_ref() else { return Reply::ok(json!({"instances": []})) };
    // The status filter speaks of protection states: a resource in no vault is "available".
    let state_ok = |rid: &str| status.is_none_or(|s| holder(p, rid).map_or("available", |(_, st)| st) == s);
    let mut items: Vec<(String, Value)> = match kind {
        "server" => p
            .servers
            .values()
            .filter(|s| s.status != "DELETED")
            .filter(|s| id.is_none_or(|i| s.id == i) && name.is_none_or(|n| s.name.contains(n)) && state_ok(&s.id))
            .map(|s| (s.id.clone(), server_view(p, ctx.project, s)))
            .collect(),
        "disk" => p
            .volumes
            .values()
            .filter(|v| id.is_none_or(|i| v.id == i) && name.is_none_or(|n| v.name.contains(n)) && state_ok(&v.id))
            .filter(|v| server_id.is_none_or(|s| v.server_id.as_deref() == Some(s)))
            .map(|v| (v.id.clone(), volume_view(p, ctx.project, v)))
            .collect(),
        _ => vec![],
    };
    if let Some(m) = q.get("marker") {
        let at = items.iter().position(|(i, _)| i == m).ok_or_else(|| invalid("marker: no such instance"))?;
        items.drain(..=at);
    }
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).map(|(_, v)| v).collect();
    Reply::ok(json!({"instances": page}))
}

pub fn show_protectable(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let kind = protectable_type(req)?;
    let id = req.param("instance_id");
    let p = ctx.proj_ref();
    let found = match kind {
        "server" => {
            p.and_then(|p| p.servers.get(id).filter(|s| s.status != "DELETED").map(|s| server_view(p, ctx.project, s)))
        }
        "disk" => p.and_then(|p| p.volumes.get(id).map(|v| volume_view(p, ctx.project, v))),
        _ => None,
    };
    let instance = found.ok_or_else(|| match kind {
        "disk" => e::Bs7000(format!("Volume {id} does not exist.")),
        "server" => e::Bs7100(format!("Server {id} does not exist.")),
        _ => e::Bs6302(format!("Resource {id} does not exist.")),
    })?;
    Reply::ok(json!({"instance": instance}))
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
        let mut status = json!({"resource_id": id, "installed": server.agent_version.is_some(), "is_old": false, "code": 0, "message": ""});
        if let Some(v) = &server.agent_version {
            status["version"] = json!(v);
        }
        out.push(status);
    }
    Reply::ok(json!({"agent_status": out}))
}

pub fn show_replication_capabilities(ctx: &mut Ctx<'_>, _req: &Req<'_>) -> HwResult<Reply> {
    let regions: Vec<Value> = ctx
        .cfg
        .huawei
        .regions
        .iter()
        .map(|r| json!({"name": r.id, "replication_destinations": r.replication_destinations}))
        .collect();
    Reply::ok(json!({"regions": regions}))
}

fn features(ctx: &Ctx<'_>) -> Map<String, Value> {
    let dest = ctx.cfg.huawei.region(ctx.region).map(|r| r.replication_destinations.clone()).unwrap_or_default();
    let mut m = Map::new();
    m.insert("replication.enable".into(), json!(!dest.is_empty()));
    m.insert("replication.source_region".into(), json!(ctx.region));
    m.insert("replication.destination_regions".into(), json!(dest));
    m.insert("replication.destination_dgw_regions".into(), json!([]));
    m.insert("features.backup_double_az".into(), json!(false));
    m
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
    Reply::ok(json!({key: value}))
}

pub fn show_storage_usage(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    let (limit, offset) = q.page(1000)?;
    let kind = q.enum_str("resource_type", &[TYPE_SERVER, "OS::Ironic::BareMetalServer"])?;
    let rid = q.get("resource_id");
    let Some(p) = ctx.proj_ref() else { return Reply::ok(json!({"resource_count": 0, "storage_usage": []})) };
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
            None => rows.push((b.resource_id.clone(), b.resource_name.clone(), b.resource_type.clone(), 1, b.size_mb)),
        }
    }
    rows.sort();
    let total = rows.len();
    let usage: Vec<Value> = rows
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(id, name, kind, count, mb)| {
            json!({"backup_count": count, "backup_size": capacity::mb_to_gb(mb), "resource_id": id, "resource_name": name, "resource_type": kind, "backup_size_multiaz": 0})
        })
        .collect();
    Reply::ok(json!({"resource_count": total, "storage_usage": usage}))
}
