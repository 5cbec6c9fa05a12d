//! The world as one versioned document, and named snapshots of it:
//!
//! - `GET /_cloudtwin/state` exports: the format and its version, the clock, the id generator's
//!   position and the world (every surface, the jobs and the sequence, the timing policy). Never
//!   a secret: IAM tokens are left out (clients sign in again after an import).
//! - `POST /_cloudtwin/state` imports such a document in place of the running world, after
//!   checking all of it: a bad document is a 400 with the path and the reason, and the running
//!   world is left as it was. `serve --import FILE` starts from one.
//! - `/_cloudtwin/snapshots` saves the state under a name and restores it (a suite prepares a
//!   world once and restores it before each test).

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::reply::{bad, ok, reply};
use crate::core::clock::ClockMode;
use crate::core::http::Answer;
use crate::core::ids::IdGen;
use crate::core::limits::{check_json_with, Bounds, BOUNDS};
use crate::twin::Saved;
use crate::world::{State, Twin, World};

/// What an export says it is; an import of anything else is refused.
pub const FORMAT: &str = "cloudtwin-state";
/// The document's version: a change to the model that an older twin could not read raises it.
pub const VERSION: u32 = 1;
/// Largest document `POST /_cloudtwin/state` takes (a bigger world: `serve --import FILE`).
pub const IMPORT_BYTES: usize = 64 * 1024 * 1024;
/// Largest file `serve --import` reads.
pub const IMPORT_FILE_BYTES: u64 = 1024 * 1024 * 1024;
/// Snapshots kept at once, and how a name looks.
pub const MAX_SNAPSHOTS: usize = 64;
const MAX_NAME: usize = 64;

/// The clock as exported (`now` in seconds is for people; `now_ms` and `mode` are read back).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockDoc {
    #[serde(default)]
    now: Option<i64>,
    now_ms: i64,
    mode: ClockMode,
}

#[derive(Serialize)]
struct DocOut<'a> {
    format: &'static str,
    version: u32,
    clock: ClockDoc,
    ids: &'a IdGen,
    world: &'a World,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DocIn {
    format: String,
    version: u32,
    clock: ClockDoc,
    ids: IdGen,
    world: World,
}

/// A document that passed every check, ready to replace the world.
pub struct Import {
    state: State,
    clock: ClockDoc,
}

/// Why a document was refused: where in it, and what is wrong.
#[derive(Debug)]
pub struct Refusal {
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "at `{}`: {}", self.path, self.reason)
        }
    }
}

fn refuse(path: impl Into<String>, reason: impl Into<String>) -> Refusal {
    Refusal { path: path.into(), reason: reason.into() }
}

/// The export document of the twin as it is now (caught up to the clock).
pub fn export(twin: &Twin) -> Value {
    twin.change(|st| Ok::<_, ()>(serde_json::to_value(document(st, &twin.clock)).unwrap_or(Value::Null)))
        .unwrap_or(Value::Null)
}

/// The export document of `st` with the clock where it stands (also the durable store's base).
pub fn document<'a>(st: &'a State, clock: &crate::core::clock::Clock) -> impl Serialize + 'a {
    let clock = ClockDoc { now: Some(clock.now_secs()), now_ms: clock.now_ms(), mode: clock.mode() };
    DocOut { format: FORMAT, version: VERSION, clock, ids: &st.ids, world: &st.world }
}

/// Check a whole document; nothing is changed.
pub fn check(bytes: &[u8]) -> Result<Import, Refusal> {
    // Depth and string sizes as for any request; a world has as many items as it has.
    let bounds = Bounds { params: usize::MAX, items: usize::MAX, ..BOUNDS };
    check_json_with(bytes, &bounds).map_err(|e| refuse("", e.to_string()))?;
    let value: Value = serde_json::from_slice(bytes).map_err(|e| refuse("", format!("not JSON: {e}")))?;
    match value.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(other) => return Err(refuse("format", format!("expected \"{FORMAT}\", found {other}"))),
        None => return Err(refuse("format", "missing: not a cloudtwin export (GET /_cloudtwin/state makes one)")),
    }
    match value.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(refuse(
                "version",
                format!("version {v} is not the version this twin reads ({VERSION}); export it again from a twin of that version"),
            ))
        }
        None => return Err(refuse("version", "missing or not a number")),
    }
    let doc: DocIn =
        serde_path_to_error::deserialize(&value).map_err(|e| refuse(e.path().to_string(), e.inner().to_string()))?;
    let _ = (&doc.format, doc.version);
    // The model ignores keys it does not know; an import does not: a misspelt key would
    // otherwise vanish without a word. What the world writes back must cover what was sent.
    let back = serde_json::to_value(&doc.world).map_err(|e| refuse("world", e.to_string()))?;
    if let Some(path) = unknown_key(&value["world"], &back, "world") {
        return Err(refuse(path, "no such field in this version of the document"));
    }
    if doc.clock.mode == ClockMode::Manual && !(0..=253_402_300_799_000).contains(&doc.clock.now_ms) {
        return Err(refuse("clock.now_ms", "out of range (the year 1970 to 9999)"));
    }
    doc.world.timing.validate().map_err(|e| refuse("world.timing", e))?;
    Ok(Import { state: State::new(doc.world, doc.ids), clock: doc.clock })
}

impl Import {
    /// The state, the clock's mode and its time (loading the durable store).
    pub fn into_parts(self) -> (State, ClockMode, i64) {
        (self.state, self.clock.mode, self.clock.now_ms)
    }
}

/// A document this twin wrote itself (the durable store's base): read straight into the model,
/// without the checks meant for documents from elsewhere (a restart stays fast on a big world).
pub fn check_own(bytes: &[u8]) -> Result<Import, Refusal> {
    // Straight into the model; only a base that fails is read again to say where (tracking
    // the path of every value would cost a restart a good part of its time).
    let doc: DocIn = match serde_json::from_slice(bytes) {
        Ok(doc) => doc,
        Err(_) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            return Err(match serde_path_to_error::deserialize::<_, DocIn>(&mut de) {
                Ok(_) => refuse("", "unreadable"),
                Err(e) => refuse(e.path().to_string(), e.inner().to_string()),
            });
        }
    };
    if doc.format != FORMAT || doc.version != VERSION {
        return Err(refuse("version", format!("{} {} is not {FORMAT} {VERSION}", doc.format, doc.version)));
    }
    doc.world.timing.validate().map_err(|e| refuse("world.timing", e))?;
    Ok(Import { state: State::new(doc.world, doc.ids), clock: doc.clock })
}

/// The first key of `sent` (by path) that `kept` does not have.
fn unknown_key(sent: &Value, kept: &Value, path: &str) -> Option<String> {
    match (sent, kept) {
        (Value::Object(s), Value::Object(k)) => s.iter().find_map(|(key, v)| {
            let here = format!("{path}.{key}");
            match k.get(key) {
                None => Some(here),
                Some(kv) => unknown_key(v, kv, &here),
            }
        }),
        (Value::Array(s), Value::Array(k)) => {
            s.iter().zip(k).enumerate().find_map(|(i, (a, b))| unknown_key(a, b, &format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// Replace the running state with a checked document (the clock follows it when it was manual).
pub fn apply(twin: &Twin, import: Import) {
    let Import { mut state, clock } = import;
    if clock.mode == ClockMode::Manual {
        twin.clock.set_ms(clock.now_ms);
    }
    let _ = twin.change(|st| {
        // Tokens are credentials and never exported: the ones issued by this twin stay valid.
        // Fault rules are the tester's, not the world's: they stay too.
        std::mem::swap(&mut state.world.huawei_tokens, &mut st.world.huawei_tokens);
        st.replace(state);
        Ok::<_, ()>(())
    });
}

/// `POST /_cloudtwin/state`.
pub fn import(twin: &Twin, body: &[u8]) -> Answer {
    match check(body) {
        Ok(import) => {
            apply(twin, import);
            ok(json!({"imported": true}))
        }
        Err(r) => reply(StatusCode::BAD_REQUEST, json!({"error": r.to_string(), "path": r.path, "reason": r.reason})),
    }
}

/// `serve --import FILE`: the document, checked, or one line that says what is wrong.
pub fn read_file(path: &std::path::Path) -> Result<Import, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("--import {shown}: {e}"))?;
    if meta.len() > IMPORT_FILE_BYTES {
        return Err(format!("--import {shown}: larger than {IMPORT_FILE_BYTES} bytes"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("--import {shown}: {e}"))?;
    check(&bytes).map_err(|r| format!("--import {shown}: {r}"))
}

// ---------------------------------------------------------------------------- snapshots

/// `/_cloudtwin/snapshots[/NAME[/restore]]`.
pub fn snapshots(twin: &Twin, method: &Method, rest: &str, body: &[u8]) -> Answer {
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", []) => ok(json!({"snapshots": listing(&twin.snapshots.lock())})),
        ("POST", []) => save(twin, body),
        ("POST", [name, "restore"]) => restore(twin, name),
        ("DELETE", [name]) => delete(twin, name),
        ("GET", [name]) => match twin.snapshots.lock().get(*name) {
            Some(s) => ok(entry(name, s)),
            None => not_found(name),
        },
        _ => reply(
            StatusCode::NOT_FOUND,
            json!({"error": "snapshots: GET or POST /_cloudtwin/snapshots, GET or DELETE /_cloudtwin/snapshots/NAME, POST /_cloudtwin/snapshots/NAME/restore"}),
        ),
    }
}

fn not_found(name: &str) -> Answer {
    reply(StatusCode::NOT_FOUND, json!({"error": format!("no snapshot named `{name}`")}))
}

fn listing(saved: &BTreeMap<String, Saved<State>>) -> Vec<Value> {
    saved.iter().map(|(name, s)| entry(name, s)).collect()
}

fn entry(name: &str, s: &Saved<State>) -> Value {
    json!({
        "name": name,
        "saved_at": crate::core::clock::iso8601_utc(s.saved_at_ms),
        "clock_ms": s.manual_ms,
        "resources": resources(&s.state.world),
        "jobs": s.state.world.books.jobs.len(),
    })
}

/// How many resources a world holds, all surfaces together (for the listing).
pub fn resources(w: &World) -> usize {
    let tc: usize = w.tencent.values().flat_map(|a| a.values()).map(|r| r.disks.len() + r.snapshots.len()).sum();
    let hw: usize = w.huawei.values().map(|p| p.vaults.len() + p.backups.len() + p.policies.len()).sum();
    let ucs: usize = w.ucloudstack.values().flat_map(|a| a.values()).map(|r| r.snapshots.len()).sum();
    tc + hw + ucs
}

fn save(twin: &Twin, body: &[u8]) -> Answer {
    let v = match super::reply::parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let name = match v.get("name") {
        Some(Value::String(n)) if valid_name(n) => n.clone(),
        _ => return bad(format!("name: 1 to {MAX_NAME} letters, digits, `.`, `_` or `-`")),
    };
    if let Some(key) = v.as_object().and_then(|o| o.keys().find(|k| *k != "name")) {
        return bad(format!("{key}: unknown field (a snapshot takes only `name`)"));
    }
    let manual_ms = (twin.clock.mode() == ClockMode::Manual).then(|| twin.clock.now_ms());
    let Ok(state) = twin.change(|st| Ok::<_, ()>(st.clone())) else { return bad("the state could not be read") };
    let saved = Saved { state, manual_ms, saved_at_ms: chrono::Utc::now().timestamp_millis() };
    let mut all = twin.snapshots.lock();
    if !all.contains_key(&name) && all.len() >= MAX_SNAPSHOTS {
        return reply(
            StatusCode::CONFLICT,
            json!({"error": format!("{MAX_SNAPSHOTS} snapshots are kept at most; delete one first")}),
        );
    }
    if let Err(reason) = keep(twin, &name, Some(&saved)) {
        return internal(reason);
    }
    let answer = entry(&name, &saved);
    all.insert(name, saved);
    ok(answer)
}

fn delete(twin: &Twin, name: &str) -> Answer {
    let mut all = twin.snapshots.lock();
    if !all.contains_key(name) {
        return not_found(name);
    }
    if let Err(reason) = keep(twin, name, None) {
        return internal(reason);
    }
    all.remove(name);
    ok(json!({"deleted": name}))
}

fn internal(reason: String) -> Answer {
    reply(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": reason}))
}

/// A named snapshot as the durable store keeps it beside the world.
#[derive(Serialize)]
struct SnapshotOut<'a> {
    saved_at_ms: i64,
    manual_ms: Option<i64>,
    ids: &'a crate::core::ids::IdGen,
    world: &'a World,
}

#[derive(Deserialize)]
struct SnapshotIn {
    saved_at_ms: i64,
    manual_ms: Option<i64>,
    ids: crate::core::ids::IdGen,
    world: World,
}

/// Make the save (`Some`) or the removal (`None`) of snapshot `name` durable when the twin
/// has a store; it is answered once it is.
fn keep(twin: &Twin, name: &str, saved: Option<&Saved<State>>) -> Result<(), String> {
    let doc = match saved {
        Some(s) => Some(
            serde_json::to_string(&SnapshotOut {
                saved_at_ms: s.saved_at_ms,
                manual_ms: s.manual_ms,
                ids: &s.state.ids,
                world: &s.state.world,
            })
            .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let Some(durable) = twin.state.lock().durable.clone() else { return Ok(()) };
    let ticket = durable.lock().keep_snapshot(name, doc)?;
    ticket.map_or(Ok(()), crate::world::Ticket::wait)
}

/// A snapshot the durable store kept (`keep`), read back at start.
pub fn saved_of(text: &str) -> Result<Saved<State>, String> {
    let s: SnapshotIn = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(Saved { state: State::new(s.world, s.ids), manual_ms: s.manual_ms, saved_at_ms: s.saved_at_ms })
}

fn restore(twin: &Twin, name: &str) -> Answer {
    let Some(saved) = twin.snapshots.lock().get(name).cloned() else { return not_found(name) };
    if let Some(ms) = saved.manual_ms {
        twin.clock.set_ms(ms);
    }
    let _ = twin.change(|st| {
        st.replace(saved.state);
        Ok::<_, ()>(())
    });
    ok(json!({"restored": name}))
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= MAX_NAME && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}
