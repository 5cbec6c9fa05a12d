//! Plain data of the UCloudStack twin, per account and region: VMs (from the seed inventory),
//! disks and snapshots, and the async work on them.

use crate::core::change::{Born, Persist, Table, Undo};
use crate::core::index::{Indexed, Indexer};
use crate::core::key::Key;
use crate::core::shared::Shared;
use crate::ucloudstack::index::{SnapshotIndex, SnapshotKeys};

use serde::{Deserialize, Serialize};

/// `DiskStatus` values (UCloudStack's public API guide).
pub mod disk_status {
    pub const CREATING: &str = "Creating";
    pub const UNBOUND: &str = "Unbound";
    pub const BOUNDING: &str = "Bounding";
    pub const BOUND: &str = "Bound";
    pub const UNBOUNDING: &str = "Unbounding";
    pub const SNAPSHOTING: &str = "Snapshoting";
    pub const ROLLBACKING: &str = "Rollbacking";
}

/// `SnapshotStatus` values (seed 002). `Createing` is the seed's spelling, kept on purpose:
/// clients compare against the documented string.
pub mod snapshot_status {
    pub const CREATEING: &str = "Createing";
    pub const NORMAL: &str = "Normal";
    pub const ROLLBACKING: &str = "RollBacking";
    /// A snapshot that could not be made (only a fault rule's `fail_job` makes one).
    pub const FAILURE: &str = "Failure";
}

pub const BOOT: &str = "Boot";
pub const DATA: &str = "Data";
pub const VM_RUNNING: &str = "Running";
pub const VM_STOPPED: &str = "Stopped";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UcsVm {
    pub vm_id: String,
    pub name: String,
    pub zone: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UcsDisk {
    pub disk_id: String,
    pub name: String,
    pub remark: String,
    pub zone: String,
    pub size: i64,
    pub set_type: String,
    /// Boot or Data.
    pub disk_type: String,
    pub status: String,
    /// Dynamic, Month or Year.
    pub charge_type: String,
    pub project_id: String,
    pub attached_to: Option<String>,
    /// Device name inside the VM (`/dev/vdb`), empty when unbound.
    pub drive: String,
    pub created_ms: i64,
    pub expire_ms: Option<i64>,
    pub seq: u64,
}

impl UcsDisk {
    /// The status a disk returns to when an operation on it ends.
    pub fn resting_status(&self) -> &'static str {
        if self.attached_to.is_some() {
            disk_status::BOUND
        } else {
            disk_status::UNBOUND
        }
    }

    pub fn is_resting(&self) -> bool {
        self.status == disk_status::BOUND || self.status == disk_status::UNBOUND
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UcsSnapshot {
    pub snapshot_id: String,
    pub name: String,
    pub remark: String,
    pub status: String,
    /// `Type`: Manual or Automatic.
    pub kind: String,
    pub disk_id: String,
    /// The disk's Boot/Data at the time of the snapshot.
    pub disk_type: String,
    pub project_id: String,
    /// GB: the disk's size when the snapshot was taken.
    pub size: i64,
    pub created_ms: i64,
    pub seq: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct UcsRegion {
    pub vms: Table<String, UcsVm>,
    pub disks: Table<String, UcsDisk>,
    pub snapshots: Indexed<Key, Shared<UcsSnapshot>, SnapshotIndex<UcsSnapshot>>,
    /// Made by a request that failed? Then its undo removes the region again.
    #[serde(skip)]
    pub born: Born,
}

/// Async UCloudStack work, finished when its gate opens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind")]
pub enum UcsWork {
    /// Creating → Unbound.
    CreateDisk { disk_id: String },
    /// Bounding → Bound.
    AttachDisk { disk_id: String },
    /// Unbounding → Unbound.
    DetachDisk { disk_id: String },
    /// Snapshot Createing → Normal; its disk Snapshoting → back to rest.
    CreateSnapshot { snapshot_id: String, disk_id: String },
    /// Snapshot RollBacking → Normal; its disk Rollbacking → back to rest.
    RollbackSnapshot { snapshot_id: String, disk_id: String },
}

impl UcsWork {
    /// The resource whose progress this work drives.
    pub fn target(&self) -> &str {
        match self {
            UcsWork::CreateDisk { disk_id } | UcsWork::AttachDisk { disk_id } | UcsWork::DetachDisk { disk_id } => {
                disk_id
            }
            UcsWork::CreateSnapshot { snapshot_id, .. } | UcsWork::RollbackSnapshot { snapshot_id, .. } => snapshot_id,
        }
    }
}

impl UcsRegion {
    /// Every container of state in it, by name, once: its undo and the durable store (world.rs)
    /// both walk this list, and a new field does not compile until it is named here.
    pub fn parts(&mut self, f: &mut dyn FnMut(&'static str, &mut dyn Persist)) {
        let UcsRegion { vms, disks, snapshots, born: _ } = self;
        f("vms", vms);
        f("disks", disks);
        f("snapshots", snapshots);
    }
}

impl Undo for UcsRegion {
    fn undo(&mut self, epoch: u64) {
        self.parts(&mut |_, part| part.undo(epoch));
    }
}

/// What the indexes keep of each entry (SnapshotIndex holds the lists).
impl Indexer<Key, Shared<UcsSnapshot>> for SnapshotIndex<UcsSnapshot> {
    type Keys = SnapshotKeys;

    fn keys(_: &Key, s: &Shared<UcsSnapshot>) -> SnapshotKeys {
        SnapshotKeys { at: (s.created_ms, s.seq), disk: s.disk_id.clone(), project: s.project_id.clone() }
    }

    fn add(&mut self, _: &Key, k: &SnapshotKeys) {
        self.add_keys(k);
    }

    fn remove(&mut self, id: &Key, k: &SnapshotKeys) {
        self.remove_keys(k);
        self.release(id, k);
    }

    fn settle(&mut self) {
        SnapshotIndex::settle(self);
    }

    const HOLDS: bool = true;

    fn hold(&mut self, _: &Key, k: &SnapshotKeys, row: &Shared<UcsSnapshot>) {
        self.rows.hold(k.at.1, row);
    }

    fn release(&mut self, id: &Key, k: &SnapshotKeys) {
        self.rows.release(k.at.1, |r| r.snapshot_id == **id);
    }
}
