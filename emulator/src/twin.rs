//! One running twin: the configuration, the clock, the seed inventory, the rate limiter and the
//! state behind its lock. Generic over the state so that the providers, which serve requests
//! against it, need not name the world above them: each provider says what it needs of the state
//! in its own `Host` trait, and world.rs (the state) implements them all.

use parking_lot::Mutex;

use crate::config::Config;
use crate::core::clock::Clock;
use crate::core::ratelimit::Limiter;
use crate::inventory::Inventory;

#[derive(Debug)]
pub struct Twin<S> {
    pub cfg: Config,
    pub clock: Clock,
    pub inventory: Inventory,
    pub state: Mutex<S>,
    pub limiter: Limiter,
    /// The last requests answered (`GET /_cloudtwin/requests`); the server loop fills it.
    pub journal: std::sync::Arc<crate::core::journal::Journal>,
}
