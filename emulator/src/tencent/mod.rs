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
pub mod time;
pub mod world;

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::config::{AuthMode, Config};
use crate::core::http::Answer;
use crate::core::ids::IdGen;
use crate::core::timing::{Gate, TimingPolicy};
use crate::core::txn::{self, Access, Family};
use crate::twin::Twin;
use error::{TcError, TcResult};
use model::{DiskOpLog, TcRegion, TcWork};
use params::Params;
use protocol::HttpIn;

pub use world::World;

/// What Tencent needs of the state it serves requests against (world.rs implements it).
pub trait Host: txn::Store<Env = Config> {
    /// The Tencent part of the world, and the id generator.
    fn tencent(&mut self) -> (World<'_>, &mut IdGen);
}

/// What a handler works with: the world, and who is asking where.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub world: &'a mut World<'a>,
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
        self.world.schedule(self.account, self.region, gate, work)
    }

    pub fn schedule_at(&mut self, due_ms: i64, work: TcWork) -> u64 {
        let gate = Gate::at(self.now, due_ms);
        self.world.schedule(self.account, self.region, gate, work)
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

impl Action {
    /// `Describe*` actions read (and their success lets read-gated work go on); all else writes.
    pub fn access(&self) -> Access {
        if self.name.starts_with("Describe") {
            Access::Read
        } else {
            Access::Write
        }
    }
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

/// Serve one Tencent request through the request transaction. Always a `{"Response": ...}`
/// body (HTTP 200).
pub fn handle<S: Host>(twin: &Twin<S>, auth: AuthMode, req: &HttpIn<'_>) -> Answer {
    let family = Tencent { twin, auth, request_id: uuid::Uuid::new_v4().to_string() };
    crate::core::record::note(|r| r.request_id.clone_from(&family.request_id));
    txn::serve(&twin.state, &twin.cfg, &family, req, twin.clock.now_ms())
}

/// What only Tencent knows of a request: TC3/v1 decoding, its operation table, its envelope.
struct Tencent<'t, S> {
    twin: &'t Twin<S>,
    auth: AuthMode,
    request_id: String,
}

/// A request past the protocol layer and the checks that need no state.
struct Decoded {
    call: protocol::Call,
    action: &'static Action,
    region: String,
    params: Params,
}

impl<S: Host> Family<S> for Tencent<'_, S> {
    type Call = Decoded;
    type Output = Output;
    type Error = TcError;

    fn decode(&self, req: &HttpIn<'_>, now: i64) -> TcResult<Decoded> {
        decode(self.twin, self.auth, req, now)
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

    fn render(&self, _: Option<&Decoded>, out: TcResult<Output>) -> Answer {
        let body = match out {
            Ok(out) => out.into_body(&self.request_id),
            Err(err) => {
                crate::core::record::note(|r| r.error_code = Some(err.code.to_string()));
                tracing::debug!(code = err.code, message = %err.message, "tencent request failed");
                serde_json::to_vec(&error_body(&err, &self.request_id)).unwrap_or_default()
            }
        };
        Answer::json(200, body)
    }
}

/// The answer a TC3 call gets whatever its body says, when its head already fails
/// authentication (`protocol::tc3_head_refusal`): the edge sends it without reading the body,
/// so an unauthenticated body costs no memory.
pub fn answer_before_body<S>(
    twin: &Twin<S>,
    auth: AuthMode,
    method: &axum::http::Method,
    headers: &axum::http::HeaderMap,
) -> Option<Answer> {
    let now_secs = twin.clock.now_ms().div_euclid(1000);
    let err = protocol::tc3_head_refusal(&twin.cfg, auth, now_secs, method, headers)?;
    let request_id = uuid::Uuid::new_v4().to_string();
    crate::core::record::note(|r| {
        r.request_id.clone_from(&request_id);
        r.error_code = Some(err.code.to_string());
    });
    Some(Answer::json(200, serde_json::to_vec(&error_body(&err, &request_id)).unwrap_or_default()))
}

fn decode<S>(twin: &Twin<S>, auth: AuthMode, req: &HttpIn<'_>, now: i64) -> TcResult<Decoded> {
    let cfg = &twin.cfg;
    let mut call = protocol::decode(cfg, auth, now.div_euclid(1000), req)?;
    crate::core::record::note(|r| (r.operation, r.account) = (call.action.clone(), call.account.clone()));
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
    crate::core::record::note(|r| r.region.clone_from(&region));
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
    let params = Params::parse(action.schema, std::mem::take(&mut call.params))?;
    Ok(Decoded { call, action, region, params })
}
