//! Group commit: requests hand their writes to one writer thread and wait, without the state
//! lock, until the writer has made them durable. Whatever queued up while the engine was busy
//! goes in the next transaction, so 32 writers pay for a few transactions, not 32.
//!
//! Each write gets a sequence number when it is queued (under the state lock, so in the order
//! the state changed); the writer raises the durable mark (core/durable.rs) to the last number
//! of each transaction it commits, which answers the requests of that group and no others. A
//! read waits for the number that was last handed out when it read, so it never shows what
//! could still be lost. A failed transaction stops the writer: every request still waiting,
//! and every later one, gets the reason.

use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::{Engine, SNAPSHOTS_PATH};
use crate::core::durable::{Mark, Ticket};
use crate::world::Row;

/// One write, as queued.
pub enum Job {
    /// Rows to upsert and, when it moved, the "now" row.
    Rows { rows: Vec<Row>, now: Option<String> },
    /// A new base: every row before it is dropped (the base holds their effect).
    Base { doc: Vec<u8>, tokens: Vec<Row>, now: String },
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// The number of the last job queued.
    queued: u64,
    /// The store was let go (its `Durable` dropped): write what is queued, then end.
    stopping: bool,
}

/// The queue between the requests and the writer thread.
pub struct Writer {
    queue: Mutex<Queue>,
    /// Wakes the writer (a job was queued).
    work: Condvar,
    /// How far the queued jobs are durable; what the requests wait on.
    mark: Arc<Mark>,
    engine: Arc<Mutex<Box<dyn Engine>>>,
    /// The writer thread, joined by `stop`.
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Writer {
    /// A writer over `engine`, with its thread running.
    pub fn start(engine: Arc<Mutex<Box<dyn Engine>>>) -> Result<Arc<Writer>, String> {
        let writer = Arc::new(Writer {
            queue: Mutex::default(),
            work: Condvar::new(),
            mark: Arc::default(),
            engine,
            thread: Mutex::new(None),
        });
        let w = writer.clone();
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || w.run())
            .map_err(|e| format!("cannot start the store's writer: {e}"))?;
        *writer.thread.lock() = Some(thread);
        Ok(writer)
    }

    /// Queue `job` (called under the state lock); what to wait for until it is durable.
    pub fn push(&self, job: Job) -> Result<Option<Ticket>, String> {
        let mut q = self.queue.lock();
        if let Some(reason) = self.mark.failed() {
            return Err(reason);
        }
        q.jobs.push(job);
        q.queued += 1;
        let seq = q.queued;
        drop(q);
        self.work.notify_one();
        Ok(self.mark.ticket(seq))
    }

    /// What a request that wrote nothing waits for: every job queued so far (nothing when
    /// they are all durable).
    pub fn last(&self) -> Option<Ticket> {
        let seq = self.queue.lock().queued;
        self.mark.ticket(seq)
    }

    /// Stop taking writes with `reason` (a batch that could not even be gathered).
    pub fn fail(&self, reason: String) {
        self.mark.fail(reason);
    }

    /// End the thread once what is queued is written, so that the engine (and with it the
    /// file's lock or the database's connection) is let go: a twin embedded in a process
    /// that goes on (a test, a bench) releases its store when it is dropped.
    pub fn stop(&self) {
        self.queue.lock().stopping = true;
        self.work.notify_one();
        if let Some(thread) = self.thread.lock().take() {
            let _ = thread.join();
        }
    }

    /// Why writing stopped, if it did.
    pub fn failed(&self) -> Option<String> {
        self.mark.failed()
    }

    fn run(&self) {
        loop {
            let (jobs, upto) = {
                let mut q = self.queue.lock();
                while q.jobs.is_empty() || self.mark.failed().is_some() {
                    if q.stopping {
                        return;
                    }
                    self.work.wait(&mut q);
                }
                (std::mem::take(&mut q.jobs), q.queued)
            };
            match write(&mut **self.engine.lock(), jobs) {
                Ok(()) => self.mark.raise(upto),
                Err(e) => {
                    let reason = format!("the durable store could not be written ({e}); restart the twin");
                    tracing::error!("{reason}");
                    self.mark.fail(reason);
                }
            }
        }
    }
}

/// Write a group of jobs: from the last base on (what came before it is in it), the rows in
/// one transaction. Named snapshots queued before that base are not in it: they are kept.
fn write(engine: &mut dyn Engine, mut jobs: Vec<Job>) -> Result<(), String> {
    let from = jobs.iter().rposition(|j| matches!(j, Job::Base { .. })).unwrap_or(0);
    let mut rows: Vec<Row> = jobs
        .drain(..from)
        .flat_map(|job| match job {
            Job::Rows { rows, .. } => rows,
            Job::Base { .. } => Vec::new(),
        })
        .filter(|r| r.path == SNAPSHOTS_PATH)
        .collect();
    let mut now: Option<String> = None;
    for job in jobs {
        match job {
            Job::Base { doc, tokens, now: at } => engine.write_base(&doc, &tokens, &at)?,
            Job::Rows { rows: mut more, now: moved } => {
                rows.append(&mut more);
                now = moved.or(now);
            }
        }
    }
    if rows.is_empty() && now.is_none() {
        return Ok(());
    }
    engine.write(&rows, now.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Loaded;

    /// An engine that remembers what it was asked to write.
    #[derive(Default)]
    struct Recorder {
        calls: Vec<String>,
    }

    impl Engine for Recorder {
        fn write(&mut self, rows: &[Row], now: Option<&str>) -> Result<(), String> {
            let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
            self.calls.push(format!("rows {keys:?} now {now:?}"));
            Ok(())
        }
        fn write_base(&mut self, doc: &[u8], _: &[Row], _: &str) -> Result<(), String> {
            self.calls.push(format!("base {}", String::from_utf8_lossy(doc)));
            Ok(())
        }
        fn load(&mut self) -> Result<Option<Loaded>, String> {
            Ok(None)
        }
    }

    fn rows(keys: &[&str], path: &str) -> Job {
        let rows = keys.iter().map(|k| Row { path: path.into(), key: k.to_string(), value: None }).collect();
        Job::Rows { rows, now: None }
    }

    /// An engine that writes a group only when the test lets it, or fails it.
    struct Gated {
        go: std::sync::mpsc::Receiver<Result<(), String>>,
    }

    impl Engine for Gated {
        fn write(&mut self, _: &[Row], _: Option<&str>) -> Result<(), String> {
            self.go.recv().unwrap_or(Err("the test ended".into()))
        }
        fn write_base(&mut self, _: &[u8], _: &[Row], _: &str) -> Result<(), String> {
            self.go.recv().unwrap_or(Err("the test ended".into()))
        }
        fn load(&mut self) -> Result<Option<Loaded>, String> {
            Ok(None)
        }
    }

    #[test]
    fn a_request_waits_until_the_engine_has_written_its_group_and_hears_a_failure() {
        use std::future::Future;
        use std::task::{Context, Waker};
        let (go, gate) = std::sync::mpsc::channel();
        let writer = Writer::start(Arc::new(Mutex::new(Box::new(Gated { go: gate })))).unwrap();
        let ticket = writer.push(rows(&["disk-1"], "[\"tencent\"]")).unwrap().expect("not durable yet");
        let mut settle = std::pin::pin!(ticket.settle());
        // The writer holds the group in `write` until the test lets it go: still waiting.
        assert!(settle.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
        assert!(writer.last().is_some(), "a read waits for it too");
        go.send(Ok(())).unwrap();
        writer.last().map_or(Ok(()), Ticket::wait).unwrap();
        assert!(settle.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
        assert!(writer.last().is_none(), "nothing left to wait for");
        let ticket = writer.push(rows(&["disk-2"], "[\"tencent\"]")).unwrap().expect("not durable yet");
        go.send(Err("disk full".into())).unwrap();
        let reason = ticket.wait().unwrap_err();
        assert!(reason.contains("disk full"), "{reason}");
        assert!(writer.push(rows(&["disk-3"], "[\"tencent\"]")).is_err(), "no write after a failure");
        writer.stop();
    }

    #[test]
    fn a_base_in_a_group_drops_the_rows_before_it_but_not_the_named_snapshots() {
        let mut engine = Recorder::default();
        let jobs = vec![
            rows(&["disk-1"], "[\"tencent\"]"),
            rows(&["before-suite"], SNAPSHOTS_PATH),
            Job::Base { doc: b"world".to_vec(), tokens: Vec::new(), now: "t1".into() },
            rows(&["disk-2"], "[\"tencent\"]"),
        ];
        write(&mut engine, jobs).unwrap();
        assert_eq!(engine.calls, ["base world", "rows [\"before-suite\", \"disk-2\"] now None"]);
    }
}
