//! The control plane under `/_cloudtwin/`: health, reset, clock, timing, jobs, state and the
//! operation list. JSON in and out (the operation list is text, one `surface\tname` per line).

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::edge::App;
use crate::core::timing::TimingPolicy;

pub(crate) fn reply(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, serde_json::to_vec(&body).unwrap_or_default()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

pub(crate) fn ok(body: Value) -> Response {
    reply(StatusCode::OK, body)
}

pub(crate) fn bad(msg: impl Into<String>) -> Response {
    reply(StatusCode::BAD_REQUEST, json!({"error": msg.into()}))
}

pub(crate) fn parse(body: &[u8]) -> Result<Value, Box<Response>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    crate::core::limits::check_json(body).map_err(|e| Box::new(bad(e.to_string())))?;
    serde_json::from_slice(body).map_err(|e| Box::new(bad(format!("body is not JSON: {e}"))))
}

fn clock_view(app: &App) -> Value {
    json!({"now": app.twin.clock.now_secs(), "now_ms": app.twin.clock.now_ms(), "mode": app.twin.clock.mode()})
}

/// Bring the world up to the clock, so what the control plane shows is current.
fn catch_up(app: &App) {
    let now = app.twin.clock.now_ms();
    app.twin.state.lock().world.catch_up(&app.twin.cfg, now);
}

pub fn operations_text() -> String {
    let mut s = String::new();
    for (surface, name) in crate::operations() {
        s.push_str(surface);
        s.push('\t');
        s.push_str(name);
        s.push('\n');
    }
    s
}

pub fn handle(app: &App, method: &Method, path: &str, _query: &str, body: &[u8]) -> Response {
    let route = path.trim_end_matches('/');
    crate::core::record::note(|r| r.operation = route.trim_start_matches("/_cloudtwin/").to_string());
    match (method.as_str(), route) {
        ("GET", "/_cloudtwin/health") => ok(json!({"status": "ready", "version": env!("CARGO_PKG_VERSION")})),
        ("POST", "/_cloudtwin/reset") => {
            app.twin.reset();
            ok(json!({"reset": true}))
        }
        ("GET", "/_cloudtwin/clock") => ok(clock_view(app)),
        ("POST", "/_cloudtwin/clock") => set_clock(app, body),
        ("GET", "/_cloudtwin/timing") => ok(json!(app.twin.state.lock().world.timing)),
        ("POST", "/_cloudtwin/timing") => {
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
            app.twin.state.lock().world.timing = policy;
            ok(json!(policy))
        }
        ("GET", "/_cloudtwin/jobs") => {
            catch_up(app);
            ok(json!({"jobs": app.twin.state.lock().world.jobs}))
        }
        ("POST", "/_cloudtwin/jobs/complete") => {
            let v = match parse(body) {
                Ok(v) => v,
                Err(r) => return *r,
            };
            let target = match v.get("target") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return bad("target must be a resource id string"),
            };
            // `ids`: only these jobs (what one client started, e.g. a conformance scenario).
            let ids = match v.get("ids") {
                None | Some(Value::Null) => None,
                Some(Value::Array(a)) if a.len() <= 10_000 && a.iter().all(Value::is_u64) => {
                    Some(a.iter().filter_map(Value::as_u64).collect::<Vec<u64>>())
                }
                Some(_) => return bad("ids must be a list of at most 10000 job ids"),
            };
            let now = app.twin.clock.now_ms();
            let mut st = app.twin.state.lock();
            st.world.catch_up(&app.twin.cfg, now);
            let n = st.world.force_complete(&app.twin.cfg, now, &|j| {
                target.as_deref().is_none_or(|t| j.work.target() == t)
                    && ids.as_ref().is_none_or(|ids| ids.contains(&j.id))
            });
            ok(json!({"completed": n}))
        }
        ("GET", "/_cloudtwin/state") => {
            catch_up(app);
            let st = app.twin.state.lock();
            ok(json!({"clock": clock_view(app), "world": st.world}))
        }
        ("POST", "/_cloudtwin/tencent/auto-snapshot-policy-retention") => set_policy_retention(app, body),
        (_, r) if r.starts_with("/_cloudtwin/huawei/") => crate::huawei::control::handle(app, method, r, body),
        ("GET", "/_cloudtwin/operations") => {
            let mut resp = (StatusCode::OK, operations_text()).into_response();
            resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
            resp
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
            ]
            .contains(&r) =>
        {
            reply(StatusCode::METHOD_NOT_ALLOWED, json!({"error": format!("{method} is not allowed on {r}")}))
        }
        _ => reply(StatusCode::NOT_FOUND, json!({"error": format!("no control endpoint at {path}")})),
    }
}

/// The console-only retention of a scheduled snapshot policy: `{"Account": "default", "Region":
/// "ap-guangzhou", "AutoSnapshotPolicyId": "asp-…", "RetentionMonths": N, "RetentionAmount": N,
/// "AdvancedRetentionPolicy": {"Days": d, "Weeks": w, "Months": m, "Years": y} | null}`.
fn set_policy_retention(app: &App, body: &[u8]) -> Response {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let text = |k: &str, default: &str| v.get(k).and_then(Value::as_str).unwrap_or(default).to_string();
    let account = text("Account", app.twin.cfg.accounts.first().map_or("default", |a| a.name.as_str()));
    let region = text("Region", &app.twin.cfg.tencent.default_region);
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
    let mut st = app.twin.state.lock();
    match crate::tencent::policies::set_retention(
        &mut st.world,
        &account,
        &region,
        id,
        int("RetentionMonths"),
        int("RetentionAmount"),
        advanced,
    ) {
        Ok(()) => ok(json!({"updated": id})),
        Err(e) if e.starts_with("no policy") => reply(StatusCode::NOT_FOUND, json!({"error": e})),
        Err(e) => bad(e),
    }
}

/// The longest one move of the clock may jump ahead: five years. The twin replays every policy
/// run in between under the lock (a year of one hourly policy is 8,760 runs; docs/soak.md), so
/// a longer jump is made of several calls, and other requests are served between them.
pub const MAX_ADVANCE_SECS: i64 = 5 * 365 * 86_400;

fn set_clock(app: &App, body: &[u8]) -> Response {
    let v = match parse(body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let clock = &app.twin.clock;
    match (v.get("set"), v.get("advance"), v.get("mode")) {
        (Some(s), None, None) => match s.as_i64() {
            Some(t) if (0..=253_402_300_799).contains(&t) => {
                // A set far ahead is a jump like an advance, unless no policy would run in
                // between (replaying a capture at its signing time sets the clock by decades).
                if t - clock.now_secs() > MAX_ADVANCE_SECS && app.twin.state.lock().world.jobs.has_recurring() {
                    return bad(format!(
                        "set is at most {MAX_ADVANCE_SECS} seconds (five years) ahead of the twin's clock while a \
                         scheduled policy is active; move the clock in several steps"
                    ));
                }
                clock.set(t)
            }
            _ => return bad("set takes a unix time in seconds (0 to year 9999)"),
        },
        (None, Some(a), None) => match a.as_f64() {
            Some(secs) if secs.is_finite() && (0.0..=MAX_ADVANCE_SECS as f64).contains(&secs) => {
                clock.advance_ms((secs * 1000.0).round() as i64)
            }
            _ => {
                return bad(format!(
                    "advance takes a number of seconds from 0 to {MAX_ADVANCE_SECS} (five years); advance in \
                     several steps to go further"
                ))
            }
        },
        (None, None, Some(m)) if m == "real" => {
            let ahead = chrono::Utc::now().timestamp() - clock.now_secs();
            if ahead > MAX_ADVANCE_SECS && app.twin.state.lock().world.jobs.has_recurring() {
                return bad(format!(
                    "the real time is more than {MAX_ADVANCE_SECS} seconds (five years) ahead of the twin's clock \
                     and a scheduled policy is active; advance in several steps first"
                ));
            }
            clock.set_real()
        }
        _ => return bad("send exactly one of {\"set\": unix_seconds}, {\"advance\": seconds} or {\"mode\": \"real\"}"),
    }
    catch_up(app);
    ok(clock_view(app))
}
