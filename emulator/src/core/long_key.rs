//! `LongKey`: a map key for IDs too long for [`Key`](super::key::Key)'s inline 22 bytes, such as
//! the 36-byte UUIDs of Huawei backups.
//!
//! A `String` key is a pointer that each comparison in a map's node follows to the heap; at
//! 100,000 backups that walk was the part of a ListBackups page that grew with the project
//! (docs/performance.md). A `LongKey` of at most 38 bytes is kept in the node itself (40 bytes
//! with its length and tag, in place of a `String`'s 24 and a 48-byte heap block), and two of
//! them compare by their first eight bytes as one word before anything else.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest ID kept inline.
const INLINE: usize = 38;

/// An ID; ordered, compared and hashed as the `str` it holds, so a map keyed by it is looked up
/// by `&str` too (and faster by `&LongKey`).
#[derive(Clone)]
pub struct LongKey(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl LongKey {
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

impl From<&str> for LongKey {
    fn from(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            LongKey(Repr::Inline { len: s.len() as u8, bytes })
        } else {
            LongKey(Repr::Heap(s.into()))
        }
    }
}

impl From<String> for LongKey {
    fn from(s: String) -> Self {
        LongKey::from(s.as_str())
    }
}

impl From<&String> for LongKey {
    fn from(s: &String) -> Self {
        LongKey::from(s.as_str())
    }
}

impl From<&LongKey> for String {
    fn from(k: &LongKey) -> Self {
        k.as_str().to_string()
    }
}

impl Deref for LongKey {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for LongKey {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for LongKey {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Byte order, which is `str`'s order (`Borrow<str>` needs the two to agree).
impl Ord for LongKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.0, &other.0) {
            // The first eight bytes as a big-endian word (random IDs differ there), then the
            // rest, then the length: byte order, as the padding is zeros, never above a longer
            // key's bytes, and the length breaks the tie when those bytes are zeros too.
            (Repr::Inline { len: a, bytes: x }, Repr::Inline { len: b, bytes: y }) => {
                first_word(x).cmp(&first_word(y)).then_with(|| x[8..].cmp(&y[8..])).then(a.cmp(b))
            }
            _ => self.as_bytes().cmp(other.as_bytes()),
        }
    }
}

fn first_word(b: &[u8; INLINE]) -> u64 {
    let mut w = [0; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_be_bytes(w)
}

impl PartialOrd for LongKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for LongKey {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            // The padding is zeros (`From<&str>`), so equal keys have equal arrays.
            (Repr::Inline { len: a, bytes: x }, Repr::Inline { len: b, bytes: y }) => a == b && x == y,
            _ => self.as_bytes() == other.as_bytes(),
        }
    }
}

impl Eq for LongKey {}

impl PartialEq<str> for LongKey {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for LongKey {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for LongKey {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Hash for LongKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl fmt::Debug for LongKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for LongKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LongKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LongKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(LongKey::from(std::borrow::Cow::<'de, str>::deserialize(d)?.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::LongKey;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_uuid_is_kept_inline_in_forty_bytes() {
        assert_eq!(std::mem::size_of::<LongKey>(), 40);
        let k = LongKey::from("0f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b");
        assert!(matches!(k.0, super::Repr::Inline { len: 36, .. }));
    }

    proptest! {
        /// Keys order, compare and read back as the strings they hold, inline or not, so a map
        /// keyed by them finds by `&str` or by key what a map keyed by `String` finds. The
        /// words share long prefixes, so the compare gets past the first eight bytes.
        #[test]
        fn keys_behave_as_their_strings(
            prefix in "(a|\u{0}){0,10}",
            words in proptest::collection::vec("(\\PC|\u{0}|a){0,45}", 1..40),
        ) {
            let words: Vec<String> = words.iter().map(|w| format!("{prefix}{w}")).collect();
            for a in &words {
                let ka = LongKey::from(a.as_str());
                prop_assert_eq!(ka.as_str(), a.as_str());
                let json = serde_json::to_string(&ka).unwrap();
                prop_assert_eq!(&json, &serde_json::to_string(a).unwrap());
                prop_assert_eq!(serde_json::from_str::<LongKey>(&json).unwrap(), ka.clone());
                for b in &words {
                    let kb = LongKey::from(b.as_str());
                    prop_assert_eq!(ka.cmp(&kb), a.cmp(b), "{:?} {:?}", a, b);
                    prop_assert_eq!(ka == kb, a == b);
                }
            }
            let by_key: BTreeMap<LongKey, usize> = words.iter().enumerate().map(|(i, w)| (LongKey::from(w), i)).collect();
            let by_string: BTreeMap<&String, usize> = words.iter().enumerate().map(|(i, w)| (w, i)).collect();
            prop_assert!(by_key.keys().map(LongKey::as_str).eq(by_string.keys().map(|s| s.as_str())));
            for w in &words {
                prop_assert_eq!(by_key.get(w.as_str()), by_string.get(w));
                prop_assert_eq!(by_key.get(&LongKey::from(w)), by_string.get(w));
            }
        }
    }
}
