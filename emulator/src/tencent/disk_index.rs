//! What DescribeDisks needs to answer a page without looking at every disk of the region: the
//! listed (not `creating`) disks in both documented orders (CreateTime, Deadline), and the same
//! per (zone, state) pair and per instance, so that a page and its TotalCount cost what the page
//! holds. An entry is `(sort key, seq)`, 16 bytes; one seq → ID list finds the disk. A DiskIds
//! page ranks its IDs by one hash probe each (`ranks`), so it reads only its own page's disks.
//!
//! Zone and state are kept as one group per pair, not one group per zone and one per state: a
//! disk is then in one list of the pair instead of two, and a `zone` filter, a `disk-state`
//! filter or both (with any number of values) are each the [`Union`] of a few pair lists (at
//! most zones × states, closed sets), whose page is found by rank without walking them.

use crate::core::index::{Grouped, Ordered};
use crate::core::intern::Name;
use crate::core::key::Key;
use crate::core::shared::Rows;
use crate::core::split_map::SplitMap;

/// `(sort key, seq)`: the documented order with ties broken by creation order.
pub type Rank = (i64, u64);

/// One ordering of a set of disks, as one or two sorted lists read one after the other: disks
/// without a deadline come after every disk with one (their key is i64::MAX) and keep their own
/// list, in creation order, so that creating them only ever appends; only disks with a deadline
/// are inserted among others.
#[derive(Clone, Copy)]
pub struct List<'a> {
    first: Option<&'a Ordered<Rank>>,
    then: Option<&'a Ordered<Rank>>,
}

impl<'a> List<'a> {
    pub fn len(&self) -> usize {
        self.first.map_or(0, Ordered::len) + self.then.map_or(0, Ordered::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `limit` entries from `offset`, ascending or descending.
    pub fn page(&self, offset: usize, limit: usize, desc: bool) -> impl Iterator<Item = &'a Rank> + 'a {
        let (one, two) = if desc { (self.then, self.first) } else { (self.first, self.then) };
        let n = one.map_or(0, Ordered::len);
        let from_one = n.saturating_sub(offset).min(limit);
        let head = one.into_iter().flat_map(move |l| l.page(offset, limit, desc));
        let tail = two.into_iter().flat_map(move |l| l.page(offset.saturating_sub(n), limit - from_one, desc));
        head.chain(tail)
    }

    pub fn iter(&self, desc: bool) -> impl Iterator<Item = &'a Rank> + 'a {
        self.page(0, usize::MAX, desc)
    }

    fn parts(&self) -> (&'a [Rank], &'a [Rank]) {
        (self.first.map_or(&[][..], Ordered::as_slice), self.then.map_or(&[][..], Ordered::as_slice))
    }

    /// The entry at rank `i` (the two lists read as one sorted list: every key of the first is
    /// below every key of the second).
    fn get(&self, i: usize) -> Option<&'a Rank> {
        let (a, b) = self.parts();
        a.get(i).or_else(|| b.get(i.checked_sub(a.len())?))
    }

    /// How many entries are below `x`.
    fn below(&self, x: &Rank) -> usize {
        let (a, b) = self.parts();
        let n = a.partition_point(|r| r < x);
        if n < a.len() {
            n
        } else {
            n + b.partition_point(|r| r < x)
        }
    }
}

/// How close to either end of a [`Union`] a page is merged from that end instead of found by rank.
const NEAR_END: usize = 256;

/// Several lists of disjoint entries (no disk is in two of them) read as one sorted list: the
/// disks of several (zone, state) pairs. A page finds where it starts in each list by binary
/// search on the rank, then merges only the page; the total is the sum of the lengths.
#[derive(Clone)]
pub struct Union<'a> {
    lists: Vec<List<'a>>,
}

impl<'a> From<List<'a>> for Union<'a> {
    fn from(list: List<'a>) -> Self {
        Union { lists: vec![list] }
    }
}

impl<'a> Union<'a> {
    pub fn len(&self) -> usize {
        self.lists.iter().map(List::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `limit` entries from `offset`, ascending or descending.
    pub fn page(&self, offset: usize, limit: usize, desc: bool) -> Vec<&'a Rank> {
        self.page_near(offset, limit, desc, NEAR_END)
    }

    /// [`Union::page`], merged from an end when the page is within `near_end` of it.
    fn page_near(&self, offset: usize, limit: usize, desc: bool, near_end: usize) -> Vec<&'a Rank> {
        if let [one] = self.lists.as_slice() {
            return one.page(offset, limit, desc).collect();
        }
        let n = self.len();
        let (lo, hi) = match desc {
            true => (n.saturating_sub(offset.saturating_add(limit)), n.saturating_sub(offset)),
            false => (offset.min(n), offset.saturating_add(limit).min(n)),
        };
        // A page near either end is merged from that end (the first page, newest first, is the
        // common one); only a page far from both is found by rank, whose search costs about
        // lists² × log² of the lists' length, more than merging a few hundred entries.
        let mut out = if lo <= near_end || n - hi <= near_end {
            let from_top = n - hi < lo;
            let skip = if from_top { n - hi } else { lo };
            let mut out = self.merge(from_top, self.ends(from_top), skip, hi - lo);
            if from_top {
                out.reverse();
            }
            out
        } else {
            self.merge(false, self.select(lo), 0, hi - lo)
        };
        if desc {
            out.reverse();
        }
        out
    }

    /// Where each list's walk starts: its first entry, or (`from_top`) one past its last.
    fn ends(&self, from_top: bool) -> Vec<usize> {
        self.lists.iter().map(|l| if from_top { l.len() } else { 0 }).collect()
    }

    /// Merges the lists from `at` (for each list, how many of its entries lie below the walk's
    /// start), upwards or (`from_top`) downwards: `skip` entries passed over, then up to `take`
    /// kept, in the order walked.
    fn merge(&self, from_top: bool, mut at: Vec<usize>, skip: usize, take: usize) -> Vec<&'a Rank> {
        let mut out = Vec::with_capacity(take.min(self.len()));
        for step in 0..skip.saturating_add(take) {
            let heads = self.lists.iter().zip(&at).enumerate();
            let next = if from_top {
                heads.filter_map(|(j, (l, &p))| Some((l.get(p.checked_sub(1)?)?, j))).max_by_key(|(r, _)| *r)
            } else {
                heads.filter_map(|(j, (l, &p))| Some((l.get(p)?, j))).min_by_key(|(r, _)| *r)
            };
            let Some((r, j)) = next else { break };
            if from_top {
                at[j] -= 1;
            } else {
                at[j] += 1;
            }
            if step >= skip {
                out.push(r);
            }
        }
        out
    }

    pub fn iter(&self, desc: bool) -> impl Iterator<Item = &'a Rank> + 'a {
        self.page(0, usize::MAX, desc).into_iter()
    }

    /// Where rank `r` of the union falls in each list: the count of each list's entries below
    /// the union's `r`-th entry. The rank of a list's entry in the union grows with its place
    /// in its list, so each list is searched for an entry of rank `r` (lists × log² work).
    fn select(&self, r: usize) -> Vec<usize> {
        if r == 0 {
            return vec![0; self.lists.len()];
        }
        let rank = |x: &Rank| self.lists.iter().map(|l| l.below(x)).sum::<usize>();
        for list in &self.lists {
            let (mut lo, mut hi) = (0, list.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let Some(x) = list.get(mid) else { break };
                match rank(x).cmp(&r) {
                    std::cmp::Ordering::Equal => return self.lists.iter().map(|l| l.below(x)).collect(),
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                }
            }
        }
        // Past the last entry.
        self.lists.iter().map(List::len).collect()
    }
}

/// The two orderings of one set of disks.
#[derive(Debug, Default, Clone)]
pub struct Orders {
    created: Ordered<Rank>,
    dated: Ordered<Rank>,
    undated: Ordered<Rank>,
}

impl Orders {
    fn add(&mut self, k: &DiskKeys) {
        self.created.insert((k.created, k.seq));
        self.by_deadline(k).insert((k.deadline, k.seq));
    }
    fn remove(&mut self, k: &DiskKeys) {
        self.created.remove(&(k.created, k.seq));
        self.by_deadline(k).remove(&(k.deadline, k.seq));
    }
    fn settle(&mut self) {
        self.created.settle();
        self.dated.settle();
        self.undated.settle();
    }
    fn by_deadline(&mut self, k: &DiskKeys) -> &mut Ordered<Rank> {
        if k.deadline == i64::MAX {
            &mut self.undated
        } else {
            &mut self.dated
        }
    }
    /// The list in the order asked (`deadline`: OrderField DEADLINE).
    pub fn by(&self, deadline: bool) -> List<'_> {
        if deadline {
            List { first: Some(&self.dated), then: Some(&self.undated) }
        } else {
            List { first: Some(&self.created), then: None }
        }
    }
}

/// The two orderings of each value of one field.
#[derive(Debug, Clone)]
pub struct GroupOrders<G = String> {
    created: Grouped<G, Rank>,
    dated: Grouped<G, Rank>,
    undated: Grouped<G, Rank>,
}

impl<G> Default for GroupOrders<G> {
    fn default() -> Self {
        GroupOrders { created: Grouped::default(), dated: Grouped::default(), undated: Grouped::default() }
    }
}

impl<G: Ord + Clone> GroupOrders<G> {
    fn add(&mut self, group: &G, k: &DiskKeys) {
        self.created.insert(group.clone(), (k.created, k.seq));
        self.by_deadline(k).insert(group.clone(), (k.deadline, k.seq));
    }
    fn remove(&mut self, group: &G, k: &DiskKeys) {
        self.created.remove(group, &(k.created, k.seq));
        self.by_deadline(k).remove(group, &(k.deadline, k.seq));
    }
    fn settle(&mut self) {
        self.created.settle();
        self.dated.settle();
        self.undated.settle();
    }
    fn by_deadline(&mut self, k: &DiskKeys) -> &mut Grouped<G, Rank> {
        if k.deadline == i64::MAX {
            &mut self.undated
        } else {
            &mut self.dated
        }
    }
    /// The disks with `group` in the order asked (empty: none has it).
    pub fn by<Q>(&self, group: &Q, deadline: bool) -> List<'_>
    where
        G: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if deadline {
            List { first: self.dated.get(group), then: self.undated.get(group) }
        } else {
            List { first: self.created.get(group), then: None }
        }
    }

    /// The disks of every value `pick` says yes to, in the order asked.
    pub fn union(&self, pick: impl Fn(&G) -> bool, deadline: bool) -> Union<'_> {
        // Every disk is in `created`, so its values are every value that has disks.
        let lists = self.created.groups().filter(|g| pick(g)).map(|g| self.by(g, deadline)).collect();
        Union { lists }
    }
}

/// A (zone, state) pair, as the disk holds them (kept once for the process: a copy is a pointer,
/// where a `String` was a heap block for each list the disk joins).
pub type ZoneState = (Name, Name);

/// Where a listed disk sorts in both documented orders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranks {
    pub created: i64,
    pub deadline: i64,
    pub seq: u64,
}

impl Ranks {
    pub fn rank(&self, by_deadline: bool) -> Rank {
        (if by_deadline { self.deadline } else { self.created }, self.seq)
    }
}

/// The indexes of a region's disks (only listed disks are in them). `R`, the row, is the model's
/// `Disk` (named there, so the two files do not import each other).
#[derive(Debug)]
pub struct DiskIndex<R> {
    /// seq → the disk (core/shared.rs): a page's disks are found by their number, not by a walk
    /// of the table by ID.
    pub rows: Rows<R>,
    /// disk ID → its ranks. A hash map: a B-tree lookup of each of a DiskIds page's 100 IDs walked
    /// several nodes far apart in memory at 100,000 disks. Fx hashing is not flood-proof, and
    /// needs not be: the IDs put in are the twin's own (generated, or a state file the user gave).
    /// Split in parts (core/split_map.rs): one map of a million disks doubling stalled every
    /// tenant's requests for the one write that crossed the line.
    by_id: SplitMap<Key, Ranks>,
    pub all: Orders,
    pub zone_state: GroupOrders<ZoneState>,
    pub instance: GroupOrders,
}

/// What the indexes know of a disk.
#[derive(Debug, PartialEq)]
pub struct DiskKeys {
    pub listed: bool,
    pub created: i64,
    /// A disk without a deadline sorts last (i64::MAX), as DescribeDisks has always sorted it.
    pub deadline: i64,
    pub seq: u64,
    pub zone: Name,
    pub state: Name,
    pub instances: Vec<String>,
}

impl<R> Default for DiskIndex<R> {
    fn default() -> Self {
        DiskIndex {
            rows: Rows::default(),
            by_id: Default::default(),
            all: Default::default(),
            zone_state: Default::default(),
            instance: Default::default(),
        }
    }
}

impl<R> DiskIndex<R> {
    /// The listed disk with creation number `seq`.
    pub fn row(&self, seq: u64) -> Option<&R> {
        self.rows.get(seq)
    }

    /// Where the listed disk `id` sorts; `None` if no listed disk has that ID.
    pub fn ranks(&self, id: &Key) -> Option<Ranks> {
        self.by_id.get(id).copied()
    }
}

impl<R> DiskIndex<R> {
    /// Index one entry by its keys (the model's `Indexer` impl calls this).
    pub fn add_keys(&mut self, id: &Key, k: &DiskKeys) {
        if !k.listed {
            return;
        }
        self.by_id.insert(id.clone(), Ranks { created: k.created, deadline: k.deadline, seq: k.seq });
        self.all.add(k);
        self.zone_state.add(&(k.zone.clone(), k.state.clone()), k);
        for i in &k.instances {
            self.instance.add(i, k);
        }
    }

    /// Every list in order after a bulk build (core/index.rs).
    pub fn settle(&mut self) {
        self.all.settle();
        self.zone_state.settle();
        self.instance.settle();
    }

    /// Take one entry out of the indexes.
    pub fn remove_keys(&mut self, id: &Key, k: &DiskKeys) {
        if !k.listed {
            return;
        }
        self.by_id.remove(id);
        self.all.remove(k);
        self.zone_state.remove(&(k.zone.clone(), k.state.clone()), k);
        for i in &k.instances {
            self.instance.remove(i, k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DiskIndex, List, Rank, Union};
    use crate::core::change::Table;
    use crate::core::index::{one_by_one, Indexed, Ordered};
    use crate::core::key::Key;
    use crate::core::shared::Shared;
    use crate::tencent::model::Disk;
    use proptest::prelude::*;
    use serde_json::json;

    fn disk(i: u64) -> (Key, Shared<Disk>) {
        let id = format!("disk-{:08}", (i * 7919) % 1000);
        let d = serde_json::from_value(json!({
            "disk_id": id, "disk_name": "d", "disk_type": "CLOUD_SSD", "disk_usage": "DATA_DISK",
            "disk_charge_type": if i.is_multiple_of(3) { "PREPAID" } else { "POSTPAID_BY_HOUR" },
            "disk_state": if i % 2 == 1 { "ATTACHED" } else { "UNATTACHED" }, "disk_size": 20, "portable": true,
            "attached_to": if i % 2 == 1 { vec![format!("ins-{}", i % 5)] } else { vec![] }, "shareable": false,
            "attach_mode": null, "zone": format!("zone-{}", i % 4), "project_id": 0, "encrypt": false,
            "delete_with_instance": false, "renew_flag": null,
            "deadline_ms": if i.is_multiple_of(3) { Some((i * 31 % 17) as i64) } else { None },
            "snapshot_ability": true, "snapshot_count": 0, "snapshot_size_mb": 0, "migrating": false,
            "throughput_performance": 0, "burst_performance": false, "backup_disk": false, "delete_snapshot": 0,
            "disk_backup_quota": 0, "tags": [], "created_ms": (i / 3) as i64, "last_attach_instance": null,
            "error_prompt": null, "source_snapshot_id": null, "auto_snapshot_policy_ids": [], "creating": i % 10 == 9,
            "seq": i
        }))
        .unwrap();
        (Key::from(id), Shared::new(d))
    }

    proptest! {
        /// A union's page, merged from either end or found by rank, is the page of the lists'
        /// entries sorted together: lists of one or two parts (a deadline order), empty ones,
        /// pages past the end.
        #[test]
        fn a_union_page_equals_sorting_its_lists(
            lists in proptest::collection::vec(proptest::collection::vec((0i64..40, any::<bool>()), 0..60), 0..5),
            offset in 0usize..200,
            limit in 0usize..60,
            desc in any::<bool>(),
            near_end in prop_oneof![Just(0usize), Just(usize::MAX), 0usize..100],
        ) {
            // Each entry gets its own seq, so no two lists share one.
            let mut seq = 0;
            let mut parts: Vec<(Ordered<Rank>, Ordered<Rank>)> = Vec::new();
            for list in &lists {
                let (mut first, mut then) = (Ordered::default(), Ordered::default());
                for &(key, late) in list {
                    seq += 1;
                    match late {
                        true => then.insert((i64::MAX, seq)),
                        false => first.insert((key, seq)),
                    }
                }
                parts.push((first, then));
            }
            let union = Union { lists: parts.iter().map(|(f, t)| List { first: Some(f), then: Some(t) }).collect() };
            let mut all: Vec<Rank> = parts.iter().flat_map(|(f, t)| f.as_slice().iter().chain(t.as_slice())).copied().collect();
            all.sort();
            if desc {
                all.reverse();
            }
            let want: Vec<Rank> = all.into_iter().skip(offset).take(limit).collect();
            let got: Vec<Rank> = union.page_near(offset, limit, desc, near_end).into_iter().copied().collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(union.len(), parts.iter().map(|(f, t)| f.len() + t.len()).sum::<usize>());
        }
    }

    #[test]
    fn a_bulk_build_equals_one_by_one() {
        let table: Table<Key, Shared<Disk>> = (0..300).map(disk).collect();
        let by_one: DiskIndex<Disk> = one_by_one(&table);
        let bulk: Indexed<Key, Shared<Disk>, DiskIndex<Disk>> = table.into();
        assert_eq!(format!("{:?}", bulk.index()), format!("{by_one:?}"));
    }
}
