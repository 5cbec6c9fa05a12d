//! `/_cloudtwin/faults`: fault rules for every surface (docs/control-plane.md, "Fault
//! injection"). A rule is checked here against the surface's own tables — its operations and
//! its documented error codes — before it reaches core/fault.rs, so a rule that could never do
//! what it says is refused with the field and the reason, and no rule is added.

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::reply::{parse, reply};
use crate::core::fault::{glob, Effect, Rule};
use crate::core::http::Answer;
use crate::world::Twin;

const SURFACES: &[&str] = &["tencent-cbs", "huawei-cbr", "gateway", "ucloudstack"];
const FIELDS: &[&str] =
    &["surface", "operation", "account", "region", "resource", "effect", "times", "every", "probability", "seed"];
const MAX_LATENCY_MS: u64 = 60_000;
const MAX_COUNT: u64 = 1_000_000;

/// A refusal: which field, and why.
struct Bad(&'static str, String);

fn refuse(Bad(field, why): Bad) -> Answer {
    reply(StatusCode::BAD_REQUEST, json!({"error": format!("{field}: {why}"), "field": field}))
}

pub(super) fn handle(twin: &Twin, method: &Method, route: &str, body: &[u8]) -> Answer {
    let listing = |st: &crate::world::State| json!({"rules": st.faults.rules()});
    match (method.as_str(), route.strip_prefix("/_cloudtwin/faults").unwrap_or(route)) {
        ("GET", "") => reply(StatusCode::OK, listing(&twin.state.lock())),
        ("DELETE", "") => {
            let _ = twin.change(|st| {
                st.faults.clear();
                Ok::<_, ()>(())
            });
            reply(StatusCode::OK, json!({"rules": []}))
        }
        ("POST", "") => add(twin, body),
        ("DELETE", id) => {
            let Some(id) = id.strip_prefix('/').and_then(|s| s.parse::<u64>().ok()) else {
                return reply(StatusCode::NOT_FOUND, json!({"error": format!("no fault rule at {route}")}));
            };
            let removed = twin.change(|st| Ok::<_, ()>(st.faults.remove(id))).unwrap_or(false);
            if removed {
                reply(StatusCode::OK, json!({"deleted": id}))
            } else {
                reply(StatusCode::NOT_FOUND, json!({"error": format!("no fault rule {id}")}))
            }
        }
        ("GET" | "POST", _) | (_, "") => {
            reply(StatusCode::METHOD_NOT_ALLOWED, json!({"error": format!("{method} is not allowed on {route}")}))
        }
        _ => reply(StatusCode::NOT_FOUND, json!({"error": format!("no control endpoint {method} {route}")})),
    }
}

fn add(twin: &Twin, body: &[u8]) -> Answer {
    let Ok(v) = parse(body) else {
        return refuse(Bad(
            "body",
            "a JSON object is expected (this body is not JSON, or too deep or too large)".into(),
        ));
    };
    let rule = match check(twin, &v) {
        Ok(r) => r,
        Err(b) => return refuse(b),
    };
    match twin.change(|st| st.faults.add(rule)) {
        Ok(rule) => reply(StatusCode::OK, json!(rule)),
        Err(e) => reply(StatusCode::BAD_REQUEST, json!({"error": e, "field": "rules"})),
    }
}

/// The rule a body asks for, checked field by field.
fn check(twin: &Twin, v: &Value) -> Result<Rule, Bad> {
    let Value::Object(obj) = v else { return Err(Bad("body", "a JSON object is expected".into())) };
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Bad("body", format!("unknown field `{k}` (known: {})", FIELDS.join(", "))));
    }
    let surface = text(obj, "surface")?.ok_or_else(|| Bad("surface", "required".into()))?;
    if !SURFACES.contains(&surface.as_str()) {
        return Err(Bad("surface", format!("`{surface}` is not one of {}", SURFACES.join(", "))));
    }
    let operation = text(obj, "operation")?.ok_or_else(|| Bad("operation", "required".into()))?;
    let ops: Vec<&str> = super::operations().into_iter().filter(|(s, _)| *s == surface).map(|(_, n)| n).collect();
    if operation.len() > 128 || !ops.iter().any(|o| glob(&operation, o)) {
        return Err(Bad(
            "operation",
            format!("`{operation}` names no {surface} operation (see GET /_cloudtwin/operations)"),
        ));
    }
    let account = text(obj, "account")?;
    if let Some(a) = &account {
        if !twin.cfg.accounts.iter().any(|x| x.name == *a) {
            return Err(Bad("account", format!("`{a}` is not a configured account")));
        }
    }
    let region = text(obj, "region")?;
    let resource = text(obj, "resource")?;
    if resource.as_deref().is_some_and(|r| r.len() > 256) {
        return Err(Bad("resource", "at most 256 characters".into()));
    }
    let effect = effect(&surface, obj.get("effect"))?;
    let times = count(obj, "times")?;
    let every = count(obj, "every")?;
    let probability = match obj.get("probability") {
        None | Some(Value::Null) => None,
        Some(p) => match p.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Some(p),
            _ => return Err(Bad("probability", "a number from 0 to 1".into())),
        },
    };
    let seed = match obj.get("seed") {
        None | Some(Value::Null) => None,
        Some(s) => Some(s.as_u64().ok_or_else(|| Bad("seed", "an integer >= 0".into()))?),
    };
    if every.is_some() && probability.is_some() {
        return Err(Bad("every", "give either every or probability, not both".into()));
    }
    if seed.is_some() && probability.is_none() {
        return Err(Bad("seed", "only with probability".into()));
    }
    Ok(Rule {
        id: 0,
        surface,
        operation,
        account,
        region,
        resource,
        effect,
        times,
        every,
        probability,
        seed,
        matches: 0,
        hits: 0,
        spent: false,
    })
}

fn text(obj: &Map<String, Value>, field: &'static str) -> Result<Option<String>, Bad> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(Bad(field, "a non-empty string".into())),
    }
}

fn count(obj: &Map<String, Value>, field: &'static str) -> Result<Option<u64>, Bad> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(n) => match n.as_u64() {
            Some(n @ 1..=MAX_COUNT) => Ok(Some(n)),
            _ => Err(Bad(field, format!("an integer from 1 to {MAX_COUNT}"))),
        },
    }
}

fn effect(surface: &str, v: Option<&Value>) -> Result<Effect, Bad> {
    let Some(Value::Object(e)) = v else {
        return Err(Bad("effect", "required: {\"error\": CODE}, {\"latency_ms\": N} or {\"fail_job\": true}".into()));
    };
    if let Some(k) = e.keys().find(|k| !["error", "latency_ms", "fail_job"].contains(&k.as_str())) {
        return Err(Bad("effect", format!("unknown field `{k}` (error, latency_ms, fail_job)")));
    }
    let latency_ms = match e.get("latency_ms") {
        None | Some(Value::Null) => None,
        Some(n) => match n.as_u64() {
            Some(n) if n <= MAX_LATENCY_MS => Some(n),
            _ => return Err(Bad("effect.latency_ms", format!("an integer from 0 to {MAX_LATENCY_MS}"))),
        },
    };
    let fail_job = match e.get("fail_job") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err(Bad("effect.fail_job", "true or false".into())),
    };
    let error = match e.get("error") {
        None | Some(Value::Null) => None,
        Some(code) => Some(error_code(surface, code)?),
    };
    if error.is_some() && fail_job {
        return Err(Bad("effect", "error and fail_job exclude each other".into()));
    }
    if error.is_none() && !fail_job && latency_ms.is_none() {
        return Err(Bad("effect", "give error, latency_ms or fail_job".into()));
    }
    Ok(Effect { error, latency_ms, fail_job })
}

/// The code as stored, if it is in the surface's documented table.
fn error_code(surface: &str, code: &Value) -> Result<Value, Bad> {
    let not_in = |c: &dyn std::fmt::Display, table: &str| {
        Bad("effect.error", format!("`{c}` is not in {surface}'s documented error table ({table})"))
    };
    match surface {
        "tencent-cbs" => match code.as_str() {
            Some(c) if crate::tencent::error::CODES.contains(&c) => Ok(code.clone()),
            Some(c) => Err(not_in(&c, "e.g. RequestLimitExceeded, InternalError, docs/tencent.md")),
            None => Err(Bad("effect.error", "a Tencent error code string".into())),
        },
        "huawei-cbr" => match code.as_str() {
            Some(c) if crate::huawei::error::CODES.iter().any(|(_, x)| *x == c) => Ok(code.clone()),
            Some(c) => Err(not_in(&c, "BackupService.* and APIGW.* codes, docs/huawei.md")),
            None => Err(Bad("effect.error", "a Huawei error code string".into())),
        },
        "gateway" => {
            if let Some(n) = code.as_u64() {
                return if crate::gateway::envelope::SCODES.iter().any(|(s, _)| u64::from(*s) == n) {
                    Ok(code.clone())
                } else {
                    Err(not_in(&n, "scode 400, 401, 404, 405, 409, 413, 429 or 500"))
                };
            }
            match code.as_str() {
                Some(c) if crate::tencent::error::CODES.contains(&c) => Ok(code.clone()),
                Some(c) => Err(not_in(&c, "a Tencent-style code or an scode number")),
                None => Err(Bad("effect.error", "a code string or an scode number".into())),
            }
        }
        _ => {
            let n = code.as_i64().or_else(|| code.as_str().and_then(|s| s.parse().ok()));
            match n {
                Some(n) if crate::ucloudstack::error::RET_CODES.contains(&n) => Ok(json!(n)),
                Some(n) => Err(not_in(&n, "docs/ucloudstack.md, UCloudStack RetCodes")),
                None => Err(Bad("effect.error", "a RetCode number".into())),
            }
        }
    }
}
