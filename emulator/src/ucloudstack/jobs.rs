//! What happens when UCloudStack async work completes (see core/timing.rs for when).

use super::model::{disk_status, snapshot_status, UcsWork};
use crate::ucloudstack::world::World;

/// Settle finished work; `failed` (a fault rule's `fail_job`): a snapshot being made ends
/// `Failure` (the status the docs give a snapshot that could not be made), other work leaves
/// its resource as it was before.
pub fn finish(world: &mut World, account: &str, region: &str, work: UcsWork, failed: bool) {
    let store = world.ucs(account, region);
    let rest = |store: &mut super::model::UcsRegion, disk_id: &str| {
        if let Some(d) = store.disks.get_mut(disk_id) {
            d.status = d.resting_status().into();
        }
    };
    if failed {
        return fail(store, work);
    }
    match work {
        UcsWork::CreateDisk { disk_id } | UcsWork::AttachDisk { disk_id } => rest(store, &disk_id),
        UcsWork::DetachDisk { disk_id } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.attached_to = None;
                d.drive.clear();
            }
            rest(store, &disk_id);
        }
        UcsWork::CreateSnapshot { snapshot_id, disk_id } | UcsWork::RollbackSnapshot { snapshot_id, disk_id } => {
            if let Some(mut s) = store.snapshots.get_mut(snapshot_id.as_str()) {
                s.status = snapshot_status::NORMAL.into();
            }
            if store
                .disks
                .get(&disk_id)
                .is_some_and(|d| d.status == disk_status::SNAPSHOTING || d.status == disk_status::ROLLBACKING)
            {
                rest(store, &disk_id);
            }
        }
    }
}

/// Work a fault rule made fail: a new snapshot ends `Failure` (seed 002's status for it), a
/// rollback leaves disk and snapshot as they were; a new disk goes, an attach is undone, a
/// detach leaves the disk bound.
fn fail(store: &mut super::model::UcsRegion, work: UcsWork) {
    let rest = |store: &mut super::model::UcsRegion, disk_id: &str| {
        if let Some(d) = store.disks.get_mut(disk_id) {
            d.status = d.resting_status().into();
        }
    };
    match work {
        UcsWork::CreateDisk { disk_id } => {
            store.disks.remove(&disk_id);
        }
        UcsWork::AttachDisk { disk_id } => {
            if let Some(d) = store.disks.get_mut(&disk_id) {
                d.attached_to = None;
                d.drive.clear();
            }
            rest(store, &disk_id);
        }
        UcsWork::DetachDisk { disk_id } => rest(store, &disk_id),
        UcsWork::CreateSnapshot { snapshot_id, disk_id } | UcsWork::RollbackSnapshot { snapshot_id, disk_id } => {
            if let Some(mut s) = store.snapshots.get_mut(snapshot_id.as_str()) {
                s.status = if s.status == snapshot_status::CREATEING {
                    snapshot_status::FAILURE
                } else {
                    snapshot_status::NORMAL
                }
                .into();
            }
            rest(store, &disk_id);
        }
    }
}
