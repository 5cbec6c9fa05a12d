//! The control plane under `/_cloudtwin/`: health, reset, clock, timing, jobs, state, the
//! operation list, the request journal (requests.rs) and fault rules (faults.rs). JSON in and out (the operation list is text, one `surface\tname` per line).

mod faults;
mod huawei;
mod reply;
pub mod requests;
pub mod state;
pub mod ui;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::core::http::Answer;
use crate::core::queue::JobWork;
use reply::{bad, ok, parse, reply};

use crate::core::timing::TimingPolicy;
use crate::world::Twin;

fn clock_view(twin: &Twin) -> Value {
    json!({"now": twin.clock.now_secs(), "now_ms": twin.clock.now_ms(), "mode": twin.clock.mode()})
}

/// Read the state caught up to the clock, so what the control plane shows is current.
fn view(twin: &Twin, read: impl FnOnce(&crate::world::State) -> Value) -> Value {
    twin.change(|st| Ok::<_, ()>(read(st))).unwrap_or(Value::Null)
}

/// Every implemented operation as (surface, name), surfaces named as the catalog files are.
pub fn operations() -> Vec<(&'static str, &'static str)> {
    let mut ops: Vec<(&'static str, &'static str)> =
        crate::tencent::actions::ACTIONS.iter().map(|a| ("tencent-cbs", a.name)).collect();
    ops.extend(crate::huawei::routes::OPERATIONS.iter().map(|o| ("huawei-cbr", o.name)));
    ops.extend(crate::gateway::endpoints::ENDPOINTS.iter().map(|e| ("gateway", e.name)));
    ops.extend(crate::ucloudstack::actions::ACTIONS.iter().filter(|a| a.in_catalog).map(|a| ("ucloudstack", a.name)));
    ops
}

pub fn operations_text() -> String {
    let mut s = String::new();
    for (surface, name) in operations() {
        s.push_str(surface);
        s.push('\t');
        s.push_str(name);
        s.push('\n');
    }
    s
}

pub fn handle(twin: &Twin, method: &Method, path: &str, query: &str, body: &[u8]) -> Answer {
    // With a durable store whose commit failed, the twin is read-only until a restart.
    let writes = method != Method::GET;
    if writes {
        if let Some(reason) = twin.state.lock().degraded() {
            return reply(StatusCode::SERVICE_UNAVAILABLE, json!({"error": reason, "status": "degraded"}));
        }
    }
    let answer = dispatch(twin, method, path, query, body);
    if writes {
        if let Some(reason) = twin.state.lock().degraded() {
            return reply(StatusCode::INTERNAL_SERVER_ERROR, json!({"error": reason, "status": "degraded"}));
        }
    }
    answer
}

fn health(twin: &Twin) -> Answer {
    match twin.state.lock().degraded() {
        Some(reason) => ok(json!({"status": "degraded", "reason": reason, "version": env!("CARGO_PKG_VERSION")})),
        None => ok(json!({"status": "ready", "version": env!("CARGO_PKG_VERSION")})),
    }
}

fn dispatch(twin: &Twin, method: &Method, path: &str, query: &str, body: &[u8]) -> Answer {
    let route = path.trim_end_matches('/');
    crate::core::record::note(|r| r.operation = route.trim_start_matches("/_cloudtwin/").into());
    // The console keeps its trailing slash (`/ui` redirects to `/ui/`, its relative links need it).
    if route == ui::PREFIX || route.starts_with("/_cloudtwin/ui/") {
        return ui::handle(twin, method, path, body);
    }
    match (method.as_str(), route) {
        ("GET", "/_cloudtwin/health") => health(twin),
        ("POST", "/_cloudtwin/reset") => {
            twin.reset();
            ok(json!({"reset": true}))
        }
        ("GET", "/_cloudtwin/clock") => ok(clock_view(twin)),
        ("POST", "/_cloudtwin/clock") => set_clock(twin, body),
        ("GET", "/_cloudtwin/timing") => ok(json!(twin.state.lock().world.timing)),
        ("POST", "/_cloudtwin/timing") => set_timing(twin, body),
        ("GET", "/_cloudtwin/jobs") => ok(view(twin, |st| json!({"jobs": st.world.books.jobs}))),
        ("POST", "/_cloudtwin/jobs/complete") => complete_jobs(twin, body),
        ("GET", "/_cloudtwin/state") => ok(state::export(twin)),
        ("POST", "/_cloudtwin/state") => state::import(twin, body),
        (_, r) if r == "/_cloudtwin/snapshots" || r.starts_with("/_cloudtwin/snapshots/") => {
            state::snapshots(twin, method, &r["/_cloudtwin/snapshots".len()..], body)
        }
        ("POST", "/_cloudtwin/tencent/auto-snapshot-policy-retention") => set_policy_retention(twin, body),
        ("GET", "/_cloudtwin/requests") => requests::handle(twin, query),
        (_, r) if r == "/_cloudtwin/faults" || r.starts_with("/_cloudtwin/faults/") => {
            faults::handle(twin, method, r, body)
        }
        (_, r) if r.starts_with("/_cloudtwin/huawei/") => huawei::handle(twin, method, r, body),
        ("GET", "/_cloudtwin/operations") => {
            let text = operations_text().into_bytes();
            Answer::with_type(200, "text/plain; charset=utf-8", text)
        }
        (_, r)
            if [
                "/_cloudtwin/health",
                "/_cloudtwin/reset",
                "/_cloudtwin/clock",
                "/_cloudtwin/timing",
                "/_cloudtwin/jobs",
                "/_cloudtwin/jobs/complete",
                "/_cloudtwin/state",
                "/_cloudtwin/operations",
                "/_cloudtwin/requests",
            ]
            .contains(&r) =>
        {
            reply(StatusCode::METHOD_NOT_ALLOWED, json!({"error": format!("{method} is not allowed on {r}")}))
        }
        _ => reply(StatusCode::NOT_FOUND, json!({"error": format!("no control endpoint at {path}")})),
    }
}

/// A new timing policy: `{"policy": "realistic"|"immediate"|"duration"|"reads"|"manual", ...}`.
fn set_timing(twin: &Twin, body: &[u8]) -> Answer {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let policy: TimingPolicy = match serde_json::from_value(v) {
        Ok(p) => p,
        Err(e) => {
            return bad(format!(
                "{e}; expected {{\"policy\": \"realistic\"|\"immediate\"|\"duration\"|\"reads\"|\"manual\", ...}}"
            ))
        }
    };
    if let Err(e) = policy.validate() {
        return bad(e);
    }
    let _ = twin.change(|st| {
        st.world.timing = policy;
        Ok::<_, ()>(())
    });
    ok(json!(policy))
}

/// Finish pending jobs now: all of them, or those of one `target` resource, or only the job
/// `ids` named (what one client started, e.g. a conformance scenario).
fn complete_jobs(twin: &Twin, body: &[u8]) -> Answer {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let target = match v.get("target") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return bad("target must be a resource id string"),
    };
    let ids = match v.get("ids") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) if a.len() <= 10_000 && a.iter().all(Value::is_u64) => {
            Some(a.iter().filter_map(Value::as_u64).collect::<Vec<u64>>())
        }
        Some(_) => return bad("ids must be a list of at most 10000 job ids"),
    };
    let now = twin.clock.now_ms();
    let n = twin.change(|st| {
        Ok::<_, ()>(st.world.force_complete(&twin.cfg, now, &|j| {
            target.as_deref().is_none_or(|t| j.work.target() == t) && ids.as_ref().is_none_or(|ids| ids.contains(&j.id))
        }))
    });
    ok(json!({"completed": n.unwrap_or(0)}))
}

/// The console-only retention of a scheduled snapshot policy: `{"Account": "default", "Region":
/// "ap-guangzhou", "AutoSnapshotPolicyId": "asp-…", "RetentionMonths": N, "RetentionAmount": N,
/// "AdvancedRetentionPolicy": {"Days": d, "Weeks": w, "Months": m, "Years": y} | null}`.
fn set_policy_retention(twin: &Twin, body: &[u8]) -> Answer {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let text = |k: &str, default: &str| v.get(k).and_then(Value::as_str).unwrap_or(default).to_string();
    let account = text("Account", twin.cfg.accounts.first().map_or("default", |a| a.name.as_str()));
    let region = text("Region", &twin.cfg.tencent.default_region);
    let Some(id) = v.get("AutoSnapshotPolicyId").and_then(Value::as_str) else {
        return bad("AutoSnapshotPolicyId is required");
    };
    let int = |k: &str| v.get(k).and_then(Value::as_i64);
    let advanced = match v.get("AdvancedRetentionPolicy") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(a) => match serde_json::from_value(a.clone()) {
            Ok(a) => Some(Some(a)),
            Err(e) => return bad(format!("AdvancedRetentionPolicy: {e}")),
        },
    };
    let changed = twin.change(|st| {
        crate::tencent::policies::set_retention(
            &mut st.world.tencent_part(),
            &account,
            &region,
            id,
            int("RetentionMonths"),
            int("RetentionAmount"),
            advanced,
        )
    });
    match changed {
        Ok(()) => ok(json!({"updated": id})),
        Err(e) if e.starts_with("no policy") => reply(StatusCode::NOT_FOUND, json!({"error": e})),
        Err(e) => bad(e),
    }
}

/// The longest one move of the clock may jump ahead: five years. The twin replays every policy
/// run in between under the lock (a year of one hourly policy is 8,760 runs; docs/soak.md), so
/// a longer jump is made of several calls, and other requests are served between them.
pub const MAX_ADVANCE_SECS: i64 = 5 * 365 * 86_400;

/// How the clock is to move, checked before it moves.
enum Move {
    Set(i64),
    Advance(i64),
    Real,
}

fn set_clock(twin: &Twin, body: &[u8]) -> Answer {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let clock = &twin.clock;
    let mv = match (v.get("set"), v.get("advance"), v.get("mode")) {
        (Some(s), None, None) => match s.as_i64() {
            Some(t) if (0..=253_402_300_799).contains(&t) => Move::Set(t),
            _ => return bad("set takes a unix time in seconds (0 to year 9999)"),
        },
        (None, Some(a), None) => match a.as_f64() {
            Some(secs) if secs.is_finite() && (0.0..=MAX_ADVANCE_SECS as f64).contains(&secs) => {
                Move::Advance((secs * 1000.0).round() as i64)
            }
            _ => {
                return bad(format!(
                    "advance takes a number of seconds from 0 to {MAX_ADVANCE_SECS} (five years); advance in \
                     several steps to go further"
                ))
            }
        },
        (None, None, Some(m)) if m == "real" => Move::Real,
        _ => return bad("send exactly one of {\"set\": unix_seconds}, {\"advance\": seconds} or {\"mode\": \"real\"}"),
    };
    // A set far ahead is a jump like an advance, unless no policy would run in between
    // (replaying a capture at its signing time sets the clock by decades).
    let moved = twin.change(|st| {
        let recurring = || st.world.books.jobs.has_recurring();
        match mv {
            Move::Set(t) if t - clock.now_secs() > MAX_ADVANCE_SECS && recurring() => Err(bad(format!(
                "set is at most {MAX_ADVANCE_SECS} seconds (five years) ahead of the twin's clock while a \
                 scheduled policy is active; move the clock in several steps"
            ))),
            Move::Real if chrono::Utc::now().timestamp() - clock.now_secs() > MAX_ADVANCE_SECS && recurring() => {
                Err(bad(format!(
                    "the real time is more than {MAX_ADVANCE_SECS} seconds (five years) ahead of the twin's clock \
                     and a scheduled policy is active; advance in several steps first"
                )))
            }
            Move::Set(t) => {
                clock.set(t);
                Ok(())
            }
            Move::Advance(ms) => {
                clock.advance_ms(ms);
                Ok(())
            }
            Move::Real => {
                clock.set_real();
                Ok(())
            }
        }
    });
    match moved {
        Ok(()) => ok(clock_view(twin)),
        Err(refused) => refused,
    }
}
