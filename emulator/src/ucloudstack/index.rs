//! What a region keeps of its snapshots besides the snapshots, so that DescribeSnapshot costs
//! what its page holds: the snapshots newest first, and the same per disk and per project.
//! Entries are `(created_ms, seq)`; the index holds each snapshot's row by its seq
//! (core/shared.rs), which turns a page of entries into snapshots without a walk of the table by
//! ID (a snapshot's `seq` comes from the world's sequence, so it is unique).

use crate::core::index::{Grouped, Ordered};
use crate::core::shared::Rows;

/// (`created_ms`, seq): the order DescribeSnapshot lists in, read backwards.
pub type Entry = (i64, u64);

/// `R`, the row, is the model's `UcsSnapshot` (named there, so the two files do not import
/// each other).
#[derive(Debug)]
pub struct SnapshotIndex<R> {
    pub rows: Rows<R>,
    pub all: Ordered<Entry>,
    pub by_disk: Grouped<String, Entry>,
    pub by_project: Grouped<String, Entry>,
}

impl<R> Default for SnapshotIndex<R> {
    fn default() -> Self {
        SnapshotIndex {
            rows: Rows::default(),
            all: Ordered::default(),
            by_disk: Grouped::default(),
            by_project: Grouped::default(),
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct SnapshotKeys {
    pub at: Entry,
    pub disk: String,
    pub project: String,
}

impl<R> SnapshotIndex<R> {
    /// Index one entry by its keys (the model's `Indexer` impl calls this).
    pub fn add_keys(&mut self, k: &SnapshotKeys) {
        self.all.insert(k.at);
        self.by_disk.insert(k.disk.clone(), k.at);
        self.by_project.insert(k.project.clone(), k.at);
    }

    /// Every list in order after a bulk build (core/index.rs).
    pub fn settle(&mut self) {
        self.all.settle();
        self.by_disk.settle();
        self.by_project.settle();
    }

    /// Take one entry out of the indexes.
    pub fn remove_keys(&mut self, k: &SnapshotKeys) {
        self.all.remove(&k.at);
        self.by_disk.remove(&k.disk, &k.at);
        self.by_project.remove(&k.project, &k.at);
    }
}

impl<R> SnapshotIndex<R> {
    /// How many projects have snapshots here.
    pub fn project_count(&self) -> usize {
        self.by_project.group_count()
    }
}

#[cfg(test)]
mod tests {
    use super::SnapshotIndex;
    use crate::core::change::Table;
    use crate::core::index::{one_by_one, Indexed};
    use crate::core::key::Key;
    use crate::core::shared::Shared;
    use crate::ucloudstack::model::UcsSnapshot;

    #[test]
    fn a_bulk_build_equals_one_by_one() {
        let table: Table<Key, Shared<UcsSnapshot>> = (0..200u64)
            .map(|i| {
                let id = format!("snap-{:04}", (i * 37) % 200);
                let s = UcsSnapshot {
                    snapshot_id: id.clone(),
                    name: "s".into(),
                    remark: String::new(),
                    status: "Available".into(),
                    kind: "Manual".into(),
                    disk_id: format!("disk-{}", i % 7),
                    disk_type: "Data".into(),
                    project_id: format!("p{}", i % 3),
                    size: 10,
                    created_ms: (i / 4) as i64,
                    seq: i,
                };
                (Key::from(id), Shared::new(s))
            })
            .collect();
        let by_one: SnapshotIndex<UcsSnapshot> = one_by_one(&table);
        let bulk: Indexed<Key, Shared<UcsSnapshot>, SnapshotIndex<UcsSnapshot>> = table.into();
        assert_eq!(format!("{:?}", bulk.index()), format!("{by_one:?}"));
    }
}
