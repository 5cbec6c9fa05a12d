//! Vaults' rules: lookup, which resources may bind to a vault, auto-binding (a vault that binds
//! every resource carrying its rule tags), resource migration between vaults, and deletion.

use crate::huawei::domain::{capacity, sharing, task};
use serde_json::json;

use crate::huawei::ctx::Ctx;
use crate::huawei::error::{self as e, invalid, HwResult};
use crate::huawei::model::{HwProject, Tag, Vault, VaultResource, TYPE_SERVER, TYPE_VOLUME};
use crate::huawei::model::{PROVIDER_DISK, PROVIDER_SERVER, PROVIDER_TURBO, PROVIDER_VMWARE};
use crate::huawei::world::World;

/// Bind every unbound resource whose tags match an auto-binding vault's rules (a resource
/// matches when it carries every rule tag; no rules match every resource of the vault's type).
pub fn auto_bind(world: &mut World, project: &str) {
    let Some(p) = world.huawei.get_mut(project) else { return };
    let vault_ids: Vec<String> = p
        .vaults
        .values()
        .filter(|v| v.auto_bind && v.billing.status == "available" && v.billing.protect_type == "backup")
        .map(|v| v.id.clone())
        .collect();
    for vid in vault_ids {
        let v = &p.vaults[&vid];
        let rules = v.bind_rules.clone();
        let object_type = v.billing.object_type.clone();
        let bound: Vec<String> = p.vaults.values().flat_map(|v| v.resources.iter().map(|r| r.id.clone())).collect();
        let matches = |tags: &[Tag]| rules.iter().all(|r| tags.iter().any(|t| t.key == r.key && t.value == r.value));
        let new: Vec<VaultResource> = match object_type.as_str() {
            "server" => p
                .servers
                .values()
                .filter(|s| !bound.contains(&s.id) && s.status != "DELETED" && matches(&s.tags))
                .map(|s| (s.id.clone(), s.name.clone(), TYPE_SERVER))
                .collect::<Vec<_>>(),
            "disk" => p
                .volumes
                .values()
                .filter(|v| !bound.contains(&v.id) && matches(&v.tags))
                .map(|v| (v.id.clone(), v.name.clone(), TYPE_VOLUME))
                .collect(),
            _ => vec![],
        }
        .into_iter()
        .map(|(id, name, kind)| VaultResource {
            id,
            name,
            kind: kind.into(),
            exclude_volumes: vec![],
            protect_status: "available".into(),
            suspended: false,
        })
        .collect();
        if let Some(v) = p.vaults.get_mut(&vid) {
            v.resources.extend(new);
        }
    }
}

pub fn get<'p>(p: Option<&'p HwProject>, id: &str) -> HwResult<&'p Vault> {
    p.and_then(|p| p.vaults.get(id)).ok_or_else(|| e::Bs6105(format!("Vault {id} does not exist.")))
}

pub fn get_mut<'p>(ctx: &'p mut Ctx<'_>, id: &str) -> HwResult<&'p mut Vault> {
    ctx.proj().vaults.get_mut(id).ok_or_else(|| e::Bs6105(format!("Vault {id} does not exist.")))
}

/// DeleteVault's task ends: the vault goes with its backups, their shares and checkpoints.
pub fn delete_done(world: &mut World, project: &str, vault: &str, oplog: &str, at: i64) {
    let Some(p) = world.huawei.get_mut(project) else { return };
    p.vaults.remove(vault);
    p.backups.retain(|_, b| b.vault_id != vault);
    sharing::drop_orphans(p);
    p.checkpoints.retain(|_, c| c.vault_id != vault);
    task::end_task(world, project, oplog, at, None);
}

/// MigrateVaultResource: move resources, with their backups, from one vault to another of the
/// same kind; the migration task is recorded as done.
pub fn migrate_resources(ctx: &mut Ctx<'_>, vid: &str, dest_id: &str, ids: &[&str]) -> HwResult<()> {
    let project = ctx.project.to_string();
    let limit = ctx.cfg.huawei.limits.resources_per_vault;
    let p = ctx.proj_ref();
    let src = get(p, vid)?;
    let dst = get(p, dest_id)?;
    check_migration(src, dst, ids.len(), limit)?;
    let mut moving = Vec::new();
    for rid in ids {
        let r = src.resource(rid).ok_or_else(|| e::Bs6147(format!("Resource {rid} is not bound to vault {vid}.")))?;
        moving.push(r.clone());
    }
    let busy = p.is_some_and(|p| {
        p.backups
            .values()
            .any(|b| (b.vault_id == vid || b.vault_id == dest_id) && !matches!(&*b.status, "available" | "error"))
    });
    if busy {
        return Err(e::Bs6148("The source or destination vault has running tasks."));
    }
    // The backups move along: the destination must hold them (6146), unless it grows to fit.
    let p = p.expect("vaults found");
    let moving_mb: i64 = p
        .backups
        .values()
        .filter(|b| b.vault_id == vid && b.parent_id.is_none() && ids.contains(&b.resource_id.as_str()))
        .map(|b| b.size_mb)
        .sum();
    if !capacity::fits(p, dst, moving_mb) {
        let free_mb = (dst.billing.size * 1024 - capacity::used_mb(p, dest_id)).max(0);
        return Err(e::Bs6146(format!(
            "Destination vault {dest_id} has {free_mb} MB free; the migrated backups need {moving_mb} MB."
        )));
    }
    let name = src.name.clone();
    move_resources(ctx.proj(), (vid, dest_id), ids, moving);
    let log = ctx.new_oplog(&project, "migrate_resources", (vid, &name), json!({}));
    task::end_task(ctx.world, &project, &log, ctx.now, None);
    Ok(())
}

/// Whether two vaults allow a migration between them of `count` resources.
fn check_migration(src: &Vault, dst: &Vault, count: usize, limit: usize) -> HwResult<()> {
    if src.locked || dst.locked {
        return Err(e::Bs6155("A locked vault does not support migrating resources."));
    }
    if src.id == dst.id {
        return Err(invalid("destination_vault_id: it must differ from the source vault"));
    }
    if src.billing.status != "available" || dst.billing.status != "available" {
        return Err(e::Bs6144("Migration is only allowed between two available vaults."));
    }
    if src.billing.protect_type == "replication" || dst.billing.protect_type == "replication" {
        return Err(e::Bs6149("A replication vault does not support resource migration."));
    }
    if src.billing.object_type != dst.billing.object_type {
        return Err(e::Bs6145("Migration is only allowed between two vaults of the same type."));
    }
    if dst.resources.len() + count > limit {
        return Err(e::Bs6100(format!("A vault holds at most {limit} resources.")));
    }
    Ok(())
}

/// Rebind the resources to the destination; their backups, per-disk children included, move
/// with them, and an auto-expanding destination grows to fit.
fn move_resources(pr: &mut HwProject, (vid, dest_id): (&str, &str), ids: &[&str], moving: Vec<VaultResource>) {
    if let Some(v) = pr.vaults.get_mut(vid) {
        v.resources.retain(|r| !ids.contains(&r.id.as_str()));
    }
    if let Some(v) = pr.vaults.get_mut(dest_id) {
        v.resources.extend(moving);
    }
    let moving_backups: Vec<String> = pr
        .backups
        .values()
        .filter(|b| b.vault_id == vid && b.parent_id.is_none() && ids.contains(&b.resource_id.as_str()))
        .flat_map(|b| std::iter::once(b.id.clone()).chain(b.children.iter().cloned()))
        .collect();
    for id in &moving_backups {
        if let Some(mut b) = pr.backups.get_mut(id.as_str()) {
            b.vault_id = dest_id.to_string();
        }
    }
    capacity::grow_to_fit(pr, dest_id);
}

/// The vault holding a resource, and its protect status there.
pub fn holder<'p>(p: &'p HwProject, id: &str) -> Option<(&'p Vault, &'p str)> {
    p.vaults.values().find_map(|v| v.resource(id).map(|r| (v, r.protect_status.as_str())))
}

/// The provider (protection kind) of a vault of this object and cloud type.
pub fn provider_for(object_type: &str, cloud_type: &str) -> &'static str {
    match (object_type, cloud_type) {
        (_, "hybrid") | ("vmware", _) => PROVIDER_VMWARE,
        ("disk", _) => PROVIDER_DISK,
        ("turbo", _) => PROVIDER_TURBO,
        _ => PROVIDER_SERVER,
    }
}

/// The resource type a vault of `object_type` protects.
pub fn resource_type_for(object_type: &str) -> Option<&'static str> {
    match object_type {
        "server" => Some(TYPE_SERVER),
        "disk" => Some(TYPE_VOLUME),
        "turbo" => Some("OS::Sfs::Turbo"),
        "workspace" => Some("OS::Workspace::DesktopV2"),
        _ => None,
    }
}

/// A resource a request asks to bind: (id, type, name, excluded volumes).
pub struct NewResource {
    pub id: String,
    pub kind: String,
    pub name: Option<String>,
    pub exclude: Vec<String>,
}

/// Check resources against the inventory and the vault's type, and that no vault holds them yet.
pub fn bindable(p: &HwProject, vault: &Vault, new: &[NewResource], limit: usize) -> HwResult<Vec<VaultResource>> {
    let want = resource_type_for(&vault.billing.object_type);
    if vault.billing.protect_type == "replication" && !new.is_empty() {
        return Err(e::Bs6102("A replication vault holds replicated backups only; it cannot bind resources."));
    }
    let mut out = Vec::new();
    for r in new {
        if want != Some(r.kind.as_str()) {
            return Err(e::Bs6102(format!(
                "A {} vault does not support resources of type {}.",
                vault.billing.object_type, r.kind
            )));
        }
        let name = match r.kind.as_str() {
            TYPE_SERVER => {
                let s = p.servers.get(&r.id).ok_or_else(|| e::Bs7100(format!("Server {} does not exist.", r.id)))?;
                if s.status == "DELETED" {
                    return Err(e::Bs7102(format!("Server {} has been terminated.", r.id)));
                }
                s.name.clone()
            }
            _ => {
                p.volumes.get(&r.id).ok_or_else(|| e::Bs7000(format!("Volume {} does not exist.", r.id)))?.name.clone()
            }
        };
        if let Some(v) = p.vaults.values().find(|v| v.resource(&r.id).is_some()) {
            return Err(e::Bs6103(format!("Resource {} is already bound to vault {}.", r.id, v.id)));
        }
        out.push(VaultResource {
            id: r.id.clone(),
            name: r.name.clone().unwrap_or(name),
            kind: r.kind.clone(),
            exclude_volumes: r.exclude.clone(),
            protect_status: "available".into(),
            suspended: false,
        });
    }
    if vault.resources.len() + out.len() > limit {
        return Err(e::Bs6100(format!("A vault holds at most {limit} resources.")));
    }
    Ok(out)
}
