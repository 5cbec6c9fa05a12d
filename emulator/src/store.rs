//! The durable store (`serve --store PATH`): the world in an SQLite file, kept up to date by
//! every request before it is answered.
//!
//! The file holds a *base* (the export document of control/state.rs, written when the store is
//! made and whenever the whole world is replaced: reset, import, snapshot restore, or a
//! checkpoint) and the *rows* changed since: one row per entry of a container (path such as
//! `["tencent","acct","ap-guangzhou","disks"]`, key and value as JSON, NULL when the entry is
//! gone), upserted so that a key has one row whatever how often it changed. Each request's rows
//! (its own epoch and the clock's catch-up epochs, txn.rs) and the "now" row (the id generator,
//! the clock, the timing policy) are written in one SQLite transaction while the state lock is
//! held, so before the answer. The work is what the request changed, never the world's size.
//!
//! Restart: the base is checked as an import is, the rows are put back in order, then the ids,
//! the clock and the timing. WAL with `synchronous=NORMAL` survives a `kill -9` of the twin (a
//! committed transaction is in the OS's hands); a power loss may lose the last commits unless
//! `--store-sync full` (an fsync per commit). The file is held with an exclusive lock: a second
//! twin on it refuses to start. The store holds IAM tokens (credentials); the base never does.

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::core::clock::{Clock, ClockMode};
use crate::core::ids::IdGen;
use crate::core::timing::TimingPolicy;
use crate::world::{Batch, Keeper, State, Twin};

/// What a store says it is, and the layout's version (a change raises it; an older store is
/// moved by export and import).
pub const FORMAT: &str = "cloudtwin-store";
pub const VERSION: u32 = 1;
/// Rows since the base before a checkpoint writes a new base: at least this many, or twice the
/// base's resources.
const MIN_CHECKPOINT_ROWS: u64 = 100_000;

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

/// The ids, the clock and the timing, rewritten when they move.
#[derive(Serialize, Deserialize, PartialEq)]
struct Now {
    ids: IdGen,
    mode: ClockMode,
    now_ms: i64,
    timing: TimingPolicy,
}

/// An open store, held for the life of the twin.
pub struct Durable {
    conn: Connection,
    clock: Arc<Clock>,
    /// The state generation the base was written for.
    generation: u64,
    rows: u64,
    bound: u64,
    now: String,
    /// Why writes stopped (a commit failed): until a restart.
    pub degraded: Option<String>,
}

impl std::fmt::Debug for Durable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Durable").field("rows", &self.rows).field("degraded", &self.degraded).finish()
    }
}

fn sql(e: rusqlite::Error) -> String {
    e.to_string()
}

impl Keeper for Durable {
    fn commit(&mut self, st: &State, batch: Batch) -> Result<(), String> {
        Durable::commit(self, st, batch)
    }

    fn degraded(&self) -> Option<String> {
        self.degraded.clone()
    }
}

impl Durable {
    /// Let the file grow by at most `pages` more pages: a full disk, for tests.
    pub fn cap_growth(&self, pages: u64) -> Result<(), String> {
        let now: u64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(sql)?;
        let _: u64 =
            self.conn.query_row(&format!("PRAGMA max_page_count = {}", now + pages), [], |r| r.get(0)).map_err(sql)?;
        Ok(())
    }

    /// Write what `batch` holds, in one transaction; a failure stops the writes.
    pub fn commit(&mut self, st: &State, batch: Batch) -> Result<(), String> {
        if let Some(r) = &self.degraded {
            return Err(r.clone());
        }
        self.try_commit(st, batch).map_err(|e| {
            let reason = format!("the durable store could not be written ({e}); restart the twin");
            tracing::error!("{reason}");
            self.degraded = Some(reason.clone());
            reason
        })
    }

    fn try_commit(&mut self, st: &State, batch: Batch) -> Result<(), String> {
        if let Some(e) = batch.error {
            return Err(e);
        }
        if st.generation != self.generation {
            return self.write_base(st);
        }
        let now = now_of(st, &self.clock)?;
        if batch.rows.is_empty() && now == self.now {
            return Ok(());
        }
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO rows(path, key, value) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(path, key) DO UPDATE SET value = excluded.value",
                )
                .map_err(sql)?;
            for r in &batch.rows {
                put.execute(params![r.path, r.key, r.value]).map_err(sql)?;
            }
        }
        if now != self.now {
            tx.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('now', ?1)", [&now]).map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        self.now = now;
        self.rows += batch.rows.len() as u64;
        if self.rows > self.bound {
            self.write_base(st)?;
        }
        Ok(())
    }

    /// The whole world as the new base, the rows dropped (the tokens, which a base never holds,
    /// become the first rows).
    fn write_base(&mut self, st: &State) -> Result<(), String> {
        let doc = serde_json::to_vec(&crate::control::state::document(st, &self.clock)).map_err(|e| e.to_string())?;
        let resources = crate::control::state::resources(&st.world) as u64;
        let tokens = st.world.huawei_tokens.every()?;
        let now = now_of(st, &self.clock)?;
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM rows", []).map_err(sql)?;
        tx.execute("INSERT OR REPLACE INTO base(id, doc) VALUES (1, ?1)", [&doc]).map_err(sql)?;
        {
            let mut put = tx.prepare_cached("INSERT INTO rows(path, key, value) VALUES (?1, ?2, ?3)").map_err(sql)?;
            for t in &tokens {
                put.execute(params!["[\"huawei_tokens\"]", t.key, t.value]).map_err(sql)?;
            }
        }
        tx.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('now', ?1)", [&now]).map_err(sql)?;
        tx.commit().map_err(sql)?;
        self.generation = st.generation;
        self.rows = tokens.len() as u64;
        self.bound = MIN_CHECKPOINT_ROWS.max(2 * resources);
        self.now = now;
        Ok(())
    }
}

fn now_of(st: &State, clock: &Clock) -> Result<String, String> {
    // A real clock's time is not kept (it moves on its own, and a read must write nothing).
    let mode = clock.mode();
    let now_ms = if mode == ClockMode::Manual { clock.now_ms() } else { 0 };
    let now = Now { ids: st.ids.clone(), mode, now_ms, timing: st.world.timing };
    serde_json::to_string(&now).map_err(|e| e.to_string())
}

/// Open (or make) the store at `path` for `twin`: a new store gets the twin's world as its base;
/// an existing one replaces the twin's world with what it holds. Errors are one line for the
/// user.
/// The store's handle comes back too (tests use it to make the disk "full").
pub fn attach(twin: &Twin, path: &Path, sync: Sync) -> Result<Arc<Mutex<Durable>>, String> {
    let shown = path.display();
    let fail = |what: &str| format!("--store {shown}: {what}");
    if path.is_dir() {
        return Err(fail("is a directory; give a file path (it is made when missing)"));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| fail(&format!("cannot open: {e}")))?;
    let explain = |e: rusqlite::Error| -> String {
        let text = e.to_string();
        if text.contains("locked") || text.contains("busy") {
            fail("another cloudtwin process holds this store; stop it or give another path")
        } else if text.contains("not a database") || text.contains("malformed") {
            fail(&format!(
                "not a cloudtwin store or corrupt ({text}); give another path, or move the file away and import an export (serve --import)"
            ))
        } else {
            fail(&format!("cannot use it: {text}"))
        }
    };
    let sync_pragma = match sync {
        Sync::Normal => "NORMAL",
        Sync::Full => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync_pragma};"
    ))
    .map_err(explain)?;
    // Take the lock now (a write holds it until the process ends) and read what is there.
    conn.execute_batch("BEGIN IMMEDIATE").map_err(explain)?;
    let tables: i64 =
        conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0)).map_err(explain)?;
    let loaded = if tables == 0 {
        conn.execute_batch(
            "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE base(id INTEGER PRIMARY KEY CHECK (id = 1), doc BLOB NOT NULL);
             CREATE TABLE rows(path TEXT NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY (path, key)) WITHOUT ROWID;",
        )
        .map_err(explain)?;
        conn.execute("INSERT INTO meta(name, value) VALUES ('format', ?1), ('version', ?2)", params![FORMAT, VERSION])
            .map_err(explain)?;
        None
    } else {
        Some(read(&conn).map_err(|e| fail(&e))?)
    };
    conn.execute_batch("COMMIT").map_err(explain)?;
    let durable = Durable {
        conn,
        clock: twin.clock.clone(),
        generation: u64::MAX,
        rows: 0,
        bound: MIN_CHECKPOINT_ROWS,
        now: String::new(),
        degraded: None,
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
        Some((mut state, now, rows)) => {
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
fn read(conn: &Connection) -> Result<(State, Now, u64), String> {
    let meta = |name: &str| -> Result<Option<String>, String> {
        conn.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(|_| "not a cloudtwin store (an SQLite file of something else); give another path".to_string())
    };
    if meta("format")?.as_deref() != Some(FORMAT) {
        return Err("not a cloudtwin store (an SQLite file of something else); give another path".into());
    }
    let version = meta("version")?.unwrap_or_default();
    if version != VERSION.to_string() {
        return Err(format!(
            "a store of version {version}, this twin reads version {VERSION}: export the world with a twin of that version (GET /_cloudtwin/state) and start this one on a new store with --import"
        ));
    }
    let corrupt = |what: String| format!("corrupt store ({what}); move it away and import an export (serve --import)");
    let doc: Vec<u8> =
        conn.query_row("SELECT doc FROM base WHERE id = 1", [], |r| r.get(0)).map_err(|e| corrupt(e.to_string()))?;
    let import = crate::control::state::check_own(&doc).map_err(|r| corrupt(format!("base: {r}")))?;
    let (mut state, mode, now_ms) = import.into_parts();
    let mut stmt = conn.prepare("SELECT path, key, value FROM rows").map_err(|e| corrupt(e.to_string()))?;
    let mut rows = stmt.query([]).map_err(|e| corrupt(e.to_string()))?;
    let mut n = 0u64;
    while let Some(row) = rows.next().map_err(|e| corrupt(e.to_string()))? {
        let path: String = row.get(0).map_err(|e| corrupt(e.to_string()))?;
        let key: String = row.get(1).map_err(|e| corrupt(e.to_string()))?;
        let value: Option<String> = row.get(2).map_err(|e| corrupt(e.to_string()))?;
        let parts: Vec<String> = serde_json::from_str(&path).map_err(|e| corrupt(format!("row path {path}: {e}")))?;
        state.world.put_row(&parts, &key, value.as_deref()).map_err(|e| corrupt(format!("row {path} {key}: {e}")))?;
        n += 1;
    }
    let now = match meta("now")? {
        Some(text) => serde_json::from_str::<Now>(&text).map_err(|e| corrupt(format!("now: {e}")))?,
        None => Now { ids: state.ids.clone(), mode, now_ms, timing: state.world.timing },
    };
    state.ids = now.ids.clone();
    state.world.timing = now.timing;
    Ok((state, now, n))
}
