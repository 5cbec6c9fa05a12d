//! The multi-cloud gateway's Tencent API (`/v1/tencent/*`, seeds 000 and 001): POST JSON in, the
//! `{scode, desc, message, message_cn, stack, data}` envelope out, over the same state the native
//! Tencent API serves.
//!
//! Every endpoint translates its request into the parameters of its backing Tencent action
//! (endpoints.rs lists them), runs the Tencent handler under the same lock, and reshapes the
//! answer (shape.rs). `TenantUuid` + `ClusterUuid` pick the account (config `gateway.tenants`),
//! `Region` the region.

pub mod disks;
pub mod endpoints;
pub mod envelope;
pub mod inspect;
pub mod listing;
pub mod policies;
pub mod session;
pub mod shape;
pub mod snapshots;

use axum::http::{header, HeaderMap, Method, StatusCode};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::config::{Config, TenantError};
use crate::core::http::{Answer, HttpIn};
use crate::core::txn::{self, Access, Family};
use crate::tencent;
use crate::tencent::params::Params;
use crate::twin::Twin;
use endpoints::{Endpoint, RegionRule};
use envelope::{GwError, GwResult};
pub use session::{Gw, Reply};

/// Serve one gateway request through the request transaction. The status is 200 for successes
/// and the error's `scode` otherwise.
pub async fn handle<S: tencent::Host>(twin: &Twin<S>, req: &HttpIn<'_>) -> Answer {
    txn::serve(&twin.state, &twin.cfg, Gateway { twin }, req, twin.clock.now_ms()).finish().await
}

/// What only the gateway knows of a request: its endpoints, tenants and envelope.
struct Gateway<'t, S> {
    twin: &'t Twin<S>,
}

/// A request past decoding and the checks that need no state.
struct Decoded<'t> {
    ep: &'static Endpoint,
    account: &'t str,
    region: String,
    region_given: bool,
    params: Params,
}

impl<'t, S: tencent::Host> Family<S> for Gateway<'t, S> {
    type Call = Decoded<'t>;
    /// The reply, and the region the endpoint ended up reading (for the reads it saw).
    type Output = (Reply, String);
    type Error = GwError;

    fn decode(&self, req: &HttpIn<'_>, _now: i64) -> GwResult<Decoded<'t>> {
        decode(&self.twin.cfg, req)
    }

    fn access(&self, d: &Decoded) -> Access {
        if d.ep.read {
            Access::Read
        } else {
            Access::Write
        }
    }

    fn run(&self, st: &mut S, d: &Decoded, now: i64) -> GwResult<(Reply, String)> {
        let cfg = &self.twin.cfg;
        let (world, ids) = st.tencent();
        let mut gw = Gw {
            cfg,
            limiter: &self.twin.limiter,
            world,
            ids,
            now,
            account: d.account,
            uin: cfg.tencent_uin(d.account),
            region: d.region.clone(),
            region_given: d.region_given,
            admitted: Vec::new(),
        };
        let reply = (d.ep.handler)(&mut gw, &d.params)?;
        Ok((reply, gw.region))
    }

    fn observe(&self, st: &mut S, d: &Decoded, (_, region): &(Reply, String), now: i64) {
        st.tencent().0.observe(d.account, region, now);
    }

    fn injected(&self, _: &Decoded, fault: &crate::core::fault::Injected) -> GwError {
        let code = match fault.code.parse::<u16>() {
            Ok(scode) => envelope::code_for_scode(scode).to_string(),
            Err(_) => fault.code.clone(),
        };
        GwError::from(tencent::injected_error(&code, &fault.note()))
    }

    fn internal(&self, reason: &str) -> GwError {
        GwError::new("InternalError", reason.to_string())
    }

    fn render(&self, _: Option<&Decoded>, out: GwResult<(Reply, String)>) -> Answer {
        match out {
            Ok((Reply::Data(v), _)) => Answer::json(200, envelope::ok_body(v)),
            Ok((Reply::Kept(body), _)) => Answer { lead: Some(body), ..Answer::json(200, Vec::new()) },
            Ok((Reply::Raw(v), _)) => Answer::json(200, serde_json::to_vec(&v).unwrap_or_default()),
            Err(err) => {
                crate::core::record::note(|r| r.error_code = Some(err.desc.clone()));
                tracing::debug!(scode = err.scode, desc = %err.desc, message = %err.message, "gateway request failed");
                let status = if StatusCode::from_u16(err.scode).is_ok() { err.scode } else { 400 };
                Answer::json(status, envelope::error_body(&err))
            }
        }
    }
}

/// With `gateway.bearer_token` configured, `Authorization: Bearer <token>` is required.
fn check_token(cfg: &Config, headers: &HeaderMap) -> GwResult<()> {
    let Some(expected) = cfg.gateway.bearer_token.as_deref() else { return Ok(()) };
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let token = given
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .ok_or_else(|| {
            GwError::new(
                "AuthFailure.InvalidAuthorization",
                "This gateway requires an `Authorization: Bearer <token>` header.",
            )
        })?;
    if bool::from(token.as_bytes().ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(GwError::new("AuthFailure.TokenFailure", "The bearer token is not valid."))
    }
}

fn parse_body(body: &[u8]) -> GwResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    crate::core::limits::check_json(body).map_err(|e| GwError::from(crate::tencent::params::exceeded(e)))?;
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(GwError::new("InvalidParameter", "The request body must be a JSON object.")),
        Err(e) => Err(GwError::new("InvalidParameter", format!("The request body is not valid JSON: {e}."))),
    }
}

/// Remove a string field; `required` makes its absence `MissingParameter`.
fn take_str(m: &mut Map<String, Value>, key: &str, required: bool) -> GwResult<Option<String>> {
    match m.remove(key) {
        None | Some(Value::Null) if required => {
            Err(GwError::new("MissingParameter", format!("The request is missing a required parameter `{key}`.")))
        }
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() && required => {
            Err(GwError::new("MissingParameter", format!("The request is missing a required parameter `{key}`.")))
        }
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(GwError::new(
            "InvalidParameterValue",
            format!("The value type of parameter `{key}` is invalid; expected String."),
        )),
    }
}

/// The seeds' tables name ID lists `DiskIds` / `AutoSnapshotPolicyIds` while their examples send
/// `DiskId` / `AutoSnapshotPolicyId`: both spellings are accepted, each as one string or an
/// array, and land under the table's name.
fn merge_alias(m: &mut Map<String, Value>, plural: &str, singular: &str) -> GwResult<()> {
    let as_list = |key: &str, v: Value| -> GwResult<Vec<Value>> {
        match v {
            Value::String(_) => Ok(vec![v]),
            Value::Array(items) if items.iter().all(Value::is_string) => Ok(items),
            _ => Err(GwError::new(
                "InvalidParameterValue",
                format!("The value type of parameter `{key}` is invalid; expected a String or an Array of String."),
            )),
        }
    };
    let a = m.remove(plural).filter(|v| !v.is_null());
    let b = m.remove(singular).filter(|v| !v.is_null());
    let ids = match (a, b) {
        (Some(_), Some(_)) => {
            return Err(GwError::new(
                "InvalidParameter",
                format!("Give `{plural}` or `{singular}`, not both; they name the same list."),
            ))
        }
        (Some(v), None) => as_list(plural, v)?,
        (None, Some(v)) => as_list(singular, v)?,
        (None, None) => return Ok(()),
    };
    m.insert(plural.to_string(), Value::Array(ids));
    Ok(())
}

fn decode<'c>(cfg: &'c Config, req: &HttpIn<'_>) -> GwResult<Decoded<'c>> {
    let (method, path) = (req.method, req.path);
    check_token(cfg, req.headers)?;
    let ep: &Endpoint = endpoints::find(path)
        .ok_or_else(|| GwError::new("InvalidAction", format!("The API {path} does not exist.")))?;
    crate::core::record::note(|r| r.operation = ep.name.into());
    if method != Method::POST {
        return Err(GwError::new(
            "UnsupportedProtocol",
            format!("{} takes POST with a JSON body, not {method}.", ep.path),
        ));
    }
    let mut input = parse_body(req.body)?;
    let tenant = take_str(&mut input, "TenantUuid", true)?.unwrap_or_default();
    let cluster = take_str(&mut input, "ClusterUuid", true)?.unwrap_or_default();
    let account = cfg.gateway.account(&tenant, &cluster).map_err(|e| match e {
        TenantError::UnknownTenant => {
            GwError::new("InvalidTenantUuid.NotFound", format!("The tenant `{tenant}` does not exist."))
        }
        TenantError::UnknownCluster => GwError::new(
            "InvalidClusterUuid.NotFound",
            format!("The cluster `{cluster}` does not exist for tenant `{tenant}`."),
        ),
    })?;
    let given = take_str(&mut input, "Region", ep.region == RegionRule::Required)?;
    let region_given = given.is_some();
    let region = given.unwrap_or_else(|| cfg.tencent.default_region.clone());
    crate::core::record::note(|r| (r.account, r.region) = (account.into(), region.as_str().into()));
    let known = match ep.region {
        RegionRule::Everywhere => inspect::REGIONS.iter().any(|r| r.id == region) || cfg.region(&region).is_some(),
        _ => cfg.region(&region).is_some(),
    };
    if !known {
        return Err(GwError::new("UnsupportedRegion", format!("The region `{region}` is not supported.")));
    }
    for (plural, singular) in ep.aliases {
        merge_alias(&mut input, plural, singular)?;
    }
    let params = Params::parse(ep.schema, input)?;

    Ok(Decoded { ep, account, region, region_given, params })
}
