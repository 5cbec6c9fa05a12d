//! The request transaction: the one path every request of every surface takes through the
//! state. A family (Tencent, Huawei, the gateway, UCloudStack, the control plane) contributes
//! only what is its own — decoding and authenticating its wire format, finding the operation in
//! its table, running the handler, rendering its envelope — and this module does the rest in one
//! order for all of them:
//!
//! decode (no lock) → lock → catch the clock up → open an epoch → run → on error undo exactly
//! what the epoch changed (change.rs) → on a successful read, let the family note what the read
//! saw → catch up again → unlock → render.
//!
//! This is the place where durability, per-tenant locking, the request journal and fault
//! injection hook in: each sees every request, its operation, its outcome and its epoch.

use parking_lot::Mutex;

use crate::core::change::Epoch;
use crate::core::http::{Answer, HttpIn};

/// Whether an operation only reads the state (its table says so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// The state every family works on, as the pipeline sees it.
pub trait Store {
    /// What catching up needs besides the state (the configuration).
    type Env;
    /// Finish the async work due at `now_ms` (the clock's part of every request).
    fn catch_up(&mut self, env: &Self::Env, now_ms: i64);
    /// Put back what `epoch` changed.
    fn undo(&mut self, epoch: u64);
}

/// One family's part of a request.
pub trait Family<S: Store> {
    /// The request decoded before the lock is taken (and what the error answer needs).
    type Call;
    type Output;
    type Error;

    /// Decode, check what needs no state, and name the operation; an error is answered at once.
    fn decode(&self, req: &HttpIn<'_>, now_ms: i64) -> Result<Self::Call, Self::Error>;

    /// How the operation touches the state.
    fn access(&self, call: &Self::Call) -> Access;

    /// Authenticate against the state if the family needs to, then run the handler.
    fn run(&self, state: &mut S, call: &Self::Call, now_ms: i64) -> Result<Self::Output, Self::Error>;

    /// After a successful read: the in-flight work the read has seen (read-gated timing).
    fn observe(&self, _state: &mut S, _call: &Self::Call, _out: &Self::Output, _now_ms: i64) {}

    /// The clock time to catch up to after the handler (a control-plane clock move changes it).
    fn settle_at(&self, now_ms: i64) -> i64 {
        now_ms
    }

    /// The answer, success or failure, in the family's envelope. `call` is `None` when decoding
    /// failed.
    fn render(&self, call: Option<&Self::Call>, out: Result<Self::Output, Self::Error>) -> Answer;
}

/// Serve one request of `family` against the state behind `lock` at `now_ms`.
pub fn serve<S: Store, F: Family<S>>(
    lock: &Mutex<S>,
    env: &S::Env,
    family: &F,
    req: &HttpIn<'_>,
    now_ms: i64,
) -> Answer {
    let call = match family.decode(req, now_ms) {
        Ok(call) => call,
        Err(e) => return family.render(None, Err(e)),
    };
    let out = transact(lock, env, family, &call, now_ms);
    family.render(Some(&call), out)
}

/// The locked part of [`serve`], for a family that decodes on its own.
pub fn transact<S: Store, F: Family<S>>(
    lock: &Mutex<S>,
    env: &S::Env,
    family: &F,
    call: &F::Call,
    now_ms: i64,
) -> Result<F::Output, F::Error> {
    let read = family.access(call) == Access::Read;
    locked(
        lock,
        env,
        now_ms,
        |state| family.run(state, call, now_ms),
        |state, done| {
            if read {
                family.observe(state, call, done, now_ms)
            }
        },
        || family.settle_at(now_ms),
    )
}

/// A change to the state that is no API operation (the control plane's: reset, timing, faults,
/// inventory, completing jobs, moving the clock): the same lock, clock, epoch and undo as every
/// request. The clock is caught up again at `settle_ms()` afterwards (the clock may have moved).
pub fn apply<S: Store, T, E>(
    lock: &Mutex<S>,
    env: &S::Env,
    now_ms: i64,
    settle_ms: impl FnOnce() -> i64,
    change: impl FnOnce(&mut S) -> Result<T, E>,
) -> Result<T, E> {
    locked(lock, env, now_ms, change, |_, _| {}, settle_ms)
}

fn locked<S: Store, T, E>(
    lock: &Mutex<S>,
    env: &S::Env,
    now_ms: i64,
    run: impl FnOnce(&mut S) -> Result<T, E>,
    seen: impl FnOnce(&mut S, &T),
    settle_ms: impl FnOnce() -> i64,
) -> Result<T, E> {
    let mut state = lock.lock();
    state.catch_up(env, now_ms);
    let epoch = Epoch::open();
    let out = run(&mut state);
    let id = epoch.id();
    drop(epoch);
    match &out {
        Err(_) => state.undo(id),
        Ok(done) => seen(&mut state, done),
    }
    state.catch_up(env, settle_ms());
    out
}
