//! `Shared<T>`: a table's row that its index can also hold, so that a page finds its rows from
//! the index's own list (a creation number → the row) instead of walking the table by ID.
//!
//! At 100,000 rows, that walk by a random ID was a cache miss at each of its levels for every
//! entry of a page, the part of a page that grew with the region (docs/performance.md). The row
//! is an `Arc` that is copied on write: a change to a row the index (or the request's undo
//! record) still holds makes the changed copy the table's own, and the index takes it again
//! when the change ends ([`Indexer::hold`](super::index::Indexer::hold)). Stored, compared and
//! printed as the row itself.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }

    /// Another handle to the same row.
    pub fn handle(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }

    /// Whether two handles are to the same row (not merely equal ones).
    pub fn same(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A change goes to a copy when another handle still sees the row.
impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

/// A copy whose changes no other handle sees: what an undo record keeps.
impl<T: Clone> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::new((*self.0).clone()))
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Shared::new)
    }
}

/// The rows an index holds, by their creation number (unique where the world's sequence hands
/// it out).
pub struct Rows<T>(BTreeMap<u64, Shared<T>>);

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows(BTreeMap::new())
    }
}

impl<T> Rows<T> {
    /// The row numbered `seq`.
    pub fn get(&self, seq: u64) -> Option<&T> {
        self.0.get(&seq).map(|r| &**r)
    }

    /// Hold `row` as it is now in its table.
    pub fn hold(&mut self, seq: u64, row: &Shared<T>) {
        self.0.insert(seq, row.handle());
    }

    /// Let go of the row numbered `seq` if `own` says it is the caller's (a copy from another
    /// project or region may land with its source's number).
    pub fn release(&mut self, seq: u64, own: impl FnOnce(&T) -> bool) {
        if self.get(seq).is_some_and(own) {
            self.0.remove(&seq);
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: PartialEq> PartialEq for Rows<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Rows<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Shared;

    #[test]
    fn a_change_leaves_other_handles_and_clones_as_they_were() {
        let mut row = Shared::new(vec![1]);
        let held = row.handle();
        let copy = row.clone();
        assert!(Shared::same(&row, &held) && !Shared::same(&row, &copy));
        row.push(2);
        assert_eq!((&*row, &*held, &*copy), (&vec![1, 2], &vec![1], &vec![1]));
        assert!(!Shared::same(&row, &held), "the changed row is a copy of its own");
        drop(held);
        let before = &*row as *const Vec<i32>;
        row.push(3);
        assert_eq!(before, &*row as *const Vec<i32>, "a row nobody else holds changes in place");
    }
}
