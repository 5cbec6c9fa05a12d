//! Operation logs (Tencent disk and snapshot logs, Huawei CBR tasks), each kept in a book ordered
//! by when it stops mattering, so forgetting costs what is forgotten, not what is kept, and a
//! twin that runs for months (or jumps years ahead) holds only what the retention holds. Writes
//! are recorded in the change set (change.rs) like any other state.
//!
//! Retention (docs/soak.md): the API references say nothing about how long these operation
//! logs can be queried. The twin keeps a finished entry for [`LOG_RETENTION_DAYS`] days after it
//! ended (Tencent's audit trail, CloudAudit, keeps 90 days of events by default; the same is
//! chosen for Huawei's task list); an entry still in progress is kept until it ends.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use serde::de::DeserializeOwned;

use crate::core::change::{change_of, entry_of, Change, Journal, Persist, Undo};
use crate::core::sorted::SortedDeque;

pub const LOG_RETENTION_DAYS: i64 = 90;
pub const LOG_RETENTION_MS: i64 = LOG_RETENTION_DAYS * 86_400_000;

/// An entry of an operation log.
pub trait Entry: Sized {
    type Key: Ord + Clone + Debug;
    /// Where the book keeps its entries: a [`SortedDeque`] when keys grow with time (it costs
    /// an entry's size, a map about twice that), a `BTreeMap` when they come in any order.
    type Shelf: Shelf<Self::Key, Self>;
    fn key(&self) -> Self::Key;
    /// When the operation ended; None while it is in progress.
    fn ended_ms(&self) -> Option<i64>;
}

/// The entries of a book by key: the few map operations a book needs.
pub trait Shelf<K, V>: Default + Clone + Debug {
    fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>;
    fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>;
    fn insert(&mut self, key: K, value: V) -> Option<V>;
    fn remove(&mut self, key: &K) -> Option<V>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Every entry, in key order.
    fn iter(&self) -> Box<dyn Iterator<Item = (&K, &V)> + '_>;
}

impl<K: Ord + Clone + Debug, V: Clone + Debug> Shelf<K, V> for BTreeMap<K, V> {
    fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        BTreeMap::get_key_value(self, key)
    }
    fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        BTreeMap::get_mut(self, key)
    }
    fn insert(&mut self, key: K, value: V) -> Option<V> {
        BTreeMap::insert(self, key, value)
    }
    fn remove(&mut self, key: &K) -> Option<V> {
        BTreeMap::remove(self, key)
    }
    fn len(&self) -> usize {
        BTreeMap::len(self)
    }
    fn iter(&self) -> Box<dyn Iterator<Item = (&K, &V)> + '_> {
        Box::new(BTreeMap::iter(self))
    }
}

/// A map whose entries are boxed: for large entries keyed in any order, where a B-tree node
/// holding the entries themselves would stay a third empty on average (a Huawei task is ~400
/// bytes).
#[derive(Debug, Clone)]
pub struct BoxedMap<K, V>(BTreeMap<K, Box<V>>);

impl<K, V> Default for BoxedMap<K, V> {
    fn default() -> Self {
        BoxedMap(BTreeMap::new())
    }
}

impl<K: Ord + Clone + Debug, V: Clone + Debug> Shelf<K, V> for BoxedMap<K, V> {
    fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.0.get_key_value(key).map(|(k, v)| (k, &**v))
    }
    fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.0.get_mut(key).map(|v| &mut **v)
    }
    fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.0.insert(key, Box::new(value)).map(|v| *v)
    }
    fn remove(&mut self, key: &K) -> Option<V> {
        self.0.remove(key).map(|v| *v)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn iter(&self) -> Box<dyn Iterator<Item = (&K, &V)> + '_> {
        Box::new(self.0.iter().map(|(k, v)| (k, &**v)))
    }
}

impl<K: Ord + Clone + Debug, V: Clone + Debug> Shelf<K, V> for SortedDeque<K, V> {
    fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        SortedDeque::get_key_value(self, key)
    }
    fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        SortedDeque::get_mut(self, key)
    }
    fn insert(&mut self, key: K, value: V) -> Option<V> {
        SortedDeque::insert(self, key, value)
    }
    fn remove(&mut self, key: &K) -> Option<V> {
        SortedDeque::remove(self, key)
    }
    fn len(&self) -> usize {
        SortedDeque::len(self)
    }
    fn iter(&self) -> Box<dyn Iterator<Item = (&K, &V)> + '_> {
        Box::new(SortedDeque::iter(self))
    }
}

/// An operation log: entries by key, and the finished ones by when they ended. Entries change
/// only through `update`, which keeps the two in step. (The end times stay a set: a book read
/// back in key order, Huawei's by UUID, hands them over in no order at all.)
#[derive(Debug)]
pub struct LogBook<V: Entry> {
    entries: V::Shelf,
    ended: BTreeSet<(i64, V::Key)>,
    journal: Journal<V::Key, V>,
    /// Rows of a store being loaded (`put_back`), put in by `reindex` in key order: the store
    /// hands them in any order (PostgreSQL by the key's text, so "10" before "9"), and on a
    /// `SortedDeque` each out-of-order insert would move up to half of the book.
    loading: Vec<(V::Key, Option<V>)>,
}

impl<V: Entry> Default for LogBook<V> {
    fn default() -> Self {
        LogBook {
            entries: V::Shelf::default(),
            ended: BTreeSet::new(),
            journal: Journal::default(),
            loading: Vec::new(),
        }
    }
}

impl<V: Entry + Clone> Clone for LogBook<V> {
    fn clone(&self) -> Self {
        LogBook {
            entries: self.entries.clone(),
            ended: self.ended.clone(),
            journal: Journal::default(),
            loading: Vec::new(),
        }
    }
}

impl<V: Entry + Clone> Undo for LogBook<V> {
    fn undo(&mut self, epoch: u64) {
        for (key, prior) in self.journal.take(epoch) {
            self.put(key, prior);
        }
    }
}

impl<V> Persist for LogBook<V>
where
    V: Entry + Clone + Serialize + DeserializeOwned,
    V::Key: Serialize + DeserializeOwned,
{
    fn changed(&self, epoch: u64, out: &mut Vec<Change>) -> Result<(), String> {
        for k in self.journal.touched(epoch) {
            out.push(change_of(k, self.entries.get_key_value(k).map(|(_, v)| v))?);
        }
        Ok(())
    }

    /// Kept until `reindex`, which puts the rows in (or out) in key order.
    fn put_back(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        let (k, v) = entry_of(key, value)?;
        self.loading.push((k, v));
        Ok(())
    }

    fn reindex(&mut self) {
        let mut rows = std::mem::take(&mut self.loading);
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, v) in rows {
            self.put(k, v);
        }
    }
}

impl<V: Entry + PartialEq> PartialEq for LogBook<V> {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len() && self.entries.iter().eq(other.entries.iter())
    }
}

impl<V: Entry + Clone> LogBook<V> {
    pub fn insert(&mut self, entry: V) {
        let key = entry.key();
        let entries = &self.entries;
        self.journal.note(&key, || entries.get_key_value(&key).map(|(_, v)| v.clone()));
        self.put(key, Some(entry));
    }

    /// Set (or with `None` drop) the entry at `key`, keeping the end-time index in step.
    fn put(&mut self, key: V::Key, entry: Option<V>) {
        if let Some(old) = self.entries.remove(&key) {
            if let Some(end) = old.ended_ms() {
                self.ended.remove(&(end, key.clone()));
            }
        }
        if let Some(entry) = entry {
            if let Some(end) = entry.ended_ms() {
                self.ended.insert((end, key.clone()));
            }
            self.entries.insert(key, entry);
        }
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        V::Key: Borrow<Q>,
    {
        self.entries.get_key_value(key).map(|(_, v)| v)
    }

    /// Change one entry (a no-op when it is gone).
    pub fn update<Q: Ord + ?Sized>(&mut self, key: &Q, change: impl FnOnce(&mut V))
    where
        V::Key: Borrow<Q>,
    {
        let (entries, journal) = (&self.entries, &mut self.journal);
        let Some((k, v)) = entries.get_key_value(key) else { return };
        // Copied only the first time this epoch touches the entry (never outside one).
        journal.note(k, || Some(v.clone()));
        let Some(e) = self.entries.get_mut(key) else { return };
        let before = e.ended_ms();
        change(e);
        let after = e.ended_ms();
        if before != after {
            let key = e.key();
            if let Some(end) = before {
                self.ended.remove(&(end, key.clone()));
            }
            if let Some(end) = after {
                self.ended.insert((end, key));
            }
        }
    }

    /// Every entry, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forget the entries that ended before `cutoff_ms`; returns how many went.
    pub fn forget_before(&mut self, cutoff_ms: i64) -> usize {
        let mut n = 0;
        while let Some((end, _)) = self.ended.first() {
            if *end >= cutoff_ms {
                break;
            }
            let Some((_, key)) = self.ended.pop_first() else { break };
            // Recorded like any write, so that the durable store forgets it too.
            let entries = &self.entries;
            self.journal.note(&key, || entries.get_key_value(&key).map(|(_, v)| v.clone()));
            self.entries.remove(&key);
            n += 1;
        }
        n
    }
}

/// Tencent logs are shown as a list in `/_cloudtwin/state`, oldest first (ids grow with time).
impl<V: Entry + Serialize> Serialize for LogBook<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.entries.iter().map(|(_, v)| v))
    }
}

impl<'de, V: Entry + Clone + Deserialize<'de>> Deserialize<'de> for LogBook<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut book = LogBook::default();
        for e in Vec::<V>::deserialize(d)? {
            book.insert(e);
        }
        Ok(book)
    }
}

/// A book shown as a map by key in `/_cloudtwin/state` (Huawei tasks by task id).
pub mod by_key {
    use super::*;

    pub fn serialize<S: Serializer, V: Entry + Serialize>(book: &LogBook<V>, s: S) -> Result<S::Ok, S::Error>
    where
        V::Key: Serialize,
    {
        s.collect_map(book.entries.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>, V: Entry + Clone + Deserialize<'de>>(
        d: D,
    ) -> Result<LogBook<V>, D::Error>
    where
        V::Key: Deserialize<'de>,
    {
        let mut book = LogBook::default();
        for (_, e) in BTreeMap::<V::Key, V>::deserialize(d)? {
            book.insert(e);
        }
        Ok(book)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Log {
        id: u64,
        end_ms: Option<i64>,
    }

    impl Entry for Log {
        type Key = u64;
        type Shelf = SortedDeque<u64, Log>;
        fn key(&self) -> u64 {
            self.id
        }
        fn ended_ms(&self) -> Option<i64> {
            self.end_ms
        }
    }

    fn log(id: u64, end_ms: Option<i64>) -> Log {
        Log { id, end_ms }
    }

    #[test]
    fn a_book_forgets_by_end_time_and_keeps_what_runs() {
        let mut b = LogBook::default();
        b.insert(log(1, Some(100)));
        b.insert(log(2, None));
        b.insert(log(3, Some(50)));
        assert_eq!(b.forget_before(60), 1);
        assert_eq!(b.values().map(|l| l.id).collect::<Vec<_>>(), [1, 2]);
        b.update(&2u64, |l| l.end_ms = Some(70));
        assert_eq!(b.forget_before(1_000), 2);
        assert!(b.is_empty() && b.ended.is_empty());
    }

    /// A store hands its rows in any order (PostgreSQL sorts keys as text: "10" before "9");
    /// the book takes them in key order once the load is done, a removal included.
    #[test]
    fn the_rows_of_a_load_go_in_by_key_once_it_is_done() {
        let mut b = LogBook::default();
        b.insert(log(1, Some(5)));
        b.insert(log(3, None));
        for (k, v) in [("1", None), ("10", Some(40)), ("2", Some(20)), ("3", Some(30)), ("9", None)] {
            let value = serde_json::to_string(&Log { id: k.parse().unwrap(), end_ms: v }).unwrap();
            let value = if k == "1" { None } else { Some(value) };
            b.put_back(k, value.as_deref()).unwrap();
        }
        b.reindex();
        assert_eq!(
            b.values().map(|l| (l.id, l.end_ms)).collect::<Vec<_>>(),
            [(2, Some(20)), (3, Some(30)), (9, None), (10, Some(40))]
        );
        assert_eq!(b.forget_before(35), 2);
        assert_eq!(b.values().map(|l| l.id).collect::<Vec<_>>(), [9, 10]);
    }

    #[test]
    fn a_boxed_shelf_answers_as_a_map_does() {
        let (mut boxed, mut plain) = (BoxedMap::<u64, Log>::default(), BTreeMap::<u64, Log>::default());
        for (k, end) in [(5, None), (1, Some(3)), (9, Some(1)), (5, Some(7)), (3, None)] {
            assert_eq!(boxed.insert(k, log(k, end)), Shelf::insert(&mut plain, k, log(k, end)));
        }
        assert_eq!(Shelf::remove(&mut boxed, &9), Shelf::remove(&mut plain, &9));
        assert_eq!(Shelf::remove(&mut boxed, &9), None);
        Shelf::get_mut(&mut boxed, &3).unwrap().end_ms = Some(4);
        Shelf::get_mut(&mut plain, &3).unwrap().end_ms = Some(4);
        assert_eq!(Shelf::get_key_value(&boxed, &5), Shelf::get_key_value(&plain, &5));
        assert_eq!(Shelf::len(&boxed), Shelf::len(&plain));
        assert!(Shelf::iter(&boxed).eq(Shelf::iter(&plain)));
    }
}
