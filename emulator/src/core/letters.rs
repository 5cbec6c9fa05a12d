//! Checked parameters kept by the letter of the body they were decoded from.
//!
//! A poller, a console or an SDK's waiter sends the same read again and again, byte for byte.
//! Decoding its body (the bounds scan, the JSON, the schema check) is a pure function of the
//! operation and those bytes, and for a long body it costs more than answering it from a kept
//! page (docs/performance.md: a 100-ID DescribeDisks). So a family keeps what a read decoded to,
//! by the operation and the exact bytes, and a later request with the same letter takes it
//! instead of decoding again. Only what decoded without error is kept, and since the function
//! is pure a kept result is what decoding would give; the signature over the body is still
//! checked on every request, before this is asked.
//!
//! The configuration never changes while a twin runs, and nothing here reads the state, so the
//! memo lives beside the state (a reset, a restore or a load keeps it), one per twin. Bounded:
//! at most [`LETTERS`] entries of at most [`LETTER_BYTES`] each, the least recently used going
//! first.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use parking_lot::Mutex;

/// How many decoded bodies a twin keeps, of every family together.
pub const LETTERS: usize = 16;
/// A longer body is decoded each time: a 100-ID list is ~1.6 KB, and a body past this is no
/// poller's.
pub const LETTER_BYTES: usize = 16 << 10;

/// The decoded bodies of one twin.
#[derive(Default)]
pub struct Letters(Mutex<Vec<Letter>>);

struct Letter {
    /// The operation it was decoded for, as its family names it (the type of what it decoded
    /// to tells the families apart).
    what: Box<str>,
    body: Box<[u8]>,
    decoded: Arc<dyn Any + Send + Sync>,
}

impl Letters {
    /// What `what` decoded `body` to before, if it is kept (and of type `T`).
    pub fn get<T: Any + Send + Sync>(&self, what: &str, body: &[u8]) -> Option<Arc<T>> {
        let mut letters = self.0.lock();
        let at = letters.iter().position(|l| *l.what == *what && *l.body == *body)?;
        let letter = letters.remove(at);
        let decoded = Arc::clone(&letter.decoded).downcast::<T>().ok();
        letters.push(letter);
        decoded
    }

    /// Keep `decoded` as what `what` makes of `body` (not when the body is too long); the
    /// shared result either way.
    pub fn keep<T: Any + Send + Sync>(&self, what: &str, body: &[u8], decoded: T) -> Arc<T> {
        let decoded = Arc::new(decoded);
        if body.len() > LETTER_BYTES {
            return decoded;
        }
        let mut letters = self.0.lock();
        letters.retain(|l| !(*l.what == *what && *l.body == *body));
        if letters.len() >= LETTERS {
            letters.remove(0);
        }
        let shared: Arc<dyn Any + Send + Sync> = decoded.clone();
        letters.push(Letter { what: what.into(), body: body.into(), decoded: shared });
        decoded
    }
}

impl fmt::Debug for Letters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Letters({} kept)", self.0.lock().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_found_only_by_its_operation_and_exact_bytes() {
        let letters = Letters::default();
        letters.keep("t A", b"{\"Limit\":20}", 20u32);
        assert_eq!(letters.get::<u32>("t A", b"{\"Limit\":20}").as_deref(), Some(&20));
        assert_eq!(letters.get::<u32>("t B", b"{\"Limit\":20}"), None, "another operation");
        assert_eq!(letters.get::<u32>("t A", b"{\"Limit\": 20}"), None, "another spelling");
        assert_eq!(letters.get::<u32>("t A", b"{\"Limit\":2"), None, "a prefix");
        assert_eq!(letters.get::<String>("t A", b"{\"Limit\":20}"), None, "another type");
    }

    #[test]
    fn the_least_recently_used_goes_and_long_bodies_are_not_kept() {
        let letters = Letters::default();
        for i in 0..LETTERS {
            letters.keep("t A", i.to_string().as_bytes(), i);
        }
        assert!(letters.get::<usize>("t A", b"0").is_some(), "used again: now the newest");
        letters.keep("t A", b"new", 99usize);
        assert!(letters.get::<usize>("t A", b"1").is_none(), "the least recently used went");
        assert!(letters.get::<usize>("t A", b"0").is_some());
        assert!(letters.get::<usize>("t A", b"new").is_some());
        let long = vec![b' '; LETTER_BYTES + 1];
        assert_eq!(*letters.keep("t A", &long, 7usize), 7, "still handed back");
        assert!(letters.get::<usize>("t A", &long).is_none());
        assert_eq!(letters.0.lock().len(), LETTERS);
    }
}
