//! Backup sharing rules that reach across projects: which backups a project sees through a
//! share, and keeping share records tied to backups that still exist. The member operations
//! themselves are in api/sharing.rs.

use std::collections::BTreeMap;

use crate::huawei::model::{Backup, HwProject, Member};

/// A backup of another project shared with `project`: (owner project id, owner state, backup,
/// share record).
pub fn shared_with<'w>(
    world: &'w BTreeMap<String, HwProject>,
    project: &str,
    backup_id: &str,
) -> Option<(&'w str, &'w HwProject, &'w Backup, &'w Member)> {
    world.iter().find_map(|(owner, p)| {
        let b: &Backup = p.backups.get(backup_id)?;
        let m = p.members.values().find(|m| m.backup_id == backup_id && m.dest_project_id == project)?;
        Some((owner.as_str(), p, b, m))
    })
}

/// Every backup shared with `project` whose share is in `status`, per-disk children included
/// (they come with their parent's share record).
pub fn shared_to<'w>(
    world: &'w BTreeMap<String, HwProject>,
    project: &str,
    status: &str,
) -> Vec<(&'w HwProject, &'w Backup, &'w Member)> {
    let mut out = Vec::new();
    for p in world.values() {
        for m in p.members.values().filter(|m| m.dest_project_id == project && m.status == status) {
            let Some(b) = p.backups.get(m.backup_id.as_str()) else { continue };
            out.push((p, &**b, m));
            out.extend(b.children.iter().filter_map(|c| p.backups.get(c.as_str())).map(|c| (p, &**c, m)));
        }
    }
    out
}

/// Where the receiver holds a shared backup: its own vault once accepted, else the owner's.
pub fn vault_seen<'a>(b: &'a Backup, m: Option<&'a Member>) -> &'a str {
    m.and_then(|m| m.vault_id.as_deref()).unwrap_or(&b.vault_id)
}

/// The projects that share a backup with `project`: its reads watch their work (a receiver
/// polls a shared backup it watches being deleted).
pub fn owners_sharing_with(world: &BTreeMap<String, HwProject>, project: &str) -> Vec<String> {
    world
        .iter()
        .filter(|(_, p)| p.members.values().any(|m| m.dest_project_id == project))
        .map(|(o, _)| o.clone())
        .collect()
}

/// Forget the share records of backups that are gone.
pub fn drop_orphans(p: &mut HwProject) {
    let backups = &p.backups;
    p.members.retain(|_, m| backups.contains_key(m.backup_id.as_str()));
}
