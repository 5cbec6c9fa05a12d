//! `Key` and `LongKey`: a resource ID as a map key, kept inline when short enough (every
//! generated ID is: `Key` holds the short IDs of Tencent and UCloudStack in 22 bytes, `LongKey`
//! Huawei's 36-byte UUIDs in 38).
//!
//! A `String` key is a pointer: each comparison in a map's node follows it to the heap, and at
//! 100,000 resources those are cache misses on every level of the walk, which made a page's
//! lookups the part of DescribeDisks and ListBackups that grew with the region
//! (docs/performance.md). An inline key is compared where the node holds it, and costs no
//! allocation of its own. The request journal's records keep their names in them for the same
//! reason: a record with `String`s cost an allocation per name, and freeing them again when the
//! journal let the entry go, long after, cache misses (core/record.rs).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ID kept inline up to 22 bytes: with the length and the variant's tag the key is 24 bytes,
/// as a `String` is.
pub type Key = InlineKey<22>;

/// An ID kept inline up to 38 bytes (40 with its length and tag, in place of a `String`'s 24
/// and its 48-byte heap block).
pub type LongKey = InlineKey<38>;

/// An ID of up to `N` bytes kept inline (longer ones on the heap); ordered, compared and hashed
/// as the `str` it holds, so a map keyed by it is looked up by `&str` too.
#[derive(Clone)]
pub struct InlineKey<const N: usize>(Repr<N>);

#[derive(Clone)]
enum Repr<const N: usize> {
    Inline { len: u8, bytes: [u8; N] },
    Heap(Box<str>),
}

impl<const N: usize> InlineKey<N> {
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

impl<const N: usize> From<&str> for InlineKey<N> {
    fn from(s: &str) -> Self {
        if s.len() <= N {
            let mut bytes = [0; N];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            InlineKey(Repr::Inline { len: s.len() as u8, bytes })
        } else {
            InlineKey(Repr::Heap(s.into()))
        }
    }
}

/// The empty string, inline.
impl<const N: usize> Default for InlineKey<N> {
    fn default() -> Self {
        InlineKey(Repr::Inline { len: 0, bytes: [0; N] })
    }
}

impl<const N: usize> From<String> for InlineKey<N> {
    fn from(s: String) -> Self {
        InlineKey::from(s.as_str())
    }
}

impl<const N: usize> From<&String> for InlineKey<N> {
    fn from(s: &String) -> Self {
        InlineKey::from(s.as_str())
    }
}

impl<const N: usize> From<&InlineKey<N>> for String {
    fn from(k: &InlineKey<N>) -> Self {
        k.as_str().to_string()
    }
}

impl<const N: usize> Deref for InlineKey<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> Borrow<str> for InlineKey<N> {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> AsRef<str> for InlineKey<N> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Byte order, which is `str`'s order (`Borrow<str>` needs the two to agree).
impl<const N: usize> Ord for InlineKey<N> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            // A map's walk compares keys at every level: two inline keys are compared as
            // big-endian words of their zero-padded bytes, first to differ decides (random IDs
            // differ in the first), then by length, without a call to `memcmp`. That is byte
            // order: where one key is a prefix of the other, the shorter one's padding is zeros,
            // never above the longer one's bytes, and the length breaks the tie when those bytes
            // are zeros too.
            (Repr::Inline { len: a, bytes: x }, Repr::Inline { len: b, bytes: y }) => (0..N)
                .step_by(8)
                .map(|at| word(x, at).cmp(&word(y, at)))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
                .then(a.cmp(b)),
            _ => self.as_bytes().cmp(other.as_bytes()),
        }
    }
}

/// Eight bytes of an inline key from `at` (zero-padded past its end) as a word that orders as
/// the bytes do.
fn word<const N: usize>(b: &[u8; N], at: usize) -> u64 {
    let mut w = [0; 8];
    let end = N.min(at + 8);
    w[..end - at].copy_from_slice(&b[at..end]);
    u64::from_be_bytes(w)
}

impl<const N: usize> PartialOrd for InlineKey<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<const N: usize> PartialEq for InlineKey<N> {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            // The padding is zeros (`From<&str>`), so equal keys have equal arrays.
            (Repr::Inline { len: a, bytes: x }, Repr::Inline { len: b, bytes: y }) => a == b && x == y,
            _ => self.as_bytes() == other.as_bytes(),
        }
    }
}

impl<const N: usize> Eq for InlineKey<N> {}

impl<const N: usize> PartialEq<str> for InlineKey<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<const N: usize> PartialEq<&str> for InlineKey<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<const N: usize> PartialEq<String> for InlineKey<N> {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

/// As `str` hashes (its bytes, then 0xff: `Hasher::write_str`'s default, which no hasher of
/// this crate overrides; a test holds it), without checking the bytes are UTF-8 on every
/// lookup as `as_str` does.
impl<const N: usize> Hash for InlineKey<N> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write(self.as_bytes());
        h.write_u8(0xff);
    }
}

impl<const N: usize> fmt::Debug for InlineKey<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for InlineKey<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> Serialize for InlineKey<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de, const N: usize> Deserialize<'de> for InlineKey<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(InlineKey::from(std::borrow::Cow::<'de, str>::deserialize(d)?.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::{InlineKey, Key, LongKey, Repr};
    use proptest::prelude::*;
    use rustc_hash::FxBuildHasher;
    use std::collections::BTreeMap;
    use std::hash::{BuildHasher, RandomState};

    #[test]
    fn a_key_is_as_large_as_a_string_and_a_uuid_fits_a_long_key() {
        assert_eq!(std::mem::size_of::<Key>(), std::mem::size_of::<String>());
        assert_eq!(std::mem::size_of::<LongKey>(), 40);
        let k = LongKey::from("0f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b");
        assert!(matches!(k.0, Repr::Inline { len: 36, .. }));
    }

    /// Keys order, compare and read back as the strings they hold, inline or not, so a map keyed
    /// by them finds by `&str` or by key what a map keyed by `String` finds.
    fn behave_as_strings<const N: usize>(words: &[String]) -> Result<(), TestCaseError> {
        for a in words {
            let ka = InlineKey::<N>::from(a.as_str());
            prop_assert_eq!(ka.as_str(), a.as_str());
            let json = serde_json::to_string(&ka).unwrap();
            prop_assert_eq!(&json, &serde_json::to_string(a).unwrap());
            prop_assert_eq!(serde_json::from_str::<InlineKey<N>>(&json).unwrap(), ka.clone());
            for b in words {
                let kb = InlineKey::<N>::from(b.as_str());
                prop_assert_eq!(ka.cmp(&kb), a.cmp(b), "{:?} {:?}", a, b);
                prop_assert_eq!(ka == kb, a == b);
            }
        }
        let by_key: BTreeMap<InlineKey<N>, usize> =
            words.iter().enumerate().map(|(i, w)| (InlineKey::from(w), i)).collect();
        let by_string: BTreeMap<&String, usize> = words.iter().enumerate().map(|(i, w)| (w, i)).collect();
        prop_assert!(by_key.keys().map(InlineKey::as_str).eq(by_string.keys().map(|s| s.as_str())));
        for w in words {
            prop_assert_eq!(by_key.get(w.as_str()), by_string.get(w));
            prop_assert_eq!(by_key.get(&InlineKey::from(w)), by_string.get(w));
            // Hash maps are looked up by `&str` too: a key hashes as its string, in both hashers.
            let k = InlineKey::<N>::from(w);
            prop_assert_eq!(FxBuildHasher.hash_one(&k), FxBuildHasher.hash_one(w.as_str()));
            let std = RandomState::new();
            prop_assert_eq!(std.hash_one(&k), std.hash_one(w.as_str()));
        }
        Ok(())
    }

    proptest! {
        /// The words share long prefixes, so the compare gets past the first words; some are
        /// longer than either size keeps inline.
        #[test]
        fn keys_behave_as_their_strings(
            prefix in "(a|\u{0}){0,10}",
            words in proptest::collection::vec("(\\PC|\u{0}|a){0,45}", 1..40),
        ) {
            let words: Vec<String> = words.iter().map(|w| format!("{prefix}{w}")).collect();
            behave_as_strings::<22>(&words)?;
            behave_as_strings::<38>(&words)?;
        }
    }
}
