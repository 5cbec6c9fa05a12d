//! The request journal (`GET /_cloudtwin/requests`): the last requests the twin answered, as
//! the same `RequestRecord` the log line shows, in a ring bounded by a count and by bytes. The
//! server loop pushes each record once the answer is written; the journal never holds a lock
//! the state holds (it has its own, held for a push or one query).

use std::collections::VecDeque;

use parking_lot::Mutex;
use serde::Serialize;

use crate::core::record::RequestRecord;

/// The built-in bounds: entries and bytes.
pub const DEFAULT_ENTRIES: usize = 5000;
pub const DEFAULT_BYTES: usize = 8 * 1024 * 1024;
/// The most a body kept with `--journal-bodies` may take (a longer one is cut).
pub const BODY_MAX: usize = 64 * 1024;
/// The most entries one query answers.
pub const MAX_LIMIT: usize = 1000;

/// One journal entry, as `GET /_cloudtwin/requests` shows it (docs/control-plane.md): the
/// request's record and its place in the ring.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub seq: u64,
    #[serde(flatten)]
    pub record: RequestRecord,
}

impl std::ops::Deref for Entry {
    type Target = RequestRecord;
    fn deref(&self) -> &RequestRecord {
        &self.record
    }
}

impl Entry {
    /// What the entry counts against the byte cap: its strings plus a fixed part.
    fn weight(&self) -> usize {
        let refusal =
            self.refusal.as_ref().map_or(0, |r| r.reason.len() + r.canonical_request.len() + r.string_to_sign.len());
        160 + self.request_id.len()
            + self.method.len()
            + self.path.len()
            + self.operation.len()
            + self.account.len()
            + self.region.len()
            + self.error_code.as_ref().map_or(0, String::len)
            + refusal
            + self.request_body.as_ref().map_or(0, String::len)
            + self.response_body.as_ref().map_or(0, String::len)
    }

    /// Whether this entry failed: an error code, or a status of 400 or more.
    pub fn failed(&self) -> bool {
        self.error_code.is_some() || self.status >= 400
    }
}

/// How big the ring may grow, and whether bodies are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub entries: usize,
    pub bytes: usize,
    pub bodies: bool,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds { entries: DEFAULT_ENTRIES, bytes: DEFAULT_BYTES, bodies: false }
    }
}

#[derive(Debug, Default)]
struct Ring {
    entries: VecDeque<(Entry, usize)>,
    bytes: usize,
    last_seq: u64,
    dropped: u64,
}

#[derive(Debug, Default)]
pub struct Journal {
    bounds: Bounds,
    ring: Mutex<Ring>,
}

/// A query: every filter that is `Some` must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub surface: Option<String>,
    /// A name or a glob (core/fault.rs `glob`).
    pub operation: Option<String>,
    pub account: Option<String>,
    /// One request, by the id its answer carried.
    pub request_id: Option<String>,
    pub error: Option<ErrorFilter>,
    /// Only entries after this seq.
    pub since: u64,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorFilter {
    Any,
    None,
    Code(String),
}

/// A query's answer.
#[derive(Debug, Serialize)]
pub struct Page {
    pub requests: Vec<Entry>,
    pub last_seq: u64,
    pub dropped: u64,
    pub capacity: usize,
}

impl Journal {
    pub fn new(bounds: Bounds) -> Journal {
        Journal { bounds, ring: Mutex::default() }
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Whether a record of this request belongs in the journal: every API request, and the
    /// control plane's changes (not its reads, which a console polls).
    pub fn wants(rec: &RequestRecord) -> bool {
        rec.surface != "control" || (rec.method != "GET" && rec.method != "HEAD")
    }

    /// Keep `rec`; the oldest entries go while the ring is over a bound. Returns the seq given.
    /// Takes the record by value: the server loop is done with it, and a copy would cost every
    /// request an allocation per field.
    pub fn push(&self, mut record: RequestRecord) -> u64 {
        let mut ring = self.ring.lock();
        ring.last_seq += 1;
        let seq = ring.last_seq;
        if record.request_id.is_empty() {
            record.request_id = format!("ct-{seq}").into();
        }
        if !self.bounds.bodies {
            (record.request_body, record.response_body) = (None, None);
        }
        let entry = Entry { seq, record };
        let w = entry.weight();
        ring.bytes += w;
        ring.entries.push_back((entry, w));
        while ring.entries.len() > self.bounds.entries.max(1)
            || (ring.bytes > self.bounds.bytes && ring.entries.len() > 1)
        {
            let Some((_, w)) = ring.entries.pop_front() else { break };
            ring.bytes -= w;
            ring.dropped += 1;
        }
        seq
    }

    /// The newest `filter.limit` entries that match, oldest first.
    pub fn query(&self, filter: &Filter) -> Page {
        let ring = self.ring.lock();
        let mut picked: Vec<Entry> = ring
            .entries
            .iter()
            .rev()
            .map(|(e, _)| e)
            .take_while(|e| e.seq > filter.since)
            .filter(|e| keeps(filter, e))
            .take(filter.limit)
            .cloned()
            .collect();
        picked.reverse();
        Page { requests: picked, last_seq: ring.last_seq, dropped: ring.dropped, capacity: self.bounds.entries }
    }

    /// The bytes the ring holds now (for tests of the cap).
    pub fn held_bytes(&self) -> usize {
        self.ring.lock().bytes
    }
}

fn keeps(f: &Filter, e: &Entry) -> bool {
    f.surface.as_deref().is_none_or(|s| s == e.surface)
        && f.operation.as_deref().is_none_or(|o| crate::core::fault::glob(o, &e.operation))
        && f.account.as_deref().is_none_or(|a| e.account == a)
        && f.request_id.as_deref().is_none_or(|id| e.request_id == id)
        && match &f.error {
            None => true,
            Some(ErrorFilter::Any) => e.failed(),
            Some(ErrorFilter::None) => !e.failed(),
            Some(ErrorFilter::Code(c)) => e.error_code.as_deref() == Some(c),
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(op: &str, err: Option<&str>) -> RequestRecord {
        RequestRecord {
            surface: "tencent-cbs",
            operation: op.into(),
            error_code: err.map(Into::into),
            status: 200,
            ..Default::default()
        }
    }

    #[test]
    fn the_ring_keeps_the_newest_within_both_bounds() {
        let j = Journal::new(Bounds { entries: 3, bytes: usize::MAX, bodies: false });
        for i in 0..5 {
            j.push(rec(&format!("Op{i}"), None));
        }
        let page = j.query(&Filter { limit: 100, ..Default::default() });
        assert_eq!(page.requests.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!((page.last_seq, page.dropped), (5, 2));

        let j = Journal::new(Bounds { entries: 1000, bytes: 2000, bodies: true });
        for _ in 0..50 {
            j.push(RequestRecord { request_body: Some("x".repeat(300)), ..rec("Big", None) });
        }
        assert!(j.held_bytes() <= 2000, "{}", j.held_bytes());
        assert!(j.query(&Filter { limit: 1000, ..Default::default() }).requests.len() < 50);
    }

    #[test]
    fn filters_and_limit_pick_the_newest() {
        let j = Journal::new(Bounds::default());
        j.push(rec("DescribeDisks", None));
        j.push(rec("CreateDisks", Some("RequestLimitExceeded")));
        j.push(rec("DescribeSnapshots", None));
        let q = |f: Filter| {
            j.query(&Filter { limit: f.limit.max(1), ..f }).requests.iter().map(|e| e.seq).collect::<Vec<_>>()
        };
        assert_eq!(q(Filter { operation: Some("Describe*".into()), limit: 10, ..Default::default() }), [1, 3]);
        assert_eq!(q(Filter { error: Some(ErrorFilter::Any), limit: 10, ..Default::default() }), [2]);
        assert_eq!(
            q(Filter {
                error: Some(ErrorFilter::Code("RequestLimitExceeded".into())),
                limit: 10,
                ..Default::default()
            }),
            [2]
        );
        assert_eq!(q(Filter { since: 1, limit: 10, ..Default::default() }), [2, 3]);
        assert_eq!(q(Filter { limit: 1, ..Default::default() }), [3]);
        let page = j.query(&Filter { limit: 10, ..Default::default() });
        assert_eq!(page.requests[0].request_id, "ct-1");
        assert!(page.requests[0].request_body.is_none());
    }
}
