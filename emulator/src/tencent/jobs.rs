//! What happens when Tencent async work completes (see timing.rs for when).

use super::model::{state, TcRegion, TcWork};
use crate::config::Config;
use crate::world::World;

fn end_log(store: &mut TcRegion, log: u64, at: i64, ok: bool) {
    if let Some(l) = store.disk_logs.iter_mut().find(|l| l.id == log) {
        l.operation_state = if ok { "SUCCESS" } else { "FAILED" }.into();
        l.end_ms = Some(at);
    }
}

/// Remove a disk and what only it owns (its backup points).
pub fn destroy_disk(world: &mut World, account: &str, region: &str, disk_id: &str) {
    let store = world.tc(account, region);
    store.disks.remove(disk_id);
    store.backups.retain(|_, b| b.disk_id != disk_id);
    world.jobs.retain(|j| match &j.work {
        crate::world::Work::Tencent(w) => !(j.account == account && j.region == region && w.target() == disk_id),
    });
}

pub fn finish(world: &mut World, _cfg: &Config, account: &str, region: &str, work: TcWork, at: i64) {
    let store = world.tc(account, region);
    match work {
        TcWork::CreateDisk { disk_id, log } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.creating = false;
            }
            end_log(store, log, at, true);
        }
        TcWork::Attach { disk_id, log, .. } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.disk_state = state::ATTACHED.into();
            }
            end_log(store, log, at, true);
        }
        TcWork::Detach { disk_id, instance_id, log } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.attached_to.retain(|i| *i != instance_id);
                d.disk_state = d.resting_state().into();
            }
            end_log(store, log, at, true);
        }
        TcWork::Resize { disk_id, size, log } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.disk_size = size;
                d.disk_state = d.resting_state().into();
            }
            end_log(store, log, at, true);
        }
        TcWork::ChangeType { disk_id, disk_type, log } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.disk_type = disk_type;
                d.migrating = false;
            }
            end_log(store, log, at, true);
        }
        TcWork::RollbackBackup { disk_id, disk_backup_id } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.disk_state = d.resting_state().into();
            }
            if let Some(b) = store.backups.get_mut(&disk_backup_id) {
                b.disk_backup_state = state::NORMAL.into();
            }
        }
        TcWork::CreateBackup { disk_backup_id } => {
            if let Some(b) = store.backups.get_mut(&disk_backup_id) {
                b.disk_backup_state = state::NORMAL.into();
            }
        }
        TcWork::Destroy { disk_id } => {
            if store.disks.get(&disk_id).is_some_and(|d| d.disk_state == state::TORECYCLE) {
                destroy_disk(world, account, region, &disk_id);
            }
        }
    }
}
