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

pub use super::shapes::spec_code;

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
    let mut extra = match o.extra.value() {
        Value::Object(m) => m,
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
    let mut a = Answer::with_type(status, "application/json;charset=utf8", body);
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

#[cfg(test)]
mod shapes_match {
    //! The shapes (shapes.rs) against the `json!` builders they replaced (kept here as the reference): the
    //! same bytes for varied backups and vaults.
    use super::{spec_code, tags, time};
    use crate::core::change::Table;
    use crate::huawei::domain::capacity::{mb_to_gb, resource_size, resource_totals, used_mb};
    use crate::huawei::model::{Backup, HwProject, ReplicationRecord, Vault, TYPE_SERVER};
    use crate::huawei::shapes::*;
    use serde_json::{json, Value};

    fn opt_time(ms: Option<i64>) -> Value {
        ms.map(|m| Value::String(time(m))).unwrap_or(Value::Null)
    }

    fn old_record(r: &ReplicationRecord) -> Value {
        json!({
            "id": r.id, "created_at": time(r.created_ms), "status": r.status, "vault_id": r.vault_id,
            "source_backup_id": r.source_backup_id, "source_checkpoint_id": r.source_checkpoint_id,
            "source_project_id": r.source_project_id, "source_region": r.source_region,
            "destination_backup_id": r.destination_backup_id, "destination_checkpoint_id": r.destination_checkpoint_id,
            "destination_project_id": r.destination_project_id, "destination_region": r.destination_region,
            "destination_vault_id": r.destination_vault_id,
            "extra_info": {"progress": r.progress, "fail_code": r.fail_code, "fail_reason": r.fail_reason,
                "auto_trigger": r.auto_trigger, "destination_vault_id": r.destination_vault_id},
        })
    }

    fn old_backup(p: &HwProject, b: &Backup) -> Value {
        let children: Vec<Value> =
            b.children.iter().filter_map(|c| p.backups.get(c.as_str())).map(|c| old_backup(p, c)).collect();
        let is_server = b.resource_type == TYPE_SERVER;
        json!({
            "id": b.id, "name": b.name, "description": b.description, "checkpoint_id": b.checkpoint_id,
            "vault_id": b.vault_id, "project_id": b.project_id, "enterprise_project_id": "0",
            "provider_id": b.provider_id, "resource_id": b.resource_id, "resource_name": b.resource_name,
            "resource_type": b.resource_type, "resource_size": b.resource_size, "resource_az": b.resource_az,
            "image_type": b.image_type, "status": b.status, "parent_id": b.parent_id, "children": children,
            "created_at": time(b.created_ms), "updated_at": time(b.updated_ms),
            "protected_at": opt_time(b.protected_ms), "expired_at": opt_time(b.expired_ms),
            "incremental": b.incremental, "version": 0,
            "replication_records": b.replication_records.iter().map(old_record).collect::<Vec<_>>(),
            "extend_info": {
                "auto_trigger": b.auto_trigger, "bootable": b.bootable, "support_lld": false,
                "contain_system_disk": is_server, "encrypted": false, "system_disk": b.bootable && !is_server,
                "is_multi_az": false, "snapshot_id": b.snapshot_id,
                "supported_restore_mode": if is_server { "backup" } else { "snapshot" }, "os_images_data": null,
            },
        })
    }

    /// The old ListBackups entry: `backup_view` for a shared one, records emptied unless asked.
    fn old_listed(p: &HwProject, b: &Backup, vault: Option<&str>, show_replication: bool) -> Value {
        fn put_vault(v: &mut Value, vault: &str) {
            v["vault_id"] = json!(vault);
            for c in v["children"].as_array_mut().into_iter().flatten() {
                put_vault(c, vault);
            }
        }
        let mut v = old_backup(p, b);
        if let Some(vault) = vault {
            put_vault(&mut v, vault);
        }
        if !show_replication {
            v["replication_records"] = json!([]);
        }
        v
    }

    fn old_vault(p: &HwProject, project_id: &str, v: &Vault) -> Value {
        let resources: Vec<Value> = v
            .resources
            .iter()
            .map(|r| {
                let (count, size_mb) = resource_totals(p, &v.id, &r.id);
                json!({"id": r.id, "name": r.name, "type": r.kind, "protect_status": r.protect_status,
                "size": resource_size(p, &r.id, &r.exclude_volumes), "backup_size": mb_to_gb(size_mb),
                "backup_count": count, "extra_info": {"exclude_volumes": r.exclude_volumes}})
            })
            .collect();
        let allocated: i64 = v.resources.iter().map(|r| resource_size(p, &r.id, &r.exclude_volumes)).sum();
        let b = &v.billing;
        json!({
            "id": v.id, "name": v.name, "description": v.description, "project_id": project_id,
            "provider_id": v.provider_id, "resources": resources, "tags": tags(&v.tags),
            "enterprise_project_id": v.enterprise_project_id, "auto_bind": v.auto_bind,
            "bind_rules": if v.bind_rules.is_empty() { json!({}) } else { json!({"tags": tags(&v.bind_rules)}) },
            "user_id": v.user_id, "created_at": time(v.created_ms), "auto_expand": v.auto_expand,
            "smn_notify": v.smn_notify, "threshold": v.threshold, "sys_lock_source_service": v.sys_lock_source_service,
            "locked": v.locked, "availability_zone": v.availability_zone,
            "billing": {
                "allocated": allocated, "charging_mode": b.charging_mode, "cloud_type": b.cloud_type,
                "consistent_level": b.consistent_level, "object_type": b.object_type, "order_id": b.orders.last(),
                "product_id": b.product_id, "protect_type": b.protect_type, "size": b.size,
                "spec_code": spec_code(&b.protect_type, &b.object_type), "status": b.status, "storage_unit": null,
                "used": used_mb(p, &v.id), "frozen_scene": null, "is_multi_az": b.is_multi_az,
            },
        })
    }

    const TEXTS: [&str; 6] = ["", "plain", "a \"q\" \\ b", "line\nbreak\u{1}", "中文 🙂", "2026-12-03"];
    const TIMES: [i64; 6] = [0, 1, 1_733_000_000_123, 253_402_300_799_999, -1, 253_402_300_800_000];

    fn record(i: usize) -> Value {
        let t = |k: usize| TEXTS[(i + k) % TEXTS.len()];
        json!({"id": t(0), "created_ms": TIMES[i % TIMES.len()], "status": t(1), "vault_id": t(2),
            "source_backup_id": t(3), "source_checkpoint_id": t(4), "source_project_id": t(5), "source_region": t(0),
            "destination_backup_id": t(1), "destination_checkpoint_id": t(2), "destination_project_id": t(3),
            "destination_region": t(4), "destination_vault_id": t(5), "progress": i as i64 - 3,
            "fail_code": t(1), "fail_reason": t(2), "auto_trigger": i.is_multiple_of(2)})
    }

    fn model_backup(i: usize, children: Vec<String>, parent: Option<String>) -> Backup {
        let t = |k: usize| TEXTS[(i + k) % TEXTS.len()];
        let flag = |k: usize| (i >> k) & 1 == 1;
        let time = |k: usize| TIMES[(i + k) % TIMES.len()];
        serde_json::from_value(json!({
            "id": format!("b{i}"), "seq": i, "name": t(0), "description": flag(0).then(|| t(1)),
            "checkpoint_id": t(2), "vault_id": format!("v{}", i % 2), "project_id": "p", "provider_id": t(3),
            "resource_id": format!("r{}", i % 3), "resource_name": t(4),
            "resource_type": if flag(1) { TYPE_SERVER } else { "OS::Cinder::Volume" },
            "resource_size": ([0, 10, i64::MAX, -5][i % 4]), "resource_az": t(5), "image_type": t(1), "status": t(2),
            "parent_id": parent, "children": children, "created_ms": time(0), "updated_ms": time(1),
            "protected_ms": flag(2).then(|| time(2)), "expired_ms": flag(3).then(|| time(3)),
            "incremental": flag(4), "auto_trigger": flag(5), "policy_id": null, "size_mb": 100 + i as i64,
            "bootable": flag(6), "snapshot_id": flag(7).then(|| t(3)),
            "replication_records": (0..i % 3).map(|k| record(i + k)).collect::<Vec<_>>(), "metadata": {}
        }))
        .unwrap()
    }

    fn project() -> HwProject {
        let mut backups: Vec<Backup> = Vec::new();
        for i in 0..64usize {
            // Every fourth backup has two per-disk children.
            let kids = if i.is_multiple_of(4) {
                vec![format!("b{}", 1000 + 2 * i), format!("b{}", 1001 + 2 * i)]
            } else {
                vec![]
            };
            for (k, kid) in kids.iter().enumerate() {
                let mut c = model_backup(i + 7 + k, vec![], Some(format!("b{i}")));
                c.id = kid.clone();
                c.seq = 10_000 + (2 * i + k) as u64;
                backups.push(c);
            }
            backups.push(model_backup(i, kids, None));
        }
        let vaults: Table<String, Vault> = (0..4)
            .map(|i| {
                let t = |k: usize| TEXTS[(i + k) % TEXTS.len()];
                let tag = |k: usize| json!({"key": t(k), "value": t(k + 1)});
                let v: Vault = serde_json::from_value(json!({
                    "id": format!("v{i}"), "seq": i, "name": t(0), "description": (i.is_multiple_of(2)).then(|| t(1)),
                    "user_id": t(2), "created_ms": TIMES[i], "updated_ms": 0, "provider_id": t(3),
                    "resources": (0..i + 1).map(|r| json!({"id": format!("r{r}"), "name": t(r), "type": t(r + 1),
                        "exclude_volumes": if r.is_multiple_of(2) { vec![] } else { vec!["vol-1", "x\""] },
                        "protect_status": t(r + 2), "suspended": false})).collect::<Vec<_>>(),
                    "tags": (0..i).map(tag).collect::<Vec<_>>(), "enterprise_project_id": t(4), "auto_bind": i % 2 == 1,
                    "bind_rules": (0..i % 3).map(tag).collect::<Vec<_>>(), "auto_expand": i > 1, "smn_notify": i == 2,
                    "threshold": 80, "sys_lock_source_service": t(5), "locked": i == 3,
                    "availability_zone": (i % 2 == 1).then(|| t(0)), "backup_name_prefix": null, "demand_billing": true,
                    "billing": {"cloud_type": "public", "consistent_level": t(1), "object_type": (["disk", "server", "turbo", "x"][i]),
                        "protect_type": t(2), "size": 100, "charging_mode": t(3), "status": t(4), "is_multi_az": i == 1,
                        "orders": (0..i).map(|o| format!("o{o}")).collect::<Vec<_>>(), "product_id": (i == 2).then_some("prod")},
                    "policies": []
                }))
                .unwrap();
                (v.id.clone(), v)
            })
            .collect();
        let volumes: Table<String, crate::huawei::model::Volume> = (0..3)
            .map(|r| {
                let v = serde_json::from_value(json!({"id": format!("r{r}"), "name": "n", "size": 10 * r + 1,
                    "status": "available", "volume_type": "SSD", "availability_zone": "az", "bootable": false,
                    "server_id": null, "device": null, "tags": [], "created_ms": 0}))
                .unwrap();
                (format!("r{r}"), v)
            })
            .collect();
        HwProject {
            backups: backups.into_iter().map(|b| (b.id.as_str().into(), crate::core::shared::Shared::new(b))).collect(),
            vaults,
            volumes,
            ..Default::default()
        }
    }

    #[test]
    fn backups_serialize_as_the_json_builders_did() {
        let p = project();
        let listed: Vec<&Backup> = p.backups.values().filter(|b| b.parent_id.is_none()).map(|b| &**b).collect();
        for b in &listed {
            assert_eq!(
                serde_json::to_vec(&super::backup(&p, b)).unwrap(),
                serde_json::to_vec(&old_backup(&p, b)).unwrap()
            );
            for (vault, show) in [(None, false), (None, true), (Some("v9\""), false), (Some("v9"), true)] {
                let got = serde_json::to_vec(&backup(&p, b, vault, show)).unwrap();
                let want = serde_json::to_vec(&old_listed(&p, b, vault, show)).unwrap();
                let mut written = Vec::new();
                backup(&p, b, vault, show).write_json(&mut written);
                assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(want.clone()).unwrap(), "{}", b.id);
                assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "{}", b.id);
            }
        }
        // A page written into a body: the bytes of the old `{"backups": [...], "count", ...}`.
        let page: Vec<BackupOut<'_>> = listed.iter().take(7).map(|b| backup(&p, b, None, false)).collect();
        let old: Vec<Value> = listed.iter().take(7).map(|b| old_listed(&p, b, None, false)).collect();
        let want = json!({"backups": old, "count": 64, "limit": 7, "offset": 3});
        assert_eq!(counted_page("backups", &page, 64, 7, 3), serde_json::to_vec(&want).unwrap());
    }

    #[test]
    fn vaults_serialize_as_the_json_builders_did() {
        let p = project();
        for v in p.vaults.values() {
            let got = serde_json::to_vec(&vault(&p, "proj\"1", v)).unwrap();
            let want = serde_json::to_vec(&old_vault(&p, "proj\"1", v)).unwrap();
            let mut written = Vec::new();
            vault(&p, "proj\"1", v).write_json(&mut written);
            assert_eq!(String::from_utf8(written).unwrap(), String::from_utf8(want.clone()).unwrap(), "{}", v.id);
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "{}", v.id);
        }
        let page: Vec<VaultOut<'_>> = p.vaults.values().map(|v| vault(&p, "p", v)).collect();
        let old: Vec<Value> = p.vaults.values().map(|v| old_vault(&p, "p", v)).collect();
        let want = serde_json::to_vec(&crate::huawei::render::counted_page("vaults", old, 9, 20, 0)).unwrap();
        assert_eq!(counted_page("vaults", &page, 9, 20, 0), want);
    }
}
