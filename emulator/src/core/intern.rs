//! Values from small closed sets (zones, disk types, states, operation names, account UINs),
//! kept once for the whole process instead of once per resource: at 100,000 resources a short
//! `String` per field is a heap block of 32 bytes each (docs/performance.md). A field holding
//! one is a `Cow<'static, str>`, which serializes as the string it holds.

use std::borrow::Cow;
use std::collections::BTreeSet;

use parking_lot::Mutex;

/// Distinct values kept at most; past it a value is stored per resource as before, so that a
/// caller passing open-ended input cannot grow the kept set without bound.
const CAP: usize = 4096;
/// Longer values are stored per resource: a closed-set value is short.
const MAX_LEN: usize = 64;

/// A value of a small closed set as a resource holds it: kept once (borrowed) or, past the
/// kept set's bounds, its own copy.
pub type Name = Cow<'static, str>;

static KEPT: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// `s`, shared with every other holder of the same value when the set has room.
pub fn intern(s: &str) -> Name {
    if s.is_empty() {
        return Cow::Borrowed("");
    }
    if s.len() > MAX_LEN {
        return Cow::Owned(s.to_string());
    }
    let mut kept = KEPT.lock();
    if let Some(k) = kept.get(s) {
        return Cow::Borrowed(k);
    }
    if kept.len() >= CAP {
        return Cow::Owned(s.to_string());
    }
    // Leaked on purpose: at most CAP values of at most MAX_LEN bytes, for the process's life.
    let k: &'static str = Box::leak(s.to_string().into_boxed_str());
    kept.insert(k);
    Cow::Borrowed(k)
}

/// Serde's `deserialize_with` for such a field: a value read back (the durable store, a state
/// import) is kept once too.
pub fn de<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
    let s = <Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    Ok(intern(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_copy_and_long_ones_are_not_kept() {
        let (a, b) = (intern(&String::from("ap-test-zone-1")), intern("ap-test-zone-1"));
        let (Cow::Borrowed(x), Cow::Borrowed(y)) = (&a, &b) else { panic!("kept values are borrowed") };
        assert!(std::ptr::eq(*x, *y));
        assert_eq!(a, "ap-test-zone-1");
        let long = "x".repeat(MAX_LEN + 1);
        assert!(matches!(intern(&long), Cow::Owned(s) if s == long));
    }
}
