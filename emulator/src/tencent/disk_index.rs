//! What DescribeDisks needs to answer a page without looking at every disk of the region: the
//! listed (not `creating`) disks in both documented orders (CreateTime, Deadline), and the same
//! per zone, per state and per instance, so that a page and its TotalCount cost what the page
//! holds. An entry is `(sort key, seq)`, 16 bytes; one seq → ID list finds the disk.

use crate::core::index::{Grouped, Ordered};

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
#[derive(Debug, Default, Clone)]
pub struct GroupOrders {
    created: Grouped<String, Rank>,
    dated: Grouped<String, Rank>,
    undated: Grouped<String, Rank>,
}

impl GroupOrders {
    fn add(&mut self, group: &str, k: &DiskKeys) {
        self.created.insert(group.to_string(), (k.created, k.seq));
        self.by_deadline(k).insert(group.to_string(), (k.deadline, k.seq));
    }
    fn remove(&mut self, group: &str, k: &DiskKeys) {
        self.created.remove(group, &(k.created, k.seq));
        self.by_deadline(k).remove(group, &(k.deadline, k.seq));
    }
    fn settle(&mut self) {
        self.created.settle();
        self.dated.settle();
        self.undated.settle();
    }
    fn by_deadline(&mut self, k: &DiskKeys) -> &mut Grouped<String, Rank> {
        if k.deadline == i64::MAX {
            &mut self.undated
        } else {
            &mut self.dated
        }
    }
    /// The disks with `group` in the order asked (empty: none has it).
    pub fn by(&self, group: &str, deadline: bool) -> List<'_> {
        if deadline {
            List { first: self.dated.get(group), then: self.undated.get(group) }
        } else {
            List { first: self.created.get(group), then: None }
        }
    }
}

/// The indexes of a region's disks (only listed disks are in them).
#[derive(Debug, Default, Clone)]
pub struct DiskIndex {
    /// seq → disk ID, by seq.
    ids: Ordered<(u64, Box<str>)>,
    pub all: Orders,
    pub zone: GroupOrders,
    pub state: GroupOrders,
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
    pub zone: String,
    pub state: String,
    pub instances: Vec<String>,
}

impl DiskIndex {
    /// The ID of the disk with creation number `seq`.
    pub fn id(&self, seq: u64) -> Option<&str> {
        self.ids.find(&seq, |(s, _)| *s).map(|(_, id)| &**id)
    }
}

impl DiskIndex {
    /// Index one entry by its keys (the model's `Indexer` impl calls this).
    pub fn add_keys(&mut self, id: &str, k: &DiskKeys) {
        if !k.listed {
            return;
        }
        self.ids.insert((k.seq, id.into()));
        self.all.add(k);
        self.zone.add(&k.zone, k);
        self.state.add(&k.state, k);
        for i in &k.instances {
            self.instance.add(i, k);
        }
    }

    /// Every list in order after a bulk build (core/index.rs).
    pub fn settle(&mut self) {
        self.ids.settle();
        self.all.settle();
        self.zone.settle();
        self.state.settle();
        self.instance.settle();
    }

    /// Take one entry out of the indexes.
    pub fn remove_keys(&mut self, id: &str, k: &DiskKeys) {
        if !k.listed {
            return;
        }
        self.ids.remove(&(k.seq, id.into()));
        self.all.remove(k);
        self.zone.remove(&k.zone, k);
        self.state.remove(&k.state, k);
        for i in &k.instances {
            self.instance.remove(i, k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DiskIndex;
    use crate::core::change::Table;
    use crate::core::index::{one_by_one, Indexed};
    use crate::tencent::model::Disk;
    use serde_json::json;

    fn disk(i: u64) -> (String, Box<Disk>) {
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
        (id, Box::new(d))
    }

    #[test]
    fn a_bulk_build_equals_one_by_one() {
        let table: Table<String, Box<Disk>> = (0..300).map(disk).collect();
        let by_one: DiskIndex = one_by_one(&table);
        let bulk: Indexed<String, Box<Disk>, DiskIndex> = table.into();
        assert_eq!(format!("{:?}", bulk.index()), format!("{by_one:?}"));
    }
}
