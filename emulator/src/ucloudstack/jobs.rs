//! What happens when UCloudStack async work completes (see core/timing.rs for when).

use super::model::{disk_status, snapshot_status, UcsWork};
use crate::ucloudstack::world::World;

pub fn finish(world: &mut World, account: &str, region: &str, work: UcsWork) {
    let store = world.ucs(account, region);
    let rest = |store: &mut super::model::UcsRegion, disk_id: &str| {
        if let Some(d) = store.disks.get_mut(disk_id) {
            d.status = d.resting_status().into();
        }
    };
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
            if let Some(mut s) = store.snapshots.get_mut(&snapshot_id) {
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
