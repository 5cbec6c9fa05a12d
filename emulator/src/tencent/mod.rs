//! Tencent Cloud CBS (API 3.0, version 2017-03-12).
//!
//! protocol.rs turns HTTP into a `Call`; actions.rs is the operation table; the handlers in
//! disks/, snapshots.rs, policies.rs, backups.rs and pricing.rs validate and change the model
//! through `Ctx`; render.rs shapes every response.

pub mod actions;
pub mod backups;
pub mod disks;
pub mod error;
pub mod jobs;
pub mod model;
pub mod params;
pub mod policies;
pub mod pricing;
pub mod protocol;
pub mod query;
pub mod render;
pub mod seed;
pub mod sign;
pub mod snapshots;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::config::{AuthMode, Config};
use crate::ids::IdGen;
use crate::timing::{Gate, TimingPolicy};
use crate::world::{Twin, Work, World};
use error::{TcError, TcResult};
use model::{DiskOpLog, TcRegion, TcWork};
use params::Params;
use protocol::HttpIn;

/// What a handler works with: the world, and who is asking where.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub world: &'a mut World,
    pub ids: &'a mut IdGen,
    pub timing: TimingPolicy,
    pub now: i64,
    pub account: &'a str,
    pub region: &'a str,
    pub uin: &'a str,
}

impl Ctx<'_> {
    pub fn store(&mut self) -> &mut TcRegion {
        self.world.tc(self.account, self.region)
    }

    pub fn schedule(&mut self, work: TcWork) -> u64 {
        let gate = Gate::new(self.timing, self.now);
        self.world.schedule(self.account, self.region, gate, Work::Tencent(work))
    }

    pub fn schedule_at(&mut self, due_ms: i64, work: TcWork) -> u64 {
        let gate = Gate::at(self.now, due_ms);
        self.world.schedule(self.account, self.region, gate, Work::Tencent(work))
    }

    /// Record a disk operation; `done` operations are logged as SUCCESS at once, others as
    /// PROCESSING until their job finishes. Returns the log id.
    pub fn log_disk(&mut self, disk_id: &str, operation: &str, done: bool) -> u64 {
        let id = self.world.next_seq();
        let entry = DiskOpLog {
            id,
            disk_id: disk_id.into(),
            operator: self.uin.into(),
            operation: operation.into(),
            operation_state: if done { "SUCCESS" } else { "PROCESSING" }.into(),
            start_ms: self.now,
            end_ms: if done { Some(self.now) } else { None },
        };
        self.store().disk_logs.insert(entry);
        id
    }

    pub fn project_exists(&self, id: i64) -> bool {
        self.cfg.accounts.iter().any(|a| a.name == self.account && a.projects.iter().any(|p| p.id == id))
    }
}

/// A handler's response fields, each already serialized (response shapes are serde structs, so
/// no intermediate `Value` tree is built on the hot path).
#[derive(Debug, Default)]
pub struct Output(Vec<(&'static str, Box<RawValue>)>);

impl Output {
    pub fn new() -> Output {
        Output(Vec::new())
    }

    pub fn with(mut self, key: &'static str, value: &impl Serialize) -> Output {
        let raw = serde_json::value::to_raw_value(value)
            .unwrap_or_else(|_| RawValue::from_string("null".into()).expect("null is JSON"));
        self.0.push((key, raw));
        self
    }

    /// The fields as one JSON object, for surfaces that reshape Tencent answers (the gateway).
    pub fn into_value(self) -> Value {
        let fields =
            self.0.into_iter().map(|(k, v)| (k.to_string(), serde_json::from_str(v.get()).unwrap_or(Value::Null)));
        Value::Object(fields.collect())
    }

    /// `{"Response": {<fields>, "RequestId": "..."}}`
    fn into_body(self, request_id: &str) -> Vec<u8> {
        let len: usize = self.0.iter().map(|(k, v)| k.len() + v.get().len() + 4).sum();
        let mut buf = Vec::with_capacity(len + 80);
        buf.extend_from_slice(b"{\"Response\":{");
        for (k, v) in &self.0 {
            buf.push(b'"');
            buf.extend_from_slice(k.as_bytes());
            buf.extend_from_slice(b"\":");
            buf.extend_from_slice(v.get().as_bytes());
            buf.push(b',');
        }
        buf.extend_from_slice(b"\"RequestId\":\"");
        buf.extend_from_slice(request_id.as_bytes());
        buf.extend_from_slice(b"\"}}");
        buf
    }
}
pub type Handler = fn(&mut Ctx<'_>, &Params) -> TcResult<Output>;

/// One row of the operation table.
pub struct Action {
    pub name: &'static str,
    pub schema: &'static [params::Field],
    pub handler: Handler,
    /// Documented requests per second per account.
    pub rate: u32,
}

pub fn error_body(err: &TcError, request_id: &str) -> Value {
    json!({"Response": {"Error": {"Code": err.code, "Message": err.message}, "RequestId": request_id}})
}

/// `cbs.<region>.tencentcloudapi.com` names its region; the bare host does not.
fn region_from_host(host: &str) -> Option<&str> {
    let rest = host.strip_prefix("cbs.")?;
    let (region, tail) = rest.split_once('.')?;
    (tail.starts_with("tencentcloudapi.com")).then_some(region)
}

/// Serve one Tencent request. Always returns a `{"Response": ...}` body (HTTP 200).
pub fn handle(twin: &Twin, auth: AuthMode, req: &HttpIn<'_>) -> Vec<u8> {
    let request_id = uuid::Uuid::new_v4().to_string();
    crate::record::note(|r| r.request_id.clone_from(&request_id));
    match serve(twin, auth, req) {
        Ok(out) => out.into_body(&request_id),
        Err(err) => {
            crate::record::note(|r| r.error_code = Some(err.code.to_string()));
            tracing::debug!(code = err.code, message = %err.message, "tencent request failed");
            serde_json::to_vec(&error_body(&err, &request_id)).unwrap_or_default()
        }
    }
}

/// The answer a TC3 call gets whatever its body says, when its head already fails
/// authentication (`protocol::tc3_head_refusal`): the edge sends it without reading the body,
/// so an unauthenticated body costs no memory.
pub fn answer_before_body(
    twin: &Twin,
    auth: AuthMode,
    method: &axum::http::Method,
    headers: &axum::http::HeaderMap,
) -> Option<Vec<u8>> {
    let now_secs = twin.clock.now_ms().div_euclid(1000);
    let err = protocol::tc3_head_refusal(&twin.cfg, auth, now_secs, method, headers)?;
    let request_id = uuid::Uuid::new_v4().to_string();
    crate::record::note(|r| {
        r.request_id.clone_from(&request_id);
        r.error_code = Some(err.code.to_string());
    });
    Some(serde_json::to_vec(&error_body(&err, &request_id)).unwrap_or_default())
}

fn serve(twin: &Twin, auth: AuthMode, req: &HttpIn<'_>) -> TcResult<Output> {
    let cfg = &twin.cfg;
    let now = twin.clock.now_ms();
    let call = protocol::decode(cfg, auth, now.div_euclid(1000), req)?;
    crate::record::note(|r| (r.operation, r.account) = (call.action.clone(), call.account.clone()));
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
    crate::record::note(|r| r.region.clone_from(&region));
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
    let params = Params::parse(action.schema, call.params)?;

    let mut st = twin.state.lock();
    let st = &mut *st;
    st.world.catch_up(cfg, now);
    let timing = st.world.timing;
    let mut ctx = Ctx {
        cfg,
        world: &mut st.world,
        ids: &mut st.ids,
        timing,
        now,
        account: &call.account,
        region: &region,
        uin: &call.uin,
    };
    let out = (action.handler)(&mut ctx, &params);
    if out.is_ok() && action.name.starts_with("Describe") {
        st.world.observe(&call.account, &region, now);
    }
    st.world.catch_up(cfg, now);
    out
}
