//! What a project keeps of its backups besides the backups themselves, so that ListBackups,
//! ListVault and the capacity rules cost what their answer holds and not what the project
//! holds: one sorted list per documented sort, one group per common filter, and the sums a vault
//! shows (used MB; per bound resource, its backup count and MB).
//!
//! Only whole backups are indexed (a server backup's per-disk children are listed under their
//! parent and count toward nothing). Entries are `(sort key, seq)` and one seq → id map turns
//! a page of entries into backups; a backup's `seq` is unique in its project (the world's
//! sequence hands it out).

use rustc_hash::FxHashMap;

use crate::core::index::{Grouped, Ordered};
use crate::core::key::LongKey;
use crate::core::shared::Rows;

/// An entry of a list in creation order (`created_ms`, seq).
pub type ByCreated = (i64, u64);

/// `R`, the row, is the model's `Backup`: named by the model (which holds this index) so that
/// the two files do not import each other.
#[derive(Debug)]
pub struct BackupIndex<R> {
    /// Each whole backup by its seq: a page's rows without a walk of the table by ID.
    pub rows: Rows<R>,
    pub created: Ordered<(i64, u64)>,
    pub updated: Ordered<(i64, u64)>,
    /// `protected_ms`, 0 while unset (as the sort compares it).
    pub protected: Ordered<(i64, u64)>,
    pub name: Ordered<(Box<str>, u64)>,
    pub id: Ordered<(Box<str>, u64)>,
    pub status: Ordered<(Box<str>, u64)>,
    /// The groups of the common equality filters, each in creation order.
    pub by_vault: Grouped<String, ByCreated>,
    pub by_resource: Grouped<String, ByCreated>,
    pub by_status: Grouped<String, ByCreated>,
    pub by_resource_type: Grouped<String, ByCreated>,
    pub by_image_type: Grouped<String, ByCreated>,
    pub by_checkpoint: Grouped<String, ByCreated>,
    /// Each status's backups by name: a console lists one status sorted by name, and walking
    /// the whole name list for it costs every backup of the other statuses.
    pub status_name: Grouped<String, (Box<str>, u64)>,
    /// Vault id → MB stored (`billing.used`).
    used_mb: FxHashMap<String, i64>,
    /// Vault id → resource id → (backups, MB) of that resource in that vault. Nested rather than
    /// keyed by a pair so that ListVault looks each of its resources up by `&str`; hashed, as a
    /// page of vaults looks up every resource of each (in ordered maps, a tenth of its profile:
    /// docs/performance.md). Nothing walks them, so their order is never seen.
    per_resource: FxHashMap<String, FxHashMap<String, (i64, i64)>>,
}

impl<R> Default for BackupIndex<R> {
    fn default() -> Self {
        BackupIndex {
            rows: Rows::default(),
            created: Default::default(),
            updated: Default::default(),
            protected: Default::default(),
            name: Default::default(),
            id: Default::default(),
            status: Default::default(),
            by_vault: Default::default(),
            by_resource: Default::default(),
            by_status: Default::default(),
            by_resource_type: Default::default(),
            by_image_type: Default::default(),
            by_checkpoint: Default::default(),
            status_name: Default::default(),
            used_mb: Default::default(),
            per_resource: Default::default(),
        }
    }
}

/// The fields of a whole backup the index keeps; `None` for a per-disk child.
#[derive(Debug, PartialEq)]
pub struct BackupKeys {
    pub seq: u64,
    pub created: i64,
    pub updated: i64,
    pub protected: i64,
    pub size_mb: i64,
    pub name: String,
    pub status: String,
    pub vault: String,
    pub resource: String,
    pub resource_type: String,
    pub image_type: String,
    pub checkpoint: String,
}

impl<R> BackupIndex<R> {
    /// Index one entry by its keys (the model's `Indexer` impl calls this).
    pub fn add_keys(&mut self, id: &LongKey, keys: &Option<BackupKeys>) {
        let Some(k) = keys else { return };
        let (seq, at) = (k.seq, (k.created, k.seq));
        self.created.insert(at);
        self.updated.insert((k.updated, seq));
        self.protected.insert((k.protected, seq));
        self.name.insert((k.name.as_str().into(), seq));
        self.id.insert((id.as_str().into(), seq));
        self.status.insert((k.status.as_str().into(), seq));
        self.by_vault.insert(k.vault.clone(), at);
        self.by_resource.insert(k.resource.clone(), at);
        self.by_status.insert(k.status.clone(), at);
        self.by_resource_type.insert(k.resource_type.clone(), at);
        self.by_image_type.insert(k.image_type.clone(), at);
        self.by_checkpoint.insert(k.checkpoint.clone(), at);
        self.status_name.insert(k.status.clone(), (k.name.as_str().into(), seq));
        *self.used_mb.entry(k.vault.clone()).or_default() += k.size_mb;
        let r = self.per_resource.entry(k.vault.clone()).or_default().entry(k.resource.clone()).or_default();
        r.0 += 1;
        r.1 += k.size_mb;
    }

    /// Every list in order after a bulk build (core/index.rs).
    pub fn settle(&mut self) {
        for list in [&mut self.created, &mut self.updated, &mut self.protected] {
            list.settle();
        }
        for list in [&mut self.name, &mut self.id, &mut self.status] {
            list.settle();
        }
        for group in [
            &mut self.by_vault,
            &mut self.by_resource,
            &mut self.by_status,
            &mut self.by_resource_type,
            &mut self.by_image_type,
            &mut self.by_checkpoint,
        ] {
            group.settle();
        }
        self.status_name.settle();
    }

    /// Take one entry out of the indexes.
    pub fn remove_keys(&mut self, id: &LongKey, keys: &Option<BackupKeys>) {
        let Some(k) = keys else { return };
        let (seq, at) = (k.seq, (k.created, k.seq));
        self.created.remove(&at);
        self.updated.remove(&(k.updated, seq));
        self.protected.remove(&(k.protected, seq));
        self.name.remove(&(k.name.as_str().into(), seq));
        self.id.remove(&(id.as_str().into(), seq));
        self.status.remove(&(k.status.as_str().into(), seq));
        self.by_vault.remove(&k.vault, &at);
        self.by_resource.remove(&k.resource, &at);
        self.by_status.remove(&k.status, &at);
        self.by_resource_type.remove(&k.resource_type, &at);
        self.by_image_type.remove(&k.image_type, &at);
        self.by_checkpoint.remove(&k.checkpoint, &at);
        self.status_name.remove(&k.status, &(k.name.as_str().into(), seq));
        if let Some(used) = self.used_mb.get_mut(&k.vault) {
            *used -= k.size_mb;
            if self.by_vault.get(&k.vault).is_none() {
                self.used_mb.remove(&k.vault);
            }
        }
        if let Some(vault) = self.per_resource.get_mut(&k.vault) {
            if let Some(r) = vault.get_mut(&k.resource) {
                r.0 -= 1;
                r.1 -= k.size_mb;
                if r.0 == 0 {
                    vault.remove(&k.resource);
                }
            }
            if vault.is_empty() {
                self.per_resource.remove(&k.vault);
            }
        }
    }
}

impl<R> BackupIndex<R> {
    /// MB stored in a vault.
    pub fn used_mb(&self, vault: &str) -> i64 {
        self.used_mb.get(vault).copied().unwrap_or(0)
    }

    /// (backups, MB) of one resource in one vault.
    pub fn resource_totals(&self, vault: &str, resource: &str) -> (i64, i64) {
        self.per_resource.get(vault).and_then(|v| v.get(resource)).copied().unwrap_or((0, 0))
    }
}

/// How a page walks a sorted list of `(key, seq)` entries: ListBackups orders by the sort key in
/// the direction asked and then always by `seq` descending, so an ascending walk takes each run
/// of equal keys backwards.
pub struct Walk<'a, K> {
    items: &'a [(K, u64)],
    desc: bool,
}

impl<'a, K: Ord> Walk<'a, K> {
    pub fn new(list: &'a Ordered<(K, u64)>, desc: bool) -> Self {
        Walk { items: list.as_slice(), desc }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The slice index of the run of keys equal to the one at `at`: [first, end).
    fn run(&self, at: usize) -> (usize, usize) {
        let key = &self.items[at].0;
        (self.items.partition_point(|x| x.0 < *key), self.items.partition_point(|x| x.0 <= *key))
    }

    /// The slice index of the entry at `rank` in walking order (a mirror image in each
    /// direction, so it also turns a slice index into a rank).
    fn index(&self, rank: usize) -> usize {
        let n = self.items.len();
        if self.desc {
            n - 1 - rank
        } else {
            let (first, end) = self.run(rank);
            first + end - 1 - rank
        }
    }

    /// The seqs at ranks `start..start + limit`. Ascending, the run of equal keys around the
    /// first rank is found by binary search once, and each next run by galloping from the end
    /// of the one before: two binary searches of the whole list per rank (each step a key on
    /// the heap) grew the page with the list (docs/performance.md).
    pub fn page(&self, start: usize, limit: usize) -> Vec<u64> {
        let end = start.saturating_add(limit).min(self.items.len());
        let start = start.min(end);
        if self.desc || start == end {
            return (start..end).map(|r| self.items[self.index(r)].1).collect();
        }
        let mut out = Vec::with_capacity(end - start);
        let (mut first, mut stop) = self.run(start);
        for r in start..end {
            if r >= stop {
                first = stop;
                stop = self.run_end(first);
            }
            out.push(self.items[first + stop - 1 - r].1);
        }
        out
    }

    /// The end of the run of keys equal to the one at `first`: a galloping search, so a short
    /// run costs a comparison or two next to it.
    fn run_end(&self, first: usize) -> usize {
        let key = &self.items[first].0;
        let n = self.items.len();
        // `lo` is known equal; `hi` is the first known different, or the end.
        let (mut lo, mut step) = (first, 1);
        let hi = loop {
            let probe = lo + step;
            if probe >= n {
                break n;
            }
            if self.items[probe].0 != *key {
                break probe;
            }
            lo = probe;
            step *= 2;
        };
        lo + 1 + self.items[lo + 1..hi].partition_point(|x| x.0 == *key)
    }

    /// The rank of `entry`, if it is listed.
    pub fn rank(&self, entry: &(K, u64)) -> Option<usize> {
        let at = self.items.binary_search(entry).ok()?;
        Some(self.index(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::change::{Epoch, Undo};
    use crate::core::index::Indexed;
    use crate::core::shared::Shared;
    use crate::huawei::model::Backup;
    use serde_json::json;

    type Backups = Indexed<LongKey, Shared<Backup>, BackupIndex<Backup>>;

    proptest::proptest! {
        /// A page of a walk is the page of sorting the entries plainly: by key in the direction
        /// asked, then by seq descending; lists with long runs of equal keys, short ones, none.
        #[test]
        fn a_walked_page_equals_a_plain_sort(
            keys in proptest::collection::vec(0u8..12, 0..90),
            spread in 1u8..12,
            start in 0usize..100,
            limit in 0usize..40,
            desc in proptest::prelude::any::<bool>(),
        ) {
            let mut entries: Vec<(u8, u64)> = (keys.iter().enumerate()).map(|(i, k)| (k % spread, i as u64)).collect();
            let mut list: Ordered<(u8, u64)> = Ordered::default();
            for e in &entries {
                list.insert(*e);
            }
            entries.sort_by(|a, b| if desc { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) }.then(b.1.cmp(&a.1)));
            let want: Vec<u64> = entries.iter().skip(start).take(limit).map(|e| e.1).collect();
            proptest::prop_assert_eq!(Walk::new(&list, desc).page(start, limit), want);
        }
    }

    fn backup(i: u64) -> Shared<Backup> {
        serde_json::from_value(json!({
            "id": format!("b{:02}", (i * 7) % 31), "seq": i, "name": format!("n{}", i % 4), "description": null,
            "checkpoint_id": format!("c{}", i / 3), "vault_id": format!("v{}", i % 2), "project_id": "p",
            "provider_id": "x", "resource_id": format!("r{}", i % 3), "resource_name": "r", "resource_type": "OS::Cinder::Volume",
            "resource_size": 10, "resource_az": "az", "image_type": "backup", "status": "available", "parent_id": null,
            "children": [], "created_ms": (i / 2) as i64, "updated_ms": 0, "protected_ms": null, "expired_ms": null,
            "incremental": false, "auto_trigger": false, "policy_id": null, "size_mb": 100 + i as i64, "bootable": false,
            "snapshot_id": null, "replication_records": [], "metadata": {}
        }))
        .unwrap()
    }

    /// Every list and sum of `t`'s index equals that of an index built afresh from its rows.
    fn assert_in_step(t: &Backups) {
        let fresh = t.clone();
        let (a, b) = (t.index(), fresh.index());
        assert_eq!(a.created.as_slice(), b.created.as_slice());
        assert_eq!(a.updated.as_slice(), b.updated.as_slice());
        assert_eq!(a.protected.as_slice(), b.protected.as_slice());
        assert_eq!(a.name.as_slice(), b.name.as_slice());
        assert_eq!(a.id.as_slice(), b.id.as_slice());
        assert_eq!(a.status.as_slice(), b.status.as_slice());
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.used_mb, b.used_mb);
        assert_eq!(a.per_resource, b.per_resource);
        for g in ["r0", "r1", "r2"] {
            assert_eq!(a.by_resource.get(g).map(Ordered::as_slice), b.by_resource.get(g).map(Ordered::as_slice));
        }
        for g in ["available", "error", "deleting"] {
            assert_eq!(a.by_status.get(g).map(Ordered::as_slice), b.by_status.get(g).map(Ordered::as_slice));
            assert_eq!(a.status_name.get(g).map(Ordered::as_slice), b.status_name.get(g).map(Ordered::as_slice));
        }
    }

    #[test]
    fn a_bulk_build_and_a_reindexed_load_equal_one_by_one() {
        use crate::core::change::Persist;
        let t: Backups = (0..31).map(backup).map(|b| (b.id.as_str().into(), b)).collect();
        let table: crate::core::change::Table<LongKey, Shared<Backup>> =
            t.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let by_one: BackupIndex<Backup> = crate::core::index::one_by_one(&table);
        assert_eq!(format!("{:?}", t.index()), format!("{by_one:?}"));
        let mut loaded = Backups::default();
        for (k, v) in table.iter() {
            loaded.put_back(&serde_json::to_string(k).unwrap(), Some(&serde_json::to_string(v).unwrap())).unwrap();
        }
        loaded.reindex();
        assert_eq!(format!("{:?}", loaded.index()), format!("{by_one:?}"));
    }

    #[test]
    fn walks_order_ties_by_seq_descending_in_both_directions() {
        let t: Backups = (0..12).map(backup).map(|b| (b.id.as_str().into(), b)).collect();
        for desc in [false, true] {
            let w = Walk::new(&t.index().created, desc);
            let mut want: Vec<(i64, u64)> = t.values().map(|b| (b.created_ms, b.seq)).collect();
            want.sort_by(|x, y| {
                let o = if desc { y.0.cmp(&x.0) } else { x.0.cmp(&y.0) };
                o.then(y.1.cmp(&x.1))
            });
            let seqs: Vec<u64> = want.iter().map(|e| e.1).collect();
            assert_eq!(w.page(0, 100), seqs);
            for (r, e) in want.iter().enumerate() {
                assert_eq!(w.rank(e), Some(r));
                assert_eq!(w.page(r, 2), seqs[r..(r + 2).min(seqs.len())]);
            }
        }
    }

    #[test]
    fn an_undone_request_puts_lists_and_sums_back() {
        let mut t: Backups = (0..20).map(backup).map(|b| (b.id.as_str().into(), b)).collect();
        let before = t.clone();
        let e = Epoch::open();
        t.get_mut(backup(3).id.as_str()).unwrap().status = "error".into();
        t.get_mut(backup(4).id.as_str()).unwrap().name = "zz".into();
        t.get_mut(backup(5).id.as_str()).unwrap().vault_id = "v9".into();
        t.remove(backup(6).id.as_str());
        let mut extra = backup(40);
        extra.id = "new".into();
        t.insert("new".into(), extra);
        let id = e.id();
        drop(e);
        assert_in_step(&t);
        assert_eq!(t.index().used_mb("v9"), backup(5).size_mb);
        t.undo(id);
        assert_in_step(&t);
        assert_eq!(t.index().created.as_slice(), before.index().created.as_slice());
        assert_eq!(t.index().used_mb, before.index().used_mb);
        assert_eq!(t.index().used_mb("v9"), 0);
    }
}
