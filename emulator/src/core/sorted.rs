//! A map kept as one run of entries in key order, for keys that mostly arrive in ascending order
//! and leave from the front (operation logs keyed by a growing sequence number).
//! A `BTreeMap` fed ascending keys leaves its nodes about half full, so each entry costs about
//! twice its size; here an entry costs its size (the unused capacity of a large buffer is never
//! touched, so it is not resident). Inserting at the back and removing at the front are cheap;
//! elsewhere they move the shorter side, so out-of-order keys (an undo) stay correct but cost a
//! `memmove` each: a caller with many keys in no order sorts them first (logbook.rs's load).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub struct SortedDeque<K, V> {
    items: VecDeque<(K, V)>,
}

impl<K, V> Default for SortedDeque<K, V> {
    fn default() -> Self {
        SortedDeque { items: VecDeque::new() }
    }
}

impl<K: Ord, V> SortedDeque<K, V> {
    /// Where `key` is (`Ok`) or would go (`Err`). The keys looked for are mostly the newest: a
    /// request opens a log at the back and its job closes it moments later. So the search
    /// starts at the back and widens (1, 2, 4, ... from the end) before halving: a key near
    /// the back costs a few neighbouring entries, not the ~17 scattered ones of halving
    /// 100,000 (a profile of CreateDisks ×50 at 100,000 disks put 7% of it there), and one at
    /// the front at most twice that.
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        let at = |i: usize| self.items[i].0.borrow().cmp(key);
        let n = self.items.len();
        let (mut lo, mut hi, mut span) = (0, n, 1);
        while span <= n {
            let i = n - span;
            match at(i) {
                Ordering::Equal => return Ok(i),
                Ordering::Greater => hi = i,
                Ordering::Less => {
                    lo = i + 1;
                    break;
                }
            }
            span *= 2;
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match at(mid) {
                Ordering::Equal => return Ok(mid),
                Ordering::Greater => hi = mid,
                Ordering::Less => lo = mid + 1,
            }
        }
        Err(lo)
    }

    /// Set `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let at = self.find(&key);
        match at {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, value)),
            Err(i) => {
                self.items.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.items.remove(i).map(|(_, v)| v)
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.items.get(i).map(|(k, v)| (k, v))
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.items.get_mut(i).map(|(_, v)| v)
    }

    /// The entry with the smallest key.
    pub fn first(&self) -> Option<(&K, &V)> {
        self.items.front().map(|(k, v)| (k, v))
    }

    pub fn pop_first(&mut self) -> Option<(K, V)> {
        self.items.pop_front()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every entry, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.items.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The same operations on a `BTreeMap` and on the deque give the same map, whatever order
    /// the keys come in.
    #[test]
    fn it_is_the_map_of_its_writes_in_any_key_order() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let (mut deque, mut map) = (SortedDeque::default(), BTreeMap::new());
        for step in 0..20_000u64 {
            let r = next();
            // Mostly ascending keys, some anywhere, some removals and pops.
            let key = if r % 4 == 0 { r % 3_000 } else { step / 4 + 1_000 };
            match r % 11 {
                0 | 1 => assert_eq!(deque.remove(&key), map.remove(&key)),
                2 => assert_eq!(deque.pop_first(), map.pop_first()),
                _ => assert_eq!(deque.insert(key, step), map.insert(key, step)),
            }
            assert_eq!(deque.get(&key), map.get(&key));
            assert_eq!(deque.first(), map.first_key_value());
        }
        assert_eq!(deque.len(), map.len());
        assert!(deque.iter().eq(map.iter()));
        if let Some(v) = deque.get_mut(&1_500) {
            *v = 7;
        }
        if let Some(v) = map.get_mut(&1_500) {
            *v = 7;
        }
        assert!(deque.values().eq(map.values()));
    }
}
