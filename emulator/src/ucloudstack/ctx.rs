//! What a UCloudStack handler works with (`Ctx`: the world, and who is asking where) and what
//! it answers (`Fields`).

use serde_json::{Map, Value};

use super::error::{self as e, UcsResult};
use super::model::{UcsRegion, UcsWork};
use super::protocol::Params;
use super::world::World;
use crate::config::{Config, UcsAccount};
use crate::core::ids::IdGen;
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

    /// A fresh `prefix-xxxxxxxx` not used by any UCloudStack resource of any account.
    pub fn new_id(&mut self, prefix: &str) -> String {
        loop {
            let id = self.ids.short(prefix);
            let taken = self
                .world
                .ucloudstack
                .values()
                .flat_map(|r| r.values())
                .any(|s| s.disks.contains_key(&id) || s.snapshots.contains_key(&id) || s.vms.contains_key(&id));
            if !taken {
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

/// Response fields after `Action`, `RetCode` and `Message`.
pub type Fields = Map<String, Value>;

pub type Handler = fn(&mut Ctx<'_>, &Params<'_>) -> UcsResult<Fields>;
