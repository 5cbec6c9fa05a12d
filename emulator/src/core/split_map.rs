//! `SplitMap`: a hash map kept as 64 maps, the key's hash choosing one.
//!
//! A hash map doubles when it fills and moves every entry in the one insert that crosses the
//! line. With 917,504 disks in a region that insert cost one CreateDisks ~300 ms on the VM of the
//! twenty-third pass (most of it the kernel handing out the new table's pages), and every
//! request of every tenant waited behind it (docs/performance.md, "Tenants and the one lock").
//! A part doubles at a 64th of the size, and the parts fill at slightly different moments, so
//! the moves are spread over many writes, each a 64th of the whole. Lookups cost one more hash.

use rustc_hash::{FxBuildHasher, FxHashMap};
use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};

const PARTS: usize = 64;

#[derive(Debug)]
pub struct SplitMap<K, V> {
    /// Empty until the first insert: an index of an empty region costs nothing.
    parts: Vec<FxHashMap<K, V>>,
}

impl<K, V> Default for SplitMap<K, V> {
    fn default() -> Self {
        SplitMap { parts: Vec::new() }
    }
}

/// Which part holds `key`: bits of its hash that a part's own table does not use (it takes the
/// lowest bits for the bucket and the top seven for its tags), so a part's keys still spread.
fn part_of<Q: Hash + ?Sized>(key: &Q) -> usize {
    (FxBuildHasher.hash_one(key) >> 32) as usize % PARTS
}

impl<K: Hash + Eq, V> SplitMap<K, V> {
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.parts.get(part_of(key))?.get(key)
    }

    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if self.parts.is_empty() {
            self.parts.resize_with(PARTS, FxHashMap::default);
        }
        self.parts[part_of(&key)].insert(key, value)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.parts.get_mut(part_of(key))?.remove(key)
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_one_map() {
        let mut m: SplitMap<String, u32> = SplitMap::default();
        assert_eq!(m.get("a"), None);
        assert_eq!(m.remove("a"), None);
        for i in 0..1000 {
            assert_eq!(m.insert(format!("disk-{i}"), i), None);
        }
        assert_eq!(m.insert("disk-7".into(), 70), Some(7));
        assert_eq!(m.len(), 1000);
        assert_eq!(m.get("disk-7"), Some(&70));
        assert_eq!(m.remove("disk-7"), Some(70));
        assert_eq!(m.get("disk-7"), None);
        assert_eq!(m.len(), 999);
        assert!((0..1000).filter(|&i| i != 7).all(|i| m.get(format!("disk-{i}").as_str()) == Some(&i)));
    }

    #[test]
    fn keys_spread_over_every_part_and_within_each() {
        let mut m: SplitMap<String, ()> = SplitMap::default();
        for i in 0..64_000 {
            m.insert(format!("disk-{i:08x}"), ());
        }
        // About a 64th in each part (a part doubling alone is what the split is for).
        assert!(
            m.parts.iter().all(|p| (800..1200).contains(&p.len())),
            "{:?}",
            m.parts.iter().map(|p| p.len()).collect::<Vec<_>>()
        );
        // Within a part the keys' hashes still differ in the bits a table uses for its buckets.
        let low: std::collections::HashSet<u64> = m.parts[0].keys().map(|k| FxBuildHasher.hash_one(k) & 1023).collect();
        assert!(low.len() > 500, "{}", low.len());
    }
}
