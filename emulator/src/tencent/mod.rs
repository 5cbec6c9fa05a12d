//! Tencent Cloud CBS (API 3.0, version 2017-03-12).
//!
//! protocol.rs turns HTTP into a `Call`; actions.rs is the operation table; the handlers in
//! disks/, snapshots.rs, policies.rs, backups.rs and pricing.rs validate and change the model
//! through `Ctx`; render.rs shapes every response.

pub mod actions;
pub mod backup_index;
pub mod backups;
pub mod ctx;
pub mod disk_index;
pub mod disk_input;
pub mod disk_rules;
pub mod disks;
pub mod error;
pub mod jobs;
pub mod pages;
/// The hand-written JSON writers live in the core, shared with Huawei's list pages.
pub use crate::core::json;
pub mod model;
pub mod params;
pub mod policies;
pub mod pricing;
pub mod protocol;
pub mod query;
pub mod render;
pub mod seed;
pub mod sign;
pub mod snapshot_index;
pub mod snapshots;
pub mod time;
pub mod world;

use std::cell::Cell;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::config::{AuthMode, Config};
use crate::core::http::Answer;
use crate::core::ids::IdGen;
use crate::core::txn::{self, Access, Family};
use crate::twin::Twin;
use error::{TcError, TcResult};
use params::Params;
use protocol::{Given, HttpIn};

pub use ctx::{Action, Ctx, Handler, Output};
pub use world::World;

/// What Tencent needs of the state it serves requests against (world.rs implements it).
pub trait Host: txn::Store<Env = Config> {
    /// The Tencent part of the world, and the id generator.
    fn tencent(&mut self) -> (World<'_>, &mut IdGen);
}

pub fn error_body(err: &TcError, request_id: &str) -> Value {
    json!({"Response": {"Error": {"Code": err.code, "Message": err.message}, "RequestId": request_id}})
}

/// The error a fault rule answers with: a documented code (checked by the control plane), with
/// the usual message for the common ones.
pub fn injected_error(code: &str, note: &str) -> TcError {
    let code = error::CODES.iter().copied().find(|c| *c == code).unwrap_or("InternalError");
    let usual = match code {
        c if c.starts_with("RequestLimitExceeded") => "The number of requests exceeds the frequency limit.",
        "InternalError" | "InternalServerError" => "Internal error.",
        "ServiceUnavailable" => "Service is unavailable now.",
        "ResourceUnavailable" => "Resource is unavailable.",
        _ => "The operation failed.",
    };
    TcError::new(code, format!("{usual} {note}"))
}

/// `cbs.<region>.tencentcloudapi.com` names its region; the bare host does not.
fn region_from_host(host: &str) -> Option<&str> {
    let rest = host.strip_prefix("cbs.")?;
    let (region, tail) = rest.split_once('.')?;
    (tail.starts_with("tencentcloudapi.com")).then_some(region)
}

/// Serve one Tencent request through the request transaction. Always a `{"Response": ...}`
/// body (HTTP 200).
pub async fn handle<S: Host>(twin: &Twin<S>, auth: AuthMode, req: &HttpIn<'_>) -> Answer {
    handle_after_head(twin, auth, req, None).await
}

/// `handle`, for a request whose head the edge has already checked (`head_before_body`).
pub async fn handle_after_head<S: Host>(
    twin: &Twin<S>,
    auth: AuthMode,
    req: &HttpIn<'_>,
    head: Option<protocol::Tc3Head<'_>>,
) -> Answer {
    let family = Tencent { twin, auth, request_id: crate::core::ids::request_uuid(), head: Cell::new(head) };
    crate::core::record::note(|r| r.request_id = family.request_id.as_str().into());
    txn::serve(&twin.state, &twin.cfg, family, req, twin.clock.now_ms()).finish().await
}

/// What only Tencent knows of a request: TC3/v1 decoding, its operation table, its envelope.
struct Tencent<'t, 'h, S> {
    twin: &'t Twin<S>,
    auth: AuthMode,
    request_id: String,
    /// The head the edge checked, taken by `decode`.
    head: Cell<Option<protocol::Tc3Head<'h>>>,
}

/// A request past the protocol layer and the checks that need no state.
struct Decoded {
    call: protocol::Call,
    action: &'static Action,
    region: String,
    params: Arc<Params>,
}

impl<S: Host> Family<S> for Tencent<'_, '_, S> {
    type Call = Decoded;
    type Output = Output;
    type Error = TcError;

    fn decode(&self, req: &HttpIn<'_>, now: i64) -> TcResult<Decoded> {
        decode(self.twin, self.auth, req, now, self.head.take())
    }

    fn access(&self, d: &Decoded) -> Access {
        d.action.access()
    }

    fn run(&self, st: &mut S, d: &Decoded, now: i64) -> TcResult<Output> {
        let (mut world, ids) = st.tencent();
        let timing = world.timing;
        let mut ctx = Ctx {
            cfg: &self.twin.cfg,
            world: &mut world,
            ids,
            timing,
            now,
            account: &d.call.account,
            region: &d.region,
            uin: &d.call.uin,
        };
        (d.action.handler)(&mut ctx, &d.params)
    }

    fn observe(&self, st: &mut S, d: &Decoded, _: &Output, now: i64) {
        st.tencent().0.observe(&d.call.account, &d.region, now);
    }

    fn injected(&self, _: &Decoded, fault: &crate::core::fault::Injected) -> TcError {
        injected_error(&fault.code, &fault.note())
    }

    fn internal(&self, reason: &str) -> TcError {
        TcError::new("InternalError", reason.to_string())
    }

    fn render(&self, _: Option<&Decoded>, out: TcResult<Output>) -> Answer {
        let (lead, body) = match out {
            Ok(out) => out.into_body(&self.request_id),
            Err(err) => {
                crate::core::record::note(|r| r.error_code = Some(err.code.to_string()));
                tracing::debug!(code = err.code, message = %err.message, "tencent request failed");
                (None, serde_json::to_vec(&error_body(&err, &self.request_id)).unwrap_or_default())
            }
        };
        Answer { lead, ..Answer::json(200, body) }
    }
}

/// A TC3 call's head, checked before its body is read (`protocol::tc3_head`): `Err` is the
/// answer it gets whatever its body says, which the edge sends without reading the body, so an
/// unauthenticated body costs no memory; `Ok` carries what was read of the head on to
/// `handle_after_head`, so it is not read twice.
pub fn head_before_body<'r, S>(
    twin: &'r Twin<S>,
    auth: AuthMode,
    method: &axum::http::Method,
    headers: &'r axum::http::HeaderMap,
) -> Result<Option<protocol::Tc3Head<'r>>, Answer> {
    let now_secs = twin.clock.now_ms().div_euclid(1000);
    protocol::tc3_head(&twin.cfg, auth, now_secs, method, headers).map_err(|err| {
        let request_id = crate::core::ids::request_uuid();
        crate::core::record::note(|r| {
            r.request_id = request_id.as_str().into();
            r.error_code = Some(err.code.to_string());
        });
        Answer::json(200, serde_json::to_vec(&error_body(&err, &request_id)).unwrap_or_default())
    })
}

fn decode<S>(
    twin: &Twin<S>,
    auth: AuthMode,
    req: &HttpIn<'_>,
    now: i64,
    head: Option<protocol::Tc3Head<'_>>,
) -> TcResult<Decoded> {
    let cfg = &twin.cfg;
    let mut call = match head {
        Some(head) => protocol::decode_after_head(req, head, &twin.letters)?,
        None => protocol::decode(cfg, auth, now.div_euclid(1000), req, &twin.letters)?,
    };
    crate::core::record::note(|r| {
        (r.operation, r.account) = (call.action.as_str().into(), call.account.as_str().into())
    });
    let action = actions::find(&call.action).ok_or_else(|| {
        error::InvalidAction(format!("The action `{}` does not exist in CBS API {}.", call.action, protocol::VERSION))
    })?;
    if call.version != protocol::VERSION {
        return Err(error::NoSuchVersion(format!(
            "The API version `{}` does not exist; CBS uses {}.",
            call.version,
            protocol::VERSION
        )));
    }
    let host = req.headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("");
    let region =
        call.region.as_deref().or_else(|| region_from_host(host)).unwrap_or(&cfg.tencent.default_region).to_string();
    crate::core::record::note(|r| r.region = region.as_str().into());
    if cfg.region(&region).is_none() {
        return Err(error::UnsupportedRegion(format!("The region `{region}` is not supported by CBS.")));
    }
    if cfg.tencent.rate_limits {
        twin.limiter.admit(&call.account, action.name, action.rate, now).map_err(|_| {
            error::RequestLimitExceeded(format!(
                "The number of requests exceeds the frequency limit: {} allows {} per second.",
                action.name, action.rate
            ))
        })?;
    }
    // A read's JSON body is kept by its letter once it checks: pollers send the same bytes.
    let params = match std::mem::replace(&mut call.params, Given::Tree(Default::default())) {
        Given::Kept(params) => params,
        Given::Json(tree) if action.access() == Access::Read => {
            twin.letters.keep(&call.action, req.body, Params::check(action.schema, tree)?)
        }
        Given::Json(tree) | Given::Tree(tree) => Arc::new(Params::check(action.schema, tree)?),
    };
    Ok(Decoded { call, action, region, params })
}
