//! What a Huawei handler works with (`Ctx`: the world, and who is asking in which project), the
//! request as it sees it (`Req`), and what it answers (`Reply`).

use bytes::Bytes;
use serde_json::Value;

use super::body::{self, Query};
use super::error::HwResult;
use super::model::{HwProject, HwWork, OpLog};
use super::settings;
use super::world::World;
use crate::config::Config;
use crate::core::ids::IdGen;
use crate::core::timing::{Gate, TimingPolicy};

/// What a handler works with: the world, and who is asking in which project.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub world: &'a mut World<'a>,
    pub ids: &'a mut IdGen,
    pub timing: TimingPolicy,
    pub now: i64,
    pub account: &'a str,
    pub project: &'a str,
    pub region: &'a str,
    pub user_id: &'a str,
    pub request_id: &'a str,
}

impl Ctx<'_> {
    pub fn proj(&mut self) -> &mut HwProject {
        self.world.huawei.entry(self.project.to_string()).or_default()
    }

    pub fn proj_ref(&self) -> Option<&HwProject> {
        self.world.huawei.get(self.project)
    }

    pub fn schedule(&mut self, project: &str, work: HwWork) -> u64 {
        let gate = Gate::new(self.timing, self.now);
        self.schedule_gate(project, gate, work)
    }

    pub fn schedule_gate(&mut self, project: &str, gate: Gate, work: HwWork) -> u64 {
        // The job belongs to the project's owner, who may not be the caller (a share, a copy).
        let (account, region) =
            settings::project_owner(self.cfg, project).map_or((self.account, self.region), |(a, _, r)| (a, r));
        self.world.schedule(account, region, gate, work)
    }

    /// A new task (operation log) in `waiting`.
    pub fn new_oplog(&mut self, project: &str, operation_type: &str, vault: (&str, &str), extra: Value) -> String {
        let id = self.ids.uuid();
        let seq = self.world.next_seq();
        let log = OpLog {
            id: id.clone(),
            seq,
            operation_type: crate::core::intern::intern(operation_type),
            status: "waiting".into(),
            checkpoint_id: String::new(),
            policy_id: String::new(),
            provider_id: "".into(),
            vault_id: vault.0.into(),
            vault_name: vault.1.into(),
            created_ms: self.now,
            started_ms: None,
            ended_ms: None,
            updated_ms: self.now,
            error_code: "".into(),
            error_message: String::new(),
            extra: extra.into(),
            progress: 0,
            request_id: format!("req-{}", self.request_id),
            resource: None,
        };
        self.world.huawei.entry(project.to_string()).or_default().oplogs.insert(log);
        id
    }
}

/// A request as a handler sees it: path parameters by template name, the query, the body.
pub struct Req<'a> {
    pub params: Vec<(&'static str, String)>,
    pub query: Query,
    pub body: &'a [u8],
}

impl Req<'_> {
    pub fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn json(&self) -> HwResult<Value> {
        body::parse(self.body)
    }
}

/// A handler's answer: the documented success status and body (none for 202/204).
pub struct Reply {
    pub status: u16,
    pub body: Option<Body>,
}

pub enum Body {
    Json(Value),
    /// Already serialized: the list pages, written from typed shapes (shapes.rs).
    Bytes(Vec<u8>),
    /// A list page shared with the kept pages (pages.rs): it goes out as the answer's `lead`,
    /// not copied into a body.
    Kept(Bytes),
}

impl Reply {
    pub fn ok(body: Value) -> HwResult<Reply> {
        Ok(Reply { status: 200, body: Some(Body::Json(body)) })
    }

    /// A 200 whose JSON body is already written.
    pub fn ok_bytes(body: Vec<u8>) -> HwResult<Reply> {
        Ok(Reply { status: 200, body: Some(Body::Bytes(body)) })
    }

    /// A 200 whose JSON body is a page shared with the kept pages.
    pub fn kept(body: Bytes) -> HwResult<Reply> {
        Ok(Reply { status: 200, body: Some(Body::Kept(body)) })
    }

    pub fn status(status: u16) -> HwResult<Reply> {
        Ok(Reply { status, body: None })
    }
}
