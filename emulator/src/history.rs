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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::config::Config;
use crate::huawei::model::{HwProject, Token};
use crate::world::{Job, Work, World};

pub use crate::core::logbook::{LOG_RETENTION_DAYS, LOG_RETENTION_MS};

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
        let (_, id) = p.emptied_checkpoints.get_mut().pop_first().expect("just seen");
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
    world.huawei_tokens.get_mut().forget_expired(cfg.signature_clock.earliest_ms(now_ms));
}

#[cfg(test)]
mod tests {
    use super::*;


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
