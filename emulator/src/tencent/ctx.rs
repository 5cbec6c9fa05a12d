//! What a Tencent handler works with (`Ctx`: the world, and who is asking where), what it
//! answers (`Output`), and the rows of the operation table (`Action`).

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use super::error::TcResult;
use super::model::{DiskOpLog, TcRegion, TcWork};
use super::params::Params;
use super::world::World;
use crate::config::Config;
use crate::core::ids::IdGen;
use crate::core::intern::intern;
use crate::core::timing::{Gate, TimingPolicy};
use crate::core::txn::Access;

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
            operator: intern(self.uin),
            operation: intern(operation),
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

/// A handler's response fields, serialized as they are added straight into the answer's body
/// (`{"Response":{"Key":value,...`): response shapes are serde structs, so no intermediate `Value`
/// tree is built, and a page is written once, not serialized apart and copied in
/// (docs/performance.md).
#[derive(Debug)]
pub struct Output {
    /// A kept page's opening and fields (core/kept.rs), shared with the cache rather than
    /// copied: the answer then goes out as these bytes followed by `body`, which holds only
    /// what comes after them. `None` for everything rendered now.
    kept: Option<Bytes>,
    body: Vec<u8>,
    /// Where the first field starts (after `{"Response":{`).
    fields_at: usize,
}

impl Default for Output {
    fn default() -> Output {
        Output::new()
    }
}

const OPEN: &[u8] = b"{\"Response\":{";

impl Output {
    pub fn new() -> Output {
        let mut body = Vec::with_capacity(1024);
        body.extend_from_slice(OPEN);
        Output { kept: None, body, fields_at: OPEN.len() }
    }

    /// A kept page's bytes copied into the body, for a handler that adds to it.
    fn owned(mut self) -> Output {
        if let Some(kept) = self.kept.take() {
            let mut body = Vec::with_capacity(kept.len() + 1024);
            body.extend_from_slice(&kept);
            body.extend_from_slice(&self.body);
            (self.body, self.fields_at) = (body, OPEN.len());
        }
        self
    }

    pub fn with(self, key: &'static str, value: &impl Serialize) -> Output {
        let mut this = self.owned();
        this.body.push(b'"');
        this.body.extend_from_slice(key.as_bytes());
        this.body.extend_from_slice(b"\":");
        let mark = this.body.len();
        if serde_json::to_writer(&mut this.body, value).is_err() {
            this.body.truncate(mark);
            this.body.extend_from_slice(b"null");
        }
        this.body.push(b',');
        this
    }

    /// A field whose value `write` appends as JSON itself (hand-written writers: render.rs).
    pub fn with_json(self, key: &'static str, write: impl FnOnce(&mut Vec<u8>)) -> Output {
        let mut this = self.owned();
        this.body.push(b'"');
        this.body.extend_from_slice(key.as_bytes());
        this.body.extend_from_slice(b"\":");
        write(&mut this.body);
        this.body.push(b',');
        this
    }

    /// The fields written so far (`"Key":value,` each), as a kept page holds them
    /// (core/kept.rs).
    pub fn fields(&self) -> &[u8] {
        match &self.kept {
            // Nothing is added to a kept page's body but by `owned`, which ends the sharing.
            Some(kept) => &kept[OPEN.len()..],
            None => &self.body[self.fields_at..],
        }
    }

    /// An answer's opening and fields as a kept page holds them (`{"Response":{` and what
    /// [`Output::fields`] gave).
    pub fn kept_bytes(fields: &[u8]) -> Bytes {
        let mut bytes = Vec::with_capacity(OPEN.len() + fields.len());
        bytes.extend_from_slice(OPEN);
        bytes.extend_from_slice(fields);
        Bytes::from(bytes)
    }

    /// The answer of a kept page (what [`Output::kept_bytes`] made), sharing its bytes.
    pub fn from_kept(kept: &Bytes) -> Output {
        // Room for the request id that `into_body` adds.
        Output { kept: Some(kept.clone()), body: Vec::with_capacity(64), fields_at: 0 }
    }

    /// The fields as one JSON object, for surfaces that reshape Tencent answers (the gateway).
    pub fn into_value(self) -> Value {
        let this = self.owned();
        let fields = &this.body[this.fields_at..];
        let mut object = Vec::with_capacity(fields.len() + 2);
        object.push(b'{');
        object.extend_from_slice(fields.strip_suffix(b",").unwrap_or(fields));
        object.push(b'}');
        serde_json::from_slice(&object).unwrap_or_else(|_| Value::Object(Default::default()))
    }

    /// `{"Response": {<fields>, "RequestId": "..."}}`, as the kept bytes it starts with, if
    /// any, and the rest.
    pub(super) fn into_body(mut self, request_id: &str) -> (Option<Bytes>, Vec<u8>) {
        self.body.extend_from_slice(b"\"RequestId\":\"");
        self.body.extend_from_slice(request_id.as_bytes());
        self.body.extend_from_slice(b"\"}}");
        (self.kept, self.body)
    }
}
pub type Handler = fn(&mut Ctx<'_>, &Params) -> TcResult<Output>;

/// One row of the operation table.
pub struct Action {
    pub name: &'static str,
    pub schema: &'static [super::params::Field],
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
