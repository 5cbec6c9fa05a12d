//! What a UCloudStack handler works with (`Ctx`: the world, and who is asking where) and what
//! it answers (`Fields`).

use bytes::Bytes;
use serde_json::Value;

use super::error::{self as e, UcsResult};
use super::model::{UcsRegion, UcsWork};
use super::protocol::{envelope, Params};
use super::world::World;
use crate::config::{Config, UcsAccount};
use crate::core::ids::IdGen;
use crate::core::json;
use crate::core::timing::{Gate, TimingPolicy};

/// What a handler works with: the world, and who is asking where.
pub struct Ctx<'a> {
    pub cfg: &'a Config,
    pub world: &'a mut World<'a>,
    pub ids: &'a mut IdGen,
    pub timing: TimingPolicy,
    pub now: i64,
    pub account: &'a str,
    pub region: &'a str,
    pub user: &'a UcsAccount,
}

impl Ctx<'_> {
    pub fn store(&mut self) -> &mut UcsRegion {
        self.world.ucs(self.account, self.region)
    }

    pub fn schedule(&mut self, work: UcsWork) {
        let gate = Gate::new(self.timing, self.now);
        self.world.schedule(self.account, self.region, gate, work);
    }

    /// A fresh `prefix-xxxxxxxx`, spelled from the world's sequence (deterministic, and one
    /// lookup per table of this region whatever the world holds). Two generated ids never
    /// collide: the spelling is a bijection of the sequence number. A seeded id that happens
    /// to spell the same is skipped in its own region, the only place ids are looked up.
    pub fn new_id(&mut self, prefix: &str) -> String {
        loop {
            let id = format!("{prefix}-{}", spell_seq(self.world.next_seq()));
            let s = self.world.ucs(self.account, self.region);
            if !(s.disks.contains_key(&id) || s.snapshots.contains_key(id.as_str()) || s.vms.contains_key(&id)) {
                return id;
            }
        }
    }

    /// A project of the caller, or the caller's first project when none is named.
    pub fn project(&self, p: &Params<'_>, name: &str, default: Option<&str>) -> UcsResult<String> {
        match p.opt(name).filter(|v| !v.is_empty()) {
            None => Ok(default.map_or_else(|| self.user.projects[0].id.clone(), str::to_string)),
            Some(id) if self.user.projects.iter().any(|x| x.id == id) => Ok(id.to_string()),
            Some(id) => Err(e::invalid(name, format!("the project `{id}` does not exist"))),
        }
    }

    pub fn project_name(&self, id: &str) -> &str {
        self.user.projects.iter().find(|x| x.id == id).map_or("", |x| x.name.as_str())
    }
}

/// Response fields after `Action`, `RetCode` and `Message`, kept as the JSON text that follows
/// them in the envelope (`,"Name":value` each). Written once, straight to bytes: a page built as a
/// `serde_json` map and then serialized spent half its CPU on that map.
#[derive(Debug, Default)]
pub struct Fields {
    text: Vec<u8>,
    /// A whole success body, envelope and all, and the action it was written for: a kept page
    /// (core/kept.rs), shared with the cache rather than copied into the answer.
    whole: Option<(&'static str, Bytes)>,
}

impl Fields {
    pub fn new() -> Fields {
        Fields::default()
    }

    /// The answer of `action` whose whole body (what [`Fields::into_body`] writes) is `body`.
    pub fn whole(action: &'static str, body: Bytes) -> Fields {
        Fields { text: Vec::new(), whole: Some((action, body)) }
    }

    /// Starts the field `name` and returns the text to write its value to.
    pub fn field(&mut self, name: &str) -> &mut Vec<u8> {
        debug_assert!(self.whole.is_none(), "a whole body is not added to");
        self.text.push(b',');
        json::string(&mut self.text, name);
        self.text.push(b':');
        &mut self.text
    }

    /// Adds `name` with a value serde_json writes.
    pub fn value(&mut self, name: &str, v: &Value) {
        // Writing a `Value` to memory cannot fail.
        let _ = serde_json::to_writer(self.field(name), v);
    }

    /// The text after `"Message":"..."`: empty, or `,"Name":value...`.
    pub fn text(&self) -> &[u8] {
        match &self.whole {
            // Between the envelope's opening and its closing brace.
            Some((action, body)) => &body[envelope(action, 0, "", b"").len() - 1..body.len() - 1],
            None => &self.text,
        }
    }

    /// The success body of `action` (the envelope around the fields): the bytes it starts with,
    /// shared with whoever keeps them, and the rest.
    pub fn into_body(self, action: &str) -> (Option<Bytes>, Vec<u8>) {
        match self.whole {
            Some((made_for, body)) if made_for == action => (Some(body), Vec::new()),
            // Actions are found by their exact name, so this is for a caller that did not.
            _ => (None, envelope(action, 0, "", self.text())),
        }
    }
}

pub type Handler = fn(&mut Ctx<'_>, &Params<'_>) -> UcsResult<Fields>;

/// Eight `[a-z0-9]` characters for sequence number `n`: `n` is scrambled by an affine map
/// modulo 36^8 whose factor is prime to 36, a bijection, so distinct numbers below 36^8 (some
/// 2.8 trillion) give distinct spellings while neighbours look unrelated.
pub fn spell_seq(n: u64) -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    const M: u128 = 36u128.pow(8);
    const FACTOR: u128 = 1_779_033_703; // odd, and its digit sum (40) is no multiple of 3
    let mut x = (u128::from(n) % M * FACTOR + 982_451_653) % M;
    let mut out = [0u8; 8];
    for c in out.iter_mut().rev() {
        *c = ALPHABET[(x % 36) as usize];
        x /= 36;
    }
    out.iter().map(|&c| c as char).collect()
}
