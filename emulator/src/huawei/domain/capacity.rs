//! Vault capacity: what a resource and a vault hold, whether more backup data fits a vault,
//! and auto-expansion.

use crate::huawei::model::{Backup, HwProject, Vault};

/// Whether `incoming_mb` more can be stored in a vault: nothing always fits, an auto-expanding
/// vault grows to fit (`grow_to_fit`), any other needs that much room left below its size.
pub fn fits(p: &HwProject, vault: &Vault, incoming_mb: i64) -> bool {
    incoming_mb == 0 || vault.auto_expand || used_mb(p, &vault.id) + incoming_mb <= vault.billing.size * 1024
}

/// Auto-expansion: an on-demand vault that outgrows its size grows to fit.
pub fn grow_to_fit(p: &mut HwProject, vault_id: &str) {
    let used = used_mb(p, vault_id);
    if let Some(v) = p.vaults.get_mut(vault_id) {
        if v.auto_expand && used > v.billing.size * 1024 {
            v.billing.size = mb_to_gb(used);
        }
    }
}

/// Size in GB of what a vault resource protects: a server's volumes (minus exclusions) or a volume.
pub fn resource_size(p: &HwProject, id: &str, exclude: &[String]) -> i64 {
    if let Some(s) = p.servers.get(id) {
        s.volumes.iter().filter(|v| !exclude.contains(v)).filter_map(|v| p.volumes.get(v)).map(|v| v.size).sum()
    } else {
        p.volumes.get(id).map(|v| v.size).unwrap_or(0)
    }
}

/// Backups of a resource in a vault (whole backups, not the per-disk children), oldest first:
/// the resource's group of the backup index, so the cost is that resource's backups.
pub fn resource_backups<'a>(p: &'a HwProject, vault: &'a str, resource: &'a str) -> impl Iterator<Item = &'a Backup> {
    let index = p.backups.index();
    index
        .by_resource
        .get(resource)
        .into_iter()
        .flat_map(|g| g.iter(false))
        .filter_map(move |&(_, seq)| index.rows.get(seq))
        .filter(move |b| b.vault_id == vault)
}

/// (backups, MB) of a resource in a vault, kept by the backup index.
pub fn resource_totals(p: &HwProject, vault: &str, resource: &str) -> (i64, i64) {
    p.backups.index().resource_totals(vault, resource)
}

pub fn mb_to_gb(mb: i64) -> i64 {
    (mb + 1023) / 1024
}

/// MB stored in a vault (a sum the backup index keeps).
pub fn used_mb(p: &HwProject, vault: &str) -> i64 {
    p.backups.index().used_mb(vault)
}
