//! List pages kept as rendered, for the next read that asks the same of the same state.
//!
//! Rendering a page is most of what a list read costs the twin itself (docs/performance.md),
//! and a console, a poller or an SDK's waiter asks for the same page again and again while
//! nothing changes. A family keeps a page with everything it was computed from, and it is
//! served again only while all of that still holds:
//!
//! - the question ([`Key`]): the operation, the caller (account and region, or project) and the
//!   parameters as checked, each part spelled after its length so no two questions share a key;
//! - the tables the page reads, by their stamps (core/change.rs): every change to a table takes a
//!   new stamp on its way to the table's map, so no writer (request, job, undo, reset, load)
//!   has to remember this cache. Up to four numbers; a family that reads many tables (other
//!   accounts' shares) gives the largest of their stamps, which any change raises, since stamps
//!   only grow;
//! - the clock: the virtual times over which every row of the page renders the same (a family
//!   gives the window, `None` when a row has progress in flight).
//!
//! The configuration is the twin's and never changes while it runs, and each twin keeps its own
//! pages. An error is never kept, so a kept page's parameters were checked when it was
//! rendered. Bounded: at most [`PAGES`] pages and [`BYTES`] per twin, a page at most
//! [`PAGE_BYTES`], the least recently used going first.

use std::fmt;

use bytes::Bytes;
use parking_lot::Mutex;

/// How many pages a twin keeps, of every family together.
pub const PAGES: usize = 16;
/// A larger page is not kept. Huawei's lists answer up to 1,000 items a page and do so when
/// asked without a `limit` (~1.1 MB of backups, ~0.6–0.8 ms to render at 1,000); a Tencent page
/// of 100 disks is ~100 KB.
pub const PAGE_BYTES: usize = 2 << 20;
/// The bytes of every kept page together: two of Huawei's largest pages and a dozen small ones.
pub const BYTES: usize = 4 << 20;

/// The rendered pages of one twin (the world's; a copy of the world starts with none).
#[derive(Default)]
pub struct KeptPages(Mutex<Vec<Page>>);

struct Page {
    ask: Ask,
    from_ms: i64,
    until_ms: i64,
    /// What the family keeps of its answer, shared with each answer made of it rather than
    /// copied into it.
    bytes: Bytes,
}

/// The virtual times (from inclusive, until exclusive) over which a page renders the same;
/// `None` when it changes by the moment.
pub type Window = Option<(i64, i64)>;

/// A request for a page, with the stamps of the tables it reads now. Two are equal when a page
/// kept for one answers the other (its window aside).
#[derive(PartialEq)]
pub struct Ask {
    key: Vec<u8>,
    stamps: [u64; 4],
}

impl Ask {
    /// `stamps`: those of the tables the page reads, now (unused places 0).
    pub fn new(key: Key, stamps: [u64; 4]) -> Ask {
        Ask { key: key.0, stamps }
    }
}

/// A question's spelling: its parts in order, each after its length.
pub struct Key(Vec<u8>);

impl Key {
    /// A key for `operation`, to which the caller and the parameters are added.
    pub fn new(operation: &str) -> Key {
        let mut key = Key(Vec::with_capacity(128));
        key.part(operation.as_bytes());
        key
    }

    /// One part, after its length.
    pub fn part(&mut self, bytes: &[u8]) -> &mut Key {
        self.0.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.0.extend_from_slice(bytes);
        self
    }

    /// The spelling so far, for a family that writes a structure of its own (a parameter tree)
    /// in a form that already tells its parts apart.
    pub fn bytes(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl KeptPages {
    /// The kept answer to `ask` at `now_ms`, if it still holds, handed to `answer`. One that no
    /// longer does goes.
    pub fn lookup<T>(&self, ask: &Ask, now_ms: i64, answer: impl FnOnce(&Bytes) -> T) -> Option<T> {
        let mut pages = self.0.lock();
        let at = pages.iter().position(|page| page.ask.key == ask.key)?;
        let page = pages.remove(at);
        if page.ask.stamps != ask.stamps || now_ms < page.from_ms || now_ms >= page.until_ms {
            return None;
        }
        let out = answer(&page.bytes);
        pages.push(page);
        Some(out)
    }

    /// Keep `bytes` as the answer to `ask` for the virtual times `window`
    /// (from inclusive, until exclusive); `None`: it changes by the moment, so it is not kept.
    pub fn keep(&self, ask: Ask, window: Window, bytes: Bytes) {
        let Some((from_ms, until_ms)) = window else { return };
        if bytes.len() > PAGE_BYTES {
            return;
        }
        let mut pages = self.0.lock();
        pages.retain(|page| page.ask.key != ask.key);
        let mut total: usize = pages.iter().map(|page| page.bytes.len()).sum::<usize>() + bytes.len();
        while pages.len() >= PAGES || total > BYTES {
            total -= pages.remove(0).bytes.len();
        }
        pages.push(Page { ask, from_ms, until_ms, bytes });
    }
}

/// The answer to `ask` (`None`: not kept) at `now`: a kept page, handed to `from_kept`, while
/// one holds; else what `render` makes, kept (as `to_kept` spells it) over the window `render`
/// gives. An error is never kept, so a kept page's question was checked when it was rendered,
/// and the same question over the same tables fails or passes alike.
pub fn kept_or_rendered<T, E>(
    pages: &KeptPages,
    ask: Option<Ask>,
    now: i64,
    from_kept: impl FnOnce(&Bytes) -> T,
    render: impl FnOnce() -> Result<(T, Window), E>,
    to_kept: impl FnOnce(&T) -> Bytes,
) -> Result<T, E> {
    if let Some(out) = ask.as_ref().and_then(|ask| pages.lookup(ask, now, from_kept)) {
        return Ok(out);
    }
    let (out, window) = render()?;
    if let Some(ask) = ask {
        pages.keep(ask, window, to_kept(&out));
    }
    Ok(out)
}

/// The times at which all of `windows` hold (from inclusive, until exclusive); `None` if one
/// of them is `None`.
pub fn overlap(windows: impl IntoIterator<Item = Window>) -> Window {
    windows.into_iter().try_fold((i64::MIN, i64::MAX), |(from, until), w| {
        let (f, u) = w?;
        Some((from.max(f), until.min(u)))
    })
}

impl Clone for KeptPages {
    /// A copy of the world (a saved state, a restore) starts with no pages: they are a cache.
    fn clone(&self) -> Self {
        KeptPages::default()
    }
}

impl PartialEq for KeptPages {
    /// Never makes two worlds differ.
    fn eq(&self, _: &KeptPages) -> bool {
        true
    }
}

impl fmt::Debug for KeptPages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeptPages({} kept)", self.0.lock().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(key: &str, stamp: u64) -> Ask {
        Ask::new(Key::new(key), [stamp, 1, 1, 1])
    }

    fn output(text: &str) -> Bytes {
        Bytes::from(format!("\"X\":{text:?}"))
    }

    fn fields(pages: &KeptPages, a: &Ask, now: i64) -> Option<Bytes> {
        pages.lookup(a, now, Bytes::clone)
    }

    #[test]
    fn a_page_is_served_only_for_its_key_stamps_and_window() {
        let pages = KeptPages::default();
        pages.keep(ask("a", 7), Some((10, 20)), output("a"));
        let kept = output("a");
        assert_eq!(fields(&pages, &ask("a", 7), 10).as_ref(), Some(&kept));
        assert_eq!(fields(&pages, &ask("a", 7), 19).as_ref(), Some(&kept));
        assert_eq!(fields(&pages, &ask("b", 7), 15), None, "another question");
        assert_eq!(fields(&pages, &ask("a", 7), 9), None, "before its window");
        // A miss for a stale page drops it: the same question at a good time misses too.
        pages.keep(ask("a", 7), Some((10, 20)), output("a"));
        assert_eq!(fields(&pages, &ask("a", 7), 20), None, "at its end");
        assert_eq!(fields(&pages, &ask("a", 7), 15), None);
        pages.keep(ask("a", 7), Some((10, 20)), output("a"));
        assert_eq!(fields(&pages, &ask("a", 8), 15), None, "a table changed");
        pages.keep(ask("a", 7), None, output("a"));
        assert_eq!(fields(&pages, &ask("a", 7), 15), None, "changes by the moment: not kept");
    }

    #[test]
    fn pages_are_bounded_and_the_least_recently_used_goes() {
        let pages = KeptPages::default();
        for i in 0..PAGES {
            pages.keep(ask(&i.to_string(), 1), Some((0, 9)), output("x"));
        }
        assert!(fields(&pages, &ask("0", 1), 1).is_some(), "0 is now the most recent");
        pages.keep(ask("new", 1), Some((0, 9)), output("x"));
        assert!(fields(&pages, &ask("1", 1), 1).is_none(), "the least recent went");
        assert!(fields(&pages, &ask("0", 1), 1).is_some());
        assert!(fields(&pages, &ask("new", 1), 1).is_some());
        assert_eq!(pages.0.lock().len(), PAGES);
        pages.keep(ask("huge", 1), Some((0, 9)), output(&"x".repeat(PAGE_BYTES)));
        assert!(fields(&pages, &ask("huge", 1), 1).is_none(), "too large to keep");
    }

    #[test]
    fn large_pages_are_kept_within_the_bytes_of_all() {
        let pages = KeptPages::default();
        let big = || output(&"x".repeat(BYTES * 2 / 5));
        pages.keep(ask("small", 1), Some((0, 9)), output("x"));
        pages.keep(ask("big 1", 1), Some((0, 9)), big());
        pages.keep(ask("big 2", 1), Some((0, 9)), big());
        for key in ["big 2", "big 1", "small"] {
            assert!(fields(&pages, &ask(key, 1), 1).is_some(), "{key}");
        }
        // A third large page is over the bytes of all: the least recent goes, and only it.
        pages.keep(ask("big 3", 1), Some((0, 9)), big());
        assert!(fields(&pages, &ask("big 2", 1), 1).is_none(), "the least recent went");
        for key in ["big 1", "small", "big 3"] {
            assert!(fields(&pages, &ask(key, 1), 1).is_some(), "{key}");
        }
        let held: usize = pages.0.lock().iter().map(|page| page.bytes.len()).sum();
        assert!(held <= BYTES, "{held}");
    }

    #[test]
    fn parts_are_told_apart() {
        let spell = |parts: &[&str]| {
            let mut key = Key::new("Op");
            for p in parts {
                key.part(p.as_bytes());
            }
            key.0
        };
        assert_ne!(spell(&["ab", "c"]), spell(&["a", "bc"]));
        assert_ne!(spell(&["a", ""]), spell(&["a"]));
        assert_eq!(spell(&["a", "b"]), spell(&["a", "b"]));
        assert_ne!(Key::new("Op").0, Key::new("Op2").0);
    }

    #[test]
    fn windows_overlap() {
        assert_eq!(overlap([]), Some((i64::MIN, i64::MAX)));
        assert_eq!(overlap([Some((0, 10)), Some((5, 20))]), Some((5, 10)));
        assert_eq!(overlap([Some((0, 10)), None]), None);
    }
}
