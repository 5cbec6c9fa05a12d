//! A region's disk backups counted per disk, kept with every write: DescribeDisks (and the
//! gateway's `disk/list`) print each listed disk's `DiskBackupCount`, which counted the
//! region's backups once per disk — a page cost grew with every backup of every disk.

use std::collections::BTreeMap;

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

    /// One more backup of `disk` (the `Indexer` in model.rs calls it on every write).
    pub(crate) fn count(&mut self, disk: &Key) {
        *self.per_disk.entry(disk.clone()).or_default() += 1;
    }

    /// One backup of `disk` fewer; a disk at zero is forgotten.
    pub(crate) fn uncount(&mut self, disk: &Key) {
        if let Some(n) = self.per_disk.get_mut(disk.as_str()) {
            *n -= 1;
            if *n <= 0 {
                self.per_disk.remove(disk.as_str());
            }
        }
    }

    /// Whether no disk is kept at zero or below (for the tests).
    #[cfg(test)]
    pub(crate) fn all_positive(&self) -> bool {
        self.per_disk.values().all(|&n| n > 0)
    }
}
