//! The whole simulated world: per-provider state per account and region, plus the queue of async
//! jobs. `Twin` wraps it with the configuration, the clock and the lock that serializes changes.

use std::collections::BTreeMap;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::Config;
use crate::huawei::model::{Fault, HwProject, HwWork, Token};
use crate::ids::IdGen;
use crate::inventory::Inventory;
use crate::tencent::model::{TcRegion, TcWork};
use crate::timing::{Gate, TimingPolicy};
use crate::ucloudstack::model::{UcsRegion, UcsWork};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "provider", rename_all = "lowercase")]
pub enum Work {
    Tencent(TcWork),
    Huawei(HwWork),
    UCloudStack(UcsWork),
}

impl Work {
    /// The resource a control-plane `jobs/complete {target}` names.
    pub fn target(&self) -> &str {
        match self {
            Work::Tencent(w) => w.target(),
            Work::Huawei(w) => w.target(),
            Work::UCloudStack(w) => w.target(),
        }
    }

    /// Scheduled events (policy triggers, expiries) happen at their time, never early.
    pub fn is_scheduled(&self) -> bool {
        match self {
            Work::Tencent(w) => w.is_scheduled(),
            Work::Huawei(w) => w.is_scheduled(),
            Work::UCloudStack(_) => false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Job {
    pub id: u64,
    pub account: String,
    pub region: String,
    pub gate: Gate,
    /// When the read that opened a read-gated job happened (the job completes no earlier).
    pub opened_ms: Option<i64>,
    pub work: Work,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct World {
    /// account name → region → state.
    pub tencent: BTreeMap<String, BTreeMap<String, TcRegion>>,
    /// account name → prepaid disks returned so far.
    pub tencent_refunds: BTreeMap<String, u32>,
    /// Huawei project id → CBR state (a project is one account in one region).
    pub huawei: BTreeMap<String, HwProject>,
    /// IAM tokens issued so far (never dumped: they are credentials).
    #[serde(skip)]
    pub huawei_tokens: BTreeMap<String, Token>,
    /// Failures the control plane asked for (`/_cloudtwin/huawei/faults`).
    pub huawei_faults: Vec<Fault>,
    pub jobs: Vec<Job>,
    pub next_id: u64,
    /// How async work finishes (control plane: `/_cloudtwin/timing`).
    pub timing: TimingPolicy,
    /// account name → UCloudStack region → state.
    #[serde(default)]
    pub ucloudstack: BTreeMap<String, BTreeMap<String, UcsRegion>>,
}

impl World {
    pub fn seeded(cfg: &Config, inventory: &Inventory, now_ms: i64) -> Result<World, String> {
        let mut world = World::default();
        crate::tencent::seed::apply(&mut world, cfg, inventory, now_ms)?;
        crate::huawei::seed::apply(&mut world, cfg, inventory, now_ms)?;
        crate::ucloudstack::seed::apply(&mut world, cfg, inventory, now_ms)?;
        Ok(world)
    }

    pub fn tc(&mut self, account: &str, region: &str) -> &mut TcRegion {
        self.tencent.entry(account.to_string()).or_default().entry(region.to_string()).or_default()
    }

    pub fn tc_ref(&self, account: &str, region: &str) -> Option<&TcRegion> {
        self.tencent.get(account).and_then(|r| r.get(region))
    }

    /// A fresh number for ordering and log ids.
    pub fn next_seq(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn schedule(&mut self, account: &str, region: &str, gate: Gate, work: Work) -> u64 {
        let id = self.next_seq();
        self.jobs.push(Job { id, account: account.into(), region: region.into(), gate, opened_ms: None, work });
        id
    }

    /// A read in `account`/`region` has seen whatever is in flight there.
    pub fn observe(&mut self, account: &str, region: &str, now_ms: i64) {
        self.observe_jobs(now_ms, |j| j.account == account && j.region == region);
    }

    /// A read has seen the in-flight work `watched` picks (work polled for elsewhere than where
    /// it was started, such as a replica at its destination).
    pub fn observe_where(&mut self, now_ms: i64, watched: impl Fn(&Work) -> bool) {
        self.observe_jobs(now_ms, |j| watched(&j.work));
    }

    fn observe_jobs(&mut self, now_ms: i64, seen: impl Fn(&Job) -> bool) {
        for job in self.jobs.iter_mut().filter(|j| seen(j)) {
            job.gate.reads = job.gate.reads.saturating_add(1);
            if job.opened_ms.is_none() && job.gate.reads >= job.gate.min_reads {
                job.opened_ms = Some(now_ms);
            }
        }
    }

    /// The job that drives `target` (a disk or backup point), if one is in flight.
    pub fn job_for(&self, target: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.work.target() == target && !j.work.is_scheduled())
    }

    /// Finish every job whose gate is open at `now_ms`, earliest first; a finished job may
    /// schedule more work, which is considered in the same pass.
    pub fn catch_up(&mut self, cfg: &Config, now_ms: i64) {
        loop {
            let next = self
                .jobs
                .iter()
                .enumerate()
                .filter(|(_, j)| j.gate.is_open(now_ms))
                .min_by_key(|(_, j)| (j.gate.due_ms, j.id))
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let job = self.jobs.remove(i);
            self.finish(cfg, job, now_ms);
        }
    }

    fn finish(&mut self, cfg: &Config, job: Job, now_ms: i64) {
        let done_at = job.gate.due_ms.max(job.opened_ms.unwrap_or(i64::MIN)).min(now_ms);
        match job.work {
            Work::Tencent(w) => crate::tencent::jobs::finish(self, cfg, &job.account, &job.region, w, done_at),
            Work::Huawei(w) => crate::huawei::jobs::finish(self, cfg, &job.account, &job.region, w, done_at),
            Work::UCloudStack(w) => crate::ucloudstack::jobs::finish(self, &job.account, &job.region, w),
        }
    }

    /// Complete in-flight jobs now, whatever their gates say (control plane): those `pick`
    /// selects, scheduled events excepted, in due order; returns how many finished.
    pub fn force_complete(&mut self, cfg: &Config, now_ms: i64, pick: &dyn Fn(&Job) -> bool) -> usize {
        let mut n = 0;
        loop {
            let next = self
                .jobs
                .iter()
                .enumerate()
                .filter(|(_, j)| !j.work.is_scheduled() && pick(j))
                .min_by_key(|(_, j)| (j.gate.due_ms.min(now_ms), j.id))
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let mut job = self.jobs.remove(i);
            job.gate.due_ms = job.gate.due_ms.min(now_ms);
            job.opened_ms = None;
            self.finish(cfg, job, now_ms);
            n += 1;
        }
        n
    }
}

/// Mutable runtime state behind the lock.
#[derive(Debug)]
pub struct State {
    pub world: World,
    pub ids: IdGen,
}

/// One running twin: configuration, clock, seed inventory and state.
#[derive(Debug)]
pub struct Twin {
    pub cfg: Config,
    pub clock: Clock,
    pub inventory: Inventory,
    pub state: Mutex<State>,
    pub limiter: crate::ratelimit::Limiter,
}

impl Twin {
    pub fn new(cfg: Config, inventory: Inventory, clock: Clock) -> Result<Twin, String> {
        cfg.validate()?;
        cfg.timing.validate()?;
        let mut world = World::seeded(&cfg, &inventory, clock.now_ms())?;
        world.timing = cfg.timing;
        let state = State { world, ids: IdGen::new(cfg.id_seed) };
        Ok(Twin { cfg, clock, inventory, state: Mutex::new(state), limiter: Default::default() })
    }

    /// Back to the seeded state (the clock and the timing policy are kept).
    pub fn reset(&self) {
        let now = self.clock.now_ms();
        let mut world = World::seeded(&self.cfg, &self.inventory, now).expect("the inventory was valid at start");
        let mut st = self.state.lock();
        world.timing = st.world.timing;
        st.world = world;
        st.ids = IdGen::new(self.cfg.id_seed);
    }
}
