//! Backups (API 4.7): show, list, rename, delete, restore, replicate, metadata, import.

use std::cmp::Ordering;

use serde_json::{json, Value};

use crate::core::index::Ordered;
use crate::huawei::body::Query;
use crate::huawei::body::{check_description, check_name, Obj};
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::{backup, capacity, replication, restore, sharing as shares, task, vault};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::index::Walk;
use crate::huawei::model::{Backup, HwProject, HwWork, Member, TYPE_SERVER};
use crate::huawei::{pages, render};

pub fn show_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let id = req.param("backup_id");
    let p = ctx.proj_ref();
    if p.is_none_or(|p| !p.backups.contains_key(id)) {
        if let Some((_, owner, b, m)) = shares::shared_with(ctx.world.huawei, ctx.project, id) {
            return Reply::ok(render::one("backup", render::backup_view(owner, b, m)));
        }
    }
    let b = backup::get(p, id)?;
    Reply::ok(render::one("backup", render::backup(p.expect("backup found"), b)))
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
        "status" => (0, b.status.to_string()),
        _ => (0, b.id.clone()),
    }
}

/// ListBackups' query filters, checked in the order the service checks them.
struct BackupFilter<'q> {
    q: &'q Query,
    own_type: &'q str,
    member_status: Option<&'q str>,
    image_type: Option<&'q str>,
    incremental: Option<bool>,
    show_replication: bool,
    used_percent: Option<i64>,
    start: Option<i64>,
    end: Option<i64>,
    name: Option<&'q str>,
    statuses: Vec<&'q str>,
    parent: Option<&'q str>,
}

const BACKUP_STATUSES: &[&str] = &[
    "available",
    "protecting",
    "deleting",
    "restoring",
    "error",
    "waiting_protect",
    "waiting_delete",
    "waiting_restore",
];

impl<'q> BackupFilter<'q> {
    fn parse(q: &'q Query) -> HwResult<Self> {
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
        if let Some(s) = statuses.iter().find(|s| !BACKUP_STATUSES.contains(s)) {
            return Err(invalid(format!("status: `{s}` is not a backup status")));
        }
        let parent = q.get("parent_id");
        Ok(BackupFilter {
            q,
            own_type,
            member_status,
            image_type,
            incremental,
            show_replication,
            used_percent,
            start,
            end,
            name,
            statuses,
            parent,
        })
    }

    /// Whether a backup (seen through its share record, when shared) passes every filter;
    /// `full_vaults` are the vaults at or over `used_percent`.
    fn keeps(&self, b: &Backup, m: Option<&Member>, full_vaults: &[&str]) -> bool {
        let eq = |key: &str| self.q.get(key);
        let parent_ok = match self.parent {
            Some(pid) => b.parent_id.as_deref() == Some(pid),
            None => b.parent_id.is_none(),
        };
        parent_ok
            && eq("checkpoint_id").is_none_or(|x| b.checkpoint_id == x)
            && eq("vault_id").is_none_or(|x| shares::vault_seen(b, m) == x)
            && eq("resource_id").is_none_or(|x| b.resource_id == x)
            && eq("resource_type").is_none_or(|x| b.resource_type == x)
            && eq("resource_az").is_none_or(|x| b.resource_az == x)
            && eq("resource_name").is_none_or(|x| b.resource_name.contains(x))
            && self.name.is_none_or(|x| b.name.contains(x))
            && self.image_type.is_none_or(|x| b.image_type == x)
            && self.incremental.is_none_or(|x| b.incremental == x)
            && (self.statuses.is_empty() || self.statuses.contains(&&*b.status))
            && self.start.is_none_or(|t| b.created_ms >= t)
            && self.end.is_none_or(|t| b.created_ms <= t)
            && (self.used_percent.is_none() || full_vaults.contains(&shares::vault_seen(b, m)))
    }
}

/// (whose backup, the backup, the share record when it is shared with this project)
type Listed<'w> = (&'w HwProject, &'w Backup, Option<&'w Member>);

/// The backups ListBackups looks at: the project's own, those shared with it, or both.
fn candidates<'w>(ctx: &'w Ctx<'_>, f: &BackupFilter<'_>) -> Vec<Listed<'w>> {
    let world = &ctx.world.huawei;
    let mut entries: Vec<Listed<'w>> = Vec::new();
    if f.own_type != "shared" {
        entries
            .extend(world.get(ctx.project).into_iter().flat_map(|p| p.backups.values().map(move |b| (p, &**b, None))));
    }
    // Shared backups are listed once accepted unless `member_status` names another state, as
    // OpenStack Glance lists shared images (CBR's member API follows Glance's).
    if f.own_type != "private" {
        let shared = shares::shared_to(world, ctx.project, f.member_status.unwrap_or("accepted"));
        entries.extend(shared.into_iter().map(|(p, b, m)| (p, b, Some(m))));
    }
    entries
}

/// The project's vaults whose used share of their size is at least `pct` percent.
fn vaults_at_least(p: Option<&HwProject>, pct: Option<i64>) -> Vec<&str> {
    match (pct, p) {
        (Some(pct), Some(p)) => p
            .vaults
            .values()
            .filter(|v| capacity::used_mb(p, &v.id) * 100 >= pct * v.billing.size * 1024)
            .map(|v| v.id.as_str())
            .collect(),
        _ => vec![],
    }
}

/// The equality filters the backup index keeps a group for.
const GROUPED: &[&str] = &["vault_id", "resource_id", "resource_type", "image_type", "checkpoint_id", "status"];

/// The filters only a scan answers.
const SCANNED: &[&str] = &["resource_az", "resource_name"];

/// A page read off the backup index: (the page, `count`, where it starts).
type IndexedPage<'p> = (Vec<&'p Backup>, usize, usize);

/// ListBackups from the backup index, when the query is one it keeps a list for: the project's
/// own whole backups in one documented order, with no filter or (in creation order) one
/// equality filter. `None`: the query needs a scan.
fn indexed_page<'p>(
    p: &'p HwProject,
    f: &BackupFilter<'_>,
    sort: &[(String, bool)],
    (offset, limit): (usize, usize),
) -> Option<HwResult<IndexedPage<'p>>> {
    let q = f.q;
    let plain = f.own_type == "private"
        && f.parent.is_none()
        && f.used_percent.is_none()
        && f.name.is_none()
        && f.incremental.is_none()
        && f.start.is_none()
        && f.end.is_none()
        && f.statuses.len() <= 1
        && SCANNED.iter().all(|k| q.get(k).is_none());
    let [(key, desc)] = sort else { return None };
    if !plain {
        return None;
    }
    let desc = *desc;
    let filters: Vec<(&str, &str)> = GROUPED.iter().filter_map(|k| q.get(k).map(|v| (*k, v))).collect();
    let ix = p.backups.index();
    let marker = q.get("marker");
    let created = |b: &Backup| (b.created_ms, b.seq);
    let text = |s: &str, b: &Backup| (Box::<str>::from(s), b.seq);
    let seqs = match (filters.as_slice(), key.as_str()) {
        ([], "created_at") => walk(p, &ix.created, desc, marker, created, offset, limit),
        ([], "updated_at") => walk(p, &ix.updated, desc, marker, |b| (b.updated_ms, b.seq), offset, limit),
        ([], "protected_at") => {
            walk(p, &ix.protected, desc, marker, |b| (b.protected_ms.unwrap_or(0), b.seq), offset, limit)
        }
        ([], "name") => walk(p, &ix.name, desc, marker, |b| text(&b.name, b), offset, limit),
        ([], "status") => walk(p, &ix.status, desc, marker, |b| text(&b.status, b), offset, limit),
        ([], _) => walk(p, &ix.id, desc, marker, |b| text(&b.id, b), offset, limit),
        ([("status", value)], "name") => {
            let empty = Default::default();
            let list = ix.status_name.get(*value).unwrap_or(&empty);
            walk(p, list, desc, marker, |b| text(&b.name, b), offset, limit)
        }
        ([(filter, value)], "created_at") => {
            let group = match *filter {
                "vault_id" => &ix.by_vault,
                "resource_id" => &ix.by_resource,
                "resource_type" => &ix.by_resource_type,
                "image_type" => &ix.by_image_type,
                "checkpoint_id" => &ix.by_checkpoint,
                _ => &ix.by_status,
            };
            let empty = Default::default();
            walk(p, group.get(*value).unwrap_or(&empty), desc, marker, created, offset, limit)
        }
        _ => return None,
    };
    Some(seqs.map(|(seqs, count, start)| {
        let page = seqs.into_iter().filter_map(|s| ix.rows.get(s)).collect();
        (page, count, start)
    }))
}

/// One page of a sorted index list: (its seqs, the list's length, its first rank). `marker`
/// (the previous page's last backup) starts the page after it, in place of `offset`.
fn walk<K: Ord>(
    p: &HwProject,
    list: &Ordered<(K, u64)>,
    desc: bool,
    marker: Option<&str>,
    entry: impl Fn(&Backup) -> (K, u64),
    offset: usize,
    limit: usize,
) -> HwResult<(Vec<u64>, usize, usize)> {
    let w = Walk::new(list, desc);
    let start = match marker {
        None => offset,
        Some(m) => p
            .backups
            .get(m)
            .and_then(|b| w.rank(&entry(b)))
            .map(|r| r + 1)
            .ok_or_else(|| invalid("marker: no such backup"))?,
    };
    Ok((w.page(start, limit), w.len(), start))
}

pub fn list_backups(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    let (limit, offset) = q.page(1000)?;
    let sort = parse_sort(q.get("sort"), SORT_KEYS)?;
    let f = BackupFilter::parse(q)?;
    // Kept (huawei/pages.rs): the tables this query reads, no clock.
    let stamps = pages::backup_stamps(ctx.world.huawei, ctx.project, f.own_type != "private", f.used_percent.is_some());
    pages::kept_or_rendered(ctx, "ListBackups", req, stamps, |ctx| backup_page(ctx, q, &f, &sort, (offset, limit)))
}

/// ListBackups' page as `f` and `sort` pick it, from the index when it keeps the list asked for.
fn backup_page(
    ctx: &Ctx<'_>,
    q: &Query,
    f: &BackupFilter<'_>,
    sort: &[(String, bool)],
    (offset, limit): (usize, usize),
) -> HwResult<Vec<u8>> {
    if let Some(p) = ctx.world.huawei.get(ctx.project) {
        if let Some(page) = indexed_page(p, f, sort, (offset, limit)) {
            let (page, count, start) = page?;
            let items: Vec<_> =
                page.into_iter().map(|b| render::listed_backup(p, b, None, f.show_replication)).collect();
            return Ok(render::backup_list(&items, count, limit, start));
        }
    }
    let full_vaults = vaults_at_least(ctx.world.huawei.get(ctx.project), f.used_percent);
    let mut list: Vec<Listed<'_>> =
        candidates(ctx, f).into_iter().filter(|(_, b, m)| f.keeps(b, *m, &full_vaults)).collect();
    list.sort_by(|(_, a, _), (_, b, _)| by_sort_keys(sort, *a, *b, sort_value).then(b.seq.cmp(&a.seq)));
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
    let items: Vec<_> = list
        .iter()
        .skip(start)
        .take(limit)
        .map(|(p, b, m)| render::listed_backup(p, b, *m, f.show_replication))
        .collect();
    Ok(render::backup_list(&items, list.len(), limit, start))
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
    if let Some(n) = name {
        let mut b = ctx.proj().backups.get_mut(id.as_str()).expect("backup found");
        b.name = n.into();
        b.updated_ms = now;
    }
    let p = ctx.proj_ref().expect("backup found");
    Reply::ok(render::one("backup", render::backup(p, &p.backups[id.as_str()])))
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
    let resource = (b.resource_id.clone(), b.resource_name.clone(), b.resource_type.to_string());
    let (checkpoint, provider) = (b.checkpoint_id.clone(), b.provider_id.clone());
    let now = ctx.now;
    let pr = ctx.proj();
    let children = pr.backups[id.as_str()].children.clone();
    for bid in std::iter::once(&id).chain(&children) {
        if let Some(mut x) = pr.backups.get_mut(bid.as_str()) {
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
    let to = restore::RestoreTo { server_id, volume_id, resource_id, mappings };
    restore::start_restore(ctx, req.param("backup_id"), &to)?;
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
    Reply::ok(render::backup_copy(&id, (dp, dr, dv), (ctx.project, ctx.region), &b.provider_id, &record))
}

pub fn show_metadata(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let b = backup::get(ctx.proj_ref(), req.param("backup_id"))?;
    let m = b.metadata.value();
    // The doc returns each piece as a JSON-encoded string.
    let text = |k: &str| m.get(k).map(|v| v.to_string()).unwrap_or_else(|| "{}".into());
    let volumes: Vec<String> = m
        .get("volumes")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    Reply::ok(render::metadata(&b.id, (text("backups"), text("flavor"), text("server")), volumes))
}

pub fn import_backup(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["sync"])?;
    let items = root.objs("sync", 1, 50)?.ok_or_else(|| root.missing("sync"))?;
    let mut out = Vec::new();
    for s in &items {
        let item = synced_backup(s)?;
        let log = backup::import_synced(ctx, &item, &s.path)?;
        out.push(render::synced_backup(&item.backup_id, &log));
    }
    Reply::ok(render::sync_answer(out))
}

/// One ImportBackup item: a backup synchronized from a hybrid-cloud site.
fn synced_backup(s: &Obj<'_>) -> HwResult<backup::Synced> {
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
    let resource_type = s
        .enum_str("resource_type", &["OS::Native::Server", "OS::VMware::Server", TYPE_SERVER])?
        .ok_or_else(|| s.missing("resource_type"))?
        .to_string();
    let created = s.int("created_at", 0, i64::MAX / 1000)?.ok_or_else(|| s.missing("created_at"))?;
    Ok(backup::Synced { backup_id, name: name.into(), resource_id, resource_name, resource_type, created })
}
