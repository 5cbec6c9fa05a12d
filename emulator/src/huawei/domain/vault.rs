//! Vault lookup and auto-binding (a vault that binds every resource carrying its rule tags).

use crate::huawei::domain::{sharing, task};
use crate::huawei::error::{self as e, HwResult};
use crate::huawei::model::{HwProject, Tag, Vault, VaultResource, TYPE_SERVER, TYPE_VOLUME};
use crate::huawei::Ctx;
use crate::world::World;

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
