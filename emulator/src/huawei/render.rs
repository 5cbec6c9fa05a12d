//! Response shapes: the doc's objects (Vault, Policy, BackupResp, CheckpointCreate,
//! OperationLog) built from the model. Times use one format everywhere,
//! `2019-05-23T12:51:10.071+00:00` (the examples' dominant form; the tables disagree among
//! themselves), except a policy's `start_time`, which the tables print as `2020-01-08 09:59:49`.

use serde_json::{json, Map, Value};

use super::error::HwError;
use crate::core::http::Answer;

use super::domain::capacity::{mb_to_gb, resource_size, resource_totals};
use super::model::{Agent, Migration, OrgDeployment, Server, Volume, TYPE_SERVER, TYPE_VOLUME};
use super::model::{Backup, Checkpoint, HwProject, Member, OpLog, OperationDefinition, OrgPolicy, Policy, Tag, Vault};
use super::settings::{HuaweiIdentity, HwProjectCfg};
use super::shapes;

pub fn time(ms: i64) -> String {
    super::shapes::Time(ms).text().as_str().to_string()
}

pub fn opt_time(ms: Option<i64>) -> Value {
    ms.map(|m| Value::String(time(m))).unwrap_or(Value::Null)
}

pub fn start_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%d %H:%M:%S").to_string()
}

pub fn tags(tags: &[Tag]) -> Value {
    Value::Array(tags.iter().map(|t| json!({"key": t.key, "value": t.value})).collect())
}

pub fn spec_code(protect_type: &str, object_type: &str) -> String {
    let object = match object_type {
        "disk" => "volume",
        other => other,
    };
    format!("vault.{protect_type}.{object}.normal")
}

pub fn vault(p: &HwProject, project_id: &str, v: &Vault) -> Value {
    to_value(&shapes::vault(p, project_id, v))
}

/// A typed shape as a `Value`, for the answers that add fields to it (the keys keep their
/// order: serde_json preserves it).
fn to_value(shape: &impl serde::Serialize) -> Value {
    serde_json::to_value(shape).unwrap_or(Value::Null)
}

/// PolicyODCreate as stored: the fields that were given.
pub fn definition(d: &OperationDefinition) -> Value {
    let mut od = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            od.insert(k.to_string(), v);
        }
    };
    put("max_backups", json!(d.max_backups));
    put("retention_duration_days", json!(d.retention_duration_days));
    put("day_backups", json!(d.day_backups));
    put("week_backups", json!(d.week_backups));
    put("month_backups", json!(d.month_backups));
    put("year_backups", json!(d.year_backups));
    put("timezone", json!(d.timezone));
    put("full_backup_interval", json!(d.full_backup_interval));
    put("destination_region", json!(d.destination_region));
    put("destination_project_id", json!(d.destination_project_id));
    put("enable_acceleration", json!(d.enable_acceleration));
    Value::Object(od)
}

pub fn policy(p: &HwProject, pol: &Policy) -> Value {
    let od = definition(&pol.definition);
    let associated: Vec<Value> = p
        .vaults
        .values()
        .flat_map(|v| v.policies.iter().filter(|(id, _)| *id == pol.id).map(move |(_, dest)| (v, dest)))
        .map(|(v, dest)| {
            let mut a = json!({"vault_id": v.id});
            if let Some(d) = dest {
                a["destination_vault_id"] = json!(d);
            }
            a
        })
        .collect();
    json!({
        "id": pol.id,
        "name": pol.name,
        "enabled": pol.enabled,
        "operation_type": pol.operation_type,
        "operation_definition": od,
        "trigger": {
            "id": pol.trigger_id,
            "name": "default",
            "type": "time",
            "properties": {"pattern": pol.patterns, "start_time": start_time(pol.start_ms)},
        },
        "associated_vaults": associated,
        "policy_type": if pol.organization_policy_id.is_some() { "organization_policy_v2" } else { "custom_policy" },
    })
}

pub fn backup(p: &HwProject, b: &Backup) -> Value {
    to_value(&shapes::backup(p, b, None, true))
}

/// One CheckpointResourceResp: a vault resource with its backups in that vault. The doc types
/// these fields as strings (scenario 5.1 prints them so).
pub fn checkpoint_resource(p: &HwProject, vault_id: &str, rid: &str) -> Value {
    let r = p.vaults.get(vault_id).and_then(|v| v.resource(rid));
    let exclude = r.map(|r| r.exclude_volumes.clone()).unwrap_or_default();
    let (count, size_mb) = resource_totals(p, vault_id, rid);
    json!({
        "id": rid,
        "name": r.map(|r| r.name.clone()).unwrap_or_default(),
        "type": r.map(|r| r.kind.clone()).unwrap_or_default(),
        "protect_status": r.map(|r| r.protect_status.clone()).unwrap_or_else(|| "available".into()),
        "extra_info": "{}",
        "resource_size": resource_size(p, rid, &exclude).to_string(),
        "backup_size": mb_to_gb(size_mb).to_string(),
        "backup_count": count.to_string(),
    })
}

/// A restore point as it is now.
pub fn checkpoint(p: &HwProject, project_id: &str, c: &Checkpoint) -> Value {
    let resources = c.resources.iter().map(|rid| checkpoint_resource(p, &c.vault_id, rid)).collect();
    checkpoint_with(p, project_id, c, resources)
}

/// A restore point with its resources as given (CreateCheckpoint answers them as they were
/// before the backup started).
pub fn checkpoint_with(p: &HwProject, project_id: &str, c: &Checkpoint, resources: Vec<Value>) -> Value {
    let vault = p.vaults.get(&c.vault_id);
    let skipped: Vec<Value> = c
        .skipped
        .iter()
        .map(|s| json!({"id": s.id, "type": s.kind, "name": s.name, "code": s.code, "reason": s.reason}))
        .collect();
    json!({
        "id": c.id,
        "project_id": project_id,
        "status": c.status,
        "created_at": time(c.created_ms),
        "vault": {
            "id": c.vault_id,
            "name": vault.map(|v| v.name.clone()).unwrap_or_default(),
            "resources": resources,
            "skipped_resources": skipped,
        },
        "extra_info": {
            "name": c.name,
            "description": c.description,
            "retention_duration": c.retention_duration,
        },
    })
}

pub fn oplog(project_id: &str, o: &OpLog) -> Value {
    let mut extra = match &o.extra {
        Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    extra.insert("common".into(), json!({"progress": o.progress, "request_id": o.request_id, "task_id": o.id}));
    if let Some((id, name, kind)) = &o.resource {
        extra.insert("resource".into(), json!({"id": id, "name": name, "type": kind, "extra_info": {}}));
    }
    json!({
        "id": o.id,
        "operation_type": o.operation_type,
        "status": o.status,
        "checkpoint_id": o.checkpoint_id,
        "policy_id": o.policy_id,
        "project_id": project_id,
        "provider_id": o.provider_id,
        "vault_id": o.vault_id,
        "vault_name": o.vault_name,
        "created_at": time(o.created_ms),
        "started_at": opt_time(o.started_ms),
        "ended_at": opt_time(o.ended_ms),
        "updated_at": time(o.updated_ms),
        "error_info": {"code": o.error_code, "message": o.error_message},
        "extra_info": extra,
    })
}

/// One ListBackups entry: the backup as its owner or (shared) its receiver sees it; the
/// replication records only when `show_replication` asks for them.
pub fn listed_backup<'a>(
    p: &'a HwProject,
    b: &'a Backup,
    m: Option<&'a Member>,
    show_replication: bool,
) -> shapes::BackupOut<'a> {
    shapes::backup(p, b, m.and_then(|m| m.vault_id.as_deref()), show_replication)
}

/// ListBackups' answer: `offset` is where the page starts (after `marker`, when given).
pub fn backup_list(items: &[shapes::BackupOut<'_>], count: usize, limit: usize, offset: usize) -> Vec<u8> {
    shapes::counted_page("backups", items, count, limit, offset)
}

/// One ImportBackup result: the backup and its sync task.
pub fn synced_backup(backup_id: &str, oplog: &str) -> Value {
    json!({"backup_id": backup_id, "operation_log_id": oplog})
}

/// ImportBackup's answer.
pub fn sync_answer(items: Vec<Value>) -> Value {
    json!({"sync": items})
}

/// MigrateVaultResource's answer: the resources that moved.
pub fn migrated(ids: &[&str]) -> Value {
    json!({"migrated_resources": ids})
}

/// ShowVaultResourceInstances' `count` answer.
pub fn tag_count(total: usize) -> Value {
    json!({"total_count": total})
}

/// One vault as ShowVaultResourceInstances lists it: a tagged resource with the vault as detail.
pub fn tagged_vault(p: &HwProject, project_id: &str, v: &Vault) -> Value {
    let detail = vault(p, project_id, v);
    json!({
        "resource_id": v.id,
        "resource_name": v.name,
        "resource_detail": {"vault": detail},
        "tags": tags(&v.tags),
    })
}

/// ShowVaultResourceInstances' `filter` answer: the page, and the total that matches.
pub fn tagged_vaults(resources: Vec<Value>, total: usize) -> Value {
    json!({"resources": resources, "total_count": total})
}

/// A one-member answer: `{"<key>": value}` (the shape of most Show, Create and Update answers).
pub fn one(key: &str, value: impl serde::Serialize) -> Value {
    json!({ key: value })
}

/// A list answer: `{"<key>": [...page...], "count": total, "limit": l, "offset": o}`.
pub fn page(key: &str, items: Vec<Value>, limit: usize, offset: usize) -> Value {
    let count = items.len();
    let page: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    counted_page(key, page, count, limit, offset)
}

/// A page already cut from a list of `count` items.
pub fn counted_page(key: &str, page: Vec<Value>, count: usize, limit: usize, offset: usize) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(key.into(), Value::Array(page));
    out.insert("count".into(), json!(count));
    out.insert("limit".into(), json!(limit));
    out.insert("offset".into(), json!(offset));
    Value::Object(out)
}

/// A shared backup as its receiver sees it (per-disk backups in the same vault as their parent).
pub fn backup_view(owner: &HwProject, b: &Backup, m: &Member) -> Value {
    to_value(&shapes::backup(owner, b, m.vault_id.as_deref(), true))
}

/// The Member object in the examples' key order; fields without a value are left out, as the
/// examples leave out `image_id`, `updated_at` and a pending member's `vault_id`. The twin
/// registers no images, so `image_id` never appears.
pub fn member(m: &Member) -> Value {
    let mut o = Map::new();
    o.insert("status".into(), json!(m.status));
    o.insert("backup_id".into(), json!(m.backup_id));
    if let Some(v) = &m.vault_id {
        o.insert("vault_id".into(), json!(v));
    }
    o.insert("dest_project_id".into(), json!(m.dest_project_id));
    o.insert("created_at".into(), json!(time(m.created_ms)));
    if let Some(u) = m.updated_ms {
        o.insert("updated_at".into(), json!(time(u)));
    }
    o.insert("id".into(), json!(m.id));
    Value::Object(o)
}

pub fn org_policy(op: &OrgPolicy) -> Value {
    json!({
        "id": op.id,
        "name": op.name,
        "description": op.description,
        "operation_type": op.operation_type,
        "domain_id": op.domain_id,
        "policy_name": op.policy_name,
        "policy_operation_definition": definition(&op.definition),
        "policy_enabled": op.policy_enabled,
        "policy_trigger": {"properties": {"pattern": op.patterns}},
        "status": op.status,
        "domain_name": op.domain_name,
        "effective_scope": op.effective_scope,
    })
}

/// One agent with its backup paths (ShowAgent, ListAgent, RegisterAgent, UpdateAgent).
pub fn agent(a: &Agent) -> Value {
    let paths: Vec<Value> = a
        .paths
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "status": p.status,
                "agent_id": a.agent_id,
                "dir_path": p.dir_path,
                "exclude_paths": p.exclude_paths.join(","),
            })
        })
        .collect();
    json!({
        "created_at": time(a.created_ms),
        "updated_at": time(a.updated_ms),
        "agent_id": a.agent_id,
        "agent_version": a.agent_version,
        "agent_type": a.agent_type,
        "host_name": a.host_name,
        "host_nickname": a.host_nickname,
        "host_ip": a.host_ip,
        "host_os": a.host_os,
        "status": a.status,
        "last_active_time": time(a.last_active_ms),
        "paths": paths,
    })
}

/// AddAgentPath and RemoveAgentPath answer two lists of paths: what changed, and what was
/// already so (the keys name them).
pub fn agent_paths((done, done_paths): (&str, Vec<String>), (kept, kept_paths): (&str, Vec<String>)) -> Value {
    json!({ done: done_paths, kept: kept_paths })
}

/// A resource's `protectable` block: whether it can be backed up now and the vault holding it.
fn protectable(p: &HwProject, project: &str, id: &str, ok: bool, code: &str, reason: &str) -> Value {
    let mut out = json!({"result": ok, "code": code, "reason": reason, "vault": null});
    if !ok {
        out["message"] = json!(reason);
    }
    if let Some((v, _)) = super::domain::vault::holder(p, id) {
        let mut vault = self::vault(p, project, v);
        vault["updated_at"] = json!(time(v.updated_ms));
        vault["version"] = json!("1");
        out["vault"] = vault;
    }
    out
}

/// A disk as ListProtectable and ShowProtectable answer it.
pub fn volume_instance(p: &HwProject, project: &str, v: &Volume) -> Value {
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
            "created_at": time(v.created_ms),
        },
        "protectable": protectable(p, project, &v.id, v.status != "error", if v.status == "error" { "BackupService.7003" } else { "" }, if v.status == "error" { "disk status does not support backup" } else { "" }),
    })
}

/// A server, with its disks as children, as ListProtectable and ShowProtectable answer it.
pub fn server_instance(p: &HwProject, project: &str, s: &Server) -> Value {
    let children: Vec<Value> =
        s.volumes.iter().filter_map(|v| p.volumes.get(v)).map(|v| volume_instance(p, project, v)).collect();
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
            "created": time(s.created_ms),
        },
        "protectable": protectable(p, project, &s.id, ok, if ok { "" } else { "BackupService.7101" }, if ok { "" } else { "server status does not support backup" }),
    })
}

/// One CheckAgent entry: whether the server's agent is installed (and which version).
pub fn agent_status(id: &str, s: &Server) -> Value {
    let mut status =
        json!({"resource_id": id, "installed": s.agent_version.is_some(), "is_old": false, "code": 0, "message": ""});
    if let Some(v) = &s.agent_version {
        status["version"] = json!(v);
    }
    status
}

/// One region of ShowReplicationCapabilities.
pub fn replication_capability(name: &str, destinations: &[String]) -> Value {
    json!({"name": name, "replication_destinations": destinations})
}

/// The CBR features of a region (ListFeatures; ShowFeature picks one).
pub fn features(region: &str, dest: Vec<String>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("replication.enable".into(), json!(!dest.is_empty()));
    m.insert("replication.source_region".into(), json!(region));
    m.insert("replication.destination_regions".into(), json!(dest));
    m.insert("replication.destination_dgw_regions".into(), json!([]));
    m.insert("features.backup_double_az".into(), json!(false));
    m
}

/// One resource's row of ShowStorageUsage.
pub fn storage_usage((id, name, kind, count, mb): (String, String, String, i64, i64)) -> Value {
    json!({"backup_count": count, "backup_size": mb_to_gb(mb), "resource_id": id, "resource_name": name, "resource_type": kind, "backup_size_multiaz": 0})
}

/// ShowStorageUsage's answer: the page of rows, and how many resources there are.
pub fn storage_usage_list(total: usize, usage: Vec<Value>) -> Value {
    json!({"resource_count": total, "storage_usage": usage})
}

/// The doc's links point at IAM (`/v3/projects/{id}`, `/v3/auth/projects`), not at CBR.
const IAM_LINK: &str = "https://iam.myhuaweicloud.com/v3";

/// One project as IAM's ListProjects (the CBR SDK's region-projects call) answers it: IAM names
/// a project after its region.
pub fn iam_project(ident: &HuaweiIdentity, p: &HwProjectCfg) -> Value {
    json!({
        "domain_id": ident.domain_id,
        "is_domain": false,
        "parent_id": "",
        "name": p.region,
        "description": "",
        "id": p.id,
        "enabled": true,
        "links": {"self": format!("{IAM_LINK}/projects/{}", p.id)},
    })
}

/// ListProjects' answer.
pub fn iam_projects(projects: Vec<Value>) -> Value {
    json!({"projects": projects, "links": {"self": format!("{IAM_LINK}/auth/projects")}})
}

/// One project of ListDomainProjects.
pub fn domain_project(p: &HwProjectCfg) -> Value {
    json!({"project_id": p.id, "project_name": p.region})
}

/// ShowDomain's answer: the project with its account.
pub fn domain(ident: &HuaweiIdentity, p: &HwProjectCfg) -> Value {
    json!({
        "project_name": p.region,
        "project_id": p.id,
        "domain_id": ident.domain_id,
        "domain_name": ident.domain_name,
    })
}

/// One project's migration as ShowMigrateStatus answers it (a failure with its code and reason).
pub fn migration(p: &HwProjectCfg, m: &Migration, progress: impl serde::Serialize) -> Value {
    let mut item = json!({
        "status": m.status,
        "project_id": p.id,
        "project_name": p.region,
        "region_id": p.region,
        "progress": progress,
    });
    if m.status == "failed" {
        item["fail_code"] = json!(m.fail_code);
        item["fail_reason"] = json!(m.fail_reason);
    }
    item
}

/// ShowMigrateStatus' answer: the overall status and each project's.
pub fn migrations(status: &str, projects: Vec<Value>) -> Value {
    json!({"status": status, "project_status": projects})
}

/// A prepaid vault's answer: the CBC order placed for it.
pub fn order_reply(vault_id: &str, order_id: String) -> Value {
    json!({
        "orders": [{"cloudServiceId": "cbr", "orderId": order_id, "subscribeResult": 1, "resourceId": vault_id}],
        "retCode": 0,
        "errText": "success",
        "error_code": "0",
    })
}

/// The order answers of ChangeVaultChargeMode, ChangeOrder and UpdateOrder.
pub fn order_answer(order: &str) -> Value {
    json!({"orderId": order, "retCode": 0, "retMsg": "success"})
}

/// CopyBackup's answer.
pub fn backup_copy(
    backup_id: &str,
    (dp, dr, dv): (&str, &str, &str),
    (project, region): (&str, &str),
    provider_id: &str,
    record: &str,
) -> Value {
    json!({"replication": {
        "backup_id": backup_id,
        "destination_project_id": dp,
        "destination_region": dr,
        "destination_vault_id": dv,
        "project_id": project,
        "provider_id": provider_id,
        "replication_record_id": record,
        "source_region": region,
    }})
}

/// One backup CopyCheckpoint started copying.
pub fn copied(backup_id: &str, record: &str) -> Value {
    json!({"backup_id": backup_id, "replication_record_id": record})
}

/// CopyCheckpoint's answer.
pub fn checkpoint_copy(
    backups: Vec<Value>,
    (dp, dr, dv): (&str, &str, &str),
    (project, region): (&str, &str),
    provider_id: &str,
    vault_id: &str,
) -> Value {
    json!({"replication": {
        "backups": backups,
        "destination_project_id": dp,
        "destination_region": dr,
        "destination_vault_id": dv,
        "project_id": project,
        "provider_id": provider_id,
        "source_region": region,
        "vault_id": vault_id,
    }})
}

/// ShowMetadata's answer: each piece a JSON-encoded string, as the doc returns them.
pub fn metadata(backup_id: &str, (backups, flavor, server): (String, String, String), volumes: Vec<String>) -> Value {
    json!({
        "backup_id": backup_id,
        "backups": backups,
        "flavor": flavor,
        "floatingips": [],
        "interface": "[]",
        "ports": [],
        "server": server,
        "volumes": volumes,
    })
}

/// ImportCheckpoint's answer.
pub fn vault_sync(oplog: &str, vault_id: &str) -> Value {
    json!({"sync": {"operation_log_id": oplog, "vault_id": vault_id}})
}

/// One deployment of an organization policy (ListOrganizationPolicyDetail).
pub fn org_deployment(d: &OrgDeployment) -> Value {
    json!({
        "policy_id": d.policy_id,
        "domain_id": d.domain_id,
        "project_id": d.project_id,
        "status": d.status,
        "error_msg": d.error_msg,
    })
}

/// An organization policy as it reads once its change is accepted (`status` already the new one).
pub fn org_policy_as(op: &OrgPolicy, status: &str) -> Value {
    let mut v = org_policy(op);
    v["status"] = json!(status);
    v
}

/// ListPolicies' answer.
pub fn policy_list(items: Vec<Value>) -> Value {
    json!({"count": items.len(), "policies": items})
}

/// A list of share records; `count` is the whole list's when paged, else this answer's.
pub fn members(items: Vec<Value>, count: Option<usize>) -> Value {
    let count = count.unwrap_or(items.len());
    json!({"members": items, "count": count})
}

/// One tag key of ShowVaultProjectTag with every value it has. TagsResp types `values` as
/// String; its example (and the SDK) has an array.
pub fn tag_values(key: &str, values: impl serde::Serialize) -> Value {
    json!({"key": key, "values": values})
}

/// CreateVault's answer: the vault, with the four fields only the create answer carries
/// (VaultCreateResource).
pub fn created_vault(p: &HwProject, project_id: &str, v: &Vault) -> Value {
    let mut out = vault(p, project_id, v);
    out["backup_name_prefix"] = json!(v.backup_name_prefix);
    out["demand_billing"] = json!(v.demand_billing);
    out["cbc_delete_count"] = json!(0);
    out["frozen"] = json!(v.billing.status == "frozen");
    out
}

/// `{}`: what AssociateVaultPolicy answers when it bound nothing.
pub fn empty_object() -> Value {
    json!({})
}

/// A vault–policy binding (AssociateVaultPolicy, DisassociateVaultPolicy); a replication
/// policy's carries its destination vault.
pub fn policy_binding(vault_id: &str, policy_id: &str, dest: Option<&str>) -> Value {
    let mut out = json!({"vault_id": vault_id, "policy_id": policy_id});
    if let Some(d) = dest {
        out["destination_vault_id"] = json!(d);
    }
    out
}

/// ShowSummary's answer: total size and used size of the project's vaults, in GB.
pub fn summary(size: i64, used_mb: i64) -> Value {
    json!({"size": size, "used_size": mb_to_gb(used_mb)})
}

// ---------------------------------------------------------------------------- the envelope

/// Huawei's answer: the API gateway's `X-Request-Id` on every response, JSON bodies as
/// `application/json;charset=utf8`, no body at all for 202/204, IAM's `X-Subject-Token`.
pub fn answer(status: u16, body: Vec<u8>, request_id: &str, subject_token: Option<String>) -> Answer {
    let mut a = Answer { status, content_type: "application/json;charset=utf8", headers: Vec::new(), body };
    a.headers.push(("x-request-id", request_id.to_string()));
    if let Some(t) = subject_token {
        a.headers.push(("x-subject-token", t));
    }
    a
}

pub fn error_body(err: &HwError, request_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"error_code": err.code, "error_msg": err.message, "request_id": request_id}))
        .unwrap_or_default()
}

pub fn error_answer(e: &HwError, request_id: &str) -> Answer {
    crate::core::record::note(|r| r.error_code = Some(e.code.to_string()));
    tracing::debug!(status = e.status, code = e.code, message = %e.message, "huawei request failed");
    answer(e.status, error_body(e, request_id), request_id, None)
}
