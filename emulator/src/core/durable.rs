//! The durable mark: writes are numbered as they are queued (under the state lock, so in the
//! order the state changed) and a writer raises the mark as it makes them durable. A request
//! holds a [`Ticket`] for the number it must see durable before it is answered.
//!
//! An API request waits as a future: its task yields its tokio worker to the other requests
//! instead of blocking it, and it is woken only when the mark reaches its own number (a commit
//! wakes the requests of its group, no others). The control plane's few writes wait blocking,
//! off the worker (`block_in_place`).

use std::sync::Arc;

use parking_lot::{Condvar, Mutex};
use tokio::sync::oneshot;

type Outcome = Result<(), String>;

#[derive(Default)]
struct Inner {
    durable: u64,
    /// Why writing stopped: every wait, now and later, ends with it.
    failed: Option<String>,
    /// The futures waiting, each with the number it waits for (in no order: a request
    /// registers once it has let the state lock go).
    waiting: Vec<(u64, oneshot::Sender<Outcome>)>,
}

/// How far the writes numbered so far are durable, and who waits for more.
#[derive(Default)]
pub struct Mark {
    inner: Mutex<Inner>,
    /// Wakes the blocking waits.
    moved: Condvar,
}

impl Mark {
    /// Why writing stopped, if it did.
    pub fn failed(&self) -> Option<String> {
        self.inner.lock().failed.clone()
    }

    /// What a request waits for before it is answered: write `seq` made durable. `None` when
    /// it already is (a read with nothing pending waits for nothing).
    pub fn ticket(self: &Arc<Self>, seq: u64) -> Option<Ticket> {
        let m = self.inner.lock();
        (m.durable < seq).then(|| Ticket { mark: self.clone(), seq })
    }

    /// Every write up to `seq` is durable: answer the waits for those, and only those.
    pub fn raise(&self, seq: u64) {
        let ready: Vec<oneshot::Sender<Outcome>> = {
            let mut m = self.inner.lock();
            m.durable = m.durable.max(seq);
            let durable = m.durable;
            let (ready, rest) = std::mem::take(&mut m.waiting).into_iter().partition(|(s, _)| *s <= durable);
            m.waiting = rest;
            ready.into_iter().map(|(_, tx)| tx).collect()
        };
        for tx in ready {
            // A request whose client went away no longer listens: nothing to tell it.
            let _ = tx.send(Ok(()));
        }
        self.moved.notify_all();
    }

    /// Writing stopped for `reason` (the first reason stays): every wait ends with it.
    pub fn fail(&self, reason: String) {
        let (waiting, reason) = {
            let mut m = self.inner.lock();
            let reason = m.failed.get_or_insert(reason).clone();
            (std::mem::take(&mut m.waiting), reason)
        };
        for (_, tx) in waiting {
            let _ = tx.send(Err(reason.clone()));
        }
        self.moved.notify_all();
    }
}

/// A wait for one write number to be durable.
pub struct Ticket {
    mark: Arc<Mark>,
    seq: u64,
}

impl Ticket {
    /// Wait without blocking the thread (an API request).
    pub async fn settle(self) -> Outcome {
        let rx = {
            let mut m = self.mark.inner.lock();
            if m.durable >= self.seq {
                return Ok(());
            }
            if let Some(reason) = &m.failed {
                return Err(reason.clone());
            }
            let (tx, rx) = oneshot::channel();
            m.waiting.push((self.seq, tx));
            rx
        };
        rx.await.unwrap_or_else(|_| Err("the durable store's writer is gone; restart the twin".into()))
    }

    /// Wait blocking the thread (the control plane): on a multi-threaded runtime its worker
    /// hands its other tasks on first.
    pub fn wait(self) -> Outcome {
        let block = || {
            let mut m = self.mark.inner.lock();
            loop {
                if m.durable >= self.seq {
                    return Ok(());
                }
                if let Some(reason) = &m.failed {
                    return Err(reason.clone());
                }
                self.mark.moved.wait(&mut m);
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(block)
            }
            _ => block(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    fn poll<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_wait_ends_when_the_mark_reaches_its_number_and_not_before() {
        let mark = Arc::new(Mark::default());
        let mut first = pin!(mark.ticket(1).unwrap().settle());
        let mut second = pin!(mark.ticket(2).unwrap().settle());
        assert!(poll(first.as_mut()).is_pending());
        assert!(poll(second.as_mut()).is_pending());
        mark.raise(1);
        assert_eq!(poll(first.as_mut()), Poll::Ready(Ok(())));
        assert!(poll(second.as_mut()).is_pending(), "write 2 is not durable yet");
        assert!(mark.ticket(1).is_none(), "nothing to wait for once durable");
        mark.fail("disk full".into());
        assert_eq!(poll(second.as_mut()), Poll::Ready(Err("disk full".into())));
        assert_eq!(mark.ticket(3).unwrap().wait(), Err("disk full".into()));
    }
}
