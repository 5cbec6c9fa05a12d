//! What the twin remembers of the past, and for how long: operation logs (Tencent disk and
//! snapshot logs, Huawei CBR tasks) and Huawei IAM tokens. Each is kept in a book ordered by
//! when it stops mattering, so forgetting costs what is forgotten, not what is kept, and a
//! twin that runs for months (or jumps years ahead) holds only what the retention holds.
//!
//! Retention (docs/soak.md): the API references say nothing about how long these operation
//! logs can be queried. The twin keeps a finished entry for [`LOG_RETENTION_DAYS`] days after it
//! ended (Tencent's audit trail, CloudAudit, keeps 90 days of events by default; the same is
//! chosen for Huawei's task list); an entry still in progress is kept until it ends. A token
//! goes once it has expired on every clock IAM accepts (`--signature-clock`), which is also when
//! IAM stops accepting it.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::Config;
use crate::huawei::model::{HwProject, OpLog, Token};
use crate::tencent::model::{DiskOpLog, SnapshotOpLog};
use crate::world::{Job, Work, World};

pub const LOG_RETENTION_DAYS: i64 = 90;
pub const LOG_RETENTION_MS: i64 = LOG_RETENTION_DAYS * 86_400_000;

/// An entry of an operation log.
pub trait Entry {
    type Key: Ord + Clone;
    fn key(&self) -> Self::Key;
    /// When the operation ended; None while it is in progress.
    fn ended_ms(&self) -> Option<i64>;
}

impl Entry for DiskOpLog {
    type Key = u64;
    fn key(&self) -> u64 {
        self.id
    }
    fn ended_ms(&self) -> Option<i64> {
        self.end_ms
    }
}

impl Entry for SnapshotOpLog {
    type Key = u64;
    fn key(&self) -> u64 {
        self.id
    }
    fn ended_ms(&self) -> Option<i64> {
        self.end_ms
    }
}

impl Entry for OpLog {
    type Key = String;
    fn key(&self) -> String {
        self.id.clone()
    }
    fn ended_ms(&self) -> Option<i64> {
        self.ended_ms
    }
}

/// An operation log: entries by key, and the finished ones by when they ended. Entries change
/// only through `update`, which keeps the two in step.
#[derive(Debug, Clone)]
pub struct LogBook<V: Entry> {
    entries: BTreeMap<V::Key, V>,
    ended: BTreeSet<(i64, V::Key)>,
}

impl<V: Entry> Default for LogBook<V> {
    fn default() -> Self {
        LogBook { entries: BTreeMap::new(), ended: BTreeSet::new() }
    }
}

impl<V: Entry + PartialEq> PartialEq for LogBook<V> {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl<V: Entry> LogBook<V> {
    pub fn insert(&mut self, entry: V) {
        let key = entry.key();
        if let Some(old) = self.entries.remove(&key) {
            if let Some(end) = old.ended_ms() {
                self.ended.remove(&(end, key.clone()));
            }
        }
        if let Some(end) = entry.ended_ms() {
            self.ended.insert((end, key.clone()));
        }
        self.entries.insert(key, entry);
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        V::Key: Borrow<Q>,
    {
        self.entries.get(key)
    }

    /// Change one entry (a no-op when it is gone).
    pub fn update<Q: Ord + ?Sized>(&mut self, key: &Q, change: impl FnOnce(&mut V))
    where
        V::Key: Borrow<Q>,
    {
        let Some(e) = self.entries.get_mut(key) else { return };
        let before = e.ended_ms();
        change(e);
        let after = e.ended_ms();
        if before != after {
            let key = e.key();
            if let Some(end) = before {
                self.ended.remove(&(end, key.clone()));
            }
            if let Some(end) = after {
                self.ended.insert((end, key));
            }
        }
    }

    /// Every entry, in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forget the entries that ended before `cutoff_ms`; returns how many went.
    pub fn forget_before(&mut self, cutoff_ms: i64) -> usize {
        let mut n = 0;
        while let Some((end, _)) = self.ended.first() {
            if *end >= cutoff_ms {
                break;
            }
            let (_, key) = self.ended.pop_first().expect("just seen");
            self.entries.remove(&key);
            n += 1;
        }
        n
    }
}

/// Tencent logs are shown as a list in `/_cloudtwin/state`, oldest first (ids grow with time).
impl<V: Entry + Serialize> Serialize for LogBook<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.entries.values())
    }
}

impl<'de, V: Entry + Deserialize<'de>> Deserialize<'de> for LogBook<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut book = LogBook::default();
        for e in Vec::<V>::deserialize(d)? {
            book.insert(e);
        }
        Ok(book)
    }
}

/// Huawei tasks are shown as a map by task id in `/_cloudtwin/state`, as before.
pub mod by_key {
    use super::*;

    pub fn serialize<S: Serializer>(book: &LogBook<OpLog>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(book.entries.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<LogBook<OpLog>, D::Error> {
        let mut book = LogBook::default();
        for (_, e) in BTreeMap::<String, OpLog>::deserialize(d)? {
            book.insert(e);
        }
        Ok(book)
    }
}

/// IAM tokens by token, and by expiry. Shared on clone (copied on the first change after one):
/// the gateway's all-or-nothing batches copy the whole world, and the tokens are no part of
/// what they may undo.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenBook(Arc<Tokens>);

#[derive(Debug, Clone, Default, PartialEq)]
struct Tokens {
    by_token: BTreeMap<String, Token>,
    expiry: BTreeSet<(i64, String)>,
}

impl TokenBook {
    pub fn insert(&mut self, token: String, t: Token) {
        let book = Arc::make_mut(&mut self.0);
        if let Some(old) = book.by_token.remove(&token) {
            book.expiry.remove(&(old.expires_ms, token.clone()));
        }
        book.expiry.insert((t.expires_ms, token.clone()));
        book.by_token.insert(token, t);
    }

    pub fn get(&self, token: &str) -> Option<&Token> {
        self.0.by_token.get(token)
    }

    pub fn len(&self) -> usize {
        self.0.by_token.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.by_token.is_empty()
    }

    /// Forget the tokens expired at `now_ms` (IAM refuses them from that instant on).
    pub fn forget_expired(&mut self, now_ms: i64) -> usize {
        if self.0.expiry.first().is_none_or(|(exp, _)| *exp > now_ms) {
            return 0;
        }
        let book = Arc::make_mut(&mut self.0);
        let mut n = 0;
        while let Some((exp, _)) = book.expiry.first() {
            if *exp > now_ms {
                break;
            }
            let (_, token) = book.expiry.pop_first().expect("just seen");
            book.by_token.remove(&token);
            n += 1;
        }
        n
    }
}

/// Where and when a finished job happened: the log book it may have written to.
pub enum Scope {
    Tencent { account: String, region: String, at: i64 },
    Huawei { project: String, at: i64 },
    Other,
}

impl Scope {
    pub fn of(job: &Job, at: i64) -> Scope {
        match &job.work {
            Work::Tencent(_) => Scope::Tencent { account: job.account.clone(), region: job.region.clone(), at },
            Work::Huawei(w) => Scope::Huawei { project: w.project().to_string(), at },
            Work::UCloudStack(_) => Scope::Other,
        }
    }
}

/// After one job: forget what its own log book no longer keeps at the job's time (a long clock
/// jump then never holds more than the retention at once).
pub fn prune_job_scope(world: &mut World, scope: &Scope) {
    match scope {
        Scope::Tencent { account, region, at } => {
            if let Some(r) = world.tencent.get_mut(account).and_then(|a| a.get_mut(region)) {
                r.disk_logs.forget_before(at - LOG_RETENTION_MS);
                r.snapshot_logs.forget_before(at - LOG_RETENTION_MS);
            }
        }
        Scope::Huawei { project, at } => {
            if let Some(p) = world.huawei.get_mut(project) {
                p.oplogs.forget_before(at - LOG_RETENTION_MS);
                forget_emptied_checkpoints(p, at - LOG_RETENTION_MS);
            }
        }
        Scope::Other => {}
    }
}

/// Forget the checkpoints emptied before `cutoff_ms` that are still empty.
fn forget_emptied_checkpoints(p: &mut HwProject, cutoff_ms: i64) {
    while p.emptied_checkpoints.first().is_some_and(|(at, _)| *at < cutoff_ms) {
        let (_, id) = p.emptied_checkpoints.pop_first().expect("just seen");
        let empty = p.checkpoints.get(&id).is_some_and(|c| c.backups.iter().all(|b| !p.backups.contains_key(b)));
        if empty {
            p.checkpoints.remove(&id);
        }
    }
}

/// Forget everything past its retention at `now_ms`: one look at the oldest entry of each book.
/// Tokens go once they have expired on every clock IAM accepts (`--signature-clock`).
pub fn prune(world: &mut World, cfg: &Config, now_ms: i64) {
    let cutoff = now_ms - LOG_RETENTION_MS;
    for r in world.tencent.values_mut().flat_map(|a| a.values_mut()) {
        r.disk_logs.forget_before(cutoff);
        r.snapshot_logs.forget_before(cutoff);
    }
    for p in world.huawei.values_mut() {
        p.oplogs.forget_before(cutoff);
        forget_emptied_checkpoints(p, cutoff);
    }
    world.huawei_tokens.forget_expired(cfg.signature_clock.earliest_ms(now_ms));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(id: u64, end: Option<i64>) -> DiskOpLog {
        DiskOpLog {
            id,
            disk_id: "disk-1".into(),
            operator: "1".into(),
            operation: "CBS_OPERATION_ATTACH".into(),
            operation_state: if end.is_some() { "SUCCESS" } else { "PROCESSING" }.into(),
            start_ms: 0,
            end_ms: end,
        }
    }

    #[test]
    fn a_book_forgets_by_end_time_and_keeps_what_runs() {
        let mut b = LogBook::default();
        b.insert(log(1, Some(100)));
        b.insert(log(2, None));
        b.insert(log(3, Some(50)));
        assert_eq!(b.forget_before(60), 1);
        assert_eq!(b.values().map(|l| l.id).collect::<Vec<_>>(), [1, 2]);
        b.update(&2u64, |l| l.end_ms = Some(70));
        assert_eq!(b.forget_before(1_000), 2);
        assert!(b.is_empty() && b.ended.is_empty());
    }

    #[test]
    fn tokens_go_when_they_expire() {
        let t = |exp| Token {
            account: "a".into(),
            project_id: "p".into(),
            user_id: "u".into(),
            issued_ms: 0,
            expires_ms: exp,
        };
        let mut b = TokenBook::default();
        b.insert("x".into(), t(10));
        b.insert("y".into(), t(20));
        assert_eq!(b.forget_expired(9), 0);
        assert_eq!(b.forget_expired(10), 1);
        assert!(b.get("x").is_none() && b.get("y").is_some());
    }
}
