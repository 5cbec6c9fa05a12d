//! The request transaction: the one path every request of every surface takes through the
//! state. A family (Tencent, Huawei, the gateway, UCloudStack) contributes only what is its
//! own — decoding and authenticating its wire format, finding the operation in its table,
//! running the handler, rendering its envelope — and this module does the rest in one order for
//! all of them:
//!
//! decode (no lock) → lock → catch the clock up → open an epoch → run → on error undo exactly
//! what the epoch changed (change.rs) → on a successful read, let the family note what the read
//! saw → catch up again → queue the changes to the durable store → unlock → wait (a future,
//! [`Pending::finish`]) until they are durable → render.
//!
//! The control plane's state changes take the same locked path through [`apply`].
//!
//! This is the place where durability, per-tenant locking, the request journal and fault
//! injection hook in: each sees every request, its operation, its outcome and its epoch.
//!
//! Fault rules (core/fault.rs) are checked here once the handler has run, when the family has
//! noted who called and where (some authenticate against the state): an injected error undoes
//! the epoch like any failure and the family renders it in its own envelope; a latency is noted
//! for the server loop to wait outside the lock; a failed job marks the work the request queued.

use std::marker::PhantomData;

use parking_lot::Mutex;

use crate::core::change::Epoch;
use crate::core::durable::Ticket;
use crate::core::fault::{FaultBook, Injected, Key};
use crate::core::http::{Answer, HttpIn};
use crate::core::record;

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
    /// The fault rules, when the state keeps any.
    fn faults(&mut self) -> Option<&mut FaultBook> {
        None
    }
    /// A mark in the job sequence: the work queued after it is what a request started.
    fn job_mark(&self) -> u64 {
        0
    }
    /// Make the async work queued after `mark` end in failure when it finishes; how many jobs.
    fn fail_jobs_after(&mut self, _mark: u64) -> usize {
        0
    }
    /// What the durable store writes for a request: the changes of its epochs, gathered after
    /// each (a later epoch that writes to a container forgets what the earlier one touched).
    type Batch: Default;
    /// Whether what the clock and a read change must be recorded for the durable store. In
    /// memory nothing but a failed handler's changes is ever put back, so the clock's and a
    /// read's epochs would copy every entry they touch for nobody (a tenth of the CPU of creating
    /// disks).
    fn records(&self) -> bool {
        true
    }
    /// Add what `epoch` changed to `batch` (nothing when the state is memory-only).
    fn collect(&mut self, epoch: u64, batch: &mut Self::Batch);
    /// Hand `batch` to the durable store, under the lock (so in the order of the changes).
    /// The ticket is what the request waits for, without the lock, before it is answered: its
    /// own changes durable, or for one that changed nothing, every change it could have seen
    /// (`None`: nothing to wait for, as in memory). An error stops the writes until a restart.
    fn commit(&mut self, batch: Self::Batch) -> Result<Option<Ticket>, String>;
    /// Why the state takes no writes, when a commit failed.
    fn degraded(&self) -> Option<String>;
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

    /// The error an injected fault answers with: `fault.code` is one of the family's documented
    /// codes (the control plane checked it), to be rendered like any of its errors.
    fn injected(&self, call: &Self::Call, fault: &Injected) -> Self::Error;

    /// The family's internal error (HTTP 500 or its equivalent), for a request whose changes
    /// could not be made durable, or a write refused after such a failure.
    fn internal(&self, reason: &str) -> Self::Error;

    /// The answer, success or failure, in the family's envelope. `call` is `None` when decoding
    /// failed.
    fn render(&self, call: Option<&Self::Call>, out: Result<Self::Output, Self::Error>) -> Answer;
}

/// Serve one request of `family` against the state behind `lock` at `now_ms`: everything
/// under the lock happens here; the answer waits for durability in [`Pending::finish`].
pub fn serve<S: Store, F: Family<S>>(
    lock: &Mutex<S>,
    env: &S::Env,
    family: F,
    req: &HttpIn<'_>,
    now_ms: i64,
) -> Pending<S, F> {
    let call = match family.decode(req, now_ms) {
        Ok(call) => call,
        Err(e) => return Pending { family, call: None, out: Err(e), ticket: None, state: PhantomData },
    };
    let text = [req.path.as_bytes(), req.query.as_bytes(), req.body];
    let (out, ticket) = run_call(lock, env, &family, &call, now_ms, text);
    Pending { family, call: Some(call), out, ticket, state: PhantomData }
}

/// A request that went through the state: its outcome, and what it waits for before the
/// outcome may be told (its changes durable, with a store).
pub struct Pending<S, F: Family<S>>
where
    S: Store,
{
    family: F,
    call: Option<F::Call>,
    out: Result<F::Output, F::Error>,
    ticket: Option<Ticket>,
    state: PhantomData<fn() -> S>,
}

impl<S: Store, F: Family<S>> Pending<S, F> {
    /// Wait (without blocking the thread) until the request's changes are durable, then
    /// render. A request whose changes could not be made durable gets the family's internal
    /// error. Without a store there is nothing to wait for.
    pub async fn finish(self) -> Answer {
        let Pending { family, call, mut out, ticket, .. } = self;
        if let Some(ticket) = ticket {
            if let Err(reason) = ticket.settle().await {
                out = Err(family.internal(&reason));
            }
        }
        family.render(call.as_ref(), out)
    }
}

/// The locked part of [`serve`]: the outcome, and what to wait for. `text` is the request's
/// path, query and body, where a fault rule looks for a resource id.
fn run_call<S: Store, F: Family<S>>(
    lock: &Mutex<S>,
    env: &S::Env,
    family: &F,
    call: &F::Call,
    now_ms: i64,
    text: [&[u8]; 3],
) -> (Result<F::Output, F::Error>, Option<Ticket>) {
    let read = family.access(call) == Access::Read;
    let (out, ticket) = locked(
        lock,
        env,
        now_ms,
        !read,
        |reason| family.internal(&reason),
        |state| {
            let mark = state.job_mark();
            let out = family.run(state, call, now_ms);
            inject(state, family, call, mark, text, out)
        },
        |state, done| {
            if read {
                family.observe(state, call, done, now_ms)
            }
        },
        || now_ms,
    );
    match ticket {
        Ok(ticket) => (out, ticket),
        Err(reason) => (Err(family.internal(&reason)), None),
    }
}

/// A change to the state that is no API operation (the control plane's: reset, timing, faults,
/// inventory, completing jobs, moving the clock): the same lock, clock, epoch and undo as every
/// request. The clock is caught up again at `settle_ms()` afterwards (the clock may have moved).
/// The control plane refuses its writes itself while the state is degraded, and answers with an
/// error when its change made it so.
pub fn apply<S: Store, T, E>(
    lock: &Mutex<S>,
    env: &S::Env,
    now_ms: i64,
    settle_ms: impl FnOnce() -> i64,
    change: impl FnOnce(&mut S) -> Result<T, E>,
) -> Result<T, E> {
    let refuse = |_: String| unreachable!("not guarded");
    let (out, ticket) = locked(lock, env, now_ms, false, refuse, change, |_, _| {}, settle_ms);
    // A few writes, rare next to the API's: a blocking wait (off the worker) is enough. A
    // failure shows as the state's degraded mark, which the control plane reads.
    if let Ok(Some(ticket)) = ticket {
        let _ = ticket.wait();
    }
    out
}

/// Apply the first fault rule that fires for this request, if any (see the module docs). Only
/// a request whose account the family resolved is matched: one refused before that is
/// answered as it would be.
fn inject<S: Store, F: Family<S>>(
    state: &mut S,
    family: &F,
    call: &F::Call,
    mark: u64,
    text: [&[u8]; 3],
    out: Result<F::Output, F::Error>,
) -> Result<F::Output, F::Error> {
    // No rules (the usual case): nothing to look up.
    if state.faults().is_none_or(|book| book.rules().is_empty()) {
        return out;
    }
    let Some((surface, operation, account, region)) =
        record::peek(|r| (r.surface, r.operation.clone(), r.account.clone(), r.region.clone()))
    else {
        return out;
    };
    if account.is_empty() {
        return out;
    }
    let started_jobs = out.is_ok() && state.job_mark() > mark;
    let key = Key { surface, operation: &operation, account: &account, region: &region, text };
    let Some((rule, effect)) = state.faults().and_then(|book| book.check(&key, |e| !e.fail_job || started_jobs)) else {
        return out;
    };
    record::note(|r| {
        r.fault = Some(rule);
        r.delay = std::time::Duration::from_millis(effect.latency_ms.unwrap_or(0));
    });
    if let Some(code) = &effect.error {
        let code = match code {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Err(family.injected(call, &Injected { code, rule }));
    }
    if effect.fail_job {
        state.fail_jobs_after(mark);
    }
    out
}

/// Catch the clock up; with a durable store in an epoch of its own, so that what it finished is
/// persisted too.
fn catch_up<S: Store>(state: &mut S, env: &S::Env, now_ms: i64, batch: &mut S::Batch) {
    recorded(state, batch, |state| state.catch_up(env, now_ms));
}

/// Make a change that is never undone (the clock's, a read's) in an epoch of its own when the
/// durable store needs to know what it touched, and outside any epoch (recording nothing)
/// when it does not.
fn recorded<S: Store>(state: &mut S, batch: &mut S::Batch, change: impl FnOnce(&mut S)) {
    if !state.records() {
        return change(state);
    }
    let epoch = Epoch::open();
    change(state);
    let id = epoch.id();
    drop(epoch);
    state.collect(id, batch);
}

/// The locked part of a request; the second half is what to wait for before answering, or
/// why the request's changes could not be queued to be made durable.
#[allow(clippy::too_many_arguments)]
fn locked<S: Store, T, E>(
    lock: &Mutex<S>,
    env: &S::Env,
    now_ms: i64,
    guard: bool,
    refuse: impl FnOnce(String) -> E,
    run: impl FnOnce(&mut S) -> Result<T, E>,
    seen: impl FnOnce(&mut S, &T),
    settle_ms: impl FnOnce() -> i64,
) -> (Result<T, E>, Result<Option<Ticket>, String>) {
    let mut state = lock.lock();
    if let Some(reason) = state.degraded() {
        // Read-only until a restart: writes are refused, reads are served as the state stands
        // (the clock finishes nothing, since that could not be kept).
        if guard {
            return (Err(refuse(reason)), Ok(None));
        }
        return (run(&mut state), Ok(None));
    }
    // Group commit (store/writer.rs): the lock is let go when this returns, while the store
    // writes, and the answer waits for it.
    changed(&mut *state, env, now_ms, run, seen, settle_ms)
}

/// The part of [`locked`] that changes the state: the epochs, the undo, the batch queued.
fn changed<S: Store, T, E>(
    state: &mut S,
    env: &S::Env,
    now_ms: i64,
    run: impl FnOnce(&mut S) -> Result<T, E>,
    seen: impl FnOnce(&mut S, &T),
    settle_ms: impl FnOnce() -> i64,
) -> (Result<T, E>, Result<Option<Ticket>, String>) {
    let mut batch = S::Batch::default();
    catch_up(state, env, now_ms, &mut batch);
    let epoch = Epoch::open();
    let out = run(state);
    let id = epoch.id();
    drop(epoch);
    match &out {
        Err(_) => state.undo(id),
        Ok(done) => {
            state.collect(id, &mut batch);
            // What a read lets the jobs see is state too (read-gated timing).
            recorded(state, &mut batch, |state| seen(state, done));
        }
    }
    catch_up(state, env, settle_ms(), &mut batch);
    let ticket = state.commit(batch);
    (out, ticket)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::change::Table;
    use crate::core::durable::Mark;
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};

    /// A state of one table, and what the pipeline did to it.
    #[derive(Default)]
    struct Toy {
        items: Table<String, u32>,
        caught_up: Vec<i64>,
        /// The epoch each catch-up ran in (0: recording nothing).
        catch_up_epochs: Vec<u64>,
        seen: Vec<String>,
        /// A store's durable mark, and the number of the last write queued to it.
        durable: Option<(Arc<Mark>, u64)>,
    }

    impl Store for Toy {
        type Env = ();
        fn catch_up(&mut self, _: &(), now_ms: i64) {
            self.caught_up.push(now_ms);
            self.catch_up_epochs.push(crate::core::change::current());
        }
        fn undo(&mut self, epoch: u64) {
            crate::core::change::Undo::undo(&mut self.items, epoch);
        }
        type Batch = ();
        fn records(&self) -> bool {
            self.durable.is_some()
        }
        fn collect(&mut self, _: u64, _: &mut ()) {}
        fn commit(&mut self, _: ()) -> Result<Option<Ticket>, String> {
            let Some((mark, queued)) = &mut self.durable else { return Ok(None) };
            *queued += 1;
            Ok(mark.ticket(*queued))
        }
        fn degraded(&self) -> Option<String> {
            None
        }
    }

    /// `put k` writes k=1 then fails when k is "bad"; `get k` reads.
    struct ToyFamily;

    impl Family<Toy> for ToyFamily {
        type Call = (Access, String);
        type Output = Option<u32>;
        type Error = String;

        fn decode(&self, req: &HttpIn<'_>, _: i64) -> Result<Self::Call, String> {
            match req.path.split_once(' ') {
                Some(("put", k)) => Ok((Access::Write, k.to_string())),
                Some(("get", k)) => Ok((Access::Read, k.to_string())),
                _ => Err("no such operation".into()),
            }
        }
        fn access(&self, call: &Self::Call) -> Access {
            call.0
        }
        fn run(&self, st: &mut Toy, (access, k): &Self::Call, _: i64) -> Result<Option<u32>, String> {
            if *access == Access::Read {
                return Ok(st.items.get(k).copied());
            }
            st.items.insert(k.clone(), 1);
            if k == "bad" {
                return Err("refused after a write".into());
            }
            Ok(Some(1))
        }
        fn observe(&self, st: &mut Toy, (_, k): &Self::Call, _: &Option<u32>, _: i64) {
            st.seen.push(k.clone());
        }
        fn injected(&self, _: &Self::Call, fault: &Injected) -> String {
            fault.code.clone()
        }
        fn internal(&self, reason: &str) -> String {
            reason.to_string()
        }
        fn render(&self, _: Option<&Self::Call>, out: Result<Option<u32>, String>) -> Answer {
            let status = if out.is_ok() { 200 } else { 400 };
            Answer::json(status, format!("{out:?}").into_bytes())
        }
    }

    fn send(lock: &Mutex<Toy>, path: &str) -> u16 {
        let headers = axum::http::HeaderMap::new();
        let req = HttpIn { method: &axum::http::Method::POST, path, query: "", headers: &headers, body: b"" };
        at_once(serve(lock, &(), ToyFamily, &req, 7).finish()).status
    }

    /// The output of a future that must not wait (nothing to make durable).
    fn at_once<F: Future>(fut: F) -> F::Output {
        match pin!(fut).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("waited with nothing to wait for"),
        }
    }

    #[test]
    fn a_failed_write_is_undone_and_a_read_is_observed() {
        let lock = Mutex::new(Toy::default());
        assert_eq!(send(&lock, "put good"), 200);
        assert_eq!(send(&lock, "put bad"), 400);
        assert_eq!(send(&lock, "nonsense"), 400);
        assert_eq!(send(&lock, "get good"), 200);
        let st = lock.lock();
        assert_eq!(st.items.keys().collect::<Vec<_>>(), ["good"], "the failed write left nothing");
        assert_eq!(st.seen, ["good"], "only the successful read was observed");
        assert_eq!(st.caught_up, [7; 6], "catch-up before and after each request that decoded");
        assert_eq!(st.catch_up_epochs, [0; 6], "in memory the clock's changes are recorded for nobody");
    }

    #[test]
    fn with_a_durable_store_the_clock_catches_up_in_an_epoch_of_its_own() {
        let mark = Arc::new(Mark::default());
        let lock = Mutex::new(Toy { durable: Some((mark.clone(), 0)), ..Toy::default() });
        mark.raise(1);
        assert_eq!(at_once(serve(&lock, &(), ToyFamily, &request("put a"), 7).finish()).status, 200);
        let st = lock.lock();
        let epochs = &st.catch_up_epochs;
        assert_eq!(epochs.len(), 2);
        assert!(epochs.iter().all(|&e| e != 0) && epochs[0] != epochs[1], "each catch-up is recorded: {epochs:?}");
    }

    fn request(path: &str) -> HttpIn<'_> {
        static HEADERS: std::sync::LazyLock<axum::http::HeaderMap> = std::sync::LazyLock::new(Default::default);
        HttpIn { method: &axum::http::Method::POST, path, query: "", headers: &HEADERS, body: b"" }
    }

    fn poll<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn an_answer_waits_until_its_write_is_durable_without_the_lock() {
        let mark = Arc::new(Mark::default());
        let lock = Mutex::new(Toy { durable: Some((mark.clone(), 0)), ..Toy::default() });
        let mut first = pin!(serve(&lock, &(), ToyFamily, &request("put a"), 7).finish());
        assert!(poll(first.as_mut()).is_pending(), "answered before its write was durable");
        // The lock is free while the first waits: a second write goes through and waits too.
        let mut second = pin!(serve(&lock, &(), ToyFamily, &request("put b"), 7).finish());
        assert!(poll(second.as_mut()).is_pending());
        mark.raise(1);
        match poll(first.as_mut()) {
            Poll::Ready(answer) => assert_eq!((answer.status, answer.body), (200, b"Ok(Some(1))".to_vec())),
            Poll::Pending => panic!("the first write is durable"),
        }
        assert!(poll(second.as_mut()).is_pending(), "only the first write is durable");
        mark.fail("disk full".into());
        match poll(second.as_mut()) {
            Poll::Ready(answer) => assert_eq!((answer.status, answer.body), (400, b"Err(\"disk full\")".to_vec())),
            Poll::Pending => panic!("writing stopped"),
        }
    }

    #[test]
    fn a_control_change_catches_up_at_the_clock_it_leaves() {
        let lock = Mutex::new(Toy::default());
        let out: Result<(), ()> = apply(&lock, &(), 5, || 9, |st| Ok(st.items.insert("x".into(), 2)).map(|_| ()));
        assert!(out.is_ok());
        let refused: Result<(), &str> = apply(
            &lock,
            &(),
            9,
            || 9,
            |st| {
                st.items.insert("y".into(), 3);
                Err("no")
            },
        );
        assert!(refused.is_err());
        let st = lock.lock();
        assert_eq!(st.items.keys().collect::<Vec<_>>(), ["x"]);
        assert_eq!(st.caught_up, [5, 9, 9, 9]);
    }
}
