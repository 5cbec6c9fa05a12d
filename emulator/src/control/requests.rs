//! `GET /_cloudtwin/requests`: the request journal (core/journal.rs), filtered by query
//! parameters (docs/control-plane.md, "The request journal"). A bad filter is a 400 that names
//! the parameter; the journal itself is never touched by a query.

use serde_json::json;

use super::reply::{bad, ok};
use crate::core::http::Answer;
use crate::core::journal::{ErrorFilter, Filter, MAX_LIMIT};
use crate::world::Twin;

/// Surfaces a journal entry can carry.
const SURFACES: &[&str] = &["tencent-cbs", "huawei-cbr", "huawei-iam", "gateway", "ucloudstack", "control"];
const DEFAULT_LIMIT: usize = 100;

pub(super) fn handle(twin: &Twin, query: &str) -> Answer {
    match parse(query) {
        Ok(filter) => ok(json!(twin.journal.query(&filter))),
        Err(e) => bad(e),
    }
}

/// The filter a query string asks for, or what is wrong with it.
pub fn parse(query: &str) -> Result<Filter, String> {
    let mut f = Filter { limit: DEFAULT_LIMIT, ..Default::default() };
    let mut seen: Vec<String> = Vec::new();
    if query.len() > 4096 {
        return Err("the query is longer than 4096 bytes".into());
    }
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if seen.iter().any(|s| *s == k) {
            return Err(format!("{k}: given more than once"));
        }
        seen.push(k.to_string());
        let v = v.into_owned();
        match k.as_ref() {
            "surface" if SURFACES.contains(&v.as_str()) => f.surface = Some(v),
            "surface" => return Err(format!("surface: `{v}` is not one of {}", SURFACES.join(", "))),
            "operation" if !v.is_empty() && v.len() <= 128 => f.operation = Some(v),
            "operation" => return Err("operation: a name or glob of 1 to 128 characters".into()),
            "account" if !v.is_empty() && v.len() <= 128 => f.account = Some(v),
            "account" => return Err("account: an account name of 1 to 128 characters".into()),
            "request_id" if !v.is_empty() && v.len() <= 128 => f.request_id = Some(v),
            "request_id" => return Err("request_id: an id of 1 to 128 characters".into()),
            "error" => {
                f.error = Some(match v.as_str() {
                    "any" => ErrorFilter::Any,
                    "none" => ErrorFilter::None,
                    c if !c.is_empty() && c.len() <= 128 => ErrorFilter::Code(c.to_string()),
                    _ => return Err("error: `any`, `none` or an error code".into()),
                })
            }
            "since" => f.since = v.parse().map_err(|_| format!("since: `{v}` is not a seq (an integer >= 0)"))?,
            "limit" => {
                f.limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| format!("limit: `{v}` is not an integer from 1 to {MAX_LIMIT}"))?
            }
            other => {
                return Err(format!(
                    "{other}: unknown filter (surface, operation, account, request_id, error, since, limit)"
                ))
            }
        }
    }
    Ok(f)
}
