//! IAM tokens by token and by expiry, so that forgetting the expired ones costs what is
//! forgotten. A token goes once it has expired on every clock IAM accepts
//! (`--signature-clock`), which is also when IAM stops accepting it. Issuing a token is recorded
//! in the change set (core/change.rs) like any other write.

use std::collections::{BTreeMap, BTreeSet};

use super::model::Token;
use crate::core::change::{change_of, entry_of, Change, Journal, Persist, Undo};

#[derive(Debug, Default)]
pub struct TokenBook {
    by_token: BTreeMap<String, Token>,
    expiry: BTreeSet<(i64, String)>,
    journal: Journal<String, Token>,
}

impl Clone for TokenBook {
    fn clone(&self) -> TokenBook {
        TokenBook { by_token: self.by_token.clone(), expiry: self.expiry.clone(), journal: Journal::default() }
    }
}

impl PartialEq for TokenBook {
    fn eq(&self, other: &TokenBook) -> bool {
        self.by_token == other.by_token
    }
}

impl Undo for TokenBook {
    fn undo(&mut self, epoch: u64) {
        for (token, prior) in self.journal.take(epoch) {
            self.put(token, prior);
        }
    }
}

/// The store keeps tokens (credentials) so that clients stay signed in across a restart.
impl Persist for TokenBook {
    fn changed(&self, epoch: u64, out: &mut Vec<Change>) -> Result<(), String> {
        for t in self.journal.touched(epoch) {
            out.push(change_of(t, self.by_token.get(t))?);
        }
        Ok(())
    }

    fn put_back(&mut self, key: &str, value: Option<&str>) -> Result<(), String> {
        let (k, v) = entry_of(key, value)?;
        self.put(k, v);
        Ok(())
    }
}

impl TokenBook {
    /// Every token, as store rows (the base document never holds them: it is an export).
    pub fn every(&self) -> Result<Vec<Change>, String> {
        self.by_token.iter().map(|(k, v)| change_of(k, Some(v))).collect()
    }

    pub fn insert(&mut self, token: String, t: Token) {
        let by_token = &self.by_token;
        self.journal.note(&token, || by_token.get(&token).cloned());
        self.put(token, Some(t));
    }

    /// Set (or with `None` drop) a token, keeping the expiry index in step.
    fn put(&mut self, token: String, t: Option<Token>) {
        if let Some(old) = self.by_token.remove(&token) {
            self.expiry.remove(&(old.expires_ms, token.clone()));
        }
        if let Some(t) = t {
            self.expiry.insert((t.expires_ms, token.clone()));
            self.by_token.insert(token, t);
        }
    }

    pub fn get(&self, token: &str) -> Option<&Token> {
        self.by_token.get(token)
    }

    pub fn len(&self) -> usize {
        self.by_token.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_token.is_empty()
    }

    /// Forget the tokens expired at `now_ms` (IAM refuses them from that instant on).
    pub fn forget_expired(&mut self, now_ms: i64) -> usize {
        let mut n = 0;
        while let Some((exp, _)) = self.expiry.first() {
            if *exp > now_ms {
                break;
            }
            let (_, token) = self.expiry.pop_first().expect("just seen");
            let by_token = &self.by_token;
            self.journal.note(&token, || by_token.get(&token).cloned());
            self.by_token.remove(&token);
            n += 1;
        }
        n
    }
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
