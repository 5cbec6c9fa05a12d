//! The SQLite engine: the store in one file. WAL with `synchronous=NORMAL` survives a `kill -9`
//! of the twin (a committed transaction is in the OS's hands); a power loss may lose the last
//! commits unless `--store-sync full` (an fsync per commit). The file is held with an exclusive
//! lock: a second twin on it refuses to start.

use std::path::Path;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{check_format, Engine, Loaded, Sync, FORMAT, VERSION};
use crate::world::Row;

const FOREIGN: &str = "not a cloudtwin store (an SQLite file of something else); give another path";

pub struct Sqlite {
    conn: Connection,
}

fn sql(e: rusqlite::Error) -> String {
    e.to_string()
}

/// An error while the store is opened, as one line for the user.
fn explain(e: rusqlite::Error) -> String {
    let text = e.to_string();
    if text.contains("locked") || text.contains("busy") {
        "another cloudtwin process holds this store; stop it or give another path".into()
    } else if text.contains("not a database") || text.contains("malformed") {
        format!(
            "not a cloudtwin store or corrupt ({text}); give another path, or move the file away and import an export (serve --import)"
        )
    } else {
        format!("cannot use it: {text}")
    }
}

impl Sqlite {
    pub fn open(path: &Path, sync: Sync) -> Result<Sqlite, String> {
        if path.is_dir() {
            return Err("is a directory; give a file path (it is made when missing)".into());
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| format!("cannot open: {e}"))?;
        let sync_pragma = match sync {
            Sync::Normal => "NORMAL",
            Sync::Full => "FULL",
        };
        conn.execute_batch(&format!(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync_pragma};"
        ))
        .map_err(explain)?;
        Ok(Sqlite { conn })
    }
}

impl Engine for Sqlite {
    fn cap_growth(&mut self, pages: u64) -> Result<(), String> {
        let now: u64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(sql)?;
        let _: u64 =
            self.conn.query_row(&format!("PRAGMA max_page_count = {}", now + pages), [], |r| r.get(0)).map_err(sql)?;
        Ok(())
    }

    fn write(&mut self, rows: &[Row], now: Option<&str>) -> Result<(), String> {
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO rows(path, key, value) VALUES (?1, ?2, ?3) \
                     ON CONFLICT(path, key) DO UPDATE SET value = excluded.value",
                )
                .map_err(sql)?;
            for r in rows {
                put.execute(params![r.path, r.key, r.value]).map_err(sql)?;
            }
        }
        if let Some(now) = now {
            tx.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('now', ?1)", [now]).map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    fn write_base(&mut self, doc: &[u8], tokens: &[Row], now: &str) -> Result<(), String> {
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute("DELETE FROM rows WHERE path <> ?1", [super::SNAPSHOTS_PATH]).map_err(sql)?;
        tx.execute("INSERT OR REPLACE INTO base(id, doc) VALUES (1, ?1)", [doc]).map_err(sql)?;
        {
            let mut put = tx.prepare_cached("INSERT INTO rows(path, key, value) VALUES (?1, ?2, ?3)").map_err(sql)?;
            for t in tokens {
                put.execute(params![t.path, t.key, t.value]).map_err(sql)?;
            }
        }
        tx.execute("INSERT OR REPLACE INTO meta(name, value) VALUES ('now', ?1)", [now]).map_err(sql)?;
        tx.commit().map_err(sql)
    }

    fn load(&mut self) -> Result<Option<Loaded>, String> {
        let conn = &self.conn;
        // Take the lock now (a write holds it until the process ends) and read what is there.
        conn.execute_batch("BEGIN IMMEDIATE").map_err(explain)?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
            .map_err(explain)?;
        let loaded = if tables == 0 {
            conn.execute_batch(
                "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE base(id INTEGER PRIMARY KEY CHECK (id = 1), doc BLOB NOT NULL);
                 CREATE TABLE rows(path TEXT NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY (path, key)) WITHOUT ROWID;",
            )
            .map_err(explain)?;
            conn.execute(
                "INSERT INTO meta(name, value) VALUES ('format', ?1), ('version', ?2)",
                params![FORMAT, VERSION],
            )
            .map_err(explain)?;
            None
        } else {
            Some(read(conn)?)
        };
        conn.execute_batch("COMMIT").map_err(explain)?;
        Ok(loaded)
    }
}

/// What the file holds, its format and version checked.
fn read(conn: &Connection) -> Result<Loaded, String> {
    let meta = |name: &str| -> Result<Option<String>, String> {
        conn.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| r.get(0))
            .optional()
            .map_err(|_| FOREIGN.to_string())
    };
    check_format(meta("format")?.as_deref(), meta("version")?.as_deref(), FOREIGN)?;
    let corrupt = |what: String| format!("corrupt store ({what}); move it away and import an export (serve --import)");
    let doc: Vec<u8> =
        conn.query_row("SELECT doc FROM base WHERE id = 1", [], |r| r.get(0)).map_err(|e| corrupt(e.to_string()))?;
    let mut stmt = conn.prepare("SELECT path, key, value FROM rows").map_err(|e| corrupt(e.to_string()))?;
    let rows = stmt
        .query_map([], |r| Ok(Row { path: r.get(0)?, key: r.get(1)?, value: r.get(2)? }))
        .and_then(|rows| rows.collect::<Result<Vec<Row>, _>>())
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(Loaded { doc, rows, now: meta("now")? })
}
