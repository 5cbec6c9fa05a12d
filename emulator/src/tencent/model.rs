//! Plain data of the Tencent CBS twin, per account and region: instances (from the seed
//! inventory), disks, backup points and the disk operation log. No HTTP types, no handles:
//! `GET /_cloudtwin/state` serializes it as it is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::backup_index::BackupCounts;
use super::disk_index::{DiskIndex, DiskKeys};
use super::snapshot_index::{SnapshotIndex, SnapshotKeys};
use crate::core::change::{Born, Persist, Table, Undo};
use crate::core::index::{Indexed, Indexer};
use crate::core::intern;
use crate::core::key::Key;
use crate::core::logbook::{Entry, LogBook};
use crate::core::shared::Shared;
use crate::core::sorted::SortedDeque;
use crate::inventory::SeedInstance;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tag {
    #[serde(rename = "Key")]
    pub key: String,
    #[serde(rename = "Value")]
    pub value: String,
}

pub mod state {
    pub const UNATTACHED: &str = "UNATTACHED";
    pub const ATTACHING: &str = "ATTACHING";
    pub const ATTACHED: &str = "ATTACHED";
    pub const DETACHING: &str = "DETACHING";
    pub const EXPANDING: &str = "EXPANDING";
    pub const ROLLBACKING: &str = "ROLLBACKING";
    /// The doc prints `TORECYCE` once (Disk.DiskState) and `TORECYCLE` everywhere else; the twin
    /// uses `TORECYCLE`.
    pub const TORECYCLE: &str = "TORECYCLE";
    pub const NORMAL: &str = "NORMAL";
    pub const CREATING: &str = "CREATING";
}

pub const SYSTEM_DISK: &str = "SYSTEM_DISK";
pub const DATA_DISK: &str = "DATA_DISK";
pub const PREPAID: &str = "PREPAID";
pub const POSTPAID: &str = "POSTPAID_BY_HOUR";
/// SnapshotType: the account's own snapshot, or one another account shares with it.
pub const PRIVATE_SNAPSHOT: &str = "PRIVATE_SNAPSHOT";
pub const SHARED_SNAPSHOT: &str = "SHARED_SNAPSHOT";

/// A value of a small closed set, kept once per process (core/intern.rs).
pub use crate::core::intern::Name;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Disk {
    pub disk_id: String,
    pub disk_name: String,
    #[serde(deserialize_with = "intern::de")]
    pub disk_type: Name,
    #[serde(deserialize_with = "intern::de")]
    pub disk_usage: Name,
    #[serde(deserialize_with = "intern::de")]
    pub disk_charge_type: Name,
    #[serde(deserialize_with = "intern::de")]
    pub disk_state: Name,
    pub disk_size: i64,
    pub portable: bool,
    /// Instances the disk is attached to (at most one unless the disk is shareable).
    pub attached_to: Vec<String>,
    pub shareable: bool,
    pub attach_mode: Option<Box<str>>,
    #[serde(deserialize_with = "intern::de")]
    pub zone: Name,
    pub project_id: i64,
    pub encrypt: bool,
    pub delete_with_instance: bool,
    pub renew_flag: Option<Box<str>>,
    pub deadline_ms: Option<i64>,
    pub snapshot_ability: bool,
    pub snapshot_count: i64,
    pub snapshot_size_mb: i64,
    pub migrating: bool,
    pub throughput_performance: i64,
    pub burst_performance: bool,
    pub backup_disk: bool,
    pub delete_snapshot: i64,
    pub disk_backup_quota: i64,
    pub tags: Vec<Tag>,
    pub created_ms: i64,
    pub last_attach_instance: Option<Box<str>>,
    pub error_prompt: Option<Box<str>>,
    /// The snapshot the disk was created from (InitializeDisks rolls back to it).
    pub source_snapshot_id: Option<Box<str>>,
    pub auto_snapshot_policy_ids: Vec<String>,
    /// True while CreateDisks is still in flight: the disk is not listed yet.
    pub creating: bool,
    /// Creation order, to break ties between disks created in the same millisecond.
    pub seq: u64,
}

impl Disk {
    pub fn is_busy(&self) -> bool {
        matches!(&*self.disk_state, state::ATTACHING | state::DETACHING | state::EXPANDING | state::ROLLBACKING)
    }

    /// The resting state once an operation that does not change attachment ends.
    pub fn resting_state(&self) -> &'static str {
        if self.attached_to.is_empty() {
            state::UNATTACHED
        } else {
            state::ATTACHED
        }
    }

    pub fn is_expired(&self, now_ms: i64) -> bool {
        self.disk_charge_type == PREPAID && self.deadline_ms.is_some_and(|d| d <= now_ms)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiskBackup {
    pub disk_backup_id: String,
    pub disk_id: String,
    pub disk_backup_name: String,
    #[serde(deserialize_with = "intern::de")]
    pub disk_backup_state: Name,
    pub disk_size: i64,
    #[serde(deserialize_with = "intern::de")]
    pub disk_usage: Name,
    pub encrypt: bool,
    pub created_ms: i64,
    pub seq: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DiskOpLog {
    pub id: u64,
    /// `Box<str>`, not `String`: 8 bytes less in an entry every disk has.
    pub disk_id: Box<str>,
    #[serde(deserialize_with = "intern::de")]
    pub operator: Name,
    #[serde(deserialize_with = "intern::de")]
    pub operation: Name,
    /// SUCCESS, FAILED or PROCESSING.
    #[serde(deserialize_with = "intern::de")]
    pub operation_state: Name,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    pub snapshot_id: String,
    pub snapshot_name: String,
    /// NORMAL, CREATING, ROLLBACKING, COPYING_FROM_REMOTE, CHECKING_COPIED.
    #[serde(deserialize_with = "intern::de")]
    pub snapshot_state: Name,
    pub disk_id: String,
    pub disk_size: i64,
    #[serde(deserialize_with = "intern::de")]
    pub disk_usage: Name,
    #[serde(deserialize_with = "intern::de")]
    pub zone: Name,
    pub project_id: i64,
    pub encrypt: bool,
    pub is_permanent: bool,
    pub deadline_ms: Option<i64>,
    pub created_ms: i64,
    pub copy_from_remote: bool,
    /// Destination regions of copies in flight.
    pub copying_to: Vec<String>,
    /// UIN → when it was shared.
    pub shared_with: BTreeMap<String, i64>,
    pub time_start_share_ms: Option<i64>,
    pub tags: Vec<Tag>,
    /// The scheduled policy that took it, for automatic snapshots.
    pub auto_policy_id: Option<String>,
    pub seq: u64,
}

impl Snapshot {
    /// A new snapshot of `d`, CREATING, permanent unless `deadline_ms` is given.
    pub fn of_disk(d: &Disk, id: String, name: String, deadline_ms: Option<i64>, now_ms: i64, seq: u64) -> Snapshot {
        Snapshot {
            snapshot_id: id,
            snapshot_name: name,
            snapshot_state: state::CREATING.into(),
            disk_id: d.disk_id.clone(),
            disk_size: d.disk_size,
            disk_usage: d.disk_usage.clone(),
            zone: d.zone.clone(),
            project_id: d.project_id,
            encrypt: d.encrypt,
            is_permanent: deadline_ms.is_none(),
            deadline_ms,
            created_ms: now_ms,
            copy_from_remote: false,
            copying_to: vec![],
            shared_with: BTreeMap::new(),
            time_start_share_ms: None,
            tags: vec![],
            auto_policy_id: None,
            seq,
        }
    }
}

/// One schedule of a scheduled snapshot policy (`Policy`): hours (UTC+8) on the days picked by
/// exactly one of DayOfWeek (0 = Sunday), DayOfMonth or IntervalDays.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Schedule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<Vec<i64>>,
    pub hour: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_days: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AutoSnapshotPolicy {
    pub id: String,
    pub name: String,
    /// NORMAL or ISOLATED.
    pub state: String,
    pub is_activated: bool,
    pub is_permanent: bool,
    pub retention_days: i64,
    pub schedules: Vec<Schedule>,
    /// Console-only retention (no API action sets them; the control plane does): snapshots kept
    /// for months instead of days, at most N per disk, or one per day/week/month/year.
    #[serde(default)]
    pub retention_months: i64,
    #[serde(default)]
    pub retention_amount: i64,
    #[serde(default)]
    pub advanced_retention: Option<AdvancedRetention>,
    pub created_ms: i64,
    pub disk_ids: Vec<String>,
    pub next_trigger_ms: Option<i64>,
    /// Bumped on every change, so a firing scheduled before the change is ignored.
    pub generation: u64,
    pub seq: u64,
}

/// `AdvancedRetentionPolicy`: keep the latest snapshot of each of the last `days` days, `weeks`
/// weeks, `months` months and `years` years (each 0–100).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "PascalCase")]
pub struct AdvancedRetention {
    pub days: i64,
    pub weeks: i64,
    pub months: i64,
    pub years: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SnapshotOpLog {
    pub id: u64,
    pub snapshot_id: Box<str>,
    #[serde(deserialize_with = "intern::de")]
    pub operator: Name,
    #[serde(deserialize_with = "intern::de")]
    pub operation: Name,
    #[serde(deserialize_with = "intern::de")]
    pub operation_state: Name,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TcRegion {
    pub instances: Table<String, SeedInstance>,
    /// By ID, indexed for DescribeDisks (disk_index.rs). Boxed: a map keeps its entries in
    /// nodes that are about two-thirds full, so a 460-byte disk inline costs ~700 bytes of node
    /// per disk, boxed ~50 plus the box (docs/performance.md).
    pub disks: Indexed<Key, Shared<Disk>, DiskIndex<Disk>>,
    /// By ID, counted per disk for each listed disk's DiskBackupCount (backup_index.rs).
    pub backups: Indexed<String, DiskBackup, BackupCounts>,
    /// By ID, indexed for DescribeSnapshots and the per-disk counts (snapshot_index.rs). Boxed
    /// like the disks: ~330 bytes inline would sit in half-empty map nodes.
    pub snapshots: Indexed<Key, Shared<Snapshot>, SnapshotIndex<Snapshot>>,
    pub policies: Table<String, AutoSnapshotPolicy>,
    pub disk_logs: LogBook<DiskOpLog>,
    pub snapshot_logs: LogBook<SnapshotOpLog>,
    /// CreateDisks idempotency: ClientToken → the disk IDs it created.
    pub client_tokens: Table<String, Vec<String>>,
    /// Made by a request that failed? Then its undo removes the region again.
    #[serde(skip)]
    pub born: Born,
}

impl TcRegion {
    /// Forget the operation-log entries that ended before `cutoff_ms` (retention: core/logbook.rs).
    pub fn forget_logs_before(&mut self, cutoff_ms: i64) {
        self.disk_logs.forget_before(cutoff_ms);
        self.snapshot_logs.forget_before(cutoff_ms);
    }

    /// Disks listed by Describe calls (not those whose creation is still in flight).
    pub fn visible_disk(&self, id: &str) -> Option<&Disk> {
        self.disks.get(id).map(|d| &**d).filter(|d| !d.creating)
    }

    /// Data disks attached to an instance (what counts against MaxAttachCount).
    pub fn attached_data_disks(&self, instance_id: &str) -> i64 {
        self.disks
            .values()
            .filter(|d| d.disk_usage == DATA_DISK && d.attached_to.iter().any(|i| i == instance_id))
            .count() as i64
    }

    pub fn backup_count(&self, disk_id: &str) -> i64 {
        self.backups.index().of(disk_id)
    }

    /// Keep a disk's SnapshotCount/SnapshotSize (MB) equal to its snapshots in this region.
    pub fn recount_snapshots(&mut self, disk_id: &str) {
        let (n, gb) = self.snapshots.index().disk_totals(disk_id);
        let mb = gb * 1024;
        if let Some(mut d) = self.disks.get_mut(disk_id) {
            d.snapshot_count = n;
            d.snapshot_size_mb = mb;
        }
    }
}

/// Async work on the Tencent side, finished when its gate opens.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind")]
pub enum TcWork {
    CreateDisk {
        disk_id: String,
        log: u64,
    },
    Attach {
        disk_id: String,
        instance_id: String,
        log: u64,
    },
    Detach {
        disk_id: String,
        instance_id: String,
        log: u64,
    },
    Resize {
        disk_id: String,
        size: i64,
        log: u64,
    },
    ChangeType {
        disk_id: String,
        disk_type: String,
        log: u64,
    },
    RollbackBackup {
        disk_id: String,
        disk_backup_id: String,
    },
    CreateBackup {
        disk_backup_id: String,
    },
    /// A returned prepaid disk leaves the recycle bin for good.
    Destroy {
        disk_id: String,
    },
    CreateSnapshot {
        snapshot_id: String,
        log: u64,
    },
    RollbackSnapshot {
        disk_id: String,
        snapshot_id: String,
        log: u64,
    },
    /// A cross-region copy (in the destination region): COPYING_FROM_REMOTE → CHECKING_COPIED →
    /// NORMAL; on NORMAL the source in `source_region` stops listing the destination.
    CopySnapshot {
        snapshot_id: String,
        source_region: String,
        source_snapshot_id: String,
        checking: bool,
    },
    /// A non-permanent snapshot reaches its deadline.
    ExpireSnapshot {
        snapshot_id: String,
    },
    /// A scheduled policy's trigger time.
    FirePolicy {
        policy_id: String,
        generation: u64,
    },
}

impl TcWork {
    /// The resource whose progress this work drives.
    pub fn target(&self) -> &str {
        match self {
            TcWork::CreateDisk { disk_id, .. }
            | TcWork::Attach { disk_id, .. }
            | TcWork::Detach { disk_id, .. }
            | TcWork::Resize { disk_id, .. }
            | TcWork::ChangeType { disk_id, .. }
            | TcWork::RollbackBackup { disk_id, .. }
            | TcWork::Destroy { disk_id } => disk_id,
            TcWork::CreateBackup { disk_backup_id } => disk_backup_id,
            TcWork::CreateSnapshot { snapshot_id, .. }
            | TcWork::CopySnapshot { snapshot_id, .. }
            | TcWork::ExpireSnapshot { snapshot_id } => snapshot_id,
            TcWork::RollbackSnapshot { disk_id, .. } => disk_id,
            TcWork::FirePolicy { policy_id, .. } => policy_id,
        }
    }

    /// Scheduled events (not an operation's progress): they never count as "in flight".
    pub fn is_scheduled(&self) -> bool {
        matches!(self, TcWork::Destroy { .. } | TcWork::ExpireSnapshot { .. } | TcWork::FirePolicy { .. })
    }
}

impl Entry for DiskOpLog {
    type Key = u64;
    type Shelf = SortedDeque<u64, DiskOpLog>;
    fn key(&self) -> u64 {
        self.id
    }
    fn ended_ms(&self) -> Option<i64> {
        self.end_ms
    }
}

impl Entry for SnapshotOpLog {
    type Key = u64;
    type Shelf = SortedDeque<u64, SnapshotOpLog>;
    fn key(&self) -> u64 {
        self.id
    }
    fn ended_ms(&self) -> Option<i64> {
        self.end_ms
    }
}

impl TcRegion {
    /// Every container of state in it, by name, once: its undo and the durable store (world.rs)
    /// both walk this list, and a new field does not compile until it is named here.
    pub fn parts(&mut self, f: &mut dyn FnMut(&'static str, &mut dyn Persist)) {
        let TcRegion {
            instances,
            disks,
            backups,
            snapshots,
            policies,
            disk_logs,
            snapshot_logs,
            client_tokens,
            born: _,
        } = self;
        f("instances", instances);
        f("disks", disks);
        f("backups", backups);
        f("snapshots", snapshots);
        f("policies", policies);
        f("disk_logs", disk_logs);
        f("snapshot_logs", snapshot_logs);
        f("client_tokens", client_tokens);
    }
}

impl Undo for TcRegion {
    fn undo(&mut self, epoch: u64) {
        self.parts(&mut |_, part| part.undo(epoch));
    }
}

/// What the indexes keep of each entry (DiskIndex holds the lists).
impl Indexer<Key, Shared<Disk>> for DiskIndex<Disk> {
    type Keys = DiskKeys;

    fn keys(_: &Key, d: &Shared<Disk>) -> DiskKeys {
        DiskKeys {
            listed: !d.creating,
            created: d.created_ms,
            deadline: d.deadline_ms.unwrap_or(i64::MAX),
            seq: d.seq,
            zone: d.zone.clone(),
            state: d.disk_state.clone(),
            instances: d.attached_to.iter().map(|i| i.to_string()).collect(),
        }
    }

    fn add(&mut self, id: &Key, k: &DiskKeys) {
        self.add_keys(id, k);
    }

    fn remove(&mut self, id: &Key, k: &DiskKeys) {
        self.remove_keys(id, k);
        self.release(id, k);
    }

    fn settle(&mut self) {
        DiskIndex::settle(self);
    }

    const HOLDS: bool = true;

    fn hold(&mut self, _: &Key, k: &DiskKeys, row: &Shared<Disk>) {
        // Only listed disks are in the lists a page walks.
        if k.listed {
            self.rows.hold(k.seq, row);
        }
    }

    fn release(&mut self, id: &Key, k: &DiskKeys) {
        self.rows.release(k.seq, |d| *d.disk_id == **id);
    }
}

/// What the snapshot indexes keep of each entry (SnapshotIndex holds the lists).
impl Indexer<Key, Shared<Snapshot>> for SnapshotIndex<Snapshot> {
    type Keys = SnapshotKeys;

    fn keys(_: &Key, s: &Shared<Snapshot>) -> SnapshotKeys {
        SnapshotKeys {
            rank: (s.created_ms, s.seq),
            disk: s.disk_id.clone(),
            zone: s.zone.to_string(),
            state: s.snapshot_state.to_string(),
            name: s.snapshot_name.to_string(),
            shared: s.shared_with.keys().cloned().collect(),
            own: !s.copy_from_remote,
            creating: s.snapshot_state == state::CREATING,
            size_gb: s.disk_size,
        }
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

    fn hold(&mut self, _: &Key, k: &SnapshotKeys, row: &Shared<Snapshot>) {
        self.rows.hold(k.rank.1, row);
    }

    fn release(&mut self, id: &Key, k: &SnapshotKeys) {
        self.rows.release(k.rank.1, |r| r.snapshot_id == **id);
    }
}

impl Indexer<String, DiskBackup> for BackupCounts {
    /// The disk it counts toward (inline: every generated disk ID fits a `Key`).
    type Keys = Key;

    fn keys(_: &String, b: &DiskBackup) -> Key {
        Key::from(b.disk_id.as_str())
    }

    fn add(&mut self, _: &String, disk: &Key) {
        self.count(disk);
    }

    fn remove(&mut self, _: &String, disk: &Key) {
        self.uncount(disk);
    }

    fn settle(&mut self) {}
}

#[cfg(test)]
mod backup_count_tests {
    use super::*;
    use crate::core::change::Epoch;
    use proptest::prelude::*;
    use serde_json::json;

    type Backups = Indexed<String, DiskBackup, BackupCounts>;

    fn backup(id: u8, disk: u8) -> DiskBackup {
        serde_json::from_value(json!({
            "disk_backup_id": format!("dbp-{id}"), "disk_id": format!("disk-{disk}"), "disk_backup_name": "b",
            "disk_backup_state": "NORMAL", "disk_size": 10, "disk_usage": "DATA_DISK", "encrypt": false,
            "created_ms": 0, "seq": id
        }))
        .unwrap()
    }

    /// (backup_index.rs) The kept count of every disk is the count of a plain walk over the backups.
    fn assert_counted(t: &Backups) {
        for disk in 0..6u8 {
            let id = format!("disk-{disk}");
            let plain = t.values().filter(|b| b.disk_id == id).count() as i64;
            assert_eq!(t.index().of(&id), plain, "{id}");
        }
        assert!(t.index().all_positive(), "no disk is kept at zero");
    }

    proptest! {
        /// Inserts (new and replacing), moves to another disk through a write, removes and
        /// `retain`, the second half inside a request that is then undone: the counts stay those
        /// of counting, and the undo puts them back.
        #[test]
        fn counts_kept_equal_counts_counted(ops in proptest::collection::vec((0u8..5, 0u8..12, 0u8..6), 0..60)) {
            let mut t = Backups::default();
            let half = ops.len() / 2;
            let run = |t: &mut Backups, ops: &[(u8, u8, u8)]| {
                for &(op, id, disk) in ops {
                    let key = format!("dbp-{id}");
                    match op {
                        0 | 1 => {
                            t.insert(key, backup(id, disk));
                        }
                        2 => {
                            if let Some(mut b) = t.get_mut(&key) {
                                b.disk_id = format!("disk-{disk}");
                            }
                        }
                        3 => {
                            t.remove(&key);
                        }
                        _ => t.retain(|_, b| b.disk_id != format!("disk-{disk}")),
                    }
                    assert_counted(t);
                }
            };
            run(&mut t, &ops[..half]);
            let before: Vec<i64> = (0..6u8).map(|d| t.index().of(&format!("disk-{d}"))).collect();
            let e = Epoch::open();
            run(&mut t, &ops[half..]);
            let id = e.id();
            drop(e);
            t.undo(id);
            assert_counted(&t);
            let after: Vec<i64> = (0..6u8).map(|d| t.index().of(&format!("disk-{d}"))).collect();
            prop_assert_eq!(after, before);
        }
    }
}
