//! One running twin: the configuration, the clock, the seed inventory, the rate limiter, the
//! read bodies decoded before and the state behind its lock. Generic over the state so that the
//! providers, which serve requests against it, need not name the world above them: each provider
//! says what it needs of the state in its own `Host` trait, and world.rs (the state) implements
//! them all.

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::config::Config;
use crate::core::clock::Clock;
use crate::core::letters::Letters;
use crate::core::ratelimit::Limiter;
use crate::inventory::Inventory;

#[derive(Debug)]
pub struct Twin<S> {
    pub cfg: Config,
    /// Shared with the durable store, which keeps where it stands.
    pub clock: Arc<Clock>,
    pub inventory: Inventory,
    pub state: Mutex<S>,
    pub limiter: Limiter,
    /// Read bodies decoded before, by their letter (a family's own, beside the state).
    pub letters: Letters,
    /// Named copies of the state (`/_cloudtwin/snapshots`), kept apart from it: a reset or a
    /// restore leaves them.
    pub snapshots: Mutex<BTreeMap<String, Saved<S>>>,
    /// The last requests answered (`GET /_cloudtwin/requests`); the server loop fills it.
    pub journal: std::sync::Arc<crate::core::journal::Journal>,
}

/// A saved state and where the clock stood.
#[derive(Debug, Clone)]
pub struct Saved<S> {
    pub state: S,
    /// The virtual time when the clock was manual (a restore sets it again); None on real time.
    pub manual_ms: Option<i64>,
    /// Wall-clock time of the save, for the listing.
    pub saved_at_ms: i64,
}
