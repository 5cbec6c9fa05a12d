//! Case-insensitive substring search over many kept values (the gateway's `Fuzzy`,
//! UCloudStack's `Keyword`): what `hay.to_lowercase().contains(needle)` answers, without
//! allocating a lowered copy of every value a scan looks at.

/// A search for one needle, lowered once.
pub struct Needle {
    lower: String,
}

impl Needle {
    /// `None` for an empty needle (which the surfaces treat as no search).
    pub fn new(needle: &str) -> Option<Needle> {
        (!needle.is_empty()).then(|| Needle { lower: needle.to_lowercase() })
    }

    /// The needle as searched for: two needles that lower alike find the same values.
    pub fn lowered(&self) -> &str {
        &self.lower
    }

    /// Whether `hay`, lowered, contains the needle. An ASCII value lowers byte by byte to an
    /// ASCII value, so it is compared in place; any other value is lowered as before.
    pub fn found_in(&self, hay: &str) -> bool {
        if !hay.is_ascii() {
            return hay.to_lowercase().contains(&self.lower);
        }
        let (h, n) = (hay.as_bytes(), self.lower.as_bytes());
        n.is_empty()
            || n.len() <= h.len()
                && h.windows(n.len()).any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
    }
}

#[cfg(test)]
mod tests {
    use super::Needle;
    use proptest::prelude::*;

    proptest! {
        /// The same answer as lowering the value, for ASCII and non-ASCII values and needles.
        #[test]
        fn found_in_is_lowered_contains(hay in "[a-cA-CİßΣσ\\- ]{0,12}", needle in "[a-cA-CİßΣσ\\- ]{1,4}") {
            let want = hay.to_lowercase().contains(&needle.to_lowercase());
            prop_assert_eq!(Needle::new(&needle).unwrap().found_in(&hay), want);
        }
    }

    #[test]
    fn an_empty_needle_is_no_search() {
        assert!(Needle::new("").is_none());
        assert!(Needle::new("Disk").unwrap().found_in("my-DISK-1"));
        assert!(!Needle::new("İ").unwrap().found_in("i"));
    }
}
