//! The change set: how a request that fails leaves the state as it found it.
//!
//! While the request transaction (txn.rs) runs a handler, it holds an *epoch* (a number no other
//! request has). Every container of state — a [`Table`] of resources, a [`Slot`] holding one
//! value, the job queue, a log book — keeps, for the epoch that last wrote to it, the value each
//! key had before that epoch first touched it (copy on first write, one entry at a time). A
//! failed request rolls exactly those entries back (`Undo::undo(epoch)`); a successful one leaves
//! them, and the next epoch that writes to the container forgets them. Writes made outside a
//! request's handler (seeding; in memory, the jobs the clock finishes and what a read lets them
//! see) carry epoch 0 and record nothing; with a durable store those two get epochs of their
//! own, so that the store learns what they touched (txn.rs).
//!
//! The handler declares its reads and writes by the method it calls: `get`, `values`, `iter`
//! (through `Deref`) only read; `get_mut`, `insert`, `remove`, `entry_or_default`, `retain`,
//! `values_mut` record the entries they may change before changing them.

use std::cell::Cell;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

static NEXT_EPOCH: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The epoch of the request running on this thread (0: none). Set only by `Epoch::open`
    /// while the state lock is held, and the pipeline never awaits while it holds the lock.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

/// The epoch of the write being made now (0 when no request is recording).
pub fn current() -> u64 {
    CURRENT.with(Cell::get)
}

/// A recording epoch for the duration of one handler; closing it (or dropping it, even while
/// unwinding) stops the recording.
pub struct Epoch(u64);

impl Epoch {
    pub fn open() -> Epoch {
        let id = NEXT_EPOCH.fetch_add(1, Ordering::Relaxed);
        CURRENT.with(|c| c.set(id));
        Epoch(id)
    }

    pub fn id(&self) -> u64 {
        self.0
    }
}

impl Drop for Epoch {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(0));
    }
}

/// The epoch a container of state (a region, a project) was made in, 0 outside any request: a
/// region or project that a failed request brought into being goes again with its undo. It
/// never makes two containers differ.
#[derive(Debug, Clone, Copy)]
pub struct Born(u64);

impl Default for Born {
    fn default() -> Self {
        Born(current())
    }
}

impl PartialEq for Born {
    fn eq(&self, _: &Born) -> bool {
        true
    }
}

impl Born {
    pub fn in_epoch(self, epoch: u64) -> bool {
        self.0 == epoch
    }
}

/// Something that can roll back what one epoch changed in it.
pub trait Undo {
    fn undo(&mut self, epoch: u64);
}

/// The values keys had before the epoch that last wrote first touched them.
#[derive(Debug)]
pub struct Journal<K, V> {
    epoch: u64,
    prior: BTreeMap<K, Option<V>>,
}

impl<K, V> Default for Journal<K, V> {
    fn default() -> Self {
        Journal { epoch: 0, prior: BTreeMap::new() }
    }
}

impl<K: Ord + Clone, V> Journal<K, V> {
    /// Keep what `key` holds now, unless this epoch kept it already (or nobody records).
    pub fn note(&mut self, key: &K, now: impl FnOnce() -> Option<V>) {
        let epoch = current();
        if epoch == 0 {
            return;
        }
        if self.epoch != epoch {
            self.epoch = epoch;
            self.prior.clear();
        }
        if !self.prior.contains_key(key) {
            self.prior.insert(key.clone(), now());
        }
    }

    /// The keys `epoch` touched (none if another epoch wrote since): what the durable store
    /// writes after the epoch, with each key's value then.
    pub fn touched(&self, epoch: u64) -> impl Iterator<Item = &K> {
        let mine = epoch != 0 && self.epoch == epoch;
        self.prior.keys().filter(move |_| mine)
    }

    /// What `epoch` changed, to be put back (nothing if another epoch wrote since).
    pub fn take(&mut self, epoch: u64) -> BTreeMap<K, Option<V>> {
        if self.epoch != epoch {
            return BTreeMap::new();
        }
        self.epoch = 0;
        std::mem::take(&mut self.prior)
    }
}

/// One entry an epoch changed, as the durable store (store.rs) keeps it: the key and the value
/// now as JSON text, `None` when the entry is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: String,
    pub value: Option<String>,
}

/// A container of state as the durable store sees it: what an epoch changed, and one entry put
/// back when the store is loaded (outside any epoch, keeping the container's own indexes).
pub trait Persist: Undo {
    fn changed(&self, epoch: u64, out: &mut Vec<Change>) -> Result<(), String>;
    fn put_back(&mut self, key: &str, value: Option<&str>) -> Result<(), String>;
    /// Once every row of a load is back: rebuild what `put_back` leaves for later (an index,
    /// built in one go rather than entry by entry).
    fn reindex(&mut self) {}
}

/// The change of one entry, serialized.
pub fn change_of<K: Serialize, V: Serialize>(key: &K, value: Option<&V>) -> Result<Change, String> {
    let key = serde_json::to_string(key).map_err(|e| e.to_string())?;
    let value = value.map(serde_json::to_string).transpose().map_err(|e| e.to_string())?;
    Ok(Change { key, value })
}

/// A stored entry read back.
pub fn entry_of<K: DeserializeOwned, V: DeserializeOwned>(
    key: &str,
    value: Option<&str>,
) -> Result<(K, Option<V>), String> {
    let k = serde_json::from_str(key).map_err(|e| format!("key {key}: {e}"))?;
    let v = value.map(serde_json::from_str).transpose().map_err(|e| format!("value at {key}: {e}"))?;
    Ok((k, v))
}

static NEXT_STAMP: AtomicU64 = AtomicU64::new(1);

/// A number no container of state had before: a [`Table`] takes one when it is made and each
/// time a mutable borrow of its map is handed out.
fn fresh_stamp() -> u64 {
    NEXT_STAMP.fetch_add(1, Ordering::Relaxed)
}

/// A map of resources by id whose writes are recorded in the change set.
///
/// Its *stamp* names the map's contents: a table takes a fresh one when it is made (new,
/// cloned, read back) and whenever its map may change, because the one way to its map's
/// mutable borrow is [`Table::map_mut`], which takes a new stamp first. So two equal stamps
/// mean the same table, unchanged in between: what was computed from it then still holds (the
/// rendered pages of core/kept.rs rely on this). A change through any path (request,
/// job, undo, load, reset) cannot keep the stamp.
#[derive(Debug)]
pub struct Table<K, V> {
    map: BTreeMap<K, V>,
    journal: Journal<K, V>,
    stamp: u64,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Table::with_map(BTreeMap::new())
    }
}

impl<K: Clone, V: Clone> Clone for Table<K, V> {
    fn clone(&self) -> Self {
        Table::with_map(self.map.clone())
    }
}

impl<K: PartialEq, V: PartialEq> PartialEq for Table<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.map == other.map
    }
}

impl<K, V> Deref for Table<K, V> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &BTreeMap<K, V> {
        &self.map
    }
}

impl<K: Ord + Clone, V: Clone> From<BTreeMap<K, V>> for Table<K, V> {
    fn from(map: BTreeMap<K, V>) -> Self {
        Table::with_map(map)
    }
}

impl<K, V> Table<K, V> {
    fn with_map(map: BTreeMap<K, V>) -> Self {
        Table { map, journal: Journal::default(), stamp: fresh_stamp() }
    }

    /// What names this table's contents now (see the type's docs).
    pub fn stamp(&self) -> u64 {
        self.stamp
    }

    /// The map, for a change: the only mutable way to it, so every change takes a new stamp.
    fn map_mut(&mut self) -> &mut BTreeMap<K, V> {
        self.parts().0
    }

    /// [`Table::map_mut`] with the journal beside it, for a change that records what it finds.
    fn parts(&mut self) -> (&mut BTreeMap<K, V>, &mut Journal<K, V>) {
        self.stamp = fresh_stamp();
        (&mut self.map, &mut self.journal)
    }
}

impl<K: Ord + Clone, V: Clone> FromIterator<(K, V)> for Table<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Table::from(iter.into_iter().collect::<BTreeMap<K, V>>())
    }
}

impl<K: Ord + Clone, V: Clone> Table<K, V> {
    fn note(&mut self, key: &K) {
        let map = &self.map;
        self.journal.note(key, || map.get(key).cloned());
    }

    /// Record the entry at `key` before it may change; false when there is none. Outside a
    /// request (seeding, the clock's jobs) nothing is recorded, and nothing is looked up twice.
    fn note_present<Q>(&mut self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if current() == 0 {
            return true;
        }
        // The value found is the one recorded: the journal need not look it up again.
        let Some((k, v)) = self.map.get_key_value(key) else { return false };
        self.journal.note(k, || Some(v.clone()));
        true
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.note_present(key).then(|| self.map_mut().get_mut(key)).flatten()
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.note(&key);
        self.map_mut().insert(key, value)
    }

    /// Insert `value` at `key` unless an entry is there (then `Err` hands it back): one search of
    /// the map, where `contains_key` and then `insert` made three (the journal's look included).
    pub fn insert_new(&mut self, key: K, value: V) -> Result<&V, V> {
        let (map, journal) = self.parts();
        match map.entry(key) {
            Entry::Occupied(_) => Err(value),
            Entry::Vacant(slot) => {
                journal.note(slot.key(), || None);
                Ok(slot.insert(value))
            }
        }
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.note_present(key).then(|| self.map_mut().remove(key)).flatten()
    }

    /// The value at `key`, made with `make` when there is none.
    pub fn entry_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.note(&key);
        self.map_mut().entry(key).or_insert_with(make)
    }

    pub fn entry_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        self.entry_or_insert_with(key, V::default)
    }

    /// Every value, for a change that may touch any of them (each is recorded first).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.iter_mut().map(|(_, v)| v)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        if current() != 0 {
            let keys: Vec<K> = self.map.keys().cloned().collect();
            for k in &keys {
                self.note(k);
            }
        }
        self.map_mut().iter_mut()
    }

    /// Keep the entries `keep` says yes to (it only looks: a change to a value goes through
    /// `get_mut`). What goes is recorded first, and nothing else is copied.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let gone: Vec<K> = self.map.iter().filter(|(k, v)| !keep(k, v)).map(|(k, _)| k.clone()).collect();
        for k in &gone {
            self.note(k);
            self.map_mut().remove(k);
        }
    }

    pub fn clear(&mut self) {
        self.retain(|_, _| false);
    }

    /// The key and value at `key` together, for a change (recorded first): two searches of the
    /// map, where `get_mut` and then this made three.
    pub(crate) fn entry_mut<Q>(&mut self, key: &Q) -> Option<(&K, &mut V)>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if !self.note_present(key) {
            return None;
        }
        self.entry_mut_unrecorded(key)
    }

    /// The key and value at `key` together, without recording (the caller recorded it first).
    pub(crate) fn entry_mut_unrecorded<Q>(&mut self, key: &Q) -> Option<(&K, &mut V)>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        use std::ops::Bound::Included;
        self.map_mut().range_mut::<Q, _>((Included(key), Included(key))).next()
    }

    /// Undo `epoch`, telling `seen` each key with its value now and the prior it gets back.
    pub(crate) fn undo_each(&mut self, epoch: u64, mut seen: impl FnMut(&K, Option<&V>, Option<&V>)) {
        for (k, prior) in self.journal.take(epoch) {
            seen(&k, self.map.get(&k), prior.as_ref());
            match prior {
                Some(v) => self.map_mut().insert(k, v),
                None => self.map_mut().remove(&k),
            };
        }
    }
}

impl<K: Ord + Clone, V: Clone> Undo for Table<K, V> {
    fn undo(&mut self, epoch: u64) {
        self.undo_each(epoch, |_, _, _| {});
    }
}

impl<K: Ord + Clone, V: Clone> Table<K, V> {
    /// The keys `epoch` touched, with their value now.
    pub(crate) fn touched(&self, epoch: u64) -> impl Iterator<Item = (&K, Option<&V>)> {
        self.journal.touched(epoch).map(|k| (k, self.map.get(k)))
    }

    /// Set or drop one entry without recording (loading the store); the value it had.
    pub(crate) fn put_unrecorded(&mut self, key: K, value: Option<V>) -> Option<V> {
        match value {
            Some(v) => self.map_mut().insert(key, v),
            None => self.map_mut().remove(&key),
        }
    }
}

impl<K, V> Persist for Table<K, V>
where
    K: Ord + Clone + Serialize + DeserializeOwned,
    V: Clone + Serialize + DeserializeOwned,
{
    fn changed(&self, epoch: u64, out: &mut Vec<Change>) -> Result<(), String> {
        for (k, v) in self.touched(epoch) {
            out.push(change_of(k, v)?);
        }
        Ok(())
    }

    fn put_back(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        let (k, v) = entry_of(key, value)?;
        self.put_unrecorded(k, v);
        Ok(())
    }
}

impl<K: Serialize, V: Serialize> Serialize for Table<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map.serialize(s)
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for Table<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Table::with_map(BTreeMap::deserialize(d)?))
    }
}

/// One value whose writes are recorded in the change set (the whole value is kept).
#[derive(Debug, Default)]
pub struct Slot<T> {
    value: T,
    journal: Journal<(), T>,
}

impl<T: Clone> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot::new(self.value.clone())
    }
}

impl<T: PartialEq> PartialEq for Slot<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T> Deref for Slot<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Clone> Slot<T> {
    pub fn new(value: T) -> Slot<T> {
        Slot { value, journal: Journal::default() }
    }

    pub fn get_mut(&mut self) -> &mut T {
        let v = &self.value;
        self.journal.note(&(), || Some(v.clone()));
        &mut self.value
    }

    pub fn set(&mut self, value: T) {
        *self.get_mut() = value;
    }
}

impl<T: Clone> Undo for Slot<T> {
    fn undo(&mut self, epoch: u64) {
        if let Some(Some(v)) = self.journal.take(epoch).remove(&()) {
            self.value = v;
        }
    }
}

impl<T: Clone + Serialize + DeserializeOwned> Persist for Slot<T> {
    fn changed(&self, epoch: u64, out: &mut Vec<Change>) -> Result<(), String> {
        if self.journal.touched(epoch).next().is_some() {
            out.push(change_of(&(), Some(&self.value))?);
        }
        Ok(())
    }

    fn put_back(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        if let (_, Some(v)) = entry_of::<(), T>(key, value)? {
            self.value = v;
        }
        Ok(())
    }
}

impl<T: Serialize> Serialize for Slot<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Slot { value: T::deserialize(d)?, journal: Journal::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_epoch_is_rolled_back_entry_by_entry() {
        let mut t: Table<String, i32> = [("a".to_string(), 1), ("b".to_string(), 2)].into_iter().collect();
        let mut s = Slot::new(5);
        let e = Epoch::open();
        *t.get_mut("a").unwrap() += 10;
        *t.get_mut("a").unwrap() += 10;
        t.insert("c".into(), 3);
        t.remove("b");
        s.set(6);
        let id = e.id();
        drop(e);
        assert_eq!(t.get("a"), Some(&21));
        t.undo(id);
        s.undo(id);
        assert_eq!(t.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("a", 1), ("b", 2)]);
        assert_eq!(*s, 5);
    }

    #[test]
    fn insert_new_takes_only_a_free_key_and_is_rolled_back_like_insert() {
        let mut t: Table<String, i32> = [("a".to_string(), 1)].into_iter().collect();
        let e = Epoch::open();
        assert_eq!(t.insert_new("a".into(), 2), Err(2), "a taken key hands the value back");
        assert_eq!(t.insert_new("b".into(), 3), Ok(&3));
        *t.entry_mut("a").unwrap().1 += 10;
        assert_eq!(t.insert_new("b".into(), 4), Err(4));
        let id = e.id();
        drop(e);
        assert_eq!((t.get("a"), t.get("b")), (Some(&11), Some(&3)));
        t.undo(id);
        assert_eq!(t.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), vec![("a", 1)]);
    }

    #[test]
    fn writes_outside_an_epoch_and_after_a_later_epoch_are_kept() {
        let mut t: Table<String, i32> = Table::default();
        t.insert("seeded".into(), 1);
        let first = Epoch::open();
        let first_id = first.id();
        t.insert("x".into(), 1);
        drop(first);
        let second = Epoch::open();
        t.insert("y".into(), 2);
        drop(second);
        t.undo(first_id);
        assert_eq!(t.len(), 3, "a later epoch wrote since: the first one's record is gone");
        assert_eq!(current(), 0);
    }

    /// Every way to change a table takes a new stamp (inside a request or not, undo and load
    /// included); reading keeps it; a copy or a table read back is never taken for another.
    #[test]
    fn every_change_takes_a_new_stamp() {
        let mut t: Table<u32, u32> = (0..5).map(|i| (i, i)).collect();
        let first = t.stamp();
        let _ = (t.get(&1), t.len(), t.iter().count());
        assert_eq!(t.stamp(), first, "reads keep the stamp");
        let mut seen = vec![first];
        let mut fresh = |t: &Table<u32, u32>, what: &str| {
            assert!(!seen.contains(&t.stamp()), "{what} kept a stamp");
            seen.push(t.stamp());
        };
        let e = Epoch::open();
        *t.get_mut(&1).unwrap() += 1;
        fresh(&t, "get_mut");
        t.insert(9, 9);
        fresh(&t, "insert");
        t.remove(&9);
        fresh(&t, "remove");
        *t.entry_or_default(7) += 1;
        fresh(&t, "entry_or_default");
        t.values_mut().for_each(|v| *v += 1);
        fresh(&t, "values_mut");
        t.retain(|k, _| *k != 0);
        fresh(&t, "retain");
        let _ = t.entry_mut_unrecorded(&1);
        fresh(&t, "entry_mut_unrecorded");
        let _ = t.entry_mut(&1);
        fresh(&t, "entry_mut");
        t.insert_new(11, 11).unwrap();
        fresh(&t, "insert_new");
        let id = e.id();
        drop(e);
        t.undo(id);
        fresh(&t, "undo");
        t.put_back("3", Some("30")).unwrap();
        fresh(&t, "put_back");
        *t.get_mut(&3).unwrap() += 1;
        fresh(&t, "get_mut outside a request");
        t.clear();
        fresh(&t, "clear");
        let copy = t.clone();
        fresh(&copy, "a copy");
        let back: Table<u32, u32> = serde_json::from_str("{}").unwrap();
        fresh(&back, "a table read back");
        fresh(&Table::default(), "a new table");
    }

    #[test]
    fn retain_and_values_mut_record_what_they_change() {
        let mut t: Table<u32, u32> = (0..5).map(|i| (i, i)).collect();
        let e = Epoch::open();
        t.retain(|k, _| k % 2 == 0);
        for v in t.values_mut() {
            *v += 100;
        }
        let id = e.id();
        drop(e);
        t.undo(id);
        assert_eq!(t.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(), (0..5).map(|i| (i, i)).collect::<Vec<_>>());
    }
}
