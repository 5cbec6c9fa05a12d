//! What DescribeSnapshots needs to answer a page without looking at every snapshot of the
//! region: the snapshots in their one documented order (CreateTime, ties by creation number),
//! the same per disk, per zone, per state and per name (`snapshot-name` is an exact match),
//! and per account they are shared with (so that
//! another account finds what is shared with it without looking at the rest). A disk's
//! snapshot count and size are kept too, so creating or deleting a snapshot does not count the
//! region's. Entries are `(created_ms, seq)`; the index holds each snapshot's row by its seq
//! (core/shared.rs), so a page finds its snapshots without a walk of the table by ID.

use std::collections::BTreeMap;

use crate::core::index::{Grouped, Ordered};
use crate::core::shared::Rows;

/// `(created_ms, seq)`: the documented order with ties broken by creation order.
pub type Rank = (i64, u64);

/// `R`, the row, is the model's `Snapshot` (named there, so the two files do not import each
/// other).
#[derive(Debug)]
pub struct SnapshotIndex<R> {
    /// seq → the snapshot.
    pub rows: Rows<R>,
    pub all: Ordered<Rank>,
    pub disk: Grouped<String, Rank>,
    pub zone: Grouped<String, Rank>,
    pub state: Grouped<String, Rank>,
    pub name: Grouped<String, Rank>,
    /// UIN → the snapshots shared with it.
    pub shared: Grouped<String, Rank>,
    /// Disk ID → (snapshots, GB) of the disk's own snapshots (not copies from other regions):
    /// what SnapshotCount/SnapshotSize and the per-disk quota read.
    per_disk: BTreeMap<String, (i64, i64)>,
    /// Disk ID → how many of its snapshots are CREATING.
    creating: BTreeMap<String, i64>,
}

impl<R> Default for SnapshotIndex<R> {
    fn default() -> Self {
        SnapshotIndex {
            rows: Rows::default(),
            all: Default::default(),
            disk: Default::default(),
            zone: Default::default(),
            state: Default::default(),
            name: Default::default(),
            shared: Default::default(),
            per_disk: Default::default(),
            creating: Default::default(),
        }
    }
}

/// What the indexes know of a snapshot.
#[derive(Debug, PartialEq)]
pub struct SnapshotKeys {
    pub rank: Rank,
    pub disk: String,
    pub zone: String,
    pub state: String,
    pub name: String,
    pub shared: Vec<String>,
    /// Counts toward its disk (not a copy from another region).
    pub own: bool,
    /// Still being made (state CREATING): the disk has a snapshot in progress.
    pub creating: bool,
    pub size_gb: i64,
}

impl<R> SnapshotIndex<R> {
    /// Every list in order after a bulk build (core/index.rs).
    pub fn settle(&mut self) {
        self.all.settle();
        self.disk.settle();
        self.zone.settle();
        self.state.settle();
        self.name.settle();
        self.shared.settle();
    }

    /// (snapshots, GB) of a disk's own snapshots in this region.
    pub fn disk_totals(&self, disk: &str) -> (i64, i64) {
        self.per_disk.get(disk).copied().unwrap_or((0, 0))
    }

    /// Whether a snapshot of the disk is being created.
    pub fn creating(&self, disk: &str) -> bool {
        self.creating.get(disk).is_some_and(|n| *n > 0)
    }

    /// Index one entry by its keys (the model's `Indexer` impl calls this).
    pub fn add_keys(&mut self, k: &SnapshotKeys) {
        self.all.insert(k.rank);
        self.disk.insert(k.disk.clone(), k.rank);
        self.zone.insert(k.zone.clone(), k.rank);
        self.state.insert(k.state.clone(), k.rank);
        self.name.insert(k.name.clone(), k.rank);
        for uin in &k.shared {
            self.shared.insert(uin.clone(), k.rank);
        }
        if k.own {
            let t = self.per_disk.entry(k.disk.clone()).or_default();
            t.0 += 1;
            t.1 += k.size_gb;
        }
        if k.creating {
            *self.creating.entry(k.disk.clone()).or_default() += 1;
        }
    }

    /// Take one entry out of the indexes.
    pub fn remove_keys(&mut self, k: &SnapshotKeys) {
        self.all.remove(&k.rank);
        self.disk.remove(&k.disk, &k.rank);
        self.zone.remove(&k.zone, &k.rank);
        self.state.remove(&k.state, &k.rank);
        self.name.remove(&k.name, &k.rank);
        for uin in &k.shared {
            self.shared.remove(uin, &k.rank);
        }
        if k.own {
            if let Some(t) = self.per_disk.get_mut(&k.disk) {
                t.0 -= 1;
                t.1 -= k.size_gb;
                if t.0 == 0 {
                    self.per_disk.remove(&k.disk);
                }
            }
        }
        if k.creating {
            if let Some(n) = self.creating.get_mut(&k.disk) {
                *n -= 1;
                if *n == 0 {
                    self.creating.remove(&k.disk);
                }
            }
        }
    }
}

/// The ranks `offset..offset + limit` (counted in the direction asked) of the union of two
/// ascending lists with no entry in common: `big`, and `small`, whose length is the cost, each
/// of its entries placed among `big`'s by a binary search.
pub fn merged_page<T: Copy>(
    big: &[Rank],
    small: &[(Rank, T)],
    (offset, limit): (usize, usize),
    desc: bool,
) -> Vec<Merged<T>> {
    let n = big.len() + small.len();
    let (lo, hi) = if desc {
        (n.saturating_sub(offset.saturating_add(limit)), n.saturating_sub(offset))
    } else {
        (offset.min(n), offset.saturating_add(limit).min(n))
    };
    // Where each of `small`'s entries stands in the union, ascending.
    let at: Vec<usize> = small.iter().enumerate().map(|(j, (r, _))| j + big.partition_point(|b| b < r)).collect();
    let mut j = at.partition_point(|&a| a < lo);
    let mut out = Vec::with_capacity(hi - lo);
    for r in lo..hi {
        if at.get(j) == Some(&r) {
            out.push(Merged::Small(small[j].1));
            j += 1;
        } else {
            out.push(Merged::Big(big[r - j]));
        }
    }
    if desc {
        out.reverse();
    }
    out
}

/// An entry of a [`merged_page`]: from the big list (its rank) or the small one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Merged<T> {
    Big(Rank),
    Small(T),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every page of the merge is the page of the two lists joined and sorted.
        #[test]
        fn a_merged_page_is_a_page_of_the_sorted_union(
            keys in proptest::collection::btree_set((0i64..40, 0u64..1000), 0..60),
            split in proptest::collection::vec(any::<bool>(), 60),
            offset in 0usize..70,
            limit in 0usize..30,
            desc in any::<bool>(),
        ) {
            let (mut big, mut small) = (Vec::new(), Vec::new());
            for (i, k) in keys.iter().enumerate() {
                if split[i] { small.push((*k, *k)) } else { big.push(*k) }
            }
            let mut all: Vec<Rank> = keys.iter().copied().collect();
            if desc {
                all.reverse();
            }
            let want: Vec<Rank> = all.into_iter().skip(offset).take(limit).collect();
            let got: Vec<Rank> = merged_page(&big, &small, (offset, limit), desc)
                .into_iter()
                .map(|m| match m {
                    Merged::Big(r) => r,
                    Merged::Small(r) => r,
                })
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}

#[cfg(test)]
mod bulk {
    use super::SnapshotIndex;
    use crate::core::change::Table;
    use crate::core::index::{one_by_one, Indexed};
    use crate::core::key::Key;
    use crate::core::shared::Shared;
    use crate::tencent::model::Snapshot;
    use serde_json::json;

    fn snapshot(i: u64) -> (String, Snapshot) {
        let id = format!("snap-{:08}", (i * 7919) % 1000);
        let shared: serde_json::Map<String, serde_json::Value> =
            (0..i % 3).map(|u| (format!("uin-{u}"), json!(1))).collect();
        let s = serde_json::from_value(json!({
            "snapshot_id": id, "snapshot_name": "s",
            "snapshot_state": if i % 2 == 1 { "NORMAL" } else { "CREATING" },
            "disk_id": format!("disk-{}", i % 7), "disk_size": 10, "disk_usage": "DATA_DISK",
            "zone": format!("zone-{}", i % 4), "project_id": 0, "encrypt": false, "is_permanent": true,
            "deadline_ms": null, "created_ms": (i / 3) as i64, "copy_from_remote": i % 5 == 4,
            "copying_to": [], "shared_with": shared, "time_start_share_ms": null, "tags": [],
            "auto_policy_id": null, "seq": i
        }))
        .unwrap();
        (id, s)
    }

    proptest::proptest! {
        /// After any inserts, renames and removals, the snapshots of a name are those a scan
        /// finds with that name, in rank order.
        #[test]
        fn a_name_list_equals_a_scan(
            names in proptest::collection::vec(0u8..4, 1..60),
            renames in proptest::collection::vec((0usize..60, 0u8..4), 0..20),
            gone in proptest::collection::vec(0usize..60, 0..10),
        ) {
            let name = |n: u8| ["a", "b", "A", ""][n as usize].to_string();
            let mut table: Indexed<Key, Shared<Snapshot>, SnapshotIndex<Snapshot>> = Indexed::default();
            for (i, n) in names.iter().enumerate() {
                let (id, mut s) = snapshot(i as u64);
                s.snapshot_name = name(*n);
                table.insert(id.into(), Shared::new(s));
            }
            let ids: Vec<Key> = table.keys().cloned().collect();
            for (i, n) in renames {
                if let Some(mut row) = ids.get(i).and_then(|id| table.get_mut(id)) {
                    row.snapshot_name = name(n);
                }
            }
            for i in gone {
                if let Some(id) = ids.get(i) {
                    table.remove(id);
                }
            }
            for n in 0..4 {
                let mut want: Vec<(i64, u64)> =
                    table.values().filter(|s| s.snapshot_name == name(n)).map(|s| (s.created_ms, s.seq)).collect();
                want.sort_unstable();
                let got = table.index().name.get(name(n).as_str()).map_or(vec![], |l| l.as_slice().to_vec());
                proptest::prop_assert_eq!(got, want);
            }
        }
    }

    proptest::proptest! {
        /// After any inserts, renames and removals, a seq finds the snapshot a scan finds with
        /// that seq, as it is now (renamed), and a removed seq finds nothing.
        #[test]
        fn a_seq_finds_the_row_a_scan_finds(
            count in 1usize..80,
            renames in proptest::collection::vec((0usize..80, 0u8..3), 0..20),
            gone in proptest::collection::vec(0usize..80, 0..30),
        ) {
            let mut table: Indexed<Key, Shared<Snapshot>, SnapshotIndex<Snapshot>> = Indexed::default();
            for i in 0..count {
                let (id, s) = snapshot(i as u64);
                table.insert(id.into(), Shared::new(s));
            }
            let ids: Vec<Key> = table.keys().cloned().collect();
            for (i, n) in renames {
                if let Some(mut row) = ids.get(i).and_then(|id| table.get_mut(id)) {
                    row.snapshot_name = format!("n{n}");
                }
            }
            for i in gone {
                if let Some(id) = ids.get(i) {
                    table.remove(id);
                }
            }
            for seq in 0..count as u64 + 1 {
                let want = table.values().find(|s| s.seq == seq).map(|s| (&s.snapshot_id, &s.snapshot_name));
                let got = table.index().rows.get(seq).map(|s| (&s.snapshot_id, &s.snapshot_name));
                proptest::prop_assert_eq!(got, want);
            }
        }
    }

    /// A restart builds the indexes in one go; every list must come out as one built entry by
    /// entry would (a list `settle` forgets stays unsorted and fails this).
    #[test]
    fn a_bulk_build_equals_one_by_one() {
        let table: Table<Key, Shared<Snapshot>> =
            (0..300).map(snapshot).map(|(id, s)| (id.into(), Shared::new(s))).collect();
        let by_one: SnapshotIndex<Snapshot> = one_by_one(&table);
        let bulk: Indexed<Key, Shared<Snapshot>, SnapshotIndex<Snapshot>> = table.into();
        assert_eq!(format!("{:?}", bulk.index()), format!("{by_one:?}"));
    }
}
