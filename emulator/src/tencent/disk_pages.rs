//! DescribeDisks pages kept as rendered, for the next read that asks the same of the same state.
//!
//! Rendering a page of 20 disks is most of what a signed read costs the twin itself
//! (docs/performance.md), and a console or a poller asks for the same page again and again
//! while nothing changes. A page is kept with everything it was computed from, and served again
//! only while all of that still holds:
//!
//! - the question: account, region and the checked parameters (the key);
//! - the tables the page reads, by their stamps (core/change.rs): the region's disks, backups
//!   and instances, and the accounts' returned prepaid disks. Every change to a table takes a
//!   new stamp on its way to the table's map, so no writer (request, job, undo, reset, load)
//!   has to remember this cache;
//! - the clock: the virtual times over which every disk of the page renders the same
//!   (`DiskView::steady`: DifferDaysOfDeadline and IsReturnable move with the day). A page with
//!   progress in flight (a rollback, a migration) is not kept.
//!
//! The configuration (project names, the refund quota) is the twin's and never changes while it
//! runs, and each twin keeps its own pages. Bounded: at most [`PAGES`] pages of at most
//! [`PAGE_BYTES`] each per twin, the least recently used going first.

use std::fmt;

use bytes::Bytes;
use parking_lot::Mutex;

use super::params::{spell_str, Params};

/// How many pages a twin keeps.
pub const PAGES: usize = 8;
/// A larger page is not kept (a page of 100 disks is ~100 KB), so the whole costs ≤ 1 MiB.
pub const PAGE_BYTES: usize = 128 * 1024;

/// The rendered pages of one twin (the world's; a copy of the world starts with none).
#[derive(Default)]
pub struct DiskPages(Mutex<Vec<Page>>);

struct Page {
    ask: Ask,
    from_ms: i64,
    until_ms: i64,
    /// The answer's opening and fields (`Output::kept_bytes`), shared with each answer made of
    /// them rather than copied into it.
    bytes: Bytes,
}

/// A request for a page, with the stamps of the tables it reads now.
#[derive(PartialEq)]
pub struct Ask {
    key: Vec<u8>,
    stamps: [u64; 4],
}

impl Ask {
    /// `stamps`: those of the tables the page reads, now (DescribeDisks: the region's disks,
    /// backups and instances, the world's returned prepaid disks).
    pub fn new(account: &str, region: &str, p: &Params, stamps: [u64; 4]) -> Ask {
        let mut key = Vec::with_capacity(account.len() + region.len() + 64);
        for part in [account, region] {
            spell_str(&mut key, part);
        }
        p.root().spell(&mut key);
        Ask { key, stamps }
    }
}

impl DiskPages {
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

    /// Keep `bytes` (`Output::kept_bytes`) as the answer to `ask` for the virtual times `window`
    /// (from inclusive, until exclusive); `None`: it changes by the moment, so it is not kept.
    pub fn keep(&self, ask: Ask, window: Option<(i64, i64)>, bytes: Bytes) {
        let Some((from_ms, until_ms)) = window else { return };
        if bytes.len() > PAGE_BYTES {
            return;
        }
        let mut pages = self.0.lock();
        pages.retain(|page| page.ask.key != ask.key);
        if pages.len() >= PAGES {
            pages.remove(0);
        }
        pages.push(Page { ask, from_ms, until_ms, bytes });
    }
}

/// The times at which all of `windows` hold (from inclusive, until exclusive); `None` if one
/// of them is `None`.
pub fn overlap(windows: impl IntoIterator<Item = Option<(i64, i64)>>) -> Option<(i64, i64)> {
    windows.into_iter().try_fold((i64::MIN, i64::MAX), |(from, until), w| {
        let (f, u) = w?;
        Some((from.max(f), until.min(u)))
    })
}

impl Clone for DiskPages {
    /// A copy of the world (a saved state, a restore) starts with no pages: they are a cache.
    fn clone(&self) -> Self {
        DiskPages::default()
    }
}

impl PartialEq for DiskPages {
    /// Never makes two worlds differ.
    fn eq(&self, _: &DiskPages) -> bool {
        true
    }
}

impl fmt::Debug for DiskPages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DiskPages({} kept)", self.0.lock().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(key: &str, stamp: u64) -> Ask {
        Ask { key: key.as_bytes().to_vec(), stamps: [stamp, 1, 1, 1] }
    }

    fn output(text: &str) -> Bytes {
        Bytes::from(format!("\"X\":{text:?}"))
    }

    fn fields(pages: &DiskPages, a: &Ask, now: i64) -> Option<Bytes> {
        pages.lookup(a, now, Bytes::clone)
    }

    #[test]
    fn a_page_is_served_only_for_its_key_stamps_and_window() {
        let pages = DiskPages::default();
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
        let pages = DiskPages::default();
        for i in 0..PAGES {
            pages.keep(ask(&i.to_string(), 1), Some((0, 9)), output("x"));
        }
        assert!(fields(&pages, &ask("0", 1), 1).is_some(), "0 is now the most recent");
        pages.keep(ask("new", 1), Some((0, 9)), output("x"));
        assert!(fields(&pages, &ask("1", 1), 1).is_none(), "the least recent went");
        assert!(fields(&pages, &ask("0", 1), 1).is_some());
        assert!(fields(&pages, &ask("new", 1), 1).is_some());
        assert_eq!(pages.0.lock().len(), PAGES);
        pages.keep(ask("big", 1), Some((0, 9)), output(&"x".repeat(PAGE_BYTES)));
        assert!(fields(&pages, &ask("big", 1), 1).is_none(), "too large to keep");
    }

    #[test]
    fn different_parameters_make_different_keys() {
        let key = |v: serde_json::Value| Ask::new("a", "gz", &Params::unchecked(v.as_object().unwrap()), [1; 4]).key;
        let sets = [
            serde_json::json!({}),
            serde_json::json!({"DiskIds": ["a", "b"]}),
            serde_json::json!({"DiskIds": ["ab"]}),
            serde_json::json!({"DiskIds": ["a", "b", ""]}),
            serde_json::json!({"DiskIds": "ab"}),
            serde_json::json!({"Limit": 20}),
            serde_json::json!({"Limit": "20"}),
            serde_json::json!({"Limit": 2, "Offset": 0}),
            serde_json::json!({"Limit": 20, "Offset": 0}),
            serde_json::json!({"Filters": [{"Name": "zone", "Values": ["x"]}]}),
            serde_json::json!({"Filters": [{"Name": "zone", "Values": ["x", null]}]}),
            serde_json::json!({"Filters": [{"Name": "zone"}, {"Values": ["x"]}]}),
            serde_json::json!({"Encrypt": true}),
            serde_json::json!({"Encrypt": false}),
        ];
        for (i, a) in sets.iter().enumerate() {
            assert_eq!(key(a.clone()), key(a.clone()), "{a}");
            for b in &sets[i + 1..] {
                assert_ne!(key(a.clone()), key(b.clone()), "{a} and {b}");
            }
        }
    }

    #[test]
    fn windows_overlap() {
        assert_eq!(overlap([]), Some((i64::MIN, i64::MAX)));
        assert_eq!(overlap([Some((0, 10)), Some((5, 20))]), Some((5, 10)));
        assert_eq!(overlap([Some((0, 10)), None]), None);
    }
}
