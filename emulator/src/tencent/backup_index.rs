//! A region's disk backups counted per disk, kept with every write: DescribeDisks (and the
//! gateway's `disk/list`) print each listed disk's `DiskBackupCount`, which counted the
//! region's backups once per disk — a page cost grew with every backup of every disk.

use std::collections::BTreeMap;

use super::model::DiskBackup;
use crate::core::index::Indexer;
use crate::core::key::Key;

#[derive(Debug, Default, Clone)]
pub struct BackupCounts {
    /// Disk ID → its backups (only disks that have some).
    per_disk: BTreeMap<Key, i64>,
}

impl BackupCounts {
    pub fn of(&self, disk_id: &str) -> i64 {
        self.per_disk.get(disk_id).copied().unwrap_or(0)
    }
}

impl Indexer<String, DiskBackup> for BackupCounts {
    /// The disk it counts toward (inline: every generated disk ID fits a `Key`).
    type Keys = Key;

    fn keys(_: &String, b: &DiskBackup) -> Key {
        Key::from(b.disk_id.as_str())
    }

    fn add(&mut self, _: &String, disk: &Key) {
        *self.per_disk.entry(disk.clone()).or_default() += 1;
    }

    fn remove(&mut self, _: &String, disk: &Key) {
        if let Some(n) = self.per_disk.get_mut(disk.as_str()) {
            *n -= 1;
            if *n <= 0 {
                self.per_disk.remove(disk.as_str());
            }
        }
    }

    fn settle(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::change::{Epoch, Undo};
    use crate::core::index::Indexed;
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

    /// The kept count of every disk is the count of a plain walk over the backups.
    fn assert_counted(t: &Backups) {
        for disk in 0..6u8 {
            let id = format!("disk-{disk}");
            let plain = t.values().filter(|b| b.disk_id == id).count() as i64;
            assert_eq!(t.index().of(&id), plain, "{id}");
        }
        assert!(t.index().per_disk.values().all(|&n| n > 0), "no disk is kept at zero");
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
