//! Async CBR work on the virtual clock, as the world hands it back: each finished job goes to
//! the domain rule that owns it (domain/: tasks, backups, replication, schedules, organization
//! policies). The world and the control plane reach Huawei through this module's two names.

use crate::config::Config;
use crate::huawei::domain::{backup, organization, replication, restore, schedule, task, vault};
use crate::huawei::model::HwWork;
use crate::huawei::world::World;

/// Bind matching resources to auto-binding vaults (the control plane calls this after adding
/// servers and disks).
pub use crate::huawei::domain::vault::auto_bind;

/// Finish one job at `at`: hand it to the rule that owns its kind of work.
pub fn finish(world: &mut World, cfg: &Config, account: &str, region: &str, work: HwWork, at: i64) {
    let project = work.project().to_string();
    match work {
        HwWork::TaskStart { oplog, then, observed, .. } => {
            task::start(world, (account, region), &project, &oplog, (*then, observed), at)
        }
        HwWork::BackupDone { checkpoint, backup, oplog, .. } => {
            backup::backup_done(world, &project, (&checkpoint, &backup, &oplog), at)
        }
        HwWork::RestoreDone { backup, oplog, .. } => restore::restore_done(world, &project, &backup, &oplog, at),
        HwWork::DeleteDone { backup, oplog, .. } => backup::delete_done(world, &project, &backup, &oplog, at),
        HwWork::VaultDeleteDone { vault, oplog, .. } => vault::delete_done(world, &project, &vault, &oplog, at),
        HwWork::ReplicationDone { backup, record, oplog, name, description, .. } => {
            replication::replication_done(world, &project, (&backup, &record, &oplog), (name, description), at)
        }
        HwWork::PolicyTick { policy, .. } => schedule::fire(world, cfg, account, region, &project, &policy, at),
        HwWork::OrgPolicySync { policy, .. } => organization::sync_done(world, cfg, &project, &policy, at),
        HwWork::Expire { backup, .. } => backup::expire(world, &project, &backup, at),
        HwWork::MigrateDone { .. } => task::migrate_done(world, &project, at),
    }
}

/// The fault that makes this work's task fail when it finishes (a fault rule's `fail_job`), as
/// `/_cloudtwin/huawei/faults` would queue it, aimed at this task alone; `None` for work no
/// task failure covers (a vault's deletion, an organization policy's sync).
pub fn fault_for(work: &HwWork) -> Option<crate::huawei::model::Fault> {
    let (kind, target) = match work {
        HwWork::TaskStart { then, .. } => return fault_for(then),
        HwWork::BackupDone { oplog, .. } => ("backup", oplog),
        HwWork::RestoreDone { oplog, .. } => ("restore", oplog),
        HwWork::DeleteDone { oplog, .. } => ("delete", oplog),
        HwWork::ReplicationDone { oplog, .. } => ("replication", oplog),
        HwWork::MigrateDone { project } => ("migrate", project),
        _ => return None,
    };
    Some(crate::huawei::model::Fault { operation_type: kind.into(), target: Some(target.clone()), count: 1 })
}
