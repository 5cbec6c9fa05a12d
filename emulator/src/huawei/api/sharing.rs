//! Backup sharing (API 4.10): the owner adds members (projects of the same region, in any
//! account), each `pending` until the receiving project itself accepts the backup into one of
//! its vaults or rejects it. Share records live with the owner's backup (`HwProject.members`),
//! so they go when the backup goes; the receiver reaches them by scanning for its project id.
//!
//! Where the doc is thin: server and disk backups are shareable (the 4.10.1 text; 6700 names only
//! servers); a per-disk child backup is not shareable on its own (6707); at most
//! `huawei.limits.members_per_backup` (10, as the console says) projects per backup; `domains`
//! shares with the domain's project in the backup's region; accepting needs an available vault of
//! the receiver with room for the backup, of the backup's kind (6712, 6713, 6114); the receiver may
//! move between the three statuses at will. The receiver sees a shared backup (ShowBackup,
//! ListBackups `own_type=shared`) whatever its member status, and its own share record
//! (ShowMemberDetail, ShowMembersDetail) but no other; while accepted the backup's `vault_id`
//! reads as the receiving vault. Revoking (DeleteMember) is the owner's; other projects learn
//! nothing (6200).

use serde_json::Value;

use super::backups;
use crate::huawei::body::Obj;
use crate::huawei::ctx::{Ctx, Reply, Req};
use crate::huawei::domain::{capacity, sharing as shares, vault};
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{Backup, Member, TYPE_SERVER, TYPE_VOLUME};
use crate::huawei::{render, settings};

const STATUSES: &[&str] = &["accepted", "pending", "rejected"];
const SORT_KEYS: &[&str] = &["created_at", "updated_at", "status", "id", "dest_project_id", "vault_id"];

/// The doc's "UUID only" ids: 8-4-4-4-12 hex digits.
fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts.iter().zip([8, 4, 4, 4, 12]).all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// This project's own backup, for the owner-only operations. A backup shared *to* this project
/// cannot be shared on (6714); anything else is unknown here.
fn owned<'p>(ctx: &'p Ctx<'_>, id: &str) -> HwResult<&'p Backup> {
    if let Some(b) = ctx.proj_ref().and_then(|p| p.backups.get(id)) {
        return Ok(b);
    }
    if shares::shared_with(ctx.world.huawei, ctx.project, id).is_some() {
        return Err(e::Bs6714(format!("Backup {id} was shared with this project; it cannot be shared again.")));
    }
    Err(no_backup(id))
}

/// A backup this project neither owns nor receives (a third project learns nothing more).
fn no_backup(id: &str) -> e::HwError {
    e::Bs6200(format!("Backup {id} does not exist."))
}

/// A project to share with: configured, in this region, not this project.
fn target_project(ctx: &Ctx<'_>, project: &str) -> HwResult<String> {
    match settings::project_owner(ctx.cfg, project) {
        _ if project == ctx.project => Err(e::Bs6704("A backup cannot be shared with its own project.")),
        Some((_, _, region)) if region == ctx.region => Ok(project.to_string()),
        Some((_, _, region)) => Err(e::Bs6704(format!(
            "Project {project} is in {region}; a backup is shared within its region ({}) only.",
            ctx.region
        ))),
        None => Err(e::Bs6704(format!("Project {project} does not exist."))),
    }
}

/// `domains` (public beta): the domain's project in this region.
fn domain_project(ctx: &Ctx<'_>, domain: &str) -> HwResult<String> {
    let ident = ctx.cfg.accounts.iter().filter_map(|a| a.huawei.as_ref()).find(|i| i.domain_id == domain);
    let ident = ident.ok_or_else(|| e::Bs6704(format!("Domain {domain} does not exist.")))?;
    let p = ident.projects.iter().find(|p| p.region == ctx.region);
    let p = p.ok_or_else(|| e::Bs6704(format!("Domain {domain} has no project in {}.", ctx.region)))?;
    target_project(ctx, &p.id)
}

pub fn add_member(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["members", "domains"])?;
    let projects = root.strs("members", 0, usize::MAX)?.unwrap_or_default();
    let domains = root.strs("domains", 0, usize::MAX)?.unwrap_or_default();
    // Both lists are optional in the table, but a request that names nobody shares nothing.
    if projects.is_empty() && domains.is_empty() {
        return Err(invalid("members: name at least one project (or domains: one domain) to share with"));
    }
    let id = req.param("backup_id").to_string();
    let b = owned(ctx, &id)?;
    if let Some(parent) = &b.parent_id {
        return Err(e::Bs6707(format!("Backup {id} is a disk backup of server backup {parent}; share that one.")));
    }
    if b.resource_type != TYPE_SERVER && b.resource_type != TYPE_VOLUME {
        return Err(e::Bs6700(format!("Only cloud server and disk backups can be shared, not {}.", b.resource_type)));
    }
    if b.status != "available" {
        return Err(e::Bs6702(format!("Backup {id} is {}; only available backups can be shared.", b.status)));
    }
    let vault = vault::get(ctx.proj_ref(), &b.vault_id)?;
    if vault.billing.status != "available" {
        return Err(e::Bs6712(format!(
            "Vault {} is {}; its backups cannot be shared.",
            vault.id, vault.billing.status
        )));
    }
    let mut targets: Vec<String> = Vec::new();
    for p in &projects {
        targets.push(target_project(ctx, p)?);
    }
    for d in &domains {
        targets.push(domain_project(ctx, d)?);
    }
    let existing: Vec<&Member> =
        ctx.proj_ref().map(|p| p.members.values().filter(|m| m.backup_id == id).collect()).unwrap_or_default();
    for (i, t) in targets.iter().enumerate() {
        if targets[..i].contains(t) || existing.iter().any(|m| m.dest_project_id == *t) {
            return Err(e::Bs6703(format!("Backup {id} is already shared with project {t}.")));
        }
    }
    let limit = ctx.cfg.huawei.limits.members_per_backup;
    if existing.len() + targets.len() > limit {
        return Err(e::Bs6701(format!("A backup can be shared with at most {limit} projects.")));
    }
    let mut added = Vec::new();
    for t in targets {
        let m = Member {
            id: ctx.ids.uuid(),
            seq: ctx.world.next_seq(),
            backup_id: id.clone(),
            dest_project_id: t,
            status: "pending".into(),
            vault_id: None,
            created_ms: ctx.now,
            updated_ms: None,
        };
        added.push(render::member(&m));
        ctx.proj().members.insert(m.id.clone(), m);
    }
    // `count` is the number of members in this answer (the example prints none).
    Reply::ok(render::members(added, None))
}

pub fn update_member_status(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let body = req.json()?;
    let root = Obj::root(&body);
    root.only(&["status", "vault_id"])?;
    let status = root.req_str("status")?;
    if !STATUSES.contains(&status) {
        return Err(e::Bs6706(format!("Invalid status `{status}`: accepted, pending or rejected.")));
    }
    let vault_id = root.str("vault_id")?;
    if vault_id.is_some_and(|v| !is_uuid(v)) {
        return Err(e::Bs6706("Invalid vault_id: a UUID is required."));
    }
    if status == "accepted" && vault_id.is_none() {
        return Err(e::Bs6706("vault_id is required to accept a shared backup."));
    }
    let (id, member_id) = (req.param("backup_id"), req.param("member_id"));
    // Only the receiving project answers a share, and for itself.
    if member_id != ctx.project {
        return Err(e::Bs6706(format!(
            "A share is answered by the receiving project: member_id must be {}.",
            ctx.project
        )));
    }
    let Some((owner, _, b, m)) = shares::shared_with(ctx.world.huawei, ctx.project, id) else {
        if ctx.proj_ref().is_some_and(|p| p.backups.contains_key(id)) {
            return Err(e::Bs6705(format!("Backup {id} is not shared with project {member_id}.")));
        }
        return Err(no_backup(id));
    };
    let (owner, record, size_mb, kind) = (owner.to_string(), m.id.clone(), b.size_mb, b.resource_type.clone());
    if status == "accepted" {
        if b.status != "available" {
            return Err(e::Bs6702(format!("Backup {id} is {}; it cannot be accepted now.", b.status)));
        }
        let p = ctx.proj_ref();
        let v = vault::get(p, vault_id.unwrap_or_default())?;
        if v.billing.status != "available" {
            return Err(e::Bs6712(format!(
                "Vault {} is {}; it cannot receive shared backups.",
                v.id, v.billing.status
            )));
        }
        if v.billing.protect_type != "backup" || vault::resource_type_for(&v.billing.object_type) != Some(&*kind) {
            return Err(e::Bs6713(format!("Vault {} does not hold {kind} backups.", v.id)));
        }
        let free_mb = v.billing.size * 1024 - capacity::used_mb(p.expect("vault found"), &v.id);
        if free_mb < size_mb {
            return Err(e::Bs6114(format!("Vault {} has no room for backup {id}.", v.id)));
        }
    }
    let now = ctx.now;
    let m = ctx.world.huawei.get_mut(&owner).and_then(|p| p.members.get_mut(&record)).expect("share found");
    m.status = status.into();
    m.vault_id = (status == "accepted").then(|| vault_id.unwrap_or_default().to_string());
    m.updated_ms = Some(now);
    Reply::ok(render::one("member", render::member(m)))
}

/// The share records of a backup this project may see: all of its own backup's, or only its
/// own record of a backup shared with it.
fn visible<'w>(ctx: &'w Ctx<'_>, id: &str) -> HwResult<Vec<&'w Member>> {
    if let Some(p) = ctx.proj_ref().filter(|p| p.backups.contains_key(id)) {
        return Ok(p.members.values().filter(|m| m.backup_id == id).collect());
    }
    match shares::shared_with(ctx.world.huawei, ctx.project, id) {
        Some((_, _, _, m)) => Ok(vec![m]),
        None => Err(no_backup(id)),
    }
}

pub fn show_member_detail(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let (id, member_id) = (req.param("backup_id"), req.param("member_id"));
    let m = visible(ctx, id)?.into_iter().find(|m| m.dest_project_id == member_id);
    let m = m.ok_or_else(|| e::Bs6705(format!("Backup {id} has no member {member_id}.")))?;
    Reply::ok(render::one("member", render::member(m)))
}

fn sort_value(m: &Member, key: &str) -> (i64, String) {
    match key {
        "created_at" => (m.created_ms, String::new()),
        "updated_at" => (m.updated_ms.unwrap_or(0), String::new()),
        "status" => (0, m.status.clone()),
        "dest_project_id" => (0, m.dest_project_id.clone()),
        "vault_id" => (0, m.vault_id.clone().unwrap_or_default()),
        _ => (0, m.id.clone()),
    }
}

pub fn show_members_detail(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let q = &req.query;
    let (limit, offset) = q.page(1000)?;
    let sort = backups::parse_sort(q.get("sort"), SORT_KEYS)?;
    let status = q.enum_str("status", STATUSES)?;
    let vault = q.get("vault_id");
    if vault.is_some_and(|v| !is_uuid(v)) {
        return Err(invalid("vault_id: a UUID is required"));
    }
    let marker = q.get("marker");
    if marker.is_some_and(|m| !is_uuid(m)) {
        return Err(invalid("marker: a UUID is required"));
    }
    let (dest, image) = (q.get("dest_project_id"), q.get("image_id"));
    let mut list: Vec<&Member> = visible(ctx, req.param("backup_id"))?
        .into_iter()
        .filter(|m| dest.is_none_or(|d| m.dest_project_id == d))
        .filter(|m| status.is_none_or(|s| m.status == s))
        .filter(|m| vault.is_none_or(|v| m.vault_id.as_deref() == Some(v)))
        // The twin registers no images from shared backups, so no member has an image_id.
        .filter(|_| image.is_none())
        .collect();
    list.sort_by(|a, b| backups::by_sort_keys(&sort, *a, *b, sort_value).then(b.seq.cmp(&a.seq)));
    let skip = match marker {
        None => 0,
        Some(mk) => {
            list.iter().position(|m| m.id == mk).map(|i| i + 1).ok_or_else(|| invalid("marker: no such member"))?
        }
    };
    let count = list.len();
    let page: Vec<Value> = list.iter().skip(skip).skip(offset).take(limit).map(|m| render::member(m)).collect();
    Reply::ok(render::members(page, Some(count)))
}

pub fn delete_member(ctx: &mut Ctx<'_>, req: &Req<'_>) -> HwResult<Reply> {
    let (id, member_id) = (req.param("backup_id"), req.param("member_id"));
    // Revoking is the owner's: the receiver rejects instead (UpdateMemberStatus).
    let p = ctx.proj_ref().filter(|p| p.backups.contains_key(id));
    let p = p.ok_or_else(|| no_backup(id))?;
    let record = p.members.values().find(|m| m.backup_id == id && m.dest_project_id == member_id);
    let record = record.ok_or_else(|| e::Bs6705(format!("Backup {id} has no member {member_id}.")))?.id.clone();
    ctx.proj().members.remove(&record);
    Reply::status(204)
}
