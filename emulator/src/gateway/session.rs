//! One gateway request's session over the Tencent part of the world (`Gw`): the caller's
//! account and region, and the Tencent actions an endpoint calls there; and what an endpoint
//! answers (`Reply`).

use bytes::Bytes;
use serde_json::{Map, Value};

use super::envelope::{GwError, GwResult};
use crate::config::Config;
use crate::core::ids::IdGen;
use crate::core::ratelimit::Limiter;
use crate::tencent::params::Params;
use crate::tencent::world::World;
use crate::tencent::{self, Ctx};

/// What an endpoint answers.
pub enum Reply {
    /// Inside the gateway envelope's `data`.
    Data(Value),
    /// A whole success body already written (`envelope::ok_with`): the list pages, which write
    /// their items straight from the model, shared with the kept pages (core/kept.rs) rather
    /// than copied.
    Kept(Bytes),
    /// As it is: `disk/logs/list` answers with the Tencent-style `{"Response": ...}` body that
    /// seed 001 documents.
    Raw(Value),
}

/// One gateway request's view of the Tencent world: the caller's account, its region, and the
/// Tencent actions it may call there.
pub struct Gw<'a> {
    pub cfg: &'a Config,
    pub(super) limiter: &'a Limiter,
    pub(super) world: World<'a>,
    pub(super) ids: &'a mut IdGen,
    pub now: i64,
    pub account: &'a str,
    pub(super) uin: String,
    /// The request's region (the default region when an endpoint allows leaving it out).
    pub region: String,
    /// Whether the request named a region.
    pub region_given: bool,
    /// Backing actions already counted against the rate limits in this request: one gateway
    /// request is one request of each action behind it, however many pages or regions it reads.
    pub(super) admitted: Vec<&'static str>,
}

impl<'a> Gw<'a> {
    pub fn world(&self) -> &World<'a> {
        &self.world
    }

    /// Run a Tencent action in the request's region; its answer fields as one object.
    pub fn call(&mut self, action: &str, input: Value) -> GwResult<Value> {
        let region = self.region.clone();
        self.call_in(&region, action, input)
    }

    pub fn call_in(&mut self, region: &str, action: &str, input: Value) -> GwResult<Value> {
        let handler = tencent::actions::find(action).map(|a| a.handler);
        self.with_action(region, action, input, |ctx, params| match handler {
            Some(run) => Ok(run(ctx, params)?.into_value()),
            None => Ok(Value::Null),
        })
    }

    /// Run `work` as the Tencent action `action` in `region`: admitted against its rate limit
    /// and given its parameters checked against its schema, as [`Gw::call_in`] runs the action
    /// itself (for a gateway search that asks more of the action than its parameters can say).
    pub fn with_action<T>(
        &mut self,
        region: &str,
        action: &str,
        input: Value,
        work: impl FnOnce(&mut Ctx<'_>, &Params) -> tencent::error::TcResult<T>,
    ) -> GwResult<T> {
        let act = tencent::actions::find(action)
            .ok_or_else(|| GwError::new("InternalError", format!("no Tencent action {action}")))?;
        if self.cfg.tencent.rate_limits && !self.admitted.contains(&act.name) {
            self.admitted.push(act.name);
            self.limiter.admit(self.account, act.name, act.rate, self.now).map_err(|_| {
                GwError::new(
                    "RequestLimitExceeded",
                    format!(
                        "The number of requests exceeds the frequency limit: {} allows {} per second.",
                        act.name, act.rate
                    ),
                )
            })?;
        }
        let map = match input {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let params = Params::parse(act.schema, map)?;
        let mut world = self.world.reborrow();
        let timing = world.timing;
        let mut ctx = Ctx {
            cfg: self.cfg,
            world: &mut world,
            ids: self.ids,
            timing,
            now: self.now,
            account: self.account,
            region,
            uin: &self.uin,
        };
        Ok(work(&mut ctx, &params)?)
    }

    /// Run `action` once for each id, all or none: the first failure fails the request, and the
    /// request transaction then rolls back the calls before it (core/change.rs).
    pub fn call_each(&mut self, action: &str, ids: &[String], input: impl Fn(&str) -> Value) -> GwResult<()> {
        for id in ids {
            self.call(action, input(id))?;
        }
        Ok(())
    }
}
