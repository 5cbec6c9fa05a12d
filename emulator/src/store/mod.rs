//! The durable store (`serve --store PATH|URL`): the world kept up to date by every request
//! before it is answered, in an SQLite file (sqlite.rs) or a PostgreSQL database (postgres.rs).
//!
//! A store holds a *base* (the export document of control/state.rs, written when the store is
//! made and whenever the whole world is replaced: reset, import, snapshot restore, or a
//! checkpoint) and the *rows* changed since: one row per entry of a container (path such as
//! `["tencent","acct","ap-guangzhou","disks"]`, key and value as JSON, NULL when the entry is
//! gone), upserted so that a key has one row whatever how often it changed. Each request's rows
//! (its own epoch and the clock's catch-up epochs, txn.rs) and the "now" row (the id generator,
//! the clock, the timing policy, the fault rules) are queued while the state lock is held and
//! written by one writer thread, in groups, before the answer (writer.rs). The work is what the
//! request changed, never the world's size.
//!
//! This module is the part both engines share (when to write a base, the "now" row, degraded
//! mode, putting a loaded store back into a state); an engine only writes rows and bases in one
//! transaction each and reads them back. The store holds IAM tokens (credentials); the base
//! never does.

mod postgres;
mod sqlite;
mod writer;

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::core::clock::{Clock, ClockMode};
use crate::core::fault::FaultBook;
use crate::core::ids::IdGen;
use crate::core::timing::TimingPolicy;
use crate::twin::Saved;
use crate::world::{Batch, Keeper, Row, State, Ticket, Twin};
use writer::{Job, Writer};

/// What a store says it is, and the layout's version (a change raises it; an older store is
/// moved by export and import).
pub const FORMAT: &str = "cloudtwin-store";
pub const VERSION: u32 = 1;
/// Rows since the base before a checkpoint writes a new base: at least this many, or twice the
/// base's resources.
const MIN_CHECKPOINT_ROWS: u64 = 100_000;
/// The path of the IAM tokens' rows (a base never holds them).
const TOKENS_PATH: &str = "[\"huawei_tokens\"]";
/// The rows of the named snapshots (key: the name, value: its export document). A base
/// rewrite drops every row but these: they are not part of the world.
pub const SNAPSHOTS_PATH: &str = "[\"_snapshots\"]";

/// How hard each commit is pushed to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// Survives a crash of the twin; a power loss may lose the last commits.
    Normal,
    /// An fsync per commit.
    Full,
}

impl std::str::FromStr for Sync {
    type Err = String;
    fn from_str(s: &str) -> Result<Sync, String> {
        match s {
            "normal" => Ok(Sync::Normal),
            "full" => Ok(Sync::Full),
            _ => Err(format!("`{s}`: normal or full")),
        }
    }
}

/// What an engine holds, as read at start.
pub struct Loaded {
    /// The base: an export document.
    pub doc: Vec<u8>,
    /// The rows since the base, in any order (a key has one row).
    pub rows: Vec<Row>,
    /// The "now" row, when one was written.
    pub now: Option<String>,
}

/// Where the rows go: one transaction per call, all or nothing.
pub trait Engine: Send {
    /// Upsert `rows` and, when given, replace the "now" row.
    fn write(&mut self, rows: &[Row], now: Option<&str>) -> Result<(), String>;
    /// Drop every row, put `doc` as the base, `tokens` as the first rows and `now` as the "now"
    /// row.
    fn write_base(&mut self, doc: &[u8], tokens: &[Row], now: &str) -> Result<(), String>;
    /// What the store holds (`None` for a new one, which is made ready here); a store of
    /// another format or version is refused (check_format).
    fn load(&mut self) -> Result<Option<Loaded>, String>;
    /// Let the store grow by at most `pages` more pages: a full disk, for tests.
    fn cap_growth(&mut self, _pages: u64) -> Result<(), String> {
        Err("this store cannot be capped".into())
    }
}

/// The ids, the clock, the timing and the fault rules (with their counts), rewritten when
/// they move.
#[derive(Serialize, Deserialize, PartialEq)]
struct Now {
    ids: IdGen,
    mode: ClockMode,
    now_ms: i64,
    timing: TimingPolicy,
    #[serde(default)]
    faults: FaultBook,
}

/// An open store, held for the life of the twin. What it decides (a base or rows, when to
/// checkpoint) it decides under the state lock, in the order the state changed; the writing is
/// the writer's (writer.rs).
pub struct Durable {
    engine: Arc<Mutex<Box<dyn Engine>>>,
    writer: Arc<Writer>,
    clock: Arc<Clock>,
    /// The state generation the base was written for.
    generation: u64,
    rows: u64,
    bound: u64,
    /// The "now" row last queued.
    now: String,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durable").field("rows", &self.rows).field("degraded", &self.writer.failed()).finish()
    }
}

impl Drop for Durable {
    fn drop(&mut self) {
        self.writer.stop();
    }
}

impl Keeper for Durable {
    fn commit(&mut self, st: &State, batch: Batch) -> Result<Option<Ticket>, String> {
        Durable::commit(self, st, batch)
    }

    fn keep_snapshot(&mut self, name: &str, doc: Option<String>) -> Result<Option<Ticket>, String> {
        let row = Row { path: SNAPSHOTS_PATH.into(), key: name.to_string(), value: doc };
        self.writer.push(Job::Rows { rows: vec![row], now: None })
    }

    fn degraded(&self) -> Option<String> {
        self.writer.failed()
    }
}

impl Durable {
    /// Let the store grow by at most `pages` more pages: a full disk, for tests.
    pub fn cap_growth(&mut self, pages: u64) -> Result<(), String> {
        self.engine.lock().cap_growth(pages)
    }

    /// Queue what `batch` holds (under the state lock); what the request then waits for,
    /// without the lock. A failure stops the writes.
    pub fn commit(&mut self, st: &State, batch: Batch) -> Result<Option<Ticket>, String> {
        match self.queue(st, batch) {
            Ok(ticket) => Ok(ticket),
            Err(e) => {
                let reason = match self.writer.failed() {
                    Some(reason) => reason,
                    None => format!("the durable store could not be written ({e}); restart the twin"),
                };
                tracing::error!("{reason}");
                self.writer.fail(reason.clone());
                Err(reason)
            }
        }
    }

    /// What to wait for: this batch's job, or the last one queued when the batch holds
    /// nothing new.
    fn queue(&mut self, st: &State, batch: Batch) -> Result<Option<Ticket>, String> {
        if let Some(e) = batch.error {
            return Err(e);
        }
        if st.generation != self.generation || self.rows + batch.rows.len() as u64 > self.bound {
            return self.base(st);
        }
        let now = now_of(st, &self.clock)?;
        if batch.rows.is_empty() && now == self.now {
            return Ok(self.writer.last());
        }
        let moved = (now != self.now).then(|| now.clone());
        self.rows += batch.rows.len() as u64;
        self.now = now;
        self.writer.push(Job::Rows { rows: batch.rows, now: moved })
    }

    /// The whole world as the new base, the rows dropped (the tokens, which a base never holds,
    /// become the first rows). Serialized here, under the lock, so that it is the state as of
    /// its place in the queue.
    fn base(&mut self, st: &State) -> Result<Option<Ticket>, String> {
        let doc = serde_json::to_vec(&crate::control::state::document(st, &self.clock)).map_err(|e| e.to_string())?;
        let resources = crate::control::state::resources(&st.world) as u64;
        let tokens: Vec<Row> = st
            .world
            .huawei_tokens
            .every()?
            .into_iter()
            .map(|t| Row { path: TOKENS_PATH.into(), key: t.key, value: t.value })
            .collect();
        let now = now_of(st, &self.clock)?;
        self.generation = st.generation;
        self.rows = tokens.len() as u64;
        self.bound = MIN_CHECKPOINT_ROWS.max(2 * resources);
        self.now = now.clone();
        self.writer.push(Job::Base { doc, tokens, now })
    }
}

fn now_of(st: &State, clock: &Clock) -> Result<String, String> {
    // A real clock's time is not kept (it moves on its own, and a read must write nothing).
    let mode = clock.mode();
    let now_ms = if mode == ClockMode::Manual { clock.now_ms() } else { 0 };
    let now = Now { ids: st.ids.clone(), mode, now_ms, timing: st.world.timing, faults: st.faults.clone() };
    serde_json::to_string(&now).map_err(|e| e.to_string())
}

/// Whether the `--store` value names a PostgreSQL database rather than a file.
pub fn is_url(store: &str) -> bool {
    store.starts_with("postgres://") || store.starts_with("postgresql://")
}

/// The store's format and version rows, checked (`None` when a row is missing).
fn check_format(format: Option<&str>, version: Option<&str>, foreign: &str) -> Result<(), String> {
    if format != Some(FORMAT) {
        return Err(foreign.into());
    }
    let version = version.unwrap_or_default();
    if version != VERSION.to_string() {
        return Err(format!(
            "a store of version {version}, this twin reads version {VERSION}: export the world with a twin of that version (GET /_cloudtwin/state) and start this one on a new store with --import"
        ));
    }
    Ok(())
}

/// Open (or make) the store `store` names (a file path, or a `postgres://` URL) for `twin`: a
/// new store gets the twin's world as its base; an existing one replaces the twin's world with
/// what it holds. Errors are one line for the user.
/// The store's handle comes back too (tests use it to make the disk "full").
pub fn attach(twin: &Twin, store: &str, sync: Sync) -> Result<Arc<Mutex<Durable>>, String> {
    let (mut engine, shown): (Box<dyn Engine>, String) = if is_url(store) {
        let shown = postgres::redact(store);
        (Box::new(postgres::Postgres::connect(store, sync).map_err(|e| format!("--store {shown}: {e}"))?), shown)
    } else {
        let path = Path::new(store);
        let shown = path.display().to_string();
        (Box::new(sqlite::Sqlite::open(path, sync).map_err(|e| format!("--store {shown}: {e}"))?), shown)
    };
    let fail = |what: &str| format!("--store {shown}: {what}");
    let loaded = engine.load().map_err(|e| fail(&e))?;
    let engine = Arc::new(Mutex::new(engine));
    let writer = Writer::start(engine.clone()).map_err(|e| fail(&e))?;
    let durable = Durable {
        engine,
        writer,
        clock: twin.clock.clone(),
        generation: u64::MAX,
        rows: 0,
        bound: MIN_CHECKPOINT_ROWS,
        now: String::new(),
    };
    let durable = Arc::new(Mutex::new(durable));
    let handle = durable.clone();
    match loaded {
        None => {
            // A new store: the world as it is becomes the base (written by the next commit).
            twin.state.lock().durable = Some(durable);
            twin.change(|_| Ok::<_, ()>(())).ok();
            match twin.state.lock().degraded() {
                Some(reason) => Err(fail(&reason)),
                None => Ok(handle),
            }
        }
        Some(loaded) => {
            let (mut state, now, rows, snapshots) = rebuild(loaded).map_err(|e| fail(&e))?;
            twin.snapshots.lock().extend(snapshots);
            match now.mode {
                ClockMode::Manual => twin.clock.set_ms(now.now_ms),
                ClockMode::Real => twin.clock.set_real(),
            }
            {
                let mut d = durable.lock();
                d.generation = 0;
                d.rows = rows;
                d.bound = MIN_CHECKPOINT_ROWS.max(2 * crate::control::state::resources(&state.world) as u64);
                d.now = now_of(&state, &twin.clock).map_err(|e| fail(&e))?;
            }
            state.generation = 0;
            state.durable = Some(durable);
            *twin.state.lock() = state;
            Ok(handle)
        }
    }
}

/// The state a store holds: its base with the rows put back, the "now" row applied.
/// What a store holds, put back: the state, the "now" row, how many rows, the named snapshots.
type Rebuilt = (State, Now, u64, Vec<(String, Saved<State>)>);

fn rebuild(loaded: Loaded) -> Result<Rebuilt, String> {
    let corrupt = |what: String| format!("corrupt store ({what}); move it away and import an export (serve --import)");
    let import = crate::control::state::check_own(&loaded.doc).map_err(|r| corrupt(format!("base: {r}")))?;
    let (mut state, mode, now_ms) = import.into_parts();
    let n = loaded.rows.len() as u64;
    let mut snapshots = Vec::new();
    for row in loaded.rows {
        let Row { path, key, value } = row;
        if path == SNAPSHOTS_PATH {
            if let Some(doc) = value {
                let saved =
                    crate::control::state::saved_of(&doc).map_err(|r| corrupt(format!("snapshot {key}: {r}")))?;
                snapshots.push((key, saved));
            }
            continue;
        }
        let parts: Vec<String> = serde_json::from_str(&path).map_err(|e| corrupt(format!("row path {path}: {e}")))?;
        state.world.put_row(&parts, &key, value.as_deref()).map_err(|e| corrupt(format!("row {path} {key}: {e}")))?;
    }
    state.world.reindex();
    let now = match loaded.now {
        Some(text) => serde_json::from_str::<Now>(&text).map_err(|e| corrupt(format!("now: {e}")))?,
        None => Now { ids: state.ids.clone(), mode, now_ms, timing: state.world.timing, faults: FaultBook::default() },
    };
    state.ids = now.ids.clone();
    state.faults = now.faults.clone();
    state.world.timing = now.timing;
    Ok((state, now, n, snapshots))
}
