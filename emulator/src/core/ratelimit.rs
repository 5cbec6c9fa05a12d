//! Per-account, per-action request rates ("A maximum of N requests can be initiated per second
//! for this API"). One-second fixed windows on the twin's clock: with a manual clock, the window
//! only moves when a test moves it, so rate-limit behaviour is deterministic.

use std::collections::HashMap;

use parking_lot::Mutex;

/// (account, action) → (window start in unix seconds, requests in it).
type Windows = HashMap<(String, &'static str), (i64, u32)>;

#[derive(Debug, Default)]
pub struct Limiter {
    windows: Mutex<Windows>,
}

/// The request is over its action's rate.
#[derive(Debug, PartialEq, Eq)]
pub struct OverLimit;

impl Limiter {
    /// Count one request; `Err(OverLimit)` when the window already holds `per_second` requests.
    pub fn admit(&self, account: &str, action: &'static str, per_second: u32, now_ms: i64) -> Result<(), OverLimit> {
        let second = now_ms.div_euclid(1000);
        let mut w = self.windows.lock();
        let slot = w.entry((account.to_string(), action)).or_insert((second, 0));
        if slot.0 != second {
            *slot = (second, 0);
        }
        if slot.1 >= per_second {
            return Err(OverLimit);
        }
        slot.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_per_second_per_account_and_action() {
        let l = Limiter::default();
        for _ in 0..20 {
            assert!(l.admit("a", "ResizeDisk", 20, 5_000).is_ok());
        }
        assert!(l.admit("a", "ResizeDisk", 20, 5_999).is_err());
        assert!(l.admit("b", "ResizeDisk", 20, 5_999).is_ok(), "accounts are counted apart");
        assert!(l.admit("a", "AttachDisks", 20, 5_999).is_ok(), "actions are counted apart");
        assert!(l.admit("a", "ResizeDisk", 20, 6_000).is_ok(), "a new second, a new window");
    }
}
