//! Indexes kept with the data, so that a page costs what the page holds and not what the region
//! holds: a list in its documented order is a slice of an [`Ordered`] list, a filter on one
//! field's value is the [`Grouped`] list of that value, and a total is a length.
//!
//! An [`Indexed`] table keeps its indexes up to date on every write, through its own methods
//! only: `get_mut` hands out a [`RowMut`] that re-indexes the entry when it is dropped, if the
//! entry's index keys changed. What the indexes hold is the provider's choice ([`Indexer`]);
//! they are derived data: not serialized, rebuilt when a table is loaded or cloned, and put back
//! in step when a failed request is undone.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use serde::de::DeserializeOwned;

use crate::core::change::{change_of, entry_of, Change, Persist, Table, Undo};

/// A sorted list with rank access: `len` is the count, `page` a slice at any offset in either
/// direction. Inserting at the end (ascending creation order) is cheap; in the middle it moves
/// the tail, which is a `memmove` of 16-byte entries.
#[derive(Debug, Clone)]
pub struct Ordered<T> {
    items: Vec<T>,
}

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered { items: Vec::new() }
    }
}

thread_local! {
    /// Set while an index is built in one go (`Indexed::rebuild`): lists then take entries as
    /// they come and are sorted once at the end, instead of moving their tail for every entry
    /// that lands in the middle (a load in key order would be quadratic otherwise).
    static BULK: Cell<bool> = const { Cell::new(false) };
}

/// The bulk mode for as long as it lives (also when a build unwinds).
struct Bulk;

impl Bulk {
    fn on() -> Bulk {
        BULK.with(|b| b.set(true));
        Bulk
    }
}

impl Drop for Bulk {
    fn drop(&mut self) {
        BULK.with(|b| b.set(false));
    }
}

impl<T: Ord> Ordered<T> {
    pub fn insert(&mut self, item: T) {
        if BULK.with(Cell::get) {
            self.items.push(item);
            return;
        }
        let at = match self.items.last() {
            Some(last) if *last < item => self.items.len(),
            _ => self.items.binary_search(&item).unwrap_or_else(|i| i),
        };
        self.items.insert(at, item);
    }

    pub fn remove(&mut self, item: &T) -> bool {
        match self.items.binary_search(item) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// The item whose `key` (a prefix of the order, e.g. the first field) is `k`.
    pub fn find<K: Ord>(&self, k: &K, key: impl Fn(&T) -> K) -> Option<&T> {
        self.items.binary_search_by(|t| key(t).cmp(k)).ok().map(|i| &self.items[i])
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `limit` items from `offset`, counted from the first (ascending) or from the last
    /// (descending), in that direction.
    pub fn page(&self, offset: usize, limit: usize, desc: bool) -> Box<dyn Iterator<Item = &T> + '_> {
        let n = self.items.len();
        let start = offset.min(n);
        let end = offset.saturating_add(limit).min(n);
        if desc {
            Box::new(self.items[n - end..n - start].iter().rev())
        } else {
            Box::new(self.items[start..end].iter())
        }
    }

    /// The items in ascending order (for rank arithmetic a page cannot express).
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// Where `item` stands counted from the first, if it is listed.
    pub fn position(&self, item: &T) -> Option<usize> {
        self.items.binary_search(item).ok()
    }

    /// Every item in the direction asked.
    pub fn iter(&self, desc: bool) -> Box<dyn Iterator<Item = &T> + '_> {
        self.page(0, usize::MAX, desc)
    }

    /// Put the items in order after a bulk build.
    pub fn settle(&mut self) {
        self.items.sort_unstable();
    }
}

/// One [`Ordered`] list per value of a field (a zone, a state, an instance), each its count.
#[derive(Debug, Clone)]
pub struct Grouped<G, T> {
    groups: BTreeMap<G, Ordered<T>>,
}

impl<G, T> Default for Grouped<G, T> {
    fn default() -> Self {
        Grouped { groups: BTreeMap::new() }
    }
}

impl<G: Ord, T: Ord> Grouped<G, T> {
    pub fn insert(&mut self, group: G, item: T) {
        self.groups.entry(group).or_default().insert(item);
    }

    pub fn remove<Q>(&mut self, group: &Q, item: &T)
    where
        G: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if let Some(list) = self.groups.get_mut(group) {
            list.remove(item);
            if list.is_empty() {
                self.groups.remove(group);
            }
        }
    }

    /// Put every group in order after a bulk build.
    pub fn settle(&mut self) {
        self.groups.values_mut().for_each(Ordered::settle);
    }

    /// The list of one value (`None`: no entry has it).
    pub fn get<Q>(&self, group: &Q) -> Option<&Ordered<T>>
    where
        G: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.groups.get(group)
    }

    /// The values that have entries, in order.
    pub fn groups(&self) -> impl Iterator<Item = &G> {
        self.groups.keys()
    }

    /// How many values have entries.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// How many entries have the value.
    pub fn count<Q>(&self, group: &Q) -> usize
    where
        G: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.get(group).map_or(0, Ordered::len)
    }
}

/// What a table's indexes keep of each entry, and how they change.
pub trait Indexer<K, V>: Default {
    /// What the indexes know of one entry; a write re-indexes it only when this changes.
    type Keys: PartialEq;
    fn keys(key: &K, value: &V) -> Self::Keys;
    fn add(&mut self, key: &K, keys: &Self::Keys);
    fn remove(&mut self, key: &K, keys: &Self::Keys);
    /// After a bulk build, in which every [`Ordered`] and [`Grouped`] list took its entries as
    /// they came: put each of them in order (`settle`). A list left out stays unsorted, which
    /// the `bulk_build_equals_one_by_one` tests of each index catch.
    fn settle(&mut self);
    /// Whether the index holds handles to its rows ([`Shared`](super::shared::Shared)): then
    /// it is given each row as it lands (`hold`) and lets go of it before a change (`release`),
    /// so that the change is made in place rather than to a copy. `remove` drops the handle.
    const HOLDS: bool = false;
    fn hold(&mut self, _key: &K, _keys: &Self::Keys, _value: &V) {}
    fn release(&mut self, _key: &K, _keys: &Self::Keys) {}
}

/// A [`Table`] with indexes that follow every write (and every undo).
#[derive(Debug)]
pub struct Indexed<K, V, I> {
    table: Table<K, V>,
    index: I,
}

impl<K, V, I: Default> Default for Indexed<K, V, I> {
    fn default() -> Self {
        Indexed { table: Table::default(), index: I::default() }
    }
}

impl<K, V, I> Deref for Indexed<K, V, I> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &BTreeMap<K, V> {
        &self.table
    }
}

impl<K: PartialEq, V: PartialEq, I> PartialEq for Indexed<K, V, I> {
    fn eq(&self, other: &Self) -> bool {
        self.table == other.table
    }
}

impl<K: Ord + Clone, V: Clone, I: Indexer<K, V>> Clone for Indexed<K, V, I> {
    fn clone(&self) -> Self {
        Self::from(self.table.clone())
    }
}

impl<K: Ord + Clone, V: Clone, I: Indexer<K, V>> From<Table<K, V>> for Indexed<K, V, I> {
    fn from(table: Table<K, V>) -> Self {
        Indexed { index: build(&table), table }
    }
}

/// The indexes of `table` built entry by entry, as writes keep them: what a bulk build must
/// equal (each index's tests compare the two).
#[cfg(test)]
pub(crate) fn one_by_one<K: Ord + Clone, V: Clone, I: Indexer<K, V>>(table: &Table<K, V>) -> I {
    let mut index = I::default();
    for (k, v) in table.iter() {
        let keys = I::keys(k, v);
        index.add(k, &keys);
        index.hold(k, &keys, v);
    }
    index
}

/// The indexes of every entry of `table`, built in one go (see [`BULK`]).
fn build<K: Ord + Clone, V: Clone, I: Indexer<K, V>>(table: &Table<K, V>) -> I {
    let mut index = I::default();
    {
        let _bulk = Bulk::on();
        for (k, v) in table.iter() {
            let keys = I::keys(k, v);
            index.add(k, &keys);
            index.hold(k, &keys, v);
        }
    }
    index.settle();
    index
}

impl<K: Ord + Clone, V: Clone, I: Indexer<K, V>> FromIterator<(K, V)> for Indexed<K, V, I> {
    fn from_iter<It: IntoIterator<Item = (K, V)>>(iter: It) -> Self {
        Self::from(iter.into_iter().collect::<Table<K, V>>())
    }
}

impl<K: Ord + Clone, V: Clone, I: Indexer<K, V>> Indexed<K, V, I> {
    /// The indexes, for queries.
    pub fn index(&self) -> &I {
        &self.index
    }

    /// The table's stamp (core/change.rs): it changes with every change to the entries.
    pub fn stamp(&self) -> u64 {
        self.table.stamp()
    }

    /// The entry at `key`, for a change; it is re-indexed when the guard goes.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<RowMut<'_, K, V, I>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = &mut self.index;
        let (k, value) = self.table.entry_mut(key)?;
        let before = I::keys(k, value);
        if I::HOLDS {
            index.release(k, &before);
        }
        Some(RowMut { key: k, value, index, before: Some(before) })
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let keys = I::keys(&key, &value);
        let old = self.table.insert(key.clone(), value);
        if let Some(o) = &old {
            self.index.remove(&key, &I::keys(&key, o));
        }
        self.index.add(&key, &keys);
        // Looked up again only for an index that holds rows.
        if let Some(v) = I::HOLDS.then(|| self.table.get(&key)).flatten() {
            self.index.hold(&key, &keys, v);
        }
        old
    }

    /// Insert an entry at a key no entry has (`Err` hands the value back when one has): one
    /// search of the table, where `contains_key` and then `insert` made four.
    pub fn insert_new(&mut self, key: K, value: V) -> Result<(), V> {
        let keys = I::keys(&key, &value);
        let v = self.table.insert_new(key.clone(), value)?;
        self.index.add(&key, &keys);
        if I::HOLDS {
            self.index.hold(&key, &keys, v);
        }
        Ok(())
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let (k, _) = self.table.get_key_value(key)?;
        let k = k.clone();
        let old = self.table.remove(key)?;
        self.index.remove(&k, &I::keys(&k, &old));
        Some(old)
    }

    /// Keep the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let gone: Vec<K> = self.table.iter().filter(|(k, v)| !keep(k, v)).map(|(k, _)| k.clone()).collect();
        for k in &gone {
            self.remove(k);
        }
    }

    /// Change every entry (each is recorded and re-indexed).
    pub fn for_each_mut(&mut self, mut change: impl FnMut(&K, &mut V)) {
        let keys: Vec<K> = self.table.keys().cloned().collect();
        for k in &keys {
            if let Some(mut row) = self.get_mut(k) {
                let RowMut { key, value, .. } = &mut row;
                change(key, value);
            }
        }
    }
}

impl<K: Ord + Clone, V: Clone, I: Indexer<K, V>> Undo for Indexed<K, V, I> {
    fn undo(&mut self, epoch: u64) {
        let index = &mut self.index;
        self.table.undo_each(epoch, |k, now, prior| {
            if let Some(v) = now {
                index.remove(k, &I::keys(k, v));
            }
            if let Some(v) = prior {
                let keys = I::keys(k, v);
                index.add(k, &keys);
                // The prior row itself goes back into the table (Table::undo_each).
                index.hold(k, &keys, v);
            }
        });
    }
}

impl<K, V, I> Persist for Indexed<K, V, I>
where
    K: Ord + Clone + Serialize + DeserializeOwned,
    V: Clone + Serialize + DeserializeOwned,
    I: Indexer<K, V>,
{
    fn changed(&self, epoch: u64, out: &mut Vec<Change>) -> Result<(), String> {
        for (k, v) in self.table.touched(epoch) {
            out.push(change_of(k, v)?);
        }
        Ok(())
    }

    /// The entry goes in (or out); the indexes follow in `reindex`, once the load is done.
    fn put_back(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        let (k, v): (K, Option<V>) = entry_of(key, value)?;
        self.table.put_unrecorded(k, v);
        Ok(())
    }

    fn reindex(&mut self) {
        self.index = build(&self.table);
    }
}

impl<K: Serialize, V: Serialize, I> Serialize for Indexed<K, V, I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.table.serialize(s)
    }
}

impl<'de, K, V, I> Deserialize<'de> for Indexed<K, V, I>
where
    K: Deserialize<'de> + Ord + Clone,
    V: Deserialize<'de> + Clone,
    I: Indexer<K, V>,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::from(Table::deserialize(d)?))
    }
}

/// One entry of an [`Indexed`] table lent for a change (its prior value is already recorded).
pub struct RowMut<'a, K, V, I: Indexer<K, V>> {
    key: &'a K,
    value: &'a mut V,
    index: &'a mut I,
    before: Option<I::Keys>,
}

impl<K, V, I: Indexer<K, V>> Deref for RowMut<'_, K, V, I> {
    type Target = V;
    fn deref(&self) -> &V {
        self.value
    }
}

impl<K, V, I: Indexer<K, V>> DerefMut for RowMut<'_, K, V, I> {
    fn deref_mut(&mut self) -> &mut V {
        self.value
    }
}

impl<K, V, I: Indexer<K, V>> Drop for RowMut<'_, K, V, I> {
    fn drop(&mut self) {
        let Some(before) = self.before.take() else { return };
        let after = I::keys(self.key, self.value);
        if after != before {
            self.index.remove(self.key, &before);
            self.index.add(self.key, &after);
        }
        if I::HOLDS {
            self.index.hold(self.key, &after, self.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::change::Epoch;

    /// Items by name, indexed by (size, name) and grouped by colour.
    #[derive(Default)]
    struct BySize {
        sizes: Ordered<(u32, String)>,
        colours: Grouped<&'static str, (u32, String)>,
    }

    impl Indexer<String, (u32, &'static str)> for BySize {
        type Keys = (u32, &'static str);
        fn keys(_: &String, v: &(u32, &'static str)) -> Self::Keys {
            *v
        }
        fn add(&mut self, k: &String, &(size, colour): &Self::Keys) {
            self.sizes.insert((size, k.clone()));
            self.colours.insert(colour, (size, k.clone()));
        }
        fn remove(&mut self, k: &String, &(size, colour): &Self::Keys) {
            self.sizes.remove(&(size, k.clone()));
            self.colours.remove(colour, &(size, k.clone()));
        }
        fn settle(&mut self) {
            self.sizes.settle();
            self.colours.settle();
        }
    }

    type Items = Indexed<String, (u32, &'static str), BySize>;

    fn order(t: &Items) -> Vec<&str> {
        t.index().sizes.iter(false).map(|(_, k)| k.as_str()).collect()
    }

    #[test]
    fn pages_are_slices_in_either_direction() {
        let mut o = Ordered::default();
        for i in [5, 1, 4, 2, 3] {
            o.insert(i);
        }
        assert_eq!(o.page(1, 2, false).copied().collect::<Vec<_>>(), [2, 3]);
        assert_eq!(o.page(1, 2, true).copied().collect::<Vec<_>>(), [4, 3]);
        assert_eq!(o.page(4, 20, true).copied().collect::<Vec<_>>(), [1]);
        assert_eq!(o.page(9, 20, false).count(), 0);
        assert!(o.remove(&4) && !o.remove(&4));
        assert_eq!(o.len(), 4);
    }

    #[test]
    fn writes_through_the_guard_move_the_entry_in_its_indexes() {
        let mut t: Items = [("a".to_string(), (3, "red")), ("b".to_string(), (1, "red"))].into_iter().collect();
        t.insert("c".into(), (2, "blue"));
        assert_eq!(order(&t), ["b", "c", "a"]);
        t.get_mut("a").unwrap().0 = 0;
        assert_eq!(order(&t), ["a", "b", "c"]);
        t.get_mut("b").unwrap().1 = "blue";
        assert_eq!(t.index().colours.count("red"), 1);
        assert_eq!(t.index().colours.count("blue"), 2);
        t.remove("c");
        t.retain(|k, _| k != "a");
        assert_eq!(order(&t), ["b"]);
        assert!(t.index().colours.get("red").is_none(), "an empty group goes");
    }

    #[test]
    fn a_bulk_build_equals_one_by_one() {
        let colours = ["red", "blue", "green"];
        let table: Table<String, (u32, &'static str)> = (0..200u32)
            .map(|i| (format!("k{:03}", (i * 37) % 200), ((i * 11) % 23, colours[(i % 3) as usize])))
            .collect();
        let by_one: BySize = one_by_one(&table);
        let bulk = Items::from(table.clone());
        assert_eq!(bulk.index().sizes.as_slice(), by_one.sizes.as_slice());
        for c in colours {
            assert_eq!(
                bulk.index().colours.get(c).map(Ordered::as_slice),
                by_one.colours.get(c).map(Ordered::as_slice)
            );
        }
        assert!(!BULK.with(Cell::get), "the bulk mode ends with the build");
    }

    #[test]
    fn an_undone_epoch_puts_the_indexes_back_too() {
        let mut t: Items = [("a".to_string(), (3, "red")), ("b".to_string(), (1, "red"))].into_iter().collect();
        let e = Epoch::open();
        t.get_mut("a").unwrap().0 = 0;
        t.insert("c".into(), (2, "blue"));
        assert_eq!(t.insert_new("c".into(), (9, "taken")), Err((9, "taken")));
        t.insert_new("d".into(), (4, "blue")).unwrap();
        assert_eq!(t.index().colours.count("blue"), 2);
        t.remove("b");
        t.for_each_mut(|_, v| v.1 = "green");
        let id = e.id();
        drop(e);
        assert_eq!(order(&t), ["a", "c", "d"]);
        t.undo(id);
        assert_eq!(order(&t), ["b", "a"]);
        assert_eq!(t.index().colours.count("red"), 2);
        assert_eq!(t.index().colours.count("green"), 0);
        let copy = t.clone();
        assert_eq!(order(&copy), ["b", "a"], "a copy rebuilds its indexes");
    }

    /// Rows held by the index by their number (the first field), as the list indexes hold them.
    #[derive(Default)]
    struct Held(BTreeMap<u32, crate::core::shared::Shared<(u32, String)>>);

    type Row = crate::core::shared::Shared<(u32, String)>;

    impl Indexer<String, Row> for Held {
        type Keys = u32;
        fn keys(_: &String, v: &Row) -> u32 {
            v.0
        }
        fn add(&mut self, _: &String, _: &u32) {}
        fn remove(&mut self, _: &String, n: &u32) {
            self.0.remove(n);
        }
        fn settle(&mut self) {}
        const HOLDS: bool = true;
        fn hold(&mut self, _: &String, n: &u32, row: &Row) {
            self.0.insert(*n, row.handle());
        }
        fn release(&mut self, _: &String, n: &u32) {
            self.0.remove(n);
        }
    }

    /// Every row the index holds is the table's own row (the same one, not an equal copy), and
    /// it holds every row: after inserts, changes, removals, an undone epoch and a clone.
    fn holds_the_tables_rows(t: &Indexed<String, Row, Held>) {
        assert_eq!(t.index().0.len(), t.len());
        for row in t.values() {
            let held = &t.index().0[&row.0];
            assert!(crate::core::shared::Shared::same(held, row), "{row:?}");
        }
    }

    #[test]
    fn held_rows_follow_every_write_undo_and_clone() {
        let row = |n: u32, s: &str| Row::new((n, s.to_string()));
        let mut t: Indexed<String, Row, Held> =
            [("a".to_string(), row(1, "a")), ("b".to_string(), row(2, "b"))].into_iter().collect();
        holds_the_tables_rows(&t);
        let e = Epoch::open();
        t.get_mut("a").unwrap().1 = "changed".into();
        t.insert("c".into(), row(3, "c"));
        t.insert("b".into(), row(4, "b again"));
        holds_the_tables_rows(&t);
        assert!(t.insert_new("c".into(), row(5, "taken")).is_err());
        t.insert_new("d".into(), row(6, "d")).unwrap();
        holds_the_tables_rows(&t);
        assert_eq!(t.index().0[&1].1, "changed", "the held row shows the change");
        t.remove("c");
        holds_the_tables_rows(&t);
        let id = e.id();
        drop(e);
        t.undo(id);
        holds_the_tables_rows(&t);
        assert_eq!((t.index().0[&1].1.as_str(), t.index().0[&2].1.as_str()), ("a", "b"));
        let copy = t.clone();
        holds_the_tables_rows(&copy);
        // Outside a request nothing is recorded: a change is made in place, not to a copy.
        let before = &*t["a"] as *const (u32, String);
        t.get_mut("a").unwrap().1.push('!');
        assert_eq!(before, &*t["a"] as *const (u32, String));
        holds_the_tables_rows(&t);
    }
}
