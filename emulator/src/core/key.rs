//! `Key`: a resource ID as a map key, kept inline when short (every generated ID is).
//!
//! A `String` key is a pointer: each comparison in a map's node follows it to the heap, and at
//! 100,000 disks those are cache misses on every level of the walk, which made a page's lookups
//! the part of DescribeDisks that grew with the region (docs/performance.md). An inline key is
//! compared where the node holds it, and costs no allocation of its own.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest ID kept inline: with the length and the variant's tag the key is 24 bytes, as a
/// `String` is.
const INLINE: usize = 22;

/// An ID; ordered, compared and hashed as the `str` it holds, so a map keyed by it is looked up
/// by `&str` too.
#[derive(Clone)]
pub struct Key(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Key {
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Made from a `str` cut at its own length: always UTF-8.
            Repr::Inline { len, bytes } => std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default(),
            Repr::Heap(s) => s,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..*len as usize],
            Repr::Heap(s) => s.as_bytes(),
        }
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Key(Repr::Inline { len: s.len() as u8, bytes })
        } else {
            Key(Repr::Heap(s.into()))
        }
    }
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::from(s.as_str())
    }
}

impl From<&String> for Key {
    fn from(s: &String) -> Self {
        Key::from(s.as_str())
    }
}

impl From<&Key> for String {
    fn from(k: &Key) -> Self {
        k.as_str().to_string()
    }
}

impl Deref for Key {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Key {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Byte order, which is `str`'s order (`Borrow<str>` needs the two to agree).
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            // A map's walk compares keys at every level: two inline keys are compared as three
            // big-endian words of their zero-padded bytes, then by length, without a call to
            // `memcmp`. That is byte order: where one key is a prefix of the other, the shorter
            // one's padding is zeros, never above the longer one's bytes, and the length breaks
            // the tie when those bytes are zeros too.
            (Repr::Inline { len: a, bytes: x }, Repr::Inline { len: b, bytes: y }) => {
                words(x).cmp(&words(y)).then(a.cmp(b))
            }
            _ => self.as_bytes().cmp(other.as_bytes()),
        }
    }
}

/// An inline key's bytes as words that order as the bytes do.
fn words(b: &[u8; INLINE]) -> [u64; 3] {
    let word = |at: usize| {
        let mut w = [0; 8];
        let end = INLINE.min(at + 8);
        w[..end - at].copy_from_slice(&b[at..end]);
        u64::from_be_bytes(w)
    };
    [word(0), word(8), word(16)]
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            // The padding is zeros (`From<&str>`), so equal keys have equal arrays.
            (Repr::Inline { len: a, bytes: x }, Repr::Inline { len: b, bytes: y }) => a == b && x == y,
            _ => self.as_bytes() == other.as_bytes(),
        }
    }
}

impl Eq for Key {}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Key {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for Key {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Key::from(std::borrow::Cow::<'de, str>::deserialize(d)?.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::Key;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_key_is_as_large_as_a_string() {
        assert_eq!(std::mem::size_of::<Key>(), std::mem::size_of::<String>());
    }

    proptest! {
        /// Keys order, compare and read back as the strings they hold, inline or not, so a map
        /// keyed by them finds by `&str` what a map keyed by `String` finds.
        #[test]
        fn keys_behave_as_their_strings(words in proptest::collection::vec("(\\PC|\u{0}){0,30}", 1..40)) {
            for a in &words {
                let ka = Key::from(a.as_str());
                prop_assert_eq!(ka.as_str(), a.as_str());
                let json = serde_json::to_string(&ka).unwrap();
                prop_assert_eq!(&json, &serde_json::to_string(a).unwrap());
                prop_assert_eq!(serde_json::from_str::<Key>(&json).unwrap(), ka.clone());
                for b in &words {
                    let kb = Key::from(b.as_str());
                    prop_assert_eq!(ka.cmp(&kb), a.cmp(b), "{:?} {:?}", a, b);
                    prop_assert_eq!(ka == kb, a == b);
                }
            }
            let by_key: BTreeMap<Key, usize> = words.iter().enumerate().map(|(i, w)| (Key::from(w), i)).collect();
            let by_string: BTreeMap<&String, usize> = words.iter().enumerate().map(|(i, w)| (w, i)).collect();
            prop_assert!(by_key.keys().map(Key::as_str).eq(by_string.keys().map(|s| s.as_str())));
            for w in &words {
                prop_assert_eq!(by_key.get(w.as_str()), by_string.get(w));
                prop_assert_eq!(by_key.get(&Key::from(w)), by_string.get(w));
            }
        }
    }
}
