//! Backups (API 4.7): show, list, rename, delete, restore, replicate, metadata, import.

use std::cmp::Ordering;

use serde_json::{json, Value};

use crate::huawei::body::{check_description, check_name, Obj};
use crate::huawei::domain::{backup, capacity, replication, sharing as shares, task, vault};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{Backup, HwProject, HwWork, Member, TYPE_SERVER};
use crate::huawei::{render, Ctx, Reply, Req};

pub fn show_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("backup_id");
    let p = ctx.proj_ref();
    if p.is_none_or(|p| !p.backups.contains_key(id)) {
        if let Some((_, owner, b, m)) = shares::shared_with(&ctx.world.huawei, ctx.project, id) {
            return Reply::ok(json!({"backup": render::backup_view(owner, b, m)}));
        }
    }
    let b = backup::get(p, id)?;
    Reply::ok(json!({"backup": render::backup(p.expect("backup found"), b)}))
}

const SORT_KEYS: &[&str] = &["created_at", "updated_at", "name", "status", "protected_at", "id"];

/// `sort=key[:asc|desc],...` over `keys`; the default is `created_at:desc`.
pub fn parse_sort(s: Option<&str>, keys: &[&str]) -> HwResult<Vec<(String, bool)>> {
    let Some(s) = s else { return Ok(vec![("created_at".into(), true)]) };
    if s.len() > 255 {
        return Err(invalid("sort: at most 255 characters"));
    }
    s.split(',')
        .map(|part| {
            let (key, dir) = part.trim().split_once(':').unwrap_or((part.trim(), "desc"));
            if !keys.contains(&key) {
                return Err(invalid(format!("sort: `{key}` is not one of {}", keys.join(", "))));
            }
            match dir {
                "asc" => Ok((key.to_string(), false)),
                "desc" => Ok((key.to_string(), true)),
                _ => Err(invalid(format!("sort: direction `{dir}` is not asc or desc"))),
            }
        })
        .collect()
}

/// `a` against `b` by the parsed sort keys, in order; `Equal` when every key ties.
pub fn by_sort_keys<T>(sort: &[(String, bool)], a: &T, b: &T, value: fn(&T, &str) -> (i64, String)) -> Ordering {
    for (key, desc) in sort {
        let o = value(a, key).cmp(&value(b, key));
        let o = if *desc { o.reverse() } else { o };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

fn sort_value(b: &Backup, key: &str) -> (i64, String) {
    match key {
        "created_at" => (b.created_ms, String::new()),
        "updated_at" => (b.updated_ms, String::new()),
        "protected_at" => (b.protected_ms.unwrap_or(0), String::new()),
        "name" => (0, b.name.clone()),
        "status" => (0, b.status.clone()),
        _ => (0, b.id.clone()),
    }
}

pub fn list_backups(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    let (limit, offset) = q.page(1000)?;
    let sort = parse_sort(q.get("sort"), SORT_KEYS)?;
    let own_type = q.enum_str("own_type", &["private", "shared", "all_granted"])?.unwrap_or("private");
    let member_status = q.enum_str("member_status", &["pending", "accepted", "rejected"])?;
    let image_type = q.enum_str("image_type", &["backup", "replication"])?;
    let incremental = q.bool("incremental")?;
    q.bool("dec")?;
    let show_replication = q.bool("show_replication")?.unwrap_or(false);
    let used_percent = q.int("used_percent", 1, 100)?;
    let start = q.time("start_time")?;
    let end = q.time("end_time")?;
    let name = q.get("name");
    if name.is_some_and(|n| n.chars().count() > 255) {
        return Err(invalid("name: at most 255 characters"));
    }
    let statuses = q.all("status");
    const STATUSES: &[&str] = &[
        "available",
        "protecting",
        "deleting",
        "restoring",
        "error",
        "waiting_protect",
        "waiting_delete",
        "waiting_restore",
    ];
    if let Some(s) = statuses.iter().find(|s| !STATUSES.contains(s)) {
        return Err(invalid(format!("status: `{s}` is not a backup status")));
    }
    let parent = q.get("parent_id");
    let eq = |key: &str| q.get(key);
    let world = &ctx.world.huawei;
    let own = world.get(ctx.project);
    // (whose backup, the backup, the share record when it is shared with this project)
    let mut entries: Vec<(&HwProject, &Backup, Option<&Member>)> = Vec::new();
    if own_type != "shared" {
        entries.extend(own.into_iter().flat_map(|p| p.backups.values().map(move |b| (p, b, None))));
    }
    // Shared backups are listed once accepted unless `member_status` names another state, as
    // OpenStack Glance lists shared images (CBR's member API follows Glance's).
    if own_type != "private" {
        let shared = shares::shared_to(world, ctx.project, member_status.unwrap_or("accepted"));
        entries.extend(shared.into_iter().map(|(p, b, m)| (p, b, Some(m))));
    }
    let full_vaults: Vec<&str> = match (used_percent, own) {
        (Some(pct), Some(p)) => p
            .vaults
            .values()
            .filter(|v| capacity::used_mb(p, &v.id) * 100 >= pct * v.billing.size * 1024)
            .map(|v| v.id.as_str())
            .collect(),
        _ => vec![],
    };
    let mut list: Vec<(&HwProject, &Backup, Option<&Member>)> = entries
        .into_iter()
        .filter(|(_, b, _)| match parent {
            Some(pid) => b.parent_id.as_deref() == Some(pid),
            None => b.parent_id.is_none(),
        })
        .filter(|(_, b, _)| eq("checkpoint_id").is_none_or(|x| b.checkpoint_id == x))
        .filter(|(_, b, m)| eq("vault_id").is_none_or(|x| shares::vault_seen(b, *m) == x))
        .filter(|(_, b, _)| eq("resource_id").is_none_or(|x| b.resource_id == x))
        .filter(|(_, b, _)| eq("resource_type").is_none_or(|x| b.resource_type == x))
        .filter(|(_, b, _)| eq("resource_az").is_none_or(|x| b.resource_az == x))
        .filter(|(_, b, _)| eq("resource_name").is_none_or(|x| b.resource_name.contains(x)))
        .filter(|(_, b, _)| name.is_none_or(|x| b.name.contains(x)))
        .filter(|(_, b, _)| image_type.is_none_or(|x| b.image_type == x))
        .filter(|(_, b, _)| incremental.is_none_or(|x| b.incremental == x))
        .filter(|(_, b, _)| statuses.is_empty() || statuses.contains(&b.status.as_str()))
        .filter(|(_, b, _)| start.is_none_or(|t| b.created_ms >= t) && end.is_none_or(|t| b.created_ms <= t))
        .filter(|(_, b, m)| used_percent.is_none() || full_vaults.contains(&shares::vault_seen(b, *m)))
        .collect();
    list.sort_by(|(_, a, _), (_, b, _)| by_sort_keys(&sort, *a, *b, sort_value).then(b.seq.cmp(&a.seq)));
    // `marker` is the last id of the previous page: the page starts after it (in place of
    // `offset`), and `count` stays the total that matches, as it is without a marker.
    let start = match q.get("marker") {
        None => offset,
        Some(m) => list
            .iter()
            .position(|(_, b, _)| b.id == m)
            .map(|i| i + 1)
            .ok_or_else(|| invalid("marker: no such backup"))?,
    };
    // Only the page is rendered; `count` is the whole list.
    let items: Vec<Value> = list
        .iter()
        .skip(start)
        .take(limit)
        .map(|(p, b, m)| {
            let mut v = match m {
                Some(m) => render::backup_view(p, b, m),
                None => render::backup(p, b),
            };
            if !show_replication {
                v["replication_records"] = json!([]);
            }
            v
        })
        .collect();
    Reply::ok(json!({"backups": items, "count": list.len(), "limit": limit, "offset": start}))
}

pub fn update_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["backup"])?;
    let name = match root.obj("backup")? {
        Some(b) => {
            b.only(&["name"])?;
            b.str("name")?
        }
        None => None,
    };
    if let Some(n) = name {
        check_name("backup.name", n, false)?;
    }
    let id = req.param("backup_id").to_string();
    backup::get(ctx.proj_ref(), &id)?;
    let now = ctx.now;
    let b = ctx.proj().backups.get_mut(&id).expect("backup found");
    if let Some(n) = name {
        b.name = n.into();
        b.updated_ms = now;
    }
    let p = ctx.proj_ref().expect("backup found");
    Reply::ok(json!({"backup": render::backup(p, &p.backups[&id])}))
}

pub fn delete_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("backup_id").to_string();
    let project = ctx.project.to_string();
    let p = ctx.proj_ref();
    let b = backup::get(p, &id)?;
    if b.parent_id.is_some() {
        return Err(e::Bs6201(format!("Backup {id} is part of a server backup; delete the server backup instead.")));
    }
    if let Some(err) = backup::busy(b) {
        return Err(err);
    }
    let vault = vault::get(p, &b.vault_id)?;
    if vault.locked && b.auto_trigger {
        return Err(e::Bs6220("Automatic backups in a locked vault cannot be deleted manually."));
    }
    let (vid, vname) = (vault.id.clone(), vault.name.clone());
    let extra = json!({"delete": {"backup_id": id, "backup_name": b.name}});
    let resource = (b.resource_id.clone(), b.resource_name.clone(), b.resource_type.clone());
    let (checkpoint, provider) = (b.checkpoint_id.clone(), b.provider_id.clone());
    let now = ctx.now;
    let pr = ctx.proj();
    let children = pr.backups[&id].children.clone();
    for bid in std::iter::once(&id).chain(&children) {
        if let Some(x) = pr.backups.get_mut(bid) {
            x.status = "deleting".into();
            x.updated_ms = now;
        }
    }
    let log = ctx.new_oplog(&project, "delete", (&vid, &vname), extra);
    task::describe_task(ctx.world, &project, &log, &checkpoint, "", &provider, Some(resource));
    task::launch(ctx, &project, &log.clone(), HwWork::DeleteDone { project: project.clone(), backup: id, oplog: log });
    Reply::status(204)
}

pub fn restore_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["restore"])?;
    let r = root.req_obj("restore")?;
    r.only(&["mappings", "power_on", "server_id", "volume_id", "resource_id", "details"])?;
    r.bool("power_on")?;
    let server_id = r.str("server_id")?;
    let volume_id = r.str("volume_id")?;
    let resource_id = r.str("resource_id")?;
    if let Some(d) = r.obj("details")? {
        d.only(&["destination_path"])?;
        let path = d.req_str("destination_path")?;
        if path.is_empty() || path.len() > 255 || !path.chars().all(|c| c.is_ascii_alphanumeric() || ".\\/".contains(c))
        {
            return Err(invalid("restore.details.destination_path: up to 255 letters, digits, ., \\ and /"));
        }
    }
    let mappings: Vec<(String, String)> = match r.objs("mappings", 1, 256)? {
        None => vec![],
        Some(items) => items
            .iter()
            .map(|m| {
                m.only(&["backup_id", "volume_id"])?;
                Ok((m.req_str("backup_id")?.to_string(), m.req_str("volume_id")?.to_string()))
            })
            .collect::<HwResult<_>>()?,
    };

    let id = req.param("backup_id").to_string();
    let project = ctx.project.to_string();
    let p = ctx.proj_ref();
    let b = backup::get(p, &id)?;
    let p = p.expect("backup found");
    if b.image_type == "replication" {
        return Err(e::Bs2004("A replicated backup cannot be restored; copy it back or create a server from it."));
    }
    // §C.3: a backup being restored, deleted or replicated says so (6230, 6231, 6232); any
    // other state but `available` (being made, failed) does not allow a restore (2005).
    let busy_state = matches!(b.status.as_str(), "restoring" | "waiting_restore" | "deleting" | "waiting_delete");
    if b.status != "available" && !busy_state {
        return Err(e::Bs2005(format!("Backup {id} is {}; its status does not allow a restore.", b.status)));
    }
    if let Some(err) = backup::busy(b) {
        return Err(err);
    }
    let vault = vault::get(Some(p), &b.vault_id)?;
    if vault.billing.status != "available" {
        return Err(e::Bs6202("The backup's vault is not available; it cannot be used for restore."));
    }
    let target = if b.resource_type == TYPE_SERVER {
        let sid = server_id
            .or(resource_id)
            .ok_or_else(|| invalid("restore.server_id: required to restore a server backup"))?;
        if sid != b.resource_id {
            return Err(e::Bs2003("Restoring a server backup to a different server is not allowed."));
        }
        let server = p.servers.get(sid).ok_or_else(|| e::Bs7100(format!("Server {sid} does not exist.")))?;
        if mappings.is_empty() {
            return Err(invalid("restore.mappings: required to restore a server backup"));
        }
        for (child, vol) in &mappings {
            if !b.children.contains(child) {
                return Err(invalid(format!("restore.mappings: backup {child} is not a disk backup of {id}")));
            }
            let v = p.volumes.get(vol).ok_or_else(|| e::Bs7000(format!("Volume {vol} does not exist.")))?;
            if !server.volumes.contains(vol) {
                return Err(invalid(format!("restore.mappings: volume {vol} is not attached to server {sid}")));
            }
            if v.size < p.backups.get(child).map_or(0, |c| c.resource_size) {
                return Err(e::Bs2001(format!("Volume {vol} is smaller than the backed-up disk.")));
            }
        }
        (sid.to_string(), server.name.clone())
    } else {
        // "volume_id: required for a volume restore" (4.7.6); resource_id, the generic target,
        // also names it, as it names the server of a whole-server restore.
        let vid = volume_id
            .or(resource_id)
            .ok_or_else(|| invalid("restore.volume_id: required to restore a volume backup"))?;
        let v = p.volumes.get(vid).ok_or_else(|| e::Bs7000(format!("Volume {vid} does not exist.")))?;
        if v.size < b.resource_size {
            return Err(e::Bs2001(format!("Volume {vid} is smaller than the backed-up disk.")));
        }
        (vid.to_string(), v.name.clone())
    };
    if let Some(res) = p.vaults.values().find_map(|v| v.resource(&target.0)) {
        match res.protect_status.as_str() {
            "protecting" => return Err(e::Bs2002(format!("Resource {} is being backed up.", target.0))),
            "restoring" => return Err(e::Bs2010(format!("Resource {} is being restored.", target.0))),
            _ => {}
        }
    }
    let (vid, vname) = (vault.id.clone(), vault.name.clone());
    let extra = json!({"restore": {"backup_id": id, "backup_name": b.name, "target_resource_id": target.0, "target_resource_name": target.1}});
    let resource = (b.resource_id.clone(), b.resource_name.clone(), b.resource_type.clone());
    let (checkpoint, provider) = (b.checkpoint_id.clone(), b.provider_id.clone());
    let now = ctx.now;
    let pr = ctx.proj();
    if let Some(x) = pr.backups.get_mut(&id) {
        x.status = "restoring".into();
        x.updated_ms = now;
    }
    task::set_protect_status(pr, &target.0, "restoring");
    let log = ctx.new_oplog(&project, "restore", (&vid, &vname), extra);
    task::describe_task(ctx.world, &project, &log, &checkpoint, "", &provider, Some(resource));
    task::launch(ctx, &project, &log.clone(), HwWork::RestoreDone { project: project.clone(), backup: id, oplog: log });
    Reply::status(202)
}

pub fn copy_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["replicate"])?;
    let r = root.req_obj("replicate")?;
    r.only(&[
        "description",
        "destination_project_id",
        "destination_region",
        "destination_vault_id",
        "enable_acceleration",
        "name",
        "cross_account_urn",
    ])?;
    let description = r.str("description")?;
    if let Some(d) = description {
        check_description("replicate.description", d)?;
    }
    let name = r.str("name")?;
    if let Some(n) = name {
        check_name("replicate.name", n, false)?;
    }
    r.bool("enable_acceleration")?;
    r.str("cross_account_urn")?;
    let dp = r.req_str("destination_project_id")?;
    let dr = r.req_str("destination_region")?;
    let dv = r.req_str("destination_vault_id")?;
    let id = req.param("backup_id").to_string();
    let record = replication::replicate(ctx, &id, (dp, dr, dv), false, name, description)?;
    let b = backup::get(ctx.proj_ref(), &id)?;
    Reply::ok(json!({"replication": {
        "backup_id": id,
        "destination_project_id": dp,
        "destination_region": dr,
        "destination_vault_id": dv,
        "project_id": ctx.project,
        "provider_id": b.provider_id,
        "replication_record_id": record,
        "source_region": ctx.region,
    }}))
}

pub fn show_metadata(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let b = backup::get(ctx.proj_ref(), req.param("backup_id"))?;
    let m = &b.metadata;
    // The doc returns each piece as a JSON-encoded string.
    let text = |k: &str| m.get(k).map(|v| v.to_string()).unwrap_or_else(|| "{}".into());
    let volumes: Vec<String> = m
        .get("volumes")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    Reply::ok(json!({
        "backup_id": b.id,
        "backups": text("backups"),
        "flavor": text("flavor"),
        "floatingips": [],
        "interface": "[]",
        "ports": [],
        "server": text("server"),
        "volumes": volumes,
    }))
}

pub fn import_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["sync"])?;
    let items = root.objs("sync", 1, 50)?.ok_or_else(|| root.missing("sync"))?;
    let project = ctx.project.to_string();
    let mut out = Vec::new();
    for s in &items {
        s.only(&[
            "backup_id",
            "backup_name",
            "bucket_name",
            "image_path",
            "resource_id",
            "resource_name",
            "resource_type",
            "created_at",
        ])?;
        let backup_id = s.req_str("backup_id")?.to_string();
        let name = s.req_str("backup_name")?;
        check_name(&format!("{}.backup_name", s.path), name, false)?;
        let bucket = s.req_str("bucket_name")?;
        if bucket.is_empty() || bucket.len() > 255 {
            return Err(invalid(format!("{}.bucket_name: 1 to 255 characters", s.path)));
        }
        s.req_str("image_path")?;
        let resource_id = s.req_str("resource_id")?.to_string();
        let resource_name = s.req_str("resource_name")?.to_string();
        // The doc's example sends OS::Nova::Server, outside its own enum: accept it too.
        let rtype = s
            .enum_str("resource_type", &["OS::Native::Server", "OS::VMware::Server", TYPE_SERVER])?
            .ok_or_else(|| s.missing("resource_type"))?
            .to_string();
        let created = s.int("created_at", 0, i64::MAX / 1000)?.ok_or_else(|| s.missing("created_at"))?;
        let p = ctx.proj_ref();
        if p.is_some_and(|p| p.backups.contains_key(&backup_id)) {
            return Err(invalid(format!("{}.backup_id: backup {backup_id} already exists", s.path)));
        }
        let vault = p
            .into_iter()
            .flat_map(|p| p.vaults.values())
            .filter(|v| v.billing.cloud_type == "hybrid")
            .max_by_key(|v| v.resource(&resource_id).is_some())
            .ok_or_else(|| e::Bs7300("No hybrid-cloud vault in this project can receive synchronized backups."))?;
        let (vid, vname, provider) = (vault.id.clone(), vault.name.clone(), vault.provider_id.clone());
        let seq = ctx.world.next_seq();
        let checkpoint = ctx.ids.uuid();
        let backup = Backup {
            id: backup_id.clone(),
            seq,
            name: name.into(),
            description: None,
            checkpoint_id: checkpoint,
            vault_id: vid.clone(),
            project_id: project.clone(),
            provider_id: provider,
            resource_id: resource_id.clone(),
            resource_name: resource_name.clone(),
            resource_type: rtype.clone(),
            resource_size: 0,
            resource_az: String::new(),
            image_type: "backup".into(),
            status: "available".into(),
            parent_id: None,
            children: vec![],
            created_ms: created * 1000,
            updated_ms: ctx.now,
            protected_ms: Some(created * 1000),
            expired_ms: None,
            incremental: false,
            auto_trigger: false,
            policy_id: None,
            size_mb: 0,
            bootable: false,
            snapshot_id: None,
            replication_records: vec![],
            metadata: json!({}),
        };
        ctx.proj().backups.insert(backup_id.clone(), backup);
        let extra = json!({"sync": {"sync_backup_num": 1, "delete_backup_num": 0, "err_sync_backup_num": 0}});
        let log = ctx.new_oplog(&project, "sync", (&vid, &vname), extra);
        task::describe_task(ctx.world, &project, &log, "", "", "", Some((resource_id, resource_name, rtype)));
        task::end_task(ctx.world, &project, &log, ctx.now, None);
        out.push(json!({"backup_id": backup_id, "operation_log_id": log}));
    }
    Reply::ok(json!({"sync": out}))
}
