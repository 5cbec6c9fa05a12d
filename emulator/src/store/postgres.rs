//! The PostgreSQL engine (`--store postgres://USER:PASSWORD@HOST:PORT/DB`): the same base, rows
//! and "now" row as the SQLite file, in four tables of the database (docs/postgres.md).
//!
//! One twin owns a database at a time: it holds a session-level advisory lock for as long as its
//! connection lives, and writes who it is (host, pid, since) in `cloudtwin_owner` so that a
//! second twin can say whom it found. The lock goes with the connection, so when the owner dies
//! the server releases it and the next twin takes over. A lost connection is never re-opened:
//! the next commit fails and the twin turns read-only (degraded) like after a failed local
//! commit, because another twin may have taken the database over in between.
//!
//! The sync `postgres` client runs a runtime of its own and must not be driven from a tokio
//! worker, so one thread owns the connection and runs the store's calls sent to it.
//!
//! TLS: `sslmode=require` connects over TLS (rustls) and always verifies the server's
//! certificate and name, against the system's CA certificates and `sslrootcert=PATH` when given
//! (what libpq calls `verify-full`; a database that asks for TLS is one worth checking).
//! `disable` and `prefer` (the driver's default) connect without TLS.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::Duration;

use postgres::config::SslMode;
use postgres::{Client, Config, NoTls, Statement};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{check_format, Engine, Loaded, Sync, FORMAT, VERSION};
use crate::world::Row;

/// The advisory lock's key: any fixed number, the same for every twin ("cloudtw" in ASCII).
const LOCK_KEY: i64 = 0x0063_6c6f_7564_7477;
/// Tries at the lock, 100 ms apart.
const LOCK_TRIES: u32 = 30;
const FOREIGN: &str = "not a cloudtwin store (its cloudtwin_meta table is something else's); give another database";

type Job = Box<dyn FnOnce(&mut Conn) + Send>;

/// The connection, owned by its thread, with the group write prepared once.
struct Conn {
    client: Client,
    write: Option<Statement>,
}

pub struct Postgres {
    jobs: mpsc::Sender<Job>,
    /// Taken out of every message (the server's and the driver's may quote it).
    password: Option<String>,
}

/// `url` with its password replaced by `***`, for messages.
pub fn redact(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else { return url.to_string() };
    let end = url[start..].find(['/', '?']).map_or(url.len(), |i| start + i);
    let mut out = url.to_string();
    if let Some(at) = url[start..end].rfind('@').map(|i| start + i) {
        if let Some(colon) = url[start..at].find(':').map(|i| start + i) {
            out = format!("{}:***{}", &url[..colon], &url[at..]);
        }
    }
    // A password may also come as a parameter.
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| if kv.starts_with("password=") { "password=***".to_string() } else { kv.to_string() })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

/// A message as one line with no password in it.
fn clean(text: &str, password: Option<&str>) -> String {
    let mut line = text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ");
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        line = line.replace(p, "***");
    }
    line
}

fn db(e: postgres::Error) -> String {
    // The server's own message (with its detail), else the driver's.
    match e.as_db_error() {
        Some(d) => match d.detail() {
            Some(detail) => format!("{} ({detail})", d.message()),
            None => d.message().to_string(),
        },
        // The cause (a refused certificate, a refused connection) is in the source chain.
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                let more = cause.to_string();
                if !text.contains(&more) {
                    text = format!("{text}: {more}");
                }
                source = cause.source();
            }
            text
        }
    }
}

/// `url` without libpq's `sslrootcert=PATH` (the driver does not know it), and that path.
fn take_root_cert(url: &str) -> (String, Option<String>) {
    let Some((head, query)) = url.split_once('?') else { return (url.to_string(), None) };
    let mut root = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("sslrootcert=") {
            Some(path) => {
                root = Some(path.to_string());
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() { head.to_string() } else { format!("{head}?{}", kept.join("&")) };
    (url, root)
}

/// A TLS client that trusts the system's CA certificates and the PEM file `root_cert`.
fn tls(root_cert: Option<&str>) -> Result<MakeRustlsConnect, String> {
    let mut roots = rustls::RootCertStore::empty();
    // A system without a CA bundle still connects with sslrootcert alone.
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = root_cert {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<_, _>>())
            .map_err(|e| format!("sslrootcert {path}: {}", crate::tls::pem_error(e)))?;
        if certs.is_empty() {
            return Err(format!("sslrootcert {path}: no certificate in the file"));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| format!("sslrootcert {path}: {e}"))?;
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

impl Postgres {
    /// Connect to `url` and take the database: one line for the user when it cannot be had.
    pub fn connect(url: &str, sync: Sync) -> Result<Postgres, String> {
        let (url, root_cert) = take_root_cert(url);
        let mut config: Config = url
            .parse()
            .map_err(|e: postgres::Error| format!("not a PostgreSQL URL ({})", clean(&e.to_string(), None)))?;
        let password = config.get_password().map(|p| String::from_utf8_lossy(p).into_owned());
        let tls = match config.get_ssl_mode() {
            SslMode::Require => Some(tls(root_cert.as_deref())?),
            _ if root_cert.is_some() => {
                return Err("sslrootcert is given but TLS is not asked for: add sslmode=require".into());
            }
            _ => None,
        };
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("cloudtwin");
        }
        // A dead server or a cut network shows at the next commit, not hours later.
        config.keepalives_idle(Duration::from_secs(30));
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (ready_tx, ready) = mpsc::channel::<Result<(), String>>();
        std::thread::Builder::new()
            .name("cloudtwin-postgres".into())
            .spawn(move || {
                let client = match open(&config, tls, sync) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                let mut conn = Conn { client, write: None };
                for job in inbox {
                    job(&mut conn);
                }
            })
            .map_err(|e| format!("cannot start the store's thread: {e}"))?;
        ready
            .recv()
            .map_err(|_| "the store's thread stopped".to_string())?
            .map_err(|e| clean(&e, password.as_deref()))?;
        Ok(Postgres { jobs, password })
    }

    /// Run `f` on the connection's thread and wait for its answer.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |c| {
            let _ = tx.send(f(c));
        });
        self.jobs.send(job).map_err(|_| "the connection to PostgreSQL is gone".to_string())?;
        let got = rx.recv().map_err(|_| "the connection to PostgreSQL is gone".to_string())?;
        got.map_err(|e| clean(&e, self.password.as_deref()))
    }
}

/// Connect and take the database's lock (or say who holds it).
fn open(config: &Config, tls: Option<MakeRustlsConnect>, sync: Sync) -> Result<Client, String> {
    let connected = match tls {
        Some(tls) => config.connect(tls),
        None => config.connect(NoTls),
    };
    let mut client = connected.map_err(|e| format!("cannot connect: {}", db(e)))?;
    // A twin killed a moment ago may still hold the lock: its server process lets go once it
    // reads the closed socket, which takes a moment; so a few tries before refusing.
    let mut tries = 0;
    while !client.query_one("SELECT pg_try_advisory_lock($1)", &[&LOCK_KEY]).and_then(|r| r.try_get(0)).map_err(db)? {
        tries += 1;
        if tries < LOCK_TRIES {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        let owner = client
            .query_opt("SELECT host, pid, since FROM cloudtwin_owner WHERE id = 1", &[])
            .ok()
            .flatten()
            .and_then(|r| {
                let (host, pid, since) =
                    (r.try_get::<_, String>(0).ok()?, r.try_get::<_, i64>(1).ok()?, r.try_get::<_, String>(2).ok()?);
                Some(format!("host {host}, pid {pid}, since {since}"))
            })
            .unwrap_or_else(|| "it is still starting".into());
        return Err(format!(
            "another cloudtwin process holds this database ({owner}); stop it or give another database"
        ));
    }
    // The server keeps a commit however the twin dies; `full` also waits for the server's own
    // disk (the server's setting, normally on).
    if sync == Sync::Normal {
        client.batch_execute("SET synchronous_commit = off").map_err(db)?;
    }
    Ok(client)
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The columns of `rows`, with the last value of each key (a batch may hold a key twice, and
/// one upsert may not touch a row twice).
fn last_of_each(rows: &[Row]) -> (Vec<String>, Vec<String>, Vec<Option<String>>) {
    let mut at: HashMap<(&str, &str), usize> = HashMap::with_capacity(rows.len());
    let (mut paths, mut keys, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        match at.get(&(r.path.as_str(), r.key.as_str())) {
            Some(&i) => values[i] = r.value.clone(),
            None => {
                at.insert((&r.path, &r.key), paths.len());
                paths.push(r.path.clone());
                keys.push(r.key.clone());
                values.push(r.value.clone());
            }
        }
    }
    (paths, keys, values)
}

const UPSERT: &str = "INSERT INTO cloudtwin_rows(path, key, value) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) \
     ON CONFLICT (path, key) DO UPDATE SET value = excluded.value";
/// A group's rows and "now" row in one statement, so in one transaction of its own and one
/// round trip (the statement prepared once): data-modifying `WITH` parts all run, whatever
/// the main part reads. An empty array upserts nothing; a NULL "now" leaves the row.
const WRITE: &str = "WITH put AS (INSERT INTO cloudtwin_rows(path, key, value) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) \
     ON CONFLICT (path, key) DO UPDATE SET value = excluded.value) \
     INSERT INTO cloudtwin_meta(name, value) SELECT 'now', $4::text WHERE $4::text IS NOT NULL \
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";
const PUT_NOW: &str = "INSERT INTO cloudtwin_meta(name, value) VALUES ('now', $1) \
     ON CONFLICT (name) DO UPDATE SET value = excluded.value";

impl Engine for Postgres {
    fn write(&mut self, rows: &[Row], now: Option<&str>) -> Result<(), String> {
        // One statement for the whole group: a round trip per commit, not per row.
        let (paths, keys, values) = last_of_each(rows);
        let now = now.map(str::to_string);
        self.call(move |c| {
            let write = match &c.write {
                Some(write) => write.clone(),
                None => c.write.insert(c.client.prepare(WRITE).map_err(db)?).clone(),
            };
            c.client.execute(&write, &[&paths, &keys, &values, &now]).map(|_| ()).map_err(db)
        })
    }

    fn write_base(&mut self, doc: &[u8], tokens: &[Row], now: &str) -> Result<(), String> {
        let (paths, keys, values) = last_of_each(tokens);
        let (doc, now) = (doc.to_vec(), now.to_string());
        self.call(move |c| {
            let mut tx = c.client.transaction().map_err(db)?;
            tx.execute("DELETE FROM cloudtwin_rows WHERE path <> $1", &[&super::SNAPSHOTS_PATH]).map_err(db)?;
            tx.execute(
                "INSERT INTO cloudtwin_base(id, doc) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                &[&doc],
            )
            .map_err(db)?;
            if !paths.is_empty() {
                tx.execute(UPSERT, &[&paths, &keys, &values]).map_err(db)?;
            }
            tx.execute(PUT_NOW, &[&now]).map_err(db)?;
            tx.commit().map_err(db)
        })
    }

    fn load(&mut self) -> Result<Option<Loaded>, String> {
        self.call(|c| {
            let mut tx = c.client.transaction().map_err(db)?;
            let made: bool = tx
                .query_one("SELECT to_regclass('cloudtwin_meta') IS NOT NULL", &[])
                .and_then(|r| r.try_get(0))
                .map_err(|e| format!("cannot use it: {}", db(e)))?;
            let loaded = if !made {
                tx.batch_execute(
                    "CREATE TABLE cloudtwin_meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
                     CREATE TABLE cloudtwin_base(id INTEGER PRIMARY KEY CHECK (id = 1), doc BYTEA NOT NULL);
                     CREATE TABLE cloudtwin_rows(path TEXT NOT NULL, key TEXT NOT NULL, value TEXT, PRIMARY KEY (path, key));
                     CREATE TABLE cloudtwin_owner(id INTEGER PRIMARY KEY CHECK (id = 1), host TEXT NOT NULL, pid BIGINT NOT NULL, since TEXT NOT NULL);",
                )
                .map_err(|e| format!("cannot make the store's tables: {}", db(e)))?;
                tx.execute(
                    "INSERT INTO cloudtwin_meta(name, value) VALUES ('format', $1), ('version', $2)",
                    &[&FORMAT, &VERSION.to_string()],
                )
                .map_err(db)?;
                None
            } else {
                Some(read(&mut tx)?)
            };
            let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            tx.execute(
                "INSERT INTO cloudtwin_owner(id, host, pid, since) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, since = excluded.since",
                &[&this_host(), &i64::from(std::process::id()), &since],
            )
            .map_err(|e| format!("cannot use it: {}", db(e)))?;
            tx.commit().map_err(db)?;
            Ok(loaded)
        })
    }
}

/// What the database holds, its format and version checked.
fn read(tx: &mut postgres::Transaction<'_>) -> Result<Loaded, String> {
    let mut meta: HashMap<String, String> = HashMap::new();
    for r in tx.query("SELECT name, value FROM cloudtwin_meta", &[]).map_err(|_| FOREIGN.to_string())? {
        let name: String = r.try_get(0).map_err(|_| FOREIGN.to_string())?;
        let value: String = r.try_get(1).map_err(|_| FOREIGN.to_string())?;
        meta.insert(name, value);
    }
    check_format(meta.get("format").map(String::as_str), meta.get("version").map(String::as_str), FOREIGN)?;
    let corrupt =
        |what: String| format!("corrupt store ({what}); export what can be read and import it into a new database");
    let doc: Vec<u8> = tx
        .query_opt("SELECT doc FROM cloudtwin_base WHERE id = 1", &[])
        .map_err(|e| corrupt(db(e)))?
        .ok_or_else(|| corrupt("no base".into()))?
        .try_get(0)
        .map_err(|e| corrupt(db(e)))?;
    // The order SQLite reads them in (bytewise), whatever the database's collation.
    let rows = tx
        .query("SELECT path, key, value FROM cloudtwin_rows ORDER BY path COLLATE \"C\", key COLLATE \"C\"", &[])
        .map_err(|e| corrupt(db(e)))?
        .into_iter()
        .map(|r| Ok(Row { path: r.try_get(0)?, key: r.try_get(1)?, value: r.try_get(2)? }))
        .collect::<Result<Vec<Row>, postgres::Error>>()
        .map_err(|e| corrupt(db(e)))?;
    Ok(Loaded { doc, rows, now: meta.remove("now") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_taken_out_of_urls_and_messages() {
        assert_eq!(redact("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(
            redact("postgresql://u@h/db?password=secret&sslmode=disable"),
            "postgresql://u@h/db?password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(clean("bad secret\nDETAIL: secret again", Some("secret")), "bad ***; DETAIL: *** again");
    }

    #[test]
    fn a_batch_keeps_the_last_value_of_a_key() {
        let row = |k: &str, v: &str| Row { path: "[\"p\"]".into(), key: k.into(), value: Some(v.into()) };
        let (paths, keys, values) = last_of_each(&[row("a", "1"), row("b", "2"), row("a", "3")]);
        assert_eq!(paths.len(), 2);
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(values, [Some("3".to_string()), Some("2".to_string())]);
    }
}
